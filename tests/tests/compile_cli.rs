//! `provd-compile` as an administrator runs it: import from wazo-provd,
//! compile, inspect, and what happens on bad input.

use std::path::Path;

use provd_e2e::{run, stderr, stdout};
use serde_json::json;

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// A wazo-provd jsondb with two good phones and a handful of bad documents.
fn jsondb(root: &Path) {
    let dev = |id: &str, mac: &str, model: &str, plugin: &str, config: &str| {
        json!({"id": id, "mac": mac, "model": model, "vendor": "x", "plugin": plugin, "config": config,
               "configured": true, "tenant_uuid": "t", "is_new": false})
        .to_string()
    };
    let cfg = |id: &str, user: &str| {
        json!({"id": id, "parent_ids": ["base", "defaultconfigdevice"], "X_type": "device", "deletable": true,
               "raw_config": {"sip_lines": {"1": {"username": user, "password": "pw", "display_name": "Alice Example",
                               "number": "1001", "proxy_ip": "10.0.0.1"}},
                              "funckeys": {"1": {"type": "speeddial", "value": "1002", "label": "Bob"}},
                              "timezone": "Europe/Paris", "locale": "fr_FR"}})
        .to_string()
    };
    write(&root.join("configs/cyea"), &cfg("cyea", "alice"));
    write(&root.join("configs/caas"), &cfg("caas", "carol"));
    write(&root.join("devices/yea"), &dev("yea", "80:5e:c0:d5:7d:72", "T46S", "wazo-yealink-v86", "cyea"));
    write(&root.join("devices/aas"), &dev("aas", "00:08:5d:2e:ec:fb", "6739i", "wazo-aastra-3.3.1-SP4", "caas"));
    // Bad documents, each refused with its reason.
    write(&root.join("devices/badmac"), &dev("badmac", "00:08:5d:2e:ec", "6739i", "p", "caas"));
    write(&root.join("devices/badjson"), "{\"id\": \"badjson\", ");
    write(&root.join("devices/mismatch"), &dev("other", "00:08:5d:2e:ec:01", "6739i", "p", "caas"));
    write(&root.join("devices/badip"), &json!({"id": "badip", "ip": "10.0.0.300"}).to_string());
    write(
        &root.join("configs/badvlan"),
        &json!({"id": "badvlan", "parent_ids": [], "raw_config": {"vlan_id": 5000}}).to_string(),
    );
    write(&root.join("configs/loop1"), &json!({"id": "loop1", "parent_ids": ["loop2"], "raw_config": {}}).to_string());
    write(&root.join("configs/loop2"), &json!({"id": "loop2", "parent_ids": ["loop1"], "raw_config": {}}).to_string());
    write(&root.join("configs/noparents"), &json!({"id": "noparents", "raw_config": {}}).to_string());
}

fn data_with_fleet() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    jsondb(&dir.path().join("jsondb"));
    let data = dir.path().join("data").to_str().unwrap().to_owned();
    let out =
        run("provd-compile", &["--data", &data, "--import-wazo-jsondb", dir.path().join("jsondb").to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, data)
}

#[test]
fn import_refuses_bad_documents_with_reasons_and_imports_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    jsondb(&dir.path().join("jsondb"));
    let data = dir.path().join("data");
    let out = run(
        "provd-compile",
        &["--data", data.to_str().unwrap(), "--import-wazo-jsondb", dir.path().join("jsondb").to_str().unwrap()],
    );
    let err = stderr(&out);
    assert!(out.status.success(), "{err}");
    let refused = |file: &str, why: &str| {
        let line = err
            .lines()
            .find(|l| l.starts_with("refused: ") && l.contains(&format!("/{file}:")))
            .unwrap_or_else(|| panic!("{file} not refused:\n{err}"));
        assert!(line.contains(why), "{file}: {line}");
    };
    refused("badmac", "mac: invalid MAC address \"00:08:5d:2e:ec\"");
    refused("badjson", "invalid JSON");
    refused("mismatch", "does not match the file name");
    refused("badip", "field ip: \"10.0.0.300\" is not a dotted-quad IPv4 address");
    refused("badvlan", "raw_config: vlan_id: 5000 is out of range 0..=4094");
    refused("loop1", "config cycle in parent_ids");
    refused("loop2", "config cycle in parent_ids");
    refused("noparents", "missing field `parent_ids`");
    assert!(err.contains("imported 2 devices and 2 configs, refused 8"), "{err}");
    let summary = stdout(&out);
    assert!(summary.starts_with("published generation 1: 2 devices (2 configured)"), "{summary}");
}

#[test]
fn show_prints_what_a_phone_is_served() {
    let (_dir, data) = data_with_fleet();
    let out = run("provd-compile", &["--data", &data, "--show", "80-5E-C0-D5-7D-72"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(text.contains("==> wazo-yealink-v86/805ec0d57d72.cfg ("), "{text}");
    assert!(text.contains("account.1.user_name = alice"), "{text}");
    assert!(text.contains("account.1.password = pw"), "{text}");
    let out = run("provd-compile", &["--data", &data, "--show", "aas"]);
    let text = stdout(&out);
    assert!(text.contains("==> wazo-aastra-3.3.1-SP4/Aastra/00085D2EECFB.cfg ("), "{text}");
    assert!(text.contains("sip line1 user name: carol"), "{text}");
    let out = run("provd-compile", &["--data", &data, "--show", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no device with id or MAC \"nope\""));
}

#[test]
fn export_writes_every_served_file_per_plugin() {
    let (dir, data) = data_with_fleet();
    let export = dir.path().join("export");
    let out = run("provd-compile", &["--data", &data, "--export", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let yea = std::fs::read_to_string(export.join("wazo-yealink-v86/805ec0d57d72.cfg")).unwrap();
    assert!(yea.starts_with("#!version:1.0.0.1"), "{yea}");
    assert!(export.join("wazo-aastra-3.3.1-SP4/Aastra/aastra.cfg").is_file());
    assert!(export.join("wazo-yealink-v86/directory_setting.xml").is_file());
}

#[test]
fn broken_template_publishes_nothing_then_keep_going_publishes_the_rest() {
    let (_dir, data) = data_with_fleet();
    let custom = Path::new(&data).join("plugins/wazo-yealink-v86/var/templates/805ec0d57d72.cfg.tpl");
    write(&custom, "#!version:1.0.0.1\n{% if %}\n");
    // The Aastra phone changes too, so we can see nothing was published.
    write(&Path::new(&data).join("plugins/wazo-aastra-3.3.1-SP4/var/templates/6739i.tpl"), "custom: 1\n");
    let out = run("provd-compile", &["--data", &data]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("error: device yea (80:5e:c0:d5:7d:72): template ")
            && err.contains("var/templates/805ec0d57d72.cfg.tpl:2: syntax error"),
        "{err}"
    );
    assert!(stdout(&out).starts_with("FAILED, nothing published"), "{}", stdout(&out));
    let shown = stdout(&run("provd-compile", &["--data", &data, "--show", "aas"]));
    assert!(!shown.contains("custom: 1"), "the old generation is still served");

    let dry = run("provd-compile", &["--data", &data, "--plugin", "wazo-aastra-3.3.1-SP4", "--dry-run", "--diff"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let text = stdout(&dry);
    assert!(text.contains("changed  wazo-aastra-3.3.1-SP4/Aastra/00085D2EECFB.cfg"), "{text}");
    assert!(text.contains("+custom: 1"), "{text}");

    let out = run("provd-compile", &["--data", &data, "--keep-going"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let shown = stdout(&run("provd-compile", &["--data", &data, "--show", "aas"]));
    assert!(shown.contains("custom: 1"), "{shown}");
    let shown = stdout(&run("provd-compile", &["--data", &data, "--show", "yea"]));
    assert!(shown.contains("account.1.user_name = alice"), "the failing phone keeps its last good file");
}

#[test]
fn bad_scope_and_bad_data_dir_are_clear_errors() {
    let (_dir, data) = data_with_fleet();
    let out = run("provd-compile", &["--data", &data, "--plugin", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown plugin \"nope\" (installed: "), "{}", stderr(&out));
    let out = run("provd-compile", &["--data", &data, "--mac", "zz"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("invalid MAC address \"zz\""), "{}", stderr(&out));
    let out = run("provd-compile", &["--data", "/proc/version/data"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run("provd-compile", &["--data", &data, "--import-wazo-jsondb", "/nonexistent"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not a wazo-provd jsondb directory"), "{}", stderr(&out));
}
