//! Cisco (ex-Linksys) SPA phones (SPA30x, SPA50xG, SPA51xG, SPA525G, the
//! older SPA9xx) and ATAs (PAP2T, SPA112/122, SPA2102, SPA3102, SPA8000,
//! ATA190): identified by the HTTP User-Agent (`Cisco/SPA508G-7.4.4
//! (<MAC>)(<SN>)`, `Linksys/SPA-942-6.1.5(a) (<SN>)`), the TFTP requests of
//! the factory profile rule (`/spa<model>.cfg`, `/init.cfg`,
//! `ATA<MAC>.cnf.xml`) and the DHCP vendor class.
//!
//! Bootstrap: the phone fetches `/spa<model>.cfg` (a common file rendered
//! once per plugin) over TFTP; it points the phone's profile rules at the
//! static defaults (`spa-phone.xml` or `spa-ata.xml`) and at `$MA.xml`, the
//! per-device flat profile `<mac>.xml` served over HTTP. The ATA190 reads a
//! CUCM-style `ATA<MAC>.cnf.xml` instead, plus one for its second port whose
//! name carries a shifted MAC.
//!
//! Per-model data from `plugin-info` `models`:
//!
//! * `version`: the firmware the plugin ships (EXACT association);
//! * `lines`: SIP accounts (phones) or FXS ports (ATAs); lines beyond are
//!   left out of `XX_lines`;
//! * `keys`, `expansion_modules`: programmable line keys, and attendant
//!   consoles of 32 keys each, where function keys land (`XX_fkeys`);
//! * `firmware` (+ optional `firmware_step` `{below, firmware}` for
//!   upgrades that must go through an intermediate load): `XX_upgrade_rule`;
//! * `dictionary`: the language file pattern, `{lang}` standing for
//!   `en`/`fr`/`de`/`es` (`XX_dictionary_script`);
//! * `load`: the ATA190's firmware load name (`XX_load`).
//!
//! Plugin-level data: `common_files` (rendered from `common/model.cfg.tpl`),
//! `encoding` (old Linksys phones read Latin-1) and `directory_names`.

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
pub(crate) use configure::{TIMEZONE, add_lines, add_locale};
pub use identify::dhcp_abbreviation_of;
#[cfg(test)]
pub(crate) use identify::prefilters;
use identify::*;

/// Cisco SPA phones and ATAs, Linksys ones included (`cisco_spa` in `plugin-info`).
pub struct CiscoSpa;

const VENDOR: &str = "Cisco";

impl Family for CiscoSpa {
    fn id(&self) -> &'static str {
        "cisco_spa"
    }

    /// XML flat profiles (`<mac>.xml`, `spa<model>.cfg`) and the ATA190's `.cnf.xml`.
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_timezone"]
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { path, user_agent: Some(ua) } if !ua.is_empty() => extract_ua(ua, path),
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
                Some(model) => match resolve_model(plugin, model) {
                    Some((_, m)) if info.version.is_some() && info.version.as_deref() == m.version.as_deref() => EXACT,
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
        let resolved = device.model.as_deref().and_then(|m| resolve_model(plugin, m));
        let model = resolved.map(|(_, m)| m);
        let ata = is_ata(device.model.as_deref());

        let mut files = Vec::with_capacity(2);
        if ata {
            files.push(DeviceFile::template(format!("ATA{}.cnf.xml", mac.upper_hex())));
            let port2 = raw.get("sip_lines").and_then(Value::as_object).is_some_and(|l| l.contains_key("2"));
            if port2 {
                files.push(DeviceFile {
                    path: format!("ATA{}.cnf.xml", port2_mac(mac).upper_hex()),
                    source: FileSource::Template(ATA_PORT2_TEMPLATE.into()),
                });
            }
        } else {
            files.push(DeviceFile::template(format!("{}.xml", mac.lower_hex())));
        }

        if let Some(name) = resolved.map(|(n, _)| n).or(device.model.as_deref()) {
            raw.insert("XX_model".into(), Value::from(name));
        }
        if let Some(fkeys) = model.and_then(|m| function_keys(m, raw.get("funckeys"))) {
            raw.insert("XX_fkeys".into(), Value::from(fkeys));
        }
        if let Some((lines, cisco_name)) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONE.get(z)) {
            // An unknown zone leaves the phone's own setting alone.
            raw.insert("XX_timezone".into(), Value::from(lines));
            raw.insert("XX_cisco_timezone".into(), Value::from(cisco_name));
        }
        add_lines(model, raw);
        add_locale(plugin, raw);
        if let Some(url) = helpers::phonebook_url(raw, "cisco", "input", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), Value::from(url));
        }
        helpers::add_server_url(raw);
        if let Some(model) = model {
            add_firmware(model, raw);
            if let Some(load) = model.get_str("load") {
                raw.insert("XX_load".into(), Value::from(load));
            }
        }
        let encoding = plugin.info.extra.get("encoding").and_then(Value::as_str).unwrap_or("UTF-8");
        raw.insert("XX_encoding".into(), Value::from(encoding.to_ascii_uppercase()));
        Ok(files)
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

    /// `^\w{,3}[0-9a-fA-F]{12}(?:\.cnf)?\.xml$`: `<mac>.xml`, `ATA<MAC>.cnf.xml`.
    fn is_sensitive(&self, basename: &[u8]) -> bool {
        let Some(stem) = basename.strip_suffix(b".xml") else {
            return false;
        };
        let fits = |stem: &[u8]| {
            stem.len() >= 12
                && stem.len() <= 15
                && stem[stem.len() - 12..].iter().all(u8::is_ascii_hexdigit)
                && stem[..stem.len() - 12].iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_')
        };
        fits(stem) || stem.strip_suffix(b".cnf").is_some_and(fits)
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        let mac = device.mac?;
        Some(if is_ata(device.model.as_deref()) {
            format!("ATA{}.cnf.xml", mac.upper_hex())
        } else {
            format!("{}.xml", mac.lower_hex())
        })
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, model: Option<&str>, basename: &[u8]) -> bool {
        let Some(mac) = mac else { return false };
        if is_ata(model) {
            basename.strip_prefix(b"ATA").is_some_and(|n| mac_file_matches(mac, true, b".cnf.xml", n))
        } else {
            mac_file_matches(mac, false, b".xml", basename)
        }
    }
}

#[cfg(test)]
mod tests;
