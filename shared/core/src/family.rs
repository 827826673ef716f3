//! What a vendor family is: the [`Family`] trait and the values it trades
//! in (what a request tells, association scores, the files a device is
//! served, the NOTIFY that reloads it). The families themselves, one per
//! vendor, are in `provd-families`. Several plugin versions of one family
//! share its code and differ by data (`plugin-info` models, templates,
//! static files).

use std::borrow::Cow;

use crate::Map;
use crate::device::Device;
use crate::mac::Mac;
use crate::plugin::Plugin;
pub use crate::syntax::Syntax;

/// What one request tells about the phone that sent it. Borrowed from the
/// request where possible: identification runs on the request path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceInfo<'a> {
    /// The vendor, as the family names it (`Yealink`, `Cisco`...).
    pub vendor: Option<Cow<'a, str>>,
    /// The model, as the family names it (`T46S`, `SPA509G`, `7960G`...).
    pub model: Option<Cow<'a, str>>,
    /// The firmware version the request tells.
    pub version: Option<Cow<'a, str>>,
    /// The phone's MAC, from a User-Agent, a file name or a DHCP lease.
    pub mac: Option<Mac>,
    /// A serial number the request tells.
    pub sn: Option<Cow<'a, str>>,
    /// A UUID the request tells.
    pub uuid: Option<Cow<'a, str>>,
}

impl DeviceInfo<'_> {
    /// Whether the request told nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == DeviceInfo::default()
    }

    /// The same information, owning its strings (to outlive the request).
    pub fn into_owned(self) -> DeviceInfo<'static> {
        fn own(c: Option<Cow<'_, str>>) -> Option<Cow<'static, str>> {
            c.map(|c| Cow::Owned(c.into_owned()))
        }
        DeviceInfo {
            vendor: own(self.vendor),
            model: own(self.model),
            version: own(self.version),
            mac: self.mac,
            sn: own(self.sn),
            uuid: own(self.uuid),
        }
    }
}

/// A phone request as identification sees it. Bytes, not strings: phones
/// send what they like.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// An HTTP request.
    Http {
        /// The request target as sent, query string included.
        path: &'a [u8],
        /// The `User-Agent` header, if any.
        user_agent: Option<&'a [u8]>,
    },
    /// A TFTP read request.
    Tftp {
        /// The file name exactly as received.
        filename: &'a [u8],
    },
    /// A DHCP request (told by the DHCP server's hook).
    Dhcp {
        /// Option 60, the vendor class identifier, raw bytes.
        vendor_class: &'a [u8],
    },
}

/// How well a plugin supports a device (wazo-provd's `DeviceSupport`).
/// Plugins may return values in between (e.g. Cisco SCCP's 310).
pub type Score = i32;
/// The plugin does not support the device.
pub const NONE: Score = 0;
/// The plugin probably does not support it.
pub const IMPROBABLE: Score = 100;
/// Nothing tells either way.
pub const UNKNOWN: Score = 200;
/// The plugin probably supports it (the vendor is its, the model unknown).
pub const PROBABLE: Score = 300;
/// The plugin supports it, not completely.
pub const INCOMPLETE: Score = 400;
/// The plugin supports it completely.
pub const COMPLETE: Score = 500;
/// The plugin is made for it: its model, in the firmware version it ships.
pub const EXACT: Score = 600;

/// Where the bytes of a served file come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileSource {
    /// The device template chain: `<file basename>.tpl`, `<model>.tpl`, `base.tpl`.
    DeviceTemplate,
    /// A named template, after `<file basename>.tpl` (e.g. Snom's `.htm`).
    Template(String),
    /// Literal bytes (e.g. a certificate bundle copied from the raw config).
    Bytes(Vec<u8>),
}

/// A file a plugin serves for one device, at `path` relative to the
/// plugin's root (`Aastra/00085D237429.cfg`, `805ec0d57d72.cfg`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceFile {
    /// Where it is served, relative to the plugin's root.
    pub path: String,
    /// What it is made from.
    pub source: FileSource,
}

impl DeviceFile {
    /// A file rendered from the device template chain.
    pub fn template(path: impl Into<String>) -> Self {
        DeviceFile { path: path.into(), source: FileSource::DeviceTemplate }
    }

    /// The file name alone, as used for device-specific templates and the
    /// sensitive-file rule.
    pub fn basename(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// A file rendered once per plugin from the base raw config (wazo-provd's
/// `configure_common`), e.g. Snom's per-model files.
#[derive(Debug, Clone, PartialEq)]
pub struct CommonFile {
    /// Where it is served, relative to the plugin's root.
    pub path: String,
    /// The template it renders from.
    pub template: String,
    /// The template context (from the base raw config).
    pub context: Map,
}

/// The SIP NOTIFY that makes a phone of this family reload its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncNotify {
    /// The `Event` header (`check-sync`, `check-sync;reboot=false`...).
    pub event: &'static str,
    /// `(content type, body lines)` for events that carry a body.
    pub body: Option<(&'static str, Vec<String>)>,
}

impl SyncNotify {
    /// `check-sync` without a body, what most phones expect.
    pub const CHECK_SYNC: SyncNotify = SyncNotify { event: "check-sync", body: None };
}

/// Why a device cannot be configured. The message names what is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigureError {
    /// The flattened raw config lacks a parameter the plugin needs.
    #[error("raw config parameter {0} is required by this plugin")]
    MissingParameter(&'static str),
    /// The device lacks a field the plugin needs (a MAC, usually), which
    /// its next requests may tell.
    #[error("device field {0} is required by this plugin")]
    MissingDeviceField(&'static str),
    /// A value the family cannot write.
    #[error("{field}: {message}")]
    Invalid {
        /// The raw-config path of the value (`sip_lines.x`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

/// How a family's phones decrypt a configuration file served encrypted
/// (the server's `config_encryption` parameter; `docs/SECURITY.md`). The
/// per-device key reaches the template as `XX_config_key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileCipher {
    /// Yealink: AES-128 in ECB mode, the key being 16 characters used as
    /// its own bytes, the file padded with zero bytes to the block size.
    /// The phone holds the key as `static.auto_provision.aes_key.mac`.
    YealinkAes128Ecb,
}

impl FileCipher {
    /// The phone's setting that holds its key.
    pub fn key_setting(self) -> &'static str {
        match self {
            FileCipher::YealinkAes128Ecb => "static.auto_provision.aes_key.mac",
        }
    }
}

/// One vendor's logic. Implementations are stateless unit structs; per
/// plugin data comes from [`Plugin::info`].
pub trait Family: Send + Sync + 'static {
    /// The name plugins give in `plugin-info` (`"yealink"`).
    fn id(&self) -> &'static str;

    /// What this vendor's phones reveal in `request`; `None` when the request
    /// is not recognisably theirs. Never fails: malformed fields are dropped.
    fn extract<'a>(&self, request: &Request<'a>) -> Option<DeviceInfo<'a>>;

    /// How well `plugin` (of this family) supports the device described by
    /// `info`, the current request's extracted info.
    fn associate(&self, plugin: &Plugin, info: &DeviceInfo<'_>) -> Score;

    /// The syntax of every file this family renders, templates and the
    /// blocks it builds alike: every value a template prints is escaped for
    /// it (see [`crate::syntax`]). One per family: none mixes formats.
    fn syntax(&self) -> Syntax;

    /// The top-level `XX_*` keys whose values [`configure`](Self::configure)
    /// writes as ready-made file syntax (several lines, elements): templates
    /// print them as they are. The family escapes, with [`Syntax`], every
    /// raw-config or device value it puts into them.
    fn markup_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// Completes the flattened raw config (defaults already applied) with the
    /// values this family's templates use (`XX_*`) and returns the files the
    /// device is served.
    fn configure(&self, plugin: &Plugin, device: &Device, raw: &mut Map) -> Result<Vec<DeviceFile>, ConfigureError>;

    /// Files shared by every device of the plugin, from the base raw config.
    fn common_files(&self, _plugin: &Plugin, _base_raw_config: &Map) -> Result<Vec<CommonFile>, ConfigureError> {
        Ok(Vec::new())
    }

    /// Whether a requested file name (basename) can hold credentials; such
    /// requests are written to the security log.
    fn is_sensitive(&self, basename: &[u8]) -> bool;

    /// The file whose download proves the phone took its configuration.
    fn remote_state_trigger(&self, device: &Device) -> Option<String>;

    /// Whether `basename` is the trigger file of the device with this MAC
    /// and model. It runs on every request of a configured device, so
    /// families whose trigger is `<MAC>.<ext>` compare in place
    /// ([`mac_file_matches`]) instead of building the name.
    fn is_remote_state_trigger(&self, mac: Option<Mac>, model: Option<&str>, basename: &[u8]) -> bool {
        let device = Device { mac, model: model.map(str::to_owned), ..Default::default() };
        self.remote_state_trigger(&device).is_some_and(|t| t.as_bytes() == basename)
    }

    /// The NOTIFY to send, or `None` when the family cannot be synchronized.
    fn sync_notify(&self, _device: &Device) -> Option<SyncNotify> {
        Some(SyncNotify::CHECK_SYNC)
    }

    /// How its phones decrypt their own files, when they can: with
    /// `config_encryption` on, the device files [`is_sensitive`] names are
    /// also stored encrypted, and served so unless the request proves it
    /// is the phone itself.
    ///
    /// [`is_sensitive`]: Self::is_sensitive
    fn file_cipher(&self) -> Option<FileCipher> {
        None
    }
}

/// Whether `name` is `<mac as 12 hex digits><suffix>` (digits upper- or
/// lower-case as the vendor names its files), without allocating.
pub fn mac_file_matches(mac: Mac, uppercase: bool, suffix: &[u8], name: &[u8]) -> bool {
    let hex: &[u8; 16] = if uppercase { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
    name.len() == 12 + suffix.len()
        && name[12..] == *suffix
        && mac
            .0
            .iter()
            .enumerate()
            .all(|(i, b)| name[2 * i] == hex[(b >> 4) as usize] && name[2 * i + 1] == hex[(b & 15) as usize])
}
