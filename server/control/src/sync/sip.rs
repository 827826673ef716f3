//! The SIP messages of synchronize: the NOTIFY provd sends and the responses
//! it reads back. Pure functions over bytes.

use std::fmt::Write as _;
use std::net::SocketAddr;

use provd_core::family::SyncNotify;

/// The user part of provd's own SIP URIs (From, Contact).
const USER: &str = "provd";

/// The identifiers of one request: the Via branch (the transaction key),
/// the From tag and the Call-ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ids {
    pub(crate) branch: String,
    pub(crate) tag: String,
    pub(crate) call_id: String,
}

impl Ids {
    /// Fresh random identifiers (`branch` carries RFC 3261's magic cookie).
    pub(crate) fn random() -> Ids {
        let a = uuid::Uuid::new_v4().simple().to_string();
        let b = uuid::Uuid::new_v4().simple().to_string();
        Ids { branch: format!("z9hG4bK{}", &a[..24]), tag: b[..16].to_owned(), call_id: format!("{a}{}", &b[16..]) }
    }
}

/// `sip:anonymous@<ip>:<port>`.
fn request_uri(dest: SocketAddr) -> String {
    format!("sip:anonymous@{dest}")
}

/// The NOTIFY to `dest`, sent from `local` (the address put in Via, From and
/// Contact). A body, when the event has one, is its lines joined by CRLF, as
/// Asterisk's `PJSIPNotify` builds it from `Content=` variables.
pub(crate) fn format_notify(dest: SocketAddr, local: SocketAddr, notify: &SyncNotify, ids: &Ids) -> Vec<u8> {
    let uri = request_uri(dest);
    let mut m = String::with_capacity(512);
    // Writing to a String cannot fail.
    let _ = write!(
        m,
        "NOTIFY {uri} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {local};branch={branch};rport\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:{USER}@{local}>;tag={tag}\r\n\
         To: <{uri}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 NOTIFY\r\n\
         Contact: <sip:{USER}@{local}>\r\n\
         Event: {event}\r\n\
         Subscription-State: terminated\r\n",
        branch = ids.branch,
        tag = ids.tag,
        call_id = ids.call_id,
        event = one_line(notify.event),
    );
    match &notify.body {
        Some((content_type, lines)) => {
            let body = lines.join("\r\n");
            let _ =
                write!(m, "Content-Type: {}\r\nContent-Length: {}\r\n\r\n{body}", one_line(content_type), body.len());
        }
        None => m.push_str("Content-Length: 0\r\n\r\n"),
    }
    m.into_bytes()
}

/// A header value cannot hold a line break (it would start a new header).
fn one_line(value: &str) -> std::borrow::Cow<'_, str> {
    if value.contains(['\r', '\n']) { value.replace(['\r', '\n'], " ").into() } else { value.into() }
}

/// What provd needs from a SIP response, borrowed from the datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response<'a> {
    pub(crate) code: u16,
    pub(crate) reason: &'a str,
    /// The `branch` parameter of the topmost Via.
    pub(crate) branch: Option<&'a str>,
    pub(crate) call_id: Option<&'a str>,
    /// Sequence number and method.
    pub(crate) cseq: Option<(u32, &'a str)>,
}

/// Parses a SIP response. `None` for anything else: requests, garbage,
/// truncated status lines, codes outside 100..=699. Header names are
/// case-insensitive and may be compact (`v`, `i`); folded header lines are
/// joined; lines ending in LF alone are accepted. Never panics.
pub(crate) fn parse_response(datagram: &[u8]) -> Option<Response<'_>> {
    // Only the head matters; the body (if any) may be anything.
    let head = match find(datagram, b"\r\n\r\n").or_else(|| find(datagram, b"\n\n")) {
        Some(end) => &datagram[..end],
        None => datagram,
    };
    let (status, headers) = match head.iter().position(|&b| b == b'\n') {
        Some(nl) => (&head[..nl], &head[nl + 1..]),
        None => (head, &[][..]),
    };
    let status = status.strip_suffix(b"\r").unwrap_or(status);
    let rest = status.strip_prefix(b"SIP/2.0 ")?;
    let code_digits = rest.get(..3)?;
    if !code_digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let code = code_digits.iter().fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
    if !(100..=699).contains(&code) {
        return None;
    }
    let reason = match rest.get(3..) {
        Some([]) | None => "",
        Some([b' ', reason @ ..]) => std::str::from_utf8(reason).map(str::trim).unwrap_or(""),
        Some(_) => return None,
    };
    let mut response = Response { code, reason, branch: None, call_id: None, cseq: None };
    let mut via_seen = false;
    for (name, value) in (Headers { rest: headers }) {
        let Ok(name) = std::str::from_utf8(name) else { continue };
        let Ok(value) = std::str::from_utf8(value) else { continue };
        let name = name.trim();
        if name.eq_ignore_ascii_case("via") || name.eq_ignore_ascii_case("v") {
            if !via_seen {
                via_seen = true;
                response.branch = via_branch(value);
            }
        } else if name.eq_ignore_ascii_case("call-id") || name.eq_ignore_ascii_case("i") {
            if response.call_id.is_none() {
                response.call_id = Some(value.trim()).filter(|v| !v.is_empty());
            }
        } else if name.eq_ignore_ascii_case("cseq") && response.cseq.is_none() {
            let mut parts = value.split_ascii_whitespace();
            if let (Some(n), Some(method), None) = (parts.next(), parts.next(), parts.next())
                && let Ok(n) = n.parse()
            {
                response.cseq = Some((n, method));
            }
        }
    }
    Some(response)
}

/// The headers of a message head, folded lines joined: `(name, value)`
/// slices where a folded value still holds its line breaks (callers treat
/// them as whitespace).
struct Headers<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Headers<'a> {
    type Item = (&'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.rest.is_empty() {
                return None;
            }
            // A logical header ends at a line break not followed by SP/HT.
            let mut end = self.rest.len();
            let mut next = self.rest.len();
            let mut i = 0;
            while let Some(off) = self.rest[i..].iter().position(|&b| b == b'\n') {
                let nl = i + off;
                if matches!(self.rest.get(nl + 1), Some(b' ' | b'\t')) {
                    i = nl + 1;
                    continue;
                }
                end = if nl > 0 && self.rest[nl - 1] == b'\r' { nl - 1 } else { nl };
                next = nl + 1;
                break;
            }
            let line = &self.rest[..end];
            self.rest = &self.rest[next.min(self.rest.len())..];
            if let Some(colon) = line.iter().position(|&b| b == b':') {
                return Some((&line[..colon], &line[colon + 1..]));
            }
            // A line without a colon is garbage: skip it.
        }
    }
}

/// The `branch` parameter of the first Via value in `value`.
fn via_branch(value: &str) -> Option<&str> {
    let first = value.split(',').next()?;
    first.split(';').skip(1).find_map(|param| {
        let (name, v) = param.split_once('=')?;
        name.trim().eq_ignore_ascii_case("branch").then(|| v.trim()).filter(|v| !v.is_empty())
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> Ids {
        Ids { branch: "z9hG4bKbranch1".into(), tag: "tag1".into(), call_id: "call1".into() }
    }

    #[test]
    fn sync_sip_notify_exact_message() {
        let dest: SocketAddr = "10.1.2.3:5060".parse().unwrap();
        let local: SocketAddr = "10.0.0.1:40000".parse().unwrap();
        let msg = format_notify(dest, local, &SyncNotify { event: "check-sync;reboot=false", body: None }, &ids());
        assert_eq!(
            String::from_utf8(msg).unwrap(),
            "NOTIFY sip:anonymous@10.1.2.3:5060 SIP/2.0\r\n\
             Via: SIP/2.0/UDP 10.0.0.1:40000;branch=z9hG4bKbranch1;rport\r\n\
             Max-Forwards: 70\r\n\
             From: <sip:provd@10.0.0.1:40000>;tag=tag1\r\n\
             To: <sip:anonymous@10.1.2.3:5060>\r\n\
             Call-ID: call1\r\n\
             CSeq: 1 NOTIFY\r\n\
             Contact: <sip:provd@10.0.0.1:40000>\r\n\
             Event: check-sync;reboot=false\r\n\
             Subscription-State: terminated\r\n\
             Content-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn sync_sip_notify_with_body() {
        let dest: SocketAddr = "[2001:db8::5]:5070".parse().unwrap();
        let local: SocketAddr = "[2001:db8::1]:5060".parse().unwrap();
        let notify = SyncNotify {
            event: "service-control",
            body: Some(("text/plain", vec!["action=restart".into(), "RegisterCallId={}".into()])),
        };
        let msg = String::from_utf8(format_notify(dest, local, &notify, &ids())).unwrap();
        assert!(msg.starts_with("NOTIFY sip:anonymous@[2001:db8::5]:5070 SIP/2.0\r\n"), "{msg}");
        assert!(msg.contains("\r\nVia: SIP/2.0/UDP [2001:db8::1]:5060;branch=z9hG4bKbranch1;rport\r\n"));
        assert!(msg.contains("\r\nEvent: service-control\r\n"));
        let body = "action=restart\r\nRegisterCallId={}";
        assert!(
            msg.ends_with(&format!(
                "Subscription-State: terminated\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )),
            "{msg}"
        );
    }

    #[test]
    fn sync_sip_header_values_stay_on_one_line() {
        let dest: SocketAddr = "10.1.2.3:5060".parse().unwrap();
        let notify = SyncNotify { event: "check-sync\r\nX-Evil: 1", body: None };
        let msg = String::from_utf8(format_notify(dest, dest, &notify, &ids())).unwrap();
        assert!(msg.contains("\r\nEvent: check-sync  X-Evil: 1\r\n"));
    }

    #[test]
    fn sync_sip_random_ids() {
        let a = Ids::random();
        let b = Ids::random();
        assert!(a.branch.starts_with("z9hG4bK") && a.branch.len() == 31);
        assert_eq!(a.tag.len(), 16);
        assert_eq!(a.call_id.len(), 48);
        assert_ne!(a, b);
    }

    #[test]
    fn sync_sip_parse_full_response() {
        let r = parse_response(
            b"SIP/2.0 200 OK\r\n\
              Via: SIP/2.0/UDP 10.0.0.1:40000;branch=z9hG4bKbranch1;rport=40000;received=10.0.0.1\r\n\
              Via: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKother\r\n\
              From: <sip:provd@10.0.0.1:40000>;tag=tag1\r\n\
              To: <sip:anonymous@10.1.2.3:5060>;tag=xyz\r\n\
              Call-ID: call1\r\n\
              CSeq: 1 NOTIFY\r\n\
              Content-Length: 0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(
            r,
            Response {
                code: 200,
                reason: "OK",
                branch: Some("z9hG4bKbranch1"),
                call_id: Some("call1"),
                cseq: Some((1, "NOTIFY"))
            }
        );
    }

    #[test]
    fn sync_sip_parse_compact_and_odd_forms() {
        // Compact names, odd case, LF-only lines, spaces around the colon, a
        // folded Via, several Via values in one header, a body.
        let r = parse_response(
            b"SIP/2.0 180 Ringing now\n\
              v :  SIP/2.0/UDP 10.0.0.1:40000\n ;BRANCH=z9hG4bKb2 ;rport, SIP/2.0/UDP x;branch=z9hG4bKno\n\
              I:  abc@host \n\
              cSeQ:   7    NOTIFY\n\
              l: 5\n\nhello",
        )
        .unwrap();
        assert_eq!(r.code, 180);
        assert_eq!(r.reason, "Ringing now");
        assert_eq!(r.branch, Some("z9hG4bKb2"));
        assert_eq!(r.call_id, Some("abc@host"));
        assert_eq!(r.cseq, Some((7, "NOTIFY")));
        // No reason phrase at all.
        let r = parse_response(b"SIP/2.0 486\r\ni: x\r\n\r\n").unwrap();
        assert_eq!((r.code, r.reason, r.call_id, r.branch), (486, "", Some("x"), None));
    }

    #[test]
    fn sync_sip_parse_refuses_garbage() {
        for bad in [
            &b""[..],
            b"\r\n\r\n",
            b"NOTIFY sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKx\r\n\r\n",
            b"SIP/2.0 20",
            b"SIP/2.0 2x0 OK\r\n",
            b"SIP/2.0 099 Low\r\n",
            b"SIP/2.0 700 High\r\n",
            b"SIP/2.0 2000 OK\r\n",
            b"SIP/1.0 200 OK\r\n",
            b"sip/2.0 200 OK\r\n",
            b"\xff\xfe\x00garbage",
        ] {
            assert_eq!(parse_response(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
        // Broken headers are skipped, not fatal.
        let r = parse_response(
            b"SIP/2.0 200 \xffOK\r\nnocolon\r\nCSeq: x NOTIFY\r\nCSeq: 1\r\nCall-ID:\r\n\xff: y\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.code, r.reason, r.cseq, r.call_id), (200, "", None, None));
    }

    #[test]
    fn sync_sip_parse_never_panics_on_prefixes() {
        let full = b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP a;branch=z9hG4bKq\r\n i: c\r\nCSeq: 1 NOTIFY\r\n\r\n";
        for n in 0..=full.len() {
            let _ = parse_response(&full[..n]);
        }
        // Pseudo-random bytes seeded on a fixed value.
        let mut x = 0x2545F4914F6CDD1Du64;
        let mut buf = Vec::new();
        for _ in 0..2000 {
            buf.clear();
            buf.extend_from_slice(b"SIP/2.0 200 OK\r\n");
            for _ in 0..(x % 64) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                buf.push(b"v:;=,\r\n \tbranch iCSeq0123"[(x % 25) as usize]);
            }
            let _ = parse_response(&buf);
        }
    }
}
