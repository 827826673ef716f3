//! `/0.2/configure`: the server parameters, persisted in the store (the
//! data plane rereads `NAT` and `provisioning_key` with each generation).

use provd_core::Map;
use provd_core::tenant::provisioning_keys;
use serde_json::{Value, json};

use provd_compiler::compile::Scope;
use provd_compiler::render::seal;

use super::http::{Req, Resp};
use super::{Api, get, internal};

/// The parameters and their descriptions, in wazo-provd's order.
const PARAMS: &[(&str, &str)] = &[
    ("plugin_server", "The plugins repository URL (a local path or file:// URL works too)"),
    ("http_proxy", "The proxy for HTTP requests. Format is \"http://[user:password@]host:port\""),
    ("ftp_proxy", "The proxy for FTP requests. Format is \"http://[user:password@]host:port\""),
    ("https_proxy", "The proxy for HTTPS requests. Format is \"host:port\""),
    ("locale", "The current locale. Example: fr_FR"),
    ("NAT", "Set to 1 if all the devices are behind a NAT."),
    ("provisioning_key", "The provisioning key for the tenant. [a-zA-Z0-9-$~.]{8,256}"),
    (
        "config_encryption",
        "provd: set to 1 to serve device files encrypted where the phones can decrypt them (plain only over HTTPS to the phone's own certificate).",
    ),
];

pub(crate) fn route(api: &Api, req: &Req<'_>, rest: &[&str]) -> Result<Resp, Resp> {
    match (req.method, rest) {
        ("GET", []) => get(req, || list(api, req)),
        ("GET", [name]) => get(req, || {
            known(name)?;
            Ok(json!({"param": {"value": value_of(&current(api)?, name, &req.caller.tenant)}}))
        }),
        ("PUT", [name]) => {
            known(name)?;
            let body = req.json_body()?;
            let value = body
                .get("param")
                .and_then(|p| p.get("value"))
                .ok_or_else(|| Resp::text(400, "Missing \"param\": {\"value\": ...} in request body"))?;
            set(api, req, name, value.clone())?;
            Ok(Resp::empty(204))
        }
        (_, [] | [_]) => Err(Resp::text(405, "Method Not Allowed")),
        _ => Err(Resp::not_found("")),
    }
}

fn known(name: &str) -> Result<(), Resp> {
    if PARAMS.iter().any(|(n, _)| *n == name) { Ok(()) } else { Err(Resp::not_found(format!("parameter {name:?}"))) }
}

fn current(api: &Api) -> Result<Map, Resp> {
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    store.params(&r).map_err(internal)
}

fn list(api: &Api, req: &Req<'_>) -> Result<Value, Resp> {
    let params = current(api)?;
    let base = req.path.trim_end_matches('/');
    Ok(json!({"params": PARAMS.iter().map(|(id, description)| json!({
        "id": id,
        "description": description,
        "value": value_of(&params, id, &req.caller.tenant),
        "links": [{"rel": "srv.configure.param", "href": format!("{base}/{id}")}],
    })).collect::<Vec<_>>()}))
}

/// A parameter as `tenant` reads it: `provisioning_key` is its own
/// (provd's tenant also reads the key stored before keys were per
/// tenant); `NAT` is 0 when unset, as wazo-provd answers.
fn value_of(params: &Map, name: &str, tenant: &str) -> Value {
    match name {
        "provisioning_key" => provisioning_keys(params)
            .into_iter()
            .find(|(_, t)| t == tenant)
            .map_or(Value::Null, |(k, _)| Value::String(k)),
        "NAT" => params.get("NAT").cloned().unwrap_or(Value::from(0)),
        _ => params.get(name).cloned().unwrap_or(Value::Null),
    }
}

/// Validates and stores `value` (null removes the parameter).
pub(crate) fn set(api: &Api, req: &Req<'_>, name: &str, value: Value) -> Result<(), Resp> {
    let value = validate(name, value).map_err(|e| Resp::text(400, format!("{name}: {e}")))?;
    let name = name.to_owned();
    let (tenant, provd_tenant) = (req.caller.tenant.clone(), api.tenant.clone());
    api.write(move |stage| {
        let (store, w) = stage.parts();
        let mut params = store.params(w).map_err(internal)?;
        let mut compile_all = false;
        if name == "provisioning_key" {
            set_provisioning_key(&mut params, &tenant, &provd_tenant, value)?;
        } else if name == seal::ENABLED_PARAM {
            compile_all = params.get(&name) != value.as_ref();
            if value == Some(Value::from(1)) && !params.contains_key(seal::SECRET_PARAM) {
                // Made once and kept: turning encryption off and on again
                // gives the phones the keys they already have.
                let secret = seal::SealingSecret::generate_hex().map_err(internal)?;
                params.insert(seal::SECRET_PARAM.into(), Value::String(secret));
            }
            match value {
                Some(v) => params.insert(name, v),
                None => params.remove(&name),
            };
        } else {
            match value {
                Some(v) => params.insert(name, v),
                None => params.remove(&name),
            };
        }
        store.set_params(w, &params).map_err(internal)?;
        stage.changed();
        if compile_all {
            // Every device file gains (or loses) its encrypted copy.
            stage.publish(Scope::All).map_err(internal)?;
        }
        Ok(())
    })
}

/// `tenant`'s key becomes `key` (none: unset); a key another tenant uses
/// is refused, as wazo-provd refuses it.
fn set_provisioning_key(params: &mut Map, tenant: &str, provd_tenant: &str, key: Option<Value>) -> Result<(), Resp> {
    let key = key.and_then(|k| k.as_str().map(str::to_owned));
    if let Some(k) = &key
        && provisioning_keys(params).iter().any(|(other, t)| other == k && t != tenant)
    {
        return Err(Resp::text(400, "provisioning_key: another tenant already uses this provisioning key."));
    }
    // The key stored before keys were per tenant becomes provd's tenant's.
    if let Some(Value::String(old)) = params.remove("provisioning_key")
        && !old.is_empty()
    {
        let tenants = params.entry("tenants").or_insert_with(|| json!({}));
        if let Some(t) = tenants.as_object_mut() {
            t.entry(provd_tenant.to_owned()).or_insert_with(|| json!({"provisioning_key": old}));
        }
    }
    let tenants = params.entry("tenants").or_insert_with(|| json!({}));
    let Some(tenants) = tenants.as_object_mut() else {
        return Err(internal("the stored \"tenants\" parameter is not an object"));
    };
    let entry = tenants.entry(tenant.to_owned()).or_insert_with(|| json!({}));
    if let Some(e) = entry.as_object_mut() {
        e.insert("provisioning_key".into(), key.map_or(Value::Null, Value::String));
    }
    Ok(())
}

/// wazo-provd's rules per parameter; `None` means unset.
fn validate(name: &str, value: Value) -> Result<Option<Value>, String> {
    let text = match &value {
        Value::Null => return Ok(None),
        Value::String(s) if s.is_empty() => return Ok(None),
        Value::String(s) => s.clone(),
        other => return Err(format!("expected a string, got {other}")),
    };
    match name {
        "plugin_server" => {
            let ok = text.starts_with('/')
                || text.starts_with("file://")
                || url_host(&text, &["http", "https", "ftp"]).is_some_and(|(host, _)| !host.is_empty());
            if !ok {
                return Err(format!(
                    "{text:?} is not a URL with a scheme and a host, a file:// URL or an absolute path"
                ));
            }
        }
        "http_proxy" | "ftp_proxy" => {
            let (host, path) = url_host(&text, &["http"])
                .ok_or_else(|| format!("{text:?} is not http://[user:password@]host:port"))?;
            if host.is_empty() || path {
                return Err(format!("{text:?} is not http://[user:password@]host:port (no path)"));
            }
        }
        "https_proxy" if text.contains("://") || !text.contains(':') => {
            return Err(format!("{text:?} is not host:port (no scheme)"));
        }
        "locale" => {
            let (lang, country) = text.split_once('_').map_or((text.as_str(), None), |(l, c)| (l, Some(c)));
            let lang_ok = (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase());
            let country_ok =
                country.is_none_or(|c| (2..=3).contains(&c.len()) && c.bytes().all(|b| b.is_ascii_uppercase()));
            if !lang_ok || !country_ok {
                return Err(format!("{text:?} is not a locale like fr_FR"));
            }
        }
        "NAT" | seal::ENABLED_PARAM => {
            return match text.as_str() {
                "0" => Ok(Some(Value::from(0))),
                "1" => Ok(Some(Value::from(1))),
                _ => Err(format!("{text:?}: expected \"0\" or \"1\"")),
            };
        }
        "provisioning_key" => {
            let ok_char = |c: char| c.is_ascii_alphanumeric() || "-$~.".contains(c);
            if !(8..=256).contains(&text.len()) || !text.chars().all(ok_char) {
                return Err("expected 8 to 256 characters from [a-zA-Z0-9-$~.]".into());
            }
        }
        _ => {}
    }
    Ok(Some(Value::String(text)))
}

/// `scheme://[user:password@]host[:port][/path]` split into its host and
/// whether a path follows, when the scheme is one of `schemes`.
fn url_host<'a>(url: &'a str, schemes: &[&str]) -> Option<(&'a str, bool)> {
    let (scheme, rest) = url.split_once("://")?;
    if !schemes.contains(&scheme) {
        return None;
    }
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    Some((host_port.split(':').next().unwrap_or(""), !path.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_checked_as_wazo_provd_checks_them() {
        let ok = |n: &str, v: &str| validate(n, Value::from(v)).unwrap();
        assert_eq!(ok("NAT", "1"), Some(Value::from(1)));
        assert!(validate("NAT", Value::from(0)).is_err(), "wazo-provd wants \"0\" or \"1\"");
        assert!(validate("NAT", Value::from("yes")).is_err());
        assert_eq!(ok("NAT", ""), None);
        assert_eq!(validate("NAT", Value::Null).unwrap(), None);
        ok("locale", "fr_FR");
        ok("locale", "en");
        assert!(validate("locale", Value::from("FR_fr")).is_err());
        ok("http_proxy", "http://user:pw@proxy:3128");
        assert!(validate("http_proxy", Value::from("http://proxy:3128/path")).is_err());
        assert!(validate("http_proxy", Value::from("proxy:3128")).is_err());
        ok("https_proxy", "proxy:3128");
        assert!(validate("https_proxy", Value::from("https://proxy:3128")).is_err());
        ok("plugin_server", "http://provd.example.com/plugins/2/stable/");
        ok("plugin_server", "file:///srv/plugins");
        assert!(validate("plugin_server", Value::from("provd.example.com")).is_err());
        ok("provisioning_key", "abcdEFGH-$~.");
        assert!(validate("provisioning_key", Value::from("short")).is_err());
        assert!(validate("provisioning_key", Value::from("has space in it")).is_err());
    }
}
