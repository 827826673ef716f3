//! The HTTP ceiling on this hardware: what a monoio server does when
//! identification, lookup and file bytes cost nothing. Same shape as
//! provd-server (one monoio runtime per thread, SO_REUSEPORT listeners,
//! 4096-entry rings with the same setup flags, timers on, TCP_NODELAY, keep-alive), requests parsed
//! with httparse, and every request answered 200 with one fixed body and a
//! head like provd's (Date, Content-Type, Content-Length, ETag,
//! Last-Modified, Accept-Ranges, wazo's CORS fields), sent in one write.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use clap::Parser;
use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
use monoio::net::{TcpListener, TcpStream};
use provd_dataplane::runtime::Driver;
use socket2::{Domain, Protocol, Socket, Type};

#[derive(Parser)]
#[command(name = "http-ceiling", about = "Constant-body monoio HTTP responder (benchmark ceiling)")]
struct Args {
    /// Listen address (port 0: an ephemeral one, printed on stderr).
    #[arg(long, default_value = "127.0.0.1:0")]
    http: SocketAddr,
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// Body size in bytes.
    #[arg(long, default_value_t = 4096)]
    body_size: usize,
    /// auto (io_uring when available), uring or epoll.
    #[arg(long, default_value = "auto")]
    driver: String,
}

const CORS: &str = "Access-Control-Allow-Origin: *\r\n\
Access-Control-Allow-Methods: GET, POST, PUT, DELETE, OPTIONS\r\n\
Access-Control-Allow-Headers: Origin, X-Requested-With, Accept, Content-Type, X-Auth-Token, Wazo-Tenant\r\n\
Access-Control-Allow-Credentials: false\r\n\
Access-Control-Expose-Headers: Location\r\n";

fn http_date(secs: u64) -> String {
    chrono::DateTime::from_timestamp(secs as i64, 0).unwrap_or_default().format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The whole response, rebuilt when the second changes (the Date field).
struct Canned {
    body: Vec<u8>,
    second: u64,
    bytes: Vec<u8>,
}

impl Canned {
    fn new(body_size: usize) -> Canned {
        let body = (0..body_size).map(|i| if i % 64 == 63 { b'\n' } else { b'a' + (i % 26) as u8 }).collect();
        let mut c = Canned { body, second: u64::MAX, bytes: Vec::new() };
        c.refresh(now());
        c
    }

    fn refresh(&mut self, second: u64) {
        if second == self.second {
            return;
        }
        self.second = second;
        let head = format!(
            "HTTP/1.1 200 OK\r\nDate: {}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
             ETag: \"0123456789abcdef\"\r\nLast-Modified: {}\r\nAccept-Ranges: bytes\r\n{CORS}\r\n",
            http_date(second),
            self.body.len(),
            http_date(1_700_000_000)
        );
        self.bytes.clear();
        self.bytes.extend_from_slice(head.as_bytes());
        self.bytes.extend_from_slice(&self.body);
    }
}

fn listeners(addr: SocketAddr, n: usize) -> std::io::Result<Vec<std::net::TcpListener>> {
    let mut out = Vec::new();
    let mut bound = addr;
    for _ in 0..n {
        let s = Socket::new(Domain::for_address(bound), Type::STREAM, Some(Protocol::TCP))?;
        s.set_reuse_address(true)?;
        s.set_reuse_port(true)?;
        s.set_nonblocking(true)?;
        s.bind(&bound.into())?;
        s.listen(4096)?;
        bound = s.local_addr()?.as_socket().expect("inet");
        out.push(s.into());
    }
    Ok(out)
}

async fn connection(mut stream: TcpStream, body_size: usize) {
    let _ = stream.set_nodelay(true);
    let mut canned = Canned::new(body_size);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut out: Vec<u8> = Vec::with_capacity(canned.bytes.len() * 2);
    loop {
        // Answer every complete request in the buffer (pipelining), then write.
        let mut used = 0;
        loop {
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&buf[used..]) {
                Ok(httparse::Status::Complete(n)) => {
                    used += n;
                    canned.refresh(now());
                    out.extend_from_slice(&canned.bytes);
                }
                Ok(httparse::Status::Partial) => break,
                Err(_) => return,
            }
        }
        buf.drain(..used);
        if !out.is_empty() {
            let (r, o) = stream.write_all(out).await;
            out = o;
            out.clear();
            if r.is_err() {
                return;
            }
        }
        if buf.len() == buf.capacity() {
            if buf.len() > 64 * 1024 {
                return;
            }
            buf.reserve(buf.len());
        }
        let (r, b) = stream.read(buf).await;
        buf = b;
        match r {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

async fn serve(listener: std::net::TcpListener, body_size: usize) {
    let listener = TcpListener::from_std(listener).expect("listener");
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                monoio::spawn(connection(stream, body_size));
            }
            Err(e) => {
                eprintln!("http-ceiling: accept: {e}");
                monoio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let driver = match args.driver.as_str() {
        "auto" => Driver::Auto.resolve(),
        "uring" => Driver::Uring,
        "epoll" => Driver::Epoll,
        d => anyhow::bail!("--driver {d}: auto, uring or epoll"),
    };
    let ls = listeners(args.http, args.threads.max(1))?;
    eprintln!("http-ceiling: driver {}, {} threads, {} B body", driver.name(), ls.len(), args.body_size);
    eprintln!("http-ceiling: HTTP on {}", ls[0].local_addr()?);
    let body_size = args.body_size;
    let handles: Vec<_> = ls
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            std::thread::Builder::new().name(format!("ceiling-io-{i}")).spawn(move || -> std::io::Result<()> {
                driver.block_on(serve(l, body_size))?;
                Ok(())
            })
        })
        .collect::<Result<_, _>>()?;
    for h in handles {
        h.join().map_err(|_| anyhow::anyhow!("an I/O thread panicked"))??;
    }
    Ok(())
}
