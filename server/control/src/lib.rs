//! provd's control plane: wazo-provd's REST API (`/0.2`) on its own
//! listener, the plugin manager and packages, operations in progress, and
//! synchronize (SIP NOTIFY or Asterisk's AMI).
//!
//! It changes the store and publishes through `provd-compiler`'s
//! publisher; what it needs of the phone side (a DHCP lease to record, the
//! phones fetching their files after a synchronize, the phone side's
//! metrics) it asks through [`api::PhoneSide`], which the server binary
//! connects to the data plane: this crate does not depend on it.
//!
//! The REST API ([`api`], `docs/behaviour/rest-api.md`) is set up with
//! [`api::Api::new`] and served by [`api::listener::start`]; its routes,
//! the plugin manager and the operations in progress are internal to the
//! crate. Synchronize ([`sync`], `docs/behaviour/synchronize.md`) is
//! usable alone: a [`sync::Notifier`] (the SIP backend,
//! [`sync::SipNotifier`], or the AMI one the API builds from
//! [`sync::AmiConfig`]) and [`sync::mass::run`] to pace many NOTIFYs.
//!
//! Cluster mode ([`cluster`], `docs/CLUSTER.md`): PostgreSQL as the
//! source of truth shared by several servers; each keeps its own store.
//!
//! What it is not: no phone-facing HTTP or TFTP (`provd-dataplane`), no
//! rendering (`provd-compiler`), no storage format (`provd-store`), no
//! command line (the server binary parses its options and builds the
//! configurations below).
//!
//! Main types: [`api::Api`] and [`api::ApiConfig`] (with [`api::Auth`] and
//! [`api::sync::SyncConfig`]), [`api::listener::ListenerOptions`],
//! [`api::PhoneSide`] and [`api::TriggerWatch`], [`api::Collector`] for
//! `/metrics`; [`sync::Target`], [`sync::NotifyOutcome`],
//! [`sync::MassOptions`] and [`sync::MassReport`]; [`cluster::Cluster`]
//! and [`cluster::ClusterConfig`].

pub mod api;
pub mod cluster;
pub mod sync;
