//! The store's errors, and the one place a record that does not decode
//! becomes [`StoreError::Corrupt`].

use std::fmt::Display;

/// What can go wrong opening or using the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// LMDB refused an operation (map full, too many readers, I/O...).
    #[error("store: {0}")]
    Lmdb(#[from] heed::Error),
    /// The store's directory could not be created.
    #[error("store: cannot create {path}: {source}")]
    Dir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A record does not fit its database's layout, or one it refers to is
    /// missing: the store was damaged or written by something else.
    #[error("store: corrupt record {key:?} in {database}: {what}")]
    Corrupt {
        /// The database holding it.
        database: &'static str,
        /// Its key, as text (numbers in decimal).
        key: String,
        /// What is wrong with it.
        what: String,
    },
}

/// The store's result.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Maps a heed error met reading `key` from `database`: a decoding failure
/// (the record does not fit its codec) is [`StoreError::Corrupt`], anything
/// else is LMDB's. The key is formatted only on failure.
pub(crate) fn reading<K: Display + ?Sized>(database: &'static str, key: &K) -> impl FnOnce(heed::Error) -> StoreError {
    move |e| read_error(database, &key, e)
}

// Out of line and cold: the request path reads records through `reading`,
// and only the success path should be in its code.
#[cold]
#[inline(never)]
fn read_error(database: &'static str, key: &dyn Display, e: heed::Error) -> StoreError {
    match e {
        heed::Error::Decoding(why) => corrupt(database, key, why),
        e => StoreError::Lmdb(e),
    }
}

/// A record of `database` at `key` that is not what it should be.
#[cold]
pub(crate) fn corrupt<K: Display + ?Sized>(database: &'static str, key: &K, what: impl Display) -> StoreError {
    StoreError::Corrupt { database, key: key.to_string(), what: what.to_string() }
}
