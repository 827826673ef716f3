//! TFTP: the protocol core (`provd-proto`) and its I/O loop.

pub mod io;
pub use provd_proto::tftp as proto;
