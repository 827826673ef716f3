//! Patton SmartNode analog gateways (SN4112 to SN4332): identified by the
//! HTTP User-Agent alone (`SmartNode (Model:SN4112/JS/EUI; Serial:<MAC>;
//! Software Version:R6.11 ...)`: model, serial number, which is the MAC,
//! and firmware). One file per device, `<mac>.cfg`: the CLI script the
//! gateway's provisioning profile fetches and runs, one FXS port per SIP
//! line.
//!
//! Per-model data from `plugin-info`: `version`, the firmware the plugin
//! ships (EXACT association when equal), `lines` (FXS ports) and
//! `firmware_dir`, the folder under the server's root holding the model's
//! firmware (`sn4110`, `sn4300`), which its script names.

use serde_json::Value;

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

/// Patton SmartNode gateways (`patton` in `plugin-info`).
pub struct Patton;

const VENDOR: &str = "Patton";

impl Family for Patton {
    fn id(&self) -> &'static str {
        "patton"
    }

    /// CLI commands, one a line; every value the family writes is one
    /// argument ([`configure::token`]).
    fn syntax(&self) -> Syntax {
        Syntax::Lines
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { user_agent: Some(ua), .. } => extract_ua(ua),
            _ => None,
        }
    }

    /// wazo's rule: a listed model is EXACT in the shipped version exactly,
    /// else COMPLETE; an unlisted Patton model is UNKNOWN.
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
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let model = device.model.as_deref().and_then(|m| plugin.model(m));
        let (lines, servers) = lines_and_servers(raw)?;
        raw.insert("XX_lines".into(), lines.into());
        raw.insert("XX_servers".into(), servers.into());
        if let Some(level) = raw.get("syslog_level").and_then(Value::as_str).map(syslog_level) {
            raw.insert("XX_syslog_level".into(), level.to_owned().into());
        }
        // An unknown zone leaves the gateway's own clock settings.
        if let Some(zone) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONES.get(z)) {
            raw.insert("XX_timezone_offset".into(), zone.offset.into());
            if let Some([offset, start, end]) = zone.dst {
                raw.insert("XX_dst_offset".into(), offset.into());
                raw.insert("XX_dst_start".into(), start.into());
                raw.insert("XX_dst_end".into(), end.into());
            }
        }
        // Written back as wazo does: its templates read `sip_transport`.
        let t = transport(raw.get("sip_transport").and_then(Value::as_str));
        raw.insert("sip_transport".into(), t.into());
        if let Some(relay) = dtmf_relay(raw.get("sip_dtmf_mode").and_then(Value::as_str)) {
            raw.insert("XX_dtmf_relay".into(), relay.into());
        }
        let admin = token_of(raw, "admin_username").unwrap_or_else(|| "administrator".into());
        raw.insert("XX_admin_username".into(), admin.into());
        for (key, xx) in [
            ("admin_password", "XX_admin_password"),
            ("user_username", "XX_user_username"),
            ("user_password", "XX_user_password"),
            ("ntp_ip", "XX_ntp_ip"),
            ("syslog_ip", "XX_syslog_ip"),
            ("syslog_port", "XX_syslog_port"),
        ] {
            if let Some(t) = token_of(raw, key) {
                raw.insert(xx.into(), t.into());
            }
        }
        if let Some(dir) = model.and_then(|m| m.get_str("firmware_dir")) {
            raw.insert("XX_firmware_dir".into(), token(dir).into());
        }
        Ok(vec![DeviceFile::template(format!("{}.cfg", mac.lower_hex()))])
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
