//! The schema: the named databases of the environment, each typed with the
//! codecs of its keys and values, and the device indexes.
//!
//! `docs/decisions/0002-store-layout.md` describes every database;
//! `tests/on_disk_format.rs` pins their bytes.

use heed::types::{Bytes, Str};
use heed::{CommitOrAbort, Database, DatabaseFlags, Env, WithoutTls};

use provd_core::config::Config;
use provd_core::device::Device;

use crate::codec::{BlobRefCodec, Json, RenderRecordCodec, RouteCodec, U64Be};

/// The device fields that have an index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Index {
    /// `mac`, in its normalised text form (`00:15:65:ab:cd:ef`).
    Mac,
    /// `ip`.
    Ip,
    /// `sn`.
    Sn,
    /// `uuid`.
    Uuid,
    /// `plugin`.
    Plugin,
    /// `config`.
    Config,
}

impl Index {
    pub(crate) const ALL: [Index; 6] = [Index::Mac, Index::Ip, Index::Sn, Index::Uuid, Index::Plugin, Index::Config];

    /// The database of this index.
    pub(crate) fn db_name(self) -> &'static str {
        match self {
            Index::Mac => "device_by_mac",
            Index::Ip => "device_by_ip",
            Index::Sn => "device_by_sn",
            Index::Uuid => "device_by_uuid",
            Index::Plugin => "device_by_plugin",
            Index::Config => "device_by_config",
        }
    }

    /// The key of `d` in this index, if it has the field. An empty string
    /// (wazo-provd's own default for `plugin`, and what wazo-confd may send
    /// for `sn`) names nothing and is not indexed: LMDB has no empty keys.
    pub(crate) fn key(self, d: &Device) -> Option<String> {
        match self {
            Index::Mac => d.mac.map(|m| m.to_string()),
            Index::Ip => d.ip.clone(),
            Index::Sn => d.sn.clone(),
            Index::Uuid => d.uuid.clone(),
            Index::Plugin => d.plugin.clone(),
            Index::Config => d.config.clone(),
        }
        .filter(|k| !k.is_empty())
    }
}

// Database names, as error messages report them.
pub(crate) const DEVICES: &str = "devices";
pub(crate) const CONFIGS: &str = "configs";
pub(crate) const BLOBS: &str = "blobs";
pub(crate) const BLOB_INDEX: &str = "blob_index";
pub(crate) const ROUTES: &str = "routes";
pub(crate) const ROUTES_BY_OWNER: &str = "routes_by_owner";
pub(crate) const META: &str = "meta";
pub(crate) const AUTO_DEVICES: &str = "auto_devices";
pub(crate) const RENDER_RECORDS: &str = "render_records";
pub(crate) const LINE1_USERNAMES: &str = "line1_usernames";
pub(crate) const CONFIG_CHILDREN: &str = "config_children";
pub(crate) const JOURNAL: &str = "journal";

// Keys of `meta`.
/// u64 LE: the generation currently published.
pub(crate) const META_GENERATION: &str = "generation";
/// u64 LE: the id the next new blob gets.
pub(crate) const META_NEXT_BLOB: &str = "next_blob_id";
/// u64 LE: the sequence number the next auto-created device gets.
pub(crate) const META_NEXT_AUTO_SEQ: &str = "next_auto_seq";
/// JSON object: the raw config below every config.
pub(crate) const META_BASE_RAW_CONFIG: &str = "base_raw_config";
/// JSON object: runtime parameters.
pub(crate) const META_PARAMS: &str = "params";
/// `1`, set once `line1_usernames` holds every config (stores made before
/// it existed get it built at open).
pub(crate) const META_LINE1_BUILT: &str = "line1_usernames_built";
/// `1`, set once `config_children` holds every config's parents (stores
/// made before it existed get it built at open).
pub(crate) const META_CHILDREN_BUILT: &str = "config_children_built";
/// UTF-8: the id of the cluster whose changes this store follows.
pub(crate) const META_CLUSTER: &str = "cluster";
/// u64 LE: the sequence of the cluster's last change applied here.
pub(crate) const META_CLUSTER_APPLIED: &str = "cluster_applied";

/// Every database, typed. Values read raw on the request path (device and
/// config documents) are typed for the whole-document readers; the raw
/// readers remap them to `Bytes`.
#[derive(Clone, Copy)]
pub(crate) struct Dbs {
    /// device id → JSON document
    pub(crate) devices: Database<'static, Str, Json<Device>>,
    /// config id → JSON document
    pub(crate) configs: Database<'static, Str, Json<Config>>,
    /// field value → device ids (duplicate-sorted), one per [`Index`], in
    /// the order of [`Index::ALL`]
    pub(crate) indexes: [Database<'static, Str, Str>; 6],
    /// blob id (u64 BE, so ids append in key order) → bytes
    pub(crate) blobs: Database<'static, U64Be, Bytes>,
    /// content hash → blob id + reference count
    pub(crate) blob_index: Database<'static, Bytes, BlobRefCodec>,
    /// route key → route record
    pub(crate) routes: Database<'static, Str, RouteCodec>,
    /// owner's stored form → route keys (duplicate-sorted)
    pub(crate) routes_by_owner: Database<'static, Str, Str>,
    /// name → a value whose layout depends on the name (the `META_*`
    /// keys); remapped to its codec where read
    pub(crate) meta: Database<'static, Str, Bytes>,
    /// creation sequence (u64 BE) → id of a device the server created
    pub(crate) auto_devices: Database<'static, U64Be, Str>,
    /// device id → what its files were last rendered from
    pub(crate) render_records: Database<'static, Str, RenderRecordCodec>,
    /// config id → line 1's username in the config's own document
    pub(crate) line1_usernames: Database<'static, Str, Str>,
    /// parent config id → ids of the configs that list it in `parent_ids`
    /// (duplicate-sorted)
    pub(crate) config_children: Database<'static, Str, Str>,
    /// `<kind>/<id>` of a source record written and not handed on yet →
    /// `auto` for a device the server created, else empty (cluster mode:
    /// see `journal.rs`)
    pub(crate) journal: Database<'static, Str, Bytes>,
}

impl Dbs {
    /// Opens every database of `env`, creating those missing.
    pub(crate) fn create(env: &Env<WithoutTls>) -> heed::Result<Dbs> {
        let wtxn = env.write_txn()?;
        let dbs = env
            .create_databases_and_commit(wtxn, |o, w| -> heed::Result<_> {
                let devices = o.create_database::<Str, Json<Device>>(w, Some(DEVICES))?;
                let configs = o.create_database::<Str, Json<Config>>(w, Some(CONFIGS))?;
                let mut indexes = Vec::with_capacity(Index::ALL.len());
                for index in Index::ALL {
                    let db = o
                        .database_options()
                        .types::<Str, Str>()
                        .name(index.db_name())
                        .flags(DatabaseFlags::DUP_SORT)
                        .create(w)?;
                    indexes.push(db);
                }
                let indexes: [Database<'_, Str, Str>; 6] = indexes.try_into().ok().unwrap();
                let blobs = o.create_database::<U64Be, Bytes>(w, Some(BLOBS))?;
                let blob_index = o.create_database::<Bytes, BlobRefCodec>(w, Some(BLOB_INDEX))?;
                let routes = o.create_database::<Str, RouteCodec>(w, Some(ROUTES))?;
                let routes_by_owner = o
                    .database_options()
                    .types::<Str, Str>()
                    .name(ROUTES_BY_OWNER)
                    .flags(DatabaseFlags::DUP_SORT)
                    .create(w)?;
                let meta = o.create_database::<Str, Bytes>(w, Some(META))?;
                let auto_devices = o.create_database::<U64Be, Str>(w, Some(AUTO_DEVICES))?;
                let render_records = o.create_database::<Str, RenderRecordCodec>(w, Some(RENDER_RECORDS))?;
                let line1_usernames = o.create_database::<Str, Str>(w, Some(LINE1_USERNAMES))?;
                let config_children = o
                    .database_options()
                    .types::<Str, Str>()
                    .name(CONFIG_CHILDREN)
                    .flags(DatabaseFlags::DUP_SORT)
                    .create(w)?;
                let journal = o.create_database::<Str, Bytes>(w, Some(JOURNAL))?;
                Ok(CommitOrAbort::<_, ()>::Commit((
                    (devices, configs, indexes, auto_devices, render_records, line1_usernames),
                    (blobs, blob_index, routes, routes_by_owner, meta, config_children, journal),
                )))
            })?
            .unwrap_commit();
        let (
            (devices, configs, indexes, auto_devices, render_records, line1_usernames),
            (blobs, blob_index, routes, routes_by_owner, meta, config_children, journal),
        ) = dbs;
        Ok(Dbs {
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
            config_children,
            journal,
        })
    }

    /// The database of `index`.
    pub(crate) fn index(&self, index: Index) -> Database<'static, Str, Str> {
        self.indexes[index as usize]
    }
}
