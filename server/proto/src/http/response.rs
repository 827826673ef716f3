//! Response heads, appended to a caller's reused buffer.

use std::ops::Range;

use super::conditional::{FileMeta, Selection, select};
use super::date::HttpDate;
use super::parse::{HttpError, Method, Request, Version};
use super::status::Status;

/// The CORS fields wazo-provd puts on every response of both its HTTP
/// servers (`servers/http_site.py::corsify_request`).
const CORS_HEADERS: &[u8] = b"Access-Control-Allow-Origin: *\r\n\
Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS\r\n\
Access-Control-Allow-Headers: Origin, X-Requested-With, Accept, Content-Type, X-Auth-Token, Wazo-Tenant\r\n\
Access-Control-Allow-Credentials: false\r\n\
Access-Control-Expose-Headers: Location\r\n";

const ALLOW: &[u8] = b"Allow: GET, HEAD, OPTIONS\r\n";

/// How to frame one response.
#[derive(Clone, Copy, Debug)]
pub struct Reply<'d> {
    /// The `Date` field's value: the current second, usually from a
    /// [`DateCache`](super::DateCache).
    pub date: &'d HttpDate,
    /// `false` writes `Connection: close`; the I/O loop then closes after
    /// sending.
    pub keep_alive: bool,
    /// An HTTP/1.0 client must be told `Connection: keep-alive` explicitly.
    pub http10: bool,
    /// A HEAD request: same head, no body.
    pub head: bool,
    /// Add the `Access-Control-Allow-*` fields wazo-provd puts on every
    /// response; [`Request::reply`] always sets it.
    pub cors: bool,
}

impl<'d> Reply<'d> {
    /// For answers without a usable request (parse errors, header timeout):
    /// body sent, connection closed.
    fn closing(date: &'d HttpDate) -> Reply<'d> {
        Reply { date, keep_alive: false, http10: false, head: false, cors: true }
    }
}

impl Request<'_> {
    /// How to frame the answer to this request. Clear `keep_alive` on the
    /// result when the connection has served `Limits::max_requests` or the
    /// server is shutting down.
    pub fn reply<'d>(&self, date: &'d HttpDate) -> Reply<'d> {
        Reply {
            date,
            keep_alive: self.keep_alive,
            http10: self.version == Version::Http10,
            head: self.method == Method::Head,
            cors: true,
        }
    }
}

impl HttpError {
    /// Appends the complete response (head and body) for a refused request.
    pub fn write(&self, out: &mut Vec<u8>, date: &HttpDate) {
        write_error(out, &Reply { keep_alive: !self.close, ..Reply::closing(date) }, self.status, self.reason);
    }
}

fn start(out: &mut Vec<u8>, status: Status, reply: &Reply<'_>) {
    out.extend_from_slice(status.line());
    out.extend_from_slice(b"Date: ");
    out.extend_from_slice(reply.date.as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn finish(out: &mut Vec<u8>, reply: &Reply<'_>) {
    if !reply.keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if reply.http10 {
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    if reply.cors {
        out.extend_from_slice(CORS_HEADERS);
    }
    out.extend_from_slice(b"\r\n");
}

fn field_u64(out: &mut Vec<u8>, name: &[u8], v: u64) {
    out.extend_from_slice(name);
    push_u64(out, v);
    out.extend_from_slice(b"\r\n");
}

fn push_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Appends a complete error response with a short plain-text body (no body
/// for HEAD). 405 carries `Allow: GET, HEAD, OPTIONS`.
pub fn write_error(out: &mut Vec<u8>, reply: &Reply<'_>, status: Status, body: &str) {
    start(out, status, reply);
    if status == Status::MethodNotAllowed {
        out.extend_from_slice(ALLOW);
    }
    out.extend_from_slice(b"Content-Type: text/plain; charset=utf-8\r\n");
    field_u64(out, b"Content-Length: ", body.len() as u64);
    finish(out, reply);
    if !reply.head {
        out.extend_from_slice(body.as_bytes());
    }
}

/// Appends the answer to OPTIONS: 200, empty, CORS fields (wazo-provd
/// answers OPTIONS at once, without routing, whatever the target).
pub fn write_options(out: &mut Vec<u8>, reply: &Reply<'_>) {
    start(out, Status::Ok, reply);
    out.extend_from_slice(ALLOW);
    out.extend_from_slice(b"Content-Length: 0\r\n");
    finish(out, reply);
}

/// Appends the head answering `selection` for `meta`, and returns the byte
/// range of the file to send after it (empty for HEAD, 304 and 416).
///
/// 304 carries `ETag`, or `Last-Modified` when there is no tag (RFC 9110
/// §15.4.5), and no content fields.
fn write_file_head(out: &mut Vec<u8>, reply: &Reply<'_>, meta: &FileMeta<'_>, selection: Selection) -> Range<u64> {
    let body = match selection {
        Selection::Full => {
            start(out, Status::Ok, reply);
            content(out, meta, meta.len);
            0..meta.len
        }
        Selection::Partial { first, last } => {
            start(out, Status::PartialContent, reply);
            out.extend_from_slice(b"Content-Range: bytes ");
            push_u64(out, first);
            out.push(b'-');
            push_u64(out, last);
            out.push(b'/');
            push_u64(out, meta.len);
            out.extend_from_slice(b"\r\n");
            content(out, meta, last - first + 1);
            first..last + 1
        }
        Selection::NotModified => {
            start(out, Status::NotModified, reply);
            match meta.etag {
                Some(etag) => etag_field(out, etag),
                None => last_modified_field(out, meta.last_modified),
            }
            0..0
        }
        Selection::Unsatisfiable => {
            start(out, Status::RangeNotSatisfiable, reply);
            field_u64(out, b"Content-Range: bytes */", meta.len);
            out.extend_from_slice(b"Content-Length: 0\r\n");
            0..0
        }
    };
    finish(out, reply);
    if reply.head { 0..0 } else { body }
}

fn content(out: &mut Vec<u8>, meta: &FileMeta<'_>, len: u64) {
    out.extend_from_slice(b"Content-Type: ");
    out.extend_from_slice(meta.content_type.as_bytes());
    out.extend_from_slice(b"\r\n");
    field_u64(out, b"Content-Length: ", len);
    if let Some(etag) = meta.etag {
        etag_field(out, etag);
    }
    last_modified_field(out, meta.last_modified);
    out.extend_from_slice(b"Accept-Ranges: bytes\r\n");
}

fn etag_field(out: &mut Vec<u8>, etag: &[u8]) {
    out.extend_from_slice(b"ETag: ");
    out.extend_from_slice(etag);
    out.extend_from_slice(b"\r\n");
}

fn last_modified_field(out: &mut Vec<u8>, last_modified: Option<u64>) {
    if let Some(secs) = last_modified {
        out.extend_from_slice(b"Last-Modified: ");
        out.extend_from_slice(HttpDate::from_unix(secs).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

/// Appends the whole answer to a GET or HEAD of an existing file, except
/// the body: [`select`] decides between 200, 206, 304 and 416, and the head
/// says so. Returns the byte range of the file to send after the head
/// (empty for HEAD, 304 and 416).
///
/// 304 carries `ETag`, or `Last-Modified` when there is no tag (RFC 9110
/// §15.4.5), and no content fields.
pub fn respond_file(out: &mut Vec<u8>, req: &Request<'_>, reply: &Reply<'_>, meta: &FileMeta<'_>) -> Range<u64> {
    write_file_head(out, reply, meta, select(req, meta))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATE_SECS: u64 = 784_111_777;

    fn text(out: &[u8]) -> String {
        String::from_utf8(out.to_vec()).unwrap()
    }

    fn reply(date: &HttpDate) -> Reply<'_> {
        Reply { date, keep_alive: true, http10: false, head: false, cors: false }
    }

    const META: FileMeta<'static> = FileMeta {
        len: 1234,
        etag: Some(b"\"abc\""),
        last_modified: Some(DATE_SECS - 3600),
        content_type: "application/xml",
    };

    #[test]
    fn full() {
        let date = HttpDate::from_unix(DATE_SECS);
        let mut out = Vec::new();
        let body = write_file_head(&mut out, &reply(&date), &META, Selection::Full);
        assert_eq!(body, 0..1234);
        assert_eq!(
            text(&out),
            "HTTP/1.1 200 OK\r\n\
             Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
             Content-Type: application/xml\r\n\
             Content-Length: 1234\r\n\
             ETag: \"abc\"\r\n\
             Last-Modified: Sun, 06 Nov 1994 07:49:37 GMT\r\n\
             Accept-Ranges: bytes\r\n\
             \r\n"
        );
    }

    #[test]
    fn partial_and_unsatisfiable() {
        let date = HttpDate::from_unix(DATE_SECS);
        let mut out = Vec::new();
        let body = write_file_head(&mut out, &reply(&date), &META, Selection::Partial { first: 10, last: 19 });
        assert_eq!(body, 10..20);
        let t = text(&out);
        assert!(t.starts_with("HTTP/1.1 206 Partial Content\r\n"), "{t}");
        assert!(t.contains("\r\nContent-Range: bytes 10-19/1234\r\n"), "{t}");
        assert!(t.contains("\r\nContent-Length: 10\r\n"), "{t}");
        assert!(t.contains("\r\nAccept-Ranges: bytes\r\n"), "{t}");

        out.clear();
        let body = write_file_head(&mut out, &reply(&date), &META, Selection::Unsatisfiable);
        assert_eq!(body, 0..0);
        assert_eq!(
            text(&out),
            "HTTP/1.1 416 Range Not Satisfiable\r\n\
             Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n\
             Content-Range: bytes */1234\r\n\
             Content-Length: 0\r\n\
             \r\n"
        );
    }

    #[test]
    fn not_modified() {
        let date = HttpDate::from_unix(DATE_SECS);
        let mut out = Vec::new();
        assert_eq!(write_file_head(&mut out, &reply(&date), &META, Selection::NotModified), 0..0);
        assert_eq!(
            text(&out),
            "HTTP/1.1 304 Not Modified\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nETag: \"abc\"\r\n\r\n"
        );
        out.clear();
        let untagged = FileMeta { etag: None, ..META };
        write_file_head(&mut out, &reply(&date), &untagged, Selection::NotModified);
        assert_eq!(
            text(&out),
            "HTTP/1.1 304 Not Modified\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nLast-Modified: Sun, 06 Nov 1994 07:49:37 GMT\r\n\r\n"
        );
    }

    #[test]
    fn head_sends_no_body() {
        let date = HttpDate::from_unix(DATE_SECS);
        let mut out = Vec::new();
        let r = Reply { head: true, ..reply(&date) };
        assert_eq!(write_file_head(&mut out, &r, &META, Selection::Full), 0..0);
        assert!(text(&out).contains("\r\nContent-Length: 1234\r\n"));
        out.clear();
        write_error(&mut out, &r, Status::NotFound, "File not found.");
        assert!(text(&out).ends_with("Content-Length: 15\r\n\r\n"));
    }

    #[test]
    fn connection_and_cors() {
        let date = HttpDate::from_unix(0);
        let mut out = Vec::new();
        write_options(&mut out, &Reply { cors: true, ..reply(&date) });
        assert_eq!(
            text(&out),
            "HTTP/1.1 200 OK\r\n\
             Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n\
             Allow: GET, HEAD, OPTIONS\r\n\
             Content-Length: 0\r\n\
             Access-Control-Allow-Origin: *\r\n\
             Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS\r\n\
             Access-Control-Allow-Headers: Origin, X-Requested-With, Accept, Content-Type, X-Auth-Token, Wazo-Tenant\r\n\
             Access-Control-Allow-Credentials: false\r\n\
             Access-Control-Expose-Headers: Location\r\n\
             \r\n"
        );
        out.clear();
        write_options(&mut out, &Reply { keep_alive: false, ..reply(&date) });
        assert!(text(&out).contains("\r\nConnection: close\r\n"));
        out.clear();
        write_options(&mut out, &Reply { http10: true, ..reply(&date) });
        assert!(text(&out).contains("\r\nConnection: keep-alive\r\n"));
        out.clear();
        write_options(&mut out, &Reply { http10: true, keep_alive: false, ..reply(&date) });
        assert!(text(&out).contains("\r\nConnection: close\r\n"));
        assert!(!text(&out).contains("keep-alive"));
    }

    #[test]
    fn errors() {
        let date = HttpDate::from_unix(0);
        let mut out = Vec::new();
        write_error(&mut out, &reply(&date), Status::MethodNotAllowed, "Method not allowed.");
        assert_eq!(
            text(&out),
            "HTTP/1.1 405 Method Not Allowed\r\n\
             Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n\
             Allow: GET, HEAD, OPTIONS\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\
             Content-Length: 19\r\n\
             \r\n\
             Method not allowed."
        );
        out.clear();
        let e = HttpError { status: Status::UriTooLong, reason: "Request line too long.", close: true };
        e.write(&mut out, &date);
        let t = text(&out);
        assert!(t.starts_with("HTTP/1.1 414 URI Too Long\r\n"), "{t}");
        assert!(t.contains("\r\nConnection: close\r\n"), "{t}");
        assert!(t.contains("\r\nAccess-Control-Allow-Origin: *\r\n"), "{t}");
        assert!(t.ends_with("\r\n\r\nRequest line too long."), "{t}");
    }

    #[test]
    fn numbers() {
        for v in [0u64, 7, 10, 99, 100, 12345, u64::MAX] {
            let mut out = Vec::new();
            push_u64(&mut out, v);
            assert_eq!(text(&out), v.to_string());
        }
    }
}
