//! What several families share: reading raw-config values as text, and the
//! values they put in their template context, computed the way wazo-provd's
//! plugin helpers compute them.
//!
//! Value to text, the one set every family uses (a family that needs
//! another rule keeps a named variant next to its code, with a comment
//! saying why):
//!
//! * [`scalar_text`]: a string as it is (empty included) or a number as
//!   JSON writes it; `None` for null, booleans, lists and maps;
//! * [`non_empty_text`]: the same, an empty string counting as absent;
//! * [`text`]: [`non_empty_text`] of a key of a map, owned;
//! * [`present`]: a key's value when it is set (truthy, as wazo-provd's
//!   templates test it);
//! * [`utf8`]: request bytes as text, for what an ASCII pattern captured.
//!
//! Dates of a DST rule: [`month_day`] turns a POSIX day of the year into
//! the month and day the phones' settings take.
//!
//! Escaping for a file's syntax (XML, `key = value` lines) is not here: it
//! is [`provd_core::syntax`], shared with the template environment.

use std::borrow::Cow;

use serde_json::Value;

use provd_core::Map;
use provd_core::config::truthy;

/// A string (empty included) or number value as text, borrowed when it is
/// a string; `None` for null, booleans, lists and maps. A number is written
/// as JSON writes it (`5060`, `2.5`).
pub fn scalar_text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// [`scalar_text`], an empty string counting as absent: what a family
/// means by "the value is given".
pub fn non_empty_text(v: &Value) -> Option<Cow<'_, str>> {
    scalar_text(v).filter(|s| !s.is_empty())
}

/// `map[key]` when it is set: present and truthy (not null, `false`, `0`,
/// an empty string, list or map), as a template's `{% if %}` tests it.
pub fn present<'m>(map: &'m Map, key: &str) -> Option<&'m Value> {
    map.get(key).filter(|v| truthy(v))
}

/// Request bytes as text when they are UTF-8. What an ASCII-only pattern
/// (`(?-u)` classes) captured always is; anything else is not a field.
pub fn utf8(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok()
}

/// Where the phonebook and the user services of wazo-phoned answer, and for
/// which user: what their URLs share. Only when both
/// `X_xivo_phonebook_ip` and `X_xivo_user_uuid` are set.
struct Phoned<'r> {
    scheme: Cow<'r, str>,
    ip: Cow<'r, str>,
    port: Cow<'r, str>,
    user: Cow<'r, str>,
}

impl<'r> Phoned<'r> {
    fn of(raw: &'r Map) -> Option<Self> {
        let text = |key: &str| raw.get(key).and_then(scalar_text);
        Some(Phoned {
            ip: text("X_xivo_phonebook_ip")?,
            user: text("X_xivo_user_uuid")?,
            scheme: text("X_xivo_phonebook_scheme").unwrap_or(Cow::Borrowed("http")),
            port: text("X_xivo_phonebook_port").unwrap_or(Cow::Borrowed("9498")),
        })
    }
}

/// `XX_xivo_phonebook_url`:
/// `{scheme}://{X_xivo_phonebook_ip}:{port}/0.1/directories/{entry_point}/default/{vendor}?[prefix&]xivo_user_uuid={uuid}[&suffix]`.
/// Only when both `X_xivo_phonebook_ip` and `X_xivo_user_uuid` are set.
pub fn phonebook_url(raw: &Map, vendor: &str, entry_point: &str, qs_prefix: &str, qs_suffix: &str) -> Option<String> {
    let Phoned { scheme, ip, port, user } = Phoned::of(raw)?;
    let and_if = |part: &str| if part.is_empty() { "" } else { "&" };
    Some(
        [
            &*scheme,
            "://",
            &ip,
            ":",
            &port,
            "/0.1/directories/",
            entry_point,
            "/default/",
            vendor,
            "?",
            qs_prefix,
            and_if(qs_prefix),
            "xivo_user_uuid=",
            &user,
            and_if(qs_suffix),
            qs_suffix,
        ]
        .concat(),
    )
}

/// `XX_wazo_phoned_user_service_<service>_enabled_url` / `_disabled_url`
/// (`{scheme}://{host}:{port}/0.1/{vendor}/users/{uuid}/services/{service}/enable|disable`).
pub fn add_phoned_user_service_urls(raw: &mut Map, vendor: &str, service: &str) {
    let Some(Phoned { scheme, ip, port, user }) = Phoned::of(raw) else {
        return;
    };
    let urls = ["enable", "disable"].map(|state| {
        let key = ["XX_wazo_phoned_user_service_", service, "_", state, "d_url"].concat();
        let url =
            [&*scheme, "://", &ip, ":", &port, "/0.1/", vendor, "/users/", &user, "/services/", service, "/", state]
                .concat();
        (key, Value::from(url))
    });
    raw.extend(urls);
}

/// `XX_server_url` and `XX_server_url_without_scheme`: `http_base_url` when
/// present, else `http://{ip}:{http_port}`.
pub fn add_server_url(raw: &mut Map) {
    let url = match raw.get("http_base_url").and_then(scalar_text) {
        Some(u) if !u.is_empty() => u.into_owned(),
        _ => {
            let (Some(ip), Some(port)) =
                (raw.get("ip").and_then(scalar_text), raw.get("http_port").and_then(scalar_text))
            else {
                return;
            };
            ["http://", &ip, ":", &port].concat()
        }
    };
    let without = url.split_once("://").map_or(&*url, |(_, rest)| rest).to_owned();
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

/// The number a key is the decimal form of, exactly as `n.to_string()`
/// writes it (`"07"` and `"+7"` are not 7).
pub fn key_number(key: &str) -> Option<u64> {
    let canonical = !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) && (key == "0" || !key.starts_with('0'));
    canonical.then(|| key.parse().ok()).flatten()
}

/// `map`'s values under the keys `"1"` to `last`, by number (index 0
/// unused): one pass over the map, where looking each number up would
/// format and hash it.
pub fn by_number(map: Option<&Map>, last: u64) -> Vec<Option<&Value>> {
    let mut slots = vec![None; last as usize + 1];
    for (key, value) in map.into_iter().flatten() {
        if let Some(n) = key_number(key).filter(|n| (1..=last).contains(n)) {
            slots[n as usize] = Some(value);
        }
    }
    slots
}

/// The text of a raw-config value, or `None` when absent, null or empty.
pub fn text(raw: &Map, key: &str) -> Option<String> {
    raw.get(key).and_then(scalar_text).filter(|s| !s.is_empty()).map(Cow::into_owned)
}

/// Month and day of the month (both 1-based) of a zero-based day of a
/// non-leap year: 0 is 1 January, 364 is 31 December. A day past 364 counts
/// on in December (365 is 32 December): callers that cannot write that
/// clamp first.
pub fn month_day(day0: u16) -> (u16, u16) {
    const STARTS: [u16; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
    let month = STARTS.iter().rposition(|&start| start <= day0).unwrap_or(0);
    (month as u16 + 1, day0 - STARTS[month] + 1)
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
    fn by_number_finds_what_a_lookup_of_n_to_string_finds() {
        let map = json!({"1": "a", "02": "b", "+3": "c", "3 ": "d", "4": "e", "x": "f", "18446744073709551616": "g"});
        let slots = by_number(map.as_object(), 5);
        for n in 0..=5u64 {
            let expected = if n == 0 { None } else { map.get(n.to_string()) };
            assert_eq!(slots[n as usize], expected, "{n}");
        }
        assert_eq!(by_number(None, 2), vec![None; 3]);
    }

    #[test]
    fn month_day_walks_the_months_of_a_non_leap_year() {
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let mut day0 = 0;
        for (month, len) in (1..).zip(lengths) {
            for day in 1..=len {
                assert_eq!(month_day(day0), (month, day), "{day0}");
                day0 += 1;
            }
        }
        assert_eq!(month_day(365), (12, 32), "past the year, December goes on");
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
