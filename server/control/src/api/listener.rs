//! The REST API's listener: hyper's HTTP/1.1 on a tokio runtime of its
//! own thread, behind an accept loop provd controls.
//!
//! What it guarantees, whatever the clients do:
//! - a failed accept (out of descriptors) pauses and retries, logged once
//!   per burst and counted, instead of ending the listener;
//! - at most the budget's API share of connections; when all are open, the one
//!   idle the longest is closed to make room, so a pile of idle clients
//!   cannot lock administrators out;
//! - a connection is a task, not a thread: handlers run on a blocking pool
//!   of `handler_threads`, only once a whole request has arrived;
//! - a request head must arrive within `header_timeout` of the connection
//!   becoming idle (that is also the idle timeout), a body within the same;
//! - the token, `Host` and `Origin` are checked before the body is read.
//!
//! It knows nothing of routes: `api::route` answers.

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::HeaderMap;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::sync::Notify;

use super::Api;
use super::http::{Req, Resp};
use provd_net::descriptors::AcceptErrors;

/// How the listener treats its clients.
#[derive(Debug, Clone)]
pub struct ListenerOptions {
    /// Threads running handlers (compiles, store writes).
    pub handler_threads: usize,
    /// Time for a request head, from when the connection is idle; and for
    /// a request body.
    pub header_timeout: Duration,
    /// `Host` names accepted on a loopback listener besides `localhost`
    /// and loopback addresses (a loopback API answers nothing else, so a
    /// web page cannot reach it through DNS rebinding).
    pub allowed_hosts: Vec<String>,
    /// Web origins that may call the API from a browser (CORS). Empty: none.
    pub cors_origins: Vec<String>,
    /// What `GET /metrics` shows (Prometheus text, no token).
    pub metrics: Arc<provd_net::metrics::Registry>,
    /// The process's descriptor budget: the API's share is its
    /// connection cap, and its failed accepts are counted there.
    pub budget: Arc<provd_net::descriptors::Budget>,
}

/// Bodies are read whole (a config with a thousand lines is large); beyond
/// this the request is refused, before any of it is read when its length
/// says so.
const MAX_BODY: usize = 16 << 20;

/// Serves `api` on `listener` from a thread of its own; returns the bound
/// address.
pub fn start(api: Arc<Api>, listener: std::net::TcpListener, opts: ListenerOptions) -> std::io::Result<SocketAddr> {
    let bound = listener.local_addr()?;
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(opts.handler_threads.max(1))
        .thread_name("provd-api-handler")
        .build()?;
    let state = Arc::new(Listener {
        api,
        loopback: bound.ip().is_loopback(),
        connections: Connections::default(),
        opts,
        started: Instant::now(),
    });
    std::thread::Builder::new().name("provd-api".into()).spawn(move || {
        runtime.block_on(async move {
            match tokio::net::TcpListener::from_std(listener) {
                Ok(listener) => accept_loop(state, listener).await,
                Err(e) => log::error!("REST API listener: {e}"),
            }
        })
    })?;
    Ok(bound)
}

struct Listener {
    api: Arc<Api>,
    loopback: bool,
    connections: Connections,
    opts: ListenerOptions,
    started: Instant,
}

impl Listener {
    fn millis(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

/// The open connections, to close an idle one when all places are taken.
#[derive(Default)]
struct Connections {
    next_id: AtomicU64,
    open: Mutex<HashMap<u64, Arc<Connection>>>,
}

#[derive(Default)]
struct Connection {
    /// A request is being handled.
    busy: AtomicBool,
    /// When it last became idle, in ms since the listener started.
    idle_since: AtomicU64,
    close: Notify,
}

impl Connections {
    fn len(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn insert(&self, c: Arc<Connection>) -> u64 {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.open.lock().unwrap_or_else(|e| e.into_inner()).insert(id, c);
        id
    }

    fn remove(&self, id: u64) {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).remove(&id);
    }

    /// Asks the connection idle the longest to close; false if none is idle.
    fn close_oldest_idle(&self) -> bool {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let oldest = open
            .values()
            .filter(|c| !c.busy.load(Ordering::Acquire))
            .min_by_key(|c| c.idle_since.load(Ordering::Relaxed));
        match oldest {
            Some(c) => {
                c.busy.store(true, Ordering::Release);
                c.close.notify_one();
                true
            }
            None => false,
        }
    }
}

async fn accept_loop(state: Arc<Listener>, listener: tokio::net::TcpListener) {
    let stats = state.api.stats.clone();
    let budget = state.opts.budget.clone();
    let mut errors = AcceptErrors::new("accept on the REST API listener", &budget.accept_errors.api);
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(accepted) => {
                errors.succeeded();
                accepted
            }
            Err(e) => {
                let pause = errors.failed(&e);
                tokio::time::sleep(pause).await;
                continue;
            }
        };
        if state.connections.len() >= budget.api {
            if state.connections.close_oldest_idle() {
                stats.closed_idle.fetch_add(1, Ordering::Relaxed);
            } else {
                stats.refused.fetch_add(1, Ordering::Relaxed);
                drop(stream);
                continue;
            }
        }
        let _ = stream.set_nodelay(true);
        let connection = Arc::new(Connection::default());
        connection.idle_since.store(state.millis(), Ordering::Relaxed);
        let id = state.connections.insert(connection.clone());
        let state = state.clone();
        tokio::spawn(async move {
            serve(&state, stream, &connection).await;
            state.connections.remove(id);
        });
    }
}

async fn serve(state: &Arc<Listener>, stream: tokio::net::TcpStream, connection: &Arc<Connection>) {
    let service = hyper::service::service_fn(|request| {
        let (state, connection) = (state.clone(), connection.clone());
        async move {
            connection.busy.store(true, Ordering::Release);
            let response = answer(&state, request).await;
            connection.idle_since.store(state.millis(), Ordering::Relaxed);
            connection.busy.store(false, Ordering::Release);
            Ok::<_, Infallible>(response)
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(state.opts.header_timeout)
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    let mut closing = false;
    loop {
        tokio::select! {
            _ = conn.as_mut() => return,
            _ = connection.close.notified(), if !closing => {
                closing = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Whether `host` (a `Host` header) names this machine's loopback: a
/// loopback address or `localhost`, with or without a port, or a name the
/// operator allowed.
fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host
            .rsplit_once(':')
            .map_or(host, |(name, port)| if port.bytes().all(|b| b.is_ascii_digit()) { name } else { host }),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        || allowed.iter().any(|a| a.eq_ignore_ascii_case(name) || a.eq_ignore_ascii_case(host))
}

/// What the `Origin` header, if any, allows.
#[derive(Debug, PartialEq, Eq)]
enum OriginCheck {
    /// No Origin (not a browser), or the API's own origin (a page it served).
    SameOrNone,
    /// A listed origin: answer with CORS headers for it.
    Cors,
    Refused,
}

fn check_origin(origin: Option<&str>, host: Option<&str>, cors: &[String]) -> OriginCheck {
    let Some(origin) = origin else { return OriginCheck::SameOrNone };
    let authority = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"));
    if authority.is_some_and(|a| host.is_some_and(|h| a.eq_ignore_ascii_case(h))) {
        return OriginCheck::SameOrNone;
    }
    if cors.iter().any(|o| o == origin) { OriginCheck::Cors } else { OriginCheck::Refused }
}

async fn answer(state: &Arc<Listener>, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let headers = &parts.headers;
    let host = header(headers, "host");
    let origin = header(headers, "origin");
    let cors = match check_origin(origin, host, &state.opts.cors_origins) {
        OriginCheck::Refused => {
            let why = format!("Origin {} is not allowed (provd-server --api-cors-origin)", origin.unwrap_or(""));
            return build(Resp::text(403, why), None);
        }
        OriginCheck::Cors => origin.map(str::to_owned),
        OriginCheck::SameOrNone => None,
    };
    // A client without Host (HTTP/1.0) is not a browser.
    if state.loopback
        && let Some(host) = host
        && !host_allowed(host, &state.opts.allowed_hosts)
    {
        let why = format!("Host {host} is not served here (provd-server --api-allowed-host)");
        return build(Resp::text(403, why), cors);
    }
    let method = parts.method.as_str().to_owned();
    if method == "OPTIONS" {
        // Answered at once, as wazo-provd does.
        return build(Resp::empty(200), cors);
    }
    if method == "GET" && parts.uri.path() == "/metrics" {
        return build(metrics(&state.opts.metrics), cors);
    }
    let path_and_query = parts.uri.path_and_query().map_or("/", |p| p.as_str()).to_owned();
    let (path, query) = path_and_query.split_once('?').unwrap_or((&path_and_query, ""));
    let api = &state.api;
    let (token, tenant) = (header(headers, "x-auth-token"), header(headers, "wazo-tenant"));
    let authorized = if api.auth.is_remote() {
        // wazo-auth may take a while: not on the runtime's threads.
        let (api, method, path) = (api.clone(), method.clone(), path.to_owned());
        let (token, tenant) = (token.map(str::to_owned), tenant.map(str::to_owned));
        tokio::task::spawn_blocking(move || super::authorize(&api, &method, &path, token.as_deref(), tenant.as_deref()))
            .await
            .unwrap_or_else(|e| Err(super::internal(format!("token check failed: {e}"))))
    } else {
        super::authorize(api, &method, path, token, tenant)
    };
    let caller = match authorized {
        Ok(caller) => caller,
        Err(refused) => return build(refused, cors),
    };
    let declared = header(headers, "content-length").and_then(|l| l.parse::<u64>().ok());
    if declared.is_some_and(|l| l > MAX_BODY as u64) {
        return build(Resp::text(413, "Request body too large"), cors);
    }
    let read = tokio::time::timeout(state.opts.header_timeout, Limited::new(body, MAX_BODY).collect()).await;
    let body = match read {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return build(Resp::text(413, "Request body too large"), cors);
        }
        Ok(Err(e)) => return build(Resp::text(400, format!("Cannot read the request body: {e}")), cors),
        Err(_) => return build(Resp::text(408, "Request body timeout"), cors),
    };
    let accept = header(headers, "accept").map(str::to_owned);
    let content_type = header(headers, "content-type").map(str::to_owned);
    let (path, query) = (path.to_owned(), query.to_owned());
    let api = api.clone();
    let handled = tokio::task::spawn_blocking(move || {
        let req = Req {
            method: &method,
            path: &path,
            query: &query,
            accept: accept.as_deref(),
            content_type: content_type.as_deref(),
            body: &body,
            caller,
        };
        super::route(&api, &req)
    })
    .await;
    let resp = handled.unwrap_or_else(|e| super::internal(format!("request handler failed: {e}")));
    build(resp, cors)
}

/// `/metrics`: every registered part, in Prometheus' text format.
fn metrics(registry: &provd_net::metrics::Registry) -> Resp {
    Resp { content_type: Some("text/plain; version=0.0.4"), body: registry.encode().into_bytes(), ..Resp::empty(200) }
}

fn build(resp: Resp, cors_origin: Option<String>) -> Response<Full<Bytes>> {
    let mut out = Response::builder().status(resp.status);
    if let Some(ct) = resp.content_type {
        out = out.header("Content-Type", ct);
    }
    if let Some(l) = &resp.location {
        out = out.header("Location", l.as_str());
    }
    for (name, value) in &resp.headers {
        out = out.header(*name, value.as_str());
    }
    if let Some(origin) = cors_origin {
        out = out
            .header("Access-Control-Allow-Origin", origin)
            .header("Vary", "Origin")
            .header("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
            .header(
                "Access-Control-Allow-Headers",
                "Origin, X-Requested-With, Accept, Content-Type, X-Auth-Token, Wazo-Tenant",
            )
            .header("Access-Control-Expose-Headers", "Location");
    }
    out.body(Full::new(Bytes::from(resp.body))).unwrap_or_else(|e| {
        log::error!("REST API: cannot build a response: {e}");
        let mut r = Response::new(Full::new(Bytes::from_static(b"Internal error")));
        *r.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        let allowed = vec!["provd.example".to_owned()];
        for ok in ["localhost", "LOCALHOST:8666", "127.0.0.1", "127.0.0.1:8666", "127.8.9.1:1", "[::1]:8666", "[::1]"] {
            assert!(host_allowed(ok, &[]), "{ok}");
        }
        assert!(host_allowed("provd.example:8666", &allowed));
        for bad in
            ["attacker.example", "attacker.example:8666", "10.0.0.1:8666", "[::2]:1", "localhost.attacker.example"]
        {
            assert!(!host_allowed(bad, &allowed), "{bad}");
        }
    }

    #[test]
    fn origins() {
        let cors = vec!["https://admin.example".to_owned()];
        assert_eq!(check_origin(None, Some("localhost:8666"), &[]), OriginCheck::SameOrNone);
        assert_eq!(check_origin(Some("http://localhost:8666"), Some("localhost:8666"), &[]), OriginCheck::SameOrNone);
        assert_eq!(check_origin(Some("https://admin.example"), Some("localhost:8666"), &cors), OriginCheck::Cors);
        assert_eq!(check_origin(Some("http://evil.example"), Some("localhost:8666"), &cors), OriginCheck::Refused);
        assert_eq!(check_origin(Some("null"), Some("localhost:8666"), &cors), OriginCheck::Refused);
    }
}
