//! The bundled Cisco multiplatform plugins (3PCC phones 11.3.1 and 12.0.7,
//! ATA191/192) through the real renderer: one device per model per plugin,
//! parsed as XML, with registrar, credentials, display name, lines,
//! function keys and firmware checked; plus the common and static files.

mod common;

use std::collections::HashMap;

use common::Fixture;
use provd_compiler::compile::{self, Options};
use provd_compiler::render::{DeviceRender, Renderer};
use provd_core::{Device, Mac};
use serde_json::{Value, json};

const PHONES: [&str; 2] = ["wazo-cisco-sip-11.3.1", "wazo-cisco-sip-12.0.7"];
const ATAS: &str = "wazo-cisco-sip-11.1.0";

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
        "sip_transport": "tls",
        "admin_password": "adm&in",
        "user_password": "usr",
        "locale": "de_DE",
        "timezone": "Europe/Paris",
        "ntp_enabled": true,
        "ntp_ip": "10.0.0.4",
        "dns_enabled": true,
        "dns_ip": "10.0.0.53",
        "syslog_enabled": true,
        "syslog_ip": "10.0.0.6",
        "vlan_enabled": true,
        "vlan_id": 20,
        "vlan_pc_port_id": 30,
        "exten_voicemail": "*98",
        "exten_pickup_call": "*8",
        "exten_pickup_group": "*9",
        "X_xivo_phonebook_ip": "10.0.0.7",
        "X_xivo_user_uuid": "u-1",
        "sip_lines": {
            "1": {"username": "alice", "password": "s3cr&t", "display_name": "Zoé <A>", "number": "1001"},
            "2": {"username": "bob", "password": "pw2", "display_name": "Bob", "number": "1002",
                  "proxy_ip": "10.0.0.5", "proxy_port": 5070, "dtmf_mode": "SIP-INFO"}
        },
        "funckeys": {
            "3": {"type": "blf", "value": "1003", "label": "Carol"},
            "12": {"type": "speeddial", "value": "1012", "label": "Module"}
        }
    })
}

#[test]
fn every_model_renders_its_profile() {
    let f = Fixture::new();
    f.config("full", full_config());
    let renderer = f.renderer();
    let mut n = 0u8;
    for id in PHONES.iter().chain([&ATAS]) {
        let plugin = renderer.plugin(id).unwrap_or_else(|| panic!("{id} not installed")).plugin.clone();
        assert_eq!(plugin.info.family, "cisco_sip");
        for (model, info) in &plugin.info.models {
            n += 1;
            let mac = Mac([0x00, 0x56, 0x2b, 0x00, 0x00, n]);
            let files = render(&renderer, &device(id, model, mac, "full"));
            let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
            assert_eq!(paths, [format!("00562b0000{n:02x}.xml")], "{id} {model}");
            let body = String::from_utf8(files[0].1.clone()).unwrap();
            assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<flat-profile>\n"), "{id} {model}");
            let p = flat_profile(&body);
            let get = |k: &str| p.get(k).map(String::as_str).unwrap_or_else(|| panic!("{id} {model}: no {k}"));
            assert_eq!(get("Admin_Password"), "adm&in");
            assert_eq!(get("User_Password"), "usr");
            assert_eq!(get("Primary_DNS"), "10.0.0.53");
            assert_eq!(get("Primary_NTP_Server"), "10.0.0.4");
            assert_eq!(get("Syslog_Server"), "10.0.0.6:514");
            assert_eq!((get("Enable_VLAN"), get("VLAN_ID"), get("PC_Port_VLAN_ID")), ("Yes", "20", "30"));
            assert_eq!(get("Language_Selection"), "German");
            assert_eq!(get("Locale"), "de-DE");
            assert_eq!(get("Time_Zone"), "GMT+01:00");
            assert_eq!(get("Daylight_Saving_Time_Enable"), "yes");
            assert_eq!((get("Voice_Mail_Number"), get("Call_Pickup_Code")), ("*98", "*8"));
            assert_eq!(get("Group_Call_Pickup_Code"), "*9");
            assert_eq!(get("Station_Name"), "Zoé <A>");
            assert_eq!(get("Proxy_1_"), "10.0.0.2:5060");
            assert_eq!((get("User_ID_1_"), get("Auth_ID_1_")), ("alice", "alice"));
            assert_eq!(get("Password_1_"), "s3cr&t");
            assert_eq!(get("Display_Name_1_"), "Zoé <A>");
            assert_eq!(get("DTMF_Tx_Method_1_"), "AVT");
            assert_eq!(get("SIP_Transport_1_"), "TLS");
            let lines = info.extra["lines"].as_u64().unwrap();
            if lines >= 2 {
                assert_eq!(get("Proxy_2_"), "10.0.0.5:5070");
                assert_eq!((get("User_ID_2_"), get("DTMF_Tx_Method_2_")), ("bob", "INFO"));
            } else {
                assert!(!p.contains_key("User_ID_2_"), "{id} {model} has one line");
            }
            assert_eq!(get("XML_Directory_Service_Name"), "Wazo Directory");
            assert_eq!(
                get("XML_Directory_Service_URL"),
                "http://10.0.0.7:9498/0.1/directories/input/default/cisco?xivo_user_uuid=u-1"
            );
            let firmware = info.extra["firmware"].as_str().unwrap();
            assert_eq!(get("Upgrade_Rule"), format!("http://127.0.0.1:8667/{firmware}"), "{id} {model}");
            match info.extra.get("dictionary").and_then(Value::as_str) {
                Some(d) => assert_eq!(
                    get("Dictionary_Server_Script").split(';').nth(6),
                    Some(format!("x2={}", d.replace("{locale}", "de-DE")).as_str()),
                    "{id} {model}"
                ),
                None => assert!(!p.contains_key("Dictionary_Server_Script")),
            }
            // Key 3 on the phone where it has it; key 12 on the phone, or on
            // a key expansion module where there is one; nothing on an ATA.
            let keys = info.extra["keys"].as_u64().unwrap();
            let modules = info.extra["expansion_modules"].as_u64().unwrap();
            if keys >= 3 {
                assert_eq!(get("Extended_Function_3_"), "fnc=sd+blf+cp;sub=1003@$PROXY;nme=Carol");
                assert_eq!((get("Extension_3_"), get("Short_Name_3_")), ("Disabled", "Carol"));
            } else {
                assert!(!body.contains("1003@$PROXY"), "{id} {model}");
            }
            if keys >= 12 {
                assert_eq!(get("Extended_Function_12_"), "fnc=sd;ext=1012@$PROXY;nme=Module", "{id} {model}");
            } else if modules > 0 {
                let module_key = format!("Unit_1_Key_{}_", 12 - keys);
                assert_eq!(get(&module_key), "fnc=sd;ext=1012@$PROXY;nme=Module", "{id} {model}");
                assert_eq!(get("PoE_Power_Required"), "Maximum");
            } else {
                assert!(!body.contains("1012@$PROXY"), "{id} {model}");
            }
        }
    }
    assert_eq!(n, 14 + 9 + 2);
}

#[test]
fn common_and_static_files() {
    let f = Fixture::new();
    let renderer = f.renderer();
    for id in PHONES.iter().chain([&ATAS]) {
        let plugin = renderer.plugin(id).unwrap().plugin.clone();
        let files = renderer.plugin_files(id).unwrap();
        let by_path: HashMap<&str, &[u8]> =
            files.iter().map(|f| (&f.key[id.len() + 1..], f.bytes.as_slice())).collect();
        let commons: Vec<&str> =
            plugin.info.extra["common_files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(commons.len(), plugin.info.models.len(), "{id}: a common file per model");
        let defaults = if *id == ATAS { "spa-ata.xml?mac=$MA" } else { "cp-phone.xml" };
        for name in &commons {
            let body = std::str::from_utf8(by_path.get(name).unwrap_or_else(|| panic!("{id}: no {name}"))).unwrap();
            let p = flat_profile(body);
            assert_eq!(p["Profile_Rule_B"], format!("http://127.0.0.1:8667/{defaults}"), "{id} {name}");
            assert_eq!(p["Profile_Rule_C"], "http://127.0.0.1:8667/$MA.xml");
            assert_eq!(p["Resync_From_SIP"], "Yes");
        }
        // The static defaults empty every line the device may have.
        let static_name = defaults.split('?').next().unwrap();
        let p = flat_profile(std::str::from_utf8(by_path[static_name]).unwrap());
        assert_eq!((p["Line_Enable_1_"].as_str(), p["Password_1_"].as_str()), ("No", ""));
        let most = plugin.info.models.values().filter_map(|m| m.extra["lines"].as_u64()).max().unwrap();
        assert!(p.contains_key(&format!("User_ID_{most}_")), "{id}");
        assert!(!p.contains_key(&format!("User_ID_{}_", most + 1)), "{id}");
        assert_eq!(files.len(), commons.len() + 1, "{id}");
    }
}

#[test]
fn a_compile_publishes_device_common_and_static_files() {
    let f = Fixture::new();
    f.config("full", full_config());
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    s.put_device(&mut w, &device(PHONES[1], "8851", Mac([0, 0x56, 0x2b, 0xaa, 0xbb, 0xcc]), "full")).unwrap();
    s.put_device(&mut w, &device(ATAS, "ATA191", Mac([0, 0x6b, 0xf1, 0x33, 0x44, 0x55]), "full")).unwrap();
    w.commit().unwrap();
    let renderer = f.renderer();
    let report = compile::compile(&f.data, &renderer, &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let r = s.read_txn().unwrap();
    for key in [
        "wazo-cisco-sip-12.0.7/00562baabbcc.xml",
        "wazo-cisco-sip-12.0.7/8851-3PCC.xml",
        "wazo-cisco-sip-12.0.7/cp-phone.xml",
        "wazo-cisco-sip-11.3.1/6871-3PCC.xml",
        "wazo-cisco-sip-11.1.0/006bf1334455.xml",
        "wazo-cisco-sip-11.1.0/ata191.cfg",
        "wazo-cisco-sip-11.1.0/spa-ata.xml",
    ] {
        assert!(s.route(&r, key).unwrap().is_some(), "{key} is served");
    }
}
