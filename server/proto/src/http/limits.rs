//! nginx-like limits (`docs/behaviour/limits.md` §2).

use std::time::Duration;

/// Upper bound of [`Limits::max_headers`]: the parser keeps its header slots
/// on the stack.
pub const MAX_HEADERS_CAP: usize = 128;

/// Request head limits and the timeouts the I/O loop enforces.
///
/// Defaults follow nginx (`large_client_header_buffers 4 8k`,
/// `client_header_timeout 60s`, `keepalive_timeout 75s`, `send_timeout 60s`,
/// `keepalive_requests 1000`), because deployments put nginx in front of
/// provd and the two must agree on what a valid request is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line, CRLF excluded; longer → 414.
    pub max_request_line: usize,
    /// Longest header field line, CRLF excluded; longer → 431.
    pub max_header_line: usize,
    /// Longest request head, every CRLF included; longer → 431. A read
    /// buffer of this size always suffices: `parse` never answers `Partial`
    /// once the buffer holds `max_head` bytes.
    pub max_head: usize,
    /// Most header field lines; more → 431. Clamped to [`MAX_HEADERS_CAP`].
    pub max_headers: usize,
    /// Time allowed to receive a whole request head, counted from its first
    /// byte however it trickles in (nginx's `client_header_timeout` bounds
    /// the whole head too); on expiry answer 408 and close.
    pub header_timeout: Duration,
    /// Time allowed between accepting a connection and the first byte of
    /// its first request, and, while connections run short, between two
    /// requests of a kept-alive one; on expiry close without answering. A
    /// phone sends its request at once: a connection that says nothing is
    /// holding a descriptor.
    pub first_byte_timeout: Duration,
    /// Idle time allowed between requests on a kept-alive connection; on
    /// expiry close without answering.
    pub keepalive_timeout: Duration,
    /// Time allowed between two successful writes of a response; on expiry
    /// close.
    pub send_timeout: Duration,
    /// Requests served on one connection; the last one is answered with
    /// `Connection: close`.
    pub max_requests: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_request_line: 8 * 1024,
            max_header_line: 8 * 1024,
            max_head: 32 * 1024,
            max_headers: 100,
            header_timeout: Duration::from_secs(60),
            first_byte_timeout: Duration::from_secs(10),
            keepalive_timeout: Duration::from_secs(75),
            send_timeout: Duration::from_secs(60),
            max_requests: 1000,
        }
    }
}
