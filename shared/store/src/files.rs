//! Served files: routes (what is served at a key, for whom) and blobs
//! (their bytes, stored once per distinct content, reference counted).
//! Reading is [`Store::route`] then [`Store::content`]; writing is a
//! [`FileWriter`] inside a write transaction.

use heed::{PutFlags, RoTxn, RwTxn};

use crate::Store;
use crate::codec::{BlobRef, CurrentRoute, Owner, Route, RouteBuf};
use crate::error::{Result, corrupt, reading};
use crate::schema::{BLOB_INDEX, BLOBS, META_NEXT_BLOB, ROUTES, ROUTES_BY_OWNER};

/// What writing a route did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteChange {
    /// The same bytes were already served there for the same owner.
    Unchanged,
    /// Nothing was served there.
    Created,
    /// Other bytes, or the same for another owner, were served there.
    Updated,
}

/// How a content hash is shown in an error.
struct Hex<'a>(&'a [u8]);

impl std::fmt::Display for Hex<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl Store {
    /// The file served at `key` (see [`route_key`](crate::route_key)),
    /// borrowed from the transaction.
    pub fn route<'t>(&self, txn: &'t RoTxn<'_>, key: &str) -> Result<Option<Route<'t>>> {
        self.db.routes.get(txn, key).map_err(reading(ROUTES, key))
    }

    /// The bytes of a route, straight from the memory map.
    pub fn content<'t>(&self, txn: &'t RoTxn<'_>, route: &Route<'_>) -> Result<&'t [u8]> {
        let id = route.blob_id();
        self.db.blobs.get(txn, &id.to_be_bytes())?.ok_or_else(|| corrupt(BLOBS, &id, "missing"))
    }

    /// Every route whose key starts with `prefix` (all of them for an
    /// empty one), with its record, in key order.
    pub fn routes<'t>(
        &self,
        txn: &'t RoTxn<'_>,
        prefix: &str,
    ) -> Result<impl Iterator<Item = Result<(&'t str, Route<'t>)>> + 't> {
        let db = self.db.routes.lazily_decode_data();
        // LMDB refuses an empty key for a range search.
        let iter: Box<dyn Iterator<Item = heed::Result<_>> + 't> =
            if prefix.is_empty() { Box::new(db.iter(txn)?) } else { Box::new(db.prefix_iter(txn, prefix)?) };
        Ok(iter.map(|r| {
            let (k, route) = r.map_err(reading(ROUTES, "(a key that is not UTF-8)"))?;
            Ok((k, route.decode().map_err(|e| corrupt(ROUTES, k, e))?))
        }))
    }

    /// The route keys that belong to `owner`.
    pub fn owned_routes(&self, txn: &RoTxn<'_>, owner: &Owner) -> Result<Vec<String>> {
        let Some(iter) = self.db.routes_by_owner.get_duplicates(txn, owner.key())? else {
            return Ok(Vec::new());
        };
        iter.map(|r| Ok(r.map_err(reading(ROUTES_BY_OWNER, owner.key()))?.1.to_owned())).collect()
    }

    /// Number of distinct blobs (identical outputs are stored once).
    pub fn blob_count(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.blob_index.len(txn)?)
    }

    /// Number of routes.
    pub fn route_count(&self, txn: &RoTxn<'_>) -> Result<u64> {
        Ok(self.db.routes.len(txn)?)
    }

    /// Starts writing files into `w`; see [`FileWriter`].
    pub fn file_writer<'s, 'w, 'e>(&'s self, w: &'w mut RwTxn<'e>, now: i64) -> Result<FileWriter<'s, 'w, 'e>> {
        let next_blob = self.next_blob_id(w)?;
        Ok(FileWriter { store: self, w, now, next_blob, blobs_written: 0, buf: RouteBuf::with_capacity(128) })
    }
}

/// Writes served files inside one write transaction: content addressing,
/// reference counts and the owner index. Dropping it without [`finish`]
/// loses the blob id counter: always call it before committing.
///
/// [`finish`]: FileWriter::finish
pub struct FileWriter<'s, 'w, 'e> {
    store: &'s Store,
    w: &'w mut RwTxn<'e>,
    now: i64,
    next_blob: u64,
    blobs_written: u64,
    /// Route record being written, reused.
    buf: RouteBuf,
}

impl<'e> FileWriter<'_, '_, 'e> {
    /// Serves `bytes` at `key` for `owner`. Bytes already served there are
    /// left alone (same blob, same ETag, same Last-Modified); bytes already
    /// stored for another route are shared.
    pub fn put(&mut self, key: &str, owner: &Owner, bytes: &[u8]) -> Result<RouteChange> {
        let hash: [u8; 32] = *blake3::hash(bytes).as_bytes();
        self.put_hashed(key, owner, bytes, &hash)
    }

    /// As [`put`](Self::put), with the BLAKE3 hash already computed (the
    /// compiler hashes on its rendering threads).
    pub fn put_hashed(&mut self, key: &str, owner: &Owner, bytes: &[u8], hash: &[u8; 32]) -> Result<RouteChange> {
        let current = match self.current(key)? {
            Some(r) if r.hash() == hash && r.owner_key() == owner.key() => return Ok(RouteChange::Unchanged),
            r => r.as_ref().map(Route::as_current),
        };
        self.put_over(key, current, owner, bytes, hash)
    }

    /// As [`put_hashed`](Self::put_hashed), for a caller that has just
    /// read the route at `key` (with [`current`](Self::current)): saves
    /// looking it up again.
    pub fn put_over(
        &mut self,
        key: &str,
        current: Option<CurrentRoute>,
        owner: &Owner,
        bytes: &[u8],
        hash: &[u8; 32],
    ) -> Result<RouteChange> {
        let db = self.store.db;
        let old = match current {
            Some(r) if r.hash == *hash && r.owner_key == owner.key() => return Ok(RouteChange::Unchanged),
            Some(r) => Some((r.hash, r.owner_key, r.modified)),
            None => None,
        };
        let change = if old.is_some() { RouteChange::Updated } else { RouteChange::Created };
        // Acquire before releasing: when only the owner changes, the blob
        // must not reach zero references in between.
        let blob_id = self.acquire(bytes, hash)?;
        let mut modified = self.now;
        if let Some((old_hash, old_owner, old_modified)) = old {
            self.release(&old_hash)?;
            if old_hash == *hash {
                modified = old_modified;
            }
            db.routes_by_owner.delete_one_duplicate(self.w, &old_owner, key)?;
        }
        let record = self.buf.fill(blob_id, bytes.len() as u64, modified, hash, owner);
        db.routes.put(self.w, key, record)?;
        db.routes_by_owner.put(self.w, owner.key(), key)?;
        Ok(change)
    }

    /// Stops serving `key`. Returns whether it was served.
    pub fn remove(&mut self, key: &str) -> Result<bool> {
        let db = self.store.db;
        let Some((hash, owner)) = self.current(key)?.map(|r| (*r.hash(), r.owner_key().to_owned())) else {
            return Ok(false);
        };
        self.release(&hash)?;
        db.routes_by_owner.delete_one_duplicate(self.w, &owner, key)?;
        db.routes.delete(self.w, key)?;
        Ok(true)
    }

    /// The route currently at `key` in this transaction, if any.
    pub fn current(&self, key: &str) -> Result<Option<Route<'_>>> {
        self.store.route(self.w, key)
    }

    /// The store written to.
    pub fn store(&self) -> &Store {
        self.store
    }

    /// The transaction, for writing what is not a file.
    pub fn txn(&mut self) -> &mut RwTxn<'e> {
        self.w
    }

    /// The transaction, for reading.
    pub fn read(&self) -> &RoTxn<'e> {
        self.w
    }

    /// Blobs written so far (new distinct contents).
    pub fn blobs_written(&self) -> u64 {
        self.blobs_written
    }

    fn acquire(&mut self, bytes: &[u8], hash: &[u8; 32]) -> Result<u64> {
        let db = self.store.db;
        let id = self.next_blob;
        // One search of the index, not two: most contents are new.
        let found =
            db.blob_index.get_or_put(self.w, hash, &BlobRef::new(id, 1)).map_err(reading(BLOB_INDEX, &Hex(hash)))?;
        if let Some(rec) = found {
            db.blob_index.put(self.w, hash, &BlobRef::new(rec.id(), rec.refs() + 1))?;
            return Ok(rec.id());
        }
        self.next_blob += 1;
        db.blobs.put_with_flags(self.w, PutFlags::APPEND, &id.to_be_bytes(), bytes)?;
        self.blobs_written += 1;
        Ok(id)
    }

    fn release(&mut self, hash: &[u8; 32]) -> Result<()> {
        let db = self.store.db;
        let Some(rec) = db.blob_index.get(self.w, hash).map_err(reading(BLOB_INDEX, &Hex(hash)))? else {
            return Ok(());
        };
        if rec.refs() <= 1 {
            db.blob_index.delete(self.w, hash)?;
            db.blobs.delete(self.w, &rec.id().to_be_bytes())?;
        } else {
            db.blob_index.put(self.w, hash, &BlobRef::new(rec.id(), rec.refs() - 1))?;
        }
        Ok(())
    }

    /// Saves the blob id counter. Call before committing.
    pub fn finish(self) -> Result<u64> {
        self.store.set_meta_u64(self.w, META_NEXT_BLOB, self.next_blob)?;
        Ok(self.blobs_written)
    }
}
