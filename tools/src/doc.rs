//! Editing JSON documents from the command line: `--set a.b.c=value`,
//! `--unset a.b`, `--json FILE`.

use serde_json::{Map, Value};

/// Splits a dotted key into its parts; `\.` is a literal dot and `\\` a
/// backslash.
pub fn split_key(key: &str) -> Result<Vec<String>, String> {
    let mut parts = vec![String::new()];
    let mut chars = key.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('.' | '\\')) => parts.last_mut().unwrap().push(e),
                _ => return Err(format!("key {key:?}: '\\' must be followed by '.' or '\\'")),
            },
            '.' => parts.push(String::new()),
            c => parts.last_mut().unwrap().push(c),
        }
    }
    if parts.iter().any(String::is_empty) {
        return Err(format!("key {key:?} has an empty part"));
    }
    Ok(parts)
}

/// A value as typed: JSON when it parses as JSON (`42`, `true`, `null`,
/// `"quoted"`, `[1,2]`, `{"a":1}`), else the text itself.
pub fn parse_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned()))
}

/// One `--set key=value`.
pub fn parse_assignment(arg: &str) -> Result<(Vec<String>, Value), String> {
    let Some((key, value)) = arg.split_once('=') else {
        return Err(format!("--set {arg:?}: expected KEY=VALUE"));
    };
    Ok((split_key(key.trim())?, parse_value(value)))
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Sets `path` in `doc`, creating the objects on the way.
pub fn set_path(doc: &mut Map<String, Value>, path: &[String], value: Value) -> Result<(), String> {
    let (last, parents) = path.split_last().ok_or("empty key")?;
    let mut cur = doc;
    for (i, part) in parents.iter().enumerate() {
        let slot = cur.entry(part.clone()).or_insert_with(|| Value::Object(Map::new()));
        if slot.is_null() {
            *slot = Value::Object(Map::new());
        }
        cur = match slot {
            Value::Object(m) => m,
            other => {
                return Err(format!(
                    "cannot set {}: {} is {}, not an object",
                    path.join("."),
                    path[..=i].join("."),
                    kind(other)
                ));
            }
        };
    }
    cur.insert(last.clone(), value);
    Ok(())
}

/// Removes `path` from `doc`; returns whether it was there.
pub fn unset_path(doc: &mut Map<String, Value>, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else { return false };
    let mut cur = doc;
    for part in parents {
        match cur.get_mut(part) {
            Some(Value::Object(m)) => cur = m,
            _ => return false,
        }
    }
    cur.remove(last).is_some()
}

/// Applies `--unset` then `--set` arguments to a document.
pub fn apply_edits(doc: &mut Map<String, Value>, sets: &[String], unsets: &[String]) -> Result<(), String> {
    for key in unsets {
        let path = split_key(key)?;
        if !unset_path(doc, &path) {
            eprintln!("provd: warning: --unset {key}: no such key");
        }
    }
    for arg in sets {
        let (path, value) = parse_assignment(arg)?;
        set_path(doc, &path, value)?;
    }
    Ok(())
}

/// Reads a JSON object from a file (`-` is standard input). A document
/// wrapped as the API returns it (`{"device": {...}}` for `envelope`
/// `"device"`) is unwrapped.
pub fn read_object(path: &str, envelope: &str) -> Result<Map<String, Value>, String> {
    let text = if path == "-" {
        std::io::read_to_string(std::io::stdin()).map_err(|e| format!("standard input: {e}"))?
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?
    };
    let v: Value = serde_json::from_str(&text).map_err(|e| format!("{path}: invalid JSON: {e}"))?;
    match v {
        Value::Object(mut m) => {
            if m.len() == 1
                && matches!(m.get(envelope), Some(Value::Object(_)))
                && let Some(Value::Object(inner)) = m.remove(envelope)
            {
                return Ok(inner);
            }
            Ok(m)
        }
        other => Err(format!("{path}: expected a JSON object, found {}", kind(&other))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn keys() {
        assert_eq!(split_key("a").unwrap(), ["a"]);
        assert_eq!(split_key("raw_config.sip_lines.1.username").unwrap(), ["raw_config", "sip_lines", "1", "username"]);
        assert_eq!(split_key(r"X_key\.with\.dots.b").unwrap(), ["X_key.with.dots", "b"]);
        assert_eq!(split_key(r"a\\.b").unwrap(), [r"a\", "b"]);
        for bad in ["", ".", "a.", ".a", "a..b", r"a\b", "a\\"] {
            assert!(split_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(parse_value("42"), json!(42));
        assert_eq!(parse_value("-1.5"), json!(-1.5));
        assert_eq!(parse_value("true"), json!(true));
        assert_eq!(parse_value("null"), Value::Null);
        assert_eq!(parse_value(r#""42""#), json!("42"));
        assert_eq!(parse_value(r#"{"a": [1]}"#), json!({"a": [1]}));
        assert_eq!(parse_value("00:08:5d:2e:ec:fb"), json!("00:08:5d:2e:ec:fb"));
        assert_eq!(parse_value("hello world"), json!("hello world"));
        assert_eq!(parse_value(""), json!(""));
        assert_eq!(parse_value("True"), json!("True"));
        assert_eq!(parse_value(r#""unterminated"#), json!(r#""unterminated"#));
        assert_eq!(parse_assignment("a=b=c").unwrap(), (vec!["a".to_owned()], json!("b=c")));
        assert_eq!(parse_assignment(" a.b =1").unwrap(), (vec!["a".to_owned(), "b".to_owned()], json!(1)));
        assert!(parse_assignment("novalue").is_err());
        assert!(parse_assignment("=1").is_err());
    }

    #[test]
    fn nested_set_and_unset() {
        let mut d =
            obj(json!({"id": "c1", "raw_config": {"sip_lines": {"1": {"username": "a"}}}, "x": "s", "n": null}));
        apply_edits(
            &mut d,
            &[
                "raw_config.sip_lines.1.password=secret".into(),
                "raw_config.sip_lines.2.username=bob".into(),
                "raw_config.vlan_id=42".into(),
                "raw_config.locale=\"fr_FR\"".into(),
                "n.m=1".into(),
            ],
            &["raw_config.sip_lines.1.username".into(), "absent.key".into()],
        )
        .unwrap();
        assert_eq!(
            Value::Object(d.clone()),
            json!({"id": "c1", "raw_config": {"sip_lines": {"1": {"password": "secret"}, "2": {"username": "bob"}},
                   "vlan_id": 42, "locale": "fr_FR"}, "x": "s", "n": {"m": 1}})
        );
        let e = apply_edits(&mut d, &["x.y=1".into()], &[]).unwrap_err();
        assert_eq!(e, "cannot set x.y: x is a string, not an object");
        let e = apply_edits(&mut d, &["raw_config.vlan_id.z=1".into()], &[]).unwrap_err();
        assert!(e.contains("raw_config.vlan_id is a number"), "{e}");
        // Replacing a whole subtree is allowed.
        apply_edits(&mut d, &["raw_config={}".into()], &[]).unwrap();
        assert_eq!(d["raw_config"], json!({}));
        assert!(!unset_path(&mut d, &["x".into(), "y".into()]));
    }

    #[test]
    fn json_files() {
        let dir = std::env::temp_dir().join(format!("provd-doc-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("d.json");
        std::fs::write(&f, r#"{"device": {"id": "d1", "mac": "x"}}"#).unwrap();
        assert_eq!(Value::Object(read_object(f.to_str().unwrap(), "device").unwrap()), json!({"id": "d1", "mac": "x"}));
        std::fs::write(&f, r#"{"id": "d1"}"#).unwrap();
        assert_eq!(Value::Object(read_object(f.to_str().unwrap(), "device").unwrap()), json!({"id": "d1"}));
        std::fs::write(&f, r#"[1]"#).unwrap();
        assert!(read_object(f.to_str().unwrap(), "device").unwrap_err().contains("expected a JSON object"));
        std::fs::write(&f, r#"{"#).unwrap();
        assert!(read_object(f.to_str().unwrap(), "device").unwrap_err().contains("invalid JSON"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
