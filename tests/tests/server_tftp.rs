//! provd-server over TFTP with curl, atftp and tftp-hpa: the test matrices
//! of atftp and tftp-hpa (sizes around block boundaries, block-number wrap,
//! every option), each received file compared byte for byte.

use std::path::{Path, PathBuf};
use std::process::Command;

use provd_core::{Device, Mac};
use provd_e2e::{Server, run, stderr};
use provd_store::data::DataDir;
use serde_json::json;

const PLUGIN: &str = "test-files";

/// Deterministic, position-dependent bytes: a shifted or repeated block shows.
fn content(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(seed as u32) as u8 ^ (i >> 9) as u8).collect()
}

const SIZES: &[(&str, usize)] = &[
    ("empty.bin", 0),
    ("s511.bin", 511),
    ("s512.bin", 512),
    ("s1024.bin", 1024),
    ("s2m.bin", 2 << 20),
    // More than 65536 blocks of 512: block numbers wrap.
    ("wrap.bin", 65_536 * 512 + 1000),
];

struct Fixture {
    dir: tempfile::TempDir,
    server: Server,
}

impl Fixture {
    fn start(extra: &[&str]) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let (d, _) = DataDir::open(&data).unwrap();
        let p = d.plugins_dir().join(PLUGIN);
        std::fs::create_dir_all(p.join("templates")).unwrap();
        std::fs::create_dir_all(p.join("var/tftpboot/sub")).unwrap();
        std::fs::write(
            p.join("plugin-info"),
            json!({"version": "1", "description": "files", "family": "yealink", "capabilities": {}}).to_string(),
        )
        .unwrap();
        std::fs::write(p.join("templates/base.tpl"), "device file\n").unwrap();
        for (i, (name, len)) in SIZES.iter().enumerate() {
            std::fs::write(p.join("var/tftpboot").join(name), content(*len, i as u8)).unwrap();
        }
        std::fs::write(p.join("var/tftpboot/sub/nested.cfg"), b"nested").unwrap();
        // The requests come from 127.0.0.1: a device there uses the plugin.
        let mut w = d.store().write_txn().unwrap();
        let dev = Device {
            id: "files".into(),
            ip: Some("127.0.0.1".into()),
            mac: Some(Mac::parse("02:00:00:00:00:01").unwrap()),
            plugin: Some(PLUGIN.into()),
            config: Some("autoprov".into()),
            ..Default::default()
        };
        d.store().put_device(&mut w, &dev).unwrap();
        w.commit().unwrap();
        drop(d);
        let out = run("provd-compile", &["--data", data.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let server =
            Server::start(&data, &[&["--tftp-max-blksize", "65464", "--tftp-max-windowsize", "64"], extra].concat());
        Fixture { dir, server }
    }

    fn expected(&self, name: &str) -> Vec<u8> {
        let i = SIZES.iter().position(|(n, _)| *n == name).unwrap();
        content(SIZES[i].1, i as u8)
    }

    fn out(&self, tag: &str) -> PathBuf {
        self.dir.path().join(format!("got-{tag}"))
    }

    fn port(&self) -> String {
        self.server.tftp.port().to_string()
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_default()
}

#[test]
fn curl_with_and_without_options() {
    let f = Fixture::start(&[]);
    for (name, _) in SIZES.iter().filter(|(n, _)| *n != "wrap.bin") {
        for (tag, opts) in
            [("default", vec![]), ("blk1428", vec!["--tftp-blksize", "1428"]), ("plain", vec!["--tftp-no-options"])]
        {
            let out = f.out(&format!("curl-{tag}-{name}"));
            let url = format!("tftp://127.0.0.1:{}/{name}", f.port());
            let status = Command::new("curl")
                .args(["-s", "--max-time", "60", "-o"])
                .arg(&out)
                .args(&opts)
                .arg(&url)
                .status()
                .unwrap();
            assert!(status.success(), "curl {tag} {name}: {status}");
            assert!(read(&out) == f.expected(name), "curl {tag} {name}: content differs");
        }
    }
    // A leading slash, and a file in a sub-directory.
    let out = f.out("nested");
    let url = format!("tftp://127.0.0.1:{}//sub/nested.cfg", f.port());
    assert!(Command::new("curl").args(["-s", "-o"]).arg(&out).arg(&url).status().unwrap().success());
    assert_eq!(read(&out), b"nested");
    // Missing file: TFTP error 1, curl exit code 68.
    let status = Command::new("curl")
        .args(["-s", "-o", "/dev/null"])
        .arg(format!("tftp://127.0.0.1:{}/missing.bin", f.port()))
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(68));
}

fn atftp(f: &Fixture, name: &str, options: &[&str], tag: &str) -> (bool, Vec<u8>, String) {
    let out = f.out(&format!("atftp-{tag}-{name}"));
    let mut cmd = Command::new("atftp");
    for o in options {
        cmd.args(["--option", o]);
    }
    let o =
        cmd.args(["--trace", "-g", "-r", name, "-l"]).arg(&out).args(["127.0.0.1", &f.port()]).output().expect("atftp");
    let trace = String::from_utf8_lossy(&o.stderr).into_owned() + &String::from_utf8_lossy(&o.stdout);
    (o.status.success(), read(&out), trace)
}

#[test]
fn atftp_options_matrix() {
    let f = Fixture::start(&[]);
    for name in ["s2m.bin", "s511.bin", "s512.bin", "empty.bin"] {
        for blksize in ["512", "1428", "65464"] {
            for windowsize in ["1", "4", "64"] {
                let opts = [
                    format!("blksize {blksize}"),
                    format!("windowsize {windowsize}"),
                    "tsize 0".to_string(),
                    "timeout 1".to_string(),
                ];
                let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
                let (ok, got, trace) = atftp(&f, name, &opts, &format!("{blksize}-{windowsize}"));
                assert!(ok, "atftp {name} blksize {blksize} windowsize {windowsize}:\n{trace}");
                assert!(
                    got == f.expected(name),
                    "atftp {name} blksize {blksize} windowsize {windowsize}: content differs"
                );
                if name == "s2m.bin" {
                    // tsize is answered with the real length.
                    assert!(
                        trace.contains(&format!("tsize: {}", 2 << 20))
                            || trace.contains(&format!("tsize = {}", 2 << 20)),
                        "{trace}"
                    );
                }
            }
        }
    }
    // The smallest block size works (on a small file: 128 blocks).
    let (ok, got, trace) = atftp(&f, "s1024.bin", &["blksize 8"], "b8");
    assert!(ok && got == f.expected("s1024.bin"), "{trace}");
    // Out of range: the server refuses to negotiate (error 8).
    for bad in ["blksize 7", "blksize 65465"] {
        let (ok, _, trace) = atftp(&f, "s512.bin", &[bad], "bad");
        assert!(!ok, "{bad} accepted:\n{trace}");
    }
}

#[test]
fn block_numbers_wrap_beyond_65535() {
    let f = Fixture::start(&[]);
    let (ok, got, trace) = atftp(&f, "wrap.bin", &["blksize 512", "windowsize 64"], "wrap");
    assert!(ok, "{}", &trace[trace.len().saturating_sub(2000)..]);
    assert!(got == f.expected("wrap.bin"), "content differs after the wrap");
    // Plain RFC 1350 lock-step, the classic client.
    let out = f.out("hpa-wrap");
    Command::new("tftp")
        .args(["-m", "binary", "127.0.0.1", &f.port(), "-c", "get", "wrap.bin"])
        .arg(&out)
        .status()
        .unwrap();
    assert!(read(&out) == f.expected("wrap.bin"), "tftp-hpa: content differs");
}

#[test]
fn tftp_hpa_plain_requests() {
    let f = Fixture::start(&[]);
    for (name, _) in SIZES.iter().filter(|(n, _)| *n != "wrap.bin") {
        let out = f.out(&format!("hpa-{name}"));
        // tftp-hpa's exit code is 0 even on errors: the file tells.
        Command::new("tftp")
            .args(["-m", "binary", "127.0.0.1", &f.port(), "-c", "get", name])
            .arg(&out)
            .status()
            .unwrap();
        assert!(read(&out) == f.expected(name), "tftp-hpa {name}: content differs");
    }
}

#[test]
fn the_epoll_driver_serves_the_same() {
    let f = Fixture::start(&["--driver", "epoll"]);
    assert!(f.server.log().contains("driver epoll"), "{}", f.server.log());
    let (ok, got, trace) = atftp(&f, "s2m.bin", &["blksize 1428", "windowsize 8"], "epoll");
    assert!(ok && got == f.expected("s2m.bin"), "{trace}");
    let out = provd_e2e::curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-A",
        "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72",
        &f.server.url("/805ec0d57d72.cfg"),
    ]);
    assert_eq!(provd_e2e::stdout(&out), "200");
}
