//! Loading installed plugins: a plugin directory names its family in
//! `plugin-info`; this registry's family serves it.
//!
//! A plugin made for wazo-provd (a tarball of Wazo's repository) names no
//! family: its Python (`entry.py`, `common.py`) did that work, and provd
//! never runs it. Its family is then found from its name
//! ([`WAZO_PLUGINS`]), and its models from the `capabilities` its
//! `plugin-info` lists (`"Yealink, T46S, 66.86.0.15": {...}`: the model,
//! the firmware version, and the counts the family reads).

use std::path::Path;

use provd_core::plugin::{Plugin, PluginError, PluginInfo};

/// Wazo's plugin names (prefixes, `xivo-` being their older spelling)
/// and the family serving each: the families provd has.
pub const WAZO_PLUGINS: &[(&str, &str)] = &[
    ("wazo-aastra-", "aastra"),
    ("xivo-aastra-", "aastra"),
    ("wazo-cisco-sccp-", "cisco_sccp"),
    ("xivo-cisco-sccp-", "cisco_sccp"),
    ("wazo-cisco-spa", "cisco_spa"),
    ("xivo-cisco-spa", "cisco_spa"),
    ("wazo-cisco-ata190-", "cisco_spa"),
    ("wazo-cisco-pap2t-", "cisco_spa"),
    ("xivo-cisco-pap2t-", "cisco_spa"),
    ("wazo-digium-", "digium"),
    ("xivo-digium-", "digium"),
    ("wazo-polycom-", "polycom"),
    ("xivo-polycom-", "polycom"),
    ("wazo-snom-", "snom"),
    ("xivo-snom-", "snom"),
    ("wazo-yealink-", "yealink"),
    ("xivo-yealink-", "yealink"),
    ("wazo-cisco-sip-", "cisco_sip"),
    ("wazo-avaya-", "avaya"),
    ("xivo-avaya-", "avaya"),
    ("wazo-grandstream-", "grandstream"),
    ("xivo-grandstream-", "grandstream"),
    ("wazo-patton-", "patton"),
    ("xivo-patton-", "patton"),
    ("wazo-fanvil-", "fanvil"),
    ("xivo-fanvil-", "fanvil"),
    ("wazo-htek-", "htek"),
];

/// The family serving the Wazo plugin named `id`, if provd has it.
pub fn wazo_family(id: &str) -> Option<&'static str> {
    WAZO_PLUGINS.iter().find(|(prefix, _)| id.starts_with(prefix)).map(|(_, f)| *f)
}

/// A Wazo `plugin-info` (no `family`) completed as provd reads one: the
/// family from the plugin's name, the models from its capabilities.
fn complete_wazo_info(id: &str, doc: &mut provd_core::Map) -> Result<(), PluginError> {
    let family = wazo_family(id).ok_or_else(|| PluginError::NoFamilyFor {
        id: id.to_owned(),
        served: WAZO_PLUGINS.iter().map(|(p, _)| format!("{p}*")).collect::<Vec<_>>().join(", "),
    })?;
    doc.insert("family".into(), family.into());
    if !doc.contains_key("models") {
        let mut models = provd_core::Map::new();
        let caps = doc.get("capabilities").and_then(|c| c.as_object()).cloned().unwrap_or_default();
        for (key, caps) in caps {
            // "<vendor>, <model>, <version>"
            let parts: Vec<&str> = key.split(',').map(str::trim).collect();
            let [_, model, version] = parts[..] else { continue };
            let mut info = caps.as_object().cloned().unwrap_or_default();
            // `sip.lines` is what Wazo's capabilities call a model's lines.
            if let Some(lines) = info.get("sip.lines").cloned() {
                info.entry("lines").or_insert(lines);
            }
            info.insert("version".into(), version.into());
            models.entry(model.to_owned()).or_insert(serde_json::Value::Object(info));
        }
        doc.insert("models".into(), serde_json::Value::Object(models));
    }
    Ok(())
}

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
    let mut doc: provd_core::Map =
        serde_json::from_slice(&bytes).map_err(|source| PluginError::Info { id: id.clone(), source })?;
    if !doc.contains_key("family") {
        complete_wazo_info(&id, &mut doc)?;
    }
    let info: PluginInfo = serde_json::from_value(serde_json::Value::Object(doc))
        .map_err(|source| PluginError::Info { id: id.clone(), source })?;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every Wazo plugin name of a family provd has maps to that family;
    /// the others are refused, saying which names provd serves.
    #[test]
    fn wazo_plugin_names_map_to_families() {
        for (id, family) in [
            ("wazo-yealink-v86", "yealink"),
            ("xivo-yealink-v73", "yealink"),
            ("wazo-aastra-8.2.0", "aastra"),
            ("wazo-snom-10.1.54.13", "snom"),
            ("wazo-snom-dect-05.20.0001", "snom"),
            ("wazo-polycom-5.9.2", "polycom"),
            ("wazo-digium-2.8.1", "digium"),
            ("wazo-cisco-sccp-9.4", "cisco_sccp"),
            ("wazo-cisco-spa-7.5.5", "cisco_spa"),
            ("wazo-cisco-spa8000-6.1.11", "cisco_spa"),
            ("wazo-cisco-ata190-1.2.2", "cisco_spa"),
            ("wazo-cisco-pap2t-5.1.6", "cisco_spa"),
            ("wazo-cisco-sip-12.0.7", "cisco_sip"),
            ("wazo-cisco-sip-11.1.0", "cisco_sip"),
            ("wazo-avaya-4.1.13", "avaya"),
            ("wazo-grandstream-1.0.8.6", "grandstream"),
            ("wazo-patton-6.11", "patton"),
            ("wazo-fanvil-serie-x", "fanvil"),
            ("wazo-htek-2.0.4.6.41", "htek"),
        ] {
            assert_eq!(wazo_family(id), Some(family), "{id}");
            assert!(crate::by_id(family).is_some(), "{family} is a family of the registry");
        }
        for id in ["wazo-acme-1.0.8.6", "wazo-gigaset-02.2.0", "yealink"] {
            assert_eq!(wazo_family(id), None, "{id}");
        }
    }

    /// A Wazo plugin-info: family from the name, models from capabilities;
    /// a family provd lacks is refused with the reason.
    #[test]
    fn a_wazo_plugin_info_is_completed_from_name_and_capabilities() {
        let dir = tempfile::tempdir().unwrap();
        let info = serde_json::json!({
            "version": "0.4.2", "description": "Yealink, as Wazo ships it",
            "capabilities": {
                "Yealink, T46S, 66.86.0.15": {"sip.lines": 16, "function_keys": 27, "expansion_modules": 3},
                "Yealink, T31G, 124.86.0.75": {"sip.lines": 2}
            }
        });
        let p = dir.path().join("wazo-yealink-v86");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("plugin-info"), info.to_string()).unwrap();
        let plugin = load(&p).unwrap();
        assert_eq!(plugin.info.family, "yealink");
        assert_eq!(plugin.family.id(), "yealink");
        let t46s = &plugin.info.models["T46S"];
        assert_eq!(t46s.version.as_deref(), Some("66.86.0.15"));
        assert_eq!((t46s.get_u64("lines"), t46s.get_u64("function_keys")), (Some(16), Some(27)));
        assert_eq!(plugin.info.models["T31G"].get_u64("lines"), Some(2));

        let p = dir.path().join("wazo-acme-1.0.8.6");
        std::fs::create_dir_all(&p).unwrap();
        std::fs::write(p.join("plugin-info"), info.to_string()).unwrap();
        let e = load(&p).unwrap_err().to_string();
        assert!(e.contains("a Wazo plugin of a family provd does not serve"), "{e}");
        assert!(e.contains("wazo-yealink-*"), "{e}");
    }
}
