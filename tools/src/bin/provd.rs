//! `provd`: the administrator's command line (see `provd --help`).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(provd_tools::cli::main())
}
