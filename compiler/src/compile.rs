//! A compile: choose the devices in scope, render them on every core while
//! one writer thread stores the results in a single LMDB write transaction,
//! then publish (commit) or, on any failure, publish nothing.

use std::collections::HashSet;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use provd_core::{ConfigTree, Device, Mac};
use provd_families::plugins;
use provd_store::data::DataDir;
use provd_store::{FileWriter, Index, Owner, OwnerRef, RoTxn, Route, RouteChange, Store, StoreError, WriteTxn};
use rayon::prelude::*;

use crate::render::seal::SealingSecret;
use crate::render::{DeviceRender, Fingerprinted, RenderedFile, Renderer, Unconfigured};

/// Which devices a compile renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every device, every plugin's shared files, and clean-up of files
    /// whose owner is gone.
    All,
    /// The devices of one plugin, and its shared files.
    Plugin(String),
    /// One device, by id; an unknown id is [`CompileError::UnknownDevice`].
    Device(String),
    /// The devices with this MAC (one, unless the store holds duplicates);
    /// none is [`CompileError::UnknownMac`].
    Mac(Mac),
    /// The devices whose config is this one or inherits from it.
    Config(String),
    /// These devices (the server's batch of newly seen phones); ids that do
    /// not exist are skipped.
    Devices(Vec<String>),
}

/// What a compile does: which devices, and whether it publishes.
#[derive(Debug, Clone)]
pub struct Options {
    /// The devices rendered (default: [`Scope::All`]).
    pub scope: Scope,
    /// Compute everything, publish nothing.
    pub dry_run: bool,
    /// Publish what rendered even if some devices failed.
    pub keep_going: bool,
    /// With `dry_run`: a unified diff per changed file.
    pub diff: bool,
    /// Show a progress bar (the caller checks for a terminal).
    pub progress: bool,
    /// Render devices whose inputs did not change since their last render
    /// too (by default a compile of many devices skips them).
    pub force: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { scope: Scope::All, dry_run: false, keep_going: false, diff: false, progress: false, force: false }
    }
}

impl Options {
    /// Whether this compile fingerprints inputs to skip unchanged devices.
    /// Small scopes (one device, a batch of new phones) render outright:
    /// hashing a plugin's templates would cost more than rendering.
    fn skips_unchanged(&self) -> bool {
        !self.force && self.records()
    }

    /// Whether it writes render records (see [`provd_store::RenderRecord`]).
    fn records(&self) -> bool {
        matches!(self.scope, Scope::All | Scope::Plugin(_) | Scope::Config(_))
    }
}

/// What a compile did to one served file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The path was not served before.
    Created,
    /// The path is served with other bytes.
    Updated,
    /// The path is no longer served.
    Removed,
}

/// One served file a dry run would change.
#[derive(Debug, Clone)]
pub struct Change {
    /// The store key, `<plugin>/<path>`.
    pub key: String,
    /// Created, updated or removed.
    pub kind: ChangeKind,
    /// The unified diff of the old and new bytes (lossy UTF-8), when
    /// [`Options::diff`] asked for it.
    pub diff: Option<String>,
}

/// A device (or a plugin's shared files) that failed to render; its
/// previous files stay served.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The device, or `None` for a plugin's shared files.
    pub device: Option<String>,
    /// What failed and where (template file and line, plugin, config).
    pub message: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.device {
            Some(d) => write!(f, "device {d}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// What a compile did: counts, changes, failures and time.
#[derive(Debug, Default)]
pub struct Report {
    /// The generation published, `None` when nothing was (dry run or failure).
    pub generation: Option<u64>,
    /// Devices in scope.
    pub devices: usize,
    /// Devices that have files: rendered, or unchanged since their last render.
    pub configured: usize,
    /// Devices not rendered because nothing they are rendered from changed
    /// since their files were published (counted in `configured` too).
    pub unchanged: usize,
    /// Devices left without files, by id, and why (no plugin, no config...).
    pub unconfigured: Vec<(String, Unconfigured)>,
    /// Files rendered, plugins' shared files included, changed or not.
    pub files_rendered: usize,
    /// Paths served for the first time.
    pub created: usize,
    /// Paths served with new bytes.
    pub updated: usize,
    /// Paths no longer served.
    pub removed: usize,
    /// The changes themselves, kept for dry runs.
    pub changes: Vec<Change>,
    /// File contents the store did not hold yet (contents are shared by hash).
    pub blobs_written: u64,
    /// Devices and plugins whose render failed.
    pub failures: Vec<Failure>,
    /// What the compile skipped without failing: paths of a plugin's static
    /// tree not served (see `compiler/src/render/tree.rs`), each with why.
    /// [`Publisher::publish`](crate::publish::Publisher::publish) puts the
    /// plugins that do not load and the template paths skipped first.
    pub warnings: Vec<String>,
    /// Wall time of the compile, from reading the devices to the commit.
    pub elapsed: Duration,
    /// Where the time went: reading the devices, rendering and writing
    /// (overlapped), committing.
    pub phases: Vec<(&'static str, Duration)>,
}

impl Report {
    /// Paths created, updated or removed.
    pub fn files_changed(&self) -> usize {
        self.created + self.updated + self.removed
    }

    /// `devices, files rendered, files changed, blobs written, time` on one line.
    pub fn summary(&self) -> String {
        let what = match (self.generation, self.failures.is_empty()) {
            (Some(g), _) => format!("published generation {g}"),
            (None, true) if self.devices == 0 && self.files_rendered == 0 => {
                "no device in scope, nothing published".to_owned()
            }
            (None, true) => "dry run, nothing published".to_owned(),
            (None, false) => "FAILED, nothing published".to_owned(),
        };
        format!(
            "{what}: {} devices ({} configured), {} unchanged and not rendered, {} files rendered, {} changed ({} new, {} updated, {} removed), {} blobs written, {} errors, {:.3}s",
            self.devices,
            self.configured,
            self.unchanged,
            self.files_rendered,
            self.files_changed(),
            self.created,
            self.updated,
            self.removed,
            self.blobs_written,
            self.failures.len(),
            self.elapsed.as_secs_f64()
        )
    }
}

/// Why a compile did not run (a device that fails to render is not one:
/// it is in [`Report::failures`]).
#[derive(Debug, thiserror::Error)]
pub enum CompileError {
    /// The store could not be read or written: the server's fault.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// [`Scope::Plugin`] names no loaded plugin: the id, then the loaded
    /// ones, comma-separated.
    #[error("unknown plugin {0:?} (installed: {1})")]
    UnknownPlugin(String, String),
    /// [`Scope::Device`] names no device.
    #[error("unknown device {0:?}")]
    UnknownDevice(String),
    /// [`Scope::Mac`] matches no device.
    #[error("no device has MAC {0}")]
    UnknownMac(Mac),
    /// [`Scope::Config`] names no config.
    #[error("unknown config {0:?}")]
    UnknownConfig(String),
    /// The plugins directory could not be listed: the server's fault.
    #[error("cannot read plugins: {0}")]
    Plugins(std::io::Error),
    /// `config_encryption` is on without a usable secret: nothing is
    /// rendered rather than served in clear.
    #[error("cannot encrypt device files: {0}")]
    Sealing(String),
}

/// Loads plugins and configs: what rendering needs. Plugins that fail to
/// load are reported, not fatal (their devices stay unconfigured), and so
/// are template paths the index skipped (see `compiler/src/render/tree.rs`).
/// Configs are loaded for the whole store, except for a device, MAC or
/// config scope, which loads only the inheritance chains it needs (a
/// one-device reconfigure must not read a hundred thousand configs).
pub fn renderer(data: &DataDir, scope: &Scope) -> Result<(Renderer, Vec<String>), CompileError> {
    let (plugins, broken) = plugins::scan(&data.plugins_dir()).map_err(CompileError::Plugins)?;
    let store = data.store();
    let r = store.read_txn()?;
    let configs = scope_configs(store, &r, scope)?;
    let sealing = sealing(store, &r)?;
    let broken: Vec<String> = broken.iter().map(ToString::to_string).collect();
    Ok(with_warnings(Renderer::new(plugins, configs).with_sealing(sealing), broken))
}

/// The secret device files are encrypted with, when the store's
/// parameters turn encryption on (see [`crate::render::seal`]).
pub(crate) fn sealing(store: &Store, r: &RoTxn<'_>) -> Result<Option<SealingSecret>, CompileError> {
    SealingSecret::from_params(&store.params(r)?).map_err(CompileError::Sealing)
}

/// The configs a compile of `scope` renders with, as `r` sees them: see
/// [`renderer`].
pub(crate) fn scope_configs(store: &Store, r: &RoTxn<'_>, scope: &Scope) -> Result<ConfigTree, CompileError> {
    let base = store.base_raw_config(r)?.unwrap_or_default();
    let configs = match scope {
        Scope::Device(_) | Scope::Mac(_) | Scope::Devices(_) | Scope::Config(_) => {
            let mut todo: Vec<String> = match scope {
                // The configs devices use: the chains start there.
                Scope::Config(c) => config_scope(store, r, c)?.1,
                Scope::Device(id) => store.device(r, id)?.and_then(|d| d.config).into_iter().collect(),
                Scope::Devices(ids) => {
                    let mut configs = Vec::new();
                    for id in ids {
                        configs.extend(store.device(r, id)?.and_then(|d| d.config));
                    }
                    configs
                }
                Scope::Mac(mac) => {
                    let mut ids = Vec::new();
                    for id in store.device_ids_by(r, Index::Mac, &mac.to_string())? {
                        ids.extend(store.device(r, &id)?.and_then(|d| d.config));
                    }
                    ids
                }
                _ => unreachable!(),
            };
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            while let Some(id) = todo.pop() {
                if seen.insert(id.clone())
                    && let Some(c) = store.config(r, &id)?
                {
                    todo.extend(c.parent_ids.iter().cloned());
                    out.push(c);
                }
            }
            out
        }
        _ => {
            // Decoded where used, on the rendering threads; copied out of
            // the map on every core (the copies are most of this step).
            let docs = store.config_documents(r)?.collect::<Result<Vec<_>, _>>()?;
            let docs = docs.into_par_iter().map(|(id, bytes)| (id.to_owned(), bytes.to_vec())).collect::<Vec<_>>();
            return Ok(ConfigTree::from_documents(base, docs));
        }
    };
    Ok(ConfigTree::new(base, configs))
}

/// The devices a write of config `c` affects: those whose config is `c`
/// or inherits from it, by id (sorted, each once); then the configs among
/// those that some device uses. Found through the store's indexes
/// (`config_children`, `device_by_config`): the cost is the affected
/// devices', not the store's. An unknown `c` is
/// [`CompileError::UnknownConfig`].
pub fn config_scope(store: &Store, r: &RoTxn<'_>, c: &str) -> Result<(Vec<String>, Vec<String>), CompileError> {
    if store.config_doc(r, c)?.is_none() {
        return Err(CompileError::UnknownConfig(c.to_owned()));
    }
    let mut configs = store.config_descendants(r, c)?;
    configs.push(c.to_owned());
    let mut ids = Vec::new();
    let mut used = Vec::new();
    for cfg in configs {
        let devices = store.device_ids_by(r, Index::Config, &cfg)?;
        if !devices.is_empty() {
            ids.extend(devices);
            used.push(cfg);
        }
    }
    ids.sort();
    ids.dedup();
    Ok((ids, used))
}

/// Whether a compile of `scope` has nothing to do: a config that no device
/// uses, directly or through its descendants, or an empty list of devices.
/// Such a compile publishes nothing (no generation) and needs no renderer.
pub fn nothing_in_scope(store: &Store, r: &RoTxn<'_>, scope: &Scope) -> Result<bool, CompileError> {
    match scope {
        Scope::Config(c) => Ok(config_scope(store, r, c)?.0.is_empty()),
        Scope::Devices(ids) => Ok(ids.is_empty()),
        _ => Ok(false),
    }
}

/// The renderer and its warnings: plugins that failed to load, then the
/// template paths each plugin's index skipped, by plugin id.
pub(crate) fn with_warnings(renderer: Renderer, broken: Vec<String>) -> (Renderer, Vec<String>) {
    let mut warnings = broken;
    let mut loaded: Vec<_> = renderer.plugins().collect();
    loaded.sort_by(|a, b| a.plugin.id.cmp(&b.plugin.id));
    for lp in loaded {
        warnings.extend(lp.templates.skipped().iter().map(|s| format!("plugin {}: {s}", lp.plugin.id)));
    }
    (renderer, warnings)
}

/// A device's recorded input fingerprint, if any.
type Fingerprint = Option<[u8; 32]>;

/// The devices in scope, each with the input fingerprint of its last
/// render when `fingerprints` (see [`provd_store::RenderRecord`]).
fn devices_in_scope(
    store: &Store,
    r: &RoTxn<'_>,
    renderer: &Renderer,
    scope: &Scope,
    fingerprints: bool,
) -> Result<(Vec<Device>, Vec<Fingerprint>), CompileError> {
    let devices = devices_of(store, r, renderer, scope)?;
    if !fingerprints {
        return Ok((devices, Vec::new()));
    }
    let mut previous = Vec::with_capacity(devices.len());
    if *scope == Scope::All {
        // Both are in id order: walk them side by side.
        let mut recs = store.render_fingerprints(r)?;
        let mut next = recs.next().transpose()?;
        for d in &devices {
            while next.is_some_and(|(id, _)| id < d.id.as_str()) {
                next = recs.next().transpose()?;
            }
            previous.push(next.filter(|(id, _)| *id == d.id).map(|(_, fp)| *fp));
        }
    } else {
        for d in &devices {
            previous.push(store.render_record(r, &d.id)?.map(|rec| *rec.fingerprint()));
        }
    }
    Ok((devices, previous))
}

fn devices_of(store: &Store, r: &RoTxn<'_>, renderer: &Renderer, scope: &Scope) -> Result<Vec<Device>, CompileError> {
    let by_ids = |ids: Vec<String>| -> Result<Vec<Device>, CompileError> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(store.device(r, &id)?);
        }
        Ok(out)
    };
    match scope {
        Scope::All => {
            let docs = store.device_documents(r)?.collect::<Result<Vec<_>, _>>()?;
            // Collected as plain devices, an indexed collect writes each in
            // its place; collecting `Result`s would gather per-thread vectors
            // and copy them all again (100k devices: some 50 MB twice).
            let failed = std::sync::Mutex::new(None);
            let devices = docs
                .into_par_iter()
                .map(|(id, bytes)| {
                    Store::decode_device(id, bytes).unwrap_or_else(|e| {
                        failed.lock().unwrap().get_or_insert(e);
                        Device::default()
                    })
                })
                .collect::<Vec<_>>();
            match failed.into_inner().unwrap() {
                Some(e) => Err(e.into()),
                None => Ok(devices),
            }
        }
        Scope::Plugin(p) => {
            if renderer.plugin(p).is_none() {
                let mut known: Vec<&str> = renderer.plugins().map(|lp| lp.plugin.id.as_str()).collect();
                known.sort();
                return Err(CompileError::UnknownPlugin(p.clone(), known.join(", ")));
            }
            by_ids(store.device_ids_by(r, Index::Plugin, p)?)
        }
        Scope::Device(id) => by_ids(vec![id.clone()])
            .and_then(|d| if d.is_empty() { Err(CompileError::UnknownDevice(id.clone())) } else { Ok(d) }),
        Scope::Mac(mac) => {
            let d = by_ids(store.device_ids_by(r, Index::Mac, &mac.to_string())?)?;
            if d.is_empty() { Err(CompileError::UnknownMac(*mac)) } else { Ok(d) }
        }
        Scope::Devices(ids) => by_ids(ids.clone()),
        Scope::Config(c) => by_ids(config_scope(store, r, c)?.0),
    }
}

/// Up to this many devices, a compile renders them all before writing
/// (no writer thread alongside).
const SMALL: usize = 256;

/// Up to this many, they render on the calling thread: waking the pool's
/// threads for a handful of renders costs more than it saves.
const INLINE: usize = 8;

/// Runs a compile in a write transaction of its own, committed when it
/// publishes. `Err` is for problems before any rendering (unknown scope,
/// unreadable store); render failures are in the report, and then nothing
/// is published unless `keep_going`.
pub fn compile(data: &DataDir, renderer: &Renderer, opts: &Options) -> Result<Report, CompileError> {
    let started = Instant::now();
    let store = data.store();
    let mut w = store.write_txn()?;
    let (mut report, publish) = compile_in(store, &mut w, renderer, opts)?;
    let t = Instant::now();
    if publish {
        report.generation = Some(store.bump_generation(&mut w)?);
        w.commit().map_err(StoreError::from)?;
    } else {
        w.abort();
    }
    if report.devices > 0 || report.files_rendered > 0 {
        report.phases.push(("commit", t.elapsed()));
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

/// The compile of [`compile`] inside the caller's transaction `w`: it
/// reads the devices as `w` sees them (a write made earlier in `w`
/// included) and leaves its changes in `w`, uncommitted. The flag says
/// whether they are to be published: false for a dry run, a compile with
/// failures and no `keep_going`, and a scope with no device (the caller
/// then aborts, or commits its own changes without a new generation).
pub fn compile_in(
    store: &Store,
    w: &mut WriteTxn<'_>,
    renderer: &Renderer,
    opts: &Options,
) -> Result<(Report, bool), CompileError> {
    let started = Instant::now();
    let (devices, previous) = devices_in_scope(store, w, renderer, &opts.scope, opts.skips_unchanged())?;
    let loaded = started.elapsed();
    if devices.is_empty() && matches!(opts.scope, Scope::Config(_) | Scope::Devices(_)) {
        // Nothing in scope: no write, no new generation.
        return Ok((Report { elapsed: started.elapsed(), ..Report::default() }, false));
    }
    let plugin_ids: Vec<String> = match &opts.scope {
        Scope::All => {
            let mut ids: Vec<String> = renderer.plugins().map(|lp| lp.plugin.id.clone()).collect();
            ids.sort();
            ids
        }
        Scope::Plugin(p) => vec![p.clone()],
        _ => Vec::new(),
    };

    let bar = opts.progress.then(|| {
        let bar = indicatif::ProgressBar::new(devices.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{spinner} {pos}/{len} devices [{bar:40}] {per_sec} eta {eta}")
                .unwrap()
                .progress_chars("=> "),
        );
        bar
    });

    // Renders travel to the writer in batches (one wake-up per batch, not
    // per device); the bound keeps rendering at most ~4k devices ahead.
    const BATCH: usize = 128;
    let outcome = |i: usize, d: &Device| {
        if !opts.records() {
            return Outcome::Rendered(renderer.render_device(d), None);
        }
        match renderer.render_unless_unchanged(d, previous.get(i).and_then(Option::as_ref)) {
            Fingerprinted::Unchanged(fp) => Outcome::Unchanged(fp),
            Fingerprinted::Rendered(render, fp) => Outcome::Rendered(render, fp),
        }
    };
    let (tx, rx) = mpsc::sync_channel::<Vec<(usize, Outcome)>>(32);
    let report = if devices.len() <= SMALL {
        // A few devices (a REST write, a group of them, new phones):
        // rendered first, without a thread of their own (starting one
        // costs more than rendering a device), on every core when more
        // than a handful.
        let rendered: Vec<(usize, Outcome)> = if devices.len() <= INLINE {
            devices.iter().enumerate().map(|(i, d)| (i, outcome(i, d))).collect()
        } else {
            devices.par_iter().enumerate().map(|(i, d)| (i, outcome(i, d))).collect()
        };
        tx.send(rendered).expect("the receiver is here");
        drop(tx);
        write_generation(store, w, renderer, &devices, &plugin_ids, opts, rx, bar.as_ref())
    } else {
        std::thread::scope(|s| {
            // LMDB binds the transaction to this thread: it writes here
            // while the devices render on every core.
            let devices = &devices;
            let outcome = &outcome;
            s.spawn(move || {
                devices.par_chunks(BATCH).enumerate().for_each_with(tx, |tx, (c, chunk)| {
                    let batch =
                        chunk.iter().enumerate().map(|(i, d)| (c * BATCH + i, outcome(c * BATCH + i, d))).collect();
                    // The writer only stops early on a store error, reported below.
                    let _ = tx.send(batch);
                });
            });
            write_generation(store, w, renderer, devices, &plugin_ids, opts, rx, bar.as_ref())
        })
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut report = report?;
    report.devices = devices.len();
    report.elapsed = started.elapsed();
    report.phases.insert(0, ("read devices", loaded));
    report.phases.insert(1, ("render and write", report.elapsed - loaded));
    let publish = !opts.dry_run && (report.failures.is_empty() || opts.keep_going);
    Ok((report, publish))
}

/// What the rendering threads hand the writer for one device.
enum Outcome {
    /// Rendered, with the input fingerprint when the compile records them.
    Rendered(DeviceRender, Option<[u8; 32]>),
    /// Not rendered: same fingerprint as its recorded last render. The
    /// writer checks that its files are still served as recorded.
    Unchanged([u8; 32]),
}

/// Applies renders to the write transaction, counting what changed.
struct Writer<'s, 'w, 'e> {
    fw: FileWriter<'s, 'w, 'e>,
    store: &'s Store,
    opts: &'s Options,
    /// Keep old bytes for diffs.
    want_old: bool,
    report: Report,
}

impl Writer<'_, '_, '_> {
    fn record(&mut self, key: &str, kind: ChangeKind, old: Option<Vec<u8>>, new: Option<&[u8]>) {
        match kind {
            ChangeKind::Created => self.report.created += 1,
            ChangeKind::Updated => self.report.updated += 1,
            ChangeKind::Removed => self.report.removed += 1,
        }
        if self.opts.dry_run {
            let diff =
                self.opts.diff.then(|| unified_diff(key, old.as_deref().unwrap_or_default(), new.unwrap_or_default()));
            self.report.changes.push(Change { key: key.to_owned(), kind, diff });
        }
    }

    /// Whether the device's recorded render has `fingerprint` and the store
    /// serves exactly the files it recorded, for this device.
    fn still_served(&mut self, id: &str, owner: &Owner, fingerprint: &[u8; 32]) -> Result<bool, CompileError> {
        let txn = self.fw.read();
        let Some(rec) = self.store.render_record(txn, id)? else { return Ok(false) };
        if rec.fingerprint() != fingerprint {
            return Ok(false);
        }
        let mut n = 0;
        for (key, hash) in rec.files() {
            n += 1;
            match self.store.route(txn, key)? {
                Some(r) if r.hash() == hash && r.owner_key() == owner.key() => {}
                _ => return Ok(false),
            }
        }
        Ok(self.store.owned_routes(txn, owner)?.len() == n)
    }

    fn owner_of(&mut self, key: &str) -> Result<Option<Owner>, CompileError> {
        Ok(self.fw.current(key)?.and_then(|r| r.owner()).map(OwnerRef::to_owned))
    }

    fn old_bytes(&mut self, key: &str) -> Result<Option<Vec<u8>>, CompileError> {
        if !self.want_old {
            return Ok(None);
        }
        let store = self.store;
        let txn = self.fw.txn();
        Ok(match store.route(txn, key)? {
            Some(r) => Some(store.content(txn, &r)?.to_vec()),
            None => None,
        })
    }

    /// Serves exactly `files` for `owner`: puts each, removes the owner's
    /// other files. Paths held by another device go to `conflicts`.
    fn apply_files(
        &mut self,
        owner: &Owner,
        files: &[RenderedFile],
        conflicts: &mut Vec<RenderedFile>,
    ) -> Result<(), CompileError> {
        let old_keys = self.store.owned_routes(self.fw.txn(), owner)?;
        for f in files {
            self.put_file(owner, f, conflicts)?;
        }
        for key in old_keys {
            if !files.iter().any(|f| f.key == key) {
                self.remove(&key)?;
            }
        }
        Ok(())
    }

    fn put_file(
        &mut self,
        owner: &Owner,
        f: &RenderedFile,
        conflicts: &mut Vec<RenderedFile>,
    ) -> Result<(), CompileError> {
        let current = self.fw.current(&f.key)?;
        if let Some(current) = current {
            if current.owner_key() == owner.key() {
                if current.hash() == &f.hash {
                    return Ok(());
                }
            } else {
                match (owner.get(), current.owner()) {
                    (OwnerRef::Device(_), Some(OwnerRef::Device(_))) => {
                        conflicts.push(f.clone());
                        return Ok(());
                    }
                    // A device's own file shadows a plugin's static file of that name.
                    (OwnerRef::Plugin(_), Some(OwnerRef::Device(_))) => return Ok(()),
                    _ => {}
                }
            }
        }
        let current = current.as_ref().map(Route::as_current);
        let old = self.old_bytes(&f.key)?;
        match self.fw.put_over(&f.key, current, owner, &f.bytes, &f.hash)? {
            RouteChange::Unchanged => {}
            RouteChange::Created => self.record(&f.key, ChangeKind::Created, None, Some(&f.bytes)),
            RouteChange::Updated => self.record(&f.key, ChangeKind::Updated, old, Some(&f.bytes)),
        }
        Ok(())
    }

    fn remove(&mut self, key: &str) -> Result<(), CompileError> {
        let old = self.old_bytes(key)?;
        if self.fw.remove(key)? {
            self.record(key, ChangeKind::Removed, old, None);
        }
        Ok(())
    }

    /// Files whose owner is gone: devices deleted behind our back, plugins
    /// uninstalled.
    fn remove_orphans(&mut self, renderer: &Renderer, devices: &[Device]) -> Result<(), CompileError> {
        let known: HashSet<&str> = devices.iter().map(|d| d.id.as_str()).collect();
        let mut orphans = Vec::new();
        for entry in self.store.routes(self.fw.txn(), "")? {
            let (key, route) = entry?;
            let gone = match route.owner() {
                Some(OwnerRef::Device(id)) => !known.contains(id),
                Some(OwnerRef::Plugin(id)) => renderer.plugin(id).is_none(),
                None => true,
            };
            if gone {
                orphans.push(key.to_owned());
            }
        }
        for key in orphans {
            self.remove(&key)?;
        }
        Ok(())
    }
}

fn unified_diff(key: &str, old: &[u8], new: &[u8]) -> String {
    let old = String::from_utf8_lossy(old);
    let new = String::from_utf8_lossy(new);
    similar::TextDiff::from_lines(old.as_ref(), new.as_ref())
        .unified_diff()
        .header(&format!("a/{key}"), &format!("b/{key}"))
        .to_string()
}

fn describe(d: &Device) -> String {
    match d.mac {
        Some(m) => format!("{} ({m})", d.id),
        None => d.id.clone(),
    }
}

/// The writer: applies renders to `w` as they arrive.
#[allow(clippy::too_many_arguments)]
fn write_generation(
    store: &Store,
    w: &mut WriteTxn<'_>,
    renderer: &Renderer,
    devices: &[Device],
    plugin_ids: &[String],
    opts: &Options,
    rx: mpsc::Receiver<Vec<(usize, Outcome)>>,
    bar: Option<&indicatif::ProgressBar>,
) -> Result<Report, CompileError> {
    let now =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    let mut out = Writer {
        fw: store.file_writer(w, now)?,
        store,
        opts,
        want_old: opts.dry_run && opts.diff,
        report: Report::default(),
    };

    // Files whose owner is gone go first: while the first renders arrive,
    // not after the last one, when nothing else would run beside it; and a
    // path a deleted device held is free for the device that has it now.
    if opts.scope == Scope::All {
        out.remove_orphans(renderer, devices)?;
    }

    // Plugin files next: a device file at the same path takes precedence.
    for id in plugin_ids {
        match renderer.plugin_files_reporting(id) {
            Ok((files, skipped)) => {
                out.report.warnings.extend(skipped.into_iter().map(|s| format!("plugin {id}: {s}")));
                out.report.files_rendered += files.len();
                out.apply_files(&Owner::plugin(id), &files, &mut Vec::new())?;
            }
            Err(e) => out.report.failures.push(Failure { device: None, message: e.to_string() }),
        }
    }

    let mut deferred: Vec<(usize, RenderedFile)> = Vec::new();
    for (i, outcome) in rx.into_iter().flatten() {
        let device = &devices[i];
        let owner = Owner::device(&device.id);
        // Deleted (through the REST API) since it was read: serve nothing.
        if store.device_doc(out.fw.txn(), &device.id)?.is_none() {
            out.apply_files(&owner, &[], &mut Vec::new())?;
            store.delete_render_record(out.fw.txn(), &device.id)?;
            bar.inspect(|b| b.inc(1));
            continue;
        }
        let (render, fingerprint) = match outcome {
            Outcome::Unchanged(fp) if out.still_served(&device.id, &owner, &fp)? => {
                out.report.unchanged += 1;
                out.report.configured += 1;
                if !device.configured
                    && let Some(mut d) = store.device(out.fw.txn(), &device.id)?
                {
                    d.configured = true;
                    store.put_device_unindexed(out.fw.txn(), &d)?;
                }
                bar.inspect(|b| b.inc(1));
                continue;
            }
            // Its files changed behind the record's back: render after all.
            Outcome::Unchanged(fp) => (renderer.render_device(device), Some(fp)),
            Outcome::Rendered(render, fp) => (render, fp),
        };
        let configured = match render {
            DeviceRender::Configured { files, .. } => {
                out.report.files_rendered += files.len();
                let mut conflicts = Vec::new();
                out.apply_files(&owner, &files, &mut conflicts)?;
                match fingerprint {
                    Some(fp) if conflicts.is_empty() => store.put_render_record(
                        out.fw.txn(),
                        &device.id,
                        &fp,
                        files.iter().map(|f| (f.key.as_str(), &f.hash)),
                    )?,
                    _ => {
                        store.delete_render_record(out.fw.txn(), &device.id)?;
                    }
                }
                deferred.extend(conflicts.into_iter().map(|f| (i, f)));
                out.report.configured += 1;
                Some(true)
            }
            DeviceRender::Unconfigured(why) => {
                out.apply_files(&owner, &[], &mut Vec::new())?;
                store.delete_render_record(out.fw.txn(), &device.id)?;
                out.report.unconfigured.push((device.id.clone(), why));
                Some(false)
            }
            DeviceRender::Failed(message) => {
                // Its previous files stay served: a phone keeps its last good config.
                store.delete_render_record(out.fw.txn(), &device.id)?;
                out.report.failures.push(Failure { device: Some(describe(device)), message });
                None
            }
        };
        if let Some(c) = configured.filter(|c| *c != device.configured) {
            // Reread: the REST API may have changed the device since it was
            // read for rendering; only `configured` is ours to set (the API
            // compiles again after its own change).
            if let Some(mut d) = store.device(out.fw.txn(), &device.id)? {
                d.configured = c;
                store.put_device_unindexed(out.fw.txn(), &d)?;
            }
        }
        if let Some(bar) = bar {
            bar.inc(1);
        }
    }

    // A path claimed by another device may have been released meanwhile
    // (a MAC moved from one device to another in this compile).
    for (i, file) in deferred {
        let device = &devices[i];
        let owner = Owner::device(&device.id);
        match out.owner_of(&file.key)? {
            Some(other) if other != owner && matches!(other.get(), OwnerRef::Device(_)) => {
                let OwnerRef::Device(other) = other.get() else { unreachable!() };
                out.report.failures.push(Failure {
                    device: Some(describe(device)),
                    message: format!("{} is already served for device {other} (same MAC?)", file.key),
                })
            }
            _ => out.put_file(&owner, &file, &mut Vec::new())?,
        }
    }

    let Writer { fw, mut report, .. } = out;
    report.blobs_written = fw.finish()?;
    Ok(report)
}
