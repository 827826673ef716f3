//! Embeds the bundled plugins (`../../plugins`) so a fresh data directory can be
//! bootstrapped by any provd binary, wherever it was installed.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        // Bundled plugins are installed file by file: a link would be
        // installed as a copy, and one to a directory could make this walk
        // (and a plugin's template index) loop.
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if meta.file_type().is_symlink() {
            panic!("{} is a symlink: bundled plugins hold plain files only", p.display());
        } else if meta.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn main() {
    let plugins = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../plugins").canonicalize().unwrap();
    println!("cargo:rerun-if-changed={}", plugins.display());
    let mut files = Vec::new();
    if plugins.is_dir() {
        walk(&plugins, &mut files);
    }
    let mut src = String::from("pub(super) static BUNDLED_PLUGIN_FILES: &[(&str, &[u8])] = &[\n");
    for f in files {
        // rerun-if-changed on a directory only notices its direct entries.
        println!("cargo:rerun-if-changed={}", f.parent().unwrap().display());
        let rel = f.strip_prefix(&plugins).unwrap().to_str().unwrap().replace('\\', "/");
        writeln!(src, "    ({rel:?}, include_bytes!({:?})),", f.display().to_string()).unwrap();
    }
    src.push_str("];\n");
    std::fs::write(Path::new(&std::env::var("OUT_DIR").unwrap()).join("bundled_plugins.rs"), src).unwrap();
}
