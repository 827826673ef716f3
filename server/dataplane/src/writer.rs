//! The single writer: every write caused by a request (a new device, a new
//! address, a firmware version, the remote state) goes through this thread,
//! which batches them into one LMDB transaction, renders the devices whose
//! files changed (off the I/O threads) and then answers the requests that
//! wait for it.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use futures_channel::oneshot;
use provd_compiler::compile::Scope;
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

/// A handle to the writer thread; clones share it.
#[derive(Clone)]
pub struct Writer {
    tx: mpsc::SyncSender<Job>,
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
        let (tx, rx) = mpsc::sync_channel::<Job>(16_384);
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
                let mut batch = vec![first];
                // Whatever queued meanwhile rides in the same transaction.
                while batch.len() < 1024 {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                w.run(batch);
            }
        })?;
        Ok(Writer { tx })
    }

    /// Queues a job; refused when the writer is saturated (the request
    /// then fails and the phone retries) or gone.
    pub fn submit(&self, job: Job) -> Result<(), WriterBusy> {
        self.tx.try_send(job).map_err(|_| WriterBusy)
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
    fn run(&mut self, batch: Vec<Job>) {
        let outcome = self.apply(&batch);
        let results = match outcome {
            Ok(results) => results,
            Err(e) => {
                log::error!("writer: {e}");
                Vec::new()
            }
        };
        let render: BTreeSet<String> =
            results.iter().filter(|a| a.render).filter_map(|a| a.device_id.clone()).collect();
        if !render.is_empty() {
            self.render(render.into_iter().collect());
            // The trigger files fetched by the requests that got their
            // device rendered: recorded now that it is configured.
            let fetched: Vec<(&str, &[u8])> = batch
                .iter()
                .zip(&results)
                .filter(|(job, a)| a.render && !job.path.is_empty())
                .filter_map(|(job, a)| Some((a.device_id.as_deref()?, pipeline::basename(job.path.as_bytes()))))
                .collect();
            if let Err(e) = self.record_remote_state(&fetched) {
                log::error!("writer: remote state: {e}");
            }
        }
        for (job, applied) in batch.into_iter().zip(results.into_iter().map(Some).chain(std::iter::repeat(None))) {
            if let (Some(reply), Some(applied)) = (job.reply, applied) {
                let _ = reply.send(applied);
            }
        }
    }

    fn apply(&mut self, batch: &[Job]) -> Result<Vec<Applied>, StoreError> {
        let store = self.publisher.data().store().clone();
        let mut w = store.write_txn()?;
        let params = store.params(&w)?;
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
            let applied = pipeline::apply(&store, &mut w, &plugins, &policy, &job.info, job.ip, &job.path, || {
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
        let expired = expire_auto_devices(&store, &mut w, self.config.auto_device_cap)?;
        if expired > 0 {
            log::info!(
                "{expired} auto-created devices nobody configured expired (cap {})",
                self.config.auto_device_cap
            );
        }
        let generation = store.bump_generation(&mut w)?;
        w.commit().map_err(StoreError::from)?;
        self.publisher.hint().raise(generation);
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

    /// [`pipeline::record_remote_state`] for each `(device, file)`; one
    /// transaction, committed (and a generation published, so the I/O
    /// threads see it) only if something changed.
    fn record_remote_state(&self, fetched: &[(&str, &[u8])]) -> Result<(), StoreError> {
        if fetched.is_empty() {
            return Ok(());
        }
        let store = self.publisher.data().store().clone();
        let plugins = self.publisher.plugins().get();
        let mut w = store.write_txn()?;
        let mut changed = false;
        for (device_id, file) in fetched {
            changed |= pipeline::record_remote_state(&store, &mut w, &plugins, device_id, file)?;
        }
        if changed {
            let generation = store.bump_generation(&mut w)?;
            w.commit().map_err(StoreError::from)?;
            self.publisher.hint().raise(generation);
        }
        Ok(())
    }

    fn render(&self, ids: Vec<String>) {
        let started = Instant::now();
        match self.publisher.publish_keep_going(Scope::Devices(ids)) {
            Ok(report) if started.elapsed() > Duration::from_millis(500) => log::info!("{}", report.summary()),
            Ok(_) => {}
            Err(e) => log::error!("render: {e}"),
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
