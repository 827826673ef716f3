//! Conditional requests and byte ranges for a served file (RFC 9110 §13-14).

use super::date::parse_http_date;
use super::parse::{Method, Request};

/// What the server knows about the file it is about to serve.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileMeta<'a> {
    /// The file's length in bytes.
    pub len: u64,
    /// A complete entity-tag, quotes included: `"abc"` or `W/"abc"`; `None`
    /// sends no `ETag` and matches no `If-None-Match` but `*`.
    pub etag: Option<&'a [u8]>,
    /// Seconds since the Unix epoch; `None` sends no `Last-Modified` and
    /// ignores `If-Modified-Since`.
    pub last_modified: Option<u64>,
    /// Usually [`super::content_type`] of the served path.
    pub content_type: &'a str,
}

/// Which answer a GET or HEAD of an existing file gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selection {
    /// 200 with the whole file.
    Full,
    /// 206 with bytes `first..=last`.
    Partial {
        /// Offset of the first byte sent.
        first: u64,
        /// Offset of the last byte sent (below the file's length).
        last: u64,
    },
    /// 304.
    NotModified,
    /// 416 with `Content-Range: bytes */len`.
    Unsatisfiable,
}

/// Evaluates the preconditions and `Range` of a GET or HEAD, in RFC 9110
/// §13.2.2's order:
///
/// * `If-None-Match` (weak comparison, `*` matches any file) → 304; when it
///   is present `If-Modified-Since` is not looked at.
/// * `If-Modified-Since` (any HTTP-date form) → 304 when the file is not
///   newer. `If-Match` and `If-Unmodified-Since` are not evaluated: phones
///   do not send them and they only guard writes.
/// * `Range`, GET only: Range on HEAD is ignored (range handling is defined
///   for GET alone, and Twisted ignores it too). One `bytes=` range-spec
///   (`first-last`, `first-`, `-suffix`) → 206, or 416 when it starts past
///   the end (or is `-0`). Several ranges, other units and invalid syntax
///   are ignored (200), which RFC 9110 §14.2 allows, so no multipart. An
///   empty file always gets 200: no byte range of it can be written. A
///   suffix longer than the file gives the whole file as 206.
/// * `If-Range`: an entity-tag must match strongly, a date must equal
///   `Last-Modified`; otherwise Range is ignored (200).
pub fn select(req: &Request<'_>, meta: &FileMeta<'_>) -> Selection {
    let not_modified = match (req.if_none_match, req.if_modified_since, meta.last_modified) {
        (Some(list), _, _) => none_match(list, meta.etag),
        (None, Some(since), Some(modified)) => parse_http_date(since).is_some_and(|since| modified <= since),
        _ => false,
    };
    if not_modified {
        return Selection::NotModified;
    }
    let Some(range) = req.range else { return Selection::Full };
    if req.method != Method::Get || meta.len == 0 {
        return Selection::Full;
    }
    if req.if_range.is_some_and(|v| !if_range(v, meta)) {
        return Selection::Full;
    }
    let len = meta.len;
    match parse_range(range) {
        None => Selection::Full,
        Some(Spec::From(first, _)) if first >= len => Selection::Unsatisfiable,
        Some(Spec::From(first, last)) => Selection::Partial { first, last: last.map_or(len - 1, |l| l.min(len - 1)) },
        Some(Spec::Suffix(0)) => Selection::Unsatisfiable,
        Some(Spec::Suffix(n)) => Selection::Partial { first: len.saturating_sub(n), last: len - 1 },
    }
}

/// Weak comparison of our tag against an `If-None-Match` list. A malformed
/// list matches nothing, so the client gets the full file.
fn none_match(list: &[u8], etag: Option<&[u8]>) -> bool {
    let ours = etag.map(|e| e.strip_prefix(b"W/").unwrap_or(e));
    let mut rest = list;
    loop {
        while let [b' ' | b'\t' | b',', tail @ ..] = rest {
            rest = tail;
        }
        match rest {
            [] => return false,
            [b'*', ..] => return true,
            [b'W', b'/', tail @ ..] => rest = tail,
            _ => {}
        }
        let [b'"', tail @ ..] = rest else { return false };
        let Some(close) = tail.iter().position(|&b| b == b'"') else { return false };
        let tag = &rest[..close + 2];
        if ours == Some(tag) {
            return true;
        }
        rest = &tail[close + 1..];
    }
}

fn if_range(value: &[u8], meta: &FileMeta<'_>) -> bool {
    // "Wed, ..." is a date, `W/"..."` a (weak, so never matching) tag.
    if value.first() == Some(&b'"') || value.starts_with(b"W/") {
        meta.etag.is_some_and(|ours| !ours.starts_with(b"W/") && value == ours)
    } else {
        parse_http_date(value).is_some_and(|date| meta.last_modified == Some(date))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spec {
    From(u64, Option<u64>),
    Suffix(u64),
}

/// A single `bytes=` range-spec, or `None` for anything to ignore.
fn parse_range(value: &[u8]) -> Option<Spec> {
    let eq = value.iter().position(|&b| b == b'=')?;
    if !value[..eq].trim_ascii().eq_ignore_ascii_case(b"bytes") {
        return None;
    }
    let mut spec = None;
    // Empty list elements do not count (RFC 9110 §5.6.1).
    for part in value[eq + 1..].split(|&b| b == b',').map(<[u8]>::trim_ascii).filter(|p| !p.is_empty()) {
        if spec.is_some() {
            return None;
        }
        let dash = part.iter().position(|&b| b == b'-')?;
        let (first, last) = (&part[..dash], &part[dash + 1..]);
        spec = Some(match (first.is_empty(), last.is_empty()) {
            (true, true) => return None,
            (true, false) => Spec::Suffix(number(last)?),
            (false, true) => Spec::From(number(first)?, None),
            (false, false) => {
                let (first, last) = (number(first)?, number(last)?);
                if first > last {
                    return None;
                }
                Spec::From(first, Some(last))
            }
        });
    }
    spec
}

/// Decimal digits; saturates, since only the comparison with the file
/// length matters.
fn number(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(digits.iter().fold(0u64, |n, &d| n.saturating_mul(10).saturating_add(u64::from(d - b'0'))))
}

#[cfg(test)]
mod tests {
    use super::super::parse::{Parsed, parse};
    use super::super::{HttpDate, Limits};
    use super::*;

    const META: FileMeta<'static> =
        FileMeta { len: 100, etag: Some(b"\"v1\""), last_modified: Some(784_111_777), content_type: "text/plain" };

    fn sel_with(method: &str, headers: &str, meta: &FileMeta<'_>) -> Selection {
        let buf = format!("{method} /f.cfg HTTP/1.1\r\nHost: h\r\n{headers}\r\n");
        match parse(buf.as_bytes(), &Limits::default()) {
            Parsed::Request { req, .. } => select(&req, meta),
            other => panic!("{other:?}"),
        }
    }

    fn sel(headers: &str) -> Selection {
        sel_with("GET", headers, &META)
    }

    fn part(first: u64, last: u64) -> Selection {
        Selection::Partial { first, last }
    }

    #[test]
    fn if_none_match() {
        use Selection::*;
        assert_eq!(sel(""), Full);
        assert_eq!(sel("If-None-Match: \"v1\"\r\n"), NotModified);
        assert_eq!(sel("If-None-Match: W/\"v1\"\r\n"), NotModified);
        assert_eq!(sel("If-None-Match: \"v0\", \"v1\"\r\n"), NotModified);
        assert_eq!(sel("If-None-Match: \"v0\",W/\"v1\"\r\n"), NotModified);
        assert_eq!(sel("If-None-Match: *\r\n"), NotModified);
        assert_eq!(sel("If-None-Match: \"v0\"\r\n"), Full);
        assert_eq!(sel("If-None-Match: \"V1\"\r\n"), Full);
        assert_eq!(sel("If-None-Match: v1\r\n"), Full);
        assert_eq!(sel("If-None-Match: \"v1\r\n"), Full);
        assert_eq!(sel("If-None-Match: \"a,b\", \"v1\"\r\n"), NotModified);
        assert_eq!(sel("If-None-Match: \r\n"), Full);
        let weak = FileMeta { etag: Some(b"W/\"v1\""), ..META };
        assert_eq!(sel_with("GET", "If-None-Match: \"v1\"\r\n", &weak), NotModified);
        let none = FileMeta { etag: None, ..META };
        assert_eq!(sel_with("GET", "If-None-Match: \"v1\"\r\n", &none), Full);
        assert_eq!(sel_with("GET", "If-None-Match: *\r\n", &none), NotModified);
        assert_eq!(sel_with("HEAD", "If-None-Match: \"v1\"\r\n", &META), NotModified);
        // If-None-Match wins over If-Modified-Since, even when it does not match.
        let later = HttpDate::from_unix(784_111_777 + 10);
        let later = std::str::from_utf8(later.as_bytes()).unwrap();
        assert_eq!(sel(&format!("If-None-Match: \"v0\"\r\nIf-Modified-Since: {later}\r\n")), Full);
    }

    #[test]
    fn if_modified_since() {
        use Selection::*;
        assert_eq!(sel("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n"), NotModified);
        assert_eq!(sel("If-Modified-Since: Sun, 06 Nov 1994 08:49:38 GMT\r\n"), NotModified);
        assert_eq!(sel("If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n"), Full);
        assert_eq!(sel("If-Modified-Since: Sunday, 06-Nov-94 08:49:37 GMT\r\n"), NotModified);
        assert_eq!(sel("If-Modified-Since: Sun Nov  6 08:49:37 1994\r\n"), NotModified);
        assert_eq!(sel("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT; length=100\r\n"), NotModified);
        assert_eq!(sel("If-Modified-Since: garbage\r\n"), Full);
        assert_eq!(sel_with("HEAD", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", &META), NotModified);
        let unknown = FileMeta { last_modified: None, ..META };
        assert_eq!(sel_with("GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", &unknown), Full);
        // Not modified beats Range.
        assert_eq!(sel("If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nRange: bytes=0-1\r\n"), NotModified);
    }

    #[test]
    fn ranges() {
        use Selection::*;
        let r = |spec: &str| sel(&format!("Range: {spec}\r\n"));
        assert_eq!(r("bytes=0-0"), part(0, 0));
        assert_eq!(r("bytes=0-9"), part(0, 9));
        assert_eq!(r("bytes=10-19"), part(10, 19));
        assert_eq!(r("bytes=90-"), part(90, 99));
        assert_eq!(r("bytes=0-"), part(0, 99));
        assert_eq!(r("bytes=50-1000"), part(50, 99));
        assert_eq!(r("bytes=99-99"), part(99, 99));
        assert_eq!(r("bytes=-10"), part(90, 99));
        assert_eq!(r("bytes=-100"), part(0, 99));
        assert_eq!(r("bytes=-1000"), part(0, 99));
        assert_eq!(r("bytes=-99999999999999999999999"), part(0, 99));
        assert_eq!(r("Bytes=0-1"), part(0, 1));
        assert_eq!(r("bytes=0-1,"), part(0, 1));
        assert_eq!(r("bytes= 0-1 "), part(0, 1));
        // Unsatisfiable.
        assert_eq!(r("bytes=100-"), Unsatisfiable);
        assert_eq!(r("bytes=100-200"), Unsatisfiable);
        assert_eq!(r("bytes=99999999999999999999999-"), Unsatisfiable);
        assert_eq!(r("bytes=-0"), Unsatisfiable);
        // Ignored: several ranges, invalid, other units.
        for ignored in [
            "bytes=0-1,5-6",
            "bytes=0-1, 200-300",
            "bytes=5-4",
            "bytes=-",
            "bytes=",
            "bytes=a-b",
            "bytes=+1-2",
            "bytes=0-1-2",
            "bytes 0-1",
            "items=0-1",
            "bytes=0x1-2",
        ] {
            assert_eq!(r(ignored), Full, "{ignored}");
        }
        // HEAD ignores Range.
        assert_eq!(sel_with("HEAD", "Range: bytes=0-9\r\n", &META), Full);
        // An empty file has no byte ranges.
        let empty = FileMeta { len: 0, ..META };
        assert_eq!(sel_with("GET", "Range: bytes=0-\r\n", &empty), Full);
        assert_eq!(sel_with("GET", "Range: bytes=-5\r\n", &empty), Full);
        let one = FileMeta { len: 1, ..META };
        assert_eq!(sel_with("GET", "Range: bytes=-5\r\n", &one), part(0, 0));
        assert_eq!(sel_with("GET", "Range: bytes=1-\r\n", &one), Unsatisfiable);
    }

    #[test]
    fn if_range() {
        use Selection::*;
        assert_eq!(sel("If-Range: \"v1\"\r\nRange: bytes=0-9\r\n"), part(0, 9));
        assert_eq!(sel("If-Range: \"v0\"\r\nRange: bytes=0-9\r\n"), Full);
        assert_eq!(sel("If-Range: W/\"v1\"\r\nRange: bytes=0-9\r\n"), Full);
        assert_eq!(sel("If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\nRange: bytes=0-9\r\n"), part(0, 9));
        assert_eq!(sel("If-Range: Sun, 06 Nov 1994 08:49:38 GMT\r\nRange: bytes=0-9\r\n"), Full);
        assert_eq!(sel("If-Range: nonsense\r\nRange: bytes=0-9\r\n"), Full);
        let wed = FileMeta { last_modified: Some(784_887_151), ..META };
        assert_eq!(
            sel_with("GET", "If-Range: Wed, 15 Nov 1994 08:12:31 GMT\r\nRange: bytes=0-9\r\n", &wed),
            part(0, 9)
        );
        let weak = FileMeta { etag: Some(b"W/\"v1\""), ..META };
        assert_eq!(sel_with("GET", "If-Range: W/\"v1\"\r\nRange: bytes=0-9\r\n", &weak), Full);
        // If-Range alone changes nothing.
        assert_eq!(sel("If-Range: \"v0\"\r\n"), Full);
    }
}
