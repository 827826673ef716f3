//! `/0.2/pg_mgr`: wazo-provd's plugin manager (`docs/behaviour/rest-api.md`
//! §9, `docs/behaviour/plugins.md` §9). The repository (`plugin_server`:
//! http://, file:// or a local path) lists its plugins in `plugins.db`, cached in
//! `<data>/cache/plugins.db` by `install/update`. Installs and upgrades
//! download a tarball to `<data>/cache/`, check its SHA-1, extract it into
//! a staging directory inside the plugins directory (refusing members that
//! would land outside `<id>/`) and rename it into place; an upgrade keeps
//! the old `var/` (custom templates, installed packages). Then the plugin
//! set is reloaded and the plugin's devices compiled, so phones get the new
//! files. Per-plugin packages (`pkgs/pkgs.db`) are in `packages.rs`.

#[path = "packages.rs"]
mod packages;
#[path = "repo.rs"]
mod repo;

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use provd_compiler::compile::{Report, Scope};
use provd_store::data::DataDir;
use serde_json::{Map, Value, json};

use self::repo::{Fetcher, Source};
use super::http::{Req, Resp, links};
use super::oip::{Handle, Operation, State};
use super::{Api, Publisher, get, internal, url_segment};

/// Largest `plugins.db` accepted.
const MAX_DB_BYTES: u64 = 64 << 20;
/// Largest plugin tarball, and its largest extracted size.
const MAX_PLUGIN_BYTES: u64 = 1 << 30;

pub(crate) fn route(api: &Api, req: &Req<'_>, rest: &[&str]) -> Result<Resp, Resp> {
    match (req.method, rest) {
        ("GET", []) => get(req, || {
            Ok(links(req.path, &[("srv.install", "install"), ("pg.plugins", "plugins"), ("pg.reload", "reload")]))
        }),
        ("GET", ["install"]) => get(req, || {
            Ok(links(
                req.path,
                &[
                    ("srv.install.install", "install"),
                    ("srv.install.uninstall", "uninstall"),
                    ("srv.install.installed", "installed"),
                    ("srv.install.installable", "installable"),
                    ("srv.install.upgrade", "upgrade"),
                    ("srv.install.update", "update"),
                ],
            ))
        }),
        ("POST", ["install", "update"]) => update(api, req),
        ("GET", ["install", "installable"]) => get(req, || installable(api)),
        ("GET", ["install", "installed"]) => get(req, || installed(api)),
        ("POST", ["install", "install"]) => install(api, req, false),
        ("POST", ["install", "upgrade"]) => install(api, req, true),
        ("POST", ["install", "uninstall"]) => uninstall(api, req),
        ("GET", ["install", "install" | "upgrade" | "update", _]) => oip_get(api, req),
        ("DELETE", ["install", "install" | "upgrade" | "update", _]) => oip_delete(api, req),
        ("POST", ["reload"]) => reload(api, req),
        ("GET", ["plugins"]) => get(req, || {
            let base = req.path.trim_end_matches('/');
            let plugins: Map<String, Value> = api
                .publisher
                .plugins()
                .get()
                .iter()
                .map(|p| {
                    let href = format!("{base}/{}", url_segment(&p.id));
                    (p.id.clone(), json!({"links": [{"rel": "pg.plugin", "href": href}]}))
                })
                .collect();
            Ok(json!({"plugins": plugins}))
        }),
        (_, ["plugins", id, sub @ ..]) => {
            // Unknown plugin: 404 before anything else, as wazo-provd.
            let plugins = api.publisher.plugins().get();
            let plugin = plugins.iter().find(|p| p.id == *id).ok_or_else(|| no_plugin(id))?;
            match (req.method, sub) {
                ("GET", []) => get(req, || Ok(links(req.path, &[("pg.info", "info"), ("srv.install", "install")]))),
                ("GET", ["info"]) => get(req, || {
                    let mut info = read_info(&plugin.dir).map_err(internal)?;
                    localize(&locale(api)?, &mut info);
                    Ok(json!({"plugin_info": info}))
                }),
                (_, ["install", sub @ ..]) => packages::route(api, req, plugin, sub),
                (_, [] | ["info"]) => Err(Resp::text(405, "Method Not Allowed")),
                _ => Err(Resp::not_found("")),
            }
        }
        (_, [] | ["install"] | ["plugins"] | ["reload"])
        | (_, ["install", "update" | "installable" | "installed" | "install" | "upgrade" | "uninstall"])
        | (_, ["install", "install" | "upgrade" | "update", _]) => Err(Resp::text(405, "Method Not Allowed")),
        _ => Err(Resp::not_found("")),
    }
}

fn no_plugin(id: &str) -> Resp {
    Resp::not_found(format!("plugin {id:?}"))
}

pub(super) fn oip_get(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    get(req, || api.ops.get(req.path).ok_or_else(|| Resp::not_found("operation")))
}

pub(super) fn oip_delete(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    if api.ops.delete(req.path) { Ok(Resp::empty(204)) } else { Err(Resp::not_found("operation")) }
}

/// The `"id"` of a `{"id": ...}` body.
pub(super) fn body_id(req: &Req<'_>) -> Result<String, Resp> {
    match req.json_body()?.get("id") {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(Resp::text(400, format!("\"id\" must be a string, got {other}"))),
        None => Err(Resp::text(400, "Missing \"id\" key")),
    }
}

/// A plugin id usable as a directory name of the plugins directory.
fn check_plugin_id(id: &str) -> Result<(), Resp> {
    provd_core::device::check_id(id)
        .and_then(|()| if id.starts_with('.') { Err("starting with '.'") } else { Ok(()) })
        .map_err(|why| Resp::text(400, format!("invalid plugin id {id:?}: {why}")))
}

/// The server parameters (`plugin_server`, `http_proxy`, `locale`).
pub(super) fn params(api: &Api) -> Result<provd_core::Map, Resp> {
    let store = api.store();
    let r = store.read_txn().map_err(internal)?;
    store.params(&r).map_err(internal)
}

fn param(params: &provd_core::Map, name: &str) -> Option<String> {
    params.get(name).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

pub(super) fn fetcher(api: &Api, params: &provd_core::Map) -> Result<Fetcher, String> {
    Fetcher::with_tls(
        param(params, "http_proxy").as_deref(),
        param(params, "https_proxy").as_deref(),
        api.plugin_server_ca.as_deref(),
    )
}

pub(super) fn locale(api: &Api) -> Result<Option<String>, Resp> {
    Ok(param(&params(api)?, "locale"))
}

/// wazo-provd's localization of plugin and package information: the
/// description in the `locale` parameter's language when there is one
/// (`description_fr_FR`, then `description_fr`), and no `description_*`
/// keys left.
pub(super) fn localize(locale: &Option<String>, info: &mut Map<String, Value>) {
    if let Some(locale) = locale {
        let lang = locale.split('_').next().unwrap_or(locale);
        for key in [format!("description_{locale}"), format!("description_{lang}")] {
            if let Some(v) = info.get(&key).cloned() {
                info.insert("description".into(), v);
                break;
            }
        }
    }
    info.retain(|k, _| !k.starts_with("description_"));
}

/// A file the plugin manager reads from the data directory (the cached
/// `plugins.db`, a plugin's `plugin-info`, the plugins directory, a
/// plugin's `pkgs/` and `var/installed/installed.json`) that cannot be
/// read or does not parse. Never the request's fault: a request that
/// needs the file is answered 500 (`internal`).
#[derive(Debug, thiserror::Error)]
enum FileError {
    /// The file or directory cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// What was read.
        path: PathBuf,
        /// Why it could not be.
        source: std::io::Error,
    },
    /// A file provd wrote (`plugins.db`, `installed.json`) no longer parses.
    #[error("{} is corrupt: {source}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
    /// A file the plugin ships (`plugin-info`) does not parse.
    #[error("{}: {source}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// The parse error.
        source: serde_json::Error,
    },
}

impl FileError {
    fn read(path: &Path) -> impl FnOnce(std::io::Error) -> FileError + '_ {
        |source| FileError::Read { path: path.to_owned(), source }
    }
}

fn read_info(dir: &Path) -> Result<Map<String, Value>, FileError> {
    let path = dir.join("plugin-info");
    let bytes = fs::read(&path).map_err(FileError::read(&path))?;
    serde_json::from_slice(&bytes).map_err(|source| FileError::Invalid { path, source })
}

fn cached_db(data: &DataDir) -> PathBuf {
    data.root().join("cache").join("plugins.db")
}

/// The cached `plugins.db`, `None` before the first update.
fn read_db(data: &DataDir) -> Result<Option<Map<String, Value>>, FileError> {
    let path = cached_db(data);
    match fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|source| FileError::Corrupt { path, source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(FileError::Read { path, source: e }),
    }
}

fn installable(api: &Api) -> Result<Value, Resp> {
    let db = read_db(&api.data).map_err(internal)?.unwrap_or_default();
    let locale = locale(api)?;
    let pkgs: Map<String, Value> = db
        .into_iter()
        .map(|(id, mut info)| {
            if let Value::Object(o) = &mut info {
                o.remove("filename");
                localize(&locale, o);
            }
            (id, info)
        })
        .collect();
    Ok(json!({"pkgs": pkgs}))
}

fn installed(api: &Api) -> Result<Value, Resp> {
    let locale = locale(api)?;
    let mut pkgs = Map::new();
    for (id, dir) in installed_dirs(&api.data.plugins_dir()).map_err(internal)? {
        match read_info(&dir) {
            Ok(mut info) => {
                localize(&locale, &mut info);
                pkgs.insert(id, Value::Object(info));
            }
            Err(e) => log::error!("installed plugins: {e}"),
        }
    }
    Ok(json!({"pkgs": pkgs}))
}

/// Every directory of `plugins_dir` holding a `plugin-info`, by id.
fn installed_dirs(plugins_dir: &Path) -> Result<Vec<(String, PathBuf)>, FileError> {
    let entries = match fs::read_dir(plugins_dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(FileError::read(plugins_dir)(e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(FileError::read(plugins_dir))?;
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else { continue };
        if !name.starts_with('.') && entry.path().join("plugin-info").is_file() {
            out.push((name, entry.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Operations that must not overlap, by key (an update per data
/// directory, one operation per plugin directory); released on drop.
pub(super) struct Busy(String);

static BUSY: Mutex<Option<HashSet<String>>> = Mutex::new(None);

impl Busy {
    pub(super) fn take(key: String) -> Option<Busy> {
        let mut busy = BUSY.lock().unwrap_or_else(|e| e.into_inner());
        // `then`, not `then_some`: a refused guard must never exist (its
        // drop would free the key someone else holds).
        busy.get_or_insert_with(HashSet::new).insert(key.clone()).then(|| Busy(key))
    }

    /// The key of everything that changes one plugin's directory.
    pub(super) fn plugin(plugins_dir: &Path, id: &str) -> Result<Busy, Resp> {
        Busy::take(format!("plugin:{}", plugins_dir.join(id).display())).ok_or_else(|| {
            Resp::text(
                400,
                format!("an install, upgrade, uninstall or package operation for plugin {id} is already in progress"),
            )
        })
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        if let Some(busy) = BUSY.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            busy.remove(&self.0);
        }
    }
}

/// Runs `f` on the operation.
pub(super) fn set(op: &Handle, f: impl FnOnce(&mut Operation)) {
    f(&mut op.lock().unwrap_or_else(|e| e.into_inner()));
}

/// Marks the operation (and its unfinished sub-operations) failed, with
/// the reason in `"error"`.
pub(super) fn fail(op: &Handle, context: &str, message: &str) {
    log::error!("{context}: {message}");
    fn mark(o: &mut Operation) {
        if matches!(o.state, State::Progress | State::Waiting) {
            o.state = State::Fail;
        }
        o.subs.iter_mut().for_each(mark);
    }
    set(op, |o| {
        mark(o);
        o.state = State::Fail;
        o.extra.insert("error".into(), Value::from(message));
    });
}

pub(super) fn spawn(name: String, f: impl FnOnce() + Send + 'static) -> Result<(), Resp> {
    std::thread::Builder::new()
        .name(name)
        .spawn(f)
        .map(drop)
        .map_err(|e| internal(format!("cannot start a thread: {e}")))
}

fn plugin_server(params: &provd_core::Map) -> Option<String> {
    param(params, "plugin_server")
}

const NO_SERVER: &str = "No plugin server: set the plugin_server parameter first (PUT /0.2/configure/plugin_server)";

/// `install/update`: fetches `<plugin_server>/plugins.db` into the cache.
fn update(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    req.json_body()?;
    let params = params(api)?;
    let server = plugin_server(&params).ok_or_else(|| Resp::text(500, NO_SERVER))?;
    // A server or proxy that cannot be used fails the operation, as a
    // download that fails does.
    let prepared = Source::join(&server, "plugins.db")
        .map_err(|e| format!("plugin_server: {e}"))
        .and_then(|src| Ok((src, fetcher(api, &params)?)));
    let busy = Busy::take(format!("update:{}", api.data.root().display()))
        .ok_or_else(|| Resp::text(500, "an update operation is already running"))?;
    let (location, op) = api.ops.start(req.path, Some("update"));
    let dest = cached_db(&api.data);
    set(&op, |o| o.state = State::Progress);
    spawn("provd-pg-update".into(), move || {
        let _busy = busy;
        let result = (|| {
            let (src, fetcher) = prepared?;
            let tmp = dest.with_extension("db.new");
            fetcher.fetch(&src, &tmp, None, MAX_DB_BYTES, &mut |done, total| {
                set(&op, |o| {
                    o.current = Some(done);
                    o.end = total;
                })
            })?;
            // A broken file must not replace a good one.
            let check = fs::read(&tmp)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<Map<String, Value>>(&b).map_err(|e| e.to_string()));
            if let Err(e) = check {
                let _ = fs::remove_file(&tmp);
                return Err(format!("{src} is not a plugins.db (a JSON object of plugins): {e}"));
            }
            fs::rename(&tmp, &dest).map_err(|e| format!("cannot write {}: {e}", dest.display()))
        })();
        match result {
            Ok(()) => set(&op, |o| o.state = State::Success),
            Err(e) => fail(&op, "plugins update", &e),
        }
    })?;
    Ok(Resp::empty(201).with_location(location))
}

/// `install/install` and `install/upgrade`.
fn install(api: &Api, req: &Req<'_>, upgrade: bool) -> Result<Resp, Resp> {
    let id = body_id(req)?;
    check_plugin_id(&id)?;
    let plugins_dir = api.data.plugins_dir();
    let target = plugins_dir.join(&id);
    let is_installed = target.join("plugin-info").is_file();
    if upgrade && !is_installed {
        return Err(Resp::text(400, format!("plugin {id} is not installed: install it instead")));
    }
    if !upgrade && fs::symlink_metadata(&target).is_ok() {
        return Err(Resp::text(400, format!("plugin {id} is already installed: upgrade it instead")));
    }
    let db = read_db(&api.data)
        .map_err(internal)?
        .ok_or_else(|| Resp::text(400, "No plugins.db yet: run POST /0.2/pg_mgr/install/update first"))?;
    let entry = db.get(&id).and_then(Value::as_object).ok_or_else(|| {
        Resp::text(400, format!("plugin {id} is not in plugins.db (run install/update to refresh it)"))
    })?;
    let filename = entry
        .get("filename")
        .and_then(Value::as_str)
        .ok_or_else(|| Resp::text(400, format!("plugins.db: plugin {id} has no \"filename\"")))?
        .to_owned();
    let sha1 = entry
        .get("sha1sum")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| Resp::text(400, format!("plugins.db: plugin {id} has no \"sha1sum\"")))?
        .to_owned();
    let dsize = entry.get("dsize").and_then(Value::as_u64);
    let params = params(api)?;
    let server = plugin_server(&params).ok_or_else(|| Resp::text(400, NO_SERVER))?;
    let src = Source::join(&server, &filename).map_err(|e| Resp::text(400, format!("plugin {id}: {e}")))?;
    let fetcher = fetcher(api, &params).map_err(|e| Resp::text(400, e))?;
    let busy = Busy::plugin(&plugins_dir, &id)?;
    let (location, op) = api.ops.start(req.path, Some("install"));
    set(&op, |o| {
        o.state = State::Progress;
        o.subs.push(Operation::new(Some("download")));
    });
    let ctx = api.publisher.clone();
    let cache = api.data.root().join("cache").join(&filename);
    let what = if upgrade { "upgrade" } else { "install" };
    let cluster = api.cluster.clone();
    spawn(format!("provd-pg-{what}"), move || {
        let _busy = busy;
        let result = install_job(&ctx, &op, &id, &src, &cache, &sha1, dsize, &fetcher, upgrade);
        // Every node of a cluster installs what one installed.
        let result = result.and_then(|report| match &cluster {
            Some(c) => c
                .plugin_installed(&id, &cache)
                .map(|()| report)
                .map_err(|e| format!("installed on this node, but not handed on to the cluster: {e}")),
            None => Ok(report),
        });
        match result {
            Ok(report) => {
                let done = if upgrade { "upgraded" } else { "installed" };
                log::info!("plugin {id} {done}: {}", report.summary());
                set(&op, |o| o.state = State::Success)
            }
            Err(e) => fail(&op, &format!("plugin {what} {id}"), &e),
        }
    })?;
    Ok(Resp::empty(201).with_location(location))
}

#[allow(clippy::too_many_arguments)]
fn install_job(
    ctx: &Publisher,
    op: &Handle,
    id: &str,
    src: &Source,
    cache: &Path,
    sha1: &str,
    dsize: Option<u64>,
    fetcher: &Fetcher,
    upgrade: bool,
) -> Result<Report, String> {
    // The download: skipped when the cache already holds the right bytes.
    let cached = repo::sha1_file(cache).is_ok_and(|got| repo::check_sha1("", sha1, &got).is_ok());
    set(op, |o| o.subs[0].state = State::Progress);
    if !cached {
        fetcher.fetch(src, cache, Some(sha1), MAX_PLUGIN_BYTES, &mut |done, total| {
            set(op, |o| {
                o.subs[0].current = Some(done);
                o.subs[0].end = total.or(dsize);
            })
        })?;
    }
    set(op, |o| o.subs[0].state = State::Success);

    let plugins_dir = ctx.data().plugins_dir();
    let prepared = Prepared::new(&plugins_dir, id, cache)?;
    {
        let _no_compile = ctx.lock();
        prepared.put_in_place(upgrade)?;
    }
    ctx.publish_plugin(id).map_err(|e| e.to_string())
}

/// A plugin package extracted and checked in a staging directory, ready to
/// be put in place (see [`Prepared::put_in_place`]).
pub(crate) struct Prepared {
    staging: Staging,
    new: PathBuf,
    target: PathBuf,
    id: String,
}

impl Prepared {
    /// Extracts the tarball `package` of plugin `id` next to the plugins in
    /// `plugins_dir`, and checks that it is a plugin of that id that loads.
    pub(crate) fn new(plugins_dir: &Path, id: &str, package: &Path) -> Result<Prepared, String> {
        let staging = Staging::new(plugins_dir, id)?;
        let extracted = staging.path.join("new");
        repo::extract_tar(package, &extracted, Some(id), MAX_PLUGIN_BYTES)?;
        let new = extracted.join(id);
        let name = package.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !new.join("plugin-info").is_file() {
            return Err(format!("{name} has no {id}/plugin-info: not a plugin of id {id}"));
        }
        repo::check_plugin_links(&new, &name)?;
        provd_families::plugins::load(&new).map_err(|e| format!("{name}: {e}"))?;
        Ok(Prepared { staging, new, target: plugins_dir.join(id), id: id.to_owned() })
    }

    /// Puts the plugin in place: a new install, or an upgrade that keeps
    /// the old `var/`. The caller holds the publisher's lock (no compile
    /// reads the plugins directory meanwhile).
    pub(crate) fn put_in_place(self, upgrade: bool) -> Result<(), String> {
        let (target, new, id) = (&self.target, &self.new, &self.id);
        if upgrade {
            let old = self.staging.path.join("old");
            fs::rename(target, &old).map_err(|e| format!("cannot move {}: {e}", target.display()))?;
            let kept = merge_var(&old.join("var"), &new.join("var"), true);
            let swapped = kept.and_then(|()| {
                fs::rename(new, target)
                    .map_err(|e| format!("cannot move the new version into {}: {e}", target.display()))
            });
            if let Err(e) = swapped {
                // Put the old version back as it was.
                let _ = merge_var(&new.join("var"), &old.join("var"), true);
                let _ = fs::rename(&old, target);
                return Err(e);
            }
        } else {
            if fs::symlink_metadata(target).is_ok() {
                return Err(format!("plugin {id} was installed meanwhile"));
            }
            fs::rename(new, target).map_err(|e| format!("cannot move the plugin into {}: {e}", target.display()))?;
        }
        Ok(())
    }
}

/// A directory of the plugins directory for one operation (not scanned as
/// a plugin: its name starts with '.'); removed on drop.
pub(super) struct Staging {
    pub(super) path: PathBuf,
}

impl Staging {
    pub(super) fn new(plugins_dir: &Path, id: &str) -> Result<Staging, String> {
        // Left by a killed server: the busy key says no one uses them now.
        if let Ok(entries) = fs::read_dir(plugins_dir) {
            let prefix = format!(".{id}.staging-");
            for e in entries.flatten() {
                if e.file_name().to_str().is_some_and(|n| n.starts_with(&prefix)) {
                    let _ = fs::remove_dir_all(e.path());
                }
            }
        }
        let path = plugins_dir.join(format!(".{id}.staging-{}", uuid::Uuid::new_v4().simple()));
        fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Staging { path })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

/// Moves what `old` (a plugin's former `var/`) holds into `new` (the new
/// version's `var/`): entries only in `old` move over; for entries in both,
/// directories merge and the old file wins (the administrator's templates,
/// installed packages), except under `tftpboot/` where the new version's
/// shipped files win.
fn merge_var(old: &Path, new: &Path, old_wins: bool) -> Result<(), String> {
    let entries = match fs::read_dir(old) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(format!("cannot read {}: {e}", old.display())),
    };
    fs::create_dir_all(new).map_err(|e| format!("cannot create {}: {e}", new.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", old.display()))?;
        let from = entry.path();
        let to = new.join(entry.file_name());
        let from_dir = fs::symlink_metadata(&from).map(|m| m.is_dir()).unwrap_or(false);
        match fs::symlink_metadata(&to) {
            Err(_) => fs::rename(&from, &to).map_err(|e| format!("cannot move {}: {e}", from.display()))?,
            Ok(m) if m.is_dir() && from_dir => {
                let wins = old_wins && entry.file_name() != "tftpboot";
                merge_var(&from, &to, wins)?
            }
            Ok(m) => {
                if old_wins {
                    if m.is_dir() { fs::remove_dir_all(&to) } else { fs::remove_file(&to) }
                        .map_err(|e| format!("cannot replace {}: {e}", to.display()))?;
                    fs::rename(&from, &to).map_err(|e| format!("cannot move {}: {e}", from.display()))?;
                }
            }
        }
    }
    Ok(())
}

/// `install/uninstall`: keeps the custom templates aside, removes the
/// directory, reloads and compiles everything (its files stop being
/// served, its devices become unconfigured).
fn uninstall(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    let id = body_id(req)?;
    check_plugin_id(&id)?;
    let plugins_dir = api.data.plugins_dir();
    let dir = plugins_dir.join(&id);
    if !dir.join("plugin-info").is_file() {
        return Err(Resp::text(400, format!("plugin {id} is not installed")));
    }
    let _busy = Busy::plugin(&plugins_dir, &id)?;
    // In a cluster the uninstall is every node's: refused while the
    // database cannot be told.
    if let Some(c) = &api.cluster
        && !c.is_up()
    {
        return Err(Resp::text(503, "PostgreSQL is unavailable: the plugin was not uninstalled"));
    }
    let kept = {
        let _no_compile = api.publisher.lock();
        remove_installed(&api.data, &id).map_err(internal)?
    };
    if let Some(c) = &api.cluster {
        c.plugin_removed(&id)
            .map_err(|e| internal(format!("uninstalled on this node, but not handed on to the cluster: {e}")))?;
    }
    for b in api.publisher.reload_plugins() {
        log::info!("plugins: {b}");
    }
    api.compile(Scope::All)?;
    // wazo-provd deletes custom templates with the plugin; we say where they are.
    Ok(match kept {
        Some(path) => Resp::empty(204).with_header("X-Provd-Kept-Templates", path.display().to_string()),
        None => Resp::empty(204),
    })
}

/// Removes installed plugin `id`, keeping its custom templates aside
/// (returns where). The caller holds the publisher's lock, then reloads
/// the plugins and compiles.
pub(crate) fn remove_installed(data: &DataDir, id: &str) -> Result<Option<PathBuf>, String> {
    let plugins_dir = data.plugins_dir();
    let dir = plugins_dir.join(id);
    let kept = keep_templates(data, id, &dir)?;
    let staging = Staging::new(&plugins_dir, id)?;
    fs::rename(&dir, staging.path.join("old")).map_err(|e| format!("cannot remove {}: {e}", dir.display()))?;
    if let Some(path) = &kept {
        log::info!("kept custom templates of {id} in {}", path.display());
    }
    Ok(kept)
}

/// Copies `var/templates` to `<data>/uninstalled-templates/<id>-<unix
/// time>/` when it holds any file; returns where.
fn keep_templates(data: &DataDir, id: &str, dir: &Path) -> Result<Option<PathBuf>, String> {
    let templates = dir.join("var").join("templates");
    if !has_files(&templates) {
        return Ok(None);
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let base = data.root().join("uninstalled-templates");
    let mut dest = base.join(format!("{id}-{now}"));
    let mut n = 1;
    while dest.exists() {
        n += 1;
        dest = base.join(format!("{id}-{now}-{n}"));
    }
    copy_tree(&templates, &dest)?;
    Ok(Some(dest))
}

fn has_files(dir: &Path) -> bool {
    fs::read_dir(dir).into_iter().flatten().flatten().any(|e| {
        let p = e.path();
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => has_files(&p),
            Ok(_) => e.file_name() != ".gitkeep",
            Err(_) => false,
        }
    })
}

/// Copies a directory tree (symlinks are copied as links).
pub(super) fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    fs::create_dir_all(to).map_err(|e| format!("cannot create {}: {e}", to.display()))?;
    for entry in fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))? {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let meta = fs::symlink_metadata(&src).map_err(|e| format!("{}: {e}", src.display()))?;
        if meta.file_type().is_symlink() {
            let target = fs::read_link(&src).map_err(|e| format!("{}: {e}", src.display()))?;
            std::os::unix::fs::symlink(target, &dst).map_err(|e| format!("cannot create {}: {e}", dst.display()))?;
        } else if meta.is_dir() {
            copy_tree(&src, &dst)?;
        } else {
            fs::copy(&src, &dst).map_err(|e| format!("cannot copy {} to {}: {e}", src.display(), dst.display()))?;
        }
    }
    Ok(())
}

/// `reload`: rereads the plugin and compiles its devices.
fn reload(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    let id = body_id(req)?;
    let broken = api.publisher.reload_plugins();
    if !api.publisher.plugins().get().iter().any(|p| p.id == id) {
        return Err(match broken.iter().find(|b| b.contains(id.as_str())) {
            Some(why) => Resp::text(400, format!("plugin {id} does not load: {why}")),
            None => Resp::text(400, format!("plugin {id} is not installed")),
        });
    }
    api.compile(Scope::Plugin(id))?;
    Ok(Resp::empty(204))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localization_as_wazo_provd() {
        let info = || {
            json!({"description": "Phones", "description_fr": "Téléphones", "description_de_AT": "Telefone", "version": "1"})
                .as_object()
                .unwrap()
                .clone()
        };
        let mut i = info();
        localize(&None, &mut i);
        assert_eq!(Value::Object(i), json!({"description": "Phones", "version": "1"}));
        let mut i = info();
        localize(&Some("fr_FR".into()), &mut i);
        assert_eq!(Value::Object(i), json!({"description": "Téléphones", "version": "1"}));
        let mut i = info();
        localize(&Some("de_AT".into()), &mut i);
        assert_eq!(i["description"], "Telefone");
        let mut i = info();
        localize(&Some("es".into()), &mut i);
        assert_eq!(i["description"], "Phones");
    }

    #[test]
    fn upgrades_keep_the_old_var() {
        let dir = tempfile::tempdir().unwrap();
        let (old, new) = (dir.path().join("old"), dir.path().join("new"));
        for (root, files) in [
            (
                &old,
                &[
                    ("templates/T46S.tpl", "custom"),
                    ("tftpboot/shipped.xml", "v1"),
                    ("tftpboot/firmware/x.rom", "fw"),
                    ("installed/installed.json", "{}"),
                ][..],
            ),
            (&new, &[("templates/.gitkeep", ""), ("tftpboot/shipped.xml", "v2"), ("tftpboot/new.xml", "v2")][..]),
        ] {
            for (rel, text) in files {
                let p = root.join(rel);
                fs::create_dir_all(p.parent().unwrap()).unwrap();
                fs::write(p, text).unwrap();
            }
        }
        merge_var(&old, &new, true).unwrap();
        let read = |rel: &str| fs::read_to_string(new.join(rel)).unwrap();
        assert_eq!(read("templates/T46S.tpl"), "custom");
        assert_eq!(read("tftpboot/shipped.xml"), "v2", "shipped static files are the new version's");
        assert_eq!(read("tftpboot/new.xml"), "v2");
        assert_eq!(read("tftpboot/firmware/x.rom"), "fw", "installed packages survive");
        assert_eq!(read("installed/installed.json"), "{}");
        assert!(has_files(&new.join("templates")));
        fs::remove_file(new.join("templates/T46S.tpl")).unwrap();
        assert!(!has_files(&new.join("templates")), ".gitkeep is not a template");
    }

    #[test]
    fn one_operation_per_key() {
        let a = Busy::take("test:a".into()).unwrap();
        assert!(Busy::take("test:a".into()).is_none());
        let b = Busy::take("test:b".into());
        assert!(b.is_some());
        drop(a);
        assert!(Busy::take("test:a".into()).is_some());
    }
}
