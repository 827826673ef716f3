//! Alcatel-Lucent Enterprise SIP desk phones: the ALE 8028s (firmware
//! 1.51) and the Myriad M3, M5 and M7 (firmware 2.13). Identified by their
//! User-Agent (`ALE M3-CE 2.11.01.1604 3c28a620089e`: model, firmware,
//! MAC) and the `?mac=` argument they add to their requests. Each phone
//! fetches `config.<model>.xml` (shared by the plugin's phones of that
//! model) then `config.<mac>.xml` (its own), both `<settings>` of
//! `<setting id=… value=…/>`.
//!
//! Per-model data from `plugin-info`: `version` (EXACT association) and
//! `function_keys`, how many programmable keys the model has.

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

/// Alcatel-Lucent Enterprise SIP phones (`alcatel` in `plugin-info`).
pub struct Alcatel;

const VENDOR: &str = "Alcatel-Lucent";

/// A model name that can name a served file (`config.<model>.xml`).
fn file_safe(model: &str) -> bool {
    !model.is_empty() && model.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Family for Alcatel {
    fn id(&self) -> &'static str {
        "alcatel"
    }

    /// XML (`config.<model>.xml`, `config.<mac>.xml`).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { path, user_agent: Some(ua) } => extract_http(path, ua),
            _ => None,
        }
    }

    /// As wazo's: a model of the plugin is COMPLETE (EXACT in the version
    /// it ships), another model of the vendor PROBABLE.
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
        let model = device.model.as_deref().ok_or(ConfigureError::MissingDeviceField("model"))?;
        // The phones are provisioned over HTTP only.
        if raw.get("http_port").and_then(helpers::non_empty_text).is_none() {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        helpers::add_server_url(raw);
        update_sip_lines(raw);
        let keys = plugin.model(model).and_then(|m| m.get_u64("function_keys")).unwrap_or(0);
        raw.insert("XX_fkeys".into(), function_keys(raw.get("funckeys"), keys).into());
        add_timezone(raw);
        raw.insert("XX_lang".into(), language(raw.get("locale").and_then(Value::as_str)).into());
        if let Some(url) = helpers::phonebook_url(raw, "snom", "input", "", "") {
            // wazo-provd names the directory of these phones after Snom's.
            raw.insert("XX_xivo_phonebook_url".into(), url.into());
        }
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        Ok(vec![DeviceFile::template(format!("config.{mac}.xml"))])
    }

    /// `config.<model>.xml` for each model of the plugin: where the phones
    /// find their own file.
    fn common_files(&self, plugin: &Plugin, base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        let mut ctx = base_raw_config.clone();
        helpers::add_server_url(&mut ctx);
        Ok(plugin
            .info
            .models
            .keys()
            .filter(|m| file_safe(m))
            .map(|model| {
                let mut context = ctx.clone();
                context.insert("XX_model".into(), model.as_str().into());
                CommonFile {
                    path: format!("config.{model}.xml"),
                    template: "common/config.model.xml.tpl".into(),
                    context,
                }
            })
            .collect())
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^config\.[0-9a-f]{12}\.xml`, without an end anchor as wazo's.
        basename.strip_prefix(b"config.").is_some_and(|rest| {
            rest.len() >= 16
                && rest[..12].iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                && &rest[12..16] == b".xml"
        })
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("config.{}.xml", mac.lower_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| basename.strip_prefix(b"config.").is_some_and(|r| mac_file_matches(m, false, b".xml", r)))
    }
}
