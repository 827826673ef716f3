//! HTTP/1.1: the protocol core (`provd-proto`) and its I/O loop.

pub mod io;
pub use provd_proto::http as proto;
