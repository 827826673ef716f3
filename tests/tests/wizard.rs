//! Wazo's first-install wizard (wazo-confd) creates `base`, `default`,
//! `defaultconfigdevice` and `autoprov` with four POSTs. provd made three
//! of them when it bootstrapped its data directory: the wizard's creation
//! replaces those, once; a config an administrator wrote is never replaced.

use provd_e2e::{Server, curl, eventually, stdout};
use serde_json::{Value, json};

const ADDRESS: &str = "127.0.0.1";

/// The wizard's four documents, as it sends them (passwords aside).
fn wizard_configs() -> Vec<Value> {
    vec![
        json!({"X_type": "internal", "id": "base", "deletable": false, "parent_ids": [],
               "raw_config": {"ntp_enabled": true, "ntp_ip": ADDRESS, "X_xivo_phonebook_ip": ADDRESS}}),
        json!({"X_type": "registrar", "id": "default", "deletable": false, "displayname": "local", "parent_ids": [],
               "raw_config": {"X_key": "xivo"}, "proxy_main": ADDRESS, "registrar_main": ADDRESS}),
        json!({"X_type": "device", "deletable": false, "id": "defaultconfigdevice", "label": "Default config device",
               "parent_ids": [],
               "raw_config": {"ntp_enabled": true, "ntp_ip": ADDRESS, "X_xivo_phonebook_ip": ADDRESS,
                              "sip_dtmf_mode": "RTP-out-of-band", "admin_username": "admin",
                              "admin_password": "wizardAdmin12345", "user_username": "user",
                              "user_password": "wizardUser123456"}}),
        json!({"X_type": "internal", "deletable": false, "id": "autoprov", "parent_ids": ["base", "defaultconfigdevice"],
               "raw_config": {"sccp_call_managers": {"1": {"ip": ADDRESS}},
                              "sip_lines": {"1": {"display_name": "Autoprov", "number": "autoprov",
                                                  "password": "wizpass1", "proxy_ip": ADDRESS,
                                                  "registrar_ip": ADDRESS, "username": "apwizard1"}}},
               "role": "autocreate"}),
    ]
}

#[test]
fn the_wizard_creates_its_configs_over_provds_bootstrap() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    for config in wizard_configs() {
        let r = rest.send("POST", "/0.2/cfg_mgr/configs", &json!({"config": config}));
        assert_eq!(r.status, 201, "{}: {}", config["id"], r.text());
        assert_eq!(r.json()["id"], config["id"]);
    }
    for config in wizard_configs() {
        let stored = rest.get(&format!("/0.2/cfg_mgr/configs/{}", config["id"].as_str().unwrap())).json();
        assert_eq!(stored["config"], config, "the wizard's document, as sent");
    }
    // Created once: the wizard run twice, or anyone else, gets wazo-provd's 400.
    let again = rest.send("POST", "/0.2/cfg_mgr/configs", &json!({"config": wizard_configs()[0]}));
    assert_eq!(again.status, 400);
    // A new phone is auto-provisioned with the wizard's autoprov line.
    let ua = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:c1";
    let file = server.url("/805ec0d57dc1.cfg");
    assert!(eventually(100, || stdout(&curl(&["-s", "-A", ua, &file])).contains("apwizard1")));
}

#[test]
fn a_config_the_administrator_wrote_is_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    let mut base = rest.get("/0.2/cfg_mgr/configs/base").json()["config"].clone();
    base["raw_config"]["ntp_ip"] = json!("127.0.0.9");
    assert_eq!(rest.send("PUT", "/0.2/cfg_mgr/configs/base", &json!({"config": base})).status, 204);
    let r = rest.send("POST", "/0.2/cfg_mgr/configs", &json!({"config": wizard_configs()[0]}));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("already exists"), "{}", r.text());
    assert_eq!(rest.get("/0.2/cfg_mgr/configs/base").json()["config"]["raw_config"]["ntp_ip"], "127.0.0.9");
    // The others provd made are still the wizard's to create.
    let r = rest.send("POST", "/0.2/cfg_mgr/configs", &json!({"config": wizard_configs()[2]}));
    assert_eq!(r.status, 201, "{}", r.text());
}
