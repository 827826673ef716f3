//! The protocol cores of provd's phone-facing servers: TFTP (RFC 1350,
//! 2347–2349, 7440) and HTTP/1.1 request framing, as deterministic sans-IO
//! code.
//!
//! What this crate is: functions and state machines that take bytes (and,
//! for TFTP transfers, the current time) and return decisions — what a
//! request says, what to answer, what to send next and when to wake up.
//!
//! The main types:
//! - [`tftp::Request::parse`] reads a request datagram;
//!   [`tftp::check_request`] and [`tftp::accept`] decide on it within
//!   [`tftp::Limits`], returning the [`tftp::Negotiated`] parameters or the
//!   [`tftp::ErrorReply`] to send; a [`tftp::Transfer`] then drives the read
//!   transfer, telling what to send ([`tftp::Transmit`]) and when to wake it,
//!   until its [`tftp::Outcome`].
//! - [`http::parse`] frames a request head within [`http::Limits`] into a
//!   [`http::Parsed`]: more bytes needed, an [`http::HttpError`] to answer,
//!   or an [`http::Request`]. [`http::Request::path`] turns its target into a
//!   safe relative path (or a [`http::PathError`]), and
//!   [`http::Request::client_ip`] finds the client behind trusted proxies.
//!   [`http::respond_file`], [`http::write_error`] and
//!   [`http::write_options`] append answers to a caller's buffer, framed by
//!   the request's [`http::Reply`].
//!
//! What it is not: it opens no socket, reads no clock, spawns no thread and
//! knows nothing of phones, devices or files. The I/O loops around it
//! (`provd-dataplane`) own the sockets, rings and timers, and decide what a
//! path names. It depends on the standard library and `httparse` (itself
//! without dependencies) only, so the fuzz targets of the protocols build
//! from it alone.

pub mod http;
pub mod tftp;

#[cfg(test)]
mod test_alloc;
