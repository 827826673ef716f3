//! Loading installed plugins: a plugin directory names its family in
//! `plugin-info`; this registry's family serves it.

use std::path::Path;

use provd_core::plugin::{Plugin, PluginError, PluginInfo};

/// Loads the plugin in `dir` (its `plugin-info`, and the family it names).
pub fn load(dir: &Path) -> Result<Plugin, PluginError> {
    let id = dir
        .file_name()
        .and_then(|n| n.to_str())
        .filter(|n| provd_core::device::check_id(n).is_ok())
        .ok_or_else(|| PluginError::BadId(dir.display().to_string()))?
        .to_owned();
    let path = dir.join("plugin-info");
    let bytes = std::fs::read(&path).map_err(|source| PluginError::Io { id: id.clone(), path, source })?;
    let info: PluginInfo =
        serde_json::from_slice(&bytes).map_err(|source| PluginError::Info { id: id.clone(), source })?;
    let family = crate::by_id(&info.family).ok_or_else(|| PluginError::UnknownFamily {
        id: id.clone(),
        family: info.family.clone(),
        known: crate::all().iter().map(|f| f.id()).collect::<Vec<_>>().join(", "),
    })?;
    Ok(Plugin { id, dir: dir.to_owned(), info, family })
}

/// Every plugin installed under `plugins_dir` (each sub-directory holding a
/// `plugin-info`), sorted by id, plus the ones that failed to load and why.
pub fn scan(plugins_dir: &Path) -> std::io::Result<(Vec<Plugin>, Vec<PluginError>)> {
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    if !plugins_dir.exists() {
        return Ok((ok, failed));
    }
    for entry in std::fs::read_dir(plugins_dir)? {
        let path = entry?.path();
        if path.join("plugin-info").is_file() {
            match load(&path) {
                Ok(p) => ok.push(p),
                Err(e) => failed.push(e),
            }
        }
    }
    ok.sort_by(|a, b| a.id.cmp(&b.id));
    Ok((ok, failed))
}
