//! A plugin repository over https (Wazo's is), served here by `openssl
//! s_server -WWW` with a certificate from a test CA: provd trusts the CA
//! given with `--plugin-server-ca`, updates and installs through it, and
//! without that CA the update fails as an operation, saying why.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use provd_e2e::tls::{certificates, sh};
use provd_e2e::{Rest, Server, eventually};
use serde_json::{Value, json};

const ID: &str = "wazo-yealink-tls";

/// `plugins.db` and one tarball: the bundled Yealink plugin as `ID`.
fn repository(dir: &Path) {
    let build = dir.join("build");
    std::fs::create_dir_all(&build).unwrap();
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/wazo-yealink-v86");
    sh(dir, &["cp", "-r", bundled.to_str().unwrap(), build.join(ID).to_str().unwrap()]);
    let tarball = format!("{ID}-1.0.tar.gz");
    sh(dir, &["tar", "-czf", &tarball, "-C", "build", ID]);
    let out = Command::new("sha1sum").arg(dir.join(&tarball)).output().unwrap();
    let sum = String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_owned();
    let size = std::fs::metadata(dir.join(&tarball)).unwrap().len();
    let db = json!({ID: {"version": "1.0", "description": "over TLS", "filename": tarball, "sha1sum": sum,
                         "dsize": size, "capabilities": {}}});
    std::fs::write(dir.join("plugins.db"), db.to_string()).unwrap();
}

struct TlsServer(Child);

impl Drop for TlsServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &Path, cert: &Path, key: &Path) -> (TlsServer, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("openssl")
        .args(["s_server", "-quiet", "-WWW", "-accept", &format!("127.0.0.1:{port}")])
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("openssl s_server");
    assert!(eventually(250, || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()), "s_server did not start");
    (TlsServer(child), port)
}

fn operation(rest: &Rest, path: &str, body: Value) -> Value {
    let r = rest.send("POST", path, &body);
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.header("Location").unwrap().to_owned();
    let mut last = Value::Null;
    assert!(eventually(1500, || {
        last = rest.get(&location).json();
        // The operation's own state, not its sub-operations'.
        let state = last["status"].as_str().unwrap_or("").split(['(', ';']).next().unwrap().to_owned();
        state.ends_with("success") || state.ends_with("fail")
    }));
    last
}

#[test]
fn plugins_come_from_an_https_repository_signed_by_the_given_ca() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    repository(&repo);
    let (_tls, port) = serve(&repo, &cert, &key);
    let url = format!("https://127.0.0.1:{port}/");

    let server = Server::start(&dir.path().join("data"), &["--plugin-server-ca", ca.to_str().unwrap()]);
    let rest = server.rest();
    let set = rest.send("PUT", "/0.2/configure/plugin_server", &json!({"param": {"value": url}}));
    assert_eq!(set.status, 204, "{}", set.text());
    let done = operation(&rest, "/0.2/pg_mgr/install/update", json!({}));
    assert!(done["status"].as_str().unwrap().starts_with("update|success"), "{done}");
    assert!(rest.get("/0.2/pg_mgr/install/installable").json()["pkgs"].get(ID).is_some());
    let done = operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": ID}));
    assert!(done["status"].as_str().unwrap().starts_with("install|success"), "{done}");
    assert!(rest.get("/0.2/pg_mgr/install/installed").json()["pkgs"].get(ID).is_some());

    // The same repository, trusted by nothing provd knows: the update
    // fails as an operation (never a synchronous error), with the reason.
    let other = Server::start(&dir.path().join("data2"), &[]);
    let rest = other.rest();
    assert_eq!(rest.send("PUT", "/0.2/configure/plugin_server", &json!({"param": {"value": url}})).status, 204);
    let done = operation(&rest, "/0.2/pg_mgr/install/update", json!({}));
    assert!(done["status"].as_str().unwrap().starts_with("update|fail"), "{done}");
    let why = done["error"].as_str().unwrap_or_default();
    assert!(why.contains(&format!("{url}plugins.db")) && why.to_lowercase().contains("certificate"), "{done}");
}
