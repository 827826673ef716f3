//! `/metrics` in Prometheus' text format, made of parts: each part of the
//! server keeps its counters as plain atomics (cheap on the request path)
//! and writes them out when scraped ([`WriteMetrics`]); the REST API joins
//! the parts ([`Registry`]).

use std::fmt::Write;
use std::sync::Arc;

/// A part of the server that shows counters in `/metrics`.
pub trait WriteMetrics: Send + Sync {
    /// Appends this part's metric families to `out`.
    fn write_metrics(&self, out: &mut Text);
}

impl<T: WriteMetrics + ?Sized> WriteMetrics for Arc<T> {
    fn write_metrics(&self, out: &mut Text) {
        (**self).write_metrics(out);
    }
}

/// The parts `/metrics` shows, in order. Each metric family belongs to one
/// part.
#[derive(Default)]
pub struct Registry(Vec<Box<dyn WriteMetrics>>);

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Registry({} parts)", self.0.len())
    }
}

impl Registry {
    /// Adds a part; its families come after those of the parts added before.
    pub fn register(&mut self, part: Box<dyn WriteMetrics>) {
        self.0.push(part);
    }

    /// Every part's metrics, as `GET /metrics` answers them.
    pub fn encode(&self) -> String {
        let mut out = Text(String::new());
        for part in &self.0 {
            part.write_metrics(&mut out);
        }
        out.0
    }
}

/// The text being written: `# HELP`, `# TYPE`, then one line per sample.
pub struct Text(String);

impl Text {
    /// One metric family: `kind` is `counter` or `gauge`; each sample is
    /// its label set as written (`{listener="http"}`, or empty) and its value.
    pub fn family(&mut self, name: &str, kind: &str, help: &str, samples: &[(&str, f64)]) {
        let _ = writeln!(self.0, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, v) in samples {
            let _ = writeln!(self.0, "{name}{labels} {v}");
        }
    }

    /// A family of one sample without labels.
    pub fn single(&mut self, name: &str, kind: &str, help: &str, value: f64) {
        self.family(name, kind, help, &[("", value)]);
    }
}
