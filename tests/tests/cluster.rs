//! Cluster mode as operators run it: a real PostgreSQL (a throwaway cluster
//! on loopback) and several real provd-server nodes, each with its own data
//! directory, driven through their REST APIs and by phones over HTTP.

use provd_e2e::postgres::Postgres;
use provd_e2e::{Server, curl, eventually_every};
use serde_json::{Value, json};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";
const MAC: &str = "80:5e:c0:d5:7d:72";
const MAC_FILE: &str = "/805ec0d57d72.cfg";

fn node(pg: &Postgres, dir: &tempfile::TempDir, name: &str) -> Server {
    Server::start(&dir.path().join(name), &["--postgres", &pg.url(), "--cluster-node", name])
}

fn phone_file(server: &Server, ua: &str, path: &str) -> (u16, String) {
    let out = curl(&["-s", "-A", ua, "-w", "\n%{http_code}", &server.url(path)]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_owned())
}

fn line_config(id: &str, display: &str) -> Value {
    json!({"config": {
        "id": id,
        "parent_ids": ["base", "defaultconfigdevice"],
        "deletable": true,
        "raw_config": {"sip_lines": {"1": {
            "username": id, "password": "secret", "display_name": display,
            "number": "1001", "proxy_ip": "127.0.0.1", "registrar_ip": "127.0.0.1"
        }}}
    }})
}

fn device(id: &str, config: &str) -> Value {
    json!({"device": {"id": id, "mac": MAC, "plugin": "wazo-yealink-v86", "config": config, "ip": "127.0.0.1",
        "vendor": "Yealink", "model": "T46S"}})
}

/// Config `alice` and the Yealink device `d1` on it, through `rest`.
fn alice_and_d1(rest: &provd_e2e::Rest) {
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &line_config("alice", "Alice")).status, 201);
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/devices", &device("d1", "alice")).status, 201);
}

/// Waits until `server` has device `id`. (Polling the phone's file instead
/// would make the node create the phone itself before the device arrives.)
fn wait_for_device(server: &Server, id: &str) {
    let rest = server.rest();
    soon(&format!("device {id} reaches the node"), || rest.get(&format!("/0.2/dev_mgr/devices/{id}")).status == 200);
}

/// Waits (up to 20 s) until `f` holds.
fn soon(what: &str, mut f: impl FnMut() -> bool) {
    assert!(eventually_every(200, 100, &mut f), "not within 20 s: {what}");
}

#[test]
fn writes_on_any_node_reach_every_node_and_its_phones() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let b = node(&pg, &dir, "b");
    let (ra, rb) = (a.rest(), b.rest());

    // A config and a device written on A: A answers once it serves them,
    // B gets them from the database.
    alice_and_d1(&ra);
    let (code, on_a) = phone_file(&a, UA, MAC_FILE);
    assert_eq!(code, 200);
    assert!(on_a.contains("account.1.display_name = Alice"), "{on_a}");
    wait_for_device(&b, "d1");
    soon("B serves A's device", || phone_file(&b, UA, MAC_FILE) == (200, on_a.clone()));
    assert_eq!(rb.get("/0.2/dev_mgr/devices/d1").json()["device"]["config"], "alice");

    // A change on B reaches A's phone.
    assert_eq!(rb.send("PUT", "/0.2/cfg_mgr/configs/alice", &line_config("alice", "Alice Liddell")).status, 204);
    assert!(phone_file(&b, UA, MAC_FILE).1.contains("account.1.display_name = Alice Liddell"));
    soon("A serves B's change", || phone_file(&a, UA, MAC_FILE).1.contains("Alice Liddell"));

    // Parameters are the cluster's too.
    let nat = json!({"param": {"value": "1"}});
    assert_eq!(ra.send("PUT", "/0.2/configure/NAT", &nat).status, 204);
    assert_eq!(ra.get("/0.2/configure/NAT").json()["param"]["value"], 1);
    soon("B reads A's NAT", || rb.get("/0.2/configure/NAT").json()["param"]["value"] == 1);

    // A delete on B: gone from A, and its phone falls back to autoprov.
    assert_eq!(rb.delete("/0.2/dev_mgr/devices/d1").status, 204);
    soon("A forgets d1", || ra.get("/0.2/dev_mgr/devices/d1").status == 404);

    // PostgreSQL holds the records and a change log; both nodes report.
    assert_eq!(pg.psql("SELECT doc#>>'{raw_config,sip_lines,1,display_name}' FROM provd_records WHERE kind = 'config' AND id = 'alice'"), "Alice Liddell");
    assert_eq!(pg.psql("SELECT count(*) FROM provd_records WHERE kind = 'device' AND id = 'd1'"), "0");
    let origins = pg.psql("SELECT string_agg(DISTINCT origin, ',' ORDER BY origin) FROM provd_changes");
    assert_eq!(origins, "a,b");
    soon("both nodes report their position", || {
        let status = ra.get("/0.2/status").json();
        let nodes = status["database"]["nodes"].as_array().cloned().unwrap_or_default();
        status["database"]["state"] == "up" && nodes.len() == 2 && nodes.iter().all(|n| n["lag"] == 0)
    });
    assert_eq!(a.metric("provd_cluster_up"), 1.0);
    assert_eq!(pg.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM provd_schema"), "1,2,3,4");
}

#[test]
fn a_new_node_loads_the_cluster_and_a_returning_one_catches_up() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let ra = a.rest();
    alice_and_d1(&ra);
    let (_, on_a) = phone_file(&a, UA, MAC_FILE);

    // A node with an empty data directory: the cluster's records, served
    // from its first request on, and its own bootstrap configs are not
    // pushed over the cluster's.
    let c = node(&pg, &dir, "c");
    assert_eq!(phone_file(&c, UA, MAC_FILE), (200, on_a.clone()));
    assert!(c.log().contains("loaded 1 devices"), "{}", c.log());
    // One provd tenant for the cluster: a device C creates is in A's.
    let mut d2 = device("d2", "alice");
    d2["device"]["mac"] = json!("80:5e:c0:00:00:02");
    assert_eq!(c.rest().send("POST", "/0.2/dev_mgr/devices", &d2).status, 201);
    let tenant = |s: &Server, id: &str| {
        s.rest().get(&format!("/0.2/dev_mgr/devices/{id}")).json()["device"]["tenant_uuid"].clone()
    };
    assert_eq!(tenant(&c, "d2"), tenant(&a, "d1"));
    assert!(tenant(&c, "d2").is_string());

    // C stops; A changes things; C comes back and catches up before it
    // serves.
    let c_data = c.data.clone();
    drop(c);
    assert_eq!(ra.send("PUT", "/0.2/cfg_mgr/configs/alice", &line_config("alice", "Alice Liddell")).status, 204);
    let c = Server::start(&c_data, &["--postgres", &pg.url(), "--cluster-node", "c"]);
    assert!(c.log().contains("caught up from change"), "{}", c.log());
    assert!(phone_file(&c, UA, MAC_FILE).1.contains("account.1.display_name = Alice Liddell"));
}

#[test]
fn nodes_keep_serving_while_the_database_is_away() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let ra = a.rest();
    alice_and_d1(&ra);
    let (_, known) = phone_file(&a, UA, MAC_FILE);

    pg.stop();
    // The known phone gets its file; a write says why it is refused and
    // keeps nothing.
    assert_eq!(phone_file(&a, UA, MAC_FILE), (200, known.clone()));
    let refused = ra.send("POST", "/0.2/cfg_mgr/configs", &line_config("bob", "Bob"));
    assert_eq!(refused.status, 503, "{}", refused.text());
    assert!(refused.text().contains("PostgreSQL is unavailable"), "{}", refused.text());
    assert_eq!(ra.get("/0.2/cfg_mgr/configs/bob").status, 404, "nothing half-written");
    let status = ra.get("/0.2/status").json();
    assert_eq!(status["database"]["state"], "down", "{status}");
    assert!(status["database"]["reason"].as_str().is_some_and(|r| !r.is_empty()), "{status}");

    // A new phone is provisioned meanwhile; its record waits for the
    // database.
    let new_ua = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:00:99";
    let (code, body) = phone_file(&a, new_ua, "/805ec0000099.cfg");
    assert_eq!(code, 200);
    assert!(body.contains("Autoprov"), "{body}");
    soon("the new phone's record is queued", || a.metric("provd_cluster_queued_records") >= 1.0);
    assert_eq!(a.metric("provd_cluster_up"), 0.0);

    pg.restart();
    soon("the queue drains once the database is back", || a.metric("provd_cluster_queued_records") == 0.0);
    assert_eq!(
        pg.psql("SELECT count(*) FROM provd_records WHERE kind = 'device' AND doc->>'mac' = '80:5e:c0:00:00:99'"),
        "1"
    );
    soon("writes are taken again", || {
        ra.send("POST", "/0.2/cfg_mgr/configs", &line_config("bob", "Bob")).status == 201
    });
    assert!(a.log().contains("PostgreSQL is unavailable"), "{}", a.log());
    assert!(a.metric("provd_cluster_reconnects_total") >= 1.0);
}

#[test]
fn two_nodes_creating_the_same_phone_end_with_one_device() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let b = node(&pg, &dir, "b");
    // The same new phone asks both nodes while neither can tell the other
    // (a phone with two provisioning servers during an outage): each
    // creates it.
    pg.stop();
    let ua = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:00:42";
    assert_eq!(phone_file(&a, ua, "/805ec0000042.cfg").0, 200);
    assert_eq!(phone_file(&b, ua, "/805ec0000042.cfg").0, 200);
    pg.restart();
    let q = "/0.2/dev_mgr/devices?q=%7B%22mac%22%3A%2280%3A5e%3Ac0%3A00%3A00%3A42%22%7D";
    let ids = |s: &Server| -> Vec<String> {
        s.rest().get(q).json()["devices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    };
    soon("one device, the same on both nodes", || {
        let (x, y) = (ids(&a), ids(&b));
        x.len() == 1 && x == y
    });
    assert_eq!(
        pg.psql("SELECT count(*) FROM provd_records WHERE kind = 'device' AND doc->>'mac' = '80:5e:c0:00:00:42'"),
        "1"
    );
    // The node that came second dropped its own and took the other's.
    assert_eq!(a.metric("provd_cluster_adopted_total") + b.metric("provd_cluster_adopted_total"), 1.0);
    let (_, on_a) = phone_file(&a, ua, "/805ec0000042.cfg");
    assert_eq!(phone_file(&b, ua, "/805ec0000042.cfg"), (200, on_a));
}

#[test]
fn nodes_starting_together_migrate_once_and_a_newer_schema_is_refused() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| node(&pg, &dir, "a"));
        let b = s.spawn(|| node(&pg, &dir, "b"));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!(pg.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM provd_schema"), "1,2,3,4");
    assert_eq!(pg.psql("SELECT count(*) FROM provd_cluster"), "1");
    // One of them seeded the cluster, the other loaded it: one tenant.
    let seeded = [&a, &b].iter().filter(|n| n.log().contains("new; seeded")).count();
    assert_eq!(seeded, 1, "{}\n{}", a.log(), b.log());
    drop((a, b));

    // A database a newer provd migrated is not written with an older layout.
    pg.psql("INSERT INTO provd_schema (version) VALUES (99)");
    let out = provd_e2e::server_until_exit(&dir.path().join("c"), &["--postgres", &pg.url()]);
    assert!(!out.status.success());
    let err = provd_e2e::stderr(&out);
    assert!(err.contains("provd schema is version 99, newer than this provd's 4: upgrade provd"), "{err}");
}

#[test]
fn tls_to_the_database_checks_its_certificate() {
    let certs = tempfile::tempdir().unwrap();
    let (ca, cert, key) = provd_e2e::tls::certificates(certs.path());
    // The server's key must be its own and private.
    let chown = std::process::Command::new("chown").args(["-R", "postgres:postgres"]).arg(certs.path()).status();
    assert!(chown.unwrap().success());
    let ssl_cert = format!("ssl_cert_file={}", cert.display());
    let ssl_key = format!("ssl_key_file={}", key.display());
    let pg = Postgres::start_with(&["ssl=on", &ssl_cert, &ssl_key]);
    let url = pg.url().replace("sslmode=disable", "sslmode=require");
    let dir = tempfile::tempdir().unwrap();

    // Trusted through --postgres-ca: the node works over TLS.
    let a = Server::start(
        &dir.path().join("a"),
        &["--postgres", &url, "--postgres-ca", ca.to_str().unwrap(), "--cluster-node", "a"],
    );
    assert_eq!(a.rest().send("POST", "/0.2/cfg_mgr/configs", &line_config("alice", "Alice")).status, 201);
    assert_eq!(pg.psql("SELECT count(*) FROM provd_records WHERE kind = 'config' AND id = 'alice'"), "1");
    let encrypted = pg.psql(
        "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'provd a'",
    );
    assert_eq!(encrypted, "t");

    // Without the CA the certificate is not trusted: the node says why and
    // serves on its own records; writes are refused.
    let b = Server::start(&dir.path().join("b"), &["--postgres", &url, "--cluster-node", "b"]);
    assert!(b.log().contains("serving this node's last records"), "{}", b.log());
    assert!(b.log().to_lowercase().contains("certificate"), "{}", b.log());
    assert_eq!(b.rest().send("POST", "/0.2/cfg_mgr/configs", &line_config("bob", "Bob")).status, 503);
    assert_eq!(pg.psql("SELECT count(*) FROM provd_records WHERE kind = 'config' AND id = 'bob'"), "0");
}

#[test]
fn a_custom_template_handed_on_by_provd_compile_is_rendered_by_every_node() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let b = node(&pg, &dir, "b");
    alice_and_d1(&a.rest());
    let (_, original) = phone_file(&a, UA, MAC_FILE);
    wait_for_device(&b, "d1");
    soon("B serves d1", || phone_file(&b, UA, MAC_FILE).1 == original);

    let custom = |data: &std::path::Path| data.join("plugins/wazo-yealink-v86/var/templates/805ec0d57d72.cfg.tpl");
    let compile = || provd_e2e::run("provd-compile", &["--data", a.data.to_str().unwrap(), "--postgres", &pg.url()]);

    // A template that does not render is not handed on.
    std::fs::create_dir_all(custom(&a.data).parent().unwrap()).unwrap();
    std::fs::write(custom(&a.data), "{% if %}\n").unwrap();
    let out = compile();
    assert!(!out.status.success());
    assert!(provd_e2e::stderr(&out).contains("not handed on to the cluster"), "{}", provd_e2e::stderr(&out));
    assert_eq!(pg.psql("SELECT count(*) FROM provd_records WHERE kind = 'template'"), "0");

    // Fixed: A renders it, and so does B once it has the file.
    std::fs::write(custom(&a.data), "## {{ 'custom for the cluster' }}: {{ XX_mac or '' }}\n").unwrap();
    let out = compile();
    assert!(out.status.success(), "{}", provd_e2e::stderr(&out));
    assert!(provd_e2e::stderr(&out).contains("1 custom templates changed"), "{}", provd_e2e::stderr(&out));
    let (_, on_a) = phone_file(&a, UA, MAC_FILE);
    assert!(on_a.starts_with("## custom for the cluster"), "{on_a}");
    soon("B renders A's template", || phone_file(&b, UA, MAC_FILE).1 == on_a);
    assert_eq!(std::fs::read(custom(&b.data)).unwrap(), std::fs::read(custom(&a.data)).unwrap());

    // Removed on A: removed on B, and B serves the shipped template again.
    std::fs::remove_file(custom(&a.data)).unwrap();
    assert!(compile().status.success());
    soon("B drops it", || phone_file(&b, UA, MAC_FILE).1 == original);
    assert!(!custom(&b.data).exists());
}

#[test]
fn a_plugin_installed_on_one_node_is_installed_on_every_node() {
    const ID: &str = "wazo-yealink-cluster";
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let mut repo = provd_e2e::repo::Repo::new(&dir.path().join("repo"));
    repo.yealink(ID, "1.0.0", &format!("{ID}-1.0.0.tar.gz"), |p| {
        std::fs::write(p.join("templates/T46S.tpl"), "## T46S by the cluster's plugin 1.0.0\n").unwrap();
    });
    let a = node(&pg, &dir, "a");
    let b = node(&pg, &dir, "b");
    let (ra, rb) = (a.rest(), b.rest());
    ra.send("PUT", "/0.2/configure/plugin_server", &json!({"param": {"value": repo.url()}}));
    provd_e2e::repo::run_operation(&ra, "/0.2/pg_mgr/install/update", json!({}));
    let done = provd_e2e::repo::run_operation(&ra, "/0.2/pg_mgr/install/install", json!({"id": ID}));
    assert!(done["status"].as_str().unwrap().starts_with("install|success"), "{done}");
    soon("B has the plugin", || rb.get("/0.2/pg_mgr/install/installed").json()["pkgs"][ID]["version"] == "1.0.0");

    // A device on it, made on B: both nodes serve the plugin's file.
    assert_eq!(rb.send("POST", "/0.2/cfg_mgr/configs", &line_config("alice", "Alice")).status, 201);
    let mut d = device("d1", "alice");
    d["device"]["plugin"] = json!(ID);
    assert_eq!(rb.send("POST", "/0.2/dev_mgr/devices", &d).status, 201);
    let (code, on_b) = phone_file(&b, UA, MAC_FILE);
    assert_eq!(code, 200);
    assert!(on_b.starts_with("## T46S by the cluster's plugin 1.0.0"), "{on_b}");
    wait_for_device(&a, "d1");
    soon("A serves it too", || phone_file(&a, UA, MAC_FILE) == (200, on_b.clone()));

    // An upgrade on B reaches A; the package came from the database (the
    // repository is gone by then).
    repo.yealink(ID, "1.1.0", &format!("{ID}-1.1.0.tar.gz"), |p| {
        std::fs::write(p.join("templates/T46S.tpl"), "## T46S by the cluster's plugin 1.1.0\n").unwrap();
    });
    rb.send("PUT", "/0.2/configure/plugin_server", &json!({"param": {"value": repo.url()}}));
    provd_e2e::repo::run_operation(&rb, "/0.2/pg_mgr/install/update", json!({}));
    let done = provd_e2e::repo::run_operation(&rb, "/0.2/pg_mgr/install/upgrade", json!({"id": ID}));
    assert!(done["status"].as_str().unwrap().starts_with("install|success"), "{done}");
    std::fs::remove_dir_all(&repo.dir).unwrap();
    soon("A upgraded", || phone_file(&a, UA, MAC_FILE).1.starts_with("## T46S by the cluster's plugin 1.1.0"));
    assert_eq!(ra.get("/0.2/pg_mgr/install/installed").json()["pkgs"][ID]["version"], "1.1.0");
    assert_eq!(pg.psql("SELECT count(*) FROM provd_plugin_packages"), "2");

    // Uninstalled on A: gone from B, and its device loses its file.
    assert_eq!(ra.send("POST", "/0.2/pg_mgr/install/uninstall", &json!({"id": ID})).status, 204);
    soon("B uninstalled it", || rb.get("/0.2/pg_mgr/install/installed").json()["pkgs"].get(ID).is_none());
    soon("B no longer serves its file", || phone_file(&b, UA, MAC_FILE).0 == 404);

    // Installed again, on a node that joined since; a node that starts
    // afterwards installs it from the database before it serves.
    let mut repo = provd_e2e::repo::Repo::new(&dir.path().join("repo2"));
    repo.yealink(ID, "2.0.0", &format!("{ID}-2.0.0.tar.gz"), |_| {});
    let c = node(&pg, &dir, "c");
    let rc = c.rest();
    rc.send("PUT", "/0.2/configure/plugin_server", &json!({"param": {"value": repo.url()}}));
    provd_e2e::repo::run_operation(&rc, "/0.2/pg_mgr/install/update", json!({}));
    provd_e2e::repo::run_operation(&rc, "/0.2/pg_mgr/install/install", json!({"id": ID}));
    let d = node(&pg, &dir, "d");
    assert_eq!(d.rest().get("/0.2/pg_mgr/install/installed").json()["pkgs"][ID]["version"], "2.0.0", "{}", d.log());
    assert!(d.log().contains(&format!("cluster: plugin {ID} installed")), "{}", d.log());
}

#[test]
fn three_nodes_and_a_killed_one_lose_nothing_acknowledged() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let b = node(&pg, &dir, "b");
    let c = node(&pg, &dir, "c");
    let ra = a.rest();
    assert_eq!(ra.send("POST", "/0.2/cfg_mgr/configs", &line_config("alice", "Alice")).status, 201);
    // Writes acknowledged by A, then A killed at once: every one of them
    // is on B and C.
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        let mut d = device(&format!("k{i}"), "alice");
        d["device"]["mac"] = json!(format!("80:5e:c0:00:01:{i:02x}"));
        if ra.send("POST", "/0.2/dev_mgr/devices", &d).status == 201 {
            acknowledged.push(format!("k{i}"));
        }
    }
    assert_eq!(acknowledged.len(), 20);
    a.kill();
    for other in [&b, &c] {
        soon("every acknowledged device everywhere", || {
            acknowledged.iter().all(|id| other.rest().get(&format!("/0.2/dev_mgr/devices/{id}")).status == 200)
        });
    }
    // And each serves them.
    let (code, body) = phone_file(&c, "Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:01:13", "/805ec0000113.cfg");
    assert_eq!(code, 200);
    assert!(body.contains("account.1.display_name = Alice"), "{body}");
    soon("B and C report no lag", || {
        let nodes = b.rest().get("/0.2/status").json()["database"]["nodes"].as_array().cloned().unwrap_or_default();
        nodes.iter().filter(|n| n["node"] != "a").all(|n| n["lag"] == 0) && nodes.len() == 3
    });
}

#[test]
fn a_wrong_url_or_role_says_what_is_wrong() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let start = |url: &str| provd_e2e::server_until_exit(&dir.path().join("x"), &["--postgres", url]);
    let out = start("postgres://[::1");
    assert!(!out.status.success());
    assert!(provd_e2e::stderr(&out).contains("--postgres: not a PostgreSQL URL"), "{}", provd_e2e::stderr(&out));
    let out = start(&pg.url().replace("postgres@", "nobody@"));
    assert!(!out.status.success());
    assert!(provd_e2e::stderr(&out).contains("role \"nobody\" does not exist"), "{}", provd_e2e::stderr(&out));
}

#[test]
fn a_remote_node_follows_a_replica_and_writes_to_the_primary() {
    let primary = Postgres::start();
    let replica = primary.replica();
    assert_eq!(replica.psql("SELECT pg_is_in_recovery()"), "t");
    let dir = tempfile::tempdir().unwrap();
    let a = node(&primary, &dir, "a");
    let remote = Server::start(
        &dir.path().join("remote"),
        &["--postgres", &primary.url(), "--postgres-read", &replica.url(), "--cluster-node", "remote"],
    );
    // A's write reaches the remote node through the replica.
    alice_and_d1(&a.rest());
    let (_, on_a) = phone_file(&a, UA, MAC_FILE);
    wait_for_device(&remote, "d1");
    soon("the remote node serves A's device", || phone_file(&remote, UA, MAC_FILE) == (200, on_a.clone()));
    // The remote node's writes go to the primary (the replica is read-only)
    // and reach A.
    let r = remote.rest().send("PUT", "/0.2/cfg_mgr/configs/alice", &line_config("alice", "Alice Remote"));
    assert_eq!(r.status, 204, "{}", r.text());
    soon("A serves the remote node's change", || phone_file(&a, UA, MAC_FILE).1.contains("Alice Remote"));
    assert!(phone_file(&remote, UA, MAC_FILE).1.contains("Alice Remote"));
    // It read its changes from the replica: its connection is there.
    assert_eq!(replica.psql("SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name = 'provd remote'"), "t");

    // Given both servers, replica first, a node finds the writable one.
    let both = format!(
        "postgresql://postgres@127.0.0.1:{},127.0.0.1:{}/postgres?sslmode=disable&target_session_attrs=read-write",
        replica.port, primary.port
    );
    let c = Server::start(&dir.path().join("c"), &["--postgres", &both, "--cluster-node", "c"]);
    assert_eq!(c.rest().send("POST", "/0.2/cfg_mgr/configs", &line_config("carol", "Carol")).status, 201);
    assert_eq!(primary.psql("SELECT count(*) FROM provd_records WHERE kind = 'config' AND id = 'carol'"), "1");
}

#[test]
fn a_gap_in_the_change_log_is_said_and_a_snapshot_loaded() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let b = node(&pg, &dir, "b");
    let ra = a.rest();
    alice_and_d1(&ra);
    wait_for_device(&b, "d1");
    let b_data = b.data.clone();
    drop(b);
    // Two changes while B is away; the first is then lost from the log.
    assert_eq!(ra.send("PUT", "/0.2/cfg_mgr/configs/alice", &line_config("alice", "Alice 2")).status, 204);
    assert_eq!(ra.send("PUT", "/0.2/cfg_mgr/configs/alice", &line_config("alice", "Alice 3")).status, 204);
    let last: u64 = pg.psql("SELECT max(seq) FROM provd_changes").parse().unwrap();
    pg.psql(&format!("DELETE FROM provd_changes WHERE seq = {}", last - 1));
    let b = Server::start(&b_data, &["--postgres", &pg.url(), "--cluster-node", "b"]);
    let said = format!("after change {} comes {last} (changes {} to {} are missing", last - 2, last - 1, last - 1);
    assert!(b.log().contains(&said), "{}", b.log());
    assert!(b.log().contains("loading a snapshot instead"), "{}", b.log());
    assert!(phone_file(&b, UA, MAC_FILE).1.contains("account.1.display_name = Alice 3"));
}

#[test]
fn an_administrators_device_replaces_the_one_a_phone_made_on_every_node() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let b = node(&pg, &dir, "b");
    // The phone boots against B first: B makes a device for it.
    let (code, body) = phone_file(&b, UA, MAC_FILE);
    assert_eq!(code, 200);
    assert!(body.contains("Autoprov"), "{body}");
    let q = "/0.2/dev_mgr/devices?q=%7B%22mac%22%3A%2280%3A5e%3Ac0%3Ad5%3A7d%3A72%22%7D";
    let ids = |s: &Server| -> Vec<String> {
        let list = s.rest().get(q).json();
        list["devices"].as_array().unwrap().iter().map(|d| d["id"].as_str().unwrap().to_owned()).collect()
    };
    soon("A has the phone's device", || ids(&a).len() == 1);
    // Then the administrator creates its device on A (as wazo-confd may,
    // by MAC): it replaces the phone's on both nodes.
    alice_and_d1(&a.rest());
    soon("one device, the administrator's, on both nodes", || ids(&a) == ["d1"] && ids(&b) == ["d1"]);
    let (_, on_a) = phone_file(&a, UA, MAC_FILE);
    assert!(on_a.contains("account.1.display_name = Alice"), "{on_a}");
    soon("B serves it too", || phone_file(&b, UA, MAC_FILE) == (200, on_a.clone()));
    assert_eq!(
        pg.psql("SELECT count(*) FROM provd_records WHERE kind = 'device' AND doc->>'mac' = '80:5e:c0:d5:7d:72'"),
        "1"
    );
}

#[test]
fn a_single_node_install_moves_to_a_cluster_by_starting_it_with_postgres() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("a");
    // A single-node install with a device, then stopped.
    let single = Server::start(&data, &[]);
    alice_and_d1(&single.rest());
    let (_, before) = phone_file(&single, UA, MAC_FILE);
    drop(single);
    // Started once with --postgres: the empty database takes its records,
    // its devices hold their MACs, and a new node serves the same bytes.
    // The URL from the environment: not on the command line others see.
    let a = Server::start_with_env(&data, &["--cluster-node", "a"], &[("PROVD_POSTGRES", &pg.url())]);
    assert!(a.log().contains("new; seeded with this node's"), "{}", a.log());
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", a.pid())).unwrap();
    assert!(!String::from_utf8_lossy(&cmdline).contains("postgresql://"));
    assert_eq!(
        pg.psql("SELECT device_id || ' ' || auto FROM provd_auto_created WHERE mac = '80:5e:c0:d5:7d:72'"),
        "d1 false"
    );
    let b = node(&pg, &dir, "b");
    assert_eq!(phone_file(&b, UA, MAC_FILE), (200, before));
}

#[test]
fn encryption_turned_on_at_one_node_encrypts_every_nodes_files_with_the_same_keys() {
    let pg = Postgres::start();
    let dir = tempfile::tempdir().unwrap();
    let a = node(&pg, &dir, "a");
    let b = node(&pg, &dir, "b");
    let (ra, rb) = (a.rest(), b.rest());
    alice_and_d1(&ra);
    wait_for_device(&b, "d1");
    let (_, plain) = phone_file(&b, UA, MAC_FILE);
    assert!(plain.contains("account.1.password = secret"), "{plain}");

    // On at A: B renders every device again, with the key A reports.
    let on = json!({"param": {"value": "1"}});
    assert_eq!(ra.send("PUT", "/0.2/configure/config_encryption", &on).status, 204);
    let key = ra.get("/0.2/dev_mgr/devices/d1/encryption_key").json()["encryption_key"]["value"].clone();
    assert!(key.is_string(), "{key}");
    soon("B has the key", || {
        let r = rb.get("/0.2/dev_mgr/devices/d1/encryption_key");
        r.status == 200 && r.json()["encryption_key"]["value"] == key
    });
    let sealed = |s: &Server| curl(&["-s", "-A", UA, &s.url(MAC_FILE)]).stdout;
    soon("B serves the encrypted copy", || !String::from_utf8_lossy(&sealed(&b)).contains("secret"));
    assert_eq!(sealed(&a), sealed(&b), "the same bytes on both nodes");
}
