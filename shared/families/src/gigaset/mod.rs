//! Gigaset IP DECT bases in two generations. The first (N510 IP PRO, N720
//! DM/IP PRO, firmware `42.x`/`70.x`) is recognised by its DHCP vendor
//! class (`Gigaset_N720_DM_PRO`, `N510_IP_PRO`: the model) and its
//! User-Agent (`N510 IP PRO/42.245.00.000.000;7C2F804DF9A9`: model, the
//! first two numbers of the firmware, MAC when present) and fetches
//! `<MAC>.xml` (upper case), a `ProviderFrame` profile of `SYMB_ITEM`
//! settings. The Nx70 generation (N610, N670, N770, N870, N870E IP PRO,
//! firmware `83.V2.x`) tells itself by User-Agent only
//! (`Gigaset N870 IP PRO/83.V2.11.0+build.a546b91;7C2F80E0D605`) and
//! fetches `<mac>.xml` (lower case), a `<provisioning>` document.
//!
//! Per-model data from `plugin-info`: `version`, the firmware the plugin
//! ships (EXACT association; for the first generation its first two
//! numbers, all the User-Agent tells). The Nx70 plugin's `firmware` is the
//! image under the plugin's root the profile offers.

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
use identify::*;

#[cfg(test)]
pub(crate) use identify::prefilters;

/// Gigaset IP DECT bases (`gigaset` in `plugin-info`).
pub struct Gigaset;

const VENDOR: &str = "Gigaset";

impl Family for Gigaset {
    fn id(&self) -> &'static str {
        "gigaset"
    }

    /// XML (both generations' profiles).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { user_agent: Some(ua), .. } => extract_ua(ua),
            Request::Dhcp { vendor_class } => extract_dhcp(vendor_class),
            Request::Http { user_agent: None, .. } | Request::Tftp { .. } => None,
        }
    }

    /// As wazo's: a model of the plugin is COMPLETE (EXACT in the version
    /// it ships), another Gigaset model UNKNOWN, another vendor IMPROBABLE.
    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref().and_then(|m| plugin.model(m)) {
                Some(model) if info.version.is_some() && info.version.as_deref() == model.version.as_deref() => EXACT,
                Some(_) => COMPLETE,
                None => UNKNOWN,
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        helpers::add_server_url(raw);
        if let Some(url) = phonebook_url(raw) {
            raw.insert("XX_xivo_phonebook_url".into(), url.into());
        }
        let model = device.model.as_deref();
        if first_generation(model) {
            first_generation_context(raw, &mac.upper_hex());
            return Ok(vec![DeviceFile::template(format!("{}.xml", mac.upper_hex()))]);
        }
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
        nx70_context(raw, now);
        if let Some(info) = model.and_then(|m| plugin.model(m))
            && let Some(file) = info.get_str("firmware")
        {
            // The profile names the version without its `83.V` prefix.
            let version = info.version.as_deref().unwrap_or("");
            let mut firmware = Map::new();
            firmware.insert("file".into(), file.into());
            firmware.insert("version".into(), version.strip_prefix("83.V").unwrap_or(version).into());
            raw.insert("XX_firmware".into(), Value::Object(firmware));
        }
        Ok(vec![DeviceFile::template(format!("{}.xml", mac.lower_hex()))])
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^[0-9A-F]{12}\.xml$` (first generation) or `^[0-9a-f]{12}\.xml$`.
        let Some(hex) = basename.strip_suffix(b".xml").filter(|h| h.len() == 12) else {
            return false;
        };
        hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
            || hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        let mac = device.mac?;
        let hex = if first_generation(device.model.as_deref()) { mac.upper_hex() } else { mac.lower_hex() };
        Some(format!("{hex}.xml"))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, first_generation(model), b".xml", basename))
    }
}
