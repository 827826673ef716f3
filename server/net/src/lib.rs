//! What provd's listeners share, whichever plane they serve: sockets bound
//! the way provd binds them, the process's descriptor budget with its
//! per-address shares, the pause-and-retry of failed accepts, and the
//! helpers their counters use to show in `/metrics`.
//!
//! Not here: any protocol (`provd-proto`), any request handling
//! (`provd-dataplane`, `provd-control`).

pub mod descriptors;
pub mod metrics;
pub mod sockets;
