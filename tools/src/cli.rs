//! The command line, and running it.

use std::path::PathBuf;
use std::time::Duration;

use clap::{CommandFactory, Parser, Subcommand};

use crate::client::{Api, DEFAULT_API};
use crate::commands::devices::{Filter, Out, SyncOpts};
use crate::commands::{self, Ctx, configs, devices, identify, misc, plugins};
use crate::error::{Error, Result, USAGE};
use crate::expr::{self, Statement, Target};

const AFTER_HELP: &str = "\
Exit status: 0 success; 1 the operation failed or some devices failed; 2 usage error;
3 the API cannot be reached or refused the credentials (401); 4 not found (404).

Environment: PROVD_API (default for --api), PROVD_TOKEN (default for --token); without a
token, the one provd-server created in $PROVD_DATA/api-token (default data/api-token) is used.

Compatibility with wazo-provd-cli: provd -c 'devices.using_plugin(\"xivo-aastra-3.3.1-SP2\").reconfigure()'";

#[derive(Parser, Debug)]
#[command(
    name = "provd",
    version,
    about = "Administer a provd provisioning server",
    after_help = AFTER_HELP
)]
pub struct Cli {
    /// The REST API base URL [default: $PROVD_API, else http://127.0.0.1:8666/0.2].
    #[arg(long, global = true, value_name = "URL", help_heading = "API connection")]
    pub api: Option<String>,
    /// Authentication token, sent as X-Auth-Token [default: $PROVD_TOKEN].
    #[arg(long, global = true, value_name = "TOKEN", help_heading = "API connection")]
    pub token: Option<String>,
    /// Read the token from this file.
    #[arg(long, global = true, value_name = "FILE", conflicts_with = "token", help_heading = "API connection")]
    pub token_file: Option<PathBuf>,
    /// Seconds to wait for each API request [default: 30; 5 for dhcp-hook].
    #[arg(long, global = true, value_name = "SECONDS", help_heading = "API connection")]
    pub timeout: Option<f64>,
    /// Print the raw JSON documents instead of tables (also accepted after the subcommand).
    #[arg(long)]
    pub json: bool,
    /// Run wazo-provd-cli expressions, e.g.
    /// 'helpers.mass_update_devices_plugin("OLD", "NEW", synchronize=True)'.
    #[arg(short = 'c', long = "command", value_name = "EXPRESSION")]
    pub expression: Option<String>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Devices: list, show, add, edit, delete, reconfigure, synchronize.
    Devices {
        #[command(subcommand)]
        cmd: devices::Cmd,
    },
    /// Configs: list, show, add, edit, delete, raw, autocreate.
    Configs {
        #[command(subcommand)]
        cmd: configs::Cmd,
    },
    /// Plugins: list, install, upgrade, mass-update, copy-templates, ...
    Plugins {
        #[command(subcommand)]
        cmd: plugins::Cmd,
    },
    /// Server parameters (plugin_server, NAT, locale, proxies, ...).
    Params {
        #[command(subcommand)]
        cmd: misc::ParamsCmd,
    },
    /// The server's status.
    Status {
        #[command(flatten)]
        out: Out,
    },
    /// Show what provd extracts from a phone request (vendor, model, version, MAC).
    ///
    /// Runs the same code as the server. In arguments, `\xNN`
    /// stands for one raw byte (e.g. the trailing `\x00` of Cisco DHCP
    /// vendor classes) and `\\` for a backslash.
    Identify(identify::IdentifyArgs),
    /// Report a DHCP lease to provd (for ISC dhcpd's on commit/expiry/release hooks)
    ///
    /// In dhcpd.conf:
    ///
    ///   on commit { execute("/usr/bin/provd", "dhcp-hook", "commit",
    ///     binary-to-ascii(10, 8, ".", leased-address),
    ///     binary-to-ascii(16, 8, ":", suffix(hardware, 6)),
    ///     concat("060", binary-to-ascii(16, 8, ".", option vendor-class-identifier))); }
    #[command(verbatim_doc_comment)]
    DhcpHook(misc::DhcpHookArgs),
}

/// Parses the command line (clap exits with 2 on usage errors), runs it,
/// prints any error as `provd: <message>`, and returns the exit code.
pub fn main() -> u8 {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("provd: {e}");
            e.code
        }
    }
}

fn token(cli: &Cli) -> Result<Option<String>> {
    if let Some(t) = &cli.token {
        return Ok(Some(t.clone()));
    }
    if let Some(f) = &cli.token_file {
        let t = std::fs::read_to_string(f).map_err(|e| Error::usage(format!("--token-file {}: {e}", f.display())))?;
        return Ok(Some(t.trim().to_owned()).filter(|t| !t.is_empty()));
    }
    if let Some(t) = std::env::var("PROVD_TOKEN").ok().filter(|t| !t.is_empty()) {
        return Ok(Some(t));
    }
    // The token provd-server made in its data directory, when readable here.
    let data = std::env::var("PROVD_DATA").ok().filter(|d| !d.is_empty()).unwrap_or_else(|| "data".into());
    let made = std::path::Path::new(&data).join("api-token");
    Ok(std::fs::read_to_string(made)
        .ok()
        .and_then(|t| t.lines().next().map(|l| l.trim().to_owned()))
        .filter(|t| !t.is_empty()))
}

fn context(cli: &Cli, default_timeout: f64) -> Result<Ctx> {
    let base = cli
        .api
        .clone()
        .or_else(|| std::env::var("PROVD_API").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| DEFAULT_API.to_owned());
    let timeout = cli.timeout.unwrap_or(default_timeout);
    if !(timeout > 0.0 && timeout.is_finite() && timeout < 1e9) {
        return Err(Error::usage("--timeout must be a positive number of seconds"));
    }
    let api = Api::new(&base, token(cli)?, Duration::from_secs_f64(timeout))?;
    Ok(Ctx { api, json: cli.json })
}

pub fn run(cli: Cli) -> Result<u8> {
    if let Some(e) = &cli.expression {
        if let Some(c) = &cli.command {
            return Err(Error::usage(format!("-c and a subcommand ({}) do not mix", subcommand_name(c))));
        }
        let statements = expr::parse(e).map_err(|err| Error::usage(format!("-c: {err}\n{}", expr::SUPPORTED)))?;
        let ctx = context(&cli, 30.0)?;
        return run_statements(&ctx, &statements);
    }
    let Some(command) = cli.command.as_ref() else {
        let mut cmd = Cli::command();
        let _ = cmd.print_help();
        return Err(Error::new(USAGE, "give a subcommand or -c EXPRESSION"));
    };
    // Local commands: no API involved.
    match command {
        Command::Identify(a) => return Ok(identify::run(a)),
        Command::Plugins { cmd: plugins::Cmd::CopyTemplates { old, new, data, force, check_only, out } } => {
            return commands::templates::copy_templates(data, old, new, *force, *check_only, cli.json || out.json);
        }
        _ => {}
    }
    let dhcp = matches!(command, Command::DhcpHook(_));
    let ctx = context(&cli, if dhcp { 5.0 } else { 30.0 })?;
    match cli.command.expect("checked") {
        Command::Devices { cmd } => devices::run(&ctx, cmd),
        Command::Configs { cmd } => configs::run(&ctx, cmd),
        Command::Plugins { cmd } => plugins::run(&ctx, cmd),
        Command::Params { cmd } => misc::params(&ctx, cmd),
        Command::Status { out } => misc::status(&ctx, &out),
        Command::DhcpHook(a) => misc::dhcp_hook(&ctx, &a),
        Command::Identify(_) => unreachable!(),
    }
}

fn subcommand_name(c: &Command) -> &'static str {
    match c {
        Command::Devices { .. } => "devices",
        Command::Configs { .. } => "configs",
        Command::Plugins { .. } => "plugins",
        Command::Params { .. } => "params",
        Command::Status { .. } => "status",
        Command::Identify(_) => "identify",
        Command::DhcpHook(_) => "dhcp-hook",
    }
}

/// Runs `-c` statements in order, stopping at the first that fails.
pub fn run_statements(ctx: &Ctx, statements: &[Statement]) -> Result<u8> {
    for s in statements {
        let filter = |t: &Target| match t {
            Target::Plugin(p) => Filter::plugin(p),
            Target::Mac(m) => Filter::mac(m),
        };
        let code = match s {
            Statement::Reconfigure(t) => devices::reconfigure(ctx, &filter(t), false, 8)?,
            Statement::Synchronize(t) => devices::synchronize(ctx, &filter(t), false, &SyncOpts::default())?,
            Statement::MassUpdatePlugin { old, new, synchronize } => {
                devices::mass_update(ctx, old, new, *synchronize, false, 8, &SyncOpts::default())?
            }
            Statement::MassSynchronize => devices::synchronize(ctx, &Filter::default(), true, &SyncOpts::default())?,
        };
        if code != 0 {
            return Ok(code);
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> std::result::Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("provd").chain(args.iter().copied()))
    }

    #[test]
    fn definitions_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn command_lines() {
        let c = parse(&["-c", "devices.using_plugin('p').reconfigure()"]).unwrap();
        assert!(c.expression.is_some() && c.command.is_none());
        let c = parse(&["--command", "helpers.mass_synchronize()", "--api", "http://h:1/0.2"]).unwrap();
        assert_eq!(c.api.as_deref(), Some("http://h:1/0.2"));
        // -c and a subcommand do not mix.
        let e = run(parse(&["-c", "helpers.mass_synchronize()", "status"]).unwrap()).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (USAGE, "-c and a subcommand (status) do not mix"));
        // Global options after the subcommand; --json before or after.
        let c = parse(&["devices", "list", "--plugin", "p", "--api", "http://h/0.2", "--json"]).unwrap();
        assert_eq!(c.api.as_deref(), Some("http://h/0.2"));
        assert!(parse(&["--json", "devices", "list"]).unwrap().json);
        // edit's --json is its input file.
        let c = parse(&["devices", "edit", "d1", "--json", "f.json", "--set", "a.b=1"]).unwrap();
        match c.command {
            Some(Command::Devices { cmd: devices::Cmd::Edit { id, edits, .. } }) => {
                assert_eq!(id.as_deref(), Some("d1"));
                assert_eq!(edits.file.as_deref(), Some("f.json"));
                assert_eq!(edits.set, ["a.b=1"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(parse(&["devices", "edit"]).is_err());
        assert!(parse(&["devices", "show", "d1", "--mac", "x"]).is_err());
        assert!(parse(&["dhcp-hook", "commit", "10.0.0.1", "00:11:22:33:44:55", "060:Aastra", "06041.61"]).is_ok());
        assert!(parse(&["dhcp-hook", "renew", "10.0.0.1"]).is_err());
        assert!(parse(&["plugins", "copy-templates", "a", "b"]).is_err(), "--data is required");
        assert!(parse(&["plugins", "mass-update", "a", "b", "--synchronize", "--rate", "20"]).is_ok());
        assert!(parse(&["devices", "list", "--desc"]).is_err(), "--desc needs --sort");
        assert_eq!(parse(&["bogus"]).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn usage_errors_before_any_request() {
        // A program that does not parse never reaches the (absent) API.
        let cli = parse(&["--api", "http://127.0.0.1:9/0.2", "-c", "devices.using_plugin('p').reboot()"]).unwrap();
        let e = run(cli).unwrap_err();
        assert_eq!(e.code, USAGE);
        assert!(e.message.contains("\"reboot\" is not supported"), "{e}");
        assert!(e.message.contains("devices.using_plugin(\"PLUGIN\").reconfigure()"), "{e}");
        let cli = parse(&["--api", "https://x/0.2", "status"]).unwrap();
        assert_eq!(run(cli).unwrap_err().code, USAGE);
        let cli = parse(&["--api", "http://127.0.0.1:9/0.2", "devices", "reconfigure"]).unwrap();
        let e = run(cli).unwrap_err();
        assert_eq!(e.code, USAGE);
        assert!(e.message.contains("--all"), "{e}");
        let cli = parse(&["--timeout=0", "status"]).unwrap();
        assert_eq!(run(cli).unwrap_err().code, USAGE);
    }
}
