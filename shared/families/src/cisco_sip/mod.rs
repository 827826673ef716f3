//! Cisco multiplatform (MPP, "3PCC") firmware: the 68xx, 78xx and 88xx
//! desk phones and the ATA191/ATA192 adapters. Identified by the HTTP
//! User-Agent (`Cisco-CP-7841-3PCC/12.0.7 (<mac>)` for phones,
//! `Cisco/ATA191-MPP-11-1-0-MSR4 (<SN>)` for ATAs), the TFTP names of the
//! bootstrap (`/Cisco/CP-<model>-3PCC/<mac>.cfg`, an ATA's `/<mac>.xml`) and
//! the DHCP vendor class (`CP-7841-3PCC`, `CISCO ATA191-MPP`).
//!
//! The configuration is a flat profile like the SPA's (`<flat-profile>`
//! with one element per setting), so the line, locale and time-zone values
//! are `cisco_spa`'s. Bootstrap: a common file per model, rendered from
//! `common/model.cfg.tpl` (`<model>-3PCC.xml` for phones, `ata19x.cfg` for
//! ATAs, listed as `common_files` in `plugin-info`), points the profile
//! rules at the static defaults (`cp-phone.xml`, `spa-ata.xml`) and at
//! `$MA.xml`, the per-device profile `<mac>.xml`, served over HTTP.
//!
//! Per-model data from `plugin-info` `models`:
//!
//! * `version`: the firmware the plugin ships (EXACT association);
//! * `lines`: SIP accounts (phones) or FXS ports (ATAs);
//! * `keys`, `expansion_modules`: line keys, and key expansion modules of
//!   32 keys each, where function keys land (`XX_fkeys`);
//! * `firmware`: the load the phone upgrades to, under the plugin's
//!   `var/tftpboot/` (`XX_upgrade_rule`);
//! * `dictionary`: the language file pattern under `locales/`, `{locale}`
//!   standing for `en-US`, `fr-FR`, `de-DE`, `es-ES`
//!   (`XX_dictionary_script`).

use std::borrow::Cow;

use serde_json::Value;

use crate::cisco_spa;
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
#[cfg(test)]
pub(crate) use identify::prefilters;
use identify::*;

/// Cisco phones and ATAs on multiplatform firmware (`cisco_sip` in `plugin-info`).
pub struct CiscoSip;

const VENDOR: &str = "Cisco";

impl Family for CiscoSip {
    fn id(&self) -> &'static str {
        "cisco_sip"
    }

    /// XML flat profiles (`<mac>.xml`, the common files).
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_timezone"]
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { path, user_agent: Some(ua) } => extract_ua(ua, path),
            Request::Http { .. } => None,
            Request::Tftp { filename } => extract_tftp(filename),
            Request::Dhcp { vendor_class } => extract_dhcp(vendor_class),
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        match info.vendor.as_deref() {
            None => UNKNOWN,
            Some(VENDOR) => match info.model.as_deref() {
                None => PROBABLE,
                Some(model) => match plugin.model(model) {
                    Some(m) if info.version.is_some() && info.version.as_deref() == m.version.as_deref() => EXACT,
                    Some(_) => COMPLETE,
                    // Another plugin's model: its common file is not here.
                    None => IMPROBABLE,
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
        if let Some(name) = &device.model {
            raw.insert("XX_model".into(), Value::from(name.clone()));
        }
        if let Some((fkeys, expansion)) = model.and_then(|m| function_keys(m, raw.get("funckeys"))) {
            raw.insert("XX_fkeys".into(), Value::from(fkeys));
            // Powered expansion modules need the switch's full PoE budget.
            let power = if expansion { "Maximum" } else { "Normal" };
            raw.insert("XX_poe_power".into(), Value::from(power));
        }
        if let Some((lines, _)) = raw.get("timezone").and_then(Value::as_str).and_then(|z| cisco_spa::TIMEZONE.get(z)) {
            raw.insert("XX_timezone".into(), Value::from(lines));
        }
        cisco_spa::add_lines(model, raw);
        cisco_spa::add_locale(plugin, raw);
        if let Some(url) = helpers::phonebook_url(raw, "cisco", "input", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), Value::from(url));
        }
        helpers::add_server_url(raw);
        if let Some(model) = model {
            add_firmware(model, raw);
        }
        Ok(vec![DeviceFile::template(format!("{}.xml", mac.lower_hex()))])
    }

    fn common_files(&self, plugin: &Plugin, base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        let Some(Value::Array(names)) = plugin.info.extra.get("common_files") else {
            return Ok(Vec::new());
        };
        let mut context = base_raw_config.clone();
        helpers::add_server_url(&mut context);
        Ok(names
            .iter()
            .filter_map(Value::as_str)
            .map(|name| CommonFile {
                path: name.to_owned(),
                template: "common/model.cfg.tpl".into(),
                context: context.clone(),
            })
            .collect())
    }

    /// `^\w{,3}[0-9a-fA-F]{12}(?:\.cnf)?\.xml$`, as cisco_spa: `<mac>.xml`.
    fn is_sensitive(&self, basename: &[u8]) -> bool {
        cisco_spa::CiscoSpa.is_sensitive(basename)
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("{}.xml", mac.lower_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, false, b".xml", basename))
    }
}

/// Borrowed text of a capture known to be ASCII.
fn text(b: &[u8]) -> Option<Cow<'_, str>> {
    helpers::utf8(b).map(Cow::Borrowed)
}
