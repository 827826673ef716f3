//! The fail2ban log, written by its own thread: request paths hand it a
//! fixed-size record (no allocation, no disk write on their side).

use std::fs::OpenOptions;
use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, mpsc};
use std::time::SystemTime;

use provd_shared::security::{SecurityEvent, write_line};

const NAME_MAX: usize = 256;

struct Record {
    at: SystemTime,
    created: bool,
    ip: IpAddr,
    name: [u8; NAME_MAX],
    len: u16,
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
        let mut file = OpenOptions::new().create(true).append(true).open(path)?;
        let (tx, rx) = mpsc::sync_channel::<Record>(4096);
        let path: PathBuf = path.to_owned();
        std::thread::Builder::new().name("provd-seclog".into()).spawn(move || {
            let mut line = Vec::with_capacity(512);
            while let Ok(r) = rx.recv() {
                line.clear();
                let at: chrono::DateTime<chrono::Local> = r.at.into();
                let name = &r.name[..r.len as usize];
                let event = if r.created {
                    SecurityEvent::DeviceCreated { ip: r.ip, device_id: std::str::from_utf8(name).unwrap_or("?") }
                } else {
                    SecurityEvent::SensitiveFile { ip: r.ip, filename: name }
                };
                write_line(&at, &event, &mut line);
                // fail2ban reads the file as it grows: write each line whole.
                if let Err(e) = file.write_all(&line) {
                    eprintln!("provd-server: security log {}: {e}", path.display());
                }
            }
        })?;
        Ok(SecurityLog { tx, dropped: Arc::new(AtomicU64::new(0)) })
    }

    fn send(&self, created: bool, ip: IpAddr, name: &[u8]) {
        let mut r = Record { at: SystemTime::now(), created, ip, name: [0; NAME_MAX], len: 0 };
        let n = name.len().min(NAME_MAX);
        r.name[..n].copy_from_slice(&name[..n]);
        r.len = n as u16;
        if self.tx.try_send(r).is_err() {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// `Sensitive file requested from <ip>: <filename>`.
    pub fn sensitive_file(&self, ip: IpAddr, filename: &[u8]) {
        self.send(false, ip, filename);
    }

    /// `New device created automatically from <ip>: <id>`.
    pub fn device_created(&self, ip: IpAddr, device_id: &str) {
        self.send(true, ip, device_id.as_bytes());
    }

    /// Lines lost because the log thread fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
