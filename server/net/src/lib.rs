//! What provd's listeners share, whichever plane they serve: sockets bound
//! the way provd binds them, the process's descriptor budget with its
//! per-address shares, the pause-and-retry of failed accepts, and the
//! helpers their counters use to show in `/metrics`.
//!
//! The main types:
//! - [`sockets::tcp_listeners`] and [`sockets::udp_sockets`] bind one
//!   socket per I/O thread on an address, refusing a port another process
//!   holds ([`sockets::BindError`]); [`sockets::transfer_socket`] opens a
//!   TFTP transfer's own socket.
//! - [`descriptors::Budget`] splits `RLIMIT_NOFILE` (see
//!   [`descriptors::raise_fd_limit`]) into [`descriptors::Pool`]s, whose
//!   [`descriptors::Slot`]s a connection or transfer holds for its life;
//!   [`descriptors::AcceptErrors`] paces a listener whose accepts fail.
//! - [`metrics::WriteMetrics`] is what a part of the server implements to
//!   show its counters, in the [`metrics::Text`] that
//!   [`metrics::Registry::encode`] returns for `GET /metrics`.
//!
//! Not here: any protocol (`provd-proto`), any request handling
//! (`provd-dataplane`, `provd-control`), any runtime: this crate binds
//! sockets and counts descriptors, and never accepts, reads or spawns.

pub mod descriptors;
pub mod metrics;
pub mod sockets;
