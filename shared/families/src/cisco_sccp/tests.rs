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

/// The Cisco rows of the shared identification vectors
/// (`ident-vectors.tsv`: protocol, input, vendor, model, version, mac)
/// this family answers; `\xNN` is one raw byte.
pub(crate) const VECTORS: &str = "\
    dhcp-vendor\tCisco Systems, Inc. IP Phone 7912\tCisco\t7912G\t\t\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone CP-7960G\\x00\tCisco\t7960G\t\t\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone CP-9951\\x00\tCisco\t9951\t\t\n\
    dhcp-vendor\tCisco Systems Inc. Wireless Phone 7921\tCisco\t7921G\t\t\n\
    tftp-path\tITLFile.tlv\tCisco\t\t\t\n\
    http-path\t/ITLFile.tlv\tCisco\t\t\t\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone CP-7940\\x00\tCisco\t7940\t\t\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone SPA509G\tCisco\t\t\t\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone SPA525G\tCisco\t\t\t";

/// The other Cisco rows: cisco_spa's and Cisco 3PCC/MPP ones. This
/// family must stay silent on them, or the vote would be skewed.
const NOT_OURS: &str = "\
    dhcp-vendor\tLINKSYS SPA-942\n\
    dhcp-vendor\tLINKSYS SPA8000\n\
    dhcp-vendor\tCisco SPA525G\n\
    dhcp-vendor\tCisco SPA525G2\n\
    dhcp-vendor\tCISCO SPA122\n\
    http-ua\tLinksys/SPA-942-6.1.5(a) (88019FA42805)\n\
    http-ua\tLinksys/SPA-962-6.1.5(a) (4MM00F903042)\n\
    http-ua\tCisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)\n\
    http-ua\tCisco/SPA525G-7.4.7 (CBT141900G7)\n\
    tftp-path\t/init.cfg\n\
    dhcp-vendor\tCISCO ATA191-MPP\n\
    dhcp-vendor\tCISCO ATA192-MPP\n\
    dhcp-vendor\tCP-7841-3PCC\n\
    dhcp-vendor\tCisco SPA301\n\
    dhcp-vendor\tCisco SPA509G\n\
    dhcp-vendor\tCISCO SPA112\n\
    dhcp-vendor\tLINKSYS SPA-2102\n\
    dhcp-vendor\tLINKSYS SPA-3102";

fn unescape(s: &str) -> Vec<u8> {
    crate::identify::unescape(s.as_bytes()).unwrap()
}

use crate::vector_request as request;

fn dhcp(vci: &[u8]) -> Option<DeviceInfo<'_>> {
    CiscoSccp.extract(&Request::Dhcp { vendor_class: vci })
}

fn tftp(name: &[u8]) -> Option<DeviceInfo<'_>> {
    CiscoSccp.extract(&Request::Tftp { filename: name })
}

fn http(path: &[u8]) -> Option<DeviceInfo<'_>> {
    CiscoSccp.extract(&Request::Http { path, user_agent: Some(b"Cisco-CP7965G/9.4") })
}

#[test]
fn every_vector_extracts() {
    for row in VECTORS.lines() {
        let [protocol, input, vendor, model, version, mac] = row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        let input = unescape(input);
        let info = CiscoSccp.extract(&request(protocol, &input)).unwrap_or_else(|| panic!("{row}"));
        let field = |f: &Option<Cow<'_, str>>| f.as_deref().unwrap_or("").to_owned();
        assert_eq!(field(&info.vendor), vendor, "{row}");
        assert_eq!(field(&info.model), model, "{row}");
        assert_eq!(field(&info.version), version, "{row}");
        assert_eq!(info.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{row}");
        assert!(!matches!(info.model, Some(Cow::Owned(_))), "borrowed, never built: {row}");
    }
    for row in NOT_OURS.lines() {
        let (protocol, input) = row.split_once('\t').unwrap();
        assert_eq!(CiscoSccp.extract(&request(protocol, input.as_bytes())), None, "{row}");
    }
}

#[test]
fn dhcp_models() {
    let model = |vci: &'static [u8]| dhcp(vci).unwrap().model.map(Cow::into_owned);
    assert_eq!(model(b"Cisco Systems, Inc. IP Phone 7920"), Some("7920".into()));
    assert_eq!(model(b"Cisco Systems, Inc. IP Phone CP-7920G\x00"), Some("7920".into()));
    assert_eq!(model(b"Cisco Systems, Inc. IP Phone CP-7941G\x00"), Some("7941G".into()));
    assert_eq!(model(b"Cisco Systems, Inc. IP Phone CP-8961\x00\x00\x00"), Some("8961".into()));
    assert_eq!(model(b"Cisco Systems, Inc. IP Phone 7905"), Some("7905G".into()));
    // No model in the class: the vendor alone (a 6901, or an SPA50x).
    assert_eq!(model(b"Cisco Systems, Inc."), None);
    assert_eq!(dhcp(b"Cisco Systems, Inc.").unwrap().vendor.as_deref(), Some("Cisco"));
    assert_eq!(model(b"Cisco Systems, Inc. IP Phone CP-79"), None);
    // "Phone" must start a word.
    assert_eq!(model(b"Cisco Systems, Inc. IPPhone 7912"), None);
}

#[test]
fn file_names() {
    let mac = |info: Option<DeviceInfo<'_>>| info.unwrap().mac.unwrap().to_string();
    assert_eq!(mac(tftp(b"SEP001E4A123456.cnf.xml")), "00:1e:4a:12:34:56");
    assert_eq!(mac(tftp(b"CTLSEP001E4A123456.tlv")), "00:1e:4a:12:34:56");
    assert_eq!(mac(tftp(b"ITLSEP001E4A123456.tlv")), "00:1e:4a:12:34:56");
    assert_eq!(mac(http(b"/SEP001E4A123456.cnf.xml")), "00:1e:4a:12:34:56");
    assert_eq!(mac(http(b"/SEP001E4A123456.cnf.xml?x=1")), "00:1e:4a:12:34:56");
    let cipc = tftp(b"Communicator\\SEP001E4A123456.cnf.xml").unwrap();
    assert_eq!(cipc.model.as_deref(), Some("CIPC"));
    assert_eq!(http(b"/Communicator/dictionary.xml").unwrap().model.as_deref(), Some("CIPC"));
    assert_eq!(tftp(b"ITLFile.tlv").unwrap().mac, None);
    // Not these phones' files.
    for name in [
        &b"SEP001e4a123456.cnf.xml"[..],
        b"SEP001E4A12345.cnf.xml",
        b"SEP001E4A1234567.cnf.xml",
        b"/SEP001E4A123456.cnf.xml",
        b"SEP001E4A123456.cnf.xml.bak",
        b"XMLDefault.cnf.xml",
        b"Communicator",
        b"CommunicatorX/a",
        b"ITLFile.tlv2",
        b"",
    ] {
        assert_eq!(tftp(name), None, "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(http(b"SEP001E4A123456.cnf.xml"), None, "HTTP paths start with /");
    assert_eq!(http(b"/805ec0d57d72.cfg"), None);
}

#[test]
fn bad_input_never_panics() {
    let cases: &[&[u8]] = &[
        b"",
        b"\xff\xfe",
        b"Cisco Systems\xff IP Phone CP-7960G",
        b"Cisco Systems, Inc. IP Phone CP-79\xff\xff",
        b"Cisco Systems, Inc. IP Phone CP-7960G\x00\xc3\x28",
        b"SEP\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff.cnf.xml",
        b"Communicator/\xff",
        b"/\xff",
    ];
    for c in cases {
        for r in [
            Request::Dhcp { vendor_class: c },
            Request::Tftp { filename: c },
            Request::Http { path: c, user_agent: Some(c) },
        ] {
            let _ = CiscoSccp.extract(&r);
        }
    }
    // What can be extracted is.
    let info = dhcp(b"Cisco Systems, Inc. IP Phone CP-7960G\x00\xc3\x28").unwrap();
    assert_eq!(info.model.as_deref(), Some("7960G"));
    assert_eq!(dhcp(b"Cisco Systems\xff").unwrap().model, None);
    assert_eq!(dhcp(b"cisco systems, inc. IP Phone 7912"), None);
}

fn plugin() -> Plugin {
    let info: PluginInfo = serde_json::from_value(json!({
        "version": "1.0.0", "description": "test", "family": "cisco_sccp",
        "models": {
            "7941G": {"version": "9.4.2SR1", "load": "SCCP41.9-4-2SR1-1S"},
            "7960G": {"version": "8.1.2", "load": "P0030801SR02"}
        }
    }))
    .unwrap();
    Plugin { id: "wazo-cisco-sccp-test".into(), dir: "/nonexistent".into(), info, family: &CiscoSccp }
}

fn info(
    vendor: Option<&'static str>,
    model: Option<&'static str>,
    version: Option<&'static str>,
) -> DeviceInfo<'static> {
    DeviceInfo {
        vendor: vendor.map(Cow::Borrowed),
        model: model.map(Cow::Borrowed),
        version: version.map(Cow::Borrowed),
        ..Default::default()
    }
}

#[test]
fn association() {
    let p = plugin();
    let a = |i| CiscoSccp.associate(&p, &i);
    assert_eq!(a(info(Some("Cisco"), Some("7941G"), None)), COMPLETE);
    assert_eq!(a(info(Some("Cisco"), Some("7941G"), Some("9.4.2SR1"))), COMPLETE, "never EXACT");
    assert_eq!(a(info(Some("Cisco"), Some("7965G"), None)), PROBABLE);
    // Just above cisco_spa's PROBABLE, so a bare SCCP vendor class wins.
    assert_eq!(a(info(Some("Cisco"), None, None)), 310);
    assert_eq!(a(info(Some("Cisco"), Some("SPA509G"), None)), NONE);
    assert_eq!(a(info(Some("Cisco"), Some("ATA190"), None)), NONE);
    assert_eq!(a(info(Some("Yealink"), Some("7941G"), None)), IMPROBABLE);
    assert_eq!(a(info(None, Some("7941G"), None)), UNKNOWN);
    assert_eq!(CiscoSccp.associate(&p, &dhcp(b"Cisco Systems, Inc. IP Phone CP-7960G\x00").unwrap()), COMPLETE);
}

fn device(model: &str) -> Device {
    Device {
        id: "d1".into(),
        mac: Some(Mac::parse("00:1e:4a:12:34:56").unwrap()),
        vendor: Some("Cisco".into()),
        model: Some(model.into()),
        ..Default::default()
    }
}

fn raw(v: Value) -> Map {
    v.as_object().unwrap().clone()
}

#[test]
fn device_file_sensitive_trigger_and_sync() {
    let mut r = raw(json!({"tftp_port": 69}));
    let files = CiscoSccp.configure(&plugin(), &device("7941G"), &mut r).unwrap();
    assert_eq!(files, vec![DeviceFile::template("SEP001E4A123456.cnf.xml")]);
    assert!(CiscoSccp.is_sensitive(b"SEP001E4A123456.cnf.xml"));
    for name in [&b"SEP001e4a123456.cnf.xml"[..], b"001e4a123456.cnf.xml", b"RINGLIST.XML", b"ITLFile.tlv"] {
        assert!(!CiscoSccp.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(CiscoSccp.remote_state_trigger(&device("7941G")), None);
    let mac = device("7941G").mac;
    assert!(!CiscoSccp.is_remote_state_trigger(mac, Some("7941G"), b"SEP001E4A123456.cnf.xml"));
    assert_eq!(CiscoSccp.sync_notify(&device("7941G")), None);
}

#[test]
fn required_parameters() {
    let err = CiscoSccp.configure(&plugin(), &device("7941G"), &mut raw(json!({"http_port": 8667}))).unwrap_err();
    assert_eq!(err, ConfigureError::MissingParameter("tftp_port"));
    let mut dev = device("7941G");
    dev.mac = None;
    let err = CiscoSccp.configure(&plugin(), &dev, &mut raw(json!({"tftp_port": 69}))).unwrap_err();
    assert_eq!(err, ConfigureError::MissingDeviceField("mac"));
}

#[test]
fn context() {
    let mut r = raw(json!({
        "tftp_port": 69, "locale": "fr_CA", "timezone": "Europe/Paris",
        "X_xivo_phonebook_ip": "10.0.0.7", "X_xivo_user_uuid": "u-1",
        "sccp_call_managers": {
            "3": {"ip": "10.0.0.3", "port": "2003"},
            "1": {"ip": "10.0.0.1"},
            "2": {"port": 2002},
            "x": {"ip": "10.0.0.9"}
        }
    }));
    CiscoSccp.configure(&plugin(), &device("7941G"), &mut r).unwrap();
    assert_eq!(r["XX_addons"], "");
    assert_eq!(r["XX_locale"], json!(["french_france", "fr", "canada"]));
    assert_eq!(r["XX_timezone"], "Central Europe Standard/Daylight Time");
    assert_eq!(
        r["XX_xivo_phonebook_url"],
        "http://10.0.0.7:9498/0.1/directories/menu/default/cisco?xivo_user_uuid=u-1"
    );
    assert_eq!(r["XX_load"], "SCCP41.9-4-2SR1-1S");
    assert_eq!(
        r["XX_call_managers"],
        json!([
            {"priority": "0", "ip": "10.0.0.1", "port": "2000"},
            {"priority": "2", "ip": "10.0.0.3", "port": "2003"}
        ])
    );
    assert_eq!(r["sccp_call_managers"]["1"]["XX_priority"], "0");
    assert_eq!(r["sccp_call_managers"]["2"]["XX_priority"], "1");
    assert_eq!(r["sccp_call_managers"]["3"]["XX_priority"], "2");

    // Bare: the default zone, no locale, no phonebook, an empty load for
    // an unknown model (the phone keeps its firmware).
    let mut r = raw(json!({"tftp_port": 69}));
    CiscoSccp.configure(&plugin(), &device("7975G"), &mut r).unwrap();
    assert_eq!(r["XX_timezone"], DEFAULT_ZONE);
    assert_eq!(r["XX_load"], "");
    assert_eq!(r["XX_call_managers"], json!([]));
    assert!(!r.contains_key("XX_locale") && !r.contains_key("XX_xivo_phonebook_url"));
    let mut r = raw(json!({"tftp_port": 69, "timezone": "Mars/Olympus", "locale": "it_IT"}));
    CiscoSccp.configure(&plugin(), &device("7941G"), &mut r).unwrap();
    assert_eq!(r["XX_timezone"], DEFAULT_ZONE);
    assert!(!r.contains_key("XX_locale"));
}

fn zone(name: &str) -> &'static str {
    cisco_zone_name(&tz::timezone_info(name).unwrap())
}

#[test]
fn time_zones() {
    assert_eq!(zone("America/Montreal"), "Eastern Standard/Daylight Time");
    assert_eq!(zone("America/Toronto"), "Eastern Standard/Daylight Time");
    assert_eq!(zone("America/New_York"), "Eastern Standard/Daylight Time");
    assert_eq!(zone("America/Winnipeg"), "Central Standard/Daylight Time");
    assert_eq!(zone("America/Regina"), "Canada Central Standard Time");
    assert_eq!(zone("America/Vancouver"), "Pacific Standard/Daylight Time");
    assert_eq!(zone("America/St_Johns"), "Newfoundland Standard/Daylight Time");
    assert_eq!(zone("Europe/Paris"), "Central Europe Standard/Daylight Time");
    // Same offset and rule as Paris.
    assert_eq!(zone("Europe/Berlin"), "Central Europe Standard/Daylight Time");
    assert_eq!(zone("Europe/London"), "GMT Standard/Daylight Time");
    assert_eq!(zone("Etc/UTC"), "Greenwich Standard Time");
    assert_eq!(zone("Asia/Kolkata"), "India Standard Time");
    assert_eq!(zone("Asia/Tokyo"), "Tokyo Standard Time");
    assert_eq!(zone("Australia/Melbourne"), "AUS Eastern Standard/Daylight Time");
    // +05:45 is no Cisco offset, nor 30 or 60 minutes from one.
    assert_eq!(zone("Asia/Kathmandu"), DEFAULT_ZONE);
    // A rule no row has: the offset's zone without DST.
    let odd = tz::parse_posix_tz("Test/Odd", "AAA-7BBB,M4.1.0,M9.1.0").unwrap();
    assert_eq!(cisco_zone_name(&odd), "SE Asia Standard Time");
    // 30 minutes from a known offset.
    let near = tz::parse_posix_tz("Test/Near", "<+0630>-6:30").unwrap();
    assert_eq!(cisco_zone_name(&near), "SE Asia Standard Time");
}

/// The bundled plugins load, name this family and give every model a
/// firmware version, a load (7920 excepted: its load name is not known
/// here) and a template.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    for (id, count) in [("wazo-cisco-sccp-legacy", 7), ("wazo-cisco-sccp-9.4", 11)] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "cisco_sccp");
        assert_eq!(p.info.models.len(), count, "{id}");
        for (name, model) in &p.info.models {
            let version = model.version.as_deref().unwrap();
            let cap = format!("Cisco, {name}, {version}/SCCP");
            assert!(p.info.capabilities.contains_key(&cap), "{id}: no capabilities {cap:?}");
            assert!(model.get_str("load").is_some() || name == "7920", "{id} {name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{id} {name}.tpl");
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
    }
    let legacy = crate::plugins::load(&root.join("wazo-cisco-sccp-legacy")).unwrap();
    for f in ["RINGLIST.XML", "DISTINCTIVERINGLIST.XML", "Ringlist.xml"] {
        assert!(legacy.tftpboot_dir().join(f).is_file(), "{f}");
    }
}
