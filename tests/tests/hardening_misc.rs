//! Small hardening items, each through the real binaries: exported files
//! only their owner reads, secret files other users can read are refused
//! (REST tokens, the AMI login, which no longer has to be on the command
//! line), security-log lines lost to a full disk are counted, and a config
//! that is not deletable stays so through a PUT.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use provd_e2e::{Rest, Server, bin, curl, eventually, run, stderr, stdout};
use serde_json::json;

fn ua(mac: &str) -> String {
    format!("Yealink SIP-T46S 66.86.0.15 {mac}")
}

/// A phone's first request: creates it (autoprov); the HTTP status.
fn phone(server: &Server, mac: &str) -> String {
    let file = format!("/{}.cfg", mac.replace(':', ""));
    stdout(&curl(&["-o", "/dev/null", "-w", "%{http_code}", "-A", &ua(mac), &server.url(&file)]))
}

fn secret_file(dir: &Path, name: &str, mode: u32, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
    p
}

/// `provd-server ARGS` expected to refuse to start; bounded by `timeout`
/// so that a server that starts anyway fails the test instead of hanging it.
fn refused_start(data: &Path, args: &[&str]) -> Output {
    let out = Command::new("timeout")
        .arg("120")
        .arg(bin("provd-server"))
        .args(["--data", data.to_str().unwrap(), "--http", "127.0.0.1:0", "--tftp", "127.0.0.1:0"])
        .args(["--api", "127.0.0.1:0"])
        .args(args)
        .output()
        .expect("timeout(1)");
    assert_eq!(out.status.code(), Some(1), "the server should refuse to start: {}", stderr(&out));
    out
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn export_writes_files_only_their_owner_reads() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let out = run("provd-compile", &["--data", d]);
    assert!(out.status.success(), "{}", stderr(&out));
    let export = dir.path().join("export");
    let out = run("provd-compile", &["--data", d, "--export", export.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));

    let (mut files, mut dirs) = (0, 0);
    let mut todo = vec![export.clone()];
    while let Some(d) = todo.pop() {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
        dirs += 1;
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                files += 1;
            }
        }
    }
    assert!(files > 10 && dirs > 1, "{files} files in {dirs} directories");
    let help = stdout(&run("provd-compile", &["--help"]));
    assert!(help.contains("mode 0600"), "{help}");
}

#[test]
fn token_files_other_users_can_read_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let open = secret_file(dir.path(), "open-token", 0o644, "t0ken-for-tests\n");
    let out = refused_start(&data, &["--api-token-file", open.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(err.contains(&format!("token file {} has mode 0644", open.display())), "{err}");
    assert!(err.contains(&format!("chmod 600 {}", open.display())), "{err}");

    // Readable by its group: a warning, and it works.
    let group = secret_file(dir.path(), "group-token", 0o640, "t0ken-for-tests\n");
    let server = Server::start(&data, &["--api-token-file", group.to_str().unwrap()]);
    assert!(server.log().contains(&format!("token file {} has mode 0640: its group can read", group.display())));
    let rest = Rest { base: format!("http://{}", server.api.unwrap()), token: Some("t0ken-for-tests".into()) };
    assert_eq!(rest.get("/0.2/status").status, 200);
    let wrong = Rest { token: Some("guess".into()), ..rest };
    assert_eq!(wrong.get("/0.2/status").status, 401);
}

/// Asterisk's manager for one connection: the banner, then `Response:
/// Success` to each of `actions` actions; the actions it read.
fn fake_ami(listener: TcpListener, actions: usize) -> std::thread::JoinHandle<Vec<Vec<String>>> {
    std::thread::spawn(move || {
        let (s, _) = listener.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        let mut reader = BufReader::new(s.try_clone().unwrap());
        let mut w = s;
        w.write_all(b"Asterisk Call Manager/9.0.0\r\n").unwrap();
        let mut seen = Vec::new();
        while seen.len() < actions {
            let mut action = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 {
                    return seen;
                }
                let line = line.trim_end().to_owned();
                if line.is_empty() {
                    if action.is_empty() {
                        continue;
                    }
                    break;
                }
                action.push(line);
            }
            let id = action.iter().find_map(|l| l.strip_prefix("ActionID: ")).unwrap_or_default().to_owned();
            w.write_all(format!("Response: Success\r\nActionID: {id}\r\nMessage: ok\r\n\r\n").as_bytes()).unwrap();
            seen.push(action);
        }
        seen
    })
}

#[test]
fn the_ami_login_comes_from_a_private_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let open = secret_file(dir.path(), "open-login", 0o644, "provd:s3cret\n");
    let out = refused_start(&data, &["--sync", "ami", "--sync-ami-login-file", open.to_str().unwrap()]);
    let err = stderr(&out);
    assert!(err.contains(&format!("AMI login file {} has mode 0644", open.display())), "{err}");
    assert!(err.contains("chmod 600"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let ami = listener.local_addr().unwrap().to_string();
    let asterisk = fake_ami(listener, 2);
    let login = secret_file(dir.path(), "login", 0o600, "provd:s3cret\n");
    let server =
        Server::start(&data, &["--sync", "ami", "--sync-ami", &ami, "--sync-ami-login-file", login.to_str().unwrap()]);
    let rest = server.rest();
    let mac = "80:5e:c0:d5:81:01";
    assert_eq!(phone(&server, mac), "200");
    let q = format!("/0.2/dev_mgr/devices?q=%7B%22mac%22%3A%22{}%22%7D", mac.replace(':', "%3A"));
    let id = rest.get(&q).json()["devices"][0]["id"].as_str().unwrap().to_owned();
    let r = rest.send("POST", "/0.2/dev_mgr/synchronize", &json!({"id": id}));
    assert_eq!(r.status, 201, "{}", r.text());
    let done = rest.wait_operation(r.header("Location").unwrap(), 600);
    assert_eq!(done["status"], "success", "{done}");
    let actions = asterisk.join().unwrap();
    assert_eq!(actions[0][0], "Action: Login");
    assert!(actions[0].contains(&"Username: provd".to_owned()), "{:?}", actions[0]);
    assert!(actions[0].contains(&"Secret: s3cret".to_owned()), "{:?}", actions[0]);
    assert_eq!(actions[1][0], "Action: PJSIPNotify");
    assert!(actions[1].contains(&"URI: sip:anonymous@127.0.0.1".to_owned()), "{:?}", actions[1]);
}

fn dropped(server: &Server) -> u64 {
    let r = Rest { base: format!("http://{}", server.api.unwrap()), token: None }.get("/metrics");
    let text = r.text();
    let line = text.lines().find(|l| l.starts_with("provd_security_log_dropped_total ")).expect("the metric");
    line.split_whitespace().nth(1).unwrap().parse::<f64>().unwrap() as u64
}

#[test]
fn security_log_lines_lost_to_a_full_disk_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    // Every write to /dev/full fails with ENOSPC.
    let server = Server::start(&dir.path().join("data"), &["--security-log", "/dev/full"]);
    assert_eq!(dropped(&server), 0);
    // Each new phone is one line ("New device created automatically ...").
    for i in 0..5 {
        assert_eq!(phone(&server, &format!("80:5e:c0:d5:82:{i:02x}")), "200", "the server goes on serving");
    }
    assert!(eventually(500, || dropped(&server) >= 5), "{} dropped", dropped(&server));
    assert_eq!(phone(&server, "80:5e:c0:d5:82:ff"), "200");
    assert!(eventually(500, || dropped(&server) >= 6), "{} dropped", dropped(&server));
    // Said once for the whole run of failures, not once per line.
    let said = server.log().lines().filter(|l| l.contains("security log /dev/full:")).count();
    assert_eq!(said, 1, "{}", server.log());
}

#[test]
fn a_config_that_is_not_deletable_stays_so_through_a_put() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    let mut base = rest.get("/0.2/cfg_mgr/configs/base").json()["config"].clone();
    assert_eq!(base["deletable"], false);

    // A whole document without the field (as a script might send it).
    base.as_object_mut().unwrap().remove("deletable");
    base["raw_config"]["ntp_ip"] = json!("127.0.0.3");
    let r = rest.send("PUT", "/0.2/cfg_mgr/configs/base", &json!({"config": base}));
    assert_eq!(r.status, 204, "{}", r.text());
    let now = rest.get("/0.2/cfg_mgr/configs/base").json()["config"].clone();
    assert_eq!(now["deletable"], false, "{now}");
    assert_eq!(now["raw_config"]["ntp_ip"], "127.0.0.3", "the rest of the PUT applies");
    assert_eq!(rest.delete("/0.2/cfg_mgr/configs/base").status, 403);

    // Asking for deletable: true is refused.
    base["deletable"] = json!(true);
    let r = rest.send("PUT", "/0.2/cfg_mgr/configs/base", &json!({"config": base}));
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(r.text().contains("not deletable"), "{}", r.text());
    assert_eq!(rest.delete("/0.2/cfg_mgr/configs/base").status, 403);
    assert_eq!(rest.get("/0.2/cfg_mgr/configs/base").status, 200);
}
