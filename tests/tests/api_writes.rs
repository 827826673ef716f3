//! Writes cost what they change, as a REST client sees it: a config that
//! no device uses (directly or through the configs inheriting from it) is
//! stored without a compile or a new generation; a config a device uses
//! reaches that device's file before the write answers.

use provd_e2e::{Server, curl};
use serde_json::{Value, json};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";
const MAC_FILE: &str = "/805ec0d57d72.cfg";

fn phone_file(server: &Server) -> String {
    let out = curl(&["-A", UA, &server.url(MAC_FILE)]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn config(id: &str, parents: &[&str], display: &str) -> Value {
    json!({"config": {
        "id": id,
        "parent_ids": parents,
        "deletable": true,
        "raw_config": {"sip_lines": {"1": {
            "username": id, "password": "secret", "display_name": display,
            "number": "1001", "proxy_ip": "10.0.0.1", "registrar_ip": "10.0.0.1"
        }}}
    }})
}

/// `provd_generation` and `provd_compiles_total`.
fn published(server: &Server) -> (f64, f64) {
    (server.metric("provd_generation"), server.metric("provd_compiles_total"))
}

#[test]
fn unused_configs_publish_nothing_and_used_ones_reach_their_phone() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    // A phone boots: auto-provisioned, one device.
    assert!(phone_file(&server).contains("account.1.label = Autoprov"));
    let devices = rest.get("/0.2/dev_mgr/devices?q=%7B%22mac%22%3A%2280%3A5e%3Ac0%3Ad5%3A7d%3A72%22%7D").json();
    let device = devices["devices"][0].clone();
    let id = device["id"].as_str().unwrap().to_owned();

    // New users' configs, a parent and its child, that no device uses yet:
    // created and edited without a compile or a generation.
    let before = published(&server);
    let parents = ["base", "defaultconfigdevice"];
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &config("site", &parents, "Site")).status, 201);
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &config("alice", &["site"], "Alice")).status, 201);
    let put = rest.send("PUT", "/0.2/cfg_mgr/configs/site", &config("site", &parents, "Site 2"));
    assert_eq!(put.status, 204, "{}", put.text());
    assert_eq!(published(&server), before, "nothing published for configs nobody uses");
    // Stored all the same.
    assert_eq!(rest.get("/0.2/cfg_mgr/configs/alice").status, 200);
    assert_eq!(rest.get("/0.2/cfg_mgr/configs/alice/raw").json()["raw_config"]["sip_lines"]["1"]["username"], "alice");

    // The device moves to the child config: published.
    let mut doc = device.clone();
    doc["config"] = json!("alice");
    assert_eq!(rest.send("PUT", &format!("/0.2/dev_mgr/devices/{id}"), &json!({"device": doc})).status, 204);
    let served = phone_file(&server);
    assert!(served.contains("account.1.user_name = alice"), "{served}");
    assert!(served.contains("account.1.display_name = Alice"), "{served}");

    // Its config's PUT changes its file before the PUT answers: one compile.
    let (generation, compiles) = published(&server);
    let put = rest.send("PUT", "/0.2/cfg_mgr/configs/alice", &config("alice", &["site"], "Alice Liddell"));
    assert_eq!(put.status, 204, "{}", put.text());
    assert!(phone_file(&server).contains("account.1.display_name = Alice Liddell"));
    let after = published(&server);
    assert!(after.0 > generation, "a new generation: {after:?}");
    assert_eq!(after.1, compiles + 1.0);

    // So does its parent's: the device is found through the child.
    let mut site = config("site", &parents, "Site");
    site["config"]["raw_config"]["ntp_ip"] = json!("10.9.9.9");
    site["config"]["raw_config"]["ntp_enabled"] = json!(true);
    assert_eq!(rest.send("PUT", "/0.2/cfg_mgr/configs/site", &site).status, 204);
    assert!(phone_file(&server).contains("10.9.9.9"), "{}", phone_file(&server));

    // Another user's config, unused again: nothing more published, and the
    // phone's file is the same.
    let served = phone_file(&server);
    let before = published(&server);
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &config("bob", &parents, "Bob")).status, 201);
    assert_eq!(rest.delete("/0.2/cfg_mgr/configs/bob").status, 204);
    assert_eq!(published(&server), before);
    assert_eq!(phone_file(&server), served);
}
