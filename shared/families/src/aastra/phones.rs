//! Aastra/Mitel phones as the load generator, the bench fleet and the fuzz
//! seeds simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Aastra, VENDOR};

const A3: &str = "wazo-aastra-3.3.1-SP4";
const A8: &str = "wazo-aastra-8.2.0";
static MODELS: &[Model] = &[
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

/// The 6900 series is Mitel's: its own OUI, its own brand in the UA.
fn is_mitel(model: &str) -> bool {
    model.starts_with("69")
}

impl Phones for Aastra {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, model: &str) -> [u8; 3] {
        if is_mitel(model) { [0x14, 0x00, 0xE9] } else { [0x00, 0x08, 0x5D] }
    }

    /// `Aastra6739i MAC:00-08-5D-13-CA-05 V:3.3.1.4365-SIP`.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        let brand = if is_mitel(model) { "Mitel" } else { "Aastra" };
        format!("{brand}{model} MAC:{} V:{version}-SIP", mac_hex(mac, true, Some('-')))
    }

    fn boot(&self, _model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let mac = mac_hex(mac, true, None);
        vec![Step::new("Aastra/aastra.cfg", Role::Common), Step::new(format!("Aastra/{mac}.cfg"), Role::Device)]
    }
}
