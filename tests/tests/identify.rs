//! `provd identify` on the real phone requests of `tests/data/ident-vectors.tsv`.

use provd_e2e::{ident_vectors, run, stderr, stdout};

fn check_vendor_rows(vendor: &str) {
    check_rows(|r| r.vendor == vendor);
}

/// `provd identify` on the rows `keep` picks gives what each row expects (a
/// row whose fields are all empty: no family claims the request).
fn check_rows(keep: impl Fn(&provd_e2e::IdentVector) -> bool) {
    let rows: Vec<_> = ident_vectors().into_iter().filter(|r| keep(r)).collect();
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

/// Cisco multiplatform (cisco_sip) rows: the 3PCC phones' and the MPP ATAs'.
#[test]
fn cisco_sip_rows() {
    check_rows(|r| {
        r.vendor == "Cisco" && (r.input.contains("3PCC") || r.input.contains("-MPP") || r.input.ends_with(".xml"))
    });
}

/// Look-alike requests (a MAC a digit short, a 5-digit model, the wrong
/// extension): nobody claims them.
#[test]
fn rows_telling_nothing() {
    check_rows(|r| r.vendor.is_empty() && r.model.is_empty() && r.version.is_empty() && r.mac.is_empty());
}

#[test]
fn avaya_rows() {
    check_vendor_rows("Avaya");
}

/// Rows that must tell nothing (`vendor` empty) whose input holds
/// `marker`: look-alikes of a family's requests.
fn check_unclaimed_rows(marker: &str) {
    let rows: Vec<_> =
        ident_vectors().into_iter().filter(|r| r.vendor.is_empty() && r.input.contains(marker)).collect();
    assert!(!rows.is_empty(), "no unclaimed {marker} rows");
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
        assert_eq!(
            stdout(&out).trim(),
            r#"{"vendor":null,"model":null,"version":null,"mac":null}"#,
            "{} {:?} is claimed",
            row.protocol,
            row.input
        );
    }
}

#[test]
fn fanvil_rows() {
    check_vendor_rows("Fanvil");
    // The rows that tell no vendor: a bare `<mac>.cfg`, and look-alikes
    // that must tell nothing.
    for row in ident_vectors().into_iter().filter(|r| r.vendor.is_empty() && r.input.contains("anvil")) {
        let flag = if row.protocol == "http-ua" { "--ua" } else { "--http-path" };
        let out = run("provd", &["identify", flag, &row.input]);
        assert!(out.status.success(), "{}: {}", row.input, stderr(&out));
        let got: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        assert_eq!(got["vendor"], serde_json::Value::Null, "{}", row.input);
        assert_eq!(got["mac"].as_str().unwrap_or(""), row.mac, "{}", row.input);
    }
}

#[test]
fn grandstream_rows() {
    check_vendor_rows("Grandstream");
    check_unclaimed_rows("randstream");
}

#[test]
fn patton_rows() {
    check_vendor_rows("Patton");
    check_unclaimed_rows("SmartNode");
}

#[test]
fn htek_rows() {
    check_vendor_rows("Htek");
    // Look-alikes that must tell nothing (the phones are known by their
    // User-Agent only).
    for row in ident_vectors().into_iter().filter(|r| r.vendor.is_empty() && r.input.to_lowercase().contains("htek")) {
        let out = run("provd", &["identify", "--ua", &row.input]);
        assert!(out.status.success(), "{}: {}", row.input, stderr(&out));
        assert_eq!(stdout(&out).trim(), r#"{"vendor":null,"model":null,"version":null,"mac":null}"#, "{}", row.input);
    }
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
