//! Aastra / Mitel (67xxi, 9143i, 9480i, 68xxi, 69xx): identified by the HTTP
//! User-Agent only; one `Aastra/<MAC>.cfg` per device, plus the SIP servers'
//! CA bundle when TLS certificates are configured.
//!
//! Per-model data (key layout, firmware version) and per-plugin data
//! (`language_path`) come from `plugin-info`, so plugin versions differ by
//! data only. Model entries read here:
//!
//! * `version`: the firmware the plugin ships (EXACT association);
//! * `prgkeys`, `topsoftkeys`, `softkeys`: how many keys of each kind, in
//!   the order function keys are numbered onto them;
//! * `expansion_modules`, `expansion_module_keys`: modules supported and the
//!   keys of the largest one (`expmod<k> key<n>`);
//! * `softkey_blf: false`: the model cannot show BLF on its softkeys (68xx),
//!   so BLF keys that land there become speed dials.

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
pub(crate) use identify::{exact_captures, exact_rules};

/// Aastra and Mitel SIP phones (`aastra` in `plugin-info`).
pub struct Aastra;

const VENDOR: &str = "Aastra";

impl Family for Aastra {
    fn id(&self) -> &'static str {
        "aastra"
    }

    /// Aastra/Mitel `key: value` lines.
    fn syntax(&self) -> Syntax {
        Syntax::Lines
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_parking", "XX_timezone"]
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        let Request::Http { user_agent: Some(ua), .. } = *request else {
            return None;
        };
        extract_ua(ua)
    }

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
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let mac_hex = mac.upper_hex();
        let mut files = vec![DeviceFile::template(format!("Aastra/{mac_hex}.cfg"))];

        if let Some((oob, method)) = raw.get("sip_dtmf_mode").and_then(Value::as_str).and_then(dtmf) {
            raw.insert("XX_out_of_band_dtmf".into(), oob.into());
            raw.insert("XX_dtmf_method".into(), method.into());
        }
        if let Some(info) = device.model.as_deref().and_then(|m| plugin.model(m)) {
            let fkeys = function_keys(info, raw.get("funckeys"));
            raw.insert("XX_fkeys".into(), fkeys.into());
        }
        if let Some((_, locale)) = LOCALES.iter().find(|(l, _)| raw.get("locale").and_then(Value::as_str) == Some(*l)) {
            raw.insert("XX_locale".into(), locale.to_vec().into());
        }
        let level = log_level(raw.get("syslog_level").and_then(Value::as_str));
        raw.insert("XX_log_level".into(), level.into());
        // An unknown zone leaves the phone's own setting alone, as wazo-provd does.
        if let Some(lines) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONE_LINES.get(z)) {
            raw.insert("XX_timezone".into(), lines.into());
        }
        if let Some(proto) = raw.get("sip_transport").and_then(Value::as_str).and_then(transport) {
            raw.insert("XX_transport_proto".into(), proto.into());
        }
        if let Some(pem) = raw.get("sip_servers_root_and_intermediate_certificates").and_then(pem_bundle) {
            let name = format!("{mac_hex}{CA_SUFFIX}");
            raw.insert("XX_trusted_certificates".into(), name.clone().into());
            files.push(DeviceFile { path: format!("Aastra/{name}"), source: FileSource::Bytes(pem.into_bytes()) });
        }
        update_sip_lines(raw);
        if let Some(parking) = parking(raw) {
            raw.insert("XX_parking".into(), parking.into());
        }
        if let Some(url) = helpers::phonebook_url(raw, "aastra", "input", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), url.into());
        }
        helpers::add_server_url(raw);
        add_config_server(raw);
        raw.insert("XX_dict".into(), Value::Object(dict(raw.get("locale").and_then(Value::as_str))));
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        let language_path = plugin.info.extra.get("language_path").and_then(Value::as_str).unwrap_or("");
        raw.insert("XX_language_path".into(), language_path.into());
        Ok(files)
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        basename.len() == 16
            && basename[..12].iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
            && basename[12..] == *b".cfg"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("{}.cfg", mac.upper_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, true, b".cfg", basename))
    }
}

#[cfg(test)]
mod tests;
