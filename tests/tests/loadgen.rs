//! `provd-loadgen` against the real server: phones of every family of the
//! registry boot over HTTP and TFTP, are created on their first request, and every
//! byte they receive afterwards is checked against `provd-compile
//! --export` of the same data directory.
//!
//! Why two passes: the files of an auto-created phone exist only once
//! provd has seen it (its device, plugin and autoprov config are made on
//! its first request). The first pass creates the phones and checks what
//! can be checked without an export (status codes, lengths, zero errors);
//! the export then holds every file they are served; the second pass,
//! with the same seed (same MACs, models, addresses), compares every body.

use std::path::Path;
use std::process::Output;

use provd_e2e::{Server, run, stderr, stdout};
use provd_families::phones::Role;
use serde_json::Value;

const SEED: &str = "11";
/// Phones of each family in the HTTP passes.
const PER_FAMILY: u64 = 200;
const TFTP_PHONES: u64 = 100;

/// The HTTP fleet, from the family registry: `(phones, requests, requests
/// expecting "not found")`. The phones take the families in turn, so each
/// family has [`PER_FAMILY`] of them, each making its family's boot
/// requests (Yealink's `y0000000000NN.cfg` is the one not generated).
fn http_fleet() -> (u64, u64, u64) {
    let (mut requests, mut optional) = (0, 0);
    for p in provd_families::phones::all() {
        let m = p.models()[0];
        let steps = p.boot(m.name, m.version, [0; 6]);
        requests += PER_FAMILY * steps.len() as u64;
        optional += PER_FAMILY * steps.iter().filter(|s| s.role == Role::Optional).count() as u64;
    }
    (PER_FAMILY * provd_families::all().len() as u64, requests, optional)
}

fn loadgen(args: &[&str]) -> Output {
    run("provd-loadgen", &[&["--seed", SEED, "--json", "--max-duration", "120"], args].concat())
}

/// The JSON report, asserting the run was clean.
fn clean(out: &Output) -> Value {
    let report: Value = serde_json::from_str(stdout(out).trim())
        .unwrap_or_else(|e| panic!("no JSON report ({e}): {}\n{}", stdout(out), stderr(out)));
    assert_eq!(report["errors"]["total"], 0, "errors: {:#}", report["errors"]);
    assert!(out.status.success(), "exit {:?}: {}", out.status, stderr(out));
    assert_eq!(report["phones_completed"], report["phones"]);
    assert_eq!(report["phones_not_started"], 0);
    report
}

fn check_fields(report: &Value) {
    for f in [
        "phones",
        "phones_completed",
        "duration_s",
        "files",
        "files_checked",
        "bytes",
        "files_per_s",
        "bytes_per_s",
        "requests_per_s",
        "tftp_retransmits",
    ] {
        assert!(report[f].is_number(), "{f} in {report:#}");
    }
    for kind in ["request", "boot"] {
        for q in ["p50_ms", "p95_ms", "p99_ms", "max_ms", "mean_ms", "count"] {
            assert!(report["latency"][kind][q].is_number(), "latency.{kind}.{q}");
        }
        let l = &report["latency"][kind];
        assert!(l["p50_ms"].as_f64() <= l["p99_ms"].as_f64() && l["p99_ms"].as_f64() <= l["max_ms"].as_f64());
    }
    assert!(report["errors"]["by_kind"].is_object());
    assert!(report["generator_cpu"]["total_s"].is_number());
    assert!(report["config"]["families"].is_array());
    assert_eq!(report["families"].as_object().unwrap().len(), provd_families::all().len(), "{:#}", report["families"]);
}

fn export(data: &Path, dir: &Path) {
    let out = run("provd-compile", &["--data", data.to_str().unwrap(), "--export", dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn every_family_boots_over_http_and_tftp_and_every_byte_matches_the_export() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let server = Server::start(&data, &[]);
    let (http, tftp) = (server.http.to_string(), server.tftp.to_string());
    let (phones, requests, optional) = http_fleet();
    let http_phones = phones.to_string();
    let tftp_phones = TFTP_PHONES.to_string();
    let first_tftp = phones.to_string();

    // Pass 1: the phones are new; provd creates them on their first request.
    let r = clean(&loadgen(&["--http", &http, "--transport", "http", "--phones", &http_phones]));
    check_fields(&r);
    // Every boot request answered; Yealink's y0000000000NN.cfg is not generated.
    assert_eq!(r["requests_ok"], requests);
    assert_eq!(r["not_found_expected"], optional);
    assert_eq!(r["files"], requests - optional);
    let r = clean(&loadgen(&[
        "--tftp",
        &tftp,
        "--transport",
        "tftp",
        "--families",
        "cisco_sccp",
        "--phones",
        &tftp_phones,
        "--first-index",
        &first_tftp,
    ]));
    assert_eq!(r["files"], 2 * TFTP_PHONES);

    // What every phone must now receive.
    let exp = tmp.path().join("export");
    export(&data, &exp);

    // Pass 2: same phones, every body compared.
    let expect = exp.to_str().unwrap();
    let r = clean(&loadgen(&["--http", &http, "--transport", "http", "--phones", &http_phones, "--expect", expect]));
    check_fields(&r);
    assert_eq!(r["files_checked"], requests - optional);
    assert_eq!(r["files_checked"], r["files"]);
    // Keep-alive: the same bytes, fewer connections.
    let r = clean(&loadgen(&[
        "--http",
        &http,
        "--transport",
        "http",
        "--keepalive",
        "--phones",
        &http_phones,
        "--expect",
        expect,
    ]));
    assert_eq!(r["files_checked"], requests - optional);
    assert!(r["connections"].as_u64().unwrap() < requests);
    // TFTP with every option: blksize, windowsize, tsize.
    for blksize in ["512", "1428"] {
        let r = clean(&loadgen(&[
            "--tftp",
            &tftp,
            "--transport",
            "tftp",
            "--families",
            "cisco_sccp",
            "--phones",
            &tftp_phones,
            "--first-index",
            &first_tftp,
            "--expect",
            expect,
            "--blksize",
            blksize,
            "--windowsize",
            "4",
            "--tsize",
        ]));
        assert_eq!(r["files_checked"], 2 * TFTP_PHONES, "blksize {blksize}");
    }
    // The HTTP-created phones of every family over TFTP: TFTP file names say
    // little (no User-Agent), so provd finds them by their address.
    let r = clean(&loadgen(&[
        "--tftp",
        &tftp,
        "--transport",
        "tftp",
        "--phones",
        &http_phones,
        "--concurrency",
        "200",
        "--expect",
        expect,
    ]));
    assert_eq!(r["files_checked"], requests - optional);

    // A tampered export file is reported as a content mismatch, with the phone.
    let tampered = tmp.path().join("tampered");
    std::fs::create_dir_all(&tampered).unwrap();
    let cp = std::process::Command::new("cp").args(["-r", &format!("{expect}/."), tampered.to_str().unwrap()]).status();
    assert!(cp.unwrap().success());
    let victim = std::fs::read_dir(tampered.join("wazo-yealink-v86"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_str().unwrap().starts_with("805ec0"))
        .expect("a Yealink device file in the export");
    let mut bytes = std::fs::read(&victim).unwrap();
    bytes[10] ^= 1;
    std::fs::write(&victim, bytes).unwrap();
    let out = loadgen(&[
        "--http",
        &http,
        "--transport",
        "http",
        "--phones",
        &http_phones,
        "--expect",
        tampered.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(r["errors"]["by_kind"]["content_mismatch"], 1, "{:#}", r["errors"]);
    assert_eq!(r["errors"]["total"], 1);
    let detail = r["errors"]["first"][0].as_str().unwrap();
    let mac = victim.file_stem().unwrap().to_str().unwrap();
    assert!(detail.contains("yealink") && detail.contains(&format!("{mac}.cfg")), "{detail}");

    assert!(server.stop().success());
}

#[test]
fn stops_at_max_duration_and_reports_the_phones_it_did_not_start() {
    let tmp = tempfile::tempdir().unwrap();
    let server = Server::start(&tmp.path().join("data"), &[]);
    let http = server.http.to_string();
    // Phones spread over 10 minutes, stopped after a quarter of a second.
    let out = run(
        "provd-loadgen",
        &[
            "--http",
            &http,
            "--transport",
            "http",
            "--phones",
            "700",
            "--spread",
            "600",
            "--max-duration",
            "0.25",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let r: Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(r["hit_max_duration"], true);
    assert!(r["phones_not_started"].as_u64().unwrap() > 600, "{r:#}");
    assert!(r["duration_s"].as_f64().unwrap() < 10.0);
    assert_eq!(r["errors"]["total"], 0);
}

#[test]
fn remote_targets_are_refused() {
    for (opt, target) in [("--http", "10.1.2.3:8667"), ("--tftp", "10.1.2.3:69"), ("--http", "[2001:db8::1]:80")] {
        let transport = if opt == "--http" { "http" } else { "tftp" };
        let out = run("provd-loadgen", &[opt, target, "--transport", transport, "--phones", "1"]);
        assert_eq!(out.status.code(), Some(2), "{target}");
        let err = stderr(&out);
        assert!(err.contains("refusing to load") && err.contains("not loopback"), "{err}");
        assert!(err.contains("--allow-remote"), "{err}");
        assert!(stdout(&out).is_empty());
    }
}
