//! The HTTP request path of the phone-facing server on arbitrary bytes:
//! `parse` with default limits, pipelined, then for every parsed request
//! what the I/O loop does with it (path normalisation with and without URL
//! keys, client address, conditional/range selection, response head).
//!
//! Input: `[control: 1 byte][file length: 8 bytes LE][read buffer...]`.
//! Inputs shorter than 9 bytes are taken whole as the buffer. The control
//! byte picks the trusted proxy count (bits 0-1), the file's ETag and
//! Last-Modified (bits 2-3) and whether the head is fed byte by byte
//! (bit 4, the loop's `Partial` path).
//!
//! Checks, besides "never panics":
//! * `consumed` is within the buffer and ends the head with CRLF CRLF;
//!   `Partial` never comes once the buffer holds `max_head` bytes; a prefix
//!   of a complete head is `Partial` or an error, never another request;
//! * a normalised path has no `.`/`..`/dots-only or empty segment, no
//!   backslash, NUL, control byte or drive letter, never starts or ends
//!   with `/`, fits `MAX_PATH`, and normalises to itself again;
//! * with URL keys, an accepted path is the keyless path minus one key
//!   segment; `Some(&[])` refuses everything;
//! * `client_ip` with no trusted proxy is the peer;
//! * the body range of a file response lies within the file, matches the
//!   `Content-Length` written, and is empty for HEAD and 304/416;
//! * an HTTP-date written for a time parses back to it.
#![no_main]

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use libfuzzer_sys::fuzz_target;
use provd_proto::http::{
    DateCache, FileMeta, HttpDate, Limits, MAX_PATH, Method, Parsed, Request, Selection, content_type,
    normalize_path, parse, parse_http_date, respond_file, select, split_target, write_error, write_options, Status,
};

const KEYS: &[&[u8]] = &[b"secure123", b"k"];

fn check_normalised(p: &[u8]) {
    assert!(p.len() <= MAX_PATH);
    assert!(!p.starts_with(b"/"), "leading slash in {p:?}");
    assert!(!p.ends_with(b"/"), "trailing slash in {p:?}");
    for &b in p {
        assert!(b != b'\\', "backslash in {p:?}");
        assert!(b >= 0x20 && b != 0x7f, "control byte in {p:?}");
    }
    if p.is_empty() {
        return;
    }
    for seg in p.split(|&b| b == b'/') {
        assert!(!seg.is_empty(), "empty segment in {p:?}");
        assert!(!seg.iter().all(|&b| b == b'.'), "dot segment in {p:?}");
        assert!(
            !(seg.len() >= 2 && seg[0].is_ascii_alphabetic() && seg[1] == b':'),
            "drive letter in {p:?}"
        );
    }
    // Normalising again is the identity (unless a decoded `%` would be
    // decoded a second time).
    if !p.contains(&b'%') {
        let mut raw = Vec::with_capacity(p.len() + 1);
        raw.push(b'/');
        raw.extend_from_slice(p);
        let mut out = [0u8; MAX_PATH];
        assert_eq!(normalize_path(&raw, None, &mut out).map(|x| x.to_vec()), Ok(p.to_vec()), "not idempotent");
    }
}

fn check_paths(req: &Request<'_>) {
    let mut plain_buf = [0u8; MAX_PATH];
    let plain = req.path(None, &mut plain_buf);
    if let Ok(p) = plain {
        check_normalised(p);
    }
    let mut keyed_buf = [0u8; MAX_PATH];
    let keyed = req.path(Some(KEYS), &mut keyed_buf);
    if let Ok(k) = keyed {
        check_normalised(k);
        // The keyed path is the plain one minus its first segment, which is
        // a key (unless the plain one is too long with the key kept).
        match &plain {
            Ok(p) => {
                let ok = KEYS.iter().any(|key| {
                    p.strip_prefix(*key).is_some_and(|rest| {
                        (rest.is_empty() && k.is_empty()) || rest.strip_prefix(b"/") == Some(k)
                    })
                });
                assert!(ok, "keyed path {k:?} is not plain path {p:?} minus a key");
            }
            Err(e) => assert_eq!(*e, provd_proto::http::PathError::TooLong, "keyed Ok but plain {e:?}"),
        }
    }
    let mut none_buf = [0u8; MAX_PATH];
    assert!(req.path(Some(&[]), &mut none_buf).is_err(), "no key configured, yet a path was accepted");
    // Raw target pieces.
    if let Ok(t) = split_target(req.target.as_bytes()) {
        assert!(t.path.starts_with(b"/"));
    }
    let _ = req.query();
}

fn header_value<'a>(head: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    head.split(|&b| b == b'\n').find_map(|line| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        line.strip_prefix(name)
    })
}

fn check_response(req: &Request<'_>, file_len: u64, control: u8, now: u64) {
    let date = HttpDate::from_unix(now);
    let etag: Option<&[u8]> = match control >> 2 & 3 {
        0 => None,
        1 => Some(b"\"0123456789abcdef\""),
        2 => Some(b"W/\"weak\""),
        _ => req.if_none_match.or(req.if_range),
    };
    let last_modified = match control >> 2 & 3 {
        0 => Some(now),
        1 => None,
        2 => Some(784_111_777),
        _ => req.if_modified_since.and_then(parse_http_date),
    };
    let mut path_buf = [0u8; MAX_PATH];
    let ct = req.path(None, &mut path_buf).map(content_type).unwrap_or("application/octet-stream");
    let meta = FileMeta { len: file_len, etag, last_modified, content_type: ct };
    let reply = req.reply(&date);
    let selection = select(req, &meta);
    let mut out = Vec::new();
    let body = respond_file(&mut out, req, &reply, &meta);
    assert!(body.start <= body.end && body.end <= file_len, "body {body:?} outside a file of {file_len}");
    assert!(out.starts_with(b"HTTP/1.1 "), "bad status line");
    assert!(out.ends_with(b"\r\n\r\n"), "head not terminated");
    let head_only = req.method == Method::Head;
    match selection {
        Selection::Full => {
            assert!(out.starts_with(b"HTTP/1.1 200 "));
            assert_eq!(body, if head_only { 0..0 } else { 0..file_len });
        }
        Selection::Partial { first, last } => {
            assert!(out.starts_with(b"HTTP/1.1 206 "));
            assert!(first <= last && last < file_len, "bad partial {first}-{last}/{file_len}");
            assert_eq!(req.method, Method::Get);
            assert_eq!(body, first..last + 1);
        }
        Selection::NotModified => {
            assert!(out.starts_with(b"HTTP/1.1 304 "));
            assert_eq!(body, 0..0);
        }
        Selection::Unsatisfiable => {
            assert!(out.starts_with(b"HTTP/1.1 416 "));
            assert_eq!(body, 0..0);
        }
    }
    if let Some(cl) = header_value(&out, b"Content-Length: ") {
        let cl: u64 = std::str::from_utf8(cl).unwrap().parse().unwrap();
        if !head_only {
            assert_eq!(cl, body.end - body.start, "Content-Length disagrees with the body range");
        }
    }
    // The other writers on the same request.
    out.clear();
    write_options(&mut out, &reply);
    out.clear();
    write_error(&mut out, &reply, Status::NotFound, "File not found.");
    assert!(out.starts_with(b"HTTP/1.1 404 "));
}

fn check_request(buf: &[u8], req: &Request<'_>, consumed: usize, control: u8, file_len: u64) {
    assert!(consumed > 0 && consumed <= buf.len(), "consumed {consumed} of {}", buf.len());
    assert!(buf[..consumed].ends_with(b"\r\n\r\n"), "consumed does not end the head");
    assert!(consumed <= Limits::default().max_head);
    if let Some(cl) = req.content_length {
        assert_eq!(cl, 0, "a request with a body got through");
    }
    check_paths(req);
    let peer4 = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7));
    let peer6 = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 7));
    for peer in [peer4, peer6] {
        assert_eq!(req.client_ip(peer, 0), Ok(peer));
        let _ = req.client_ip(peer, usize::from(control & 3) + 1);
        let _ = req.client_ip(peer, usize::MAX);
    }
    // Dates in the conditional headers; and a written date reads back.
    for v in [req.if_modified_since, req.if_range].into_iter().flatten() {
        let _ = parse_http_date(v);
    }
    let now = file_len % 300_000_000_000;
    let written = HttpDate::from_unix(now);
    assert_eq!(parse_http_date(written.as_bytes()), Some(now.min(253_402_300_799)), "date does not read back");
    let mut cache = DateCache::new(now);
    let _ = cache.at(now.wrapping_add(u64::from(control)));
    check_response(req, file_len, control, now);
}

fn run(buf: &[u8], control: u8, file_len: u64) {
    let limits = Limits::default();
    let mut start = 0;
    for _ in 0..16 {
        if start >= buf.len() {
            break;
        }
        let rest = &buf[start..];
        match parse(rest, &limits) {
            Parsed::Partial => {
                assert!(rest.len() < limits.max_head, "Partial with {} bytes buffered", rest.len());
                break;
            }
            Parsed::Error(e) => {
                assert!(e.close);
                let mut out = Vec::new();
                e.write(&mut out, &HttpDate::from_unix(0));
                assert!(out.starts_with(b"HTTP/1.1 "));
                break;
            }
            Parsed::Request { req, consumed } => {
                check_request(rest, &req, consumed, control, file_len);
                if control & 16 != 0 {
                    // The head arriving in pieces: every strict prefix is
                    // Partial or an error, never a (different) request.
                    for cut in 0..consumed {
                        if let Parsed::Request { consumed: c, .. } = parse(&rest[..cut], &limits) {
                            panic!("prefix of {cut} bytes parsed as a request of {c}");
                        }
                    }
                }
                start += consumed;
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        run(data, 0, 4096);
        return;
    }
    let control = data[0];
    let file_len = u64::from_le_bytes(data[1..9].try_into().unwrap());
    run(&data[9..], control, file_len);
});
