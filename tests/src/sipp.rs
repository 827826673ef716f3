//! SIPp (Debian package `sip-tester`) playing the phone that receives
//! provd's synchronize NOTIFYs.

use std::fs;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

/// A port nobody uses right now (bound, then released).
pub fn free_udp_port() -> u16 {
    UdpSocket::bind((std::net::Ipv4Addr::LOCALHOST, 0)).unwrap().local_addr().unwrap().port()
}

/// Whether some socket is bound to 127.0.0.1:`port` (UDP), from /proc.
fn udp_bound(port: u16) -> bool {
    let needle = format!("0100007F:{port:04X} ");
    fs::read_to_string("/proc/net/udp").map(|t| t.lines().any(|l| l.contains(&needle))).unwrap_or(false)
}

/// SIPp as a UAS running `tests/sipp/notify_uas.xml` for `calls` NOTIFYs.
pub struct Sipp {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl Sipp {
    pub fn start(calls: usize) -> Sipp {
        let dir = tempfile::tempdir().unwrap();
        let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("sipp/notify_uas.xml");
        let port = free_udp_port();
        let stderr = fs::File::create(dir.path().join("stderr")).unwrap();
        let child = Command::new("sipp")
            .arg("-sf")
            .arg(&scenario)
            .args(["-i", "127.0.0.1", "-p", &port.to_string(), "-m", &calls.to_string()])
            .args(["-nostdin", "-timeout", "30s", "-timeout_error", "-trace_logs", "-log_file"])
            .arg(dir.path().join("events.log"))
            .args(["-trace_msg", "-message_file"])
            .arg(dir.path().join("messages.log"))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("cannot run sipp: install Debian's sip-tester package");
        let mut sipp = Sipp { child: Some(child), port, dir };
        let bound = crate::eventually(500, || {
            if let Some(status) = sipp.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("sipp exited before listening ({status}):\n{}", sipp.file("stderr"));
            }
            udp_bound(port)
        });
        assert!(bound, "sipp did not bind 127.0.0.1:{port}");
        sipp
    }

    pub fn file(&self, name: &str) -> String {
        fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().to_owned()
    }

    /// Waits for SIPp to exit (it does after its `-m` calls), polling
    /// about `within` worth of 20 ms pauses.
    pub fn wait(&mut self, within: Duration) -> ExitStatus {
        let mut child = self.child.take().unwrap();
        let mut status = None;
        let attempts = (within.as_millis() / 20) as usize;
        if !crate::eventually(attempts, || {
            status = child.try_wait().unwrap();
            status.is_some()
        }) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sipp still running after {within:?}:\n{}", self.file("stderr"));
        }
        status.unwrap()
    }

    /// The `Event` values SIPp logged, in order.
    pub fn events(&self) -> Vec<String> {
        self.file("events.log").lines().filter_map(|l| l.strip_prefix("EVENT=")).map(str::to_owned).collect()
    }
}

impl Drop for Sipp {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
