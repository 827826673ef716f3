//! Patton SmartNodes as the load generator, the bench fleet and the fuzz
//! seeds simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Patton, VENDOR};

const SN: &str = "wazo-patton-6.11";
static MODELS: &[Model] = &[
    m(SN, "SN4112", "6.11"),
    m(SN, "SN4112S", "6.11"),
    m(SN, "SN4114", "6.11"),
    m(SN, "SN4118", "6.11"),
    m(SN, "SN4316", "6.11"),
    m(SN, "SN4332", "6.11"),
];

impl Phones for Patton {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x00, 0xA0, 0xBA]
    }

    /// `SmartNode (Model:SN4112/JS/EUI; Serial:00A0BA08933C; Software
    /// Version:R6.11 2019-07-02 H323 SIP FXS FXO; Hardware Version:4.4)`.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        format!(
            "SmartNode (Model:{model}/JS/EUI; Serial:{}; Software Version:R{version} 2019-07-02 H323 SIP FXS FXO; \
             Hardware Version:4.4)",
            mac_hex(mac, true, None)
        )
    }

    /// `<mac>.cfg`, the location its provisioning profile names.
    fn boot(&self, _model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        vec![Step::new(format!("{}.cfg", mac_hex(mac, false, None)), Role::Device)]
    }
}
