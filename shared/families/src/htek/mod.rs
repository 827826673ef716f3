//! Htek UC9xx phones: identified by the HTTP User-Agent (`Htek UC926
//! 2.0.4.6.41 00:1f:c1:1c:22:a9`: model, firmware, MAC). Each device gets
//! `cfg<mac>.xml`, its settings as `<hl_provision>` XML of `P<number>`
//! elements; each plugin renders its models' common files
//! (`cfg00NN.xml`, one per hardware model) from the base raw config.
//!
//! Per-model data from `plugin-info`:
//!
//! * `version`: the firmware the plugin ships (EXACT association);
//! * `linekeys`: how many line keys the phone has (`XX_fkeys` is written
//!   for that many; none without it);
//! * `common_file`: the model's common file (`cfg0010.xml` for the UC926;
//!   several models may share one).

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

/// Htek phones (`htek` in `plugin-info`).
pub struct Htek;

const VENDOR: &str = "Htek";

impl Family for Htek {
    fn id(&self) -> &'static str {
        "htek"
    }

    /// XML (`cfg<mac>.xml`, `cfg00NN.xml`).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    /// The User-Agent only, as wazo's: Htek phones send it with every
    /// request.
    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { user_agent: Some(ua), .. } => extract_ua(ua),
            _ => None,
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
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let linekeys = device.model.as_deref().and_then(|m| plugin.model(m)).and_then(|m| m.get_u64("linekeys"));
        if let Some(count) = linekeys {
            let fkeys = function_keys(raw, count.min(MAX_LINE_KEYS));
            raw.insert("XX_fkeys".into(), Value::Object(fkeys));
        }
        add_locale(raw);
        let zone = raw.get("timezone").and_then(Value::as_str).unwrap_or("Etc/UTC");
        raw.insert("XX_timezone_code".into(), timezone_code(zone).into());
        let transport = match raw.get("sip_transport").and_then(Value::as_str) {
            Some("tcp") => "1",
            Some("tls") => "2",
            _ => "0",
        };
        raw.insert("XX_sip_transport".into(), transport.into());
        update_sip_lines(raw);
        if let Some(url) = helpers::phonebook_url(raw, "htek", "lookup", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), url.into());
        }
        helpers::add_server_url(raw);
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        Ok(vec![DeviceFile::template(format!("cfg{}.xml", mac.lower_hex()))])
    }

    /// Each model's `common_file` once, from `common/model.tpl`: the
    /// accounts of the phone's web pages and where it finds firmware and
    /// its own file.
    fn common_files(&self, plugin: &Plugin, base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        let mut context = base_raw_config.clone();
        helpers::add_server_url(&mut context);
        let mut names: Vec<&str> = plugin
            .info
            .models
            .values()
            .filter_map(|m| m.get_str("common_file"))
            .filter(|f| is_common_file_name(f.as_bytes()))
            .collect();
        names.sort_unstable();
        names.dedup();
        Ok(names
            .into_iter()
            .map(|name| CommonFile {
                path: name.to_owned(),
                template: "common/model.tpl".into(),
                context: context.clone(),
            })
            .collect())
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^cfg[0-9a-f]{12}\.xml`, unanchored at the end as in wazo.
        basename.len() >= 19
            && basename.starts_with(b"cfg")
            && basename[3..15].iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && &basename[15..19] == b".xml"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("cfg{}.xml", mac.lower_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| basename.strip_prefix(b"cfg").is_some_and(|rest| mac_file_matches(m, false, b".xml", rest)))
    }
}

#[cfg(test)]
mod tests;
