//! Fanvil: the template context (wazo's `XX_*` keys, with its values) and
//! the common files a plugin renders.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::plugin::Plugin;
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

/// The phones that name their language by code (`fr`) and number their
/// keys from 0: the X "U", "C", X7 and X210 phones and their Pro and V2
/// variants.
static NEW_MODEL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^X([4-9][UC]|210i?|7)([- ](Pro|V2))?$").unwrap());

pub(super) fn is_new_model(model: &str) -> bool {
    NEW_MODEL.is_match(model)
}

/// `XX_country` by locale (`en_US`'s for the others).
const COUNTRY: &[(&str, &str)] = &[
    ("de_DE", "2"),
    ("en_CA", "18"),
    ("en_GB", "13"),
    ("en_US", "11"),
    ("es_ES", "33"),
    ("fr_CA", "18"),
    ("fr_FR", "25"),
    ("it_IT", "21"),
    ("nl_NL", "5"),
];

/// `XX_displaydate` by locale (`en_US`'s for the others).
const DISPLAY_DATE: &[(&str, &str)] = &[
    ("de_DE", "4"),
    ("en_CA", "4"),
    ("en_GB", "4"),
    ("en_US", "10"),
    ("es_ES", "4"),
    ("fr_CA", "13"),
    ("fr_FR", "4"),
    ("it_IT", "4"),
    ("nl_NL", "4"),
];

/// The language codes the new phones take, and the three they spell
/// differently from the locale.
const NEW_LANGUAGES: &[&str] = &[
    "en", "cn", "tc", "ru", "it", "fr", "de", "he", "es", "cat", "eus", "tr", "hr", "slo", "cz", "nl", "ko", "ua",
    "pt", "pl", "ar",
];
const NEW_LANGUAGE_SPELLING: &[(&str, &str)] = &[("ca", "cat"), ("eu", "eus"), ("sk", "slo")];

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// `XX_country`, `XX_displaydate`, `XX_locale` (a code for the new
/// phones, else the plugin's `locales` number) and `XX_directory` (the
/// phonebook key's label in English or French).
pub(super) fn add_locale(plugin: &Plugin, raw: &mut Map, new_model: bool) {
    let Some(locale) = raw.get("locale").and_then(helpers::non_empty_text).map(Cow::into_owned) else {
        return;
    };
    let country = lookup(COUNTRY, &locale).unwrap_or("11");
    raw.insert("XX_country".into(), country.into());
    raw.insert("XX_displaydate".into(), lookup(DISPLAY_DATE, &locale).unwrap_or("10").into());
    let mut language = locale.split('_').next().unwrap_or_default();
    if new_model {
        language = lookup(NEW_LANGUAGE_SPELLING, language).unwrap_or(language);
        if NEW_LANGUAGES.contains(&language) {
            raw.insert("XX_locale".into(), language.into());
        }
    } else if let Some(code) =
        plugin.info.extra.get("locales").and_then(|l| l.get(&locale)).and_then(helpers::non_empty_text)
    {
        raw.insert("XX_locale".into(), code.into_owned().into());
    }
    let directory = match language {
        "en" => Some("Directory"),
        "fr" => Some("Annuaire"),
        _ => None,
    };
    if let Some(label) = directory {
        raw.insert("XX_directory".into(), label.into());
    }
}

/// `XX_timezone` per zone, computed once: `None` for a zone whose
/// standard offset the phones' table lacks (beyond ±12 hours).
pub(super) static TIMEZONES: tz::PerZone<Option<Value>> = tz::PerZone::new(timezone);

/// `{time_zone, time_zone_name, enable_dst[, dst_min_offset, dst_start,
/// dst_end]}`: whole hours of the standard offset (floored, as wazo's
/// `as_hours`) in quarter hours and by the phones' name for them.
pub(super) fn timezone(tz: &TimezoneInfo) -> Option<Value> {
    let hours = tz.utc_offset.div_euclid(3600);
    if !(-12..=12).contains(&hours) {
        return None;
    }
    let name = match hours {
        0 => "UCT".to_owned(),
        h if h < 0 => format!("UTC-{:02}", -h),
        h => format!("UTC+{h}"),
    };
    let mut out = Map::new();
    out.insert("time_zone".into(), (hours * 4).into());
    out.insert("time_zone_name".into(), name.into());
    out.insert("enable_dst".into(), tz.dst.is_some().into());
    if let Some(dst) = &tz.dst {
        out.insert("dst_min_offset".into(), dst.save.div_euclid(60).clamp(0, 60).into());
        out.insert("dst_start".into(), dst_change(&dst.start));
        out.insert("dst_end".into(), dst_change(&dst.end));
    }
    Some(Value::Object(out))
}

/// `{month, hour, dst_wday[, dst_week]}`: a weekday rule gives its week
/// (`-1` for the last) and its day counted from Monday = 0; a day of the
/// year gives its day of the month as `dst_wday`, as wazo writes it.
fn dst_change(change: &DstChange) -> Value {
    let mut out = Map::new();
    out.insert("month".into(), change.month.into());
    // Hours 0..=23 only: a change at 24:00 or later stays on its day.
    out.insert("hour".into(), change.time.div_euclid(3600).clamp(0, 23).into());
    match change.day {
        DstDay::Weekday { week, weekday } => {
            let week = if week == 5 { -1 } else { i32::from(week) };
            out.insert("dst_week".into(), week.into());
            out.insert("dst_wday".into(), (DstDay::weekday_monday_first(weekday) - 1).into());
        }
        DstDay::Julian(n) => {
            out.insert("dst_wday".into(), helpers::month_day(n.saturating_sub(1)).1.into());
        }
        DstDay::ZeroJulian(n) => {
            out.insert("dst_wday".into(), helpers::month_day(n).1.into());
        }
    }
    Value::Object(out)
}

/// A line whose password is `autoprov` (wazo-provd's provisioning
/// account) gets none: the phone must not register with it.
pub(super) fn clear_autoprov_passwords(raw: &mut Map) {
    let Some(Value::Object(lines)) = raw.get_mut("sip_lines") else {
        return;
    };
    for line in lines.values_mut() {
        if let Some(password) = line.get_mut("password").filter(|p| p.as_str() == Some("autoprov")) {
            *password = "".into();
        }
    }
}

/// The phones' DTMF codes.
fn dtmf_code(mode: &str) -> &'static str {
    match mode {
        "RTP-in-band" => "0",
        "RTP-out-of-band" => "1",
        _ => "2",
    }
}

/// Each line gets the global SIP servers and voicemail it lacks and its
/// DTMF code (`XX_dtmf_mode`, the global mode's when it has none, SIP INFO
/// when neither says).
pub(super) fn update_lines(raw: &mut Map) {
    let default_dtmf = raw.get("sip_dtmf_mode").and_then(Value::as_str).unwrap_or("SIP-INFO").to_owned();
    let globals = [
        ("proxy_ip", "sip_proxy_ip"),
        ("proxy_port", "sip_proxy_port"),
        ("registrar_ip", "sip_registrar_ip"),
        ("registrar_port", "sip_registrar_port"),
        ("backup_proxy_ip", "sip_backup_proxy_ip"),
        ("backup_proxy_port", "sip_backup_proxy_port"),
        ("voicemail", "exten_voicemail"),
    ];
    let Some(lines) = helpers::fill_sip_lines(raw, &globals) else {
        return;
    };
    for line in lines.values_mut() {
        if let Value::Object(line) = line {
            let mode = line.get("dtmf_mode").and_then(Value::as_str).unwrap_or(&default_dtmf);
            let code = dtmf_code(mode);
            line.insert("XX_dtmf_mode".into(), code.into());
        }
    }
}

/// Keys numbered above this are ignored: no Fanvil has that many, and
/// every number up to the highest is written.
pub(super) const MAX_KEY: u64 = 1000;

/// One function key as the templates take it: `{id, title, type[,
/// value]}`. Speed dials and BLF are type 1 (`<exten>@<line>/f`,
/// `<exten>@<line>/ba[<pickup><exten>]`), park type 2 (`<exten>@<line>/c`);
/// anything else, or a number without a key, type 0 without a value. The
/// title keeps letters, digits, `_`, spaces and Latin-1 letters only.
pub(super) fn function_key(id: u64, key: Option<&Map>, pickup: Option<&str>) -> Value {
    let text = |k: &str| key.and_then(|key| key.get(k)).and_then(helpers::scalar_text).unwrap_or_default();
    let title: String = text("label")
        .chars()
        .filter(|&c| c.is_alphanumeric() || c == '_' || c.is_whitespace() || ('\u{c0}'..='\u{ff}').contains(&c))
        .collect();
    let (value, line) = (text("value"), key.map(|_| text("line")).filter(|l| !l.is_empty()));
    let line = line.unwrap_or(Cow::Borrowed("1"));
    let (kind, value) = match key.and_then(|k| k.get("type")).and_then(Value::as_str) {
        Some("speeddial") => (1, Some(format!("{value}@{line}/f"))),
        Some("blf") => {
            (1, Some(format!("{value}@{line}/ba{}", pickup.map(|p| format!("{p}{value}")).unwrap_or_default())))
        }
        Some("park") => (2, Some(format!("{value}@{line}/c"))),
        _ => (0, None),
    };
    let mut out = Map::new();
    out.insert("id".into(), id.into());
    out.insert("title".into(), title.into());
    out.insert("type".into(), kind.into());
    if let Some(value) = value {
        out.insert("value".into(), value.into());
    }
    Value::Object(out)
}

/// `(page, position, key)` for each key, `per_page` keys a page, and the
/// number of pages `last` keys take.
fn paginate(keys: &[Value], last: u64, per_page: u64) -> (u64, Vec<Value>) {
    let pages = last.div_ceil(per_page);
    let out = keys
        .iter()
        .map(|k| {
            let id = k["id"].as_u64().unwrap_or(1);
            Value::from(vec![Value::from((id - 1) / per_page + 1), Value::from((id - 1) % per_page + 1), k.clone()])
        })
        .collect();
    (pages, out)
}

/// The function-key values of wazo's Fanvil templates. Keys up to the
/// model's `top_keys` go on the line-key side (`XX_top_keys`), the others,
/// renumbered from 1, to the pages of the other keys (`XX_bottom_keys`);
/// each side is written from key 1 to its highest key (`XX_fkeys`, top
/// then bottom) and, where the model says how many keys a page holds,
/// paged (`XX_paginated_top_fkeys`, `XX_max_top_page`,
/// `XX_paginated_fkeys`, `XX_max_page`: lists of `[page, position,
/// key]`). Without a page size the top keys are listed as `[offset, id +
/// offset, key]`, the offset (`XX_offset`) being 0 for the new phones and
/// 1 for the others.
pub(super) fn add_function_keys(plugin: &Plugin, model: &str, new_model: bool, raw: &mut Map) {
    let offset = u64::from(!new_model);
    let base = plugin.model(model.split('-').next().unwrap_or_default());
    let per_model = |key: &str| base.and_then(|m| m.get_u64(key)).filter(|&n| n > 0);
    let threshold = per_model("top_keys").unwrap_or(0);
    let pickup = raw.get("exten_pickup_call").and_then(helpers::non_empty_text).map(Cow::into_owned);
    let (mut top, mut bottom) = (Map::new(), Map::new());
    let (mut last_top, mut last_bottom) = (0, 0);
    if let Some(Value::Object(funckeys)) = raw.get("funckeys") {
        for (no, key) in funckeys {
            let Some(n) = helpers::key_number(no).filter(|n| (1..=MAX_KEY).contains(n)) else {
                continue;
            };
            if n <= threshold {
                top.insert(n.to_string(), key.clone());
                last_top = last_top.max(n);
            } else {
                bottom.insert((n - threshold).to_string(), key.clone());
                last_bottom = last_bottom.max(n - threshold);
            }
        }
    }
    let side = |keys: &Map, last: u64| -> Vec<Value> {
        let slots = helpers::by_number(Some(keys), last);
        (1..=last).map(|n| function_key(n, slots[n as usize].and_then(Value::as_object), pickup.as_deref())).collect()
    };
    let (top_keys, bottom_keys) = (side(&top, last_top), side(&bottom, last_bottom));
    raw.insert("XX_offset".into(), offset.into());
    raw.insert("XX_top_key_threshold".into(), threshold.into());
    if let Some(per_page) = per_model("line_keys_per_page") {
        let (pages, paged) = paginate(&top_keys, last_top, per_page);
        raw.insert("XX_max_top_page".into(), pages.into());
        raw.insert("XX_paginated_top_fkeys".into(), paged.into());
    } else {
        let listed: Vec<Value> = top_keys
            .iter()
            .map(|k| Value::from(vec![offset.into(), (k["id"].as_u64().unwrap_or(0) + offset).into(), k.clone()]))
            .collect();
        raw.insert("XX_paginated_top_fkeys".into(), listed.into());
    }
    if let Some(per_page) = per_model("keys_per_page") {
        let (pages, paged) = paginate(&bottom_keys, last_bottom, per_page);
        raw.insert("XX_max_page".into(), pages.into());
        raw.insert("XX_paginated_fkeys".into(), paged.into());
    }
    raw.insert("XX_top_keys".into(), Value::Object(top));
    raw.insert("XX_bottom_keys".into(), Value::Object(bottom));
    raw.insert("XX_fkeys".into(), [top_keys, bottom_keys].concat().into());
}

/// `XX_xivo_phonebook_url` and `XX_wazo_phonebook_url_v2` (the `fanvil`
/// and `fanvil-v2` lookups), only for a `config_version` of 1 or more.
/// Written as they are: the template's escaping makes `&` `&amp;`, which
/// wazo's plugin did by hand.
pub(super) fn add_phonebook_urls(raw: &mut Map) {
    if raw.get("config_version").and_then(Value::as_f64).is_none_or(|v| v < 1.0) {
        return;
    }
    let Some(url) = helpers::phonebook_url(raw, "fanvil", "lookup", "", "term=") else {
        return;
    };
    let v2 = helpers::phonebook_url(raw, "fanvil-v2", "lookup", "", "term=");
    raw.insert("XX_xivo_phonebook_url".into(), url.into());
    if let Some(v2) = v2 {
        raw.insert("XX_wazo_phonebook_url_v2".into(), v2.into());
    }
}

/// One common file a model of the plugin names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ModelCommonFile<'p> {
    pub(super) model: &'p str,
    pub(super) file: &'p str,
    pub(super) template: &'p str,
    pub(super) firmware: &'p str,
    pub(super) version: Option<&'p str>,
}

/// A plain file name: no directory, nothing hidden.
fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\'])
}

/// The `common_files` of every model of the plugin, in `plugin-info`
/// order; entries that name no plain file and template are skipped.
pub(super) fn model_common_files(plugin: &Plugin) -> impl Iterator<Item = ModelCommonFile<'_>> {
    plugin.info.models.iter().flat_map(|(model, info)| {
        let entries = info.extra.get("common_files").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        entries.iter().filter_map(move |entry| {
            let text = |k: &str| entry.get(k).and_then(Value::as_str);
            let (file, template) = (text("file")?, text("template")?);
            (plain_name(file) && plain_name(template)).then_some(ModelCommonFile {
                model,
                file,
                template,
                firmware: text("firmware").unwrap_or_default(),
                version: info.version.as_deref(),
            })
        })
    })
}
