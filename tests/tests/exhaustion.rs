//! Running out of descriptors, and the traffic that tries to make it
//! happen. Every listener survives failed accepts; slow, idle and
//! unanswered clients hold bounded shares of the process's descriptors;
//! throughout, a real phone is served and the REST API answers.

use std::io::Write;
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::time::Duration;

use provd_e2e::{Server, curl, eventually, eventually_every, stdout};
use socket2::{Domain, Socket, Type};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";

/// A Yealink phone at `source` fetches its file over HTTP: the status.
fn phone_http(server: &Server, source: &str) -> String {
    let url = server.url("/805ec0d57d72.cfg");
    stdout(&curl(&["--interface", source, "-o", "/dev/null", "-w", "%{http_code}", "-A", UA, &url]))
}

/// A Cisco SCCP phone at `source` fetches `SEP<mac>.cnf.xml` over TFTP
/// (curl answers every block): whether it got its file.
fn phone_tftp(server: &Server, source: &str, mac: &str) -> bool {
    let url = format!("tftp://{}/SEP{mac}.cnf.xml", server.tftp);
    let out = curl(&["--interface", source, &url]);
    out.status.success() && stdout(&out).contains("<device>")
}

/// A TCP connection to `to` from `source` (a 127.x address).
fn connect_from(source: &str, to: SocketAddr) -> std::io::Result<TcpStream> {
    let s = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    s.bind(&format!("{source}:0").parse::<SocketAddr>().unwrap().into())?;
    s.connect(&to.into())?;
    Ok(s.into())
}

fn status_of_api(server: &Server) -> u16 {
    server.rest().get("/0.2/status").status
}

#[test]
fn every_listener_survives_running_out_of_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    assert_eq!(phone_http(&server, "127.0.0.1"), "200", "{}", server.log());
    assert!(phone_tftp(&server, "127.0.0.1", "001E4A000001"), "{}", server.log());

    // Not one descriptor left: a limit below every free descriptor number
    // (stdin, stdout and stderr hold 0 to 2).
    server.set_descriptor_limit(3);
    // These wait in the kernels' backlogs while accepts fail.
    let waiting_api = {
        let rest = server.rest();
        std::thread::spawn(move || rest.get("/0.2/status").status)
    };
    let waiting_phone = {
        let url = server.url("/805ec0d57d72.cfg");
        std::thread::spawn(move || {
            stdout(&curl(&["--interface", "127.0.0.1", "-o", "/dev/null", "-w", "%{http_code}", "-A", UA, &url]))
        })
    };
    // A TFTP request finds no socket for its transfer (curl gives up).
    let tftp = UdpSocket::bind("127.0.0.1:0").unwrap();
    tftp.send_to(b"\x00\x01SEP001E4A000001.cnf.xml\x00octet\x00", server.tftp).unwrap();
    let failed_everywhere = eventually_every(500, 20, || {
        let log = server.log();
        ["accept on the REST API listener: ", "accept on the HTTP listener: ", "TFTP transfer socket: "]
            .iter()
            .all(|what| log.contains(what))
    });
    assert!(failed_everywhere, "{}", server.log());
    // Some more failures pass meanwhile, paused and not logged.
    std::thread::sleep(Duration::from_millis(300));

    // Descriptors come back: everyone is served, the waiting ones included.
    server.set_descriptor_limit(1 << 16);
    assert_eq!(waiting_api.join().unwrap(), 200, "{}", server.log());
    assert_eq!(waiting_phone.join().unwrap(), "200", "{}", server.log());
    assert_eq!(status_of_api(&server), 200);
    assert!(phone_tftp(&server, "127.0.0.1", "001E4A000001"), "{}", server.log());
    for what in ["accept on the REST API listener", "accept on the HTTP listener", "TFTP transfer socket"] {
        // One line when the burst starts, one when it ends: at the failed
        // listener's next accept (each I/O thread has its listener, and a
        // ring's accept can fail before any connection comes).
        let ended = eventually(200, || {
            assert_eq!(phone_http(&server, "127.0.0.1"), "200");
            assert!(phone_tftp(&server, "127.0.0.1", "001E4A000001"));
            server.log().contains(&format!("{what}: working again after "))
        });
        assert!(ended, "{what}:\n{}", server.log());
        let log = server.log();
        assert_eq!(log.matches(&format!("{what}: Too many open files")).count(), 1, "{what}:\n{log}");
    }
    for listener in ["api", "http", "tftp"] {
        let failures = server.metric(&format!("provd_accept_errors_total{{listener=\"{listener}\"}}"));
        assert!(failures >= 1.0, "{listener}: {failures}");
    }
}

#[test]
fn slow_and_silent_clients_hold_bounded_shares() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with_descriptors(
        &dir.path().join("data"),
        &["--http-header-timeout", "2", "--http-first-byte-timeout", "1"],
        Some(300),
    );
    assert_eq!(phone_http(&server, "127.0.0.200"), "200", "{}", server.log());
    let per_address = server.metric("provd_descriptor_budget{use=\"http\"}") / 4.0;
    assert!(per_address >= 8.0, "{}", server.log());

    // 400 clients from four addresses trickle request heads, a byte every
    // 200 ms; 100 more from a fifth connect and say nothing.
    let mut slow = Vec::new();
    for i in 0..400 {
        if let Ok(s) = connect_from(&format!("127.0.0.{}", 10 + i % 4), server.http) {
            slow.push((s, 0usize, true));
        }
    }
    let silent: Vec<TcpStream> = (0..100).filter_map(|_| connect_from("127.0.0.14", server.http).ok()).collect();
    let head = b"GET /805ec0d57d72.cfg HTTP/1.1\r\nHost: x\r\nUser-Agent: slow\r\nX-Pad: ";
    let mut peak = 0;
    for round in 0..60 {
        for (s, sent, open) in slow.iter_mut().filter(|c| c.2) {
            let byte = head.get(*sent).copied().unwrap_or(b'a');
            match s.write(&[byte]) {
                Ok(1) => *sent += 1,
                _ => *open = false,
            }
        }
        peak = peak.max(server.open_descriptors());
        if round == 5 {
            // Meanwhile a real phone, elsewhere, is served, and so is the API.
            assert_eq!(phone_http(&server, "127.0.0.200"), "200", "{}", server.log());
            assert_eq!(status_of_api(&server), 200);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(peak < 300, "the server held {peak} descriptors");
    // The server closed every trickling head, a short way into it: the
    // header timeout bounds the whole head, not each read.
    let most = slow.iter().map(|c| c.1).max().unwrap_or(0);
    assert!(slow.iter().all(|c| !c.2), "some slow client is still connected after 60 bytes");
    assert!(most < 40, "a slow client sent {most} bytes before being closed");
    assert!(server.metric("provd_http_connections_refused_total{reason=\"per_address\"}") > 0.0);
    // The silent ones were closed too (refused at once beyond their
    // address's share, or after the first-byte timeout).
    for mut s in silent {
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let closed = std::io::Read::read(&mut s, &mut [0u8; 64]);
        assert!(
            matches!(&closed, Ok(0)) || closed.as_ref().is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
            "{closed:?}"
        );
    }
    assert_eq!(phone_http(&server, "127.0.0.200"), "200", "{}", server.log());
}

#[test]
fn unanswered_tftp_requests_hold_bounded_shares() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_with_descriptors(&dir.path().join("data"), &[], Some(300));
    let per_address = server.metric("provd_descriptor_budget{use=\"tftp\"}") / 16.0;
    // 400 read requests from one socket that never answers (as a forged
    // source would not), each for another phone's file.
    let flood = UdpSocket::bind("127.0.0.20:0").unwrap();
    let mut peak = 0;
    for i in 0..400u32 {
        let rrq = format!("\x00\x01SEP001E4A{i:06X}.cnf.xml\x00octet\x00");
        flood.send_to(rrq.as_bytes(), server.tftp).unwrap();
        if i % 50 == 49 {
            peak = peak.max(server.open_descriptors());
        }
    }
    let unanswered = server.metric("provd_descriptors_in_use{use=\"tftp_unanswered\"}");
    assert!(unanswered <= per_address.max(4.0), "{unanswered} unanswered transfers held");
    assert!(server.metric("provd_tftp_requests_dropped_total{reason=\"per_address\"}") > 0.0);
    assert!(peak < 300, "the server held {peak} descriptors");
    // A real phone elsewhere gets its file; the API answers.
    assert!(phone_tftp(&server, "127.0.0.21", "001E4A0000AA"), "{}", server.log());
    assert_eq!(status_of_api(&server), 200);
    // The held transfers give up in the end and give their places back.
    let released = eventually(1000, || server.metric("provd_descriptors_in_use{use=\"tftp_unanswered\"}") == 0.0);
    assert!(released, "{}", server.log());
}
