//! Wire format (RFC 1350, 2347): parsing borrows from the datagram and
//! validates everything up front, so the rest of the core never re-checks
//! bounds; encoders write into caller-owned buffers.

use std::fmt;
use std::io::Write as _;

/// Smallest `blksize` RFC 2348 allows.
pub const MIN_BLKSIZE: u16 = 8;
/// Largest `blksize` RFC 2348 allows (fits a 64 KiB IPv4 datagram).
pub const MAX_BLKSIZE: u16 = 65464;
/// Block size without the `blksize` option.
pub(crate) const DEFAULT_BLKSIZE: u16 = 512;
/// Request size accepted by [`Packet::parse`]. RFC 2347 caps requests at 512
/// bytes; some clients overshoot, so accept a bounded margin.
pub const DEFAULT_MAX_REQUEST_LEN: usize = 2048;
/// Options a request or OACK may carry. Real clients send at most five, and
/// the bound keeps the repeated-option check trivially cheap.
pub const MAX_OPTIONS: usize = 16;
/// Longest ERROR message we put on the wire.
pub(crate) const MAX_ERROR_MESSAGE: usize = 255;

/// The reply to a datagram from an address that has no transfer on this
/// socket (RFC 1350 "Unknown transfer ID"), as a ready-made datagram.
pub const UNKNOWN_TID_ERROR: &[u8] = b"\x00\x05\x00\x05unknown transfer ID\x00";

/// TFTP opcodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub(crate) enum Opcode {
    Rrq = 1,
    Wrq = 2,
    Data = 3,
    Ack = 4,
    Error = 5,
    Oack = 6,
}

impl Opcode {
    fn from_u16(v: u16) -> Option<Self> {
        Some(match v {
            1 => Opcode::Rrq,
            2 => Opcode::Wrq,
            3 => Opcode::Data,
            4 => Opcode::Ack,
            5 => Opcode::Error,
            6 => Opcode::Oack,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Opcode::Rrq => "RRQ",
            Opcode::Wrq => "WRQ",
            Opcode::Data => "DATA",
            Opcode::Ack => "ACK",
            Opcode::Error => "ERROR",
            Opcode::Oack => "OACK",
        }
    }
}

impl fmt::Display for Opcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An ERROR packet code. A newtype rather than an enum because peers send
/// codes outside the RFC's list and we report them as they came.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ErrorCode(pub u16);

impl ErrorCode {
    /// 0: see the message (shutdown, internal errors, unsupported modes).
    pub const NOT_DEFINED: ErrorCode = ErrorCode(0);
    /// 1: no file by that name (or nowhere to route the request).
    pub const FILE_NOT_FOUND: ErrorCode = ErrorCode(1);
    /// 2: refused, such as a write request or an unsafe file name.
    pub const ACCESS_VIOLATION: ErrorCode = ErrorCode(2);
    /// 3: disk full or allocation exceeded (RFC 1350; never sent here).
    pub const DISK_FULL: ErrorCode = ErrorCode(3);
    /// 4: an unexpected or malformed packet during a transfer.
    pub const ILLEGAL_OPERATION: ErrorCode = ErrorCode(4);
    /// 5: a datagram from an address that has no transfer on this socket.
    pub const UNKNOWN_TID: ErrorCode = ErrorCode(5);
    /// 6: file already exists (RFC 1350; never sent here).
    pub const FILE_EXISTS: ErrorCode = ErrorCode(6);
    /// 7: no such user (RFC 1350 `mail` mode; never sent here).
    pub const NO_SUCH_USER: ErrorCode = ErrorCode(7);
    /// 8: an option value out of range or not a number (RFC 2347).
    pub const OPTION_NEGOTIATION: ErrorCode = ErrorCode(8);
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which way a request wants the file to go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestKind {
    /// RRQ: the client reads a file from the server.
    Read,
    /// WRQ: the client would write one (this server refuses it).
    Write,
}

/// An RRQ or WRQ. Filename, mode and options are validated text borrowed from
/// the datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    /// RRQ or WRQ.
    pub kind: RequestKind,
    /// Non-empty UTF-8 without control characters. Not a safe path: the
    /// resolver must still reject traversal.
    pub filename: &'a str,
    /// Non-empty printable ASCII, as sent (compare case-insensitively).
    pub mode: &'a str,
    /// The options after the mode (RFC 2347), as sent, possibly none.
    pub options: Options<'a>,
}

impl<'a> Request<'a> {
    /// Parse a datagram that arrived on the listening port, refusing anything
    /// but RRQ/WRQ and anything longer than `max_len` bytes.
    pub fn parse(datagram: &'a [u8], max_len: usize) -> Result<Request<'a>, ParseError> {
        match Packet::parse_with_limit(datagram, max_len)? {
            Packet::Request(r) => Ok(r),
            other => Err(ParseError::new(ParseErrorKind::NotARequest(other.opcode()), 0)),
        }
    }
}

/// Option name/value pairs of a request or OACK, validated at parse time
/// (printable ASCII, names unique case-insensitively, at most
/// [`MAX_OPTIONS`]).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Options<'a> {
    raw: &'a [u8],
    len: usize,
}

impl<'a> Options<'a> {
    /// The `(name, value)` pairs, in the order sent.
    pub fn iter(&self) -> OptionsIter<'a> {
        OptionsIter { rest: self.raw }
    }

    /// Value of the option `name`, matched case-insensitively.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v)
    }

    /// How many pairs there are.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no pair at all.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl fmt::Debug for Options<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for Options<'a> {
    type Item = (&'a str, &'a str);
    type IntoIter = OptionsIter<'a>;
    fn into_iter(self) -> OptionsIter<'a> {
        self.iter()
    }
}

/// The `(name, value)` pairs of [`Options`], in the order sent.
pub struct OptionsIter<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for OptionsIter<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        // `raw` holds only validated `name\0value\0` pairs, so the lookups
        // below cannot fail; they still degrade to "no more options".
        let rest = self.rest;
        let n = rest.iter().position(|&b| b == 0)?;
        let after_name = rest.get(n + 1..)?;
        let v = after_name.iter().position(|&b| b == 0)?;
        self.rest = after_name.get(v + 1..).unwrap_or_default();
        let name = std::str::from_utf8(&rest[..n]).ok()?;
        let value = std::str::from_utf8(&after_name[..v]).ok()?;
        Some((name, value))
    }
}

/// A parsed datagram, borrowing from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Packet<'a> {
    /// RRQ or WRQ (opcodes 1 and 2).
    Request(Request<'a>),
    /// DATA (3): one block of a file.
    Data {
        /// The block number on the wire (low 16 bits of the block count).
        block: u16,
        /// The bytes after the 4-byte header.
        payload: &'a [u8],
    },
    /// ACK (4): the receiver has every block up to `block`.
    Ack {
        /// The block number acknowledged; 0 acknowledges an OACK.
        block: u16,
    },
    /// ERROR (5): the sender ends the transfer.
    Error {
        /// The code, as sent (possibly outside RFC 1350's list).
        code: ErrorCode,
        /// Raw bytes from the peer, NUL excluded: use [`printable`] before
        /// logging.
        message: &'a [u8],
    },
    /// OACK (6): the options the server acknowledges (RFC 2347).
    Oack(Options<'a>),
}

impl<'a> Packet<'a> {
    /// Parse any TFTP datagram; requests longer than
    /// [`DEFAULT_MAX_REQUEST_LEN`] are refused.
    pub fn parse(datagram: &'a [u8]) -> Result<Packet<'a>, ParseError> {
        Self::parse_with_limit(datagram, DEFAULT_MAX_REQUEST_LEN)
    }

    /// Parse any TFTP datagram; requests longer than `max_request_len` bytes
    /// are refused.
    fn parse_with_limit(buf: &'a [u8], max_request_len: usize) -> Result<Packet<'a>, ParseError> {
        use ParseErrorKind as K;
        let op = match *buf {
            [] => return Err(ParseError::new(K::EmptyDatagram, 0)),
            [_] => return Err(ParseError::new(K::Truncated { len: 1, needed: 2 }, 1)),
            [a, b, ..] => u16::from_be_bytes([a, b]),
        };
        let Some(opcode) = Opcode::from_u16(op) else {
            return Err(ParseError::new(K::UnknownOpcode(op), 0));
        };
        let word = |len: usize| -> Result<u16, ParseError> {
            match *buf {
                [_, _, a, b, ..] => Ok(u16::from_be_bytes([a, b])),
                _ => Err(ParseError::new(K::Truncated { len, needed: 4 }, len)),
            }
        };
        match opcode {
            Opcode::Rrq | Opcode::Wrq => {
                let kind = if opcode == Opcode::Rrq { RequestKind::Read } else { RequestKind::Write };
                parse_request(buf, kind, max_request_len).map(Packet::Request)
            }
            Opcode::Data => {
                let block = word(buf.len())?;
                Ok(Packet::Data { block, payload: &buf[4..] })
            }
            // Trailing bytes after an ACK are ignored, as tftp-hpa does: they
            // carry no meaning and refusing them only breaks odd stacks.
            Opcode::Ack => Ok(Packet::Ack { block: word(buf.len())? }),
            Opcode::Error => {
                let code = ErrorCode(word(buf.len())?);
                let (message, _) = take_cstr(buf, 4, Field::ErrorMessage)?;
                Ok(Packet::Error { code, message })
            }
            Opcode::Oack => parse_options(buf, 2).map(Packet::Oack),
        }
    }

    pub(crate) fn opcode(&self) -> Opcode {
        match self {
            Packet::Request(r) if r.kind == RequestKind::Read => Opcode::Rrq,
            Packet::Request(_) => Opcode::Wrq,
            Packet::Data { .. } => Opcode::Data,
            Packet::Ack { .. } => Opcode::Ack,
            Packet::Error { .. } => Opcode::Error,
            Packet::Oack(_) => Opcode::Oack,
        }
    }
}

fn parse_request(buf: &[u8], kind: RequestKind, max_len: usize) -> Result<Request<'_>, ParseError> {
    use ParseErrorKind as K;
    if buf.len() > max_len {
        return Err(ParseError::new(K::TooLong { len: buf.len(), max: max_len }, max_len));
    }
    if buf.len() <= 2 {
        return Err(ParseError::new(K::Missing(Field::Filename), 2));
    }
    let (name, at) = take_cstr(buf, 2, Field::Filename)?;
    let filename = check_text(name, 2, Field::Filename)?;
    if at >= buf.len() {
        return Err(ParseError::new(K::Missing(Field::Mode), at));
    }
    let (mode, after_mode) = take_cstr(buf, at, Field::Mode)?;
    let mode = check_text(mode, at, Field::Mode)?;
    let options = parse_options(buf, after_mode)?;
    Ok(Request { kind, filename, mode, options })
}

fn parse_options(buf: &[u8], start: usize) -> Result<Options<'_>, ParseError> {
    use ParseErrorKind as K;
    let mut at = start;
    let mut end = start;
    let mut len = 0;
    while let Some(&first) = buf.get(at) {
        if first == 0 {
            // Some embedded stacks pad requests with NULs; padding is harmless,
            // an empty name followed by more data is not.
            if buf[at..].iter().all(|&b| b == 0) {
                break;
            }
            return Err(ParseError::new(K::Empty(Field::OptionName), at));
        }
        let (name, value_at) = take_cstr(buf, at, Field::OptionName)?;
        let name = check_text(name, at, Field::OptionName)?;
        if value_at >= buf.len() {
            return Err(ParseError::new(K::OptionWithoutValue, at));
        }
        let (value, next) = take_cstr(buf, value_at, Field::OptionValue)?;
        check_text(value, value_at, Field::OptionValue)?;
        let seen = Options { raw: &buf[start..end], len };
        if seen.get(name).is_some() {
            return Err(ParseError::new(K::RepeatedOption, at));
        }
        if len == MAX_OPTIONS {
            return Err(ParseError::new(K::TooManyOptions { max: MAX_OPTIONS }, at));
        }
        len += 1;
        end = next;
        at = next;
    }
    Ok(Options { raw: &buf[start..end], len })
}

/// The NUL-terminated string starting at `at` and the offset just past its
/// NUL.
fn take_cstr(buf: &[u8], at: usize, field: Field) -> Result<(&[u8], usize), ParseError> {
    let rest = buf.get(at..).unwrap_or_default();
    match rest.iter().position(|&b| b == 0) {
        Some(n) => Ok((&rest[..n], at + n + 1)),
        None => Err(ParseError::new(ParseErrorKind::MissingNul(field), at)),
    }
}

fn check_text(bytes: &[u8], at: usize, field: Field) -> Result<&str, ParseError> {
    use ParseErrorKind as K;
    if bytes.is_empty() && field != Field::OptionValue {
        return Err(ParseError::new(K::Empty(field), at));
    }
    for (i, &b) in bytes.iter().enumerate() {
        if b < 0x20 || b == 0x7f {
            return Err(ParseError::new(K::ControlByte { field, byte: b }, at + i));
        }
        // Only filenames may carry non-ASCII (UTF-8); modes and options are
        // ASCII keywords and numbers.
        if b >= 0x80 && field != Field::Filename {
            return Err(ParseError::new(K::NonAscii { field, byte: b }, at + i));
        }
    }
    std::str::from_utf8(bytes).map_err(|e| ParseError::new(K::InvalidUtf8(field), at + e.valid_up_to()))
}

/// Which part of a packet a [`ParseError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Filename,
    Mode,
    OptionName,
    OptionValue,
    ErrorMessage,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Field::Filename => "filename",
            Field::Mode => "mode",
            Field::OptionName => "option name",
            Field::OptionValue => "option value",
            Field::ErrorMessage => "error message",
        })
    }
}

/// What was wrong with a datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ParseErrorKind {
    /// Zero-length datagram.
    EmptyDatagram,
    /// Shorter than the fixed header of its packet type.
    Truncated {
        len: usize,
        needed: usize,
    },
    UnknownOpcode(u16),
    /// A request longer than the configured limit.
    TooLong {
        len: usize,
        max: usize,
    },
    /// The field is absent (the datagram ends where it should start).
    Missing(Field),
    /// The field starts but never ends.
    MissingNul(Field),
    Empty(Field),
    ControlByte {
        field: Field,
        byte: u8,
    },
    NonAscii {
        field: Field,
        byte: u8,
    },
    InvalidUtf8(Field),
    /// An option name with nothing after it (odd number of option strings).
    OptionWithoutValue,
    /// Same option name twice (case-insensitive), which RFC 2347 leaves
    /// ambiguous.
    RepeatedOption,
    TooManyOptions {
        max: usize,
    },
    /// A valid packet that is not a request, where only requests belong.
    NotARequest(Opcode),
}

/// Why a datagram was refused, and the byte offset the problem was found at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub(crate) kind: ParseErrorKind,
    /// Offset into the datagram: the start of the offending field, the bad
    /// byte, or the length for truncations.
    pub(crate) at: usize,
}

impl ParseError {
    fn new(kind: ParseErrorKind, at: usize) -> Self {
        ParseError { kind, at }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ParseErrorKind as K;
        let at = self.at;
        match self.kind {
            K::EmptyDatagram => write!(f, "empty datagram"),
            K::Truncated { len, needed } => write!(f, "truncated packet: {len} bytes, at least {needed} needed"),
            K::UnknownOpcode(op) => write!(f, "unknown opcode {op} at byte 0"),
            K::TooLong { len, max } => write!(f, "request of {len} bytes exceeds the {max}-byte limit"),
            K::Missing(field) => write!(f, "{field} missing at byte {at}"),
            K::MissingNul(field) => write!(f, "{field} starting at byte {at} has no terminating NUL"),
            K::Empty(field) => write!(f, "empty {field} at byte {at}"),
            K::ControlByte { field, byte } => write!(f, "control byte 0x{byte:02x} in {field} at byte {at}"),
            K::NonAscii { field, byte } => write!(f, "non-ASCII byte 0x{byte:02x} in {field} at byte {at}"),
            K::InvalidUtf8(field) => write!(f, "invalid UTF-8 in {field} at byte {at}"),
            K::OptionWithoutValue => write!(f, "option at byte {at} has no value"),
            K::RepeatedOption => write!(f, "repeated option at byte {at}"),
            K::TooManyOptions { max } => write!(f, "more than {max} options (byte {at})"),
            K::NotARequest(op) => write!(f, "{op} packet where a request was expected"),
        }
    }
}

impl std::error::Error for ParseError {}

/// The 4-byte header of DATA `block`; the datagram is this followed by the
/// block's bytes.
pub fn data_header(block: u16) -> [u8; 4] {
    let [a, b] = block.to_be_bytes();
    [0, Opcode::Data as u8, a, b]
}

/// The ACK datagram of `block` (0 acknowledges an OACK).
pub fn encode_ack(block: u16) -> [u8; 4] {
    let [a, b] = block.to_be_bytes();
    [0, Opcode::Ack as u8, a, b]
}

/// Append an ERROR datagram to `out`. The message is cut to 255 bytes on a
/// char boundary; NULs become spaces so the packet stays well formed.
pub fn encode_error(code: ErrorCode, message: &str, out: &mut Vec<u8>) {
    let mut cut = message.len().min(MAX_ERROR_MESSAGE);
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    out.extend_from_slice(&[0, Opcode::Error as u8]);
    out.extend_from_slice(&code.0.to_be_bytes());
    out.extend(message[..cut].bytes().map(|b| if b == 0 { b' ' } else { b }));
    out.push(0);
}

/// Append an OACK datagram with these pairs to `out`.
#[cfg(test)]
pub(crate) fn encode_oack<'o>(options: impl IntoIterator<Item = (&'o str, &'o str)>, out: &mut Vec<u8>) {
    out.extend_from_slice(&[0, Opcode::Oack as u8]);
    for (name, value) in options {
        push_cstr(out, name);
        push_cstr(out, value);
    }
}

/// Append an RRQ or WRQ datagram to `out` (clients, tests, load generators).
pub fn encode_request<'o>(
    kind: RequestKind,
    filename: &str,
    mode: &str,
    options: impl IntoIterator<Item = (&'o str, &'o str)>,
    out: &mut Vec<u8>,
) {
    let op = match kind {
        RequestKind::Read => Opcode::Rrq,
        RequestKind::Write => Opcode::Wrq,
    };
    out.extend_from_slice(&[0, op as u8]);
    push_cstr(out, filename);
    push_cstr(out, mode);
    for (name, value) in options {
        push_cstr(out, name);
        push_cstr(out, value);
    }
}

fn push_cstr(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(s.as_bytes());
    out.push(0);
}

/// Append `name\0<number>\0` without going through a String.
pub(super) fn push_option_u64(out: &mut Vec<u8>, name: &str, value: u64) {
    push_cstr(out, name);
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{value}");
    out.push(0);
}

/// Peer-supplied text made safe for one log line: at most `max` bytes,
/// invalid UTF-8 and control characters replaced.
pub fn printable(bytes: &[u8], max: usize) -> String {
    let bytes = &bytes[..bytes.len().min(max)];
    String::from_utf8_lossy(bytes).chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}
