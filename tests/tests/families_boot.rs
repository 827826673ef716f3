//! Each vendor family booted the way its phones really do it, against the
//! real `provd-server`: DHCP through the REST API (or the `provd dhcp-hook`
//! CLI, as ISC dhcpd calls it), TFTP with tftp-hpa and atftp, HTTP with curl
//! and the vendors' own User-Agent strings. At each step: what the phone
//! gets, what the device record says, the security log, and a synchronize
//! received by SIPp playing the phone. Then the bad input phones and DHCP
//! servers send: each gets an answer, never a 500 or a dropped connection.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Command;
use std::time::Duration;

use provd_e2e::sipp::Sipp;
use provd_e2e::{Rest, Server, eventually, run, stderr};
use serde_json::{Value, json};

/// A server on a fresh data directory; with SIPp's port when the test
/// synchronizes.
fn start(dir: &tempfile::TempDir, sipp: Option<&Sipp>) -> Server {
    let port = sipp.map(|s| s.port.to_string());
    let mut extra = vec![];
    if let Some(port) = &port {
        extra.extend(["--sync-sip-port", port.as_str()]);
    }
    Server::start(&dir.path().join("data"), &extra)
}

/// GET `path` as a phone whose User-Agent is `ua` (raw bytes: phones send
/// what they like). The status is 0 when the connection was dropped.
fn get(server: &Server, ua: &[u8], path: &str) -> (u16, String) {
    let mut header = b"User-Agent: ".to_vec();
    header.extend_from_slice(ua);
    let out = Command::new("curl")
        .args(["-s", "--max-time", "30", "-w", "\n%{http_code}", "-H"])
        .arg(OsStr::from_bytes(&header))
        .arg(server.url(path))
        .output()
        .expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

/// GET that must succeed; returns the body.
#[track_caller]
fn fetch(server: &Server, ua: &str, path: &str) -> String {
    let (status, body) = get(server, ua.as_bytes(), path);
    assert_eq!(status, 200, "GET {path} as {ua:?}: {body}\n{}", server.log());
    body
}

/// A TFTP read with tftp-hpa, the classic client: the file, or the error
/// the server sent (tftp-hpa exits 0 either way; its output tells).
fn tftp(server: &Server, name: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("got");
    // tftp-hpa gives up by itself; `timeout` bounds it all the same.
    let out = Command::new("timeout")
        .args(["60", "tftp", "-m", "binary", "127.0.0.1", &server.tftp.port().to_string(), "-c", "get", name])
        .arg(&local)
        .output()
        .expect("tftp (tftp-hpa)");
    let said = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    if said.contains("Error code") || said.contains("Transfer timed out") || !out.status.success() {
        return Err(said.trim().to_owned());
    }
    Ok(String::from_utf8_lossy(&std::fs::read(&local).unwrap_or_default()).into_owned())
}

/// A TFTP read with atftp (options negotiated): the file, or atftp's trace.
fn atftp(server: &Server, name: &str) -> Result<String, String> {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("got");
    let out = Command::new("timeout")
        .args(["60", "atftp", "--option", "blksize 1428", "--option", "tsize 0", "-g", "-r", name, "-l"])
        .arg(&local)
        .args(["127.0.0.1", &server.tftp.port().to_string()])
        .output()
        .expect("atftp");
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout));
    }
    Ok(String::from_utf8_lossy(&std::fs::read(&local).unwrap()).into_owned())
}

fn devices(rest: &Rest) -> Vec<Value> {
    let r = rest.get("/0.2/dev_mgr/devices");
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["devices"].as_array().unwrap().clone()
}

/// The one device the phone's requests made (a second one would mean a
/// request was not recognised as coming from the same phone).
#[track_caller]
fn the_device(rest: &Rest) -> Value {
    let all = devices(rest);
    assert_eq!(all.len(), 1, "one phone, one device: {all:#?}");
    all[0].clone()
}

/// Asserts string fields of a device; `None` means absent.
#[track_caller]
fn assert_fields(device: &Value, want: &[(&str, Option<&str>)]) {
    for (key, value) in want {
        assert_eq!(device[*key].as_str(), *value, "{key} of {device:#}");
    }
}

/// A config with one SIP line (and the SCCP call manager), as Wazo's confd
/// creates it when a user gets this phone; the device is pointed at it.
/// The answer comes once the device's files are rendered.
fn assign_line(rest: &Rest, device: &Value, username: &str, display: &str) {
    let config_id = format!("line-{username}");
    let config = json!({"config": {
        "id": config_id,
        "parent_ids": ["base", "defaultconfigdevice"],
        "deletable": true,
        "X_type": "device",
        "raw_config": {
            "sip_lines": {"1": {
                "username": username, "auth_username": username, "password": "secret",
                "display_name": display, "number": "1001",
                "proxy_ip": "10.0.0.1", "registrar_ip": "10.0.0.1"
            }},
            "sccp_call_managers": {"1": {"ip": "10.0.0.7"}}
        }
    }});
    let r = rest.send("POST", "/0.2/cfg_mgr/configs", &config);
    assert_eq!(r.status, 201, "{}", r.text());
    let id = device["id"].as_str().unwrap();
    let mut doc = rest.get(&format!("/0.2/dev_mgr/devices/{id}")).json()["device"].clone();
    doc["config"] = json!(config_id);
    let r = rest.send("PUT", &format!("/0.2/dev_mgr/devices/{id}"), &json!({"device": doc}));
    assert_eq!(r.status, 204, "{}", r.text());
}

/// `POST /0.2/dev_mgr/dhcpinfo` as wazo's dhcpd hook script sends it: the
/// vendor class as option 060 in dot-separated hex.
fn dhcp_commit(rest: &Rest, mac: &str, vendor_class: &[u8]) -> u16 {
    let hex: Vec<String> = vendor_class.iter().map(|b| format!("{b:02x}")).collect();
    let info = json!({"dhcp_info": {
        "op": "commit", "ip": "127.0.0.1", "mac": mac, "options": [format!("060{}", hex.join("."))]
    }});
    rest.send("POST", "/0.2/dev_mgr/dhcpinfo", &info).status
}

/// The device once its remote state is `user`: a known phone fetching its
/// trigger file is answered at once, the writer records it right after.
#[track_caller]
fn remote_state_becomes(rest: &Rest, user: &str) -> Value {
    let mut device = Value::Null;
    let recorded = eventually(250, || {
        device = the_device(rest);
        device["remote_state_sip_username"] == user
    });
    assert!(recorded, "remote_state_sip_username is not {user:?}: {device:#}");
    device
}

/// Whether the security log has this line (it is written by its own
/// thread: polled, bounded).
fn security_logged(server: &Server, line: &str) -> bool {
    eventually(250, || server.security_log().iter().any(|l| l.ends_with(line)))
}

#[track_caller]
fn assert_security_log(server: &Server, lines: &[String]) {
    for line in lines {
        assert!(security_logged(server, line), "security log lacks {line:?}: {:#?}", server.security_log());
    }
}

fn created_line(device: &Value) -> String {
    format!("] New device created automatically from 127.0.0.1: {}", device["id"].as_str().unwrap())
}

fn sensitive_line(file: &str) -> String {
    format!("] Sensitive file requested from 127.0.0.1: {file}")
}

/// `POST /0.2/dev_mgr/synchronize` for the device; the finished operation.
fn synchronize(rest: &Rest, device: &Value) -> Value {
    let r = rest.send("POST", "/0.2/dev_mgr/synchronize", &json!({"id": device["id"]}));
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.header("Location").unwrap().to_owned();
    let done = rest.wait_operation(&location, 1200);
    assert_eq!(rest.delete(&location).status, 204);
    done
}

/// Synchronize through the API: the phone (SIPp) answered. The events it
/// got are checked once it exited (it writes its log as it goes).
#[track_caller]
fn assert_synchronized(rest: &Rest, device: &Value) {
    let done = synchronize(rest, device);
    assert_eq!(done["status"], "success", "{done}");
    assert_eq!(done["outcome"]["code"], 200, "{done}");
}

/// SIPp ran its calls and got these `Event` headers.
#[track_caller]
fn assert_events(mut sipp: Sipp, events: &[&str]) {
    assert!(sipp.wait(Duration::from_secs(30)).success(), "{}", sipp.file("stderr"));
    assert_eq!(sipp.events(), events, "{}", sipp.file("messages.log"));
}

// --- Snom -------------------------------------------------------------------

/// A Snom 870 on 8.x firmware: no MAC in its User-Agent.
const SNOM8_UA: &str = "Mozilla/4.0 (compatible; snom870-SIP 8.7.5.35 1.1.5-IFX-05.01.12)";

#[test]
fn snom_8x_desk_phone_boot() {
    let sipp = Sipp::start(2);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();

    // The common files, before the phone says its MAC.
    let htm = fetch(&server, SNOM8_UA, "/snom870.htm");
    assert!(htm.contains("/snom-general.xml\"") && htm.contains("/snom870.xml\""), "{htm}");
    assert!(htm.contains("/gui_lang.xml\"") && htm.contains("/web_lang.xml\""), "{htm}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Snom")),
            ("model", Some("870")),
            ("version", Some("8.7.5.35")),
            ("mac", None),
            ("plugin", Some("wazo-snom-8.7.5.35")),
        ],
    );
    assert_eq!(device["configured"], false, "no MAC, no files of its own yet: {device}");
    assert!(fetch(&server, SNOM8_UA, "/snom-general.xml").contains("<settings>"));
    assert!(fetch(&server, SNOM8_UA, "/snom870.xml").contains("/snom870-firmware.xml</firmware_status>"));
    let firmware = fetch(&server, SNOM8_UA, "/snom870-firmware.xml");
    assert!(firmware.contains("snom870-8.7.5.35-SIP-r.bin?mac={mac}"), "{firmware}");
    assert!(fetch(&server, SNOM8_UA, "/gui_lang.xml").contains("<gui-languages>"));
    assert!(fetch(&server, SNOM8_UA, "/web_lang.xml").contains("<web-languages>"));
    // Its MAC-less requests rendered nothing, and logged no render error.
    assert!(!server.log().contains("render:"), "{}", server.log());

    // The MAC arrives in the path of its own setting-files list.
    let htm = fetch(&server, SNOM8_UA, "/snom870-000413AABBCC.htm");
    assert!(htm.contains("/000413AABBCC.xml\""), "{htm}");
    let device = the_device(&rest);
    assert_fields(&device, &[("mac", Some("00:04:13:aa:bb:cc")), ("ip", Some("127.0.0.1"))]);
    assert_eq!(device["configured"], true, "{device}");

    // Its settings: no MAC in the User-Agent or the path, found by address.
    let xml = fetch(&server, SNOM8_UA, "/000413AABBCC.xml");
    assert!(xml.contains(">Autoprov</user_realname>"), "{xml}");
    let autoprov = rest.get("/0.2/cfg_mgr/configs/autoprov").json()["config"]["raw_config"]["sip_lines"]["1"].clone();
    remote_state_becomes(&rest, autoprov["username"].as_str().unwrap());

    // Wazo gives the phone a line.
    assign_line(&rest, &device, "alice", "Alice Snom");
    let xml = fetch(&server, SNOM8_UA, "/000413AABBCC.xml");
    assert!(xml.contains("<user_name idx=\"1\" perm=\"R\">alice</user_name>"), "{xml}");
    assert!(xml.contains("<user_realname idx=\"1\" perm=\"R\">Alice Snom</user_realname>"), "{xml}");
    assert!(xml.contains("<user_host idx=\"1\" perm=\"R\">10.0.0.1</user_host>"), "{xml}");
    let device = remote_state_becomes(&rest, "alice");
    assert_fields(&device, &[("config", Some("line-alice"))]);
    assert_security_log(&server, &[created_line(&device), sensitive_line("000413AABBCC.xml")]);
    // Created once, its settings fetched twice.
    assert!(eventually(250, || server.security_log().len() == 3), "{:#?}", server.security_log());

    // Synchronize: a desk phone reloads without rebooting.
    assert_synchronized(&rest, &device);

    // A mass synchronize sees the phone come back for `<MAC>.xml`, though
    // neither its User-Agent nor that path carries the MAC.
    let r = rest.send("POST", "/0.2/dev_mgr/synchronize_many", &json!({"ids": [device["id"]], "window": 10}));
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.header("Location").unwrap().to_owned();
    let sent = eventually(1500, || rest.get(&location).json()["status"] == "progress;1/1");
    assert!(sent, "{}", rest.get(&location).text());
    fetch(&server, SNOM8_UA, "/000413AABBCC.xml");
    let done = rest.wait_operation(&location, 1200);
    assert!(done["status"].as_str().unwrap().starts_with("success"), "{done}");
    assert_eq!(done["report"]["fetched"], 1, "the phone came back: {done}");
    assert_events(sipp, &["check-sync;reboot=false", "check-sync;reboot=false"]);
}

#[test]
fn snom_10x_desk_phone_with_its_mac_in_the_user_agent() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    let ua = "Mozilla/4.0 (compatible; snomD785-SIP 10.1.54.13 2010.12-00004-g9ba52f5 000413922D24 SXM:0 UXM:0)";
    let htm = fetch(&server, ua, "/snomD785.htm");
    assert!(htm.contains("/snomD785.xml\""), "{htm}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Snom")),
            ("model", Some("D785")),
            ("version", Some("10.1.54.13")),
            ("mac", Some("00:04:13:92:2d:24")),
            ("plugin", Some("wazo-snom-10.1.54.13")),
        ],
    );
    assert_eq!(device["configured"], true, "{device}");
    assert!(fetch(&server, ua, "/snomD785-000413922D24.htm").contains("/000413922D24.xml\""));
    assign_line(&rest, &device, "erin", "Erin D785");
    let xml = fetch(&server, ua, "/000413922D24.xml");
    assert!(xml.contains("<user_name idx=\"1\" perm=\"R\">erin</user_name>"), "{xml}");
    remote_state_becomes(&rest, "erin");
    assert_security_log(&server, &[created_line(&device), sensitive_line("000413922D24.xml")]);
}

#[test]
fn snom_dect_base_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    let ua = "Mozilla/4.0 (compatible; snom M900 05.20.0001 000413B60680)";
    let htm = fetch(&server, ua, "/snomM900.htm");
    assert!(htm.contains("/snom-general.xml\"") && htm.contains("/snomM900.xml\""), "{htm}");
    assert!(fetch(&server, ua, "/snom-general.xml").contains("<settings>"));
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Snom")),
            ("model", Some("M900")),
            ("version", Some("05.20.0001")),
            ("mac", Some("00:04:13:b6:06:80")),
            ("plugin", Some("wazo-snom-dect-05.20.0001")),
        ],
    );
    assign_line(&rest, &device, "frank", "Frank DECT");
    let xml = fetch(&server, ua, "/000413B60680.xml");
    assert!(xml.contains(">frank</user_name>"), "{xml}");
    remote_state_becomes(&rest, "frank");
    assert_security_log(&server, &[created_line(&device), sensitive_line("000413B60680.xml")]);
    // A DECT base applies its settings only by rebooting.
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync;reboot=true"]);
}

// --- Polycom ----------------------------------------------------------------

/// The BootROM/updater and the SIP application of a VVX 400 on UC Software.
const POLYCOM_UPDATER: &str = "FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446 Type/Updater";
const POLYCOM_APP: &str = "FileTransport PolycomVVX-VVX_400-UA/5.9.2.3446 Type/Application";

/// `curl -T` as the phone uploads its logs: the status code.
fn put_log(server: &Server, path: &str, bytes: usize) -> u16 {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.log");
    let line = b"0101000000|sip  |1|00|Registration succeeded\n";
    std::fs::write(&file, line.iter().copied().cycle().take(bytes).collect::<Vec<u8>>()).unwrap();
    let out = Command::new("curl")
        .args(["-s", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code}", "-A", POLYCOM_APP, "-T"])
        .arg(&file)
        .arg(server.url(path))
        .output()
        .expect("curl");
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

#[test]
fn polycom_vvx_boot_without_its_mac_first() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();

    // The master file: vendor and model only (the updater's version is not
    // the application's, it is dropped).
    let master = fetch(&server, POLYCOM_UPDATER, "/000000000000.cfg");
    assert!(master.contains("CONFIG_FILES=\"[PHONE_MAC_ADDRESS]-user.cfg, common.cfg\""), "{master}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Polycom")),
            ("model", Some("VVX400")),
            ("version", None),
            ("mac", None),
            ("plugin", Some("wazo-polycom-5.9.2")),
        ],
    );
    assert_eq!(device["configured"], false, "{device}");
    // The application: the plugin's shared files, still without a MAC.
    assert!(fetch(&server, POLYCOM_APP, "/000000000000.cfg").contains("APP_FILE_PATH=\"sip.ld\""));
    let common = fetch(&server, POLYCOM_APP, "/common.cfg");
    assert!(common.contains("<polycomConfig"), "{common}");
    assert_fields(&the_device(&rest), &[("version", Some("5.9.2.3446")), ("mac", None)]);
    assert!(!server.log().contains("render:"), "a phone without its MAC yet is no render error: {}", server.log());
    // Nor does it fail an administrator's full compile meanwhile (which
    // would publish nothing).
    let out = run("provd-compile", &["--data", server.data.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(fetch(&server, POLYCOM_APP, "/common.cfg").contains("<polycomConfig"));

    // `<mac>-user.cfg` brings the MAC: the device found by address is
    // rendered, served, and its remote state recorded by that very request.
    let user = fetch(&server, POLYCOM_APP, "/0004f2aabbcc-user.cfg");
    assert!(user.contains("reg.1.displayName=\"Autoprov\""), "{user}");
    let device = the_device(&rest);
    assert_fields(&device, &[("mac", Some("00:04:f2:aa:bb:cc")), ("model", Some("VVX400"))]);
    assert_eq!(device["configured"], true, "{device}");
    // Recorded before the answer, as wazo-provd does (the request waited for
    // the render anyway).
    let autoprov = rest.get("/0.2/cfg_mgr/configs/autoprov").json()["config"]["raw_config"]["sip_lines"]["1"].clone();
    assert_eq!(device["remote_state_sip_username"], autoprov["username"], "{device}");
    // Files the application asks for that provd does not have.
    assert_eq!(get(&server, POLYCOM_APP.as_bytes(), "/0004f2aabbcc-phone.cfg").0, 404);
    assert_eq!(get(&server, POLYCOM_APP.as_bytes(), "/0004f2aabbcc-directory.xml").0, 404);

    // The phone uploads its logs: a clean 405, small or large, every time.
    for (file, size) in [("0004f2aabbcc-app.log", 600), ("0004f2aabbcc-boot.log", 300_000), ("0004f2aabbcc-app.log", 1)]
    {
        assert_eq!(put_log(&server, &format!("/{file}"), size), 405, "PUT {file} ({size} bytes)");
    }

    assign_line(&rest, &device, "bob", "Bob VVX");
    let user = fetch(&server, POLYCOM_APP, "/0004f2aabbcc-user.cfg");
    assert!(user.contains("reg.1.address=\"bob\""), "{user}");
    assert!(user.contains("reg.1.displayName=\"Bob VVX\""), "{user}");
    let device = remote_state_becomes(&rest, "bob");
    assert_security_log(&server, &[created_line(&device), sensitive_line("0004f2aabbcc-user.cfg")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

#[test]
fn polycom_mac_file_first_gives_the_mac_and_a_404() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    assert_eq!(get(&server, POLYCOM_UPDATER.as_bytes(), "/0004f2aabbdd.cfg").0, 404);
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[("mac", Some("00:04:f2:aa:bb:dd")), ("model", Some("VVX400")), ("plugin", Some("wazo-polycom-5.9.2"))],
    );
    assert_eq!(device["configured"], true, "{device}");
    assert!(fetch(&server, POLYCOM_UPDATER, "/000000000000.cfg").contains("-user.cfg"));
    assert!(fetch(&server, POLYCOM_APP, "/0004f2aabbdd-user.cfg").contains("reg.1.displayName=\"Autoprov\""));
    assert_eq!(devices(&rest).len(), 1);
}

// --- Cisco SCCP ---------------------------------------------------------------

#[test]
fn cisco_sccp_7960_boot() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();

    // dhcpd's `on commit` hook, as the CLI documents it: the vendor class
    // in binary-to-ascii's hex (no leading zeros), trailing NUL included.
    let vci: Vec<String> = b"Cisco Systems, Inc. IP Phone CP-7960G\0".iter().map(|b| format!("{b:x}")).collect();
    let token = server.data.join("api-token");
    let out = run(
        "provd",
        &[
            "--api",
            &format!("http://{}/0.2", server.api.unwrap()),
            "--token-file",
            token.to_str().unwrap(),
            "dhcp-hook",
            "commit",
            "127.0.0.1",
            "00:1E:4A:AA:BB:CC",
            &format!("060{}", vci.join(".")),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Cisco")),
            ("model", Some("7960G")),
            ("mac", Some("00:1e:4a:aa:bb:cc")),
            ("ip", Some("127.0.0.1")),
            ("plugin", Some("wazo-cisco-sccp-legacy")),
        ],
    );
    assert_eq!(device["configured"], true, "{device}");

    // TFTP: the certificate trust list it does not need, then its file.
    let ctl = tftp(&server, "CTLSEP001E4AAABBCC.tlv").unwrap_err();
    assert!(ctl.contains("Error code 1"), "{ctl}");
    let cnf = tftp(&server, "SEP001E4AAABBCC.cnf.xml").unwrap();
    assert!(cnf.contains("<loadInformation>P0030801SR02</loadInformation>"), "{cnf}");
    assign_line(&rest, &device, "carl", "Carl 7960");
    let cnf = tftp(&server, "SEP001E4AAABBCC.cnf.xml").unwrap();
    assert!(cnf.contains("<processNodeName>10.0.0.7</processNodeName>"), "{cnf}");
    assert!(tftp(&server, "RINGLIST.XML").unwrap().contains("<CiscoIPPhoneRingList>"));
    // Over HTTP too (port 6970 on a real install).
    let (status, body) = get(&server, b"", "/SEP001E4AAABBCC.cnf.xml");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<processNodeName>10.0.0.7</processNodeName>"), "{body}");
    assert_eq!(devices(&rest).len(), 1);
    assert_security_log(&server, &[created_line(&device), sensitive_line("SEP001E4AAABBCC.cnf.xml")]);

    // SCCP phones have no SIP NOTIFY to reload.
    let done = synchronize(&rest, &device);
    assert_eq!(done, json!({"status": "fail", "error": "synchronize is not supported for this device"}));
}

// --- Cisco SPA / ATA ----------------------------------------------------------

#[test]
fn cisco_spa509g_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();

    // DHCP names the model with three digits only (`SPA509`).
    assert_eq!(dhcp_commit(&rest, "00:11:22:aa:bb:cc", b"Cisco SPA509G"), 204);
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Cisco")),
            ("model", Some("SPA509")),
            ("mac", Some("00:11:22:aa:bb:cc")),
            ("plugin", Some("wazo-cisco-spa-7.5.5")),
        ],
    );
    // TFTP, leading slash and all: the model's profile, no MAC. Still the
    // same phone (`SPA509G` is what DHCP called `SPA509`).
    let profile = atftp(&server, "/spa509G.cfg").unwrap();
    assert!(profile.contains("<Profile_Rule_C>http://127.0.0.1:8667/$MA.xml</Profile_Rule_C>"), "{profile}");
    assert_eq!(the_device(&rest)["id"], device["id"]);

    // Then HTTP, with its real User-Agent (MAC and serial number).
    let ua = "Cisco/SPA509G-7.5.5 (001122AABBCC)(CBT141400UK)";
    assert!(fetch(&server, ua, "/spa-phone.xml").contains("<flat-profile>"));
    let xml = fetch(&server, ua, "/001122aabbcc.xml");
    assert!(xml.contains("<Display_Name_1_>Autoprov</Display_Name_1_>"), "{xml}");
    assign_line(&rest, &device, "carol", "Carol SPA");
    let xml = fetch(&server, ua, "/001122aabbcc.xml");
    assert!(xml.contains("<User_ID_1_>carol</User_ID_1_>"), "{xml}");
    assert!(xml.contains("<Display_Name_1_>Carol SPA</Display_Name_1_>"), "{xml}");
    let device = remote_state_becomes(&rest, "carol");
    assert_fields(&device, &[("version", Some("7.5.5")), ("sn", Some("CBT141400UK"))]);
    assert_eq!(device["configured"], true, "{device}");
    assert_security_log(&server, &[created_line(&device), sensitive_line("001122aabbcc.xml")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

#[test]
fn linksys_pap2t_boot_found_by_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    // No DHCP integration: the first request tells the model, not the MAC.
    let init = tftp(&server, "/init.cfg").unwrap();
    assert!(init.contains("<Profile_Rule_C>http://127.0.0.1:8667/$MA.xml</Profile_Rule_C>"), "{init}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Cisco")),
            ("model", Some("PAP2T")),
            ("mac", None),
            ("plugin", Some("wazo-cisco-pap2t-5.1.6")),
        ],
    );
    assert_eq!(device["configured"], false, "{device}");
    assert!(!server.log().contains("render:"), "{}", server.log());
    // HTTP: the MAC comes from the path, the device from the address.
    let ua = "Linksys/PAP2T-5.1.6(LS) (4MM00F903042)";
    assert!(fetch(&server, ua, "/spa-ata.xml").contains("<flat-profile>"));
    let xml = fetch(&server, ua, "/00188b112233.xml");
    assert!(xml.contains("Autoprov"), "{xml}");
    let device = the_device(&rest);
    assert_fields(&device, &[("mac", Some("00:18:8b:11:22:33")), ("sn", Some("4MM00F903042"))]);
    assert_eq!(device["configured"], true, "{device}");
    assign_line(&rest, &device, "gina", "Gina PAP");
    assert!(fetch(&server, ua, "/00188b112233.xml").contains("gina"));
    remote_state_becomes(&rest, "gina");
    assert_security_log(&server, &[created_line(&device), sensitive_line("00188b112233.xml")]);
}

#[test]
fn cisco_ata190_boot() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    assert_eq!(dhcp_commit(&rest, "00:11:22:33:44:55", b"Cisco ATA190"), 204);
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[("model", Some("ATA190")), ("mac", Some("00:11:22:33:44:55")), ("plugin", Some("wazo-cisco-ata190-1.2.2"))],
    );
    let cnf = tftp(&server, "ATA001122334455.cnf.xml").unwrap();
    assert!(cnf.contains("<displayName>Autoprov</displayName>"), "{cnf}");
    assign_line(&rest, &device, "hank", "Hank ATA");
    let cnf = tftp(&server, "ATA001122334455.cnf.xml").unwrap();
    assert!(cnf.contains("<name>hank</name>"), "{cnf}");
    let device = remote_state_becomes(&rest, "hank");
    assert_security_log(&server, &[created_line(&device), sensitive_line("ATA001122334455.cnf.xml")]);
}

// --- Digium -------------------------------------------------------------------

#[test]
fn digium_d40_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    // DHCP option 60 tells model and firmware.
    assert_eq!(dhcp_commit(&rest, "00:0f:d3:aa:bb:cc", b"digium_D40_2_8_1"), 204);
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Digium")),
            ("model", Some("D40")),
            ("version", Some("2.8.1")),
            ("mac", Some("00:0f:d3:aa:bb:cc")),
            ("plugin", Some("wazo-digium-2.8.1")),
        ],
    );
    assert_eq!(device["configured"], true, "{device}");
    assert_security_log(&server, &[created_line(&device)]);

    let ua = "Digium D40 2.8.1";
    let cfg = fetch(&server, ua, "/Digium/000fd3aabbcc.cfg");
    assert!(cfg.contains("/Digium/000fd3aabbcc-contacts.xml\""), "{cfg}");
    assign_line(&rest, &device, "dave", "Dave D40");
    let cfg = fetch(&server, ua, "/Digium/000fd3aabbcc.cfg");
    assert!(cfg.contains("username=\"dave\""), "{cfg}");
    assert!(cfg.contains("line_label=\"Dave D40\""), "{cfg}");
    assert!(fetch(&server, ua, "/Digium/000fd3aabbcc-contacts.xml").contains("<phonebooks>"));
    let device = remote_state_becomes(&rest, "dave");
    assert_fields(&device, &[("ip", Some("127.0.0.1"))]);
    assert_security_log(&server, &[sensitive_line("000fd3aabbcc.cfg")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

// --- Gigaset ------------------------------------------------------------------

/// An N510 (first generation): DHCP tells the model, its User-Agent the
/// firmware and MAC; it fetches `<MAC>.xml`.
#[test]
fn gigaset_n510_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    assert_eq!(dhcp_commit(&rest, "7c:2f:80:aa:bb:cc", b"N510_IP_PRO"), 204);
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Gigaset")),
            ("model", Some("N510 IP PRO")),
            ("version", None),
            ("plugin", Some("wazo-gigaset-70.117")),
        ],
    );
    let ua = "N510 IP PRO/42.262.00.000.000;7C2F80AABBCC";
    let xml = fetch(&server, ua, "/7C2F80AABBCC.xml");
    assert!(xml.contains("<MAC_ADDRESS value=\"7C2F80AABBCC\"/>"), "{xml}");
    assert!(xml.contains("BS_IP_Data1.aucS_SIP_USER_ID\" class=\"symb_item\" value='\"ap"), "{xml}");
    let device = the_device(&rest);
    assert_fields(&device, &[("version", Some("42.262")), ("mac", Some("7c:2f:80:aa:bb:cc"))]);
    // The lower-case name is the Nx70 generation's: not this base's file.
    assert_eq!(get(&server, ua.as_bytes(), "/7c2f80aabbcc.xml").0, 404);
    assign_line(&rest, &device, "erin", "Erin N510");
    let xml = fetch(&server, ua, "/7C2F80AABBCC.xml");
    assert!(xml.contains("BS_IP_Data1.aucS_SIP_USER_ID\" class=\"symb_item\" value='\"erin\"'"), "{xml}");
    assert!(xml.contains("value='\"Erin N510\"'"), "{xml}");
    let device = remote_state_becomes(&rest, "erin");
    assert_security_log(&server, &[created_line(&device), sensitive_line("7C2F80AABBCC.xml")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

/// An N870 (Nx70 generation): no DHCP form, the User-Agent tells all; it
/// fetches `<mac>.xml`, which offers the firmware the plugin lists.
#[test]
fn gigaset_n870_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    let ua = "Gigaset N870 IP PRO/83.V2.65.0+build.8504c90;7C2F80AABBDD";
    let xml = fetch(&server, ua, "/7c2f80aabbdd.xml");
    assert!(xml.contains("<provisioning version=\"1.1\""), "{xml}");
    assert!(xml.contains("/Gigaset-Nx70-V2.65.0-build.8504c90.bin\""), "{xml}");
    assert!(xml.contains("<param name=\"hs.00001.DECT_AC\" value=\"0000\"/>"), "{xml}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Gigaset")),
            ("model", Some("N870 IP PRO")),
            ("version", Some("83.V2.65.0")),
            ("mac", Some("7c:2f:80:aa:bb:dd")),
            ("plugin", Some("wazo-gigaset-83.v2.65.0")),
        ],
    );
    assign_line(&rest, &device, "frank", "Frank N870");
    let xml = fetch(&server, ua, "/7c2f80aabbdd.xml");
    assert!(xml.contains("<param name=\"SipAccount.00001.UserName\" value=\"frank\"/>"), "{xml}");
    assert!(xml.contains("<param name=\"hs.00001.DECT_AC\" value=\"1001\"/>"), "{xml}");
    assert!(xml.contains("<param name=\"SipProvider.0.ProxyServerAddress\" value=\"10.0.0.1\"/>"), "{xml}");
    let device = remote_state_becomes(&rest, "frank");
    assert_security_log(&server, &[created_line(&device), sensitive_line("7c2f80aabbdd.xml")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

// --- Alcatel-Lucent ------------------------------------------------------------

/// A Myriad M3: its model's shared file first (with `?mac=`), then its own.
#[test]
fn alcatel_myriad_m3_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    let ua = "ALE M3-CE 2.13.02.1702 3c28a6aabbcc";
    let shared = fetch(&server, ua, "/config.M3.xml?mac=3c28a6aabbcc");
    assert!(shared.contains("<setting id=\"DeviceProvisionFileSecond\" value=\"config.$mac.xml\"/>"), "{shared}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Alcatel-Lucent")),
            ("model", Some("M3")),
            ("version", Some("2.13.02.1702")),
            ("mac", Some("3c:28:a6:aa:bb:cc")),
            ("plugin", Some("wazo-alcatel-2.13.02")),
        ],
    );
    let own = fetch(&server, ua, "/config.3c28a6aabbcc.xml?mac=3c28a6aabbcc");
    assert!(own.contains("<setting id=\"Account1UserName\" value=\"ap"), "{own}");
    assign_line(&rest, &device, "gina", "Gina M3");
    let own = fetch(&server, ua, "/config.3c28a6aabbcc.xml?mac=3c28a6aabbcc");
    assert!(own.contains("<setting id=\"Account1UserName\" value=\"gina\"/>"), "{own}");
    assert!(own.contains("<setting id=\"Account1DisplayName\" value=\"Gina M3\"/>"), "{own}");
    let device = remote_state_becomes(&rest, "gina");
    assert_security_log(&server, &[created_line(&device), sensitive_line("config.3c28a6aabbcc.xml")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

/// An 8028s gets the 1.51 plugin; a `mac=` argument under another vendor's
/// User-Agent makes no Alcatel-Lucent device.
#[test]
fn alcatel_8028s_boot() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    let ua = "ALE 8028s-GE 1.51.52.2204 487a55aabbdd";
    assert!(fetch(&server, ua, "/config.8028s-GE.xml").contains("DeviceProvisionServerUrl"));
    let own = fetch(&server, ua, "/config.487a55aabbdd.xml");
    assert!(own.contains("<setting id=\"DeviceSecuritySshEnable\" value=\"false\"/>"), "{own}");
    assert_fields(
        &the_device(&rest),
        &[("model", Some("8028s-GE")), ("mac", Some("48:7a:55:aa:bb:dd")), ("plugin", Some("wazo-alcatel-1.51.52"))],
    );
}

// --- Bad input ----------------------------------------------------------------

/// Any answer but a 500 or a dropped connection.
#[track_caller]
fn assert_answered(status: u16, what: &str, server: &Server) {
    assert!(matches!(status, 200 | 404), "{what}: {status}\n{}", server.log());
}

#[test]
fn user_agents_with_non_ascii_bytes_get_an_answer() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    let cases: [(&[u8], &str); 4] = [
        // wazo-provd's `ua.decode('ascii')` raised on these: a 500 for everyone.
        (b"AVAYA/SIP12x0\xff/04.01.13.00", "/46xxsettings.txt"),
        (b"FileTransport PolycomVVX-VVX_400\xc3\xa9-UA/5.9.2.3446 Type/Application", "/000000000000.cfg"),
        (b"Yealink SIP-T46S 66.86.0.15 \xe9\xe8 80:5e:c0:d5:7d:72", "/y000000000028.cfg"),
        (b"Mozilla/4.0 (compatible; snom870-SIP 8.7.5.35 1.1.5-IFX-\xb0\x80 000413AABB01)", "/snom870.htm"),
    ];
    for (ua, path) in cases {
        let (status, body) = get(&server, ua, path);
        assert_answered(status, &format!("{} {path}: {body}", String::from_utf8_lossy(ua)), &server);
    }
    // The Snom one is still a Snom 870 (its MAC is a token of its own).
    let snom = devices(&rest).into_iter().find(|d| d["vendor"] == "Snom").expect("the Snom device");
    assert_fields(&snom, &[("model", Some("870")), ("mac", Some("00:04:13:aa:bb:01"))]);
}

#[test]
fn snom_user_agent_whose_last_token_is_no_mac() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    // wazo-provd's Snom regex took `1` from `1.4` as the MAC and raised.
    let ua = "Mozilla/4.0 (compatible; snom870-SIP 8.4.35 SPEAr300 SNOM 1.4)";
    assert!(fetch(&server, ua, "/snom870.htm").contains("/snom870.xml\""));
    assert_fields(
        &the_device(&rest),
        &[("model", Some("870")), ("version", Some("8.4.35")), ("mac", None), ("plugin", Some("wazo-snom-8.7.5.35"))],
    );
    assert!(fetch(&server, ua, "/snom870-000413AABB02.htm").contains("/000413AABB02.xml\""));
    assert!(fetch(&server, ua, "/000413AABB02.xml").contains("<settings>"));
    assert_fields(&the_device(&rest), &[("mac", Some("00:04:13:aa:bb:02"))]);
}

#[test]
fn dhcp_vendor_classes_with_trailing_nuls() {
    let cases: [(&str, &[u8], &str, &str); 4] = [
        ("00:1e:4a:aa:bb:01", b"Cisco Systems, Inc. IP Phone CP-7960G\0\0\0", "7960G", "wazo-cisco-sccp-legacy"),
        ("00:0f:d3:aa:bb:02", b"digium_D40_2_8_1\0", "D40", "wazo-digium-2.8.1"),
        ("00:11:22:aa:bb:03", b"Cisco SPA509G\0", "SPA509", "wazo-cisco-spa-7.5.5"),
        ("00:11:22:aa:bb:04", b"LINKSYS SPA-942\0\0", "SPA942", "wazo-cisco-spa-legacy"),
    ];
    for (mac, vci, model, plugin) in cases {
        let dir = tempfile::tempdir().unwrap();
        let server = start(&dir, None);
        let rest = server.rest();
        assert_eq!(dhcp_commit(&rest, mac, vci), 204, "{vci:?}");
        let device = the_device(&rest);
        assert_fields(&device, &[("mac", Some(mac)), ("model", Some(model)), ("plugin", Some(plugin))]);
        assert_eq!(device["configured"], true, "{device}");
    }
}

#[test]
fn unknown_models_of_known_vendors_get_an_answer() {
    // (User-Agent, path, plugin): a plugin of the vendor serves them from
    // its base template, or nobody does (404), never an error.
    let http: [(&str, &str, Option<&str>); 3] = [
        (
            "Mozilla/4.0 (compatible; snomD999-SIP 10.1.54.13 2010.12-00004-g9ba52f5 000413922D99 SXM:0 UXM:0)",
            "/snomD999-000413922D99.htm",
            Some("wazo-snom-10.1.54.13"),
        ),
        (
            "FileTransport PolycomVVX-VVX_999-UA/5.9.2.3446 Type/Application",
            "/0004f2aabb99-user.cfg",
            Some("wazo-polycom-6.4.6"),
        ),
        ("Cisco/SPA599G-7.5.5 (001122AABB99)(CBT141400ZZ)", "/001122aabb99.xml", None),
    ];
    for (ua, path, plugin) in http {
        let dir = tempfile::tempdir().unwrap();
        let server = start(&dir, None);
        let (status, body) = get(&server, ua.as_bytes(), path);
        assert_answered(status, &format!("{ua} {path}: {body}"), &server);
        let device = the_device(&server.rest());
        if let Some(plugin) = plugin {
            assert_eq!(status, 200, "{body}");
            assert_fields(&device, &[("plugin", Some(plugin))]);
        }
    }
    // TFTP: an SPA model no plugin has; an SCCP model no plugin lists.
    for name in ["/spa999.cfg", "SEP001E4AAABB99.cnf.xml"] {
        let dir = tempfile::tempdir().unwrap();
        let server = start(&dir, None);
        match tftp(&server, name) {
            Ok(_) => {}
            Err(e) => assert!(e.contains("Error code 1"), "{name}: {e}"),
        }
    }
    // DHCP: a Digium model the plugin does not list, then its file.
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    assert_eq!(dhcp_commit(&rest, "00:0f:d3:aa:bb:99", b"digium_D99_2_8_1"), 204);
    assert_fields(&the_device(&rest), &[("model", Some("D99")), ("plugin", Some("wazo-digium-2.8.1"))]);
    let (status, body) = get(&server, b"Digium D99 2.8.1", "/Digium/000fd3aabb99.cfg");
    assert_answered(status, &body, &server);
}

// --- Cisco multiplatform (cisco_sip) ------------------------------------------

#[test]
fn cisco_8851_3pcc_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    // DHCP: the model; the newest plugin that has it.
    assert_eq!(dhcp_commit(&rest, "00:56:2b:aa:bb:cc", b"CP-8851-3PCC"), 204);
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Cisco")),
            ("model", Some("8851")),
            ("mac", Some("00:56:2b:aa:bb:cc")),
            ("plugin", Some("wazo-cisco-sip-12.0.7")),
        ],
    );
    // TFTP: the per-MAC file of the factory rule is not one provd makes,
    // but it names the same phone; the model's profile points at HTTP.
    let missing = tftp(&server, "/Cisco/CP-8851-3PCC/00562baabbcc.cfg").unwrap_err();
    assert!(missing.contains("not found") || missing.contains("File not found"), "{missing}");
    let profile = atftp(&server, "8851-3PCC.xml").unwrap();
    assert!(profile.contains("<Profile_Rule_C ua=\"na\">http://127.0.0.1:8667/$MA.xml</Profile_Rule_C>"), "{profile}");
    assert_eq!(the_device(&rest)["id"], device["id"]);

    // HTTP with its User-Agent (model, firmware, MAC).
    let ua = "Cisco-CP-8851-3PCC/12.0.7 (00562baabbcc)";
    assert!(fetch(&server, ua, "/cp-phone.xml").contains("<Line_Enable_1_ ua=\"na\">No</Line_Enable_1_>"));
    let xml = fetch(&server, ua, "/00562baabbcc.xml");
    assert!(xml.contains("<Display_Name_1_ ua=\"na\">Autoprov</Display_Name_1_>"), "{xml}");
    assert!(
        xml.contains("<Upgrade_Rule ua=\"na\">http://127.0.0.1:8667/sip88xx.12-0-7MPP0201-66.loads</Upgrade_Rule>")
    );
    assign_line(&rest, &device, "ivan", "Ivan 8851");
    let xml = fetch(&server, ua, "/00562baabbcc.xml");
    assert!(xml.contains("<User_ID_1_ ua=\"na\">ivan</User_ID_1_>"), "{xml}");
    assert!(xml.contains("<Display_Name_1_ ua=\"na\">Ivan 8851</Display_Name_1_>"), "{xml}");
    let device = remote_state_becomes(&rest, "ivan");
    assert_fields(&device, &[("version", Some("12.0.7")), ("plugin", Some("wazo-cisco-sip-12.0.7"))]);
    assert_eq!(device["configured"], true, "{device}");
    assert_security_log(&server, &[created_line(&device), sensitive_line("00562baabbcc.xml")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

#[test]
fn cisco_ata191_mpp_boot_found_by_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    // No DHCP integration: the ATA's User-Agent tells model, firmware and
    // serial number, not its MAC.
    let ua = "Cisco/ATA191-MPP-11-1-0-MSR4 (FCH2443D9R4)";
    let common = fetch(&server, ua, "/ata191.cfg");
    assert!(common.contains("http://127.0.0.1:8667/spa-ata.xml?mac=$MA</Profile_Rule_B>"), "{common}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Cisco")),
            ("model", Some("ATA191")),
            ("version", Some("11-1-0-MSR4")),
            ("sn", Some("FCH2443D9R4")),
            ("mac", None),
            ("plugin", Some("wazo-cisco-sip-11.1.0")),
        ],
    );
    assert_eq!(device["configured"], false, "{device}");
    // The defaults' request carries the MAC as an argument.
    assert!(fetch(&server, ua, "/spa-ata.xml?mac=006bf1112233").contains("<flat-profile>"));
    let device = the_device(&rest);
    assert_fields(&device, &[("mac", Some("00:6b:f1:11:22:33"))]);
    assert_eq!(device["configured"], true, "{device}");
    let xml = fetch(&server, ua, "/006bf1112233.xml");
    assert!(xml.contains("Autoprov"), "{xml}");
    assign_line(&rest, &device, "jane", "Jane ATA");
    assert!(fetch(&server, ua, "/006bf1112233.xml").contains("<User_ID_1_ ua=\"na\">jane</User_ID_1_>"));
    remote_state_becomes(&rest, "jane");
    assert_security_log(&server, &[created_line(&device), sensitive_line("006bf1112233.xml")]);
}

// --- Avaya --------------------------------------------------------------------

#[test]
fn avaya_j179_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    // Its User-Agent tells model, firmware and MAC from the first request.
    let ua = "Mozilla/4.0 (compatible; MSIE 6.0) AVAYA/J179-4.1.3.0.6 (MAC:c81feaaabbcc)";
    let upgrade = fetch(&server, ua, "/J100Supgrade.txt");
    assert!(upgrade.contains("SET APPNAME firmware/FW_S_J179_R4_1_3_0_6.bin"), "{upgrade}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Avaya")),
            ("model", Some("J179")),
            ("version", Some("4.1.3.0.6")),
            ("mac", Some("c8:1f:ea:aa:bb:cc")),
            ("plugin", Some("wazo-avaya-4.1.3")),
        ],
    );
    assert_eq!(device["configured"], true, "{device}");
    let cfg = fetch(&server, ua, "/c81feaaabbcc.cfg");
    assert!(cfg.contains("SET HTTPSRVR 127.0.0.1\nSET HTTPPORT 8667\n"), "{cfg}");
    assign_line(&rest, &device, "kate", "Kate J179");
    let cfg = fetch(&server, ua, "/c81feaaabbcc.cfg");
    assert!(cfg.contains("SET SIP_USER_ACCOUNT kate@10.0.0.1\n"), "{cfg}");
    assert!(cfg.contains("SET DISPLAY_NAME Kate J179\n"), "{cfg}");
    assert!(cfg.contains("SET FORCE_SIP_PASSWORD secret\n"), "{cfg}");
    let device = remote_state_becomes(&rest, "kate");
    assert_security_log(&server, &[created_line(&device), sensitive_line("c81feaaabbcc.cfg")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

#[test]
fn avaya_1230_boot_from_unistim_found_by_address() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    // The UNIStim-to-SIP upgrade file over TFTP: vendor and model.
    let upgrade = tftp(&server, "1230.cfg").unwrap();
    assert!(upgrade.contains("FILENAME firmware/SIP12x004.01.13.00.bin"), "{upgrade}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[("vendor", Some("Avaya")), ("model", Some("1230IP")), ("mac", None), ("plugin", Some("wazo-avaya-4.1.13"))],
    );
    // On SIP firmware, over HTTP: a raw byte after the model in its
    // User-Agent (0xff on 04.01.13), the MAC in the name of its own file.
    // Older loads put a control byte there (0x14, 0x16, 0x17), which the
    // HTTP parser refuses in a header: a 400, not a dropped connection.
    let (status, _) = get(&server, b"AVAYA/SIP12x0\x17/04.00.04.00", "/1230SIP.cfg");
    assert_eq!(status, 400);
    let ua = b"AVAYA/SIP12x0\xff/04.01.13.00";
    let (status, body) = get(&server, ua, "/1230SIP.cfg");
    assert_eq!(status, 200, "{body}");
    let (status, body) = get(&server, ua, "/SIP001B4FAABBCC.cfg");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("# provd: Avaya 12x0 IP settings"), "{body}");
    let device = the_device(&rest);
    assert_fields(&device, &[("mac", Some("00:1b:4f:aa:bb:cc")), ("version", Some("04.01.13.00"))]);
    assert_eq!(device["configured"], true, "{device}");
    assign_line(&rest, &device, "lena", "Lena 1230");
    let (_, body) = get(&server, ua, "/SIP001B4FAABBCC.cfg");
    assert!(body.contains("AUTOLOGIN_ID_KEY01 lena@10.0.0.1\n"), "{body}");
    remote_state_becomes(&rest, "lena");
    assert_security_log(&server, &[created_line(&device), sensitive_line("SIP001B4FAABBCC.cfg")]);
}

// --- Grandstream --------------------------------------------------------------

/// A GXP1628 on the firmware its plugin ships: identified by its
/// User-Agent alone (model, firmware and MAC), served
/// `Grandstream/cfg<mac>.xml`, synchronized with `check-sync`.
#[test]
fn grandstream_gxp1628_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    let ua = "Grandstream Model HW GXP1628 SW 1.0.7.81 DevId c074adaabbcc";

    let cfg = fetch(&server, ua, "/Grandstream/cfgc074adaabbcc.xml");
    assert!(cfg.contains("<config version=\"1\">"), "{cfg}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Grandstream")),
            ("model", Some("GXP1628")),
            ("version", Some("1.0.7.81")),
            ("mac", Some("c0:74:ad:aa:bb:cc")),
            ("plugin", Some("wazo-grandstream-1.0.7.81")),
        ],
    );
    assert_eq!(device["configured"], true, "{device}");
    // The autoprov line, its password not written.
    let autoprov = rest.get("/0.2/cfg_mgr/configs/autoprov").json()["config"]["raw_config"]["sip_lines"]["1"].clone();
    let ap = autoprov["username"].as_str().unwrap();
    assert!(cfg.contains(&format!("<P35>{ap}</P35>")) && cfg.contains("<P34></P34>"), "{cfg}");
    remote_state_becomes(&rest, ap);
    // The binary form older firmware asks first is not generated.
    assert_eq!(get(&server, ua.as_bytes(), "/Grandstream/cfgc074adaabbcc").0, 404);

    assign_line(&rest, &device, "gina", "Gina & Co");
    let cfg = fetch(&server, ua, "/Grandstream/cfgc074adaabbcc.xml");
    assert!(cfg.contains("<P35>gina</P35>") && cfg.contains("<P34>secret</P34>"), "{cfg}");
    assert!(cfg.contains("<P3>Gina &amp; Co</P3>") && cfg.contains("<P47>10.0.0.1</P47>"), "{cfg}");
    let device = remote_state_becomes(&rest, "gina");
    assert_fields(&device, &[("ip", Some("127.0.0.1"))]);
    assert_security_log(&server, &[created_line(&device), sensitive_line("cfgc074adaabbcc.xml")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

/// An HT802 ATA is served `cfg<mac>.xml` at the root by the ATAs' plugin;
/// a GXP2135 gets the config version 2 layout; a Grandstream model no
/// plugin lists gets no plugin (wazo's UNKNOWN), so nothing is served.
#[test]
fn grandstream_ata_v2_phone_and_unknown_model() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    let ata = "Grandstream Model HW HT802 V1.1A SW 1.0.63.3 DevId c074ad000802";
    let cfg = fetch(&server, ata, "/cfgc074ad000802.xml");
    assert!(cfg.contains("<P6767>1</P6767>"), "{cfg}");
    assert_fields(&the_device(&rest), &[("model", Some("HT802")), ("plugin", Some("wazo-grandstream-1.0.63.3"))]);
    // The phones' folder is not the ATAs'.
    assert_eq!(get(&server, ata.as_bytes(), "/Grandstream/cfgc074ad000802.xml").0, 404);

    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let phone = "Grandstream Model HW GXP2135 V1.0A SW 1.0.11.85 DevId c074ad002135";
    let cfg = fetch(&server, phone, "/Grandstream/cfgc074ad002135.xml");
    assert!(
        cfg.contains("<config version=\"2\">") && cfg.contains("<item name=\"pks.vpk.32.keyMode\">None</item>"),
        "{cfg}"
    );
    assert_fields(&the_device(&server.rest()), &[("plugin", Some("wazo-grandstream-1.0.11.85"))]);

    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let unknown = "Grandstream Model HW GXP1760 SW 1.0.1.8 DevId c074ad001760";
    let (status, body) = get(&server, unknown.as_bytes(), "/Grandstream/cfgc074ad001760.xml");
    assert_eq!(status, 404, "{body}");
    assert_fields(&the_device(&server.rest()), &[("model", Some("GXP1760")), ("plugin", None)]);
}

// --- Patton -------------------------------------------------------------------

/// A SmartNode SN4112 gateway: identified by its User-Agent (its serial
/// number is its MAC), served the CLI script `<mac>.cfg`, synchronized
/// with `check-sync`, which its script accepts.
#[test]
fn patton_sn4112_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    let ua = "SmartNode (Model:SN4112/JS/EUI; Serial:00A0BAAABBCC; Software Version:R6.11 2019-07-02 H323 SIP FXS FXO; \
              Hardware Version:4.4)";

    let script = fetch(&server, ua, "/00a0baaabbcc.cfg");
    assert!(script.starts_with("cli version 3.20\n"), "{script}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Patton")),
            ("model", Some("SN4112")),
            ("version", Some("6.11")),
            ("mac", Some("00:a0:ba:aa:bb:cc")),
            ("plugin", Some("wazo-patton-6.11")),
        ],
    );
    assert!(script.contains("location 1 $(dhcp.66)/sn4110/bw"), "{script}");
    let autoprov = rest.get("/0.2/cfg_mgr/configs/autoprov").json()["config"]["raw_config"]["sip_lines"]["1"].clone();
    let ap = autoprov["username"].as_str().unwrap();
    assert!(script.contains(&format!("subscriber-number {ap}\n")), "{script}");
    remote_state_becomes(&rest, ap);

    assign_line(&rest, &device, "erin", "Erin Fax");
    let script = fetch(&server, ua, "/00a0baaabbcc.cfg");
    assert!(script.contains("route sip:erin@.% dest-interface IF_FXS0\n"), "{script}");
    assert!(script.contains("username erin password secret\n"), "{script}");
    assert!(script.contains("remote 10.0.0.1 5060\n"), "{script}");
    let device = remote_state_becomes(&rest, "erin");
    assert_security_log(&server, &[created_line(&device), sensitive_line("00a0baaabbcc.cfg")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

// --- Fanvil -------------------------------------------------------------------

/// A Fanvil V62: its model's common file first (which points it at the
/// firmware notes), then its own file, then a line and a synchronize.
#[test]
fn fanvil_v62_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    let ua = "Fanvil V62 2.12.16.17 0c383eaabbcc";

    let common = fetch(&server, ua, "/Fanvil/F0V0V6200000.cfg");
    assert!(common.contains("<UpgradeServer1>http://127.0.0.1:"), "{common}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Fanvil")),
            ("model", Some("V62")),
            ("version", Some("2.12.16.17")),
            ("mac", Some("0c:38:3e:aa:bb:cc")),
            ("plugin", Some("wazo-fanvil-serie-v")),
        ],
    );
    let note = fetch(&server, ua, "/Fanvil/fanvil_v62_hwv1_0.txt");
    assert!(note.starts_with("Version=2.12.16.17\nFirmware=http://127.0.0.1:"), "{note}");
    assert!(note.contains("/Fanvil/firmware/v62-fanvil-release-ff01-5944-2.12.16.17-"), "{note}");

    let cfg = fetch(&server, ua, "/Fanvil/0c383eaabbcc.cfg");
    assert!(cfg.contains("<sysConf>") && cfg.contains("<RegisterUser>ap"), "{cfg}");
    assign_line(&rest, &device, "fanny", "Fanny & Co");
    let cfg = fetch(&server, ua, "/Fanvil/0c383eaabbcc.cfg");
    assert!(cfg.contains("<RegisterUser>fanny</RegisterUser>"), "{cfg}");
    assert!(cfg.contains("<DisplayName>Fanny &amp; Co</DisplayName>"), "{cfg}");
    assert!(cfg.contains("<ProxyAddr>10.0.0.1</ProxyAddr>"), "{cfg}");
    let device = remote_state_becomes(&rest, "fanny");
    assert_security_log(&server, &[created_line(&device), sensitive_line("0c383eaabbcc.cfg")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
}

/// The X series in both formats: an X4 (VOIP_CONFIG_FILE) by its common
/// file, an X6U Pro (sysConf, announced with a space) by its own file.
#[test]
fn fanvil_x_series_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let rest = server.rest();
    let x4 = "Fanvil X4 2.14.0.7386 0c383eaabb01";
    let common = fetch(&server, x4, "/Fanvil/f0X4hw1.100.cfg");
    assert!(common.contains("<Config_File_Name>Fanvil/$mac.cfg</Config_File_Name>"), "{common}");
    assert!(common.contains("/Fanvil/firmware/x42.14.0.7386T20210730173312.z</Auto_Image_URL>"), "{common}");
    let cfg = fetch(&server, x4, "/Fanvil/0c383eaabb01.cfg");
    assert!(cfg.contains("<VOIP_CONFIG_FILE>") && cfg.contains("<SIP_Line_List_Entry>"), "{cfg}");

    let x6u = "Fanvil X6U Pro 2.12.16.17 0c383eaabb02";
    let (status, _) = get(&server, x6u.as_bytes(), "/Fanvil/0c383eaabb02.cfg");
    assert!(matches!(status, 200 | 404), "{status}");
    let cfg = fetch(&server, x6u, "/Fanvil/0c383eaabb02.cfg");
    assert!(cfg.contains("<sysConf>") && cfg.contains("x6upro-fanvil-release"), "{cfg}");
    let all = devices(&rest);
    let pro = all.iter().find(|d| d["mac"] == "0c:38:3e:aa:bb:02").expect("the X6U Pro");
    assert_fields(pro, &[("model", Some("X6U-Pro")), ("plugin", Some("wazo-fanvil-serie-x"))]);
    let legacy = all.iter().find(|d| d["mac"] == "0c:38:3e:aa:bb:01").expect("the X4");
    assert_fields(legacy, &[("model", Some("X4")), ("plugin", Some("wazo-fanvil-serie-x"))]);
}

/// A Fanvil no bundled plugin lists (i series): recognised, given no
/// plugin (wazo's association says UNKNOWN), answered 404.
#[test]
fn fanvil_unlisted_model_gets_no_plugin() {
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, None);
    let (status, body) = get(&server, b"Fanvil i10SV 2.12.10.1 0c383eaabb03", "/Fanvil/0c383eaabb03.cfg");
    assert_eq!(status, 404, "{body}");
    let device = the_device(&server.rest());
    assert_fields(&device, &[("vendor", Some("Fanvil")), ("model", Some("i10SV")), ("plugin", None)]);
}

// --- Htek -------------------------------------------------------------------

/// An Htek UC926: its model's common file, then its own file, a line and a
/// synchronize received by SIPp.
#[test]
fn htek_uc926_boot() {
    let sipp = Sipp::start(1);
    let dir = tempfile::tempdir().unwrap();
    let server = start(&dir, Some(&sipp));
    let rest = server.rest();
    let ua = "Htek UC926 2.0.4.6.41 00:1f:c1:aa:bb:cc";

    let common = fetch(&server, ua, "/cfg0010.xml");
    assert!(common.contains("para=\"FirmwareUpGrade_FirmwareServerPath\">http://127.0.0.1:"), "{common}");
    let device = the_device(&rest);
    assert_fields(
        &device,
        &[
            ("vendor", Some("Htek")),
            ("model", Some("UC926")),
            ("version", Some("2.0.4.6.41")),
            ("mac", Some("00:1f:c1:aa:bb:cc")),
            ("plugin", Some("wazo-htek-2.0.4.6.41")),
        ],
    );
    let cfg = fetch(&server, ua, "/cfg001fc1aabbcc.xml");
    assert!(cfg.contains("<hl_provision version=\"1\">"), "{cfg}");
    assign_line(&rest, &device, "hugo", "Hugo <Htek>");
    let cfg = fetch(&server, ua, "/cfg001fc1aabbcc.xml");
    assert!(cfg.contains("<P35 para=\"Account1_SipUserId\">hugo</P35>"), "{cfg}");
    assert!(cfg.contains("<P3 para=\"Account1_DispalyName\">Hugo &lt;Htek&gt;</P3>"), "{cfg}");
    assert!(cfg.contains("<P47 para=\"Profile1_Sipserver\">10.0.0.1:5060</P47>"), "{cfg}");
    let device = remote_state_becomes(&rest, "hugo");
    assert_security_log(&server, &[created_line(&device), sensitive_line("cfg001fc1aabbcc.xml")]);
    assert_synchronized(&rest, &device);
    assert_events(sipp, &["check-sync"]);
    // Another phone's file, which no device has: not found.
    let (status, _) = get(&server, ua.as_bytes(), "/cfg001fc1aabbdd.xml");
    assert_eq!(status, 404);
}
