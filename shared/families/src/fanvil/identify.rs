//! Fanvil: telling a phone from its HTTP User-Agent and request path.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::bytes::Regex;

use provd_core::family::*;
use provd_core::mac::Mac;

use crate::helpers::utf8;

use super::*;

/// `Fanvil <model> <version> <mac>`: `Fanvil X4 2.10.2.6887 0c383e07e16c`,
/// `Fanvil X6U Pro 0.0.10 0c383e2cd782` (a space before `Pro`), lower-case
/// MAC without separators. ASCII classes on raw bytes.
pub(super) static UA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?-u)^Fanvil ([VHXWi][0-9]{1,3}[WSGVUCi]?[DV]?[0-9]?(?:-V[12])?(?:\s?Pro)?) ([0-9.]+) ([0-9a-f]{12})$")
        .unwrap()
});

/// The regex runs only on User-Agents that start as it requires.
fn ua_may_match(ua: &[u8]) -> bool {
    ua.starts_with(b"Fanvil ")
}

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&*UA, ua_may_match as fn(&[u8]) -> bool)]
}

/// The per-model common files phones of the bundled plugins ask for, by
/// name, and the model each one tells (wazo's plugins look the request's
/// base name up in theirs).
pub(super) const COMMON_FILES: &[(&str, &str)] = &[
    ("f0X2hw1.100.cfg", "X2"),
    ("F0V00X300000.cfg", "X3"),
    ("f0X3shw1.100.cfg", "X3S"),
    ("f0X3sghw1.100.cfg", "X3SG"),
    ("f0X4hw1.100.cfg", "X4"),
    ("f0X5hw1.100.cfg", "X5"),
    ("F0V00X5S0000.cfg", "X5S"),
    ("F0V00X600000.cfg", "X6"),
    ("F0000X600000.cfg", "X6V2"),
    ("F0V0V6700000.cfg", "V67"),
    ("fanvil_v67_hw1_1.txt", "V67"),
    ("F0V0V6200000.cfg", "V62"),
    ("fanvil_v62_hwv1_0.txt", "V62"),
    ("F0V0V6400000.cfg", "V64"),
    ("fanvil_v64_hwv1_0.txt", "V64"),
    ("F0V0V6500000.cfg", "V65"),
    ("fanvil_v65_hwv1_0.txt", "V65"),
];

/// Vendor, model (a space becomes `-`: `X6U-Pro`), version and MAC.
pub(super) fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    if !ua_may_match(ua) {
        return None;
    }
    let caps = UA.captures(ua)?;
    let model = utf8(caps.get(1)?.as_bytes())?;
    // `\s` is any ASCII space; every one becomes `-`, as wazo's space does.
    let model = if model.bytes().any(|b| b.is_ascii_whitespace()) {
        Cow::Owned(model.replace(|c: char| c.is_ascii_whitespace(), "-"))
    } else {
        Cow::Borrowed(model)
    };
    Some(DeviceInfo {
        vendor: Some(Cow::Borrowed(VENDOR)),
        model: Some(model),
        version: Some(Cow::Borrowed(utf8(caps.get(2)?.as_bytes())?)),
        mac: Mac::parse_bytes(caps.get(3)?.as_bytes()).ok(),
        ..DeviceInfo::default()
    })
}

/// A known common file's name (the path's last part) tells vendor and
/// model; otherwise a path ending `<mac>.cfg` (`\b[0-9a-f]{12}\.cfg$`, not
/// twelve zeros) tells the MAC alone (kept only when no other vendor's
/// User-Agent came with it: see `extract`). The query string is no
/// part of the path.
pub(super) fn extract_path(path: &[u8]) -> Option<DeviceInfo<'static>> {
    let path = path.split(|&b| b == b'?').next().unwrap_or(path);
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(path);
    if let Some((_, model)) = COMMON_FILES.iter().find(|(file, _)| file.as_bytes() == name) {
        return Some(DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: Some(Cow::Borrowed(model)),
            ..DeviceInfo::default()
        });
    }
    let stem = path.strip_suffix(b".cfg")?;
    let (before, hex) = stem.split_at(stem.len().checked_sub(12)?);
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    if before.last().copied().is_some_and(word)
        || !hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        || hex.iter().all(|&b| b == b'0')
    {
        return None;
    }
    Some(DeviceInfo { mac: Mac::parse_bytes(hex).ok(), ..DeviceInfo::default() })
}
