//! Phones whose TFTP requests carry no MAC (Yealink, Aastra, Snom ask for
//! `805ec0aabb01.cfg`, `Aastra/00085DAABB01.cfg`, `000413aabb01.xml`)
//! behind one address with NAT mode on: the address names six devices,
//! so only the device-specific file name can tell which phone asks. Each
//! phone must get exactly the bytes `provd-compile --export` wrote for it,
//! with tftp-hpa and atftp, and no device may be created on the way.

use std::path::Path;
use std::process::Command;

use provd_e2e::{Server, run, stderr};
use serde_json::{Value, json};

/// (id, MAC, vendor, model, plugin, version, the file the phone asks for
/// over TFTP, which is also its route's path under the plugin).
const PHONES: &[(&str, &str, &str, &str, &str, &str, &str)] = &[
    ("yl1", "80:5e:c0:aa:bb:01", "Yealink", "T46S", "wazo-yealink-v86", "66.86.0.15", "805ec0aabb01.cfg"),
    ("yl2", "80:5e:c0:aa:bb:02", "Yealink", "T46S", "wazo-yealink-v86", "66.86.0.15", "805ec0aabb02.cfg"),
    ("aa1", "00:08:5d:aa:bb:01", "Aastra", "6869i", "wazo-aastra-8.2.0", "8.2.0", "Aastra/00085DAABB01.cfg"),
    ("aa2", "00:08:5d:aa:bb:02", "Aastra", "6869i", "wazo-aastra-8.2.0", "8.2.0", "Aastra/00085DAABB02.cfg"),
    ("sn1", "00:04:13:aa:bb:01", "Snom", "710", "wazo-snom-8.7.5.35", "8.7.5.35", "000413AABB01.xml"),
    ("sn2", "00:04:13:aa:bb:02", "Snom", "710", "wazo-snom-8.7.5.35", "8.7.5.35", "000413AABB02.xml"),
];

fn write_json(path: &Path, doc: &Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec(doc).unwrap()).unwrap();
}

/// A wazo-provd jsondb of the six phones, every one recorded at 127.0.0.1,
/// each with its own config and SIP line.
fn write_fleet(dir: &Path) {
    for (n, (id, mac, vendor, model, plugin, version, _)) in PHONES.iter().enumerate() {
        write_json(
            &dir.join("configs").join(id),
            &json!({
                "id": id, "parent_ids": ["base", "defaultconfigdevice"], "deletable": true,
                "X_type": "device", "configdevice": "defaultconfigdevice",
                "raw_config": {"sip_lines": {"1": {
                    "username": format!("user{n}"), "auth_username": format!("user{n}"),
                    "password": format!("secret{n}"), "display_name": format!("Phone {n}"),
                    "number": format!("10{n}"), "proxy_ip": "127.0.0.1", "registrar_ip": "127.0.0.1",
                }}},
            }),
        );
        write_json(
            &dir.join("devices").join(id),
            &json!({
                "id": id, "mac": mac, "ip": "127.0.0.1", "vendor": vendor, "model": model,
                "plugin": plugin, "config": id, "configured": true, "is_new": false, "version": version,
            }),
        );
    }
}

fn tftp_hpa(server: &Server, name: &str, local: &Path) -> String {
    let out = Command::new("timeout")
        .args(["60", "tftp", "-m", "binary", "127.0.0.1", &server.tftp.port().to_string(), "-c", "get", name])
        .arg(local)
        .output()
        .expect("tftp (tftp-hpa)");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn atftp(server: &Server, name: &str, local: &Path) -> String {
    let out = Command::new("timeout")
        .args(["60", "atftp", "--option", "blksize 1428", "-g", "-r", name, "-l"])
        .arg(local)
        .args(["127.0.0.1", &server.tftp.port().to_string()])
        .output()
        .expect("atftp");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn phones_behind_one_address_are_served_their_own_files_over_tftp() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fleet = dir.path().join("fleet");
    let export = dir.path().join("export");
    write_fleet(&fleet);
    let imported =
        run("provd-compile", &["--data", data.to_str().unwrap(), "--import-wazo-jsondb", fleet.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let exported = run("provd-compile", &["--data", data.to_str().unwrap(), "--export", export.to_str().unwrap()]);
    assert!(exported.status.success(), "{}", stderr(&exported));

    let server = Server::start(&data, &[]);
    let rest = server.rest();
    assert_eq!(rest.send("PUT", "/0.2/configure/NAT", &json!({"param": {"value": "1"}})).status, 204);
    let devices_before = rest.get("/0.2/dev_mgr/devices").json()["devices"].as_array().unwrap().len();

    let got = tempfile::tempdir().unwrap();
    for (id, _, _, _, plugin, _, file) in PHONES {
        let want = std::fs::read(export.join(plugin).join(file)).unwrap_or_else(|e| panic!("{plugin}/{file}: {e}"));
        assert!(
            String::from_utf8_lossy(&want)
                .contains(&format!("secret{}", &PHONES.iter().position(|p| p.0 == *id).unwrap()))
        );
        for (client, fetch) in [("tftp-hpa", tftp_hpa as fn(&Server, &str, &Path) -> String), ("atftp", atftp)] {
            let local = got.path().join(format!("{id}-{client}"));
            let output = fetch(&server, file, &local);
            let served = std::fs::read(&local).unwrap_or_default();
            assert!(
                served == want,
                "{client} {file} for {id}: {} bytes, want {}\n{output}\n{}",
                served.len(),
                want.len(),
                server.log()
            );
        }
    }
    // Every phone was the device it already was: nothing created.
    let devices = rest.get("/0.2/dev_mgr/devices").json()["devices"].as_array().unwrap().len();
    assert_eq!(devices, devices_before);
    assert_eq!(devices, PHONES.len());

    // A file no device owns still names nobody: the shared address is
    // ambiguous, as wazo-provd's IP retriever finds it.
    let local = got.path().join("nobody");
    let output = tftp_hpa(&server, "805ec0aabb99.cfg", &local);
    assert!(std::fs::read(&local).unwrap_or_default().is_empty(), "{output}");
}
