//! The provd domain, shared by the compiler, the server and the tools.

pub mod config;
pub mod device;
pub mod family;
pub mod json_scan;
pub mod mac;
pub mod plugin;
pub mod raw_config;
pub mod rng;
pub mod syntax;
pub mod tz;

/// A JSON object that keeps insertion order, as Python dicts do.
pub type Map = serde_json::Map<String, serde_json::Value>;

pub use config::{Config, ConfigTree};
pub use device::Device;
pub use family::{DeviceInfo, Family, Request};
pub use mac::Mac;
pub use plugin::{Plugin, PluginInfo};

/// Deserializes a JSON document, naming the offending field on error
/// (`sip_lines.1.proxy_port: invalid type: ...`).
pub fn from_json_value<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, String> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        if path == "." { e.into_inner().to_string() } else { format!("{path}: {}", e.into_inner()) }
    })
}
