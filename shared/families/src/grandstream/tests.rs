use std::borrow::Cow;

use serde_json::{Value, json};

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::{Plugin, PluginInfo};

use super::*;

/// The Grandstream rows of the shared identification vectors, and the
/// look-alikes that must tell nothing, copied from `ident-vectors.tsv`
/// (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    http-ua\tGrandstream Model HW GXP1405 SW 1.0.4.23 DevId 000b8240d55c\tGrandstream\tGXP1405\t1.0.4.23\t00:0b:82:40:d5:5c\n\
    http-ua\tGrandstream Model HW GXP1628 SW 1.0.4.138 DevId c074ad2bd859\tGrandstream\tGXP1628\t1.0.4.138\tc0:74:ad:2b:d8:59\n\
    http-ua\tGrandstream Model HW GXP1628 SW 1.0.7.81 DevId c074ad2bd859\tGrandstream\tGXP1628\t1.0.7.81\tc0:74:ad:2b:d8:59\n\
    http-ua\tGrandstream Model HW GXP2140 V2.3A SW 1.0.11.85 DevId c074ad0a1b2c\tGrandstream\tGXP2140\t1.0.11.85\tc0:74:ad:0a:1b:2c\n\
    http-ua\tGrandstream Model HW GXP2200 V2.2A SW 1.0.1.33 DevId 000b82462d97\tGrandstream\tGXP2200\t1.0.1.33\t00:0b:82:46:2d:97\n\
    http-ua\tGrandstream Model HW GXV3240 V1.6B SW 1.0.1.27 DevId 000b82632815\tGrandstream\tGXV3240\t1.0.1.27\t00:0b:82:63:28:15\n\
    http-ua\tGrandstream Model HW GXV3350  V1.3A SW 1.0.1.8 DevId c074ad150b88\tGrandstream\tGXV3350\t1.0.1.8\tc0:74:ad:15:0b:88\n\
    http-ua\tGrandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8\tGrandstream\tGXP2000\t1.1.6.9\t00:0b:82:27:26:c8\n\
    http-ua\tGrandstream Model HW GRP2614 SW 1.0.5.15 DevId c074ad0b63ee\tGrandstream\tGRP2614\t1.0.5.15\tc0:74:ad:0b:63:ee\n\
    http-ua\tGrandstream Model HW HT801 V1.1A SW 1.0.17.5 DevId c074ad273a10\tGrandstream\tHT801\t1.0.17.5\tc0:74:ad:27:3a:10\n\
    http-ua\tGrandstream Model HW HT802V2 V1.0A SW 1.0.5.10 DevId c074ad273a11\tGrandstream\tHT802V2\t1.0.5.10\tc0:74:ad:27:3a:11\n\
    http-ua\tGrandstream Model HW GXP1628 SW 1.0.7.81 DevId c074ad2bd85\t\t\t\t\n\
    http-ua\tGrandstream Model HW GXP1628 SW 1.0.7.81\t\t\t\t\n\
    http-ua\tGrandstream Model HW GXP1628 SW 1.0.7.81 DevId c074ad2bd859\\xe9\t\t\t\t\n\
    http-ua\tgrandstream Model HW GXP1628 SW 1.0.7.81 DevId c074ad2bd859\t\t\t\t\n\
    http-path\t/Grandstream/cfgc074ad2bd859.xml\t\t\t\t";

const MAC: &str = "c0:74:ad:0a:0b:0c";

fn ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    Grandstream.extract(&Request::Http { path: b"/Grandstream/cfgc074ad0a0b0c.xml", user_agent: Some(ua) })
}

fn test_plugin(config_dir: Option<&str>) -> Plugin {
    let mut info = json!({
        "version": "1.0.0", "description": "t", "family": "grandstream",
        "models": {
            "GXP1628": {"version": "1.0.7.81", "lines": 2},
            "GXP2135": {"version": "1.0.11.85", "lines": 4, "vpk": 4, "mpk": 2}
        }
    });
    if let Some(dir) = config_dir {
        info["config_dir"] = json!(dir);
    }
    let info: PluginInfo = serde_json::from_value(info).unwrap();
    Plugin { id: "wazo-grandstream-1.0.7.81".into(), dir: "/nonexistent".into(), info, family: &Grandstream }
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
        let input = crate::identify::unescape(input.as_bytes()).unwrap();
        let got = Grandstream.extract(&crate::vector_request(protocol, &input));
        if vendor.is_empty() {
            assert_eq!(got, None, "{}", String::from_utf8_lossy(&input));
            continue;
        }
        let got = got.unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(&input)));
        assert_eq!(got.vendor.as_deref(), Some(vendor));
        assert_eq!(got.model.as_deref(), Some(model));
        assert_eq!(got.version.as_deref(), Some(version));
        assert_eq!(got.mac.map(|m| m.to_string()).unwrap_or_default(), mac);
        assert!(matches!(got.model, Some(Cow::Borrowed(_))), "borrowed from the request");
    }
}

#[test]
fn bad_user_agents_tell_nothing() {
    for bad in [
        &b""[..],
        b"Grandstream",
        b"Grandstream ",
        b"Grandstream Model HW  SW 1.0 DevId c074ad0a0b0c",
        b"Grandstream Model HW GXP1628 SW  DevId c074ad0a0b0c",
        b"Grandstream Model HW GXP1628 SW 1.0 DevId ",
        b"Grandstream Model HW GXP1628 SW 1.0 DevId zz74ad0a0b0c",
        b"Grandstream Model HW GXP\xc3\xa9 SW 1.0 DevId c074ad0a0b0c",
        b"Grandstream GXP2000 (gxp2000e.bin:1.2.5.3) DevId nope",
        b"Grandstream GXP2100 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9) DevId 000b822726c8",
        b" Grandstream Model HW GXP1628 SW 1.0 DevId c074ad0a0b0c",
        b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72",
        b"Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)",
        b"\xff\xfe\x00",
    ] {
        assert_eq!(ua(bad), None, "{}", String::from_utf8_lossy(bad));
    }
    // A MAC with separators normalises; a hardware revision after a tab too.
    let got = ua(b"Grandstream Model HW GXP1628\tV1.2A SW 1.0.7.81 DevId C0:74:AD:0A:0B:0C").unwrap();
    assert_eq!((got.model.as_deref(), got.mac.unwrap().to_string().as_str()), (Some("GXP1628"), MAC));
    // Anything may follow the MAC, as in wazo (a prefix match).
    assert_eq!(ua(b"Grandstream Model HW GXP1628 SW 1.0.7.81 DevId c074ad0a0b0c extra").unwrap().mac, got.mac);
    // No User-Agent, TFTP and DHCP tell nothing.
    assert_eq!(
        Grandstream.extract(&Request::Http { path: b"/Grandstream/cfgc074ad0a0b0c.xml", user_agent: None }),
        None
    );
    assert_eq!(Grandstream.extract(&Request::Tftp { filename: b"cfgc074ad0a0b0c.xml" }), None);
    assert_eq!(Grandstream.extract(&Request::Dhcp { vendor_class: b"Grandstream GXP1628" }), None);
}

#[test]
fn association() {
    let p = test_plugin(None);
    let info = |vendor: Option<&'static str>, model: Option<&'static str>, version: Option<&'static str>| DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    };
    let a = |i| Grandstream.associate(&p, &i);
    assert_eq!(a(info(Some(VENDOR), Some("GXP1628"), Some("1.0.7.81"))), EXACT);
    // wazo compares the start of the version.
    assert_eq!(a(info(Some(VENDOR), Some("GXP1628"), Some("1.0.7.81.2"))), EXACT);
    assert_eq!(a(info(Some(VENDOR), Some("GXP1628"), Some("1.0.4.138"))), COMPLETE);
    assert_eq!(a(info(Some(VENDOR), Some("GXP1628"), Some(""))), COMPLETE);
    assert_eq!(a(info(Some(VENDOR), Some("GXP1628"), None)), COMPLETE);
    // An unlisted model of the vendor is UNKNOWN, not PROBABLE.
    assert_eq!(a(info(Some(VENDOR), Some("GXP1760"), Some("1.0.7.81"))), UNKNOWN);
    assert_eq!(a(info(Some(VENDOR), None, None)), UNKNOWN);
    assert_eq!(a(info(None, Some("GXP1628"), None)), UNKNOWN);
    assert_eq!(a(info(Some("Yealink"), Some("GXP1628"), None)), IMPROBABLE);
    let told = ua(b"Grandstream Model HW GXP1628 SW 1.0.7.81 DevId c074ad0a0b0c").unwrap();
    assert_eq!(Grandstream.associate(&p, &told), EXACT);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let raw = || map(json!({"ip": "10.0.0.1", "http_port": 8667}));
    let files = Grandstream.configure(&test_plugin(None), &device("GXP1628"), &mut raw()).unwrap();
    assert_eq!(files, vec![DeviceFile::template("Grandstream/cfgc074ad0a0b0c.xml")]);
    // The ATAs' plugin serves the file at its root.
    let files = Grandstream.configure(&test_plugin(Some("")), &device("HT802"), &mut raw()).unwrap();
    assert_eq!(files, vec![DeviceFile::template("cfgc074ad0a0b0c.xml")]);
    let files = Grandstream.configure(&test_plugin(Some("gs")), &device("GXP1628"), &mut raw()).unwrap();
    assert_eq!(files[0].path, "gs/cfgc074ad0a0b0c.xml");

    assert!(Grandstream.is_sensitive(b"cfgc074ad0a0b0c.xml"));
    for name in [
        &b"cfgC074AD0A0B0C.xml"[..],
        b"cfgc074ad0a0b0c",
        b"c074ad0a0b0c.xml",
        b"cfgc074ad0a0b0c.xml.bak",
        b"cfg.xml",
        b"",
    ] {
        assert!(!Grandstream.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    let dev = device("GXP1628");
    assert_eq!(Grandstream.remote_state_trigger(&dev).unwrap(), "cfgc074ad0a0b0c.xml");
    assert_eq!(Grandstream.remote_state_trigger(&Device::default()), None);
    assert!(Grandstream.is_remote_state_trigger(dev.mac, None, b"cfgc074ad0a0b0c.xml"));
    for name in [&b"cfgc074ad0a0b0c"[..], b"c074ad0a0b0c.xml", b"cfgC074AD0A0B0C.xml", b"cfgc074ad0a0b0d.xml", b"cfg"] {
        assert!(!Grandstream.is_remote_state_trigger(dev.mac, None, name), "{}", String::from_utf8_lossy(name));
    }
    assert!(!Grandstream.is_remote_state_trigger(None, None, b"cfgc074ad0a0b0c.xml"));
    assert_eq!(Grandstream.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));

    // Configured over HTTP only, and for a device with a MAC.
    let p = test_plugin(None);
    assert_eq!(
        Grandstream.configure(&p, &dev, &mut map(json!({"ip": "10.0.0.1"}))),
        Err(ConfigureError::MissingParameter("http_port"))
    );
    let mut no_mac = device("GXP1628");
    no_mac.mac = None;
    assert_eq!(Grandstream.configure(&p, &no_mac, &mut raw()), Err(ConfigureError::MissingDeviceField("mac")));
}

#[test]
fn context_values() {
    let p = test_plugin(None);
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667, "locale": "fr_CA", "timezone": "Europe/Paris",
        "sip_transport": "tls", "sip_dtmf_mode": "RTP-out-of-band", "exten_voicemail": "*98",
        "sip_registrar_ip": "10.0.0.2", "sip_backup_registrar_ip": "10.0.0.3",
        "dns_enabled": true, "dns_ip": "10.1.2.3",
        "sip_lines": {
            "1": {"username": "u1", "password": "autoprov"},
            "2": {"username": "u2", "password": "p2", "registrar_ip": "10.0.0.9", "voicemail": "*99"}
        },
        "funckeys": {
            "3": {"type": "blf", "value": "1003", "label": "Carol", "line": 2},
            "1": {"type": "speeddial", "value": "0123"},
            "4": {"type": "paging", "value": "1"},
            "x": {"type": "blf", "value": "9"}
        }
    }));
    Grandstream.configure(&p, &device("GXP1628"), &mut raw).unwrap();
    assert_eq!(raw["XX_mac"], "c074ad0a0b0c");
    assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
    assert_eq!(raw["XX_locale"], "fr");
    assert_eq!(raw["XX_sip_transport"], "TlsOrTcp");
    assert_eq!(raw["XX_timezone"], "STD-1DST-2,M3.5.0/02:00:00,M10.5.0/03:00:00");
    assert_eq!(
        (&raw["XX_dtmf_in_audio"], &raw["XX_dtmf_in_rtp"], &raw["XX_dtmf_in_sip"]),
        (&json!("No"), &json!("Yes"), &json!("No"))
    );
    assert_eq!(
        [&raw["XX_dns_1"], &raw["XX_dns_2"], &raw["XX_dns_3"], &raw["XX_dns_4"]],
        [&json!("10"), &json!("1"), &json!("2"), &json!("3")]
    );
    assert_eq!(
        raw["sip_lines"]["1"],
        json!({"username": "u1", "password": "", "registrar_ip": "10.0.0.2", "backup_registrar_ip": "10.0.0.3", "voicemail": "*98"}),
        "an autoprov password is blanked, the globals filled in"
    );
    assert_eq!(raw["sip_lines"]["2"]["registrar_ip"], "10.0.0.9");
    assert_eq!(raw["sip_lines"]["2"]["voicemail"], "*99");
    // Legacy keys: P32{N+2} mode, P3{3N-2} account, P3{3N-1} label, P3{3N} value.
    assert_eq!(
        raw["XX_fkeys"],
        json!([
            ["P323", "SpeedDial"],
            ["P301", 0],
            ["P303", "0123"],
            ["P325", "BLF"],
            ["P307", 1],
            ["P308", "Carol"],
            ["P309", "1003"]
        ])
    );
    assert_eq!(
        raw["XX_mpk"],
        json!([
            ["P23000", "SpeedDial"],
            ["P23001", 0],
            ["P23003", "0123"],
            ["P23010", "BLF"],
            ["P23011", 1],
            ["P23012", "Carol"],
            ["P23013", "1003"]
        ])
    );
    assert!(!raw.contains_key("XX_v2_fkeys"), "GXP1628 counts no vpk");
}

#[test]
fn v2_keys_fill_virtual_then_physical_keys() {
    let p = test_plugin(None);
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667,
        "sip_lines": {"1": {"username": "u1"}},
        "funckeys": {
            "2": {"type": "blf", "value": "1002", "label": "Bob"},
            "4": {"type": "paging", "value": "1"},
            "5": {"type": "park", "value": "701"},
            "6": {"type": "speeddial", "value": "0123", "label": ""}
        }
    }));
    Grandstream.configure(&p, &device("GXP2135"), &mut raw).unwrap();
    let none = |n: u64, section: &str| json!([n, {"section": section, "type": "None", "label": "", "value": ""}]);
    assert_eq!(
        raw["XX_v2_fkeys"],
        json!([
            // vpk 1 is line 1's; vpk 4 has a type the phones lack.
            [2, {"section": "vpk", "type": "BLF", "label": "Bob", "value": "1002"}],
            none(3, "vpk"),
            [1, {"section": "mpk", "type": "CallPark", "label": "", "value": "701"}],
            [2, {"section": "mpk", "type": "SpeedDial", "label": "", "value": "0123"}]
        ])
    );
}

#[test]
fn context_defaults_and_odd_values() {
    let p = test_plugin(None);
    let mut raw = map(json!({
        "http_port": 8667, "timezone": "America/Regina", "locale": "pt_BR", "sip_transport": "sctp",
        "sip_dtmf_mode": "carrier-pigeon", "dns_enabled": true,
        "funckeys": {"1": {"type": "blf", "value": null, "line": "x"}, "2": "not a key"}
    }));
    Grandstream.configure(&p, &device("GXP9999"), &mut raw).unwrap();
    assert_eq!(raw["XX_timezone"], "STD6", "no DST");
    for absent in ["XX_locale", "XX_sip_transport", "XX_dtmf_in_sip", "XX_dns_1", "XX_server_url", "XX_v2_fkeys"] {
        assert!(!raw.contains_key(absent), "{absent}");
    }
    assert_eq!(raw["XX_fkeys"], json!([["P323", "BLF"], ["P301", 0], ["P303", ""]]));
    // An unknown zone leaves the phone's own.
    let mut raw = map(json!({"http_port": 8667, "timezone": "Mars/Olympus"}));
    Grandstream.configure(&p, &device("GXP1628"), &mut raw).unwrap();
    assert!(!raw.contains_key("XX_timezone"));
}

#[test]
fn posix_time_zones() {
    let tz = |name| TIMEZONES.get(name).unwrap();
    assert_eq!(tz("America/Montreal"), "STD5DST4,M3.2.0/02:00:00,M11.1.0/02:00:00");
    assert_eq!(tz("Asia/Kolkata"), "STD-5:30");
    assert_eq!(tz("UTC"), "STD0");
    assert_eq!(tz("America/St_Johns"), "STD3:30DST2:30,M3.2.0/02:00:00,M11.1.0/02:00:00");
}

/// The bundled plugins load, name this family and give every model a
/// version, a capabilities entry and a template; the ATAs' serve at the root.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    for (id, models, dir) in [
        (
            "wazo-grandstream-1.0.7.81",
            &["GXP1610", "GXP1615", "GXP1620", "GXP1625", "GXP1628", "GXP1630"][..],
            "Grandstream",
        ),
        ("wazo-grandstream-1.0.11.85", &["GXP2130", "GXP2135", "GXP2140", "GXP2160", "GXP2170"], "Grandstream"),
        ("wazo-grandstream-1.0.63.3", &["HT801", "HT802", "HT801V2", "HT802V2"], ""),
        ("wazo-grandstream-1.0.5.48", &["GRP2612", "GRP2613", "GRP2614", "GRP2615", "GRP2616"], "Grandstream"),
    ] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "grandstream");
        assert_eq!(config_dir(&p), dir, "{id}");
        let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
        assert_eq!(names, models, "{id}");
        for (name, model) in &p.info.models {
            let version = model.version.as_deref().unwrap();
            assert!(p.info.capabilities.contains_key(&format!("Grandstream, {name}, {version}")), "{name}");
            assert!(model.get_u64("lines").is_some(), "{name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{name}.tpl");
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
        // wazo lists firmware packages for every plugin but the GRP one.
        assert_eq!(p.dir.join("pkgs/pkgs.db").is_file(), !id.ends_with("1.0.5.48"), "{id}");
    }
    for model in crate::phones::by_id("grandstream").unwrap().models() {
        let p = crate::plugins::load(&root.join(model.plugin)).unwrap();
        assert_eq!(p.model(model.name).unwrap().version.as_deref(), Some(model.version), "{}", model.name);
    }
}
