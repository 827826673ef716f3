//! provd's data plane: the TFTP and HTTP servers phones talk to.
//!
//! Protocol logic lives in the sans-IO state machines of `provd-proto`,
//! which take bytes and time and return decisions; the monoio loops here
//! own the sockets, rings and timers around them ([`http`], [`tftp`],
//! [`runtime`]). Each request runs the identification [`pipeline`] on the
//! thread's [`snapshot`] of the store ([`serve`]); whatever a request
//! teaches (a new device, a new address) goes to the single [`writer`]
//! thread, and the fail2ban lines to the [`seclog`] thread.
//!
//! Not here: the REST API and synchronize (`provd-control`), which this
//! crate does not depend on; rendering and publishing (`provd-compiler`),
//! which it calls for a phone seen for the first time.

pub mod body;
pub mod http;
pub mod limits;
pub mod pipeline;
pub mod runtime;
pub mod seclog;
pub mod security;
pub mod serve;
pub mod snapshot;
pub mod tftp;
pub mod writer;

#[cfg(test)]
mod test_alloc;
