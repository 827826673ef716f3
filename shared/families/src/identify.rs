//! Identification: every family looks at the request, their answers are
//! merged by vote (wazo-provd's `VotingUpdater`), and the best plugin for the
//! result is chosen by score.

use std::borrow::Cow;

use provd_core::family::{DeviceInfo, PROBABLE, Request};
use provd_core::plugin::Plugin;

/// At most this many families answer a request; the vote runs on the stack.
const MAX_ANSWERS: usize = 16;

/// Decodes the escapes phone requests are written with in
/// `ident-vectors.tsv` and `provd identify` arguments: `\xNN` for any byte
/// and `\\` for a backslash. `Err`: the offset of a `\x` not followed by
/// two hex digits.
pub fn unescape(s: &[u8]) -> Result<Vec<u8>, usize> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        match (s[i], s.get(i + 1)) {
            (b'\\', Some(b'\\')) => {
                out.push(b'\\');
                i += 2;
            }
            (b'\\', Some(b'x')) => {
                let hex = s.get(i + 2..i + 4).and_then(|h| std::str::from_utf8(h).ok());
                out.push(hex.and_then(|h| u8::from_str_radix(h, 16).ok()).ok_or(i)?);
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Runs every family's extractor on `request` and merges the answers: per
/// field, the value given by most families wins; ties go to the first
/// family in registry order. Allocation-free: it runs for every request.
pub fn identify<'a>(request: &Request<'a>) -> DeviceInfo<'a> {
    let mut answers: [Option<DeviceInfo<'a>>; MAX_ANSWERS] = Default::default();
    let mut n = 0;
    for f in crate::all() {
        if let Some(info) = f.extract(request).filter(|i| !i.is_empty())
            && n < MAX_ANSWERS
        {
            answers[n] = Some(info);
            n += 1;
        }
    }
    if n <= 1 {
        return answers[0].take().unwrap_or_default();
    }
    let answers = &answers[..n];
    let field =
        |get: for<'x> fn(&'x DeviceInfo<'a>) -> &'x Option<Cow<'a, str>>| vote(answers.iter().flatten().map(get));
    DeviceInfo {
        vendor: field(|a| &a.vendor),
        model: field(|a| &a.model),
        version: field(|a| &a.version),
        mac: vote(answers.iter().flatten().map(|a| &a.mac)),
        sn: field(|a| &a.sn),
        uuid: field(|a| &a.uuid),
    }
}

/// The value most answers give; ties to the first seen.
fn vote<'v, T: Clone + PartialEq + 'v>(values: impl Iterator<Item = &'v Option<T>> + Clone) -> Option<T> {
    let mut best: Option<(&T, usize)> = None;
    for (i, v) in values.clone().enumerate() {
        let Some(v) = v else { continue };
        // Count only at a value's first occurrence, so ties keep the first.
        if values.clone().take(i).flatten().any(|earlier| earlier == v) {
            continue;
        }
        let count = values.clone().flatten().filter(|x| *x == v).count();
        if best.is_none_or(|(_, c)| count > c) {
            best = Some((v, count));
        }
    }
    best.map(|(v, _)| v.clone())
}

/// The plugin that best supports `info`: the highest score of at least
/// PROBABLE (300); ties go to the greatest plugin id, so `wazo-yealink-v87`
/// beats `wazo-yealink-v86`.
pub fn best_plugin<'p>(plugins: &'p [Plugin], info: &DeviceInfo<'_>) -> Option<&'p Plugin> {
    plugins
        .iter()
        .map(|p| (p.family.associate(p, info), p))
        .filter(|(score, _)| *score >= PROBABLE)
        .max_by(|(sa, pa), (sb, pb)| sa.cmp(sb).then_with(|| pa.id.cmp(&pb.id)))
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_vector_inputs() {
        assert_eq!(unescape(br"CP-7960G\x00").unwrap(), b"CP-7960G\0");
        assert_eq!(unescape(br"a\\xff\xFF").unwrap(), b"a\\xff\xff");
        assert_eq!(unescape(b"plain").unwrap(), b"plain");
        assert_eq!(unescape(br"bad \xZZ"), Err(4));
        assert_eq!(unescape(br"cut \x0"), Err(4));
    }

    #[test]
    fn vote_majority_then_first() {
        let a = [Some("x"), Some("y"), Some("y"), None];
        assert_eq!(vote(a.iter()), Some("y"));
        let b = [Some("x"), Some("y"), None];
        assert_eq!(vote(b.iter()), Some("x"));
        let c: [Option<&str>; 2] = [None, None];
        assert_eq!(vote(c.iter()), None);
    }
}
