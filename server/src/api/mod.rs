//! The REST API: wazo-provd's `/0.2` surface (`docs/behaviour/rest-api.md`)
//! on its own listener thread, next to the data plane. Changes made here
//! reach phones on their own: every write bumps the generation the I/O
//! threads read, and changes to what a device is served trigger a compile.

pub mod http;
pub mod listener;
pub mod oip;
pub mod selector;

mod configs;
mod devices;
mod params;
mod plugins;
pub mod sync;

use std::sync::Arc;
use std::time::Instant;

use provd_compiler::compile::{CompileError, Report, Scope};
use provd_compiler::publish::Publisher;
use provd_store::data::DataDir;
use provd_store::{Store, WriteTxn};
use serde_json::json;

use self::http::{Req, Resp, links};
use crate::serve::Shared;

/// How clients prove who they are.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `X-Auth-Token` must be one of these.
    Tokens(Vec<String>),
    /// No check (refused unless the API listens on loopback).
    Disabled,
}

/// The API's state, shared by its threads.
pub struct Api {
    pub data: DataDir,
    pub shared: Arc<Shared>,
    pub ops: oip::Operations,
    pub auth: Auth,
    /// The single tenant devices belong to.
    pub tenant: String,
    pub sync: sync::SyncConfig,
    pub started: Instant,
    /// Compiles and publishes; the installed plugins.
    pub publisher: Arc<Publisher>,
}

impl Api {
    pub fn new(data: DataDir, shared: Arc<Shared>, auth: Auth, tenant: String, sync: sync::SyncConfig) -> Api {
        Api {
            ops: oip::Operations::default(),
            auth,
            tenant,
            sync,
            started: Instant::now(),
            publisher: shared.publisher.clone(),
            data,
            shared,
        }
    }
}

/// Checks the client's token (given in `X-Auth-Token`) for `path`.
pub(crate) fn authorize(api: &Api, path: &str, token: Option<&str>) -> Result<(), Resp> {
    // The spec and the metrics are readable without a token, as wazo-provd
    // serves its api.yml.
    if path == "/0.2/api/api.yml" || path == "/metrics" {
        return Ok(());
    }
    match &api.auth {
        Auth::Disabled => Ok(()),
        Auth::Tokens(tokens) => {
            let given = token.unwrap_or("");
            // Compare every byte of every token: no early exit to time.
            let ok = tokens.iter().fold(false, |ok, t| ok | constant_time_eq(t.as_bytes(), given.as_bytes()));
            if ok && !given.is_empty() { Ok(()) } else { Err(Resp::text(401, "Unauthorized")) }
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) fn route(api: &Api, req: &Req<'_>) -> Resp {
    let decoded: Vec<String> =
        req.path.trim_end_matches('/').split('/').skip(1).map(selector::percent_decode_path).collect();
    let parts: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let m = req.method;
    let result = match (m, parts.as_slice()) {
        ("GET", ["metrics"]) => return metrics(api),
        (_, ["0.2", rest @ ..]) => match (m, rest) {
            ("GET", []) => get(req, || {
                Ok(links(
                    req.path,
                    &[
                        ("dev", "dev_mgr"),
                        ("cfg", "cfg_mgr"),
                        ("pg", "pg_mgr"),
                        ("status", "status"),
                        ("srv.configure", "configure"),
                    ],
                ))
            }),
            ("GET", ["status"]) => get(req, || status(api)),
            ("GET", ["api", "api.yml"]) => Ok(Resp {
                content_type: Some("application/x-yaml"),
                body: include_bytes!("api.yml").to_vec(),
                ..Resp::empty(200)
            }),
            (_, ["configure", ..]) => params::route(api, req, &rest[1..]),
            (_, ["dev_mgr", ..]) => devices::route(api, req, &rest[1..]),
            (_, ["cfg_mgr", ..]) => configs::route(api, req, &rest[1..]),
            (_, ["pg_mgr", ..]) => plugins::route(api, req, &rest[1..]),
            _ => Err(Resp::not_found("Not Found")),
        },
        _ => Err(Resp::not_found("Not Found")),
    };
    result.unwrap_or_else(|r| r)
}

/// A GET answering a JSON document: the Accept check, then the document.
pub(crate) fn get(req: &Req<'_>, f: impl FnOnce() -> Result<serde_json::Value, Resp>) -> Result<Resp, Resp> {
    req.check_accept()?;
    Ok(Resp::json(200, &f()?))
}

fn status(api: &Api) -> Result<serde_json::Value, Resp> {
    let store = &api.shared.store;
    let r = store.read_txn().map_err(internal)?;
    Ok(json!({
        "rest_api": "ok",
        "generation": store.generation(&r).map_err(internal)?,
        "devices": store.device_count(&r).map_err(internal)?,
        "uptime_seconds": api.started.elapsed().as_secs(),
    }))
}

/// `id` as one URL path segment (ids may hold any printable character).
pub(crate) fn url_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A compile that could not run: the store or the plugins directory failed
/// (500, the server's fault), or what it was asked for does not exist
/// (400, as wazo-provd answers a failed reconfigure).
pub(crate) fn compile_error(e: CompileError) -> Resp {
    match e {
        CompileError::Store(_) | CompileError::Plugins(_) => internal(e),
        other => Resp::text(400, other.to_string()),
    }
}

pub(crate) fn internal(e: impl std::fmt::Display) -> Resp {
    log::error!("REST API: {e}");
    Resp::text(500, format!("Internal error: {e}"))
}

impl Api {
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Runs `f` in a write transaction, bumps the generation (the data
    /// plane rereads devices and parameters) and commits.
    pub(crate) fn write<T>(&self, f: impl FnOnce(&Store, &mut WriteTxn<'_>) -> Result<T, Resp>) -> Result<T, Resp> {
        let store = self.store();
        let mut w = store.write_txn().map_err(internal)?;
        let out = f(store, &mut w)?;
        let g = store.bump_generation(&mut w).map_err(internal)?;
        w.commit().map_err(internal)?;
        self.publisher.hint().raise(g);
        Ok(out)
    }

    /// Compiles `scope` and publishes (keeping going past failing devices).
    pub(crate) fn compile(&self, scope: Scope) -> Result<Report, Resp> {
        self.publisher.publish_keep_going(scope).map_err(compile_error)
    }
}

fn metrics(api: &Api) -> Resp {
    use std::fmt::Write;
    use std::sync::atomic::Ordering::Relaxed;
    let s = &api.shared.stats;
    let store = api.store();
    let (generation, devices) = store
        .read_txn()
        .ok()
        .map(|r| (store.generation(&r).unwrap_or(0), store.device_count(&r).unwrap_or(0)))
        .unwrap_or_default();
    let mut out = String::new();
    let mut metric = |name: &str, kind: &str, help: &str, samples: &[(&str, f64)]| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, v) in samples {
            let _ = writeln!(out, "{name}{labels} {v}");
        }
    };
    let by_proto = |c: &crate::serve::ProtocolCounters| {
        [
            ("served", c.served.load(Relaxed)),
            ("not_found", c.not_found.load(Relaxed)),
            ("unrouted", c.unrouted.load(Relaxed)),
            ("unavailable", c.unavailable.load(Relaxed)),
        ]
    };
    let mut requests = Vec::new();
    let labels: Vec<String> = [("http", &s.http), ("tftp", &s.tftp)]
        .iter()
        .flat_map(|(p, c)| by_proto(c).map(|(o, _)| format!("{{protocol=\"{p}\",outcome=\"{o}\"}}")))
        .collect();
    let values: Vec<f64> = [&s.http, &s.tftp].iter().flat_map(|c| by_proto(c).map(|(_, v)| v as f64)).collect();
    for (l, v) in labels.iter().zip(&values) {
        requests.push((l.as_str(), *v));
    }
    metric("provd_requests_total", "counter", "Phone requests by protocol and outcome.", &requests);
    metric(
        "provd_identifications_total",
        "counter",
        "Identification results: known device, writer involved, unidentified.",
        &[
            ("{result=\"known\"}", s.known.load(Relaxed) as f64),
            ("{result=\"updated\"}", s.updated.load(Relaxed) as f64),
            ("{result=\"waited\"}", s.waited_for_writer.load(Relaxed) as f64),
            ("{result=\"unidentified\"}", s.unidentified.load(Relaxed) as f64),
        ],
    );
    metric(
        "provd_transfers_in_flight",
        "gauge",
        "TFTP transfers in progress.",
        &[("", s.transfers_in_flight.load(Relaxed) as f64)],
    );
    metric("provd_bytes_sent_total", "counter", "File bytes sent to phones.", &[("", s.bytes.load(Relaxed) as f64)]);
    metric("provd_generation", "gauge", "Generation of the store being served.", &[("", generation as f64)]);
    metric("provd_devices", "gauge", "Devices in the store.", &[("", devices as f64)]);
    let seconds = |nanos: &std::sync::atomic::AtomicU64| nanos.load(Relaxed) as f64 / 1e9;
    let c = api.publisher.stats();
    metric("provd_compiles_total", "counter", "Compiles run by this server.", &[("", c.compiles.load(Relaxed) as f64)]);
    metric("provd_compile_seconds_total", "counter", "Time spent compiling.", &[("", seconds(&c.nanos))]);
    metric("provd_compile_last_seconds", "gauge", "Duration of the last compile.", &[("", seconds(&c.last_nanos))]);
    metric(
        "provd_render_failures_total",
        "counter",
        "Devices that failed to render.",
        &[("", c.failures.load(Relaxed) as f64)],
    );
    metric(
        "provd_autocreate_refused_total",
        "counter",
        "Device creations refused by the rate limits.",
        &[("", s.autocreate_refused.load(Relaxed) as f64)],
    );
    metric(
        "provd_writer_busy_total",
        "counter",
        "Requests the writer could not take.",
        &[("", s.writer_busy.load(Relaxed) as f64)],
    );
    metric(
        "provd_accept_errors_total",
        "counter",
        "Failed accepts (or TFTP transfer sockets), mostly for want of descriptors.",
        &[
            ("{listener=\"http\"}", s.http_accept_errors.load(Relaxed) as f64),
            ("{listener=\"api\"}", s.api_accept_errors.load(Relaxed) as f64),
            ("{listener=\"tftp\"}", s.tftp_socket_errors.load(Relaxed) as f64),
        ],
    );
    let budget = &api.shared.budget;
    metric(
        "provd_descriptor_budget",
        "gauge",
        "Descriptors set aside per use (see the server's start-up log).",
        &[
            ("{use=\"http\"}", budget.http.cap() as f64),
            ("{use=\"tftp\"}", budget.tftp.cap() as f64),
            ("{use=\"api\"}", budget.api as f64),
            ("{use=\"reserve\"}", budget.reserve as f64),
        ],
    );
    metric(
        "provd_descriptors_in_use",
        "gauge",
        "Phone connections and transfers open now.",
        &[
            ("{use=\"http\"}", budget.http.in_use() as f64),
            ("{use=\"tftp\"}", budget.tftp.in_use() as f64),
            ("{use=\"tftp_unanswered\"}", budget.tftp_unanswered.in_use() as f64),
        ],
    );
    metric(
        "provd_http_connections_refused_total",
        "counter",
        "HTTP connections closed at once: every place taken, or their address held its share.",
        &[
            ("{reason=\"full\"}", s.http_refused_full.load(Relaxed) as f64),
            ("{reason=\"per_address\"}", s.http_refused_per_address.load(Relaxed) as f64),
        ],
    );
    metric(
        "provd_tftp_requests_dropped_total",
        "counter",
        "TFTP requests dropped: every transfer place taken, every unanswered place taken, or their address held its share of unanswered transfers.",
        &[
            ("{reason=\"full\"}", s.tftp_dropped_full.load(Relaxed) as f64),
            ("{reason=\"unanswered\"}", s.tftp_dropped_unanswered.load(Relaxed) as f64),
            ("{reason=\"per_address\"}", s.tftp_dropped_per_address.load(Relaxed) as f64),
        ],
    );
    metric(
        "provd_tftp_unproven_security_events_total",
        "counter",
        "TFTP requests whose security-log lines were not written: the peer never answered, so its address may be forged.",
        &[("", s.tftp_unproven_security_events.load(Relaxed) as f64)],
    );
    metric(
        "provd_api_connections_closed_total",
        "counter",
        "REST connections closed for room: the idle one closed, or the new one refused when none was idle.",
        &[
            ("{reason=\"idle\"}", s.api_closed_idle.load(Relaxed) as f64),
            ("{reason=\"refused\"}", s.api_refused.load(Relaxed) as f64),
        ],
    );
    metric(
        "provd_security_log_dropped_total",
        "counter",
        "Security log lines lost.",
        &[("", api.shared.seclog.dropped() as f64)],
    );
    Resp { content_type: Some("text/plain; version=0.0.4"), body: out.into_bytes(), ..Resp::empty(200) }
}
