//! Snom phones as the load generator, the bench fleet and the fuzz seeds
//! simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Snom, VENDOR};

const S8: &str = "wazo-snom-8.7.5.35";
const S10: &str = "wazo-snom-10.1.54.13";
const SD: &str = "wazo-snom-dect-05.20.0001";
static MODELS: &[Model] = &[
    m(S8, "300", "8.7.5.35"),
    m(S8, "320", "8.7.5.35"),
    m(S8, "370", "8.7.5.35"),
    m(S8, "710", "8.7.5.35"),
    m(S8, "720", "8.7.5.35"),
    m(S8, "760", "8.7.5.35"),
    m(S8, "820", "8.7.5.35"),
    m(S8, "870", "8.7.5.35"),
    m(S8, "715", "8.7.5.35"),
    m(S10, "715", "10.1.54.13"),
    m(S10, "725", "10.1.54.13"),
    m(S10, "D120", "10.1.54.13"),
    m(S10, "D315", "10.1.54.13"),
    m(S10, "D345", "10.1.54.13"),
    m(S10, "D385", "10.1.54.13"),
    m(S10, "D717", "10.1.54.13"),
    m(S10, "D735", "10.1.54.13"),
    m(S10, "D765", "10.1.54.13"),
    m(S10, "D785", "10.1.54.13"),
    m(SD, "M300", "05.20.0001"),
    m(SD, "M700", "05.20.0001"),
    m(SD, "M900", "05.20.0001"),
];

impl Phones for Snom {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x00, 0x04, 0x13]
    }

    /// DECT bases: `Snom M900 05.20.0001 <MAC>`; desk phones:
    /// `Mozilla/4.0 (compatible; snom<model>-SIP <version> ...)`, the
    /// firmware 10 form longer.
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        let mac = mac_hex(mac, true, None);
        if model.starts_with('M') {
            format!("Snom {model} {version} {mac}")
        } else if version.starts_with("10.") {
            format!("Mozilla/4.0 (compatible; snom{model}-SIP {version} 2010.12-00004-g9ba52f5 {mac} SXM:0 UXM:0)")
        } else {
            format!("Mozilla/4.0 (compatible; snom{model}-SIP {version} 1.1.3-s {mac})")
        }
    }

    fn boot(&self, model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let mac = mac_hex(mac, true, None);
        vec![Step::new(format!("snom{model}.htm"), Role::Common), Step::new(format!("{mac}.xml"), Role::Device)]
    }
}
