use std::borrow::Cow;

use serde_json::Value;
use serde_json::json;

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;
use provd_core::plugin::PluginInfo;

use super::*;

/// The Alcatel-Lucent rows of the shared identification vectors, copied
/// from `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    http-ua\tALE M3-CE 2.11.01.1604 3c28a620089e\tAlcatel-Lucent\tM3\t2.11.01.1604\t3c:28:a6:20:08:9e\n\
    http-ua\tALE M7-CE 2.13.02.1702 3c28a6112233\tAlcatel-Lucent\tM7\t2.13.02.1702\t3c:28:a6:11:22:33\n\
    http-ua\tALE M5 2.13.02.1702 3c28a6445566\tAlcatel-Lucent\tM5\t2.13.02.1702\t3c:28:a6:44:55:66\n\
    http-ua\tALE 8028s-GE 1.51.52.2204 487a55023075\tAlcatel-Lucent\t8028s-GE\t1.51.52.2204\t48:7a:55:02:30:75";

/// Requests that look like these phones' and are not theirs, or not in a
/// form provd reads (rows with nothing expected in `ident-vectors.tsv`).
const NOT_ALCATEL: [&str; 4] = [
    "ALE 8058s 1.51.52.2204 487a55023075",
    "ALE M3-CE 2.11.01.1604 3C28A620089E",
    "Alcatel IP Touch 4028/2.01.10",
    "Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)",
];

const MAC: &str = "3c:28:a6:0a:0b:0c";

fn http<'a>(path: &'a [u8], ua: &'a [u8]) -> Option<DeviceInfo<'a>> {
    Alcatel.extract(&Request::Http { path, user_agent: Some(ua) })
}

fn test_plugin() -> Plugin {
    let info: PluginInfo = serde_json::from_value(json!({
        "version": "1.0.0", "description": "t", "family": "alcatel",
        "models": {
            "M3": {"version": "2.13.02", "function_keys": 20},
            "M7": {"version": "2.13.02", "function_keys": 3},
            "M3 bad/name": {"version": "2.13.02"}
        }
    }))
    .unwrap();
    Plugin { id: "wazo-alcatel-2.13.02".into(), dir: "/nonexistent".into(), info, family: &Alcatel }
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
        let got =
            Alcatel.extract(&crate::vector_request(protocol, input.as_bytes())).unwrap_or_else(|| panic!("{input}"));
        assert_eq!(got.vendor.as_deref(), Some(vendor), "{input}");
        assert_eq!(got.model.as_deref(), Some(model), "{input}");
        assert_eq!(got.version.as_deref(), Some(version), "{input}");
        assert_eq!(got.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{input}");
        assert!(matches!(got.model, Some(Cow::Borrowed(_))));
    }
    for input in NOT_ALCATEL {
        assert_eq!(http(b"/config.M3.xml", input.as_bytes()), None, "{input}");
    }
}

#[test]
fn mac_argument_and_bad_input() {
    let ua = b"ALE M3-CE 2.13.02.1702 3c28a60a0b0c";
    // The User-Agent's MAC wins over the argument's.
    let got = http(b"/config.M3.xml?mac=3c28a6ffffff", ua).unwrap();
    assert_eq!(got.mac.unwrap().to_string(), MAC);
    // A User-Agent of the vendor that the pattern refuses: the argument alone.
    let got = http(b"/config.8058s.xml?x=1&mac=3c28a60a0b0c", b"ALE 8058s 1.0").unwrap();
    assert_eq!((got.vendor, got.mac.unwrap().to_string()), (None, MAC.to_owned()));
    assert_eq!(http(b"/config.8058s.xml?mac=nonsense", b"ALE 8058s 1.0"), None);
    // Another vendor's request with a `mac=` argument is not ours.
    assert_eq!(http(b"/x.xml?mac=3c28a60a0b0c", b"Yealink SIP-T46S 66.86.0.15 00:15:65:00:00:01"), None);
    assert_eq!(Alcatel.extract(&Request::Http { path: b"/x.xml?mac=3c28a60a0b0c", user_agent: None }), None);
    assert_eq!(Alcatel.extract(&Request::Tftp { filename: b"config.3c28a60a0b0c.xml" }), None);
    assert_eq!(Alcatel.extract(&Request::Dhcp { vendor_class: b"ALE M3-CE" }), None);
    for bad in [
        &b""[..],
        b"ALE",
        b"ALE M3-CE",
        b"ALE M3-CE 2.13 3c28a60a0b0c",
        b"ALE M3-CE \xff 3c28a60a0b0c",
        b"ALE M9 2.13.02.1 3c28a60a0b0c",
    ] {
        assert_eq!(http(b"/", bad), None, "{}", String::from_utf8_lossy(bad));
    }
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
    let a = |i| Alcatel.associate(&p, &i);
    assert_eq!(a(info(Some(VENDOR), Some("M3"), Some("2.13.02"))), EXACT);
    assert_eq!(a(info(Some(VENDOR), Some("M3"), Some("2.13.02.1702"))), COMPLETE);
    assert_eq!(a(info(Some(VENDOR), Some("M5"), None)), PROBABLE);
    assert_eq!(a(info(Some(VENDOR), None, None)), PROBABLE);
    assert_eq!(a(info(None, Some("M3"), None)), UNKNOWN);
    assert_eq!(a(info(Some("Snom"), Some("M3"), None)), IMPROBABLE);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let p = test_plugin();
    let dev = device("M3");
    let raw = || map(json!({"ip": "10.0.0.1", "http_port": 8667}));
    assert_eq!(Alcatel.configure(&p, &dev, &mut raw()).unwrap(), [DeviceFile::template("config.3c28a60a0b0c.xml")]);
    let common = Alcatel.common_files(&p, &raw()).unwrap();
    let paths: Vec<&str> = common.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["config.M3.xml", "config.M7.xml"], "a model that cannot name a file is left out");
    assert_eq!(common[0].template, "common/config.model.xml.tpl");
    assert_eq!(common[0].context["XX_model"], "M3");
    assert_eq!(common[0].context["XX_server_url"], "http://10.0.0.1:8667");
    for name in [&b"config.3c28a60a0b0c.xml"[..], b"config.3c28a60a0b0c.xml.bak"] {
        assert!(Alcatel.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    for name in [&b"config.3C28A60A0B0C.xml"[..], b"config.M3.xml", b"3c28a60a0b0c.xml", b"config.", b""] {
        assert!(!Alcatel.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(Alcatel.remote_state_trigger(&dev).unwrap(), "config.3c28a60a0b0c.xml");
    assert_eq!(Alcatel.remote_state_trigger(&Device::default()), None);
    assert!(Alcatel.is_remote_state_trigger(dev.mac, None, b"config.3c28a60a0b0c.xml"));
    assert!(!Alcatel.is_remote_state_trigger(dev.mac, None, b"config.M3.xml"));
    assert!(!Alcatel.is_remote_state_trigger(dev.mac, None, b"3c28a60a0b0c.xml"));
    assert!(!Alcatel.is_remote_state_trigger(None, None, b"config.3c28a60a0b0c.xml"));
    assert_eq!(Alcatel.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
    // What the phones' files need.
    let mut no_mac = device("M3");
    no_mac.mac = None;
    assert_eq!(Alcatel.configure(&p, &no_mac, &mut raw()), Err(ConfigureError::MissingDeviceField("mac")));
    let mut no_model = device("M3");
    no_model.model = None;
    assert_eq!(Alcatel.configure(&p, &no_model, &mut raw()), Err(ConfigureError::MissingDeviceField("model")));
    assert_eq!(Alcatel.configure(&p, &dev, &mut Map::new()), Err(ConfigureError::MissingParameter("http_port")));
}

#[test]
fn context_values() {
    let p = test_plugin();
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667, "locale": "fr_CA", "timezone": "America/Montreal",
        "sip_proxy_ip": "10.0.0.2", "sip_backup_proxy_ip": "10.0.0.3", "exten_voicemail": "*98",
        "sip_dtmf_mode": "RTP-out-of-band",
        "X_xivo_phonebook_ip": "10.0.0.7", "X_xivo_user_uuid": "u-1",
        "sip_lines": {"1": {"username": "u1", "dtmf_mode": "SIP-INFO"}, "2": {"username": "u2", "proxy_ip": "10.0.0.9"}},
        "funckeys": {
            "3": {"type": "speeddial", "value": "1003", "label": "Carol"},
            "1": {"type": "blf", "value": "1001", "label": "Alice"},
            "2": {"type": "park", "value": "701"},
            "07": {"type": "blf", "value": "x"}
        }
    }));
    let mut dev = device("M7");
    dev.options = Some(map(json!({"switchboard": true})));
    Alcatel.configure(&p, &dev, &mut raw).unwrap();
    assert_eq!(raw["XX_lang"], 1);
    assert_eq!(raw["XX_timezone"], "-5:00");
    assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
    assert_eq!(raw["XX_options"], json!({"switchboard": true}));
    assert_eq!(
        raw["XX_xivo_phonebook_url"],
        "http://10.0.0.7:9498/0.1/directories/input/default/snom?xivo_user_uuid=u-1"
    );
    assert_eq!(
        raw["sip_lines"]["1"],
        json!({"username": "u1", "dtmf_mode": "SIP-INFO", "proxy_ip": "10.0.0.2", "backup_proxy_ip": "10.0.0.3",
               "voicemail": "*98", "XX_user_dtmf_info": 4})
    );
    assert_eq!(raw["sip_lines"]["2"]["XX_user_dtmf_info"], 2);
    assert_eq!(raw["sip_lines"]["2"].get("backup_proxy_ip"), None, "its own proxy, not the global backup");
    // M7 has 3 keys here: positions 2 and 3 (key number + 1).
    assert_eq!(
        raw["XX_fkeys"],
        json!([
            {"position": 2, "type": 59, "label": "Alice", "value": "1001", "extension": "1001"},
            {"position": 3, "type": 1, "label": "", "value": "701", "extension": "701"}
        ])
    );
    // Defaults: English, no zone, no keys on a model without a count.
    let mut raw =
        map(json!({"http_port": 8667, "timezone": "Nowhere/Else", "funckeys": {"1": {"type": "blf", "value": "1"}}}));
    Alcatel.configure(&p, &device("M5"), &mut raw).unwrap();
    assert_eq!((&raw["XX_lang"], &raw["XX_fkeys"], &raw["XX_options"]), (&json!(0), &json!([]), &json!({})));
    assert!(!raw.contains_key("XX_timezone") && !raw.contains_key("XX_server_url"));
    assert_eq!(
        (offset_text(19800), offset_text(-12600), offset_text(0)),
        ("+5:30".into(), "-3:30".into(), "+0:00".into())
    );
}

/// The bundled plugins load, name this family and give every model a
/// version, a key count, a capabilities entry and a template.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    for (id, models) in [("wazo-alcatel-1.51.52", &["8028s-GE"][..]), ("wazo-alcatel-2.13.02", &["M3", "M5", "M7"])] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "alcatel");
        let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
        assert_eq!(names, models);
        for (name, model) in &p.info.models {
            let version = model.version.as_deref().unwrap();
            assert!(id.ends_with(version), "{name}");
            assert!(model.get_u64("function_keys").is_some(), "{name}");
            assert!(p.info.capabilities.contains_key(&format!("Alcatel-Lucent, {name}, {version}")), "{name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{name}.tpl");
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
        assert!(p.templates_dir().join("common/config.model.xml.tpl").is_file());
    }
}
