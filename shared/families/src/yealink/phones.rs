//! Yealink phones as the load generator, the bench fleet and the fuzz seeds
//! simulate them (see [`crate::phones`]).

use crate::phones::{Model, Phones, Role, Step, mac_hex, model as m};

use super::{VENDOR, Yealink};

// Models both Yealink plugins list are told apart by the exact firmware.
const Y85: &str = "wazo-yealink-v85";
const Y86: &str = "wazo-yealink-v86";
static MODELS: &[Model] = &[
    m(Y85, "T46S", "66.85.0.5"),
    m(Y85, "T54W", "96.85.0.5"),
    m(Y85, "T33G", "124.85.0.40"),
    m(Y85, "W60B", "77.85.0.25"),
    m(Y85, "CP960", "73.85.0.5"),
    m(Y86, "T31G", "124.86.0.75"),
    m(Y86, "T33G", "124.86.0.75"),
    m(Y86, "T41S", "66.86.0.15"),
    m(Y86, "T42S", "66.86.0.15"),
    m(Y86, "T46S", "66.86.0.15"),
    m(Y86, "T48S", "66.86.0.15"),
    m(Y86, "T43U", "108.86.0.90"),
    m(Y86, "T46U", "108.86.0.90"),
    m(Y86, "T48U", "108.86.0.90"),
    m(Y86, "T53W", "96.86.0.45"),
    m(Y86, "T54W", "96.86.0.45"),
    m(Y86, "T57W", "96.86.0.45"),
    m(Y86, "T58", "58.86.0.20"),
    m(Y86, "T27G", "69.86.0.15"),
    m(Y86, "CP920", "78.86.0.15"),
];

impl Phones for Yealink {
    fn vendor(&self) -> &'static str {
        VENDOR
    }

    fn models(&self) -> &'static [Model] {
        MODELS
    }

    fn oui(&self, _model: &str) -> [u8; 3] {
        [0x80, 0x5E, 0xC0]
    }

    /// `Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72`; DECT bases
    /// (`W`), handsets (`AX`) and the CP860 and CP960 conference units
    /// announce no `SIP-` (the CP920 and CP965 do).
    fn user_agent(&self, model: &str, version: &str, mac: [u8; 6]) -> String {
        let bare = matches!(model, "CP860" | "CP960") || model.starts_with('W') || model.starts_with("AX");
        let sip = if bare { "" } else { "SIP-" };
        format!("Yealink {sip}{model} {version} {}", mac_hex(mac, false, Some(':')))
    }

    /// `y0000000000NN.cfg`, `NN` the firmware's first number (`T46S` on
    /// `66.86.0.15` asks `y000000000066.cfg`): wazo-provd generates no
    /// such file and the phone goes on with its own `<mac>.cfg`.
    fn boot(&self, _model: &str, version: &str, mac: [u8; 6]) -> Vec<Step> {
        let first = version.split('.').next().and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
        let mac = mac_hex(mac, false, None);
        vec![Step::new(format!("y{first:012}.cfg"), Role::Optional), Step::new(format!("{mac}.cfg"), Role::Device)]
    }
}
