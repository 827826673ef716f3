//! Yealink (T2x/T3x/T4x/T5x desk phones, CP conference phones, W-series
//! DECT bases, AX handsets): identified by the HTTP User-Agent, or without
//! one by the `<mac>.cfg` path; one `<mac>.cfg` per device, no common file.
//!
//! Per-model data comes from the plugin's `plugin-info` `models` entries, so
//! plugin versions (firmware generations) differ by data only:
//!
//! * `version`: the firmware the plugin ships (EXACT association);
//! * `firmware`: the firmware file name (`XX_fw_filename`);
//! * `lines`: SIP accounts; `XX_sip_lines` lists exactly that many (absent:
//!   the configured lines as they are, for DECT managers with hundreds);
//! * `linekeys`, `memorykeys`: programmable keys, numbered in that order;
//! * `expansion_modules`, `expansion_module_keys`: how many modules can be
//!   chained and the keys of each (`expansion_module` names the model);
//! * `handsets: true`: the plugin-level `handsets_fw` table (handset or
//!   dongle firmware, updated over the air) applies (`XX_handsets_fw`).

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
use identify::*;
#[cfg(test)]
pub(crate) use identify::{exact_captures, prefilters};

/// Yealink phones (`yealink` in `plugin-info`).
pub struct Yealink;

const VENDOR: &str = "Yealink";

impl Family for Yealink {
    fn id(&self) -> &'static str {
        "yealink"
    }

    /// Yealink `key = value` lines.
    fn syntax(&self) -> Syntax {
        Syntax::Lines
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_timezone"]
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { user_agent: Some(ua), .. } if !ua.is_empty() => extract_ua(ua),
            Request::Http { path, .. } => extract_path(path),
            Request::Tftp { .. } | Request::Dhcp { .. } => None,
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        let Some(vendor) = info.vendor.as_deref() else {
            return UNKNOWN;
        };
        if vendor != VENDOR {
            return IMPROBABLE;
        }
        match info.model.as_deref().and_then(|m| plugin.model(m)) {
            Some(model) => match (info.version.as_deref(), model.version.as_deref()) {
                (Some(got), Some(shipped)) if got == shipped => EXACT,
                _ => COMPLETE,
            },
            None => PROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let model = device.model.as_deref().and_then(|m| plugin.model(m));

        let fkeys = function_keys(&KeyLayout::of(model), raw);
        raw.insert("XX_fkeys".into(), Value::from(fkeys));
        add_locale(raw);
        if let Some(lines) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONE_LINES.get(z)) {
            // An unknown zone leaves the phone's own setting alone.
            raw.insert("XX_timezone".into(), Value::from(lines));
        }
        let transport = transport_type(raw.get("sip_transport").and_then(Value::as_str));
        raw.insert("XX_sip_transport".into(), Value::from(transport));
        update_sip_lines(raw);
        add_xx_sip_lines(model, raw);
        if let Some(url) = helpers::phonebook_url(raw, "yealink", "lookup", "", "term=#SEARCH") {
            raw.insert("XX_xivo_phonebook_url".into(), Value::from(url));
        }
        helpers::add_phoned_user_service_urls(raw, "yealink", "dnd");
        helpers::add_server_url(raw);
        add_firmware(plugin, model, raw);
        if let Some(level) = raw.get("syslog_level").and_then(Value::as_str).and_then(syslog_level) {
            raw.insert("XX_syslog_level".into(), Value::from(level));
        }
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        Ok(vec![DeviceFile::template(format!("{}.cfg", mac.lower_hex()))])
    }

    fn file_cipher(&self) -> Option<FileCipher> {
        Some(FileCipher::YealinkAes128Ecb)
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^[0-9a-f]{12}\.cfg`, unanchored at the end as in wazo.
        basename.len() >= 16
            && basename[..12].iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && &basename[12..16] == b".cfg"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("{}.cfg", mac.lower_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, false, b".cfg", basename))
    }
}

#[cfg(test)]
mod tests;
