//! The Htek family's unit tests: identification vectors and bad input,
//! association, the files and template values `configure` gives, and the
//! bundled plugin.

use std::borrow::Cow;

use serde_json::{Value, json};

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;

use super::*;

/// The Htek rows of the shared identification vectors, copied from
/// `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    http-ua\tHtek UC903 2.0.4.2 00:1f:c1:1c:22:a9\tHtek\tUC903\t2.0.4.2\t00:1f:c1:1c:22:a9\n\
    http-ua\tHtek UC926 2.0.4.2 00:1f:c1:00:00:00\tHtek\tUC926\t2.0.4.2\t00:1f:c1:00:00:00\n\
    http-ua\tHtek UC924 2.0.4.6.41 00:1f:c1:aa:bb:cc\tHtek\tUC924\t2.0.4.6.41\t00:1f:c1:aa:bb:cc\n\
    http-ua\tHtek UC912G 2.0.4.4.58 00:1f:c1:12:34:56\tHtek\tUC912G\t2.0.4.4.58\t00:1f:c1:12:34:56\n\
    http-ua\tHtek UC926 2.0.4.6.41 not-a-mac\tHtek\tUC926\t2.0.4.6.41\t\n\
    http-ua\tHtek UC926 2.0.4.6.41\t\t\t\t\n\
    http-ua\tHTEK UC926 2.0.4.6.41 00:1f:c1:aa:bb:cc\t\t\t\t\n\
    http-ua\tHtek  UC926 2.0.4.6.41 00:1f:c1:aa:bb:cc\t\t\t\t\n\
    http-path\t/cfg001fc1aabbcc.xml\t\t\t\t";

const MAC: &str = "00:1f:c1:0a:0b:0c";

fn ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    Htek.extract(&Request::Http { path: b"/cfg0010.xml", user_agent: Some(ua) })
}

fn plugin() -> Plugin {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    crate::plugins::load(&root.join("wazo-htek-2.0.4.6.41")).unwrap()
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

fn configured(model: &str, raw: Value) -> Map {
    let mut raw = raw.as_object().unwrap().clone();
    Htek.configure(&plugin(), &device(model), &mut raw).unwrap();
    raw
}

#[test]
fn every_vector_extracts() {
    for row in VECTORS.lines() {
        let [protocol, input, vendor, model, version, mac] = row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        let request = crate::vector_request(protocol, input.as_bytes());
        let got = crate::identify::identify(&request);
        let mine = Htek.extract(&request).unwrap_or_default();
        for info in [&got, &mine] {
            assert_eq!(info.vendor.as_deref().unwrap_or(""), vendor, "{input}");
            assert_eq!(info.model.as_deref().unwrap_or(""), model, "{input}");
            assert_eq!(info.version.as_deref().unwrap_or(""), version, "{input}");
            assert_eq!(info.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{input}");
        }
    }
}

#[test]
fn user_agent_bad_input() {
    let got = ua(b"Htek UC926 2.0.4.6.41 00:1f:c1:0a:0b:0c").unwrap();
    assert!(matches!((&got.model, &got.version), (Some(Cow::Borrowed(_)), Some(Cow::Borrowed(_)))));
    // Other MAC forms the MAC parser takes.
    assert_eq!(ua(b"Htek UC926 2 001FC10A0B0C").unwrap().mac.unwrap().to_string(), MAC);
    // A field that is not text is dropped, the others kept.
    let odd = ua(b"Htek UC\xff926 2.0.4.6.41 00:1f:c1:0a:0b:0c").unwrap();
    assert_eq!(
        (odd.vendor.as_deref(), odd.model, odd.mac.map(|m| m.to_string())),
        (Some(VENDOR), None, Some(MAC.into()))
    );
    for bad in [
        &b""[..],
        b"Htek",
        b"Htek ",
        b"Htek UC926",
        b"Htek UC926 2.0.4.6.41 00:1f:c1:0a:0b:0c ",
        b" Htek UC926 2.0.4.6.41 00:1f:c1:0a:0b:0c",
        b"Htek UC926 2.0.4.6.41 00:1f:c1:0a:0b:0c extra",
        b"Fanvil X4 2.10.2.6887 0c383e07e16c",
        b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72",
    ] {
        assert_eq!(ua(bad), None, "{}", String::from_utf8_lossy(bad));
    }
    // Only the User-Agent counts.
    assert_eq!(Htek.extract(&Request::Http { path: b"/cfg001fc10a0b0c.xml", user_agent: None }), None);
    assert_eq!(Htek.extract(&Request::Tftp { filename: b"cfg001fc10a0b0c.xml" }), None);
    assert_eq!(Htek.extract(&Request::Dhcp { vendor_class: b"Htek UC926" }), None);
}

#[test]
fn association() {
    let p = plugin();
    let info = |vendor: Option<&'static str>, model: Option<&'static str>, version: Option<&'static str>| DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    };
    let a = |i| Htek.associate(&p, &i);
    assert_eq!(a(info(Some("Htek"), Some("UC926"), Some("2.0.4.6.41"))), EXACT);
    assert_eq!(a(info(Some("Htek"), Some("UC926"), Some("2.0.4.2"))), COMPLETE);
    assert_eq!(a(info(Some("Htek"), Some("UC926"), None)), COMPLETE);
    assert_eq!(a(info(Some("Htek"), Some("UC862"), Some("2.0.4.6.41"))), PROBABLE);
    assert_eq!(a(info(Some("Htek"), None, None)), PROBABLE);
    assert_eq!(a(info(None, Some("UC926"), None)), UNKNOWN);
    assert_eq!(a(info(Some("Fanvil"), Some("UC926"), None)), IMPROBABLE);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let p = plugin();
    let dev = device("UC926");
    let files = Htek.configure(&p, &dev, &mut json!({"http_port": 8667}).as_object().unwrap().clone()).unwrap();
    assert_eq!(files, vec![DeviceFile::template("cfg001fc10a0b0c.xml")]);
    for name in [&b"cfg001fc10a0b0c.xml"[..], b"cfg001fc10a0b0c.xml.bak"] {
        assert!(Htek.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    for name in [&b"cfg001FC10A0B0C.xml"[..], b"cfg0010.xml", b"001fc10a0b0c.xml", b"cfg001fc10a0b0c.xm", b""] {
        assert!(!Htek.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(Htek.remote_state_trigger(&dev).as_deref(), Some("cfg001fc10a0b0c.xml"));
    assert_eq!(Htek.remote_state_trigger(&Device::default()), None);
    assert!(Htek.is_remote_state_trigger(dev.mac, None, b"cfg001fc10a0b0c.xml"));
    for name in [&b"001fc10a0b0c.xml"[..], b"cfg001FC10A0B0C.xml", b"cfg001fc10a0b0c.xml.bak", b"cfg"] {
        assert!(!Htek.is_remote_state_trigger(dev.mac, None, name), "{}", String::from_utf8_lossy(name));
    }
    assert!(!Htek.is_remote_state_trigger(None, None, b"cfg001fc10a0b0c.xml"));
    assert_eq!(Htek.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
    let mut empty = Map::new();
    assert_eq!(Htek.configure(&p, &dev, &mut empty), Err(ConfigureError::MissingParameter("http_port")));
    let mut no_mac = device("UC926");
    no_mac.mac = None;
    let mut raw = json!({"http_port": 8667}).as_object().unwrap().clone();
    assert_eq!(Htek.configure(&p, &no_mac, &mut raw), Err(ConfigureError::MissingDeviceField("mac")));
}

#[test]
fn context_values() {
    let raw = configured(
        "UC903",
        json!({
            "ip": "10.0.0.1", "http_port": 8667, "locale": "fr_CA", "timezone": "America/Montreal",
            "sip_proxy_ip": "10.0.0.2", "sip_proxy_port": 5070, "sip_dtmf_mode": "RTP-in-band",
            "sip_transport": "tls", "exten_voicemail": "*98",
            "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "u-1",
            "sip_lines": {"1": {"username": "u1", "number": "1001"}, "7": {"username": "u7", "dtmf_mode": "SIP-INFO",
                          "proxy_ip": "10.0.0.9"}, "17": {"username": "u17"}}
        }),
    );
    assert_eq!((&raw["XX_lang"], &raw["XX_country"]), (&json!("French"), &json!(28)));
    assert_eq!(raw["XX_timezone_code"], 18);
    assert_eq!(raw["XX_sip_transport"], "2");
    assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
    assert_eq!(
        raw["XX_xivo_phonebook_url"],
        "http://10.0.0.3:9498/0.1/directories/lookup/default/htek?xivo_user_uuid=u-1"
    );
    let line1 = &raw["sip_lines"]["1"];
    assert_eq!(
        (&line1["XX_line_no"], &line1["XX_dtmf_type"], &line1["proxy_ip"], &line1["proxy_port"], &line1["voicemail"]),
        (&json!(1), &json!("1"), &json!("10.0.0.2"), &json!(5070), &json!("*98"))
    );
    assert_eq!(line1["XX_account"]["user"], 35);
    assert_eq!(line1["XX_account"]["password"], 34);
    let line7 = &raw["sip_lines"]["7"];
    assert_eq!((&line7["XX_dtmf_type"], &line7["proxy_ip"]), (&json!("2"), &json!("10.0.0.9")));
    assert_eq!((&line7["XX_account"]["active"], &line7["XX_account"]["user"]), (&json!(24090), &json!(24110)));
    assert_eq!(raw["sip_lines"]["17"].get("XX_account"), None, "16 accounts");
    // Time zones by standard offset; unknown offsets and zones as UTC-5.
    for (zone, code) in [("Europe/Paris", 49), ("America/St_Johns", 26), ("Asia/Kolkata", 84), ("Etc/UTC", 33)] {
        assert_eq!(timezone_code(zone), code, "{zone}");
    }
    assert_eq!(timezone_code("Asia/Kathmandu"), 18);
    assert_eq!(timezone_code("Nowhere/Town"), 18);
    // Nothing set: UTC, UDP, no locale, no phonebook.
    let raw = configured("UC902", json!({"http_port": 8667}));
    assert_eq!((&raw["XX_timezone_code"], &raw["XX_sip_transport"]), (&json!(33), &json!("0")));
    assert!(!raw.contains_key("XX_lang") && !raw.contains_key("XX_xivo_phonebook_url"));
    assert!(!raw.contains_key("XX_fkeys"), "the UC902 has no line keys");
}

#[test]
fn line_keys() {
    assert_eq!(key_params(1, 0), (41200, 20600));
    assert_eq!(key_params(4, 2), (41403, 20603));
    assert_eq!(key_params(5, 1), (20201, 20604));
    assert_eq!(key_params(36, 4), (20359, 20635));
    assert_eq!(key_params(37, 0), (23000, 23000));
    assert_eq!(key_params(40, 3), (23018, 23018));
    let raw = configured(
        "UC912",
        json!({
            "http_port": 8667,
            "sip_lines": {"1": {"username": "u1", "number": "1001"}},
            "funckeys": {
                "1": {"type": "speeddial", "value": "9"},
                "2": {"type": "blf", "value": "1002", "label": "Bob"},
                "3": {"type": "park", "value": "701", "label": "P"},
                "4": {"type": "paging", "value": "1"},
                "13": {"type": "blf", "value": "1013"}
            }
        }),
    );
    let keys = raw["XX_fkeys"].as_object().unwrap();
    assert_eq!(keys.len(), 12, "the UC912's line keys, no more");
    let summary = |n: &str| {
        let k = &keys[n];
        (k["type"]["val"].clone(), k["value"]["val"].clone(), k["label"]["val"].clone(), k["type"]["p_nb"].clone())
    };
    assert_eq!(summary("1"), (json!(1), json!(""), json!("1001"), json!(41200)), "line 1 takes key 1");
    assert_eq!(summary("2"), (json!(3), json!("1002"), json!("Bob"), json!(41201)));
    assert_eq!(summary("3"), (json!(8), json!("701"), json!("P"), json!(41202)));
    assert_eq!(summary("4"), (json!(0), json!("1"), json!(""), json!(41203)));
    assert_eq!(summary("5"), (json!(0), json!(""), json!(""), json!(20200)));
    assert_eq!(keys["2"]["extension"], json!({"p_nb": 41601, "val": "1002"}));
    assert_eq!(keys["2"]["mode"], json!({"p_nb": 20601}));
}

#[test]
fn common_files_once_per_name() {
    let base = json!({"ip": "10.0.0.1", "http_port": 8667}).as_object().unwrap().clone();
    let files = Htek.common_files(&plugin(), &base).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["cfg0010.xml", "cfg0012.xml", "cfg0013.xml", "cfg0016.xml", "cfg0017.xml", "cfg0019.xml"]);
    assert!(files.iter().all(|f| f.template == "common/model.tpl"));
    assert_eq!(files[0].context["XX_server_url"], "http://10.0.0.1:8667");
    let mut odd = plugin();
    odd.info.models["UC926"].extra["common_file"] = json!("../cfg0010.xml");
    assert_eq!(Htek.common_files(&odd, &base).unwrap().len(), 5);
}

/// The bundled plugin loads, names this family and gives every model a
/// version, a capabilities entry, a template and a common file.
#[test]
fn bundled_plugin() {
    let p = plugin();
    assert_eq!(p.info.family, "htek");
    let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
    assert_eq!(names, ["UC926", "UC924", "UC923", "UC912", "UC912G", "UC903", "UC902"]);
    for (name, model) in &p.info.models {
        assert_eq!(model.version.as_deref(), Some("2.0.4.6.41"), "{name}");
        assert!(p.info.capabilities.contains_key(&format!("Htek, {name}, 2.0.4.6.41")), "{name}");
        assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{name}.tpl");
        assert!(model.get_str("common_file").is_some_and(|f| identify::is_common_file_name(f.as_bytes())), "{name}");
    }
    assert!(p.templates_dir().join("base.tpl").is_file());
    assert!(p.templates_dir().join("common/model.tpl").is_file());
}

/// Every simulated phone is recognised from its first request, assigned
/// the plugin named, and asks for its model's common file.
#[test]
fn simulated_phones() {
    use crate::phones::Phones;
    let plugins = [plugin()];
    for m in Htek.models() {
        let mac = [0x00, 0x1f, 0xc1, 1, 2, 3];
        let ua = Htek.user_agent(m.name, m.version, mac);
        let info = crate::identify::identify(&Request::Http { path: b"/", user_agent: Some(ua.as_bytes()) });
        assert_eq!(info.model.as_deref(), Some(m.name), "{ua}");
        assert_eq!(crate::identify::best_plugin(&plugins, &info).map(|p| p.id.as_str()), Some(m.plugin), "{ua}");
        let steps = Htek.boot(m.name, m.version, mac);
        let own = plugins[0].model(m.name).and_then(|x| x.get_str("common_file"));
        assert_eq!(Some(steps[0].path.as_str()), own, "{}", m.name);
        assert_eq!(steps[1].path, "cfg001fc1010203.xml");
    }
}
