//! The bytes each request must return, from a `provd-compile --export DIR`
//! tree (`DIR/<plugin>/<path>`, the store's route keys). Only the files the
//! simulated phones ask for are read, hashed (BLAKE3) and kept as length +
//! digest: a received body is hashed as it streams in and compared, so a
//! run of 200k phones does not hold 2 GB of expected files.

use std::collections::HashMap;
use std::path::{Component, Path};

/// What a file must be: its length and BLAKE3 digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digest {
    pub len: u64,
    pub hash: [u8; 32],
}

impl Digest {
    pub fn of(bytes: &[u8]) -> Digest {
        Digest { len: bytes.len() as u64, hash: *blake3::hash(bytes).as_bytes() }
    }
}

/// Route key (`<plugin>/<path>`) to the expected file, `None` when the
/// export has no such file (the server must answer "not found").
#[derive(Debug, Default)]
pub struct Expected {
    files: HashMap<String, Option<Digest>>,
}

/// `<plugin>/<path>`, as the store keys routes.
pub fn route_key(plugin: &str, path: &str) -> String {
    format!("{plugin}/{}", path.trim_start_matches('/'))
}

impl Expected {
    /// Reads the files of `keys` under `dir` on `threads` threads.
    pub fn load(dir: &Path, keys: impl IntoIterator<Item = String>, threads: usize) -> anyhow::Result<Expected> {
        anyhow::ensure!(dir.is_dir(), "--expect {}: not a directory", dir.display());
        let mut unique: Vec<String> = keys.into_iter().collect();
        unique.sort_unstable();
        unique.dedup();
        let chunk = unique.len().div_ceil(threads.max(1)).max(1);
        type Part = anyhow::Result<Vec<(String, Option<Digest>)>>;
        let parts: Vec<Part> = std::thread::scope(|s| {
            let handles: Vec<_> = unique
                .chunks(chunk)
                .map(|keys| {
                    s.spawn(move || {
                        keys.iter()
                            .map(|k| {
                                let rel = Path::new(k);
                                anyhow::ensure!(
                                    rel.components().all(|c| matches!(c, Component::Normal(_))),
                                    "unsafe route key {k:?}"
                                );
                                match std::fs::read(dir.join(rel)) {
                                    Ok(bytes) => Ok((k.clone(), Some(Digest::of(&bytes)))),
                                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((k.clone(), None)),
                                    Err(e) => Err(anyhow::anyhow!("{}: {e}", dir.join(rel).display())),
                                }
                            })
                            .collect()
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(anyhow::anyhow!("reader panicked")))).collect()
        });
        let mut files = HashMap::with_capacity(unique.len());
        for part in parts {
            files.extend(part?);
        }
        Ok(Expected { files })
    }

    /// What `key` must be; `None` when it was not loaded.
    pub fn get(&self, key: &str) -> Option<Option<Digest>> {
        self.files.get(key).copied()
    }

    /// Files loaded that exist in the export.
    pub fn present(&self) -> usize {
        self.files.values().filter(|d| d.is_some()).count()
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_present_and_absent_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("wazo-aastra-8.2.0/Aastra")).unwrap();
        std::fs::write(dir.path().join("wazo-aastra-8.2.0/Aastra/aastra.cfg"), b"time format: 1\n").unwrap();
        let keys = [
            route_key("wazo-aastra-8.2.0", "Aastra/aastra.cfg"),
            route_key("wazo-aastra-8.2.0", "/Aastra/aastra.cfg"),
            route_key("wazo-yealink-v86", "y000000000066.cfg"),
        ];
        let e = Expected::load(dir.path(), keys, 4).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e.present(), 1);
        assert_eq!(e.get("wazo-aastra-8.2.0/Aastra/aastra.cfg"), Some(Some(Digest::of(b"time format: 1\n"))));
        assert_eq!(e.get("wazo-yealink-v86/y000000000066.cfg"), Some(None));
        assert_eq!(e.get("other/x"), None);
        assert!(Expected::load(dir.path(), ["../etc/passwd".to_string()], 1).is_err());
        assert!(Expected::load(&dir.path().join("missing"), Vec::new(), 1).is_err());
    }
}
