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

/// The Polycom rows of the shared identification vectors, copied from
/// `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
const VECTORS: &str = "\
    http-ua\tFileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.1.0078\tPolycom\tSPIP335\t3.2.1.0078\t\n\
    http-ua\tFileTransport PolycomSoundPointIP-SPIP_335-UA/4.2.1.0275\tPolycom\tSPIP335\t4.2.1.0275\t";

const MAC: &str = "00:04:f2:ab:cd:ef";

fn http<'a>(path: &'a [u8], ua: &'a [u8]) -> Option<DeviceInfo<'a>> {
    Polycom.extract(&Request::Http { path, user_agent: Some(ua) })
}

fn plugin(id: &str, info: Value) -> Plugin {
    let info: PluginInfo = serde_json::from_value(info).unwrap();
    Plugin { id: id.into(), dir: "/nonexistent".into(), info, family: &Polycom }
}

fn ucs_plugin() -> Plugin {
    plugin(
        "wazo-polycom-5.9.2",
        json!({
            "version": "1.0.0", "description": "t", "family": "polycom", "generation": "ucs",
            "models": {
                "VVX101": {"version": "5.9.2", "function_keys": 2},
                "VVX400": {"version": "5.9.2", "function_keys": 12, "expansion_modules": 3,
                           "expansion_module_keys": 40},
                "VVX1500": {"version": "5.9.2", "function_keys": 6}
            }
        }),
    )
}

fn sip3_plugin() -> Plugin {
    plugin(
        "wazo-polycom-3.2.4B",
        json!({
            "version": "1.0.0", "description": "t", "family": "polycom", "generation": "sip3",
            "common_files": ["000000000000.cfg", "common.cfg"],
            "models": {
                "SPIP335": {"version": "3.2.4.0267"},
                "SPIP650": {"version": "3.2.4.0267", "function_keys": 47},
                "VVX1500": {"version": "3.2.4.0244"}
            }
        }),
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

fn info(model: Option<&'static str>, version: Option<&'static str>) -> DeviceInfo<'static> {
    DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    }
}

#[test]
fn every_vector_extracts() {
    for row in VECTORS.lines() {
        let [protocol, input, vendor, model, version, mac] = row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        assert_eq!(protocol, "http-ua");
        // The User-Agent alone, as `provd identify --ua` asks (path `/`).
        let got = http(b"/", input.as_bytes()).unwrap_or_else(|| panic!("{input}"));
        assert_eq!(got.vendor.as_deref(), Some(vendor), "{input}");
        assert_eq!(got.model.as_deref(), Some(model), "{input}");
        assert_eq!(got.version.as_deref(), Some(version), "{input}");
        assert_eq!(got.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{input}");
        assert!(matches!(got.model, Some(Cow::Borrowed(_))), "known models are not allocated");
        assert!(matches!(got.version, Some(Cow::Borrowed(_))));
    }
}

#[test]
fn version_is_kept_only_for_sip_application_files() {
    let ua = b"FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446 Type/Application";
    for path in [
        &b"/common.cfg"[..],
        b"/phone1.cfg",
        b"/sip.cfg",
        b"/0004f2abcdef-phone.cfg",
        b"/0004f2abcdef-license.cfg",
        b"/0004f2abcdef-directory.xml",
        b"/0004f2abcdef-app.log",
        b"/prov/common.cfg?x=1",
    ] {
        let got = http(path, ua).unwrap();
        assert_eq!(got.version.as_deref(), Some("5.9.2.3446"), "{}", String::from_utf8_lossy(path));
        assert_eq!(got.model.as_deref(), Some("VVX400"));
    }
    for path in [
        &b"/000000000000.cfg"[..],
        b"/0004f2abcdef.cfg",
        b"/0004f2abcdef-user.cfg",
        b"/0004f2abcdef-boot.log",
        b"/sip.ld",
        b"/3111-46135-002.sip.ld",
        b"/common.cfg.bak",
        b"/mycommon.cfg",
        b"/VVXLocalization/French_France/",
    ] {
        let got = http(path, ua).unwrap();
        assert_eq!(got.version, None, "{}", String::from_utf8_lossy(path));
        assert_eq!(got.vendor.as_deref(), Some(VENDOR));
    }
}

#[test]
fn a_path_naming_no_file_keeps_the_version() {
    let ua = b"FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446 Type/Application";
    for path in [&b"/"[..], b"", b"/?x=1"] {
        assert_eq!(http(path, ua).unwrap().version.as_deref(), Some("5.9.2.3446"));
    }
}

#[test]
fn mac_in_path() {
    let ua = b"FileTransport PolycomVVX-VVX_101-UA/5.4.3.1014 Type/Application";
    for suffix in ["-user.cfg", ".cfg", "-boot.log", "-phone.cfg", "-license.cfg", "-directory.xml", "-app.log"] {
        let path = format!("/0004f2abcdef{suffix}");
        let got = http(path.as_bytes(), ua).unwrap();
        assert_eq!(got.mac.unwrap().to_string(), "00:04:f2:ab:cd:ef", "{path}");
        assert_eq!(got.model.as_deref(), Some("VVX101"));
    }
    let got = http(b"/dir/0004f2abcdef-user.cfg?k=v", ua).unwrap();
    assert_eq!(got.mac.unwrap().to_string(), "00:04:f2:ab:cd:ef");
    for path in [
        &b"/000000000000.cfg"[..],
        b"/000000000000-user.cfg",
        b"/0004F2ABCDEF-user.cfg",
        b"/x0004f2abcdef-user.cfg",
        b"/0004f2abcde-user.cfg",
        b"/0004f2abcdeg-user.cfg",
        b"/0004f2abcdef-user.cfg.tmp",
        b"/0004f2abcdef-contacts.xml",
        b"0004f2abcdef-user.cfg",
    ] {
        let got = http(path, ua).unwrap();
        assert_eq!(got.mac, None, "{}", String::from_utf8_lossy(path));
        assert_eq!(got.model.as_deref(), Some("VVX101"), "the UA still counts");
    }
}

#[test]
fn serial_number_tag_gives_the_mac() {
    let ua = b"FileTransport PolycomVVX-VVX_410-UA/5.4.1.14510 (SN:0004f2abcdef) Type/Application";
    let got = http(b"/000000000000.cfg", ua).unwrap();
    assert_eq!(got.mac.unwrap().to_string(), "00:04:f2:ab:cd:ef");
    // The path wins over the tag.
    let got = http(b"/0004f2000001-user.cfg", ua).unwrap();
    assert_eq!(got.mac.unwrap().to_string(), "00:04:f2:00:00:01");
    for ua in [
        &b"FileTransport PolycomVVX-VVX_410-UA/5.4.1 (SN:0004f2abcde) Type/Application"[..],
        b"FileTransport PolycomVVX-VVX_410-UA/5.4.1 (SN:0004f2abcdefa) Type/Application",
        b"FileTransport PolycomVVX-VVX_410-UA/5.4.1 (SN:nothexnothex) Type/Application",
        b"FileTransport PolycomVVX-VVX_410-UA/5.4.1 (SN:0004f2abcd",
    ] {
        let got = http(b"/000000000000.cfg", ua).unwrap();
        assert_eq!(got.mac, None, "{}", String::from_utf8_lossy(ua));
    }
}

#[test]
fn models_and_odd_user_agents() {
    let cases: [(&[u8], Option<&str>, bool); 6] = [
        (b"FileTransport PolycomSoundStationIP-SSIP_6000-UA/5.0.3.1667 Type/Updater", Some("SSIP6000"), true),
        (b"FileTransport PolycomVVX-VVX_1500-UA/5.9.2.1 Type/Application", Some("VVX1500"), true),
        (b"FileTransport PolycomVVX-VVX_999-UA/7.0.0.1 Type/Application", Some("VVX999"), false),
        (b"FileTransport PolycomRealPresenceTrio-Trio_8800-UA/5.9.0", Some("Trio8800"), false),
        (b"FileTransport PolycomVVX-VVX400-UA/5.9.2", Some("VVX400"), true),
        (b"FileTransport PolycomX--UA/1.0", None, true),
    ];
    for (ua, model, borrowed) in cases {
        let got = http(b"/common.cfg", ua).unwrap();
        assert_eq!(got.vendor.as_deref(), Some(VENDOR));
        assert_eq!(got.model.as_deref(), model, "{}", String::from_utf8_lossy(ua));
        if model.is_some() {
            assert_eq!(matches!(got.model, Some(Cow::Borrowed(_))), borrowed, "{}", String::from_utf8_lossy(ua));
        }
    }
}

#[test]
fn bad_input_never_panics() {
    let none: &[&[u8]] = &[
        b"FileTransport",
        b"FileTransport Polycom",
        b"FileTransport PolycomVVX-VVX_400-UA/",
        b"FileTransport Polycom\xc3\xa9-VVX_400-UA/5.9.2",
        b"\xff\xfeFileTransport PolycomVVX-VVX_400-UA/5.9.2",
        b"Mozilla/5.0 (X11; Linux x86_64)",
        b"Yealink SIP-T31G 124.85.257.55 80:5e:c0:d5:7d:72",
    ];
    for ua in none {
        assert_eq!(http(b"/0004f2abcdef-user.cfg", ua), None, "{}", String::from_utf8_lossy(ua));
    }
    // Non-ASCII after the version: what precedes it is still told.
    let got = http(b"/0004f2abcdef-app.log", b"FileTransport PolycomVVX-VVX_400-UA/5.9.2.1\xff\xfe Type/\xc3").unwrap();
    assert_eq!(got.model.as_deref(), Some("VVX400"));
    assert_eq!(got.version.as_deref(), Some("5.9.2.1"));
    assert_eq!(got.mac.unwrap().to_string(), "00:04:f2:ab:cd:ef");
    // Non-ASCII in the path.
    let got = http(b"/\xff\xfe-user.cfg", b"FileTransport PolycomVVX-VVX_400-UA/5.9.2").unwrap();
    assert_eq!(got.mac, None);
    assert_eq!(Polycom.extract(&Request::Dhcp { vendor_class: b"Polycom-VVX400\x00\x00" }), None);
}

#[test]
fn without_user_agent_only_the_mac_of_polycom_files() {
    let tftp = |name: &'static [u8]| Polycom.extract(&Request::Tftp { filename: name });
    assert_eq!(tftp(b"0004f2abcdef-user.cfg").unwrap().mac.unwrap().to_string(), "00:04:f2:ab:cd:ef");
    assert_eq!(tftp(b"/0004f2abcdef-directory.xml").unwrap().mac.unwrap().to_string(), "00:04:f2:ab:cd:ef");
    let only_mac = tftp(b"0004f2abcdef-phone.cfg").unwrap();
    assert_eq!((only_mac.vendor, only_mac.model, only_mac.version), (None, None, None));
    // `<mac>.cfg` is every vendor's name; the master file is no phone.
    for name in [&b"0004f2abcdef.cfg"[..], b"000000000000.cfg", b"000000000000-user.cfg", b"sip.ld", b""] {
        assert_eq!(tftp(name), None, "{}", String::from_utf8_lossy(name));
    }
    let no_ua = Polycom.extract(&Request::Http { path: b"/0004f2abcdef-user.cfg", user_agent: None });
    assert_eq!(no_ua.unwrap().mac.unwrap().to_string(), "00:04:f2:ab:cd:ef");
    let empty_ua = Polycom.extract(&Request::Http { path: b"/0004f2abcdef.cfg", user_agent: Some(b"") });
    assert_eq!(empty_ua, None);
    // An empty User-Agent is no User-Agent.
    let empty_ua = Polycom.extract(&Request::Http { path: b"/0004f2abcdef-app.log", user_agent: Some(b"") });
    assert_eq!(empty_ua.unwrap().mac.unwrap().to_string(), "00:04:f2:ab:cd:ef");
}

#[test]
fn association_ucs_is_501_whatever_the_version() {
    let p = ucs_plugin();
    assert_eq!(Polycom.associate(&p, &info(Some("VVX400"), Some("5.9.2"))), COMPLETE + 1);
    assert_eq!(Polycom.associate(&p, &info(Some("VVX400"), Some("4.1.4.7430"))), COMPLETE + 1);
    assert_eq!(Polycom.associate(&p, &info(Some("VVX400"), None)), COMPLETE + 1);
    assert_eq!(Polycom.associate(&p, &info(Some("SPIP335"), None)), PROBABLE);
    assert_eq!(Polycom.associate(&p, &info(None, None)), PROBABLE);
    assert_eq!(Polycom.associate(&p, &DeviceInfo::default()), UNKNOWN);
    let other = DeviceInfo { vendor: Some(Cow::Borrowed("Yealink")), ..info(Some("VVX400"), None) };
    assert_eq!(Polycom.associate(&p, &other), IMPROBABLE);
}

#[test]
fn association_sip3_wants_the_exact_version() {
    let p = sip3_plugin();
    assert_eq!(Polycom.associate(&p, &info(Some("SPIP335"), Some("3.2.4.0267"))), EXACT);
    assert_eq!(Polycom.associate(&p, &info(Some("SPIP335"), Some("3.2.1.0078"))), COMPLETE);
    assert_eq!(Polycom.associate(&p, &info(Some("SPIP335"), None)), COMPLETE);
    assert_eq!(Polycom.associate(&p, &info(Some("VVX1500"), Some("3.2.4.0244"))), EXACT);
    assert_eq!(Polycom.associate(&p, &info(Some("VVX1500"), Some("3.2.4.0267"))), COMPLETE);
    assert_eq!(Polycom.associate(&p, &info(Some("VVX400"), None)), PROBABLE);
}

#[test]
fn which_plugin_version_wins() {
    let plugins = [sip3_plugin(), ucs_plugin()];
    let best = |i: DeviceInfo<'_>| crate::identify::best_plugin(&plugins, &i).map(|p| p.id.clone());
    // A VVX1500 is in both: UCS (501) beats 3.x (500) ...
    assert_eq!(best(info(Some("VVX1500"), None)).unwrap(), "wazo-polycom-5.9.2");
    assert_eq!(best(info(Some("VVX1500"), Some("5.9.2.1"))).unwrap(), "wazo-polycom-5.9.2");
    // ... unless the phone runs exactly the 3.x plugin's application.
    assert_eq!(best(info(Some("VVX1500"), Some("3.2.4.0244"))).unwrap(), "wazo-polycom-3.2.4B");
    assert_eq!(best(info(Some("SPIP335"), None)).unwrap(), "wazo-polycom-3.2.4B");
    assert_eq!(best(info(Some("VVX101"), None)).unwrap(), "wazo-polycom-5.9.2");
    // An unknown Polycom: PROBABLE everywhere, the greatest id.
    assert_eq!(best(info(Some("VVX999"), None)).unwrap(), "wazo-polycom-5.9.2");
    // The UA of a boot request goes straight in.
    let boot = http(b"/000000000000.cfg", b"FileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.4.0267").unwrap();
    assert_eq!(best(boot).unwrap(), "wazo-polycom-3.2.4B");
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let dev = device("VVX400");
    let mut raw = map(json!({"http_port": 8667}));
    let files = Polycom.configure(&ucs_plugin(), &dev, &mut raw).unwrap();
    assert_eq!(files, vec![DeviceFile::template("0004f2abcdef-user.cfg")]);
    assert!(Polycom.is_sensitive(b"0004f2abcdef-user.cfg"));
    for name in [
        &b"0004F2ABCDEF-user.cfg"[..],
        b"0004f2abcdef.cfg",
        b"0004f2abcdef-user.cfg.bak",
        b"000000000000.cfg",
        b"common.cfg",
        b"-user.cfg",
        b"",
    ] {
        assert!(!Polycom.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(Polycom.remote_state_trigger(&dev).unwrap(), "0004f2abcdef-user.cfg");
    assert_eq!(Polycom.remote_state_trigger(&Device::default()), None);
    let mac = dev.mac;
    assert!(Polycom.is_remote_state_trigger(mac, None, b"0004f2abcdef-user.cfg"));
    assert!(!Polycom.is_remote_state_trigger(mac, None, b"0004f2abcdef.cfg"));
    assert!(!Polycom.is_remote_state_trigger(mac, None, b"0004F2ABCDEF-user.cfg"));
    assert!(!Polycom.is_remote_state_trigger(None, None, b"0004f2abcdef-user.cfg"));
    assert_eq!(Polycom.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
}

#[test]
fn required_parameters() {
    let p = ucs_plugin();
    let err = Polycom.configure(&p, &device("VVX400"), &mut Map::new()).unwrap_err();
    assert_eq!(err, ConfigureError::MissingParameter("http_port"));
    let err = Polycom.configure(&p, &device("VVX400"), &mut map(json!({"http_port": null}))).unwrap_err();
    assert_eq!(err, ConfigureError::MissingParameter("http_port"));
    let mut dev = device("VVX400");
    dev.mac = None;
    let err = Polycom.configure(&p, &dev, &mut map(json!({"http_port": 8667}))).unwrap_err();
    assert_eq!(err, ConfigureError::MissingDeviceField("mac"));
}

fn tz_text(posix: &str) -> String {
    format_timezone(&tz::parse_posix_tz("x", posix).unwrap())
}

#[test]
fn timezones() {
    let montreal = "tcpIpApp.sntp.gmtOffset=\"-18000\"\n\
        tcpIpApp.sntp.daylightSavings.enable=\"1\"\n\
        tcpIpApp.sntp.daylightSavings.fixedDayEnable=\"0\"\n\
        tcpIpApp.sntp.daylightSavings.start.month=\"3\"\n\
        tcpIpApp.sntp.daylightSavings.start.time=\"2\"\n\
        tcpIpApp.sntp.daylightSavings.start.dayOfWeek=\"1\"\n\
        tcpIpApp.sntp.daylightSavings.start.dayOfWeek.lastInMonth=\"0\"\n\
        tcpIpApp.sntp.daylightSavings.start.date=\"8\"\n\
        tcpIpApp.sntp.daylightSavings.stop.month=\"11\"\n\
        tcpIpApp.sntp.daylightSavings.stop.time=\"2\"\n\
        tcpIpApp.sntp.daylightSavings.stop.dayOfWeek=\"1\"\n\
        tcpIpApp.sntp.daylightSavings.stop.dayOfWeek.lastInMonth=\"0\"\n\
        tcpIpApp.sntp.daylightSavings.stop.date=\"1\"";
    assert_eq!(tz_text("EST5EDT,M3.2.0,M11.1.0"), montreal);
    assert_eq!(format_timezone(&tz::timezone_info("America/Montreal").unwrap()), montreal);
    let paris = "tcpIpApp.sntp.gmtOffset=\"3600\"\n\
        tcpIpApp.sntp.daylightSavings.enable=\"1\"\n\
        tcpIpApp.sntp.daylightSavings.fixedDayEnable=\"0\"\n\
        tcpIpApp.sntp.daylightSavings.start.month=\"3\"\n\
        tcpIpApp.sntp.daylightSavings.start.time=\"2\"\n\
        tcpIpApp.sntp.daylightSavings.start.dayOfWeek=\"1\"\n\
        tcpIpApp.sntp.daylightSavings.start.dayOfWeek.lastInMonth=\"1\"\n\
        tcpIpApp.sntp.daylightSavings.stop.month=\"10\"\n\
        tcpIpApp.sntp.daylightSavings.stop.time=\"3\"\n\
        tcpIpApp.sntp.daylightSavings.stop.dayOfWeek=\"1\"\n\
        tcpIpApp.sntp.daylightSavings.stop.dayOfWeek.lastInMonth=\"1\"";
    assert_eq!(format_timezone(&tz::timezone_info("Europe/Paris").unwrap()), paris);
    assert_eq!(
        format_timezone(&tz::timezone_info("Asia/Kolkata").unwrap()),
        "tcpIpApp.sntp.gmtOffset=\"19800\"\ntcpIpApp.sntp.daylightSavings.enable=\"0\""
    );
    assert_eq!(
        format_timezone(&tz::timezone_info("America/Regina").unwrap()),
        "tcpIpApp.sntp.gmtOffset=\"-21600\"\ntcpIpApp.sntp.daylightSavings.enable=\"0\""
    );
    // Times outside the day are kept within it; a Thursday is 5.
    let odd = tz_text("IST-2IDT,M3.4.4/26,M10.5.0/-1");
    assert!(odd.contains("start.time=\"23\"\n") && odd.contains("start.dayOfWeek=\"5\""), "{odd}");
    assert!(odd.contains("start.date=\"22\"") && odd.contains("stop.time=\"0\""), "{odd}");
    // Days of the year are fixed dates.
    let julian = tz_text("AAA3BBB,J60/2,305");
    assert!(julian.contains("fixedDayEnable=\"1\""), "{julian}");
    assert!(julian.contains("start.month=\"3\"\ntcpIpApp.sntp.daylightSavings.start.time=\"2\"\ntcpIpApp.sntp.daylightSavings.start.date=\"1\""), "{julian}");
    assert!(julian.contains("stop.month=\"11\"\ntcpIpApp.sntp.daylightSavings.stop.time=\"2\"\ntcpIpApp.sntp.daylightSavings.stop.date=\"2\""), "{julian}");
    // Weekday and date rules together cannot be told.
    assert!(tz_text("AAA3BBB,J60,M11.1.0").ends_with("daylightSavings.enable=\"0\""));
}

#[test]
fn context_time_zone_and_language() {
    let p = ucs_plugin();
    let mut raw = map(json!({"http_port": 8667, "timezone": "America/Montreal", "locale": "fr_CA"}));
    Polycom.configure(&p, &device("VVX400"), &mut raw).unwrap();
    assert!(raw["XX_timezone"].as_str().unwrap().starts_with("tcpIpApp.sntp.gmtOffset=\"-18000\"\n"));
    assert_eq!(raw["XX_language"], "French_France");
    assert_eq!(raw["XX_dict"], json!({"remote_directory": "Annuaire"}));
    let mut raw = map(json!({"http_port": 8667, "timezone": "Mars/Olympus", "locale": "ja_JP"}));
    Polycom.configure(&p, &device("VVX400"), &mut raw).unwrap();
    assert!(!raw.contains_key("XX_timezone") && !raw.contains_key("XX_language"));
    assert_eq!(raw["XX_dict"], json!({"remote_directory": "Directory"}));
    let mut raw = map(json!({"http_port": 8667, "locale": "en_US"}));
    Polycom.configure(&p, &device("VVX400"), &mut raw).unwrap();
    assert_eq!(raw["XX_language"], "English_United_States");
}

#[test]
fn context_transport_syslog_phonebook_options() {
    let p = ucs_plugin();
    let mut raw = map(json!({
        "http_port": 8667, "sip_transport": "tls", "syslog_level": "critical",
        "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "u-1"
    }));
    let mut dev = device("VVX400");
    dev.options = Some(map(json!({"switchboard": true})));
    Polycom.configure(&p, &dev, &mut raw).unwrap();
    assert_eq!(raw["XX_sip_transport"], "TLS");
    assert_eq!(raw["XX_syslog_level"], "5");
    assert_eq!(
        raw["XX_xivo_phonebook_url"],
        "http://10.0.0.3:9498/0.1/directories/input/default/polycom?xivo_user_uuid=u-1"
    );
    assert_eq!(raw["XX_options"], json!({"switchboard": true}));
    let mut raw = map(json!({"http_port": 8667}));
    Polycom.configure(&p, &device("VVX400"), &mut raw).unwrap();
    assert_eq!(raw["XX_sip_transport"], "UDPOnly");
    assert_eq!(raw["XX_syslog_level"], "1");
    assert_eq!(raw["XX_options"], json!({}));
    assert!(!raw.contains_key("XX_xivo_phonebook_url"));
    for (proto, level, t, l) in [("tcp", "debug", "TCPOnly", "1"), ("udp", "info", "UDPOnly", "2")] {
        let mut raw = map(json!({"http_port": 8667, "sip_transport": proto, "syslog_level": level}));
        Polycom.configure(&p, &device("VVX400"), &mut raw).unwrap();
        assert_eq!((raw["XX_sip_transport"].as_str(), raw["XX_syslog_level"].as_str()), (Some(t), Some(l)));
    }
}

#[test]
fn context_lines() {
    let mut raw = map(json!({
        "http_port": 8667,
        "sip_proxy_ip": "10.0.0.1", "sip_proxy_port": 5060, "sip_backup_proxy_ip": "10.0.0.2",
        "sip_outbound_proxy_ip": null, "exten_voicemail": "*98",
        "sip_lines": {
            "1": {"username": "u1", "number": "1001", "display_name": null},
            "2": {"username": "u2", "proxy_ip": "10.0.0.9", "proxy_port": 5070, "voicemail": "*99"}
        }
    }));
    Polycom.configure(&ucs_plugin(), &device("VVX400"), &mut raw).unwrap();
    assert_eq!(
        raw["sip_lines"]["1"],
        json!({"username": "u1", "number": "1001", "proxy_ip": "10.0.0.1", "proxy_port": 5060,
               "backup_proxy_ip": "10.0.0.2", "voicemail": "*98"})
    );
    assert_eq!(
        raw["sip_lines"]["2"],
        json!({"username": "u2", "proxy_ip": "10.0.0.9", "proxy_port": 5070, "voicemail": "*99"}),
        "a line with its own proxy has no global backup"
    );
}

#[test]
fn function_keys_ucs() {
    let p = ucs_plugin();
    let keys = json!({
        "2": {"type": "park", "value": "701", "label": "Park"},
        "1": {"type": "blf", "value": "1002", "label": "Bob & \"Co\" <x>"},
        "10": {"type": "speeddial", "value": "1010"},
        "3": {"type": "paging", "value": "1"},
        "4": {"type": "blf"},
        "0": {"type": "blf", "value": "0"},
        "x": {"type": "blf", "value": "x"},
        "12": {"type": "blf", "value": "1012"},
        "13": {"type": "blf", "value": "1013"},
        "132": {"type": "blf", "value": "1132"},
        "133": {"type": "blf", "value": "1133"}
    });
    let mut raw = map(json!({"http_port": 8667, "funckeys": keys}));
    Polycom.configure(&p, &device("VVX400"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_fkeys"],
        "attendant.resourceList.1.address=\"1002\"\n\
         attendant.resourceList.1.label=\"Bob &amp; &#34;Co&#34; &lt;x&gt;\"\n\
         attendant.resourceList.2.address=\"701\"\n\
         attendant.resourceList.2.label=\"Park\"\n\
         attendant.resourceList.2.type=\"automata\"\n\
         attendant.resourceList.10.address=\"1010\"\n\
         attendant.resourceList.10.label=\"1010\"\n\
         attendant.resourceList.12.address=\"1012\"\n\
         attendant.resourceList.12.label=\"1012\"\n\
         attendant.resourceList.13.address=\"1013\"\n\
         attendant.resourceList.13.label=\"1013\"\n\
         attendant.resourceList.132.address=\"1132\"\n\
         attendant.resourceList.132.label=\"1132\""
    );
    // A model without expansion modules: 2 keys.
    let mut raw = map(json!({"http_port": 8667, "funckeys": keys}));
    Polycom.configure(&p, &device("VVX101"), &mut raw).unwrap();
    assert_eq!(raw["XX_fkeys"].as_str().unwrap().lines().count(), 5);
    // Unknown model: none.
    let mut raw = map(json!({"http_port": 8667, "funckeys": keys}));
    Polycom.configure(&p, &device("VVX999"), &mut raw).unwrap();
    assert_eq!(raw["XX_fkeys"], "");
}

#[test]
fn function_keys_sip3_have_no_park() {
    let p = sip3_plugin();
    let keys = json!({
        "1": {"type": "blf", "value": "1001"},
        "2": {"type": "park", "value": "701"},
        "3": {"type": "speeddial", "value": "1003", "label": "Carol"},
        "48": {"type": "blf", "value": "1048"}
    });
    let mut raw = map(json!({"http_port": 8667, "funckeys": keys}));
    Polycom.configure(&p, &device("SPIP650"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_fkeys"],
        "attendant.resourceList.1.address=\"1001\"\nattendant.resourceList.1.label=\"1001\"\n\
         attendant.resourceList.3.address=\"1003\"\nattendant.resourceList.3.label=\"Carol\""
    );
    let mut raw = map(json!({"http_port": 8667, "funckeys": keys}));
    Polycom.configure(&p, &device("SPIP335"), &mut raw).unwrap();
    assert_eq!(raw["XX_fkeys"], "", "no resource list keys on this model");
}

#[test]
fn common_files_per_plugin() {
    let base = map(json!({"ip": "10.0.0.1", "http_port": 8667}));
    let files = Polycom.common_files(&ucs_plugin(), &base).unwrap();
    let names: Vec<(&str, &str)> = files.iter().map(|f| (f.path.as_str(), f.template.as_str())).collect();
    assert_eq!(names, [("000000000000.cfg", "common/000000000000.cfg.tpl"), ("common.cfg", "common/common.cfg.tpl")]);
    assert_eq!(files[0].context["XX_server_url"], "http://10.0.0.1:8667");
    let mut p = sip3_plugin();
    p.info.extra.insert("common_files".into(), json!(["000000000000.cfg"]));
    assert_eq!(Polycom.common_files(&p, &base).unwrap().len(), 1);
    p.info.extra.insert("common_files".into(), json!("common.cfg"));
    assert!(Polycom.common_files(&p, &base).is_err());
}

/// The bundled plugins load, name this family, and give every model a
/// version, a capabilities entry and a template.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    for (id, generation) in [
        ("wazo-polycom-3.2.4B", Generation::Sip3),
        ("wazo-polycom-5.9.2", Generation::Ucs),
        ("wazo-polycom-6.4.6", Generation::Ucs),
    ] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "polycom");
        assert_eq!(super::generation(&p), generation, "{id}");
        assert!(!p.info.models.is_empty(), "{id}");
        for (name, model) in &p.info.models {
            let version = model.version.as_deref().unwrap_or_else(|| panic!("{id} {name}"));
            let cap = format!("Polycom, {name}, {version}");
            assert!(p.info.capabilities.contains_key(&cap), "{id}: no capabilities {cap:?}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{id} {name}.tpl");
        }
        for c in Polycom.common_files(&p, &Map::new()).unwrap() {
            assert!(p.templates_dir().join(&c.template).is_file(), "{id} {}", c.template);
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
    }
}
