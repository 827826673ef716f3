//! The simulated phones: the families of provd's registry, their models,
//! a MAC in the vendor's OUI, the vendor's User-Agent and the files the
//! phone asks for when it boots, all from [`provd_families::phones`] (each
//! family's `phones.rs`): a family added to provd is simulated too.
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

use std::fmt;
use std::hash::{Hash, Hasher};
use std::net::Ipv4Addr;

use provd_families::phones::{self, Phones, mac_hex};
pub use provd_families::phones::{Model, Role, Step};

/// A vendor family of provd's registry, as `plugin-info` names it.
#[derive(Clone, Copy)]
pub struct Family(&'static dyn Phones);

impl PartialEq for Family {
    fn eq(&self, other: &Family) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Family {}

impl Hash for Family {
    fn hash<H: Hasher>(&self, h: &mut H) {
        self.name().hash(h);
    }
}

impl fmt::Debug for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Every family of the registry, in its order.
pub fn all() -> Vec<Family> {
    phones::all().iter().map(|&p| Family(p)).collect()
}

impl Family {
    /// The name plugins give in `plugin-info` (`cisco_spa`).
    pub fn name(self) -> &'static str {
        self.0.id()
    }

    /// The family named `s` (`cisco_spa`, `cisco-spa`, any case).
    pub fn parse(s: &str) -> Option<Family> {
        all().into_iter().find(|f| f.name().eq_ignore_ascii_case(s) || f.name().replace('_', "-") == s)
    }

    /// The models a phone of this family is drawn from.
    pub fn models(self) -> &'static [Model] {
        self.0.models()
    }

    /// The vendor name provd stores on the device.
    pub fn vendor(self) -> &'static str {
        self.0.vendor()
    }

    /// Whether the phones of this family fetch over TFTP by default
    /// (`--transport auto`).
    pub fn tftp_by_default(self) -> bool {
        self.0.tftp_by_default()
    }

    /// The `protocol` of the phones' raw config (`SIP`, `SCCP`).
    pub fn protocol(self) -> &'static str {
        self.0.protocol()
    }

    /// The OUI a phone of `model` has its MAC in.
    pub fn oui(self, model: &str) -> [u8; 3] {
        self.0.oui(model)
    }
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
        let o = family.oui(model.name);
        let s = permute24(seed, index).to_be_bytes();
        Phone { index, family, model, mac: [o[0], o[1], o[2], s[1], s[2], s[3]] }
    }

    pub fn plugin(&self) -> &'static str {
        self.model.plugin
    }

    /// `00085D13CA05`.
    pub fn mac_upper(&self) -> String {
        mac_hex(self.mac, true, None)
    }

    /// `00085d13ca05`.
    pub fn mac_lower(&self) -> String {
        mac_hex(self.mac, false, None)
    }

    /// `00:08:5d:13:ca:05`, provd's normal form.
    pub fn mac_normal(&self) -> String {
        mac_hex(self.mac, false, Some(':'))
    }

    /// The User-Agent of the phone's HTTP requests, in the vendor's format.
    pub fn user_agent(&self) -> String {
        self.family.0.user_agent(self.model.name, self.model.version, self.mac)
    }

    /// The requests of one boot, in order.
    pub fn steps(&self, files: Files) -> Vec<Step> {
        let all = self.family.0.boot(self.model.name, self.model.version, self.mac);
        match files {
            Files::Boot => all,
            Files::Device => all.into_iter().filter(|st| st.role == Role::Device).take(1).collect(),
        }
    }
}

/// One phone of every model of every family, a line each:
/// `family, plugin, model, version, MAC, User-Agent, boot paths...`,
/// tab-separated (`provd-loadgen --list-phones`). The MACs are drawn as
/// the fleet `seed`'s, the row number standing for the index.
pub fn listing(seed: u64) -> String {
    let mut out = String::new();
    let mut index = 0;
    for family in all() {
        for &model in family.models() {
            let o = family.oui(model.name);
            let s = permute24(seed, index).to_be_bytes();
            let p = Phone { index, family, model, mac: [o[0], o[1], o[2], s[1], s[2], s[3]] };
            let mut row = vec![family.name().to_owned(), model.plugin.to_owned(), model.name.to_owned()];
            row.extend([model.version.to_owned(), p.mac_normal(), p.user_agent()]);
            row.extend(p.steps(Files::Boot).into_iter().map(|s| s.path));
            out.push_str(&row.join("\t"));
            out.push('\n');
            index += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn family(name: &str) -> Family {
        Family::parse(name).unwrap()
    }

    fn phone(family: Family, model: &str, mac: [u8; 6]) -> Phone {
        let model = *family.models().iter().find(|m| m.name == model).expect("model in catalog");
        Phone { index: 0, family, model, mac }
    }

    #[test]
    fn family_names_round_trip() {
        for f in all() {
            assert_eq!(Family::parse(f.name()), Some(f));
        }
        assert_eq!(Family::parse("cisco-spa"), Some(family("cisco_spa")));
        assert_eq!(Family::parse("CISCO_SPA"), Some(family("cisco_spa")));
        assert_eq!(Family::parse("nokia"), None);
    }

    #[test]
    fn the_listing_has_every_model_once() {
        let listing = listing(1);
        assert_eq!(listing, super::listing(1), "deterministic");
        let rows: Vec<Vec<&str>> = listing.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows.len(), all().iter().map(|f| f.models().len()).sum::<usize>());
        let yealink = rows.iter().find(|r| r[0] == "yealink" && r[2] == "T31G").unwrap();
        assert_eq!(yealink[1], "wazo-yealink-v86");
        assert!(yealink[5].starts_with("Yealink SIP-T31G 124.86.0.75 80:5e:c0:"), "{yealink:?}");
        assert_eq!(yealink[6], "y000000000124.cfg");
        assert!(rows.iter().all(|r| r.len() >= 7 && r.iter().all(|f| !f.is_empty())), "{rows:?}");
    }

    #[test]
    fn mac_forms() {
        let p = phone(family("aastra"), "6739i", [0x00, 0x08, 0x5d, 0x13, 0xca, 0x05]);
        assert_eq!(p.mac_upper(), "00085D13CA05");
        assert_eq!(p.mac_lower(), "00085d13ca05");
        assert_eq!(p.mac_normal(), "00:08:5d:13:ca:05");
    }

    #[test]
    fn sequences_per_family() {
        let mac = [0x00, 0x08, 0x5d, 0x13, 0xca, 0x05];
        let paths = |p: &Phone| p.steps(Files::Boot).into_iter().map(|s| s.path).collect::<Vec<_>>();
        let aastra = phone(family("aastra"), "6739i", mac);
        assert_eq!(paths(&aastra), ["Aastra/aastra.cfg", "Aastra/00085D13CA05.cfg"]);
        assert_eq!(aastra.user_agent(), "Aastra6739i MAC:00-08-5D-13-CA-05 V:3.3.1.4365-SIP");
        let mitel = phone(family("aastra"), "6930", mac);
        assert_eq!(mitel.user_agent(), "Mitel6930 MAC:00-08-5D-13-CA-05 V:8.2.0-SIP");

        let yealink = phone(family("yealink"), "T31G", [0x80, 0x5e, 0xc0, 0xd5, 0x7d, 0x72]);
        assert_eq!(paths(&yealink), ["y000000000124.cfg", "805ec0d57d72.cfg"]);
        assert_eq!(yealink.user_agent(), "Yealink SIP-T31G 124.86.0.75 80:5e:c0:d5:7d:72");
        assert_eq!(yealink.steps(Files::Boot)[0].role, Role::Optional);
        let cp960 = phone(family("yealink"), "CP960", [0x80, 0x5e, 0xc0, 0xd5, 0x7d, 0x72]);
        assert_eq!(cp960.user_agent(), "Yealink CP960 73.85.0.5 80:5e:c0:d5:7d:72");

        let polycom = phone(family("polycom"), "VVX400", [0x00, 0x04, 0xf2, 0xab, 0xcd, 0xef]);
        assert_eq!(paths(&polycom), ["000000000000.cfg", "0004f2abcdef-user.cfg"]);
        assert_eq!(polycom.user_agent(), "FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446");
        let spip = phone(family("polycom"), "SPIP335", [0x00, 0x04, 0xf2, 0xab, 0xcd, 0xef]);
        assert_eq!(spip.user_agent(), "FileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.4.0267");

        let snom = phone(family("snom"), "D785", [0x00, 0x04, 0x13, 0x92, 0x2d, 0x24]);
        assert_eq!(paths(&snom), ["snomD785.htm", "000413922D24.xml"]);
        assert_eq!(
            snom.user_agent(),
            "Mozilla/4.0 (compatible; snomD785-SIP 10.1.54.13 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)"
        );

        let sccp = phone(family("cisco_sccp"), "7960G", [0x00, 0x1e, 0x4a, 0x01, 0x02, 0x03]);
        assert_eq!(paths(&sccp), ["SEP001E4A010203.cnf.xml", "RINGLIST.XML"]);

        let spa = phone(family("cisco_spa"), "SPA508G", [0x00, 0x02, 0xfd, 0xff, 0x21, 0x03]);
        assert_eq!(paths(&spa), ["spa508G.cfg", "0002fdff2103.xml"]);
        assert_eq!(spa.user_agent(), "Cisco/SPA508G-7.5.5 (0002FDFF2103)(CBTFDFF2103)");
        let linksys = phone(family("cisco_spa"), "SPA942", [0x00, 0x0e, 0x08, 0x01, 0x02, 0x03]);
        assert_eq!(paths(&linksys), ["spa942.cfg", "000e08010203.xml"]);
        assert_eq!(linksys.user_agent(), "Linksys/SPA-942-6.1.5(a) (CBT08010203)");

        let digium = phone(family("digium"), "D40", [0x00, 0x0f, 0xd3, 0x01, 0x02, 0x03]);
        assert_eq!(paths(&digium), ["Digium/000fd3010203.cfg", "Digium/000fd3010203-contacts.xml"]);
    }

    #[test]
    fn device_only_takes_the_first_own_file() {
        let p = phone(family("yealink"), "T46S", [0x80, 0x5e, 0xc0, 1, 2, 3]);
        let steps = p.steps(Files::Device);
        assert_eq!(steps, [Step { path: "805ec0010203.cfg".into(), role: Role::Device }]);
        let d = phone(family("digium"), "D40", [0, 0x0f, 0xd3, 1, 2, 3]);
        assert_eq!(d.steps(Files::Device).len(), 1);
        for f in all() {
            let p = Phone::new(7, 3, &[f]);
            assert_eq!(p.steps(Files::Device).len(), 1, "{f:?}");
        }
    }

    #[test]
    fn macs_are_deterministic_distinct_and_in_the_vendor_oui() {
        let mut seen = HashSet::new();
        for i in 0..70_000 {
            let p = Phone::new(42, i, &all());
            assert_eq!(p, Phone::new(42, i, &all()));
            assert_eq!(&p.mac[..3], &p.family.oui(p.model.name), "{p:?}");
            assert!(seen.insert(p.mac), "duplicate MAC for index {i}");
        }
        assert_ne!(Phone::new(1, 5, &all()).mac, Phone::new(2, 5, &all()).mac);
        // Round-robin: n consecutive phones cover the n families.
        let n = all().len();
        let fams: HashSet<_> = (0..n as u32).map(|i| Phone::new(1, i, &all()).family).collect();
        assert_eq!(fams.len(), n);
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
        for family in all() {
            for model in family.models() {
                let p = Phone {
                    index: 0,
                    family,
                    model: *model,
                    mac: [family.oui(model.name), [1, 2, 3]].concat().try_into().unwrap(),
                };
                let plugin = plugins.iter().find(|pl| pl.id == model.plugin).expect("catalog plugin is bundled");
                assert_eq!(plugin.info.family, family.name());
                assert!(plugin.info.models.contains_key(model.name), "{} does not list {}", plugin.id, model.name);
                let ua = p.user_agent();
                let path = format!("/{}", p.steps(Files::Boot)[0].path);
                let info = identify(&Request::Http { path: path.as_bytes(), user_agent: Some(ua.as_bytes()) });
                let got = best_plugin(&plugins, &info).map(|pl| pl.id.as_str());
                assert_eq!(got, Some(model.plugin), "{family:?} {} ({ua} {path}): {info:?}", model.name);
                if family.tftp_by_default() {
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
