//! The load itself: a few OS threads, each running a monoio ring with many
//! phones in flight (one task per concurrent phone), HTTP/1.1 and TFTP on
//! non-blocking sockets bound to each phone's own loopback address.
//!
//! Every loop is bounded: a phone runs `repeat` boots of a fixed number of
//! requests; each HTTP request has a timeout, each TFTP transfer a finite
//! retransmission budget; everything stops at `--max-duration`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use monoio::buf::IoBufMut;
use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
use monoio::net::TcpStream;
use monoio::net::udp::UdpSocket;

use super::catalog::{Family, Files, Phone, Role, phone_ip};
use super::expect::{Digest, Expected, route_key};
use super::report::{Cpu, ErrorKind, Live, Stats};
use super::tftp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Http,
    Tftp,
    /// Each family's usual transport: TFTP for Cisco SCCP, HTTP otherwise.
    Auto,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Driver {
    Auto,
    Uring,
    Epoll,
}

/// Everything a run needs, validated.
#[derive(Debug)]
pub struct Config {
    pub http: Option<SocketAddr>,
    pub tftp: Option<SocketAddr>,
    pub transport: Transport,
    pub phones: u32,
    pub first_index: u32,
    pub seed: u64,
    pub families: Vec<Family>,
    pub files: Files,
    /// Boots per phone, back to back.
    pub repeat: u32,
    /// Phones in flight at once, over all threads.
    pub concurrency: usize,
    /// Each phone starts after a random delay in [0, spread).
    pub spread: Duration,
    pub max_duration: Duration,
    pub keepalive: bool,
    /// Bound on one HTTP request (connect to last byte).
    pub http_timeout: Duration,
    pub tftp_options: tftp::Options,
    pub threads: usize,
    pub driver: Driver,
    /// Bind each phone's sockets to its own 127.x.y.z address.
    pub per_phone_source: bool,
    pub expected: Option<Arc<Expected>>,
}

impl Config {
    /// The transport phone `p` uses.
    pub fn transport_of(&self, family: Family) -> Transport {
        match self.transport {
            Transport::Auto if family.tftp_by_default() => Transport::Tftp,
            Transport::Auto => Transport::Http,
            t => t,
        }
    }

    pub fn phone(&self, index: u32) -> Phone {
        Phone::new(self.seed, index, &self.families)
    }

    /// Every phone index of the run.
    pub fn indexes(&self) -> std::ops::Range<u32> {
        self.first_index..self.first_index + self.phones
    }

    /// The delay before phone `index` starts.
    pub fn start_offset(&self, index: u32) -> Duration {
        let span = self.spread.as_micros() as u64;
        if span == 0 {
            return Duration::ZERO;
        }
        Duration::from_micros(super::catalog::mix64(self.seed ^ 0x5EED ^ (u64::from(index) << 20)) % span)
    }
}

/// A response as far as the check is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Got {
    File { len: u64, hash: Option<[u8; 32]> },
    NotFound,
}

/// How a request went, given what was expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A file, as expected (checked against the export when `checked`).
    File {
        checked: bool,
    },
    /// "Not found", as expected.
    NotFound,
    Error(ErrorKind),
}

/// Judges an answer. `expected`: `None` without `--expect`; `Some(None)`
/// when the export has no such file. `not_found`: what a "not found" is
/// reported as when it is an error (`http_404`, `tftp_error_1`).
pub fn judge(expected: Option<Option<Digest>>, role: Role, got: Got, not_found: ErrorKind) -> Verdict {
    match (expected, got) {
        (Some(Some(d)), Got::File { len, hash }) => {
            if len == d.len && hash.is_none_or(|h| h == d.hash) {
                Verdict::File { checked: hash.is_some() }
            } else {
                Verdict::Error(ErrorKind::ContentMismatch)
            }
        }
        (Some(Some(_)), Got::NotFound) => Verdict::Error(not_found),
        (Some(None), Got::File { .. }) => Verdict::Error(ErrorKind::ContentMismatch),
        (Some(None), Got::NotFound) => Verdict::NotFound,
        (None, Got::File { .. }) => Verdict::File { checked: false },
        (None, Got::NotFound) if role == Role::Optional => Verdict::NotFound,
        (None, Got::NotFound) => Verdict::Error(not_found),
    }
}

/// A failed request: the kind and a line for the report.
type Failure = (ErrorKind, String);

/// What one thread shares among its phone tasks.
struct ThreadCtx {
    cfg: Arc<Config>,
    live: Arc<Live>,
    start: Instant,
    deadline: Instant,
    queue: RefCell<VecDeque<(Duration, u32)>>,
    stats: RefCell<Stats>,
}

pub struct Outcome {
    pub stats: Stats,
    pub elapsed: Duration,
    pub cpu: Cpu,
    pub hit_deadline: bool,
    pub driver: &'static str,
}

/// Runs the load; `tick` is called about every 200 ms with the live
/// counters and the elapsed time (the progress line).
pub fn run(cfg: Arc<Config>, live: Arc<Live>, mut tick: impl FnMut(&Live, Duration)) -> anyhow::Result<Outcome> {
    let threads = cfg.threads.clamp(1, 64);
    let mut plans: Vec<Vec<(Duration, u32)>> = vec![Vec::new(); threads];
    for (n, i) in cfg.indexes().enumerate() {
        plans[n % threads].push((cfg.start_offset(i), i));
    }
    for p in &mut plans {
        p.sort_unstable();
    }
    let cpu0 = Cpu::now();
    let start = Instant::now();
    let deadline = start + cfg.max_duration;
    // Each thread reports (its stats, the driver it ran, when it finished).
    let (done_tx, done_rx) = std::sync::mpsc::channel::<anyhow::Result<(Stats, &'static str, Instant)>>();
    let handles: Vec<_> = plans
        .into_iter()
        .enumerate()
        .map(|(t, plan)| {
            let (cfg, live, done_tx) = (cfg.clone(), live.clone(), done_tx.clone());
            // Each thread's share of the concurrency, rounded up.
            let workers = cfg.concurrency.div_ceil(threads).min(plan.len()).max(1);
            std::thread::Builder::new().name(format!("loadgen-{t}")).spawn(move || {
                let ctx = Rc::new(ThreadCtx {
                    cfg: cfg.clone(),
                    live,
                    start,
                    deadline,
                    queue: RefCell::new(plan.into()),
                    stats: RefCell::new(Stats::default()),
                });
                let main = {
                    let ctx = ctx.clone();
                    async move {
                        let tasks: Vec<_> = (0..workers).map(|_| monoio::spawn(worker(ctx.clone()))).collect();
                        for t in tasks {
                            t.await;
                        }
                    }
                };
                let result = block_on(cfg.driver, main)
                    .map(|driver| (ctx.stats.take(), driver, Instant::now()))
                    .map_err(anyhow::Error::from);
                let _ = done_tx.send(result);
            })
        })
        .collect::<Result<_, _>>()?;
    drop(done_tx);
    let mut stats = Stats::default();
    let (mut finished, mut driver, mut last) = (0, "io_uring", start);
    let mut first_error = None;
    while finished < handles.len() {
        match done_rx.recv_timeout(Duration::from_millis(200)) {
            Ok(Ok((s, d, at))) => {
                stats.merge(s);
                driver = d;
                last = last.max(at);
                finished += 1;
            }
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
                finished += 1;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => tick(&live, start.elapsed()),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    let cpu = Cpu::now().since(cpu0);
    for h in handles {
        h.join().map_err(|_| anyhow::anyhow!("a load thread panicked"))?;
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let elapsed = last.duration_since(start);
    // Cut by the bound: boots aborted, phones whose start came too late.
    let hit_deadline = last >= deadline || stats.boots_aborted > 0 || stats.phones_started < u64::from(cfg.phones);
    Ok(Outcome { stats, elapsed, cpu, hit_deadline, driver })
}

/// Runs `fut` on a ring of the chosen driver; the driver used.
fn block_on(driver: Driver, fut: impl std::future::Future<Output = ()>) -> std::io::Result<&'static str> {
    let uring = || monoio::RuntimeBuilder::<monoio::IoUringDriver>::new().with_entries(4096).enable_timer().build();
    match driver {
        Driver::Uring => {
            uring()?.block_on(fut);
            Ok("io_uring")
        }
        Driver::Auto => match uring() {
            Ok(mut rt) => {
                rt.block_on(fut);
                Ok("io_uring")
            }
            Err(_) => {
                monoio::RuntimeBuilder::<monoio::LegacyDriver>::new().enable_timer().build()?.block_on(fut);
                Ok("epoll")
            }
        },
        Driver::Epoll => {
            monoio::RuntimeBuilder::<monoio::LegacyDriver>::new().enable_timer().build()?.block_on(fut);
            Ok("epoll")
        }
    }
}

fn until(t: Instant) -> Duration {
    t.saturating_duration_since(Instant::now())
}

/// One concurrency slot: takes the next phone (in start order), waits for
/// its start time, boots it; until the queue is empty or the deadline.
async fn worker(ctx: Rc<ThreadCtx>) {
    loop {
        let next = ctx.queue.borrow_mut().pop_front();
        let Some((offset, index)) = next else { return };
        let at = ctx.start + offset;
        if at >= ctx.deadline || Instant::now() >= ctx.deadline {
            // Sorted by start time: nobody after this one can start either.
            ctx.queue.borrow_mut().clear();
            return;
        }
        if at > Instant::now() {
            monoio::time::sleep(until(at)).await;
        }
        run_phone(&ctx, index).await;
    }
}

struct PhoneRun {
    phone: Phone,
    steps: Vec<super::catalog::Step>,
    user_agent: String,
    source: Option<IpAddr>,
    transport: Transport,
}

async fn run_phone(ctx: &ThreadCtx, index: u32) {
    let cfg = &ctx.cfg;
    let phone = cfg.phone(index);
    let run = PhoneRun {
        steps: phone.steps(cfg.files),
        user_agent: phone.user_agent(),
        source: cfg.per_phone_source.then(|| IpAddr::V4(phone_ip(index))),
        transport: cfg.transport_of(phone.family),
        phone,
    };
    ctx.stats.borrow_mut().phones_started += 1;
    Live::add(&ctx.live.in_flight, 1);
    let mut all_ran = true;
    for _ in 0..cfg.repeat {
        if Instant::now() >= ctx.deadline {
            ctx.stats.borrow_mut().boots_aborted += 1;
            all_ran = false;
            break;
        }
        let t0 = Instant::now();
        let result = monoio::select! {
            ok = boot(ctx, &run) => Some(ok),
            _ = monoio::time::sleep(until(ctx.deadline)) => None,
        };
        let mut s = ctx.stats.borrow_mut();
        match result {
            Some(true) => {
                s.boots_ok += 1;
                s.boots.record(t0.elapsed());
            }
            Some(false) => s.boots_failed += 1,
            None => {
                s.boots_aborted += 1;
                all_ran = false;
                break;
            }
        }
    }
    ctx.live.in_flight.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    if all_ran {
        ctx.stats.borrow_mut().phones_done += 1;
        Live::add(&ctx.live.phones_done, 1);
    }
}

/// One boot: the sequence in order, stopping at the first failure.
async fn boot(ctx: &ThreadCtx, run: &PhoneRun) -> bool {
    let cfg = &ctx.cfg;
    let hash = cfg.expected.is_some();
    let mut conn: Option<TcpStream> = None;
    let family = run.phone.family.name();
    for step in &run.steps {
        let t0 = Instant::now();
        let (result, not_found) = match run.transport {
            Transport::Tftp => (tftp_get(ctx, run, &step.path, hash).await, ErrorKind::TftpError(1)),
            _ => {
                let fetch = http_get(ctx, run, &mut conn, &step.path, hash);
                let r = match monoio::time::timeout(cfg.http_timeout, fetch).await {
                    Ok(r) => r,
                    Err(_) => {
                        conn = None;
                        Err((ErrorKind::Timeout, format!("no complete answer within {:?}", cfg.http_timeout)))
                    }
                };
                (r, ErrorKind::HttpStatus(404))
            }
        };
        let latency = t0.elapsed();
        let describe = |what: &str| {
            format!(
                "phone {} ({} {} {}) /{}: {what}",
                run.phone.index,
                family,
                run.phone.model.name,
                run.phone.mac_normal(),
                step.path
            )
        };
        let got = match result {
            Ok(g) => g,
            Err((kind, why)) => {
                ctx.stats.borrow_mut().error(kind, family, || describe(&why));
                Live::add(&ctx.live.errors, 1);
                return false;
            }
        };
        let expected = cfg.expected.as_ref().and_then(|e| e.get(&route_key(run.phone.plugin(), &step.path)));
        let mut s = ctx.stats.borrow_mut();
        match judge(expected, step.role, got, not_found) {
            Verdict::Error(kind) => {
                let why = match (got, expected.flatten()) {
                    (Got::File { len, .. }, Some(d)) => {
                        format!("{} bytes differing from the export's {} bytes ({})", len, d.len, run.phone.plugin())
                    }
                    (Got::File { len, .. }, None) => {
                        format!("served {len} bytes; the export of {} has no such file", run.phone.plugin())
                    }
                    (Got::NotFound, _) => format!("not found ({})", kind.label()),
                };
                s.error(kind, family, || describe(&why));
                Live::add(&ctx.live.errors, 1);
                return false;
            }
            Verdict::NotFound => s.not_found_expected += 1,
            Verdict::File { checked } => {
                let Got::File { len, .. } = got else { unreachable!() };
                s.files += 1;
                s.files_checked += u64::from(checked);
                s.bytes += len;
                s.families.entry(family).or_default().0 += 1;
                Live::add(&ctx.live.files, 1);
                Live::add(&ctx.live.bytes, len);
            }
        }
        s.requests_ok += 1;
        s.requests.record(latency);
    }
    true
}

/// A non-blocking TCP connection from `source` (port chosen at connect).
async fn connect(source: Option<IpAddr>, to: SocketAddr) -> std::io::Result<TcpStream> {
    use socket2::{Domain, Protocol, SockRef, Socket, Type};
    use std::os::fd::{AsRawFd, BorrowedFd};
    let s = Socket::new(Domain::for_address(to), Type::STREAM, Some(Protocol::TCP))?;
    s.set_nonblocking(true)?;
    s.set_nodelay(true)?;
    if let Some(ip) = source {
        let one: libc::c_int = 1;
        // SAFETY: a valid socket and an int option. Failure only means the
        // port is chosen at bind time.
        unsafe {
            libc::setsockopt(
                s.as_raw_fd(),
                libc::IPPROTO_IP,
                libc::IP_BIND_ADDRESS_NO_PORT,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
        s.bind(&SocketAddr::new(ip, 0).into())?;
    }
    match s.connect(&to.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    let stream = TcpStream::from_std(std::net::TcpStream::from(s))?;
    stream.writable(false).await?;
    // SAFETY: the fd belongs to `stream`, alive for this borrow.
    let fd = unsafe { BorrowedFd::borrow_raw(stream.as_raw_fd()) };
    if let Some(e) = SockRef::from(&fd).take_error()? {
        return Err(e);
    }
    Ok(stream)
}

fn io_failure(what: &str, e: &std::io::Error) -> Failure {
    (ErrorKind::of_io(e), format!("{what}: {e}"))
}

/// The head of an HTTP response: status, body length, whether the server
/// closes the connection after it.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub len: usize,
    pub status: u16,
    pub content_length: Option<u64>,
    pub close: bool,
}

/// Parses a response head at the start of `buf`; `Ok(None)` when more
/// bytes are needed.
pub fn parse_head(buf: &[u8]) -> Result<Option<Head>, String> {
    let mut headers = [httparse::EMPTY_HEADER; 48];
    let mut r = httparse::Response::new(&mut headers);
    let len = match r.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(format!("malformed response head: {e}")),
    };
    let status = r.code.unwrap_or(0);
    let mut content_length = None;
    let mut close = r.version == Some(0);
    for h in r.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let v = std::str::from_utf8(h.value).ok().and_then(|v| v.trim().parse::<u64>().ok());
            content_length = Some(v.ok_or("bad Content-Length")?);
        } else if h.name.eq_ignore_ascii_case("connection") {
            let v = String::from_utf8_lossy(h.value).to_ascii_lowercase();
            if v.contains("close") {
                close = true;
            } else if v.contains("keep-alive") {
                close = false;
            }
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err("chunked responses are not supported".into());
        }
    }
    Ok(Some(Head { len, status, content_length, close }))
}

/// GET `/path` on the phone's connection (opened, or reopened once if the
/// server closed an idle keep-alive one).
async fn http_get(
    ctx: &ThreadCtx,
    run: &PhoneRun,
    conn: &mut Option<TcpStream>,
    path: &str,
    hash: bool,
) -> Result<Got, Failure> {
    let cfg = &ctx.cfg;
    let Some(server) = cfg.http else { return Err((ErrorKind::Io, "no --http target".into())) };
    let request = format!(
        "GET /{path} HTTP/1.1\r\nHost: {server}\r\nUser-Agent: {}\r\nAccept: */*\r\nConnection: {}\r\n\r\n",
        run.user_agent,
        if cfg.keepalive { "keep-alive" } else { "close" }
    )
    .into_bytes();
    let mut request = Some(request);
    for attempt in 0..2 {
        let reused = conn.is_some();
        if conn.is_none() {
            let c = connect(run.source, server).await.map_err(|e| io_failure("connect", &e))?;
            ctx.stats.borrow_mut().connections += 1;
            *conn = Some(c);
        }
        let Some(stream) = conn.as_mut() else { unreachable!() };
        let (res, req) = stream.write_all(request.take().unwrap_or_default()).await;
        request = Some(req);
        let retry = |e: &std::io::Error| reused && attempt == 0 && ErrorKind::of_io(e) != ErrorKind::Timeout;
        if let Err(e) = res {
            *conn = None;
            if retry(&e) {
                continue;
            }
            return Err(io_failure("send", &e));
        }
        match read_response(stream, hash).await {
            Ok((got, close)) => {
                if close || !cfg.keepalive {
                    *conn = None;
                }
                return Ok(got);
            }
            Err(ReadError::ClosedBeforeAnswer) if reused && attempt == 0 => {
                *conn = None;
                continue;
            }
            Err(e) => {
                *conn = None;
                return Err(match e {
                    ReadError::ClosedBeforeAnswer => {
                        (ErrorKind::ConnectionReset, "connection closed before any answer".into())
                    }
                    ReadError::Io(e) => io_failure("receive", &e),
                    ReadError::Protocol(m) => (ErrorKind::Protocol, m),
                    ReadError::Status(s) => (ErrorKind::HttpStatus(s), format!("HTTP {s}")),
                });
            }
        }
    }
    Err((ErrorKind::ConnectionReset, "connection closed twice before any answer".into()))
}

enum ReadError {
    ClosedBeforeAnswer,
    Io(std::io::Error),
    Protocol(String),
    Status(u16),
}

const READ_BUF: usize = 16 * 1024;

/// Reads one response: (what it was, whether the server closes).
async fn read_response(stream: &mut TcpStream, hash: bool) -> Result<(Got, bool), ReadError> {
    let mut buf: Vec<u8> = Vec::with_capacity(READ_BUF);
    let head = loop {
        if buf.len() == buf.capacity() {
            return Err(ReadError::Protocol("response head over 16 KiB".into()));
        }
        let at = buf.len();
        let cap = buf.capacity();
        let (res, b) = stream.read(buf.slice_mut(at..cap)).await;
        buf = b.into_inner();
        match res {
            Ok(0) if at == 0 => return Err(ReadError::ClosedBeforeAnswer),
            Ok(0) => return Err(ReadError::Protocol("connection closed in the response head".into())),
            Ok(_) => {}
            Err(e) if at == 0 && ErrorKind::of_io(&e) == ErrorKind::ConnectionReset => {
                return Err(ReadError::ClosedBeforeAnswer);
            }
            Err(e) => return Err(ReadError::Io(e)),
        }
        match parse_head(&buf) {
            Ok(Some(h)) => break h,
            Ok(None) => {}
            Err(m) => return Err(ReadError::Protocol(m)),
        }
    };
    let mut hasher = hash.then(blake3::Hasher::new);
    let mut received = (buf.len() - head.len) as u64;
    let limit = head.content_length;
    if let Some(cl) = limit
        && received > cl
    {
        return Err(ReadError::Protocol(format!("{received} body bytes for a Content-Length of {cl}")));
    }
    if let Some(h) = hasher.as_mut() {
        h.update(&buf[head.len..]);
    }
    while limit.is_none_or(|cl| received < cl) {
        buf.clear();
        let cap = buf.capacity();
        let (res, b) = stream.read(buf.slice_mut(0..cap)).await;
        buf = b.into_inner();
        match res {
            Ok(0) if limit.is_none() => break,
            Ok(0) => {
                return Err(ReadError::Protocol(format!(
                    "connection closed after {received} of {} body bytes",
                    limit.unwrap_or(0)
                )));
            }
            Ok(n) => {
                received += n as u64;
                if let Some(h) = hasher.as_mut() {
                    h.update(&buf[..n]);
                }
            }
            Err(e) => return Err(ReadError::Io(e)),
        }
        if let Some(cl) = limit
            && received > cl
        {
            return Err(ReadError::Protocol(format!("{received} body bytes for a Content-Length of {cl}")));
        }
    }
    let close = head.close || limit.is_none();
    match head.status {
        200 => Ok((Got::File { len: received, hash: hasher.map(|h| *h.finalize().as_bytes()) }, close)),
        404 => Ok((Got::NotFound, close)),
        s => Err(ReadError::Status(s)),
    }
}

/// Reads `name` over TFTP from a fresh socket on the phone's address.
async fn tftp_get(ctx: &ThreadCtx, run: &PhoneRun, name: &str, hash: bool) -> Result<Got, Failure> {
    let cfg = &ctx.cfg;
    let Some(server) = cfg.tftp else { return Err((ErrorKind::Io, "no --tftp target".into())) };
    let local = match (run.source, server) {
        (Some(ip), _) => SocketAddr::new(ip, 0),
        (None, SocketAddr::V4(_)) => "0.0.0.0:0".parse().unwrap_or(server),
        (None, SocketAddr::V6(_)) => "[::]:0".parse().unwrap_or(server),
    };
    let std_socket = std::net::UdpSocket::bind(local).map_err(|e| io_failure("bind", &e))?;
    std_socket.set_nonblocking(true).map_err(|e| io_failure("socket", &e))?;
    let socket = UdpSocket::from_std(std_socket).map_err(|e| io_failure("socket", &e))?;
    let opts = cfg.tftp_options;
    let mut client = tftp::Client::new(server, name, opts, Instant::now());
    let mut hasher = hash.then(blake3::Hasher::new);
    // One byte over a block: an oversized DATA is seen, not truncated.
    let in_cap = usize::from(opts.blksize.max(512)) + 5;
    let mut inbuf: Vec<u8> = Vec::with_capacity(in_cap);
    let mut out: Vec<u8> = Vec::with_capacity(64);
    // Bounded: each pass either handles a datagram or a timeout, and the
    // client gives up after its retransmission budget; the outer deadline
    // (--max-duration) bounds the rest.
    loop {
        while let Some((to, d)) = client.poll_transmit() {
            out.clear();
            out.extend_from_slice(d);
            let (res, o) = socket.send_to(out, to).await;
            out = o;
            if let Err(e) = res {
                return Err(io_failure("send", &e));
            }
        }
        if client.is_finished() {
            break;
        }
        let wait = client.poll_timeout().map_or(Duration::ZERO, until);
        monoio::select! {
            received = socket.recv_from(std::mem::take(&mut inbuf)) => {
                let (res, b) = received;
                inbuf = b;
                match res {
                    Ok((n, from)) => match client.handle(Instant::now(), from, &inbuf[..n]) {
                        tftp::Input::Data(p) => {
                            if let Some(h) = hasher.as_mut() {
                                h.update(p);
                            }
                        }
                        tftp::Input::Stranger => {
                            let _ = socket.send_to(tftp::UNKNOWN_TID, from).await;
                        }
                        tftp::Input::None => {}
                    },
                    // ICMP port unreachable surfaces as ECONNREFUSED.
                    Err(e) => return Err(io_failure("receive", &e)),
                }
            }
            _ = monoio::time::sleep(wait) => {
                // The cancelled receive took its buffer with it.
                inbuf = Vec::with_capacity(in_cap);
                client.handle_timeout(Instant::now());
            }
        }
    }
    let outcome = client.outcome().cloned();
    match outcome {
        Some(Ok(done)) => {
            ctx.stats.borrow_mut().tftp_retransmits += u64::from(done.retransmits);
            Ok(Got::File { len: done.bytes, hash: hasher.map(|h| *h.finalize().as_bytes()) })
        }
        Some(Err(tftp::Error::Remote { code: 1, .. })) => Ok(Got::NotFound),
        Some(Err(tftp::Error::Remote { code, message })) => {
            Err((ErrorKind::TftpError(code), format!("TFTP error {code}: {message}")))
        }
        Some(Err(tftp::Error::Timeout)) => Err((
            ErrorKind::Timeout,
            format!("no answer after {} transmissions {:?} apart", opts.retries + 1, opts.timeout),
        )),
        Some(Err(tftp::Error::Protocol(m))) => Err((ErrorKind::Protocol, m)),
        None => Err((ErrorKind::Protocol, "transfer ended without an outcome".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judging_answers() {
        let d = Digest::of(b"abc");
        let nf = ErrorKind::HttpStatus(404);
        let file = |bytes: &[u8]| Got::File { len: bytes.len() as u64, hash: Some(Digest::of(bytes).hash) };
        assert_eq!(judge(Some(Some(d)), Role::Device, file(b"abc"), nf), Verdict::File { checked: true });
        assert_eq!(judge(Some(Some(d)), Role::Device, file(b"abd"), nf), Verdict::Error(ErrorKind::ContentMismatch));
        assert_eq!(judge(Some(Some(d)), Role::Device, file(b"abcd"), nf), Verdict::Error(ErrorKind::ContentMismatch));
        assert_eq!(judge(Some(Some(d)), Role::Device, Got::NotFound, nf), Verdict::Error(nf));
        assert_eq!(judge(Some(None), Role::Optional, Got::NotFound, nf), Verdict::NotFound);
        assert_eq!(judge(Some(None), Role::Optional, file(b"x"), nf), Verdict::Error(ErrorKind::ContentMismatch));
        assert_eq!(judge(None, Role::Optional, Got::NotFound, nf), Verdict::NotFound);
        assert_eq!(judge(None, Role::Optional, file(b"x"), nf), Verdict::File { checked: false });
        assert_eq!(judge(None, Role::Common, Got::NotFound, nf), Verdict::Error(nf));
        assert_eq!(
            judge(None, Role::Device, Got::File { len: 3, hash: None }, ErrorKind::TftpError(1)),
            Verdict::File { checked: false }
        );
    }

    #[test]
    fn response_heads() {
        let r = b"HTTP/1.1 200 OK\r\nContent-Length: 12\r\nETag: \"x\"\r\n\r\nhello";
        assert_eq!(
            parse_head(r).unwrap(),
            Some(Head { len: r.len() - 5, status: 200, content_length: Some(12), close: false })
        );
        assert_eq!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Le").unwrap(), None);
        let c =
            parse_head(b"HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").unwrap().unwrap();
        assert_eq!((c.status, c.close), (404, true));
        assert!(parse_head(b"HTTP/1.0 200 OK\r\n\r\n").unwrap().unwrap().close);
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
        assert!(parse_head(b"garbage\r\n\r\n").is_err());
    }

    #[test]
    fn start_offsets_are_bounded_and_deterministic() {
        let cfg = Config {
            http: None,
            tftp: None,
            transport: Transport::Auto,
            phones: 1000,
            first_index: 0,
            seed: 3,
            families: super::super::catalog::all(),
            files: Files::Boot,
            repeat: 1,
            concurrency: 10,
            spread: Duration::from_secs(10),
            max_duration: Duration::from_secs(1),
            keepalive: false,
            http_timeout: Duration::from_secs(1),
            tftp_options: tftp::Options::default(),
            threads: 1,
            driver: Driver::Auto,
            per_phone_source: true,
            expected: None,
        };
        let offsets: Vec<Duration> = cfg.indexes().map(|i| cfg.start_offset(i)).collect();
        assert!(offsets.iter().all(|o| *o < Duration::from_secs(10)));
        assert_eq!(offsets, cfg.indexes().map(|i| cfg.start_offset(i)).collect::<Vec<_>>());
        let late = offsets.iter().filter(|o| **o >= Duration::from_secs(5)).count();
        assert!((400..600).contains(&late), "{late} of 1000 in the second half");
        assert_eq!(cfg.transport_of(Family::parse("cisco_sccp").unwrap()), Transport::Tftp);
        assert_eq!(cfg.transport_of(Family::parse("yealink").unwrap()), Transport::Http);
    }
}
