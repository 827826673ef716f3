//! The HTTP/1.1 protocol core of the phone-facing server, sans-IO.
//!
//! No sockets, clocks or heap here: the I/O loop reads into a buffer, calls
//! [`parse()`], and writes what the writers append to its reused `Vec<u8>`.
//! The server only serves files (GET, HEAD), answers OPTIONS at once like
//! wazo-provd, refuses everything else with 405, and never reads a body.
//!
//! One connection, in the loop's words:
//!
//! ```text
//! loop {
//!     match parse(&buf[start..end], &limits) {
//!         Partial => read more (header_timeout from the head's first byte, in
//!                    all → HttpError 408 then close; first_byte_timeout before
//!                    the first request, keepalive_timeout while idle → close)
//!         Error(e) => { e.write(&mut out, date); send; close }
//!         Request { req, consumed } => {
//!             let mut reply = req.reply(date);
//!             reply.keep_alive &= served + 1 < limits.max_requests;
//!             match req.method {
//!                 Options => write_options(&mut out, &reply),
//!                 Other(_) => write_error(&mut out, &reply, MethodNotAllowed, METHOD_NOT_ALLOWED),
//!                 Get | Head => {
//!                     path = req.path(url_keys, &mut path_buf)  // Err(e) → write_error(e.status(), e.body())
//!                     ip = req.client_ip(peer, trusted_proxies) // Err → 500 INTERNAL_PROCESSING_ERROR
//!                     identify, route (404 NOWHERE_TO_ROUTE), look the file up (404 FILE_NOT_FOUND)
//!                     body = respond_file(&mut out, &req, &reply, &meta)   // then send file[body]
//!                 }
//!             }
//!             start += consumed; if !reply.keep_alive { close after sending }
//!         }
//!     }
//! }
//! ```

mod client_ip;
mod conditional;
mod date;
mod limits;
mod mime;
mod parse;
mod response;
mod status;
mod target;

pub use client_ip::ClientIpError;
pub use conditional::{FileMeta, Selection, select};
pub use date::{DateCache, HttpDate, parse_http_date};
pub use limits::{Limits, MAX_HEADERS_CAP};
pub use mime::content_type;
pub use parse::{HttpError, Method, Parsed, Request, Version, parse};
pub use response::{Reply, respond_file, write_error, write_options};
pub use status::Status;
pub use target::{MAX_PATH, PathError, Target, after_key, normalize_path, normalize_path_keyed, split_target};

/// 404 body when no plugin serves the requester, or the URL key is wrong
/// (wazo-provd's `NoResource` message).
pub const NOWHERE_TO_ROUTE: &str = "Nowhere to route this request.";
/// 404 body for a file that does not exist (Twisted `static.File`'s).
pub const FILE_NOT_FOUND: &str = "File not found.";
/// 500 body when identification fails, e.g. no usable `X-Forwarded-For`.
pub const INTERNAL_PROCESSING_ERROR: &str = "Internal processing error";
/// 405 body.
pub const METHOD_NOT_ALLOWED: &str = "Method not allowed.";
/// 408 body, sent when the head did not arrive within `header_timeout`.
pub const REQUEST_TIMEOUT: HttpError =
    HttpError { status: Status::RequestTimeout, reason: "Request header timeout.", close: true };

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    use crate::test_alloc::allocations;

    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 168, 1, 1));

    /// What the loop does for one GET/HEAD of a known file, minus the lookup.
    fn serve(buf: &[u8], out: &mut Vec<u8>, date: &HttpDate, keys: Option<&[&[u8]]>) -> (usize, std::ops::Range<u64>) {
        let limits = Limits::default();
        let Parsed::Request { req, consumed } = parse(buf, &limits) else { panic!("not a request") };
        let mut path_buf = [0u8; MAX_PATH];
        let path = req.path(keys, &mut path_buf).unwrap();
        let _ip = req.client_ip(PEER, 1).unwrap();
        let meta = FileMeta {
            len: 4096,
            etag: Some(b"\"0123456789abcdef\""),
            last_modified: Some(1_700_000_000),
            content_type: content_type(path),
        };
        let body = respond_file(out, &req, &req.reply(date), &meta);
        (consumed, body)
    }

    const KEEP_ALIVE_GET: &[u8] = b"GET /secret-key/001565aabbcc.cfg HTTP/1.1\r\nHost: prov.example:8667\r\nUser-Agent: Yealink SIP-T46G 28.83.0.120 00:15:65:aa:bb:cc\r\nAccept: */*\r\nIf-None-Match: \"old\"\r\nX-Forwarded-For: 10.20.30.40\r\n\r\n";

    #[test]
    fn common_path_does_not_allocate() {
        let keys: &[&[u8]] = &[b"secret-key"];
        let mut out = Vec::with_capacity(1024);
        let mut dates = DateCache::new(1_700_000_000);
        // Two pipelined requests in one buffer.
        let mut buf = KEEP_ALIVE_GET.to_vec();
        buf.extend_from_slice(KEEP_ALIVE_GET);
        let before = allocations();
        for second in 0..3 {
            let date = *dates.at(1_700_000_000 + second);
            let mut start = 0;
            while start < buf.len() {
                out.clear();
                let (consumed, body) = serve(&buf[start..], &mut out, &date, Some(keys));
                assert_eq!(body, 0..4096);
                start += consumed;
            }
        }
        assert_eq!(allocations(), before, "the keep-alive GET path allocated");
        let head = String::from_utf8(out).unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\nDate: Tue, 14 Nov 2023 22:13:22 GMT\r\n"), "{head}");
        assert!(head.contains("\r\nContent-Type: text/plain\r\nContent-Length: 4096\r\n"), "{head}");
    }

    #[test]
    fn not_modified_then_range_then_head() {
        let date = HttpDate::from_unix(1_700_000_100);
        let mut out = Vec::new();
        let req = b"GET /a.xml HTTP/1.1\r\nHost: h\r\nIf-None-Match: W/\"0123456789abcdef\"\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n";
        assert_eq!(serve(req, &mut out, &date, None).1, 0..0);
        assert!(out.starts_with(b"HTTP/1.1 304 Not Modified\r\n"));
        out.clear();
        let req = b"GET /a.xml HTTP/1.1\r\nHost: h\r\nRange: bytes=-100\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n";
        assert_eq!(serve(req, &mut out, &date, None).1, 3996..4096);
        let t = String::from_utf8(out.clone()).unwrap();
        assert!(
            t.contains(
                "\r\nContent-Range: bytes 3996-4095/4096\r\nContent-Type: application/xml\r\nContent-Length: 100\r\n"
            ),
            "{t}"
        );
        out.clear();
        let req =
            b"HEAD /a.xml HTTP/1.0\r\nConnection: keep-alive\r\nRange: bytes=0-0\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n";
        assert_eq!(serve(req, &mut out, &date, None).1, 0..0);
        let t = String::from_utf8(out).unwrap();
        assert!(t.starts_with("HTTP/1.1 200 OK\r\n"), "{t}");
        assert!(t.contains("\r\nContent-Length: 4096\r\n"), "{t}");
        assert!(t.contains("\r\nConnection: keep-alive\r\n"), "{t}");
    }

    #[test]
    fn options_and_other_methods() {
        let date = HttpDate::from_unix(0);
        let limits = Limits::default();
        let Parsed::Request { req, .. } = parse(b"OPTIONS * HTTP/1.1\r\nHost: h\r\nOrigin: http://x\r\n\r\n", &limits)
        else {
            panic!()
        };
        assert_eq!(req.method, Method::Options);
        let mut out = Vec::new();
        write_options(&mut out, &req.reply(&date));
        let t = String::from_utf8(out).unwrap();
        assert!(t.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(t.contains("\r\nAccess-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS\r\n"));
        assert!(t.ends_with("\r\n\r\n"));

        let Parsed::Request { req, .. } = parse(b"PUT /x.cfg HTTP/1.1\r\nHost: h\r\n\r\n", &limits) else { panic!() };
        assert_eq!(req.method, Method::Other("PUT"));
        let mut out = Vec::new();
        write_error(&mut out, &req.reply(&date), Status::MethodNotAllowed, METHOD_NOT_ALLOWED);
        let t = String::from_utf8(out).unwrap();
        assert!(t.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(t.contains("\r\nAllow: GET, HEAD, OPTIONS\r\n"));
        assert!(!t.contains("Connection: close"), "no body was announced: the connection stays usable");
    }

    #[test]
    fn path_errors_map_to_answers() {
        let limits = Limits::default();
        let keys: &[&[u8]] = &[b"k3y-k3y-k3y"];
        let cases: &[(&[u8], Status, &str)] = &[
            (b"GET /k3y-k3y-k3y/../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n", Status::NotFound, FILE_NOT_FOUND),
            (b"GET /wrong/a.cfg HTTP/1.1\r\nHost: h\r\n\r\n", Status::NotFound, NOWHERE_TO_ROUTE),
            (
                b"GET /k3y-k3y-k3y/a%00 HTTP/1.1\r\nHost: h\r\n\r\n",
                Status::BadRequest,
                "Control character in request target.",
            ),
            (b"GET * HTTP/1.1\r\nHost: h\r\n\r\n", Status::BadRequest, "Bad request target."),
        ];
        for (buf, status, body) in cases {
            let Parsed::Request { req, .. } = parse(buf, &limits) else { panic!() };
            let mut path_buf = [0u8; MAX_PATH];
            let e = req.path(Some(keys), &mut path_buf).unwrap_err();
            assert_eq!((e.status(), e.body()), (*status, *body));
        }
    }

    #[test]
    fn timeout_answer() {
        let mut out = Vec::new();
        REQUEST_TIMEOUT.write(&mut out, &HttpDate::from_unix(0));
        let t = String::from_utf8(out).unwrap();
        assert!(t.starts_with("HTTP/1.1 408 Request Timeout\r\n"));
        assert!(t.contains("\r\nConnection: close\r\n"));
    }
}
