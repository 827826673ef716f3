//! Polycom: the template context and the files a device is served.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::plugin::{ModelInfo, Plugin};
use provd_core::syntax;
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

/// `locale` -> `lcl.ml.lang`.
pub(super) const LANGUAGES: [(&str, &str); 7] = [
    ("de_DE", "German_Germany"),
    ("en_US", "English_United_States"),
    ("es_ES", "Spanish_Spain"),
    ("fr_FR", "French_France"),
    ("fr_CA", "French_France"),
    ("it_IT", "Italian_Italy"),
    ("nl_NL", "Dutch_Netherlands"),
];

/// `syslog_level` -> `device.syslog.renderLevel` (the phone's 1 is the most verbose).
pub(super) fn syslog_level(level: Option<&str>) -> &'static str {
    match level {
        Some("critical") => "5",
        Some("error") => "4",
        Some("warning") => "3",
        Some("info") => "2",
        _ => "1",
    }
}

/// `sip_transport` -> `reg.N.server.M.transport`.
pub(super) fn transport(proto: Option<&str>) -> &'static str {
    match proto {
        Some("tcp") => "TCPOnly",
        Some("tls") => "TLS",
        _ => "UDPOnly",
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Generation {
    Sip3,
    Ucs,
}

pub(super) fn generation(plugin: &Plugin) -> Generation {
    match plugin.info.extra.get("generation").and_then(Value::as_str) {
        Some("sip3") => Generation::Sip3,
        _ => Generation::Ucs,
    }
}

/// How many resource-list keys the model offers, modules included.
pub(super) fn key_count(model: &ModelInfo) -> u64 {
    model.get_u64("function_keys").unwrap_or(0)
        + model.get_u64("expansion_modules").unwrap_or(0) * model.get_u64("expansion_module_keys").unwrap_or(0)
}

/// `XX_fkeys`: `attendant.resourceList.N.*` attributes, one per line. The
/// phones monitor every entry (there is no unsupervised speed dial), so a
/// speed dial is a watched key too, as in wazo; a park key parks the
/// current call on its address (`automata`), which SIP 3.x cannot do.
pub(super) fn function_keys(model: &ModelInfo, generation: Generation, funckeys: Option<&Value>) -> String {
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
        let Some(value) = key.get("value").and_then(helpers::non_empty_text).map(Cow::into_owned) else {
            continue;
        };
        let label =
            key.get("label").and_then(helpers::non_empty_text).map(Cow::into_owned).unwrap_or_else(|| value.clone());
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

pub(super) static TIMEZONE_LINES: tz::PerZone<String> = tz::PerZone::new(format_timezone);

/// The `tcpIpApp.sntp.*` attributes for a zone: offset in seconds and the
/// yearly DST rule.
pub(super) fn format_timezone(tz: &TimezoneInfo) -> String {
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

pub(super) fn push_dst_change(lines: &mut Vec<String>, which: &str, change: &DstChange) {
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
        DstDay::Julian(n) => lines.push(format!("{key}.date=\"{}\"", helpers::month_day(n - 1).1)),
        DstDay::ZeroJulian(n) => lines.push(format!("{key}.date=\"{}\"", helpers::month_day(n).1)),
    }
}

/// Fills each line with the global SIP servers and the voicemail number.
pub(super) fn update_sip_lines(raw: &mut Map) {
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
