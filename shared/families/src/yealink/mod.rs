//! Yealink (T2x/T3x/T4x/T5x desk phones, CP conference phones, W-series
//! DECT bases, AX handsets): identified by the HTTP User-Agent, or without
//! one by the `<mac>.cfg` path; one `<mac>.cfg` per device, no common file.
//!
//! Per-model data comes from the plugin's `plugin-info` `models` entries, so
//! plugin versions (firmware generations) differ by data only:
//!
//! * `version`: the firmware the plugin ships (EXACT association);
//! * `firmware`: the firmware file name (`XX_fw_filename`);
//! * `lines`: SIP accounts; `XX_sip_lines` lists exactly that many (absent:
//!   the configured lines as they are, for DECT managers with hundreds);
//! * `linekeys`, `memorykeys`: programmable keys, numbered in that order;
//! * `expansion_modules`, `expansion_module_keys`: how many modules can be
//!   chained and the keys of each (`expansion_module` names the model);
//! * `handsets: true`: the plugin-level `handsets_fw` table (handset or
//!   dongle firmware, updated over the air) applies (`XX_handsets_fw`).

use std::borrow::Cow;
use std::cell::RefCell;
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
use provd_core::tz::{self, DstChange, DstDay, TimezoneInfo};

pub struct Yealink;

const VENDOR: &str = "Yealink";

/// The User-Agent forms every wazo Yealink plugin generation accepted, as
/// one list: `(model, version, mac)` in groups 1 to 3. `(?-u)` keeps the
/// classes ASCII, so the captures are valid UTF-8 whatever the bytes around.
static UA_PATTERNS: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        // Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37, yealink SIP-T18 ...,
        // Yealink SIP VP-T49G ..., Yealink SIP-CP920 ...
        r"(?-u)^[yY]ealink\s+SIP(?: VP)?-(\w+)\s+([\d.]+)\s+([\da-fA-F:]{17})$",
        // Models announced without "SIP-": DECT bases, conference phones, AX.
        r"(?-u)^[yY]ealink\s+(CP860|CP960|W52P|W60B|W[789][05](?:DM|B)|AX83H?|AX86R)\s+([\d.]+)\s+([\da-fA-F:]{17})$",
        r"(?-u)^(VP530P?|W52P|W60B)\s+([\d.]+)\s+([\da-fA-F:]{17})$",
        // Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0: the third group is a
        // hardware version, which never parses as a MAC.
        r"(?-u)^[yY]ealink-(\w+)\s+([\d.]+)\s+([\d.]+)$",
    ]
    .map(|p| Regex::new(p).unwrap())
});

thread_local! {
    // Reused capture slots: identification runs per request and must not
    // allocate once warm.
    static UA_LOCATIONS: RefCell<Vec<CaptureLocations>> =
        RefCell::new(UA_PATTERNS.iter().map(Regex::capture_locations).collect());
}

/// OUIs whose `/<mac>.cfg` requests are taken for Yealink phones when there
/// is no User-Agent (wazo's v86/v87 list).
const OUIS: [&[u8; 6]; 12] = [
    b"001565", b"e434d7", b"805ec0", b"805e0c", b"249ad8", b"3497d7", b"44dbd2", b"644f56", b"b061a9", b"c4fc22",
    b"ec1da9", b"f01653",
];

/// `locale` -> (`lang.gui`, `voice.tone.country`, handset language index).
const LOCALES: [(&str, [&str; 3]); 6] = [
    ("de_DE", ["German", "Germany", "2"]),
    ("en_US", ["English", "United States", "0"]),
    ("es_ES", ["Spanish", "Spain", "6"]),
    ("fr_FR", ["French", "France", "1"]),
    ("fr_CA", ["French", "United States", "1"]),
    ("it_IT", ["Italian", "Italy", "3"]),
];

/// `account.N.dtmf.type`: 0 in-band, 1 RFC 2833, 2 SIP INFO.
fn dtmf_type(mode: &str) -> Option<&'static str> {
    match mode {
        "RTP-in-band" => Some("0"),
        "RTP-out-of-band" => Some("1"),
        "SIP-INFO" => Some("2"),
        _ => None,
    }
}

/// `account.N.sip_server.M.transport_type`: 0 UDP, 1 TCP, 2 TLS.
fn transport_type(proto: Option<&str>) -> &'static str {
    match proto {
        Some("tcp") => "1",
        Some("tls") => "2",
        _ => "0",
    }
}

/// `account.N.srtp_encryption`: 0 off, 1 optional, 2 compulsory.
fn srtp_encryption(mode: &str) -> Option<u64> {
    match mode {
        "disabled" => Some(0),
        "preferred" => Some(1),
        "required" => Some(2),
        _ => None,
    }
}

/// `static.syslog.level` (0 emergency .. 6 informational).
fn syslog_level(level: &str) -> Option<u64> {
    match level {
        "critical" => Some(2),
        "error" => Some(3),
        "warning" => Some(4),
        "info" | "debug" => Some(6),
        _ => None,
    }
}

/// The text of a scalar JSON value; `None` for null, objects and lists.
fn text(v: &Value) -> Option<Cow<'_, str>> {
    match v {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "1" } else { "0" })),
        _ => None,
    }
}

/// A set, non-null, non-empty raw value.
fn present<'m>(map: &'m Map, key: &str) -> Option<&'m Value> {
    map.get(key).filter(|v| truthy(v))
}

fn ascii(b: &[u8]) -> Option<&str> {
    std::str::from_utf8(b).ok()
}

/// `^[yY]ealink`: the prefix of patterns 0, 1 and 3.
fn starts_with_yealink(ua: &[u8]) -> bool {
    ua.len() >= 7 && matches!(ua[0], b'y' | b'Y') && ua[1..7] == *b"ealink"
}

/// `^(VP530|W52P|W60B)`: the prefix of pattern 2.
fn starts_with_bare_model(ua: &[u8]) -> bool {
    ua.starts_with(b"VP530") || ua.starts_with(b"W52P") || ua.starts_with(b"W60B")
}

/// Whether `UA_PATTERNS[i]` can match `ua`, by its anchored literal prefix:
/// every request's User-Agent is offered to every family, and a failing
/// regex search costs more than these comparisons.
const UA_PREFILTERS: [fn(&[u8]) -> bool; 4] =
    [starts_with_yealink, starts_with_yealink, starts_with_bare_model, starts_with_yealink];

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    UA_PATTERNS.iter().zip(UA_PREFILTERS).collect()
}

/// `UA_PATTERNS[0]`, the form nearly every Yealink phone sends, matched by
/// hand: each part's class is disjoint from the next part's, so the one
/// possible match takes maximal runs, and a linear scan finds exactly what
/// the regex finds (tested on the identification vectors, mutations of them
/// and random bytes). It runs on every Yealink request; the regex cost more
/// than the rest of the extraction.
fn sip_form(ua: &[u8]) -> Option<crate::Spans> {
    // `(?-u)` classes: `\s`, `\w`, `[\d.]`, `[\da-fA-F:]`.
    let space = |c: u8| matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let version = |c: u8| c.is_ascii_digit() || c == b'.';
    let run = |from: usize, class: &dyn Fn(u8) -> bool| {
        let to = from + ua[from..].iter().take_while(|&&c| class(c)).count();
        (to > from).then_some(to)
    };
    if !starts_with_yealink(ua) {
        return None;
    }
    let mut i = run(7, &space)?;
    i += ua[i..].strip_prefix(b"SIP")?.strip_prefix(b" VP").map_or(3, |_| 6);
    if ua.get(i) != Some(&b'-') {
        return None;
    }
    let model = (i + 1, run(i + 1, &word)?);
    let at = run(model.1, &space)?;
    let ver = (at, run(at, &version)?);
    let at = run(ver.1, &space)?;
    let mac = &ua[at..];
    (mac.len() == 17 && mac.iter().all(|c| c.is_ascii_hexdigit() || *c == b':')).then_some([model, ver, (at, ua.len())])
}

#[cfg(test)]
pub(crate) fn exact_captures() -> Vec<crate::CaptureRule> {
    vec![(&UA_PATTERNS[0], sip_form)]
}

fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    if !starts_with_yealink(ua) && !starts_with_bare_model(ua) {
        return None;
    }
    let info = |[model, ver, mac]: crate::Spans| {
        let group = |(s, e): (usize, usize)| &ua[s..e];
        DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: ascii(group(model)).map(Cow::Borrowed),
            version: ascii(group(ver)).map(Cow::Borrowed),
            // A MAC that does not normalise is dropped; the rest stays.
            mac: Mac::parse_bytes(group(mac)).ok(),
            ..DeviceInfo::default()
        }
    };
    if let Some(spans) = sip_form(ua) {
        return Some(info(spans));
    }
    UA_LOCATIONS.with_borrow_mut(|all| {
        let rest = UA_PATTERNS.iter().zip(UA_PREFILTERS).zip(all.iter_mut()).skip(1);
        for ((re, may_match), locs) in rest {
            if !may_match(ua) || re.captures_read(locs, ua).is_none() {
                continue;
            }
            // Every pattern has the three groups, and they take part in
            // every match.
            let spans = [1, 2, 3].map(|g| locs.get(g).unwrap_or((0, 0)));
            return Some(info(spans));
        }
        None
    })
}

fn extract_path(path: &[u8]) -> Option<DeviceInfo<'static>> {
    let path = path.split(|&b| b == b'?').next().unwrap_or(path);
    if path == b"/y000000000025.cfg" {
        return Some(DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: Some(Cow::Borrowed("W52P")),
            ..DeviceInfo::default()
        });
    }
    let hex = path.strip_prefix(b"/")?.strip_suffix(b".cfg")?;
    if hex.len() != 12 || !OUIS.iter().any(|oui| hex[..6].eq_ignore_ascii_case(&oui[..])) {
        return None;
    }
    let mac = Mac::parse_bytes(hex).ok()?;
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), mac: Some(mac), ..DeviceInfo::default() })
}

impl Family for Yealink {
    fn id(&self) -> &'static str {
        "yealink"
    }

    /// Yealink `key = value` lines.
    fn syntax(&self) -> Syntax {
        Syntax::Lines
    }

    fn markup_keys(&self) -> &'static [&'static str] {
        &["XX_fkeys", "XX_timezone"]
    }

    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>> {
        match *request {
            Request::Http { user_agent: Some(ua), .. } if !ua.is_empty() => extract_ua(ua),
            Request::Http { path, .. } => extract_path(path),
            Request::Tftp { .. } | Request::Dhcp { .. } => None,
        }
    }

    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score {
        let Some(vendor) = info.vendor.as_deref() else {
            return UNKNOWN;
        };
        if vendor != VENDOR {
            return IMPROBABLE;
        }
        match info.model.as_deref().and_then(|m| plugin.model(m)) {
            Some(model) => match (info.version.as_deref(), model.version.as_deref()) {
                (Some(got), Some(shipped)) if got == shipped => EXACT,
                _ => COMPLETE,
            },
            None => PROBABLE,
        }
    }

    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError> {
        if raw.get("http_port").is_none_or(Value::is_null) {
            return Err(ConfigureError::MissingParameter("http_port"));
        }
        let mac = device.mac.ok_or(ConfigureError::MissingDeviceField("mac"))?;
        let model = device.model.as_deref().and_then(|m| plugin.model(m));

        let fkeys = function_keys(&KeyLayout::of(model), raw);
        raw.insert("XX_fkeys".into(), Value::from(fkeys));
        add_locale(raw);
        if let Some(lines) = raw.get("timezone").and_then(Value::as_str).and_then(|z| TIMEZONE_LINES.get(z)) {
            // An unknown zone leaves the phone's own setting alone.
            raw.insert("XX_timezone".into(), Value::from(lines));
        }
        let transport = transport_type(raw.get("sip_transport").and_then(Value::as_str));
        raw.insert("XX_sip_transport".into(), Value::from(transport));
        update_sip_lines(raw);
        add_xx_sip_lines(model, raw);
        if let Some(url) = helpers::phonebook_url(raw, "yealink", "lookup", "", "term=#SEARCH") {
            raw.insert("XX_xivo_phonebook_url".into(), Value::from(url));
        }
        helpers::add_phoned_user_service_urls(raw, "yealink", "dnd");
        helpers::add_server_url(raw);
        add_firmware(plugin, model, raw);
        if let Some(level) = raw.get("syslog_level").and_then(Value::as_str).and_then(syslog_level) {
            raw.insert("XX_syslog_level".into(), Value::from(level));
        }
        raw.insert("XX_options".into(), Value::Object(device.options.clone().unwrap_or_default()));
        Ok(vec![DeviceFile::template(format!("{}.cfg", mac.lower_hex()))])
    }

    fn is_sensitive(&self, basename: &[u8]) -> bool {
        // `^[0-9a-f]{12}\.cfg`, unanchored at the end as in wazo.
        basename.len() >= 16
            && basename[..12].iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            && &basename[12..16] == b".cfg"
    }

    fn remote_state_trigger(&self, device: &Device) -> Option<String> {
        device.mac.map(|mac| format!("{}.cfg", mac.lower_hex()))
    }

    fn is_remote_state_trigger(&self, mac: Option<Mac>, _model: Option<&str>, basename: &[u8]) -> bool {
        mac.is_some_and(|m| mac_file_matches(m, false, b".cfg", basename))
    }
}

fn add_locale(raw: &mut Map) {
    let Some(locale) = raw.get("locale").and_then(Value::as_str) else {
        return;
    };
    if let Some((_, [lang, country, handset])) = LOCALES.iter().find(|(l, _)| *l == locale) {
        raw.insert("XX_lang".into(), Value::from(*lang));
        raw.insert("XX_country".into(), Value::from(*country));
        raw.insert("XX_handset_lang".into(), Value::from(*handset));
    }
}

static TIMEZONE_LINES: tz::PerZone<String> = tz::PerZone::new(timezone_lines);

/// The `local_time.*` lines for a zone. Yealink takes the standard offset
/// as `+h` or `+h:mm`, within -11..+12.
fn timezone_lines(tz: &TimezoneInfo) -> String {
    let offset = tz.utc_offset.clamp(-11 * 3600, 12 * 3600);
    let sign = if offset < 0 { '-' } else { '+' };
    let (hours, minutes) = (offset.unsigned_abs() / 3600, offset.unsigned_abs() % 3600 / 60);
    let mut out = if minutes == 0 {
        format!("local_time.time_zone = {sign}{hours}\n")
    } else {
        format!("local_time.time_zone = {sign}{hours}:{minutes:02}\n")
    };
    match &tz.dst {
        None => out.push_str("local_time.summer_time = 0"),
        Some(dst) => {
            let by_date = !matches!(dst.start.day, DstDay::Weekday { .. });
            let _ = write!(
                out,
                "local_time.summer_time = 1\nlocal_time.dst_time_type = {}\nlocal_time.start_time = {}\n\
                 local_time.end_time = {}\nlocal_time.offset_time = {}",
                if by_date { 0 } else { 1 },
                dst_change(&dst.start),
                dst_change(&dst.end),
                dst.save / 60,
            );
        }
    }
    out
}

/// `month/week/weekday/hour` (week 5 = last, Monday = 1 .. Sunday = 7) or,
/// for day-of-year rules, `MM/DD/HH`. Yealink wants an hour in 0..=23, so a
/// POSIX time outside the day (`/-1`, `/24`) moves the weekday or date;
/// near a month's edge the week can then be off by one, which no Yealink
/// rule can express anyway.
fn dst_change(change: &DstChange) -> String {
    let days = change.time.div_euclid(86_400);
    let hour = change.time.rem_euclid(86_400) / 3600;
    match change.day {
        DstDay::Weekday { week, weekday } => {
            let weekday = (i32::from(weekday) + days).rem_euclid(7) as u8;
            format!("{}/{week}/{}/{hour}", change.month, DstDay::weekday_monday_first(weekday))
        }
        DstDay::Julian(n) => month_day(i32::from(n) - 1 + days, hour),
        DstDay::ZeroJulian(n) => month_day(i32::from(n) + days, hour),
    }
}

/// `MM/DD/HH` for a zero-based day of a non-leap year.
fn month_day(day0: i32, hour: i32) -> String {
    const LENGTHS: [i32; 12] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let mut day = day0.clamp(0, 364);
    let mut month = 1;
    for len in LENGTHS {
        if day < len {
            break;
        }
        day -= len;
        month += 1;
    }
    format!("{month:02}/{:02}/{hour:02}", day + 1)
}

/// Fills each SIP line with what the templates need: line number, DTMF and
/// SRTP codes, voicemail and server defaults from the global keys, and the
/// DECT server template it uses (`XX_templates`, `XX_template_id`).
fn update_sip_lines(raw: &mut Map) {
    let global = |k: &str| present(raw, k).cloned();
    let defaults = [
        ("voicemail", global("exten_voicemail")),
        ("proxy_ip", global("sip_proxy_ip")),
        ("proxy_port", global("sip_proxy_port")),
        ("backup_proxy_ip", global("sip_backup_proxy_ip")),
        ("backup_proxy_port", global("sip_backup_proxy_port")),
        ("outbound_proxy_ip", global("sip_outbound_proxy_ip")),
        ("outbound_proxy_port", global("sip_outbound_proxy_port")),
    ];
    let dtmf_mode = raw.get("sip_dtmf_mode").and_then(Value::as_str).map(str::to_owned);
    let srtp_mode = raw.get("sip_srtp_mode").and_then(Value::as_str).map(str::to_owned);
    let tls = raw.get("sip_transport").and_then(Value::as_str) == Some("tls");
    let Some(Value::Object(lines)) = raw.get_mut("sip_lines") else {
        raw.insert("XX_templates".into(), Value::Object(Map::new()));
        return;
    };
    let mut templates = Map::new();
    for (line_no, line) in lines.iter_mut() {
        let Value::Object(line) = line else { continue };
        if let Ok(n) = line_no.parse::<u64>() {
            line.insert("XX_line_no".into(), Value::from(n));
        }
        let dtmf = line.get("dtmf_mode").and_then(Value::as_str).filter(|m| !m.is_empty()).or(dtmf_mode.as_deref());
        if let Some(code) = dtmf.and_then(dtmf_type) {
            line.insert("XX_dtmf_type".into(), Value::from(code));
        }
        // A line with a proxy of its own does not fail over to the global backup.
        let own_proxy = line.get("proxy_ip").is_some_and(|v| !v.is_null());
        for (key, default) in &defaults {
            let Some(default) = default else { continue };
            if own_proxy && key.starts_with("backup_") {
                continue;
            }
            if line.get(*key).is_none_or(Value::is_null) {
                line.insert((*key).into(), default.clone());
            }
        }
        let srtp = line.get("srtp_mode").and_then(Value::as_str).or(srtp_mode.as_deref()).and_then(srtp_encryption);
        // TLS signalling without SRTP media would leak the audio (wazo forces
        // it too); the autoprov line has no usable keys, so it stays off.
        let autoprov = line.get("number").and_then(Value::as_str) == Some("autoprov");
        let srtp = if tls && !autoprov { 2 } else { srtp.unwrap_or(0) };
        line.insert("XX_srtp_encryption".into(), Value::from(srtp));

        let server = |k: &str| line.get(k).and_then(text).map(Cow::into_owned);
        let (ip, port) = (server("proxy_ip"), server("proxy_port"));
        let existing = templates.values().find_map(|t: &Value| {
            let same = t.get("proxy_ip").and_then(text).map(Cow::into_owned) == ip
                && t.get("proxy_port").and_then(text).map(Cow::into_owned) == port;
            same.then(|| t["id"].clone())
        });
        let id = match existing {
            Some(id) => id,
            None => {
                let id = Value::from(templates.len() + 1);
                let mut t = Map::new();
                t.insert("id".into(), id.clone());
                for k in ["proxy_ip", "proxy_port", "backup_proxy_ip", "backup_proxy_port"] {
                    t.insert(k.into(), line.get(k).cloned().unwrap_or(Value::Null));
                }
                templates.insert((templates.len() + 1).to_string(), Value::Object(t));
                id
            }
        };
        line.insert("XX_template_id".into(), id);
    }
    raw.insert("XX_templates".into(), Value::Object(templates));
}

/// `XX_sip_lines`: accounts `1..=lines` of the model, `null` where no line
/// is configured (so the template can disable stale accounts); the
/// configured lines as they are when the model's count is unknown.
fn add_xx_sip_lines(model: Option<&ModelInfo>, raw: &mut Map) {
    let sip_lines = raw.get("sip_lines").and_then(Value::as_object);
    let xx = match model.and_then(|m| m.get_u64("lines")).filter(|&n| n > 0) {
        Some(n) => {
            let n = n.min(1024);
            let lines = helpers::by_number(sip_lines, n);
            (1..=n).map(|i| (i.to_string(), lines[i as usize].cloned().unwrap_or(Value::Null))).collect()
        }
        None => sip_lines.cloned().unwrap_or_default(),
    };
    raw.insert("XX_sip_lines".into(), Value::Object(xx));
}

fn add_firmware(plugin: &Plugin, model: Option<&ModelInfo>, raw: &mut Map) {
    let Some(model) = model else { return };
    if let Some(fw) = model.get_str("firmware").filter(|f| !f.is_empty()) {
        raw.insert("XX_fw_filename".into(), Value::from(fw));
    }
    let handsets = model.extra.get("handsets").is_some_and(truthy);
    if let Some(Value::Object(fw)) = plugin.info.extra.get("handsets_fw").filter(|_| handsets) {
        raw.insert("XX_handsets_fw".into(), Value::Object(fw.clone()));
    }
}

/// Where function keys land on a model: line keys, then memory keys, then
/// the keys of each chained expansion module.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct KeyLayout {
    linekeys: u64,
    memorykeys: u64,
    modules: u64,
    module_keys: u64,
}

impl KeyLayout {
    fn of(model: Option<&ModelInfo>) -> KeyLayout {
        let Some(m) = model else {
            return KeyLayout::default();
        };
        let get = |k| m.get_u64(k).unwrap_or(0).min(1024);
        KeyLayout {
            linekeys: get("linekeys"),
            memorykeys: get("memorykeys"),
            modules: get("expansion_modules"),
            module_keys: get("expansion_module_keys"),
        }
    }

    fn onboard(&self) -> u64 {
        self.linekeys + self.memorykeys
    }

    /// The module (1-based) function key `n` lands on, if any.
    fn module_of(&self, n: u64) -> Option<u64> {
        let first = self.onboard() + 1;
        let last = self.onboard() + self.modules * self.module_keys;
        (self.module_keys > 0 && (first..=last).contains(&n)).then(|| (n - first) / self.module_keys + 1)
    }

    fn prefix(&self, n: u64, out: &mut String) {
        let _ = if n <= self.linekeys {
            write!(out, "linekey.{n}")
        } else if n <= self.onboard() {
            write!(out, "memorykey.{}", n - self.linekeys)
        } else {
            let k = n - self.onboard() - 1;
            write!(out, "expansion_module.{}.key.{}", k / self.module_keys + 1, k % self.module_keys + 1)
        };
    }
}

/// One `<prefix>.<field> = <value>` line. The value is escaped for lines
/// (a line break in it would start a new setting).
fn setting(out: &mut String, prefix: &str, field: &str, value: &str) {
    out.push_str(prefix);
    out.push('.');
    out.push_str(field);
    out.push_str(" = ");
    Syntax::Lines.push_escaped(out, value);
    out.push('\n');
}

/// `XX_fkeys`: every line key (and memory key) of the model, configured or
/// reset, then expansion-module keys.
///
/// wazo writes all 6x40 or 3x60 module keys of every capable model, reset
/// or not: 720 to 960 lines per file that almost nobody uses. Here a module
/// is written only up to the last module a configured function key lands
/// on, each such module in full (so keys removed from it are reset). The
/// cost: a phone whose last module key is removed keeps that module's old
/// keys until a module key is configured again or the phone is reset.
fn function_keys(layout: &KeyLayout, raw: &Map) -> String {
    let funckeys = raw.get("funckeys").and_then(Value::as_object);
    let sip_lines = raw.get("sip_lines").and_then(Value::as_object);
    let pickup = present(raw, "exten_pickup_call").and_then(text);
    let park = present(raw, "exten_park").and_then(text);
    let modules_used = funckeys
        .into_iter()
        .flat_map(|f| f.keys())
        .filter_map(|k| k.parse::<u64>().ok())
        .filter_map(|n| layout.module_of(n))
        .max()
        .unwrap_or(0);
    let total = layout.onboard() + modules_used * layout.module_keys;
    let funckeys = helpers::by_number(funckeys, total);
    let sip_lines = helpers::by_number(sip_lines, total);

    let mut out = String::with_capacity(total as usize * 110);
    let mut prefix = String::with_capacity(32);
    let mut key_no = String::new();
    for n in 1..=total {
        prefix.clear();
        layout.prefix(n, &mut prefix);
        let funckey = funckeys[n as usize].and_then(Value::as_object);
        let Some(fk) = funckey else {
            match sip_lines[n as usize].and_then(Value::as_object) {
                // An unconfigured key whose number is a SIP line shows that line.
                Some(line) => {
                    let number = line.get("number").and_then(text).unwrap_or(Cow::Borrowed("%NULL%"));
                    key_no.clear();
                    let _ = write!(key_no, "{n}");
                    setting(&mut out, &prefix, "type", "15");
                    setting(&mut out, &prefix, "line", &key_no);
                    setting(&mut out, &prefix, "value", &number);
                    setting(&mut out, &prefix, "label", &number);
                }
                None => null_key(&mut out, &prefix),
            }
            continue;
        };
        let value = fk.get("value").and_then(text).filter(|v| !v.is_empty());
        let (ty, value) = match (fk.get("type").and_then(Value::as_str), value) {
            (Some("speeddial"), Some(v)) if v == "*3" => ("11", v),
            (Some("speeddial"), Some(v)) => ("13", v),
            (Some("blf"), Some(v)) => ("16", v),
            (Some("park"), v) => match v.or_else(|| park.clone()) {
                Some(v) => ("10", v),
                None => {
                    null_key(&mut out, &prefix);
                    continue;
                }
            },
            // Unknown types and keys without a value reset the key.
            _ => {
                null_key(&mut out, &prefix);
                continue;
            }
        };
        let line = fk.get("line").and_then(text).unwrap_or(Cow::Borrowed("1"));
        let label = fk.get("label").and_then(text).unwrap_or_default();
        setting(&mut out, &prefix, "type", ty);
        setting(&mut out, &prefix, "line", &line);
        setting(&mut out, &prefix, "value", &value);
        setting(&mut out, &prefix, "label", &label);
        if let Some(pickup) = pickup.as_deref().filter(|_| ty == "16") {
            setting(&mut out, &prefix, "extension", pickup);
        }
    }
    out
}

fn null_key(out: &mut String, prefix: &str) {
    setting(out, prefix, "type", "0");
    for field in ["line", "value", "label"] {
        setting(out, prefix, field, "%NULL%");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_core::plugin::PluginInfo;
    use serde_json::json;

    fn http_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
        Yealink.extract(&Request::Http { path: b"/", user_agent: Some(ua) })
    }

    fn http_path(path: &[u8]) -> Option<DeviceInfo<'_>> {
        Yealink.extract(&Request::Http { path, user_agent: None })
    }

    fn mac(s: &str) -> Mac {
        Mac::parse(s).unwrap()
    }

    /// The Yealink rows of the shared identification vectors, copied as
    /// they are (tab-separated: protocol, input, vendor, model, version,
    /// mac; an empty field is "not extracted").
    const VECTORS: &str = "\
http-ua\tyealink SIP-T18 18.0.0.80 00:15:65:27:3e:05\tYealink\tT18\t18.0.0.80\t00:15:65:27:3e:05
http-ua\tYealink SIP-T21P 34.72.0.1 00:15:65:4c:4c:26\tYealink\tT21P\t34.72.0.1\t00:15:65:4c:4c:26
http-ua\tYealink SIP-T22P 7.72.0.30 00:15:65:39:31:fc\tYealink\tT22P\t7.72.0.30\t00:15:65:39:31:fc
http-ua\tYealink SIP-T23G 44.80.0.60 00:15:65:93:70:f2\tYealink\tT23G\t44.80.0.60\t00:15:65:93:70:f2
http-ua\tYealink SIP-T26P 6.72.0.30 00:15:65:4b:57:d2\tYealink\tT26P\t6.72.0.30\t00:15:65:4b:57:d2
http-ua\tYealink SIP-T27P 45.80.0.25 00:15:65:8c:48:12\tYealink\tT27P\t45.80.0.25\t00:15:65:8c:48:12
http-ua\tYealink SIP-T40P 54.80.0.10 00:15:65:94:86:64\tYealink\tT40P\t54.80.0.10\t00:15:65:94:86:64
http-ua\tYealink SIP-T41P 36.72.0.1 00:15:65:53:83:22\tYealink\tT41P\t36.72.0.1\t00:15:65:53:83:22
http-ua\tYealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37\tYealink\tT46G\t28.72.0.1\t00:15:65:4a:a9:37
http-ua\tYealink SIP-T48G 35.72.0.6 00:15:65:5c:60:82\tYealink\tT48G\t35.72.0.6\t00:15:65:5c:60:82
http-ua\tYealink SIP VP-T49G 51.80.0.10 00:15:65:9b:5a:44\tYealink\tT49G\t51.80.0.10\t00:15:65:9b:5a:44
http-ua\tYealink W52P 25.80.0.15 00:15:65:b8:60:05\tYealink\tW52P\t25.80.0.15\t00:15:65:b8:60:05
http-ua\tYealink-T46G 28.71.0.81 28.1.0.128.0.0.0\tYealink\tT46G\t28.71.0.81\t
http-ua\tVP530P 23.70.0.40 00:15:65:31:4b:c0\tYealink\tVP530P\t23.70.0.40\t00:15:65:31:4b:c0
http-ua\tYealink CP960 73.83.0.30 00:15:65:8a:37:86\tYealink\tCP960\t73.83.0.30\t00:15:65:8a:37:86
http-ua\tYealink SIP-T42G 29.83.0.120 00:15:65:4c:3b:b0\tYealink\tT42G\t29.83.0.120\t00:15:65:4c:3b:b0
http-ua\tYealink SIP-T58A 58.83.0.15 00:15:65:9b:5b:22\tYealink\tT58A\t58.83.0.15\t00:15:65:9b:5b:22
http-ua\tYealink W80B 103.83.0.90 80:5e:c0:71:01:38\tYealink\tW80B\t103.83.0.90\t80:5e:c0:71:01:38
http-ua\tYealink SIP-T31G 124.85.257.55 80:5e:c0:d5:7d:72\tYealink\tT31G\t124.85.257.55\t80:5e:c0:d5:7d:72
http-ua\tYealink W90DM 130.85.0.15 80:5e:c0:d9:c7:44\tYealink\tW90DM\t130.85.0.15\t80:5e:c0:d9:c7:44
http-ua\tYealink W70B 146.85.0.5 80:5e:0c:1d:65:4e\tYealink\tW70B\t146.85.0.5\t80:5e:0c:1d:65:4e
http-ua\tYealink W70B 146.87.0.15 80:5e:0c:1d:65:4e\tYealink\tW70B\t146.87.0.15\t80:5e:0c:1d:65:4e
http-ua\tYealink W75B 175.87.0.10 24:9a:d8:df:fb:11\tYealink\tW75B\t175.87.0.10\t24:9a:d8:df:fb:11
http-ua\tYealink SIP-CP920 78.85.0.5 00:15:65:5e:16:7c\tYealink\tCP920\t78.85.0.5\t00:15:65:5e:16:7c
http-ua\tYealink SIP-T20P 9.72.0.30 00:15:6525ef16a7c\tYealink\tT20P\t9.72.0.30\t
http-path\t/805ec0123456.cfg\tYealink\t\t\t80:5e:c0:12:34:56
";

    #[test]
    fn identification_vectors() {
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        for row in VECTORS.lines() {
            let [proto, input, vendor, model, version, mac_s]: [&str; 6] =
                row.split('\t').collect::<Vec<_>>().try_into().unwrap();
            let got = match proto {
                "http-ua" => http_ua(input.as_bytes()),
                "http-path" => http_path(input.as_bytes()),
                other => panic!("unexpected protocol {other}"),
            }
            .unwrap_or_else(|| panic!("{input}: nothing extracted"));
            assert_eq!(got.vendor.as_deref().map(str::to_owned), opt(vendor), "{input}");
            assert_eq!(got.model.as_deref().map(str::to_owned), opt(model), "{input}");
            assert_eq!(got.version.as_deref().map(str::to_owned), opt(version), "{input}");
            assert_eq!(got.mac, opt(mac_s).map(|m| mac(&m)), "{input}");
            assert_eq!((got.sn, got.uuid), (None, None), "{input}");
        }
        assert_eq!(VECTORS.lines().count(), 26);
    }

    #[test]
    fn other_user_agent_forms() {
        let cases: &[(&str, &str, &str)] = &[
            ("Yealink SIP-T34W 124.86.0.75 24:9a:d8:88:d0:f4", "T34W", "124.86.0.75"),
            ("Yealink SIP-T21P_E2 52.80.0.3 00:15:65:4c:4c:26", "T21P_E2", "52.80.0.3"),
            ("Yealink W60B 77.81.0.35 80:5e:c0:09:ab:dc", "W60B", "77.81.0.35"),
            ("W60B 77.81.0.35 80:5e:c0:09:ab:dc", "W60B", "77.81.0.35"),
            ("W52P 25.73.0.40 00:15:65:b8:60:05", "W52P", "25.73.0.40"),
            ("VP530 23.70.0.40 00:15:65:31:4b:c0", "VP530", "23.70.0.40"),
            ("Yealink W80DM 103.83.0.122 24:9a:d8:d1:a6:31", "W80DM", "103.83.0.122"),
            ("Yealink W90B 130.85.0.44 24:9a:d8:d1:a6:31", "W90B", "130.85.0.44"),
            ("Yealink W75DM 175.85.0.5 24:9a:d8:df:fb:11", "W75DM", "175.85.0.5"),
            ("Yealink CP860 37.72.0.5 00:15:65:8a:37:86", "CP860", "37.72.0.5"),
            ("Yealink AX83H 180.86.0.5 44:db:d2:01:02:03", "AX83H", "180.86.0.5"),
            ("Yealink AX86R 180.87.0.15 44:db:d2:01:02:03", "AX86R", "180.87.0.15"),
        ];
        for &(ua, model, version) in cases {
            let got = http_ua(ua.as_bytes()).unwrap_or_else(|| panic!("{ua}"));
            assert_eq!((got.model.as_deref(), got.version.as_deref()), (Some(model), Some(version)), "{ua}");
            assert!(got.mac.is_some(), "{ua}");
        }
        for ua in [
            "Mozilla/5.0 Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37",
            "Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37 extra",
            "Yealink W52B 25.80.0.15 00:15:65:b8:60:05",
            "Aastra6731i MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP",
            "Yealink",
        ] {
            assert_eq!(http_ua(ua.as_bytes()), None, "{ua}");
        }
    }

    #[test]
    fn non_ascii_user_agents_never_panic() {
        // The captures stay ASCII; other bytes only make the UA not match.
        assert_eq!(http_ua(b"Yealink SIP-T46\xffG 28.72.0.1 00:15:65:4a:a9:37"), None);
        assert_eq!(http_ua("Yealink SIP-Té6G 28.72.0.1 00:15:65:4a:a9:37".as_bytes()), None);
        assert_eq!(http_ua(b"\xff\xfe\x00"), None);
        assert_eq!(http_ua(b"Yealink\xa0SIP-T46G 28.72.0.1 00:15:65:4a:a9:37"), None);
        let got = http_ua(b"Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37").unwrap();
        assert!(matches!(got.model, Some(Cow::Borrowed("T46G"))), "borrowed from the request");
    }

    #[test]
    fn path_without_user_agent() {
        for (path, expected) in [
            ("/001565123456.cfg", "00:15:65:12:34:56"),
            ("/e434d7123456.cfg", "e4:34:d7:12:34:56"),
            ("/805e0c123456.cfg", "80:5e:0c:12:34:56"),
            ("/249ad8123456.cfg", "24:9a:d8:12:34:56"),
            ("/44dbd2ABCDEF.cfg", "44:db:d2:ab:cd:ef"),
            ("/f01653123456.cfg?x=1", "f0:16:53:12:34:56"),
        ] {
            let got = http_path(path.as_bytes()).unwrap_or_else(|| panic!("{path}"));
            assert_eq!(
                got,
                DeviceInfo { vendor: Some("Yealink".into()), mac: Some(mac(expected)), ..Default::default() }
            );
        }
        let w52p = http_path(b"/y000000000025.cfg").unwrap();
        assert_eq!((w52p.vendor.as_deref(), w52p.model.as_deref(), w52p.mac), (Some("Yealink"), Some("W52P"), None));
        for path in [
            "/000b82123456.cfg",
            "/e434d7jabd",
            "/e434d7zz3456.cfg",
            "/001565123456.boot",
            "/y000000000000.cfg",
            "/dir/001565123456.cfg",
            "/",
            "",
        ] {
            assert_eq!(http_path(path.as_bytes()), None, "{path}");
        }
        // An empty User-Agent counts as none.
        let req = Request::Http { path: b"/001565123456.cfg", user_agent: Some(b"") };
        assert!(Yealink.extract(&req).is_some());
        // A User-Agent wins over the path.
        let req = Request::Http { path: b"/001565123456.cfg", user_agent: Some(b"curl/8.0") };
        assert_eq!(Yealink.extract(&req), None);
        assert_eq!(Yealink.extract(&Request::Tftp { filename: b"001565123456.cfg" }), None);
        assert_eq!(Yealink.extract(&Request::Dhcp { vendor_class: b"yealink" }), None);
    }

    fn plugin(models: Value, extra: Value) -> Plugin {
        let mut info = json!({"version": "1.0.0", "description": "test", "family": "yealink", "models": models});
        if let (Value::Object(i), Value::Object(e)) = (&mut info, extra) {
            i.extend(e);
        }
        Plugin {
            id: "wazo-yealink-test".into(),
            dir: "/nonexistent".into(),
            info: serde_json::from_value::<PluginInfo>(info).unwrap(),
            family: &Yealink,
        }
    }

    fn test_plugin() -> Plugin {
        plugin(
            json!({
                "T33G": {"version": "124.86.0.75", "lines": 4, "linekeys": 12,
                         "firmware": "T31(T30,T30P,T31G,T31P,T33P,T33G)-124.86.0.75.rom"},
                "T46S": {"version": "66.86.0.15", "lines": 16, "linekeys": 27, "expansion_module": "EXP40",
                         "expansion_modules": 6, "expansion_module_keys": 40},
                "T54W": {"version": "96.86.0.45", "lines": 16, "linekeys": 27, "handsets": true},
                "W90DM": {"version": "130.85.0.44", "handsets": true},
                "M1": {"version": "1.0", "linekeys": 2, "memorykeys": 2, "expansion_modules": 2,
                       "expansion_module_keys": 3}
            }),
            json!({"handsets_fw": {"w56h": "W56H-61.85.0.20.rom"}}),
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
    fn association() {
        let p = test_plugin();
        let score = |v, m, ver| Yealink.associate(&p, &info(v, m, ver));
        assert_eq!(score(Some("Yealink"), Some("T33G"), Some("124.86.0.75")), EXACT);
        assert_eq!(score(Some("Yealink"), Some("T33G"), Some("124.85.0.40")), COMPLETE);
        assert_eq!(score(Some("Yealink"), Some("T33G"), None), COMPLETE);
        assert_eq!(score(Some("Yealink"), Some("T99X"), Some("1.0")), PROBABLE);
        assert_eq!(score(Some("Yealink"), None, None), PROBABLE);
        assert_eq!(score(Some("DoesNotMatch"), Some("NothingPhone"), Some("1.2.3")), IMPROBABLE);
        assert_eq!(score(Some(""), Some(""), Some("")), IMPROBABLE);
        assert_eq!(score(None, Some("T33G"), Some("124.86.0.75")), UNKNOWN);
        // A model entry without a version is never an exact match.
        let bare = plugin(json!({"T33G": {}}), json!({}));
        assert_eq!(Yealink.associate(&bare, &info(Some("Yealink"), Some("T33G"), None)), COMPLETE);
    }

    #[test]
    fn files_sensitivity_and_trigger() {
        let device = Device { mac: Some(mac("80:5e:c0:d5:7d:72")), ..Default::default() };
        assert_eq!(Yealink.remote_state_trigger(&device).as_deref(), Some("805ec0d57d72.cfg"));
        assert_eq!(Yealink.remote_state_trigger(&Device::default()), None);
        assert!(Yealink.is_sensitive(b"805ec0d57d72.cfg"));
        assert!(Yealink.is_sensitive(b"805ec0d57d72.cfg.bak"), "no end anchor, as wazo");
        assert!(!Yealink.is_sensitive(b"805EC0D57D72.cfg"));
        assert!(!Yealink.is_sensitive(b"patate"));
        assert!(!Yealink.is_sensitive(b"y000000000000.cfg"));
        assert!(!Yealink.is_sensitive(b""));
        assert_eq!(Yealink.sync_notify(&device), Some(SyncNotify::CHECK_SYNC));
    }

    fn map(v: Value) -> Map {
        v.as_object().unwrap().clone()
    }

    fn device(model: &str) -> Device {
        Device {
            mac: Some(mac("80:5e:c0:d5:7d:72")),
            vendor: Some("Yealink".into()),
            model: Some(model.into()),
            ..Default::default()
        }
    }

    #[test]
    fn configure_requires_http_port_and_mac() {
        let p = test_plugin();
        let mut raw = map(json!({"sip_lines": {}}));
        assert_eq!(
            Yealink.configure(&p, &device("T33G"), &mut raw),
            Err(ConfigureError::MissingParameter("http_port"))
        );
        let mut raw = map(json!({"http_port": 8667}));
        assert_eq!(Yealink.configure(&p, &Device::default(), &mut raw), Err(ConfigureError::MissingDeviceField("mac")));
        let mut raw = map(json!({"http_port": "8667", "ip": "10.0.0.1"}));
        let files = Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        assert_eq!(files, vec![DeviceFile::template("805ec0d57d72.cfg")]);
        assert_eq!(raw["XX_server_url"], "http://10.0.0.1:8667");
        assert_eq!(raw["XX_sip_transport"], "0");
        assert_eq!(raw["XX_options"], json!({}));
        assert_eq!(raw["XX_fw_filename"], "T31(T30,T30P,T31G,T31P,T33P,T33G)-124.86.0.75.rom");
    }

    fn zone(name: &str) -> String {
        timezone_lines(&tz::timezone_info(name).unwrap())
    }

    #[test]
    fn timezones() {
        assert_eq!(
            zone("America/Montreal"),
            "local_time.time_zone = -5\nlocal_time.summer_time = 1\nlocal_time.dst_time_type = 1\n\
             local_time.start_time = 3/2/7/2\nlocal_time.end_time = 11/1/7/2\nlocal_time.offset_time = 60"
        );
        assert_eq!(zone("America/Regina"), "local_time.time_zone = -6\nlocal_time.summer_time = 0");
        assert_eq!(zone("Asia/Kolkata"), "local_time.time_zone = +5:30\nlocal_time.summer_time = 0");
        assert_eq!(zone("Asia/Kathmandu"), "local_time.time_zone = +5:45\nlocal_time.summer_time = 0");
        assert_eq!(zone("UTC"), "local_time.time_zone = +0\nlocal_time.summer_time = 0");
        // The POSIX rule's week 5 means "last", which is what Yealink's week
        // 5 means too; wazo's tests pin 10/4/7/4, the 2025 date's week.
        assert_eq!(
            zone("Europe/Bucharest"),
            "local_time.time_zone = +2\nlocal_time.summer_time = 1\nlocal_time.dst_time_type = 1\n\
             local_time.start_time = 3/5/7/3\nlocal_time.end_time = 10/5/7/4\nlocal_time.offset_time = 60"
        );
        assert!(zone("America/St_Johns").starts_with("local_time.time_zone = -3:30\n"));
        assert!(zone("Pacific/Kiritimati").starts_with("local_time.time_zone = +12\n"), "clamped");
    }

    #[test]
    fn dst_rules_outside_the_day_and_by_date() {
        let rule = |s: &str| timezone_lines(&tz::parse_posix_tz("x", s).unwrap());
        // Greenland: last Sunday of March at -1:00 is Saturday 23:00.
        let nuuk = rule("<-02>2<-01>,M3.5.0/-1,M10.5.0/0");
        assert!(nuuk.contains("start_time = 3/5/6/23\n"), "{nuuk}");
        assert!(nuuk.contains("end_time = 10/5/7/0\n"), "{nuuk}");
        let by_date = rule("AAA3BBB,J60/2,300");
        assert!(by_date.contains("dst_time_type = 0\n"), "{by_date}");
        assert!(by_date.contains("start_time = 03/01/02\n"), "{by_date}");
        assert!(by_date.contains("end_time = 10/28/02\n"), "{by_date}");
        let half_hour_save = rule("<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
        assert!(half_hour_save.starts_with("local_time.time_zone = +10:30\n"));
        assert!(half_hour_save.ends_with("offset_time = 30"));
    }

    #[test]
    fn configure_timezone_and_locale() {
        let p = test_plugin();
        let mut raw = map(json!({"http_port": 8667, "timezone": "America/Montreal", "locale": "en_US"}));
        Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        assert!(raw["XX_timezone"].as_str().unwrap().starts_with("local_time.time_zone = -5\n"));
        assert_eq!(
            (&raw["XX_lang"], &raw["XX_country"], &raw["XX_handset_lang"]),
            (&json!("English"), &json!("United States"), &json!("0"))
        );
        let mut raw = map(json!({"http_port": 8667, "timezone": "Doesnt/Exist", "locale": "ja_JP"}));
        Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        for key in ["XX_timezone", "XX_lang", "XX_country", "XX_handset_lang"] {
            assert!(!raw.contains_key(key), "{key}");
        }
    }

    #[test]
    fn sip_lines_shape() {
        let p = test_plugin();
        let base = json!({
            "http_port": 8667,
            "sip_dtmf_mode": "SIP-INFO",
            "exten_voicemail": "*98",
            "sip_proxy_ip": "1.1.1.1",
            "sip_proxy_port": "5080",
            "sip_lines": {"1": {"number": "5888"}},
        });
        let mut raw = map(base.clone());
        Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        assert_eq!(
            raw["XX_sip_lines"],
            json!({
                "1": {
                    "number": "5888", "XX_line_no": 1, "XX_dtmf_type": "2", "voicemail": "*98",
                    "proxy_ip": "1.1.1.1", "proxy_port": "5080", "XX_srtp_encryption": 0, "XX_template_id": 1,
                },
                "2": null, "3": null, "4": null,
            })
        );
        assert_eq!(raw["sip_lines"]["1"], raw["XX_sip_lines"]["1"]);
        assert_eq!(
            raw["XX_templates"],
            json!({"1": {"id": 1, "proxy_ip": "1.1.1.1", "proxy_port": "5080",
                         "backup_proxy_ip": null, "backup_proxy_port": null}})
        );
        // Unknown model (or no account count): the configured lines as they are.
        for model in ["patate", "W90DM"] {
            let mut raw = map(base.clone());
            Yealink.configure(&p, &device(model), &mut raw).unwrap();
            assert_eq!(raw["XX_sip_lines"], raw["sip_lines"], "{model}");
        }
    }

    #[test]
    fn sip_lines_servers_and_srtp() {
        let p = test_plugin();
        let mut raw = map(json!({
            "http_port": 8667,
            "sip_transport": "tls",
            "sip_srtp_mode": "disabled",
            "sip_proxy_ip": "10.0.0.1",
            "sip_backup_proxy_ip": "10.0.0.2",
            "sip_outbound_proxy_ip": "10.0.0.9",
            "sip_lines": {
                "1": {"number": "autoprov", "dtmf_mode": "RTP-out-of-band"},
                "2": {"number": "1002", "proxy_ip": "10.0.0.5", "proxy_port": 5061},
                "3": {"number": "1003", "proxy_ip": null},
            },
        }));
        Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        let lines = &raw["XX_sip_lines"];
        assert_eq!(raw["XX_sip_transport"], "2");
        assert_eq!(lines["1"]["XX_srtp_encryption"], 0, "autoprov line stays plain");
        assert_eq!(lines["2"]["XX_srtp_encryption"], 2);
        assert_eq!(lines["1"]["XX_dtmf_type"], "1");
        assert!(lines["2"].get("XX_dtmf_type").is_none());
        assert_eq!(lines["1"]["backup_proxy_ip"], "10.0.0.2");
        assert!(lines["2"].get("backup_proxy_ip").is_none(), "own proxy, no global backup");
        assert_eq!(lines["3"]["backup_proxy_ip"], "10.0.0.2");
        assert_eq!(lines["1"]["outbound_proxy_ip"], "10.0.0.9");
        assert_eq!(lines["3"]["proxy_ip"], "10.0.0.1", "null counts as unset");
        assert_eq!(
            (&lines["1"]["XX_template_id"], &lines["2"]["XX_template_id"], &lines["3"]["XX_template_id"]),
            (&json!(1), &json!(2), &json!(1))
        );
        assert_eq!(raw["XX_templates"]["2"]["proxy_port"], 5061);
        let mut raw = map(json!({"http_port": 8667, "sip_srtp_mode": "preferred",
                                 "sip_lines": {"1": {"number": "1"}, "2": {"number": "2", "srtp_mode": "required"}}}));
        Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        assert_eq!(
            (&raw["XX_sip_lines"]["1"]["XX_srtp_encryption"], &raw["XX_sip_lines"]["2"]["XX_srtp_encryption"]),
            (&json!(1), &json!(2))
        );
    }

    fn null_keys(prefix: &str, range: std::ops::RangeInclusive<u32>) -> String {
        range
            .map(|n| {
                format!(
                    "{prefix}{n}.type = 0\n{prefix}{n}.line = %NULL%\n{prefix}{n}.value = %NULL%\n{prefix}{n}.label = %NULL%\n"
                )
            })
            .collect()
    }

    const SPEED_BLF_PARK: &str = "\
linekey.1.type = 13
linekey.1.line = 1
linekey.1.value = test_speed_dial
linekey.1.label = Test Speed dial
linekey.2.type = 16
linekey.2.line = 1
linekey.2.value = test_blf
linekey.2.label = Test blf
linekey.2.extension = 1234
linekey.3.type = 10
linekey.3.line = 1
linekey.3.value = test_park
linekey.3.label = Test Park
";

    fn fkeys_raw(funckeys: Value) -> Map {
        map(json!({
            "http_port": 8667,
            "funckeys": funckeys,
            "sip_lines": {"1": {"number": "5888"}},
            "exten_pickup_call": "1234",
        }))
    }

    fn base_funckeys() -> Value {
        json!({
            "1": {"type": "speeddial", "value": "test_speed_dial", "label": "Test Speed dial"},
            "2": {"type": "blf", "value": "test_blf", "label": "Test blf"},
            "3": {"type": "park", "value": "test_park", "label": "Test Park"},
        })
    }

    #[test]
    fn function_keys_on_line_keys() {
        let p = test_plugin();
        let mut fk = base_funckeys();
        fk["4"] = json!({"type": "other", "value": "test"});
        let mut raw = fkeys_raw(fk);
        Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        assert_eq!(raw["XX_fkeys"], format!("{SPEED_BLF_PARK}{}", null_keys("linekey.", 4..=12)));
        // Unknown model: no keys at all.
        let mut raw = fkeys_raw(base_funckeys());
        Yealink.configure(&p, &device("T32G"), &mut raw).unwrap();
        assert_eq!(raw["XX_fkeys"], "");
    }

    #[test]
    fn function_keys_line_recording_and_values() {
        let p = test_plugin();
        let mut raw = map(json!({
            "http_port": 8667,
            "exten_park": "700",
            "sip_lines": {"2": {"number": "1002"}, "3": {}},
            "funckeys": {
                "1": {"type": "speeddial", "value": "*3", "line": 2},
                "4": {"type": "park"},
                "5": {"type": "blf", "value": "1005", "label": "a\nlinekey.9.type = 13"},
                "6": {"type": "speeddial"},
            },
        }));
        Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        let expected = format!(
            "linekey.1.type = 11\nlinekey.1.line = 2\nlinekey.1.value = *3\nlinekey.1.label = \n\
             linekey.2.type = 15\nlinekey.2.line = 2\nlinekey.2.value = 1002\nlinekey.2.label = 1002\n\
             linekey.3.type = 15\nlinekey.3.line = 3\nlinekey.3.value = %NULL%\nlinekey.3.label = %NULL%\n\
             linekey.4.type = 10\nlinekey.4.line = 1\nlinekey.4.value = 700\nlinekey.4.label = \n\
             linekey.5.type = 16\nlinekey.5.line = 1\nlinekey.5.value = 1005\nlinekey.5.label = a linekey.9.type = 13\n\
             {}",
            null_keys("linekey.", 6..=12)
        );
        assert_eq!(raw["XX_fkeys"], expected);
    }

    #[test]
    fn function_keys_on_expansion_modules() {
        let p = test_plugin();
        // Nothing on a module: line keys only.
        let mut raw = fkeys_raw(base_funckeys());
        Yealink.configure(&p, &device("T46S"), &mut raw).unwrap();
        assert_eq!(raw["XX_fkeys"], format!("{SPEED_BLF_PARK}{}", null_keys("linekey.", 4..=27)));
        // A key on the second module writes modules 1 and 2 in full.
        let mut fk = base_funckeys();
        fk["27"] = json!({"type": "speeddial", "value": "27"});
        fk["28"] = json!({"type": "speeddial", "value": "28"});
        fk["107"] = json!({"type": "speeddial", "value": "107"});
        let mut raw = fkeys_raw(fk);
        Yealink.configure(&p, &device("T46S"), &mut raw).unwrap();
        let text = raw["XX_fkeys"].as_str().unwrap();
        assert_eq!(text.lines().filter(|l| l.ends_with(".type = 0")).count(), 27 + 80 - 3 - 3);
        assert!(text.contains("linekey.27.type = 13\nlinekey.27.line = 1\nlinekey.27.value = 27\n"));
        assert!(text.contains("expansion_module.1.key.1.type = 13\nexpansion_module.1.key.1.line = 1\nexpansion_module.1.key.1.value = 28\n"));
        assert!(text.contains("expansion_module.2.key.40.type = 13\nexpansion_module.2.key.40.line = 1\nexpansion_module.2.key.40.value = 107\n"));
        assert!(text.ends_with("expansion_module.2.key.40.label = \n"));
        assert!(!text.contains("expansion_module.3."));
        // Beyond the last module: ignored.
        let mut fk = base_funckeys();
        fk["268"] = json!({"type": "speeddial", "value": "x"});
        let mut raw = fkeys_raw(fk);
        Yealink.configure(&p, &device("T46S"), &mut raw).unwrap();
        assert!(!raw["XX_fkeys"].as_str().unwrap().contains("expansion_module"));
    }

    #[test]
    fn key_layout_with_memory_keys() {
        let p = test_plugin();
        let mut raw = fkeys_raw(json!({"9": {"type": "speeddial", "value": "9"}}));
        Yealink.configure(&p, &device("M1"), &mut raw).unwrap();
        let prefixes: Vec<&str> =
            raw["XX_fkeys"].as_str().unwrap().lines().filter(|l| l.contains(".type = ")).collect();
        assert_eq!(
            prefixes,
            [
                "linekey.1.type = 15",
                "linekey.2.type = 0",
                "memorykey.1.type = 0",
                "memorykey.2.type = 0",
                "expansion_module.1.key.1.type = 0",
                "expansion_module.1.key.2.type = 0",
                "expansion_module.1.key.3.type = 0",
                "expansion_module.2.key.1.type = 0",
                "expansion_module.2.key.2.type = 13",
                "expansion_module.2.key.3.type = 0",
            ]
        );
    }

    #[test]
    fn context_urls_firmware_and_options() {
        let p = test_plugin();
        let mut raw = map(json!({
            "http_port": 8667,
            "http_base_url": "https://prov.example:8443",
            "X_xivo_phonebook_ip": "10.0.0.1",
            "X_xivo_user_uuid": "u-1",
            "syslog_enabled": true,
            "syslog_level": "info",
        }));
        let mut dev = device("T54W");
        dev.options = Some(map(json!({"switchboard": true})));
        Yealink.configure(&p, &dev, &mut raw).unwrap();
        assert_eq!(
            raw["XX_xivo_phonebook_url"],
            "http://10.0.0.1:9498/0.1/directories/lookup/default/yealink?xivo_user_uuid=u-1&term=#SEARCH"
        );
        assert_eq!(
            raw["XX_wazo_phoned_user_service_dnd_enabled_url"],
            "http://10.0.0.1:9498/0.1/yealink/users/u-1/services/dnd/enable"
        );
        assert_eq!(
            raw["XX_wazo_phoned_user_service_dnd_disabled_url"],
            "http://10.0.0.1:9498/0.1/yealink/users/u-1/services/dnd/disable"
        );
        assert_eq!(raw["XX_server_url"], "https://prov.example:8443");
        assert_eq!(raw["XX_server_url_without_scheme"], "prov.example:8443");
        assert_eq!(raw["XX_options"], json!({"switchboard": true}));
        assert_eq!(raw["XX_handsets_fw"], json!({"w56h": "W56H-61.85.0.20.rom"}));
        assert_eq!(raw["XX_syslog_level"], 6);
        assert!(!raw.contains_key("XX_fw_filename"), "T54W has no firmware entry here");
        let mut raw = map(json!({"http_port": 8667}));
        Yealink.configure(&p, &device("T33G"), &mut raw).unwrap();
        assert!(!raw.contains_key("XX_handsets_fw"));
        assert!(!raw.contains_key("XX_xivo_phonebook_url"));
    }

    const DEMO_RAW: &str = r#"{
    "ip": "10.0.0.1", "http_port": 8667, "http_base_url": "http://10.0.0.1:8667",
    "ntp_enabled": true, "ntp_ip": "10.0.0.1",
    "vlan_enabled": true, "vlan_id": 100, "vlan_priority": 5, "vlan_pc_port_id": 200,
    "syslog_enabled": true, "syslog_ip": "10.0.0.7", "syslog_port": 514, "syslog_level": "warning",
    "admin_username": "admin", "admin_password": "s3cret", "user_username": "user", "user_password": "u5er",
    "timezone": "America/Montreal", "locale": "fr_CA", "protocol": "SIP",
    "sip_proxy_ip": "10.0.0.1", "sip_proxy_port": 5060, "sip_backup_proxy_ip": "10.0.0.2",
    "sip_registrar_ip": "10.0.0.1", "sip_dtmf_mode": "RTP-out-of-band", "sip_srtp_mode": "disabled",
    "sip_transport": "udp", "sip_subscribe_mwi": true, "exten_voicemail": "*98", "exten_pickup_call": "*8",
    "exten_park": "700",
    "sip_lines": {
        "1": {"username": "abcd1234", "auth_username": "abcd1234", "password": "p4ss", "display_name": "Alice Doe",
              "number": "1001", "registrar_ip": "10.0.0.1"},
        "2": {"username": "efgh5678", "auth_username": "efgh5678", "password": "p4ss2", "display_name": "Alice 2",
              "number": "1002", "proxy_ip": "10.0.0.3", "proxy_port": 5070}
    },
    "funckeys": {
        "3": {"type": "speeddial", "value": "1234", "label": "Bob"},
        "4": {"type": "blf", "value": "1005", "label": "Carol", "line": 1},
        "5": {"type": "park", "value": "701", "label": "Park 1"}
    },
    "X_xivo_phonebook_ip": "10.0.0.1", "X_xivo_user_uuid": "0f8c7a9e-0000-4000-8000-000000000001",
    "sccp_call_managers": {}
    }"#;

    /// Prints the context `configure` builds for a realistic device, for
    /// rendering the bundled templates outside Rust:
    /// `cargo test -p provd-shared yealink::tests::dump_context -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn dump_context() {
        let model = std::env::var("YEALINK_MODEL").unwrap_or_else(|_| "T46S".into());
        let plugin_dir = std::env::var("YEALINK_PLUGIN").unwrap_or_else(|_| "../plugins/wazo-yealink-v86".into());
        let p = crate::plugins::load(std::path::Path::new(&plugin_dir)).unwrap();
        // Another raw config can be given as a JSON file.
        let raw_json = match std::env::var("YEALINK_RAW") {
            Ok(path) => std::fs::read_to_string(path).unwrap(),
            Err(_) => DEMO_RAW.to_owned(),
        };
        let mut raw: Map = serde_json::from_str(&raw_json).unwrap();
        provd_core::config::apply_defaults(&mut raw);
        let mut dev = device(&model);
        dev.options = Some(map(json!({"switchboard": false})));
        Yealink.configure(&p, &dev, &mut raw).unwrap();
        let out = serde_json::to_string_pretty(&raw).unwrap();
        match std::env::var("YEALINK_OUT") {
            Ok(path) => std::fs::write(path, out).unwrap(),
            Err(_) => println!("{out}"),
        }
    }
}
