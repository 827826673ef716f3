//! The plugin manager (`/0.2/pg_mgr`) end to end: a plugin repository
//! made at test time (`plugins.db` and tarballs from the system `tar`),
//! update, install, upgrade keeping custom templates, uninstall, refused
//! tarballs, and a plugin's packages served to phones.

use std::path::{Path, PathBuf};
use std::process::Command;

use provd_e2e::repo::{Repo, run_operation, sh, sha1};
use provd_e2e::{Rest, Server, curl, eventually};
use serde_json::{Value, json};

const ID: &str = "wazo-yealink-test";
const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:aa:bb:01";
const MAC_FILE: &str = "/805ec0aabb01.cfg";
const CUSTOM: &str = "# custom T46S template kept across upgrades";

fn phone_get(server: &Server, ua: &str, path: &str) -> (u16, Vec<u8>) {
    let out = curl(&["-A", ua, "-w", "\n%{http_code}", &server.url(path)]);
    let mut body = out.stdout;
    let pos = body.iter().rposition(|b| *b == b'\n').unwrap();
    let code = String::from_utf8_lossy(&body[pos + 1..]).parse().unwrap_or(0);
    body.truncate(pos);
    (code, body)
}

fn phone_file(server: &Server) -> (u16, String) {
    let (code, body) = phone_get(server, UA, MAC_FILE);
    (code, String::from_utf8_lossy(&body).into_owned())
}

fn set_plugin_server(rest: &Rest, url: &str) {
    let r = rest.send("PUT", "/0.2/configure/plugin_server", &json!({"param": {"value": url}}));
    assert_eq!(r.status, 204, "{}", r.text());
}

#[test]
fn install_upgrade_and_uninstall_a_plugin_from_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repo::new(&dir.path().join("repo"));
    repo.yealink(ID, "1.1.0", &format!("{ID}-1.1.0.tar.bz2"), |_| {});
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();

    // Links, as wazo-provd.
    let rels = |path: &str| -> Vec<(String, String)> {
        let r = rest.get(path);
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        r.json()["links"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| (l["rel"].as_str().unwrap().to_owned(), l["href"].as_str().unwrap().to_owned()))
            .collect()
    };
    assert_eq!(
        rels("/0.2/pg_mgr"),
        [
            ("srv.install".into(), "/0.2/pg_mgr/install".into()),
            ("pg.plugins".into(), "/0.2/pg_mgr/plugins".into()),
            ("pg.reload".into(), "/0.2/pg_mgr/reload".into())
        ]
    );
    let install_rels: Vec<String> = rels("/0.2/pg_mgr/install").into_iter().map(|(r, _)| r).collect();
    assert_eq!(
        install_rels,
        ["install", "uninstall", "installed", "installable", "upgrade", "update"].map(|r| format!("srv.install.{r}"))
    );

    // Nothing to install before an update; no update without a server.
    assert_eq!(rest.get("/0.2/pg_mgr/install/installable").json(), json!({"pkgs": {}}));
    let r = rest.send("POST", "/0.2/pg_mgr/install/update", &json!({}));
    assert_eq!(r.status, 500);
    assert!(r.text().contains("plugin_server"), "{}", r.text());
    let r = rest.send("POST", "/0.2/pg_mgr/install/install", &json!({"id": ID}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("install/update first"), "{}", r.text());

    set_plugin_server(&rest, &repo.url());
    let done = run_operation(&rest, "/0.2/pg_mgr/install/update", json!({}));
    assert!(done["status"].as_str().unwrap().starts_with("update|success"), "{done}");
    let installable = rest.get("/0.2/pg_mgr/install/installable").json();
    let entry = &installable["pkgs"][ID];
    assert_eq!(entry["version"], "1.1.0", "{installable}");
    assert_eq!(entry["description"], format!("{ID} 1.1.0"));
    assert!(entry.get("filename").is_none() && entry.get("description_fr").is_none(), "{entry}");
    assert_eq!(entry["sha1sum"].as_str().unwrap().len(), 40);

    // Install: download then extract, and the plugin is live.
    assert!(rest.get("/0.2/pg_mgr/install/installed").json()["pkgs"].get(ID).is_none());
    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": ID}));
    let status = done["status"].as_str().unwrap();
    assert!(status.starts_with("install|success(download|success;"), "{done}");
    let installed = rest.get("/0.2/pg_mgr/install/installed").json();
    assert_eq!(installed["pkgs"][ID]["version"], "1.1.0", "{installed}");
    assert_eq!(installed["pkgs"][ID]["family"], "yealink");
    let plugins = rest.get("/0.2/pg_mgr/plugins").json();
    assert_eq!(
        plugins["plugins"][ID],
        json!({"links": [{"rel": "pg.plugin", "href": format!("/0.2/pg_mgr/plugins/{ID}")}]}),
        "{plugins}"
    );
    let plugin_rels: Vec<String> = rels(&format!("/0.2/pg_mgr/plugins/{ID}")).into_iter().map(|(r, _)| r).collect();
    assert_eq!(plugin_rels, ["pg.info", "srv.install"]);
    let info = rest.get(&format!("/0.2/pg_mgr/plugins/{ID}/info")).json();
    assert_eq!(info["plugin_info"]["version"], "1.1.0");
    assert!(info["plugin_info"].get("description_fr").is_none(), "localized: {info}");
    assert_eq!(rest.get("/0.2/pg_mgr/plugins/nope").status, 404);
    let again = rest.send("POST", "/0.2/pg_mgr/install/install", &json!({"id": ID}));
    assert_eq!(again.status, 400);
    assert!(again.text().contains("already installed"), "{}", again.text());

    // A device of the new plugin is configured and served.
    let r = rest.send(
        "POST",
        "/0.2/cfg_mgr/configs",
        &json!({"config": {"id": "line-alice", "parent_ids": ["base", "defaultconfigdevice"], "X_type": "device",
                            "raw_config": {"sip_lines": {"1": {"username": "alice", "password": "secret",
                            "display_name": "Alice", "number": "1001", "proxy_ip": "10.0.0.1", "registrar_ip": "10.0.0.1"}}}}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let r = rest.send(
        "POST",
        "/0.2/dev_mgr/devices",
        &json!({"device": {"id": "desk", "mac": "80:5e:c0:aa:bb:01", "plugin": ID, "model": "T46S",
                           "vendor": "Yealink", "version": "66.86.0.15", "config": "line-alice"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text());
    let (code, text) = phone_file(&server);
    assert_eq!(code, 200, "{text}\n{}", server.log());
    assert!(text.contains("account.1.user_name = alice"), "{text}");
    // Its static files too.
    let (code, _) = phone_get(&server, UA, "/directory_setting.xml");
    assert_eq!(code, 200);

    // A custom template, picked up by a reload.
    let plugin_dir = server.data.join("plugins").join(ID);
    std::fs::write(
        plugin_dir.join("var/templates/T46S.tpl"),
        format!("{{% extends 'base.tpl' %}}\n{{% block model_specific_parameters %}}\n{CUSTOM}\n{{% endblock %}}\n"),
    )
    .unwrap();
    assert_eq!(rest.send("POST", "/0.2/pg_mgr/reload", &json!({"id": ID})).status, 204);
    assert!(phone_file(&server).1.contains(CUSTOM), "{}", phone_file(&server).1);
    let r = rest.send("POST", "/0.2/pg_mgr/reload", &json!({"id": "nope"}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("nope"), "{}", r.text());

    // Version 2 (gzip this time) changes a shipped template and adds a
    // static file; the upgrade keeps the custom template.
    repo.yealink(ID, "1.2.0", &format!("{ID}-1.2.0.tar.gz"), |p| {
        let base = p.join("templates/base.tpl");
        let mut text = std::fs::read_to_string(&base).unwrap();
        text.push_str("\n# shipped with 1.2.0\n");
        std::fs::write(base, text).unwrap();
        std::fs::write(p.join("var/tftpboot/new-in-v2.txt"), "v2").unwrap();
    });
    let r = rest.send("POST", "/0.2/pg_mgr/install/upgrade", &json!({"id": "wazo-not-installed"}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not installed"), "{}", r.text());
    run_operation(&rest, "/0.2/pg_mgr/install/update", json!({}));
    let done = run_operation(&rest, "/0.2/pg_mgr/install/upgrade", json!({"id": ID}));
    assert!(done["status"].as_str().unwrap().starts_with("install|success"), "{done}");
    assert_eq!(rest.get("/0.2/pg_mgr/install/installed").json()["pkgs"][ID]["version"], "1.2.0");
    let (_, text) = phone_file(&server);
    assert!(text.contains(CUSTOM), "custom template kept: {text}");
    assert!(text.contains("# shipped with 1.2.0"), "new version used: {text}");
    assert_eq!(phone_get(&server, UA, "/new-in-v2.txt"), (200, b"v2".to_vec()));
    assert_eq!(
        std::fs::read_to_string(plugin_dir.join("var/templates/T46S.tpl")).unwrap().lines().nth(2),
        Some(CUSTOM)
    );
    let leftovers: Vec<_> = std::fs::read_dir(server.data.join("plugins"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".bundled")
        .collect();
    assert!(leftovers.is_empty(), "staging directories removed: {leftovers:?}");

    // Uninstall: the custom templates are kept aside, the plugin is gone,
    // its files are no longer served.
    let r = rest.send("POST", "/0.2/pg_mgr/install/uninstall", &json!({"id": ID}));
    assert_eq!(r.status, 204, "{}", r.text());
    let kept = PathBuf::from(r.header("X-Provd-Kept-Templates").expect("where the custom templates went"));
    let logged = format!("provd-server: kept custom templates of {ID} in {}", kept.display());
    assert!(eventually(100, || server.log().contains(&logged)), "{}", server.log());
    assert!(kept.starts_with(server.data.join("uninstalled-templates")), "{}", kept.display());
    assert!(std::fs::read_to_string(kept.join("T46S.tpl")).unwrap().contains(CUSTOM));
    assert!(!plugin_dir.exists());
    assert!(rest.get("/0.2/pg_mgr/install/installed").json()["pkgs"].get(ID).is_none());
    assert!(rest.get("/0.2/pg_mgr/plugins").json()["plugins"].get(ID).is_none());
    assert_eq!(rest.get(&format!("/0.2/pg_mgr/plugins/{ID}/info")).status, 404);
    assert_eq!(phone_file(&server).0, 404, "{}", phone_file(&server).1);
    assert_eq!(phone_get(&server, UA, "/new-in-v2.txt").0, 404);
    let d = rest.get("/0.2/dev_mgr/devices/desk").json()["device"].clone();
    assert_eq!(d["configured"], false, "{d}");
    let r = rest.send("POST", "/0.2/pg_mgr/install/uninstall", &json!({"id": ID}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not installed"), "{}", r.text());

    // Installed again from the cache-checked tarball: served again.
    run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": ID}));
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/reconfigure", &json!({"id": "desk"})).status, 204);
    let (code, text) = phone_file(&server);
    assert_eq!(code, 200);
    assert!(!text.contains(CUSTOM) && text.contains("# shipped with 1.2.0"), "{text}");
}

#[test]
fn refused_tarballs_install_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repo::new(&dir.path().join("repo"));
    // Right content, wrong SHA-1 in plugins.db.
    repo.yealink("wazo-badsum", "1.0", "wazo-badsum-1.0.tar.gz", |_| {});
    repo.list("wazo-badsum", "1.0", "wazo-badsum-1.0.tar.gz", Some("0123456789012345678901234567890123456789"));
    // A member that climbs out of the plugins directory.
    repo.yealink("wazo-evil", "1.0", "wazo-evil-1.0.tar.gz", |_| {});
    let build = repo.dir.join("build").join("1.0");
    std::fs::write(build.join("payload"), "escaped").unwrap();
    sh(Command::new("tar").arg("-czf").arg(repo.dir.join("wazo-evil-1.0.tar.gz")).arg("-C").arg(&build).args([
        "-P",
        "--transform",
        "s,^payload$,wazo-evil/../../evil,",
        "wazo-evil",
        "payload",
    ]));
    repo.list("wazo-evil", "1.0", "wazo-evil-1.0.tar.gz", None);
    // A tarball whose top directory is another plugin.
    repo.yealink("wazo-other", "1.0", "wazo-liar-1.0.tar.gz", |_| {});
    repo.list("wazo-liar", "1.0", "wazo-liar-1.0.tar.gz", None);

    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let rest = server.rest();
    set_plugin_server(&rest, &repo.url());
    run_operation(&rest, "/0.2/pg_mgr/install/update", json!({}));

    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": "wazo-badsum"}));
    assert!(done["status"].as_str().unwrap().starts_with("install|fail(download|fail"), "{done}");
    let error = done["error"].as_str().unwrap();
    assert!(error.contains("SHA-1 mismatch for ") && error.contains("wazo-badsum-1.0.tar.gz"), "{error}");
    assert!(error.contains("expected 0123456789012345678901234567890123456789, got "), "{error}");
    assert!(!data.join("cache/wazo-badsum-1.0.tar.gz").exists(), "a bad download is not kept");

    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": "wazo-evil"}));
    assert!(done["status"].as_str().unwrap().starts_with("install|fail(download|success"), "{done}");
    let error = done["error"].as_str().unwrap();
    assert!(error.contains("member \"wazo-evil/../../evil\" contains '..'"), "{error}");

    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": "wazo-liar"}));
    assert!(done["status"].as_str().unwrap().starts_with("install|fail"), "{done}");
    assert!(done["error"].as_str().unwrap().contains("is not under the top-level directory wazo-liar/"), "{done}");

    let installed = rest.get("/0.2/pg_mgr/install/installed").json();
    for id in ["wazo-badsum", "wazo-evil", "wazo-liar", "wazo-other"] {
        assert!(installed["pkgs"].get(id).is_none(), "{id}: {installed}");
        assert!(!data.join("plugins").join(id).exists(), "{id}");
    }
    for escaped in [data.join("evil"), dir.path().join("evil"), data.join("plugins/evil")] {
        assert!(!escaped.exists(), "{}", escaped.display());
    }
    let names: Vec<String> = std::fs::read_dir(data.join("plugins"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with('.') || n == ".bundled"), "no staging left: {names:?}");

    // Errors before any operation.
    let r = rest.send("POST", "/0.2/pg_mgr/install/install", &json!({"id": "wazo-unknown"}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("wazo-unknown is not in plugins.db"), "{}", r.text());
    let r = rest.send("POST", "/0.2/pg_mgr/install/install", &json!({"id": "wazo-yealink-v86"}));
    assert_eq!(r.status, 400, "bundled plugins are installed");
    let r = rest.send("POST", "/0.2/pg_mgr/install/install", &json!({"id": "../etc"}));
    assert_eq!(r.status, 400);
    let r = rest.send("POST", "/0.2/pg_mgr/install/install", &json!({}));
    assert_eq!((r.status, r.text().as_str()), (400, "Missing \"id\" key"));
    assert_eq!(rest.get("/0.2/pg_mgr/install/install/99").status, 404);
    assert_eq!(rest.get("/0.2/pg_mgr/install/update").status, 405);

    // An unreachable repository fails the update, with the reason.
    set_plugin_server(&rest, "http://127.0.0.1:9/plugins");
    let done = run_operation(&rest, "/0.2/pg_mgr/install/update", json!({}));
    assert!(done["status"].as_str().unwrap().starts_with("update|fail"), "{done}");
    assert!(done["error"].as_str().unwrap().contains("http://127.0.0.1:9/plugins/plugins.db"), "{done}");
    assert!(rest.get("/0.2/pg_mgr/install/installable").json()["pkgs"].get("wazo-evil").is_some(), "old db kept");
}

#[test]
fn packages_of_a_plugin_are_installed_and_served() {
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir_all(files.join("build/fw-1.0")).unwrap();
    std::fs::write(files.join("build/fw-1.0/T46S-test.rom"), "FIRMWARE-BYTES").unwrap();
    std::fs::write(files.join("build/fw-1.0/README"), "not installed").unwrap();
    let tarball = files.join("test-fw.tar.gz");
    sh(Command::new("tar").arg("-czf").arg(&tarball).arg("-C").arg(files.join("build")).arg("fw-1.0"));
    let size = std::fs::metadata(&tarball).unwrap().len();

    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let rest = server.rest();
    let plugin = "wazo-yealink-v86";
    let pkgs = data.join("plugins").join(plugin).join("pkgs/pkgs.db");
    std::fs::write(
        &pkgs,
        format!(
            "# A tiny catalogue.\n\
             [pkg_test-fw]\ndescription: Test firmware\ndescription_fr: Micrologiciel de test\nversion: 1.0\n\
             files: fw-tarball\ninstall: fw\n\n\
             [pkg_bad-fw]\ndescription: Corrupt firmware\nversion: 1.0\nfiles: bad-tarball\ninstall: fw\n\n\
             [install_fw]\na-b: untar $FILE1\nb-c: cp */*.rom firmware/\n\n\
             [file_fw-tarball]\nurl: file://{tb}\nsize: {size}\nsha1sum: {sum}\n\n\
             [file_bad-tarball]\nfilename: bad.tar.gz\nurl: {tb}\nsize: {size}\nsha1sum: {bad}\n",
            tb = tarball.display(),
            sum = sha1(&tarball),
            bad = "f".repeat(40),
        ),
    )
    .unwrap();

    let base = format!("/0.2/pg_mgr/plugins/{plugin}/install");
    let r = rest.get(&base);
    let rels: Vec<String> =
        r.json()["links"].as_array().unwrap().iter().map(|l| l["rel"].as_str().unwrap().to_owned()).collect();
    assert_eq!(rels, ["install", "uninstall", "installed", "installable"].map(|r| format!("srv.install.{r}")));
    let installable = rest.get(&format!("{base}/installable")).json();
    assert_eq!(
        installable["pkgs"]["test-fw"],
        json!({"version": "1.0", "description": "Test firmware", "dsize": size}),
        "{installable}"
    );
    assert_eq!(rest.get(&format!("{base}/installed")).json(), json!({"pkgs": {}}));

    // The phone is on this plugin (auto-provisioned) and has no firmware yet.
    let ua = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";
    assert_eq!(phone_get(&server, ua, "/805ec0d57d72.cfg").0, 200);
    assert_eq!(phone_get(&server, ua, "/firmware/T46S-test.rom").0, 404);

    let done = run_operation(&rest, &format!("{base}/install"), json!({"id": "test-fw"}));
    assert_eq!(
        done["status"],
        format!("install_pkg|success(download|success(success;{size}/{size}))(install|success)")
    );
    let installed = rest.get(&format!("{base}/installed")).json();
    assert_eq!(installed, json!({"pkgs": {"test-fw": {"version": "1.0", "description": "Test firmware"}}}));
    assert_eq!(phone_get(&server, ua, "/firmware/T46S-test.rom"), (200, b"FIRMWARE-BYTES".to_vec()));
    let tftpboot = data.join("plugins").join(plugin).join("var/tftpboot");
    assert!(!tftpboot.join("firmware/README").exists() && !tftpboot.join("README").exists());
    let r = rest.send("POST", &format!("{base}/install"), &json!({"id": "test-fw"}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("already installed"), "{}", r.text());
    let r = rest.send("POST", &format!("{base}/install"), &json!({"id": "nope"}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("unknown package nope"), "{}", r.text());

    // A corrupt download fails and installs nothing.
    let done = run_operation(&rest, &format!("{base}/install"), json!({"id": "bad-fw"}));
    assert!(done["status"].as_str().unwrap().starts_with("install_pkg|fail(download|fail"), "{done}");
    assert!(done["error"].as_str().unwrap().contains(&format!("expected {}, got ", "f".repeat(40))), "{done}");
    assert!(rest.get(&format!("{base}/installed")).json()["pkgs"].get("bad-fw").is_none());

    // Uninstall removes what it installed.
    assert_eq!(rest.send("POST", &format!("{base}/uninstall"), &json!({"id": "test-fw"})).status, 204);
    assert_eq!(rest.get(&format!("{base}/installed")).json(), json!({"pkgs": {}}));
    assert!(!tftpboot.join("firmware").exists());
    assert!(tftpboot.join("directory_setting.xml").exists(), "shipped files stay");
    assert_eq!(phone_get(&server, ua, "/firmware/T46S-test.rom").0, 404);
    let r = rest.send("POST", &format!("{base}/uninstall"), &json!({"id": "test-fw"}));
    assert_eq!(r.status, 400);
    assert!(r.text().contains("not installed"), "{}", r.text());
}

/// A one-connection HTTP CONNECT proxy in front of a repository serving
/// `body` as its plugins.db, answering only once `gate` opens; returns
/// the request lines it saw.
fn fake_proxy(body: String, gate: std::sync::mpsc::Receiver<()>) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut out = stream;
        let head = |reader: &mut BufReader<std::net::TcpStream>| {
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line == "\r\n" {
                    break;
                }
            }
            first.trim_end().to_owned()
        };
        let mut seen = vec![head(&mut reader)];
        out.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").unwrap();
        seen.push(head(&mut reader));
        let _ = gate.recv();
        write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
        seen
    });
    (port, handle)
}

#[test]
fn updates_go_through_the_http_proxy_one_at_a_time() {
    let dir = tempfile::tempdir().unwrap();
    let db = json!({"wazo-remote": {"capabilities": {}, "description": "over http", "version": "3.0", "dsize": 1,
                                    "filename": "wazo-remote-3.0.tar.bz2", "sha1sum": "0".repeat(40)}});
    let (tx, rx) = std::sync::mpsc::channel();
    let (port, proxy) = fake_proxy(db.to_string(), rx);
    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    set_plugin_server(&rest, "http://repo.invalid/plugins/2/stable/");
    let r =
        rest.send("PUT", "/0.2/configure/http_proxy", &json!({"param": {"value": format!("http://127.0.0.1:{port}")}}));
    assert_eq!(r.status, 204, "{}", r.text());

    let first = rest.send("POST", "/0.2/pg_mgr/install/update", &json!({}));
    assert_eq!(first.status, 201, "{}", first.text());
    let location = first.header("Location").unwrap().to_owned();
    assert_eq!(location, "/0.2/pg_mgr/install/update/1");
    let second = rest.send("POST", "/0.2/pg_mgr/install/update", &json!({}));
    assert_eq!(second.status, 500);
    assert!(second.text().contains("already running"), "{}", second.text());
    assert!(rest.get(&location).json()["status"].as_str().unwrap().starts_with("update|progress"));

    tx.send(()).unwrap();
    let mut status = String::new();
    assert!(eventually(1500, || {
        status = rest.get(&location).json()["status"].as_str().unwrap().to_owned();
        !status.starts_with("update|progress")
    }));
    let len = db.to_string().len();
    assert_eq!(status, format!("update|success;{len}/{len}"));
    assert_eq!(
        proxy.join().unwrap(),
        ["CONNECT repo.invalid:80 HTTP/1.1", "GET /plugins/2/stable/plugins.db HTTP/1.1"]
    );
    let installable = rest.get("/0.2/pg_mgr/install/installable").json();
    assert_eq!(installable["pkgs"]["wazo-remote"]["version"], "3.0", "{installable}");
    // Another update may run now (and fails: the proxy is gone).
    let done = run_operation(&rest, "/0.2/pg_mgr/install/update", json!({}));
    assert!(done["status"].as_str().unwrap().starts_with("update|fail"), "{done}");
}

/// A plugin as Wazo's repository ships it: a `plugin-info` naming no
/// family and no models (Wazo's Python did that work) and Python beside
/// the templates. provd installs it when it has the family its name
/// says, never runs its Python, and refuses one of a family it lacks.
#[test]
fn wazo_plugin_tarballs_install_by_their_family() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repo::new(&dir.path().join("repo"));
    let ran = dir.path().join("python-ran");
    let wazo_style = |p: &Path| {
        let mut info: Value = serde_json::from_slice(&std::fs::read(p.join("plugin-info")).unwrap()).unwrap();
        let info = info.as_object_mut().unwrap();
        info.remove("family");
        info.remove("models");
        std::fs::write(p.join("plugin-info"), Value::Object(info.clone()).to_string()).unwrap();
        std::fs::write(p.join("entry.py"), format!("open({:?}, 'w').write('ran')\n", ran.to_str().unwrap())).unwrap();
    };
    repo.yealink("wazo-yealink-v86w", "1.0", "wazo-yealink-v86w-1.0.tar.gz", wazo_style);
    repo.yealink("wazo-panasonic-1.0", "1.0", "wazo-panasonic-1.0.tar.gz", wazo_style);

    let server = Server::start(&dir.path().join("data"), &[]);
    let rest = server.rest();
    set_plugin_server(&rest, &repo.url());
    run_operation(&rest, "/0.2/pg_mgr/install/update", json!({}));
    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": "wazo-yealink-v86w"}));
    assert!(done["status"].as_str().unwrap().starts_with("install|success"), "{done}");
    let info = rest.get("/0.2/pg_mgr/plugins/wazo-yealink-v86w/info").json();
    assert_eq!(info["plugin_info"]["version"], "1.0", "{info}");
    assert!(!ran.exists(), "its Python is never run");

    // A phone on it gets its file, rendered by the Yealink family.
    let config = json!({"config": {"id": "c1", "parent_ids": ["base", "defaultconfigdevice"], "raw_config": {
        "sip_lines": {"1": {"username": "alice", "password": "s", "display_name": "Alice", "number": "1001",
                            "proxy_ip": "127.0.0.1", "registrar_ip": "127.0.0.1"}}}}});
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &config).status, 201);
    let device = json!({"device": {"id": "d1", "mac": "80:5e:c0:aa:bb:01", "ip": "127.0.0.1", "vendor": "Yealink",
        "model": "T46S", "version": "66.86.0.15", "plugin": "wazo-yealink-v86w", "config": "c1"}});
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/devices", &device).status, 201);
    let (code, body) = phone_file(&server);
    assert_eq!(code, 200);
    assert!(body.contains("account.1.display_name = Alice"), "{body}");

    // A family provd does not have: refused, saying so.
    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": "wazo-panasonic-1.0"}));
    assert!(done["status"].as_str().unwrap().starts_with("install|fail"), "{done}");
    let why = done["error"].as_str().unwrap();
    assert!(why.contains("a Wazo plugin of a family provd does not serve"), "{why}");
    assert_eq!(rest.get("/0.2/pg_mgr/plugins/wazo-panasonic-1.0").status, 404, "nothing installed");
}
