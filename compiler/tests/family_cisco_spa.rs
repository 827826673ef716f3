//! The bundled Cisco SPA plugins (phones, Linksys phones in Latin-1, ATAs,
//! ATA190) through the real renderer: one device per model per plugin,
//! parsed as XML, with registrar, credentials, display name, lines and
//! function keys checked; plus the common and static files.

mod common;

use std::collections::HashMap;

use common::Fixture;
use provd_compiler::compile::{self, Options};
use provd_compiler::render::{DeviceRender, Renderer};
use provd_core::{Device, Mac};
use serde_json::{Value, json};

const PHONES: [&str; 2] = ["wazo-cisco-spa-7.5.5", "wazo-cisco-spa-legacy"];
const ATAS: [&str; 5] = [
    "wazo-cisco-pap2t-5.1.6",
    "wazo-cisco-spa100-1.3.5p",
    "wazo-cisco-spa2102-5.2.12",
    "wazo-cisco-spa3102-5.1.10",
    "wazo-cisco-spa8000-6.1.11",
];
const ATA190: &str = "wazo-cisco-ata190-1.2.2";

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

/// The files of a device: path -> bytes.
fn render(renderer: &Renderer, d: &Device) -> Vec<(String, Vec<u8>)> {
    match renderer.render_device(d) {
        DeviceRender::Configured { plugin, files } => {
            files.into_iter().map(|f| (f.key[plugin.len() + 1..].to_owned(), f.bytes)).collect()
        }
        other => panic!("{}: {other:?}", d.id),
    }
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// The elements of a flat profile, last value winning as on the phone.
fn flat_profile(body: &str) -> HashMap<String, String> {
    let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{e}\n{body}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "flat-profile");
    root.descendants()
        .filter(|n| n.is_element() && n.children().all(|c| c.is_text()))
        .map(|n| (n.tag_name().name().to_owned(), n.text().unwrap_or("").to_owned()))
        .collect()
}

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.2",
        "sip_dtmf_mode": "RTP-out-of-band",
        "sip_transport": "tcp",
        "admin_password": "adm&in",
        "user_password": "usr",
        "locale": "fr_FR",
        "timezone": "America/Montreal",
        "ntp_enabled": true,
        "ntp_ip": "10.0.0.4",
        "dns_enabled": true,
        "dns_ip": "10.0.0.53",
        "syslog_enabled": true,
        "syslog_ip": "10.0.0.6",
        "vlan_enabled": true,
        "vlan_id": 20,
        "exten_voicemail": "*98",
        "exten_pickup_call": "*8",
        "X_xivo_phonebook_ip": "10.0.0.7",
        "X_xivo_user_uuid": "u-1",
        "sip_lines": {
            "1": {"username": "alice", "password": "s3cr&t", "display_name": "Zoé <A>", "number": "1001"},
            "2": {"username": "bob", "password": "pw2", "display_name": "Bob", "number": "1002",
                  "proxy_ip": "10.0.0.5", "proxy_port": 5070, "dtmf_mode": "SIP-INFO"}
        },
        "funckeys": {
            "3": {"type": "blf", "value": "1003", "label": "Carol"},
            "4": {"type": "speeddial", "value": "1004"}
        }
    })
}

#[test]
fn every_phone_model_renders_its_profile() {
    let f = Fixture::new();
    f.config("full", full_config());
    let renderer = f.renderer();
    let mut n = 0u8;
    for id in PHONES {
        let plugin = renderer.plugin(id).unwrap_or_else(|| panic!("{id} not installed")).plugin.clone();
        assert_eq!(plugin.info.family, "cisco_spa");
        let legacy = id.ends_with("legacy");
        for (model, info) in &plugin.info.models {
            n += 1;
            let mac = Mac([0x00, 0x02, 0xfd, 0x00, 0x00, n]);
            let files = render(&renderer, &device(id, model, mac, "full"));
            assert_eq!(files.len(), 1);
            assert_eq!(files[0].0, format!("0002fd0000{n:02x}.xml"));
            let bytes = &files[0].1;
            let body = if legacy {
                // Latin-1 bytes, declared as such.
                assert!(std::str::from_utf8(bytes).is_err(), "{id} {model}: é is one byte");
                assert!(bytes.windows(3).any(|w| w == b"Zo\xe9"), "{id} {model}");
                latin1(bytes)
            } else {
                String::from_utf8(bytes.clone()).unwrap()
            };
            let encoding = if legacy { "ISO-8859-1" } else { "UTF-8" };
            assert!(body.starts_with(&format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n<flat-profile>\n")));
            let p = flat_profile(&body);
            let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_else(|| panic!("{id} {model}: no {k}"));
            let lines = info.extra["lines"].as_u64().unwrap();
            assert_eq!(get("Admin_Passwd"), "adm&in");
            assert_eq!(get("User_Password"), "usr");
            assert_eq!(get("Primary_DNS"), "10.0.0.53");
            assert_eq!(get("Primary_NTP_Server"), "10.0.0.4");
            assert_eq!(get("Syslog_Server"), "10.0.0.6:514");
            assert_eq!((get("Enable_VLAN"), get("VLAN_ID")), ("Yes", "20"));
            assert_eq!(get("Language_Selection"), "French");
            assert_eq!(get("Locale"), "fr-FR");
            assert_eq!(get("Time_Zone"), "GMT-05:00");
            assert_eq!(get("Daylight_Saving_Time_Rule"), "start=3/8/7/2:00:00;end=11/1/7/2:00:00;save=1:00:00");
            assert_eq!(get("Voice_Mail_Number"), "*98");
            assert_eq!(get("Station_Name"), "Zoé <A>");
            // Line 1: the global proxy; line 2 (where the model has it): its own.
            assert_eq!(get("Line_Enable_1_"), "Yes");
            assert_eq!(get("Proxy_1_"), "10.0.0.2:5060");
            assert_eq!(get("User_ID_1_"), "alice");
            assert_eq!(get("Auth_ID_1_"), "alice");
            assert_eq!(get("Password_1_"), "s3cr&t");
            assert_eq!(get("Display_Name_1_"), "Zoé <A>");
            assert_eq!(get("DTMF_Tx_Method_1_"), "AVT");
            assert_eq!(get("SIP_Transport_1_"), "TCP");
            assert_eq!(get("Extension_1_"), "1");
            assert_eq!(get("Short_Name_1_"), "1001");
            if lines >= 2 {
                assert_eq!(get("Proxy_2_"), "10.0.0.5:5070");
                assert_eq!(get("User_ID_2_"), "bob");
                assert_eq!(get("DTMF_Tx_Method_2_"), "INFO");
            } else {
                assert!(!p.contains_key("User_ID_2_"), "{id} {model} has one line");
            }
            // Function keys on models with line keys, or their consoles.
            let keys = info.extra.get("keys").and_then(Value::as_u64);
            let units = info.extra.get("expansion_modules").and_then(Value::as_u64).unwrap_or(0);
            match keys {
                Some(k) if k >= 3 => {
                    assert_eq!(get("Extended_Function_3_"), "fnc=sd+blf+cp;sub=1003@$PROXY;nme=Carol");
                    assert_eq!(get("Short_Name_3_"), "Carol");
                }
                Some(k) if units > 0 => {
                    let unit_key = format!("Unit_1_Key_{}", 3 - k);
                    assert_eq!(get(&unit_key), "fnc=sd+blf+cp;sub=1003@$PROXY;nme=Carol", "{id} {model}");
                }
                _ => assert!(!body.contains("1003@$PROXY"), "{id} {model}"),
            }
            let directory = if legacy { "Repertoire Wazo" } else { "Répertoire Wazo" };
            assert_eq!(get("XML_Directory_Service_Name"), directory);
            assert_eq!(
                get("XML_Directory_Service_URL"),
                "http://10.0.0.7:9498/0.1/directories/input/default/cisco?xivo_user_uuid=u-1"
            );
            let firmware = info.extra["firmware"].as_str().unwrap();
            assert!(get("Upgrade_Rule").ends_with(&format!("/firmware/{firmware}")), "{id} {model}");
            if info.extra.contains_key("dictionary") {
                assert!(get("Dictionary_Server_Script").starts_with("serv=http://127.0.0.1:8667/i18n/;d0=English;"));
            }
        }
    }
    assert_eq!(n, 11 + 6);
}

#[test]
fn every_ata_model_renders_its_profile() {
    let f = Fixture::new();
    f.config("full", full_config());
    let renderer = f.renderer();
    for (i, id) in ATAS.iter().enumerate() {
        let plugin = renderer.plugin(id).unwrap_or_else(|| panic!("{id} not installed")).plugin.clone();
        for (j, (model, info)) in plugin.info.models.iter().enumerate() {
            let mac = Mac([0x00, 0x0e, 0x08, 0x00, i as u8, j as u8]);
            let files = render(&renderer, &device(id, model, mac, "full"));
            assert_eq!(files.len(), 1);
            assert_eq!(files[0].0, format!("000e0800{i:02x}{j:02x}.xml"));
            let body = String::from_utf8(files[0].1.clone()).unwrap();
            let p = flat_profile(&body);
            let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_else(|| panic!("{id} {model}: no {k}"));
            assert_eq!(get("Proxy_1_"), "10.0.0.2:5060");
            assert_eq!(get("User_ID_1_"), "alice");
            assert_eq!(get("Password_1_"), "s3cr&t");
            assert_eq!(get("Display_Name_1_"), "Zoé <A>");
            assert_eq!(get("Voice_Mail_Number_1_"), "*98");
            assert_eq!(get("Time_Zone"), "GMT-05:00");
            let ports = info.extra["lines"].as_u64().unwrap();
            assert_eq!(p.contains_key("User_ID_2_"), ports >= 2, "{id} {model}");
            // No keys on an ATA.
            assert!(!body.contains("Extension_") && !body.contains("1003"), "{id} {model}");
            if id.contains("spa100") {
                assert_eq!(get("Web_Login_Admin_Name"), "admin");
                assert_eq!(get("Web_Login_Admin_Password"), "adm&in");
                assert_eq!(get("WAN_VLAN_ID"), "20");
            } else {
                assert!(!body.contains("router-configuration"));
            }
            match info.extra.get("firmware").and_then(Value::as_str) {
                Some(fw) => assert_eq!(get("Upgrade_Rule"), format!("http://127.0.0.1:8667/firmware/{fw}")),
                None => assert!(!p.contains_key("Upgrade_Rule")),
            }
        }
    }
}

#[test]
fn the_ata190_gets_one_file_per_port() {
    let f = Fixture::new();
    f.config("full", full_config());
    f.config("one", json!({"sip_lines": {"1": {"username": "solo", "password": "p", "proxy_ip": "10.0.0.8"}}}));
    let renderer = f.renderer();
    let mac = Mac([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]);
    let files = render(&renderer, &device(ATA190, "ATA190", mac, "full"));
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["ATA001122334455.cnf.xml", "ATA112233445501.cnf.xml"]);
    for ((_, bytes), (user, proxy, port, label)) in
        files.iter().zip([("alice", "10.0.0.2", "5060", "Zoé <A>"), ("bob", "10.0.0.5", "5070", "Bob")])
    {
        let body = std::str::from_utf8(bytes).unwrap();
        let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{e}\n{body}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "device");
        let find_in = |node: roxmltree::Node<'_, '_>, name: &str| {
            node.descendants().find(|n| n.has_tag_name(name)).and_then(|n| n.text()).unwrap_or("").to_owned()
        };
        let find = |name: &str| find_in(root, name);
        let line = root.descendants().find(|n| n.has_tag_name("line")).unwrap();
        assert_eq!(find("deviceProtocol"), "SIP");
        assert_eq!(find_in(line, "name"), user);
        assert_eq!(find_in(line, "authName"), user);
        assert_eq!(find_in(line, "proxy"), proxy);
        assert_eq!(find("processNodeName"), proxy);
        assert_eq!(find("sipPort"), port);
        assert_eq!(find("featureLabel"), label);
        assert_eq!(find("timeZone"), "Eastern Standard/Daylight Time");
        assert_eq!(find("olsonTimeZone"), "America/Montreal");
        assert_eq!(find("loadInformation"), "ATA190.1-2-2-003");
        assert_eq!(find("dialTemplate"), "dialplan.xml");
    }
    // One line: one file.
    let files = render(&renderer, &device(ATA190, "ATA190", mac, "one"));
    assert_eq!(files.len(), 1);
    assert!(std::str::from_utf8(&files[0].1).unwrap().contains("<name>solo</name>"));
}

#[test]
fn common_and_static_files() {
    let f = Fixture::new();
    let renderer = f.renderer();
    for id in PHONES.iter().chain(&ATAS).chain([&ATA190]) {
        let plugin = renderer.plugin(id).unwrap().plugin.clone();
        let files = renderer.plugin_files(id).unwrap();
        let by_path: HashMap<&str, &[u8]> =
            files.iter().map(|f| (&f.key[id.len() + 1..], f.bytes.as_slice())).collect();
        let commons: Vec<&str> =
            plugin.info.extra["common_files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let defaults = if PHONES.contains(id) { "spa-phone.xml" } else { "spa-ata.xml" };
        for name in &commons {
            let body = std::str::from_utf8(by_path.get(name).unwrap_or_else(|| panic!("{id}: no {name}"))).unwrap();
            let doc = roxmltree::Document::parse(body).unwrap_or_else(|e| panic!("{id} {name}: {e}\n{body}"));
            if *id == ATA190 {
                assert_eq!(doc.root_element().tag_name().name(), "DIALTEMPLATE");
                continue;
            }
            let p = flat_profile(body);
            assert_eq!(p["Profile_Rule_B"], format!("http://127.0.0.1:8667/{defaults}"), "{id} {name}");
            assert_eq!(p["Profile_Rule_C"], "http://127.0.0.1:8667/$MA.xml");
            assert_eq!(p["Resync_From_SIP"], "Yes");
        }
        if *id == ATA190 {
            assert_eq!(files.len(), commons.len());
            continue;
        }
        // The static defaults: they empty every line the device may have.
        let body = std::str::from_utf8(by_path[defaults]).unwrap();
        let p = flat_profile(body);
        assert_eq!(p["Line_Enable_1_"], "No");
        assert_eq!(p["Password_1_"], "");
        let most = plugin.info.models.values().filter_map(|m| m.extra["lines"].as_u64()).max().unwrap();
        assert!(p.contains_key(&format!("User_ID_{most}_")), "{id}");
        assert_eq!(files.len(), commons.len() + 1, "{id}");
    }
}

#[test]
fn a_dhcp_truncated_model_gets_the_full_model_profile() {
    // Cisco's DHCP class says SPA525 for an SPA525G: the device keeps that
    // model, and still gets the SPA525G's keys and firmware.
    let f = Fixture::new();
    f.config("full", full_config());
    let renderer = f.renderer();
    let files = render(&renderer, &device(PHONES[0], "SPA525", Mac([0, 2, 0xfd, 1, 2, 3]), "full"));
    let p = flat_profile(std::str::from_utf8(&files[0].1).unwrap());
    assert_eq!(p["Extended_Function_3_"], "fnc=sd+blf+cp;sub=1003@$PROXY;nme=Carol");
    assert!(p["Upgrade_Rule"].ends_with("/firmware/spa525g-7-5-5.bin"));
}

#[test]
fn a_compile_publishes_device_common_and_static_files() {
    let f = Fixture::new();
    f.config("full", full_config());
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    s.put_device(&mut w, &device(PHONES[0], "SPA509G", Mac([0, 2, 0xfd, 0xaa, 0xbb, 0xcc]), "full")).unwrap();
    s.put_device(&mut w, &device(ATA190, "ATA190", Mac([0, 0x11, 0x22, 0x33, 0x44, 0x55]), "full")).unwrap();
    w.commit().unwrap();
    let renderer = f.renderer();
    let report = compile::compile(&f.data, &renderer, &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let r = s.read_txn().unwrap();
    for key in [
        "wazo-cisco-spa-7.5.5/0002fdaabbcc.xml",
        "wazo-cisco-spa-7.5.5/spa509G.cfg",
        "wazo-cisco-spa-7.5.5/spa-phone.xml",
        "wazo-cisco-spa-legacy/spa942.cfg",
        "wazo-cisco-pap2t-5.1.6/init.cfg",
        "wazo-cisco-ata190-1.2.2/ATA001122334455.cnf.xml",
        "wazo-cisco-ata190-1.2.2/ATA112233445501.cnf.xml",
        "wazo-cisco-ata190-1.2.2/dialplan.xml",
    ] {
        assert!(s.route(&r, key).unwrap().is_some(), "{key} is served");
    }
}
