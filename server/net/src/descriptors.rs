//! The process's descriptor budget, and what the listeners do when
//! descriptors run out.
//!
//! Every HTTP connection, TFTP transfer (its own UDP socket: a new TID) and
//! REST connection is a descriptor, and so are the store, the logs, the
//! plugin files a compile reads and the synchronize sockets. Unauthenticated
//! traffic must never take them all: once `accept` or `socket` fails with
//! EMFILE, nothing works, the REST API included. So the budget is set once,
//! from `RLIMIT_NOFILE`, and split:
//!
//! - a **reserve** for everything that is not a phone or an API client;
//! - the **API**'s connection cap;
//! - **HTTP connections** and **TFTP transfers**, half the rest each, each
//!   with a cap per source address (one host cannot take a pool) and, for
//!   TFTP, a cap on transfers whose peer has not yet answered (a spoofed
//!   RRQ never does, and holds its socket until the transfer times out).
//!
//! [`Pool::take`] hands out a [`Slot`] that gives its place back on drop.
//! [`AcceptErrors`] turns a burst of failed accepts into one log line, a
//! counter and a growing pause instead of a busy loop.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::metrics::{Text, WriteMetrics};

/// How the descriptors of the process are shared out.
#[derive(Debug)]
pub struct Budget {
    /// `RLIMIT_NOFILE` after raising it to the hard limit.
    pub(crate) limit: u64,
    /// Kept for the store, logs, compiles, synchronize and short-lived use.
    pub(crate) reserve: u64,
    /// Most REST API connections open at once (the API listener keeps its
    /// own count).
    pub api: usize,
    /// HTTP connections: half of what the reserve and the API leave.
    pub http: Arc<Pool>,
    /// TFTP transfers (each its own socket): the other half. What one
    /// address may hold is bounded in `tftp_unanswered`.
    pub tftp: Arc<Pool>,
    /// TFTP transfers whose peer has not answered yet, all addresses.
    pub tftp_unanswered: Arc<Pool>,
    /// Failed accepts (or TFTP transfer sockets), per listener.
    pub accept_errors: AcceptErrorCounts,
}

/// Accepts (or TFTP transfer sockets) that failed, mostly for want of
/// descriptors.
#[derive(Debug, Default)]
pub struct AcceptErrorCounts {
    /// Failed accepts on the HTTP listeners.
    pub http: AtomicU64,
    /// Failed accepts on the REST API listener.
    pub api: AtomicU64,
    /// TFTP transfer sockets that could not be opened.
    pub tftp: AtomicU64,
}

/// What the operator may set; the rest derives from the limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct BudgetOptions {
    /// REST API connections (the default is 64, less under a low limit).
    pub api: Option<usize>,
    /// HTTP connections from one address (default: a quarter of the pool).
    pub http_per_address: Option<usize>,
    /// TFTP transfers not yet answered from one address (default: a
    /// sixteenth of the pool, at least 4).
    pub tftp_unanswered_per_address: Option<usize>,
}

impl Budget {
    /// Splits `limit` descriptors (see the module doc).
    pub fn new(limit: u64, opts: BudgetOptions) -> Budget {
        // Enough for the store and logs, a compile reading templates, a
        // mass synchronize and accept's transient descriptors.
        let reserve = (32 + limit / 16).min(limit / 2);
        let left = limit.saturating_sub(reserve) as usize;
        let api = opts.api.unwrap_or(64).min(left / 8).max(2);
        let phones = left.saturating_sub(api).max(2);
        let http = phones / 2;
        let tftp = phones - http;
        let http_per_address = opts.http_per_address.unwrap_or(http / 4).clamp(1, http.max(1));
        let unanswered = (tftp / 2).max(1);
        let unanswered_per_address =
            opts.tftp_unanswered_per_address.unwrap_or((tftp / 16).max(4)).clamp(1, unanswered);
        Budget {
            limit,
            reserve,
            api,
            http: Arc::new(Pool::new(http, http_per_address)),
            tftp: Arc::new(Pool::new(tftp, tftp)),
            tftp_unanswered: Arc::new(Pool::new(unanswered, unanswered_per_address)),
            accept_errors: AcceptErrorCounts::default(),
        }
    }

    /// One line for the start-up log.
    pub fn describe(&self) -> String {
        format!(
            "{} descriptors: HTTP {} connections ({} per address), TFTP {} transfers ({} unanswered, {} per address), REST API {}, reserve {}",
            self.limit,
            self.http.cap(),
            self.http.per_address(),
            self.tftp.cap(),
            self.tftp_unanswered.cap(),
            self.tftp_unanswered.per_address(),
            self.api,
            self.reserve
        )
    }
}

/// Why a pool refused a place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Every place is taken.
    Full,
    /// This address holds its share.
    PerAddress,
}

/// A bounded number of places, with a bound per source address.
#[derive(Debug)]
pub struct Pool {
    cap: usize,
    per_address: usize,
    in_use: AtomicUsize,
    by_address: [Mutex<HashMap<IpAddr, u32>>; SHARDS],
    /// Places refused because every one was taken, or the address held
    /// its share.
    refused_full: AtomicU64,
    refused_per_address: AtomicU64,
}

const SHARDS: usize = 16;

impl Pool {
    pub(crate) fn new(cap: usize, per_address: usize) -> Pool {
        Pool {
            cap,
            per_address: per_address.min(cap),
            in_use: AtomicUsize::new(0),
            by_address: std::array::from_fn(|_| Mutex::new(HashMap::new())),
            refused_full: AtomicU64::new(0),
            refused_per_address: AtomicU64::new(0),
        }
    }

    pub(crate) fn cap(&self) -> usize {
        self.cap
    }

    pub(crate) fn per_address(&self) -> usize {
        self.per_address
    }

    pub(crate) fn in_use(&self) -> usize {
        self.in_use.load(Ordering::Relaxed)
    }

    /// Whether every place is taken.
    pub fn is_full(&self) -> bool {
        self.in_use() >= self.cap
    }

    /// Whether three quarters of the places are taken: time to stop
    /// keeping idle connections around.
    pub fn under_pressure(&self) -> bool {
        self.in_use() * 4 >= self.cap * 3
    }

    fn shard(&self, ip: IpAddr) -> &Mutex<HashMap<IpAddr, u32>> {
        let h = match ip {
            IpAddr::V4(v4) => u32::from(v4) as usize,
            IpAddr::V6(v6) => (u128::from(v6) ^ (u128::from(v6) >> 64)) as usize,
        };
        &self.by_address[(h ^ (h >> 7) ^ (h >> 17)) % SHARDS]
    }

    /// A place for `ip`, given back when the slot drops.
    pub fn take(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refused> {
        if self.in_use.fetch_add(1, Ordering::AcqRel) >= self.cap {
            self.in_use.fetch_sub(1, Ordering::AcqRel);
            self.refused_full.fetch_add(1, Ordering::Relaxed);
            return Err(Refused::Full);
        }
        let mut shard = self.shard(ip).lock().unwrap_or_else(|e| e.into_inner());
        let held = shard.entry(ip).or_insert(0);
        if *held as usize >= self.per_address {
            drop(shard);
            self.in_use.fetch_sub(1, Ordering::AcqRel);
            self.refused_per_address.fetch_add(1, Ordering::Relaxed);
            return Err(Refused::PerAddress);
        }
        *held += 1;
        Ok(Slot { pool: self.clone(), ip })
    }

    fn give_back(&self, ip: IpAddr) {
        let mut shard = self.shard(ip).lock().unwrap_or_else(|e| e.into_inner());
        if let Some(held) = shard.get_mut(&ip) {
            *held -= 1;
            if *held == 0 {
                shard.remove(&ip);
            }
        }
        drop(shard);
        self.in_use.fetch_sub(1, Ordering::AcqRel);
    }

    /// Places refused so far: every one taken, and the address's share taken.
    pub(crate) fn refused(&self) -> (u64, u64) {
        (self.refused_full.load(Ordering::Relaxed), self.refused_per_address.load(Ordering::Relaxed))
    }

    /// Addresses holding at least one place (bounded by the cap).
    #[cfg(test)]
    fn addresses(&self) -> usize {
        self.by_address.iter().map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).len()).sum()
    }
}

/// A place in a [`Pool`], held for a connection's or transfer's life.
#[derive(Debug)]
pub struct Slot {
    pool: Arc<Pool>,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.pool.give_back(self.ip);
    }
}

/// Failed accepts (or socket creations) of one listener: a pause that
/// doubles up to a second while they fail, one log line when a burst
/// starts and one when it ends, every failure counted.
pub struct AcceptErrors<'c> {
    what: &'static str,
    counter: &'c AtomicU64,
    in_burst: u64,
    pause: Duration,
}

impl<'c> AcceptErrors<'c> {
    const FIRST_PAUSE: Duration = Duration::from_millis(10);
    const MAX_PAUSE: Duration = Duration::from_secs(1);

    /// For the listener `what` names in its log lines (`"accept on the HTTP
    /// listener"`), counting every failure in `counter` (one of
    /// [`Budget::accept_errors`]).
    pub fn new(what: &'static str, counter: &'c AtomicU64) -> Self {
        AcceptErrors { what, counter, in_burst: 0, pause: Self::FIRST_PAUSE }
    }

    /// Records a failure; returns how long to pause before trying again.
    pub fn failed(&mut self, e: &std::io::Error) -> Duration {
        self.counter.fetch_add(1, Ordering::Relaxed);
        if self.in_burst == 0 {
            log::error!(
                "{}: {e}; retrying, further failures counted in provd_accept_errors_total until one succeeds",
                self.what
            );
        }
        self.in_burst += 1;
        let pause = self.pause;
        self.pause = (self.pause * 2).min(Self::MAX_PAUSE);
        pause
    }

    /// Records a success, ending a burst.
    pub fn succeeded(&mut self) {
        if self.in_burst > 0 {
            log::info!("{}: working again after {} failures", self.what, self.in_burst);
            self.in_burst = 0;
            self.pause = Self::FIRST_PAUSE;
        }
    }
}

/// Lifts the open-file limit to its hard maximum and returns it: every
/// TFTP transfer and HTTP connection is a descriptor, and a mass boot has
/// thousands.
pub fn raise_fd_limit() -> u64 {
    // SAFETY: plain libc calls on a local struct.
    unsafe {
        let mut l = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut l) == 0 && l.rlim_cur < l.rlim_max {
            l.rlim_cur = l.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &l);
        }
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut l);
        l.rlim_cur
    }
}

/// The budget's share-out, what is in use and what was refused, for
/// `/metrics`.
impl WriteMetrics for Budget {
    fn write_metrics(&self, out: &mut Text) {
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed) as f64;
        let errors = &self.accept_errors;
        out.family(
            "provd_accept_errors_total",
            "counter",
            "Failed accepts (or TFTP transfer sockets), mostly for want of descriptors.",
            &[
                ("{listener=\"http\"}", load(&errors.http)),
                ("{listener=\"api\"}", load(&errors.api)),
                ("{listener=\"tftp\"}", load(&errors.tftp)),
            ],
        );
        out.family(
            "provd_descriptor_budget",
            "gauge",
            "Descriptors set aside per use (see the server's start-up log).",
            &[
                ("{use=\"http\"}", self.http.cap() as f64),
                ("{use=\"tftp\"}", self.tftp.cap() as f64),
                ("{use=\"api\"}", self.api as f64),
                ("{use=\"reserve\"}", self.reserve as f64),
            ],
        );
        out.family(
            "provd_descriptors_in_use",
            "gauge",
            "Phone connections and transfers open now.",
            &[
                ("{use=\"http\"}", self.http.in_use() as f64),
                ("{use=\"tftp\"}", self.tftp.in_use() as f64),
                ("{use=\"tftp_unanswered\"}", self.tftp_unanswered.in_use() as f64),
            ],
        );
        let (http_full, http_per_address) = self.http.refused();
        out.family(
            "provd_http_connections_refused_total",
            "counter",
            "HTTP connections closed at once: every place taken, or their address held its share.",
            &[("{reason=\"full\"}", http_full as f64), ("{reason=\"per_address\"}", http_per_address as f64)],
        );
        let (tftp_full, _) = self.tftp.refused();
        let (unanswered_full, unanswered_per_address) = self.tftp_unanswered.refused();
        out.family(
            "provd_tftp_requests_dropped_total",
            "counter",
            "TFTP requests dropped: every transfer place taken, every unanswered place taken, or their address held its share of unanswered transfers.",
            &[
                ("{reason=\"full\"}", tftp_full as f64),
                ("{reason=\"unanswered\"}", unanswered_full as f64),
                ("{reason=\"per_address\"}", unanswered_per_address as f64),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_low_limit_is_shared_out_and_nothing_overflows_it() {
        let b = Budget::new(300, BudgetOptions::default());
        let total = b.reserve as usize + b.api + b.http.cap() + b.tftp.cap();
        assert_eq!(total, 300, "{}", b.describe());
        assert!(b.reserve >= 32 && b.api >= 2 && b.http.cap() > 50 && b.tftp.cap() > 50, "{}", b.describe());
        assert!(b.tftp_unanswered.cap() < b.tftp.cap());
        // A generous limit keeps the API's default.
        let b = Budget::new(1 << 20, BudgetOptions::default());
        assert_eq!(b.api, 64);
        assert_eq!(b.http.cap() + b.tftp.cap() + 64 + b.reserve as usize, 1 << 20);
    }

    #[test]
    fn places_per_address_and_in_all() {
        let pool = Arc::new(Pool::new(5, 2));
        let a1 = pool.take(ip("10.0.0.1")).unwrap();
        let _a2 = pool.take(ip("10.0.0.1")).unwrap();
        assert_eq!(pool.take(ip("10.0.0.1")).unwrap_err(), Refused::PerAddress);
        let _b = [pool.take(ip("10.0.0.2")).unwrap(), pool.take(ip("::1")).unwrap(), pool.take(ip("::1")).unwrap()];
        assert_eq!(pool.take(ip("10.0.0.3")).unwrap_err(), Refused::Full);
        assert_eq!((pool.in_use(), pool.addresses()), (5, 3));
        drop(a1);
        assert_eq!(pool.in_use(), 4);
        // The refusals took nothing.
        let again = pool.take(ip("10.0.0.1")).unwrap();
        assert_eq!(pool.take(ip("10.0.0.4")).unwrap_err(), Refused::Full);
        drop(again);
        drop(_b);
        drop(_a2);
        assert_eq!((pool.in_use(), pool.addresses()), (0, 0));
    }

    #[test]
    fn a_burst_of_failures_pauses_longer_and_longer() {
        let counter = AtomicU64::new(0);
        let mut errors = AcceptErrors::new("accept on test", &counter);
        let e = std::io::Error::from_raw_os_error(libc::EMFILE);
        let pauses: Vec<Duration> = (0..10).map(|_| errors.failed(&e)).collect();
        assert_eq!(pauses[0], Duration::from_millis(10));
        assert!(pauses.windows(2).all(|w| w[1] >= w[0]));
        assert_eq!(*pauses.last().unwrap(), Duration::from_secs(1));
        assert_eq!(counter.load(Ordering::Relaxed), 10);
        errors.succeeded();
        assert_eq!(errors.failed(&e), Duration::from_millis(10));
    }
}
