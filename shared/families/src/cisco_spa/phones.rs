//! Cisco SPA phones and ATAs (Linksys-branded ones included) as the load
//! generator, the bench fleet and the fuzz seeds simulate them (see
//! [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{CiscoSpa, VENDOR};

const SPA: &str = "wazo-cisco-spa-7.5.5";
const SPA_LEGACY: &str = "wazo-cisco-spa-legacy";
static MODELS: &[Model] = &[
    m(SPA, "SPA301", "7.5.5"),
    m(SPA, "SPA303", "7.5.5"),
    m(SPA, "SPA501G", "7.5.5"),
    m(SPA, "SPA502G", "7.5.5"),
    m(SPA, "SPA504G", "7.5.5"),
    m(SPA, "SPA508G", "7.5.5"),
    m(SPA, "SPA509G", "7.5.5"),
    m(SPA, "SPA512G", "7.5.5"),
    m(SPA, "SPA514G", "7.5.5"),
    m(SPA, "SPA525G", "7.5.5"),
    m(SPA, "SPA525G2", "7.5.5"),
    m(SPA_LEGACY, "SPA921", "5.1.8"),
    m(SPA_LEGACY, "SPA922", "6.1.5(a)"),
    m(SPA_LEGACY, "SPA941", "5.1.8"),
    m(SPA_LEGACY, "SPA942", "6.1.5(a)"),
    m(SPA_LEGACY, "SPA962", "6.1.5(a)"),
    m("wazo-cisco-spa100-1.3.5p", "SPA112", "1.3.5p"),
    m("wazo-cisco-spa100-1.3.5p", "SPA122", "1.3.5p"),
    m("wazo-cisco-spa2102-5.2.12", "SPA2102", "5.2.12"),
    m("wazo-cisco-spa3102-5.1.10", "SPA3102", "5.1.10"),
    m("wazo-cisco-spa8000-6.1.11", "SPA8000", "6.1.11"),
];

/// Linksys-branded SPA models announce `Linksys/...` without their MAC.
fn is_linksys(model: &str) -> bool {
    model.starts_with("SPA9") || matches!(model, "SPA2102" | "SPA3102" | "SPA8000")
}

/// A serial number in the Cisco format (`CBT` + 8 hex digits), from the MAC.
fn serial(mac: [u8; 6]) -> String {
    format!("CBT{:02X}{:02X}{:02X}{:02X}", mac[2], mac[3], mac[4], mac[5])
}

impl Phones for CiscoSpa {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, model: &str) -> [u8; 3] {
        if is_linksys(model) { [0x00, 0x0E, 0x08] } else { [0x00, 0x02, 0xFD] }
    }

    /// `Cisco/SPA508G-7.5.5 (0002FDFF2103)(CBTFDFF2103)`, or
    /// `Linksys/SPA-942-6.1.5(a) (CBT08010203)`.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        if is_linksys(model) {
            let dashed = if model.starts_with("SPA9") { format!("SPA-{}", &model[3..]) } else { model.to_owned() };
            format!("Linksys/{dashed}-{version} ({})", serial(mac))
        } else {
            format!("Cisco/{model}-{version} ({})({})", mac_hex(mac, true, None), serial(mac))
        }
    }

    /// `spa<model>.cfg` (`spa508G.cfg`, `spa942.cfg`), then `<mac>.xml`.
    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let model = model.get(3..).unwrap_or(model);
        let mac = mac_hex(mac, false, None);
        vec![Step::new(format!("spa{model}.cfg"), Role::Common), Step::new(format!("{mac}.xml"), Role::Device)]
    }
}
