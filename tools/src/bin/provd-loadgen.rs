//! `provd-loadgen`: simulated phones booting against a provisioning server
//! (see `provd-loadgen --help` and `provd_tools::loadgen`).

use std::process::ExitCode;

fn main() -> ExitCode {
    provd_tools::loadgen::main()
}
