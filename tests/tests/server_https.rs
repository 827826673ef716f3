//! HTTPS for phones (`--https`, `--tls-cert`, `--tls-key`), driven by curl
//! and `openssl s_client` with a test CA: the same files, headers, ranges
//! and conditional answers as HTTP; a client that does not speak TLS is
//! closed and counted; SIGHUP takes a renewed certificate for new
//! connections while an open one goes on.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use provd_e2e::tls::{certificates, phone_certificate, vendor_ca};
use provd_e2e::{Server, curl, eventually};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";
const FILE: &str = "/805ec0d57d72.cfg";

/// `curl` over HTTPS trusting `ca`: (status, headers, body).
fn get(server: &Server, ca: &Path, extra: &[&str]) -> (u16, String, String) {
    let url = format!("https://127.0.0.1:{}{FILE}", server.https.unwrap().port());
    let mut args = vec!["-s", "-D", "-", "--cacert", ca.to_str().unwrap(), "-A", UA, "-w", "\n%{http_code}"];
    args.extend_from_slice(extra);
    args.push(&url);
    let out = curl(&args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (rest, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    let (head, body) = rest.split_once("\r\n\r\n").unwrap_or((rest, ""));
    (code.trim().parse().unwrap_or(0), head.to_owned(), body.to_owned())
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

fn start(dir: &Path, cert: &Path, key: &Path) -> Server {
    Server::start(
        &dir.join("data"),
        &["--https", "127.0.0.1:0", "--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()],
    )
}

#[test]
fn phones_get_the_same_answers_over_https() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let server = start(dir.path(), &cert, &key);
    assert!(server.log().contains("HTTPS: sessions in user space (rustls)"), "{}", server.log());

    // The phone's first request (over HTTPS) creates it, as over HTTP.
    let (code, head, body) = get(&server, &ca, &[]);
    assert_eq!(code, 200, "{head}");
    assert!(body.contains("account.1.label = Autoprov"), "{body}");
    let plain = curl(&["-s", "-D", "-", "-A", UA, &server.url(FILE)]);
    let plain = String::from_utf8_lossy(&plain.stdout).into_owned();
    let (plain_head, plain_body) = plain.split_once("\r\n\r\n").unwrap();
    assert_eq!(body, plain_body, "same bytes as HTTP");
    let etag = header(&head, "ETag").expect("an ETag").to_owned();
    assert_eq!(Some(etag.as_str()), header(plain_head, "ETag"));

    // Ranges and conditional requests, as over HTTP.
    let (code, head, part) = get(&server, &ca, &["-r", "0-9"]);
    assert_eq!(code, 206, "{head}");
    assert_eq!(part, body[..10]);
    assert_eq!(get(&server, &ca, &["-H", &format!("If-None-Match: {etag}")]).0, 304);

    // Keep-alive: two files on one connection.
    let url = format!("https://127.0.0.1:{}{FILE}", server.https.unwrap().port());
    let out = curl(&[
        "-s",
        "-v",
        "--cacert",
        ca.to_str().unwrap(),
        "-A",
        UA,
        &url,
        &url,
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
    ]);
    let verbose = String::from_utf8_lossy(&out.stderr);
    assert!(verbose.contains("Re-using existing connection") || verbose.contains("Reusing existing"), "{verbose}");

    // A client that does not speak TLS is closed and counted; phones go on.
    let plain_to_tls = curl(&[
        "-s",
        "-m",
        "5",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        &format!("http://127.0.0.1:{}{FILE}", server.https.unwrap().port()),
    ]);
    assert_ne!(String::from_utf8_lossy(&plain_to_tls.stdout), "200");
    assert!(eventually(100, || server.metric("provd_tls_handshake_failures_total") >= 1.0));
    assert_eq!(get(&server, &ca, &[]).0, 200);
}

#[test]
fn a_renewed_certificate_is_taken_on_sighup_without_dropping_connections() {
    let dir = tempfile::tempdir().unwrap();
    let (old_ca, cert, key) = certificates(dir.path());
    let server = start(dir.path(), &cert, &key);
    assert_eq!(get(&server, &old_ca, &[]).0, 200);

    // A connection opened before the renewal.
    let port = server.https.unwrap().port();
    let mut client = Command::new("openssl")
        .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-CAfile", old_ca.to_str().unwrap(), "-quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_client");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = client.stdout.take().unwrap();
    let sink = seen.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let mut stdin = client.stdin.take().unwrap();
    let request = |close: bool| {
        format!(
            "GET {FILE} HTTP/1.1\r\nHost: p\r\nUser-Agent: {UA}\r\n{}\r\n",
            if close { "Connection: close\r\n" } else { "" }
        )
    };
    stdin.write_all(request(false).as_bytes()).unwrap();
    let answers =
        |seen: &Arc<Mutex<Vec<u8>>>| String::from_utf8_lossy(&seen.lock().unwrap()).matches("HTTP/1.1 200 OK").count();
    assert!(eventually(100, || answers(&seen) == 1), "the first answer");

    // Renewed by another CA; SIGHUP.
    let renewed = dir.path().join("renewed");
    std::fs::create_dir_all(&renewed).unwrap();
    let (new_ca, new_cert, new_key) = certificates(&renewed);
    std::fs::copy(&new_cert, &cert).unwrap();
    std::fs::copy(&new_key, &key).unwrap();
    assert!(Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap().success());
    assert!(eventually(100, || server.log().contains("HTTPS: certificate reloaded")), "{}", server.log());
    assert_eq!(get(&server, &new_ca, &[]).0, 200, "new connections get the new certificate");
    assert_eq!(get(&server, &old_ca, &[]).0, 0, "which the old CA does not vouch for");

    // The connection made before goes on with its session.
    stdin.write_all(request(true).as_bytes()).unwrap();
    drop(stdin);
    let _ = client.wait();
    reader.join().unwrap();
    assert_eq!(answers(&seen), 2, "{}", String::from_utf8_lossy(&seen.lock().unwrap()));

    // A renewal that does not load is refused; the current one stays.
    std::fs::write(&key, "not a key\n").unwrap();
    assert!(Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap().success());
    assert!(
        eventually(100, || server.log().contains("certificate not reloaded, the current one stays")),
        "{}",
        server.log()
    );
    assert_eq!(get(&server, &new_ca, &[]).0, 200);
}

#[test]
fn a_certificate_that_does_not_match_its_key_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let (_, cert, _) = certificates(dir.path());
    let other = dir.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let (_, _, other_key) = certificates(&other);
    let tls =
        ["--https", "127.0.0.1:0", "--tls-cert", cert.to_str().unwrap(), "--tls-key", other_key.to_str().unwrap()];
    let out = provd_e2e::server_until_exit(&dir.path().join("data"), &tls);
    assert!(!out.status.success());
    let err = provd_e2e::stderr(&out);
    assert!(err.contains("HTTPS: ") && err.contains("srv.pem"), "{err}");
}

/// `curl` over HTTPS for `path`, showing `cert` (a phone's): the status (0
/// when the handshake failed).
fn phone_get(server: &Server, ca: &Path, cert: Option<&(std::path::PathBuf, std::path::PathBuf)>, path: &str) -> u16 {
    let url = format!("https://127.0.0.1:{}{path}", server.https.unwrap().port());
    let mut args = vec!["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", ca.to_str().unwrap(), "-A", UA];
    if let Some((c, k)) = cert {
        args.extend_from_slice(&["--cert", c.to_str().unwrap(), "--key", k.to_str().unwrap()]);
    }
    args.push(&url);
    String::from_utf8_lossy(&curl(&args).stdout).trim().parse().unwrap_or(0)
}

#[test]
fn a_phone_certificate_gets_its_own_device_files_only() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let yealink_ca = vendor_ca(dir.path(), "yealink");
    let own = phone_certificate(dir.path(), "yealink", "own", "/O=Yealink/CN=805ec0d57d72");
    let other = phone_certificate(dir.path(), "yealink", "other", "/O=Yealink/CN=805ec0000001");
    let generic = phone_certificate(dir.path(), "yealink", "generic", "/O=Yealink/CN=Yealink Equipment");
    let cisco_like =
        phone_certificate(dir.path(), "yealink", "cisco", "/OU=CP-8841-3PCC/L=FCH123/ST=80:5e:c0:d5:7d:72");
    // The right subject, but no vendor vouches for it.
    let stranger_dir = dir.path().join("stranger");
    std::fs::create_dir_all(&stranger_dir).unwrap();
    vendor_ca(&stranger_dir, "stranger");
    let stranger = phone_certificate(&stranger_dir, "stranger", "s", "/CN=805ec0d57d72");

    let tls = ["--tls-cert", cert.to_str().unwrap(), "--tls-key", key.to_str().unwrap()];
    let mut args =
        vec!["--https", "127.0.0.1:0", "--client-ca", yealink_ca.to_str().unwrap(), "--client-cert", "optional"];
    args.extend_from_slice(&tls);
    let server = Server::start(&dir.path().join("data"), &args);

    // The phone, with its own certificate: created and served.
    assert_eq!(phone_get(&server, &ca, Some(&own), FILE), 200);
    assert_eq!(phone_get(&server, &ca, Some(&cisco_like), FILE), 200, "the MAC in S=, as Cisco puts it");
    // Another phone's certificate, or a vendor's shared one: 403, logged.
    assert_eq!(phone_get(&server, &ca, Some(&other), FILE), 403);
    assert_eq!(phone_get(&server, &ca, Some(&generic), FILE), 403);
    assert!(
        eventually(100, || {
            server
                .security_log()
                .iter()
                .filter(|l| l.contains("Client certificate refused from 127.0.0.1: 805ec0d57d72.cfg"))
                .count()
                == 2
        }),
        "{:?}",
        server.security_log()
    );
    assert_eq!(server.metric("provd_https_certificate_refusals_total"), 2.0);
    assert!(server.log().contains("refused to the certificate of"), "{}", server.log());
    // A plugin's shared file is anybody's.
    assert_eq!(phone_get(&server, &ca, Some(&generic), "/directory_setting.xml"), 200);
    // Optional: no certificate is served as before; one no vendor vouches
    // for fails its handshake.
    assert_eq!(phone_get(&server, &ca, None, FILE), 200);
    assert_eq!(phone_get(&server, &ca, Some(&stranger), FILE), 0);
    drop(server);

    // Required: no certificate, no session.
    let mut args =
        vec!["--https", "127.0.0.1:0", "--client-ca", yealink_ca.to_str().unwrap(), "--client-cert", "required"];
    args.extend_from_slice(&tls);
    let server = Server::start(&dir.path().join("data2"), &args);
    assert_eq!(phone_get(&server, &ca, None, FILE), 0);
    assert_eq!(phone_get(&server, &ca, Some(&own), FILE), 200);
    assert!(eventually(100, || server.metric("provd_tls_handshake_failures_total") >= 1.0));
}
