//! `--wazo-auth`: REST tokens checked by wazo-auth with each route's ACL
//! and the tenant acted for, as wazo-provd checks them. The wazo-auth
//! here is a small stand-in on loopback that answers the three calls
//! provd makes (token check, token read, tenant list) from a table.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use provd_e2e::{PROVD_JSON, Reply, Rest, Server, curl, stdout};
use serde_json::{Value, json};

const MASTER: &str = "00000000-0000-4000-8000-0000000000aa";
const T1: &str = "11111111-1111-4111-8111-111111111111";
const T2: &str = "22222222-2222-4222-8222-222222222222";

/// A token: its tenant, the tenants it sees (its own first), its ACLs
/// (`provd.#`: all).
struct Token {
    id: &'static str,
    tenant: &'static str,
    sees: &'static [&'static str],
    acls: &'static [&'static str],
}

const TOKENS: &[Token] = &[
    Token { id: "master-token", tenant: MASTER, sees: &[MASTER, T1, T2], acls: &["provd.#"] },
    Token { id: "t1-token", tenant: T1, sees: &[T1], acls: &["provd.#"] },
    Token { id: "reader-token", tenant: T1, sees: &[T1], acls: &["provd.dev_mgr.devices.read"] },
];

/// The stand-in: answers until the test ends; counts the calls.
fn fake_wazo_auth() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            let calls = counted.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut headers = Vec::new();
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                        if let Some((k, v)) = h.split_once(':') {
                            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
                        }
                    }
                    calls.fetch_add(1, Ordering::SeqCst);
                    let mut parts = line.split_whitespace();
                    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                    let (status, body) = answer(method, target, &headers);
                    let body = if method == "HEAD" { String::new() } else { body.to_string() };
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                        if method == "HEAD" { 0 } else { body.len() }
                    );
                    if conn.write_all(reply.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, calls)
}

fn query_param(target: &str, name: &str) -> Option<String> {
    let query = target.split_once('?')?.1;
    query.split('&').find_map(|kv| kv.strip_prefix(&format!("{name}="))).map(|v| {
        let mut out = Vec::new();
        let b = v.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'%' && i + 2 < b.len() {
                out.push(u8::from_str_radix(&v[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    })
}

fn answer(method: &str, target: &str, headers: &[(String, String)]) -> (u16, Value) {
    let path = target.split('?').next().unwrap();
    let header = |k: &str| headers.iter().find(|(h, _)| h == k).map(|(_, v)| v.as_str());
    if let Some(id) = path.strip_prefix("/0.1/token/") {
        let Some(token) = TOKENS.iter().find(|t| t.id == id) else { return (404, json!({})) };
        if method == "GET" {
            return (200, json!({"data": {"token": id, "metadata": {"tenant_uuid": token.tenant}}}));
        }
        let scope = query_param(target, "scope").unwrap_or_default();
        let granted = token.acls.iter().any(|a| *a == "provd.#" || *a == scope);
        let tenant_ok = query_param(target, "tenant").is_none_or(|t| token.sees.contains(&t.as_str()));
        return (if granted && tenant_ok { 204 } else { 403 }, json!({}));
    }
    if path == "/0.1/tenants" {
        let Some(token) = TOKENS.iter().find(|t| Some(t.id) == header("x-auth-token")) else { return (401, json!({})) };
        let tenant = header("wazo-tenant").unwrap_or(token.tenant);
        // The tenant and those below it, as the token sees them.
        let below: Vec<&str> = if tenant == MASTER { token.sees.to_vec() } else { vec![tenant] };
        let items: Vec<Value> = below.iter().map(|u| json!({"uuid": u})).collect();
        return (200, json!({"items": items, "total": items.len()}));
    }
    (404, json!({}))
}

fn call(rest: &Rest, token: &str, tenant: Option<&str>, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let mut extra = vec!["-H".to_owned(), format!("X-Auth-Token: {token}")];
    if let Some(t) = tenant {
        extra.extend(["-H".into(), format!("Wazo-Tenant: {t}")]);
    }
    if let Some(b) = body {
        extra.extend(["-H".into(), format!("Content-Type: {PROVD_JSON}"), "--data-binary".into(), b.to_string()]);
    }
    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
    Rest { token: None, ..rest.clone() }.call(method, path, &extra)
}

fn start(wazo_auth: &str) -> (tempfile::TempDir, Server) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &["--wazo-auth", wazo_auth, "--tenant-uuid", MASTER]);
    (dir, server)
}

#[test]
fn tokens_acls_and_tenants_come_from_wazo_auth() {
    let (url, calls) = fake_wazo_auth();
    let (_dir, server) = start(&url);
    let rest = server.rest();
    let device = |id: &str| json!({"device": {"id": id}});

    // The master tenant's token (wazo-confd's): devices it creates are new.
    let r = call(&rest, "master-token", None, "POST", "/0.2/dev_mgr/devices", Some(&device("d0")));
    assert_eq!(r.status, 201, "{}", r.text());
    let doc = call(&rest, "master-token", None, "GET", "/0.2/dev_mgr/devices/d0", None).json();
    assert_eq!((doc["device"]["tenant_uuid"].as_str(), doc["device"]["is_new"].as_bool()), (Some(MASTER), Some(true)));
    // A tenant's token: its devices are its own; the master sees them with recurse.
    assert_eq!(call(&rest, "t1-token", None, "POST", "/0.2/dev_mgr/devices", Some(&device("d1"))).status, 201);
    assert_eq!(
        call(&rest, "t1-token", None, "GET", "/0.2/dev_mgr/devices/d1", None).json()["device"]["tenant_uuid"],
        T1
    );
    assert_eq!(call(&rest, "t1-token", None, "GET", "/0.2/dev_mgr/devices/d0", None).status, 404);
    let all = call(&rest, "master-token", None, "GET", "/0.2/dev_mgr/devices?recurse=true", None).json();
    assert_eq!(all["devices"].as_array().unwrap().len(), 2);
    let own = call(&rest, "master-token", Some(T1), "GET", "/0.2/dev_mgr/devices", None).json();
    assert_eq!(own["devices"][0]["id"], "d1", "the master acting for T1");

    // ACLs: a read-only token reads, and nothing else.
    assert_eq!(call(&rest, "reader-token", None, "GET", "/0.2/dev_mgr/devices", None).status, 200);
    let r = call(&rest, "reader-token", None, "POST", "/0.2/dev_mgr/devices", Some(&device("d2")));
    assert_eq!((r.status, r.text().as_str()), (401, "Unauthorized"));
    assert_eq!(call(&rest, "reader-token", None, "GET", "/0.2/dev_mgr/devices/d1", None).status, 401);
    // A tenant the token may not act for, an unknown token, none.
    assert_eq!(call(&rest, "t1-token", Some(T2), "GET", "/0.2/dev_mgr/devices", None).status, 401);
    assert_eq!(call(&rest, "nobody", None, "GET", "/0.2/dev_mgr/devices", None).status, 401);
    assert_eq!(Rest { token: None, ..rest.clone() }.get("/0.2/dev_mgr/devices").status, 401);
    // The static token provd made does not work in this mode.
    assert_eq!(rest.get("/0.2/dev_mgr/devices").status, 401);

    // Answers are kept a while: the same call again asks wazo-auth nothing.
    let before = calls.load(Ordering::SeqCst);
    assert_eq!(call(&rest, "t1-token", None, "GET", "/0.2/dev_mgr/devices", None).status, 200);
    assert_eq!(calls.load(Ordering::SeqCst) - before, 3, "token read, check, tenant list");
    let before = calls.load(Ordering::SeqCst);
    for _ in 0..5 {
        assert_eq!(call(&rest, "t1-token", None, "GET", "/0.2/dev_mgr/devices", None).status, 200);
    }
    assert_eq!(calls.load(Ordering::SeqCst) - before, 0, "cached");
}

#[test]
fn an_unreachable_wazo_auth_is_503_and_phones_are_still_served() {
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let (_dir, server) = start(&format!("http://127.0.0.1:{port}"));
    let r = call(&server.rest(), "master-token", None, "GET", "/0.2/dev_mgr/devices", None);
    assert_eq!(r.status, 503, "{}", r.text());
    assert!(r.text().contains("wazo-auth is unreachable"), "{}", r.text());
    // A phone is served from its autoprov config as ever.
    let ua = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:e1";
    let body = stdout(&curl(&["-s", "-A", ua, &server.url("/805ec0d57de1.cfg")]));
    assert!(body.contains("account.1"), "{body}");
}
