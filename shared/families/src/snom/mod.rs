//! Snom desk phones (3xx, 7xx, 8xx, D1xx to D7xx, MeetingPoint, PA1) and
//! DECT multi-cell bases (M300, M700, M900): identified by the HTTP
//! User-Agent, the MAC coming from the User-Agent, the
//! `snom<model>-<MAC>.htm` path or the `mac` query argument of firmware
//! URLs. Each device gets `<MAC>.xml` (its settings) and
//! `snom<model>-<MAC>.htm` (the setting-files list naming it); each plugin
//! renders per-model common files from the base raw config.
//!
//! Plugin data read from `plugin-info`:
//!
//! * plugin level `dect: true`: the plugin serves DECT bases (M-series
//!   settings, account reset in a templated `snom-general.xml`, reboot on
//!   synchronize); desk plugins ship a static `snom-general.xml` instead;
//! * plugin level `locales`: `{locale: [language, tone scheme]}` replacing
//!   the default table (language names differ between firmware
//!   generations, e.g. `Francais` on 8.x, `Français` on 10.x);
//! * model `version`: the firmware the plugin ships (EXACT association);
//! * model `firmware`: the desk firmware image under `firmware/`;
//! * model `lines`: identities (desk: where failover identities stop;
//!   DECT: how many accounts `snom-general.xml` resets);
//! * model `park_orbit: true`: park keys are `orbit` keys, else speed dials.

use std::cmp::Ordering;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::config::truthy;
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

/// Snom desk phones and DECT bases (`snom` in `plugin-info`).
pub struct Snom;

const VENDOR: &str = "Snom";

impl Family for Snom {
    fn id(&self) -> &'static str {
        "snom"
    }

    /// XML, the `.htm` setting-file lists included.
    fn syntax(&self) -> Syntax {
        Syntax::Xml
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_timezone"]
    }

    /// HTTP only (Snom phones provision over HTTP). The `mac` query argument
    /// counts only with a Snom User-Agent: alone it says nothing about the
    /// vendor (wazo took it from any request).
    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        let Request::Http { path, user_agent: Some(ua) } = *request else {
            return None;
        };
        let mut info = extract_ua(ua)?;
        let (path, query) = split_query(path);
        // wazo's precedence: path, then User-Agent, then query argument.
        if let Some(mac) = path_mac(path) {
            info.mac = Some(mac);
        } else if info.mac.is_none() {
            info.mac = query_mac(query);
        }
        Some(info)
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        let Some(vendor) = info.vendor.as_deref() else {
            return UNKNOWN;
        };
        if vendor != VENDOR {
            return IMPROBABLE;
        }
        let dect = is_dect_plugin(plugin);
        let model = info.model.as_deref();
        // A desk phone is no DECT base and the other way round, whatever the
        // tie-break between plugin ids would say.
        if model.is_some_and(|m| is_dect_model(m) != dect) {
            return IMPROBABLE;
        }
        let Some(version) = info.version.as_deref() else {
            // Perhaps a firmware without XML support: let the admin decide.
            return PROBABLE;
        };
        let min = if dect { DECT_MIN_VERSION } else { DESK_MIN_VERSION };
        if compare_versions(version, min) == Some(Ordering::Less) {
            return NONE;
        }
        match model.and_then(|m| plugin.model(m)) {
            Some(m) if m.version.as_deref() == Some(version) => EXACT,
            Some(m) if same_generation(version, m.version.as_deref()) => COMPLETE,
            Some(_) => COMPLETE - OTHER_GENERATION,
            None if same_generation(version, plugin_firmware(plugin)) => PROBABLE + OTHER_GENERATION,
            None => PROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let model =
            device.model.as_deref().filter(|m| !m.is_empty()).ok_or(ConfigureError::MissingDeviceField("model"))?;
        // The model names a served file: keep it a file name.
        if !model.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return Err(ConfigureError::Invalid {
                field: "model".into(),
                message: format!("{model:?} cannot be part of a Snom file name"),
            });
        }
        helpers::add_server_url(raw);
        if !raw.contains_key("XX_server_url") {
            return Err(ConfigureError::MissingParameter("ip"));
        }
        let info = plugin.model(model);
        let mac_hex = mac.upper_hex();
        let xml = format!("{mac_hex}.xml");

        let tone = add_locale(plugin, raw);
        let transport: &'static str = match raw.get("sip_transport").and_then(Value::as_str) {
            Some("tcp") => "tcp",
            Some("tls") => "tls",
            _ => "udp",
        };
        raw.insert("XX_sip_transport".into(), Value::from(transport));
        if is_dect_plugin(plugin) {
            update_dect_lines(raw, transport);
        } else {
            let identities = info.and_then(|m| m.get_u64("lines")).unwrap_or(DEFAULT_IDENTITIES);
            update_desk_lines(raw, transport, identities);
            let orbit = info.and_then(|m| m.extra.get("park_orbit")).is_some_and(truthy);
            let fkeys = function_keys(raw, orbit);
            raw.insert("XX_fkeys".into(), Value::from(fkeys));
            if let Some(code) =
                raw.get("timezone").and_then(Value::as_str).and_then(|z| timezone_code(z, tone.as_deref()))
            {
                let code = provd_core::syntax::xml(&code);
                raw.insert("XX_timezone".into(), Value::from(format!("<timezone perm=\"R\">{code}</timezone>")));
            }
            add_syslog(raw);
        }
        if let Some(url) = helpers::phonebook_url(raw, "snom", "input", "", "") {
            raw.insert("XX_xivo_phonebook_url".into(), Value::from(url));
        }
        raw.insert("XX_dict".into(), Value::Object(dict(raw.get("locale").and_then(Value::as_str))));
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        raw.insert("XX_xml_filename".into(), Value::from(xml.clone()));
        Ok(vec![
            DeviceFile::template(xml),
            DeviceFile {
                path: format!("snom{model}-{mac_hex}.htm"),
                source: FileSource::Template("other/base.htm.tpl".into()),
            },
        ])
    }

    /// `snom<model>.htm` (the files every phone of the model reads),
    /// `snom<model>.xml` (where its firmware status is) and
    /// `snom<model>-firmware.xml` for every model; `gui_lang.xml` and
    /// `web_lang.xml` for desk plugins, `snom-general.xml` for DECT ones.
    /// A `common/snom<model>.htm.tpl` (and so on) in the plugin's templates
    /// replaces the shared `common/snom-model.htm.tpl` for that model.
    fn common_files(&self, plugin: &Plugin, base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        let mut ctx = base_raw_config.clone();
        helpers::add_server_url(&mut ctx);
        if !ctx.contains_key("XX_server_url") {
            return Err(ConfigureError::MissingParameter("http_base_url"));
        }
        let mut out = Vec::new();
        if is_dect_plugin(plugin) {
            let accounts = plugin.info.models.values().filter_map(|m| m.get_u64("lines")).max().unwrap_or(1000);
            let mut c = ctx.clone();
            c.insert("XX_accounts".into(), Value::from(accounts.min(4096)));
            out.push(CommonFile {
                path: "snom-general.xml".into(),
                template: "common/snom-general.xml.tpl".into(),
                context: c,
            });
        } else {
            for name in ["gui_lang.xml", "web_lang.xml"] {
                out.push(CommonFile {
                    path: name.into(),
                    template: format!("common/{name}.tpl"),
                    context: ctx.clone(),
                });
            }
        }
        for (model, info) in &plugin.info.models {
            if model.is_empty() || !model.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                continue;
            }
            for (suffix, shared) in [
                (".htm", "common/snom-model.htm.tpl"),
                (".xml", "common/snom-model.xml.tpl"),
                ("-firmware.xml", "common/snom-model-firmware.xml.tpl"),
            ] {
                let path = format!("snom{model}{suffix}");
                let own = format!("common/{path}.tpl");
                let template = if template_exists(plugin, &own) { own } else { shared.to_owned() };
                out.push(CommonFile { path, template, context: model_context(&ctx, model, info) });
            }
        }
        Ok(out)
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^[0-9A-F]{12}\.xml`, unanchored at the end as in wazo.
        basename.len() >= 16
            && basename[..12].iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
            && &basename[12..16] == b".xml"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        // wazo names no trigger for a device without a model.
        device.model.as_ref()?;
        device.mac.map(|mac| format!("{}.xml", mac.upper_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, model: Option<&str>, basename: &[u8]) -> bool {
        model.is_some() && mac.is_some_and(|m| mac_file_matches(m, true, b".xml", basename))
    }

    /// Desk phones reload their settings in place; DECT bases must reboot.
    /// The trait gives no plugin here, so a DECT base is known by its model
    /// (`M` + 3 digits) or by a `dect` plugin id.
    fn sync_notify(&self, device: &Device) -> Option<SyncNotify> {
        let dect = device.model.as_deref().is_some_and(is_dect_model)
            || device.plugin.as_deref().is_some_and(|p| p.contains("snom-dect"));
        let event = if dect { "check-sync;reboot=true" } else { "check-sync;reboot=false" };
        Some(SyncNotify { event, body: None })
    }
}

#[cfg(test)]
mod tests;
