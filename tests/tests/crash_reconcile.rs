//! A REST write and the compile of what it affects are one transaction: a
//! server killed inside it keeps the old document and the old files, both,
//! and every write answered before the kill. What another process left
//! half done (a document stored without its compile) is published by the
//! restarted server, and by a client repeating the same, unchanged, PUT.
//!
//! The kill lands inside the compile without timing luck: the devices'
//! custom templates take a while to render (a loop well under the render
//! budget), and the kill comes at half the time a first PUT took, while
//! the PUT is still unanswered (if it answered first, the round is played
//! again, sooner).

use std::path::Path;

use provd_e2e::{PROVD_JSON, Rest, Server, curl, line_config as config, run, stderr, stdout};
use provd_store::Store;
use serde_json::{Value, json};

const PLUGIN: &str = "wazo-yealink-v86";

fn mac(i: usize) -> String {
    format!("80:5e:c0:d5:7e:{i:02x}")
}

fn ua(i: usize) -> String {
    format!("Yealink SIP-T46S 66.86.0.15 {}", mac(i))
}

fn file(i: usize) -> String {
    format!("/{}.cfg", mac(i).replace(':', ""))
}

/// Device `d<i>` on `config`, with the fields its phone's requests carry
/// (a fetch changes nothing of it).
fn device(i: usize, config: &str) -> Value {
    json!({"device": {
        "id": format!("d{i}"), "mac": mac(i), "ip": "127.0.0.1", "vendor": "Yealink", "model": "T46S",
        "version": "66.86.0.15", "plugin": PLUGIN, "config": config
    }})
}

/// A custom template for device `i`'s file: its line's display name, after
/// `loops` times 100,000 empty loop turns (each costs render budget, and
/// time; the budget allows some 6 times).
fn custom_template(data: &Path, i: usize, loops: usize) {
    let name = format!("{}.cfg.tpl", mac(i).replace(':', ""));
    let p = data.join("plugins").join(PLUGIN).join("var/templates").join(name);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let body = format!(
        "{{% for j in range({loops}) %}}{{% for i in range(100000) %}}{{% endfor %}}{{% endfor %}}\
         {{% for no, line in sip_lines.items() %}}display={{{{ line.display_name }}}}\n{{% endfor %}}"
    );
    std::fs::write(p, body).unwrap();
}

/// What the store serves device `id`, as `provd-compile --show` prints it.
fn served(data: &Path, id: &str) -> String {
    let out = run("provd-compile", &["--data", data.to_str().unwrap(), "--show", id]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

fn fetch(server: &Server, i: usize) -> String {
    stdout(&curl(&["-A", &ua(i), &server.url(&file(i))]))
}

fn display_name(rest: &Rest, id: &str) -> String {
    let r = rest.get(&format!("/0.2/cfg_mgr/configs/{id}"));
    r.json()["config"]["raw_config"]["sip_lines"]["1"]["display_name"].as_str().unwrap_or_default().to_owned()
}

/// Config `c1` and `devices` devices on it, each with a slow template.
fn setup(server: &Server, devices: usize, loops: usize) {
    let rest = server.rest();
    for i in 0..devices {
        custom_template(&server.data, i, loops);
    }
    let r = rest.send("POST", "/0.2/cfg_mgr/configs", &config("c1", "Before"));
    assert_eq!(r.status, 201, "{}", r.text());
    for i in 0..devices {
        let r = rest.send("POST", "/0.2/dev_mgr/devices", &device(i, "c1"));
        assert_eq!(r.status, 201, "{}", r.text());
    }
    assert!(served(&server.data, "d0").contains("display=Before"), "{}", served(&server.data, "d0"));
}

#[test]
fn a_server_killed_inside_a_config_write_keeps_the_old_config_and_its_files() {
    const DEVICES: usize = 24;
    // Some 1.5M of the 2M budget steps: each render takes a moment, and
    // the devices together keep the compile busy for many of them.
    const LOOPS: usize = 5;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let mut server = Server::start(&data, &[]);
    setup(&server, DEVICES, LOOPS);

    let mut answered = "Before".to_owned();
    let mut killed = None;
    // Round 0 lets the PUT finish and times it; later rounds kill the
    // server at half that time, while the PUT is still unanswered.
    let mut wait = None;
    for round in 0..5 {
        let name = format!("After {round}");
        let rest = server.rest();
        let (url, token) = (format!("{}/0.2/cfg_mgr/configs/c1", rest.base), rest.token.clone().unwrap());
        let body = config("c1", &name).to_string();
        let put = std::thread::spawn(move || {
            let auth = format!("X-Auth-Token: {token}");
            let ct = format!("Content-Type: {PROVD_JSON}");
            curl(&[
                "-s",
                "-o",
                "/dev/null",
                "-w",
                "%{http_code}",
                "-X",
                "PUT",
                "-H",
                &auth,
                "-H",
                &ct,
                "--data-binary",
                &body,
                &url,
            ])
        });
        let started = std::time::Instant::now();
        match wait {
            None => {
                assert_eq!(stdout(&put.join().unwrap()), "204");
                wait = Some(started.elapsed() / 2);
                answered = name;
                continue;
            }
            Some(w) => std::thread::sleep(w),
        }
        if put.is_finished() {
            // It answered before the kill: kept, and the next round tries
            // again, sooner.
            assert_eq!(stdout(&put.join().unwrap()), "204");
            wait = wait.map(|w| w / 2);
            answered = name;
            continue;
        }
        drop(server); // SIGKILL, at once
        let code = stdout(&put.join().unwrap());
        assert_ne!(code, "204", "the PUT answered after all");
        killed = Some(name);
        server = Server::start(&data, &[]);
        break;
    }
    let lost = killed.expect("the PUT answered before the kill in every round: the kill never landed inside it");

    // The unanswered write left nothing; what was answered is all there.
    assert_eq!(display_name(&server.rest(), "c1"), answered, "the killed PUT was {lost:?}");
    for i in 0..DEVICES {
        let now = served(&data, &format!("d{i}"));
        assert!(now.contains(&format!("display={answered}")), "device d{i} served:\n{now}");
    }
    assert_eq!(fetch(&server, 0).trim(), format!("display={answered}"));
    // And the write goes through when repeated.
    let r = server.rest().send("PUT", "/0.2/cfg_mgr/configs/c1", &config("c1", &lost));
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(fetch(&server, 0).trim(), format!("display={lost}"));
}

#[test]
fn an_unchanged_put_publishes_what_the_store_holds() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    setup(&server, 1, 0);
    let rest = server.rest();
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &config("c2", "Other")).status, 201);

    // A config change committed without its compile, as a killed server
    // leaves it: written straight into the store, by another process.
    let store = Store::open(&data.join("store")).unwrap();
    let behind: provd_core::Config = serde_json::from_value(config("c1", "Behind")["config"].clone()).unwrap();
    let mut w = store.write_txn().unwrap();
    store.put_config(&mut w, &behind).unwrap();
    w.commit().unwrap();
    assert_eq!(display_name(&rest, "c1"), "Behind");
    assert!(served(&data, "d0").contains("display=Before"));

    // The client repeats its PUT: the document is unchanged, the files are published.
    let r = rest.send("PUT", "/0.2/cfg_mgr/configs/c1", &config("c1", "Behind"));
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(served(&data, "d0").contains("display=Behind"), "{}", served(&data, "d0"));
    assert_eq!(fetch(&server, 0).trim(), "display=Behind");

    // The same for a device moved to another config behind the server's back.
    let mut w = store.write_txn().unwrap();
    let mut d = store.device(&w, "d0").unwrap().unwrap();
    d.config = Some("c2".into());
    store.put_device(&mut w, &d).unwrap();
    w.commit().unwrap();
    assert!(served(&data, "d0").contains("display=Behind"));
    let doc = rest.get("/0.2/dev_mgr/devices/d0").json();
    assert_eq!(doc["device"]["config"], "c2");
    let r = rest.send("PUT", "/0.2/dev_mgr/devices/d0", &doc);
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(served(&data, "d0").contains("display=Other"), "{}", served(&data, "d0"));
}

#[test]
fn a_config_deleted_without_its_compile_takes_its_devices_files_at_restart() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    setup(&server, 1, 0);
    assert!(server.stop().success());

    // The DELETE's commit without the compile that follows it.
    {
        let store = Store::open(&data.join("store")).unwrap();
        let mut w = store.write_txn().unwrap();
        assert!(store.delete_config(&mut w, "c1").unwrap());
        w.commit().unwrap();
    }
    assert!(served(&data, "d0").contains("display=Before"));

    let server = Server::start(&data, &[]);
    let now = served(&data, "d0");
    assert!(now.contains("# no files served (configured: false)"), "{now}");
    let code = curl(&["-o", "/dev/null", "-w", "%{http_code}", "-A", &ua(0), &server.url(&file(0))]);
    assert_eq!(stdout(&code), "404");
}
