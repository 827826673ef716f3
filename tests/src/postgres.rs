//! A throwaway PostgreSQL cluster for the cluster-mode tests: `initdb` in
//! a temporary directory as the `postgres` user (PostgreSQL refuses to run
//! as root), listening on 127.0.0.1 and a free port only; stopped and
//! removed on drop.

use std::path::PathBuf;
use std::process::{Command, Output};

/// A running (or stopped, see [`Postgres::stop`]) throwaway cluster.
pub struct Postgres {
    dir: tempfile::TempDir,
    bin: PathBuf,
    /// Its TCP port on 127.0.0.1.
    pub port: u16,
    /// More `-c name=value` server settings.
    settings: Vec<String>,
}

fn bin_dir() -> PathBuf {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL is not installed (scripts/install-test-deps installs it)")
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().expect("no PostgreSQL server under /usr/lib/postgresql")
}

fn as_postgres(bin: &std::path::Path, tool: &str, args: &[&str]) -> Output {
    Command::new("runuser")
        .args(["-u", "postgres", "--"])
        .arg(bin.join(tool))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("runuser {tool}: {e}"))
}

impl Postgres {
    /// Creates and starts a cluster.
    pub fn start() -> Postgres {
        Postgres::start_with(&[])
    }

    /// Creates and starts a cluster with more server settings
    /// (`name=value`).
    pub fn start_with(settings: &[&str]) -> Postgres {
        let dir = tempfile::tempdir().unwrap();
        let chown = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().unwrap();
        assert!(chown.success());
        let bin = bin_dir();
        let data = dir.path().join("data");
        let out =
            as_postgres(&bin, "initdb", &["-D", data.to_str().unwrap(), "-A", "trust", "-U", "postgres", "--no-sync"]);
        assert!(out.status.success(), "initdb: {}", String::from_utf8_lossy(&out.stderr));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let settings = settings.iter().map(|s| (*s).to_owned()).collect();
        let pg = Postgres { dir, bin, port, settings };
        pg.restart();
        pg
    }

    /// A directory the server may read (owned by `postgres`), for files its
    /// settings name.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// A streaming replica of this cluster (hot standby, read-only), made
    /// with `pg_basebackup` and started on a port of its own.
    pub fn replica(&self) -> Postgres {
        let dir = tempfile::tempdir().unwrap();
        let chown = Command::new("chown").args(["-R", "postgres:postgres"]).arg(dir.path()).status().unwrap();
        assert!(chown.success());
        let data = dir.path().join("data");
        let port = self.port.to_string();
        let out = as_postgres(
            &self.bin,
            "pg_basebackup",
            &["-D", data.to_str().unwrap(), "-R", "-X", "stream", "-h", "127.0.0.1", "-p", &port, "-U", "postgres"],
        );
        assert!(out.status.success(), "pg_basebackup: {}", String::from_utf8_lossy(&out.stderr));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let replica = Postgres { dir, bin: self.bin.clone(), port, settings: self.settings.clone() };
        replica.restart();
        replica
    }

    /// The URL provd is given.
    pub fn url(&self) -> String {
        format!("postgresql://postgres@127.0.0.1:{}/postgres?sslmode=disable", self.port)
    }

    /// Starts it again after [`stop`](Self::stop) (same data, same port).
    pub fn restart(&self) {
        let data = self.dir.path().join("data");
        let mut options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off",
            self.port,
            self.dir.path().display()
        );
        for setting in &self.settings {
            options.push_str(&format!(" -c {setting}"));
        }
        let log = self.dir.path().join("log");
        let out = as_postgres(
            &self.bin,
            "pg_ctl",
            &["-D", data.to_str().unwrap(), "-l", log.to_str().unwrap(), "-w", "-t", "60", "-o", &options, "start"],
        );
        assert!(
            out.status.success(),
            "pg_ctl start: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops it (fast: open connections are closed).
    pub fn stop(&self) {
        let data = self.dir.path().join("data");
        let out = as_postgres(&self.bin, "pg_ctl", &["-D", data.to_str().unwrap(), "-m", "fast", "-w", "stop"]);
        assert!(out.status.success(), "pg_ctl stop: {}", String::from_utf8_lossy(&out.stderr));
    }

    /// Runs `sql` with psql; returns its unaligned, tuples-only output.
    pub fn psql(&self, sql: &str) -> String {
        let psql = if self.bin.join("psql").exists() { self.bin.join("psql") } else { PathBuf::from("psql") };
        let out = Command::new(psql)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
                "-At",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
            ])
            .output()
            .expect("psql");
        assert!(out.status.success(), "psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.path().join("data");
        let _ = as_postgres(&self.bin, "pg_ctl", &["-D", data.to_str().unwrap(), "-m", "immediate", "-w", "stop"]);
    }
}
