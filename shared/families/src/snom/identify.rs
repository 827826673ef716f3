//! Snom: telling a phone from its User-Agent and request paths, and which plugin generation serves it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use crate::helpers;
use provd_core::config::truthy;
use provd_core::family::*;
use provd_core::mac::Mac;
use provd_core::plugin::Plugin;

use super::*;

/// Firmware older than this has no XML provisioning (wazo: NONE).
pub(super) const DESK_MIN_VERSION: &str = "7.0.0.0";

pub(super) const DECT_MIN_VERSION: &str = "05.00.0001";

/// How much lower a supported model scores when the plugin ships another
/// firmware generation than the phone runs, so that the plugin of the
/// phone's own generation wins over a lexicographically greater id
/// (`wazo-snom-8.7.5.35` > `wazo-snom-10.1.54.13`).
pub(super) const OTHER_GENERATION: Score = 10;

/// `snom<model>-SIP <version>`: `(?-u)` keeps the classes ASCII, so the
/// captures are valid UTF-8 whatever bytes surround them.
pub(super) static DESK_UA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)\bsnom(\w+)-SIP\s([\d.]+)").unwrap());

/// `Snom M900 05.20.0001 000413b60680`.
pub(super) static DECT_UA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\b[sS]nom\s?(M[0-9]{3})\s([0-9.]+)\s([0-9a-fA-F]{12})\b").unwrap());

pub(super) static HTM_PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\bsnom\w+-([0-9A-F]{12})\.htm$").unwrap());

pub(super) struct Locations {
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

pub(super) fn is_dect_plugin(plugin: &Plugin) -> bool {
    plugin.info.extra.get("dect").is_some_and(truthy)
}

/// `M` and three digits: the DECT base models (`MP` is a desk conference
/// phone).
pub(super) fn is_dect_model(model: &str) -> bool {
    let b = model.as_bytes();
    b.len() == 4 && b[0] == b'M' && b[1..].iter().all(u8::is_ascii_digit)
}

pub(super) fn split_query(path: &[u8]) -> (&[u8], &[u8]) {
    match path.iter().position(|&b| b == b'?') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => (path, b""),
    }
}

/// The first `mac` query argument, when it is a MAC (firmware URLs end
/// with `?mac={mac}`, filled in by the phone).
pub(super) fn query_mac(query: &[u8]) -> Option<Mac> {
    let value = query.split(|&b| b == b'&').find_map(|kv| kv.strip_prefix(b"mac="))?;
    Mac::parse_bytes(value).ok()
}

/// The last token of 12 uppercase hex digits after the version
/// (`... 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)`). wazo's regex
/// took the last hex run whatever its length, so `SNOM 1.4` gave MAC `1`
/// and an exception that broke the whole request; a token that is not a
/// MAC is simply not one.
pub(super) fn trailing_mac(rest: &[u8]) -> Option<Mac> {
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
pub(super) fn snom_tokens(ua: &[u8]) -> (bool, bool) {
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
pub(super) fn htm_path_may_match(path: &[u8]) -> bool {
    path.ends_with(b".htm") && snom_tokens(path).0
}

pub(super) fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    let (desk, dect) = snom_tokens(ua);
    if !dect {
        return None;
    }
    LOCATIONS.with_borrow_mut(|l| {
        if desk && DESK_UA.captures_read(&mut l.desk, ua).is_some() {
            let (model, version) = (l.desk.get(1)?, l.desk.get(2)?);
            return Some(DeviceInfo {
                vendor: Some(Cow::Borrowed(VENDOR)),
                model: helpers::utf8(&ua[model.0..model.1]).map(Cow::Borrowed),
                version: helpers::utf8(&ua[version.0..version.1]).map(Cow::Borrowed),
                mac: trailing_mac(&ua[version.1..]),
                ..DeviceInfo::default()
            });
        }
        if DECT_UA.captures_read(&mut l.dect, ua).is_some() {
            let (model, version, mac) = (l.dect.get(1)?, l.dect.get(2)?, l.dect.get(3)?);
            return Some(DeviceInfo {
                vendor: Some(Cow::Borrowed(VENDOR)),
                model: helpers::utf8(&ua[model.0..model.1]).map(Cow::Borrowed),
                version: helpers::utf8(&ua[version.0..version.1]).map(Cow::Borrowed),
                mac: Mac::parse_bytes(&ua[mac.0..mac.1]).ok(),
                ..DeviceInfo::default()
            });
        }
        None
    })
}

pub(super) fn path_mac(path: &[u8]) -> Option<Mac> {
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
pub(super) fn compare_versions(a: &str, b: &str) -> Option<Ordering> {
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

pub(super) fn major(version: &str) -> Option<u64> {
    version.split('.').next()?.parse().ok()
}

/// The firmware generation a plugin ships: its first model's version.
pub(super) fn plugin_firmware(plugin: &Plugin) -> Option<&str> {
    plugin.info.models.values().find_map(|m| m.version.as_deref())
}

pub(super) fn same_generation(device: &str, shipped: Option<&str>) -> bool {
    matches!((major(device), shipped.and_then(major)), (Some(a), Some(b)) if a == b)
}
