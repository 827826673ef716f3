//! Cluster mode (`--postgres URL`): PostgreSQL holds the source of truth
//! (devices, configs, parameters) for any number of provd-server nodes;
//! each node keeps its own LMDB store and serves phones from it, with no
//! network hop on the request path (`docs/CLUSTER.md`).
//!
//! # How a change travels
//!
//! - **Out of a node.** Every write of a source record in the node's store
//!   is noted in its journal (`provd_store`'s `journal`). A REST write hands
//!   its notes to PostgreSQL inside its own unit of the group commit, in
//!   one PostgreSQL transaction, before the LMDB transaction commits: the
//!   call is answered once both hold it, or fails whole (503 when the
//!   database is away). The phones' own records (new devices, addresses,
//!   versions) are handed on by the follower thread shortly after they are
//!   committed, in batches; while the database is away they wait in the
//!   journal (bounded), and serving never waits for them.
//! - **Into every node.** Each change is a row of `provd_changes` with a
//!   sequence number; writers take one advisory lock per transaction, so
//!   sequences commit in order and a reader that has applied up to N never
//!   misses a change below N. Each node's follower thread listens on a
//!   channel (`LISTEN`) and applies the rows after its position, in a unit
//!   of the node's group commit that also renders what they change and
//!   records the new position: one LMDB transaction.
//! - **A new node** (or a store that followed another cluster) loads the
//!   current records at one snapshot instead, and a node whose database is
//!   empty seeds it with its own records.
//!
//! # What it is not
//!
//! Not a store of served bytes: each node renders its own files. Plugins
//! and custom templates are still each node's own (install them on every
//! node). Conflicting writes to one record from two nodes end with the
//! later one (by sequence) on every node.

mod follow;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use provd_store::{Store, StoreError};
use serde_json::{Value, json};

pub use follow::spawn;
pub use provd_cluster::ClusterError;
use provd_cluster::{Conn, Pool, schema};

/// How a node reaches the cluster's database.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    /// libpq-style URL or key=value string (`postgresql://user@host/db`,
    /// `sslmode=require` for TLS).
    pub url: String,
    /// PEM bundle of the CAs the database's certificate must chain to
    /// (none: the web's public roots).
    pub ca: Option<Vec<u8>>,
    /// Where the follower reads changes, when not from `url`: a read-only
    /// replica near this node (a remote site). Writes still go to `url`.
    pub read_url: Option<String>,
    /// This node's name in `provd_nodes` and in each change's `origin`.
    pub node: String,
    /// At most this many source records wait in the journal while the
    /// database is away; past it, writes are counted, not noted.
    pub queue: u64,
}

/// The database as this node last found it.
#[derive(Debug)]
struct DbState {
    up: bool,
    /// Why it is down (empty when up).
    reason: String,
    since: Instant,
    /// Do not try to reach it again before this (backoff).
    retry_at: Instant,
    backoff: Duration,
}

/// One node's view of the cluster; shared by the REST API, the follower
/// thread and `/metrics`.
pub struct Cluster {
    pub(crate) config: ClusterConfig,
    pub(crate) store: Store,
    /// The data directory: custom templates and plugins are written in
    /// its plugins directory, plugin packages in its cache.
    pub(crate) data: provd_store::data::DataDir,
    /// Set by [`spawn`]: reloads the plugins after the cluster installed
    /// or removed one.
    pub(crate) publisher: std::sync::OnceLock<std::sync::Arc<provd_compiler::publish::Publisher>>,
    pub(crate) pool: Pool,
    /// The replica the follower reads from (`--postgres-read`), if any.
    pub(crate) read_pool: Option<Pool>,
    state: Mutex<DbState>,
    /// The cluster id this node's store follows, once synchronized.
    pub(crate) id: Mutex<Option<String>>,
    /// The last sequence applied here, and the last one the database has.
    pub(crate) applied: AtomicU64,
    pub(crate) latest: AtomicU64,
    /// Counters for `/metrics`.
    pub(crate) shipped: AtomicU64,
    pub(crate) applied_total: AtomicU64,
    pub(crate) adopted: AtomicU64,
    pub(crate) reconnects: AtomicU64,
    /// Set by the follower thread when a full snapshot must be loaded.
    pub(crate) resync: AtomicBool,
}

const BACKOFF_FIRST: Duration = Duration::from_millis(200);
const BACKOFF_MAX: Duration = Duration::from_secs(5);

impl Cluster {
    /// A node of the cluster at `config.url` over `data`'s store and
    /// plugins: starts the store's journal and makes the pool (connections are made when
    /// needed). Nothing is read yet: see [`Cluster::start`].
    pub fn new(config: ClusterConfig, data: &provd_store::data::DataDir) -> Result<Cluster, ClusterError> {
        let store = data.store().clone();
        let pool = Pool::new(&config.url, config.ca.as_deref(), &config.node)?;
        let read_pool = match &config.read_url {
            Some(url) => Some(Pool::new(url, config.ca.as_deref(), &config.node)?),
            None => None,
        };
        store.start_journal(config.queue);
        let position = {
            let r = store.read_txn()?;
            store.cluster_position(&r)?
        };
        let now = Instant::now();
        Ok(Cluster {
            pool,
            read_pool,
            state: Mutex::new(DbState {
                up: false,
                reason: "not connected yet".into(),
                since: now,
                retry_at: now,
                backoff: BACKOFF_FIRST,
            }),
            id: Mutex::new(None),
            applied: AtomicU64::new(position.map_or(0, |p| p.1)),
            latest: AtomicU64::new(0),
            shipped: AtomicU64::new(0),
            applied_total: AtomicU64::new(0),
            adopted: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            resync: AtomicBool::new(false),
            config,
            store,
            data: data.clone(),
            publisher: std::sync::OnceLock::new(),
        })
    }

    /// Connects, migrates the schema and brings this node's store to the
    /// database's records (or seeds an empty database with them), before
    /// the node serves: its start-up compile then renders what changed.
    /// An unreachable database is not fatal: the node starts on its last
    /// records and the follower thread keeps trying.
    pub fn start(&self) -> Result<(), ClusterError> {
        let result: Result<(), ClusterError> = (|| {
            let mut client = self.pool.get()?;
            schema::migrate(&mut client)?;
            let mut w = self.store.write_txn()?;
            let synced = follow::synchronize(self, &mut client, &mut w)?;
            w.commit().map_err(StoreError::from)?;
            self.synchronized(synced);
            Ok(())
        })();
        match &result {
            Ok(()) => self.mark_up(),
            Err(e) if e.is_unavailable() => {
                self.mark_down(e);
                log::error!(
                    "cluster: {e}; serving this node's last records until the database is back (node {})",
                    self.config.node
                );
                return Ok(());
            }
            Err(_) => {}
        }
        result
    }

    pub(crate) fn synchronized(&self, (id, seq): (String, u64)) {
        *self.id.lock().unwrap_or_else(|e| e.into_inner()) = Some(id);
        self.applied.store(seq, Relaxed);
        self.latest.fetch_max(seq, Relaxed);
    }

    pub(crate) fn cluster_id(&self) -> Option<String> {
        self.id.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A connection, or at once the reason there is none while the
    /// database is known to be away (so that a REST write does not wait
    /// for a connect timeout each time).
    pub(crate) fn client(&self) -> Result<Conn, ClusterError> {
        {
            let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if !s.up && Instant::now() < s.retry_at {
                return Err(ClusterError::Unavailable(s.reason.clone()));
            }
        }
        match self.pool.get() {
            Ok(c) => Ok(c),
            Err(e) => {
                self.mark_down(&e);
                Err(e)
            }
        }
    }

    pub(crate) fn mark_up(&self) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        if !s.up {
            log::info!("cluster: PostgreSQL is reachable (node {})", self.config.node);
            *s = DbState {
                up: true,
                reason: String::new(),
                since: Instant::now(),
                retry_at: Instant::now(),
                backoff: BACKOFF_FIRST,
            };
        }
    }

    pub(crate) fn mark_down(&self, why: &dyn std::fmt::Display) {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if s.up {
            log::error!("cluster: PostgreSQL is unavailable: {why}; REST writes answer 503, phones are still served");
            s.up = false;
            s.since = now;
            s.backoff = BACKOFF_FIRST;
        } else {
            s.backoff = (s.backoff * 2).min(BACKOFF_MAX);
        }
        s.reason = why.to_string();
        s.retry_at = now + s.backoff;
    }

    pub(crate) fn backoff(&self) -> Duration {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).backoff
    }

    /// Hands the journal's records on to the database in `stage` (a unit
    /// of the group commit); see [`follow`].
    pub(crate) fn ship(&self, stage: &mut provd_compiler::group::Stage<'_, '_>) -> Result<usize, ClusterError> {
        let result = follow::ship(self, stage);
        match &result {
            Err(e) if e.is_unavailable() => self.mark_down(e),
            Ok(n) if *n > 0 => self.mark_up(),
            _ => {}
        }
        result
    }

    /// Hands on that plugin `id` was installed (or upgraded) on this node
    /// from the tarball `package`: the package goes into the database, and
    /// every node installs it from there.
    pub(crate) fn plugin_installed(&self, id: &str, package: &std::path::Path) -> Result<(), ClusterError> {
        use sha1::Digest;
        let bytes = std::fs::read(package).map_err(|e| ClusterError::Files(format!("{}: {e}", package.display())))?;
        let sha1: String = sha1::Sha1::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();
        let filename = package.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let doc = serde_json::to_vec(&json!({"sha1": sha1, "filename": filename})).unwrap_or_default();
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::LOCK_WRITE])?;
        tx.execute(
            "INSERT INTO provd_plugin_packages (sha1, filename, content) VALUES ($1, $2, $3) ON CONFLICT (sha1) DO NOTHING",
            &[&sha1, &filename, &bytes],
        )?;
        provd_cluster::records::put_records(
            &mut tx,
            &self.config.node,
            &[(provd_store::SourceKey::Plugin(id.to_owned()), Some(doc))],
        )?;
        tx.commit()?;
        follow::mark_package(&self.data.plugins_dir(), id, &sha1)?;
        Ok(())
    }

    /// Hands on that plugin `id` was uninstalled on this node.
    pub(crate) fn plugin_removed(&self, id: &str) -> Result<(), ClusterError> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::LOCK_WRITE])?;
        provd_cluster::records::put_records(
            &mut tx,
            &self.config.node,
            &[(provd_store::SourceKey::Plugin(id.to_owned()), None)],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether the database was reachable when last tried.
    pub fn is_up(&self) -> bool {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).up
    }

    /// The cluster's part of `/0.2/status`.
    pub fn status(&self) -> Value {
        let (up, reason, since) = {
            let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
            (s.up, s.reason.clone(), s.since.elapsed().as_secs())
        };
        let (applied, latest) = (self.applied.load(Relaxed), self.latest.load(Relaxed));
        let queued = self.store.read_txn().ok().and_then(|r| self.store.journal_len(&r).ok()).unwrap_or(0);
        let mut status = json!({
            "state": if up { "up" } else { "down" },
            "since_seconds": since,
            "node": self.config.node,
            "cluster": self.cluster_id(),
            "applied_sequence": applied,
            "latest_sequence": latest,
            "lag": latest.saturating_sub(applied),
            "queued_records": queued,
            "queue_overflow": self.store.journal_overflow(),
        });
        if !up {
            status["reason"] = Value::from(reason);
        }
        if up && let Ok(nodes) = self.nodes() {
            status["nodes"] = nodes;
        }
        status
    }

    /// Every node's last reported position.
    fn nodes(&self) -> Result<Value, ClusterError> {
        let mut client = self.client()?;
        let rows = client.query(
            "SELECT name, applied, extract(epoch FROM now() - updated)::float8 FROM provd_nodes ORDER BY name",
            &[],
        )?;
        let latest = self.latest.load(Relaxed);
        Ok(Value::Array(
            rows.iter()
                .map(|r| {
                    let name = r.get::<_, String>(0);
                    // This node's own position is known now, not a second ago.
                    let reported = r.get::<_, i64>(1).max(0) as u64;
                    let applied = if name == self.config.node { self.applied.load(Relaxed) } else { reported };
                    json!({
                        "node": name,
                        "applied_sequence": applied,
                        "lag": latest.saturating_sub(applied),
                        "seen_seconds_ago": r.get::<_, f64>(2).max(0.0).round() as u64,
                    })
                })
                .collect(),
        ))
    }
}

impl provd_net::metrics::WriteMetrics for Cluster {
    fn write_metrics(&self, out: &mut provd_net::metrics::Text) {
        let (applied, latest) = (self.applied.load(Relaxed) as f64, self.latest.load(Relaxed) as f64);
        let queued = self.store.read_txn().ok().and_then(|r| self.store.journal_len(&r).ok()).unwrap_or(0);
        out.single(
            "provd_cluster_up",
            "gauge",
            "Whether PostgreSQL was reachable when last tried.",
            self.is_up() as u8 as f64,
        );
        out.single("provd_cluster_applied_sequence", "gauge", "The last change of the cluster applied here.", applied);
        out.single(
            "provd_cluster_latest_sequence",
            "gauge",
            "The last change the cluster's database had when last read.",
            latest,
        );
        out.single(
            "provd_cluster_lag",
            "gauge",
            "Changes of the cluster not applied here yet.",
            (latest - applied).max(0.0),
        );
        out.single(
            "provd_cluster_queued_records",
            "gauge",
            "Records written here waiting to reach PostgreSQL.",
            queued as f64,
        );
        out.single(
            "provd_cluster_queue_overflow_total",
            "counter",
            "Writes not queued for PostgreSQL because the queue was full (they stay on this node).",
            self.store.journal_overflow() as f64,
        );
        out.single(
            "provd_cluster_shipped_total",
            "counter",
            "Records this node wrote to PostgreSQL.",
            self.shipped.load(Relaxed) as f64,
        );
        out.single(
            "provd_cluster_applied_total",
            "counter",
            "Changes of other nodes (or this one's echoes) read from PostgreSQL.",
            self.applied_total.load(Relaxed) as f64,
        );
        out.single(
            "provd_cluster_adopted_total",
            "counter",
            "Devices this node created for a phone another node had created first (the other's record kept).",
            self.adopted.load(Relaxed) as f64,
        );
        out.single(
            "provd_cluster_reconnects_total",
            "counter",
            "Times the follower reconnected to PostgreSQL.",
            self.reconnects.load(Relaxed) as f64,
        );
    }
}
