//! The REST API against hostile clients: web pages in an administrator's
//! browser, DNS rebinding, bodies sent without a token, piles of idle
//! connections, clients that trickle. Each is refused or bounded, and the
//! API keeps answering its real clients.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use provd_e2e::{PROVD_JSON, Rest, Server};

fn start(extra: &[&str]) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), extra);
    (dir, server)
}

/// Sends `request` as is and returns the response head and body as text
/// (until the server closes or 20 s pass).
fn raw(to: SocketAddr, request: &[u8]) -> String {
    let mut s = TcpStream::connect(to).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    // The answer, not the close: the server may keep the connection.
    while let Ok(n) = s.read(&mut buf) {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if out.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn a_web_page_cannot_use_an_api_without_tokens() {
    let (_dir, server) = start(&["--api-no-auth"]);
    let rest = Rest { token: None, ..server.rest() };
    // The CLI and scripts (no Origin, Host localhost or a loopback address).
    assert_eq!(rest.get("/0.2/cfg_mgr/configs").status, 200);
    assert_eq!(rest.call("GET", "/0.2/cfg_mgr/configs", &["-H", "Host: localhost:8666"]).status, 200);
    // A page of another origin, simple request or preflight: refused, and
    // never given CORS permission.
    for method in ["GET", "OPTIONS"] {
        let r = rest.call(
            method,
            "/0.2/cfg_mgr/configs",
            &["-H", "Origin: http://evil.example", "-H", "Access-Control-Request-Method: PUT"],
        );
        assert_eq!(r.status, 403, "{method}: {}", r.text());
        assert!(r.text().contains("Origin http://evil.example is not allowed"), "{}", r.text());
        assert_eq!(r.header("Access-Control-Allow-Origin"), None);
    }
    // DNS rebinding: the page's own name, resolved to 127.0.0.1.
    let r = rest.call("GET", "/0.2/cfg_mgr/configs", &["-H", "Host: evil.example:8666"]);
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("Host evil.example:8666 is not served here"), "{}", r.text());
    assert!(!r.text().contains("raw_config"));
}

#[test]
fn cors_for_the_origins_configured() {
    let (_dir, server) = start(&["--api-cors-origin", "https://admin.example", "--api-allowed-host", "provd.example"]);
    let rest = server.rest();
    let preflight = rest.call(
        "OPTIONS",
        "/0.2/dev_mgr/devices",
        &["-H", "Origin: https://admin.example", "-H", "Access-Control-Request-Method: PUT"],
    );
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("Access-Control-Allow-Origin"), Some("https://admin.example"));
    assert!(preflight.header("Access-Control-Allow-Headers").unwrap().contains("X-Auth-Token"));
    let r = rest.call("GET", "/0.2/dev_mgr/devices", &["-H", "Origin: https://admin.example"]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Access-Control-Allow-Origin"), Some("https://admin.example"));
    assert_eq!(r.header("Vary"), Some("Origin"));
    // The token is still required.
    let anonymous = Rest { token: None, ..rest.clone() };
    assert_eq!(anonymous.call("GET", "/0.2/dev_mgr/devices", &["-H", "Origin: https://admin.example"]).status, 401);
    assert_eq!(rest.call("GET", "/0.2/status", &["-H", "Origin: https://other.example"]).status, 403);
    // A name the operator allowed.
    assert_eq!(rest.call("GET", "/0.2/status", &["-H", "Host: provd.example:8666"]).status, 200);
}

#[test]
fn the_token_is_checked_before_the_body_is_read() {
    let (_dir, server) = start(&[]);
    let api = server.api.unwrap();
    // Announces 15 MB and sends none of it: without a token, 401 at once.
    let head = format!(
        "POST /0.2/dev_mgr/devices HTTP/1.1\r\nHost: localhost\r\nContent-Type: {PROVD_JSON}\r\nContent-Length: 15000000\r\n\r\n"
    );
    let answer = raw(api, head.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer:?}");
    // With the token, a body beyond the limit is refused before it is read.
    let token = server.rest().token.unwrap();
    let head = format!(
        "POST /0.2/dev_mgr/devices HTTP/1.1\r\nHost: localhost\r\nX-Auth-Token: {token}\r\nContent-Type: {PROVD_JSON}\r\nContent-Length: 17000000\r\n\r\n"
    );
    let answer = raw(api, head.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer:?}");
    assert!(answer.ends_with("Request body too large") || answer.contains("\r\n\r\n"), "{answer:?}");
}

#[test]
fn idle_connections_hold_no_threads_and_never_lock_the_api() {
    let (_dir, server) = start(&["--api-idle-timeout", "120", "--api-max-connections", "32"]);
    let api = server.api.unwrap();
    let threads = server.threads();
    // 300 connections that say nothing.
    let idle: Vec<TcpStream> = (0..300).map(|_| TcpStream::connect(api).unwrap()).collect();
    // Each one a task, not a thread.
    assert!(server.threads() <= threads + 2, "{} threads, {threads} before", server.threads());
    // Administrators get in: the idle ones make room.
    for _ in 0..5 {
        assert_eq!(server.rest().get("/0.2/status").status, 200);
    }
    assert!(server.metric("provd_api_connections_closed_total{reason=\"idle\"}") > 0.0);
    drop(idle);
}

#[test]
fn idle_and_trickling_connections_time_out() {
    let (_dir, server) = start(&["--api-idle-timeout", "1"]);
    let api = server.api.unwrap();
    // Says nothing: closed (a read timing out would be an error of
    // another kind).
    let mut silent = TcpStream::connect(api).unwrap();
    silent.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let closed = silent.read(&mut [0u8; 256]);
    assert!(
        matches!(&closed, Ok(0)) || closed.as_ref().is_err_and(|e| e.kind() == std::io::ErrorKind::ConnectionReset),
        "{closed:?}"
    );
    // Trickles a head, a byte every 100 ms: closed within the timeout of
    // the whole head, not of each byte.
    let mut slow = TcpStream::connect(api).unwrap();
    let head = b"GET /0.2/status HTTP/1.1\r\nHost: localhost\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let mut sent = 0;
    for byte in head {
        if slow.write(&[*byte]).is_err() {
            break;
        }
        sent += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(sent < head.len(), "the whole trickled head ({sent} bytes) was taken");
    assert_eq!(server.rest().get("/0.2/status").status, 200);
}
