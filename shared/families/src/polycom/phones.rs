//! Polycom phones as the load generator, the bench fleet and the fuzz seeds
//! simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{Polycom, VENDOR};

// UC Software plugins score 501 whatever the version: a model both list
// goes to the greatest id (6.4.6); the others stay on 5.9.2.
const P3: &str = "wazo-polycom-3.2.4B";
const P5: &str = "wazo-polycom-5.9.2";
const P6: &str = "wazo-polycom-6.4.6";
static MODELS: &[Model] = &[
    m(P3, "SPIP321", "3.2.4.0267"),
    m(P3, "SPIP331", "3.2.4.0267"),
    m(P3, "SPIP335", "3.2.4.0267"),
    m(P3, "SPIP450", "3.2.4.0267"),
    m(P3, "SPIP550", "3.2.4.0267"),
    m(P3, "SPIP650", "3.2.4.0267"),
    m(P3, "SSIP5000", "3.2.4.0267"),
    m(P3, "SSIP6000", "3.2.4.0267"),
    m(P5, "VVX300", "5.9.2.3446"),
    m(P5, "VVX310", "5.9.2.3446"),
    m(P5, "VVX400", "5.9.2.3446"),
    m(P5, "VVX410", "5.9.2.3446"),
    m(P5, "VVX500", "5.9.2.3446"),
    m(P5, "VVX600", "5.9.2.3446"),
    m(P6, "VVX150", "6.4.6.2214"),
    m(P6, "VVX250", "6.4.6.2214"),
    m(P6, "VVX350", "6.4.6.2214"),
    m(P6, "VVX401", "6.4.6.2214"),
    m(P6, "VVX411", "6.4.6.2214"),
    m(P6, "VVX450", "6.4.6.2214"),
    m(P6, "VVX501", "6.4.6.2214"),
    m(P6, "VVX601", "6.4.6.2214"),
];

impl Phones for Polycom {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x00, 0x04, 0xF2]
    }

    /// `FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446`,
    /// `FileTransport PolycomSoundPointIP-SPIP_335-UA/3.2.4.0267`.
    fn user_agent(&self, model: &str, version: &str, _mac: [u8; 6]) -> String {
        let (line, short) = match model {
            m if m.starts_with("SPIP") => ("SoundPointIP", format!("SPIP_{}", &m[4..])),
            m if m.starts_with("SSIP") => ("SoundStationIP", format!("SSIP_{}", &m[4..])),
            m => ("VVX", format!("VVX_{}", m.get(3..).unwrap_or(m))),
        };
        format!("FileTransport Polycom{line}-{short}-UA/{version}")
    }

    fn boot(&self, _model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let mac = mac_hex(mac, false, None);
        vec![Step::new("000000000000.cfg", Role::Common), Step::new(format!("{mac}-user.cfg"), Role::Device)]
    }
}
