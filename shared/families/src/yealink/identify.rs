//! Yealink: telling a phone from its User-Agent and request paths.

use std::borrow::Cow;
use std::cell::RefCell;
use std::sync::LazyLock;

use regex::bytes::{CaptureLocations, Regex};

use crate::helpers;
use provd_core::family::*;
use provd_core::mac::Mac;

use super::*;

/// The User-Agent forms every wazo Yealink plugin generation accepted, as
/// one list: `(model, version, mac)` in groups 1 to 3. `(?-u)` keeps the
/// classes ASCII, so the captures are valid UTF-8 whatever the bytes around.
pub(super) static UA_PATTERNS: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        // Yealink SIP-T46G 28.72.0.1 00:15:65:4a:a9:37, yealink SIP-T18 ...,
        // Yealink SIP VP-T49G ..., Yealink SIP-CP920 ...
        r"(?-u)^[yY]ealink\s+SIP(?: VP)?-(\w+)\s+([\d.]+)\s+([\da-fA-F:]{17})$",
        // Models announced without "SIP-": DECT bases, conference phones, AX.
        r"(?-u)^[yY]ealink\s+(CP860|CP960|W52P|W60B|W[789][05](?:DM|B)|AX83H?|AX86R)\s+([\d.]+)\s+([\da-fA-F:]{17})$",
        r"(?-u)^(VP530P?|W52P|W60B)\s+([\d.]+)\s+([\da-fA-F:]{17})$",
        // Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0: the third group is a
        // hardware version, which never parses as a MAC.
        r"(?-u)^[yY]ealink-(\w+)\s+([\d.]+)\s+([\d.]+)$",
    ]
    .map(|p| Regex::new(p).unwrap())
});

thread_local! {
    // Reused capture slots: identification runs per request and must not
    // allocate once warm.
    static UA_LOCATIONS: RefCell<Vec<CaptureLocations>> =
        RefCell::new(UA_PATTERNS.iter().map(Regex::capture_locations).collect());
}

/// OUIs whose `/<mac>.cfg` requests are taken for Yealink phones when there
/// is no User-Agent (wazo's v86/v87 list).
pub(super) const OUIS: [&[u8; 6]; 12] = [
    b"001565", b"e434d7", b"805ec0", b"805e0c", b"249ad8", b"3497d7", b"44dbd2", b"644f56", b"b061a9", b"c4fc22",
    b"ec1da9", b"f01653",
];

/// `^[yY]ealink`: the prefix of patterns 0, 1 and 3.
pub(super) fn starts_with_yealink(ua: &[u8]) -> bool {
    ua.len() >= 7 && matches!(ua[0], b'y' | b'Y') && ua[1..7] == *b"ealink"
}

/// `^(VP530|W52P|W60B)`: the prefix of pattern 2.
pub(super) fn starts_with_bare_model(ua: &[u8]) -> bool {
    ua.starts_with(b"VP530") || ua.starts_with(b"W52P") || ua.starts_with(b"W60B")
}

/// Whether `UA_PATTERNS[i]` can match `ua`, by its anchored literal prefix:
/// every request's User-Agent is offered to every family, and a failing
/// regex search costs more than these comparisons.
pub(super) const UA_PREFILTERS: [fn(&[u8]) -> bool; 4] =
    [starts_with_yealink, starts_with_yealink, starts_with_bare_model, starts_with_yealink];

#[cfg(test)]
pub(crate) fn prefilters() -> Vec<crate::RegexRule> {
    UA_PATTERNS.iter().zip(UA_PREFILTERS).collect()
}

/// `UA_PATTERNS[0]`, the form nearly every Yealink phone sends, matched by
/// hand: each part's class is disjoint from the next part's, so the one
/// possible match takes maximal runs, and a linear scan finds exactly what
/// the regex finds (tested on the identification vectors, mutations of them
/// and random bytes). It runs on every Yealink request; the regex cost more
/// than the rest of the extraction.
pub(super) fn sip_form(ua: &[u8]) -> Option<crate::Spans> {
    // `(?-u)` classes: `\s`, `\w`, `[\d.]`, `[\da-fA-F:]`.
    let space = |c: u8| matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ');
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let version = |c: u8| c.is_ascii_digit() || c == b'.';
    let run = |from: usize, class: &dyn Fn(u8) -> bool| {
        let to = from + ua[from..].iter().take_while(|&&c| class(c)).count();
        (to > from).then_some(to)
    };
    if !starts_with_yealink(ua) {
        return None;
    }
    let mut i = run(7, &space)?;
    i += ua[i..].strip_prefix(b"SIP")?.strip_prefix(b" VP").map_or(3, |_| 6);
    if ua.get(i) != Some(&b'-') {
        return None;
    }
    let model = (i + 1, run(i + 1, &word)?);
    let at = run(model.1, &space)?;
    let ver = (at, run(at, &version)?);
    let at = run(ver.1, &space)?;
    let mac = &ua[at..];
    (mac.len() == 17 && mac.iter().all(|c| c.is_ascii_hexdigit() || *c == b':')).then_some([model, ver, (at, ua.len())])
}

#[cfg(test)]
pub(crate) fn exact_captures() -> Vec<crate::CaptureRule> {
    vec![(&UA_PATTERNS[0], sip_form)]
}

pub(super) fn extract_ua(ua: &[u8]) -> Option<DeviceInfo<'_>> {
    if !starts_with_yealink(ua) && !starts_with_bare_model(ua) {
        return None;
    }
    let info = |[model, ver, mac]: crate::Spans| {
        let group = |(s, e): (usize, usize)| &ua[s..e];
        DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: helpers::utf8(group(model)).map(Cow::Borrowed),
            version: helpers::utf8(group(ver)).map(Cow::Borrowed),
            // A MAC that does not normalise is dropped; the rest stays.
            mac: Mac::parse_bytes(group(mac)).ok(),
            ..DeviceInfo::default()
        }
    };
    if let Some(spans) = sip_form(ua) {
        return Some(info(spans));
    }
    UA_LOCATIONS.with_borrow_mut(|all| {
        let rest = UA_PATTERNS.iter().zip(UA_PREFILTERS).zip(all.iter_mut()).skip(1);
        for ((re, may_match), locs) in rest {
            if !may_match(ua) || re.captures_read(locs, ua).is_none() {
                continue;
            }
            // Every pattern has the three groups, and they take part in
            // every match.
            let spans = [1, 2, 3].map(|g| locs.get(g).unwrap_or((0, 0)));
            return Some(info(spans));
        }
        None
    })
}

pub(super) fn extract_path(path: &[u8]) -> Option<DeviceInfo<'static>> {
    let path = path.split(|&b| b == b'?').next().unwrap_or(path);
    if path == b"/y000000000025.cfg" {
        return Some(DeviceInfo {
            vendor: Some(Cow::Borrowed(VENDOR)),
            model: Some(Cow::Borrowed("W52P")),
            ..DeviceInfo::default()
        });
    }
    let hex = path.strip_prefix(b"/")?.strip_suffix(b".cfg")?;
    if hex.len() != 12 || !OUIS.iter().any(|oui| hex[..6].eq_ignore_ascii_case(&oui[..])) {
        return None;
    }
    let mac = Mac::parse_bytes(hex).ok()?;
    Some(DeviceInfo { vendor: Some(Cow::Borrowed(VENDOR)), mac: Some(mac), ..DeviceInfo::default() })
}
