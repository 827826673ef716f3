//! Cisco SPA/ATA (and Linksys): telling a phone from its User-Agent, TFTP file names and DHCP vendor class.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use crate::helpers;
use provd_core::family::*;
use provd_core::mac::Mac;
use provd_core::plugin::{ModelInfo, Plugin};

use super::*;

/// `(?-u)` keeps the classes ASCII, so captures are valid UTF-8 whatever
/// the bytes around (wazo's `decode('ascii')` failed the whole request).
pub(super) static PATTERNS: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        r"(?-u)^Linksys/([\w\-]+)-([^\s\-]+) \((\w+)\)$",
        r"(?-u)^Cisco/(\w+)-(\S+) (?:\(([\dA-F]{12})\))?\((\w+)\)$",
        // Only three digits of the Cisco model are kept (`SPA525G2` gives
        // `SPA525`): `docs/behaviour/families.md` §9.1, resolved at
        // association and configure time.
        r"(?-u)^(?:CISCO|Cisco) (SPA[0-9]{3}|ATA190G?g?2?)",
        r"(?-u)^LINKSYS (SPA-?[0-9]{3,4})",
    ]
    .map(|p| Regex::new(p).unwrap())
});

pub(super) const LINKSYS_UA: usize = 0;

pub(super) const CISCO_UA: usize = 1;

pub(super) const CISCO_VCI: usize = 2;

pub(super) const LINKSYS_VCI: usize = 3;

thread_local! {
    // Reused capture slots: identification must not allocate once warm.
    static LOCATIONS: RefCell<Vec<CaptureLocations>> =
        RefCell::new(PATTERNS.iter().map(Regex::capture_locations).collect());
}

/// Normalised names of the models this family knows, so that `SPA-942` or
/// `/spa502g.cfg` give a borrowed name.
pub(super) const KNOWN_MODELS: [&str; 25] = [
    "SPA301", "SPA303", "SPA501G", "SPA502G", "SPA504G", "SPA508G", "SPA509G", "SPA512G", "SPA514G", "SPA525G",
    "SPA525G2", "SPA901", "SPA921", "SPA922", "SPA941", "SPA942", "SPA962", "PAP2T", "SPA112", "SPA122", "SPA2102",
    "SPA3102", "SPA8000", "SPA8800", "ATA190",
];

/// Model names as SPA firmware spells them: no dash, uppercase. Borrowed
/// when already so or when known, built only for an unknown odd spelling.
pub(super) fn norm_model<'a>(prefix: &'static str, raw: &'a [u8]) -> Option<Cow<'a, str>> {
    let raw = std::str::from_utf8(raw).ok()?;
    if prefix.is_empty() && !raw.bytes().any(|b| b == b'-' || b.is_ascii_lowercase()) {
        return Some(Cow::Borrowed(raw));
    }
    let normal = || prefix.bytes().chain(raw.bytes().filter(|&b| b != b'-').map(|b| b.to_ascii_uppercase()));
    if let Some(known) = KNOWN_MODELS.iter().find(|k| k.bytes().eq(normal())) {
        return Some(Cow::Borrowed(known));
    }
    // `raw` is UTF-8 and only ASCII bytes were dropped or changed, so the
    // bytes stay UTF-8; `char::from` on each byte would read them as Latin-1.
    String::from_utf8(normal().collect()).ok().map(Cow::Owned)
}

/// Runs pattern `i` on `input`; `f` gets the capture groups.
pub(super) fn captures<'a, T>(
    i: usize,
    input: &'a [u8],
    f: impl FnOnce(&dyn Fn(usize) -> Option<&'a [u8]>) -> T,
) -> Option<T> {
    LOCATIONS.with_borrow_mut(|all| {
        let locs = &mut all[i];
        PATTERNS[i].captures_read(locs, input)?;
        let group = |g: usize| locs.get(g).map(|(s, e)| &input[s..e]);
        Some(f(&group))
    })
}

/// The User-Agent patterns with the prefix checks [`extract_ua`] makes
/// before them.
#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![
        (&PATTERNS[LINKSYS_UA], |ua| ua.starts_with(b"Linksys/")),
        (&PATTERNS[CISCO_UA], |ua| ua.starts_with(b"Cisco/")),
    ]
}

pub(super) fn extract_ua<'a>(ua: &'a [u8], path: &[u8]) -> Option<DeviceInfo<'a>> {
    let mut info = if ua.starts_with(b"Linksys/") {
        captures(LINKSYS_UA, ua, |g| DeviceInfo {
            model: g(1).and_then(|m| norm_model("", m)),
            version: g(2).and_then(helpers::utf8).map(Cow::Borrowed),
            sn: g(3).and_then(helpers::utf8).map(Cow::Borrowed),
            ..Default::default()
        })?
    } else if ua.starts_with(b"Cisco/") {
        let info = captures(CISCO_UA, ua, |g| DeviceInfo {
            model: g(1).and_then(helpers::utf8).map(Cow::Borrowed),
            version: g(2).and_then(helpers::utf8).map(Cow::Borrowed),
            mac: g(3).and_then(|m| Mac::parse_bytes(m).ok()),
            sn: g(4).and_then(helpers::utf8).map(Cow::Borrowed),
            ..Default::default()
        })?;
        // `Cisco/ATA191-MPP-<version> (<SN>)`: multiplatform firmware, the
        // cisco_sip family's; answering too would outvote its version.
        if info.version.as_deref().is_some_and(|v| v.starts_with("MPP-")) {
            return None;
        }
        info
    } else {
        return None;
    };
    info.vendor = Some(Cow::Borrowed(VENDOR));
    if info.mac.is_none() {
        info.mac = mac_in_path(path);
    }
    Some(info)
}

/// `\b([\da-f]{12})\.xml$` on the path (query string excluded).
pub(super) fn mac_in_path(path: &[u8]) -> Option<Mac> {
    let path = path.split(|&b| b == b'?').next().unwrap_or(path);
    let stem = path.strip_suffix(b".xml")?;
    let hex = stem.get(stem.len().checked_sub(12)?..)?;
    let before = stem.len() - 12;
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if !hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) || before > 0 && word(stem[before - 1]) {
        return None;
    }
    Mac::parse_bytes(hex).ok()
}

pub(super) fn extract_tftp(name: &[u8]) -> Option<DeviceInfo<'_>> {
    let model = if name == b"/init.cfg" {
        Cow::Borrowed("PAP2T")
    } else if let Some(psn) = name.strip_prefix(b"/spa").and_then(|n| n.strip_suffix(b".cfg")) {
        if psn.is_empty() || psn.contains(&b'\n') {
            return None;
        }
        norm_model("SPA", psn)?
    } else if is_ata_file(name) {
        Cow::Borrowed("ATA190")
    } else {
        return None;
    };
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), model: Some(model), ..Default::default() })
}

/// `ATA<12 uppercase hex>.cnf.xml`. The MAC is not taken: the second port's
/// file carries a shifted one.
pub(super) fn is_ata_file(name: &[u8]) -> bool {
    name.strip_prefix(b"ATA")
        .and_then(|n| n.strip_suffix(b".cnf.xml"))
        .is_some_and(|hex| hex.len() == 12 && hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')))
}

pub(super) fn extract_dhcp(vci: &[u8]) -> Option<DeviceInfo<'_>> {
    let model = captures(CISCO_VCI, vci, |g| g(1).and_then(|m| norm_model("", m)))
        .or_else(|| captures(LINKSYS_VCI, vci, |g| g(1).and_then(|m| norm_model("", m))))??;
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), model: Some(model), ..Default::default() })
}

/// The plugin's entry for `model`, also for the 3-digit model of a Cisco
/// DHCP vendor class (`SPA525` is the plugin's `SPA525G`).
pub(super) fn resolve_model<'p>(plugin: &'p Plugin, model: &str) -> Option<(&'p str, &'p ModelInfo)> {
    if let Some((name, info)) = plugin.info.models.get_key_value(model) {
        return Some((name, info));
    }
    plugin
        .info
        .models
        .iter()
        .find(|(name, _)| name.len() == model.len() + 1 && name.starts_with(model) && name.ends_with('G'))
        .map(|(name, info)| (name.as_str(), info))
}

/// Whether `short` is the model a Cisco DHCP vendor class gives for the
/// phone its TFTP and HTTP requests call `full`: the vendor class keeps
/// three digits only (`Cisco SPA509G` gives `SPA509`, `Cisco SPA525G2`
/// `SPA525`; `docs/behaviour/families.md` §4 and §9.1).
pub fn dhcp_abbreviation_of(short: &str, full: &str) -> bool {
    let s = short.as_bytes();
    s.len() == 6
        && s.starts_with(b"SPA")
        && s[3..].iter().all(u8::is_ascii_digit)
        && full.strip_prefix(short).is_some_and(|rest| matches!(rest, "G" | "G2"))
}
