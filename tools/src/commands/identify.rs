//! `provd identify`: what the server extracts from a phone request.

use std::ffi::OsString;

use clap::Args;
use provd_core::family::Request;
use provd_families::identify::identify;

#[derive(Args, Debug)]
#[group(required = true, multiple = true)]
pub struct IdentifyArgs {
    /// An HTTP User-Agent header.
    #[arg(long, value_name = "STRING", conflicts_with_all = ["tftp_path", "dhcp_vendor"])]
    ua: Option<OsString>,
    /// An HTTP request path (with --ua: the path of the same request).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["tftp_path", "dhcp_vendor"])]
    http_path: Option<OsString>,
    /// A TFTP read request's file name, as received.
    #[arg(long, value_name = "NAME", conflicts_with = "dhcp_vendor")]
    tftp_path: Option<OsString>,
    /// A DHCP vendor class identifier (option 60).
    #[arg(long, value_name = "STRING")]
    dhcp_vendor: Option<OsString>,
}

/// Decodes `\xNN` and `\\` escapes into raw bytes.
fn unescape(arg: &OsString) -> Result<Vec<u8>, String> {
    use std::os::unix::ffi::OsStrExt;
    provd_families::identify::unescape(arg.as_bytes())
        .map_err(|i| format!("bad \\x escape at byte {i}: expected two hex digits"))
}

/// Prints the extracted information as JSON; exit 2 on a bad escape.
pub fn run(args: &IdentifyArgs) -> u8 {
    match run_identify(args) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("provd identify: {e}");
            2
        }
    }
}

fn run_identify(args: &IdentifyArgs) -> Result<(), String> {
    let decode = |a: &Option<OsString>| a.as_ref().map(unescape).transpose();
    let (ua, path, tftp, dhcp) =
        (decode(&args.ua)?, decode(&args.http_path)?, decode(&args.tftp_path)?, decode(&args.dhcp_vendor)?);
    let request = if let Some(name) = &tftp {
        Request::Tftp { filename: name }
    } else if let Some(vc) = &dhcp {
        Request::Dhcp { vendor_class: vc }
    } else {
        Request::Http { path: path.as_deref().unwrap_or(b"/"), user_agent: ua.as_deref() }
    };
    let info = identify(&request);
    let mut doc = serde_json::Map::new();
    doc.insert("vendor".into(), info.vendor.as_deref().into());
    doc.insert("model".into(), info.model.as_deref().into());
    doc.insert("version".into(), info.version.as_deref().into());
    doc.insert("mac".into(), info.mac.map(|m| m.to_string()).into());
    if let Some(sn) = info.sn.as_deref() {
        doc.insert("sn".into(), sn.into());
    }
    if let Some(uuid) = info.uuid.as_deref() {
        doc.insert("uuid".into(), uuid.into());
    }
    super::println(&serde_json::Value::Object(doc).to_string());
    Ok(())
}
