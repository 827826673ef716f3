//! Patton: the template context (`XX_*`) of a SmartNode's CLI script.

use std::borrow::Cow;

use serde_json::{Value, json};

use crate::helpers;
use provd_core::Map;
use provd_core::family::ConfigureError;
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

/// A value as one argument of a CLI command: as it is when it holds no
/// blank and no quote, else in double quotes, a double quote inside
/// becoming a single one (the CLI has no escape for it). The renderer
/// turns control characters into spaces afterwards, inside the quotes.
pub(super) fn token(value: &str) -> String {
    let plain = !value.is_empty() && !value.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"');
    if plain { value.to_owned() } else { format!("\"{}\"", value.replace('"', "'")) }
}

/// A raw-config value as a CLI token, when it is set.
pub(super) fn token_of(raw: &Map, key: &str) -> Option<String> {
    raw.get(key).and_then(helpers::non_empty_text).map(|v| token(&v))
}

/// The syslog severity names of the CLI (`info` is `informational`).
pub(super) fn syslog_level(level: &str) -> &str {
    if level == "info" { "informational" } else { level }
}

/// What the DTMF mode is to the CLI's `dtmf-relay`.
pub(super) fn dtmf_relay(mode: Option<&str>) -> Option<&'static str> {
    match mode? {
        "RTP-in-band" => Some("default"),
        "RTP-out-of-band" => Some("rtp"),
        "SIP-INFO" => Some("signaling"),
        _ => None,
    }
}

/// The SIP transport the SmartNodes take: `udp` or `tcp`; TLS (which they
/// lack) and anything else fall back to `udp`, as in wazo.
pub(super) fn transport(t: Option<&str>) -> &'static str {
    if t == Some("tcp") { "tcp" } else { "udp" }
}

/// The time zone values of a zone: standard offset, and when it has DST
/// the DST offset and the start and end rules.
#[derive(Clone)]
pub(super) struct ZoneValues {
    pub(super) offset: String,
    pub(super) dst: Option<[String; 3]>,
}

pub(super) static TIMEZONES: tz::PerZone<ZoneValues> = tz::PerZone::new(zone_values);

fn zone_values(zone: &TimezoneInfo) -> ZoneValues {
    ZoneValues {
        offset: offset(zone.utc_offset),
        dst: zone.dst.as_ref().map(|d| [offset(zone.utc_offset + d.save), change(&d.start), change(&d.end)]),
    }
}

/// `+01:00`, `-03:30`: an offset east of UTC as the CLI's `clock local` takes it.
fn offset(east: i32) -> String {
    let sign = if east < 0 { '-' } else { '+' };
    let a = east.unsigned_abs();
    format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
}

const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const WEEKS: [&str; 5] = ["first", "second", "third", "fourth", "last"];
const WEEKDAYS: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/// `02:00 mar last sunday`, `00:00 apr 1st`: a DST change as a `dst-rule` bound.
fn change(c: &DstChange) -> String {
    let time = c.time.rem_euclid(86_400);
    let hm = format!("{:02}:{:02}", time / 3600, time % 3600 / 60);
    let (month, day) = match c.day {
        DstDay::Weekday { week, weekday } => {
            let week = WEEKS[usize::from(week.clamp(1, 5)) - 1];
            let day = WEEKDAYS[usize::from(DstDay::weekday_monday_first(weekday % 7)) - 1];
            (c.month, format!("{week} {day}"))
        }
        DstDay::Julian(n) => julian(n.clamp(1, 365) - 1),
        DstDay::ZeroJulian(n) => julian(n.min(364)),
    };
    format!("{hm} {} {day}", MONTHS[usize::from(month.clamp(1, 12)) - 1])
}

fn julian(day0: u16) -> (u8, String) {
    let (month, day) = helpers::month_day(day0);
    let suffix = match day {
        1 | 21 | 31 => "st",
        2 | 22 => "nd",
        3 | 23 => "rd",
        _ => "th",
    };
    (month as u8, format!("{day}{suffix}"))
}

/// `XX_lines` and `XX_servers`: the SIP lines, one FXS port each (line N
/// on port N-1), and the distinct SIP servers they register with (a
/// line's proxy and its backup), numbered from 1 in order of first use,
/// each listing its lines. Every value the template writes is a
/// [`token`]. Two lines of one username, or one server with two ports,
/// cannot be written: an error names the line.
pub(super) fn lines_and_servers(raw: &Map) -> Result<(Vec<Value>, Vec<Value>), ConfigureError> {
    let global = |key: &str| raw.get(key).filter(|v| provd_core::config::truthy(v)).and_then(helpers::scalar_text);
    let mut lines: Vec<(u64, &Map)> = match raw.get("sip_lines") {
        Some(Value::Object(lines)) => lines
            .iter()
            .filter_map(|(no, line)| Some((helpers::key_number(no).filter(|&n| n > 0)?, line.as_object()?)))
            .collect(),
        _ => Vec::new(),
    };
    lines.sort_by_key(|(no, _)| *no);
    let invalid = |no: u64, key: &str, message: String| ConfigureError::Invalid {
        field: format!("sip_lines.{no}.{key}"),
        message,
    };
    // (proxy, port, line numbers)
    let mut servers: Vec<(String, String, Vec<u64>)> = Vec::new();
    let mut out_lines: Vec<(Map, Vec<usize>)> = Vec::new();
    let mut usernames: Vec<(String, u64)> = Vec::new();
    for (no, line) in lines {
        let text = |key: &str| line.get(key).and_then(helpers::non_empty_text);
        let username = text("username").ok_or_else(|| invalid(no, "username", "a line needs a username".into()))?;
        if let Some((_, other)) = usernames.iter().find(|(u, _)| *u == username) {
            return Err(invalid(no, "username", format!("{username:?} is line {other}'s username too")));
        }
        usernames.push((username.to_string(), no));
        let own_proxy = text("proxy_ip");
        let proxy = own_proxy
            .clone()
            .or_else(|| global("sip_proxy_ip"))
            .ok_or_else(|| invalid(no, "proxy_ip", "a line needs a SIP proxy (its own or sip_proxy_ip)".into()))?;
        // A line's own proxy keeps its own port and backup.
        let pick = |key: &str, global_key: &str| {
            text(key).or_else(|| if own_proxy.is_some() { None } else { global(global_key) })
        };
        let port = pick("proxy_port", "sip_proxy_port").unwrap_or(Cow::Borrowed("5060"));
        let backup = pick("backup_proxy_ip", "sip_backup_proxy_ip");
        let backup_port = pick("backup_proxy_port", "sip_backup_proxy_port").unwrap_or(Cow::Borrowed("5060"));
        let mut server_ids = Vec::new();
        for (ip, port) in [Some((proxy.clone(), port)), backup.clone().map(|b| (b, backup_port))].into_iter().flatten()
        {
            let id = match servers.iter().position(|(p, _, _)| *p == ip) {
                Some(i) if servers[i].1 != port => {
                    return Err(invalid(
                        no,
                        "proxy_port",
                        format!("proxy {ip} is given port {port} here and {} by another line", servers[i].1),
                    ));
                }
                Some(i) => i,
                None => {
                    servers.push((ip.to_string(), port.to_string(), Vec::new()));
                    servers.len() - 1
                }
            };
            servers[id].2.push(no);
            server_ids.push(id);
        }
        let registrar = text("registrar_ip").unwrap_or_else(|| proxy.clone());
        let mut l = Map::new();
        l.insert("line_no".into(), no.into());
        l.insert("fxs_port_no".into(), (no - 1).into());
        l.insert("username".into(), token(&username).into());
        l.insert("auth_username".into(), token(&text("auth_username").unwrap_or(username)).into());
        l.insert("password".into(), token(&text("password").unwrap_or_default()).into());
        l.insert("proxy_ip".into(), token(&proxy).into());
        l.insert("registrar_ip".into(), token(&registrar).into());
        l.insert("registrar_port".into(), token(&text("registrar_port").unwrap_or(Cow::Borrowed("5060"))).into());
        if let Some(backup) = backup {
            let registrar = text("backup_registrar_ip").unwrap_or(backup);
            l.insert("backup_registrar_ip".into(), token(&registrar).into());
            let port = text("backup_registrar_port").unwrap_or(Cow::Borrowed("5060"));
            l.insert("backup_registrar_port".into(), token(&port).into());
        }
        out_lines.push((l, server_ids));
    }
    let line_values: Vec<Map> = out_lines
        .iter()
        .map(|(l, ids)| {
            let mut l = l.clone();
            let servers: Vec<Value> = ids.iter().map(|&i| json!({"id": i + 1})).collect();
            l.insert("servers".into(), servers.into());
            l
        })
        .collect();
    let server_values = servers
        .iter()
        .enumerate()
        .map(|(i, (ip, port, nos))| {
            let lines: Vec<Value> = nos
                .iter()
                .filter_map(|no| line_values.iter().find(|l| l["line_no"] == *no))
                .map(|l| {
                    let mut l = l.clone();
                    l.remove("servers");
                    // Whether this server is the line's main one (else its backup).
                    l.insert("XX_main".into(), (l["proxy_ip"] == token(ip)).into());
                    Value::Object(l)
                })
                .collect();
            json!({"id": i + 1, "proxy_ip": token(ip), "proxy_port": token(port), "lines": lines})
        })
        .collect();
    Ok((line_values.into_iter().map(Value::Object).collect(), server_values))
}
