//! Polycom SoundPoint IP, SoundStation IP and VVX phones: identified by the
//! HTTP User-Agent (`FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446 ...`),
//! the MAC coming from the requested path; one `<mac>-user.cfg` per device
//! and, per plugin, the master file `000000000000.cfg` and the site-wide
//! `common.cfg` rendered from `templates/common/`.
//!
//! Two configuration generations share this code and differ by plugin data
//! (`plugin-info`):
//!
//! * `"generation": "sip3"`: SIP application 3.x. The plugin is EXACT when
//!   the phone runs the model's `version`, COMPLETE otherwise; park keys are
//!   not emitted (3.x has no park resource type).
//! * `"generation": "ucs"` (the default): UC Software 4.0 and later. Every
//!   known model scores COMPLETE + 1 (501) whatever its version, as in
//!   wazo, so a UCS plugin wins over a 3.x one unless the phone runs exactly
//!   the 3.x plugin's firmware.
//!
//! Other plugin-level data: `common_files`, the shared files to render
//! (default `000000000000.cfg` and `common.cfg`, each from
//! `common/<name>.tpl`). Per model: `version`, `function_keys` (resource
//! list keys on the phone), `expansion_modules` and `expansion_module_keys`.

use std::borrow::Cow;
use std::cell::RefCell;
use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};
use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::device::Device;
use provd_core::family::*;
use provd_core::mac::Mac;
use provd_core::plugin::{ModelInfo, Plugin};
use provd_core::syntax;
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

pub struct Polycom;

const VENDOR: &str = "Polycom";

/// `(?-u)`: ASCII classes on raw bytes, so captures are valid UTF-8 and a
/// non-ASCII byte elsewhere in the header does not spoil the match.
static UA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)^FileTransport Polycom\w+-(\w*?)-UA/([\d.]+)").unwrap());

thread_local! {
    // Reused capture slots: identification runs per request and must not
    // allocate once warm.
    static UA_LOCATIONS: RefCell<CaptureLocations> = RefCell::new(UA.capture_locations());
}

/// Every model name wazo's Polycom plugins know, so the UA's `VVX_400`
/// becomes a borrowed `VVX400` instead of a new string per request.
const KNOWN_MODELS: [&str; 40] = [
    "SPIP301", "SPIP320", "SPIP321", "SPIP330", "SPIP331", "SPIP335", "SPIP430", "SPIP450", "SPIP501", "SPIP550",
    "SPIP560", "SPIP600", "SPIP601", "SPIP650", "SPIP670", "SSIP4000", "SSIP5000", "SSIP6000", "SSIP7000", "VVX101",
    "VVX150", "VVX200", "VVX201", "VVX250", "VVX300", "VVX301", "VVX310", "VVX311", "VVX350", "VVX400", "VVX401",
    "VVX410", "VVX411", "VVX450", "VVX500", "VVX501", "VVX600", "VVX601", "VVX1500", "VVX1500D",
];

/// Files whose name carries the MAC (`/<mac><suffix>`). The BootROM or
/// updater asks for `<mac>.cfg` first, the application for the others.
const MAC_SUFFIXES: [&[u8]; 7] =
    [b".cfg", b"-user.cfg", b"-boot.log", b"-phone.cfg", b"-license.cfg", b"-directory.xml", b"-app.log"];

/// The MAC-named files only the SIP application asks for.
const SIP_APP_MAC_SUFFIXES: [&[u8]; 4] = [b"-phone.cfg", b"-license.cfg", b"-directory.xml", b"-app.log"];

/// `locale` -> `lcl.ml.lang`.
const LANGUAGES: [(&str, &str); 7] = [
    ("de_DE", "German_Germany"),
    ("en_US", "English_United_States"),
    ("es_ES", "Spanish_Spain"),
    ("fr_FR", "French_France"),
    ("fr_CA", "French_France"),
    ("it_IT", "Italian_Italy"),
    ("nl_NL", "Dutch_Netherlands"),
];

/// `syslog_level` -> `device.syslog.renderLevel` (the phone's 1 is the most verbose).
fn syslog_level(level: Option<&str>) -> &'static str {
    match level {
        Some("critical") => "5",
        Some("error") => "4",
        Some("warning") => "3",
        Some("info") => "2",
        _ => "1",
    }
}

/// `sip_transport` -> `reg.N.server.M.transport`.
fn transport(proto: Option<&str>) -> &'static str {
    match proto {
        Some("tcp") => "TCPOnly",
        Some("tls") => "TLS",
        _ => "UDPOnly",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Generation {
    Sip3,
    Ucs,
}

fn generation(plugin: &Plugin) -> Generation {
    match plugin.info.extra.get("generation").and_then(Value::as_str) {
        Some("sip3") => Generation::Sip3,
        _ => Generation::Ucs,
    }
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The path without its query string.
fn path_only(path: &[u8]) -> &[u8] {
    path.split(|&b| b == b'?').next().unwrap_or(path)
}

fn is_lower_hex(b: &[u8]) -> bool {
    b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// The 12 lowercase hex digits right before `suffix` at the end of `path`,
/// when they follow a `/` (or start the name, for TFTP names that have none).
fn mac_before<'p>(path: &'p [u8], suffix: &[u8], slash: bool) -> Option<&'p [u8]> {
    let stem = path.strip_suffix(suffix)?;
    let hex = stem.get(stem.len().checked_sub(12)?..)?;
    let before = &stem[..stem.len() - 12];
    (is_lower_hex(hex) && (before.ends_with(b"/") || (!slash && before.is_empty()))).then_some(hex)
}

/// The MAC named by the requested file, if it is one of the MAC-named
/// files; `000000000000` is the shared master file, not a phone.
fn mac_from_path(path: &[u8], suffixes: &[&[u8]], slash: bool) -> Option<Mac> {
    suffixes
        .iter()
        .find_map(|s| mac_before(path, s, slash))
        .filter(|hex| *hex != b"000000000000")
        .and_then(|hex| Mac::parse_bytes(hex).ok())
}

/// Whether the SIP application (not the BootROM or updater) asks for `path`:
/// only it reads `common.cfg`, `phone1.cfg`, `sip.cfg` and the MAC-named
/// files other than the master and user files.
fn is_sip_application_request(path: &[u8]) -> bool {
    [&b"/common.cfg"[..], b"/phone1.cfg", b"/sip.cfg"].iter().any(|f| path.ends_with(f))
        || SIP_APP_MAC_SUFFIXES.iter().any(|s| mac_before(path, s, true).is_some())
}

/// `VVX_400` -> `VVX400`, borrowed from [`KNOWN_MODELS`] when possible.
fn model_name(raw: &[u8]) -> Option<Cow<'_, str>> {
    if raw.is_empty() || raw.iter().all(|&b| b == b'_') {
        return None;
    }
    if !raw.contains(&b'_') {
        return std::str::from_utf8(raw).ok().map(Cow::Borrowed);
    }
    let same = |known: &str| {
        let mut k = known.bytes();
        raw.iter().filter(|&&b| b != b'_').all(|&b| k.next() == Some(b)) && k.next().is_none()
    };
    match KNOWN_MODELS.iter().find(|k| same(k)) {
        Some(k) => Some(Cow::Borrowed(k)),
        None => Some(Cow::Owned(raw.iter().filter(|&&b| b != b'_').map(|&b| char::from(b)).collect())),
    }
}

/// The MAC of a `(SN:0004f2xxxxxx)` tag, which phones add to their
/// User-Agent when `device.prov.tagSerialNo` is on (a Polycom's serial
/// number is its MAC).
fn serial_mac(ua: &[u8]) -> Option<Mac> {
    let start = ua.windows(4).position(|w| w == b"(SN:")? + 4;
    let hex = ua.get(start..start + 12)?;
    if ua.get(start + 12) != Some(&b')') {
        return None;
    }
    Mac::parse_bytes(hex).ok()
}

/// Whether [`UA`] can match: its anchored literal prefix. Every request's
/// User-Agent is offered to every family, and a failing regex search costs
/// more than this comparison.
fn ua_may_match(ua: &[u8]) -> bool {
    ua.starts_with(b"FileTransport Polycom")
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&UA, ua_may_match)]
}

fn extract_http<'a>(path: &'a [u8], ua: &'a [u8]) -> Option<DeviceInfo<'a>> {
    if !ua_may_match(ua) {
        return None;
    }
    let (model, version) = UA_LOCATIONS.with_borrow_mut(|locs| {
        UA.captures_read(locs, ua)?;
        let group = |i| locs.get(i).map(|(s, e)| &ua[s..e]);
        Some((group(1).and_then(model_name), group(2).and_then(|v| std::str::from_utf8(v).ok())))
    })?;
    let path = path_only(path);
    // Early requests come from the BootROM or updater and carry their own
    // version; keeping it would flip the device's version (and reconfigure
    // it) on every boot. A path naming no file (`provd identify --ua`) says
    // nothing of the boot stage: the User-Agent alone is told as it is.
    let names_a_file = !matches!(path, b"" | b"/");
    let version = version.filter(|_| !names_a_file || is_sip_application_request(path));
    let mac = mac_from_path(path, &MAC_SUFFIXES, true).or_else(|| serial_mac(ua));
    Some(DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model,
        version: version.map(Cow::Borrowed),
        mac,
        ..DeviceInfo::default()
    })
}

/// Without a User-Agent (TFTP) only the MAC of the Polycom-specific file
/// names is told: a vendor without a model would pick an arbitrary Polycom
/// plugin, for good, before the phone says which model it is.
fn extract_mac_only(path: &[u8], slash: bool) -> Option<DeviceInfo<'static>> {
    let mac = mac_from_path(path_only(path), &MAC_SUFFIXES[1..], slash)?;
    Some(DeviceInfo { mac: Some(mac), ..DeviceInfo::default() })
}

impl Family for Polycom {
    fn id(&self) -> &'static str {
        "polycom"
    }

    /// XML: parameters are attributes of one element.
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_timezone"]
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { path, user_agent: Some(ua) } if !ua.is_empty() => extract_http(path, ua),
            Request::Http { path, .. } => extract_mac_only(path, true),
            Request::Tftp { filename } => extract_mac_only(filename, false),
            Request::Dhcp { .. } => None,
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref().and_then(|m| plugin.model(m)) {
                None => PROBABLE,
                Some(model) => match generation(plugin) {
                    Generation::Ucs => COMPLETE + 1,
                    Generation::Sip3
                        if info.version.is_some() && info.version.as_deref() == model.version.as_deref() =>
                    {
                        EXACT
                    }
                    Generation::Sip3 => COMPLETE,
                },
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let model = device.model.as_deref().and_then(|m| plugin.model(m));

        // An unknown zone leaves the phone's own setting alone.
        if let Some(lines) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONE_LINES.get(z)) {
            raw.insert("XX_timezone".into(), lines.into());
        }
        if let Some((_, lang)) = LANGUAGES.iter().find(|(l, _)| raw.get("locale").and_then(Value::as_str) == Some(*l)) {
            raw.insert("XX_language".into(), (*lang).into());
        }
        let fkeys = model.map(|m| function_keys(m, generation(plugin), raw.get("funckeys"))).unwrap_or_default();
        raw.insert("XX_fkeys".into(), fkeys.into());
        raw.insert("XX_syslog_level".into(), syslog_level(raw.get("syslog_level").and_then(Value::as_str)).into());
        raw.insert("XX_sip_transport".into(), transport(raw.get("sip_transport").and_then(Value::as_str)).into());
        if let Some(url) = helpers::phonebook_url(raw, "polycom", "input", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), url.into());
        }
        update_sip_lines(raw);
        let lang = raw.get("locale").and_then(Value::as_str).and_then(|l| l.split('_').next());
        let directory = if lang == Some("fr") { "Annuaire" } else { "Directory" };
        let mut dict = Map::new();
        dict.insert("remote_directory".into(), directory.into());
        raw.insert("XX_dict".into(), Value::Object(dict));
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        Ok(vec![DeviceFile::template(format!("{}-user.cfg", mac.lower_hex()))])
    }

    fn common_files(&self, plugin: &Plugin, base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        let names: Vec<String> = match plugin.info.extra.get("common_files") {
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(_) => {
                return Err(ConfigureError::Invalid {
                    field: "plugin-info common_files".into(),
                    message: "expected a list of file names".into(),
                });
            }
            None => vec!["000000000000.cfg".into(), "common.cfg".into()],
        };
        let mut context = base_raw_config.clone();
        helpers::add_server_url(&mut context);
        Ok(names
            .into_iter()
            .map(|name| CommonFile { template: format!("common/{name}.tpl"), path: name, context: context.clone() })
            .collect())
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^[0-9a-f]{12}-user\.cfg$`
        basename.len() == 21 && is_lower_hex(&basename[..12]) && &basename[12..] == b"-user.cfg"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("{}-user.cfg", mac.lower_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, false, b"-user.cfg", basename))
    }
}

/// How many resource-list keys the model offers, modules included.
fn key_count(model: &ModelInfo) -> u64 {
    model.get_u64("function_keys").unwrap_or(0)
        + model.get_u64("expansion_modules").unwrap_or(0) * model.get_u64("expansion_module_keys").unwrap_or(0)
}

/// `XX_fkeys`: `attendant.resourceList.N.*` attributes, one per line. The
/// phones monitor every entry (there is no unsupervised speed dial), so a
/// speed dial is a watched key too, as in wazo; a park key parks the
/// current call on its address (`automata`), which SIP 3.x cannot do.
fn function_keys(model: &ModelInfo, generation: Generation, funckeys: Option<&Value>) -> String {
    let Some(Value::Object(funckeys)) = funckeys else {
        return String::new();
    };
    let max = key_count(model);
    let mut keys: Vec<(u64, &Map)> = funckeys
        .iter()
        .filter_map(|(no, key)| Some((no.trim().parse().ok().filter(|n| (1..=max).contains(n))?, key.as_object()?)))
        .collect();
    keys.sort_by_key(|(no, _)| *no);
    let mut out = String::new();
    for (no, key) in keys {
        let automata = match key.get("type").and_then(Value::as_str) {
            Some("blf" | "speeddial") => false,
            Some("park") if generation == Generation::Ucs => true,
            _ => continue,
        };
        let Some(value) = key.get("value").and_then(text_of) else {
            continue;
        };
        let label = key.get("label").and_then(text_of).unwrap_or_else(|| value.clone());
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = write!(out, "attendant.resourceList.{no}.address=\"{}\"", syntax::xml(&value));
        let _ = write!(out, "\nattendant.resourceList.{no}.label=\"{}\"", syntax::xml(&label));
        if automata {
            let _ = write!(out, "\nattendant.resourceList.{no}.type=\"automata\"");
        }
    }
    out
}

static TIMEZONE_LINES: tz::PerZone<String> = tz::PerZone::new(format_timezone);

/// The `tcpIpApp.sntp.*` attributes for a zone: offset in seconds and the
/// yearly DST rule.
fn format_timezone(tz: &TimezoneInfo) -> String {
    let mut lines = vec![format!("tcpIpApp.sntp.gmtOffset=\"{}\"", tz.utc_offset)];
    let fixed = tz.dst.as_ref().and_then(|dst| match (dst.start.day, dst.end.day) {
        (DstDay::Weekday { .. }, DstDay::Weekday { .. }) => Some((dst, false)),
        // One switch chooses dates or weekdays for both changes.
        (DstDay::Weekday { .. }, _) | (_, DstDay::Weekday { .. }) => None,
        _ => Some((dst, true)),
    });
    let Some((dst, fixed)) = fixed else {
        lines.push("tcpIpApp.sntp.daylightSavings.enable=\"0\"".into());
        return lines.join("\n");
    };
    lines.push("tcpIpApp.sntp.daylightSavings.enable=\"1\"".into());
    lines.push(format!("tcpIpApp.sntp.daylightSavings.fixedDayEnable=\"{}\"", u8::from(fixed)));
    push_dst_change(&mut lines, "start", &dst.start);
    push_dst_change(&mut lines, "stop", &dst.end);
    lines.join("\n")
}

fn push_dst_change(lines: &mut Vec<String>, which: &str, change: &DstChange) {
    let key = format!("tcpIpApp.sntp.daylightSavings.{which}");
    lines.push(format!("{key}.month=\"{}\"", change.month));
    // The phone takes whole hours 0..=23; a change at 24:00 or later (or
    // before midnight) is kept within its day.
    lines.push(format!("{key}.time=\"{}\"", change.time.div_euclid(3600).clamp(0, 23)));
    match change.day {
        DstDay::Weekday { week, weekday } => {
            // Polycom numbers days 1 = Sunday .. 7 = Saturday; POSIX 0 = Sunday.
            lines.push(format!("{key}.dayOfWeek=\"{}\"", weekday + 1));
            if week == 5 {
                lines.push(format!("{key}.dayOfWeek.lastInMonth=\"1\""));
            } else {
                lines.push(format!("{key}.dayOfWeek.lastInMonth=\"0\""));
                // The first such weekday on or after this date.
                lines.push(format!("{key}.date=\"{}\"", (u32::from(week) - 1) * 7 + 1));
            }
        }
        DstDay::Julian(n) => lines.push(format!("{key}.date=\"{}\"", day_of_month(n - 1))),
        DstDay::ZeroJulian(n) => lines.push(format!("{key}.date=\"{}\"", day_of_month(n))),
    }
}

/// Day of the month (1-based) of a zero-based day of a non-leap year.
fn day_of_month(day0: u16) -> u16 {
    const STARTS: [u16; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let start = STARTS.iter().rev().find(|&&s| s <= day0).copied().unwrap_or(0);
    day0 - start + 1
}

/// Fills each line with the global SIP servers and the voicemail number.
fn update_sip_lines(raw: &mut Map) {
    let globals = [
        ("proxy_ip", "sip_proxy_ip"),
        ("proxy_port", "sip_proxy_port"),
        ("backup_proxy_ip", "sip_backup_proxy_ip"),
        ("backup_proxy_port", "sip_backup_proxy_port"),
        ("outbound_proxy_ip", "sip_outbound_proxy_ip"),
        ("outbound_proxy_port", "sip_outbound_proxy_port"),
        ("voicemail", "exten_voicemail"),
    ];
    helpers::fill_sip_lines(raw, &globals);
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_core::plugin::PluginInfo;
    use serde_json::json;

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
            let [protocol, input, vendor, model, version, mac] =
                row.split('\t').collect::<Vec<_>>().try_into().unwrap();
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
        let got =
            http(b"/0004f2abcdef-app.log", b"FileTransport PolycomVVX-VVX_400-UA/5.9.2.1\xff\xfe Type/\xc3").unwrap();
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
        assert_eq!(
            names,
            [("000000000000.cfg", "common/000000000000.cfg.tpl"), ("common.cfg", "common/common.cfg.tpl")]
        );
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
}
