//! Htek phones as the load generator, the bench fleet and the fuzz seeds
//! simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Htek, VENDOR};

const H: &str = "wazo-htek-2.0.4.6.41";
static MODELS: &[Model] = &[
    m(H, "UC926", "2.0.4.6.41"),
    m(H, "UC924", "2.0.4.6.41"),
    m(H, "UC923", "2.0.4.6.41"),
    m(H, "UC912", "2.0.4.6.41"),
    m(H, "UC912G", "2.0.4.6.41"),
    m(H, "UC903", "2.0.4.6.41"),
    m(H, "UC902", "2.0.4.6.41"),
];

/// The common file each model asks for first (the bundled plugin's
/// `common_file`).
fn common_file(model: &str) -> &'static str {
    match model {
        "UC926" => "cfg0010.xml",
        "UC924" => "cfg0012.xml",
        "UC923" => "cfg0013.xml",
        "UC903" => "cfg0016.xml",
        "UC902" => "cfg0017.xml",
        _ => "cfg0019.xml",
    }
}

impl Phones for Htek {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x00, 0x1F, 0xC1]
    }

    /// `Htek UC926 2.0.4.6.41 00:1f:c1:1c:22:a9`.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        format!("{VENDOR} {model} {version} {}", mac_hex(mac, false, Some(':')))
    }

    /// The model's common file, then the phone's own, at the root DHCP
    /// option 66 names.
    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        vec![
            Step::new(common_file(model), Role::Common),
            Step::new(format!("cfg{}.xml", mac_hex(mac, false, None)), Role::Device),
        ]
    }
}
