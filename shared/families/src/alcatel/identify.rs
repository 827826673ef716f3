//! Alcatel-Lucent: telling an ALE 8028s or Myriad phone from its
//! User-Agent and the `mac` argument of its requests.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use crate::helpers;
use provd_core::family::*;
use provd_core::mac::Mac;

use super::*;

/// `ALE <model>[-CE] <version> <mac>` (`ALE M3-CE 2.11.01.1604 3c28a620089e`,
/// `ALE 8028s-GE 1.51.52.2204 487a55023075`): model in group 1 (without
/// `-CE`), version (four or five numbers) in group 2, MAC in group 3. No
/// end anchor, as wazo's.
pub(super) static UA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)^ALE (8028s-GE|M[357])(?:-CE)? ((?:[0-9]{1,4}\.?){4,5}) ([0-9a-f]{12})").unwrap()
});

/// Every form starts `ALE `.
pub(super) fn starts_with_ale(ua: &[u8]) -> bool {
    ua.starts_with(b"ALE ")
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&UA, starts_with_ale)]
}

thread_local! {
    // Reused capture slots: identification runs per request and must not
    // allocate once warm.
    static UA_LOCATIONS: RefCell<CaptureLocations> = RefCell::new(UA.capture_locations());
}

/// The `mac` argument of the query string (`/config.M3.xml?mac=3c28a620089e`),
/// when it is a MAC.
fn mac_argument(path: &[u8]) -> Option<Mac> {
    let query = &path[path.iter().position(|&b| b == b'?')? + 1..];
    query.split(|&b| b == b'&').find_map(|pair| pair.strip_prefix(b"mac=")).and_then(|v| Mac::parse_bytes(v).ok())
}

/// A request with an ALE User-Agent: what the User-Agent tells, its MAC
/// else the `mac` argument's. Only with that User-Agent: a `mac=` argument
/// alone says nothing of the vendor (wazo read it from any request).
pub(super) fn extract_http<'a>(path: &[u8], ua: &'a [u8]) -> Option<DeviceInfo<'a>> {
    if !starts_with_ale(ua) {
        return None;
    }
    let argument = mac_argument(path);
    UA_LOCATIONS.with_borrow_mut(|locs| {
        if UA.captures_read(locs, ua).is_none() {
            return argument.map(|mac| DeviceInfo { mac: Some(mac), ..DeviceInfo::default() });
        }
        let group = |g| locs.get(g).map(|(s, e)| &ua[s..e]);
        Some(DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: group(1).and_then(helpers::utf8).map(Cow::Borrowed),
            version: group(2).and_then(helpers::utf8).map(Cow::Borrowed),
            mac: group(3).and_then(|m| Mac::parse_bytes(m).ok()).or(argument),
            ..DeviceInfo::default()
        })
    })
}
