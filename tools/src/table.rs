//! Human output: aligned tables and `key: value` listings.

use serde_json::Value;

/// Makes text safe for one terminal cell: control characters (newlines,
/// escape sequences a phone could have put in its User-Agent) are shown
/// escaped instead of being interpreted.
pub fn sanitize(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_owned();
    }
    s.chars().map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() }).collect()
}

/// A JSON value as a table cell: `-` for absent or null, `yes`/`no` for
/// booleans, lists joined with commas, objects as compact JSON.
pub fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::Bool(b)) => if *b { "yes" } else { "no" }.to_owned(),
        Some(Value::String(s)) if s.is_empty() => "\"\"".to_owned(),
        Some(Value::String(s)) => sanitize(s),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::Array(a)) if a.iter().all(|v| !v.is_array() && !v.is_object()) => {
            if a.is_empty() {
                return "-".to_owned();
            }
            a.iter().map(|v| cell(Some(v))).collect::<Vec<_>>().join(",")
        }
        Some(other) => sanitize(&other.to_string()),
    }
}

/// Rows under a header, columns padded to their widest cell.
#[derive(Debug, Clone, Default)]
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Table {
        Table { headers: headers.into_iter().map(Into::into).collect(), rows: Vec::new() }
    }

    pub fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.headers.len());
        self.rows.push(row);
    }

    /// A row of the given fields of a JSON object.
    pub fn push_fields(&mut self, doc: &Value, fields: &[&str]) {
        self.push(fields.iter().map(|f| cell(doc.get(f))).collect());
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Header and rows, two spaces between columns, no trailing spaces.
    pub fn render(&self) -> String {
        let width = |s: &str| s.chars().count();
        let mut widths: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for row in &self.rows {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(width(c));
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&self.headers).chain(&self.rows) {
            let mut line = String::new();
            for (i, (c, w)) in row.iter().zip(&widths).enumerate() {
                if i > 0 {
                    line.push_str("  ");
                }
                line.push_str(c);
                line.extend(std::iter::repeat_n(' ', w - width(c)));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// `key: value` lines for an object, `first` keys first (when present),
/// then the rest in document order; nested objects as compact JSON.
pub fn key_values(doc: &serde_json::Map<String, Value>, first: &[&str]) -> String {
    let mut keys: Vec<&str> = first.iter().copied().filter(|k| doc.contains_key(*k)).collect();
    keys.extend(doc.keys().map(String::as_str).filter(|k| !first.contains(k)));
    let width = keys.iter().map(|k| k.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for k in keys {
        let v = match &doc[k] {
            Value::String(s) => sanitize(s),
            Value::Null => "-".to_owned(),
            other => sanitize(&other.to_string()),
        };
        let pad = width - k.chars().count();
        out.push_str(&format!("{}:{} {v}\n", sanitize(k), " ".repeat(pad)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells() {
        assert_eq!(cell(None), "-");
        assert_eq!(cell(Some(&Value::Null)), "-");
        assert_eq!(cell(Some(&json!(true))), "yes");
        assert_eq!(cell(Some(&json!(false))), "no");
        assert_eq!(cell(Some(&json!(""))), "\"\"");
        assert_eq!(cell(Some(&json!(8667))), "8667");
        assert_eq!(cell(Some(&json!(["base", "defaultconfigdevice"]))), "base,defaultconfigdevice");
        assert_eq!(cell(Some(&json!([]))), "-");
        assert_eq!(cell(Some(&json!({"a": 1}))), r#"{"a":1}"#);
        assert_eq!(cell(Some(&json!("evil\n\u{1b}[31mred"))), "evil\\n\\u{1b}[31mred");
    }

    #[test]
    fn aligned_columns() {
        let mut t = Table::new(["id", "mac", "configured"]);
        t.push_fields(
            &json!({"id": "abc", "mac": "00:08:5d:2e:ec:fb", "configured": true}),
            &["id", "mac", "configured"],
        );
        t.push_fields(&json!({"id": "a-much-longer-id", "configured": false}), &["id", "mac", "configured"]);
        t.push_fields(
            &json!({"id": "x", "mac": "00:11:22:33:44:55", "configured": null}),
            &["id", "mac", "configured"],
        );
        assert_eq!(
            t.render(),
            "\
id                mac                configured
abc               00:08:5d:2e:ec:fb  yes
a-much-longer-id  -                  no
x                 00:11:22:33:44:55  -
"
        );
        assert_eq!(t.len(), 3);
        // Wide characters count as one column each; no trailing spaces.
        let mut t = Table::new(["a", "b"]);
        t.push(vec!["\u{e9}t\u{e9}".into(), "".into()]);
        t.push(vec!["x".into(), "y".into()]);
        assert_eq!(t.render(), "a    b\n\u{e9}t\u{e9}\nx    y\n");
        assert_eq!(Table::new(["only"]).render(), "only\n");
    }

    #[test]
    fn key_value_listing() {
        let d = json!({"options": {"switchboard": true}, "plugin": "p", "id": "d1", "ip": null, "mac": "m"});
        assert_eq!(
            key_values(d.as_object().unwrap(), &["id", "mac", "ip", "vendor"]),
            "id:      d1\nmac:     m\nip:      -\noptions: {\"switchboard\":true}\nplugin:  p\n"
        );
    }
}
