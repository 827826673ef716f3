//! MAC addresses in every form phones and administrators write them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 48-bit MAC address. Displays in provd's normal form `aa:bb:cc:dd:ee:ff`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mac(pub [u8; 6]);

/// A text that is not a MAC address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MAC address {input:?}: {reason}")]
pub struct MacError {
    /// The text given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Mac {
    /// Parses `00:08:5D:2E:EC:FB`, `00-08-5d-2e-ec-fb`, `00085D2EECFB` and
    /// `0008.5d2e.ecfb`. Mixed separators are refused: they are a typo, not a form.
    pub fn parse(input: &str) -> Result<Mac, MacError> {
        Self::parse_bytes(input.as_bytes()).map_err(|reason| MacError { input: input.to_owned(), reason })
    }

    /// Same as [`Mac::parse`] on raw bytes, without allocating on failure.
    pub fn parse_bytes(input: &[u8]) -> Result<Mac, &'static str> {
        let (group, sep) = match input.len() {
            12 => (12, None),
            17 => (2, Some(input[2])),
            14 => (4, Some(input[4])),
            _ => return Err("expected 12 hex digits, optionally separated by ':', '-' or '.'"),
        };
        if let Some(sep) = sep
            && !matches!(sep, b':' | b'-' | b'.')
        {
            return Err("unknown separator");
        }
        let mut out = [0u8; 6];
        let mut nibbles = 0usize;
        // Digits since the last separator (a counter: a division per byte
        // showed in the request path's profile).
        let mut in_group = 0;
        for &c in input {
            if let Some(sep) = sep
                && in_group == group
            {
                if c != sep {
                    return Err("inconsistent separators");
                }
                in_group = 0;
                continue;
            }
            in_group += 1;
            let v = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'f' => c - b'a' + 10,
                b'A'..=b'F' => c - b'A' + 10,
                _ => return Err("not a hexadecimal digit"),
            };
            out[nibbles / 2] |= if nibbles.is_multiple_of(2) { v << 4 } else { v };
            nibbles += 1;
        }
        if nibbles != 12 {
            return Err("expected 12 hex digits");
        }
        Ok(Mac(out))
    }

    /// Formats with an optional separator, as vendors name their files
    /// (`805ec0d57d72`, `00085D237429`, `00-08-5D-...`).
    pub fn format(&self, separator: Option<char>, uppercase: bool) -> String {
        let mut s = String::with_capacity(17);
        for (i, b) in self.0.iter().enumerate() {
            if i > 0
                && let Some(sep) = separator
            {
                s.push(sep);
            }
            let hex = if uppercase { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
            s.push(hex[(b >> 4) as usize] as char);
            s.push(hex[(b & 15) as usize] as char);
        }
        s
    }

    /// The normal form `aa:bb:cc:dd:ee:ff` written into `buf`, without
    /// allocating (index lookups on the request path).
    pub fn write_normal<'b>(&self, buf: &'b mut [u8; 17]) -> &'b str {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        for (i, b) in self.0.iter().enumerate() {
            buf[i * 3] = HEX[(b >> 4) as usize];
            buf[i * 3 + 1] = HEX[(b & 15) as usize];
            if i < 5 {
                buf[i * 3 + 2] = b':';
            }
        }
        std::str::from_utf8(buf).expect("hex digits and colons")
    }

    /// `805ec0d57d72`
    pub fn lower_hex(&self) -> String {
        self.format(None, false)
    }

    /// `805EC0D57D72`
    pub fn upper_hex(&self) -> String {
        self.format(None, true)
    }
}

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mac({self})")
    }
}

impl FromStr for Mac {
    type Err = MacError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Mac::parse(s)
    }
}

impl Serialize for Mac {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Mac {
    // A visitor rather than `Cow<str>`, which always copies: device
    // documents are read on the request path.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Mac;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a MAC address")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Mac, E> {
                Mac::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_normalises() {
        for s in ["00:08:5D:2E:EC:FB", "00-08-5d-2e-ec-fb", "00085D2EECFB", "00085d2eecfb", "0008.5d2e.ecfb"] {
            assert_eq!(Mac::parse(s).unwrap().to_string(), "00:08:5d:2e:ec:fb", "{s}");
        }
    }

    #[test]
    fn normal_form_without_allocating() {
        let m = Mac::parse("00-08-5D-2E-EC-FB").unwrap();
        let mut buf = [0u8; 17];
        assert_eq!(m.write_normal(&mut buf), m.to_string());
    }

    #[test]
    fn file_name_forms() {
        let m = Mac::parse("80:5e:c0:d5:7d:72").unwrap();
        assert_eq!(m.lower_hex(), "805ec0d57d72");
        assert_eq!(m.upper_hex(), "805EC0D57D72");
        assert_eq!(m.format(Some('-'), true), "80-5E-C0-D5-7D-72");
    }

    #[test]
    fn bad_forms_say_why() {
        let cases = [
            ("", "expected 12 hex digits"),
            ("00:15:6525ef16a7c", "inconsistent separators"),
            ("00:08:5d-2e:ec:fb", "inconsistent separators"),
            ("00085D2EECFG", "not a hexadecimal digit"),
            ("00/08/5d/2e/ec/fb", "unknown separator"),
            ("1", "expected 12 hex digits"),
        ];
        for (input, reason) in cases {
            let err = Mac::parse(input).unwrap_err();
            assert!(err.reason.contains(reason), "{input}: {err}");
            assert!(err.to_string().contains(&format!("{input:?}")), "{err}");
        }
    }

    #[test]
    fn serde_round_trip_normalises() {
        let m: Mac = serde_json::from_str("\"00-08-5D-2E-EC-FB\"").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"00:08:5d:2e:ec:fb\"");
        assert!(serde_json::from_str::<Mac>("\"zz\"").is_err());
    }
}
