//! What provd-server does in user space for a known phone asking its own
//! file over HTTP, without sockets: extraction from the User-Agent and path,
//! the pipeline's read pass, the route and the bytes. The store is a fleet
//! of 10,000 Yealink and Aastra devices (as `benches/compare/http.sh` builds
//! for wrk), imported, compiled, NAT on, each device warmed by one request
//! as the server's writer would record it; every iteration asks the next
//! device's file, round robin, so lookups do not all hit one B-tree path.
//! A second group asks the same files by name only, as over TFTP.
//!
//!   cargo bench -p provd-benches --bench request_path

use std::net::IpAddr;

use criterion::{Criterion, criterion_group, criterion_main};
use provd_compiler::compile::{self, Options, Scope};
use provd_core::family::Request;
use provd_core::plugin::Plugin;
use provd_dataplane::pipeline::{self, Decision, Policy};
use provd_store::data::DataDir;
use provd_store::{ReadTxn, Store};

const DEVICES: usize = 10_000;

struct Fleet {
    _dir: tempfile::TempDir,
    data: DataDir,
    plugins: Vec<Plugin>,
    /// `(User-Agent, path)` of every device.
    targets: Vec<(Vec<u8>, Vec<u8>)>,
}

fn fleet() -> Fleet {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = DataDir::open(&dir.path().join("data")).unwrap();
    // Yealink and Aastra only, as in the published runs: identified by
    // their User-Agents, which the family registry gives.
    let plugins_dir = dir.path().join("plugins");
    std::fs::create_dir(&plugins_dir).unwrap();
    for e in std::fs::read_dir(data.plugins_dir()).unwrap() {
        let e = e.unwrap();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("wazo-yealink-") || name.starts_with("wazo-aastra-") {
            std::os::unix::fs::symlink(e.path(), plugins_dir.join(&*name)).unwrap();
        }
    }
    let jsondb = dir.path().join("jsondb");
    provd_benches::fleet::write_jsondb(&jsondb, DEVICES, &plugins_dir, 1).unwrap();
    provd_compiler::import::import_wazo_jsondb(data.store(), &jsondb).unwrap();
    let (renderer, _) = compile::renderer(&data, &Scope::All).unwrap();
    compile::compile(&data, &renderer, &Options::default()).unwrap();
    let store = data.store();
    let mut w = store.write_txn().unwrap();
    let mut params = store.params(&w).unwrap();
    params.insert("NAT".into(), "1".into());
    store.set_params(&mut w, &params).unwrap();
    w.commit().unwrap();

    let list = dir.path().join("targets.tsv");
    provd_benches::fleet::write_http_targets(&jsondb, &list).unwrap();
    let targets = std::fs::read_to_string(&list)
        .unwrap()
        .lines()
        .map(|l| {
            let mut f = l.split('\t');
            (f.next().unwrap().as_bytes().to_vec(), f.next().unwrap().as_bytes().to_vec())
        })
        .collect();
    let (plugins, _) = provd_families::plugins::scan(&data.plugins_dir()).unwrap();
    let fleet = Fleet { _dir: dir, data, plugins, targets };
    warm(&fleet);
    fleet
}

fn basename(path: &[u8]) -> &[u8] {
    pipeline::basename(path)
}

/// A request's path as the pipeline takes it: without the leading slash.
fn rel(path: &[u8]) -> &str {
    std::str::from_utf8(path.strip_prefix(b"/").unwrap_or(path)).unwrap()
}

/// One request per device through the writer's pass, as the server's
/// first request does: the address and the trigger's remote state recorded.
fn warm(f: &Fleet) {
    let store = f.data.store();
    let policy = Policy { nat: true, ..Policy::default() };
    let mut w = store.write_txn().unwrap();
    for (ua, path) in &f.targets {
        let info = pipeline::extract(&Request::Http { path, user_agent: Some(ua) });
        let applied = pipeline::apply(store, &mut w, &f.plugins, &policy, &info, ip(), rel(path), || true).unwrap();
        let id = applied.device_id.expect("a fleet device");
        pipeline::record_remote_state(store, &mut w, &f.plugins, &id, basename(path)).unwrap();
    }
    w.commit().unwrap();
}

fn ip() -> IpAddr {
    "127.0.0.1".parse().unwrap()
}

/// The whole user-space path of one request; the body's length.
fn serve(store: &Store, txn: &ReadTxn<'_>, f: &Fleet, policy: &Policy, i: usize) -> usize {
    let (ua, path) = &f.targets[i];
    let info = pipeline::extract(&Request::Http { path, user_agent: Some(ua) });
    let decision = pipeline::decide(store, txn, &f.plugins, policy, &info, ip(), rel(path)).unwrap();
    let Decision::Known { plugin: Some(plugin), .. } = decision else { panic!("not a known device: {decision:?}") };
    let path = std::str::from_utf8(&path[1..]).unwrap();
    let mut key = [0u8; 128];
    let n = plugin.len() + 1 + path.len();
    key[..plugin.len()].copy_from_slice(plugin.as_bytes());
    key[plugin.len()] = b'/';
    key[plugin.len() + 1..n].copy_from_slice(path.as_bytes());
    let route = store.route(txn, std::str::from_utf8(&key[..n]).unwrap()).unwrap().expect("a route");
    store.content(txn, &route).unwrap().len()
}

fn request_path(c: &mut Criterion) {
    let f = fleet();
    let store = f.data.store();
    let txn = store.read_txn().unwrap();
    let policy = Policy { nat: true, ..Policy::default() };
    for i in 0..f.targets.len() {
        assert!(serve(store, &txn, &f, &policy, i) > 0);
    }
    let n = f.targets.len();
    let mut g = c.benchmark_group("known phone, own file");
    let mut i = 0;
    g.bench_function("extract", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            let (ua, path) = &f.targets[i];
            pipeline::extract(&Request::Http { path, user_agent: Some(ua) }).mac.is_some()
        })
    });
    g.bench_function("extract + decide", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            let (ua, path) = &f.targets[i];
            let info = pipeline::extract(&Request::Http { path, user_agent: Some(ua) });
            let d = pipeline::decide(store, &txn, &f.plugins, &policy, &info, ip(), rel(path)).unwrap();
            matches!(d, Decision::Known { .. })
        })
    });
    g.bench_function("extract + decide + route + bytes", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            serve(store, &txn, &f, &policy, i)
        })
    });
    g.finish();

    // The same phones over TFTP, where Yealink and Aastra tell nothing but
    // the file name: the device is found as the owner of that file, looked
    // up under every installed plugin (NAT on: the address names them all).
    let mut g = c.benchmark_group("known phone, file name only");
    g.bench_function("extract + decide", |b| {
        b.iter(|| {
            i = (i + 1) % n;
            let path = &f.targets[i].1;
            let info = pipeline::extract(&Request::Tftp { filename: &path[1..] });
            let d = pipeline::decide(store, &txn, &f.plugins, &policy, &info, ip(), rel(path)).unwrap();
            assert!(matches!(d, Decision::Known { .. }), "{d:?}");
        })
    });
    g.finish();
}

criterion_group!(benches, request_path);
criterion_main!(benches);
