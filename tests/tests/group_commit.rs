//! Concurrent REST writes share commits (group commit) and each still
//! answers only once its change is committed and published: what a PUT
//! answered 204 for is what the phone is served next.

use provd_e2e::{PROVD_JSON, Server, curl, line_config as config, stdout};
use serde_json::json;

const WRITERS: usize = 8;
const ROUNDS: usize = 20;

fn mac(i: usize) -> String {
    format!("80:5e:c0:d5:7f:{i:02x}")
}

/// Device `i`'s file as its phone fetches it.
fn fetch(server: &Server, i: usize) -> String {
    let ua = format!("Yealink SIP-T46S 66.86.0.15 {}", mac(i));
    stdout(&curl(&["-s", "-A", &ua, &server.url(&format!("/{}.cfg", mac(i).replace(':', "")))]))
}

#[test]
fn concurrent_writes_share_commits_and_each_answers_once_published() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    for i in 0..WRITERS {
        let r = rest.send("POST", "/0.2/cfg_mgr/configs", &config(&format!("c{i}"), "first"));
        assert_eq!(r.status, 201, "{}", r.text());
        let device = json!({"device": {
            "id": format!("d{i}"), "mac": mac(i), "ip": "127.0.0.1", "vendor": "Yealink", "model": "T46S",
            "version": "66.86.0.15", "plugin": "wazo-yealink-v86", "config": format!("c{i}")
        }});
        let r = rest.send("POST", "/0.2/dev_mgr/devices", &device);
        assert_eq!(r.status, 201, "{}", r.text());
    }
    let (commits, writes) = (server.metric("provd_store_commits_total"), server.metric("provd_store_writes_total"));

    // Each writer PUTs its own config ROUNDS times; after each 204 its
    // phone is served that very name (nothing left for later).
    let writers: Vec<_> = (0..WRITERS)
        .map(|i| {
            let rest = server.rest();
            let url = server.url("");
            std::thread::spawn(move || {
                let ua = format!("Yealink SIP-T46S 66.86.0.15 {}", mac(i));
                let file = format!("{url}/{}.cfg", mac(i).replace(':', ""));
                for round in 0..ROUNDS {
                    let name = format!("writer {i} round {round}");
                    let r = rest.call(
                        "PUT",
                        &format!("/0.2/cfg_mgr/configs/c{i}"),
                        &[
                            "-H",
                            &format!("Content-Type: {PROVD_JSON}"),
                            "--data-binary",
                            &config(&format!("c{i}"), &name).to_string(),
                        ],
                    );
                    assert_eq!(r.status, 204, "{}", r.text());
                    let served = stdout(&curl(&["-s", "-A", &ua, &file]));
                    assert!(served.contains(&format!("display_name = {name}\n")), "after {name}:\n{served}");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }

    let commits = server.metric("provd_store_commits_total") - commits;
    let writes = server.metric("provd_store_writes_total") - writes;
    // Every PUT, and the batches of what the fetches recorded (the remote
    // state of a phone that took its file).
    assert!(writes >= (WRITERS * ROUNDS) as f64, "{writes} writes in {commits} commits");
    assert!(commits < writes, "{writes} writes in {commits} commits: none shared");
    for i in 0..WRITERS {
        assert!(fetch(&server, i).contains(&format!("display_name = writer {i} round {}\n", ROUNDS - 1)));
    }
}
