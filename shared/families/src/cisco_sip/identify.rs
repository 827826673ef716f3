//! Cisco multiplatform phones and ATAs: telling one from its User-Agent,
//! TFTP file names and DHCP vendor class.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use provd_core::family::*;
use provd_core::mac::Mac;

use super::{VENDOR, text};

/// `(?-u)` keeps the classes ASCII: captures are valid UTF-8 whatever the
/// bytes around them (wazo's `decode('ascii')` failed the whole request).
static PATTERNS: LazyLock<[Regex; 3]> = LazyLock::new(|| {
    [
        r"(?-u)^Cisco-CP-([0-9]{4})-3PCC/(\S+) \(([\dA-Fa-f]{12})\)$",
        r"(?-u)^Cisco/(ATA[0-9]{3})-MPP-(\S+) \((\S+)\)$",
        r"(?-u)^/Cisco/CP-([0-9]{4})-3PCC/([\da-fA-F]{12})\.cfg$",
    ]
    .map(|p| Regex::new(p).unwrap())
});

const PHONE_UA: usize = 0;
const ATA_UA: usize = 1;
const PHONE_TFTP: usize = 2;

thread_local! {
    // Reused capture slots: identification must not allocate once warm.
    static LOCATIONS: RefCell<Vec<CaptureLocations>> =
        RefCell::new(PATTERNS.iter().map(Regex::capture_locations).collect());
}

/// Runs pattern `i` on `input`; `f` gets the capture groups.
fn captures<'a, T>(i: usize, input: &'a [u8], f: impl FnOnce(&dyn Fn(usize) -> Option<&'a [u8]>) -> T) -> Option<T> {
    LOCATIONS.with_borrow_mut(|all| {
        let locs = &mut all[i];
        PATTERNS[i].captures_read(locs, input)?;
        let group = |g: usize| locs.get(g).map(|(s, e)| &input[s..e]);
        Some(f(&group))
    })
}

/// The patterns with the prefix checks made before them.
#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![
        (&PATTERNS[PHONE_UA], |ua| ua.starts_with(b"Cisco-CP-")),
        (&PATTERNS[ATA_UA], |ua| ua.starts_with(b"Cisco/ATA")),
        (&PATTERNS[PHONE_TFTP], |name| name.starts_with(b"/Cisco/CP-")),
    ]
}

/// A phone's User-Agent carries its MAC; an ATA's carries its serial
/// number, and the MAC comes from the `mac=` argument of its profile
/// request (`spa-ata.xml?mac=$MA`) or from a `/<mac>.xml` path.
pub(super) fn extract_ua<'a>(ua: &'a [u8], path: &[u8]) -> Option<DeviceInfo<'a>> {
    if ua.starts_with(b"Cisco-CP-") {
        captures(PHONE_UA, ua, |g| DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: g(1).and_then(text),
            version: g(2).and_then(text),
            mac: g(3).and_then(|m| Mac::parse_bytes(m).ok()),
            ..Default::default()
        })
    } else if ua.starts_with(b"Cisco/ATA") {
        let mut info = captures(ATA_UA, ua, |g| DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: g(1).and_then(text),
            version: g(2).and_then(text),
            sn: g(3).and_then(text),
            ..Default::default()
        })?;
        info.mac = mac_argument(path).or_else(|| mac_file_in_path(path));
        Some(info)
    } else {
        None
    }
}

/// The `mac` argument of the query string, in any form a MAC is written;
/// a malformed one is ignored (wazo's raised and lost the request).
fn mac_argument(path: &[u8]) -> Option<Mac> {
    let query = &path[path.iter().position(|&b| b == b'?')? + 1..];
    query.split(|&b| b == b'&').find_map(|arg| arg.strip_prefix(b"mac=")).and_then(|m| Mac::parse_bytes(m).ok())
}

/// `/<mac>.xml` at the end of the path (query string excluded), the MAC in
/// lowercase as the phone's `$MA` writes it.
fn mac_file_in_path(path: &[u8]) -> Option<Mac> {
    let path = path.split(|&b| b == b'?').next().unwrap_or(path);
    let stem = path.strip_suffix(b".xml")?;
    let (slash, hex) = stem.split_at_checked(stem.len().checked_sub(13)?)?.1.split_at(1);
    (slash == b"/" && hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))).then(|| Mac::parse_bytes(hex).ok())?
}

/// `/Cisco/CP-<model>-3PCC/<mac>.cfg` (a phone: model and MAC) or
/// `/<mac>.xml` (an ATA's profile rule: the MAC only).
pub(super) fn extract_tftp(name: &[u8]) -> Option<DeviceInfo<'_>> {
    if name.starts_with(b"/Cisco/CP-") {
        return captures(PHONE_TFTP, name, |g| DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: g(1).and_then(text),
            mac: g(2).and_then(|m| Mac::parse_bytes(m).ok()),
            ..Default::default()
        });
    }
    let hex = name.strip_prefix(b"/")?.strip_suffix(b".xml")?;
    if hex.len() != 12 || !hex.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), mac: Mac::parse_bytes(hex).ok(), ..Default::default() })
}

/// `CP-<4 digits>-3PCC...` and `CISCO ATA<3 digits>-MPP...`: the model.
pub(super) fn extract_dhcp(vci: &[u8]) -> Option<DeviceInfo<'_>> {
    let digits = |b: &[u8]| b.iter().all(u8::is_ascii_digit);
    let model = if let Some(rest) = vci.strip_prefix(b"CP-") {
        let (model, tail) = rest.split_at_checked(4)?;
        (digits(model) && tail.starts_with(b"-3PCC")).then_some(model)?
    } else if let Some(rest) = vci.strip_prefix(b"CISCO ") {
        let (model, tail) = rest.split_at_checked(6)?;
        (model.starts_with(b"ATA") && digits(&model[3..]) && tail.starts_with(b"-MPP")).then_some(model)?
    } else {
        return None;
    };
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), model: text(model), ..Default::default() })
}
