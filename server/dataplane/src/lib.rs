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
//! The main types, in the order the server sets them up:
//! - [`seclog::SecurityLog`] starts the security log's thread, and
//!   [`writer::Writer`] the writer's ([`writer::WriterConfig`]: creation
//!   rates, the cap on auto-created devices), which takes
//!   [`writer::Job`]s.
//! - [`serve::Shared`] is what every I/O thread shares: the store, the
//!   publisher, the writer, the security log, the [`serve::Stats`], the
//!   stop flag and the descriptor budget; [`serve::Metrics`] shows its
//!   counters in `/metrics`.
//! - [`runtime::run_thread`] runs one I/O thread on a
//!   [`runtime::Driver`] (io_uring or epoll), serving its
//!   [`runtime::ThreadSockets`] with the [`runtime::IoOptions`].
//! - [`pipeline::decide`] and [`pipeline::apply`] are the identification
//!   pipeline's read pass and write pass, also run by the benchmarks.
//!
//! Not here: the REST API and synchronize (`provd-control`), which this
//! crate does not depend on; rendering and publishing (`provd-compiler`),
//! which it calls for a phone seen for the first time; socket binding and
//! the descriptor budget (`provd-net`); protocol parsing (`provd-proto`).

mod body;
pub mod http;
pub mod limits;
pub mod pending;
pub mod pipeline;
pub mod runtime;
pub mod scanners;
pub mod seclog;
mod security;
pub mod serve;
pub mod shared_address;
pub mod snapshot;
pub mod tftp;
pub mod tls;
pub mod writer;

#[cfg(test)]
mod test_alloc;
