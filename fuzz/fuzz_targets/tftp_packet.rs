//! TFTP wire format and request acceptance on arbitrary bytes.
//!
//! Input: `[limits selector: 1 byte][file length: 8 bytes LE][datagram...]`.
//! Inputs shorter than 9 bytes are taken whole as the datagram (file length
//! 0, default limits).
//!
//! Checks, besides "never panics":
//! * a parsed request holds what the parser promises (non-empty filename
//!   without control bytes, printable ASCII mode, at most MAX_OPTIONS
//!   options with unique names, ASCII option text);
//! * re-encoding a parsed request and parsing it again gives the same request;
//! * `check_request` and `accept` agree, and what `accept` negotiates stays
//!   inside the limits; its OACK parses back to exactly the acknowledged
//!   options;
//! * a `Transfer` built from the negotiation starts with an OACK or DATA 1
//!   that lies within the file.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use provd_proto::tftp::{
    DEFAULT_MAX_REQUEST_LEN, ErrorCode, Limits, MAX_BLKSIZE, MAX_OPTIONS, MIN_BLKSIZE, Packet, Request, RequestKind,
    Transfer, Transmit, accept, check_request, encode_request, printable,
};

fn limits(selector: u8) -> Limits {
    let mut l = Limits::default();
    match selector % 4 {
        0 => {}
        1 => {
            // Extreme limits, which `sanitized()` must bring back into range.
            l.max_blksize = 0;
            l.max_windowsize = 0;
            l.max_timeout_secs = 0;
            l.default_timeout = Duration::ZERO;
            l.max_request_len = 0;
        }
        2 => {
            l.max_blksize = u16::MAX;
            l.max_windowsize = u16::MAX;
            l.max_timeout_secs = u8::MAX;
            l.default_timeout = Duration::MAX;
            l.max_request_len = usize::MAX;
        }
        _ => {
            l.max_blksize = 512 + u16::from(selector);
            l.max_windowsize = u16::from(selector >> 2).max(1);
            l.max_timeout_secs = selector >> 4;
        }
    }
    l
}

fn check_text(s: &str, allow_utf8: bool, allow_empty: bool) {
    assert!(allow_empty || !s.is_empty(), "empty field {s:?}");
    for b in s.bytes() {
        assert!(b >= 0x20 && b != 0x7f, "control byte in {s:?}");
        assert!(allow_utf8 || b < 0x80, "non-ASCII byte in {s:?}");
    }
}

fn check_request_shape(req: &Request<'_>) {
    check_text(req.filename, true, false);
    check_text(req.mode, false, false);
    assert!(req.options.len() <= MAX_OPTIONS);
    let opts: Vec<(&str, &str)> = req.options.iter().collect();
    assert_eq!(opts.len(), req.options.len(), "Options::len disagrees with its iterator");
    for (i, (name, value)) in opts.iter().enumerate() {
        check_text(name, false, false);
        check_text(value, false, true);
        for (other, _) in &opts[..i] {
            assert!(!other.eq_ignore_ascii_case(name), "repeated option {name:?}");
        }
        assert_eq!(req.options.get(name), Some(*value));
    }
}

fn round_trip(req: &Request<'_>) {
    let mut bytes = Vec::new();
    encode_request(req.kind, req.filename, req.mode, req.options.iter(), &mut bytes);
    let again = Request::parse(&bytes, usize::MAX).expect("a re-encoded request parses");
    assert_eq!(again.kind, req.kind);
    assert_eq!(again.filename, req.filename);
    assert_eq!(again.mode, req.mode);
    assert!(again.options.iter().eq(req.options.iter()), "options changed in the round trip");
}

fn negotiate(req: &Request<'_>, file_len: u64, limits: &Limits) {
    let checked = check_request(req, limits);
    let accepted = accept(req, file_len, limits);
    match (&checked, &accepted) {
        (Ok(()), Ok(_)) => {}
        (Err(a), Err(b)) => assert_eq!(a, b, "check_request and accept refuse differently"),
        _ => panic!("check_request {checked:?} disagrees with accept {accepted:?}"),
    }
    let n = match accepted {
        Ok(n) => n,
        Err(e) => {
            assert!(req.kind == RequestKind::Write || e.code != ErrorCode::ACCESS_VIOLATION);
            let bytes = e.to_bytes();
            assert!(matches!(Packet::parse(&bytes), Ok(Packet::Error { .. })), "unparsable ERROR {bytes:?}");
            return;
        }
    };
    assert_eq!(req.kind, RequestKind::Read);
    assert!(req.mode.eq_ignore_ascii_case("octet"));
    let sane = limits.sanitized();
    assert!((MIN_BLKSIZE..=MAX_BLKSIZE).contains(&n.blksize), "{n}");
    assert!(n.blksize <= sane.max_blksize.max(512), "{n}");
    assert!(n.windowsize >= 1 && n.windowsize <= sane.max_windowsize.max(1), "{n}");
    assert!(!n.timeout.is_zero());
    if let Some(t) = n.timeout_option {
        assert!(t >= 1 && t <= sane.max_timeout_secs, "{n}");
    }
    assert_eq!(n.file_len, file_len);
    assert_eq!(n.blocks(), file_len / u64::from(n.blksize) + 1);
    match n.oack() {
        None => {
            assert_eq!(n.blksize, 512);
            assert_eq!(n.windowsize, 1);
            assert_eq!(n.tsize, None);
            assert_eq!(n.timeout_option, None);
        }
        Some(oack) => {
            let Ok(Packet::Oack(opts)) = Packet::parse(oack) else { panic!("bad OACK {oack:?}") };
            assert!(!opts.is_empty() && opts.len() <= 4);
            for (name, value) in opts.iter() {
                // Only options the client asked for are acknowledged.
                assert!(req.options.get(name).is_some(), "unrequested option {name} in OACK");
                let v: u64 = value.parse().expect("numeric OACK value");
                match name {
                    "blksize" => assert_eq!(v, u64::from(n.blksize)),
                    "windowsize" => assert_eq!(v, u64::from(n.windowsize)),
                    "timeout" => assert_eq!(Some(v), n.timeout_option.map(u64::from)),
                    "tsize" => assert_eq!(Some(v), n.tsize),
                    other => panic!("unexpected OACK option {other}"),
                }
            }
            assert_eq!(n.tsize.is_some(), opts.get("tsize").is_some());
        }
    }
    // The first thing a transfer sends.
    let start = Instant::now();
    let blksize = u64::from(n.blksize);
    let had_oack = n.oack().is_some();
    let mut t = Transfer::new(n, limits);
    match t.poll_transmit(start) {
        Some(Transmit::Oack(b)) => assert!(had_oack && !b.is_empty()),
        Some(Transmit::Data { block: 1, range }) => {
            assert!(!had_oack);
            assert_eq!(range.start, 0);
            assert!(range.end <= file_len && range.end - range.start <= blksize);
        }
        other => panic!("unexpected first transmit {other:?}"),
    }
    assert!(t.poll_transmit(start).is_none(), "more than one packet before the peer answered");
    assert!(t.poll_timeout().is_some());
}

fn one(datagram: &[u8], file_len: u64, limits: &Limits) {
    match Packet::parse(datagram) {
        Ok(Packet::Request(req)) => {
            assert!(datagram.len() <= DEFAULT_MAX_REQUEST_LEN);
            check_request_shape(&req);
            round_trip(&req);
        }
        Ok(Packet::Oack(opts)) => {
            assert!(opts.len() <= MAX_OPTIONS);
            assert_eq!(opts.iter().count(), opts.len());
        }
        Ok(Packet::Error { message, .. }) => {
            assert!(!message.contains(&0));
            let p = printable(message, 255);
            assert!(!p.chars().any(char::is_control));
        }
        Ok(Packet::Data { payload, .. }) => assert_eq!(payload.len() + 4, datagram.len()),
        Ok(Packet::Ack { .. }) => assert!(datagram.len() >= 4),
        Err(e) => {
            let _ = e.to_string();
        }
    }
    let max_len = limits.sanitized().max_request_len;
    if let Ok(req) = Request::parse(datagram, max_len) {
        assert!(datagram.len() <= max_len);
        check_request_shape(&req);
        negotiate(&req, file_len, limits);
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 9 {
        one(data, 0, &Limits::default());
        return;
    }
    let limits = limits(data[0]);
    let file_len = u64::from_le_bytes(data[1..9].try_into().unwrap());
    one(&data[9..], file_len, &limits);
});
