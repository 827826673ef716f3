//! Digium: the template context and the files a device is served.

use std::borrow::Cow;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::plugin::Plugin;

/// Fills each line with the global SIP servers, its account index (lines
/// count from 1, accounts from 0) and the voicemail number.
pub(super) fn update_sip_lines(raw: &mut Map) {
    let globals = [
        ("proxy_ip", "sip_proxy_ip"),
        ("proxy_port", "sip_proxy_port"),
        ("backup_proxy_ip", "sip_backup_proxy_ip"),
        ("backup_proxy_port", "sip_backup_proxy_port"),
        ("voicemail", "exten_voicemail"),
    ];
    let Some(lines) = helpers::fill_sip_lines(raw, &globals) else {
        return;
    };
    for (no, line) in lines.iter_mut() {
        if let Value::Object(line) = line
            && let Ok(n) = no.trim().parse::<u64>()
            && n > 0
        {
            line.insert("XX_account_index".into(), (n - 1).into());
        }
    }
}

/// The proxy of the lowest-numbered line (BLF subscriptions go there), else
/// the global proxy, else provd's own address.
pub(super) fn main_proxy_ip(raw: &Map) -> Option<String> {
    let first_line = match raw.get("sip_lines") {
        Some(Value::Object(lines)) => lines
            .iter()
            .filter_map(|(no, line)| Some((no.trim().parse::<u64>().ok()?, line.as_object()?)))
            .min_by_key(|(no, _)| *no)
            .and_then(|(_, line)| line.get("proxy_ip").and_then(helpers::non_empty_text).map(Cow::into_owned)),
        _ => None,
    };
    first_line
        .or_else(|| raw.get("sip_proxy_ip").and_then(helpers::non_empty_text).map(Cow::into_owned))
        .or_else(|| raw.get("ip").and_then(helpers::non_empty_text).map(Cow::into_owned))
}

/// `XX_funckeys`: the function keys by key number, as wazo-provd keys
/// them (its templates iterate `.items()`), in key order, each `{no, type,
/// value, label}` (label defaults to the value). They become contacts of
/// the phone's BLF group, which fills its free line keys in that order.
pub(super) fn function_keys(funckeys: Option<&Value>) -> Map {
    let Some(Value::Object(funckeys)) = funckeys else {
        return Map::new();
    };
    let mut keys: Vec<(u64, &Map)> = funckeys
        .iter()
        .filter_map(|(no, key)| Some((no.trim().parse().ok().filter(|&n| n > 0)?, key.as_object()?)))
        .collect();
    keys.sort_by_key(|(no, _)| *no);
    keys.into_iter()
        .filter_map(|(no, key)| {
            let kind =
                key.get("type").and_then(Value::as_str).filter(|t| matches!(*t, "speeddial" | "blf" | "park"))?;
            let value = key.get("value").and_then(helpers::non_empty_text).map(Cow::into_owned)?;
            let label = key
                .get("label")
                .and_then(helpers::non_empty_text)
                .map(Cow::into_owned)
                .unwrap_or_else(|| value.clone());
            let mut out = Map::new();
            out.insert("no".into(), no.into());
            out.insert("type".into(), kind.into());
            out.insert("value".into(), value.into());
            out.insert("label".into(), label.into());
            Some((no.to_string(), Value::Object(out)))
        })
        .collect()
}

/// `XX_firmwares`: `{model, version, file}` for each model of the plugin
/// that names its firmware file; `version` as the phones write it (`2_8_1`).
pub(super) fn firmwares(plugin: &Plugin) -> Vec<Value> {
    plugin
        .info
        .models
        .iter()
        .filter_map(|(name, model)| {
            let file = model.get_str("firmware")?;
            let mut out = Map::new();
            out.insert("model".into(), name.as_str().into());
            out.insert("version".into(), model.version.as_deref().unwrap_or("").replace('.', "_").into());
            out.insert("file".into(), file.into());
            Some(Value::Object(out))
        })
        .collect()
}
