//! Pins the on-disk format of the store: every record kind is written
//! through the public API, then every database is read back raw, bypassing
//! the store's codecs, and compared with the bytes written out below. A
//! change to a key or a value layout fails here; existing data directories
//! must keep opening and serving the same bytes.
//!
//! `docs/decisions/0002-store-layout.md` describes the same layout in prose.

use heed::types::Bytes;
use heed::{CommitOrAbort, Database};
use provd_core::config::Config;
use provd_core::device::Device;
use provd_core::mac::Mac;
use provd_store::{Index, Owner, OwnerRef, Store, StoreError};

/// Every named database, in name order (as LMDB lists them in its main
/// database).
const DATABASES: [&str; 18] = [
    "auto_devices",
    "blob_index",
    "blobs",
    "config_children",
    "configs",
    "device_by_config",
    "device_by_ip",
    "device_by_mac",
    "device_by_plugin",
    "device_by_sn",
    "device_by_uuid",
    "devices",
    "journal",
    "line1_usernames",
    "meta",
    "render_records",
    "routes",
    "routes_by_owner",
];

/// `mdb_dump -p` style: printable ASCII as is (backslash doubled), any
/// other byte as `\xx`.
fn printable(bytes: &[u8]) -> String {
    let mut out = String::new();
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\{b:02x}")),
        }
    }
    out
}

type Raw = Database<'static, Bytes, Bytes>;

/// The main database and every named one, untyped.
fn raw_databases(store: &Store) -> (Raw, [Raw; 18]) {
    let env = store.env();
    env.open_databases_and_commit(env.read_txn().unwrap(), |o, r| -> Result<_, heed::Error> {
        let main = o.open_database::<Bytes, Bytes>(r, None)?.unwrap();
        let mut dbs = Vec::new();
        for name in DATABASES {
            dbs.push(o.open_database::<Bytes, Bytes>(r, Some(name))?.expect(name));
        }
        let dbs: [_; 18] = dbs.try_into().ok().unwrap();
        Ok(CommitOrAbort::<_, ()>::Commit((main, dbs)))
    })
    .unwrap()
    .unwrap_commit()
}

fn raw(store: &Store, name: &str) -> Raw {
    raw_databases(store).1[DATABASES.iter().position(|n| *n == name).unwrap()]
}

/// Every record of every database, one `database key => value` line each,
/// in database then key (then duplicate) order.
fn dump(store: &Store) -> String {
    let (main, dbs) = raw_databases(store);
    let r = store.env().read_txn().unwrap();
    let names: Vec<String> =
        main.iter(&r).unwrap().map(|e| String::from_utf8(e.unwrap().0.to_vec()).unwrap()).collect();
    assert_eq!(names, DATABASES, "the named databases");
    let mut out = String::new();
    for (name, db) in DATABASES.iter().zip(dbs) {
        for e in db.iter(&r).unwrap() {
            let (k, v) = e.unwrap();
            out.push_str(&format!("{name} {} => {}\n", printable(k), printable(v)));
        }
    }
    out
}

fn device() -> Device {
    Device {
        id: "d1".into(),
        mac: Some(Mac::parse("00:15:65:AB:CD:EF").unwrap()),
        ip: Some("127.0.0.9".into()),
        sn: Some("SN1".into()),
        uuid: Some("9b2f2f4e-4d51-4a41-9d3c-2bb6b1d8c0a1".into()),
        vendor: Some("Yealink".into()),
        plugin: Some("p1".into()),
        config: Some("c1".into()),
        configured: true,
        ..Default::default()
    }
}

fn config(id: &str, raw: serde_json::Value) -> Config {
    serde_json::from_value(serde_json::json!({"id": id, "parent_ids": ["base"], "raw_config": raw})).unwrap()
}

/// Writes one of every record kind.
fn fill(s: &Store) {
    let mut w = s.write_txn().unwrap();
    s.put_device(&mut w, &device()).unwrap();
    // Shares an IP with d1: the index holds both ids under one key.
    s.put_device(&mut w, &Device { id: "d0".into(), ip: Some("127.0.0.9".into()), ..Default::default() }).unwrap();
    s.put_config(&mut w, &config("c1", serde_json::json!({"sip_lines": {"1": {"username": "u1001"}}}))).unwrap();
    s.put_config(&mut w, &config("c2", serde_json::json!({"locale": "fr_FR"}))).unwrap();
    let mut base = provd_core::Map::new();
    base.insert("ip".into(), "127.0.0.1".into());
    base.insert("http_port".into(), 8667.into());
    s.set_base_raw_config(&mut w, &base).unwrap();
    // Cluster mode from here on: the writes below are noted.
    s.start_journal(100);
    let mut params = provd_core::Map::new();
    params.insert("NAT".into(), "1".into());
    s.set_params(&mut w, &params).unwrap();
    s.push_auto_device(&mut w, "d0").unwrap();
    s.push_auto_device(&mut w, "d1").unwrap();
    s.set_cluster_position(&mut w, "9d1c", 5).unwrap();

    let mut fw = s.file_writer(&mut w, 1_700_000_000).unwrap();
    fw.put("p1/d1.cfg", &Owner::device("d1"), b"same").unwrap();
    fw.put("p1/d0.cfg", &Owner::device("d0"), b"same").unwrap();
    fw.put("p1/common.cfg", &Owner::plugin("p1"), b"common\n").unwrap();
    fw.finish().unwrap();

    let same = *blake3::hash(b"same").as_bytes();
    s.put_render_record(&mut w, "d1", &[7; 32], [("p1/d1.cfg", &same)]).unwrap();
    s.put_render_record(&mut w, "d0", &[9; 32], []).unwrap();
    s.bump_generation(&mut w).unwrap();
    s.bump_generation(&mut w).unwrap();
    w.commit().unwrap();
}

/// The store as [`fill`] leaves it, byte for byte. `{same}` and `{common}`
/// stand for the BLAKE3 hashes of the two contents.
fn expected() -> String {
    EXPECTED
        .replace("{same}", &printable(blake3::hash(b"same").as_bytes()))
        .replace("{common}", &printable(blake3::hash(b"common\n").as_bytes()))
}

const EXPECTED: &str = concat!(
    // creation sequence (u64 BE) => device id
    "auto_devices \\00\\00\\00\\00\\00\\00\\00\\00 => d0\n",
    "auto_devices \\00\\00\\00\\00\\00\\00\\00\\01 => d1\n",
    // content hash => blob id (u64 BE) + reference count (u64 LE)
    "blob_index {common} => \\00\\00\\00\\00\\00\\00\\00\\02\\01\\00\\00\\00\\00\\00\\00\\00\n",
    "blob_index {same} => \\00\\00\\00\\00\\00\\00\\00\\01\\02\\00\\00\\00\\00\\00\\00\\00\n",
    // blob id (u64 BE) => the bytes served
    "blobs \\00\\00\\00\\00\\00\\00\\00\\01 => same\n",
    "blobs \\00\\00\\00\\00\\00\\00\\00\\02 => common\\0a\n",
    // parent config id => child config id, duplicates sorted
    "config_children base => c1\n",
    "config_children base => c2\n",
    // config id => JSON document
    r#"configs c1 => {"id":"c1","parent_ids":["base"],"raw_config":{"sip_lines":{"1":{"username":"u1001"}}}}"#,
    "\n",
    r#"configs c2 => {"id":"c2","parent_ids":["base"],"raw_config":{"locale":"fr_FR"}}"#,
    "\n",
    // field value => device id, duplicates sorted
    "device_by_config c1 => d1\n",
    "device_by_ip 127.0.0.9 => d0\n",
    "device_by_ip 127.0.0.9 => d1\n",
    "device_by_mac 00:15:65:ab:cd:ef => d1\n",
    "device_by_plugin p1 => d1\n",
    "device_by_sn SN1 => d1\n",
    "device_by_uuid 9b2f2f4e-4d51-4a41-9d3c-2bb6b1d8c0a1 => d1\n",
    // device id => JSON document
    r#"devices d0 => {"id":"d0","ip":"127.0.0.9","configured":false}"#,
    "\n",
    r#"devices d1 => {"id":"d1","mac":"00:15:65:ab:cd:ef","ip":"127.0.0.9","sn":"SN1","#,
    r#""uuid":"9b2f2f4e-4d51-4a41-9d3c-2bb6b1d8c0a1","vendor":"Yealink","plugin":"p1","config":"c1","#,
    r#""configured":true}"#,
    "\n",
    // `<kind>/<id>` of a source record not handed on yet => `auto` for a
    // device the server created, else empty
    "journal device/d0 => auto\n",
    "journal device/d1 => auto\n",
    "journal params/params => \n",
    // config id => line 1's username, when a string
    "line1_usernames c1 => u1001\n",
    // name => JSON, u64 LE, or the marker `1`
    r#"meta base_raw_config => {"ip":"127.0.0.1","http_port":8667}"#,
    "\n",
    "meta cluster => 9d1c\n",
    "meta cluster_applied => \\05\\00\\00\\00\\00\\00\\00\\00\n",
    "meta config_children_built => 1\n",
    "meta generation => \\02\\00\\00\\00\\00\\00\\00\\00\n",
    "meta line1_usernames_built => 1\n",
    "meta next_auto_seq => \\02\\00\\00\\00\\00\\00\\00\\00\n",
    "meta next_blob_id => \\03\\00\\00\\00\\00\\00\\00\\00\n",
    r#"meta params => {"NAT":"1"}"#,
    "\n",
    // device id => fingerprint (32), then per file: content hash (32),
    // key length (u32 LE), key
    "render_records d0 => \\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09",
    "\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\\09\n",
    "render_records d1 => \\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07",
    "\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07\\07",
    "{same}\\09\\00\\00\\00p1/d1.cfg\n",
    // `<plugin>/<path>` => blob id (u64 BE), length (u64 LE), modified
    // (i64 LE, unix seconds), content hash (32), owner (`d:<device>` or
    // `p:<plugin>`)
    "routes p1/common.cfg => \\00\\00\\00\\00\\00\\00\\00\\02\\07\\00\\00\\00\\00\\00\\00\\00",
    "\\00\\f1Se\\00\\00\\00\\00{common}p:p1\n",
    "routes p1/d0.cfg => \\00\\00\\00\\00\\00\\00\\00\\01\\04\\00\\00\\00\\00\\00\\00\\00",
    "\\00\\f1Se\\00\\00\\00\\00{same}d:d0\n",
    "routes p1/d1.cfg => \\00\\00\\00\\00\\00\\00\\00\\01\\04\\00\\00\\00\\00\\00\\00\\00",
    "\\00\\f1Se\\00\\00\\00\\00{same}d:d1\n",
    // owner => route key, duplicates sorted
    "routes_by_owner d:d0 => p1/d0.cfg\n",
    "routes_by_owner d:d1 => p1/d1.cfg\n",
    "routes_by_owner p:p1 => p1/common.cfg\n",
);

#[test]
fn every_database_holds_the_pinned_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    fill(&s);
    let got = dump(&s);
    assert_eq!(got, expected());
    // And reopening changes nothing.
    drop(s);
    let s = Store::open(dir.path()).unwrap();
    assert_eq!(dump(&s), expected());
    let r = s.read_txn().unwrap();
    assert_eq!(s.device_ids_by(&r, Index::Ip, "127.0.0.9").unwrap(), ["d0", "d1"]);
}

/// The other direction: records written as raw bytes read back through the
/// API as the layout says, and a record that does not fit its layout is
/// reported as corrupt, not read as something else.
#[test]
fn raw_records_read_back_through_the_api() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(dir.path()).unwrap();
    let hash = [0xab; 32];
    let mut route = Vec::new();
    route.extend_from_slice(&7u64.to_be_bytes());
    route.extend_from_slice(&5u64.to_le_bytes());
    route.extend_from_slice(&(-3i64).to_le_bytes());
    route.extend_from_slice(&hash);
    route.extend_from_slice(b"p:p9");
    let mut record = vec![0x11; 32];
    for (key, h) in [("p9/a.cfg", [1u8; 32]), ("p9/b/c.cfg", [2; 32])] {
        record.extend_from_slice(&h);
        record.extend_from_slice(&(key.len() as u32).to_le_bytes());
        record.extend_from_slice(key.as_bytes());
    }
    let mut w = s.env().write_txn().unwrap();
    raw(&s, "routes").put(&mut w, b"p9/a.cfg", &route).unwrap();
    raw(&s, "blobs").put(&mut w, &7u64.to_be_bytes(), b"hello").unwrap();
    raw(&s, "render_records").put(&mut w, b"d9", &record).unwrap();
    raw(&s, "meta").put(&mut w, b"generation", &41u64.to_le_bytes()).unwrap();
    raw(&s, "devices").put(&mut w, b"d9", br#"{"id":"d9","ip":"10.1.1.1","plugin":"p9"}"#).unwrap();
    // Records that do not fit their layout.
    raw(&s, "routes").put(&mut w, b"p9/short.cfg", &route[..20]).unwrap();
    raw(&s, "render_records").put(&mut w, b"short", &record[..40]).unwrap();
    raw(&s, "devices").put(&mut w, b"broken", b"{").unwrap();
    w.commit().unwrap();

    let r = s.read_txn().unwrap();
    let got = s.route(&r, "p9/a.cfg").unwrap().unwrap();
    assert_eq!((got.blob_id(), got.len(), got.modified(), got.hash()), (7, 5, -3, &hash));
    assert_eq!(got.owner(), Some(OwnerRef::Plugin("p9")));
    assert_eq!(got.owner_key(), "p:p9");
    assert_eq!(&got.etag(), b"\"abababababababab\"");
    assert_eq!(s.content(&r, &got).unwrap(), b"hello");
    let rec = s.render_record(&r, "d9").unwrap().unwrap();
    assert_eq!(rec.fingerprint(), &[0x11; 32]);
    let files: Vec<_> = rec.files().collect();
    assert_eq!(files, [("p9/a.cfg", &[1; 32]), ("p9/b/c.cfg", &[2; 32])]);
    assert_eq!(s.generation(&r).unwrap(), 41);
    let d = s.device(&r, "d9").unwrap().unwrap();
    assert_eq!((d.ip.as_deref(), d.plugin.as_deref()), (Some("10.1.1.1"), Some("p9")));

    assert!(matches!(s.route(&r, "p9/short.cfg"), Err(StoreError::Corrupt { .. })));
    assert!(matches!(s.render_record(&r, "short"), Err(StoreError::Corrupt { .. })));
    assert!(matches!(s.device(&r, "broken"), Err(StoreError::Corrupt { .. })));
}
