//! Aastra/Mitel: the template context and the files a device is served.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::config::truthy;
use provd_core::family::*;
use provd_core::plugin::ModelInfo;
use provd_core::syntax;
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

pub(super) const CA_SUFFIX: &str = "-ca_servers.crt";

/// `locale` -> (language file, tone set, input language).
pub(super) const LOCALES: [(&str, [&str; 3]); 6] = [
    ("de_DE", ["lang_de.txt", "Germany", "German"]),
    ("es_ES", ["lang_es.txt", "Europe", "Spanish"]),
    ("fr_FR", ["lang_fr.txt", "France", "French"]),
    ("fr_CA", ["lang_fr_ca.txt", "US", "French"]),
    ("it_IT", ["lang_it.txt", "Italy", "Italian"]),
    ("nl_NL", ["lang_nl_nl.txt", "Germany", "Dutch"]),
];

/// `sip_dtmf_mode` -> (`sip out-of-band dtmf`, `sip dtmf method`).
pub(super) fn dtmf(mode: &str) -> Option<(&'static str, &'static str)> {
    match mode {
        "RTP-in-band" => Some(("0", "0")),
        "RTP-out-of-band" => Some(("1", "0")),
        "SIP-INFO" => Some(("1", "1")),
        _ => None,
    }
}

pub(super) fn srtp(mode: &str) -> Option<&'static str> {
    match mode {
        "disabled" => Some("0"),
        "preferred" => Some("1"),
        "required" => Some("2"),
        _ => None,
    }
}

pub(super) fn transport(proto: &str) -> Option<&'static str> {
    match proto {
        "udp" => Some("1"),
        "tcp" => Some("2"),
        "tls" => Some("4"),
        _ => None,
    }
}

/// `log module <x>` bit masks for a `syslog_level`.
pub(super) fn log_level(level: Option<&str>) -> &'static str {
    match level {
        Some("critical") => "1",
        Some("error") => "3",
        Some("warning") => "7",
        Some("info") => "39",
        Some("debug") => "65535",
        _ => "1",
    }
}

pub(super) const DICT_KEYS: [&str; 8] = [
    "voicemail",
    "fwd_unconditional",
    "dnd",
    "local_directory",
    "callers",
    "services",
    "pickup_call",
    "remote_directory",
];

pub(super) const DICT_EN: [&str; 8] =
    ["Voicemail", "Unconditional forward", "D.N.D", "Directory", "Callers", "Services", "Call pickup", "Directory"];
pub(super) const DICT_FR: [&str; 8] =
    ["Messagerie", "Renvoi inconditionnel", "N.P.D", "Repertoire", "Appels", "Services", "Interception", "Annuaire"];

pub(super) fn str_of(raw: &Map, key: &str) -> Option<String> {
    raw.get(key).and_then(helpers::scalar_text).map(Cow::into_owned)
}

/// The key names a model offers, in function key order: programmable keys,
/// top softkeys, softkeys, then each expansion module's keys.
pub(super) fn key_name(model: &ModelInfo, number: u64) -> Option<String> {
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
pub(super) fn function_keys(model: &ModelInfo, funckeys: Option<&Value>) -> String {
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
        let Some(value) = key.get("value").and_then(helpers::scalar_text).map(Cow::into_owned) else {
            continue;
        };
        let (kind, value) = match key.get("type").and_then(Value::as_str) {
            Some("speeddial") => ("speeddial", value),
            Some("blf") if !softkey_blf && name.starts_with("softkey") => ("speeddial", value),
            Some("blf") => ("blf", value),
            Some("park") => ("park", format!("asterisk;{value}")),
            _ => continue,
        };
        let label =
            key.get("label").and_then(helpers::scalar_text).map(Cow::into_owned).unwrap_or_else(|| value.clone());
        let line = key.get("line").and_then(helpers::scalar_text).map(Cow::into_owned).unwrap_or_else(|| "1".into());
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

pub(super) static TIMEZONE_LINES: tz::PerZone<String> = tz::PerZone::new(format_timezone);

/// The `Custom` time zone lines: offset in minutes west of UTC and, when the
/// zone has DST, its yearly rule.
pub(super) fn format_timezone(tz: &TimezoneInfo) -> String {
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

pub(super) fn push_dst_change(lines: &mut Vec<String>, which: &str, change: &DstChange) {
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
        DstDay::Julian(n) => lines.push(format!("dst {which} day: {}", helpers::month_day(n - 1).1)),
        DstDay::ZeroJulian(n) => lines.push(format!("dst {which} day: {}", helpers::month_day(n).1)),
    }
}

/// The CA bundle written next to the device file: a PEM string, or a list of
/// PEM strings concatenated, each ending with a newline.
pub(super) fn pem_bundle(v: &Value) -> Option<String> {
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
pub(super) fn update_sip_lines(raw: &mut Map) {
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
pub(super) fn parking(raw: &Map) -> Option<String> {
    let Value::Object(funckeys) = raw.get("funckeys")? else {
        return None;
    };
    let park = funckeys
        .values()
        .filter_map(Value::as_object)
        .find(|k| k.get("type").and_then(Value::as_str) == Some("park"))?;
    let value = park.get("value").and_then(helpers::scalar_text).map(Cow::into_owned)?;
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
pub(super) fn add_config_server(raw: &mut Map) {
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

pub(super) fn dict(locale: Option<&str>) -> Map {
    let lang = locale.map(|l| l.split('_').next().unwrap_or(l));
    let words = if lang == Some("fr") { DICT_FR } else { DICT_EN };
    DICT_KEYS.iter().zip(words).map(|(k, v)| ((*k).to_owned(), Value::from(v))).collect()
}
