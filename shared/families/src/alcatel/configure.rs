//! Alcatel-Lucent: the template context and the files a phone is served.

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::tz;

/// `SettingLanguage` by the language of the locale (English otherwise).
const LANGUAGES: [(&str, u64); 23] = [
    ("en", 0),
    ("fr", 1),
    ("de", 2),
    ("it", 3),
    ("es", 4),
    ("nl", 5),
    ("pt", 6),
    ("hu", 7),
    ("cs", 8),
    ("sk", 9),
    ("sl", 10),
    ("et", 11),
    ("pl", 12),
    ("lt", 13),
    ("lv", 14),
    ("tr", 15),
    ("el", 16),
    ("sv", 17),
    ("no", 18),
    ("da", 19),
    ("fi", 20),
    ("is", 21),
    ("zh", 22),
];

/// `AccountNDtmfMode`: 0 off, 1 in-band, 2 RFC 2833, 4 SIP INFO.
fn dtmf_mode(mode: Option<&str>) -> u64 {
    match mode {
        Some("RTP-in-band") => 1,
        Some("RTP-out-of-band") => 2,
        Some("SIP-INFO") => 4,
        _ => 0,
    }
}

/// `ProgramKeyNType`: 59 BLF, 1 speed dial (every other type too).
fn key_type(kind: Option<&str>) -> u64 {
    if kind == Some("blf") { 59 } else { 1 }
}

/// The `XX_lang` code of a locale (`fr_FR` → 1).
pub(super) fn language(locale: Option<&str>) -> u64 {
    let lang = locale.map(|l| l.split('_').next().unwrap_or(l));
    LANGUAGES.iter().find(|(l, _)| Some(*l) == lang).map_or(0, |(_, c)| *c)
}

/// `XX_timezone`: the standard offset as the phones write it, `+1:00`,
/// `-5:00`, `+5:30` (hours without padding, as wazo formats them).
pub(super) fn offset_text(utc_offset: i32) -> String {
    let minutes = utc_offset / 60;
    let sign = if minutes < 0 { '-' } else { '+' };
    format!("{sign}{}:{:02}", minutes.abs() / 60, minutes.abs() % 60)
}

/// The lines completed with the global servers and voicemail, each with
/// its DTMF mode code (`XX_user_dtmf_info`).
pub(super) fn update_sip_lines(raw: &mut Map) {
    let global_dtmf = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let globals = [
        ("proxy_ip", "sip_proxy_ip"),
        ("proxy_port", "sip_proxy_port"),
        ("backup_proxy_ip", "sip_backup_proxy_ip"),
        ("backup_proxy_port", "sip_backup_proxy_port"),
        ("outbound_proxy_ip", "sip_outbound_proxy_ip"),
        ("outbound_proxy_port", "sip_outbound_proxy_port"),
        ("voicemail", "exten_voicemail"),
    ];
    let Some(lines) = helpers::fill_sip_lines(raw, &globals) else {
        return;
    };
    for line in lines.values_mut() {
        if let Value::Object(line) = line {
            let mode = line.get("dtmf_mode").and_then(Value::as_str).or(global_dtmf.as_deref());
            line.insert("XX_user_dtmf_info".into(), dtmf_mode(mode).into());
        }
    }
}

/// `XX_fkeys`: `{position, type, label, value, extension}` per function
/// key, in key order, at position key number + 1 (as wazo places them),
/// up to the model's `function_keys`.
pub(super) fn function_keys(funckeys: Option<&Value>, max: u64) -> Vec<Value> {
    let Some(Value::Object(funckeys)) = funckeys else {
        return Vec::new();
    };
    let mut keys: Vec<(u64, &Map)> = funckeys
        .iter()
        .filter_map(|(no, key)| Some((helpers::key_number(no)?, key.as_object()?)))
        .filter(|(no, _)| *no < max)
        .collect();
    keys.sort_by_key(|(no, _)| *no);
    keys.into_iter()
        .map(|(no, key)| {
            let value = key.get("value").and_then(helpers::scalar_text).unwrap_or_default();
            let label = key.get("label").and_then(helpers::scalar_text).unwrap_or_default();
            let mut out = Map::new();
            out.insert("position".into(), (no + 1).into());
            out.insert("type".into(), key_type(key.get("type").and_then(Value::as_str)).into());
            out.insert("label".into(), label.into_owned().into());
            out.insert("value".into(), value.clone().into_owned().into());
            out.insert("extension".into(), value.into_owned().into());
            Value::Object(out)
        })
        .collect()
}

/// `XX_timezone` for the configured zone, if the system knows it.
pub(super) fn add_timezone(raw: &mut Map) {
    if let Some(zone) = raw.get("timezone").and_then(Value::as_str)
        && let Ok(info) = tz::timezone_info(zone)
    {
        raw.insert("XX_timezone".into(), offset_text(info.utc_offset).into());
    }
}
