//! Digium: telling a phone from its DHCP vendor class and request paths.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::bytes::Regex;

use provd_core::family::*;
use provd_core::mac::Mac;

use super::*;

/// `digium_<model>_<version with _ for .>`; ASCII classes on raw bytes.
pub(super) static VENDOR_CLASS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)^digium_(D\d\d)_([\d_]+)$").unwrap());

pub(super) fn extract_dhcp(vendor_class: &[u8]) -> Option<DeviceInfo<'_>> {
    // The DHCP hook hands the option over raw: a NUL-terminated string
    // keeps its terminator.
    let end = vendor_class.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let vendor_class = &vendor_class[..end];
    // DHCP information is rare next to file requests: plain `captures`.
    let caps = VENDOR_CLASS.captures(vendor_class)?;
    let model = std::str::from_utf8(caps.get(1)?.as_bytes()).ok()?;
    let version: String =
        caps.get(2)?.as_bytes().iter().map(|&b| if b == b'_' { '.' } else { char::from(b) }).collect();
    Some(DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model: Some(Cow::Borrowed(model)),
        version: Some(Cow::Owned(version)),
        ..DeviceInfo::default()
    })
}

/// Any request under `/Digium/` is a Digium phone's; `/Digium/<mac>.cfg`
/// tells which one (`000000000000` is nobody).
pub(super) fn extract_path(path: &[u8]) -> Option<DeviceInfo<'static>> {
    let rest = path.strip_prefix(b"/Digium/")?;
    // A prefix match, as wazo's: `<mac>.cfg` may be followed by anything.
    let mac = rest
        .get(..16)
        .filter(|name| name.ends_with(b".cfg") && &name[..12] != b"000000000000")
        .and_then(|name| Mac::parse_bytes(&name[..12]).ok());
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), mac, ..DeviceInfo::default() })
}
