//! Operations in progress: what wazo-provd answers for long operations (a
//! plugin install, a synchronize). The POST returns 201 with
//! `Location: <path>/<n>`; `GET` there gives `{"status": "..."}` in the
//! grammar `[label|]state[;current[/end]]` followed by `(<sub-operation>)`;
//! `DELETE` forgets it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Waiting,
    Progress,
    Success,
    Fail,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Progress => "progress",
            State::Success => "success",
            State::Fail => "fail",
        }
    }
}

/// One operation (or sub-operation).
#[derive(Debug, Clone)]
pub(crate) struct Operation {
    label: Option<String>,
    pub(crate) state: State,
    pub(crate) current: Option<u64>,
    pub(crate) end: Option<u64>,
    pub(crate) subs: Vec<Operation>,
    /// Extra members of the GET document (provd extensions, e.g. a report).
    pub(crate) extra: Map<String, Value>,
}

impl Operation {
    pub(crate) fn new(label: Option<&str>) -> Operation {
        Operation {
            label: label.map(str::to_owned),
            state: State::Waiting,
            current: None,
            end: None,
            subs: Vec::new(),
            extra: Map::new(),
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.label {
            write!(f, "{l}|")?;
        }
        f.write_str(self.state.as_str())?;
        if let Some(c) = self.current {
            write!(f, ";{c}")?;
            if let Some(e) = self.end {
                write!(f, "/{e}")?;
            }
        }
        for s in &self.subs {
            write!(f, "({s})")?;
        }
        Ok(())
    }
}

pub(crate) type Handle = Arc<Mutex<Operation>>;

/// One resource's counter and its live operations.
type Numbered = (u64, HashMap<u64, Handle>);

/// The operations of every resource, numbered per resource from 1.
#[derive(Default)]
pub(crate) struct Operations {
    inner: Mutex<HashMap<String, Numbered>>,
}

impl Operations {
    /// Starts an operation under `resource` (the POST's path); returns its
    /// location and handle.
    pub(crate) fn start(&self, resource: &str, label: Option<&str>) -> (String, Handle) {
        let mut inner = self.inner.lock().unwrap();
        let (counter, ops) = inner.entry(resource.trim_end_matches('/').to_owned()).or_default();
        *counter += 1;
        let handle = Arc::new(Mutex::new(Operation::new(label)));
        ops.insert(*counter, handle.clone());
        (format!("{}/{}", resource.trim_end_matches('/'), counter), handle)
    }

    fn split(path: &str) -> Option<(&str, u64)> {
        let (resource, n) = path.trim_end_matches('/').rsplit_once('/')?;
        Some((resource, n.parse().ok()?))
    }

    /// `{"status": ...}` for the operation at `path`, if it exists.
    pub(crate) fn get(&self, path: &str) -> Option<Value> {
        let (resource, n) = Self::split(path)?;
        let inner = self.inner.lock().unwrap();
        let op = inner.get(resource)?.1.get(&n)?.lock().unwrap().clone();
        let mut doc = op.extra.clone();
        doc.insert("status".into(), Value::from(op.to_string()));
        Some(Value::Object(doc))
    }

    pub(crate) fn delete(&self, path: &str) -> bool {
        let Some((resource, n)) = Self::split(path) else { return false };
        let mut inner = self.inner.lock().unwrap();
        inner.get_mut(resource).is_some_and(|(_, ops)| ops.remove(&n).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_grammar() {
        let mut op = Operation::new(Some("install"));
        op.state = State::Progress;
        let mut dl = Operation::new(Some("download"));
        dl.state = State::Progress;
        dl.current = Some(1234);
        dl.end = Some(50000);
        op.subs.push(dl);
        assert_eq!(op.to_string(), "install|progress(download|progress;1234/50000)");
        let mut plain = Operation::new(None);
        plain.state = State::Success;
        assert_eq!(plain.to_string(), "success");
    }

    #[test]
    fn numbered_per_resource_and_deletable() {
        let ops = Operations::default();
        let (a, h) = ops.start("/0.2/pg_mgr/install/install", Some("install"));
        let (b, _) = ops.start("/0.2/pg_mgr/install/install", None);
        let (c, _) = ops.start("/0.2/dev_mgr/synchronize", None);
        assert_eq!(
            (a.as_str(), b.as_str(), c.as_str()),
            ("/0.2/pg_mgr/install/install/1", "/0.2/pg_mgr/install/install/2", "/0.2/dev_mgr/synchronize/1")
        );
        h.lock().unwrap().state = State::Fail;
        assert_eq!(ops.get(&a).unwrap()["status"], "install|fail");
        assert!(ops.delete(&a));
        assert!(ops.get(&a).is_none());
        assert!(!ops.delete(&a));
    }
}
