//! `provd params ...`, `provd status`, `provd dhcp-hook ...`.

use clap::{Args, Subcommand, ValueEnum};
use serde_json::{Value, json};

use super::devices::Out;
use super::{Ctx, field, print_json, println};
use crate::client::encode;
use crate::dhcp::{self, Op};
use crate::error::{Error, Result};
use crate::table::{Table, cell, sanitize};

#[derive(Subcommand, Debug)]
pub enum ParamsCmd {
    /// Every parameter with its value.
    List {
        #[command(flatten)]
        out: Out,
    },
    /// Print a parameter's value (nothing when unset).
    Get {
        name: String,
        #[command(flatten)]
        out: Out,
    },
    /// Set a parameter (e.g. `params set NAT 1`, `params set plugin_server URL`).
    Set { name: String, value: String },
    /// Unset a parameter.
    Unset { name: String },
}

pub fn params(ctx: &Ctx, cmd: ParamsCmd) -> Result<u8> {
    match cmd {
        ParamsCmd::List { out } => {
            let what = "list parameters";
            let doc = ctx.api.get("/configure", what)?;
            if ctx.json || out.json {
                print_json(&doc);
                return Ok(0);
            }
            let mut t = Table::new(["id", "value", "description"]);
            for p in field(&doc, "params", what)?.as_array().into_iter().flatten() {
                t.push_fields(p, &["id", "value", "description"]);
            }
            super::print(&t.render());
            Ok(0)
        }
        ParamsCmd::Get { name, out } => {
            let what = format!("parameter {name}");
            let doc = ctx.api.get(&format!("/configure/{}", encode(&name)), &what)?;
            if ctx.json || out.json {
                print_json(&doc);
                return Ok(0);
            }
            match field(&doc, "param", &what)?.get("value") {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => println(&sanitize(s)),
                Some(v) => println(&v.to_string()),
            }
            Ok(0)
        }
        ParamsCmd::Set { name, value } => {
            let body = json!({ "param": { "value": value } });
            ctx.api.put(&format!("/configure/{}", encode(&name)), &body, &format!("set parameter {name}"))?;
            Ok(0)
        }
        ParamsCmd::Unset { name } => {
            let body = json!({ "param": { "value": null } });
            ctx.api.put(&format!("/configure/{}", encode(&name)), &body, &format!("unset parameter {name}"))?;
            Ok(0)
        }
    }
}

/// Flattens nested objects into `a.b: value` lines.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) if !m.is_empty() => {
            for (k, v) in m {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        other => out.push((prefix.to_owned(), cell(Some(other)))),
    }
}

pub fn status(ctx: &Ctx, out: &Out) -> Result<u8> {
    let doc = ctx.api.get("/status", "status")?;
    if ctx.json || out.json {
        print_json(&doc);
        return Ok(0);
    }
    let mut lines = Vec::new();
    flatten("", &doc, &mut lines);
    let width = lines.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    for (k, v) in lines {
        println(&format!("{}:{} {v}", sanitize(&k), " ".repeat(width - k.chars().count())));
    }
    Ok(0)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum OpArg {
    Commit,
    Expiry,
    Release,
}

#[derive(Args, Debug)]
pub struct DhcpHookArgs {
    /// What dhcpd reports.
    pub op: OpArg,
    /// The leased IPv4 address.
    pub ip: String,
    /// The client's MAC address (any usual form; required for commit).
    pub mac: Option<String>,
    /// DHCP options: a 3-digit code followed by hex bytes separated by dots,
    /// as dhcpd's binary-to-ascii(16, 8, ".", ...) prints them
    /// (060 + 41.61.73.74.72.61), or CODE:text (060:Aastra). Empty arguments are ignored.
    #[arg(value_name = "DHCP_OPTION")]
    pub options: Vec<String>,
}

/// `POST /dev_mgr/dhcpinfo`.
pub fn dhcp_hook(ctx: &Ctx, a: &DhcpHookArgs) -> Result<u8> {
    let op = match a.op {
        OpArg::Commit => Op::Commit,
        OpArg::Expiry => Op::Expiry,
        OpArg::Release => Op::Release,
    };
    let body = dhcp::dhcp_info(op, &a.ip, a.mac.as_deref(), &a.options).map_err(Error::usage)?;
    ctx.api.post("/dev_mgr/dhcpinfo", &body, &format!("dhcp {} {}", op.as_str(), a.ip))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_flattening() {
        let mut out = Vec::new();
        flatten("", &json!({"rest_api": "ok", "bus_consumer": {"status": "ok"}, "x": {}}), &mut out);
        assert_eq!(
            out,
            vec![
                ("rest_api".to_owned(), "ok".to_owned()),
                ("bus_consumer.status".to_owned(), "ok".to_owned()),
                ("x".to_owned(), "{}".to_owned())
            ]
        );
    }
}
