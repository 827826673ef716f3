//! Migration from wazo-provd: its `jsondb` directory (`devices/` and
//! `configs/`, one JSON document per file, file name = id) into the store.

use std::path::{Path, PathBuf};

use provd_core::{Config, ConfigTree, Device, Map, raw_config};
use provd_store::{Store, StoreError};
use rayon::prelude::*;

/// What an import took in and what it left out.
#[derive(Debug, Default)]
pub struct ImportReport {
    /// Devices imported.
    pub devices: usize,
    /// Configs imported.
    pub configs: usize,
    /// Documents left out, with the reason.
    pub refused: Vec<(PathBuf, String)>,
}

/// Why nothing was imported (a refused document is not one: it is in
/// [`ImportReport::refused`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The directory has neither `devices/` nor `configs/`.
    #[error("{0}: not a wazo-provd jsondb directory (expected devices/ and/or configs/)")]
    NotJsonDb(PathBuf),
    /// A directory of documents could not be listed.
    #[error("{path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// The error listing it.
        source: std::io::Error,
    },
    /// The store could not be read or written.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn documents(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let io = |source| ImportError::Io { path: dir.to_owned(), source };
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(io)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>().map_err(io)?;
    files.retain(|p| p.is_file());
    files.sort();
    Ok(files)
}

fn read_doc<T: serde::de::DeserializeOwned>(path: &Path) -> Result<(String, T), String> {
    let id = path.file_name().and_then(|n| n.to_str()).ok_or("file name is not UTF-8")?.to_owned();
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut value: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| format!("invalid JSON: {e}"))?;
    let obj = value.as_object_mut().ok_or("not a JSON object")?;
    match obj.get("id") {
        None | Some(serde_json::Value::Null) => {
            obj.insert("id".into(), id.clone().into());
        }
        Some(serde_json::Value::String(doc_id)) if *doc_id == id => {}
        Some(other) => return Err(format!("id {other} does not match the file name")),
    }
    // Name the offending field (`sip_lines.1.proxy_port: invalid type: ...`).
    let doc = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." { e.into_inner().to_string() } else { format!("{path}: {}", e.into_inner()) }
    })?;
    Ok((id, doc))
}

/// Imports every valid document in one transaction; a refused document is
/// reported and left out, the others are imported. Documents whose id
/// already exists in the store replace it.
pub fn import_wazo_jsondb(store: &Store, root: &Path) -> Result<ImportReport, ImportError> {
    let (dev_dir, cfg_dir) = (root.join("devices"), root.join("configs"));
    if !dev_dir.is_dir() && !cfg_dir.is_dir() {
        return Err(ImportError::NotJsonDb(root.to_owned()));
    }
    let mut report = ImportReport::default();

    let configs: Vec<(PathBuf, Result<Config, String>)> = documents(&cfg_dir)?
        .into_par_iter()
        .map(|p| {
            let r = read_doc::<Config>(&p).and_then(|(id, mut c)| {
                provd_core::device::check_id(&id).map_err(|why| format!("id {id:?} is {why}"))?;
                c.strip_none_if_device();
                raw_config::validate(&c.raw_config).map_err(|e| format!("raw_config: {e}"))?;
                Ok(c)
            });
            (p, r)
        })
        .collect();
    let mut accepted: Vec<(PathBuf, Config)> = Vec::new();
    for (p, r) in configs {
        match r {
            Ok(c) => accepted.push((p, c)),
            Err(e) => report.refused.push((p, e)),
        }
    }
    // Configs that take part in an inheritance cycle (with the store's or
    // each other) are refused: nothing could ever render from them.
    let r = store.read_txn()?;
    let mut all: Vec<Config> = store.configs(&r)?.collect::<Result<_, _>>()?;
    drop(r);
    all.retain(|c| !accepted.iter().any(|(_, a)| a.id == c.id));
    all.extend(accepted.iter().map(|(_, c)| c.clone()));
    let tree = ConfigTree::new(Map::new(), all);
    accepted.retain(|(p, c)| match tree.check(&c.id) {
        Err(e) => {
            report.refused.push((p.clone(), e.to_string()));
            false
        }
        Ok(_) => true,
    });

    let devices: Vec<(PathBuf, Result<Device, String>)> = documents(&dev_dir)?
        .into_par_iter()
        .map(|p| {
            let r = read_doc::<Device>(&p).and_then(|(_, d)| d.validate().map(|_| d).map_err(|e| e.to_string()));
            (p, r)
        })
        .collect();

    let mut w = store.write_txn()?;
    for (_, c) in &accepted {
        store.put_config(&mut w, c)?;
    }
    report.configs = accepted.len();
    for (p, r) in devices {
        match r {
            Ok(d) => {
                store.put_device(&mut w, &d)?;
                report.devices += 1;
            }
            Err(e) => report.refused.push((p, e)),
        }
    }
    w.commit().map_err(StoreError::from)?;
    report.refused.sort();
    Ok(report)
}
