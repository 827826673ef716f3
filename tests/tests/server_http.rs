//! provd-server over HTTP, driven by curl with phone User-Agents.

use provd_e2e::{Server, curl, eventually, run, stdout};

const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| l.split_once(':').filter(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim()))
}

/// (status line and headers, body) of `curl -i`.
fn get(args: &[&str]) -> (String, Vec<u8>) {
    let out = curl(&[&["-i"], args].concat());
    let pos = out.stdout.windows(4).position(|w| w == b"\r\n\r\n").expect("a response head");
    (String::from_utf8_lossy(&out.stdout[..pos]).into_owned(), out.stdout[pos + 4..].to_vec())
}

#[test]
fn a_new_phone_gets_its_file_at_once_and_the_two_fail2ban_lines() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let (head, body) = get(&["-A", UA, &server.url("/805ec0d57d72.cfg")]);
    assert!(head.starts_with("HTTP/1.1 200 OK"), "{head}\n{}", server.log());
    assert_eq!(header(&head, "Content-Type"), Some("text/plain"));
    let text = String::from_utf8(body.clone()).unwrap();
    assert!(text.starts_with("#!version:1.0.0.1"), "{text}");
    assert!(text.contains("account.1.label = Autoprov"), "autoprov line: {text}");

    // The served bytes are the published ones.
    let show = run("provd-compile", &["--data", server.data.to_str().unwrap(), "--show", "80:5e:c0:d5:7d:72"]);
    assert!(stdout(&show).contains(&text), "{}", stdout(&show));

    // Exactly one creation and one sensitive file, as wazo-provd's acceptance test expects.
    assert!(eventually(250, || server.security_log().len() >= 2));
    std::thread::sleep(std::time::Duration::from_millis(100));
    let lines = server.security_log();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("] New device created automatically from 127.0.0.1: "), "{}", lines[0]);
    assert!(lines[1].ends_with("] Sensitive file requested from 127.0.0.1: 805ec0d57d72.cfg"), "{}", lines[1]);
    assert!(lines.iter().all(|l| l.len() > 25 && l.as_bytes()[0] == b'[' && &l[24..26] == "] "), "{lines:?}");

    // fail2ban's own tool, with the filter we ship, matches both.
    let filter = concat!(env!("CARGO_MANIFEST_DIR"), "/../contrib/fail2ban/filter.d/provd.conf");
    let log = server.data.join("provd-fail2ban.log");
    let f2b = std::process::Command::new("fail2ban-regex").arg(&log).arg(filter).output().expect("fail2ban-regex");
    let report = String::from_utf8_lossy(&f2b.stdout);
    assert!(report.contains("Lines: 2 lines, 0 ignored, 2 matched, 0 missed"), "{report}");

    // Conditional, HEAD, range.
    let etag = header(&head, "ETag").unwrap().to_owned();
    let (h304, b304) = get(&["-A", UA, "-H", &format!("If-None-Match: {etag}"), &server.url("/805ec0d57d72.cfg")]);
    assert!(h304.starts_with("HTTP/1.1 304"), "{h304}");
    assert!(b304.is_empty());
    let (hhead, bhead) = get(&["-A", UA, "-I", &server.url("/805ec0d57d72.cfg")]);
    assert!(hhead.starts_with("HTTP/1.1 200"), "{hhead}");
    assert_eq!(header(&hhead, "Content-Length"), Some(body.len().to_string().as_str()));
    assert!(bhead.is_empty());
    let (hr, br) = get(&["-A", UA, "-r", "0-9", &server.url("/805ec0d57d72.cfg")]);
    assert!(hr.starts_with("HTTP/1.1 206"), "{hr}");
    assert_eq!(br, b"#!version:");
    assert_eq!(header(&hr, "Content-Range"), Some(format!("bytes 0-9/{}", body.len()).as_str()));

    // wazo-provd's CORS answer and refusals.
    let (hopt, _) = get(&["-X", "OPTIONS", &server.url("/anything")]);
    assert!(hopt.starts_with("HTTP/1.1 200"), "{hopt}");
    assert_eq!(header(&hopt, "Access-Control-Allow-Origin"), Some("*"));
    let (hpost, _) = get(&["-X", "POST", "-A", UA, &server.url("/805ec0d57d72.cfg")]);
    assert!(hpost.starts_with("HTTP/1.1 405"), "{hpost}");
    assert_eq!(header(&hpost, "Allow"), Some("GET, HEAD, OPTIONS"));
    let (h404, b404) = get(&["-A", UA, &server.url("/nothing-here.cfg")]);
    assert!(h404.starts_with("HTTP/1.1 404"), "{h404}");
    assert_eq!(b404, b"File not found.");

    // Static files of the phone's plugin, and keep-alive over several requests.
    let out = curl(&[
        "-A",
        UA,
        "-o",
        "/dev/null",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code} %{num_connects}\n",
        &server.url("/directory_setting.xml"),
        &server.url("/directory_setting.xml"),
    ]);
    assert_eq!(stdout(&out), "200 1\n200 0\n", "one connection, kept alive");
    assert!(server.stop().success());
}

#[test]
fn a_request_that_identifies_nothing_is_nowhere_to_route() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(&dir.path().join("data"), &[]);
    let (head, body) = get(&["-A", "curl/8", &server.url("/805ec0d57d72.cfg")]);
    assert!(head.starts_with("HTTP/1.1 404"), "{head}");
    assert_eq!(body, b"Nowhere to route this request.");
    // No device was created for it (wazo-provd would have).
    std::thread::sleep(std::time::Duration::from_millis(100));
    assert!(server.security_log().iter().all(|l| !l.contains("New device")), "{:?}", server.security_log());
    // A Yealink path without User-Agent (`-A ""` drops curl's) identifies
    // the phone by its OUI.
    let (head, _) = get(&["-A", "", &server.url("/805ec0d57d72.cfg")]);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
}

/// Every row of the public identification vectors sent to the running
/// server the way its phone sends it (User-Agent, HTTP path, TFTP file
/// name, DHCP vendor class through `dev_mgr/dhcpinfo`), each on an empty
/// device list: the one device it creates carries what the row says.
#[test]
fn the_public_identification_vectors_through_the_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        // NAT on: every phone here comes from 127.0.0.1.
        let (d, _) = provd_store::data::DataDir::open(&data).unwrap();
        let mut w = d.store().write_txn().unwrap();
        let mut params = provd_core::Map::new();
        params.insert("NAT".into(), "1".into());
        d.store().set_params(&mut w, &params).unwrap();
        w.commit().unwrap();
    }
    let server = Server::start(&data, &[]);
    let rest = server.rest();
    let devices = || -> Vec<serde_json::Value> {
        let r = rest.get("/0.2/dev_mgr/devices");
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["devices"].as_array().unwrap().clone()
    };
    let rows: Vec<_> = provd_e2e::ident_vectors()
        .into_iter()
        // Rows telling nothing (look-alikes) create no device: identify.rs
        // checks them.
        .filter(|r| !r.vendor.is_empty())
        .collect();
    let mut protocols: Vec<_> = rows.iter().map(|r| r.protocol.as_str()).collect();
    protocols.sort_unstable();
    protocols.dedup();
    assert!(rows.len() > 70, "{}", rows.len());
    let mut wrong = Vec::new();
    // A MAC for the DHCP rows, which the lease gives, not the vendor class.
    const LEASED: &str = "02:00:00:00:00:01";
    for row in &rows {
        for device in devices() {
            let id = device["id"].as_str().unwrap();
            assert_eq!(rest.delete(&format!("/0.2/dev_mgr/devices/{id}")).status, 204);
        }
        match row.protocol.as_str() {
            "http-ua" => {
                // A Polycom's version counts only on its SIP application's
                // requests (its BootROM's would flip it on every boot).
                let path = if row.vendor == "Polycom" { "/phone1.cfg" } else { "/boot.cfg" };
                // The User-Agent as the phone sends it: the row's `\xNN` escapes as bytes.
                let ua = provd_families::identify::unescape(row.input.as_bytes()).unwrap();
                let out = std::process::Command::new("curl")
                    .args(["-s", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}", "-A"])
                    .arg(<std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&ua))
                    .arg(server.url(path))
                    .output()
                    .expect("curl");
                // A control byte in a header (old Avaya 12x0 firmware puts
                // one in its User-Agent) is refused as bad HTTP: 400, no
                // device (`provd identify` still reads it: tests/identify.rs).
                if ua.iter().any(|&b| b < 0x20 && b != b'\t') {
                    assert_eq!(stdout(&out), "400", "{}", row.input);
                    continue;
                }
                // The file does not exist; the phone is still identified and recorded.
                assert_eq!(stdout(&out), "404", "{}", row.input);
            }
            "http-path" => {
                let out = curl(&["-A", "", "-o", "/dev/null", "-w", "%{http_code}", &server.url(&row.input)]);
                assert!(stdout(&out) != "000", "{}: no answer", row.input);
            }
            "tftp-path" => {
                let got = tempfile::NamedTempFile::new().unwrap();
                let port = server.tftp.port().to_string();
                let out = std::process::Command::new("timeout")
                    .args(["60", "tftp", "-m", "binary", "127.0.0.1", &port, "-c", "get", &row.input])
                    .arg(got.path())
                    .output()
                    .expect("tftp (tftp-hpa)");
                let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
                assert!(!said.contains("timed out"), "{}: {said}", row.input);
            }
            "dhcp-vendor" => {
                let class = provd_families::identify::unescape(row.input.as_bytes()).unwrap();
                let hex: Vec<String> = class.iter().map(|b| format!("{b:02x}")).collect();
                let info = serde_json::json!({"dhcp_info": {
                    "op": "commit", "ip": "127.0.0.1", "mac": LEASED, "options": [format!("060{}", hex.join("."))]
                }});
                let r = rest.send("POST", "/0.2/dev_mgr/dhcpinfo", &info);
                assert_eq!(r.status, 204, "{}: {}", row.input, r.text());
            }
            other => panic!("unknown protocol {other}"),
        }
        if [&row.vendor, &row.model, &row.version, &row.mac].iter().all(|f| f.is_empty()) {
            // A look-alike that tells nothing makes no device.
            let found = devices();
            if !found.is_empty() {
                wrong.push(format!("{} {:?}: claimed as {found:?}", row.protocol, row.input));
            }
            continue;
        }
        let mut found = Vec::new();
        eventually(250, || {
            found = devices();
            !found.is_empty()
        });
        let [device] = &found[..] else {
            wrong.push(format!("{} {:?}: {} devices", row.protocol, row.input, found.len()));
            continue;
        };
        let field = |k: &str| device[k].as_str().unwrap_or("").to_owned();
        let mac = if row.protocol == "dhcp-vendor" { LEASED } else { &row.mac };
        let want = [&row.vendor, &row.model, &row.version, mac];
        let have = [field("vendor"), field("model"), field("version"), field("mac")];
        if want.iter().zip(&have).any(|(w, h)| *w != h) {
            wrong.push(format!("{} {:?}: {have:?}, want {want:?}", row.protocol, row.input));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(protocols.len(), 4, "every way phones are identified: {protocols:?}");
}

#[test]
fn url_key_and_forwarded_for() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    {
        let (d, _) = provd_store::data::DataDir::open(&data).unwrap();
        let mut w = d.store().write_txn().unwrap();
        let mut params = provd_core::Map::new();
        params.insert("provisioning_key".into(), "s3cret-Key".into());
        d.store().set_params(&mut w, &params).unwrap();
        w.commit().unwrap();
    }
    let server = Server::start(&data, &["--url-key", "--trusted-proxies", "1"]);
    let code = |path: &str, xff: Option<&str>| {
        let mut args = vec!["-o", "/dev/null", "-w", "%{http_code}", "-A", UA];
        let h;
        if let Some(x) = xff {
            h = format!("X-Forwarded-For: {x}");
            args.extend(["-H", &h]);
        }
        let url = server.url(path);
        args.push(&url);
        stdout(&curl(&args))
    };
    assert_eq!(code("/s3cret-Key/805ec0d57d72.cfg", Some("198.51.100.7")), "200");
    assert_eq!(code("/805ec0d57d72.cfg", Some("198.51.100.7")), "404", "the key is required");
    // A phone known by its path alone (no User-Agent to go by): the
    // families read the path after the key.
    let sccp = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-H",
        "X-Forwarded-For: 198.51.100.8",
        &server.url("/s3cret-Key/SEP001E4AAABB02.cnf.xml"),
    ]);
    assert_eq!(stdout(&sccp), "200", "{}", server.log());
    assert_eq!(code("/wrong-key/805ec0d57d72.cfg", Some("198.51.100.7")), "404");
    // One trusted proxy: its X-Forwarded-For names the phone; without it, 500
    // as wazo-provd answers.
    assert_eq!(code("/s3cret-Key/805ec0d57d72.cfg", None), "500");
    let (d, _) = provd_store::data::DataDir::open(&data).unwrap();
    let r = d.store().read_txn().unwrap();
    let mut ips: Vec<_> = d.store().devices(&r).unwrap().map(|d| d.unwrap().ip).collect();
    ips.sort();
    assert_eq!(ips, [Some("198.51.100.7".to_string()), Some("198.51.100.8".to_string())]);
    let lines = server.security_log();
    assert!(
        lines.iter().any(|l| l.ends_with("Sensitive file requested from 198.51.100.7: 805ec0d57d72.cfg")),
        "{lines:?}"
    );
}
