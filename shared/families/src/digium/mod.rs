//! Digium D-series phones (D40, D45, D50, D60, D62, D65, D70): identified by
//! the DHCP vendor class (`digium_D40_1_0_5_46476`: model and firmware) and
//! by requests under `/Digium/` (the MAC from `/Digium/<mac>.cfg`); two
//! files per device under `Digium/`: `<mac>.cfg` (the phone's XML
//! configuration) and `<mac>-contacts.xml` (its contacts, which carry the
//! BLF subscriptions), rendered from `contact.tpl`.
//!
//! Per-model data from `plugin-info`: `version`, the firmware the plugin
//! ships (EXACT association), and `firmware`, its file name under
//! `Digium/firmware/`, listed in every device file so phones upgrade.

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
use configure::*;
use identify::*;

/// Digium D-series phones (`digium` in `plugin-info`).
pub struct Digium;

const VENDOR: &str = "Digium";

impl Family for Digium {
    fn id(&self) -> &'static str {
        "digium"
    }

    /// XML (`Digium/<mac>.cfg`, the contacts file).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Dhcp { vendor_class } => extract_dhcp(vendor_class),
            Request::Http { path, .. } => extract_path(path),
            Request::Tftp { .. } => None,
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref().and_then(|m| plugin.model(m)) {
                Some(model) if info.version.is_some() && info.version.as_deref() == model.version.as_deref() => EXACT,
                Some(_) => COMPLETE,
                None => PROBABLE,
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?.lower_hex();
        helpers::add_server_url(raw);
        let transport = match raw.get("sip_transport").and_then(Value::as_str) {
            Some("tcp") => "tcp",
            Some("tls") => "tls",
            _ => "udp",
        };
        raw.insert("XX_transport".into(), transport.into());
        update_sip_lines(raw);
        if let Some(ip) = main_proxy_ip(raw) {
            raw.insert("XX_main_proxy_ip".into(), ip.into());
        }
        let funckeys = function_keys(raw.get("funckeys"));
        raw.insert("XX_funckeys".into(), Value::Object(funckeys));
        if let Some(locale) = raw.get("locale").and_then(helpers::non_empty_text).map(Cow::into_owned) {
            raw.insert("XX_lang".into(), locale.into());
        }
        raw.insert("XX_firmwares".into(), firmwares(plugin).into());
        raw.insert("XX_mac".into(), mac.clone().into());
        Ok(vec![
            DeviceFile::template(format!("Digium/{mac}.cfg")),
            DeviceFile {
                path: format!("Digium/{mac}-contacts.xml"),
                source: FileSource::Template("contact.tpl".into()),
            },
        ])
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^[0-9a-f]{12}\.cfg$`
        basename.len() == 16
            && basename[..12].iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && &basename[12..] == b".cfg"
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
