//! Where the load may go: loopback only (127.0.0.0/8, ::1) unless the
//! operator explicitly allows a remote target. A load generator pointed at
//! a production server by a typo is a denial of service.

use std::net::{IpAddr, SocketAddr, ToSocketAddrs};

/// Whether `ip` is on this host's loopback (IPv4-mapped forms included).
pub fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()),
    }
}

/// Resolves `spec` (`ADDR:PORT`, `[::1]:PORT` or `localhost:PORT`) and
/// refuses any address outside loopback unless `allow_remote`. `what` names
/// the option in the error.
pub fn check(spec: &str, what: &str, allow_remote: bool) -> Result<SocketAddr, String> {
    let addrs: Vec<SocketAddr> = match spec.parse::<SocketAddr>() {
        Ok(a) => vec![a],
        Err(_) => {
            spec.to_socket_addrs().map_err(|e| format!("--{what} {spec:?}: not an ADDRESS:PORT ({e})"))?.collect()
        }
    };
    let Some(&first) = addrs.first() else {
        return Err(format!("--{what} {spec:?}: resolves to no address"));
    };
    if first.port() == 0 {
        return Err(format!("--{what} {spec:?}: port 0"));
    }
    if !allow_remote && let Some(remote) = addrs.iter().find(|a| !is_loopback(a.ip())) {
        return Err(format!(
            "--{what} {spec}: refusing to load {} (not loopback: only 127.0.0.0/8 and ::1 are allowed; \
             pass --allow-remote to load a remote server you own)",
            remote.ip()
        ));
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_is_accepted() {
        assert_eq!(check("127.0.0.1:69", "tftp", false).unwrap(), "127.0.0.1:69".parse().unwrap());
        assert!(check("127.200.3.4:8667", "http", false).is_ok());
        assert!(check("[::1]:8667", "http", false).is_ok());
        assert!(check("[::ffff:127.0.0.1]:8667", "http", false).is_ok());
        assert!(check("localhost:8667", "http", false).unwrap().ip().is_loopback());
    }

    #[test]
    fn remote_is_refused_with_a_clear_error() {
        for spec in
            ["10.1.2.3:69", "192.168.0.1:8667", "[2001:db8::1]:80", "0.0.0.0:69", "[::]:69", "[::ffff:10.0.0.1]:69"]
        {
            let e = check(spec, "http", false).unwrap_err();
            assert!(e.contains("refusing") && e.contains("--allow-remote"), "{spec}: {e}");
        }
        let e = check("10.1.2.3:69", "tftp", false).unwrap_err();
        assert!(e.starts_with("--tftp 10.1.2.3:69: refusing to load 10.1.2.3"), "{e}");
        assert_eq!(check("10.1.2.3:69", "tftp", true).unwrap(), "10.1.2.3:69".parse().unwrap());
    }

    #[test]
    fn malformed_is_refused() {
        assert!(check("nonsense", "http", false).is_err());
        assert!(check("127.0.0.1:0", "http", false).is_err());
        assert!(check("127.0.0.1", "http", false).is_err());
    }
}
