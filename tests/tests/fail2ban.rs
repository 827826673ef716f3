//! The security log and the fail2ban configuration we ship, against
//! forged sources: a TFTP request's source address can be anyone's, so
//! its lines wait until the peer answers from there; and a ban closes the
//! provisioning ports only.

use std::net::UdpSocket;
use std::process::Command;

use provd_e2e::{Server, curl, eventually, stdout};

const CONTRIB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../contrib/fail2ban");

/// `fail2ban-regex` with the shipped filter on the server's log: the
/// addresses of the matched lines.
fn matched_addresses(server: &Server) -> Vec<String> {
    let log = server.data.join("provd-fail2ban.log");
    let out = Command::new("fail2ban-regex")
        .args(["--print-all-matched", "--print-no-missed"])
        .arg(&log)
        .arg(format!("{CONTRIB}/filter.d/provd.conf"))
        .output()
        .expect("fail2ban-regex (scripts/install-test-deps)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    stdout(&out)
        .lines()
        // The matched lines, not the filter's own regexes (`from <HOST>`).
        .filter(|l| !l.contains("<HOST>"))
        .filter_map(|l| l.split(" from ").nth(1))
        .filter_map(|rest| rest.split(':').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn forged_tftp_requests_get_nobody_banned() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    // 35 requests for phones' files "from" 127.0.0.7, which never answers
    // the server's first block, as a forged source would not.
    let victim = UdpSocket::bind("127.0.0.7:0").unwrap();
    for i in 0..35u32 {
        let rrq = format!("\x00\x01SEP001E4A0000{i:02X}.cnf.xml\x00octet\x00");
        victim.send_to(rrq.as_bytes(), server.tftp).unwrap();
    }
    let unproven = eventually(1000, || server.metric("provd_tftp_unproven_security_events_total") >= 1.0);
    assert!(unproven, "{}", server.log());
    // A real phone at 127.0.0.8 answers, and gets its lines.
    let out = curl(&["--interface", "127.0.0.8", &format!("tftp://{}/SEP001E4A0000FF.cnf.xml", server.tftp)]);
    assert!(stdout(&out).contains("<device>"), "{}", server.log());
    assert!(eventually(100, || server.security_log().len() >= 2), "{:?}", server.security_log());
    let lines = server.security_log();
    assert!(lines.iter().all(|l| !l.contains("127.0.0.7")), "{lines:?}");
    assert!(lines.iter().any(|l| l.ends_with("Sensitive file requested from 127.0.0.8: SEP001E4A0000FF.cnf.xml")));
    assert!(lines.iter().any(|l| l.contains("New device created automatically from 127.0.0.8: ")));
    // fail2ban, with the filter we ship, sees only the real phone.
    let matched = matched_addresses(&server);
    assert_eq!(matched, ["127.0.0.8", "127.0.0.8"], "{lines:?}");
}

#[test]
fn the_shipped_jail_bans_the_provisioning_ports_only() {
    // fail2ban's own reading of a configuration holding our filter and jail.
    let dir = tempfile::tempdir().unwrap();
    let conf = dir.path().join("fail2ban");
    let copied = Command::new("cp").arg("-r").arg("/etc/fail2ban").arg(&conf).status().unwrap();
    assert!(copied.success());
    for entry in std::fs::read_dir(conf.join("jail.d")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    std::fs::copy(format!("{CONTRIB}/filter.d/provd.conf"), conf.join("filter.d/provd.conf")).unwrap();
    let log = dir.path().join("provd-fail2ban.log");
    std::fs::write(&log, "").unwrap();
    let jail = std::fs::read_to_string(format!("{CONTRIB}/jail.d/provd.conf")).unwrap();
    let jail = jail.replace("/var/lib/provd/provd-fail2ban.log", log.to_str().unwrap());
    std::fs::write(conf.join("jail.d/provd.conf"), jail).unwrap();
    let out = Command::new("fail2ban-client").arg("-c").arg(&conf).arg("-d").output().expect("fail2ban-client");
    let dump = stdout(&out);
    assert!(
        out.status.success() && dump.contains("['start', 'provd']"),
        "{dump}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Two actions, each closing one provisioning port of one protocol.
    let provd: Vec<&str> = dump.lines().filter(|l| l.contains("'provd'") && l.contains("'action'")).collect();
    assert_eq!(provd.len(), 2, "{dump}");
    assert!(provd[0].contains("-p $proto -m multiport --dports 8667") && provd[0].contains("['protocol', 'tcp']"));
    assert!(provd[1].contains("-p $proto -m multiport --dports 69") && provd[1].contains("['protocol', 'udp']"));
    assert!(!dump.contains("allports"), "{dump}");
}
