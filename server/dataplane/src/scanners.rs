//! Scanner throttling: a source that keeps asking for the files of devices
//! that do not exist (guessing MACs, which are sequential within a vendor's
//! OUI) is, past a rate, answered 404 at once for such files and ignored
//! for a while: no pipeline write, no device created, no render. Its
//! requests for the files of known devices go on being served, so a real
//! phone behind the same NAT address is not locked out. Requests are still
//! written to the fail2ban log as any other (`docs/SECURITY.md`).
//!
//! The check costs nothing while no source is ignored (one atomic load),
//! and is only made for requests that do not name a known device.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::limits::{Bucket, Rate};

/// How many unknown devices' files a source may ask for, and how long it
/// is ignored past that.
#[derive(Debug, Clone, Copy)]
pub struct ScannerLimits {
    /// The allowance: a burst, refilled at a rate.
    pub rate: Rate,
    /// How long a source past its allowance is ignored.
    pub ignore: Duration,
    /// Sources tracked at most (a spoofed flood must not grow the table).
    pub max_tracked: usize,
}

impl Default for ScannerLimits {
    fn default() -> Self {
        // A phone asks for its own files, a few per boot; a site's worth of
        // new phones behind one NAT stays under 60 a minute after a burst
        // of 100. A scanner asks for thousands.
        ScannerLimits {
            rate: Rate { per_second: 1.0, burst: 100.0 },
            ignore: Duration::from_secs(300),
            max_tracked: 65_536,
        }
    }
}

#[derive(Default)]
struct Table {
    buckets: HashMap<IpAddr, Bucket>,
    /// Sources ignored, until when.
    ignored: HashMap<IpAddr, Instant>,
}

/// The sources being watched and ignored; shared by the I/O threads.
pub struct Scanners {
    limits: ScannerLimits,
    table: Mutex<Table>,
    /// `table.ignored.len()`, readable without the lock.
    ignoring: AtomicUsize,
    /// Requests answered 404 because their source was ignored.
    pub(crate) ignored_requests: AtomicU64,
    /// Times a source was put among the ignored.
    pub(crate) sources_ignored: AtomicU64,
}

impl Scanners {
    /// Watches sources with `limits`.
    pub fn new(limits: ScannerLimits) -> Scanners {
        Scanners {
            limits,
            table: Mutex::default(),
            ignoring: AtomicUsize::new(0),
            ignored_requests: AtomicU64::new(0),
            sources_ignored: AtomicU64::new(0),
        }
    }

    /// Notes that `ip` asked for the file of a device that does not exist;
    /// whether the request is to be ignored (answered 404 at once): the
    /// source is ignored, or this request took it past its allowance.
    pub(crate) fn unknown_file(&self, ip: IpAddr, now: Instant) -> bool {
        let mut t = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let was_ignored = match t.ignored.get(&ip) {
            Some(until) if *until > now => true,
            Some(_) => {
                t.ignored.remove(&ip);
                false
            }
            None => false,
        };
        let newly_ignored = !was_ignored && !self.allowance(&mut t, ip, now);
        if newly_ignored {
            t.ignored.insert(ip, now + self.limits.ignore);
        }
        self.ignoring.store(t.ignored.len(), Ordering::Relaxed);
        drop(t);
        if newly_ignored {
            self.sources_ignored.fetch_add(1, Ordering::Relaxed);
            let rate = self.limits.rate;
            log::warn!(
                "{ip} asks for the files of devices that do not exist faster than {}/min after a burst of {}: \
                 such requests from it are answered 404 at once for {} s (its known phones are still served)",
                (rate.per_second * 60.0).round(),
                rate.burst,
                self.limits.ignore.as_secs()
            );
        }
        let ignored = was_ignored || newly_ignored;
        if ignored {
            self.ignored_requests.fetch_add(1, Ordering::Relaxed);
        }
        ignored
    }

    /// Takes one from `ip`'s allowance; whether there was one. Past the
    /// table's size a new source is let through: the creation limits still
    /// bound what it can do.
    fn allowance(&self, t: &mut Table, ip: IpAddr, now: Instant) -> bool {
        let rate = self.limits.rate;
        if t.buckets.len() >= self.limits.max_tracked && !t.buckets.contains_key(&ip) {
            // Entries that refilled, or whose while is over, hold nothing.
            t.buckets.retain(|_, b| b.full_at(rate) > now);
            t.ignored.retain(|_, until| *until > now);
            if t.buckets.len() >= self.limits.max_tracked {
                return true;
            }
        }
        t.buckets.entry(ip).or_insert(Bucket::full(rate, now)).take(rate, now)
    }

    /// Sources ignored now (as of the last request that looked).
    pub(crate) fn ignoring(&self) -> usize {
        self.ignoring.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn past_its_allowance_a_source_is_ignored_for_a_while() {
        let t0 = Instant::now();
        let s = Scanners::new(ScannerLimits {
            rate: Rate { per_second: 1.0, burst: 5.0 },
            ignore: Duration::from_secs(60),
            max_tracked: 100,
        });
        assert!((0..5).all(|_| !s.unknown_file(ip("127.0.0.9"), t0)), "the burst passes");
        assert!(s.unknown_file(ip("127.0.0.9"), t0), "the next is ignored");
        assert!(!s.unknown_file(ip("127.0.0.8"), t0), "another source has its own allowance");
        // Ignored for the whole while, even though its bucket refills.
        assert!(s.unknown_file(ip("127.0.0.9"), t0 + Duration::from_secs(30)));
        assert_eq!(s.ignoring(), 1);
        assert!(!s.unknown_file(ip("127.0.0.9"), t0 + Duration::from_secs(61)), "then let through again");
        assert_eq!(s.ignoring(), 0);
        assert_eq!(s.sources_ignored.load(Ordering::Relaxed), 1);
        assert_eq!(s.ignored_requests.load(Ordering::Relaxed), 2);
    }

    #[test]
    fn a_spoofed_flood_keeps_the_table_bounded() {
        let t0 = Instant::now();
        let s = Scanners::new(ScannerLimits {
            rate: Rate { per_second: 0.001, burst: 1.0 },
            ignore: Duration::from_secs(60),
            max_tracked: 50,
        });
        for i in 0..10_000u32 {
            s.unknown_file(IpAddr::from(i.to_be_bytes()), t0);
        }
        assert!(s.table.lock().unwrap().buckets.len() <= 50);
    }
}
