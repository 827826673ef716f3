//! Shared pieces of the benchmark drivers.

pub mod fleet;
pub mod rest_writes;
