//! Synchronize against real SIP peers on 127.0.0.1: SIPp (Debian package
//! `sip-tester`) plays the phone that receives the NOTIFY; a silent UDP
//! socket and a closed port play the phone that never answers.

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use provd_control::sync::{
    Address, Fetch, FetchLog, MassOptions, Notifier, NotifyOutcome, Phase, SipConfig, SipNotifier, Target, Timers, mass,
};
use provd_core::family::SyncNotify;
use provd_core::mac::Mac;
use provd_e2e::sipp::{Sipp, free_udp_port};

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

fn target(i: usize, notify: SyncNotify) -> Target {
    Target {
        device_id: format!("dev{i}"),
        mac: Some(Mac([0x00, 0x15, 0x65, 0, (i >> 8) as u8, i as u8])),
        notify,
        address: Address::Ip(LOCALHOST),
    }
}

fn notifier(port: u16, timers: Timers) -> SipNotifier {
    SipNotifier::bind(SipConfig { port, bind: SocketAddr::new(LOCALHOST, 0), timers, ..Default::default() }).unwrap()
}

#[test]
fn sync_sipp_receives_the_notify_events() {
    let mut sipp = Sipp::start(3);
    let mut n = notifier(sipp.port, Timers::default());
    let ok = NotifyOutcome::Answered { code: 200, reason: "OK".into(), retransmits: 0 };
    assert_eq!(n.notify(&target(1, SyncNotify::CHECK_SYNC)), ok);
    assert_eq!(n.notify(&target(2, SyncNotify { event: "check-sync;reboot=false", body: None })), ok);
    let cisco = SyncNotify {
        event: "service-control",
        body: Some(("text/plain", vec!["action=restart".into(), "RegisterCallId={}".into()])),
    };
    assert_eq!(n.notify(&target(3, cisco)), ok);
    let status = sipp.wait(Duration::from_secs(10));
    assert!(status.success(), "sipp: {status}\n{}", sipp.file("stderr"));
    assert_eq!(sipp.events(), ["check-sync", "check-sync;reboot=false", "service-control"], "{:?}", sipp.path());

    let messages = sipp.file("messages.log").replace("\r\n", "\n");
    let notifies: Vec<&str> = messages.split("NOTIFY sip:").skip(1).collect();
    assert_eq!(notifies.len(), 3, "{messages}");
    for (notify, event) in notifies.iter().zip(["check-sync", "check-sync;reboot=false", "service-control"]) {
        assert!(notify.starts_with(&format!("anonymous@127.0.0.1:{} SIP/2.0\n", sipp.port)), "{notify}");
        assert!(notify.contains(&format!("\nEvent: {event}\n")), "{notify}");
        for header in
            ["Via: SIP/2.0/UDP 127.0.0.1:", "Max-Forwards: 70", "CSeq: 1 NOTIFY", "Subscription-State: terminated"]
        {
            assert!(notify.contains(&format!("\n{header}")), "{header} missing in {notify}");
        }
    }
    assert!(notifies[0].contains("\nContent-Length: 0\n"));
    assert!(
        notifies[2].contains("\nContent-Type: text/plain\nContent-Length: 33\n\naction=restart\nRegisterCallId={}")
    );
    let stats = n.stats();
    assert_eq!((stats.sent, stats.responses, stats.stray, stats.garbage), (3, 3, 0, 0));
}

#[test]
fn sync_notify_without_answer_times_out() {
    // A phone that takes the NOTIFY and never answers: count what it gets.
    let silent = UdpSocket::bind((LOCALHOST, 0)).unwrap();
    let port = silent.local_addr().unwrap().port();
    silent.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let listener = thread::spawn(move || {
        let mut buf = [0u8; 2048];
        while let Ok((len, _)) = silent.recv_from(&mut buf) {
            assert!(buf[..len].starts_with(b"NOTIFY sip:anonymous@127.0.0.1:"));
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });
    // T1 = 20 ms: retransmissions at 20, 60, 140, 300 ms then every 160 ms,
    // Timer F at 1280 ms.
    let timers = Timers::from_t1(Duration::from_millis(20));
    let mut n = notifier(port, timers);
    let started = Instant::now();
    let outcome = n.notify(&target(1, SyncNotify::CHECK_SYNC));
    let elapsed = started.elapsed();
    let NotifyOutcome::NoAnswer { retransmits } = outcome else { panic!("{outcome:?}") };
    // 10 on time; a late wake-up (loaded machine) merges retransmissions.
    assert!((6..=10).contains(&retransmits), "{retransmits} retransmissions");
    // Never gives up before Timer F (a lower bound only: a loaded machine
    // may take longer).
    assert!(elapsed >= timers.timer_f, "{elapsed:?}");
    listener.join().unwrap();
    assert_eq!(received.load(Ordering::SeqCst), retransmits as usize + 1);
    assert_eq!(n.stats().sent, u64::from(retransmits) + 1);
    assert_eq!(n.stats().retransmitted, u64::from(retransmits));

    // Nothing listening at all (the ICMP errors do not end it early).
    let mut n = notifier(free_udp_port(), Timers::from_t1(Duration::from_millis(5)));
    let outcome = n.notify(&target(2, SyncNotify::CHECK_SYNC));
    assert!(matches!(outcome, NotifyOutcome::NoAnswer { retransmits } if retransmits >= 6), "{outcome:?}");
}

/// Phones whose MAC ends in a multiple of 4 fetch their file 5 ms after
/// the NOTIFY.
struct EveryFourth;

impl FetchLog for EveryFourth {
    fn fetched_after(&self, _: &str, mac: Option<Mac>, since: Instant) -> Option<Instant> {
        let at = since + Duration::from_millis(5);
        (mac?.0[5] % 4 == 0 && at <= Instant::now()).then_some(at)
    }
}

#[test]
fn sync_sipp_mass_synchronize() {
    const COUNT: usize = 300;
    let mut sipp = Sipp::start(COUNT);
    let mut n = notifier(sipp.port, Timers::default());
    let jobs = (0..COUNT).map(|i| Ok(target(i, SyncNotify::CHECK_SYNC))).collect();
    let options = MassOptions {
        rate: 400.0,
        max_in_flight: 50,
        fetch_window: Duration::from_millis(500),
        fetch_poll: Duration::from_millis(20),
        max_duration: Duration::from_secs(60),
        ..Default::default()
    };
    let mut calls = 0;
    let mut last = None;
    let report = mass::run(&mut n, jobs, &options, &EveryFourth, &mut |p| {
        calls += 1;
        last = Some(p);
    })
    .unwrap();
    let status = sipp.wait(Duration::from_secs(20));
    assert!(status.success(), "sipp: {status}\n{}", sipp.file("stderr"));

    assert_eq!((report.total, report.succeeded, report.no_answer, report.failed), (COUNT, COUNT, 0, 0));
    assert!(!report.stopped);
    // Paced: 300 NOTIFYs at 400/s take 3/4 s at least.
    assert!(report.elapsed_ms >= 745, "{} ms", report.elapsed_ms);
    let mut fetched = 0;
    for (i, d) in report.devices.iter().enumerate() {
        assert_eq!(d.device_id, format!("dev{i}"));
        assert!(matches!(d.outcome, NotifyOutcome::Answered { code: 200, .. }), "{d:?}");
        match d.fetch {
            Fetch::Fetched { after_ms } if i % 4 == 0 => {
                assert!(after_ms < 500);
                fetched += 1;
            }
            Fetch::NotFetched if i % 4 != 0 => {}
            other => panic!("device {i}: {other:?}"),
        }
    }
    assert_eq!((fetched, report.fetched), (COUNT / 4, COUNT / 4));
    let last = last.unwrap();
    assert_eq!((last.phase, last.done, last.total, last.fetched), (Phase::Done, COUNT, COUNT, COUNT / 4));
    assert!(calls > 10);

    // SIPp saw every NOTIFY once, each with its own Call-ID.
    let events = sipp.events();
    assert_eq!(events.len(), COUNT);
    assert!(events.iter().all(|e| e == "check-sync"));
    let messages = sipp.file("messages.log");
    let call_ids: HashSet<&str> = messages.lines().filter_map(|l| l.strip_prefix("Call-ID: ")).collect();
    assert_eq!(call_ids.len(), COUNT);
    assert_eq!(n.in_flight(), 0);
}
