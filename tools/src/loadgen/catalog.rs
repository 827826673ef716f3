//! The simulated phones: seven vendor families, their models (the bundled
//! plugins' `plugin-info`), a MAC in the vendor's OUI, the vendor's
//! User-Agent and the files the phone asks for when it boots.
//!
//! Everything is a pure function of `(seed, index)`: the same phone has the
//! same MAC, model, source address and requests in every run, so a first run
//! can create the devices, `provd-compile --export` can dump what they are
//! served, and a second run can check every byte.
//!
//! Boot sequences (HTTP paths; over TFTP the same names without the leading
//! `/`), from `docs/behaviour/families.md` and the plugins' file layout:
//!
//! | family | first request | second request |
//! |---|---|---|
//! | aastra | `/Aastra/aastra.cfg` | `/Aastra/<MAC>.cfg` |
//! | cisco_sccp | `/SEP<MAC>.cnf.xml` | `/RINGLIST.XML` |
//! | cisco_spa | `/spa<model>.cfg` (`spa508G.cfg`, `spa942.cfg`) | `/<mac>.xml` |
//! | digium | `/Digium/<mac>.cfg` | `/Digium/<mac>-contacts.xml` |
//! | polycom | `/000000000000.cfg` | `/<mac>-user.cfg` |
//! | snom | `/snom<model>.htm` | `/<MAC>.xml` |
//! | yealink | `/y0000000000NN.cfg` (no such file: 404 expected) | `/<mac>.cfg` |
//!
//! Yealink's `NN` is the firmware's first number (`T46S` on `66.86.0.15`
//! asks `y000000000066.cfg`); wazo-provd generates no such file and the
//! phone goes on with its own. Cisco SCCP phones also ask `CTLSEP<MAC>.tlv`
//! and `ITLSEP<MAC>.tlv` first on a secured cluster; they are left out.

use std::fmt::Write as _;
use std::net::Ipv4Addr;

/// A vendor family, as `plugin-info` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    Aastra,
    CiscoSccp,
    CiscoSpa,
    Digium,
    Polycom,
    Snom,
    Yealink,
}

pub const ALL: [Family; 7] = [
    Family::Aastra,
    Family::CiscoSccp,
    Family::CiscoSpa,
    Family::Digium,
    Family::Polycom,
    Family::Snom,
    Family::Yealink,
];

impl Family {
    pub fn name(self) -> &'static str {
        match self {
            Family::Aastra => "aastra",
            Family::CiscoSccp => "cisco_sccp",
            Family::CiscoSpa => "cisco_spa",
            Family::Digium => "digium",
            Family::Polycom => "polycom",
            Family::Snom => "snom",
            Family::Yealink => "yealink",
        }
    }

    pub fn parse(s: &str) -> Option<Family> {
        ALL.into_iter().find(|f| f.name().eq_ignore_ascii_case(s) || f.name().replace('_', "-") == s)
    }

    /// The models a phone of this family is drawn from.
    pub fn models(self) -> &'static [Model] {
        match self {
            Family::Aastra => AASTRA,
            Family::CiscoSccp => CISCO_SCCP,
            Family::CiscoSpa => CISCO_SPA,
            Family::Digium => DIGIUM,
            Family::Polycom => POLYCOM,
            Family::Snom => SNOM,
            Family::Yealink => YEALINK,
        }
    }

    /// The vendor name provd stores on the device.
    pub fn vendor(self) -> &'static str {
        match self {
            Family::Aastra => "Aastra",
            Family::CiscoSccp | Family::CiscoSpa => "Cisco",
            Family::Digium => "Digium",
            Family::Polycom => "Polycom",
            Family::Snom => "Snom",
            Family::Yealink => "Yealink",
        }
    }

    /// Whether the phones of this family fetch over TFTP by default
    /// (`--transport auto`).
    pub fn tftp_by_default(self) -> bool {
        self == Family::CiscoSccp
    }
}

/// One model: the plugin that serves it once the phone identified itself
/// (checked against the plugins' association rules by a unit test), its
/// name as the phone announces it, and the firmware it announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Model {
    pub plugin: &'static str,
    pub name: &'static str,
    pub version: &'static str,
}

const fn m(plugin: &'static str, name: &'static str, version: &'static str) -> Model {
    Model { plugin, name, version }
}

const A3: &str = "wazo-aastra-3.3.1-SP4";
const A8: &str = "wazo-aastra-8.2.0";
static AASTRA: &[Model] = &[
    m(A3, "6730i", "3.3.1.4365"),
    m(A3, "6731i", "3.3.1.4365"),
    m(A3, "6735i", "3.3.1.8215"),
    m(A3, "6737i", "3.3.1.8215"),
    m(A3, "6739i", "3.3.1.4365"),
    m(A3, "6753i", "3.3.1.4365"),
    m(A3, "6755i", "3.3.1.4365"),
    m(A3, "6757i", "3.3.1.4365"),
    m(A3, "9143i", "3.3.1.4365"),
    m(A3, "9480i", "3.3.1.4365"),
    m(A8, "6863i", "8.2.0"),
    m(A8, "6865i", "8.2.0"),
    m(A8, "6867i", "8.2.0"),
    m(A8, "6869i", "8.2.0"),
    m(A8, "6873i", "8.2.0"),
    m(A8, "6905", "8.2.0"),
    m(A8, "6910", "8.2.0"),
    m(A8, "6915", "8.2.0"),
    m(A8, "6920", "8.2.0"),
    m(A8, "6930", "8.2.0"),
    m(A8, "6940", "8.2.0"),
    m(A8, "6970", "8.2.0"),
];

// SCCP phones announce no model over TFTP or HTTP (only DHCP does), so a
// phone provd has not seen lands on the plugin that wins the tie for
// "Cisco, model unknown": the greatest id, wazo-cisco-sccp-legacy.
const SCCP: &str = "wazo-cisco-sccp-legacy";
static CISCO_SCCP: &[Model] =
    &[m(SCCP, "7905G", "8.0.3"), m(SCCP, "7912G", "8.0.4"), m(SCCP, "7940G", "8.1.2"), m(SCCP, "7960G", "8.1.2")];

const SPA: &str = "wazo-cisco-spa-7.5.5";
const SPA_LEGACY: &str = "wazo-cisco-spa-legacy";
static CISCO_SPA: &[Model] = &[
    m(SPA, "SPA301", "7.5.5"),
    m(SPA, "SPA303", "7.5.5"),
    m(SPA, "SPA501G", "7.5.5"),
    m(SPA, "SPA502G", "7.5.5"),
    m(SPA, "SPA504G", "7.5.5"),
    m(SPA, "SPA508G", "7.5.5"),
    m(SPA, "SPA509G", "7.5.5"),
    m(SPA, "SPA512G", "7.5.5"),
    m(SPA, "SPA514G", "7.5.5"),
    m(SPA, "SPA525G", "7.5.5"),
    m(SPA, "SPA525G2", "7.5.5"),
    m(SPA_LEGACY, "SPA921", "5.1.8"),
    m(SPA_LEGACY, "SPA922", "6.1.5(a)"),
    m(SPA_LEGACY, "SPA941", "5.1.8"),
    m(SPA_LEGACY, "SPA942", "6.1.5(a)"),
    m(SPA_LEGACY, "SPA962", "6.1.5(a)"),
    m("wazo-cisco-spa100-1.3.5p", "SPA112", "1.3.5p"),
    m("wazo-cisco-spa100-1.3.5p", "SPA122", "1.3.5p"),
    m("wazo-cisco-spa2102-5.2.12", "SPA2102", "5.2.12"),
    m("wazo-cisco-spa3102-5.1.10", "SPA3102", "5.1.10"),
    m("wazo-cisco-spa8000-6.1.11", "SPA8000", "6.1.11"),
];

const DIG: &str = "wazo-digium-2.8.1";
static DIGIUM: &[Model] = &[
    m(DIG, "D40", "2.8.1"),
    m(DIG, "D45", "2.8.1"),
    m(DIG, "D50", "2.8.1"),
    m(DIG, "D60", "2.8.1"),
    m(DIG, "D62", "2.8.1"),
    m(DIG, "D65", "2.8.1"),
    m(DIG, "D70", "2.8.1"),
];

// UC Software plugins score 501 whatever the version: a model both list
// goes to the greatest id (6.4.6); the others stay on 5.9.2.
const P3: &str = "wazo-polycom-3.2.4B";
const P5: &str = "wazo-polycom-5.9.2";
const P6: &str = "wazo-polycom-6.4.6";
static POLYCOM: &[Model] = &[
    m(P3, "SPIP321", "3.2.4.0267"),
    m(P3, "SPIP331", "3.2.4.0267"),
    m(P3, "SPIP335", "3.2.4.0267"),
    m(P3, "SPIP450", "3.2.4.0267"),
    m(P3, "SPIP550", "3.2.4.0267"),
    m(P3, "SPIP650", "3.2.4.0267"),
    m(P3, "SSIP5000", "3.2.4.0267"),
    m(P3, "SSIP6000", "3.2.4.0267"),
    m(P5, "VVX300", "5.9.2.3446"),
    m(P5, "VVX310", "5.9.2.3446"),
    m(P5, "VVX400", "5.9.2.3446"),
    m(P5, "VVX410", "5.9.2.3446"),
    m(P5, "VVX500", "5.9.2.3446"),
    m(P5, "VVX600", "5.9.2.3446"),
    m(P6, "VVX150", "6.4.6.2214"),
    m(P6, "VVX250", "6.4.6.2214"),
    m(P6, "VVX350", "6.4.6.2214"),
    m(P6, "VVX401", "6.4.6.2214"),
    m(P6, "VVX411", "6.4.6.2214"),
    m(P6, "VVX450", "6.4.6.2214"),
    m(P6, "VVX501", "6.4.6.2214"),
    m(P6, "VVX601", "6.4.6.2214"),
];

const S8: &str = "wazo-snom-8.7.5.35";
const S10: &str = "wazo-snom-10.1.54.13";
const SD: &str = "wazo-snom-dect-05.20.0001";
static SNOM: &[Model] = &[
    m(S8, "300", "8.7.5.35"),
    m(S8, "320", "8.7.5.35"),
    m(S8, "370", "8.7.5.35"),
    m(S8, "710", "8.7.5.35"),
    m(S8, "720", "8.7.5.35"),
    m(S8, "760", "8.7.5.35"),
    m(S8, "820", "8.7.5.35"),
    m(S8, "870", "8.7.5.35"),
    m(S8, "715", "8.7.5.35"),
    m(S10, "715", "10.1.54.13"),
    m(S10, "725", "10.1.54.13"),
    m(S10, "D120", "10.1.54.13"),
    m(S10, "D315", "10.1.54.13"),
    m(S10, "D345", "10.1.54.13"),
    m(S10, "D385", "10.1.54.13"),
    m(S10, "D717", "10.1.54.13"),
    m(S10, "D735", "10.1.54.13"),
    m(S10, "D765", "10.1.54.13"),
    m(S10, "D785", "10.1.54.13"),
    m(SD, "M300", "05.20.0001"),
    m(SD, "M700", "05.20.0001"),
    m(SD, "M900", "05.20.0001"),
];

// Models both Yealink plugins list are told apart by the exact firmware.
const Y85: &str = "wazo-yealink-v85";
const Y86: &str = "wazo-yealink-v86";
static YEALINK: &[Model] = &[
    m(Y85, "T46S", "66.85.0.5"),
    m(Y85, "T54W", "96.85.0.5"),
    m(Y85, "T33G", "124.85.0.40"),
    m(Y85, "W60B", "77.85.0.25"),
    m(Y85, "CP960", "73.85.0.5"),
    m(Y86, "T31G", "124.86.0.75"),
    m(Y86, "T33G", "124.86.0.75"),
    m(Y86, "T41S", "66.86.0.15"),
    m(Y86, "T42S", "66.86.0.15"),
    m(Y86, "T46S", "66.86.0.15"),
    m(Y86, "T48S", "66.86.0.15"),
    m(Y86, "T43U", "108.86.0.90"),
    m(Y86, "T46U", "108.86.0.90"),
    m(Y86, "T48U", "108.86.0.90"),
    m(Y86, "T53W", "96.86.0.45"),
    m(Y86, "T54W", "96.86.0.45"),
    m(Y86, "T57W", "96.86.0.45"),
    m(Y86, "T58", "58.86.0.20"),
    m(Y86, "T27G", "69.86.0.15"),
    m(Y86, "CP920", "78.86.0.15"),
];

/// What a request is to the phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A file shared by the plugin's phones (must exist).
    Common,
    /// One of the phone's own files (must exist).
    Device,
    /// Asked for but not generated by wazo-provd's plugins: "not found" is
    /// the expected answer (any 200 is still checked with `--expect`).
    Optional,
}

/// One request of a boot sequence. `path` has no leading `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub path: String,
    pub role: Role,
}

/// Which files of the boot sequence a phone fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Files {
    /// The whole sequence.
    Boot,
    /// Only the phone's first own file (one transfer per boot).
    Device,
}

/// One simulated phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    pub index: u32,
    pub family: Family,
    pub model: Model,
    pub mac: [u8; 6],
}

/// splitmix64: a good 64-bit mix, dependency-free.
pub fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

const MASK24: u32 = 0xFF_FFFF;

/// A bijection of the 24-bit numbers keyed by `seed`: distinct indexes get
/// distinct MAC suffixes (no collision, ever, below 2^24 phones), and they
/// do not look sequential. Each step (xor-shift, odd multiply, add) is
/// invertible modulo 2^24.
pub fn permute24(seed: u64, x: u32) -> u32 {
    let k = mix64(seed);
    let (a, b) = ((k as u32 | 1) & MASK24, ((k >> 32) as u32) & MASK24);
    let mut v = x & MASK24;
    v ^= v >> 12;
    v = v.wrapping_mul(a) & MASK24;
    v = v.wrapping_add(b) & MASK24;
    v ^= v >> 11;
    v = v.wrapping_mul(0x2A_C0B5 | 1) & MASK24;
    v ^= v >> 13;
    v
}

/// The OUI a phone's MAC starts with (Mitel for the 6900 series).
fn oui(family: Family, model: &str) -> [u8; 3] {
    match family {
        Family::Aastra if model.starts_with("69") => [0x14, 0x00, 0xE9],
        Family::Aastra => [0x00, 0x08, 0x5D],
        Family::CiscoSccp => [0x00, 0x1E, 0x4A],
        Family::CiscoSpa if is_linksys(model) => [0x00, 0x0E, 0x08],
        Family::CiscoSpa => [0x00, 0x02, 0xFD],
        Family::Digium => [0x00, 0x0F, 0xD3],
        Family::Polycom => [0x00, 0x04, 0xF2],
        Family::Snom => [0x00, 0x04, 0x13],
        Family::Yealink => [0x80, 0x5E, 0xC0],
    }
}

/// Linksys-branded SPA models announce `Linksys/...` without their MAC.
fn is_linksys(model: &str) -> bool {
    model.starts_with("SPA9") || matches!(model, "SPA2102" | "SPA3102" | "SPA8000")
}

/// The phone's own loopback address: every phone has its own, as on a real
/// network (provd's retrieval by IP and per-address rate limits depend on
/// it). `127.<10 + i / 62500>.<2 + i / 250 % 250>.<2 + i % 250>`: no `.0`,
/// no `.255`, distinct for every index below 3.7 million.
pub fn phone_ip(index: u32) -> Ipv4Addr {
    Ipv4Addr::new(127, (10 + index / 62_500) as u8, (2 + index / 250 % 250) as u8, (2 + index % 250) as u8)
}

/// Largest index [`phone_ip`] maps without wrapping.
pub const MAX_INDEX: u32 = 62_500 * 245;

impl Phone {
    /// Phone `index` of the fleet `seed` drawn from `families` (round-robin,
    /// so each family gets the same share).
    pub fn new(seed: u64, index: u32, families: &[Family]) -> Phone {
        let family = families[index as usize % families.len()];
        let models = family.models();
        let model =
            models[(mix64(seed ^ u64::from(index).wrapping_mul(0xA24B_AED4_963E_E407)) % models.len() as u64) as usize];
        let o = oui(family, model.name);
        let s = permute24(seed, index).to_be_bytes();
        Phone { index, family, model, mac: [o[0], o[1], o[2], s[1], s[2], s[3]] }
    }

    pub fn plugin(&self) -> &'static str {
        self.model.plugin
    }

    /// `00085D13CA05`.
    pub fn mac_upper(&self) -> String {
        hex(&self.mac, true, None)
    }

    /// `00085d13ca05`.
    pub fn mac_lower(&self) -> String {
        hex(&self.mac, false, None)
    }

    /// `00:08:5d:13:ca:05`, provd's normal form.
    pub fn mac_normal(&self) -> String {
        hex(&self.mac, false, Some(':'))
    }

    /// The User-Agent of the phone's HTTP requests, in the vendor's format.
    pub fn user_agent(&self) -> String {
        let (model, version) = (self.model.name, self.model.version);
        match self.family {
            Family::Aastra => {
                let brand = if model.starts_with("69") { "Mitel" } else { "Aastra" };
                format!("{brand}{model} MAC:{} V:{version}-SIP", hex(&self.mac, true, Some('-')))
            }
            // The UA says nothing provd reads: identification is by path.
            Family::CiscoSccp => format!("Cisco-CP{model}/{version}"),
            Family::CiscoSpa if is_linksys(model) => {
                let dashed = if model.starts_with("SPA9") { format!("SPA-{}", &model[3..]) } else { model.to_owned() };
                format!("Linksys/{dashed}-{version} ({})", self.serial())
            }
            Family::CiscoSpa => format!("Cisco/{model}-{version} ({})({})", self.mac_upper(), self.serial()),
            // Digium phones are identified by path (and DHCP); the UA is not read.
            Family::Digium => format!("Digium {model} {version}"),
            Family::Polycom => {
                let (line, short) = match model {
                    m if m.starts_with("SPIP") => ("SoundPointIP", format!("SPIP_{}", &m[4..])),
                    m if m.starts_with("SSIP") => ("SoundStationIP", format!("SSIP_{}", &m[4..])),
                    m => ("VVX", format!("VVX_{}", &m[3..])),
                };
                format!("FileTransport Polycom{line}-{short}-UA/{version}")
            }
            Family::Snom if model.starts_with('M') => format!("Snom {model} {version} {}", self.mac_upper()),
            Family::Snom if version.starts_with("10.") => format!(
                "Mozilla/4.0 (compatible; snom{model}-SIP {version} 2010.12-00004-g9ba52f5 {} SXM:0 UXM:0)",
                self.mac_upper()
            ),
            Family::Snom => format!("Mozilla/4.0 (compatible; snom{model}-SIP {version} 1.1.3-s {})", self.mac_upper()),
            Family::Yealink => {
                let bare = model.starts_with("CP96") || model.starts_with('W') || model.starts_with("AX");
                let sip = if bare { "" } else { "SIP-" };
                format!("Yealink {sip}{model} {version} {}", self.mac_normal())
            }
        }
    }

    /// A serial number in the Cisco format (`CBT` + 8), from the MAC.
    fn serial(&self) -> String {
        format!("CBT{:02X}{:02X}{:02X}{:02X}", self.mac[2], self.mac[3], self.mac[4], self.mac[5])
    }

    /// The requests of one boot, in order.
    pub fn steps(&self, files: Files) -> Vec<Step> {
        let s = |path: String, role| Step { path, role };
        let (mac, mac_u) = (self.mac_lower(), self.mac_upper());
        let model = self.model.name;
        let all = match self.family {
            Family::Aastra => {
                vec![s("Aastra/aastra.cfg".into(), Role::Common), s(format!("Aastra/{mac_u}.cfg"), Role::Device)]
            }
            Family::CiscoSccp => {
                vec![s(format!("SEP{mac_u}.cnf.xml"), Role::Device), s("RINGLIST.XML".into(), Role::Common)]
            }
            Family::CiscoSpa => {
                vec![s(format!("spa{}.cfg", &model[3..]), Role::Common), s(format!("{mac}.xml"), Role::Device)]
            }
            Family::Digium => vec![
                s(format!("Digium/{mac}.cfg"), Role::Device),
                s(format!("Digium/{mac}-contacts.xml"), Role::Device),
            ],
            Family::Polycom => {
                vec![s("000000000000.cfg".into(), Role::Common), s(format!("{mac}-user.cfg"), Role::Device)]
            }
            Family::Snom => vec![s(format!("snom{model}.htm"), Role::Common), s(format!("{mac_u}.xml"), Role::Device)],
            Family::Yealink => {
                let first = self.model.version.split('.').next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
                vec![s(format!("y{first:012}.cfg"), Role::Optional), s(format!("{mac}.cfg"), Role::Device)]
            }
        };
        match files {
            Files::Boot => all,
            Files::Device => all.into_iter().filter(|st| st.role == Role::Device).take(1).collect(),
        }
    }
}

fn hex(bytes: &[u8], upper: bool, sep: Option<char>) -> String {
    let mut out = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0
            && let Some(c) = sep
        {
            out.push(c);
        }
        let _ = if upper { write!(out, "{b:02X}") } else { write!(out, "{b:02x}") };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn phone(family: Family, model: &str, mac: [u8; 6]) -> Phone {
        let model = *family.models().iter().find(|m| m.name == model).expect("model in catalog");
        Phone { index: 0, family, model, mac }
    }

    #[test]
    fn family_names_round_trip() {
        for f in ALL {
            assert_eq!(Family::parse(f.name()), Some(f));
        }
        assert_eq!(Family::parse("cisco-spa"), Some(Family::CiscoSpa));
        assert_eq!(Family::parse("nokia"), None);
    }

    #[test]
    fn mac_forms() {
        let p = phone(Family::Aastra, "6739i", [0x00, 0x08, 0x5d, 0x13, 0xca, 0x05]);
        assert_eq!(p.mac_upper(), "00085D13CA05");
        assert_eq!(p.mac_lower(), "00085d13ca05");
        assert_eq!(p.mac_normal(), "00:08:5d:13:ca:05");
    }

    #[test]
    fn sequences_per_family() {
        let mac = [0x00, 0x08, 0x5d, 0x13, 0xca, 0x05];
        let paths = |p: &Phone| p.steps(Files::Boot).into_iter().map(|s| s.path).collect::<Vec<_>>();
        let aastra = phone(Family::Aastra, "6739i", mac);
        assert_eq!(paths(&aastra), ["Aastra/aastra.cfg", "Aastra/00085D13CA05.cfg"]);
        assert_eq!(aastra.user_agent(), "Aastra6739i MAC:00-08-5D-13-CA-05 V:3.3.1.4365-SIP");
        let mitel = phone(Family::Aastra, "6930", mac);
        assert_eq!(mitel.user_agent(), "Mitel6930 MAC:00-08-5D-13-CA-05 V:8.2.0-SIP");

        let yealink = phone(Family::Yealink, "T31G", [0x80, 0x5e, 0xc0, 0xd5, 0x7d, 0x72]);
        assert_eq!(paths(&yealink), ["y000000000124.cfg", "805ec0d57d72.cfg"]);
        assert_eq!(yealink.user_agent(), "Yealink SIP-T31G 124.86.0.75 80:5e:c0:d5:7d:72");
        assert_eq!(yealink.steps(Files::Boot)[0].role, Role::Optional);
        let cp960 = phone(Family::Yealink, "CP960", [0x80, 0x5e, 0xc0, 0xd5, 0x7d, 0x72]);
        assert_eq!(cp960.user_agent(), "Yealink CP960 73.85.0.5 80:5e:c0:d5:7d:72");

        let polycom = phone(Family::Polycom, "VVX400", [0x00, 0x04, 0xf2, 0xab, 0xcd, 0xef]);
        assert_eq!(paths(&polycom), ["000000000000.cfg", "0004f2abcdef-user.cfg"]);
        assert_eq!(polycom.user_agent(), "FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446");
        let spip = phone(Family::Polycom, "SPIP335", [0x00, 0x04, 0xf2, 0xab, 0xcd, 0xef]);
        assert_eq!(spip.user_agent(), "FileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.4.0267");

        let snom = phone(Family::Snom, "D785", [0x00, 0x04, 0x13, 0x92, 0x2d, 0x24]);
        assert_eq!(paths(&snom), ["snomD785.htm", "000413922D24.xml"]);
        assert_eq!(
            snom.user_agent(),
            "Mozilla/4.0 (compatible; snomD785-SIP 10.1.54.13 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)"
        );

        let sccp = phone(Family::CiscoSccp, "7960G", [0x00, 0x1e, 0x4a, 0x01, 0x02, 0x03]);
        assert_eq!(paths(&sccp), ["SEP001E4A010203.cnf.xml", "RINGLIST.XML"]);

        let spa = phone(Family::CiscoSpa, "SPA508G", [0x00, 0x02, 0xfd, 0xff, 0x21, 0x03]);
        assert_eq!(paths(&spa), ["spa508G.cfg", "0002fdff2103.xml"]);
        assert_eq!(spa.user_agent(), "Cisco/SPA508G-7.5.5 (0002FDFF2103)(CBTFDFF2103)");
        let linksys = phone(Family::CiscoSpa, "SPA942", [0x00, 0x0e, 0x08, 0x01, 0x02, 0x03]);
        assert_eq!(paths(&linksys), ["spa942.cfg", "000e08010203.xml"]);
        assert_eq!(linksys.user_agent(), "Linksys/SPA-942-6.1.5(a) (CBT08010203)");

        let digium = phone(Family::Digium, "D40", [0x00, 0x0f, 0xd3, 0x01, 0x02, 0x03]);
        assert_eq!(paths(&digium), ["Digium/000fd3010203.cfg", "Digium/000fd3010203-contacts.xml"]);
    }

    #[test]
    fn device_only_takes_the_first_own_file() {
        let p = phone(Family::Yealink, "T46S", [0x80, 0x5e, 0xc0, 1, 2, 3]);
        let steps = p.steps(Files::Device);
        assert_eq!(steps, [Step { path: "805ec0010203.cfg".into(), role: Role::Device }]);
        let d = phone(Family::Digium, "D40", [0, 0x0f, 0xd3, 1, 2, 3]);
        assert_eq!(d.steps(Files::Device).len(), 1);
        for f in ALL {
            let p = Phone::new(7, 3, &[f]);
            assert_eq!(p.steps(Files::Device).len(), 1, "{f:?}");
        }
    }

    #[test]
    fn macs_are_deterministic_distinct_and_in_the_vendor_oui() {
        let mut seen = HashSet::new();
        for i in 0..70_000 {
            let p = Phone::new(42, i, &ALL);
            assert_eq!(p, Phone::new(42, i, &ALL));
            assert_eq!(&p.mac[..3], &oui(p.family, p.model.name), "{p:?}");
            assert!(seen.insert(p.mac), "duplicate MAC for index {i}");
        }
        assert_ne!(Phone::new(1, 5, &ALL).mac, Phone::new(2, 5, &ALL).mac);
        // Round-robin: 7 consecutive phones cover the 7 families.
        let fams: HashSet<_> = (0..7).map(|i| Phone::new(1, i, &ALL).family).collect();
        assert_eq!(fams.len(), 7);
    }

    #[test]
    fn permute24_is_a_bijection() {
        let mut seen = vec![false; 1 << 24];
        for x in 0..(1u32 << 24) {
            let y = permute24(9, x) as usize;
            assert!(!seen[y]);
            seen[y] = true;
        }
    }

    #[test]
    fn phone_ips_are_distinct_loopback_addresses() {
        let mut seen = HashSet::new();
        for i in (0..MAX_INDEX).step_by(7).chain([MAX_INDEX - 1]) {
            let ip = phone_ip(i);
            assert!(ip.is_loopback());
            assert!(!matches!(ip.octets()[3], 0 | 255) && !matches!(ip.octets()[2], 0 | 255));
            assert!(seen.insert(ip));
        }
        assert_eq!(phone_ip(0), Ipv4Addr::new(127, 10, 2, 2));
    }

    /// The catalog's plugin is the one provd assigns: run the families'
    /// extractors and the association on each model's first request, over
    /// the bundled plugins, as the server does.
    #[test]
    fn catalog_plugins_are_what_provd_assigns() {
        use provd_core::family::Request;
        use provd_families::identify::{best_plugin, identify};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins");
        let (plugins, errors) = provd_families::plugins::scan(&dir).unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        for family in ALL {
            for model in family.models() {
                let p = Phone {
                    index: 0,
                    family,
                    model: *model,
                    mac: [oui(family, model.name), [1, 2, 3]].concat().try_into().unwrap(),
                };
                let plugin = plugins.iter().find(|pl| pl.id == model.plugin).expect("catalog plugin is bundled");
                assert_eq!(plugin.info.family, family.name());
                assert!(plugin.info.models.contains_key(model.name), "{} does not list {}", plugin.id, model.name);
                let ua = p.user_agent();
                let path = format!("/{}", p.steps(Files::Boot)[0].path);
                let info = identify(&Request::Http { path: path.as_bytes(), user_agent: Some(ua.as_bytes()) });
                let got = best_plugin(&plugins, &info).map(|pl| pl.id.as_str());
                assert_eq!(got, Some(model.plugin), "{family:?} {} ({ua} {path}): {info:?}", model.name);
                if family == Family::CiscoSccp {
                    let name = p.steps(Files::Boot)[0].path.clone();
                    let info = identify(&Request::Tftp { filename: name.as_bytes() });
                    assert_eq!(best_plugin(&plugins, &info).map(|pl| pl.id.as_str()), Some(model.plugin));
                    assert_eq!(info.mac.map(|m| m.to_string()), Some(p.mac_normal()));
                }
                // Whatever identifies the phone must find its MAC by the
                // device file at the latest.
                let dev = p.steps(Files::Device)[0].path.clone();
                let dev_path = format!("/{dev}");
                let info = identify(&Request::Http { path: dev_path.as_bytes(), user_agent: Some(ua.as_bytes()) });
                assert_eq!(info.mac.map(|m| m.to_string()), Some(p.mac_normal()), "{family:?} {}", model.name);
            }
        }
    }
}
