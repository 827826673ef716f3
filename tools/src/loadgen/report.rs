//! What a run measured: per-thread statistics merged at the end, the live
//! counters behind the progress line, and the text and JSON reports.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde_json::{Value, json};

use super::hist::Histogram;

/// Why a request failed, as reported (`errors.by_kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// An HTTP status other than the expected one.
    HttpStatus(u16),
    /// A TFTP ERROR packet with this code (1 where a file was expected).
    TftpError(u16),
    /// No (complete) answer within the timeout, or TFTP retransmissions
    /// exhausted.
    Timeout,
    ConnectionRefused,
    ConnectionReset,
    /// Another socket error.
    Io,
    /// A malformed or truncated answer.
    Protocol,
    /// Bytes other than the exported file (or a file where none is exported).
    ContentMismatch,
}

impl ErrorKind {
    pub fn label(self) -> String {
        match self {
            ErrorKind::HttpStatus(s) => format!("http_{s}"),
            ErrorKind::TftpError(c) => format!("tftp_error_{c}"),
            ErrorKind::Timeout => "timeout".into(),
            ErrorKind::ConnectionRefused => "connection_refused".into(),
            ErrorKind::ConnectionReset => "connection_reset".into(),
            ErrorKind::Io => "io_error".into(),
            ErrorKind::Protocol => "protocol".into(),
            ErrorKind::ContentMismatch => "content_mismatch".into(),
        }
    }

    pub fn of_io(e: &std::io::Error) -> ErrorKind {
        use std::io::ErrorKind as K;
        match e.kind() {
            K::ConnectionRefused => ErrorKind::ConnectionRefused,
            K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe => ErrorKind::ConnectionReset,
            K::TimedOut => ErrorKind::Timeout,
            K::UnexpectedEof | K::InvalidData => ErrorKind::Protocol,
            _ => ErrorKind::Io,
        }
    }
}

/// Counters the progress line reads while the run goes on.
#[derive(Debug, Default)]
pub struct Live {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub errors: AtomicU64,
    pub phones_done: AtomicU64,
    pub in_flight: AtomicU64,
}

impl Live {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Mismatch details kept per run.
pub const MAX_DETAILS: usize = 20;

/// One thread's measurements (merged into the run's at the end).
#[derive(Debug, Default)]
pub struct Stats {
    /// Latency of each answered request (connect included when the request
    /// opened its connection), errors excluded.
    pub requests: Histogram,
    /// From a phone's first request to its last file, boots without error.
    pub boots: Histogram,
    /// Requests answered as expected (files and expected "not found").
    pub requests_ok: u64,
    /// Files received (HTTP 200, complete TFTP transfers).
    pub files: u64,
    /// Files whose bytes were compared with the export and matched.
    pub files_checked: u64,
    /// Expected "not found" answers (Yealink's y000000000000.cfg...).
    pub not_found_expected: u64,
    pub bytes: u64,
    pub boots_ok: u64,
    pub boots_failed: u64,
    /// Boots cut by --max-duration.
    pub boots_aborted: u64,
    /// Phones whose every boot ran (failed or not).
    pub phones_done: u64,
    pub phones_started: u64,
    pub errors: BTreeMap<ErrorKind, u64>,
    pub details: Vec<String>,
    pub tftp_retransmits: u64,
    pub connections: u64,
    /// Per family: (files, errors).
    pub families: BTreeMap<&'static str, (u64, u64)>,
}

impl Stats {
    pub fn error(&mut self, kind: ErrorKind, family: &'static str, detail: impl FnOnce() -> String) {
        *self.errors.entry(kind).or_default() += 1;
        self.families.entry(family).or_default().1 += 1;
        if self.details.len() < MAX_DETAILS {
            self.details.push(detail());
        }
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn merge(&mut self, o: Stats) {
        self.requests.merge(&o.requests);
        self.boots.merge(&o.boots);
        self.requests_ok += o.requests_ok;
        self.files += o.files;
        self.files_checked += o.files_checked;
        self.not_found_expected += o.not_found_expected;
        self.bytes += o.bytes;
        self.boots_ok += o.boots_ok;
        self.boots_failed += o.boots_failed;
        self.boots_aborted += o.boots_aborted;
        self.phones_done += o.phones_done;
        self.phones_started += o.phones_started;
        for (k, v) in o.errors {
            *self.errors.entry(k).or_default() += v;
        }
        for d in o.details {
            if self.details.len() < MAX_DETAILS {
                self.details.push(d);
            }
        }
        self.tftp_retransmits += o.tftp_retransmits;
        self.connections += o.connections;
        for (k, (f, e)) in o.families {
            let s = self.families.entry(k).or_default();
            s.0 += f;
            s.1 += e;
        }
    }
}

/// CPU time of this process (getrusage).
#[derive(Debug, Clone, Copy, Default)]
pub struct Cpu {
    pub user: Duration,
    pub system: Duration,
}

impl Cpu {
    pub fn now() -> Cpu {
        // SAFETY: getrusage writes into the struct we own.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
            return Cpu::default();
        }
        let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
        Cpu { user: tv(u.ru_utime), system: tv(u.ru_stime) }
    }

    pub fn since(self, earlier: Cpu) -> Cpu {
        Cpu { user: self.user.saturating_sub(earlier.user), system: self.system.saturating_sub(earlier.system) }
    }

    pub fn total(self) -> Duration {
        self.user + self.system
    }
}

/// Everything the report prints.
pub struct Report<'a> {
    pub stats: &'a Stats,
    pub phones: u64,
    pub elapsed: Duration,
    pub cpu: Cpu,
    pub hit_deadline: bool,
    /// The run's settings, echoed in the JSON (`config`).
    pub config: Value,
}

fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

fn latency_json(h: &Histogram) -> Value {
    json!({
        "count": h.count(),
        "p50_ms": ms(h.quantile_us(0.50)),
        "p95_ms": ms(h.quantile_us(0.95)),
        "p99_ms": ms(h.quantile_us(0.99)),
        "max_ms": ms(h.max_us()),
        "mean_ms": h.mean_us() / 1000.0,
    })
}

fn latency_text(h: &Histogram) -> String {
    if h.count() == 0 {
        return "none".into();
    }
    format!(
        "p50 {:.3} ms  p95 {:.3} ms  p99 {:.3} ms  max {:.3} ms  (mean {:.3} ms, n={})",
        ms(h.quantile_us(0.50)),
        ms(h.quantile_us(0.95)),
        ms(h.quantile_us(0.99)),
        ms(h.max_us()),
        h.mean_us() / 1000.0,
        h.count()
    )
}

impl Report<'_> {
    fn secs(&self) -> f64 {
        self.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn not_started(&self) -> u64 {
        self.phones.saturating_sub(self.stats.phones_started)
    }

    /// Whether the run did everything it was asked without an error.
    pub fn clean(&self) -> bool {
        let s = self.stats;
        s.error_count() == 0 && s.boots_aborted == 0 && self.not_started() == 0 && s.phones_done == self.phones
    }

    pub fn json(&self) -> Value {
        let s = self.stats;
        let secs = self.secs();
        let by_kind: serde_json::Map<String, Value> =
            s.errors.iter().map(|(k, v)| (k.label(), Value::from(*v))).collect();
        let families: serde_json::Map<String, Value> =
            s.families.iter().map(|(k, (f, e))| (k.to_string(), json!({"files": f, "errors": e}))).collect();
        json!({
            "phones": self.phones,
            "phones_started": s.phones_started,
            "phones_completed": s.phones_done,
            "phones_not_started": self.not_started(),
            "boots_ok": s.boots_ok,
            "boots_failed": s.boots_failed,
            "boots_aborted": s.boots_aborted,
            "hit_max_duration": self.hit_deadline,
            "duration_s": secs,
            "requests_ok": s.requests_ok,
            "files": s.files,
            "files_checked": s.files_checked,
            "not_found_expected": s.not_found_expected,
            "bytes": s.bytes,
            "files_per_s": s.files as f64 / secs,
            "requests_per_s": s.requests_ok as f64 / secs,
            "bytes_per_s": s.bytes as f64 / secs,
            "latency": {"request": latency_json(&s.requests), "boot": latency_json(&s.boots)},
            "errors": {"total": s.error_count(), "by_kind": by_kind, "first": s.details},
            "families": families,
            "tftp_retransmits": s.tftp_retransmits,
            "connections": s.connections,
            "generator_cpu": {
                "user_s": self.cpu.user.as_secs_f64(),
                "system_s": self.cpu.system.as_secs_f64(),
                "total_s": self.cpu.total().as_secs_f64(),
                "cores_busy": self.cpu.total().as_secs_f64() / secs,
            },
            "config": self.config,
        })
    }

    pub fn text(&self) -> String {
        use std::fmt::Write;
        let s = self.stats;
        let secs = self.secs();
        let mut o = String::new();
        let _ = writeln!(
            o,
            "phones      {} done of {} in {:.3} s ({} boots ok, {} failed, {} cut by --max-duration, {} phones not started)",
            s.phones_done,
            self.phones,
            secs,
            s.boots_ok,
            s.boots_failed,
            s.boots_aborted,
            self.not_started()
        );
        let _ = writeln!(
            o,
            "files       {} ({} checked against the export, {} expected not-found answers), {:.0} files/s, {:.1} MiB/s",
            s.files,
            s.files_checked,
            s.not_found_expected,
            s.files as f64 / secs,
            s.bytes as f64 / secs / 1048576.0
        );
        let _ = writeln!(o, "request     {}", latency_text(&s.requests));
        let _ = writeln!(o, "boot        {}", latency_text(&s.boots));
        if s.errors.is_empty() {
            let _ = writeln!(o, "errors      none");
        } else {
            let kinds: Vec<String> = s.errors.iter().map(|(k, v)| format!("{} {v}", k.label())).collect();
            let _ = writeln!(o, "errors      {} ({})", s.error_count(), kinds.join(", "));
            for d in &s.details {
                let _ = writeln!(o, "  {d}");
            }
        }
        if s.tftp_retransmits > 0 {
            let _ = writeln!(o, "tftp        {} retransmissions after silence", s.tftp_retransmits);
        }
        let _ = writeln!(
            o,
            "generator   CPU {:.2} s (user {:.2}, system {:.2}): {:.0} % of one core over the run",
            self.cpu.total().as_secs_f64(),
            self.cpu.user.as_secs_f64(),
            self.cpu.system.as_secs_f64(),
            100.0 * self.cpu.total().as_secs_f64() / secs
        );
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_merge() {
        let mut a = Stats::default();
        a.error(ErrorKind::HttpStatus(404), "yealink", || "x".into());
        a.files = 3;
        a.requests.record_us(100);
        let mut b = Stats::default();
        b.error(ErrorKind::HttpStatus(404), "snom", || "y".into());
        b.error(ErrorKind::TftpError(1), "snom", || "z".into());
        b.files = 4;
        b.requests.record_us(300);
        a.merge(b);
        assert_eq!(a.error_count(), 3);
        assert_eq!(a.errors[&ErrorKind::HttpStatus(404)], 2);
        assert_eq!(a.files, 7);
        assert_eq!(a.requests.count(), 2);
        assert_eq!(a.details, ["x", "y", "z"]);
        let labels: Vec<String> = a.errors.keys().map(|k| k.label()).collect();
        assert_eq!(labels, ["http_404", "tftp_error_1"]);
        assert_eq!(
            ErrorKind::of_io(&std::io::Error::from(std::io::ErrorKind::ConnectionRefused)).label(),
            "connection_refused"
        );
    }

    #[test]
    fn json_has_the_fields_scripts_read() {
        let mut s = Stats { phones_started: 2, phones_done: 2, files: 4, ..Default::default() };
        s.requests.record_us(1000);
        let r = Report {
            stats: &s,
            phones: 2,
            elapsed: Duration::from_secs(2),
            cpu: Cpu::default(),
            hit_deadline: false,
            config: json!({}),
        };
        let j = r.json();
        for f in ["files_per_s", "bytes_per_s", "duration_s", "phones_completed", "generator_cpu"] {
            assert!(j.get(f).is_some(), "{f}");
        }
        assert_eq!(j["files_per_s"], 2.0);
        assert_eq!(j["latency"]["request"]["p99_ms"], 1.0);
        assert_eq!(j["errors"]["total"], 0);
        assert!(r.clean());
        assert!(r.text().contains("errors      none"));
        assert!(Cpu::now().total() > Duration::ZERO || cfg!(miri));
    }
}
