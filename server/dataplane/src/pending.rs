//! Devices whose new address is on its way to the store.
//!
//! A known phone seen at a new address is served at once and its address
//! recorded by the writer a moment later (a request never waits for that
//! write). Its next request may carry nothing but a file name shared by
//! every phone of its plugin (a Cisco SCCP phone's `RINGLIST.XML` right
//! after its `SEP<MAC>.cnf.xml`), so it is found by address only; before
//! the write lands the store still has the old one, and the phone would
//! get "Nowhere to route". The I/O threads note each such address here
//! when they hand the write over, and a request that identifies nothing
//! from that address goes to the noted device for a few seconds, by then
//! the store knows. Only with NAT mode off: behind NAT an address names
//! no device.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a noted address stands in for the store: far longer than a
/// writer batch takes to commit.
const KEEP: Duration = Duration::from_secs(10);
/// Addresses noted at once; beyond, expired ones are dropped, then new
/// ones ignored (a flood must not grow the table).
const MAX: usize = 65_536;

/// The addresses noted, by the I/O threads, for the I/O threads.
#[derive(Default)]
pub struct PendingAddresses {
    /// Entries in the map: requests skip the lock while it is 0.
    len: AtomicUsize,
    map: Mutex<HashMap<IpAddr, Pending>>,
}

struct Pending {
    device: String,
    plugin: Option<String>,
    at: Instant,
}

impl PendingAddresses {
    /// Notes that `device`, served by `plugin`, is being recorded at `ip`.
    pub(crate) fn note(&self, ip: IpAddr, device: &str, plugin: Option<&str>, now: Instant) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX && !map.contains_key(&ip) {
            map.retain(|_, p| now.duration_since(p.at) < KEEP);
            if map.len() >= MAX {
                return;
            }
        }
        map.insert(ip, Pending { device: device.to_owned(), plugin: plugin.map(str::to_owned), at: now });
        self.len.store(map.len(), Ordering::Release);
    }

    /// The device and plugin noted at `ip` less than [`KEEP`] ago.
    pub(crate) fn at(&self, ip: IpAddr, now: Instant) -> Option<(String, Option<String>)> {
        if self.len.load(Ordering::Acquire) == 0 {
            return None;
        }
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&ip).filter(|p| now.duration_since(p.at) < KEEP).map(|p| (p.device.clone(), p.plugin.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_noted_address_names_its_device_for_a_while() {
        let p = PendingAddresses::default();
        let t = Instant::now();
        let ip: IpAddr = "10.0.0.5".parse().unwrap();
        assert_eq!(p.at(ip, t), None);
        p.note(ip, "d1", Some("wazo-cisco-sccp-9.4"), t);
        assert_eq!(p.at(ip, t + Duration::from_secs(1)), Some(("d1".into(), Some("wazo-cisco-sccp-9.4".into()))));
        assert_eq!(p.at("10.0.0.6".parse().unwrap(), t), None);
        assert_eq!(p.at(ip, t + KEEP), None, "by then the store knows");
        // The newest note of an address wins.
        p.note(ip, "d2", None, t + Duration::from_secs(2));
        assert_eq!(p.at(ip, t + Duration::from_secs(3)), Some(("d2".into(), None)));
    }

    #[test]
    fn a_flood_of_addresses_keeps_the_table_bounded() {
        let p = PendingAddresses::default();
        let t = Instant::now();
        for n in 0..(MAX as u32 + 5) {
            p.note(IpAddr::from(n.to_be_bytes()), "d", None, t);
        }
        assert!(p.len.load(Ordering::Relaxed) <= MAX);
        let late: IpAddr = "198.51.100.1".parse().unwrap();
        p.note(late, "d", None, t + KEEP);
        assert_eq!(p.at(late, t + KEEP), Some(("d".into(), None)), "expired entries made room");
    }
}
