//! `PROVD_CODE_ID`: a digest of the code that turns inputs into a device's
//! files, and of nothing else. It is part of every render fingerprint, so a
//! provd whose rendering changed never trusts the render records of another
//! build and renders again; an upgrade that changes only the store, the
//! server, the tools or tests keeps them, and does not re-render a fleet.
//!
//! What renders: the domain (`shared/core`), the families
//! (`shared/families`, their tests and simulated phones excepted), the
//! render library (`compiler/src/render`), and the versions of the crates
//! they render with (from `Cargo.lock`). Templates are not here: each plugin's are
//! hashed into its own digest.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

/// Crates whose version changes what the render code does with the same
/// inputs (template engine, JSON maps and numbers, regexes).
const RENDER_CRATES: &[&str] =
    &["indexmap", "minijinja", "minijinja-contrib", "regex", "regex-automata", "regex-syntax", "serde", "serde_json"];

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name();
        // Unit tests of the families change no output, nor do the phones
        // they simulate for the load generator, the bench fleet and the fuzz
        // seeds (`phones.rs`).
        if name == "tests.rs" || name == "tests" || name == "phones.rs" {
            continue;
        }
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `name version` of each render crate in the lock file, sorted.
fn locked_versions(lock: &str) -> Vec<String> {
    let mut out = Vec::new();
    for block in lock.split("[[package]]") {
        let field = |key: &str| {
            block.lines().find_map(|l| l.strip_prefix(key)?.trim().strip_prefix("= ")).map(|v| v.trim_matches('"'))
        };
        if let (Some(name), Some(version)) = (field("name "), field("version "))
            && RENDER_CRATES.contains(&name)
        {
            out.push(format!("{name} {version}"));
        }
    }
    out.sort();
    out
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    // The workspace root holds the domain and family crates beside this one.
    let workspace = here.parent().expect("compiler/ sits in the workspace");
    let roots = [here.join("src/render"), workspace.join("shared/core/src"), workspace.join("shared/families/src")];
    let mut all = Vec::new();
    for r in &roots {
        println!("cargo:rerun-if-changed={}", r.display());
        files(r, &mut all);
    }
    all.sort();
    for p in &all {
        println!("cargo:rerun-if-changed={}", p.display());
    }
    let lock = workspace.join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock.display());
    let versions = locked_versions(&std::fs::read_to_string(&lock).unwrap_or_default());
    // Two differently keyed SipHashes: 128 bits, ample for telling builds apart.
    let (mut a, mut b) = (DefaultHasher::new(), DefaultHasher::new());
    b.write_u64(0x7072_6f76_6421);
    for p in &all {
        // Relative to the workspace: the same sources give the same id
        // wherever the checkout lies.
        let rel = p.strip_prefix(workspace).unwrap_or(p).to_string_lossy().into_owned();
        let bytes = std::fs::read(p).unwrap_or_default();
        for h in [&mut a, &mut b] {
            h.write(rel.as_bytes());
            h.write_usize(bytes.len());
            h.write(&bytes);
        }
    }
    for v in &versions {
        for h in [&mut a, &mut b] {
            h.write(v.as_bytes());
        }
    }
    println!("cargo:rustc-env=PROVD_CODE_ID={:016x}{:016x}", a.finish(), b.finish());
}
