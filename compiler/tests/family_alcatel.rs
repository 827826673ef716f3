//! The bundled Alcatel-Lucent plugins through the real renderer: every
//! model rendered from a full configuration, its own file and its model's
//! shared file parsed as XML and their key settings checked; the set
//! published and served from the store.

mod common;

use common::rendered;

use provd_compiler::compile::{self, Options};
use provd_core::{Device, Mac};
use serde_json::{Value, json};

const MODELS: [(&str, &str); 4] = [
    ("wazo-alcatel-1.51.52", "8028s-GE"),
    ("wazo-alcatel-2.13.02", "M3"),
    ("wazo-alcatel-2.13.02", "M5"),
    ("wazo-alcatel-2.13.02", "M7"),
];

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1",
        "sip_backup_proxy_ip": "10.0.0.2",
        "sip_transport": "tcp",
        "sip_dtmf_mode": "SIP-INFO",
        "exten_voicemail": "*98",
        "timezone": "Asia/Kolkata",
        "locale": "de_DE",
        "ntp_enabled": true, "ntp_ip": "10.0.0.4",
        "dns_enabled": true, "dns_ip": "10.0.0.53",
        "vlan_enabled": true, "vlan_id": 20, "vlan_pc_port_id": 30,
        "admin_password": "1234",
        "sip_lines": {
            "1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cr&t", "display_name": "Alice & Co",
                  "number": "1001"},
            "2": {"username": "bob", "password": "p2", "display_name": "Bob", "number": "1002", "proxy_ip": "10.0.0.9",
                  "proxy_port": 5080}
        },
        "funckeys": {
            "1": {"type": "blf", "value": "1003", "label": "Carol <3"},
            "2": {"type": "speeddial", "value": "0123456789", "label": "Out"},
            "30": {"type": "blf", "value": "1030", "label": "Far"}
        }
    })
}

/// A data directory with the bundled plugins and config `full`.
fn fixture() -> common::Fixture {
    let f = common::Fixture::new();
    common::put_config(&f.data, "full", &["base", "defaultconfigdevice"], full_config());
    f
}

fn devices(config: &str) -> Vec<Device> {
    MODELS
        .iter()
        .enumerate()
        .map(|(n, (plugin, model))| Device {
            id: format!("d{n}"),
            mac: Some(Mac([0x3c, 0x28, 0xa6, 0, 0, n as u8])),
            vendor: Some("Alcatel-Lucent".into()),
            model: Some((*model).into()),
            plugin: Some((*plugin).into()),
            config: Some(config.into()),
            ..Default::default()
        })
        .collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn setting<'a>(doc: &'a roxmltree::Document<'a>, id: &str) -> Option<&'a str> {
    doc.root_element()
        .children()
        .find(|n| n.has_tag_name("setting") && n.attribute("id") == Some(id))
        .and_then(|n| n.attribute("value"))
}

#[test]
fn every_model_renders_its_settings() {
    let f = fixture();
    let renderer = f.renderer();
    for d in devices("full") {
        let model = d.model.as_deref().unwrap();
        let plugin = d.plugin.as_deref().unwrap();
        let mac = d.mac.unwrap().lower_hex();
        let files = rendered(&renderer, &d);
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, [format!("{plugin}/config.{mac}.xml")]);
        let xml = text(&files[0].bytes);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{model}: {e}\n{xml}"));
        assert_eq!(doc.root_element().tag_name().name(), "settings");
        assert_eq!(setting(&doc, "Account1UserName"), Some("alice"), "{model}");
        assert_eq!(setting(&doc, "Account1RegName"), Some("alice-auth"));
        assert_eq!(setting(&doc, "Account1Password"), Some("s3cr&t"));
        assert_eq!(setting(&doc, "Account1DisplayName"), Some("Alice & Co"));
        assert_eq!(setting(&doc, "Account1Label"), Some("1001 - Alice & Co"));
        assert_eq!(setting(&doc, "Account1Server1Address"), Some("10.0.0.1"));
        assert_eq!(setting(&doc, "Account1Server2Address"), Some("10.0.0.2"));
        assert_eq!(setting(&doc, "Account1Server1Transport"), Some("tcp"));
        assert_eq!(setting(&doc, "Account1DtmfMode"), Some("4"));
        assert_eq!(setting(&doc, "Account1VmNumber"), Some("*98"));
        assert_eq!(setting(&doc, "Account2Server1Address"), Some("10.0.0.9"));
        assert_eq!(setting(&doc, "Account2Server1Port"), Some("5080"));
        assert_eq!(setting(&doc, "Account2Server2Address"), Some(""), "its own proxy, not the global backup");
        assert_eq!(setting(&doc, "DeviceProvisionServerUrl"), Some("http://127.0.0.1:8667"));
        assert_eq!(setting(&doc, "DeviceSecurityAdminName"), Some("admin"));
        assert_eq!(setting(&doc, "DeviceSecurityAdminPwd"), Some("1234"));
        assert_eq!(setting(&doc, "DeviceNetworkDns1"), Some("10.0.0.53"));
        assert_eq!(setting(&doc, "DeviceNetworkLanVlanNumber"), Some("20"));
        assert_eq!(setting(&doc, "DeviceNetworkPcVlanNumber"), Some("30"));
        assert_eq!(setting(&doc, "SettingTimeZone"), Some("+5:30"));
        assert_eq!(setting(&doc, "SettingTimeZoneLocation"), Some("Asia/Kolkata"));
        assert_eq!(setting(&doc, "SettingSntpServer"), Some("10.0.0.4"));
        assert_eq!(setting(&doc, "SettingLanguage"), Some("2"));
        // Keys at their number + 1, up to the model's count (6 on the 8028s).
        assert_eq!(setting(&doc, "ProgramKey2Type"), Some("59"));
        assert_eq!(setting(&doc, "ProgramKey2Label"), Some("Carol <3"));
        assert_eq!(setting(&doc, "ProgramKey2Value"), Some("1003"));
        assert_eq!(setting(&doc, "ProgramKey3Type"), Some("1"));
        assert_eq!(setting(&doc, "ProgramKey31Value"), None, "{model}: past every model's keys");

        // The model's shared file.
        let shared = renderer.plugin_files(plugin).unwrap();
        let file = shared
            .iter()
            .find(|f| f.key == format!("{plugin}/config.{model}.xml"))
            .unwrap_or_else(|| panic!("config.{model}.xml"));
        let xml = text(&file.bytes);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{model}: {e}\n{xml}"));
        assert_eq!(setting(&doc, "DeviceProvisionFileSecond"), Some("config.$mac.xml"));
        assert_eq!(setting(&doc, "DeviceProvisionServerUrl"), Some("http://127.0.0.1:8667"));
    }
}

#[test]
fn published_and_served_from_the_store() {
    let f = fixture();
    let devices = devices("full");
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    for d in &devices {
        s.put_device(&mut w, d).unwrap();
    }
    w.commit().unwrap();
    let renderer = f.renderer();
    let report = compile::compile(&f.data, &renderer, &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let r = s.read_txn().unwrap();
    for d in &devices {
        let plugin = d.plugin.as_deref().unwrap();
        let model = d.model.as_deref().unwrap();
        let mac = d.mac.unwrap().lower_hex();
        for (name, needle) in
            [(format!("config.{mac}.xml"), "alice"), (format!("config.{model}.xml"), "config.$mac.xml")]
        {
            let key = format!("{plugin}/{name}");
            let route = s.route(&r, &key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
            let body = String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap();
            assert!(body.contains(needle), "{key}");
        }
    }
}
