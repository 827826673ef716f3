//! Vendor families: the vendor logic wazo-provd keeps in per-plugin Python,
//! one file per vendor. Several plugin versions of one family share this code
//! and differ by data (`plugin-info` models, templates, static files).

use std::borrow::Cow;

use crate::Map;
use crate::device::Device;
use crate::mac::Mac;
use crate::plugin::Plugin;
pub use crate::syntax::Syntax;

pub mod aastra;
pub mod cisco_sccp;
pub mod cisco_spa;
pub mod digium;
pub mod helpers;
pub mod polycom;
pub mod snom;
pub mod yealink;

/// What one request tells about the phone that sent it. Borrowed from the
/// request where possible: identification runs on the request path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo<'a> {
    pub vendor: Option<Cow<'a, str>>,
    pub model: Option<Cow<'a, str>>,
    pub version: Option<Cow<'a, str>>,
    pub mac: Option<Mac>,
    pub sn: Option<Cow<'a, str>>,
    pub uuid: Option<Cow<'a, str>>,
}

impl DeviceInfo<'_> {
    pub fn is_empty(&self) -> bool {
        *self == DeviceInfo::default()
    }

    pub fn into_owned(self) -> DeviceInfo<'static> {
        fn own(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            c.map(|c| Cow::Owned(c.into_owned()))
        }
        DeviceInfo {
            vendor: own(self.vendor),
            model: own(self.model),
            version: own(self.version),
            mac: self.mac,
            sn: own(self.sn),
            uuid: own(self.uuid),
        }
    }
}

/// A phone request as identification sees it. Bytes, not strings: phones
/// send what they like.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// An HTTP request: its path (query string included) and User-Agent.
    Http { path: &'a [u8], user_agent: Option<&'a [u8]> },
    /// A TFTP read request: the file name exactly as received.
    Tftp { filename: &'a [u8] },
    /// A DHCP request: option 60 (vendor class identifier), raw bytes.
    Dhcp { vendor_class: &'a [u8] },
}

/// How well a plugin supports a device (wazo-provd's `DeviceSupport`).
/// Plugins may return values in between (e.g. Cisco SCCP's 310).
pub type Score = i32;
pub const NONE: Score = 0;
pub const IMPROBABLE: Score = 100;
pub const UNKNOWN: Score = 200;
pub const PROBABLE: Score = 300;
pub const INCOMPLETE: Score = 400;
pub const COMPLETE: Score = 500;
pub const EXACT: Score = 600;

/// Where the bytes of a served file come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// The device template chain: `<file basename>.tpl`, `<model>.tpl`, `base.tpl`.
    DeviceTemplate,
    /// A named template, after `<file basename>.tpl` (e.g. Snom's `.htm`).
    Template(String),
    /// Literal bytes (e.g. a certificate bundle copied from the raw config).
    Bytes(Vec<u8>),
}

/// A file a plugin serves for one device, at `path` relative to the
/// plugin's root (`Aastra/00085D237429.cfg`, `805ec0d57d72.cfg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceFile {
    pub path: String,
    pub source: FileSource,
}

impl DeviceFile {
    pub fn template(path: impl Into<String>) -> Self {
        DeviceFile { path: path.into(), source: FileSource::DeviceTemplate }
    }

    /// The file name alone, as used for device-specific templates and the
    /// sensitive-file rule.
    pub fn basename(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// A file rendered once per plugin from the base raw config (wazo-provd's
/// `configure_common`), e.g. Snom's per-model files.
#[derive(Debug, Clone, PartialEq)]
pub struct CommonFile {
    pub path: String,
    pub template: String,
    pub context: Map,
}

/// The SIP NOTIFY that makes a phone of this family reload its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncNotify {
    pub event: &'static str,
    /// `(content type, body lines)` for events that carry a body.
    pub body: Option<(&'static str, Vec<String>)>,
}

impl SyncNotify {
    pub const CHECK_SYNC: SyncNotify = SyncNotify { event: "check-sync", body: None };
}

/// Why a device cannot be configured. The message names what is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigureError {
    #[error("raw config parameter {0} is required by this plugin")]
    MissingParameter(&'static str),
    #[error("device field {0} is required by this plugin")]
    MissingDeviceField(&'static str),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
}

/// One vendor's logic. Implementations are stateless unit structs; per
/// plugin data comes from [`Plugin::info`].
pub trait Family: Send + Sync + 'static {
    /// The name plugins give in `plugin-info` (`"yealink"`).
    fn id(&self) -> &'static str;

    /// What this vendor's phones reveal in `request`; `None` when the request
    /// is not recognisably theirs. Never fails: malformed fields are dropped.
    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>>;

    /// How well `plugin` (of this family) supports the device described by
    /// `info`, the current request's extracted info.
    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score;

    /// The syntax of every file this family renders, templates and the
    /// blocks it builds alike: every value a template prints is escaped for
    /// it (see [`crate::syntax`]). One per family: none mixes formats.
    fn syntax(&self) -> Syntax;

    /// The top-level `XX_*` keys whose values [`configure`](Self::configure)
    /// writes as ready-made file syntax (several lines, elements): templates
    /// print them as they are. The family escapes, with [`Syntax`], every
    /// raw-config or device value it puts into them.
    fn markup_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Completes the flattened raw config (defaults already applied) with the
    /// values this family's templates use (`XX_*`) and returns the files the
    /// device is served.
    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError>;

    /// Files shared by every device of the plugin, from the base raw config.
    fn common_files(&self, _plugin: &Plugin, _base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        Ok(Vec::new())
    }

    /// Whether a requested file name (basename) can hold credentials; such
    /// requests are written to the security log.
    fn is_sensitive(&self, basename: &[u8]) -> bool;

    /// The file whose download proves the phone took its configuration.
    fn remote_state_trigger(&self, device: &Device) -> Option<String>;

    /// Whether `basename` is the trigger file of the device with this MAC
    /// and model. It runs on every request of a configured device, so
    /// families whose trigger is `<MAC>.<ext>` compare in place
    /// ([`mac_file_matches`]) instead of building the name.
    fn is_remote_state_trigger(&self, mac: Option<Mac>, model: Option<&str>, basename: &[u8]) -> bool {
        let device = Device { mac, model: model.map(str::to_owned), ..Default::default() };
        self.remote_state_trigger(&device).is_some_and(|t| t.as_bytes() == basename)
    }

    /// The NOTIFY to send, or `None` when the family cannot be synchronized.
    fn sync_notify(&self, _device: &Device) -> Option<SyncNotify> {
        Some(SyncNotify::CHECK_SYNC)
    }
}

/// Whether `name` is `<mac as 12 hex digits><suffix>` (digits upper- or
/// lower-case as the vendor names its files), without allocating.
pub fn mac_file_matches(mac: Mac, uppercase: bool, suffix: &[u8], name: &[u8]) -> bool {
    let hex: &[u8; 16] = if uppercase { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    name.len() == 12 + suffix.len()
        && name[12..] == *suffix
        && mac
            .0
            .iter()
            .enumerate()
            .all(|(i, b)| name[2 * i] == hex[(b >> 4) as usize] && name[2 * i + 1] == hex[(b & 15) as usize])
}

/// Whether a device's stored model and the model a request tells name the
/// same phone (the address retriever drops candidates whose model differs).
/// Equal names do; so does a Cisco SPA's three-digit DHCP model next to
/// the full one of its file requests (`SPA509` and `SPA509G`), or the phone
/// would become a second device between its DHCP lease and its first TFTP
/// request. Allocation-free: it runs on the request path.
pub fn same_model(stored: &str, asked: &str) -> bool {
    stored == asked || cisco_spa::dhcp_abbreviation_of(stored, asked) || cisco_spa::dhcp_abbreviation_of(asked, stored)
}

/// A regex and a cheap check made before it (tests hold the two together).
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

#[cfg(test)]
pub(crate) type RegexRule = (&'static regex::bytes::Regex, fn(&[u8]) -> bool);

/// Capture spans of groups 1 to 3 of a User-Agent matched by hand.
pub(crate) type Spans = [(usize, usize); 3];

/// A regex and the hand-written matcher that must capture what it captures.
#[cfg(test)]
pub(crate) type CaptureRule = (&'static regex::bytes::Regex, fn(&[u8]) -> Option<Spans>);

static FAMILIES: &[&dyn Family] = &[
    &aastra::Aastra,
    &cisco_sccp::CiscoSccp,
    &cisco_spa::CiscoSpa,
    &digium::Digium,
    &polycom::Polycom,
    &snom::Snom,
    &yealink::Yealink,
];

/// Every family compiled into provd, in a fixed order (ties in the
/// identification vote go to the first).
pub fn all() -> &'static [&'static dyn Family] {
    FAMILIES
}

pub fn by_id(id: &str) -> Option<&'static dyn Family> {
    FAMILIES.iter().copied().find(|f| f.id() == id)
}

#[cfg(test)]
mod prefilter_tests {
    //! The cheap checks identification makes before a regex must never
    //! skip a regex that would have matched: "prefilter false => no match",
    //! on every identification vector, mutations of them and random bytes.

    fn prefilters() -> Vec<super::RegexRule> {
        [cisco_spa::prefilters(), polycom::prefilters(), snom::prefilters(), yealink::prefilters()].concat()
    }

    use super::{aastra, cisco_spa, polycom, snom, yealink};
    use crate::rng::Rng;

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
