//! A latency histogram: log-linear buckets over microseconds (exact below
//! 128 µs, then 64 buckets per power of two: under 1.6 % relative error up
//! to hours), fixed size, O(1) record, mergeable across threads. The
//! maximum, count and sum are exact.

use std::time::Duration;

/// Sub-buckets per power of two (2^SUB_BITS).
const SUB_BITS: u32 = 6;
const SUB: u64 = 1 << SUB_BITS;
/// Values below this are their own bucket.
const LINEAR: u64 = 2 * SUB;
/// Powers of two covered above LINEAR: up to 2^(7 + 32) µs, about 6 days.
const OCTAVES: usize = 32;
const BUCKETS: usize = LINEAR as usize + OCTAVES * SUB as usize;

#[derive(Clone)]
pub struct Histogram {
    counts: Box<[u64; BUCKETS]>,
    count: u64,
    sum_us: u128,
    max_us: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: Box::new([0; BUCKETS]), count: 0, sum_us: 0, max_us: 0 }
    }
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Histogram").field("count", &self.count).field("max_us", &self.max_us).finish()
    }
}

fn bucket_of(us: u64) -> usize {
    if us < LINEAR {
        return us as usize;
    }
    // us >= 128: its top bit is at position e >= 7.
    let e = 63 - us.leading_zeros();
    let octave = (e - SUB_BITS - 1) as usize;
    if octave >= OCTAVES {
        return BUCKETS - 1;
    }
    let sub = ((us >> (e - SUB_BITS)) & (SUB - 1)) as usize;
    LINEAR as usize + octave * SUB as usize + sub
}

/// The smallest value of bucket `i` and its width.
fn bucket_range(i: usize) -> (u64, u64) {
    if (i as u64) < LINEAR {
        return (i as u64, 1);
    }
    let j = i - LINEAR as usize;
    let (octave, sub) = ((j / SUB as usize) as u32, (j % SUB as usize) as u64);
    let e = octave + SUB_BITS + 1;
    let width = 1u64 << (e - SUB_BITS);
    ((1u64 << e) + sub * width, width)
}

impl Histogram {
    pub fn record(&mut self, d: Duration) {
        self.record_us(d.as_micros().min(u128::from(u64::MAX)) as u64);
    }

    pub fn record_us(&mut self, us: u64) {
        self.counts[bucket_of(us)] += 1;
        self.count += 1;
        self.sum_us += u128::from(us);
        self.max_us = self.max_us.max(us);
    }

    pub fn merge(&mut self, other: &Histogram) {
        for (a, b) in self.counts.iter_mut().zip(other.counts.iter()) {
            *a += b;
        }
        self.count += other.count;
        self.sum_us += other.sum_us;
        self.max_us = self.max_us.max(other.max_us);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max_us(&self) -> u64 {
        self.max_us
    }

    pub fn mean_us(&self) -> f64 {
        if self.count == 0 { 0.0 } else { self.sum_us as f64 / self.count as f64 }
    }

    /// The value at quantile `q` (0..=1): the midpoint of the bucket holding
    /// the ceil(q * count)-th smallest value, never above the maximum. 0
    /// when empty.
    pub fn quantile_us(&self, q: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (low, width) = bucket_range(i);
                return (low + (width - 1) / 2).min(self.max_us);
            }
        }
        self.max_us
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_line() {
        let mut next = 0;
        for i in 0..BUCKETS {
            let (low, width) = bucket_range(i);
            assert_eq!(low, next, "bucket {i}");
            assert_eq!(bucket_of(low), i);
            assert_eq!(bucket_of(low + width - 1), i);
            next = low + width;
        }
        assert_eq!(bucket_of(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn small_values_are_exact() {
        let mut h = Histogram::default();
        for us in 1..=100 {
            h.record_us(us);
        }
        assert_eq!(h.count(), 100);
        assert_eq!(h.quantile_us(0.5), 50);
        assert_eq!(h.quantile_us(0.95), 95);
        assert_eq!(h.quantile_us(0.99), 99);
        assert_eq!(h.quantile_us(1.0), 100);
        assert_eq!(h.max_us(), 100);
        assert!((h.mean_us() - 50.5).abs() < 1e-9);
    }

    #[test]
    fn large_values_within_relative_error() {
        let mut h = Histogram::default();
        // 1 ms .. 10 s, log-spaced.
        let values: Vec<u64> = (0..10_000).map(|i| (1000.0 * 10f64.powf(4.0 * i as f64 / 10_000.0)) as u64).collect();
        for &v in &values {
            h.record_us(v);
        }
        for q in [0.5, 0.9, 0.95, 0.99, 0.999] {
            let exact = values[((q * values.len() as f64).ceil() as usize).max(1) - 1] as f64;
            let got = h.quantile_us(q) as f64;
            assert!((got - exact).abs() / exact < 0.016, "q {q}: {got} vs {exact}");
        }
        assert_eq!(h.max_us(), *values.last().unwrap());
        assert!(h.quantile_us(1.0) <= h.max_us());
    }

    #[test]
    fn merge_equals_recording_everything_once() {
        let (mut a, mut b, mut all) = (Histogram::default(), Histogram::default(), Histogram::default());
        for v in 0..5000u64 {
            let us = v * 37 % 20_011;
            if v % 3 == 0 {
                a.record_us(us)
            } else {
                b.record_us(us)
            }
            all.record_us(us);
        }
        a.merge(&b);
        assert_eq!(a.count(), all.count());
        assert_eq!(a.max_us(), all.max_us());
        for q in [0.1, 0.5, 0.99] {
            assert_eq!(a.quantile_us(q), all.quantile_us(q));
        }
    }

    #[test]
    fn empty_and_durations() {
        let mut h = Histogram::default();
        assert_eq!(h.quantile_us(0.99), 0);
        assert_eq!(h.mean_us(), 0.0);
        h.record(Duration::from_micros(1500));
        assert_eq!(h.count(), 1);
        assert!((1476..=1524).contains(&h.quantile_us(0.5)));
        assert_eq!(h.max_us(), 1500);
    }
}
