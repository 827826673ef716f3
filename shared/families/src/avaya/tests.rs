use std::borrow::Cow;

use serde_json::Value;
use serde_json::json;

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;
use provd_core::plugin::PluginInfo;

use super::*;
use crate::vector_request as request;

/// The Avaya rows of the shared identification vectors, copied from
/// `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    http-ua\tAVAYA/SIP12x0\\x17/04.00.04.00\tAvaya\t\t04.00.04.00\t\n\
    http-ua\tAVAYA/SIP12x0\\x16/04.00.04.00\tAvaya\t\t04.00.04.00\t\n\
    http-ua\tAVAYA/SIP12x0\\x14/04.00.04.00\tAvaya\t\t04.00.04.00\t\n\
    http-ua\tAVAYA/SIP12x0\\xff/04.01.13.00\tAvaya\t\t04.01.13.00\t\n\
    http-ua\tMozilla/4.0 (compatible; MSIE 6.0) AVAYA/J179-4.1.3.0.6 (MAC:c81fea83e85a)\tAvaya\tJ179\t4.1.3.0.6\tc8:1f:ea:83:e8:5a\n\
    http-ua\tAVAYA/J129-4.1.3.0.6 (MAC:C81FEA83E85B)\tAvaya\tJ129\t4.1.3.0.6\tc8:1f:ea:83:e8:5b\n\
    tftp-path\t1220.cfg\tAvaya\t1220IP\t\t\n\
    tftp-path\t1230SIP.cfg\tAvaya\t1230IP\t\t\n\
    tftp-path\tJ100Supgrade.txt\tAvaya\t\t\t";

/// Look-alikes: this family stays silent.
const NOT_OURS: &str = "\
    http-ua\tAVAYA/SIP12x0\\x17/04.00.04\n\
    http-ua\tMozilla/4.0 (compatible; MSIE 6.0) AVAYA/J179-4.1.3.0.6 (MAC:c81fea83e85)\n\
    http-ua\tMozilla/4.0 (compatible; MSIE 6.0) XAVAYA/J179-4.1.3.0.6 (MAC:c81fea83e85a)\n\
    http-ua\tavaya/SIP12x0/04.01.13.00\n\
    http-ua\tYealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72\n\
    tftp-path\t1240.cfg\n\
    tftp-path\tx/1220.cfg\n\
    tftp-path\t1220.cfg.bak\n\
    dhcp-vendor\tAVAYA/SIP12x0/04.01.13.00\n\
    http-path\t/1220.cfg";

const MAC: &str = "c8:1f:ea:0a:0b:0c";

fn unescape(s: &str) -> Vec<u8> {
    crate::identify::unescape(s.as_bytes()).unwrap()
}

fn ua<'a>(ua: &'a [u8], path: &'a [u8]) -> Option<DeviceInfo<'a>> {
    Avaya.extract(&Request::Http { path, user_agent: Some(ua) })
}

fn test_plugin(j100: bool) -> Plugin {
    let info: PluginInfo = serde_json::from_value(if j100 {
        json!({"version": "1.0.0", "description": "t", "family": "avaya", "device_file": "<mac>.cfg",
               "models": {"J179": {"version": "4.1.3.0.6"}, "J129": {"version": "4.1.3.0.6"}}})
    } else {
        json!({"version": "1.0.0", "description": "t", "family": "avaya", "device_file": "SIP<MAC>.cfg",
               "models": {"1220IP": {"version": "04.01.13.00"}, "1230IP": {"version": "04.01.13.00"}}})
    })
    .unwrap();
    let id = if j100 { "wazo-avaya-4.1.3" } else { "wazo-avaya-4.1.13" };
    Plugin { id: id.into(), dir: "/nonexistent".into(), info, family: &Avaya }
}

fn device(model: Option<&str>) -> Device {
    Device {
        id: "d1".into(),
        mac: Some(Mac::parse(MAC).unwrap()),
        vendor: Some(VENDOR.into()),
        model: model.map(Into::into),
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
        let input = unescape(input);
        let info = Avaya.extract(&request(protocol, &input)).unwrap_or_else(|| panic!("{row}"));
        let field = |f: &Option<Cow<'_, str>>| f.as_deref().unwrap_or("").to_owned();
        assert_eq!([field(&info.vendor), field(&info.model), field(&info.version)], [vendor, model, version], "{row}");
        assert_eq!(info.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{row}");
        // The whole identification agrees: no other family answers.
        assert_eq!(crate::identify::identify(&request(protocol, &input)), info, "{row}");
    }
    for row in NOT_OURS.lines() {
        let (protocol, input) = row.split_once('\t').unwrap();
        let input = unescape(input);
        assert_eq!(Avaya.extract(&request(protocol, &input)), None, "{row}");
    }
}

#[test]
fn the_path_completes_the_user_agent() {
    // The 12x0's User-Agent has no model or MAC: its requests do.
    let info = ua(b"AVAYA/SIP12x0\x17/04.01.13.00", b"/1230SIP.cfg").unwrap();
    assert_eq!((info.model.as_deref(), info.mac), (Some("1230IP"), None));
    let info = ua(b"AVAYA/SIP12x0\x17/04.01.13.00", b"/SIPC81FEA0A0B0C.cfg").unwrap();
    assert_eq!((info.model, info.mac.unwrap().to_string()), (None, MAC.to_owned()));
    for path in [&b"/SIPc81fea0a0b0c.cfg"[..], b"/SIPC81FEA0A0B0.cfg", b"/XSIPC81FEA0A0B0C.cfg", b"/1240.cfg", b"/\xff"]
    {
        let info = ua(b"AVAYA/SIP12x0\x17/04.01.13.00", path).unwrap();
        assert_eq!((info.model, info.mac), (None, None), "{}", String::from_utf8_lossy(path));
    }
    // The J100 tells its model: J100Supgrade.txt does not replace it (wazo
    // made every J100 a J179 there).
    let info = ua(b"AVAYA/J129-4.1.3.0.6 (MAC:c81fea0a0b0c)", b"/J100Supgrade.txt").unwrap();
    assert_eq!(info.model.as_deref(), Some("J129"));
    // No User-Agent: nothing, whatever the path.
    assert_eq!(Avaya.extract(&Request::Http { path: b"/1220SIP.cfg", user_agent: None }), None);
    assert_eq!(ua(b"", b"/1220SIP.cfg"), None);
    assert_eq!(ua(b"\xff\xfe", b"/1220SIP.cfg"), None);
    assert_eq!(ua(b"AVAYA/", b"/"), None);
}

#[test]
fn association() {
    let (p12, pj) = (test_plugin(false), test_plugin(true));
    let info = |vendor: Option<&'static str>, model: Option<&'static str>, version: Option<&'static str>| DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    };
    assert_eq!(Avaya.associate(&p12, &info(Some("Avaya"), Some("1220IP"), Some("04.01.13.00"))), EXACT);
    assert_eq!(Avaya.associate(&p12, &info(Some("Avaya"), Some("1220IP"), Some("04.00.04.00"))), COMPLETE);
    assert_eq!(Avaya.associate(&p12, &info(Some("Avaya"), Some("J179"), None)), PROBABLE);
    assert_eq!(Avaya.associate(&pj, &info(Some("Avaya"), Some("J179"), Some("4.1.3.0.6"))), EXACT);
    assert_eq!(Avaya.associate(&pj, &info(Some("Avaya"), None, None)), PROBABLE);
    assert_eq!(Avaya.associate(&pj, &info(None, Some("J179"), None)), UNKNOWN);
    assert_eq!(Avaya.associate(&pj, &info(Some("Cisco"), Some("J179"), None)), IMPROBABLE);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let (p12, pj) = (test_plugin(false), test_plugin(true));
    let raw = || map(json!({"ip": "10.0.0.1", "http_port": 8667}));
    assert_eq!(
        Avaya.configure(&p12, &device(Some("1220IP")), &mut raw()).unwrap(),
        vec![DeviceFile::template("SIPC81FEA0A0B0C.cfg")]
    );
    assert_eq!(
        Avaya.configure(&pj, &device(Some("J179")), &mut raw()).unwrap(),
        vec![DeviceFile::template("c81fea0a0b0c.cfg")]
    );
    // No model yet: the plugin's form.
    assert_eq!(
        Avaya.configure(&pj, &device(None), &mut raw()).unwrap(),
        vec![DeviceFile::template("c81fea0a0b0c.cfg")]
    );
    assert_eq!(
        Avaya.configure(&p12, &device(None), &mut raw()).unwrap(),
        vec![DeviceFile::template("SIPC81FEA0A0B0C.cfg")]
    );
    assert_eq!(
        Avaya.configure(&pj, &device(Some("J179")), &mut map(json!({"ip": "10.0.0.1"}))),
        Err(ConfigureError::MissingParameter("http_port"))
    );
    let mut no_mac = device(Some("J179"));
    no_mac.mac = None;
    assert_eq!(Avaya.configure(&pj, &no_mac, &mut raw()), Err(ConfigureError::MissingDeviceField("mac")));
    for name in [&b"SIPC81FEA0A0B0C.cfg"[..], b"c81fea0a0b0c.cfg"] {
        assert!(Avaya.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    for name in [&b"SIPc81fea0a0b0c.cfg"[..], b"C81FEA0A0B0C.cfg", b"1220SIP.cfg", b"J100Supgrade.txt", b""] {
        assert!(!Avaya.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    let dev = device(Some("1230IP"));
    assert_eq!(Avaya.remote_state_trigger(&dev).unwrap(), "SIPC81FEA0A0B0C.cfg");
    assert!(Avaya.is_remote_state_trigger(dev.mac, Some("1230IP"), b"SIPC81FEA0A0B0C.cfg"));
    assert!(!Avaya.is_remote_state_trigger(dev.mac, Some("1230IP"), b"c81fea0a0b0c.cfg"));
    assert!(Avaya.is_remote_state_trigger(dev.mac, Some("J169"), b"c81fea0a0b0c.cfg"));
    assert!(!Avaya.is_remote_state_trigger(None, Some("J169"), b"c81fea0a0b0c.cfg"));
    assert_eq!(Avaya.remote_state_trigger(&Device::default()), None);
    assert_eq!(Avaya.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
}

#[test]
fn context_values() {
    let p = test_plugin(true);
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667, "timezone": "America/Montreal",
        "sip_proxy_ip": "10.0.0.2", "sip_proxy_port": "5070",
        "sip_lines": {"1": {"username": "u1", "auth_username": "a1", "password": "p"}}
    }));
    Avaya.configure(&p, &device(Some("J179")), &mut raw).unwrap();
    assert_eq!(raw["XX_timezone"], "TIMEZONE_OFFSET -18000");
    assert_eq!(raw["XX_utc_offset"], -18000);
    assert_eq!(
        (raw["XX_server_url_without_port"].as_str(), raw["XX_server_url_port"].as_str()),
        (Some("10.0.0.1"), Some("8667"))
    );
    assert_eq!(
        raw["XX_line"],
        json!({"username": "u1", "auth_username": "a1", "password": "p", "XX_proxy_ip": "10.0.0.2",
               "XX_proxy_port": "5070", "XX_backup_proxy_ip": "10.0.0.2", "XX_backup_proxy_port": "5070"})
    );
    // A base URL: its host and port (or the scheme's); an unknown zone
    // and no line leave their keys out.
    let mut raw = map(json!({"http_port": 8667, "http_base_url": "https://p.example/k", "timezone": "Nowhere/Land"}));
    Avaya.configure(&p, &device(Some("J179")), &mut raw).unwrap();
    assert_eq!(
        (raw["XX_server_url_without_port"].as_str(), raw["XX_server_url_port"].as_str()),
        (Some("p.example"), Some("443"))
    );
    assert!(!raw.contains_key("XX_timezone") && !raw.contains_key("XX_line"));
}

/// The bundled plugins load, name this family and give every model a
/// version, a capabilities entry and a template.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    for (id, version, models, statics) in [
        (
            "wazo-avaya-4.1.13",
            "04.01.13.00",
            &["1220IP", "1230IP"][..],
            &["1220.cfg", "1220SIP.cfg", "1230.cfg", "1230SIP.cfg"][..],
        ),
        ("wazo-avaya-4.1.3", "4.1.3.0.6", &["J129", "J139", "J159", "J169", "J179", "J189"], &["J100Supgrade.txt"]),
    ] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "avaya");
        let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
        assert_eq!(names, models);
        for (name, model) in &p.info.models {
            assert_eq!(model.version.as_deref(), Some(version), "{id} {name}");
            assert!(p.info.capabilities.contains_key(&format!("Avaya, {name}, {version}")), "{id} {name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{id} {name}.tpl");
        }
        for name in statics {
            assert!(p.tftpboot_dir().join(name).is_file(), "{id} {name}");
        }
    }
}
