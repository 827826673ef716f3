//! Start-up reconciliation: whatever the store holds that is not yet
//! published is published before phones are served.
//!
//! A REST write commits its document first and compiles what it affects
//! next (`api/configs.rs`, `api/devices.rs`, `writer.rs`); a server killed
//! in between leaves the store with the new document and the old files.
//! An incremental compile of everything finds those devices: each
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
