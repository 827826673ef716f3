//! `dev_mgr/synchronize` (wazo-provd's, one device, an operation in
//! progress) and `dev_mgr/synchronize_many` (provd's: many devices, paced,
//! ending with a report per device of who answered and who came back for
//! its configuration).

use std::time::{Duration, Instant};

use provd_core::{Device, Mac};
use serde_json::Value;

use super::http::{Req, Resp};
use super::oip::{Handle, State};
use super::{Api, PhoneSide, TriggerWatch, internal};
use crate::sync::{
    self, AmiConfig, AmiNotifier, Backend, FetchLog, MassOptions, Notifier, SipConfig, SipNotifier, SyncError, Target,
    Unresolved,
};
use provd_compiler::publish::Publisher;

/// How the API synchronizes phones.
#[derive(Debug, Clone)]
pub struct SyncConfig {
    /// Which backend sends the NOTIFYs.
    pub backend: Backend,
    /// The SIP backend's settings (used when `backend` is SIP).
    pub sip: SipConfig,
    /// The AMI backend's settings (used when `backend` is AMI).
    pub ami: AmiConfig,
    /// Defaults of a mass synchronize (requests may lower or raise them
    /// within bounds).
    pub mass: MassOptions,
}

impl SyncConfig {
    fn notifier(&self) -> Result<Box<dyn Notifier>, String> {
        Ok(match self.backend {
            Backend::Sip => Box::new(SipNotifier::bind(self.sip.clone()).map_err(|e| format!("SIP socket: {e}"))?),
            Backend::Ami => Box::new(AmiNotifier::new(self.ami.clone())),
        })
    }
}

/// What [`sync`] needs to turn a device into a NOTIFY target.
fn resolve(publisher: &Publisher, device: &Device, backend: Backend) -> Result<Target, SyncError> {
    if !device.configured {
        return Err(SyncError::NotConfigured);
    }
    let plugin_id = device.plugin.as_deref().unwrap_or_default();
    let plugins = publisher.plugins().get();
    let plugin =
        plugins.iter().find(|p| p.id == plugin_id).ok_or_else(|| SyncError::PluginNotLoaded(plugin_id.to_owned()))?;
    sync::target_for(device, plugin.family, backend)
}

fn finish(handle: &Handle, result: Result<Value, String>) {
    let mut op = handle.lock().unwrap();
    match result {
        Ok(outcome) => {
            op.state = State::Success;
            op.extra.insert("outcome".into(), outcome);
        }
        Err(e) => {
            op.state = State::Fail;
            op.extra.insert("error".into(), Value::from(e));
        }
    }
}

pub(crate) fn synchronize(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    let id = super::devices::body_id(req)?;
    let device = super::devices::visible_device(api, req, &id)?;
    let (location, handle) = api.ops.start(req.path, None);
    handle.lock().unwrap().state = State::Progress;
    let (publisher, config) = (api.publisher.clone(), api.sync.clone());
    std::thread::Builder::new()
        .name("provd-sync".into())
        .spawn(move || {
            let result = resolve(&publisher, &device, config.backend).map_err(|e| e.to_string()).and_then(|target| {
                let outcome = config.notifier()?.notify(&target);
                let doc = serde_json::to_value(&outcome).unwrap_or_default();
                if outcome.is_success() { Ok(doc) } else { Err(format!("{}: {outcome}", target.address)) }
            });
            if let Err(e) = &result {
                log::error!("synchronize {}: {e}", device.id);
            }
            finish(&handle, result);
        })
        .map_err(internal)?;
    Ok(Resp::empty(201).with_location(location))
}

/// Bounds a request may ask for: faster than this is a flood, longer waits
/// tie up an operation for nothing.
const MAX_RATE: f64 = 1000.0;
const MAX_CONCURRENCY: usize = 1000;
const MAX_WINDOW: Duration = Duration::from_secs(600);

pub(crate) fn synchronize_many(api: &Api, req: &Req<'_>) -> Result<Resp, Resp> {
    let body = req.json_body()?;
    let bad = |m: String| Resp::text(400, m);
    let ids: Vec<String> = match body.get("ids") {
        Some(Value::Array(ids)) if !ids.is_empty() => ids
            .iter()
            .enumerate()
            .map(|(i, v)| v.as_str().map(str::to_owned).ok_or_else(|| bad(format!("ids[{i}]: not a string"))))
            .collect::<Result<_, _>>()?,
        _ => return Err(bad("\"ids\": expected a non-empty list of device ids".into())),
    };
    let mut options = api.sync.mass.clone();
    if ids.len() > options.max_targets {
        return Err(bad(SyncError::TooMany { count: ids.len(), max: options.max_targets }.to_string()));
    }
    let number = |key: &str, max: f64| -> Result<Option<f64>, Resp> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => match v.as_f64() {
                Some(n) if n >= 0.0 && n <= max => Ok(Some(n)),
                _ => Err(bad(format!("{key}: expected a number from 0 to {max}, got {v}"))),
            },
        }
    };
    if let Some(rate) = number("rate", MAX_RATE)? {
        options.rate = rate;
    }
    if let Some(c) = number("concurrency", MAX_CONCURRENCY as f64)? {
        options.max_in_flight = (c as usize).max(1);
    }
    if let Some(w) = number("window", MAX_WINDOW.as_secs_f64())? {
        options.fetch_window = Duration::from_secs_f64(w);
    }

    let devices: Vec<(String, Option<Device>)> = {
        let store = api.store();
        let r = store.read_txn().map_err(internal)?;
        let mut devices = Vec::with_capacity(ids.len());
        for id in ids {
            // Another tenant's device is unknown here, as a missing one.
            let d = store
                .device(&r, &id)
                .map_err(internal)?
                .filter(|d| req.caller.sees(d.tenant_uuid.as_deref().unwrap_or(api.tenant.as_str())));
            devices.push((id, d));
        }
        devices
    };
    let (location, handle) = api.ops.start(req.path, None);
    {
        let mut op = handle.lock().unwrap();
        op.state = State::Progress;
        op.current = Some(0);
        op.end = Some(devices.len() as u64);
    }
    let (publisher, phones, config) = (api.publisher.clone(), api.phones.clone(), api.sync.clone());
    std::thread::Builder::new()
        .name("provd-sync-many".into())
        .spawn(move || run_many(&publisher, &*phones, config, options, devices, handle))
        .map_err(internal)?;
    Ok(Resp::empty(201).with_location(location))
}

struct ServerFetchLog<'a>(&'a dyn TriggerWatch);

impl FetchLog for ServerFetchLog<'_> {
    fn fetched_after(&self, device_id: &str, _mac: Option<Mac>, since: Instant) -> Option<Instant> {
        self.0.first_since(device_id, since)
    }
}

fn run_many(
    publisher: &Publisher,
    phones: &dyn PhoneSide,
    config: SyncConfig,
    options: MassOptions,
    devices: Vec<(String, Option<Device>)>,
    handle: Handle,
) {
    // Recording starts before the first NOTIFY leaves.
    let watch = phones.watch_trigger_fetches();
    let jobs = devices
        .iter()
        .map(|(id, device)| match device {
            Some(d) => resolve(publisher, d, config.backend).map_err(|error| Unresolved {
                device_id: d.id.clone(),
                mac: d.mac,
                error,
            }),
            None => Err(Unresolved { device_id: id.clone(), mac: None, error: SyncError::UnknownDevice }),
        })
        .collect();
    let mut notifier = match config.notifier() {
        Ok(n) => n,
        Err(e) => return finish(&handle, Err(e)),
    };
    let log = ServerFetchLog(&*watch);
    let mut progress = |p: sync::Progress| {
        let mut op = handle.lock().unwrap();
        op.current = Some(p.done as u64);
        op.extra.insert("fetched".into(), Value::from(p.fetched));
    };
    let started = Instant::now();
    match sync::mass::run(notifier.as_mut(), jobs, &options, &log, &mut progress) {
        Ok(report) => {
            log::info!(
                "synchronized {} devices in {:.1}s: {} answered, {} no answer, {} failed, {} fetched their configuration",
                report.total,
                started.elapsed().as_secs_f64(),
                report.succeeded,
                report.no_answer,
                report.failed,
                report.fetched
            );
            let all_good = report.succeeded == report.total && !report.stopped;
            let mut op = handle.lock().unwrap();
            op.state = if all_good { State::Success } else { State::Fail };
            op.extra.insert("report".into(), serde_json::to_value(&report).unwrap_or_default());
        }
        Err(e) => finish(&handle, Err(e.to_string())),
    }
}
