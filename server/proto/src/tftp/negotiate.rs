//! Request acceptance and option negotiation (RFC 2347, 2348, 2349, 7440).

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use super::packet::{
    self, DEFAULT_BLKSIZE, DEFAULT_MAX_REQUEST_LEN, ErrorCode, MAX_BLKSIZE, MIN_BLKSIZE, Opcode, Request, RequestKind,
};

/// Largest window [`Limits::sanitized`] lets through. With 16-bit block
/// numbers, an ACK is only unambiguous while the blocks in flight stay well
/// under 65536; half the space leaves room for stale ACKs.
pub(crate) const MAX_WINDOWSIZE_CAP: u16 = 32768;

/// Server-side bounds on what a transfer may negotiate and cost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Largest block size granted; larger requests are negotiated down
    /// (RFC 2348). The default fits a 1500-byte Ethernet MTU with IPv6.
    pub max_blksize: u16,
    /// Largest window granted (RFC 7440); larger requests are negotiated
    /// down. [`Limits::sanitized`] keeps it within 1..=32768.
    pub max_windowsize: u16,
    /// Retransmit interval when the client sends no `timeout` option.
    pub default_timeout: Duration,
    /// Largest `timeout` option (seconds) honoured. A larger valid value is
    /// not acknowledged and the default applies: a spoofed RRQ asking for
    /// 255 s would otherwise hold a transfer for many minutes.
    pub max_timeout_secs: u8,
    /// Consecutive timeouts without progress before giving up, once the peer
    /// has proved its address with an ACK.
    pub max_retries: u32,
    /// Retransmissions allowed to a peer that has not ACKed yet (its source
    /// address may be spoofed: `docs/behaviour/limits.md` §1).
    pub unverified_retries: u32,
    /// Longest request datagram accepted (RFC 2347 says 512).
    pub max_request_len: usize,
    /// Circuit breaker (RFC 7440 §6): retransmitted blocks allowed over the
    /// whole transfer, as a percentage of the file's block count, on top of
    /// one window per retry. Generous on purpose: an aborted transfer makes
    /// the phone fetch the whole file again.
    pub resend_allowance_percent: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_blksize: 1468,
            max_windowsize: 64,
            default_timeout: Duration::from_secs(1),
            max_timeout_secs: 10,
            max_retries: 5,
            unverified_retries: 2,
            max_request_len: DEFAULT_MAX_REQUEST_LEN,
            resend_allowance_percent: 300,
        }
    }
}

impl Limits {
    /// The same limits forced into the ranges the protocol can honour.
    pub fn sanitized(&self) -> Limits {
        Limits {
            max_blksize: self.max_blksize.clamp(MIN_BLKSIZE, MAX_BLKSIZE),
            max_windowsize: self.max_windowsize.clamp(1, MAX_WINDOWSIZE_CAP),
            default_timeout: self.default_timeout.clamp(Duration::from_millis(1), Duration::from_secs(255)),
            max_timeout_secs: self.max_timeout_secs.max(1),
            max_request_len: self.max_request_len.max(4),
            ..self.clone()
        }
    }
}

/// An ERROR to send instead of (or to end) a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorReply {
    /// The ERROR code.
    pub code: ErrorCode,
    /// The text sent with the code; cut to 255 bytes on the wire.
    pub message: Cow<'static, str>,
}

impl ErrorReply {
    /// An ERROR with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        ErrorReply { code, message: message.into() }
    }

    /// ERROR 1, for names the resolver does not know.
    pub fn file_not_found() -> Self {
        Self::new(ErrorCode::FILE_NOT_FOUND, "file not found")
    }

    /// Append the datagram to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        packet::encode_error(self.code, &self.message, out);
    }

    /// The datagram, in a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(5 + self.message.len());
        self.encode(&mut out);
        out
    }
}

impl fmt::Display for ErrorReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error {}: {}", self.code, self.message)
    }
}

impl std::error::Error for ErrorReply {}

/// What a read transfer will use, and the OACK announcing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiated {
    /// Bytes per DATA block: 512 unless the client's `blksize` option was
    /// acknowledged (then at most [`Limits::max_blksize`]).
    pub blksize: u16,
    /// Blocks sent before waiting for an ACK: 1 unless the client's
    /// `windowsize` option was acknowledged (then at most
    /// [`Limits::max_windowsize`]).
    pub windowsize: u16,
    /// Retransmit interval: the `timeout` option if acknowledged, else the
    /// default.
    pub timeout: Duration,
    /// The `timeout` option echoed in the OACK, if any.
    pub timeout_option: Option<u8>,
    /// The file length answered to a `tsize` option, if any.
    pub tsize: Option<u64>,
    /// The length of the file to send, in bytes.
    pub file_len: u64,
    oack: Vec<u8>,
}

impl Negotiated {
    /// The OACK datagram to send first, or `None` for a classic RFC 1350
    /// transfer that starts with DATA 1.
    pub fn oack(&self) -> Option<&[u8]> {
        (!self.oack.is_empty()).then_some(&self.oack[..])
    }

    /// DATA blocks the transfer sends, the final short (maybe empty) one
    /// included.
    pub fn blocks(&self) -> u64 {
        self.file_len / u64::from(self.blksize.max(1)) + 1
    }
}

impl fmt::Display for Negotiated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "blksize={} windowsize={} timeout={:?}", self.blksize, self.windowsize, self.timeout)?;
        if let Some(t) = self.tsize {
            write!(f, " tsize={t}")?;
        }
        write!(f, " oack={}", if self.oack.is_empty() { "no" } else { "yes" })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Opt {
    Blksize,
    Timeout,
    Tsize,
    Windowsize,
}

/// The decisions of [`check_request`], before the file length is known.
struct Plan {
    blksize: u16,
    windowsize: u16,
    timeout: Option<u8>,
    /// Acknowledged options in request order (each at most once: the parser
    /// refuses repeats).
    order: [Option<Opt>; 4],
}

/// Everything [`accept`] checks that does not need the file: lets the I/O
/// layer refuse a bad request before resolving its filename.
pub fn check_request(req: &Request<'_>, limits: &Limits) -> Result<(), ErrorReply> {
    plan(req, &limits.sanitized()).map(|_| ())
}

/// Accept a read request for a file of `file_len` bytes: the negotiated
/// parameters and OACK, or the ERROR to answer with.
pub fn accept(req: &Request<'_>, file_len: u64, limits: &Limits) -> Result<Negotiated, ErrorReply> {
    let limits = limits.sanitized();
    let plan = plan(req, &limits)?;
    let mut oack = Vec::new();
    let mut tsize = None;
    // curl refuses an OACK with "tsize 0" ("invalid tsize value"): for an
    // empty file the option is not acknowledged (RFC 2347 lets a server
    // leave any option out); with no other option, the transfer is classic.
    let acknowledged = plan.order.iter().flatten().filter(|o| !(matches!(o, Opt::Tsize) && file_len == 0));
    for opt in acknowledged {
        if oack.is_empty() {
            oack.reserve(64);
            oack.extend_from_slice(&[0, Opcode::Oack as u8]);
        }
        let (name, value) = match opt {
            Opt::Blksize => ("blksize", u64::from(plan.blksize)),
            Opt::Timeout => ("timeout", u64::from(plan.timeout.unwrap_or(1))),
            Opt::Tsize => {
                tsize = Some(file_len);
                ("tsize", file_len)
            }
            Opt::Windowsize => ("windowsize", u64::from(plan.windowsize)),
        };
        packet::push_option_u64(&mut oack, name, value);
    }
    Ok(Negotiated {
        blksize: plan.blksize,
        windowsize: plan.windowsize,
        timeout: plan.timeout.map_or(limits.default_timeout, |t| Duration::from_secs(u64::from(t))),
        timeout_option: plan.timeout,
        tsize,
        file_len,
        oack,
    })
}

fn plan(req: &Request<'_>, limits: &Limits) -> Result<Plan, ErrorReply> {
    if req.kind == RequestKind::Write {
        return Err(ErrorReply::new(ErrorCode::ACCESS_VIOLATION, "writes are not accepted: this server is read-only"));
    }
    let mode = req.mode;
    if !mode.eq_ignore_ascii_case("octet") {
        let message: Cow<'static, str> = if mode.eq_ignore_ascii_case("netascii") {
            "netascii transfers are not supported, use octet".into()
        } else if mode.eq_ignore_ascii_case("mail") {
            "mail transfers are not supported, use octet".into()
        } else {
            format!("unknown transfer mode \"{}\", use octet", clip(mode, 32)).into()
        };
        return Err(ErrorReply::new(ErrorCode::NOT_DEFINED, message));
    }
    let mut plan = Plan { blksize: DEFAULT_BLKSIZE, windowsize: 1, timeout: None, order: [None; 4] };
    let mut acked = 0;
    for (name, value) in req.options.iter() {
        let opt = if name.eq_ignore_ascii_case("blksize") {
            let v = number(name, value, u64::from(MIN_BLKSIZE), u64::from(MAX_BLKSIZE))?;
            plan.blksize = v.min(u64::from(limits.max_blksize)) as u16;
            Opt::Blksize
        } else if name.eq_ignore_ascii_case("timeout") {
            let v = number(name, value, 1, 255)?;
            if v > u64::from(limits.max_timeout_secs) {
                continue;
            }
            plan.timeout = Some(v as u8);
            Opt::Timeout
        } else if name.eq_ignore_ascii_case("tsize") {
            // RFC 2349 says an RRQ carries 0; like tftp-hpa, any number is
            // taken as the question "how big is it?".
            number(name, value, 0, u64::MAX)?;
            Opt::Tsize
        } else if name.eq_ignore_ascii_case("windowsize") {
            let v = number(name, value, 1, 65535)?;
            plan.windowsize = v.min(u64::from(limits.max_windowsize)) as u16;
            Opt::Windowsize
        } else {
            // Unknown options are not acknowledged (RFC 2347).
            continue;
        };
        // Four known names, no repeats: `acked` stays below 4.
        if let Some(slot) = plan.order.get_mut(acked) {
            *slot = Some(opt);
            acked += 1;
        }
    }
    Ok(plan)
}

/// A decimal option value within `min..=max`, or ERROR 8 naming it.
fn number(name: &str, value: &str, min: u64, max: u64) -> Result<u64, ErrorReply> {
    let refuse = |why: String| {
        Err(ErrorReply::new(
            ErrorCode::OPTION_NEGOTIATION,
            format!("option negotiation failed: {} {}", name.to_ascii_lowercase(), why),
        ))
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return refuse(format!("value \"{}\" is not a number", clip(value, 24)));
    }
    // Saturate so absurdly long digit strings read as out of range.
    let v = value.bytes().fold(0u64, |acc, b| acc.saturating_mul(10).saturating_add(u64::from(b - b'0')));
    if v < min || v > max {
        return refuse(format!("{} is out of range {}..{}", clip(value, 24), min, max));
    }
    Ok(v)
}

/// At most `max` bytes of an ASCII string (the parser guarantees ASCII for
/// modes and option values; the boundary check keeps this panic-free anyway).
fn clip(s: &str, max: usize) -> &str {
    let mut cut = s.len().min(max);
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    &s[..cut]
}
