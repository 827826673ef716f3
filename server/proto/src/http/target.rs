//! Request target → served path: form check, query split, percent-decoding,
//! normalisation with hostile shapes refused, optional URL key.

use super::status::Status;

/// Longest normalised path we serve (bytes, no leading slash); a caller's
/// `[0u8; MAX_PATH]` is always large enough for [`normalize_path`].
pub const MAX_PATH: usize = 1024;

/// Why a request target does not name a servable path.
///
/// Malformed targets are the client's syntax error (400); well-formed but
/// hostile ones (traversal, Windows shapes) get 404 like wazo-provd, whose
/// Twisted `static.File` answers `InsecurePath` with its "File not found."
/// page, so a scanner learns nothing more than from a missing file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathError {
    /// Neither origin-form nor `http(s)://` absolute-form (`*`, authority-form,
    /// a relative path, userinfo in the authority). 400.
    BadForm,
    /// `%` not followed by two hex digits. 400.
    BadEscape,
    /// NUL or another control byte, raw or percent-encoded. 400.
    ControlByte,
    /// Normalised path longer than the output buffer ([`MAX_PATH`]). 414.
    TooLong,
    /// A segment made only of dots, two or more (`..`, `...`, `....`),
    /// literal or percent-encoded. 404.
    Traversal,
    /// A backslash, literal or `%5C` (`..\`, Windows separators). 404.
    Backslash,
    /// `%2F`: a slash inside a segment would make a different path after
    /// decoding than before. 404.
    EncodedSlash,
    /// A segment such as `C:` (Windows drive letter). 404.
    DriveLetter,
    /// The URL key is required and the first segment is missing or wrong. 404
    /// "Nowhere to route this request." as wazo-provd's `HTTPKeyVerifyingHook`.
    UrlKey,
}

impl PathError {
    /// The status of the answer: 400, 414 or 404 as each variant says.
    pub fn status(self) -> Status {
        match self {
            PathError::BadForm | PathError::BadEscape | PathError::ControlByte => Status::BadRequest,
            PathError::TooLong => Status::UriTooLong,
            PathError::Traversal
            | PathError::Backslash
            | PathError::EncodedSlash
            | PathError::DriveLetter
            | PathError::UrlKey => Status::NotFound,
        }
    }

    /// The plain-text body of the error response.
    pub fn body(self) -> &'static str {
        match self {
            PathError::BadForm => "Bad request target.",
            PathError::BadEscape => "Bad percent-encoding in request target.",
            PathError::ControlByte => "Control character in request target.",
            PathError::TooLong => "Request path too long.",
            PathError::UrlKey => super::NOWHERE_TO_ROUTE,
            _ => super::FILE_NOT_FOUND,
        }
    }
}

/// A request target split into its raw (still percent-encoded) path and query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target<'a> {
    /// Starts with `/`.
    pub path: &'a [u8],
    /// After the first `?`, without it; a fragment (never sent by conforming
    /// clients) is dropped.
    pub query: Option<&'a [u8]>,
}

/// Splits a request target. Origin-form (`/path?query`) is what phones send.
/// Absolute-form (`http://host/path`) must be accepted by servers (RFC 9112
/// §3.2.2); its authority is not checked against anything, since we route
/// by path only and serve a single site. Asterisk-form is only meaningful
/// for OPTIONS, which never asks for a path.
pub fn split_target(target: &[u8]) -> Result<Target<'_>, PathError> {
    let rest = if target.first() == Some(&b'/') {
        target
    } else {
        let after_scheme = strip_prefix_ci(target, b"http://")
            .or_else(|| strip_prefix_ci(target, b"https://"))
            .ok_or(PathError::BadForm)?;
        let end = after_scheme.iter().position(|&b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(after_scheme.len());
        let authority = &after_scheme[..end];
        if authority.is_empty() || authority.contains(&b'@') {
            return Err(PathError::BadForm);
        }
        &after_scheme[end..]
    };
    let rest = rest.split(|&b| b == b'#').next().unwrap_or(rest);
    let (path, query) = match rest.iter().position(|&b| b == b'?') {
        Some(q) => (&rest[..q], Some(&rest[q + 1..])),
        None => (rest, None),
    };
    // `http://host?x` has an empty path, which means `/`.
    let path = if path.is_empty() { &b"/"[..] } else { path };
    Ok(Target { path, query })
}

fn strip_prefix_ci<'a>(s: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    (s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)).then(|| &s[prefix.len()..])
}

/// A raw path (or TFTP file name) after its first segment, when that
/// segment is `key` as sent: `/KEY/a/b.cfg?x` and `KEY/a/b.cfg` give
/// `/a/b.cfg?x` and `/a/b.cfg`. For the families, which read paths as
/// phones send them and know nothing of provisioning keys.
pub fn after_key<'r>(raw: &'r [u8], key: &[u8]) -> Option<&'r [u8]> {
    let rest = raw.strip_prefix(b"/").unwrap_or(raw).strip_prefix(key)?;
    rest.starts_with(b"/").then_some(rest)
}

/// Percent-decodes and normalises a raw path (as in [`Target::path`]) into
/// `out`, returning the relative path (no leading slash). Empty segments
/// collapse (`//a` → `a`), `.` segments go, everything in [`PathError`] is
/// refused. Decoding happens exactly once: `%252e%252e` is the literal
/// segment `%2e%2e`, which names no file but is not a traversal.
///
/// With `url_keys` set (wazo-provd's `url_key` strategy, one key per tenant),
/// the first segment must equal one of the keys and is removed; the
/// comparison takes the same time whichever key matches or how much of it.
/// `Some(&[])` refuses everything.
pub fn normalize_path<'o>(raw: &[u8], url_keys: Option<&[&[u8]]>, out: &'o mut [u8]) -> Result<&'o [u8], PathError> {
    normalize_path_keyed(raw, url_keys, out).map(|(path, _)| path)
}

/// [`normalize_path`], also saying which of `url_keys` the path started
/// with (its index), so that the caller knows whose key it was.
pub fn normalize_path_keyed<'o, K: AsRef<[u8]>>(
    raw: &[u8],
    url_keys: Option<&[K]>,
    out: &'o mut [u8],
) -> Result<(&'o [u8], Option<usize>), PathError> {
    let mut key_pending = url_keys.is_some();
    let mut matched = None;
    // `len` is the committed output; the current segment is out[seg..cur].
    let (mut len, mut seg, mut cur) = (0, 0, 0);
    let mut in_segment = false;
    let mut i = 0;
    loop {
        let at_end = i == raw.len();
        let (byte, decoded) = if at_end {
            (b'/', false)
        } else if raw[i] == b'%' {
            let hi = raw.get(i + 1).and_then(|&b| hex(b));
            let lo = raw.get(i + 2).and_then(|&b| hex(b));
            let (Some(hi), Some(lo)) = (hi, lo) else { return Err(PathError::BadEscape) };
            i += 3;
            (hi << 4 | lo, true)
        } else {
            i += 1;
            (raw[i - 1], false)
        };
        if byte == b'/' && !decoded {
            if in_segment {
                in_segment = false;
                let segment = &out[seg..cur];
                if segment == b"." {
                    cur = len;
                } else if segment.iter().all(|&b| b == b'.') {
                    return Err(PathError::Traversal);
                } else if segment.len() >= 2 && segment[0].is_ascii_alphabetic() && segment[1] == b':' {
                    return Err(PathError::DriveLetter);
                } else if key_pending {
                    key_pending = false;
                    matched = key_index(segment, url_keys.unwrap_or_default());
                    if matched.is_none() {
                        return Err(PathError::UrlKey);
                    }
                    cur = 0;
                    len = 0;
                } else {
                    len = cur;
                }
            }
            if at_end {
                break;
            }
            continue;
        }
        match byte {
            b'/' => return Err(PathError::EncodedSlash),
            b'\\' => return Err(PathError::Backslash),
            0..=0x1f | 0x7f => return Err(PathError::ControlByte),
            _ => {}
        }
        if !in_segment {
            in_segment = true;
            if len > 0 {
                *out.get_mut(cur).ok_or(PathError::TooLong)? = b'/';
                cur += 1;
            }
            seg = cur;
        }
        *out.get_mut(cur).ok_or(PathError::TooLong)? = byte;
        cur += 1;
    }
    if key_pending {
        return Err(PathError::UrlKey);
    }
    Ok((&out[..len], matched))
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Whether `segment` equals one of `keys`, in time that depends only on the
/// keys' lengths: every key is compared, every byte of each.
/// The index of the key `segment` equals, every key compared in full.
fn key_index<K: AsRef<[u8]>>(segment: &[u8], keys: &[K]) -> Option<usize> {
    // One more than the index matched; 0: none. Keys are unique (a
    // provisioning key belongs to one tenant), so at most one hits.
    let mut found = 0usize;
    for (n, key) in keys.iter().enumerate() {
        let key = key.as_ref();
        let mut diff = u8::from(segment.len() != key.len());
        for (i, &k) in key.iter().enumerate() {
            diff |= k ^ segment.get(i).copied().unwrap_or(!k);
        }
        let hit = usize::from(std::hint::black_box(diff) == 0);
        found |= hit * (n + 1);
    }
    found.checked_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn after_the_key_segment() {
        assert_eq!(after_key(b"/k3y/a/b.cfg?x=1", b"k3y"), Some(&b"/a/b.cfg?x=1"[..]));
        assert_eq!(after_key(b"k3y/SEP1.cnf.xml", b"k3y"), Some(&b"/SEP1.cnf.xml"[..]));
        assert_eq!(after_key(b"/k3yz/a.cfg", b"k3y"), None);
        assert_eq!(after_key(b"/other/a.cfg", b"k3y"), None);
        assert_eq!(after_key(b"/k3y", b"k3y"), None);
    }

    fn norm(raw: &str) -> Result<String, PathError> {
        let mut out = [0u8; MAX_PATH];
        normalize_path(raw.as_bytes(), None, &mut out).map(|p| String::from_utf8(p.to_vec()).unwrap())
    }

    fn norm_key(raw: &str, keys: &[&[u8]]) -> Result<String, PathError> {
        let mut out = [0u8; MAX_PATH];
        normalize_path(raw.as_bytes(), Some(keys), &mut out).map(|p| String::from_utf8(p.to_vec()).unwrap())
    }

    #[test]
    fn normal_paths() {
        assert_eq!(norm("/").unwrap(), "");
        assert_eq!(norm("/y000000000044.cfg").unwrap(), "y000000000044.cfg");
        assert_eq!(norm("/a/b/c.xml").unwrap(), "a/b/c.xml");
        assert_eq!(norm("//a").unwrap(), "a");
        assert_eq!(norm("/a//b///c/").unwrap(), "a/b/c");
        assert_eq!(norm("/./a/./b/.").unwrap(), "a/b");
        assert_eq!(norm("/.").unwrap(), "");
        assert_eq!(norm("/a/%2e/b").unwrap(), "a/b");
        assert_eq!(norm("/%41%62c").unwrap(), "Abc");
        assert_eq!(norm("/a%20b.cfg").unwrap(), "a b.cfg");
        assert_eq!(norm("/.hidden").unwrap(), ".hidden");
        assert_eq!(norm("/a..b/c.").unwrap(), "a..b/c.");
        assert_eq!(norm("/file...").unwrap(), "file...");
        assert_eq!(norm("/00:11:22:33:44:55.cfg").unwrap(), "00:11:22:33:44:55.cfg");
        assert_eq!(norm("/caf%C3%A9").unwrap(), "café");
        // Decoded once only.
        assert_eq!(norm("/%252e%252e/x").unwrap(), "%2e%2e/x");
    }

    #[test]
    fn hostile_catalogue() {
        use PathError::*;
        let cases: &[(&str, PathError)] = &[
            ("/..", Traversal),
            ("/../etc/passwd", Traversal),
            ("/a/../b", Traversal),
            ("/a/..", Traversal),
            ("/a/../../../../etc/passwd", Traversal),
            ("/%2e%2e/etc/passwd", Traversal),
            ("/%2E%2E/etc/passwd", Traversal),
            ("/%2E./x", Traversal),
            ("/.%2e/x", Traversal),
            ("/a/%2e%2e", Traversal),
            ("/...", Traversal),
            ("/.../x", Traversal),
            ("/....//etc/passwd", Traversal),
            ("/....//....//etc/passwd", Traversal),
            ("/..\\..\\windows\\win.ini", Backslash),
            ("/a\\b", Backslash),
            ("/a%5cb", Backslash),
            ("/..%5c..%5cwindows", Backslash),
            ("/..%2f..%2fetc/passwd", EncodedSlash),
            ("/a%2Fb", EncodedSlash),
            ("/a%00.cfg", ControlByte),
            ("/a.cfg%00.xml", ControlByte),
            ("/a%0d%0aSet-Cookie:x", ControlByte),
            ("/a%09b", ControlByte),
            ("/a%7f", ControlByte),
            ("/C:/windows/win.ini", DriveLetter),
            ("/c:\\windows", Backslash),
            ("/c:", DriveLetter),
            ("/C%3A/x", DriveLetter),
            ("/a/d:/x", DriveLetter),
            ("/a%", BadEscape),
            ("/a%2", BadEscape),
            ("/a%zz", BadEscape),
            ("/a%%32e", BadEscape),
        ];
        for (raw, want) in cases {
            assert_eq!(norm(raw), Err(*want), "{raw}");
        }
    }

    #[test]
    fn length_limit_is_on_the_output() {
        let mut out = [0u8; MAX_PATH];
        let ok = format!("/{}", "a".repeat(MAX_PATH));
        assert_eq!(normalize_path(ok.as_bytes(), None, &mut out).unwrap().len(), MAX_PATH);
        let long = format!("/{}", "a".repeat(MAX_PATH + 1));
        assert_eq!(normalize_path(long.as_bytes(), None, &mut out), Err(PathError::TooLong));
        let segments = format!("/{}/b", "a".repeat(MAX_PATH - 1));
        assert_eq!(normalize_path(segments.as_bytes(), None, &mut out), Err(PathError::TooLong));
        // Collapsed bytes do not count.
        let slashes = format!("{}a", "/./".repeat(2000));
        assert_eq!(normalize_path(slashes.as_bytes(), None, &mut out).unwrap(), b"a");
        let encoded = "/%61".repeat(MAX_PATH / 2);
        assert_eq!(normalize_path(encoded.as_bytes(), None, &mut out).unwrap().len(), MAX_PATH - 1);
        assert_eq!(PathError::TooLong.status(), Status::UriTooLong);
    }

    #[test]
    fn url_key() {
        let keys: &[&[u8]] = &[b"secure123", b"other-tenant"];
        assert_eq!(norm_key("/secure123/001122334499-user.cfg", keys).unwrap(), "001122334499-user.cfg");
        assert_eq!(norm_key("/other-tenant/a/b.xml", keys).unwrap(), "a/b.xml");
        assert_eq!(norm_key("//secure123//x", keys).unwrap(), "x");
        assert_eq!(norm_key("/secure123", keys).unwrap(), "");
        assert_eq!(norm_key("/secure123/", keys).unwrap(), "");
        assert_eq!(norm_key("/%73ecure123/x", keys).unwrap(), "x");
        for refused in [
            "/",
            "/x.cfg",
            "/secure12/x.cfg",
            "/secure1234/x.cfg",
            "/SECURE123/x.cfg",
            "/secure123x/x.cfg",
            "/./x.cfg",
            "/x/secure123/y.cfg",
        ] {
            assert_eq!(norm_key(refused, keys), Err(PathError::UrlKey), "{refused}");
        }
        assert_eq!(norm_key("/secure123/x", &[]), Err(PathError::UrlKey));
        // Hostile shapes are refused whatever the key says.
        assert_eq!(norm_key("/secure123/../x", keys), Err(PathError::Traversal));
        assert_eq!(PathError::UrlKey.status(), Status::NotFound);
        assert_eq!(PathError::UrlKey.body(), "Nowhere to route this request.");
    }

    #[test]
    fn constant_time_compare() {
        let none: [&[u8]; 0] = [];
        assert_eq!(key_index(b"abc", &[b"abc"]), Some(0));
        assert_eq!(key_index(b"abd", &[b"abc"]), None);
        assert_eq!(key_index(b"ab", &[b"abc"]), None);
        assert_eq!(key_index(b"abcd", &[b"abc"]), None);
        assert_eq!(key_index(b"", &[b"abc"]), None);
        assert_eq!(key_index(b"", &none), None);
        assert_eq!(key_index(b"", &[b""]), Some(0));
        // A shorter segment padded with the key's complement never matches.
        assert_eq!(key_index(&[0xff], &[&[0xff, 0x00]]), None);
        // Which key: each tenant has its own.
        assert_eq!(key_index(b"two", &["one", "two", "three"]), Some(1));
        let mut out = [0u8; MAX_PATH];
        assert_eq!(
            normalize_path_keyed(b"/three/a.cfg", Some(&["one", "two", "three"]), &mut out),
            Ok((&b"a.cfg"[..], Some(2)))
        );
    }

    #[test]
    fn targets() {
        let t = split_target(b"/a/b.cfg?mac=001122&x").unwrap();
        assert_eq!(t, Target { path: b"/a/b.cfg", query: Some(b"mac=001122&x") });
        assert_eq!(split_target(b"/a?").unwrap().query, Some(&b""[..]));
        assert_eq!(split_target(b"/a#frag").unwrap(), Target { path: b"/a", query: None });
        assert_eq!(split_target(b"/a?q#frag").unwrap(), Target { path: b"/a", query: Some(b"q") });
        assert_eq!(split_target(b"http://10.0.0.1:8667/a.cfg").unwrap().path, b"/a.cfg");
        assert_eq!(split_target(b"HTTPS://prov.example/a?b").unwrap(), Target { path: b"/a", query: Some(b"b") });
        assert_eq!(split_target(b"http://prov.example").unwrap().path, b"/");
        assert_eq!(split_target(b"http://prov.example?x").unwrap(), Target { path: b"/", query: Some(b"x") });
        for bad in [&b"*"[..], b"a.cfg", b"example.com:443", b"http:///a", b"http://user@host/a", b"ftp://h/a", b""] {
            assert_eq!(split_target(bad), Err(PathError::BadForm), "{}", String::from_utf8_lossy(bad));
        }
    }
}
