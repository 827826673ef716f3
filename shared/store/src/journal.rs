//! The journal: which source records (devices, configs, parameters) this
//! process changed and has not handed on yet.
//!
//! In cluster mode the store is a node's copy of a shared source of truth
//! (PostgreSQL): every write of a source record goes there too. The writes
//! are made here first, in the same LMDB transactions as always, and each
//! notes its record's key in the `journal` database; the cluster code then
//! reads the current document of each noted key, hands it on, and clears
//! the note ([`Store::journal_clear`]). A note is a key, not a copy: a
//! device written ten times before it is handed on is sent once, as it is
//! now.
//!
//! The journal is off unless [`Store::start_journal`] was called (a
//! single-node server never writes it), and bounded: past its cap a new
//! key is not noted, and counted ([`Store::journal_overflow`]). Derived
//! fields every node computes for itself (a device's `configured`, written
//! by the compiler through [`Store::put_device_unindexed`]) and the base
//! raw config (each node's own address) are never noted.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use heed::RwTxn;

use crate::RoTxn;
use crate::error::Result;
use crate::error::reading;
use crate::schema::{JOURNAL, META_CLUSTER, META_CLUSTER_APPLIED};
use crate::store::Store;

/// A source record, as the journal and the cluster name it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SourceKey {
    /// A device, by id.
    Device(String),
    /// A config, by id.
    Config(String),
    /// The runtime parameters (one record).
    Params,
    /// A custom template: `<plugin id>/<path under var/templates>` (a file
    /// of the plugins directory, not of the store: never journaled).
    Template(String),
    /// A plugin installed through the REST API, by id (never journaled:
    /// the plugin manager hands it on).
    Plugin(String),
}

impl SourceKey {
    /// The kind as the cluster's tables name it.
    pub fn kind(&self) -> &'static str {
        match self {
            SourceKey::Device(_) => "device",
            SourceKey::Config(_) => "config",
            SourceKey::Params => "params",
            SourceKey::Template(_) => "template",
            SourceKey::Plugin(_) => "plugin",
        }
    }

    /// The id within its kind (`params` for the parameters).
    pub fn id(&self) -> &str {
        match self {
            SourceKey::Device(id) | SourceKey::Config(id) | SourceKey::Template(id) | SourceKey::Plugin(id) => id,
            SourceKey::Params => "params",
        }
    }

    /// The key of `kind` and `id` (as [`kind`](Self::kind) and
    /// [`id`](Self::id) give them); none for an unknown kind.
    pub fn from_parts(kind: &str, id: &str) -> Option<SourceKey> {
        match kind {
            "device" => Some(SourceKey::Device(id.to_owned())),
            "config" => Some(SourceKey::Config(id.to_owned())),
            "params" => Some(SourceKey::Params),
            "template" => Some(SourceKey::Template(id.to_owned())),
            "plugin" => Some(SourceKey::Plugin(id.to_owned())),
            _ => None,
        }
    }

    fn encode(&self) -> String {
        format!("{}/{}", self.kind(), self.id())
    }

    fn decode(key: &str) -> Option<SourceKey> {
        let (kind, id) = key.split_once('/')?;
        SourceKey::from_parts(kind, id)
    }
}

/// A noted key, and whether the device was created by the server from a
/// phone's request (the cluster settles two nodes creating the same phone
/// at once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Noted {
    /// The record.
    pub key: SourceKey,
    /// Set by [`Store::push_auto_device`].
    pub auto_created: bool,
}

/// Whether the journal is kept, its cap, and what did not fit.
#[derive(Debug, Default)]
pub(crate) struct JournalState {
    on: AtomicBool,
    cap: AtomicU64,
    overflow: AtomicU64,
}

/// Value of a note of a device the server created.
const AUTO: &[u8] = b"auto";

impl Store {
    /// Starts noting every write of a source record, up to `cap` keys
    /// waiting at once.
    pub fn start_journal(&self, cap: u64) {
        self.journal.cap.store(cap.max(1), Ordering::Relaxed);
        self.journal.on.store(true, Ordering::Relaxed);
    }

    /// Whether the journal is kept.
    pub fn journal_on(&self) -> bool {
        self.journal.on.load(Ordering::Relaxed)
    }

    /// Writes that could not be noted because the journal was full.
    pub fn journal_overflow(&self) -> u64 {
        self.journal.overflow.load(Ordering::Relaxed)
    }

    pub(crate) fn note(&self, w: &mut RwTxn<'_>, key: &SourceKey, auto_created: bool) -> Result<()> {
        if !self.journal_on() {
            return Ok(());
        }
        let k = key.encode();
        let db = self.db.journal;
        let present = db.get(w, &k).map_err(reading(JOURNAL, &k))?.map(|v| v == AUTO);
        match present {
            // An auto-created device stays one until handed on.
            Some(true) => return Ok(()),
            Some(false) if !auto_created => return Ok(()),
            Some(false) => {}
            None if db.len(w)? >= self.journal.cap.load(Ordering::Relaxed) => {
                let n = self.journal.overflow.fetch_add(1, Ordering::Relaxed);
                if n.is_power_of_two() {
                    log::error!(
                        "journal full ({} records wait to be handed on): {} writes not noted so far, the last \
                         of {k:?}; they stay on this node only",
                        db.len(w)?,
                        n + 1
                    );
                }
                return Ok(());
            }
            None => {}
        }
        db.put(w, &k, if auto_created { AUTO } else { b"" })?;
        Ok(())
    }

    /// The keys noted and not cleared, in key order.
    pub fn journal(&self, txn: &RoTxn<'_>) -> Result<Vec<Noted>> {
        let mut out = Vec::new();
        for entry in self.db.journal.iter(txn)? {
            let (k, v) = entry.map_err(reading(JOURNAL, "(an entry)"))?;
            // A key this version cannot read is skipped, not fatal: it
            // names nothing this version writes.
            if let Some(key) = SourceKey::decode(k) {
                out.push(Noted { key, auto_created: v == AUTO });
            }
        }
        Ok(out)
    }

    /// The number of keys noted.
    pub fn journal_len(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.journal.len(txn)?)
    }

    /// Clears the note of `key` (handed on, or overwritten by the source of
    /// truth).
    pub fn journal_clear(&self, w: &mut RwTxn<'_>, key: &SourceKey) -> Result<()> {
        self.db.journal.delete(w, &key.encode())?;
        Ok(())
    }

    /// Clears every note.
    pub fn journal_clear_all(&self, w: &mut RwTxn<'_>) -> Result<()> {
        Ok(self.db.journal.clear(w)?)
    }

    /// The cluster this store follows and the last change of it applied
    /// here; none for a store that never followed one.
    pub fn cluster_position(&self, txn: &RoTxn<'_>) -> Result<Option<(String, u64)>> {
        let Some(id) = self.db.meta.get(txn, META_CLUSTER).map_err(reading(crate::schema::META, META_CLUSTER))? else {
            return Ok(None);
        };
        let id = String::from_utf8_lossy(id).into_owned();
        Ok(Some((id, self.meta_u64(txn, META_CLUSTER_APPLIED)?.unwrap_or(0))))
    }

    /// Records that this store holds cluster `id`'s changes up to `applied`.
    pub fn set_cluster_position(&self, w: &mut RwTxn<'_>, id: &str, applied: u64) -> Result<()> {
        self.db.meta.put(w, META_CLUSTER, id.as_bytes())?;
        self.set_meta_u64(w, META_CLUSTER_APPLIED, applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_core::{Config, Device};

    fn device(id: &str) -> Device {
        Device { id: id.into(), ..Default::default() }
    }

    #[test]
    fn writes_are_noted_only_once_the_journal_is_started() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let mut w = s.write_txn().unwrap();
        s.put_device(&mut w, &device("before")).unwrap();
        assert!(s.journal(&w).unwrap().is_empty());
        s.start_journal(100);
        s.put_device(&mut w, &device("a")).unwrap();
        s.put_device(&mut w, &device("a")).unwrap();
        s.push_auto_device(&mut w, "a").unwrap();
        s.put_device(&mut w, &device("a")).unwrap();
        s.put_config(&mut w, &Config { id: "c".into(), ..Default::default() }).unwrap();
        s.delete_config(&mut w, "c").unwrap();
        s.set_params(&mut w, &provd_core::Map::new()).unwrap();
        s.delete_device(&mut w, "before").unwrap();
        // Derived and node-local writes are not the cluster's.
        s.put_device_unindexed(&mut w, &device("derived")).unwrap();
        s.set_base_raw_config(&mut w, &provd_core::Map::new()).unwrap();
        let noted = s.journal(&w).unwrap();
        assert_eq!(
            noted,
            vec![
                Noted { key: SourceKey::Config("c".into()), auto_created: false },
                Noted { key: SourceKey::Device("a".into()), auto_created: true },
                Noted { key: SourceKey::Device("before".into()), auto_created: false },
                Noted { key: SourceKey::Params, auto_created: false },
            ]
        );
        s.journal_clear(&mut w, &SourceKey::Device("a".into())).unwrap();
        assert_eq!(s.journal_len(&w).unwrap(), 3);
    }

    #[test]
    fn a_full_journal_counts_what_it_could_not_note() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.start_journal(2);
        let mut w = s.write_txn().unwrap();
        for id in ["a", "b", "c", "d", "a"] {
            s.put_device(&mut w, &device(id)).unwrap();
        }
        assert_eq!(s.journal_len(&w).unwrap(), 2);
        assert_eq!(s.journal_overflow(), 2, "c and d; a again is already noted");
    }

    #[test]
    fn the_cluster_position_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let mut w = s.write_txn().unwrap();
        assert_eq!(s.cluster_position(&w).unwrap(), None);
        s.set_cluster_position(&mut w, "c1", 42).unwrap();
        w.commit().unwrap();
        assert_eq!(s.cluster_position(&s.read_txn().unwrap()).unwrap(), Some(("c1".into(), 42)));
    }
}
