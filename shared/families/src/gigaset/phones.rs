//! Gigaset bases as the load generator, the bench fleet and the fuzz seeds
//! simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::configure::first_generation;
use super::{Gigaset, VENDOR};

const FIRST: &str = "wazo-gigaset-70.117";
const NX70: &str = "wazo-gigaset-83.v2.65.0";
static MODELS: &[Model] = &[
    m(FIRST, "N510 IP PRO", "42.262.00.000.000"),
    m(FIRST, "N720 DM PRO", "70.117.00.000.000"),
    m(FIRST, "N720 IP PRO", "70.117.00.000.000"),
    m(NX70, "N610 IP PRO", "83.V2.65.0+build.8504c90"),
    m(NX70, "N670 IP PRO", "83.V2.65.0+build.8504c90"),
    m(NX70, "N770 IP PRO", "83.V2.65.0+build.8504c90"),
    m(NX70, "N870 IP PRO", "83.V2.65.0+build.8504c90"),
    m(NX70, "N870E IP PRO", "83.V2.65.0+build.8504c90"),
];

impl Phones for Gigaset {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x7C, 0x2F, 0x80]
    }

    /// `N510 IP PRO/42.262.00.000.000;7C2F80AABBCC`; the Nx70 generation
    /// starts with `Gigaset `. The version is the whole firmware string.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        let mac = mac_hex(mac, true, None);
        if first_generation(Some(model)) {
            format!("{model}/{version};{mac}")
        } else {
            format!("Gigaset {model}/{version};{mac}")
        }
    }

    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let first = first_generation(Some(model));
        vec![Step::new(format!("{}.xml", mac_hex(mac, first, None)), Role::Device)]
    }
}
