//! Polycom: telling a phone from its User-Agent and request paths.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use provd_core::family::*;
use provd_core::mac::Mac;

use super::*;

/// `(?-u)`: ASCII classes on raw bytes, so captures are valid UTF-8 and a
/// non-ASCII byte elsewhere in the header does not spoil the match.
pub(super) static UA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)^FileTransport Polycom\w+-(\w*?)-UA/([\d.]+)").unwrap());

thread_local! {
    // Reused capture slots: identification runs per request and must not
    // allocate once warm.
    static UA_LOCATIONS: RefCell<CaptureLocations> = RefCell::new(UA.capture_locations());
}

/// Every model name wazo's Polycom plugins know, so the UA's `VVX_400`
/// becomes a borrowed `VVX400` instead of a new string per request.
pub(super) const KNOWN_MODELS: [&str; 40] = [
    "SPIP301", "SPIP320", "SPIP321", "SPIP330", "SPIP331", "SPIP335", "SPIP430", "SPIP450", "SPIP501", "SPIP550",
    "SPIP560", "SPIP600", "SPIP601", "SPIP650", "SPIP670", "SSIP4000", "SSIP5000", "SSIP6000", "SSIP7000", "VVX101",
    "VVX150", "VVX200", "VVX201", "VVX250", "VVX300", "VVX301", "VVX310", "VVX311", "VVX350", "VVX400", "VVX401",
    "VVX410", "VVX411", "VVX450", "VVX500", "VVX501", "VVX600", "VVX601", "VVX1500", "VVX1500D",
];

/// Files whose name carries the MAC (`/<mac><suffix>`). The BootROM or
/// updater asks for `<mac>.cfg` first, the application for the others.
pub(super) const MAC_SUFFIXES: [&[u8]; 7] =
    [b".cfg", b"-user.cfg", b"-boot.log", b"-phone.cfg", b"-license.cfg", b"-directory.xml", b"-app.log"];

/// The MAC-named files only the SIP application asks for.
pub(super) const SIP_APP_MAC_SUFFIXES: [&[u8]; 4] = [b"-phone.cfg", b"-license.cfg", b"-directory.xml", b"-app.log"];

/// The path without its query string.
pub(super) fn path_only(path: &[u8]) -> &[u8] {
    path.split(|&b| b == b'?').next().unwrap_or(path)
}

pub(super) fn is_lower_hex(b: &[u8]) -> bool {
    b.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// The 12 lowercase hex digits right before `suffix` at the end of `path`,
/// when they follow a `/` (or start the name, for TFTP names that have none).
pub(super) fn mac_before<'p>(path: &'p [u8], suffix: &[u8], slash: bool) -> Option<&'p [u8]> {
    let stem = path.strip_suffix(suffix)?;
    let hex = stem.get(stem.len().checked_sub(12)?..)?;
    let before = &stem[..stem.len() - 12];
    (is_lower_hex(hex) && (before.ends_with(b"/") || (!slash && before.is_empty()))).then_some(hex)
}

/// The MAC named by the requested file, if it is one of the MAC-named
/// files; `000000000000` is the shared master file, not a phone.
pub(super) fn mac_from_path(path: &[u8], suffixes: &[&[u8]], slash: bool) -> Option<Mac> {
    suffixes
        .iter()
        .find_map(|s| mac_before(path, s, slash))
        .filter(|hex| *hex != b"000000000000")
        .and_then(|hex| Mac::parse_bytes(hex).ok())
}

/// Whether the SIP application (not the BootROM or updater) asks for `path`:
/// only it reads `common.cfg`, `phone1.cfg`, `sip.cfg` and the MAC-named
/// files other than the master and user files.
pub(super) fn is_sip_application_request(path: &[u8]) -> bool {
    [&b"/common.cfg"[..], b"/phone1.cfg", b"/sip.cfg"].iter().any(|f| path.ends_with(f))
        || SIP_APP_MAC_SUFFIXES.iter().any(|s| mac_before(path, s, true).is_some())
}

/// `VVX_400` -> `VVX400`, borrowed from [`KNOWN_MODELS`] when possible.
pub(super) fn model_name(raw: &[u8]) -> Option<Cow<'_, str>> {
    if raw.is_empty() || raw.iter().all(|&b| b == b'_') {
        return None;
    }
    if !raw.contains(&b'_') {
        return std::str::from_utf8(raw).ok().map(Cow::Borrowed);
    }
    let same = |known: &str| {
        let mut k = known.bytes();
        raw.iter().filter(|&&b| b != b'_').all(|&b| k.next() == Some(b)) && k.next().is_none()
    };
    match KNOWN_MODELS.iter().find(|k| same(k)) {
        Some(k) => Some(Cow::Borrowed(k)),
        None => Some(Cow::Owned(raw.iter().filter(|&&b| b != b'_').map(|&b| char::from(b)).collect())),
    }
}

/// The MAC of a `(SN:0004f2xxxxxx)` tag, which phones add to their
/// User-Agent when `device.prov.tagSerialNo` is on (a Polycom's serial
/// number is its MAC).
pub(super) fn serial_mac(ua: &[u8]) -> Option<Mac> {
    let start = ua.windows(4).position(|w| w == b"(SN:")? + 4;
    let hex = ua.get(start..start + 12)?;
    if ua.get(start + 12) != Some(&b')') {
        return None;
    }
    Mac::parse_bytes(hex).ok()
}

/// Whether [`UA`] can match: its anchored literal prefix. Every request's
/// User-Agent is offered to every family, and a failing regex search costs
/// more than this comparison.
pub(super) fn ua_may_match(ua: &[u8]) -> bool {
    ua.starts_with(b"FileTransport Polycom")
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&UA, ua_may_match)]
}

pub(super) fn extract_http<'a>(path: &'a [u8], ua: &'a [u8]) -> Option<DeviceInfo<'a>> {
    if !ua_may_match(ua) {
        return None;
    }
    let (model, version) = UA_LOCATIONS.with_borrow_mut(|locs| {
        UA.captures_read(locs, ua)?;
        let group = |i| locs.get(i).map(|(s, e)| &ua[s..e]);
        Some((group(1).and_then(model_name), group(2).and_then(|v| std::str::from_utf8(v).ok())))
    })?;
    let path = path_only(path);
    // Early requests come from the BootROM or updater and carry their own
    // version; keeping it would flip the device's version (and reconfigure
    // it) on every boot. A path naming no file (`provd identify --ua`) says
    // nothing of the boot stage: the User-Agent alone is told as it is.
    let names_a_file = !matches!(path, b"" | b"/");
    let version = version.filter(|_| !names_a_file || is_sip_application_request(path));
    let mac = mac_from_path(path, &MAC_SUFFIXES, true).or_else(|| serial_mac(ua));
    Some(DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model,
        version: version.map(Cow::Borrowed),
        mac,
        ..DeviceInfo::default()
    })
}

/// Without a User-Agent (TFTP) only the MAC of the Polycom-specific file
/// names is told: a vendor without a model would pick an arbitrary Polycom
/// plugin, for good, before the phone says which model it is.
pub(super) fn extract_mac_only(path: &[u8], slash: bool) -> Option<DeviceInfo<'static>> {
    let mac = mac_from_path(path_only(path), &MAC_SUFFIXES[1..], slash)?;
    Some(DeviceInfo { mac: Some(mac), ..DeviceInfo::default() })
}
