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

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};
use serde_json::Value;

use crate::helpers;
use provd_core::Map;
use provd_core::config::truthy;
use provd_core::device::Device;
use provd_core::family::*;
use provd_core::mac::Mac;
use provd_core::plugin::{ModelInfo, Plugin};
use provd_core::tz;

pub struct Snom;

const VENDOR: &str = "Snom";

/// Firmware older than this has no XML provisioning (wazo: NONE).
const DESK_MIN_VERSION: &str = "7.0.0.0";
const DECT_MIN_VERSION: &str = "05.00.0001";

/// How much lower a supported model scores when the plugin ships another
/// firmware generation than the phone runs, so that the plugin of the
/// phone's own generation wins over a lexicographically greater id
/// (`wazo-snom-8.7.5.35` > `wazo-snom-10.1.54.13`).
const OTHER_GENERATION: Score = 10;

/// DECT bases keep a server table of this size; accounts point into it.
const DECT_MAX_SERVERS: usize = 10;

/// Desk identities when the model entry does not say.
const DEFAULT_IDENTITIES: u64 = 12;

/// `snom<model>-SIP <version>`: `(?-u)` keeps the classes ASCII, so the
/// captures are valid UTF-8 whatever bytes surround them.
static DESK_UA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bsnom(\w+)-SIP\s([\d.]+)").unwrap());

/// `Snom M900 05.20.0001 000413b60680`.
static DECT_UA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b[sS]nom\s?(M[0-9]{3})\s([0-9.]+)\s([0-9a-fA-F]{12})\b").unwrap());

static HTM_PATH: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bsnom\w+-([0-9A-F]{12})\.htm$").unwrap());

struct Locations {
    desk: CaptureLocations,
    dect: CaptureLocations,
    path: CaptureLocations,
}

thread_local! {
    // Reused capture slots: identification runs per request and must not
    // allocate once warm.
    static LOCATIONS: RefCell<Locations> = RefCell::new(Locations {
        desk: DESK_UA.capture_locations(),
        dect: DECT_UA.capture_locations(),
        path: HTM_PATH.capture_locations(),
    });
}

/// `locale` -> (`language` / `web_language`, `tone_scheme`), as the 10.x
/// firmware names them; plugins override it with `locales`.
const LOCALES: [(&str, [&str; 2]); 8] = [
    ("de_DE", ["Deutsch", "GER"]),
    ("en_GB", ["English(UK)", "GBR"]),
    ("en_US", ["English", "USA"]),
    ("es_ES", ["Espanol", "ESP"]),
    ("fr_CA", ["Français", "USA"]),
    ("fr_FR", ["Français", "FRA"]),
    ("it_IT", ["Italiano", "ITA"]),
    ("nl_NL", ["Nederlands", "NLD"]),
];

/// The label of the remote directory key, by language.
const DIRECTORY_LABELS: [(&str, &str); 6] = [
    ("de", "Telefonbuch"),
    ("en", "Directory"),
    ("es", "Directorio"),
    ("fr", "Annuaire"),
    ("it", "Rubrica"),
    ("nl", "Telefoonboek"),
];

/// Zones whose rules the `<tone scheme><offset>` code gets wrong: the
/// phone's code for "this offset without DST" differs from the country's.
const TIMEZONE_CODES: [(&str, &str); 2] = [("America/Regina", "CAN2-6"), ("America/Phoenix", "USA2-7")];

fn is_dect_plugin(plugin: &Plugin) -> bool {
    plugin.info.extra.get("dect").is_some_and(truthy)
}

/// `M` and three digits: the DECT base models (`MP` is a desk conference
/// phone).
fn is_dect_model(model: &str) -> bool {
    let b = model.as_bytes();
    b.len() == 4 && b[0] == b'M' && b[1..].iter().all(u8::is_ascii_digit)
}

fn ascii(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok()
}

fn split_query(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().position(|&b| b == b'?') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (path, b""),
    }
}

/// The first `mac` query argument, when it is a MAC (firmware URLs end
/// with `?mac={mac}`, filled in by the phone).
fn query_mac(query: &[u8]) -> Option<Mac> {
    let value = query.split(|&b| b == b'&').find_map(|kv| kv.strip_prefix(b"mac="))?;
    Mac::parse_bytes(value).ok()
}

/// The last token of 12 uppercase hex digits after the version
/// (`... 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)`). wazo's regex
/// took the last hex run whatever its length, so `SNOM 1.4` gave MAC `1`
/// and an exception that broke the whole request; a token that is not a
/// MAC is simply not one.
fn trailing_mac(rest: &[u8]) -> Option<Mac> {
    if !rest.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let mut found = None;
    for i in 1..rest.len() {
        if !rest[i - 1].is_ascii_whitespace() {
            continue;
        }
        let Some(token) = rest.get(i..i + 12) else { break };
        if token.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
            && rest.get(i + 12).is_none_or(|b| !b.is_ascii_alphanumeric())
        {
            found = Some(token);
        }
    }
    found.and_then(|t| Mac::parse_bytes(t).ok())
}

/// Where `snom` (lower case, as [`DESK_UA`] needs) or `Snom` (which
/// [`DECT_UA`] also takes) occurs in `ua`: `(lower, either)`. Both regexes
/// search the whole User-Agent, which every request offers to every family;
/// one pass over the bytes rules them out for other vendors' phones.
fn snom_tokens(ua: &[u8]) -> (bool, bool) {
    let mut lower = false;
    let mut upper = false;
    for w in ua.windows(4) {
        if w[1..] == *b"nom" {
            match w[0] {
                b's' => lower = true,
                b'S' => upper = true,
                _ => {}
            }
        }
    }
    (lower, lower || upper)
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&DESK_UA, |ua| snom_tokens(ua).0), (&DECT_UA, |ua| snom_tokens(ua).1), (&HTM_PATH, htm_path_may_match)]
}

/// Whether [`HTM_PATH`] can match: it ends `.htm` after `snom`.
fn htm_path_may_match(path: &[u8]) -> bool {
    path.ends_with(b".htm") && snom_tokens(path).0
}

fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    let (desk, dect) = snom_tokens(ua);
    if !dect {
        return None;
    }
    LOCATIONS.with_borrow_mut(|l| {
        if desk && DESK_UA.captures_read(&mut l.desk, ua).is_some() {
            let (model, version) = (l.desk.get(1)?, l.desk.get(2)?);
            return Some(DeviceInfo {
                vendor: Some(Cow::Borrowed(VENDOR)),
                model: ascii(&ua[model.0..model.1]).map(Cow::Borrowed),
                version: ascii(&ua[version.0..version.1]).map(Cow::Borrowed),
                mac: trailing_mac(&ua[version.1..]),
                ..DeviceInfo::default()
            });
        }
        if DECT_UA.captures_read(&mut l.dect, ua).is_some() {
            let (model, version, mac) = (l.dect.get(1)?, l.dect.get(2)?, l.dect.get(3)?);
            return Some(DeviceInfo {
                vendor: Some(Cow::Borrowed(VENDOR)),
                model: ascii(&ua[model.0..model.1]).map(Cow::Borrowed),
                version: ascii(&ua[version.0..version.1]).map(Cow::Borrowed),
                mac: Mac::parse_bytes(&ua[mac.0..mac.1]).ok(),
                ..DeviceInfo::default()
            });
        }
        None
    })
}

fn path_mac(path: &[u8]) -> Option<Mac> {
    if !htm_path_may_match(path) {
        return None;
    }
    LOCATIONS.with_borrow_mut(|l| {
        HTM_PATH.captures_read(&mut l.path, path)?;
        let (s, e) = l.path.get(1)?;
        Mac::parse_bytes(&path[s..e]).ok()
    })
}

/// Dotted numeric versions compared as Python's `packaging` does for them
/// (trailing zeros do not count, `05.20.0001` is 5.20.1); `None` when
/// either is not such a version.
fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
    fn parts(v: &str) -> impl Iterator<Item = Option<u64>> + '_ {
        v.split('.').map(|p| if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) { None } else { p.parse().ok() })
    }
    if parts(a).chain(parts(b)).any(|p| p.is_none()) {
        return None;
    }
    let (mut a, mut b) = (parts(a).flatten(), parts(b).flatten());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return Some(Ordering::Equal),
            (x, y) => match x.unwrap_or(0).cmp(&y.unwrap_or(0)) {
                Ordering::Equal => {}
                other => return Some(other),
            },
        }
    }
}

fn major(version: &str) -> Option<u64> {
    version.split('.').next()?.parse().ok()
}

/// The firmware generation a plugin ships: its first model's version.
fn plugin_firmware(plugin: &Plugin) -> Option<&str> {
    plugin.info.models.values().find_map(|m| m.version.as_deref())
}

fn same_generation(device: &str, shipped: Option<&str>) -> bool {
    matches!((major(device), shipped.and_then(major)), (Some(a), Some(b)) if a == b)
}

/// The text of a scalar JSON value; `None` for null, objects and lists.
fn text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        _ => None,
    }
}

/// A set, non-empty raw value.
fn present<'m>(map: &'m Map, key: &str) -> Option<&'m Value> {
    map.get(key).filter(|v| truthy(v))
}

fn present_text<'m>(map: &'m Map, key: &str) -> Option<Cow<'m, str>> {
    present(map, key).and_then(text)
}

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

fn template_exists(plugin: &Plugin, name: &str) -> bool {
    plugin.custom_templates_dir().join(name).is_file() || plugin.templates_dir().join(name).is_file()
}

fn model_context(ctx: &Map, model: &str, info: &ModelInfo) -> Map {
    let mut c = ctx.clone();
    c.insert("XX_model".into(), Value::from(model));
    if let Some(fw) = info.get_str("firmware").filter(|f| !f.is_empty()) {
        c.insert("XX_fw_filename".into(), Value::from(fw));
    }
    c
}

/// `XX_lang` (`[language, tone scheme]`) and `XX_locale` for a known
/// locale; returns the tone scheme (the time zone code starts with it).
fn add_locale(plugin: &Plugin, raw: &mut Map) -> Option<String> {
    let locale = raw.get("locale").and_then(Value::as_str)?.to_owned();
    let pair: [String; 2] = match plugin.info.extra.get("locales").and_then(Value::as_object) {
        Some(table) => {
            let entry = table.get(&locale)?.as_array()?;
            [entry.first()?.as_str()?.to_owned(), entry.get(1)?.as_str()?.to_owned()]
        }
        None => {
            let (_, [lang, tone]) = LOCALES.iter().find(|(l, _)| *l == locale)?;
            [(*lang).to_owned(), (*tone).to_owned()]
        }
    };
    let tone = pair[1].clone();
    raw.insert("XX_lang".into(), Value::from(pair.to_vec()));
    raw.insert("XX_locale".into(), Value::from(locale));
    Some(tone)
}

fn dict(locale: Option<&str>) -> Map {
    let lang = locale.map(|l| l.split('_').next().unwrap_or(l));
    let label = DIRECTORY_LABELS.iter().find(|(l, _)| Some(*l) == lang).map_or("Directory", |(_, label)| label);
    let mut m = Map::new();
    m.insert("remote_directory".into(), Value::from(label));
    m
}

/// The phone's time zone code: the tone scheme's country and the standard
/// offset in hours (`FRA+1`, `USA-5`, `IND+5.5`), as the phones list them;
/// a few zones have a code of their own. `None` for an unknown zone, or
/// when no locale gives the country.
fn timezone_code(zone: &str, tone: Option<&str>) -> Option<String> {
    if let Some((_, code)) = TIMEZONE_CODES.iter().find(|(z, _)| *z == zone) {
        return Some((*code).to_owned());
    }
    let tone = tone?;
    Some(format!("{tone}{}", OFFSET_HOURS.get(zone)?))
}

static OFFSET_HOURS: tz::PerZone<String> = tz::PerZone::new(|tz| offset_hours(tz.utc_offset));

/// `+1`, `-5`, `+5.5`, `+5.75`, `-3.5`.
fn offset_hours(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (hours, minutes) = (abs / 3600, abs % 3600 / 60);
    if minutes == 0 {
        return format!("{sign}{hours}");
    }
    let fraction = format!("{:02}", minutes * 100 / 60);
    format!("{sign}{hours}.{}", fraction.trim_end_matches('0'))
}

/// `XX_syslog_server` (`ip`, or `ip:port` off the standard port) and
/// `XX_log_level` (the phone's 0 to 9 scale, 9 being debug).
fn add_syslog(raw: &mut Map) {
    if !raw.get("syslog_enabled").is_some_and(truthy) {
        return;
    }
    let Some(ip) = present_text(raw, "syslog_ip").map(Cow::into_owned) else {
        return;
    };
    let server = match present_text(raw, "syslog_port") {
        Some(port) if port != "514" => format!("{ip}:{port}"),
        _ => ip,
    };
    let level = match raw.get("syslog_level").and_then(Value::as_str) {
        Some("critical") => 1,
        Some("error") => 3,
        Some("info") => 6,
        Some("debug") => 9,
        _ => 4,
    };
    raw.insert("XX_syslog_server".into(), Value::from(server));
    raw.insert("XX_log_level".into(), Value::from(level));
}

/// The configured lines with a usable identity number, in number order.
fn numbered_lines(raw: &Map) -> Vec<(u64, String)> {
    let Some(Value::Object(lines)) = raw.get("sip_lines") else {
        return Vec::new();
    };
    let mut out: Vec<(u64, String)> = lines
        .iter()
        .filter(|(_, v)| v.is_object())
        .filter_map(|(k, _)| Some((k.trim().parse::<u64>().ok().filter(|n| (1..=9999).contains(n))?, k.clone())))
        .collect();
    out.sort();
    out
}

/// Fills a line's missing servers and voicemail from the global keys.
fn line_defaults(raw: &Map, keys: &[(&'static str, &str)]) -> Vec<(&'static str, Value)> {
    keys.iter().filter_map(|&(line_key, global)| Some((line_key, present(raw, global)?.clone()))).collect()
}

fn apply_defaults(line: &mut Map, defaults: &[(&'static str, Value)]) {
    for (key, value) in defaults {
        if line.get(*key).is_none_or(Value::is_null) {
            line.insert((*key).into(), value.clone());
        }
    }
}

fn dtmf_info(line: &Map, global: Option<&str>) -> &'static str {
    let mode = line.get("dtmf_mode").and_then(Value::as_str).filter(|m| !m.is_empty()).or(global);
    if mode == Some("SIP-INFO") { "sip_info_only" } else { "off" }
}

/// `(user_srtp, user_savp)`: TLS signalling implies SRTP (wazo does the
/// same), except on the autoprov line, which has nothing to protect yet.
fn srtp(line: &Map, global: Option<&str>, transport: &str) -> (&'static str, &'static str) {
    if line.get("number").and_then(Value::as_str) == Some("autoprov") {
        return ("off", "off");
    }
    if transport == "tls" {
        return ("on", "mandatory");
    }
    match line.get("srtp_mode").and_then(Value::as_str).filter(|m| !m.is_empty()).or(global) {
        Some("required") => ("on", "mandatory"),
        Some("preferred") => ("on", "optional"),
        _ => ("off", "off"),
    }
}

/// `host:port;transport=...` for `user_outbound`.
fn outbound(host: &str, port: Option<Cow<'_, str>>, transport: &str) -> String {
    format!("{host}:{};transport={transport}", port.as_deref().unwrap_or("5060"))
}

/// Completes `sip_lines` and lists them as `XX_lines` (identity order),
/// each with `XX_idx`, `XX_host` (registrar), `XX_outbound`, DTMF and SRTP
/// values, and, for a line with a backup proxy, the failover identity
/// (`XX_backup_idx`, `XX_backup_host`, `XX_backup_outbound`).
///
/// wazo put a line's failover identity at `line + 1`, over line 2 when
/// both were configured; here failover identities follow the last
/// configured line, as long as the model has identities left.
fn update_desk_lines(raw: &mut Map, transport: &str, identities: u64) {
    let defaults = line_defaults(
        raw,
        &[
            ("proxy_ip", "sip_proxy_ip"),
            ("proxy_port", "sip_proxy_port"),
            ("registrar_ip", "sip_registrar_ip"),
            ("backup_proxy_ip", "sip_backup_proxy_ip"),
            ("backup_proxy_port", "sip_backup_proxy_port"),
            ("backup_registrar_ip", "sip_backup_registrar_ip"),
            ("outbound_proxy_ip", "sip_outbound_proxy_ip"),
            ("outbound_proxy_port", "sip_outbound_proxy_port"),
            ("voicemail", "exten_voicemail"),
        ],
    );
    let dtmf = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let srtp_mode = raw.get("sip_srtp_mode").and_then(Value::as_str).map(str::to_owned);
    let numbered = numbered_lines(raw);
    let mut next_backup = numbered.last().map_or(1, |(n, _)| n + 1);
    let mut blocked = String::new();
    let mut listed = Vec::with_capacity(numbered.len());
    let Some(Value::Object(lines)) = raw.get_mut("sip_lines") else {
        raw.insert("XX_lines".into(), Value::Array(Vec::new()));
        raw.insert("XX_msgs_blocked".into(), Value::from(""));
        return;
    };
    for (no, key) in &numbered {
        let Some(Value::Object(line)) = lines.get_mut(key) else { continue };
        apply_defaults(line, &defaults);
        let get = |k: &str| present_text(line, k).map(Cow::into_owned);
        let host = get("registrar_ip").or_else(|| get("proxy_ip"));
        let via = match get("outbound_proxy_ip") {
            Some(ip) => Some((ip, get("outbound_proxy_port"))),
            None => get("proxy_ip").map(|ip| (ip, get("proxy_port"))),
        };
        let backup = get("backup_proxy_ip").filter(|_| next_backup <= identities).map(|ip| {
            let host = get("backup_registrar_ip").unwrap_or_else(|| ip.clone());
            (host, outbound(&ip, get("backup_proxy_port").map(Cow::Owned), transport))
        });
        let dtmf_value = dtmf_info(line, dtmf.as_deref());
        let (on, savp) = srtp(line, srtp_mode.as_deref(), transport);
        line.insert("XX_idx".into(), Value::from(*no));
        if let Some(host) = host {
            line.insert("XX_host".into(), Value::from(host));
        }
        if let Some((ip, port)) = via {
            line.insert("XX_outbound".into(), Value::from(outbound(&ip, port.map(Cow::Owned), transport)));
        }
        line.insert("XX_user_dtmf_info".into(), Value::from(dtmf_value));
        line.insert("XX_srtp".into(), Value::from(on));
        line.insert("XX_savp".into(), Value::from(savp));
        if let Some((host, via)) = backup {
            line.insert("XX_backup_idx".into(), Value::from(next_backup));
            line.insert("XX_backup_host".into(), Value::from(host));
            line.insert("XX_backup_outbound".into(), Value::from(via));
            // The failover identity is never registered while the primary
            // is: the phone must not complain about it.
            let _ = write!(blocked, " Identity{next_backup:02}IsNotRegistered");
            next_backup += 1;
        }
        listed.push(Value::Object(line.clone()));
    }
    raw.insert("XX_lines".into(), Value::Array(listed));
    raw.insert("XX_msgs_blocked".into(), Value::from(blocked));
}

/// Completes `sip_lines` for a DECT base and builds its server table:
/// `XX_servers` (one per distinct proxy address and port, at most ten, with
/// `id`, `proxy_ip`, `proxy_port`, backups, `XX_outbound`, DTMF and SRTP
/// values) and `XX_lines` (accounts with `XX_idx`, `XX_server_id` and the
/// handset registration code `XX_ac_code`, the account number on four
/// digits). A line past the tenth server, or without a proxy, is left out:
/// it would register to the wrong server.
fn update_dect_lines(raw: &mut Map, transport: &str) {
    let defaults = line_defaults(
        raw,
        &[
            ("proxy_ip", "sip_proxy_ip"),
            ("proxy_port", "sip_proxy_port"),
            ("backup_proxy_ip", "sip_backup_proxy_ip"),
            ("backup_proxy_port", "sip_backup_proxy_port"),
            ("voicemail", "exten_voicemail"),
        ],
    );
    let dtmf = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let srtp_mode = raw.get("sip_srtp_mode").and_then(Value::as_str).map(str::to_owned);
    let numbered = numbered_lines(raw);
    let mut servers: Vec<(String, String, Map)> = Vec::new();
    let mut listed = Vec::with_capacity(numbered.len());
    if let Some(Value::Object(lines)) = raw.get_mut("sip_lines") {
        for (no, key) in &numbered {
            let Some(Value::Object(line)) = lines.get_mut(key) else { continue };
            apply_defaults(line, &defaults);
            let get = |k: &str| present_text(line, k).map(Cow::into_owned);
            let Some(ip) = get("proxy_ip") else { continue };
            let port = get("proxy_port").unwrap_or_else(|| "5060".into());
            let id = match servers.iter().position(|(i, p, _)| *i == ip && *p == port) {
                Some(i) => i + 1,
                None if servers.len() < DECT_MAX_SERVERS => {
                    let mut s = Map::new();
                    let id = servers.len() + 1;
                    s.insert("id".into(), Value::from(id));
                    s.insert("proxy_ip".into(), Value::from(ip.as_str()));
                    s.insert("proxy_port".into(), Value::from(port.as_str()));
                    for k in ["backup_proxy_ip", "backup_proxy_port"] {
                        s.insert(k.into(), get(k).map_or(Value::Null, Value::from));
                    }
                    s.insert("XX_outbound".into(), Value::from(outbound(&ip, Some(Cow::Borrowed(&port)), transport)));
                    s.insert("XX_user_dtmf_info".into(), Value::from(dtmf_info(line, dtmf.as_deref())));
                    let (on, _) = srtp(line, srtp_mode.as_deref(), transport);
                    s.insert("XX_srtp".into(), Value::from(on));
                    servers.push((ip.clone(), port.clone(), s));
                    id
                }
                None => continue,
            };
            line.insert("XX_idx".into(), Value::from(*no));
            line.insert("XX_server_id".into(), Value::from(id));
            line.insert("XX_ac_code".into(), Value::from(format!("{:04}", no % 10_000)));
            listed.push(Value::Object(line.clone()));
        }
    }
    raw.insert("XX_servers".into(), Value::Array(servers.into_iter().map(|(_, _, s)| Value::Object(s)).collect()));
    raw.insert("XX_lines".into(), Value::Array(listed));
}

/// `XX_fkeys`: one `<fkey>` element per usable function key, in key order,
/// `idx` being the key number minus one (P1 is 0). Speed dials are `speed`,
/// BLF keys `blf <value>|<pickup prefix>` (without the prefix when there is
/// none: wazo dropped the key instead), park keys `orbit` on the models
/// that have it and speed dials elsewhere. Values and labels are escaped.
fn function_keys(raw: &Map, orbit: bool) -> String {
    let Some(Value::Object(funckeys)) = raw.get("funckeys") else {
        return String::new();
    };
    let pickup = present_text(raw, "exten_pickup_call");
    let park = present_text(raw, "exten_park");
    let mut keys: Vec<(u64, &Map)> = funckeys
        .iter()
        .filter_map(|(no, key)| Some((no.trim().parse().ok().filter(|&n| n > 0)?, key.as_object()?)))
        .collect();
    keys.sort_by_key(|(no, _)| *no);
    let mut out = String::new();
    for (no, key) in keys {
        let value = key.get("value").and_then(text).filter(|v| !v.is_empty());
        let (kind, value) = match (key.get("type").and_then(Value::as_str), value) {
            (Some("speeddial"), Some(v)) => ("speed", v),
            (Some("blf"), Some(v)) => ("blf", v),
            (Some("park"), v) => match v.or_else(|| park.clone()) {
                Some(v) => (if orbit { "orbit" } else { "speed" }, v),
                None => continue,
            },
            _ => continue,
        };
        let label = key.get("label").and_then(text).filter(|l| !l.is_empty()).unwrap_or_else(|| value.clone());
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = write!(out, "    <fkey idx=\"{}\" context=\"active\" short_label=\"", no - 1);
        Syntax::Xml.push_escaped(&mut out, &label);
        out.push_str("\" label=\"");
        Syntax::Xml.push_escaped(&mut out, &label);
        let _ = write!(out, "\" perm=\"R\">{kind} ");
        Syntax::Xml.push_escaped(&mut out, &value);
        if let Some(pickup) = pickup.as_deref().filter(|_| kind == "blf") {
            out.push('|');
            Syntax::Xml.push_escaped(&mut out, pickup);
        }
        out.push_str("</fkey>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_core::plugin::PluginInfo;
    use serde_json::json;

    /// The Snom rows of the shared identification vectors, copied as they
    /// are (protocol, input, vendor, model, version, mac; empty = not
    /// extracted).
    const VECTORS: &str = "\
http-ua\tMozilla/4.0 (compatible; snom320-SIP 6.5.20; snom320 jffs2 v3.36; snom320 linux 3.38)\tSnom\t320\t6.5.20\t
http-ua\tMozilla/4.0 (compatible; snom320-SIP 7.3.30 1.1.3-u)\tSnom\t320\t7.3.30\t
http-ua\tMozilla/4.0 (compatible; snom760-SIP 8.7.3.19 2010.06)\tSnom\t760\t8.7.3.19\t
http-ua\tMozilla/4.0 (compatible; snom820-SIP 8.4.35 1.1.4-IFX-26.11.09)\tSnom\t820\t8.4.35\t
http-ua\tMozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)\tSnom\tD785\t10.1.33.33\t00:04:13:92:2d:24
";

    fn http(path: &'static [u8], ua: &'static [u8]) -> Option<DeviceInfo<'static>> {
        Snom.extract(&Request::Http { path, user_agent: Some(ua) })
    }

    fn ua(ua: &'static [u8]) -> Option<DeviceInfo<'static>> {
        http(b"/snom320.htm", ua)
    }

    fn mac(s: &str) -> Mac {
        Mac::parse(s).unwrap()
    }

    fn map(v: Value) -> Map {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn identification_vectors() {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        for row in VECTORS.lines() {
            let [proto, input, vendor, model, version, mac_s]: [&str; 6] =
                row.split('\t').collect::<Vec<_>>().try_into().unwrap();
            assert_eq!(proto, "http-ua");
            let got = Snom
                .extract(&Request::Http { path: b"/", user_agent: Some(input.as_bytes()) })
                .unwrap_or_else(|| panic!("{input}: nothing extracted"));
            assert_eq!(got.vendor.as_deref().map(str::to_owned), opt(vendor), "{input}");
            assert_eq!(got.model.as_deref().map(str::to_owned), opt(model), "{input}");
            assert_eq!(got.version.as_deref().map(str::to_owned), opt(version), "{input}");
            assert_eq!(got.mac, opt(mac_s).map(|m| mac(&m)), "{input}");
            assert_eq!((got.sn, got.uuid), (None, None), "{input}");
            assert!(matches!(got.model, Some(Cow::Borrowed(_))), "borrowed from the request");
        }
        assert_eq!(VECTORS.lines().count(), 5);
    }

    #[test]
    fn other_user_agents() {
        let cases: &[(&[u8], &str, &str, Option<&str>)] = &[
            (b"Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)", "320", "8.4.18", None),
            (b"Mozilla/4.0 (compatible; snom710-SIP 8.7.3.19 1.1.5-IFX-05.01.12)", "710", "8.7.3.19", None),
            (
                b"Mozilla/4.0 (compatible; snom710-SIP 8.7.5.35 1.1.5-IFX-05.01.12 000413741767)",
                "710",
                "8.7.5.35",
                Some("00:04:13:74:17:67"),
            ),
            (b"Mozilla/4.0 (compatible; snomPA1-SIP 8.4.35 1.1.3-s)", "PA1", "8.4.35", None),
            (
                b"Mozilla/4.0 (compatible; Snom M900 05.20.0001 000413b60680)",
                "M900",
                "05.20.0001",
                Some("00:04:13:b6:06:80"),
            ),
            (
                b"Mozilla/4.0 (compatible; snomM700 05.20.0001 000413B60680)",
                "M700",
                "05.20.0001",
                Some("00:04:13:b6:06:80"),
            ),
        ];
        for &(input, model, version, mac_s) in cases {
            let got = ua(input).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(input)));
            assert_eq!(got.vendor.as_deref(), Some("Snom"));
            assert_eq!((got.model.as_deref(), got.version.as_deref()), (Some(model), Some(version)));
            assert_eq!(got.mac, mac_s.map(mac), "{}", String::from_utf8_lossy(input));
        }
        for input in [
            &b"Mozilla/4.0 (compatible; snom lid 3605)"[..],
            b"Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37",
            b"Snom M900 05.20.0001 000413b6068",
            b"snom",
            b"",
        ] {
            assert_eq!(ua(input), None, "{}", String::from_utf8_lossy(input));
        }
    }

    /// `docs/behaviour/families.md` §9.4: wazo's unanchored MAC regex read
    /// `1` from `SNOM 1.4` and its exception broke the whole request. Here the model and version stay.
    #[test]
    fn mac_like_non_mac_is_no_mac() {
        let got = ua(b"Mozilla/4.0 (compatible; snom870-SIP 8.4.35 SPEAr300 SNOM 1.4)").unwrap();
        assert_eq!(
            got,
            DeviceInfo {
                vendor: Some("Snom".into()),
                model: Some("870".into()),
                version: Some("8.4.35".into()),
                ..Default::default()
            }
        );
        for input in [
            &b"snomD785-SIP 10.1.33.33 x 000413922D2"[..],
            b"snomD785-SIP 10.1.33.33 x 000413922D245",
            b"snomD785-SIP 10.1.33.33 x 000413922D24abc",
            b"snomD785-SIP 10.1.33.33 x 000413922d24",
            b"snomD785-SIP 10.1.33.33;000413922D24",
        ] {
            let got = ua(input).unwrap();
            assert_eq!((got.model.as_deref(), got.mac), (Some("D785"), None), "{}", String::from_utf8_lossy(input));
        }
        // The last MAC-shaped token wins, as wazo's greedy regex chose.
        let got = ua(b"snomD785-SIP 10.1.33.33 000413000001 x 000413922D24)").unwrap();
        assert_eq!(got.mac, Some(mac("00:04:13:92:2d:24")));
    }

    #[test]
    fn non_ascii_user_agents_never_panic() {
        let got = ua(b"Mozilla/4.0 (compatible; snomD785-SIP 10.1.33.33 \xff\xfe 000413922D24 \xc3\xa9)").unwrap();
        assert_eq!((got.model.as_deref(), got.version.as_deref()), (Some("D785"), Some("10.1.33.33")));
        assert_eq!(got.mac, Some(mac("00:04:13:92:2d:24")));
        assert_eq!(ua(b"\xff\xfe\x00snom\xe9320-SIP 8.4.18"), None);
        assert_eq!(ua("snomé320-SIP 8.4.18".as_bytes()), None);
        assert_eq!(ua(b"\xff\xff\xff"), None);
        let got = ua(b"\xc3\xa9 Snom M900 05.20.0001 000413b60680 \xff").unwrap();
        assert_eq!(got.model.as_deref(), Some("M900"));
        // An unknown model is extracted as it is.
        let got = ua(b"snomX9000_b-SIP 11.0.1 1.2").unwrap();
        assert_eq!(got.model.as_deref(), Some("X9000_b"));
    }

    #[test]
    fn mac_from_path_and_query() {
        const UA: &[u8] = b"Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)";
        let got = http(b"/snom320-000413741767.htm", UA).unwrap();
        assert_eq!(got.mac, Some(mac("00:04:13:74:17:67")));
        let got = http(b"/prov/snom320-000413741767.htm?x=1", UA).unwrap();
        assert_eq!(got.mac, Some(mac("00:04:13:74:17:67")));
        for path in [&b"/snom320-000413741767.html"[..], b"/snom320-000413741767.htm/x", b"/snom320-00041374176a.htm"] {
            assert_eq!(http(path, UA).unwrap().mac, None, "{}", String::from_utf8_lossy(path));
        }
        // Firmware requests carry ?mac={mac}.
        let got = http(b"/firmware/snom320-8.7.5.35-SIP-f.bin?mac=000413741767", UA).unwrap();
        assert_eq!(got.mac, Some(mac("00:04:13:74:17:67")));
        let got = http(b"/firmware/x.bin?a=b&mac=00:04:13:74:17:68&mac=000413741769", UA).unwrap();
        assert_eq!(got.mac, Some(mac("00:04:13:74:17:68")), "the first mac argument");
        assert_eq!(http(b"/x.bin?mac=nonsense", UA).unwrap().mac, None);
        assert_eq!(http(b"/x.bin?mac=", UA).unwrap().mac, None);
        // Path beats User-Agent beats query.
        const UA_MAC: &[u8] = b"snomD785-SIP 10.1.33.33 2010.12 000413922D24 SXM:0";
        let got = http(b"/snomD785-000413000001.htm?mac=000413000002", UA_MAC).unwrap();
        assert_eq!(got.mac, Some(mac("00:04:13:00:00:01")));
        let got = http(b"/snomD785.htm?mac=000413000002", UA_MAC).unwrap();
        assert_eq!(got.mac, Some(mac("00:04:13:92:2d:24")));
        // Without a Snom User-Agent, neither the path nor the query says Snom.
        let bare =
            |path: &'static [u8], ua: Option<&'static [u8]>| Snom.extract(&Request::Http { path, user_agent: ua });
        assert_eq!(bare(b"/snom320-000413741767.htm", None), None);
        assert_eq!(bare(b"/x.bin?mac=000413741767", None), None);
        assert_eq!(bare(b"/x.bin?mac=000413741767", Some(b"curl/8.0")), None);
        assert_eq!(Snom.extract(&Request::Tftp { filename: b"snom320-000413741767.htm" }), None);
        assert_eq!(Snom.extract(&Request::Dhcp { vendor_class: b"snom320" }), None);
    }

    fn plugin(id: &str, models: Value, extra: Value) -> Plugin {
        let mut info = json!({"version": "1.0.0", "description": "test", "family": "snom", "models": models});
        if let (Value::Object(i), Value::Object(e)) = (&mut info, extra) {
            i.extend(e);
        }
        Plugin {
            id: id.into(),
            dir: "/nonexistent".into(),
            info: serde_json::from_value::<PluginInfo>(info).unwrap(),
            family: &Snom,
        }
    }

    fn desk8() -> Plugin {
        plugin(
            "wazo-snom-8.7.5.35",
            json!({
                "320": {"version": "8.7.5.35", "firmware": "snom320-8.7.5.35-SIP-f.bin", "lines": 12},
                "715": {"version": "8.7.5.35", "firmware": "snom715-8.7.5.35-SIP-r.bin", "lines": 12, "park_orbit": true},
                "D765": {"version": "8.7.5.35", "lines": 12, "park_orbit": true},
            }),
            json!({"locales": {"fr_FR": ["Francais", "FRA"]}}),
        )
    }

    fn desk10() -> Plugin {
        plugin(
            "wazo-snom-10.1.54.13",
            json!({
                "715": {"version": "10.1.54.13", "firmware": "snom715-10.1.54.13-SIP-r.bin", "lines": 4, "park_orbit": true},
                "D765": {"version": "10.1.54.13", "lines": 12, "park_orbit": true},
                "D785": {"version": "10.1.54.13", "firmware": "snomD785-10.1.54.13-SIP-r.bin", "lines": 12},
                "D120": {"version": "10.1.54.13", "lines": 2},
            }),
            json!({}),
        )
    }

    fn dect() -> Plugin {
        plugin(
            "wazo-snom-dect-05.20.0001",
            json!({
                "M300": {"version": "05.20.0001", "lines": 20},
                "M900": {"version": "05.20.0001", "lines": 1000},
            }),
            json!({"dect": true}),
        )
    }

    fn info<'a>(vendor: Option<&'a str>, model: Option<&'a str>, version: Option<&'a str>) -> DeviceInfo<'a> {
        DeviceInfo {
            vendor: vendor.map(Cow::Borrowed),
            model: model.map(Cow::Borrowed),
            version: version.map(Cow::Borrowed),
            ..Default::default()
        }
    }

    #[test]
    fn association_scores() {
        let (d8, d10, m) = (desk8(), desk10(), dect());
        let s = |p: &Plugin, vendor, model, version| Snom.associate(p, &info(vendor, model, version));
        let snom = Some("Snom");
        assert_eq!(s(&d10, snom, Some("D785"), Some("10.1.54.13")), EXACT);
        assert_eq!(s(&d10, snom, Some("D785"), Some("10.1.33.33")), COMPLETE);
        assert_eq!(s(&d8, snom, Some("715"), Some("10.1.33.33")), COMPLETE - OTHER_GENERATION);
        assert_eq!(s(&d10, snom, Some("D785"), None), PROBABLE, "no version: maybe no XML support");
        assert_eq!(s(&d10, snom, None, None), PROBABLE);
        assert_eq!(s(&d10, snom, Some("D862"), Some("10.1.215.13")), PROBABLE + OTHER_GENERATION);
        assert_eq!(s(&d8, snom, Some("D862"), Some("10.1.215.13")), PROBABLE);
        // Firmware without XML provisioning.
        assert_eq!(s(&d8, snom, Some("320"), Some("6.5.20")), NONE);
        assert_eq!(s(&d8, snom, Some("320"), Some("7.0")), COMPLETE - OTHER_GENERATION);
        assert_eq!(s(&d8, snom, Some("320"), Some("7.0.0.0")), COMPLETE - OTHER_GENERATION);
        assert_eq!(s(&d8, snom, Some("320"), Some("7.3.30")), COMPLETE - OTHER_GENERATION);
        assert_eq!(s(&d8, snom, Some("320"), Some("8.4.35")), COMPLETE);
        assert_eq!(s(&m, snom, Some("M900"), Some("04.50.0001")), NONE);
        assert_eq!(s(&m, snom, Some("M900"), Some("05.00.0001")), COMPLETE);
        assert_eq!(s(&m, snom, Some("M900"), Some("05.20.0001")), EXACT);
        assert_eq!(s(&m, snom, Some("M700"), Some("05.20.0001")), PROBABLE + OTHER_GENERATION);
        // Unparsable versions are not "too old" (wazo ignored the error).
        assert_eq!(s(&d8, snom, Some("320"), Some("8.4.")), COMPLETE);
        assert_eq!(s(&d8, snom, Some("320"), Some("..")), COMPLETE - OTHER_GENERATION);
        // Desk phones and DECT bases never cross.
        assert_eq!(s(&m, snom, Some("D785"), Some("10.1.54.13")), IMPROBABLE);
        assert_eq!(s(&d10, snom, Some("M900"), Some("10.1.54.13")), IMPROBABLE);
        assert_eq!(s(&m, snom, Some("MP"), Some("8.7.5.35")), IMPROBABLE);
        // Other vendors, no vendor.
        assert_eq!(s(&d10, Some("Yealink"), Some("D785"), Some("10.1.54.13")), IMPROBABLE);
        assert_eq!(s(&d10, Some(""), Some(""), Some("")), IMPROBABLE);
        assert_eq!(s(&d10, None, Some("D785"), Some("10.1.54.13")), UNKNOWN);
    }

    /// Which installed plugin a phone gets (provd's selection: best score of
    /// at least PROBABLE, ties to the greatest id).
    #[test]
    fn the_right_plugin_version_wins() {
        let plugins = [desk8(), desk10(), dect()];
        let best = |model, version| {
            crate::identify::best_plugin(&plugins, &info(Some("Snom"), Some(model), Some(version)))
                .map(|p| p.id.as_str())
        };
        assert_eq!(best("D765", "10.1.54.13"), Some("wazo-snom-10.1.54.13"));
        assert_eq!(best("D765", "8.7.5.35"), Some("wazo-snom-8.7.5.35"));
        // Neither exact: the phone's own generation, though "8" > "1".
        assert_eq!(best("D765", "10.1.39.11"), Some("wazo-snom-10.1.54.13"));
        assert_eq!(best("715", "8.7.3.19"), Some("wazo-snom-8.7.5.35"));
        // Only one plugin has the model: it wins whatever the firmware.
        assert_eq!(best("320", "10.1.0.1"), Some("wazo-snom-8.7.5.35"));
        assert_eq!(best("D785", "8.9.3.80"), Some("wazo-snom-10.1.54.13"));
        // Unknown models: the same generation, never the DECT plugin.
        assert_eq!(best("D862", "10.1.215.13"), Some("wazo-snom-10.1.54.13"));
        assert_eq!(best("D999", "9.0"), Some("wazo-snom-8.7.5.35"), "tie between desk plugins: greatest id");
        assert_eq!(best("M900", "05.20.0001"), Some("wazo-snom-dect-05.20.0001"));
        assert_eq!(best("M700", "05.10.0001"), Some("wazo-snom-dect-05.20.0001"));
        assert_eq!(best("320", "6.5.20"), None, "too old for XML provisioning");
        assert_eq!(best("M900", "04.50.0001"), None);
    }

    #[test]
    fn version_comparison() {
        assert_eq!(compare_versions("7.0", "7.0.0.0"), Some(Ordering::Equal));
        assert_eq!(compare_versions("6.5.20", "7.0.0.0"), Some(Ordering::Less));
        assert_eq!(compare_versions("10.1.54.13", "7.0.0.0"), Some(Ordering::Greater));
        assert_eq!(compare_versions("05.20.0001", "05.00.0001"), Some(Ordering::Greater));
        assert_eq!(compare_versions("5.0.1", "05.00.0001"), Some(Ordering::Equal));
        assert_eq!(compare_versions("8.4.", "7.0"), None);
        assert_eq!(compare_versions("1.x", "7.0"), None);
        assert_eq!(compare_versions("99999999999999999999999", "7.0"), None);
    }

    fn device(model: &str) -> Device {
        Device {
            id: "d1".into(),
            mac: Some(mac("00:04:13:92:2d:24")),
            vendor: Some("Snom".into()),
            model: Some(model.into()),
            ..Default::default()
        }
    }

    fn base_raw() -> Map {
        map(json!({"ip": "10.0.0.1", "http_port": 8667, "sip_lines": {}, "funckeys": {}}))
    }

    #[test]
    fn device_files() {
        let mut raw = base_raw();
        let files = Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert_eq!(
            files,
            [
                DeviceFile::template("000413922D24.xml"),
                DeviceFile {
                    path: "snomD785-000413922D24.htm".into(),
                    source: FileSource::Template("other/base.htm.tpl".into())
                },
            ]
        );
        assert_eq!(raw["XX_xml_filename"], "000413922D24.xml");
        assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
        // What is required.
        let mut raw = map(json!({"ip": "10.0.0.1"}));
        assert_eq!(
            Snom.configure(&desk10(), &device("D785"), &mut raw),
            Err(ConfigureError::MissingParameter("http_port"))
        );
        let no_mac = Device { mac: None, ..device("D785") };
        assert_eq!(Snom.configure(&desk10(), &no_mac, &mut base_raw()), Err(ConfigureError::MissingDeviceField("mac")));
        let no_model = Device { model: None, ..device("D785") };
        assert_eq!(
            Snom.configure(&desk10(), &no_model, &mut base_raw()),
            Err(ConfigureError::MissingDeviceField("model"))
        );
        assert!(matches!(
            Snom.configure(&desk10(), &device("../x"), &mut base_raw()),
            Err(ConfigureError::Invalid { .. })
        ));
        let mut raw = map(json!({"http_port": 8667}));
        assert_eq!(Snom.configure(&desk10(), &device("D785"), &mut raw), Err(ConfigureError::MissingParameter("ip")));
        // An unknown model still gets its files, with the family defaults.
        let files = Snom.configure(&desk10(), &device("D999"), &mut base_raw()).unwrap();
        assert_eq!(files[1].path, "snomD999-000413922D24.htm");
    }

    #[test]
    fn sensitive_files_and_trigger() {
        for name in ["000413922D24.xml", "000413922D24.xml.bak", "FFFFFFFFFFFF.xml"] {
            assert!(Snom.is_sensitive(name.as_bytes()), "{name}");
        }
        for name in ["000413922d24.xml", "snomD785-000413922D24.htm", "snomD785.xml", "000413922D24.htm", "x", ""] {
            assert!(!Snom.is_sensitive(name.as_bytes()), "{name}");
        }
        let d = device("D785");
        assert_eq!(Snom.remote_state_trigger(&d).as_deref(), Some("000413922D24.xml"));
        assert_eq!(Snom.remote_state_trigger(&Device { model: None, ..d.clone() }), None);
        assert_eq!(Snom.remote_state_trigger(&Device { mac: None, ..d.clone() }), None);
        let m = d.mac;
        assert!(Snom.is_remote_state_trigger(m, Some("D785"), b"000413922D24.xml"));
        assert!(!Snom.is_remote_state_trigger(m, None, b"000413922D24.xml"));
        assert!(!Snom.is_remote_state_trigger(m, Some("D785"), b"000413922d24.xml"));
        assert!(!Snom.is_remote_state_trigger(m, Some("D785"), b"snomD785-000413922D24.htm"));
        assert!(!Snom.is_remote_state_trigger(None, Some("D785"), b"000413922D24.xml"));
        // The default (allocating) path agrees with the in-place one.
        for name in [&b"000413922D24.xml"[..], b"000413922D24.htm"] {
            let device = Device { mac: m, model: Some("D785".into()), ..Default::default() };
            let by_name = Snom.remote_state_trigger(&device).is_some_and(|t| t.as_bytes() == name);
            assert_eq!(Snom.is_remote_state_trigger(m, Some("D785"), name), by_name);
        }
    }

    #[test]
    fn sync_events_desk_and_dect() {
        let event = |d: &Device| Snom.sync_notify(d).unwrap();
        assert_eq!(event(&device("D785")), SyncNotify { event: "check-sync;reboot=false", body: None });
        assert_eq!(event(&device("MP")).event, "check-sync;reboot=false");
        assert_eq!(event(&device("M900")), SyncNotify { event: "check-sync;reboot=true", body: None });
        let by_plugin = Device { model: None, plugin: Some("wazo-snom-dect-05.20.0001".into()), ..device("M900") };
        assert_eq!(event(&by_plugin).event, "check-sync;reboot=true");
        assert_eq!(event(&Device::default()).event, "check-sync;reboot=false");
    }

    #[test]
    fn common_file_names() {
        let base = map(json!({"ip": "10.0.0.1", "http_port": 8667, "http_base_url": "http://10.0.0.1:8667"}));
        let files = Snom.common_files(&desk8(), &base).unwrap();
        let names: Vec<(&str, &str)> = files.iter().map(|f| (f.path.as_str(), f.template.as_str())).collect();
        assert_eq!(
            names,
            [
                ("gui_lang.xml", "common/gui_lang.xml.tpl"),
                ("web_lang.xml", "common/web_lang.xml.tpl"),
                ("snom320.htm", "common/snom-model.htm.tpl"),
                ("snom320.xml", "common/snom-model.xml.tpl"),
                ("snom320-firmware.xml", "common/snom-model-firmware.xml.tpl"),
                ("snom715.htm", "common/snom-model.htm.tpl"),
                ("snom715.xml", "common/snom-model.xml.tpl"),
                ("snom715-firmware.xml", "common/snom-model-firmware.xml.tpl"),
                ("snomD765.htm", "common/snom-model.htm.tpl"),
                ("snomD765.xml", "common/snom-model.xml.tpl"),
                ("snomD765-firmware.xml", "common/snom-model-firmware.xml.tpl"),
            ]
        );
        assert_eq!(files[2].context["XX_model"], "320");
        assert_eq!(files[4].context["XX_fw_filename"], "snom320-8.7.5.35-SIP-f.bin");
        assert_eq!(files[4].context["XX_server_url"], "http://10.0.0.1:8667");
        assert!(!files[10].context.contains_key("XX_fw_filename"), "no firmware named for D765");

        let files = Snom.common_files(&dect(), &base).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            names,
            [
                "snom-general.xml",
                "snomM300.htm",
                "snomM300.xml",
                "snomM300-firmware.xml",
                "snomM900.htm",
                "snomM900.xml",
                "snomM900-firmware.xml"
            ]
        );
        assert_eq!(files[0].template, "common/snom-general.xml.tpl");
        assert_eq!(files[0].context["XX_accounts"], 1000);
        assert_eq!(Snom.common_files(&dect(), &Map::new()), Err(ConfigureError::MissingParameter("http_base_url")));
    }

    #[test]
    fn per_model_common_template_override() {
        let dir = std::env::temp_dir().join(format!("provd-snom-common-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("var/templates/common")).unwrap();
        std::fs::write(dir.join("var/templates/common/snom715.htm.tpl"), "x").unwrap();
        let mut p = desk8();
        p.dir = dir.clone();
        let files = Snom.common_files(&p, &map(json!({"http_base_url": "http://h"}))).unwrap();
        let t: Vec<&str> =
            files.iter().filter(|f| f.path.starts_with("snom715")).map(|f| f.template.as_str()).collect();
        assert_eq!(t, ["common/snom715.htm.tpl", "common/snom-model.xml.tpl", "common/snom-model-firmware.xml.tpl"]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn desk_lines_servers_backup_and_security() {
        let mut raw = map(json!({
            "ip": "10.0.0.1", "http_port": 8667,
            "sip_proxy_ip": "10.0.0.1", "sip_proxy_port": 5060, "sip_backup_proxy_ip": "10.0.0.2",
            "sip_registrar_ip": "10.0.0.1", "sip_dtmf_mode": "SIP-INFO", "sip_srtp_mode": "disabled",
            "sip_transport": "tcp", "exten_voicemail": "*98",
            "sip_lines": {
                "2": {"username": "bob", "number": "1002", "dtmf_mode": "RTP-out-of-band", "srtp_mode": "preferred"},
                "1": {"username": "alice", "number": "1001", "proxy_ip": "10.0.0.5", "proxy_port": 5070,
                      "registrar_ip": "10.0.0.5", "voicemail": "*99"},
                "x": {"username": "ignored"},
                "0": {"username": "ignored too"},
            },
        }));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        let lines = raw["XX_lines"].as_array().unwrap();
        assert_eq!(lines.len(), 2);
        let (l1, l2) = (&lines[0], &lines[1]);
        assert_eq!((&l1["XX_idx"], &l2["XX_idx"]), (&json!(1), &json!(2)));
        assert_eq!(l1["XX_host"], "10.0.0.5");
        assert_eq!(l1["XX_outbound"], "10.0.0.5:5070;transport=tcp");
        assert_eq!(l2["XX_host"], "10.0.0.1");
        assert_eq!(l2["XX_outbound"], "10.0.0.1:5060;transport=tcp");
        assert_eq!((&l1["voicemail"], &l2["voicemail"]), (&json!("*99"), &json!("*98")));
        assert_eq!((&l1["XX_user_dtmf_info"], &l2["XX_user_dtmf_info"]), (&json!("sip_info_only"), &json!("off")));
        assert_eq!((&l1["XX_srtp"], &l1["XX_savp"]), (&json!("off"), &json!("off")));
        assert_eq!((&l2["XX_srtp"], &l2["XX_savp"]), (&json!("on"), &json!("optional")));
        // Failover identities follow the last line, not line + 1.
        assert_eq!((&l1["XX_backup_idx"], &l2["XX_backup_idx"]), (&json!(3), &json!(4)));
        assert_eq!(l1["XX_backup_host"], "10.0.0.2");
        assert_eq!(l1["XX_backup_outbound"], "10.0.0.2:5060;transport=tcp");
        assert_eq!(raw["XX_msgs_blocked"], " Identity03IsNotRegistered Identity04IsNotRegistered");
        assert_eq!(raw["sip_lines"]["2"]["XX_backup_idx"], 4, "sip_lines is completed too");
        assert_eq!(raw["XX_sip_transport"], "tcp");

        // A two-identity model has no room for failover identities.
        let mut raw = map(json!({"ip": "h", "http_port": 1, "sip_backup_proxy_ip": "b",
                                 "sip_lines": {"1": {"proxy_ip": "p"}, "2": {"proxy_ip": "p"}}}));
        Snom.configure(&desk10(), &device("D120"), &mut raw).unwrap();
        assert!(raw["XX_lines"][0].get("XX_backup_idx").is_none());
        assert_eq!(raw["XX_msgs_blocked"], "");

        // TLS forces SRTP, except on the autoprov line; outbound proxy wins.
        let mut raw = map(json!({"ip": "h", "http_port": 1, "sip_transport": "tls", "sip_outbound_proxy_ip": "sbc",
            "sip_lines": {"1": {"number": "autoprov", "proxy_ip": "p"}, "2": {"number": "1002", "proxy_ip": "p"}}}));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert_eq!(raw["XX_lines"][0]["XX_srtp"], "off");
        assert_eq!(
            (&raw["XX_lines"][1]["XX_srtp"], &raw["XX_lines"][1]["XX_savp"]),
            (&json!("on"), &json!("mandatory"))
        );
        assert_eq!(raw["XX_lines"][1]["XX_outbound"], "sbc:5060;transport=tls");
        assert_eq!(raw["XX_lines"][1]["XX_host"], "p");

        // No lines at all.
        let mut raw = base_raw();
        raw.remove("sip_lines");
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert_eq!(raw["XX_lines"], json!([]));
    }

    #[test]
    fn function_keys_by_model() {
        let funckeys = json!({
            "10": {"type": "speeddial", "value": "1010"},
            "1": {"type": "speeddial", "value": "1003", "label": "Carol"},
            "2": {"type": "blf", "value": "1004", "label": "Dan & <Eve>"},
            "3": {"type": "park", "value": "701", "label": "Park"},
            "4": {"type": "park"},
            "5": {"type": "speeddial"},
            "6": {"type": "jump", "value": "x"},
            "0": {"type": "speeddial", "value": "nope"},
            "a": {"type": "speeddial", "value": "nope"},
        });
        let raw_with = |extra: Value| {
            let mut raw = base_raw();
            raw.insert("funckeys".into(), funckeys.clone());
            raw.extend(map(extra));
            raw
        };
        let mut raw = raw_with(json!({"exten_pickup_call": "*8", "exten_park": "700"}));
        Snom.configure(&desk10(), &device("D765"), &mut raw).unwrap();
        assert_eq!(
            raw["XX_fkeys"],
            "    <fkey idx=\"0\" context=\"active\" short_label=\"Carol\" label=\"Carol\" perm=\"R\">speed 1003</fkey>\n\
             \x20   <fkey idx=\"1\" context=\"active\" short_label=\"Dan &amp; &lt;Eve&gt;\" label=\"Dan &amp; &lt;Eve&gt;\" perm=\"R\">blf 1004|*8</fkey>\n\
             \x20   <fkey idx=\"2\" context=\"active\" short_label=\"Park\" label=\"Park\" perm=\"R\">orbit 701</fkey>\n\
             \x20   <fkey idx=\"3\" context=\"active\" short_label=\"700\" label=\"700\" perm=\"R\">orbit 700</fkey>\n\
             \x20   <fkey idx=\"9\" context=\"active\" short_label=\"1010\" label=\"1010\" perm=\"R\">speed 1010</fkey>"
        );
        // No orbit keys on this model, no pickup prefix, no park extension.
        let mut raw = raw_with(json!({}));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        let fk = raw["XX_fkeys"].as_str().unwrap();
        assert!(fk.contains(">blf 1004</fkey>"), "{fk}");
        assert!(fk.contains("idx=\"2\" context=\"active\" short_label=\"Park\" label=\"Park\" perm=\"R\">speed 701<"));
        assert!(!fk.contains("idx=\"3\""), "park key without any value");
        assert_eq!(fk.lines().count(), 4);
        // Values cannot break out of the element.
        let mut raw = base_raw();
        raw.insert("funckeys".into(), json!({"1": {"type": "speeddial", "value": "1</fkey><x>", "label": "\"q'"}}));
        raw.insert("exten_pickup_call".into(), json!("*8"));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert_eq!(
            raw["XX_fkeys"],
            "    <fkey idx=\"0\" context=\"active\" short_label=\"&#34;q&#39;\" label=\"&#34;q&#39;\" perm=\"R\">speed 1&lt;/fkey&gt;&lt;x&gt;</fkey>"
        );
    }

    #[test]
    fn locale_timezone_and_dict() {
        let mut raw = base_raw();
        raw.extend(map(json!({"locale": "fr_FR", "timezone": "Europe/Paris"})));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert_eq!(raw["XX_lang"], json!(["Français", "FRA"]));
        assert_eq!(raw["XX_locale"], "fr_FR");
        assert_eq!(raw["XX_timezone"], "<timezone perm=\"R\">FRA+1</timezone>");
        assert_eq!(raw["XX_dict"], json!({"remote_directory": "Annuaire"}));
        // The 8.x plugin names the language its own way.
        let mut raw = base_raw();
        raw.extend(map(json!({"locale": "fr_FR", "timezone": "Europe/Paris"})));
        Snom.configure(&desk8(), &device("320"), &mut raw).unwrap();
        assert_eq!(raw["XX_lang"], json!(["Francais", "FRA"]));
        let mut raw = base_raw();
        raw.extend(map(json!({"locale": "de_DE"})));
        Snom.configure(&desk8(), &device("320"), &mut raw).unwrap();
        assert!(!raw.contains_key("XX_lang"), "not in this plugin's table");

        for (locale, zone, code) in [
            ("fr_CA", "America/Montreal", Some("USA-5")),
            ("en_US", "America/Regina", Some("CAN2-6")),
            ("de_DE", "Asia/Kolkata", Some("GER+5.5")),
            ("en_US", "America/St_Johns", Some("USA-3.5")),
            ("en_US", "Asia/Kathmandu", Some("USA+5.75")),
            ("it_IT", "Doesnt/Exist", None),
        ] {
            let mut raw = base_raw();
            raw.extend(map(json!({"locale": locale, "timezone": zone})));
            Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
            let expected = code.map(|c| format!("<timezone perm=\"R\">{c}</timezone>"));
            assert_eq!(raw.get("XX_timezone").and_then(Value::as_str), expected.as_deref(), "{zone}");
        }
        // Without a locale the country is unknown, except for coded zones.
        let mut raw = base_raw();
        raw.insert("timezone".into(), json!("Europe/Paris"));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert!(!raw.contains_key("XX_timezone"));
        assert_eq!(raw["XX_dict"], json!({"remote_directory": "Directory"}));
        raw.insert("timezone".into(), json!("America/Phoenix"));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert_eq!(raw["XX_timezone"], "<timezone perm=\"R\">USA2-7</timezone>");
        assert_eq!(offset_hours(0), "+0");
        assert_eq!(offset_hours(-36000), "-10");
        assert_eq!(offset_hours(45900), "+12.75");
    }

    #[test]
    fn context_urls_syslog_and_options() {
        let mut raw = base_raw();
        raw.extend(map(json!({
            "http_base_url": "https://prov.example:8443",
            "X_xivo_phonebook_ip": "10.0.0.7", "X_xivo_user_uuid": "u-1",
            "syslog_enabled": true, "syslog_ip": "10.0.0.9", "syslog_port": 514, "syslog_level": "debug",
        })));
        let mut dev = device("D785");
        dev.options = Some(map(json!({"switchboard": true})));
        Snom.configure(&desk10(), &dev, &mut raw).unwrap();
        assert_eq!(
            raw["XX_xivo_phonebook_url"],
            "http://10.0.0.7:9498/0.1/directories/input/default/snom?xivo_user_uuid=u-1"
        );
        assert_eq!(raw["XX_server_url"], "https://prov.example:8443");
        assert_eq!(raw["XX_server_url_without_scheme"], "prov.example:8443");
        assert_eq!((&raw["XX_syslog_server"], &raw["XX_log_level"]), (&json!("10.0.0.9"), &json!(9)));
        assert_eq!(raw["XX_options"], json!({"switchboard": true}));
        let mut raw = base_raw();
        raw.extend(map(json!({"syslog_enabled": true, "syslog_ip": "10.0.0.9", "syslog_port": 1514})));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert_eq!((&raw["XX_syslog_server"], &raw["XX_log_level"]), (&json!("10.0.0.9:1514"), &json!(4)));
        assert_eq!(raw["XX_options"], json!({}));
        let mut raw = base_raw();
        raw.extend(map(json!({"syslog_enabled": false, "syslog_ip": "10.0.0.9"})));
        Snom.configure(&desk10(), &device("D785"), &mut raw).unwrap();
        assert!(!raw.contains_key("XX_syslog_server"));
        assert!(!raw.contains_key("XX_xivo_phonebook_url"));
    }

    #[test]
    fn dect_servers_and_accounts() {
        let mut raw = map(json!({
            "ip": "10.0.0.1", "http_port": 8667, "locale": "de_DE",
            "sip_proxy_ip": "10.0.0.1", "sip_dtmf_mode": "SIP-INFO", "exten_voicemail": "*98",
            "sip_lines": {
                "1": {"username": "a", "number": "1001"},
                "2": {"username": "b", "number": "1002", "proxy_ip": "10.0.0.1", "proxy_port": 5060},
                "3": {"username": "c", "number": "1003", "proxy_ip": "10.0.0.2", "proxy_port": 5070,
                      "dtmf_mode": "RTP-out-of-band"},
                "12": {"username": "d", "number": "1012"},
            },
            "funckeys": {"1": {"type": "speeddial", "value": "1"}},
        }));
        Snom.configure(&dect(), &device("M900"), &mut raw).unwrap();
        assert_eq!(
            raw["XX_servers"],
            json!([
                {"id": 1, "proxy_ip": "10.0.0.1", "proxy_port": "5060", "backup_proxy_ip": null,
                 "backup_proxy_port": null, "XX_outbound": "10.0.0.1:5060;transport=udp",
                 "XX_user_dtmf_info": "sip_info_only", "XX_srtp": "off"},
                {"id": 2, "proxy_ip": "10.0.0.2", "proxy_port": "5070", "backup_proxy_ip": null,
                 "backup_proxy_port": null, "XX_outbound": "10.0.0.2:5070;transport=udp",
                 "XX_user_dtmf_info": "off", "XX_srtp": "off"},
            ])
        );
        let lines = raw["XX_lines"].as_array().unwrap();
        let summary: Vec<(u64, u64, &str, &str)> = lines
            .iter()
            .map(|l| {
                (
                    l["XX_idx"].as_u64().unwrap(),
                    l["XX_server_id"].as_u64().unwrap(),
                    l["XX_ac_code"].as_str().unwrap(),
                    l["voicemail"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [(1, 1, "0001", "*98"), (2, 1, "0002", "*98"), (3, 2, "0003", "*98"), (12, 1, "0012", "*98")]
        );
        assert_eq!(raw["XX_lang"], json!(["Deutsch", "GER"]));
        assert!(!raw.contains_key("XX_fkeys"), "no function keys on a DECT base");

        // Ten servers at most; a line without any proxy is left out.
        let lines: Map = (1..=12)
            .map(|i| (i.to_string(), json!({"username": format!("u{i}"), "proxy_ip": format!("10.0.1.{i}")})))
            .chain([("13".to_owned(), json!({"username": "no proxy"}))])
            .collect();
        let mut raw = base_raw();
        raw.insert("sip_lines".into(), Value::Object(lines));
        Snom.configure(&dect(), &device("M900"), &mut raw).unwrap();
        assert_eq!(raw["XX_servers"].as_array().unwrap().len(), 10);
        assert_eq!(raw["XX_lines"].as_array().unwrap().len(), 10);
    }

    const DEMO_RAW: &str = r#"{
    "ip": "10.0.0.1", "http_port": 8667, "http_base_url": "http://10.0.0.1:8667",
    "ntp_enabled": true, "ntp_ip": "10.0.0.1", "dns_enabled": true, "dns_ip": "10.0.0.53",
    "vlan_enabled": true, "vlan_id": 100, "vlan_priority": 5, "vlan_pc_port_id": 200,
    "syslog_enabled": true, "syslog_ip": "10.0.0.7", "syslog_port": 514, "syslog_level": "warning",
    "admin_username": "admin", "admin_password": "s3cret", "user_username": "user", "user_password": "u5er",
    "timezone": "Europe/Paris", "locale": "fr_FR", "protocol": "SIP",
    "sip_proxy_ip": "10.0.0.1", "sip_proxy_port": 5060, "sip_backup_proxy_ip": "10.0.0.2",
    "sip_dtmf_mode": "RTP-out-of-band", "sip_transport": "udp", "exten_voicemail": "*98",
    "exten_pickup_call": "*8", "exten_park": "700",
    "sip_lines": {
        "1": {"username": "abcd1234", "auth_username": "abcd1234", "password": "p4ss", "display_name": "Alice Doe",
              "number": "1001"},
        "2": {"username": "efgh5678", "password": "p4ss2", "display_name": "Alice 2", "number": "1002",
              "proxy_ip": "10.0.0.3", "proxy_port": 5070}
    },
    "funckeys": {
        "1": {"type": "speeddial", "value": "1234", "label": "Bob"},
        "2": {"type": "blf", "value": "1005", "label": "Carol"},
        "3": {"type": "park", "value": "701", "label": "Park 1"}
    },
    "X_xivo_phonebook_ip": "10.0.0.1", "X_xivo_user_uuid": "0f8c7a9e-0000-4000-8000-000000000001"
    }"#;

    /// Prints the context `configure` builds, for rendering the bundled
    /// templates outside Rust:
    /// `SNOM_MODEL=D785 SNOM_PLUGIN=../plugins/wazo-snom-10.1.54.13 cargo test -p provd-shared
    /// snom::tests::dump_context -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn dump_context() {
        let model = std::env::var("SNOM_MODEL").unwrap_or_else(|_| "D785".into());
        let dir = std::env::var("SNOM_PLUGIN").unwrap_or_else(|_| "../plugins/wazo-snom-10.1.54.13".into());
        let p = crate::plugins::load(std::path::Path::new(&dir)).unwrap();
        let mut raw: Map = serde_json::from_str(DEMO_RAW).unwrap();
        provd_core::config::apply_defaults(&mut raw);
        Snom.configure(&p, &device(&model), &mut raw).unwrap();
        println!("{}", serde_json::to_string_pretty(&raw).unwrap());
    }
}
