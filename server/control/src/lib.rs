//! provd's control plane: wazo-provd's REST API (`/0.2`) on its own
//! listener, the plugin manager and packages, operations in progress, and
//! synchronize (SIP NOTIFY or Asterisk's AMI).
//!
//! It changes the store and publishes through `provd-compiler`'s
//! publisher; what it needs of the phone side (a DHCP lease to record, the
//! phones fetching their files after a synchronize, the phone side's
//! metrics) it asks through [`api::PhoneSide`], which the server binary
//! connects to the data plane: this crate does not depend on it.

pub mod api;
pub mod sync;
