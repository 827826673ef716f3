use std::borrow::Cow;

use serde_json::{Value, json};

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::{Plugin, PluginInfo};

use super::*;

/// The Patton rows of the shared identification vectors, and the
/// look-alikes that must tell nothing, copied from `ident-vectors.tsv`
/// (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    http-ua\tSmartNode (Model:SN4112/JS/EUI; Serial:00A0BA08933C; Software Version:R6.2 2012-09-11 H323 SIP FXS FXO; Hardware Version:4.4)\tPatton\tSN4112\t6.2\t00:a0:ba:08:93:3c\n\
    http-ua\tSmartNode (Model:SN4316/JS; Serial:00A0BA0BA9A5; Software Version:R6.9 2016-07-05 H323 SIP FXS FXO; Hardware Version:2.3)\tPatton\tSN4316\t6.9\t00:a0:ba:0b:a9:a5\n\
    http-ua\tSmartNode (Model:SN4332/JS/EUI; Serial:00A0BA0C1D2E; Software Version:R6.11 2019-07-02 H323 SIP FXS FXO; Hardware Version:4.4)\tPatton\tSN4332\t6.11\t00:a0:ba:0c:1d:2e\n\
    http-ua\tSmartNode (Model:SN4112S/JS/EUI; Serial:00A0BA0C1D2F; Software Version:R6.11 2019-07-02 H323 SIP FXS; Hardware Version:4.4)\tPatton\tSN4112S\t6.11\t00:a0:ba:0c:1d:2f\n\
    http-ua\tSmartNode (Model:SN4112/JS/EUI; Serial:00A0BA08933; Software Version:R6.2 2012-09-11 H323 SIP FXS FXO; Hardware Version:4.4)\t\t\t\t\n\
    http-ua\tSmartNode (Model:SN4112; Serial:00A0BA08933C; Software Version:R6.2 2012-09-11 H323 SIP FXS FXO; Hardware Version:4.4)\t\t\t\t\n\
    http-ua\tSmartNode (Model:SN4112/JS/EUI; Serial:00A0BA08933C; Software Version:6.2 2012-09-11 H323 SIP FXS FXO; Hardware Version:4.4)\t\t\t\t\n\
    http-ua\tSmartNode (Model:SN4112/JS/\\xc3\\xa9; Serial:00A0BA08933C; Software Version:R6.2 2012-09-11; Hardware Version:4.4)\t\t\t\t";

const MAC: &str = "00:a0:ba:0a:0b:0c";

fn ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    Patton.extract(&Request::Http { path: b"/00a0ba0a0b0c.cfg", user_agent: Some(ua) })
}

fn test_plugin() -> Plugin {
    let info: PluginInfo = serde_json::from_value(json!({
        "version": "1.0.0", "description": "t", "family": "patton",
        "models": {
            "SN4112": {"version": "6.11", "lines": 2, "firmware_dir": "sn4110"},
            "SN4316": {"version": "6.11", "lines": 16}
        }
    }))
    .unwrap();
    Plugin { id: "wazo-patton-6.11".into(), dir: "/nonexistent".into(), info, family: &Patton }
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
        let got = Patton.extract(&crate::vector_request(protocol, &input));
        if vendor.is_empty() {
            assert_eq!(got, None, "{}", String::from_utf8_lossy(&input));
            continue;
        }
        let got = got.unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(&input)));
        assert_eq!(got.vendor.as_deref(), Some(vendor));
        assert_eq!(got.model.as_deref(), Some(model));
        assert_eq!(got.version.as_deref(), Some(version));
        assert_eq!(got.mac.map(|m| m.to_string()).unwrap_or_default(), mac);
        assert!(matches!(got.version, Some(Cow::Borrowed(_))), "borrowed from the request");
    }
}

#[test]
fn bad_user_agents_tell_nothing() {
    for bad in [
        &b""[..],
        b"SmartNode",
        b"SmartNode (",
        b"SmartNode (Model:/JS; Serial:00A0BA0A0B0C; Software Version:R6.11 x",
        b"SmartNode (Model:SN4112/JS; Serial:; Software Version:R6.11 x",
        b"SmartNode (Model:SN4112/JS; Serial:00A0BA0A0B0C; Software Version:R",
        b"SmartNode (Model:SN4112/JS; Serial:00A0BA0A0B0CFF; Software Version:R6.11",
        b"smartnode (Model:SN4112/JS; Serial:00A0BA0A0B0C; Software Version:R6.11",
        b"Grandstream Model HW GXP1628 SW 1.0.7.81 DevId c074ad2bd859",
        b"\xff\xfe\x00",
    ] {
        assert_eq!(ua(bad), None, "{}", String::from_utf8_lossy(bad));
    }
    let got = ua(b"SmartNode (Model:SN4112/JS; Serial:00a0ba0a0b0c; Software Version:R6.11").unwrap();
    assert_eq!((got.version.as_deref(), got.mac.unwrap().to_string().as_str()), (Some("6.11"), MAC));
    assert_eq!(Patton.extract(&Request::Http { path: b"/00a0ba0a0b0c.cfg", user_agent: None }), None);
    assert_eq!(Patton.extract(&Request::Tftp { filename: b"00a0ba0a0b0c.cfg" }), None);
    assert_eq!(Patton.extract(&Request::Dhcp { vendor_class: b"SN4112" }), None);
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
    let a = |i| Patton.associate(&p, &i);
    assert_eq!(a(info(Some(VENDOR), Some("SN4112"), Some("6.11"))), EXACT);
    assert_eq!(a(info(Some(VENDOR), Some("SN4112"), Some("6.11.1"))), COMPLETE, "equal, not a prefix");
    assert_eq!(a(info(Some(VENDOR), Some("SN4112"), None)), COMPLETE);
    assert_eq!(a(info(Some(VENDOR), Some("SN4970"), Some("6.11"))), UNKNOWN);
    assert_eq!(a(info(Some(VENDOR), None, None)), UNKNOWN);
    assert_eq!(a(info(None, Some("SN4112"), None)), UNKNOWN);
    assert_eq!(a(info(Some("Grandstream"), Some("SN4112"), None)), IMPROBABLE);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let p = test_plugin();
    let dev = device("SN4112");
    let files = Patton.configure(&p, &dev, &mut Map::new()).unwrap();
    assert_eq!(files, vec![DeviceFile::template("00a0ba0a0b0c.cfg")]);
    assert!(Patton.is_sensitive(b"00a0ba0a0b0c.cfg"));
    for name in [&b"00A0BA0A0B0C.cfg"[..], b"00a0ba0a0b0c.cfg.bak", b"x.cfg", b""] {
        assert!(!Patton.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(Patton.remote_state_trigger(&dev).unwrap(), "00a0ba0a0b0c.cfg");
    assert!(Patton.is_remote_state_trigger(dev.mac, None, b"00a0ba0a0b0c.cfg"));
    assert!(!Patton.is_remote_state_trigger(dev.mac, None, b"00A0BA0A0B0C.cfg"));
    assert!(!Patton.is_remote_state_trigger(None, None, b"00a0ba0a0b0c.cfg"));
    assert_eq!(Patton.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
    let mut no_mac = device("SN4112");
    no_mac.mac = None;
    assert_eq!(Patton.configure(&p, &no_mac, &mut Map::new()), Err(ConfigureError::MissingDeviceField("mac")));
}

#[test]
fn lines_share_servers() {
    let p = test_plugin();
    let mut raw = map(json!({
        "sip_proxy_ip": "10.0.0.1", "sip_backup_proxy_ip": "10.0.0.2", "sip_transport": "tls",
        "sip_dtmf_mode": "SIP-INFO", "syslog_level": "info", "timezone": "Europe/Paris",
        "admin_password": "a b\"c", "ntp_ip": "10.0.0.4",
        "sip_lines": {
            "2": {"username": "u2", "password": "p 2", "proxy_ip": "10.0.0.9", "proxy_port": 5080},
            "1": {"username": "u1", "auth_username": "a1", "password": "p1"}
        }
    }));
    Patton.configure(&p, &device("SN4112"), &mut raw).unwrap();
    assert_eq!(raw["sip_transport"], "udp", "no TLS on a SmartNode");
    assert_eq!(raw["XX_dtmf_relay"], "signaling");
    assert_eq!(raw["XX_syslog_level"], "informational");
    assert_eq!(raw["XX_timezone_offset"], "+01:00");
    assert_eq!(raw["XX_dst_offset"], "+02:00");
    assert_eq!(raw["XX_dst_start"], "02:00 mar last sunday");
    assert_eq!(raw["XX_dst_end"], "03:00 oct last sunday");
    assert_eq!(raw["XX_admin_username"], "administrator");
    assert_eq!(raw["XX_admin_password"], "\"a b'c\"", "one quoted argument");
    assert_eq!(raw["XX_ntp_ip"], "10.0.0.4");
    assert_eq!(raw["XX_firmware_dir"], "sn4110");
    let lines = raw["XX_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(
        lines[0],
        json!({"line_no": 1, "fxs_port_no": 0, "username": "u1", "auth_username": "a1", "password": "p1",
               "proxy_ip": "10.0.0.1", "registrar_ip": "10.0.0.1", "registrar_port": "5060",
               "backup_registrar_ip": "10.0.0.2", "backup_registrar_port": "5060",
               "servers": [{"id": 1}, {"id": 2}]})
    );
    // Line 2's own proxy: its own port, no global backup.
    assert_eq!(lines[1]["password"], "\"p 2\"");
    assert_eq!(lines[1]["servers"], json!([{"id": 3}]));
    assert!(lines[1].get("backup_registrar_ip").is_none());
    let servers = raw["XX_servers"].as_array().unwrap();
    // (proxy, port, [(line, whether it is the line's main server)])
    type Summary = (Value, Value, Vec<(Value, Value)>);
    let summary: Vec<Summary> = servers
        .iter()
        .map(|s| {
            let lines = s["lines"].as_array().unwrap().iter().map(|l| (l["line_no"].clone(), l["XX_main"].clone()));
            (s["proxy_ip"].clone(), s["proxy_port"].clone(), lines.collect())
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (json!("10.0.0.1"), json!("5060"), vec![(json!(1), json!(true))]),
            (json!("10.0.0.2"), json!("5060"), vec![(json!(1), json!(false))]),
            (json!("10.0.0.9"), json!("5080"), vec![(json!(2), json!(true))]),
        ]
    );
}

#[test]
fn lines_that_cannot_be_written_are_refused() {
    let p = test_plugin();
    let refused = |lines: Value| {
        let mut raw = map(json!({"sip_proxy_ip": "10.0.0.1", "sip_lines": lines}));
        match Patton.configure(&p, &device("SN4112"), &mut raw) {
            Err(ConfigureError::Invalid { field, message }) => (field, message),
            other => panic!("{other:?}"),
        }
    };
    let (field, message) = refused(json!({"1": {"username": "u"}, "2": {"username": "u"}}));
    assert_eq!(field, "sip_lines.2.username");
    assert!(message.contains("line 1"), "{message}");
    let (field, _) =
        refused(json!({"1": {"username": "u1"}, "2": {"username": "u2", "proxy_ip": "10.0.0.1", "proxy_port": 5070}}));
    assert_eq!(field, "sip_lines.2.proxy_port");
    assert_eq!(refused(json!({"1": {"password": "p"}})).0, "sip_lines.1.username");
    let mut raw = map(json!({"sip_lines": {"1": {"username": "u"}}}));
    let e = Patton.configure(&p, &device("SN4112"), &mut raw).unwrap_err();
    assert!(e.to_string().contains("sip_lines.1.proxy_ip"), "{e}");
}

#[test]
fn tokens_and_time_zones() {
    assert_eq!(token("alice"), "alice");
    assert_eq!(token(""), "\"\"");
    assert_eq!(token("a b"), "\"a b\"");
    assert_eq!(token("a\"b"), "\"a'b\"");
    assert_eq!(token("a\nb"), "\"a\nb\"", "the renderer makes the line break a space, inside the quotes");
    let tz = |name| TIMEZONES.get(name).unwrap();
    let regina = tz("America/Regina");
    assert_eq!((regina.offset.as_str(), regina.dst.is_none()), ("-06:00", true));
    let stj = tz("America/St_Johns");
    assert_eq!(stj.offset, "-03:30");
    assert_eq!(stj.dst.unwrap(), ["-02:30", "02:00 mar second sunday", "02:00 nov first sunday"].map(String::from));
    assert!(TIMEZONES.get("Mars/Olympus").is_none());
}

/// The bundled plugin loads, names this family and gives every model a
/// version, a firmware folder, a capabilities entry and a template.
#[test]
fn bundled_plugin() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    let p = crate::plugins::load(&root.join("wazo-patton-6.11")).unwrap();
    assert_eq!(p.info.family, "patton");
    let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
    assert_eq!(names, ["SN4112", "SN4112S", "SN4114", "SN4116", "SN4118", "SN4316", "SN4324", "SN4332"]);
    for (name, model) in &p.info.models {
        assert_eq!(model.version.as_deref(), Some("6.11"), "{name}");
        let dir = if name.starts_with("SN41") { "sn4110" } else { "sn4300" };
        assert_eq!(model.get_str("firmware_dir"), Some(dir), "{name}");
        assert!(p.info.capabilities.contains_key(&format!("Patton, {name}, 6.11")), "{name}");
        assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{name}.tpl");
    }
    assert!(p.templates_dir().join("base.tpl").is_file());
}
