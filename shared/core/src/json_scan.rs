//! Reading a few fields out of the store's own JSON documents without
//! parsing the rest: the request path reads a device's view, and serde
//! (which validates and visits every key it meets) was a fifth of the
//! server's CPU under load. The documents are written by serde_json; the readers here
//! give up (`None`) on anything they do not expect, and their callers then
//! ask serde, which stays the reference.

use std::borrow::Cow;

/// A cursor over a JSON document.
pub(crate) struct Scanner<'a> {
    pub(crate) b: &'a [u8],
    pub(crate) i: usize,
    /// `b` is known to be UTF-8 (see [`Scanner::for_str`]).
    utf8: bool,
}

impl<'a> Scanner<'a> {
    pub(crate) fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    pub(crate) fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    pub(crate) fn eat(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// After an opening quote: the bytes up to the closing one, and
    /// whether they hold escapes. Control characters: `None`.
    pub(crate) fn string(&mut self) -> Option<(&'a [u8], bool)> {
        let start = self.i;
        let mut escaped = false;
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    self.i += 1;
                    return Some((&self.b[start..self.i - 1], escaped));
                }
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                0..=0x1f => return None,
                _ => self.i += 1,
            }
        }
        None
    }

    /// A string without escapes, as UTF-8.
    pub(crate) fn plain_str(&mut self) -> Option<&'a str> {
        match self.string()? {
            // SAFETY: `raw` lies between two quotes, which are ASCII and so
            // on character boundaries of the UTF-8 text `b`.
            (raw, false) if self.utf8 => Some(unsafe { std::str::from_utf8_unchecked(raw) }),
            (raw, false) => std::str::from_utf8(raw).ok(),
            (_, true) => None,
        }
    }

    /// `true`, `false`, `null` or a JSON number, at the cursor.
    pub(crate) fn scalar(&mut self) -> Option<&'a [u8]> {
        let rest = &self.b[self.i..];
        for lit in [&b"true"[..], b"false", b"null"] {
            if rest.starts_with(lit) {
                self.i += lit.len();
                return Some(lit);
            }
        }
        let start = self.i;
        let digits = |s: &mut Self| {
            let from = s.i;
            while s.b.get(s.i).is_some_and(u8::is_ascii_digit) {
                s.i += 1;
            }
            s.i > from
        };
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        match self.b.get(self.i) {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return None,
        }
        if self.b.get(self.i) == Some(&b'.') {
            self.i += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        Some(&self.b[start..self.i])
    }

    /// Skips one value of any kind.
    pub(crate) fn skip(&mut self, depth: usize) -> Option<()> {
        if depth > 100 {
            return None;
        }
        match self.peek()? {
            b'"' => {
                self.i += 1;
                self.string().map(drop)
            }
            open @ (b'{' | b'[') => {
                self.i += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                if self.eat(close).is_some() {
                    return Some(());
                }
                loop {
                    if open == b'{' {
                        self.eat(b'"')?;
                        self.string()?;
                        self.eat(b':')?;
                    }
                    self.skip(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        c if c == close => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => self.scalar().map(drop),
        }
    }

    /// A `string or null` field.
    pub(crate) fn opt_str(&mut self) -> Option<Option<Cow<'a, str>>> {
        if self.peek()? == b'"' {
            self.i += 1;
            return Some(Some(Cow::Borrowed(self.plain_str()?)));
        }
        (self.scalar()? == b"null").then_some(None)
    }
}

impl<'a> Scanner<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Scanner<'a> {
        Scanner { b, i: 0, utf8: false }
    }

    /// Over text already checked as UTF-8: strings are then not checked one
    /// by one (one pass over a document costs less than a call per key).
    pub(crate) fn for_str(text: &'a str) -> Scanner<'a> {
        Scanner { b: text.as_bytes(), i: 0, utf8: true }
    }
}
