//! REST write latency (issue 13): the writes wazo-confd makes, timed one
//! call at a time against a running provd-server, sequentially and from
//! several concurrent clients.
//!
//! Kinds:
//! * `config_post`: a new config nobody uses;
//! * `config_put`: a change to a config exactly one device uses (its line
//!   1 display name, a new value every call, so the device is re-rendered);
//! * `device_post`: a new device with its own new config (the config is
//!   created before the timed phase; only the device POST is timed).
//!
//! Everything the driver creates carries a per-run nonce in its id and
//! MAC, so runs against the same server do not collide.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// One write kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    ConfigPost,
    ConfigPut,
    DevicePost,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::ConfigPost, Kind::ConfigPut, Kind::DevicePost];

    pub fn name(self) -> &'static str {
        match self {
            Kind::ConfigPost => "config_post",
            Kind::ConfigPut => "config_put",
            Kind::DevicePost => "device_post",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

/// `a,b,c` into kinds; every name must be known.
pub fn parse_kinds(s: &str) -> Result<Vec<Kind>, String> {
    s.split(',')
        .filter(|p| !p.is_empty())
        .map(|p| Kind::parse(p).ok_or_else(|| format!("unknown kind {p:?} (config_post, config_put, device_post)")))
        .collect()
}

/// Nearest-rank percentile (`p` in 0..=1) of unsorted samples; zero when empty.
pub fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut v = samples.to_vec();
    v.sort();
    let rank = (p * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

/// What one phase (a kind, a client count) measured.
#[derive(Debug)]
pub struct Phase {
    pub kind: Kind,
    pub clients: usize,
    pub latencies: Vec<Duration>,
    pub errors: usize,
    pub elapsed: Duration,
}

impl Phase {
    pub fn writes_per_s(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.latencies.len() as f64 / s } else { 0.0 }
    }

    pub fn to_json(&self) -> Value {
        let ms = |d: Duration| (d.as_secs_f64() * 1e6).round() / 1e3;
        json!({
            "kind": self.kind.name(),
            "clients": self.clients,
            "calls": self.latencies.len(),
            "errors": self.errors,
            "elapsed_s": self.elapsed.as_secs_f64(),
            "writes_per_s": self.writes_per_s(),
            "p50_ms": ms(percentile(&self.latencies, 0.50)),
            "p95_ms": ms(percentile(&self.latencies, 0.95)),
            "p99_ms": ms(percentile(&self.latencies, 0.99)),
            "max_ms": ms(self.latencies.iter().copied().max().unwrap_or_default()),
        })
    }
}

/// The driver's settings.
pub struct Settings {
    /// `http://127.0.0.1:PORT/0.2`
    pub api: String,
    pub token: Option<String>,
    pub calls: usize,
    pub concurrent_calls: usize,
    pub clients: usize,
    pub max_phase: Duration,
    pub plugin: String,
    pub vendor: String,
    pub model: String,
    pub version: String,
    /// The first three bytes of the MACs created.
    pub oui: [u8; 3],
    pub nonce: u32,
}

/// The admin CLI's REST client, calls described for this benchmark.
struct Client(provd_tools::client::Api);

impl Client {
    fn new(s: &Settings) -> Client {
        let api = provd_tools::client::Api::new(&s.api, s.token.clone(), Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("--api {}: {e}", s.api));
        Client(api)
    }

    /// One call; `Err` with a description unless 2xx.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Vec<u8>, String> {
        let what = format!("{method} {path}");
        self.0.call(method, path, body, &what).map(|reply| reply.body).map_err(|e| e.to_string())
    }
}

/// Shared state of a run.
struct Run<'a> {
    s: &'a Settings,
    /// Ids handed out to configs and MACs (unique within the run).
    serial: AtomicUsize,
    first_error: Mutex<Option<String>>,
}

impl Run<'_> {
    fn next(&self) -> usize {
        self.serial.fetch_add(1, Ordering::Relaxed)
    }

    fn config_doc(&self, n: usize) -> Value {
        let id = format!("bench-{:08x}-{n}", self.s.nonce);
        json!({"config": {
            "id": id,
            "parent_ids": ["base", "defaultconfigdevice"],
            "deletable": true,
            "X_type": "device",
            "configdevice": "defaultconfigdevice",
            "raw_config": {"sip_lines": {"1": {
                "username": format!("bench{n}"), "auth_username": format!("bench{n}"),
                "password": format!("{:016x}", (n as u64 ^ u64::from(self.s.nonce)).wrapping_mul(0x9E37_79B9_7F4A_7C15)),
                "display_name": format!("Bench {n}"), "number": (100000 + n).to_string(),
                "proxy_ip": "10.0.0.10", "registrar_ip": "10.0.0.10"
            }}}
        }})
    }

    fn device_doc(&self, n: usize, config: &str) -> Value {
        let o = self.s.oui;
        // The fourth byte's high bit set: the fleets of provd-bench and
        // provd-loadgen never reach it.
        let mac = format!(
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            o[0],
            o[1],
            o[2],
            0x80 | (self.s.nonce as u8 & 0x7f),
            (n >> 8) as u8,
            n as u8
        );
        json!({"device": {
            "mac": mac, "config": config, "plugin": self.s.plugin,
            "vendor": self.s.vendor, "model": self.s.model, "version": self.s.version,
        }})
    }

    fn error(&self, e: String) {
        let mut first = self.first_error.lock().unwrap();
        if first.is_none() {
            eprintln!("rest-writes: {e}");
            *first = Some(e);
        }
    }

    /// Creates a config; its id.
    fn post_config(&self, c: &Client) -> Result<(String, Value), String> {
        let doc = self.config_doc(self.next());
        c.call("POST", "/cfg_mgr/configs", Some(&doc))?;
        Ok((doc["config"]["id"].as_str().unwrap().to_owned(), doc))
    }

    fn post_device(&self, c: &Client, config: &str) -> Result<(), String> {
        let doc = self.device_doc(self.next(), config);
        c.call("POST", "/dev_mgr/devices", Some(&doc)).map(drop)
    }

    /// `clients` threads share `calls` calls of `kind`, until done or
    /// `max_phase` has passed (no new call starts after it).
    /// `work(client_index, call_index, client)` does one call and says how
    /// long its timed part took.
    fn phase<F>(&self, kind: Kind, clients: usize, calls: usize, work: F) -> Phase
    where
        F: Fn(usize, usize, &Client) -> Result<Duration, String> + Sync,
    {
        let left = AtomicUsize::new(0);
        let start = Instant::now();
        let deadline = start + self.s.max_phase;
        let per: Vec<(Vec<Duration>, usize)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..clients)
                .map(|t| {
                    let (left, work) = (&left, &work);
                    scope.spawn(move || {
                        let c = Client::new(self.s);
                        let (mut lat, mut errors) = (Vec::new(), 0);
                        loop {
                            let i = left.fetch_add(1, Ordering::Relaxed);
                            if i >= calls || Instant::now() >= deadline {
                                break;
                            }
                            match work(t, i, &c) {
                                Ok(d) => lat.push(d),
                                Err(e) => {
                                    errors += 1;
                                    self.error(e);
                                }
                            }
                        }
                        (lat, errors)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("client thread")).collect()
        });
        let elapsed = start.elapsed();
        let mut latencies = Vec::new();
        let mut errors = 0;
        for (l, e) in per {
            latencies.extend(l);
            errors += e;
        }
        Phase { kind, clients, latencies, errors, elapsed }
    }
}

fn timed<T>(f: impl FnOnce() -> Result<T, String>) -> Result<Duration, String> {
    let t = Instant::now();
    f()?;
    Ok(t.elapsed())
}

/// Runs every kind, sequentially (one client) then with `clients`
/// concurrent clients; each phase is reported as it ends through `report`.
pub fn run(s: &Settings, kinds: &[Kind], mut report: impl FnMut(&Phase)) -> anyhow::Result<usize> {
    let run = Run { s, serial: AtomicUsize::new(0), first_error: Mutex::new(None) };
    let setup = Client::new(s);
    let mut errors = 0;
    let modes = [(1, s.calls), (s.clients, s.concurrent_calls)];
    for &kind in kinds {
        match kind {
            Kind::ConfigPost => {
                for (clients, calls) in modes {
                    let p = run.phase(kind, clients, calls, |_, _, c| timed(|| run.post_config(c)));
                    errors += p.errors;
                    report(&p);
                }
            }
            Kind::ConfigPut => {
                // One target device per client, created untimed; the
                // config document each client PUTs (it owns it).
                let mut targets = Vec::new();
                for _ in 0..s.clients.max(1) {
                    let (id, doc) = run.post_config(&setup).map_err(anyhow::Error::msg)?;
                    run.post_device(&setup, &id).map_err(anyhow::Error::msg)?;
                    targets.push(Mutex::new(doc));
                }
                for (clients, calls) in modes {
                    let p = run.phase(kind, clients, calls, |t, i, c| {
                        let mut doc = targets[t].lock().unwrap();
                        let id = doc["config"]["id"].as_str().unwrap().to_owned();
                        // A new display name every call: the device's file changes.
                        doc["config"]["raw_config"]["sip_lines"]["1"]["display_name"] =
                            Value::from(format!("Bench {id} {clients}x{i}"));
                        timed(|| c.call("PUT", &format!("/cfg_mgr/configs/{id}"), Some(&doc)))
                    });
                    errors += p.errors;
                    report(&p);
                }
            }
            Kind::DevicePost => {
                for (clients, calls) in modes {
                    // The configs first (untimed, bounded by the phase time too).
                    let deadline = Instant::now() + s.max_phase;
                    let mut configs = Vec::new();
                    while configs.len() < calls && Instant::now() < deadline {
                        match run.post_config(&setup) {
                            Ok((id, _)) => configs.push(id),
                            Err(e) => {
                                errors += 1;
                                run.error(e);
                                break;
                            }
                        }
                    }
                    let p =
                        run.phase(kind, clients, configs.len(), |_, i, c| timed(|| run.post_device(c, &configs[i])));
                    errors += p.errors;
                    report(&p);
                }
            }
        }
    }
    Ok(errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let v = ms(&[5, 1, 4, 2, 3, 10, 9, 8, 7, 6]);
        assert_eq!(percentile(&v, 0.5), Duration::from_millis(5));
        assert_eq!(percentile(&v, 0.95), Duration::from_millis(10));
        assert_eq!(percentile(&v, 0.0), Duration::from_millis(1));
        assert_eq!(percentile(&v, 1.0), Duration::from_millis(10));
        assert_eq!(percentile(&ms(&[7]), 0.99), Duration::from_millis(7));
        assert_eq!(percentile(&[], 0.5), Duration::ZERO);
    }

    #[test]
    fn kinds_parse_by_name() {
        assert_eq!(parse_kinds("config_post,device_post").unwrap(), [Kind::ConfigPost, Kind::DevicePost]);
        assert_eq!(parse_kinds("config_put,").unwrap(), [Kind::ConfigPut]);
        assert!(parse_kinds("config_delete").unwrap_err().contains("config_delete"));
        for k in Kind::ALL {
            assert_eq!(Kind::parse(k.name()), Some(k));
        }
    }

    #[test]
    fn writes_per_second_counts_successful_calls_over_the_phase() {
        let p = Phase {
            kind: Kind::ConfigPost,
            clients: 8,
            latencies: ms(&[1; 40]),
            errors: 1,
            elapsed: Duration::from_secs(2),
        };
        assert_eq!(p.writes_per_s(), 20.0);
        assert_eq!(p.to_json()["calls"], 40);
        assert_eq!(p.to_json()["p50_ms"], 1.0);
    }
}
