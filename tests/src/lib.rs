//! Helpers for the end-to-end tests: find the real binaries, make data
//! directories.

pub mod postgres;
pub mod repo;
pub mod sipp;
pub mod tls;

use std::path::PathBuf;
use std::process::{Command, Output};

/// A binary of the workspace, from the same profile as the running test
/// (`scripts/test` builds them before running the suite).
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let dir = exe.parent().and_then(|d| d.parent()).expect("target profile dir");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: build the binaries first (`cargo build --release --workspace --bins`, as scripts/test does)",
        path.display()
    );
    path
}

/// Runs a binary, returning its output; panics with stderr if it could not start.
pub fn run(name: &str, args: &[&str]) -> Output {
    Command::new(bin(name)).args(args).output().unwrap_or_else(|e| panic!("cannot run {name}: {e}"))
}

/// Runs `provd-server` on `data`, its listeners on 127.0.0.1:0 (the API
/// too), with `extra`, until it exits: for what must stop it at start.
pub fn server_until_exit(data: &std::path::Path, extra: &[&str]) -> Output {
    let data = data.to_str().unwrap();
    let mut args = vec!["--data", data, "--http", "127.0.0.1:0", "--tftp", "127.0.0.1:0", "--api", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    run("provd-server", &args)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// One row of `tests/data/ident-vectors.tsv`.
#[derive(Debug, Clone)]
pub struct IdentVector {
    pub protocol: String,
    pub input: String,
    pub vendor: String,
    pub model: String,
    pub version: String,
    pub mac: String,
}

pub fn ident_vectors() -> Vec<IdentVector> {
    let text = include_str!("../data/ident-vectors.tsv");
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let mut f = l.split('\t').map(str::to_owned);
            let mut next = || f.next().unwrap_or_default();
            IdentVector { protocol: next(), input: next(), vendor: next(), model: next(), version: next(), mac: next() }
        })
        .collect()
}

/// A running `provd-server` on loopback ephemeral ports, stopped on drop.
pub struct Server {
    child: std::process::Child,
    pub http: std::net::SocketAddr,
    pub tftp: std::net::SocketAddr,
    /// The HTTPS listener, when the test turned it on (`--https`).
    pub https: Option<std::net::SocketAddr>,
    /// The REST API, unless the test turned it off.
    pub api: Option<std::net::SocketAddr>,
    pub data: PathBuf,
    log: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Server {
    /// Starts the server on `data` with HTTP and TFTP on 127.0.0.1:0 and
    /// `extra` arguments; waits until both listen.
    pub fn start(data: &std::path::Path, extra: &[&str]) -> Server {
        Server::start_with_descriptors(data, extra, None)
    }

    /// [`Server::start`] under an open-file limit of `limit` (soft and
    /// hard, as `ulimit -n` would set it), when given.
    pub fn start_with_descriptors(data: &std::path::Path, extra: &[&str], limit: Option<u64>) -> Server {
        Server::start_with(data, extra, limit, &[])
    }

    /// [`Server::start`] with `env` added to the server's environment.
    pub fn start_with_env(data: &std::path::Path, extra: &[&str], env: &[(&str, &str)]) -> Server {
        Server::start_with(data, extra, None, env)
    }

    fn start_with(data: &std::path::Path, extra: &[&str], limit: Option<u64>, env: &[(&str, &str)]) -> Server {
        use std::io::BufRead;
        use std::os::unix::process::CommandExt;
        let mut command = Command::new(bin("provd-server"));
        command.envs(env.iter().copied());
        if let Some(limit) = limit {
            // SAFETY: setrlimit only, between fork and exec.
            unsafe {
                command.pre_exec(move || {
                    let l = libc::rlimit { rlim_cur: limit, rlim_max: limit };
                    if libc::setrlimit(libc::RLIMIT_NOFILE, &l) != 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        }
        command.args(["--data", data.to_str().unwrap(), "--threads", "2"]);
        // Tests run in parallel: never the fixed default ports, unless the
        // test names its own.
        for listener in ["--http", "--tftp", "--api"] {
            if !extra.contains(&listener) {
                command.args([listener, "127.0.0.1:0"]);
            }
        }
        let mut child = command.args(extra).stderr(std::process::Stdio::piped()).spawn().expect("start provd-server");
        let log = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push_str(&line);
                sink.lock().unwrap().push('\n');
                let _ = tx.send(line);
            }
        });
        let (mut http, mut tftp, mut api, mut https) = (None, None, None, None);
        let api_off = extra.windows(2).any(|w| w == ["--api", "off"]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while http.is_none() || tftp.is_none() || (api.is_none() && !api_off) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    // Text lines, or JSON ones with --log-format json.
                    let msg = match serde_json::from_str::<serde_json::Value>(&line) {
                        Ok(doc) => doc["msg"].as_str().unwrap_or_default().to_owned(),
                        Err(_) => line.strip_prefix("provd-server: ").unwrap_or_default().to_owned(),
                    };
                    if let Some(a) = msg.strip_prefix("HTTP on ") {
                        http = a.parse().ok();
                    }
                    if let Some(a) = msg.strip_prefix("HTTPS on ") {
                        https = a.parse().ok();
                    }
                    if let Some(a) = msg.strip_prefix("TFTP on ") {
                        tftp = a.parse().ok();
                    }
                    if let Some(a) = msg.strip_prefix("REST API on ") {
                        api = a.parse().ok();
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    panic!("provd-server did not start:\n{}", log.lock().unwrap());
                }
            }
        }
        Server { child, http: http.unwrap(), tftp: tftp.unwrap(), https, api, data: data.to_owned(), log }
    }

    /// Everything the server wrote on stderr so far.
    pub fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Descriptors the server holds now.
    pub fn open_descriptors(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid())).map(|d| d.count()).unwrap_or(0)
    }

    /// Threads the server runs now.
    pub fn threads(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/task", self.pid())).map(|d| d.count()).unwrap_or(0)
    }

    /// Sets the server's soft open-file limit (as if descriptors ran out
    /// when `limit` is at most what it holds).
    pub fn set_descriptor_limit(&self, limit: u64) {
        let mut old = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: prlimit on our child with structs we own.
        let r = unsafe {
            libc::prlimit(self.pid() as i32, libc::RLIMIT_NOFILE, std::ptr::null(), &mut old);
            let new = libc::rlimit { rlim_cur: limit.min(old.rlim_max), rlim_max: old.rlim_max };
            libc::prlimit(self.pid() as i32, libc::RLIMIT_NOFILE, &new, std::ptr::null_mut())
        };
        assert_eq!(r, 0, "prlimit: {}", std::io::Error::last_os_error());
    }

    /// A sample of the API's `/metrics` (`name` with its labels, as
    /// written: `provd_accept_errors_total{listener="api"}`); 0 if absent.
    pub fn metric(&self, name: &str) -> f64 {
        let text = self.rest().get("/metrics").text();
        text.lines()
            .find_map(|l| l.strip_prefix(name).and_then(|v| v.strip_prefix(' ')))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    /// A REST client for this server's API, with the token the server made.
    pub fn rest(&self) -> Rest {
        let token = std::fs::read_to_string(self.data.join("api-token")).unwrap_or_default().trim().to_owned();
        Rest { base: format!("http://{}", self.api.expect("the REST API is on")), token: Some(token) }
    }

    /// SIGTERM, then waits for the exit (killing after a minute).
    pub fn stop(mut self) -> std::process::ExitStatus {
        self.terminate()
    }

    /// SIGKILL, as a crash or the OOM killer would, and waits for the exit.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        // SAFETY: signalling our own child.
        unsafe { libc_kill(self.child.id() as i32, 15) };
        let mut status = None;
        if !eventually(3000, || {
            status = self.child.try_wait().unwrap();
            status.is_some()
        }) {
            let _ = self.child.kill();
            return self.child.wait().unwrap();
        }
        status.unwrap()
    }

    /// The security log's lines.
    pub fn security_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.data.join("provd-fail2ban.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

unsafe extern "C" {
    #[link_name = "kill"]
    fn libc_kill(pid: i32, sig: i32) -> i32;
}

/// Runs curl with `args`; returns (status code or exit, body).
pub fn curl(args: &[&str]) -> Output {
    Command::new("curl").args(["-s", "--max-time", "30"]).args(args).output().expect("curl (scripts/install-test-deps)")
}

pub const PROVD_JSON: &str = "application/vnd.proformatique.provd+json";

/// A REST response as curl saw it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head
            .lines()
            .find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

/// The REST API driven with curl, as an administrator's script would.
#[derive(Debug, Clone)]
pub struct Rest {
    pub base: String,
    pub token: Option<String>,
}

impl Rest {
    /// `method path` with `extra` curl arguments.
    pub fn call(&self, method: &str, path: &str, extra: &[&str]) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut args = vec!["-i", "-X", method];
        let auth;
        if let Some(t) = &self.token {
            auth = format!("X-Auth-Token: {t}");
            args.extend(["-H", &auth]);
        }
        args.extend(extra);
        args.push(&url);
        let out = curl(&args);
        let pos = out
            .stdout
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .unwrap_or_else(|| panic!("no response to {method} {path}: {}", String::from_utf8_lossy(&out.stderr)));
        let head = String::from_utf8_lossy(&out.stdout[..pos]).into_owned();
        let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
        Reply { status, head, body: out.stdout[pos + 4..].to_vec() }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.call("GET", path, &[])
    }

    pub fn delete(&self, path: &str) -> Reply {
        self.call("DELETE", path, &[])
    }

    /// Polls the operation at `location` until it leaves `progress`, at
    /// most `attempts` times 50 ms apart; its last document.
    #[track_caller]
    pub fn wait_operation(&self, location: &str, attempts: usize) -> serde_json::Value {
        let mut doc = serde_json::Value::Null;
        let done = eventually_every(attempts, 50, || {
            doc = self.get(location).json();
            let status = doc["status"].as_str().unwrap_or_default();
            status.starts_with("success") || status.starts_with("fail")
        });
        assert!(done, "{location} still in progress: {doc}");
        doc
    }

    /// A body in provd's media type.
    pub fn send(&self, method: &str, path: &str, body: &serde_json::Value) -> Reply {
        let body = body.to_string();
        self.call(method, path, &["-H", &format!("Content-Type: {PROVD_JSON}"), "--data-binary", &body])
    }
}

/// Polls `f` until it returns true or `attempts` tries pass (20 ms apart).
pub fn eventually(attempts: usize, f: impl FnMut() -> bool) -> bool {
    eventually_every(attempts, 20, f)
}

/// [`eventually`] with tries `pause_ms` apart. Bounded by a count, not a
/// clock: a slow machine waits longer, it does not fail sooner.
pub fn eventually_every(attempts: usize, pause_ms: u64, mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..attempts {
        if f() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(pause_ms));
    }
    false
}

/// `{"config": ...}`: config `id` for one phone line, `alice` on
/// 127.0.0.1, shown as `display` (what the tests change to see a render).
pub fn line_config(id: &str, display: &str) -> serde_json::Value {
    serde_json::json!({"config": {
        "id": id, "parent_ids": ["base", "defaultconfigdevice"], "deletable": true, "X_type": "device",
        "raw_config": {"sip_lines": {"1": {
            "username": "alice", "password": "secret", "display_name": display,
            "number": "1001", "proxy_ip": "127.0.0.1", "registrar_ip": "127.0.0.1"
        }}}
    }})
}
