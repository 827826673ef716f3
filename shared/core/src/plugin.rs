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
    /// The plugin's version (wazo-provd's `version`).
    pub version: String,
    /// What it provisions, for people.
    pub description: String,
    /// What each model can do (`"<vendor>, <model>, <version>": {...}`), as wazo-provd lists it.
    #[serde(default)]
    pub capabilities: Map,
    /// The vendor family whose code serves the plugin (`yealink`, `snom`...).
    pub family: String,
    /// The models it supports, with per-model data its family reads.
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
    /// The firmware version the plugin ships for this model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Per-model data the family reads (key and line counts...).
    #[serde(flatten)]
    pub extra: Map,
}

impl ModelInfo {
    /// A number of the model's data (`None` if absent or not a number).
    pub fn get_u64(&self, key: &str) -> Option<u64> {
        self.extra.get(key).and_then(serde_json::Value::as_u64)
    }
    /// A string of the model's data (`None` if absent or not a string).
    pub fn get_str(&self, key: &str) -> Option<&str> {
        self.extra.get(key).and_then(serde_json::Value::as_str)
    }
}

/// An installed plugin: its id (the directory name), where it lives, its
/// info and the family code that serves it.
#[derive(Clone)]
pub struct Plugin {
    /// Its id: the name of its directory under the plugins directory.
    pub id: String,
    /// Its directory.
    pub dir: PathBuf,
    /// Its `plugin-info`.
    pub info: PluginInfo,
    /// The family code that serves it.
    pub family: &'static dyn Family,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin").field("id", &self.id).field("family", &self.info.family).finish()
    }
}

/// Why a plugin directory does not load.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// A file of it cannot be read.
    #[error("plugin {id}: cannot read {path}: {source}")]
    Io {
        /// The plugin's id.
        id: String,
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Its `plugin-info` is not the JSON document it should be.
    #[error("plugin {id}: plugin-info: {source}")]
    Info {
        /// The plugin's id.
        id: String,
        /// Where and why.
        source: serde_json::Error,
    },
    /// Its `plugin-info` names a family provd does not have.
    #[error("plugin {id}: unknown family {family:?} (known: {known})")]
    UnknownFamily {
        /// The plugin's id.
        id: String,
        /// The family it names.
        family: String,
        /// The families provd has, comma-separated.
        known: String,
    },
    /// A plugin made for wazo-provd (its `plugin-info` names no family:
    /// its Python did the family's work) of a family provd does not have.
    #[error("plugin {id}: a Wazo plugin of a family provd does not serve (provd serves {served})")]
    NoFamilyFor {
        /// The plugin's id.
        id: String,
        /// The Wazo plugin names provd serves, comma-separated.
        served: String,
    },
    /// Its directory's name is not a usable id.
    #[error("plugin id {0:?} is not usable as a directory name")]
    BadId(String),
}

impl Plugin {
    /// `templates/`: the shipped templates.
    pub fn templates_dir(&self) -> PathBuf {
        self.dir.join("templates")
    }
    /// `var/templates/`: the administrator's overrides, searched first.
    pub fn custom_templates_dir(&self) -> PathBuf {
        self.dir.join("var").join("templates")
    }
    /// `var/tftpboot/`: static files served as they are.
    pub fn tftpboot_dir(&self) -> PathBuf {
        self.dir.join("var").join("tftpboot")
    }

    /// What `plugin-info` says of `model`, if the plugin lists it.
    pub fn model(&self, model: &str) -> Option<&ModelInfo> {
        self.info.models.get(model)
    }
}
