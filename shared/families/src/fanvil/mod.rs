//! Fanvil desk phones, X series (`wazo-fanvil-serie-x`) and V series
//! (`wazo-fanvil-serie-v`): identified by the HTTP User-Agent
//! (`Fanvil X4U 2.12.16.17 0c383e07e16c`: model, firmware, MAC) and by the
//! request path (a per-model common file such as `F0V0V6200000.cfg` tells
//! the model, `<mac>.cfg` the MAC). Each device gets `Fanvil/<mac>.cfg`, an
//! XML file in the format of its generation: `<VOIP_CONFIG_FILE>` for the
//! first X phones, `<sysConf>` for the X "U"/Pro/X7/X210 phones and the V
//! series. Each plugin renders the per-model common files its models name.
//!
//! Per-model data from `plugin-info`:
//!
//! * `version`: the firmware the plugin ships (capabilities only: Fanvil
//!   association knows no EXACT);
//! * `firmware`: the image under `Fanvil/firmware/` a device file points
//!   the phone at;
//! * `common_files`: `[{file, template, firmware}]`, the common files of
//!   the model (`Fanvil/<file>` rendered from `templates/common/<template>`);
//! * `top_keys`, `line_keys_per_page`, `keys_per_page`: how function keys
//!   split between the line-key side and the pages of the other keys, read
//!   from the model's base name (`X4U` for `X4U-Pro`), as wazo does.
//!
//! Plugin level `locales`: `{locale: language code}` for the phones that
//! number their languages (every model but the new X ones).

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

/// Fanvil desk phones (`fanvil` in `plugin-info`).
pub struct Fanvil;

const VENDOR: &str = "Fanvil";

/// Where the plugin's files live under its `var/tftpboot`.
const DIR: &str = "Fanvil";

impl Family for Fanvil {
    fn id(&self) -> &'static str {
        "fanvil"
    }

    /// XML, both generations; the V series' firmware notes
    /// (`fanvil_<model>_hwv1_0.txt`) are `key=value` lines whose one value,
    /// the server URL, is written XML-escaped (docs/ESCAPING.md).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    /// HTTP only, as wazo's (the plugins refuse configurations without
    /// `http_port`): the path first, then the User-Agent over it.
    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        let Request::Http { path, user_agent } = *request else {
            return None;
        };
        let mut info = extract_path(path).unwrap_or_default();
        match user_agent.map(extract_ua) {
            Some(Some(ua)) => info = DeviceInfo { mac: ua.mac.or(info.mac), ..ua },
            // Another vendor's phone asking for a `<mac>.cfg`: the name is
            // that vendor's to read (a Yealink's file asked for by a Snom
            // must not lend the Snom the Yealink's MAC).
            Some(None) if info.vendor.is_none() => return None,
            _ => {}
        }
        (!info.is_empty()).then_some(info)
    }

    /// A listed model is COMPLETE; another Fanvil model only UNKNOWN, so
    /// no plugin is chosen for it (wazo's rule: no EXACT, no PROBABLE).
    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) if info.model.as_deref().is_some_and(|m| plugin.model(m).is_some()) => COMPLETE,
            Some(VENDOR) => UNKNOWN,
            Some(_) => IMPROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let model = device.model.as_deref().unwrap_or("");
        let new_model = is_new_model(model);
        clear_autoprov_passwords(raw);
        if let Some(tz) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONES.get(z)).flatten() {
            raw.insert("XX_timezone".into(), tz);
        }
        add_locale(plugin, raw, new_model);
        let transport = match raw.get("sip_transport").and_then(Value::as_str) {
            Some("tcp") => "1",
            Some("tls") => "3",
            _ => "0",
        };
        raw.insert("X_sip_transport_protocol".into(), transport.into());
        update_lines(raw);
        add_function_keys(plugin, model, new_model, raw);
        add_phonebook_urls(raw);
        helpers::add_phoned_user_service_urls(raw, "fanvil", "dnd");
        helpers::add_server_url(raw);
        if let Some(fw) = plugin.model(model).and_then(|m| m.get_str("firmware")).filter(|f| !f.is_empty()) {
            raw.insert("XX_fw_filename".into(), fw.into());
        }
        Ok(vec![DeviceFile::template(format!("{DIR}/{}.cfg", mac.lower_hex()))])
    }

    /// Every model's `common_files`, from the base raw config: the model
    /// (`XX_model_info`), its firmware (`XX_fw_filename`) and shipped
    /// version (`XX_model_fw_version`) added.
    fn common_files(&self, plugin: &Plugin, base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        let mut ctx = base_raw_config.clone();
        helpers::add_server_url(&mut ctx);
        Ok(model_common_files(plugin)
            .map(|f| {
                let mut context = ctx.clone();
                context.insert("XX_model_info".into(), f.model.into());
                context.insert("XX_fw_filename".into(), f.firmware.into());
                if let Some(version) = f.version {
                    context.insert("XX_model_fw_version".into(), version.into());
                }
                CommonFile { path: format!("{DIR}/{}", f.file), template: format!("common/{}", f.template), context }
            })
            .collect())
    }

    /// `<mac>.cfg`, the device file with the SIP passwords. wazo's Fanvil
    /// plugins log nothing; provd logs the one file that holds secrets.
    fn is_sensitive(&self, basename: &[u8]) -> bool {
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
