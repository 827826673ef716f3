//! provd's store: the LMDB environment under a data directory that holds
//! every device, every config and every file provd serves, and the data
//! directory itself with its bundled plugins.
//!
//! # What it is
//!
//! - The **schema**: which named databases exist, how each key and value is
//!   laid out, and the device indexes kept in step with the devices
//!   (`docs/decisions/0002-store-layout.md`; `tests/on_disk_format.rs`
//!   pins the bytes).
//! - The **record codecs**: one heed `BytesEncode`/`BytesDecode` type per
//!   record kind. The records the request path reads decode as views
//!   borrowed from the LMDB page ([`Route`], [`RenderRecord`]); a record
//!   that does not fit its layout is [`StoreError::Corrupt`], never a
//!   silent miss or a panic.
//! - **Generations**: a publish is one write transaction; a reader sees one
//!   whole generation for as long as it holds its [`ReadTxn`].
//! - The **data directory** ([`data`]): the store, the installed plugins,
//!   and what a fresh directory is bootstrapped with.
//!
//! # What it is not
//!
//! It does not render templates or decide what to serve (the compiler and
//! the data plane do), does no networking, and does not validate documents
//! against the API's JSON schemas: it stores the devices and configs it is
//! given, as JSON, and hands back bytes.
//!
//! # Main types
//!
//! - [`Store`]: opens the environment; reads and writes devices, configs,
//!   their indexes ([`Index`]), render records, meta, and served files.
//! - [`Route`]: a served file's record (blob, length, date, hash, owner),
//!   borrowed; [`Store::content`] gives its bytes.
//! - [`FileWriter`]: writes served files in a write transaction, with
//!   content addressing and reference counts.
//! - [`Owner`]: who a served file belongs to (a device or a plugin).
//! - [`data::DataDir`]: a data directory, opened and bootstrapped.
//! - [`SourceKey`], [`Noted`]: the journal of source records written here
//!   and not yet handed on to a cluster's source of truth (off unless
//!   [`Store::start_journal`]).

mod codec;
pub mod data;
mod error;
mod files;
mod journal;
mod schema;
mod store;

pub use codec::{CurrentRoute, Owner, OwnerRef, RenderRecord, Route, SEALED_DIR, route_key, sealed_route_key};
pub use error::{Result, StoreError};
pub use files::{FileWriter, RouteChange};
pub use heed::Error as LmdbError;
pub use journal::{Noted, SourceKey};
pub use schema::Index;
pub use store::Store;

/// Read transaction. `Send`, so it may be kept by a connection task.
pub type ReadTxn<'e> = heed::RoTxn<'e, heed::WithoutTls>;

/// The write transaction.
pub type WriteTxn<'e> = heed::RwTxn<'e>;

/// What reading functions take: a [`ReadTxn`] or a [`WriteTxn`] (both
/// dereference to it), so that a write sees its own changes.
pub type RoTxn<'e> = heed::RoTxn<'e>;
