//! Alcatel-Lucent phones as the load generator, the bench fleet and the
//! fuzz seeds simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Alcatel, VENDOR};

const ALE: &str = "wazo-alcatel-1.51.52";
const MYRIAD: &str = "wazo-alcatel-2.13.02";
static MODELS: &[Model] = &[
    m(ALE, "8028s-GE", "1.51.52"),
    m(MYRIAD, "M3", "2.13.02"),
    m(MYRIAD, "M5", "2.13.02"),
    m(MYRIAD, "M7", "2.13.02"),
];

impl Phones for Alcatel {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x3C, 0x28, 0xA6]
    }

    /// `ALE M3-CE 2.13.02 3c28a620089e`; the 8028s has no `-CE`.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        let suffix = if model.starts_with('M') { "-CE" } else { "" };
        format!("ALE {model}{suffix} {version} {}", mac_hex(mac, false, None))
    }

    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let mac = mac_hex(mac, false, None);
        vec![
            Step::new(format!("config.{model}.xml"), Role::Common),
            Step::new(format!("config.{mac}.xml"), Role::Device),
        ]
    }
}
