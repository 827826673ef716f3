//! A plugin repository made at test time (`plugins.db` and tarballs from
//! the system `tar`), and the REST operations that use it.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::{Rest, eventually};

/// A bundled plugin's directory in the repository.
pub fn bundled(id: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins").join(id)
}

/// Runs `cmd`; panics with its stderr if it fails.
pub fn sh(cmd: &mut Command) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// The SHA-1 of a file, in hex (`sha1sum`).
pub fn sha1(path: &Path) -> String {
    let out = Command::new("sha1sum").arg(path).output().expect("sha1sum");
    String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap().to_owned()
}

/// A repository directory holding tarballs and the `plugins.db` listing
/// them.
pub struct Repo {
    /// Where it is.
    pub dir: PathBuf,
    db: serde_json::Map<String, Value>,
}

impl Repo {
    /// An empty repository in `dir`.
    pub fn new(dir: &Path) -> Repo {
        std::fs::create_dir_all(dir.join("build")).unwrap();
        Repo { dir: dir.to_owned(), db: Default::default() }
    }

    /// Its `file://` URL, for `plugin_server`.
    pub fn url(&self) -> String {
        format!("file://{}", self.dir.display())
    }

    /// A copy of the bundled Yealink v86 plugin as `id` at `version`,
    /// changed by `edit`, packed as `filename` (tar picks the compression
    /// from the name).
    pub fn yealink(&mut self, id: &str, version: &str, filename: &str, edit: impl FnOnce(&Path)) {
        let build = self.dir.join("build").join(version);
        let _ = std::fs::remove_dir_all(&build);
        std::fs::create_dir_all(&build).unwrap();
        let p = build.join(id);
        sh(Command::new("cp").arg("-r").arg(bundled("wazo-yealink-v86")).arg(&p));
        let mut info: Value = serde_json::from_slice(&std::fs::read(p.join("plugin-info")).unwrap()).unwrap();
        info["version"] = json!(version);
        info["description"] = json!(format!("Yealink test plugin {version}"));
        std::fs::write(p.join("plugin-info"), info.to_string()).unwrap();
        edit(&p);
        sh(Command::new("tar").arg("-caf").arg(self.dir.join(filename)).arg("-C").arg(&build).arg(id));
        self.list(id, version, filename, None);
    }

    /// Lists `filename` as plugin `id` in plugins.db (with its real SHA-1
    /// unless one is given).
    pub fn list(&mut self, id: &str, version: &str, filename: &str, sha1sum: Option<&str>) {
        let path = self.dir.join(filename);
        let sum = sha1sum.map(str::to_owned).unwrap_or_else(|| sha1(&path));
        self.db.insert(
            id.into(),
            json!({
                "capabilities": {"Yealink, T46S, 66.86.0.15": {"sip.lines": 16}},
                "description": format!("{id} {version}"),
                "description_fr": format!("{id} {version} en français"),
                "version": version,
                "dsize": std::fs::metadata(&path).unwrap().len(),
                "filename": filename,
                "sha1sum": sum,
            }),
        );
        std::fs::write(self.dir.join("plugins.db"), Value::Object(self.db.clone()).to_string()).unwrap();
    }
}

/// POSTs, expects 201 and an operation, polls it to its end; returns its
/// last document.
pub fn run_operation(rest: &Rest, path: &str, body: Value) -> Value {
    let r = rest.send("POST", path, &body);
    assert_eq!(r.status, 201, "POST {path}: {}", r.text());
    assert!(r.body.is_empty(), "an operation's 201 has no body: {}", r.text());
    let location = r.header("Location").expect("Location").to_owned();
    assert!(location.starts_with(&format!("{path}/")), "{location}");
    let mut last = Value::Null;
    let done = eventually(1500, || {
        let r = rest.get(&location);
        assert_eq!(r.status, 200, "GET {location}: {}", r.text());
        last = r.json();
        let status = last["status"].as_str().unwrap_or("");
        let state = status.split(['(', ';']).next().unwrap();
        state.ends_with("success") || state.ends_with("fail")
    });
    assert!(done, "{location} did not finish: {last}");
    assert_eq!(rest.delete(&location).status, 204);
    assert_eq!(rest.get(&location).status, 404, "deleted");
    last
}
