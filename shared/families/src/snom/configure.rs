//! Snom: the template context and the files a device (and each model) is served.

use std::borrow::Cow;
use std::fmt::Write as _;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::config::truthy;
use provd_core::family::*;
use provd_core::plugin::{ModelInfo, Plugin};
use provd_core::tz;

/// DECT bases keep a server table of this size; accounts point into it.
pub(super) const DECT_MAX_SERVERS: usize = 10;

/// Desk identities when the model entry does not say.
pub(super) const DEFAULT_IDENTITIES: u64 = 12;

/// `locale` -> (`language` / `web_language`, `tone_scheme`), as the 10.x
/// firmware names them; plugins override it with `locales`.
pub(super) const LOCALES: [(&str, [&str; 2]); 8] = [
    ("de_DE", ["Deutsch", "GER"]),
    ("en_GB", ["English(UK)", "GBR"]),
    ("en_US", ["English", "USA"]),
    ("es_ES", ["Espanol", "ESP"]),
    ("fr_CA", ["Français", "USA"]),
    ("fr_FR", ["Français", "FRA"]),
    ("it_IT", ["Italiano", "ITA"]),
    ("nl_NL", ["Nederlands", "NLD"]),
];

/// The label of the remote directory key, by language.
pub(super) const DIRECTORY_LABELS: [(&str, &str); 6] = [
    ("de", "Telefonbuch"),
    ("en", "Directory"),
    ("es", "Directorio"),
    ("fr", "Annuaire"),
    ("it", "Rubrica"),
    ("nl", "Telefoonboek"),
];

/// Zones whose rules the `<tone scheme><offset>` code gets wrong: the
/// phone's code for "this offset without DST" differs from the country's.
pub(super) const TIMEZONE_CODES: [(&str, &str); 2] = [("America/Regina", "CAN2-6"), ("America/Phoenix", "USA2-7")];

pub(super) fn present_text<'m>(map: &'m Map, key: &str) -> Option<Cow<'m, str>> {
    helpers::present(map, key).and_then(helpers::scalar_text)
}

pub(super) fn template_exists(plugin: &Plugin, name: &str) -> bool {
    plugin.custom_templates_dir().join(name).is_file() || plugin.templates_dir().join(name).is_file()
}

pub(super) fn model_context(ctx: &Map, model: &str, info: &ModelInfo) -> Map {
    let mut c = ctx.clone();
    c.insert("XX_model".into(), Value::from(model));
    if let Some(fw) = info.get_str("firmware").filter(|f| !f.is_empty()) {
        c.insert("XX_fw_filename".into(), Value::from(fw));
    }
    c
}

/// `XX_lang` (`[language, tone scheme]`) and `XX_locale` for a known
/// locale; returns the tone scheme (the time zone code starts with it).
pub(super) fn add_locale(plugin: &Plugin, raw: &mut Map) -> Option<String> {
    let locale = raw.get("locale").and_then(Value::as_str)?.to_owned();
    let pair: [String; 2] = match plugin.info.extra.get("locales").and_then(Value::as_object) {
        Some(table) => {
            let entry = table.get(&locale)?.as_array()?;
            [entry.first()?.as_str()?.to_owned(), entry.get(1)?.as_str()?.to_owned()]
        }
        None => {
            let (_, [lang, tone]) = LOCALES.iter().find(|(l, _)| *l == locale)?;
            [(*lang).to_owned(), (*tone).to_owned()]
        }
    };
    let tone = pair[1].clone();
    raw.insert("XX_lang".into(), Value::from(pair.to_vec()));
    raw.insert("XX_locale".into(), Value::from(locale));
    Some(tone)
}

pub(super) fn dict(locale: Option<&str>) -> Map {
    let lang = locale.map(|l| l.split('_').next().unwrap_or(l));
    let label = DIRECTORY_LABELS.iter().find(|(l, _)| Some(*l) == lang).map_or("Directory", |(_, label)| label);
    let mut m = Map::new();
    m.insert("remote_directory".into(), Value::from(label));
    m
}

/// The phone's time zone code: the tone scheme's country and the standard
/// offset in hours (`FRA+1`, `USA-5`, `IND+5.5`), as the phones list them;
/// a few zones have a code of their own. `None` for an unknown zone, or
/// when no locale gives the country.
pub(super) fn timezone_code(zone: &str, tone: Option<&str>) -> Option<String> {
    if let Some((_, code)) = TIMEZONE_CODES.iter().find(|(z, _)| *z == zone) {
        return Some((*code).to_owned());
    }
    let tone = tone?;
    Some(format!("{tone}{}", OFFSET_HOURS.get(zone)?))
}

pub(super) static OFFSET_HOURS: tz::PerZone<String> = tz::PerZone::new(|tz| offset_hours(tz.utc_offset));

/// `+1`, `-5`, `+5.5`, `+5.75`, `-3.5`.
pub(super) fn offset_hours(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (hours, minutes) = (abs / 3600, abs % 3600 / 60);
    if minutes == 0 {
        return format!("{sign}{hours}");
    }
    let fraction = format!("{:02}", minutes * 100 / 60);
    format!("{sign}{hours}.{}", fraction.trim_end_matches('0'))
}

/// `XX_syslog_server` (`ip`, or `ip:port` off the standard port) and
/// `XX_log_level` (the phone's 0 to 9 scale, 9 being debug).
pub(super) fn add_syslog(raw: &mut Map) {
    if !raw.get("syslog_enabled").is_some_and(truthy) {
        return;
    }
    let Some(ip) = present_text(raw, "syslog_ip").map(Cow::into_owned) else {
        return;
    };
    let server = match present_text(raw, "syslog_port") {
        Some(port) if port != "514" => format!("{ip}:{port}"),
        _ => ip,
    };
    let level = match raw.get("syslog_level").and_then(Value::as_str) {
        Some("critical") => 1,
        Some("error") => 3,
        Some("info") => 6,
        Some("debug") => 9,
        _ => 4,
    };
    raw.insert("XX_syslog_server".into(), Value::from(server));
    raw.insert("XX_log_level".into(), Value::from(level));
}

/// The configured lines with a usable identity number, in number order.
pub(super) fn numbered_lines(raw: &Map) -> Vec<(u64, String)> {
    let Some(Value::Object(lines)) = raw.get("sip_lines") else {
        return Vec::new();
    };
    let mut out: Vec<(u64, String)> = lines
        .iter()
        .filter(|(_, v)| v.is_object())
        .filter_map(|(k, _)| Some((k.trim().parse::<u64>().ok().filter(|n| (1..=9999).contains(n))?, k.clone())))
        .collect();
    out.sort();
    out
}

/// Fills a line's missing servers and voicemail from the global keys.
pub(super) fn line_defaults(raw: &Map, keys: &[(&'static str, &str)]) -> Vec<(&'static str, Value)> {
    keys.iter().filter_map(|&(line_key, global)| Some((line_key, helpers::present(raw, global)?.clone()))).collect()
}

pub(super) fn apply_defaults(line: &mut Map, defaults: &[(&'static str, Value)]) {
    for (key, value) in defaults {
        if line.get(*key).is_none_or(Value::is_null) {
            line.insert((*key).into(), value.clone());
        }
    }
}

pub(super) fn dtmf_info(line: &Map, global: Option<&str>) -> &'static str {
    let mode = line.get("dtmf_mode").and_then(Value::as_str).filter(|m| !m.is_empty()).or(global);
    if mode == Some("SIP-INFO") { "sip_info_only" } else { "off" }
}

/// `(user_srtp, user_savp)`: TLS signalling implies SRTP (wazo does the
/// same), except on the autoprov line, which has nothing to protect yet.
pub(super) fn srtp(line: &Map, global: Option<&str>, transport: &str) -> (&'static str, &'static str) {
    if line.get("number").and_then(Value::as_str) == Some("autoprov") {
        return ("off", "off");
    }
    if transport == "tls" {
        return ("on", "mandatory");
    }
    match line.get("srtp_mode").and_then(Value::as_str).filter(|m| !m.is_empty()).or(global) {
        Some("required") => ("on", "mandatory"),
        Some("preferred") => ("on", "optional"),
        _ => ("off", "off"),
    }
}

/// `host:port;transport=...` for `user_outbound`.
pub(super) fn outbound(host: &str, port: Option<Cow<'_, str>>, transport: &str) -> String {
    format!("{host}:{};transport={transport}", port.as_deref().unwrap_or("5060"))
}

/// Completes `sip_lines` and lists them as `XX_lines` (identity order),
/// each with `XX_idx`, `XX_host` (registrar), `XX_outbound`, DTMF and SRTP
/// values, and, for a line with a backup proxy, the failover identity
/// (`XX_backup_idx`, `XX_backup_host`, `XX_backup_outbound`).
///
/// wazo put a line's failover identity at `line + 1`, over line 2 when
/// both were configured; here failover identities follow the last
/// configured line, as long as the model has identities left.
pub(super) fn update_desk_lines(raw: &mut Map, transport: &str, identities: u64) {
    let defaults = line_defaults(
        raw,
        &[
            ("proxy_ip", "sip_proxy_ip"),
            ("proxy_port", "sip_proxy_port"),
            ("registrar_ip", "sip_registrar_ip"),
            ("backup_proxy_ip", "sip_backup_proxy_ip"),
            ("backup_proxy_port", "sip_backup_proxy_port"),
            ("backup_registrar_ip", "sip_backup_registrar_ip"),
            ("outbound_proxy_ip", "sip_outbound_proxy_ip"),
            ("outbound_proxy_port", "sip_outbound_proxy_port"),
            ("voicemail", "exten_voicemail"),
        ],
    );
    let dtmf = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let srtp_mode = raw.get("sip_srtp_mode").and_then(Value::as_str).map(str::to_owned);
    let numbered = numbered_lines(raw);
    let mut next_backup = numbered.last().map_or(1, |(n, _)| n + 1);
    let mut blocked = String::new();
    let mut listed = Vec::with_capacity(numbered.len());
    let Some(Value::Object(lines)) = raw.get_mut("sip_lines") else {
        raw.insert("XX_lines".into(), Value::Array(Vec::new()));
        raw.insert("XX_msgs_blocked".into(), Value::from(""));
        return;
    };
    for (no, key) in &numbered {
        let Some(Value::Object(line)) = lines.get_mut(key) else { continue };
        apply_defaults(line, &defaults);
        let get = |k: &str| present_text(line, k).map(Cow::into_owned);
        let host = get("registrar_ip").or_else(|| get("proxy_ip"));
        let via = match get("outbound_proxy_ip") {
            Some(ip) => Some((ip, get("outbound_proxy_port"))),
            None => get("proxy_ip").map(|ip| (ip, get("proxy_port"))),
        };
        let backup = get("backup_proxy_ip").filter(|_| next_backup <= identities).map(|ip| {
            let host = get("backup_registrar_ip").unwrap_or_else(|| ip.clone());
            (host, outbound(&ip, get("backup_proxy_port").map(Cow::Owned), transport))
        });
        let dtmf_value = dtmf_info(line, dtmf.as_deref());
        let (on, savp) = srtp(line, srtp_mode.as_deref(), transport);
        line.insert("XX_idx".into(), Value::from(*no));
        if let Some(host) = host {
            line.insert("XX_host".into(), Value::from(host));
        }
        if let Some((ip, port)) = via {
            line.insert("XX_outbound".into(), Value::from(outbound(&ip, port.map(Cow::Owned), transport)));
        }
        line.insert("XX_user_dtmf_info".into(), Value::from(dtmf_value));
        line.insert("XX_srtp".into(), Value::from(on));
        line.insert("XX_savp".into(), Value::from(savp));
        if let Some((host, via)) = backup {
            line.insert("XX_backup_idx".into(), Value::from(next_backup));
            line.insert("XX_backup_host".into(), Value::from(host));
            line.insert("XX_backup_outbound".into(), Value::from(via));
            // The failover identity is never registered while the primary
            // is: the phone must not complain about it.
            let _ = write!(blocked, " Identity{next_backup:02}IsNotRegistered");
            next_backup += 1;
        }
        listed.push(Value::Object(line.clone()));
    }
    raw.insert("XX_lines".into(), Value::Array(listed));
    raw.insert("XX_msgs_blocked".into(), Value::from(blocked));
}

/// Completes `sip_lines` for a DECT base and builds its server table:
/// `XX_servers` (one per distinct proxy address and port, at most ten,
/// keyed `<ip>:<port>` in id order as wazo-provd keys it by the pair, so
/// that its templates' `XX_servers.values()` work; each with `id`,
/// `proxy_ip`, `proxy_port`, backups, `dtmf_mode` as wazo-provd gives it,
/// and provd's `XX_outbound`, DTMF and SRTP values) and `XX_lines` (accounts with `XX_idx`, `XX_server_id` and the
/// handset registration code `XX_ac_code`, the account number on four
/// digits). A line past the tenth server, or without a proxy, is left out:
/// it would register to the wrong server.
pub(super) fn update_dect_lines(raw: &mut Map, transport: &str) {
    let defaults = line_defaults(
        raw,
        &[
            ("proxy_ip", "sip_proxy_ip"),
            ("proxy_port", "sip_proxy_port"),
            ("backup_proxy_ip", "sip_backup_proxy_ip"),
            ("backup_proxy_port", "sip_backup_proxy_port"),
            ("voicemail", "exten_voicemail"),
        ],
    );
    let dtmf = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let srtp_mode = raw.get("sip_srtp_mode").and_then(Value::as_str).map(str::to_owned);
    let numbered = numbered_lines(raw);
    let mut servers: Vec<(String, String, Map)> = Vec::new();
    let mut listed = Vec::with_capacity(numbered.len());
    if let Some(Value::Object(lines)) = raw.get_mut("sip_lines") {
        for (no, key) in &numbered {
            let Some(Value::Object(line)) = lines.get_mut(key) else { continue };
            apply_defaults(line, &defaults);
            let get = |k: &str| present_text(line, k).map(Cow::into_owned);
            let Some(ip) = get("proxy_ip") else { continue };
            let port = get("proxy_port").unwrap_or_else(|| "5060".into());
            let id = match servers.iter().position(|(i, p, _)| *i == ip && *p == port) {
                Some(i) => i + 1,
                None if servers.len() < DECT_MAX_SERVERS => {
                    let mut s = Map::new();
                    let id = servers.len() + 1;
                    s.insert("id".into(), Value::from(id));
                    s.insert("proxy_ip".into(), Value::from(ip.as_str()));
                    s.insert("proxy_port".into(), Value::from(port.as_str()));
                    for k in ["backup_proxy_ip", "backup_proxy_port"] {
                        s.insert(k.into(), get(k).map_or(Value::Null, Value::from));
                    }
                    s.insert("XX_outbound".into(), Value::from(outbound(&ip, Some(Cow::Borrowed(&port)), transport)));
                    let mode = present_text(line, "dtmf_mode").map(Cow::into_owned).or_else(|| dtmf.clone());
                    s.insert("dtmf_mode".into(), mode.map_or(Value::Null, Value::from));
                    s.insert("XX_user_dtmf_info".into(), Value::from(dtmf_info(line, dtmf.as_deref())));
                    let (on, _) = srtp(line, srtp_mode.as_deref(), transport);
                    s.insert("XX_srtp".into(), Value::from(on));
                    servers.push((ip.clone(), port.clone(), s));
                    id
                }
                None => continue,
            };
            line.insert("XX_idx".into(), Value::from(*no));
            line.insert("XX_server_id".into(), Value::from(id));
            line.insert("XX_ac_code".into(), Value::from(format!("{:04}", no % 10_000)));
            listed.push(Value::Object(line.clone()));
        }
    }
    let servers: Map = servers.into_iter().map(|(ip, port, s)| (format!("{ip}:{port}"), Value::Object(s))).collect();
    raw.insert("XX_servers".into(), Value::Object(servers));
    raw.insert("XX_lines".into(), Value::Array(listed));
}

/// `XX_fkeys`: one `<fkey>` element per usable function key, in key order,
/// `idx` being the key number minus one (P1 is 0). Speed dials are `speed`,
/// BLF keys `blf <value>|<pickup prefix>` (without the prefix when there is
/// none: wazo dropped the key instead), park keys `orbit` on the models
/// that have it and speed dials elsewhere. Values and labels are escaped.
pub(super) fn function_keys(raw: &Map, orbit: bool) -> String {
    let Some(Value::Object(funckeys)) = raw.get("funckeys") else {
        return String::new();
    };
    let pickup = present_text(raw, "exten_pickup_call");
    let park = present_text(raw, "exten_park");
    let mut keys: Vec<(u64, &Map)> = funckeys
        .iter()
        .filter_map(|(no, key)| Some((no.trim().parse().ok().filter(|&n| n > 0)?, key.as_object()?)))
        .collect();
    keys.sort_by_key(|(no, _)| *no);
    let mut out = String::new();
    for (no, key) in keys {
        let value = key.get("value").and_then(helpers::scalar_text).filter(|v| !v.is_empty());
        let (kind, value) = match (key.get("type").and_then(Value::as_str), value) {
            (Some("speeddial"), Some(v)) => ("speed", v),
            (Some("blf"), Some(v)) => ("blf", v),
            (Some("park"), v) => match v.or_else(|| park.clone()) {
                Some(v) => (if orbit { "orbit" } else { "speed" }, v),
                None => continue,
            },
            _ => continue,
        };
        let label =
            key.get("label").and_then(helpers::scalar_text).filter(|l| !l.is_empty()).unwrap_or_else(|| value.clone());
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = write!(out, "    <fkey idx=\"{}\" context=\"active\" short_label=\"", no - 1);
        Syntax::Xml.push_escaped(&mut out, &label);
        out.push_str("\" label=\"");
        Syntax::Xml.push_escaped(&mut out, &label);
        let _ = write!(out, "\" perm=\"R\">{kind} ");
        Syntax::Xml.push_escaped(&mut out, &value);
        if let Some(pickup) = pickup.as_deref().filter(|_| kind == "blf") {
            out.push('|');
            Syntax::Xml.push_escaped(&mut out, pickup);
        }
        out.push_str("</fkey>");
    }
    out
}
