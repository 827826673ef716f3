//! The REST client: wazo-provd's `/0.2` conventions (media type, token
//! header, text error bodies, `Location` of operations in progress).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::error::{Error, FAILED, NOT_FOUND, Result, UNREACHABLE};
use crate::oip;

pub const MEDIA_TYPE: &str = "application/vnd.proformatique.provd+json";
pub const DEFAULT_API: &str = "http://127.0.0.1:8666/0.2";

/// Biggest response body read (a listing of every device of a large site).
const MAX_BODY: u64 = 1 << 30;

/// A reply with a success status.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub location: Option<String>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self, what: &str) -> Result<Value> {
        serde_json::from_slice(&self.body).map_err(|e| Error::failed(format!("{what}: invalid JSON in the reply: {e}")))
    }
}

#[derive(Clone)]
pub struct Api {
    agent: ureq::Agent,
    /// Without a trailing slash, e.g. `http://127.0.0.1:8666/0.2`.
    base: String,
    token: Option<String>,
}

/// Percent-encodes a query value or a path segment.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&...` with the values encoded.
pub fn with_query(path: &str, query: &[(&str, String)]) -> String {
    if query.is_empty() {
        return path.to_owned();
    }
    let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect();
    format!("{path}?{}", q.join("&"))
}

/// The path (relative to the API base) an OIP's `Location` designates.
/// wazo-provd's client drops the first path components up to the version
/// (`/0.2`) and re-appends the rest to its own base URL, so that the API
/// also works behind a prefix (`/api/provd/0.2`); provd does the same.
pub fn location_path(base: &str, location: &str) -> String {
    // An absolute URL: keep its path.
    let path = match location.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => location,
    };
    let base_path = base.split_once("://").map(|(_, r)| r.find('/').map_or("", |i| &r[i..])).unwrap_or("");
    if !base_path.is_empty()
        && let Some(rest) = path.strip_prefix(base_path)
        && (rest.is_empty() || rest.starts_with('/'))
    {
        return rest.to_owned();
    }
    // `/0.2/dev_mgr/synchronize/1` -> `/dev_mgr/synchronize/1`.
    let mut parts = path.splitn(3, '/');
    let (_, _, rest) = (parts.next(), parts.next(), parts.next());
    format!("/{}", rest.unwrap_or(""))
}

/// A server's error body, on one line, made safe for a terminal.
fn short_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim().replace(['\n', '\r', '\t'], " ");
    let mut s: String = text.chars().take(2000).collect();
    if s.len() < text.len() {
        s.push_str("...");
    }
    crate::table::sanitize(&s)
}

impl Api {
    /// `base` must be a plain `http://` URL (this build has no TLS: the
    /// API listens on loopback).
    pub fn new(base: &str, token: Option<String>, timeout: Duration) -> Result<Api> {
        let base = base.trim_end_matches('/').to_owned();
        if base.starts_with("https://") {
            return Err(Error::usage(format!(
                "--api {base}: https is not supported; use the API's local http address (default {DEFAULT_API})"
            )));
        }
        if !base.starts_with("http://") || base.len() <= "http://".len() {
            return Err(Error::usage(format!("--api {base:?}: expected an http://HOST:PORT/0.2 URL")));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .proxy(None)
            .timeout_global(Some(timeout))
            .user_agent(format!("provd-cli/{}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Api { agent: ureq::Agent::new_with_config(config), base, token })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// One request; `path` is relative to the base (`/dev_mgr/devices`).
    /// Non-2xx statuses are errors described with `what`.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>, what: &str) -> Result<Reply> {
        let url = format!("{}{path}", self.base);
        let mut req = ureq::http::Request::builder().method(method).uri(&url).header("Accept", MEDIA_TYPE);
        if let Some(t) = &self.token {
            req = req.header("X-Auth-Token", t);
        }
        let bytes = match body {
            Some(b) => {
                req = req.header("Content-Type", MEDIA_TYPE);
                serde_json::to_vec(b).expect("JSON")
            }
            None => Vec::new(),
        };
        let req = req.body(bytes).map_err(|e| Error::usage(format!("{what}: bad request {url}: {e}")))?;
        let mut resp = match self.agent.run(req) {
            Ok(r) => r,
            Err(ureq::Error::BadUri(e)) => return Err(Error::usage(format!("--api {}: {e}", self.base))),
            Err(ureq::Error::Http(e)) => return Err(Error::usage(format!("{what}: bad request {url}: {e}"))),
            Err(e) => {
                return Err(Error::new(UNREACHABLE, format!("{what}: cannot reach the API at {}: {e}", self.base)));
            }
        };
        let status = resp.status().as_u16();
        let location = resp.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .read_to_vec()
            .map_err(|e| Error::new(UNREACHABLE, format!("{what}: reading the reply from {url}: {e}")))?;
        if (200..300).contains(&status) {
            return Ok(Reply { status, location, body });
        }
        let text = short_body(&body);
        let detail = if text.is_empty() { format!("HTTP {status}") } else { format!("{text} (HTTP {status})") };
        let code = match status {
            401 => UNREACHABLE,
            404 => NOT_FOUND,
            _ => FAILED,
        };
        let detail = if status == 401 { format!("authentication refused: {detail}") } else { detail };
        Err(Error { status: Some(status), ..Error::new(code, format!("{what}: {detail}")) })
    }

    pub fn get(&self, path: &str, what: &str) -> Result<Value> {
        self.call("GET", path, None, what)?.json(what)
    }

    pub fn post(&self, path: &str, body: &Value, what: &str) -> Result<Reply> {
        self.call("POST", path, Some(body), what)
    }

    pub fn put(&self, path: &str, body: &Value, what: &str) -> Result<Reply> {
        self.call("PUT", path, Some(body), what)
    }

    pub fn delete(&self, path: &str, what: &str) -> Result<Reply> {
        self.call("DELETE", path, None, what)
    }

    /// POSTs a request that starts an operation in progress and returns
    /// the path of its monitor.
    pub fn start_oip(&self, path: &str, body: &Value, what: &str) -> Result<String> {
        let reply = self.post(path, body, what)?;
        match reply.location {
            Some(l) => Ok(location_path(&self.base, &l)),
            None => Err(Error::failed(format!("{what}: the reply (HTTP {}) has no Location header", reply.status))),
        }
    }

    /// Polls an operation until it is done, showing its progress on
    /// stderr, then DELETEs its monitor. Returns the last document (its
    /// `status` is `success` or `fail`).
    pub fn wait_oip(&self, path: &str, what: &str, progress: &mut Progress) -> Result<(oip::Oip, Value)> {
        let mut delay = Duration::from_millis(50);
        let result = loop {
            let doc = match self.get(path, what) {
                Ok(d) => d,
                Err(e) => break Err(e),
            };
            let status = doc.get("status").and_then(Value::as_str).unwrap_or_default();
            let parsed = match oip::parse(status) {
                Ok(o) => o,
                Err(e) => break Err(Error::failed(format!("{what}: {e}"))),
            };
            progress.show(&format!("{what}: {}", progress_text(&parsed, &doc)));
            if parsed.state.is_done() {
                break Ok((parsed, doc));
            }
            std::thread::sleep(delay);
            delay = (delay * 2).min(Duration::from_secs(1));
        };
        progress.finish();
        if let Err(e) = self.delete(path, &format!("{what}: freeing {path}")) {
            eprintln!("provd: warning: {e}");
        }
        result
    }
}

fn progress_text(o: &oip::Oip, doc: &Value) -> String {
    let mut s = o.to_string();
    if let Some(report) = doc.get("report").and_then(Value::as_array)
        && o.end.is_none()
        && !report.is_empty()
    {
        s.push_str(&format!(" ({} reported)", report.len()));
    }
    s
}

/// One progress line on stderr: redrawn in place on a terminal; otherwise
/// printed when it changes, at most every few seconds, and the last state
/// once at the end. Silent when `enabled` is false.
pub struct Progress {
    enabled: bool,
    tty: bool,
    drawn: bool,
    last: String,
    /// Not a terminal: `last` has not been printed yet.
    pending: bool,
    last_print: Option<Instant>,
}

impl Progress {
    pub fn new(enabled: bool) -> Progress {
        Progress {
            enabled,
            tty: std::io::stderr().is_terminal(),
            drawn: false,
            last: String::new(),
            pending: false,
            last_print: None,
        }
    }

    pub fn show(&mut self, line: &str) {
        if !self.enabled || line == self.last {
            return;
        }
        self.last = line.to_owned();
        if self.tty {
            eprint!("\r\x1b[K{line}");
            self.drawn = true;
        } else if self.last_print.is_none_or(|t| t.elapsed() >= Duration::from_secs(2)) {
            eprintln!("{line}");
            self.last_print = Some(Instant::now());
            self.pending = false;
        } else {
            self.pending = true;
        }
    }

    /// Ends the line (on a terminal), or prints the last state (otherwise).
    pub fn finish(&mut self) {
        if self.drawn {
            eprintln!();
            self.drawn = false;
        }
        if self.pending {
            eprintln!("{}", self.last);
            self.pending = false;
        }
        self.last.clear();
        self.last_print = None;
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::USAGE;

    #[test]
    fn encoding() {
        assert_eq!(
            encode(r#"{"plugin": "xivo-aastra-3.3.1-SP2"}"#),
            "%7B%22plugin%22%3A%20%22xivo-aastra-3.3.1-SP2%22%7D"
        );
        assert_eq!(encode("a/b?c&d=e \u{e9}"), "a%2Fb%3Fc%26d%3De%20%C3%A9");
        assert_eq!(with_query("/dev_mgr/devices", &[]), "/dev_mgr/devices");
        assert_eq!(
            with_query("/dev_mgr/devices", &[("q", r#"{"id":"a"}"#.into()), ("fields", "id,mac".into())]),
            "/dev_mgr/devices?q=%7B%22id%22%3A%22a%22%7D&fields=id%2Cmac"
        );
    }

    #[test]
    fn locations() {
        let base = "http://127.0.0.1:8666/0.2";
        assert_eq!(location_path(base, "/0.2/dev_mgr/synchronize_many/3"), "/dev_mgr/synchronize_many/3");
        assert_eq!(
            location_path(base, "http://127.0.0.1:8666/0.2/pg_mgr/install/install/1"),
            "/pg_mgr/install/install/1"
        );
        // Behind a prefix, the server still says /0.2/...: wazo's rule.
        let proxied = "http://pbx/api/provd/0.2";
        assert_eq!(location_path(proxied, "/0.2/pg_mgr/install/update/2"), "/pg_mgr/install/update/2");
        // ... or the full prefixed path.
        assert_eq!(location_path(proxied, "/api/provd/0.2/pg_mgr/install/update/2"), "/pg_mgr/install/update/2");
        assert_eq!(location_path(base, "/provd/dev_mgr/synchronize/1"), "/dev_mgr/synchronize/1");
    }

    #[test]
    fn bad_api_urls() {
        let t = Duration::from_secs(1);
        assert_eq!(Api::new("https://x/0.2", None, t).err().unwrap().code, USAGE);
        assert_eq!(Api::new("127.0.0.1:8666", None, t).err().unwrap().code, USAGE);
        assert_eq!(Api::new("http://", None, t).err().unwrap().code, USAGE);
        assert_eq!(Api::new("http://127.0.0.1:8666/0.2/", None, t).unwrap().base(), "http://127.0.0.1:8666/0.2");
    }

    #[test]
    fn unreachable_is_code_3() {
        // A port nobody listens on (bound then released).
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let api = Api::new(&format!("http://127.0.0.1:{port}/0.2"), None, Duration::from_secs(5)).unwrap();
        let e = api.get("/status", "status").unwrap_err();
        assert_eq!(e.code, UNREACHABLE, "{e}");
        assert!(e.message.starts_with("status: cannot reach the API at http://127.0.0.1:"), "{e}");
    }
}
