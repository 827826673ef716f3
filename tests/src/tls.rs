//! Test certificates made with `openssl`: a CA and a server certificate it
//! signed for 127.0.0.1 (for the https and TLS tests).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `args` in `dir`; panics with its stderr if it fails.
pub fn sh(dir: &Path, args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA, and a certificate it signed for 127.0.0.1: `(ca.pem, cert, key)`.
pub fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    sh(
        dir,
        &[
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=provd test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
    sh(
        dir,
        &[
            "openssl",
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "srv.key",
            "-out",
            "srv.csr",
        ],
    );
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n").unwrap();
    sh(
        dir,
        &[
            "openssl",
            "x509",
            "-req",
            "-in",
            "srv.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "srv.pem",
        ],
    );
    (dir.join("ca.pem"), dir.join("srv.pem"), dir.join("srv.key"))
}
