use std::borrow::Cow;

use serde_json::Value;
use serde_json::json;

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;
use provd_core::plugin::PluginInfo;

use super::*;

/// The Digium rows of the shared identification vectors, copied from
/// `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    dhcp-vendor\tdigium_D40_1_0_5_46476\tDigium\tD40\t1.0.5.46476\t\n\
    dhcp-vendor\tdigium_D40_1_1_0_0_48178\tDigium\tD40\t1.1.0.0.48178\t\n\
    dhcp-vendor\tdigium_D70_1_0_5_46476\tDigium\tD70\t1.0.5.46476\t\n\
    dhcp-vendor\tdigium_D70_1_1_0_0_48178\tDigium\tD70\t1.1.0.0.48178\t";

const MAC: &str = "00:0f:d3:0a:0b:0c";

fn dhcp(v: &[u8]) -> Option<DeviceInfo<'_>> {
    Digium.extract(&Request::Dhcp { vendor_class: v })
}

fn http(path: &[u8]) -> Option<DeviceInfo<'_>> {
    Digium.extract(&Request::Http { path, user_agent: Some(b"Digium D40 2_8_1") })
}

fn test_plugin() -> Plugin {
    let info: PluginInfo = serde_json::from_value(json!({
        "version": "1.0.0", "description": "t", "family": "digium",
        "models": {
            "D40": {"version": "2.8.1", "firmware": "2_8_1_D40_firmware.eff"},
            "D70": {"version": "2.8.1", "firmware": "2_8_1_D70_firmware.eff"},
            "D62": {"version": "2.8.1"}
        }
    }))
    .unwrap();
    Plugin { id: "wazo-digium-2.8.1".into(), dir: "/nonexistent".into(), info, family: &Digium }
}

fn device(model: &str) -> Device {
    Device {
        id: "d1".into(),
        mac: Some(Mac::parse(MAC).unwrap()),
        vendor: Some(VENDOR.into()),
        model: Some(model.into()),
        ..Default::default()
    }
}

fn map(v: Value) -> Map {
    v.as_object().unwrap().clone()
}

#[test]
fn every_vector_extracts() {
    for row in VECTORS.lines() {
        let [protocol, input, vendor, model, version, mac] = row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        assert_eq!(protocol, "dhcp-vendor");
        let got = dhcp(input.as_bytes()).unwrap_or_else(|| panic!("{input}"));
        assert_eq!(got.vendor.as_deref(), Some(vendor), "{input}");
        assert_eq!(got.model.as_deref(), Some(model), "{input}");
        assert_eq!(got.version.as_deref(), Some(version), "{input}");
        assert_eq!(got.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{input}");
        assert!(matches!(got.model, Some(Cow::Borrowed(_))));
    }
}

#[test]
fn dhcp_bad_input() {
    // Trailing NULs, as the DHCP hook passes them on.
    let got = dhcp(b"digium_D40_2_8_1_12345\x00\x00").unwrap();
    assert_eq!((got.model.as_deref(), got.version.as_deref()), (Some("D40"), Some("2.8.1.12345")));
    // An unknown model of the family is still told.
    assert_eq!(dhcp(b"digium_D80_1_0_0").unwrap().model.as_deref(), Some("D80"));
    for v in [
        &b""[..],
        b"\x00",
        b"digium_",
        b"digium_D40",
        b"digium_D40_",
        b"digium_D4_1_0",
        b"digium_D40_1.0.5",
        b"Digium_D40_1_0_5",
        b"digium_D40_1_0_5\xff",
        b"digium_\xc3\xa940_1_0",
        b"digium_D40_1_0\x00x",
        b"Cisco Systems, Inc. IP Phone CP-7941G\x00",
    ] {
        assert_eq!(dhcp(v), None, "{}", String::from_utf8_lossy(v));
    }
}

#[test]
fn http_paths() {
    let got = http(b"/Digium/000fd30a0b0c.cfg").unwrap();
    assert_eq!(got.vendor.as_deref(), Some(VENDOR));
    assert_eq!(got.mac.unwrap().to_string(), MAC);
    assert_eq!((got.model, got.version), (None, None));
    assert_eq!(http(b"/Digium/000FD30A0B0C.cfg").unwrap().mac.unwrap().to_string(), MAC);
    assert_eq!(http(b"/Digium/000fd30a0b0c.cfg?x=1").unwrap().mac.unwrap().to_string(), MAC);
    for path in [
        &b"/Digium/000000000000.cfg"[..],
        b"/Digium/",
        b"/Digium/firmware/2_8_1_D40_firmware.eff",
        b"/Digium/000fd30a0b0c-contacts.xml",
        b"/Digium/000fd30a0b0g.cfg",
        b"/Digium/000fd30a0b0.cfg",
        b"/Digium/\xff\xfe",
    ] {
        let got = http(path).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(path)));
        assert_eq!(got.vendor.as_deref(), Some(VENDOR));
        assert_eq!(got.mac, None, "{}", String::from_utf8_lossy(path));
    }
    for path in [&b"/000fd30a0b0c.cfg"[..], b"/digium/000fd30a0b0c.cfg", b"/Digium", b"Digium/x", b""] {
        assert_eq!(http(path), None, "{}", String::from_utf8_lossy(path));
    }
    // No TFTP, and the UA does not matter.
    assert_eq!(Digium.extract(&Request::Tftp { filename: b"Digium/000fd30a0b0c.cfg" }), None);
    let no_ua = Digium.extract(&Request::Http { path: b"/Digium/000fd30a0b0c.cfg", user_agent: None });
    assert_eq!(no_ua.unwrap().mac.unwrap().to_string(), MAC);
    let odd_ua = Digium.extract(&Request::Http { path: b"/Digium/x", user_agent: Some(b"\xff\xfe") });
    assert_eq!(odd_ua.unwrap().vendor.as_deref(), Some(VENDOR));
}

#[test]
fn association() {
    let p = test_plugin();
    let info = |vendor: Option<&'static str>, model: Option<&'static str>, version: Option<&'static str>| DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    };
    let a = |i| Digium.associate(&p, &i);
    assert_eq!(a(info(Some("Digium"), Some("D40"), Some("2.8.1"))), EXACT);
    assert_eq!(a(info(Some("Digium"), Some("D40"), Some("1.0.5.46476"))), COMPLETE);
    assert_eq!(a(info(Some("Digium"), Some("D40"), None)), COMPLETE);
    assert_eq!(a(info(Some("Digium"), Some("D80"), Some("2.8.1"))), PROBABLE);
    assert_eq!(a(info(Some("Digium"), None, None)), PROBABLE);
    assert_eq!(a(info(None, Some("D40"), None)), UNKNOWN);
    assert_eq!(a(info(Some("Polycom"), Some("D40"), None)), IMPROBABLE);
    // Extracted info goes straight in.
    assert_eq!(Digium.associate(&p, &dhcp(b"digium_D70_2_8_1\x00").unwrap()), EXACT);
    assert_eq!(Digium.associate(&p, &http(b"/Digium/000fd30a0b0c.cfg").unwrap()), PROBABLE);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let p = test_plugin();
    let dev = device("D40");
    let files = Digium.configure(&p, &dev, &mut map(json!({"ip": "10.0.0.1", "http_port": 8667}))).unwrap();
    assert_eq!(
        files,
        vec![
            DeviceFile::template("Digium/000fd30a0b0c.cfg"),
            DeviceFile {
                path: "Digium/000fd30a0b0c-contacts.xml".into(),
                source: FileSource::Template("contact.tpl".into())
            },
        ]
    );
    assert_eq!(files[1].basename(), "000fd30a0b0c-contacts.xml");
    assert!(Digium.is_sensitive(b"000fd30a0b0c.cfg"));
    for name in [&b"000FD30A0B0C.cfg"[..], b"000fd30a0b0c-contacts.xml", b"000fd30a0b0c.cfg.bak", b"x.cfg", b""] {
        assert!(!Digium.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(Digium.remote_state_trigger(&dev).unwrap(), "000fd30a0b0c.cfg");
    assert_eq!(Digium.remote_state_trigger(&Device::default()), None);
    assert!(Digium.is_remote_state_trigger(dev.mac, None, b"000fd30a0b0c.cfg"));
    assert!(!Digium.is_remote_state_trigger(dev.mac, None, b"000fd30a0b0c-contacts.xml"));
    assert!(!Digium.is_remote_state_trigger(dev.mac, None, b"000FD30A0B0C.cfg"));
    assert!(!Digium.is_remote_state_trigger(None, None, b"000fd30a0b0c.cfg"));
    assert_eq!(Digium.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
    let mut no_mac = device("D40");
    no_mac.mac = None;
    assert_eq!(Digium.configure(&p, &no_mac, &mut Map::new()), Err(ConfigureError::MissingDeviceField("mac")));
}

#[test]
fn context_values() {
    let p = test_plugin();
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667, "locale": "fr_CA", "timezone": "America/Montreal",
        "sip_proxy_ip": "10.0.0.2", "sip_transport": "tcp", "exten_voicemail": "*98",
        "sip_lines": {
            "2": {"username": "u2", "proxy_ip": "10.0.0.9", "display_name": null},
            "1": {"username": "u1", "voicemail": "*99"}
        },
        "funckeys": {
            "10": {"type": "blf", "value": "1010"},
            "2": {"type": "speeddial", "value": "1002", "label": "Bob"},
            "3": {"type": "park", "value": "701"},
            "4": {"type": "paging", "value": "1"},
            "5": {"type": "blf"},
            "0": {"type": "blf", "value": "0"}
        }
    }));
    Digium.configure(&p, &device("D40"), &mut raw).unwrap();
    assert_eq!(raw["XX_mac"], "000fd30a0b0c");
    assert_eq!(raw["XX_lang"], "fr_CA");
    assert_eq!(raw["XX_transport"], "tcp");
    assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
    assert_eq!(raw["XX_main_proxy_ip"], "10.0.0.2", "line 1's proxy, from the global one");
    assert_eq!(raw["timezone"], "America/Montreal", "the phone takes Olson names as they are");
    assert_eq!(
        raw["sip_lines"]["1"],
        json!({"username": "u1", "voicemail": "*99", "proxy_ip": "10.0.0.2", "XX_account_index": 0})
    );
    assert_eq!(
        raw["sip_lines"]["2"],
        json!({"username": "u2", "proxy_ip": "10.0.0.9", "voicemail": "*98", "XX_account_index": 1})
    );
    assert_eq!(
        raw["XX_funckeys"],
        json!({
            "2": {"no": 2, "type": "speeddial", "value": "1002", "label": "Bob"},
            "3": {"no": 3, "type": "park", "value": "701", "label": "701"},
            "10": {"no": 10, "type": "blf", "value": "1010", "label": "1010"}
        })
    );
    assert_eq!(
        raw["XX_firmwares"],
        json!([
            {"model": "D40", "version": "2_8_1", "file": "2_8_1_D40_firmware.eff"},
            {"model": "D70", "version": "2_8_1", "file": "2_8_1_D70_firmware.eff"}
        ])
    );
}

#[test]
fn context_defaults() {
    let p = test_plugin();
    // No line: BLF subscriptions go to provd's host, as in wazo.
    let mut raw = map(json!({"ip": "10.0.0.1", "http_port": 8667, "sip_transport": "tls"}));
    Digium.configure(&p, &device("D40"), &mut raw).unwrap();
    assert_eq!(raw["XX_main_proxy_ip"], "10.0.0.1");
    assert_eq!(raw["XX_transport"], "tls");
    assert_eq!(raw["XX_funckeys"], json!({}));
    assert!(!raw.contains_key("XX_lang"));
    // Nothing at all: no server URL, no proxy, still files.
    let mut raw = Map::new();
    assert_eq!(Digium.configure(&p, &device("D80"), &mut raw).unwrap().len(), 2);
    assert_eq!(raw["XX_transport"], "udp");
    assert!(!raw.contains_key("XX_main_proxy_ip") && !raw.contains_key("XX_server_url"));
    // The base URL wins.
    let mut raw = map(json!({"ip": "10.0.0.1", "http_port": 8667, "http_base_url": "https://p.example/k"}));
    Digium.configure(&p, &device("D40"), &mut raw).unwrap();
    assert_eq!(raw["XX_server_url"], "https://p.example/k");
}

/// The bundled plugin loads, names this family and gives every model a
/// version, a firmware file, a capabilities entry and a template.
#[test]
fn bundled_plugin() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    let p = crate::plugins::load(&root.join("wazo-digium-2.8.1")).unwrap();
    assert_eq!(p.info.family, "digium");
    let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
    assert_eq!(names, ["D40", "D45", "D50", "D60", "D62", "D65", "D70"]);
    for (name, model) in &p.info.models {
        assert_eq!(model.version.as_deref(), Some("2.8.1"), "{name}");
        assert_eq!(model.get_str("firmware"), Some(format!("2_8_1_{name}_firmware.eff").as_str()));
        assert!(p.info.capabilities.contains_key(&format!("Digium, {name}, 2.8.1")), "{name}");
        assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{name}.tpl");
    }
    assert!(p.templates_dir().join("base.tpl").is_file());
    assert!(p.templates_dir().join("contact.tpl").is_file());
}
