//! Generations as the server sees them: a publish by provd-compile (another
//! process) is served without restart, a transfer in flight finishes with the
//! bytes it started with, and a publish during a load run never produces an
//! error or a mixed file. Also NAT, start-up refusal, graceful stop, and a
//! custom template that never ends.

use std::net::UdpSocket;
use std::path::Path;
use std::time::Duration;

use provd_e2e::{Server, curl, eventually, run, stderr, stdout};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";

fn custom_template(data: &Path, body: &str) {
    let p = data.join("plugins/wazo-yealink-v86/var/templates/805ec0d57d72.cfg.tpl");
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn compile(data: &Path, args: &[&str]) {
    let out = run("provd-compile", &[&["--data", data.to_str().unwrap()], args].concat());
    assert!(out.status.success(), "{}", stderr(&out));
}

fn fetch(server: &Server) -> String {
    stdout(&curl(&["-A", UA, &server.url("/805ec0d57d72.cfg")]))
}

#[test]
fn a_publish_by_another_process_is_served_without_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    assert!(fetch(&server).starts_with("#!version:1.0.0.1"));
    custom_template(&server.data, "custom generation 1\n");
    compile(&server.data, &["--mac", "80:5e:c0:d5:7d:72"]);
    // Picked up by the watcher (every 20 ms); no restart.
    assert!(eventually(100, || fetch(&server) == "custom generation 1"), "{}", fetch(&server));
    custom_template(&server.data, "custom generation 2\n");
    compile(&server.data, &["--plugin", "wazo-yealink-v86"]);
    assert!(eventually(100, || fetch(&server) == "custom generation 2"));
}

#[test]
fn a_custom_template_that_never_ends_fails_and_the_server_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    // In place before the phone is first seen: its first render runs it.
    custom_template(
        &server.data,
        "first line\n{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}\n",
    );
    let reply = curl(&["-A", UA, "-o", "/dev/null", "-w", "%{http_code}", &server.url("/805ec0d57d72.cfg")]);
    assert_eq!(stdout(&reply), "404", "no file for this phone, and an answer");
    let expected = "var/templates/805ec0d57d72.cfg.tpl:2: stopped: the render used up its budget";
    assert!(eventually(250, || server.log().contains(expected)), "{}", server.log());

    // The server's renders go on: another new phone gets its file.
    let other = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:73";
    let fetch_other = || stdout(&curl(&["-A", other, &server.url("/805ec0d57d73.cfg")]));
    assert!(eventually(100, || fetch_other().starts_with("#!version:1.0.0.1")), "{}", server.log());
    // Once the template is fixed, the phone gets its file.
    custom_template(&server.data, "fixed\n");
    compile(&server.data, &["--mac", "80:5e:c0:d5:7d:72"]);
    assert!(eventually(100, || fetch(&server) == "fixed"), "{}", fetch(&server));
}

#[test]
fn a_publish_during_a_load_run_never_mixes_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    fetch(&server);
    // Big enough to take several writes to send.
    let a = "A".repeat(200_000);
    let b = "B".repeat(200_000);
    custom_template(&server.data, &a);
    compile(&server.data, &["--mac", "80:5e:c0:d5:7d:72"]);
    assert!(eventually(100, || fetch(&server) == a));
    let url = server.url("/805ec0d57d72.cfg");
    let load = std::thread::spawn(move || {
        let mut seen = Vec::new();
        for _ in 0..150 {
            let out = curl(&["-A", UA, "-w", "\n%{http_code}", &url]);
            seen.push(stdout(&out));
        }
        seen
    });
    for i in 0..6 {
        custom_template(&server.data, if i % 2 == 0 { &b } else { &a });
        compile(&server.data, &["--mac", "80:5e:c0:d5:7d:72"]);
    }
    let seen = load.join().unwrap();
    for s in &seen {
        let (body, code) = s.rsplit_once('\n').unwrap();
        assert_eq!(code, "200");
        assert!(body == a || body == b, "a mixed or partial file ({} bytes)", body.len());
    }
}

/// A minimal TFTP client that can pause between blocks.
struct Client {
    sock: UdpSocket,
    peer: Option<std::net::SocketAddr>,
}

impl Client {
    fn request(server: &Server, name: &str) -> Client {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut rrq = vec![0, 1];
        rrq.extend_from_slice(name.as_bytes());
        rrq.extend_from_slice(b"\0octet\0");
        sock.send_to(&rrq, server.tftp).unwrap();
        Client { sock, peer: None }
    }

    /// Receives the next DATA block (block number, payload).
    fn data(&mut self) -> (u16, Vec<u8>) {
        let mut buf = [0u8; 1024];
        let (n, from) = self.sock.recv_from(&mut buf).expect("a DATA block");
        self.peer = Some(from);
        assert_eq!(&buf[..2], &[0, 3], "DATA expected: {:?}", &buf[..n]);
        (u16::from_be_bytes([buf[2], buf[3]]), buf[4..n].to_vec())
    }

    fn ack(&self, block: u16) {
        let [a, b] = block.to_be_bytes();
        self.sock.send_to(&[0, 4, a, b], self.peer.unwrap()).unwrap();
    }

    fn rest(mut self, first: Vec<u8>) -> Vec<u8> {
        let mut out = first;
        loop {
            let (block, data) = self.data();
            out.extend_from_slice(&data);
            self.ack(block);
            if data.len() < 512 {
                return out;
            }
        }
    }
}

#[test]
fn a_transfer_in_flight_finishes_with_the_bytes_it_started_with() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    fetch(&server);
    let old = "o".repeat(5000);
    let new = "n".repeat(5000);
    custom_template(&server.data, &old);
    compile(&server.data, &["--mac", "80:5e:c0:d5:7d:72"]);
    assert!(eventually(100, || fetch(&server) == old));
    let mut c = Client::request(&server, "805ec0d57d72.cfg");
    let (block, first) = c.data();
    assert_eq!(block, 1);
    // Publish while the transfer waits for its first ACK.
    custom_template(&server.data, &new);
    compile(&server.data, &["--mac", "80:5e:c0:d5:7d:72"]);
    assert!(eventually(100, || fetch(&server) == new), "the new generation is served");
    c.ack(1);
    let got = c.rest(first);
    assert_eq!(String::from_utf8(got).unwrap(), old);
}

#[test]
fn graceful_stop_lets_a_transfer_finish() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    fetch(&server);
    custom_template(&server.data, &"s".repeat(3000));
    compile(&server.data, &["--mac", "80:5e:c0:d5:7d:72"]);
    assert!(eventually(100, || fetch(&server).len() == 3000));
    let mut c = Client::request(&server, "805ec0d57d72.cfg");
    let (_, first) = c.data();
    let stopper = std::thread::spawn(move || server.stop());
    std::thread::sleep(Duration::from_millis(300));
    c.ack(1);
    let got = c.rest(first);
    assert_eq!(got.len(), 3000);
    assert!(stopper.join().unwrap().success());
}

#[test]
fn nat_on_keeps_every_phone_at_its_address() {
    for nat in ["0", "1"] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        {
            let (d, _) = provd_store::data::DataDir::open(&data).unwrap();
            let mut w = d.store().write_txn().unwrap();
            let mut params = provd_core::Map::new();
            params.insert("NAT".into(), nat.into());
            d.store().set_params(&mut w, &params).unwrap();
            w.commit().unwrap();
        }
        let server = Server::start(&data, &[]);
        for mac in ["80:5e:c0:00:00:01", "80:5e:c0:00:00:02", "80:5e:c0:00:00:03"] {
            curl(&["-o", "/dev/null", "-A", &format!("Yealink SIP-T46S 66.86.0.15 {mac}"), &server.url("/x.cfg")]);
        }
        // Writes that do not change routing are asynchronous: give the
        // writer a moment.
        let count_with_ip = || {
            let (d, _) = provd_store::data::DataDir::open(&data).unwrap();
            let r = d.store().read_txn().unwrap();
            d.store().devices(&r).unwrap().map(Result::unwrap).filter(|d| d.ip.is_some()).count()
        };
        let want = if nat == "1" { 3 } else { 1 };
        assert!(eventually(100, || count_with_ip() == want), "NAT {nat}: {} devices keep an address", count_with_ip());
    }
}

#[test]
fn a_port_held_by_another_process_is_refused() {
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let addr = held.local_addr().unwrap().to_string();
    let out = run("provd-server", &["--data", data.to_str().unwrap(), "--http", &addr, "--tftp", "off"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("already in use by another process"), "{}", stderr(&out));
}

#[test]
fn a_killed_server_restarts_at_once_on_the_same_ports() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let first = Server::start(&data, &[]);
    let ports = [first.http.to_string(), first.tftp.to_string(), first.api.unwrap().to_string()];
    first.kill();
    // Each time at once, while the kernel may still be closing the killed
    // server's listening sockets.
    for round in 0..5 {
        let server = Server::start(&data, &["--http", &ports[0], "--tftp", &ports[1], "--api", &ports[2]]);
        let out = curl(&["-o", "/dev/null", "-w", "%{http_code}", "-A", UA, &server.url("/805ec0d57d72.cfg")]);
        assert_eq!(stdout(&out), "200", "round {round}: {}", server.log());
        server.kill();
    }
}
