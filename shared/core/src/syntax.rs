//! How a value is written into a phone's file so that it stays one value:
//! never a new line, key, element or attribute. One rule per file syntax,
//! used both by the template environment (every `{{ ... }}` output) and by
//! the families (the values they put into the blocks they build themselves,
//! such as function keys). docs/ESCAPING.md tells the why.
//!
//! * Every syntax: a character that can end a line or that a file cannot
//!   carry becomes a space: the C0 controls (tab, LF, CR and the rest),
//!   DEL, the C1 controls (U+0080 to U+009F, NEL among them), the Unicode
//!   line and paragraph separators (U+2028, U+2029) and the two
//!   non-characters XML 1.0 forbids (U+FFFE, U+FFFF). Tab goes too: no
//!   phone setting needs one, and an XML parser turns one in an attribute
//!   into a space anyway.
//! * [`Syntax::Xml`] also escapes markup as Python's markupsafe (Jinja2's
//!   `|e`) does: `&` `&amp;`, `<` `&lt;`, `>` `&gt;`, `"` `&#34;`, `'`
//!   `&#39;`. Safe in element text and in attributes quoted either way.
//! * [`Syntax::Lines`] (`key = value`, `key: value`) needs nothing more:
//!   its key ends at the first separator, so a value is free to hold one.
//!
//! A value with nothing to change is not copied: a table lookup per byte
//! finds out first.

use std::borrow::Cow;
use std::fmt;

/// The syntax of the files a family renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Syntax {
    /// One setting per line (Yealink `key = value`, Aastra `key: value`).
    Lines,
    /// XML (Polycom, Cisco, Digium, Snom).
    Xml,
}

/// What each byte may start: `0` nothing, `CTRL` a character that becomes
/// a space (or, for the lead bytes 0xC2, 0xE2 and 0xEF, may start one),
/// `MARKUP` a character XML escapes.
const CTRL: u8 = 1;
const MARKUP: u8 = 2;
static BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = CTRL;
        b += 1;
    }
    t[0x7f] = CTRL;
    // U+0080..U+009F are C2 80..C2 9F; U+2028/U+2029 are E2 80 A8/A9;
    // U+FFFE/U+FFFF are EF BF BE/BF.
    t[0xc2] = CTRL;
    t[0xe2] = CTRL;
    t[0xef] = CTRL;
    t[b'&' as usize] = MARKUP;
    t[b'<' as usize] = MARKUP;
    t[b'>' as usize] = MARKUP;
    t[b'"' as usize] = MARKUP;
    t[b'\'' as usize] = MARKUP;
    t
};

/// Whether `c` becomes a space in every syntax.
pub fn breaks_structure(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}')
}

impl Syntax {
    /// The name of the syntax as a minijinja auto-escape format.
    pub fn name(self) -> &'static str {
        match self {
            Syntax::Lines => "provd-lines",
            Syntax::Xml => "provd-xml",
        }
    }

    /// The syntax [`name`](Self::name) gave, if any.
    pub fn from_name(name: &str) -> Option<Syntax> {
        match name {
            "provd-lines" => Some(Syntax::Lines),
            "provd-xml" => Some(Syntax::Xml),
            _ => None,
        }
    }

    fn mask(self) -> u8 {
        match self {
            Syntax::Lines => CTRL,
            Syntax::Xml => CTRL | MARKUP,
        }
    }

    /// What `c` is written as, if not as itself.
    fn replacement(self, c: char) -> Option<&'static str> {
        match c {
            '&' if self == Syntax::Xml => Some("&amp;"),
            '<' if self == Syntax::Xml => Some("&lt;"),
            '>' if self == Syntax::Xml => Some("&gt;"),
            '"' if self == Syntax::Xml => Some("&#34;"),
            '\'' if self == Syntax::Xml => Some("&#39;"),
            c if breaks_structure(c) => Some(" "),
            _ => None,
        }
    }

    /// Where the first character to replace may be (a byte offset), if
    /// anywhere.
    fn first_candidate(self, s: &str) -> Option<usize> {
        let mask = self.mask();
        s.bytes().position(|b| BYTES[b as usize] & mask != 0)
    }

    /// Writes `s` into `out` in this syntax.
    pub fn write_escaped<W: fmt::Write + ?Sized>(self, out: &mut W, s: &str) -> fmt::Result {
        let Some(start) = self.first_candidate(s) else {
            return out.write_str(s);
        };
        // `start` is a character boundary: only ASCII and lead bytes are flagged.
        let mut clean = 0;
        for (i, c) in s[start..].char_indices() {
            let i = start + i;
            if let Some(r) = self.replacement(c) {
                out.write_str(&s[clean..i])?;
                out.write_str(r)?;
                clean = i + c.len_utf8();
            }
        }
        out.write_str(&s[clean..])
    }

    /// `s` in this syntax, borrowed when nothing changes.
    pub fn escape(self, s: &str) -> Cow<'_, str> {
        match self.first_candidate(s) {
            Some(start) if s[start..].chars().any(|c| self.replacement(c).is_some()) => {
                let mut out = String::with_capacity(s.len() + 8);
                self.push_escaped(&mut out, s);
                Cow::Owned(out)
            }
            _ => Cow::Borrowed(s),
        }
    }

    /// Appends `s` in this syntax to `out`.
    pub fn push_escaped(self, out: &mut String, s: &str) {
        self.write_escaped(out, s).expect("writing to a String cannot fail");
    }
}

/// A value for a `key = value` or `key: value` line.
pub fn line_value(s: &str) -> Cow<'_, str> {
    Syntax::Lines.escape(s)
}

/// A value for XML element text or a quoted attribute.
pub fn xml(s: &str) -> Cow<'_, str> {
    Syntax::Xml.escape(s)
}

/// Python markupsafe's escaping alone (what Jinja2's `|e` does), control
/// characters kept: the `|e` filter of a template outside any file syntax.
pub fn markupsafe(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTILE: &str = "a\nb\rc\r\nd\te\u{b}f\u{c}g\u{0}h\u{7f}i\u{85}j\u{9f}k\u{2028}l\u{2029}m\u{fffe}n\u{ffff}o";

    #[test]
    fn every_line_breaking_or_control_character_becomes_a_space() {
        let want = "a b c  d e f g h i j k l m n o";
        assert_eq!(line_value(HOSTILE), want);
        assert_eq!(xml(HOSTILE), want);
        for c in (0..=0x10ffff).filter_map(char::from_u32) {
            let s = c.to_string();
            let changed = line_value(&s) != s;
            assert_eq!(changed, breaks_structure(c), "{c:?}");
            assert_eq!(changed, c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'));
        }
    }

    #[test]
    fn xml_escapes_markup_as_markupsafe_does() {
        let s = "Tom & \"Jerry\" <it's> ]]> é€";
        assert_eq!(xml(s), "Tom &amp; &#34;Jerry&#34; &lt;it&#39;s&gt; ]]&gt; é€");
        assert_eq!(markupsafe(s), xml(s));
        // Markup is a Lines value like any other.
        assert_eq!(line_value(s), s);
        assert_eq!(markupsafe("a\nb"), "a\nb");
    }

    #[test]
    fn clean_values_are_borrowed() {
        for s in ["", "10.0.0.1", "User 1001 Line 1", "Répertoire", "°C £ « »", "\u{2027}\u{202a}\u{fffd}"] {
            assert!(matches!(line_value(s), Cow::Borrowed(_)), "{s:?}");
            assert!(matches!(xml(s), Cow::Borrowed(_)), "{s:?}");
        }
        assert!(matches!(line_value("a&b"), Cow::Borrowed(_)));
        assert!(matches!(xml("a&b"), Cow::Owned(_)));
    }

    #[test]
    fn names_round_trip() {
        for s in [Syntax::Lines, Syntax::Xml] {
            assert_eq!(Syntax::from_name(s.name()), Some(s));
        }
        assert_eq!(Syntax::from_name("html"), None);
    }
}
