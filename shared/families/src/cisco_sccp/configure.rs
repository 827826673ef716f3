//! Cisco SCCP: the template context and the files a device is served.

use std::borrow::Cow;
use std::sync::LazyLock;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::tz::{self, TimezoneInfo};

/// The zone phones get when none is configured or none matches.
pub(super) const DEFAULT_ZONE: &str = "Eastern Standard/Daylight Time";

/// Cisco's zone names, each with a representative Olson zone whose offset
/// and DST rule (read from the system zoneinfo) select it. Earlier rows win
/// when two share offset and rule.
pub(super) const CISCO_ZONES: &[(&str, &str)] = &[
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
pub(super) struct ZoneRow {
    offset: i32,
    dst: Option<String>,
    name: &'static str,
}

/// Built once from the system zoneinfo, like wazo's `_TZ_MAP`; rows whose
/// zone is missing from the system are left out.
pub(super) static ZONE_ROWS: LazyLock<Vec<ZoneRow>> = LazyLock::new(|| {
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

pub(super) static ZONE_NAMES: tz::PerZone<&'static str> = tz::PerZone::new(cisco_zone_name);

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

/// `XX_call_managers`: the `sccp_call_managers` entries with an address,
/// in priority order, each as `{priority, ip, port}` with the phone's
/// zero-based priority and port 2000 by default. Each entry of
/// `sccp_call_managers` also gets wazo's `XX_priority`.
pub(super) fn call_managers(raw: &mut Map) -> Vec<Value> {
    let Some(Value::Object(managers)) = raw.get_mut("sccp_call_managers") else {
        return Vec::new();
    };
    let mut out: Vec<(i64, Value)> = Vec::new();
    for (priority, manager) in managers.iter_mut() {
        let (Ok(p), Value::Object(manager)) = (priority.trim().parse::<i64>(), manager) else {
            continue;
        };
        manager.insert("XX_priority".into(), Value::from((p - 1).to_string()));
        let Some(ip) = manager.get("ip").and_then(helpers::non_empty_text).map(Cow::into_owned) else {
            continue;
        };
        let port =
            manager.get("port").and_then(helpers::non_empty_text).map(Cow::into_owned).unwrap_or_else(|| "2000".into());
        let mut entry = Map::new();
        entry.insert("priority".into(), Value::from((p - 1).to_string()));
        entry.insert("ip".into(), Value::from(ip));
        entry.insert("port".into(), Value::from(port));
        out.push((p, Value::Object(entry)));
    }
    out.sort_by_key(|(p, _)| *p);
    out.into_iter().map(|(_, v)| v).collect()
}
