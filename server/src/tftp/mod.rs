//! TFTP: the protocol core and its I/O loop.

pub mod io;
pub mod proto;
