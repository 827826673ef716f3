//! Htek: the template context (wazo's `XX_*` keys and values) and the
//! parameter numbers of accounts and line keys.

use std::borrow::Cow;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::tz;

/// No Htek has more line keys (the UC926 has 36, its expansion modules
/// are not provisioned).
pub(super) const MAX_LINE_KEYS: u64 = 100;

/// `XX_lang` and `XX_country` (the tone scheme's number) by locale.
const LOCALES: &[(&str, &str, u32)] = &[
    ("de_DE", "German", 11),
    ("en_US", "English", 28),
    ("en_GB", "English", 12),
    ("es_ES", "Spanish", 24),
    ("fr_FR", "French", 10),
    ("fr_CA", "French", 28),
];

pub(super) fn add_locale(raw: &mut Map) {
    let locale = raw.get("locale").and_then(Value::as_str).unwrap_or_default();
    if let Some((_, lang, country)) = LOCALES.iter().find(|(l, _, _)| *l == locale) {
        raw.insert("XX_lang".into(), (*lang).into());
        raw.insert("XX_country".into(), (*country).into());
    }
}

/// The phones' time zone numbers by standard offset (hours, minutes).
const TIMEZONES: &[((i32, i32), u32)] = &[
    ((-11, 0), 105),
    ((-10, 0), 2),
    ((-9, 0), 3),
    ((-8, 0), 6),
    ((-7, 0), 10),
    ((-6, 0), 14),
    ((-5, 0), 18),
    ((-4, 30), 19),
    ((-4, 0), 20),
    ((-3, 30), 26),
    ((-3, 0), 30),
    ((-2, 0), 31),
    ((-1, 0), 32),
    ((0, 0), 33),
    ((1, 0), 49),
    ((2, 0), 57),
    ((3, 0), 73),
    ((3, 30), 74),
    ((4, 0), 77),
    ((5, 0), 83),
    ((5, 30), 84),
    ((6, 0), 85),
    ((7, 0), 88),
    ((8, 0), 89),
    ((9, 0), 93),
    ((9, 30), 94),
    ((10, 0), 96),
    ((10, 30), 100),
    ((11, 0), 101),
    ((12, 0), 102),
    ((12, 45), 103),
    ((13, 0), 104),
];

/// `XX_timezone_code`: the number of the zone's standard offset (hours
/// toward zero, minutes: -3:30 is `(-3, 30)`); an offset the phones do not
/// list, or a zone nobody knows, gets UTC-5's, as wazo's offset fallback.
pub(super) fn timezone_code(zone: &str) -> u32 {
    let code = |offset: i32| {
        let minutes = offset / 60;
        let key = (minutes / 60, (minutes % 60).abs());
        TIMEZONES.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
    };
    tz::timezone_info(zone).ok().and_then(|info| code(info.utc_offset)).unwrap_or(18)
}

/// The phones' DTMF codes.
fn dtmf_code(mode: &str) -> Option<&'static str> {
    match mode {
        "RTP-out-of-band" => Some("0"),
        "RTP-in-band" => Some("1"),
        "SIP-INFO" => Some("2"),
        _ => None,
    }
}

/// The parameter numbers of account `n`'s settings (1 to 16): the first
/// six accounts have numbers of their own, the next ten follow a rule.
pub(super) fn account_params(n: u64) -> Option<Map> {
    const NAMES: [&str; 10] = [
        "active",
        "label",
        "user",
        "auth",
        "password",
        "display",
        "voicemail",
        "dialplan",
        "pickup_direct",
        "pickup_group",
    ];
    const FIRST: [[u64; 10]; 6] = [
        [271, 20000, 35, 36, 34, 3, 33, 4200, 4705, 4706],
        [401, 20001, 735, 736, 734, 703, 426, 4201, 4715, 4716],
        [501, 20002, 504, 505, 506, 507, 526, 4202, 4725, 4726],
        [601, 20003, 604, 605, 606, 607, 626, 4203, 4735, 4736],
        [20360, 20378, 1704, 1705, 1706, 1707, 1726, 4204, 20464, 20466],
        [20361, 20379, 1804, 1805, 1806, 1807, 1826, 4205, 20465, 20467],
    ];
    const NEXT_BASES: [u64; 10] = [24090, 24100, 24110, 24120, 24130, 24140, 24170, 24180, 24220, 24230];
    let numbers: [u64; 10] = match n {
        1..=6 => FIRST[n as usize - 1],
        7..=16 => NEXT_BASES.map(|base| base + n - 7),
        _ => return None,
    };
    Some(NAMES.iter().zip(numbers).map(|(name, p)| ((*name).to_owned(), p.into())).collect())
}

/// Fills each line: `XX_line_no`, `XX_dtmf_type` (when its mode, or the
/// global one, is known), the voicemail, the global proxy and its port
/// when the line has none, and `XX_account` (its accounts' parameter
/// numbers, lines 1 to 16).
pub(super) fn update_sip_lines(raw: &mut Map) {
    let dtmf = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let globals = [("voicemail", "exten_voicemail"), ("proxy_ip", "sip_proxy_ip"), ("proxy_port", "sip_proxy_port")];
    let Some(lines) = helpers::fill_sip_lines(raw, &globals) else {
        return;
    };
    for (no, line) in lines.iter_mut() {
        let (Value::Object(line), Some(n)) = (line, helpers::key_number(no)) else {
            continue;
        };
        line.insert("XX_line_no".into(), n.into());
        let mode = line.get("dtmf_mode").and_then(Value::as_str).or(dtmf.as_deref());
        if let Some(code) = mode.and_then(dtmf_code) {
            line.insert("XX_dtmf_type".into(), code.into());
        }
        if let Some(params) = account_params(n) {
            line.insert("XX_account".into(), Value::Object(params));
        }
    }
}

/// `(parameter, mode parameter)` numbers of line key `key` for setting
/// `offset` (0 type, 1 value, 2 label, 3 account, 4 extension): keys 1 to
/// 4, 5 to 36 and from 37 are numbered by three rules.
pub(super) fn key_params(key: u64, offset: u64) -> (u64, u64) {
    match key {
        0..5 => (41200 + key.saturating_sub(1) + 100 * offset, 20600 + key.saturating_sub(1)),
        5..37 => (20200 + offset + 5 * (key - 5), 20600 + key - 1),
        _ => {
            let p = 23000 + offset + 5 * (key - 37);
            (p, p)
        }
    }
}

fn param(p: u64, val: Option<Value>) -> Value {
    let mut out = Map::new();
    out.insert("p_nb".into(), p.into());
    if let Some(val) = val {
        out.insert("val".into(), val);
    }
    Value::Object(out)
}

/// `XX_fkeys`: line keys 1 to `count`, each `{type, mode, value, label,
/// account, extension}` with its parameter number (`p_nb`) and value
/// (`val`). A key whose number is a SIP line's is that line (type 1,
/// labelled with its number); otherwise the function key of that number:
/// speed dial 2, BLF 3, park 8, anything else or none 0.
pub(super) fn function_keys(raw: &Map, count: u64) -> Map {
    let funckeys = raw.get("funckeys").and_then(Value::as_object);
    let lines = raw.get("sip_lines").and_then(Value::as_object);
    let keys = helpers::by_number(funckeys, count);
    let sip_lines = helpers::by_number(lines, count);
    let mut out = Map::new();
    for n in 1..=count {
        let text = |v: Option<&Value>, k: &str| {
            v.and_then(|v| v.get(k)).and_then(helpers::scalar_text).map(Cow::into_owned).unwrap_or_default()
        };
        let (kind, value, label) = if let Some(line) = sip_lines[n as usize] {
            (1, String::new(), text(Some(line), "number"))
        } else {
            let key = keys[n as usize];
            let kind = match key.and_then(|k| k.get("type")).and_then(Value::as_str) {
                Some("speeddial") => 2,
                Some("blf") => 3,
                Some("park") => 8,
                _ => 0,
            };
            (kind, text(key, "value"), text(key, "label"))
        };
        let mut entry = Map::new();
        entry.insert("type".into(), param(key_params(n, 0).0, Some(kind.into())));
        entry.insert("mode".into(), param(key_params(n, 0).1, None));
        entry.insert("value".into(), param(key_params(n, 1).0, Some(value.clone().into())));
        entry.insert("label".into(), param(key_params(n, 2).0, Some(label.into())));
        entry.insert("account".into(), param(key_params(n, 3).0, None));
        entry.insert("extension".into(), param(key_params(n, 4).0, Some(value.into())));
        out.insert(n.to_string(), Value::Object(entry));
    }
    out
}
