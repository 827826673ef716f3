//! Avaya phones as the load generator, the bench fleet and the fuzz seeds
//! simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Avaya, VENDOR};

const SIP12X0: &str = "wazo-avaya-4.1.13";
const J100: &str = "wazo-avaya-4.1.3";
static MODELS: &[Model] = &[
    m(SIP12X0, "1220IP", "04.01.13.00"),
    m(SIP12X0, "1230IP", "04.01.13.00"),
    m(J100, "J129", "4.1.3.0.6"),
    m(J100, "J139", "4.1.3.0.6"),
    m(J100, "J169", "4.1.3.0.6"),
    m(J100, "J179", "4.1.3.0.6"),
];

fn is_j100(model: &str) -> bool {
    model.starts_with('J')
}

impl Phones for Avaya {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, model: &str) -> [u8; 3] {
        if is_j100(model) { [0xC8, 0x1F, 0xEA] } else { [0x00, 0x1B, 0x4F] }
    }

    /// `Mozilla/4.0 (compatible; MSIE 6.0) AVAYA/J179-4.1.3.0.6 (MAC:c81fea0a0b0c)`,
    /// or `AVAYA/SIP12x0\x17/04.01.13.00` (`\x17` left out: a header
    /// value the load generator writes as text).
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        if is_j100(model) {
            format!("Mozilla/4.0 (compatible; MSIE 6.0) AVAYA/{model}-{version} (MAC:{})", mac_hex(mac, false, None))
        } else {
            format!("AVAYA/SIP12x0/{version}")
        }
    }

    /// The 12x0 reads `<model>SIP.cfg`, then `SIP<MAC>.cfg`; the J100
    /// `J100Supgrade.txt`, then `<mac>.cfg`.
    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        if is_j100(model) {
            vec![
                Step::new("J100Supgrade.txt", Role::Common),
                Step::new(format!("{}.cfg", mac_hex(mac, false, None)), Role::Device),
            ]
        } else {
            let number = model.trim_end_matches("IP");
            vec![
                Step::new(format!("{number}SIP.cfg"), Role::Common),
                Step::new(format!("SIP{}.cfg", mac_hex(mac, true, None)), Role::Device),
            ]
        }
    }
}
