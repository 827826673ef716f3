//! The template context as a view over the raw config, not a copy of it.
//!
//! Converting a device's whole raw config into minijinja values costs as
//! much as rendering a small template; templates read a fraction of it. This
//! object hands minijinja each value when a template asks for it. Maps keep
//! their insertion order, so `.items()` and loops see what Jinja2 sees.
//!
//! The top-level keys a family names as markup ([`Family::markup_keys`],
//! blocks it built in the file's own syntax) reach templates as safe
//! strings, which the environment's formatter prints as they are; every
//! other string is escaped for the file when printed (see templates.rs).
//!
//! [`Family::markup_keys`]: provd_core::Family::markup_keys

use std::fmt;
use std::ptr::NonNull;
use std::sync::Arc;

use minijinja::Value;
use minijinja::value::{Enumerator, Object, ObjectExt, ObjectRepr};
use provd_core::Map;
use serde_json::Value as Json;

/// The context value for `raw`, no value marked safe.
pub fn context(raw: Map) -> Value {
    context_with_markup(raw, &[])
}

/// The context value for `raw`, whose top-level string values under
/// `markup` are safe strings (ready-made file syntax).
pub fn context_with_markup(raw: Map, markup: &'static [&'static str]) -> Value {
    let root = Arc::new(raw);
    let node = NonNull::from(&*root);
    Value::from_object(JsonMap { node, root, markup })
}

/// A map inside the shared, immutable root.
struct JsonMap {
    node: NonNull<Map>,
    root: Arc<Map>,
    /// Keys of this map whose string values are markup: the root's only.
    markup: &'static [&'static str],
}

/// A list inside the shared, immutable root.
struct JsonList {
    node: NonNull<Vec<Json>>,
    root: Arc<Map>,
}

// SAFETY: `node` points into `root`, which is immutable and kept alive by
// the Arc held alongside it; sharing it across threads is sharing `&Map`.
unsafe impl Send for JsonMap {}
unsafe impl Sync for JsonMap {}
unsafe impl Send for JsonList {}
unsafe impl Sync for JsonList {}

impl JsonMap {
    fn map(&self) -> &Map {
        // SAFETY: see the Send/Sync impls.
        unsafe { self.node.as_ref() }
    }
}

impl JsonList {
    fn list(&self) -> &[Json] {
        // SAFETY: see the Send/Sync impls.
        unsafe { self.node.as_ref() }
    }
}

fn convert(root: &Arc<Map>, v: &Json) -> Value {
    match v {
        Json::Null => Value::from(()),
        Json::Bool(b) => Value::from(*b),
        Json::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Json::String(s) => Value::from(s.as_str()),
        Json::Array(a) => Value::from_object(JsonList { node: NonNull::from(a), root: root.clone() }),
        Json::Object(m) => Value::from_object(JsonMap { node: NonNull::from(m), root: root.clone(), markup: &[] }),
    }
}

impl fmt::Debug for JsonMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.map().iter().map(|(k, v)| (k, convert(&self.root, v)))).finish()
    }
}

impl fmt::Debug for JsonList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.list().iter().map(|v| convert(&self.root, v))).finish()
    }
}

impl Object for JsonMap {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Map
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        self.get_value_by_str(key.as_str()?)
    }

    fn get_value_by_str(self: &Arc<Self>, key: &str) -> Option<Value> {
        let map = self.map();
        // Hashing a key costs more than comparing a dozen short ones.
        let found = if map.len() <= 12 { map.iter().find(|(k, _)| *k == key).map(|(_, v)| v) } else { map.get(key) };
        match found? {
            Json::String(s) if self.markup.contains(&key) => Some(Value::from_safe_string(s.clone())),
            v => Some(convert(&self.root, v)),
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.mapped_enumerator(|this| Box::new(this.map().keys().map(|k| Value::from(k.as_str()))))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.map().len())
    }
}

impl Object for JsonList {
    fn repr(self: &Arc<Self>) -> ObjectRepr {
        ObjectRepr::Seq
    }

    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        let i = key.as_i64()?;
        let list = self.list();
        let i = if i < 0 { list.len().checked_sub(i.unsigned_abs() as usize)? } else { i as usize };
        list.get(i).map(|v| convert(&self.root, v))
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        self.mapped_enumerator(|this| Box::new(this.list().iter().map(|v| convert(&this.root, v))))
    }

    fn enumerator_len(self: &Arc<Self>) -> Option<usize> {
        Some(self.list().len())
    }
}
