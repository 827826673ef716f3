//! The cluster's tables in PostgreSQL, and their migrations
//! (`docs/CLUSTER.md` describes each table for operators).
//!
//! Versions are applied in order at start, each in its own transaction,
//! under a session advisory lock: two nodes starting at once never migrate
//! together, and the second finds the work done. A database migrated by a
//! newer provd is refused rather than written with an older layout.

use crate::ClusterError;

/// Advisory lock keys (one 64-bit namespace per database; these spell
/// "provdmig" and "provdwri" in ASCII). Held while migrating.
pub const LOCK_MIGRATE: i64 = 0x7072_6f76_646d_6967;
/// Taken by every transaction that writes changes: sequence numbers then
/// commit in order.
pub const LOCK_WRITE: i64 = 0x7072_6f76_6477_7269;

/// The channel every committed change is announced on.
pub const CHANNEL: &str = "provd_changes";

/// Version → what it does. Never edit a released version: add one.
const MIGRATIONS: &[(i32, &str)] = &[
    (
        1,
        "CREATE TABLE provd_cluster (
         id text PRIMARY KEY,
         created timestamptz NOT NULL DEFAULT now()
     );
     CREATE SEQUENCE provd_change_seq;
     CREATE TABLE provd_records (
         kind text NOT NULL,
         id text NOT NULL,
         doc json NOT NULL,
         seq bigint NOT NULL,
         PRIMARY KEY (kind, id)
     );
     CREATE TABLE provd_changes (
         seq bigint PRIMARY KEY,
         kind text NOT NULL,
         id text NOT NULL,
         doc bytea,
         origin text NOT NULL,
         at timestamptz NOT NULL DEFAULT now()
     );
     CREATE TABLE provd_auto_created (
         mac text PRIMARY KEY,
         device_id text NOT NULL
     );
     CREATE TABLE provd_nodes (
         name text PRIMARY KEY,
         applied bigint NOT NULL,
         updated timestamptz NOT NULL
     );",
    ),
    (
        2,
        "CREATE TABLE provd_plugin_packages (
         sha1 text PRIMARY KEY,
         filename text NOT NULL,
         content bytea NOT NULL,
         added timestamptz NOT NULL DEFAULT now()
     );",
    ),
    (
        3,
        // Sequence numbers without gaps: a counter updated under the write
        // lock is rolled back with its transaction (a sequence is not), so
        // a missing number is a missing change, and can be told.
        "CREATE TABLE provd_change_counter (last bigint NOT NULL);
         INSERT INTO provd_change_counter SELECT coalesce(max(seq), 0) FROM provd_changes;
         DROP SEQUENCE provd_change_seq;",
    ),
    (
        4,
        // Which claims a phone made (the device a node created for it), and
        // which an administrator's device made: the latter wins the MAC.
        "ALTER TABLE provd_auto_created ADD COLUMN auto boolean NOT NULL DEFAULT true;",
    ),
];

/// The schema version this provd writes.
pub fn latest() -> i32 {
    MIGRATIONS.last().map_or(0, |m| m.0)
}

/// Brings the database to [`latest`]; returns the versions applied.
pub fn migrate(client: &mut postgres::Client) -> Result<Vec<i32>, ClusterError> {
    client.execute("SELECT pg_advisory_lock($1)", &[&LOCK_MIGRATE])?;
    let result = apply(client);
    // Released on disconnect too; unlocking here lets a pooled connection
    // be reused.
    let unlock = client.execute("SELECT pg_advisory_unlock($1)", &[&LOCK_MIGRATE]);
    let applied = result?;
    unlock?;
    Ok(applied)
}

fn apply(client: &mut postgres::Client) -> Result<Vec<i32>, ClusterError> {
    client.batch_execute(
        "CREATE TABLE IF NOT EXISTS provd_schema (
             version integer PRIMARY KEY,
             applied timestamptz NOT NULL DEFAULT now()
         )",
    )?;
    let current = version(client)?;
    if current > latest() {
        return Err(ClusterError::Schema(format!(
            "the database's provd schema is version {current}, newer than this provd's {}: upgrade provd",
            latest()
        )));
    }
    let mut applied = Vec::new();
    for (v, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let mut tx = client.transaction()?;
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO provd_schema (version) VALUES ($1)", &[v])?;
        tx.commit()?;
        log::info!("PostgreSQL: provd schema migrated to version {v}");
        applied.push(*v);
    }
    Ok(applied)
}

/// The schema version the database is at (0: none).
pub fn version(client: &mut postgres::Client) -> Result<i32, ClusterError> {
    Ok(client.query_one("SELECT coalesce(max(version), 0) FROM provd_schema", &[])?.get(0))
}
