//! Helpers for the end-to-end tests: find the real binaries, make data
//! directories.

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
