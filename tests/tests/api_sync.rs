//! Synchronize through the REST API: the server sends the NOTIFY to the
//! phone's address (SIPp plays the phone), and a mass synchronize reports
//! which phones answered and which came back for their configuration.

use std::time::Duration;

use provd_e2e::sipp::Sipp;
use provd_e2e::{Rest, Server, curl, eventually};
use serde_json::json;

fn ua(mac: &str) -> String {
    format!("Yealink SIP-T46S 66.86.0.15 {mac}")
}

/// A Yealink phone at 127.0.0.1 fetching its own file (its remote-state trigger).
fn fetch(server: &Server, mac: &str) -> String {
    let file = format!("/{}.cfg", mac.replace(':', ""));
    String::from_utf8_lossy(&curl(&["-A", &ua(mac), &server.url(&file)]).stdout).into_owned()
}

fn device_id(rest: &Rest, mac: &str) -> String {
    let r = rest.get(&format!("/0.2/dev_mgr/devices?q=%7B%22mac%22%3A%22{}%22%7D", mac.replace(':', "%3A")));
    r.json()["devices"][0]["id"].as_str().unwrap_or_else(|| panic!("no device {mac}: {}", r.text())).to_owned()
}

#[test]
fn synchronize_sends_check_sync_to_the_phone() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let port = sipp.port.to_string();
    let server = Server::start(&dir.path().join("data"), &["--sync-sip-port", &port]);
    let rest = server.rest();
    let mut sipp = sipp;

    assert!(fetch(&server, "80:5e:c0:d5:7d:72").contains("Autoprov"));
    let id = device_id(&rest, "80:5e:c0:d5:7d:72");
    let r = rest.send("POST", "/0.2/dev_mgr/synchronize", &json!({"id": id}));
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.header("Location").unwrap().to_owned();
    assert_eq!(location, "/0.2/dev_mgr/synchronize/1");
    let done = rest.wait_operation(&location, 600);
    assert_eq!(done["status"], "success", "{done}");
    assert_eq!(done["outcome"]["code"], 200, "{done}");
    assert!(sipp.wait(Duration::from_secs(10)).success(), "{}", sipp.file("stderr"));
    assert_eq!(sipp.events(), ["check-sync"]);
    assert_eq!(rest.delete(&location).status, 204);
    assert_eq!(rest.get(&location).status, 404);

    // Unknown device: 404 at once, as wazo-provd.
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/synchronize", &json!({"id": "nope"})).status, 404);
}

#[test]
fn synchronize_of_a_phone_that_never_answers_fails_with_the_reason() {
    // A bound, silent port: the NOTIFY is retransmitted until Timer F.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--sync-sip-port", &port, "--sync-timeout", "0.64"]);
    let rest = server.rest();
    assert!(fetch(&server, "80:5e:c0:d5:7d:72").contains("Autoprov"));
    let id = device_id(&rest, "80:5e:c0:d5:7d:72");
    let location =
        rest.send("POST", "/0.2/dev_mgr/synchronize", &json!({"id": id})).header("Location").unwrap().to_owned();
    let done = rest.wait_operation(&location, 600);
    assert_eq!(done["status"], "fail", "{done}");
    let error = done["error"].as_str().unwrap();
    assert!(error.starts_with("sip:anonymous@127.0.0.1: no answer"), "{error}");
    let mut buf = [0u8; 2048];
    silent.set_read_timeout(Some(Duration::from_secs(1))).unwrap();
    let (n, _) = silent.recv_from(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"NOTIFY sip:anonymous@127.0.0.1:"), "{}", String::from_utf8_lossy(&buf[..n]));
    drop(silent);

    // An unconfigured device (no plugin) cannot be synchronized.
    let r = rest.send("POST", "/0.2/dev_mgr/devices", &json!({"device": {"id": "bare", "ip": "127.0.0.1"}}));
    assert_eq!(r.status, 201);
    let location =
        rest.send("POST", "/0.2/dev_mgr/synchronize", &json!({"id": "bare"})).header("Location").unwrap().to_owned();
    let done = rest.wait_operation(&location, 200);
    assert_eq!(done, json!({"status": "fail", "error": "device is not configured"}));
}

#[test]
fn mass_synchronize_reports_who_answered_and_who_came_back() {
    let macs = ["80:5e:c0:00:00:01", "80:5e:c0:00:00:02", "80:5e:c0:00:00:03"];
    let sipp = Sipp::start(macs.len());
    let dir = tempfile::tempdir().unwrap();
    let port = sipp.port.to_string();
    let server = Server::start(&dir.path().join("data"), &["--sync-sip-port", &port]);
    let rest = server.rest();
    let mut sipp = sipp;
    // Every phone here shares 127.0.0.1: NAT keeps each device's address.
    assert_eq!(rest.send("PUT", "/0.2/configure/NAT", &json!({"param": {"value": "1"}})).status, 204);
    for mac in macs {
        assert!(fetch(&server, mac).contains("Autoprov"));
    }
    let mut ids: Vec<String> = macs.iter().map(|m| device_id(&rest, m)).collect();
    ids.push("gone".into());

    let r = rest.send(
        "POST",
        "/0.2/dev_mgr/synchronize_many",
        &json!({"ids": ids, "rate": 50, "concurrency": 2, "window": 3}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.header("Location").unwrap().to_owned();
    // Once every NOTIFY has its answer, two of the three phones come back.
    let answered = eventually(1500, || rest.get(&location).json()["status"] == "progress;4/4");
    assert!(answered, "{}", rest.get(&location).text());
    assert!(fetch(&server, macs[0]).contains("Autoprov"));
    assert!(fetch(&server, macs[2]).contains("Autoprov"));

    let done = rest.wait_operation(&location, 600);
    assert_eq!(done["status"], "fail;4/4", "one device does not exist: {done}");
    let report = &done["report"];
    assert_eq!(
        (report["total"].as_u64(), report["succeeded"].as_u64(), report["fetched"].as_u64()),
        (Some(4), Some(3), Some(2)),
        "{report}"
    );
    let devices = report["devices"].as_array().unwrap();
    let line =
        |i: usize| (devices[i]["outcome"]["status"].as_str().unwrap(), devices[i]["fetch"]["status"].as_str().unwrap());
    assert_eq!(line(0), ("answered", "fetched"));
    assert_eq!(line(1), ("answered", "not_fetched"));
    assert_eq!(line(2), ("answered", "fetched"));
    assert_eq!(devices[3]["device_id"], "gone");
    assert_eq!(devices[3]["outcome"]["error"], "no such device");
    assert!(sipp.wait(Duration::from_secs(10)).success(), "{}", sipp.file("stderr"));
    assert_eq!(sipp.events(), ["check-sync", "check-sync", "check-sync"]);
    assert!(server.log().contains("provd-server: synchronized 4 devices in "), "{}", server.log());

    // Requests out of bounds are refused with the reason.
    let r = rest.send("POST", "/0.2/dev_mgr/synchronize_many", &json!({"ids": ids, "rate": -1}));
    assert_eq!(r.status, 400);
    assert!(r.text().starts_with("rate: "), "{}", r.text());
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/synchronize_many", &json!({"ids": []})).status, 400);
}

#[test]
fn the_cli_synchronizes_a_plugin_and_prints_the_report() {
    let macs = ["80:5e:c0:00:00:11", "80:5e:c0:00:00:12"];
    let sipp = Sipp::start(macs.len());
    let dir = tempfile::tempdir().unwrap();
    let port = sipp.port.to_string();
    let data = dir.path().join("data");
    let server = Server::start(&data, &["--sync-sip-port", &port]);
    let mut sipp = sipp;
    let rest = server.rest();
    assert_eq!(rest.send("PUT", "/0.2/configure/NAT", &json!({"param": {"value": "1"}})).status, 204);
    for mac in macs {
        assert!(fetch(&server, mac).contains("Autoprov"));
    }
    // The CLI finds the server's token in its data directory.
    let out = std::process::Command::new(provd_e2e::bin("provd"))
        .env_remove("PROVD_TOKEN")
        .env("PROVD_DATA", &data)
        .args(["--api", &format!("{}/0.2", rest.base), "devices", "synchronize", "--plugin", "wazo-yealink-v86"])
        .args(["--rate", "20", "--window", "1"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    for mac in macs {
        let row = stdout.lines().find(|l| l.contains(mac)).unwrap_or_else(|| panic!("{mac} in\n{stdout}"));
        assert!(row.contains("200 OK  no "), "{row}");
    }
    assert!(
        stdout.contains("synchronized 2 of 2 devices, 0 fetched their files, 2 did not fetch within the window"),
        "{stdout}"
    );
    assert!(sipp.wait(Duration::from_secs(10)).success(), "{}", sipp.file("stderr"));
    assert_eq!(sipp.events(), ["check-sync", "check-sync"]);
}
