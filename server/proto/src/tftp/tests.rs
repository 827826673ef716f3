//! The protocol core driven without sockets: codec and negotiation tables,
//! then whole transfers between a `Transfer` and a simulated client over an
//! in-memory network that can drop, duplicate and delay datagrams, on fake
//! time (a base `Instant` plus offsets).

use std::time::{Duration, Instant};

use super::negotiate::MAX_WINDOWSIZE_CAP;
use super::packet::{Field, MAX_ERROR_MESSAGE, Opcode, ParseErrorKind, encode_oack};
use super::*;

const MIB: usize = 1 << 20;

/// Content where every block differs from its neighbours, so a misplaced
/// block shows up in the comparison.
fn content(len: usize) -> Vec<u8> {
    (0..len as u64).map(|i| ((i.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) ^ (i >> 9)) as u8).collect()
}

fn rrq(filename: &str, mode: &str, options: &[(&str, &str)]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_request(RequestKind::Read, filename, mode, options.iter().copied(), &mut out);
    out
}

fn request(bytes: &[u8]) -> Request<'_> {
    Request::parse(bytes, DEFAULT_MAX_REQUEST_LEN).expect("valid request")
}

fn refuse(options: &[(&str, &str)]) -> ErrorReply {
    let bytes = rrq("f", "octet", options);
    accept(&request(&bytes), 100, &Limits::default()).expect_err("must be refused")
}

fn negotiate(options: &[(&str, &str)], file_len: u64, limits: &Limits) -> Negotiated {
    let bytes = rrq("f", "octet", options);
    accept(&request(&bytes), file_len, limits).expect("must be accepted")
}

fn oack_pairs(n: &Negotiated) -> Vec<(String, String)> {
    match Packet::parse(n.oack().expect("an OACK")).expect("valid OACK") {
        Packet::Oack(o) => o.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
        other => panic!("not an OACK: {other:?}"),
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// Deterministic xorshift, for fuzzing and random loss.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

// ---------------------------------------------------------------- codec

#[test]
fn request_round_trip() {
    let bytes = rrq("dir/SEP0011.cnf.xml", "OcTeT", &[("BlkSize", "1428"), ("tsize", "0"), ("x-vendor", "")]);
    let req = request(&bytes);
    assert_eq!(req.kind, RequestKind::Read);
    assert_eq!(req.filename, "dir/SEP0011.cnf.xml");
    assert_eq!(req.mode, "OcTeT");
    assert_eq!(req.options.len(), 3);
    assert_eq!(req.options.get("blksize"), Some("1428"));
    assert_eq!(req.options.get("TSIZE"), Some("0"));
    assert_eq!(req.options.get("x-vendor"), Some(""));
    assert_eq!(req.options.get("timeout"), None);
    let order: Vec<_> = req.options.iter().map(|(n, _)| n).collect();
    assert_eq!(order, ["BlkSize", "tsize", "x-vendor"]);

    let mut wrq = Vec::new();
    encode_request(RequestKind::Write, "up", "octet", [], &mut wrq);
    assert_eq!(request(&wrq).kind, RequestKind::Write);
    assert!(request(&wrq).options.is_empty());
}

#[test]
fn data_ack_error_oack_round_trip() {
    let mut data = data_header(0xBEEF).to_vec();
    data.extend_from_slice(b"hello");
    assert_eq!(Packet::parse(&data), Ok(Packet::Data { block: 0xBEEF, payload: b"hello" }));
    assert_eq!(Packet::parse(&data_header(7)), Ok(Packet::Data { block: 7, payload: b"" }));
    assert_eq!(Packet::parse(&encode_ack(65535)), Ok(Packet::Ack { block: 65535 }));
    // Trailing bytes after an ACK are tolerated.
    assert_eq!(Packet::parse(&[0, 4, 0, 9, 0, 0]), Ok(Packet::Ack { block: 9 }));

    let mut err = Vec::new();
    encode_error(ErrorCode::FILE_NOT_FOUND, "no such file", &mut err);
    assert_eq!(err, b"\x00\x05\x00\x01no such file\x00");
    assert_eq!(Packet::parse(&err), Ok(Packet::Error { code: ErrorCode::FILE_NOT_FOUND, message: b"no such file" }));

    let mut oack = Vec::new();
    encode_oack([("blksize", "1468"), ("tsize", "99")], &mut oack);
    assert_eq!(oack, b"\x00\x06blksize\x001468\x00tsize\x0099\x00");
    let Ok(Packet::Oack(o)) = Packet::parse(&oack) else { panic!("OACK") };
    assert_eq!(o.get("BLKSIZE"), Some("1468"));
    assert_eq!(o.len(), 2);

    assert_eq!(
        Packet::parse(UNKNOWN_TID_ERROR),
        Ok(Packet::Error { code: ErrorCode::UNKNOWN_TID, message: b"unknown transfer ID" })
    );
}

#[test]
fn error_encoding_is_bounded_and_well_formed() {
    let mut out = Vec::new();
    encode_error(ErrorCode::NOT_DEFINED, &"é".repeat(200), &mut out);
    assert!(out.len() <= 4 + MAX_ERROR_MESSAGE + 1);
    let Ok(Packet::Error { message, .. }) = Packet::parse(&out) else { panic!("ERROR") };
    assert!(std::str::from_utf8(message).is_ok(), "cut on a char boundary");

    out.clear();
    encode_error(ErrorCode::NOT_DEFINED, "a\0b", &mut out);
    assert_eq!(out, b"\x00\x05\x00\x00a b\x00");

    assert_eq!(printable(b"bad\nline\x1b[31m\xff", 100), "bad?line?[31m\u{fffd}");
    assert_eq!(printable(b"abcdef", 3), "abc");
}

#[test]
fn malformed_datagram_catalogue() {
    use Field as F;
    use ParseErrorKind as K;
    let long_name = format!("\0\x01{}\0octet\0", "a".repeat(3000));
    let seventeen: Vec<u8> = {
        let names: Vec<String> = (0..17).map(|i| format!("o{i}")).collect();
        let opts: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "1")).collect();
        rrq("f", "octet", &opts)
    };
    let cases: &[(&str, &[u8], K, usize)] = &[
        ("empty datagram", b"", K::EmptyDatagram, 0),
        ("one byte", b"\x00", K::Truncated { len: 1, needed: 2 }, 1),
        ("opcode 0", b"\x00\x00f\x00octet\x00", K::UnknownOpcode(0), 0),
        ("opcode 7", b"\x00\x07", K::UnknownOpcode(7), 0),
        ("opcode 0xffff", b"\xff\xff\x00\x00", K::UnknownOpcode(0xffff), 0),
        ("RRQ opcode only", b"\x00\x01", K::Missing(F::Filename), 2),
        ("truncated filename", b"\x00\x01file", K::MissingNul(F::Filename), 2),
        ("empty filename", b"\x00\x01\x00octet\x00", K::Empty(F::Filename), 2),
        ("mode missing", b"\x00\x01file\x00", K::Missing(F::Mode), 7),
        ("mode without NUL", b"\x00\x01file\x00octet", K::MissingNul(F::Mode), 7),
        ("empty mode", b"\x00\x01file\x00\x00", K::Empty(F::Mode), 7),
        ("odd option list", b"\x00\x01f\x00octet\x00blksize\x00", K::OptionWithoutValue, 10),
        ("option name without NUL", b"\x00\x01f\x00octet\x00blksize", K::MissingNul(F::OptionName), 10),
        ("option value without NUL", b"\x00\x01f\x00octet\x00blksize\x001024", K::MissingNul(F::OptionValue), 18),
        (
            "repeated option, other case",
            b"\x00\x01f\x00octet\x00blksize\x00512\x00BLKSIZE\x001024\x00",
            K::RepeatedOption,
            22,
        ),
        ("empty option name", b"\x00\x01f\x00octet\x00\x00x\x00", K::Empty(F::OptionName), 10),
        (
            "control byte in filename",
            b"\x00\x01a\nb\x00octet\x00",
            K::ControlByte { field: F::Filename, byte: b'\n' },
            3,
        ),
        ("DEL in filename", b"\x00\x01ab\x7f\x00octet\x00", K::ControlByte { field: F::Filename, byte: 0x7f }, 4),
        ("invalid UTF-8 in filename", b"\x00\x01a\xffb\x00octet\x00", K::InvalidUtf8(F::Filename), 3),
        ("non-ASCII mode", b"\x00\x01f\x00oct\xc3\xa9t\x00", K::NonAscii { field: F::Mode, byte: 0xc3 }, 7),
        (
            "control byte in option value",
            b"\x00\x01f\x00octet\x00tsize\x000\t\x00",
            K::ControlByte { field: F::OptionValue, byte: b'\t' },
            17,
        ),
        ("huge filename", long_name.as_bytes(), K::TooLong { len: long_name.len(), max: 2048 }, 2048),
        ("too many options", &seventeen, K::TooManyOptions { max: MAX_OPTIONS }, 96),
        ("truncated DATA", b"\x00\x03\x00", K::Truncated { len: 3, needed: 4 }, 3),
        ("truncated ACK", b"\x00\x04\x00", K::Truncated { len: 3, needed: 4 }, 3),
        ("bare ACK opcode", b"\x00\x04", K::Truncated { len: 2, needed: 4 }, 2),
        ("truncated ERROR", b"\x00\x05\x00", K::Truncated { len: 3, needed: 4 }, 3),
        ("ERROR without NUL", b"\x00\x05\x00\x01oops", K::MissingNul(F::ErrorMessage), 4),
        ("WRQ without mode", b"\x00\x02f\x00", K::Missing(F::Mode), 4),
        ("OACK odd list", b"\x00\x06blksize\x00", K::OptionWithoutValue, 2),
    ];
    for (name, bytes, kind, at) in cases {
        let err = Packet::parse(bytes).expect_err(name);
        assert_eq!((err.kind, err.at), (*kind, *at), "{name}: {err}");
        assert!(!err.to_string().is_empty());
    }

    // Messages say what and where.
    let err = Packet::parse(b"\x00\x01file").unwrap_err();
    assert_eq!(err.to_string(), "filename starting at byte 2 has no terminating NUL");
    let err = Packet::parse(b"\x00\x01f\x00octet\x00blksize\x00512\x00blksize\x00512\x00").unwrap_err();
    assert_eq!(err.to_string(), "repeated option at byte 22");

    // Only the listening port's parser refuses non-requests.
    let err = Request::parse(&encode_ack(1), 512).unwrap_err();
    assert_eq!(err.kind, K::NotARequest(Opcode::Ack));
    // The request limit is configurable.
    assert!(Request::parse(long_name.as_bytes(), 4096).is_ok());
    let exactly = rrq(&"b".repeat(2048 - 2 - 1 - 6), "octet", &[]);
    assert_eq!(exactly.len(), 2048);
    assert!(Request::parse(&exactly, 2048).is_ok());
    assert!(Request::parse(&exactly, 2047).is_err());
}

#[test]
fn nul_padding_after_a_request_is_tolerated() {
    let req = Packet::parse(b"\x00\x01f\x00octet\x00\x00\x00\x00").unwrap();
    let Packet::Request(req) = req else { panic!() };
    assert!(req.options.is_empty());
    let req = Packet::parse(b"\x00\x01f\x00octet\x00tsize\x000\x00\x00\x00").unwrap();
    let Packet::Request(req) = req else { panic!() };
    assert_eq!(req.options.len(), 1);
    assert_eq!(req.options.get("tsize"), Some("0"));
}

#[test]
fn parser_never_panics_nor_overreads() {
    let valid = rrq("a/b.cfg", "octet", &[("blksize", "1428"), ("tsize", "0"), ("windowsize", "8")]);
    let mut inputs: Vec<Vec<u8>> = (0..=valid.len()).map(|n| valid[..n].to_vec()).collect();
    let mut rng = Rng(0x1234_5678_9abc_def1);
    for i in 0..valid.len() {
        for b in [0u8, 1, 0x1f, 0x7f, 0x80, 0xff, b'a'] {
            let mut v = valid.clone();
            v[i] = b;
            inputs.push(v);
        }
    }
    for _ in 0..20_000 {
        let len = (rng.next() % 80) as usize;
        let mut v: Vec<u8> = (0..len).map(|_| (rng.next() % 6) as u8 * 51).collect();
        // Bias towards real opcodes and NUL-separated text.
        if len >= 2 {
            v[0] = 0;
            v[1] = (rng.next() % 8) as u8;
        }
        for b in v.iter_mut().skip(2) {
            if rng.chance(50) {
                *b = if rng.chance(30) { 0 } else { b'a' + (rng.next() % 26) as u8 };
            }
        }
        inputs.push(v);
    }
    let limits = Limits::default();
    for input in &inputs {
        match Packet::parse(input) {
            Ok(Packet::Request(r)) => {
                assert!(!r.filename.is_empty() && !r.mode.is_empty());
                assert!(r.options.iter().count() == r.options.len());
                let _ = accept(&r, 1000, &limits);
            }
            Ok(_) => {}
            Err(e) => assert!(e.at <= input.len().max(DEFAULT_MAX_REQUEST_LEN), "{e:?} for {input:?}"),
        }
        // A transfer fed garbage ends cleanly or ignores it.
        let mut t = Transfer::new(negotiate(&[], 5000, &limits), &limits);
        let now = Instant::now();
        while t.poll_transmit(now).is_some() {}
        t.handle(now, input);
        while t.poll_transmit(now).is_some() {}
    }
}

// ---------------------------------------------------------------- negotiation

#[test]
fn only_octet_mode_is_accepted() {
    for mode in ["octet", "OCTET", "OcTeT"] {
        let bytes = rrq("f", mode, &[]);
        assert!(accept(&request(&bytes), 1, &Limits::default()).is_ok(), "{mode}");
    }
    let refused = |mode: &str| {
        let bytes = rrq("f", mode, &[]);
        accept(&request(&bytes), 1, &Limits::default()).unwrap_err()
    };
    for mode in ["netascii", "NetASCII"] {
        let e = refused(mode);
        assert_eq!(e.code, ErrorCode::NOT_DEFINED);
        assert_eq!(e.message, "netascii transfers are not supported, use octet");
    }
    let e = refused("mail");
    assert_eq!((e.code, &*e.message), (ErrorCode::NOT_DEFINED, "mail transfers are not supported, use octet"));
    let e = refused("binary");
    assert_eq!(e.message, "unknown transfer mode \"binary\", use octet");
    let e = refused(&"x".repeat(300));
    assert!(e.message.len() < 80, "a hostile mode does not bloat the reply");
}

#[test]
fn writes_are_refused() {
    let mut bytes = Vec::new();
    encode_request(RequestKind::Write, "up.bin", "octet", [("blksize", "1024")], &mut bytes);
    let req = request(&bytes);
    let e = accept(&req, 0, &Limits::default()).unwrap_err();
    assert_eq!(e.code, ErrorCode::ACCESS_VIOLATION);
    assert!(e.message.contains("writes are not accepted"));
    assert_eq!(check_request(&req, &Limits::default()), Err(e.clone()));
    assert_eq!(Packet::parse(&e.to_bytes()), Ok(Packet::Error { code: e.code, message: e.message.as_bytes() }));
    // A WRQ in a refused mode is still reported as a write.
    let mut bytes = Vec::new();
    encode_request(RequestKind::Write, "up.bin", "netascii", [], &mut bytes);
    assert_eq!(accept(&request(&bytes), 0, &Limits::default()).unwrap_err().code, ErrorCode::ACCESS_VIOLATION);
}

#[test]
fn no_known_option_means_classic_transfer() {
    let limits = Limits::default();
    for opts in [&[][..], &[("utimeout", "1000"), ("rollover", "0"), ("blksize2", "1024")][..]] {
        let n = negotiate(opts, 1234, &limits);
        assert_eq!(n.oack(), None);
        assert_eq!((n.blksize, n.windowsize, n.timeout), (512, 1, limits.default_timeout));
        assert_eq!((n.tsize, n.timeout_option), (None, None));
    }
}

#[test]
fn unknown_options_are_not_echoed() {
    let n = negotiate(&[("multicast", ""), ("blksize", "1024"), ("utimeout", "5")], 10, &Limits::default());
    assert_eq!(oack_pairs(&n), pairs(&[("blksize", "1024")]));
}

#[test]
fn oack_follows_request_order_with_canonical_names() {
    let n = negotiate(
        &[("WINDOWSIZE", "8"), ("TSize", "0"), ("timeout", "3"), ("BLKSIZE", "1428")],
        2048,
        &Limits::default(),
    );
    assert_eq!(oack_pairs(&n), pairs(&[("windowsize", "8"), ("tsize", "2048"), ("timeout", "3"), ("blksize", "1428")]));
    assert_eq!((n.blksize, n.windowsize, n.timeout), (1428, 8, Duration::from_secs(3)));
    assert_eq!((n.tsize, n.timeout_option), (Some(2048), Some(3)));
    assert_eq!(n.to_string(), "blksize=1428 windowsize=8 timeout=3s tsize=2048 oack=yes");
}

#[test]
fn blksize_range_and_cap() {
    let limits = Limits::default();
    let wide = Limits { max_blksize: MAX_BLKSIZE, ..Limits::default() };
    for (asked, capped, wide_value) in [
        ("8", 8, 8),
        ("199", 199, 199),
        ("512", 512, 512),
        ("1428", 1428, 1428),
        ("1468", 1468, 1468),
        ("9001", 1468, 9001),
        ("65464", 1468, 65464),
        ("000512", 512, 512),
    ] {
        let n = negotiate(&[("blksize", asked)], 0, &limits);
        assert_eq!(n.blksize, capped, "{asked}");
        assert_eq!(oack_pairs(&n), pairs(&[("blksize", &capped.to_string())]));
        assert_eq!(negotiate(&[("blksize", asked)], 0, &wide).blksize, wide_value);
    }
    for bad in ["7", "0", "65465", "99999999999999999999999"] {
        let e = refuse(&[("blksize", bad)]);
        assert_eq!(e.code, ErrorCode::OPTION_NEGOTIATION, "{bad}");
        assert!(e.message.starts_with("option negotiation failed: blksize"), "{}", e.message);
        assert!(e.message.contains(&bad[..bad.len().min(24)]), "{}", e.message);
    }
    assert_eq!(refuse(&[("blksize", "7")]).message, "option negotiation failed: blksize 7 is out of range 8..65464");
    assert_eq!(
        refuse(&[("BlkSize", "big")]).message,
        "option negotiation failed: blksize value \"big\" is not a number"
    );
    assert_eq!(refuse(&[("blksize", "")]).code, ErrorCode::OPTION_NEGOTIATION);
    assert_eq!(refuse(&[("blksize", "-1")]).code, ErrorCode::OPTION_NEGOTIATION);
}

#[test]
fn timeout_range() {
    for bad in ["0", "256", "x"] {
        let e = refuse(&[("timeout", bad)]);
        assert_eq!(e.code, ErrorCode::OPTION_NEGOTIATION, "{bad}");
        assert!(e.message.contains("timeout"));
    }
    let n = negotiate(&[("timeout", "1")], 0, &Limits::default());
    assert_eq!((n.timeout, n.timeout_option), (Duration::from_secs(1), Some(1)));
    assert_eq!(oack_pairs(&n), pairs(&[("timeout", "1")]));
    // Valid but above the server's ceiling: not acknowledged, default used.
    let n = negotiate(&[("timeout", "255"), ("tsize", "0")], 5, &Limits::default());
    assert_eq!((n.timeout, n.timeout_option), (Limits::default().default_timeout, None));
    assert_eq!(oack_pairs(&n), pairs(&[("tsize", "5")]));
    let n = negotiate(&[("timeout", "255")], 5, &Limits { max_timeout_secs: 255, ..Limits::default() });
    assert_eq!(n.timeout, Duration::from_secs(255));
}

#[test]
fn tsize_answers_the_file_length() {
    let n = negotiate(&[("tsize", "0")], 2048, &Limits::default());
    assert_eq!(oack_pairs(&n), pairs(&[("tsize", "2048")]));
    assert_eq!(n.tsize, Some(2048));
    // RFC 2349 wants 0 in an RRQ; other numbers get the same answer.
    assert_eq!(oack_pairs(&negotiate(&[("tsize", "77")], 5, &Limits::default())), pairs(&[("tsize", "5")]));
    // An empty file leaves tsize out (curl refuses "tsize 0"): with no
    // other option the transfer is classic, without OACK.
    let empty = negotiate(&[("tsize", "0")], 0, &Limits::default());
    assert_eq!((empty.oack(), empty.tsize), (None, None));
    let empty = negotiate(&[("tsize", "0"), ("blksize", "1024")], 0, &Limits::default());
    assert_eq!(oack_pairs(&empty), pairs(&[("blksize", "1024")]));
    assert_eq!(refuse(&[("tsize", "?")]).code, ErrorCode::OPTION_NEGOTIATION);
}

#[test]
fn windowsize_range_and_cap() {
    let limits = Limits::default();
    for (asked, got) in [("1", 1), ("4", 4), ("64", 64), ("256", 64), ("65535", 64)] {
        let n = negotiate(&[("windowsize", asked)], 0, &limits);
        assert_eq!(n.windowsize, got, "{asked}");
        assert_eq!(oack_pairs(&n), pairs(&[("windowsize", &got.to_string())]));
    }
    let wide = Limits { max_windowsize: 256, ..Limits::default() };
    assert_eq!(negotiate(&[("windowsize", "256")], 0, &wide).windowsize, 256);
    for bad in ["0", "65536"] {
        let e = refuse(&[("windowsize", bad)]);
        assert_eq!(e.code, ErrorCode::OPTION_NEGOTIATION);
        assert!(e.message.contains("windowsize"));
    }
}

#[test]
fn limits_are_sanitized() {
    let silly = Limits { max_blksize: 0, max_windowsize: 0, max_timeout_secs: 0, ..Limits::default() };
    let n = negotiate(&[("blksize", "1024"), ("windowsize", "16"), ("timeout", "1")], 0, &silly);
    assert_eq!((n.blksize, n.windowsize, n.timeout_option), (8, 1, Some(1)));
    let huge = Limits { max_windowsize: u16::MAX, ..Limits::default() };
    assert_eq!(negotiate(&[("windowsize", "65535")], 0, &huge).windowsize, MAX_WINDOWSIZE_CAP);
}

// ---------------------------------------------------------------- simulation

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    ToServer = 0,
    ToClient = 1,
}

#[derive(Clone, Copy, Debug)]
enum Fate {
    Deliver,
    Drop,
    Duplicate,
    Delay(Duration),
}

type FateFn<'f> = Box<dyn FnMut(Dir, u64, &[u8]) -> Fate + 'f>;

/// Datagrams in flight, delivered in (time, send order) order.
struct Net<'f> {
    latency: Duration,
    fate: FateFn<'f>,
    queue: Vec<(Instant, u64, Dir, Vec<u8>)>,
    seq: u64,
    sent: [u64; 2],
}

impl<'f> Net<'f> {
    fn new(fate: impl FnMut(Dir, u64, &[u8]) -> Fate + 'f) -> Self {
        Net { latency: Duration::from_millis(1), fate: Box::new(fate), queue: Vec::new(), seq: 0, sent: [0; 2] }
    }

    fn send(&mut self, now: Instant, dir: Dir, bytes: Vec<u8>) {
        let index = self.sent[dir as usize];
        self.sent[dir as usize] += 1;
        let at = now + self.latency;
        match (self.fate)(dir, index, &bytes) {
            Fate::Deliver => self.push(at, dir, bytes),
            Fate::Drop => {}
            Fate::Duplicate => {
                self.push(at, dir, bytes.clone());
                self.push(at, dir, bytes);
            }
            Fate::Delay(d) => self.push(at + d, dir, bytes),
        }
    }

    fn push(&mut self, at: Instant, dir: Dir, bytes: Vec<u8>) {
        self.queue.push((at, self.seq, dir, bytes));
        self.seq += 1;
    }

    fn next_time(&self) -> Option<Instant> {
        self.queue.iter().map(|e| e.0).min()
    }

    fn pop_due(&mut self, now: Instant) -> Option<(Dir, Vec<u8>)> {
        let (i, _) = self.queue.iter().enumerate().filter(|(_, e)| e.0 <= now).min_by_key(|(_, e)| (e.0, e.1))?;
        let (_, _, dir, bytes) = self.queue.swap_remove(i);
        Some((dir, bytes))
    }
}

/// How the simulated client answers DATA it already has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DupAck {
    /// Re-ACK the last in-order block for every duplicate (worst case for
    /// Sorcerer's Apprentice).
    Every,
    /// Re-ACK only a duplicate of the block it last ACKed (tftp-hpa).
    LastAcked,
    /// One ACK of the last in-order block per position, for duplicates and
    /// gaps alike, restarting the window count there (U-Boot).
    OncePerPosition,
}

/// An RFC 7440 receiver: ACKs every `window` blocks and the final block,
/// reports a gap once by ACKing the last in-order block.
struct Client {
    options: Vec<(String, String)>,
    blksize: usize,
    window: u64,
    dup_ack: DupAck,
    gap_ack: bool,
    /// Answer a repeated final block after finishing (RFC 1350 dallying).
    dally: bool,
    oack: Option<Vec<(String, String)>>,
    started: bool,
    expected: u64,
    last_ack: u64,
    gap_reported: bool,
    data: Vec<u8>,
    done: bool,
    error: Option<(ErrorCode, String)>,
    acks_sent: u64,
    /// Wire numbers of in-order blocks 65534..=65538.
    wrap_log: Vec<u16>,
    /// Like real receivers, re-send the last ACK after this long without
    /// DATA; slower than the server so the server drives recovery.
    timeout: Duration,
    deadline: Option<Instant>,
}

impl Client {
    fn new(options: &[(&str, &str)]) -> Self {
        Client {
            options: pairs(options),
            blksize: 512,
            window: 1,
            dup_ack: DupAck::Every,
            gap_ack: true,
            dally: true,
            oack: None,
            started: false,
            expected: 1,
            last_ack: 0,
            gap_reported: false,
            data: Vec::new(),
            done: false,
            error: None,
            acks_sent: 0,
            wrap_log: Vec::new(),
            timeout: Duration::from_secs(3),
            deadline: None,
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.done || self.error.is_some() { None } else { self.deadline }
    }

    fn handle_timeout(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if self.poll_timeout().is_some_and(|d| d <= now) {
            self.deadline = Some(now + self.timeout);
            if self.oack.is_some() || self.started {
                self.ack(self.expected - 1, &mut out);
            }
        }
        out
    }

    fn rrq(&self) -> Vec<u8> {
        let mut out = Vec::new();
        encode_request(
            RequestKind::Read,
            "file.bin",
            "octet",
            self.options.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            &mut out,
        );
        out
    }

    fn ack(&mut self, block: u64, out: &mut Vec<Vec<u8>>) {
        out.push(encode_ack(block as u16).to_vec());
        self.last_ack = block;
        self.acks_sent += 1;
    }

    fn on_packet(&mut self, now: Instant, datagram: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        if self.error.is_some() {
            return out;
        }
        match Packet::parse(datagram).expect("the server sends well-formed packets") {
            Packet::Oack(options) => {
                if self.started {
                    return out;
                }
                for (name, value) in options.iter() {
                    assert!(
                        self.options.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)),
                        "OACK carries {name}, which was not requested"
                    );
                    match name {
                        "blksize" => self.blksize = value.parse().unwrap(),
                        "windowsize" => self.window = value.parse().unwrap(),
                        _ => {}
                    }
                }
                self.oack = Some(options.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect());
                self.deadline = Some(now + self.timeout);
                self.ack(0, &mut out);
            }
            Packet::Data { block, payload } => {
                self.started = true;
                assert!(payload.len() <= self.blksize, "DATA larger than blksize");
                let delta = block.wrapping_sub(self.expected as u16);
                if delta == 0 && !self.done {
                    if (65534..=65538).contains(&self.expected) {
                        self.wrap_log.push(block);
                    }
                    self.data.extend_from_slice(payload);
                    self.expected += 1;
                    // Only progress re-arms the timer (as in U-Boot): a
                    // sender repeating itself must not keep it from firing.
                    self.deadline = Some(now + self.timeout);
                    self.gap_reported = false;
                    let n = self.expected - 1;
                    if payload.len() < self.blksize {
                        self.done = true;
                        self.ack(n, &mut out);
                    } else if n - self.last_ack >= self.window {
                        self.ack(n, &mut out);
                    }
                } else if delta < 0x8000 && !self.done {
                    if self.gap_ack && !self.gap_reported {
                        self.gap_reported = true;
                        self.ack(self.expected - 1, &mut out);
                    }
                } else {
                    let got = self.expected.saturating_sub(u64::from(0u16.wrapping_sub(delta)));
                    let answer = match self.dup_ack {
                        DupAck::Every => true,
                        DupAck::LastAcked => got == self.last_ack,
                        DupAck::OncePerPosition => !std::mem::replace(&mut self.gap_reported, true),
                    };
                    if answer && (!self.done || self.dally) {
                        self.ack(self.expected - 1, &mut out);
                    }
                }
            }
            Packet::Error { code, message } => self.error = Some((code, printable(message, 200))),
            other => panic!("server sent {other:?}"),
        }
        out
    }
}

struct Run {
    outcome: Option<Outcome>,
    client: Client,
    stats: Stats,
    negotiated: Negotiated,
    elapsed: Duration,
}

impl Run {
    fn assert_complete(&self, file: &[u8]) {
        assert_eq!(self.outcome, Some(Outcome::Completed), "stats: {:?}", self.stats);
        assert!(self.client.done);
        assert_eq!(self.client.error, None);
        assert!(self.client.data.len() == file.len() && self.client.data == file, "reassembled content differs");
    }
}

fn wire(t: &Transmit<'_>, file: &[u8]) -> Vec<u8> {
    let bytes = match t {
        Transmit::Oack(b) | Transmit::Error(b) => b.to_vec(),
        Transmit::Data { range, .. } => {
            let mut v = t.data_header().unwrap().to_vec();
            v.extend_from_slice(&file[range.start as usize..range.end as usize]);
            v
        }
    };
    assert_eq!(bytes.len(), t.wire_len());
    bytes
}

/// Serve `file` to `client` over a network whose `fate` decides what
/// happens to each datagram. Set `TFTP_TRACE=1` to print every delivery.
fn run(file: &[u8], client: Client, limits: &Limits, fate: impl FnMut(Dir, u64, &[u8]) -> Fate) -> Run {
    let base = Instant::now();
    let mut now = base;
    let mut client = client;
    let request_bytes = client.rrq();
    let req = Request::parse(&request_bytes, limits.max_request_len).expect("client request parses");
    check_request(&req, limits).expect("request passes the precheck");
    let negotiated = accept(&req, file.len() as u64, limits).unwrap_or_else(|e| panic!("refused: {e}"));
    let mut server = Transfer::new(negotiated.clone(), limits);
    let mut net = Net::new(fate);
    let mut steps = 0u64;
    loop {
        steps += 1;
        assert!(steps < 20_000_000, "simulation does not converge: {:?}", server.stats());
        while let Some(t) = server.poll_transmit(now) {
            let bytes = wire(&t, file);
            net.send(now, Dir::ToClient, bytes);
        }
        if let Some((dir, datagram)) = net.pop_due(now) {
            if std::env::var_os("TFTP_TRACE").is_some() {
                eprintln!("{:>8?} {dir:?} {:?}", now - base, &datagram[..4.min(datagram.len())]);
            }
            match dir {
                Dir::ToServer => server.handle(now, &datagram),
                Dir::ToClient => {
                    for reply in client.on_packet(now, &datagram) {
                        net.send(now, Dir::ToServer, reply);
                    }
                }
            }
            continue;
        }
        if server.poll_timeout().is_some_and(|t| t <= now) {
            if std::env::var_os("TFTP_TRACE").is_some() {
                eprintln!("{:>8?} TIMEOUT", now - base);
            }
            server.handle_timeout(now);
            continue;
        }
        // The client's timer only matters while the server is still there.
        let client_timer = if server.is_finished() { None } else { client.poll_timeout() };
        if client_timer.is_some_and(|t| t <= now) {
            for reply in client.handle_timeout(now) {
                net.send(now, Dir::ToServer, reply);
            }
            continue;
        }
        match [server.poll_timeout(), net.next_time(), client_timer].into_iter().flatten().min() {
            Some(t) => now = t,
            None => break,
        }
    }
    assert!(server.is_finished(), "stalled without a timer: {:?}", server.stats());
    Run { outcome: server.outcome().cloned(), client, stats: *server.stats(), negotiated, elapsed: now - base }
}

fn lossless(_: Dir, _: u64, _: &[u8]) -> Fate {
    Fate::Deliver
}

fn is_data(bytes: &[u8], block: u16) -> bool {
    bytes.len() >= 4 && bytes[..4] == data_header(block)
}

fn is_ack(bytes: &[u8], block: u16) -> bool {
    bytes == encode_ack(block)
}

/// Drop the first datagram in `dir` that matches.
fn drop_first(dir: Dir, pick: impl Fn(&[u8]) -> bool) -> impl FnMut(Dir, u64, &[u8]) -> Fate {
    let mut done = false;
    move |d, _, bytes| {
        if d == dir && !done && pick(bytes) {
            done = true;
            Fate::Drop
        } else {
            Fate::Deliver
        }
    }
}

fn blocks(len: usize, blksize: usize) -> u64 {
    (len / blksize + 1) as u64
}

// ---------------------------------------------------------------- whole transfers

// atftp's sizes; 2048 is also tftp-hpa's "exactly 4 × 512" (final empty block).
const SIZES: [usize; 8] = [0, 511, 512, 1024, 2048, 51111, 128 * 1024, MIB];

#[test]
fn classic_transfers_without_options() {
    for size in SIZES {
        let file = content(size);
        let r = run(&file, Client::new(&[]), &Limits::default(), lossless);
        r.assert_complete(&file);
        assert_eq!(r.negotiated.oack(), None);
        assert_eq!(r.stats.oacks_sent, 0);
        assert_eq!(r.stats.data_sent, blocks(size, 512), "size {size}");
        assert_eq!((r.stats.blocks_resent, r.stats.timeouts, r.stats.duplicate_acks), (0, 0, 0));
        assert_eq!(r.client.acks_sent, blocks(size, 512), "lock-step: one ACK per block");
        // Only the last datagram is short; a multiple of 512 ends with an
        // empty block.
        let last_len = size - (blocks(size, 512) as usize - 1) * 512;
        assert!(last_len < 512);
        assert_eq!(r.stats.bytes_sent, 4 * blocks(size, 512) + size as u64);
    }
}

#[test]
fn option_matrix_default_limits() {
    let limits = Limits::default();
    for size in SIZES {
        let file = content(size);
        for blksize in [8usize, 199, 512, 1428, 1468, 9001, 65464] {
            if blksize == 8 && size == MIB {
                continue; // 131073 blocks: slow in debug builds, covered by 51111
            }
            for window in [1u64, 4, 64, 256] {
                let bs = blksize.to_string();
                let ws = window.to_string();
                let client = Client::new(&[("blksize", &bs), ("tsize", "0"), ("windowsize", &ws)]);
                let r = run(&file, client, &limits, lossless);
                r.assert_complete(&file);
                let eff_bs = blksize.min(1468);
                let eff_ws = window.min(64);
                assert_eq!((r.negotiated.blksize as usize, r.negotiated.windowsize as u64), (eff_bs, eff_ws));
                assert_eq!(r.client.blksize, eff_bs);
                assert_eq!(r.client.window, eff_ws);
                let oack = r.client.oack.as_ref().expect("OACK");
                assert_eq!(oack.contains(&("tsize".into(), size.to_string())), size > 0);
                let n = blocks(size, eff_bs);
                assert_eq!(r.stats.data_sent, n, "size {size} blksize {blksize} window {window}");
                assert_eq!(r.stats.oacks_sent, 1);
                assert_eq!((r.stats.blocks_resent, r.stats.timeouts, r.stats.duplicate_acks), (0, 0, 0));
                // One ACK per window (plus the OACK's and the final one).
                assert!(r.client.acks_sent <= 1 + n.div_ceil(eff_ws) + 1);
            }
        }
    }
}

#[test]
fn option_matrix_wide_limits() {
    let limits = Limits { max_blksize: MAX_BLKSIZE, max_windowsize: 256, ..Limits::default() };
    for size in [0, 512, 51111, 65464 * 2, MIB] {
        let file = content(size);
        for blksize in [512usize, 9001, 65464] {
            for window in [1u64, 4, 256] {
                let bs = blksize.to_string();
                let ws = window.to_string();
                let r = run(&file, Client::new(&[("blksize", &bs), ("windowsize", &ws)]), &limits, lossless);
                r.assert_complete(&file);
                assert_eq!(r.negotiated.blksize as usize, blksize);
                assert_eq!(r.negotiated.windowsize as u64, window);
                assert_eq!(r.stats.data_sent, blocks(size, blksize));
            }
        }
    }
}

#[test]
fn block_numbers_wrap_to_zero() {
    // 65541 blocks of 512: block 65536 goes out as number 0.
    let file = content(512 * 65540 + 123);
    for window in ["1", "64"] {
        let r = run(&file, Client::new(&[("windowsize", window)]), &Limits::default(), lossless);
        r.assert_complete(&file);
        assert_eq!(r.client.wrap_log, [65534, 65535, 0, 1, 2]);
        assert_eq!(r.stats.data_sent, 65541);
    }
    // Without options (no OACK) too, losing the ACK of 65535, then DATA 0.
    let mut lost = [false; 2];
    let r = run(&file, Client::new(&[]), &Limits::default(), |dir, _, b| {
        if dir == Dir::ToServer && !lost[0] && is_ack(b, 65535) {
            lost[0] = true;
            return Fate::Drop;
        }
        if dir == Dir::ToClient && !lost[1] && is_data(b, 0) {
            lost[1] = true;
            return Fate::Drop;
        }
        Fate::Deliver
    });
    r.assert_complete(&file);
    assert_eq!(lost, [true, true]);
    assert_eq!(r.client.wrap_log, [65534, 65535, 0, 1, 2]);
    assert_eq!(r.stats.timeouts, 2, "each loss costs one timeout");
    assert_eq!(r.stats.blocks_resent, 2);
}

#[test]
fn wrap_with_windows_and_loss_across_the_boundary() {
    let file = content(512 * 65600);
    // Lose DATA 65535 and DATA 0 once each inside one window.
    let mut dropped = [false; 2];
    let r = run(&file, Client::new(&[("windowsize", "16")]), &Limits::default(), |dir, _, b| {
        for (i, block) in [65535u16, 0].into_iter().enumerate() {
            if dir == Dir::ToClient && !dropped[i] && is_data(b, block) {
                dropped[i] = true;
                return Fate::Drop;
            }
        }
        Fate::Deliver
    });
    r.assert_complete(&file);
    assert_eq!(dropped, [true, true]);
}

#[test]
fn lost_final_ack_with_dallying_client() {
    for window in ["1", "4"] {
        let file = content(5 * 512 + 100);
        let last = blocks(file.len(), 512) as u16;
        let r = run(
            &file,
            Client::new(&[("windowsize", window)]),
            &Limits::default(),
            drop_first(Dir::ToServer, |b| is_ack(b, last)),
        );
        r.assert_complete(&file);
        assert_eq!(r.stats.timeouts, 1);
        assert!(r.elapsed >= Duration::from_secs(1));
        // The window that held the final block is sent again.
        let final_window = if window == "1" { 1 } else { 2 };
        assert_eq!(r.stats.blocks_resent, final_window, "window {window}");
    }
}

#[test]
fn lost_final_ack_with_silent_client_times_out_with_everything_sent() {
    let file = content(3000);
    let mut client = Client::new(&[]);
    client.dally = false;
    let last = blocks(file.len(), 512) as u16;
    let r = run(&file, client, &Limits::default(), drop_first(Dir::ToServer, |b| is_ack(b, last)));
    assert_eq!(r.client.data, file, "the client has the file");
    assert_eq!(r.outcome, Some(Outcome::TimedOut { acked_blocks: u64::from(last) - 1, all_sent: true }));
    assert_eq!(r.stats.blocks_resent, 5, "max_retries retransmissions of the final block");
    assert_eq!(r.stats.timeouts, 5);
    // Six timeouts of 1 s after the last block went out.
    assert!(r.elapsed > Duration::from_secs(6) && r.elapsed < Duration::from_millis(6100), "{:?}", r.elapsed);
}

#[test]
fn lost_data_in_the_middle_of_a_window_is_recovered_without_a_timeout() {
    let file = content(40 * 512 + 7);
    let r = run(
        &file,
        Client::new(&[("windowsize", "8")]),
        &Limits::default(),
        drop_first(Dir::ToClient, |b| is_data(b, 11)),
    );
    r.assert_complete(&file);
    assert_eq!(r.stats.timeouts, 0);
    assert_eq!(r.stats.window_restarts, 1);
    // Blocks 11..16 of the broken window go out again.
    assert_eq!(r.stats.blocks_resent, 6);
}

#[test]
fn lost_data_at_the_end_of_a_window_costs_one_timeout() {
    for dup_ack in [DupAck::Every, DupAck::LastAcked] {
        let file = content(40 * 512 + 7);
        let mut client = Client::new(&[("windowsize", "8")]);
        client.dup_ack = dup_ack;
        let r = run(&file, client, &Limits::default(), drop_first(Dir::ToClient, |b| is_data(b, 8)));
        r.assert_complete(&file);
        assert_eq!(r.stats.timeouts, 1, "{dup_ack:?}");
        // The timeout resends the window 1..=8 and nothing else repeats: the
        // client's ACKs of duplicates slide the window instead of rewinding it.
        assert_eq!(r.stats.blocks_resent, 8, "{dup_ack:?}: {:?}", r.stats);
        assert_eq!(r.stats.window_restarts, 0);
    }
}

#[test]
fn gap_without_loss_report_recovers_by_timeout() {
    // tftp-hpa's receiver ignores out-of-order blocks and never reports gaps.
    let file = content(40 * 512 + 7);
    let mut client = Client::new(&[("windowsize", "8")]);
    client.gap_ack = false;
    client.dup_ack = DupAck::LastAcked;
    let r = run(&file, client, &Limits::default(), drop_first(Dir::ToClient, |b| is_data(b, 11)));
    r.assert_complete(&file);
    assert_eq!(r.stats.timeouts, 1);
    assert_eq!(r.stats.blocks_resent, 8);
}

#[test]
fn duplicate_acks_never_cause_sends() {
    let file = content(30 * 1024 + 5);
    let n = blocks(file.len(), 1024);
    // Every ACK arrives twice.
    for window in ["1", "8"] {
        let client = Client::new(&[("blksize", "1024"), ("windowsize", window)]);
        let r =
            run(
                &file,
                client,
                &Limits::default(),
                |dir, _, _| {
                    if dir == Dir::ToServer { Fate::Duplicate } else { Fate::Deliver }
                },
            );
        r.assert_complete(&file);
        assert_eq!(r.stats.data_sent, n, "window {window}: {:?}", r.stats);
        assert_eq!((r.stats.blocks_resent, r.stats.timeouts, r.stats.oacks_sent), (0, 0, 1));
        // Every copy is counted, except the final ACK's, which arrives after
        // the end.
        assert_eq!(r.stats.duplicate_acks, r.client.acks_sent - 1, "window {window}");
        assert_eq!(r.stats.ignored_after_end, 1);
    }
    // Every datagram arrives twice, and the client re-ACKs duplicate DATA:
    // in lock-step, each block still goes out once.
    let r = run(&file, Client::new(&[("blksize", "1024")]), &Limits::default(), |_, _, _| Fate::Duplicate);
    r.assert_complete(&file);
    assert_eq!((r.stats.data_sent, r.stats.blocks_resent), (n, 0));
    assert!(r.stats.duplicate_acks >= 3 * (n - 1), "{:?}", r.stats);
    // Same with a window and a tftp-hpa style receiver.
    let mut client = Client::new(&[("blksize", "1024"), ("windowsize", "8")]);
    client.dup_ack = DupAck::LastAcked;
    let r = run(&file, client, &Limits::default(), |_, _, _| Fate::Duplicate);
    r.assert_complete(&file);
    assert_eq!((r.stats.data_sent, r.stats.blocks_resent), (n, 0));
}

#[test]
fn duplicate_ack_handled_directly_sends_nothing() {
    let limits = Limits::default();
    let mut t = Transfer::new(negotiate(&[], 2000, &limits), &limits);
    let now = Instant::now();
    assert!(matches!(t.poll_transmit(now), Some(Transmit::Data { block: 1, .. })));
    assert!(t.poll_transmit(now).is_none());
    t.handle(now, &encode_ack(1));
    assert!(matches!(t.poll_transmit(now), Some(Transmit::Data { block: 2, .. })));
    let deadline = t.poll_timeout().unwrap();
    for _ in 0..10 {
        t.handle(now + Duration::from_millis(500), &encode_ack(1));
        assert_eq!(t.poll_transmit(now + Duration::from_millis(500)), None);
    }
    assert_eq!(t.stats().duplicate_acks, 10);
    assert_eq!(t.poll_timeout(), Some(deadline), "duplicates do not push the timer back");
}

#[test]
fn reordered_datagrams() {
    for window in ["1", "4", "16"] {
        let file = content(400 * 512 + 1);
        let r = run(&file, Client::new(&[("windowsize", window)]), &Limits::default(), |_, i, _| {
            if i % 50 == 7 { Fate::Delay(Duration::from_millis(3)) } else { Fate::Deliver }
        });
        r.assert_complete(&file);
        assert!(r.stats.data_sent < 2 * blocks(file.len(), 512), "window {window}: {:?}", r.stats);
    }
}

const POLICIES: [(DupAck, bool); 4] =
    [(DupAck::Every, true), (DupAck::LastAcked, true), (DupAck::LastAcked, false), (DupAck::OncePerPosition, true)];

fn lossy_client(window: &str, policy: (DupAck, bool)) -> Client {
    let mut client = Client::new(&[("windowsize", window), ("blksize", "1024"), ("tsize", "0")]);
    (client.dup_ack, client.gap_ack) = policy;
    client
}

#[test]
fn random_loss_duplication_and_reordering() {
    for seed in 1..=48u64 {
        let window = ["1", "4", "16", "64"][(seed % 4) as usize];
        let policy = POLICIES[(seed / 4 % 4) as usize];
        let size = [0, 511, 4096, 51111, 300_000][(seed % 5) as usize];
        let file = content(size);
        let mut rng = Rng(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) | 1);
        let r = run(&file, lossy_client(window, policy), &Limits::default(), |_, _, _| match rng.next() % 100 {
            0 => Fate::Drop,
            1 => Fate::Duplicate,
            2..=3 => Fate::Delay(Duration::from_millis(rng.next() % 5)),
            _ => Fate::Deliver,
        });
        r.assert_complete(&file);
        assert!(r.stats.timeouts <= 40, "seed {seed} window {window} {policy:?}: {:?}", r.stats);
    }
}

#[test]
fn heavy_loss_with_small_windows() {
    let limits = Limits { max_retries: 10, unverified_retries: 10, resend_allowance_percent: 400, ..Limits::default() };
    for seed in 1..=16u64 {
        let window = ["1", "2", "4", "8"][(seed % 4) as usize];
        let policy = POLICIES[(seed / 4 % 4) as usize];
        let file = content(100_000);
        let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
        let r =
            run(
                &file,
                lossy_client(window, policy),
                &limits,
                |_, _, _| {
                    if rng.chance(10) { Fate::Drop } else { Fate::Deliver }
                },
            );
        r.assert_complete(&file);
    }
}

#[test]
fn circuit_breaker_ends_hopeless_transfers() {
    // A 64-block window over a link losing 30 %: go-back-N cannot make
    // progress cheaply, and the sender must stop rather than spin.
    let limits = Limits::default();
    let file = content(MIB);
    let mut rng = Rng(42);
    let r = run(&file, lossy_client("64", (DupAck::Every, true)), &limits, |_, _, _| {
        if rng.chance(30) { Fate::Drop } else { Fate::Deliver }
    });
    let n = blocks(file.len(), 1024);
    let budget = 64 * 6 + 3 * n;
    match &r.outcome {
        Some(Outcome::Aborted(e)) => assert!(e.message.contains("too many retransmissions")),
        Some(Outcome::TimedOut { .. }) => {}
        other => panic!("unexpected outcome {other:?}"),
    }
    assert!(r.stats.blocks_resent <= budget);
    assert!(r.stats.data_sent <= n + budget);
}

#[test]
fn uboot_style_receiver_after_a_lost_window_end() {
    let file = content(40 * 512 + 7);
    let mut client = Client::new(&[("windowsize", "8")]);
    client.dup_ack = DupAck::OncePerPosition;
    let r = run(&file, client, &Limits::default(), drop_first(Dir::ToClient, |b| is_data(b, 8)));
    r.assert_complete(&file);
    assert_eq!(r.stats.timeouts, 1);
    // Its ACK of block 7 after the rewind only slides the window, so nothing
    // but the timed-out window is sent twice.
    assert_eq!((r.stats.blocks_resent, r.stats.window_restarts, r.stats.window_slides), (8, 0, 1));
}

#[test]
fn second_loss_after_a_rewind_goes_back_again() {
    // Lose block 8 (window end: timeout, rewind to 1), then block 4 of the
    // resent window: the receiver reports the gap and the sender must not
    // mistake that report for a reaction to the rewind.
    let file = content(40 * 512 + 7);
    let mut dropped = [false; 2];
    let mut seen = 0;
    let mut client = Client::new(&[("windowsize", "8")]);
    client.dup_ack = DupAck::OncePerPosition;
    let r = run(&file, client, &Limits::default(), |dir, _, b| {
        if dir != Dir::ToClient {
            return Fate::Deliver;
        }
        if !dropped[0] && is_data(b, 8) {
            dropped[0] = true;
            return Fate::Drop;
        }
        if dropped[0] && is_data(b, 4) {
            seen += 1;
            if seen == 1 && !dropped[1] {
                dropped[1] = true;
                return Fate::Drop;
            }
        }
        Fate::Deliver
    });
    r.assert_complete(&file);
    assert_eq!(dropped, [true, true]);
    assert_eq!(r.stats.timeouts, 1, "{:?}", r.stats);
}

#[test]
fn peer_error_ends_the_transfer_silently() {
    let limits = Limits::default();
    let now = Instant::now();
    let mut t = Transfer::new(negotiate(&[("windowsize", "4")], 10_000, &limits), &limits);
    assert!(matches!(t.poll_transmit(now), Some(Transmit::Oack(_))));
    t.handle(now, &encode_ack(0));
    let mut sent = 0;
    while t.poll_transmit(now).is_some() {
        sent += 1;
    }
    assert_eq!(sent, 4);
    let mut err = Vec::new();
    encode_error(ErrorCode::DISK_FULL, "disk full\r\nFAKE LOG LINE", &mut err);
    t.handle(now, &err);
    assert!(t.is_finished());
    assert_eq!(t.poll_transmit(now), None, "no reply to an ERROR");
    assert_eq!(t.poll_timeout(), None);
    assert_eq!(
        t.outcome(),
        Some(&Outcome::PeerError { code: ErrorCode::DISK_FULL, message: "disk full??FAKE LOG LINE".into() })
    );
    // Later datagrams are ignored.
    t.handle(now, &encode_ack(4));
    assert_eq!(t.poll_transmit(now), None);
    assert_eq!(t.stats().ignored_after_end, 1);
}

#[test]
fn client_rejecting_the_oack_ends_silently() {
    let limits = Limits::default();
    let now = Instant::now();
    let mut t = Transfer::new(negotiate(&[("blksize", "1468")], 10_000, &limits), &limits);
    assert!(t.poll_transmit(now).is_some());
    // Sloppy clients omit the NUL; the ERROR still counts.
    t.handle(now, b"\x00\x05\x00\x08no options please");
    assert_eq!(
        t.outcome(),
        Some(&Outcome::PeerError { code: ErrorCode::OPTION_NEGOTIATION, message: "no options please".into() })
    );
    assert_eq!(t.poll_transmit(now), None);
    assert!(t.is_finished());
}

#[test]
fn unexpected_opcode_gets_error_4_and_ends() {
    let limits = Limits::default();
    let now = Instant::now();
    let mut data = data_header(1).to_vec();
    data.extend_from_slice(b"upload");
    let rrq_bytes = rrq("again", "octet", &[]);
    let oack = b"\x00\x06blksize\x00512\x00".to_vec();
    for (what, bytes) in [("DATA", data), ("RRQ", rrq_bytes), ("OACK", oack)] {
        let mut t = Transfer::new(negotiate(&[], 10_000, &limits), &limits);
        assert!(t.poll_transmit(now).is_some());
        t.handle(now, &encode_ack(1));
        assert!(t.poll_transmit(now).is_some());
        t.handle(now, &bytes);
        assert!(!t.is_finished(), "the ERROR is still to be sent");
        let Some(Transmit::Error(err)) = t.poll_transmit(now) else { panic!("{what}: ERROR expected") };
        let Ok(Packet::Error { code, message }) = Packet::parse(err) else { panic!() };
        assert_eq!(code, ErrorCode::ILLEGAL_OPERATION);
        assert_eq!(message, format!("unexpected {what} packet during a read transfer").as_bytes());
        assert_eq!(t.poll_transmit(now), None);
        assert!(t.is_finished());
        assert!(matches!(t.outcome(), Some(Outcome::Aborted(e)) if e.code == ErrorCode::ILLEGAL_OPERATION));
    }
    // Garbage too.
    let mut t = Transfer::new(negotiate(&[], 10_000, &limits), &limits);
    assert!(t.poll_transmit(now).is_some());
    t.handle(now, &[0, 9, 1, 2]);
    let Some(Transmit::Error(err)) = t.poll_transmit(now) else { panic!() };
    assert_eq!(err, b"\x00\x05\x00\x04malformed packet: unknown opcode 9 at byte 0\x00");
}

#[test]
fn ack_for_an_unsent_block_is_ignored() {
    let limits = Limits::default();
    let now = Instant::now();
    let mut t = Transfer::new(negotiate(&[], 100_000, &limits), &limits);
    assert!(t.poll_transmit(now).is_some());
    t.handle(now, &encode_ack(7));
    t.handle(now, &encode_ack(2));
    assert_eq!(t.poll_transmit(now), None);
    assert!(!t.is_verified(), "a bogus ACK does not verify the peer");
    assert_eq!(t.stats().unexpected_acks, 2);
    t.handle(now, &encode_ack(1));
    assert!(t.is_verified());
    assert!(matches!(t.poll_transmit(now), Some(Transmit::Data { block: 2, .. })));
    // In the OACK phase only ACK 0 counts.
    let mut t = Transfer::new(negotiate(&[("tsize", "0")], 100, &limits), &limits);
    assert!(t.poll_transmit(now).is_some());
    t.handle(now, &encode_ack(1));
    assert_eq!(t.poll_transmit(now), None);
    assert_eq!(t.stats().unexpected_acks, 1);
}

#[test]
fn retries_exhausted_after_verification() {
    let limits = Limits::default();
    let base = Instant::now();
    let mut t = Transfer::new(negotiate(&[("timeout", "3"), ("windowsize", "4")], 100_000, &limits), &limits);
    assert!(t.poll_transmit(base).is_some());
    t.handle(base, &encode_ack(0));
    let mut now = base;
    let mut sends = Vec::new();
    loop {
        while let Some(tx) = t.poll_transmit(now) {
            if let Transmit::Data { block, .. } = tx {
                sends.push((now - base, block));
            }
        }
        let Some(deadline) = t.poll_timeout() else { break };
        assert_eq!(deadline, now + Duration::from_secs(3), "the timeout option is the retransmit interval");
        t.handle_timeout(deadline - Duration::from_millis(1));
        assert_eq!(t.poll_timeout(), Some(deadline), "early wake-up is a no-op");
        now = deadline;
        t.handle_timeout(now);
    }
    // The first window, then 5 retransmissions of it, 3 s apart.
    assert_eq!(sends.len(), 4 * 6);
    for (i, chunk) in sends.chunks(4).enumerate() {
        assert_eq!(chunk.iter().map(|s| s.1).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert!(chunk.iter().all(|s| s.0 == Duration::from_secs(3 * i as u64)));
    }
    assert_eq!(t.outcome(), Some(&Outcome::TimedOut { acked_blocks: 0, all_sent: false }));
    assert!(t.is_finished());
    assert_eq!(t.stats().timeouts, 5);
}

#[test]
fn unverified_peer_gets_one_packet_in_flight() {
    let limits = Limits::default();
    // With options: only the OACK, never DATA, whatever the window.
    let file = content(MIB);
    let r =
        run(&file, Client::new(&[("blksize", "1468"), ("windowsize", "64"), ("tsize", "0")]), &limits, |dir, _, _| {
            if dir == Dir::ToServer { Fate::Drop } else { Fate::Deliver }
        });
    let oack_len = r.negotiated.oack().unwrap().len() as u64;
    assert_eq!(r.outcome, Some(Outcome::TimedOut { acked_blocks: 0, all_sent: false }));
    assert_eq!(r.stats.data_sent, 0);
    assert_eq!(r.stats.oacks_sent, 1 + u64::from(limits.unverified_retries));
    assert_eq!(r.stats.unverified_packets, 3);
    assert_eq!(r.stats.unverified_bytes, 3 * oack_len);
    assert!(oack_len < 48, "the OACK is about as small as the request");

    // Without options: DATA 1 alone, retransmitted at most twice.
    let r = run(
        &file,
        Client::new(&[]),
        &limits,
        |dir, _, _| {
            if dir == Dir::ToServer { Fate::Drop } else { Fate::Deliver }
        },
    );
    assert_eq!(r.outcome, Some(Outcome::TimedOut { acked_blocks: 0, all_sent: false }));
    assert_eq!(r.stats.data_sent, 3);
    assert_eq!(r.stats.unverified_bytes, 3 * 516);
    assert_eq!(r.stats.bytes_sent, r.stats.unverified_bytes);

    // Direct: before ACK 0 nothing but the OACK goes out; after it the
    // window opens fully.
    let now = Instant::now();
    let mut t = Transfer::new(negotiate(&[("windowsize", "64")], MIB as u64, &limits), &limits);
    assert!(matches!(t.poll_transmit(now), Some(Transmit::Oack(_))));
    assert_eq!(t.poll_transmit(now), None);
    t.handle(now, &encode_ack(0));
    let mut n = 0;
    while t.poll_transmit(now).is_some() {
        n += 1;
    }
    assert_eq!(n, 64);
    assert_eq!(t.stats().unverified_packets, 1);
}

#[test]
fn unverified_classic_peer_gets_one_block_then_the_window() {
    let limits = Limits::default();
    let now = Instant::now();
    // windowsize without an OACK is impossible, so use a tiny window by
    // building a request with only an unknown option: classic, window 1.
    let mut t = Transfer::new(negotiate(&[("x", "y")], 10 * 512, &limits), &limits);
    assert!(matches!(t.poll_transmit(now), Some(Transmit::Data { block: 1, .. })));
    assert_eq!(t.poll_transmit(now), None);
    assert!(!t.is_verified());
}

#[test]
fn abort_sends_one_error() {
    let limits = Limits::default();
    let now = Instant::now();
    let mut t = Transfer::new(negotiate(&[], 10_000, &limits), &limits);
    assert!(t.poll_transmit(now).is_some());
    t.abort(ErrorReply::new(ErrorCode::NOT_DEFINED, "server shutting down"));
    t.abort(ErrorReply::file_not_found());
    assert_eq!(t.poll_transmit(now), Some(Transmit::Error(b"\x00\x05\x00\x00server shutting down\x00")));
    assert_eq!(t.poll_transmit(now), None);
    assert!(t.is_finished());
    assert_eq!(t.outcome(), Some(&Outcome::Aborted(ErrorReply::new(ErrorCode::NOT_DEFINED, "server shutting down"))));
}

#[test]
fn retransmission_budget_breaks_the_circuit() {
    // A peer that acknowledges one block per window and then reports a loss
    // makes the sender go back forever; the budget stops it.
    let limits = Limits { resend_allowance_percent: 0, max_retries: 1, ..Limits::default() };
    let now = Instant::now();
    let mut t = Transfer::new(negotiate(&[("windowsize", "8")], 1000 * 512, &limits), &limits);
    assert!(t.poll_transmit(now).is_some());
    t.handle(now, &encode_ack(0));
    let mut acked = 0u16;
    for _ in 0..100 {
        while t.poll_transmit(now).is_some() {}
        if t.is_finished() {
            break;
        }
        // One block at a time: each ACK past the rewind mark reads as a
        // loss report.
        acked += 1;
        t.handle(now, &encode_ack(acked));
    }
    assert!(t.is_finished());
    assert!(matches!(t.outcome(), Some(Outcome::Aborted(e)) if e.message.contains("too many retransmissions")));
    // Budget = one window per retry: 8 * (1 + 1).
    assert_eq!(t.stats().blocks_resent, 16);
}

#[test]
fn acked_bytes_and_last_heard() {
    let limits = Limits::default();
    let now = Instant::now();
    let mut t = Transfer::new(negotiate(&[], 1000, &limits), &limits);
    assert_eq!(t.acked_bytes(), 0);
    assert_eq!(t.last_heard(), None);
    assert!(t.poll_transmit(now).is_some());
    t.handle(now, &encode_ack(1));
    assert_eq!(t.acked_bytes(), 512);
    assert!(matches!(t.poll_transmit(now), Some(Transmit::Data { block: 2, ref range }) if *range == (512..1000)));
    t.handle(now + Duration::from_millis(3), &encode_ack(2));
    assert_eq!(t.acked_bytes(), 1000);
    assert_eq!(t.outcome(), Some(&Outcome::Completed));
    assert_eq!(t.last_heard(), Some(now + Duration::from_millis(3)));
}
