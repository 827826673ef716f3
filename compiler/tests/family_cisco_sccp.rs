//! The bundled Cisco SCCP plugins through the real renderer: every model of
//! every plugin gets a `SEP<MAC>.cnf.xml` that parses as XML and carries the
//! call managers, the firmware load, the time zone and the locale.

mod common;

use common::Fixture;
use provd_compiler::compile::{self, Options};
use provd_compiler::render::{DeviceRender, Renderer};
use provd_core::{Device, Mac};
use serde_json::{Value, json};

const PLUGINS: [&str; 2] = ["wazo-cisco-sccp-legacy", "wazo-cisco-sccp-9.4"];

fn device(plugin: &str, model: &str, mac: Mac, config: &str) -> Device {
    Device {
        id: format!("{plugin}-{model}"),
        mac: Some(mac),
        vendor: Some("Cisco".into()),
        model: Some(model.into()),
        plugin: Some(plugin.into()),
        config: Some(config.into()),
        ..Default::default()
    }
}

/// The files of a device, as (path, text).
fn render(renderer: &Renderer, d: &Device) -> Vec<(String, String)> {
    match renderer.render_device(d) {
        DeviceRender::Configured { plugin, files } => files
            .into_iter()
            .map(|f| (f.key[plugin.len() + 1..].to_owned(), String::from_utf8(f.bytes).unwrap()))
            .collect(),
        other => panic!("{}: {other:?}", d.id),
    }
}

fn child<'a>(node: roxmltree::Node<'a, 'a>, name: &str) -> roxmltree::Node<'a, 'a> {
    node.children()
        .find(|n| n.has_tag_name(name))
        .unwrap_or_else(|| panic!("no <{name}> in <{}>", node.tag_name().name()))
}

fn text<'a>(node: roxmltree::Node<'a, 'a>, path: &[&str]) -> &'a str {
    path.iter().fold(node, |n, p| child(n, p)).text().unwrap_or("")
}

fn full_config() -> Value {
    json!({
        "tftp_port": 69,
        "locale": "fr_FR",
        "timezone": "Europe/Paris",
        "ntp_enabled": true,
        "ntp_ip": "10.0.0.4",
        "X_xivo_phonebook_ip": "10.0.0.7",
        "X_xivo_user_uuid": "u-1",
        "sccp_call_managers": {
            "2": {"ip": "10.0.0.2"},
            "1": {"ip": "10.0.0.1", "port": 2001}
        }
    })
}

#[test]
fn every_model_of_every_plugin_renders_its_cnf_xml() {
    let f = Fixture::new();
    f.config("full", full_config());
    let renderer = f.renderer();
    let mut n = 0u8;
    for id in PLUGINS {
        let plugin = renderer.plugin(id).unwrap_or_else(|| panic!("{id} not installed")).plugin.clone();
        assert_eq!(plugin.info.family, "cisco_sccp");
        for (model, info) in &plugin.info.models {
            n += 1;
            let mac = Mac([0x00, 0x1e, 0x4a, 0x00, 0x00, n]);
            let files = render(&renderer, &device(id, model, mac, "full"));
            assert_eq!(files.len(), 1, "{id} {model}");
            let (path, body) = &files[0];
            assert_eq!(path, &format!("SEP001E4A0000{n:02X}.cnf.xml"));
            assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<device>\n"), "{id} {model}");
            let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{id} {model}: {e}\n{body}"));
            let root = doc.root_element();
            assert_eq!(root.tag_name().name(), "device");
            assert_eq!(text(root, &["deviceProtocol"]), "SCCP");
            let dt = child(child(root, "devicePool"), "dateTimeSetting");
            assert_eq!(text(dt, &["timeZone"]), "Central Europe Standard/Daylight Time");
            assert_eq!(text(dt, &["dateTemplate"]), "D/M/Y");
            assert_eq!(text(dt, &["ntps", "ntp", "name"]), "10.0.0.4");
            // Call managers in priority order, zero-based, port 2000 by default.
            let members: Vec<_> = child(child(child(root, "devicePool"), "callManagerGroup"), "members")
                .children()
                .filter(|c| c.has_tag_name("member"))
                .map(|m| {
                    (
                        m.attribute("priority").unwrap().to_owned(),
                        text(m, &["callManager", "processNodeName"]).to_owned(),
                        text(m, &["callManager", "ports", "ethernetPhonePort"]).to_owned(),
                    )
                })
                .collect();
            assert_eq!(
                members,
                [("0".into(), "10.0.0.1".into(), "2001".into()), ("1".into(), "10.0.0.2".into(), "2000".into())],
                "{id} {model}"
            );
            let load = info.extra.get("load").and_then(Value::as_str).unwrap_or("");
            assert_eq!(text(root, &["loadInformation"]), load, "{id} {model}");
            assert_eq!(text(root, &["userLocale", "name"]), "i18n/french_france");
            assert_eq!(text(root, &["userLocale", "langCode"]), "fr");
            assert_eq!(text(root, &["networkLocale"]), "i18n/france");
            assert_eq!(
                text(root, &["directoryURL"]),
                "http://10.0.0.7:9498/0.1/directories/menu/default/cisco?xivo_user_uuid=u-1"
            );
            let vendor_config = root.children().any(|c| c.has_tag_name("vendorConfig"));
            assert_eq!(vendor_config, id.ends_with("9.4"), "{id} {model}");
        }
    }
    assert_eq!(n, 7 + 11);
}

#[test]
fn a_bare_config_still_gives_a_valid_file() {
    let f = Fixture::new();
    f.config("bare", json!({"tftp_port": 69}));
    let renderer = f.renderer();
    let mac = Mac([0x00, 0x1e, 0x4a, 0x00, 0x01, 0x01]);
    let files = render(&renderer, &device("wazo-cisco-sccp-legacy", "7940", mac, "bare"));
    let doc = roxmltree::Document::parse(&files[0].1).unwrap();
    let root = doc.root_element();
    assert_eq!(text(root, &["devicePool", "dateTimeSetting", "timeZone"]), "Eastern Standard/Daylight Time");
    assert_eq!(text(root, &["devicePool", "dateTimeSetting", "dateTemplate"]), "D/M/Y");
    assert_eq!(text(root, &["loadInformation"]), "P0030801SR02");
    assert!(!root.children().any(|c| c.has_tag_name("userLocale") || c.has_tag_name("directoryURL")));
    let members = child(child(child(root, "devicePool"), "callManagerGroup"), "members");
    assert_eq!(members.children().filter(roxmltree::Node::is_element).count(), 0);
    // An unknown model gets base.tpl: no load, the phone keeps its own.
    let files = render(&renderer, &device("wazo-cisco-sccp-9.4", "7975G", mac, "bare"));
    let doc = roxmltree::Document::parse(&files[0].1).unwrap();
    assert_eq!(text(doc.root_element(), &["loadInformation"]), "");
}

#[test]
fn without_tftp_port_the_device_fails_with_a_reason() {
    let f = Fixture::new();
    f.config("c", json!({}));
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    s.set_base_raw_config(&mut w, &json!({"ip": "10.0.0.1", "http_port": 8667}).as_object().unwrap().clone()).unwrap();
    w.commit().unwrap();
    let renderer = f.renderer();
    let d = device("wazo-cisco-sccp-9.4", "7941G", Mac([0, 0x1e, 0x4a, 0, 2, 1]), "c");
    match renderer.render_device(&d) {
        DeviceRender::Failed(msg) => assert!(msg.contains("tftp_port"), "{msg}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn legacy_ring_lists_are_served_and_parse() {
    let f = Fixture::new();
    let renderer = f.renderer();
    let files = renderer.plugin_files("wazo-cisco-sccp-legacy").unwrap();
    let mut names: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "wazo-cisco-sccp-legacy/DISTINCTIVERINGLIST.XML",
            "wazo-cisco-sccp-legacy/RINGLIST.XML",
            "wazo-cisco-sccp-legacy/Ringlist.xml"
        ]
    );
    for file in &files {
        let body = std::str::from_utf8(&file.bytes).unwrap();
        let doc = roxmltree::Document::parse(body).unwrap();
        let rings: Vec<_> = doc.root_element().children().filter(|c| c.has_tag_name("Ring")).collect();
        assert!(rings.len() >= 6, "{}", file.key);
        for ring in rings {
            assert!(text(ring, &["FileName"]).ends_with(".raw"));
            assert!(!text(ring, &["DisplayName"]).is_empty());
        }
    }
    // The 9.4 plugin has no static or common file.
    assert!(renderer.plugin_files("wazo-cisco-sccp-9.4").unwrap().is_empty());
}

#[test]
fn a_compile_publishes_the_files() {
    let f = Fixture::new();
    f.config("full", full_config());
    let d = device("wazo-cisco-sccp-9.4", "7965G", Mac([0x00, 0x1e, 0x4a, 0xab, 0xcd, 0xef]), "full");
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    s.put_device(&mut w, &d).unwrap();
    w.commit().unwrap();
    let renderer = f.renderer();
    let report = compile::compile(&f.data, &renderer, &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let r = s.read_txn().unwrap();
    let route = s.route(&r, "wazo-cisco-sccp-9.4/SEP001E4AABCDEF.cnf.xml").unwrap().unwrap();
    let body = std::str::from_utf8(s.content(&r, &route).unwrap()).unwrap();
    assert!(body.contains("<loadInformation>SCCP45.9-4-2SR3-1S</loadInformation>"), "{body}");
    assert!(s.route(&r, "wazo-cisco-sccp-legacy/RINGLIST.XML").unwrap().is_some());
}
