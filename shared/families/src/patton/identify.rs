//! Patton: telling a SmartNode from its User-Agent.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use crate::helpers;
use provd_core::family::*;
use provd_core::mac::Mac;

use super::*;

/// `SmartNode (Model:SN4112/JS/EUI; Serial:00A0BA08933C; Software
/// Version:R6.2 2012-09-11 H323 SIP FXS FXO; Hardware Version:4.4)`:
/// model, serial (the MAC) and version (after the `R`) in groups 1 to 3.
pub(super) static UA_PATTERN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)^SmartNode \(Model:(\w+)/[^;]+; Serial:(\w+); Software Version:R([^ ]+)").unwrap()
});

thread_local! {
    // Reused capture slots: identification runs per request.
    static UA_LOCATIONS: RefCell<CaptureLocations> = RefCell::new(UA_PATTERN.capture_locations());
}

/// `^SmartNode \(`: the pattern's literal prefix, checked before it.
pub(super) fn starts_with_smartnode(ua: &[u8]) -> bool {
    ua.starts_with(b"SmartNode (")
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&*UA_PATTERN, starts_with_smartnode as fn(&[u8]) -> bool)]
}

/// Vendor, model, version and MAC (the serial number) from a User-Agent.
/// One that is not ASCII, or whose serial is no MAC, tells nothing (wazo
/// failed the request on the first and gave up on the second).
pub(super) fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    if !starts_with_smartnode(ua) || !ua.is_ascii() {
        return None;
    }
    UA_LOCATIONS.with_borrow_mut(|locs| {
        UA_PATTERN.captures_read(locs, ua)?;
        // The three groups take part in every match.
        let [model, serial, version] = [1, 2, 3].map(|g| locs.get(g).map_or(&b""[..], |(s, e)| &ua[s..e]));
        let mac = Mac::parse_bytes(serial).ok()?;
        Some(DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: helpers::utf8(model).map(Cow::Borrowed),
            version: helpers::utf8(version).map(Cow::Borrowed),
            mac: Some(mac),
            ..DeviceInfo::default()
        })
    })
}
