//! The vendor families: the vendor logic wazo-provd keeps in per-plugin
//! Python, one folder per vendor (`identify.rs`, `configure.rs`,
//! `phones.rs`, `tests.rs`), and the registry of them. What several
//! families share is in [`helpers`]; docs/ADDING_A_FAMILY.md lists every
//! place a new family touches.

pub mod aastra;
pub mod alcatel;
pub mod avaya;
pub mod cisco_sccp;
pub mod cisco_sip;
pub mod cisco_spa;
pub mod digium;
pub mod fanvil;
pub mod gigaset;
pub mod helpers;
pub mod htek;
pub mod identify;
pub mod phones;
pub mod plugins;
pub mod polycom;
pub mod snom;
pub mod yealink;

pub mod grandstream;
pub mod patton;

use provd_core::family::Family;
#[cfg(test)]
use provd_core::family::Request;

/// Whether a device's stored model and the model a request tells name the
/// same phone (the address retriever drops candidates whose model differs).
/// Equal names do; so does a Cisco SPA's three-digit DHCP model next to
/// the full one of its file requests (`SPA509` and `SPA509G`), or the phone
/// would become a second device between its DHCP lease and its first TFTP
/// request. Allocation-free: it runs on the request path.
pub fn same_model(stored: &str, asked: &str) -> bool {
    stored == asked || cisco_spa::dhcp_abbreviation_of(stored, asked) || cisco_spa::dhcp_abbreviation_of(asked, stored)
}

/// A row of `ident-vectors.tsv` as the request it stands for.
#[cfg(test)]
pub(crate) fn vector_request<'a>(protocol: &str, input: &'a [u8]) -> Request<'a> {
    match protocol {
        "http-ua" => Request::Http { path: b"/", user_agent: Some(input) },
        "http-path" => Request::Http { path: input, user_agent: None },
        "tftp-path" => Request::Tftp { filename: input },
        "dhcp-vendor" => Request::Dhcp { vendor_class: input },
        other => panic!("{other}"),
    }
}

/// A regex and a cheap check made before it (tests hold the two together).
#[cfg(test)]
pub(crate) type RegexRule = (&'static regex::bytes::Regex, fn(&[u8]) -> bool);

/// Capture spans of groups 1 to 3 of a User-Agent matched by hand.
pub(crate) type Spans = [(usize, usize); 3];

/// A regex and the hand-written matcher that must capture what it captures.
#[cfg(test)]
pub(crate) type CaptureRule = (&'static regex::bytes::Regex, fn(&[u8]) -> Option<Spans>);

/// The registry: each family once, as `folder::Type`. It fills both lists
/// from the one line, so a family cannot be served without being
/// simulated, or the other way round.
macro_rules! registry {
    ($($family:ident::$type:ident),* $(,)?) => {
        static FAMILIES: &[&dyn Family] = &[$(&$family::$type),*];
        static PHONES: &[&dyn phones::Phones] = &[$(&$family::$type),*];
    };
}

registry![
    aastra::Aastra,
    cisco_sccp::CiscoSccp,
    cisco_spa::CiscoSpa,
    digium::Digium,
    polycom::Polycom,
    snom::Snom,
    yealink::Yealink,
    cisco_sip::CiscoSip,
    avaya::Avaya,
    grandstream::Grandstream,
    patton::Patton,
    fanvil::Fanvil,
    htek::Htek,
    gigaset::Gigaset,
    alcatel::Alcatel,
];

/// Every family compiled into provd, in a fixed order (ties in the
/// identification vote go to the first).
pub fn all() -> &'static [&'static dyn Family] {
    FAMILIES
}

/// The family plugins name `id` in `plugin-info` (`"yealink"`).
pub fn by_id(id: &str) -> Option<&'static dyn Family> {
    FAMILIES.iter().copied().find(|f| f.id() == id)
}

#[cfg(test)]
mod prefilter_tests {
    //! The cheap checks identification makes before a regex must never
    //! skip a regex that would have matched: "prefilter false => no match",
    //! on every identification vector, mutations of them and random bytes.

    fn prefilters() -> Vec<super::RegexRule> {
        [
            cisco_spa::prefilters(),
            polycom::prefilters(),
            snom::prefilters(),
            yealink::prefilters(),
            cisco_sip::prefilters(),
            avaya::prefilters(),
            grandstream::prefilters(),
            patton::prefilters(),
            fanvil::prefilters(),
            htek::prefilters(),
            gigaset::prefilters(),
            alcatel::prefilters(),
        ]
        .concat()
    }

    use super::{
        aastra, alcatel, avaya, cisco_sip, cisco_spa, fanvil, gigaset, grandstream, htek, patton, polycom, snom,
        yealink,
    };
    use provd_core::rng::Rng;

    /// Every input of the identification vectors, as User-Agent and path.
    fn vectors() -> Vec<Vec<u8>> {
        let mut out: Vec<Vec<u8>> = include_str!("../../../tests/data/ident-vectors.tsv")
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').nth(1))
            .map(|s| s.as_bytes().to_vec())
            .collect();
        for extra in [
            &b"Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s)"[..],
            b"Mozilla/4.0 (compatible; snom320-SIP 8.4.18 1.1.3-s) 000413241234",
            b"Snom M900 05.20.0001 000413b60680",
            b"snomM700 05.20.0001 000413b60680",
            b"/snom320-000413241234.htm",
            b"Yealink-T46G 28.71.0.81 28.1.0.128.0.0.0",
            b"yealink  SIP VP-T49G 51.80.0.10 00:15:65:4a:a9:37",
            b"W52P 25.73.0.40 00:15:65:4a:a9:37",
            b"VP530P 23.70.0.40 00:15:65:4a:a9:37",
            b"FileTransport PolycomVVX-VVX_101-UA/5.4.3.1014 Type/Application",
            b"Mitel6930 MAC:00-08-5D-40-90-5F V:6.4.0.140-SIP",
            b"Linksys/SPA942-6.1.5(a) (4K1234567890)",
            b"Cisco/SPA508G-7.4.9a (0018B9FFFFFF)(CBT1234567)",
            b"00085D237429.cfg",
            b"00085d237429.cfg",
            b"Cisco-CP-8851-3PCC/11.3.1 (00562b0a0b0c)",
            b"/Cisco/CP-7841-3PCC/00562b0a0b0c.cfg",
            b"AVAYA/SIP12x0\x17/04.00.04.00",
            b"Mozilla/4.0 (compatible; MSIE 6.0) AVAYA/J179-4.1.3.0.6 (MAC:c81fea83e85a)",
        ] {
            out.push(extra.to_vec());
        }
        out
    }

    /// Bytes the patterns care about, and some they should not.
    const ALPHABET: &[u8] = b"sSnNoOmMyYeEaAlLiIkK-_ :./()0123456789abcdefABCDEFPV\t\n\r\x0b\x0c\0\xff\xc3\xa9";

    fn mutate(rng: &mut Rng, s: &mut Vec<u8>) {
        for _ in 0..1 + rng.below(3) {
            let at = if s.is_empty() { 0 } else { rng.below(s.len() + 1) };
            let byte = if rng.below(4) == 0 { rng.next_u64() as u8 } else { ALPHABET[rng.below(ALPHABET.len())] };
            match rng.below(5) {
                0 => s.insert(at, byte),
                1 if at < s.len() => {
                    s.remove(at);
                }
                2 if at < s.len() => s[at] = byte,
                3 if at < s.len() => s[at] ^= 0x20,
                _ => {
                    let junk: Vec<u8> = (0..rng.below(6)).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect();
                    s.splice(at..at, junk);
                }
            }
        }
    }

    fn inputs() -> Vec<Vec<u8>> {
        let base = vectors();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut out = base.clone();
        for s in &base {
            for _ in 0..200 {
                let mut m = s.clone();
                mutate(&mut rng, &mut m);
                out.push(m);
            }
        }
        for _ in 0..20_000 {
            let len = rng.below(48);
            out.push((0..len).map(|_| ALPHABET[rng.below(ALPHABET.len())]).collect());
        }
        out
    }

    #[test]
    fn a_prefilter_never_rules_out_a_match() {
        let inputs = inputs();
        for (re, may_match) in prefilters() {
            let mut matched = 0;
            for s in &inputs {
                if re.is_match(s) {
                    matched += 1;
                    assert!(may_match(s), "{re}: the prefilter rules out {:?}", String::from_utf8_lossy(s));
                }
            }
            // The inputs do exercise the pattern.
            assert!(matched > 0, "{re}: no input matches");
        }
    }

    #[test]
    fn hand_written_matchers_capture_what_their_regex_captures() {
        for (re, matcher) in [aastra::exact_captures(), yealink::exact_captures()].concat() {
            let mut matched = 0;
            for s in &inputs() {
                let by_regex = re.captures(s).map(|c| [1, 2, 3].map(|g| c.get(g).map(|m| (m.start(), m.end()))));
                let by_hand = matcher(s).map(|spans| spans.map(Some));
                assert_eq!(by_hand, by_regex, "{re}: {:?}", String::from_utf8_lossy(s));
                matched += usize::from(by_regex.is_some());
            }
            assert!(matched > 100, "{re}: only {matched} inputs match");
        }
    }

    #[test]
    fn hand_written_rules_equal_their_regex() {
        for (re, rule) in aastra::exact_rules() {
            for s in &inputs() {
                assert_eq!(rule(s), re.is_match(s), "{re}: {:?}", String::from_utf8_lossy(s));
            }
        }
    }
}
