//! The bundled Htek plugin through the real renderer: every model rendered
//! from a full configuration, `cfg<mac>.xml` parsed as XML and its
//! parameters checked by number; the models' common files rendered from
//! the base raw config; the whole set published and served from the store.

mod common;

use common::rendered;

use std::collections::BTreeMap;

use provd_compiler::compile::{self, Options};
use provd_compiler::render::{RenderedFile, Renderer};
use provd_core::{Device, Mac};
use serde_json::{Value, json};

const PLUGIN: &str = "wazo-htek-2.0.4.6.41";
const MODELS: [&str; 7] = ["UC926", "UC924", "UC923", "UC912", "UC912G", "UC903", "UC902"];

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1", "sip_transport": "tcp", "sip_dtmf_mode": "SIP-INFO",
        "exten_voicemail": "*98", "exten_pickup_call": "**",
        "timezone": "Europe/Paris", "locale": "de_DE", "ntp_enabled": true, "ntp_ip": "10.0.0.4",
        "vlan_enabled": true, "vlan_id": 20, "vlan_priority": 5,
        "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "u-1",
        "sip_lines": {
            "1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cr&t", "display_name": "Alice & Co",
                  "number": "1001", "backup_proxy_ip": "10.0.0.2"},
            "2": {"username": "bob", "password": "p2", "display_name": "Bob", "number": "1002"}
        },
        "funckeys": {
            "3": {"type": "blf", "value": "1003", "label": "Carol <3"},
            "5": {"type": "speeddial", "value": "0123456789", "label": "Out"}
        }
    })
}

struct Fixture {
    f: common::Fixture,
    renderer: Renderer,
}

impl Fixture {
    fn new() -> Fixture {
        let f = common::Fixture::new();
        f.config("full", full_config());
        let renderer = f.renderer();
        Fixture { f, renderer }
    }

    fn devices(&self, config: &str) -> Vec<Device> {
        MODELS
            .iter()
            .enumerate()
            .map(|(n, model)| Device {
                id: format!("d{n}"),
                mac: Some(Mac([0x00, 0x1f, 0xc1, 0, 0, n as u8])),
                vendor: Some("Htek".into()),
                model: Some((*model).into()),
                plugin: Some(PLUGIN.into()),
                config: Some(config.into()),
                ..Default::default()
            })
            .collect()
    }
}

/// The file's parameters: number → (name, value).
fn params(file: &RenderedFile) -> BTreeMap<u64, (String, String)> {
    let text = String::from_utf8(file.bytes.clone()).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(doc.root_element().tag_name().name(), "hl_provision");
    let mut out = BTreeMap::new();
    for n in doc.descendants().filter(|n| n.is_element() && n.tag_name().name().starts_with('P')) {
        let number = n.tag_name().name()[1..].parse().unwrap();
        let value = (n.attribute("para").unwrap().to_owned(), n.text().unwrap_or("").to_owned());
        assert!(out.insert(number, value).is_none(), "P{number} twice\n{text}");
    }
    out
}

#[test]
fn every_model_renders() {
    let fx = Fixture::new();
    for d in fx.devices("full") {
        let model = d.model.clone().unwrap();
        let files = rendered(&fx.renderer, &d);
        let mac = d.mac.unwrap().lower_hex();
        assert_eq!(files.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(), [format!("{PLUGIN}/cfg{mac}.xml")]);
        let p = params(&files[0]);
        let v = |n: u64| p.get(&n).map(|(_, v)| v.as_str());
        assert_eq!(v(47), Some("10.0.0.1:5060"), "{model}");
        assert_eq!(v(967), Some("10.0.0.2:5060"));
        assert_eq!(v(130), Some("1"), "TCP");
        assert_eq!(v(20166), Some("2"), "SIP INFO");
        // Account 1 and 2 by their own numbers.
        assert_eq!(
            (v(271), v(35), v(36), v(34), v(3)),
            (Some("1"), Some("alice"), Some("alice-auth"), Some("s3cr&t"), Some("Alice & Co"))
        );
        assert_eq!((v(20000), v(33), v(4705)), (Some("1001"), Some("*98"), Some("**")));
        assert_eq!((v(401), v(735), v(736), v(734)), (Some("1"), Some("bob"), Some("bob"), Some("p2")));
        assert_eq!(v(501), None, "no third account");
        assert_eq!((v(30), v(64)), (Some("10.0.0.4"), Some("49")));
        assert_eq!((v(24053), v(51), v(87)), (Some("1"), Some("20"), Some("5")));
        assert_eq!(v(4401), Some("http://10.0.0.3:9498/0.1/directories/lookup/default/htek?xivo_user_uuid=u-1&term="));
        if model == "UC902" {
            assert_eq!(v(41200), None, "no line keys");
            continue;
        }
        // Line keys: the lines, then the function keys by number.
        assert_eq!((v(41200), v(41400)), (Some("1"), Some("1001")), "{model}");
        assert_eq!((v(41201), v(41401)), (Some("1"), Some("1002")));
        assert_eq!((v(41202), v(41302), v(41402), v(41602)), (Some("3"), Some("1003"), Some("Carol <3"), Some("1003")));
        assert_eq!((v(20200), v(20201), v(20202)), (Some("2"), Some("0123456789"), Some("Out")));
        assert_eq!(v(41203), Some("0"));
    }
}

#[test]
fn common_files_from_the_base_config() {
    let fx = Fixture::new();
    let files = fx.renderer.plugin_files(PLUGIN).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.key.as_str()).filter(|k| k.ends_with(".xml")).collect();
    assert_eq!(names.len(), 6, "{names:?}");
    let f = files.iter().find(|f| f.key.ends_with("/cfg0010.xml")).unwrap();
    let p = params(f);
    assert_eq!(p[&192].1, "http://127.0.0.1:8667/firmware");
    assert_eq!(p[&237].1, "http://127.0.0.1:8667/");
    assert_eq!((p[&8681].1.as_str(), p[&8682].1.as_str()), ("admin", "user"));
}

#[test]
fn published_and_served_from_the_store() {
    let fx = Fixture::new();
    let devices = fx.devices("full");
    let s = fx.f.data.store();
    let mut w = s.write_txn().unwrap();
    for d in &devices {
        s.put_device(&mut w, d).unwrap();
    }
    w.commit().unwrap();
    let report = compile::compile(&fx.f.data, &fx.renderer, &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let r = s.read_txn().unwrap();
    for d in &devices {
        let key = format!("{PLUGIN}/cfg{}.xml", d.mac.unwrap().lower_hex());
        let route = s.route(&r, &key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
        let body = String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap();
        assert!(body.contains(">alice<"), "{key}");
    }
    assert!(s.route(&r, &format!("{PLUGIN}/cfg0019.xml")).unwrap().is_some());
}
