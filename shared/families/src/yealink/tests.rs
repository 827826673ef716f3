use std::borrow::Cow;

use serde_json::Value;
use serde_json::json;

use provd_core::Map;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;
use provd_core::plugin::PluginInfo;
use provd_core::tz::{self};

use super::*;

fn http_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    Yealink.extract(&Request::Http { path: b"/", user_agent: Some(ua) })
}

fn http_path(path: &[u8]) -> Option<DeviceInfo<'_>> {
    Yealink.extract(&Request::Http { path, user_agent: None })
}

fn mac(s: &str) -> Mac {
    Mac::parse(s).unwrap()
}

/// The Yealink rows of the shared identification vectors, copied as
/// they are (tab-separated: protocol, input, vendor, model, version,
/// mac; an empty field is "not extracted").
const VECTORS: &str = "\
http-ua\tyealink SIP-T18 18.0.0.80 00:15:65:27:3e:05\tYealink\tT18\t18.0.0.80\t00:15:65:27:3e:05
http-ua\tYealink SIP-T21P 34.72.0.1 00:15:65:4c:4c:26\tYealink\tT21P\t34.72.0.1\t00:15:65:4c:4c:26
http-ua\tYealink SIP-T22P 7.72.0.30 00:15:65:39:31:fc\tYealink\tT22P\t7.72.0.30\t00:15:65:39:31:fc
http-ua\tYealink SIP-T23G 44.80.0.60 00:15:65:93:70:f2\tYealink\tT23G\t44.80.0.60\t00:15:65:93:70:f2
http-ua\tYealink SIP-T26P 6.72.0.30 00:15:65:4b:57:d2\tYealink\tT26P\t6.72.0.30\t00:15:65:4b:57:d2
http-ua\tYealink SIP-T27P 45.80.0.25 00:15:65:8c:48:12\tYealink\tT27P\t45.80.0.25\t00:15:65:8c:48:12
http-ua\tYealink SIP-T40P 54.80.0.10 00:15:65:94:86:64\tYealink\tT40P\t54.80.0.10\t00:15:65:94:86:64
http-ua\tYealink SIP-T41P 36.72.0.1 00:15:65:53:83:22\tYealink\tT41P\t36.72.0.1\t00:15:65:53:83:22
http-ua\tYealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37\tYealink\tT46G\t28.72.0.1\t00:15:65:4a:a9:37
http-ua\tYealink SIP-T48G 35.72.0.6 00:15:65:5c:60:82\tYealink\tT48G\t35.72.0.6\t00:15:65:5c:60:82
http-ua\tYealink SIP VP-T49G 51.80.0.10 00:15:65:9b:5a:44\tYealink\tT49G\t51.80.0.10\t00:15:65:9b:5a:44
http-ua\tYealink W52P 25.80.0.15 00:15:65:b8:60:05\tYealink\tW52P\t25.80.0.15\t00:15:65:b8:60:05
http-ua\tYealink-T46G 28.71.0.81 28.1.0.128.0.0.0\tYealink\tT46G\t28.71.0.81\t
http-ua\tVP530P 23.70.0.40 00:15:65:31:4b:c0\tYealink\tVP530P\t23.70.0.40\t00:15:65:31:4b:c0
http-ua\tYealink CP960 73.83.0.30 00:15:65:8a:37:86\tYealink\tCP960\t73.83.0.30\t00:15:65:8a:37:86
http-ua\tYealink SIP-T42G 29.83.0.120 00:15:65:4c:3b:b0\tYealink\tT42G\t29.83.0.120\t00:15:65:4c:3b:b0
http-ua\tYealink SIP-T58A 58.83.0.15 00:15:65:9b:5b:22\tYealink\tT58A\t58.83.0.15\t00:15:65:9b:5b:22
http-ua\tYealink W80B 103.83.0.90 80:5e:c0:71:01:38\tYealink\tW80B\t103.83.0.90\t80:5e:c0:71:01:38
http-ua\tYealink SIP-T31G 124.85.257.55 80:5e:c0:d5:7d:72\tYealink\tT31G\t124.85.257.55\t80:5e:c0:d5:7d:72
http-ua\tYealink W90DM 130.85.0.15 80:5e:c0:d9:c7:44\tYealink\tW90DM\t130.85.0.15\t80:5e:c0:d9:c7:44
http-ua\tYealink W70B 146.85.0.5 80:5e:0c:1d:65:4e\tYealink\tW70B\t146.85.0.5\t80:5e:0c:1d:65:4e
http-ua\tYealink W70B 146.87.0.15 80:5e:0c:1d:65:4e\tYealink\tW70B\t146.87.0.15\t80:5e:0c:1d:65:4e
http-ua\tYealink W75B 175.87.0.10 24:9a:d8:df:fb:11\tYealink\tW75B\t175.87.0.10\t24:9a:d8:df:fb:11
http-ua\tYealink SIP-CP920 78.85.0.5 00:15:65:5e:16:7c\tYealink\tCP920\t78.85.0.5\t00:15:65:5e:16:7c
http-ua\tYealink SIP-T20P 9.72.0.30 00:15:6525ef16a7c\tYealink\tT20P\t9.72.0.30\t
http-path\t/805ec0123456.cfg\tYealink\t\t\t80:5e:c0:12:34:56
";

#[test]
fn identification_vectors() {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    for row in VECTORS.lines() {
        let [proto, input, vendor, model, version, mac_s]: [&str; 6] =
            row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        let got = match proto {
            "http-ua" => http_ua(input.as_bytes()),
            "http-path" => http_path(input.as_bytes()),
            other => panic!("unexpected protocol {other}"),
        }
        .unwrap_or_else(|| panic!("{input}: nothing extracted"));
        assert_eq!(got.vendor.as_deref().map(str::to_owned), opt(vendor), "{input}");
        assert_eq!(got.model.as_deref().map(str::to_owned), opt(model), "{input}");
        assert_eq!(got.version.as_deref().map(str::to_owned), opt(version), "{input}");
        assert_eq!(got.mac, opt(mac_s).map(|m| mac(&m)), "{input}");
        assert_eq!((got.sn, got.uuid), (None, None), "{input}");
    }
    assert_eq!(VECTORS.lines().count(), 26);
}

#[test]
fn other_user_agent_forms() {
    let cases: &[(&str, &str, &str)] = &[
        ("Yealink SIP-T34W 124.86.0.75 24:9a:d8:88:d0:f4", "T34W", "124.86.0.75"),
        ("Yealink SIP-T21P_E2 52.80.0.3 00:15:65:4c:4c:26", "T21P_E2", "52.80.0.3"),
        ("Yealink W60B 77.81.0.35 80:5e:c0:09:ab:dc", "W60B", "77.81.0.35"),
        ("W60B 77.81.0.35 80:5e:c0:09:ab:dc", "W60B", "77.81.0.35"),
        ("W52P 25.73.0.40 00:15:65:b8:60:05", "W52P", "25.73.0.40"),
        ("VP530 23.70.0.40 00:15:65:31:4b:c0", "VP530", "23.70.0.40"),
        ("Yealink W80DM 103.83.0.122 24:9a:d8:d1:a6:31", "W80DM", "103.83.0.122"),
        ("Yealink W90B 130.85.0.44 24:9a:d8:d1:a6:31", "W90B", "130.85.0.44"),
        ("Yealink W75DM 175.85.0.5 24:9a:d8:df:fb:11", "W75DM", "175.85.0.5"),
        ("Yealink CP860 37.72.0.5 00:15:65:8a:37:86", "CP860", "37.72.0.5"),
        ("Yealink AX83H 180.86.0.5 44:db:d2:01:02:03", "AX83H", "180.86.0.5"),
        ("Yealink AX86R 180.87.0.15 44:db:d2:01:02:03", "AX86R", "180.87.0.15"),
    ];
    for &(ua, model, version) in cases {
        let got = http_ua(ua.as_bytes()).unwrap_or_else(|| panic!("{ua}"));
        assert_eq!((got.model.as_deref(), got.version.as_deref()), (Some(model), Some(version)), "{ua}");
        assert!(got.mac.is_some(), "{ua}");
    }
    for ua in [
        "Mozilla/5.0 Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37",
        "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37 extra",
        "Yealink W52B 25.80.0.15 00:15:65:b8:60:05",
        "Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",
        "Yealink",
    ] {
        assert_eq!(http_ua(ua.as_bytes()), None, "{ua}");
    }
}

#[test]
fn non_ascii_user_agents_never_panic() {
    // The captures stay ASCII; other bytes only make the UA not match.
    assert_eq!(http_ua(b"Yealink SIP-T46\xffG 28.72.0.1 00:15:65:4a:a9:37"), None);
    assert_eq!(http_ua("Yealink SIP-Té6G 28.72.0.1 00:15:65:4a:a9:37".as_bytes()), None);
    assert_eq!(http_ua(b"\xff\xfe\x00"), None);
    assert_eq!(http_ua(b"Yealink\xa0SIP-T46G 28.72.0.1 00:15:65:4a:a9:37"), None);
    let got = http_ua(b"Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37").unwrap();
    assert!(matches!(got.model, Some(Cow::Borrowed("T46G"))), "borrowed from the request");
}

#[test]
fn path_without_user_agent() {
    for (path, expected) in [
        ("/001565123456.cfg", "00:15:65:12:34:56"),
        ("/e434d7123456.cfg", "e4:34:d7:12:34:56"),
        ("/805e0c123456.cfg", "80:5e:0c:12:34:56"),
        ("/249ad8123456.cfg", "24:9a:d8:12:34:56"),
        ("/44dbd2ABCDEF.cfg", "44:db:d2:ab:cd:ef"),
        ("/f01653123456.cfg?x=1", "f0:16:53:12:34:56"),
    ] {
        let got = http_path(path.as_bytes()).unwrap_or_else(|| panic!("{path}"));
        assert_eq!(got, DeviceInfo { vendor: Some("Yealink".into()), mac: Some(mac(expected)), ..Default::default() });
    }
    let w52p = http_path(b"/y000000000025.cfg").unwrap();
    assert_eq!((w52p.vendor.as_deref(), w52p.model.as_deref(), w52p.mac), (Some("Yealink"), Some("W52P"), None));
    for path in [
        "/000b82123456.cfg",
        "/e434d7jabd",
        "/e434d7zz3456.cfg",
        "/001565123456.boot",
        "/y000000000000.cfg",
        "/dir/001565123456.cfg",
        "/",
        "",
    ] {
        assert_eq!(http_path(path.as_bytes()), None, "{path}");
    }
    // An empty User-Agent counts as none.
    let req = Request::Http { path: b"/001565123456.cfg", user_agent: Some(b"") };
    assert!(Yealink.extract(&req).is_some());
    // A User-Agent wins over the path.
    let req = Request::Http { path: b"/001565123456.cfg", user_agent: Some(b"curl/8.0") };
    assert_eq!(Yealink.extract(&req), None);
    assert_eq!(Yealink.extract(&Request::Tftp { filename: b"001565123456.cfg" }), None);
    assert_eq!(Yealink.extract(&Request::Dhcp { vendor_class: b"yealink" }), None);
}

fn plugin(models: Value, extra: Value) -> Plugin {
    let mut info = json!({"version": "1.0.0", "description": "test", "family": "yealink", "models": models});
    if let (Value::Object(i), Value::Object(e)) = (&mut info, extra) {
        i.extend(e);
    }
    Plugin {
        id: "wazo-yealink-test".into(),
        dir: "/nonexistent".into(),
        info: serde_json::from_value::<PluginInfo>(info).unwrap(),
        family: &Yealink,
    }
}

fn test_plugin() -> Plugin {
    plugin(
        json!({
            "T33G": {"version": "124.86.0.75", "lines": 4, "linekeys": 12,
                     "firmware": "T31(T30,T30P,T31G,T31P,T33P,T33G)-124.86.0.75.rom"},
            "T46S": {"version": "66.86.0.15", "lines": 16, "linekeys": 27, "expansion_module": "EXP40",
                     "expansion_modules": 6, "expansion_module_keys": 40},
            "T54W": {"version": "96.86.0.45", "lines": 16, "linekeys": 27, "handsets": true},
            "W90DM": {"version": "130.85.0.44", "handsets": true},
            "M1": {"version": "1.0", "linekeys": 2, "memorykeys": 2, "expansion_modules": 2,
                   "expansion_module_keys": 3}
        }),
        json!({"handsets_fw": {"w56h": "W56H-61.85.0.20.rom"}}),
    )
}

fn info<'a>(vendor: Option<&'a str>, model: Option<&'a str>, version: Option<&'a str>) -> DeviceInfo<'a> {
    DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    }
}

#[test]
fn association() {
    let p = test_plugin();
    let score = |v, m, ver| Yealink.associate(&p, &info(v, m, ver));
    assert_eq!(score(Some("Yealink"), Some("T33G"), Some("124.86.0.75")), EXACT);
    assert_eq!(score(Some("Yealink"), Some("T33G"), Some("124.85.0.40")), COMPLETE);
    assert_eq!(score(Some("Yealink"), Some("T33G"), None), COMPLETE);
    assert_eq!(score(Some("Yealink"), Some("T99X"), Some("1.0")), PROBABLE);
    assert_eq!(score(Some("Yealink"), None, None), PROBABLE);
    assert_eq!(score(Some("DoesNotMatch"), Some("NothingPhone"), Some("1.2.3")), IMPROBABLE);
    assert_eq!(score(Some(""), Some(""), Some("")), IMPROBABLE);
    assert_eq!(score(None, Some("T33G"), Some("124.86.0.75")), UNKNOWN);
    // A model entry without a version is never an exact match.
    let bare = plugin(json!({"T33G": {}}), json!({}));
    assert_eq!(Yealink.associate(&bare, &info(Some("Yealink"), Some("T33G"), None)), COMPLETE);
}

#[test]
fn files_sensitivity_and_trigger() {
    let device = Device { mac: Some(mac("80:5e:c0:d5:7d:72")), ..Default::default() };
    assert_eq!(Yealink.remote_state_trigger(&device).as_deref(), Some("805ec0d57d72.cfg"));
    assert_eq!(Yealink.remote_state_trigger(&Device::default()), None);
    assert!(Yealink.is_sensitive(b"805ec0d57d72.cfg"));
    assert!(Yealink.is_sensitive(b"805ec0d57d72.cfg.bak"), "no end anchor, as wazo");
    assert!(!Yealink.is_sensitive(b"805EC0D57D72.cfg"));
    assert!(!Yealink.is_sensitive(b"patate"));
    assert!(!Yealink.is_sensitive(b"y000000000000.cfg"));
    assert!(!Yealink.is_sensitive(b""));
    assert_eq!(Yealink.sync_notify(&device), Some(SyncNotify::CHECK_SYNC));
}

fn map(v: Value) -> Map {
    v.as_object().unwrap().clone()
}

fn device(model: &str) -> Device {
    Device {
        mac: Some(mac("80:5e:c0:d5:7d:72")),
        vendor: Some("Yealink".into()),
        model: Some(model.into()),
        ..Default::default()
    }
}

#[test]
fn configure_requires_http_port_and_mac() {
    let p = test_plugin();
    let mut raw = map(json!({"sip_lines": {}}));
    assert_eq!(Yealink.configure(&p, &device("T33G"), &mut raw), Err(ConfigureError::MissingParameter("http_port")));
    let mut raw = map(json!({"http_port": 8667}));
    assert_eq!(Yealink.configure(&p, &Device::default(), &mut raw), Err(ConfigureError::MissingDeviceField("mac")));
    let mut raw = map(json!({"http_port": "8667", "ip": "10.0.0.1"}));
    let files = Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    assert_eq!(files, vec![DeviceFile::template("805ec0d57d72.cfg")]);
    assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
    assert_eq!(raw["XX_sip_transport"], "0");
    assert_eq!(raw["XX_options"], json!({}));
    assert_eq!(raw["XX_fw_filename"], "T31(T30,T30P,T31G,T31P,T33P,T33G)-124.86.0.75.rom");
}

fn zone(name: &str) -> String {
    timezone_lines(&tz::timezone_info(name).unwrap())
}

#[test]
fn timezones() {
    assert_eq!(
        zone("America/Montreal"),
        "local_time.time_zone = -5\nlocal_time.summer_time = 1\nlocal_time.dst_time_type = 1\n\
         local_time.start_time = 3/2/7/2\nlocal_time.end_time = 11/1/7/2\nlocal_time.offset_time = 60"
    );
    assert_eq!(zone("America/Regina"), "local_time.time_zone = -6\nlocal_time.summer_time = 0");
    assert_eq!(zone("Asia/Kolkata"), "local_time.time_zone = +5:30\nlocal_time.summer_time = 0");
    assert_eq!(zone("Asia/Kathmandu"), "local_time.time_zone = +5:45\nlocal_time.summer_time = 0");
    assert_eq!(zone("UTC"), "local_time.time_zone = +0\nlocal_time.summer_time = 0");
    // The POSIX rule's week 5 means "last", which is what Yealink's week
    // 5 means too; wazo's tests pin 10/4/7/4, the 2025 date's week.
    assert_eq!(
        zone("Europe/Bucharest"),
        "local_time.time_zone = +2\nlocal_time.summer_time = 1\nlocal_time.dst_time_type = 1\n\
         local_time.start_time = 3/5/7/3\nlocal_time.end_time = 10/5/7/4\nlocal_time.offset_time = 60"
    );
    assert!(zone("America/St_Johns").starts_with("local_time.time_zone = -3:30\n"));
    assert!(zone("Pacific/Kiritimati").starts_with("local_time.time_zone = +12\n"), "clamped");
}

#[test]
fn dst_rules_outside_the_day_and_by_date() {
    let rule = |s: &str| timezone_lines(&tz::parse_posix_tz("x", s).unwrap());
    // Greenland: last Sunday of March at -1:00 is Saturday 23:00.
    let nuuk = rule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    assert!(nuuk.contains("start_time = 3/5/6/23\n"), "{nuuk}");
    assert!(nuuk.contains("end_time = 10/5/7/0\n"), "{nuuk}");
    let by_date = rule("AAA3BBB,J60/2,300");
    assert!(by_date.contains("dst_time_type = 0\n"), "{by_date}");
    assert!(by_date.contains("start_time = 03/01/02\n"), "{by_date}");
    assert!(by_date.contains("end_time = 10/28/02\n"), "{by_date}");
    let half_hour_save = rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
    assert!(half_hour_save.starts_with("local_time.time_zone = +10:30\n"));
    assert!(half_hour_save.ends_with("offset_time = 30"));
}

#[test]
fn configure_timezone_and_locale() {
    let p = test_plugin();
    let mut raw = map(json!({"http_port": 8667, "timezone": "America/Montreal", "locale": "en_US"}));
    Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    assert!(raw["XX_timezone"].as_str().unwrap().starts_with("local_time.time_zone = -5\n"));
    assert_eq!(
        (&raw["XX_lang"], &raw["XX_country"], &raw["XX_handset_lang"]),
        (&json!("English"), &json!("United States"), &json!("0"))
    );
    let mut raw = map(json!({"http_port": 8667, "timezone": "Doesnt/Exist", "locale": "ja_JP"}));
    Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    for key in ["XX_timezone", "XX_lang", "XX_country", "XX_handset_lang"] {
        assert!(!raw.contains_key(key), "{key}");
    }
}

#[test]
fn sip_lines_shape() {
    let p = test_plugin();
    let base = json!({
        "http_port": 8667,
        "sip_dtmf_mode": "SIP-INFO",
        "exten_voicemail": "*98",
        "sip_proxy_ip": "1.1.1.1",
        "sip_proxy_port": "5080",
        "sip_lines": {"1": {"number": "5888"}},
    });
    let mut raw = map(base.clone());
    Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_sip_lines"],
        json!({
            "1": {
                "number": "5888", "XX_line_no": 1, "XX_dtmf_type": "2", "voicemail": "*98",
                "proxy_ip": "1.1.1.1", "proxy_port": "5080", "XX_srtp_encryption": 0, "XX_template_id": 1,
            },
            "2": null, "3": null, "4": null,
        })
    );
    assert_eq!(raw["sip_lines"]["1"], raw["XX_sip_lines"]["1"]);
    assert_eq!(
        raw["XX_templates"],
        json!({"1": {"id": 1, "proxy_ip": "1.1.1.1", "proxy_port": "5080",
                     "backup_proxy_ip": null, "backup_proxy_port": null}})
    );
    // Unknown model (or no account count): the configured lines as they are.
    for model in ["patate", "W90DM"] {
        let mut raw = map(base.clone());
        Yealink.configure(&p, &device(model), &mut raw).unwrap();
        assert_eq!(raw["XX_sip_lines"], raw["sip_lines"], "{model}");
    }
}

#[test]
fn sip_lines_servers_and_srtp() {
    let p = test_plugin();
    let mut raw = map(json!({
        "http_port": 8667,
        "sip_transport": "tls",
        "sip_srtp_mode": "disabled",
        "sip_proxy_ip": "10.0.0.1",
        "sip_backup_proxy_ip": "10.0.0.2",
        "sip_outbound_proxy_ip": "10.0.0.9",
        "sip_lines": {
            "1": {"number": "autoprov", "dtmf_mode": "RTP-out-of-band"},
            "2": {"number": "1002", "proxy_ip": "10.0.0.5", "proxy_port": 5061},
            "3": {"number": "1003", "proxy_ip": null},
        },
    }));
    Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    let lines = &raw["XX_sip_lines"];
    assert_eq!(raw["XX_sip_transport"], "2");
    assert_eq!(lines["1"]["XX_srtp_encryption"], 0, "autoprov line stays plain");
    assert_eq!(lines["2"]["XX_srtp_encryption"], 2);
    assert_eq!(lines["1"]["XX_dtmf_type"], "1");
    assert!(lines["2"].get("XX_dtmf_type").is_none());
    assert_eq!(lines["1"]["backup_proxy_ip"], "10.0.0.2");
    assert!(lines["2"].get("backup_proxy_ip").is_none(), "own proxy, no global backup");
    assert_eq!(lines["3"]["backup_proxy_ip"], "10.0.0.2");
    assert_eq!(lines["1"]["outbound_proxy_ip"], "10.0.0.9");
    assert_eq!(lines["3"]["proxy_ip"], "10.0.0.1", "null counts as unset");
    assert_eq!(
        (&lines["1"]["XX_template_id"], &lines["2"]["XX_template_id"], &lines["3"]["XX_template_id"]),
        (&json!(1), &json!(2), &json!(1))
    );
    assert_eq!(raw["XX_templates"]["2"]["proxy_port"], 5061);
    let mut raw = map(json!({"http_port": 8667, "sip_srtp_mode": "preferred",
                             "sip_lines": {"1": {"number": "1"}, "2": {"number": "2", "srtp_mode": "required"}}}));
    Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    assert_eq!(
        (&raw["XX_sip_lines"]["1"]["XX_srtp_encryption"], &raw["XX_sip_lines"]["2"]["XX_srtp_encryption"]),
        (&json!(1), &json!(2))
    );
}

fn null_keys(prefix: &str, range: std::ops::RangeInclusive<u32>) -> String {
    range
        .map(|n| {
            format!(
                "{prefix}{n}.type = 0\n{prefix}{n}.line = %NULL%\n{prefix}{n}.value = %NULL%\n{prefix}{n}.label = %NULL%\n"
            )
        })
        .collect()
}

const SPEED_BLF_PARK: &str = "\
linekey.1.type = 13
linekey.1.line = 1
linekey.1.value = test_speed_dial
linekey.1.label = Test Speed dial
linekey.2.type = 16
linekey.2.line = 1
linekey.2.value = test_blf
linekey.2.label = Test blf
linekey.2.extension = 1234
linekey.3.type = 10
linekey.3.line = 1
linekey.3.value = test_park
linekey.3.label = Test Park
";

fn fkeys_raw(funckeys: Value) -> Map {
    map(json!({
        "http_port": 8667,
        "funckeys": funckeys,
        "sip_lines": {"1": {"number": "5888"}},
        "exten_pickup_call": "1234",
    }))
}

fn base_funckeys() -> Value {
    json!({
        "1": {"type": "speeddial", "value": "test_speed_dial", "label": "Test Speed dial"},
        "2": {"type": "blf", "value": "test_blf", "label": "Test blf"},
        "3": {"type": "park", "value": "test_park", "label": "Test Park"},
    })
}

#[test]
fn function_keys_on_line_keys() {
    let p = test_plugin();
    let mut fk = base_funckeys();
    fk["4"] = json!({"type": "other", "value": "test"});
    let mut raw = fkeys_raw(fk);
    Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    assert_eq!(raw["XX_fkeys"], format!("{SPEED_BLF_PARK}{}", null_keys("linekey.", 4..=12)));
    // Unknown model: no keys at all.
    let mut raw = fkeys_raw(base_funckeys());
    Yealink.configure(&p, &device("T32G"), &mut raw).unwrap();
    assert_eq!(raw["XX_fkeys"], "");
}

#[test]
fn function_keys_line_recording_and_values() {
    let p = test_plugin();
    let mut raw = map(json!({
        "http_port": 8667,
        "exten_park": "700",
        "sip_lines": {"2": {"number": "1002"}, "3": {}},
        "funckeys": {
            "1": {"type": "speeddial", "value": "*3", "line": 2},
            "4": {"type": "park"},
            "5": {"type": "blf", "value": "1005", "label": "a\nlinekey.9.type = 13"},
            "6": {"type": "speeddial"},
        },
    }));
    Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    let expected = format!(
        "linekey.1.type = 11\nlinekey.1.line = 2\nlinekey.1.value = *3\nlinekey.1.label = \n\
         linekey.2.type = 15\nlinekey.2.line = 2\nlinekey.2.value = 1002\nlinekey.2.label = 1002\n\
         linekey.3.type = 15\nlinekey.3.line = 3\nlinekey.3.value = %NULL%\nlinekey.3.label = %NULL%\n\
         linekey.4.type = 10\nlinekey.4.line = 1\nlinekey.4.value = 700\nlinekey.4.label = \n\
         linekey.5.type = 16\nlinekey.5.line = 1\nlinekey.5.value = 1005\nlinekey.5.label = a linekey.9.type = 13\n\
         {}",
        null_keys("linekey.", 6..=12)
    );
    assert_eq!(raw["XX_fkeys"], expected);
}

#[test]
fn function_keys_on_expansion_modules() {
    let p = test_plugin();
    // Nothing on a module: line keys only.
    let mut raw = fkeys_raw(base_funckeys());
    Yealink.configure(&p, &device("T46S"), &mut raw).unwrap();
    assert_eq!(raw["XX_fkeys"], format!("{SPEED_BLF_PARK}{}", null_keys("linekey.", 4..=27)));
    // A key on the second module writes modules 1 and 2 in full.
    let mut fk = base_funckeys();
    fk["27"] = json!({"type": "speeddial", "value": "27"});
    fk["28"] = json!({"type": "speeddial", "value": "28"});
    fk["107"] = json!({"type": "speeddial", "value": "107"});
    let mut raw = fkeys_raw(fk);
    Yealink.configure(&p, &device("T46S"), &mut raw).unwrap();
    let text = raw["XX_fkeys"].as_str().unwrap();
    assert_eq!(text.lines().filter(|l| l.ends_with(".type = 0")).count(), 27 + 80 - 3 - 3);
    assert!(text.contains("linekey.27.type = 13\nlinekey.27.line = 1\nlinekey.27.value = 27\n"));
    assert!(text.contains(
        "expansion_module.1.key.1.type = 13\nexpansion_module.1.key.1.line = 1\nexpansion_module.1.key.1.value = 28\n"
    ));
    assert!(text.contains("expansion_module.2.key.40.type = 13\nexpansion_module.2.key.40.line = 1\nexpansion_module.2.key.40.value = 107\n"));
    assert!(text.ends_with("expansion_module.2.key.40.label = \n"));
    assert!(!text.contains("expansion_module.3."));
    // Beyond the last module: ignored.
    let mut fk = base_funckeys();
    fk["268"] = json!({"type": "speeddial", "value": "x"});
    let mut raw = fkeys_raw(fk);
    Yealink.configure(&p, &device("T46S"), &mut raw).unwrap();
    assert!(!raw["XX_fkeys"].as_str().unwrap().contains("expansion_module"));
}

#[test]
fn key_layout_with_memory_keys() {
    let p = test_plugin();
    let mut raw = fkeys_raw(json!({"9": {"type": "speeddial", "value": "9"}}));
    Yealink.configure(&p, &device("M1"), &mut raw).unwrap();
    let prefixes: Vec<&str> = raw["XX_fkeys"].as_str().unwrap().lines().filter(|l| l.contains(".type = ")).collect();
    assert_eq!(
        prefixes,
        [
            "linekey.1.type = 15",
            "linekey.2.type = 0",
            "memorykey.1.type = 0",
            "memorykey.2.type = 0",
            "expansion_module.1.key.1.type = 0",
            "expansion_module.1.key.2.type = 0",
            "expansion_module.1.key.3.type = 0",
            "expansion_module.2.key.1.type = 0",
            "expansion_module.2.key.2.type = 13",
            "expansion_module.2.key.3.type = 0",
        ]
    );
}

#[test]
fn context_urls_firmware_and_options() {
    let p = test_plugin();
    let mut raw = map(json!({
        "http_port": 8667,
        "http_base_url": "https://prov.example:8443",
        "X_xivo_phonebook_ip": "10.0.0.1",
        "X_xivo_user_uuid": "u-1",
        "syslog_enabled": true,
        "syslog_level": "info",
    }));
    let mut dev = device("T54W");
    dev.options = Some(map(json!({"switchboard": true})));
    Yealink.configure(&p, &dev, &mut raw).unwrap();
    assert_eq!(
        raw["XX_xivo_phonebook_url"],
        "http://10.0.0.1:9498/0.1/directories/lookup/default/yealink?xivo_user_uuid=u-1&term=#SEARCH"
    );
    assert_eq!(
        raw["XX_wazo_phoned_user_service_dnd_enabled_url"],
        "http://10.0.0.1:9498/0.1/yealink/users/u-1/services/dnd/enable"
    );
    assert_eq!(
        raw["XX_wazo_phoned_user_service_dnd_disabled_url"],
        "http://10.0.0.1:9498/0.1/yealink/users/u-1/services/dnd/disable"
    );
    assert_eq!(raw["XX_server_url"], "https://prov.example:8443");
    assert_eq!(raw["XX_server_url_without_scheme"], "prov.example:8443");
    assert_eq!(raw["XX_options"], json!({"switchboard": true}));
    assert_eq!(raw["XX_handsets_fw"], json!({"w56h": "W56H-61.85.0.20.rom"}));
    assert_eq!(raw["XX_syslog_level"], 6);
    assert!(!raw.contains_key("XX_fw_filename"), "T54W has no firmware entry here");
    let mut raw = map(json!({"http_port": 8667}));
    Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
    assert!(!raw.contains_key("XX_handsets_fw"));
    assert!(!raw.contains_key("XX_xivo_phonebook_url"));
}

const DEMO_RAW: &str = r#"{
"ip": "10.0.0.1", "http_port": 8667, "http_base_url": "http://10.0.0.1:8667",
"ntp_enabled": true, "ntp_ip": "10.0.0.1",
"vlan_enabled": true, "vlan_id": 100, "vlan_priority": 5, "vlan_pc_port_id": 200,
"syslog_enabled": true, "syslog_ip": "10.0.0.7", "syslog_port": 514, "syslog_level": "warning",
"admin_username": "admin", "admin_password": "s3cret", "user_username": "user", "user_password": "u5er",
"timezone": "America/Montreal", "locale": "fr_CA", "protocol": "SIP",
"sip_proxy_ip": "10.0.0.1", "sip_proxy_port": 5060, "sip_backup_proxy_ip": "10.0.0.2",
"sip_registrar_ip": "10.0.0.1", "sip_dtmf_mode": "RTP-out-of-band", "sip_srtp_mode": "disabled",
"sip_transport": "udp", "sip_subscribe_mwi": true, "exten_voicemail": "*98", "exten_pickup_call": "*8",
"exten_park": "700",
"sip_lines": {
    "1": {"username": "abcd1234", "auth_username": "abcd1234", "password": "p4ss", "display_name": "Alice Doe",
          "number": "1001", "registrar_ip": "10.0.0.1"},
    "2": {"username": "efgh5678", "auth_username": "efgh5678", "password": "p4ss2", "display_name": "Alice 2",
          "number": "1002", "proxy_ip": "10.0.0.3", "proxy_port": 5070}
},
"funckeys": {
    "3": {"type": "speeddial", "value": "1234", "label": "Bob"},
    "4": {"type": "blf", "value": "1005", "label": "Carol", "line": 1},
    "5": {"type": "park", "value": "701", "label": "Park 1"}
},
"X_xivo_phonebook_ip": "10.0.0.1", "X_xivo_user_uuid": "0f8c7a9e-0000-4000-8000-000000000001",
"sccp_call_managers": {}
}"#;

/// Prints the context `configure` builds for a realistic device, for
/// rendering the bundled templates outside Rust:
/// `cargo test -p provd-shared yealink::tests::dump_context -- --ignored --nocapture`.
#[test]
#[ignore]
fn dump_context() {
    let model = std::env::var("YEALINK_MODEL").unwrap_or_else(|_| "T46S".into());
    let plugin_dir = std::env::var("YEALINK_PLUGIN").unwrap_or_else(|_| "../plugins/wazo-yealink-v86".into());
    let p = crate::plugins::load(std::path::Path::new(&plugin_dir)).unwrap();
    // Another raw config can be given as a JSON file.
    let raw_json = match std::env::var("YEALINK_RAW") {
        Ok(path) => std::fs::read_to_string(path).unwrap(),
        Err(_) => DEMO_RAW.to_owned(),
    };
    let mut raw: Map = serde_json::from_str(&raw_json).unwrap();
    provd_core::config::apply_defaults(&mut raw);
    let mut dev = device(&model);
    dev.options = Some(map(json!({"switchboard": false})));
    Yealink.configure(&p, &dev, &mut raw).unwrap();
    let out = serde_json::to_string_pretty(&raw).unwrap();
    match std::env::var("YEALINK_OUT") {
        Ok(path) => std::fs::write(path, out).unwrap(),
        Err(_) => println!("{out}"),
    }
}
