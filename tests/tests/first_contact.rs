//! A known phone back at a new address (DHCP renumbering, a site moved):
//! its first request names its MAC and is served at once while the writer
//! records the new address; its next request, right behind, names nothing
//! but a file every phone of its plugin shares (a Cisco SCCP phone's
//! `SEP<MAC>.cnf.xml`, then `RINGLIST.XML`), so only the address can find
//! it. It must be served, not told "Nowhere to route" because the store
//! has not caught up yet.

use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

use provd_e2e::{Server, run, stderr};
use serde_json::json;

const PHONES: usize = 20;
const RINGLIST: &[u8] = b"<CiscoIPPhoneRingList><Ring><DisplayName>Chirp</DisplayName></Ring></CiscoIPPhoneRingList>\n";

fn write_json(path: &Path, doc: &serde_json::Value) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, serde_json::to_vec(doc).unwrap()).unwrap();
}

fn mac(n: usize) -> String {
    format!("00:1e:4a:aa:00:{n:02x}")
}

/// An octet-mode TFTP read from one socket, answering each block at once:
/// the file, or the server's error message.
fn tftp_get(sock: &UdpSocket, server: std::net::SocketAddr, name: &str) -> Result<Vec<u8>, String> {
    let mut rrq = vec![0, 1];
    rrq.extend_from_slice(name.as_bytes());
    rrq.extend_from_slice(b"\0octet\0");
    sock.send_to(&rrq, server).unwrap();
    let mut file = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        let (n, from) = sock.recv_from(&mut buf).expect("an answer within the timeout");
        match u16::from_be_bytes([buf[0], buf[1]]) {
            3 => {
                file.extend_from_slice(&buf[4..n]);
                sock.send_to(&[0, 4, buf[2], buf[3]], from).unwrap();
                if n < 4 + 512 {
                    return Ok(file);
                }
            }
            5 => return Err(String::from_utf8_lossy(&buf[4..n.saturating_sub(1)]).into_owned()),
            op => panic!("TFTP opcode {op}"),
        }
    }
}

#[test]
fn a_known_phone_at_a_new_address_gets_its_shared_files_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let fleet = dir.path().join("fleet");
    // Every phone recorded at an address it no longer has.
    for n in 0..PHONES {
        let id = format!("sccp{n}");
        write_json(
            &fleet.join("configs").join(&id),
            &json!({"id": id, "parent_ids": ["base", "defaultconfigdevice"], "deletable": true,
                    "raw_config": {"sip_lines": {"1": {"username": format!("u{n}"), "password": "p",
                                                        "display_name": format!("Phone {n}")}}}}),
        );
        write_json(
            &fleet.join("devices").join(&id),
            &json!({"id": id, "mac": mac(n), "ip": format!("127.0.2.{}", n + 1), "vendor": "Cisco", "model": "7941G",
                    "plugin": "wazo-cisco-sccp-9.4", "config": id, "configured": true, "version": "9.4.2SR1"}),
        );
    }
    let data_arg = data.to_str().unwrap();
    let boot = run("provd-compile", &["--data", data_arg]);
    assert!(boot.status.success(), "{}", stderr(&boot));
    // The ring list a real install gets from the plugin's firmware package.
    let tftpboot = data.join("plugins/wazo-cisco-sccp-9.4/var/tftpboot");
    std::fs::create_dir_all(&tftpboot).unwrap();
    std::fs::write(tftpboot.join("RINGLIST.XML"), RINGLIST).unwrap();
    let imported = run("provd-compile", &["--data", data_arg, "--import-wazo-jsondb", fleet.to_str().unwrap()]);
    assert!(imported.status.success(), "{}", stderr(&imported));

    let export = dir.path().join("export");
    let exported = run("provd-compile", &["--data", data_arg, "--export", export.to_str().unwrap()]);
    assert!(exported.status.success(), "{}", stderr(&exported));

    let server = Server::start(&data, &[]);
    for n in 0..PHONES {
        // Each phone from its own address, as on a real network.
        let sock = UdpSocket::bind(format!("127.0.1.{}:0", n + 1)).unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let own = format!("SEP{}.cnf.xml", mac(n).replace(':', "").to_uppercase());
        let profile = tftp_get(&sock, server.tftp, &own).unwrap_or_else(|e| panic!("{own}: {e}\n{}", server.log()));
        assert_eq!(profile, std::fs::read(export.join("wazo-cisco-sccp-9.4").join(&own)).unwrap(), "{own}");
        let ringlist = tftp_get(&sock, server.tftp, "RINGLIST.XML");
        assert_eq!(ringlist.as_deref(), Ok(RINGLIST), "phone {n}\n{}", server.log());
    }
    // And the store caught up: every phone is recorded at its new address.
    let recorded = |n: usize| {
        let devices = server.rest().get(&format!("/0.2/dev_mgr/devices?q=%7B%22mac%22%3A%22{}%22%7D", mac(n))).json();
        devices["devices"][0]["ip"] == format!("127.0.1.{}", n + 1)
    };
    assert!(provd_e2e::eventually(100, || (0..PHONES).all(recorded)), "{}", server.log());
}
