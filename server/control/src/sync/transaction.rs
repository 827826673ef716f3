//! The non-INVITE client transaction of RFC 3261 §17.1.2, sans-IO: it takes
//! time and responses and says when to (re)transmit and how it ended.
//!
//! ```text
//!            start: transmit, E = T1, F = Timer F
//!   Trying  ── E fires: retransmit, E = min(2E, T2) ──┐
//!     │ 1xx                                           │ F fires: no answer
//!     v                                               v
//!   Proceeding ── E fires: retransmit, E = T2     Terminated
//!     │ 200-699 (from Trying as well)                 ^
//!     └───────────────────────────────────────────────┘  answered
//! ```
//!
//! Over UDP the RFC keeps a Completed state for T4 to absorb retransmitted
//! final responses; here the transaction ends at the first final response
//! and its owner drops it, so later copies arrive as stray responses and
//! are ignored there (same effect, one state less).

use std::time::{Duration, Instant};

use super::sip::Response;

/// The transaction timers. Configurable so tests can run quickly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// RTT estimate: the first retransmission interval (RFC: 500 ms).
    pub t1: Duration,
    /// The longest retransmission interval (RFC: 4 s).
    pub t2: Duration,
    /// How long to wait for a final response in all (RFC: 64 × T1 = 32 s).
    pub timer_f: Duration,
}

impl Default for Timers {
    fn default() -> Self {
        Timers::from_t1(Duration::from_millis(500))
    }
}

impl Timers {
    /// The RFC's ratios around `t1`: T2 = 8 × T1, Timer F = 64 × T1.
    pub fn from_t1(t1: Duration) -> Timers {
        Timers { t1, t2: t1 * 8, timer_f: t1 * 64 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Trying,
    Proceeding,
    Terminated,
}

/// How a transaction ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// A final response (200-699).
    Final { code: u16, reason: String },
    /// Timer F fired.
    Timeout,
    /// The transport failed (the owner says how).
    TransportError(String),
}

/// One NOTIFY's client transaction.
#[derive(Debug)]
pub(crate) struct ClientTransaction {
    request: Vec<u8>,
    branch: String,
    call_id: String,
    cseq: u32,
    method: &'static str,
    timers: Timers,
    state: State,
    timer_e: Instant,
    interval_e: Duration,
    timer_f: Instant,
    transmit: bool,
    retransmits: u32,
    provisional: Option<u16>,
    ending: Option<Ending>,
}

impl ClientTransaction {
    /// A transaction for `request` (whose top Via carries `branch`), started
    /// at `now`: the first transmission is pending ([`Self::poll_transmit`]).
    pub(crate) fn new(
        request: Vec<u8>,
        branch: String,
        call_id: String,
        cseq: u32,
        timers: Timers,
        now: Instant,
    ) -> Self {
        let t1 = timers.t1.max(Duration::from_millis(1));
        ClientTransaction {
            request,
            branch,
            call_id,
            cseq,
            method: "NOTIFY",
            timers: Timers { t1, t2: timers.t2.max(t1), timer_f: timers.timer_f },
            state: State::Trying,
            timer_e: now + t1,
            interval_e: t1,
            timer_f: now + timers.timer_f,
            transmit: true,
            retransmits: 0,
            provisional: None,
            ending: None,
        }
    }

    /// Where it is: trying, proceeding or ended.
    #[cfg(test)]
    fn state(&self) -> State {
        self.state
    }

    /// How many times the request was sent again after the first time.
    pub(crate) fn retransmits(&self) -> u32 {
        self.retransmits
    }

    /// The last provisional response code seen, if any.
    #[cfg(test)]
    fn provisional(&self) -> Option<u16> {
        self.provisional
    }

    pub(crate) fn ending(&self) -> Option<&Ending> {
        self.ending.as_ref()
    }

    /// The bytes to send now, once per (re)transmission due.
    pub(crate) fn poll_transmit(&mut self) -> Option<&[u8]> {
        if std::mem::take(&mut self.transmit) && self.state != State::Terminated { Some(&self.request) } else { None }
    }

    /// When [`Self::handle_timeout`] must be called next; `None` once ended.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            State::Trying | State::Proceeding => Some(self.timer_e.min(self.timer_f)),
            State::Terminated => None,
        }
    }

    /// Fires the timers due at `now`. Timer F wins over a Timer E due at the
    /// same time. A late call sends one retransmission, not one per missed
    /// interval, and the schedule goes on from the missed fire time.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.state == State::Terminated {
            return;
        }
        if now >= self.timer_f {
            self.end(Ending::Timeout);
            return;
        }
        if now >= self.timer_e {
            self.transmit = true;
            self.retransmits += 1;
            self.interval_e = match self.state {
                State::Trying => (self.interval_e * 2).min(self.timers.t2),
                _ => self.timers.t2,
            };
            self.timer_e += self.interval_e;
            while self.timer_e <= now {
                self.timer_e += self.interval_e;
            }
        }
    }

    /// Whether `response` belongs to this transaction (RFC 3261 §17.1.3: top
    /// Via branch and CSeq method; the Call-ID and CSeq number as well).
    pub(crate) fn matches(&self, response: &Response<'_>) -> bool {
        response.branch == Some(self.branch.as_str())
            && response.cseq == Some((self.cseq, self.method))
            && response.call_id == Some(self.call_id.as_str())
    }

    /// Takes a response; `false` (and nothing changes) when it is not this
    /// transaction's.
    pub(crate) fn handle_response(&mut self, response: &Response<'_>) -> bool {
        if !self.matches(response) {
            return false;
        }
        match (self.state, response.code) {
            (State::Terminated, _) => {}
            (_, 100..=199) => {
                // Trying → Proceeding: retransmissions go on, every T2 from
                // the next Timer E.
                self.state = State::Proceeding;
                self.provisional = Some(response.code);
            }
            (_, 200..=699) => {
                self.end(Ending::Final { code: response.code, reason: response.reason.to_owned() });
            }
            _ => return false,
        }
        true
    }

    /// Ends the transaction on a transport error.
    pub(crate) fn fail(&mut self, error: String) {
        if self.state != State::Terminated {
            self.end(Ending::TransportError(error));
        }
    }

    fn end(&mut self, ending: Ending) {
        self.state = State::Terminated;
        self.transmit = false;
        self.ending = Some(ending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn tx(now: Instant) -> ClientTransaction {
        ClientTransaction::new(b"NOTIFY".to_vec(), "z9hG4bKb".into(), "cid".into(), 1, Timers::default(), now)
    }

    fn response(code: u16) -> Response<'static> {
        Response { code, reason: "R", branch: Some("z9hG4bKb"), call_id: Some("cid"), cseq: Some((1, "NOTIFY")) }
    }

    /// Runs the transaction on fake time, returning when each (re)transmission
    /// happened (ms after the start) and the end time.
    fn run(t: &mut ClientTransaction, t0: Instant, events: &[(u64, u16)]) -> (Vec<u64>, u64) {
        let mut sent = Vec::new();
        let mut events = events.iter().peekable();
        let mut now = t0;
        loop {
            if t.poll_transmit().is_some() {
                sent.push((now - t0).as_millis() as u64);
            }
            let Some(wake) = t.poll_timeout() else { break };
            if let Some(&&(at, code)) = events.peek()
                && t0 + Duration::from_millis(at) <= wake
            {
                events.next();
                now = t0 + Duration::from_millis(at);
                assert!(t.handle_response(&response(code)));
                continue;
            }
            now = wake;
            t.handle_timeout(now);
        }
        (sent, (now - t0).as_millis() as u64)
    }

    #[test]
    fn sync_transaction_retransmit_schedule_and_timeout() {
        let t0 = Instant::now();
        let mut t = tx(t0);
        let (sent, end) = run(&mut t, t0, &[]);
        // 0.5, 1, 2, 4, 4, ... s intervals, up to Timer F = 32 s.
        assert_eq!(sent, [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
        assert_eq!(end, 32000);
        assert_eq!(t.retransmits(), 10);
        assert_eq!(t.ending(), Some(&Ending::Timeout));
        assert_eq!(t.state(), State::Terminated);
        assert_eq!(t.poll_timeout(), None);
        assert!(t.poll_transmit().is_none());
    }

    #[test]
    fn sync_transaction_scaled_timers() {
        let t0 = Instant::now();
        let mut t = ClientTransaction::new(vec![1], "z9hG4bKb".into(), "cid".into(), 1, Timers::from_t1(20 * MS), t0);
        let (sent, end) = run(&mut t, t0, &[]);
        assert_eq!(sent, [0, 20, 60, 140, 300, 460, 620, 780, 940, 1100, 1260]);
        assert_eq!(end, 1280);
    }

    #[test]
    fn sync_transaction_final_response() {
        let t0 = Instant::now();
        let mut t = tx(t0);
        let (sent, end) = run(&mut t, t0, &[(700, 200)]);
        assert_eq!(sent, [0, 500]);
        assert_eq!(end, 700);
        assert_eq!(t.ending(), Some(&Ending::Final { code: 200, reason: "R".into() }));
        assert_eq!(t.retransmits(), 1);
        // Retransmitted finals are absorbed, nothing changes.
        assert!(t.handle_response(&response(200)));
        assert!(t.handle_response(&response(500)));
        assert_eq!(t.ending(), Some(&Ending::Final { code: 200, reason: "R".into() }));
        // An error response ends it just the same.
        let mut t = tx(t0);
        let (sent, end) = run(&mut t, t0, &[(10, 489)]);
        assert_eq!((sent, end), (vec![0], 10));
        assert_eq!(t.ending(), Some(&Ending::Final { code: 489, reason: "R".into() }));
    }

    #[test]
    fn sync_transaction_provisional_slows_retransmissions() {
        let t0 = Instant::now();
        let mut t = tx(t0);
        // 100 Trying at 0.6 s: the pending E (1.5 s) fires, then every T2.
        let (sent, end) = run(&mut t, t0, &[(600, 100), (9000, 180), (10000, 202)]);
        assert_eq!(sent, [0, 500, 1500, 5500, 9500]);
        assert_eq!(end, 10000);
        assert_eq!(t.provisional(), Some(180));
        assert_eq!(t.ending(), Some(&Ending::Final { code: 202, reason: "R".into() }));
        // Provisional then silence: Timer F still ends it.
        let mut t = tx(t0);
        let (sent, end) = run(&mut t, t0, &[(100, 100)]);
        assert_eq!(sent, [0, 500, 4500, 8500, 12500, 16500, 20500, 24500, 28500]);
        assert_eq!(end, 32000);
        assert_eq!(t.ending(), Some(&Ending::Timeout));
    }

    #[test]
    fn sync_transaction_ignores_stray_responses() {
        let t0 = Instant::now();
        let mut t = tx(t0);
        let good = response(200);
        for stray in [
            Response { branch: Some("z9hG4bKother"), ..good.clone() },
            Response { branch: None, ..good.clone() },
            Response { call_id: Some("other"), ..good.clone() },
            Response { call_id: None, ..good.clone() },
            Response { cseq: Some((2, "NOTIFY")), ..good.clone() },
            Response { cseq: Some((1, "INVITE")), ..good.clone() },
            Response { cseq: Some((1, "notify")), ..good.clone() },
            Response { cseq: None, ..good.clone() },
        ] {
            assert!(!t.handle_response(&stray), "{stray:?}");
        }
        assert_eq!(t.state(), State::Trying);
        assert!(t.handle_response(&good));
        assert_eq!(t.state(), State::Terminated);
    }

    #[test]
    fn sync_transaction_late_wakeup_coalesces() {
        let t0 = Instant::now();
        let mut t = tx(t0);
        assert!(t.poll_transmit().is_some());
        // Woken 4 s late: one retransmission, schedule continues after now.
        t.handle_timeout(t0 + 4000 * MS);
        assert!(t.poll_transmit().is_some());
        assert!(t.poll_transmit().is_none());
        assert_eq!(t.retransmits(), 1);
        assert_eq!(t.poll_timeout(), Some(t0 + 4500 * MS));
        // Early calls change nothing.
        t.handle_timeout(t0 + 4100 * MS);
        assert!(t.poll_transmit().is_none());
        // Woken after Timer F: timeout, no retransmission.
        t.handle_timeout(t0 + 40_000 * MS);
        assert!(t.poll_transmit().is_none());
        assert_eq!(t.ending(), Some(&Ending::Timeout));
        let mut t = tx(t0);
        t.fail("boom".into());
        assert_eq!(t.ending(), Some(&Ending::TransportError("boom".into())));
        assert!(t.poll_transmit().is_none());
    }
}
