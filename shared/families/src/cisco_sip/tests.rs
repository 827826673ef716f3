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

/// The multiplatform rows of the shared identification vectors, copied
/// from `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
pub(crate) const VECTORS: &str = "\
    dhcp-vendor\tCISCO ATA191-MPP\tCisco\tATA191\t\t\n\
    dhcp-vendor\tCISCO ATA192-MPP\tCisco\tATA192\t\t\n\
    dhcp-vendor\tCP-7841-3PCC\tCisco\t7841\t\t\n\
    dhcp-vendor\tCP-8851-3PCC\tCisco\t8851\t\t\n\
    dhcp-vendor\tCP-6821-3PCC\tCisco\t6821\t\t\n\
    http-ua\tCisco-CP-7832-3PCC/11.0.1 (00562b043615)\tCisco\t7832\t11.0.1\t00:56:2b:04:36:15\n\
    http-ua\tCisco-CP-8851-3PCC/12.0.7 (00562B0A0B0C)\tCisco\t8851\t12.0.7\t00:56:2b:0a:0b:0c\n\
    http-ua\tCisco-CP-6871-3PCC/11.3.1 (00562b0a0b0d)\tCisco\t6871\t11.3.1\t00:56:2b:0a:0b:0d\n\
    http-ua\tCisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)\tCisco\tATA191\t11-1-0-MSR4\t\n\
    http-ua\tCisco/ATA192-MPP-11-1-0MPP0401-002 (FCH2443D9R5)\tCisco\tATA192\t11-1-0MPP0401-002\t\n\
    tftp-path\t/Cisco/CP-7841-3PCC/00562b043615.cfg\tCisco\t7841\t\t00:56:2b:04:36:15\n\
    tftp-path\t/Cisco/CP-8861-3PCC/00562B043616.cfg\tCisco\t8861\t\t00:56:2b:04:36:16\n\
    tftp-path\t/006bf1043617.xml\tCisco\t\t\t00:6b:f1:04:36:17";

/// Look-alikes, other Cisco families' requests and other vendors': this
/// family stays silent.
const NOT_OURS: &str = "\
    http-ua\tCisco-CP-7841-3PCC/12.0.7 (00562b04361)\n\
    http-ua\tCisco-CP-784-3PCC/12.0.7 (00562b043615)\n\
    http-ua\tCisco-CP-7841-3PCC/12.0.7 (00562b043615) x\n\
    http-ua\tCisco/ATA190-1.2.2 (CBT141400UK)\n\
    http-ua\tCisco/SPA508G-7.4.4 (0002FDFF2103)(CBT141400UK)\n\
    http-ua\tCisco/ATA191-MPP-11-1-0-MSR4\n\
    dhcp-vendor\tCP-784-3PCC\n\
    dhcp-vendor\tCP-78410-3PCC\n\
    dhcp-vendor\tCisco ATA191-MPP\n\
    dhcp-vendor\tCISCO ATA190\n\
    dhcp-vendor\tCISCO SPA122\n\
    dhcp-vendor\tCisco Systems, Inc. IP Phone CP-7960G\\x00\n\
    tftp-path\t/Cisco/CP-7841-3PCC/00562b043615.xml\n\
    tftp-path\t/Cisco/CP-7841-3PCC/00562b04361.cfg\n\
    tftp-path\t006bf1043617.xml\n\
    tftp-path\t/006bf1043617.cfg\n\
    tftp-path\t/SEP00562B043615.cnf.xml\n\
    tftp-path\t/spa122.cfg\n\
    http-ua\tYealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";

const MAC: &str = "00:56:2b:0a:0b:0c";

fn unescape(s: &str) -> Vec<u8> {
    crate::identify::unescape(s.as_bytes()).unwrap()
}

fn ua<'a>(ua: &'a [u8], path: &'a [u8]) -> Option<DeviceInfo<'a>> {
    CiscoSip.extract(&Request::Http { path, user_agent: Some(ua) })
}

fn test_plugin() -> Plugin {
    let info: PluginInfo = serde_json::from_value(json!({
        "version": "1.0.0", "description": "t", "family": "cisco_sip",
        "common_files": ["7841-3PCC.xml", "8851-3PCC.xml"],
        "models": {
            "7841": {"version": "12.0.7", "lines": 4, "keys": 4, "expansion_modules": 0,
                     "firmware": "sip78xx.12-0-7MPP0201-66.loads", "dictionary": "{locale}_88xx-12.0.4.0002.xml"},
            "8851": {"version": "12.0.7", "lines": 10, "keys": 10, "expansion_modules": 2},
            "ATA191": {"version": "11-1-0-MSR4", "lines": 2, "keys": 0}
        }
    }))
    .unwrap();
    Plugin { id: "wazo-cisco-sip-12.0.7".into(), dir: "/nonexistent".into(), info, family: &CiscoSip }
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
        let input = unescape(input);
        let info = CiscoSip.extract(&request(protocol, &input)).unwrap_or_else(|| panic!("{row}"));
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
        assert_eq!(CiscoSip.extract(&request(protocol, &input)), None, "{row}");
    }
}

/// The whole identification (every family's answer, merged by vote) gives
/// the vectors: cisco_spa no longer answers the ATAs' `Cisco/ATA19x-MPP-`
/// User-Agent, so it cannot outvote the version.
#[test]
fn merged_identification() {
    for row in VECTORS.lines() {
        let [protocol, input, vendor, model, version, mac] = row.split('\t').collect::<Vec<_>>().try_into().unwrap();
        let input = unescape(input);
        let info = crate::identify::identify(&request(protocol, &input));
        let field = |f: &Option<Cow<'_, str>>| f.as_deref().unwrap_or("").to_owned();
        assert_eq!([field(&info.vendor), field(&info.model), field(&info.version)], [vendor, model, version], "{row}");
        assert_eq!(info.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{row}");
    }
}

#[test]
fn user_agents_and_paths() {
    let info = ua(b"Cisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)", b"/spa-ata.xml?mac=006bf10a0b0c").unwrap();
    assert_eq!(info.sn.as_deref(), Some("FCH2443D9R4"));
    assert_eq!(info.mac.unwrap().to_string(), "00:6b:f1:0a:0b:0c", "the MAC of the profile argument");
    let info = ua(b"Cisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)", b"/x.xml?a=1&mac=00:6B:F1:0A:0B:0C").unwrap();
    assert_eq!(info.mac.unwrap().to_string(), "00:6b:f1:0a:0b:0c");
    let info = ua(b"Cisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)", b"/006bf10a0b0d.xml").unwrap();
    assert_eq!(info.mac.unwrap().to_string(), "00:6b:f1:0a:0b:0d", "the MAC of the profile's name");
    for path in [
        &b"/spa-ata.xml?mac=zz"[..],
        b"/spa-ata.xml?mac=",
        b"/spa-ata.xml?xmac=006bf10a0b0c",
        b"/006BF10A0B0D.xml",
        b"/a006bf10a0b0d.xml",
        b"/006bf10a0b0d.xml.bak",
        b"/ata191.cfg",
        b"/\xff\xfe.xml",
    ] {
        let info = ua(b"Cisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)", path).unwrap();
        assert_eq!(info.mac, None, "{}", String::from_utf8_lossy(path));
    }
    // The phone's UA carries the MAC; the path adds nothing.
    let info = ua(b"Cisco-CP-7841-3PCC/12.0.7 (00562b0a0b0c)", b"/0011223344ff.xml").unwrap();
    assert_eq!(info.mac.unwrap().to_string(), MAC);
    // Without a UA (or with someone else's), nothing: a `?mac=` alone is
    // not Cisco's (wazo's ATA plugin claimed any UA with it).
    assert_eq!(CiscoSip.extract(&Request::Http { path: b"/spa-ata.xml?mac=006bf10a0b0c", user_agent: None }), None);
    assert_eq!(ua(b"", b"/spa-ata.xml?mac=006bf10a0b0c"), None);
    assert_eq!(ua(b"snom320-SIP 8.7.5.35", b"/x.htm?mac=000413241234"), None);
    // Bad bytes never panic; a version that is not UTF-8 is dropped.
    let info = ua(b"Cisco-CP-7841-3PCC/12.0.\xff (00562b0a0b0c)", b"/").unwrap();
    assert_eq!((info.model.as_deref(), info.version), (Some("7841"), None));
    for bad in [&b"Cisco-CP-"[..], b"Cisco/ATA", b"Cisco-CP-7841-3PCC/ (00562b0a0b0c)", b"\xff\xfe"] {
        assert_eq!(ua(bad, b"/"), None, "{}", String::from_utf8_lossy(bad));
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
    let a = |i| CiscoSip.associate(&p, &i);
    assert_eq!(a(info(Some("Cisco"), Some("7841"), Some("12.0.7"))), EXACT);
    assert_eq!(a(info(Some("Cisco"), Some("7841"), Some("11.3.1"))), COMPLETE);
    assert_eq!(a(info(Some("Cisco"), Some("7841"), None)), COMPLETE);
    assert_eq!(a(info(Some("Cisco"), Some("ATA191"), Some("11-1-0-MSR4"))), EXACT);
    assert_eq!(a(info(Some("Cisco"), Some("6821"), Some("12.0.7"))), IMPROBABLE, "another plugin's model");
    assert_eq!(a(info(Some("Cisco"), Some("SPA509G"), None)), IMPROBABLE);
    assert_eq!(a(info(Some("Cisco"), None, None)), PROBABLE);
    assert_eq!(a(info(None, Some("7841"), None)), UNKNOWN);
    assert_eq!(a(info(Some("Yealink"), Some("7841"), None)), IMPROBABLE);
    let dhcp = CiscoSip.extract(&Request::Dhcp { vendor_class: b"CP-7841-3PCC" }).unwrap();
    assert_eq!(CiscoSip.associate(&p, &dhcp), COMPLETE);
    let tftp = CiscoSip.extract(&Request::Tftp { filename: b"/006bf1043617.xml" }).unwrap();
    assert_eq!(CiscoSip.associate(&p, &tftp), PROBABLE);
}

#[test]
fn files_sensitive_trigger_and_sync() {
    let p = test_plugin();
    let dev = device("7841");
    let files = CiscoSip.configure(&p, &dev, &mut map(json!({"ip": "10.0.0.1", "http_port": 8667}))).unwrap();
    assert_eq!(files, vec![DeviceFile::template("00562b0a0b0c.xml")]);
    let files = CiscoSip.configure(&p, &device("ATA191"), &mut map(json!({"ip": "10.0.0.1", "http_port": 8667})));
    assert_eq!(files.unwrap(), vec![DeviceFile::template("00562b0a0b0c.xml")], "ATAs too: no .cnf.xml");
    assert_eq!(
        CiscoSip.configure(&p, &dev, &mut map(json!({"ip": "10.0.0.1"}))),
        Err(ConfigureError::MissingParameter("http_port"))
    );
    let mut no_mac = device("7841");
    no_mac.mac = None;
    assert_eq!(
        CiscoSip.configure(&p, &no_mac, &mut map(json!({"http_port": 8667}))),
        Err(ConfigureError::MissingDeviceField("mac"))
    );
    assert!(CiscoSip.is_sensitive(b"00562b0a0b0c.xml"));
    assert!(CiscoSip.is_sensitive(b"00562B0A0B0C.xml"));
    for name in [&b"7841-3PCC.xml"[..], b"cp-phone.xml", b"ata191.cfg", b"00562b0a0b0c.cfg", b""] {
        assert!(!CiscoSip.is_sensitive(name), "{}", String::from_utf8_lossy(name));
    }
    assert_eq!(CiscoSip.remote_state_trigger(&dev).unwrap(), "00562b0a0b0c.xml");
    assert_eq!(CiscoSip.remote_state_trigger(&Device::default()), None);
    assert!(CiscoSip.is_remote_state_trigger(dev.mac, Some("7841"), b"00562b0a0b0c.xml"));
    assert!(CiscoSip.is_remote_state_trigger(dev.mac, Some("ATA191"), b"00562b0a0b0c.xml"));
    assert!(!CiscoSip.is_remote_state_trigger(dev.mac, None, b"00562B0A0B0C.xml"));
    assert!(!CiscoSip.is_remote_state_trigger(dev.mac, None, b"7841-3PCC.xml"));
    assert!(!CiscoSip.is_remote_state_trigger(None, None, b"00562b0a0b0c.xml"));
    assert_eq!(CiscoSip.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
}

#[test]
fn common_files_point_at_the_server() {
    let p = test_plugin();
    let base = map(json!({"ip": "10.0.0.1", "http_port": 8667}));
    let files = CiscoSip.common_files(&p, &base).unwrap();
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["7841-3PCC.xml", "8851-3PCC.xml"]);
    assert!(files.iter().all(|f| f.template == "common/model.cfg.tpl"));
    assert_eq!(files[0].context["XX_server_url"], "http://10.0.0.1:8667");
}

#[test]
fn context_values() {
    let p = test_plugin();
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667, "locale": "fr_CA", "timezone": "America/Montreal",
        "sip_proxy_ip": "10.0.0.2", "sip_backup_proxy_ip": "10.0.0.3", "sip_dtmf_mode": "SIP-INFO",
        "X_xivo_phonebook_ip": "10.0.0.4", "X_xivo_user_uuid": "u-1",
        "sip_lines": {"1": {"username": "u1", "display_name": "A"}, "5": {"username": "u5"}},
        "funckeys": {
            "2": {"type": "speeddial", "value": "1002", "label": "Bob & Co"},
            "3": {"type": "blf", "value": "1003"},
            "4": {"type": "paging", "value": "1"},
            "5": {"type": "park", "value": "701"}
        }
    }));
    CiscoSip.configure(&p, &device("7841"), &mut raw).unwrap();
    assert_eq!(raw["XX_model"], "7841");
    assert_eq!(raw["XX_language"], "French");
    assert_eq!(raw["XX_locale"], "fr-CA");
    assert_eq!(raw["XX_directory_name"], "Répertoire Wazo");
    assert_eq!(
        raw["XX_timezone"],
        "<Time_Zone>GMT-05:00</Time_Zone>\n<Daylight_Saving_Time_Enable>yes</Daylight_Saving_Time_Enable>\n\
         <Daylight_Saving_Time_Rule>start=3/8/7/2:00:00;end=11/1/7/2:00:00;save=1:00:00</Daylight_Saving_Time_Rule>"
    );
    assert_eq!(raw["XX_proxies"]["1"], "xivo_proxies1:SRV=10.0.0.2:5060:p=0|10.0.0.3:5060:p=1");
    assert_eq!(raw["XX_lines"]["1"]["XX_dtmf"], "INFO");
    assert!(raw["XX_lines"].get("5").is_none(), "line 5 is beyond the 7841's 4");
    assert_eq!(
        raw["XX_fkeys"],
        "<Extension_2_>Disabled</Extension_2_>\n<Short_Name_2_>Bob &amp; Co</Short_Name_2_>\n\
         <Extended_Function_2_>fnc=sd;ext=1002@$PROXY;nme=Bob &amp; Co</Extended_Function_2_>\n\
         <Extension_3_>Disabled</Extension_3_>\n<Short_Name_3_>1003</Short_Name_3_>\n\
         <Extended_Function_3_>fnc=sd+blf+cp;sub=1003@$PROXY;nme=1003</Extended_Function_3_>"
    );
    assert_eq!(raw["XX_poe_power"], "Normal");
    assert_eq!(raw["XX_upgrade_rule"], "http://10.0.0.1:8667/sip78xx.12-0-7MPP0201-66.loads");
    assert_eq!(
        raw["XX_dictionary_script"],
        "serv=http://10.0.0.1:8667/locales/;d0=English;x0=en-US_88xx-12.0.4.0002.xml;\
         d1=French;x1=fr-FR_88xx-12.0.4.0002.xml;d2=German;x2=de-DE_88xx-12.0.4.0002.xml;\
         d3=Spanish;x3=es-ES_88xx-12.0.4.0002.xml"
    );
    assert_eq!(
        raw["XX_xivo_phonebook_url"],
        "http://10.0.0.4:9498/0.1/directories/input/default/cisco?xivo_user_uuid=u-1"
    );
}

#[test]
fn expansion_module_keys() {
    let p = test_plugin();
    let mut raw = map(json!({
        "ip": "10.0.0.1", "http_port": 8667,
        "funckeys": {
            "11": {"type": "blf", "value": "1011"},
            "43": {"type": "speeddial", "value": "1043"},
            "75": {"type": "speeddial", "value": "1075"}
        }
    }));
    CiscoSip.configure(&p, &device("8851"), &mut raw).unwrap();
    assert_eq!(
        raw["XX_fkeys"],
        "<Unit_1_Key_1_ ua=\"na\">fnc=sd+blf+cp;sub=1011@$PROXY;nme=1011</Unit_1_Key_1_>\n\
         <Unit_2_Key_1_ ua=\"na\">fnc=sd;ext=1043@$PROXY;nme=1043</Unit_2_Key_1_>",
        "key 75 would be on a third module the 8851 does not take"
    );
    assert_eq!(raw["XX_poe_power"], "Maximum");
    // An ATA has no keys at all; an unknown model no key data.
    let mut raw = map(json!({"ip": "10.0.0.1", "http_port": 8667, "funckeys": {"1": {"type": "blf", "value": "1"}}}));
    CiscoSip.configure(&p, &device("ATA191"), &mut raw).unwrap();
    assert_eq!(raw["XX_fkeys"], "");
    let mut raw = map(json!({"ip": "10.0.0.1", "http_port": 8667, "funckeys": {"1": {"type": "blf", "value": "1"}}}));
    CiscoSip.configure(&p, &device("9999"), &mut raw).unwrap();
    assert!(!raw.contains_key("XX_fkeys") && !raw.contains_key("XX_upgrade_rule"));
    assert_eq!(raw["XX_locale"], "en-US");
}

/// The bundled plugins load, name this family and give every model a
/// version, a capabilities entry, a template and its common file.
#[test]
fn bundled_plugins() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
    for (id, version, models) in [
        ("wazo-cisco-sip-11.1.0", "11-1-0-MSR4", &["ATA191", "ATA192"][..]),
        (
            "wazo-cisco-sip-11.3.1",
            "11.3.1",
            &[
                "6821", "6841", "6851", "6861", "6871", "7811", "7821", "7832", "7841", "7861", "8811", "8841", "8851",
                "8861",
            ],
        ),
        ("wazo-cisco-sip-12.0.7", "12.0.7", &["7811", "7821", "7832", "7841", "7861", "8811", "8841", "8851", "8861"]),
    ] {
        let p = crate::plugins::load(&root.join(id)).unwrap();
        assert_eq!(p.info.family, "cisco_sip");
        let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
        assert_eq!(names, models, "{id}");
        let common: Vec<&str> =
            p.info.extra["common_files"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        for (name, model) in &p.info.models {
            assert_eq!(model.version.as_deref(), Some(version), "{id} {name}");
            assert!(model.get_str("firmware").is_some(), "{id} {name}");
            assert!(p.info.capabilities.contains_key(&format!("Cisco, {name}, {version}")), "{id} {name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{id} {name}.tpl");
            let file = if name.starts_with("ATA") {
                format!("{}.cfg", name.to_lowercase())
            } else {
                format!("{name}-3PCC.xml")
            };
            assert!(common.contains(&file.as_str()), "{id} {file}");
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
        assert!(p.templates_dir().join("common/model.cfg.tpl").is_file());
        let defaults = if id.ends_with("11.1.0") { "spa-ata.xml" } else { "cp-phone.xml" };
        assert!(p.tftpboot_dir().join(defaults).is_file(), "{id} {defaults}");
    }
}
