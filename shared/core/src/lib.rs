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
