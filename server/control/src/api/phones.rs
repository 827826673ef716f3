//! What the control plane asks of the phone side. The server binary
//! connects it to the data plane; this crate does not depend on it.

use std::net::IpAddr;
use std::time::{Duration, Instant};

use provd_core::family::DeviceInfo;

/// The phone side, as the REST API and synchronize need it.
pub trait PhoneSide: Send + Sync {
    /// Records what a DHCP lease tells (`ip` leased to the phone `info`
    /// describes) as the phone's own request would be recorded: a device
    /// created or updated. Waits up to `wait` for it to be applied; an
    /// error when the phone side cannot take it now.
    fn dhcp_lease(&self, info: DeviceInfo<'static>, ip: IpAddr, wait: Duration) -> Result<(), PhoneSideBusy>;

    /// Starts recording which devices fetch their remote-state trigger
    /// file (the proof a synchronized phone took its configuration), until
    /// the returned watch is dropped.
    fn watch_trigger_fetches(&self) -> Box<dyn TriggerWatch + '_>;
}

/// Trigger-file fetches recorded while it lives.
pub trait TriggerWatch {
    /// The first fetch by `device_id` at or after `since`.
    fn first_since(&self, device_id: &str, since: Instant) -> Option<Instant>;
}

/// The phone side could not take a request now (its writer is saturated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the writer is saturated; retry")]
pub struct PhoneSideBusy;
