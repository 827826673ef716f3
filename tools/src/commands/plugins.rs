//! `provd plugins ...`.

use std::path::PathBuf;

use clap::Subcommand;
use serde_json::{Value, json};

use super::devices::{Out, SyncOpts, mass_update};
use super::{Ctx, field, print_json, println};
use crate::client::encode;
use crate::error::{Error, Result};
use crate::oip::State;
use crate::table::{Table, cell};

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Installed plugins (table: id, version, description).
    List {
        #[command(flatten)]
        out: Out,
    },
    /// Plugins the plugin server offers (run `plugins update` first).
    Installable {
        #[command(flatten)]
        out: Out,
    },
    /// Refresh the list of installable plugins from the plugin server.
    Update,
    /// Install a plugin; its devices are reconfigured.
    Install { id: String },
    /// Upgrade an installed plugin (var/templates survive); its devices are reconfigured.
    Upgrade { id: String },
    /// Uninstall a plugin. Its directory goes, custom templates included.
    Uninstall { id: String },
    /// Reload a plugin from disk and reconfigure its devices.
    Reload { id: String },
    /// A plugin's plugin-info.
    Info {
        id: String,
        #[command(flatten)]
        out: Out,
    },
    /// Move every device of plugin OLD to plugin NEW (PUT each device), like
    /// wazo-provd-cli's helpers.mass_update_devices_plugin.
    MassUpdate {
        old: String,
        new: String,
        /// Then synchronize (reboot) the moved devices.
        #[arg(long)]
        synchronize: bool,
        /// Proceed even if OLD or NEW is not installed.
        #[arg(long)]
        force: bool,
        /// Device updates in flight at most.
        #[arg(long = "update-concurrency", value_name = "N", default_value_t = 8)]
        update_concurrency: usize,
        #[command(flatten)]
        sync: SyncOpts,
        #[command(flatten)]
        out: Out,
    },
    /// Copy the custom templates of plugin OLD (var/templates) into plugin
    /// NEW, then render every device using OLD as if it used NEW and report
    /// what would break. Works on the data directory, not through the API.
    CopyTemplates {
        old: String,
        new: String,
        /// provd's data directory (the one given to provd-server --data).
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Overwrite templates that already exist in NEW with different content.
        #[arg(long)]
        force: bool,
        /// Copy nothing; only render the devices of OLD with NEW's templates.
        #[arg(long)]
        check_only: bool,
        #[command(flatten)]
        out: Out,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<u8> {
    let with = |out: &Out| Ctx { json: ctx.json || out.json, ..ctx.clone() };
    match cmd {
        Cmd::List { out } => packages(&with(&out), "/pg_mgr/install/installed", false),
        Cmd::Installable { out } => packages(&with(&out), "/pg_mgr/install/installable", true),
        Cmd::Update => oip(ctx, "/pg_mgr/install/update", json!({}), "update the plugin list"),
        Cmd::Install { id } => oip(ctx, "/pg_mgr/install/install", json!({ "id": id }), &format!("install {id}")),
        Cmd::Upgrade { id } => oip(ctx, "/pg_mgr/install/upgrade", json!({ "id": id }), &format!("upgrade {id}")),
        Cmd::Uninstall { id } => {
            ctx.api.post("/pg_mgr/install/uninstall", &json!({ "id": id }), &format!("uninstall {id}"))?;
            if !ctx.json {
                println(&format!("uninstalled {id}"));
            }
            Ok(0)
        }
        Cmd::Reload { id } => {
            ctx.api.post("/pg_mgr/reload", &json!({ "id": id }), &format!("reload {id}"))?;
            if !ctx.json {
                println(&format!("reloaded {id}"));
            }
            Ok(0)
        }
        Cmd::Info { id, out } => {
            let ctx = with(&out);
            let what = format!("plugin {id}");
            let doc = ctx.api.get(&format!("/pg_mgr/plugins/{}/info", encode(&id)), &what)?;
            print_json(if ctx.json { &doc } else { field(&doc, "plugin_info", &what)? });
            Ok(0)
        }
        Cmd::MassUpdate { old, new, synchronize, force, update_concurrency, sync, out } => {
            mass_update(&with(&out), &old, &new, synchronize, force, update_concurrency, &sync)
        }
        Cmd::CopyTemplates { old, new, data, force, check_only, out } => {
            super::templates::copy_templates(&data, &old, &new, force, check_only, ctx.json || out.json)
        }
    }
}

fn packages(ctx: &Ctx, path: &str, installable: bool) -> Result<u8> {
    let what = if installable { "list installable plugins" } else { "list installed plugins" };
    let doc = ctx.api.get(path, what)?;
    if ctx.json {
        print_json(&doc);
        return Ok(0);
    }
    let pkgs = field(&doc, "pkgs", what)?
        .as_object()
        .ok_or_else(|| Error::failed(format!("{what}: unexpected reply: \"pkgs\" is not an object")))?;
    let mut ids: Vec<&String> = pkgs.keys().collect();
    ids.sort();
    let mut t = if installable {
        Table::new(["id", "version", "size", "description"])
    } else {
        Table::new(["id", "version", "description"])
    };
    for id in ids {
        let p = &pkgs[id];
        let mut row = vec![cell(Some(&Value::String(id.clone()))), cell(p.get("version"))];
        if installable {
            row.push(cell(p.get("dsize")));
        }
        row.push(cell(p.get("description")));
        t.push(row);
    }
    super::print(&t.render());
    Ok(0)
}

/// Starts an operation, follows it to the end, frees it.
fn oip(ctx: &Ctx, path: &str, body: Value, what: &str) -> Result<u8> {
    let monitor = ctx.api.start_oip(path, &body, what)?;
    let (state, doc) = ctx.api.wait_oip(&monitor, what, &mut ctx.progress())?;
    if ctx.json {
        print_json(&doc);
    }
    match state.state {
        State::Success => {
            if !ctx.json {
                println(&format!("{what}: done"));
            }
            Ok(0)
        }
        _ => Err(Error::failed(format!("{what}: failed ({state})"))),
    }
}
