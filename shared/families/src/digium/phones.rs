//! Digium phones as the load generator, the bench fleet and the fuzz seeds
//! simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Digium, VENDOR};

const DIG: &str = "wazo-digium-2.8.1";
static MODELS: &[Model] = &[
    m(DIG, "D40", "2.8.1"),
    m(DIG, "D45", "2.8.1"),
    m(DIG, "D50", "2.8.1"),
    m(DIG, "D60", "2.8.1"),
    m(DIG, "D62", "2.8.1"),
    m(DIG, "D65", "2.8.1"),
    m(DIG, "D70", "2.8.1"),
];

impl Phones for Digium {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x00, 0x0F, 0xD3]
    }

    /// Digium phones are identified by path (and DHCP); the UA is not read.
    fn user_agent(&self, model: &str, version: &str, _mac: [u8; 6]) -> String {
        format!("Digium {model} {version}")
    }

    fn boot(&self, _model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let mac = mac_hex(mac, false, None);
        vec![
            Step::new(format!("Digium/{mac}.cfg"), Role::Device),
            Step::new(format!("Digium/{mac}-contacts.xml"), Role::Device),
        ]
    }
}
