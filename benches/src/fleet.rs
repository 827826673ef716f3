//! A synthetic fleet in wazo-provd's jsondb layout: every model of the given
//! plugins, one config per device as wazo-confd creates them (parents
//! `base` and `defaultconfigdevice`), 1–3 lines, 0–12 function keys.

use std::path::Path;

use provd_core::rng::Rng;
use provd_families::{phones, plugins};
use serde_json::{Value, json};

/// The vendor a family's devices carry and the OUI their MACs start with,
/// from the family registry ([`phones`]).
fn vendor_of(family: &str, model: &str) -> (&'static str, [u8; 3]) {
    match phones::by_id(family) {
        Some(p) => (p.vendor(), p.oui(model)),
        None => ("Unknown", [0x02, 0x00, 0x00]),
    }
}

/// Writes `devices/` and `configs/` under `out`; returns the device count.
pub fn write_jsondb(out: &Path, n: usize, plugins_dir: &Path, seed: u64) -> anyhow::Result<usize> {
    let (plugins, _) = plugins::scan(plugins_dir)?;
    let choices: Vec<(String, String, String, Option<String>)> = plugins
        .iter()
        .flat_map(|p| {
            p.info
                .models
                .iter()
                .map(move |(m, info)| (p.id.clone(), p.info.family.clone(), m.clone(), info.version.clone()))
        })
        .collect();
    anyhow::ensure!(!choices.is_empty(), "no plugin models in {}", plugins_dir.display());
    std::fs::create_dir_all(out.join("devices"))?;
    std::fs::create_dir_all(out.join("configs"))?;
    let mut rng = Rng(seed.wrapping_mul(0x9E3779B97F4A7C15) | 1);
    let zones = ["America/Montreal", "Europe/Paris", "Europe/Bucharest", "America/Regina", "Asia/Kolkata"];
    let locales = ["fr_FR", "en_US", "de_DE", "fr_CA", "es_ES"];
    let types = ["speeddial", "blf", "park"];
    let dtmf = ["RTP-in-band", "RTP-out-of-band", "SIP-INFO"];
    for i in 0..n {
        let (plugin, family, model, version) = &choices[rng.below(choices.len())];
        let (vendor, o) = vendor_of(family, model);
        let mac = format!(
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            o[0],
            o[1],
            o[2],
            (i >> 16) as u8,
            (i >> 8) as u8,
            i as u8
        );
        let id = format!("{:032x}", (seed as u128) << 64 | i as u128);
        let mut lines = serde_json::Map::new();
        for l in 1..=1 + rng.below(3) * (rng.below(3) / 2) {
            let ext = 1000 + i * 4 + l;
            lines.insert(
                l.to_string(),
                json!({
                    "username": format!("u{ext:06}x{:04x}", rng.below(65536)),
                    "auth_username": format!("u{ext:06}"),
                    "password": format!("{:016x}", rng.next_u64()),
                    "display_name": format!("User {ext} Line {l}"),
                    "number": ext.to_string(),
                    "proxy_ip": "10.0.0.10",
                    "registrar_ip": "10.0.0.10",
                    "proxy_port": 5060,
                    "backup_proxy_ip": "10.0.0.11",
                }),
            );
        }
        let mut keys = serde_json::Map::new();
        for k in 1..=rng.below(13) {
            let t = types[rng.below(3)];
            keys.insert(
                k.to_string(),
                json!({"type": t, "value": (2000 + rng.below(5000)).to_string(), "label": format!("Key {k}"), "line": "1"}),
            );
        }
        let config = json!({
            "id": id, "parent_ids": ["base", "defaultconfigdevice"], "deletable": true,
            "X_type": "device", "configdevice": "defaultconfigdevice",
            "raw_config": {
                "X_key": "", "config_version": 1, "protocol": "SIP",
                "sip_lines": lines, "funckeys": keys,
                "exten_voicemail": "*98", "exten_pickup_call": "*8", "exten_dnd": "*25",
                "exten_fwd_unconditional": "*21", "exten_fwd_no_answer": "*22", "exten_fwd_busy": "*23",
                "exten_fwd_disable_all": "*20", "exten_park": "700",
                "timezone": zones[rng.below(zones.len())], "locale": locales[rng.below(locales.len())],
                "X_xivo_user_uuid": format!("{:08x}-0000-4000-8000-{:012x}", i, rng.next_u64() & 0xffff_ffff_ffff),
                "X_xivo_phonebook_profile": "default",
                "sip_dtmf_mode": dtmf[rng.below(3)]
            }
        });
        let mut device = json!({
            "id": id, "mac": mac, "ip": format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, (i & 255).max(1)),
            "vendor": vendor,
            "model": model, "plugin": plugin, "config": id, "configured": true,
            "tenant_uuid": "00000000-0000-4000-8000-000000000001", "is_new": false,
            "options": {"switchboard": false}
        });
        if let Some(v) = version {
            device["version"] = Value::from(v.as_str());
        }
        std::fs::write(out.join("configs").join(&id), serde_json::to_vec(&config)?)?;
        std::fs::write(out.join("devices").join(&id), serde_json::to_vec(&device)?)?;
    }
    Ok(n)
}

/// The User-Agent a phone of this fleet sends and the path of its own
/// file, from the family registry ([`phones`]): the family is the one whose
/// phones carry `vendor` (`None` for a vendor of two families, such as
/// Cisco's SCCP and SPA phones, or of none).
/// `Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72` asks `/805ec0d57d72.cfg`;
/// `Aastra6739i MAC:00-08-5D-2E-EC-FB V:3.3.1.4365-SIP` asks
/// `/Aastra/00085D2EECFB.cfg`.
pub fn http_target(vendor: &str, model: &str, version: &str, mac: &str) -> Option<(String, String)> {
    let mut families = phones::all().iter().filter(|p| p.vendor() == vendor);
    let (family, None) = (families.next()?, families.next()) else {
        return None;
    };
    let mac = provd_core::mac::Mac::parse(mac).ok()?.0;
    let own = family.boot(model, version, mac).into_iter().find(|s| s.role == phones::Role::Device)?;
    Some((family.user_agent(model, version, mac), format!("/{}", own.path)))
}

/// Writes `User-Agent<TAB>path<TAB>plugin` for every device document of a
/// jsondb (sorted by id); returns the count.
pub fn write_http_targets(jsondb: &Path, out: &Path) -> anyhow::Result<usize> {
    use std::io::Write;
    let mut entries: Vec<_> = std::fs::read_dir(jsondb.join("devices"))?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut w = std::io::BufWriter::new(std::fs::File::create(out)?);
    let mut n = 0;
    for e in entries {
        let d: Value = serde_json::from_slice(&std::fs::read(e.path())?)?;
        let s = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
        let Some((ua, path)) = http_target(&s("vendor"), &s("model"), &s("version"), &s("mac")) else {
            anyhow::bail!("{}: no HTTP identity for vendor {:?}", e.path().display(), s("vendor"));
        };
        writeln!(w, "{ua}\t{path}\t{}", s("plugin"))?;
        n += 1;
    }
    w.flush()?;
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_targets_in_the_vendors_formats() {
        let t = |vendor, model, version, mac| http_target(vendor, model, version, mac);
        assert_eq!(
            t("Yealink", "T46S", "66.86.0.15", "80:5e:c0:d5:7d:72"),
            Some(("Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72".into(), "/805ec0d57d72.cfg".into()))
        );
        assert_eq!(
            t("Yealink", "CP960", "73.85.0.5", "80:5e:c0:d5:7d:72").unwrap().0,
            "Yealink CP960 73.85.0.5 80:5e:c0:d5:7d:72"
        );
        assert_eq!(
            t("Aastra", "6739i", "3.3.1.4365", "00:08:5d:2e:ec:fb"),
            Some(("Aastra6739i MAC:00-08-5D-2E-EC-FB V:3.3.1.4365-SIP".into(), "/Aastra/00085D2EECFB.cfg".into()))
        );
        assert_eq!(
            t("Aastra", "6930", "8.2.0", "14:00:e9:2e:ec:fb").unwrap().0,
            "Mitel6930 MAC:14-00-E9-2E-EC-FB V:8.2.0-SIP"
        );
        // Two families carry Cisco: which one a device is, the vendor does not say.
        assert_eq!(t("Cisco", "SPA508G", "7.5.5", "00:02:fd:ff:21:03"), None);
        assert_eq!(t("Nokia", "X", "1", "00:00:00:00:00:01"), None);
        assert_eq!(t("Yealink", "T46S", "66.86.0.15", "not a mac"), None);
    }

    #[test]
    fn vendors_and_ouis_come_from_the_registry() {
        assert_eq!(vendor_of("yealink", "T46S"), ("Yealink", [0x80, 0x5e, 0xc0]));
        assert_eq!(vendor_of("aastra", "6930"), ("Aastra", [0x14, 0x00, 0xe9]));
        assert_eq!(vendor_of("cisco_sccp", "7960G").0, "Cisco");
        assert_eq!(vendor_of("nokia", "X"), ("Unknown", [0x02, 0x00, 0x00]));
    }
}
