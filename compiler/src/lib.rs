//! provd's compile stage: renders the files of every affected device in
//! parallel and publishes them as one atomic generation of the store.
//!
//! Three layers, each built on the one before:
//!
//! * the render library ([`render`]): one device's files, or one plugin's
//!   shared files, from the plugin's templates and the device's flattened
//!   config. Pure work with no store access, so a compile runs it on every
//!   core, and tools and benchmarks call it directly;
//! * a compile ([`compile`]): the devices of a [`compile::Scope`] rendered
//!   on every core while one writer thread stores the results in a single
//!   LMDB write transaction, which is committed as the next generation or,
//!   when a device failed and the compile does not keep going, aborted;
//! * the one publish entry point, [`publish::Publisher`]: whoever compiles
//!   in a process (`provd-compile`, the REST API, the server's writer and
//!   its start-up) goes through it, so compiles run one at a time, see a
//!   whole plugin set, and tell the server's I/O threads of each new
//!   generation.
//!
//! Besides: [`import`] migrates a wazo-provd `jsondb` directory into the
//! store, and [`allocator`] tunes mimalloc for a compile process. The
//! `provd-compile` binary (`compiler/src/main.rs`) is the command line over
//! all of this.
//!
//! What it is not: no HTTP or TFTP (`provd-dataplane` serves what it
//! publishes), no REST API (`provd-control` asks it to publish), no storage
//! format (`provd-store`), no vendor's rules (`provd-families` says which
//! files a device has and from what values; this crate renders them).
//!
//! Main types: [`publish::Publisher`], [`compile::Options`] and
//! [`compile::Scope`] (what a compile does), [`compile::Report`] (what it
//! did) and [`compile::CompileError`] (why it could not run);
//! [`render::Renderer`] with [`render::DeviceRender`] and
//! [`render::RenderedFile`]; [`render::templates::Templates`], one plugin's
//! template environment.

pub mod allocator;
pub mod compile;
pub mod group;
pub mod import;
mod plugin_watch;
pub mod publish;
pub mod render;
