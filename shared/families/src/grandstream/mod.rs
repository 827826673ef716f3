//! Grandstream phones (GXP16xx, GXP21xx, GRP26xx, GXV) and HT80x ATAs:
//! identified by the HTTP User-Agent alone (`Grandstream Model HW <model>
//! SW <version> DevId <mac>`; the GXP2000's older form too), which tells
//! model, firmware and MAC. One file per device, `cfg<mac>.xml`: under
//! `Grandstream/` for the phones, at the root for the ATAs (plugin-level
//! `config_dir` of `plugin-info`), in Grandstream's XML provisioning
//! format: `<P…>` settings (config version 1) or, for the models whose
//! template says so, the named `<item>` settings of config version 2.
//!
//! Per-model data from `plugin-info`:
//!
//! * `version`: the firmware the plugin ships; a reported version starting
//!   with it is EXACT;
//! * `lines`: SIP accounts;
//! * `vpk`, `mpk`: virtual and physical programmable keys of the models
//!   the version 2 layout serves (`XX_v2_fkeys`).

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
use configure::*;
#[cfg(test)]
pub(crate) use identify::prefilters;
use identify::*;

/// Grandstream phones and ATAs (`grandstream` in `plugin-info`).
pub struct Grandstream;

const VENDOR: &str = "Grandstream";

/// The folder a plugin serves its device files from (`config_dir`);
/// `Grandstream` unless the plugin says otherwise.
fn config_dir(plugin: &Plugin) -> &str {
    plugin.info.extra.get("config_dir").and_then(Value::as_str).unwrap_or("Grandstream")
}

/// `cfg<mac>.xml`, the one file a device is served.
fn device_file_name(mac: Mac) -> String {
    format!("cfg{}.xml", mac.lower_hex())
}

impl Family for Grandstream {
    fn id(&self) -> &'static str {
        "grandstream"
    }

    /// Grandstream's XML provisioning files.
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { user_agent: Some(ua), .. } => extract_ua(ua),
            _ => None,
        }
    }

    /// wazo's rule: a listed model is EXACT when its reported firmware
    /// starts with the shipped one, else COMPLETE; a Grandstream model the
    /// plugin does not list is UNKNOWN (so no plugin is chosen for it).
    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref().and_then(|m| plugin.model(m)) {
                Some(model) => match (info.version.as_deref(), model.version.as_deref()) {
                    (Some(got), Some(shipped)) if !got.is_empty() && got.starts_with(shipped) => EXACT,
                    _ => COMPLETE,
                },
                None => UNKNOWN,
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        // The phones are only configured over HTTP.
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let model = device.model.as_deref().and_then(|m| plugin.model(m));
        helpers::add_server_url(raw);
        update_sip_lines(raw);
        if let Some(t) = transport(raw.get("sip_transport").and_then(Value::as_str)) {
            raw.insert("XX_sip_transport".into(), t.into());
        }
        // An unknown zone leaves the phone's own setting alone.
        if let Some(zone) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONES.get(z)) {
            raw.insert("XX_timezone".into(), zone.into());
        }
        if let Some(lang) = locale(raw) {
            raw.insert("XX_locale".into(), lang.into());
        }
        if let Some([audio, rtp, sip]) = dtmf(raw.get("sip_dtmf_mode").and_then(Value::as_str)) {
            raw.insert("XX_dtmf_in_audio".into(), audio.into());
            raw.insert("XX_dtmf_in_rtp".into(), rtp.into());
            raw.insert("XX_dtmf_in_sip".into(), sip.into());
        }
        let legacy = legacy_keys(raw);
        raw.insert("XX_fkeys".into(), legacy.into());
        let mpk = multi_purpose_keys(raw);
        raw.insert("XX_mpk".into(), mpk.into());
        if let Some(keys) = v2_keys(model, raw) {
            raw.insert("XX_v2_fkeys".into(), keys.into());
        }
        for (key, part) in dns_parts(raw) {
            raw.insert(key, part);
        }
        raw.insert("XX_mac".into(), mac.lower_hex().into());
        let name = device_file_name(mac);
        let path = match config_dir(plugin) {
            "" => name,
            dir => format!("{dir}/{name}"),
        };
        Ok(vec![DeviceFile::template(path)])
    }

    /// `cfg<mac>.xml` holds the SIP passwords. wazo-provd's Grandstream
    /// plugins name no sensitive file; the request is only logged.
    fn is_sensitive(&self, basename: &[u8]) -> bool {
        basename.len() == 19
            && basename.starts_with(b"cfg")
            && basename[3..15].iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && basename.ends_with(b".xml")
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(device_file_name)
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| basename.strip_prefix(b"cfg").is_some_and(|rest| mac_file_matches(m, false, b".xml", rest)))
    }
}

#[cfg(test)]
mod tests;
