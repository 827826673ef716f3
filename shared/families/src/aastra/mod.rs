//! Aastra / Mitel (67xxi, 9143i, 9480i, 68xxi, 69xx): identified by the HTTP
//! User-Agent only; one `Aastra/<MAC>.cfg` per device, plus the SIP servers'
//! CA bundle when TLS certificates are configured.
//!
//! Per-model data (key layout, firmware version) and per-plugin data
//! (`language_path`) come from `plugin-info`, so plugin versions differ by
//! data only. Model entries read here:
//!
//! * `version`: the firmware the plugin ships (EXACT association);
//! * `prgkeys`, `topsoftkeys`, `softkeys`: how many keys of each kind, in
//!   the order function keys are numbered onto them;
//! * `expansion_modules`, `expansion_module_keys`: modules supported and the
//!   keys of the largest one (`expmod<k> key<n>`);
//! * `softkey_blf: false`: the model cannot show BLF on its softkeys (68xx),
//!   so BLF keys that land there become speed dials.

use std::borrow::Cow;
use std::fmt::Write as _;
#[cfg(test)]
use std::sync::LazyLock;

#[cfg(test)]
use regex::bytes::Regex;
use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::config::truthy;
use provd_core::device::Device;
use provd_core::family::*;
use provd_core::mac::Mac;
use provd_core::plugin::{ModelInfo, Plugin};
use provd_core::syntax;
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

pub struct Aastra;

/// wazo's User-Agent rule, which [`ua_form`] matches by hand; kept to test
/// against. ASCII `\w` on purpose: the UA is bytes, and Python's
/// decode('ascii') rejected anything else anyway.
#[cfg(test)]
static UA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)^(?:Aastra|Mitel)(\w+) MAC:([^ ]+) V:([^ ]+)-SIP$").unwrap());

/// `^[0-9A-F]{12}\.cfg$`, wazo's rule, which [`Aastra::is_sensitive`]
/// checks by hand (it runs on every request); kept to test against.
#[cfg(test)]
static SENSITIVE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9A-F]{12}\.cfg$").unwrap());

const VENDOR: &str = "Aastra";
const CA_SUFFIX: &str = "-ca_servers.crt";

/// Older phones announce a short model name.
const SHORT_MODELS: [(&str, &str); 4] = [("51i", "6751i"), ("53i", "6753i"), ("55i", "6755i"), ("57i", "6757i")];

/// `locale` -> (language file, tone set, input language).
const LOCALES: [(&str, [&str; 3]); 6] = [
    ("de_DE", ["lang_de.txt", "Germany", "German"]),
    ("es_ES", ["lang_es.txt", "Europe", "Spanish"]),
    ("fr_FR", ["lang_fr.txt", "France", "French"]),
    ("fr_CA", ["lang_fr_ca.txt", "US", "French"]),
    ("it_IT", ["lang_it.txt", "Italy", "Italian"]),
    ("nl_NL", ["lang_nl_nl.txt", "Germany", "Dutch"]),
];

/// `sip_dtmf_mode` -> (`sip out-of-band dtmf`, `sip dtmf method`).
fn dtmf(mode: &str) -> Option<(&'static str, &'static str)> {
    match mode {
        "RTP-in-band" => Some(("0", "0")),
        "RTP-out-of-band" => Some(("1", "0")),
        "SIP-INFO" => Some(("1", "1")),
        _ => None,
    }
}

fn srtp(mode: &str) -> Option<&'static str> {
    match mode {
        "disabled" => Some("0"),
        "preferred" => Some("1"),
        "required" => Some("2"),
        _ => None,
    }
}

fn transport(proto: &str) -> Option<&'static str> {
    match proto {
        "udp" => Some("1"),
        "tcp" => Some("2"),
        "tls" => Some("4"),
        _ => None,
    }
}

/// `log module <x>` bit masks for a `syslog_level`.
fn log_level(level: Option<&str>) -> &'static str {
    match level {
        Some("critical") => "1",
        Some("error") => "3",
        Some("warning") => "7",
        Some("info") => "39",
        Some("debug") => "65535",
        _ => "1",
    }
}

const DICT_KEYS: [&str; 8] = [
    "voicemail",
    "fwd_unconditional",
    "dnd",
    "local_directory",
    "callers",
    "services",
    "pickup_call",
    "remote_directory",
];
const DICT_EN: [&str; 8] =
    ["Voicemail", "Unconditional forward", "D.N.D", "Directory", "Callers", "Services", "Call pickup", "Directory"];
const DICT_FR: [&str; 8] =
    ["Messagerie", "Renvoi inconditionnel", "N.P.D", "Repertoire", "Appels", "Services", "Interception", "Annuaire"];

fn str_of(raw: &Map, key: &str) -> Option<String> {
    raw.get(key).and_then(text_of)
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Family for Aastra {
    fn id(&self) -> &'static str {
        "aastra"
    }

    /// Aastra/Mitel `key: value` lines.
    fn syntax(&self) -> Syntax {
        Syntax::Lines
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_parking", "XX_timezone"]
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        let Request::Http { user_agent: Some(ua), .. } = *request else {
            return None;
        };
        extract_ua(ua)
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref().and_then(|m| plugin.model(m)) {
                Some(model) if info.version.is_some() && info.version.as_deref() == model.version.as_deref() => EXACT,
                Some(_) => COMPLETE,
                None => UNKNOWN,
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let mac_hex = mac.upper_hex();
        let mut files = vec![DeviceFile::template(format!("Aastra/{mac_hex}.cfg"))];

        if let Some((oob, method)) = raw.get("sip_dtmf_mode").and_then(Value::as_str).and_then(dtmf) {
            raw.insert("XX_out_of_band_dtmf".into(), oob.into());
            raw.insert("XX_dtmf_method".into(), method.into());
        }
        if let Some(info) = device.model.as_deref().and_then(|m| plugin.model(m)) {
            let fkeys = function_keys(info, raw.get("funckeys"));
            raw.insert("XX_fkeys".into(), fkeys.into());
        }
        if let Some((_, locale)) = LOCALES.iter().find(|(l, _)| raw.get("locale").and_then(Value::as_str) == Some(*l)) {
            raw.insert("XX_locale".into(), locale.to_vec().into());
        }
        let level = log_level(raw.get("syslog_level").and_then(Value::as_str));
        raw.insert("XX_log_level".into(), level.into());
        // An unknown zone leaves the phone's own setting alone, as wazo-provd does.
        if let Some(lines) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONE_LINES.get(z)) {
            raw.insert("XX_timezone".into(), lines.into());
        }
        if let Some(proto) = raw.get("sip_transport").and_then(Value::as_str).and_then(transport) {
            raw.insert("XX_transport_proto".into(), proto.into());
        }
        if let Some(pem) = raw.get("sip_servers_root_and_intermediate_certificates").and_then(pem_bundle) {
            let name = format!("{mac_hex}{CA_SUFFIX}");
            raw.insert("XX_trusted_certificates".into(), name.clone().into());
            files.push(DeviceFile { path: format!("Aastra/{name}"), source: FileSource::Bytes(pem.into_bytes()) });
        }
        update_sip_lines(raw);
        if let Some(parking) = parking(raw) {
            raw.insert("XX_parking".into(), parking.into());
        }
        if let Some(url) = helpers::phonebook_url(raw, "aastra", "input", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), url.into());
        }
        helpers::add_server_url(raw);
        add_config_server(raw);
        raw.insert("XX_dict".into(), Value::Object(dict(raw.get("locale").and_then(Value::as_str))));
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        let language_path = plugin.info.extra.get("language_path").and_then(Value::as_str).unwrap_or("");
        raw.insert("XX_language_path".into(), language_path.into());
        Ok(files)
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        basename.len() == 16
            && basename[..12].iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
            && basename[12..] == *b".cfg"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("{}.cfg", mac.upper_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, true, b".cfg", basename))
    }
}

/// The hand-written sensitive-file rule, exactly (both ways) the regex.
#[cfg(test)]
pub(crate) fn exact_rules() -> Vec<crate::RegexRule> {
    vec![(&SENSITIVE, |b| Aastra.is_sensitive(b))]
}

/// [`UA`] matched by hand, as capture spans of groups 1 to 3: the model is
/// the `\w` run before ` MAC:`, the MAC the run of non-spaces before ` V:`,
/// the version the rest but its `-SIP` ending (no space in it). Every
/// Aastra and Mitel request runs it; the regex cost more than the rest of
/// the extraction. Tested against the regex, as Yealink's.
fn ua_form(ua: &[u8]) -> Option<crate::Spans> {
    let at = if ua.starts_with(b"Aastra") {
        6
    } else if ua.starts_with(b"Mitel") {
        5
    } else {
        return None;
    };
    let model = (at, at + ua[at..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count());
    if model.1 == model.0 || !ua[model.1..].starts_with(b" MAC:") {
        return None;
    }
    let from = model.1 + 5;
    let mac = (from, from + ua[from..].iter().take_while(|&&c| c != b' ').count());
    if mac.1 == mac.0 || !ua[mac.1..].starts_with(b" V:") {
        return None;
    }
    let rest = &ua[mac.1 + 3..];
    (rest.len() > 4 && rest.ends_with(b"-SIP") && !rest.contains(&b' ')).then_some([
        model,
        mac,
        (mac.1 + 3, ua.len() - 4),
    ])
}

#[cfg(test)]
pub(crate) fn exact_captures() -> Vec<crate::CaptureRule> {
    vec![(&UA, ua_form)]
}

fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    let [model, mac, version] = ua_form(ua)?.map(|(s, e)| &ua[s..e]);
    let mac = provd_core::mac::Mac::parse_bytes(mac).ok()?;
    // Group 1 is ASCII by construction; the version may hold any byte.
    let model = std::str::from_utf8(model).ok()?;
    let model = SHORT_MODELS.iter().find(|(short, _)| *short == model).map_or(model, |(_, full)| full);
    let version = std::str::from_utf8(version).ok();
    Some(DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model: Some(Cow::Borrowed(model)),
        version: version.map(Cow::Borrowed),
        mac: Some(mac),
        ..Default::default()
    })
}

/// The key names a model offers, in function key order: programmable keys,
/// top softkeys, softkeys, then each expansion module's keys.
fn key_name(model: &ModelInfo, number: u64) -> Option<String> {
    if number == 0 {
        return None;
    }
    let mut n = number;
    for (kind, count_key) in [("prgkey", "prgkeys"), ("topsoftkey", "topsoftkeys"), ("softkey", "softkeys")] {
        let count = model.get_u64(count_key).unwrap_or(0);
        if n <= count {
            return Some(format!("{kind}{n}"));
        }
        n -= count;
    }
    let per_module = model.get_u64("expansion_module_keys").unwrap_or(0);
    for module in 1..=model.get_u64("expansion_modules").unwrap_or(0) {
        if n <= per_module {
            return Some(format!("expmod{module} key{n}"));
        }
        n -= per_module;
    }
    None
}

/// `XX_fkeys`: the `<key> type|value|label|line` lines of the function keys
/// that fit the model, their values escaped for lines. Keys out of range, of
/// unknown type or without a value are left out.
fn function_keys(model: &ModelInfo, funckeys: Option<&Value>) -> String {
    let Some(Value::Object(funckeys)) = funckeys else {
        return String::new();
    };
    let mut keys: Vec<(u64, &Map)> = funckeys
        .iter()
        .filter_map(|(no, key)| Some((no.trim().parse().ok().filter(|&n| n > 0)?, key.as_object()?)))
        .collect();
    keys.sort_by_key(|(no, _)| *no);
    let softkey_blf = model.extra.get("softkey_blf").and_then(Value::as_bool).unwrap_or(true);
    let mut out = String::new();
    for (no, key) in keys {
        let Some(name) = key_name(model, no) else {
            continue;
        };
        let Some(value) = key.get("value").and_then(text_of) else {
            continue;
        };
        let (kind, value) = match key.get("type").and_then(Value::as_str) {
            Some("speeddial") => ("speeddial", value),
            Some("blf") if !softkey_blf && name.starts_with("softkey") => ("speeddial", value),
            Some("blf") => ("blf", value),
            Some("park") => ("park", format!("asterisk;{value}")),
            _ => continue,
        };
        let label = key.get("label").and_then(text_of).unwrap_or_else(|| value.clone());
        let line = key.get("line").and_then(text_of).unwrap_or_else(|| "1".into());
        for (field, text) in [("type", kind), ("value", &value), ("label", &label), ("line", &line)] {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = write!(out, "{name} {field}: ");
            Syntax::Lines.push_escaped(&mut out, text);
        }
    }
    out
}

static TIMEZONE_LINES: tz::PerZone<String> = tz::PerZone::new(format_timezone);

/// The `Custom` time zone lines: offset in minutes west of UTC and, when the
/// zone has DST, its yearly rule.
fn format_timezone(tz: &TimezoneInfo) -> String {
    let mut lines =
        vec!["time zone name: Custom".to_owned(), format!("time zone minutes: {}", -tz.utc_offset.div_euclid(60))];
    let rule = tz.dst.as_ref().and_then(|dst| {
        let relative = match (dst.start.day, dst.end.day) {
            (DstDay::Weekday { .. }, DstDay::Weekday { .. }) => true,
            (DstDay::Weekday { .. }, _) | (_, DstDay::Weekday { .. }) => return None,
            _ => false,
        };
        Some((dst, relative))
    });
    let Some((dst, relative)) = rule else {
        // No DST, or one the phone cannot express (a weekday rule and a day of
        // the year together share one `relative date` switch).
        lines.push("dst config: 0".to_owned());
        return lines.join("\n");
    };
    lines.push("dst config: 3".to_owned());
    lines.push(format!("dst minutes: {}", dst.save.div_euclid(60).clamp(0, 60)));
    lines.push(format!("dst [start|end] relative date: {}", u8::from(relative)));
    for (which, change) in [("start", &dst.start), ("end", &dst.end)] {
        push_dst_change(&mut lines, which, change);
    }
    lines.join("\n")
}

fn push_dst_change(lines: &mut Vec<String>, which: &str, change: &DstChange) {
    lines.push(format!("dst {which} month: {}", change.month));
    // The phone takes hours 0..=23 only: a transition at 24:00 and later
    // (or before midnight) is approximated within its day.
    lines.push(format!("dst {which} hour: {}", change.time.div_euclid(3600).clamp(0, 23)));
    match change.day {
        DstDay::Weekday { week, weekday } => {
            // POSIX week 5 is "the last"; Aastra says -1 for that.
            let week = if week == 5 { -1 } else { i32::from(week) };
            lines.push(format!("dst {which} week: {week}"));
            // Aastra numbers days 1 = Sunday .. 7 = Saturday; POSIX 0 = Sunday.
            lines.push(format!("dst {which} day: {}", weekday + 1));
        }
        DstDay::Julian(n) => lines.push(format!("dst {which} day: {}", day_of_month(n - 1))),
        DstDay::ZeroJulian(n) => lines.push(format!("dst {which} day: {}", day_of_month(n))),
    }
}

/// Day of the month (1-based) of a zero-based day of a non-leap year.
fn day_of_month(day0: u16) -> u16 {
    const STARTS: [u16; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let start = STARTS.iter().rev().find(|&&s| s <= day0).copied().unwrap_or(0);
    day0 - start + 1
}

/// The CA bundle written next to the device file: a PEM string, or a list of
/// PEM strings concatenated, each ending with a newline.
fn pem_bundle(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Array(items) => {
            let mut out = String::new();
            for pem in items.iter().filter_map(Value::as_str).filter(|s| !s.is_empty()) {
                out.push_str(pem);
                if !pem.ends_with('\n') {
                    out.push('\n');
                }
            }
            (!out.is_empty()).then_some(out)
        }
        _ => None,
    }
}

/// Fills each `sip_lines` entry with the global SIP servers, the phone's
/// DTMF and SRTP codes and the voicemail number.
fn update_sip_lines(raw: &mut Map) {
    let get = |key: &str| raw.get(key).filter(|v| !v.is_null()).cloned();
    let port = |key: &str| get(key).unwrap_or_else(|| "5060".into());
    let any_ip = || Value::from("0.0.0.0");
    let defaults: [(&str, Option<Value>); 8] = [
        ("proxy_ip", get("sip_proxy_ip")),
        ("proxy_port", Some(port("sip_proxy_port"))),
        ("backup_proxy_ip", Some(get("sip_backup_proxy_ip").unwrap_or_else(any_ip))),
        ("backup_proxy_port", Some(port("sip_backup_proxy_port"))),
        ("registrar_ip", get("sip_registrar_ip")),
        ("registrar_port", Some(port("sip_registrar_port"))),
        ("backup_registrar_ip", Some(get("sip_backup_registrar_ip").unwrap_or_else(any_ip))),
        ("backup_registrar_port", Some(port("sip_backup_registrar_port"))),
    ];
    let dtmf_mode = get("sip_dtmf_mode");
    let srtp_mode = get("sip_srtp_mode");
    let voicemail = get("exten_voicemail").filter(truthy);
    let Some(Value::Object(lines)) = raw.get_mut("sip_lines") else {
        return;
    };
    for line in lines.values_mut() {
        let Value::Object(line) = line else {
            continue;
        };
        for (key, value) in &defaults {
            if let Some(value) = value {
                line.entry(*key).or_insert_with(|| value.clone());
            }
        }
        let mode = line.get("dtmf_mode").or(dtmf_mode.as_ref()).and_then(Value::as_str);
        line.insert("XX_dtmf_method".into(), mode.and_then(dtmf).map_or("0", |(_, m)| m).into());
        let mode = line.get("srtp_mode").or(srtp_mode.as_ref()).and_then(Value::as_str);
        line.insert("XX_srtp_mode".into(), mode.and_then(srtp).unwrap_or("0").into());
        if let Some(vm) = &voicemail {
            line.entry("voicemail").or_insert_with(|| vm.clone());
        }
    }
}

/// `XX_parking`: every line picks up parked calls from the first park key's
/// extension (the phone has one park setting per line, not per key).
fn parking(raw: &Map) -> Option<String> {
    let Value::Object(funckeys) = raw.get("funckeys")? else {
        return None;
    };
    let park = funckeys
        .values()
        .filter_map(Value::as_object)
        .find(|k| k.get("type").and_then(Value::as_str) == Some("park"))?;
    let value = park.get("value").and_then(text_of)?;
    let Some(Value::Object(lines)) = raw.get("sip_lines") else {
        return Some(String::new());
    };
    let mut out = String::new();
    for no in lines.keys() {
        if !out.is_empty() {
            out.push('\n');
        }
        let (no, value) = (syntax::line_value(no), syntax::line_value(&value));
        let _ = write!(out, "sip line{no} park pickup config: {value};{value};asterisk");
    }
    Some(out)
}

/// Splits `XX_server_url` into the phone's configuration server settings
/// (`download protocol`, `<proto> server|port|path`) and the URI of this
/// plugin's files (`XX_download_uri`), under `Aastra/`.
fn add_config_server(raw: &mut Map) {
    let Some(url) = str_of(raw, "XX_server_url") else {
        return;
    };
    let Some((scheme, rest)) = url.split_once("://") else {
        return;
    };
    let (protocol, default_port) = match scheme.to_ascii_lowercase().as_str() {
        "http" => ("HTTP", "80"),
        "https" => ("HTTPS", "443"),
        _ => return,
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let Some((host, after)) = v6.split_once(']') else {
            return;
        };
        (host, after.strip_prefix(':').unwrap_or(default_port))
    } else {
        authority.split_once(':').unwrap_or((authority, default_port))
    };
    if host.is_empty() {
        return;
    }
    let path = path.trim_matches('/');
    let path = if path.is_empty() { "Aastra".to_owned() } else { format!("{path}/Aastra") };
    raw.insert("XX_download_protocol".into(), protocol.into());
    raw.insert("XX_download_server".into(), host.into());
    raw.insert("XX_download_port".into(), port.into());
    raw.insert("XX_download_path".into(), path.into());
    let uri = format!("{}/Aastra", url.trim_end_matches('/'));
    raw.insert("XX_download_uri".into(), uri.into());
}

fn dict(locale: Option<&str>) -> Map {
    let lang = locale.map(|l| l.split('_').next().unwrap_or(l));
    let words = if lang == Some("fr") { DICT_FR } else { DICT_EN };
    DICT_KEYS.iter().zip(words).map(|(k, v)| ((*k).to_owned(), Value::from(v))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_core::mac::Mac;
    use provd_core::plugin::PluginInfo;
    use serde_json::json;

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
            let [protocol, input, vendor, model, version, mac] =
                row.split('\t').collect::<Vec<_>>().try_into().unwrap();
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
        let info =
            |vendor: Option<&'static str>, model: Option<&'static str>, version: Option<&'static str>| DeviceInfo {
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
        assert!(
            tz_text("IST-2IDT,M3.4.4/26,M10.5.0").contains("dst start hour: 23\ndst start week: 4\ndst start day: 5")
        );
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
        for name in
            [&b"00085d237429.cfg"[..], b"aastra.cfg", b"00085D237429-ca_servers.crt", b"00085D237429.cfg.bak", b""]
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
}
