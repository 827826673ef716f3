//! Fanvil phones as the load generator, the bench fleet and the fuzz seeds
//! simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::identify::COMMON_FILES;
use super::{DIR, Fanvil, VENDOR};

const X: &str = "wazo-fanvil-serie-x";
const V: &str = "wazo-fanvil-serie-v";
// Models with a common settings file only: every simulated boot has the
// same two requests, which the load generator's tests count per family.
static MODELS: &[Model] = &[
    m(X, "X2", "2.14.0.7386"),
    m(X, "X3S", "2.10.2.6887"),
    m(X, "X4", "2.14.0.7386"),
    m(V, "V62", "2.12.16.17"),
    m(V, "V64", "2.12.16.17"),
    m(V, "V65", "2.12.16.17"),
    m(V, "V67", "2.6.6.201"),
];

impl Phones for Fanvil {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x0C, 0x38, 0x3E]
    }

    /// `Fanvil X6U Pro 2.12.16.17 0c383e2cd782`: a Pro is announced with a
    /// space, which provd turns back into `-`.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        format!("{VENDOR} {} {version} {}", model.replace("-Pro", " Pro"), mac_hex(mac, false, None))
    }

    /// The model's common settings file, then the phone's own file, both
    /// under `Fanvil/` where DHCP option 66 points. (The V series' firmware
    /// notes are read when the phone checks for an upgrade, not at boot.)
    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let common = COMMON_FILES.iter().filter(|(f, m)| *m == model && f.ends_with(".cfg"));
        let mut steps: Vec<Step> = common.map(|(f, _)| Step::new(format!("{DIR}/{f}"), Role::Common)).collect();
        steps.push(Step::new(format!("{DIR}/{}.cfg", mac_hex(mac, false, None)), Role::Device));
        steps
    }
}
