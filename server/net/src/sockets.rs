//! Listening sockets: one per I/O thread on the same address
//! (SO_REUSEPORT spreads connections and datagrams over the threads), but
//! never shared with another process that already holds the port.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

/// Why a listening address could not be bound.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// Another process still held the port when the patience ran out.
    #[error("{proto} {addr}: already in use by another process (provd shares a port only among its own threads)")]
    InUse {
        /// `"TCP"` or `"UDP"`.
        proto: &'static str,
        /// The address asked for.
        addr: SocketAddr,
    },
    /// Creating, configuring or binding a socket failed otherwise.
    #[error("{proto} {addr}: {source}")]
    Io {
        /// `"TCP"` or `"UDP"`.
        proto: &'static str,
        /// The address asked for.
        addr: SocketAddr,
        /// What the system call said.
        source: std::io::Error,
    },
}

fn socket(addr: SocketAddr, ty: Type, proto: Protocol) -> std::io::Result<Socket> {
    let s = Socket::new(Domain::for_address(addr), ty, Some(proto))?;
    if addr.is_ipv6() {
        s.set_only_v6(true)?;
    }
    Ok(s)
}

/// How long a port held by someone else is waited for before giving up.
/// A provd-server killed a moment ago still holds its ports for a while:
/// io_uring cancels a ring's pending accepts, and so closes the listening
/// sockets they hold, in the kernel's own time after the process is gone
/// (seen: a LISTEN socket after `kill -9` and `wait`, in 2 restarts of 5).
pub const BIND_PATIENCE: Duration = Duration::from_secs(5);

/// Binds `count` sockets of the same kind on `addr` (an ephemeral port is
/// chosen once and shared). Refuses when another process holds the port,
/// which SO_REUSEPORT would otherwise let us share silently, after waiting
/// up to `patience` for it to let go.
fn bind_group(addr: SocketAddr, count: usize, tcp: bool, patience: Duration) -> Result<Vec<Socket>, BindError> {
    let proto_name = if tcp { "TCP" } else { "UDP" };
    let (ty, proto) = if tcp { (Type::STREAM, Protocol::TCP) } else { (Type::DGRAM, Protocol::UDP) };
    let io = |source| BindError::Io { proto: proto_name, addr, source };
    if addr.port() != 0 {
        let until = Instant::now() + patience;
        let mut said = false;
        loop {
            // A plain bind fails if anyone, reuse-port or not, holds the port.
            let probe = socket(addr, ty, proto).map_err(io)?;
            if tcp {
                probe.set_reuse_address(true).map_err(io)?;
            }
            match probe.bind(&addr.into()) {
                Ok(()) => break,
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && Instant::now() < until => {
                    if !said {
                        log::info!("{proto_name} {addr} is in use; waiting for it (a provd-server that just exited?)");
                        said = true;
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => {
                    return Err(BindError::InUse { proto: proto_name, addr });
                }
                Err(e) => return Err(io(e)),
            }
        }
    }
    let mut out = Vec::with_capacity(count);
    let mut bound = addr;
    for _ in 0..count.max(1) {
        let s = socket(bound, ty, proto).map_err(io)?;
        s.set_reuse_address(true).map_err(io)?;
        s.set_reuse_port(true).map_err(io)?;
        s.set_nonblocking(true).map_err(io)?;
        s.bind(&bound.into()).map_err(io)?;
        if tcp {
            s.listen(4096).map_err(io)?;
        }
        if bound.port() == 0 {
            bound = s.local_addr().map_err(io)?.as_socket().expect("inet socket");
        }
        out.push(s);
    }
    Ok(out)
}

/// `count` (at least one) non-blocking listening TCP sockets on `addr`,
/// one per I/O thread, sharing the port through SO_REUSEPORT. Port 0 picks
/// one ephemeral port for all; a port another process holds is waited for
/// up to `patience` (the server passes [`BIND_PATIENCE`]), then refused.
pub fn tcp_listeners(
    addr: SocketAddr,
    count: usize,
    patience: Duration,
) -> Result<Vec<std::net::TcpListener>, BindError> {
    Ok(bind_group(addr, count, true, patience)?.into_iter().map(Into::into).collect())
}

/// `count` (at least one) non-blocking UDP sockets bound on `addr`, as
/// [`tcp_listeners`] binds its TCP ones.
pub fn udp_sockets(addr: SocketAddr, count: usize, patience: Duration) -> Result<Vec<std::net::UdpSocket>, BindError> {
    Ok(bind_group(addr, count, false, patience)?.into_iter().map(Into::into).collect())
}

/// A fresh UDP socket for one TFTP transfer (its own port: a new TID).
pub fn transfer_socket(local_ip: std::net::IpAddr) -> std::io::Result<std::net::UdpSocket> {
    let addr = SocketAddr::new(local_ip, 0);
    let s = socket(addr, Type::DGRAM, Protocol::UDP)?;
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    Ok(s.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_port_held_by_another_socket_is_refused() {
        let other = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let addr = other.local_addr().unwrap();
        assert!(matches!(udp_sockets(addr, 2, Duration::ZERO), Err(BindError::InUse { .. })));
        let other = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = other.local_addr().unwrap();
        assert!(matches!(tcp_listeners(addr, 2, Duration::ZERO), Err(BindError::InUse { .. })));
        // A port let go while waiting is taken.
        let releases = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(200));
            drop(other);
        });
        assert!(tcp_listeners(addr, 2, Duration::from_secs(30)).is_ok());
        releases.join().unwrap();
    }

    #[test]
    fn our_threads_share_one_ephemeral_port() {
        let socks = tcp_listeners("127.0.0.1:0".parse().unwrap(), 3, Duration::ZERO).unwrap();
        let ports: Vec<u16> = socks.iter().map(|s| s.local_addr().unwrap().port()).collect();
        assert!(ports.iter().all(|p| *p == ports[0]) && ports[0] != 0);
        // While ours hold it, another process-style bind is refused.
        assert!(matches!(
            tcp_listeners(socks[0].local_addr().unwrap(), 1, Duration::ZERO),
            Err(BindError::InUse { .. })
        ));
    }
}
