//! Digium D-series phones (D40, D45, D50, D60, D62, D65, D70): identified by
//! the DHCP vendor class (`digium_D40_1_0_5_46476`: model and firmware) and
//! by requests under `/Digium/` (the MAC from `/Digium/<mac>.cfg`); two
//! files per device under `Digium/`: `<mac>.cfg` (the phone's XML
//! configuration) and `<mac>-contacts.xml` (its contacts, which carry the
//! BLF subscriptions), rendered from `contact.tpl`.
//!
//! Per-model data from `plugin-info`: `version`, the firmware the plugin
//! ships (EXACT association), and `firmware`, its file name under
//! `Digium/firmware/`, listed in every device file so phones upgrade.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::bytes::Regex;
use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::device::Device;
use provd_core::family::*;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;

pub struct Digium;

const VENDOR: &str = "Digium";

/// `digium_<model>_<version with _ for .>`; ASCII classes on raw bytes.
static VENDOR_CLASS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)^digium_(D\d\d)_([\d_]+)$").unwrap());

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn extract_dhcp(vendor_class: &[u8]) -> Option<DeviceInfo<'_>> {
    // The DHCP hook hands the option over raw: a NUL-terminated string
    // keeps its terminator.
    let end = vendor_class.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let vendor_class = &vendor_class[..end];
    // DHCP information is rare next to file requests: plain `captures`.
    let caps = VENDOR_CLASS.captures(vendor_class)?;
    let model = std::str::from_utf8(caps.get(1)?.as_bytes()).ok()?;
    let version: String =
        caps.get(2)?.as_bytes().iter().map(|&b| if b == b'_' { '.' } else { char::from(b) }).collect();
    Some(DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model: Some(Cow::Borrowed(model)),
        version: Some(Cow::Owned(version)),
        ..DeviceInfo::default()
    })
}

/// Any request under `/Digium/` is a Digium phone's; `/Digium/<mac>.cfg`
/// tells which one (`000000000000` is nobody).
fn extract_path(path: &[u8]) -> Option<DeviceInfo<'static>> {
    let rest = path.strip_prefix(b"/Digium/")?;
    // A prefix match, as wazo's: `<mac>.cfg` may be followed by anything.
    let mac = rest
        .get(..16)
        .filter(|name| name.ends_with(b".cfg") && &name[..12] != b"000000000000")
        .and_then(|name| Mac::parse_bytes(&name[..12]).ok());
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), mac, ..DeviceInfo::default() })
}

impl Family for Digium {
    fn id(&self) -> &'static str {
        "digium"
    }

    /// XML (`Digium/<mac>.cfg`, the contacts file).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Dhcp { vendor_class } => extract_dhcp(vendor_class),
            Request::Http { path, .. } => extract_path(path),
            Request::Tftp { .. } => None,
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref().and_then(|m| plugin.model(m)) {
                Some(model) if info.version.is_some() && info.version.as_deref() == model.version.as_deref() => EXACT,
                Some(_) => COMPLETE,
                None => PROBABLE,
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?.lower_hex();
        helpers::add_server_url(raw);
        let transport = match raw.get("sip_transport").and_then(Value::as_str) {
            Some("tcp") => "tcp",
            Some("tls") => "tls",
            _ => "udp",
        };
        raw.insert("XX_transport".into(), transport.into());
        update_sip_lines(raw);
        if let Some(ip) = main_proxy_ip(raw) {
            raw.insert("XX_main_proxy_ip".into(), ip.into());
        }
        let funckeys = function_keys(raw.get("funckeys"));
        raw.insert("XX_funckeys".into(), funckeys.into());
        if let Some(locale) = raw.get("locale").and_then(text_of) {
            raw.insert("XX_lang".into(), locale.into());
        }
        raw.insert("XX_firmwares".into(), firmwares(plugin).into());
        raw.insert("XX_mac".into(), mac.clone().into());
        Ok(vec![
            DeviceFile::template(format!("Digium/{mac}.cfg")),
            DeviceFile {
                path: format!("Digium/{mac}-contacts.xml"),
                source: FileSource::Template("contact.tpl".into()),
            },
        ])
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^[0-9a-f]{12}\.cfg$`
        basename.len() == 16
            && basename[..12].iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && &basename[12..] == b".cfg"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("{}.cfg", mac.lower_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, false, b".cfg", basename))
    }
}

/// Fills each line with the global SIP servers, its account index (lines
/// count from 1, accounts from 0) and the voicemail number.
fn update_sip_lines(raw: &mut Map) {
    let globals = [
        ("proxy_ip", "sip_proxy_ip"),
        ("proxy_port", "sip_proxy_port"),
        ("backup_proxy_ip", "sip_backup_proxy_ip"),
        ("backup_proxy_port", "sip_backup_proxy_port"),
        ("voicemail", "exten_voicemail"),
    ];
    let Some(lines) = helpers::fill_sip_lines(raw, &globals) else {
        return;
    };
    for (no, line) in lines.iter_mut() {
        if let Value::Object(line) = line
            && let Ok(n) = no.trim().parse::<u64>()
            && n > 0
        {
            line.insert("XX_account_index".into(), (n - 1).into());
        }
    }
}

/// The proxy of the lowest-numbered line (BLF subscriptions go there), else
/// the global proxy, else provd's own address.
fn main_proxy_ip(raw: &Map) -> Option<String> {
    let first_line = match raw.get("sip_lines") {
        Some(Value::Object(lines)) => lines
            .iter()
            .filter_map(|(no, line)| Some((no.trim().parse::<u64>().ok()?, line.as_object()?)))
            .min_by_key(|(no, _)| *no)
            .and_then(|(_, line)| line.get("proxy_ip").and_then(text_of)),
        _ => None,
    };
    first_line.or_else(|| raw.get("sip_proxy_ip").and_then(text_of)).or_else(|| raw.get("ip").and_then(text_of))
}

/// `XX_funckeys`: the function keys in key order, each `{no, type, value,
/// label}` (label defaults to the value). They become contacts of the
/// phone's BLF group, which fills its free line keys in that order.
fn function_keys(funckeys: Option<&Value>) -> Vec<Value> {
    let Some(Value::Object(funckeys)) = funckeys else {
        return Vec::new();
    };
    let mut keys: Vec<(u64, &Map)> = funckeys
        .iter()
        .filter_map(|(no, key)| Some((no.trim().parse().ok().filter(|&n| n > 0)?, key.as_object()?)))
        .collect();
    keys.sort_by_key(|(no, _)| *no);
    keys.into_iter()
        .filter_map(|(no, key)| {
            let kind =
                key.get("type").and_then(Value::as_str).filter(|t| matches!(*t, "speeddial" | "blf" | "park"))?;
            let value = key.get("value").and_then(text_of)?;
            let label = key.get("label").and_then(text_of).unwrap_or_else(|| value.clone());
            let mut out = Map::new();
            out.insert("no".into(), no.into());
            out.insert("type".into(), kind.into());
            out.insert("value".into(), value.into());
            out.insert("label".into(), label.into());
            Some(Value::Object(out))
        })
        .collect()
}

/// `XX_firmwares`: `{model, version, file}` for each model of the plugin
/// that names its firmware file; `version` as the phones write it (`2_8_1`).
fn firmwares(plugin: &Plugin) -> Vec<Value> {
    plugin
        .info
        .models
        .iter()
        .filter_map(|(name, model)| {
            let file = model.get_str("firmware")?;
            let mut out = Map::new();
            out.insert("model".into(), name.as_str().into());
            out.insert("version".into(), model.version.as_deref().unwrap_or("").replace('.', "_").into());
            out.insert("file".into(), file.into());
            Some(Value::Object(out))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_core::plugin::PluginInfo;
    use serde_json::json;

    /// The Digium rows of the shared identification vectors, copied from
    /// `ident-vectors.tsv` (protocol, input, vendor, model, version, mac).
    const VECTORS: &str = "\
        dhcp-vendor\tdigium_D40_1_0_5_46476\tDigium\tD40\t1.0.5.46476\t\n\
        dhcp-vendor\tdigium_D40_1_1_0_0_48178\tDigium\tD40\t1.1.0.0.48178\t\n\
        dhcp-vendor\tdigium_D70_1_0_5_46476\tDigium\tD70\t1.0.5.46476\t\n\
        dhcp-vendor\tdigium_D70_1_1_0_0_48178\tDigium\tD70\t1.1.0.0.48178\t";

    const MAC: &str = "00:0f:d3:0a:0b:0c";

    fn dhcp(v: &[u8]) -> Option<DeviceInfo<'_>> {
        Digium.extract(&Request::Dhcp { vendor_class: v })
    }

    fn http(path: &[u8]) -> Option<DeviceInfo<'_>> {
        Digium.extract(&Request::Http { path, user_agent: Some(b"Digium D40 2_8_1") })
    }

    fn test_plugin() -> Plugin {
        let info: PluginInfo = serde_json::from_value(json!({
            "version": "1.0.0", "description": "t", "family": "digium",
            "models": {
                "D40": {"version": "2.8.1", "firmware": "2_8_1_D40_firmware.eff"},
                "D70": {"version": "2.8.1", "firmware": "2_8_1_D70_firmware.eff"},
                "D62": {"version": "2.8.1"}
            }
        }))
        .unwrap();
        Plugin { id: "wazo-digium-2.8.1".into(), dir: "/nonexistent".into(), info, family: &Digium }
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
                row.split('\t').collect::<Vec<_>>().try_into().unwrap();
            assert_eq!(protocol, "dhcp-vendor");
            let got = dhcp(input.as_bytes()).unwrap_or_else(|| panic!("{input}"));
            assert_eq!(got.vendor.as_deref(), Some(vendor), "{input}");
            assert_eq!(got.model.as_deref(), Some(model), "{input}");
            assert_eq!(got.version.as_deref(), Some(version), "{input}");
            assert_eq!(got.mac.map(|m| m.to_string()).unwrap_or_default(), mac, "{input}");
            assert!(matches!(got.model, Some(Cow::Borrowed(_))));
        }
    }

    #[test]
    fn dhcp_bad_input() {
        // Trailing NULs, as the DHCP hook passes them on.
        let got = dhcp(b"digium_D40_2_8_1_12345\x00\x00").unwrap();
        assert_eq!((got.model.as_deref(), got.version.as_deref()), (Some("D40"), Some("2.8.1.12345")));
        // An unknown model of the family is still told.
        assert_eq!(dhcp(b"digium_D80_1_0_0").unwrap().model.as_deref(), Some("D80"));
        for v in [
            &b""[..],
            b"\x00",
            b"digium_",
            b"digium_D40",
            b"digium_D40_",
            b"digium_D4_1_0",
            b"digium_D40_1.0.5",
            b"Digium_D40_1_0_5",
            b"digium_D40_1_0_5\xff",
            b"digium_\xc3\xa940_1_0",
            b"digium_D40_1_0\x00x",
            b"Cisco Systems, Inc. IP Phone CP-7941G\x00",
        ] {
            assert_eq!(dhcp(v), None, "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn http_paths() {
        let got = http(b"/Digium/000fd30a0b0c.cfg").unwrap();
        assert_eq!(got.vendor.as_deref(), Some(VENDOR));
        assert_eq!(got.mac.unwrap().to_string(), MAC);
        assert_eq!((got.model, got.version), (None, None));
        assert_eq!(http(b"/Digium/000FD30A0B0C.cfg").unwrap().mac.unwrap().to_string(), MAC);
        assert_eq!(http(b"/Digium/000fd30a0b0c.cfg?x=1").unwrap().mac.unwrap().to_string(), MAC);
        for path in [
            &b"/Digium/000000000000.cfg"[..],
            b"/Digium/",
            b"/Digium/firmware/2_8_1_D40_firmware.eff",
            b"/Digium/000fd30a0b0c-contacts.xml",
            b"/Digium/000fd30a0b0g.cfg",
            b"/Digium/000fd30a0b0.cfg",
            b"/Digium/\xff\xfe",
        ] {
            let got = http(path).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(path)));
            assert_eq!(got.vendor.as_deref(), Some(VENDOR));
            assert_eq!(got.mac, None, "{}", String::from_utf8_lossy(path));
        }
        for path in [&b"/000fd30a0b0c.cfg"[..], b"/digium/000fd30a0b0c.cfg", b"/Digium", b"Digium/x", b""] {
            assert_eq!(http(path), None, "{}", String::from_utf8_lossy(path));
        }
        // No TFTP, and the UA does not matter.
        assert_eq!(Digium.extract(&Request::Tftp { filename: b"Digium/000fd30a0b0c.cfg" }), None);
        let no_ua = Digium.extract(&Request::Http { path: b"/Digium/000fd30a0b0c.cfg", user_agent: None });
        assert_eq!(no_ua.unwrap().mac.unwrap().to_string(), MAC);
        let odd_ua = Digium.extract(&Request::Http { path: b"/Digium/x", user_agent: Some(b"\xff\xfe") });
        assert_eq!(odd_ua.unwrap().vendor.as_deref(), Some(VENDOR));
    }

    #[test]
    fn association() {
        let p = test_plugin();
        let info =
            |vendor: Option<&'static str>, model: Option<&'static str>, version: Option<&'static str>| DeviceInfo {
                vendor: vendor.map(Cow::Borrowed),
                model: model.map(Cow::Borrowed),
                version: version.map(Cow::Borrowed),
                ..Default::default()
            };
        let a = |i| Digium.associate(&p, &i);
        assert_eq!(a(info(Some("Digium"), Some("D40"), Some("2.8.1"))), EXACT);
        assert_eq!(a(info(Some("Digium"), Some("D40"), Some("1.0.5.46476"))), COMPLETE);
        assert_eq!(a(info(Some("Digium"), Some("D40"), None)), COMPLETE);
        assert_eq!(a(info(Some("Digium"), Some("D80"), Some("2.8.1"))), PROBABLE);
        assert_eq!(a(info(Some("Digium"), None, None)), PROBABLE);
        assert_eq!(a(info(None, Some("D40"), None)), UNKNOWN);
        assert_eq!(a(info(Some("Polycom"), Some("D40"), None)), IMPROBABLE);
        // Extracted info goes straight in.
        assert_eq!(Digium.associate(&p, &dhcp(b"digium_D70_2_8_1\x00").unwrap()), EXACT);
        assert_eq!(Digium.associate(&p, &http(b"/Digium/000fd30a0b0c.cfg").unwrap()), PROBABLE);
    }

    #[test]
    fn files_sensitive_trigger_and_sync() {
        let p = test_plugin();
        let dev = device("D40");
        let files = Digium.configure(&p, &dev, &mut map(json!({"ip": "10.0.0.1", "http_port": 8667}))).unwrap();
        assert_eq!(
            files,
            vec![
                DeviceFile::template("Digium/000fd30a0b0c.cfg"),
                DeviceFile {
                    path: "Digium/000fd30a0b0c-contacts.xml".into(),
                    source: FileSource::Template("contact.tpl".into())
                },
            ]
        );
        assert_eq!(files[1].basename(), "000fd30a0b0c-contacts.xml");
        assert!(Digium.is_sensitive(b"000fd30a0b0c.cfg"));
        for name in [&b"000FD30A0B0C.cfg"[..], b"000fd30a0b0c-contacts.xml", b"000fd30a0b0c.cfg.bak", b"x.cfg", b""] {
            assert!(!Digium.is_sensitive(name), "{}", String::from_utf8_lossy(name));
        }
        assert_eq!(Digium.remote_state_trigger(&dev).unwrap(), "000fd30a0b0c.cfg");
        assert_eq!(Digium.remote_state_trigger(&Device::default()), None);
        assert!(Digium.is_remote_state_trigger(dev.mac, None, b"000fd30a0b0c.cfg"));
        assert!(!Digium.is_remote_state_trigger(dev.mac, None, b"000fd30a0b0c-contacts.xml"));
        assert!(!Digium.is_remote_state_trigger(dev.mac, None, b"000FD30A0B0C.cfg"));
        assert!(!Digium.is_remote_state_trigger(None, None, b"000fd30a0b0c.cfg"));
        assert_eq!(Digium.sync_notify(&dev), Some(SyncNotify::CHECK_SYNC));
        let mut no_mac = device("D40");
        no_mac.mac = None;
        assert_eq!(Digium.configure(&p, &no_mac, &mut Map::new()), Err(ConfigureError::MissingDeviceField("mac")));
    }

    #[test]
    fn context_values() {
        let p = test_plugin();
        let mut raw = map(json!({
            "ip": "10.0.0.1", "http_port": 8667, "locale": "fr_CA", "timezone": "America/Montreal",
            "sip_proxy_ip": "10.0.0.2", "sip_transport": "tcp", "exten_voicemail": "*98",
            "sip_lines": {
                "2": {"username": "u2", "proxy_ip": "10.0.0.9", "display_name": null},
                "1": {"username": "u1", "voicemail": "*99"}
            },
            "funckeys": {
                "10": {"type": "blf", "value": "1010"},
                "2": {"type": "speeddial", "value": "1002", "label": "Bob"},
                "3": {"type": "park", "value": "701"},
                "4": {"type": "paging", "value": "1"},
                "5": {"type": "blf"},
                "0": {"type": "blf", "value": "0"}
            }
        }));
        Digium.configure(&p, &device("D40"), &mut raw).unwrap();
        assert_eq!(raw["XX_mac"], "000fd30a0b0c");
        assert_eq!(raw["XX_lang"], "fr_CA");
        assert_eq!(raw["XX_transport"], "tcp");
        assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
        assert_eq!(raw["XX_main_proxy_ip"], "10.0.0.2", "line 1's proxy, from the global one");
        assert_eq!(raw["timezone"], "America/Montreal", "the phone takes Olson names as they are");
        assert_eq!(
            raw["sip_lines"]["1"],
            json!({"username": "u1", "voicemail": "*99", "proxy_ip": "10.0.0.2", "XX_account_index": 0})
        );
        assert_eq!(
            raw["sip_lines"]["2"],
            json!({"username": "u2", "proxy_ip": "10.0.0.9", "voicemail": "*98", "XX_account_index": 1})
        );
        assert_eq!(
            raw["XX_funckeys"],
            json!([
                {"no": 2, "type": "speeddial", "value": "1002", "label": "Bob"},
                {"no": 3, "type": "park", "value": "701", "label": "701"},
                {"no": 10, "type": "blf", "value": "1010", "label": "1010"}
            ])
        );
        assert_eq!(
            raw["XX_firmwares"],
            json!([
                {"model": "D40", "version": "2_8_1", "file": "2_8_1_D40_firmware.eff"},
                {"model": "D70", "version": "2_8_1", "file": "2_8_1_D70_firmware.eff"}
            ])
        );
    }

    #[test]
    fn context_defaults() {
        let p = test_plugin();
        // No line: BLF subscriptions go to provd's host, as in wazo.
        let mut raw = map(json!({"ip": "10.0.0.1", "http_port": 8667, "sip_transport": "tls"}));
        Digium.configure(&p, &device("D40"), &mut raw).unwrap();
        assert_eq!(raw["XX_main_proxy_ip"], "10.0.0.1");
        assert_eq!(raw["XX_transport"], "tls");
        assert_eq!(raw["XX_funckeys"], json!([]));
        assert!(!raw.contains_key("XX_lang"));
        // Nothing at all: no server URL, no proxy, still files.
        let mut raw = Map::new();
        assert_eq!(Digium.configure(&p, &device("D80"), &mut raw).unwrap().len(), 2);
        assert_eq!(raw["XX_transport"], "udp");
        assert!(!raw.contains_key("XX_main_proxy_ip") && !raw.contains_key("XX_server_url"));
        // The base URL wins.
        let mut raw = map(json!({"ip": "10.0.0.1", "http_port": 8667, "http_base_url": "https://p.example/k"}));
        Digium.configure(&p, &device("D40"), &mut raw).unwrap();
        assert_eq!(raw["XX_server_url"], "https://p.example/k");
    }

    /// The bundled plugin loads, names this family and gives every model a
    /// version, a firmware file, a capabilities entry and a template.
    #[test]
    fn bundled_plugin() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins");
        let p = crate::plugins::load(&root.join("wazo-digium-2.8.1")).unwrap();
        assert_eq!(p.info.family, "digium");
        let names: Vec<&str> = p.info.models.keys().map(String::as_str).collect();
        assert_eq!(names, ["D40", "D45", "D50", "D60", "D62", "D65", "D70"]);
        for (name, model) in &p.info.models {
            assert_eq!(model.version.as_deref(), Some("2.8.1"), "{name}");
            assert_eq!(model.get_str("firmware"), Some(format!("2_8_1_{name}_firmware.eff").as_str()));
            assert!(p.info.capabilities.contains_key(&format!("Digium, {name}, 2.8.1")), "{name}");
            assert!(p.templates_dir().join(format!("{name}.tpl")).is_file(), "{name}.tpl");
        }
        assert!(p.templates_dir().join("base.tpl").is_file());
        assert!(p.templates_dir().join("contact.tpl").is_file());
    }
}
