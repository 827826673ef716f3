//! The store's API: [`Store`] opens the environment and reads and writes
//! devices, configs, their indexes, render records, the auto-device queue
//! and meta. Served files (routes and blobs) are in `files.rs`.
//!
//! One environment under `<data>/store`. Every publish is one write
//! transaction, so a reader sees a whole generation or the next one, never a
//! mix; a reader that holds a transaction keeps reading its generation while
//! the next is written (LMDB MVCC).

use std::path::Path;

use heed::types::Bytes;
use heed::{BytesDecode, Env, EnvOpenOptions, PutFlags, RoTxn, RwTxn, WithoutTls};

use provd_core::config::Config;
use provd_core::device::Device;

use crate::codec::{Json, RenderRecord, RenderRecordBuf, U64Le};
use crate::error::{Result, StoreError, corrupt, reading};
use crate::journal::SourceKey;
use crate::schema::*;
use crate::{Owner, ReadTxn, WriteTxn};

/// What an iterator reports for a key that is not UTF-8.
const BAD_KEY: &str = "(a key that is not UTF-8)";

/// The store. Cheap to clone; one per process is enough.
#[derive(Clone)]
pub struct Store {
    env: Env<WithoutTls>,
    pub(crate) db: Dbs,
    /// Whether writes of source records are noted (cluster mode).
    pub(crate) journal: std::sync::Arc<crate::journal::JournalState>,
}

impl Store {
    /// Opens (creating if needed) the environment in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir { path: dir.display().to_string(), source })?;
        let map_size: usize =
            std::env::var("PROVD_STORE_MAP_SIZE").ok().and_then(|s| s.parse().ok()).unwrap_or(64 << 30);
        // 18 named databases today; room to add more without a surprise.
        // SAFETY: heed's contract is that the files are not modified by
        // other means while open; only provd processes open this directory.
        let env = unsafe {
            EnvOpenOptions::new().read_txn_without_tls().map_size(map_size).max_dbs(32).max_readers(1024).open(dir)?
        };
        let db = Dbs::create(&env)?;
        let store = Store { env, db, journal: Default::default() };
        store.build_config_indexes()?;
        Ok(store)
    }

    /// Fills the indexes kept beside the configs (`line1_usernames`,
    /// `config_children`) from every config, once per store: stores made
    /// before an index existed get it at their first open.
    fn build_config_indexes(&self) -> Result<()> {
        let r = self.read_txn()?;
        let line1 = self.db.meta.get(&r, META_LINE1_BUILT)?.is_none();
        let children = self.db.meta.get(&r, META_CHILDREN_BUILT)?.is_none();
        if !line1 && !children {
            return Ok(());
        }
        drop(r);
        let mut w = self.write_txn()?;
        // Another process may have built them between the check and this
        // transaction; building again gives the same entries.
        if line1 {
            let configs: Vec<Config> = self.configs(&w)?.collect::<Result<_>>()?;
            for config in &configs {
                self.put_line1_username(&mut w, config)?;
                if children {
                    self.index_parents(&mut w, &config.id, &config.parent_ids)?;
                }
            }
        } else {
            // Only the parents, not whole documents: 0.7 s instead of
            // 3.7 s for 100k configs.
            let mut parents = Vec::new();
            for doc in self.config_documents(&w)? {
                let (id, bytes) = doc?;
                parents.push((id.to_owned(), decode_parent_ids(id, bytes)?));
            }
            for (id, p) in &parents {
                self.index_parents(&mut w, id, p)?;
            }
        }
        self.db.meta.put(&mut w, META_LINE1_BUILT, b"1")?;
        self.db.meta.put(&mut w, META_CHILDREN_BUILT, b"1")?;
        w.commit()?;
        Ok(())
    }

    /// Starts a read transaction: a consistent view of one generation.
    pub fn read_txn(&self) -> Result<ReadTxn<'_>> {
        Ok(self.env.read_txn()?)
    }

    /// Starts the write transaction (one at a time per environment; others
    /// wait).
    pub fn write_txn(&self) -> Result<WriteTxn<'_>> {
        Ok(self.env.write_txn()?)
    }

    /// A transaction inside `parent`: its writes join the parent's when
    /// it commits, and vanish when it is aborted (or dropped), leaving the
    /// parent as it was. How one write of a group commit fails alone.
    pub fn nested_txn<'p>(&'p self, parent: &'p mut WriteTxn<'_>) -> Result<WriteTxn<'p>> {
        Ok(self.env.nested_write_txn(parent)?)
    }

    /// The LMDB environment, for what the store does not wrap (the data
    /// plane's long-lived snapshot transaction).
    pub fn env(&self) -> &Env<WithoutTls> {
        &self.env
    }

    // ---- meta -------------------------------------------------------------

    pub(crate) fn meta_u64(&self, txn: &RoTxn<'_>, key: &'static str) -> Result<Option<u64>> {
        self.db.meta.remap_data_type::<U64Le>().get(txn, key).map_err(reading(META, key))
    }

    pub(crate) fn set_meta_u64(&self, w: &mut RwTxn<'_>, key: &str, v: u64) -> Result<()> {
        Ok(self.db.meta.remap_data_type::<U64Le>().put(w, key, &v.to_le_bytes())?)
    }

    /// The id the next new blob gets (1 in a new store).
    pub(crate) fn next_blob_id(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.meta_u64(txn, META_NEXT_BLOB)?.unwrap_or(1))
    }

    /// The number of the generation currently published (0 before the first).
    pub fn generation(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.meta_u64(txn, META_GENERATION)?.unwrap_or(0))
    }

    /// Marks the transaction as a new generation; returns its number.
    pub fn bump_generation(&self, w: &mut RwTxn<'_>) -> Result<u64> {
        let next = self.generation(w)? + 1;
        self.set_meta_u64(w, META_GENERATION, next)?;
        Ok(next)
    }

    fn meta_json(&self, txn: &RoTxn<'_>, key: &'static str) -> Result<Option<provd_core::Map>> {
        self.db.meta.remap_data_type::<Json<provd_core::Map>>().get(txn, key).map_err(reading(META, key))
    }

    fn set_meta_json(&self, w: &mut RwTxn<'_>, key: &'static str, v: &provd_core::Map) -> Result<()> {
        Ok(self.db.meta.remap_data_type::<Json<provd_core::Map>>().put(w, key, v)?)
    }

    /// The raw config below every config (`ip`, `http_port`, `tftp_port`,
    /// `http_base_url`, ...).
    pub fn base_raw_config(&self, txn: &RoTxn<'_>) -> Result<Option<provd_core::Map>> {
        self.meta_json(txn, META_BASE_RAW_CONFIG)
    }

    /// Replaces the base raw config.
    pub fn set_base_raw_config(&self, w: &mut RwTxn<'_>, raw: &provd_core::Map) -> Result<()> {
        self.set_meta_json(w, META_BASE_RAW_CONFIG, raw)
    }

    /// Runtime parameters (`NAT`, `locale`, ...), as set through the API.
    pub fn params(&self, txn: &RoTxn<'_>) -> Result<provd_core::Map> {
        Ok(self.meta_json(txn, META_PARAMS)?.unwrap_or_default())
    }

    /// Replaces the runtime parameters.
    pub fn set_params(&self, w: &mut RwTxn<'_>, params: &provd_core::Map) -> Result<()> {
        self.note(w, &SourceKey::Params, false)?;
        self.set_meta_json(w, META_PARAMS, params)
    }

    // ---- devices ----------------------------------------------------------

    /// Device `id`, decoded.
    pub fn device(&self, txn: &RoTxn<'_>, id: &str) -> Result<Option<Device>> {
        if id.is_empty() {
            return Ok(None);
        }
        self.db.devices.get(txn, id).map_err(reading(DEVICES, id))
    }

    /// Every device, in id order.
    pub fn devices<'t>(&self, txn: &'t RoTxn<'_>) -> Result<impl Iterator<Item = Result<Device>> + 't> {
        Ok(self.db.devices.lazily_decode_data().iter(txn)?.map(|r| {
            let (id, doc) = r.map_err(reading(DEVICES, BAD_KEY))?;
            doc.decode().map_err(|e| corrupt(DEVICES, id, e))
        }))
    }

    /// Every device document as stored `(id, JSON)`, borrowed from the
    /// transaction: decode them in parallel.
    pub fn device_documents<'t>(
        &self,
        txn: &'t RoTxn<'_>,
    ) -> Result<impl Iterator<Item = Result<(&'t str, &'t [u8])>> + 't> {
        Ok(self.db.devices.remap_data_type::<Bytes>().iter(txn)?.map(|r| r.map_err(reading(DEVICES, BAD_KEY))))
    }

    /// Decodes a document of [`Store::device_documents`].
    pub fn decode_device(id: &str, bytes: &[u8]) -> Result<Device> {
        Json::<Device>::bytes_decode(bytes).map_err(|e| corrupt(DEVICES, id, e))
    }

    /// The number of devices.
    pub fn device_count(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.devices.len(txn)?)
    }

    /// Ids of the devices whose `index` field equals `value`.
    pub fn device_ids_by(&self, txn: &RoTxn<'_>, index: Index, value: &str) -> Result<Vec<String>> {
        // Empty values are not indexed (see `Index`); LMDB refuses empty keys.
        if value.is_empty() {
            return Ok(Vec::new());
        }
        let Some(iter) = self.db.index(index).get_duplicates(txn, value)? else {
            return Ok(Vec::new());
        };
        iter.map(|r| Ok(r.map_err(reading(index.db_name(), value))?.1.to_owned())).collect()
    }

    /// A device's stored JSON, borrowed from the transaction (read it with
    /// [`provd_core::device::DeviceView`] on the request path).
    pub fn device_doc<'t>(&self, txn: &'t RoTxn<'_>, id: &str) -> Result<Option<&'t [u8]>> {
        if id.is_empty() {
            return Ok(None);
        }
        Ok(self.db.devices.remap_data_type::<Bytes>().get(txn, id)?)
    }

    /// The first (smallest) id of the devices whose `index` field equals
    /// `value`: what [`Store::device_ids_iter`] yields first. A plain get on
    /// the duplicate-sorted index, which, unlike iterating, does not make
    /// LMDB allocate and free a cursor: it runs for every request.
    pub fn first_device_id<'t>(&self, txn: &'t RoTxn<'_>, index: Index, value: &str) -> Result<Option<&'t str>> {
        if value.is_empty() {
            return Ok(None);
        }
        self.db.index(index).get(txn, value).map_err(reading(index.db_name(), value))
    }

    /// The ids of devices whose `index` field equals `value`, borrowed.
    pub fn device_ids_iter<'t>(
        &self,
        txn: &'t RoTxn<'_>,
        index: Index,
        value: &str,
    ) -> Result<impl Iterator<Item = Result<&'t str>> + 't> {
        let iter = if value.is_empty() { None } else { self.db.index(index).get_duplicates(txn, value)? };
        let database = index.db_name();
        Ok(iter.into_iter().flatten().map(move |r| Ok(r.map_err(reading(database, BAD_KEY))?.1)))
    }

    /// Inserts or replaces a device, keeping the indexes in step.
    pub fn put_device(&self, w: &mut RwTxn<'_>, device: &Device) -> Result<()> {
        self.note(w, &SourceKey::Device(device.id.clone()), false)?;
        let old = self.device(w, &device.id)?;
        self.unindex(w, old.as_ref())?;
        self.db.devices.put(w, &device.id, device)?;
        for index in Index::ALL {
            if let Some(k) = index.key(device) {
                self.db.index(index).put(w, &k, &device.id)?;
            }
        }
        Ok(())
    }

    /// Rewrites a device document whose indexed fields did not change
    /// (e.g. `configured`), skipping index maintenance.
    pub fn put_device_unindexed(&self, w: &mut RwTxn<'_>, device: &Device) -> Result<()> {
        Ok(self.db.devices.put(w, &device.id, device)?)
    }

    /// Deletes a device, its files and its transient config if no other
    /// device uses it.
    pub fn delete_device_and_files(&self, w: &mut RwTxn<'_>, device: &Device) -> Result<()> {
        let owner = Owner::device(&device.id);
        let keys = self.owned_routes(w, &owner)?;
        let mut fw = self.file_writer(w, 0)?;
        for key in keys {
            fw.remove(&key)?;
        }
        fw.finish()?;
        self.delete_device(w, &device.id)?;
        if let Some(config) = &device.config {
            let used = self.device_ids_by(w, Index::Config, config)?;
            if used.is_empty() && self.config(w, config)?.is_some_and(|c| c.is_transient()) {
                self.delete_config(w, config)?;
            }
        }
        Ok(())
    }

    /// wazo-provd's `cfg_create_new`: a transient copy of the config whose
    /// role is `autocreate`, named after it plus a UUID; none if it has no
    /// line 1.
    pub fn autocreate_config(&self, txn: &RoTxn<'_>) -> Result<Option<Config>> {
        // The well-known `autoprov` first: scanning every config per new
        // device would not survive a mass boot.
        let mut template = self.config(txn, "autoprov")?.filter(|c| c.role.as_deref() == Some("autocreate"));
        if template.is_none() {
            for c in self.configs(txn)? {
                let c = c?;
                if c.role.as_deref() == Some("autocreate") {
                    template = Some(c);
                    break;
                }
            }
        }
        let Some(t) = template else { return Ok(None) };
        if t.raw_config.get("sip_lines").and_then(|l| l.get("1")).is_none() {
            return Ok(None);
        }
        Ok(Some(Config {
            id: format!("{}{}", t.id, uuid::Uuid::new_v4()),
            parent_ids: vec![t.id.clone()],
            raw_config: t.raw_config,
            transient: Some(true),
            ..Default::default()
        }))
    }

    /// Deletes device `id` (not its files) and its render record; returns
    /// it.
    pub fn delete_device(&self, w: &mut RwTxn<'_>, id: &str) -> Result<Option<Device>> {
        self.note(w, &SourceKey::Device(id.to_owned()), false)?;
        let old = self.device(w, id)?;
        self.unindex(w, old.as_ref())?;
        self.db.devices.delete(w, id)?;
        self.db.render_records.delete(w, id)?;
        Ok(old)
    }

    fn unindex(&self, w: &mut RwTxn<'_>, old: Option<&Device>) -> Result<()> {
        if let Some(old) = old {
            for index in Index::ALL {
                if let Some(k) = index.key(old) {
                    self.db.index(index).delete_one_duplicate(w, &k, &old.id)?;
                }
            }
        }
        Ok(())
    }

    // ---- render records ---------------------------------------------------

    /// What device `id`'s files were last rendered from, if recorded.
    pub fn render_record<'t>(&self, txn: &'t RoTxn<'_>, id: &str) -> Result<Option<RenderRecord<'t>>> {
        self.db.render_records.get(txn, id).map_err(reading(RENDER_RECORDS, id))
    }

    /// Every render record's device id and input fingerprint, in id order.
    pub fn render_fingerprints<'t>(
        &self,
        txn: &'t RoTxn<'_>,
    ) -> Result<impl Iterator<Item = Result<(&'t str, &'t [u8; 32])>> + 't> {
        Ok(self.db.render_records.lazily_decode_data().iter(txn)?.map(|r| {
            let (id, rec) = r.map_err(reading(RENDER_RECORDS, BAD_KEY))?;
            let rec = rec.decode().map_err(|e| corrupt(RENDER_RECORDS, id, e))?;
            Ok((id, rec.fingerprint()))
        }))
    }

    /// Records that device `id` was rendered from inputs `fingerprint` into
    /// `files` (route key, content hash).
    pub fn put_render_record<'k>(
        &self,
        w: &mut RwTxn<'_>,
        id: &str,
        fingerprint: &[u8; 32],
        files: impl IntoIterator<Item = (&'k str, &'k [u8; 32])>,
    ) -> Result<()> {
        let mut buf = RenderRecordBuf::default();
        Ok(self.db.render_records.put(w, id, buf.fill(fingerprint, files))?)
    }

    /// Forgets what device `id` was rendered from; returns whether it was
    /// recorded.
    pub fn delete_render_record(&self, w: &mut RwTxn<'_>, id: &str) -> Result<bool> {
        Ok(self.db.render_records.delete(w, id)?)
    }

    // ---- auto-created devices ---------------------------------------------

    /// Remembers that the server created device `id` from a request, in
    /// creation order (the oldest are expired first beyond a cap).
    pub fn push_auto_device(&self, w: &mut RwTxn<'_>, id: &str) -> Result<()> {
        self.note(w, &SourceKey::Device(id.to_owned()), true)?;
        let seq = self.meta_u64(w, META_NEXT_AUTO_SEQ)?.unwrap_or(0);
        self.set_meta_u64(w, META_NEXT_AUTO_SEQ, seq + 1)?;
        Ok(self.db.auto_devices.put_with_flags(w, PutFlags::APPEND, &seq.to_be_bytes(), id)?)
    }

    /// The number of devices [`Store::push_auto_device`] recorded and
    /// [`Store::pop_oldest_auto_device`] has not removed yet.
    pub fn auto_device_count(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.auto_devices.len(txn)?)
    }

    /// Removes and returns the oldest record of [`Store::push_auto_device`].
    pub fn pop_oldest_auto_device(&self, w: &mut RwTxn<'_>) -> Result<Option<String>> {
        let first = self.db.auto_devices.first(w).map_err(reading(AUTO_DEVICES, "(the first)"))?;
        let Some((seq, id)) = first.map(|(seq, id)| (seq, id.to_owned())) else {
            return Ok(None);
        };
        self.db.auto_devices.delete(w, &seq.to_be_bytes())?;
        Ok(Some(id))
    }

    // ---- configs ----------------------------------------------------------

    /// Config `id`, decoded.
    pub fn config(&self, txn: &RoTxn<'_>, id: &str) -> Result<Option<Config>> {
        // No key is empty (LMDB has none): a device's `config: ""` names
        // no config, as in wazo-provd.
        if id.is_empty() {
            return Ok(None);
        }
        self.db.configs.get(txn, id).map_err(reading(CONFIGS, id))
    }

    /// Every config, in id order.
    pub fn configs<'t>(&self, txn: &'t RoTxn<'_>) -> Result<impl Iterator<Item = Result<Config>> + 't> {
        Ok(self.db.configs.lazily_decode_data().iter(txn)?.map(|r| {
            let (id, doc) = r.map_err(reading(CONFIGS, BAD_KEY))?;
            doc.decode().map_err(|e| corrupt(CONFIGS, id, e))
        }))
    }

    /// A config's stored JSON, borrowed from the transaction.
    pub fn config_doc<'t>(&self, txn: &'t RoTxn<'_>, id: &str) -> Result<Option<&'t [u8]>> {
        if id.is_empty() {
            return Ok(None);
        }
        Ok(self.db.configs.remap_data_type::<Bytes>().get(txn, id)?)
    }

    /// Every config document as stored `(id, JSON)`.
    pub fn config_documents<'t>(
        &self,
        txn: &'t RoTxn<'_>,
    ) -> Result<impl Iterator<Item = Result<(&'t str, &'t [u8])>> + 't> {
        Ok(self.db.configs.remap_data_type::<Bytes>().iter(txn)?.map(|r| r.map_err(reading(CONFIGS, BAD_KEY))))
    }

    /// Inserts or replaces a config, keeping line 1's username and the
    /// parent → children index in step.
    pub fn put_config(&self, w: &mut RwTxn<'_>, config: &Config) -> Result<()> {
        self.note(w, &SourceKey::Config(config.id.clone()), false)?;
        let old = self.parent_ids(w, &config.id)?;
        if old.as_deref() != Some(config.parent_ids.as_slice()) {
            self.unindex_parents(w, &config.id, old.as_deref().unwrap_or_default())?;
            self.index_parents(w, &config.id, &config.parent_ids)?;
        }
        self.db.configs.put(w, &config.id, config)?;
        self.put_line1_username(w, config)
    }

    /// Deletes config `id`; returns whether it existed. Its own entries in
    /// `config_children` (as a child) go with it; the configs that name it
    /// as a parent keep theirs, so that they are found again if a config of
    /// that id comes back.
    pub fn delete_config(&self, w: &mut RwTxn<'_>, id: &str) -> Result<bool> {
        self.note(w, &SourceKey::Config(id.to_owned()), false)?;
        if let Some(parents) = self.parent_ids(w, id)? {
            self.unindex_parents(w, id, &parents)?;
        }
        self.db.line1_usernames.delete(w, id)?;
        Ok(self.db.configs.delete(w, id)?)
    }

    /// The `parent_ids` of config `id`, read without decoding the rest of
    /// its document.
    fn parent_ids(&self, txn: &RoTxn<'_>, id: &str) -> Result<Option<Vec<String>>> {
        let Some(bytes) = self.config_doc(txn, id)? else { return Ok(None) };
        Ok(Some(decode_parent_ids(id, bytes)?))
    }

    fn index_parents(&self, w: &mut RwTxn<'_>, id: &str, parents: &[String]) -> Result<()> {
        // A parent listed twice is one entry (dupsort keeps pairs once); an
        // empty one names no config, and LMDB has no empty keys.
        for p in parents.iter().filter(|p| !p.is_empty()) {
            self.db.config_children.put(w, p, id)?;
        }
        Ok(())
    }

    fn unindex_parents(&self, w: &mut RwTxn<'_>, id: &str, parents: &[String]) -> Result<()> {
        for p in parents.iter().filter(|p| !p.is_empty()) {
            self.db.config_children.delete_one_duplicate(w, p, id)?;
        }
        Ok(())
    }

    /// Ids of the configs that list `id` among their `parent_ids`, in id
    /// order (whether or not config `id` exists).
    pub fn child_config_ids(&self, txn: &RoTxn<'_>, id: &str) -> Result<Vec<String>> {
        if id.is_empty() {
            return Ok(Vec::new());
        }
        let Some(iter) = self.db.config_children.get_duplicates(txn, id)? else {
            return Ok(Vec::new());
        };
        iter.map(|r| Ok(r.map_err(reading(CONFIG_CHILDREN, id))?.1.to_owned())).collect()
    }

    /// Ids of the configs inheriting from `id`, directly or not, `id`
    /// excluded; each once, even through a cycle. Found through
    /// `config_children`: the cost is the descendants', not the store's.
    pub fn config_descendants(&self, txn: &RoTxn<'_>, id: &str) -> Result<Vec<String>> {
        let mut seen = std::collections::HashSet::new();
        seen.insert(id.to_owned());
        let mut out = Vec::new();
        let mut todo = vec![id.to_owned()];
        while let Some(p) = todo.pop() {
            for c in self.child_config_ids(txn, &p)? {
                if seen.insert(c.clone()) {
                    out.push(c.clone());
                    todo.push(c);
                }
            }
        }
        out.sort();
        Ok(out)
    }

    /// `raw_config.sip_lines."1".username` of the config's own document (not
    /// the flattened one), when it is a string: what wazo-provd records as a
    /// device's remote state when it fetches its trigger file. Kept beside
    /// the configs so that the request path, which checks it on every
    /// trigger fetch, reads a short value instead of the whole document.
    pub fn line1_username<'t>(&self, txn: &'t RoTxn<'_>, config_id: &str) -> Result<Option<&'t str>> {
        if config_id.is_empty() {
            return Ok(None);
        }
        self.db.line1_usernames.get(txn, config_id).map_err(reading(LINE1_USERNAMES, config_id))
    }

    fn put_line1_username(&self, w: &mut RwTxn<'_>, config: &Config) -> Result<()> {
        let username = config
            .raw_config
            .get("sip_lines")
            .and_then(|lines| lines.get("1"))
            .and_then(|line| line.get("username"))
            .and_then(serde_json::Value::as_str);
        match username {
            Some(u) => self.db.line1_usernames.put(w, &config.id, u)?,
            None => {
                self.db.line1_usernames.delete(w, &config.id)?;
            }
        }
        Ok(())
    }
}

/// The `parent_ids` of a stored config document, the rest skipped.
fn decode_parent_ids(id: &str, bytes: &[u8]) -> Result<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Parents {
        #[serde(default)]
        parent_ids: Vec<String>,
    }
    let p: Parents = serde_json::from_slice(bytes).map_err(|e| corrupt(CONFIGS, id, e))?;
    Ok(p.parent_ids)
}

#[cfg(test)]
mod tests {
    use crate::schema::{META_CHILDREN_BUILT, META_LINE1_BUILT};
    use crate::*;
    use provd_core::config::Config;
    use provd_core::device::Device;
    use provd_core::mac::Mac;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        (dir, s)
    }

    fn dev(id: &str, mac: &str, ip: &str, plugin: &str) -> Device {
        Device {
            id: id.into(),
            mac: Some(Mac::parse(mac).unwrap()),
            ip: Some(ip.into()),
            plugin: Some(plugin.into()),
            ..Default::default()
        }
    }

    #[test]
    fn the_first_device_id_is_the_first_the_iterator_gives() {
        let (_d, s) = store();
        let mut w = s.write_txn().unwrap();
        for id in ["m", "z", "b"] {
            s.put_device(&mut w, &dev(id, "00:15:65:00:00:01", "10.0.0.1", "p1")).unwrap();
        }
        w.commit().unwrap();
        let r = s.read_txn().unwrap();
        let iter: Vec<&str> = s.device_ids_iter(&r, Index::Ip, "10.0.0.1").unwrap().map(Result::unwrap).collect();
        assert_eq!(iter, ["b", "m", "z"]);
        assert_eq!(s.first_device_id(&r, Index::Ip, "10.0.0.1").unwrap(), Some("b"));
        assert_eq!(s.first_device_id(&r, Index::Mac, "00:15:65:00:00:01").unwrap(), Some("b"));
        assert_eq!(s.first_device_id(&r, Index::Ip, "10.0.0.2").unwrap(), None);
    }

    #[test]
    fn device_indexes_follow_updates() {
        let (_d, s) = store();
        let mut w = s.write_txn().unwrap();
        s.put_device(&mut w, &dev("a", "00:15:65:00:00:01", "10.0.0.1", "p1")).unwrap();
        s.put_device(&mut w, &dev("b", "00:15:65:00:00:02", "10.0.0.1", "p1")).unwrap();
        w.commit().unwrap();
        let r = s.read_txn().unwrap();
        assert_eq!(s.device_ids_by(&r, Index::Ip, "10.0.0.1").unwrap(), ["a", "b"]);
        assert_eq!(s.device_ids_by(&r, Index::Mac, "00:15:65:00:00:02").unwrap(), ["b"]);
        drop(r);

        let mut w = s.write_txn().unwrap();
        s.put_device(&mut w, &dev("a", "00:15:65:00:00:01", "10.0.0.9", "p2")).unwrap();
        s.delete_device(&mut w, "b").unwrap();
        w.commit().unwrap();
        let r = s.read_txn().unwrap();
        assert!(s.device_ids_by(&r, Index::Ip, "10.0.0.1").unwrap().is_empty());
        assert_eq!(s.device_ids_by(&r, Index::Plugin, "p2").unwrap(), ["a"]);
        assert!(s.device_ids_by(&r, Index::Plugin, "p1").unwrap().is_empty());
        assert_eq!(s.device(&r, "a").unwrap().unwrap().ip.as_deref(), Some("10.0.0.9"));
        assert_eq!(s.device_count(&r).unwrap(), 1);
    }

    #[test]
    fn identical_bytes_are_stored_once_and_freed_with_the_last_route() {
        let (_d, s) = store();
        let owner = |i: u32| Owner::device(&format!("d{i}"));
        let mut w = s.write_txn().unwrap();
        let mut fw = s.file_writer(&mut w, 100).unwrap();
        for i in 0..10 {
            assert_eq!(fw.put(&format!("p/{i}.cfg"), &owner(i), b"same").unwrap(), RouteChange::Created);
        }
        assert_eq!(fw.put("p/other.cfg", &owner(99), b"other").unwrap(), RouteChange::Created);
        assert_eq!(fw.blobs_written(), 2);
        fw.finish().unwrap();
        w.commit().unwrap();
        let r = s.read_txn().unwrap();
        assert_eq!(s.blob_count(&r).unwrap(), 2);
        assert_eq!(s.route_count(&r).unwrap(), 11);
        let route = s.route(&r, "p/3.cfg").unwrap().unwrap();
        assert_eq!(s.content(&r, &route).unwrap(), b"same");
        assert_eq!(route.len(), 4);
        assert_eq!(route.owner(), Some(OwnerRef::Device("d3")));
        assert_eq!(s.owned_routes(&r, &owner(3)).unwrap(), ["p/3.cfg"]);
        drop(r);

        let mut w = s.write_txn().unwrap();
        let mut fw = s.file_writer(&mut w, 200).unwrap();
        for i in 0..10 {
            assert!(fw.remove(&format!("p/{i}.cfg")).unwrap());
        }
        assert!(!fw.remove("p/0.cfg").unwrap());
        fw.finish().unwrap();
        w.commit().unwrap();
        let r = s.read_txn().unwrap();
        assert_eq!(s.blob_count(&r).unwrap(), 1);
        assert!(s.owned_routes(&r, &owner(3)).unwrap().is_empty());
    }

    #[test]
    fn unchanged_bytes_keep_etag_and_last_modified() {
        let (_d, s) = store();
        let o = Owner::device("a");
        let mut w = s.write_txn().unwrap();
        let mut fw = s.file_writer(&mut w, 100).unwrap();
        fw.put("p/a.cfg", &o, b"v1").unwrap();
        fw.finish().unwrap();
        w.commit().unwrap();
        let etag1 = s.route(&s.read_txn().unwrap(), "p/a.cfg").unwrap().unwrap().etag();

        let mut w = s.write_txn().unwrap();
        let mut fw = s.file_writer(&mut w, 200).unwrap();
        assert_eq!(fw.put("p/a.cfg", &o, b"v1").unwrap(), RouteChange::Unchanged);
        // The same bytes handed to another owner keep their date.
        assert_eq!(fw.put("p/a.cfg", &Owner::device("b"), b"v1").unwrap(), RouteChange::Updated);
        fw.finish().unwrap();
        w.commit().unwrap();
        let r = s.read_txn().unwrap();
        let route = s.route(&r, "p/a.cfg").unwrap().unwrap();
        assert_eq!((route.etag(), route.modified()), (etag1, 100));
        assert_eq!(s.blob_count(&r).unwrap(), 1);
        drop(r);

        let mut w = s.write_txn().unwrap();
        let mut fw = s.file_writer(&mut w, 300).unwrap();
        assert_eq!(fw.put("p/a.cfg", &Owner::device("b"), b"v2").unwrap(), RouteChange::Updated);
        fw.finish().unwrap();
        w.commit().unwrap();
        let r = s.read_txn().unwrap();
        let route = s.route(&r, "p/a.cfg").unwrap().unwrap();
        assert_ne!(route.etag(), etag1);
        assert_eq!(route.modified(), 300);
        assert_eq!(s.blob_count(&r).unwrap(), 1, "v1 was freed");
        assert!(route.etag().starts_with(b"\"") && route.etag().ends_with(b"\""));
    }

    #[test]
    fn a_reader_keeps_its_generation_while_the_next_is_published() {
        let (_d, s) = store();
        let o = Owner::plugin("p");
        let publish = |bytes: &[u8], now| {
            let mut w = s.write_txn().unwrap();
            let mut fw = s.file_writer(&mut w, now).unwrap();
            fw.put("p/a.cfg", &o, bytes).unwrap();
            fw.put("p/b.cfg", &o, bytes).unwrap();
            fw.finish().unwrap();
            s.bump_generation(&mut w).unwrap();
            w.commit().unwrap();
        };
        publish(b"generation one", 1);
        let old = s.read_txn().unwrap();
        let route = s.route(&old, "p/a.cfg").unwrap().unwrap();
        let old_bytes = s.content(&old, &route).unwrap();
        publish(b"generation two", 2);
        // The held transaction still sees generation 1, whole, and its bytes
        // (whose blob the new generation freed) are still readable.
        assert_eq!(s.generation(&old).unwrap(), 1);
        assert_eq!(old_bytes, b"generation one");
        let b = s.route(&old, "p/b.cfg").unwrap().unwrap();
        assert_eq!(s.content(&old, &b).unwrap(), b"generation one");
        let new = s.read_txn().unwrap();
        assert_eq!(s.generation(&new).unwrap(), 2);
        let a = s.route(&new, "p/a.cfg").unwrap().unwrap();
        assert_eq!(s.content(&new, &a).unwrap(), b"generation two");
    }

    #[test]
    fn an_aborted_publish_leaves_nothing() {
        let (_d, s) = store();
        let mut w = s.write_txn().unwrap();
        let mut fw = s.file_writer(&mut w, 1).unwrap();
        fw.put("p/a.cfg", &Owner::plugin("p"), b"x").unwrap();
        fw.finish().unwrap();
        s.bump_generation(&mut w).unwrap();
        w.abort();
        let r = s.read_txn().unwrap();
        assert_eq!(s.generation(&r).unwrap(), 0);
        assert!(s.route(&r, "p/a.cfg").unwrap().is_none());
        assert_eq!(s.blob_count(&r).unwrap(), 0);
    }

    #[test]
    fn route_keys() {
        assert_eq!(
            route_key("wazo-aastra-8.2.0", "/Aastra/00085D237429.cfg"),
            "wazo-aastra-8.2.0/Aastra/00085D237429.cfg"
        );
        assert_eq!(Owner::device("x:y").get(), OwnerRef::Device("x:y"));
        assert_eq!(OwnerRef::Plugin("p").to_owned(), Owner::plugin("p"));
    }

    fn config(id: &str, raw: serde_json::Value) -> Config {
        serde_json::from_value(serde_json::json!({"id": id, "parent_ids": [], "raw_config": raw})).unwrap()
    }

    /// Line 1's username follows every config write, whatever shape the
    /// config has; a store made before the index existed gets it at open.
    #[test]
    fn line_one_usernames_follow_the_configs() {
        let (dir, s) = store();
        let mut w = s.write_txn().unwrap();
        let line = |user: serde_json::Value| serde_json::json!({"sip_lines": {"1": {"proxy_ip": "10.0.0.1", "username": user}}});
        s.put_config(&mut w, &config("a", line("u1001".into()))).unwrap();
        s.put_config(&mut w, &config("esc", line("a\"b\u{e9}".into()))).unwrap();
        s.put_config(&mut w, &config("num", line(12.into()))).unwrap();
        s.put_config(&mut w, &config("null", line(serde_json::Value::Null))).unwrap();
        s.put_config(&mut w, &config("two", serde_json::json!({"sip_lines": {"2": {"username": "b"}}}))).unwrap();
        s.put_config(&mut w, &config("none", serde_json::json!({}))).unwrap();
        s.put_config(&mut w, &config("gone", line("g".into()))).unwrap();
        w.commit().unwrap();
        let expected = [
            ("a", Some("u1001")),
            ("esc", Some("a\"b\u{e9}")),
            ("num", None),
            ("null", None),
            ("two", None),
            ("none", None),
        ];
        let check = |s: &Store, expected: &[(&str, Option<&str>)]| {
            let r = s.read_txn().unwrap();
            for (id, user) in expected {
                assert_eq!(s.line1_username(&r, id).unwrap(), *user, "{id}");
            }
        };
        check(&s, &expected);
        check(&s, &[("gone", Some("g"))]);

        // Changed, then removed.
        let mut w = s.write_txn().unwrap();
        s.put_config(&mut w, &config("a", line("u2002".into()))).unwrap();
        s.put_config(&mut w, &config("two", line("now".into()))).unwrap();
        s.put_config(&mut w, &config("esc", serde_json::json!({"sip_lines": {}}))).unwrap();
        assert!(s.delete_config(&mut w, "gone").unwrap());
        w.commit().unwrap();
        let expected = [("a", Some("u2002")), ("two", Some("now")), ("esc", None), ("gone", None)];
        check(&s, &expected);

        // As a store from before the index: configs, no index, no marker.
        let mut w = s.write_txn().unwrap();
        s.db.line1_usernames.clear(&mut w).unwrap();
        s.db.meta.delete(&mut w, META_LINE1_BUILT).unwrap();
        w.commit().unwrap();
        check(&s, &[("a", None)]);
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        check(&s, &expected);
    }

    fn child(id: &str, parents: &[&str]) -> Config {
        serde_json::from_value(serde_json::json!({"id": id, "parent_ids": parents, "raw_config": {}})).unwrap()
    }

    /// `config_children` follows every put (new, reparented, unchanged,
    /// a parent listed twice) and delete, and a store made before it
    /// existed gets it at its first open.
    #[test]
    fn config_children_follow_puts_deletes_and_reparenting() {
        let (dir, s) = store();
        let children = |s: &Store, id: &str| s.child_config_ids(&s.read_txn().unwrap(), id).unwrap();
        let descendants = |s: &Store, id: &str| s.config_descendants(&s.read_txn().unwrap(), id).unwrap();
        let mut w = s.write_txn().unwrap();
        s.put_config(&mut w, &child("base", &[])).unwrap();
        s.put_config(&mut w, &child("t", &["base"])).unwrap();
        s.put_config(&mut w, &child("u1", &["t", "base"])).unwrap();
        s.put_config(&mut w, &child("u2", &["t", "t"])).unwrap();
        // Its parent does not exist (yet): found once it does.
        s.put_config(&mut w, &child("orphan", &["later"])).unwrap();
        w.commit().unwrap();
        assert_eq!(children(&s, "base"), ["t", "u1"]);
        assert_eq!(children(&s, "t"), ["u1", "u2"]);
        assert_eq!(children(&s, "later"), ["orphan"]);
        assert_eq!(descendants(&s, "base"), ["t", "u1", "u2"]);
        assert!(descendants(&s, "u1").is_empty());

        // Reparented, rewritten unchanged, deleted.
        let mut w = s.write_txn().unwrap();
        s.put_config(&mut w, &child("u2", &["base"])).unwrap();
        s.put_config(&mut w, &child("u1", &["t", "base"])).unwrap();
        assert!(s.delete_config(&mut w, "orphan").unwrap());
        w.commit().unwrap();
        assert_eq!(children(&s, "base"), ["t", "u1", "u2"]);
        assert_eq!(children(&s, "t"), ["u1"]);
        assert!(children(&s, "later").is_empty());

        // A cycle (refused by the API, but the store must not loop).
        let mut w = s.write_txn().unwrap();
        s.put_config(&mut w, &child("t", &["u1"])).unwrap();
        w.commit().unwrap();
        assert_eq!(descendants(&s, "t"), ["u1"]);
        assert_eq!(descendants(&s, "base"), ["t", "u1", "u2"]);
        let expected = [("base", vec!["u1", "u2"]), ("t", vec!["u1"]), ("u1", vec!["t"]), ("u2", vec![])];
        for (id, want) in &expected {
            assert_eq!(children(&s, id), *want, "{id}");
        }

        // As a store from before the index: configs, no index, no marker.
        let mut w = s.write_txn().unwrap();
        s.db.config_children.clear(&mut w).unwrap();
        s.db.meta.delete(&mut w, META_CHILDREN_BUILT).unwrap();
        w.commit().unwrap();
        assert!(children(&s, "base").is_empty());
        drop(s);
        let s = Store::open(dir.path()).unwrap();
        for (id, want) in &expected {
            assert_eq!(children(&s, id), *want, "{id}");
        }
        assert!(s.db.meta.get(&s.read_txn().unwrap(), META_CHILDREN_BUILT).unwrap().is_some());
    }

    /// A record that does not fit its layout is an error naming the
    /// database and the key, wherever it is read: not a miss, not a zero,
    /// not a panic.
    #[test]
    fn corrupt_records_are_reported_with_their_database_and_key() {
        use heed::types::Bytes;
        let (_d, s) = store();
        let mut w = s.write_txn().unwrap();
        let mut fw = s.file_writer(&mut w, 1).unwrap();
        fw.put("p/a.cfg", &Owner::plugin("p"), b"x").unwrap();
        fw.finish().unwrap();
        let hash = *blake3::hash(b"x").as_bytes();
        s.db.routes.remap_data_type::<Bytes>().put(&mut w, "p/short.cfg", b"short").unwrap();
        s.db.blob_index.remap_data_type::<Bytes>().put(&mut w, &hash, b"1234").unwrap();
        s.db.meta.put(&mut w, crate::schema::META_GENERATION, b"\x01").unwrap();
        s.db.configs.remap_data_type::<Bytes>().put(&mut w, "c", b"[]").unwrap();
        w.commit().unwrap();

        let is = |r: Result<_>, db: &str, k: &str| match r {
            Err(StoreError::Corrupt { database, key, .. }) => assert_eq!((database, key.as_str()), (db, k)),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("{db} {k}: read as valid"),
        };
        let r = s.read_txn().unwrap();
        is(s.route(&r, "p/short.cfg").map(|_| ()), "routes", "p/short.cfg");
        is(s.routes(&r, "").unwrap().try_for_each(|e| e.map(|_| ())), "routes", "p/short.cfg");
        is(s.generation(&r).map(|_| ()), "meta", "generation");
        is(s.config(&r, "c").map(|_| ()), "configs", "c");
        is(s.configs(&r).unwrap().try_for_each(|e| e.map(|_| ())), "configs", "c");
        drop(r);
        let mut w = s.write_txn().unwrap();
        let mut fw = s.file_writer(&mut w, 2).unwrap();
        let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
        is(fw.remove("p/short.cfg").map(|_| ()), "routes", "p/short.cfg");
        is(fw.remove("p/a.cfg").map(|_| ()), "blob_index", &hex);
    }
}
