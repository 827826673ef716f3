//! The LMDB content store: devices, configs, their indexes, the served files
//! (routes) and their content-addressed bytes (blobs), and meta.
//!
//! One environment under `<data>/store`. Every publish is one write
//! transaction, so a reader sees a whole generation or the next one, never a
//! mix; a reader that holds a transaction keeps reading its generation while
//! the next is written (LMDB MVCC).

use std::path::Path;

use heed::types::{Bytes, Str};
use heed::{CommitOrAbort, Database, DatabaseFlags, Env, EnvOpenOptions, PutFlags, RoTxn, RwTxn, WithoutTls};

use provd_core::config::Config;
use provd_core::device::Device;

pub use heed::Error as LmdbError;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store: {0}")]
    Lmdb(#[from] heed::Error),
    #[error("store: cannot create {path}: {source}")]
    Dir { path: String, source: std::io::Error },
    #[error("store: corrupt {what} record {key:?}: {why}")]
    Corrupt { what: &'static str, key: String, why: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Read transaction. `Send`, so it may be kept by a connection task.
pub type ReadTxn<'e> = RoTxn<'e, WithoutTls>;
pub type WriteTxn<'e> = RwTxn<'e>;

/// The device fields that have an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    Mac,
    Ip,
    Sn,
    Uuid,
    Plugin,
    Config,
}

impl Index {
    const ALL: [Index; 6] = [Index::Mac, Index::Ip, Index::Sn, Index::Uuid, Index::Plugin, Index::Config];

    fn db_name(self) -> &'static str {
        match self {
            Index::Mac => "device_by_mac",
            Index::Ip => "device_by_ip",
            Index::Sn => "device_by_sn",
            Index::Uuid => "device_by_uuid",
            Index::Plugin => "device_by_plugin",
            Index::Config => "device_by_config",
        }
    }

    fn key(self, d: &Device) -> Option<String> {
        match self {
            Index::Mac => d.mac.map(|m| m.to_string()),
            Index::Ip => d.ip.clone(),
            Index::Sn => d.sn.clone(),
            Index::Uuid => d.uuid.clone(),
            Index::Plugin => d.plugin.clone(),
            Index::Config => d.config.clone(),
        }
    }
}

/// Who a served file belongs to: one device, or a plugin (static and common
/// files). Routes are removed with their owner. Held in its stored form
/// (`d:<device id>`, `p:<plugin id>`) so writing and comparing never allocate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Owner(String);

/// A borrowed view of an [`Owner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerRef<'a> {
    Device(&'a str),
    Plugin(&'a str),
}

impl Owner {
    pub fn device(id: &str) -> Owner {
        Owner(format!("d:{id}"))
    }
    pub fn plugin(id: &str) -> Owner {
        Owner(format!("p:{id}"))
    }
    /// The stored form.
    pub fn key(&self) -> &str {
        &self.0
    }
    pub fn get(&self) -> OwnerRef<'_> {
        OwnerRef::parse(&self.0).expect("built by device() or plugin()")
    }
}

impl<'a> OwnerRef<'a> {
    fn parse(key: &'a str) -> Option<OwnerRef<'a>> {
        match key.split_at_checked(2)? {
            ("d:", id) => Some(OwnerRef::Device(id)),
            ("p:", id) => Some(OwnerRef::Plugin(id)),
            _ => None,
        }
    }
    pub fn to_owned(self) -> Owner {
        match self {
            OwnerRef::Device(id) => Owner::device(id),
            OwnerRef::Plugin(id) => Owner::plugin(id),
        }
    }
}

/// The store key of a served file: `<plugin id>/<path>`, path relative to
/// the plugin's root without a leading slash.
pub fn route_key(plugin: &str, path: &str) -> String {
    let mut k = String::with_capacity(plugin.len() + 1 + path.len());
    k.push_str(plugin);
    k.push('/');
    k.push_str(path.trim_start_matches('/'));
    k
}

/// What a device's files were last rendered from: a fingerprint of every
/// input of the render (device, flattened config, plugin and templates,
/// provd's own code) and the files it produced. A compile that finds the
/// same fingerprint, and the store still serving exactly those files, need
/// not render the device again.
#[derive(Clone, Copy)]
pub struct RenderRecord<'t> {
    raw: &'t [u8],
}

impl<'t> RenderRecord<'t> {
    fn parse(raw: &'t [u8]) -> Option<RenderRecord<'t>> {
        let rec = RenderRecord { raw };
        (raw.len() >= 32 && rec.try_files().all(|f| f.is_some())).then_some(rec)
    }

    pub fn fingerprint(&self) -> &'t [u8; 32] {
        self.raw[..32].try_into().unwrap()
    }

    fn try_files(&self) -> impl Iterator<Item = Option<(&'t str, &'t [u8; 32])>> + 't {
        let mut rest = &self.raw[32..];
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let Some((hash, tail)) = rest.split_first_chunk::<32>() else {
                rest = &[];
                return Some(None);
            };
            let Some((len, tail)) = tail.split_first_chunk::<4>() else {
                rest = &[];
                return Some(None);
            };
            let len = u32::from_le_bytes(*len) as usize;
            let Some(key) = tail.get(..len).and_then(|k| std::str::from_utf8(k).ok()) else {
                rest = &[];
                return Some(None);
            };
            rest = &tail[len..];
            Some(Some((key, hash)))
        })
    }

    /// The files rendered: (route key, content hash).
    pub fn files(&self) -> impl Iterator<Item = (&'t str, &'t [u8; 32])> + 't {
        // Checked by parse.
        self.try_files().map(Option::unwrap)
    }
}

const ROUTE_FIXED: usize = 8 + 8 + 8 + 32;

/// A served file as stored: a view over the record's bytes, borrowed from
/// the transaction (no copy, no allocation).
#[derive(Clone, Copy)]
pub struct Route<'t> {
    raw: &'t [u8],
}

impl<'t> Route<'t> {
    fn parse(raw: &'t [u8]) -> Option<Route<'t>> {
        (raw.len() >= ROUTE_FIXED && std::str::from_utf8(&raw[ROUTE_FIXED..]).is_ok()).then_some(Route { raw })
    }
    pub fn blob_id(&self) -> u64 {
        u64::from_be_bytes(self.raw[0..8].try_into().unwrap())
    }
    pub fn len(&self) -> u64 {
        u64::from_le_bytes(self.raw[8..16].try_into().unwrap())
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Unix seconds of the generation that last changed these bytes
    /// (HTTP `Last-Modified`).
    pub fn modified(&self) -> i64 {
        i64::from_le_bytes(self.raw[16..24].try_into().unwrap())
    }
    /// BLAKE3 of the content.
    pub fn hash(&self) -> &'t [u8; 32] {
        self.raw[24..56].try_into().unwrap()
    }
    /// The HTTP entity tag: the first 8 bytes of the content hash in hex,
    /// quoted. Unchanged bytes keep their tag across generations.
    pub fn etag(&self) -> [u8; 18] {
        let mut out = [b'"'; 18];
        for (i, b) in self.hash()[..8].iter().enumerate() {
            out[1 + 2 * i] = HEX[(b >> 4) as usize];
            out[2 + 2 * i] = HEX[(b & 15) as usize];
        }
        out
    }
    pub fn owner(&self) -> Option<OwnerRef<'t>> {
        OwnerRef::parse(self.owner_key())
    }
    /// The owner in its stored form (compare with [`Owner::key`]).
    pub fn owner_key(&self) -> &'t str {
        // Checked to be UTF-8 when the record was parsed.
        std::str::from_utf8(&self.raw[ROUTE_FIXED..]).unwrap_or_default()
    }
}

impl Route<'_> {
    /// What [`FileWriter::put_over`] needs of the route it replaces.
    pub fn as_current(&self) -> CurrentRoute {
        CurrentRoute { hash: *self.hash(), owner_key: self.owner_key().to_owned(), modified: self.modified() }
    }
}

/// A route as read before overwriting it, see [`FileWriter::put_over`].
#[derive(Debug, Clone)]
pub struct CurrentRoute {
    hash: [u8; 32],
    owner_key: String,
    modified: i64,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn encode_route(out: &mut Vec<u8>, blob_id: u64, len: u64, modified: i64, hash: &[u8; 32], owner: &Owner) {
    out.clear();
    out.extend_from_slice(&blob_id.to_be_bytes());
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&modified.to_le_bytes());
    out.extend_from_slice(hash);
    out.extend_from_slice(owner.key().as_bytes());
}

/// What writing a route did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteChange {
    Unchanged,
    Created,
    Updated,
}

#[derive(Clone, Copy)]
struct Dbs {
    devices: Database<'static, Str, Bytes>,
    configs: Database<'static, Str, Bytes>,
    indexes: [Database<'static, Str, Str>; 6],
    /// blob id (u64 big-endian, so ids append in key order) → bytes
    blobs: Database<'static, Bytes, Bytes>,
    /// content hash → blob id (8, BE) + reference count (8, LE)
    blob_index: Database<'static, Bytes, Bytes>,
    routes: Database<'static, Str, Bytes>,
    routes_by_owner: Database<'static, Str, Str>,
    meta: Database<'static, Str, Bytes>,
    /// creation sequence (u64 BE) → id of a device the server created
    auto_devices: Database<'static, Bytes, Str>,
    /// device id → what its files were last rendered from, see [`RenderRecord`]
    render_records: Database<'static, Str, Bytes>,
    /// config id → line 1's username in the config's own document, see
    /// [`Store::line1_username`]
    line1_usernames: Database<'static, Str, Str>,
}

/// The store. Cheap to clone; one per process is enough.
#[derive(Clone)]
pub struct Store {
    env: Env<WithoutTls>,
    db: Dbs,
}

const META_GENERATION: &str = "generation";
const META_NEXT_BLOB: &str = "next_blob_id";
const META_BASE_RAW_CONFIG: &str = "base_raw_config";
const META_PARAMS: &str = "params";
/// Set once `line1_usernames` holds every config (stores made before it
/// existed get it built at open).
const META_LINE1_BUILT: &str = "line1_usernames_built";

impl Store {
    /// Opens (creating if needed) the environment in `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir { path: dir.display().to_string(), source })?;
        let map_size: usize =
            std::env::var("PROVD_STORE_MAP_SIZE").ok().and_then(|s| s.parse().ok()).unwrap_or(64 << 30);
        // 16 named databases today; room to add more without a surprise.
        // SAFETY: heed's contract is that the files are not modified by
        // other means while open; only provd processes open this directory.
        let env = unsafe {
            EnvOpenOptions::new().read_txn_without_tls().map_size(map_size).max_dbs(32).max_readers(1024).open(dir)?
        };
        let wtxn = env.write_txn()?;
        let db = env
            .create_databases_and_commit(wtxn, |o, w| -> Result<_, heed::Error> {
                let devices = o.create_database::<Str, Bytes>(w, Some("devices"))?;
                let configs = o.create_database::<Str, Bytes>(w, Some("configs"))?;
                let mut indexes = Vec::with_capacity(Index::ALL.len());
                for index in Index::ALL {
                    let opts = o
                        .database_options()
                        .types::<Str, Str>()
                        .name(index.db_name())
                        .flags(DatabaseFlags::DUP_SORT)
                        .create(w)?;
                    indexes.push(opts);
                }
                let indexes: [Database<'_, Str, Str>; 6] = indexes.try_into().ok().unwrap();
                let blobs = o.create_database::<Bytes, Bytes>(w, Some("blobs"))?;
                let blob_index = o.create_database::<Bytes, Bytes>(w, Some("blob_index"))?;
                let routes = o.create_database::<Str, Bytes>(w, Some("routes"))?;
                let routes_by_owner = o
                    .database_options()
                    .types::<Str, Str>()
                    .name("routes_by_owner")
                    .flags(DatabaseFlags::DUP_SORT)
                    .create(w)?;
                let meta = o.create_database::<Str, Bytes>(w, Some("meta"))?;
                let auto_devices = o.create_database::<Bytes, Str>(w, Some("auto_devices"))?;
                let render_records = o.create_database::<Str, Bytes>(w, Some("render_records"))?;
                let line1_usernames = o.create_database::<Str, Str>(w, Some("line1_usernames"))?;
                Ok(CommitOrAbort::<_, ()>::Commit((
                    (devices, configs, indexes, auto_devices, render_records, line1_usernames),
                    (blobs, blob_index, routes, routes_by_owner, meta),
                )))
            })?
            .unwrap_commit();
        let (
            (devices, configs, indexes, auto_devices, render_records, line1_usernames),
            (blobs, blob_index, routes, routes_by_owner, meta),
        ) = db;
        let store = Store {
            env,
            db: Dbs {
                devices,
                configs,
                indexes,
                blobs,
                blob_index,
                routes,
                routes_by_owner,
                meta,
                auto_devices,
                render_records,
                line1_usernames,
            },
        };
        store.build_line1_usernames()?;
        Ok(store)
    }

    /// Fills `line1_usernames` from every config, once per store.
    fn build_line1_usernames(&self) -> Result<()> {
        let r = self.read_txn()?;
        if self.db.meta.get(&r, META_LINE1_BUILT)?.is_some() {
            return Ok(());
        }
        drop(r);
        let mut w = self.write_txn()?;
        // Another process may have built it between the check and this
        // transaction; building again gives the same entries.
        let configs: Vec<Config> = self.configs(&w)?.collect::<Result<_>>()?;
        for config in &configs {
            self.put_line1_username(&mut w, config)?;
        }
        self.db.meta.put(&mut w, META_LINE1_BUILT, b"1")?;
        w.commit()?;
        Ok(())
    }

    pub fn read_txn(&self) -> Result<ReadTxn<'_>> {
        Ok(self.env.read_txn()?)
    }

    pub fn write_txn(&self) -> Result<WriteTxn<'_>> {
        Ok(self.env.write_txn()?)
    }

    pub fn env(&self) -> &Env<WithoutTls> {
        &self.env
    }

    // ---- meta -------------------------------------------------------------

    /// The number of the generation currently published (0 before the first).
    pub fn generation(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.meta.get(txn, META_GENERATION)?.and_then(|b| b.try_into().ok()).map(u64::from_le_bytes).unwrap_or(0))
    }

    fn set_u64(&self, w: &mut RwTxn<'_>, key: &str, v: u64) -> Result<()> {
        Ok(self.db.meta.put(w, key, &v.to_le_bytes())?)
    }

    /// Marks the transaction as a new generation; returns its number.
    pub fn bump_generation(&self, w: &mut RwTxn<'_>) -> Result<u64> {
        let next = self.generation(w)? + 1;
        self.set_u64(w, META_GENERATION, next)?;
        Ok(next)
    }

    fn meta_json(&self, txn: &RoTxn<'_>, key: &'static str) -> Result<Option<provd_core::Map>> {
        match self.db.meta.get(txn, key)? {
            None => Ok(None),
            Some(b) => serde_json::from_slice(b).map(Some).map_err(|e| StoreError::Corrupt {
                what: "meta",
                key: key.into(),
                why: e.to_string(),
            }),
        }
    }

    /// The raw config below every config (`ip`, `http_port`, `tftp_port`,
    /// `http_base_url`, ...).
    pub fn base_raw_config(&self, txn: &RoTxn<'_>) -> Result<Option<provd_core::Map>> {
        self.meta_json(txn, META_BASE_RAW_CONFIG)
    }

    pub fn set_base_raw_config(&self, w: &mut RwTxn<'_>, raw: &provd_core::Map) -> Result<()> {
        Ok(self.db.meta.put(w, META_BASE_RAW_CONFIG, &serde_json::to_vec(raw).unwrap())?)
    }

    /// Runtime parameters (`NAT`, `locale`, ...), as set through the API.
    pub fn params(&self, txn: &RoTxn<'_>) -> Result<provd_core::Map> {
        Ok(self.meta_json(txn, META_PARAMS)?.unwrap_or_default())
    }

    pub fn set_params(&self, w: &mut RwTxn<'_>, params: &provd_core::Map) -> Result<()> {
        Ok(self.db.meta.put(w, META_PARAMS, &serde_json::to_vec(params).unwrap())?)
    }

    // ---- devices ----------------------------------------------------------

    pub fn device(&self, txn: &RoTxn<'_>, id: &str) -> Result<Option<Device>> {
        self.db.devices.get(txn, id)?.map(|b| decode("device", id, b)).transpose()
    }

    /// Every device, in id order.
    pub fn devices<'t>(&self, txn: &'t RoTxn<'_>) -> Result<impl Iterator<Item = Result<Device>> + 't> {
        Ok(self.db.devices.iter(txn)?.map(|r| {
            let (id, bytes) = r?;
            decode("device", id, bytes)
        }))
    }

    /// Every device document as stored `(id, JSON)`, borrowed from the
    /// transaction: decode them in parallel.
    pub fn device_documents<'t>(
        &self,
        txn: &'t RoTxn<'_>,
    ) -> Result<impl Iterator<Item = Result<(&'t str, &'t [u8])>> + 't> {
        Ok(self.db.devices.iter(txn)?.map(|r| Ok(r?)))
    }

    pub fn decode_device(id: &str, bytes: &[u8]) -> Result<Device> {
        decode("device", id, bytes)
    }

    pub fn device_count(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.devices.len(txn)?)
    }

    /// Ids of the devices whose `index` field equals `value`.
    pub fn device_ids_by(&self, txn: &RoTxn<'_>, index: Index, value: &str) -> Result<Vec<String>> {
        let db = self.db.indexes[index as usize];
        let Some(iter) = db.get_duplicates(txn, value)? else {
            return Ok(Vec::new());
        };
        iter.map(|r| Ok(r?.1.to_owned())).collect()
    }

    /// A device's stored JSON, borrowed from the transaction (read it with
    /// [`provd_core::device::DeviceView`] on the request path).
    pub fn device_doc<'t>(&self, txn: &'t RoTxn<'_>, id: &str) -> Result<Option<&'t [u8]>> {
        Ok(self.db.devices.get(txn, id)?)
    }

    /// The first (smallest) id of the devices whose `index` field equals
    /// `value`: what [`Store::device_ids_iter`] yields first. A plain get on
    /// the duplicate-sorted index, which, unlike iterating, does not make
    /// LMDB allocate and free a cursor: it runs for every request.
    pub fn first_device_id<'t>(&self, txn: &'t RoTxn<'_>, index: Index, value: &str) -> Result<Option<&'t str>> {
        Ok(self.db.indexes[index as usize].get(txn, value)?)
    }

    /// The ids of devices whose `index` field equals `value`, borrowed.
    pub fn device_ids_iter<'t>(
        &self,
        txn: &'t RoTxn<'_>,
        index: Index,
        value: &str,
    ) -> Result<impl Iterator<Item = Result<&'t str>> + 't> {
        let iter = self.db.indexes[index as usize].get_duplicates(txn, value)?;
        Ok(iter.into_iter().flatten().map(|r| Ok(r?.1)))
    }

    /// Inserts or replaces a device, keeping the indexes in step.
    pub fn put_device(&self, w: &mut RwTxn<'_>, device: &Device) -> Result<()> {
        let old = self.device(w, &device.id)?;
        self.unindex(w, old.as_ref())?;
        self.db.devices.put(w, &device.id, &serde_json::to_vec(device).unwrap())?;
        for index in Index::ALL {
            if let Some(k) = index.key(device) {
                self.db.indexes[index as usize].put(w, &k, &device.id)?;
            }
        }
        Ok(())
    }

    /// Rewrites a device document whose indexed fields did not change
    /// (e.g. `configured`), skipping index maintenance.
    pub fn put_device_unindexed(&self, w: &mut RwTxn<'_>, device: &Device) -> Result<()> {
        Ok(self.db.devices.put(w, &device.id, &serde_json::to_vec(device).unwrap())?)
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

    pub fn delete_device(&self, w: &mut RwTxn<'_>, id: &str) -> Result<Option<Device>> {
        let old = self.device(w, id)?;
        self.unindex(w, old.as_ref())?;
        self.db.devices.delete(w, id)?;
        self.db.render_records.delete(w, id)?;
        Ok(old)
    }

    // ---- render records ---------------------------------------------------

    /// What device `id`'s files were last rendered from, if recorded.
    pub fn render_record<'t>(&self, txn: &'t RoTxn<'_>, id: &str) -> Result<Option<RenderRecord<'t>>> {
        match self.db.render_records.get(txn, id)? {
            None => Ok(None),
            Some(raw) => RenderRecord::parse(raw).map(Some).ok_or_else(|| StoreError::Corrupt {
                what: "render record",
                key: id.into(),
                why: "short".into(),
            }),
        }
    }

    /// Every render record's device id and input fingerprint, in id order.
    pub fn render_fingerprints<'t>(
        &self,
        txn: &'t RoTxn<'_>,
    ) -> Result<impl Iterator<Item = Result<(&'t str, &'t [u8; 32])>> + 't> {
        Ok(self.db.render_records.iter(txn)?.map(|r| {
            let (id, raw) = r?;
            let rec = RenderRecord::parse(raw).ok_or_else(|| StoreError::Corrupt {
                what: "render record",
                key: id.into(),
                why: "short".into(),
            })?;
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
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(fingerprint);
        for (key, hash) in files {
            buf.extend_from_slice(hash);
            buf.extend_from_slice(&(key.len() as u32).to_le_bytes());
            buf.extend_from_slice(key.as_bytes());
        }
        Ok(self.db.render_records.put(w, id, &buf)?)
    }

    pub fn delete_render_record(&self, w: &mut RwTxn<'_>, id: &str) -> Result<bool> {
        Ok(self.db.render_records.delete(w, id)?)
    }

    fn unindex(&self, w: &mut RwTxn<'_>, old: Option<&Device>) -> Result<()> {
        if let Some(old) = old {
            for index in Index::ALL {
                if let Some(k) = index.key(old) {
                    self.db.indexes[index as usize].delete_one_duplicate(w, &k, &old.id)?;
                }
            }
        }
        Ok(())
    }

    /// Remembers that the server created device `id` from a request, in
    /// creation order (the oldest are expired first beyond a cap).
    pub fn push_auto_device(&self, w: &mut RwTxn<'_>, id: &str) -> Result<()> {
        let seq =
            self.db.meta.get(w, "next_auto_seq")?.and_then(|b| b.try_into().ok()).map(u64::from_le_bytes).unwrap_or(0);
        self.set_u64(w, "next_auto_seq", seq + 1)?;
        Ok(self.db.auto_devices.put_with_flags(w, PutFlags::APPEND, &seq.to_be_bytes(), id)?)
    }

    pub fn auto_device_count(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.auto_devices.len(txn)?)
    }

    /// Removes and returns the oldest record of [`Store::push_auto_device`].
    pub fn pop_oldest_auto_device(&self, w: &mut RwTxn<'_>) -> Result<Option<String>> {
        let Some((key, id)) = self.db.auto_devices.first(w)?.map(|(k, v)| (k.to_vec(), v.to_owned())) else {
            return Ok(None);
        };
        self.db.auto_devices.delete(w, &key)?;
        Ok(Some(id))
    }

    // ---- configs ----------------------------------------------------------

    pub fn config(&self, txn: &RoTxn<'_>, id: &str) -> Result<Option<Config>> {
        self.db.configs.get(txn, id)?.map(|b| decode("config", id, b)).transpose()
    }

    pub fn configs<'t>(&self, txn: &'t RoTxn<'_>) -> Result<impl Iterator<Item = Result<Config>> + 't> {
        Ok(self.db.configs.iter(txn)?.map(|r| {
            let (id, bytes) = r?;
            decode("config", id, bytes)
        }))
    }

    /// A config's stored JSON, borrowed from the transaction.
    pub fn config_doc<'t>(&self, txn: &'t RoTxn<'_>, id: &str) -> Result<Option<&'t [u8]>> {
        Ok(self.db.configs.get(txn, id)?)
    }

    /// Every config document as stored `(id, JSON)`.
    pub fn config_documents<'t>(
        &self,
        txn: &'t RoTxn<'_>,
    ) -> Result<impl Iterator<Item = Result<(&'t str, &'t [u8])>> + 't> {
        Ok(self.db.configs.iter(txn)?.map(|r| Ok(r?)))
    }

    pub fn put_config(&self, w: &mut RwTxn<'_>, config: &Config) -> Result<()> {
        self.db.configs.put(w, &config.id, &serde_json::to_vec(config).unwrap())?;
        self.put_line1_username(w, config)
    }

    pub fn delete_config(&self, w: &mut RwTxn<'_>, id: &str) -> Result<bool> {
        self.db.line1_usernames.delete(w, id)?;
        Ok(self.db.configs.delete(w, id)?)
    }

    /// `raw_config.sip_lines."1".username` of the config's own document (not
    /// the flattened one), when it is a string: what wazo-provd records as a
    /// device's remote state when it fetches its trigger file. Kept beside
    /// the configs so that the request path, which checks it on every
    /// trigger fetch, reads a short value instead of the whole document.
    pub fn line1_username<'t>(&self, txn: &'t RoTxn<'_>, config_id: &str) -> Result<Option<&'t str>> {
        Ok(self.db.line1_usernames.get(txn, config_id)?)
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

    // ---- served files -----------------------------------------------------

    pub fn route<'t>(&self, txn: &'t RoTxn<'_>, key: &str) -> Result<Option<Route<'t>>> {
        match self.db.routes.get(txn, key)? {
            None => Ok(None),
            Some(raw) => Route::parse(raw).map(Some).ok_or_else(|| StoreError::Corrupt {
                what: "route",
                key: key.into(),
                why: "short record".into(),
            }),
        }
    }

    /// The bytes of a route, straight from the memory map.
    pub fn content<'t>(&self, txn: &'t RoTxn<'_>, route: &Route<'_>) -> Result<&'t [u8]> {
        self.db.blobs.get(txn, &route.blob_id().to_be_bytes())?.ok_or_else(|| StoreError::Corrupt {
            what: "blob",
            key: route.blob_id().to_string(),
            why: "missing".into(),
        })
    }

    /// Every route key with its record, in key order.
    pub fn routes<'t>(
        &self,
        txn: &'t RoTxn<'_>,
        prefix: &str,
    ) -> Result<impl Iterator<Item = Result<(&'t str, Route<'t>)>> + 't> {
        // LMDB refuses an empty key for a range search.
        let iter: Box<dyn Iterator<Item = heed::Result<(&'t str, &'t [u8])>> + 't> = if prefix.is_empty() {
            Box::new(self.db.routes.iter(txn)?)
        } else {
            Box::new(self.db.routes.prefix_iter(txn, prefix)?)
        };
        Ok(iter.map(|r| {
            let (k, raw) = r?;
            let route = Route::parse(raw).ok_or_else(|| StoreError::Corrupt {
                what: "route",
                key: k.into(),
                why: "short".into(),
            })?;
            Ok((k, route))
        }))
    }

    /// The route keys that belong to `owner`.
    pub fn owned_routes(&self, txn: &RoTxn<'_>, owner: &Owner) -> Result<Vec<String>> {
        let Some(iter) = self.db.routes_by_owner.get_duplicates(txn, owner.key())? else {
            return Ok(Vec::new());
        };
        iter.map(|r| Ok(r?.1.to_owned())).collect()
    }

    /// Number of distinct blobs (identical outputs are stored once).
    pub fn blob_count(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.blob_index.len(txn)?)
    }

    pub fn route_count(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.routes.len(txn)?)
    }

    /// Starts writing files into `w`; see [`FileWriter`].
    pub fn file_writer<'s, 'w, 'e>(&'s self, w: &'w mut RwTxn<'e>, now: i64) -> Result<FileWriter<'s, 'w, 'e>> {
        let next_blob =
            self.db.meta.get(w, META_NEXT_BLOB)?.and_then(|b| b.try_into().ok()).map(u64::from_le_bytes).unwrap_or(1);
        Ok(FileWriter { store: self, w, now, next_blob, blobs_written: 0, buf: Vec::with_capacity(128) })
    }
}

/// Writes served files inside one write transaction: content addressing,
/// reference counts and the owner index. Dropping it without [`finish`]
/// loses the blob id counter: always call it before committing.
///
/// [`finish`]: FileWriter::finish
pub struct FileWriter<'s, 'w, 'e> {
    store: &'s Store,
    w: &'w mut RwTxn<'e>,
    now: i64,
    next_blob: u64,
    blobs_written: u64,
    /// Route record being written, reused.
    buf: Vec<u8>,
}

impl<'e> FileWriter<'_, '_, 'e> {
    /// Serves `bytes` at `key` for `owner`. Bytes already served there are
    /// left alone (same blob, same ETag, same Last-Modified); bytes already
    /// stored for another route are shared.
    pub fn put(&mut self, key: &str, owner: &Owner, bytes: &[u8]) -> Result<RouteChange> {
        let hash: [u8; 32] = *blake3::hash(bytes).as_bytes();
        self.put_hashed(key, owner, bytes, &hash)
    }

    /// As [`put`](Self::put), with the BLAKE3 hash already computed (the
    /// compiler hashes on its rendering threads).
    pub fn put_hashed(&mut self, key: &str, owner: &Owner, bytes: &[u8], hash: &[u8; 32]) -> Result<RouteChange> {
        let current = match self.current(key)? {
            Some(r) if r.hash() == hash && r.owner_key() == owner.key() => return Ok(RouteChange::Unchanged),
            r => r.as_ref().map(Route::as_current),
        };
        self.put_over(key, current, owner, bytes, hash)
    }

    /// As [`put_hashed`](Self::put_hashed), for a caller that has just
    /// read the route at `key` (with [`current`](Self::current)): saves
    /// looking it up again.
    pub fn put_over(
        &mut self,
        key: &str,
        current: Option<CurrentRoute>,
        owner: &Owner,
        bytes: &[u8],
        hash: &[u8; 32],
    ) -> Result<RouteChange> {
        let db = self.store.db;
        let old = match current {
            Some(r) if r.hash == *hash && r.owner_key == owner.key() => return Ok(RouteChange::Unchanged),
            Some(r) => Some((r.hash, r.owner_key, r.modified)),
            None => None,
        };
        let change = if old.is_some() { RouteChange::Updated } else { RouteChange::Created };
        // Acquire before releasing: when only the owner changes, the blob
        // must not reach zero references in between.
        let blob_id = self.acquire(bytes, hash)?;
        let mut modified = self.now;
        if let Some((old_hash, old_owner, old_modified)) = old {
            self.release(&old_hash)?;
            if old_hash == *hash {
                modified = old_modified;
            }
            db.routes_by_owner.delete_one_duplicate(self.w, &old_owner, key)?;
        }
        encode_route(&mut self.buf, blob_id, bytes.len() as u64, modified, hash, owner);
        db.routes.put(self.w, key, &self.buf)?;
        db.routes_by_owner.put(self.w, owner.key(), key)?;
        Ok(change)
    }

    /// Stops serving `key`. Returns whether it was served.
    pub fn remove(&mut self, key: &str) -> Result<bool> {
        let db = self.store.db;
        let Some((hash, owner)) =
            db.routes.get(self.w, key)?.and_then(Route::parse).map(|r| (*r.hash(), r.owner_key().to_owned()))
        else {
            return Ok(false);
        };
        self.release(&hash)?;
        db.routes_by_owner.delete_one_duplicate(self.w, &owner, key)?;
        db.routes.delete(self.w, key)?;
        Ok(true)
    }

    /// The route currently at `key` in this transaction, if any.
    pub fn current(&self, key: &str) -> Result<Option<Route<'_>>> {
        self.store.route(self.w, key)
    }

    pub fn store(&self) -> &Store {
        self.store
    }

    pub fn txn(&mut self) -> &mut RwTxn<'e> {
        self.w
    }

    /// The transaction, for reading.
    pub fn read(&self) -> &RoTxn<'e> {
        self.w
    }

    /// Blobs written so far (new distinct contents).
    pub fn blobs_written(&self) -> u64 {
        self.blobs_written
    }

    fn acquire(&mut self, bytes: &[u8], hash: &[u8; 32]) -> Result<u64> {
        let db = self.store.db;
        let id = self.next_blob;
        // One search of the index, not two: most contents are new.
        if let Some(rec) = db.blob_index.get_or_put(self.w, hash, &blob_rec_encode(id, 1))? {
            let (id, refs) = blob_rec(rec);
            db.blob_index.put(self.w, hash, &blob_rec_encode(id, refs + 1))?;
            return Ok(id);
        }
        self.next_blob += 1;
        db.blobs.put_with_flags(self.w, PutFlags::APPEND, &id.to_be_bytes(), bytes)?;
        self.blobs_written += 1;
        Ok(id)
    }

    fn release(&mut self, hash: &[u8; 32]) -> Result<()> {
        let db = self.store.db;
        let Some(rec) = db.blob_index.get(self.w, hash)? else {
            return Ok(());
        };
        let (id, refs) = blob_rec(rec);
        if refs <= 1 {
            db.blob_index.delete(self.w, hash)?;
            db.blobs.delete(self.w, &id.to_be_bytes())?;
        } else {
            db.blob_index.put(self.w, hash, &blob_rec_encode(id, refs - 1))?;
        }
        Ok(())
    }

    /// Saves the blob id counter. Call before committing.
    pub fn finish(self) -> Result<u64> {
        self.store.set_u64(self.w, META_NEXT_BLOB, self.next_blob)?;
        Ok(self.blobs_written)
    }
}

fn blob_rec(rec: &[u8]) -> (u64, u64) {
    let id = u64::from_be_bytes(rec[0..8].try_into().unwrap());
    let refs = u64::from_le_bytes(rec[8..16].try_into().unwrap());
    (id, refs)
}

fn blob_rec_encode(id: u64, refs: u64) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[0..8].copy_from_slice(&id.to_be_bytes());
    out[8..16].copy_from_slice(&refs.to_le_bytes());
    out
}

fn decode<T: serde::de::DeserializeOwned>(what: &'static str, key: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt { what, key: key.into(), why: e.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
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
}
