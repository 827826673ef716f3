//! Htek: telling a phone from its HTTP User-Agent.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::bytes::Regex;

use provd_core::family::*;
use provd_core::mac::Mac;

use crate::helpers::utf8;

use super::*;

/// `Htek <model> <version> <mac>`: three fields without spaces. ASCII
/// classes on raw bytes.
pub(super) static UA: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?-u)^Htek ([^ ]+) ([^ ]+) ([^ ]+)$").unwrap());

/// The regex runs only on User-Agents that start as it requires.
fn ua_may_match(ua: &[u8]) -> bool {
    ua.starts_with(b"Htek ")
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&*UA, ua_may_match as fn(&[u8]) -> bool)]
}

/// Vendor, model, version and MAC; a field that is not text (or a MAC
/// that is none) is dropped, the others kept.
pub(super) fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    if !ua_may_match(ua) {
        return None;
    }
    let caps = UA.captures(ua)?;
    let text = |i: usize| caps.get(i).and_then(|m| utf8(m.as_bytes())).map(Cow::Borrowed);
    Some(DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model: text(1),
        version: text(2),
        mac: caps.get(3).and_then(|m| Mac::parse_bytes(m.as_bytes()).ok()),
        ..DeviceInfo::default()
    })
}

/// `cfg` and four digits, `.xml`: the form of the models' common files.
pub(super) fn is_common_file_name(name: &[u8]) -> bool {
    name.len() == 11 && name.starts_with(b"cfg") && name[3..7].iter().all(u8::is_ascii_digit) && name.ends_with(b".xml")
}
