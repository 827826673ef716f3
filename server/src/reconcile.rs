//! Start-up reconciliation: whatever the store holds that is not yet
//! published is published before phones are served.
//!
//! The server's own writes commit a document and the compile of what it
//! affects together (`compiler/src/group.rs`), but the store may still
//! hold what is not served: a document written by another process
//! (`provd-compile --import-*`, a script on the store), a `provd-compile`
//! killed before its commit, plugins or templates changed while the
//! server was down, a server from before group commit. An incremental
//! compile of everything finds those devices: each
//! device's render record holds the fingerprint of the inputs its served
//! files were rendered from (`compiler/src/compile.rs`), so a device whose
//! config, device document or plugin changed since renders again, a device
//! whose config is gone loses its files, and every other one costs a hash.

use provd_compiler::compile::{CompileError, Report, Scope};
use provd_compiler::publish::Publisher;

/// Compiles every device whose inputs changed since its files were
/// published (all of them on a fresh store) and publishes; render failures
/// are logged and do not stop the others.
pub(crate) fn at_startup(publisher: &Publisher) -> Result<Report, CompileError> {
    let report = publisher.publish_keep_going(Scope::All)?;
    log::info!("start-up compile: {}", report.summary());
    Ok(report)
}
