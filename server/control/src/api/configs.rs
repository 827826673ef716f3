//! `/0.2/cfg_mgr`: configs (global, not tenant-scoped), their flattened
//! raw config, and autocreate.

use std::collections::HashSet;

use provd_compiler::compile::{self, Scope};
use provd_core::{Config, ConfigTree, raw_config};
use provd_store::{Store, StoreError};
use serde_json::{Map, Value, json};

use super::http::{Req, Resp, links, parse_document};
use super::selector::Query;
use super::{Api, compile_failure, get, internal, url_segment};

pub(crate) fn route(api: &Api, req: &Req<'_>, rest: &[&str]) -> Result<Resp, Resp> {
    match (req.method, rest) {
        ("GET", []) => {
            get(req, || Ok(links(req.path, &[("cfg.configs", "configs"), ("cfg.autocreate", "autocreate")])))
        }
        ("GET", ["configs"]) => get(req, || list(api, req)),
        ("POST", ["configs"]) => create(api, req),
        ("GET", ["configs", id]) => get(req, || show(api, id)),
        ("PUT", ["configs", id]) => update(api, req, id),
        ("DELETE", ["configs", id]) => delete(api, id),
        ("GET", ["configs", id, "raw"]) => get(req, || raw(api, id)),
        ("POST", ["autocreate"]) => autocreate(api, req),
        (_, [] | ["configs"] | ["configs", _] | ["configs", _, "raw"] | ["autocreate"]) => {
            Err(Resp::text(405, "Method Not Allowed"))
        }
        _ => Err(Resp::not_found("")),
    }
}

fn no_config(id: &str) -> Resp {
    Resp::not_found(format!("config {id:?}"))
}

fn list(api: &Api, req: &Req<'_>) -> Result<Value, Resp> {
    let (query, ignored) = Query::parse_lenient(req.query);
    super::selector::log_ignored(req, &ignored);
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    let mut docs = Vec::new();
    let mut consider = |id: &str, bytes: &[u8]| -> Result<(), Resp> {
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| internal(format!("config {id:?}: {e}")))?;
        if query.selector.matches(&doc) {
            docs.push(doc);
        }
        Ok(())
    };
    if let Some(Value::String(id)) = query.selector.equals("id") {
        if let Some(bytes) = store.config_doc(&r, id).map_err(internal)? {
            consider(id, bytes)?;
        }
    } else {
        for entry in store.config_documents(&r).map_err(internal)? {
            let (id, bytes) = entry.map_err(internal)?;
            consider(id, bytes)?;
        }
    }
    Ok(json!({"configs": query.finish(docs)}))
}

fn show(api: &Api, id: &str) -> Result<Value, Resp> {
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    let bytes = store.config_doc(&r, id).map_err(internal)?.ok_or_else(|| no_config(id))?;
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| internal(format!("config {id:?}: {e}")))?;
    Ok(json!({"config": doc}))
}

/// Parses and checks a config document, naming the field that is wrong.
fn parse_config(doc: Map<String, Value>) -> Result<Config, String> {
    let mut config: Config = parse_document(doc)?;
    provd_core::device::check_id(&config.id)
        .map_err(|why| format!("config id {:?} is not usable: {why}", config.id))?;
    config.strip_none_if_device();
    raw_config::validate(&config.raw_config).map_err(|e| e.to_string())?;
    if config.parent_ids.contains(&config.id) {
        return Err(format!("field parent_ids: config {:?} cannot be its own parent", config.id));
    }
    Ok(config)
}

fn create(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    let mut doc = req.body_object("config")?;
    if doc.get("id").is_none_or(Value::is_null) {
        doc.insert("id".into(), Value::from(provd_core::Device::new_id()));
    }
    let config = parse_config(doc).map_err(|e| Resp::text(400, e))?;
    let id = config.id.clone();
    api.write(move |stage| {
        let (store, w) = stage.parts();
        let id = &config.id;
        // A config provd made at bootstrap and nobody wrote since is
        // replaced (Wazo's wizard creates base, defaultconfigdevice and
        // autoprov itself); any other existing id is refused.
        if store.config_doc(w, id).map_err(internal)?.is_some() && !claim_bootstrap_config(store, w, id)? {
            return Err(Resp::text(400, format!("a config with id {id:?} already exists")));
        }
        check_no_cycle(store, w, &config).map_err(|e| e.into_resp(400))?;
        store.put_config(w, &config).map_err(internal)?;
        // Devices may already point at this id (wazo-confd creates the
        // device first at times). A new user's config, that nothing uses
        // yet, costs its write: no generation, no compile.
        if used(store, w, id)? {
            stage.changed();
            stage.publish_later(Scope::Config(config.id.clone())).map_err(compile_failure)?;
        }
        Ok(())
    })?;
    Ok(Resp::created(&id, format!("/0.2/cfg_mgr/configs/{}", url_segment(&id))))
}

fn update(api: &Api, req: &Req<'_>, id: &str) -> Result<Resp, Resp> {
    let mut doc = req.body_object("config")?;
    // An unknown config is 404 whatever the document, as in wazo-provd.
    let r = api.store().read_txn().map_err(internal)?;
    if api.store().config_doc(&r, id).map_err(internal)?.is_none() {
        return Err(no_config(id));
    }
    drop(r);
    doc.insert("id".into(), Value::from(id));
    // wazo-provd answers 500 for a document it cannot store.
    let mut config = parse_config(doc).map_err(|e| Resp::text(500, e))?;
    api.write(move |stage| {
        let (store, w) = stage.parts();
        let id = config.id.clone();
        let id = id.as_str();
        let old = store.config(w, id).map_err(internal)?.ok_or_else(|| no_config(id))?;
        // Written by the administrator: a later POST does not replace it.
        claim_bootstrap_config(store, w, id)?;
        // A config that is not deletable (base, defaultconfigdevice,
        // autoprov) stays so: a PUT that omits the field keeps it (wazo-confd
        // sends whole documents, with or without it); one asking for
        // deletable: true is refused.
        if !old.is_deletable() {
            if config.deletable == Some(true) {
                return Err(Resp::text(400, format!("field deletable: config {id:?} is not deletable, and stays so")));
            }
            config.deletable = Some(false);
        }
        if old != config {
            check_no_cycle(store, w, &config).map_err(|e| e.into_resp(500))?;
            store.put_config(w, &config).map_err(internal)?;
        }
        // Compiled even when the document is unchanged: an earlier write
        // may have been stored by a version that committed before
        // compiling (and was killed), and a client repeats a PUT to get it
        // done. The compile renders only the devices whose inputs differ
        // from what they are served (render records), so an unchanged
        // config with nothing pending costs a hash per device. A config no
        // device uses, directly or through its descendants, has nothing to
        // compile.
        if used(store, w, id)? {
            stage.changed();
            stage.publish_later(Scope::Config(id.to_owned())).map_err(compile_failure)?;
        }
        Ok(())
    })?;
    Ok(Resp::empty(204))
}

/// Whether `id` is a config provd created at bootstrap that nobody wrote
/// since; if so it is no longer one (the caller writes it now).
fn claim_bootstrap_config(store: &Store, w: &mut provd_store::WriteTxn<'_>, id: &str) -> Result<bool, Resp> {
    use provd_store::data::BOOTSTRAP_CONFIGS;
    let mut params = store.params(w).map_err(internal)?;
    let Some(Value::Array(ids)) = params.get_mut(BOOTSTRAP_CONFIGS) else { return Ok(false) };
    let before = ids.len();
    ids.retain(|v| v.as_str() != Some(id));
    if ids.len() == before {
        return Ok(false);
    }
    store.set_params(w, &params).map_err(internal)?;
    Ok(true)
}

/// Why [`check_no_cycle`] refused a config, or could not tell.
#[derive(Debug, thiserror::Error)]
enum CycleError {
    /// The config (this id) would inherit from itself: the document is invalid.
    #[error("field parent_ids: config {0:?} would inherit from itself")]
    Cycle(String),
    /// A parent could not be read: the server's fault.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CycleError {
    /// A cycle is answered with `status` (400 on creation, 500 on update,
    /// as wazo-provd answers an invalid document), a store failure with
    /// 500 `Internal error: ...`.
    fn into_resp(self, status: u16) -> Resp {
        match self {
            CycleError::Cycle(_) => Resp::text(status, self.to_string()),
            CycleError::Store(e) => internal(e),
        }
    }
}

/// A config may not inherit from itself through its parents: the
/// flattening would never end, and every device below it would fail.
fn check_no_cycle(store: &Store, txn: &provd_store::ReadTxn<'_>, config: &Config) -> Result<(), CycleError> {
    let mut todo: Vec<String> = config.parent_ids.clone();
    let mut seen = HashSet::new();
    while let Some(id) = todo.pop() {
        if id == config.id {
            return Err(CycleError::Cycle(config.id.clone()));
        }
        if seen.insert(id.clone())
            && let Some(c) = store.config(txn, &id)?
        {
            todo.extend(c.parent_ids);
        }
    }
    Ok(())
}

/// Whether a device uses config `id` or one of its descendants: whether
/// a write of it changes what is served (see [`compile::config_scope`]).
fn used(store: &Store, txn: &provd_store::ReadTxn<'_>, id: &str) -> Result<bool, Resp> {
    Ok(!compile::config_scope(store, txn, id).map_err(internal)?.0.is_empty())
}

fn delete(api: &Api, id: &str) -> Result<Resp, Resp> {
    let id = id.to_owned();
    api.write(move |stage| {
        let (store, w) = stage.parts();
        let config = store.config(w, &id).map_err(internal)?.ok_or_else(|| no_config(&id))?;
        if !config.is_deletable() {
            return Err(Resp::text(403, format!("config {id:?} is not deletable")));
        }
        let (affected, _) = compile::config_scope(store, w, &id).map_err(internal)?;
        store.delete_config(w, &id).map_err(internal)?;
        // Devices on it lose their files; devices on descendants re-render
        // without it (the dangling parent is skipped, as in wazo-provd).
        if !affected.is_empty() {
            stage.changed();
            stage.publish_later(Scope::Devices(affected)).map_err(compile_failure)?;
        }
        Ok(())
    })?;
    Ok(Resp::empty(204))
}

fn raw(api: &Api, id: &str) -> Result<Value, Resp> {
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    let base = store.base_raw_config(&r).map_err(internal)?.unwrap_or_default();
    let mut chain = Vec::new();
    let mut todo = vec![id.to_owned()];
    let mut seen = HashSet::new();
    while let Some(c) = todo.pop() {
        if seen.insert(c.clone())
            && let Some(config) = store.config(&r, &c).map_err(internal)?
        {
            todo.extend(config.parent_ids.iter().cloned());
            chain.push(config);
        }
    }
    let tree = ConfigTree::new(base, chain);
    match tree.flatten(id) {
        Ok(Some(flat)) => Ok(json!({"raw_config": flat})),
        Ok(None) => Err(no_config(id)),
        Err(e) => Err(Resp::text(500, e.to_string())),
    }
}

fn autocreate(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    req.json_body()?;
    let id = api.write(|stage| {
        let (store, w) = stage.parts();
        let config = store
            .autocreate_config(w)
            .map_err(internal)?
            .ok_or_else(|| Resp::text(400, "no config has role \"autocreate\" with a SIP line 1"))?;
        store.put_config(w, &config).map_err(internal)?;
        stage.changed();
        Ok(config.id)
    })?;
    Ok(Resp::created(&id, format!("/0.2/cfg_mgr/configs/{}", url_segment(&id))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_is_the_documents_fault_a_store_failure_the_servers() {
        let text = |r: Resp| (r.status, String::from_utf8(r.body).unwrap());
        let cycle = || CycleError::Cycle("c1".into());
        let why = "field parent_ids: config \"c1\" would inherit from itself";
        assert_eq!(text(cycle().into_resp(400)), (400, why.into()));
        assert_eq!(text(cycle().into_resp(500)), (500, why.into()));
        let failed =
            CycleError::Store(StoreError::Dir { path: "/srv/x".into(), source: std::io::Error::other("boom") });
        let (status, body) = text(failed.into_resp(400));
        assert_eq!(status, 500);
        assert_eq!(body, "Internal error: store: cannot create /srv/x: boom");
    }
}
