//! The single writer: every write caused by a request (a new device, a new
//! address, a firmware version, the remote state) goes through this thread,
//! which batches them into one LMDB transaction, renders the devices whose
//! files changed (off the I/O threads) and then answers the requests that
//! wait for it. The REST API's writes ([`Writer::committer`]) ride in the
//! same transaction: one commit, one fsync, for everything that queued
//! while the previous one was being written (see `provd_compiler::group`).

use std::net::IpAddr;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use provd_compiler::group::{self, Committer, Unit};
use provd_compiler::publish::Publisher;
use provd_core::family::DeviceInfo;
use provd_store::{Store, StoreError};

use crate::limits::{CreationLimiter, Rate};
use crate::pipeline::{self, Applied, Policy};
use crate::seclog::SecurityLog;
use crate::serve::Stats;
use crate::shared_address::MoveCounter;

/// One request's information for the writer.
pub struct Job {
    /// What the request says about its sender.
    pub info: DeviceInfo<'static>,
    /// The requester's address (the device's `ip` after the write).
    pub ip: IpAddr,
    /// The requested file's path, normalised (no leading slash): its owner
    /// identifies the device, its basename is the remote-state trigger.
    /// Empty when no file was asked for (a DHCP lease).
    pub path: String,
    /// Whether the request's address is proven. The writer writes the
    /// "New device created" line only for a proven source; for a TFTP
    /// request it is the transfer's to write once its peer answers.
    pub source: crate::serve::Source,
    /// Present when the request waits for the outcome.
    pub reply: Option<oneshot::Sender<Applied>>,
}

/// The writer's limits and policy.
#[derive(Debug, Clone, Copy)]
pub struct WriterConfig {
    /// Device creations allowed per source address.
    pub per_ip: Rate,
    /// Device creations allowed in all.
    pub global: Rate,
    /// Auto-created devices nobody configured beyond this number expire,
    /// oldest first.
    pub auto_device_cap: u64,
    /// Size of the per-address rate table.
    pub tracked_addresses: usize,
    /// The pipeline's policy before the store's parameters (`NAT`) apply.
    pub base_policy: Policy,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            // A phone creates itself once; a NAT of a thousand phones at boot
            // needs a burst; a scanner gets a handful.
            per_ip: Rate { per_second: 2.0, burst: 200.0 },
            global: Rate { per_second: 500.0, burst: 5000.0 },
            auto_device_cap: 50_000,
            tracked_addresses: 65_536,
            base_policy: Policy::default(),
        }
    }
}

/// The writer did not take a job: its queue is full, or its thread is gone.
#[derive(Debug)]
pub struct WriterBusy;

/// What the writer thread is given: a phone's request, or a write of
/// the REST API.
enum Work {
    Phone(Job),
    Unit(Unit),
}

/// A handle to the writer thread; clones share it.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::SyncSender<Work>,
}

impl Writer {
    /// Starts the writer thread: it applies jobs in batches through
    /// `publisher`'s store, renders what changed, writes "New device
    /// created" lines to `seclog` and counts refusals in `stats`.
    pub fn start(
        publisher: Arc<Publisher>,
        seclog: SecurityLog,
        stats: Arc<Stats>,
        config: WriterConfig,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::sync_channel::<Work>(16_384);
        std::thread::Builder::new().name("provd-writer".into()).spawn(move || {
            let mut w = WriterThread {
                limiter: CreationLimiter::new(config.per_ip, config.global, config.tracked_addresses, Instant::now()),
                publisher,
                seclog,
                stats,
                moves: MoveCounter::default(),
                config,
            };
            while let Ok(first) = rx.recv() {
                // The compile lock before the transaction, as every
                // publisher takes them; what queues while a compile holds
                // it rides in this group.
                let publisher = w.publisher.clone();
                let _one_at_a_time = publisher.lock();
                let (mut jobs, mut units) = (Vec::new(), Vec::new());
                // Whatever queued meanwhile rides in the same transaction.
                for work in std::iter::once(first).chain(std::iter::from_fn(|| rx.try_recv().ok())) {
                    match work {
                        Work::Phone(job) => jobs.push(job),
                        Work::Unit(unit) => units.push(unit),
                    }
                    if jobs.len() + units.len() >= 1024 {
                        break;
                    }
                }
                // A bug in a phone's record must not stop every later
                // write: the group is lost (its callers are told), the
                // thread goes on.
                if let Err(panic) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| w.run(jobs, units))) {
                    log::error!("writer: a group of writes failed unexpectedly: {}", group::panic_message(&*panic));
                }
            }
        })?;
        Ok(Writer { tx })
    }

    /// Queues a job; refused when the writer is saturated (the request
    /// then fails and the phone retries) or gone.
    pub fn submit(&self, job: Job) -> Result<(), WriterBusy> {
        self.tx.try_send(Work::Phone(job)).map_err(|_| WriterBusy)
    }

    /// Where the REST API's writes go: into this thread's groups. A
    /// write waits for room in the queue rather than being refused.
    pub fn committer(&self) -> Committer {
        let tx = self.tx.clone();
        Committer::new(move |unit| {
            tx.send(Work::Unit(unit)).map_err(|e| match e.0 {
                Work::Unit(u) => u,
                Work::Phone(_) => unreachable!("a unit was sent"),
            })
        })
    }
}

struct WriterThread {
    publisher: Arc<Publisher>,
    seclog: SecurityLog,
    stats: Arc<Stats>,
    limiter: CreationLimiter,
    /// Moves of addresses between devices, to find shared ones.
    moves: MoveCounter,
    config: WriterConfig,
}

impl WriterThread {
    /// One group: the phones' records, the API's writes, the renders the
    /// records call for and the remote state, in one transaction; then the
    /// answers. The caller holds the compile lock.
    fn run(&mut self, batch: Vec<Job>, units: Vec<Unit>) {
        let publisher = self.publisher.clone();
        // Written by the records, read after the render.
        let results = std::cell::RefCell::new(Vec::<Applied>::new());
        let started = Instant::now();
        let committed = group::commit_group(
            &publisher,
            units,
            |store, w, render| {
                if batch.is_empty() {
                    return Ok(false);
                }
                // The phones' records in a transaction of their own inside
                // the group's: a store error there fails them, not the
                // API's writes.
                let mut nested = store.nested_txn(w)?;
                match self.apply(store, &mut nested, &batch) {
                    Ok(r) => {
                        nested.commit().map_err(StoreError::from)?;
                        *results.borrow_mut() = r;
                    }
                    Err(e) => {
                        log::error!("writer: {e}");
                        nested.abort();
                        return Ok(false);
                    }
                }
                render.extend(results.borrow().iter().filter(|a| a.render).filter_map(|a| a.device_id.clone()));
                Ok(true)
            },
            |store, w| {
                // The trigger files fetched by the requests that got their
                // device rendered: recorded now that it is configured.
                let plugins = publisher.plugins().get();
                for (job, a) in batch.iter().zip(results.borrow().iter()) {
                    if let (true, false, Some(id)) = (a.render, job.path.is_empty(), a.device_id.as_deref()) {
                        pipeline::record_remote_state(store, w, &plugins, id, pipeline::basename(job.path.as_bytes()))?;
                    }
                }
                Ok(())
            },
        );
        match committed {
            Ok(done) => {
                if let Some(report) = done.render
                    && started.elapsed() > Duration::from_millis(500)
                {
                    log::info!("{}", report.summary());
                }
            }
            Err(e) => {
                log::error!("writer: {e}");
                results.borrow_mut().clear();
            }
        }
        for (job, applied) in
            batch.into_iter().zip(results.into_inner().into_iter().map(Some).chain(std::iter::repeat(None)))
        {
            if let (Some(reply), Some(applied)) = (job.reply, applied) {
                let _ = reply.send(applied);
            }
        }
    }

    fn apply(
        &mut self,
        store: &Store,
        w: &mut provd_store::WriteTxn<'_>,
        batch: &[Job],
    ) -> Result<Vec<Applied>, StoreError> {
        let params = store.params(w)?;
        let mut policy = self.config.base_policy;
        if let Some(nat) = params.get("NAT") {
            policy.nat = nat.as_str().map_or_else(|| provd_core::config::truthy(nat), |s| s == "1");
        }
        let mut results = Vec::with_capacity(batch.len());
        let now = Instant::now();
        let plugins = self.publisher.plugins().get();
        for job in batch {
            let (limiter, stats) = (&mut self.limiter, &self.stats);
            let policy = crate::serve::effective_policy(&policy, &stats.shared_addresses, job.ip);
            let applied = pipeline::apply(store, w, &plugins, &policy, &job.info, job.ip, &job.path, || {
                let allowed = limiter.allow(job.ip, now);
                if !allowed {
                    stats.autocreate_refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                allowed
            })?;
            if !applied.ip_removed_from.is_empty() {
                self.note_move(job.ip, now);
            }
            if applied.created
                && job.source == crate::serve::Source::Proven
                && let Some(id) = &applied.device_id
            {
                self.seclog.device_created(job.ip, id);
            }
            results.push(applied);
        }
        let expired = expire_auto_devices(store, w, self.config.auto_device_cap)?;
        if expired > 0 {
            log::info!(
                "{expired} auto-created devices nobody configured expired (cap {})",
                self.config.auto_device_cap
            );
        }
        Ok(results)
    }

    /// Counts a device taking `ip` from another; the third such move within
    /// a minute marks the address shared, said once here.
    fn note_move(&mut self, ip: IpAddr, now: Instant) {
        let shared = &self.stats.shared_addresses;
        shared.count_move();
        if self.moves.record(ip, now) && shared.insert(ip) {
            log::warn!(
                "address {ip} is shared by several phones: devices took it from each other {} times within {} s, \
                 a store write per request with NAT mode off; from now on every device keeps it. \
                 If phones sit behind NAT, turn NAT mode on (PUT /0.2/configure/NAT {{\"param\": {{\"value\": \"1\"}}}})",
                crate::shared_address::MOVES,
                crate::shared_address::WINDOW.as_secs(),
            );
        }
    }
}

/// Expires the oldest auto-created devices beyond `cap` that nobody
/// configured since (still on a transient autoprov config, or none).
fn expire_auto_devices(store: &Store, w: &mut provd_store::WriteTxn<'_>, cap: u64) -> Result<u64, StoreError> {
    let mut expired = 0;
    while store.auto_device_count(w)? > cap {
        let Some(id) = store.pop_oldest_auto_device(w)? else { break };
        let Some(device) = store.device(w, &id)? else { continue };
        let transient = match &device.config {
            None => true,
            Some(c) => store.config(w, c)?.is_some_and(|c| c.is_transient()),
        };
        if device.added.as_deref() != Some("auto") || !transient {
            continue;
        }
        store.delete_device_and_files(w, &device)?;
        expired += 1;
    }
    Ok(expired)
}
