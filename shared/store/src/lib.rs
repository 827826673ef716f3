//! provd's store: the LMDB environment under a data directory, and the data
//! directory itself with its bundled plugins.

pub mod data;
mod store;

pub use store::*;
