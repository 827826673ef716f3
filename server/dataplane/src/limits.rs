//! Auto-creation limits: wazo-provd creates a device for every unknown
//! requester, so one host can grow the database without bound. Token
//! buckets per source address and for the whole server bound that, in a
//! table of bounded size.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// A token bucket's parameters: how many creations may come at once, and
/// how fast the allowance refills.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    /// Tokens added per second.
    pub per_second: f64,
    /// Bucket size: how many may come at once.
    pub burst: f64,
}

/// An allowance of a rate, as it stands at `at`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    /// A full allowance.
    pub(crate) fn full(rate: Rate, now: Instant) -> Bucket {
        Bucket { tokens: rate.burst, at: now }
    }

    /// Takes one token if there is one.
    pub(crate) fn take(&mut self, rate: Rate, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate.per_second).min(rate.burst);
        self.at = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// When the allowance is full again (an entry that holds nothing).
    pub(crate) fn full_at(&self, rate: Rate) -> Instant {
        let missing = (rate.burst - self.tokens).max(0.0);
        self.at + Duration::from_secs_f64(missing / rate.per_second.max(1e-9))
    }
}

/// The writer's verdict on creating devices.
pub(crate) struct CreationLimiter {
    per_ip: Rate,
    global: Rate,
    max_tracked: usize,
    ips: HashMap<IpAddr, Bucket>,
    all: Bucket,
    pub(crate) refused: u64,
}

impl CreationLimiter {
    /// `max_tracked` bounds the per-address table (a spoofed flood must not
    /// grow it without end).
    pub(crate) fn new(per_ip: Rate, global: Rate, max_tracked: usize, now: Instant) -> Self {
        CreationLimiter {
            per_ip,
            global,
            max_tracked,
            ips: HashMap::new(),
            all: Bucket { tokens: global.burst, at: now },
            refused: 0,
        }
    }

    /// Whether `ip` may create one more device now (and, if so, counts it).
    pub(crate) fn allow(&mut self, ip: IpAddr, now: Instant) -> bool {
        if self.ips.len() >= self.max_tracked && !self.ips.contains_key(&ip) {
            // Buckets that refilled hold no information: drop them.
            let rate = self.per_ip;
            self.ips.retain(|_, b| b.full_at(rate) > now);
            if self.ips.len() >= self.max_tracked {
                self.refused += 1;
                return false;
            }
        }
        let per_ip = self.per_ip;
        let bucket = self.ips.entry(ip).or_insert(Bucket { tokens: per_ip.burst, at: now });
        // Both buckets must have a token; take the global one only then.
        let mut probe = *bucket;
        let ok = probe.take(per_ip, now) && self.all.clone().take(self.global, now);
        if ok {
            bucket.take(per_ip, now);
            self.all.take(self.global, now);
        } else {
            self.refused += 1;
        }
        ok
    }

    #[cfg(test)]
    fn tracked(&self) -> usize {
        self.ips.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn per_address_burst_then_rate() {
        let t0 = Instant::now();
        let mut l = CreationLimiter::new(
            Rate { per_second: 1.0, burst: 3.0 },
            Rate { per_second: 1000.0, burst: 1000.0 },
            100,
            t0,
        );
        assert!((0..3).all(|_| l.allow(ip("10.0.0.1"), t0)));
        assert!(!l.allow(ip("10.0.0.1"), t0));
        assert!(l.allow(ip("10.0.0.2"), t0), "another address has its own bucket");
        assert!(l.allow(ip("10.0.0.1"), t0 + Duration::from_secs(1)));
        assert_eq!(l.refused, 1);
    }

    #[test]
    fn global_bound_across_addresses() {
        let t0 = Instant::now();
        let mut l =
            CreationLimiter::new(Rate { per_second: 1.0, burst: 5.0 }, Rate { per_second: 1.0, burst: 10.0 }, 1000, t0);
        let allowed = (0..100).filter(|i| l.allow(ip(&format!("10.0.{}.{}", i / 256, i % 256)), t0)).count();
        assert_eq!(allowed, 10);
    }

    #[test]
    fn the_table_stays_bounded_under_a_spoofed_flood() {
        let t0 = Instant::now();
        let mut l =
            CreationLimiter::new(Rate { per_second: 0.01, burst: 1.0 }, Rate { per_second: 1e9, burst: 1e9 }, 50, t0);
        for i in 0..10_000u32 {
            l.allow(IpAddr::from(i.to_be_bytes()), t0);
        }
        assert!(l.tracked() <= 50);
        // Once their buckets refilled, old entries make room again.
        assert!(l.allow(ip("192.168.1.1"), t0 + Duration::from_secs(1000)));
    }
}
