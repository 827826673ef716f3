use std::borrow::Cow;

use serde_json::Value;
use serde_json::json;

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;
use provd_core::plugin::PluginInfo;

use super::*;

/// The Gigaset rows of the shared identification vectors, copied from
/// `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    http-ua\tGigaset N720 DM PRO/70.089.00.000.000;7C2F80CA21E4\tGigaset\tN720 DM PRO\t70.089\t7c:2f:80:ca:21:e4\n\
    http-ua\tGigaset N720 DM PRO/70.108.00.000.000\tGigaset\tN720 DM PRO\t70.108\t\n\
    http-ua\tN510 IP PRO/42.245.00.000.000;7C2F804DF9A9\tGigaset\tN510 IP PRO\t42.245\t7c:2f:80:4d:f9:a9\n\
    http-ua\tN510 IP PRO/42.258.00.000.000\tGigaset\tN510 IP PRO\t42.258\t\n\
    http-ua\tGigaset N870 IP PRO/83.V2.11.0+build.a546b91;7C2F80E0D605\tGigaset\tN870 IP PRO\t83.V2.11.0\t7c:2f:80:e0:d6:05\n\
    http-ua\tGigaset N670 IP PRO/83.V2.65.0+build.8504c90;7C2F80AABBCC\tGigaset\tN670 IP PRO\t83.V2.65.0\t7c:2f:80:aa:bb:cc\n\
    http-ua\t\"Gigaset N870E IP PRO/83.V2.48.0;7C2F80112233;Handset=3\"\tGigaset\tN870E IP PRO\t83.V2.48.0\t7c:2f:80:11:22:33\n\
    http-ua\tGigaset N870 IP PRO/83.V2.39.0;\tGigaset\tN870 IP PRO\t83.V2.39.0\t\n\
    dhcp-vendor\tGigaset_N720_DM_PRO\tGigaset\tN720 DM PRO\t\t\n\
    dhcp-vendor\tN510_IP_PRO\tGigaset\tN510 IP PRO\t\t";

/// Requests that look like a Gigaset's and are not (rows with nothing
/// expected in `ident-vectors.tsv`).
const NOT_GIGASET: [&str; 5] = [
    "N720-DM-PRO/70.040.00.000.000",
    "Gigaset N870 IP PRO/83.V2.11.0",
    "Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)",
    "Cisco/SPA508G-7.4.9a (0018B9FFFFFF)(CBT1234567)",
    "Gigaset_N870_IP_PRO",
];

const MAC: &str = "7c:2f:80:0a:0b:0c";

fn ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    Gigaset.extract(&Request::Http { path: b"/7C2F800A0B0C.xml", user_agent: Some(ua) })
}

fn dhcp(v: &[u8]) -> Option<DeviceInfo<'_>> {
    Gigaset.extract(&Request::Dhcp { vendor_class: v })
}

fn plugin(id: &str, models: Value) -> Plugin {
    let info: PluginInfo = serde_json::from_value(json!({
        "version": "1.0.0", "description": "t", "family": "gigaset", "models": models
    }))
    .unwrap();
    Plugin { id: id.into(), dir: "/nonexistent".into(), info, family: &Gigaset }
}

fn first_plugin() -> Plugin {
    plugin("wazo-gigaset-70.117", json!({"N510 IP PRO": {"version": "42.262"}, "N720 DM PRO": {"version": "70.117"}}))
}

fn nx70_plugin() -> Plugin {
    plugin(
        "wazo-gigaset-83.v2.65.0",
        json!({"N870 IP PRO": {"version": "83.V2.65.0", "firmware": "Gigaset-Nx70-V2.65.0-build.8504c90.bin"},
               "N670 IP PRO": {"version": "83.V2.65.0"}}),
    )
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
        let [protocol, input, vendor, model, version, mac] =
            row.trim_start().split('\t').collect::<Vec<_>>().try_into().unwrap();
        let got = crate::vector_request(protocol, input.as_bytes());
        let got = Gigaset.extract(&got).unwrap_or_else(|| panic!("{input}"));
        assert_eq!(got.vendor.as_deref(), Some(vendor), "{input}");
        assert_eq!(got.model.as_deref(), Some(model), "{input}");
        assert_eq!(got.version.as_deref().unwrap_or(""), version, "{input}");
        assert_eq!(got.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{input}");
    }
    for input in NOT_GIGASET {
        assert_eq!(ua(input.as_bytes()), None, "{input}");
        assert_eq!(dhcp(input.as_bytes()), None, "{input}");
    }
}

#[test]
fn user_agent_forms_and_bad_input() {
    // The first generation's version is its first two numbers; a model
    // with `-` is written with spaces.
    let got = ua(b"N720 DM-PRO/70.117.00.000.000;7C2F800A0B0C").unwrap();
    assert_eq!(got.model.as_deref(), Some("N720 DM PRO"));
    assert_eq!(got.version.as_deref(), Some("70.117"));
    assert_eq!(got.mac.unwrap().to_string(), MAC);
    // Borrowed from the request where nothing changes.
    assert!(matches!(ua(b"N510 IP PRO/42.262.00.000.000").unwrap().model, Some(Cow::Borrowed(_))));
    // A first-generation User-Agent is not read as an Nx70 one (which would
    // take all five numbers for the version).
    let got = ua(b"Gigaset N720 IP PRO/70.117.00.000.000;7C2F800A0B0C").unwrap();
    assert_eq!(got.version.as_deref(), Some("70.117"));
    // A lower-case MAC is not the phones' form: the rest is still told.
    assert_eq!(ua(b"N510 IP PRO/42.262.00.000.000;7c2f800a0b0c"), None, "the pattern needs the end");
    let got = ua(b"Gigaset N870 IP PRO/83.V2.65.0;").unwrap();
    assert_eq!((got.mac, got.version.as_deref()), (None, Some("83.V2.65.0")));
    for bad in [
        &b""[..],
        b"Gigaset",
        b"Gigaset N870 IP PRO/",
        b"Gigaset N870 IP PRO/83.V2.65.0;7C2F800A0B0C;Handset=x",
        b"Gigaset N\xc3\xa970 IP PRO/83.V2.65.0;",
        b"N510 IP PRO/42.262.00.000",
        b"N510 \xff/42.262.00.000.000",
        b"Gigaset N870 IP PRO/83.V2.65.0;7C2F800A0B0C\n",
        b"\xff\xfe;/",
    ] {
        assert_eq!(ua(bad), None, "{}", String::from_utf8_lossy(bad));
    }
    // No User-Agent, or TFTP: nothing (the bases use HTTP and say who they are).
    assert_eq!(Gigaset.extract(&Request::Http { path: b"/7C2F800A0B0C.xml", user_agent: None }), None);
    assert_eq!(Gigaset.extract(&Request::Tftp { filename: b"7C2F800A0B0C.xml" }), None);
}

#[test]
fn dhcp_forms_and_bad_input() {
    for (class, model) in [
        (&b"Gigaset_N720_DM_PRO"[..], "N720 DM PRO"),
        (b"Gigaset_N510_IP_PRO", "N510 IP PRO"),
        (b"N720_DM_PRO", "N720 DM PRO"),
        (b"N510_IP_PRO\x00", "N510 IP PRO"),
    ] {
        let got = dhcp(class).unwrap();
        assert_eq!((got.vendor.as_deref(), got.model.as_deref()), (Some(VENDOR), Some(model)));
        assert_eq!((got.version, got.mac), (None, None));
    }
    for bad in [&b""[..], b"\x00", b"Gigaset", b"Gigaset_", b"N510_IP", b"n510_ip_pro", b"N510_IP_PRO_X", b"\xff"] {
        assert_eq!(dhcp(bad), None, "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn association() {
    let (first, nx70) = (first_plugin(), nx70_plugin());
    let info = |vendor: Option<&'static str>, model: Option<&'static str>, version: Option<&'static str>| DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    };
    let a = |p: &Plugin, i| Gigaset.associate(p, &i);
    assert_eq!(a(&first, info(Some("Gigaset"), Some("N510 IP PRO"), Some("42.262"))), EXACT);
    assert_eq!(a(&first, info(Some("Gigaset"), Some("N510 IP PRO"), Some("42.245"))), COMPLETE);
    assert_eq!(a(&first, info(Some("Gigaset"), Some("N510 IP PRO"), None)), COMPLETE);
    assert_eq!(a(&nx70, info(Some("Gigaset"), Some("N510 IP PRO"), Some("42.262"))), UNKNOWN);
    assert_eq!(a(&nx70, info(Some("Gigaset"), Some("N870 IP PRO"), Some("83.V2.65.0"))), EXACT);
    assert_eq!(a(&first, info(Some("Gigaset"), Some("N870 IP PRO"), Some("83.V2.65.0"))), UNKNOWN);
    assert_eq!(a(&first, info(Some("Gigaset"), None, None)), UNKNOWN);
    assert_eq!(a(&first, info(None, Some("N510 IP PRO"), None)), UNKNOWN);
    assert_eq!(a(&first, info(Some("Snom"), Some("N510 IP PRO"), None)), IMPROBABLE);
    // Extracted info goes straight in.
    assert_eq!(Gigaset.associate(&first, &dhcp(b"Gigaset_N720_DM_PRO").unwrap()), COMPLETE);
    assert_eq!(Gigaset.associate(&first, &ua(b"Gigaset N720 DM PRO/70.117.00.000.000").unwrap()), EXACT);
    let n870 = ua(b"Gigaset N870 IP PRO/83.V2.65.0+build.8504c90;7C2F800A0B0C").unwrap();
    assert_eq!(Gigaset.associate(&nx70, &n870), EXACT);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let raw = || map(json!({"ip": "10.0.0.1", "http_port": 8667}));
    let first = device("N510 IP PRO");
    assert_eq!(
        Gigaset.configure(&first_plugin(), &first, &mut raw()).unwrap(),
        [DeviceFile::template("7C2F800A0B0C.xml")]
    );
    let nx70 = device("N870 IP PRO");
    assert_eq!(
        Gigaset.configure(&nx70_plugin(), &nx70, &mut raw()).unwrap(),
        [DeviceFile::template("7c2f800a0b0c.xml")]
    );
    for name in [&b"7C2F800A0B0C.xml"[..], b"7c2f800a0b0c.xml", b"000000000000.xml"] {
        assert!(Gigaset.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    for name in [&b"7C2F800a0b0c.xml"[..], b"7C2F800A0B0C.xml.bak", b"7C2F800A0B0.xml", b"x.xml", b""] {
        assert!(!Gigaset.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(Gigaset.remote_state_trigger(&first).unwrap(), "7C2F800A0B0C.xml");
    assert_eq!(Gigaset.remote_state_trigger(&nx70).unwrap(), "7c2f800a0b0c.xml");
    assert_eq!(Gigaset.remote_state_trigger(&Device::default()), None);
    let m = first.mac;
    assert!(Gigaset.is_remote_state_trigger(m, Some("N720 DM PRO"), b"7C2F800A0B0C.xml"));
    assert!(!Gigaset.is_remote_state_trigger(m, Some("N720 DM PRO"), b"7c2f800a0b0c.xml"));
    assert!(Gigaset.is_remote_state_trigger(m, Some("N870 IP PRO"), b"7c2f800a0b0c.xml"));
    assert!(!Gigaset.is_remote_state_trigger(m, Some("N870 IP PRO"), b"7C2F800A0B0C.xml"));
    assert!(!Gigaset.is_remote_state_trigger(None, Some("N870 IP PRO"), b"7c2f800a0b0c.xml"));
    assert_eq!(Gigaset.sync_notify(&nx70), Some(SyncNotify::CHECK_SYNC));
    let mut no_mac = device("N510 IP PRO");
    no_mac.mac = None;
    assert_eq!(
        Gigaset.configure(&first_plugin(), &no_mac, &mut Map::new()),
        Err(ConfigureError::MissingDeviceField("mac"))
    );
}

#[test]
fn first_generation_context_values() {
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667, "timezone": "America/Montreal", "locale": "fr_FR",
        "sip_proxy_ip": "10.0.0.99", "sip_outbound_proxy_port": 5090,
        "dns_enabled": true, "dns_ip": "10.0.0.53", "vlan_enabled": true, "vlan_id": "20",
        "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "u-1",
        "sip_lines": {
            "1": {"username": "alice", "proxy_ip": "10.0.0.2", "proxy_port": 5080, "display_name": null},
            "3": {"username": "carol"}
        }
    }));
    Gigaset.configure(&first_plugin(), &device("N510 IP PRO"), &mut raw).unwrap();
    assert_eq!(raw["XX_mac_addr"], "7C2F800A0B0C");
    assert_eq!(raw["XX_server_url_without_scheme"], "10.0.0.1:8667");
    assert_eq!(raw["sip_proxy_ip"], "10.0.0.2", "line 1's proxy is the provider's");
    assert_eq!(
        (&raw["XX_sip_proxy_port_hex"], &raw["XX_sip_registrar_port_hex"]),
        (&json!("0x13d8"), &json!("0x13c4"))
    );
    assert_eq!(raw["XX_sip_outbound_proxy_port_hex"], "0x13e2");
    assert_eq!(raw["XX_dns_ip_hex"], "0x0a000035");
    assert_eq!(raw["XX_vlan_id_hex"], "0x14");
    assert_eq!((&raw["XX_timezone_code"], &raw["XX_timezone_hex"]), (&json!(0x0D), &json!("0xd")));
    assert_eq!(raw["XX_country"], 7);
    assert_eq!(raw["XX_xivo_phonebook_url"], "http://10.0.0.3:9498/0.1/directories/lookup/default/gigaset/u-1?");
    assert_eq!(
        raw["sip_lines"]["1"],
        json!({"username": "alice", "proxy_ip": "10.0.0.2", "proxy_port": 5080,
               "XX_account_index": 0, "XX_suffix": "", "XX_mask": "0x1"})
    );
    assert_eq!(raw["sip_lines"]["3"]["XX_suffix"], "_3");
    assert_eq!(raw["sip_lines"]["3"]["XX_mask"], "0x4");

    // Defaults: UTC, international tones, no DNS without its switch.
    let mut raw = map(json!({"dns_ip": "10.0.0.53", "timezone": "Nowhere/Else", "sip_lines": {"99": {}}}));
    Gigaset.configure(&first_plugin(), &device("N720 DM PRO"), &mut raw).unwrap();
    assert_eq!(raw["XX_country"], 0);
    assert!(!raw.contains_key("XX_dns_ip_hex") && !raw.contains_key("XX_timezone_code"));
    assert!(!raw["sip_lines"]["99"].as_object().unwrap().contains_key("XX_mask"), "no 99th handset bit");
    let mut raw = map(json!({"dns_enabled": true, "dns_ip": "dns.example"}));
    Gigaset.configure(&first_plugin(), &device("N720 DM PRO"), &mut raw).unwrap();
    assert_eq!(raw["XX_dns_ip_hex"], "0x00000000", "no IPv4 address, no server");
    let mut raw = Map::new();
    Gigaset.configure(&first_plugin(), &device("N720 DM PRO"), &mut raw).unwrap();
    assert_eq!(raw["XX_timezone_hex"], "0x1a");
}

#[test]
fn nx70_context_values() {
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667, "timezone": "America/Montreal", "locale": "de_DE",
        "sip_dtmf_mode": "RTP-out-of-band", "sip_transport": "tls",
        "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "u-1", "X_xivo_phonebook_profile": "sales",
        "sip_lines": {
            "1": {"username": "ap1", "number": "autoprov1234", "proxy_ip": "10.0.0.2"},
            "2": {"username": "bob", "number": "421234", "proxy_ip": "10.0.0.2", "dtmf_mode": "SIP-INFO"},
            "3": {"username": "carol", "number": "7", "proxy_ip": "10.0.0.9", "proxy_port": 5080, "dtmf_mode": "SIP-INFO"}
        }
    }));
    Gigaset.configure(&nx70_plugin(), &device("N870 IP PRO"), &mut raw).unwrap();
    assert_eq!(raw["XX_country"], "Germany");
    assert_eq!(raw["timezone"], "America/New_York", "a zone the base does not list, by offset");
    assert!(raw["XX_epoch"].as_u64().unwrap() > 1_600_000_000);
    assert_eq!(raw["XX_firmware"], json!({"file": "Gigaset-Nx70-V2.65.0-build.8504c90.bin", "version": "2.65.0"}));
    assert_eq!(raw["XX_xivo_phonebook_url"], "http://10.0.0.3:9498/0.1/directories/lookup/sales/gigaset/u-1?");
    assert_eq!(
        raw["XX_voip_providers"],
        json!([
            {"id": 0, "sip_proxy_ip": "10.0.0.2", "sip_proxy_port": "5060", "dtmf_mode": "2", "sip_transport": "3"},
            {"id": 1, "sip_proxy_ip": "10.0.0.9", "sip_proxy_port": "5080", "dtmf_mode": "4", "sip_transport": "3"}
        ])
    );
    let line = |n: &str, key: &str| raw["sip_lines"][n][key].clone();
    assert_eq!(
        (line("1", "provider_id"), line("2", "provider_id"), line("3", "provider_id")),
        (json!(0), json!(0), json!(1))
    );
    assert_eq!(
        (line("1", "XX_hs_code"), line("2", "XX_hs_code"), line("3", "XX_hs_code")),
        (json!("0000"), json!("1234"), json!("0007"))
    );
    assert_eq!((line("1", "XX_handset_no"), line("3", "XX_handset_no")), (json!("00001"), json!("00003")));

    // Known zones stay; no zone, no model of the plugin: no firmware.
    let mut raw = map(json!({"timezone": "Europe/Paris"}));
    Gigaset.configure(&nx70_plugin(), &device("N670 IP PRO"), &mut raw).unwrap();
    assert_eq!(raw["timezone"], "Europe/Paris");
    assert_eq!(raw["XX_country"], "Retail");
    assert_eq!(raw["XX_voip_providers"], json!([]));
    assert!(!raw.contains_key("XX_firmware"));
    assert_eq!(nx70_zone("Asia/Kathmandu"), None, "no zone of its list at +5:45");
    assert_eq!(nx70_zone("Australia/Adelaide"), Some("Australia/Adelaide"));
    assert_eq!(nx70_zone("Europe/Lisbon"), Some("Europe/Lisbon"));
    assert_eq!(nx70_zone("Africa/Abidjan"), Some("Europe/London"));
}

/// The bundled plugins load, name this family and give every model a
/// version, a capabilities entry and a template; the Nx70 one a firmware.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    for (id, models) in [
        ("wazo-gigaset-70.117", &["N510 IP PRO", "N720 DM PRO", "N720 IP PRO"][..]),
        ("wazo-gigaset-83.v2.65.0", &["N610 IP PRO", "N670 IP PRO", "N770 IP PRO", "N870 IP PRO", "N870E IP PRO"]),
    ] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "gigaset");
        let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
        assert_eq!(names, models);
        for (name, model) in &p.info.models {
            let version = model.version.as_deref().unwrap();
            assert!(p.info.capabilities.contains_key(&format!("Gigaset, {name}, {version}")), "{name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{name}.tpl");
            assert_eq!(first_generation(Some(name)), id == "wazo-gigaset-70.117", "{name}");
            if !first_generation(Some(name)) {
                assert_eq!(model.get_str("firmware"), Some("Gigaset-Nx70-V2.65.0-build.8504c90.bin"));
            }
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
    }
}
