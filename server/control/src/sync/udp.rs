//! The SIP backend: provd sends the NOTIFYs itself, from one blocking UDP
//! socket that carries any number of client transactions at once (matched
//! by Via branch, then Call-ID and CSeq).

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use super::sip::{self, Ids};
use super::transaction::{ClientTransaction, Ending, Timers};
use super::{Address, Notifier, NotifyOutcome, Target};

/// Settings of the SIP backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SipConfig {
    /// The phones' SIP port (default 5060).
    pub port: u16,
    /// provd's local address (default `0.0.0.0:0`: any address, an ephemeral port).
    pub bind: SocketAddr,
    /// The address to put in Via/From/Contact. Default: the socket's address
    /// or, when it is bound to any address, the source address the kernel
    /// picks for each destination.
    pub advertise: Option<IpAddr>,
    /// The transaction's timers: retransmissions and how long to wait.
    pub timers: Timers,
}

impl Default for SipConfig {
    fn default() -> Self {
        SipConfig {
            port: 5060,
            bind: SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
            advertise: None,
            timers: Timers::default(),
        }
    }
}

/// Counters of one notifier's socket.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SipStats {
    /// Requests sent, retransmissions included.
    pub sent: u64,
    /// Of those, retransmissions.
    pub retransmitted: u64,
    /// Responses that matched a transaction in flight.
    pub responses: u64,
    /// Well-formed responses for no transaction in flight.
    pub stray: u64,
    /// Datagrams that are not SIP responses.
    pub garbage: u64,
}

struct Flight {
    key: usize,
    dest: SocketAddr,
    tx: ClientTransaction,
}

/// The SIP backend: the blocking UDP driver of client transactions.
pub struct SipNotifier {
    socket: UdpSocket,
    local: SocketAddr,
    config: SipConfig,
    flights: HashMap<String, Flight>,
    ready: Vec<(usize, NotifyOutcome)>,
    routes: HashMap<IpAddr, IpAddr>,
    buf: Vec<u8>,
    stats: SipStats,
}

/// Bound of the per-destination source-address cache.
const MAX_ROUTES: usize = 4096;

impl SipNotifier {
    /// A notifier on a UDP socket bound to `config.bind`.
    pub fn bind(config: SipConfig) -> io::Result<SipNotifier> {
        let socket = UdpSocket::bind(config.bind)?;
        let local = socket.local_addr()?;
        Ok(SipNotifier {
            socket,
            local,
            config,
            flights: HashMap::new(),
            ready: Vec::new(),
            routes: HashMap::new(),
            buf: vec![0; 65536],
            stats: SipStats::default(),
        })
    }

    /// The address its socket is bound to.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The settings it was bound with.
    pub fn config(&self) -> &SipConfig {
        &self.config
    }

    /// Its counters so far.
    pub fn stats(&self) -> SipStats {
        self.stats
    }

    /// The address phones are told to answer to, for a request to `dest`.
    fn via_addr(&mut self, dest: IpAddr) -> SocketAddr {
        let ip = match self.config.advertise {
            Some(ip) => ip,
            None if !self.local.ip().is_unspecified() => self.local.ip(),
            None => {
                if self.routes.len() >= MAX_ROUTES {
                    self.routes.clear();
                }
                let fallback = self.local.ip();
                *self.routes.entry(dest).or_insert_with(|| source_for(dest).unwrap_or(fallback))
            }
        };
        SocketAddr::new(ip, self.local.port())
    }

    fn send(&mut self, branch: &str) {
        let Some(flight) = self.flights.get_mut(branch) else { return };
        let dest = flight.dest;
        let retransmit = flight.tx.retransmits() > 0;
        if let Some(bytes) = flight.tx.poll_transmit() {
            match self.socket.send_to(bytes, dest) {
                Ok(_) => {
                    self.stats.sent += 1;
                    self.stats.retransmitted += u64::from(retransmit);
                }
                // A full socket buffer is a lost datagram: retransmission covers it.
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => flight.tx.fail(format!("cannot send to {dest}: {e}")),
            }
        }
    }

    /// Moves ended transactions to `done`.
    fn collect(&mut self, done: &mut Vec<(usize, NotifyOutcome)>) {
        self.flights.retain(|_, f| match f.tx.ending() {
            None => true,
            Some(ending) => {
                let retransmits = f.tx.retransmits();
                done.push((
                    f.key,
                    match ending {
                        Ending::Final { code, reason } => {
                            NotifyOutcome::Answered { code: *code, reason: reason.clone(), retransmits }
                        }
                        Ending::Timeout => NotifyOutcome::NoAnswer { retransmits },
                        Ending::TransportError(e) => NotifyOutcome::failed(e.clone()),
                    },
                ));
                false
            }
        });
    }

    fn fire_timers(&mut self, now: Instant) {
        let due: Vec<String> = self
            .flights
            .iter()
            .filter(|(_, f)| f.tx.poll_timeout().is_some_and(|t| t <= now))
            .map(|(b, _)| b.clone())
            .collect();
        for branch in due {
            if let Some(f) = self.flights.get_mut(&branch) {
                f.tx.handle_timeout(now);
            }
            self.send(&branch);
        }
    }

    fn on_datagram(&mut self, len: usize) {
        let Some(response) = sip::parse_response(&self.buf[..len]) else {
            self.stats.garbage += 1;
            return;
        };
        let flight = response.branch.and_then(|b| self.flights.get_mut(b));
        if flight.is_some_and(|f| f.tx.handle_response(&response)) {
            self.stats.responses += 1;
        } else {
            self.stats.stray += 1;
        }
    }
}

/// The source address the kernel would use towards `dest` (no packet sent).
fn source_for(dest: IpAddr) -> Option<IpAddr> {
    let any = match dest {
        IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        IpAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    };
    let probe = UdpSocket::bind((any, 0)).ok()?;
    probe.connect((dest, 9)).ok()?;
    Some(probe.local_addr().ok()?.ip())
}

impl Notifier for SipNotifier {
    fn start(&mut self, key: usize, target: &Target, now: Instant) {
        let ip = match &target.address {
            Address::Ip(ip) => *ip,
            Address::Endpoint(e) => {
                self.ready.push((key, NotifyOutcome::failed(format!("endpoint {e}: the SIP backend needs an IP"))));
                return;
            }
        };
        let dest = SocketAddr::new(ip, self.config.port);
        let local = self.via_addr(ip);
        let ids = Ids::random();
        let request = sip::format_notify(dest, local, &target.notify, &ids);
        let tx = ClientTransaction::new(request, ids.branch.clone(), ids.call_id, 1, self.config.timers, now);
        self.flights.insert(ids.branch.clone(), Flight { key, dest, tx });
        self.send(&ids.branch);
    }

    fn poll(&mut self, deadline: Instant, done: &mut Vec<(usize, NotifyOutcome)>) {
        let before = done.len();
        loop {
            let now = Instant::now();
            self.fire_timers(now);
            done.append(&mut self.ready);
            self.collect(done);
            if done.len() > before || now >= deadline {
                return;
            }
            let wake = self.flights.values().filter_map(|f| f.tx.poll_timeout()).fold(deadline, Instant::min);
            let wait = wake.saturating_duration_since(now).max(Duration::from_millis(1));
            if self.socket.set_read_timeout(Some(wait)).is_err() {
                std::thread::sleep(wait);
                continue;
            }
            match self.socket.recv_from(&mut self.buf) {
                Ok((len, _from)) => self.on_datagram(len),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                // ICMP errors reported on the socket and the like: they
                // concern one destination, whose transaction times out.
                Err(_) => std::thread::sleep(Duration::from_millis(1)),
            }
        }
    }

    fn in_flight(&self) -> usize {
        self.flights.len() + self.ready.len()
    }

    fn abort(&mut self) {
        self.flights.clear();
        self.ready.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_core::family::SyncNotify;

    fn target(port_owner: &UdpSocket) -> (Target, u16) {
        let addr = port_owner.local_addr().unwrap();
        (
            Target {
                device_id: "d".into(),
                mac: None,
                notify: SyncNotify::CHECK_SYNC,
                address: Address::Ip(addr.ip()),
            },
            addr.port(),
        )
    }

    fn notifier(port: u16, t1_ms: u64) -> SipNotifier {
        SipNotifier::bind(SipConfig {
            port,
            bind: "127.0.0.1:0".parse().unwrap(),
            timers: Timers::from_t1(Duration::from_millis(t1_ms)),
            ..Default::default()
        })
        .unwrap()
    }

    /// A scripted phone: answers each NOTIFY with what `answer` returns.
    fn phone(answer: impl Fn(&str) -> Vec<String> + Send + 'static) -> (UdpSocket, std::thread::JoinHandle<usize>) {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        let s = sock.try_clone().unwrap();
        s.set_read_timeout(Some(Duration::from_millis(500))).unwrap();
        let h = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            let mut n = 0;
            while let Ok((len, from)) = s.recv_from(&mut buf) {
                n += 1;
                let req = String::from_utf8_lossy(&buf[..len]).into_owned();
                for reply in answer(&req) {
                    s.send_to(reply.as_bytes(), from).unwrap();
                }
            }
            n
        });
        (sock, h)
    }

    fn header<'a>(req: &'a str, name: &str) -> &'a str {
        req.lines().find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(": "))).unwrap_or("")
    }

    fn reply(req: &str, status: &str) -> String {
        format!(
            "SIP/2.0 {status}\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=p\r\nCall-ID: {}\r\nCSeq: {}\r\nContent-Length: 0\r\n\r\n",
            header(req, "Via"),
            header(req, "From"),
            header(req, "To"),
            header(req, "Call-ID"),
            header(req, "CSeq"),
        )
    }

    #[test]
    fn sync_udp_answers_with_strays_and_garbage_around() {
        let (sock, phone) = phone(|req| {
            let mut other = reply(req, "200 OK");
            other = other.replacen("branch=z9hG4bK", "branch=z9hG4bKx", 1);
            vec![
                "garbage\r\n\r\n".into(),
                other,
                reply(req, "100 Trying").replace("Call-ID", "i").replace("Via", "v"),
                reply(req, "202 Accepted"),
            ]
        });
        let (target, port) = target(&sock);
        let mut n = notifier(port, 200);
        let outcome = n.notify(&target);
        assert_eq!(outcome, NotifyOutcome::Answered { code: 202, reason: "Accepted".into(), retransmits: 0 });
        let stats = n.stats();
        assert_eq!((stats.sent, stats.responses, stats.stray, stats.garbage), (1, 2, 1, 1));
        drop(n);
        assert_eq!(phone.join().unwrap(), 1);
    }

    #[test]
    fn sync_udp_via_names_a_real_address() {
        let (sock, phone) = phone(|req| {
            assert!(header(req, "Via").starts_with("SIP/2.0/UDP 127.0.0.1:"), "{req}");
            vec![reply(req, "200 OK")]
        });
        let (target, port) = target(&sock);
        let mut n = SipNotifier::bind(SipConfig { port, ..Default::default() }).unwrap();
        assert!(n.local_addr().ip().is_unspecified());
        assert!(n.notify(&target).is_success());
        drop(n);
        assert_eq!(phone.join().unwrap(), 1);
    }

    #[test]
    fn sync_udp_endpoint_needs_ami() {
        let mut n = notifier(5060, 20);
        let t = Target {
            device_id: "d".into(),
            mac: None,
            notify: SyncNotify::CHECK_SYNC,
            address: Address::Endpoint("abc".into()),
        };
        assert!(matches!(n.notify(&t), NotifyOutcome::Failed { .. }));
        assert_eq!(n.in_flight(), 0);
    }
}
