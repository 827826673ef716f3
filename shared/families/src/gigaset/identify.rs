//! Gigaset: telling a DECT base from its DHCP vendor class and User-Agent.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use crate::helpers;
use provd_core::family::*;
use provd_core::mac::Mac;

use super::*;

/// The N510 and N720 (firmware `42.x`, `70.x`): `[Gigaset ]<model>/<five
/// numbers>[;<MAC>]` (`N510 IP PRO/42.245.00.000.000;7C2F804DF9A9`). Model
/// in group 1, the first two numbers (all that names the firmware) in
/// group 2, the MAC in group 3.
pub(super) static FIRST_GENERATION_UA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)^(?:Gigaset )?(N\d{3} .+)/(\d{2,3}\.\d{2,3})\.\d{2,3}\.\d{2,3}\.\d{2,3};?([A-F0-9]{12})?$")
        .unwrap()
});

/// The N870 generation (firmware `83.V2.x`): `["][Gigaset ]<model>/<version>
/// [+build.<hash>];[<MAC>][;Handset=<n>]["]`
/// (`Gigaset N870 IP PRO/83.V2.11.0+build.a546b91;7C2F80E0D605`). The
/// `;` after the version is required. Same groups.
pub(super) static NX70_UA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?-u)^"?(?:Gigaset )?([\w\s]+)/((?:\w{2,3}\.){3,4}\w{1,3})(?:\+.+)?;([0-9A-F]{12})?(?:;Handset=\d+)?"?$"#,
    )
    .unwrap()
});

/// The first form needs a model `N<digit>` at the start (after `Gigaset `).
pub(super) fn may_be_first_generation(ua: &[u8]) -> bool {
    let rest = ua.strip_prefix(b"Gigaset ").unwrap_or(ua);
    rest.first() == Some(&b'N') && rest.get(1).is_some_and(u8::is_ascii_digit)
}

/// The Nx70 form needs a `/` and a `;`.
pub(super) fn may_be_nx70(ua: &[u8]) -> bool {
    ua.contains(&b';') && ua.contains(&b'/')
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&FIRST_GENERATION_UA, may_be_first_generation), (&NX70_UA, may_be_nx70)]
}

thread_local! {
    // Reused capture slots: identification runs per request and must not
    // allocate once warm.
    static UA_LOCATIONS: RefCell<[CaptureLocations; 2]> =
        RefCell::new([FIRST_GENERATION_UA.capture_locations(), NX70_UA.capture_locations()]);
}

/// The first form is tried first: its User-Agents fit the looser Nx70
/// pattern too, which would take all five numbers for the version.
pub(super) fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    let (first, nx70) = (may_be_first_generation(ua), may_be_nx70(ua));
    if !first && !nx70 {
        return None;
    }
    UA_LOCATIONS.with_borrow_mut(|[first_locs, nx70_locs]| {
        let (locs, first_generation) = if first && FIRST_GENERATION_UA.captures_read(first_locs, ua).is_some() {
            (&*first_locs, true)
        } else if nx70 && NX70_UA.captures_read(nx70_locs, ua).is_some() {
            (&*nx70_locs, false)
        } else {
            return None;
        };
        let group = |g| locs.get(g).map(|(s, e)| &ua[s..e]);
        let model = helpers::utf8(group(1)?)?;
        // wazo writes the first generation's `N720-DM-PRO` with spaces.
        let model = if first_generation && model.contains('-') {
            Cow::Owned(model.replace('-', " "))
        } else {
            Cow::Borrowed(model)
        };
        Some(DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: Some(model),
            version: group(2).and_then(helpers::utf8).map(Cow::Borrowed),
            mac: group(3).and_then(|m| Mac::parse_bytes(m).ok()),
            ..DeviceInfo::default()
        })
    })
}

/// DHCP option 60 of the first generation: `N510_IP_PRO`, or with a
/// `Gigaset_` prefix (`Gigaset_N720_DM_PRO`).
pub(super) fn extract_dhcp(vendor_class: &[u8]) -> Option<DeviceInfo<'static>> {
    // The DHCP hook hands the option over raw: a NUL-terminated string
    // keeps its terminator.
    let end = vendor_class.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let mut class = &vendor_class[..end];
    // As wazo: a class starting `Gigaset` loses its first `_`-separated part.
    if class.starts_with(b"Gigaset") {
        let cut = class.iter().position(|&b| b == b'_')?;
        class = &class[cut + 1..];
    }
    let model = match class {
        b"N720_DM_PRO" => "N720 DM PRO",
        b"N510_IP_PRO" => "N510 IP PRO",
        _ => return None,
    };
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), model: Some(Cow::Borrowed(model)), ..DeviceInfo::default() })
}
