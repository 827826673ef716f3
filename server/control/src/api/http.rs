//! What every REST handler shares: wazo-provd's media type rules, error
//! bodies, links, and the small response vocabulary.

use serde_json::{Value, json};

const MEDIA_TYPE: &str = "application/vnd.proformatique.provd+json";

/// A request as handlers see it.
pub(crate) struct Req<'a> {
    pub(crate) method: &'a str,
    /// The path without query string.
    pub(crate) path: &'a str,
    pub(crate) query: &'a str,
    pub(crate) accept: Option<&'a str>,
    pub(crate) content_type: Option<&'a str>,
    pub(crate) body: &'a [u8],
    /// Who it acts for.
    pub(crate) caller: super::tenants::Caller,
}

/// A response to send.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) body: Vec<u8>,
    pub(crate) location: Option<String>,
    /// Other headers (provd extensions).
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Resp {
    pub(crate) fn json(status: u16, value: &Value) -> Resp {
        Resp {
            status,
            content_type: Some(MEDIA_TYPE),
            body: serde_json::to_vec(value).unwrap(),
            location: None,
            headers: Vec::new(),
        }
    }

    /// wazo-provd's errors: `str(exception)` as plain ASCII text.
    pub(crate) fn text(status: u16, message: impl AsRef<str>) -> Resp {
        let ascii: String = message.as_ref().chars().map(|c| if c.is_ascii() { c } else { '?' }).collect();
        Resp {
            status,
            content_type: Some("text/plain; charset=ascii"),
            body: ascii.into_bytes(),
            location: None,
            headers: Vec::new(),
        }
    }

    pub(crate) fn empty(status: u16) -> Resp {
        Resp { status, content_type: None, body: Vec::new(), location: None, headers: Vec::new() }
    }

    /// 201 `{"id": ...}` and the new resource's location.
    pub(crate) fn created(id: &str, location: String) -> Resp {
        Resp { location: Some(location), ..Resp::json(201, &json!({"id": id})) }
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Resp {
        self.headers.push((name, value));
        self
    }

    pub(crate) fn with_location(mut self, location: String) -> Resp {
        self.location = Some(location);
        self
    }

    /// wazo-provd's 404 body, `No such resource`, followed by what was
    /// not found when there is more to say (`: device "d1"`).
    pub(crate) fn not_found(what: impl AsRef<str>) -> Resp {
        match what.as_ref() {
            "" => Resp::text(404, "No such resource"),
            what => Resp::text(404, format!("No such resource: {what}")),
        }
    }
}

impl Req<'_> {
    /// GET endpoints answer 406 unless the client accepts the provd type
    /// (absent, `*/*`, `application/*` or exact).
    pub(crate) fn check_accept(&self) -> Result<(), Resp> {
        let Some(accept) = self.accept else { return Ok(()) };
        let ok = accept.split(',').any(|part| {
            let t = part.split(';').next().unwrap_or("").trim();
            t == "*/*" || t == "application/*" || t == MEDIA_TYPE || t.is_empty()
        });
        if ok { Ok(()) } else { Err(Resp::text(406, "Not Acceptable")) }
    }

    /// Endpoints taking a body want exactly the provd type (415), then
    /// valid JSON (400 `Invalid JSON document: ...`).
    pub(crate) fn json_body(&self) -> Result<Value, Resp> {
        let ct = self.content_type.map(|c| c.split(';').next().unwrap_or("").trim());
        if ct != Some(MEDIA_TYPE) {
            return Err(Resp::text(415, "Unsupported Media Type"));
        }
        serde_json::from_slice(self.body).map_err(|e| Resp::text(400, format!("Invalid JSON document: {e}")))
    }

    /// The object under `key` of a JSON body (`{"device": {...}}`).
    pub(crate) fn body_object(&self, key: &str) -> Result<serde_json::Map<String, Value>, Resp> {
        let body = self.json_body()?;
        match body.get(key) {
            Some(Value::Object(o)) => Ok(o.clone()),
            _ => Err(Resp::text(400, format!("Missing or invalid \"{key}\" object in request body"))),
        }
    }
}

/// Deserializes a JSON document, naming the field that is wrong.
pub(crate) fn parse_document<T: serde::de::DeserializeOwned>(doc: serde_json::Map<String, Value>) -> Result<T, String> {
    serde_path_to_error::deserialize(Value::Object(doc)).map_err(|e| {
        let path = e.path().to_string();
        if path == "." { e.inner().to_string() } else { format!("field {path}: {}", e.inner()) }
    })
}

/// `{"links": [{"rel": .., "href": <base>/<child>}]}`.
pub(crate) fn links(base: &str, children: &[(&str, &str)]) -> Value {
    let base = base.trim_end_matches('/');
    json!({"links": children.iter().map(|(rel, child)| json!({"rel": rel, "href": format!("{base}/{child}")})).collect::<Vec<_>>()})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req<'a>(accept: Option<&'a str>, ct: Option<&'a str>, body: &'a [u8]) -> Req<'a> {
        Req {
            method: "GET",
            path: "/0.2",
            query: "",
            accept,
            content_type: ct,
            body,
            caller: crate::api::tenants::Caller::root("t"),
        }
    }

    #[test]
    fn media_type_rules() {
        for ok in [None, Some("*/*"), Some("application/*"), Some(MEDIA_TYPE), Some("text/html, */*;q=0.1")] {
            assert!(req(ok, None, b"").check_accept().is_ok(), "{ok:?}");
        }
        assert_eq!(req(Some("application/json"), None, b"").check_accept().unwrap_err().status, 406);
        assert_eq!(req(None, Some("application/json"), b"{}").json_body().unwrap_err().status, 415);
        let bad = req(None, Some(MEDIA_TYPE), b"{oops").json_body().unwrap_err();
        assert_eq!(bad.status, 400);
        assert!(String::from_utf8(bad.body).unwrap().starts_with("Invalid JSON document: "));
        assert!(req(None, Some(&format!("{MEDIA_TYPE}; charset=utf-8")), b"{}").json_body().is_ok());
    }
}
