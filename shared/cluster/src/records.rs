//! The change log and the current records: how a node writes its records
//! ([`put_records`]) and reads the others' ([`fetch`]).

use provd_store::SourceKey;

use crate::ClusterError;
use crate::schema::CHANNEL;

/// Changes read at once by [`fetch`].
pub const BATCH: i64 = 2_000;

/// One row of `provd_changes`.
pub struct Change {
    /// Its sequence number.
    pub seq: u64,
    /// None: a kind this version does not know (a newer provd's), skipped.
    pub key: Option<SourceKey>,
    /// The record's document (none: deleted).
    pub doc: Option<Vec<u8>>,
}

/// A source record as the database stores it (none: deleted).
pub type Record = (SourceKey, Option<Vec<u8>>);

/// Writes `records` (none: deleted) as the current records and as changes
/// from `origin`, announces them, and returns the last sequence. The
/// caller holds the write lock in `tx`.
pub fn put_records(tx: &mut postgres::Transaction<'_>, origin: &str, records: &[Record]) -> Result<u64, ClusterError> {
    let mut last = 0;
    for chunk in records.chunks(5_000) {
        let n = chunk.len() as i64;
        let top: i64 = tx.query_one("UPDATE provd_change_counter SET last = last + $1 RETURNING last", &[&n])?.get(0);
        let seqs: Vec<i64> = (top - n + 1..=top).collect();
        let (mut kinds, mut ids, mut docs, mut texts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let (mut put, mut gone) = ((Vec::new(), Vec::new(), Vec::new(), Vec::new()), (Vec::new(), Vec::new()));
        for ((key, doc), seq) in chunk.iter().zip(&seqs) {
            kinds.push(key.kind());
            ids.push(key.id());
            docs.push(doc.as_deref());
            match doc {
                Some(d) => {
                    let text = std::str::from_utf8(d).map_err(|e| ClusterError::Record {
                        kind: key.kind().into(),
                        id: key.id().into(),
                        why: format!("not UTF-8: {e}"),
                    })?;
                    texts.push(text);
                    put.0.push(key.kind());
                    put.1.push(key.id());
                    put.3.push(*seq);
                }
                None => {
                    gone.0.push(key.kind());
                    gone.1.push(key.id());
                }
            }
            last = *seq as u64;
        }
        put.2 = texts;
        tx.execute(
            "INSERT INTO provd_records (kind, id, doc, seq)
             SELECT k, i, d::json, s FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[]) AS t(k, i, d, s)
             ON CONFLICT (kind, id) DO UPDATE SET doc = EXCLUDED.doc, seq = EXCLUDED.seq",
            &[&put.0, &put.1, &put.2, &put.3],
        )?;
        tx.execute(
            "DELETE FROM provd_records r USING unnest($1::text[], $2::text[]) AS t(k, i) WHERE r.kind = t.k AND r.id = t.i",
            &[&gone.0, &gone.1],
        )?;
        // A deleted device no longer holds its MAC against other nodes'
        // creations.
        let gone_devices: Vec<&str> =
            gone.0.iter().zip(&gone.1).filter(|(k, _)| **k == "device").map(|(_, i)| *i).collect();
        if !gone_devices.is_empty() {
            tx.execute("DELETE FROM provd_auto_created WHERE device_id = ANY($1)", &[&gone_devices])?;
        }
        tx.execute(
            "INSERT INTO provd_changes (seq, kind, id, doc, origin)
             SELECT s, k, i, d, $5 FROM unnest($1::int8[], $2::text[], $3::text[], $4::bytea[]) AS t(s, k, i, d)",
            &[&seqs, &kinds, &ids, &docs, &origin],
        )?;
    }
    if last > 0 {
        tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &last.to_string()])?;
    }
    Ok(last)
}

/// Changes the log should hold and does not: numbers are given without
/// gaps (see the schema's version 3), so a missing one was deleted (the log
/// pruned, or edited by hand).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the change log has a gap: after change {after} comes {next} (changes {} to {} are missing from provd_changes)", after + 1, next - 1)]
pub struct Gap {
    /// The last change before the gap.
    pub after: u64,
    /// The first change after it.
    pub next: u64,
}

/// Checks that `changes` follow `after` without a gap.
pub fn contiguous(after: u64, changes: &[Change]) -> Result<(), Gap> {
    let mut at = after;
    for c in changes {
        if c.seq != at + 1 {
            return Err(Gap { after: at, next: c.seq });
        }
        at = c.seq;
    }
    Ok(())
}

/// The changes after `after`, in sequence order, at most [`BATCH`].
pub fn fetch(client: &mut postgres::Client, after: u64) -> Result<Vec<Change>, ClusterError> {
    let rows = client.query(
        "SELECT seq, kind, id, doc FROM provd_changes WHERE seq > $1 ORDER BY seq LIMIT $2",
        &[&(after as i64), &BATCH],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let (kind, id): (String, String) = (r.get(1), r.get(2));
        let seq = r.get::<_, i64>(0) as u64;
        // A kind this version does not know is a newer provd's: skipped,
        // its sequence still passed.
        let key = SourceKey::from_parts(&kind, &id);
        if key.is_none() {
            log::warn!("cluster: change {seq} is of kind {kind:?}, unknown to this provd: skipped");
        }
        out.push(Change { seq, key, doc: r.get(3) });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(seqs: &[u64]) -> Vec<Change> {
        seqs.iter().map(|&seq| Change { seq, key: None, doc: None }).collect()
    }

    #[test]
    fn a_missing_change_is_a_gap() {
        assert_eq!(contiguous(4, &changes(&[5, 6, 7])), Ok(()));
        assert_eq!(contiguous(4, &[]), Ok(()));
        assert_eq!(contiguous(4, &changes(&[6, 7])), Err(Gap { after: 4, next: 6 }));
        let gap = contiguous(0, &changes(&[1, 2, 5])).unwrap_err();
        assert_eq!(gap, Gap { after: 2, next: 5 });
        assert!(gap.to_string().contains("changes 3 to 4 are missing"), "{gap}");
    }
}
