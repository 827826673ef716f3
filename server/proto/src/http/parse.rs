//! Request head parsing: nginx's limits, httparse's strict grammar, and the
//! framing rules of a server that never reads a request body.

use std::mem::MaybeUninit;
use std::net::IpAddr;

use super::client_ip::{ClientIpError, client_ip_from_lines};
use super::limits::{Limits, MAX_HEADERS_CAP};
use super::status::Status;
use super::target::{PathError, normalize_path_keyed, split_target};

/// Most `X-Forwarded-For` field lines kept; more is refused (400). A proxy
/// chain adds one line per hop at most, and two or three hops is a lot.
const MAX_FORWARDED_FOR_LINES: usize = 8;

/// The request method. Methods are case-sensitive tokens: `get` is
/// `Other("get")`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method<'a> {
    /// `GET`: a file, whole or a byte range of it.
    Get,
    /// `HEAD`: the head a GET would get, without the body.
    Head,
    /// `OPTIONS`: answered at once with the allowed methods and CORS
    /// fields, whatever the target.
    Options,
    /// Any other (case-sensitive) token; answered 405.
    Other(&'a str),
}

/// The protocol version of the request line. Answers are always HTTP/1.1;
/// the version decides the keep-alive default and how it is announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// `HTTP/1.0`: the connection closes unless the client asks
    /// `keep-alive`, and `Host` may be absent.
    Http10,
    /// `HTTP/1.1`: the connection stays open unless the client asks `close`.
    Http11,
}

/// A request the server refuses at the protocol level. `close` is always
/// true for what [`parse`] returns: the connection's framing can no longer
/// be trusted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HttpError {
    /// The status of the answer (400, 405, 408, 414, 431 or 505).
    pub status: Status,
    /// Short plain-text explanation, sent as the response body.
    pub reason: &'static str,
    /// The connection closes after the answer (`Connection: close`).
    pub close: bool,
}

const fn refuse(status: Status, reason: &'static str) -> HttpError {
    HttpError { status, reason, close: true }
}

/// What [`parse`] found at the start of the buffer.
// The request view is returned by value on purpose: boxing it would put an
// allocation on every request.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub enum Parsed<'a> {
    /// The head is not complete yet and no limit is exceeded: read more.
    Partial,
    /// A complete head. The next request (pipelining) starts at
    /// `buf[consumed..]`: there is never a body to skip.
    Request {
        /// The request head, borrowing from the buffer.
        req: Request<'a>,
        /// Bytes of the buffer the head took, its final empty line included.
        consumed: usize,
    },
    /// Answer `error` and close.
    Error(HttpError),
}

/// A parsed request head, borrowing from the read buffer.
///
/// A request that announces a body (`Content-Length` > 0) or any
/// `Transfer-Encoding` never gets here: [`parse`] refuses it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// The method token of the request line.
    pub method: Method<'a>,
    /// The raw request-target, as sent.
    pub target: &'a str,
    /// `HTTP/1.0` or `HTTP/1.1` (other versions are refused).
    pub version: Version,
    /// The `Host` value, checked for the bytes a host name or address can
    /// hold; `None` only for an HTTP/1.0 request without one (a repeated
    /// `Host` is refused).
    pub host: Option<&'a [u8]>,
    /// Last `User-Agent` line (what Twisted's `getHeader` gives wazo-provd).
    pub user_agent: Option<&'a [u8]>,
    /// `None` also when the field was sent more than once: the conditional
    /// headers and `Range` are then ignored, which is always safe.
    pub if_none_match: Option<&'a [u8]>,
    /// The raw `If-Modified-Since` value (an HTTP-date, not parsed yet);
    /// `None` when absent or sent more than once.
    pub if_modified_since: Option<&'a [u8]>,
    /// The raw `If-Range` value (an entity-tag or an HTTP-date); `None` when
    /// absent or repeated. A repeated `If-Range` also clears `range`.
    pub if_range: Option<&'a [u8]>,
    /// The raw `Range` value (`bytes=...`, parsed by [`select`](super::select));
    /// `None` when absent or repeated. A repeated `Range` also clears
    /// `if_range`.
    pub range: Option<&'a [u8]>,
    /// Whether the connection may stay open after the response, from the
    /// version and `Connection` (HTTP/1.1: unless `close`; HTTP/1.0: only
    /// with `keep-alive`). The I/O loop may still close (request count,
    /// shutdown).
    pub keep_alive: bool,
    /// `Some(0)` when the client sent `Content-Length: 0`.
    pub content_length: Option<u64>,
    forwarded_for: [&'a [u8]; MAX_FORWARDED_FOR_LINES],
    forwarded_for_lines: u8,
}

impl<'a> Request<'a> {
    /// The `X-Forwarded-For` field lines, in order.
    fn forwarded_for(&self) -> &[&'a [u8]] {
        &self.forwarded_for[..usize::from(self.forwarded_for_lines)]
    }

    /// The client address of this request, received from `peer`: the peer
    /// itself when `trusted_proxies` is 0, otherwise the `X-Forwarded-For`
    /// entry that the last `trusted_proxies` hops vouch for (all the field
    /// lines form one list). An entry's port is dropped; IPv4-mapped IPv6
    /// addresses are given as IPv4, as devices store them. Fails when that
    /// entry is missing, empty or not an address ([`ClientIpError`]).
    pub fn client_ip(&self, peer: IpAddr, trusted_proxies: usize) -> Result<IpAddr, ClientIpError> {
        client_ip_from_lines(peer, self.forwarded_for(), trusted_proxies)
    }

    /// The normalised path to serve, written into `out` (see
    /// [`normalize_path`]; `[0u8; MAX_PATH]` is the intended buffer).
    pub fn path<'o>(&self, url_keys: Option<&[&[u8]]>, out: &'o mut [u8]) -> Result<&'o [u8], PathError> {
        self.path_keyed(url_keys, out).map(|(path, _)| path)
    }

    /// [`path`](Self::path), also saying which of `url_keys` it started
    /// with (see [`normalize_path_keyed`]).
    pub fn path_keyed<'o, K: AsRef<[u8]>>(
        &self,
        url_keys: Option<&[K]>,
        out: &'o mut [u8],
    ) -> Result<(&'o [u8], Option<usize>), PathError> {
        let target = split_target(self.target.as_bytes())?;
        normalize_path_keyed(target.path, url_keys, out)
    }

    /// The raw query string (after `?`), for extractors that want it.
    pub fn query(&self) -> Option<&'a [u8]> {
        split_target(self.target.as_bytes()).ok().and_then(|t| t.query)
    }
}

/// Parses the request head at the start of `buf`.
///
/// Refused with 400 and close: malformed syntax (httparse with every leniency
/// off), bare CR or LF, obs-fold, whitespace before a colon, a missing (1.1)
/// or repeated Host, any `Transfer-Encoding`, a `Content-Length` that is not
/// one plain decimal number, repeated `Content-Length`, and a body announced
/// on GET, HEAD or OPTIONS (other methods get 405 and close instead). Request
/// line over the limit → 414; header line, header count or whole head over
/// the limit → 431; `HTTP/x.y` other than 1.0 and 1.1 → 505.
pub fn parse<'a>(buf: &'a [u8], limits: &Limits) -> Parsed<'a> {
    let (line_start, line_end, head_end) = match scan(buf, limits) {
        Scan::Partial => return Parsed::Partial,
        Scan::Error(e) => return Parsed::Error(e),
        Scan::Complete { line_start, line_end, head_end } => (line_start, line_end, head_end),
    };
    let head = &buf[..head_end];
    let slots = limits.max_headers.min(MAX_HEADERS_CAP);
    let mut storage = [const { MaybeUninit::<httparse::Header<'a>>::uninit() }; MAX_HEADERS_CAP];
    let mut parsed = httparse::Request::new(&mut []);
    let config = httparse::ParserConfig::default();
    match config.parse_request_with_uninit_headers(&mut parsed, head, &mut storage[..slots]) {
        Ok(httparse::Status::Complete(n)) if n == head_end => {}
        Ok(_) => return Parsed::Error(refuse(Status::BadRequest, "Malformed request head.")),
        Err(e) => return Parsed::Error(syntax_error(e, &buf[line_start..line_end], head)),
    }
    match build(&parsed) {
        Ok(req) => Parsed::Request { req, consumed: head_end },
        Err(e) => Parsed::Error(e),
    }
}

enum Scan {
    Partial,
    Complete { line_start: usize, line_end: usize, head_end: usize },
    Error(HttpError),
}

const BARE_LF: HttpError = refuse(Status::BadRequest, "Bare LF in request head.");
const BARE_CR: HttpError = refuse(Status::BadRequest, "Bare CR in request head.");
const OBS_FOLD: HttpError = refuse(Status::BadRequest, "Obsolete line folding in request head.");
const LINE_TOO_LONG: HttpError = refuse(Status::UriTooLong, "Request line too long.");
const FIELD_TOO_LONG: HttpError = refuse(Status::HeaderFieldsTooLarge, "Request header field too large.");
const TOO_MANY_FIELDS: HttpError = refuse(Status::HeaderFieldsTooLarge, "Too many request header fields.");
const HEAD_TOO_LARGE: HttpError = refuse(Status::HeaderFieldsTooLarge, "Request header section too large.");

/// One pass over the lines of the head, before httparse sees it: line
/// endings must be CRLF (httparse accepts a bare LF), and the limits are
/// known before the head is complete, so a slow or endless head is refused
/// as soon as it crosses one.
fn scan(buf: &[u8], limits: &Limits) -> Scan {
    let mut line_start = 0;
    let mut request_line = None;
    let mut fields = 0usize;
    loop {
        let Some(i) = find_line_end(buf, line_start) else {
            return incomplete(buf.len(), buf.len() - line_start, request_line.is_some(), limits);
        };
        if buf[i] == b'\n' {
            return Scan::Error(BARE_LF);
        }
        if i + 1 == buf.len() {
            return incomplete(buf.len(), i - line_start, request_line.is_some(), limits);
        }
        if buf[i + 1] != b'\n' {
            return Scan::Error(BARE_CR);
        }
        let content = i - line_start;
        let next = i + 2;
        match request_line {
            // Empty lines before the request line are skipped (RFC 9112 §2.2).
            None if content == 0 => {}
            None => {
                if content > limits.max_request_line {
                    return Scan::Error(LINE_TOO_LONG);
                }
                request_line = Some((line_start, i));
            }
            Some((line_start, line_end)) if content == 0 => {
                if next > limits.max_head {
                    return Scan::Error(HEAD_TOO_LARGE);
                }
                return Scan::Complete { line_start, line_end, head_end: next };
            }
            Some(_) => {
                if content > limits.max_header_line {
                    return Scan::Error(FIELD_TOO_LONG);
                }
                fields += 1;
                if fields > limits.max_headers.min(MAX_HEADERS_CAP) {
                    return Scan::Error(TOO_MANY_FIELDS);
                }
            }
        }
        // A field line starting with whitespace is obs-fold (or, first,
        // httparse issue #222's shape): never valid in a request.
        if request_line.is_some() && matches!(buf.get(next), Some(b' ' | b'\t')) {
            return Scan::Error(OBS_FOLD);
        }
        line_start = next;
    }
}

/// Index of the first CR or LF at or after `from`, eight bytes at a time
/// (a byte loop was the larger part of the parse time).
fn find_line_end(buf: &[u8], from: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = ONES << 7;
    let mut i = from;
    while let Some(chunk) = buf.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        let (cr, lf) = (word ^ (ONES * u64::from(b'\r')), word ^ (ONES * u64::from(b'\n')));
        // The classic "has a zero byte" test; its lowest set bit is exact,
        // and little-endian order makes that the first matching byte.
        let found = (cr.wrapping_sub(ONES) & !cr | lf.wrapping_sub(ONES) & !lf) & HIGHS;
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    buf[i..].iter().position(|&b| b == b'\r' || b == b'\n').map(|p| i + p)
}

/// The head is incomplete; `line` bytes of the current line's content are in.
fn incomplete(buffered: usize, line: usize, in_fields: bool, limits: &Limits) -> Scan {
    if !in_fields && line > limits.max_request_line {
        Scan::Error(LINE_TOO_LONG)
    } else if in_fields && line > limits.max_header_line {
        Scan::Error(FIELD_TOO_LONG)
    } else if buffered >= limits.max_head {
        // At least one more byte is due, so the head will exceed the limit.
        Scan::Error(HEAD_TOO_LARGE)
    } else {
        Scan::Partial
    }
}

fn syntax_error(e: httparse::Error, request_line: &[u8], head: &[u8]) -> HttpError {
    match e {
        httparse::Error::Version => version_error(request_line),
        httparse::Error::Token if spaces(request_line) == 1 => {
            refuse(Status::BadRequest, "HTTP/0.9 requests are not supported.")
        }
        httparse::Error::Token => refuse(Status::BadRequest, "Malformed request line."),
        httparse::Error::HeaderName if space_before_colon(head) => {
            refuse(Status::BadRequest, "Whitespace between header field name and colon.")
        }
        httparse::Error::HeaderName => refuse(Status::BadRequest, "Invalid header field name."),
        httparse::Error::HeaderValue => refuse(Status::BadRequest, "Invalid header field value."),
        httparse::Error::TooManyHeaders => TOO_MANY_FIELDS,
        httparse::Error::NewLine | httparse::Error::Status => refuse(Status::BadRequest, "Malformed request head."),
    }
}

fn spaces(line: &[u8]) -> usize {
    line.iter().filter(|&&b| b == b' ').count()
}

/// 505 for a well-formed `HTTP/d.d` we do not speak, 400 for anything else.
fn version_error(request_line: &[u8]) -> HttpError {
    let version = request_line.rsplit(|&b| b == b' ').next().unwrap_or(b"");
    match version {
        _ if spaces(request_line) != 2 => refuse(Status::BadRequest, "Malformed request line."),
        [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
            if major.is_ascii_digit() && minor.is_ascii_digit() && *major != b'0' =>
        {
            refuse(Status::VersionNotSupported, "HTTP version not supported.")
        }
        _ => refuse(Status::BadRequest, "Invalid HTTP version."),
    }
}

fn space_before_colon(head: &[u8]) -> bool {
    head.split(|&b| b == b'\n').skip(1).any(|line| {
        let name = line.split(|&b| b == b':').next().unwrap_or(line);
        name.len() < line.len() && matches!(name.last(), Some(b' ' | b'\t'))
    })
}

// Bits of `seen` for the singleton fields whose repetition we track.
const HOST: u16 = 1;
const IF_NONE_MATCH: u16 = 2;
const IF_MODIFIED_SINCE: u16 = 4;
const IF_RANGE: u16 = 8;
const RANGE: u16 = 16;
const CONTENT_LENGTH: u16 = 32;

fn build<'a>(parsed: &httparse::Request<'_, 'a>) -> Result<Request<'a>, HttpError> {
    let (Some(method), Some(target), Some(minor)) = (parsed.method, parsed.path, parsed.version) else {
        return Err(refuse(Status::BadRequest, "Malformed request line."));
    };
    let method = match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "OPTIONS" => Method::Options,
        other => Method::Other(other),
    };
    let version = if minor == 0 { Version::Http10 } else { Version::Http11 };
    let mut req = Request {
        method,
        target,
        version,
        host: None,
        user_agent: None,
        if_none_match: None,
        if_modified_since: None,
        if_range: None,
        range: None,
        keep_alive: false,
        content_length: None,
        forwarded_for: [b""; MAX_FORWARDED_FOR_LINES],
        forwarded_for_lines: 0,
    };
    let mut seen = 0u16;
    let mut dup = 0u16;
    let (mut close, mut keep_alive, mut transfer_encoding) = (false, false, false);
    for h in parsed.headers.iter() {
        let name = h.name.as_bytes();
        let value = h.value;
        let mut once = |bit: u16, field: &mut Option<&'a [u8]>| {
            if seen & bit != 0 {
                dup |= bit;
                *field = None;
            } else {
                seen |= bit;
                *field = Some(value);
            }
        };
        // Dispatch on length first: most fields are neither.
        match name.len() {
            4 if name.eq_ignore_ascii_case(b"host") => once(HOST, &mut req.host),
            5 if name.eq_ignore_ascii_case(b"range") => once(RANGE, &mut req.range),
            8 if name.eq_ignore_ascii_case(b"if-range") => once(IF_RANGE, &mut req.if_range),
            10 if name.eq_ignore_ascii_case(b"user-agent") => req.user_agent = Some(value),
            10 if name.eq_ignore_ascii_case(b"connection") => {
                for token in value.split(|&b| b == b',').map(<[u8]>::trim_ascii) {
                    close |= token.eq_ignore_ascii_case(b"close");
                    keep_alive |= token.eq_ignore_ascii_case(b"keep-alive");
                }
            }
            13 if name.eq_ignore_ascii_case(b"if-none-match") => once(IF_NONE_MATCH, &mut req.if_none_match),
            14 if name.eq_ignore_ascii_case(b"content-length") => {
                if seen & CONTENT_LENGTH != 0 {
                    return Err(refuse(Status::BadRequest, "Repeated Content-Length."));
                }
                seen |= CONTENT_LENGTH;
                req.content_length = Some(content_length(value)?);
            }
            15 if name.eq_ignore_ascii_case(b"x-forwarded-for") => {
                let n = usize::from(req.forwarded_for_lines);
                if n == MAX_FORWARDED_FOR_LINES {
                    return Err(refuse(Status::BadRequest, "Too many X-Forwarded-For fields."));
                }
                req.forwarded_for[n] = value;
                req.forwarded_for_lines += 1;
            }
            17 if name.eq_ignore_ascii_case(b"if-modified-since") => {
                once(IF_MODIFIED_SINCE, &mut req.if_modified_since)
            }
            17 if name.eq_ignore_ascii_case(b"transfer-encoding") => transfer_encoding = true,
            _ => {}
        }
    }
    // An If-Range we cannot evaluate makes the Range unusable too.
    if dup & (IF_RANGE | RANGE) != 0 {
        req.if_range = None;
        req.range = None;
    }
    if transfer_encoding {
        // Even `identity`: nothing we serve takes a body, and a TE the front
        // proxy read differently is the classic smuggling vector.
        return Err(refuse(Status::BadRequest, "Transfer-Encoding is not accepted."));
    }
    if dup & HOST != 0 {
        return Err(refuse(Status::BadRequest, "Repeated Host."));
    }
    match req.host {
        None if version == Version::Http11 => return Err(refuse(Status::BadRequest, "Missing Host.")),
        Some(host) if !host.iter().all(|&b| is_host_byte(b)) => {
            return Err(refuse(Status::BadRequest, "Invalid Host."));
        }
        _ => {}
    }
    if req.content_length.is_some_and(|n| n > 0) {
        // We never read a body, so the connection must close after the
        // answer. For GET/HEAD/OPTIONS the body itself is the error (RFC
        // 9110 §9.3.1 allows refusing it); a POST & co. is refused for its
        // method, which says more than 400 would.
        return Err(match method {
            Method::Other(_) => refuse(Status::MethodNotAllowed, "Method not allowed."),
            _ => refuse(Status::BadRequest, "A request body is not accepted."),
        });
    }
    req.keep_alive = !close && (version == Version::Http11 || keep_alive);
    Ok(req)
}

/// `1*DIGIT` and nothing else: no sign, no list, no inner space (httparse
/// has already trimmed the surrounding whitespace). CVE-2021-32715 was `+3`.
fn content_length(value: &[u8]) -> Result<u64, HttpError> {
    const BAD: HttpError = refuse(Status::BadRequest, "Invalid Content-Length.");
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return Err(BAD);
    }
    value.iter().try_fold(0u64, |n, &d| n.checked_mul(10)?.checked_add(u64::from(d - b'0'))).ok_or(BAD)
}

/// uri-host and port characters (RFC 3986 reg-name, IP-literal, `:`).
fn is_host_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b".-_~!$&'()*+,;=%:[]".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    fn ok(buf: &[u8]) -> (Request<'_>, usize) {
        match parse(buf, &limits()) {
            Parsed::Request { req, consumed } => (req, consumed),
            other => panic!("{:?} for {:?}", other, String::from_utf8_lossy(buf)),
        }
    }

    fn err(buf: &[u8]) -> HttpError {
        match parse(buf, &limits()) {
            Parsed::Error(e) => {
                assert!(e.close);
                e
            }
            other => panic!("{:?} for {:?}", other, String::from_utf8_lossy(buf)),
        }
    }

    fn status(buf: &[u8]) -> Status {
        err(buf).status
    }

    fn partial(buf: &[u8]) {
        assert!(matches!(parse(buf, &limits()), Parsed::Partial), "{:?}", String::from_utf8_lossy(buf));
    }

    const PHONE: &[u8] = b"GET /y000000000044.cfg HTTP/1.1\r\nHost: 10.0.0.1:8667\r\nUser-Agent: Yealink SIP-T46G 28.83.0.120 00:15:65:aa:bb:cc\r\nAccept: */*\r\nX-Forwarded-For: 10.1.2.3\r\n\r\n";

    #[test]
    fn phone_request() {
        let (req, consumed) = ok(PHONE);
        assert_eq!(consumed, PHONE.len());
        assert_eq!(req.method, Method::Get);
        assert_eq!(req.target, "/y000000000044.cfg");
        assert_eq!(req.version, Version::Http11);
        assert_eq!(req.host, Some(&b"10.0.0.1:8667"[..]));
        assert_eq!(req.user_agent, Some(&b"Yealink SIP-T46G 28.83.0.120 00:15:65:aa:bb:cc"[..]));
        assert_eq!(req.forwarded_for(), &[&b"10.1.2.3"[..]]);
        assert!(req.keep_alive);
        assert_eq!(req.content_length, None);
        let mut out = [0u8; super::super::MAX_PATH];
        assert_eq!(req.path(None, &mut out).unwrap(), b"y000000000044.cfg");
        assert_eq!(req.query(), None);
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(req.client_ip(peer, 1), Ok("10.1.2.3".parse().unwrap()));
        assert_eq!(req.client_ip(peer, 0), Ok(peer));
    }

    #[test]
    fn all_used_headers_are_extracted() {
        let buf = b"HEAD /a.cfg?mac=001122334455 HTTP/1.1\r\nhost: h\r\nIF-NONE-MATCH: \"x\"\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\nRange: bytes=0-1\r\nIf-Range: \"x\"\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n";
        let (req, _) = ok(buf);
        assert_eq!(req.method, Method::Head);
        assert_eq!(req.host, Some(&b"h"[..]));
        assert_eq!(req.if_none_match, Some(&b"\"x\""[..]));
        assert_eq!(req.if_modified_since, Some(&b"Sun, 06 Nov 1994 08:49:37 GMT"[..]));
        assert_eq!(req.range, Some(&b"bytes=0-1"[..]));
        assert_eq!(req.if_range, Some(&b"\"x\""[..]));
        assert_eq!(req.content_length, Some(0));
        assert_eq!(req.query(), Some(&b"mac=001122334455"[..]));
    }

    #[test]
    fn methods() {
        assert_eq!(ok(b"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n").0.method, Method::Options);
        assert_eq!(ok(b"POST /x HTTP/1.1\r\nHost: h\r\n\r\n").0.method, Method::Other("POST"));
        assert_eq!(ok(b"DELETE /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n").0.method, Method::Other("DELETE"));
        // Methods are case-sensitive.
        assert_eq!(ok(b"get /x HTTP/1.1\r\nHost: h\r\n\r\n").0.method, Method::Other("get"));
        let e = err(b"POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello");
        assert_eq!(e.status, Status::MethodNotAllowed);
    }

    #[test]
    fn keep_alive_rules() {
        let ka = |buf: &[u8]| ok(buf).0.keep_alive;
        assert!(ka(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: TE, close\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"));
        assert!(ka(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\n\r\n"));
        assert!(ka(b"GET / HTTP/1.1\r\nHost: h\r\nConnection: closed\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.0\r\n\r\n"));
        assert!(ka(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
        assert!(ka(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
        assert!(!ka(b"GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n"));
    }

    #[test]
    fn host_rules() {
        assert_eq!(err(b"GET / HTTP/1.1\r\n\r\n").reason, "Missing Host.");
        assert_eq!(ok(b"GET / HTTP/1.0\r\n\r\n").0.host, None);
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), Status::BadRequest);
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n"), Status::BadRequest);
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), Status::BadRequest);
        assert_eq!(status(b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), Status::BadRequest);
        assert_eq!(ok(b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:8667\r\n\r\n").0.host, Some(&b"[2001:db8::1]:8667"[..]));
        assert_eq!(ok(b"GET / HTTP/1.1\r\nHost:\r\n\r\n").0.host, Some(&b""[..]));
    }

    #[test]
    fn smuggling_shapes() {
        let cases: &[(&[u8], Status)] = &[
            // obs-fold
            (b"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n\tb\r\n\r\n", Status::BadRequest),
            // whitespace before the first field (httparse #222)
            (b"GET / HTTP/1.1\r\n Host: h\r\n\r\n", Status::BadRequest),
            // whitespace before colon
            (b"GET / HTTP/1.1\r\nHost : h\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length\t: 0\r\n\r\n", Status::BadRequest),
            // bare LF / CR
            (b"GET / HTTP/1.1\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\n\n", Status::BadRequest),
            (b"\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\rHost: h\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\r\n\r\n", Status::BadRequest),
            // Content-Length shapes
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 0\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0, 0\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length:\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nContent-Length: 5\r\n\r\n", Status::BadRequest),
            // a body on GET/HEAD/OPTIONS
            (b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", Status::BadRequest),
            (b"HEAD / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx", Status::BadRequest),
            (b"OPTIONS * HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx", Status::BadRequest),
            // any Transfer-Encoding, with or without Content-Length, any method
            (b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: identity\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\ntransfer-encoding:\r\n\r\n", Status::BadRequest),
            (
                b"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
                Status::BadRequest,
            ),
            (b"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", Status::BadRequest),
            // versions
            (b"GET / HTTP/2.0\r\nHost: h\r\n\r\n", Status::VersionNotSupported),
            (b"GET / HTTP/1.2\r\nHost: h\r\n\r\n", Status::VersionNotSupported),
            (b"GET / HTTP/3.0\r\nHost: h\r\n\r\n", Status::VersionNotSupported),
            (b"GET / HTTP/0.9\r\n\r\n", Status::BadRequest),
            (b"GET / http/1.1\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.10\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET / FOO\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET /\r\n\r\n", Status::BadRequest),
            (b"GET\r\n\r\n", Status::BadRequest),
            (b"GET /a HTTP/2.0 x\r\nHost: h\r\n\r\n", Status::BadRequest),
            // request line shapes
            (b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1 \r\nHost: h\r\n\r\n", Status::BadRequest),
            (b" GET / HTTP/1.1\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"GET /\x00 HTTP/1.1\r\nHost: h\r\n\r\n", Status::BadRequest),
            (b"G\x01T / HTTP/1.1\r\nHost: h\r\n\r\n", Status::BadRequest),
            // field shapes
            (b"GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nNo-Colon\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nX-A: a\x00b\r\n\r\n", Status::BadRequest),
            (b"GET / HTTP/1.1\r\nHost: h\r\nX(A): a\r\n\r\n", Status::BadRequest),
        ];
        for (buf, want) in cases {
            assert_eq!(status(buf), *want, "{:?}", String::from_utf8_lossy(buf));
        }
        assert_eq!(
            err(b"GET / HTTP/1.1\r\nHost : h\r\n\r\n").reason,
            "Whitespace between header field name and colon."
        );
        assert_eq!(err(b"GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n").reason, OBS_FOLD.reason);
        assert_eq!(err(b"GET / HTTP/1.1\nHost: h\r\n\r\n").reason, BARE_LF.reason);
        assert_eq!(err(b"GET / HTTP/1.1\rX\r\n\r\n").reason, BARE_CR.reason);
        assert_eq!(err(b"GET /\r\n\r\n").reason, "HTTP/0.9 requests are not supported.");
    }

    #[test]
    fn leading_empty_lines_are_skipped() {
        let buf = b"\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n";
        let (req, consumed) = ok(buf);
        assert_eq!(consumed, buf.len());
        assert_eq!(req.target, "/");
    }

    #[test]
    fn duplicates_disable_conditionals() {
        let (req, _) = ok(b"GET / HTTP/1.1\r\nHost: h\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\nIf-Modified-Since: x\r\nIf-Modified-Since: y\r\nIf-Modified-Since: z\r\nRange: bytes=0-1\r\n\r\n");
        assert_eq!(req.if_none_match, None);
        assert_eq!(req.if_modified_since, None);
        assert_eq!(req.range, Some(&b"bytes=0-1"[..]));
        let (req, _) =
            ok(b"GET / HTTP/1.1\r\nHost: h\r\nRange: bytes=0-1\r\nRange: bytes=2-3\r\nRange: bytes=4-5\r\n\r\n");
        assert_eq!(req.range, None);
        let (req, _) =
            ok(b"GET / HTTP/1.1\r\nHost: h\r\nIf-Range: \"a\"\r\nIf-Range: \"a\"\r\nRange: bytes=0-1\r\n\r\n");
        assert_eq!((req.range, req.if_range), (None, None));
        let (req, _) = ok(b"GET / HTTP/1.1\r\nHost: h\r\nUser-Agent: one\r\nUser-Agent: two\r\n\r\n");
        assert_eq!(req.user_agent, Some(&b"two"[..]));
    }

    #[test]
    fn forwarded_for_lines() {
        let (req, _) =
            ok(b"GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 6.6.6.6, 10.0.0.1\r\nx-forwarded-for: 10.0.0.2\r\n\r\n");
        assert_eq!(req.forwarded_for(), &[&b"6.6.6.6, 10.0.0.1"[..], b"10.0.0.2"]);
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(req.client_ip(peer, 2), Ok("10.0.0.1".parse().unwrap()));
        let mut many = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        for _ in 0..MAX_FORWARDED_FOR_LINES {
            many.extend_from_slice(b"X-Forwarded-For: 1.2.3.4\r\n");
        }
        let mut too_many = many.clone();
        many.extend_from_slice(b"\r\n");
        assert_eq!(ok(&many).0.forwarded_for().len(), MAX_FORWARDED_FOR_LINES);
        too_many.extend_from_slice(b"X-Forwarded-For: 1.2.3.4\r\n\r\n");
        assert_eq!(status(&too_many), Status::BadRequest);
        let (req, _) = ok(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n");
        assert_eq!(req.client_ip(peer, 1), Err(ClientIpError::MissingHeader));
    }

    fn request_with_line(line_len: usize) -> Vec<u8> {
        // "GET /aaa… HTTP/1.1" is exactly `line_len` bytes.
        let path = "a".repeat(line_len - "GET / HTTP/1.1".len());
        format!("GET /{path} HTTP/1.1\r\nHost: h\r\n\r\n").into_bytes()
    }

    #[test]
    fn request_line_limit_edges() {
        let at = request_with_line(8192);
        ok(&at);
        let over = request_with_line(8193);
        assert_eq!(err(&over), LINE_TOO_LONG);
        // Refused before the line is complete...
        assert_eq!(err(&over[..8193]), LINE_TOO_LONG);
        // ...but not while it could still fit, CR included.
        partial(&at[..8192]);
        partial(&at[..8193]);
    }

    fn request_with_field(field_len: usize) -> Vec<u8> {
        let value = "v".repeat(field_len - "X-Big: ".len());
        format!("GET / HTTP/1.1\r\nHost: h\r\nX-Big: {value}\r\n\r\n").into_bytes()
    }

    #[test]
    fn header_line_limit_edges() {
        let at = request_with_field(8192);
        ok(&at);
        let over = request_with_field(8193);
        assert_eq!(err(&over), FIELD_TOO_LONG);
        let start = "GET / HTTP/1.1\r\nHost: h\r\n".len();
        assert_eq!(err(&over[..start + 8193]), FIELD_TOO_LONG);
        partial(&at[..start + 8192]);
        partial(&at[..start + 8193]);
    }

    fn request_with_fields(n: usize) -> Vec<u8> {
        let mut buf = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        for i in 1..n {
            buf.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
        }
        buf.extend_from_slice(b"\r\n");
        buf
    }

    #[test]
    fn header_count_edges() {
        assert_eq!(ok(&request_with_fields(100)).1, request_with_fields(100).len());
        assert_eq!(err(&request_with_fields(101)), TOO_MANY_FIELDS);
        let small = Limits { max_headers: 3, ..Limits::default() };
        assert!(matches!(parse(&request_with_fields(3), &small), Parsed::Request { .. }));
        assert!(matches!(parse(&request_with_fields(4), &small), Parsed::Error(TOO_MANY_FIELDS)));
        // Refused as soon as the extra line is complete.
        let over = request_with_fields(101);
        assert!(matches!(parse(&over[..over.len() - 2], &limits()), Parsed::Error(TOO_MANY_FIELDS)));
    }

    /// A request whose head is exactly `total` bytes, fields under 8 KiB.
    fn request_with_head(total: usize) -> Vec<u8> {
        let mut buf = b"GET / HTTP/1.1\r\nHost: h\r\n".to_vec();
        let field = |len: usize| format!("X: {}\r\n", "v".repeat(len - 5)).into_bytes();
        while total - buf.len() - 2 > 8000 {
            buf.extend(field(8000));
        }
        let rest = total - buf.len() - 2;
        assert!(rest >= 6);
        buf.extend(field(rest));
        buf.extend_from_slice(b"\r\n");
        assert_eq!(buf.len(), total);
        buf
    }

    #[test]
    fn head_limit_edges() {
        let at = request_with_head(32 * 1024);
        assert_eq!(ok(&at).1, 32 * 1024);
        let over = request_with_head(32 * 1024 + 1);
        assert_eq!(err(&over), HEAD_TOO_LARGE);
        // Incomplete heads: refused once the buffer reaches the limit.
        partial(&at[..32 * 1024 - 1]);
        assert_eq!(err(&over[..32 * 1024]), HEAD_TOO_LARGE);
        // Endless empty lines before the request line count too.
        assert_eq!(err(&b"\r\n".repeat(16 * 1024)), HEAD_TOO_LARGE);
    }

    #[test]
    fn byte_at_a_time() {
        for n in 0..PHONE.len() {
            partial(&PHONE[..n]);
        }
        let (_, consumed) = ok(PHONE);
        assert_eq!(consumed, PHONE.len());
    }

    #[test]
    fn pipelined_in_one_buffer() {
        let mut buf = PHONE.to_vec();
        buf.extend_from_slice(b"HEAD /b.xml HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n");
        buf.extend_from_slice(b"GET /c.bin HTTP/1.1\r\nHo");
        let (first, n1) = ok(&buf);
        assert_eq!(first.target, "/y000000000044.cfg");
        let (second, n2) = ok(&buf[n1..]);
        assert_eq!((second.method, second.target, second.keep_alive), (Method::Head, "/b.xml", false));
        partial(&buf[n1 + n2..]);
    }

    /// Feeds two pipelined requests through a simulated read loop, split at
    /// every pair of byte boundaries.
    #[test]
    fn pipelined_split_at_every_boundary() {
        let mut stream = PHONE.to_vec();
        stream.extend_from_slice(b"GET /second.xml HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        for split in 0..=stream.len() {
            let mut buf: Vec<u8> = Vec::new();
            let mut targets = Vec::new();
            for chunk in [&stream[..split], &stream[split..]] {
                buf.extend_from_slice(chunk);
                loop {
                    match parse(&buf, &limits()) {
                        Parsed::Partial => break,
                        Parsed::Request { req, consumed } => {
                            targets.push(req.target.to_string());
                            buf.drain(..consumed);
                        }
                        Parsed::Error(e) => panic!("{e:?} at split {split}"),
                    }
                }
            }
            assert_eq!(targets, ["/y000000000044.cfg", "/second.xml"], "split {split}");
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn partial_heads_that_are_already_wrong() {
        assert_eq!(status(b"GET / HTTP/1.1\n"), Status::BadRequest);
        assert_eq!(status(b"GET / HTTP/1.1\r\nX: a\r\n "), Status::BadRequest);
        assert_eq!(status(b"GET / HTTP/1.1\rX"), Status::BadRequest);
        partial(b"GET / HTTP/1.1\r");
        partial(b"GET / HTTP/1.1\r\nHost: h\r\n\r");
        partial(b"");
        partial(b"\r\n");
    }

    #[test]
    fn line_end_search_matches_a_byte_loop() {
        let mut buf = Vec::new();
        for i in 0..300u32 {
            buf.push(match i % 37 {
                0 => b'\r',
                11 => b'\n',
                5 => 0x8d,
                6 => 0x0c,
                7 => 0x0e,
                8 => 0,
                _ => (i * 7 % 251) as u8 | 0x20,
            });
        }
        for from in 0..=buf.len() {
            let want = buf[from..].iter().position(|&b| b == b'\r' || b == b'\n').map(|p| from + p);
            assert_eq!(find_line_end(&buf, from), want, "from {from}");
        }
        for len in 0..20 {
            let plain = vec![b'a'; len];
            assert_eq!(find_line_end(&plain, 0), None);
            for at in 0..len {
                let mut one = plain.clone();
                one[at] = b'\n';
                assert_eq!(find_line_end(&one, 0), Some(at));
            }
        }
    }

    #[test]
    fn content_length_values() {
        assert_eq!(content_length(b"0"), Ok(0));
        assert_eq!(content_length(b"000"), Ok(0));
        assert_eq!(content_length(b"18446744073709551615"), Ok(u64::MAX));
        assert!(content_length(b"18446744073709551616").is_err());
        assert!(content_length(b"").is_err());
        assert!(content_length(b"+0").is_err());
        assert_eq!(ok(b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length:  0 \r\n\r\n").0.content_length, Some(0));
    }
}
