//! The fail2ban log, written by its own thread: request paths hand it a
//! fixed-size record (no allocation, no disk write on their side).

use std::fs::OpenOptions;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::SystemTime;

use crate::security::{SecurityEvent, write_message};

const NAME_MAX: usize = 256;
/// How long the log thread lets records gather after writing a batch; the
/// most a line waits beyond that is the time to format the batch.
const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(5);

/// Which line a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sensitive,
    Created,
    CertificateRefused,
}

struct Record {
    at: SystemTime,
    kind: Kind,
    ip: IpAddr,
    name: [u8; NAME_MAX],
    len: u16,
}

/// Formats line heads, `[YYYY-MM-DD HH:MM:SS,mmm] ` in local time, as
/// `security::write_line` does, converting to local time and formatting
/// once per second rather than once per line.
#[derive(Default)]
struct Stamps {
    second: Option<u64>,
    text: Vec<u8>,
}

impl Stamps {
    fn write_record(&mut self, r: &Record, out: &mut Vec<u8>) {
        let name = &r.name[..r.len as usize];
        let event = match r.kind {
            Kind::Created => {
                SecurityEvent::DeviceCreated { ip: r.ip, device_id: std::str::from_utf8(name).unwrap_or("?") }
            }
            Kind::Sensitive => SecurityEvent::SensitiveFile { ip: r.ip, filename: name },
            Kind::CertificateRefused => SecurityEvent::CertificateRefused { ip: r.ip, filename: name },
        };
        self.write_head(r.at, out);
        write_message(&event, out);
    }

    fn write_head(&mut self, at: SystemTime, out: &mut Vec<u8>) {
        let Ok(since) = at.duration_since(std::time::UNIX_EPOCH) else {
            let at: chrono::DateTime<chrono::Local> = at.into();
            let _ = write!(out, "[{}] ", at.format("%Y-%m-%d %H:%M:%S,%3f"));
            return;
        };
        let second = since.as_secs();
        if self.second != Some(second) {
            let whole: chrono::DateTime<chrono::Local> =
                (at - std::time::Duration::from_nanos(since.subsec_nanos().into())).into();
            self.text.clear();
            let _ = write!(self.text, "[{}", whole.format("%Y-%m-%d %H:%M:%S"));
            self.second = Some(second);
        }
        out.extend_from_slice(&self.text);
        let _ = write!(out, ",{:03}] ", since.subsec_millis());
    }
}

/// Appends batches of whole lines to the log file. A batch that cannot be
/// written whole counts its lines not written as dropped; the failure is
/// logged once per run of failures, not once per batch (a full disk would
/// otherwise fill the server's own log as fast as phones ask), and the
/// return to normal is logged with what was lost.
struct Appender<W> {
    file: W,
    path: PathBuf,
    dropped: Arc<AtomicU64>,
    /// Lines lost since writing began to fail, while it fails.
    failing: Option<u64>,
    /// The last write stopped inside a line: the next starts a new one.
    partial: bool,
}

impl<W: Write> Appender<W> {
    fn new(file: W, path: PathBuf, dropped: Arc<AtomicU64>) -> Self {
        Appender { file, path, dropped, failing: None, partial: false }
    }

    fn append(&mut self, lines: &[u8]) {
        // A line a failure cut is ended first, so that fail2ban never reads
        // it glued to the next one.
        if self.partial && self.write_counting(b"\n").1.is_none() {
            self.partial = false;
        }
        let (written, error) = if self.partial {
            (0, Some(std::io::Error::other("cannot end a line cut by an earlier failure")))
        } else {
            self.write_counting(lines)
        };
        let Some(e) = error else {
            if let Some(lost) = self.failing.take() {
                log::warn!("security log {}: writable again; {lost} lines were lost", self.path.display());
            }
            return;
        };
        let lost = lines[written..].iter().filter(|b| **b == b'\n').count() as u64;
        self.dropped.fetch_add(lost, Ordering::Relaxed);
        self.partial |= written > 0 && lines[written - 1] != b'\n';
        match &mut self.failing {
            Some(total) => *total += lost,
            None => {
                log::error!(
                    "security log {}: {e}; lines are lost (provd_security_log_dropped_total) until it is writable again",
                    self.path.display()
                );
                self.failing = Some(lost);
            }
        }
    }

    /// Writes `buf` as far as it goes: the bytes written, and the error
    /// that stopped it short.
    fn write_counting(&mut self, buf: &[u8]) -> (usize, Option<std::io::Error>) {
        let mut n = 0;
        while n < buf.len() {
            match self.file.write(&buf[n..]) {
                Ok(0) => return (n, Some(std::io::ErrorKind::WriteZero.into())),
                Ok(k) => n += k,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return (n, Some(e)),
            }
        }
        (n, None)
    }
}

/// A cheap handle to the log thread.
#[derive(Clone)]
pub struct SecurityLog {
    tx: mpsc::SyncSender<Record>,
    dropped: Arc<AtomicU64>,
}

impl SecurityLog {
    /// Starts the writer thread appending to `path` (created if missing).
    pub fn start(path: &Path) -> std::io::Result<SecurityLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let (tx, rx) = mpsc::sync_channel::<Record>(4096);
        let dropped = Arc::new(AtomicU64::new(0));
        let mut out = Appender::new(file, path.to_owned(), dropped.clone());
        std::thread::Builder::new().name("provd-seclog".into()).spawn(move || {
            let mut lines = Vec::with_capacity(64 * 1024);
            let mut stamps = Stamps::default();
            let mut write = |lines: &mut Vec<u8>| {
                // fail2ban reads the file as it grows: only whole lines
                // are written, many at once.
                out.append(lines);
                lines.clear();
            };
            while let Ok(first) = rx.recv() {
                let mut next = Some(first);
                while let Some(r) = next {
                    stamps.write_record(&r, &mut lines);
                    if lines.len() >= 60 * 1024 {
                        write(&mut lines);
                    }
                    next = match rx.try_recv() {
                        Ok(r) => Some(r),
                        Err(mpsc::TryRecvError::Empty) if !lines.is_empty() => {
                            write(&mut lines);
                            // Under load, let records gather for a moment
                            // instead of being woken for each: a sender
                            // wakes the thread only when it is blocked in
                            // recv (a futex call and two context switches
                            // per line measured at 50k lines/s).
                            std::thread::sleep(BATCH_PAUSE);
                            rx.try_recv().ok()
                        }
                        Err(_) => None,
                    };
                }
                if !lines.is_empty() {
                    write(&mut lines);
                }
            }
        })?;
        Ok(SecurityLog { tx, dropped })
    }

    fn send(&self, kind: Kind, ip: IpAddr, name: &[u8]) {
        let mut r = Record { at: SystemTime::now(), kind, ip, name: [0; NAME_MAX], len: 0 };
        let n = name.len().min(NAME_MAX);
        r.name[..n].copy_from_slice(&name[..n]);
        r.len = n as u16;
        if self.tx.try_send(r).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `Sensitive file requested from <ip>: <filename>`.
    pub(crate) fn sensitive_file(&self, ip: IpAddr, filename: &[u8]) {
        self.send(Kind::Sensitive, ip, filename);
    }

    /// `Client certificate refused from <ip>: <filename>`.
    pub(crate) fn certificate_refused(&self, ip: IpAddr, filename: &[u8]) {
        self.send(Kind::CertificateRefused, ip, filename);
    }

    /// `New device created automatically from <ip>: <id>`.
    pub(crate) fn device_created(&self, ip: IpAddr, device_id: &str) {
        self.send(Kind::Created, ip, device_id.as_bytes());
    }

    /// Lines lost: the log thread fell behind, or writing them failed (a
    /// full disk).
    pub(crate) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn record(at: SystemTime, created: bool, name: &[u8]) -> Record {
        let kind = if created { Kind::Created } else { Kind::Sensitive };
        let mut r = Record { at, kind, ip: "10.0.0.5".parse().unwrap(), name: [0; NAME_MAX], len: name.len() as u16 };
        r.name[..name.len()].copy_from_slice(name);
        r
    }

    /// The cached heads give the very lines `security::write_line` writes.
    #[test]
    fn lines_match_write_line() {
        let mut stamps = Stamps::default();
        let base = UNIX_EPOCH + Duration::from_secs(1_714_557_600);
        for (i, ms) in [0u64, 1, 999, 1000, 1001, 59_999, 60_000, 3_600_123, 86_400_007].into_iter().enumerate() {
            let at = base + Duration::from_millis(ms) + Duration::from_nanos(999_999 * (i as u64 % 2));
            let r = record(at, i % 3 == 0, b"805ec0d57d55.cfg");
            let mut got = Vec::new();
            stamps.write_record(&r, &mut got);
            let mut want = Vec::new();
            let local: chrono::DateTime<chrono::Local> = at.into();
            let event = if r.kind == Kind::Created {
                SecurityEvent::DeviceCreated { ip: r.ip, device_id: "805ec0d57d55.cfg" }
            } else {
                SecurityEvent::SensitiveFile { ip: r.ip, filename: b"805ec0d57d55.cfg" }
            };
            crate::security::write_line(&local, &event, &mut want);
            assert_eq!(String::from_utf8(got).unwrap(), String::from_utf8(want).unwrap(), "at {ms} ms");
        }
    }

    /// A file that takes `room` more bytes, then fails as a full disk does.
    struct Full {
        room: usize,
        got: Vec<u8>,
    }

    impl Write for Full {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::from_raw_os_error(28));
            }
            let n = buf.len().min(self.room).min(7);
            self.room -= n;
            self.got.extend_from_slice(&buf[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Lines a failing write did not finish are counted, the one it cut is
    /// ended before the next batch, and nothing is counted once it works.
    #[test]
    fn lines_lost_to_a_full_disk_are_counted() {
        let dropped = Arc::new(AtomicU64::new(0));
        let mut out = Appender::new(Full { room: 30, got: Vec::new() }, "f2b.log".into(), dropped.clone());
        out.append(b"line one\nline two\n");
        assert_eq!(dropped.load(Ordering::Relaxed), 0);
        // 12 bytes of room: "line three\nl" fit, the rest is lost.
        out.append(b"line three\nline four\nline five\n");
        assert_eq!(dropped.load(Ordering::Relaxed), 2);
        out.append(b"line six\n");
        assert_eq!(dropped.load(Ordering::Relaxed), 3);
        assert_eq!(out.failing, Some(3));
        out.file.room = 100;
        out.append(b"line seven\n");
        assert_eq!(dropped.load(Ordering::Relaxed), 3);
        assert_eq!(out.failing, None);
        assert_eq!(String::from_utf8_lossy(&out.file.got), "line one\nline two\nline three\nl\nline seven\n");
    }

    /// Every line reaches the file, whole, bursts included.
    #[test]
    fn a_burst_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f2b.log");
        let log = SecurityLog::start(&path).unwrap();
        let ip: IpAddr = "10.0.0.5".parse().unwrap();
        for i in 0..3000 {
            log.sensitive_file(ip, format!("{i:012x}.cfg").as_bytes());
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let mut lines = Vec::new();
        while std::time::Instant::now() < deadline {
            lines = std::fs::read_to_string(&path).unwrap().lines().map(str::to_owned).collect();
            if lines.len() as u64 + log.dropped() >= 3000 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(lines.len() as u64 + log.dropped(), 3000);
        assert!(lines.iter().all(|l| l.starts_with('[') && l.contains("] Sensitive file requested from 10.0.0.5: ")));
    }
}
