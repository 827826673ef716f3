//! `provd-loadgen`: many simulated phones booting against a provisioning
//! server, each with its own MAC, address, User-Agent and boot sequence,
//! every received file checked; latency, throughput, errors by kind and
//! the generator's own CPU time reported.
//!
//! * [`catalog`]: the phones (families, models, MACs, UAs, sequences),
//!   from the family registry (`provd_families::phones`);
//! * [`tftp`]: the sans-IO TFTP client; [`run`]: the monoio I/O;
//! * [`expect`]: the bytes every request must return;
//! * [`hist`], [`report`]: the measurements; [`target`]: loopback only;
//! * [`jsondb`]: the same fleet as a wazo-provd jsondb, to pre-provision.

pub mod catalog;
pub mod expect;
pub mod hist;
pub mod jsondb;
pub mod report;
pub mod run;
pub mod target;
pub mod tftp;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use serde_json::json;

use catalog::{Family, Files};
use report::{Live, Report};
use run::{Config, Driver, Transport};

/// Most phones one run simulates.
pub const MAX_PHONES: u32 = 200_000;
/// Most boots per phone.
pub const MAX_REPEAT: u32 = 10_000;
/// Longest run, in seconds.
pub const MAX_DURATION_S: f64 = 3600.0;

/// Simulate phones booting against a provisioning server (loopback only).
///
/// Each phone has a MAC in its vendor's OUI, its own 127.x.y.z address, the
/// vendor's User-Agent and boot sequence. With --expect (a `provd-compile
/// --export` tree), every file received is compared with the exported one.
///
/// Exit status: 0 every phone booted without error, 1 errors or phones cut
/// by --max-duration, 2 usage error or refused target.
#[derive(Parser, Debug)]
#[command(name = "provd-loadgen", version)]
pub struct Args {
    /// HTTP server (ADDRESS:PORT).
    #[arg(long, value_name = "ADDR:PORT")]
    pub http: Option<String>,
    /// TFTP server (ADDRESS:PORT).
    #[arg(long, value_name = "ADDR:PORT")]
    pub tftp: Option<String>,
    /// Load a server outside 127.0.0.0/8 and ::1 (a server you own).
    #[arg(long)]
    pub allow_remote: bool,
    /// Phones to simulate (at most 200000).
    #[arg(long, default_value_t = 100)]
    pub phones: u32,
    /// Families of provd's registry, comma-separated (`all`, or names as
    /// `plugin-info` gives them: yealink, cisco_spa...); phones take them
    /// in turn.
    #[arg(long, value_delimiter = ',', default_value = "all")]
    pub families: Vec<String>,
    /// auto: TFTP for Cisco SCCP, HTTP for the others; or everything over
    /// http or tftp.
    #[arg(long, value_enum, default_value_t = TransportArg::Auto)]
    pub transport: TransportArg,
    /// boot: the whole boot sequence; device: the phone's own file only.
    #[arg(long, value_enum, default_value_t = FilesArg::Boot)]
    pub files: FilesArg,
    /// Fleet seed: MACs and models are a function of (seed, index).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Index of the first phone (runs with disjoint ranges simulate different phones).
    #[arg(long, default_value_t = 0)]
    pub first_index: u32,
    /// Boots per phone, back to back.
    #[arg(long, default_value_t = 1)]
    pub repeat: u32,
    /// Phones in flight at once (default: all of them, a mass reboot).
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Each phone starts after a random delay below SECONDS (0: all at once).
    #[arg(long, default_value_t = 0.0, value_name = "SECONDS")]
    pub spread: f64,
    /// Stop and report after SECONDS.
    #[arg(long, default_value_t = 120.0, value_name = "SECONDS")]
    pub max_duration: f64,
    /// HTTP keep-alive: a phone's requests share one connection (default:
    /// one connection per request, `Connection: close`).
    #[arg(long)]
    pub keepalive: bool,
    /// Bound on one HTTP request, connect to last byte.
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// TFTP block size (asked when not 512).
    #[arg(long, default_value_t = 512)]
    pub blksize: u16,
    /// TFTP window size, RFC 7440 (asked when above 1).
    #[arg(long, default_value_t = 1)]
    pub windowsize: u16,
    /// Ask the TFTP transfer size (tsize) and check it.
    #[arg(long)]
    pub tsize: bool,
    /// TFTP retransmission timeout.
    #[arg(long, default_value_t = 1.0, value_name = "SECONDS")]
    pub tftp_timeout: f64,
    /// TFTP retransmissions before a transfer fails.
    #[arg(long, default_value_t = 5)]
    pub tftp_retries: u32,
    /// Load threads, each running one ring (default: 2, at most the cores).
    #[arg(long)]
    pub threads: Option<usize>,
    #[arg(long, value_enum, default_value_t = DriverArg::Auto)]
    pub driver: DriverArg,
    /// Do not bind each phone to its own 127.x.y.z address.
    #[arg(long)]
    pub shared_source: bool,
    /// Check every file against this `provd-compile --export` tree (DIR/<plugin>/<path>).
    #[arg(long, value_name = "DIR")]
    pub expect: Option<PathBuf>,
    /// Print the report as one JSON object.
    #[arg(long)]
    pub json: bool,
    /// Write the phones as a wazo-provd jsondb (devices/, configs/) into DIR and exit.
    #[arg(long, value_name = "DIR")]
    pub write_jsondb: Option<PathBuf>,
    /// With --write-jsondb: SIP lines per device.
    #[arg(long, default_value_t = 2)]
    pub jsondb_lines: u32,
    /// With --write-jsondb: function keys per device.
    #[arg(long, default_value_t = 12)]
    pub jsondb_funckeys: u32,
    /// Print one phone of every model of every family, tab-separated
    /// (family, plugin, model, version, MAC, User-Agent, then the boot
    /// paths), and exit: what fuzz/make-seeds.py seeds from.
    #[arg(long)]
    pub list_phones: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransportArg {
    Auto,
    Http,
    Tftp,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilesArg {
    Boot,
    Device,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DriverArg {
    Auto,
    Uring,
    Epoll,
}

fn seconds(v: f64, what: &str, max: f64) -> Result<Duration, String> {
    if !(v.is_finite() && (0.0..=max).contains(&v)) {
        return Err(format!("--{what} {v}: must be between 0 and {max} seconds"));
    }
    Ok(Duration::from_secs_f64(v))
}

fn families(names: &[String]) -> Result<Vec<Family>, String> {
    if names.iter().any(|n| n == "all") {
        return Ok(catalog::all());
    }
    let mut out = Vec::new();
    for n in names {
        let f = Family::parse(n.trim()).ok_or_else(|| {
            format!(
                "--families: unknown family {n:?} (one of: {})",
                catalog::all().into_iter().map(Family::name).collect::<Vec<_>>().join(", ")
            )
        })?;
        if !out.contains(&f) {
            out.push(f);
        }
    }
    if out.is_empty() {
        return Err("--families: none given".into());
    }
    Ok(out)
}

/// Raises the soft open-files limit to the hard one; the new soft limit.
fn raise_nofile() -> u64 {
    // SAFETY: getrlimit/setrlimit on a struct we own.
    unsafe {
        let mut r: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) != 0 {
            return 1024;
        }
        if r.rlim_cur < r.rlim_max {
            let want = libc::rlimit { rlim_cur: r.rlim_max, rlim_max: r.rlim_max };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &want) == 0 {
                return want.rlim_cur;
            }
        }
        r.rlim_cur
    }
}

/// Checks the arguments into a run configuration (without `--expect`).
pub fn configure(a: &Args) -> Result<Config, String> {
    let families = families(&a.families)?;
    if a.phones == 0 || a.phones > MAX_PHONES {
        return Err(format!("--phones {}: must be between 1 and {MAX_PHONES}", a.phones));
    }
    if u64::from(a.first_index) + u64::from(a.phones) > u64::from(catalog::MAX_INDEX) {
        return Err(format!("--first-index + --phones must stay below {}", catalog::MAX_INDEX));
    }
    if a.repeat == 0 || a.repeat > MAX_REPEAT {
        return Err(format!("--repeat {}: must be between 1 and {MAX_REPEAT}", a.repeat));
    }
    let max_duration = seconds(a.max_duration, "max-duration", MAX_DURATION_S)?;
    if max_duration.is_zero() {
        return Err("--max-duration must be above 0".into());
    }
    let spread = seconds(a.spread, "spread", MAX_DURATION_S)?;
    let http_timeout = seconds(a.timeout, "timeout", 600.0)?;
    let tftp_timeout = seconds(a.tftp_timeout, "tftp-timeout", 60.0)?;
    if http_timeout.is_zero() || tftp_timeout < Duration::from_millis(10) {
        return Err("--timeout and --tftp-timeout must be at least 10 ms".into());
    }
    if !(8..=65464).contains(&a.blksize) {
        return Err(format!("--blksize {}: RFC 2348 allows 8 to 65464", a.blksize));
    }
    if !(1..=65535).contains(&a.windowsize) {
        return Err("--windowsize: 1 to 65535".into());
    }
    if a.tftp_retries > 100 {
        return Err("--tftp-retries: at most 100".into());
    }
    let http = a.http.as_deref().map(|s| target::check(s, "http", a.allow_remote)).transpose()?;
    let tftp = a.tftp.as_deref().map(|s| target::check(s, "tftp", a.allow_remote)).transpose()?;
    let transport = match a.transport {
        TransportArg::Auto => Transport::Auto,
        TransportArg::Http => Transport::Http,
        TransportArg::Tftp => Transport::Tftp,
    };
    let mut cfg = Config {
        http,
        tftp,
        transport,
        phones: a.phones,
        first_index: a.first_index,
        seed: a.seed,
        families,
        files: if a.files == FilesArg::Boot { Files::Boot } else { Files::Device },
        repeat: a.repeat,
        concurrency: 0,
        spread,
        max_duration,
        keepalive: a.keepalive,
        http_timeout,
        tftp_options: tftp::Options {
            blksize: a.blksize,
            windowsize: a.windowsize,
            tsize: a.tsize,
            timeout: tftp_timeout,
            retries: a.tftp_retries,
        },
        threads: 0,
        driver: match a.driver {
            DriverArg::Auto => Driver::Auto,
            DriverArg::Uring => Driver::Uring,
            DriverArg::Epoll => Driver::Epoll,
        },
        per_phone_source: false,
        expected: None,
    };
    for f in &cfg.families {
        match cfg.transport_of(*f) {
            Transport::Tftp if cfg.tftp.is_none() => {
                return Err(format!(
                    "{} phones fetch over TFTP: give --tftp (or --transport http, or other --families)",
                    f.name()
                ));
            }
            Transport::Http | Transport::Auto if cfg.http.is_none() => {
                return Err(format!(
                    "{} phones fetch over HTTP: give --http (or --transport tftp, or other --families)",
                    f.name()
                ));
            }
            _ => {}
        }
    }
    // Phones bind their own 127.x.y.z only towards IPv4 loopback targets.
    let targets_v4_loopback =
        [cfg.http, cfg.tftp].iter().flatten().all(|t| matches!(t.ip(), std::net::IpAddr::V4(v4) if v4.is_loopback()));
    cfg.per_phone_source = !a.shared_source && targets_v4_loopback;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cfg.threads = a.threads.unwrap_or(2.min(cores)).clamp(1, 64);
    // One descriptor per phone in flight (its connection or its TFTP
    // socket; the previous one is closed before the next opens), plus a
    // margin for the process itself.
    let nofile = raise_nofile();
    let fd_cap = nofile.saturating_sub(256).max(1) as usize;
    let want = a.concurrency.unwrap_or(a.phones as usize);
    if want == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    if want > fd_cap {
        if a.concurrency.is_some() {
            return Err(format!(
                "--concurrency {want}: the open-files limit ({nofile}) allows at most {fd_cap} phones in flight"
            ));
        }
        eprintln!("provd-loadgen: {want} phones, {fd_cap} in flight at most (open-files limit {nofile})");
    }
    cfg.concurrency = want.min(fd_cap).min(a.phones as usize);
    Ok(cfg)
}

fn config_json(cfg: &Config, driver: &str, expect: Option<&PathBuf>) -> serde_json::Value {
    json!({
        "http": cfg.http.map(|a| a.to_string()),
        "tftp": cfg.tftp.map(|a| a.to_string()),
        "transport": format!("{:?}", cfg.transport).to_lowercase(),
        "families": cfg.families.iter().map(|f| f.name()).collect::<Vec<_>>(),
        "files": if cfg.files == Files::Boot { "boot" } else { "device" },
        "seed": cfg.seed,
        "first_index": cfg.first_index,
        "repeat": cfg.repeat,
        "concurrency": cfg.concurrency,
        "spread_s": cfg.spread.as_secs_f64(),
        "max_duration_s": cfg.max_duration.as_secs_f64(),
        "keepalive": cfg.keepalive,
        "blksize": cfg.tftp_options.blksize,
        "windowsize": cfg.tftp_options.windowsize,
        "tsize": cfg.tftp_options.tsize,
        "threads": cfg.threads,
        "driver": driver,
        "per_phone_source": cfg.per_phone_source,
        "expect": expect.map(|p| p.display().to_string()),
    })
}

/// The program: parse, check, run, report.
pub fn main() -> ExitCode {
    let args = Args::parse();
    match main_with(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("provd-loadgen: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn main_with(a: &Args) -> anyhow::Result<ExitCode> {
    if a.list_phones {
        print!("{}", catalog::listing(a.seed));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &a.write_jsondb {
        let families = families(&a.families).map_err(anyhow::Error::msg)?;
        anyhow::ensure!(a.phones >= 1 && a.phones <= MAX_PHONES, "--phones: between 1 and {MAX_PHONES}");
        let phones = (a.first_index..a.first_index + a.phones).map(|i| catalog::Phone::new(a.seed, i, &families));
        let shape = jsondb::Shape { lines: a.jsondb_lines, funckeys: a.jsondb_funckeys };
        let n = jsondb::write(dir, a.seed, phones, shape)?;
        println!("wrote {n} devices and configs to {}", dir.display());
        return Ok(ExitCode::SUCCESS);
    }
    let mut cfg = configure(a).map_err(anyhow::Error::msg)?;
    if let Some(dir) = &a.expect {
        let keys = cfg.indexes().flat_map(|i| {
            let p = cfg.phone(i);
            p.steps(cfg.files).into_iter().map(move |s| expect::route_key(p.plugin(), &s.path))
        });
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let e = expect::Expected::load(dir, keys, threads)?;
        anyhow::ensure!(
            e.present() > 0,
            "--expect {}: none of the phones' files is there (is it a `provd-compile --export` tree of the same fleet?)",
            dir.display()
        );
        cfg.expected = Some(Arc::new(e));
    }
    let cfg = Arc::new(cfg);
    let live = Arc::new(Live::default());
    let progress = std::io::stderr().is_terminal();
    let total = u64::from(cfg.phones);
    let outcome = run::run(cfg.clone(), live, |l, t| {
        if progress {
            let secs = t.as_secs_f64().max(1e-3);
            eprint!(
                "\r{:6.1} s  phones {}/{} done, {} in flight  files {} ({:.0}/s)  errors {}   ",
                secs,
                Live::get(&l.phones_done),
                total,
                Live::get(&l.in_flight),
                Live::get(&l.files),
                Live::get(&l.files) as f64 / secs,
                Live::get(&l.errors)
            );
        }
    })?;
    if progress {
        eprintln!();
    }
    let report = Report {
        stats: &outcome.stats,
        phones: total,
        elapsed: outcome.elapsed,
        cpu: outcome.cpu,
        hit_deadline: outcome.hit_deadline,
        config: config_json(&cfg, outcome.driver, a.expect.as_ref()),
    };
    let mut out = std::io::stdout().lock();
    if a.json {
        writeln!(out, "{}", report.json())?;
    } else {
        let c = &cfg;
        writeln!(
            out,
            "provd-loadgen: {} phones ({}), {}{}{}, concurrency {}, spread {:.1} s, {} threads ({})",
            total,
            c.families.iter().map(|f| f.name()).collect::<Vec<_>>().join(","),
            format!("{:?}", c.transport).to_lowercase(),
            c.http.map(|h| format!(" http {h}{}", if c.keepalive { " keep-alive" } else { "" })).unwrap_or_default(),
            c.tftp.map(|t| format!(" tftp {t} blksize {}", c.tftp_options.blksize)).unwrap_or_default(),
            c.concurrency,
            c.spread.as_secs_f64(),
            c.threads,
            outcome.driver
        )?;
        write!(out, "{}", report.text())?;
    }
    Ok(if report.clean() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> Args {
        Args::parse_from(["provd-loadgen"].iter().chain(extra))
    }

    #[test]
    fn refuses_remote_targets() {
        let e = configure(&args(&["--http", "10.1.2.3:8667", "--transport", "http"])).unwrap_err();
        assert!(e.contains("refusing") && e.contains("10.1.2.3"), "{e}");
        let cfg = configure(&args(&["--http", "10.1.2.3:8667", "--transport", "http", "--allow-remote"])).unwrap();
        assert!(!cfg.per_phone_source, "a remote target cannot be reached from 127.x.y.z");
    }

    #[test]
    fn bounds() {
        let base = ["--http", "127.0.0.1:8667", "--tftp", "127.0.0.1:69"];
        let with = |extra: &[&str]| configure(&args(&[&base[..], extra].concat()));
        assert!(with(&["--phones", "200001"]).is_err());
        assert!(with(&["--phones", "0"]).is_err());
        assert!(with(&["--max-duration", "0"]).is_err());
        assert!(with(&["--max-duration", "99999"]).is_err());
        assert!(with(&["--spread=-1"]).is_err());
        assert!(with(&["--blksize", "7"]).is_err());
        assert!(with(&["--families", "nokia"]).is_err());
        let cfg = with(&["--phones", "50", "--families", "yealink,snom"]).unwrap();
        assert_eq!(cfg.families, [Family::parse("yealink").unwrap(), Family::parse("snom").unwrap()]);
        assert_eq!(cfg.concurrency, 50);
        assert!(cfg.per_phone_source);
        assert_eq!(cfg.max_duration, Duration::from_secs(120));
        // SCCP needs a TFTP target under --transport auto.
        let e = configure(&args(&["--http", "127.0.0.1:8667"])).unwrap_err();
        assert!(e.contains("cisco_sccp") && e.contains("--tftp"), "{e}");
        assert!(configure(&args(&["--http", "127.0.0.1:8667", "--transport", "http"])).is_ok());
    }
}
