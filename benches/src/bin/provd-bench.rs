//! Compile benchmark harness: generates a fleet, imports it, and measures in
//! one run, on the same data: a full compile and publish, a no-op recompile
//! (devices skipped as unchanged), a recompile rendering every device again,
//! the raw store-write time of the same bytes (the ceiling), one-device
//! reconfigures, and Python Jinja2 rendering the same templates with the same
//! contexts and writing one file per device (wazo-provd's cost).

// Rendering allocates a great deal on every core; mimalloc measured 30%
// faster than the system allocator on the compile benchmark.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use provd_benches::{fleet, rest_writes};
use provd_compiler::compile::{self, Options, Scope};
use provd_compiler::import::import_wazo_jsondb;
use provd_compiler::render::{DeviceRender, PreparedSource};
use provd_store::Owner;
use provd_store::data::DataDir;

#[derive(Parser)]
#[command(name = "provd-bench")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Write a wazo-provd jsondb fleet (devices/ and configs/).
    Fleet {
        #[arg(long)]
        devices: usize,
        #[arg(long)]
        out: PathBuf,
        /// Plugins whose models the fleet uses (default: the bundled ones).
        #[arg(long)]
        plugins: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// The compile benchmark (see the crate docs). Prints a table and a JSON line.
    Compile {
        #[arg(long)]
        devices: usize,
        #[arg(long, default_value_t = 3)]
        runs: usize,
        #[arg(long, default_value = "/tmp/provd-bench")]
        workdir: PathBuf,
        /// One-device reconfigures to time.
        #[arg(long, default_value_t = 50)]
        reconfigures: usize,
        /// Skip the Python Jinja2 side.
        #[arg(long)]
        no_python: bool,
    },
    /// Where a device's render time goes: every device of a data directory
    /// rendered on one thread, each step timed (flatten, validate and
    /// defaults, family values, template lookup, template render, hash).
    Phases {
        #[arg(long)]
        data: PathBuf,
        /// Render the fleet this many times (the first warms the caches).
        #[arg(long, default_value_t = 2)]
        passes: usize,
    },
    /// Set one runtime parameter (as the REST API's /params would), e.g. `NAT 1`.
    SetParam {
        #[arg(long)]
        data: PathBuf,
        name: String,
        value: String,
    },
    /// From a jsondb fleet: one line per device, `User-Agent<TAB>path<TAB>plugin`,
    /// the UA in the vendor's format and the path of the device's own file.
    HttpTargets {
        #[arg(long)]
        jsondb: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// REST write latency against a running provd-server: config POST,
    /// config PUT of a config one device uses, device POST; each kind
    /// sequentially then from --clients concurrent clients. Prints a table
    /// and one JSON line per phase (kind, clients); exits 1 on any error.
    RestWrites {
        /// The API's base URL, e.g. http://127.0.0.1:8666/0.2
        #[arg(long)]
        api: String,
        /// A file holding the API token (none: --api-no-auth).
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// Comma-separated kinds: config_post, config_put, device_post.
        #[arg(long, default_value = "config_post,config_put,device_post", value_parser = parse_kinds)]
        kinds: Kinds,
        /// Sequential calls per kind.
        #[arg(long, default_value_t = 50)]
        calls: usize,
        /// Calls per kind shared by the concurrent clients.
        #[arg(long, default_value_t = 80)]
        concurrent_calls: usize,
        #[arg(long, default_value_t = 8)]
        clients: usize,
        /// No new call starts this many seconds into a phase.
        #[arg(long, default_value_t = 60.0)]
        max_phase_seconds: f64,
        /// The plugin, vendor, model and version of the devices created.
        #[arg(long, default_value = "wazo-yealink-v86")]
        plugin: String,
        #[arg(long, default_value = "Yealink")]
        vendor: String,
        #[arg(long, default_value = "T46S")]
        model: String,
        #[arg(long, default_value = "86.86.0.15")]
        version: String,
        /// JSON object merged into every JSON line (e.g. {"devices":10000}).
        #[arg(long, default_value = "{}")]
        tags: String,
    },
}

#[derive(Clone)]
struct Kinds(Vec<rest_writes::Kind>);

fn parse_kinds(s: &str) -> Result<Kinds, String> {
    rest_writes::parse_kinds(s).map(Kinds)
}

fn main() -> anyhow::Result<()> {
    // As provd-compile does.
    provd_compiler::allocator::tune_for_compile();
    match Cli::parse().cmd {
        Cmd::Fleet { devices, out, plugins, seed } => {
            let plugins = match plugins {
                Some(p) => p,
                None => bundled_plugins_dir()?,
            };
            let n = fleet::write_jsondb(&out, devices, &plugins, seed)?;
            println!("wrote {n} devices to {}", out.display());
            Ok(())
        }
        Cmd::Compile { devices, runs, workdir, reconfigures, no_python } => {
            bench_compile(devices, runs, &workdir, reconfigures, !no_python)
        }
        Cmd::Phases { data, passes } => phases(&data, passes),
        Cmd::SetParam { data, name, value } => {
            let (data, _) = DataDir::open(&data)?;
            let store = data.store();
            let mut w = store.write_txn()?;
            let mut params = store.params(&w)?;
            params.insert(name, serde_json::Value::from(value));
            store.set_params(&mut w, &params)?;
            w.commit()?;
            println!("params: {}", serde_json::Value::Object(params));
            Ok(())
        }
        Cmd::HttpTargets { jsondb, out } => {
            let n = fleet::write_http_targets(&jsondb, &out)?;
            println!("wrote {n} targets to {}", out.display());
            Ok(())
        }
        Cmd::RestWrites {
            api,
            token_file,
            kinds,
            calls,
            concurrent_calls,
            clients,
            max_phase_seconds,
            plugin,
            vendor,
            model,
            version,
            tags,
        } => {
            let token = match token_file {
                Some(f) => {
                    Some(std::fs::read_to_string(&f).with_context(|| f.display().to_string())?.trim().to_owned())
                }
                None => None,
            };
            let tags: serde_json::Value = serde_json::from_str(&tags).context("--tags")?;
            anyhow::ensure!(tags.is_object(), "--tags: a JSON object");
            let nonce = (std::process::id() ^ chrono::Utc::now().timestamp_subsec_nanos()) & 0x7fff_ffff;
            let settings = rest_writes::Settings {
                api,
                token,
                calls,
                concurrent_calls,
                clients: clients.max(1),
                max_phase: Duration::from_secs_f64(max_phase_seconds),
                plugin,
                vendor,
                model,
                version,
                oui: [0x80, 0x5e, 0xc0],
                nonce,
            };
            println!("| kind | clients | calls | errors | p50 ms | p95 ms | p99 ms | max ms | writes/s |");
            println!("|---|---|---|---|---|---|---|---|---|");
            let mut lines = Vec::new();
            let errors = rest_writes::run(&settings, &kinds.0, |p| {
                let j = p.to_json();
                println!(
                    "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} |",
                    j["kind"].as_str().unwrap_or(""),
                    j["clients"],
                    j["calls"],
                    j["errors"],
                    j["p50_ms"],
                    j["p95_ms"],
                    j["p99_ms"],
                    j["max_ms"],
                    p.writes_per_s()
                );
                let mut j = j;
                if let (Some(o), Some(t)) = (j.as_object_mut(), tags.as_object()) {
                    o.extend(t.clone());
                }
                lines.push(j);
            })?;
            for j in lines {
                println!("{j}");
            }
            if errors > 0 {
                eprintln!("rest-writes: {errors} failed calls");
                std::process::exit(1);
            }
            Ok(())
        }
    }
}

/// A scratch data directory bootstraps the bundled plugins: use those.
fn bundled_plugins_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("provd-bench-plugins-{}", std::process::id()));
    let (data, _) = DataDir::open(&dir)?;
    Ok(data.plugins_dir())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn percentile(mut v: Vec<Duration>, p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    let status = Command::new("cp").arg("-a").arg(from).arg(to).status()?;
    anyhow::ensure!(status.success(), "cp -a {} {}", from.display(), to.display());
    settle();
    Ok(())
}

/// Flushes dirty pages left by the previous step, so that a timed step does
/// not pay for another's writeback (the machine's disk is the slowest part).
fn settle() {
    let _ = Command::new("sync").status();
}

fn bench_compile(n: usize, runs: usize, work: &Path, reconfigures: usize, python: bool) -> anyhow::Result<()> {
    let _ = std::fs::remove_dir_all(work);
    std::fs::create_dir_all(work)?;
    let base = work.join("base");
    let (data, _) = DataDir::open(&base)?;
    let jsondb = work.join("jsondb");
    fleet::write_jsondb(&jsondb, n, &data.plugins_dir(), 1)?;
    let t = Instant::now();
    let imported = import_wazo_jsondb(data.store(), &jsondb)?;
    let import_time = t.elapsed();
    anyhow::ensure!(imported.refused.is_empty(), "refused: {:?}", &imported.refused[..imported.refused.len().min(3)]);
    drop(data);
    eprintln!("fleet of {n} devices imported in {import_time:.2?}");

    // The bytes the compile will write, rendered beforehand for the ceiling.
    let (data, _) = DataDir::open(&base)?;
    let (renderer, _) = compile::renderer(&data, &Scope::All)?;
    let r = data.store().read_txn()?;
    let devices: Vec<_> = data.store().devices(&r)?.collect::<Result<_, _>>()?;
    drop(r);
    let mut rendered = Vec::with_capacity(devices.len());
    for d in &devices {
        if let DeviceRender::Configured { files, .. } = renderer.render_device(d) {
            rendered.push((Owner::device(&d.id), files));
        }
    }
    drop((renderer, data));
    let bytes: usize = rendered.iter().flat_map(|(_, f)| f).map(|f| f.bytes.len()).sum();
    let files: usize = rendered.iter().map(|(_, f)| f.len()).sum();

    // Each run: the ceiling (the same bytes written to a fresh copy of the
    // store, nothing rendered), then the full compile and publish from
    // another fresh copy, then a no-op recompile. Side by side, so a slow
    // disk moment hits both.
    let (mut full, mut noop, mut ceiling, mut ratios) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut forced = Vec::new();
    let mut last_report = None;
    for run in 0..runs {
        let dir = work.join(format!("ceiling{run}"));
        copy_dir(&base, &dir)?;
        let (cdata, _) = DataDir::open(&dir)?;
        let store = cdata.store();
        let t = Instant::now();
        let mut w = store.write_txn()?;
        let mut fw = store.file_writer(&mut w, 1)?;
        for (owner, files) in &rendered {
            for f in files {
                fw.put_hashed(&f.key, owner, &f.bytes, &f.hash)?;
            }
        }
        fw.finish()?;
        store.bump_generation(&mut w)?;
        w.commit()?;
        ceiling.push(t.elapsed());
        drop(cdata);
        std::fs::remove_dir_all(&dir)?;

        let dir = work.join(format!("run{run}"));
        copy_dir(&base, &dir)?;
        let (data, _) = DataDir::open(&dir)?;
        let t = Instant::now();
        let (renderer, _) = compile::renderer(&data, &Scope::All)?;
        let report = compile::compile(&data, &renderer, &Options::default())?;
        full.push(t.elapsed());
        anyhow::ensure!(report.failures.is_empty(), "{}", report.failures[0]);
        settle();
        let t = Instant::now();
        let (renderer, _) = compile::renderer(&data, &Scope::All)?;
        let again = compile::compile(&data, &renderer, &Options::default())?;
        noop.push(t.elapsed());
        anyhow::ensure!(again.files_changed() == 0);
        // The same with every device rendered again (--force): what a
        // compile costs when every device's inputs changed but not its files.
        settle();
        let t = Instant::now();
        let (renderer, _) = compile::renderer(&data, &Scope::All)?;
        let again = compile::compile(&data, &renderer, &Options { force: true, ..Default::default() })?;
        forced.push(t.elapsed());
        anyhow::ensure!(again.files_changed() == 0 && again.unchanged == 0);
        ratios.push(full[run].as_secs_f64() / ceiling[run].as_secs_f64());
        eprintln!(
            "run {run}: ceiling {:.2?}, full {:.2?} ({:.2}x), no-op {:.2?}, forced {:.2?}",
            ceiling[run], full[run], ratios[run], noop[run], forced[run]
        );
        last_report = Some(report);
        drop(data);
        if run + 1 < runs {
            std::fs::remove_dir_all(&dir)?;
        }
        settle();
    }
    let report = last_report.unwrap();
    drop(rendered);
    let (data, _) = DataDir::open(&work.join(format!("run{}", runs - 1)))?;
    let (renderer, _) = compile::renderer(&data, &Scope::All)?;

    // One-device reconfigure: config edited, then compile --device until committed.
    let store = data.store();
    let mut reconf = Vec::new();
    // The edit changes line 1's display name, which Cisco SCCP phones (no
    // SIP lines) do not show: their files would not change.
    let sip: Vec<_> = devices.iter().filter(|d| !d.plugin.as_deref().unwrap_or_default().contains("sccp")).collect();
    for i in 0..reconfigures.min(sip.len()) {
        let d = sip[i * sip.len() / reconfigures.max(1)];
        let cid = d.config.clone().context("device without config")?;
        let mut w = store.write_txn()?;
        let mut c = store.config(&w, &cid)?.context("config")?;
        c.raw_config.insert("X_bench_revision".into(), serde_json::Value::from(i));
        if let Some(line) = c.raw_config.get_mut("sip_lines").and_then(|l| l.get_mut("1")) {
            line["display_name"] = serde_json::Value::from(format!("Reconfigured {i}"));
        }
        store.put_config(&mut w, &c)?;
        w.commit()?;
        let scope = Scope::Device(d.id.clone());
        let t = Instant::now();
        let (renderer, _) = compile::renderer(&data, &scope)?;
        let r = compile::compile(&data, &renderer, &Options { scope, ..Default::default() })?;
        reconf.push(t.elapsed());
        anyhow::ensure!(r.generation.is_some() && r.updated >= 1, "reconfigure changed nothing: {}", r.summary());
    }

    // Python Jinja2: same templates, same contexts.
    let mut py = Vec::new();
    if python {
        let jobs = work.join("contexts.jsonl");
        let mut out = std::io::BufWriter::new(std::fs::File::create(&jobs)?);
        for d in &devices {
            let Ok(prep) = renderer.prepare_device(d) else { continue };
            for f in &prep.files {
                if let PreparedSource::Template(name) = &f.source {
                    let job = serde_json::json!({
                        "plugin_dir": prep.plugin.plugin.dir,
                        "template": name,
                        "out": format!("{}/{}", prep.plugin.plugin.id, f.path),
                        "ctx": prep.context,
                    });
                    serde_json::to_writer(&mut out, &job)?;
                    out.write_all(b"\n")?;
                }
            }
        }
        out.flush()?;
        drop(out);
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/compare/jinja_pipeline.py");
        for run in 0..runs {
            settle();
            let outdir = work.join(format!("python{run}"));
            let o = Command::new("python3").arg(script).arg(&jobs).arg(&outdir).output()?;
            anyhow::ensure!(o.status.success(), "python: {}", String::from_utf8_lossy(&o.stderr));
            let v: serde_json::Value = serde_json::from_slice(&o.stdout)?;
            py.push(Duration::from_secs_f64(v["seconds"].as_f64().unwrap_or(0.0)));
            std::fs::remove_dir_all(&outdir)?;
            eprintln!("python run {run}: {:.2?}", py[run]);
        }
    }

    let full_m = median(full.clone());
    let ceil_m = median(ceiling.clone());
    let runs_of = |v: &[Duration]| v.iter().map(|d| format!("{:.2}", d.as_secs_f64())).collect::<Vec<_>>().join(" ");
    let fps = |d: Duration| files as f64 / d.as_secs_f64();
    println!(
        "compile benchmark: {n} devices, {files} files, {:.1} MiB, {} blobs, median of {runs} runs",
        bytes as f64 / (1 << 20) as f64,
        report.blobs_written
    );
    println!("| measure | median | files/s | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| full compile + publish (provd) | {:.3}s | {:.0} | {:.2}x ceiling |",
        full_m.as_secs_f64(),
        fps(full_m),
        full_m.as_secs_f64() / ceil_m.as_secs_f64()
    );
    println!(
        "| raw store write of the same bytes (ceiling) | {:.3}s | {:.0} | 1.00x |",
        ceil_m.as_secs_f64(),
        fps(ceil_m)
    );
    println!(
        "| no-op recompile (nothing changed) | {:.3}s | {:.0} | |",
        median(noop.clone()).as_secs_f64(),
        fps(median(noop.clone()))
    );
    println!(
        "| recompile rendering every device (--force, nothing changed) | {:.3}s | {:.0} | |",
        median(forced.clone()).as_secs_f64(),
        fps(median(forced.clone()))
    );
    if !py.is_empty() {
        let py_m = median(py.clone());
        println!(
            "| Python Jinja2 render + atomic file write | {:.3}s | {:.0} | provd {:.1}x faster |",
            py_m.as_secs_f64(),
            fps(py_m),
            py_m.as_secs_f64() / full_m.as_secs_f64()
        );
    }
    if !reconf.is_empty() {
        println!(
            "| one-device reconfigure until published (p50 / p95 of {}) | {:.2}ms / {:.2}ms | | |",
            reconf.len(),
            median(reconf.clone()).as_secs_f64() * 1e3,
            percentile(reconf.clone(), 0.95).as_secs_f64() * 1e3
        );
    }
    println!("| import of the jsondb (once) | {:.3}s | | |", import_time.as_secs_f64());
    println!();
    println!(
        "every run (s): full [{}], ceiling [{}], no-op [{}], forced [{}], python [{}]",
        runs_of(&full),
        runs_of(&ceiling),
        runs_of(&noop),
        runs_of(&forced),
        runs_of(&py)
    );
    Ok(())
}

/// Single-threaded, step by step: where one device's render time goes.
/// Wall-clock laps: on a shared machine, compare shares, not microseconds.
fn phases(dir: &Path, passes: usize) -> anyhow::Result<()> {
    use provd_compiler::render::context::context_with_markup;
    let (data, _) = DataDir::open(dir)?;
    let t = Instant::now();
    let (renderer, _) = compile::renderer(&data, &Scope::All)?;
    let load = t.elapsed();
    let r = data.store().read_txn()?;
    let t = Instant::now();
    let devices: Vec<_> = data.store().devices(&r)?.collect::<Result<_, _>>()?;
    let decode = t.elapsed();
    drop(r);
    // The template each file resolves to, looked up beforehand (not timed).
    let names: Vec<Vec<String>> = devices
        .iter()
        .map(|d| {
            let Ok(p) = renderer.prepare_device(d) else { return Vec::new() };
            p.files
                .into_iter()
                .filter_map(|f| match f.source {
                    PreparedSource::Template(n) => Some(n),
                    PreparedSource::Bytes(_) => None,
                })
                .collect()
        })
        .collect();
    const STEPS: [&str; 7] = [
        "input fingerprint",
        "flatten",
        "validate + defaults",
        "family values",
        "context + render",
        "encode + hash",
        "drop",
    ];
    let mut total = [Duration::ZERO; STEPS.len()];
    let mut bytes = 0usize;
    let mut by_plugin: std::collections::BTreeMap<String, (usize, Duration, usize)> = Default::default();
    for pass in 0..passes.max(1) {
        total = [Duration::ZERO; STEPS.len()];
        bytes = 0;
        by_plugin.clear();
        for (d, names) in devices.iter().zip(&names) {
            let (Some(pid), Some(cid)) = (d.plugin.as_deref(), d.config.as_deref()) else { continue };
            let Some(lp) = renderer.plugin(pid) else { continue };
            let mut t = Instant::now();
            let mut lap = |i: usize, t: &mut Instant| {
                let now = Instant::now();
                total[i] += now - *t;
                *t = now;
                now
            };
            std::hint::black_box(renderer.input_fingerprint(d));
            lap(0, &mut t);
            let Some(mut raw) = renderer.configs().flatten(cid)? else { continue };
            lap(1, &mut t);
            provd_core::raw_config::validate(&raw)?;
            provd_core::config::apply_defaults(&mut raw);
            lap(2, &mut t);
            if lp.plugin.family.configure(&lp.plugin, d, &mut raw).is_err() {
                continue;
            }
            let started = lap(3, &mut t);
            // As the renderer builds it: the family's markup values safe.
            let ctx = context_with_markup(raw, lp.plugin.family.markup_keys());
            let mut out = Vec::new();
            for n in names {
                out.push(lp.templates.render(n, &ctx)?);
            }
            let e = by_plugin.entry(pid.to_owned()).or_default();
            e.0 += 1;
            e.1 += started.elapsed();
            e.2 += out.iter().map(String::len).sum::<usize>();
            lap(4, &mut t);
            for o in &out {
                bytes += o.len();
                std::hint::black_box(blake3::hash(o.as_bytes()));
            }
            lap(5, &mut t);
            drop((ctx, out));
            lap(6, &mut t);
        }
        eprintln!("pass {pass} done");
    }
    let n = devices.len().max(1) as f64;
    let sum: Duration = total.iter().sum();
    println!(
        "{} devices, {:.1} MiB rendered; renderer load {load:.2?}, device decode {decode:.2?}",
        devices.len(),
        bytes as f64 / (1 << 20) as f64
    );
    println!("| step | total | per device | share |");
    println!("|---|---|---|---|");
    for (name, d) in STEPS.iter().zip(total) {
        println!(
            "| {name} | {:.3}s | {:.1}us | {:.0}% |",
            d.as_secs_f64(),
            d.as_secs_f64() * 1e6 / n,
            100.0 * d.as_secs_f64() / sum.as_secs_f64()
        );
    }
    println!("| all | {:.3}s | {:.1}us | |", sum.as_secs_f64(), sum.as_secs_f64() * 1e6 / n);
    println!();
    println!("| plugin | devices | context + render per device | bytes per device |");
    println!("|---|---|---|---|");
    for (p, (count, d, b)) in &by_plugin {
        println!("| {p} | {count} | {:.1}us | {} |", d.as_secs_f64() * 1e6 / *count as f64, b / count);
    }
    Ok(())
}
