//! The bundled Avaya plugins (1220/1230 IP on SIP 4.1.13, J100 on 4.1.3)
//! through the real renderer: one device per model, its `NAME value`
//! lines parsed and the server, credentials and time zone checked; plus
//! the static files the phones read first.

mod common;

use std::collections::HashMap;

use common::Fixture;
use provd_compiler::render::{DeviceRender, Renderer};
use provd_core::{Device, Mac};
use serde_json::json;

const SIP12X0: &str = "wazo-avaya-4.1.13";
const J100: &str = "wazo-avaya-4.1.3";

fn device(plugin: &str, model: &str, mac: Mac) -> Device {
    Device {
        id: format!("{plugin}-{model}"),
        mac: Some(mac),
        vendor: Some("Avaya".into()),
        model: Some(model.into()),
        plugin: Some(plugin.into()),
        config: Some("full".into()),
        ..Default::default()
    }
}

fn render(renderer: &Renderer, d: &Device) -> Vec<(String, String)> {
    match renderer.render_device(d) {
        DeviceRender::Configured { plugin, files } => files
            .into_iter()
            .map(|f| (f.key[plugin.len() + 1..].to_owned(), String::from_utf8(f.bytes).unwrap()))
            .collect(),
        other => panic!("{}: {other:?}", d.id),
    }
}

/// `NAME value` lines (after `SET ` on the J100), comments left out.
fn settings(body: &str, prefix: &str) -> HashMap<String, String> {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let l = l.strip_prefix(prefix).unwrap_or_else(|| panic!("{l:?} lacks {prefix:?}"));
            let (k, v) = l.split_once(' ').unwrap_or((l, ""));
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.config(
        "full",
        json!({
            "sip_proxy_ip": "10.0.0.2",
            "sip_backup_proxy_ip": "10.0.0.3",
            "admin_password": "adm1n",
            "timezone": "Europe/Paris",
            "ntp_enabled": true,
            "ntp_ip": "10.0.0.4",
            "exten_voicemail": "*98",
            "sip_lines": {"1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cr&t",
                                "display_name": "Zoé\nX", "number": "1001"}}
        }),
    );
    f
}

#[test]
fn every_12x0_model_renders_its_settings() {
    let f = fixture();
    let renderer = f.renderer();
    let plugin = renderer.plugin(SIP12X0).unwrap().plugin.clone();
    assert_eq!(plugin.info.models.len(), 2);
    for (i, model) in plugin.info.models.keys().enumerate() {
        let files = render(&renderer, &device(SIP12X0, model, Mac([0, 0x1b, 0x4f, 0, 0, i as u8])));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, format!("SIP001B4F0000{i:02X}.cfg"));
        let body = &files[0].1;
        assert!(body.lines().all(|l| l.len() < 80), "{model}: the phone drops long lines\n{body}");
        let s = settings(body, "");
        assert_eq!(s["SIP_DOMAIN1"], "10.0.0.2");
        assert_eq!((s["SERVER_IP1_1"].as_str(), s["SERVER_PORT1_1"].as_str()), ("10.0.0.2", "5060"));
        assert_eq!((s["SERVER_IP1_2"].as_str(), s["SERVER_PORT1_2"].as_str()), ("10.0.0.3", "5060"));
        assert_eq!(s["AUTOLOGIN_AUTHID_KEY01"], "alice-auth");
        assert_eq!(s["AUTOLOGIN_ID_KEY01"], "alice@10.0.0.2");
        assert_eq!(s["AUTOLOGIN_PASSWD_KEY01"], "s3cr&t");
        assert_eq!(s["TIMEZONE_OFFSET"], "3600");
        assert_eq!((s["SNTP_ENABLE"].as_str(), s["SNTP_SERVER"].as_str()), ("YES", "10.0.0.4"));
        assert_eq!(s["ADMIN_PASSWORD"], "adm1n");
        assert_eq!(s["VMAIL"], "*98");
    }
}

#[test]
fn every_j100_model_renders_its_settings() {
    let f = fixture();
    let renderer = f.renderer();
    let plugin = renderer.plugin(J100).unwrap().plugin.clone();
    assert_eq!(plugin.info.models.len(), 6);
    for (i, model) in plugin.info.models.keys().enumerate() {
        let files = render(&renderer, &device(J100, model, Mac([0xc8, 0x1f, 0xea, 0, 0, i as u8])));
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].0, format!("c81fea0000{i:02x}.cfg"));
        let s = settings(&files[0].1, "SET ");
        assert_eq!((s["HTTPSRVR"].as_str(), s["HTTPPORT"].as_str()), ("127.0.0.1", "8667"));
        assert_eq!(s["SIP_CONTROLLER_LIST"], "10.0.0.2:5060;transport=udp");
        assert_eq!(s["SIP_USER_ACCOUNT"], "alice@10.0.0.2");
        assert_eq!((s["SIP_USER_ID"].as_str(), s["FORCE_SIP_PASSWORD"].as_str()), ("alice-auth", "s3cr&t"));
        // The line break of the display name cannot start a setting.
        assert_eq!(s["DISPLAY_NAME"], "Zoé X");
        assert_eq!(s["FORCE_SIP_EXTENSION"], "1001");
        assert_eq!(s["GMTOFFSET"], "3600");
        assert_eq!(s["MSGNUM"], "*98");
        assert_eq!(s["ENABLE_3PCC_ENVIRONMENT"], "1");
    }
}

#[test]
fn static_files() {
    let f = Fixture::new();
    let renderer = f.renderer();
    let files = renderer.plugin_files(J100).unwrap();
    let upgrade = files.iter().find(|f| f.key == format!("{J100}/J100Supgrade.txt")).unwrap();
    let text = std::str::from_utf8(&upgrade.bytes).unwrap();
    assert!(text.contains("IF $MODEL4 SEQ J179 GOTO J179_FIRMWARE"), "{text}");
    assert!(text.contains("SET APPNAME firmware/FW_S_J179_R4_1_3_0_6.bin"), "{text}");
    assert!(text.trim_end().ends_with("GET $MACADDR.cfg"), "{text}");
    let files = renderer.plugin_files(SIP12X0).unwrap();
    let names: Vec<&str> = files.iter().map(|f| &f.key[SIP12X0.len() + 1..]).collect();
    for name in ["1220.cfg", "1220SIP.cfg", "1230.cfg", "1230SIP.cfg"] {
        assert!(names.contains(&name), "{names:?}");
    }
    for f in &files {
        let text = std::str::from_utf8(&f.bytes).unwrap();
        assert!(text.contains("FILENAME firmware/SIP12x004.01.13.00.bin"), "{}", f.key);
        assert!(text.lines().all(|l| l.len() < 80), "{}", f.key);
    }
}
