//! Scanner throttling, as a scanner and a real phone behind the same
//! address see it: past its allowance, guessed devices' files are answered
//! 404 at once (nothing created), over HTTP and TFTP, counted, and still in
//! the fail2ban log; the phone that shares the address keeps its files.

use provd_e2e::{Server, curl, eventually};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";

fn get(server: &Server, ua: &str, path: &str) -> u16 {
    let out = curl(&["-s", "-o", "/dev/null", "-w", "%{http_code}", "-A", ua, &server.url(path)]);
    String::from_utf8_lossy(&out.stdout).parse().unwrap_or(0)
}

fn devices(server: &Server) -> usize {
    server.rest().get("/0.2/dev_mgr/devices").json()["devices"].as_array().unwrap().len()
}

#[test]
fn a_scanner_is_ignored_and_the_phone_behind_its_address_is_served() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        &dir.path().join("data"),
        &["--scanner-burst", "10", "--scanner-per-minute", "1", "--scanner-ignore", "600"],
    );
    // The real phone, first: created and served.
    assert_eq!(get(&server, UA, "/805ec0d57d72.cfg"), 200);
    assert_eq!(devices(&server), 1);

    // A scanner from the same address guesses 30 Yealink phones' files,
    // each claiming to be that phone (the worst case: each would create a
    // device).
    let mut codes = Vec::new();
    for i in 0..30u32 {
        let mac = format!("805ec0ab{:04x}", i);
        let ua = format!("Yealink SIP-T46S 66.86.0.15 80:5e:c0:ab:{:02x}:{:02x}", i >> 8, i & 0xff);
        codes.push(get(&server, &ua, &format!("/{mac}.cfg")));
    }
    // The address's allowance (10, the real phone's creation counted) goes
    // through as new phones would; the rest is 404 and creates nothing.
    assert_eq!(codes.iter().filter(|&&c| c == 200).count(), 9, "{codes:?}");
    assert!(codes[9..].iter().all(|&c| c == 404), "{codes:?}");
    assert_eq!(devices(&server), 10);
    assert_eq!(server.metric("provd_scanner_requests_ignored_total"), 21.0);
    assert_eq!(server.metric("provd_scanner_sources_ignored_total"), 1.0);
    assert_eq!(server.metric("provd_scanner_sources_ignored"), 1.0);
    assert!(server.log().contains("127.0.0.1 asks for the files of devices that do not exist"), "{}", server.log());
    // Every guess is in the fail2ban log all the same.
    assert!(eventually(100, || {
        server.security_log().iter().filter(|l| l.contains("Sensitive file requested from 127.0.0.1: 805ec0ab")).count()
            == 30
    }));

    // The phone behind that address still gets its file.
    assert_eq!(get(&server, UA, "/805ec0d57d72.cfg"), 200);

    // Over TFTP too: a guessed file is refused at once.
    let tftp_dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new("timeout")
        .current_dir(tftp_dir.path())
        .args([
            "20",
            "tftp",
            "-m",
            "binary",
            "127.0.0.1",
            &server.tftp.port().to_string(),
            "-c",
            "get",
            "805ec0ab7777.cfg",
        ])
        .output()
        .expect("tftp-hpa");
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(said.contains("File not found") || said.contains("Error code 1"), "{said}");
    let got = tftp_dir.path().join("805ec0ab7777.cfg");
    assert!(!got.exists() || std::fs::metadata(&got).unwrap().len() == 0, "no file");
    assert_eq!(server.metric("provd_scanner_requests_ignored_total"), 22.0);
    assert_eq!(devices(&server), 10, "nothing created over TFTP either");
}
