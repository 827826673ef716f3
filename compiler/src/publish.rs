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

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

use provd_core::Plugin;
use provd_store::data::DataDir;

use crate::compile::{self, CompileError, Options, Report, Scope};

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
        }
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
        if compile::nothing_in_scope(self.data.store(), &opts.scope)? {
            // A config nobody uses: no plugin scan, no renderer, no
            // generation, not counted as a compile.
            return Ok(Report::default());
        }
        let started = Instant::now();
        let (renderer, warnings) = compile::renderer(&self.data, &opts.scope)?;
        let mut report = compile::compile(&self.data, &renderer, opts)?;
        report.warnings.splice(0..0, warnings);
        if let Some(g) = report.generation {
            self.hint.raise(g);
        }
        self.stats.count(started.elapsed(), report.failures.len());
        Ok(report)
    }

    /// [`publish`](Self::publish) of `scope`, keeping going past failing
    /// devices (what a server does: one bad device must not hold back the
    /// others), with every warning and failure logged.
    pub fn publish_keep_going(&self, scope: Scope) -> Result<Report, CompileError> {
        let report = self.publish(&Options { scope, keep_going: true, ..Default::default() })?;
        for w in &report.warnings {
            log::warn!("compile: {w}");
        }
        for f in &report.failures {
            log::error!("compile: {f}");
        }
        Ok(report)
    }

    /// Reloads the plugin set from the plugins directory (after an install,
    /// upgrade, reload or uninstall); the plugins that failed to load and why.
    pub fn reload_plugins(&self) -> Vec<String> {
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
