//! Cisco multiplatform: the template context values of its own (function
//! keys, firmware and language files); lines, locale and time zone are
//! cisco_spa's, the flat profile being the same.

use std::fmt::Write as _;

use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::plugin::ModelInfo;
use provd_core::syntax;

/// Keys of one key expansion module (KEM).
pub(super) const MODULE_KEYS: u64 = 32;

/// Dictionary slots of `Dictionary_Server_Script`: (language, locale code
/// in the dictionary file name).
pub(super) const DICTIONARIES: [(&str, &str); 4] =
    [("English", "en-US"), ("French", "fr-FR"), ("German", "de-DE"), ("Spanish", "es-ES")];

/// `XX_fkeys`: the profile elements of the function keys that fit the
/// model: line keys 1..=`keys` (`Extension_n_` disabled so the key is
/// free, `Short_Name_n_`, `Extended_Function_n_`), then the expansion
/// modules' keys (`Unit_u_Key_k_`, the multiplatform spelling with a
/// trailing `_`). With whether an expansion module key is used. `None`
/// when the model has no key data.
pub(super) fn function_keys(model: &ModelInfo, funckeys: Option<&Value>) -> Option<(String, bool)> {
    let keys = model.get_u64("keys")?;
    let modules = model.get_u64("expansion_modules").unwrap_or(0);
    let mut sorted: Vec<(u64, &Map)> = match funckeys {
        Some(Value::Object(f)) => f
            .iter()
            .filter_map(|(no, key)| Some((no.trim().parse().ok().filter(|&n| n > 0)?, key.as_object()?)))
            .collect(),
        _ => Vec::new(),
    };
    sorted.sort_by_key(|(no, _)| *no);
    let mut out = String::new();
    let mut expansion = false;
    for (no, key) in sorted {
        let Some(value) = key.get("value").and_then(helpers::non_empty_text) else { continue };
        let label = key.get("label").and_then(helpers::non_empty_text).unwrap_or_else(|| value.clone());
        let (value, label) = (syntax::xml(&value), syntax::xml(&label));
        let function = match key.get("type").and_then(Value::as_str) {
            // A park key dials the parking extension, as a speed dial does.
            Some("speeddial" | "park") => format!("fnc=sd;ext={value}@$PROXY;nme={label}"),
            Some("blf") => format!("fnc=sd+blf+cp;sub={value}@$PROXY;nme={label}"),
            _ => continue,
        };
        if no > keys && (no - keys - 1) / MODULE_KEYS >= modules {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        if no <= keys {
            let _ = write!(
                out,
                "<Extension_{no}_>Disabled</Extension_{no}_>\n<Short_Name_{no}_>{label}</Short_Name_{no}_>\n\
                 <Extended_Function_{no}_>{function}</Extended_Function_{no}_>"
            );
        } else {
            let k = no - keys - 1;
            let (unit, key) = (k / MODULE_KEYS + 1, k % MODULE_KEYS + 1);
            expansion = true;
            let _ = write!(out, "<Unit_{unit}_Key_{key}_ ua=\"na\">{function}</Unit_{unit}_Key_{key}_>");
        }
    }
    Some((out, expansion))
}

/// `XX_upgrade_rule` (the model's `firmware`, at the top of the plugin's
/// files) and `XX_dictionary_script` (its `dictionary` pattern, under
/// `locales/`), both served from this plugin.
pub(super) fn add_firmware(model: &ModelInfo, raw: &mut Map) {
    let Some(base) = raw.get("XX_server_url").and_then(Value::as_str).map(str::to_owned) else {
        return;
    };
    if let Some(fw) = model.get_str("firmware").filter(|f| !f.is_empty()) {
        raw.insert("XX_upgrade_rule".into(), Value::from(format!("{base}/{fw}")));
    }
    if let Some(pattern) = model.get_str("dictionary").filter(|d| d.contains("{locale}")) {
        let mut script = format!("serv={base}/locales/");
        for (i, (language, code)) in DICTIONARIES.iter().enumerate() {
            let _ = write!(script, ";d{i}={language};x{i}={}", pattern.replace("{locale}", code));
        }
        raw.insert("XX_dictionary_script".into(), Value::from(script));
    }
}
