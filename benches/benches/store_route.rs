//! The store's share of a request: look a route up by key in a read
//! transaction, decode its record, and reach its bytes. The store holds
//! 10,000 routes (one small file per device, as a compiled fleet has);
//! every iteration asks the next key, round robin, so lookups do not all
//! hit one B-tree path.
//!
//!   cargo bench -p provd-benches --bench store_route

use criterion::{Criterion, criterion_group, criterion_main};
use provd_store::{Owner, Store};

const ROUTES: usize = 10_000;

fn key(i: usize) -> String {
    format!("wazo-yealink-v86/{:012X}.cfg", 0x0015_6500_0000_usize + i)
}

fn store_route(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let mut w = store.write_txn().unwrap();
    let mut fw = store.file_writer(&mut w, 1_700_000_000).unwrap();
    for i in 0..ROUTES {
        let body = format!("#!version:1.0.0.1\naccount.1.user_name = {i}\n");
        fw.put(&key(i), &Owner::device(&format!("dev{i}")), body.as_bytes()).unwrap();
    }
    fw.finish().unwrap();
    w.commit().unwrap();
    let keys: Vec<String> = (0..ROUTES).map(key).collect();
    let txn = store.read_txn().unwrap();

    let mut g = c.benchmark_group("store");
    let mut i = 0;
    g.bench_function("route lookup + decode", |b| {
        b.iter(|| {
            i = (i + 1) % ROUTES;
            let route = store.route(&txn, &keys[i]).unwrap().expect("a route");
            (route.len(), route.modified(), route.etag())
        })
    });
    g.bench_function("route lookup + decode + bytes", |b| {
        b.iter(|| {
            i = (i + 1) % ROUTES;
            let route = store.route(&txn, &keys[i]).unwrap().expect("a route");
            store.content(&txn, &route).unwrap().len()
        })
    });
    g.finish();
}

criterion_group!(benches, store_route);
criterion_main!(benches);
