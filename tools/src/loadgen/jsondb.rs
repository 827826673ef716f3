//! The simulated fleet as a wazo-provd `jsondb` (`devices/`, `configs/`):
//! each phone's device (its MAC, model, firmware, plugin and its own
//! loopback address as `ip`) and a config like wazo-confd writes (parents
//! `base` and `defaultconfigdevice`, SIP lines, function keys). Imported
//! with `provd-compile --import-wazo-jsondb`, it makes the phones known and
//! configured before a benchmark reboots them, and `provd-compile
//! --export` then gives the very files each phone must receive.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::catalog::{Phone, mix64, phone_ip};

/// Size knobs of the generated configs.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// SIP lines per device (at least 1).
    pub lines: u32,
    /// Function keys per device.
    pub funckeys: u32,
}

/// The device id of phone `index` (32 hex digits, as wazo-provd's uuid4 hex).
pub fn device_id(seed: u64, index: u32) -> String {
    format!("{:016x}{:016x}", mix64(seed ^ 0x1D), u64::from(index))
}

fn config(phone: &Phone, id: &str, shape: Shape, seed: u64) -> Value {
    let i = phone.index as u64;
    let r = |k: u64| mix64(seed ^ (i << 16) ^ k);
    let mut lines = Map::new();
    for l in 1..=u64::from(shape.lines.max(1)) {
        let ext = 10_000 + i * 8 + l;
        lines.insert(
            l.to_string(),
            json!({
                "username": format!("u{ext:07}x{:04x}", r(l) & 0xffff),
                "auth_username": format!("u{ext:07}"),
                "password": format!("{:016x}", r(100 + l)),
                "display_name": format!("User {ext} Line {l}"),
                "number": ext.to_string(),
                "proxy_ip": "10.0.0.10",
                "registrar_ip": "10.0.0.10",
                "proxy_port": 5060,
                "backup_proxy_ip": "10.0.0.11",
            }),
        );
    }
    let types = ["speeddial", "blf", "park"];
    let mut keys = Map::new();
    for k in 1..=u64::from(shape.funckeys) {
        keys.insert(
            k.to_string(),
            json!({
                "type": types[(r(200 + k) % 3) as usize],
                "value": (2000 + r(300 + k) % 5000).to_string(),
                "label": format!("Key {k}"),
                "line": "1",
            }),
        );
    }
    let zones = ["America/Montreal", "Europe/Paris", "Europe/Bucharest", "America/Regina", "Asia/Kolkata"];
    let locales = ["fr_FR", "en_US", "de_DE", "fr_CA", "es_ES"];
    let dtmf = ["RTP-in-band", "RTP-out-of-band", "SIP-INFO"];
    let mut raw = json!({
        "X_key": "", "config_version": 1, "protocol": phone.family.protocol(),
        "sip_lines": lines, "funckeys": keys,
        "exten_voicemail": "*98", "exten_pickup_call": "*8", "exten_dnd": "*25",
        "exten_fwd_unconditional": "*21", "exten_fwd_no_answer": "*22", "exten_fwd_busy": "*23",
        "exten_fwd_disable_all": "*20", "exten_park": "700",
        "timezone": zones[(r(1) % 5) as usize], "locale": locales[(r(2) % 5) as usize],
        "X_xivo_user_uuid": format!("{:08x}-0000-4000-8000-{:012x}", i, r(3) & 0xffff_ffff_ffff),
        "X_xivo_phonebook_profile": "default",
        "sip_dtmf_mode": dtmf[(r(4) % 3) as usize],
    });
    if phone.family.protocol() == "SCCP" {
        raw["sccp_call_managers"] =
            json!({"1": {"ip": "10.0.0.10", "port": 2000}, "2": {"ip": "10.0.0.11", "port": 2000}});
        raw.as_object_mut().map(|o| o.remove("sip_lines"));
    }
    json!({
        "id": id, "parent_ids": ["base", "defaultconfigdevice"], "deletable": true,
        "X_type": "device", "configdevice": "defaultconfigdevice",
        "raw_config": raw,
    })
}

fn device(phone: &Phone, id: &str) -> Value {
    json!({
        "id": id,
        "mac": phone.mac_normal(),
        "ip": phone_ip(phone.index).to_string(),
        "vendor": phone.family.vendor(),
        "model": phone.model.name,
        "version": phone.model.version,
        "plugin": phone.plugin(),
        "config": id,
        "configured": true,
        "tenant_uuid": "00000000-0000-4000-8000-000000000001",
        "is_new": false,
        "options": {"switchboard": false},
    })
}

/// Writes the devices and configs of `phones` under `out`; returns how many.
pub fn write(out: &Path, seed: u64, phones: impl Iterator<Item = Phone>, shape: Shape) -> anyhow::Result<usize> {
    std::fs::create_dir_all(out.join("devices"))?;
    std::fs::create_dir_all(out.join("configs"))?;
    let mut n = 0;
    for phone in phones {
        let id = device_id(seed, phone.index);
        std::fs::write(out.join("configs").join(&id), serde_json::to_vec(&config(&phone, &id, shape, seed))?)?;
        std::fs::write(out.join("devices").join(&id), serde_json::to_vec(&device(&phone, &id))?)?;
        n += 1;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loadgen::catalog::all;

    #[test]
    fn writes_one_device_and_config_per_phone() {
        let dir = tempfile::tempdir().unwrap();
        let phones = (0..14).map(|i| Phone::new(5, i, &all()));
        let n = write(dir.path(), 5, phones, Shape { lines: 2, funckeys: 3 }).unwrap();
        assert_eq!(n, 14);
        let id = device_id(5, 8);
        let d: Value = serde_json::from_slice(&std::fs::read(dir.path().join("devices").join(&id)).unwrap()).unwrap();
        let p = Phone::new(5, 8, &all());
        assert_eq!(d["mac"], p.mac_normal());
        assert_eq!(d["ip"], "127.10.2.10");
        assert_eq!(d["plugin"], p.plugin());
        assert_eq!(d["config"], id.as_str());
        let c: Value = serde_json::from_slice(&std::fs::read(dir.path().join("configs").join(&id)).unwrap()).unwrap();
        assert_eq!(c["parent_ids"], json!(["base", "defaultconfigdevice"]));
        assert_eq!(c["raw_config"]["funckeys"].as_object().unwrap().len(), 3);
        assert_eq!(std::fs::read_dir(dir.path().join("devices")).unwrap().count(), 14);
    }
}
