//! HTTP/1.1: the protocol core and its I/O loop.

pub mod io;
pub mod proto;
