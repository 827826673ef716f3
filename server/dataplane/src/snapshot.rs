//! What the I/O threads read: one LMDB read transaction per generation.
//!
//! A snapshot pins the generation it was opened on (LMDB MVCC), so a
//! transfer that holds one keeps reading the bytes it started with while
//! newer generations are published. Threads move to a new snapshot when the
//! generation hint changes: the writer bumps it after its commits, a watcher
//! thread after anyone else's (`provd-compile`).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use provd_compiler::publish::{GenerationHint, PluginSet};
use provd_core::Plugin;
use std::time::Duration;

use provd_core::config::truthy;
use provd_store::{ReadTxn, Result, Store};

use crate::pipeline::Policy;

/// One generation of the store, as the I/O threads read it.
pub(crate) struct Snapshot {
    /// The read transaction that pins the generation.
    pub(crate) txn: ReadTxn<'static>,
    /// The plugins routing uses with this generation.
    pub(crate) plugins: Arc<Vec<Plugin>>,
    /// The generation the transaction sees.
    pub(crate) generation: u64,
    /// The base policy with the store's parameters (`NAT`) applied.
    pub(crate) policy: Policy,
    /// The URL keys (`--url-key`): each tenant's provisioning key; a phone
    /// puts its tenant's first in its paths.
    pub(crate) url_keys: Vec<String>,
    /// The tenant of each of `url_keys`, at the same index.
    pub(crate) key_tenants: Vec<String>,
    /// provd's own tenant (devices without a `tenant_uuid` are in it).
    pub(crate) provd_tenant: String,
    /// `config_encryption` is on: a device file with an encrypted copy is
    /// served that copy unless the request proves it is the phone.
    pub(crate) sealing: bool,
}

impl Snapshot {
    /// A read transaction on the latest generation of `store`.
    fn open(store: &Store, base: Policy, plugins: &PluginSet) -> Result<Snapshot> {
        let plugins = plugins.get();
        let txn = store.env().clone().static_read_txn()?;
        let generation = store.generation(&txn)?;
        let params = store.params(&txn)?;
        let mut policy = base;
        if let Some(nat) = params.get("NAT") {
            policy.nat = match nat {
                serde_json::Value::String(s) => s == "1",
                other => truthy(other),
            };
        }
        let (url_keys, key_tenants) = provd_core::tenant::provisioning_keys(&params).into_iter().unzip();
        let provd_tenant = params.get("tenant_uuid").and_then(|v| v.as_str()).unwrap_or_default().to_owned();
        // The compiler refuses to render without a usable secret, so "on"
        // here is what it saw too.
        let sealing = provd_compiler::render::seal::enabled(&params);
        Ok(Snapshot { txn, plugins, generation, policy, url_keys, key_tenants, provd_tenant, sealing })
    }
}

/// One thread's current snapshot.
pub(crate) struct Current {
    store: Store,
    plugins: Arc<PluginSet>,
    base: Policy,
    hint: GenerationHint,
    snapshot: RefCell<Rc<Snapshot>>,
}

impl Current {
    /// The snapshot of the latest generation, and the hint raised to it.
    pub(crate) fn new(store: Store, base: Policy, hint: GenerationHint, plugins: Arc<PluginSet>) -> Result<Current> {
        let snapshot = Rc::new(Snapshot::open(&store, base, &plugins)?);
        hint.raise(snapshot.generation);
        Ok(Current { store, plugins, base, hint, snapshot: RefCell::new(snapshot) })
    }

    /// The snapshot of the newest generation known (an atomic load on the
    /// common path; a new read transaction only after a publish).
    pub(crate) fn get(&self) -> Rc<Snapshot> {
        let current = self.snapshot.borrow().clone();
        if current.generation >= self.hint.get() {
            return current;
        }
        self.refresh().unwrap_or(current)
    }

    /// Opens a snapshot of the latest generation now.
    pub(crate) fn refresh(&self) -> Option<Rc<Snapshot>> {
        match Snapshot::open(&self.store, self.base, &self.plugins) {
            Ok(s) => {
                let s = Rc::new(s);
                self.hint.raise(s.generation);
                *self.snapshot.borrow_mut() = s.clone();
                Some(s)
            }
            Err(e) => {
                log::error!("cannot open a read transaction: {e}");
                None
            }
        }
    }
}

/// Polls the store every `every` for generations published by other
/// processes (`provd-compile`), raising `hint` to them, until `stop` is set;
/// on a thread of its own.
pub fn watch(store: Store, hint: GenerationHint, every: Duration, stop: Arc<AtomicBool>) {
    let _ = std::thread::Builder::new().name("provd-watch".into()).spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if let Ok(txn) = store.read_txn()
                && let Ok(g) = store.generation(&txn)
            {
                hint.raise(g);
            }
            std::thread::sleep(every);
        }
    });
}
