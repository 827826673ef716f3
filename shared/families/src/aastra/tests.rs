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

/// The Aastra rows of the shared identification vectors, copied from
/// `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    http-ua\tAastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP\tAastra\t6731i\t3.2.0.70\t00:08:5d:23:74:29\n\
    http-ua\tAastra6739i MAC:00-08-5D-13-CA-05 V:3.0.1.2024-SIP\tAastra\t6739i\t3.0.1.2024\t00:08:5d:13:ca:05\n\
    http-ua\tAastra6739i MAC:00-08-5D-13-CA-05 V:3.2.1.1013-SIP\tAastra\t6739i\t3.2.1.1013\t00:08:5d:13:ca:05\n\
    http-ua\tAastra6735i MAC:00-08-5D-2E-A0-94 V:3.2.2.6038-SIP\tAastra\t6735i\t3.2.2.6038\t00:08:5d:2e:a0:94\n\
    http-ua\tAastra6737i MAC:00-08-5D-30-A6-CE V:3.2.2.6038-SIP\tAastra\t6737i\t3.2.2.6038\t00:08:5d:30:a6:ce\n\
    http-ua\tAastra6863i MAC:00-08-5D-40-90-5F V:4.1.0.128-SIP\tAastra\t6863i\t4.1.0.128\t00:08:5d:40:90:5f\n\
    http-ua\tMitel6915 MAC:14-00-E9-1B-E2-41 V:6.4.0.140-SIP\tAastra\t6915\t6.4.0.140\t14:00:e9:1b:e2:41\n\
    http-ua\tMitel6920 MAC:14-00-E9-1F-03-EA V:6.4.0.140-SIP\tAastra\t6920\t6.4.0.140\t14:00:e9:1f:03:ea\n\
    http-ua\tMitel6930 MAC:14-00-E9-1E-DB-52 V:6.4.0.140-SIP\tAastra\t6930\t6.4.0.140\t14:00:e9:1e:db:52";

fn ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    Aastra.extract(&Request::Http { path: b"/Aastra/aastra.cfg", user_agent: Some(ua) })
}

fn plugin(info: Value) -> Plugin {
    let info: PluginInfo = serde_json::from_value(info).unwrap();
    Plugin { id: "wazo-aastra-test".into(), dir: "/nonexistent".into(), info, family: &Aastra }
}

fn test_plugin() -> Plugin {
    plugin(json!({
        "version": "1.0.0",
        "description": "test",
        "family": "aastra",
        "language_path": "i18n/",
        "models": {
            "6731i": {"version": "3.3.1.4365", "prgkeys": 8},
            "6737i": {"version": "3.3.1.8215", "topsoftkeys": 10, "softkeys": 20,
                      "expansion_modules": 3, "expansion_module_keys": 60},
            "6867i": {"version": "8.2.0", "topsoftkeys": 20, "softkeys": 18, "softkey_blf": false,
                      "expansion_modules": 3, "expansion_module_keys": 84}
        }
    }))
}

fn device(model: &str) -> Device {
    Device {
        id: "d1".into(),
        mac: Some(Mac::parse("00:08:5d:23:74:29").unwrap()),
        vendor: Some("Aastra".into()),
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
        assert_eq!(protocol, "http-ua");
        let info = ua(input.as_bytes()).unwrap_or_else(|| panic!("{input}"));
        assert_eq!(info.vendor.as_deref(), Some(vendor), "{input}");
        assert_eq!(info.model.as_deref(), Some(model), "{input}");
        assert_eq!(info.version.as_deref(), Some(version), "{input}");
        assert_eq!(info.mac.unwrap().to_string(), mac, "{input}");
        assert!(matches!(info.model, Some(Cow::Borrowed(_))), "borrowed from the request");
    }
}

#[test]
fn short_models_and_mitel_vendor() {
    let info = ua(b"Aastra57i MAC:00-08-5D-01-02-03 V:2.6.0.1008-SIP").unwrap();
    assert_eq!(info.model.as_deref(), Some("6757i"));
    let info = ua(b"Aastra51i MAC:00-08-5D-01-02-03 V:2.6.0.1008-SIP").unwrap();
    assert_eq!(info.model.as_deref(), Some("6751i"));
    let info = ua(b"Mitel6970 MAC:14-00-E9-01-02-03 V:6.0.0.1-SIP").unwrap();
    assert_eq!(info.vendor.as_deref(), Some("Aastra"));
}

#[test]
fn garbage_never_panics() {
    let cases: &[&[u8]] = &[
        b"",
        b"Aastra",
        b"Aastra6731i",
        b"Aastra6731i MAC: V:-SIP",
        b"Aastra\xc3\xa96731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",
        b"Aastra6731i MAC:00-08-5D-23-74-29\xff V:3.2.0.70-SIP",
        b"\xff\xfe\x00Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",
        b"Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP trailing",
        b"Yealink SIP-T31G 124.85.257.55 80:5e:c0:d5:7d:72",
        b"Mozilla/5.0 (X11; Linux x86_64)",
    ];
    for c in cases {
        assert_eq!(ua(c), None, "{}", String::from_utf8_lossy(c));
    }
    // A non-UTF-8 version is dropped, the rest is kept.
    let info = ua(b"Aastra6731i MAC:00-08-5D-23-74-29 V:3.2\xff-SIP").unwrap();
    assert_eq!(info.version, None);
    assert_eq!(info.model.as_deref(), Some("6731i"));
    // Only the User-Agent counts.
    assert_eq!(Aastra.extract(&Request::Http { path: b"/Aastra/00085D237429.cfg", user_agent: None }), None);
    assert_eq!(Aastra.extract(&Request::Tftp { filename: b"00085D237429.cfg" }), None);
    assert_eq!(Aastra.extract(&Request::Dhcp { vendor_class: b"AastraIPPhone6731i" }), None);
}

#[test]
fn invalid_mac_is_no_result() {
    assert_eq!(ua(b"Aastra6731i MAC:00-08-5D-23-74 V:3.2.0.70-SIP"), None);
    assert_eq!(ua(b"Aastra6731i MAC:00-08-5D-23-74-ZZ V:3.2.0.70-SIP"), None);
    assert_eq!(ua(b"Aastra6731i MAC:nope V:3.2.0.70-SIP"), None);
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
    let a = |i| Aastra.associate(&p, &i);
    assert_eq!(a(info(Some("Aastra"), Some("6731i"), Some("3.3.1.4365"))), EXACT);
    assert_eq!(a(info(Some("Aastra"), Some("6731i"), Some("3.2.0.70"))), COMPLETE);
    assert_eq!(a(info(Some("Aastra"), Some("6731i"), None)), COMPLETE);
    assert_eq!(a(info(Some("Aastra"), Some("6757i"), Some("3.3.1.4365"))), UNKNOWN);
    assert_eq!(a(info(Some("Aastra"), None, None)), UNKNOWN);
    assert_eq!(a(info(None, Some("6731i"), None)), UNKNOWN);
    assert_eq!(a(info(Some("Yealink"), Some("6731i"), Some("3.3.1.4365"))), IMPROBABLE);
    // Extracted info goes straight in.
    let mitel = ua(b"Mitel6867i MAC:14-00-E9-01-02-03 V:8.2.0-SIP").unwrap();
    assert_eq!(Aastra.associate(&p, &mitel), EXACT);
}

fn tz_text(posix: &str) -> String {
    format_timezone(&tz::parse_posix_tz("x", posix).unwrap())
}

#[test]
fn timezone_north_america() {
    let expected = "time zone name: Custom\n\
                    time zone minutes: 300\n\
                    dst config: 3\n\
                    dst minutes: 60\n\
                    dst [start|end] relative date: 1\n\
                    dst start month: 3\n\
                    dst start hour: 2\n\
                    dst start week: 2\n\
                    dst start day: 1\n\
                    dst end month: 11\n\
                    dst end hour: 2\n\
                    dst end week: 1\n\
                    dst end day: 1";
    assert_eq!(tz_text("EST5EDT,M3.2.0,M11.1.0"), expected);
    let montreal = tz::timezone_info("America/Montreal").unwrap();
    assert_eq!(format_timezone(&montreal), expected);
}

#[test]
fn timezone_europe() {
    let expected = "time zone name: Custom\n\
                    time zone minutes: -60\n\
                    dst config: 3\n\
                    dst minutes: 60\n\
                    dst [start|end] relative date: 1\n\
                    dst start month: 3\n\
                    dst start hour: 2\n\
                    dst start week: -1\n\
                    dst start day: 1\n\
                    dst end month: 10\n\
                    dst end hour: 3\n\
                    dst end week: -1\n\
                    dst end day: 1";
    assert_eq!(tz_text("CET-1CEST,M3.5.0,M10.5.0/3"), expected);
    assert_eq!(format_timezone(&tz::timezone_info("Europe/Paris").unwrap()), expected);
}

#[test]
fn timezone_without_dst_and_odd_rules() {
    let expected = "time zone name: Custom\ntime zone minutes: -540\ndst config: 0";
    assert_eq!(tz_text("JST-9"), expected);
    assert_eq!(format_timezone(&tz::timezone_info("Asia/Tokyo").unwrap()), expected);
    assert_eq!(tz_text("<+0530>-5:30"), "time zone name: Custom\ntime zone minutes: -330\ndst config: 0");
    // Hours outside 0..=23 are clamped; half-hour DST kept.
    let greenland = tz_text("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
    assert!(greenland.contains("dst start hour: 0\n"), "{greenland}");
    assert!(tz_text("IST-2IDT,M3.4.4/26,M10.5.0").contains("dst start hour: 23\ndst start week: 4\ndst start day: 5"));
    assert!(tz_text("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0").contains("dst minutes: 30"));
    // Days of the year are absolute dates.
    let julian = tz_text("AAA3BBB,J60/2,J305");
    assert!(julian.contains("dst [start|end] relative date: 0"), "{julian}");
    assert!(julian.contains("dst start month: 3\ndst start hour: 2\ndst start day: 1"), "{julian}");
    assert!(julian.contains("dst end month: 11\ndst end hour: 2\ndst end day: 1"), "{julian}");
    assert!(tz_text("AAA3BBB,J60,M11.1.0").ends_with("dst config: 0"));
}

fn base_raw() -> Map {
    map(json!({
        "ip": "10.0.0.1",
        "http_port": 8667,
        "sip_proxy_ip": "10.0.0.2",
        "sip_registrar_ip": "10.0.0.2",
        "sip_dtmf_mode": "SIP-INFO",
        "sip_srtp_mode": "preferred",
        "sip_transport": "tls",
        "exten_voicemail": "*98",
        "sip_lines": {
            "1": {"username": "u1", "auth_username": "u1", "password": "p1", "display_name": "One",
                  "number": "1001"},
            "2": {"username": "u2", "password": "p2", "display_name": "Two", "proxy_ip": "10.0.0.9",
                  "proxy_port": 5080, "dtmf_mode": "RTP-in-band", "srtp_mode": "required", "voicemail": "*99"}
        },
        "funckeys": {}
    }))
}

#[test]
fn function_keys_6731i() {
    let p = test_plugin();
    let mut raw = base_raw();
    raw.insert(
        "funckeys".into(),
        json!({
            "2": {"type": "blf", "value": "1002", "label": "Bob", "line": 2},
            "1": {"type": "speeddial", "value": "1001"},
            "8": {"type": "park", "value": "700"},
            "9": {"type": "speeddial", "value": "1009"},
            "3": {"type": "paging", "value": "1"}
        }),
    );
    Aastra.configure(&p, &device("6731i"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_fkeys"],
        "prgkey1 type: speeddial\nprgkey1 value: 1001\nprgkey1 label: 1001\nprgkey1 line: 1\n\
         prgkey2 type: blf\nprgkey2 value: 1002\nprgkey2 label: Bob\nprgkey2 line: 2\n\
         prgkey8 type: park\nprgkey8 value: asterisk;700\nprgkey8 label: asterisk;700\nprgkey8 line: 1"
    );
    assert_eq!(
        raw["XX_parking"],
        "sip line1 park pickup config: 700;700;asterisk\nsip line2 park pickup config: 700;700;asterisk"
    );
}

#[test]
fn function_key_values_stay_on_their_line() {
    let p = test_plugin();
    let mut raw = base_raw();
    raw.insert(
        "funckeys".into(),
        json!({
            "1": {"type": "blf", "value": "1002\nadmin password: x", "label": "B\r\nob\u{2028}", "line": "2\n"},
            "2": {"type": "park", "value": "700\rsip line1 password: x"}
        }),
    );
    Aastra.configure(&p, &device("6731i"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_fkeys"],
        "prgkey1 type: blf\nprgkey1 value: 1002 admin password: x\nprgkey1 label: B  ob \nprgkey1 line: 2 \n\
         prgkey2 type: park\nprgkey2 value: asterisk;700 sip line1 password: x\n\
         prgkey2 label: asterisk;700 sip line1 password: x\nprgkey2 line: 1"
    );
    assert_eq!(
        raw["XX_parking"],
        "sip line1 park pickup config: 700 sip line1 password: x;700 sip line1 password: x;asterisk\n\
         sip line2 park pickup config: 700 sip line1 password: x;700 sip line1 password: x;asterisk"
    );
}

#[test]
fn function_keys_6867i_with_expansion_module() {
    let p = test_plugin();
    let model = p.model("6867i").unwrap();
    assert_eq!(key_name(model, 1).unwrap(), "topsoftkey1");
    assert_eq!(key_name(model, 20).unwrap(), "topsoftkey20");
    assert_eq!(key_name(model, 21).unwrap(), "softkey1");
    assert_eq!(key_name(model, 38).unwrap(), "softkey18");
    assert_eq!(key_name(model, 39).unwrap(), "expmod1 key1");
    assert_eq!(key_name(model, 38 + 84).unwrap(), "expmod1 key84");
    assert_eq!(key_name(model, 38 + 85).unwrap(), "expmod2 key1");
    assert_eq!(key_name(model, 38 + 3 * 84).unwrap(), "expmod3 key84");
    assert_eq!(key_name(model, 38 + 3 * 84 + 1), None);
    assert_eq!(key_name(model, 0), None);
    let mut raw = base_raw();
    raw.insert(
        "funckeys".into(),
        json!({
            "1": {"type": "blf", "value": "1001", "label": "Alice"},
            "21": {"type": "blf", "value": "1021"},
            "40": {"type": "blf", "value": "1040", "label": "Module"},
            "400": {"type": "speeddial", "value": "1"}
        }),
    );
    Aastra.configure(&p, &device("6867i"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_fkeys"],
        "topsoftkey1 type: blf\ntopsoftkey1 value: 1001\ntopsoftkey1 label: Alice\ntopsoftkey1 line: 1\n\
         softkey1 type: speeddial\nsoftkey1 value: 1021\nsoftkey1 label: 1021\nsoftkey1 line: 1\n\
         expmod1 key2 type: blf\nexpmod1 key2 value: 1040\nexpmod1 key2 label: Module\nexpmod1 key2 line: 1"
    );
    // BLF stays BLF on softkeys of models that can show it.
    let model = p.model("6737i").unwrap();
    let keys = json!({"11": {"type": "blf", "value": "1011"}});
    assert!(function_keys(model, Some(&keys)).starts_with("softkey1 type: blf\n"));
}

#[test]
fn unknown_model_has_no_function_keys() {
    let mut raw = base_raw();
    Aastra.configure(&test_plugin(), &device("6757i"), &mut raw).unwrap();
    assert!(!raw.contains_key("XX_fkeys"));
    let mut raw = base_raw();
    Aastra.configure(&test_plugin(), &device("6731i"), &mut raw).unwrap();
    assert_eq!(raw["XX_fkeys"], "");
    assert!(!raw.contains_key("XX_parking"));
}

#[test]
fn context_from_raw_config() {
    let p = test_plugin();
    let mut raw = base_raw();
    raw.insert("locale".into(), json!("fr_CA"));
    raw.insert("syslog_level".into(), json!("info"));
    raw.insert("timezone".into(), json!("America/Montreal"));
    raw.insert("X_xivo_phonebook_ip".into(), json!("10.0.0.3"));
    raw.insert("X_xivo_user_uuid".into(), json!("uuid-1"));
    let mut dev = device("6731i");
    dev.options = Some(map(json!({"switchboard": true})));
    let files = Aastra.configure(&p, &dev, &mut raw).unwrap();
    assert_eq!(files, vec![DeviceFile::template("Aastra/00085D237429.cfg")]);
    assert_eq!(raw["XX_out_of_band_dtmf"], "1");
    assert_eq!(raw["XX_dtmf_method"], "1");
    assert_eq!(raw["XX_locale"], json!(["lang_fr_ca.txt", "US", "French"]));
    assert_eq!(raw["XX_log_level"], "39");
    assert!(raw["XX_timezone"].as_str().unwrap().starts_with("time zone name: Custom\ntime zone minutes: 300\n"));
    assert_eq!(raw["XX_transport_proto"], "4");
    assert_eq!(
        raw["XX_xivo_phonebook_url"],
        "http://10.0.0.3:9498/0.1/directories/input/default/aastra?xivo_user_uuid=uuid-1"
    );
    assert_eq!(raw["XX_dict"]["voicemail"], "Messagerie");
    assert_eq!(raw["XX_dict"]["remote_directory"], "Annuaire");
    assert_eq!(raw["XX_options"], json!({"switchboard": true}));
    assert_eq!(raw["XX_language_path"], "i18n/");
    assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
    assert_eq!(raw["XX_download_protocol"], "HTTP");
    assert_eq!(raw["XX_download_server"], "10.0.0.1");
    assert_eq!(raw["XX_download_port"], "8667");
    assert_eq!(raw["XX_download_path"], "Aastra");
    assert!(!raw.contains_key("XX_trusted_certificates"));
    assert_eq!(
        raw["sip_lines"]["1"],
        json!({"username": "u1", "auth_username": "u1", "password": "p1", "display_name": "One",
               "number": "1001", "proxy_ip": "10.0.0.2", "proxy_port": "5060",
               "backup_proxy_ip": "0.0.0.0", "backup_proxy_port": "5060",
               "registrar_ip": "10.0.0.2", "registrar_port": "5060",
               "backup_registrar_ip": "0.0.0.0", "backup_registrar_port": "5060",
               "XX_dtmf_method": "1", "XX_srtp_mode": "1", "voicemail": "*98"})
    );
    let line2 = &raw["sip_lines"]["2"];
    assert_eq!(line2["proxy_ip"], "10.0.0.9");
    assert_eq!(line2["proxy_port"], 5080);
    assert_eq!(line2["XX_dtmf_method"], "0");
    assert_eq!(line2["XX_srtp_mode"], "2");
    assert_eq!(line2["voicemail"], "*99");
}

#[test]
fn defaults_when_raw_config_is_bare() {
    let mut raw = map(json!({"http_port": 8667, "sip_lines": {"1": {"username": "u"}}}));
    let mut dev = device("6731i");
    dev.options = None;
    Aastra.configure(&test_plugin(), &dev, &mut raw).unwrap();
    assert_eq!(raw["XX_log_level"], "1");
    assert_eq!(raw["XX_dict"]["voicemail"], "Voicemail");
    assert_eq!(raw["XX_options"], json!({}));
    for key in ["XX_out_of_band_dtmf", "XX_locale", "XX_timezone", "XX_transport_proto", "XX_server_url"] {
        assert!(!raw.contains_key(key), "{key}");
    }
    let line = &raw["sip_lines"]["1"];
    assert_eq!(line["XX_dtmf_method"], "0");
    assert_eq!(line["XX_srtp_mode"], "0");
    assert!(line.get("proxy_ip").is_none() && line.get("voicemail").is_none());
    // An unknown zone is left out rather than failing the device.
    raw.insert("timezone".into(), json!("Mars/Olympus"));
    Aastra.configure(&test_plugin(), &dev, &mut raw).unwrap();
    assert!(!raw.contains_key("XX_timezone"));
}

#[test]
fn certificate_file() {
    let mut raw = base_raw();
    raw.insert(
        "sip_servers_root_and_intermediate_certificates".into(),
        json!([
            "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----",
            "-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n"
        ]),
    );
    let files = Aastra.configure(&test_plugin(), &device("6731i"), &mut raw).unwrap();
    assert_eq!(raw["XX_trusted_certificates"], "00085D237429-ca_servers.crt");
    assert_eq!(files.len(), 2);
    assert_eq!(files[1].path, "Aastra/00085D237429-ca_servers.crt");
    assert_eq!(files[1].basename(), "00085D237429-ca_servers.crt");
    assert_eq!(
        files[1].source,
        FileSource::Bytes(
            b"-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\nBBB\n-----END CERTIFICATE-----\n"
                .to_vec()
        )
    );
    let mut raw = base_raw();
    raw.insert("sip_servers_root_and_intermediate_certificates".into(), json!("PEM\n"));
    let files = Aastra.configure(&test_plugin(), &device("6731i"), &mut raw).unwrap();
    assert_eq!(files[1].source, FileSource::Bytes(b"PEM\n".to_vec()));
    let mut raw = base_raw();
    raw.insert("sip_servers_root_and_intermediate_certificates".into(), json!([]));
    assert_eq!(Aastra.configure(&test_plugin(), &device("6731i"), &mut raw).unwrap().len(), 1);
}

#[test]
fn required_parameters() {
    let mut raw = base_raw();
    raw.remove("http_port");
    let err = Aastra.configure(&test_plugin(), &device("6731i"), &mut raw).unwrap_err();
    assert_eq!(err, ConfigureError::MissingParameter("http_port"));
    let mut raw = base_raw();
    raw.insert("http_port".into(), Value::Null);
    assert!(Aastra.configure(&test_plugin(), &device("6731i"), &mut raw).is_err());
    let mut dev = device("6731i");
    dev.mac = None;
    let err = Aastra.configure(&test_plugin(), &dev, &mut base_raw()).unwrap_err();
    assert_eq!(err, ConfigureError::MissingDeviceField("mac"));
}

#[test]
fn config_server_from_base_url() {
    let mut raw = map(json!({"XX_server_url": "https://prov.example:8443/key1/"}));
    add_config_server(&mut raw);
    assert_eq!(raw["XX_download_protocol"], "HTTPS");
    assert_eq!(raw["XX_download_server"], "prov.example");
    assert_eq!(raw["XX_download_port"], "8443");
    assert_eq!(raw["XX_download_path"], "key1/Aastra");
    assert_eq!(raw["XX_download_uri"], "https://prov.example:8443/key1/Aastra");
    let mut raw = map(json!({"XX_server_url": "http://[fd00::1]/"}));
    add_config_server(&mut raw);
    assert_eq!(raw["XX_download_server"], "fd00::1");
    assert_eq!(raw["XX_download_port"], "80");
    let mut raw = map(json!({"XX_server_url": "ftp://x"}));
    add_config_server(&mut raw);
    assert!(!raw.contains_key("XX_download_server"));
}

#[test]
fn sensitive_files_and_trigger() {
    assert!(Aastra.is_sensitive(b"00085D237429.cfg"));
    for name in [&b"00085d237429.cfg"[..], b"aastra.cfg", b"00085D237429-ca_servers.crt", b"00085D237429.cfg.bak", b""]
    {
        assert!(!Aastra.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(Aastra.remote_state_trigger(&device("6731i")).unwrap(), "00085D237429.cfg");
    assert_eq!(Aastra.remote_state_trigger(&Device::default()), None);
    assert_eq!(Aastra.sync_notify(&device("6731i")), Some(SyncNotify::CHECK_SYNC));
}

/// The bundled plugins load, name this family and give every model a
/// firmware version and a key layout.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    for id in ["wazo-aastra-3.3.1-SP4", "wazo-aastra-8.2.0"] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "aastra");
        assert!(p.info.extra["language_path"].is_string(), "{id}");
        assert!(!p.info.models.is_empty(), "{id}");
        for (name, model) in &p.info.models {
            assert!(model.version.is_some(), "{id} {name}");
            assert!(key_name(model, 1).is_some(), "{id} {name} has no keys");
            let cap = format!("Aastra, {name}, {}", model.version.as_deref().unwrap());
            assert!(p.info.capabilities.contains_key(&cap), "{id}: no capabilities {cap:?}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{id} {name}.tpl");
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
        assert!(p.tftpboot_dir().join("Aastra/aastra.cfg").is_file());
    }
}

/// Prints a realistic template context as JSON, for checking the
/// templates by hand (`cargo test ... dump_context -- --ignored --nocapture`).
#[test]
#[ignore]
fn dump_context() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    let mut out = Map::new();
    for (id, model) in [("wazo-aastra-3.3.1-SP4", "6731i"), ("wazo-aastra-8.2.0", "6867i")] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        let mut raw = base_raw();
        for (k, v) in map(json!({
            "locale": "fr_FR", "timezone": "Europe/Paris", "ntp_enabled": true, "ntp_ip": "10.0.0.4",
            "dns_enabled": true, "dns_ip": "10.0.0.5", "syslog_enabled": true, "syslog_ip": "10.0.0.6",
            "syslog_port": 514, "syslog_level": "warning", "vlan_enabled": true, "vlan_id": 20,
            "vlan_priority": 5, "admin_password": "adm", "user_password": "usr", "sip_subscribe_mwi": true,
            "exten_pickup_call": "*8", "exten_dnd": "*25", "exten_fwd_unconditional": "*21",
            "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "uuid-1",
            "sip_servers_root_and_intermediate_certificates": ["PEM"],
            "funckeys": {"1": {"type": "blf", "value": "1002", "label": "Bob"},
                         "2": {"type": "park", "value": "700"},
                         "30": {"type": "speeddial", "value": "1030"}}
        })) {
            raw.insert(k, v);
        }
        provd_core::config::apply_defaults(&mut raw);
        let mut dev = device(model);
        dev.options = Some(map(json!({"switchboard": false})));
        Aastra.configure(&p, &dev, &mut raw).unwrap();
        out.insert(format!("{id}/{model}"), Value::Object(raw));
    }
    println!("{}", serde_json::to_string_pretty(&out).unwrap());
}
