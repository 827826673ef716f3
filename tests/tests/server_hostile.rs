//! Bad input against the running server: smuggling shapes, hostile paths,
//! huge heads, slow clients, malformed datagrams, a flood of new MACs. Each
//! gets a correct refusal or a silent drop, and the server keeps serving.

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};
use std::time::Duration;

use provd_e2e::{Server, curl, stdout};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";

/// Sends raw bytes and returns what came back until the server closed (or
/// a few seconds passed).
fn raw(server: &Server, request: &[u8]) -> String {
    let mut s = TcpStream::connect(server.http).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn status(response: &str) -> &str {
    response.get(9..12).unwrap_or("")
}

fn still_serving(server: &Server) {
    let out = curl(&["-o", "/dev/null", "-w", "%{http_code}", "-A", UA, &server.url("/805ec0d57d72.cfg")]);
    assert_eq!(stdout(&out), "200", "{}", server.log());
}

#[test]
fn http_smuggling_shapes_and_limits() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    still_serving(&server);
    let get = |extra: &str| format!("GET /805ec0d57d72.cfg HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\n{extra}\r\n");
    let cases: Vec<(String, Vec<u8>, &str)> = vec![
        ("obs-fold".into(), get("X-A: 1\r\n  folded\r\n").into_bytes(), "400"),
        ("space before colon".into(), get("Host : x\r\n").into_bytes(), "400"),
        ("Content-Length +3".into(), get("Content-Length: +3\r\n").into_bytes(), "400"),
        ("two lengths".into(), get("Content-Length: 0\r\nContent-Length: 5\r\n").into_bytes(), "400"),
        ("TE on GET".into(), get("Transfer-Encoding: chunked\r\n").into_bytes(), "400"),
        ("bare LF".into(), b"GET / HTTP/1.1\nHost: x\n\n".to_vec(), "400"),
        ("no Host".into(), b"GET / HTTP/1.1\r\n\r\n".to_vec(), "400"),
        ("HTTP/2.0".into(), b"GET / HTTP/2.0\r\nHost: x\r\n\r\n".to_vec(), "505"),
        (
            "long request line".into(),
            format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000)).into_bytes(),
            "414",
        ),
        ("huge header".into(), get(&format!("X-Big: {}\r\n", "b".repeat(9000))).into_bytes(), "431"),
        ("many headers".into(), get(&"X-N: 1\r\n".repeat(200)).into_bytes(), "431"),
    ];
    for (what, request, want) in cases {
        let response = raw(&server, &request);
        assert_eq!(status(&response), want, "{what}: {response}");
        assert!(response.contains("Connection: close"), "{what}: {response}");
    }
    // A head that never ends is refused as soon as it passes the limit.
    let mut endless = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
    endless.extend(std::iter::repeat_n(b"X-Pad: 0123456789\r\n".as_slice(), 2000).flatten());
    assert_eq!(status(&raw(&server, &endless)), "431");
    still_serving(&server);
}

#[test]
fn hostile_paths_never_leave_the_served_tree() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    still_serving(&server);
    // A file that exists under the data directory, outside any served tree.
    std::fs::write(server.data.join("secret.cfg"), b"secret").unwrap();
    let paths = [
        "/../secret.cfg",
        "/../../secret.cfg",
        "/..%2fsecret.cfg",
        "/%2e%2e/secret.cfg",
        "/%2E./secret.cfg",
        "/..\\secret.cfg",
        "/%5c..%5csecret.cfg",
        "/....//secret.cfg",
        "/.../secret.cfg",
        "/./../secret.cfg",
        "//etc/passwd",
        "/etc/passwd",
        "/C:/secret.cfg",
        "/secret%00.cfg",
        "/%00",
        "/plugins/../../secret.cfg",
        "/wazo-yealink-v86/../../store/data.mdb",
    ];
    for path in paths {
        let out = curl(&["--path-as-is", "-A", UA, "-w", "\n%{http_code}", &server.url(path)]);
        let text = stdout(&out);
        let code = text.rsplit('\n').next().unwrap();
        assert!(code == "400" || code == "404", "{path}: {text}");
        assert!(!text.contains("secret\n") && !text.starts_with("secret"), "{path} leaked: {text}");
    }
    let long = format!("/{}", "a/".repeat(700));
    let out = curl(&["-o", "/dev/null", "-w", "%{http_code}", "-A", UA, &server.url(&long)]);
    assert_eq!(stdout(&out), "414");
    // The same names over TFTP: an error, never the file.
    for name in ["../secret.cfg", "..\\secret.cfg", "....//secret.cfg", "/../secret.cfg", "sub/../../secret.cfg"] {
        let got = dir.path().join("got");
        let _ = std::fs::remove_file(&got);
        let status = std::process::Command::new("atftp")
            .args(["-g", "-r", name, "-l"])
            .arg(&got)
            .args(["127.0.0.1", &server.tftp.port().to_string()])
            .output()
            .unwrap();
        assert!(!status.status.success(), "{name}");
        assert_ne!(std::fs::read(&got).unwrap_or_default(), b"secret", "{name} leaked");
    }
    still_serving(&server);
}

#[test]
fn a_slow_client_gets_408_and_idle_connections_close() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &["--http-header-timeout", "0.5", "--http-keepalive-timeout", "0.5", "--http-first-byte-timeout", "0.5"],
    );
    let mut s = TcpStream::connect(server.http).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /805ec0d57d72.cfg HTTP/1.1\r\nHost: x\r\n").unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    // A connection that never says anything is closed without a word...
    let mut s = TcpStream::connect(server.http).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut out = Vec::new();
    let n = s.read_to_end(&mut out).unwrap();
    assert_eq!(n, 0);
    // ...and so is a kept-alive one gone idle after its answer.
    let mut s = TcpStream::connect(server.http).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(format!("GET /805ec0d57d72.cfg HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\n\r\n").as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 200 OK") && !text.contains("Connection: close"), "{text}");
}

#[test]
fn a_client_pipelining_past_the_request_limit_gets_every_answer_it_is_owed() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    still_serving(&server);
    let request = format!("GET /805ec0d57d72.cfg HTTP/1.1\r\nHost: x\r\nUser-Agent: {UA}\r\n\r\n");
    let mut s = TcpStream::connect(server.http).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    // 1100 requests at once, written while the answers are read.
    let mut writer = s.try_clone().unwrap();
    let all = request.repeat(1100);
    let sending = std::thread::spawn(move || writer.write_all(all.as_bytes()));
    let mut out = Vec::new();
    let read = s.read_to_end(&mut out);
    let _ = sending.join();
    // Every answer up to the limit arrives, then a clean close (a reset
    // would have thrown unread answers away).
    assert!(read.is_ok(), "{read:?} after {} bytes", out.len());
    let text = String::from_utf8_lossy(&out);
    assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 1000);
    assert_eq!(text.matches("Connection: close\r\n").count(), 1);
    still_serving(&server);
}

#[test]
fn the_url_key_guards_tftp_too() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let (d, _) = provd_store::data::DataDir::open(&data).unwrap();
        let mut w = d.store().write_txn().unwrap();
        let mut params = provd_core::Map::new();
        params.insert("provisioning_key".into(), "s3cret-Key".into());
        d.store().set_params(&mut w, &params).unwrap();
        w.commit().unwrap();
    }
    let server = Server::start(&data, &["--url-key"]);
    let tftp = |name: &str| {
        let out = curl(&[&format!("tftp://{}/{name}", server.tftp)]);
        (out.status.code(), stdout(&out))
    };
    // Without the key, or with a wrong one: nowhere to route (curl: 68,
    // file not found), and nothing is created.
    assert_eq!(tftp("SEP001E4AAABB01.cnf.xml").0, Some(68));
    assert_eq!(tftp("wrong-key/SEP001E4AAABB01.cnf.xml").0, Some(68));
    assert!(server.security_log().is_empty(), "{:?}", server.security_log());
    // With it, the phone gets its file.
    let (code, body) = tftp("s3cret-Key/SEP001E4AAABB01.cnf.xml");
    assert_eq!(code, Some(0), "{body}\n{}", server.log());
    assert!(body.contains("<device>"), "{body}");
}

#[test]
fn malformed_datagrams_are_dropped_and_the_server_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    still_serving(&server);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let datagrams: &[&[u8]] = &[
        b"",
        b"\x00",
        b"\x00\x01",
        b"\x00\x01file",                                                  // no NUL
        b"\x00\x01file\x00",                                              // no mode
        b"\x00\x01file\x00octet",                                         // mode without NUL
        b"\x00\x01file\x00octet\x00blksize\x00",                          // option without value
        b"\x00\x01file\x00octet\x00blksize\x00512\x00blksize\x00512\x00", // repeated option
        b"\x00\x09file\x00octet\x00",                                     // unknown opcode
        b"\x00\x03\x00\x01data",                                          // DATA on the listening port
        b"\x00\x05\x00\x01oops\x00",                                      // ERROR from a peer
        &[0u8; 4000],
    ];
    for d in datagrams {
        sock.send_to(d, server.tftp).unwrap();
        let mut buf = [0u8; 1024];
        // No answer (a spoofed source would make any answer a reflection).
        assert!(sock.recv_from(&mut buf).is_err(), "answered {d:?}");
    }
    // A write request gets a clear error.
    sock.send_to(b"\x00\x02upload.cfg\x00octet\x00", server.tftp).unwrap();
    let mut buf = [0u8; 1024];
    let (n, _) = sock.recv_from(&mut buf).expect("an ERROR for WRQ");
    assert_eq!(&buf[..4], b"\x00\x05\x00\x02", "{:?}", &buf[..n]);
    // netascii is refused with a message that says so.
    sock.send_to(b"\x00\x01805ec0d57d72.cfg\x00netascii\x00", server.tftp).unwrap();
    let (n, _) = sock.recv_from(&mut buf).expect("an ERROR for netascii");
    assert!(String::from_utf8_lossy(&buf[4..n]).contains("netascii"), "{:?}", &buf[..n]);
    still_serving(&server);
}

#[test]
fn a_flood_of_new_macs_from_one_address_is_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &["--autocreate-burst", "20", "--autocreate-per-minute", "1", "--auto-device-cap", "1000"],
    );
    still_serving(&server);
    let mut codes = std::collections::BTreeMap::new();
    for i in 0..200u32 {
        let ua = format!("Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:{:02x}:{:02x}", i >> 8, i & 255);
        let out = curl(&["-A", &ua, &server.url("/x.cfg")]);
        *codes.entry(stdout(&out)).or_insert(0) += 1;
    }
    std::thread::sleep(Duration::from_millis(200));
    let created = server.security_log().iter().filter(|l| l.contains("New device created")).count();
    assert_eq!(created, 20, "per-address burst (the first phone included); answers {codes:?}");
    // Created phones have no such file; refused ones are nowhere to route.
    assert_eq!(codes.get("File not found."), Some(&19), "{codes:?}");
    assert_eq!(codes.get("Nowhere to route this request."), Some(&181), "{codes:?}");
    // Phones already known are served as before.
    still_serving(&server);
}

#[test]
fn unconfigured_auto_devices_expire_beyond_the_cap() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--auto-device-cap", "5"]);
    for i in 0..12u32 {
        let ua = format!("Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:01:{i:02x}");
        curl(&["-o", "/dev/null", "-A", &ua, &server.url("/x.cfg")]);
    }
    let (d, _) = provd_store::data::DataDir::open(&server.data).unwrap();
    let r = d.store().read_txn().unwrap();
    let devices: Vec<_> = d.store().devices(&r).unwrap().map(Result::unwrap).collect();
    assert_eq!(devices.len(), 5, "{:?}", devices.iter().map(|d| d.mac).collect::<Vec<_>>());
    // The newest stay.
    assert!(devices.iter().any(|d| d.mac.unwrap().to_string() == "80:5e:c0:00:01:0b"));
    // Their transient configs went with them.
    let transient = d.store().configs(&r).unwrap().map(Result::unwrap).filter(|c| c.is_transient()).count();
    assert_eq!(transient, 5);
}
