//! A whole read transfer driven by the fuzz input: a synthetic RRQ whose
//! options, the file length and the server limits come from the input, then
//! a script of peer datagrams and timer events.
//!
//! Input layout (every read past the end gives 0, so any input is valid):
//!
//! ```text
//! 0      option flags: 1 blksize, 2 windowsize, 4 timeout, 8 tsize,
//!        16 an unknown option, 32 upper-case names, 64 fuzz the limits,
//!        128 file length from 8 bytes instead of 3
//! 1-2    blksize option value (u16 BE)
//! 3-4    windowsize option value (u16 BE)
//! 5      timeout option value
//! 6-9    limits: max_retries % 8, unverified_retries % 4,
//!        max_windowsize (byte, 0 = 1), resend_allowance_percent (byte)
//! then   file length: 3 bytes (<= 16 MiB) or 8 bytes (flag 128), LE
//! then   events, one opcode byte each (see `Event`)
//! ```
//!
//! After the events the peer goes silent and only timers fire: the transfer
//! must end within `max_retries + 1` timeouts.
//!
//! Invariants checked after every event (the harness drains
//! `poll_transmit` each time, so every datagram is attributable to the event
//! before it):
//! * DATA ranges lie within the file, are exactly one block long except the
//!   final (short) block, and match their block number (mod 2^16);
//! * DATA never runs ahead of the acknowledged block by more than the window
//!   (one block before the peer is verified);
//! * a duplicate, unexpected or late ACK, a timer that fires early, or any
//!   datagram after the end makes nothing be sent;
//! * while unverified, at most `unverified_retries + 1` packets plus one
//!   ERROR go out, and bytes are bounded accordingly;
//! * an unfinished transfer always has a deadline (it can never hang);
//! * `Completed` only after the final block went out and was acknowledged;
//! * retransmissions stay within the circuit breaker's budget.
#![no_main]

use std::time::{Duration, Instant};

use libfuzzer_sys::fuzz_target;
use provd_proto::tftp::{
    ErrorReply, Limits, Outcome, Packet, Request, Transfer, Transmit, accept, encode_ack, encode_error,
    encode_request, ErrorCode, RequestKind,
};

struct Input<'a> {
    data: &'a [u8],
    at: usize,
}

impl Input<'_> {
    fn u8(&mut self) -> u8 {
        let b = self.data.get(self.at).copied().unwrap_or(0);
        self.at += 1;
        b
    }
    fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let start = self.at.min(self.data.len());
        let end = (start + n).min(self.data.len());
        self.at = start + n;
        &self.data[start..end]
    }
    fn done(&self) -> bool {
        self.at >= self.data.len()
    }
}

/// What the harness knows of the transfer, from what it saw sent.
struct Model {
    file_len: u64,
    blksize: u64,
    window: u64,
    last_block: u64,
    /// Highest 64-bit block number seen in a DATA.
    highest_sent: u64,
    /// Wire number of the most recent DATA sent (what a good client ACKs).
    last_data_wire: Option<u16>,
    oack_len: usize,
    max_error_len: usize,
    unverified_retries: u32,
    max_retries: u32,
    resend_budget: u64,
}

impl Model {
    /// Drain `poll_transmit`, checking every datagram; returns how many.
    fn drain(&mut self, t: &mut Transfer, now: Instant) -> usize {
        let mut sent = 0;
        let acked_before = t.acked_bytes();
        loop {
            let verified = t.is_verified();
            let Some(tx) = t.poll_transmit(now) else { break };
            sent += 1;
            assert!(sent <= 70_000, "poll_transmit does not stop");
            match tx {
                Transmit::Oack(b) => assert_eq!(b.len(), self.oack_len),
                Transmit::Error(b) => {
                    assert!(b.len() <= self.max_error_len);
                    assert!(matches!(Packet::parse(b), Ok(Packet::Error { .. })), "bad ERROR datagram");
                }
                Transmit::Data { block, range } => {
                    assert!(range.start <= range.end && range.end <= self.file_len, "{range:?} outside the file");
                    let len = range.end - range.start;
                    assert!(len <= self.blksize, "DATA of {len} bytes with blksize {}", self.blksize);
                    assert_eq!(range.start % self.blksize, 0, "{range:?} not on a block boundary");
                    let n = range.start / self.blksize + 1;
                    assert_eq!(n as u16, block, "block number does not match its range");
                    assert!(n <= self.last_block);
                    if n < self.last_block {
                        assert_eq!(len, self.blksize, "short DATA {n} before the final block");
                    } else {
                        assert!(len < self.blksize, "final DATA must be short");
                    }
                    let window = if verified { self.window } else { 1 };
                    let acked_blocks = acked_before / self.blksize;
                    assert!(n <= acked_blocks + window, "DATA {n} beyond window (acked {acked_blocks}, window {window})");
                    self.highest_sent = self.highest_sent.max(n);
                    self.last_data_wire = Some(block);
                }
            }
        }
        let stats = t.stats();
        assert!(stats.blocks_resent <= self.resend_budget, "resend budget exceeded: {stats:?}");
        assert!(
            stats.unverified_packets <= u64::from(self.unverified_retries) + 2,
            "too many packets to an unverified peer: {stats:?}"
        );
        let per_packet = (4 + self.blksize as usize).max(self.oack_len).max(self.max_error_len) as u64;
        assert!(stats.unverified_bytes <= stats.unverified_packets * per_packet);
        if t.is_finished() {
            assert!(t.poll_timeout().is_none());
            assert!(t.outcome().is_some());
        } else {
            assert!(t.poll_timeout().is_some(), "unfinished transfer without a deadline: it would hang");
        }
        if let Some(Outcome::Completed) = t.outcome() {
            assert_eq!(self.highest_sent, self.last_block, "completed before the final block was sent");
            assert_eq!(t.acked_bytes(), self.file_len);
        }
        sent
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input { data, at: 0 };
    let flags = input.u8();
    let blksize = input.u16();
    let windowsize = input.u16();
    let timeout = input.u8();
    let lim = [input.u8(), input.u8(), input.u8(), input.u8()];
    let file_len = if flags & 128 != 0 {
        u64::from_le_bytes(input.bytes(8).iter().chain([0u8; 8].iter()).take(8).copied().collect::<Vec<_>>().try_into().unwrap())
    } else {
        let b = input.bytes(3);
        u64::from(b.first().copied().unwrap_or(0))
            | u64::from(b.get(1).copied().unwrap_or(0)) << 8
            | u64::from(b.get(2).copied().unwrap_or(0)) << 16
    };

    let mut limits = Limits::default();
    if flags & 64 != 0 {
        limits.max_retries = u32::from(lim[0] % 8);
        limits.unverified_retries = u32::from(lim[1] % 4);
        limits.max_windowsize = u16::from(lim[2]).max(1);
        limits.resend_allowance_percent = u32::from(lim[3]);
    }

    // The RRQ a client would send.
    let values = [blksize.to_string(), windowsize.to_string(), timeout.to_string(), "0".to_string()];
    let upper = flags & 32 != 0;
    let names: [&str; 4] =
        if upper { ["BLKSIZE", "WINDOWSIZE", "TIMEOUT", "TSIZE"] } else { ["blksize", "windowsize", "timeout", "tsize"] };
    let mut options: Vec<(&str, &str)> = Vec::new();
    for (i, (name, value)) in names.iter().zip(values.iter()).enumerate() {
        if flags & (1 << i) != 0 {
            options.push((name, value));
        }
    }
    if flags & 16 != 0 {
        options.insert(0, ("x-vendor-option", "1"));
    }
    let mut rrq = Vec::new();
    encode_request(RequestKind::Read, "SEP001122334455.cnf.xml", "octet", options.iter().copied(), &mut rrq);
    let req = Request::parse(&rrq, limits.max_request_len).expect("synthetic RRQ parses");
    let negotiated = match accept(&req, file_len, &limits) {
        Ok(n) => n,
        // Out-of-range option values are refused: nothing to drive.
        Err(_) => return,
    };

    let blksize = u64::from(negotiated.blksize);
    let sane = limits.sanitized();
    let last_block = file_len / blksize + 1;
    let window = u64::from(negotiated.windowsize);
    let mut model = Model {
        file_len,
        blksize,
        window,
        last_block,
        highest_sent: 0,
        last_data_wire: None,
        oack_len: negotiated.oack().map_or(0, <[u8]>::len),
        max_error_len: 4 + 255 + 1,
        unverified_retries: sane.unverified_retries,
        max_retries: sane.max_retries,
        resend_budget: window
            .saturating_mul(u64::from(sane.max_retries) + 1)
            .saturating_add(last_block.saturating_mul(u64::from(sane.resend_allowance_percent)) / 100),
    };
    let start = Instant::now();
    let mut now = start;
    let mut t = Transfer::new(negotiated, &limits);
    model.drain(&mut t, now);

    // Wire number of the highest block the peer acknowledged, by our count.
    let mut peer_acked: u16 = 0;
    let mut scratch = Vec::new();
    let mut events = 0;
    while !input.done() && events < 4096 {
        events += 1;
        let op = input.u8();
        let stats_before = *t.stats();
        let finished_before = t.is_finished();
        let mut expect_silence = false;
        match op % 12 {
            // A well-behaved client: ACK the latest DATA (or the OACK).
            0 | 1 => {
                let block = model.last_data_wire.unwrap_or(0);
                t.handle(now, &encode_ack(block));
            }
            // Many rounds of a well-behaved client, to reach the end of
            // larger files.
            2 => {
                let rounds = usize::from(input.u8()) + 1;
                for _ in 0..rounds {
                    if t.is_finished() {
                        break;
                    }
                    let block = model.last_data_wire.unwrap_or(0);
                    t.handle(now, &encode_ack(block));
                    model.drain(&mut t, now);
                }
            }
            // ACK a block a little behind or ahead of the latest DATA.
            3 => {
                let d = input.u8();
                let base = model.last_data_wire.unwrap_or(0);
                let block = if d & 0x80 != 0 { base.wrapping_add(u16::from(d & 0x7f)) } else { base.wrapping_sub(u16::from(d)) };
                t.handle(now, &encode_ack(block));
            }
            // Any ACK at all.
            4 => {
                let block = input.u16();
                t.handle(now, &encode_ack(block));
            }
            // Repeat the previous ACK: a duplicate must never cause a send.
            5 => {
                t.handle(now, &encode_ack(peer_acked));
                if t.stats().duplicate_acks > stats_before.duplicate_acks {
                    expect_silence = true;
                }
            }
            // The retransmit timer fires (at or past the deadline).
            6 => {
                if let Some(deadline) = t.poll_timeout() {
                    now = deadline.max(now) + Duration::from_millis(u64::from(input.u8()));
                }
                t.handle_timeout(now);
            }
            // Time passes a little; a timer that fires early does nothing.
            7 => {
                let step = Duration::from_millis(u64::from(input.u8()));
                let deadline = t.poll_timeout();
                now += step;
                t.handle_timeout(now);
                if deadline.is_none_or(|d| now < d) {
                    expect_silence = true;
                }
            }
            // An arbitrary datagram from the peer.
            8 => {
                let len = usize::from(input.u8() % 64);
                let bytes = input.bytes(len).to_vec();
                t.handle(now, &bytes);
            }
            // The peer gives up.
            9 => {
                scratch.clear();
                encode_error(ErrorCode(u16::from(input.u8())), "client gave up", &mut scratch);
                t.handle(now, &scratch);
                expect_silence = true;
            }
            // The server aborts (shutdown, content gone).
            10 => t.abort(ErrorReply::new(ErrorCode::NOT_DEFINED, "shutting down")),
            // An ACK for a block already acknowledged long ago.
            _ => {
                let back = input.u16() | 0x8000;
                t.handle(now, &encode_ack(peer_acked.wrapping_sub(back)));
            }
        }
        let stats_after = *t.stats();
        if stats_after.unexpected_acks > stats_before.unexpected_acks
            || stats_after.duplicate_acks > stats_before.duplicate_acks
            || stats_after.ignored_after_end > stats_before.ignored_after_end
            || finished_before
        {
            expect_silence = true;
        }
        let sent = model.drain(&mut t, now);
        if expect_silence {
            assert_eq!(sent, 0, "sent {sent} datagrams in answer to nothing new (op {op}): {:?}", t.stats());
        }
        // The last ACK the transfer took as progress.
        let acked = t.acked_bytes() / blksize;
        peer_acked = acked as u16;
    }

    // The peer goes silent: only timers fire from here on.
    let limit = model.max_retries.max(model.unverified_retries) as usize + 1;
    let mut timeouts = 0;
    while !t.is_finished() {
        let deadline = t.poll_timeout().expect("an unfinished transfer has a deadline");
        now = deadline.max(now);
        t.handle_timeout(now);
        model.drain(&mut t, now);
        timeouts += 1;
        assert!(timeouts <= limit, "still running after {timeouts} silent timeouts: {:?}", t.stats());
    }
    if let Some(Outcome::TimedOut { all_sent, .. }) = t.outcome() {
        assert_eq!(*all_sent, model.highest_sent == model.last_block);
    }
    if trace() {
        eprintln!(
            "trace: file_len={file_len} blksize={blksize} window={window} last_block={last_block} \
             highest_sent={} outcome={:?} stats={:?}",
            model.highest_sent,
            t.outcome(),
            t.stats()
        );
    }
});

/// `PROVD_FUZZ_TRACE=1 cargo fuzz run tftp_transfer <file>` prints how the
/// transfer ended, to check what an input exercises.
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("PROVD_FUZZ_TRACE").is_some())
}
