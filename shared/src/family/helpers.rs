//! Values several families put in their template context, computed the way
//! wazo-provd's plugin helpers compute them.

use serde_json::Value;

use crate::Map;
use crate::config::truthy;

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `XX_xivo_phonebook_url`:
/// `{scheme}://{X_xivo_phonebook_ip}:{port}/0.1/directories/{entry_point}/default/{vendor}?[prefix&]xivo_user_uuid={uuid}[&suffix]`.
/// Only when both `X_xivo_phonebook_ip` and `X_xivo_user_uuid` are set.
pub fn phonebook_url(raw: &Map, vendor: &str, entry_point: &str, qs_prefix: &str, qs_suffix: &str) -> Option<String> {
    let ip = raw.get("X_xivo_phonebook_ip").and_then(as_text)?;
    let user = raw.get("X_xivo_user_uuid").and_then(as_text)?;
    let scheme = raw.get("X_xivo_phonebook_scheme").and_then(as_text).unwrap_or_else(|| "http".into());
    let port = raw.get("X_xivo_phonebook_port").and_then(as_text).unwrap_or_else(|| "9498".into());
    let mut qs = String::new();
    if !qs_prefix.is_empty() {
        qs.push_str(qs_prefix);
        qs.push('&');
    }
    qs.push_str("xivo_user_uuid=");
    qs.push_str(&user);
    if !qs_suffix.is_empty() {
        qs.push('&');
        qs.push_str(qs_suffix);
    }
    Some(format!("{scheme}://{ip}:{port}/0.1/directories/{entry_point}/default/{vendor}?{qs}"))
}

/// `XX_wazo_phoned_user_service_<service>_enabled_url` / `_disabled_url`
/// (`{scheme}://{host}:{port}/0.1/{vendor}/users/{uuid}/services/{service}/enable|disable`).
pub fn add_phoned_user_service_urls(raw: &mut Map, vendor: &str, service: &str) {
    let (Some(ip), Some(user)) =
        (raw.get("X_xivo_phonebook_ip").and_then(as_text), raw.get("X_xivo_user_uuid").and_then(as_text))
    else {
        return;
    };
    let scheme = raw.get("X_xivo_phonebook_scheme").and_then(as_text).unwrap_or_else(|| "http".into());
    let port = raw.get("X_xivo_phonebook_port").and_then(as_text).unwrap_or_else(|| "9498".into());
    for state in ["enable", "disable"] {
        raw.insert(
            format!("XX_wazo_phoned_user_service_{service}_{state}d_url"),
            Value::from(format!("{scheme}://{ip}:{port}/0.1/{vendor}/users/{user}/services/{service}/{state}")),
        );
    }
}

/// `XX_server_url` and `XX_server_url_without_scheme`: `http_base_url` when
/// present, else `http://{ip}:{http_port}`.
pub fn add_server_url(raw: &mut Map) {
    let url = match raw.get("http_base_url").and_then(as_text) {
        Some(u) if !u.is_empty() => u,
        _ => {
            let (Some(ip), Some(port)) = (raw.get("ip").and_then(as_text), raw.get("http_port").and_then(as_text))
            else {
                return;
            };
            format!("http://{ip}:{port}")
        }
    };
    let without = url.split_once("://").map(|(_, rest)| rest.to_owned()).unwrap_or_else(|| url.clone());
    raw.insert("XX_server_url".into(), Value::from(url));
    raw.insert("XX_server_url_without_scheme".into(), Value::from(without));
}

/// Gives each SIP line the global values it lacks (`(line key, raw config
/// key)`; a global counts when truthy) and drops its null entries so
/// templates never print them. A line with a proxy of its own keeps its own
/// port and backup. The lines, for what a family adds to them.
pub fn fill_sip_lines<'r>(raw: &'r mut Map, globals: &[(&'static str, &str)]) -> Option<&'r mut Map> {
    let defaults: Vec<(&str, Option<Value>)> =
        globals.iter().map(|(key, global)| (*key, raw.get(*global).filter(|v| truthy(v)).cloned())).collect();
    let Some(Value::Object(lines)) = raw.get_mut("sip_lines") else {
        return None;
    };
    for line in lines.values_mut() {
        let Value::Object(line) = line else {
            continue;
        };
        line.retain(|_, v| !v.is_null());
        let own_proxy = line.contains_key("proxy_ip");
        for (key, value) in &defaults {
            let global_server = matches!(*key, "proxy_port" | "backup_proxy_ip" | "backup_proxy_port");
            if let Some(value) = value
                && !(own_proxy && global_server)
            {
                line.entry(*key).or_insert_with(|| value.clone());
            }
        }
    }
    Some(lines)
}

/// The text of a raw-config value, or `None` when absent, null or empty.
pub fn text(raw: &Map, key: &str) -> Option<String> {
    raw.get(key).and_then(as_text).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn phonebook_url_format() {
        let raw = json!({"X_xivo_phonebook_ip": "10.0.0.1", "X_xivo_user_uuid": "u-1"});
        let raw = raw.as_object().unwrap();
        assert_eq!(
            phonebook_url(raw, "yealink", "lookup", "", "term=#SEARCH").unwrap(),
            "http://10.0.0.1:9498/0.1/directories/lookup/default/yealink?xivo_user_uuid=u-1&term=#SEARCH"
        );
        assert_eq!(
            phonebook_url(raw, "aastra", "input", "a=b", "").unwrap(),
            "http://10.0.0.1:9498/0.1/directories/input/default/aastra?a=b&xivo_user_uuid=u-1"
        );
        assert_eq!(phonebook_url(&Map::new(), "x", "input", "", ""), None);
    }

    #[test]
    fn server_url_prefers_base_url() {
        let mut raw = json!({"ip": "10.0.0.1", "http_port": 8667}).as_object().unwrap().clone();
        add_server_url(&mut raw);
        assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
        assert_eq!(raw["XX_server_url_without_scheme"], "10.0.0.1:8667");
        raw.insert("http_base_url".into(), json!("https://prov.example:8443/k"));
        add_server_url(&mut raw);
        assert_eq!(raw["XX_server_url_without_scheme"], "prov.example:8443/k");
    }
}
