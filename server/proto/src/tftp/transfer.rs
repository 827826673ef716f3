//! One read transfer as a state machine: the I/O loop feeds it the peer's
//! datagrams and the time, and asks what to send and when to wake it.

use std::ops::Range;
use std::time::{Duration, Instant};

use super::negotiate::{ErrorReply, Limits, Negotiated};
use super::packet::{self, ErrorCode, Packet};

/// Longest peer ERROR message kept in an [`Outcome`].
const MAX_PEER_MESSAGE: usize = 200;

/// A datagram the transfer wants sent to its peer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transmit<'a> {
    /// The OACK, complete.
    Oack(&'a [u8]),
    /// DATA: send `data_header(block)` followed by `content[range]`.
    Data {
        /// The block number on the wire (the block count's low 16 bits).
        block: u16,
        /// The block's bytes in the file: `blksize` of them, fewer (maybe
        /// none) in the final block.
        range: Range<u64>,
    },
    /// An ERROR, complete; the transfer is over once it is sent.
    Error(&'a [u8]),
}

#[cfg(test)]
impl Transmit<'_> {
    /// Size of the datagram on the wire.
    pub(crate) fn wire_len(&self) -> usize {
        match self {
            Transmit::Oack(b) | Transmit::Error(b) => b.len(),
            Transmit::Data { range, .. } => 4 + (range.end - range.start) as usize,
        }
    }

    /// The DATA header for a `Data` transmit.
    pub(crate) fn data_header(&self) -> Option<[u8; 4]> {
        match self {
            Transmit::Data { block, .. } => Some(packet::data_header(*block)),
            _ => None,
        }
    }
}

/// How a transfer ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Every block, the final one included, was acknowledged.
    Completed,
    /// The peer sent an ERROR; nothing was sent back. The message is
    /// sanitised for logging.
    PeerError {
        /// The code the peer sent.
        code: ErrorCode,
        /// Its message: the first 200 bytes, invalid UTF-8 and control
        /// characters replaced.
        message: String,
    },
    /// The peer went silent: retries ran out.
    TimedOut {
        /// Blocks the peer acknowledged.
        acked_blocks: u64,
        /// Whether the final block went out at least once (a lost final ACK
        /// looks like this).
        all_sent: bool,
    },
    /// We ended the transfer with this ERROR (unexpected or malformed packet,
    /// retransmission budget exhausted, or [`Transfer::abort`]).
    Aborted(ErrorReply),
}

/// Counters for logs, metrics and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams emitted by `poll_transmit`, of any kind.
    pub packets_sent: u64,
    /// Bytes of those datagrams, TFTP headers included.
    pub bytes_sent: u64,
    /// OACK datagrams, retransmissions included.
    pub oacks_sent: u64,
    /// DATA datagrams, retransmissions included.
    pub data_sent: u64,
    /// DATA datagrams that repeated a block already sent.
    pub blocks_resent: u64,
    /// Retransmit timeouts that fired (giving up excluded).
    pub timeouts: u64,
    /// ACKs repeating the last acknowledged block (ignored: Sorcerer's
    /// Apprentice).
    pub duplicate_acks: u64,
    /// ACKs for blocks not sent yet, or stale ones (ignored).
    pub unexpected_acks: u64,
    /// ACKs short of what was sent that made the sender go back to the block
    /// after the acknowledged one (RFC 7440 loss report).
    pub window_restarts: u64,
    /// ACKs short of what was sent, taken as a receiver's reaction to a
    /// rewind and only sliding the window.
    pub window_slides: u64,
    /// Datagrams that arrived after the transfer ended (ignored).
    pub ignored_after_end: u64,
    /// Sent before the peer's first valid ACK, i.e. to an address that may be
    /// spoofed.
    pub unverified_packets: u64,
    /// Bytes of those datagrams.
    pub unverified_bytes: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// OACK sent or due; waiting for ACK 0.
    Oack,
    Data,
}

/// A read transfer of a file of known length. Blocks are counted from 1 with
/// a 64-bit counter; the wire number is its low 16 bits (so 65535 rolls over
/// to 0, as tftp-hpa and atftp expect).
///
/// Drive it like quinn-proto: after creating it, after every `handle` and
/// every `handle_timeout`, call `poll_transmit` until it returns `None`, then
/// sleep until `poll_timeout` (or the next datagram). Drop it once
/// `is_finished`.
#[derive(Debug)]
pub struct Transfer {
    negotiated: Negotiated,
    blksize: u64,
    window: u64,
    timeout: Duration,
    last_block: u64,
    phase: Phase,
    oack_due: bool,
    /// The peer has ACKed something, so its address is real.
    verified: bool,
    /// Highest block the peer acknowledged (0: none, or the OACK).
    acked: u64,
    /// Next block `poll_transmit` sends.
    next: u64,
    highest_sent: u64,
    /// `highest_sent` when the sender last went back (timeout or loss
    /// report), and whether the one "free slide" of that epoch is spent: see
    /// `on_ack`.
    rewind_mark: u64,
    slide_spent: bool,
    /// Consecutive timeouts without progress.
    retries: u32,
    max_retries: u32,
    unverified_retries: u32,
    resend_budget: u64,
    deadline: Option<Instant>,
    error: Vec<u8>,
    error_due: bool,
    outcome: Option<Outcome>,
    last_heard: Option<Instant>,
    stats: Stats,
}

impl Transfer {
    /// A transfer of what [`accept`](super::accept) negotiated, bounded by
    /// `limits` (retries, the retransmission budget). Nothing is sent until
    /// the first `poll_transmit`.
    pub fn new(negotiated: Negotiated, limits: &Limits) -> Self {
        let limits = limits.sanitized();
        // Negotiated comes from `accept`, but its fields are public: clamp
        // again rather than trust them.
        let blksize = u64::from(negotiated.blksize.clamp(packet::MIN_BLKSIZE, packet::MAX_BLKSIZE));
        let window = u64::from(negotiated.windowsize.clamp(1, super::negotiate::MAX_WINDOWSIZE_CAP));
        let timeout = negotiated.timeout.clamp(Duration::from_millis(1), Duration::from_secs(255));
        let last_block = negotiated.file_len / blksize + 1;
        let resend_budget = window
            .saturating_mul(u64::from(limits.max_retries) + 1)
            .saturating_add(last_block.saturating_mul(u64::from(limits.resend_allowance_percent)) / 100);
        let phase = if negotiated.oack().is_some() { Phase::Oack } else { Phase::Data };
        Transfer {
            negotiated,
            blksize,
            window,
            timeout,
            last_block,
            phase,
            oack_due: phase == Phase::Oack,
            verified: false,
            acked: 0,
            next: 1,
            highest_sent: 0,
            rewind_mark: 0,
            slide_spent: false,
            retries: 0,
            max_retries: limits.max_retries,
            unverified_retries: limits.unverified_retries,
            resend_budget,
            deadline: None,
            error: Vec::new(),
            error_due: false,
            outcome: None,
            last_heard: None,
            stats: Stats::default(),
        }
    }

    /// The next datagram to send, if any. Call until `None`.
    pub fn poll_transmit(&mut self, now: Instant) -> Option<Transmit<'_>> {
        if self.error_due {
            self.error_due = false;
            self.account(self.error.len());
            return Some(Transmit::Error(&self.error));
        }
        if self.outcome.is_some() {
            return None;
        }
        match self.phase {
            Phase::Oack => {
                if !self.oack_due {
                    return None;
                }
                self.oack_due = false;
                self.arm(now);
                self.stats.oacks_sent += 1;
                self.account(self.negotiated.oack().map_or(0, <[u8]>::len));
                Some(Transmit::Oack(self.negotiated.oack().unwrap_or_default()))
            }
            Phase::Data => {
                let n = self.next;
                if n > self.window_end() {
                    return None;
                }
                if n <= self.highest_sent {
                    if self.stats.blocks_resent >= self.resend_budget {
                        self.abort(ErrorReply::new(
                            ErrorCode::NOT_DEFINED,
                            "too many retransmissions, transfer aborted",
                        ));
                        return self.poll_transmit(now);
                    }
                    self.stats.blocks_resent += 1;
                } else {
                    self.highest_sent = n;
                }
                self.next += 1;
                self.arm(now);
                let range = self.range(n);
                self.stats.data_sent += 1;
                self.account(4 + (range.end - range.start) as usize);
                Some(Transmit::Data { block: n as u16, range })
            }
        }
    }

    /// A datagram from the peer (the I/O layer has checked its source
    /// address and port).
    pub fn handle(&mut self, now: Instant, datagram: &[u8]) {
        if self.outcome.is_some() {
            self.stats.ignored_after_end += 1;
            return;
        }
        self.last_heard = Some(now);
        match Packet::parse(datagram) {
            Ok(Packet::Ack { block }) => self.on_ack(block),
            Ok(Packet::Error { code, message }) => {
                self.finish(Outcome::PeerError { code, message: packet::printable(message, MAX_PEER_MESSAGE) })
            }
            Ok(other) => self.abort(ErrorReply::new(
                ErrorCode::ILLEGAL_OPERATION,
                format!("unexpected {} packet during a read transfer", other.opcode()),
            )),
            // A sloppy ERROR (no NUL, truncated) still means the peer gave up;
            // answering it would be pointless.
            Err(_) if datagram.starts_with(&[0, 5]) => {
                let code = match *datagram {
                    [_, _, a, b, ..] => ErrorCode(u16::from_be_bytes([a, b])),
                    _ => ErrorCode::NOT_DEFINED,
                };
                let message = datagram.get(4..).unwrap_or_default();
                let message = &message[..message.iter().position(|&b| b == 0).unwrap_or(message.len())];
                self.finish(Outcome::PeerError { code, message: packet::printable(message, MAX_PEER_MESSAGE) })
            }
            Err(e) => self.abort(ErrorReply::new(ErrorCode::ILLEGAL_OPERATION, format!("malformed packet: {e}"))),
        }
    }

    /// When `handle_timeout` wants to be called; `None` once finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        if self.outcome.is_some() { None } else { self.deadline }
    }

    /// Retransmit or give up if the deadline has passed; a no-op otherwise.
    pub fn handle_timeout(&mut self, now: Instant) {
        let Some(deadline) = self.deadline else { return };
        if self.outcome.is_some() || now < deadline {
            return;
        }
        self.deadline = None;
        let limit = if self.verified { self.max_retries } else { self.unverified_retries };
        if self.retries >= limit {
            // Silence: a peer that stopped answering will not read an ERROR.
            self.finish(Outcome::TimedOut { acked_blocks: self.acked, all_sent: self.highest_sent == self.last_block });
            return;
        }
        self.retries += 1;
        self.stats.timeouts += 1;
        match self.phase {
            Phase::Oack => self.oack_due = true,
            Phase::Data => self.rewind(self.acked),
        }
    }

    /// End the transfer with `reply` (e.g. server shutdown, content gone).
    /// The ERROR is the last thing `poll_transmit` returns. No effect if the
    /// transfer has already ended.
    pub fn abort(&mut self, reply: ErrorReply) {
        if self.outcome.is_some() {
            return;
        }
        self.error.clear();
        reply.encode(&mut self.error);
        self.error_due = true;
        self.finish(Outcome::Aborted(reply));
    }

    /// Ended, with nothing left to send.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some() && !self.error_due
    }

    /// How the transfer ended; `None` while it runs.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.as_ref()
    }

    /// What the transfer has sent and received so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Whether the peer has ACKed anything yet (before that its address may
    /// be spoofed and it gets at most one packet in flight).
    pub fn is_verified(&self) -> bool {
        self.verified
    }

    /// Bytes of the file the peer has acknowledged.
    pub fn acked_bytes(&self) -> u64 {
        (self.acked * self.blksize).min(self.negotiated.file_len)
    }

    /// When the peer's last datagram arrived.
    pub fn last_heard(&self) -> Option<Instant> {
        self.last_heard
    }

    fn on_ack(&mut self, block: u16) {
        if self.phase == Phase::Oack {
            if block != 0 {
                self.stats.unexpected_acks += 1;
                return;
            }
            self.phase = Phase::Data;
            self.progress();
            return;
        }
        // The only block numbers that mean anything are in
        // (acked, next - 1]; the window keeps that span under 65536, so the
        // distance from `acked` modulo 2^16 identifies the block.
        let delta = u64::from(block.wrapping_sub(self.acked as u16));
        if delta == 0 {
            // Never retransmit on a duplicate ACK (Sorcerer's Apprentice);
            // only a timeout does.
            self.stats.duplicate_acks += 1;
            return;
        }
        let n = self.acked + delta;
        if n >= self.next {
            self.stats.unexpected_acks += 1;
            return;
        }
        self.acked = n;
        self.progress();
        if n == self.last_block {
            self.finish(Outcome::Completed);
            return;
        }
        if self.next > n + 1 {
            // RFC 7440: an ACK short of what was sent reports a loss; resume
            // right after the acknowledged block. One exception: right after
            // going back, receivers such as U-Boot answer the first duplicate
            // with an ACK of their highest block and count their window from
            // there. Going back again for that ACK would resend blocks still
            // in flight, provoke the same answer, and send every window twice
            // for the rest of the transfer. So the first short ACK inside the
            // previous flight only slides the window; a second one (a real
            // loss after the rewind) goes back.
            if n <= self.rewind_mark && !self.slide_spent {
                self.slide_spent = true;
                self.stats.window_slides += 1;
            } else {
                self.stats.window_restarts += 1;
                self.rewind(n);
            }
        }
    }

    /// Resume sending after block `acked`.
    fn rewind(&mut self, acked: u64) {
        self.next = acked + 1;
        self.rewind_mark = self.highest_sent;
        self.slide_spent = false;
    }

    fn progress(&mut self) {
        self.verified = true;
        self.retries = 0;
        // The deadline stays: the timer runs from the last transmission, and
        // an ACK that only slides the window may leave nothing new to send
        // (the final block already out).
    }

    fn window_end(&self) -> u64 {
        let window = if self.verified { self.window } else { 1 };
        (self.acked + window).min(self.last_block)
    }

    fn range(&self, block: u64) -> Range<u64> {
        let start = ((block - 1) * self.blksize).min(self.negotiated.file_len);
        let end = (start + self.blksize).min(self.negotiated.file_len);
        start..end
    }

    fn arm(&mut self, now: Instant) {
        self.deadline = Some(now.checked_add(self.timeout).unwrap_or(now));
    }

    fn account(&mut self, len: usize) {
        self.stats.packets_sent += 1;
        self.stats.bytes_sent += len as u64;
        if !self.verified {
            self.stats.unverified_packets += 1;
            self.stats.unverified_bytes += len as u64;
        }
    }

    fn finish(&mut self, outcome: Outcome) {
        self.deadline = None;
        self.outcome = Some(outcome);
    }
}
