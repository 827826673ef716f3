//! Plugin directories as wazo-provd users know them:
//!
//! ```text
//! <plugin-id>/
//!   plugin-info        JSON: version, description, capabilities, + family, models
//!   templates/         shipped templates
//!   var/templates/     the administrator's overrides (searched first)
//!   var/tftpboot/      static files served as-is
//!   pkgs/pkgs.db       optional firmware catalogue
//! ```

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use crate::Map;
use crate::family::Family;

/// The parsed `plugin-info`. wazo-provd's keys (`version`, `description`,
/// `capabilities`, ...) plus what wazo-provd kept in Python: the vendor
/// `family` whose code serves the plugin and its `models` table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PluginInfo {
    pub version: String,
    pub description: String,
    #[serde(default)]
    pub capabilities: Map,
    pub family: String,
    #[serde(default)]
    pub models: IndexMap<String, ModelInfo>,
    /// `description_fr`, `vendor`, and family-specific plugin-level data.
    #[serde(flatten)]
    pub extra: Map,
}

/// One model a plugin supports, with the firmware version it ships and any
/// per-model data its family reads (key counts, line counts, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(flatten)]
    pub extra: Map,
}

impl ModelInfo {
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.extra.get(key).and_then(serde_json::Value::as_u64)
    }
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.extra.get(key).and_then(serde_json::Value::as_str)
    }
}

/// An installed plugin: its id (the directory name), where it lives, its
/// info and the family code that serves it.
#[derive(Clone)]
pub struct Plugin {
    pub id: String,
    pub dir: PathBuf,
    pub info: PluginInfo,
    pub family: &'static dyn Family,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin").field("id", &self.id).field("family", &self.info.family).finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("plugin {id}: cannot read {path}: {source}")]
    Io { id: String, path: PathBuf, source: std::io::Error },
    #[error("plugin {id}: plugin-info: {source}")]
    Info { id: String, source: serde_json::Error },
    #[error("plugin {id}: unknown family {family:?} (known: {known})")]
    UnknownFamily { id: String, family: String, known: String },
    #[error("plugin id {0:?} is not usable as a directory name")]
    BadId(String),
}

impl Plugin {
    pub fn templates_dir(&self) -> PathBuf {
        self.dir.join("templates")
    }
    pub fn custom_templates_dir(&self) -> PathBuf {
        self.dir.join("var").join("templates")
    }
    pub fn tftpboot_dir(&self) -> PathBuf {
        self.dir.join("var").join("tftpboot")
    }

    pub fn model(&self, model: &str) -> Option<&ModelInfo> {
        self.info.models.get(model)
    }
}
