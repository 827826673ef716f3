//! Cisco SCCP: telling a phone from its DHCP vendor class and TFTP file names.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use crate::helpers;
use provd_core::family::*;
use provd_core::mac::Mac;

use super::*;

/// Above cisco_spa's PROBABLE (300): a bare `Cisco Systems, Inc.` vendor
/// class (no model) is taken for an SCCP phone, as wazo does
/// (`docs/behaviour/families.md` §9.2).
pub(super) const MODEL_UNKNOWN: Score = PROBABLE + 10;

/// `\bPhone (?:79(\d\d)|CP-79(\d\d)G|CP-(\d\d\d\d))`, searched anywhere in
/// the vendor class after `Cisco Systems`.
pub(super) static DHCP_MODEL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)\bPhone (?:79(\d\d)|CP-79(\d\d)G|CP-(\d\d\d\d))").unwrap());

thread_local! {
    // Reused capture slots: no allocation per request once warm.
    static DHCP_LOCATIONS: RefCell<CaptureLocations> = RefCell::new(DHCP_MODEL.capture_locations());
}

/// `79NNG` for every NN, so a DHCP model is borrowed, never built per request.
pub(super) static MODELS_79: LazyLock<Vec<String>> =
    LazyLock::new(|| (0..100).map(|n| if n == 20 { "7920".to_owned() } else { format!("79{n:02}G") }).collect());

/// `locale` -> (user locale, language code, network locale), as wazo names
/// the locale directories its firmware packages install under `i18n/`.
pub(super) const LOCALES: [(&str, [&str; 3]); 5] = [
    ("de_DE", ["german_germany", "de", "germany"]),
    ("en_US", ["english_united_states", "en", "united_states"]),
    ("es_ES", ["spanish_spain", "es", "spain"]),
    ("fr_FR", ["french_france", "fr", "france"]),
    ("fr_CA", ["french_france", "fr", "canada"]),
];

pub(super) fn extract_dhcp(vci: &[u8]) -> Option<DeviceInfo<'_>> {
    if !vci.starts_with(b"Cisco Systems") {
        return None;
    }
    let model = DHCP_LOCATIONS.with_borrow_mut(|locs| {
        DHCP_MODEL.captures_read(locs, vci)?;
        let group = |i| locs.get(i).map(|(s, e)| &vci[s..e]);
        if let Some(nn) = group(1).or_else(|| group(2)) {
            // Two ASCII digits by construction.
            let n = usize::from(nn[0] - b'0') * 10 + usize::from(nn[1] - b'0');
            return Some(Cow::Borrowed(MODELS_79[n].as_str()));
        }
        group(3).and_then(helpers::utf8).map(Cow::Borrowed)
    });
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), model, ..Default::default() })
}

/// `<prefix><12 uppercase hex digits><suffix>`: the MAC, if `name` is that.
pub(super) fn mac_in(name: &[u8], prefix: &[u8], suffix: &[u8]) -> Option<Mac> {
    let hex = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if hex.len() != 12 || !hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F')) {
        return None;
    }
    Mac::parse_bytes(hex).ok()
}

/// What a file name (without the leading `/` of HTTP paths) tells: the
/// vendor, the MAC of the per-device files, CIPC for the softphone's tree.
pub(super) fn extract_filename(name: &[u8]) -> Option<DeviceInfo<'static>> {
    let vendor = Some(Cow::Borrowed(VENDOR));
    if name.strip_prefix(b"Communicator").is_some_and(|rest| matches!(rest.first(), Some(b'/' | b'\\'))) {
        return Some(DeviceInfo { vendor, model: Some(Cow::Borrowed("CIPC")), ..Default::default() });
    }
    let mac = mac_in(name, b"SEP", b".cnf.xml")
        .or_else(|| mac_in(name, b"CTLSEP", b".tlv"))
        .or_else(|| mac_in(name, b"ITLSEP", b".tlv"));
    if mac.is_some() || name == b"ITLFile.tlv" {
        return Some(DeviceInfo { vendor, mac, ..Default::default() });
    }
    None
}
