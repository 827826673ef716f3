//! Operations in progress ("OIP"): wazo-provd's status grammar
//! `[label|]state[;current[/end]]` followed by `(<sub-oip>)` for each
//! sub-operation, e.g. `install|progress(download|progress;1234/50000)`.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Waiting,
    Progress,
    Success,
    Fail,
}

impl State {
    pub fn is_done(self) -> bool {
        matches!(self, State::Success | State::Fail)
    }

    fn as_str(self) -> &'static str {
        match self {
            State::Waiting => "waiting",
            State::Progress => "progress",
            State::Success => "success",
            State::Fail => "fail",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oip {
    pub label: Option<String>,
    pub state: State,
    pub current: Option<u64>,
    pub end: Option<u64>,
    pub subs: Vec<Oip>,
}

/// How deep sub-operations may nest before the status is refused.
const MAX_DEPTH: usize = 16;

/// Parses a status string.
pub fn parse(s: &str) -> Result<Oip, String> {
    let mut p = Cursor { s: s.as_bytes(), at: 0 };
    let oip = p.oip(0).map_err(|e| format!("unexpected operation status {s:?}: {e}"))?;
    if p.at != p.s.len() {
        return Err(format!("unexpected operation status {s:?}: trailing text at byte {}", p.at));
    }
    Ok(oip)
}

struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn word(&mut self) -> &str {
        let start = self.at;
        while self.at < self.s.len() && !b"|;/()".contains(&self.s[self.at]) {
            self.at += 1;
        }
        std::str::from_utf8(&self.s[start..self.at]).unwrap_or("")
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.s.get(self.at) == Some(&c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn number(&mut self) -> Result<u64, String> {
        let w = self.word().trim().to_owned();
        w.parse().map_err(|_| format!("{w:?} is not a count"))
    }

    fn oip(&mut self, depth: usize) -> Result<Oip, String> {
        if depth > MAX_DEPTH {
            return Err("sub-operations nested too deeply".into());
        }
        let first = self.word().trim().to_owned();
        let (label, state) = if self.eat(b'|') { (Some(first), self.word().trim().to_owned()) } else { (None, first) };
        let state = match state.as_str() {
            "waiting" => State::Waiting,
            "progress" => State::Progress,
            "success" => State::Success,
            "fail" => State::Fail,
            other => return Err(format!("unknown state {other:?}")),
        };
        let (mut current, mut end) = (None, None);
        if self.eat(b';') {
            current = Some(self.number()?);
            if self.eat(b'/') {
                end = Some(self.number()?);
            }
        }
        let mut subs = Vec::new();
        while self.eat(b'(') {
            subs.push(self.oip(depth + 1)?);
            if !self.eat(b')') {
                return Err("missing ')'".into());
            }
        }
        Ok(Oip { label, state, current, end, subs })
    }
}

impl fmt::Display for Oip {
    /// `install: progress (download: progress 1234/50000)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(l) = &self.label {
            write!(f, "{}: ", crate::table::sanitize(l))?;
        }
        f.write_str(self.state.as_str())?;
        match (self.current, self.end) {
            (Some(c), Some(e)) => write!(f, " {c}/{e}")?,
            (Some(c), None) => write!(f, " {c}")?,
            _ => {}
        }
        for s in &self.subs {
            write!(f, " ({s})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        let o = parse("install|progress(download|progress;1234/50000)").unwrap();
        assert_eq!(o.label.as_deref(), Some("install"));
        assert_eq!(o.state, State::Progress);
        assert_eq!(o.subs.len(), 1);
        assert_eq!(
            o.subs[0],
            Oip {
                label: Some("download".into()),
                state: State::Progress,
                current: Some(1234),
                end: Some(50000),
                subs: vec![]
            }
        );
        assert_eq!(o.to_string(), "install: progress (download: progress 1234/50000)");
        assert_eq!(parse("success").unwrap().state, State::Success);
        assert!(parse("fail").unwrap().state.is_done());
        assert!(!parse("waiting").unwrap().state.is_done());
        let o = parse("progress;12/300").unwrap();
        assert_eq!((o.current, o.end), (Some(12), Some(300)));
        assert_eq!(o.to_string(), "progress 12/300");
        let o = parse("install_pkg|progress(download|success)(install|progress;3)").unwrap();
        assert_eq!(o.subs.len(), 2);
        assert_eq!(o.subs[1].current, Some(3));
        assert_eq!(o.to_string(), "install_pkg: progress (download: success) (install: progress 3)");
    }

    #[test]
    fn garbage_is_refused() {
        for s in [
            "",
            "done",
            "install|",
            "progress;",
            "progress;x/1",
            "progress;1/",
            "progress(success",
            "progress)success",
            "success trailing",
            "a|b|success",
        ] {
            assert!(parse(s).is_err(), "{s:?}");
        }
        let deep = format!("{}success{}", "progress(".repeat(100), ")".repeat(100));
        assert!(parse(&deep).unwrap_err().contains("too deeply"));
    }
}
