//! The REST API, driven with curl: wazo-provd's conventions, devices and
//! configs, parameters, metrics, DHCP, and changes that reach phones.

use provd_e2e::{PROVD_JSON, Rest, Server, curl, eventually};
use serde_json::{Value, json};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";
const MAC_FILE: &str = "/805ec0d57d72.cfg";

fn start() -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    (dir, server)
}

/// What the phone gets for its own file.
fn phone_file(server: &Server) -> String {
    let out = curl(&["-A", UA, &server.url(MAC_FILE)]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn device_config(id: &str, username: &str, display: &str) -> Value {
    json!({"config": {
        "id": id,
        "parent_ids": ["base", "defaultconfigdevice"],
        "deletable": true,
        "X_type": "device",
        "raw_config": {"sip_lines": {"1": {
            "username": username, "password": "secret", "display_name": display,
            "number": "1001", "proxy_ip": "10.0.0.1", "registrar_ip": "10.0.0.1"
        }}}
    }})
}

#[test]
fn rest_conventions_match_wazo_provd() {
    let (_dir, server) = start();
    let rest = server.rest();

    let root = rest.get("/0.2");
    assert_eq!(root.status, 200, "{}", root.text());
    assert_eq!(root.header("Content-Type"), Some(PROVD_JSON));
    let links = root.json()["links"].as_array().unwrap().clone();
    let rels: Vec<&str> = links.iter().map(|l| l["rel"].as_str().unwrap()).collect();
    assert_eq!(rels, ["dev", "cfg", "pg", "status", "srv.configure"]);
    assert_eq!(links[0]["href"], "/0.2/dev_mgr");
    assert_eq!(rest.get("/0.2/status").json()["rest_api"], "ok");

    // Media types: 406 on GET, 415 on bodies, 400 on broken JSON.
    let r = rest.call("GET", "/0.2/dev_mgr/devices", &["-H", "Accept: application/json"]);
    assert_eq!(r.status, 406);
    let r = rest.call("POST", "/0.2/dev_mgr/devices", &["-H", "Content-Type: application/json", "-d", "{}"]);
    assert_eq!(r.status, 415);
    let r = rest.call("POST", "/0.2/dev_mgr/devices", &["-H", &format!("Content-Type: {PROVD_JSON}"), "-d", "{oops"]);
    assert_eq!(r.status, 400);
    assert!(r.text().starts_with("Invalid JSON document: "), "{}", r.text());
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=ascii"));

    // Tokens: none or a wrong one is 401; the spec and the metrics need none.
    let anonymous = Rest { token: None, ..rest.clone() };
    assert_eq!(anonymous.get("/0.2/dev_mgr/devices").status, 401);
    assert_eq!(anonymous.get("/0.2/dev_mgr/devices").text(), "Unauthorized");
    let wrong = Rest { token: Some("not-the-token".into()), ..rest.clone() };
    assert_eq!(wrong.get("/0.2/status").status, 401);
    // Every route, before anything else is looked at.
    for (method, path) in [
        ("GET", "/0.2"),
        ("GET", "/0.2/configure"),
        ("PUT", "/0.2/configure/NAT"),
        ("GET", "/0.2/dev_mgr/devices/nope"),
        ("POST", "/0.2/dev_mgr/devices"),
        ("PUT", "/0.2/dev_mgr/devices/nope"),
        ("DELETE", "/0.2/dev_mgr/devices/nope"),
        ("POST", "/0.2/dev_mgr/reconfigure"),
        ("POST", "/0.2/dev_mgr/synchronize"),
        ("POST", "/0.2/dev_mgr/dhcpinfo"),
        ("GET", "/0.2/cfg_mgr/configs"),
        ("POST", "/0.2/cfg_mgr/configs"),
        ("GET", "/0.2/cfg_mgr/configs/base/raw"),
        ("DELETE", "/0.2/cfg_mgr/configs/base"),
        ("POST", "/0.2/cfg_mgr/autocreate"),
        ("GET", "/0.2/pg_mgr/plugins"),
        ("GET", "/0.2/pg_mgr/plugins/nope"),
        ("POST", "/0.2/pg_mgr/install/update"),
        ("POST", "/0.2/pg_mgr/install/install"),
        ("POST", "/0.2/pg_mgr/reload"),
        ("GET", "/0.2/dev_mgr/synchronize/1"),
    ] {
        let r = wrong.call(method, path, &[]);
        assert_eq!((r.status, r.text()), (401, "Unauthorized".to_owned()), "{method} {path}");
    }
    let spec = anonymous.get("/0.2/api/api.yml");
    assert_eq!(spec.status, 200);
    assert!(spec.text().contains("/dev_mgr/devices:"));
    // Valid YAML, a Swagger 2 document (what wazo's documentation check loads).
    let spec_file = _dir.path().join("api.yml");
    std::fs::write(&spec_file, &spec.body).unwrap();
    // Every operation holds only Swagger 2's keys, each response a
    // description: an unquoted comma in a flow mapping makes a bogus key.
    let check = r#"
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d['swagger'] == '2.0' and '/dev_mgr/devices' in d['paths'], d.keys()
keys = {'summary', 'description', 'parameters', 'responses', 'tags', 'consumes', 'produces', 'operationId'}
for path, item in d['paths'].items():
    for method, op in item.items():
        if method == 'parameters':
            continue
        assert method in ('get', 'put', 'post', 'delete', 'options', 'head'), (path, method)
        assert set(op) <= keys, (path, method, set(op) - keys)
        assert isinstance(op.get('summary', ''), str), (path, method)
        for code, r in op['responses'].items():
            assert 'description' in r, (path, method, code)
"#;
    let out = std::process::Command::new("python3").args(["-c", check, spec_file.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(anonymous.get("/metrics").status, 200);

    // OPTIONS is answered at once, as wazo-provd does; but no web page
    // gets CORS permission unless an origin is configured (api_hardening.rs).
    let r = anonymous.call("OPTIONS", "/0.2/dev_mgr/devices", &[]);
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Access-Control-Allow-Origin"), None);

    assert_eq!(rest.get("/0.2/nothing").status, 404);
    assert_eq!(rest.call("PATCH", "/0.2/dev_mgr/devices", &[]).status, 405);
}

#[test]
fn devices_crud_and_queries() {
    let (_dir, server) = start();
    let rest = server.rest();

    let created = rest.send(
        "POST",
        "/0.2/dev_mgr/devices",
        &json!({"device": {"id": "desk1", "mac": "00-15-65-AA-BB-01", "ip": "10.0.0.11", "vendor": "Yealink",
                           "model": "T46S", "configured": true, "X_note": "kept"}}),
    );
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json(), json!({"id": "desk1"}));
    assert_eq!(created.header("Location"), Some("/0.2/dev_mgr/devices/desk1"));
    for i in 2..=5 {
        let r = rest.send(
            "POST",
            "/0.2/dev_mgr/devices",
            &json!({"device": {"mac": format!("00:15:65:aa:bb:0{i}"), "ip": format!("10.0.0.1{i}"), "model": if i % 2 == 0 { "T46S" } else { "T21P" }}}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 32, "generated ids are uuid4 hex: {id}");
    }

    let got = rest.get("/0.2/dev_mgr/devices/desk1").json()["device"].clone();
    assert_eq!(got["mac"], "00:15:65:aa:bb:01", "MAC normalised");
    assert_eq!(got["configured"], false, "computed by provd, not taken from the client");
    assert_eq!(got["is_new"], true);
    assert!(got["tenant_uuid"].as_str().is_some_and(|t| t.len() == 36));
    assert_eq!(got["X_note"], "kept");

    // Refusals say what was wrong.
    let dup = rest.send("POST", "/0.2/dev_mgr/devices", &json!({"device": {"id": "desk1"}}));
    assert_eq!(dup.status, 400);
    assert!(dup.text().contains("already exists"), "{}", dup.text());
    let bad = rest.send("POST", "/0.2/dev_mgr/devices", &json!({"device": {"mac": "00:15:65:zz"}}));
    assert_eq!(bad.status, 400);
    assert!(bad.text().starts_with("field mac: "), "{}", bad.text());
    let bad = rest.send("POST", "/0.2/dev_mgr/devices", &json!({"device": {"ip": "10.0.0.300"}}));
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("ip"), "{}", bad.text());
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/devices", &json!({"nodevice": {}})).status, 400);

    // Selectors, by index and by scan, in q and q64.
    let list = |query: &str| -> Vec<Value> {
        let r = rest.get(&format!("/0.2/dev_mgr/devices{query}"));
        assert_eq!(r.status, 200, "{query}: {}", r.text());
        r.json()["devices"].as_array().unwrap().clone()
    };
    assert_eq!(list("").len(), 5);
    let by_mac = list("?q=%7B%22mac%22%3A%2200%3A15%3A65%3Aaa%3Abb%3A03%22%7D");
    assert_eq!(by_mac.len(), 1);
    assert_eq!(by_mac[0]["ip"], "10.0.0.13");
    assert_eq!(list("?q=%7B%22model%22%3A%22T21P%22%7D").len(), 2);
    use base64::Engine;
    let q64 = base64::engine::general_purpose::STANDARD.encode(r#"{"ip": {"$in": ["10.0.0.11", "10.0.0.15"]}}"#);
    assert_eq!(list(&format!("?q64={q64}")).len(), 2);
    let sorted = list("?fields=ip,model&sort=ip&sort_ord=DESC&skip=1&limit=2");
    let sorted: Vec<Value> = sorted
        .into_iter()
        .map(|mut d| {
            // The projection always keeps the id, as wazo-provd's does.
            assert!(d.as_object_mut().unwrap().remove("id").is_some());
            d
        })
        .collect();
    assert_eq!(sorted, vec![json!({"ip": "10.0.0.14", "model": "T46S"}), json!({"ip": "10.0.0.13", "model": "T21P"})]);
    // A selector that does not parse is left out (corner_answers_match_wazo_provd).
    let all = rest.get("/0.2/dev_mgr/devices?q=%7Bnot-json");
    assert_eq!(all.status, 200);

    // PUT replaces the document (URL id wins), keeps what provd computes.
    let put = rest.send(
        "PUT",
        "/0.2/dev_mgr/devices/desk1",
        &json!({"device": {"id": "other", "mac": "00:15:65:aa:bb:01", "description": "lobby"}}),
    );
    assert_eq!(put.status, 204, "{}", put.text());
    let got = rest.get("/0.2/dev_mgr/devices/desk1").json()["device"].clone();
    assert_eq!(got["description"], "lobby");
    assert!(got.get("ip").is_none() && got.get("X_note").is_none(), "full replacement: {got}");
    assert!(rest.get("/0.2/dev_mgr/devices/other").status == 404);
    assert_eq!(rest.send("PUT", "/0.2/dev_mgr/devices/nope", &json!({"device": {}})).status, 404);
    let bad = rest.send("PUT", "/0.2/dev_mgr/devices/desk1", &json!({"device": {"mac": "bad"}}));
    assert_eq!(bad.status, 500, "wazo-provd's status for an invalid update");
    assert!(bad.text().starts_with("field mac: "), "{}", bad.text());

    assert_eq!(rest.delete("/0.2/dev_mgr/devices/desk1").status, 204);
    assert_eq!(rest.get("/0.2/dev_mgr/devices/desk1").status, 404);
    assert_eq!(rest.delete("/0.2/dev_mgr/devices/desk1").status, 404);
    assert_eq!(list("").len(), 4);
}

#[test]
fn api_changes_reach_the_phone_without_a_restart() {
    let (_dir, server) = start();
    let rest = server.rest();

    // A new phone is auto-provisioned with the anonymous line.
    let first = phone_file(&server);
    assert!(first.contains("account.1.label = Autoprov"), "{first}");
    let devices = rest.get("/0.2/dev_mgr/devices?q=%7B%22mac%22%3A%2280%3A5e%3Ac0%3Ad5%3A7d%3A72%22%7D").json();
    let device = devices["devices"][0].clone();
    let id = device["id"].as_str().unwrap().to_owned();
    let autoprov_config = device["config"].as_str().unwrap().to_owned();
    assert!(autoprov_config.starts_with("autoprov"), "{device}");
    assert_eq!(device["configured"], true);
    assert_eq!(device["added"], "auto");

    // The PBX gives it a line: a config, then the device points at it
    // (wazo-confd's sequence). The phone's next fetch has the line.
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &device_config("line-alice", "alice", "Alice")).status, 201);
    let mut doc = device.clone();
    doc["config"] = json!("line-alice");
    assert_eq!(rest.send("PUT", &format!("/0.2/dev_mgr/devices/{id}"), &json!({"device": doc})).status, 204);
    let served = phone_file(&server);
    assert!(served.contains("account.1.user_name = alice"), "{served}");
    assert!(served.contains("account.1.display_name = Alice"), "{served}");
    // Its transient autoprov config went with the move.
    assert_eq!(rest.get(&format!("/0.2/cfg_mgr/configs/{autoprov_config}")).status, 404);

    // Editing a config re-renders its devices before the PUT answers.
    let etag = |s: &Server| {
        let out = curl(&["-I", "-A", UA, &s.url(MAC_FILE)]);
        String::from_utf8_lossy(&out.stdout).lines().find(|l| l.starts_with("ETag")).map(str::to_owned)
    };
    let before = etag(&server);
    let put =
        rest.send("PUT", "/0.2/cfg_mgr/configs/line-alice", &device_config("line-alice", "alice", "Alice Liddell"));
    assert_eq!(put.status, 204, "{}", put.text());
    assert!(phone_file(&server).contains("account.1.display_name = Alice Liddell"));
    assert_ne!(etag(&server), before);
    // An identical PUT changes nothing.
    let same = etag(&server);
    rest.send("PUT", "/0.2/cfg_mgr/configs/line-alice", &device_config("line-alice", "alice", "Alice Liddell"));
    assert_eq!(etag(&server), same);

    // A parent config's change reaches it too.
    let mut base = rest.get("/0.2/cfg_mgr/configs/defaultconfigdevice").json()["config"].clone();
    base["raw_config"]["ntp_ip"] = json!("10.9.9.9");
    base["raw_config"]["ntp_enabled"] = json!(true);
    assert_eq!(rest.send("PUT", "/0.2/cfg_mgr/configs/defaultconfigdevice", &json!({"config": base})).status, 204);
    assert!(phone_file(&server).contains("10.9.9.9"), "{}", phone_file(&server));

    // reconfigure answers once the bytes are live; unknown ids are a 400.
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/reconfigure", &json!({"id": id})).status, 204);
    let r = rest.send("POST", "/0.2/dev_mgr/reconfigure", &json!({"id": "nope"}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("nope"), "{}", r.text());

    // Deleting the config leaves the device unconfigured; deleting the
    // device and fetching again auto-provisions it anew.
    assert_eq!(rest.delete("/0.2/cfg_mgr/configs/line-alice").status, 204);
    let d = rest.get(&format!("/0.2/dev_mgr/devices/{id}")).json()["device"].clone();
    assert_eq!(d["configured"], false, "{d}");
    let out = curl(&["-o", "/dev/null", "-w", "%{http_code}", "-A", UA, &server.url(MAC_FILE)]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "404", "no config, no file");
    assert_eq!(rest.delete(&format!("/0.2/dev_mgr/devices/{id}")).status, 204);
    assert!(phone_file(&server).contains("account.1.label = Autoprov"));
}

#[test]
fn configs_raw_autocreate_and_deletion_rules() {
    let (_dir, server) = start();
    let rest = server.rest();

    let r = rest.send(
        "POST",
        "/0.2/cfg_mgr/configs",
        &json!({"config": {"id": "site", "parent_ids": ["base"], "raw_config": {"locale": "fr_FR", "sip_lines": {"1": {"proxy_ip": "10.1.1.1"}}}}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.header("Location"), Some("/0.2/cfg_mgr/configs/site"));
    let r = rest.send(
        "POST",
        "/0.2/cfg_mgr/configs",
        &json!({"config": {"id": "desk", "parent_ids": ["site"], "raw_config": {"sip_lines": {"1": {"username": "bob"}}}}}),
    );
    assert_eq!(r.status, 201);
    // Flattened: base raw config < base < site < desk, dicts merged.
    let raw = rest.get("/0.2/cfg_mgr/configs/desk/raw").json()["raw_config"].clone();
    assert_eq!(raw["locale"], "fr_FR");
    assert_eq!(raw["sip_lines"]["1"], json!({"proxy_ip": "10.1.1.1", "username": "bob"}));
    assert!(raw["http_base_url"].as_str().is_some(), "base raw config at the bottom: {raw}");
    assert_eq!(rest.get("/0.2/cfg_mgr/configs/none/raw").status, 404);

    // Validation names the field.
    let bad = rest.send(
        "POST",
        "/0.2/cfg_mgr/configs",
        &json!({"config": {"parent_ids": [], "raw_config": {"vlan_id": 5000}}}),
    );
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("vlan_id"), "{}", bad.text());
    let bad = rest.send("POST", "/0.2/cfg_mgr/configs", &json!({"config": {"parent_ids": "base", "raw_config": {}}}));
    assert_eq!(bad.status, 400);
    assert!(bad.text().starts_with("field parent_ids"), "{}", bad.text());
    let cycle =
        rest.send("PUT", "/0.2/cfg_mgr/configs/site", &json!({"config": {"parent_ids": ["desk"], "raw_config": {}}}));
    assert_eq!(cycle.status, 500);
    assert!(cycle.text().contains("inherit from itself"), "{}", cycle.text());

    // Selectors work on configs too.
    let r = rest.get("/0.2/cfg_mgr/configs?q=%7B%22X_type%22%3A%22internal%22%7D&fields=id&sort=id");
    assert_eq!(r.json()["configs"], json!([{"id": "autoprov"}, {"id": "base"}]));

    // autocreate: a transient copy of the autoprov config.
    let r = rest.send("POST", "/0.2/cfg_mgr/autocreate", &json!({}));
    assert_eq!(r.status, 201, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("autoprov"));
    let c = rest.get(&format!("/0.2/cfg_mgr/configs/{id}")).json()["config"].clone();
    assert_eq!(c["transient"], true);
    assert_eq!(c["parent_ids"], json!(["autoprov"]));

    // deletable: false is 403; unknown is 404.
    let r = rest.delete("/0.2/cfg_mgr/configs/base");
    assert_eq!(r.status, 403);
    assert_eq!(rest.delete("/0.2/cfg_mgr/configs/none").status, 404);
    assert_eq!(rest.delete("/0.2/cfg_mgr/configs/desk").status, 204);
    assert_eq!(rest.get("/0.2/cfg_mgr/configs/desk").status, 404);
}

#[test]
fn parameters_persist_across_restarts_and_drive_the_data_plane() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Server::start(&data, &["--url-key"]);
    let rest = server.rest();

    let params = rest.get("/0.2/configure").json()["params"].as_array().unwrap().clone();
    let ids: Vec<&str> = params.iter().map(|p| p["id"].as_str().unwrap()).collect();
    // wazo-provd's, in its order, then provd's own.
    assert_eq!(
        ids,
        [
            "plugin_server",
            "http_proxy",
            "ftp_proxy",
            "https_proxy",
            "locale",
            "NAT",
            "provisioning_key",
            "config_encryption"
        ]
    );
    assert_eq!(params[5]["links"][0]["href"], "/0.2/configure/NAT");

    assert_eq!(rest.send("PUT", "/0.2/configure/NAT", &json!({"param": {"value": "1"}})).status, 204);
    assert_eq!(rest.send("PUT", "/0.2/configure/locale", &json!({"param": {"value": "fr_FR"}})).status, 204);
    let bad = rest.send("PUT", "/0.2/configure/NAT", &json!({"param": {"value": "maybe"}}));
    assert_eq!(bad.status, 400);
    assert!(bad.text().starts_with("NAT: "), "{}", bad.text());
    assert_eq!(rest.send("PUT", "/0.2/configure/nope", &json!({"param": {"value": "1"}})).status, 404);
    assert_eq!(rest.get("/0.2/configure/nope").status, 404);

    // The provisioning key (with --url-key) takes effect on the phone side at once.
    let key = "Key-12345678";
    assert_eq!(rest.send("PUT", "/0.2/configure/provisioning_key", &json!({"param": {"value": key}})).status, 204);
    let code = |path: &str| {
        let out = curl(&["-o", "/dev/null", "-w", "%{http_code}", "-A", UA, &server.url(path)]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert!(eventually(100, || code(&format!("/{key}{MAC_FILE}")) == "200"));
    assert_eq!(code(MAC_FILE), "404", "without the key");

    drop(server);
    let server = Server::start(&data, &[]);
    let rest = server.rest();
    assert_eq!(rest.get("/0.2/configure/NAT").json(), json!({"param": {"value": 1}}));
    assert_eq!(rest.get("/0.2/configure/locale").json(), json!({"param": {"value": "fr_FR"}}));
    // null unsets, as wazo-provd-cli's delete does.
    assert_eq!(rest.send("PUT", "/0.2/configure/locale", &json!({"param": {"value": null}})).status, 204);
    assert_eq!(rest.get("/0.2/configure/locale").json(), json!({"param": {"value": null}}));
}

#[test]
fn dhcp_commit_creates_the_device_the_phone_then_fetches_as() {
    let (_dir, server) = start();
    let rest = server.rest();
    let dhcp = |op: &str, extra: Value| {
        let mut info = json!({"op": op, "ip": "127.0.0.1", "mac": "80-5E-C0-D5-7D-72"});
        info.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        rest.send("POST", "/0.2/dev_mgr/dhcpinfo", &json!({"dhcp_info": info}))
    };
    // "060" + the hex of the vendor class, as the dhcpd hook sends it.
    let vendor_class: Vec<String> = b"yealink".iter().map(|b| format!("{b:02x}")).collect();
    let r = dhcp("commit", json!({"options": [format!("060{}", vendor_class.join("."))]}));
    assert_eq!(r.status, 204, "{}", r.text());
    let devices = rest.get("/0.2/dev_mgr/devices").json()["devices"].as_array().unwrap().clone();
    assert_eq!(devices.len(), 1, "{devices:?}");
    assert_eq!(devices[0]["mac"], "80:5e:c0:d5:7d:72");
    assert_eq!(devices[0]["ip"], "127.0.0.1");
    assert_eq!(devices[0]["added"], "auto");
    // The phone's own request finds that device rather than making another.
    assert!(phone_file(&server).contains("account.1.label = Autoprov"));
    assert_eq!(rest.get("/0.2/dev_mgr/devices").json()["devices"].as_array().unwrap().len(), 1);

    assert_eq!(dhcp("expiry", json!({})).status, 204);
    assert_eq!(dhcp("release", json!({})).status, 204);
    let r = dhcp("commit", json!({}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("options"), "{}", r.text());
    let r = dhcp("commit", json!({"options": ["060zz"]}));
    assert_eq!(r.status, 400);
    let r = dhcp("renew", json!({"options": []}));
    assert_eq!(r.status, 400);
}

#[test]
fn metrics_count_what_phones_did() {
    let (_dir, server) = start();
    assert!(phone_file(&server).contains("Autoprov"));
    let out = curl(&["-o", "/dev/null", "-A", UA, &server.url("/missing-file.cfg")]);
    assert!(out.status.success());
    let anonymous = Rest { token: None, ..server.rest() };
    let text = anonymous.get("/metrics").text();
    let value = |name: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in\n{text}"))
    };
    assert_eq!(value(r#"provd_requests_total{protocol="http",outcome="served"}"#), 1.0);
    assert_eq!(value(r#"provd_requests_total{protocol="http",outcome="not_found"}"#), 1.0);
    assert_eq!(value(r#"provd_requests_total{protocol="tftp",outcome="served"}"#), 0.0);
    assert_eq!(value(r#"provd_identifications_total{result="waited"}"#), 1.0);
    assert!(value("provd_generation") >= 1.0);
    assert!(value("provd_bytes_sent_total") > 100.0);
    assert!(text.contains("# TYPE provd_requests_total counter"));
}

#[test]
fn concurrent_updates_all_land_while_phones_are_served() {
    let (_dir, server) = start();
    let rest = server.rest();
    assert!(phone_file(&server).contains("Autoprov"));
    for i in 0..8 {
        let r =
            rest.send("POST", "/0.2/cfg_mgr/configs", &device_config(&format!("line{i}"), &format!("user{i}"), "X"));
        assert_eq!(r.status, 201);
        let r = rest.send(
            "POST",
            "/0.2/dev_mgr/devices",
            &json!({"device": {"id": format!("dev{i}"), "mac": format!("80:5e:c0:00:00:0{i}"), "plugin": "wazo-yealink-v86",
                               "model": "T46S", "vendor": "Yealink", "config": format!("line{i}")}}),
        );
        assert_eq!(r.status, 201, "{}", r.text());
    }
    std::thread::scope(|s| {
        for i in 0..8 {
            let rest = rest.clone();
            s.spawn(move || {
                for round in 0..5 {
                    let r = rest.send(
                        "PUT",
                        &format!("/0.2/cfg_mgr/configs/line{i}"),
                        &device_config(&format!("line{i}"), &format!("user{i}"), &format!("Round {round}")),
                    );
                    assert_eq!(r.status, 204, "{}", r.text());
                }
            });
        }
        s.spawn(|| {
            for _ in 0..40 {
                assert!(phone_file(&server).starts_with("#!version"));
            }
        });
    });
    for i in 0..8 {
        let d = rest.get(&format!("/0.2/dev_mgr/devices/dev{i}")).json()["device"].clone();
        assert_eq!(d["configured"], true, "{d}");
        let ua = format!("Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:00:0{i}");
        let out = curl(&["-A", &ua, &server.url(&format!("/805ec000000{i}.cfg"))]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(&format!("account.1.user_name = user{i}")), "{text}");
        assert!(text.contains("account.1.display_name = Round 4"), "{text}");
    }
}

#[test]
fn json_logs_for_collectors() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--log-format", "json"]);
    assert!(phone_file(&server).contains("Autoprov"));
    let r = server.rest().send(
        "POST",
        "/0.2/dev_mgr/devices",
        &json!({"device": {"id": "d", "plugin": "wazo-yealink-v86", "config": "missing"}}),
    );
    assert_eq!(r.status, 201);
    let log = server.log();
    let lines: Vec<Value> =
        log.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect();
    assert!(
        lines.iter().all(|l| l["ts"].as_str().is_some_and(|t| t.ends_with('Z')) && l["level"].is_string()),
        "{log}"
    );
    assert!(
        lines.iter().any(|l| l["level"] == "info" && l["msg"].as_str().unwrap().starts_with("HTTP on 127.0.0.1:")),
        "{log}"
    );
}

/// wazo-provd stores empty strings in a device's fields (its own default
/// for `plugin` is `""`, and wazo-confd can send `"sn": ""`): they are
/// stored and read back, and a phone is still served, never a 500.
#[test]
fn empty_strings_in_device_fields_are_stored() {
    let (_dir, server) = start();
    let rest = server.rest();
    let doc = json!({"device": {"mac": "00:15:65:aa:bb:e0", "plugin": "", "config": "", "sn": "",
                                "vendor": "Yealink", "model": "T46S"}});
    let created = rest.send("POST", "/0.2/dev_mgr/devices", &doc);
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_owned();
    let stored = rest.get(&format!("/0.2/dev_mgr/devices/{id}")).json();
    for field in ["plugin", "config", "sn"] {
        assert_eq!(stored["device"][field], "", "{field}: {stored}");
    }
    let mut update = doc.clone();
    update["device"]["id"] = Value::from(id.as_str());
    update["device"]["sn"] = Value::from("");
    assert_eq!(rest.send("PUT", &format!("/0.2/dev_mgr/devices/{id}"), &update).status, 204);
    // Found by its other fields; no empty key in any index.
    let by_mac = rest.get("/0.2/dev_mgr/devices?q=%7B%22mac%22%3A%2200%3A15%3A65%3Aaa%3Abb%3Ae0%22%7D").json();
    assert_eq!(by_mac["devices"].as_array().unwrap().len(), 1, "{by_mac}");
    let by_sn = rest.get("/0.2/dev_mgr/devices?q=%7B%22sn%22%3A%22%22%7D");
    assert_eq!(by_sn.status, 200, "{}", by_sn.text());
    assert_eq!(by_sn.json()["devices"].as_array().unwrap().len(), 1, "{}", by_sn.text());
    // The phone itself is still served (its plugin is chosen on its request).
    let url = server.url("/001565aabbe0.cfg");
    let ua = "User-Agent: Yealink SIP-T46S 66.86.0.15 00:15:65:aa:bb:e0";
    let served = curl(&["-s", "-o", "/dev/null", "-w", "%{http_code}", "-H", ua, &url]);
    assert_eq!(String::from_utf8_lossy(&served.stdout), "200", "{}", server.log());
    assert_eq!(rest.delete(&format!("/0.2/dev_mgr/devices/{id}")).status, 204);
}

/// wazo-provd's answers in the corners wazo-confd and its clients meet.
#[test]
fn corner_answers_match_wazo_provd() {
    let (_dir, server) = start();
    let rest = server.rest();
    // 404 bodies start with wazo-provd's words; ours say what is missing.
    let r = rest.get("/0.2/dev_mgr/devices/nope");
    assert_eq!((r.status, r.text().as_str()), (404, "No such resource: device \"nope\""));
    assert_eq!(rest.get("/0.2/nothing").text(), "No such resource");
    // An unknown config is 404 before its document is looked at.
    let r = rest.send("PUT", "/0.2/cfg_mgr/configs/nope", &json!({"config": {"parent_ids": "not a list"}}));
    assert_eq!((r.status, r.text().as_str()), (404, "No such resource: config \"nope\""));
    // NAT: 0 when unset; only "0" and "1".
    assert_eq!(rest.get("/0.2/configure/NAT").json(), json!({"param": {"value": 0}}));
    assert_eq!(rest.send("PUT", "/0.2/configure/NAT", &json!({"param": {"value": 1}})).status, 400);
    assert_eq!(rest.send("PUT", "/0.2/configure/NAT", &json!({"param": {"value": "1"}})).status, 204);
    assert_eq!(rest.get("/0.2/configure/NAT").json(), json!({"param": {"value": 1}}));
    // A selector that does not parse is left out, with a warning in the log.
    for id in ["d1", "d2"] {
        assert_eq!(rest.send("POST", "/0.2/dev_mgr/devices", &json!({"device": {"id": id}})).status, 201);
    }
    let r = rest.get("/0.2/dev_mgr/devices?q=notjson&limit=1");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["devices"].as_array().unwrap().len(), 1, "limit still applies");
    let warned = "GET /0.2/dev_mgr/devices: ignored invalid selector: q is not JSON";
    assert!(eventually(100, || server.log().contains(warned)), "{}", server.log());
    assert_eq!(rest.get("/0.2/cfg_mgr/configs?sort_ord=UP").status, 200);
}
