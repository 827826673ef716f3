//! The identification pipeline, with wazo-provd's semantics
//! (`docs/behaviour/pipeline.md`): extract, retrieve, update, route.
//!
//! It runs twice per request that changes something: read-only on the I/O
//! thread's snapshot ([`decide`]), which serves a known phone at once and
//! says whether a write is due and whether the answer must wait for it; and
//! authoritatively in the writer's transaction ([`apply`]), which may find
//! that another request already did the work.

use std::borrow::Cow;
use std::io::Write as _;
use std::net::IpAddr;

use provd_core::device::DeviceView;
use provd_core::family::{DeviceInfo, Request};
use provd_core::{Device, Plugin};
use provd_families::identify::{best_plugin, identify};
use provd_store::{Index, OwnerRef, ReadTxn, Result, Store};

/// Runtime parameters the pipeline obeys.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy {
    /// wazo-provd's `NAT`: when false, a device seen at an address takes it
    /// from every other device (one device per IP).
    pub nat: bool,
    /// Create devices for requests that identify nothing (no vendor, no
    /// MAC): wazo-provd does, which lets any port scan fill the database.
    pub create_anonymous: bool,
}

/// Extracts what `request` says about its sender (every family votes).
pub fn extract<'a>(request: &Request<'a>) -> DeviceInfo<'a> {
    identify(request)
}

/// The file name part of a requested path, for the remote-state trigger
/// and the sensitive-file rule.
pub fn basename(path: &[u8]) -> &[u8] {
    let path = path.split(|&b| b == b'?').next().unwrap_or(path);
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}

/// An IP address in the textual form devices store, without allocating.
struct IpText {
    buf: [u8; 46],
    len: usize,
}

impl IpText {
    fn new(ip: IpAddr) -> IpText {
        let mut buf = [0u8; 46];
        let mut cursor = &mut buf[..];
        let _ = write!(cursor, "{ip}");
        let len = 46 - cursor.len();
        IpText { buf, len }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or_default()
    }
}

/// What the snapshot says about a request.
#[derive(Debug, PartialEq)]
pub enum Decision<'t> {
    /// A known device, nothing to write.
    Known {
        /// The device's id.
        device_id: Cow<'t, str>,
        /// The plugin that serves it; `None`: nowhere to route.
        plugin: Option<Cow<'t, str>>,
    },
    /// Something to write.
    Write {
        /// Routing or the device's files depend on the write (a new device,
        /// a new plugin or config, a reconfiguration key): the answer waits
        /// for the writer.
        wait: bool,
        /// The device found; `None` when the writer is to create one.
        device_id: Option<Cow<'t, str>>,
        /// The plugin that serves the device as stored now; `None` when it
        /// has none yet, or is to be created.
        plugin: Option<Cow<'t, str>>,
    },
    /// Unidentifiable and not to be created: nowhere to route.
    Unknown,
}

/// Whether a device found by a weak key (the file it asks for, its
/// address) is not the phone asking: its MAC, vendor or model say
/// otherwise. Models as `same_model` compares them: a Cisco SPA's DHCP
/// lease names it `SPA509`, its TFTP request `SPA509G`.
fn contradicts(view: &DeviceView<'_>, info: &DeviceInfo<'_>) -> bool {
    let differ = |stored: Option<&str>, asked: Option<&str>| matches!((stored, asked), (Some(s), Some(a)) if s != a);
    let other_model = matches!(
        (view.model.as_deref(), info.model.as_deref()),
        (Some(s), Some(a)) if !provd_families::same_model(s, a)
    );
    (view.mac.is_some() && info.mac.is_some() && view.mac != info.mac)
        || differ(view.vendor.as_deref(), info.vendor.as_deref())
        || other_model
}

/// The device that owns the file at `path`: a device-specific file
/// (`805ec0aabb01.cfg`, `Aastra/00085D2EECFB.cfg`) names the phone that
/// asks for it even when the request carries no MAC, as over TFTP.
/// Looked up under every installed plugin; `None` unless exactly one
/// device owns it, and that device does not contradict the request.
fn owner_of_file<'t>(
    store: &Store,
    txn: &'t ReadTxn<'_>,
    plugins: &[Plugin],
    path: &str,
    info: &DeviceInfo<'_>,
) -> Result<Option<DeviceView<'t>>> {
    if path.is_empty() {
        return Ok(None);
    }
    let mut owner: Option<&'t str> = None;
    for plugin in plugins {
        let found = with_route_key(&plugin.id, path, |key| store.route(txn, key)).transpose()?.flatten();
        if let Some(OwnerRef::Device(id)) = found.and_then(|route| route.owner()) {
            match owner {
                Some(other) if other != id => return Ok(None),
                _ => owner = Some(id),
            }
        }
    }
    let Some(id) = owner else { return Ok(None) };
    let Some(doc) = store.device_doc(txn, id)? else { return Ok(None) };
    Ok(DeviceView::parse(doc).ok().filter(|view| !contradicts(view, info)))
}

/// Calls `f` with the route key `<plugin>/<path>`, built on the stack (no
/// allocation, and no 1280-byte buffer zeroed and moved for the usual
/// short key); `None` for a key longer than any route's.
pub(crate) fn with_route_key<R>(plugin: &str, path: &str, f: impl FnOnce(&str) -> R) -> Option<R> {
    fn build<'b>(buf: &'b mut [u8], plugin: &str, path: &str) -> &'b str {
        let len = plugin.len() + 1 + path.len();
        buf[..plugin.len()].copy_from_slice(plugin.as_bytes());
        buf[plugin.len()] = b'/';
        buf[plugin.len() + 1..len].copy_from_slice(path.as_bytes());
        // Two strings and an ASCII byte.
        std::str::from_utf8(&buf[..len]).unwrap_or_default()
    }
    match plugin.len() + 1 + path.len() {
        0..=128 => Some(f(build(&mut [0; 128], plugin, path))),
        129..=1280 => Some(f(build(&mut [0; 1280], plugin, path))),
        _ => None,
    }
}

/// wazo-provd's retrievers, in order: by MAC, serial number, UUID, then IP
/// (candidates whose MAC, vendor or model contradict the request are
/// dropped; exactly one must remain); provd adds one before the IP: the
/// owner of the device-specific file asked for ([`owner_of_file`]). The
/// device's id and its document.
fn retrieve<'t>(
    store: &Store,
    txn: &'t ReadTxn<'_>,
    plugins: &[Plugin],
    info: &DeviceInfo<'_>,
    path: &str,
    ip: Option<&str>,
) -> Result<Option<DeviceView<'t>>> {
    let first = |index: Index, value: &str| -> Result<Option<DeviceView<'t>>> {
        // The usual case, one device per MAC, without a cursor.
        if let Some(id) = store.first_device_id(txn, index, value)?
            && let Some(doc) = store.device_doc(txn, id)?
            && let Ok(view) = DeviceView::parse(doc)
        {
            return Ok(Some(view));
        }
        // The first has no readable document: the others, in order.
        for id in store.device_ids_iter(txn, index, value)? {
            if let Some(doc) = store.device_doc(txn, id?)?
                && let Ok(view) = DeviceView::parse(doc)
            {
                return Ok(Some(view));
            }
        }
        Ok(None)
    };
    if let Some(mac) = info.mac {
        let mut buf = [0u8; 17];
        if let Some(d) = first(Index::Mac, mac.write_normal(&mut buf))? {
            return Ok(Some(d));
        }
    }
    if let Some(sn) = info.sn.as_deref()
        && let Some(d) = first(Index::Sn, sn)?
    {
        return Ok(Some(d));
    }
    if let Some(uuid) = info.uuid.as_deref()
        && let Some(d) = first(Index::Uuid, uuid)?
    {
        return Ok(Some(d));
    }
    if let Some(d) = owner_of_file(store, txn, plugins, path, info)? {
        return Ok(Some(d));
    }
    let Some(ip) = ip else { return Ok(None) };
    let mut found = None;
    for id in store.device_ids_iter(txn, Index::Ip, ip)? {
        let Some(doc) = store.device_doc(txn, id?)? else { continue };
        let Ok(view) = DeviceView::parse(doc) else { continue };
        if contradicts(&view, info) {
            continue;
        }
        if found.is_some() {
            // Ambiguous: wazo-provd falls through to creating a device.
            return Ok(None);
        }
        found = Some(view);
    }
    Ok(found)
}

/// Whether a request with this information may create a device.
fn may_create(info: &DeviceInfo<'_>, policy: &Policy) -> bool {
    policy.create_anonymous || info.mac.is_some() || info.vendor.is_some()
}

/// The read-only pass on the I/O thread: what `info`, from a request of
/// `ip` for the file at `path` (normalised, no leading slash; empty when no
/// file was asked for), means in the snapshot `txn` of `store`, with
/// `plugins` installed.
#[allow(clippy::too_many_arguments)]
pub fn decide<'t>(
    store: &Store,
    txn: &'t ReadTxn<'_>,
    plugins: &[Plugin],
    policy: &Policy,
    info: &DeviceInfo<'_>,
    ip: IpAddr,
    path: &str,
) -> Result<Decision<'t>> {
    let file = basename(path.as_bytes());
    let ip_text = IpText::new(ip);
    let ip = ip_text.as_str();
    let Some(view) = retrieve(store, txn, plugins, info, path, Some(ip))? else {
        return Ok(if may_create(info, policy) {
            Decision::Write { wait: true, device_id: None, plugin: None }
        } else {
            Decision::Unknown
        });
    };
    let mut write = false;
    let mut wait = false;
    // One device per IP, unless NAT.
    if !policy.nat {
        for id in store.device_ids_iter(txn, Index::Ip, ip)? {
            if id? != view.id {
                write = true;
                break;
            }
        }
    }
    // Missing information is added; vendor, model, version, MAC and UUID
    // are reconfiguration keys, so the files change with them.
    let missing = |stored: bool, asked: bool| asked && !stored;
    if missing(view.vendor.is_some(), info.vendor.is_some())
        || missing(view.model.is_some(), info.model.is_some())
        || missing(view.mac.is_some(), info.mac.is_some())
        || missing(view.uuid.is_some(), info.uuid.is_some())
    {
        write = true;
        wait = true;
    }
    if missing(view.sn.is_some(), info.sn.is_some()) || view.ip.as_deref() != Some(ip) {
        write = true;
    }
    if info.version.is_some() && view.version.as_deref() != info.version.as_deref() {
        write = true;
        wait = true;
    }
    // An empty `plugin` or `config` (wazo-provd's own default for `plugin`)
    // is no plugin or config, as wazo-provd's truth tests take it.
    if view.plugin.as_deref().is_none_or(str::is_empty) && best_plugin(plugins, info).is_some() {
        write = true;
        wait = true;
    }
    if view.config.as_deref().is_none_or(str::is_empty) {
        write = true;
        wait = true;
    }
    if let (Some(plugin), Some(config)) = (view.plugin.as_deref(), view.config.as_deref())
        && view.configured
        && trigger_matches(plugins, plugin, &view, file)
    {
        let username = store.line1_username(txn, config)?;
        if username.is_some() && username != view.remote_state_sip_username.as_deref() {
            write = true;
        }
    }
    Ok(if write {
        Decision::Write { wait, device_id: Some(view.id), plugin: view.plugin }
    } else {
        Decision::Known { device_id: view.id, plugin: view.plugin }
    })
}

fn trigger_matches(plugins: &[Plugin], plugin: &str, view: &DeviceView<'_>, file: &[u8]) -> bool {
    plugins
        .iter()
        .find(|p| p.id == plugin)
        .is_some_and(|p| p.family.is_remote_state_trigger(view.mac, view.model.as_deref(), file))
}

/// What the writer did for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The device the request is from; `None` when it was not found and
    /// not created.
    pub device_id: Option<String>,
    /// The plugin that serves it now; `None`: nowhere to route.
    pub plugin: Option<String>,
    /// The device was created by this request.
    pub created: bool,
    /// Its files must be (re)rendered.
    pub render: bool,
    /// Devices whose `ip` was taken away (NAT off).
    pub ip_removed_from: Vec<String>,
    /// Configs created for auto-created devices.
    pub config_created: Option<String>,
}

/// The authoritative pass, in the writer's transaction. `create_allowed` is
/// the writer's rate-limit verdict for creating a device.
#[allow(clippy::too_many_arguments)]
pub fn apply(
    store: &Store,
    w: &mut provd_store::WriteTxn<'_>,
    plugins: &[Plugin],
    policy: &Policy,
    info: &DeviceInfo<'_>,
    ip: IpAddr,
    path: &str,
    create_allowed: impl FnOnce() -> bool,
) -> Result<Applied> {
    let file = basename(path.as_bytes());
    let ip_text = IpText::new(ip);
    let ip = ip_text.as_str();
    let existing = retrieve(store, w, plugins, info, path, Some(ip))?.map(|v| v.id.into_owned());
    let (mut device, created) = match existing {
        Some(id) => match store.device(w, &id)? {
            Some(d) => (d, false),
            None => return Ok(Applied::nothing()),
        },
        None => {
            if !may_create(info, policy) || !create_allowed() {
                return Ok(Applied::nothing());
            }
            let d = Device {
                id: Device::new_id(),
                added: Some("auto".into()),
                is_new: Some(true),
                configured: false,
                ..Default::default()
            };
            (d, true)
        }
    };
    let before = device.clone();
    let mut applied = Applied::nothing();

    if !policy.nat {
        let others: Vec<String> = store
            .device_ids_iter(w, Index::Ip, ip)?
            .filter_map(|id| id.ok().filter(|id| *id != device.id).map(str::to_owned))
            .collect();
        for id in others {
            if let Some(mut other) = store.device(w, &id)? {
                other.ip = None;
                store.put_device(w, &other)?;
                applied.ip_removed_from.push(id);
            }
        }
    }
    fn fill(field: &mut Option<String>, value: Option<&str>) {
        if field.is_none() {
            *field = value.map(str::to_owned);
        }
    }
    fill(&mut device.vendor, info.vendor.as_deref());
    fill(&mut device.model, info.model.as_deref());
    fill(&mut device.sn, info.sn.as_deref());
    fill(&mut device.uuid, info.uuid.as_deref());
    if device.mac.is_none() {
        device.mac = info.mac;
    }
    device.ip = Some(ip.to_owned());
    if let Some(v) = info.version.as_deref() {
        device.version = Some(v.to_owned());
    }
    if device.plugin.as_deref().is_none_or(str::is_empty)
        && let Some(plugin) = best_plugin(plugins, info)
    {
        device.plugin = Some(plugin.id.clone());
    }
    if device.config.as_deref().is_none_or(str::is_empty)
        && let Some(config) = store.autocreate_config(w)?
    {
        store.put_config(w, &config)?;
        applied.config_created = Some(config.id.clone());
        device.config = Some(config.id);
    }
    if let Some(user) = remote_state(store, w, plugins, &device, file)? {
        device.remote_state_sip_username = Some(user);
    }
    let reconfigure = created || before.needs_reconfiguration(&device);
    if created || device != before {
        store.put_device(w, &device)?;
        if created {
            store.push_auto_device(w, &device.id)?;
        }
    }
    applied.render = reconfigure && device.plugin.is_some() && device.config.is_some();
    applied.created = created;
    applied.plugin = device.plugin.clone();
    applied.device_id = Some(device.id);
    Ok(applied)
}

/// The remote state to record when `device` fetches `file`: the line 1
/// username of its own config, if `file` is its plugin's trigger and it is
/// configured (wazo-provd's `_RequestHelper` check,
/// `docs/behaviour/pipeline.md` §8).
fn remote_state(
    store: &Store,
    txn: &ReadTxn<'_>,
    plugins: &[Plugin],
    device: &Device,
    file: &[u8],
) -> Result<Option<String>> {
    let (Some(plugin), Some(config)) = (device.plugin.as_deref(), device.config.as_deref()) else {
        return Ok(None);
    };
    let view = DeviceView { mac: device.mac, model: device.model.as_deref().map(Cow::Borrowed), ..Default::default() };
    if !device.configured || !trigger_matches(plugins, plugin, &view, file) {
        return Ok(None);
    }
    Ok(store.line1_username(txn, config)?.map(str::to_owned))
}

/// The remote-state check again, once the writer has rendered the device:
/// wazo-provd runs it in `dev_update`'s hook, after `configure`
/// (`docs/behaviour/pipeline.md` §8), so the request that made a device
/// configurable and fetched its trigger file (Polycom's `<mac>-user.cfg`, which brings the MAC) is
/// recorded, not only the phone's next fetch. [`apply`] ran before the
/// render, while the device was not configured yet. Whether it wrote.
pub fn record_remote_state(
    store: &Store,
    w: &mut provd_store::WriteTxn<'_>,
    plugins: &[Plugin],
    device_id: &str,
    file: &[u8],
) -> Result<bool> {
    let Some(mut device) = store.device(w, device_id)? else { return Ok(false) };
    match remote_state(store, w, plugins, &device, file)? {
        Some(user) if device.remote_state_sip_username.as_deref() != Some(user.as_str()) => {
            device.remote_state_sip_username = Some(user);
            store.put_device(w, &device)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

impl Applied {
    fn nothing() -> Applied {
        Applied {
            device_id: None,
            plugin: None,
            created: false,
            render: false,
            ip_removed_from: Vec::new(),
            config_created: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provd_store::WriteTxn;
    use provd_store::data::DataDir;

    struct Fx {
        _dir: tempfile::TempDir,
        data: DataDir,
        plugins: Vec<Plugin>,
    }

    fn fx() -> Fx {
        let dir = tempfile::tempdir().unwrap();
        let (data, _) = DataDir::open(dir.path()).unwrap();
        let (plugins, _) = provd_families::plugins::scan(&data.plugins_dir()).unwrap();
        Fx { _dir: dir, data, plugins }
    }

    const UA: &[u8] = b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";

    fn info(ua: &[u8]) -> DeviceInfo<'_> {
        extract(&Request::Http { path: b"/805ec0d57d72.cfg", user_agent: Some(ua) })
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    impl Fx {
        fn apply(&self, policy: &Policy, info: &DeviceInfo<'_>, addr: &str, path: &str) -> Applied {
            let s = self.data.store();
            let mut w: WriteTxn<'_> = s.write_txn().unwrap();
            let a = apply(s, &mut w, &self.plugins, policy, info, ip(addr), path, || true).unwrap();
            w.commit().unwrap();
            a
        }
        fn decide(&self, policy: &Policy, info: &DeviceInfo<'_>, addr: &str, path: &str) -> String {
            let s = self.data.store();
            let r = s.read_txn().unwrap();
            format!("{:?}", decide(s, &r, &self.plugins, policy, info, ip(addr), path).unwrap())
        }
        fn device(&self, id: &str) -> Device {
            let s = self.data.store();
            s.device(&s.read_txn().unwrap(), id).unwrap().unwrap()
        }
    }

    #[test]
    fn an_unknown_phone_is_created_associated_and_given_an_autoprov_config() {
        let f = fx();
        let p = Policy::default();
        assert!(
            f.decide(&p, &info(UA), "10.0.0.5", "805ec0d57d72.cfg").starts_with("Write { wait: true, device_id: None")
        );
        let a = f.apply(&p, &info(UA), "10.0.0.5", "805ec0d57d72.cfg");
        assert!(a.created && a.render);
        // Both Yealink plugins list the T46S; the exact firmware wins.
        assert_eq!(a.plugin.as_deref(), Some("wazo-yealink-v86"));
        let d = f.device(a.device_id.as_deref().unwrap());
        assert_eq!(d.added.as_deref(), Some("auto"));
        assert_eq!(
            (d.vendor.as_deref(), d.model.as_deref(), d.version.as_deref()),
            (Some("Yealink"), Some("T46S"), Some("66.86.0.15"))
        );
        assert_eq!(d.ip.as_deref(), Some("10.0.0.5"));
        let cfg = d.config.unwrap();
        assert!(cfg.starts_with("autoprov") && cfg.len() == "autoprov".len() + 36, "{cfg}");
        let s = f.data.store();
        let c = s.config(&s.read_txn().unwrap(), &cfg).unwrap().unwrap();
        assert_eq!((c.parent_ids.clone(), c.transient), (vec!["autoprov".to_string()], Some(true)));

        // The same phone again: nothing to do (the render marks it configured
        // in real life; ip and version unchanged).
        let again = f.apply(&p, &info(UA), "10.0.0.5", "805ec0d57d72.cfg");
        assert!(!again.created && !again.render);
        assert_eq!(again.device_id, a.device_id);
    }

    #[test]
    fn a_known_phone_at_a_new_address_or_firmware() {
        let f = fx();
        let p = Policy::default();
        let a = f.apply(&p, &info(UA), "10.0.0.5", "");
        let id = a.device_id.unwrap();
        assert!(f.decide(&p, &info(UA), "10.0.0.5", "").starts_with("Known"));
        // New address: write, but serving need not wait.
        assert!(f.decide(&p, &info(UA), "10.0.0.9", "").starts_with("Write { wait: false"));
        f.apply(&p, &info(UA), "10.0.0.9", "");
        assert_eq!(f.device(&id).ip.as_deref(), Some("10.0.0.9"));
        // New firmware: a reconfiguration key, the files wait for it.
        let upgraded = info(b"Yealink SIP-T46S 66.86.0.99 80:5e:c0:d5:7d:72");
        assert!(f.decide(&p, &upgraded, "10.0.0.9", "").starts_with("Write { wait: true"));
        assert!(f.apply(&p, &upgraded, "10.0.0.9", "").render);
    }

    #[test]
    fn nat_off_keeps_one_device_per_address_nat_on_does_not() {
        let f = fx();
        let off = Policy::default();
        let a = f.apply(&off, &info(UA), "10.0.0.5", "").device_id.unwrap();
        let other = info(b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:00:01");
        let b = f.apply(&off, &other, "10.0.0.5", "");
        assert_eq!(b.ip_removed_from, vec![a.clone()]);
        assert_eq!(f.device(&a).ip, None);

        let on = Policy { nat: true, ..Policy::default() };
        let third = info(b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:00:02");
        let c = f.apply(&on, &third, "10.0.0.5", "");
        assert!(c.ip_removed_from.is_empty());
        assert_eq!(f.device(b.device_id.as_deref().unwrap()).ip.as_deref(), Some("10.0.0.5"));
    }

    #[test]
    fn requests_that_identify_nothing_do_not_create_devices_unless_allowed() {
        let f = fx();
        let nothing = extract(&Request::Http { path: b"/robots.txt", user_agent: Some(b"curl/8.0") });
        let p = Policy::default();
        assert_eq!(f.decide(&p, &nothing, "10.0.0.7", "robots.txt"), "Unknown");
        assert!(f.apply(&p, &nothing, "10.0.0.7", "robots.txt").device_id.is_none());
        let lax = Policy { create_anonymous: true, ..p };
        let a = f.apply(&lax, &nothing, "10.0.0.7", "robots.txt");
        assert!(a.created && a.plugin.is_none());
        // Found again by address alone, as wazo-provd does.
        assert!(f.decide(&lax, &nothing, "10.0.0.7", "").starts_with("Known"));
    }

    #[test]
    fn the_address_retriever_drops_contradicting_candidates_and_refuses_ambiguity() {
        let f = fx();
        let lax = Policy { nat: true, create_anonymous: true };
        let yealink = info(UA);
        f.apply(&lax, &yealink, "10.0.0.5", "");
        // A request with only a vendor from the same address finds it...
        let vendor_only = DeviceInfo { vendor: Some("Yealink".into()), ..Default::default() };
        assert!(f.decide(&lax, &vendor_only, "10.0.0.5", "").starts_with("Known"));
        // ...but not when the vendor contradicts.
        let other_vendor = DeviceInfo { vendor: Some("Aastra".into()), ..Default::default() };
        assert!(f.decide(&lax, &other_vendor, "10.0.0.5", "").starts_with("Write { wait: true, device_id: None"));
        // An anonymous device at an address absorbs the next phone seen there...
        let a = f.apply(&lax, &DeviceInfo::default(), "10.0.0.6", "").device_id;
        let b = f.apply(&lax, &info(b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:00:03"), "10.0.0.6", "").device_id;
        assert_eq!(a, b);
        // ...but a phone with another MAC is another device; then two
        // candidates are ambiguous and an empty request falls through.
        f.apply(&lax, &info(b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:00:00:04"), "10.0.0.6", "");
        assert!(f.decide(&lax, &DeviceInfo::default(), "10.0.0.6", "").contains("device_id: None"));
    }

    #[test]
    fn the_trigger_file_records_the_line_one_username() {
        let f = fx();
        let p = Policy::default();
        let id = f.apply(&p, &info(UA), "10.0.0.5", "").device_id.unwrap();
        let s = f.data.store();
        let mut w = s.write_txn().unwrap();
        let mut d = s.device(&w, &id).unwrap().unwrap();
        d.configured = true;
        s.put_device(&mut w, &d).unwrap();
        w.commit().unwrap();
        assert!(f.decide(&p, &info(UA), "10.0.0.5", "other.cfg").starts_with("Known"));
        assert!(f.decide(&p, &info(UA), "10.0.0.5", "805ec0d57d72.cfg").starts_with("Write { wait: false"));
        f.apply(&p, &info(UA), "10.0.0.5", "805ec0d57d72.cfg");
        let user = f.device(&id).remote_state_sip_username.unwrap();
        assert!(user.starts_with("ap") && user.len() == 10, "{user}");
        assert!(f.decide(&p, &info(UA), "10.0.0.5", "805ec0d57d72.cfg").starts_with("Known"));
    }

    #[test]
    fn the_remote_state_is_recorded_once_the_render_configured_the_device() {
        let f = fx();
        let p = Policy::default();
        // The trigger request creates the device: not configured yet when
        // `apply` runs, so nothing is recorded there.
        let id = f.apply(&p, &info(UA), "10.0.0.5", "805ec0d57d72.cfg").device_id.unwrap();
        assert_eq!(f.device(&id).remote_state_sip_username, None);
        let s = f.data.store();
        let mut w = s.write_txn().unwrap();
        assert!(!record_remote_state(s, &mut w, &f.plugins, &id, b"805ec0d57d72.cfg").unwrap());
        // The render marks it configured; then the trigger counts.
        let mut d = s.device(&w, &id).unwrap().unwrap();
        d.configured = true;
        s.put_device(&mut w, &d).unwrap();
        assert!(!record_remote_state(s, &mut w, &f.plugins, &id, b"y000000000028.cfg").unwrap());
        assert!(record_remote_state(s, &mut w, &f.plugins, &id, b"805ec0d57d72.cfg").unwrap());
        assert!(!record_remote_state(s, &mut w, &f.plugins, &id, b"805ec0d57d72.cfg").unwrap(), "unchanged");
        assert!(!record_remote_state(s, &mut w, &f.plugins, "gone", b"805ec0d57d72.cfg").unwrap());
        w.commit().unwrap();
        let user = f.device(&id).remote_state_sip_username.unwrap();
        assert!(user.starts_with("ap") && user.len() == 10, "{user}");
    }

    #[test]
    fn a_cisco_spa_leased_by_dhcp_is_found_by_its_files_full_model() {
        let f = fx();
        let p = Policy::default();
        let mut dhcp = extract(&Request::Dhcp { vendor_class: b"Cisco SPA509G" });
        assert_eq!(dhcp.model.as_deref(), Some("SPA509"));
        dhcp.mac = Some(provd_core::Mac::parse("00:11:22:aa:bb:cc").unwrap());
        let id = f.apply(&p, &dhcp, "10.0.0.5", "").device_id.unwrap();
        let tftp = extract(&Request::Tftp { filename: b"/spa509G.cfg" });
        assert_eq!(
            f.decide(&p, &tftp, "10.0.0.5", "spa509G.cfg"),
            format!("Known {{ device_id: {id:?}, plugin: Some(\"wazo-cisco-spa-7.5.5\") }}")
        );
        // Another model at that address is another phone.
        let other = extract(&Request::Tftp { filename: b"/spa508G.cfg" });
        assert!(f.decide(&p, &other, "10.0.0.5", "spa508G.cfg").starts_with("Write { wait: true, device_id: None"));
    }

    #[test]
    fn a_device_specific_file_names_its_device_behind_one_address() {
        let f = fx();
        let nat = Policy { nat: true, ..Policy::default() };
        let s = f.data.store();
        let mut w = s.write_txn().unwrap();
        let plugin = "wazo-yealink-v86";
        for (id, mac) in [("a", "80:5e:c0:aa:bb:01"), ("b", "80:5e:c0:aa:bb:02")] {
            let d = Device {
                id: id.into(),
                mac: Some(provd_core::Mac::parse(mac).unwrap()),
                vendor: Some("Yealink".into()),
                model: Some("T46S".into()),
                ip: Some("10.0.0.5".into()),
                plugin: Some(plugin.into()),
                config: Some("c".into()),
                configured: true,
                ..Default::default()
            };
            s.put_device(&mut w, &d).unwrap();
        }
        let mut files = s.file_writer(&mut w, 0).unwrap();
        for (owner, path) in [
            (provd_store::Owner::device("a"), "805ec0aabb01.cfg"),
            (provd_store::Owner::device("b"), "805ec0aabb02.cfg"),
            (provd_store::Owner::plugin(plugin), "y000000000066.cfg"),
        ] {
            files.put(&provd_store::route_key(plugin, path), &owner, path.as_bytes()).unwrap();
        }
        files.finish().unwrap();
        w.commit().unwrap();

        // Over TFTP a Yealink's file name tells no MAC: both devices share
        // the address, so the address alone is ambiguous.
        let tftp = |name: &'static [u8]| extract(&Request::Tftp { filename: name });
        assert_eq!(tftp(b"805ec0aabb02.cfg").mac, None);
        let known_b = format!("Known {{ device_id: \"b\", plugin: Some(\"{plugin}\") }}");
        assert_eq!(f.decide(&nat, &tftp(b"805ec0aabb02.cfg"), "10.0.0.5", "805ec0aabb02.cfg"), known_b);
        // Found so from any address, and the writer's pass agrees.
        assert!(f.decide(&nat, &tftp(b"805ec0aabb02.cfg"), "10.0.0.9", "805ec0aabb02.cfg").contains("\"b\""));
        let applied = f.apply(&nat, &tftp(b"805ec0aabb01.cfg"), "10.0.0.5", "805ec0aabb01.cfg");
        assert_eq!((applied.device_id.as_deref(), applied.created), (Some("a"), false));
        // A file the plugin owns names nobody; the ambiguous address decides.
        assert!(!f.decide(&nat, &tftp(b"y000000000066.cfg"), "10.0.0.5", "y000000000066.cfg").contains("Known"));
        // A request that contradicts the owner is not it.
        let snom = extract(&Request::Http {
            path: b"/805ec0aabb02.cfg",
            user_agent: Some(b"Mozilla/4.0 (compatible; snom320-SIP 8.7.5.35 1.1.3-s)"),
        });
        assert_eq!(snom.vendor.as_deref(), Some("Snom"));
        assert!(!f.decide(&nat, &snom, "10.0.0.7", "805ec0aabb02.cfg").contains("\"b\""));
    }

    #[test]
    fn basenames() {
        assert_eq!(basename(b"/Aastra/00085D2EECFB.cfg?x=1"), b"00085D2EECFB.cfg");
        assert_eq!(basename(b"805ec0d57d72.cfg"), b"805ec0d57d72.cfg");
        assert_eq!(IpText::new("::1".parse().unwrap()).as_str(), "::1");
    }
}

#[cfg(test)]
mod no_alloc {
    use super::*;
    use crate::test_alloc::allocations;
    use provd_store::data::DataDir;

    /// A known phone fetching its own file: extraction, the pipeline's read
    /// pass, the route and the bytes, without one allocation.
    #[test]
    fn the_known_device_path_does_not_allocate() {
        let dir = tempfile::tempdir().unwrap();
        let (data, _) = DataDir::open(dir.path()).unwrap();
        let (plugins, _) = provd_families::plugins::scan(&data.plugins_dir()).unwrap();
        let store = data.store();
        let ua: &[u8] = b"Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";
        let path: &[u8] = b"/805ec0d57d72.cfg";
        let ip: IpAddr = "10.0.0.5".parse().unwrap();
        let policy = Policy::default();
        let info = extract(&Request::Http { path, user_agent: Some(ua) });
        let mut w = store.write_txn().unwrap();
        let id =
            apply(store, &mut w, &plugins, &policy, &info, ip, "805ec0d57d72.cfg", || true).unwrap().device_id.unwrap();
        let mut d = store.device(&w, &id).unwrap().unwrap();
        d.configured = true;
        store.put_device(&mut w, &d).unwrap();
        w.commit().unwrap();
        // Record the trigger's username, as the first fetch would.
        let mut w = store.write_txn().unwrap();
        apply(store, &mut w, &plugins, &policy, &info, ip, "805ec0d57d72.cfg", || true).unwrap();
        let mut fw = store.file_writer(&mut w, 1).unwrap();
        fw.put("wazo-yealink-v86/805ec0d57d72.cfg", &provd_store::Owner::device(&id), b"config").unwrap();
        fw.finish().unwrap();
        w.commit().unwrap();

        let txn = store.read_txn().unwrap();
        let serve = || {
            let info = extract(&Request::Http { path, user_agent: Some(ua) });
            let decision = decide(store, &txn, &plugins, &policy, &info, ip, "805ec0d57d72.cfg").unwrap();
            let Decision::Known { plugin: Some(plugin), .. } = decision else { panic!("{decision:?}") };
            let mut key = [0u8; 64];
            let n = plugin.len() + 1 + 16;
            key[..plugin.len()].copy_from_slice(plugin.as_bytes());
            key[plugin.len()] = b'/';
            key[plugin.len() + 1..n].copy_from_slice(b"805ec0d57d72.cfg");
            let route = store.route(&txn, std::str::from_utf8(&key[..n]).unwrap()).unwrap().unwrap();
            store.content(&txn, &route).unwrap().len()
        };
        assert_eq!(serve(), 6, "warm-up");
        let before = allocations();
        for _ in 0..100 {
            assert_eq!(serve(), 6);
        }
        assert_eq!(allocations() - before, 0, "allocations on the known-device path");
    }
}
