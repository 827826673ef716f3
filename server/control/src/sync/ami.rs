//! The AMI backend: Asterisk sends the NOTIFY (`PJSIPNotify`), as
//! wazo-provd does through wazo-amid. One manager connection, logged in on
//! first use and again after any failure; actions are pipelined on it and
//! their responses matched by `ActionID` (events in between are skipped).
//!
//! Asterisk answers `Response: Success` / `Message: NOTIFY sent` once it has
//! queued the NOTIFY: it does not wait for the phone, so the outcome is
//! [`NotifyOutcome::Accepted`], never `Answered`.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use super::{Address, Notifier, NotifyOutcome, Target, uri_host};

/// Settings of the AMI backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmiConfig {
    /// `host:port` of Asterisk's manager (default `127.0.0.1:5038`).
    pub addr: String,
    /// The manager user (`manager.conf`) provd logs in as.
    pub username: String,
    /// Its password (`secret` in `manager.conf`).
    pub secret: String,
    /// Bound of connect + banner + login (default 5 s).
    pub connect_timeout: Duration,
    /// How long to wait for each action's response (default 10 s).
    pub action_timeout: Duration,
    /// After a failed connection or login, actions fail at once with the same
    /// error for this long instead of trying again (default 1 s): a mass
    /// synchronize against a stopped Asterisk ends quickly.
    pub retry_delay: Duration,
}

impl Default for AmiConfig {
    fn default() -> Self {
        AmiConfig {
            addr: "127.0.0.1:5038".into(),
            username: String::new(),
            secret: String::new(),
            connect_timeout: Duration::from_secs(5),
            action_timeout: Duration::from_secs(10),
            retry_delay: Duration::from_secs(1),
        }
    }
}

/// Counters of one AMI notifier.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct AmiStats {
    /// Successful logins (the first one and every reconnection).
    logins: u64,
    actions: u64,
    /// Messages that were not a response to an action in flight (events…).
    skipped: u64,
}

/// The most a connection buffers while waiting for the end of a message.
const MAX_BUFFER: usize = 1 << 20;
const BANNER: &str = "Asterisk Call Manager/";

/// One AMI message: `Key: Value` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Message(Vec<(String, String)>);

impl Message {
    /// The first value of `key` (case-insensitive).
    fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v.as_str())
    }

    fn parse(bytes: &[u8]) -> Message {
        let text = String::from_utf8_lossy(bytes);
        Message(
            text.lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
                .collect(),
        )
    }
}

/// Takes the first complete message (ended by an empty line) out of `buf`.
/// Empty messages (stray blank lines) are dropped.
fn take_message(buf: &mut Vec<u8>) -> Option<Message> {
    loop {
        let mut end = None;
        for (i, _) in buf.iter().enumerate().filter(|(_, b)| **b == b'\n') {
            match buf.get(i + 1..) {
                Some([b'\n', ..]) => end = Some((i, i + 2)),
                Some([b'\r', b'\n', ..]) => end = Some((i, i + 3)),
                _ => continue,
            }
            break;
        }
        // A message that starts with a blank line: drop the blank line.
        if end.is_none() {
            if buf.starts_with(b"\r\n") || buf.starts_with(b"\n") {
                let n = if buf[0] == b'\r' { 2 } else { 1 };
                buf.drain(..n);
                continue;
            }
            return None;
        }
        let (body_end, next) = end?;
        let message = Message::parse(&buf[..body_end]);
        buf.drain(..next);
        if !message.0.is_empty() {
            return Some(message);
        }
    }
}

/// `Action: Login`.
fn format_login(action_id: &str, username: &str, secret: &str) -> Result<String, String> {
    for (what, v) in [("username", username), ("secret", secret)] {
        check_value(what, v)?;
    }
    Ok(format!(
        "Action: Login\r\nActionID: {action_id}\r\nUsername: {username}\r\nSecret: {secret}\r\nEvents: off\r\n\r\n"
    ))
}

/// `Action: PJSIPNotify` for `target`: `Endpoint:` or `URI:`, then
/// `Variable: Event=<event>` and, for a body, `Variable: Content-type=<type>`
/// and one `Variable: Content=<line>` per line (Asterisk joins them with
/// CRLF). Refuses values that would break the message.
fn format_pjsip_notify(action_id: &str, target: &Target) -> Result<String, String> {
    let mut action = format!("Action: PJSIPNotify\r\nActionID: {action_id}\r\n");
    match &target.address {
        Address::Endpoint(endpoint) => {
            check_value("endpoint", endpoint)?;
            if endpoint.trim().is_empty() {
                return Err("empty endpoint name".into());
            }
            action += &format!("Endpoint: {endpoint}\r\n");
        }
        Address::Ip(ip) => action += &format!("URI: sip:anonymous@{}\r\n", uri_host(*ip)),
    }
    check_value("event", target.notify.event)?;
    action += &format!("Variable: Event={}\r\n", target.notify.event);
    if let Some((content_type, lines)) = &target.notify.body {
        check_value("content type", content_type)?;
        action += &format!("Variable: Content-type={content_type}\r\n");
        for line in lines {
            check_value("body line", line)?;
            action += &format!("Variable: Content={line}\r\n");
        }
    }
    action += "\r\n";
    Ok(action)
}

fn check_value(what: &str, value: &str) -> Result<(), String> {
    if value.contains(['\r', '\n', '\0']) { Err(format!("{what} {value:?} holds a line break")) } else { Ok(()) }
}

struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    /// Reads more bytes, waiting until `deadline` at most. `Ok(false)` on timeout.
    fn fill(&mut self, deadline: Instant) -> io::Result<bool> {
        let wait = deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
        self.stream.set_read_timeout(Some(wait))?;
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "connection closed by Asterisk")),
            Ok(n) => {
                if self.buf.len() + n > MAX_BUFFER {
                    return Err(io::Error::new(io::ErrorKind::InvalidData, "AMI message too large"));
                }
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(true)
            }
            Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// The next message, waiting until `deadline`; `Ok(None)` on timeout.
    fn message(&mut self, deadline: Instant) -> io::Result<Option<Message>> {
        loop {
            if let Some(m) = take_message(&mut self.buf) {
                return Ok(Some(m));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            self.fill(deadline)?;
        }
    }

    /// The banner line.
    fn line(&mut self, deadline: Instant) -> io::Result<Option<String>> {
        loop {
            if let Some(nl) = self.buf.iter().position(|&b| b == b'\n') {
                let line = String::from_utf8_lossy(&self.buf[..nl]).trim().to_owned();
                self.buf.drain(..=nl);
                return Ok(Some(line));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            self.fill(deadline)?;
        }
    }

    /// Whether the peer has not closed the connection (checked before
    /// reusing an idle connection: Asterisk restarts close them).
    fn alive(&self) -> bool {
        if !self.buf.is_empty() {
            return true;
        }
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let mut byte = [0u8; 1];
        let alive = match self.stream.peek(&mut byte) {
            Ok(0) => false,
            Ok(_) => true,
            Err(e) => e.kind() == io::ErrorKind::WouldBlock,
        };
        alive && self.stream.set_nonblocking(false).is_ok()
    }
}

struct Pending {
    key: usize,
    action_id: String,
    deadline: Instant,
}

/// The AMI backend.
pub(crate) struct AmiNotifier {
    config: AmiConfig,
    conn: Option<Conn>,
    pending: VecDeque<Pending>,
    ready: Vec<(usize, NotifyOutcome)>,
    next_id: u64,
    stats: AmiStats,
    last_failure: Option<(Instant, String)>,
}

impl AmiNotifier {
    /// A notifier; it connects on first use.
    pub(crate) fn new(config: AmiConfig) -> AmiNotifier {
        AmiNotifier {
            config,
            conn: None,
            pending: VecDeque::new(),
            ready: Vec::new(),
            next_id: 0,
            stats: AmiStats::default(),
            last_failure: None,
        }
    }

    /// Its counters so far.
    #[cfg(test)]
    fn stats(&self) -> AmiStats {
        self.stats
    }

    fn action_id(&mut self) -> String {
        self.next_id += 1;
        format!("provd-{}", self.next_id)
    }

    /// Connects and logs in, unless the last attempt failed less than
    /// `retry_delay` ago.
    fn connect(&mut self) -> Result<(), String> {
        if let Some((at, error)) = &self.last_failure
            && at.elapsed() < self.config.retry_delay
        {
            return Err(error.clone());
        }
        let result = self.login();
        self.last_failure = result.as_ref().err().map(|e| (Instant::now(), e.clone()));
        result
    }

    /// Connects, checks the banner and logs in.
    fn login(&mut self) -> Result<(), String> {
        let addr = self.config.addr.clone();
        let addr = addr.as_str();
        let deadline = Instant::now() + self.config.connect_timeout;
        let addrs: Vec<_> = addr.to_socket_addrs().map_err(|e| format!("AMI address {addr}: {e}"))?.collect();
        let mut last = format!("AMI address {addr}: no address");
        let mut stream = None;
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.config.connect_timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = format!("cannot connect to Asterisk's manager at {a}: {e}"),
            }
        }
        let stream = stream.ok_or(last)?;
        let _ = stream.set_nodelay(true);
        let mut conn = Conn { stream, buf: Vec::new() };
        let io_err = |e: io::Error| format!("AMI {addr}: {e}");
        match conn.line(deadline).map_err(io_err)? {
            Some(banner) if banner.starts_with(BANNER) => {}
            Some(other) => return Err(format!("AMI {addr}: not an Asterisk manager (banner {other:?})")),
            None => return Err(format!("AMI {addr}: no banner")),
        }
        let id = self.action_id();
        let login = format_login(&id, &self.config.username, &self.config.secret)?;
        conn.stream.write_all(login.as_bytes()).map_err(io_err)?;
        loop {
            let Some(m) = conn.message(deadline).map_err(io_err)? else {
                return Err(format!("AMI {addr}: no answer to login"));
            };
            let Some(response) = m.get("Response") else { continue };
            if m.get("ActionID").is_some_and(|a| a != id) {
                continue;
            }
            if response.eq_ignore_ascii_case("Success") {
                self.stats.logins += 1;
                self.conn = Some(conn);
                return Ok(());
            }
            return Err(format!("AMI login failed: {}", m.get("Message").unwrap_or(response)));
        }
    }

    /// Drops the connection; what was in flight on it fails with `why`.
    fn lose_connection(&mut self, why: &str) {
        if let Some(conn) = self.conn.take() {
            let _ = conn.stream.shutdown(Shutdown::Both);
        }
        for p in self.pending.drain(..) {
            self.ready.push((p.key, NotifyOutcome::failed(format!("AMI connection lost before the answer: {why}"))));
        }
    }

    /// Writes `action`, reconnecting first when needed and once more if the
    /// write fails.
    fn send(&mut self, action: &str) -> Result<(), String> {
        if self.conn.as_ref().is_some_and(|c| !c.alive()) {
            self.lose_connection("connection closed by Asterisk");
        }
        for attempt in 0..2 {
            if self.conn.is_none() {
                self.connect()?;
            }
            let Some(conn) = self.conn.as_mut() else { continue };
            match conn.stream.write_all(action.as_bytes()) {
                Ok(()) => return Ok(()),
                Err(e) if attempt == 0 => self.lose_connection(&e.to_string()),
                Err(e) => {
                    self.lose_connection(&e.to_string());
                    return Err(format!("AMI write: {e}"));
                }
            }
        }
        Err("AMI: not connected".into())
    }

    fn on_message(&mut self, m: Message) {
        let (Some(response), Some(id)) = (m.get("Response"), m.get("ActionID")) else {
            self.stats.skipped += 1;
            return;
        };
        let Some(pos) = self.pending.iter().position(|p| p.action_id == id) else {
            self.stats.skipped += 1;
            return;
        };
        let Some(p) = self.pending.remove(pos) else { return };
        let message = m.get("Message").unwrap_or("").to_owned();
        let outcome = if response.eq_ignore_ascii_case("Success") {
            NotifyOutcome::Accepted { message }
        } else if response.eq_ignore_ascii_case("Error") {
            NotifyOutcome::failed(format!("Asterisk: {message}"))
        } else {
            NotifyOutcome::failed(format!("Asterisk: unexpected response {response:?}: {message}"))
        };
        self.ready.push((p.key, outcome));
    }
}

impl Drop for AmiNotifier {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            let _ = conn.stream.write_all(b"Action: Logoff\r\n\r\n");
        }
    }
}

impl Notifier for AmiNotifier {
    fn start(&mut self, key: usize, target: &Target, now: Instant) {
        let id = self.action_id();
        let result = format_pjsip_notify(&id, target).and_then(|action| self.send(&action));
        match result {
            Ok(()) => {
                self.stats.actions += 1;
                self.pending.push_back(Pending { key, action_id: id, deadline: now + self.config.action_timeout });
            }
            Err(e) => self.ready.push((key, NotifyOutcome::failed(e))),
        }
    }

    fn poll(&mut self, deadline: Instant, done: &mut Vec<(usize, NotifyOutcome)>) {
        let before = done.len();
        loop {
            let now = Instant::now();
            let timeout = self.config.action_timeout;
            self.pending.retain(|p| {
                let alive = p.deadline > now;
                if !alive {
                    let error = format!("no answer from Asterisk within {} ms", timeout.as_millis());
                    self.ready.push((p.key, NotifyOutcome::failed(error)));
                }
                alive
            });
            done.append(&mut self.ready);
            if done.len() > before || now >= deadline {
                return;
            }
            if self.pending.is_empty() {
                std::thread::sleep(deadline - now);
                continue;
            }
            let Some(conn) = self.conn.as_mut() else {
                self.lose_connection("not connected");
                continue;
            };
            if let Some(m) = take_message(&mut conn.buf) {
                self.on_message(m);
                continue;
            }
            let wake = self.pending.iter().map(|p| p.deadline).fold(deadline, Instant::min);
            if let Err(e) = conn.fill(wake) {
                self.lose_connection(&e.to_string());
            }
        }
    }

    fn in_flight(&self) -> usize {
        self.pending.len() + self.ready.len()
    }

    fn abort(&mut self) {
        self.pending.clear();
        self.ready.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader};
    use std::net::{IpAddr, TcpListener};
    use std::sync::mpsc;
    use std::thread;

    use provd_core::device::Device;
    use provd_core::family::SyncNotify;

    use super::*;
    use crate::sync::{Backend, target};

    /// The Asterisk side of one connection, scripted by the test.
    struct Peer {
        reader: BufReader<TcpStream>,
        writer: TcpStream,
    }

    impl Peer {
        fn accept(listener: &TcpListener) -> Peer {
            let (s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
            Peer { reader: BufReader::new(s.try_clone().unwrap()), writer: s }
        }

        fn send(&mut self, text: &str) {
            self.writer.write_all(text.replace('\n', "\r\n").as_bytes()).unwrap();
        }

        /// Reads one action as its lines (without the empty line).
        fn read(&mut self) -> Vec<String> {
            let mut lines = Vec::new();
            loop {
                let mut line = String::new();
                if self.reader.read_line(&mut line).unwrap() == 0 {
                    return lines;
                }
                let line = line.trim_end_matches(['\r', '\n']).to_owned();
                if line.is_empty() {
                    if lines.is_empty() {
                        continue;
                    }
                    return lines;
                }
                lines.push(line);
            }
        }

        fn header(action: &[String], name: &str) -> String {
            let prefix = format!("{name}: ");
            action.iter().find_map(|l| l.strip_prefix(&prefix)).unwrap_or_default().to_owned()
        }

        /// Banner, login (checked), `Response: Success`.
        fn login(listener: &TcpListener) -> Peer {
            let mut p = Peer::accept(listener);
            p.send("Asterisk Call Manager/9.0.0\n");
            let login = p.read();
            assert_eq!(login[0], "Action: Login");
            assert_eq!(Peer::header(&login, "Username"), "provd");
            assert_eq!(Peer::header(&login, "Secret"), "s3cret");
            assert_eq!(Peer::header(&login, "Events"), "off");
            let id = Peer::header(&login, "ActionID");
            p.send(&format!("Response: Success\nActionID: {id}\nMessage: Authentication accepted\n\n"));
            p.send("Event: FullyBooted\nPrivilege: system,all\nStatus: Fully Booted\n\n");
            p
        }

        fn answer(&mut self, action: &[String], response: &str, message: &str) {
            let id = Peer::header(action, "ActionID");
            self.send(&format!("Response: {response}\nActionID: {id}\nMessage: {message}\n\n"));
        }
    }

    fn listener() -> (TcpListener, AmiConfig) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let config = AmiConfig {
            addr: l.local_addr().unwrap().to_string(),
            username: "provd".into(),
            secret: "s3cret".into(),
            connect_timeout: Duration::from_secs(2),
            action_timeout: Duration::from_secs(2),
            retry_delay: Duration::ZERO,
        };
        (l, config)
    }

    fn device(ip: Option<&str>, user: Option<&str>) -> Device {
        Device {
            id: "dev".into(),
            ip: ip.map(Into::into),
            remote_state_sip_username: user.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn sync_ami_formats_actions() {
        let mut t = target(&device(Some("10.0.0.9"), Some("abc")), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
        assert_eq!(
            format_pjsip_notify("provd-1", &t).unwrap(),
            "Action: PJSIPNotify\r\nActionID: provd-1\r\nEndpoint: abc\r\nVariable: Event=check-sync\r\n\r\n"
        );
        t.address = Address::Ip(IpAddr::from([10, 0, 0, 9]));
        t.notify = SyncNotify {
            event: "service-control",
            body: Some(("text/plain", vec!["action=restart".into(), "RegisterCallId={}".into()])),
        };
        assert_eq!(
            format_pjsip_notify("provd-2", &t).unwrap(),
            "Action: PJSIPNotify\r\nActionID: provd-2\r\nURI: sip:anonymous@10.0.0.9\r\n\
             Variable: Event=service-control\r\nVariable: Content-type=text/plain\r\n\
             Variable: Content=action=restart\r\nVariable: Content=RegisterCallId={}\r\n\r\n"
        );
        // A SIP username comes from the phone: it must not inject headers.
        t.address = Address::Endpoint("abc\r\nAction: Originate".into());
        assert!(format_pjsip_notify("provd-3", &t).unwrap_err().contains("line break"));
        assert!(format_login("x", "u\n", "s").is_err());
    }

    #[test]
    fn sync_ami_message_framing() {
        let mut buf = b"\r\nResponse: Success\r\nActionID: 1\r\n\r\nEvent: X\nA: b: c\n\nResp".to_vec();
        let m = take_message(&mut buf).unwrap();
        assert_eq!(m.get("response"), Some("Success"));
        assert_eq!(m.get("ActionID"), Some("1"));
        let m = take_message(&mut buf).unwrap();
        assert_eq!(m.get("Event"), Some("X"));
        assert_eq!(m.get("a"), Some("b: c"));
        assert_eq!(take_message(&mut buf), None);
        assert_eq!(buf, b"Resp");
    }

    #[test]
    fn sync_ami_endpoint_uri_body_and_errors() {
        let (l, config) = listener();
        let peer = thread::spawn(move || {
            let mut p = Peer::login(&l);
            // Three pipelined actions, answered out of order, with noise.
            let a = p.read();
            let b = p.read();
            let c = p.read();
            p.send("Event: PeerStatus\nPeer: PJSIP/x\n\n");
            p.send("Response: Success\nActionID: someone-else\nMessage: nope\n\n");
            p.answer(&c, "Error", "Unable to retrieve endpoint abc");
            p.answer(&b, "Success", "NOTIFY sent");
            p.send("\n");
            p.answer(&a, "Success", "NOTIFY sent");
            (a, b, c)
        });
        let mut n = AmiNotifier::new(config);
        let by_endpoint =
            target(&device(Some("10.0.0.9"), Some("line1")), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
        let autoprov =
            target(&device(Some("10.0.0.9"), Some("ap12345678")), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
        let snom = target(
            &device(None, Some("abc")),
            SyncNotify { event: "check-sync;reboot=false", body: None },
            Backend::Ami,
        )
        .unwrap();
        let now = Instant::now();
        n.start(1, &by_endpoint, now);
        n.start(2, &autoprov, now);
        n.start(3, &snom, now);
        assert_eq!(n.in_flight(), 3);
        let mut done = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        while done.len() < 3 && Instant::now() < deadline {
            n.poll(deadline, &mut done);
        }
        done.sort_by_key(|d| d.0);
        let sent = NotifyOutcome::Accepted { message: "NOTIFY sent".into() };
        assert_eq!(
            done,
            [(1, sent.clone()), (2, sent), (3, NotifyOutcome::failed("Asterisk: Unable to retrieve endpoint abc")),]
        );
        assert_eq!(n.in_flight(), 0);
        let (a, b, c) = peer.join().unwrap();
        assert_eq!(Peer::header(&a, "Action"), "PJSIPNotify");
        assert_eq!(Peer::header(&a, "Endpoint"), "line1");
        assert_eq!(Peer::header(&a, "URI"), "");
        assert_eq!(Peer::header(&a, "Variable"), "Event=check-sync");
        assert_eq!(Peer::header(&b, "Endpoint"), "", "autoprov names are not endpoints");
        assert_eq!(Peer::header(&b, "URI"), "sip:anonymous@10.0.0.9");
        assert_eq!(Peer::header(&c, "Endpoint"), "abc");
        assert_eq!(Peer::header(&c, "Variable"), "Event=check-sync;reboot=false");
        assert_eq!(n.stats().logins, 1);
        assert!(n.stats().skipped >= 3, "{:?}", n.stats());
    }

    #[test]
    fn sync_ami_login_failure() {
        let (l, config) = listener();
        let peer = thread::spawn(move || {
            let mut p = Peer::accept(&l);
            p.send("Asterisk Call Manager/9.0.0\n");
            let login = p.read();
            p.send(&format!(
                "Response: Error\nActionID: {}\nMessage: Authentication failed\n\n",
                Peer::header(&login, "ActionID")
            ));
            // Not an Asterisk at all.
            let mut p = Peer::accept(&l);
            p.send("SSH-2.0-OpenSSH_9.2\n");
        });
        let mut n = AmiNotifier::new(config);
        let t = target(&device(Some("10.0.0.9"), None), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
        assert_eq!(n.notify(&t), NotifyOutcome::failed("AMI login failed: Authentication failed"));
        let NotifyOutcome::Failed { error } = n.notify(&t) else { panic!() };
        assert!(error.contains("not an Asterisk manager"), "{error}");
        peer.join().unwrap();
        assert_eq!(n.in_flight(), 0);
    }

    #[test]
    fn sync_ami_reconnects() {
        let (l, config) = listener();
        let port = l.local_addr().unwrap().port();
        let (closed_tx, closed_rx) = mpsc::channel();
        let peer = thread::spawn(move || {
            // 1: answers one action, then Asterisk restarts.
            let mut p = Peer::login(&l);
            let a = p.read();
            p.answer(&a, "Success", "NOTIFY sent");
            drop(p);
            closed_tx.send(()).unwrap();
            // 2: answers one, then takes the next action and dies before answering.
            let mut p = Peer::login(&l);
            let a = p.read();
            p.answer(&a, "Success", "NOTIFY sent");
            let _ = p.read();
            drop(p);
            // 3: all good again.
            let mut p = Peer::login(&l);
            let a = p.read();
            p.answer(&a, "Success", "NOTIFY sent");
            let _ = p.read(); // Logoff, or EOF
            drop(l);
        });
        let mut n = AmiNotifier::new(config.clone());
        let t = target(&device(Some("10.0.0.9"), None), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
        let sent = NotifyOutcome::Accepted { message: "NOTIFY sent".into() };
        assert_eq!(n.notify(&t), sent);
        closed_rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(n.notify(&t), sent, "reconnects after the manager closed the idle connection");
        assert_eq!(n.stats().logins, 2);
        let NotifyOutcome::Failed { error } = n.notify(&t) else { panic!() };
        assert!(error.contains("AMI connection lost"), "{error}");
        assert_eq!(n.notify(&t), sent);
        assert_eq!(n.stats().logins, 3);
        drop(n);
        peer.join().unwrap();

        // Nobody listening: a clear error, repeated without trying again
        // within `retry_delay`, then it works once the manager is back.
        let mut n = AmiNotifier::new(AmiConfig { retry_delay: Duration::from_millis(300), ..config });
        let NotifyOutcome::Failed { error } = n.notify(&t) else { panic!() };
        assert!(error.contains("cannot connect"), "{error}");
        let quick = Instant::now();
        assert_eq!(n.notify(&t), NotifyOutcome::Failed { error });
        assert!(quick.elapsed() < Duration::from_millis(300));
        thread::sleep(Duration::from_millis(300));
        if let Ok(l) = TcpListener::bind(("127.0.0.1", port)) {
            let peer = thread::spawn(move || {
                let mut p = Peer::login(&l);
                let a = p.read();
                p.answer(&a, "Success", "NOTIFY sent");
            });
            assert_eq!(n.notify(&t), sent);
            peer.join().unwrap();
        }
    }

    #[test]
    fn sync_ami_mass_synchronize_pipelines() {
        let (l, config) = listener();
        let peer = thread::spawn(move || {
            let mut p = Peer::login(&l);
            let mut seen = Vec::new();
            loop {
                let a = p.read();
                if a.is_empty() || Peer::header(&a, "Action") == "Logoff" {
                    return seen;
                }
                let endpoint = Peer::header(&a, "Endpoint");
                let (response, message) = if endpoint == "gone" {
                    ("Error", "Unable to retrieve endpoint gone")
                } else {
                    ("Success", "NOTIFY sent")
                };
                p.answer(&a, response, message);
                seen.push(endpoint);
            }
        });
        let mut n = AmiNotifier::new(config);
        let jobs: Vec<_> = (0..40)
            .map(|i| {
                let user = if i == 7 { "gone".to_owned() } else { format!("line{i}") };
                Ok(target(&device(None, Some(&user)), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap())
            })
            .collect();
        let options = crate::sync::MassOptions {
            rate: 0.0,
            max_in_flight: 8,
            fetch_window: Duration::ZERO,
            ..Default::default()
        };
        let report =
            crate::sync::mass::run(&mut n, jobs, &options, &crate::sync::mass::NoFetchLog, &mut |_| {}).unwrap();
        assert_eq!((report.succeeded, report.failed), (39, 1));
        assert_eq!(report.devices[7].outcome, NotifyOutcome::failed("Asterisk: Unable to retrieve endpoint gone"));
        assert_eq!(report.devices[8].target.as_deref(), Some("endpoint line8"));
        drop(n);
        assert_eq!(peer.join().unwrap().len(), 40);
    }

    #[test]
    fn sync_ami_action_timeout() {
        let (l, mut config) = listener();
        config.action_timeout = Duration::from_millis(200);
        let peer = thread::spawn(move || {
            let mut p = Peer::login(&l);
            let _ = p.read();
            // Never answers; keeps the connection open until the client gives up.
            let _ = p.read();
        });
        let mut n = AmiNotifier::new(config);
        let t = target(&device(Some("10.0.0.9"), None), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
        let started = Instant::now();
        assert_eq!(n.notify(&t), NotifyOutcome::failed("no answer from Asterisk within 200 ms"));
        assert!(started.elapsed() < Duration::from_secs(3));
        drop(n);
        peer.join().unwrap();
    }
}
