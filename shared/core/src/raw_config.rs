//! Raw-config validation with wazo-provd's rules (`RawConfigSchema`):
//! known keys are type-checked, enums and ranges enforced, and any other key
//! must start with `X_`. Types are checked the way pydantic v1 coerces them,
//! so documents wazo-provd accepted are accepted here too.

use std::fmt;

use serde_json::Value;

use crate::Map;
use crate::config::truthy;

/// One field of a raw config that breaks wazo-provd's rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Dotted path of the offending field, e.g. `sip_lines.1.proxy_port`.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// All the problems of one raw config, in document order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct RawConfigError(pub Vec<FieldError>);

impl fmt::Display for RawConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Str,
    Int,
    Bool,
    Enum(&'static [&'static str]),
    Range(i64, i64),
    StrList,
    Locale,
    Timezone,
    Lines,
    CallManagers,
    FuncKeys,
}

const DTMF: &[&str] = &["RTP-in-band", "RTP-out-of-band", "SIP-INFO"];
const SRTP: &[&str] = &["disabled", "preferred", "required"];
const TRANSPORT: &[&str] = &["udp", "tcp", "tls"];
const SYSLOG_LEVEL: &[&str] = &["critical", "error", "warning", "info", "debug"];

/// The kind of a known top-level key and whether null is allowed.
fn top(key: &str) -> Option<(Kind, bool)> {
    Some(match key {
        "ip" => (Kind::Str, true),
        "http_port" => (Kind::Int, true),
        "http_base_url" => (Kind::Str, false),
        "tftp_port" => (Kind::Int, true),
        "dns_enabled" => (Kind::Bool, true),
        "dns_ip" => (Kind::Str, true),
        "ntp_enabled" => (Kind::Bool, true),
        "ntp_ip" => (Kind::Str, true),
        "vlan_enabled" => (Kind::Bool, true),
        "vlan_id" => (Kind::Range(0, 4094), true),
        "vlan_priority" => (Kind::Range(0, 7), true),
        "vlan_pc_port_id" => (Kind::Range(0, 4094), true),
        "syslog_enabled" => (Kind::Bool, true),
        "syslog_ip" => (Kind::Str, true),
        "syslog_port" => (Kind::Int, false),
        "syslog_level" => (Kind::Enum(SYSLOG_LEVEL), false),
        "admin_username" => (Kind::Str, true),
        "admin_password" => (Kind::Str, true),
        "user_username" => (Kind::Str, true),
        "user_password" => (Kind::Str, true),
        "timezone" => (Kind::Timezone, true),
        "locale" => (Kind::Locale, true),
        "protocol" => (Kind::Enum(&["SIP", "SCCP"]), true),
        "sip_proxy_ip" => (Kind::Str, true),
        "sip_proxy_port" => (Kind::Int, true),
        "sip_backup_proxy_ip" => (Kind::Str, true),
        "sip_backup_proxy_port" => (Kind::Int, true),
        "sip_registrar_ip" => (Kind::Str, true),
        "sip_registrar_port" => (Kind::Int, true),
        "sip_backup_registrar_ip" => (Kind::Str, true),
        "sip_backup_registrar_port" => (Kind::Int, true),
        "sip_outbound_proxy_ip" => (Kind::Str, true),
        "sip_outbound_proxy_port" => (Kind::Int, true),
        "sip_dtmf_mode" => (Kind::Enum(DTMF), true),
        "sip_srtp_mode" => (Kind::Enum(SRTP), true),
        "sip_transport" => (Kind::Enum(TRANSPORT), true),
        "sip_servers_root_and_intermediate_certificates" => (Kind::StrList, true),
        "sip_local_root_and_intermediate_certificates" => (Kind::StrList, true),
        "sip_local_certificate" => (Kind::Str, true),
        "sip_local_key" => (Kind::Str, true),
        "sip_subscribe_mwi" => (Kind::Bool, true),
        "sip_lines" => (Kind::Lines, false),
        "sccp_call_managers" => (Kind::CallManagers, false),
        "exten_dnd" => (Kind::Str, true),
        "exten_fwd_unconditional" => (Kind::Str, true),
        "exten_fwd_no_answer" => (Kind::Str, true),
        "exten_fwd_busy" => (Kind::Str, true),
        "exten_fwd_disable_all" => (Kind::Str, true),
        "exten_park" => (Kind::Str, true),
        "exten_pickup_group" => (Kind::Str, true),
        "exten_pickup_call" => (Kind::Str, true),
        "exten_voicemail" => (Kind::Str, true),
        "funckeys" => (Kind::FuncKeys, false),
        "config_version" => (Kind::Int, true),
        _ => return None,
    })
}

fn line_kind(key: &str) -> Option<Kind> {
    Some(match key {
        "proxy_ip" => Kind::Str,
        "proxy_port" => Kind::Int,
        "backup_proxy_ip" => Kind::Str,
        "backup_proxy_port" => Kind::Int,
        "registrar_ip" => Kind::Str,
        "registrar_port" => Kind::Int,
        "backup_registrar_ip" => Kind::Str,
        "backup_registrar_port" => Kind::Int,
        "outbound_proxy_ip" => Kind::Str,
        "outbound_proxy_port" => Kind::Int,
        "username" => Kind::Str,
        "password" => Kind::Str,
        "auth_username" => Kind::Str,
        "display_name" => Kind::Str,
        "number" => Kind::Str,
        "dtmf_mode" => Kind::Enum(DTMF),
        "srtp_mode" => Kind::Enum(SRTP),
        "voicemail" => Kind::Str,
        _ => return None,
    })
}

const REQUIRED_IF_ENABLED: &[(&str, &str)] = &[
    ("dns_enabled", "dns_ip"),
    ("ntp_enabled", "ntp_ip"),
    ("vlan_enabled", "vlan_id"),
    ("syslog_enabled", "syslog_ip"),
];

/// Validates a raw config (a config's own, or a flattened one).
pub fn validate(raw: &Map) -> Result<(), RawConfigError> {
    let mut errors = Vec::new();
    for (key, value) in raw {
        match top(key) {
            Some((kind, nullable)) => check(Field::new(key), kind, nullable, value, &mut errors),
            None if key.starts_with("X_") || key == "phonebook_ip" => {}
            None => err(&mut errors, Field::new(key), "unknown parameter (extra parameters must start with X_)"),
        }
    }
    for &(enabled, needed) in REQUIRED_IF_ENABLED {
        if raw.get(enabled).is_some_and(truthy) && !raw.get(needed).is_some_and(truthy) {
            errors.push(FieldError { field: needed.into(), message: format!("required when {enabled} is true") });
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(RawConfigError(errors)) }
}

/// A dotted field path, joined only when an error needs it: validation runs
/// for every device of every compile and must not allocate when all is well.
#[derive(Clone, Copy)]
struct Field<'a> {
    parts: [&'a str; 3],
    len: usize,
}

impl<'a> Field<'a> {
    fn new(top: &'a str) -> Self {
        Field { parts: [top, "", ""], len: 1 }
    }
    fn child(self, part: &'a str) -> Self {
        let mut f = self;
        f.parts[f.len.min(2)] = part;
        f.len = (f.len + 1).min(3);
        f
    }
}

impl fmt::Display for Field<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.parts[..self.len].join("."))
    }
}

fn err(errors: &mut Vec<FieldError>, field: Field<'_>, message: impl Into<String>) {
    errors.push(FieldError { field: field.to_string(), message: message.into() });
}

fn as_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

fn is_bool(v: &Value) -> bool {
    match v {
        Value::Bool(_) => true,
        Value::Number(n) => matches!(n.as_i64(), Some(0 | 1)),
        Value::String(s) => matches!(
            s.to_ascii_lowercase().as_str(),
            "0" | "1" | "true" | "false" | "yes" | "no" | "on" | "off" | "t" | "f" | "y" | "n"
        ),
        _ => false,
    }
}

fn describe(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 { format!("{}...", &s[..s.floor_char_boundary(40)]) } else { s }
}

fn check(field: Field<'_>, kind: Kind, nullable: bool, v: &Value, errors: &mut Vec<FieldError>) {
    if v.is_null() {
        if !nullable {
            err(errors, field, "must not be null");
        }
        return;
    }
    match kind {
        Kind::Str => {
            if !(v.is_string() || v.is_number()) {
                err(errors, field, format!("expected a string, got {}", describe(v)));
            }
        }
        Kind::Int => {
            if as_int(v).is_none() {
                err(errors, field, format!("expected an integer, got {}", describe(v)));
            }
        }
        Kind::Bool => {
            if !is_bool(v) {
                err(errors, field, format!("expected a boolean, got {}", describe(v)));
            }
        }
        Kind::Enum(allowed) => {
            if !v.as_str().is_some_and(|s| allowed.contains(&s)) {
                err(errors, field, format!("{} is not one of {}", describe(v), allowed.join(", ")));
            }
        }
        Kind::Range(lo, hi) => match as_int(v) {
            Some(n) if (lo..=hi).contains(&n) => {}
            Some(n) => err(errors, field, format!("{n} is out of range {lo}..={hi}")),
            None => err(errors, field, format!("expected an integer, got {}", describe(v))),
        },
        Kind::StrList => match v.as_array() {
            Some(items) => {
                for (i, item) in items.iter().enumerate() {
                    if !item.is_string() {
                        let index = i.to_string();
                        err(errors, field.child(&index), format!("expected a string, got {}", describe(item)));
                    }
                }
            }
            None => err(errors, field, format!("expected a list of strings, got {}", describe(v))),
        },
        Kind::Locale => {
            let ok = v.as_str().is_some_and(|s| {
                let b = s.as_bytes();
                b.len() >= 5
                    && b[..2].iter().all(u8::is_ascii_lowercase)
                    && b[2] == b'_'
                    && b[3..5].iter().all(u8::is_ascii_uppercase)
            });
            if !ok {
                err(errors, field, format!("{} does not look like ll_CC (e.g. fr_FR)", describe(v)));
            }
        }
        Kind::Timezone => match v.as_str() {
            Some("") => {}
            Some(name) => {
                if let Err(e) = crate::tz::timezone_info(name) {
                    err(errors, field, e.to_string());
                }
            }
            None => err(errors, field, format!("expected a timezone name, got {}", describe(v))),
        },
        // Line numbers are written into setting names (`account.1.password`,
        // `reg.1.address=`, `<Proxy_1_>`): anything but digits there would
        // make a name of its own. wazo-provd takes any string; wazo-confd
        // writes numbers only.
        Kind::Lines => each_entry(field, v, true, errors, |path, line, errors| {
            for (k, lv) in line {
                if let Some(kind) = line_kind(k) {
                    check(path.child(k), kind, true, lv, errors);
                }
            }
        }),
        Kind::CallManagers => each_entry(field, v, true, errors, |path, cm, errors| {
            match cm.get("ip") {
                Some(ip) => check(path.child("ip"), Kind::Str, false, ip, errors),
                None => err(errors, path.child("ip"), "field required"),
            }
            if let Some(port) = cm.get("port") {
                check(path.child("port"), Kind::Int, true, port, errors);
            }
        }),
        Kind::FuncKeys => each_entry(field, v, true, errors, |path, fk, errors| {
            let ty = fk.get("type");
            match ty {
                Some(t) => check(path.child("type"), Kind::Enum(&["speeddial", "blf", "park"]), false, t, errors),
                None => err(errors, path.child("type"), "field required"),
            }
            for k in ["value", "label", "line"] {
                if let Some(x) = fk.get(k) {
                    check(path.child(k), Kind::Str, true, x, errors);
                }
            }
            let needs_value = matches!(ty.and_then(Value::as_str), Some("speeddial" | "blf"));
            if needs_value && !fk.get("value").is_some_and(truthy) {
                err(errors, path.child("value"), "required for blf and speeddial keys");
            }
        }),
    }
}

fn each_entry<'a>(
    field: Field<'a>,
    v: &'a Value,
    numeric_keys: bool,
    errors: &mut Vec<FieldError>,
    mut f: impl FnMut(Field<'a>, &'a Map, &mut Vec<FieldError>),
) {
    let Some(entries) = v.as_object() else {
        err(errors, field, format!("expected a dictionary, got {}", describe(v)));
        return;
    };
    for (k, entry) in entries {
        let path = field.child(k);
        if numeric_keys && (k.is_empty() || !k.bytes().all(|b| b.is_ascii_digit())) {
            err(errors, path, "keys must be positive integers written as strings");
            continue;
        }
        match entry.as_object() {
            Some(m) => f(path, m, errors),
            None => err(errors, path, format!("expected a dictionary, got {}", describe(entry))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v(raw: Value) -> Result<(), RawConfigError> {
        validate(raw.as_object().unwrap())
    }

    #[test]
    fn a_typical_wazo_config_is_valid() {
        v(json!({
            "ip": "10.0.0.1", "http_port": "8667", "tftp_port": 69,
            "http_base_url": "http://10.0.0.1:8667",
            "ntp_enabled": true, "ntp_ip": "10.0.0.1",
            "vlan_enabled": 1, "vlan_id": "42", "vlan_priority": 5,
            "locale": "fr_FR", "timezone": "America/Montreal", "protocol": "SIP",
            "sip_dtmf_mode": "RTP-out-of-band",
            "sip_lines": {"1": {"username": 1001, "password": "p", "proxy_port": 5060, "display_name": "A"}},
            "funckeys": {"1": {"type": "blf", "value": "1002", "label": "B", "line": 1}, "2": {"type": "park"}},
            "sccp_call_managers": {"1": {"ip": "10.0.0.1"}},
            "X_xivo_phonebook_ip": "10.0.0.1", "X_anything": [1],
            "syslog_enabled": false, "syslog_level": "info"
        }))
        .unwrap();
    }

    #[test]
    fn sip_line_keys_are_line_numbers() {
        v(json!({"sip_lines": {"1": {}, "2": {"username": "u"}, "10": {}}})).unwrap();
        let e = v(json!({"sip_lines": {"1": {}, "1.password = x": {}, "2\n": {}, "": {}, " 3": {}}})).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["sip_lines.1.password = x", "sip_lines.2\n", "sip_lines.", "sip_lines. 3"]);
        assert!(e.0.iter().all(|f| f.message == "keys must be positive integers written as strings"), "{e}");
    }

    #[test]
    fn errors_name_each_field() {
        let e = v(json!({
            "http_port": "eighty",
            "vlan_id": 5000,
            "locale": "french",
            "sip_transport": "sctp",
            "custom": 1,
            "sip_lines": {"1": {"proxy_port": "x", "dtmf_mode": "loud"}},
            "funckeys": {"a": {"type": "blf"}, "2": {"type": "blf"}, "3": {"type": "jump", "value": "1"}},
            "sccp_call_managers": {"1": {"port": 2000}},
            "syslog_enabled": true,
            "timezone": "Mars/Olympus"
        }))
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "http_port",
                "vlan_id",
                "locale",
                "sip_transport",
                "custom",
                "sip_lines.1.proxy_port",
                "sip_lines.1.dtmf_mode",
                "funckeys.a",
                "funckeys.2.value",
                "funckeys.3.type",
                "sccp_call_managers.1.ip",
                "timezone",
                "syslog_ip",
            ]
        );
        let text = e.to_string();
        assert!(text.contains("vlan_id: 5000 is out of range 0..=4094"), "{text}");
        assert!(text.contains("custom: unknown parameter (extra parameters must start with X_)"), "{text}");
        assert!(text.contains("sip_transport: \"sctp\" is not one of udp, tcp, tls"), "{text}");
    }
}
