//! Config documents and the raw-config flattening wazo-provd users rely on.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Map;

/// A config document: a raw config plus the configs it inherits from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Config {
    /// The key, as devices name it in their `config`.
    #[serde(default)]
    pub id: String,
    /// The configs it inherits from, nearest first: flattened depth first
    /// in this order, each visited once ([`ConfigTree::flatten`]).
    pub parent_ids: Vec<String>,
    /// Its own values, which win over its parents' (see
    /// `docs/behaviour/data-model.md`).
    pub raw_config: Map,
    /// `autocreate` for the config new phones get a transient copy of.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Made for one auto-created device; deleted with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transient: Option<bool>,
    /// `false` for the well-known configs (`base`, `defaultconfigdevice`,
    /// `autoprov`), which cannot be deleted; absent means deletable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deletable: Option<bool>,
    /// Every other key of the document (`X_*` by convention), kept as it is.
    #[serde(flatten)]
    pub extra: Map,
}

impl Config {
    /// Whether it was made for one auto-created device.
    pub fn is_transient(&self) -> bool {
        self.transient == Some(true)
    }

    /// Whether it may be deleted (absent `deletable` means yes).
    pub fn is_deletable(&self) -> bool {
        self.deletable != Some(false)
    }

    /// wazo-provd strips `None` values recursively from configs whose
    /// `X_type` is `device` before storing them (templates test keys with `in`).
    pub fn strip_none_if_device(&mut self) {
        if self.extra.get("X_type").and_then(Value::as_str) == Some("device") {
            strip_none(&mut self.raw_config);
            self.extra.retain(|_, v| !v.is_null());
            for v in self.extra.values_mut() {
                strip_none_value(v);
            }
        }
    }
}

fn strip_none(map: &mut Map) {
    map.retain(|_, v| !v.is_null());
    for v in map.values_mut() {
        strip_none_value(v);
    }
}

fn strip_none_value(v: &mut Value) {
    match v {
        Value::Object(m) => strip_none(m),
        // Lists keep their None items, as in wazo-provd.
        Value::Array(items) => items.iter_mut().for_each(strip_none_value),
        _ => {}
    }
}

/// Overlays `overlay` on `base`: dicts merge key by key, everything else
/// (scalars, lists, null) replaces.
pub fn merge_into(base: &mut Map, overlay: &Map) {
    for (k, v) in overlay {
        match v {
            Value::Object(o) => match base.get_mut(k) {
                Some(Value::Object(b)) => merge_into(b, o),
                _ => {
                    let mut fresh = Map::new();
                    merge_into(&mut fresh, o);
                    base.insert(k.clone(), Value::Object(fresh));
                }
            },
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// [`merge_into`] consuming the overlay: values move instead of being copied.
pub fn merge_owned(base: &mut Map, overlay: Map) {
    for (k, v) in overlay {
        match (base.get_mut(&k), v) {
            (Some(Value::Object(b)), Value::Object(o)) => merge_owned(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Why a config cannot be flattened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlattenError {
    /// Its ancestry loops: the ids along the loop.
    #[error("config cycle in parent_ids: {}", .0.join(" -> "))]
    Cycle(Vec<String>),
    /// A stored document (its id, then why) does not decode.
    #[error("config {0}: corrupt document: {1}")]
    Corrupt(String, String),
}

/// A flattened ancestry and its digest.
type Ancestry = (Arc<Map>, [u8; 32]);

/// A memoised ancestry and the ids of every config its walk met.
type Walked = (Ancestry, Vec<String>);

/// A config with its ancestry flattened, see [`ConfigTree::resolve`].
pub struct Resolved<'t> {
    id: &'t str,
    ancestry: Arc<Map>,
    digest: [u8; 32],
    own: Own<'t>,
}

enum Own<'t> {
    Decoded(&'t Map),
    /// The stored document, and its bytes from the raw config's JSON on
    /// (what follows that value is not read).
    Raw {
        doc: &'t [u8],
        raw_config: &'t [u8],
    },
}

impl Resolved<'_> {
    /// See [`ConfigTree::fingerprint`].
    pub fn fingerprint(&self) -> [u8; 32] {
        let mut h = blake3::Hasher::new();
        h.update(&self.digest);
        match self.own {
            Own::Decoded(raw) => h.update(&serde_json::to_vec(raw).expect("JSON values serialize")),
            // The whole document: more than the raw config, never less.
            Own::Raw { doc, .. } => h.update(doc),
        };
        *h.finalize().as_bytes()
    }

    /// The flattened raw config: the ancestry, then the config's own.
    pub fn flatten(self) -> Result<Map, FlattenError> {
        let mut out = Map::clone(&self.ancestry);
        match self.own {
            Own::Decoded(raw) => merge_into(&mut out, raw),
            Own::Raw { raw_config, .. } => {
                use serde::de::DeserializeSeed;
                let mut de = serde_json::Deserializer::from_slice(raw_config);
                MergeInto(&mut out)
                    .deserialize(&mut de)
                    .map_err(|e| FlattenError::Corrupt(self.id.into(), e.to_string()))?;
            }
        }
        Ok(out)
    }
}

/// The parts of a stored config document flattening needs; the raw config
/// stays unparsed until it can be merged in place.
#[derive(Deserialize)]
struct RawDoc<'a> {
    parent_ids: Vec<String>,
    #[serde(borrow)]
    raw_config: &'a serde_json::value::RawValue,
}

/// A stored config document's `parent_ids`, and the offset of its
/// `raw_config` value, found without reading that value (serde, to find
/// where a `RawValue` ends, scans it all, and flattening then parses it).
/// `None` for anything but the layout serde_json gives a [`Config`]
/// (`parent_ids`, of plain strings, before `raw_config`): serde reads such
/// a document, and stays the reference. Like serde reading a map, what
/// follows the value is not read.
fn scan_doc(doc: &[u8]) -> Option<(Vec<String>, usize)> {
    let mut s = crate::json_scan::Scanner::new(doc);
    s.eat(b'{')?;
    let mut parent_ids = None;
    loop {
        s.eat(b'"')?;
        let (key, escaped) = s.string()?;
        if escaped {
            return None;
        }
        s.eat(b':')?;
        match key {
            b"parent_ids" if parent_ids.is_some() => return None,
            b"parent_ids" => {
                let mut ids = Vec::new();
                s.eat(b'[')?;
                if s.eat(b']').is_none() {
                    loop {
                        s.eat(b'"')?;
                        ids.push(s.plain_str()?.to_owned());
                        match s.peek()? {
                            b',' => s.i += 1,
                            b']' => {
                                s.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                parent_ids = Some(ids);
            }
            b"raw_config" => {
                s.ws();
                return Some((parent_ids?, s.i));
            }
            _ => s.skip(0)?,
        }
        s.eat(b',')?;
    }
}

/// Deserializes a JSON object into an existing map with flattening's
/// semantics: objects merge key by key, anything else replaces.
struct MergeInto<'m>(&'m mut Map);

impl<'de> serde::de::DeserializeSeed<'de> for MergeInto<'_> {
    type Value = ();
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for MergeInto<'_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a raw_config object")
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> Result<(), A::Error> {
        while let Some(key) = m.next_key::<String>()? {
            match self.0.get_mut(&key) {
                Some(Value::Object(existing)) => m.next_value_seed(MergeValue(existing))?.map(|v| {
                    self.0.insert(key, v);
                }),
                _ => {
                    let v: Value = m.next_value()?;
                    // An object over a non-object is a fresh object, as in merge_into.
                    self.0.insert(key, v);
                    None
                }
            };
        }
        Ok(())
    }
}

/// A value landing on an existing object: merged when it is an object too,
/// returned (to replace it) otherwise.
struct MergeValue<'m>(&'m mut Map);

impl<'de> serde::de::DeserializeSeed<'de> for MergeValue<'_> {
    type Value = Option<Value>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<Value>, D::Error> {
        d.deserialize_any(self)
    }
}

macro_rules! replace_with {
    ($($name:ident: $t:ty),*) => {$(
        fn $name<E: serde::de::Error>(self, v: $t) -> Result<Option<Value>, E> {
            Ok(Some(Value::from(v)))
        }
    )*};
}

impl<'de> serde::de::Visitor<'de> for MergeValue<'_> {
    type Value = Option<Value>;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    replace_with!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str, visit_string: String);
    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<Value>, E> {
        Ok(Some(Value::Null))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Option<Value>, E> {
        Ok(Some(Value::Null))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Option<Value>, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = s.next_element()? {
            items.push(v);
        }
        Ok(Some(Value::Array(items)))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<Option<Value>, A::Error> {
        MergeInto(self.0).visit_map(m)?;
        Ok(None)
    }
}

/// A config as the tree holds it: decoded, or the stored JSON, decoded on
/// first use. Compiles hand the tree raw documents so decoding happens on
/// the rendering threads, not before them.
enum Entry {
    Decoded(Box<Config>),
    Raw { bytes: Vec<u8>, decoded: OnceLock<Result<Box<Config>, String>> },
}

/// The configs by id: a vector sorted by id, searched by bisection. A hash
/// map spreads a hundred thousand configs over memory at random, and on
/// this kind of (virtual) machine every cold lookup then costs about a
/// microsecond of cache and TLB misses; in id order, devices rendered in
/// id order mostly find their config next to the previous one.
struct Entries(Vec<(String, Entry)>);

impl Entries {
    fn new(mut v: Vec<(String, Entry)>) -> Entries {
        // Stored documents come in key order already.
        if !v.is_sorted_by(|a, b| a.0 < b.0) {
            v.sort_by(|a, b| a.0.cmp(&b.0));
            // Last one wins, as collecting into a map did.
            v.reverse();
            v.dedup_by(|a, b| a.0 == b.0);
            v.reverse();
        }
        Entries(v)
    }

    fn get(&self, id: &str) -> Option<&Entry> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(id)).ok().map(|i| &self.0[i].1)
    }

    fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }
}

fn decode_config(bytes: &[u8]) -> Result<Box<Config>, String> {
    serde_json::from_slice(bytes).map_err(|e| e.to_string())
}

/// Every config, indexed by id, with the flattened raw config of each
/// distinct parent list memoised: thousands of devices share
/// `[base, defaultconfigdevice]`, so their ancestry is merged once.
pub struct ConfigTree {
    entries: Entries,
    base_raw_config: Map,
    /// The flattened ancestry, a digest of it, and the ids its walk met.
    by_parents: Mutex<HashMap<Vec<String>, Walked>>,
}

impl ConfigTree {
    /// A tree over decoded `configs`, below `base_raw_config`.
    pub fn new(base_raw_config: Map, configs: impl IntoIterator<Item = Config>) -> Self {
        ConfigTree {
            entries: Entries::new(configs.into_iter().map(|c| (c.id.clone(), Entry::Decoded(Box::new(c)))).collect()),
            base_raw_config,
            by_parents: Mutex::new(HashMap::new()),
        }
    }

    /// A tree over stored JSON documents `(id, bytes)`, decoded when needed.
    pub fn from_documents(base_raw_config: Map, docs: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        ConfigTree {
            entries: Entries::new(
                docs.into_iter().map(|(id, bytes)| (id, Entry::Raw { bytes, decoded: OnceLock::new() })).collect(),
            ),
            base_raw_config,
            by_parents: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, id: &str) -> Option<Result<&Config, FlattenError>> {
        Some(match self.entries.get(id)? {
            Entry::Decoded(c) => Ok(c),
            Entry::Raw { bytes, decoded } => decoded
                .get_or_init(|| decode_config(bytes))
                .as_deref()
                .map_err(|e| FlattenError::Corrupt(id.into(), e.clone())),
        })
    }

    /// The config `id`; `None` if unknown or undecodable.
    pub fn get(&self, id: &str) -> Option<&Config> {
        self.entry(id)?.ok()
    }

    /// Whether a config `id` is in the tree (decodable or not).
    pub fn contains(&self, id: &str) -> bool {
        self.entries.get(id).is_some()
    }

    /// Every config's id, in no particular order.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// The raw config below every config (the store's base raw config).
    pub fn base_raw_config(&self) -> &Map {
        &self.base_raw_config
    }

    /// The flattened raw config of `id`: `base_raw_config` < parents, depth
    /// first in `parent_ids` order, each config visited once < own raw config.
    /// `Ok(None)` when `id` is unknown; unknown parents are skipped (deleting
    /// a config leaves its children's references dangling, as in wazo-provd).
    pub fn flatten(&self, id: &str) -> Result<Option<Map>, FlattenError> {
        self.resolve(id)?.map(Resolved::flatten).transpose()
    }

    /// A digest of everything the flattened raw config of `id` is made of
    /// (the flattened ancestry, the config's own document): equal digests,
    /// equal flattened configs. `Ok(None)` when `id` is unknown.
    pub fn fingerprint(&self, id: &str) -> Result<Option<[u8; 32]>, FlattenError> {
        Ok(self.resolve(id)?.map(|r| r.fingerprint()))
    }

    /// Config `id` looked up and its ancestry flattened: what
    /// [`flatten`](Self::flatten) and [`fingerprint`](Self::fingerprint)
    /// share, for callers that want the one and maybe the other.
    pub fn resolve<'t>(&'t self, id: &'t str) -> Result<Option<Resolved<'t>>, FlattenError> {
        match self.entries.get(id) {
            None => Ok(None),
            Some(Entry::Decoded(config)) => {
                let (ancestry, digest) = self.ancestry_and_digest(config)?;
                Ok(Some(Resolved { id, ancestry, digest, own: Own::Decoded(&config.raw_config) }))
            }
            // Usually read by this device only: its raw config is parsed
            // straight into a copy of the ancestry, never built on its own.
            Some(Entry::Raw { bytes, .. }) => {
                let corrupt = |e: serde_json::Error| FlattenError::Corrupt(id.into(), e.to_string());
                let (parent_ids, raw_config) = match scan_doc(bytes) {
                    Some((parent_ids, at)) => (parent_ids, &bytes[at..]),
                    None => {
                        let doc: RawDoc<'_> = serde_json::from_slice(bytes).map_err(corrupt)?;
                        (doc.parent_ids, doc.raw_config.get().as_bytes())
                    }
                };
                let shape = Config { id: id.to_owned(), parent_ids, ..Default::default() };
                let (ancestry, digest) = self.ancestry_and_digest(&shape)?;
                Ok(Some(Resolved { id, ancestry, digest, own: Own::Raw { doc: bytes, raw_config } }))
            }
        }
    }

    /// The flattened raw config of everything `config` inherits, without
    /// its own raw config. Memoised by parent list: the depth-first walk
    /// depends only on it (a walk that reaches `config` again is a cycle).
    fn ancestry_and_digest(&self, config: &Config) -> Result<Ancestry, FlattenError> {
        if let Some((hit, met)) = self.by_parents.lock().unwrap().get(&config.parent_ids) {
            // The walk from these parents met every config they reach: this
            // config is its own ancestor (a cycle, reported by walking
            // again) if and only if the walk met it.
            if !met.contains(&config.id) {
                return Ok(hit.clone());
            }
        }
        let mut out = self.base_raw_config.clone();
        let mut visited = HashSet::from([config.id.as_str()]);
        let mut stack = vec![config.id.as_str()];
        for parent in &config.parent_ids {
            self.walk(parent, &mut visited, &mut stack, Some(&mut out))?;
        }
        let digest = *blake3::hash(&serde_json::to_vec(&out).expect("JSON values serialize")).as_bytes();
        let out = (Arc::new(out), digest);
        // Every id reached from the parents (the walk met no cycle, so not
        // this config's own, which seeded `visited`).
        let met = visited.into_iter().filter(|id| *id != config.id).map(str::to_owned).collect();
        self.by_parents.lock().unwrap().insert(config.parent_ids.clone(), (out.clone(), met));
        Ok(out)
    }

    fn walk<'a>(
        &'a self,
        id: &'a str,
        visited: &mut HashSet<&'a str>,
        stack: &mut Vec<&'a str>,
        mut out: Option<&mut Map>,
    ) -> Result<(), FlattenError> {
        if stack.contains(&id) {
            let start = stack.iter().position(|s| *s == id).unwrap();
            let mut cycle: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
            cycle.push(id.to_string());
            return Err(FlattenError::Cycle(cycle));
        }
        if !visited.insert(id) {
            return Ok(());
        }
        let Some(config) = self.entry(id).transpose()? else {
            return Ok(());
        };
        stack.push(id);
        for parent in &config.parent_ids {
            self.walk(parent, visited, stack, out.as_deref_mut())?;
        }
        stack.pop();
        if let Some(out) = out {
            merge_into(out, &config.raw_config);
        }
        Ok(())
    }

    /// Checks that `id` can be flattened (no inheritance cycle, every
    /// ancestor readable) without building the result.
    pub fn check(&self, id: &str) -> Result<(), FlattenError> {
        let mut visited = HashSet::new();
        self.walk(id, &mut visited, &mut Vec::new(), None)
    }

    /// Every config that inherits from `id`, directly or not.
    pub fn descendants(&self, id: &str) -> HashSet<String> {
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        for cid in self.entries.keys() {
            if let Some(c) = self.get(cid) {
                for p in &c.parent_ids {
                    children.entry(p.as_str()).or_default().push(cid.as_str());
                }
            }
        }
        let mut out = HashSet::new();
        let mut todo = vec![id];
        while let Some(cur) = todo.pop() {
            for &child in children.get(cur).into_iter().flatten() {
                if out.insert(child.to_string()) {
                    todo.push(child);
                }
            }
        }
        out
    }
}

/// The defaults wazo-provd sets on a flattened raw config just before a
/// plugin renders it (`_set_defaults_raw_config`).
pub fn apply_defaults(raw: &mut Map) {
    if raw.get("syslog_enabled").is_some_and(truthy) {
        raw.entry("syslog_port").or_insert(Value::from(514));
        raw.entry("syslog_level").or_insert(Value::from("warning"));
    }
    if let Some(proxy) = raw.get("sip_proxy_ip").cloned() {
        raw.entry("sip_registrar_ip").or_insert(proxy);
    }
    raw.entry("sip_srtp_mode").or_insert(Value::from("disabled"));
    raw.entry("sip_transport").or_insert(Value::from("udp"));
    match raw.get_mut("sip_lines") {
        Some(Value::Object(lines)) => {
            for line in lines.values_mut() {
                if let Value::Object(line) = line {
                    if let Some(proxy) = line.get("proxy_ip").cloned() {
                        line.entry("registrar_ip").or_insert(proxy);
                    }
                    if let Some(user) = line.get("username").cloned() {
                        line.entry("auth_username").or_insert(user);
                    }
                }
            }
        }
        Some(Value::Null) | None => {
            raw.insert("sip_lines".into(), Value::Object(Map::new()));
        }
        Some(_) => {}
    }
    raw.entry("sccp_call_managers").or_insert(Value::Object(Map::new()));
    raw.entry("funckeys").or_insert(Value::Object(Map::new()));
}

/// Python truthiness of a JSON value.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cfg(id: &str, parents: &[&str], raw: Value) -> Config {
        Config {
            id: id.into(),
            parent_ids: parents.iter().map(|s| s.to_string()).collect(),
            raw_config: raw.as_object().unwrap().clone(),
            ..Default::default()
        }
    }

    fn map(v: Value) -> Map {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn precedence_base_then_parents_in_order_then_own() {
        let tree = ConfigTree::new(
            map(json!({"a": "base_raw", "b": "base_raw", "c": "base_raw", "d": "base_raw"})),
            [
                cfg("base", &[], json!({"b": "base", "c": "base", "d": "base"})),
                cfg("defaultconfigdevice", &[], json!({"c": "dcd", "d": "dcd"})),
                cfg("dev", &["base", "defaultconfigdevice"], json!({"d": "dev"})),
            ],
        );
        let flat = tree.flatten("dev").unwrap().unwrap();
        assert_eq!(Value::Object(flat), json!({"a": "base_raw", "b": "base", "c": "dcd", "d": "dev"}));
        assert_eq!(tree.flatten("nope").unwrap(), None);
    }

    #[test]
    fn dicts_merge_lists_and_nulls_replace() {
        let tree = ConfigTree::new(
            Map::new(),
            [
                cfg("p", &[], json!({"sip_lines": {"1": {"username": "u", "password": "p"}}, "l": [1, 2, 3], "n": 5})),
                cfg(
                    "c",
                    &["p"],
                    json!({"sip_lines": {"1": {"password": "q"}, "2": {"username": "v"}}, "l": [9], "n": null}),
                ),
            ],
        );
        let flat = tree.flatten("c").unwrap().unwrap();
        assert_eq!(
            Value::Object(flat),
            json!({"sip_lines": {"1": {"username": "u", "password": "q"}, "2": {"username": "v"}}, "l": [9], "n": null})
        );
    }

    #[test]
    fn stored_documents_flatten_like_decoded_configs() {
        let configs = vec![
            cfg("top", &[], json!({"x": "top", "y": {"a": 1, "b": {"c": 2}}, "l": [1]})),
            cfg("l", &["top"], json!({"x": "l", "y": {"b": {"d": 3}}})),
            cfg("r", &["top"], json!({"z": "r", "y": 7})),
            cfg(
                "c",
                &["l", "r", "missing"],
                json!({"y": {"e": null, "b": {"c": [1, {"k": "v"}]}}, "l": {"o": 1}, "n": 1.5, "t": true, "s": "é\"q"}),
            ),
        ];
        let base = map(json!({"base": 1, "y": {"base": true}}));
        let decoded = ConfigTree::new(base.clone(), configs.clone());
        let docs = configs.iter().map(|c| (c.id.clone(), serde_json::to_vec(c).unwrap()));
        let stored = ConfigTree::from_documents(base, docs);
        for id in ["top", "l", "r", "c"] {
            let a = decoded.flatten(id).unwrap().unwrap();
            let b = stored.flatten(id).unwrap().unwrap();
            assert_eq!(Value::Object(a.clone()), Value::Object(b.clone()), "{id}");
            assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{id}: key order");
        }
        let broken = ConfigTree::from_documents(Map::new(), [("x".to_string(), b"{not json".to_vec())]);
        assert!(matches!(broken.flatten("x"), Err(FlattenError::Corrupt(id, _)) if id == "x"));
    }

    #[test]
    fn documents_in_other_layouts_are_read_by_serde() {
        let docs = [
            ("p", r#"{"id":"p","parent_ids":[],"raw_config":{"x":"p","y":{"a":1}}}"#),
            // raw_config first; an escaped parent id: left to serde.
            ("q", r#"{ "raw_config" : {"y": {"b": 2}}, "parent_ids" : ["p"] }"#),
            ("r", r#"{"parent_ids":["\u0070"],"raw_config":{"z":3}}"#),
            // Spaces everywhere, a key after raw_config: scanned.
            ("s", r#"{ "parent_ids" : [ "p" , "q" ] , "raw_config" : {"z": 4} , "id": "s" }"#),
        ];
        assert_eq!(scan_doc(docs[0].1.as_bytes()), Some((vec![], 39)));
        assert_eq!(scan_doc(docs[1].1.as_bytes()), None);
        assert_eq!(scan_doc(docs[2].1.as_bytes()), None);
        assert_eq!(scan_doc(docs[3].1.as_bytes()).map(|(p, _)| p), Some(vec!["p".to_owned(), "q".to_owned()]));
        let tree = ConfigTree::from_documents(
            map(json!({"b": 1})),
            docs.iter().map(|(id, d)| (id.to_string(), d.as_bytes().to_vec())),
        );
        let flat = |id| Value::Object(tree.flatten(id).unwrap().unwrap());
        assert_eq!(flat("q"), json!({"b": 1, "x": "p", "y": {"a": 1, "b": 2}}));
        assert_eq!(flat("r"), json!({"b": 1, "x": "p", "y": {"a": 1}, "z": 3}));
        assert_eq!(flat("s"), json!({"b": 1, "x": "p", "y": {"a": 1, "b": 2}, "z": 4}));
    }

    #[test]
    fn diamond_visits_shared_ancestor_once() {
        // c -> [l, r]; l -> [top]; r -> [top]. top applies once, before l;
        // r does not re-apply top over l's values.
        let tree = ConfigTree::new(
            Map::new(),
            [
                cfg("top", &[], json!({"x": "top", "y": "top"})),
                cfg("l", &["top"], json!({"x": "l"})),
                cfg("r", &["top"], json!({"z": "r"})),
                cfg("c", &["l", "r"], json!({})),
            ],
        );
        let flat = tree.flatten("c").unwrap().unwrap();
        assert_eq!(Value::Object(flat), json!({"x": "l", "y": "top", "z": "r"}));
    }

    #[test]
    fn memoised_ancestry_matches_fresh_walk() {
        let configs = [
            cfg("base", &[], json!({"a": 1})),
            cfg("d1", &["base"], json!({"b": 1})),
            cfg("d2", &["base"], json!({"b": 2})),
        ];
        let tree = ConfigTree::new(Map::new(), configs);
        assert_eq!(tree.flatten("d1").unwrap().unwrap()["b"], 1);
        assert_eq!(tree.flatten("d2").unwrap().unwrap()["b"], 2);
        assert_eq!(tree.flatten("d2").unwrap().unwrap()["a"], 1);
    }

    #[test]
    fn cycles_are_errors_naming_the_path() {
        let tree = ConfigTree::new(
            Map::new(),
            [
                cfg("a", &["b"], json!({})),
                cfg("b", &["c"], json!({})),
                cfg("c", &["a"], json!({})),
                cfg("self", &["self"], json!({})),
                cfg("x", &["a"], json!({})),
            ],
        );
        assert_eq!(tree.flatten("a").unwrap_err().to_string(), "config cycle in parent_ids: a -> b -> c -> a");
        assert_eq!(tree.flatten("self").unwrap_err().to_string(), "config cycle in parent_ids: self -> self");
        assert_eq!(tree.flatten("x").unwrap_err().to_string(), "config cycle in parent_ids: a -> b -> c -> a");
        assert_eq!(tree.check("x").unwrap_err(), tree.flatten("x").unwrap_err());
        assert_eq!(tree.check("self").unwrap_err().to_string(), "config cycle in parent_ids: self -> self");
    }

    #[test]
    fn cached_parent_list_still_detects_self_reference() {
        let tree = ConfigTree::new(
            Map::new(),
            [cfg("p", &[], json!({})), cfg("ok", &["p"], json!({})), cfg("q", &["p"], json!({}))],
        );
        tree.flatten("ok").unwrap();
        assert!(tree.flatten("q").is_ok());
    }

    #[test]
    fn descendants_follow_every_path() {
        let tree = ConfigTree::new(
            Map::new(),
            [
                cfg("base", &[], json!({})),
                cfg("t", &["base"], json!({})),
                cfg("d1", &["base", "t"], json!({})),
                cfg("d2", &["t"], json!({})),
                cfg("other", &[], json!({})),
            ],
        );
        let mut d: Vec<_> = tree.descendants("base").into_iter().collect();
        d.sort();
        assert_eq!(d, ["d1", "d2", "t"]);
    }

    #[test]
    fn defaults_as_wazo_sets_them() {
        let mut raw = map(json!({
            "syslog_enabled": true,
            "sip_proxy_ip": "10.0.0.1",
            "sip_lines": {"1": {"proxy_ip": "10.0.0.2", "username": "u"}, "2": {"number": "2"}}
        }));
        apply_defaults(&mut raw);
        assert_eq!(
            Value::Object(raw),
            json!({
                "syslog_enabled": true,
                "sip_proxy_ip": "10.0.0.1",
                "sip_lines": {"1": {"proxy_ip": "10.0.0.2", "username": "u", "registrar_ip": "10.0.0.2", "auth_username": "u"}, "2": {"number": "2"}},
                "syslog_port": 514,
                "syslog_level": "warning",
                "sip_registrar_ip": "10.0.0.1",
                "sip_srtp_mode": "disabled",
                "sip_transport": "udp",
                "sccp_call_managers": {},
                "funckeys": {}
            })
        );
        let mut empty = Map::new();
        apply_defaults(&mut empty);
        assert_eq!(empty["sip_lines"], json!({}));
        assert!(!empty.contains_key("syslog_port"));
    }

    #[test]
    fn device_configs_lose_nulls() {
        let mut c: Config = serde_json::from_value(json!({
            "id": "d", "parent_ids": [], "X_type": "device", "label": null,
            "raw_config": {"a": null, "b": {"c": null, "d": 1}, "l": [null, 1]}
        }))
        .unwrap();
        c.strip_none_if_device();
        assert_eq!(Value::Object(c.raw_config.clone()), json!({"b": {"d": 1}, "l": [null, 1]}));
        assert!(!c.extra.contains_key("label"));
        let e = serde_json::from_value::<Config>(json!({"id": "x", "raw_config": {}})).unwrap_err();
        assert!(e.to_string().contains("missing field `parent_ids`"), "{e}");
    }
}
