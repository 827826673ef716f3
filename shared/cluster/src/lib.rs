//! The cluster's PostgreSQL database, as every provd program that uses it
//! sees it: the schema and its migrations ([`schema`]), connections (a
//! small pool, TLS with rustls: [`Pool`]), and the change records nodes
//! write and read ([`records`]), including the custom templates
//! ([`templates`]).
//!
//! # What it is not
//!
//! Not the follower that applies changes to a node's store and renders
//! them (`provd-control`'s `cluster` module), and not a second store: the
//! records are the documents provd's own store holds, handed on as they
//! are. `docs/CLUSTER.md` describes the tables and how a change travels.
//!
//! # Main types
//!
//! - [`Pool`] and [`Conn`]: connections to the database.
//! - [`records::Change`], [`records::Record`]: one row of the change log;
//!   a record as written.
//! - [`ClusterError`]: what went wrong, and whether it is the database
//!   being away ([`ClusterError::is_unavailable`]).

mod pool;
pub mod records;
pub mod schema;
pub mod templates;

use provd_store::StoreError;

pub use pool::{Conn, Pool, with_causes};

/// Why the cluster could not do something.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// The database could not be reached or answered with an error.
    #[error("PostgreSQL: {}", with_causes(.0))]
    Db(#[from] postgres::Error),
    /// The database refused the connection (a role, password or database
    /// name that is wrong).
    #[error("PostgreSQL refused the connection: {0}")]
    Refused(String),
    /// No connection could be had from the pool.
    #[error("PostgreSQL is unavailable: {0}")]
    Unavailable(String),
    /// The database's tables are not what this provd knows.
    #[error("PostgreSQL: {0}")]
    Schema(String),
    /// The node's own store failed.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// Files of this node (the plugins directory) could not be read or
    /// written.
    #[error("{0}")]
    Files(String),
    /// A record of the database could not be read.
    #[error("PostgreSQL: record {kind}/{id}: {why}")]
    Record {
        /// Its kind.
        kind: String,
        /// Its id.
        id: String,
        /// What is wrong with it.
        why: String,
    },
}

impl ClusterError {
    /// Whether the error is the database being away (or going away), as
    /// opposed to a refused statement.
    pub fn is_unavailable(&self) -> bool {
        match self {
            ClusterError::Unavailable(_) => true,
            ClusterError::Db(e) => e.is_closed() || e.as_db_error().is_none(),
            _ => false,
        }
    }
}
