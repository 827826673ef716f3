//! The one way a compile is published, whoever asks: `provd-compile`, the
//! REST API, the server's writer (new phones) and its start-up.
//!
//! A [`Publisher`] owns what every compile of a process shares: the data
//! directory, the installed plugins ([`PluginSet`], replaced whole when one
//! is installed or removed), a lock so that compiles run one at a time (and
//! none sees a plugin directory half swapped), the [`GenerationHint`] that
//! tells the server's I/O threads a new generation is out, and the counters
//! of [`CompileStats`]. [`Publisher::publish`] is the sequence: lock, load
//! the renderer, compile, count, raise the hint.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use provd_core::Plugin;
use provd_store::data::DataDir;
use provd_store::{RoTxn, WriteTxn};

use crate::compile::{self, CompileError, Options, Report, Scope};
use crate::plugin_watch::PluginWatch;
use crate::render::{self, LoadedPlugins, Renderer};

/// The installed plugins, replaced whole when one is installed, upgraded,
/// reloaded or removed; readers take the set current when they start.
pub struct PluginSet(RwLock<Arc<Vec<Plugin>>>);

impl PluginSet {
    fn new(plugins: Vec<Plugin>) -> PluginSet {
        PluginSet(RwLock::new(Arc::new(plugins)))
    }

    /// The current set; a replacement made meanwhile does not change it.
    pub fn get(&self) -> Arc<Vec<Plugin>> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn replace(&self, plugins: Vec<Plugin>) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(plugins);
    }
}

/// The newest generation known to be published: raised by each publish of
/// this process (and by whoever watches the store for other processes'),
/// read by the server's I/O threads on every request (one atomic load).
#[derive(Clone, Default)]
pub struct GenerationHint(Arc<AtomicU64>);

impl GenerationHint {
    /// The newest generation known; 0 before any is.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Makes it `generation` unless it is newer already.
    pub fn raise(&self, generation: u64) {
        self.0.fetch_max(generation, Ordering::AcqRel);
    }
}

/// What the compiles of this process did, for `/metrics`.
#[derive(Default)]
pub struct CompileStats {
    /// Compiles that returned a report, whether devices failed or not.
    pub compiles: AtomicU64,
    /// Their total time, in nanoseconds.
    pub nanos: AtomicU64,
    /// The last one's time, in nanoseconds.
    pub last_nanos: AtomicU64,
    /// Devices whose render failed.
    pub failures: AtomicU64,
    /// Group commits (see `crate::group`): transactions committed for
    /// writes of the REST API and the phones' records.
    pub group_commits: AtomicU64,
    /// The writes those commits carried: each REST write, and each batch
    /// of phones' records, counts one.
    pub group_writes: AtomicU64,
}

impl CompileStats {
    fn count(&self, took: Duration, failures: usize) {
        let nanos = took.as_nanos() as u64;
        self.compiles.fetch_add(1, Ordering::Relaxed);
        self.nanos.fetch_add(nanos, Ordering::Relaxed);
        self.last_nanos.store(nanos, Ordering::Relaxed);
        self.failures.fetch_add(failures as u64, Ordering::Relaxed);
    }
}

/// Why a plugin's devices could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishPluginError {
    /// After the reload the plugin is not in the set.
    #[error("plugin {id} does not load: {why}")]
    DoesNotLoad {
        /// The plugin's id.
        id: String,
        /// The loader's error for it, or that it is not installed.
        why: String,
    },
    /// The compile of its devices could not run.
    #[error(transparent)]
    Compile(#[from] CompileError),
}

/// Publishes compiles for one process (see the module doc).
pub struct Publisher {
    data: DataDir,
    plugins: Arc<PluginSet>,
    lock: Mutex<()>,
    hint: GenerationHint,
    stats: CompileStats,
    /// The plugins as the last publish loaded them, kept while their files
    /// do not change (see [`FilesCheck`]).
    loaded: Mutex<Option<Loaded>>,
    /// What every group commit runs after its writes, before it commits
    /// (see [`crate::group::GroupHook`]).
    group_hook: std::sync::OnceLock<crate::group::GroupHook>,
}

/// Plugins loaded with their template environments, the warnings of that
/// scan, and how to tell that their files changed since.
struct Loaded {
    plugins: LoadedPlugins,
    broken: Vec<String>,
    check: FilesCheck,
}

/// How a publish tells that the plugins' files changed since they were
/// loaded: the kernel says so (inotify, one `read` per publish), or, where
/// it cannot watch, every file's metadata is read again ([`plugins_stamp`]:
/// a few hundred `stat`s, most of a small publish's time).
enum FilesCheck {
    Watch(PluginWatch),
    Stamp([u8; 32]),
}

impl FilesCheck {
    /// Made before a scan, so that a change during it is seen next time.
    fn new(plugins_dir: &Path) -> Option<FilesCheck> {
        PluginWatch::new(plugins_dir)
            .map(FilesCheck::Watch)
            .or_else(|| plugins_stamp(plugins_dir).map(FilesCheck::Stamp))
    }

    fn unchanged(&self, plugins_dir: &Path) -> bool {
        match self {
            FilesCheck::Watch(w) => !w.changed(),
            FilesCheck::Stamp(s) => plugins_stamp(plugins_dir) == Some(*s),
        }
    }
}

impl Publisher {
    /// A publisher for `data`, whose installed plugins are `plugins`.
    pub fn new(data: DataDir, plugins: Vec<Plugin>) -> Publisher {
        Publisher {
            data,
            plugins: Arc::new(PluginSet::new(plugins)),
            lock: Mutex::new(()),
            hint: GenerationHint::default(),
            stats: CompileStats::default(),
            loaded: Mutex::new(None),
            group_hook: std::sync::OnceLock::new(),
        }
    }

    /// Sets what every group commit runs after its writes and before it
    /// commits (cluster mode: hand the group's records to the database in
    /// one transaction). Set once; a second call is ignored.
    pub fn set_group_hook(&self, hook: crate::group::GroupHook) {
        let _ = self.group_hook.set(hook);
    }

    pub(crate) fn group_hook(&self) -> Option<&crate::group::GroupHook> {
        self.group_hook.get()
    }

    /// The data directory it publishes to.
    pub fn data(&self) -> &DataDir {
        &self.data
    }

    /// The installed plugins, shared with whoever renders outside a compile.
    pub fn plugins(&self) -> &Arc<PluginSet> {
        &self.plugins
    }

    /// Raised to each generation it publishes.
    pub fn hint(&self) -> &GenerationHint {
        &self.hint
    }

    /// What its compiles did.
    pub fn stats(&self) -> &CompileStats {
        &self.stats
    }

    /// The compile lock: one compile at a time in the process, and held
    /// while plugin directories are swapped so no compile sees one half moved.
    pub fn lock(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Compiles what `opts` says and publishes it (unless a dry run): the
    /// report says what changed, which devices failed and why, and what was
    /// skipped on the way (plugins that do not load, template paths).
    pub fn publish(&self, opts: &Options) -> Result<Report, CompileError> {
        let _one_at_a_time = self.lock();
        let store = self.data.store();
        let mut w = store.write_txn()?;
        let Some((mut report, publish)) = self.compile_in(&mut w, opts)? else {
            // A config nobody uses: no plugin scan, no renderer, no
            // generation, not counted as a compile.
            w.abort();
            return Ok(Report::default());
        };
        if publish {
            let g = store.bump_generation(&mut w)?;
            w.commit().map_err(provd_store::StoreError::from)?;
            report.generation = Some(g);
            self.hint.raise(g);
        } else {
            w.abort();
        }
        Ok(report)
    }

    /// [`publish_keep_going`](Self::publish_keep_going) inside the caller's
    /// transaction `w`, which must be taken after [`lock`](Self::lock) and
    /// held until committed or aborted (so that no other compile waits for
    /// the transaction while holding the lock). The changes stay in `w`:
    /// the caller commits, with a new generation when the flag says the
    /// compile changed what is served.
    pub fn publish_in(&self, w: &mut WriteTxn<'_>, scope: Scope) -> Result<(Report, bool), CompileError> {
        let opts = Options { scope, keep_going: true, ..Default::default() };
        let published = self.compile_in(w, &opts)?.unwrap_or_default();
        log_report(&published.0);
        Ok(published)
    }

    /// The compile of a publish, in `w`: `None` when nothing is in scope,
    /// else the report and whether it is to be published.
    fn compile_in(&self, w: &mut WriteTxn<'_>, opts: &Options) -> Result<Option<(Report, bool)>, CompileError> {
        let store = self.data.store();
        if compile::nothing_in_scope(store, w, &opts.scope)? {
            return Ok(None);
        }
        let started = Instant::now();
        let (renderer, warnings) = self.renderer(w, &opts.scope)?;
        let (mut report, publish) = compile::compile_in(store, w, &renderer, opts)?;
        report.warnings.splice(0..0, warnings);
        self.stats.count(started.elapsed(), report.failures.len());
        Ok(Some((report, publish)))
    }

    /// The renderer of a compile of `scope`: [`compile::renderer`], but
    /// with the plugins (and their parsed templates) of the previous
    /// publish when none of their files changed since, and the configs as
    /// `txn` sees them. A compile of every device or of a plugin loads the
    /// plugins afresh (it costs little beside such a compile) and keeps
    /// what it loaded.
    fn renderer(&self, txn: &RoTxn<'_>, scope: &Scope) -> Result<(Renderer, Vec<String>), CompileError> {
        let dir = self.data.plugins_dir();
        let mut loaded = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        let afresh = matches!(scope, Scope::All | Scope::Plugin(_));
        let (plugins, broken) = match loaded.as_ref() {
            Some(l) if !afresh && l.check.unchanged(&dir) => (l.plugins.clone(), l.broken.clone()),
            _ => {
                let check = FilesCheck::new(&dir);
                let (plugins, broken) = provd_families::plugins::scan(&dir).map_err(CompileError::Plugins)?;
                let plugins = render::load(plugins);
                let broken: Vec<String> = broken.iter().map(ToString::to_string).collect();
                *loaded = check.map(|check| Loaded { plugins: plugins.clone(), broken: broken.clone(), check });
                (plugins, broken)
            }
        };
        drop(loaded);
        let configs = compile::scope_configs(self.data.store(), txn, scope)?;
        let sealing = compile::sealing(self.data.store(), txn)?;
        Ok(compile::with_warnings(Renderer::with_loaded(plugins, configs).with_sealing(sealing), broken))
    }

    /// Forgets the plugins kept between publishes: the next loads them.
    fn forget_loaded(&self) {
        *self.loaded.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// [`publish`](Self::publish) of `scope`, keeping going past failing
    /// devices (what a server does: one bad device must not hold back the
    /// others), with every warning and failure logged.
    pub fn publish_keep_going(&self, scope: Scope) -> Result<Report, CompileError> {
        let report = self.publish(&Options { scope, keep_going: true, ..Default::default() })?;
        log_report(&report);
        Ok(report)
    }

    /// Reloads the plugin set from the plugins directory (after an install,
    /// upgrade, reload or uninstall); the plugins that failed to load and why.
    pub fn reload_plugins(&self) -> Vec<String> {
        self.forget_loaded();
        match provd_families::plugins::scan(&self.data.plugins_dir()) {
            Ok((plugins, broken)) => {
                self.plugins.replace(plugins);
                broken.iter().map(ToString::to_string).collect()
            }
            Err(e) => vec![e.to_string()],
        }
    }

    /// Reloads, then compiles the plugin's devices and files.
    pub fn publish_plugin(&self, id: &str) -> Result<Report, PublishPluginError> {
        let broken = self.reload_plugins();
        if !self.plugins.get().iter().any(|p| p.id == id) {
            let why = broken
                .iter()
                .find(|b| b.contains(id))
                .cloned()
                .unwrap_or_else(|| format!("plugin {id} is not installed"));
            return Err(PublishPluginError::DoesNotLoad { id: id.to_owned(), why });
        }
        Ok(self.publish_keep_going(Scope::Plugin(id.to_owned()))?)
    }
}

/// Logs a server compile's warnings and failures.
fn log_report(report: &Report) {
    for w in &report.warnings {
        log::warn!("compile: {w}");
    }
    for f in &report.failures {
        log::error!("compile: {f}");
    }
}

/// A digest of what loading the plugins reads and rendering may read from
/// their directories: the plugin directories' names, each `plugin-info`,
/// and every entry under `templates/` and `var/templates/` (path, size,
/// modification and change times, inode). Equal stamps: the loaded plugins and their template
/// environments (and template digests) are still what a scan would give.
/// `None` if something could not be read: load again.
fn plugins_stamp(plugins_dir: &Path) -> Option<[u8; 32]> {
    fn meta(h: &mut blake3::Hasher, path: &Path) -> Option<()> {
        match std::fs::metadata(path) {
            Ok(m) => {
                use std::os::unix::fs::MetadataExt;
                // The change time and inode too: a file extracted with its
                // old modification time, or a directory swapped for a
                // copy, still changes them.
                h.update(&[1, m.is_dir() as u8]);
                for n in [m.len() as i64, m.mtime(), m.mtime_nsec(), m.ctime(), m.ctime_nsec(), m.ino() as i64] {
                    h.update(&n.to_le_bytes());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                h.update(&[0]);
            }
            Err(_) => return None,
        }
        Some(())
    }
    fn walk(h: &mut blake3::Hasher, dir: &Path, depth: usize) -> Option<()> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(()),
            Err(_) => return None,
        };
        let mut entries: Vec<_> = entries.collect::<Result<_, _>>().ok()?;
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            h.update(path.as_os_str().as_encoded_bytes()).update(&[0]);
            meta(h, &path)?;
            // Links to directories are not followed by the template index
            // either; the depth bound is the index's own.
            if e.file_type().ok()?.is_dir() && depth < crate::render::tree::MAX_DEPTH {
                walk(h, &path, depth + 1)?;
            }
        }
        Some(())
    }
    let mut h = blake3::Hasher::new();
    let mut dirs: Vec<_> = std::fs::read_dir(plugins_dir).ok()?.collect::<Result<_, _>>().ok()?;
    dirs.sort_by_key(|e| e.file_name());
    for d in dirs {
        let dir = d.path();
        h.update(dir.as_os_str().as_encoded_bytes()).update(&[0]);
        meta(&mut h, &dir)?;
        // Files beside the plugins (`.bundled`) are no plugin.
        if !dir.is_dir() {
            continue;
        }
        meta(&mut h, &dir.join("plugin-info"))?;
        for sub in [dir.join("templates"), dir.join("var").join("templates")] {
            meta(&mut h, &sub)?;
            walk(&mut h, &sub, 0)?;
        }
    }
    Some(*h.finalize().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two small publishes share one load of the plugins; a changed
    /// template, a reload or a compile of everything loads them again.
    #[test]
    fn small_publishes_share_the_loaded_plugins_until_a_file_changes() {
        let dir = tempfile::tempdir().unwrap();
        // The bundled plugins, and the `.bundled` file beside them.
        let (data, _) = DataDir::open(dir.path()).unwrap();
        let publisher = Publisher::new(data.clone(), Vec::new());
        let device = Scope::Device("d1".into());
        let store = data.store().clone();
        let plugins = |scope: &Scope| publisher.renderer(&store.read_txn().unwrap(), scope).unwrap().0.plugins.clone();
        let first = plugins(&device);
        assert!(!first.is_empty());
        assert!(Arc::ptr_eq(&first, &plugins(&device)), "reused");
        assert!(Arc::ptr_eq(&first, &plugins(&Scope::Config("base".into()))), "reused");
        let all = plugins(&Scope::All);
        assert!(!Arc::ptr_eq(&first, &all), "a compile of everything loads afresh");
        assert!(Arc::ptr_eq(&all, &plugins(&device)), "and keeps what it loaded");
        let id = all.keys().next().unwrap().clone();
        let custom = data.plugins_dir().join(&id).join("var/templates");
        std::fs::create_dir_all(&custom).unwrap();
        std::fs::write(custom.join("extra.tpl"), "x").unwrap();
        let edited = plugins(&device);
        assert!(!Arc::ptr_eq(&all, &edited), "a template added: loaded again");
        publisher.reload_plugins();
        assert!(!Arc::ptr_eq(&edited, &plugins(&device)), "reloaded");
    }

    /// The stamp stays while nothing changes, and changes with any file
    /// that loading or rendering reads: a template edited in place (same
    /// size), added or removed, a `plugin-info`, a plugin added.
    #[test]
    fn the_stamp_changes_with_every_file_a_render_reads() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p1");
        let write = |rel: &str, body: &str| {
            let path = p.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        };
        write("plugin-info", "{}");
        std::fs::write(dir.path().join(".bundled"), "[]").unwrap();
        write("templates/base.tpl", "aaa");
        write("var/tftpboot/static.xml", "x");
        let mut last = plugins_stamp(dir.path()).unwrap();
        assert_eq!(plugins_stamp(dir.path()), Some(last), "nothing changed");
        let mut changed = |what: &str| {
            let now = plugins_stamp(dir.path()).unwrap();
            assert_ne!(now, last, "{what}");
            last = now;
        };
        write("templates/base.tpl", "bbb");
        changed("a template edited, same size");
        write("var/templates/base.tpl", "custom");
        changed("an override added");
        write("var/templates/sub/inc.tpl", "x");
        changed("a nested template added");
        std::fs::remove_file(p.join("var/templates/base.tpl")).unwrap();
        changed("an override removed");
        write("plugin-info", "{ }");
        changed("plugin-info");
        std::fs::create_dir_all(dir.path().join("p2")).unwrap();
        changed("a plugin directory added");
        // Static files are read by the compiles that load afresh.
        write("var/tftpboot/static.xml", "y");
        assert_eq!(plugins_stamp(dir.path()), Some(last));
    }
}
