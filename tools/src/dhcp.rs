//! `provd dhcp-hook`: what ISC dhcpd's `on commit` hook sends to
//! `POST /0.2/dev_mgr/dhcpinfo`.
//!
//! dhcpd passes options the way `binary-to-ascii(16, 8, ".", option ...)`
//! prints them: a 3-digit decimal option code followed by the bytes in hex,
//! dot-separated and without leading zeros (`060` + `41.61.73.74.72.61`,
//! `0a` printed as `a`). provd's API wants the same, with two hex digits a
//! byte. `CODE:text` is accepted too and converted (`060:Aastra`).

use std::net::Ipv4Addr;

use provd_core::Mac;
use serde_json::{Value, json};

/// What dhcpd reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Commit,
    Expiry,
    Release,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Commit => "commit",
            Op::Expiry => "expiry",
            Op::Release => "release",
        }
    }
}

fn code(digits: &str, arg: &str) -> Result<u8, String> {
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("option {arg:?}: the option code must be 1 to 3 decimal digits"));
    }
    digits.parse::<u8>().map_err(|_| format!("option {arg:?}: option code {digits} is above 255"))
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(".")
}

/// Normalises one option argument to `<3-digit code><hh.hh...>`.
pub fn encode_option(arg: &str) -> Result<String, String> {
    if let Some((digits, text)) = arg.split_once(':') {
        let code = code(digits, arg)?;
        return Ok(format!("{code:03}{}", hex_bytes(text.as_bytes())));
    }
    let Some(digits) = arg.get(..3) else {
        return Err(format!("option {arg:?}: expected a 3-digit code followed by hex bytes (060a.b.c) or CODE:text"));
    };
    let code = code(digits, arg)?;
    let rest = &arg[3..];
    let mut bytes = Vec::new();
    if !rest.is_empty() {
        for part in rest.split('.') {
            if part.is_empty() || part.len() > 2 || !part.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(format!(
                    "option {arg:?}: {part:?} is not a byte: after the code, expected hex bytes separated by dots"
                ));
            }
            bytes.push(u8::from_str_radix(part, 16).expect("checked hex"));
        }
    }
    Ok(format!("{code:03}{}", hex_bytes(&bytes)))
}

/// A MAC as dhcpd hooks pass it: any form provd knows, or dhcpd's
/// `binary-to-ascii(16, 8, ":", ...)` output, which drops leading zeros
/// (`0:8:5d:2e:ec:fb`) and, on the whole `hardware` field, starts with the
/// hardware type (`1:0:8:5d:2e:ec:fb` for Ethernet).
pub fn parse_mac(input: &str) -> Result<Mac, String> {
    let input = input.trim();
    if let Ok(m) = Mac::parse(input) {
        return Ok(m);
    }
    let mut groups: Vec<&str> = input.split(':').collect();
    if groups.len() == 7 && groups[0] == "1" {
        groups.remove(0);
    }
    let ok = groups.len() == 6
        && groups.iter().all(|g| (1..=2).contains(&g.len()) && g.bytes().all(|b| b.is_ascii_hexdigit()));
    if !ok {
        return Err(Mac::parse(input).unwrap_err().to_string());
    }
    let mut bytes = [0u8; 6];
    for (b, g) in bytes.iter_mut().zip(groups) {
        *b = u8::from_str_radix(g, 16).expect("checked hex");
    }
    Ok(Mac(bytes))
}

/// The body of `POST /0.2/dev_mgr/dhcpinfo`.
pub fn dhcp_info(op: Op, ip: &str, mac: Option<&str>, options: &[String]) -> Result<Value, String> {
    let ip: Ipv4Addr = ip.trim().parse().map_err(|_| format!("{ip:?} is not an IPv4 address"))?;
    let mut info = serde_json::Map::new();
    info.insert("op".into(), op.as_str().into());
    info.insert("ip".into(), ip.to_string().into());
    match (op, mac) {
        (Op::Commit, None) => return Err("commit needs the MAC address of the lease".into()),
        (_, Some(m)) => {
            let mac = parse_mac(m)?;
            info.insert("mac".into(), mac.to_string().into());
        }
        (_, None) => {}
    }
    if op == Op::Commit {
        // dhcpd passes an empty string for an option the client did not send.
        let opts =
            options.iter().filter(|o| !o.trim().is_empty()).map(|o| encode_option(o)).collect::<Result<Vec<_>, _>>()?;
        info.insert("options".into(), opts.into());
    }
    Ok(json!({ "dhcp_info": info }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dhcpd_binary_to_ascii_form_is_normalised() {
        // "Aastra6731i" as dhcpd prints it.
        assert_eq!(
            encode_option("06041.61.73.74.72.61.36.37.33.31.69").unwrap(),
            "06041.61.73.74.72.61.36.37.33.31.69"
        );
        // Leading zeros are dropped by binary-to-ascii; upper case is accepted.
        assert_eq!(encode_option("060a.0.FF.7f").unwrap(), "0600a.00.ff.7f");
        assert_eq!(encode_option("060").unwrap(), "060");
        assert_eq!(encode_option("255ff").unwrap(), "255ff");
    }

    #[test]
    fn text_form_is_converted() {
        assert_eq!(encode_option("060:Aastra").unwrap(), "06041.61.73.74.72.61");
        assert_eq!(encode_option("60:ab").unwrap(), "06061.62");
        assert_eq!(encode_option("060:").unwrap(), "060");
        // Colons after the first are part of the text.
        assert_eq!(encode_option("077:a:b").unwrap(), "07761.3a.62");
        assert_eq!(encode_option("060:\u{e9}").unwrap(), "060c3.a9");
    }

    #[test]
    fn bad_options_are_refused() {
        for (arg, why) in [
            ("", "3-digit code"),
            ("60", "3-digit code"),
            ("256:x", "above 255"),
            ("300ab", "above 255"),
            ("0x1:a", "decimal digits"),
            ("1234:a", "1 to 3 decimal digits"),
            ("06041.6", "ok"),
            ("060414", "not a byte"),
            ("06041..61", "not a byte"),
            ("06041.61.", "not a byte"),
            ("060.41", "not a byte"),
            ("060zz", "not a byte"),
            ("abc12", "decimal digits"),
            ("06\u{e9}1", "3-digit code"),
        ] {
            match encode_option(arg) {
                Ok(v) => assert_eq!(why, "ok", "{arg:?} gave {v:?}"),
                Err(e) => assert!(e.contains(why), "{arg:?}: {e}"),
            }
        }
    }

    #[test]
    fn dhcpd_macs() {
        let want = Mac::parse("00:08:5d:2e:ec:fb").unwrap();
        for m in ["00:08:5d:2e:ec:fb", "0:8:5d:2e:ec:fb", "1:0:8:5d:2e:ec:fb", "00085D2EECFB", " 0:8:5D:2E:EC:FB "] {
            assert_eq!(parse_mac(m).unwrap(), want, "{m}");
        }
        for bad in ["", "0:8:5d:2e:ec", "2:0:8:5d:2e:ec:fb", "0:8:5d:2e:ec:fbb", "0:8:5d:2e:ec:", "g:8:5d:2e:ec:fb"] {
            assert!(parse_mac(bad).unwrap_err().contains("invalid MAC address"), "{bad:?}");
        }
    }

    #[test]
    fn bodies() {
        let v = dhcp_info(Op::Commit, "10.0.0.5", Some("00-08-5D-2E-EC-FB"), &["060:Aastra".into(), "06041.61".into()])
            .unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"dhcp_info":{"op":"commit","ip":"10.0.0.5","mac":"00:08:5d:2e:ec:fb","options":["06041.61.73.74.72.61","06041.61"]}}"#
        );
        let v = dhcp_info(Op::Commit, "10.0.0.5", Some("00085d2eecfb"), &["".into()]).unwrap();
        assert_eq!(v["dhcp_info"]["options"], json!([]));
        let v = dhcp_info(Op::Expiry, "10.0.0.5", None, &[]).unwrap();
        assert_eq!(v.to_string(), r#"{"dhcp_info":{"op":"expiry","ip":"10.0.0.5"}}"#);
        assert!(dhcp_info(Op::Commit, "10.0.0.5", None, &[]).unwrap_err().contains("MAC"));
        assert!(dhcp_info(Op::Commit, "10.0.0.256", Some("00085d2eecfb"), &[]).unwrap_err().contains("IPv4"));
        assert!(dhcp_info(Op::Release, "10.0.0.1", Some("0008"), &[]).unwrap_err().contains("invalid MAC"));
        assert!(dhcp_info(Op::Commit, "10.0.0.1", Some("00085d2eecfb"), &["x".into()]).is_err());
    }
}
