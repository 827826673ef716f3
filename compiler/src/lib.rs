//! provd's compile stage: renders the files of every affected device in
//! parallel and publishes them as one atomic generation of the store.

pub mod allocator;
pub mod compile;
pub mod import;
pub mod publish;
pub mod render;
