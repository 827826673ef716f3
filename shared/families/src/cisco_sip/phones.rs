//! Cisco multiplatform phones and ATAs as the load generator, the bench
//! fleet and the fuzz seeds simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{CiscoSip, VENDOR};

const ATA: &str = "wazo-cisco-sip-11.1.0";
const MPP_11: &str = "wazo-cisco-sip-11.3.1";
const MPP_12: &str = "wazo-cisco-sip-12.0.7";
static MODELS: &[Model] = &[
    m(ATA, "ATA191", "11-1-0-MSR4"),
    m(ATA, "ATA192", "11-1-0-MSR4"),
    m(MPP_11, "6821", "11.3.1"),
    m(MPP_11, "6841", "11.3.1"),
    m(MPP_11, "6851", "11.3.1"),
    m(MPP_11, "6861", "11.3.1"),
    m(MPP_11, "6871", "11.3.1"),
    m(MPP_12, "7811", "12.0.7"),
    m(MPP_12, "7821", "12.0.7"),
    m(MPP_12, "7832", "12.0.7"),
    m(MPP_12, "7841", "12.0.7"),
    m(MPP_12, "7861", "12.0.7"),
    m(MPP_12, "8811", "12.0.7"),
    m(MPP_12, "8841", "12.0.7"),
    m(MPP_12, "8851", "12.0.7"),
    m(MPP_12, "8861", "12.0.7"),
];

fn is_ata(model: &str) -> bool {
    model.starts_with("ATA")
}

impl Phones for CiscoSip {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, model: &str) -> [u8; 3] {
        if is_ata(model) { [0x00, 0x6B, 0xF1] } else { [0x00, 0x56, 0x2B] }
    }

    /// `Cisco-CP-7841-3PCC/12.0.7 (00562b0a0b0c)`, or
    /// `Cisco/ATA191-MPP-11-1-0-MSR4 (FCH0A0B0C0D)` (a serial, no MAC).
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        if is_ata(model) {
            format!("Cisco/{model}-MPP-{version} (FCH{:02X}{:02X}{:02X}{:02X})", mac[2], mac[3], mac[4], mac[5])
        } else {
            format!("Cisco-CP-{model}-3PCC/{version} ({})", mac_hex(mac, false, None))
        }
    }

    /// The model's common file (`7841-3PCC.xml`, `ata191.cfg`), then `<mac>.xml`.
    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let common =
            if is_ata(model) { format!("{}.cfg", model.to_ascii_lowercase()) } else { format!("{model}-3PCC.xml") };
        vec![Step::new(common, Role::Common), Step::new(format!("{}.xml", mac_hex(mac, false, None)), Role::Device)]
    }
}
