//! The control plane's view of the phone side ([`PhoneSide`]), served by
//! the data plane: the one place the two planes meet.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use provd_control::api::{PhoneSide, PhoneSideBusy, TriggerWatch};
use provd_core::family::DeviceInfo;
use provd_dataplane::serve::{FetchWatch, Shared, Source};
use provd_dataplane::writer::Job;

/// The data plane, as the REST API and synchronize use it.
pub(crate) struct DataPlane(pub Arc<Shared>);

impl PhoneSide for DataPlane {
    fn dhcp_lease(&self, info: DeviceInfo<'static>, ip: IpAddr, wait: Duration) -> Result<(), PhoneSideBusy> {
        let (tx, mut rx) = futures_channel::oneshot::channel();
        // The DHCP server told the lease: the address is proven.
        let job = Job { info, ip, path: String::new(), source: Source::Proven, reply: Some(tx) };
        self.0.writer.submit(job).map_err(|_| PhoneSideBusy)?;
        // From a plain thread: poll the oneshot, up to `wait`.
        let deadline = Instant::now() + wait;
        while matches!(rx.try_recv(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(())
    }

    fn watch_trigger_fetches(&self) -> Box<dyn TriggerWatch + '_> {
        Box::new(Watch(self.0.fetches.watch()))
    }
}

struct Watch<'a>(FetchWatch<'a>);

impl TriggerWatch for Watch<'_> {
    fn first_since(&self, device_id: &str, since: Instant) -> Option<Instant> {
        self.0.first_since(device_id, since)
    }
}
