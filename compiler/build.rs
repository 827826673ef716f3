//! `PROVD_CODE_ID`: a digest of the source code that turns inputs into a
//! device's files (this crate, provd-shared, the locked dependency
//! versions). It is part of every render fingerprint, so a provd built from
//! other code never trusts the records of another build and renders again.

use std::hash::{DefaultHasher, Hasher};
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let roots = [
        here.join("src"),
        here.join("../shared/core/src"),
        here.join("../shared/families/src"),
        here.join("../Cargo.lock"),
    ];
    let mut all = Vec::new();
    for r in &roots {
        println!("cargo:rerun-if-changed={}", r.display());
        if r.is_dir() {
            files(r, &mut all);
        } else {
            all.push(r.clone());
        }
    }
    all.sort();
    // Two differently keyed SipHashes: 128 bits, ample for telling builds apart.
    let (mut a, mut b) = (DefaultHasher::new(), DefaultHasher::new());
    b.write_u64(0x7072_6f76_6421);
    for p in &all {
        let rel = p.strip_prefix(&here).unwrap_or(p).to_string_lossy().into_owned();
        let bytes = std::fs::read(p).unwrap_or_default();
        for h in [&mut a, &mut b] {
            h.write(rel.as_bytes());
            h.write_usize(bytes.len());
            h.write(&bytes);
        }
    }
    println!("cargo:rustc-env=PROVD_CODE_ID={:016x}{:016x}", a.finish(), b.finish());
}
