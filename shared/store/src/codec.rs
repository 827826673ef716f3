//! Record codecs: how each kind of key and value is laid out in its
//! database, as heed [`BytesEncode`]/[`BytesDecode`] implementations.
//!
//! The layouts are fixed: existing data directories must keep opening and
//! serving the same bytes (`tests/on_disk_format.rs` pins them, and
//! `docs/decisions/0002-store-layout.md` describes them).
//!
//! Decoding the records the request path reads ([`Route`],
//! [`RenderRecord`], strings) borrows from the LMDB page: it checks the
//! layout and returns a view, with no copy and no allocation. Encoding the
//! binary records writes into a buffer the writer reuses ([`RouteBuf`],
//! [`RenderRecordBuf`]) or a fixed array, which LMDB then copies into its
//! page. Only the JSON documents allocate both ways.
//!
//! A decode failure is a [`DecodeError`]; heed reports it as
//! `heed::Error::Decoding`, which the store turns into
//! [`StoreError::Corrupt`](crate::StoreError::Corrupt) naming the database
//! and the key (see `error.rs`).

use std::borrow::Cow;
use std::marker::PhantomData;

use heed::{BoxedError, BytesDecode, BytesEncode};

/// Why a record does not fit its layout.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DecodeError {
    /// A binary record of the wrong length or with invalid content.
    #[error("{0}")]
    Layout(&'static str),
    /// A JSON document that does not parse as the expected type.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

#[cold]
#[inline(never)]
fn layout(why: &'static str) -> BoxedError {
    Box::new(DecodeError::Layout(why))
}

// ---- integers ---------------------------------------------------------------

/// A `u64` stored big-endian (8 bytes), so that numbers sort in key order:
/// blob ids and auto-device sequence numbers. Encodes the bytes a caller
/// made with `u64::to_be_bytes`, so the key is borrowed, never allocated.
pub(crate) enum U64Be {}

impl<'a> BytesEncode<'a> for U64Be {
    type EItem = [u8; 8];

    fn bytes_encode(item: &'a [u8; 8]) -> Result<Cow<'a, [u8]>, BoxedError> {
        Ok(Cow::Borrowed(item))
    }
}

impl BytesDecode<'_> for U64Be {
    type DItem = u64;

    fn bytes_decode(bytes: &[u8]) -> Result<u64, BoxedError> {
        let b: [u8; 8] = bytes.try_into().map_err(|_| layout("not an 8-byte integer"))?;
        Ok(u64::from_be_bytes(b))
    }
}

/// A `u64` stored little-endian (8 bytes): the counters in `meta`. Encodes
/// the bytes of `u64::to_le_bytes`.
pub(crate) enum U64Le {}

impl<'a> BytesEncode<'a> for U64Le {
    type EItem = [u8; 8];

    fn bytes_encode(item: &'a [u8; 8]) -> Result<Cow<'a, [u8]>, BoxedError> {
        Ok(Cow::Borrowed(item))
    }
}

impl BytesDecode<'_> for U64Le {
    type DItem = u64;

    fn bytes_decode(bytes: &[u8]) -> Result<u64, BoxedError> {
        let b: [u8; 8] = bytes.try_into().map_err(|_| layout("not an 8-byte integer"))?;
        Ok(u64::from_le_bytes(b))
    }
}

// ---- JSON documents ---------------------------------------------------------

/// A serde document stored as JSON: devices, configs, and the JSON values
/// of `meta`. The request path reads these raw (as `Bytes`) and parses
/// only the fields it needs; this codec is for the control plane and the
/// compiler, which want the whole document.
pub(crate) struct Json<T>(PhantomData<T>);

impl<'a, T: serde::Serialize + 'a> BytesEncode<'a> for Json<T> {
    type EItem = T;

    fn bytes_encode(item: &'a T) -> Result<Cow<'a, [u8]>, BoxedError> {
        Ok(Cow::Owned(serde_json::to_vec(item)?))
    }
}

impl<'a, T: serde::de::DeserializeOwned + 'a> BytesDecode<'a> for Json<T> {
    type DItem = T;

    fn bytes_decode(bytes: &'a [u8]) -> Result<T, BoxedError> {
        serde_json::from_slice(bytes).map_err(|e| Box::new(DecodeError::Json(e)) as BoxedError)
    }
}

// ---- blob index -------------------------------------------------------------

/// A `blob_index` value: the blob's id (u64 BE) and how many routes serve
/// it (u64 LE), 16 bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlobRef {
    raw: [u8; 16],
}

impl BlobRef {
    pub(crate) fn new(id: u64, refs: u64) -> BlobRef {
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&id.to_be_bytes());
        raw[8..].copy_from_slice(&refs.to_le_bytes());
        BlobRef { raw }
    }

    pub(crate) fn id(&self) -> u64 {
        u64::from_be_bytes(self.raw[..8].try_into().unwrap())
    }

    pub(crate) fn refs(&self) -> u64 {
        u64::from_le_bytes(self.raw[8..].try_into().unwrap())
    }
}

/// The codec of [`BlobRef`].
pub(crate) enum BlobRefCodec {}

impl<'a> BytesEncode<'a> for BlobRefCodec {
    type EItem = BlobRef;

    fn bytes_encode(item: &'a BlobRef) -> Result<Cow<'a, [u8]>, BoxedError> {
        Ok(Cow::Borrowed(&item.raw))
    }
}

impl BytesDecode<'_> for BlobRefCodec {
    type DItem = BlobRef;

    fn bytes_decode(bytes: &[u8]) -> Result<BlobRef, BoxedError> {
        let raw = bytes.try_into().map_err(|_| layout("not a 16-byte blob reference"))?;
        Ok(BlobRef { raw })
    }
}

// ---- owners -----------------------------------------------------------------

/// Who a served file belongs to: one device, or a plugin (static and common
/// files). Routes are removed with their owner. Held in its stored form
/// (`d:<device id>`, `p:<plugin id>`) so writing and comparing never allocate.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Owner(String);

/// A borrowed view of an [`Owner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OwnerRef<'a> {
    /// The files rendered for one device: its id.
    Device(&'a str),
    /// A plugin's static and common files: its id.
    Plugin(&'a str),
}

impl Owner {
    /// The owner of the files rendered for device `id`.
    pub fn device(id: &str) -> Owner {
        Owner(format!("d:{id}"))
    }

    /// The owner of plugin `id`'s static and common files.
    pub fn plugin(id: &str) -> Owner {
        Owner(format!("p:{id}"))
    }

    /// The stored form.
    pub fn key(&self) -> &str {
        &self.0
    }

    /// What it is, borrowed.
    pub fn get(&self) -> OwnerRef<'_> {
        OwnerRef::parse(&self.0).expect("built by device() or plugin()")
    }
}

impl<'a> OwnerRef<'a> {
    fn parse(key: &'a str) -> Option<OwnerRef<'a>> {
        match key.split_at_checked(2)? {
            ("d:", id) => Some(OwnerRef::Device(id)),
            ("p:", id) => Some(OwnerRef::Plugin(id)),
            _ => None,
        }
    }

    /// The owned form.
    pub fn to_owned(self) -> Owner {
        match self {
            OwnerRef::Device(id) => Owner::device(id),
            OwnerRef::Plugin(id) => Owner::plugin(id),
        }
    }
}

// ---- routes -----------------------------------------------------------------

/// The store key of a served file: `<plugin id>/<path>`, path relative to
/// the plugin's root without a leading slash.
pub fn route_key(plugin: &str, path: &str) -> String {
    let mut k = String::with_capacity(plugin.len() + 1 + path.len());
    k.push_str(plugin);
    k.push('/');
    k.push_str(path.trim_start_matches('/'));
    k
}

/// Where a device file's encrypted copy is stored, before its path:
/// `<plugin id>/\0sealed/<path>`. No request names it (the data plane
/// never takes a NUL in a path); the data plane looks it up itself.
pub const SEALED_DIR: &str = "\0sealed/";

/// The store key of the encrypted copy of a device's file (see
/// [`SEALED_DIR`]).
pub fn sealed_route_key(plugin: &str, path: &str) -> String {
    let path = path.trim_start_matches('/');
    let mut k = String::with_capacity(plugin.len() + 1 + SEALED_DIR.len() + path.len());
    k.push_str(plugin);
    k.push('/');
    k.push_str(SEALED_DIR);
    k.push_str(path);
    k
}

/// Blob id (8, BE), length (8, LE), modified (8, LE), content hash (32);
/// the owner's stored form follows.
const ROUTE_FIXED: usize = 8 + 8 + 8 + 32;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// A served file as stored: a view over the record's bytes, borrowed from
/// the transaction (no copy, no allocation).
#[derive(Clone, Copy)]
pub struct Route<'t> {
    raw: &'t [u8],
}

impl<'t> Route<'t> {
    /// The id of the blob holding the bytes.
    pub fn blob_id(&self) -> u64 {
        u64::from_be_bytes(self.raw[0..8].try_into().unwrap())
    }

    /// The length of the bytes.
    pub fn len(&self) -> u64 {
        u64::from_le_bytes(self.raw[8..16].try_into().unwrap())
    }

    /// Whether the file is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Unix seconds of the generation that last changed these bytes
    /// (HTTP `Last-Modified`).
    pub fn modified(&self) -> i64 {
        i64::from_le_bytes(self.raw[16..24].try_into().unwrap())
    }

    /// BLAKE3 of the content.
    pub fn hash(&self) -> &'t [u8; 32] {
        self.raw[24..56].try_into().unwrap()
    }

    /// The HTTP entity tag: the first 8 bytes of the content hash in hex,
    /// quoted. Unchanged bytes keep their tag across generations.
    pub fn etag(&self) -> [u8; 18] {
        let mut out = [b'"'; 18];
        for (i, b) in self.hash()[..8].iter().enumerate() {
            out[1 + 2 * i] = HEX[(b >> 4) as usize];
            out[2 + 2 * i] = HEX[(b & 15) as usize];
        }
        out
    }

    /// Who the file belongs to; none if the stored owner is of no known
    /// kind.
    pub fn owner(&self) -> Option<OwnerRef<'t>> {
        OwnerRef::parse(self.owner_key())
    }

    /// The owner in its stored form (compare with [`Owner::key`]).
    pub fn owner_key(&self) -> &'t str {
        // Checked to be UTF-8 when the record was decoded.
        std::str::from_utf8(&self.raw[ROUTE_FIXED..]).unwrap_or_default()
    }

    /// What [`FileWriter::put_over`](crate::FileWriter::put_over) needs of
    /// the route it replaces.
    pub fn as_current(&self) -> CurrentRoute {
        CurrentRoute { hash: *self.hash(), owner_key: self.owner_key().to_owned(), modified: self.modified() }
    }
}

/// A route as read before overwriting it, see
/// [`FileWriter::put_over`](crate::FileWriter::put_over).
#[derive(Debug, Clone)]
pub struct CurrentRoute {
    pub(crate) hash: [u8; 32],
    pub(crate) owner_key: String,
    pub(crate) modified: i64,
}

/// A route record being written, in a buffer reused from one route to the
/// next.
#[derive(Default)]
pub(crate) struct RouteBuf(Vec<u8>);

impl RouteBuf {
    pub(crate) fn with_capacity(n: usize) -> RouteBuf {
        RouteBuf(Vec::with_capacity(n))
    }

    /// Lays out a route record, replacing the previous one.
    pub(crate) fn fill(&mut self, blob_id: u64, len: u64, modified: i64, hash: &[u8; 32], owner: &Owner) -> &RouteBuf {
        let out = &mut self.0;
        out.clear();
        out.extend_from_slice(&blob_id.to_be_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&modified.to_le_bytes());
        out.extend_from_slice(hash);
        out.extend_from_slice(owner.key().as_bytes());
        self
    }
}

/// The codec of a `routes` value: writes a [`RouteBuf`], reads a [`Route`].
pub(crate) enum RouteCodec {}

impl<'a> BytesEncode<'a> for RouteCodec {
    type EItem = RouteBuf;

    fn bytes_encode(item: &'a RouteBuf) -> Result<Cow<'a, [u8]>, BoxedError> {
        Ok(Cow::Borrowed(&item.0))
    }
}

impl<'a> BytesDecode<'a> for RouteCodec {
    type DItem = Route<'a>;

    fn bytes_decode(raw: &'a [u8]) -> Result<Route<'a>, BoxedError> {
        let Some(owner) = raw.get(ROUTE_FIXED..) else {
            return Err(layout("short route record"));
        };
        std::str::from_utf8(owner).map_err(|_| layout("route owner is not UTF-8"))?;
        Ok(Route { raw })
    }
}

// ---- render records ---------------------------------------------------------

/// What a device's files were last rendered from: a fingerprint of every
/// input of the render (device, flattened config, plugin and templates,
/// provd's own code) and the files it produced. A compile that finds the
/// same fingerprint, and the store still serving exactly those files, need
/// not render the device again.
///
/// A view over the record's bytes: the fingerprint (32), then for each
/// file its content hash (32), its key's length (u32 LE) and the key.
#[derive(Clone, Copy)]
pub struct RenderRecord<'t> {
    raw: &'t [u8],
}

impl<'t> RenderRecord<'t> {
    /// The fingerprint of the render's inputs.
    pub fn fingerprint(&self) -> &'t [u8; 32] {
        self.raw[..32].try_into().unwrap()
    }

    fn try_files(&self) -> impl Iterator<Item = Option<(&'t str, &'t [u8; 32])>> + 't {
        let mut rest = &self.raw[32..];
        std::iter::from_fn(move || {
            if rest.is_empty() {
                return None;
            }
            let Some((hash, tail)) = rest.split_first_chunk::<32>() else {
                rest = &[];
                return Some(None);
            };
            let Some((len, tail)) = tail.split_first_chunk::<4>() else {
                rest = &[];
                return Some(None);
            };
            let len = u32::from_le_bytes(*len) as usize;
            let Some(key) = tail.get(..len).and_then(|k| std::str::from_utf8(k).ok()) else {
                rest = &[];
                return Some(None);
            };
            rest = &tail[len..];
            Some(Some((key, hash)))
        })
    }

    /// The files rendered: (route key, content hash).
    pub fn files(&self) -> impl Iterator<Item = (&'t str, &'t [u8; 32])> + 't {
        // Checked when the record was decoded.
        self.try_files().map(Option::unwrap)
    }
}

/// A render record being written, in a reused buffer.
#[derive(Default)]
pub(crate) struct RenderRecordBuf(Vec<u8>);

impl RenderRecordBuf {
    /// Lays out the record of a render from inputs `fingerprint` into
    /// `files` (route key, content hash).
    pub(crate) fn fill<'k>(
        &mut self,
        fingerprint: &[u8; 32],
        files: impl IntoIterator<Item = (&'k str, &'k [u8; 32])>,
    ) -> &RenderRecordBuf {
        let buf = &mut self.0;
        buf.clear();
        buf.extend_from_slice(fingerprint);
        for (key, hash) in files {
            buf.extend_from_slice(hash);
            buf.extend_from_slice(&(key.len() as u32).to_le_bytes());
            buf.extend_from_slice(key.as_bytes());
        }
        self
    }
}

/// The codec of a `render_records` value: writes a [`RenderRecordBuf`],
/// reads a [`RenderRecord`] whose every file entry was checked.
pub(crate) enum RenderRecordCodec {}

impl<'a> BytesEncode<'a> for RenderRecordCodec {
    type EItem = RenderRecordBuf;

    fn bytes_encode(item: &'a RenderRecordBuf) -> Result<Cow<'a, [u8]>, BoxedError> {
        Ok(Cow::Borrowed(&item.0))
    }
}

impl<'a> BytesDecode<'a> for RenderRecordCodec {
    type DItem = RenderRecord<'a>;

    fn bytes_decode(raw: &'a [u8]) -> Result<RenderRecord<'a>, BoxedError> {
        if raw.len() < 32 {
            return Err(layout("short render record"));
        }
        let rec = RenderRecord { raw };
        if !rec.try_files().all(|f| f.is_some()) {
            return Err(layout("truncated file entry in render record"));
        }
        Ok(rec)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_round_trip_and_short_ones_are_refused() {
        let mut buf = RouteBuf::default();
        let enc = RouteCodec::bytes_encode(buf.fill(3, 4, -5, &[6; 32], &Owner::plugin("p"))).unwrap().into_owned();
        let r = RouteCodec::bytes_decode(&enc).unwrap();
        assert_eq!(
            (r.blob_id(), r.len(), r.modified(), r.hash(), r.owner()),
            (3, 4, -5, &[6; 32], Some(OwnerRef::Plugin("p")))
        );
        assert!(RouteCodec::bytes_decode(&enc[..ROUTE_FIXED - 1]).is_err());
        let mut bad = enc[..ROUTE_FIXED].to_vec();
        bad.push(0xff);
        assert!(RouteCodec::bytes_decode(&bad).is_err());
    }

    #[test]
    fn render_records_round_trip_and_truncated_ones_are_refused() {
        let mut buf = RenderRecordBuf::default();
        let files = [("p/a", &[1; 32]), ("p/bb", &[2; 32])];
        let enc = RenderRecordCodec::bytes_encode(buf.fill(&[9; 32], files)).unwrap().into_owned();
        let r = RenderRecordCodec::bytes_decode(&enc).unwrap();
        assert_eq!(r.fingerprint(), &[9; 32]);
        assert_eq!(r.files().collect::<Vec<_>>(), files);
        for cut in [0, 31, 33, enc.len() - 1] {
            assert!(RenderRecordCodec::bytes_decode(&enc[..cut]).is_err(), "{cut}");
        }
    }

    #[test]
    fn integers_have_their_byte_order() {
        assert_eq!(U64Be::bytes_decode(&[0, 0, 0, 0, 0, 0, 1, 2]).unwrap(), 258);
        assert_eq!(U64Le::bytes_decode(&[2, 1, 0, 0, 0, 0, 0, 0]).unwrap(), 258);
        assert!(U64Le::bytes_decode(&[1]).is_err());
        let b = BlobRef::new(5, 2);
        assert_eq!(BlobRefCodec::bytes_encode(&b).unwrap()[..], [0, 0, 0, 0, 0, 0, 0, 5, 2, 0, 0, 0, 0, 0, 0, 0]);
        let d = BlobRefCodec::bytes_decode(&b.raw).unwrap();
        assert_eq!((d.id(), d.refs()), (5, 2));
    }
}
