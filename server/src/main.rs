//! `provd-server`: serves phones their provisioning files over TFTP and HTTP.

// Rendering for newly seen phones allocates a great deal; mimalloc measured
// 30% faster than the system allocator on the compile benchmark.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

mod logging;
mod phones;
mod reconcile;
mod secrets;

use clap::Parser;
use provd_compiler::publish::Publisher;
use provd_control::api;
use provd_control::cluster::{Cluster, ClusterConfig};
use provd_control::sync::{AmiConfig, Backend, MassOptions, SipConfig, Timers};
use provd_dataplane::limits::Rate;
use provd_dataplane::pipeline::Policy;
use provd_dataplane::runtime::{self, Driver, IoOptions, ThreadSockets};
use provd_dataplane::seclog::SecurityLog;
use provd_dataplane::serve::{self, Shared, Stats};
use provd_dataplane::writer::{Writer, WriterConfig};
use provd_dataplane::{http, snapshot, tftp};
use provd_net::descriptors::{Budget, BudgetOptions, raise_fd_limit};
use provd_net::sockets as net;
use provd_store::data::{DataDir, base_raw_config_for};

#[derive(Parser, Debug)]
#[command(name = "provd-server", version, about = "Serve phones their provisioning files over TFTP and HTTP")]
struct Args {
    /// Data directory (LMDB store and installed plugins); bootstrapped if empty.
    #[arg(long, default_value = "data", value_name = "DIR")]
    data: PathBuf,
    /// HTTP listen address for phones ("off" to disable).
    #[arg(long, default_value = "0.0.0.0:8667", value_name = "ADDR:PORT")]
    http: String,
    /// TFTP listen address for phones ("off" to disable).
    #[arg(long, default_value = "0.0.0.0:69", value_name = "ADDR:PORT")]
    tftp: String,
    /// HTTPS listen address for phones (off unless given); needs --tls-cert
    /// and --tls-key. Same routes, identification and limits as HTTP.
    #[arg(long, value_name = "ADDR:PORT", requires_all = ["tls_cert", "tls_key"])]
    https: Option<String>,
    /// The HTTPS certificate chain (PEM, the server's certificate first).
    /// Read again on SIGHUP, as is the key: new connections get the new
    /// one, open ones keep theirs.
    #[arg(long, value_name = "PEM", requires = "https")]
    tls_cert: Option<PathBuf>,
    /// The HTTPS private key (PEM).
    #[arg(long, value_name = "PEM", requires = "https")]
    tls_key: Option<PathBuf>,
    /// A PEM bundle of CAs phones' factory certificates chain to (one per
    /// vendor; repeatable). See --client-cert.
    #[arg(long, value_name = "PEM", requires = "https")]
    client_ca: Vec<PathBuf>,
    /// Phones' client certificates over HTTPS: "off"; "optional" (verified
    /// when shown); "required". A phone showing one gets a device's files
    /// only if the certificate names that device's MAC (403 otherwise).
    #[arg(long, value_enum, default_value_t = ClientCertArg::Off, requires = "https")]
    client_cert: ClientCertArg,
    /// REST API listen address ("off" to disable).
    #[arg(long, default_value = "127.0.0.1:8666", value_name = "ADDR:PORT")]
    api: String,
    /// A token REST clients must send in X-Auth-Token (repeatable). Without
    /// one, the token in <data>/api-token is used (created on first start).
    #[arg(long, value_name = "TOKEN")]
    api_token: Vec<String>,
    /// A file whose lines are accepted tokens.
    #[arg(long, value_name = "PATH")]
    api_token_file: Option<PathBuf>,
    /// No authentication on the REST API (refused unless it listens on loopback).
    #[arg(long)]
    api_no_auth: bool,
    /// Check REST tokens with wazo-auth at this URL (http://127.0.0.1:9497),
    /// with the ACL of each route, as wazo-provd does; instead of tokens.
    #[arg(long, value_name = "URL", conflicts_with_all = ["api_token", "api_token_file", "api_no_auth"])]
    wazo_auth: Option<String>,
    /// Seconds a wazo-auth answer is kept (a revoked token works that long).
    #[arg(long, default_value_t = 10.0, value_name = "SECONDS")]
    wazo_auth_cache: f64,
    /// provd's own tenant: devices in it are new (unallocated). On a Wazo
    /// platform, the master tenant's UUID. Default: one chosen at first
    /// start and kept in the store.
    #[arg(long, value_name = "UUID")]
    tenant_uuid: Option<String>,
    /// A PEM bundle of the CAs an https plugin_server must be signed by (a
    /// private mirror); without it, the web's public roots.
    #[arg(long, value_name = "PEM")]
    plugin_server_ca: Option<PathBuf>,
    /// Cluster mode: PostgreSQL at this URL holds the devices, configs and
    /// parameters shared by every node (postgresql://user:pass@host/db;
    /// sslmode=require for TLS). Each node keeps its own store under --data.
    /// Prefer the environment variable PROVD_POSTGRES for a URL with a
    /// password: every user sees command lines (ps).
    #[arg(long, value_name = "URL", env = "PROVD_POSTGRES", hide_env_values = true)]
    postgres: Option<String>,
    /// A PEM bundle of the CAs the database's certificate must chain to
    /// (without it, the web's public roots).
    #[arg(long, value_name = "PEM", requires = "postgres")]
    postgres_ca: Option<PathBuf>,
    /// Read the cluster's changes from this read-only replica (a node at a
    /// remote site next to a streaming replica); writes still go to
    /// --postgres.
    #[arg(long, value_name = "URL", requires = "postgres")]
    postgres_read: Option<String>,
    /// This node's name in the cluster (default: host name and data directory).
    #[arg(long, value_name = "NAME", requires = "postgres")]
    cluster_node: Option<String>,
    /// Records written here that may wait for an unavailable database; past
    /// it they are counted (provd_cluster_queue_overflow_total), not queued.
    #[arg(long, default_value_t = 100_000, value_name = "N", requires = "postgres")]
    postgres_queue: u64,
    /// Scanner throttling: the files of devices that do not exist (guessed
    /// MACs) one source may ask for at once before it is ignored.
    /// (A first install of more new phones behind one NAT address needs
    /// more.)
    #[arg(long, default_value_t = 500.0, value_name = "N")]
    scanner_burst: f64,
    /// ... and how many a minute after that burst.
    #[arg(long, default_value_t = 120.0, value_name = "N")]
    scanner_per_minute: f64,
    /// Seconds a source past that allowance is ignored (its requests for
    /// unknown devices' files answered 404 at once; its known phones
    /// served).
    #[arg(long, default_value_t = 300, value_name = "SECONDS")]
    scanner_ignore: u64,
    /// Threads answering REST requests.
    #[arg(long, default_value_t = 4)]
    api_threads: usize,
    /// REST connections kept open at once; beyond, the one idle the longest
    /// is closed (default 64, less under a low descriptor limit).
    #[arg(long, value_name = "N")]
    api_max_connections: Option<usize>,
    /// Seconds a REST connection may stay idle, and a client may take to
    /// send a request head or body.
    #[arg(long, default_value_t = 30.0, value_name = "SECONDS")]
    api_idle_timeout: f64,
    /// A Host name the REST API answers to when it listens on loopback,
    /// besides localhost and loopback addresses (repeatable).
    #[arg(long, value_name = "NAME")]
    api_allowed_host: Vec<String>,
    /// A web origin allowed to call the REST API from a browser (CORS), e.g.
    /// https://admin.example.com (repeatable). Without one, browsers get no
    /// CORS permission and requests from other origins are refused.
    #[arg(long, value_name = "ORIGIN")]
    api_cors_origin: Vec<String>,
    /// How synchronize reaches phones: "sip" (provd sends the NOTIFY) or "ami" (Asterisk sends it).
    #[arg(long, default_value = "sip", value_name = "BACKEND")]
    sync: String,
    /// UDP port phones listen on for SIP (SIP backend).
    #[arg(long, default_value_t = 5060)]
    sync_sip_port: u16,
    /// Seconds to wait for a phone's answer to a NOTIFY (RFC 3261 Timer F; retransmissions start at 1/64 of it).
    #[arg(long, default_value_t = 32.0)]
    sync_timeout: f64,
    /// Asterisk manager address (AMI backend).
    #[arg(long, default_value = "127.0.0.1:5038", value_name = "ADDR:PORT")]
    sync_ami: String,
    /// Asterisk manager user and secret (AMI backend), as USER:SECRET
    /// (visible to every user in `ps`: prefer --sync-ami-login-file).
    #[arg(long, value_name = "USER:SECRET")]
    sync_ami_login: Option<String>,
    /// A file whose first line is the Asterisk manager's USER:SECRET
    /// (AMI backend); refused if other users may read it (chmod 600).
    #[arg(long, value_name = "PATH", conflicts_with = "sync_ami_login")]
    sync_ami_login_file: Option<PathBuf>,
    /// I/O driver; the one chosen is logged at start.
    #[arg(long, value_enum, default_value_t = DriverArg::Auto)]
    driver: DriverArg,
    /// I/O threads (one ring each); default: one per core.
    #[arg(long)]
    threads: Option<usize>,
    /// The URL phones reach provd at (sets ip, http_port, http_base_url of the base raw config).
    #[arg(long, value_name = "URL")]
    advertised_url: Option<String>,
    /// The fail2ban log (default: <data>/provd-fail2ban.log).
    #[arg(long, value_name = "PATH")]
    security_log: Option<PathBuf>,
    /// Reverse proxies in front of the HTTP server whose X-Forwarded-For is trusted.
    #[arg(long, default_value_t = 0)]
    trusted_proxies: usize,
    /// Require the provisioning key (REST parameter provisioning_key) as the
    /// first path segment, over HTTP and TFTP alike.
    #[arg(long)]
    url_key: bool,
    /// Largest TFTP block size granted (RFC 2348 allows 8..65464).
    #[arg(long, default_value_t = 1468)]
    tftp_max_blksize: u16,
    /// Largest TFTP window granted (RFC 7440).
    #[arg(long, default_value_t = 64)]
    tftp_max_windowsize: u16,
    /// Create devices for requests that identify nothing (no vendor, no MAC), as wazo-provd does.
    #[arg(long)]
    create_anonymous: bool,
    /// New devices one address may create per minute, after a burst of --autocreate-burst.
    #[arg(long, default_value_t = 120.0)]
    autocreate_per_minute: f64,
    #[arg(long, default_value_t = 200.0)]
    autocreate_burst: f64,
    /// New devices the whole server may create per second.
    #[arg(long, default_value_t = 500.0)]
    autocreate_global_per_second: f64,
    /// Auto-created devices nobody configured beyond this number expire, oldest first.
    #[arg(long, default_value_t = 50_000)]
    auto_device_cap: u64,
    /// Seconds a client may take to send a request head (then 408).
    #[arg(long, default_value_t = 60.0)]
    http_header_timeout: f64,
    /// Seconds an idle keep-alive connection is kept.
    #[arg(long, default_value_t = 75.0)]
    http_keepalive_timeout: f64,
    /// Seconds a new connection may take to start its first request (and an
    /// idle one its next, while connections run short).
    #[arg(long, default_value_t = 10.0)]
    http_first_byte_timeout: f64,
    /// HTTP connections one address may hold at once (default: a quarter of
    /// the HTTP share of the descriptor limit; raise it for a NAT of many
    /// phones, or set the NAT parameter).
    #[arg(long, value_name = "N")]
    http_max_per_address: Option<usize>,
    /// TFTP transfers one address may have waiting for its first answer
    /// (default: a sixteenth of the TFTP share, at least 4).
    #[arg(long, value_name = "N")]
    tftp_max_unanswered_per_address: Option<usize>,
    /// Log lines as text ("provd-server: ...") or one JSON object per line.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Seconds in-flight transfers may take to finish after SIGTERM/SIGINT.
    #[arg(long, default_value_t = 10)]
    shutdown_grace: u64,
}

/// `--driver`: io_uring, epoll, or whichever this host allows.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DriverArg {
    Auto,
    Uring,
    Epoll,
}

impl DriverArg {
    fn driver(self) -> Driver {
        match self {
            DriverArg::Auto => Driver::Auto,
            DriverArg::Uring => Driver::Uring,
            DriverArg::Epoll => Driver::Epoll,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum LogFormat {
    Text,
    Json,
}

fn parse_addr(s: &str, what: &str) -> anyhow::Result<Option<SocketAddr>> {
    if s == "off" {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|e| anyhow::anyhow!("--{what} {s:?}: {e}"))
}

/// Who may use the REST API: explicit tokens, a token file, or the token
/// in `<data>/api-token`, created (owner-only) on first start.
fn api_auth(args: &Args, data: &DataDir, addr: SocketAddr) -> anyhow::Result<api::Auth> {
    if let Some(url) = &args.wazo_auth {
        let ttl = Duration::from_secs_f64(args.wazo_auth_cache.max(0.0));
        let auth = api::wazo_auth::WazoAuth::new(url, ttl, Duration::from_secs(10)).map_err(anyhow::Error::msg)?;
        log::info!("REST API tokens checked by wazo-auth at {url} (answers kept {:.0} s)", ttl.as_secs_f64());
        return Ok(api::Auth::WazoAuth(std::sync::Arc::new(auth)));
    }
    if args.api_no_auth {
        if !addr.ip().is_loopback() {
            anyhow::bail!("--api-no-auth is refused on {addr}: only a loopback REST API may run without tokens");
        }
        log::info!("REST API without authentication (--api-no-auth)");
        return Ok(api::Auth::Disabled);
    }
    let mut tokens = args.api_token.clone();
    let read = |path: &std::path::Path| -> anyhow::Result<Vec<String>> {
        let text = secrets::read_private(path, "token file")?;
        Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_owned).collect())
    };
    if let Some(path) = &args.api_token_file {
        tokens.extend(read(path)?);
    }
    if tokens.is_empty() {
        let path = data.root().join("api-token");
        if !path.exists() {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            let token = uuid::Uuid::new_v4().simple().to_string();
            let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?;
            writeln!(f, "{token}")?;
            log::info!("created REST API token in {}", path.display());
        }
        tokens = read(&path)?;
        if tokens.is_empty() {
            anyhow::bail!("{} holds no token", path.display());
        }
    }
    Ok(api::Auth::Tokens(tokens))
}

/// How synchronize reaches phones, from `--sync*`: `--sync-timeout` bounds
/// one NOTIFY (RFC 3261 Timer F, T1 = F/64).
fn sync_config(args: &Args, ami_login: Option<&str>) -> anyhow::Result<api::sync::SyncConfig> {
    let backend = match args.sync.as_str() {
        "sip" => Backend::Sip,
        "ami" => Backend::Ami,
        other => anyhow::bail!("--sync {other:?}: expected sip or ami"),
    };
    let (username, secret) = match ami_login {
        Some(l) => l
            .split_once(':')
            .map(|(u, s)| (u.to_owned(), s.to_owned()))
            .ok_or_else(|| anyhow::anyhow!("--sync-ami-login: expected USER:SECRET"))?,
        None if backend == Backend::Ami => {
            anyhow::bail!("--sync ami needs --sync-ami-login-file PATH (or --sync-ami-login USER:SECRET)")
        }
        None => Default::default(),
    };
    let t1 = (Duration::from_secs_f64(args.sync_timeout) / 64).max(Duration::from_millis(1));
    Ok(api::sync::SyncConfig {
        backend,
        sip: SipConfig { port: args.sync_sip_port, timers: Timers::from_t1(t1), ..Default::default() },
        ami: AmiConfig { addr: args.sync_ami.clone(), username, secret, ..Default::default() },
        mass: MassOptions::default(),
    })
}

/// provd's own tenant: `--tenant-uuid`, else the one chosen at first
/// start; kept in the store (the data plane reads it there).
fn default_tenant(store: &provd_store::Store, given: Option<&str>) -> anyhow::Result<String> {
    let mut w = store.write_txn()?;
    let mut params = store.params(&w)?;
    let stored = params.get("tenant_uuid").and_then(|t| t.as_str());
    if let Some(t) = stored
        && given.is_none_or(|g| g == t)
    {
        return Ok(t.to_owned());
    }
    let tenant = match given {
        Some(g) if uuid::Uuid::parse_str(g).is_ok() => g.to_owned(),
        Some(g) => anyhow::bail!("--tenant-uuid {g:?} is not a UUID"),
        None => uuid::Uuid::new_v4().to_string(),
    };
    params.insert("tenant_uuid".into(), serde_json::Value::from(tenant.clone()));
    store.set_params(&mut w, &params)?;
    w.commit()?;
    Ok(tenant)
}

/// Joins the cluster at `url`: migrates its schema and brings the store to
/// its records (or seeds it), before anything is served.
fn join_cluster(args: &Args, url: &str, data: &DataDir) -> anyhow::Result<Arc<Cluster>> {
    let store = data.store();
    let ca = match &args.postgres_ca {
        Some(p) => Some(std::fs::read(p).map_err(|e| anyhow::anyhow!("--postgres-ca {}: {e}", p.display()))?),
        None => None,
    };
    let node = args.cluster_node.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        let dir = args.data.canonicalize().unwrap_or_else(|_| args.data.clone());
        format!("{}:{}", host.trim(), dir.display())
    });
    let config = ClusterConfig {
        url: url.to_owned(),
        ca,
        read_url: args.postgres_read.clone(),
        node,
        queue: args.postgres_queue,
    };
    let cluster = Arc::new(Cluster::new(config, data)?);
    // Seeding a new cluster carries this node's tenant; joining one
    // replaces it by the cluster's (read again after).
    default_tenant(store, args.tenant_uuid.as_deref())?;
    cluster.start()?;
    Ok(cluster)
}

/// `--client-cert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ClientCertArg {
    Off,
    Optional,
    Required,
}

impl ClientCertArg {
    fn policy(self) -> provd_dataplane::tls::ClientCertPolicy {
        use provd_dataplane::tls::ClientCertPolicy as P;
        match self {
            ClientCertArg::Off => P::Off,
            ClientCertArg::Optional => P::Optional,
            ClientCertArg::Required => P::Required,
        }
    }
}

/// SIGINT and SIGTERM stop the server (a second one: at once, without
/// waiting for transfers); SIGHUP reads the HTTPS certificate and key
/// again (a renewal): a pair that does not load is refused with the
/// reason and the current one stays.
fn handle_signals(stop: Arc<AtomicBool>, tls: Option<Arc<provd_dataplane::tls::ServerTls>>) -> anyhow::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP])?;
    std::thread::Builder::new().name("provd-signals".into()).spawn(move || {
        for signal in signals.forever() {
            match (signal, &tls) {
                (SIGHUP, Some(tls)) => match tls.reload() {
                    Ok(()) => log::info!("HTTPS: certificate reloaded; new connections use it"),
                    Err(e) => log::error!("HTTPS: certificate not reloaded, the current one stays: {e}"),
                },
                (SIGHUP, None) => log::info!("SIGHUP: nothing to reload (no --https)"),
                _ => {
                    if stop.swap(true, Ordering::Relaxed) {
                        std::process::exit(130);
                    }
                }
            }
        }
    })?;
    Ok(())
}

/// The cluster's part of `/metrics`.
struct ClusterMetrics(Arc<Cluster>);

impl provd_net::metrics::WriteMetrics for ClusterMetrics {
    fn write_metrics(&self, out: &mut provd_net::metrics::Text) {
        self.0.write_metrics(out)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    logging::init(args.log_format == LogFormat::Json);
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> anyhow::Result<()> {
    let http_addr = parse_addr(&args.http, "http")?;
    let tftp_addr = parse_addr(&args.tftp, "tftp")?;
    let api_addr = parse_addr(&args.api, "api")?;
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1);
    let driver = args.driver.driver().resolve();
    if args.driver == DriverArg::Uring && !monoio::utils::detect_uring() {
        anyhow::bail!(
            "--driver uring: io_uring is not available here (kernel, sysctl or seccomp); use --driver epoll or auto"
        );
    }

    // Bind first: a port held by someone else is the most common mistake.
    let http_listeners = match http_addr {
        Some(a) => Some(net::tcp_listeners(a, threads, net::BIND_PATIENCE)?),
        None => None,
    };
    let https_listeners = match args.https.as_deref().map(|a| parse_addr(a, "https")).transpose()?.flatten() {
        Some(a) => Some(net::tcp_listeners(a, threads, net::BIND_PATIENCE)?),
        None => None,
    };
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) if https_listeners.is_some() => {
            let client =
                provd_dataplane::tls::ClientAuth { cas: args.client_ca.clone(), policy: args.client_cert.policy() };
            let tls = provd_dataplane::tls::ServerTls::new(cert, key, &client);
            Some(Arc::new(tls.map_err(|e| anyhow::anyhow!("HTTPS: {e}"))?))
        }
        _ => None,
    };
    let tftp_sockets = match tftp_addr {
        Some(a) => Some(net::udp_sockets(a, threads, net::BIND_PATIENCE)?),
        None => None,
    };
    let api_listener = match api_addr {
        Some(a) => Some(net::tcp_listeners(a, 1, net::BIND_PATIENCE)?.remove(0)),
        None => None,
    };

    let (data, boot) = DataDir::open(&args.data)?;
    if !boot.is_empty() {
        log::info!(
            "bootstrapped {}: plugins {:?}, configs {:?}",
            args.data.display(),
            boot.plugins_installed,
            boot.configs_created
        );
    }
    let store = data.store().clone();
    if let Some(url) = &args.advertised_url {
        let mut w = store.write_txn()?;
        let mut base = store.base_raw_config(&w)?.unwrap_or_default();
        let tftp_port = tftp_addr.map_or(69, |a| a.port());
        base.extend(base_raw_config_for(url, tftp_port)?);
        store.set_base_raw_config(&mut w, &base)?;
        w.commit()?;
    }
    let (plugins, broken) = provd_families::plugins::scan(&data.plugins_dir())?;
    for b in broken {
        log::warn!("{b}");
    }
    let cluster = match &args.postgres {
        Some(url) => Some(join_cluster(&args, url, &data)?),
        None => None,
    };
    let tenant = default_tenant(&store, args.tenant_uuid.as_deref())?;
    let publisher = Arc::new(Publisher::new(data.clone(), plugins));
    // What the store holds and phones are not served yet (a document
    // another process wrote, new plugins, a new URL, a fresh store)
    // is published before they are served: see server/src/reconcile.rs.
    reconcile::at_startup(&publisher)?;
    let budget = Arc::new(Budget::new(
        raise_fd_limit(),
        BudgetOptions {
            api: args.api_max_connections,
            http_per_address: args.http_max_per_address,
            tftp_unanswered_per_address: args.tftp_max_unanswered_per_address,
        },
    ));
    let seclog_path = args.security_log.clone().unwrap_or_else(|| args.data.join("provd-fail2ban.log"));
    let seclog =
        SecurityLog::start(&seclog_path).map_err(|e| anyhow::anyhow!("security log {}: {e}", seclog_path.display()))?;
    let policy = Policy { nat: false, create_anonymous: args.create_anonymous };
    let stats = Arc::new(Stats::default());
    let writer = Writer::start(
        publisher.clone(),
        seclog.clone(),
        stats.clone(),
        WriterConfig {
            per_ip: Rate { per_second: args.autocreate_per_minute / 60.0, burst: args.autocreate_burst },
            global: Rate {
                per_second: args.autocreate_global_per_second,
                burst: args.autocreate_global_per_second * 10.0,
            },
            auto_device_cap: args.auto_device_cap,
            base_policy: policy,
            ..WriterConfig::default()
        },
    )?;
    let stop = Arc::new(AtomicBool::new(false));
    handle_signals(stop.clone(), tls.clone())?;
    snapshot::watch(store.clone(), publisher.hint().clone(), Duration::from_millis(20), stop.clone());
    if let Some(c) = &cluster {
        provd_control::cluster::spawn(c.clone(), publisher.clone(), writer.committer(), stop.clone())?;
    }
    let shared = Arc::new(Shared {
        store,
        publisher,
        writer,
        seclog,
        stats,
        fetches: Default::default(),
        stop: stop.clone(),
        base_policy: policy,
        budget: budget.clone(),
        pending: Default::default(),
        scanners: provd_dataplane::scanners::Scanners::new(provd_dataplane::scanners::ScannerLimits {
            rate: Rate { per_second: args.scanner_per_minute / 60.0, burst: args.scanner_burst.max(1.0) },
            ignore: Duration::from_secs(args.scanner_ignore),
            ..Default::default()
        }),
    });
    if tls.is_some() {
        match provd_dataplane::tls::kernel_tls_available() {
            Ok(()) => log::info!("HTTPS: sessions in user space (rustls); the kernel has TLS, not used yet"),
            Err(why) => log::info!("HTTPS: sessions in user space (rustls); kernel TLS unavailable: {why}"),
        }
    }
    let opts = Arc::new(IoOptions {
        tls,
        http: http::HttpOptions {
            trusted_proxies: args.trusted_proxies,
            url_key: args.url_key,
            limits: provd_proto::http::Limits {
                header_timeout: Duration::from_secs_f64(args.http_header_timeout),
                keepalive_timeout: Duration::from_secs_f64(args.http_keepalive_timeout),
                first_byte_timeout: Duration::from_secs_f64(args.http_first_byte_timeout),
                ..Default::default()
            },
        },
        tftp: tftp::TftpOptions {
            url_key: args.url_key,
            ..tftp::TftpOptions::new(args.tftp_max_blksize, args.tftp_max_windowsize)
        },
        grace: Duration::from_secs(args.shutdown_grace),
    });

    log::info!("driver {}, {threads} threads, security log {}", driver.name(), seclog_path.display());
    log::info!("{}", shared.budget.describe());
    if let Some(l) = https_listeners.as_ref().and_then(|l| l.first()) {
        log::info!("HTTPS on {}", l.local_addr()?);
    }
    if let Some(l) = http_listeners.as_ref().and_then(|l| l.first()) {
        log::info!("HTTP on {}", l.local_addr()?);
    }
    if let Some(s) = tftp_sockets.as_ref().and_then(|s| s.first()) {
        log::info!("TFTP on {}", s.local_addr()?);
    }
    if let Some(listener) = api_listener {
        let addr = listener.local_addr()?;
        let auth = api_auth(&args, &data, addr)?;
        let ami_login = match &args.sync_ami_login_file {
            Some(path) => Some(secrets::ami_login(path)?),
            None => args.sync_ami_login.clone(),
        };
        if args.sync_ami_login.is_some() {
            log::warn!("--sync-ami-login shows the AMI secret to every user (ps): prefer --sync-ami-login-file");
        }
        let sync = sync_config(&args, ami_login.as_deref())?;
        let phones = Arc::new(phones::DataPlane(shared.clone()));
        let committer = shared.writer.committer();
        let plugin_server_ca = match &args.plugin_server_ca {
            Some(p) => Some(std::fs::read(p).map_err(|e| anyhow::anyhow!("--plugin-server-ca {}: {e}", p.display()))?),
            None => None,
        };
        let config = api::ApiConfig { auth, tenant, sync, plugin_server_ca, cluster: cluster.clone() };
        let api = Arc::new(api::Api::new(shared.publisher.clone(), committer, phones, config));
        // /metrics: each part's counters, read out when scraped.
        let mut metrics = provd_net::metrics::Registry::default();
        metrics.register(Box::new(serve::Metrics(shared.clone())));
        metrics.register(Box::new(api.collector()));
        metrics.register(Box::new(budget.clone()));
        if let Some(c) = &cluster {
            metrics.register(Box::new(ClusterMetrics(c.clone())));
        }
        let options = api::listener::ListenerOptions {
            handler_threads: args.api_threads,
            header_timeout: Duration::from_secs_f64(args.api_idle_timeout),
            allowed_hosts: args.api_allowed_host.clone(),
            cors_origins: args.api_cors_origin.clone(),
            metrics: Arc::new(metrics),
            budget: budget.clone(),
        };
        let bound = api::listener::start(api, listener, options)?;
        log::info!("REST API on {bound}");
    }

    let mut http_listeners = http_listeners.map(|v| v.into_iter());
    let mut https_listeners = https_listeners.map(|v| v.into_iter());
    let mut tftp_sockets = tftp_sockets.map(|v| v.into_iter());
    let mut handles = Vec::new();
    for i in 0..threads {
        let sockets = ThreadSockets {
            http: http_listeners.as_mut().and_then(Iterator::next),
            https: https_listeners.as_mut().and_then(Iterator::next),
            tftp: tftp_sockets.as_mut().and_then(Iterator::next),
        };
        let (shared, opts) = (shared.clone(), opts.clone());
        handles.push(
            std::thread::Builder::new()
                .name(format!("provd-io-{i}"))
                .spawn(move || runtime::run_thread(driver, shared, sockets, opts))?,
        );
    }
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => log::error!("I/O thread: {e}"),
            Err(_) => log::error!("an I/O thread panicked"),
        }
    }
    log::info!("stopped");
    Ok(())
}
