//! Shared pieces of the benchmark drivers.

pub mod fleet;
