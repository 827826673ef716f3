//! Links in plugin directories. Two links to `.` in `templates/` made a
//! walk that follows links visit some 2^40 paths while holding the compile
//! lock: the plugin manager refuses such a tarball naming the member, and a
//! plugin directory that already holds such links (made by hand) hangs no
//! compile: the links are skipped and said.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;

use provd_e2e::{Rest, Server, bin, curl, eventually, stderr, stdout};
use serde_json::{Value, json};

const PLUGIN: &str = "wazo-yealink-v86";
const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7f:01";

fn sh(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// `provd-compile ARGS` under `timeout`: a walk that never ends fails the
/// test (exit 124) instead of hanging it.
fn compile_bounded(args: &[&str]) -> std::process::Output {
    Command::new("timeout").arg("300").arg(bin("provd-compile")).args(args).output().expect("timeout(1)")
}

/// A plugin repository (plugins.db and tarballs made with the system tar)
/// holding copies of the bundled Yealink plugin, edited.
struct Repo {
    dir: PathBuf,
    db: serde_json::Map<String, Value>,
}

impl Repo {
    fn new(dir: &Path) -> Repo {
        std::fs::create_dir_all(dir.join("build")).unwrap();
        Repo { dir: dir.to_owned(), db: Default::default() }
    }

    fn add(&mut self, id: &str, edit: impl FnOnce(&Path)) {
        let build = self.dir.join("build").join(id);
        std::fs::create_dir_all(&build).unwrap();
        let p = build.join(id);
        let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins").join(PLUGIN);
        sh(Command::new("cp").arg("-r").arg(bundled).arg(&p));
        edit(&p);
        let filename = format!("{id}-1.0.tar.gz");
        sh(Command::new("tar").arg("-czf").arg(self.dir.join(&filename)).arg("-C").arg(&build).arg(id));
        let out = Command::new("sha1sum").arg(self.dir.join(&filename)).output().unwrap();
        let sum = String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_owned();
        self.db.insert(id.into(), json!({"version": "1.0", "description": id, "filename": filename, "sha1sum": sum}));
        std::fs::write(self.dir.join("plugins.db"), Value::Object(self.db.clone()).to_string()).unwrap();
    }
}

/// POSTs an operation and polls it to its end (bounded); its last document.
fn run_operation(rest: &Rest, path: &str, body: Value) -> Value {
    let r = rest.send("POST", path, &body);
    assert_eq!(r.status, 201, "POST {path}: {}", r.text());
    let location = r.header("Location").expect("Location").to_owned();
    let mut last = Value::Null;
    let done = eventually(1500, || {
        last = rest.get(&location).json();
        let status = last["status"].as_str().unwrap_or("");
        let state = status.split(['(', ';']).next().unwrap();
        state.ends_with("success") || state.ends_with("fail")
    });
    assert!(done, "{location} did not finish: {last}");
    last
}

#[test]
fn the_plugin_manager_refuses_links_to_directories_and_out_of_their_tree() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = Repo::new(&dir.path().join("repo"));
    repo.add("wazo-loops", |p| {
        symlink(".", p.join("templates/a")).unwrap();
        symlink(".", p.join("templates/b")).unwrap();
    });
    // Inside the plugin, so the tarball checks let it through, but out of
    // the static tree phones are served.
    repo.add("wazo-leak", |p| symlink("../../plugin-info", p.join("var/tftpboot/info.txt")).unwrap());
    repo.add("wazo-fine", |p| symlink("base.tpl", p.join("templates/alias.tpl")).unwrap());
    let data = dir.path().join("data");
    let server = Server::start(&data, &[]);
    let rest = server.rest();
    let r = rest.send(
        "PUT",
        "/0.2/configure/plugin_server",
        &json!({"param": {"value": format!("file://{}", repo.dir.display())}}),
    );
    assert_eq!(r.status, 204, "{}", r.text());
    run_operation(&rest, "/0.2/pg_mgr/install/update", json!({}));

    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": "wazo-loops"}));
    assert!(done["status"].as_str().unwrap().starts_with("install|fail"), "{done}");
    let error = done["error"].as_str().unwrap();
    assert!(error.contains("wazo-loops-1.0.tar.gz: member \"wazo-loops/templates/"), "{error}");
    assert!(error.contains("is a symlink to a directory (.): links to directories are refused"), "{error}");
    assert!(!data.join("plugins/wazo-loops").exists());

    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": "wazo-leak"}));
    assert!(done["status"].as_str().unwrap().starts_with("install|fail"), "{done}");
    let error = done["error"].as_str().unwrap();
    assert!(
        error.contains(
            "member \"wazo-leak/var/tftpboot/info.txt\" is a symlink to ../../plugin-info, outside var/tftpboot/"
        ),
        "{error}"
    );
    assert!(!data.join("plugins/wazo-leak").exists());

    // A link to a file of its own tree is fine.
    let done = run_operation(&rest, "/0.2/pg_mgr/install/install", json!({"id": "wazo-fine"}));
    assert!(done["status"].as_str().unwrap().starts_with("install|success"), "{done}");

    // Nothing holds the compile lock: a config write compiles and answers.
    let mut base = rest.get("/0.2/cfg_mgr/configs/defaultconfigdevice").json()["config"].clone();
    base["raw_config"]["ntp_ip"] = json!("127.0.0.2");
    assert_eq!(rest.send("PUT", "/0.2/cfg_mgr/configs/defaultconfigdevice", &json!({"config": base})).status, 204);
}

#[test]
fn links_already_in_a_plugin_directory_are_skipped_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    let out = compile_bounded(&["--data", d]);
    assert!(out.status.success(), "{}", stderr(&out));

    // Made by hand, as a plugin installed before the install checks or
    // edited since would have them.
    let p = data.join("plugins").join(PLUGIN);
    for name in ["a", "b"] {
        symlink(".", p.join("templates").join(name)).unwrap();
        symlink(".", p.join("var/tftpboot").join(name)).unwrap();
    }
    std::fs::create_dir_all(p.join("var/templates")).unwrap();
    symlink("..", p.join("var/templates/up")).unwrap();
    std::fs::write(p.join("var/tftpboot/ok.txt"), "static").unwrap();
    symlink("ok.txt", p.join("var/tftpboot/alias.txt")).unwrap();
    symlink("../../plugin-info", p.join("var/tftpboot/info.txt")).unwrap();

    let out = compile_bounded(&["--data", d, "--force"]);
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(&out));
    let err = stderr(&out);
    let said = |path: &str, why: &str| {
        let line = format!("warning: plugin {PLUGIN}: {}/{path} {why}", p.display());
        assert!(err.contains(&line), "no {line:?} in:\n{err}");
    };
    said("templates/a", "is a symlink to a directory (.), not followed: skipped");
    said("templates/b", "is a symlink to a directory (.), not followed: skipped");
    said("var/templates/up", "is a symlink to a directory (..), not followed: skipped");
    said("var/tftpboot/a", "is a symlink to a directory (.), not followed: skipped");
    said("var/tftpboot/info.txt", "is a symlink to ../../plugin-info, outside");
    assert!(stdout(&out).contains("published generation"), "{}", stdout(&out));

    // The server starts (its start-up compile walks the same trees), says
    // what it skipped, and compiles on writes; phones get the files that
    // stay inside the static tree, not the one that leaves it.
    let server = Server::start(&data, &[]);
    assert!(
        server.log().contains(&format!("{}/templates/a is a symlink to a directory", p.display())),
        "{}",
        server.log()
    );
    let rest = server.rest();
    let mut base = rest.get("/0.2/cfg_mgr/configs/defaultconfigdevice").json()["config"].clone();
    base["raw_config"]["ntp_ip"] = json!("127.0.0.2");
    assert_eq!(rest.send("PUT", "/0.2/cfg_mgr/configs/defaultconfigdevice", &json!({"config": base})).status, 204);
    let get = |path: &str| {
        let out = curl(&["-A", UA, "-w", "\n%{http_code}", &server.url(path)]);
        stdout(&out)
    };
    assert!(get("/805ec0d57f01.cfg").ends_with("\n200"), "a new phone is served its file");
    assert_eq!(get("/ok.txt"), "static\n200");
    assert_eq!(get("/alias.txt"), "static\n200");
    assert!(get("/info.txt").ends_with("\n404"), "{}", get("/info.txt"));
}
