//! Test certificates made with `openssl`: a CA and a server certificate it
//! signed for 127.0.0.1 (for the https and TLS tests).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs `args` in `dir`; panics with its stderr if it fails.
pub fn sh(dir: &Path, args: &[&str]) {
    let out = Command::new(args[0]).args(&args[1..]).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A self-signed CA certificate `pem` with its key `key` in `dir`.
fn make_ca(dir: &Path, subject: &str, pem: &str, key: &str) {
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
            subject,
            "-keyout",
            key,
            "-out",
            pem,
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
        ],
    );
}

/// A CA, and a certificate it signed for 127.0.0.1: `(ca.pem, cert, key)`.
pub fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    make_ca(dir, "/CN=provd test CA", "ca.pem", "ca.key");
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

/// A CA of its own in `dir`, as a vendor's (`<name>-ca.pem`).
pub fn vendor_ca(dir: &Path, name: &str) -> PathBuf {
    let (pem, key) = (format!("{name}-ca.pem"), format!("{name}-ca.key"));
    make_ca(dir, &format!("/O={name}/CN={name} device CA"), &pem, &key);
    dir.join(pem)
}

/// A phone's client certificate with `subject` (`/CN=805ec0d57d72`, or a
/// Cisco-like `/OU=CP-8841-3PCC/L=FCH1/ST=805ec0d57d72`) signed by the CA
/// `name` that [`vendor_ca`] made in `dir`: `(cert, key)` named `file`.
pub fn phone_certificate(dir: &Path, name: &str, file: &str, subject: &str) -> (PathBuf, PathBuf) {
    let (pem, key, csr, ext) =
        (format!("{file}.pem"), format!("{file}.key"), format!("{file}.csr"), format!("{file}.ext"));
    sh(dir, &["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", &key, "-out", &csr]);
    std::fs::write(dir.join(&ext), "extendedKeyUsage=clientAuth\n").unwrap();
    let (ca, ca_key) = (format!("{name}-ca.pem"), format!("{name}-ca.key"));
    sh(
        dir,
        &[
            "openssl",
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &ext,
            "-out",
            &pem,
        ],
    );
    (dir.join(pem), dir.join(key))
}
