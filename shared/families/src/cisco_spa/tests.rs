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
/// this family answers. Note the 3-digit models of Cisco DHCP classes.
const VECTORS: &str = "\
    dhcp-vendor\tLINKSYS SPA-942\tCisco\tSPA942\t\t\n\
    dhcp-vendor\tLINKSYS SPA8000\tCisco\tSPA8000\t\t\n\
    dhcp-vendor\tCisco SPA525G\tCisco\tSPA525\t\t\n\
    dhcp-vendor\tCisco SPA525G2\tCisco\tSPA525\t\t\n\
    dhcp-vendor\tCISCO SPA122\tCisco\tSPA122\t\t\n\
    http-ua\tLinksys/SPA-942-6.1.5(a) (88019FA42805)\tCisco\tSPA942\t6.1.5(a)\t\n\
    http-ua\tLinksys/SPA-962-6.1.5(a) (4MM00F903042)\tCisco\tSPA962\t6.1.5(a)\t\n\
    http-ua\tCisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)\tCisco\tSPA508G\t7.4.4\t00:02:fd:ff:21:03\n\
    http-ua\tCisco/SPA525G-7.4.7 (CBT141900G7)\tCisco\tSPA525G\t7.4.7\t\n\
    tftp-path\t/init.cfg\tCisco\tPAP2T\t\t\n\
    dhcp-vendor\tCisco SPA301\tCisco\tSPA301\t\t\n\
    dhcp-vendor\tCisco SPA303\tCisco\tSPA303\t\t\n\
    dhcp-vendor\tCisco SPA502G\tCisco\tSPA502\t\t\n\
    dhcp-vendor\tCisco SPA504G\tCisco\tSPA504\t\t\n\
    dhcp-vendor\tCisco SPA509G\tCisco\tSPA509\t\t\n\
    dhcp-vendor\tCisco SPA514G\tCisco\tSPA514\t\t\n\
    dhcp-vendor\tCISCO SPA112\tCisco\tSPA112\t\t\n\
    dhcp-vendor\tLINKSYS SPA-921\tCisco\tSPA921\t\t\n\
    dhcp-vendor\tLINKSYS SPA-941\tCisco\tSPA941\t\t\n\
    dhcp-vendor\tLINKSYS SPA-2102\tCisco\tSPA2102\t\t\n\
    dhcp-vendor\tLINKSYS SPA-3102\tCisco\tSPA3102\t\t";

/// The other Cisco rows (cisco_sccp's, Cisco 3PCC/MPP ones), where this
/// family must stay silent.
const NOT_OURS: &str = "\
    dhcp-vendor\tCisco Systems, Inc. IP Phone 7912\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone CP-7960G\\x00\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone CP-9951\\x00\n\
    dhcp-vendor\tCisco Systems Inc. Wireless Phone 7921\n\
    tftp-path\tITLFile.tlv\n\
    http-path\t/ITLFile.tlv\n\
    dhcp-vendor\tCISCO ATA191-MPP\n\
    dhcp-vendor\tCISCO ATA192-MPP\n\
    dhcp-vendor\tCP-7841-3PCC\n\
    http-ua\tCisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone CP-7940\\x00\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone SPA509G\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone SPA525G";

fn unescape(s: &str) -> Vec<u8> {
    crate::identify::unescape(s.as_bytes()).unwrap()
}

use crate::vector_request as request;

fn ua<'a>(ua: &'a [u8], path: &'a [u8]) -> Option<DeviceInfo<'a>> {
    CiscoSpa.extract(&Request::Http { path, user_agent: Some(ua) })
}

fn tftp(name: &[u8]) -> Option<DeviceInfo<'_>> {
    CiscoSpa.extract(&Request::Tftp { filename: name })
}

fn dhcp(vci: &[u8]) -> Option<DeviceInfo<'_>> {
    CiscoSpa.extract(&Request::Dhcp { vendor_class: vci })
}

#[test]
fn every_vector_extracts() {
    for row in VECTORS.lines() {
        let [protocol, input, vendor, model, version, mac] = row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        let input = unescape(input);
        let info = CiscoSpa.extract(&request(protocol, &input)).unwrap_or_else(|| panic!("{row}"));
        let field = |f: &Option<Cow<'_, str>>| f.as_deref().unwrap_or("").to_owned();
        assert_eq!(field(&info.vendor), vendor, "{row}");
        assert_eq!(field(&info.model), model, "{row}");
        assert_eq!(field(&info.version), version, "{row}");
        assert_eq!(info.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{row}");
        assert!(!matches!(info.model, Some(Cow::Owned(_))), "borrowed, never built: {row}");
    }
    for row in NOT_OURS.lines() {
        let (protocol, input) = row.split_once('\t').unwrap();
        let input = unescape(input);
        assert_eq!(CiscoSpa.extract(&request(protocol, &input)), None, "{row}");
    }
}

/// The whole identification (every family's answer, merged by vote)
/// gives the vectors of both Cisco families.
#[test]
fn merged_identification_of_cisco_rows() {
    let sccp_rows = crate::cisco_sccp::tests::VECTORS;
    for row in VECTORS.lines().chain(sccp_rows.lines()) {
        let [protocol, input, vendor, model, version, mac] = row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        let input = unescape(input);
        let info = crate::identify::identify(&request(protocol, &input));
        let field = |f: &Option<Cow<'_, str>>| f.as_deref().unwrap_or("").to_owned();
        let got = [field(&info.vendor), field(&info.model), field(&info.version)];
        assert_eq!(got, [vendor, model, version], "{row}");
        assert_eq!(info.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{row}");
    }
}

#[test]
fn user_agents() {
    let info = ua(b"Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)", b"/spa-phone.xml").unwrap();
    assert_eq!(info.sn.as_deref(), Some("CBT141400UK"));
    // Without a MAC in the UA, the one of the requested profile.
    let info = ua(b"Cisco/SPA525G-7.4.7 (CBT141900G7)", b"/0002fdff2104.xml").unwrap();
    assert_eq!(info.mac.unwrap().to_string(), "00:02:fd:ff:21:04");
    let info = ua(b"Cisco/SPA525G-7.4.7 (CBT141900G7)", b"/prov/0002fdff2104.xml?x=1").unwrap();
    assert_eq!(info.mac.unwrap().to_string(), "00:02:fd:ff:21:04");
    for path in [&b"/0002FDFF2104.xml"[..], b"/a0002fdff2104.xml", b"/0002fdff2104.xml.bak", b"/fdff2104.xml"] {
        assert_eq!(ua(b"Cisco/SPA525G-7.4.7 (CBT141900G7)", path).unwrap().mac, None);
    }
    let info = ua(b"Cisco/SPA508G-7.4.8a (0002FDFF2103)(CBT141400UK)", b"/").unwrap();
    assert_eq!(info.version.as_deref(), Some("7.4.8a"));
    let info = ua(b"Linksys/SPA-942-6.1.5(a) (88019FA42805)", b"/").unwrap();
    // The Linksys parenthesis is the serial number.
    assert_eq!((info.sn.as_deref(), info.mac), (Some("88019FA42805"), None));
    let info = ua(b"Linksys/PAP2T-5.1.6(LS) (FM500H123456)", b"/").unwrap();
    assert_eq!(info.model.as_deref(), Some("PAP2T"));
    assert_eq!(info.version.as_deref(), Some("5.1.6(LS)"));
    // Only with a UA; the path alone belongs to nobody in particular.
    assert_eq!(CiscoSpa.extract(&Request::Http { path: b"/0002fdff2104.xml", user_agent: None }), None);
    assert_eq!(ua(b"", b"/0002fdff2104.xml"), None);
    assert_eq!(ua(b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72", b"/805ec0d57d72.xml"), None);
}

#[test]
fn tftp_files() {
    let model = |name: &'static [u8]| tftp(name).and_then(|i| i.model).map(Cow::into_owned);
    assert_eq!(model(b"/spa502G.cfg"), Some("SPA502G".into()));
    assert_eq!(model(b"/spa525G2.cfg"), Some("SPA525G2".into()));
    assert_eq!(model(b"/spa942.cfg"), Some("SPA942".into()));
    assert_eq!(model(b"/spa122.cfg"), Some("SPA122".into()));
    assert_eq!(model(b"/spa8000.cfg"), Some("SPA8000".into()));
    assert_eq!(model(b"/spa999x.cfg"), Some("SPA999X".into()));
    assert!(matches!(tftp(b"/spa502g.cfg").unwrap().model, Some(Cow::Borrowed("SPA502G"))));
    assert_eq!(model(b"ATA0011223344AA.cnf.xml"), Some("ATA190".into()));
    assert_eq!(tftp(b"ATA0011223344AA.cnf.xml").unwrap().mac, None, "port 2's file has a shifted MAC");
    for name in [&b"spa502G.cfg"[..], b"/spa.cfg", b"/spa502G.xml", b"init.cfg", b"ATA0011223344aa.cnf.xml"] {
        assert_eq!(tftp(name), None, "{}", String::from_utf8_lossy(name));
    }
}

/// Found by `fuzz/` (identify target, minimised): non-ASCII UTF-8 in a
/// `/spa<model>.cfg` name came out as Latin-1 mojibake with a C1
/// control character (`SPAØ\u{96}`).
#[test]
fn tftp_model_keeps_utf8() {
    let model = tftp("/spa\u{616}x-1.cfg".as_bytes()).and_then(|i| i.model).map(Cow::into_owned);
    assert_eq!(model.as_deref(), Some("SPA\u{616}X1"));
    let model = tftp(b"/spa\xd8\x96.cfg").and_then(|i| i.model).map(Cow::into_owned);
    assert_eq!(model.as_deref(), Some("SPA\u{616}"));
}

#[test]
fn dhcp_abbreviations() {
    assert!(dhcp_abbreviation_of("SPA509", "SPA509G"));
    assert!(dhcp_abbreviation_of("SPA525", "SPA525G2"));
    assert!(!dhcp_abbreviation_of("SPA509", "SPA509"));
    assert!(!dhcp_abbreviation_of("SPA509", "SPA508G"));
    assert!(!dhcp_abbreviation_of("SPA509G", "SPA509"));
    assert!(!dhcp_abbreviation_of("SPA50", "SPA501G"));
    assert!(!dhcp_abbreviation_of("ATA190", "ATA190G"));
}

#[test]
fn dhcp_classes() {
    let model = |vci: &'static [u8]| dhcp(vci).and_then(|i| i.model).map(Cow::into_owned);
    assert_eq!(model(b"CISCO ATA190"), Some("ATA190".into()));
    assert_eq!(model(b"Cisco ATA190g"), Some("ATA190G".into()));
    assert_eq!(model(b"Cisco SPA525g"), Some("SPA525".into()));
    assert_eq!(model(b"LINKSYS SPA-9620000"), Some("SPA9620".into()));
    assert_eq!(model(b"CISCO SPA122\x00\x00"), Some("SPA122".into()));
    assert_eq!(model(b"cisco SPA122"), None);
    assert_eq!(model(b"Linksys SPA-942"), None);
}

#[test]
fn bad_input_never_panics() {
    let cases: &[&[u8]] = &[
        b"",
        b"\xff\xfe\x00",
        b"Cisco/",
        b"Linksys/",
        b"Cisco/SPA508G-7.4.4 (0002FDFF2103)(CBT14\xff1400UK)",
        b"Cisco/SPA508G-7.4.\xff4 (0002FDFF2103)(CBT141400UK)",
        b"Linksys/SPA-942-6.1.5\xe9 (88019FA42805)",
        b"/spa\xff\xfe.cfg",
        b"/spa\n.cfg",
        b"CISCO SPA1\xff",
        b"LINKSYS SPA-\xff",
    ];
    for c in cases {
        for r in [
            Request::Dhcp { vendor_class: c },
            Request::Tftp { filename: c },
            Request::Http { path: c, user_agent: Some(c) },
            Request::Http { path: b"/0002fdff2104.xml", user_agent: Some(c) },
        ] {
            let _ = CiscoSpa.extract(&r);
        }
    }
    // A non-ASCII version is dropped, the rest is kept.
    let info = ua(b"Cisco/SPA508G-7.4.\xff4 (0002FDFF2103)(CBT141400UK)", b"/").unwrap();
    assert_eq!(info.version, None);
    assert_eq!(info.model.as_deref(), Some("SPA508G"));
    assert_eq!(info.mac.unwrap().to_string(), "00:02:fd:ff:21:03");
    assert_eq!(ua(b"Linksys/SPA-942-6.1.5\xe9 (88019FA42805)", b"/").unwrap().version, None);
    assert_eq!(tftp(b"/spa\xff\xfe.cfg"), None);
    assert_eq!(tftp(b"/spa\n.cfg"), None);
}

fn plugin(models: Value, extra: Value) -> Plugin {
    let mut info = json!({"version": "1.0.0", "description": "test", "family": "cisco_spa", "models": models});
    for (k, v) in extra.as_object().unwrap() {
        info[k] = v.clone();
    }
    let info: PluginInfo = serde_json::from_value(info).unwrap();
    Plugin { id: "wazo-cisco-spa-test".into(), dir: "/nonexistent".into(), info, family: &CiscoSpa }
}

fn phones() -> Plugin {
    plugin(
        json!({
            "SPA301": {"version": "7.5.5", "lines": 1, "firmware": "spa50x-30x-7-5-5.bin",
                       "firmware_step": {"below": "7.5.2b", "firmware": "spa50x-30x-7-5-2b.bin"}},
            "SPA509G": {"version": "7.5.5", "lines": 12, "keys": 12, "expansion_modules": 2,
                        "dictionary": "spa50x_30x_{lang}_v755.xml"},
            "SPA525G": {"version": "7.5.5", "lines": 5, "keys": 5, "expansion_modules": 2},
            "SPA525G2": {"version": "7.5.5", "lines": 5, "keys": 5, "expansion_modules": 2},
            "SPA502G": {"version": "7.5.5", "lines": 1, "keys": 0, "expansion_modules": 2}
        }),
        json!({"common_files": ["spa301.cfg", "spa509G.cfg"]}),
    )
}

fn atas() -> Plugin {
    plugin(json!({"ATA190": {"version": "1.2.2", "lines": 2, "load": "ATA190.1-2-2-003"}}), json!({}))
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
    let p = phones();
    let a = |i| CiscoSpa.associate(&p, &i);
    assert_eq!(a(info(Some("Cisco"), Some("SPA509G"), Some("7.5.5"))), EXACT);
    assert_eq!(a(info(Some("Cisco"), Some("SPA509G"), Some("7.4.4"))), COMPLETE);
    assert_eq!(a(info(Some("Cisco"), Some("SPA509G"), None)), COMPLETE);
    // The 3-digit model of a Cisco DHCP class is the plugin's G model.
    assert_eq!(a(info(Some("Cisco"), Some("SPA509"), None)), COMPLETE);
    assert_eq!(a(info(Some("Cisco"), Some("SPA525"), None)), COMPLETE);
    assert_eq!(CiscoSpa.associate(&p, &dhcp(b"Cisco SPA525G2").unwrap()), COMPLETE);
    assert_eq!(resolve_model(&p, "SPA525").unwrap().0, "SPA525G");
    assert_eq!(resolve_model(&p, "SPA30"), None);
    // Another plugin's model.
    assert_eq!(a(info(Some("Cisco"), Some("SPA942"), Some("6.1.5(a)"))), IMPROBABLE);
    assert_eq!(a(info(Some("Cisco"), Some("7941G"), None)), IMPROBABLE);
    // No model: below cisco_sccp's 310, so a bare `Cisco Systems` class
    // goes to the SCCP plugins (`docs/behaviour/families.md` §9.2).
    assert_eq!(a(info(Some("Cisco"), None, None)), PROBABLE);
    assert_eq!(a(info(Some("Yealink"), Some("SPA509G"), None)), IMPROBABLE);
    assert_eq!(a(info(None, Some("SPA509G"), None)), UNKNOWN);
    let ua_info = ua(b"Cisco/SPA509G-7.5.5 (0002FDFF2103)(CBT141400UK)", b"/").unwrap();
    assert_eq!(CiscoSpa.associate(&p, &ua_info), EXACT);
    assert_eq!(CiscoSpa.associate(&atas(), &tftp(b"ATA0011223344AA.cnf.xml").unwrap()), COMPLETE);
}

fn device(model: &str) -> Device {
    Device {
        id: "d1".into(),
        mac: Some(Mac::parse("00:11:22:33:44:55").unwrap()),
        vendor: Some("Cisco".into()),
        model: Some(model.into()),
        ..Default::default()
    }
}

fn raw(v: Value) -> Map {
    v.as_object().unwrap().clone()
}

#[test]
fn device_files() {
    let mut r = raw(json!({"http_port": 8667}));
    let files = CiscoSpa.configure(&phones(), &device("SPA509G"), &mut r).unwrap();
    assert_eq!(files, vec![DeviceFile::template("001122334455.xml")]);
    // ATA190: one file per port, the second named after a shifted MAC.
    let mut r = raw(json!({"http_port": 8667, "sip_lines": {"1": {"username": "a"}, "2": {"username": "b"}}}));
    let files = CiscoSpa.configure(&atas(), &device("ATA190"), &mut r).unwrap();
    assert_eq!(
        files,
        vec![
            DeviceFile::template("ATA001122334455.cnf.xml"),
            DeviceFile {
                path: "ATA112233445501.cnf.xml".into(),
                source: FileSource::Template(ATA_PORT2_TEMPLATE.into())
            }
        ]
    );
    let mut r = raw(json!({"http_port": 8667, "sip_lines": {"1": {"username": "a"}}}));
    assert_eq!(CiscoSpa.configure(&atas(), &device("ATA190"), &mut r).unwrap().len(), 1);
}

#[test]
fn sensitive_trigger_and_sync() {
    for name in [&b"001122334455.xml"[..], b"0011223344AA.xml", b"ATA001122334455.cnf.xml", b"abc001122334455.xml"] {
        assert!(CiscoSpa.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    for name in [
        &b"spa-phone.xml"[..],
        b"spa509G.cfg",
        b"abcd001122334455.xml",
        b"00112233445.xml",
        b"001122334455.cfg",
        b"a.b001122334455.xml",
        b"001122334455.cnf",
        b"",
    ] {
        assert!(!CiscoSpa.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(CiscoSpa.remote_state_trigger(&device("SPA509G")).unwrap(), "001122334455.xml");
    assert_eq!(CiscoSpa.remote_state_trigger(&device("ATA190")).unwrap(), "ATA001122334455.cnf.xml");
    assert_eq!(CiscoSpa.remote_state_trigger(&Device::default()), None);
    let mac = device("x").mac;
    assert!(CiscoSpa.is_remote_state_trigger(mac, Some("SPA509G"), b"001122334455.xml"));
    assert!(CiscoSpa.is_remote_state_trigger(mac, None, b"001122334455.xml"));
    assert!(!CiscoSpa.is_remote_state_trigger(mac, Some("SPA509G"), b"001122334455.cnf.xml"));
    assert!(!CiscoSpa.is_remote_state_trigger(mac, Some("SPA509G"), b"001122334456.xml"));
    assert!(CiscoSpa.is_remote_state_trigger(mac, Some("ATA190"), b"ATA001122334455.cnf.xml"));
    assert!(!CiscoSpa.is_remote_state_trigger(mac, Some("ATA190"), b"ATA112233445501.cnf.xml"));
    assert!(!CiscoSpa.is_remote_state_trigger(None, Some("ATA190"), b"ATA001122334455.cnf.xml"));
    assert_eq!(CiscoSpa.sync_notify(&device("SPA509G")), Some(SyncNotify::CHECK_SYNC));
    assert_eq!(CiscoSpa.sync_notify(&device("ATA190")), Some(SyncNotify::CHECK_SYNC));
}

#[test]
fn required_parameters() {
    let err = CiscoSpa.configure(&phones(), &device("SPA509G"), &mut raw(json!({"tftp_port": 69}))).unwrap_err();
    assert_eq!(err, ConfigureError::MissingParameter("http_port"));
    let mut dev = device("SPA509G");
    dev.mac = None;
    let err = CiscoSpa.configure(&phones(), &dev, &mut raw(json!({"http_port": 8667}))).unwrap_err();
    assert_eq!(err, ConfigureError::MissingDeviceField("mac"));
}

#[test]
fn function_keys_and_units() {
    let mut r = raw(json!({
        "http_port": 8667,
        "funckeys": {
            "10": {"type": "blf", "value": "1010", "label": "Ann & Co"},
            "1": {"type": "speeddial", "value": "1001"},
            "2": {"type": "park", "value": "700", "label": "Park"},
            "13": {"type": "blf", "value": "1013"},
            "76": {"type": "blf", "value": "1076"},
            "77": {"type": "blf", "value": "1077"},
            "5": {"type": "paging", "value": "1"},
            "6": {"type": "speeddial"},
            "0": {"type": "speeddial", "value": "1"},
            "x": {"type": "speeddial", "value": "1"}
        }
    }));
    CiscoSpa.configure(&phones(), &device("SPA509G"), &mut r).unwrap();
    assert_eq!(
        r["XX_fkeys"],
        "<Extension_1_>Disabled</Extension_1_>\n<Short_Name_1_>1001</Short_Name_1_>\n\
         <Extended_Function_1_>fnc=sd;ext=1001@$PROXY;nme=1001</Extended_Function_1_>\n\
         <Extension_2_>Disabled</Extension_2_>\n<Short_Name_2_>Park</Short_Name_2_>\n\
         <Extended_Function_2_>fnc=sd;ext=700@$PROXY;nme=Park</Extended_Function_2_>\n\
         <Extension_10_>Disabled</Extension_10_>\n<Short_Name_10_>Ann &amp; Co</Short_Name_10_>\n\
         <Extended_Function_10_>fnc=sd+blf+cp;sub=1010@$PROXY;nme=Ann &amp; Co</Extended_Function_10_>\n\
         <Unit_1_Key_1>fnc=sd+blf+cp;sub=1013@$PROXY;nme=1013</Unit_1_Key_1>\n\
         <Unit_2_Key_32>fnc=sd+blf+cp;sub=1076@$PROXY;nme=1076</Unit_2_Key_32>"
    );
    // No line keys: everything goes to the attendant consoles.
    let mut r = raw(json!({"http_port": 8667, "funckeys": {"1": {"type": "blf", "value": "1001"}}}));
    CiscoSpa.configure(&phones(), &device("SPA502G"), &mut r).unwrap();
    assert_eq!(r["XX_fkeys"], "<Unit_1_Key_1>fnc=sd+blf+cp;sub=1001@$PROXY;nme=1001</Unit_1_Key_1>");
    // A model without key data gets none; nor does an unknown model.
    for model in ["SPA301", "SPA999"] {
        let mut r = raw(json!({"http_port": 8667, "funckeys": {"1": {"type": "blf", "value": "1001"}}}));
        CiscoSpa.configure(&phones(), &device(model), &mut r).unwrap();
        assert!(!r.contains_key("XX_fkeys"), "{model}");
    }
    // The 3-digit DHCP model keeps its keys.
    let mut r = raw(json!({"http_port": 8667, "funckeys": {"6": {"type": "blf", "value": "1006"}}}));
    CiscoSpa.configure(&phones(), &device("SPA525"), &mut r).unwrap();
    assert!(r["XX_fkeys"].as_str().unwrap().starts_with("<Unit_1_Key_1>"));
    assert_eq!(r["XX_model"], "SPA525G");
}

fn tz_text(posix: &str) -> String {
    format_timezone(&tz::parse_posix_tz("x", posix).unwrap())
}

#[test]
fn time_zones() {
    assert_eq!(
        format_timezone(&tz::timezone_info("America/Montreal").unwrap()),
        "<Time_Zone>GMT-05:00</Time_Zone>\n\
         <Daylight_Saving_Time_Enable>yes</Daylight_Saving_Time_Enable>\n\
         <Daylight_Saving_Time_Rule>start=3/8/7/2:00:00;end=11/1/7/2:00:00;save=1:00:00</Daylight_Saving_Time_Rule>"
    );
    assert_eq!(
        format_timezone(&tz::timezone_info("Europe/Paris").unwrap()),
        "<Time_Zone>GMT+01:00</Time_Zone>\n\
         <Daylight_Saving_Time_Enable>yes</Daylight_Saving_Time_Enable>\n\
         <Daylight_Saving_Time_Rule>start=3/-1/7/2:00:00;end=10/-1/7/3:00:00;save=1:00:00</Daylight_Saving_Time_Rule>"
    );
    assert_eq!(
        format_timezone(&tz::timezone_info("Asia/Kolkata").unwrap()),
        "<Time_Zone>GMT+05:30</Time_Zone>\n<Daylight_Saving_Time_Enable>no</Daylight_Saving_Time_Enable>"
    );
    assert!(tz_text("NST3:30NDT,M3.2.0,M11.1.0").starts_with("<Time_Zone>GMT-03:30</Time_Zone>"));
    // Day-of-year rules are exact dates (weekday 0); times are clamped
    // into the day.
    assert!(tz_text("AAA3BBB,J60/2,J305").contains("start=3/1/0/2:00:00;end=11/1/0/2:00:00"));
    assert!(tz_text("AAA3BBB,59,M11.1.0/-1").contains("start=3/1/0/2:00:00;end=11/1/7/0:00:00"));
    assert!(tz_text("<-02>2<-01>,M3.5.0/-1,M10.5.0/25").contains("end=10/-1/7/23:59:59"));
    assert!(tz_text("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0").contains("save=0:30:00"));
}

#[test]
fn lines_locale_and_server() {
    let mut r = raw(json!({
        "http_port": 8667, "ip": "10.0.0.1", "locale": "fr_FR", "timezone": "Europe/Paris",
        "sip_proxy_ip": "10.0.0.2", "sip_backup_proxy_ip": "10.0.0.3", "sip_dtmf_mode": "RTP-in-band",
        "sip_srtp_mode": "required", "sip_transport": "tls", "exten_voicemail": "*98",
        "sip_outbound_proxy_ip": "10.0.0.9", "sip_outbound_proxy_port": 5070,
        "X_xivo_phonebook_ip": "10.0.0.7", "X_xivo_user_uuid": "u-1",
        "sip_lines": {
            "10": {"username": "ten"},
            "2": {"username": "two", "proxy_ip": "10.0.0.5", "proxy_port": 5080, "backup_proxy_ip": "",
                  "dtmf_mode": "SIP-INFO", "srtp_mode": "disabled", "voicemail": "*99"},
            "1": {"username": "one"}
        }
    }));
    CiscoSpa.configure(&phones(), &device("SPA509G"), &mut r).unwrap();
    let lines = r["XX_lines"].as_object().unwrap();
    assert_eq!(lines.keys().collect::<Vec<_>>(), ["1", "2", "10"], "numeric order");
    let one = &lines["1"];
    assert_eq!(one["XX_proxy"], "xivo_proxies1:SRV=10.0.0.2:5060:p=0|10.0.0.3:5060:p=1");
    assert_eq!((&one["XX_proxy_ip"], &one["XX_proxy_port"]), (&json!("10.0.0.2"), &json!("5060")));
    assert_eq!(one["XX_dtmf"], "InBand");
    assert_eq!(one["XX_srtp"], "Yes");
    assert_eq!(one["XX_transport"], "TLS");
    assert_eq!(one["XX_voicemail"], "*98");
    assert_eq!(one["XX_outbound_proxy"], "10.0.0.9:5070");
    assert_eq!(one["username"], "one");
    let two = &lines["2"];
    assert_eq!(two["XX_proxy"], "xivo_proxies2:SRV=10.0.0.5:5080:p=0|10.0.0.3:5060:p=1");
    assert_eq!(two["XX_dtmf"], "INFO");
    assert_eq!(two["XX_srtp"], "No");
    assert_eq!(two["XX_voicemail"], "*99");
    assert_eq!(r["XX_proxies"]["10"], "xivo_proxies10:SRV=10.0.0.2:5060:p=0|10.0.0.3:5060:p=1");
    assert_eq!(r["XX_language"], "French");
    assert_eq!(r["XX_locale"], "fr-FR");
    assert_eq!(r["XX_directory_name"], "Répertoire Wazo");
    assert_eq!(
        r["XX_xivo_phonebook_url"],
        "http://10.0.0.7:9498/0.1/directories/input/default/cisco?xivo_user_uuid=u-1"
    );
    assert_eq!(r["XX_server_url"], "http://10.0.0.1:8667");
    assert_eq!(r["XX_cisco_timezone"], "Central Europe Standard/Daylight Time");
    assert_eq!(r["XX_encoding"], "UTF-8");
    assert_eq!(
        r["XX_dictionary_script"],
        "serv=http://10.0.0.1:8667/i18n/;d0=English;x0=spa50x_30x_en_v755.xml;d1=French;x1=spa50x_30x_fr_v755.xml;\
         d2=German;x2=spa50x_30x_de_v755.xml;d3=Spanish;x3=spa50x_30x_es_v755.xml"
    );
    assert!(!r.contains_key("XX_upgrade_rule"));

    // Lines beyond the model's are left out; the firmware step.
    let mut r = raw(json!({
        "http_port": 8667, "ip": "10.0.0.1", "sip_lines": {"1": {"username": "a"}, "2": {"username": "b"}}
    }));
    CiscoSpa.configure(&phones(), &device("SPA301"), &mut r).unwrap();
    assert_eq!(r["XX_lines"].as_object().unwrap().len(), 1);
    assert_eq!(r["XX_lines"]["1"]["XX_proxy"], "");
    assert_eq!(r["XX_lines"]["1"]["XX_dtmf"], "Auto");
    assert_eq!(r["XX_lines"]["1"]["XX_transport"], "UDP");
    assert_eq!(
        r["XX_upgrade_rule"],
        "($SWVER lt 7.5.2b) ? http://10.0.0.1:8667/firmware/spa50x-30x-7-5-2b.bin | \
         http://10.0.0.1:8667/firmware/spa50x-30x-7-5-5.bin"
    );
    assert_eq!(r["XX_locale"], "en-US");
    assert_eq!(r["XX_directory_name"], "Wazo Directory");
    assert!(!r.contains_key("XX_language") && !r.contains_key("XX_timezone"));

    // The ATA190's load; plugin-level directory names and encoding.
    let mut r = raw(json!({"http_port": 8667, "locale": "fr_CA"}));
    CiscoSpa.configure(&atas(), &device("ATA190"), &mut r).unwrap();
    assert_eq!(r["XX_load"], "ATA190.1-2-2-003");
    let latin = plugin(
        json!({"SPA942": {"version": "6.1.5(a)", "lines": 4}}),
        json!({"encoding": "iso-8859-1", "directory_names": {"en": "Directory", "fr": "Annuaire"}}),
    );
    CiscoSpa.configure(&latin, &device("SPA942"), &mut r).unwrap();
    assert_eq!(r["XX_encoding"], "ISO-8859-1");
    assert_eq!(r["XX_directory_name"], "Annuaire");
    r.insert("locale".into(), json!("de_DE"));
    CiscoSpa.configure(&latin, &device("SPA942"), &mut r).unwrap();
    assert_eq!(r["XX_directory_name"], "Directory");
    assert_eq!(r["XX_language"], "German");
}

#[test]
fn common_files() {
    let base = raw(json!({"ip": "10.0.0.1", "http_port": 8667, "http_base_url": "http://prov.example:8667"}));
    let files = CiscoSpa.common_files(&phones(), &base).unwrap();
    assert_eq!(files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), ["spa301.cfg", "spa509G.cfg"]);
    for f in &files {
        assert_eq!(f.template, "common/model.cfg.tpl");
        assert_eq!(f.context["XX_server_url"], "http://prov.example:8667");
    }
    assert!(CiscoSpa.common_files(&atas(), &base).unwrap().is_empty());
}

/// The bundled plugins load, name this family, and give every model a
/// version, a line count, a template and a capabilities entry; their
/// common files are the names the devices ask for.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    let expect: [(&str, &[&str], &[&str]); 8] = [
        (
            "wazo-cisco-spa-7.5.5",
            &[
                "SPA301", "SPA303", "SPA501G", "SPA502G", "SPA504G", "SPA508G", "SPA509G", "SPA512G", "SPA514G",
                "SPA525G", "SPA525G2",
            ],
            &[
                "spa301.cfg",
                "spa303.cfg",
                "spa501G.cfg",
                "spa502G.cfg",
                "spa504G.cfg",
                "spa508G.cfg",
                "spa509G.cfg",
                "spa512G.cfg",
                "spa514G.cfg",
                "spa525G.cfg",
                "spa525G2.cfg",
            ],
        ),
        (
            "wazo-cisco-spa-legacy",
            &["SPA901", "SPA921", "SPA922", "SPA941", "SPA942", "SPA962"],
            &["spa901.cfg", "spa921.cfg", "spa922.cfg", "spa941.cfg", "spa942.cfg", "spa962.cfg"],
        ),
        ("wazo-cisco-pap2t-5.1.6", &["PAP2T"], &["init.cfg"]),
        ("wazo-cisco-spa100-1.3.5p", &["SPA112", "SPA122"], &["spa112.cfg", "spa122.cfg"]),
        ("wazo-cisco-spa2102-5.2.12", &["SPA2102"], &["spa2102.cfg"]),
        ("wazo-cisco-spa3102-5.1.10", &["SPA3102"], &["spa3102.cfg"]),
        ("wazo-cisco-spa8000-6.1.11", &["SPA8000"], &["spa8000.cfg"]),
        ("wazo-cisco-ata190-1.2.2", &["ATA190"], &["dialplan.xml"]),
    ];
    for (id, models, commons) in expect {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "cisco_spa");
        assert_eq!(p.info.models.keys().collect::<Vec<_>>(), models, "{id}");
        let names: Vec<&str> =
            p.info.extra["common_files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(names, commons, "{id}");
        for (name, model) in &p.info.models {
            let cap = format!("Cisco, {name}, {}", model.version.as_deref().unwrap());
            assert!(p.info.capabilities.contains_key(&cap), "{id}: no capabilities {cap:?}");
            assert!(model.get_u64("lines").is_some(), "{id} {name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{id} {name}.tpl");
            // Every common file of a phone model is named after it, as
            // the phone asks for it (`/spa$PSN.cfg`).
            if let Some(psn) = name.strip_prefix("SPA") {
                assert!(
                    names.contains(&format!("spa{psn}.cfg").as_str())
                        || names.contains(&format!("spa{}.cfg", psn.to_lowercase()).as_str()),
                    "{id} {name}"
                );
            }
        }
        // The device asking for a common file over TFTP is recognised.
        for name in names.iter().filter(|n| n.starts_with("spa") || **n == "init.cfg") {
            let info = tftp(format!("/{name}").as_bytes()).map(DeviceInfo::into_owned);
            let model = info.and_then(|i| i.model).unwrap_or_else(|| panic!("{name}"));
            assert!(resolve_model(&p, &model).is_some(), "{id} {name}: {model}");
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
        assert!(p.templates_dir().join("common/model.cfg.tpl").is_file());
    }
    let legacy = crate::plugins::load(&root.join("wazo-cisco-spa-legacy")).unwrap();
    assert_eq!(legacy.info.extra["encoding"], "iso-8859-1");
}
