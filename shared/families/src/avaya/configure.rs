//! Avaya: the template context values (server, time zone, the one line).

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::tz;

/// `XX_server_url_without_port` and `XX_server_url_port` (wazo's names):
/// the J100 takes its HTTP server's host and port apart.
pub(super) fn add_server_host_port(raw: &mut Map) {
    let Some(without) = raw.get("XX_server_url_without_scheme").and_then(Value::as_str) else { return };
    let authority = without.split('/').next().unwrap_or(without);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty() => (h, p),
        _ => (
            authority,
            if raw["XX_server_url"].as_str().is_some_and(|u| u.starts_with("https:")) { "443" } else { "80" },
        ),
    };
    let (host, port) = (host.to_owned(), port.to_owned());
    raw.insert("XX_server_url_without_port".into(), Value::from(host));
    raw.insert("XX_server_url_port".into(), Value::from(port));
}

/// The zone's standard UTC offset in seconds (the 12x0 takes no DST rule).
pub(super) fn utc_offset(zone: &str) -> Option<i32> {
    tz::timezone_info(zone).ok().map(|tz| tz.utc_offset)
}

/// `XX_line`: line 1 (the phones have one account) completed with the
/// global proxy, backup and ports: `XX_proxy_ip`, `XX_proxy_port` (5060),
/// `XX_backup_proxy_ip` and `XX_backup_proxy_port` (the main ones when
/// unset: the 12x0 will not register with an empty backup server).
pub(super) fn add_line(raw: &mut Map) {
    let global = |k: &str| raw.get(k).and_then(helpers::non_empty_text).map(|v| v.into_owned());
    let Some(Value::Object(line)) = raw.get("sip_lines").and_then(Value::as_object).and_then(|l| l.get("1")).cloned()
    else {
        return;
    };
    let own = |k: &str| line.get(k).and_then(helpers::non_empty_text).map(|v| v.into_owned());
    let Some(ip) = own("proxy_ip").or_else(|| global("sip_proxy_ip")) else { return };
    let port = own("proxy_port").or_else(|| global("sip_proxy_port")).unwrap_or_else(|| "5060".into());
    let backup_ip = own("backup_proxy_ip").or_else(|| global("sip_backup_proxy_ip")).unwrap_or_else(|| ip.clone());
    let backup_port =
        own("backup_proxy_port").or_else(|| global("sip_backup_proxy_port")).unwrap_or_else(|| port.clone());
    let mut entry = line;
    entry.insert("XX_proxy_ip".into(), Value::from(ip));
    entry.insert("XX_proxy_port".into(), Value::from(port));
    entry.insert("XX_backup_proxy_ip".into(), Value::from(backup_ip));
    entry.insert("XX_backup_proxy_port".into(), Value::from(backup_port));
    raw.insert("XX_line".into(), Value::Object(entry));
}
