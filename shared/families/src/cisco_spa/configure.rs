//! Cisco SPA/ATA: the template context and the files a device is served.

use std::fmt::Write as _;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::config::truthy;
use provd_core::mac::Mac;
use provd_core::plugin::{ModelInfo, Plugin};
use provd_core::syntax;
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

/// The template of an ATA's second port file, after `<file>.tpl`.
pub(super) const ATA_PORT2_TEMPLATE: &str = "ata-port2.tpl";

/// Attendant console (SPA500S/SPA932) keys per unit.
pub(super) const UNIT_KEYS: u64 = 32;

/// `locale` -> (`Language_Selection`, `Locale`).
pub(super) const LOCALES: [(&str, [&str; 2]); 5] = [
    ("de_DE", ["German", "de-DE"]),
    ("en_US", ["English", "en-US"]),
    ("es_ES", ["Spanish", "es-ES"]),
    ("fr_FR", ["French", "fr-FR"]),
    ("fr_CA", ["French", "fr-CA"]),
];

/// Dictionary slots of `Dictionary_Server_Script`: (language, file code).
pub(super) const DICTIONARIES: [(&str, &str); 4] =
    [("English", "en"), ("French", "fr"), ("German", "de"), ("Spanish", "es")];

pub(super) fn is_ata(model: Option<&str>) -> bool {
    model.is_some_and(|m| m.starts_with("ATA"))
}

/// The ATA190 names its second port's file after the MAC without its first
/// byte, followed by `01`.
pub(super) fn port2_mac(mac: Mac) -> Mac {
    let [_, b, c, d, e, f] = mac.0;
    Mac([b, c, d, e, f, 0x01])
}

/// `XX_fkeys`: the flat-profile elements of the function keys that fit the
/// model: line keys 1..=`keys` (`Extension_n_` disabled so the key is free,
/// `Short_Name_n_`, `Extended_Function_n_`), then the attendant console
/// units (`Unit_u_Key_k`). `None` when the model has no key data.
pub(super) fn function_keys(model: &ModelInfo, funckeys: Option<&Value>) -> Option<String> {
    let keys = model.get_u64("keys")?;
    let units = model.get_u64("expansion_modules").unwrap_or(0);
    let mut sorted: Vec<(u64, &Map)> = match funckeys {
        Some(Value::Object(f)) => f
            .iter()
            .filter_map(|(no, key)| Some((no.trim().parse().ok().filter(|&n| n > 0)?, key.as_object()?)))
            .collect(),
        _ => Vec::new(),
    };
    sorted.sort_by_key(|(no, _)| *no);
    let mut out = String::new();
    for (no, key) in sorted {
        let Some(value) = key.get("value").and_then(helpers::non_empty_text) else { continue };
        let label = key.get("label").and_then(helpers::non_empty_text).unwrap_or_else(|| value.clone());
        let (value, label) = (syntax::xml(&value), syntax::xml(&label));
        let function = match key.get("type").and_then(Value::as_str) {
            // A park key dials the parking extension, as a speed dial does.
            Some("speeddial" | "park") => format!("fnc=sd;ext={value}@$PROXY;nme={label}"),
            Some("blf") => format!("fnc=sd+blf+cp;sub={value}@$PROXY;nme={label}"),
            _ => continue,
        };
        if no <= keys {
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = write!(
                out,
                "<Extension_{no}_>Disabled</Extension_{no}_>\n<Short_Name_{no}_>{label}</Short_Name_{no}_>\n\
                 <Extended_Function_{no}_>{function}</Extended_Function_{no}_>"
            );
        } else {
            let k = no - keys - 1;
            let unit = k / UNIT_KEYS + 1;
            if unit > units {
                continue;
            }
            let key = k % UNIT_KEYS + 1;
            if !out.is_empty() {
                out.push('\n');
            }
            let _ = write!(out, "<Unit_{unit}_Key_{key}>{function}</Unit_{unit}_Key_{key}>");
        }
    }
    Some(out)
}

/// A zone's elements and its Cisco zone name.
pub(crate) static TIMEZONE: tz::PerZone<(String, &'static str)> =
    tz::PerZone::new(|tz| (format_timezone(tz), crate::cisco_sccp::cisco_zone_name(tz)));

/// `<Time_Zone>GMT±hh:mm</Time_Zone>` and the DST elements.
pub(crate) fn format_timezone(tz: &TimezoneInfo) -> String {
    let offset = tz.utc_offset.clamp(-12 * 3600, 14 * 3600);
    let sign = if offset < 0 { '-' } else { '+' };
    let (h, m) = (offset.unsigned_abs() / 3600, offset.unsigned_abs() % 3600 / 60);
    let mut out = format!("<Time_Zone>GMT{sign}{h:02}:{m:02}</Time_Zone>\n");
    match &tz.dst {
        None => out.push_str("<Daylight_Saving_Time_Enable>no</Daylight_Saving_Time_Enable>"),
        Some(dst) => {
            let save = dst.save.clamp(0, 86_399);
            let _ = write!(
                out,
                "<Daylight_Saving_Time_Enable>yes</Daylight_Saving_Time_Enable>\n\
                 <Daylight_Saving_Time_Rule>start={};end={};save={}:{:02}:{:02}</Daylight_Saving_Time_Rule>",
                dst_change(&dst.start),
                dst_change(&dst.end),
                save / 3600,
                save % 3600 / 60,
                save % 60,
            );
        }
    }
    out
}

/// `month/day/weekday/h:mm:ss`: with a weekday (1 Monday .. 7 Sunday) the
/// first such day on or after `day` (`-1`: the last of the month); weekday
/// 0 means exactly `day`. The phone wants a time within the day, so POSIX
/// times outside it are clamped.
pub(super) fn dst_change(change: &DstChange) -> String {
    let time = change.time.clamp(0, 86_399);
    let hms = format!("{}:{:02}:{:02}", time / 3600, time % 3600 / 60, time % 60);
    match change.day {
        DstDay::Weekday { week, weekday } => {
            let day = if week >= 5 { -1 } else { i32::from(week - 1) * 7 + 1 };
            format!("{}/{day}/{}/{hms}", change.month, DstDay::weekday_monday_first(weekday))
        }
        DstDay::Julian(n) => {
            let (month, day) = helpers::month_day(n.saturating_sub(1).min(364));
            format!("{month}/{day}/0/{hms}")
        }
        DstDay::ZeroJulian(n) => {
            let (month, day) = helpers::month_day(n.min(364));
            format!("{month}/{day}/0/{hms}")
        }
    }
}

/// `DTMF_Tx_Method_n_` for a `dtmf_mode`.
pub(super) fn dtmf_method(mode: Option<&str>) -> &'static str {
    match mode {
        Some("RTP-in-band") => "InBand",
        Some("RTP-out-of-band") => "AVT",
        Some("SIP-INFO") => "INFO",
        _ => "Auto",
    }
}

/// `XX_proxies` (wazo's: `ip:port`, or a DNS SRV emulation list when a
/// backup proxy exists) for every line, and `XX_lines`: the lines the model
/// has, in number order, each completed with `XX_proxy` (and its
/// `XX_proxy_ip`, `XX_proxy_port`), `XX_dtmf`,
/// `XX_srtp`, `XX_transport`, `XX_voicemail` and `XX_outbound_proxy`.
pub(crate) fn add_lines(model: Option<&ModelInfo>, raw: &mut Map) {
    let global = |k: &str| raw.get(k).filter(|v| truthy(v)).and_then(helpers::non_empty_text);
    let (proxy_ip, proxy_port) = (global("sip_proxy_ip"), global("sip_proxy_port"));
    let (backup_ip, backup_port) = (global("sip_backup_proxy_ip"), global("sip_backup_proxy_port"));
    let (outbound_ip, outbound_port) = (global("sip_outbound_proxy_ip"), global("sip_outbound_proxy_port"));
    let dtmf_mode = global("sip_dtmf_mode");
    let srtp_mode = global("sip_srtp_mode");
    let voicemail = global("exten_voicemail");
    let transport = match global("sip_transport").as_deref() {
        Some("tcp") => "TCP",
        Some("tls") => "TLS",
        _ => "UDP",
    };
    let capacity = model.and_then(|m| m.get_u64("lines"));
    let Some(Value::Object(sip_lines)) = raw.get("sip_lines") else {
        raw.insert("XX_proxies".into(), Value::Object(Map::new()));
        raw.insert("XX_lines".into(), Value::Object(Map::new()));
        return;
    };
    let mut numbered: Vec<(u64, &String, &Map)> =
        sip_lines.iter().filter_map(|(no, line)| Some((no.trim().parse().ok()?, no, line.as_object()?))).collect();
    numbered.sort_by_key(|(n, _, _)| *n);
    let mut proxies = Map::new();
    let mut lines = Map::new();
    for (n, no, line) in numbered {
        let get = |k: &str| line.get(k).and_then(helpers::non_empty_text);
        let proxy = get("proxy_ip").or_else(|| proxy_ip.clone()).map(|ip| {
            let port = get("proxy_port").or_else(|| proxy_port.clone()).unwrap_or_else(|| "5060".into());
            match get("backup_proxy_ip").or_else(|| backup_ip.clone()) {
                Some(bip) => {
                    let bport =
                        get("backup_proxy_port").or_else(|| backup_port.clone()).unwrap_or_else(|| "5060".into());
                    // The SRV name wazo-provd writes: the same bytes as its files.
                    format!("xivo_proxies{no}:SRV={ip}:{port}:p=0|{bip}:{bport}:p=1")
                }
                None => format!("{ip}:{port}"),
            }
        });
        if let Some(p) = &proxy {
            proxies.insert(no.clone(), Value::from(p.clone()));
        }
        if capacity.is_some_and(|c| n > c) {
            continue;
        }
        let mut entry = line.clone();
        entry.insert("XX_proxy".into(), Value::from(proxy.unwrap_or_default()));
        let ip = get("proxy_ip").or_else(|| proxy_ip.clone()).unwrap_or_default();
        entry.insert("XX_proxy_ip".into(), Value::from(ip));
        let port = get("proxy_port").or_else(|| proxy_port.clone()).unwrap_or_else(|| "5060".into());
        entry.insert("XX_proxy_port".into(), Value::from(port));
        let dtmf = get("dtmf_mode").or_else(|| dtmf_mode.clone());
        entry.insert("XX_dtmf".into(), Value::from(dtmf_method(dtmf.as_deref())));
        let srtp = get("srtp_mode").or_else(|| srtp_mode.clone());
        let secure = matches!(srtp.as_deref(), Some("preferred" | "required"));
        entry.insert("XX_srtp".into(), Value::from(if secure { "Yes" } else { "No" }));
        entry.insert("XX_transport".into(), Value::from(transport));
        let vm = get("voicemail").or_else(|| voicemail.clone()).unwrap_or_default();
        entry.insert("XX_voicemail".into(), Value::from(vm));
        let outbound = get("outbound_proxy_ip").or_else(|| outbound_ip.clone()).map(|ip| {
            match get("outbound_proxy_port").or_else(|| outbound_port.clone()) {
                Some(port) => format!("{ip}:{port}"),
                None => ip.into_owned(),
            }
        });
        entry.insert("XX_outbound_proxy".into(), Value::from(outbound.unwrap_or_default()));
        lines.insert(no.clone(), Value::Object(entry));
    }
    raw.insert("XX_proxies".into(), Value::Object(proxies));
    raw.insert("XX_lines".into(), Value::Object(lines));
}

/// `XX_language` (known locales only), `XX_locale` (`en-US` by default) and
/// `XX_directory_name`, by language: plugin-info `directory_names`
/// (`{"fr": ..., "en": ...}`, `en` being the fallback) over the family's.
pub(crate) fn add_locale(plugin: &Plugin, raw: &mut Map) {
    let locale = raw.get("locale").and_then(Value::as_str);
    let found = LOCALES.iter().find(|(l, _)| Some(*l) == locale).map(|(_, v)| v);
    let lang = locale.and_then(|l| l.split('_').next()).unwrap_or("en");
    let names = plugin.info.extra.get("directory_names").and_then(Value::as_object);
    let name = names
        .and_then(|n| n.get(lang).or_else(|| n.get("en")))
        .and_then(Value::as_str)
        .unwrap_or(if lang == "fr" { "Répertoire Wazo" } else { "Wazo Directory" })
        .to_owned();
    if let Some([language, _]) = found {
        raw.insert("XX_language".into(), Value::from(*language));
    }
    raw.insert("XX_locale".into(), Value::from(found.map_or("en-US", |[_, l]| l)));
    raw.insert("XX_directory_name".into(), Value::from(name));
}

/// `XX_upgrade_rule` and `XX_dictionary_script`, served from this plugin.
pub(super) fn add_firmware(model: &ModelInfo, raw: &mut Map) {
    let Some(base) = raw.get("XX_server_url").and_then(Value::as_str).map(str::to_owned) else {
        return;
    };
    if let Some(fw) = model.get_str("firmware").filter(|f| !f.is_empty()) {
        let step = model
            .extra
            .get("firmware_step")
            .and_then(|s| Some((s.get("below")?.as_str()?.to_owned(), s.get("firmware")?.as_str()?.to_owned())));
        let rule = match step {
            Some((below, step)) => {
                format!("($SWVER lt {below}) ? {base}/firmware/{step} | {base}/firmware/{fw}")
            }
            None => format!("{base}/firmware/{fw}"),
        };
        raw.insert("XX_upgrade_rule".into(), Value::from(rule));
    }
    if let Some(pattern) = model.get_str("dictionary").filter(|d| d.contains("{lang}")) {
        let mut script = format!("serv={base}/i18n/");
        for (i, (language, code)) in DICTIONARIES.iter().enumerate() {
            let _ = write!(script, ";d{i}={language};x{i}={}", pattern.replace("{lang}", code));
        }
        raw.insert("XX_dictionary_script".into(), Value::from(script));
    }
}
