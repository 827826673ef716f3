//! Cisco SCCP phones as the load generator, the bench fleet and the fuzz
//! seeds simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{CiscoSccp, VENDOR};

// SCCP phones announce no model over TFTP or HTTP (only DHCP does), so a
// phone provd has not seen lands on the plugin that wins the tie for
// "Cisco, model unknown": the greatest id, wazo-cisco-sccp-legacy.
const SCCP: &str = "wazo-cisco-sccp-legacy";
static MODELS: &[Model] =
    &[m(SCCP, "7905G", "8.0.3"), m(SCCP, "7912G", "8.0.4"), m(SCCP, "7940G", "8.1.2"), m(SCCP, "7960G", "8.1.2")];

impl Phones for CiscoSccp {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x00, 0x1E, 0x4A]
    }

    /// The UA says nothing provd reads: identification is by file name.
    fn user_agent(&self, model: &str, version: &str, _mac: [u8; 6]) -> String {
        format!("Cisco-CP{model}/{version}")
    }

    /// On a secured cluster the phones also ask `CTLSEP<MAC>.tlv` and
    /// `ITLSEP<MAC>.tlv` first; they are left out.
    fn boot(&self, _model: &str, _version: &str, mac: [u8; 6]) -> Vec<Step> {
        let mac = mac_hex(mac, true, None);
        vec![Step::new(format!("SEP{mac}.cnf.xml"), Role::Device), Step::new("RINGLIST.XML", Role::Common)]
    }

    fn tftp_by_default(&self) -> bool {
        true
    }

    fn protocol(&self) -> &'static str {
        "SCCP"
    }
}
