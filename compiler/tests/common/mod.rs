//! Running the Python side of the Jinja2 parity tests.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `tests/<script>` with `input` as JSON on stdin; returns its JSON
/// output. Needs `python3` with `jinja2` 3.1 (scripts/install-test-deps).
pub fn python(script: &str, input: &serde_json::Value) -> serde_json::Value {
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
