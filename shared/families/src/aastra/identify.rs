//! Aastra/Mitel: telling a phone from its User-Agent.

use std::borrow::Cow;
#[cfg(test)]
use std::sync::LazyLock;

#[cfg(test)]
use regex::bytes::Regex;

use provd_core::family::*;

use super::*;

/// wazo's User-Agent rule, which [`ua_form`] matches by hand; kept to test
/// against. ASCII `\w` on purpose: the UA is bytes, and Python's
/// decode('ascii') rejected anything else anyway.
#[cfg(test)]
pub(super) static UA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?-u)^(?:Aastra|Mitel)(\w+) MAC:([^ ]+) V:([^ ]+)-SIP$").unwrap());

/// `^[0-9A-F]{12}\.cfg$`, wazo's rule, which [`Aastra::is_sensitive`]
/// checks by hand (it runs on every request); kept to test against.
#[cfg(test)]
pub(super) static SENSITIVE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[0-9A-F]{12}\.cfg$").unwrap());

/// Older phones announce a short model name.
pub(super) const SHORT_MODELS: [(&str, &str); 4] =
    [("51i", "6751i"), ("53i", "6753i"), ("55i", "6755i"), ("57i", "6757i")];

/// The hand-written sensitive-file rule, exactly (both ways) the regex.
#[cfg(test)]
pub(crate) fn exact_rules() -> Vec<crate::RegexRule> {
    vec![(&SENSITIVE, |b| Aastra.is_sensitive(b))]
}

/// [`UA`] matched by hand, as capture spans of groups 1 to 3: the model is
/// the `\w` run before ` MAC:`, the MAC the run of non-spaces before ` V:`,
/// the version the rest but its `-SIP` ending (no space in it). Every
/// Aastra and Mitel request runs it; the regex cost more than the rest of
/// the extraction. Tested against the regex, as Yealink's.
pub(super) fn ua_form(ua: &[u8]) -> Option<crate::Spans> {
    let at = if ua.starts_with(b"Aastra") {
        6
    } else if ua.starts_with(b"Mitel") {
        5
    } else {
        return None;
    };
    let model = (at, at + ua[at..].iter().take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count());
    if model.1 == model.0 || !ua[model.1..].starts_with(b" MAC:") {
        return None;
    }
    let from = model.1 + 5;
    let mac = (from, from + ua[from..].iter().take_while(|&&c| c != b' ').count());
    if mac.1 == mac.0 || !ua[mac.1..].starts_with(b" V:") {
        return None;
    }
    let rest = &ua[mac.1 + 3..];
    (rest.len() > 4 && rest.ends_with(b"-SIP") && !rest.contains(&b' ')).then_some([
        model,
        mac,
        (mac.1 + 3, ua.len() - 4),
    ])
}

#[cfg(test)]
pub(crate) fn exact_captures() -> Vec<crate::CaptureRule> {
    vec![(&UA, ua_form)]
}

pub(super) fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    let [model, mac, version] = ua_form(ua)?.map(|(s, e)| &ua[s..e]);
    let mac = provd_core::mac::Mac::parse_bytes(mac).ok()?;
    // Group 1 is ASCII by construction; the version may hold any byte.
    let model = std::str::from_utf8(model).ok()?;
    let model = SHORT_MODELS.iter().find(|(short, _)| *short == model).map_or(model, |(_, full)| full);
    let version = std::str::from_utf8(version).ok();
    Some(DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model: Some(Cow::Borrowed(model)),
        version: version.map(Cow::Borrowed),
        mac: Some(mac),
        ..Default::default()
    })
}
