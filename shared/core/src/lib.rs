//! The provd domain, shared by the compiler, the server and the tools: what
//! a phone, a config and a plugin are, as wazo-provd defines them.
//!
//! Main types: [`Device`] (a phone's document, and [`device::DeviceView`],
//! the same read in place on the request path), [`Mac`], [`Config`] and
//! [`ConfigTree`] (configs and the flattening of their raw configs),
//! [`raw_config::validate`] (wazo-provd's rules for raw-config values),
//! [`Plugin`] and [`PluginInfo`], the [`Family`] trait a vendor implements
//! with the values it trades in ([`DeviceInfo`], [`Request`],
//! [`family::DeviceFile`]), [`tz::TimezoneInfo`] and the escaping rule of
//! phone files ([`syntax::Syntax`]).
//!
//! What it is not: no vendor's code (`provd-families`), no storage
//! (`provd-store`), no template engine (`provd-compiler`), no I/O but
//! reading the system's zoneinfo.

pub mod config;
pub mod device;
pub mod family;
mod json_scan;
pub mod mac;
pub mod plugin;
pub mod raw_config;
pub mod rng;
pub mod syntax;
pub mod tenant;
pub mod tz;

/// A JSON object that keeps insertion order, as Python dicts do.
pub type Map = serde_json::Map<String, serde_json::Value>;

pub use config::{Config, ConfigTree};
pub use device::Device;
pub use family::{DeviceInfo, Family, Request};
pub use mac::Mac;
pub use plugin::{Plugin, PluginInfo};
