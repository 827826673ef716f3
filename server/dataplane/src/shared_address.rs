//! Addresses several phones share while NAT mode is off.
//!
//! With `NAT` off a device seen at an address takes it from every other
//! device (wazo-provd's one-device-per-IP rule). Phones behind one NAT
//! gateway then take the address from each other on every request: each
//! request is a store write, and the server slows to the writer's pace.
//! The writer counts those moves per address ([`MoveCounter`]); an address
//! that moved [`MOVES`] times within [`WINDOW`] is marked shared
//! ([`SharedAddresses`]), said once in the log and counted in `/metrics`,
//! and from then on requests from it are handled as NAT mode handles every
//! address: each device keeps the address, nobody takes it from another.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::RwLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Moves of one address between devices that make it shared...
pub(crate) const MOVES: u32 = 3;
/// ...when they happen within this time. A DHCP server handing a freed
/// address to another phone moves it once, not three times a minute.
pub(crate) const WINDOW: Duration = Duration::from_secs(60);
/// Addresses the counter follows at once; beyond, the oldest windows are
/// dropped (a spoofed flood must not grow it without end).
const TRACKED: usize = 65_536;

/// The addresses found shared, read by the I/O threads on requests from an
/// address some other device holds. The writer adds to it; nothing removes
/// from it but a restart (turning NAT mode on makes it moot).
#[derive(Default)]
pub struct SharedAddresses {
    /// Whether the set holds anything: the usual answer, without the lock.
    any: AtomicBool,
    set: RwLock<HashSet<IpAddr>>,
    /// Times an address was taken from one device by another.
    moves: AtomicU64,
}

impl SharedAddresses {
    /// Whether `ip` was found shared.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.any.load(Ordering::Acquire) && self.set.read().unwrap_or_else(|e| e.into_inner()).contains(&ip)
    }

    /// Marks `ip` shared; whether it was not already.
    pub(crate) fn insert(&self, ip: IpAddr) -> bool {
        let added = self.set.write().unwrap_or_else(|e| e.into_inner()).insert(ip);
        self.any.store(true, Ordering::Release);
        added
    }

    /// How many addresses were found shared.
    pub fn len(&self) -> usize {
        self.set.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether none was.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Counts one move of an address from one device to another.
    pub(crate) fn count_move(&self) {
        self.moves.fetch_add(1, Ordering::Relaxed);
    }

    /// Times an address was taken from one device by another.
    pub fn moves(&self) -> u64 {
        self.moves.load(Ordering::Relaxed)
    }
}

/// The writer's count of moves per address, in windows of [`WINDOW`].
/// Deterministic: the caller gives the time.
#[derive(Default)]
pub(crate) struct MoveCounter {
    /// Per address: when its window started, and its moves in it.
    windows: HashMap<IpAddr, (Instant, u32)>,
}

impl MoveCounter {
    /// Counts a move of `ip` at `now`; true when this move makes the
    /// address shared ([`MOVES`] within [`WINDOW`]), once per window.
    pub(crate) fn record(&mut self, ip: IpAddr, now: Instant) -> bool {
        if self.windows.len() >= TRACKED && !self.windows.contains_key(&ip) {
            self.windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
            if self.windows.len() >= TRACKED {
                return false;
            }
        }
        let (start, moves) = self.windows.entry(ip).or_insert((now, 0));
        if now.duration_since(*start) >= WINDOW {
            (*start, *moves) = (now, 0);
        }
        *moves += 1;
        *moves == MOVES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn three_moves_within_a_minute_make_an_address_shared_once() {
        let mut c = MoveCounter::default();
        let t = Instant::now();
        let nat = ip("192.0.2.1");
        assert!(!c.record(nat, t));
        assert!(!c.record(nat, t + Duration::from_secs(10)));
        assert!(c.record(nat, t + Duration::from_secs(20)), "the third move");
        assert!(!c.record(nat, t + Duration::from_secs(21)), "said once");
        // Another address has its own count.
        assert!(!c.record(ip("192.0.2.2"), t + Duration::from_secs(21)));
    }

    #[test]
    fn moves_spread_over_more_than_a_minute_are_renumbering_not_sharing() {
        let mut c = MoveCounter::default();
        let t = Instant::now();
        let a = ip("2001:db8::7");
        for minute in 0..10 {
            assert!(!c.record(a, t + Duration::from_secs(61 * minute)));
            assert!(!c.record(a, t + Duration::from_secs(61 * minute + 30)));
        }
    }

    #[test]
    fn the_table_stays_bounded_under_a_flood_of_addresses() {
        let mut c = MoveCounter::default();
        let t = Instant::now();
        for n in 0..(TRACKED as u32 + 10) {
            c.record(IpAddr::from(n.to_be_bytes()), t);
        }
        assert!(c.windows.len() <= TRACKED);
        // Once the windows have passed, room is made again.
        assert!(!c.record(ip("198.51.100.1"), t + WINDOW));
        assert!(c.windows.len() <= TRACKED);
    }

    #[test]
    fn the_set_answers_without_its_lock_until_something_is_in_it() {
        let s = SharedAddresses::default();
        assert!(!s.contains(ip("192.0.2.1")));
        assert!(s.insert(ip("192.0.2.1")));
        assert!(!s.insert(ip("192.0.2.1")));
        assert!(s.contains(ip("192.0.2.1")) && !s.contains(ip("192.0.2.2")));
        assert_eq!(s.len(), 1);
    }
}
