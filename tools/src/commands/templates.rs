//! `provd plugins copy-templates OLD NEW --data DIR`.
//!
//! A plugin switch does not migrate custom templates (wazo's documentation:
//! "you must manually copy them from the old plugin directory to the new
//! one"). This copies `<data>/plugins/OLD/var/templates/*` into NEW's,
//! never overwriting a different file unless asked, then renders every
//! device currently using OLD as if it used NEW, with the compiler library
//! the server uses, and reports what would break. Nothing is published.

use std::path::{Path, PathBuf};

use provd_compiler::compile::{self, Scope};
use provd_compiler::render::{DeviceRender, Renderer};
use provd_core::{Device, device::check_id};
use provd_store::Index;
use provd_store::data::DataDir;
use serde_json::{Value, json};

use super::{print_json, println};
use crate::error::{Error, Result};
use crate::table::sanitize;

/// How a device of OLD fares with NEW.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Renders; this many files.
    Ok(usize),
    /// A template failed to render (the message names the file and line).
    RenderError(String),
    /// No template for one of its files.
    NoTemplate(String),
    /// Another error before rendering (config, plugin).
    Error(String),
    /// The device would have no files anyway (no config, ...).
    Unconfigured(String),
}

impl Outcome {
    fn kind(&self) -> &'static str {
        match self {
            Outcome::Ok(_) => "ok",
            Outcome::RenderError(_) => "render_error",
            Outcome::NoTemplate(_) => "no_template",
            Outcome::Error(_) => "error",
            Outcome::Unconfigured(_) => "unconfigured",
        }
    }

    fn message(&self) -> String {
        match self {
            Outcome::Ok(n) => format!("{n} files"),
            Outcome::RenderError(m) | Outcome::NoTemplate(m) | Outcome::Error(m) | Outcome::Unconfigured(m) => {
                m.clone()
            }
        }
    }

    pub fn is_problem(&self) -> bool {
        matches!(self, Outcome::RenderError(_) | Outcome::NoTemplate(_) | Outcome::Error(_))
    }
}

/// Renders `device` as if its plugin were `new`.
pub fn check_device(renderer: &Renderer, device: &Device, new: &str) -> Outcome {
    let mut d = device.clone();
    d.plugin = Some(new.to_owned());
    match renderer.prepare_device(&d) {
        Err(DeviceRender::Unconfigured(u)) => return Outcome::Unconfigured(u.to_string()),
        Err(DeviceRender::Failed(m)) if m.contains("no template for") => return Outcome::NoTemplate(m),
        Err(DeviceRender::Failed(m)) => return Outcome::Error(m),
        Err(DeviceRender::Configured { .. }) | Ok(_) => {}
    }
    match renderer.render_device(&d) {
        DeviceRender::Configured { files, .. } => Outcome::Ok(files.len()),
        DeviceRender::Failed(m) if m.contains("no template for") => Outcome::NoTemplate(m),
        DeviceRender::Failed(m) if m.starts_with("template ") => Outcome::RenderError(m),
        DeviceRender::Failed(m) => Outcome::Error(m),
        DeviceRender::Unconfigured(u) => Outcome::Unconfigured(u.to_string()),
    }
}

/// What copying found, by relative path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CopyPlan {
    pub new: Vec<PathBuf>,
    pub identical: Vec<PathBuf>,
    pub conflicts: Vec<PathBuf>,
    pub skipped: Vec<(PathBuf, String)>,
}

fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>, skipped: &mut Vec<(PathBuf, String)>) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::failed(format!("{}: {e}", dir.display()))),
    };
    let mut paths = Vec::new();
    for e in entries {
        paths.push(e.map_err(|e| Error::failed(format!("{}: {e}", dir.display())))?.path());
    }
    paths.sort();
    for p in paths {
        let rel = p.strip_prefix(root).expect("under root").to_owned();
        let meta = std::fs::symlink_metadata(&p).map_err(|e| Error::failed(format!("{}: {e}", p.display())))?;
        if meta.is_dir() {
            walk(root, &p, out, skipped)?;
        } else if meta.is_file() {
            out.push(rel);
        } else {
            skipped.push((rel, "not a regular file (symbolic link?)".into()));
        }
    }
    Ok(())
}

/// Compares `from` (OLD's var/templates) with `to` (NEW's).
pub fn plan(from: &Path, to: &Path) -> Result<CopyPlan> {
    let mut files = Vec::new();
    let mut plan = CopyPlan::default();
    walk(from, from, &mut files, &mut plan.skipped)?;
    for rel in files {
        let dest = to.join(&rel);
        match std::fs::symlink_metadata(&dest) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => plan.new.push(rel),
            Err(e) => return Err(Error::failed(format!("{}: {e}", dest.display()))),
            Ok(m) if m.is_file() => {
                let a = std::fs::read(from.join(&rel)).map_err(|e| Error::failed(format!("{}: {e}", rel.display())))?;
                let b = std::fs::read(&dest).map_err(|e| Error::failed(format!("{}: {e}", dest.display())))?;
                if a == b { plan.identical.push(rel) } else { plan.conflicts.push(rel) }
            }
            Ok(_) => plan.conflicts.push(rel),
        }
    }
    Ok(plan)
}

/// Copies one file through a temporary name, so a reader never sees half a template.
fn copy_file(from: &Path, to: &Path) -> Result<()> {
    let io = |p: &Path, e: std::io::Error| Error::failed(format!("{}: {e}", p.display()));
    let parent = to.parent().expect("a file path");
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let tmp = parent.join(format!(".{}.provd-copy", to.file_name().unwrap().to_string_lossy()));
    std::fs::copy(from, &tmp).map_err(|e| io(from, e))?;
    if let Ok(m) = std::fs::symlink_metadata(to)
        && m.is_dir()
    {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::failed(format!("{}: is a directory", to.display())));
    }
    std::fs::rename(&tmp, to).map_err(|e| io(to, e))
}

fn check_plugin_id(id: &str) -> Result<()> {
    check_id(id).map_err(|why| Error::usage(format!("plugin id {id:?} is not usable: {why}")))
}

pub fn copy_templates(data: &Path, old: &str, new: &str, force: bool, check_only: bool, json: bool) -> Result<u8> {
    check_plugin_id(old)?;
    check_plugin_id(new)?;
    if old == new {
        return Err(Error::usage("OLD and NEW are the same plugin"));
    }
    if !data.join("store").is_dir() || !data.join("plugins").is_dir() {
        return Err(Error::usage(format!(
            "{} is not a provd data directory (no store/ and plugins/): give the directory provd-server uses (--data)",
            data.display()
        )));
    }
    let (dd, _) = DataDir::open(data).map_err(|e| Error::failed(format!("{}: {e}", data.display())))?;
    let plugins = dd.plugins_dir();
    let (old_dir, new_dir) = (plugins.join(old), plugins.join(new));
    if !new_dir.join("plugin-info").is_file() {
        return Err(Error::not_found(format!("plugin {new} is not installed in {}", plugins.display())));
    }

    let mut plan = CopyPlan::default();
    if !check_only {
        if !old_dir.is_dir() {
            return Err(Error::not_found(format!(
                "plugin {old} is not installed in {} (its custom templates are gone with it); use --check-only to only render",
                plugins.display()
            )));
        }
        let (from, to) = (old_dir.join("var/templates"), new_dir.join("var/templates"));
        plan = plan_and_copy(&from, &to, force)?;
        if !json {
            report_copy(&plan, old, new, force);
        }
    }

    // Render with NEW's templates, custom ones included (loaded after the copy).
    let (renderer, warnings) =
        compile::renderer(&dd, &Scope::Plugin(new.to_owned())).map_err(|e| Error::failed(e.to_string()))?;
    for w in warnings {
        eprintln!("provd: warning: {w}");
    }
    if renderer.plugin(new).is_none() {
        return Err(Error::failed(format!("plugin {new} does not load (see the warnings above)")));
    }
    let store = dd.store();
    let devices = (|| -> std::result::Result<Vec<Device>, provd_store::StoreError> {
        let r = store.read_txn()?;
        let mut out = Vec::new();
        for id in store.device_ids_by(&r, Index::Plugin, old)? {
            out.extend(store.device(&r, &id)?);
        }
        Ok(out)
    })()
    .map_err(|e| Error::failed(format!("reading the devices of {old}: {e}")))?;
    let shared = renderer.plugin_files(new).err().map(|e| e.to_string());
    let outcomes = check_all(&renderer, &devices, new);

    let problems = outcomes.iter().filter(|o| o.is_problem()).count() + usize::from(shared.is_some());
    if json {
        let list: Vec<Value> = devices
            .iter()
            .zip(&outcomes)
            .map(|(d, o)| {
                json!({"id": d.id, "mac": d.mac.map(|m| m.to_string()), "model": d.model,
                       "result": o.kind(), "message": o.message()})
            })
            .collect();
        let paths = |v: &[PathBuf]| v.iter().map(|p| p.display().to_string()).collect::<Vec<_>>();
        print_json(&json!({
            "old": old, "new": new,
            "copied": paths(&plan.new),
            "overwritten": if force { paths(&plan.conflicts) } else { Vec::new() },
            "identical": paths(&plan.identical),
            "skipped": plan.skipped.iter().map(|(p, why)| json!({"path": p.display().to_string(), "why": why})).collect::<Vec<_>>(),
            "plugin_files_error": shared,
            "devices": list,
        }));
    } else {
        if let Some(e) = &shared {
            println(&format!("error: {new} shared files: {}", sanitize(e)));
        }
        let mut counts = [0usize; 5];
        for (d, o) in devices.iter().zip(&outcomes) {
            let i = ["ok", "render_error", "no_template", "error", "unconfigured"].iter().position(|k| *k == o.kind());
            counts[i.unwrap()] += 1;
            if matches!(o, Outcome::Ok(_)) {
                continue;
            }
            let label = match o {
                Outcome::RenderError(_) | Outcome::Error(_) => "error",
                Outcome::NoTemplate(_) => "no template",
                _ => "not configured",
            };
            let who = describe(d);
            println(&format!("{label}: device {who}: {}", sanitize(&o.message())));
        }
        println(&format!(
            "{} devices use {old}; rendered with {new}: {} fine, {} render errors, {} without a template, {} other errors, {} not configured",
            devices.len(),
            counts[0],
            counts[1],
            counts[2],
            counts[3],
            counts[4]
        ));
    }
    Ok(if problems > 0 { 1 } else { 0 })
}

fn plan_and_copy(from: &Path, to: &Path, force: bool) -> Result<CopyPlan> {
    let plan = plan(from, to)?;
    if !plan.conflicts.is_empty() && !force {
        for c in &plan.conflicts {
            eprintln!("provd: {} exists and differs", to.join(c).display());
        }
        return Err(Error::failed(format!(
            "{} templates already exist in {} with a different content; nothing copied (--force to overwrite)",
            plan.conflicts.len(),
            to.display()
        )));
    }
    for rel in plan.new.iter().chain(if force { plan.conflicts.as_slice() } else { &[] }) {
        copy_file(&from.join(rel), &to.join(rel))?;
    }
    Ok(plan)
}

fn report_copy(plan: &CopyPlan, old: &str, new: &str, force: bool) {
    let show = |v: &[PathBuf]| v.iter().map(|p| sanitize(&p.display().to_string())).collect::<Vec<_>>().join(", ");
    if plan.new.is_empty() && plan.conflicts.is_empty() && plan.identical.is_empty() {
        println(&format!("{old} has no custom templates (var/templates is empty)"));
    }
    if !plan.new.is_empty() {
        println(&format!("copied from {old} to {new}: {}", show(&plan.new)));
    }
    if force && !plan.conflicts.is_empty() {
        println(&format!("overwritten in {new}: {}", show(&plan.conflicts)));
    }
    if !plan.identical.is_empty() {
        println(&format!("already identical in {new}: {}", show(&plan.identical)));
    }
    for (p, why) in &plan.skipped {
        eprintln!("provd: warning: not copied: {}: {why}", p.display());
    }
}

fn describe(d: &Device) -> String {
    let mut extra = Vec::new();
    if let Some(m) = d.mac {
        extra.push(m.to_string());
    }
    if let Some(m) = &d.model {
        extra.push(sanitize(m));
    }
    if extra.is_empty() { sanitize(&d.id) } else { format!("{} ({})", sanitize(&d.id), extra.join(", ")) }
}

/// Renders on every core: a plugin can have tens of thousands of devices.
fn check_all(renderer: &Renderer, devices: &[Device], new: &str) -> Vec<Outcome> {
    let threads = std::thread::available_parallelism().map_or(4, |n| n.get()).min(devices.len().max(1));
    let chunk = devices.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = devices
            .chunks(chunk)
            .map(|c| s.spawn(move || c.iter().map(|d| check_device(renderer, d, new)).collect::<Vec<_>>()))
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("render thread")).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_plan_and_conflicts() {
        let dir = std::env::temp_dir().join(format!("provd-tpl-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let (from, to) = (dir.join("old/var/templates"), dir.join("new/var/templates"));
        std::fs::create_dir_all(from.join("common")).unwrap();
        std::fs::create_dir_all(&to).unwrap();
        std::fs::write(from.join("base.tpl"), "custom base").unwrap();
        std::fs::write(from.join("6739i.tpl"), "same").unwrap();
        std::fs::write(from.join("common/inc.tpl"), "inc").unwrap();
        std::fs::write(to.join("6739i.tpl"), "same").unwrap();
        std::fs::write(to.join("base.tpl"), "other base").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", from.join("link.tpl")).unwrap();

        let p = plan(&from, &to).unwrap();
        assert_eq!(p.new, [PathBuf::from("common/inc.tpl")]);
        assert_eq!(p.identical, [PathBuf::from("6739i.tpl")]);
        assert_eq!(p.conflicts, [PathBuf::from("base.tpl")]);
        assert_eq!(p.skipped.len(), 1);

        // Refused as a whole without --force: nothing copied.
        let e = plan_and_copy(&from, &to, false).unwrap_err();
        assert!(e.message.contains("1 templates already exist"), "{e}");
        assert!(!to.join("common/inc.tpl").exists());
        assert_eq!(std::fs::read_to_string(to.join("base.tpl")).unwrap(), "other base");

        plan_and_copy(&from, &to, true).unwrap();
        assert_eq!(std::fs::read_to_string(to.join("common/inc.tpl")).unwrap(), "inc");
        assert_eq!(std::fs::read_to_string(to.join("base.tpl")).unwrap(), "custom base");
        assert!(!to.join("link.tpl").exists());
        // Idempotent: everything identical now.
        let p = plan(&from, &to).unwrap();
        assert_eq!((p.new.len(), p.conflicts.len(), p.identical.len()), (0, 0, 3));
        // A missing var/templates is simply empty.
        assert_eq!(plan(&dir.join("nowhere"), &to).unwrap(), CopyPlan::default());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn plugin_ids_are_checked() {
        assert!(check_plugin_id("wazo-aastra-8.2.0").is_ok());
        for bad in ["", "..", "a/b", "a\\b", "a\nb"] {
            assert_eq!(check_plugin_id(bad).unwrap_err().code, crate::error::USAGE, "{bad:?}");
        }
    }
}
