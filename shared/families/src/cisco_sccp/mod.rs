//! Cisco 79xx phones running SCCP firmware (7905G to 7975G, 7920, 7937G):
//! identified by the DHCP vendor class (the only place the model shows) and
//! by the `SEP<MAC>.cnf.xml`, `CTLSEP`/`ITLSEP` and `ITLFile.tlv` requests;
//! one `SEP<MAC>.cnf.xml` per device, fetched over TFTP (or HTTP).
//!
//! The file tells the phone which call managers to register with, the
//! firmware load to run, the date/time zone and the locale; lines and keys
//! come from the call manager over SCCP. There is no SIP NOTIFY to resync
//! these phones, so `sync_notify` is `None`.
//!
//! Per-model data from `plugin-info` `models`:
//!
//! * `version`: the firmware version the plugin's load is (metadata only:
//!   the phones never announce theirs, so association cannot use it);
//! * `load`: the `loadInformation` the phone is told to run (`XX_load`).

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};
use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::device::Device;
use provd_core::family::*;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;
use provd_core::tz::{self, TimezoneInfo};

pub struct CiscoSccp;

const VENDOR: &str = "Cisco";

/// Above cisco_spa's PROBABLE (300): a bare `Cisco Systems, Inc.` vendor
/// class (no model) is taken for an SCCP phone, as wazo does
/// (`docs/behaviour/families.md` §9.2).
const MODEL_UNKNOWN: Score = PROBABLE + 10;

/// `\bPhone (?:79(\d\d)|CP-79(\d\d)G|CP-(\d\d\d\d))`, searched anywhere in
/// the vendor class after `Cisco Systems`.
static DHCP_MODEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\bPhone (?:79(\d\d)|CP-79(\d\d)G|CP-(\d\d\d\d))").unwrap());

thread_local! {
    // Reused capture slots: no allocation per request once warm.
    static DHCP_LOCATIONS: RefCell<CaptureLocations> = RefCell::new(DHCP_MODEL.capture_locations());
}

/// `79NNG` for every NN, so a DHCP model is borrowed, never built per request.
static MODELS_79: LazyLock<Vec<String>> =
    LazyLock::new(|| (0..100).map(|n| if n == 20 { "7920".to_owned() } else { format!("79{n:02}G") }).collect());

/// `locale` -> (user locale, language code, network locale), as wazo names
/// the locale directories its firmware packages install under `i18n/`.
const LOCALES: [(&str, [&str; 3]); 5] = [
    ("de_DE", ["german_germany", "de", "germany"]),
    ("en_US", ["english_united_states", "en", "united_states"]),
    ("es_ES", ["spanish_spain", "es", "spain"]),
    ("fr_FR", ["french_france", "fr", "france"]),
    ("fr_CA", ["french_france", "fr", "canada"]),
];

/// The zone phones get when none is configured or none matches.
const DEFAULT_ZONE: &str = "Eastern Standard/Daylight Time";

/// Cisco's zone names, each with a representative Olson zone whose offset
/// and DST rule (read from the system zoneinfo) select it. Earlier rows win
/// when two share offset and rule.
const CISCO_ZONES: &[(&str, &str)] = &[
    ("Etc/GMT+12", "Dateline Standard Time"),
    ("Pacific/Pago_Pago", "Samoa Standard Time"),
    ("Pacific/Honolulu", "Hawaiian Standard Time"),
    ("America/Anchorage", "Alaskan Standard/Daylight Time"),
    ("America/Los_Angeles", "Pacific Standard/Daylight Time"),
    ("America/Denver", "Mountain Standard/Daylight Time"),
    ("Etc/GMT+7", "US Mountain Standard Time"),
    ("America/Chicago", "Central Standard/Daylight Time"),
    ("America/Mexico_City", "Mexico Standard/Daylight Time"),
    ("America/Regina", "Canada Central Standard Time"),
    ("America/Bogota", "SA Pacific Standard Time"),
    ("America/New_York", "Eastern Standard/Daylight Time"),
    ("Etc/GMT+5", "US Eastern Standard Time"),
    ("America/Halifax", "Atlantic Standard/Daylight Time"),
    ("Etc/GMT+4", "SA Western Standard Time"),
    ("America/St_Johns", "Newfoundland Standard/Daylight Time"),
    ("America/Sao_Paulo", "South America Standard/Daylight Time"),
    ("Etc/GMT+3", "SA Eastern Standard Time"),
    ("Etc/GMT+2", "Mid-Atlantic Standard/Daylight Time"),
    ("Atlantic/Azores", "Azores Standard/Daylight Time"),
    ("Europe/London", "GMT Standard/Daylight Time"),
    ("Etc/GMT", "Greenwich Standard Time"),
    ("Europe/Paris", "Central Europe Standard/Daylight Time"),
    ("Africa/Cairo", "Egypt Standard/Daylight Time"),
    ("Europe/Athens", "E. Europe Standard/Daylight Time"),
    ("Africa/Johannesburg", "South Africa Standard Time"),
    ("Asia/Jerusalem", "Jerusalem Standard/Daylight Time"),
    ("Asia/Riyadh", "Saudi Arabia Standard Time"),
    ("Europe/Moscow", "Russian Standard/Daylight Time"),
    ("Asia/Tehran", "Iran Standard/Daylight Time"),
    ("Etc/GMT-4", "Arabian Standard Time"),
    ("Asia/Kabul", "Afghanistan Standard Time"),
    ("Etc/GMT-5", "West Asia Standard Time"),
    ("Asia/Kolkata", "India Standard Time"),
    ("Etc/GMT-6", "Central Asia Standard Time"),
    ("Etc/GMT-7", "SE Asia Standard Time"),
    ("Asia/Shanghai", "China Standard/Daylight Time"),
    ("Asia/Taipei", "Taipei Standard Time"),
    ("Asia/Tokyo", "Tokyo Standard Time"),
    ("Australia/Adelaide", "Cen. Australia Standard/Daylight Time"),
    ("Australia/Darwin", "AUS Central Standard Time"),
    ("Australia/Brisbane", "E. Australia Standard Time"),
    ("Australia/Sydney", "AUS Eastern Standard/Daylight Time"),
    ("Australia/Hobart", "Tasmania Standard/Daylight Time"),
    ("Etc/GMT-10", "West Pacific Standard Time"),
    ("Etc/GMT-11", "Central Pacific Standard Time"),
    ("Etc/GMT-12", "Fiji Standard Time"),
    ("Pacific/Auckland", "New Zealand Standard/Daylight Time"),
];

/// One selectable Cisco zone: UTC offset in minutes, POSIX DST rule (None
/// without DST), name.
struct ZoneRow {
    offset: i32,
    dst: Option<String>,
    name: &'static str,
}

/// Built once from the system zoneinfo, like wazo's `_TZ_MAP`; rows whose
/// zone is missing from the system are left out.
static ZONE_ROWS: LazyLock<Vec<ZoneRow>> = LazyLock::new(|| {
    let mut rows = Vec::new();
    for &(olson, name) in CISCO_ZONES {
        if let Ok(info) = tz::timezone_info(olson) {
            rows.push(ZoneRow {
                offset: info.utc_offset.div_euclid(60),
                dst: info.dst.as_ref().map(|d| d.as_string.clone()),
                name,
            });
        }
    }
    rows
});

static ZONE_NAMES: tz::PerZone<&'static str> = tz::PerZone::new(cisco_zone_name);

/// The Cisco zone name for a zone: the row of the same name, else the row
/// with the same offset (or one 30 or 60 minutes away) and DST rule, else
/// that offset's row without DST, else its first row.
pub(crate) fn cisco_zone_name(tz: &TimezoneInfo) -> &'static str {
    if let Some((_, name)) = CISCO_ZONES.iter().find(|(olson, _)| *olson == tz.name) {
        return name;
    }
    let rows = &*ZONE_ROWS;
    let base = tz.utc_offset.div_euclid(60);
    let Some(offset) = [0, 30, -30, 60, -60].iter().map(|d| base + d).find(|o| rows.iter().any(|r| r.offset == *o))
    else {
        return DEFAULT_ZONE;
    };
    let at_offset = || rows.iter().filter(|r| r.offset == offset);
    let dst = tz.dst.as_ref().map(|d| d.as_string.as_str());
    at_offset()
        .find(|r| r.dst.as_deref() == dst)
        .or_else(|| at_offset().find(|r| r.dst.is_none()))
        .or_else(|| at_offset().next())
        .map_or(DEFAULT_ZONE, |r| r.name)
}

fn ascii(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok()
}

fn extract_dhcp(vci: &[u8]) -> Option<DeviceInfo<'_>> {
    if !vci.starts_with(b"Cisco Systems") {
        return None;
    }
    let model = DHCP_LOCATIONS.with_borrow_mut(|locs| {
        DHCP_MODEL.captures_read(locs, vci)?;
        let group = |i| locs.get(i).map(|(s, e)| &vci[s..e]);
        if let Some(nn) = group(1).or_else(|| group(2)) {
            // Two ASCII digits by construction.
            let n = usize::from(nn[0] - b'0') * 10 + usize::from(nn[1] - b'0');
            return Some(Cow::Borrowed(MODELS_79[n].as_str()));
        }
        group(3).and_then(ascii).map(Cow::Borrowed)
    });
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), model, ..Default::default() })
}

/// `<prefix><12 uppercase hex digits><suffix>`: the MAC, if `name` is that.
fn mac_in(name: &[u8], prefix: &[u8], suffix: &[u8]) -> Option<Mac> {
    let hex = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if hex.len() != 12 || !hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')) {
        return None;
    }
    Mac::parse_bytes(hex).ok()
}

/// What a file name (without the leading `/` of HTTP paths) tells: the
/// vendor, the MAC of the per-device files, CIPC for the softphone's tree.
fn extract_filename(name: &[u8]) -> Option<DeviceInfo<'static>> {
    let vendor = Some(Cow::Borrowed(VENDOR));
    if name.strip_prefix(b"Communicator").is_some_and(|rest| matches!(rest.first(), Some(b'/' | b'\\'))) {
        return Some(DeviceInfo { vendor, model: Some(Cow::Borrowed("CIPC")), ..Default::default() });
    }
    let mac = mac_in(name, b"SEP", b".cnf.xml")
        .or_else(|| mac_in(name, b"CTLSEP", b".tlv"))
        .or_else(|| mac_in(name, b"ITLSEP", b".tlv"));
    if mac.is_some() || name == b"ITLFile.tlv" {
        return Some(DeviceInfo { vendor, mac, ..Default::default() });
    }
    None
}

impl Family for CiscoSccp {
    fn id(&self) -> &'static str {
        "cisco_sccp"
    }

    /// XML (`SEP<MAC>.cnf.xml`).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            // The path alone: these phones' User-Agent says nothing useful.
            Request::Http { path, .. } => {
                let path = path.split(|&b| b == b'?').next().unwrap_or(path);
                extract_filename(path.strip_prefix(b"/")?)
            }
            // wazo leaves the MAC out of TFTP answers; it is kept here, so a
            // phone without DHCP integration is still found by its MAC.
            Request::Tftp { filename } => extract_filename(filename),
            Request::Dhcp { vendor_class } => extract_dhcp(vendor_class),
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref() {
                None => MODEL_UNKNOWN,
                Some(m) if m.starts_with("SPA") || m.starts_with("ATA") => NONE,
                // Never EXACT: the phones do not announce their firmware.
                Some(m) if plugin.model(m).is_some() => COMPLETE,
                Some(_) => PROBABLE,
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("tftp_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("tftp_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        // Kept for administrators' templates written for wazo.
        raw.insert("XX_addons".into(), Value::from(""));
        if let Some((_, locale)) = LOCALES.iter().find(|(l, _)| raw.get("locale").and_then(Value::as_str) == Some(*l)) {
            raw.insert("XX_locale".into(), locale.to_vec().into());
        }
        let zone = raw.get("timezone").and_then(Value::as_str).and_then(|z| ZONE_NAMES.get(z)).unwrap_or(DEFAULT_ZONE);
        raw.insert("XX_timezone".into(), Value::from(zone));
        if let Some(url) = helpers::phonebook_url(raw, "cisco", "menu", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), Value::from(url));
        }
        let managers = call_managers(raw);
        raw.insert("XX_call_managers".into(), Value::Array(managers));
        let load = device.model.as_deref().and_then(|m| plugin.model(m)).and_then(|m| m.get_str("load"));
        raw.insert("XX_load".into(), Value::from(load.unwrap_or("")));
        Ok(vec![DeviceFile::template(format!("SEP{}.cnf.xml", mac.upper_hex()))])
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        mac_in(basename, b"SEP", b".cnf.xml").is_some()
    }

    fn remote_state_trigger(&self, _device: &Device) -> Option<String> {
        None
    }

    fn is_remote_state_trigger(&self, _mac: Option<Mac>, _model: Option<&str>, _basename: &[u8]) -> bool {
        false
    }

    fn sync_notify(&self, _device: &Device) -> Option<SyncNotify> {
        None
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `XX_call_managers`: the `sccp_call_managers` entries with an address,
/// in priority order, each as `{priority, ip, port}` with the phone's
/// zero-based priority and port 2000 by default. Each entry of
/// `sccp_call_managers` also gets wazo's `XX_priority`.
fn call_managers(raw: &mut Map) -> Vec<Value> {
    let Some(Value::Object(managers)) = raw.get_mut("sccp_call_managers") else {
        return Vec::new();
    };
    let mut out: Vec<(i64, Value)> = Vec::new();
    for (priority, manager) in managers.iter_mut() {
        let (Ok(p), Value::Object(manager)) = (priority.trim().parse::<i64>(), manager) else {
            continue;
        };
        manager.insert("XX_priority".into(), Value::from((p - 1).to_string()));
        let Some(ip) = manager.get("ip").and_then(text) else {
            continue;
        };
        let port = manager.get("port").and_then(text).unwrap_or_else(|| "2000".into());
        let mut entry = Map::new();
        entry.insert("priority".into(), Value::from((p - 1).to_string()));
        entry.insert("ip".into(), Value::from(ip));
        entry.insert("port".into(), Value::from(port));
        out.push((p, Value::Object(entry)));
    }
    out.sort_by_key(|(p, _)| *p);
    out.into_iter().map(|(_, v)| v).collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use provd_core::plugin::PluginInfo;
    use serde_json::json;

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
            let [protocol, input, vendor, model, version, mac] =
                row.split('\t').collect::<Vec<_>>().try_into().unwrap();
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
}
