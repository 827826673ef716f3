//! A write that the store cannot hold (its map is full, as a full disk
//! would leave it) answers 500 with the reason, keeps nothing of itself,
//! and leaves what phones are served as it was; once room is made (a
//! larger map), writes go through again and nothing answered is lost.

use provd_e2e::{Server, curl, line_config as config, stdout};
use serde_json::json;

const MAC: &str = "80:5e:c0:d5:7d:a1";

fn fetch(server: &Server) -> String {
    let ua = format!("Yealink SIP-T46S 66.86.0.15 {MAC}");
    stdout(&curl(&["-s", "-A", &ua, &server.url(&format!("/{}.cfg", MAC.replace(':', "")))]))
}

#[test]
fn a_write_the_full_store_cannot_hold_answers_500_and_changes_nothing_served() {
    let dir = tempfile::tempdir().unwrap();
    // 2 MiB: the bootstrap takes about 250 KiB.
    let server = Server::start_with_env(&dir.path().join("data"), &[], &[("PROVD_STORE_MAP_SIZE", "2097152")]);
    let rest = server.rest();
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &config("c0", "first")).status, 201);
    let device = json!({"device": {
        "id": "d0", "mac": MAC, "ip": "127.0.0.1", "vendor": "Yealink", "model": "T46S",
        "version": "66.86.0.15", "plugin": "wazo-yealink-v86", "config": "c0"
    }});
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/devices", &device).status, 201);
    let before = fetch(&server);
    assert!(before.contains("display_name = first\n"), "{before}");

    let big = "x".repeat(64 * 1024);
    let mut stored = Vec::new();
    let refused = (0..100).find_map(|i| {
        let id = format!("big{i}");
        let r = rest.send("POST", "/0.2/cfg_mgr/configs", &config(&id, &big));
        if r.status == 201 {
            stored.push(id);
            None
        } else {
            Some((id, r))
        }
    });
    let (id, r) = refused.expect("100 configs of 64 KiB fit in a 2 MiB store");
    assert_eq!(r.status, 500, "{}", r.text());
    assert!(r.text().contains("MDB_MAP_FULL"), "the reason is named: {}", r.text());
    assert!(!stored.is_empty(), "the first big config fits");
    assert_eq!(rest.get(&format!("/0.2/cfg_mgr/configs/{id}")).status, 404, "nothing of the refused write is kept");
    // A write that compiles fails the same way, and the phone keeps its file.
    let r = rest.send("PUT", "/0.2/cfg_mgr/configs/c0", &config("c0", &big));
    assert_eq!(r.status, 500, "{}", r.text());
    assert_eq!(fetch(&server), before, "served bytes unchanged");
    assert_eq!(
        rest.get("/0.2/cfg_mgr/configs/c0").json()["config"]["raw_config"]["sip_lines"]["1"]["display_name"],
        "first"
    );

    // Even a delete needs room (LMDB copies the pages it changes): room is
    // made by restarting with a larger map, as after freeing the disk.
    // Everything answered before is there.
    let data = server.data.clone();
    drop(server);
    let server = Server::start(&data, &[]);
    let rest = server.rest();
    for id in &stored {
        assert_eq!(rest.get(&format!("/0.2/cfg_mgr/configs/{id}")).status, 200, "{id}");
    }
    assert_eq!(fetch(&server), before);
    let r = rest.send("PUT", "/0.2/cfg_mgr/configs/c0", &config("c0", "second"));
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(fetch(&server).contains("display_name = second\n"));
}
