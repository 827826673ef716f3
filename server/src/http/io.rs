//! The HTTP loop: accept, read, let `proto` parse, let `serve` resolve, send
//! the head and the mapped file in one vectored write.

use std::cell::Cell;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use monoio::buf::SliceMut;
use monoio::io::{AsyncReadRent, AsyncWriteRent};
use monoio::net::{TcpListener, TcpStream};
use provd_shared::family::Request as IdentRequest;

use super::proto::{self, DateCache, FileMeta, Method, Parsed, Reply, Status};
use crate::body::{Body, Response};
use crate::pipeline::basename;
use crate::runtime::{IoOptions, stopped};
use crate::serve::{Resolution, ThreadCtx, resolve};

#[derive(Debug, Clone)]
pub struct HttpOptions {
    pub limits: proto::Limits,
    /// wazo-provd's `http_proxied_trusted_proxies_count`: 0 when phones
    /// connect directly (the default here), 1 behind one reverse proxy.
    pub trusted_proxies: usize,
    /// Phones must put the provisioning key first in their paths.
    pub url_key: bool,
    /// Connections per I/O thread; beyond, new ones are closed at once.
    pub max_connections: usize,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions { limits: proto::Limits::default(), trusted_proxies: 0, url_key: false, max_connections: 16_384 }
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Accepts until stopped, then lets open connections finish their
/// request in progress (up to the grace period).
pub async fn run(listener: TcpListener, ctx: Rc<ThreadCtx>, opts: Arc<IoOptions>) {
    let active = Rc::new(Cell::new(0usize));
    loop {
        monoio::select! {
            _ = stopped(&ctx) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    if active.get() >= opts.http.max_connections {
                        drop(stream);
                        continue;
                    }
                    active.set(active.get() + 1);
                    let (ctx, opts, active) = (ctx.clone(), opts.clone(), active.clone());
                    monoio::spawn(async move {
                        connection(stream, peer, &ctx, &opts).await;
                        active.set(active.get() - 1);
                    });
                }
                Err(e) => {
                    // Out of descriptors: back off instead of spinning.
                    crate::error!("accept: {e}");
                    monoio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        }
    }
    drop(listener);
    let deadline = std::time::Instant::now() + opts.grace;
    while active.get() > 0 && std::time::Instant::now() < deadline {
        monoio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Sends `resp` whole (handling short writes) and gives it back reset;
/// `None` on error or timeout.
async fn send(stream: &mut TcpStream, mut resp: Response, body: Option<Body>, timeout: Duration) -> Option<Response> {
    resp.prepare(body);
    while resp.remaining() > 0 {
        match monoio::time::timeout(timeout, stream.writev(resp)).await {
            Ok((Ok(n), r)) if n > 0 => {
                resp = r;
                resp.advance(n);
            }
            _ => return None,
        }
    }
    resp.reset();
    Some(resp)
}

async fn connection(mut stream: TcpStream, peer: SocketAddr, ctx: &ThreadCtx, opts: &IoOptions) {
    let limits = &opts.http.limits;
    let _ = stream.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut start = 0usize;
    let mut resp = Response::new(Vec::with_capacity(1024));
    let mut dates = DateCache::new(unix_now());
    let mut served = 0usize;
    let mut path_buf = [0u8; proto::MAX_PATH];
    loop {
        match proto::parse(&buf[start..], limits) {
            Parsed::Partial => {
                let stopping = ctx.shared.stop.load(Ordering::Relaxed);
                if stopping && start == buf.len() {
                    return;
                }
                // Keep only the unparsed tail, at the front.
                if start > 0 {
                    buf.drain(..start);
                    start = 0;
                }
                if buf.len() == buf.capacity() {
                    let want = (buf.capacity() * 2).min(limits.max_head + 1).max(buf.len() + 1);
                    buf.reserve_exact(want - buf.len());
                }
                // Headers in progress get the header timeout; an idle
                // keep-alive connection the keep-alive one.
                let had_partial = !buf.is_empty();
                let timeout = if had_partial { limits.header_timeout } else { limits.keepalive_timeout };
                // monoio reads into a Vec from its start: read into the
                // spare capacity instead, after what is buffered.
                let (len, cap) = (buf.len(), buf.capacity());
                let spare = SliceMut::new(buf, len, cap);
                match monoio::time::timeout(timeout, stream.read(spare)).await {
                    Ok((Ok(0), _)) | Ok((Err(_), _)) => return,
                    Ok((Ok(_), b)) => buf = b.into_inner(),
                    Err(_) => {
                        // A started request gets 408 (as nginx); an idle
                        // keep-alive connection is just closed.
                        if had_partial {
                            let date = *dates.at(unix_now());
                            proto::REQUEST_TIMEOUT.write(&mut resp.head, &date);
                            let _ = send(&mut stream, resp, None, limits.send_timeout).await;
                        }
                        return;
                    }
                }
            }
            Parsed::Error(e) => {
                let date = *dates.at(unix_now());
                e.write(&mut resp.head, &date);
                let _ = send(&mut stream, resp, None, limits.send_timeout).await;
                return;
            }
            Parsed::Request { req, consumed } => {
                served += 1;
                let date = *dates.at(unix_now());
                let mut reply = req.reply(&date);
                if served >= limits.max_requests as usize || ctx.shared.stop.load(Ordering::Relaxed) {
                    reply.keep_alive = false;
                }
                let body = respond(ctx, opts, &req, peer.ip(), &reply, &mut resp.head, &mut path_buf).await;
                let keep_alive = reply.keep_alive && !head_says_close(&resp.head);
                start += consumed;
                match send(&mut stream, resp, body, limits.send_timeout).await {
                    Some(r) if keep_alive => resp = r,
                    _ => return,
                }
            }
        }
    }
}

/// Whether a response head we wrote asks to close (some errors do).
fn head_says_close(head: &[u8]) -> bool {
    // The first byte before the comparison: a slice compare is a memcmp
    // call per window, a few hundred per response.
    head.windows(19).any(|w| w[0] == b'C' && w == b"Connection: close\r\n")
}

/// Writes the head for `req` into `head` and returns the body to send.
async fn respond(
    ctx: &ThreadCtx,
    opts: &IoOptions,
    req: &proto::Request<'_>,
    peer: IpAddr,
    reply: &Reply<'_>,
    head: &mut Vec<u8>,
    path_buf: &mut [u8; proto::MAX_PATH],
) -> Option<crate::body::Body> {
    match req.method {
        Method::Get | Method::Head => {}
        Method::Options => {
            proto::write_options(head, reply);
            return None;
        }
        Method::Other(_) => {
            proto::write_error(head, reply, Status::MethodNotAllowed, proto::METHOD_NOT_ALLOWED);
            return None;
        }
    }
    let ip = match req.client_ip(peer, opts.http.trusted_proxies) {
        Ok(ip) => ip,
        Err(_) => {
            proto::write_error(head, reply, Status::InternalServerError, proto::INTERNAL_PROCESSING_ERROR);
            return None;
        }
    };
    // The URL key, when required, is the provisioning key of the snapshot.
    let snapshot = ctx.current.get();
    let key = snapshot.url_key.as_deref().filter(|_| opts.http.url_key).map(str::as_bytes);
    let keys = key.as_ref().map(std::slice::from_ref);
    if opts.http.url_key && key.is_none() {
        proto::write_error(head, reply, Status::NotFound, proto::NOWHERE_TO_ROUTE);
        return None;
    }
    let path = match req.path(keys, path_buf) {
        Ok(p) => p,
        Err(e) => {
            proto::write_error(head, reply, e.status(), e.body());
            return None;
        }
    };
    let Ok(path) = std::str::from_utf8(path) else {
        proto::write_error(head, reply, Status::NotFound, proto::FILE_NOT_FOUND);
        return None;
    };
    // Families read the path as sent (query included), like wazo-provd's
    // extractors read Twisted's request.
    let raw_path = req.target.as_bytes();
    let ident = IdentRequest::Http { path: raw_path, user_agent: req.user_agent };
    let name = basename(path.as_bytes());
    match resolve(ctx, ident, ip, path, name).await {
        Resolution::File(found) => {
            let meta = FileMeta {
                len: found.body.len() as u64,
                etag: Some(&found.etag),
                last_modified: u64::try_from(found.modified).ok(),
                content_type: proto::content_type(path.as_bytes()),
            };
            let range = proto::respond_file(head, req, reply, &meta);
            ctx.shared.stats.bytes.fetch_add(range.end - range.start, Ordering::Relaxed);
            if range.is_empty() { None } else { Some(found.body.slice(range.start as usize..range.end as usize)) }
        }
        Resolution::NotFound => {
            proto::write_error(head, reply, Status::NotFound, proto::FILE_NOT_FOUND);
            None
        }
        Resolution::NowhereToRoute => {
            proto::write_error(head, reply, Status::NotFound, proto::NOWHERE_TO_ROUTE);
            None
        }
        Resolution::Unavailable => {
            proto::write_error(head, reply, Status::InternalServerError, proto::INTERNAL_PROCESSING_ERROR);
            None
        }
    }
}
