//! Grandstream: telling a phone or ATA from its User-Agent.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use crate::helpers;
use provd_core::family::*;
use provd_core::mac::Mac;

use super::*;

/// The two User-Agent forms, `(model, version, mac)` in groups 1 to 3:
///
/// * `Grandstream Model HW GXP1628 SW 1.0.4.138 DevId c074ad2bd859`, with a
///   hardware revision after the model on some (`HW GXP2200 V2.2A SW`);
/// * the GXP2000's `Grandstream GXP2000 (gxp2000e.bin:1.2.5.3/boot55e.bin:1.1.6.9)
///   DevId 000b822726c8`, whose greedy `.*` leaves the last version, the
///   boot loader's, to group 2 (as wazo's does).
///
/// The blank before a hardware revision is Python's `\s` on ASCII text,
/// which counts `\x1c`..`\x1f` too.
pub(super) static UA_PATTERNS: LazyLock<[Regex; 2]> = LazyLock::new(|| {
    [
        r"(?-u)^Grandstream Model HW (\w+)(?:[\t\n\x0b\x0c\r\x1c-\x1f ]+V[^ ]+)? SW ([^ ]+) DevId ([^ ]+)",
        r"(?-u)^Grandstream (GXP2000) .*:([^ ]+)\) DevId ([^ ]+)",
    ]
    .map(|p| Regex::new(p).unwrap())
});

thread_local! {
    // Reused capture slots: identification runs per request.
    static UA_LOCATIONS: RefCell<Vec<CaptureLocations>> =
        RefCell::new(UA_PATTERNS.iter().map(Regex::capture_locations).collect());
}

/// `^Grandstream `: the literal prefix of both patterns, checked before them.
pub(super) fn starts_with_grandstream(ua: &[u8]) -> bool {
    ua.starts_with(b"Grandstream ")
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    UA_PATTERNS.iter().map(|re| (re, starts_with_grandstream as fn(&[u8]) -> bool)).collect()
}

/// Vendor, model, version and MAC from a User-Agent. A User-Agent that is
/// not ASCII, or whose `DevId` is no MAC, tells nothing (wazo-provd's
/// extractor raised on the first and gave up on the second).
pub(super) fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    if !starts_with_grandstream(ua) || !ua.is_ascii() {
        return None;
    }
    UA_LOCATIONS.with_borrow_mut(|all| {
        for (re, locs) in UA_PATTERNS.iter().zip(all.iter_mut()) {
            if re.captures_read(locs, ua).is_none() {
                continue;
            }
            // The three groups take part in every match of both patterns.
            let [model, version, mac] = [1, 2, 3].map(|g| locs.get(g).map_or(&b""[..], |(s, e)| &ua[s..e]));
            let Ok(mac) = Mac::parse_bytes(mac) else {
                continue;
            };
            return Some(DeviceInfo {
                vendor: Some(Cow::Borrowed(VENDOR)),
                model: helpers::utf8(model).map(Cow::Borrowed),
                version: helpers::utf8(version).map(Cow::Borrowed),
                mac: Some(mac),
                ..DeviceInfo::default()
            });
        }
        None
    })
}
