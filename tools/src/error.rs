//! What went wrong, and the exit code it maps to.

use std::fmt;

/// The operation ran and failed, or some of the devices it acted on failed.
pub const FAILED: u8 = 1;
/// The command line was wrong (clap uses the same code for its own errors).
pub const USAGE: u8 = 2;
/// The REST API cannot be reached, or it refused our credentials (401).
pub const UNREACHABLE: u8 = 3;
/// What was asked for does not exist (404).
pub const NOT_FOUND: u8 = 4;

/// An error that ends the command: printed as `provd: <message>`, then the
/// process exits with `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub code: u8,
    pub message: String,
    /// The HTTP status of a refused request.
    pub status: Option<u16>,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn new(code: u8, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), status: None }
    }

    pub fn failed(message: impl Into<String>) -> Error {
        Error::new(FAILED, message)
    }

    pub fn usage(message: impl Into<String>) -> Error {
        Error::new(USAGE, message)
    }

    pub fn not_found(message: impl Into<String>) -> Error {
        Error::new(NOT_FOUND, message)
    }

    /// Prefixes the message with what was being done.
    pub fn context(mut self, what: impl fmt::Display) -> Error {
        self.message = format!("{what}: {}", self.message);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// The exit code of a batch in which `failures` items failed: 3 if any of
/// them could not reach the API, 4 if every one was "not found", else 1.
pub fn batch_code<'a>(failures: impl IntoIterator<Item = &'a Error>) -> u8 {
    let mut any = false;
    let mut all_not_found = true;
    for e in failures {
        if e.code == UNREACHABLE {
            return UNREACHABLE;
        }
        any = true;
        all_not_found &= e.code == NOT_FOUND;
    }
    match (any, all_not_found) {
        (false, _) => 0,
        (true, true) => NOT_FOUND,
        (true, false) => FAILED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_codes() {
        assert_eq!(batch_code(&[]), 0);
        assert_eq!(batch_code(&[Error::not_found("a"), Error::not_found("b")]), NOT_FOUND);
        assert_eq!(batch_code(&[Error::not_found("a"), Error::failed("b")]), FAILED);
        assert_eq!(batch_code(&[Error::failed("a"), Error::new(UNREACHABLE, "b")]), UNREACHABLE);
        assert_eq!(Error::failed("x").context("reconfigure device d").to_string(), "reconfigure device d: x");
    }
}
