//! `/0.2/dev_mgr`: devices, reconfigure, synchronize, DHCP information.

use std::net::{IpAddr, Ipv4Addr};

use provd_compiler::compile::Scope;
use provd_core::family::Request;
use provd_core::{Device, Mac};
use provd_store::{Index, Store};
use serde_json::{Map, Value};

use super::http::{Req, Resp, links, parse_document};
use super::selector::Query;
use super::{Api, compile_failure, get, internal, sync};
use provd_families::identify::identify;

pub(crate) fn route(api: &Api, req: &Req<'_>, rest: &[&str]) -> Result<Resp, Resp> {
    match (req.method, rest) {
        ("GET", []) => get(req, || {
            Ok(links(
                req.path,
                &[
                    ("dev.synchronize", "synchronize"),
                    ("dev.reconfigure", "reconfigure"),
                    ("dev.dhcpinfo", "dhcpinfo"),
                    ("dev.devices", "devices"),
                ],
            ))
        }),
        ("GET", ["devices"]) => get(req, || list(api, req)),
        ("POST", ["devices"]) => create(api, req),
        ("GET", ["devices", id]) => get(req, || show(api, req, id)),
        ("GET", ["devices", id, "encryption_key"]) => get(req, || encryption_key(api, req, id)),
        ("PUT", ["devices", id]) => update(api, req, id),
        ("DELETE", ["devices", id]) => delete(api, req, id),
        ("POST", ["reconfigure"]) => reconfigure(api, req),
        ("POST", ["synchronize"]) => sync::synchronize(api, req),
        ("POST", ["synchronize_many"]) => sync::synchronize_many(api, req),
        ("GET", ["synchronize" | "synchronize_many", _]) => {
            get(req, || api.ops.get(req.path).ok_or_else(|| Resp::not_found("operation")))
        }
        ("DELETE", ["synchronize" | "synchronize_many", _]) => {
            if api.ops.delete(req.path) {
                Ok(Resp::empty(204))
            } else {
                Err(Resp::not_found("operation"))
            }
        }
        ("POST", ["dhcpinfo"]) => dhcpinfo(api, req),
        (_, [] | ["devices"] | ["devices", _] | ["reconfigure" | "synchronize" | "synchronize_many" | "dhcpinfo"]) => {
            Err(Resp::text(405, "Method Not Allowed"))
        }
        _ => Err(Resp::not_found("")),
    }
}

/// A device as the API shows it: the stored document with the tenant
/// fields every wazo-provd device has (documents imported or created by
/// phones may lack them).
fn present(api: &Api, mut doc: Map<String, Value>) -> Value {
    if !doc.contains_key("tenant_uuid") {
        doc.insert("tenant_uuid".into(), Value::from(api.tenant.as_str()));
    }
    let is_new = doc.get("tenant_uuid").and_then(Value::as_str) == Some(api.tenant.as_str());
    doc.insert("is_new".into(), Value::Bool(is_new));
    Value::Object(doc)
}

fn decode_doc(id: &str, bytes: &[u8]) -> Result<Map<String, Value>, Resp> {
    serde_json::from_slice(bytes).map_err(|e| internal(format!("device {id:?} is corrupt in the store: {e}")))
}

/// Keys with an index: an equality on one of them reads only its devices.
fn indexed(query: &Query) -> Option<(Index, String)> {
    for (key, index) in [
        ("mac", Index::Mac),
        ("ip", Index::Ip),
        ("plugin", Index::Plugin),
        ("config", Index::Config),
        ("sn", Index::Sn),
        ("uuid", Index::Uuid),
    ] {
        // An empty value is not indexed (LMDB has no empty keys): such a
        // query reads every device, as any other selector does.
        if let Some(Value::String(v)) = query.selector.equals(key)
            && !v.is_empty()
        {
            let v = match index {
                // Selectors may name a MAC in any form an admin types.
                Index::Mac => Mac::parse(v).map(|m| m.to_string()).unwrap_or_else(|_| v.clone()),
                _ => v.clone(),
            };
            return Some((index, v));
        }
    }
    None
}

fn list(api: &Api, req: &Req<'_>) -> Result<Value, Resp> {
    let (query, ignored) = Query::parse_lenient(req.query);
    super::selector::log_ignored(req, &ignored);
    let recurse = super::tenants::recurse(req.query);
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    let mut docs = Vec::new();
    let mut consider = |id: &str, bytes: &[u8]| -> Result<(), Resp> {
        let doc = present(api, decode_doc(id, bytes)?);
        let tenant = doc.get("tenant_uuid").and_then(Value::as_str).unwrap_or_default();
        if req.caller.lists(tenant, recurse) && query.selector.matches(&doc) {
            docs.push(doc);
        }
        Ok(())
    };
    if let Some(Value::String(id)) = query.selector.equals("id") {
        if let Some(bytes) = store.device_doc(&r, id).map_err(internal)? {
            consider(id, bytes)?;
        }
    } else if let Some((index, value)) = indexed(&query) {
        for id in store.device_ids_by(&r, index, &value).map_err(internal)? {
            if let Some(bytes) = store.device_doc(&r, &id).map_err(internal)? {
                consider(&id, bytes)?;
            }
        }
    } else {
        for entry in store.device_documents(&r).map_err(internal)? {
            let (id, bytes) = entry.map_err(internal)?;
            consider(id, bytes)?;
        }
    }
    Ok(serde_json::json!({"devices": query.finish(docs)}))
}

fn show(api: &Api, req: &Req<'_>, id: &str) -> Result<Value, Resp> {
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    let bytes = store.device_doc(&r, id).map_err(internal)?.ok_or_else(|| no_device(id))?;
    let doc = present(api, decode_doc(id, bytes)?);
    // Another tenant's device does not exist for this caller.
    if !req.caller.sees(doc.get("tenant_uuid").and_then(Value::as_str).unwrap_or_default()) {
        return Err(no_device(id));
    }
    Ok(serde_json::json!({"device": doc}))
}

/// provd's extension: the key the device's encrypted files are made with
/// (`config_encryption`), and the phone setting that holds it, for phones
/// staged by hand instead of over HTTPS with their certificate.
fn encryption_key(api: &Api, req: &Req<'_>, id: &str) -> Result<Value, Resp> {
    use provd_compiler::render::seal::SealingSecret;
    let device = visible_device(api, req, id)?;
    let store = api.store();
    let params = store.params(&*store.read_txn().map_err(internal)?).map_err(internal)?;
    let secret = SealingSecret::from_params(&params)
        .map_err(internal)?
        .ok_or_else(|| Resp::not_found("encryption key: config_encryption is off"))?;
    let plugin_id = device.plugin.as_deref().unwrap_or_default();
    let plugins = api.publisher.plugins().get();
    let cipher = plugins
        .iter()
        .find(|p| p.id == plugin_id)
        .and_then(|p| p.family.file_cipher())
        .ok_or_else(|| Resp::not_found(format!("encryption key: plugin {plugin_id:?} has no encrypted files")))?;
    let mac = device.mac.ok_or_else(|| Resp::not_found("encryption key: the device has no MAC yet"))?;
    Ok(
        serde_json::json!({"encryption_key": {"value": secret.device_key(cipher, mac), "setting": cipher.key_setting()}}),
    )
}

/// The tenant a stored device belongs to (provd's own when it has none).
fn tenant_of<'d>(api: &'d Api, device: &'d Device) -> &'d str {
    device.tenant_uuid.as_deref().unwrap_or(api.tenant.as_str())
}

/// The device, if the caller may act on it: another tenant's device is
/// answered as if it did not exist.
pub(crate) fn visible_device(api: &Api, req: &Req<'_>, id: &str) -> Result<Device, Resp> {
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    match store.device(&r, id).map_err(internal)? {
        Some(d) if req.caller.sees(tenant_of(api, &d)) => Ok(d),
        _ => Err(no_device(id)),
    }
}

fn no_device(id: &str) -> Resp {
    Resp::not_found(format!("device {id:?}"))
}

/// Parses a device document, naming the field that is wrong.
fn parse_device(doc: Map<String, Value>) -> Result<Device, String> {
    let device: Device = parse_document(doc)?;
    device.validate().map_err(|e| e.to_string())?;
    Ok(device)
}

fn create(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    let mut doc = req.body_object("device")?;
    if doc.get("id").is_none_or(Value::is_null) {
        doc.insert("id".into(), Value::from(Device::new_id()));
    }
    let mut device = parse_device(doc).map_err(|e| Resp::text(400, e))?;
    device.configured = false;
    device.tenant_uuid = Some(req.caller.tenant.clone());
    device.is_new = Some(req.caller.tenant == api.tenant);
    let id = device.id.clone();
    api.write(move |stage| {
        let (store, w) = stage.parts();
        let id = &device.id;
        if store.device_doc(w, id).map_err(internal)?.is_some() {
            return Err(Resp::text(400, format!("a device with id {id:?} already exists")));
        }
        store.put_device(w, &device).map_err(internal)?;
        stage.changed();
        if device.plugin.is_some() && device.config.is_some() {
            stage.publish_later(Scope::Device(device.id.clone())).map_err(compile_failure)?;
        }
        Ok(())
    })?;
    Ok(Resp::created(&id, format!("/0.2/dev_mgr/devices/{}", super::url_segment(&id))))
}

fn update(api: &Api, req: &Req<'_>, id: &str) -> Result<Resp, Resp> {
    let mut doc = req.body_object("device")?;
    doc.insert("id".into(), Value::from(id));
    // wazo-provd answers 500 for a document it cannot store.
    let mut device = parse_device(doc).map_err(|e| Resp::text(500, e))?;
    let provd_tenant = api.tenant.clone();
    let caller = req.caller.clone();
    api.write(move |stage| {
        let (store, w) = stage.parts();
        let id = device.id.clone();
        let old = store.device(w, &id).map_err(internal)?.ok_or_else(|| no_device(&id))?;
        // Computed by provd, never taken from the client: a new device
        // (still in provd's tenant) moves to the caller's tenant; any
        // other stays in its own, which the caller must see.
        let old_tenant = old.tenant_uuid.clone().unwrap_or_else(|| provd_tenant.clone());
        let tenant = if old_tenant == provd_tenant {
            caller.tenant.clone()
        } else if caller.sees(&old_tenant) {
            old_tenant
        } else {
            return Err(no_device(&id));
        };
        device.configured = old.configured;
        device.is_new = Some(tenant == provd_tenant);
        device.tenant_uuid = Some(tenant);
        let unchanged = serde_json::to_value(&old).ok() == serde_json::to_value(&device).ok();
        if !unchanged {
            store.put_device(w, &device).map_err(internal)?;
            drop_unused_transient(store, w, old.config.as_deref(), device.config.as_deref())?;
            stage.changed();
        }
        // An unchanged document compiles too: an earlier write may have
        // been stored by a version that committed before compiling (and
        // was killed), and a client repeats a PUT to get it done.
        if unchanged || old.needs_reconfiguration(&device) {
            stage.publish_later(Scope::Device(id)).map_err(compile_failure)?;
        }
        Ok(())
    })?;
    Ok(Resp::empty(204))
}

/// wazo-provd deletes a transient config when the last device using it
/// moves away.
fn drop_unused_transient(
    store: &Store,
    w: &mut provd_store::WriteTxn<'_>,
    old: Option<&str>,
    new: Option<&str>,
) -> Result<(), Resp> {
    let Some(old) = old.filter(|o| Some(*o) != new) else { return Ok(()) };
    let unused = store.device_ids_by(w, Index::Config, old).map_err(internal)?.is_empty();
    if unused && store.config(w, old).map_err(internal)?.is_some_and(|c| c.is_transient()) {
        store.delete_config(w, old).map_err(internal)?;
    }
    Ok(())
}

fn delete(api: &Api, req: &Req<'_>, id: &str) -> Result<Resp, Resp> {
    let id = id.to_owned();
    let (caller, provd_tenant) = (req.caller.clone(), api.tenant.clone());
    api.write(move |stage| {
        let (store, w) = stage.parts();
        let device = store.device(w, &id).map_err(internal)?.ok_or_else(|| no_device(&id))?;
        if !caller.sees(device.tenant_uuid.as_deref().unwrap_or(&provd_tenant)) {
            return Err(no_device(&id));
        }
        store.delete_device_and_files(w, &device).map_err(internal)?;
        stage.changed();
        Ok(())
    })?;
    Ok(Resp::empty(204))
}

/// The `{"id": ...}` body of reconfigure and synchronize.
pub(crate) fn body_id(req: &Req<'_>) -> Result<String, Resp> {
    match req.json_body()?.get("id") {
        Some(Value::String(id)) => Ok(id.clone()),
        _ => Err(Resp::text(400, "Missing or invalid \"id\" in request body")),
    }
}

fn reconfigure(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    let id = body_id(req)?;
    // wazo-provd: any error is a 400 (another tenant's device too); a
    // device that cannot be configured (no plugin, no config) is not an
    // error, it stays unconfigured.
    visible_device(api, req, &id).map_err(|r| Resp { status: 400, ..r })?;
    api.write(move |stage| {
        let report = stage.publish(Scope::Device(id)).map_err(|e| Resp { status: 400, ..compile_failure(e) })?;
        match report.failures.first() {
            Some(f) => Err(Resp::text(400, f.to_string())),
            None => Ok(()),
        }
    })?;
    Ok(Resp::empty(204))
}

/// `{"dhcp_info": {"op", "ip", "mac", "options"}}` from the DHCP server's
/// hook: a commit runs the pipeline as a DHCP request (creating the device
/// if its MAC is new); expiry and release are accepted and ignored.
fn dhcpinfo(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    let info = req.body_object("dhcp_info")?;
    let field = |k: &str| info.get(k).and_then(Value::as_str);
    let op = field("op").ok_or_else(|| Resp::text(400, "dhcp_info.op: missing"))?;
    let ip: Ipv4Addr = field("ip")
        .ok_or_else(|| Resp::text(400, "dhcp_info.ip: missing"))?
        .parse()
        .map_err(|_| Resp::text(400, format!("dhcp_info.ip: {:?} is not an IPv4 address", field("ip").unwrap())))?;
    match op {
        "expiry" | "release" => return Ok(Resp::empty(204)),
        "commit" => {}
        other => return Err(Resp::text(400, format!("dhcp_info.op: {other:?} is not commit, expiry or release"))),
    }
    let mac = field("mac").ok_or_else(|| Resp::text(400, "dhcp_info.mac: missing"))?;
    let mac = Mac::parse(mac).map_err(|e| Resp::text(400, format!("dhcp_info.mac: {e}")))?;
    let Some(Value::Array(options)) = info.get("options") else {
        return Err(Resp::text(400, "dhcp_info.options: missing (a list of option strings) on commit"));
    };
    let mut vendor_class = None;
    for (i, o) in options.iter().enumerate() {
        let o = o.as_str().ok_or_else(|| Resp::text(400, format!("dhcp_info.options[{i}]: not a string")))?;
        let (code, bytes) = parse_option(o).map_err(|e| Resp::text(400, format!("dhcp_info.options[{i}]: {e}")))?;
        if code == 60 {
            vendor_class = Some(bytes);
        }
    }
    let vendor_class = vendor_class.unwrap_or_default();
    let mut extracted = identify(&Request::Dhcp { vendor_class: &vendor_class }).into_owned();
    extracted.mac = Some(mac);
    // wazo-provd answers before the work is done; waiting (bounded) means a
    // client reading the device next sees it.
    api.phones
        .dhcp_lease(extracted, IpAddr::V4(ip), std::time::Duration::from_secs(5))
        .map_err(|busy| Resp::text(503, busy.to_string()))?;
    Ok(Resp::empty(204))
}

/// `"060" + "43.69.73..."`: a decimal option code, then dot-separated hex bytes.
fn parse_option(s: &str) -> Result<(u8, Vec<u8>), String> {
    let code = s.get(..3).ok_or("shorter than the 3-digit option code")?;
    let code: u8 = code.parse().map_err(|_| format!("{code:?} is not an option code 0..255"))?;
    let rest = &s[3..];
    let bytes = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('.')
            .map(|h| u8::from_str_radix(h, 16).map_err(|_| format!("{h:?} is not a hex byte")))
            .collect::<Result<_, _>>()?
    };
    Ok((code, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dhcp_options_as_wazo_dxtora_sends_them() {
        assert_eq!(parse_option("06043.69.73").unwrap(), (60, b"Cis".to_vec()));
        assert_eq!(parse_option("012").unwrap(), (12, vec![]));
        assert!(parse_option("60").is_err());
        assert!(parse_option("999").is_err());
        assert!(parse_option("060zz").unwrap_err().contains("\"zz\""));
    }

    #[test]
    fn device_errors_name_the_field() {
        let doc = serde_json::json!({"id": "d1", "mac": "not-a-mac"});
        let e = parse_device(doc.as_object().unwrap().clone()).unwrap_err();
        assert!(e.starts_with("field mac: "), "{e}");
        let doc = serde_json::json!({"id": "d1", "ip": "10.0.0.300"});
        assert!(parse_device(doc.as_object().unwrap().clone()).unwrap_err().contains("ip"));
        let doc = serde_json::json!({"id": "a/b"});
        assert!(parse_device(doc.as_object().unwrap().clone()).unwrap_err().contains("'/'"));
    }
}
