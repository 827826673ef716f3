//! Several phones behind one address with NAT mode off (the default): each
//! request would take the address from the device that had it, a store
//! write per request for ever. provd notices the address moving, says so
//! once in its log and in `/metrics`, and from then on lets every device
//! keep it: the phones' requests become reads again.

use std::process::Command;

use provd_e2e::Server;

const PHONES: usize = 5;

fn mac(n: usize) -> String {
    format!("80:5e:c0:aa:cc:{n:02x}")
}

/// A Yealink's request for its own file, from 127.0.0.1 like every other
/// phone here; the status.
fn boot(server: &Server, n: usize) -> u16 {
    let ua = format!("User-Agent: Yealink SIP-T46S 66.86.0.15 {}", mac(n));
    let file = format!("/{}.cfg", mac(n).replace(':', ""));
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "--max-time", "30", "-w", "%{http_code}", "-H", &ua])
        .arg(server.url(&file))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

fn round(server: &Server) {
    for n in 0..PHONES {
        assert_eq!(boot(server, n), 200, "phone {n}\n{}", server.log());
    }
}

const WARNING: &str = "is shared by several phones";

#[test]
fn phones_sharing_an_address_without_nat_mode_stop_taking_it_from_each_other() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let updated = r#"provd_identifications_total{result="updated"}"#;
    let waited = r#"provd_identifications_total{result="waited"}"#;
    let known = r#"provd_identifications_total{result="known"}"#;

    // The first rounds create the phones' devices, each taking 127.0.0.1
    // from the one before: the third move within a minute tells.
    let mut rounds = 0;
    while server.metric("provd_shared_addresses") == 0.0 {
        rounds += 1;
        assert!(rounds <= 3, "never found shared\n{}", server.log());
        round(&server);
    }
    assert!(server.metric("provd_address_moves_total") >= 3.0);
    // Devices that lost the address meanwhile take it back once, then
    // nobody takes it from anybody: a round of reads only.
    round(&server);
    let (updated_before, waited_before, known_before) =
        (server.metric(updated), server.metric(waited), server.metric(known));
    let moves_before = server.metric("provd_address_moves_total");
    round(&server);
    round(&server);
    assert_eq!(server.metric(updated), updated_before, "{}", server.log());
    assert_eq!(server.metric(waited), waited_before);
    assert_eq!(server.metric(known), known_before + 2.0 * PHONES as f64);
    assert_eq!(server.metric("provd_address_moves_total"), moves_before);

    // Every device keeps the address, and the log said why, once.
    let devices = server.rest().get("/0.2/dev_mgr/devices").json();
    let devices = devices["devices"].as_array().unwrap();
    assert_eq!(devices.len(), PHONES);
    assert!(devices.iter().all(|d| d["ip"] == "127.0.0.1"), "{devices:?}");
    let log = server.log();
    assert_eq!(log.matches(WARNING).count(), 1, "{log}");
    assert!(log.contains("address 127.0.0.1 is shared") && log.contains("turn NAT mode on"), "{log}");
}
