//! The protocol cores of provd's phone-facing servers: TFTP (RFC 1350,
//! 2347–2349, 7440) and HTTP/1.1 request framing, as deterministic sans-IO
//! code.
//!
//! What this crate is: functions and state machines that take bytes (and,
//! for TFTP transfers, the current time) and return decisions — what a
//! request says, what to answer, what to send next and when to wake up.
//! [`tftp::Transfer`] drives one read transfer; [`tftp::Request::parse`],
//! [`tftp::check_request`] and [`tftp::accept`] decide on a read request;
//! [`http::parse`] frames a request head, [`http::Request::path`] turns its
//! target into a safe relative path, and the `write_*` functions append
//! answers to a caller's buffer.
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
