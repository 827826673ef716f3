//! `provd`, the administrator's CLI, as administrators run it.
//!
//! Three groups:
//! * against a scripted stand-in of the REST API (a loopback HTTP server in
//!   this file that answers per wazo-provd's documented `/0.2` contract and
//!   provd's `synchronize_many` extension, and records every request): the
//!   exact calls, headers, bodies, polling and exit codes;
//! * `plugins copy-templates` on a real data directory (no API involved);
//! * against a real `provd-server` with its REST API.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use provd_e2e::{Server, bin, eventually, run, stderr, stdout};
use serde_json::{Value, json};

const MEDIA: &str = "application/vnd.proformatique.provd+json";

// ---------------------------------------------------------------------------
// A scripted REST API.

#[derive(Debug, Clone)]
struct Req {
    method: String,
    /// Path and query, as sent.
    target: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Req {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn path(&self) -> &str {
        self.target.split('?').next().unwrap()
    }
    fn query(&self, key: &str) -> Option<String> {
        let q = self.target.split_once('?')?.1;
        q.split('&').filter_map(|kv| kv.split_once('=')).find(|(k, _)| *k == key).map(|(_, v)| decode(v))
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{} {}: body {:?}: {e}", self.method, self.target, self.body))
    }
    /// `METHOD path` for compact assertions.
    fn line(&self) -> String {
        format!("{} {}", self.method, self.path())
    }
}

fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

fn reply(status: u16, body: Value) -> Resp {
    Resp { status, headers: vec![("Content-Type".into(), MEDIA.into())], body: body.to_string() }
}

fn empty(status: u16) -> Resp {
    Resp { status, headers: vec![], body: String::new() }
}

fn text(status: u16, body: &str) -> Resp {
    Resp { status, headers: vec![("Content-Type".into(), "text/plain; charset=ascii".into())], body: body.into() }
}

fn created(location: &str) -> Resp {
    Resp { status: 201, headers: vec![("Location".into(), location.into())], body: String::new() }
}

type Handler = dyn Fn(&Req) -> Resp + Send + Sync;

struct Fake {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<Req>>>,
}

impl Fake {
    fn start(handler: impl Fn(&Req) -> Resp + Send + Sync + 'static) -> Fake {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let sink = log.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                let Ok(conn) = conn else { continue };
                let (handler, sink) = (handler.clone(), sink.clone());
                std::thread::spawn(move || serve(conn, &*handler, &sink));
            }
        });
        Fake { addr, log }
    }

    fn api(&self) -> String {
        format!("http://{}/0.2", self.addr)
    }

    fn requests(&self) -> Vec<Req> {
        self.log.lock().unwrap().clone()
    }

    fn lines(&self) -> Vec<String> {
        self.requests().iter().map(Req::line).collect()
    }
}

fn serve(conn: std::net::TcpStream, handler: &Handler, log: &Mutex<Vec<Req>>) {
    let mut reader = BufReader::new(conn.try_clone().unwrap());
    let mut out = conn;
    loop {
        let mut first = String::new();
        if reader.read_line(&mut first).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = first.split_whitespace();
        let (method, target) = (parts.next().unwrap_or("").to_owned(), parts.next().unwrap_or("").to_owned());
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').unwrap();
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        let req = Req { method, target, headers, body: String::from_utf8(body).unwrap() };
        let resp = handler(&req);
        log.lock().unwrap().push(req);
        let reason = match resp.status {
            200 => "OK",
            201 => "Created",
            204 => "No Content",
            400 => "Bad Request",
            401 => "Unauthorized",
            404 => "Not Found",
            _ => "Whatever",
        };
        let mut head = format!("HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\n", resp.status, resp.body.len());
        for (k, v) in &resp.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        if out.write_all(head.as_bytes()).and_then(|()| out.write_all(resp.body.as_bytes())).is_err() {
            return;
        }
    }
}

/// Runs `provd --api <fake> args...` with a clean environment.
fn provd(api: &str, args: &[&str]) -> Output {
    provd_env(api, args, &[])
}

fn provd_env(api: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(bin("provd"));
    cmd.env_remove("PROVD_TOKEN").env_remove("PROVD_API").arg("--api").arg(api).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(std::process::Stdio::null()).output().expect("run provd")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn dev(id: &str, mac: &str, ip: &str, plugin: &str) -> Value {
    json!({"id": id, "mac": mac, "ip": ip, "vendor": "Aastra", "model": "6739i", "version": "3.3.1.4322",
           "plugin": plugin, "config": format!("c-{id}"), "configured": true, "added": "auto", "options": {}})
}

const OLD: &str = "xivo-aastra-3.2.2.1136";
const NEW: &str = "xivo-aastra-3.3.1-SP2";

/// A fleet of three devices on OLD, with provd's synchronize_many and the
/// usual wazo endpoints. The synchronize OIP reports progress twice before
/// success.
fn fleet_api(sync_report: Value) -> Fake {
    let devices = Arc::new(Mutex::new(vec![
        dev("d1", "00:08:5d:2e:ec:fb", "10.0.0.1", OLD),
        dev("d2", "00:08:5d:2e:ec:fc", "10.0.0.2", OLD),
        dev("d3", "00:08:5d:2e:ec:fd", "10.0.0.3", "other"),
    ]));
    let polls = Arc::new(Mutex::new(0));
    Fake::start(move |r| {
        let p = r.path();
        match (r.method.as_str(), p) {
            ("GET", "/0.2/dev_mgr/devices") => {
                let sel: Value = r.query("q").map(|q| serde_json::from_str(&q).unwrap()).unwrap_or(json!({}));
                let fields = r.query("fields");
                let list: Vec<Value> = devices
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|d| sel.as_object().unwrap().iter().all(|(k, v)| &d[k] == v))
                    .map(|d| match &fields {
                        Some(f) => {
                            let mut m = serde_json::Map::new();
                            for k in f.split(',') {
                                if let Some(v) = d.get(k) {
                                    m.insert(k.into(), v.clone());
                                }
                            }
                            Value::Object(m)
                        }
                        None => d.clone(),
                    })
                    .collect();
                reply(200, json!({ "devices": list }))
            }
            ("PUT", p) if p.starts_with("/0.2/dev_mgr/devices/") => {
                let id = &p["/0.2/dev_mgr/devices/".len()..];
                let new = r.json()["device"].clone();
                let mut all = devices.lock().unwrap();
                match all.iter_mut().find(|d| d["id"] == id) {
                    Some(d) => {
                        *d = new;
                        empty(204)
                    }
                    None => text(404, &format!("No device with ID {id}")),
                }
            }
            ("POST", "/0.2/dev_mgr/reconfigure") => {
                if r.json()["id"] == "d2" {
                    text(400, "template base.tpl:3: unexpected end of template")
                } else {
                    empty(204)
                }
            }
            ("GET", "/0.2/pg_mgr/install/installed") => {
                reply(200, json!({"pkgs": {OLD: {"version": "1.0"}, NEW: {"version": "1.1"}}}))
            }
            ("POST", "/0.2/dev_mgr/synchronize_many") => created("/0.2/dev_mgr/synchronize_many/1"),
            ("GET", "/0.2/dev_mgr/synchronize_many/1") => {
                let mut n = polls.lock().unwrap();
                *n += 1;
                match *n {
                    1 => reply(200, json!({"status": "progress;0/2", "report": []})),
                    2 => reply(200, json!({"status": "progress;1/2", "report": []})),
                    _ => {
                        let failed = sync_report.as_array().unwrap().iter().any(|e| !e["error"].is_null());
                        reply(200, json!({"status": if failed { "fail" } else { "success" }, "report": sync_report}))
                    }
                }
            }
            ("DELETE", "/0.2/dev_mgr/synchronize_many/1") => empty(204),
            _ => text(404, "no such resource"),
        }
    })
}

fn ok_entry(id: &str, mac: &str, ip: &str) -> Value {
    json!({"id": id, "mac": mac, "ip": ip, "notify": {"code": 200, "reason": "OK"}, "error": null, "fetched": true})
}

#[test]
fn seed_reconfigure_by_plugin_reports_the_failed_device() {
    let fake = fleet_api(json!([]));
    let out = provd(&fake.api(), &["-c", &format!("devices.using_plugin(\"{OLD}\").reconfigure()")]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let reqs = fake.requests();
    // One listing of the plugin's devices (ids, MACs and IPs only), then one reconfigure each.
    assert_eq!(reqs[0].line(), "GET /0.2/dev_mgr/devices");
    assert_eq!(reqs[0].query("q").as_deref(), Some(format!("{{\"plugin\":\"{OLD}\"}}").as_str()));
    assert_eq!(reqs[0].query("fields").as_deref(), Some("id,mac,ip"));
    assert_eq!(reqs[0].header("Accept"), Some(MEDIA));
    let mut posted: Vec<String> = reqs[1..]
        .iter()
        .inspect(|r| {
            assert_eq!(r.line(), "POST /0.2/dev_mgr/reconfigure");
            assert_eq!(r.header("Content-Type"), Some(MEDIA));
        })
        .map(|r| r.json()["id"].as_str().unwrap().to_owned())
        .collect();
    posted.sort();
    assert_eq!(posted, ["d1", "d2"]);
    let err = stderr(&out);
    assert!(
        err.contains("provd: reconfigure device d2: template base.tpl:3: unexpected end of template (HTTP 400)"),
        "{err}"
    );
    assert!(stdout(&out).contains("reconfigured 1 of 2 devices, 1 failed"), "{}", stdout(&out));
}

#[test]
fn seed_reconfigure_by_mac_with_single_quotes_and_token() {
    let fake = fleet_api(json!([]));
    let out = provd_env(
        &fake.api(),
        &["-c", "  devices.using_mac( '00085D2EECFB' ).reconfigure()  "],
        &[("PROVD_TOKEN", "tok-123")],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let reqs = fake.requests();
    assert_eq!(reqs[0].query("q").as_deref(), Some(r#"{"mac":"00:08:5d:2e:ec:fb"}"#));
    assert_eq!(fake.lines(), ["GET /0.2/dev_mgr/devices", "POST /0.2/dev_mgr/reconfigure"]);
    assert_eq!(reqs[1].json(), json!({"id": "d1"}));
    assert!(reqs.iter().all(|r| r.header("X-Auth-Token") == Some("tok-123")));
    // An unknown MAC is "not found".
    let out = provd(&fake.api(), &["-c", "devices.using_mac('00:11:22:33:44:55').reconfigure()"]);
    assert_eq!(code(&out), 4, "{}", stderr(&out));
    assert!(stderr(&out).contains("provd: no device has MAC 00:11:22:33:44:55"), "{}", stderr(&out));
}

#[test]
fn seed_synchronize_uses_synchronize_many_and_prints_the_report() {
    let report =
        json!([ok_entry("d1", "00:08:5d:2e:ec:fb", "10.0.0.1"), ok_entry("d2", "00:08:5d:2e:ec:fc", "10.0.0.2")]);
    let fake = fleet_api(report);
    let out = provd(&fake.api(), &["-c", &format!("devices.using_plugin('{OLD}').synchronize()")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        fake.lines(),
        [
            "GET /0.2/dev_mgr/devices",
            "POST /0.2/dev_mgr/synchronize_many",
            "GET /0.2/dev_mgr/synchronize_many/1",
            "GET /0.2/dev_mgr/synchronize_many/1",
            "GET /0.2/dev_mgr/synchronize_many/1",
            "DELETE /0.2/dev_mgr/synchronize_many/1",
        ]
    );
    assert_eq!(fake.requests()[1].json(), json!({"ids": ["d1", "d2"]}));
    let o = stdout(&out);
    assert!(o.starts_with("id  mac                ip        notify  fetched  error\n"), "{o}");
    assert!(o.contains("d1  00:08:5d:2e:ec:fb  10.0.0.1  200 OK  yes      -\n"), "{o}");
    assert!(o.ends_with("synchronized 2 of 2 devices, 2 fetched their files\n"), "{o}");
    // Progress went to stderr (not a terminal: one line per change, throttled).
    assert!(stderr(&out).contains("synchronize: progress 0/2"), "{}", stderr(&out));
}

#[test]
fn synchronize_with_failures_exits_1_and_passes_the_options() {
    let report = json!([
        ok_entry("d1", "00:08:5d:2e:ec:fb", "10.0.0.1"),
        {"id": "d2", "mac": "00:08:5d:2e:ec:fc", "ip": "10.0.0.2", "notify": null, "error": "timeout: no answer to the NOTIFY", "fetched": null}
    ]);
    let fake = fleet_api(report);
    let out = provd(
        &fake.api(),
        &["devices", "synchronize", "--plugin", OLD, "--rate", "50", "--concurrency", "10", "--window", "30", "--json"],
    );
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(
        fake.requests()[1].json(),
        json!({"ids": ["d1", "d2"], "rate": 50.0, "concurrency": 10, "window": 30.0})
    );
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["status"], "fail");
    assert_eq!(doc["report"][1]["error"], "timeout: no answer to the NOTIFY");
    // No filter: refused unless --all.
    let out = provd(&fake.api(), &["devices", "synchronize"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--all"), "{}", stderr(&out));
}

#[test]
fn seed_mass_update_with_synchronize() {
    let report =
        json!([ok_entry("d1", "00:08:5d:2e:ec:fb", "10.0.0.1"), ok_entry("d2", "00:08:5d:2e:ec:fc", "10.0.0.2")]);
    let fake = fleet_api(report);
    let out = provd(
        &fake.api(),
        &["-c", &format!("helpers.mass_update_devices_plugin(\"{OLD}\", \"{NEW}\", synchronize=True)")],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let reqs = fake.requests();
    assert_eq!(reqs[0].line(), "GET /0.2/pg_mgr/install/installed");
    assert_eq!(reqs[1].line(), "GET /0.2/dev_mgr/devices");
    assert_eq!(reqs[1].query("q").as_deref(), Some(format!("{{\"plugin\":\"{OLD}\"}}").as_str()));
    assert_eq!(reqs[1].query("fields"), None, "full documents, since PUT replaces the device");
    let puts: Vec<&Req> = reqs.iter().filter(|r| r.method == "PUT").collect();
    assert_eq!(puts.len(), 2);
    for p in &puts {
        let d = &p.json()["device"];
        assert_eq!(d["plugin"], NEW);
        assert_eq!(p.path(), format!("/0.2/dev_mgr/devices/{}", d["id"].as_str().unwrap()));
        // The rest of the document is kept.
        assert_eq!(d["config"], format!("c-{}", d["id"].as_str().unwrap()));
    }
    let sync = reqs.iter().find(|r| r.line() == "POST /0.2/dev_mgr/synchronize_many").expect("synchronize");
    assert_eq!(sync.json(), json!({"ids": ["d1", "d2"]}));
    assert_eq!(reqs.last().unwrap().line(), "DELETE /0.2/dev_mgr/synchronize_many/1");
    assert!(stdout(&out).contains(&format!("moved 2 of 2 devices from {OLD} to {NEW}")), "{}", stdout(&out));

    // Without synchronize: PUTs only; a second run finds nothing left on OLD.
    let fake = fleet_api(json!([]));
    let out = provd(&fake.api(), &["-c", &format!("helpers.mass_update_devices_plugin('{OLD}', '{NEW}')")]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!fake.lines().iter().any(|l| l.contains("synchronize")));
    let out = provd(&fake.api(), &["plugins", "mass-update", OLD, NEW]);
    assert_eq!(code(&out), 0);
    assert!(stderr(&out).contains(&format!("no device uses plugin {OLD}")), "{}", stderr(&out));
    // A plugin that is not installed: refused without a terminal to ask on.
    let out = provd(&fake.api(), &["plugins", "mass-update", OLD, "not-installed"]);
    assert_eq!(code(&out), 1);
    assert!(
        stderr(&out).contains("plugin not-installed is not installed (--force to proceed anyway)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn compatibility_mode_refuses_what_it_does_not_support() {
    let fake = fleet_api(json!([]));
    for expr in [
        "devices.using_plugin('x').reboot()",
        "import os; os.system('id')",
        "devices.using_plugin('x').reconfigure(",
        "",
    ] {
        let out = provd(&fake.api(), &["-c", expr]);
        assert_eq!(code(&out), 2, "{expr:?}");
        let err = stderr(&out);
        assert!(err.starts_with("provd: -c: line 1, column "), "{expr:?}: {err}");
        assert!(err.contains("helpers.mass_update_devices_plugin(\"OLD\", \"NEW\", synchronize=True)"), "{err}");
    }
    assert!(fake.requests().is_empty(), "nothing is sent for a program that does not parse");
    // Several statements, in order.
    let out = provd(
        &fake.api(),
        &[
            "-c",
            "devices.using_mac('00085D2EECFB').reconfigure()\ndevices.using_mac(\"00:08:5d:2e:ec:fd\").reconfigure()",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let ids: Vec<Value> =
        fake.requests().iter().filter(|r| r.method == "POST").map(|r| r.json()["id"].clone()).collect();
    assert_eq!(ids, [json!("d1"), json!("d3")]);
}

#[test]
fn wazo_provd_without_synchronize_many_gets_one_oip_per_device() {
    let polls = Arc::new(Mutex::new(0));
    let fake = Fake::start(move |r| match (r.method.as_str(), r.path()) {
        ("GET", "/0.2/dev_mgr/devices") => {
            reply(200, json!({"devices": [{"id": "d1", "mac": "00:08:5d:2e:ec:fb", "ip": "10.0.0.1"}]}))
        }
        ("POST", "/0.2/dev_mgr/synchronize") => created("/0.2/dev_mgr/synchronize/7"),
        ("GET", "/0.2/dev_mgr/synchronize/7") => {
            let mut n = polls.lock().unwrap();
            *n += 1;
            reply(200, json!({"status": if *n < 2 { "progress" } else { "success" }}))
        }
        ("DELETE", "/0.2/dev_mgr/synchronize/7") => empty(204),
        _ => text(404, "Not found"),
    });
    let out = provd(&fake.api(), &["-c", "devices.using_plugin('p').synchronize()"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        fake.lines(),
        [
            "GET /0.2/dev_mgr/devices",
            "POST /0.2/dev_mgr/synchronize_many",
            "POST /0.2/dev_mgr/synchronize",
            "GET /0.2/dev_mgr/synchronize/7",
            "GET /0.2/dev_mgr/synchronize/7",
            "DELETE /0.2/dev_mgr/synchronize/7",
        ]
    );
    assert!(stdout(&out).contains("synchronized 1 of 1 devices"), "{}", stdout(&out));
}

#[test]
fn devices_list_show_add_edit_delete() {
    let fake = Fake::start(|r| match (r.method.as_str(), r.path()) {
        ("GET", "/0.2/dev_mgr/devices") => reply(
            200,
            json!({"devices": [dev("d1", "00:08:5d:2e:ec:fb", "10.0.0.1", OLD),
                               {"id": "d-long-id", "mac": "00:15:65:aa:bb:cc", "configured": false, "model": "T46S\u{1b}[2J"}]}),
        ),
        ("GET", "/0.2/dev_mgr/devices/d1") => {
            reply(200, json!({"device": dev("d1", "00:08:5d:2e:ec:fb", "10.0.0.1", OLD)}))
        }
        ("GET", _) => text(404, "No device with ID nope"),
        ("POST", "/0.2/dev_mgr/devices") => Resp {
            status: 201,
            headers: vec![
                ("Location".into(), "/0.2/dev_mgr/devices/new1".into()),
                ("Content-Type".into(), "text/html".into()),
            ],
            body: r#"{"id":"new1"}"#.into(),
        },
        ("PUT", "/0.2/dev_mgr/devices/d1") | ("DELETE", "/0.2/dev_mgr/devices/d1") => empty(204),
        _ => text(404, "No device with ID nope"),
    });
    let api = fake.api();
    let out = provd(&api, &["devices", "list"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        format!(
            "\
id         mac                ip        vendor  model          version     plugin                  config  configured
d1         00:08:5d:2e:ec:fb  10.0.0.1  Aastra  6739i          3.3.1.4322  {OLD}  c-d1    yes
d-long-id  00:15:65:aa:bb:cc  -         -       T46S\\u{{1b}}[2J  -           -                       -       no
"
        )
    );
    let out = provd(&api, &["devices", "list", "--json", "--plugin", OLD, "--sort", "mac", "--limit", "5"]);
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["devices"][0]["id"], "d1");
    let last = fake.requests().pop().unwrap();
    assert_eq!((last.query("sort").as_deref(), last.query("sort_ord").as_deref()), (Some("mac"), Some("ASC")));
    assert_eq!(last.query("limit").as_deref(), Some("5"));

    let out = provd(&api, &["devices", "show", "d1"]);
    assert!(stdout(&out).starts_with("id:         d1\nmac:        00:08:5d:2e:ec:fb\n"), "{}", stdout(&out));
    let out = provd(&api, &["devices", "show", "nope"]);
    assert_eq!(code(&out), 4);
    assert_eq!(stderr(&out), "provd: device nope: No device with ID nope (HTTP 404)\n");

    let out = provd(
        &api,
        &[
            "devices",
            "add",
            "--mac",
            "00085D2EECFB",
            "--plugin",
            NEW,
            "--config",
            "autoprov",
            "--set",
            "options.switchboard=true",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stdout(&out), "new1\n");
    let post = fake.requests().pop().unwrap();
    assert_eq!(
        post.json(),
        json!({"device": {"mac": "00:08:5d:2e:ec:fb", "plugin": NEW, "config": "autoprov", "options": {"switchboard": true}}})
    );

    let out = provd(
        &api,
        &[
            "devices",
            "edit",
            "d1",
            "--set",
            "description=Front desk",
            "--set",
            "options.switchboard=true",
            "--unset",
            "added",
        ],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let put = fake.requests().pop().unwrap();
    assert_eq!(put.line(), "PUT /0.2/dev_mgr/devices/d1");
    let d = &put.json()["device"];
    assert_eq!((d["description"].as_str(), d["options"]["switchboard"].as_bool()), (Some("Front desk"), Some(true)));
    assert!(d.get("added").is_none());
    assert_eq!(d["mac"], "00:08:5d:2e:ec:fb", "the rest is kept");

    let out = provd(&api, &["devices", "delete", "d1", "nope"]);
    assert_eq!(code(&out), 4, "one deleted, the other not found");
    assert_eq!(stdout(&out), "deleted device d1\n");
    let out = provd(&api, &["devices", "delete", "nope"]);
    assert_eq!(code(&out), 4);
}

#[test]
fn operations_in_progress_are_polled_then_freed() {
    let polls = Arc::new(Mutex::new(0));
    let fake = Fake::start(move |r| match (r.method.as_str(), r.path()) {
        ("POST", "/0.2/pg_mgr/install/install") => {
            if r.json()["id"] == "bad" {
                return text(400, "plugin bad is not installable");
            }
            created("/0.2/pg_mgr/install/install/1")
        }
        ("GET", "/0.2/pg_mgr/install/install/1") => {
            let mut n = polls.lock().unwrap();
            *n += 1;
            let s = match *n {
                1 => "install|waiting",
                2 => "install|progress(download|progress;1234/50000)",
                _ => "install|success(download|success;50000/50000)",
            };
            reply(200, json!({"status": s}))
        }
        ("DELETE", "/0.2/pg_mgr/install/install/1") => empty(204),
        ("POST", "/0.2/pg_mgr/install/update") => created("/0.2/pg_mgr/install/update/1"),
        ("GET", "/0.2/pg_mgr/install/update/1") => reply(200, json!({"status": "update|fail"})),
        ("DELETE", "/0.2/pg_mgr/install/update/1") => empty(204),
        ("POST", "/0.2/pg_mgr/install/uninstall") | ("POST", "/0.2/pg_mgr/reload") => empty(204),
        _ => text(404, "Not found"),
    });
    let out = provd(&fake.api(), &["plugins", "install", NEW]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(fake.requests()[0].json(), json!({"id": NEW}));
    assert_eq!(fake.lines().last().unwrap(), "DELETE /0.2/pg_mgr/install/install/1");
    assert!(stderr(&out).contains(&format!("install {NEW}: install: waiting")), "{}", stderr(&out));
    assert!(stdout(&out).contains("done"));
    let out = provd(&fake.api(), &["plugins", "install", "bad"]);
    assert_eq!(code(&out), 1);
    assert_eq!(stderr(&out), "provd: install bad: plugin bad is not installable (HTTP 400)\n");
    let out = provd(&fake.api(), &["plugins", "update"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("update the plugin list: failed (update: fail)"), "{}", stderr(&out));
    assert_eq!(fake.lines().last().unwrap(), "DELETE /0.2/pg_mgr/install/update/1");
    let out = provd(&fake.api(), &["plugins", "uninstall", OLD]);
    assert_eq!(code(&out), 0);
    let out = provd(&fake.api(), &["plugins", "reload", OLD]);
    assert_eq!(code(&out), 0);
    let reqs = fake.requests();
    assert_eq!(reqs[reqs.len() - 2].json(), json!({"id": OLD}));
}

#[test]
fn dhcp_hook_params_status_and_exit_codes() {
    let fake = Fake::start(|r| {
        if r.header("X-Auth-Token") != Some("good") {
            return text(401, "Unauthorized");
        }
        match (r.method.as_str(), r.path()) {
            ("POST", "/0.2/dev_mgr/dhcpinfo") => empty(204),
            ("GET", "/0.2/configure/NAT") => reply(200, json!({"param": {"value": "1"}})),
            ("GET", "/0.2/configure/locale") => reply(200, json!({"param": {"value": null}})),
            ("PUT", "/0.2/configure/NAT") => empty(204),
            ("GET", "/0.2/status") => reply(200, json!({"rest_api": "ok", "bus_consumer": {"status": "ok"}})),
            _ => text(404, "Not found"),
        }
    });
    let api = fake.api();
    let good = ["--token", "good"];
    let with = |rest: &[&str]| -> Output {
        let mut a = good.to_vec();
        a.extend_from_slice(rest);
        provd(&api, &a)
    };
    // dhcpd's execute(): dotted hex as binary-to-ascii prints it, and the CODE:text convenience.
    let out = with(&["dhcp-hook", "commit", "10.0.0.42", "00:08:5D:2E:EC:FB", "06041.61.73.74.72.61", "060:Aastra"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let post = fake.requests().pop().unwrap();
    assert_eq!(
        post.json(),
        json!({"dhcp_info": {"op": "commit", "ip": "10.0.0.42", "mac": "00:08:5d:2e:ec:fb",
                              "options": ["06041.61.73.74.72.61", "06041.61.73.74.72.61"]}})
    );
    let out = with(&["dhcp-hook", "expiry", "10.0.0.42"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(fake.requests().pop().unwrap().json(), json!({"dhcp_info": {"op": "expiry", "ip": "10.0.0.42"}}));
    let out = with(&["dhcp-hook", "commit", "10.0.0.42", "00:08:5D:2E:EC:FB", "60zz"]);
    assert_eq!(code(&out), 2, "bad option: usage error");

    let out = with(&["params", "get", "NAT"]);
    assert_eq!(stdout(&out), "1\n");
    let out = with(&["params", "get", "locale"]);
    assert_eq!((code(&out), stdout(&out).as_str()), (0, ""));
    let out = with(&["params", "set", "NAT", "0"]);
    assert_eq!(code(&out), 0);
    assert_eq!(fake.requests().pop().unwrap().json(), json!({"param": {"value": "0"}}));
    let out = with(&["params", "unset", "NAT"]);
    assert_eq!(code(&out), 0);
    assert_eq!(fake.requests().pop().unwrap().json(), json!({"param": {"value": null}}));
    let out = with(&["status"]);
    assert_eq!(stdout(&out), "rest_api:            ok\nbus_consumer.status: ok\n");

    // 401: exit 3 with the server's text.
    let out = provd(&api, &["status"]);
    assert_eq!(code(&out), 3);
    assert_eq!(stderr(&out), "provd: status: authentication refused: Unauthorized (HTTP 401)\n");
    // Nobody listening: exit 3.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = provd(&format!("http://127.0.0.1:{port}/0.2"), &["status"]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).starts_with(&format!("provd: status: cannot reach the API at http://127.0.0.1:{port}/0.2: ")),
        "{}",
        stderr(&out)
    );
    // Usage errors: exit 2.
    assert_eq!(code(&provd(&api, &["devices", "frobnicate"])), 2);
    assert_eq!(code(&provd(&api, &[])), 2);
}

// ---------------------------------------------------------------------------
// plugins copy-templates on a real data directory.

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

const SP4: &str = "wazo-aastra-3.3.1-SP4";
const V820: &str = "wazo-aastra-8.2.0";

/// A data directory with two Aastra phones on SP4 and one Yealink.
fn data_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("jsondb");
    let cfg = |id: &str, user: &str| {
        json!({"id": id, "parent_ids": ["base"], "deletable": true,
               "raw_config": {"sip_lines": {"1": {"username": user, "password": "pw", "display_name": user,
                              "number": "1001", "proxy_ip": "10.0.0.1"}}}})
        .to_string()
    };
    let dev = |id: &str, mac: &str, model: &str, plugin: &str, config: &str| {
        json!({"id": id, "mac": mac, "model": model, "vendor": "Aastra", "plugin": plugin, "config": config,
               "configured": true})
        .to_string()
    };
    write(&db.join("configs/c1"), &cfg("c1", "alice"));
    write(&db.join("configs/c2"), &cfg("c2", "bob"));
    write(&db.join("devices/a1"), &dev("a1", "00:08:5d:2e:ec:fb", "6867i", SP4, "c1"));
    write(&db.join("devices/a2"), &dev("a2", "00:08:5d:2e:ec:fc", "6867i", SP4, "c2"));
    write(&db.join("devices/y1"), &dev("y1", "80:5e:c0:d5:7d:72", "T46S", "wazo-yealink-v86", "c1"));
    let data = dir.path().join("data");
    let out = run("provd-compile", &["--data", data.to_str().unwrap(), "--import-wazo-jsondb", db.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    (dir, data)
}

#[test]
fn copy_templates_copies_refuses_overwrites_and_reports_what_breaks() {
    let (_dir, data) = data_dir();
    let d = data.to_str().unwrap();
    let plugins = data.join("plugins");
    let old_custom = plugins.join(SP4).join("var/templates");
    let new_custom = plugins.join(V820).join("var/templates");
    // A model template that works anywhere, and a device template broken on line 3.
    write(&old_custom.join("6867i.tpl"), "{% extends 'base.tpl' %}\n");
    write(&old_custom.join("00085D2EECFB.cfg.tpl"), "# custom\nsip line1 user name: x\n{{ broken( }}\n");
    write(&new_custom.join("6867i.tpl"), "something else\n");

    // A different file in the way: refused as a whole.
    let out = run("provd", &["plugins", "copy-templates", SP4, V820, "--data", d]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("1 templates already exist"), "{}", stderr(&out));
    assert!(!new_custom.join("00085D2EECFB.cfg.tpl").exists());

    // --force: copied, then the dry run names the broken device, file and line.
    let out = run("provd", &["plugins", "copy-templates", SP4, V820, "--data", d, "--force"]);
    let o = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{}", stderr(&out));
    assert!(o.contains(&format!("copied from {SP4} to {V820}: 00085D2EECFB.cfg.tpl")), "{o}");
    assert!(o.contains(&format!("overwritten in {V820}: 6867i.tpl")), "{o}");
    let line = o
        .lines()
        .find(|l| l.starts_with("error: device a1 (00:08:5d:2e:ec:fb, 6867i): "))
        .unwrap_or_else(|| panic!("{o}"));
    assert!(line.contains("00085D2EECFB.cfg.tpl:3"), "{line}");
    assert!(o.contains(&format!("2 devices use {SP4}; rendered with {V820}: 1 fine, 1 render errors")), "{o}");
    assert_eq!(std::fs::read_to_string(new_custom.join("6867i.tpl")).unwrap(), "{% extends 'base.tpl' %}\n");

    // Fixed: a second run has nothing to copy and everything renders.
    write(&old_custom.join("00085D2EECFB.cfg.tpl"), "# custom\n{% include 'base.tpl' %}\n");
    let out = run("provd", &["plugins", "copy-templates", SP4, V820, "--data", d, "--force", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}\n{}", stdout(&out), stderr(&out));
    let doc: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["overwritten"], json!(["00085D2EECFB.cfg.tpl"]));
    assert_eq!(doc["identical"], json!(["6867i.tpl"]));
    let results: Vec<&str> = doc["devices"].as_array().unwrap().iter().map(|d| d["result"].as_str().unwrap()).collect();
    assert_eq!(results, ["ok", "ok"]);
    // The dry run publishes nothing: the devices still use SP4.
    let show = run("provd-compile", &["--data", d, "--show", "a1"]);
    assert!(stdout(&show).contains(&format!("\"plugin\":\"{SP4}\"")), "{}", stdout(&show));
}

#[test]
fn copy_templates_reports_devices_without_a_template_and_bad_arguments() {
    let (_dir, data) = data_dir();
    let d = data.to_str().unwrap();
    // A plugin of the same family that ships no templates at all.
    let bare = data.join("plugins/bare-aastra");
    std::fs::create_dir_all(bare.join("templates")).unwrap();
    std::fs::copy(data.join("plugins").join(V820).join("plugin-info"), bare.join("plugin-info")).unwrap();
    let out = run("provd", &["plugins", "copy-templates", SP4, "bare-aastra", "--data", d, "--check-only"]);
    let o = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{o}\n{}", stderr(&out));
    assert_eq!(o.lines().filter(|l| l.starts_with("no template: device a")).count(), 2, "{o}");
    assert!(o.contains("0 fine, 0 render errors, 2 without a template"), "{o}");

    let out = run("provd", &["plugins", "copy-templates", SP4, "not-there", "--data", d]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let out = run("provd", &["plugins", "copy-templates", SP4, "../etc", "--data", d]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let empty = tempfile::tempdir().unwrap();
    let out = run("provd", &["plugins", "copy-templates", SP4, V820, "--data", empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not a provd data directory"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(empty.path()).unwrap().count(), 0, "nothing created in a wrong directory");
}

// ---------------------------------------------------------------------------
// Against the real server.

/// Starts provd-server with its REST API on an ephemeral port; returns the
/// server and the `provd` arguments that reach it (`--api URL`, and the
/// token the server created in `<data>/api-token`, if any).
fn real_server(data: &Path) -> (Server, Vec<String>) {
    let server = Server::start(data, &["--api", "127.0.0.1:0"]);
    let mut api = None;
    eventually(500, || {
        api = server.log().lines().find_map(|l| {
            let rest = l.strip_prefix("provd-server: REST API on ")?;
            if rest.contains("not served") {
                return None;
            }
            Some(rest.split_whitespace().next()?.to_owned())
        });
        api.is_some()
    });
    let api = api.unwrap_or_else(|| panic!("the server did not announce its REST API:\n{}", server.log()));
    let mut args = vec!["--api".to_owned(), format!("http://{api}/0.2")];
    let token = data.join("api-token");
    if token.is_file() {
        args.extend(["--token-file".to_owned(), token.to_str().unwrap().to_owned()]);
    }
    (server, args)
}

#[test]
fn real_server_device_lifecycle_and_seed_commands() {
    let dir = tempfile::tempdir().unwrap();
    let (server, conn) = real_server(dir.path());
    let provd = |args: &[&str]| -> Output {
        let mut cmd = Command::new(bin("provd"));
        cmd.env_remove("PROVD_TOKEN").env_remove("PROVD_API").args(&conn).args(args);
        cmd.stdin(std::process::Stdio::null()).output().expect("run provd")
    };
    let ok = |args: &[&str]| -> String {
        let out = provd(args);
        assert_eq!(code(&out), 0, "provd {args:?}: {}\n{}", stderr(&out), server.log());
        stdout(&out)
    };
    assert!(ok(&["status"]).contains("rest_api"));
    let installed = ok(&["plugins", "list"]);
    assert!(installed.contains(SP4) && installed.contains(V820), "{installed}");
    assert!(ok(&["configs", "list"]).lines().any(|l| l.starts_with("autoprov ")));

    let config = ok(&["configs", "autocreate"]).trim().to_owned();
    assert!(!config.is_empty());
    let id = ok(&[
        "devices",
        "add",
        "--mac",
        "00085D2EECFB",
        "--model",
        "6867i",
        "--vendor",
        "Aastra",
        "--plugin",
        SP4,
        "--config",
        &config,
    ])
    .trim()
    .to_owned();
    let list = ok(&["devices", "list", "--mac", "00-08-5D-2E-EC-FB"]);
    assert!(list.contains(&id) && list.contains("00:08:5d:2e:ec:fb") && list.contains(SP4), "{list}");
    let doc: Value = serde_json::from_str(&ok(&["devices", "show", &id, "--json"])).unwrap();
    assert_eq!(doc["device"]["mac"], "00:08:5d:2e:ec:fb");

    // The seed document's commands, verbatim.
    ok(&["-c", &format!("devices.using_plugin(\"{SP4}\").reconfigure()")]);
    ok(&["-c", "devices.using_mac(\"00085D2EECFB\").reconfigure()"]);
    ok(&["-c", &format!("helpers.mass_update_devices_plugin(\"{SP4}\", \"{V820}\")")]);
    let doc: Value = serde_json::from_str(&ok(&["devices", "show", &id, "--json"])).unwrap();
    assert_eq!(doc["device"]["plugin"], V820);

    // Synchronize: no phone answers on loopback, so the report says why; the OIP is freed.
    let out = provd(&["-c", &format!("devices.using_plugin(\"{V820}\").synchronize()")]);
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));
    assert!(stdout(&out).contains(&id), "the report lists the device: {}", stdout(&out));
    let out = provd(&["-c", &format!("helpers.mass_update_devices_plugin('{V820}', '{SP4}', synchronize=True)")]);
    assert!(matches!(code(&out), 0 | 1), "{}", stderr(&out));

    // Edits, parameters, DHCP.
    ok(&["devices", "edit", &id, "--set", "description=Front desk"]);
    assert!(ok(&["devices", "show", &id]).contains("Front desk"));
    ok(&[
        "configs",
        "edit",
        &config,
        "--set",
        "raw_config.sip_lines.1.username=alice",
        "--set",
        "raw_config.sip_lines.1.password=pw",
    ]);
    assert!(ok(&["configs", "raw", &config]).contains("alice"));
    ok(&["params", "set", "NAT", "1"]);
    assert_eq!(ok(&["params", "get", "NAT"]), "1\n");
    ok(&["params", "unset", "NAT"]);
    ok(&["dhcp-hook", "commit", "10.0.0.9", "00:15:65:aa:bb:cc", "060:yealink"]);
    assert!(eventually(250, || ok(&["devices", "list", "--mac", "00:15:65:aa:bb:cc"]).contains("10.0.0.9")));

    // Not found and deletion.
    assert_eq!(code(&provd(&["devices", "show", "no-such-device"])), 4);
    ok(&["devices", "delete", &id]);
    assert_eq!(code(&provd(&["devices", "delete", &id])), 4);
    assert_eq!(code(&provd(&["-c", "devices.using_mac('00085D2EECFB').reconfigure()"])), 4);
}
