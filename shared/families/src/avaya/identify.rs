//! Avaya: telling a phone from its User-Agent and the file names it asks for.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use provd_core::family::*;
use provd_core::mac::Mac;

use super::{VENDOR, text};

/// `(?-u)`: ASCII classes on bytes. The 12x0 puts a raw byte after its
/// model name (`SIP12x0\x17`, `\xff`...), which made wazo's `decode('ascii')`
/// fail the request; here it is just a byte `[^/]` takes.
static PATTERNS: LazyLock<[Regex; 2]> = LazyLock::new(|| {
    [
        r"(?-u)^AVAYA/[^/]+/([\d.]{11})$",
        // wazo's two J100 forms in one: at the start, or after a word
        // boundary (`Mozilla/4.0 (compatible; MSIE 6.0) AVAYA/J179-...`).
        r"(?-u)\bAVAYA/+(\w+)-+([\d.]+)\s+\(MAC:([\da-fA-F]{12})\)$",
    ]
    .map(|p| Regex::new(p).unwrap())
});

const SIP12X0_UA: usize = 0;
const J100_UA: usize = 1;

thread_local! {
    // Reused capture slots: identification must not allocate once warm.
    static LOCATIONS: RefCell<Vec<CaptureLocations>> =
        RefCell::new(PATTERNS.iter().map(Regex::capture_locations).collect());
}

fn captures<'a, T>(i: usize, input: &'a [u8], f: impl FnOnce(&dyn Fn(usize) -> Option<&'a [u8]>) -> T) -> Option<T> {
    LOCATIONS.with_borrow_mut(|all| {
        let locs = &mut all[i];
        PATTERNS[i].captures_read(locs, input)?;
        let group = |g: usize| locs.get(g).map(|(s, e)| &input[s..e]);
        Some(f(&group))
    })
}

/// The patterns with the checks made before them.
#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    vec![(&PATTERNS[SIP12X0_UA], |ua| ua.starts_with(b"AVAYA/")), (&PATTERNS[J100_UA], |ua| contains(ua, b"AVAYA/"))]
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// The files of the UNIStim-to-SIP upgrade and their model. wazo also
/// mapped `J100Supgrade.txt` to one J100 model (the last of three
/// duplicate keys, J179) whatever the phone; provd takes the vendor only
/// from it.
const FILE_MODELS: [(&[u8], Option<&str>); 5] = [
    (b"1220.cfg", Some("1220IP")),
    (b"1220SIP.cfg", Some("1220IP")),
    (b"1230.cfg", Some("1230IP")),
    (b"1230SIP.cfg", Some("1230IP")),
    (b"J100Supgrade.txt", None),
];

fn file_model(basename: &[u8]) -> Option<Option<&'static str>> {
    FILE_MODELS.iter().find(|(name, _)| *name == basename).map(|(_, model)| *model)
}

fn basename(path: &[u8]) -> &[u8] {
    let path = path.split(|&b| b == b'?').next().unwrap_or(path);
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

pub(super) fn extract_ua<'a>(ua: &'a [u8], path: &[u8]) -> Option<DeviceInfo<'a>> {
    let mut info = if ua.starts_with(b"AVAYA/")
        && let Some(info) =
            captures(SIP12X0_UA, ua, |g| DeviceInfo { version: g(1).and_then(text), ..Default::default() })
    {
        info
    } else if contains(ua, b"AVAYA/") {
        captures(J100_UA, ua, |g| DeviceInfo {
            model: g(1).and_then(text),
            version: g(2).and_then(text),
            mac: g(3).and_then(|m| Mac::parse_bytes(m).ok()),
            ..Default::default()
        })?
    } else {
        return None;
    };
    info.vendor = Some(Cow::Borrowed(VENDOR));
    // `SIP<MAC>.cfg`: the MAC; else a file of the map: the model, when
    // the User-Agent did not tell it.
    let name = basename(path);
    if let Some(hex) = name.strip_prefix(b"SIP").and_then(|n| n.strip_suffix(b".cfg"))
        && hex.len() == 12
        && hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'A'..=b'F'))
    {
        info.mac = Mac::parse_bytes(hex).ok().or(info.mac);
    } else if info.model.is_none()
        && let Some(Some(model)) = file_model(name)
    {
        info.model = Some(Cow::Borrowed(model));
    }
    Some(info)
}

/// The upgrade files, by exact name (a leading `/` allowed).
pub(super) fn extract_tftp(name: &[u8]) -> Option<DeviceInfo<'_>> {
    let model = file_model(name.strip_prefix(b"/").unwrap_or(name))?;
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), model: model.map(Cow::Borrowed), ..Default::default() })
}
