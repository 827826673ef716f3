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

/// A certificate for `subject` with the extensions `ext`, signed by the CA
/// `ca_pem`/`ca_key` of `dir`: `(<stem>.pem, <stem>.key)`.
fn issue(dir: &Path, subject: &str, stem: &str, ca_pem: &str, ca_key: &str, ext: &str) -> (PathBuf, PathBuf) {
    let (pem, key, csr, ext_file) =
        (format!("{stem}.pem"), format!("{stem}.key"), format!("{stem}.csr"), format!("{stem}.ext"));
    sh(dir, &["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", &key, "-out", &csr]);
    std::fs::write(dir.join(&ext_file), ext).unwrap();
    sh(
        dir,
        &[
            "openssl",
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            ca_pem,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            &ext_file,
            "-out",
            &pem,
        ],
    );
    (dir.join(pem), dir.join(key))
}

/// A CA, and a certificate it signed for 127.0.0.1: `(ca.pem, cert, key)`.
pub fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    make_ca(dir, "/CN=provd test CA", "ca.pem", "ca.key");
    let ext = "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n";
    let (cert, key) = issue(dir, "/CN=127.0.0.1", "srv", "ca.pem", "ca.key", ext);
    (dir.join("ca.pem"), cert, key)
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
    let (ca, ca_key) = (format!("{name}-ca.pem"), format!("{name}-ca.key"));
    issue(dir, subject, file, &ca, &ca_key, "extendedKeyUsage=clientAuth\n")
}
