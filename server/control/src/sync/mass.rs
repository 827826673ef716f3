//! Mass synchronize: many NOTIFYs, paced so that neither the network, the
//! PBX nor provd's own HTTP/TFTP servers see every phone at once, then a
//! report per device: did the phone answer, and did it come and fetch its
//! configuration (its remote-state trigger file) afterwards.
//!
//! One thread runs it all: the runner starts NOTIFYs on a [`Notifier`] at
//! most `rate` per second and `max_in_flight` at a time, polls for outcomes
//! and, every `fetch_poll`, asks the [`FetchLog`] about the devices already
//! notified, each for `fetch_window` after its NOTIFY was sent.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use provd_core::mac::Mac;
use serde::Serialize;

use super::{Notifier, NotifyOutcome, SyncError, Target, Unresolved};

/// What the server knows of phones fetching their files.
pub trait FetchLog {
    /// When the device (by id, or MAC when known) fetched its remote-state
    /// trigger file at or after `since`: the first such fetch. `None` if it
    /// has not (yet). Called repeatedly while the runner waits.
    fn fetched_after(&self, device_id: &str, mac: Option<Mac>, since: Instant) -> Option<Instant>;
}

/// A [`FetchLog`] that knows nothing (use with a zero `fetch_window`).
#[cfg(test)]
pub(crate) struct NoFetchLog;

#[cfg(test)]
impl FetchLog for NoFetchLog {
    fn fetched_after(&self, _: &str, _: Option<Mac>, _: Instant) -> Option<Instant> {
        None
    }
}

/// Pacing and bounds of a mass synchronize.
#[derive(Debug, Clone)]
pub struct MassOptions {
    /// NOTIFYs started per second at most (default 20; 0 = no pacing, the
    /// concurrency limit alone).
    pub rate: f64,
    /// NOTIFYs without an outcome at most (default 50; at least 1).
    pub max_in_flight: usize,
    /// How long after its NOTIFY a phone may take to fetch its trigger file
    /// (default 30 s; zero = don't wait, report [`Fetch::NotChecked`]).
    pub fetch_window: Duration,
    /// How often to ask the [`FetchLog`] (default 250 ms).
    pub fetch_poll: Duration,
    /// The most devices in one run (default 100 000).
    pub max_targets: usize,
    /// The longest a run may take, fetch window included (default 1 h); what
    /// is left then is reported as failed.
    pub max_duration: Duration,
    /// Set to stop the run early; the rest is reported as cancelled.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for MassOptions {
    fn default() -> Self {
        MassOptions {
            rate: 20.0,
            max_in_flight: 50,
            fetch_window: Duration::from_secs(30),
            fetch_poll: Duration::from_millis(250),
            max_targets: 100_000,
            max_duration: Duration::from_secs(3600),
            cancel: None,
        }
    }
}

/// The stage a run is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// NOTIFYs are still waiting to start or for their outcome.
    Notifying,
    /// Every NOTIFY has its outcome; phones may still fetch their trigger file.
    WaitingForFetch,
    /// Over: the report follows.
    Done,
}

/// Where a run is, for the progress callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The stage the run is in.
    pub phase: Phase,
    /// Devices whose NOTIFY has an outcome (unresolved devices included).
    pub done: usize,
    /// Devices in the run.
    pub total: usize,
    /// Devices seen fetching their trigger file so far.
    pub fetched: usize,
}

/// Whether the phone fetched its trigger file after the NOTIFY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Fetch {
    /// Not waited for (zero window, NOTIFY failed, run stopped).
    NotChecked,
    /// Fetched this long after the NOTIFY was sent.
    Fetched {
        /// Milliseconds from sending the NOTIFY to the fetch.
        after_ms: u64,
    },
    /// Not within the window.
    NotFetched,
}

/// One device's line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceReport {
    /// The device's id.
    pub device_id: String,
    /// The device's MAC, when known.
    pub mac: Option<Mac>,
    /// Where the NOTIFY went (`sip:anonymous@10.0.0.5`, `endpoint abc`);
    /// `None` when the device could not be targeted.
    pub target: Option<String>,
    /// How its NOTIFY ended; a device that could not be targeted, or was
    /// not notified before the run stopped, is [`NotifyOutcome::Failed`].
    pub outcome: NotifyOutcome,
    /// Whether it fetched its trigger file afterwards.
    pub fetch: Fetch,
}

/// What a mass synchronize did, device by device and in total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MassReport {
    /// Devices in the run.
    pub total: usize,
    /// [`NotifyOutcome::is_success`].
    pub succeeded: usize,
    /// NOTIFYs the phone never answered ([`NotifyOutcome::NoAnswer`]).
    pub no_answer: usize,
    /// The others: refused, not sent, not targeted.
    pub failed: usize,
    /// Devices seen fetching their trigger file within the window.
    pub fetched: usize,
    /// Stopped by the cancel flag or `max_duration`.
    pub stopped: bool,
    /// How long the run took, fetch window included, in milliseconds.
    pub elapsed_ms: u64,
    /// In input order.
    pub devices: Vec<DeviceReport>,
}

enum Slot {
    Waiting(Target),
    Sent {
        target: Target,
        at: Instant,
    },
    Notified {
        target: Target,
        at: Instant,
        outcome: NotifyOutcome,
        fetch: Option<Fetch>,
    },
    Unresolved(Unresolved),
    /// Only while a slot changes state.
    Moving,
}

/// Runs a mass synchronize on `notifier` (blocking), returning the report
/// in the order of `jobs`. Fails only when there are more than
/// `max_targets` jobs.
pub fn run(
    notifier: &mut dyn Notifier,
    jobs: Vec<Result<Target, Unresolved>>,
    options: &MassOptions,
    fetch_log: &dyn FetchLog,
    progress: &mut dyn FnMut(Progress),
) -> Result<MassReport, SyncError> {
    if jobs.len() > options.max_targets {
        return Err(SyncError::TooMany { count: jobs.len(), max: options.max_targets });
    }
    let started = Instant::now();
    let hard_deadline = started + options.max_duration;
    let interval = if options.rate.is_finite() && options.rate > 0.0 {
        Duration::from_secs_f64(1.0 / options.rate)
    } else {
        Duration::ZERO
    };
    let max_in_flight = options.max_in_flight.max(1);
    let window = options.fetch_window;
    let fetch_poll = options.fetch_poll.max(Duration::from_millis(1));
    let cancelled = || options.cancel.as_ref().is_some_and(|c| c.load(Ordering::Relaxed));

    let total = jobs.len();
    let mut queue = std::collections::VecDeque::new();
    let mut slots: Vec<Slot> = jobs
        .into_iter()
        .enumerate()
        .map(|(i, job)| match job {
            Ok(t) => {
                queue.push_back(i);
                Slot::Waiting(t)
            }
            Err(u) => Slot::Unresolved(u),
        })
        .collect();
    let mut done = total - queue.len();
    let mut fetched = 0;
    // Devices notified whose fetch is still unknown.
    let mut watch: Vec<usize> = Vec::new();
    let mut next_slot = started;
    let mut next_check = started;
    let mut outcomes = Vec::new();
    let mut last_progress = None;
    let mut report = |phase, done, fetched, progress: &mut dyn FnMut(Progress)| {
        let p = Progress { phase, done, total, fetched };
        if last_progress != Some(p) {
            last_progress = Some(p);
            progress(p);
        }
    };
    report(Phase::Notifying, done, fetched, progress);

    let mut stopped = false;
    loop {
        let now = Instant::now();
        if cancelled() || now >= hard_deadline {
            stopped = true;
            break;
        }
        while notifier.in_flight() < max_in_flight && next_slot <= now {
            let Some(i) = queue.pop_front() else { break };
            let slot = std::mem::replace(&mut slots[i], Slot::Moving);
            let Slot::Waiting(target) = slot else {
                slots[i] = slot;
                continue;
            };
            notifier.start(i, &target, now);
            slots[i] = Slot::Sent { target, at: now };
            next_slot = next_slot.max(now) + interval;
        }
        if !window.is_zero() && !watch.is_empty() && now >= next_check {
            watch.retain(|&i| {
                let Slot::Notified { target, at, fetch, .. } = &mut slots[i] else { return false };
                let result = match fetch_log.fetched_after(&target.device_id, target.mac, *at) {
                    Some(t) if t >= *at && t - *at <= window => {
                        Fetch::Fetched { after_ms: (t - *at).as_millis() as u64 }
                    }
                    Some(t) if t >= *at => Fetch::NotFetched,
                    _ if now >= *at + window => Fetch::NotFetched,
                    _ => return true,
                };
                fetched += usize::from(matches!(result, Fetch::Fetched { .. }));
                *fetch = Some(result);
                false
            });
            next_check = now + fetch_poll;
        }
        let notifying = !queue.is_empty() || notifier.in_flight() > 0;
        let phase = if notifying { Phase::Notifying } else { Phase::WaitingForFetch };
        report(phase, done, fetched, progress);
        if !notifying && watch.is_empty() {
            break;
        }
        let mut wake = (now + Duration::from_secs(1)).min(hard_deadline);
        if !queue.is_empty() && notifier.in_flight() < max_in_flight {
            wake = wake.min(next_slot);
        }
        if !watch.is_empty() {
            wake = wake.min(next_check);
        }
        if notifier.in_flight() > 0 {
            notifier.poll(wake, &mut outcomes);
        } else {
            std::thread::sleep(wake.saturating_duration_since(now));
        }
        for (i, outcome) in outcomes.drain(..) {
            // Only a NOTIFY in flight takes an outcome (a key twice is ignored).
            let Some(slot) = slots.get_mut(i).filter(|s| matches!(s, Slot::Sent { .. })) else { continue };
            let Slot::Sent { target, at } = std::mem::replace(slot, Slot::Moving) else { continue };
            let sent = !matches!(outcome, NotifyOutcome::Failed { .. });
            let fetch = if window.is_zero() || !sent { Some(Fetch::NotChecked) } else { None };
            if fetch.is_none() {
                watch.push(i);
            }
            *slot = Slot::Notified { target, at, outcome, fetch };
            done += 1;
        }
    }
    if stopped {
        notifier.abort();
    }
    let why = if cancelled() { "cancelled" } else { "mass synchronize took too long" };

    let mut devices = Vec::with_capacity(total);
    let (mut succeeded, mut no_answer, mut failed) = (0, 0, 0);
    for slot in slots {
        let line = match slot {
            Slot::Waiting(t) => line(&t, NotifyOutcome::failed(format!("not notified: {why}")), Fetch::NotChecked),
            Slot::Sent { target, .. } => {
                line(&target, NotifyOutcome::failed(format!("sent, no outcome: {why}")), Fetch::NotChecked)
            }
            Slot::Moving => continue,
            Slot::Notified { target, outcome, fetch, .. } => line(&target, outcome, fetch.unwrap_or(Fetch::NotChecked)),
            Slot::Unresolved(u) => DeviceReport {
                device_id: u.device_id,
                mac: u.mac,
                target: None,
                outcome: NotifyOutcome::failed(u.error.to_string()),
                fetch: Fetch::NotChecked,
            },
        };
        match &line.outcome {
            o if o.is_success() => succeeded += 1,
            NotifyOutcome::NoAnswer { .. } => no_answer += 1,
            _ => failed += 1,
        }
        devices.push(line);
    }
    report(Phase::Done, total, fetched, progress);
    Ok(MassReport {
        total,
        succeeded,
        no_answer,
        failed,
        fetched,
        stopped,
        elapsed_ms: started.elapsed().as_millis() as u64,
        devices,
    })
}

fn line(target: &Target, outcome: NotifyOutcome, fetch: Fetch) -> DeviceReport {
    DeviceReport {
        device_id: target.device_id.clone(),
        mac: target.mac,
        target: Some(target.address.to_string()),
        outcome,
        fetch,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::net::IpAddr;

    use provd_core::family::SyncNotify;

    use super::*;
    use crate::sync::Address;

    /// Completes every NOTIFY `delay` after its start; answer by device id.
    struct Fake {
        delay: Duration,
        flights: Vec<(usize, Instant, NotifyOutcome)>,
        starts: Vec<Instant>,
        max_seen: usize,
    }

    impl Fake {
        fn new(delay: Duration) -> Fake {
            Fake { delay, flights: Vec::new(), starts: Vec::new(), max_seen: 0 }
        }
    }

    impl Notifier for Fake {
        fn start(&mut self, key: usize, target: &Target, now: Instant) {
            let outcome = if target.device_id.ends_with("-mute") {
                NotifyOutcome::NoAnswer { retransmits: 3 }
            } else if target.device_id.ends_with("-bad") {
                NotifyOutcome::failed("boom")
            } else {
                NotifyOutcome::Answered { code: 200, reason: "OK".into(), retransmits: 0 }
            };
            self.flights.push((key, now + self.delay, outcome));
            self.starts.push(now);
            self.max_seen = self.max_seen.max(self.flights.len());
        }

        fn poll(&mut self, deadline: Instant, done: &mut Vec<(usize, NotifyOutcome)>) {
            let first = self.flights.iter().map(|f| f.1).min().unwrap_or(deadline).min(deadline);
            std::thread::sleep(first.saturating_duration_since(Instant::now()));
            let now = Instant::now();
            self.flights.retain(|(k, at, o)| {
                if *at <= now {
                    done.push((*k, o.clone()));
                    false
                } else {
                    true
                }
            });
        }

        fn in_flight(&self) -> usize {
            self.flights.len()
        }

        fn abort(&mut self) {
            self.flights.clear();
        }
    }

    /// Devices whose MAC is listed fetched `after` their NOTIFY.
    struct Fetches(HashMap<Mac, Duration>);

    impl FetchLog for Fetches {
        fn fetched_after(&self, _: &str, mac: Option<Mac>, since: Instant) -> Option<Instant> {
            let at = since + *self.0.get(&mac?)?;
            (at <= Instant::now()).then_some(at)
        }
    }

    fn job(i: usize, suffix: &str) -> Result<Target, Unresolved> {
        Ok(Target {
            device_id: format!("d{i}{suffix}"),
            mac: Some(Mac([0, 0, 0, 0, (i >> 8) as u8, i as u8])),
            notify: SyncNotify::CHECK_SYNC,
            address: Address::Ip(IpAddr::from([127, 0, 0, 1])),
        })
    }

    #[test]
    fn sync_mass_paces_and_bounds_concurrency() {
        let mut fake = Fake::new(Duration::from_millis(30));
        let jobs: Vec<_> = (0..40).map(|i| job(i, "")).collect();
        let options = MassOptions { rate: 200.0, max_in_flight: 3, fetch_window: Duration::ZERO, ..Default::default() };
        let mut calls = Vec::new();
        let report = run(&mut fake, jobs, &options, &NoFetchLog, &mut |p| calls.push(p)).unwrap();
        assert_eq!((report.total, report.succeeded, report.failed, report.stopped), (40, 40, 0, false));
        assert!(fake.max_seen <= 3, "{}", fake.max_seen);
        assert_eq!(fake.starts.len(), 40);
        for w in fake.starts.windows(2) {
            assert!(w[1] - w[0] >= Duration::from_millis(5), "{:?}", w[1] - w[0]);
        }
        // 3 at a time, 30 ms each: concurrency, not the rate, is the bound.
        assert!(report.elapsed_ms >= 13 * 30, "{}", report.elapsed_ms);
        assert!(report.devices.iter().all(|d| d.fetch == Fetch::NotChecked));
        assert_eq!(calls.first().map(|p| (p.phase, p.done)), Some((Phase::Notifying, 0)));
        assert_eq!(calls.last(), Some(&Progress { phase: Phase::Done, done: 40, total: 40, fetched: 0 }));
        assert!(calls.windows(2).all(|w| w[0].done <= w[1].done));
        assert_eq!(report.devices[7].device_id, "d7");
        assert_eq!(report.devices[7].target.as_deref(), Some("sip:anonymous@127.0.0.1"));
    }

    #[test]
    fn sync_mass_reports_everything_and_fetches() {
        let mut fake = Fake::new(Duration::from_millis(5));
        let mut jobs: Vec<_> = (0..12).map(|i| job(i, ["", "-mute", "-bad"][i % 3])).collect();
        jobs.push(Err(Unresolved { device_id: "lost".into(), mac: None, error: SyncError::NotEnoughInformation }));
        // d0 fetches at once, d1 (mute: the answer was lost) too, d3 too late.
        let mac = |i: usize| Mac([0, 0, 0, 0, 0, i as u8]);
        let log = Fetches(HashMap::from([
            (mac(0), Duration::from_millis(20)),
            (mac(1), Duration::from_millis(20)),
            (mac(3), Duration::from_secs(30)),
        ]));
        let options = MassOptions {
            rate: 1000.0,
            fetch_window: Duration::from_millis(300),
            fetch_poll: Duration::from_millis(10),
            ..Default::default()
        };
        let mut last = None;
        let report = run(&mut fake, jobs, &options, &log, &mut |p| last = Some(p)).unwrap();
        assert_eq!((report.total, report.succeeded, report.no_answer, report.failed), (13, 4, 4, 5));
        assert_eq!(report.fetched, 2);
        let d = &report.devices;
        assert!(matches!(d[0].fetch, Fetch::Fetched { after_ms } if (20..300).contains(&after_ms)), "{:?}", d[0]);
        assert!(matches!(d[1].fetch, Fetch::Fetched { .. }), "{:?}", d[1]);
        assert_eq!(d[1].outcome, NotifyOutcome::NoAnswer { retransmits: 3 });
        assert_eq!(d[2].fetch, Fetch::NotChecked, "failed NOTIFY: nothing to wait for");
        assert_eq!(d[3].fetch, Fetch::NotFetched);
        assert_eq!(d[12].device_id, "lost");
        assert_eq!(d[12].target, None);
        assert_eq!(d[12].outcome, NotifyOutcome::failed("not enough information to synchronize device"));
        assert_eq!(last, Some(Progress { phase: Phase::Done, done: 13, total: 13, fetched: 2 }));
        // The whole run waits one window, not one per device.
        assert!(report.elapsed_ms < 5000, "{}", report.elapsed_ms);
        let json = serde_json::to_value(&report.devices[0]).unwrap();
        assert_eq!(json["fetch"]["status"], "fetched");
        assert_eq!(json["outcome"]["code"], 200);
    }

    #[test]
    fn sync_mass_bounds() {
        let mut fake = Fake::new(Duration::from_millis(1));
        let jobs: Vec<_> = (0..3).map(|i| job(i, "")).collect();
        let options = MassOptions { max_targets: 2, ..Default::default() };
        let err = run(&mut fake, jobs, &options, &NoFetchLog, &mut |_| {}).unwrap_err();
        assert_eq!(err, SyncError::TooMany { count: 3, max: 2 });

        // Cancelled from the progress callback after a few.
        let cancel = Arc::new(AtomicBool::new(false));
        let options = MassOptions {
            rate: 100.0,
            fetch_window: Duration::ZERO,
            cancel: Some(cancel.clone()),
            ..Default::default()
        };
        let jobs: Vec<_> = (0..50).map(|i| job(i, "")).collect();
        let report = run(&mut fake, jobs, &options, &NoFetchLog, &mut |p| {
            if p.done >= 5 {
                cancel.store(true, Ordering::Relaxed);
            }
        })
        .unwrap();
        assert!(report.stopped);
        assert!(report.succeeded >= 5 && report.succeeded < 50, "{}", report.succeeded);
        assert_eq!(report.succeeded + report.failed, 50);
        assert!(report.devices.last().unwrap().outcome == NotifyOutcome::failed("not notified: cancelled"));
        assert_eq!(fake.in_flight(), 0);

        // A run longer than max_duration stops.
        let options = MassOptions {
            rate: 10.0,
            max_duration: Duration::from_millis(250),
            fetch_window: Duration::ZERO,
            ..Default::default()
        };
        let jobs: Vec<_> = (0..50).map(|i| job(i, "")).collect();
        let report = run(&mut fake, jobs, &options, &NoFetchLog, &mut |_| {}).unwrap();
        assert!(report.stopped);
        assert!(report.elapsed_ms < 3000, "{}", report.elapsed_ms);
        assert!(report.succeeded <= 4, "{}", report.succeeded);
        assert_eq!(
            report.devices.last().unwrap().outcome,
            NotifyOutcome::failed("not notified: mass synchronize took too long")
        );
    }
}
