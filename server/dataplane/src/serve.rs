//! What both protocols do with a phone's request once it is parsed: run the
//! identification pipeline on the thread's snapshot, hand writes to the
//! writer (waiting only when the answer depends on them), and find the file
//! in the device's plugin.

use std::collections::HashMap;
use std::net::IpAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Instant;

use provd_core::family::Request;
use provd_store::Store;

use crate::body::Body;
use crate::pipeline::{self, Decision, Policy};
use crate::seclog::SecurityLog;
use crate::shared_address::SharedAddresses;
use crate::snapshot::{Current, Snapshot};
use crate::writer::{Job, Writer};
use provd_compiler::publish::Publisher;

/// What happened to phone requests of one protocol.
#[derive(Default)]
pub(crate) struct ProtocolCounters {
    /// A file was found and its answer begun.
    pub(crate) served: Counter,
    /// The device's plugin has no such file.
    pub(crate) not_found: Counter,
    /// No device or no plugin: "Nowhere to route this request".
    pub(crate) unrouted: Counter,
    /// The store or the writer failed the request.
    pub(crate) unavailable: Counter,
}

/// A counter bumped by every request on every I/O thread. One cache line
/// per slot, a slot per thread: with one shared atomic the threads passed
/// its line back and forth on each request. Reading sums the slots.
#[derive(Default)]
pub(crate) struct Counter([Slot; COUNTER_SLOTS]);

#[derive(Default)]
#[repr(align(128))]
struct Slot(AtomicU64);

const COUNTER_SLOTS: usize = 8;

impl Counter {
    /// Adds `n` in this thread's slot.
    pub(crate) fn fetch_add(&self, n: u64, order: Ordering) {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        thread_local! {
            static SLOT: usize = NEXT.fetch_add(1, Ordering::Relaxed) % COUNTER_SLOTS;
        }
        self.0[SLOT.with(|s| *s)].0.fetch_add(n, order);
    }

    /// The sum of the slots.
    pub(crate) fn load(&self, order: Ordering) -> u64 {
        self.0.iter().fold(0u64, |sum, s| sum.wrapping_add(s.0.load(order)))
    }
}

/// The data plane's counters, bumped by the I/O threads and the writer and
/// shown in `/metrics` by [`Metrics`]. Start from `Stats::default()`.
#[derive(Default)]
pub struct Stats {
    /// Outcomes of HTTP requests.
    pub(crate) http: ProtocolCounters,
    /// Outcomes of TFTP requests.
    pub(crate) tftp: ProtocolCounters,
    /// Identified a device with nothing to update: the fast path.
    pub(crate) known: Counter,
    /// Handed to the writer without waiting (new information to record).
    pub(crate) updated: Counter,
    /// Waited for the writer (a new device's first file).
    pub(crate) waited_for_writer: AtomicU64,
    /// Nothing identified, nothing created.
    pub(crate) unidentified: AtomicU64,
    /// Device creations refused by the rate limits.
    pub(crate) autocreate_refused: AtomicU64,
    /// Requests the writer could not take (its queue full, or gone).
    pub(crate) writer_busy: AtomicU64,
    /// File bytes sent to phones, over both protocols.
    pub(crate) bytes: Counter,
    /// TFTP transfers running now.
    pub(crate) transfers_in_flight: AtomicU64,
    /// Security-log lines not written because the TFTP peer never proved
    /// its address (it never answered: possibly a spoofed source).
    pub(crate) tftp_unproven_security_events: AtomicU64,
    /// HTTPS connections whose TLS handshake failed or timed out.
    pub(crate) tls_handshake_failures: AtomicU64,
    /// Device files refused to a client certificate naming another device
    /// (or none).
    pub(crate) certificate_refusals: AtomicU64,
    /// Device files served as their encrypted copy (`config_encryption`).
    pub(crate) sealed: AtomicU64,
    /// Addresses several phones share with NAT mode off, found by the
    /// writer; requests from them keep every device's address.
    pub(crate) shared_addresses: SharedAddresses,
}

impl Stats {
    fn of(&self, request: &Request<'_>) -> &ProtocolCounters {
        match request {
            Request::Tftp { .. } => &self.tftp,
            _ => &self.http,
        }
    }
}

/// Phones fetching their remote-state trigger file, recorded only while
/// someone watches (a mass synchronize waiting for phones to come back):
/// otherwise the request path pays one atomic load.
#[derive(Default)]
pub struct TriggerFetches {
    watchers: AtomicUsize,
    seen: std::sync::Mutex<HashMap<String, Vec<Instant>>>,
}

/// Keeps [`TriggerFetches`] recording while alive.
pub struct FetchWatch<'a>(&'a TriggerFetches);

impl FetchWatch<'_> {
    /// The first fetch by `device_id` at or after `since`.
    pub fn first_since(&self, device_id: &str, since: Instant) -> Option<Instant> {
        self.0.first_since(device_id, since)
    }
}

impl Drop for FetchWatch<'_> {
    fn drop(&mut self) {
        if self.0.watchers.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.0.seen.lock().unwrap_or_else(|e| e.into_inner()).clear();
        }
    }
}

impl TriggerFetches {
    /// Fetches per device kept: enough to see one after a NOTIFY even if
    /// the phone also fetched just before it.
    const KEEP: usize = 8;

    /// Records fetches while the returned watch, or any other, lives; what
    /// was recorded goes when the last one drops.
    pub fn watch(&self) -> FetchWatch<'_> {
        self.watchers.fetch_add(1, Ordering::AcqRel);
        FetchWatch(self)
    }

    /// Whether anyone watches: the request path records nothing otherwise.
    pub(crate) fn active(&self) -> bool {
        self.watchers.load(Ordering::Relaxed) > 0
    }

    /// `device_id` fetched its trigger file at `at`.
    pub(crate) fn record(&self, device_id: &str, at: Instant) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let times = seen.entry(device_id.to_owned()).or_default();
        if times.len() == Self::KEEP {
            times.remove(0);
        }
        times.push(at);
    }

    /// The first fetch by `device_id` at or after `since`.
    fn first_since(&self, device_id: &str, since: Instant) -> Option<Instant> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.get(device_id)?.iter().copied().find(|t| *t >= since)
    }
}

/// What every I/O thread shares. The server builds it once at start-up.
pub struct Shared {
    /// The store the snapshots are read from.
    pub store: Store,
    /// Compiles and publishes (one at a time), the installed plugins and
    /// the generation hint.
    pub publisher: Arc<Publisher>,
    /// Where requests send what they teach.
    pub writer: Writer,
    /// The fail2ban log.
    pub seclog: SecurityLog,
    /// The counters, shared with the writer.
    pub stats: Arc<Stats>,
    /// Trigger-file fetches, recorded while a mass synchronize watches.
    pub fetches: TriggerFetches,
    /// Set when the server is to stop: the loops stop accepting and let
    /// what is in flight finish, up to
    /// [`IoOptions::grace`](crate::runtime::IoOptions::grace).
    pub stop: Arc<AtomicBool>,
    /// The pipeline's policy before the store's parameters (`NAT`) apply.
    pub base_policy: crate::pipeline::Policy,
    /// The process's descriptor budget: the HTTP and TFTP pools, and the
    /// failed-accept counters.
    pub budget: Arc<provd_net::descriptors::Budget>,
    /// Devices whose new address the writer is still recording.
    pub pending: crate::pending::PendingAddresses,
    /// Sources guessing device files, and those ignored for it.
    pub scanners: crate::scanners::Scanners,
}

/// One I/O thread's view.
pub(crate) struct ThreadCtx {
    pub(crate) shared: Arc<Shared>,
    /// The thread's snapshot of the store.
    pub(crate) current: Current,
}

impl ThreadCtx {
    pub(crate) fn new(shared: Arc<Shared>) -> provd_store::Result<Rc<ThreadCtx>> {
        let current = Current::new(
            shared.store.clone(),
            shared.base_policy,
            shared.publisher.hint().clone(),
            shared.publisher.plugins().clone(),
        )?;
        Ok(Rc::new(ThreadCtx { shared, current }))
    }
}

/// A file found for a request.
pub(crate) struct Found {
    pub(crate) body: Body,
    /// The quoted entity-tag, as the `ETag` field carries it.
    pub(crate) etag: [u8; 18],
    /// When the file last changed, in seconds since the Unix epoch.
    pub(crate) modified: i64,
}

/// What a request may be given beyond what identifies it: the tenant of
/// the URL key it came through, and its client certificate.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Access<'a> {
    /// With `--url-key`: the tenant whose key the path starts with.
    pub(crate) key_tenant: Option<&'a str>,
    /// HTTPS with `--client-cert`: the verified certificate the phone
    /// showed, if any: device files only for its MAC. None: nothing to
    /// check (TFTP, plain HTTP, no certificate asked for or shown).
    pub(crate) client: Option<&'a crate::tls::ClientId>,
}

/// What a request gets.
pub(crate) enum Resolution {
    File(Found),
    /// A device's file, refused to a certificate that names another device
    /// (or none).
    Forbidden,
    /// The device's plugin has no such file.
    NotFound,
    /// No device, or a device without an installed plugin: wazo-provd's
    /// "Nowhere to route this request".
    NowhereToRoute,
    /// The writer could not take the request (saturated or failed).
    Unavailable,
}

/// Whether a request's source address is known to be the requester's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A TCP connection: the handshake proved the address.
    Proven,
    /// A TFTP request: its source may be forged until the peer answers on
    /// the transfer's port.
    Unproven,
}

/// The security-log lines a request earned. For a proven source they are
/// written at once (and this is empty); a TFTP transfer writes them when
/// its peer first answers ([`SecurityNotes::write`]), so forged requests
/// cannot get an address banned by fail2ban.
#[derive(Debug, Default)]
pub(crate) struct SecurityNotes {
    /// The requested file can hold credentials.
    pub(crate) sensitive: bool,
    /// The request created this device.
    pub(crate) created: Option<String>,
}

impl SecurityNotes {
    /// No line to write.
    pub(crate) fn is_empty(&self) -> bool {
        !self.sensitive && self.created.is_none()
    }

    /// Writes the lines, for `ip` asking for `basename`.
    pub(crate) fn write(self, seclog: &SecurityLog, ip: IpAddr, basename: &[u8]) {
        if let Some(id) = &self.created {
            seclog.device_created(ip, id);
        }
        if self.sensitive {
            seclog.sensitive_file(ip, basename);
        }
    }
}

/// Runs the pipeline for a request and finds its file. `request` is what
/// the families look at; `path` the normalised path (no leading slash) to
/// serve; `basename` its file name. The security-log lines the request
/// earned are written now for a [`Source::Proven`] request, and returned
/// for the caller to write once the source is proven otherwise.
pub(crate) async fn resolve(
    ctx: &ThreadCtx,
    request: Request<'_>,
    ip: IpAddr,
    path: &str,
    basename: &[u8],
    source: Source,
    access: Access<'_>,
) -> (Resolution, SecurityNotes) {
    let shared = &ctx.shared;
    let counters = shared.stats.of(&request);
    let mut notes = SecurityNotes::default();
    let resolution = resolve_counted(ctx, request, ip, path, basename, source, access, &mut notes).await;
    let counter = match &resolution {
        Resolution::File(_) => &counters.served,
        Resolution::NotFound | Resolution::Forbidden => &counters.not_found,
        Resolution::NowhereToRoute => &counters.unrouted,
        Resolution::Unavailable => &counters.unavailable,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    if source == Source::Proven && !notes.is_empty() {
        std::mem::take(&mut notes).write(&shared.seclog, ip, basename);
    }
    (resolution, notes)
}

#[allow(clippy::too_many_arguments)]
async fn resolve_counted(
    ctx: &ThreadCtx,
    request: Request<'_>,
    ip: IpAddr,
    path: &str,
    basename: &[u8],
    source: Source,
    Access { key_tenant, client }: Access<'_>,
    notes: &mut SecurityNotes,
) -> Resolution {
    let shared = &ctx.shared;
    let snapshot = ctx.current.get();
    let info = pipeline::extract(&request);
    let policy = effective_policy(&snapshot.policy, &shared.stats.shared_addresses, ip);
    let decision = match pipeline::decide(&shared.store, &snapshot.txn, &snapshot.plugins, &policy, &info, ip, path) {
        Ok(d) => d,
        Err(e) => {
            log::error!("pipeline: {e}");
            return Resolution::Unavailable;
        }
    };
    // Through a tenant's URL key, another tenant's device is nowhere.
    if let (Some(tenant), Decision::Known { device_id, .. } | Decision::Write { device_id: Some(device_id), .. }) =
        (key_tenant, &decision)
        && !key_allows(shared, &snapshot, tenant, device_id)
    {
        shared.stats.unidentified.fetch_add(1, Ordering::Relaxed);
        return Resolution::NowhereToRoute;
    }
    // A file of a device that does not exist (a guessed MAC), from a source
    // past its allowance: 404 at once, nothing written (see `scanners`).
    if matches!(decision, Decision::Unknown | Decision::Write { device_id: None, .. })
        && snapshot.plugins.iter().any(|p| p.family.is_sensitive(basename))
        && shared.scanners.unknown_file(ip, Instant::now())
    {
        notes.sensitive = true;
        return Resolution::NotFound;
    }
    if shared.fetches.active() {
        note_trigger_fetch(shared, &snapshot, &decision, &info, basename);
    }
    match decision {
        Decision::Known { plugin, .. } => {
            shared.stats.known.fetch_add(1, Ordering::Relaxed);
            find(ctx, &snapshot, plugin.as_deref(), path, basename, client, notes)
        }
        Decision::Unknown => {
            // Found by its address only, which the writer may still be
            // recording (see `crate::pending`).
            if !policy.nat
                && let Some((_, plugin)) = shared.pending.at(ip, Instant::now())
            {
                shared.stats.known.fetch_add(1, Ordering::Relaxed);
                return find(ctx, &snapshot, plugin.as_deref(), path, basename, client, notes);
            }
            shared.stats.unidentified.fetch_add(1, Ordering::Relaxed);
            Resolution::NowhereToRoute
        }
        Decision::Write { wait: false, device_id, plugin } => {
            shared.stats.updated.fetch_add(1, Ordering::Relaxed);
            if !policy.nat
                && let Some(id) = &device_id
            {
                shared.pending.note(ip, id, plugin.as_deref(), Instant::now());
            }
            let job = Job { info: info.into_owned(), ip, path: path.to_owned(), source, reply: None };
            if shared.writer.submit(job).is_err() {
                shared.stats.writer_busy.fetch_add(1, Ordering::Relaxed);
            }
            find(ctx, &snapshot, plugin.as_deref(), path, basename, client, notes)
        }
        Decision::Write { wait: true, .. } => {
            drop(decision);
            let (tx, rx) = futures_channel::oneshot::channel();
            let job = Job { info: info.into_owned(), ip, path: path.to_owned(), source, reply: Some(tx) };
            if shared.writer.submit(job).is_err() {
                shared.stats.writer_busy.fetch_add(1, Ordering::Relaxed);
                return Resolution::Unavailable;
            }
            shared.stats.waited_for_writer.fetch_add(1, Ordering::Relaxed);
            drop(snapshot);
            let Ok(applied) = rx.await else { return Resolution::Unavailable };
            if applied.created && source == Source::Unproven {
                // The writer left the line to us (see `Job::source`).
                notes.created = applied.device_id.clone();
            }
            // The writer raised the generation hint before answering.
            let snapshot = ctx.current.get();
            find(ctx, &snapshot, applied.plugin.as_deref(), path, basename, client, notes)
        }
    }
}

/// Whether the client certificate `id` names device `device_id` (its MAC).
fn certificate_names(shared: &Shared, snapshot: &Snapshot, device_id: &str, id: &crate::tls::ClientId) -> bool {
    let Some(mac) = id.mac else { return false };
    let Ok(Some(doc)) = shared.store.device_doc(&snapshot.txn, device_id) else { return false };
    provd_core::device::DeviceView::parse(doc).is_ok_and(|view| view.mac == Some(mac))
}

/// With `--url-key`: whether a device may be served through the key of
/// `tenant`: a device of that tenant, or a new one (still in provd's own
/// tenant, it has only what autoprov gives it).
fn key_allows(shared: &Shared, snapshot: &Snapshot, tenant: &str, device_id: &str) -> bool {
    let Ok(Some(doc)) = shared.store.device_doc(&snapshot.txn, device_id) else { return false };
    let Ok(view) = provd_core::device::DeviceView::parse(doc) else { return false };
    match view.tenant_uuid.as_deref() {
        Some(t) => t == tenant || t == snapshot.provd_tenant,
        None => true,
    }
}

/// The policy for a request from `ip`: an address several phones share
/// is handled as NAT mode handles every address (see
/// [`crate::shared_address`]).
pub(crate) fn effective_policy(policy: &Policy, shared: &SharedAddresses, ip: IpAddr) -> Policy {
    if !policy.nat && shared.contains(ip) { Policy { nat: true, ..*policy } } else { *policy }
}

/// Records a device fetching its remote-state trigger file (the proof a
/// synchronized phone came back for its configuration).
fn note_trigger_fetch(
    shared: &Shared,
    snapshot: &Snapshot,
    decision: &Decision<'_>,
    info: &provd_core::DeviceInfo<'_>,
    basename: &[u8],
) {
    let (Decision::Known { device_id, plugin: Some(plugin) }
    | Decision::Write { device_id: Some(device_id), plugin: Some(plugin), .. }) = decision
    else {
        return;
    };
    // The trigger is named after the device's MAC (and, for Snom and Cisco
    // SPA/ATA, depends on its model), which the request need not repeat: a
    // Snom 8.x asks for `<MAC>.xml` with no MAC in its User-Agent, and the
    // ATA190's TFTP file name is not read for a MAC. The stored device says
    // them (this runs only while a mass synchronize watches); the request
    // fills in what a device being created lacks yet.
    let stored = match shared.store.device_doc(&snapshot.txn, device_id) {
        Ok(Some(doc)) => provd_core::device::DeviceView::parse(doc).ok(),
        _ => None,
    };
    let mac = stored.as_ref().and_then(|d| d.mac).or(info.mac);
    let model = stored.as_ref().and_then(|d| d.model.as_deref()).or(info.model.as_deref());
    if let Some(p) = snapshot.plugins.iter().find(|p| p.id == **plugin)
        && p.family.is_remote_state_trigger(mac, model, basename)
    {
        shared.fetches.record(device_id, Instant::now());
    }
}

fn find(
    ctx: &ThreadCtx,
    snapshot: &Rc<Snapshot>,
    plugin: Option<&str>,
    path: &str,
    basename: &[u8],
    client: Option<&crate::tls::ClientId>,
    notes: &mut SecurityNotes,
) -> Resolution {
    let shared = &ctx.shared;
    let Some(plugin) = plugin.and_then(|id| snapshot.plugins.iter().find(|p| p.id == id)) else {
        return Resolution::NowhereToRoute;
    };
    // Noted before the lookup, whether the file exists or not (as
    // wazo-provd does: guessing MAC-named files is what fail2ban watches).
    notes.sensitive = plugin.family.is_sensitive(basename);
    pipeline::with_route_key(&plugin.id, path, |key| {
        let route = match shared.store.route(&snapshot.txn, key) {
            Ok(Some(r)) => r,
            Ok(None) => return Resolution::NotFound,
            Err(e) => {
                log::error!("route {key}: {e}");
                return Resolution::Unavailable;
            }
        };
        // A device's file goes only to its device's certificate.
        let mut proven = false;
        if let (Some(id), Some(provd_store::OwnerRef::Device(device))) = (client, route.owner()) {
            if !certificate_names(shared, snapshot, device, id) {
                return Resolution::Forbidden;
            }
            proven = true;
        }
        // With encryption on, a device file that has an encrypted copy goes
        // in clear only to the phone itself (it carries the key).
        let route = if snapshot.sealing && !proven && matches!(route.owner(), Some(provd_store::OwnerRef::Device(_))) {
            match shared.store.route(&snapshot.txn, &provd_store::sealed_route_key(&plugin.id, path)) {
                Ok(Some(sealed)) => {
                    shared.stats.sealed.fetch_add(1, Ordering::Relaxed);
                    sealed
                }
                Ok(None) => route,
                Err(e) => {
                    log::error!("route {key} (encrypted copy): {e}");
                    return Resolution::Unavailable;
                }
            }
        } else {
            route
        };
        match shared.store.content(&snapshot.txn, &route) {
            Ok(bytes) => Resolution::File(Found {
                // SAFETY: `bytes` were read in `snapshot.txn`, and the Body
                // holds `snapshot`.
                body: unsafe { Body::new(snapshot.clone(), bytes) },
                etag: route.etag(),
                modified: route.modified(),
            }),
            Err(e) => {
                log::error!("content {key}: {e}");
                Resolution::Unavailable
            }
        }
    })
    .unwrap_or(Resolution::NotFound)
}

/// The phone side's counters, for `/metrics`: requests by protocol and
/// outcome, identifications, transfers, bytes, the writer's and the
/// security log's losses.
pub struct Metrics(pub Arc<Shared>);

impl provd_net::metrics::WriteMetrics for Metrics {
    fn write_metrics(&self, out: &mut provd_net::metrics::Text) {
        let shared = &self.0;
        let s = &shared.stats;
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64;
        let sum = |c: &Counter| c.load(Ordering::Relaxed) as f64;
        let mut requests = Vec::new();
        for (protocol, c) in [("http", &s.http), ("tftp", &s.tftp)] {
            for (outcome, n) in [
                ("served", &c.served),
                ("not_found", &c.not_found),
                ("unrouted", &c.unrouted),
                ("unavailable", &c.unavailable),
            ] {
                requests.push((format!("{{protocol=\"{protocol}\",outcome=\"{outcome}\"}}"), sum(n)));
            }
        }
        let requests: Vec<(&str, f64)> = requests.iter().map(|(l, v)| (l.as_str(), *v)).collect();
        out.family("provd_requests_total", "counter", "Phone requests by protocol and outcome.", &requests);
        out.family(
            "provd_identifications_total",
            "counter",
            "Identification results: known device, writer involved, unidentified.",
            &[
                ("{result=\"known\"}", sum(&s.known)),
                ("{result=\"updated\"}", sum(&s.updated)),
                ("{result=\"waited\"}", load(&s.waited_for_writer)),
                ("{result=\"unidentified\"}", load(&s.unidentified)),
            ],
        );
        out.single("provd_transfers_in_flight", "gauge", "TFTP transfers in progress.", load(&s.transfers_in_flight));
        out.single("provd_bytes_sent_total", "counter", "File bytes sent to phones.", sum(&s.bytes));
        out.single(
            "provd_autocreate_refused_total",
            "counter",
            "Device creations refused by the rate limits.",
            load(&s.autocreate_refused),
        );
        out.single("provd_writer_busy_total", "counter", "Requests the writer could not take.", load(&s.writer_busy));
        out.single(
            "provd_tftp_unproven_security_events_total",
            "counter",
            "TFTP requests whose security-log lines were not written: the peer never answered, so its address may be forged.",
            load(&s.tftp_unproven_security_events),
        );
        out.single(
            "provd_tls_handshake_failures_total",
            "counter",
            "HTTPS connections closed because their TLS handshake failed or did not finish in time.",
            load(&s.tls_handshake_failures),
        );
        let scanners = &shared.scanners;
        out.single(
            "provd_scanner_requests_ignored_total",
            "counter",
            "Requests for the files of devices that do not exist, answered 404 at once: their source asked for too many.",
            load(&scanners.ignored_requests),
        );
        out.single(
            "provd_scanner_sources_ignored_total",
            "counter",
            "Times a source was ignored for asking for too many files of devices that do not exist.",
            load(&scanners.sources_ignored),
        );
        out.single(
            "provd_scanner_sources_ignored",
            "gauge",
            "Sources ignored now for asking for too many files of devices that do not exist.",
            scanners.ignoring() as f64,
        );
        out.single(
            "provd_https_certificate_refusals_total",
            "counter",
            "Device files refused (403) to an HTTPS client whose certificate names another device, or none.",
            load(&s.certificate_refusals),
        );
        out.single(
            "provd_encrypted_files_served_total",
            "counter",
            "Device files served as their encrypted copy (config_encryption on, the request not proven to be the phone's).",
            load(&s.sealed),
        );
        out.single(
            "provd_shared_addresses",
            "gauge",
            "Addresses several phones share with NAT mode off: each device keeps them (turn NAT mode on).",
            s.shared_addresses.len() as f64,
        );
        out.single(
            "provd_address_moves_total",
            "counter",
            "Times a device took its address from another device (NAT mode off).",
            s.shared_addresses.moves() as f64,
        );
        out.single(
            "provd_security_log_dropped_total",
            "counter",
            "Security log lines lost.",
            shared.seclog.dropped() as f64,
        );
    }
}
