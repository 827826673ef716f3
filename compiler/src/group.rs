//! Group commit: writes from many callers (REST calls, the phones' own
//! records) share one LMDB transaction, and so one commit and one fsync.
//!
//! A write is a [`Unit`]: a closure run in a transaction nested in the
//! group's (so that a unit that fails leaves nothing behind and the
//! others go on), which may publish the devices it affects in that same
//! transaction ([`Stage::publish`]), and is told the outcome of the
//! group's commit. [`Committer::write`] makes one, hands it to whoever
//! commits for the process and waits: it returns once the write is
//! durable and published, or failed.
//!
//! Whoever commits takes, in this order, the publisher's compile lock, the
//! write transaction, then every unit queued by then ([`run_units`]): the
//! longer a commit takes, the more writes the next one carries. In the
//! server that is its writer thread (`provd-dataplane`'s `writer`), which
//! puts the phones' records in the same transaction (the tests here use a
//! thread of their own, `Committer::spawn`).
//!
//! Not here: deciding what a write is (the REST API's handlers do), and
//! any retry (a failed commit fails every unit of the group).

use std::collections::BTreeSet;
use std::sync::{Arc, mpsc};

use provd_store::{Store, StoreError, WriteTxn};

use crate::compile::{CompileError, Report, Scope};
use crate::publish::Publisher;

/// A scope of at most this many devices is rendered with the rest of the
/// group ([`Stage::publish_later`]); a larger one has a compile of its own.
const WITH_THE_GROUP: usize = 64;

/// What a unit sees of the group's transaction.
pub struct Stage<'a, 'e> {
    publisher: &'a Publisher,
    txn: &'a mut WriteTxn<'e>,
    changed: bool,
    /// Devices to render with the group, once every unit has run.
    later: Vec<String>,
}

impl<'e> Stage<'_, 'e> {
    /// The store and the unit's transaction (nested in the group's).
    pub fn parts(&mut self) -> (&Store, &mut WriteTxn<'e>) {
        (self.publisher.data().store(), self.txn)
    }

    /// Says that the unit changed what the data plane reads (devices,
    /// parameters): the group publishes a new generation.
    pub fn changed(&mut self) {
        self.changed = true;
    }

    /// Compiles `scope` in this transaction, keeping going past devices
    /// that fail (their failures are in the report and the log), as
    /// [`Publisher::publish_keep_going`] does outside a group.
    pub fn publish(&mut self, scope: Scope) -> Result<Report, CompileError> {
        let (report, published) = self.publisher.publish_in(self.txn, scope)?;
        self.changed |= published;
        Ok(report)
    }

    /// Publishes `scope` in this transaction like [`publish`](Self::publish),
    /// but a scope of a few devices is rendered with the group's other
    /// writes, after every unit ran: one compile for the group, its devices
    /// rendered on every core. For writes that do not answer with the
    /// render's failures (they are logged). An unknown device or config is
    /// an error now, as it would be from `publish`.
    pub fn publish_later(&mut self, scope: Scope) -> Result<(), CompileError> {
        let store = self.publisher.data().store();
        let ids = match &scope {
            Scope::Device(id) if store.device_doc(self.txn, id)?.is_none() => {
                return Err(CompileError::UnknownDevice(id.clone()));
            }
            Scope::Device(id) => vec![id.clone()],
            Scope::Devices(ids) => ids.clone(),
            Scope::Config(c) => crate::compile::config_scope(store, self.txn, c)?.0,
            Scope::All | Scope::Plugin(_) | Scope::Mac(_) => Vec::new(),
        };
        if ids.is_empty() || ids.len() > WITH_THE_GROUP {
            return self.publish(scope).map(drop);
        }
        self.changed = true;
        self.later.extend(ids);
        Ok(())
    }
}

/// Why a group was not committed.
#[derive(Clone, Copy)]
pub enum Failure<'f> {
    /// The store could not run or commit it.
    Store(&'f dyn std::fmt::Display),
    /// The group hook ([`GroupHook`]) could not do its part (the database
    /// of cluster mode is away): nothing of the group's writes was kept.
    Unavailable(&'f str),
}

impl std::fmt::Display for Failure<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Store(e) => e.fmt(f),
            Failure::Unavailable(why) => f.write_str(why),
        }
    }
}

/// Told the outcome of the group's commit: `Ok` once it is durable, or
/// why it is not (the unit may not have run then).
pub type Finish = Box<dyn for<'f> FnOnce(Result<(), Failure<'f>>) + Send>;

/// Runs once per group, after its writes (units) and before the phones'
/// records and the commit, in the group's transaction (cluster mode:
/// every write's records reach the database in one transaction, so a group
/// of N writes waits for one database commit, not N). An error aborts the
/// group's writes, each told [`Failure::Unavailable`]; the phones' records
/// are then committed without them.
pub type GroupHook = Box<dyn for<'a, 'e> Fn(&mut Stage<'a, 'e>) -> Result<(), String> + Send + Sync>;

/// The write of a unit: runs in its nested transaction and says whether
/// its changes are kept (false: the nested transaction is aborted).
pub type Run = Box<dyn for<'a, 'e> FnOnce(&mut Stage<'a, 'e>) -> bool + Send>;

/// One write of a group (see the module doc).
pub struct Unit {
    run: Run,
    finish: Finish,
}

impl Unit {
    /// A unit: its write, and what to do after the group's commit.
    pub fn new(run: Run, finish: Finish) -> Unit {
        Unit { run, finish }
    }

    /// Tells the unit it will not run.
    pub fn fail(self, e: &dyn std::fmt::Display) {
        (self.finish)(Err(Failure::Store(e)))
    }
}

/// Runs `units` in `w`, each in its own nested transaction, in order.
/// Returns their finishers, to call once `w` is committed (or not), and
/// whether any kept change needs a new generation; the devices they left
/// to render with the group are added to `render`. The caller holds the
/// publisher's lock (taken before `w`).
pub fn run_units(
    publisher: &Publisher,
    w: &mut WriteTxn<'_>,
    units: Vec<Unit>,
    render: &mut BTreeSet<String>,
) -> (Vec<Finish>, bool) {
    let store = publisher.data().store();
    let mut finishers = Vec::with_capacity(units.len());
    let mut changed = false;
    for Unit { run, finish } in units {
        let mut nested = match store.nested_txn(w) {
            Ok(n) => n,
            Err(e) => {
                finish(Err(Failure::Store(&e)));
                continue;
            }
        };
        let mut stage = Stage { publisher, txn: &mut nested, changed: false, later: Vec::new() };
        // A write that panics (a bug) is undone and answered; the others,
        // and the thread that commits for everyone, go on.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&mut stage)));
        let (unit_changed, later) = (stage.changed, stage.later);
        let keep = match ran {
            Ok(keep) => keep,
            Err(panic) => {
                let why = panic_message(&*panic);
                log::error!("store: a write failed unexpectedly and was undone: {why}");
                nested.abort();
                finish(Err(Failure::Store(&format!("the write failed unexpectedly: {why}"))));
                continue;
            }
        };
        let kept = if keep {
            nested.commit().map_err(StoreError::from)
        } else {
            nested.abort();
            Ok(())
        };
        match kept {
            Ok(()) => {
                if keep {
                    changed |= unit_changed;
                    render.extend(later);
                }
                finishers.push(finish);
            }
            Err(e) => finish(Err(Failure::Store(&e))),
        }
    }
    (finishers, changed)
}

/// What a panic said, when it said it as text.
pub fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}

/// Why a [`Committer::write`] did not happen.
#[derive(Debug)]
pub enum WriteError<E> {
    /// The write itself said no (its closure's error); nothing was kept.
    Refused(E),
    /// The write was done but the group's transaction could not be
    /// committed: nothing of it was kept.
    Store(String),
    /// The write was done but the group hook failed (cluster mode: the
    /// database is away): nothing of it was kept.
    Unavailable(String),
    /// Nobody took the write, or its group was lost (the process is
    /// stopping, or the committing thread failed).
    Gone,
}

type Submit = dyn Fn(Unit) -> Result<(), Unit> + Send + Sync;

/// Hands units to whoever commits for the process. Cheap to clone.
#[derive(Clone)]
pub struct Committer(Arc<Submit>);

impl Committer {
    /// A committer handing units to `submit` (which gives a unit back when
    /// it cannot take it).
    pub fn new(submit: impl Fn(Unit) -> Result<(), Unit> + Send + Sync + 'static) -> Committer {
        Committer(Arc::new(submit))
    }

    /// A thread of its own that commits units for `publisher`, in groups.
    #[cfg(test)]
    pub(crate) fn spawn(publisher: Arc<Publisher>) -> std::io::Result<Committer> {
        let (tx, rx) = mpsc::channel::<Unit>();
        std::thread::Builder::new().name("provd-commit".into()).spawn(move || {
            while let Ok(first) = rx.recv() {
                let _lock = publisher.lock();
                // What queued while the lock was awaited rides along.
                let units: Vec<Unit> = std::iter::once(first).chain(rx.try_iter()).collect();
                let _ = commit_group(&publisher, units, |_, _, _| Ok(false), |_, _| Ok(()));
            }
        })?;
        Ok(Committer::new(move |unit| tx.send(unit).map_err(|e| e.0)))
    }

    /// Runs `f` in the next group and waits for the group's commit. `f`
    /// returning `Err` refuses the write (nothing of it is kept).
    pub fn write<T, E>(
        &self,
        f: impl for<'a, 'e> FnOnce(&mut Stage<'a, 'e>) -> Result<T, E> + Send + 'static,
    ) -> Result<T, WriteError<E>>
    where
        T: Send + 'static,
        E: Send + 'static,
    {
        let (tx, rx) = mpsc::sync_channel(1);
        let done = Arc::new(std::sync::Mutex::new(None));
        let out = done.clone();
        let run: Run = Box::new(move |stage| {
            let result = f(stage);
            let keep = result.is_ok();
            *out.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
            keep
        });
        let finish: Finish = Box::new(move |committed| {
            let result = done.lock().unwrap_or_else(|e| e.into_inner()).take();
            let result = match (result, committed) {
                (Some(Err(e)), _) => Err(WriteError::Refused(e)),
                (_, Err(Failure::Unavailable(why))) => Err(WriteError::Unavailable(why.to_owned())),
                (_, Err(e)) => Err(WriteError::Store(e.to_string())),
                (Some(Ok(v)), Ok(())) => Ok(v),
                (None, Ok(())) => Err(WriteError::Store("the write did not run".into())),
            };
            let _ = tx.send(result);
        });
        (self.0)(Unit::new(run, finish)).map_err(|_| WriteError::Gone)?;
        rx.recv().unwrap_or(Err(WriteError::Gone))
    }
}

/// What a committed group did.
#[derive(Debug, Default)]
pub struct Committed {
    /// The generation published, if the group changed what is served.
    pub generation: Option<u64>,
    /// The group's compile of the devices its writes left to render.
    pub render: Option<Report>,
}

/// One group: a write transaction; the units; `records` (the caller's own
/// writes: `Ok(true)` when they need a new generation; they may add
/// devices to render); one compile of every device left to render;
/// `after_render` (what the caller records once they are); one commit,
/// then every finisher. The caller holds the publisher's lock.
pub fn commit_group(
    publisher: &Publisher,
    units: Vec<Unit>,
    records: impl FnOnce(&Store, &mut WriteTxn<'_>, &mut BTreeSet<String>) -> Result<bool, StoreError>,
    after_render: impl FnOnce(&Store, &mut WriteTxn<'_>) -> Result<(), StoreError>,
) -> Result<Committed, CompileError> {
    let store = publisher.data().store();
    let mut w = match store.write_txn() {
        Ok(w) => w,
        Err(e) => {
            for u in units {
                u.fail(&e);
            }
            return Err(e.into());
        }
    };
    let mut render = BTreeSet::new();
    let (finishers, mut units_changed) = run_units(publisher, &mut w, units, &mut render);
    if let (Some(hook), false) = (publisher.group_hook(), finishers.is_empty()) {
        let mut stage = Stage { publisher, txn: &mut w, changed: false, later: Vec::new() };
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(&mut stage)))
            .unwrap_or_else(|panic| Err(format!("the group hook failed unexpectedly: {}", panic_message(&*panic))));
        let (hook_changed, later) = (stage.changed, stage.later);
        match ran {
            Ok(()) => {
                units_changed |= hook_changed;
                render.extend(later);
            }
            Err(why) => {
                // Nothing of the writes is kept; the phones' records are,
                // in a transaction without them.
                drop(w);
                for f in finishers {
                    f(Err(Failure::Unavailable(&why)));
                }
                return commit_group(publisher, Vec::new(), records, after_render);
            }
        }
    }
    let mut writes = finishers.len() as u64;
    let outcome = (|| {
        let records_changed = records(store, &mut w, &mut render)?;
        writes += records_changed as u64;
        let mut done = Committed::default();
        let mut rendered = false;
        if !render.is_empty() {
            let (report, published) = publisher.publish_in(&mut w, Scope::Devices(render.into_iter().collect()))?;
            done.render = Some(report);
            rendered = published;
        }
        after_render(store, &mut w)?;
        if units_changed || records_changed || rendered {
            done.generation = Some(store.bump_generation(&mut w)?);
        }
        w.commit().map_err(StoreError::from)?;
        if let Some(r) = done.render.as_mut() {
            r.generation = done.generation;
        }
        Ok(done)
    })();
    match &outcome {
        Ok(done) => {
            if let Some(g) = done.generation {
                publisher.hint().raise(g);
            }
            let stats = publisher.stats();
            stats.group_commits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            stats.group_writes.fetch_add(writes, std::sync::atomic::Ordering::Relaxed);
            for f in finishers {
                f(Ok(()));
            }
        }
        Err(e) => {
            log::error!("store: a group of {} writes not committed: {e}", finishers.len());
            for f in finishers {
                f(Err(Failure::Store(e)));
            }
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_store::data::DataDir;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn publisher() -> (tempfile::TempDir, Arc<Publisher>) {
        let dir = tempfile::tempdir().unwrap();
        let (data, _) = DataDir::open(dir.path()).unwrap();
        (dir, Arc::new(Publisher::new(data, Vec::new())))
    }

    /// A write of parameter `key` = `value`.
    fn set(key: String, value: &'static str) -> impl for<'a, 'e> FnOnce(&mut Stage<'a, 'e>) -> Result<(), String> {
        move |stage| {
            let (store, w) = stage.parts();
            let mut params = store.params(w).map_err(|e| e.to_string())?;
            params.insert(key, value.into());
            store.set_params(w, &params).map_err(|e| e.to_string())?;
            stage.changed();
            Ok(())
        }
    }

    fn generation(p: &Publisher) -> u64 {
        let store = p.data().store();
        store.generation(&store.read_txn().unwrap()).unwrap()
    }

    /// Writes that queue while a commit (here: the compile lock) is busy
    /// go out together: one transaction, one generation, every caller
    /// answered once it is committed.
    #[test]
    fn writes_queued_during_a_commit_share_the_next_one() {
        let (_dir, publisher) = publisher();
        let inner = Committer::spawn(publisher.clone()).unwrap();
        let queued = Arc::new(AtomicUsize::new(0));
        let counting = {
            let queued = queued.clone();
            Committer::new(move |unit| {
                let r = (inner.0)(unit);
                queued.fetch_add(1, Ordering::SeqCst);
                r
            })
        };
        let before = generation(&publisher);
        let lock = publisher.lock();
        let writers: Vec<_> = (0..8)
            .map(|i| {
                let c = counting.clone();
                std::thread::spawn(move || c.write(set(format!("k{i}"), "v")))
            })
            .collect();
        while queued.load(Ordering::SeqCst) < 8 {
            std::thread::yield_now();
        }
        assert_eq!(generation(&publisher), before, "nothing committed while the lock is held");
        drop(lock);
        for w in writers {
            w.join().unwrap().unwrap();
        }
        assert_eq!(generation(&publisher), before + 1, "eight writes, one commit");
        let store = publisher.data().store();
        let params = store.params(&store.read_txn().unwrap()).unwrap();
        for i in 0..8 {
            assert_eq!(params.get(&format!("k{i}")).and_then(|v| v.as_str()), Some("v"), "k{i}");
        }
    }

    /// A write that refuses (after changing something) leaves nothing of
    /// itself; the writes around it in the same group are kept.
    #[test]
    fn a_refused_write_leaves_nothing_and_its_group_goes_on() {
        let (_dir, publisher) = publisher();
        let _lock = publisher.lock();
        let (tx, rx) = mpsc::channel();
        let mut units = Vec::new();
        for (key, refuse) in [("a", false), ("b", true), ("c", false)] {
            let tx = tx.clone();
            let key = key.to_owned();
            let write = set(key.clone(), "v");
            units.push(Unit::new(
                Box::new(move |stage| write(stage).is_ok() && !refuse),
                Box::new(move |committed| tx.send((key, committed.is_ok())).unwrap()),
            ));
        }
        let done = commit_group(&publisher, units, |_, _, _| Ok(false), |_, _| Ok(())).unwrap();
        assert!(done.generation.is_some());
        drop(tx);
        let told: Vec<_> = rx.iter().collect();
        assert_eq!(told, [("a".to_owned(), true), ("b".to_owned(), true), ("c".to_owned(), true)]);
        let store = publisher.data().store();
        let params = store.params(&store.read_txn().unwrap()).unwrap();
        assert!(params.contains_key("a") && params.contains_key("c"));
        assert!(!params.contains_key("b"), "the refused write's change was aborted");
    }

    /// A write that panics is undone and answered; the others of its group
    /// are kept and the committing thread goes on.
    #[test]
    fn a_write_that_panics_is_undone_and_the_others_go_on() {
        let (_dir, publisher) = publisher();
        let committer = Committer::spawn(publisher.clone()).unwrap();
        let lock = publisher.lock();
        let c = committer.clone();
        let panicking = std::thread::spawn(move || {
            c.write(|stage| -> Result<(), String> {
                set("half".into(), "v")(stage)?;
                panic!("a bug in a write");
            })
        });
        let c = committer.clone();
        let fine = std::thread::spawn(move || c.write(set("kept".into(), "v")));
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(lock);
        match panicking.join().unwrap() {
            Err(WriteError::Store(why)) => assert!(why.contains("a bug in a write"), "{why}"),
            other => panic!("{other:?}"),
        }
        fine.join().unwrap().unwrap();
        committer.write(set("after".into(), "v")).unwrap();
        let store = publisher.data().store();
        let params = store.params(&store.read_txn().unwrap()).unwrap();
        assert!(params.contains_key("kept") && params.contains_key("after"));
        assert!(!params.contains_key("half"), "the panicking write's change was undone");
    }

    /// The group hook runs once per group, after every write; when it
    /// fails, no write of the group is kept (each is told why) and the
    /// phones' records still are.
    #[test]
    fn the_group_hook_runs_once_and_its_failure_keeps_only_the_records() {
        let (_dir, publisher) = publisher();
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = calls.clone();
        publisher.set_group_hook(Box::new(move |stage| {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let (store, w) = stage.parts();
            let params = store.params(w).map_err(|e| e.to_string())?;
            if params.contains_key("fail") { Err(format!("database away (call {n})")) } else { Ok(()) }
        }));
        let _lock = publisher.lock();
        let run_group = |keys: &[&'static str]| {
            let (tx, rx) = mpsc::channel();
            let units = keys
                .iter()
                .map(|key| {
                    let tx = tx.clone();
                    let write = set((*key).to_owned(), "v");
                    Unit::new(
                        Box::new(move |stage| write(stage).is_ok()),
                        Box::new(move |committed| {
                            tx.send(committed.map_err(|e| matches!(e, Failure::Unavailable(_)))).unwrap()
                        }),
                    )
                })
                .collect();
            let records = |store: &Store, w: &mut WriteTxn<'_>, _: &mut BTreeSet<String>| {
                let mut params = store.params(w)?;
                params.insert(format!("record{}", keys.len()), "v".into());
                store.set_params(w, &params)?;
                Ok(true)
            };
            commit_group(&publisher, units, records, |_, _| Ok(())).unwrap();
            drop(tx);
            rx.iter().collect::<Vec<_>>()
        };
        assert_eq!(run_group(&["a", "b", "c"]), [Ok(()), Ok(()), Ok(())]);
        assert_eq!(calls.load(Ordering::SeqCst), 1, "three writes, one call");
        assert_eq!(run_group(&["d", "fail"]), [Err(true), Err(true)], "told: unavailable");
        let store = publisher.data().store();
        let params = store.params(&store.read_txn().unwrap()).unwrap();
        assert!(params.contains_key("a") && params.contains_key("record3"));
        assert!(!params.contains_key("d") && !params.contains_key("fail"), "the failed group's writes are gone");
        assert!(params.contains_key("record2"), "its phones' records are kept");
    }

    /// A group whose units change nothing the data plane reads publishes
    /// no generation; the callers still get their answers.
    #[test]
    fn a_group_with_nothing_changed_publishes_no_generation() {
        let (_dir, publisher) = publisher();
        let committer = Committer::spawn(publisher.clone()).unwrap();
        let before = generation(&publisher);
        let out: Result<u32, WriteError<()>> = committer.write(|_| Ok(7));
        assert_eq!(out.unwrap(), 7);
        let refused: Result<(), WriteError<&str>> = committer.write(|_| Err("no"));
        assert!(matches!(refused, Err(WriteError::Refused("no"))));
        assert_eq!(generation(&publisher), before);
    }
}
