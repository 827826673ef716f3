//! The client address, wazo-provd style (`ident.py::_get_ip_from_request`).

use std::net::{IpAddr, SocketAddr};

/// Why no client address could be taken from `X-Forwarded-For`. The server
/// answers 500 "Internal processing error", as wazo-provd does for its
/// `RuntimeError`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientIpError {
    /// Proxies are trusted but the request has no `X-Forwarded-For`.
    MissingHeader,
    /// The chosen entry is empty (`, 10.0.0.1` with two trusted proxies).
    EmptyEntry,
    /// The chosen entry is not an IP address. wazo-provd would store any
    /// string as the device's IP; we refuse it.
    NotAnAddress,
}

/// The client address of a request received from `peer`, given its
/// `X-Forwarded-For` field lines in order: they form one comma-separated
/// list (RFC 9110 §5.3), which is what a proxy that adds its own line
/// (HAProxy's `option forwardfor`) means.
///
/// `trusted_proxies == 0`: the peer address, whatever the headers say.
/// `N ≥ 1`: split the list on `,`, strip each entry, keep the last `N`
/// entries and take the first of those (the right-most hop no trusted
/// proxy vouches for). An entry may carry a port (`1.2.3.4:5060`,
/// `[2001:db8::1]:80`), which is dropped; IPv4-mapped IPv6 addresses are
/// given as IPv4, as they are stored for devices.
pub(crate) fn client_ip_from_lines(
    peer: IpAddr,
    lines: &[&[u8]],
    trusted_proxies: usize,
) -> Result<IpAddr, ClientIpError> {
    if trusted_proxies == 0 {
        return Ok(peer.to_canonical());
    }
    if lines.is_empty() {
        return Err(ClientIpError::MissingHeader);
    }
    // Walk the entries from the right; with fewer than N entries the
    // left-most one is chosen (Python's `entries[-N:][0]`).
    let mut seen = 0;
    let mut chosen: &[u8] = b"";
    'lines: for line in lines.iter().rev() {
        for entry in line.rsplit(|&b| b == b',') {
            chosen = entry;
            seen += 1;
            if seen == trusted_proxies {
                break 'lines;
            }
        }
    }
    let chosen = chosen.trim_ascii();
    if chosen.is_empty() {
        return Err(ClientIpError::EmptyEntry);
    }
    parse_addr(chosen).map(|ip| ip.to_canonical()).ok_or(ClientIpError::NotAnAddress)
}

fn parse_addr(entry: &[u8]) -> Option<IpAddr> {
    let text = std::str::from_utf8(entry).ok()?;
    text.parse::<IpAddr>().ok().or_else(|| text.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`client_ip_from_lines`] for a request with at most one field line.
    fn client_ip(peer: IpAddr, xff: Option<&[u8]>, trusted_proxies: usize) -> Result<IpAddr, ClientIpError> {
        match xff {
            Some(line) => client_ip_from_lines(peer, &[line], trusted_proxies),
            None => client_ip_from_lines(peer, &[], trusted_proxies),
        }
    }

    const PEER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 1));

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    // wazo-provd's TestGetIPFromHTTPRequestWithProxies, with addresses in
    // place of its placeholder strings.
    #[test]
    fn wazo_cases() {
        use ClientIpError::*;
        // Missing header.
        assert_eq!(client_ip(PEER, None, 0), Ok(PEER));
        assert_eq!(client_ip(PEER, None, 1), Err(MissingHeader));
        // One entry.
        let one = Some(&b"10.0.0.1"[..]);
        assert_eq!(client_ip(PEER, one, 0), Ok(PEER));
        assert_eq!(client_ip(PEER, one, 1), Ok(ip("10.0.0.1")));
        assert_eq!(client_ip(PEER, one, 2), Ok(ip("10.0.0.1")));
        // Two entries.
        let two = Some(&b"10.0.0.1, 10.0.0.2"[..]);
        assert_eq!(client_ip(PEER, two, 0), Ok(PEER));
        assert_eq!(client_ip(PEER, two, 1), Ok(ip("10.0.0.2")));
        assert_eq!(client_ip(PEER, two, 2), Ok(ip("10.0.0.1")));
        assert_eq!(client_ip(PEER, two, 3), Ok(ip("10.0.0.1")));
        // Empty entry.
        let empty = Some(&b", 10.0.0.2"[..]);
        assert_eq!(client_ip(PEER, empty, 0), Ok(PEER));
        assert_eq!(client_ip(PEER, empty, 1), Ok(ip("10.0.0.2")));
        assert_eq!(client_ip(PEER, empty, 2), Err(EmptyEntry));
        assert_eq!(client_ip(PEER, empty, 3), Err(EmptyEntry));
    }

    #[test]
    fn more_shapes() {
        use ClientIpError::*;
        assert_eq!(client_ip(PEER, Some(b""), 1), Err(EmptyEntry));
        assert_eq!(client_ip(PEER, Some(b"10.0.0.1,"), 1), Err(EmptyEntry));
        assert_eq!(client_ip(PEER, Some(b"10.0.0.1,"), 2), Ok(ip("10.0.0.1")));
        assert_eq!(client_ip(PEER, Some(b"unknown"), 1), Err(NotAnAddress));
        assert_eq!(client_ip(PEER, Some(b"proxied_client_ip"), 1), Err(NotAnAddress));
        assert_eq!(client_ip(PEER, Some(b"  10.0.0.9\t"), 1), Ok(ip("10.0.0.9")));
        assert_eq!(client_ip(PEER, Some(b"1.1.1.1, 2001:db8::1"), 1), Ok(ip("2001:db8::1")));
        assert_eq!(client_ip(PEER, Some(b"10.0.0.1:5060"), 1), Ok(ip("10.0.0.1")));
        assert_eq!(client_ip(PEER, Some(b"[2001:db8::1]:80"), 1), Ok(ip("2001:db8::1")));
        assert_eq!(client_ip(PEER, Some(b"::ffff:10.0.0.1"), 1), Ok(ip("10.0.0.1")));
        assert_eq!(client_ip(ip("::ffff:192.168.1.5"), None, 0), Ok(ip("192.168.1.5")));
        // Spoofed left entries are never reached with N=1.
        assert_eq!(client_ip(PEER, Some(b"6.6.6.6, evil, 10.0.0.3"), 1), Ok(ip("10.0.0.3")));
    }

    #[test]
    fn several_lines_form_one_list() {
        let lines: &[&[u8]] = &[b"6.6.6.6, 10.0.0.1", b"10.0.0.2"];
        assert_eq!(client_ip_from_lines(PEER, lines, 1), Ok(ip("10.0.0.2")));
        assert_eq!(client_ip_from_lines(PEER, lines, 2), Ok(ip("10.0.0.1")));
        assert_eq!(client_ip_from_lines(PEER, lines, 3), Ok(ip("6.6.6.6")));
        assert_eq!(client_ip_from_lines(PEER, lines, 4), Ok(ip("6.6.6.6")));
        assert_eq!(client_ip_from_lines(PEER, &[], 1), Err(ClientIpError::MissingHeader));
    }
}
