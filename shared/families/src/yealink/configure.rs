//! Yealink: the template context and the files a device is served.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::config::truthy;
use provd_core::family::*;
use provd_core::plugin::{ModelInfo, Plugin};
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

/// `locale` -> (`lang.gui`, `voice.tone.country`, handset language index).
pub(super) const LOCALES: [(&str, [&str; 3]); 6] = [
    ("de_DE", ["German", "Germany", "2"]),
    ("en_US", ["English", "United States", "0"]),
    ("es_ES", ["Spanish", "Spain", "6"]),
    ("fr_FR", ["French", "France", "1"]),
    ("fr_CA", ["French", "United States", "1"]),
    ("it_IT", ["Italian", "Italy", "3"]),
];

/// `account.N.dtmf.type`: 0 in-band, 1 RFC 2833, 2 SIP INFO.
pub(super) fn dtmf_type(mode: &str) -> Option<&'static str> {
    match mode {
        "RTP-in-band" => Some("0"),
        "RTP-out-of-band" => Some("1"),
        "SIP-INFO" => Some("2"),
        _ => None,
    }
}

/// `account.N.sip_server.M.transport_type`: 0 UDP, 1 TCP, 2 TLS.
pub(super) fn transport_type(proto: Option<&str>) -> &'static str {
    match proto {
        Some("tcp") => "1",
        Some("tls") => "2",
        _ => "0",
    }
}

/// `account.N.srtp_encryption`: 0 off, 1 optional, 2 compulsory.
pub(super) fn srtp_encryption(mode: &str) -> Option<u64> {
    match mode {
        "disabled" => Some(0),
        "preferred" => Some(1),
        "required" => Some(2),
        _ => None,
    }
}

/// `static.syslog.level` (0 emergency .. 6 informational).
pub(super) fn syslog_level(level: &str) -> Option<u64> {
    match level {
        "critical" => Some(2),
        "error" => Some(3),
        "warning" => Some(4),
        "info" | "debug" => Some(6),
        _ => None,
    }
}

/// [`helpers::scalar_text`], except that a boolean is text too: `1` or `0`.
/// Yealink alone: its settings are `0`/`1` switches, and a boolean that
/// reaches one through a line or function key (`"line": true`) is written
/// as the switch it stands for where the other families leave the value
/// out. Rendered files depend on it.
pub(super) fn text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "1" } else { "0" })),
        _ => None,
    }
}

pub(super) fn add_locale(raw: &mut Map) {
    let Some(locale) = raw.get("locale").and_then(Value::as_str) else {
        return;
    };
    if let Some((_, [lang, country, handset])) = LOCALES.iter().find(|(l, _)| *l == locale) {
        raw.insert("XX_lang".into(), Value::from(*lang));
        raw.insert("XX_country".into(), Value::from(*country));
        raw.insert("XX_handset_lang".into(), Value::from(*handset));
    }
}

pub(super) static TIMEZONE_LINES: tz::PerZone<String> = tz::PerZone::new(timezone_lines);

/// The `local_time.*` lines for a zone. Yealink takes the standard offset
/// as `+h` or `+h:mm`, within -11..+12.
pub(super) fn timezone_lines(tz: &TimezoneInfo) -> String {
    let offset = tz.utc_offset.clamp(-11 * 3600, 12 * 3600);
    let sign = if offset < 0 { '-' } else { '+' };
    let (hours, minutes) = (offset.unsigned_abs() / 3600, offset.unsigned_abs() % 3600 / 60);
    let mut out = if minutes == 0 {
        format!("local_time.time_zone = {sign}{hours}\n")
    } else {
        format!("local_time.time_zone = {sign}{hours}:{minutes:02}\n")
    };
    match &tz.dst {
        None => out.push_str("local_time.summer_time = 0"),
        Some(dst) => {
            let by_date = !matches!(dst.start.day, DstDay::Weekday { .. });
            let _ = write!(
                out,
                "local_time.summer_time = 1\nlocal_time.dst_time_type = {}\nlocal_time.start_time = {}\n\
                 local_time.end_time = {}\nlocal_time.offset_time = {}",
                if by_date { 0 } else { 1 },
                dst_change(&dst.start),
                dst_change(&dst.end),
                dst.save / 60,
            );
        }
    }
    out
}

/// `month/week/weekday/hour` (week 5 = last, Monday = 1 .. Sunday = 7) or,
/// for day-of-year rules, `MM/DD/HH`. Yealink wants an hour in 0..=23, so a
/// POSIX time outside the day (`/-1`, `/24`) moves the weekday or date;
/// near a month's edge the week can then be off by one, which no Yealink
/// rule can express anyway.
pub(super) fn dst_change(change: &DstChange) -> String {
    let days = change.time.div_euclid(86_400);
    let hour = change.time.rem_euclid(86_400) / 3600;
    match change.day {
        DstDay::Weekday { week, weekday } => {
            let weekday = (i32::from(weekday) + days).rem_euclid(7) as u8;
            format!("{}/{week}/{}/{hour}", change.month, DstDay::weekday_monday_first(weekday))
        }
        DstDay::Julian(n) => month_day(i32::from(n) - 1 + days, hour),
        DstDay::ZeroJulian(n) => month_day(i32::from(n) + days, hour),
    }
}

/// `MM/DD/HH` for a zero-based day of a non-leap year (clamped to the year).
pub(super) fn month_day(day0: i32, hour: i32) -> String {
    let (month, day) = helpers::month_day(day0.clamp(0, 364) as u16);
    format!("{month:02}/{day:02}/{hour:02}")
}

/// Fills each SIP line with what the templates need: line number, DTMF and
/// SRTP codes, voicemail and server defaults from the global keys, and the
/// DECT server template it uses (`XX_templates`, `XX_template_id`).
pub(super) fn update_sip_lines(raw: &mut Map) {
    let global = |k: &str| helpers::present(raw, k).cloned();
    let defaults = [
        ("voicemail", global("exten_voicemail")),
        ("proxy_ip", global("sip_proxy_ip")),
        ("proxy_port", global("sip_proxy_port")),
        ("backup_proxy_ip", global("sip_backup_proxy_ip")),
        ("backup_proxy_port", global("sip_backup_proxy_port")),
        ("outbound_proxy_ip", global("sip_outbound_proxy_ip")),
        ("outbound_proxy_port", global("sip_outbound_proxy_port")),
    ];
    let dtmf_mode = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let srtp_mode = raw.get("sip_srtp_mode").and_then(Value::as_str).map(str::to_owned);
    let tls = raw.get("sip_transport").and_then(Value::as_str) == Some("tls");
    let Some(Value::Object(lines)) = raw.get_mut("sip_lines") else {
        raw.insert("XX_templates".into(), Value::Object(Map::new()));
        return;
    };
    let mut templates = Map::new();
    for (line_no, line) in lines.iter_mut() {
        let Value::Object(line) = line else { continue };
        if let Ok(n) = line_no.parse::<u64>() {
            line.insert("XX_line_no".into(), Value::from(n));
        }
        let dtmf = line.get("dtmf_mode").and_then(Value::as_str).filter(|m| !m.is_empty()).or(dtmf_mode.as_deref());
        if let Some(code) = dtmf.and_then(dtmf_type) {
            line.insert("XX_dtmf_type".into(), Value::from(code));
        }
        // A line with a proxy of its own does not fail over to the global backup.
        let own_proxy = line.get("proxy_ip").is_some_and(|v| !v.is_null());
        for (key, default) in &defaults {
            let Some(default) = default else { continue };
            if own_proxy && key.starts_with("backup_") {
                continue;
            }
            if line.get(*key).is_none_or(Value::is_null) {
                line.insert((*key).into(), default.clone());
            }
        }
        let srtp = line.get("srtp_mode").and_then(Value::as_str).or(srtp_mode.as_deref()).and_then(srtp_encryption);
        // TLS signalling without SRTP media would leak the audio (wazo forces
        // it too); the autoprov line has no usable keys, so it stays off.
        let autoprov = line.get("number").and_then(Value::as_str) == Some("autoprov");
        let srtp = if tls && !autoprov { 2 } else { srtp.unwrap_or(0) };
        line.insert("XX_srtp_encryption".into(), Value::from(srtp));

        let server = |k: &str| line.get(k).and_then(text).map(Cow::into_owned);
        let (ip, port) = (server("proxy_ip"), server("proxy_port"));
        let existing = templates.values().find_map(|t: &Value| {
            let same = t.get("proxy_ip").and_then(text).map(Cow::into_owned) == ip
                && t.get("proxy_port").and_then(text).map(Cow::into_owned) == port;
            same.then(|| t["id"].clone())
        });
        let id = match existing {
            Some(id) => id,
            None => {
                let id = Value::from(templates.len() + 1);
                let mut t = Map::new();
                t.insert("id".into(), id.clone());
                for k in ["proxy_ip", "proxy_port", "backup_proxy_ip", "backup_proxy_port"] {
                    t.insert(k.into(), line.get(k).cloned().unwrap_or(Value::Null));
                }
                templates.insert((templates.len() + 1).to_string(), Value::Object(t));
                id
            }
        };
        line.insert("XX_template_id".into(), id);
    }
    raw.insert("XX_templates".into(), Value::Object(templates));
}

/// `XX_sip_lines`: accounts `1..=lines` of the model, `null` where no line
/// is configured (so the template can disable stale accounts); the
/// configured lines as they are when the model's count is unknown.
pub(super) fn add_xx_sip_lines(model: Option<&ModelInfo>, raw: &mut Map) {
    let sip_lines = raw.get("sip_lines").and_then(Value::as_object);
    let xx = match model.and_then(|m| m.get_u64("lines")).filter(|&n| n > 0) {
        Some(n) => {
            let n = n.min(1024);
            let lines = helpers::by_number(sip_lines, n);
            (1..=n).map(|i| (i.to_string(), lines[i as usize].cloned().unwrap_or(Value::Null))).collect()
        }
        None => sip_lines.cloned().unwrap_or_default(),
    };
    raw.insert("XX_sip_lines".into(), Value::Object(xx));
}

pub(super) fn add_firmware(plugin: &Plugin, model: Option<&ModelInfo>, raw: &mut Map) {
    let Some(model) = model else { return };
    if let Some(fw) = model.get_str("firmware").filter(|f| !f.is_empty()) {
        raw.insert("XX_fw_filename".into(), Value::from(fw));
    }
    let handsets = model.extra.get("handsets").is_some_and(truthy);
    if let Some(Value::Object(fw)) = plugin.info.extra.get("handsets_fw").filter(|_| handsets) {
        raw.insert("XX_handsets_fw".into(), Value::Object(fw.clone()));
    }
}

/// Where function keys land on a model: line keys, then memory keys, then
/// the keys of each chained expansion module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct KeyLayout {
    pub(super) linekeys: u64,
    pub(super) memorykeys: u64,
    pub(super) modules: u64,
    pub(super) module_keys: u64,
}

impl KeyLayout {
    pub(super) fn of(model: Option<&ModelInfo>) -> KeyLayout {
        let Some(m) = model else {
            return KeyLayout::default();
        };
        let get = |k| m.get_u64(k).unwrap_or(0).min(1024);
        KeyLayout {
            linekeys: get("linekeys"),
            memorykeys: get("memorykeys"),
            modules: get("expansion_modules"),
            module_keys: get("expansion_module_keys"),
        }
    }

    pub(super) fn onboard(&self) -> u64 {
        self.linekeys + self.memorykeys
    }

    /// The module (1-based) function key `n` lands on, if any.
    pub(super) fn module_of(&self, n: u64) -> Option<u64> {
        let first = self.onboard() + 1;
        let last = self.onboard() + self.modules * self.module_keys;
        (self.module_keys > 0 && (first..=last).contains(&n)).then(|| (n - first) / self.module_keys + 1)
    }

    pub(super) fn prefix(&self, n: u64, out: &mut String) {
        let _ = if n <= self.linekeys {
            write!(out, "linekey.{n}")
        } else if n <= self.onboard() {
            write!(out, "memorykey.{}", n - self.linekeys)
        } else {
            let k = n - self.onboard() - 1;
            write!(out, "expansion_module.{}.key.{}", k / self.module_keys + 1, k % self.module_keys + 1)
        };
    }
}

/// One `<prefix>.<field> = <value>` line. The value is escaped for lines
/// (a line break in it would start a new setting).
pub(super) fn setting(out: &mut String, prefix: &str, field: &str, value: &str) {
    out.push_str(prefix);
    out.push('.');
    out.push_str(field);
    out.push_str(" = ");
    Syntax::Lines.push_escaped(out, value);
    out.push('\n');
}

/// `XX_fkeys`: every line key (and memory key) of the model, configured or
/// reset, then expansion-module keys.
///
/// wazo writes all 6x40 or 3x60 module keys of every capable model, reset
/// or not: 720 to 960 lines per file that almost nobody uses. Here a module
/// is written only up to the last module a configured function key lands
/// on, each such module in full (so keys removed from it are reset). The
/// cost: a phone whose last module key is removed keeps that module's old
/// keys until a module key is configured again or the phone is reset.
pub(super) fn function_keys(layout: &KeyLayout, raw: &Map) -> String {
    let funckeys = raw.get("funckeys").and_then(Value::as_object);
    let sip_lines = raw.get("sip_lines").and_then(Value::as_object);
    let pickup = helpers::present(raw, "exten_pickup_call").and_then(text);
    let park = helpers::present(raw, "exten_park").and_then(text);
    let modules_used = funckeys
        .into_iter()
        .flat_map(|f| f.keys())
        .filter_map(|k| k.parse::<u64>().ok())
        .filter_map(|n| layout.module_of(n))
        .max()
        .unwrap_or(0);
    let total = layout.onboard() + modules_used * layout.module_keys;
    let funckeys = helpers::by_number(funckeys, total);
    let sip_lines = helpers::by_number(sip_lines, total);

    let mut out = String::with_capacity(total as usize * 110);
    let mut prefix = String::with_capacity(32);
    let mut key_no = String::new();
    for n in 1..=total {
        prefix.clear();
        layout.prefix(n, &mut prefix);
        let funckey = funckeys[n as usize].and_then(Value::as_object);
        let Some(fk) = funckey else {
            match sip_lines[n as usize].and_then(Value::as_object) {
                // An unconfigured key whose number is a SIP line shows that line.
                Some(line) => {
                    let number = line.get("number").and_then(text).unwrap_or(Cow::Borrowed("%NULL%"));
                    key_no.clear();
                    let _ = write!(key_no, "{n}");
                    setting(&mut out, &prefix, "type", "15");
                    setting(&mut out, &prefix, "line", &key_no);
                    setting(&mut out, &prefix, "value", &number);
                    setting(&mut out, &prefix, "label", &number);
                }
                None => null_key(&mut out, &prefix),
            }
            continue;
        };
        let value = fk.get("value").and_then(text).filter(|v| !v.is_empty());
        let (ty, value) = match (fk.get("type").and_then(Value::as_str), value) {
            (Some("speeddial"), Some(v)) if v == "*3" => ("11", v),
            (Some("speeddial"), Some(v)) => ("13", v),
            (Some("blf"), Some(v)) => ("16", v),
            (Some("park"), v) => match v.or_else(|| park.clone()) {
                Some(v) => ("10", v),
                None => {
                    null_key(&mut out, &prefix);
                    continue;
                }
            },
            // Unknown types and keys without a value reset the key.
            _ => {
                null_key(&mut out, &prefix);
                continue;
            }
        };
        let line = fk.get("line").and_then(text).unwrap_or(Cow::Borrowed("1"));
        let label = fk.get("label").and_then(text).unwrap_or_default();
        setting(&mut out, &prefix, "type", ty);
        setting(&mut out, &prefix, "line", &line);
        setting(&mut out, &prefix, "value", &value);
        setting(&mut out, &prefix, "label", &label);
        if let Some(pickup) = pickup.as_deref().filter(|_| ty == "16") {
            setting(&mut out, &prefix, "extension", pickup);
        }
    }
    out
}

pub(super) fn null_key(out: &mut String, prefix: &str) {
    setting(out, prefix, "type", "0");
    for field in ["line", "value", "label"] {
        setting(out, prefix, field, "%NULL%");
    }
}
