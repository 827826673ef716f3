//! The security log fail2ban watches, byte for byte as wazo-provd writes it
//! (Python logging `[%(asctime)s] %(message)s`, local time):
//!
//! ```text
//! [2024-05-01 10:00:00,123] New device created automatically from 10.0.0.5: 6f1c...
//! [2024-05-01 10:00:00,125] Sensitive file requested from 10.0.0.5: 805ec0d57d55.cfg
//! ```
//!
//! and provd's own, for HTTPS phones whose certificate names another
//! device: `Client certificate refused from <ip>: <filename>`.

use std::io::Write;
use std::net::IpAddr;

/// What the security log records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SecurityEvent<'a> {
    /// A device was created from an unknown requester.
    DeviceCreated { ip: IpAddr, device_id: &'a str },
    /// A file that can hold credentials was asked for.
    SensitiveFile { ip: IpAddr, filename: &'a [u8] },
    /// A device's file was refused to an HTTPS client whose certificate
    /// names another device, or none (provd's own line).
    CertificateRefused { ip: IpAddr, filename: &'a [u8] },
}

/// Appends one log line (with its newline) to `out`. Control characters in
/// attacker-chosen names become `?`: a file name must not be able to forge
/// a line that gets someone else banned. The log thread formats its line
/// heads itself (`seclog.rs`); its tests check them against this.
#[cfg(test)]
pub(crate) fn write_line<Tz: chrono::TimeZone>(at: &chrono::DateTime<Tz>, event: &SecurityEvent<'_>, out: &mut Vec<u8>)
where
    Tz::Offset: std::fmt::Display,
{
    let _ = write!(out, "[{}] ", at.format("%Y-%m-%d %H:%M:%S,%3f"));
    write_message(event, out);
}

/// Appends the part of the line after `[<time>] ` (with its newline): for
/// writers that format the time themselves.
pub(crate) fn write_message(event: &SecurityEvent<'_>, out: &mut Vec<u8>) {
    let (what, ip, name): (&str, IpAddr, &[u8]) = match *event {
        SecurityEvent::DeviceCreated { ip, device_id } => {
            ("New device created automatically from ", ip, device_id.as_bytes())
        }
        SecurityEvent::SensitiveFile { ip, filename } => ("Sensitive file requested from ", ip, filename),
        SecurityEvent::CertificateRefused { ip, filename } => ("Client certificate refused from ", ip, filename),
    };
    let _ = write!(out, "{what}{ip}: ");
    out.extend(name.iter().map(|&b| if b < 0x20 || b == 0x7f { b'?' } else { b }));
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, TimeZone};

    #[test]
    fn lines_match_wazo_provd() {
        let at = FixedOffset::east_opt(0).unwrap().with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
            + chrono::Duration::milliseconds(123);
        let mut out = Vec::new();
        let ip: IpAddr = "10.0.0.5".parse().unwrap();
        write_line(&at, &SecurityEvent::SensitiveFile { ip, filename: b"805ec0d57d55.cfg" }, &mut out);
        write_line(&at, &SecurityEvent::DeviceCreated { ip, device_id: "abc" }, &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "[2024-05-01 10:00:00,123] Sensitive file requested from 10.0.0.5: 805ec0d57d55.cfg\n\
             [2024-05-01 10:00:00,123] New device created automatically from 10.0.0.5: abc\n"
        );
    }

    #[test]
    fn names_cannot_forge_lines() {
        let at = FixedOffset::east_opt(0).unwrap().with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap();
        let mut out = Vec::new();
        let evil = b"x.cfg\n[2024-05-01 10:00:00,000] New device created automatically from 1.2.3.4: y";
        write_line(&at, &SecurityEvent::SensitiveFile { ip: "10.0.0.5".parse().unwrap(), filename: evil }, &mut out);
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1);
    }
}
