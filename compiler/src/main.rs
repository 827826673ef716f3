//! `provd-compile`: render devices' files and publish them as a new
//! generation of the store.

// Rendering allocates a great deal on every core; mimalloc measured 30%
// faster than the system allocator on the compile benchmark.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::path::{Component, Path, PathBuf};
use std::process::ExitCode;

use clap::Parser;
use provd_compiler::compile::{ChangeKind, Options, Scope};
use provd_compiler::import;
use provd_compiler::publish::Publisher;
use provd_core::{Device, Mac};
use provd_store::data::{DataDir, base_raw_config_for};
use provd_store::{Index, Owner};

/// Render phones' configuration files and publish them atomically.
///
/// Exit status: 0 when a generation was published (or a dry run found no
/// error), 1 when devices failed and nothing was published, 2 for usage
/// or setup errors, 3 when --keep-going published despite failures.
#[derive(Parser, Debug)]
#[command(name = "provd-compile", version)]
struct Args {
    /// Data directory (LMDB store and installed plugins); bootstrapped if empty.
    #[arg(long, default_value = "data", value_name = "DIR")]
    data: PathBuf,
    /// Only the devices of this plugin (and its shared files).
    #[arg(long, value_name = "ID", group = "scope")]
    plugin: Option<String>,
    /// Only this device.
    #[arg(long, value_name = "ID", group = "scope")]
    device: Option<String>,
    /// Only the device with this MAC (any usual form).
    #[arg(long, value_name = "MAC", group = "scope")]
    mac: Option<String>,
    /// Only the devices using this config or a config inheriting from it.
    #[arg(long, value_name = "ID", group = "scope")]
    config: Option<String>,
    /// List the files that would change; publish nothing.
    #[arg(long)]
    dry_run: bool,
    /// With --dry-run: print a unified diff per changed file.
    #[arg(long, requires = "dry_run")]
    diff: bool,
    /// Publish what rendered even when some devices fail (they keep their previous files).
    #[arg(long)]
    keep_going: bool,
    /// Render every device in scope, even those whose inputs (device, config,
    /// plugin, templates) did not change since they were last rendered.
    #[arg(long)]
    force: bool,
    /// Import a wazo-provd jsondb directory (devices/, configs/) first, then compile everything.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["show", "export"])]
    import_wazo_jsondb: Option<PathBuf>,
    /// Set the URL phones reach provd at (base raw config: ip, http_port, http_base_url), then compile.
    #[arg(long, value_name = "URL")]
    advertised_url: Option<String>,
    /// Print a device's served files and their contents, then exit.
    #[arg(long, value_name = "MAC|ID", conflicts_with_all = ["export", "dry_run"])]
    show: Option<String>,
    /// Write every served file of the current generation under DIR/<plugin>/..., then exit.
    /// The files hold SIP passwords: they are written mode 0600, and the
    /// directories created for them mode 0700.
    #[arg(long, value_name = "DIR", conflicts_with = "dry_run")]
    export: Option<PathBuf>,
    /// List every device left unconfigured, and why.
    #[arg(short, long)]
    verbose: bool,
    /// Cluster mode: once this compile succeeds, make the cluster's custom
    /// templates this node's (`var/templates` of every plugin), so that
    /// every node renders them. Same URL as provd-server's --postgres.
    #[arg(long, value_name = "URL", conflicts_with_all = ["dry_run", "import_wazo_jsondb", "show", "export"])]
    postgres: Option<String>,
    /// With --postgres: a PEM bundle of the CAs the database's certificate
    /// must chain to.
    #[arg(long, value_name = "PEM", requires = "postgres")]
    postgres_ca: Option<PathBuf>,
}

fn main() -> ExitCode {
    provd_compiler::allocator::tune_for_compile();
    let args = Args::parse();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("provd-compile: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (data, boot) = DataDir::open(&args.data)?;
    if !boot.plugins_installed.is_empty() {
        eprintln!("installed bundled plugins: {}", boot.plugins_installed.join(", "));
    }
    if !boot.configs_created.is_empty() {
        eprintln!("created configs: {}", boot.configs_created.join(", "));
    }
    if let Some(target) = &args.show {
        return show(&data, target);
    }
    if let Some(dir) = &args.export {
        return export(&data, dir);
    }

    let mut scope = if let Some(p) = &args.plugin {
        Scope::Plugin(p.clone())
    } else if let Some(d) = &args.device {
        Scope::Device(d.clone())
    } else if let Some(m) = &args.mac {
        Scope::Mac(Mac::parse(m)?)
    } else if let Some(c) = &args.config {
        Scope::Config(c.clone())
    } else {
        Scope::All
    };

    if let Some(url) = &args.advertised_url {
        let store = data.store();
        let mut w = store.write_txn()?;
        let mut base = store.base_raw_config(&w)?.unwrap_or_default();
        let tftp_port = base.get("tftp_port").and_then(|v| v.as_u64()).unwrap_or(69) as u16;
        base.extend(base_raw_config_for(url, tftp_port)?);
        store.set_base_raw_config(&mut w, &base)?;
        w.commit()?;
        scope = Scope::All;
    }

    if let Some(path) = &args.import_wazo_jsondb {
        let r = import::import_wazo_jsondb(data.store(), path)?;
        for (p, why) in &r.refused {
            eprintln!("refused: {}: {why}", p.display());
        }
        eprintln!("imported {} devices and {} configs, refused {}", r.devices, r.configs, r.refused.len());
        scope = Scope::All;
    }

    let (plugins, _) = provd_families::plugins::scan(&data.plugins_dir())?;
    let publisher = Publisher::new(data, plugins);
    let opts = Options {
        scope: scope.clone(),
        dry_run: args.dry_run,
        keep_going: args.keep_going,
        diff: args.diff,
        progress: std::io::stderr().is_terminal(),
        force: args.force,
    };
    let report = publisher.publish(&opts)?;

    let mut out = std::io::stdout().lock();
    if args.dry_run {
        for c in &report.changes {
            let kind = match c.kind {
                ChangeKind::Created => "new",
                ChangeKind::Updated => "changed",
                ChangeKind::Removed => "removed",
            };
            writeln!(out, "{kind:8} {}", c.key)?;
            if let Some(d) = &c.diff {
                write!(out, "{d}")?;
            }
        }
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for f in &report.failures {
        eprintln!("error: {f}");
    }
    if !report.unconfigured.is_empty() {
        if args.verbose {
            for (id, why) in &report.unconfigured {
                eprintln!("not configured: device {id}: {why}");
            }
        } else {
            eprintln!("{} devices not configured (use -v to list them)", report.unconfigured.len());
        }
    }
    writeln!(out, "{}", report.summary())?;
    if args.verbose {
        let phases: Vec<String> = report.phases.iter().map(|(n, d)| format!("{n} {:.3}s", d.as_secs_f64())).collect();
        eprintln!("time: {}", phases.join(", "));
    }
    // The process exits next: leave the memory to the system rather than
    // free it piece by piece. Closing the store would free every page LMDB
    // allocated for the write transaction, one by one (0.2 s after a
    // 100k-device compile); it has nothing else to do, as the commit is
    // durable and no read transaction is left holding a reader slot.
    let data = publisher.data().clone();
    std::mem::forget(publisher);
    if let Some(url) = &args.postgres {
        if !report.failures.is_empty() {
            eprintln!("templates not handed on to the cluster: this compile failed (fix the templates first)");
            return Ok(ExitCode::FAILURE);
        }
        push_templates(url, args.postgres_ca.as_deref(), &data)?;
    }
    Ok(match (report.generation.is_some(), report.failures.is_empty()) {
        (_, true) => ExitCode::SUCCESS,
        (true, false) => ExitCode::from(3),
        (false, false) => ExitCode::FAILURE,
    })
}

/// Makes the cluster's custom templates this node's (see `--postgres`).
fn push_templates(url: &str, ca: Option<&Path>, data: &DataDir) -> anyhow::Result<()> {
    let ca =
        ca.map(|p| std::fs::read(p).map_err(|e| anyhow::anyhow!("--postgres-ca {}: {e}", p.display()))).transpose()?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    let origin = format!("provd-compile@{}", host.trim());
    let pool = provd_cluster::Pool::new(url, ca.as_deref(), &origin)?;
    let mut client = pool.get()?;
    provd_cluster::schema::migrate(&mut client)?;
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&provd_cluster::schema::LOCK_WRITE])?;
    if tx.query_opt("SELECT id FROM provd_cluster", &[])?.is_none() {
        anyhow::bail!("--postgres: no cluster in this database yet: start a provd-server with --postgres first");
    }
    let (records, skipped) = provd_cluster::templates::push(&mut tx, &origin, &data.plugins_dir())?;
    tx.commit()?;
    for s in skipped {
        eprintln!("warning: template not handed on: {s}");
    }
    for (key, doc) in &records {
        eprintln!("cluster: template {} {}", key.id(), if doc.is_some() { "written" } else { "removed" });
    }
    eprintln!("cluster: {} custom templates changed", records.len());
    Ok(())
}

fn find_device(data: &DataDir, target: &str) -> anyhow::Result<Device> {
    let store = data.store();
    let r = store.read_txn()?;
    if let Some(d) = store.device(&r, target)? {
        return Ok(d);
    }
    if let Ok(mac) = Mac::parse(target)
        && let Some(id) = store.device_ids_by(&r, Index::Mac, &mac.to_string())?.first()
        && let Some(d) = store.device(&r, id)?
    {
        return Ok(d);
    }
    anyhow::bail!("no device with id or MAC {target:?}")
}

fn show(data: &DataDir, target: &str) -> anyhow::Result<ExitCode> {
    let device = find_device(data, target)?;
    let store = data.store();
    let r = store.read_txn()?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "# device {}", serde_json::to_string(&device)?)?;
    let keys = store.owned_routes(&r, &Owner::device(&device.id))?;
    if keys.is_empty() {
        writeln!(out, "# no files served (configured: {})", device.configured)?;
    }
    for key in keys {
        let Some(route) = store.route(&r, &key)? else { continue };
        let etag = route.etag();
        writeln!(out, "==> {key} ({} bytes, ETag {}) <==", route.len(), String::from_utf8_lossy(&etag))?;
        out.write_all(store.content(&r, &route)?)?;
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A relative path with no `..`, root or prefix: safe to join under a directory.
fn safe_relative(key: &str) -> Option<&Path> {
    let p = Path::new(key);
    p.components().all(|c| matches!(c, Component::Normal(_))).then_some(p)
}

fn export(data: &DataDir, dir: &Path) -> anyhow::Result<ExitCode> {
    let store = data.store();
    let r = store.read_txn()?;
    let generation = store.generation(&r)?;
    let mut count = 0u64;
    for entry in store.routes(&r, "")? {
        let (key, route) = entry?;
        let Some(rel) = safe_relative(key) else {
            eprintln!("skipped unsafe path {key:?}");
            continue;
        };
        let path = dir.join(rel);
        private_dirs(path.parent().unwrap())?;
        write_private(&path, store.content(&r, &route)?)?;
        count += 1;
    }
    println!("exported {count} files of generation {generation} to {}", dir.display());
    Ok(ExitCode::SUCCESS)
}

/// Creates `dir` and its missing parents, each mode 0700 (directories that
/// exist are left as they are).
fn private_dirs(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

/// Writes `bytes` to `path`, mode 0600 (also when it existed with another).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    f.write_all(bytes)
}
