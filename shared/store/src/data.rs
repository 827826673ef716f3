//! The data directory: the LMDB store and the installed plugins.
//!
//! ```text
//! <data>/store/        LMDB environment (devices, configs, routes, blobs, meta)
//! <data>/plugins/<id>/ installed plugins (bundled ones are installed on first use)
//! ```

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::{Store, StoreError};
use provd_core::Map;
use provd_core::config::Config;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled_plugins.rs"));
}

/// The advertised URL phones use when nothing else was configured.
pub const DEFAULT_ADVERTISED_URL: &str = "http://127.0.0.1:8667";

/// What can go wrong opening or bootstrapping a data directory.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A file or directory of the data directory could not be read or
    /// written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The advertised URL given is not one phones could use.
    #[error("advertised URL {0:?} is not of the form http[s]://host[:port][/path]")]
    BadUrl(String),
}

/// An open data directory: its store and its plugins directory. Cheap to
/// clone.
#[derive(Clone)]
pub struct DataDir {
    root: PathBuf,
    store: Store,
}

/// What opening a data directory had to create.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Bootstrap {
    /// Ids of the bundled plugins installed.
    pub plugins_installed: Vec<String>,
    /// Ids of the well-known configs created.
    pub configs_created: Vec<String>,
    /// Whether the base raw config was created.
    pub base_raw_config_created: bool,
}

impl Bootstrap {
    /// Whether nothing had to be created.
    pub fn is_empty(&self) -> bool {
        *self == Bootstrap::default()
    }
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> DataError + '_ {
    move |source| DataError::Io { path: path.to_owned(), source }
}

impl DataDir {
    /// Opens `root`, bootstrapping what is missing: the store, the bundled
    /// plugins, the well-known configs (`base`, `defaultconfigdevice`,
    /// `autoprov`) and the base raw config, so that an unknown phone is
    /// auto-provisioned at once. Never overwrites what exists.
    pub fn open(root: &Path) -> Result<(DataDir, Bootstrap), DataError> {
        std::fs::create_dir_all(root).map_err(io(root))?;
        let store = Store::open(&root.join("store"))?;
        let data = DataDir { root: root.to_owned(), store };
        let mut boot = Bootstrap { plugins_installed: data.install_bundled_plugins()?, ..Default::default() };
        let mut w = data.store.write_txn()?;
        let base = match data.store.base_raw_config(&w)? {
            Some(b) => b,
            None => {
                let b = base_raw_config_for(DEFAULT_ADVERTISED_URL, 69)?;
                data.store.set_base_raw_config(&mut w, &b)?;
                boot.base_raw_config_created = true;
                b
            }
        };
        for config in well_known_configs(&base) {
            if data.store.config(&w, &config.id)?.is_none() {
                data.store.put_config(&mut w, &config)?;
                boot.configs_created.push(config.id);
            }
        }
        if !boot.configs_created.is_empty() {
            // Wazo's first-install wizard creates these configs itself: its
            // creation replaces provd's (see `docs/behaviour/rest-api.md`).
            let mut params = data.store.params(&w)?;
            let mut ids: Vec<Value> =
                params.get(BOOTSTRAP_CONFIGS).and_then(Value::as_array).cloned().unwrap_or_default();
            ids.extend(boot.configs_created.iter().map(|id| Value::from(id.as_str())));
            params.insert(BOOTSTRAP_CONFIGS.into(), Value::Array(ids));
            data.store.set_params(&mut w, &params)?;
        }
        if boot.is_empty() {
            w.abort();
        } else {
            w.commit().map_err(StoreError::from)?;
        }
        Ok((data, boot))
    }

    /// The directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Its store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Where plugins are installed, one directory per plugin id.
    pub fn plugins_dir(&self) -> PathBuf {
        self.root.join("plugins")
    }

    /// Installs every bundled plugin this data directory has never had. An
    /// existing directory is left alone (its `var/templates` are the
    /// administrator's), and a plugin uninstalled through the API stays
    /// uninstalled: the ids installed once are remembered in `.bundled`.
    fn install_bundled_plugins(&self) -> Result<Vec<String>, DataError> {
        let dir = self.plugins_dir();
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let record = dir.join(".bundled");
        let mut known: Vec<String> = match std::fs::read_to_string(&record) {
            Ok(text) => text.lines().map(str::to_owned).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(io(&record)(e)),
        };
        let mut installed = Vec::new();
        for id in bundled_plugin_ids() {
            if known.iter().any(|k| k == id) {
                continue;
            }
            known.push(id.to_owned());
            if dir.join(id).exists() {
                continue;
            }
            // Written under a temporary name and renamed, so a killed
            // bootstrap never leaves a half plugin that would be kept.
            let tmp = dir.join(format!(".{id}.installing"));
            let _ = std::fs::remove_dir_all(&tmp);
            for (rel, bytes) in bundled::BUNDLED_PLUGIN_FILES
                .iter()
                .filter(|(rel, _)| rel.split_once('/').is_some_and(|(p, _)| p == id))
            {
                let path = tmp.join(&rel[id.len() + 1..]);
                let parent = path.parent().unwrap();
                std::fs::create_dir_all(parent).map_err(io(parent))?;
                if path.file_name().is_some_and(|n| n != ".gitkeep") {
                    std::fs::write(&path, bytes).map_err(io(&path))?;
                }
            }
            let target = dir.join(id);
            std::fs::rename(&tmp, &target).map_err(io(&target))?;
            installed.push(id.to_owned());
        }
        let text: String = known.iter().map(|k| format!("{k}\n")).collect();
        if std::fs::read_to_string(&record).ok().as_deref() != Some(text.as_str()) {
            std::fs::write(&record, text).map_err(io(&record))?;
        }
        Ok(installed)
    }
}

/// The ids of the plugins compiled into this binary.
pub fn bundled_plugin_ids() -> Vec<&'static str> {
    let mut ids: Vec<&str> =
        bundled::BUNDLED_PLUGIN_FILES.iter().filter_map(|(rel, _)| rel.split_once('/').map(|(id, _)| id)).collect();
    ids.dedup();
    ids
}

/// The base raw config derived from the URL phones reach us at
/// (wazo-provd: `ip`, `http_port`, `tftp_port`, `http_base_url`).
pub fn base_raw_config_for(advertised_url: &str, tftp_port: u16) -> Result<Map, DataError> {
    let bad = || DataError::BadUrl(advertised_url.to_owned());
    let (scheme, rest) = advertised_url.split_once("://").ok_or_else(bad)?;
    let default_port = match scheme {
        "http" => 80,
        "https" => 443,
        _ => return Err(bad()),
    };
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => (h, p.parse::<u16>().map_err(|_| bad())?),
        _ => (authority, default_port),
    };
    if host.is_empty() {
        return Err(bad());
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut m = Map::new();
    m.insert("ip".into(), Value::from(host));
    m.insert("http_port".into(), Value::from(port));
    m.insert("tftp_port".into(), Value::from(tftp_port));
    m.insert("http_base_url".into(), Value::from(advertised_url.trim_end_matches('/')));
    Ok(m)
}

/// The parameter listing the configs provd created at bootstrap that
/// nobody has written since: a POST of one of them replaces it.
pub const BOOTSTRAP_CONFIGS: &str = "bootstrap_configs";

/// `base`, `defaultconfigdevice` and `autoprov`, as a Wazo install has them.
fn well_known_configs(base_raw: &Map) -> Vec<Config> {
    let host = base_raw.get("ip").cloned().unwrap_or(Value::from("127.0.0.1"));
    let http_port = base_raw.get("http_port").cloned().unwrap_or(Value::from(8667));
    // A fresh install must not hand phones a guessable admin password.
    let admin_password = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    // Autoprov lines are `ap` + 8 characters: synchronize relies on the shape.
    let autoprov_user = format!("ap{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let docs = [
        json!({
            "id": "base", "X_type": "internal", "deletable": false, "parent_ids": [],
            "raw_config": {"ntp_enabled": true, "ntp_ip": host, "X_xivo_phonebook_ip": host}
        }),
        json!({
            "id": "defaultconfigdevice", "X_type": "device", "label": "Default config device",
            "deletable": false, "parent_ids": [],
            "raw_config": {
                "ntp_enabled": true, "ntp_ip": host, "sip_dtmf_mode": "RTP-out-of-band",
                "admin_username": "admin", "admin_password": admin_password
            }
        }),
        json!({
            "id": "autoprov", "X_type": "internal", "role": "autocreate", "deletable": false,
            "parent_ids": ["base", "defaultconfigdevice"],
            "raw_config": {
                "ip": host, "http_port": http_port,
                "sip_lines": {"1": {
                    "display_name": "Autoprov", "number": "autoprov", "username": autoprov_user,
                    "auth_username": autoprov_user, "password": "autoprov",
                    "proxy_ip": host, "registrar_ip": host
                }},
                "sccp_call_managers": {"1": {"ip": host}}
            }
        }),
    ];
    docs.into_iter().map(|d| serde_json::from_value(d).expect("well-known config")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_raw_config_from_url() {
        let b = base_raw_config_for("http://10.0.0.1:8667", 69).unwrap();
        assert_eq!(
            Value::Object(b),
            json!({"ip": "10.0.0.1", "http_port": 8667, "tftp_port": 69, "http_base_url": "http://10.0.0.1:8667"})
        );
        let b = base_raw_config_for("https://prov.example/device/provisioning/", 69).unwrap();
        assert_eq!(b["http_port"], 443);
        assert_eq!(b["http_base_url"], "https://prov.example/device/provisioning");
        assert!(base_raw_config_for("ftp://x", 69).is_err());
        assert!(base_raw_config_for("http://:80", 69).is_err());
        assert!(base_raw_config_for("http://h:notaport", 69).is_err());
    }

    #[test]
    fn bootstrap_creates_once_and_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let (data, boot) = DataDir::open(dir.path()).unwrap();
        assert_eq!(boot.configs_created, ["base", "defaultconfigdevice", "autoprov"]);
        assert!(boot.base_raw_config_created);
        assert_eq!(boot.plugins_installed, bundled_plugin_ids());
        let r = data.store().read_txn().unwrap();
        let autoprov = data.store().config(&r, "autoprov").unwrap().unwrap();
        assert_eq!(autoprov.role.as_deref(), Some("autocreate"));
        let user = autoprov.raw_config["sip_lines"]["1"]["username"].as_str().unwrap().to_owned();
        assert!(user.starts_with("ap") && user.len() == 10);
        drop(r);
        drop(data);
        let (data, again) = DataDir::open(dir.path()).unwrap();
        assert!(again.is_empty(), "{again:?}");

        // A bundled plugin the administrator uninstalled stays uninstalled.
        let gone = bundled_plugin_ids()[0];
        std::fs::remove_dir_all(data.plugins_dir().join(gone)).unwrap();
        drop(data);
        let (data, again) = DataDir::open(dir.path()).unwrap();
        assert!(again.is_empty(), "{again:?}");
        assert!(!data.plugins_dir().join(gone).exists());
    }
}
