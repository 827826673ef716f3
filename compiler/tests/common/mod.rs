//! What the compiler's test crates share: the Python side of the Jinja2
//! parity tests, a store fixture and the render helpers of the family
//! tests. Each crate uses part of it.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `tests/<script>` with `input` as JSON on stdin; returns its JSON
/// output. Needs `python3` with `jinja2` 3.1 (scripts/install-test-deps).
pub(crate) fn python(script: &str, input: &serde_json::Value) -> serde_json::Value {
    let path = format!("{}/tests/{script}", env!("CARGO_MANIFEST_DIR"));
    let mut child = Command::new("python3")
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is needed for the parity tests (scripts/install-test-deps)");
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "python3 with jinja2 3.1 is needed (scripts/install-test-deps): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Puts config `id` with `parents` and raw config `raw` in `data`'s store.
pub(crate) fn put_config(data: &provd_store::data::DataDir, id: &str, parents: &[&str], raw: serde_json::Value) {
    let c = provd_core::Config {
        id: id.into(),
        parent_ids: parents.iter().map(|p| p.to_string()).collect(),
        raw_config: raw.as_object().unwrap().clone(),
        ..Default::default()
    };
    let s = data.store();
    let mut w = s.write_txn().unwrap();
    s.put_config(&mut w, &c).unwrap();
    w.commit().unwrap();
}

/// A fresh data directory (bundled plugins installed) with configs put in
/// its store, and the renderer over it.
pub(crate) struct Fixture {
    _dir: tempfile::TempDir,
    pub(crate) data: provd_store::data::DataDir,
}

impl Fixture {
    pub(crate) fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let (data, _) = provd_store::data::DataDir::open(dir.path()).unwrap();
        Fixture { _dir: dir, data }
    }

    /// Puts config `id` (parent `base`) with raw config `raw`.
    pub(crate) fn config(&self, id: &str, raw: serde_json::Value) {
        put_config(&self.data, id, &["base"], raw);
    }

    pub(crate) fn renderer(&self) -> provd_compiler::render::Renderer {
        let (renderer, warnings) =
            provd_compiler::compile::renderer(&self.data, &provd_compiler::compile::Scope::All).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        renderer
    }
}

/// The files `d` renders to; panics with why when it has none.
pub(crate) fn rendered(
    renderer: &provd_compiler::render::Renderer,
    d: &provd_core::Device,
) -> Vec<provd_compiler::render::RenderedFile> {
    match renderer.render_device(d) {
        provd_compiler::render::DeviceRender::Configured { files, .. } => files,
        other => panic!("{} {:?}: {other:?}", d.id, d.model),
    }
}

/// A rendered file as text.
pub(crate) fn text(file: &provd_compiler::render::RenderedFile) -> String {
    String::from_utf8(file.bytes.clone()).unwrap()
}
