//! The subcommands. Each returns the exit code of an operation that ran
//! (0, or 1 when some items failed) or an [`Error`] that ends it.

pub mod configs;
pub mod devices;
pub mod identify;
pub mod misc;
pub mod plugins;
pub mod templates;

use std::io::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

use crate::client::{Api, Progress};
use crate::error::{Error, Result};

/// What every command that talks to the API needs.
#[derive(Clone)]
pub struct Ctx {
    pub api: Api,
    /// Print the raw JSON documents instead of tables.
    pub json: bool,
}

impl Ctx {
    pub fn progress(&self) -> Progress {
        Progress::new(true)
    }
}

/// Writes to stdout; a closed pipe (`provd devices list | head`) ends the
/// process quietly instead of panicking.
pub fn print(s: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(s.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("provd: writing the output: {e}");
        std::process::exit(1);
    }
}

pub fn println(s: &str) {
    print(&format!("{s}\n"));
}

pub fn print_json(v: &Value) {
    println(&serde_json::to_string_pretty(v).expect("JSON"));
}

/// Extracts `doc[key]`, or says the reply was not what the API promises.
pub fn field<'a>(doc: &'a Value, key: &str, what: &str) -> Result<&'a Value> {
    doc.get(key).ok_or_else(|| Error::failed(format!("{what}: unexpected reply: no {key:?} in {}", short(doc))))
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 200 { format!("{}...", s.chars().take(200).collect::<String>()) } else { s }
}

/// Runs `f` on every item with at most `concurrency` at a time, showing
/// `label: done/total` on stderr. Results come back in item order.
pub fn for_each_concurrent<T: Sync, R: Send>(
    items: &[T],
    concurrency: usize,
    label: &str,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let progress = Mutex::new(Progress::new(items.len() > 1));
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    let workers = concurrency.clamp(1, items.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let r = f(item);
                    results.lock().unwrap()[i] = Some(r);
                    let n = done.fetch_add(1, Ordering::Relaxed) + 1;
                    progress.lock().unwrap().show(&format!("{label}: {n}/{}", items.len()));
                }
            });
        }
    });
    progress.into_inner().unwrap().finish();
    results.into_inner().unwrap().into_iter().map(|r| r.expect("every item ran")).collect()
}

/// The id of a JSON document, as text.
pub fn id_of(doc: &Value) -> String {
    match doc.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Asks a yes/no question on the terminal; false when there is none.
pub fn confirm(question: &str) -> bool {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() || !std::io::stderr().is_terminal() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrent_results_keep_order() {
        let items: Vec<u32> = (0..100).collect();
        let out = for_each_concurrent(&items, 7, "t", |x| x * 2);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(for_each_concurrent(&[] as &[u32], 4, "t", |x| *x).is_empty());
        assert_eq!(for_each_concurrent(&[1], 0, "t", |x| *x), [1]);
    }
}
