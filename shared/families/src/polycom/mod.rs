//! Polycom SoundPoint IP, SoundStation IP and VVX phones: identified by the
//! HTTP User-Agent (`FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446 ...`),
//! the MAC coming from the requested path; one `<mac>-user.cfg` per device
//! and, per plugin, the master file `000000000000.cfg` and the site-wide
//! `common.cfg` rendered from `templates/common/`.
//!
//! Two configuration generations share this code and differ by plugin data
//! (`plugin-info`):
//!
//! * `"generation": "sip3"`: SIP application 3.x. The plugin is EXACT when
//!   the phone runs the model's `version`, COMPLETE otherwise; park keys are
//!   not emitted (3.x has no park resource type).
//! * `"generation": "ucs"` (the default): UC Software 4.0 and later. Every
//!   known model scores COMPLETE + 1 (501) whatever its version, as in
//!   wazo, so a UCS plugin wins over a 3.x one unless the phone runs exactly
//!   the 3.x plugin's firmware.
//!
//! Other plugin-level data: `common_files`, the shared files to render
//! (default `000000000000.cfg` and `common.cfg`, each from
//! `common/<name>.tpl`). Per model: `version`, `function_keys` (resource
//! list keys on the phone), `expansion_modules` and `expansion_module_keys`.

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

/// Polycom SoundPoint, SoundStation and VVX phones (`polycom` in `plugin-info`).
pub struct Polycom;

const VENDOR: &str = "Polycom";

impl Family for Polycom {
    fn id(&self) -> &'static str {
        "polycom"
    }

    /// XML: parameters are attributes of one element.
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_timezone"]
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { path, user_agent: Some(ua) } if !ua.is_empty() => extract_http(path, ua),
            Request::Http { path, .. } => extract_mac_only(path, true),
            Request::Tftp { filename } => extract_mac_only(filename, false),
            Request::Dhcp { .. } => None,
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref().and_then(|m| plugin.model(m)) {
                None => PROBABLE,
                Some(model) => match generation(plugin) {
                    Generation::Ucs => COMPLETE + 1,
                    Generation::Sip3
                        if info.version.is_some() && info.version.as_deref() == model.version.as_deref() =>
                    {
                        EXACT
                    }
                    Generation::Sip3 => COMPLETE,
                },
            },
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let model = device.model.as_deref().and_then(|m| plugin.model(m));

        // An unknown zone leaves the phone's own setting alone.
        if let Some(lines) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONE_LINES.get(z)) {
            raw.insert("XX_timezone".into(), lines.into());
        }
        if let Some((_, lang)) = LANGUAGES.iter().find(|(l, _)| raw.get("locale").and_then(Value::as_str) == Some(*l)) {
            raw.insert("XX_language".into(), (*lang).into());
        }
        let fkeys = model.map(|m| function_keys(m, generation(plugin), raw.get("funckeys"))).unwrap_or_default();
        raw.insert("XX_fkeys".into(), fkeys.into());
        raw.insert("XX_syslog_level".into(), syslog_level(raw.get("syslog_level").and_then(Value::as_str)).into());
        raw.insert("XX_sip_transport".into(), transport(raw.get("sip_transport").and_then(Value::as_str)).into());
        if let Some(url) = helpers::phonebook_url(raw, "polycom", "input", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), url.into());
        }
        update_sip_lines(raw);
        let lang = raw.get("locale").and_then(Value::as_str).and_then(|l| l.split('_').next());
        let directory = if lang == Some("fr") { "Annuaire" } else { "Directory" };
        let mut dict = Map::new();
        dict.insert("remote_directory".into(), directory.into());
        raw.insert("XX_dict".into(), Value::Object(dict));
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        Ok(vec![DeviceFile::template(format!("{}-user.cfg", mac.lower_hex()))])
    }

    fn common_files(&self, plugin: &Plugin, base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        let names: Vec<String> = match plugin.info.extra.get("common_files") {
            Some(Value::Array(names)) => names.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
            Some(_) => {
                return Err(ConfigureError::Invalid {
                    field: "plugin-info common_files".into(),
                    message: "expected a list of file names".into(),
                });
            }
            None => vec!["000000000000.cfg".into(), "common.cfg".into()],
        };
        let mut context = base_raw_config.clone();
        helpers::add_server_url(&mut context);
        Ok(names
            .into_iter()
            .map(|name| CommonFile { template: format!("common/{name}.tpl"), path: name, context: context.clone() })
            .collect())
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^[0-9a-f]{12}-user\.cfg$`
        basename.len() == 21 && is_lower_hex(&basename[..12]) && &basename[12..] == b"-user.cfg"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("{}-user.cfg", mac.lower_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, false, b"-user.cfg", basename))
    }
}

#[cfg(test)]
mod tests;
