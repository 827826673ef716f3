//! A TFTP read client as a sans-IO state machine (RFC 1350, options per
//! RFC 2347: `blksize` 2348, `tsize` 2349, `windowsize` 7440).
//!
//! No sockets, no clock: the I/O loop sends what [`Client::poll_transmit`]
//! gives, feeds every datagram to [`Client::handle`] (which hands back the
//! payload of each in-order DATA block, borrowed from the datagram), and
//! calls [`Client::handle_timeout`] at [`Client::poll_timeout`]. The server
//! answers from a new port (its TID): the first reply from the server's
//! address fixes it, and anything from another port afterwards is a
//! stranger ([`Input::Stranger`], answer [`UNKNOWN_TID`]).
//!
//! Written independently of the server's `tftp::proto`, so the load
//! generator does not share the server's reading of the RFCs.

use std::fmt;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const RRQ: u16 = 1;
const DATA: u16 = 3;
const ACK: u16 = 4;
const ERROR: u16 = 5;
const OACK: u16 = 6;

/// The reply to a datagram from an unknown port (RFC 1350 error 5).
pub const UNKNOWN_TID: &[u8] = b"\x00\x05\x00\x05unknown transfer ID\x00";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Asked when not 512.
    pub blksize: u16,
    /// Asked when above 1.
    pub windowsize: u16,
    /// Ask the file size (`tsize 0`) and check the received length against it.
    pub tsize: bool,
    /// Silence after which the last datagram is sent again.
    pub timeout: Duration,
    /// Retransmissions before giving up.
    pub retries: u32,
}

impl Default for Options {
    fn default() -> Self {
        Options { blksize: 512, windowsize: 1, tsize: false, timeout: Duration::from_secs(1), retries: 5 }
    }
}

/// Why a transfer failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The server sent ERROR `code`.
    Remote { code: u16, message: String },
    /// Nothing usable heard after every retransmission.
    Timeout,
    /// The server broke the protocol (bad OACK, oversized block, size
    /// other than announced...).
    Protocol(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Remote { code, message } => write!(f, "TFTP error {code}: {message}"),
            Error::Timeout => f.write_str("timed out"),
            Error::Protocol(m) => write!(f, "protocol error: {m}"),
        }
    }
}

/// A finished transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub bytes: u64,
    pub blocks: u64,
    pub blksize: u16,
    pub windowsize: u16,
    /// Datagrams sent again after a silence.
    pub retransmits: u32,
}

/// What a datagram was to the transfer.
#[derive(Debug, PartialEq, Eq)]
pub enum Input<'d> {
    /// The next block's bytes, in file order.
    Data(&'d [u8]),
    /// From another port than the server's TID: answer [`UNKNOWN_TID`].
    Stranger,
    /// Nothing to deliver (OACK, duplicate, error, malformed...).
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Requested,
    Receiving,
    Finished,
}

pub struct Client {
    server: SocketAddr,
    peer: Option<SocketAddr>,
    state: State,
    asked: Options,
    blksize: u16,
    windowsize: u16,
    tsize: Option<u64>,
    /// The datagram to (re)send and whether it is still to be polled.
    out: Vec<u8>,
    pending: bool,
    last_block: u16,
    blocks: u64,
    bytes: u64,
    since_ack: u16,
    /// An ACK for a gap was sent; no more until the next in-order block.
    nak_sent: bool,
    deadline: Instant,
    retries_left: u32,
    retransmits: u32,
    outcome: Option<Result<Done, Error>>,
}

fn word(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// The NUL-terminated strings of an OACK or ERROR body.
fn cstrings(b: &[u8]) -> impl Iterator<Item = &[u8]> {
    let b = b.strip_suffix(&[0]).unwrap_or(b);
    b.split(|&c| c == 0).filter(|s| !s.is_empty())
}

impl Client {
    /// A read of `filename` from `server` (the listening port); the RRQ is
    /// ready in [`Client::poll_transmit`].
    pub fn new(server: SocketAddr, filename: &str, asked: Options, now: Instant) -> Client {
        let mut out = Vec::with_capacity(filename.len() + 64);
        out.extend_from_slice(&RRQ.to_be_bytes());
        for s in [filename, "octet"] {
            out.extend_from_slice(s.as_bytes());
            out.push(0);
        }
        let mut push = |name: &str, value: u64| {
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            out.extend_from_slice(value.to_string().as_bytes());
            out.push(0);
        };
        if asked.blksize != 512 {
            push("blksize", u64::from(asked.blksize));
        }
        if asked.windowsize > 1 {
            push("windowsize", u64::from(asked.windowsize));
        }
        if asked.tsize {
            push("tsize", 0);
        }
        Client {
            server,
            peer: None,
            state: State::Requested,
            asked,
            blksize: 512,
            windowsize: 1,
            tsize: None,
            out,
            pending: true,
            last_block: 0,
            blocks: 0,
            bytes: 0,
            since_ack: 0,
            nak_sent: false,
            deadline: now + asked.timeout,
            retries_left: asked.retries,
            retransmits: 0,
            outcome: None,
        }
    }

    /// The datagram to send now and where, once per datagram.
    pub fn poll_transmit(&mut self) -> Option<(SocketAddr, &[u8])> {
        if !self.pending {
            return None;
        }
        self.pending = false;
        Some((self.peer.unwrap_or(self.server), &self.out))
    }

    /// When to call [`Client::handle_timeout`]; `None` once finished.
    pub fn poll_timeout(&self) -> Option<Instant> {
        (self.state != State::Finished).then_some(self.deadline)
    }

    pub fn is_finished(&self) -> bool {
        self.state == State::Finished
    }

    /// The result, once finished.
    pub fn outcome(&self) -> Option<&Result<Done, Error>> {
        self.outcome.as_ref()
    }

    /// The size the server announced (`tsize`), if any.
    pub fn announced_size(&self) -> Option<u64> {
        self.tsize
    }

    fn queue_ack(&mut self, block: u16) {
        self.out.clear();
        self.out.extend_from_slice(&ACK.to_be_bytes());
        self.out.extend_from_slice(&block.to_be_bytes());
        self.pending = true;
    }

    fn fail(&mut self, e: Error) {
        self.state = State::Finished;
        self.outcome = Some(Err(e));
    }

    /// Fails with a protocol error and tells the server why (ERROR `code`).
    fn abort(&mut self, code: u16, why: String) {
        self.out.clear();
        self.out.extend_from_slice(&ERROR.to_be_bytes());
        self.out.extend_from_slice(&code.to_be_bytes());
        self.out.extend_from_slice(why.as_bytes());
        self.out.push(0);
        self.pending = true;
        self.fail(Error::Protocol(why));
    }

    /// Silence until `now`: send the last datagram again, or give up.
    pub fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Finished || now < self.deadline {
            return;
        }
        if self.retries_left == 0 {
            self.fail(Error::Timeout);
            return;
        }
        self.retries_left -= 1;
        self.retransmits += 1;
        if self.state == State::Receiving {
            // Whatever was last sent, tell the server where we are.
            self.queue_ack(self.last_block);
            self.since_ack = 0;
        } else {
            self.pending = true;
        }
        self.deadline = now + self.asked.timeout;
    }

    /// A datagram from `from`.
    pub fn handle<'d>(&mut self, now: Instant, from: SocketAddr, datagram: &'d [u8]) -> Input<'d> {
        if self.state == State::Finished {
            return Input::None;
        }
        match self.peer {
            Some(peer) if peer != from => return Input::Stranger,
            Some(_) => {}
            // The first answer comes from the server's address, any port.
            None if from.ip() == self.server.ip() => {}
            None => return Input::Stranger,
        }
        let Some(op) = word(datagram, 0) else { return Input::None };
        let heard = |c: &mut Client| {
            c.peer = Some(from);
            c.deadline = now + c.asked.timeout;
            c.retries_left = c.asked.retries;
        };
        match op {
            ERROR => {
                heard(self);
                let code = word(datagram, 2).unwrap_or(0);
                let message = cstrings(datagram.get(4..).unwrap_or_default())
                    .next()
                    .map(|m| String::from_utf8_lossy(m).into_owned())
                    .unwrap_or_default();
                self.fail(Error::Remote { code, message });
                Input::None
            }
            OACK if self.state == State::Requested => {
                heard(self);
                self.handle_oack(datagram.get(2..).unwrap_or_default());
                Input::None
            }
            DATA => {
                let Some(block) = word(datagram, 2) else { return Input::None };
                if self.state == State::Requested {
                    if block != 1 {
                        return Input::None;
                    }
                    // The server ignored our options: RFC 1350 defaults.
                    self.state = State::Receiving;
                }
                heard(self);
                self.handle_data(block, &datagram[4..])
            }
            _ => Input::None,
        }
    }

    fn handle_oack(&mut self, body: &[u8]) {
        let mut parts = cstrings(body);
        while let Some(name) = parts.next() {
            let value = parts.next().and_then(|v| std::str::from_utf8(v).ok()).and_then(|v| v.parse::<u64>().ok());
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            match (name.as_str(), value) {
                ("blksize", Some(v))
                    if (8..=u64::from(self.asked.blksize)).contains(&v) && self.asked.blksize != 512 =>
                {
                    self.blksize = v as u16;
                }
                ("windowsize", Some(v)) if (1..=u64::from(self.asked.windowsize)).contains(&v) => {
                    self.windowsize = v as u16;
                }
                ("tsize", Some(v)) if self.asked.tsize => self.tsize = Some(v),
                _ => {
                    self.abort(8, format!("unexpected OACK option {name} {value:?}"));
                    return;
                }
            }
        }
        self.state = State::Receiving;
        self.queue_ack(0);
    }

    fn handle_data<'d>(&mut self, block: u16, payload: &'d [u8]) -> Input<'d> {
        if block != self.last_block.wrapping_add(1) {
            // A duplicate or a gap: acknowledge the last block in order, once,
            // so the server resumes from there (RFC 7440 §4).
            if !self.nak_sent {
                self.queue_ack(self.last_block);
                self.nak_sent = true;
                self.since_ack = 0;
            }
            return Input::None;
        }
        if payload.len() > usize::from(self.blksize) {
            self.abort(4, format!("block {block} has {} bytes, blksize is {}", payload.len(), self.blksize));
            return Input::None;
        }
        self.last_block = block;
        self.blocks += 1;
        self.bytes += payload.len() as u64;
        self.since_ack += 1;
        self.nak_sent = false;
        if payload.len() < usize::from(self.blksize) {
            self.queue_ack(block);
            self.state = State::Finished;
            if let Some(size) = self.tsize.filter(|&s| s != self.bytes) {
                self.outcome = Some(Err(Error::Protocol(format!("received {} bytes, tsize said {size}", self.bytes))));
            } else {
                self.outcome = Some(Ok(Done {
                    bytes: self.bytes,
                    blocks: self.blocks,
                    blksize: self.blksize,
                    windowsize: self.windowsize,
                    retransmits: self.retransmits,
                }));
            }
        } else if self.since_ack >= self.windowsize {
            self.queue_ack(block);
            self.since_ack = 0;
        }
        Input::Data(payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERVER: &str = "127.0.0.1:69";
    const TID: &str = "127.0.0.1:40000";

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    fn data(block: u16, payload: &[u8]) -> Vec<u8> {
        let mut d = vec![0, 3];
        d.extend_from_slice(&block.to_be_bytes());
        d.extend_from_slice(payload);
        d
    }

    fn oack(pairs: &[(&str, &str)]) -> Vec<u8> {
        let mut d = vec![0, 6];
        for (n, v) in pairs {
            d.extend_from_slice(n.as_bytes());
            d.push(0);
            d.extend_from_slice(v.as_bytes());
            d.push(0);
        }
        d
    }

    fn ack(block: u16) -> Vec<u8> {
        let mut d = vec![0, 4];
        d.extend_from_slice(&block.to_be_bytes());
        d
    }

    fn sent(c: &mut Client) -> Option<(SocketAddr, Vec<u8>)> {
        c.poll_transmit().map(|(a, d)| (a, d.to_vec()))
    }

    /// Feeds `payload` as DATA blocks of `blksize` from the TID, checking
    /// what comes back; returns every byte delivered.
    fn feed(c: &mut Client, now: Instant, content: &[u8], blksize: usize, first_block: u16) -> Vec<u8> {
        let mut got = Vec::new();
        let mut block = first_block;
        for chunk in
            content.chunks(blksize).chain(if content.len().is_multiple_of(blksize) { Some(&[][..]) } else { None })
        {
            let d = data(block, chunk);
            match c.handle(now, addr(TID), &d) {
                Input::Data(p) => got.extend_from_slice(p),
                other => panic!("block {block}: {other:?}"),
            }
            block = block.wrapping_add(1);
        }
        got
    }

    #[test]
    fn plain_rfc1350_transfer() {
        let now = Instant::now();
        let mut c = Client::new(addr(SERVER), "SEP001E4A010203.cnf.xml", Options::default(), now);
        assert_eq!(sent(&mut c), Some((addr(SERVER), b"\x00\x01SEP001E4A010203.cnf.xml\x00octet\x00".to_vec())));
        assert_eq!(sent(&mut c), None);
        let content: Vec<u8> = (0..612u32).map(|i| i as u8).collect();
        assert_eq!(c.handle(now, addr(TID), &data(1, &content[..512])), Input::Data(&content[..512]));
        assert_eq!(sent(&mut c), Some((addr(TID), ack(1))));
        assert!(!c.is_finished());
        assert_eq!(c.handle(now, addr(TID), &data(2, &content[512..])), Input::Data(&content[512..]));
        assert_eq!(sent(&mut c), Some((addr(TID), ack(2))));
        assert!(c.is_finished());
        let done = c.outcome().unwrap().clone().unwrap();
        assert_eq!((done.bytes, done.blocks, done.blksize, done.windowsize), (612, 2, 512, 1));
        assert_eq!(c.poll_timeout(), None);
    }

    #[test]
    fn exact_multiple_ends_with_an_empty_block() {
        let now = Instant::now();
        let mut c = Client::new(addr(SERVER), "f", Options::default(), now);
        sent(&mut c);
        let content = vec![7u8; 1024];
        assert_eq!(feed(&mut c, now, &content, 512, 1), content);
        assert!(matches!(c.outcome(), Some(Ok(Done { bytes: 1024, blocks: 3, .. }))));
    }

    #[test]
    fn options_window_and_tsize() {
        let now = Instant::now();
        let opts = Options { blksize: 1428, windowsize: 4, tsize: true, ..Options::default() };
        let mut c = Client::new(addr(SERVER), "805ec0010203.cfg", opts, now);
        let (_, rrq) = sent(&mut c).unwrap();
        assert_eq!(rrq, b"\x00\x01805ec0010203.cfg\x00octet\x00blksize\x001428\x00windowsize\x004\x00tsize\x000\x00");
        let content: Vec<u8> = (0..6000u32).map(|i| (i * 7) as u8).collect();
        c.handle(now, addr(TID), &oack(&[("blksize", "1428"), ("windowsize", "4"), ("tsize", "6000")]));
        assert_eq!(c.announced_size(), Some(6000));
        assert_eq!(sent(&mut c), Some((addr(TID), ack(0))));
        let mut got = Vec::new();
        for (i, chunk) in content.chunks(1428).enumerate() {
            let block = i as u16 + 1;
            let d = data(block, chunk);
            let Input::Data(p) = c.handle(now, addr(TID), &d) else { panic!() };
            got.extend_from_slice(p);
            // One ACK per window of 4, and one for the last block.
            let expect = if block == 4 || block == 5 { Some((addr(TID), ack(block))) } else { None };
            assert_eq!(sent(&mut c), expect, "after block {block}");
        }
        assert_eq!(got, content);
        assert!(matches!(c.outcome(), Some(Ok(Done { bytes: 6000, blksize: 1428, windowsize: 4, .. }))));
    }

    #[test]
    fn a_gap_in_the_window_is_acknowledged_once() {
        let now = Instant::now();
        let opts = Options { windowsize: 4, ..Options::default() };
        let mut c = Client::new(addr(SERVER), "f", opts, now);
        sent(&mut c);
        c.handle(now, addr(TID), &oack(&[("windowsize", "4")]));
        assert_eq!(sent(&mut c).unwrap().1, ack(0));
        let block = vec![1u8; 512];
        assert!(matches!(c.handle(now, addr(TID), &data(1, &block)), Input::Data(_)));
        assert!(matches!(c.handle(now, addr(TID), &data(2, &block)), Input::Data(_)));
        // Block 3 lost: 4 and 5 arrive.
        assert_eq!(c.handle(now, addr(TID), &data(4, &block)), Input::None);
        assert_eq!(sent(&mut c).unwrap().1, ack(2));
        assert_eq!(c.handle(now, addr(TID), &data(5, &block)), Input::None);
        assert_eq!(sent(&mut c), None, "one ACK per gap");
        // The server resumes at 3.
        for b in 3..=6 {
            assert!(matches!(c.handle(now, addr(TID), &data(b, &block)), Input::Data(_)));
        }
        assert_eq!(sent(&mut c).unwrap().1, ack(6));
        assert!(matches!(c.handle(now, addr(TID), &data(7, b"end")), Input::Data(b"end")));
        assert!(matches!(c.outcome(), Some(Ok(Done { bytes: 3075, .. }))));
    }

    #[test]
    fn duplicate_data_is_acknowledged_not_delivered() {
        let now = Instant::now();
        let mut c = Client::new(addr(SERVER), "f", Options::default(), now);
        sent(&mut c);
        let block = vec![1u8; 512];
        assert!(matches!(c.handle(now, addr(TID), &data(1, &block)), Input::Data(_)));
        assert_eq!(sent(&mut c).unwrap().1, ack(1));
        // Our ACK was lost: the server sends block 1 again.
        assert_eq!(c.handle(now, addr(TID), &data(1, &block)), Input::None);
        assert_eq!(sent(&mut c).unwrap().1, ack(1));
    }

    #[test]
    fn server_ignoring_options_falls_back_to_defaults() {
        let now = Instant::now();
        let opts = Options { blksize: 1428, windowsize: 8, tsize: true, ..Options::default() };
        let mut c = Client::new(addr(SERVER), "f", opts, now);
        sent(&mut c);
        let content = vec![3u8; 700];
        assert_eq!(feed(&mut c, now, &content, 512, 1), content);
        assert!(matches!(c.outcome(), Some(Ok(Done { blksize: 512, windowsize: 1, blocks: 2, .. }))));
    }

    #[test]
    fn silence_retransmits_then_times_out() {
        let t0 = Instant::now();
        let opts = Options { timeout: Duration::from_millis(100), retries: 2, ..Options::default() };
        let mut c = Client::new(addr(SERVER), "f", opts, t0);
        let (_, rrq) = sent(&mut c).unwrap();
        c.handle_timeout(t0 + Duration::from_millis(50));
        assert_eq!(sent(&mut c), None, "not yet");
        let mut t = t0;
        for _ in 0..2 {
            t = c.poll_timeout().unwrap();
            c.handle_timeout(t);
            assert_eq!(sent(&mut c), Some((addr(SERVER), rrq.clone())));
        }
        c.handle_timeout(c.poll_timeout().unwrap());
        assert!(c.is_finished());
        assert_eq!(c.outcome(), Some(&Err(Error::Timeout)));
        assert!(t > t0);
    }

    #[test]
    fn silence_mid_transfer_reacknowledges_the_last_block() {
        let t0 = Instant::now();
        let opts = Options { windowsize: 4, timeout: Duration::from_millis(100), ..Options::default() };
        let mut c = Client::new(addr(SERVER), "f", opts, t0);
        sent(&mut c);
        c.handle(t0, addr(TID), &oack(&[("windowsize", "4")]));
        sent(&mut c);
        c.handle(t0, addr(TID), &data(1, &[0; 512]));
        assert_eq!(sent(&mut c), None);
        c.handle_timeout(t0 + Duration::from_millis(100));
        assert_eq!(sent(&mut c), Some((addr(TID), ack(1))));
        // Hearing from the server again restores the retry budget.
        c.handle(t0, addr(TID), &data(2, &[0; 10]));
        assert!(matches!(c.outcome(), Some(Ok(Done { retransmits: 1, .. }))));
    }

    #[test]
    fn server_error_fails_with_its_code() {
        let now = Instant::now();
        let mut c = Client::new(addr(SERVER), "y000000000066.cfg", Options::default(), now);
        sent(&mut c);
        c.handle(now, addr(TID), b"\x00\x05\x00\x01File not found\x00");
        assert_eq!(c.outcome(), Some(&Err(Error::Remote { code: 1, message: "File not found".into() })));
        assert_eq!(c.outcome().unwrap().clone().unwrap_err().to_string(), "TFTP error 1: File not found");
    }

    #[test]
    fn strangers_are_told_off_and_ignored() {
        let now = Instant::now();
        let mut c = Client::new(addr(SERVER), "f", Options::default(), now);
        sent(&mut c);
        // Before the TID is known: only the server's address counts.
        assert_eq!(c.handle(now, addr("127.0.0.9:40000"), &data(1, b"x")), Input::Stranger);
        assert!(matches!(c.handle(now, addr(TID), &data(1, &[0; 512])), Input::Data(_)));
        sent(&mut c);
        assert_eq!(c.handle(now, addr("127.0.0.1:40001"), &data(2, b"x")), Input::Stranger);
        assert_eq!(sent(&mut c), None);
        assert!(matches!(c.handle(now, addr(TID), &data(2, b"end")), Input::Data(b"end")));
        assert!(c.is_finished());
    }

    #[test]
    fn bad_oack_and_oversized_blocks_abort() {
        let now = Instant::now();
        let opts = Options { blksize: 1024, ..Options::default() };
        let mut c = Client::new(addr(SERVER), "f", opts, now);
        sent(&mut c);
        c.handle(now, addr(TID), &oack(&[("blksize", "2048")]));
        let (_, err) = sent(&mut c).unwrap();
        assert_eq!(&err[..4], b"\x00\x05\x00\x08");
        assert!(matches!(c.outcome(), Some(Err(Error::Protocol(_)))));

        let mut c = Client::new(addr(SERVER), "f", Options::default(), now);
        sent(&mut c);
        assert_eq!(c.handle(now, addr(TID), &data(1, &[0; 600])), Input::None);
        assert!(matches!(c.outcome(), Some(Err(Error::Protocol(_)))));

        let mut c = Client::new(addr(SERVER), "f", Options::default(), now);
        sent(&mut c);
        assert_eq!(c.handle(now, addr(TID), &oack(&[("tsize", "5")])), Input::None);
        assert!(matches!(c.outcome(), Some(Err(Error::Protocol(_)))), "an option we did not ask");
    }

    #[test]
    fn tsize_mismatch_is_an_error() {
        let now = Instant::now();
        let mut c = Client::new(addr(SERVER), "f", Options { tsize: true, ..Options::default() }, now);
        sent(&mut c);
        c.handle(now, addr(TID), &oack(&[("tsize", "100")]));
        sent(&mut c);
        c.handle(now, addr(TID), &data(1, &[0; 99]));
        assert!(matches!(c.outcome(), Some(Err(Error::Protocol(m))) if m.contains("tsize")));
    }

    #[test]
    fn block_numbers_roll_over() {
        let now = Instant::now();
        let opts = Options { blksize: 8, ..Options::default() };
        let mut c = Client::new(addr(SERVER), "f", opts, now);
        sent(&mut c);
        c.handle(now, addr(TID), &oack(&[("blksize", "8")]));
        assert_eq!(sent(&mut c).unwrap().1, ack(0));
        let content: Vec<u8> = (0..70_000u32 * 8 + 3).map(|i| (i % 251) as u8).collect();
        let got = feed(&mut c, now, &content, 8, 1);
        assert_eq!(got.len(), content.len());
        assert!(got == content);
        assert!(matches!(c.outcome(), Some(Ok(Done { blocks: 70_001, .. }))));
    }

    #[test]
    fn acks_and_requests_from_the_server_are_ignored() {
        let now = Instant::now();
        let mut c = Client::new(addr(SERVER), "f", Options::default(), now);
        sent(&mut c);
        assert_eq!(c.handle(now, addr(TID), &ack(1)), Input::None);
        assert_eq!(c.handle(now, addr(TID), b"\x00"), Input::None);
        assert_eq!(c.handle(now, addr(TID), &data(2, b"x")), Input::None, "DATA 2 before DATA 1");
        assert!(!c.is_finished());
    }
}
