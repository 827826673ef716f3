//! `provd devices ...`: list, show, add, edit, delete, reconfigure and
//! synchronize devices.

use std::collections::HashSet;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use provd_core::Mac;
use serde_json::{Map, Value, json};

use super::{Ctx, field, for_each_concurrent, id_of, print_json, println};
use crate::client::{Progress, encode, with_query};
use crate::doc;
use crate::error::{Error, Result, batch_code};
use crate::table::{Table, cell, key_values};

/// The columns of `devices list`.
pub const COLUMNS: &[&str] = &["id", "mac", "ip", "vendor", "model", "version", "plugin", "config", "configured"];

#[derive(Args, Debug, Clone, Default)]
pub struct Out {
    /// Print the raw JSON documents instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// Which devices a command acts on. Options combine (AND); `--mac` and
/// `--id` may be repeated (OR within the option).
#[derive(Args, Debug, Clone, Default)]
pub struct Filter {
    /// Devices using this plugin.
    #[arg(long, value_name = "PLUGIN")]
    pub plugin: Option<String>,
    /// The device with this MAC address (any usual form; repeatable).
    #[arg(long, value_name = "MAC")]
    pub mac: Vec<String>,
    /// The device with this id (repeatable).
    #[arg(long, value_name = "ID")]
    pub id: Vec<String>,
    /// Devices using this config.
    #[arg(long, value_name = "CONFIG")]
    pub config: Option<String>,
    /// A selector in wazo-provd's language (JSON), combined with the options above.
    #[arg(long, value_name = "JSON")]
    pub q: Option<String>,
}

impl Filter {
    pub fn plugin(p: &str) -> Filter {
        Filter { plugin: Some(p.to_owned()), ..Default::default() }
    }

    pub fn mac(m: &Mac) -> Filter {
        Filter { mac: vec![m.to_string()], ..Default::default() }
    }

    pub fn is_empty(&self) -> bool {
        self.plugin.is_none() && self.mac.is_empty() && self.id.is_empty() && self.config.is_none() && self.q.is_none()
    }

    fn macs(&self) -> Result<Vec<String>> {
        self.mac
            .iter()
            .map(|m| Mac::parse(m.trim()).map(|m| m.to_string()).map_err(|e| Error::usage(format!("--mac: {e}"))))
            .collect()
    }

    /// The selector (`q`) for this filter; `None` selects everything.
    pub fn selector(&self) -> Result<Option<Map<String, Value>>> {
        let mut sel = match &self.q {
            Some(q) => match serde_json::from_str::<Value>(q) {
                Ok(Value::Object(m)) => m,
                Ok(_) => return Err(Error::usage("--q: expected a JSON object")),
                Err(e) => return Err(Error::usage(format!("--q: invalid JSON: {e}"))),
            },
            None => Map::new(),
        };
        let one_or_in = |v: Vec<String>| {
            if v.len() == 1 { Value::String(v.into_iter().next().unwrap()) } else { json!({ "$in": v }) }
        };
        let mut add = |key: &str, v: Value| -> Result<()> {
            if sel.contains_key(key) {
                return Err(Error::usage(format!("--q already selects on {key:?}; use one or the other")));
            }
            sel.insert(key.to_owned(), v);
            Ok(())
        };
        if !self.id.is_empty() {
            add("id", one_or_in(self.id.clone()))?;
        }
        let macs = self.macs()?;
        if !macs.is_empty() {
            add("mac", one_or_in(macs))?;
        }
        if let Some(p) = &self.plugin {
            add("plugin", p.clone().into())?;
        }
        if let Some(c) = &self.config {
            add("config", c.clone().into())?;
        }
        Ok(if sel.is_empty() { None } else { Some(sel) })
    }

    fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(p) = &self.plugin {
            parts.push(format!("plugin {p}"));
        }
        for m in &self.mac {
            parts.push(format!("MAC {m}"));
        }
        for i in &self.id {
            parts.push(format!("id {i}"));
        }
        if let Some(c) = &self.config {
            parts.push(format!("config {c}"));
        }
        if let Some(q) = &self.q {
            parts.push(format!("selector {q}"));
        }
        parts.join(", ")
    }
}

/// Sorting and paging of a listing.
#[derive(Args, Debug, Clone, Default)]
pub struct Listing {
    /// Only these fields (comma-separated); the table shows them.
    #[arg(long, value_name = "A,B,...")]
    pub fields: Option<String>,
    /// Sort by this field.
    #[arg(long, value_name = "FIELD")]
    pub sort: Option<String>,
    /// Sort in descending order.
    #[arg(long, requires = "sort")]
    pub desc: bool,
    /// Skip this many documents.
    #[arg(long, value_name = "N")]
    pub skip: Option<u64>,
    /// Return at most this many documents.
    #[arg(long, value_name = "N")]
    pub limit: Option<u64>,
}

/// The query string of a listing (`q`, `fields`, `skip`, `limit`, `sort`, `sort_ord`).
pub fn query(selector: Option<&Map<String, Value>>, listing: &Listing) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if let Some(sel) = selector {
        q.push(("q", Value::Object(sel.clone()).to_string()));
    }
    if let Some(f) = &listing.fields {
        q.push(("fields", f.clone()));
    }
    if let Some(s) = listing.skip {
        q.push(("skip", s.to_string()));
    }
    if let Some(l) = listing.limit {
        q.push(("limit", l.to_string()));
    }
    if let Some(s) = &listing.sort {
        q.push(("sort", s.clone()));
        q.push(("sort_ord", if listing.desc { "DESC" } else { "ASC" }.to_owned()));
    }
    // Every device the token reaches: its tenant's and those below (with
    // provd's own token, every tenant's).
    q.push(("recurse", "true".to_owned()));
    q
}

/// Options of a mass synchronize (provd's `synchronize_many`).
#[derive(Args, Debug, Clone, Default)]
pub struct SyncOpts {
    /// NOTIFYs sent per second at most.
    #[arg(long, value_name = "PER_SECOND")]
    pub rate: Option<f64>,
    /// NOTIFY transactions in flight at most.
    #[arg(long, value_name = "N")]
    pub concurrency: Option<u32>,
    /// Seconds to wait for each phone to fetch its files after the NOTIFY.
    #[arg(long, value_name = "SECONDS")]
    pub window: Option<f64>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// List devices (table: id, mac, ip, vendor, model, version, plugin, config, configured).
    List {
        #[command(flatten)]
        filter: Filter,
        #[command(flatten)]
        listing: Listing,
        #[command(flatten)]
        out: Out,
    },
    /// Show one device.
    Show {
        /// The device id.
        #[arg(required_unless_present = "mac", conflicts_with = "mac")]
        id: Option<String>,
        /// Find the device by MAC address instead.
        #[arg(long, value_name = "MAC")]
        mac: Option<String>,
        #[command(flatten)]
        out: Out,
    },
    /// Create a device; prints its id.
    Add(AddArgs),
    /// Change a device: fetch it, apply --json/--unset/--set, PUT it back.
    Edit {
        /// The device id.
        #[arg(required_unless_present = "mac", conflicts_with = "mac")]
        id: Option<String>,
        /// Find the device by MAC address instead.
        #[arg(long, value_name = "MAC")]
        mac: Option<String>,
        #[command(flatten)]
        edits: Edits,
    },
    /// Delete devices.
    Delete {
        /// Device ids.
        #[arg(required_unless_present = "mac")]
        ids: Vec<String>,
        /// Also the devices with these MAC addresses (repeatable).
        #[arg(long, value_name = "MAC")]
        mac: Vec<String>,
    },
    /// Re-render the files of every matching device (POST dev_mgr/reconfigure each).
    Reconfigure {
        #[command(flatten)]
        filter: Filter,
        /// Act on every device when no filter is given.
        #[arg(long)]
        all: bool,
        /// Reconfigure requests in flight at most.
        #[arg(long, value_name = "N", default_value_t = 8)]
        concurrency: usize,
        #[command(flatten)]
        out: Out,
    },
    /// Make every matching phone fetch its configuration again (SIP NOTIFY;
    /// most phones reboot). Prints the report; exit 1 if some failed.
    Synchronize {
        #[command(flatten)]
        filter: Filter,
        /// Act on every device when no filter is given.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        sync: SyncOpts,
        #[command(flatten)]
        out: Out,
    },
}

/// Document edits: `--json FILE`, then `--unset`, then `--set`.
#[derive(Args, Debug, Clone, Default)]
pub struct Edits {
    /// Set KEY to VALUE: dotted keys reach into nested objects (created as
    /// needed; `\.` is a literal dot); VALUE is JSON when it parses as JSON
    /// (42, true, null, "text", [..], {..}), else the text itself. Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Remove KEY (dotted). Repeatable.
    #[arg(long = "unset", value_name = "KEY")]
    pub unset: Vec<String>,
    /// Start from this JSON document instead of the current one (`-`: standard input).
    #[arg(long = "json", value_name = "FILE")]
    pub file: Option<String>,
}

impl Edits {
    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.unset.is_empty() && self.file.is_none()
    }

    /// Applies the edits on `base` (or on the `--json` document instead).
    pub fn apply(&self, base: Map<String, Value>, envelope: &str) -> Result<Map<String, Value>> {
        let mut doc = match &self.file {
            Some(f) => doc::read_object(f, envelope).map_err(Error::usage)?,
            None => base,
        };
        doc::apply_edits(&mut doc, &self.set, &self.unset).map_err(Error::usage)?;
        Ok(doc)
    }
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The id (the server chooses one when absent).
    #[arg(long)]
    pub id: Option<String>,
    /// MAC address (any usual form; normalised).
    #[arg(long)]
    pub mac: Option<String>,
    #[arg(long)]
    pub ip: Option<String>,
    #[arg(long)]
    pub plugin: Option<String>,
    #[arg(long)]
    pub config: Option<String>,
    #[arg(long)]
    pub vendor: Option<String>,
    #[arg(long)]
    pub model: Option<String>,
    #[arg(long)]
    pub version: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    #[command(flatten)]
    pub edits: Edits,
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<u8> {
    match cmd {
        Cmd::List { filter, listing, out } => {
            list(&Ctx { json: ctx.json || out.json, ..ctx.clone() }, &filter, &listing)
        }
        Cmd::Show { id, mac, out } => show(&Ctx { json: ctx.json || out.json, ..ctx.clone() }, id, mac),
        Cmd::Add(a) => add(ctx, a),
        Cmd::Edit { id, mac, edits } => edit(ctx, id, mac, &edits),
        Cmd::Delete { ids, mac } => delete(ctx, ids, &mac),
        Cmd::Reconfigure { filter, all, concurrency, out } => {
            reconfigure(&Ctx { json: ctx.json || out.json, ..ctx.clone() }, &filter, all, concurrency)
        }
        Cmd::Synchronize { filter, all, sync, out } => {
            synchronize(&Ctx { json: ctx.json || out.json, ..ctx.clone() }, &filter, all, &sync)
        }
    }
}

/// `GET /dev_mgr/devices?...`: the `devices` list.
pub fn fetch(ctx: &Ctx, selector: Option<&Map<String, Value>>, listing: &Listing) -> Result<(Value, Vec<Value>)> {
    let what = "list devices";
    let doc = ctx.api.get(&with_query("/dev_mgr/devices", &query(selector, listing)), what)?;
    let list = field(&doc, "devices", what)?
        .as_array()
        .cloned()
        .ok_or_else(|| Error::failed(format!("{what}: unexpected reply: \"devices\" is not a list")))?;
    Ok((doc, list))
}

fn list(ctx: &Ctx, filter: &Filter, listing: &Listing) -> Result<u8> {
    let sel = filter.selector()?;
    let (doc, devices) = fetch(ctx, sel.as_ref(), listing)?;
    if ctx.json {
        print_json(&doc);
        return Ok(0);
    }
    let fields: Vec<&str> = match &listing.fields {
        Some(f) => f.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
        None => COLUMNS.to_vec(),
    };
    let mut t = Table::new(fields.iter().copied());
    for d in &devices {
        t.push_fields(d, &fields);
    }
    super::print(&t.render());
    Ok(0)
}

/// The device with this MAC (`GET devices?q={"mac": ...}`).
fn by_mac(ctx: &Ctx, mac: &str) -> Result<Value> {
    let filter = Filter { mac: vec![mac.to_owned()], ..Default::default() };
    let (_, mut devices) = fetch(ctx, filter.selector()?.as_ref(), &Listing::default())?;
    match devices.len() {
        0 => Err(Error::not_found(format!("no device has MAC {}", filter.macs()?[0]))),
        1 => Ok(devices.remove(0)),
        n => {
            eprintln!("provd: warning: {n} devices have MAC {mac}; using the first, {}", id_of(&devices[0]));
            Ok(devices.remove(0))
        }
    }
}

pub fn get(ctx: &Ctx, id: &str) -> Result<Value> {
    let what = format!("device {id}");
    let doc = ctx.api.get(&format!("/dev_mgr/devices/{}", encode(id)), &what)?;
    Ok(field(&doc, "device", &what)?.clone())
}

fn show(ctx: &Ctx, id: Option<String>, mac: Option<String>) -> Result<u8> {
    let device = match (id, mac) {
        (Some(id), _) => get(ctx, &id)?,
        (None, Some(mac)) => by_mac(ctx, &mac)?,
        (None, None) => return Err(Error::usage("give a device id or --mac")),
    };
    if ctx.json {
        print_json(&json!({ "device": device }));
    } else if let Some(m) = device.as_object() {
        super::print(&key_values(m, COLUMNS));
    }
    Ok(0)
}

fn set_str(doc: &mut Map<String, Value>, key: &str, v: &Option<String>) {
    if let Some(v) = v {
        doc.insert(key.to_owned(), v.clone().into());
    }
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<u8> {
    let mut d = match &a.edits.file {
        Some(f) => doc::read_object(f, "device").map_err(Error::usage)?,
        None => Map::new(),
    };
    set_str(&mut d, "id", &a.id);
    if let Some(m) = &a.mac {
        let mac = Mac::parse(m.trim()).map_err(|e| Error::usage(format!("--mac: {e}")))?;
        d.insert("mac".into(), mac.to_string().into());
    }
    set_str(&mut d, "ip", &a.ip);
    set_str(&mut d, "plugin", &a.plugin);
    set_str(&mut d, "config", &a.config);
    set_str(&mut d, "vendor", &a.vendor);
    set_str(&mut d, "model", &a.model);
    set_str(&mut d, "version", &a.version);
    set_str(&mut d, "description", &a.description);
    doc::apply_edits(&mut d, &a.edits.set, &a.edits.unset).map_err(Error::usage)?;
    let what = "add device";
    let reply = ctx.api.post("/dev_mgr/devices", &json!({ "device": d }), what)?;
    let doc = reply.json(what)?;
    if ctx.json {
        print_json(&doc);
    } else {
        field(&doc, "id", what)?;
        println(&id_of(&doc));
    }
    Ok(0)
}

fn edit(ctx: &Ctx, id: Option<String>, mac: Option<String>, edits: &Edits) -> Result<u8> {
    if edits.is_empty() {
        return Err(Error::usage("nothing to change: give --set, --unset or --json"));
    }
    let current = match (&id, mac) {
        (Some(id), _) if edits.file.is_none() => get(ctx, id)?,
        (Some(id), _) => json!({ "id": id }),
        (None, Some(mac)) => by_mac(ctx, &mac)?,
        (None, None) => return Err(Error::usage("give a device id or --mac")),
    };
    let id = id.unwrap_or_else(|| id_of(&current));
    let base = current.as_object().cloned().unwrap_or_default();
    let new = edits.apply(base, "device")?;
    let what = format!("update device {id}");
    ctx.api.put(&format!("/dev_mgr/devices/{}", encode(&id)), &json!({ "device": new }), &what)?;
    if !ctx.json {
        println(&format!("updated device {id}"));
    }
    Ok(0)
}

fn delete(ctx: &Ctx, mut ids: Vec<String>, macs: &[String]) -> Result<u8> {
    for m in macs {
        ids.push(id_of(&by_mac(ctx, m)?));
    }
    let mut failures = Vec::new();
    for id in &ids {
        match ctx.api.delete(&format!("/dev_mgr/devices/{}", encode(id)), &format!("delete device {id}")) {
            Ok(_) if !ctx.json => println(&format!("deleted device {id}")),
            Ok(_) => {}
            Err(e) => {
                eprintln!("provd: {e}");
                failures.push(e);
            }
        }
    }
    Ok(batch_code(&failures))
}

/// The devices a reconfigure or synchronize acts on (`id`, `mac`, `ip`),
/// and the errors for `--id`/`--mac` values that matched nothing. An empty
/// filter needs `all`.
fn targets(ctx: &Ctx, filter: &Filter, all: bool, verb: &str) -> Result<(Vec<Value>, Vec<Error>)> {
    if filter.is_empty() && !all {
        return Err(Error::usage(format!(
            "{verb} every device? Give --plugin, --mac, --id, --config or --q to choose, or --all"
        )));
    }
    let sel = filter.selector()?;
    let listing = Listing { fields: Some("id,mac,ip".into()), ..Default::default() };
    let (_, devices) = fetch(ctx, sel.as_ref(), &listing)?;
    let mut missing = Vec::new();
    let ids: HashSet<String> = devices.iter().map(id_of).collect();
    for id in &filter.id {
        if !ids.contains(id) {
            missing.push(Error::not_found(format!("device {id}: no such device")));
        }
    }
    let macs: HashSet<&str> = devices.iter().filter_map(|d| d.get("mac").and_then(Value::as_str)).collect();
    for m in filter.macs()? {
        if !macs.contains(m.as_str()) {
            missing.push(Error::not_found(format!("no device has MAC {m}")));
        }
    }
    if devices.is_empty() && missing.is_empty() {
        eprintln!(
            "provd: no device matches {}",
            if filter.is_empty() { "(none at all)".into() } else { filter.describe() }
        );
    }
    Ok((devices, missing))
}

pub fn reconfigure(ctx: &Ctx, filter: &Filter, all: bool, concurrency: usize) -> Result<u8> {
    let (devices, missing) = targets(ctx, filter, all, "reconfigure")?;
    reconfigure_devices(ctx, &devices, concurrency, missing)
}

fn reconfigure_devices(ctx: &Ctx, devices: &[Value], concurrency: usize, mut failures: Vec<Error>) -> Result<u8> {
    for e in &failures {
        eprintln!("provd: {e}");
    }
    let ids: Vec<String> = devices.iter().map(id_of).collect();
    let results = for_each_concurrent(&ids, concurrency, "reconfigure", |id| {
        ctx.api.post("/dev_mgr/reconfigure", &json!({ "id": id }), &format!("reconfigure device {id}")).map(|_| ())
    });
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (id, r) in ids.iter().zip(results) {
        match r {
            Ok(()) => done.push(id.clone()),
            Err(e) => {
                eprintln!("provd: {e}");
                failed.push(json!({ "id": id, "error": e.message }));
                failures.push(e);
            }
        }
    }
    if ctx.json {
        print_json(&json!({ "reconfigured": done, "failed": failed }));
    } else if !ids.is_empty() {
        let tail = if failed.is_empty() { String::new() } else { format!(", {} failed", failed.len()) };
        println(&format!("reconfigured {} of {} devices{tail}", done.len(), ids.len()));
    }
    Ok(batch_code(&failures))
}

pub fn synchronize(ctx: &Ctx, filter: &Filter, all: bool, opts: &SyncOpts) -> Result<u8> {
    let (devices, missing) = targets(ctx, filter, all, "synchronize")?;
    synchronize_devices(ctx, &devices, opts, missing)
}

/// A report entry failed when it has an error or a NOTIFY answered with a
/// non-2xx code.
pub fn entry_failed(e: &Value) -> bool {
    let error = e.get("error").is_some_and(|v| !v.is_null());
    let notify_bad = match e.get("notify") {
        Some(Value::Object(n)) => !n.get("code").and_then(Value::as_u64).is_some_and(|c| (200..300).contains(&c)),
        _ => false,
    };
    error || notify_bad
}

fn notify_cell(e: &Value) -> String {
    match e.get("notify") {
        Some(Value::Object(n)) => {
            let code = cell(n.get("code"));
            match n.get("reason").and_then(Value::as_str) {
                Some(r) if !r.is_empty() => format!("{code} {}", crate::table::sanitize(r)),
                _ => code,
            }
        }
        other => cell(other),
    }
}

/// The report as a table, and its summary line.
pub fn render_report(report: &[Value]) -> (String, String) {
    let mut t = Table::new(["id", "mac", "ip", "notify", "fetched", "error"]);
    let (mut failed, mut fetched, mut not_fetched) = (0, 0, 0);
    for e in report {
        if entry_failed(e) {
            failed += 1;
        }
        match e.get("fetched") {
            Some(Value::Bool(true)) => fetched += 1,
            Some(Value::Bool(false)) => not_fetched += 1,
            _ => {}
        }
        t.push(vec![
            cell(e.get("id")),
            cell(e.get("mac")),
            cell(e.get("ip")),
            notify_cell(e),
            cell(e.get("fetched")),
            { cell(e.get("error")) },
        ]);
    }
    let mut summary = format!("synchronized {} of {} devices", report.len() - failed, report.len());
    if failed > 0 {
        summary.push_str(&format!(", {failed} failed"));
    }
    if fetched + not_fetched > 0 {
        summary.push_str(&format!(", {fetched} fetched their files"));
        if not_fetched > 0 {
            summary.push_str(&format!(", {not_fetched} did not fetch within the window"));
        }
    }
    (t.render(), summary)
}

fn sync_body(ids: &[String], opts: &SyncOpts) -> Value {
    let mut body = json!({ "ids": ids });
    if let Some(r) = opts.rate {
        body["rate"] = json!(r);
    }
    if let Some(c) = opts.concurrency {
        body["concurrency"] = json!(c);
    }
    if let Some(w) = opts.window {
        body["window"] = json!(w);
    }
    body
}

pub fn synchronize_devices(ctx: &Ctx, devices: &[Value], opts: &SyncOpts, mut failures: Vec<Error>) -> Result<u8> {
    for e in &failures {
        eprintln!("provd: {e}");
    }
    if let Some(r) = opts.rate
        && !(r > 0.0 && r.is_finite())
    {
        return Err(Error::usage("--rate must be a positive number"));
    }
    if let Some(w) = opts.window
        && !(w >= 0.0 && w.is_finite())
    {
        return Err(Error::usage("--window must be a number of seconds"));
    }
    if devices.is_empty() {
        return Ok(batch_code(&failures));
    }
    let ids: Vec<String> = devices.iter().map(id_of).collect();
    let what = "synchronize";
    let (status, doc) = match ctx.api.start_oip("/dev_mgr/synchronize_many", &sync_body(&ids, opts), what) {
        Ok(path) => {
            let (oip, doc) = ctx.api.wait_oip(&path, what, &mut ctx.progress())?;
            (oip.state, doc)
        }
        // A wazo-provd without provd's extension: one OIP per device.
        Err(e) if matches!(e.status, Some(404 | 405 | 501)) => {
            eprintln!("provd: the API has no synchronize_many; synchronizing one device at a time");
            let report = synchronize_one_by_one(ctx, devices, opts);
            let state =
                if report.iter().any(entry_failed) { crate::oip::State::Fail } else { crate::oip::State::Success };
            (
                state,
                json!({ "status": if state == crate::oip::State::Fail { "fail" } else { "success" }, "report": report }),
            )
        }
        Err(e) => return Err(e),
    };
    let report = report_entries(&doc, devices);
    if ctx.json {
        print_json(&doc);
    } else {
        let (table, summary) = render_report(&report);
        super::print(&table);
        println(&summary);
    }
    let bad = report.iter().filter(|e| entry_failed(e)).count();
    if bad > 0 || status == crate::oip::State::Fail {
        if status == crate::oip::State::Fail && bad == 0 {
            eprintln!(
                "provd: synchronize: the operation failed ({})",
                doc.get("status").map_or(String::new(), |s| s.to_string())
            );
        }
        failures.push(Error::failed("synchronize failed"));
    }
    Ok(batch_code(&failures))
}

/// The rows of a synchronize report. provd's `synchronize_many` answers
/// `{"report": {"devices": [{device_id, mac, target, outcome, fetch}]}}`;
/// the one-by-one fallback builds rows directly (`{"report": [rows]}`).
pub fn report_entries(doc: &Value, devices: &[Value]) -> Vec<Value> {
    let Some(lines) = doc.get("report").and_then(|r| r.get("devices")).and_then(Value::as_array) else {
        return doc.get("report").and_then(Value::as_array).cloned().unwrap_or_default();
    };
    lines
        .iter()
        .map(|l| {
            let id = l.get("device_id").cloned().unwrap_or(Value::Null);
            let ip = devices.iter().find(|d| d.get("id") == Some(&id)).and_then(|d| d.get("ip")).cloned();
            let outcome = l.get("outcome").cloned().unwrap_or(Value::Null);
            let (notify, error) = match outcome.get("status").and_then(Value::as_str) {
                Some("answered") => (json!({"code": outcome["code"], "reason": outcome["reason"]}), Value::Null),
                // Asterisk took the NOTIFY; whether the phone answered is not known.
                Some("accepted") => (json!({"code": 202, "reason": "accepted by Asterisk"}), Value::Null),
                Some("no_answer") => (Value::Null, json!("no answer")),
                _ => (Value::Null, outcome.get("error").cloned().unwrap_or(json!("failed"))),
            };
            let fetched = match l.get("fetch").and_then(|f| f.get("status")).and_then(Value::as_str) {
                Some("fetched") => json!(true),
                Some("not_fetched") => json!(false),
                _ => Value::Null,
            };
            json!({"id": id, "mac": l.get("mac"), "ip": ip, "notify": notify, "error": error, "fetched": fetched})
        })
        .collect()
}

/// wazo-provd's way: `POST /dev_mgr/synchronize {"id"}` and wait for each
/// OIP, a few at a time, at most `rate` starts a second.
fn synchronize_one_by_one(ctx: &Ctx, devices: &[Value], opts: &SyncOpts) -> Vec<Value> {
    let next_start = Mutex::new(Instant::now());
    let interval = opts.rate.map(|r| Duration::from_secs_f64(1.0 / r));
    let concurrency = opts.concurrency.unwrap_or(4) as usize;
    for_each_concurrent(devices, concurrency, "synchronize", |d| {
        if let Some(iv) = interval {
            let wait = {
                let mut slot = next_start.lock().unwrap();
                let now = Instant::now();
                let at = (*slot).max(now);
                *slot = at + iv;
                at - now
            };
            std::thread::sleep(wait);
        }
        let id = id_of(d);
        let what = format!("synchronize device {id}");
        // The report's error column already names the device.
        let text =
            |e: Error| Value::from(e.message.strip_prefix(&format!("{what}: ")).unwrap_or(&e.message).to_owned());
        let error = match ctx.api.start_oip("/dev_mgr/synchronize", &json!({ "id": id }), &what) {
            Ok(path) => match ctx.api.wait_oip(&path, &what, &mut Progress::new(false)) {
                Ok((o, _)) if o.state == crate::oip::State::Success => Value::Null,
                // provd says why in "error"; wazo-provd only that it failed.
                Ok((o, doc)) => match doc.get("error").and_then(Value::as_str) {
                    Some(why) => why.into(),
                    None => format!("the operation failed: {o}").into(),
                },
                Err(e) => text(e),
            },
            Err(e) => text(e),
        };
        json!({ "id": id, "mac": d.get("mac"), "ip": d.get("ip"), "notify": null, "error": error, "fetched": null })
    })
}

/// `helpers.mass_update_devices_plugin`: PUT every device of `old` with
/// plugin `new`, then optionally synchronize them.
pub fn mass_update(
    ctx: &Ctx,
    old: &str,
    new: &str,
    synchronize: bool,
    force: bool,
    concurrency: usize,
    sync: &SyncOpts,
) -> Result<u8> {
    if old == new {
        return Err(Error::usage("the old and new plugins are the same"));
    }
    let installed = ctx.api.get("/pg_mgr/install/installed", "list installed plugins")?;
    let pkgs = field(&installed, "pkgs", "list installed plugins")?;
    for p in [old, new] {
        if pkgs.get(p).is_none() {
            let msg = format!("plugin {p} is not installed");
            if force {
                eprintln!("provd: warning: {msg}");
            } else if !super::confirm(&format!("provd: {msg}. Proceed anyway?")) {
                return Err(Error::failed(format!("{msg} (--force to proceed anyway)")));
            }
        }
    }
    let (_, devices) = fetch(ctx, Filter::plugin(old).selector()?.as_ref(), &Listing::default())?;
    if devices.is_empty() {
        eprintln!("provd: no device uses plugin {old}");
        if ctx.json {
            print_json(&json!({ "updated": [], "failed": [] }));
        }
        return Ok(0);
    }
    let results = for_each_concurrent(&devices, concurrency, "update plugin", |d| {
        let mut d = d.clone();
        let id = id_of(&d);
        d["plugin"] = new.into();
        let what = format!("update device {id}");
        ctx.api.put(&format!("/dev_mgr/devices/{}", encode(&id)), &json!({ "device": d }), &what).map(|_| d)
    });
    let mut moved = Vec::new();
    let mut failures = Vec::new();
    let mut failed = Vec::new();
    for (d, r) in devices.iter().zip(results) {
        match r {
            Ok(d) => moved.push(d),
            Err(e) => {
                eprintln!("provd: {e}");
                failed.push(json!({ "id": id_of(d), "error": e.message }));
                failures.push(e);
            }
        }
    }
    if ctx.json && !synchronize {
        print_json(&json!({ "updated": moved.iter().map(id_of).collect::<Vec<_>>(), "failed": failed }));
    } else if !ctx.json {
        let tail = if failed.is_empty() { String::new() } else { format!(", {} failed", failed.len()) };
        println(&format!("moved {} of {} devices from {old} to {new}{tail}", moved.len(), devices.len()));
        eprintln!(
            "provd: note: custom templates are not migrated by a plugin change; see `provd plugins copy-templates {old} {new} --data DIR`"
        );
    }
    if synchronize && !moved.is_empty() {
        let code = synchronize_devices(ctx, &moved, sync, Vec::new())?;
        if code != 0 {
            failures.push(Error::new(code, "synchronize"));
        }
    }
    Ok(batch_code(&failures))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selectors() {
        assert_eq!(Filter::default().selector().unwrap(), None);
        let f = Filter { plugin: Some("p".into()), mac: vec!["00085D2EECFB".into()], ..Default::default() };
        assert_eq!(Value::Object(f.selector().unwrap().unwrap()), json!({"mac": "00:08:5d:2e:ec:fb", "plugin": "p"}));
        let f = Filter { id: vec!["a".into(), "b".into()], ..Default::default() };
        assert_eq!(Value::Object(f.selector().unwrap().unwrap()), json!({"id": {"$in": ["a", "b"]}}));
        let f = Filter { q: Some(r#"{"vendor": "Aastra"}"#.into()), config: Some("c".into()), ..Default::default() };
        assert_eq!(Value::Object(f.selector().unwrap().unwrap()), json!({"vendor": "Aastra", "config": "c"}));
        let f = Filter { q: Some(r#"{"plugin": "x"}"#.into()), plugin: Some("y".into()), ..Default::default() };
        assert_eq!(f.selector().unwrap_err().code, crate::error::USAGE);
        assert_eq!(Filter { q: Some("[1]".into()), ..Default::default() }.selector().unwrap_err().code, 2);
        assert_eq!(Filter { mac: vec!["nope".into()], ..Default::default() }.selector().unwrap_err().code, 2);
    }

    #[test]
    fn listing_query() {
        let sel = Filter::plugin("p").selector().unwrap();
        let l = Listing {
            fields: Some("id,mac".into()),
            sort: Some("mac".into()),
            desc: true,
            skip: Some(10),
            limit: Some(5),
        };
        assert_eq!(
            crate::client::with_query("/dev_mgr/devices", &query(sel.as_ref(), &l)),
            "/dev_mgr/devices?q=%7B%22plugin%22%3A%22p%22%7D&fields=id%2Cmac&skip=10&limit=5&sort=mac&sort_ord=DESC&recurse=true"
        );
    }

    #[test]
    fn report_rendering() {
        let report = vec![
            json!({"id": "a", "mac": "00:08:5d:2e:ec:fb", "ip": "10.0.0.1", "notify": {"code": 200, "reason": "OK"}, "error": null, "fetched": true}),
            json!({"id": "b", "mac": null, "ip": "10.0.0.2", "notify": {"code": 481, "reason": "Call/Transaction Does Not Exist"}, "error": null, "fetched": false}),
            json!({"id": "c", "mac": null, "ip": null, "notify": null, "error": "not enough information to synchronize device", "fetched": null}),
            json!({"id": "d", "ip": "10.0.0.4", "notify": {"code": 200, "reason": "OK"}, "error": null, "fetched": false}),
        ];
        assert!(!entry_failed(&report[0]));
        assert!(entry_failed(&report[1]));
        assert!(entry_failed(&report[2]));
        assert!(!entry_failed(&report[3]));
        let (table, summary) = render_report(&report);
        assert_eq!(
            table,
            "\
id  mac                ip        notify                               fetched  error
a   00:08:5d:2e:ec:fb  10.0.0.1  200 OK                               yes      -
b   -                  10.0.0.2  481 Call/Transaction Does Not Exist  no       -
c   -                  -         -                                    -        not enough information to synchronize device
d   -                  10.0.0.4  200 OK                               no       -
"
        );
        assert_eq!(
            summary,
            "synchronized 2 of 4 devices, 2 failed, 1 fetched their files, 2 did not fetch within the window"
        );
    }

    #[test]
    fn sync_bodies() {
        let ids = vec!["a".to_owned()];
        assert_eq!(sync_body(&ids, &SyncOpts::default()), json!({"ids": ["a"]}));
        let o = SyncOpts { rate: Some(50.0), concurrency: Some(8), window: Some(30.0) };
        assert_eq!(sync_body(&ids, &o), json!({"ids": ["a"], "rate": 50.0, "concurrency": 8, "window": 30.0}));
    }
}
