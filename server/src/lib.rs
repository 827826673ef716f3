//! provd's data plane: the TFTP and HTTP servers phones talk to.
//!
//! Protocol logic lives in sans-IO state machines (`tftp::proto`,
//! `http::proto`) that take bytes and time and return decisions; the monoio
//! loops around them own the sockets, rings and timers.

pub mod api;
pub mod body;
pub mod descriptors;
pub mod http;
pub mod limits;
pub mod logging;
pub mod net;
pub mod pipeline;
pub mod reconcile;
pub mod runtime;
pub mod seclog;
pub mod secrets;
pub mod security;
pub mod serve;
pub mod snapshot;
pub mod sync;
pub mod tftp;
pub mod writer;

#[cfg(test)]
mod test_alloc;
