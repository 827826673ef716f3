//! Cisco 79xx phones running SCCP firmware (7905G to 7975G, 7920, 7937G):
//! identified by the DHCP vendor class (the only place the model shows) and
//! by the `SEP<MAC>.cnf.xml`, `CTLSEP`/`ITLSEP` and `ITLFile.tlv` requests;
//! one `SEP<MAC>.cnf.xml` per device, fetched over TFTP (or HTTP).
//!
//! The file tells the phone which call managers to register with, the
//! firmware load to run, the date/time zone and the locale; lines and keys
//! come from the call manager over SCCP. There is no SIP NOTIFY to resync
//! these phones, so `sync_notify` is `None`.
//!
//! Per-model data from `plugin-info` `models`:
//!
//! * `version`: the firmware version the plugin's load is (metadata only:
//!   the phones never announce theirs, so association cannot use it);
//! * `load`: the `loadInformation` the phone is told to run (`XX_load`).

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
pub(crate) use configure::cisco_zone_name;
use configure::*;
use identify::*;

/// Cisco SCCP phones (`cisco_sccp` in `plugin-info`).
pub struct CiscoSccp;

const VENDOR: &str = "Cisco";

impl Family for CiscoSccp {
    fn id(&self) -> &'static str {
        "cisco_sccp"
    }

    /// XML (`SEP<MAC>.cnf.xml`).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            // The path alone: these phones' User-Agent says nothing useful.
            Request::Http { path, .. } => {
                let path = path.split(|&b| b == b'?').next().unwrap_or(path);
                extract_filename(path.strip_prefix(b"/")?)
            }
            // wazo leaves the MAC out of TFTP answers; it is kept here, so a
            // phone without DHCP integration is still found by its MAC.
            Request::Tftp { filename } => extract_filename(filename),
            Request::Dhcp { vendor_class } => extract_dhcp(vendor_class),
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref() {
                None => MODEL_UNKNOWN,
                Some(m) if m.starts_with("SPA") || m.starts_with("ATA") => NONE,
                // Never EXACT: the phones do not announce their firmware.
                Some(m) if plugin.model(m).is_some() => COMPLETE,
                Some(_) => PROBABLE,
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("tftp_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("tftp_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        // Kept for administrators' templates written for wazo.
        raw.insert("XX_addons".into(), Value::from(""));
        if let Some((_, locale)) = LOCALES.iter().find(|(l, _)| raw.get("locale").and_then(Value::as_str) == Some(*l)) {
            raw.insert("XX_locale".into(), locale.to_vec().into());
        }
        let zone = raw.get("timezone").and_then(Value::as_str).and_then(|z| ZONE_NAMES.get(z)).unwrap_or(DEFAULT_ZONE);
        raw.insert("XX_timezone".into(), Value::from(zone));
        if let Some(url) = helpers::phonebook_url(raw, "cisco", "menu", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), Value::from(url));
        }
        let managers = call_managers(raw);
        raw.insert("XX_call_managers".into(), Value::Array(managers));
        let load = device.model.as_deref().and_then(|m| plugin.model(m)).and_then(|m| m.get_str("load"));
        raw.insert("XX_load".into(), Value::from(load.unwrap_or("")));
        Ok(vec![DeviceFile::template(format!("SEP{}.cnf.xml", mac.upper_hex()))])
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        mac_in(basename, b"SEP", b".cnf.xml").is_some()
    }

    fn remote_state_trigger(&self, _device: &Device) -> Option<String> {
        None
    }

    fn is_remote_state_trigger(&self, _mac: Option<Mac>, _model: Option<&str>, _basename: &[u8]) -> bool {
        false
    }

    fn sync_notify(&self, _device: &Device) -> Option<SyncNotify> {
        None
    }
}

#[cfg(test)]
pub(crate) mod tests;
