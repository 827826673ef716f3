//! Grandstream phones and ATAs as the load generator, the bench fleet and
//! the fuzz seeds simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Grandstream, VENDOR};

const GXP16: &str = "wazo-grandstream-1.0.7.81";
const GXP21: &str = "wazo-grandstream-1.0.11.85";
const HT: &str = "wazo-grandstream-1.0.63.3";
const GRP: &str = "wazo-grandstream-1.0.5.48";
static MODELS: &[Model] = &[
    m(GXP16, "GXP1610", "1.0.7.81"),
    m(GXP16, "GXP1620", "1.0.7.81"),
    m(GXP16, "GXP1628", "1.0.7.81"),
    m(GXP16, "GXP1630", "1.0.7.81"),
    m(GXP21, "GXP2130", "1.0.11.85"),
    m(GXP21, "GXP2135", "1.0.11.85"),
    m(GXP21, "GXP2140", "1.0.11.85"),
    m(GXP21, "GXP2170", "1.0.11.85"),
    m(HT, "HT801", "1.0.63.3"),
    m(HT, "HT802", "1.0.63.3"),
    m(HT, "HT802V2", "1.0.5.10"),
    m(GRP, "GRP2614", "1.0.5.48"),
    m(GRP, "GRP2616", "1.0.5.48"),
];

/// Whether `model` is an ATA (its file is at the root, not under `Grandstream/`).
fn is_ata(model: &str) -> bool {
    model.starts_with("HT")
}

impl Phones for Grandstream {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0xC0, 0x74, 0xAD]
    }

    /// `Grandstream Model HW GXP2140 V2.3A SW 1.0.11.85 DevId c074ad0a0b0c`:
    /// the ATAs and the GXP21xx tell their hardware revision, the GXP16xx not.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        let hw = if is_ata(model) || model.starts_with("GXP21") { " V1.1A" } else { "" };
        format!("Grandstream Model HW {model}{hw} SW {version} DevId {}", mac_hex(mac, false, None))
    }

    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let name = format!("cfg{}.xml", mac_hex(mac, false, None));
        let path = if is_ata(model) { name } else { format!("Grandstream/{name}") };
        vec![Step::new(path, Role::Device)]
    }
}
