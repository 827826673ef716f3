//! Tokens checked by wazo-auth (`--wazo-auth URL`), as wazo-provd checks
//! them: each route needs an ACL (`provd.dev_mgr.devices.{id}.read`...),
//! the token must carry it for the tenant the request acts for, and that
//! tenant sees the tenants wazo-auth lists below it.
//!
//! Three calls to wazo-auth's `/0.1` API, each answer kept for a bounded
//! time (`--wazo-auth-cache`) so that a client making many calls costs
//! wazo-auth a few: `HEAD /token/{token}?scope={acl}[&tenant={t}]` (204:
//! granted; 403 or 404: 401 here), `GET /token/{token}` (the token's
//! tenant, when the request names none), `GET /tenants` with `Wazo-Tenant`
//! (the tenants it sees). wazo-auth unreachable or failing: 503, saying
//! so; never cached. The calls are made on the REST API's blocking
//! threads: phones are served by other threads and never wait for them.
//!
//! Not here: getting a token for provd itself (provd calls nobody that
//! needs one), and the bus events that delete a tenant's devices.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::http::Resp;
use super::tenants::Caller;
use super::url_segment as encode;

/// Answers kept at most; beyond, the expired go, then everything.
const CACHE_ENTRIES: usize = 16_384;

/// A token, the ACL asked (with `{tenant}` for the tenant), the
/// `Wazo-Tenant` header.
type CacheKey = (String, String, Option<String>);

/// When wazo-auth answered, and what: the caller, or the status refused.
type CacheEntry = (Instant, Result<Caller, u16>);

/// A wazo-auth server and the answers it gave lately.
#[derive(Debug)]
pub struct WazoAuth {
    base: String,
    agent: ureq::Agent,
    ttl: Duration,
    cache: Mutex<HashMap<CacheKey, CacheEntry>>,
    /// Calls made to wazo-auth (for `/metrics` and the tests).
    pub(crate) calls: std::sync::atomic::AtomicU64,
}

impl WazoAuth {
    /// wazo-auth at `url` (`http://127.0.0.1:9497`, with or without
    /// `/0.1`); answers kept `ttl`; each call bounded by `timeout`.
    pub fn new(url: &str, ttl: Duration, timeout: Duration) -> Result<WazoAuth, String> {
        let base = url.trim_end_matches('/').trim_end_matches("/0.1").to_owned();
        if !base.starts_with("http://") {
            return Err(format!("--wazo-auth {url:?}: expected http://host:port (wazo-auth on the local network)"));
        }
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(timeout))
            .user_agent(format!("provd/{}", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(WazoAuth {
            base: format!("{base}/0.1"),
            agent: ureq::Agent::new_with_config(config),
            ttl,
            cache: Mutex::default(),
            calls: Default::default(),
        })
    }

    /// Checks `token` for the ACL `acl` gives for the tenant acted for:
    /// `tenant` (the `Wazo-Tenant` header), or else the token's own.
    pub(crate) fn authorize(
        &self,
        token: &str,
        acl: impl Fn(&str) -> String,
        tenant: Option<&str>,
    ) -> Result<Caller, Resp> {
        if token.is_empty() {
            return Err(Resp::text(401, "Unauthorized"));
        }
        let key = (token.to_owned(), acl("{tenant}"), tenant.map(str::to_owned));
        let now = Instant::now();
        if let Some((at, answer)) = self.cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key)
            && now.duration_since(*at) < self.ttl
        {
            return answer.clone().map_err(|status| Resp::text(status, "Unauthorized"));
        }
        let answer = match self.ask(token, &acl, tenant) {
            Ok(answer) => answer,
            Err(unreachable) => {
                log::error!("REST API: {unreachable}");
                return Err(Resp::text(503, unreachable));
            }
        };
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_ENTRIES {
            cache.retain(|_, (at, _)| now.duration_since(*at) < self.ttl);
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(key, (now, answer.clone()));
        answer.map_err(|status| Resp::text(status, "Unauthorized"))
    }

    /// wazo-auth's verdict (`Err(401)`: refused), or why it gave none.
    fn ask(
        &self,
        token: &str,
        acl: &dyn Fn(&str) -> String,
        tenant: Option<&str>,
    ) -> Result<Result<Caller, u16>, String> {
        let (tenant, named) = match tenant {
            Some(t) => (t.to_owned(), true),
            None => {
                let (status, doc) = self.call("GET", &format!("{}/token/{}", self.base, encode(token)), token, None)?;
                match status {
                    200 => {}
                    401 | 403 | 404 => return Ok(Err(401)),
                    status => return Err(format!("wazo-auth answered HTTP {status} to a token read")),
                }
                let t = doc
                    .pointer("/data/metadata/tenant_uuid")
                    .and_then(Value::as_str)
                    .ok_or("wazo-auth's token has no metadata.tenant_uuid")?;
                (t.to_owned(), false)
            }
        };
        let mut check = format!("{}/token/{}?scope={}", self.base, encode(token), encode(&acl(&tenant)));
        if named {
            check.push_str(&format!("&tenant={}", encode(&tenant)));
        }
        match self.call("HEAD", &check, token, None)? {
            (204, _) => {}
            (403 | 404, _) => return Ok(Err(401)),
            (status, _) => return Err(format!("wazo-auth answered HTTP {status} to a token check")),
        }
        let (status, doc) = self.call("GET", &format!("{}/tenants", self.base), token, Some(&tenant))?;
        let below = match status {
            200 => doc
                .get("items")
                .and_then(Value::as_array)
                .ok_or("wazo-auth's tenant list has no items")?
                .iter()
                .filter_map(|t| t.get("uuid").and_then(Value::as_str).map(str::to_owned))
                .collect(),
            // As wazo-provd: a token that may not list tenants sees its own.
            401 | 403 => Vec::new(),
            status => return Err(format!("wazo-auth answered HTTP {status} to a tenant list")),
        };
        Ok(Ok(Caller { tenant, below: Some(below) }))
    }

    /// One call: the status and the JSON body (null when none).
    fn call(&self, method: &str, url: &str, token: &str, tenant: Option<&str>) -> Result<(u16, Value), String> {
        self.calls.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut req = ureq::http::Request::builder().method(method).uri(url).header("X-Auth-Token", token);
        if let Some(t) = tenant {
            req = req.header("Wazo-Tenant", t);
        }
        let req = req.body(()).map_err(|e| format!("wazo-auth: bad request {url}: {e}"))?;
        let mut resp =
            self.agent.run(req).map_err(|e| format!("wazo-auth is unreachable: {method} {}: {e}", self.base))?;
        let status = resp.status().as_u16();
        let body = if method == "HEAD" { Vec::new() } else { resp.body_mut().read_to_vec().unwrap_or_default() };
        Ok((status, serde_json::from_slice(&body).unwrap_or(Value::Null)))
    }
}

/// The ACL wazo-provd requires for `method path` (`path` under `/0.2`,
/// percent-decoded segments), acting for `tenant`.
pub(crate) fn acl(method: &str, segments: &[&str], tenant: &str) -> String {
    let verb = match method {
        "GET" | "HEAD" => "read",
        "POST" => "create",
        "PUT" => "update",
        "DELETE" => "delete",
        _ => "read",
    };
    let segments = match segments {
        ["0.2", rest @ ..] => rest,
        other => other,
    };
    // An operation in progress: `<anything>/<n>` under an operation path.
    let is_operation = matches!(segments.last(), Some(n) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && segments.iter().any(|s| matches!(*s, "synchronize" | "synchronize_many" | "install" | "upgrade" | "update"));
    if is_operation {
        return format!("provd.operation.{verb}");
    }
    match segments {
        [] => format!("provd.{verb}"),
        // Parameters carry the tenant, as in wazo-provd's code.
        ["configure", param] => format!("provd.configure.{tenant}.{param}.{verb}"),
        _ => format!("provd.{}.{verb}", segments.join(".")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn acls_are_wazo_provds() {
        let t = "t1";
        assert_eq!(acl("GET", &["0.2", "dev_mgr", "devices"], t), "provd.dev_mgr.devices.read");
        assert_eq!(acl("POST", &["0.2", "dev_mgr", "devices"], t), "provd.dev_mgr.devices.create");
        assert_eq!(acl("PUT", &["0.2", "dev_mgr", "devices", "d1"], t), "provd.dev_mgr.devices.d1.update");
        assert_eq!(acl("DELETE", &["0.2", "cfg_mgr", "configs", "c1"], t), "provd.cfg_mgr.configs.c1.delete");
        assert_eq!(acl("GET", &["0.2", "cfg_mgr", "configs", "c1", "raw"], t), "provd.cfg_mgr.configs.c1.raw.read");
        assert_eq!(acl("POST", &["0.2", "dev_mgr", "reconfigure"], t), "provd.dev_mgr.reconfigure.create");
        assert_eq!(acl("GET", &["0.2", "configure", "NAT"], t), "provd.configure.t1.NAT.read");
        assert_eq!(acl("GET", &["0.2", "configure"], t), "provd.configure.read");
        assert_eq!(acl("GET", &["0.2", "dev_mgr", "synchronize", "3"], t), "provd.operation.read");
        assert_eq!(acl("DELETE", &["0.2", "pg_mgr", "install", "install", "1"], t), "provd.operation.delete");
        assert_eq!(acl("GET", &["0.2", "status"], t), "provd.status.read");
        assert_eq!(acl("GET", &["0.2"], t), "provd.read");
    }
}
