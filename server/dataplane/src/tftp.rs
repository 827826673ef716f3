//! The TFTP loop: read requests on the listening socket, and drive each
//! accepted transfer from its own socket (a new TID) with `proto`'s state
//! machine.

use std::cell::Cell;
use std::net::SocketAddr;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use monoio::net::udp::UdpSocket;
use provd_core::family::Request as IdentRequest;

use crate::body::Body;
use crate::pipeline::basename;
use crate::runtime::{IoOptions, stopped};
use crate::serve::{Access, Resolution, SecurityNotes, Source, ThreadCtx, resolve};
use provd_net::descriptors::{AcceptErrors, Slot};
use provd_proto::http;
use provd_proto::tftp::{self as proto, ErrorCode, ErrorReply, Transfer, Transmit};

/// How the TFTP loop serves.
#[derive(Debug, Clone)]
pub struct TftpOptions {
    /// What a transfer may negotiate and cost (block size, window,
    /// timeouts, retries).
    pub limits: proto::Limits,
    /// Phones must put the provisioning key first in their file names, as
    /// over HTTP (`--url-key`).
    pub url_key: bool,
}

impl TftpOptions {
    /// The default limits with these block size and window caps, brought
    /// into the ranges the protocol allows; no URL key.
    pub fn new(max_blksize: u16, max_windowsize: u16) -> TftpOptions {
        let limits = proto::Limits { max_blksize, max_windowsize, ..Default::default() }.sanitized();
        TftpOptions { limits, url_key: false }
    }
}

/// Receives requests until stopped, then lets transfers finish (up to the
/// grace period).
///
/// Each transfer holds a place in the process's TFTP pool, and, until its
/// peer first answers, one among the unanswered transfers (bounded per
/// source address and in all; see `provd_net::descriptors`): a forged
/// request never answers, and would otherwise hold its socket until the
/// transfer times out. Requests beyond are dropped; a real phone retries.
pub(crate) async fn run(socket: UdpSocket, ctx: Rc<ThreadCtx>, opts: Arc<IoOptions>) {
    let local_ip = match socket.local_addr() {
        Ok(a) => a.ip(),
        Err(e) => {
            log::error!("TFTP socket: {e}");
            return;
        }
    };
    widen_receive_buffer(&socket);
    let shared = ctx.shared.clone();
    let stats = &shared.stats;
    let mut errors = AcceptErrors::new("TFTP transfer socket", &shared.budget.accept_errors.tftp);
    let active = Rc::new(Cell::new(0usize));
    let mut buf = vec![0u8; opts.tftp.limits.max_request_len + 1];
    loop {
        monoio::select! {
            _ = stopped(&ctx) => break,
            received = socket.recv_from(buf) => {
                let (res, b) = received;
                buf = b;
                let Ok((n, peer)) = res else { continue };
                // Malformed requests get no answer: the source may be
                // spoofed, and any answer would be a reflection.
                if proto::Request::parse(&buf[..n], opts.tftp.limits.max_request_len).is_err() {
                    continue;
                }
                let places = shared.budget.tftp.take(peer.ip()).and_then(|transfer| {
                    Ok((transfer, shared.budget.tftp_unanswered.take(peer.ip())?))
                });
                // Refused (and counted by the pools): dropped.
                let Ok((transfer_place, unanswered_place)) = places else { continue };
                let transfer_socket = match provd_net::sockets::transfer_socket(local_ip).and_then(UdpSocket::from_std) {
                    Ok(s) => {
                        errors.succeeded();
                        s
                    }
                    Err(e) => {
                        drop((transfer_place, unanswered_place));
                        let pause = errors.failed(&e);
                        monoio::time::sleep(pause).await;
                        continue;
                    }
                };
                active.set(active.get() + 1);
                stats.transfers_in_flight.fetch_add(1, Ordering::Relaxed);
                // The request outlives this buffer: one small copy per transfer.
                let datagram = buf[..n].to_vec();
                let (ctx, opts, active) = (ctx.clone(), opts.clone(), active.clone());
                monoio::spawn(async move {
                    if let Ok(req) = proto::Request::parse(&datagram, opts.tftp.limits.max_request_len) {
                        transfer(req, peer, transfer_socket, unanswered_place, &ctx, &opts).await;
                    }
                    drop(transfer_place);
                    active.set(active.get() - 1);
                    ctx.shared.stats.transfers_in_flight.fetch_sub(1, Ordering::Relaxed);
                });
            }
        }
    }
    drop(socket);
    let deadline = Instant::now() + opts.grace;
    while active.get() > 0 && Instant::now() < deadline {
        monoio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Receive buffer asked for the listening socket.
const LISTEN_RCVBUF: usize = 8 << 20;

/// A mass reboot sends thousands of RRQs within a few milliseconds. The
/// default receive buffer (`net.core.rmem_default`, 208 KiB: about 270
/// small datagrams on loopback) dropped the rest, and those phones waited
/// out their retransmission timeout (1 s or more) before asking again:
/// measured, 450 of 1000 simultaneous phones. SO_RCVBUF is capped by
/// `net.core.rmem_max`; SO_RCVBUFFORCE lifts the cap where the process may
/// (CAP_NET_ADMIN). The memory is only used while requests queue.
fn widen_receive_buffer(socket: &UdpSocket) {
    use std::os::fd::AsRawFd;
    let fd = socket.as_raw_fd();
    let want = LISTEN_RCVBUF as libc::c_int;
    let set = |opt| {
        // SAFETY: setsockopt on a socket we own with a c_int option value.
        unsafe {
            libc::setsockopt(
                fd,
                libc::SOL_SOCKET,
                opt,
                (&want as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            ) == 0
        }
    };
    if !set(libc::SO_RCVBUFFORCE) && !set(libc::SO_RCVBUF) {
        log::warn!("TFTP socket: cannot widen the receive buffer: {}", std::io::Error::last_os_error());
    }
}

async fn send(socket: &UdpSocket, out: Vec<u8>, peer: SocketAddr) -> Vec<u8> {
    let (_, out) = socket.send_to(out, peer).await;
    out
}

async fn transfer(
    req: proto::Request<'_>,
    peer: SocketAddr,
    socket: UdpSocket,
    unanswered: Slot,
    ctx: &ThreadCtx,
    opts: &IoOptions,
) {
    let limits = &opts.tftp.limits;
    let mut out = Vec::with_capacity(4 + limits.max_blksize as usize);
    let refuse = |reply: ErrorReply, mut out: Vec<u8>| {
        out.clear();
        reply.encode(&mut out);
        out
    };
    // Refuse writes, other modes and bad options before touching the store.
    if let Err(reply) = proto::check_request(&req, limits) {
        send(&socket, refuse(reply, out), peer).await;
        return;
    }
    // The same path rules as HTTP: no traversal, no escape from the
    // plugin's tree (a leading '/' is optional in TFTP), and with
    // `--url-key` the provisioning key first.
    let snapshot = ctx.current.get();
    let keys = opts.tftp.url_key.then_some(snapshot.url_keys.as_slice());
    let mut path_buf = [0u8; http::MAX_PATH];
    let path = match (opts.tftp.url_key, snapshot.url_keys.is_empty()) {
        // Required, but no key is set: nothing is served (as over HTTP).
        (true, true) => Err(http::PathError::UrlKey),
        _ => http::normalize_path_keyed(req.filename.as_bytes(), keys, &mut path_buf),
    };
    let (path, key_index) = match path {
        Ok((p, k)) => (std::str::from_utf8(p).unwrap_or(""), k),
        Err(http::PathError::UrlKey) => {
            let reply = ErrorReply::new(ErrorCode::FILE_NOT_FOUND, "Nowhere to route this request");
            send(&socket, refuse(reply, out), peer).await;
            return;
        }
        Err(_) => ("", None),
    };
    let key = key_index.map(|i| snapshot.url_keys[i].as_bytes());
    let key_tenant = key_index.map(|i| snapshot.key_tenants[i].as_str());
    if path.is_empty() {
        send(&socket, refuse(ErrorReply::new(ErrorCode::ACCESS_VIOLATION, "invalid file name"), out), peer).await;
        return;
    }
    let basename = basename(path.as_bytes());
    // Families read the name as sent, less the key that is not theirs.
    let filename = req.filename.as_bytes();
    let filename = match key.and_then(|k| http::after_key(filename, k)) {
        // Rooted as sent.
        Some(rest) if filename.starts_with(b"/") => rest,
        Some(rest) => &rest[1..],
        None => filename,
    };
    let ident = IdentRequest::Tftp { filename };
    let (resolution, notes) =
        resolve(ctx, ident, peer.ip(), path, basename, Source::Unproven, Access { key_tenant, client: None }).await;
    let stats = &ctx.shared.stats;
    // Security lines wait for the peer's first answer; a refusal gets none.
    let unproven = |notes: SecurityNotes| {
        if !notes.is_empty() {
            stats.tftp_unproven_security_events.fetch_add(1, Ordering::Relaxed);
        }
    };
    let body: Body = match resolution {
        Resolution::File(found) => found.body,
        // TFTP checks no certificate: never forbidden.
        Resolution::NotFound | Resolution::Forbidden => {
            unproven(notes);
            send(&socket, refuse(ErrorReply::file_not_found(), out), peer).await;
            return;
        }
        Resolution::NowhereToRoute => {
            unproven(notes);
            let reply = ErrorReply::new(ErrorCode::FILE_NOT_FOUND, "Nowhere to route this request");
            send(&socket, refuse(reply, out), peer).await;
            return;
        }
        Resolution::Unavailable => {
            unproven(notes);
            let reply = ErrorReply::new(ErrorCode::NOT_DEFINED, "Internal processing error");
            send(&socket, refuse(reply, out), peer).await;
            return;
        }
    };
    let negotiated = match proto::accept(&req, body.len() as u64, limits) {
        Ok(n) => n,
        Err(reply) => {
            unproven(notes);
            send(&socket, refuse(reply, out), peer).await;
            return;
        }
    };
    let mut t = Transfer::new(negotiated, limits);
    let mut inbuf = vec![0u8; 2048];
    let content = body.as_slice();
    // Until the peer answers on this transfer's port, its address is
    // unproven: the notes and the unanswered place are kept till then.
    let mut waiting = Some((notes, unanswered));
    loop {
        let now = Instant::now();
        while let Some(tx) = t.poll_transmit(now) {
            out.clear();
            match tx {
                Transmit::Oack(b) | Transmit::Error(b) => out.extend_from_slice(b),
                Transmit::Data { block, range } => {
                    out.extend_from_slice(&proto::data_header(block));
                    // One block (at most blksize) copied into the datagram.
                    out.extend_from_slice(&content[range.start as usize..range.end as usize]);
                    ctx.shared.stats.bytes.fetch_add(range.end - range.start, Ordering::Relaxed);
                }
            }
            out = send(&socket, out, peer).await;
        }
        if t.is_finished() {
            break;
        }
        let wait = t.poll_timeout().map_or(Duration::from_secs(1), |at| at.saturating_duration_since(Instant::now()));
        monoio::select! {
            received = socket.recv_from(std::mem::take(&mut inbuf)) => {
                let (res, b) = received;
                inbuf = b;
                match res {
                    Ok((n, from)) if from == peer => {
                        t.handle(Instant::now(), &inbuf[..n]);
                        // It got our packet at the address it gave: proven.
                        if let Some((notes, place)) = waiting.take() {
                            notes.write(&ctx.shared.seclog, peer.ip(), basename);
                            drop(place);
                        }
                    }
                    // RFC 1350: a stranger on this TID gets ERROR 5, the
                    // transfer goes on.
                    Ok((_, from)) => {
                        let _ = socket.send_to(proto::UNKNOWN_TID_ERROR, from).await;
                    }
                    Err(_) => {}
                }
            }
            _ = monoio::time::sleep(wait) => {
                // The cancelled receive took its buffer with it.
                inbuf = vec![0u8; 2048];
                t.handle_timeout(Instant::now());
            }
        }
        if ctx.shared.stop.load(Ordering::Relaxed) && t.last_heard().is_none() {
            // At shutdown, a peer that never answered is not waited for.
            t.abort(ErrorReply::new(ErrorCode::NOT_DEFINED, "server shutting down"));
        }
    }
    if let Some((notes, _)) = waiting {
        unproven(notes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsRawFd;

    fn rcvbuf(socket: &UdpSocket) -> usize {
        let mut v: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: getsockopt into a c_int we own.
        let r = unsafe {
            libc::getsockopt(
                socket.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_RCVBUF,
                (&mut v as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!(r, 0);
        v as usize
    }

    #[test]
    fn the_listening_socket_gets_a_wide_receive_buffer() {
        let mut rt = monoio::RuntimeBuilder::<monoio::LegacyDriver>::new().build().unwrap();
        rt.block_on(async {
            let std = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
            std.set_nonblocking(true).unwrap();
            let socket = UdpSocket::from_std(std).unwrap();
            let before = rcvbuf(&socket);
            widen_receive_buffer(&socket);
            let after = rcvbuf(&socket);
            // The kernel doubles what it grants; without CAP_NET_ADMIN the
            // grant stops at net.core.rmem_max (so at least that much).
            let rmem_max: usize = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
                .ok()
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(0);
            let floor = LISTEN_RCVBUF.min(rmem_max);
            assert!(after >= before && after >= floor, "SO_RCVBUF {before} -> {after}, expected at least {floor}");
        });
    }
}
