//! Grandstream: the template context (`XX_*`) and its parts.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::helpers;
use provd_core::Map;
use provd_core::plugin::ModelInfo;
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

/// The languages the phones' `P1362` takes, by wazo locale.
const LOCALES: [(&str, &str); 7] = [
    ("de_DE", "de"),
    ("es_ES", "es"),
    ("fr_FR", "fr"),
    ("fr_CA", "fr"),
    ("it_IT", "it"),
    ("nl_NL", "nl"),
    ("en_US", "en"),
];

/// Function key types as the phones name the key modes; `default` and
/// `disabled` are the modes an unset key takes in the v2 layout.
const KEY_MODES: [(&str, &str); 5] =
    [("speeddial", "SpeedDial"), ("blf", "BLF"), ("park", "CallPark"), ("default", "Line"), ("disabled", "None")];

fn key_mode(kind: &str) -> Option<&'static str> {
    KEY_MODES.iter().find(|(k, _)| *k == kind).map(|(_, mode)| *mode)
}

/// The phones' transport names (`account.N.sip.transport`).
pub(super) fn transport(t: Option<&str>) -> Option<&'static str> {
    match t? {
        "udp" => Some("UDP"),
        "tcp" => Some("TCP"),
        "tls" => Some("TlsOrTcp"),
        _ => None,
    }
}

/// DTMF sent in audio, in RTP (RFC 2833) and in SIP INFO, as `Yes`/`No`.
pub(super) fn dtmf(mode: Option<&str>) -> Option<[&'static str; 3]> {
    match mode? {
        "RTP-in-band" => Some(["Yes", "Yes", "No"]),
        "RTP-out-of-band" => Some(["No", "Yes", "No"]),
        "SIP-INFO" => Some(["No", "No", "Yes"]),
        _ => None,
    }
}

/// `XX_locale`: the phone's language for a wazo locale it has.
pub(super) fn locale(raw: &Map) -> Option<&'static str> {
    let locale = raw.get("locale").and_then(Value::as_str)?;
    LOCALES.iter().find(|(l, _)| *l == locale).map(|(_, lang)| *lang)
}

pub(super) static TIMEZONES: tz::PerZone<String> = tz::PerZone::new(posix_timezone);

/// A zone as the POSIX TZ string the phones' time zone setting takes, every
/// field written out as Grandstream's own list writes them
/// (`STD-1DST-2,M3.5.0/02:00:00,M10.5.0/03:00:00` for Europe/Paris). The
/// names are placeholders: the phones only read the offsets and rules.
pub(super) fn posix_timezone(zone: &TimezoneInfo) -> String {
    // POSIX offsets count west of UTC.
    let offset = |east: i32| {
        let west = -east;
        let sign = if west < 0 { "-" } else { "" };
        let (h, m, s) = (west.unsigned_abs() / 3600, west.unsigned_abs() % 3600 / 60, west.unsigned_abs() % 60);
        match (m, s) {
            (0, 0) => format!("{sign}{h}"),
            (_, 0) => format!("{sign}{h}:{m:02}"),
            _ => format!("{sign}{h}:{m:02}:{s:02}"),
        }
    };
    let mut out = format!("STD{}", offset(zone.utc_offset));
    if let Some(dst) = &zone.dst {
        let _ = write!(out, "DST{},{},{}", offset(zone.utc_offset + dst.save), change(&dst.start), change(&dst.end));
    }
    out
}

/// `Mm.w.d/hh:mm:ss`, `Jn/...` or `n/...`: a DST change in POSIX form.
fn change(c: &DstChange) -> String {
    let day = match c.day {
        DstDay::Weekday { week, weekday } => format!("M{}.{week}.{weekday}", c.month),
        DstDay::Julian(n) => format!("J{n}"),
        DstDay::ZeroJulian(n) => n.to_string(),
    };
    let sign = if c.time < 0 { "-" } else { "" };
    let t = c.time.unsigned_abs();
    format!("{day}/{sign}{:02}:{:02}:{:02}", t / 3600, t % 3600 / 60, t % 60)
}

/// Each line gets the global registrars and voicemail it lacks; a line
/// whose password is `autoprov` (a phone not yet given to a user) gets an
/// empty one, as wazo's Grandstream plugins write it.
pub(super) fn update_sip_lines(raw: &mut Map) {
    let globals = [
        ("registrar_ip", "sip_registrar_ip"),
        ("backup_registrar_ip", "sip_backup_registrar_ip"),
        ("proxy_ip", "sip_proxy_ip"),
        ("voicemail", "exten_voicemail"),
    ];
    let Some(lines) = helpers::fill_sip_lines(raw, &globals) else {
        return;
    };
    for line in lines.values_mut() {
        if let Value::Object(line) = line
            && line.get("password").and_then(Value::as_str) == Some("autoprov")
        {
            line.insert("password".into(), "".into());
        }
    }
}

/// The function keys by number (`1` and up), in key order.
fn keys(raw: &Map) -> Vec<(u64, &Map)> {
    let mut keys: Vec<(u64, &Map)> = match raw.get("funckeys") {
        Some(Value::Object(keys)) => keys
            .iter()
            .filter_map(|(no, key)| Some((helpers::key_number(no).filter(|&n| n > 0)?, key.as_object()?)))
            .collect(),
        _ => Vec::new(),
    };
    keys.sort_by_key(|(no, _)| *no);
    keys
}

/// A key's account: its `line` less one (accounts count from 0), else 0.
fn account(key: &Map) -> u64 {
    key.get("line").and_then(helpers::scalar_text).and_then(|l| l.trim().parse::<u64>().ok()).unwrap_or(1).max(1) - 1
}

fn text<'k>(key: &'k Map, name: &str) -> Cow<'k, str> {
    key.get(name).and_then(helpers::scalar_text).unwrap_or_default()
}

/// `XX_fkeys`: `[P-code, value]` pairs of the legacy multi-purpose keys
/// (key N: mode `P32{N+2}`, account, label and value at `P3{3N-2}`,
/// `P3{3N-1}` and `P3{3N}`, two digits at least), as wazo's templates walk
/// them (`for code, value in XX_fkeys`). Keys of another type are left out.
pub(super) fn legacy_keys(raw: &Map) -> Vec<Value> {
    let code = |n: u64| format!("P3{n:02}");
    let mut out = Vec::new();
    for (no, key) in keys(raw) {
        let Some(mode) = key.get("type").and_then(Value::as_str).and_then(key_mode) else {
            continue;
        };
        out.push(json!([format!("P32{}", no + 2), mode]));
        out.push(json!([code(3 * no - 2), account(key)]));
        if let Some(label) = key.get("label").and_then(helpers::scalar_text) {
            out.push(json!([code(3 * no - 1), label]));
        }
        out.push(json!([code(3 * no), text(key, "value")]));
    }
    out
}

/// `XX_mpk`: `[P-code, value]` pairs of the multi-purpose keys numbered
/// from `P23000`, five codes a key (mode, account, label, value).
pub(super) fn multi_purpose_keys(raw: &Map) -> Vec<Value> {
    let mut out = Vec::new();
    for (no, key) in keys(raw) {
        let Some(mode) = key.get("type").and_then(Value::as_str).and_then(key_mode) else {
            continue;
        };
        let Some(start) = no.checked_sub(1).and_then(|n| n.checked_mul(5)).and_then(|n| n.checked_add(23000)) else {
            continue;
        };
        out.push(json!([format!("P{start}"), mode]));
        out.push(json!([format!("P{}", start + 1), account(key)]));
        if let Some(label) = key.get("label").and_then(helpers::scalar_text) {
            out.push(json!([format!("P{}", start + 2), label]));
        }
        out.push(json!([format!("P{}", start + 3), text(key, "value")]));
    }
    out
}

/// `XX_v2_fkeys`: `[number, {section, type, label, value}]` for every
/// virtual key (`vpk`, numbered from 1) then every physical one (`mpk`,
/// numbered from 1, taking function keys `vpk + 1` and up) of a model whose
/// `plugin-info` counts them; `None` for the others. A virtual key that
/// would take a configured line's place is left to the line; a key of an
/// unknown type is left out.
pub(super) fn v2_keys(model: Option<&ModelInfo>, raw: &Map) -> Option<Vec<Value>> {
    let model = model?;
    let (vpk, mpk) = (model.get_u64("vpk")?, model.get_u64("mpk").unwrap_or(0));
    // A plugin-info count is trusted, but not to allocate without bound.
    let (vpk, mpk) = (vpk.min(1000), mpk.min(1000));
    let by_no = helpers::by_number(raw.get("funckeys").and_then(Value::as_object), vpk + mpk);
    let lines = raw.get("sip_lines").and_then(Value::as_object);
    let mut out = Vec::new();
    let entry = |n: u64, section: &str, key: Option<&Value>| {
        let key = key.and_then(Value::as_object);
        let kind = key.and_then(|k| k.get("type")).and_then(Value::as_str).unwrap_or("disabled");
        let mode = key_mode(kind)?;
        let field = |name| key.and_then(|k| k.get(name)).and_then(helpers::non_empty_text).unwrap_or_default();
        Some(json!([n, {"section": section, "type": mode, "label": field("label"), "value": field("value")}]))
    };
    for n in 1..=vpk {
        if lines.is_some_and(|l| l.contains_key(&n.to_string())) {
            continue;
        }
        out.extend(entry(n, "vpk", by_no[n as usize]));
    }
    for n in 1..=mpk {
        out.extend(entry(n, "mpk", by_no[(vpk + n) as usize]));
    }
    Some(out)
}

/// `XX_dns_1` to `XX_dns_4`: the parts of `dns_ip` when DNS is enabled.
pub(super) fn dns_parts(raw: &Map) -> Vec<(String, Value)> {
    if helpers::present(raw, "dns_enabled").is_none() {
        return Vec::new();
    }
    let Some(ip) = raw.get("dns_ip").and_then(Value::as_str) else {
        return Vec::new();
    };
    ip.split('.').take(4).enumerate().map(|(i, part)| (format!("XX_dns_{}", i + 1), Value::from(part))).collect()
}
