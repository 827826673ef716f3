//! provd's administrator CLI: the REST client, the subcommands, and the
//! `wazo-provd-cli -c` compatibility language.

pub mod cli;
pub mod client;
pub mod commands;
pub mod dhcp;
pub mod doc;
pub mod error;
pub mod expr;
pub mod loadgen;
pub mod oip;
pub mod table;
