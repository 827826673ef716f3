//! `provd identify` on the real phone requests of `tests/data/ident-vectors.tsv`.

use provd_e2e::{ident_vectors, run, stderr, stdout};

/// Cisco rows of families provd does not have (Cisco's multiplatform
/// firmware, wazo-provd's cisco-sip plugins): not part of cisco_sccp or
/// cisco_spa.
const OTHER_FAMILIES: &[&str] = &["CISCO ATA191-MPP", "CISCO ATA192-MPP", "CP-7841-3PCC"];

fn check_vendor_rows(vendor: &str) {
    let rows: Vec<_> = ident_vectors()
        .into_iter()
        .filter(|r| r.vendor == vendor && !OTHER_FAMILIES.iter().any(|o| r.input.contains(o)))
        .collect();
    assert!(!rows.is_empty());
    let mut failures = Vec::new();
    for row in &rows {
        let flag = match row.protocol.as_str() {
            "http-ua" => "--ua",
            "http-path" => "--http-path",
            "tftp-path" => "--tftp-path",
            "dhcp-vendor" => "--dhcp-vendor",
            other => panic!("unknown protocol {other}"),
        };
        let out = run("provd", &["identify", flag, &row.input]);
        assert!(out.status.success(), "{}: {}", row.input, stderr(&out));
        let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        let field = |k: &str| got[k].as_str().unwrap_or("").to_owned();
        let want = [&row.vendor, &row.model, &row.version, &row.mac];
        let have = [field("vendor"), field("model"), field("version"), field("mac")];
        if want.iter().zip(&have).any(|(w, h)| *w != h) {
            failures.push(format!("{} {:?}: want {want:?}, got {have:?}", row.protocol, row.input));
        }
    }
    assert!(failures.is_empty(), "{} of {} rows wrong:\n{}", failures.len(), rows.len(), failures.join("\n"));
}

#[test]
fn yealink_rows() {
    check_vendor_rows("Yealink");
}

#[test]
fn aastra_rows() {
    check_vendor_rows("Aastra");
}

#[test]
fn cisco_rows() {
    check_vendor_rows("Cisco");
}

#[test]
fn digium_rows() {
    check_vendor_rows("Digium");
}

#[test]
fn polycom_rows() {
    check_vendor_rows("Polycom");
}

#[test]
fn snom_rows() {
    check_vendor_rows("Snom");
}

#[test]
fn escapes_and_bad_input() {
    // A raw 0xff byte in a User-Agent: extraction still answers.
    let out = run("provd", &["identify", "--ua", r"Aastra6731i\xff MAC:00-08-5D-23-74-29 V:3.2.0.70-SIP"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run("provd", &["identify", "--ua", r"bad \xZZ escape"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("bad \\x escape at byte 4"), "{}", stderr(&out));
    let out = run("provd", &["identify", "--ua", "nothing we know"]);
    assert_eq!(stdout(&out).trim(), r#"{"vendor":null,"model":null,"version":null,"mac":null}"#);
}

#[test]
fn gigaset_rows() {
    check_vendor_rows("Gigaset");
}

#[test]
fn alcatel_rows() {
    check_vendor_rows("Alcatel-Lucent");
}

/// Rows with nothing expected (look-alikes of a vendor's requests, forms a
/// vendor's pattern refuses): no family may claim them.
#[test]
fn unclaimed_rows() {
    check_vendor_rows("");
}
