//! What both protocols do with a phone's request once it is parsed: run the
//! identification pipeline on the thread's snapshot, hand writes to the
//! writer (waiting only when the answer depends on them), and find the file
//! in the device's plugin.

use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use provd_shared::Plugin;
use provd_shared::family::Request;
use provd_shared::store::Store;

use crate::body::Body;
use crate::pipeline::{self, Decision};
use crate::seclog::SecurityLog;
use crate::snapshot::{Current, GenerationHint, Snapshot};
use crate::writer::{Job, Writer};

/// Counters for logs and metrics.
#[derive(Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub served: AtomicU64,
    pub not_found: AtomicU64,
    pub unrouted: AtomicU64,
    pub waited_for_writer: AtomicU64,
    pub writer_busy: AtomicU64,
    pub bytes: AtomicU64,
    pub transfers_in_flight: AtomicU64,
}

/// What every I/O thread shares.
pub struct Shared {
    pub store: Store,
    pub plugins: Arc<Vec<Plugin>>,
    pub writer: Writer,
    pub seclog: SecurityLog,
    pub hint: GenerationHint,
    pub stats: Stats,
    pub stop: Arc<AtomicBool>,
    pub base_policy: crate::pipeline::Policy,
}

/// One I/O thread's view.
pub struct ThreadCtx {
    pub shared: Arc<Shared>,
    pub current: Current,
}

impl ThreadCtx {
    pub fn new(shared: Arc<Shared>) -> provd_shared::store::Result<Rc<ThreadCtx>> {
        let current = Current::new(shared.store.clone(), shared.base_policy, shared.hint.clone())?;
        Ok(Rc::new(ThreadCtx { shared, current }))
    }
}

/// A file found for a request.
pub struct Found {
    pub body: Body,
    pub etag: [u8; 18],
    pub modified: i64,
}

pub enum Resolution {
    File(Found),
    /// The device's plugin has no such file.
    NotFound,
    /// No device, or a device without an installed plugin: wazo-provd's
    /// "Nowhere to route this request".
    NowhereToRoute,
    /// The writer could not take the request (saturated or failed).
    Unavailable,
}

/// `<plugin>/<path>` without allocating.
struct RouteKey {
    buf: [u8; 1280],
    len: usize,
}

impl RouteKey {
    fn new(plugin: &str, path: &str) -> Option<RouteKey> {
        let len = plugin.len() + 1 + path.len();
        if len > 1280 {
            return None;
        }
        let mut k = RouteKey { buf: [0; 1280], len };
        k.buf[..plugin.len()].copy_from_slice(plugin.as_bytes());
        k.buf[plugin.len()] = b'/';
        k.buf[plugin.len() + 1..len].copy_from_slice(path.as_bytes());
        Some(k)
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

/// Runs the pipeline for a request and finds its file. `request` is what
/// the families look at; `path` the normalised path (no leading slash) to
/// serve; `basename` its file name.
pub async fn resolve(ctx: &ThreadCtx, request: Request<'_>, ip: IpAddr, path: &str, basename: &[u8]) -> Resolution {
    let shared = &ctx.shared;
    shared.stats.requests.fetch_add(1, Ordering::Relaxed);
    let snapshot = ctx.current.get();
    let info = pipeline::extract(&request);
    let decision =
        match pipeline::decide(&shared.store, &snapshot.txn, &shared.plugins, &snapshot.policy, &info, ip, basename) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("provd-server: pipeline: {e}");
                return Resolution::Unavailable;
            }
        };
    match decision {
        Decision::Known { plugin, .. } => find(ctx, &snapshot, plugin.as_deref(), path, ip, basename),
        Decision::Unknown => {
            shared.stats.unrouted.fetch_add(1, Ordering::Relaxed);
            Resolution::NowhereToRoute
        }
        Decision::Write { wait: false, plugin, .. } => {
            let job = Job { info: info.into_owned(), ip, file: basename.to_vec(), reply: None };
            if shared.writer.submit(job).is_err() {
                shared.stats.writer_busy.fetch_add(1, Ordering::Relaxed);
            }
            find(ctx, &snapshot, plugin.as_deref(), path, ip, basename)
        }
        Decision::Write { wait: true, .. } => {
            drop(decision);
            let (tx, rx) = futures_channel::oneshot::channel();
            let job = Job { info: info.into_owned(), ip, file: basename.to_vec(), reply: Some(tx) };
            if shared.writer.submit(job).is_err() {
                shared.stats.writer_busy.fetch_add(1, Ordering::Relaxed);
                return Resolution::Unavailable;
            }
            shared.stats.waited_for_writer.fetch_add(1, Ordering::Relaxed);
            drop(snapshot);
            let Ok(applied) = rx.await else { return Resolution::Unavailable };
            // The writer raised the generation hint before answering.
            let snapshot = ctx.current.get();
            find(ctx, &snapshot, applied.plugin.as_deref(), path, ip, basename)
        }
    }
}

fn find(
    ctx: &ThreadCtx,
    snapshot: &Rc<Snapshot>,
    plugin: Option<&str>,
    path: &str,
    ip: IpAddr,
    basename: &[u8],
) -> Resolution {
    let shared = &ctx.shared;
    let Some(plugin) = plugin.and_then(|id| shared.plugins.iter().find(|p| p.id == id)) else {
        shared.stats.unrouted.fetch_add(1, Ordering::Relaxed);
        return Resolution::NowhereToRoute;
    };
    // Logged before the lookup, whether the file exists or not (as
    // wazo-provd does: guessing MAC-named files is what fail2ban watches).
    if plugin.family.is_sensitive(basename) {
        shared.seclog.sensitive_file(ip, basename);
    }
    let Some(key) = RouteKey::new(&plugin.id, path) else { return Resolution::NotFound };
    let route = match shared.store.route(&snapshot.txn, key.as_str()) {
        Ok(Some(r)) => r,
        Ok(None) => {
            shared.stats.not_found.fetch_add(1, Ordering::Relaxed);
            return Resolution::NotFound;
        }
        Err(e) => {
            eprintln!("provd-server: route {}: {e}", key.as_str());
            return Resolution::Unavailable;
        }
    };
    match shared.store.content(&snapshot.txn, &route) {
        Ok(bytes) => {
            shared.stats.served.fetch_add(1, Ordering::Relaxed);
            Resolution::File(Found {
                body: Body::new(snapshot.clone(), bytes),
                etag: route.etag(),
                modified: route.modified(),
            })
        }
        Err(e) => {
            eprintln!("provd-server: content {}: {e}", key.as_str());
            Resolution::Unavailable
        }
    }
}
