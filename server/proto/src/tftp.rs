//! The TFTP protocol core: a deterministic sans-IO state machine (RFC 1350,
//! 2347, 2348, 2349, 7440), read-only, octet mode only.
//!
//! No sockets, clocks or threads: the I/O loop feeds datagrams and the
//! current time in and asks what to send and when to wake up.
//!
//! On the listening port:
//! 1. [`Request::parse`] the datagram (with [`Limits::max_request_len`]).
//!    Malformed requests are best dropped without a reply: the source may be
//!    spoofed and any answer is a reflection.
//! 2. Optionally [`check_request`] before resolving the filename (refuses
//!    WRQ, non-octet modes and bad options without touching the store).
//! 3. Resolve the file, then [`accept`] with its length: the ERROR to send
//!    back ([`ErrorReply::to_bytes`]) or the [`Negotiated`] parameters.
//! 4. [`Transfer::new`] and drive it from a fresh socket (new TID).
//!
//! On a transfer's socket: datagrams from the peer go to
//! [`Transfer::handle`]; from anyone else, answer [`UNKNOWN_TID_ERROR`].
//! DATA never copies content: a [`Transmit::Data`] names a block number and a
//! byte range of the file, and the I/O layer sends [`data_header`] followed by
//! that slice.

mod negotiate;
mod packet;
mod transfer;

#[cfg(test)]
mod tests;

pub use negotiate::{ErrorReply, Limits, Negotiated, accept, check_request};
pub use packet::{
    DEFAULT_MAX_REQUEST_LEN, ErrorCode, MAX_BLKSIZE, MAX_OPTIONS, MIN_BLKSIZE, Options, OptionsIter, Packet,
    ParseError, Request, RequestKind, UNKNOWN_TID_ERROR, data_header, encode_ack, encode_error, encode_request,
    printable,
};
pub use transfer::{Outcome, Stats, Transfer, Transmit};
