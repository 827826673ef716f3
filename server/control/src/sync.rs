//! Synchronize: make phones reload their configuration.
//!
//! wazo-provd sends a SIP `NOTIFY` (`Event: check-sync` and vendor variants)
//! through Asterisk's manager interface (`PJSIPNotify`, via wazo-amid). provd
//! can do the same (the `ami` module) or send the NOTIFY itself over UDP
//! ([`SipNotifier`], the `udp` module), with an RFC 3261 non-INVITE client
//! transaction (`transaction`) over the messages of `sip`.
//!
//! * A [`Target`] says where a device's NOTIFY goes (wazo's rules, applied
//!   by `target`).
//! * A [`Notifier`] (either backend) runs many NOTIFYs at once: `start` one,
//!   `poll` for outcomes; [`Notifier::notify`] does one, blocking.
//! * [`mass::run`] paces thousands of them (rate and concurrency limits),
//!   reports progress and then waits for the phones to fetch their trigger
//!   file ([`mass::FetchLog`]).
//!
//! Everything here is blocking std I/O on one thread per operation: NOTIFYs
//! are few bytes and rate limited on purpose, so no runtime is needed.

use std::fmt;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use provd_core::device::Device;
use provd_core::family::{Family, SyncNotify};
use provd_core::mac::Mac;
use serde::Serialize;

mod ami;
pub mod mass;
mod sip;
mod transaction;
mod udp;

pub use ami::AmiConfig;
pub(crate) use ami::AmiNotifier;
pub use mass::{DeviceReport, Fetch, FetchLog, MassOptions, MassReport, Phase, Progress};
pub use transaction::Timers;
pub use udp::{SipConfig, SipNotifier, SipStats};

/// How NOTIFYs leave provd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// provd sends the NOTIFY itself, over UDP, to the device's IP address.
    Sip,
    /// Asterisk sends it (`PJSIPNotify`), to the device's PJSIP endpoint when
    /// known, else to its IP address, as wazo-provd does.
    Ami,
}

/// Where a NOTIFY goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// `sip:anonymous@<ip>` (with provd's SIP port for the SIP backend).
    Ip(IpAddr),
    /// An Asterisk PJSIP endpoint name (AMI backend only): Asterisk knows the
    /// phone's registered contact, so this works behind NAT.
    Endpoint(String),
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Ip(ip) => write!(f, "sip:anonymous@{}", uri_host(*ip)),
            Address::Endpoint(e) => write!(f, "endpoint {e}"),
        }
    }
}

/// `1.2.3.4` or `[::1]`, as a SIP URI host.
pub(crate) fn uri_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => format!("[{v6}]"),
    }
}

/// One device to synchronize: what to send and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The device's id.
    pub device_id: String,
    /// The device's MAC, when known (reports show it).
    pub mac: Option<Mac>,
    /// The event (and body) its family asks for.
    pub notify: SyncNotify,
    /// Where the NOTIFY goes.
    pub address: Address,
}

/// Why a device cannot be synchronized.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The device's family has no synchronize event (Cisco SCCP).
    #[error("synchronize is not supported for this device")]
    Unsupported,
    /// No usable IP address and (AMI) no usable endpoint: wazo-provd's message.
    #[error("not enough information to synchronize device")]
    NotEnoughInformation,
    /// The device's `ip` (this text) does not parse.
    #[error("device ip {0:?} is not an IP address")]
    BadIp(String),
    /// More devices in one mass synchronize than [`MassOptions::max_targets`].
    #[error("too many devices to synchronize at once: {count} (at most {max})")]
    TooMany {
        /// Devices asked for.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// wazo-provd synchronizes configured devices only.
    #[error("device is not configured")]
    NotConfigured,
    /// The device's plugin (this id) is not loaded, so its family is unknown.
    #[error("plugin {0:?} is not loaded")]
    PluginNotLoaded(String),
    /// No device has the id asked for.
    #[error("no such device")]
    UnknownDevice,
}

/// Whether `name` is an auto-provisioning SIP username (`ap` + 8
/// characters). Every autoprov line shares that shape, so notifying "by
/// endpoint" would reach every autoprov phone: wazo-provd skips them.
fn is_autoprov_username(name: &str) -> bool {
    name.starts_with("ap") && name.chars().count() == 10
}

/// Where `device`'s NOTIFY goes with `backend`.
///
/// * AMI: the PJSIP endpoint `remote_state_sip_username` when set and not an
///   autoprov name, else `sip:anonymous@<ip>`.
/// * SIP: `sip:anonymous@<ip>` (provd cannot resolve endpoint names).
///
/// Neither → [`SyncError::NotEnoughInformation`].
pub(crate) fn target(device: &Device, notify: SyncNotify, backend: Backend) -> Result<Target, SyncError> {
    let endpoint = device
        .remote_state_sip_username
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty() && !is_autoprov_username(u));
    let address = match (backend, endpoint) {
        (Backend::Ami, Some(endpoint)) => Address::Endpoint(endpoint.to_owned()),
        _ => match device.ip.as_deref().map(str::trim).filter(|ip| !ip.is_empty()) {
            Some(ip) => Address::Ip(ip.parse().map_err(|_| SyncError::BadIp(ip.to_owned()))?),
            None => return Err(SyncError::NotEnoughInformation),
        },
    };
    Ok(Target { device_id: device.id.clone(), mac: device.mac, notify, address })
}

/// [`target`] with the event the device's family asks for.
pub(crate) fn target_for(device: &Device, family: &dyn Family, backend: Backend) -> Result<Target, SyncError> {
    let notify = family.sync_notify(device).ok_or(SyncError::Unsupported)?;
    target(device, notify, backend)
}

/// A device that could not be turned into a [`Target`]; it is reported, not
/// notified, by [`mass::run`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unresolved {
    /// The device's id (as asked for, when no such device exists).
    pub device_id: String,
    /// The device's MAC, when known.
    pub mac: Option<Mac>,
    /// Why it has no target.
    pub error: SyncError,
}

/// How one NOTIFY ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum NotifyOutcome {
    /// SIP backend: the phone sent this final response.
    Answered {
        /// The status code, 200 to 699.
        code: u16,
        /// The reason phrase, as the phone sent it.
        reason: String,
        /// Times the NOTIFY was sent again before the answer.
        retransmits: u32,
    },
    /// AMI backend: Asterisk accepted the `PJSIPNotify` (`Response: Success`);
    /// it sends the NOTIFY itself and does not tell whether the phone answered.
    Accepted {
        /// Asterisk's `Message:` (`NOTIFY sent`).
        message: String,
    },
    /// SIP backend: no final response before Timer F.
    NoAnswer {
        /// Times the NOTIFY was sent again (the first sending not counted).
        retransmits: u32,
    },
    /// Not sent, or refused: socket error, AMI `Response: Error`, login
    /// failure, lost connection, cancelled.
    Failed {
        /// What went wrong.
        error: String,
    },
}

impl NotifyOutcome {
    /// A 2xx from the phone, or Asterisk took the action.
    pub fn is_success(&self) -> bool {
        match self {
            NotifyOutcome::Answered { code, .. } => (200..300).contains(code),
            NotifyOutcome::Accepted { .. } => true,
            _ => false,
        }
    }

    pub(crate) fn failed(error: impl Into<String>) -> Self {
        NotifyOutcome::Failed { error: error.into() }
    }
}

impl fmt::Display for NotifyOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NotifyOutcome::Answered { code, reason, .. } => write!(f, "{code} {reason}"),
            NotifyOutcome::Accepted { message } => write!(f, "accepted by Asterisk: {message}"),
            NotifyOutcome::NoAnswer { retransmits } => {
                write!(f, "no answer ({} transmissions)", retransmits + 1)
            }
            NotifyOutcome::Failed { error } => write!(f, "error: {error}"),
        }
    }
}

/// A backend that runs many NOTIFYs at once on the calling thread.
///
/// Every started target ends with exactly one outcome from [`Notifier::poll`]
/// unless [`Notifier::abort`] is called; each backend bounds that time
/// (Timer F, the AMI action timeout).
pub trait Notifier {
    /// Starts notifying `target`; `key` comes back with its outcome.
    fn start(&mut self, key: usize, target: &Target, now: Instant);

    /// Waits until at least one more outcome is ready or `deadline` passes,
    /// and appends the ready outcomes to `done` (what `done` already holds
    /// does not count).
    fn poll(&mut self, deadline: Instant, done: &mut Vec<(usize, NotifyOutcome)>);

    /// How many started targets have no outcome yet.
    fn in_flight(&self) -> usize;

    /// Forgets everything in flight (no outcomes will come for them).
    fn abort(&mut self);

    /// Notifies one target and waits for its outcome. Use it on an idle
    /// notifier: outcomes of other targets that come meanwhile are dropped.
    fn notify(&mut self, target: &Target) -> NotifyOutcome {
        const KEY: usize = usize::MAX;
        const GIVE_UP: Duration = Duration::from_secs(600);
        let started = Instant::now();
        self.start(KEY, target, started);
        let mut done = Vec::new();
        loop {
            let now = Instant::now();
            if now >= started + GIVE_UP {
                self.abort();
                return NotifyOutcome::failed("no outcome within 10 minutes");
            }
            self.poll((now + Duration::from_secs(1)).min(started + GIVE_UP), &mut done);
            if let Some(pos) = done.iter().position(|(k, _)| *k == KEY) {
                return done.swap_remove(pos).1;
            }
            done.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(ip: Option<&str>, user: Option<&str>) -> Device {
        Device {
            id: "d1".into(),
            mac: Some(Mac([0, 0x15, 0x65, 1, 2, 3])),
            ip: ip.map(Into::into),
            remote_state_sip_username: user.map(Into::into),
            ..Default::default()
        }
    }

    #[test]
    fn sync_target_ami_prefers_endpoint() {
        let t = target(&device(Some("10.0.0.5"), Some("abcdef")), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
        assert_eq!(t.address, Address::Endpoint("abcdef".into()));
        assert_eq!(t.device_id, "d1");
        assert_eq!(t.mac, Some(Mac([0, 0x15, 0x65, 1, 2, 3])));
    }

    #[test]
    fn sync_target_ami_skips_autoprov_names() {
        let t = target(&device(Some("10.0.0.5"), Some("ap12345678")), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
        assert_eq!(t.address, Address::Ip("10.0.0.5".parse().unwrap()));
        assert_eq!(t.address.to_string(), "sip:anonymous@10.0.0.5");
        // `ap` + 8 is the rule, nothing else: 9 or 11 characters are endpoints.
        for name in ["ap1234567", "ap123456789", "xp12345678"] {
            let t = target(&device(Some("10.0.0.5"), Some(name)), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap();
            assert_eq!(t.address, Address::Endpoint(name.into()), "{name}");
        }
        assert!(is_autoprov_username("apé2345678"));
        let err = target(&device(None, Some("ap12345678")), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap_err();
        assert_eq!(err, SyncError::NotEnoughInformation);
        assert_eq!(err.to_string(), "not enough information to synchronize device");
    }

    #[test]
    fn sync_target_sip_needs_the_ip() {
        let t = target(&device(Some("10.0.0.5"), Some("abcdef")), SyncNotify::CHECK_SYNC, Backend::Sip).unwrap();
        assert_eq!(t.address, Address::Ip("10.0.0.5".parse().unwrap()));
        let err = target(&device(None, Some("abcdef")), SyncNotify::CHECK_SYNC, Backend::Sip).unwrap_err();
        assert_eq!(err, SyncError::NotEnoughInformation);
        let err = target(&device(Some("nope"), None), SyncNotify::CHECK_SYNC, Backend::Sip).unwrap_err();
        assert_eq!(err, SyncError::BadIp("nope".into()));
        let err = target(&device(Some(""), Some("  ")), SyncNotify::CHECK_SYNC, Backend::Ami).unwrap_err();
        assert_eq!(err, SyncError::NotEnoughInformation);
        let t = target(&device(Some("::1"), None), SyncNotify::CHECK_SYNC, Backend::Sip).unwrap();
        assert_eq!(t.address.to_string(), "sip:anonymous@[::1]");
    }

    #[test]
    fn sync_target_for_family() {
        let family = provd_families::by_id("yealink").unwrap();
        let t = target_for(&device(Some("10.0.0.5"), None), family, Backend::Sip).unwrap();
        assert_eq!(t.notify, SyncNotify::CHECK_SYNC);
    }

    #[test]
    fn sync_outcome_success_and_display() {
        let ok = NotifyOutcome::Answered { code: 200, reason: "OK".into(), retransmits: 0 };
        assert!(ok.is_success());
        assert_eq!(ok.to_string(), "200 OK");
        assert!(!NotifyOutcome::Answered { code: 481, reason: "x".into(), retransmits: 0 }.is_success());
        assert!(NotifyOutcome::Accepted { message: "NOTIFY sent".into() }.is_success());
        assert_eq!(NotifyOutcome::NoAnswer { retransmits: 10 }.to_string(), "no answer (11 transmissions)");
        let json = serde_json::to_value(&ok).unwrap();
        assert_eq!(json, serde_json::json!({"status": "answered", "code": 200, "reason": "OK", "retransmits": 0}));
    }
}
