//! The HTTP loop: accept, read, let `proto` parse, let `serve` resolve, send
//! the head and the mapped file in one vectored write.

use std::cell::Cell;
use std::net::{IpAddr, SocketAddr};
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use monoio::buf::SliceMut;
use monoio::io::{AsyncReadRent, AsyncWriteRent};
use monoio::net::TcpListener;
use provd_core::family::Request as IdentRequest;

use crate::body::{Body, Response};
use crate::pipeline::basename;
use crate::runtime::{IoOptions, stopped};
use crate::serve::{Access, Resolution, Source, ThreadCtx, resolve};
use provd_net::descriptors::AcceptErrors;
use provd_proto::http::{self as proto, DateCache, FileMeta, Method, Parsed, Reply, Status};

/// How the HTTP loop serves.
#[derive(Debug, Clone, Default)]
pub struct HttpOptions {
    /// Request head limits and the loop's timeouts.
    pub limits: proto::Limits,
    /// wazo-provd's `http_proxied_trusted_proxies_count`: 0 when phones
    /// connect directly (the default here), 1 behind one reverse proxy.
    pub trusted_proxies: usize,
    /// Phones must put the provisioning key first in their paths.
    pub url_key: bool,
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// Accepts until stopped, then lets open connections finish their
/// request in progress (up to the grace period).
///
/// Each connection holds a place in the process's HTTP pool (see
/// `provd_net::descriptors`): while the pool is full, new connections wait
/// in the kernel's backlog; one whose address holds its share is closed at
/// once. Failed accepts (out of descriptors) pause and retry.
///
/// With `tls`, each connection's TLS handshake comes first (bounded by the
/// first-byte timeout); one that fails is closed and counted.
pub(crate) async fn run(
    listener: TcpListener,
    tls: Option<monoio_rustls::TlsAcceptor>,
    ctx: Rc<ThreadCtx>,
    opts: Arc<IoOptions>,
) {
    let active = Rc::new(Cell::new(0usize));
    let shared = ctx.shared.clone();
    let pool = &shared.budget.http;
    let mut errors = AcceptErrors::new("accept on the HTTP listener", &shared.budget.accept_errors.http);
    loop {
        if pool.is_full() {
            monoio::select! {
                _ = stopped(&ctx) => break,
                _ = monoio::time::sleep(Duration::from_millis(5)) => continue,
            }
        }
        monoio::select! {
            _ = stopped(&ctx) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    errors.succeeded();
                    // Refused (and counted by the pool): closed at once.
                    let Ok(slot) = pool.take(peer.ip()) else { continue };
                    active.set(active.get() + 1);
                    let (ctx, opts, active, tls) = (ctx.clone(), opts.clone(), active.clone(), tls.clone());
                    monoio::spawn(async move {
                        let _ = stream.set_nodelay(true);
                        match tls {
                            None => connection(stream, peer, None, &ctx, &opts).await,
                            Some(tls) => tls_connection(stream, peer, &tls, &ctx, &opts).await,
                        }
                        drop(slot);
                        active.set(active.get() - 1);
                    });
                }
                Err(e) => {
                    let pause = errors.failed(&e);
                    monoio::time::sleep(pause).await;
                }
            }
        }
    }
    drop(listener);
    let deadline = Instant::now() + opts.grace;
    while active.get() > 0 && Instant::now() < deadline {
        monoio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An HTTPS connection: the handshake (bounded by the first-byte timeout;
/// one that fails or times out is counted), what the phone's certificate
/// says when `--client-cert` asks for one, then the HTTP loop.
async fn tls_connection(
    stream: monoio::net::TcpStream,
    peer: SocketAddr,
    tls: &monoio_rustls::TlsAcceptor,
    ctx: &ThreadCtx,
    opts: &IoOptions,
) {
    let failed = || ctx.shared.stats.tls_handshake_failures.fetch_add(1, Ordering::Relaxed);
    let stream = match monoio::time::timeout(opts.http.limits.first_byte_timeout, tls.accept(stream)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err(e)) => {
            failed();
            log::debug!("HTTPS {peer}: handshake failed: {e}");
            return;
        }
        Err(_) => {
            failed();
            return;
        }
    };
    let checks = opts.tls.as_ref().is_some_and(|t| t.checks_clients());
    // The session is taken apart to read the peer's certificate (the
    // stream type does not expose it), then put back as it was.
    let (io, session) = stream.into_parts();
    let id = if checks { crate::tls::client_id(&session) } else { None };
    let stream = monoio_rustls::ServerTlsStream::new(io, session);
    connection(stream, peer, id.as_ref(), ctx, opts).await
}

/// Sends `resp` whole (handling short writes) and gives it back reset;
/// `None` on error or timeout.
async fn send<S: AsyncWriteRent>(
    stream: &mut S,
    mut resp: Response,
    body: Option<Body>,
    timeout: Duration,
) -> Option<Response> {
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

/// One connection (plain, or TLS after its handshake).
async fn connection<S: AsyncReadRent + AsyncWriteRent>(
    mut stream: S,
    peer: SocketAddr,
    client: Option<&crate::tls::ClientId>,
    ctx: &ThreadCtx,
    opts: &IoOptions,
) {
    let limits = &opts.http.limits;
    let accepted = Instant::now();
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut start = 0usize;
    let mut resp = Response::new(Vec::with_capacity(1024));
    let mut dates = DateCache::new(unix_now());
    let mut served = 0usize;
    let mut path_buf = [0u8; proto::MAX_PATH];
    // When the head being received began: its deadline is counted from
    // there, not from each read (a byte every second must not keep a
    // connection forever).
    let mut head_started: Option<Instant> = None;
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
                // A head in progress has what is left of the header
                // timeout; a new connection the first-byte one; an idle
                // keep-alive connection the keep-alive one, or the
                // first-byte one while connections run short.
                let had_partial = !buf.is_empty();
                let now = Instant::now();
                let deadline = if had_partial {
                    *head_started.get_or_insert(now) + limits.header_timeout
                } else if served == 0 {
                    accepted + limits.first_byte_timeout
                } else if ctx.shared.budget.http.under_pressure() {
                    now + limits.first_byte_timeout.min(limits.keepalive_timeout)
                } else {
                    now + limits.keepalive_timeout
                };
                // monoio reads into a Vec from its start: read into the
                // spare capacity instead, after what is buffered.
                let (len, cap) = (buf.len(), buf.capacity());
                let spare = SliceMut::new(buf, len, cap);
                match monoio::time::timeout(deadline.saturating_duration_since(now), stream.read(spare)).await {
                    Ok((Ok(0), _)) | Ok((Err(_), _)) => return,
                    Ok((Ok(_), b)) => {
                        buf = b.into_inner();
                        if !had_partial {
                            head_started = Some(Instant::now());
                        }
                    }
                    Err(_) => {
                        // A started request gets 408 (as nginx); an idle
                        // connection is just closed.
                        if had_partial {
                            let date = *dates.at(unix_now());
                            proto::REQUEST_TIMEOUT.write(&mut resp.head, &date);
                            if send(&mut stream, resp, None, limits.send_timeout).await.is_some() {
                                linger(stream, ctx).await;
                            }
                        }
                        return;
                    }
                }
            }
            Parsed::Error(e) => {
                let date = *dates.at(unix_now());
                e.write(&mut resp.head, &date);
                if send(&mut stream, resp, None, limits.send_timeout).await.is_some() {
                    linger(stream, ctx).await;
                }
                return;
            }
            Parsed::Request { req, consumed } => {
                served += 1;
                head_started = None;
                let date = *dates.at(unix_now());
                let mut reply = req.reply(&date);
                let client_keeps_alive = reply.keep_alive;
                if served >= limits.max_requests as usize || ctx.shared.stop.load(Ordering::Relaxed) {
                    reply.keep_alive = false;
                }
                let body = respond(ctx, opts, &req, peer.ip(), client, &reply, &mut resp.head, &mut path_buf).await;
                let keep_alive = reply.keep_alive && !head_says_close(&resp.head);
                start += consumed;
                match send(&mut stream, resp, body, limits.send_timeout).await {
                    Some(r) if keep_alive => resp = r,
                    // We close a connection the client meant to keep: it
                    // may have sent (pipelined) more requests already.
                    Some(_) if client_keeps_alive || start < buf.len() => return linger(stream, ctx).await,
                    _ => return,
                }
            }
        }
    }
}

/// How long, and how much, a closing connection is drained for.
const LINGER_TIME: Duration = Duration::from_secs(2);
const LINGER_BYTES: usize = 1 << 20;

/// Closes after the last answer without losing it: requests the client
/// sent meanwhile (pipelined beyond `max_requests`, or after an error)
/// are read and dropped until it closes, as nginx's `lingering_close`
/// does. Closing with unread data would make the kernel send a reset,
/// which can destroy answers the client has not read yet.
async fn linger<S: AsyncReadRent + AsyncWriteRent>(mut stream: S, ctx: &ThreadCtx) {
    // Short of descriptors, the connection's place matters more.
    if ctx.shared.budget.http.under_pressure() {
        return;
    }
    if stream.shutdown().await.is_err() {
        return;
    }
    let until = Instant::now() + LINGER_TIME;
    let mut buf = vec![0u8; 16 * 1024];
    let mut drained = 0;
    while drained < LINGER_BYTES {
        let left = until.saturating_duration_since(Instant::now());
        match monoio::time::timeout(left, stream.read(buf)).await {
            Ok((Ok(n), b)) if n > 0 => {
                drained += n;
                buf = b;
            }
            _ => return,
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
#[allow(clippy::too_many_arguments)]
async fn respond(
    ctx: &ThreadCtx,
    opts: &IoOptions,
    req: &proto::Request<'_>,
    peer: IpAddr,
    client: Option<&crate::tls::ClientId>,
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
    // The URL key, when required, is a tenant's provisioning key; the
    // device found must be that tenant's.
    let snapshot = ctx.current.get();
    let keys = opts.http.url_key.then_some(snapshot.url_keys.as_slice());
    if opts.http.url_key && snapshot.url_keys.is_empty() {
        proto::write_error(head, reply, Status::NotFound, proto::NOWHERE_TO_ROUTE);
        return None;
    }
    let (path, key_index) = match req.path_keyed(keys, path_buf) {
        Ok(p) => p,
        Err(e) => {
            proto::write_error(head, reply, e.status(), e.body());
            return None;
        }
    };
    let key = key_index.map(|i| snapshot.url_keys[i].as_bytes());
    let key_tenant = key_index.map(|i| snapshot.key_tenants[i].as_str());
    let Ok(path) = std::str::from_utf8(path) else {
        proto::write_error(head, reply, Status::NotFound, proto::FILE_NOT_FOUND);
        return None;
    };
    // Families read the path as sent (query included), like wazo-provd's
    // extractors read Twisted's request, less the key that is not theirs.
    let raw_path = key.and_then(|k| proto::after_key(req.target.as_bytes(), k)).unwrap_or(req.target.as_bytes());
    let ident = IdentRequest::Http { path: raw_path, user_agent: req.user_agent };
    let name = basename(path.as_bytes());
    match resolve(ctx, ident, ip, path, name, Source::Proven, Access { key_tenant, client }).await.0 {
        Resolution::Forbidden => {
            let subject = client.map_or("", |id| id.subject.as_str());
            log::warn!(
                "HTTPS {ip}: {path} refused to the certificate of {subject:?}: it names another device, or none"
            );
            ctx.shared.stats.certificate_refusals.fetch_add(1, Ordering::Relaxed);
            ctx.shared.seclog.certificate_refused(ip, name);
            proto::write_error(head, reply, Status::Forbidden, "Forbidden.");
            None
        }
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
