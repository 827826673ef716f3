//! `provd configs ...`.

use clap::{Args, Subcommand};
use serde_json::{Map, Value, json};

use super::devices::{Edits, Listing, Out, query};
use super::{Ctx, field, id_of, print_json, println};
use crate::client::{encode, with_query};
use crate::doc;
use crate::error::{Error, Result, batch_code};
use crate::table::Table;

pub const COLUMNS: &[&str] = &["id", "role", "parent_ids", "deletable", "transient"];

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// List configs (table: id, role, parent_ids, deletable, transient).
    List {
        /// A selector in wazo-provd's language (JSON).
        #[arg(long, value_name = "JSON")]
        q: Option<String>,
        #[command(flatten)]
        listing: Listing,
        #[command(flatten)]
        out: Out,
    },
    /// Show one config document.
    Show {
        id: String,
        #[command(flatten)]
        out: Out,
    },
    /// Create a config; prints its id.
    Add(AddArgs),
    /// Change a config: fetch it, apply --json/--unset/--set (e.g.
    /// `--set raw_config.sip_lines.1.username=alice`), PUT it back.
    Edit {
        id: String,
        #[command(flatten)]
        edits: Edits,
    },
    /// Delete configs.
    Delete {
        #[arg(required = true)]
        ids: Vec<String>,
    },
    /// Show the flattened raw config (parents and base merged in).
    Raw {
        id: String,
        #[command(flatten)]
        out: Out,
    },
    /// Create a new autoprov config (from the config whose role is autocreate); prints its id.
    Autocreate {
        #[command(flatten)]
        out: Out,
    },
}

#[derive(Args, Debug)]
pub struct AddArgs {
    /// The id (the server chooses one when absent).
    #[arg(long)]
    pub id: Option<String>,
    /// A parent config, in inheritance order (repeatable).
    #[arg(long = "parent", value_name = "ID")]
    pub parents: Vec<String>,
    /// Its role (e.g. autocreate).
    #[arg(long)]
    pub role: Option<String>,
    /// Mark it transient (deleted with its last device).
    #[arg(long)]
    pub transient: bool,
    #[command(flatten)]
    pub edits: Edits,
}

fn with_out(ctx: &Ctx, out: &Out) -> Ctx {
    Ctx { json: ctx.json || out.json, ..ctx.clone() }
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<u8> {
    match cmd {
        Cmd::List { q, listing, out } => list(&with_out(ctx, &out), q.as_deref(), &listing),
        Cmd::Show { id, out } => show(&with_out(ctx, &out), &id),
        Cmd::Add(a) => add(ctx, a),
        Cmd::Edit { id, edits } => edit(ctx, &id, &edits),
        Cmd::Delete { ids } => {
            let mut failures = Vec::new();
            for id in &ids {
                match ctx.api.delete(&format!("/cfg_mgr/configs/{}", encode(id)), &format!("delete config {id}")) {
                    Ok(_) if !ctx.json => println(&format!("deleted config {id}")),
                    Ok(_) => {}
                    Err(e) => {
                        eprintln!("provd: {e}");
                        failures.push(e);
                    }
                }
            }
            Ok(batch_code(&failures))
        }
        Cmd::Raw { id, out } => {
            let ctx = with_out(ctx, &out);
            let what = format!("raw config of {id}");
            let doc = ctx.api.get(&format!("/cfg_mgr/configs/{}/raw", encode(&id)), &what)?;
            if ctx.json {
                print_json(&doc);
            } else {
                print_json(field(&doc, "raw_config", &what)?);
            }
            Ok(0)
        }
        Cmd::Autocreate { out } => {
            let ctx = with_out(ctx, &out);
            let what = "autocreate a config";
            let doc = ctx.api.post("/cfg_mgr/autocreate", &json!({}), what)?.json(what)?;
            field(&doc, "id", what)?;
            if ctx.json {
                print_json(&doc)
            } else {
                println(&id_of(&doc))
            }
            Ok(0)
        }
    }
}

fn list(ctx: &Ctx, q: Option<&str>, listing: &Listing) -> Result<u8> {
    let sel = match q {
        Some(q) => match serde_json::from_str::<Value>(q) {
            Ok(Value::Object(m)) => Some(m),
            Ok(_) => return Err(Error::usage("--q: expected a JSON object")),
            Err(e) => return Err(Error::usage(format!("--q: invalid JSON: {e}"))),
        },
        None => None,
    };
    let what = "list configs";
    let doc = ctx.api.get(&with_query("/cfg_mgr/configs", &query(sel.as_ref(), listing)), what)?;
    if ctx.json {
        print_json(&doc);
        return Ok(0);
    }
    let configs = field(&doc, "configs", what)?.as_array().cloned().unwrap_or_default();
    let fields: Vec<&str> = match &listing.fields {
        Some(f) => f.split(',').map(str::trim).filter(|s| !s.is_empty()).collect(),
        None => COLUMNS.to_vec(),
    };
    let mut t = Table::new(fields.iter().copied());
    for c in &configs {
        t.push_fields(c, &fields);
    }
    super::print(&t.render());
    Ok(0)
}

pub fn get(ctx: &Ctx, id: &str) -> Result<Value> {
    let what = format!("config {id}");
    let doc = ctx.api.get(&format!("/cfg_mgr/configs/{}", encode(id)), &what)?;
    Ok(field(&doc, "config", &what)?.clone())
}

fn show(ctx: &Ctx, id: &str) -> Result<u8> {
    let config = get(ctx, id)?;
    print_json(&if ctx.json { json!({ "config": config }) } else { config });
    Ok(0)
}

fn add(ctx: &Ctx, a: AddArgs) -> Result<u8> {
    let mut c = match &a.edits.file {
        Some(f) => doc::read_object(f, "config").map_err(Error::usage)?,
        None => {
            let mut m = Map::new();
            m.insert("parent_ids".into(), json!([]));
            m.insert("raw_config".into(), json!({}));
            m
        }
    };
    if let Some(id) = &a.id {
        c.insert("id".into(), id.clone().into());
    }
    if !a.parents.is_empty() {
        c.insert("parent_ids".into(), json!(a.parents));
    }
    if let Some(r) = &a.role {
        c.insert("role".into(), r.clone().into());
    }
    if a.transient {
        c.insert("transient".into(), true.into());
    }
    doc::apply_edits(&mut c, &a.edits.set, &a.edits.unset).map_err(Error::usage)?;
    let what = "add config";
    let doc = ctx.api.post("/cfg_mgr/configs", &json!({ "config": c }), what)?.json(what)?;
    field(&doc, "id", what)?;
    if ctx.json {
        print_json(&doc)
    } else {
        println(&id_of(&doc))
    }
    Ok(0)
}

fn edit(ctx: &Ctx, id: &str, edits: &Edits) -> Result<u8> {
    if edits.is_empty() {
        return Err(Error::usage("nothing to change: give --set, --unset or --json"));
    }
    let base = if edits.file.is_some() { Map::new() } else { get(ctx, id)?.as_object().cloned().unwrap_or_default() };
    let new = edits.apply(base, "config")?;
    ctx.api.put(
        &format!("/cfg_mgr/configs/{}", encode(id)),
        &json!({ "config": new }),
        &format!("update config {id}"),
    )?;
    if !ctx.json {
        println(&format!("updated config {id}"));
    }
    Ok(0)
}
