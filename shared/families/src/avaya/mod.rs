//! Avaya (ex-Nortel) SIP desk phones: the 1220 IP and 1230 IP on SIP
//! firmware 4.1, and the J100 series (J129–J189). Identified by the HTTP
//! User-Agent (`AVAYA/SIP12x0<byte>/04.01.13.00`: the version only, the
//! model coming from the file asked for; `… AVAYA/J179-4.1.3.0.6
//! (MAC:<mac>)`: model, version, MAC) and by the TFTP names of the
//! UNIStim-to-SIP upgrade (`1220.cfg`, `1230SIP.cfg`...).
//!
//! Files: the 12x0's device file is `SIP<MAC>.cfg`, the J100's
//! `<mac>.cfg`, both `NAME value` lines (`SET NAME value` on the J100),
//! next to the static files the phones read first (`12x0SIP.cfg`,
//! `J100Supgrade.txt`: the firmware to run, then the device file).
//!
//! Per-model data from `plugin-info` `models`: `version`, the firmware
//! the plugin ships (EXACT association). Plugin-level: `device_file`,
//! `"SIP<MAC>.cfg"` or `"<mac>.cfg"`, the name form of the plugin's
//! phones (used when the device's model is not known yet).

use std::borrow::Cow;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::device::Device;
use provd_core::family::*;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;

mod configure;
mod identify;
mod phones;
#[cfg(test)]
mod tests;

use configure::*;
#[cfg(test)]
pub(crate) use identify::prefilters;
use identify::*;

/// Avaya 1220/1230 IP and J100 phones (`avaya` in `plugin-info`).
pub struct Avaya;

const VENDOR: &str = "Avaya";

/// Whether the device's file is the J100 form `<mac>.cfg` (else the
/// 12x0's `SIP<MAC>.cfg`): by model when known, else by the plugin.
fn j100_file(plugin: Option<&Plugin>, model: Option<&str>) -> bool {
    match model {
        Some(m) => m.starts_with("J1"),
        None => plugin.and_then(|p| p.info.extra.get("device_file")).and_then(Value::as_str) == Some("<mac>.cfg"),
    }
}

fn device_file(j100: bool, mac: Mac) -> String {
    if j100 { format!("{}.cfg", mac.lower_hex()) } else { format!("SIP{}.cfg", mac.upper_hex()) }
}

impl Family for Avaya {
    fn id(&self) -> &'static str {
        "avaya"
    }

    /// `NAME value` lines (`SIP<MAC>.cfg`) and `SET NAME value` lines (`<mac>.cfg`).
    fn syntax(&self) -> Syntax {
        Syntax::Lines
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { path, user_agent: Some(ua) } => extract_ua(ua, path),
            Request::Http { .. } | Request::Dhcp { .. } => None,
            Request::Tftp { filename } => extract_tftp(filename),
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref().and_then(|m| plugin.model(m)) {
                Some(m) if info.version.is_some() && info.version.as_deref() == m.version.as_deref() => EXACT,
                Some(_) => COMPLETE,
                // wazo's: another model (or none) stays PROBABLE.
                None => PROBABLE,
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let j100 = j100_file(Some(plugin), device.model.as_deref());
        helpers::add_server_url(raw);
        add_server_host_port(raw);
        if let Some(offset) = raw.get("timezone").and_then(Value::as_str).and_then(utc_offset) {
            raw.insert("XX_timezone".into(), Value::from(format!("TIMEZONE_OFFSET {offset}")));
            raw.insert("XX_utc_offset".into(), Value::from(offset));
        }
        add_line(raw);
        Ok(vec![DeviceFile::template(device_file(j100, mac))])
    }

    /// wazo's Avaya plugins name none; provd takes the device files (they
    /// hold the SIP password).
    fn is_sensitive(&self, basename: &[u8]) -> bool {
        let hex = |h: &[u8], upper: bool| {
            h.len() == 12
                && h.iter().all(|&b| {
                    b.is_ascii_digit() || if upper { matches!(b, b'A'..=b'F') } else { matches!(b, b'a'..=b'f') }
                })
        };
        basename
            .strip_suffix(b".cfg")
            .is_some_and(|stem| hex(stem, false) || stem.strip_prefix(b"SIP").is_some_and(|h| hex(h, true)))
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        Some(device_file(j100_file(None, device.model.as_deref()), device.mac?))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, model: Option<&str>, basename: &[u8]) -> bool {
        let Some(mac) = mac else { return false };
        if j100_file(None, model) {
            mac_file_matches(mac, false, b".cfg", basename)
        } else {
            basename.strip_prefix(b"SIP").is_some_and(|n| mac_file_matches(mac, true, b".cfg", n))
        }
    }
}

/// Borrowed text of a capture known to be ASCII.
fn text(b: &[u8]) -> Option<Cow<'_, str>> {
    helpers::utf8(b).map(Cow::Borrowed)
}
