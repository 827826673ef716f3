//! Encrypted device files (`config_encryption`), as a Yealink phone and a
//! MAC-guesser see them: over plain HTTP, TFTP, HTTPS without a
//! certificate or with another phone's, the file is AES-128-ECB under the
//! phone's own key (decrypted here with `openssl enc`, the bytes compared
//! with the plain render); the phone itself, over HTTPS with its
//! certificate, gets the plain file that carries the key.

use std::path::Path;
use std::process::Command;

use provd_e2e::tls::{certificates, phone_certificate, vendor_ca};
use provd_e2e::{Server, curl, line_config};
use serde_json::json;

const MAC: &str = "80:5e:c0:d5:7d:72";
const UA: &str = "Yealink SIP-T46S 66.86.0.15 80:5e:c0:d5:7d:72";
const FILE: &str = "/805ec0d57d72.cfg";

/// `curl` for `url` as the phone: (status, body bytes).
fn fetch(url: &str, extra: &[&str]) -> (u16, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body");
    let mut args = vec!["-s", "-A", UA, "-o", body.to_str().unwrap(), "-w", "%{http_code}"];
    args.extend_from_slice(extra);
    args.push(url);
    let out = curl(&args);
    let status = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0);
    (status, std::fs::read(&body).unwrap_or_default())
}

/// A TFTP read with tftp-hpa: the bytes.
fn tftp(server: &Server, name: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("got");
    let out = Command::new("timeout")
        .args(["60", "tftp", "-m", "binary", "127.0.0.1", &server.tftp.port().to_string(), "-c", "get", name])
        .arg(&local)
        .output()
        .expect("tftp (tftp-hpa)");
    assert!(out.status.success(), "{out:?}");
    std::fs::read(&local).expect("the file tftp wrote")
}

/// `sealed` decrypted by `openssl enc` with the 16-character `key`, the
/// zero padding taken off.
fn openssl_decrypt(dir: &Path, key: &str, sealed: &[u8]) -> Vec<u8> {
    let input = dir.join("sealed.bin");
    std::fs::write(&input, sealed).unwrap();
    let hex: String = key.bytes().map(|b| format!("{b:02x}")).collect();
    let out = Command::new("openssl")
        .args(["enc", "-d", "-aes-128-ecb", "-nopad", "-K", &hex, "-in"])
        .arg(&input)
        .output()
        .expect("openssl enc");
    assert!(out.status.success(), "openssl: {}", String::from_utf8_lossy(&out.stderr));
    let mut plain = out.stdout;
    while plain.last() == Some(&0) {
        plain.pop();
    }
    plain
}

#[test]
fn device_files_go_encrypted_to_everyone_but_the_phone_itself() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = certificates(dir.path());
    let yealink_ca = vendor_ca(dir.path(), "yealink");
    let (own_cert, own_key) = phone_certificate(dir.path(), "yealink", "own", "/O=Yealink/CN=805ec0d57d72");
    let (other_cert, other_key) = phone_certificate(dir.path(), "yealink", "other", "/O=Yealink/CN=805ec0000001");
    let server = Server::start(
        &dir.path().join("data"),
        &[
            "--https",
            "127.0.0.1:0",
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--client-ca",
            yealink_ca.to_str().unwrap(),
            "--client-cert",
            "optional",
        ],
    );
    let rest = server.rest();
    assert_eq!(rest.send("POST", "/0.2/cfg_mgr/configs", &line_config("alice", "Alice")).status, 201);
    let device = json!({"device": {
        "id": "d1", "mac": MAC, "ip": "127.0.0.1", "vendor": "Yealink", "model": "T46S",
        "version": "66.86.0.15", "plugin": "wazo-yealink-v86", "config": "alice"
    }});
    assert_eq!(rest.send("POST", "/0.2/dev_mgr/devices", &device).status, 201);
    let https = format!("https://127.0.0.1:{}{FILE}", server.https.unwrap().port());
    let ca = ca.to_str().unwrap();
    let own = ["--cacert", ca, "--cert", own_cert.to_str().unwrap(), "--key", own_key.to_str().unwrap()];

    // Off (the default): the plain file everywhere, no key in it, and no key to ask for.
    let (status, before) = fetch(&server.url(FILE), &[]);
    assert_eq!(status, 200);
    let before = String::from_utf8(before).unwrap();
    assert!(before.contains("account.1.password = secret"), "{before}");
    assert!(!before.contains("aes_key"), "{before}");
    let r = rest.get("/0.2/dev_mgr/devices/d1/encryption_key");
    assert_eq!(r.status, 404, "{}", r.text());
    assert!(r.text().contains("config_encryption is off"), "{}", r.text());

    // On: a parameter like NAT, "0" or "1" only.
    let bad = rest.send("PUT", "/0.2/configure/config_encryption", &json!({"param": {"value": "yes"}}));
    assert_eq!(bad.status, 400, "{}", bad.text());
    assert!(bad.text().contains("expected \"0\" or \"1\""), "{}", bad.text());
    let on = rest.send("PUT", "/0.2/configure/config_encryption", &json!({"param": {"value": "1"}}));
    assert_eq!(on.status, 204, "{}", on.text());
    let listed = rest.get("/0.2/configure").text();
    assert!(listed.contains("config_encryption") && !listed.contains("config_encryption_secret"), "{listed}");
    let r = rest.get("/0.2/dev_mgr/devices/d1/encryption_key");
    assert_eq!(r.status, 200, "{}", r.text());
    let key = r.json()["encryption_key"]["value"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["encryption_key"]["setting"], "static.auto_provision.aes_key.mac");
    assert_eq!(key.len(), 16, "{key}");

    // The phone, over HTTPS with its certificate: the plain file, with its key.
    let (status, plain) = fetch(&https, &own);
    assert_eq!(status, 200);
    let plain_text = String::from_utf8(plain.clone()).unwrap();
    assert!(plain_text.contains(&format!("static.auto_provision.aes_key.mac = {key}\n")), "{plain_text}");
    assert!(plain_text.contains("account.1.password = secret"), "{plain_text}");

    // Anyone else: the encrypted copy, which the phone's key opens to the very same bytes.
    let (status, over_http) = fetch(&server.url(FILE), &[]);
    assert_eq!(status, 200);
    assert_ne!(over_http, plain);
    assert!(!String::from_utf8_lossy(&over_http).contains("secret"));
    assert_eq!(over_http.len() % 16, 0);
    assert_eq!(openssl_decrypt(dir.path(), &key, &over_http), plain);
    assert_eq!(tftp(&server, FILE), over_http, "TFTP");
    assert_eq!(fetch(&https, &["--cacert", ca]), (200, over_http.clone()), "HTTPS without a certificate");
    let other = ["--cacert", ca, "--cert", other_cert.to_str().unwrap(), "--key", other_key.to_str().unwrap()];
    assert_eq!(fetch(&https, &other).0, 403, "another phone's certificate");
    assert!(server.metric("provd_encrypted_files_served_total") >= 3.0);
    // A plugin's shared file is nobody's secret: plain.
    let (status, shared) = fetch(&server.url("/directory_setting.xml"), &[]);
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&shared).contains("<?xml"));

    // A change of the config reaches both copies.
    assert_eq!(rest.send("PUT", "/0.2/cfg_mgr/configs/alice", &line_config("alice", "Alice Liddell")).status, 204);
    let (_, plain) = fetch(&https, &own);
    assert!(String::from_utf8_lossy(&plain).contains("Alice Liddell"));
    let (_, sealed) = fetch(&server.url(FILE), &[]);
    assert_eq!(openssl_decrypt(dir.path(), &key, &sealed), plain);

    // Off again: plain for everyone, without the key; on again: the same key.
    let off = rest.send("PUT", "/0.2/configure/config_encryption", &json!({"param": {"value": "0"}}));
    assert_eq!(off.status, 204, "{}", off.text());
    let (_, after) = fetch(&server.url(FILE), &[]);
    let after = String::from_utf8(after).unwrap();
    assert!(after.contains("Alice Liddell") && !after.contains("aes_key"), "{after}");
    assert_eq!(rest.send("PUT", "/0.2/configure/config_encryption", &json!({"param": {"value": "1"}})).status, 204);
    let again = rest.get("/0.2/dev_mgr/devices/d1/encryption_key").json();
    assert_eq!(again["encryption_key"]["value"], key.as_str(), "the phone keeps its key");
}
