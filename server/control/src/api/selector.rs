//! wazo-provd's query language for `GET .../devices` and `.../configs`
//! (`persist/common.py`): a JSON selector, projection, sort, skip, limit.
//!
//! * `{"k": v}` matches when the value at `k` equals `v` or is a list
//!   containing `v`; a list or an object in the selector must match exactly.
//! * Dotted keys (`a.b`) descend into objects and through lists of objects.
//! * Operators: `$in`, `$nin`, `$contains`, `$gt`, `$ge`, `$lt`, `$le`,
//!   `$ne`, `$exists`; several in one object are ANDed, as are the keys.
//! * Sorting compares values as strings (missing or null is `""`), as
//!   wazo-provd does, so numbers sort lexically.

use std::cmp::Ordering;

use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid selector: {0}")]
pub(crate) struct SelectorError(pub(crate) String);

/// A parsed selector.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selector {
    terms: Vec<(String, Term)>,
}

#[derive(Debug, Clone)]
enum Term {
    Equals(Value),
    Ops(Vec<(Op, Value)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    In,
    Nin,
    Contains,
    Gt,
    Ge,
    Lt,
    Le,
    Ne,
    Exists,
}

impl Selector {
    pub(crate) fn parse(selector: &Value) -> Result<Selector, SelectorError> {
        let Some(obj) = selector.as_object() else {
            return Err(SelectorError(format!("expected a JSON object, got {selector}")));
        };
        let mut terms = Vec::new();
        for (key, v) in obj {
            let ops = v.as_object().filter(|o| !o.is_empty() && o.keys().all(|k| k.starts_with('$')));
            let term = match ops {
                Some(ops) => {
                    let mut list = Vec::new();
                    for (name, arg) in ops {
                        let op = match name.as_str() {
                            "$in" => Op::In,
                            "$nin" => Op::Nin,
                            "$contains" => Op::Contains,
                            "$gt" => Op::Gt,
                            "$ge" => Op::Ge,
                            "$lt" => Op::Lt,
                            "$le" => Op::Le,
                            "$ne" => Op::Ne,
                            "$exists" => Op::Exists,
                            other => return Err(SelectorError(format!("unknown operator {other:?} on {key:?}"))),
                        };
                        if matches!(op, Op::In | Op::Nin) && !arg.is_array() {
                            return Err(SelectorError(format!("{name} on {key:?} needs a list")));
                        }
                        list.push((op, arg.clone()));
                    }
                    Term::Ops(list)
                }
                None => Term::Equals(v.clone()),
            };
            terms.push((key.clone(), term));
        }
        Ok(Selector { terms })
    }

    /// The value an exact-match term asks for on `key`, if it has one (so
    /// the caller can use an index).
    pub(crate) fn equals(&self, key: &str) -> Option<&Value> {
        self.terms.iter().find_map(|(k, t)| match t {
            Term::Equals(v) if k == key => Some(v),
            _ => None,
        })
    }

    pub(crate) fn matches(&self, doc: &Value) -> bool {
        self.terms.iter().all(|(key, term)| {
            let values = lookup(doc, key);
            match term {
                Term::Equals(want) => values.iter().any(|v| equals(v, want)),
                Term::Ops(ops) => ops.iter().all(|(op, arg)| apply(*op, arg, &values)),
            }
        })
    }
}

/// Every value at dotted `key`, descending through lists of objects.
fn lookup<'a>(doc: &'a Value, key: &str) -> Vec<&'a Value> {
    let mut current = vec![doc];
    for part in key.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(o) => next.extend(o.get(part)),
                Value::Array(items) => next.extend(items.iter().filter_map(|i| i.as_object()?.get(part))),
                _ => {}
            }
        }
        current = next;
    }
    current
}

/// Selector equality: a scalar also matches a list containing it.
fn equals(value: &Value, want: &Value) -> bool {
    match (value, want) {
        (Value::Array(items), w) if !w.is_array() => items.contains(w),
        (v, w) => v == w,
    }
}

fn apply(op: Op, arg: &Value, values: &[&Value]) -> bool {
    match op {
        Op::Exists => values.is_empty() != crate::api::selector::truthy(arg),
        Op::In => values.iter().any(|v| arg.as_array().is_some_and(|list| list.iter().any(|a| equals(v, a)))),
        Op::Nin => !values.iter().any(|v| arg.as_array().is_some_and(|list| list.iter().any(|a| equals(v, a)))),
        Op::Contains => values.iter().any(|v| match v {
            Value::Array(items) => items.contains(arg),
            Value::String(s) => arg.as_str().is_some_and(|a| s.contains(a)),
            _ => false,
        }),
        Op::Ne => values.iter().all(|v| !equals(v, arg)),
        Op::Gt => values.iter().any(|v| compare(v, arg) == Some(Ordering::Greater)),
        Op::Ge => values.iter().any(|v| matches!(compare(v, arg), Some(Ordering::Greater | Ordering::Equal))),
        Op::Lt => values.iter().any(|v| compare(v, arg) == Some(Ordering::Less)),
        Op::Le => values.iter().any(|v| matches!(compare(v, arg), Some(Ordering::Less | Ordering::Equal))),
    }
}

fn truthy(v: &Value) -> bool {
    provd_core::config::truthy(v)
}

fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Keeps only `fields` (dotted paths) of `doc`, and always `id`.
fn project(doc: &Value, fields: &[&str]) -> Value {
    let mut out = Map::new();
    if let Some(id) = doc.get("id") {
        out.insert("id".into(), id.clone());
    }
    for f in fields {
        let mut src = doc;
        let parts: Vec<&str> = f.split('.').collect();
        let mut found = true;
        for p in &parts {
            match src.get(p) {
                Some(v) => src = v,
                None => {
                    found = false;
                    break;
                }
            }
        }
        if !found {
            continue;
        }
        let mut dst = &mut out;
        for p in &parts[..parts.len() - 1] {
            dst = dst.entry(p.to_string()).or_insert_with(|| Value::Object(Map::new())).as_object_mut().unwrap();
        }
        dst.insert(parts[parts.len() - 1].to_string(), src.clone());
    }
    Value::Object(out)
}

/// The string a value sorts by (wazo-provd converts with `str()`).
fn sort_key(doc: &Value, key: &str) -> String {
    match lookup(doc, key).first() {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(true)) => "True".into(),
        Some(Value::Bool(false)) => "False".into(),
        Some(other) => other.to_string(),
    }
}

/// Query parameters common to the collection endpoints.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pub(crate) selector: Selector,
    pub(crate) fields: Option<Vec<String>>,
    pub(crate) skip: usize,
    pub(crate) limit: usize,
    pub(crate) sort: Option<(String, bool)>,
}

impl Query {
    /// From the URL's query string: `q` (JSON) or `q64` (base64 JSON),
    /// `fields`, `skip`, `limit`, `sort`, `sort_ord` (`ASC`|`DESC`).
    #[cfg(test)]
    pub(crate) fn parse(query: &str) -> Result<Query, SelectorError> {
        let (q, mut ignored) = Query::parse_lenient(query);
        if ignored.is_empty() { Ok(q) } else { Err(ignored.remove(0)) }
    }

    /// [`parse`](Self::parse) as wazo-provd reads a query: a parameter
    /// that does not parse is left out (no selector, no skip...) and said
    /// in the returned list, not refused.
    pub(crate) fn parse_lenient(query: &str) -> (Query, Vec<SelectorError>) {
        let mut q = Query::default();
        let mut ignored = Vec::new();
        let mut sort = None;
        let mut descending = false;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = percent_decode(v);
            let parsed: Result<(), SelectorError> = (|| {
                match k {
                    "q" => q.selector = parse_json_selector(&v)?,
                    "q64" => {
                        use base64::Engine;
                        let bytes = base64::engine::general_purpose::STANDARD
                            .decode(v.trim())
                            .or_else(|_| base64::engine::general_purpose::URL_SAFE.decode(v.trim()))
                            .map_err(|e| SelectorError(format!("q64 is not base64: {e}")))?;
                        q.selector = parse_json_selector(&String::from_utf8_lossy(&bytes))?;
                    }
                    "fields" => {
                        q.fields = Some(v.split(',').map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect())
                    }
                    "skip" => q.skip = v.parse().map_err(|_| SelectorError(format!("skip={v:?} is not a number")))?,
                    "limit" => {
                        q.limit = v.parse().map_err(|_| SelectorError(format!("limit={v:?} is not a number")))?
                    }
                    "sort" => sort = Some(v.clone()),
                    "sort_ord" => match v.as_str() {
                        "ASC" => descending = false,
                        "DESC" => descending = true,
                        other => return Err(SelectorError(format!("sort_ord={other:?}: ASC or DESC"))),
                    },
                    _ => {}
                }
                Ok(())
            })();
            if let Err(e) = parsed {
                ignored.push(e);
            }
        }
        q.sort = sort.map(|s| (s, descending));
        (q, ignored)
    }

    /// Applies sort, skip, limit and projection to the matching documents.
    pub(crate) fn finish(&self, mut docs: Vec<Value>) -> Vec<Value> {
        if let Some((key, desc)) = &self.sort {
            docs.sort_by_cached_key(|d| sort_key(d, key));
            if *desc {
                docs.reverse();
            }
        }
        let docs = docs.into_iter().skip(self.skip);
        let docs: Vec<Value> = if self.limit > 0 { docs.take(self.limit).collect() } else { docs.collect() };
        match &self.fields {
            Some(fields) => {
                let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
                docs.iter().map(|d| project(d, &fields)).collect()
            }
            None => docs,
        }
    }
}

/// Logs the query parameters a listing left out, as wazo-provd warns.
pub(crate) fn log_ignored(req: &super::http::Req<'_>, ignored: &[SelectorError]) {
    for e in ignored {
        log::warn!("REST API: GET {}: ignored {e}", req.path);
    }
}

fn parse_json_selector(text: &str) -> Result<Selector, SelectorError> {
    let v: Value = serde_json::from_str(text).map_err(|e| SelectorError(format!("q is not JSON: {e}")))?;
    Selector::parse(&v)
}

/// `%XX` and `+` decoding of a query-string value.
pub(crate) fn percent_decode(s: &str) -> String {
    decode(s, true)
}

/// `%XX` decoding of a path segment (`+` is itself there).
pub(crate) fn percent_decode_path(s: &str) -> String {
    decode(s, false)
}

fn decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' if plus_is_space => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(v) => {
                        out.push(v);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sel(v: Value) -> Selector {
        Selector::parse(&v).unwrap()
    }

    #[test]
    fn equality_lists_and_dotted_keys() {
        let d = json!({"id": "a", "plugin": "p1", "tags": ["x", "y"], "options": {"switchboard": true},
                       "lines": [{"n": "1"}, {"n": "2"}]});
        assert!(sel(json!({"plugin": "p1"})).matches(&d));
        assert!(!sel(json!({"plugin": "p2"})).matches(&d));
        assert!(sel(json!({"tags": "x"})).matches(&d), "a list containing the value");
        assert!(sel(json!({"tags": ["x", "y"]})).matches(&d), "an exact list");
        assert!(!sel(json!({"tags": ["x"]})).matches(&d));
        assert!(sel(json!({"options.switchboard": true})).matches(&d));
        assert!(sel(json!({"lines.n": "2"})).matches(&d), "through a list of objects");
        assert!(sel(json!({"plugin": "p1", "id": "a"})).matches(&d));
        assert!(!sel(json!({"plugin": "p1", "id": "b"})).matches(&d));
    }

    #[test]
    fn operators() {
        let d = json!({"id": "a", "n": 5, "s": "abc", "l": [1, 2], "z": null});
        assert!(sel(json!({"n": {"$gt": 4, "$le": 5}})).matches(&d));
        assert!(!sel(json!({"n": {"$lt": 5}})).matches(&d));
        assert!(sel(json!({"id": {"$in": ["a", "b"]}})).matches(&d));
        assert!(sel(json!({"id": {"$nin": ["b"]}})).matches(&d));
        assert!(sel(json!({"l": {"$contains": 2}})).matches(&d));
        assert!(sel(json!({"s": {"$ne": "x"}})).matches(&d));
        assert!(sel(json!({"missing": {"$exists": false}})).matches(&d));
        assert!(sel(json!({"z": {"$exists": true}})).matches(&d));
        assert!(Selector::parse(&json!({"n": {"$regex": "x"}})).unwrap_err().0.contains("$regex"));
        assert!(Selector::parse(&json!([1])).is_err());
    }

    #[test]
    fn query_string_paging_sorting_projection() {
        let q =
            Query::parse("q=%7B%22plugin%22%3A%22p%22%7D&fields=id,mac&skip=1&limit=2&sort=mac&sort_ord=DESC").unwrap();
        let docs = vec![
            json!({"id": "1", "mac": "aa", "plugin": "p"}),
            json!({"id": "2", "mac": "cc", "plugin": "p"}),
            json!({"id": "3", "mac": "bb", "plugin": "p"}),
            json!({"id": "4", "plugin": "p"}),
        ];
        let matching: Vec<Value> = docs.into_iter().filter(|d| q.selector.matches(d)).collect();
        let out = q.finish(matching);
        assert_eq!(out, vec![json!({"id": "3", "mac": "bb"}), json!({"id": "1", "mac": "aa"})]);
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD.encode(r#"{"id":"x"}"#);
        assert!(Query::parse(&format!("q64={b64}")).unwrap().selector.matches(&json!({"id": "x"})));
        assert!(Query::parse("q=notjson").is_err());
        assert!(Query::parse("sort_ord=UP").is_err());
    }

    #[test]
    fn numbers_sort_as_strings_like_wazo() {
        let q = Query::parse("sort=n").unwrap();
        let out = q.finish(vec![json!({"n": 10}), json!({"n": 9}), json!({}), json!({"n": 100})]);
        let keys: Vec<String> = out.iter().map(|d| sort_key(d, "n")).collect();
        assert_eq!(keys, ["", "10", "100", "9"]);
    }
}
