//! The follower: the node's thread that applies the cluster's changes to
//! its store and hands the node's own records on; and the three ways a
//! store meets the database (seed, snapshot, catch-up).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::time::{Duration, Instant};

use postgres::fallible_iterator::FallibleIterator;
use provd_compiler::compile::{self, Scope};
use provd_compiler::group::{Committer, Stage, WriteError};
use provd_compiler::render::seal;
use provd_core::{Config, Device};
use provd_store::{SourceKey, Store, WriteTxn};

use provd_cluster::records::{BATCH, Change, Record, contiguous, fetch, put_records};
use provd_cluster::schema::{CHANNEL, LOCK_WRITE};
use provd_cluster::templates;

use super::{Cluster, ClusterError};

/// How long the follower waits for a notification before looking anyway
/// (and handing on the phones' records).
const TICK: Duration = Duration::from_millis(250);
const HEARTBEAT: Duration = Duration::from_secs(1);

/// What applying changes leaves to render.
#[derive(Debug, Default)]
pub(crate) struct Render {
    /// Something the data plane reads changed.
    changed: bool,
    /// Every device (a snapshot replaced the store's records).
    all: bool,
    devices: BTreeSet<String>,
    configs: BTreeSet<String>,
    /// Plugins whose custom templates changed, or installed.
    plugins: BTreeSet<String>,
    /// The plugins directory changed: reload before rendering.
    reload: bool,
}

impl Render {
    /// Publishes what the changes need, in the unit's transaction.
    fn publish(self, cluster: &Cluster, stage: &mut Stage<'_, '_>) -> Result<(), ClusterError> {
        if self.changed {
            stage.changed();
        }
        if self.reload
            && let Some(publisher) = cluster.publisher.get()
        {
            for broken in publisher.reload_plugins() {
                log::warn!("plugins: {broken}");
            }
        }
        if self.all {
            stage.publish(Scope::All).map_err(compile_failed)?;
            return Ok(());
        }
        for plugin in &self.plugins {
            stage.publish(Scope::Plugin(plugin.clone())).map_err(compile_failed)?;
        }
        let mut devices = self.devices;
        {
            let (store, w) = stage.parts();
            for c in &self.configs {
                if store.config_doc(w, c)?.is_some() {
                    devices.extend(compile::config_scope(store, w, c).map_err(compile_failed)?.0);
                }
            }
            devices.retain(|id| store.device_doc(w, id).ok().flatten().is_some());
        }
        if !devices.is_empty() {
            stage.changed();
            stage.publish_later(Scope::Devices(devices.into_iter().collect())).map_err(compile_failed)?;
        }
        Ok(())
    }
}

fn compile_failed(e: compile::CompileError) -> ClusterError {
    match e {
        compile::CompileError::Store(s) => ClusterError::Store(s),
        other => ClusterError::Schema(format!("rendering the cluster's changes: {other}")),
    }
}

/// Brings `w`'s store to the database: seeds an empty database with the
/// store's records, loads a snapshot into a store that never followed
/// this cluster, or applies the changes after the store's position.
/// Returns the cluster id and the position reached (the start-up compile
/// renders what changed).
pub(crate) fn synchronize(
    cluster: &Cluster,
    client: &mut postgres::Client,
    w: &mut WriteTxn<'_>,
) -> Result<(String, u64), ClusterError> {
    synchronize_rendering(cluster, client, w).map(|(position, _)| position)
}

fn synchronize_rendering(
    cluster: &Cluster,
    client: &mut postgres::Client,
    w: &mut WriteTxn<'_>,
) -> Result<((String, u64), Render), ClusterError> {
    let store = &cluster.store;
    let local = store.cluster_position(w)?;
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_WRITE])?;
    let id: Option<String> = tx.query_opt("SELECT id FROM provd_cluster", &[])?.map(|r| r.get(0));
    let Some(id) = id else {
        let id = uuid::Uuid::new_v4().to_string();
        let mut records = local_records(store, w)?;
        records.extend(local_templates(&cluster.data.plugins_dir())?);
        tx.execute("INSERT INTO provd_cluster (id) VALUES ($1)", &[&id])?;
        let seq = put_records(&mut tx, &cluster.config.node, &records)?;
        // The seeded devices hold their MACs, as devices an administrator
        // made: a phone another node meets later adopts them.
        tx.execute(
            "INSERT INTO provd_auto_created (mac, device_id, auto)
             SELECT DISTINCT ON (doc->>'mac') doc->>'mac', id, false FROM provd_records
             WHERE kind = 'device' AND coalesce(doc->>'mac', '') <> '' ORDER BY doc->>'mac', id
             ON CONFLICT (mac) DO NOTHING",
            &[],
        )?;
        tx.commit()?;
        store.journal_clear_all(w)?;
        store.set_cluster_position(w, &id, seq)?;
        log::info!(
            "cluster {id}: new; seeded with this node's {} records (devices, configs, parameters, templates) up to change {seq}",
            records.len()
        );
        return Ok(((id, seq), Render::default()));
    };
    tx.commit()?;
    let resync = cluster.resync.swap(false, Relaxed);
    match local {
        Some((local_id, applied)) if local_id == id && !resync => {
            let mut render = Render::default();
            let mut at = applied;
            loop {
                let changes = fetch(client, at)?;
                if let Err(gap) = contiguous(at, &changes) {
                    // What the log lost, a snapshot still has.
                    log::error!("cluster {id}: {gap}: loading a snapshot instead");
                    let seq = snapshot(cluster, client, w, &id)?;
                    return Ok(((id, seq), Render { changed: true, all: true, ..Default::default() }));
                }
                let n = changes.len() as i64;
                at = apply(cluster, w, &id, changes, &mut render)?.max(at);
                if n < BATCH {
                    break;
                }
            }
            if at > applied {
                log::info!("cluster {id}: caught up from change {applied} to {at}");
            }
            Ok(((id, at), render))
        }
        _ => {
            let seq = snapshot(cluster, client, w, &id)?;
            Ok(((id, seq), Render { changed: true, all: true, ..Default::default() }))
        }
    }
}

/// Every source record of the store, as the database stores them.
fn local_records(store: &Store, w: &WriteTxn<'_>) -> Result<Vec<Record>, ClusterError> {
    let mut out = Vec::new();
    for entry in store.device_documents(w)? {
        let (id, doc) = entry?;
        out.push((SourceKey::Device(id.to_owned()), Some(doc.to_vec())));
    }
    for entry in store.config_documents(w)? {
        let (id, doc) = entry?;
        out.push((SourceKey::Config(id.to_owned()), Some(doc.to_vec())));
    }
    out.push((SourceKey::Params, Some(params_doc(store, w)?)));
    Ok(out)
}

/// This node's custom templates as records (what cannot be one is logged).
fn local_templates(plugins_dir: &std::path::Path) -> Result<Vec<Record>, ClusterError> {
    let (found, skipped) =
        templates::local(plugins_dir).map_err(|e| ClusterError::Files(format!("{}: {e}", plugins_dir.display())))?;
    for s in skipped {
        log::warn!("cluster: custom template skipped: {s}");
    }
    found
        .into_iter()
        .map(|(id, bytes)| Ok((SourceKey::Template(id), Some(templates::encode(&bytes).map_err(ClusterError::Files)?))))
        .collect()
}

fn params_doc(store: &Store, txn: &provd_store::RoTxn<'_>) -> Result<Vec<u8>, ClusterError> {
    Ok(serde_json::to_vec(&store.params(txn)?).unwrap_or_default())
}

/// The current document of `key` in the store (none: deleted).
/// (Templates are never journaled: `provd-compile --postgres` hands them on.)
fn current(store: &Store, txn: &provd_store::RoTxn<'_>, key: &SourceKey) -> Result<Option<Vec<u8>>, ClusterError> {
    Ok(match key {
        SourceKey::Device(id) => store.device_doc(txn, id)?.map(<[u8]>::to_vec),
        SourceKey::Config(id) => store.config_doc(txn, id)?.map(<[u8]>::to_vec),
        SourceKey::Params => Some(params_doc(store, txn)?),
        SourceKey::Template(_) | SourceKey::Plugin(_) => None,
    })
}

/// Hands the journal's records on to the database, in one transaction
/// (`w` is the caller's: a REST write's unit, or the follower's). A device
/// this node created for a phone that another node had already created is
/// not handed on: this node drops it and takes the other's record when it
/// arrives. Returns the records written.
pub(crate) fn ship(cluster: &Cluster, stage: &mut Stage<'_, '_>) -> Result<usize, ClusterError> {
    let store = &cluster.store;
    let (_, w) = stage.parts();
    let noted = store.journal(w)?;
    if noted.is_empty() {
        return Ok(0);
    }
    if cluster.cluster_id().is_none() {
        return Err(ClusterError::Unavailable("this node has not reached the database since it started".into()));
    }
    let mut client = cluster.client()?;
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_WRITE])?;
    // Which device a phone is, when two were made for one MAC (module
    // `provd_auto_created`): see `claim_macs`.
    let (lost, displaced) = claim_macs(store, w, &mut tx, &noted)?;
    let mut winners: Vec<String> = lost.iter().map(|(_, winner)| winner.clone()).collect();
    let lost: Vec<Device> = lost.into_iter().map(|(d, _)| d).collect();
    let dropped: BTreeSet<SourceKey> = lost
        .iter()
        .flat_map(|d| {
            let config = d.config.clone().filter(|c| c.starts_with("autoprov")).map(SourceKey::Config);
            std::iter::once(SourceKey::Device(d.id.clone())).chain(config)
        })
        .collect();
    let mut records = Vec::with_capacity(noted.len() + displaced.len());
    for n in &noted {
        if !dropped.contains(&n.key) {
            records.push((n.key.clone(), current(store, w, &n.key)?));
        }
    }
    // Devices a phone made that an administrator's device for the same MAC
    // replaces, on every node.
    records.extend(displaced.iter().map(|id| (SourceKey::Device(id.clone()), None)));
    put_records(&mut tx, &cluster.config.node, &records)?;
    tx.commit()?;
    for n in &noted {
        store.journal_clear(w, &n.key)?;
    }
    for device in &lost {
        store.delete_device_and_files(w, device)?;
        cluster.adopted.fetch_add(1, Relaxed);
    }
    for id in &displaced {
        if let Some(d) = store.device(w, id)? {
            log::info!("cluster: device {id}, made by a phone, replaced by an administrator's device for its MAC");
            store.delete_device_and_files(w, &d)?;
        }
        store.journal_clear(w, &SourceKey::Device(id.clone()))?;
    }
    for key in &dropped {
        store.journal_clear(w, key)?;
    }
    // The winners' records may have arrived before this node dropped its
    // own: their files are rendered again now that the route is theirs.
    winners.retain(|id| store.device_doc(w, id).ok().flatten().is_some());
    if !lost.is_empty() {
        stage.changed();
    }
    if !winners.is_empty() {
        stage.publish_later(Scope::Devices(winners)).map_err(compile_failed)?;
    }
    cluster.shipped.fetch_add(records.len() as u64, Relaxed);
    Ok(records.len())
}

/// Claims the MACs of the devices being handed on, in `tx`, so that the
/// cluster ends with one device per phone (`provd_auto_created`: the
/// device each MAC is, and whether a phone made it):
///
/// - a device this node made for a phone claims its MAC unless a device
///   still standing already holds it; if one does, this node's is lost:
///   returned with the winner, to be dropped here;
/// - any other device (an administrator's, through the REST API) takes the
///   MAC from a device a phone made, which is returned as displaced: the
///   cluster deletes it. A claim by another administrator's device stays.
#[allow(clippy::type_complexity)]
fn claim_macs(
    store: &Store,
    w: &WriteTxn<'_>,
    tx: &mut postgres::Transaction<'_>,
    noted: &[provd_store::Noted],
) -> Result<(Vec<(Device, String)>, Vec<String>), ClusterError> {
    let (mut made, mut others) = (BTreeMap::new(), BTreeMap::new());
    for n in noted {
        let SourceKey::Device(id) = &n.key else { continue };
        let Some(device) = store.device(w, id)? else { continue };
        let Some(mac) = device.mac.map(|m| m.to_string()) else { continue };
        // One claim per MAC and statement (a second device for one MAC
        // here is the local pipeline's to settle).
        let side = if n.auto_created { &mut made } else { &mut others };
        side.entry(mac).or_insert(device);
    }
    let mut lost = Vec::new();
    if !made.is_empty() {
        let (macs, ids): (Vec<&str>, Vec<&str>) = made.iter().map(|(m, d)| (m.as_str(), d.id.as_str())).unzip();
        let rows = tx.query(
            "INSERT INTO provd_auto_created AS a (mac, device_id, auto)
             SELECT m, i, true FROM unnest($1::text[], $2::text[]) AS t(m, i)
             ON CONFLICT (mac) DO UPDATE SET
                 device_id = CASE WHEN EXISTS (SELECT 1 FROM provd_records r WHERE r.kind = 'device' AND r.id = a.device_id)
                             THEN a.device_id ELSE EXCLUDED.device_id END,
                 auto = CASE WHEN EXISTS (SELECT 1 FROM provd_records r WHERE r.kind = 'device' AND r.id = a.device_id)
                        THEN a.auto ELSE true END
             RETURNING mac, device_id",
            &[&macs, &ids],
        )?;
        for r in rows {
            let (mac, winner): (String, String) = (r.get(0), r.get(1));
            if let Some(device) = made.remove(&mac).filter(|d| d.id != winner) {
                log::info!(
                    "cluster: phone {mac} was created by another node first (device {winner}); dropping {}",
                    device.id
                );
                lost.push((device, winner));
            }
        }
    }
    let mut displaced = Vec::new();
    if !others.is_empty() {
        let (macs, ids): (Vec<&str>, Vec<&str>) = others.iter().map(|(m, d)| (m.as_str(), d.id.as_str())).unzip();
        let rows = tx.query(
            "WITH t AS (SELECT * FROM unnest($1::text[], $2::text[]) AS t(m, i)),
             old AS (SELECT a.device_id FROM t JOIN provd_auto_created a ON a.mac = t.m
                     WHERE a.auto AND a.device_id <> t.i),
             claimed AS (INSERT INTO provd_auto_created AS a (mac, device_id, auto)
                         SELECT m, i, false FROM t
                         ON CONFLICT (mac) DO UPDATE SET device_id = EXCLUDED.device_id, auto = false
                         WHERE a.auto AND a.device_id <> EXCLUDED.device_id
                            OR NOT EXISTS (SELECT 1 FROM provd_records r WHERE r.kind = 'device' AND r.id = a.device_id))
             SELECT device_id FROM old",
            &[&macs, &ids],
        )?;
        displaced = rows.iter().map(|r| r.get::<_, String>(0)).collect();
    }
    Ok((lost, displaced))
}

/// Applies `changes` (in sequence order) to the store; returns the last
/// sequence. A record changed several times is applied once, as its last
/// change has it. Notes of the records applied are cleared: the database's
/// version wins over a local write not handed on yet.
fn apply(
    cluster: &Cluster,
    w: &mut WriteTxn<'_>,
    cluster_id: &str,
    changes: Vec<Change>,
    render: &mut Render,
) -> Result<u64, ClusterError> {
    let store = &cluster.store;
    let Some(last) = changes.last().map(|c| c.seq) else { return Ok(0) };
    let n = changes.len() as u64;
    let mut latest: BTreeMap<SourceKey, Option<Vec<u8>>> = BTreeMap::new();
    for c in changes {
        if let Some(key) = c.key {
            latest.insert(key, c.doc);
        }
    }
    // Whether this store changed: a batch of echoes of this node's own
    // writes changes nothing, and its position is then not written (a
    // commit for nothing; after a restart they are read again, harmlessly).
    let mut wrote = false;
    for (key, doc) in latest {
        let bad = |why: String| ClusterError::Record { kind: key.kind().into(), id: key.id().into(), why };
        match (&key, doc) {
            (SourceKey::Device(id), Some(doc)) => {
                let mut remote = Store::decode_device(id, &doc).map_err(|e| bad(e.to_string()))?;
                let local = store.device(w, id)?;
                // `configured` is each node's own (its render's outcome).
                if let Some(l) = &local {
                    remote.configured = l.configured;
                }
                if local.as_ref() != Some(&remote) {
                    store.put_device(w, &remote)?;
                    wrote = true;
                    render.changed = true;
                    render.devices.insert(id.clone());
                }
            }
            (SourceKey::Device(id), None) => {
                if let Some(d) = store.device(w, id)? {
                    store.delete_device_and_files(w, &d)?;
                    wrote = true;
                    render.changed = true;
                }
            }
            (SourceKey::Config(id), Some(doc)) => {
                let remote: Config = serde_json::from_slice(&doc).map_err(|e| bad(e.to_string()))?;
                if store.config(w, id)?.as_ref() != Some(&remote) {
                    store.put_config(w, &remote)?;
                    wrote = true;
                    render.configs.insert(id.clone());
                }
            }
            (SourceKey::Config(id), None) => {
                if store.config_doc(w, id)?.is_some() {
                    let (affected, _) = compile::config_scope(store, w, id).map_err(compile_failed)?;
                    store.delete_config(w, id)?;
                    wrote = true;
                    render.devices.extend(affected);
                }
            }
            (SourceKey::Params, Some(doc)) => {
                let remote: provd_core::Map = serde_json::from_slice(&doc).map_err(|e| bad(e.to_string()))?;
                let local = store.params(w)?;
                if local != remote {
                    // Encryption turned on or off (or a new secret): every
                    // device file gains or loses its encrypted copy.
                    let sealing = |p: &provd_core::Map| (seal::enabled(p), p.get(seal::SECRET_PARAM).cloned());
                    render.all |= sealing(&local) != sealing(&remote);
                    store.set_params(w, &remote)?;
                    wrote = true;
                    render.changed = true;
                }
            }
            (SourceKey::Params, None) => {}
            (SourceKey::Plugin(id), doc) => {
                if apply_plugin(cluster, id, doc.as_deref()).map_err(bad)? {
                    render.reload = true;
                    wrote = true;
                    match doc {
                        Some(_) => {
                            render.plugins.insert(id.clone());
                        }
                        // Its devices lose their files: everything again,
                        // as an uninstall through the API does.
                        None => render.all = true,
                    }
                }
            }
            (SourceKey::Template(id), doc) => {
                let content = doc.as_deref().map(templates::decode).transpose().map_err(bad)?;
                let changed = templates::write(&cluster.data.plugins_dir(), id, content.as_deref()).map_err(bad)?;
                render.plugins.extend(changed);
            }
        }
        store.journal_clear(w, &key)?;
    }
    if wrote {
        store.set_cluster_position(w, cluster_id, last)?;
    }
    cluster.applied_total.fetch_add(n, Relaxed);
    Ok(last)
}

/// The file naming the package a plugin was installed from by the cluster.
const PACKAGE_MARK: &str = ".cluster-package";

/// Notes that plugin `id` is installed from the package of SHA-1 `sha1`.
pub(crate) fn mark_package(plugins_dir: &std::path::Path, id: &str, sha1: &str) -> Result<(), ClusterError> {
    let path = plugins_dir.join(id).join(PACKAGE_MARK);
    std::fs::write(&path, sha1).map_err(|e| ClusterError::Files(format!("{}: {e}", path.display())))
}

/// Installs, upgrades or removes plugin `id` as the cluster's record says
/// (`doc`: `{"sha1", "filename"}`; none: uninstalled); whether anything
/// changed. The caller holds the publisher's lock (a unit of the group).
fn apply_plugin(cluster: &Cluster, id: &str, doc: Option<&[u8]>) -> Result<bool, String> {
    let plugins_dir = cluster.data.plugins_dir();
    if id.is_empty() || id.starts_with('.') || id.contains(['/', '\\', '\0']) || id == ".." {
        return Err(format!("plugin id {id:?} is not a directory name"));
    }
    let installed = plugins_dir.join(id).join("plugin-info").is_file();
    let Some(doc) = doc else {
        if !installed {
            return Ok(false);
        }
        crate::api::plugins::remove_installed(&cluster.data, id)?;
        log::info!("cluster: plugin {id} uninstalled, as another node did");
        return Ok(true);
    };
    let want: serde_json::Value = serde_json::from_slice(doc).map_err(|e| e.to_string())?;
    let sha1 = want["sha1"].as_str().filter(|s| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()));
    let sha1 = sha1.ok_or("no sha1 in the plugin's record")?;
    let have = std::fs::read_to_string(plugins_dir.join(id).join(PACKAGE_MARK)).unwrap_or_default();
    if installed && have.trim() == sha1 {
        return Ok(false);
    }
    let mut client = cluster.pool.get().map_err(|e| e.to_string())?;
    let row = client
        .query_opt("SELECT content FROM provd_plugin_packages WHERE sha1 = $1", &[&sha1])
        .map_err(|e| provd_cluster::with_causes(&e))?
        .ok_or_else(|| format!("package {sha1} is not in the database"))?;
    let content: Vec<u8> = row.get(0);
    let cache = cluster.data.root().join("cache");
    std::fs::create_dir_all(&cache).map_err(|e| format!("{}: {e}", cache.display()))?;
    let package = cache.join(format!("cluster-{sha1}.tar"));
    std::fs::write(&package, &content).map_err(|e| format!("{}: {e}", package.display()))?;
    let prepared = crate::api::plugins::Prepared::new(&plugins_dir, id, &package);
    let _ = std::fs::remove_file(&package);
    prepared?.put_in_place(installed)?;
    mark_package(&plugins_dir, id, sha1).map_err(|e| e.to_string())?;
    log::info!("cluster: plugin {id} {}, as another node did", if installed { "upgraded" } else { "installed" });
    Ok(true)
}

/// Replaces the store's records by the database's, read at one snapshot;
/// returns the snapshot's sequence.
fn snapshot(
    cluster: &Cluster,
    client: &mut postgres::Client,
    w: &mut WriteTxn<'_>,
    cluster_id: &str,
) -> Result<u64, ClusterError> {
    let store = &cluster.store;
    let mut tx = client.build_transaction().isolation_level(postgres::IsolationLevel::RepeatableRead).start()?;
    let seq: i64 = tx.query_one("SELECT coalesce(max(seq), 0) FROM provd_changes", &[])?.get(0);
    let rows = tx.query("SELECT kind, id, doc::text FROM provd_records", &[])?;
    tx.commit()?;
    let mut remote: BTreeMap<SourceKey, Vec<u8>> = BTreeMap::new();
    for r in rows {
        let (kind, id, doc): (String, String, String) = (r.get(0), r.get(1), r.get(2));
        if let Some(key) = SourceKey::from_parts(&kind, &id) {
            remote.insert(key, doc.into_bytes());
        }
    }
    // What the database does not have goes; the rest is applied as changes.
    let mut gone = Vec::new();
    for entry in store.device_documents(w)? {
        let key = SourceKey::Device(entry?.0.to_owned());
        if !remote.contains_key(&key) {
            gone.push(key);
        }
    }
    for entry in store.config_documents(w)? {
        let key = SourceKey::Config(entry?.0.to_owned());
        if !remote.contains_key(&key) {
            gone.push(key);
        }
    }
    for (key, _) in local_templates(&cluster.data.plugins_dir())? {
        if !remote.contains_key(&key) {
            gone.push(key);
        }
    }
    let (devices, configs) = (remote.keys().filter(|k| matches!(k, SourceKey::Device(_))).count(), remote.len());
    let mut changes: Vec<Change> = gone.into_iter().map(|key| Change { seq: 0, key: Some(key), doc: None }).collect();
    changes.extend(remote.into_iter().map(|(key, doc)| Change { seq: 0, key: Some(key), doc: Some(doc) }));
    if let Some(c) = changes.last_mut() {
        c.seq = seq as u64;
    }
    let mut render = Render::default();
    apply(cluster, w, cluster_id, changes, &mut render)?;
    store.journal_clear_all(w)?;
    store.set_cluster_position(w, cluster_id, seq as u64)?;
    log::info!(
        "cluster {cluster_id}: loaded {devices} devices and {} other records at change {seq}",
        configs - devices
    );
    Ok(seq as u64)
}

/// Starts the follower thread: it keeps a `LISTEN` connection (or polls a
/// replica, `--postgres-read`), applies
/// the cluster's changes through `committer` (the node's group commit),
/// hands the phones' records on, and reports the node's position, until
/// `stop`.
pub fn spawn(
    cluster: Arc<Cluster>,
    publisher: Arc<provd_compiler::publish::Publisher>,
    committer: Committer,
    stop: Arc<AtomicBool>,
) -> std::io::Result<()> {
    // Every group's records reach the database in one transaction, before
    // the group commits: a group of N REST writes waits for one database
    // commit, not N. The REST writes rely on it (they do not ship).
    let shipper = cluster.clone();
    publisher.set_group_hook(Box::new(move |stage| shipper.ship(stage).map(drop).map_err(|e| e.to_string())));
    let _ = cluster.publisher.set(publisher);
    std::thread::Builder::new().name("provd-cluster".into()).spawn(move || {
        let mut first = true;
        while !stop.load(Relaxed) {
            // A replica cannot LISTEN (notifications are not replicated):
            // the follower then looks every tick.
            let source = cluster.read_pool.as_ref().unwrap_or(&cluster.pool);
            let mut listen = match source.dedicated().and_then(|mut c| {
                if cluster.read_pool.is_none() {
                    c.batch_execute(&format!("LISTEN {CHANNEL}"))?;
                }
                Ok(c)
            }) {
                Ok(c) => c,
                Err(e) => {
                    cluster.mark_down(&e);
                    std::thread::sleep(cluster.backoff());
                    continue;
                }
            };
            // Reachable again: writes may try it at once.
            cluster.mark_up();
            if !first {
                cluster.reconnects.fetch_add(1, Relaxed);
            }
            first = false;
            let mut last_beat = Instant::now() - HEARTBEAT;
            while !stop.load(Relaxed) {
                if let Err(e) = round(&cluster, &committer, &mut listen, &mut last_beat) {
                    if e.is_unavailable() {
                        cluster.mark_down(&e);
                        break;
                    }
                    log::error!("cluster: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
                let mut notes = listen.notifications();
                if let Err(e) = notes.timeout_iter(TICK).next() {
                    cluster.mark_down(&e);
                    break;
                }
                // Several notifications are one round.
                if let Err(e) = notes.iter().count() {
                    cluster.mark_down(&e);
                    break;
                }
            }
        }
    })?;
    Ok(())
}

/// One round of the follower: synchronize or catch up, hand the journal
/// on, report the position.
fn round(
    cluster: &Arc<Cluster>,
    committer: &Committer,
    client: &mut postgres::Client,
    last_beat: &mut Instant,
) -> Result<(), ClusterError> {
    if cluster.cluster_id().is_none() || cluster.resync.load(Relaxed) {
        // The database was away at start (or was replaced): one snapshot
        // or catch-up, rendered in the unit.
        let c = cluster.clone();
        let position = in_unit(committer, move |stage| {
            let mut pg = c.pool.get()?;
            super::schema::migrate(&mut pg)?;
            let (_, w) = stage.parts();
            let (position, render) = synchronize_rendering(&c, &mut pg, w)?;
            render.publish(&c, stage)?;
            Ok(position)
        })?;
        cluster.synchronized(position);
    }
    loop {
        let at = cluster.applied.load(Relaxed);
        let changes = fetch(client, at)?;
        if changes.is_empty() {
            break;
        }
        if let Err(gap) = contiguous(at, &changes) {
            log::error!("cluster: {gap}: loading a snapshot instead");
            cluster.resync.store(true, Relaxed);
            return Ok(());
        }
        let n = changes.len() as i64;
        let (c, id) = (cluster.clone(), cluster.cluster_id().unwrap_or_default());
        let last = in_unit(committer, move |stage| {
            let mut render = Render::default();
            let (_, w) = stage.parts();
            let last = apply(&c, w, &id, changes, &mut render)?;
            render.publish(&c, stage)?;
            Ok(last)
        })?;
        cluster.applied.fetch_max(last, Relaxed);
        if n < BATCH {
            break;
        }
    }
    let latest: i64 = client.query_one("SELECT coalesce(max(seq), 0) FROM provd_changes", &[])?.get(0);
    cluster.latest.store(latest as u64, Relaxed);
    let store = &cluster.store;
    let queued = {
        let r = store.read_txn()?;
        store.journal_len(&r)?
    };
    if queued > 0 {
        let c = cluster.clone();
        in_unit(committer, move |stage| c.ship(stage))?;
    }
    if last_beat.elapsed() >= HEARTBEAT {
        // On the primary: `client` may be a read-only replica.
        cluster.client()?.execute(
            "INSERT INTO provd_nodes (name, applied, updated) VALUES ($1, $2, now())
             ON CONFLICT (name) DO UPDATE SET applied = EXCLUDED.applied, updated = now()",
            &[&cluster.config.node, &(cluster.applied.load(Relaxed) as i64)],
        )?;
        *last_beat = Instant::now();
    }
    cluster.mark_up();
    Ok(())
}

/// Runs `f` as a unit of the node's group commit and waits for it.
fn in_unit<T: Send + 'static>(
    committer: &Committer,
    f: impl for<'a, 'e> FnOnce(&mut Stage<'a, 'e>) -> Result<T, ClusterError> + Send + 'static,
) -> Result<T, ClusterError> {
    committer.write(f).map_err(|e| match e {
        WriteError::Refused(e) => e,
        WriteError::Store(why) => ClusterError::Schema(format!("the node's store did not commit: {why}")),
        WriteError::Unavailable(why) => ClusterError::Unavailable(why),
        WriteError::Gone => ClusterError::Schema("the node's writer is gone (stopping)".into()),
    })
}
