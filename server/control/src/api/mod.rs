//! The REST API: wazo-provd's `/0.2` surface (`docs/behaviour/rest-api.md`)
//! on its own listener thread, next to the data plane. Changes made here
//! reach phones on their own: every write bumps the generation the I/O
//! threads read, and changes to what a device is served trigger a compile.

mod http;
pub mod listener;
mod oip;
mod phones;
mod selector;

mod configs;
mod devices;
mod params;
pub(crate) mod plugins;
pub mod sync;
mod tenants;
pub mod wazo_auth;

use std::sync::Arc;
use std::time::Instant;

use provd_compiler::compile::{CompileError, Report, Scope};
use provd_compiler::group::{Committer, Stage, WriteError};
use provd_compiler::publish::Publisher;
use provd_store::Store;
use provd_store::data::DataDir;
use serde_json::json;

use self::http::{Req, Resp, links};
pub use self::phones::{PhoneSide, PhoneSideBusy, TriggerWatch};

/// How clients prove who they are.
#[derive(Debug, Clone)]
pub enum Auth {
    /// `X-Auth-Token` must be one of these.
    Tokens(Vec<String>),
    /// No check (refused unless the API listens on loopback).
    Disabled,
    /// Each token checked by wazo-auth, with the ACL of the route.
    WazoAuth(Arc<wazo_auth::WazoAuth>),
}

impl Auth {
    /// Whether checking a token may wait for another server.
    pub(crate) fn is_remote(&self) -> bool {
        matches!(self, Auth::WazoAuth(_))
    }
}

/// The API's state, shared by its threads.
pub struct Api {
    /// The data directory: the store and the plugins directory.
    pub(crate) data: DataDir,
    /// Compiles and publishes; the installed plugins.
    pub(crate) publisher: Arc<Publisher>,
    /// Where writes go to be committed, with others, and published.
    pub(crate) committer: Committer,
    /// What the API asks of the phone side.
    pub(crate) phones: Arc<dyn PhoneSide>,
    /// Operations in progress (installs, updates, synchronizes).
    pub(crate) ops: oip::Operations,
    /// How clients prove who they are.
    pub(crate) auth: Auth,
    /// provd's own tenant: devices in it are new (unallocated), and a
    /// request naming no tenant acts for it.
    pub(crate) tenant: String,
    /// How synchronize reaches phones.
    pub(crate) sync: sync::SyncConfig,
    /// The CA bundle (PEM) an https plugin server must be signed by;
    /// none: the web's public roots.
    pub(crate) plugin_server_ca: Option<Vec<u8>>,
    /// When the API was set up, for `status`' uptime.
    pub(crate) started: Instant,
    /// The REST connections closed for room, for `/metrics`.
    pub(crate) stats: Arc<ApiStats>,
    /// Cluster mode: writes reach PostgreSQL before they are answered.
    pub(crate) cluster: Option<Arc<crate::cluster::Cluster>>,
}

/// How the REST API is set up (see [`Api::new`]).
pub struct ApiConfig {
    /// How clients prove who they are.
    pub auth: Auth,
    /// provd's own tenant (the `tenant_uuid` of devices the API creates
    /// for a request naming no tenant, or shows without one).
    pub tenant: String,
    /// How synchronize reaches phones.
    pub sync: sync::SyncConfig,
    /// The CA bundle (PEM) an https plugin server must be signed by
    /// (`--plugin-server-ca`); none: the web's public roots.
    pub plugin_server_ca: Option<Vec<u8>>,
    /// Cluster mode (`--postgres`): the node's view of the cluster.
    pub cluster: Option<Arc<crate::cluster::Cluster>>,
}

impl Api {
    /// The API over `publisher`'s data directory; its writes are committed
    /// by `committer` (the server's writer thread: see
    /// `provd_compiler::group`).
    pub fn new(publisher: Arc<Publisher>, committer: Committer, phones: Arc<dyn PhoneSide>, config: ApiConfig) -> Api {
        Api {
            data: publisher.data().clone(),
            publisher,
            committer,
            phones,
            ops: oip::Operations::default(),
            auth: config.auth,
            tenant: config.tenant,
            sync: config.sync,
            plugin_server_ca: config.plugin_server_ca,
            started: Instant::now(),
            stats: Arc::default(),
            cluster: config.cluster,
        }
    }
}

/// Checks the client's token (given in `X-Auth-Token`) for `path`, and
/// finds the tenant it acts for (`Wazo-Tenant`, see [`tenants`]).
pub(crate) fn authorize(
    api: &Api,
    method: &str,
    path: &str,
    token: Option<&str>,
    tenant: Option<&str>,
) -> Result<tenants::Caller, Resp> {
    // The spec and the metrics are readable without a token, as wazo-provd
    // serves its api.yml.
    if path == "/0.2/api/api.yml" || path == "/metrics" {
        return Ok(tenants::Caller::root(&api.tenant));
    }
    match &api.auth {
        Auth::Disabled => tenants::static_caller(&api.tenant, tenant),
        Auth::WazoAuth(auth) => {
            let decoded: Vec<String> =
                path.trim_end_matches('/').split('/').skip(1).map(selector::percent_decode_path).collect();
            let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
            let tenant = tenant.map(str::trim).filter(|t| !t.is_empty());
            // The ACL may name the tenant acted for (parameters).
            auth.authorize(token.unwrap_or(""), |t| wazo_auth::acl(method, &segments, t), tenant)
        }
        Auth::Tokens(tokens) => {
            let given = token.unwrap_or("");
            // Compare every byte of every token: no early exit to time.
            let ok = tokens.iter().fold(false, |ok, t| ok | constant_time_eq(t.as_bytes(), given.as_bytes()));
            if ok && !given.is_empty() {
                tenants::static_caller(&api.tenant, tenant)
            } else {
                Err(Resp::text(401, "Unauthorized"))
            }
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
            _ => Err(Resp::not_found("")),
        },
        _ => Err(Resp::not_found("")),
    };
    result.unwrap_or_else(|r| r)
}

/// A GET answering a JSON document: the Accept check, then the document.
pub(crate) fn get(req: &Req<'_>, f: impl FnOnce() -> Result<serde_json::Value, Resp>) -> Result<Resp, Resp> {
    req.check_accept()?;
    Ok(Resp::json(200, &f()?))
}

fn status(api: &Api) -> Result<serde_json::Value, Resp> {
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    let mut status = json!({
        "rest_api": "ok",
        "generation": store.generation(&r).map_err(internal)?,
        "devices": store.device_count(&r).map_err(internal)?,
        "uptime_seconds": api.started.elapsed().as_secs(),
    });
    if let Some(c) = &api.cluster {
        status["database"] = c.status();
    }
    Ok(status)
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
pub(crate) fn compile_failure(e: CompileError) -> Resp {
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
    /// The API's part of `/metrics`, to register with the others.
    pub fn collector(&self) -> Collector {
        Collector { publisher: self.publisher.clone(), stats: self.stats.clone() }
    }

    pub(crate) fn store(&self) -> &Store {
        self.data.store()
    }

    /// Runs `f` in the next group commit (see `provd_compiler::group`) and
    /// returns once its changes, and whatever it published with
    /// [`Stage::publish`], are committed; an `Err` from `f` is answered
    /// and nothing of the write is kept. `f` calls [`Stage::changed`] when
    /// the write changes what the data plane reads (devices, parameters,
    /// a config some device uses).
    ///
    /// In cluster mode the group's records, this write's among them, reach
    /// PostgreSQL in one transaction before the store commits (the group
    /// hook the cluster sets; 503 when the database is away: nothing of the
    /// write is kept).
    pub(crate) fn write<T: Send + 'static>(
        &self,
        f: impl for<'a, 'e> FnOnce(&mut Stage<'a, 'e>) -> Result<T, Resp> + Send + 'static,
    ) -> Result<T, Resp> {
        self.committer.write(f).map_err(|e| match e {
            WriteError::Refused(resp) => resp,
            WriteError::Store(why) => internal(format!("the write was not committed: {why}")),
            WriteError::Unavailable(why) => {
                log::warn!("REST API: write refused: {why}");
                Resp::text(
                    503,
                    format!(
                        "{why}: the write was not made (this node keeps serving phones; retry when the database is back)"
                    ),
                )
            }
            WriteError::Gone => {
                Resp::text(503, "the store's writer is not available (stopping, or failed: see the log)")
            }
        })
    }

    /// Compiles `scope` and publishes (keeping going past failing devices).
    pub(crate) fn compile(&self, scope: Scope) -> Result<Report, Resp> {
        self.publisher.publish_keep_going(scope).map_err(compile_failure)
    }
}

/// The REST API's own counters and the store's and compiles' state, for
/// `/metrics` (a prometheus-client collector; see [`Api::new`]).
#[derive(Debug, Default)]
pub(crate) struct ApiStats {
    /// REST connections closed to make room (the idle one), or refused
    /// when none was idle.
    pub(crate) closed_idle: std::sync::atomic::AtomicU64,
    pub(crate) refused: std::sync::atomic::AtomicU64,
}

/// [`Api`]'s part of `/metrics` ([`Api::collector`]): the store and the
/// compiles, and the REST connections closed for room.
pub struct Collector {
    publisher: Arc<Publisher>,
    stats: Arc<ApiStats>,
}

impl provd_net::metrics::WriteMetrics for Collector {
    fn write_metrics(&self, out: &mut provd_net::metrics::Text) {
        use std::sync::atomic::Ordering::Relaxed;
        let store = self.publisher.data().store();
        let (generation, devices) = store
            .read_txn()
            .ok()
            .map(|r| (store.generation(&r).unwrap_or(0), store.device_count(&r).unwrap_or(0)))
            .unwrap_or_default();
        out.single("provd_generation", "gauge", "Generation of the store being served.", generation as f64);
        out.single("provd_devices", "gauge", "Devices in the store.", devices as f64);
        let c = self.publisher.stats();
        let seconds = |nanos: &std::sync::atomic::AtomicU64| nanos.load(Relaxed) as f64 / 1e9;
        out.single("provd_compiles_total", "counter", "Compiles run by this server.", c.compiles.load(Relaxed) as f64);
        out.single("provd_compile_seconds_total", "counter", "Time spent compiling.", seconds(&c.nanos));
        out.single("provd_compile_last_seconds", "gauge", "Duration of the last compile.", seconds(&c.last_nanos));
        out.single(
            "provd_render_failures_total",
            "counter",
            "Devices that failed to render.",
            c.failures.load(Relaxed) as f64,
        );
        out.single(
            "provd_store_commits_total",
            "counter",
            "Store commits of REST writes and phones' records (group commits: one carries every write queued meanwhile).",
            c.group_commits.load(Relaxed) as f64,
        );
        out.single(
            "provd_store_writes_total",
            "counter",
            "Writes those commits carried: each REST write, and each batch of phones' records, counts one.",
            c.group_writes.load(Relaxed) as f64,
        );
        out.family(
            "provd_api_connections_closed_total",
            "counter",
            "REST connections closed for room: the idle one closed, or the new one refused when none was idle.",
            &[
                ("{reason=\"idle\"}", self.stats.closed_idle.load(Relaxed) as f64),
                ("{reason=\"refused\"}", self.stats.refused.load(Relaxed) as f64),
            ],
        );
    }
}
