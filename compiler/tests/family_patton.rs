//! The bundled Patton plugin through the real renderer: every SmartNode
//! model rendered from a full configuration, its CLI script read command
//! by command (FXS ports, SIP servers, registrations, provisioning
//! profiles); the whole set published and served from the store.

mod common;

use common::{rendered, text};

use provd_compiler::compile::{self, Options};
use provd_compiler::render::DeviceRender;
use provd_core::{Config, Device, Mac};
use serde_json::{Value, json};

const PLUGIN: &str = "wazo-patton-6.11";
const MODELS: [&str; 8] = ["SN4112", "SN4112S", "SN4114", "SN4116", "SN4118", "SN4316", "SN4324", "SN4332"];

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1",
        "sip_backup_proxy_ip": "10.0.0.2",
        "sip_transport": "tcp",
        "sip_dtmf_mode": "RTP-out-of-band",
        "timezone": "America/Montreal",
        "ntp_enabled": true, "ntp_ip": "10.0.0.4",
        "syslog_enabled": true, "syslog_ip": "10.0.0.5", "syslog_port": 514, "syslog_level": "info",
        "vlan_enabled": true, "vlan_id": 20, "vlan_priority": 5,
        "admin_username": "root", "admin_password": "12 34",
        "sip_lines": {
            "1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cret", "display_name": "Alice"},
            "2": {"username": "bob", "password": "p2", "proxy_ip": "10.0.0.9", "proxy_port": 5080,
                  "registrar_ip": "10.0.0.10"}
        }
    })
}

/// A data directory with the bundled plugins and config `full`.
fn fixture() -> common::Fixture {
    let f = common::Fixture::new();
    common::put_config(&f.data, "full", &["base", "defaultconfigdevice"], full_config());
    f
}

fn devices(config: &str) -> Vec<Device> {
    MODELS
        .iter()
        .enumerate()
        .map(|(n, model)| Device {
            id: format!("d{n}"),
            mac: Some(Mac([0x00, 0xa0, 0xba, 0, 0, n as u8])),
            vendor: Some("Patton".into()),
            model: Some((*model).into()),
            plugin: Some(PLUGIN.into()),
            config: Some(config.into()),
            ..Default::default()
        })
        .collect()
}

/// The script's commands, trimmed, blank lines left out.
fn commands(script: &str) -> Vec<&str> {
    script.lines().map(str::trim).filter(|l| !l.is_empty()).collect()
}

/// The commands of the block starting with the command `head`, up to the
/// next command at the head's indentation or less.
fn block<'a>(script: &'a str, head: &str) -> Vec<&'a str> {
    let lines: Vec<&str> = script.lines().filter(|l| !l.trim().is_empty()).collect();
    let indent = |l: &str| l.len() - l.trim_start().len();
    let start = lines.iter().position(|l| l.trim() == head).unwrap_or_else(|| panic!("no {head:?} in\n{script}"));
    let depth = indent(lines[start]);
    lines[start + 1..].iter().take_while(|l| indent(l) > depth).map(|l| l.trim()).collect()
}

#[test]
fn every_model_renders_its_script() {
    let f = fixture();
    let renderer = f.renderer();
    for d in devices("full") {
        let model = d.model.as_deref().unwrap();
        let mac = d.mac.unwrap().lower_hex();
        let files = rendered(&renderer, &d);
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, [format!("{PLUGIN}/{mac}.cfg")]);
        let script = text(&files[0]);
        let all = commands(&script);
        assert_eq!(all[0], "cli version 3.20", "{model}");
        for want in [
            "clock local default-offset -05:00",
            "clock local dst-rule DSTRULE -04:00 from 02:00 mar second sunday until 02:00 nov first sunday",
            "sntp-client server primary 10.0.0.4",
            "administrator root password \"12 34\"",
            "port fxs 0 0",
            "port fxs 0 1",
        ] {
            assert!(all.contains(&want), "{model}: no {want:?}\n{script}");
        }
        assert_eq!(
            block(&script, "syslog-client"),
            ["remote 10.0.0.5 514", "facility kernel severity informational", "facility sip severity informational"]
        );
        // The firmware profile names the model's folder.
        let dir = if model.starts_with("SN41") { "sn4110" } else { "sn4300" };
        let firmware = block(&script, "profile provisioning PF_PROVISIONING_FIRMWARE");
        assert!(firmware.contains(&format!("location 1 $(dhcp.66)/{dir}/bw").as_str()), "{firmware:?}");
        assert!(
            block(&script, "profile provisioning PF_PROVISIONING_CONFIG")
                .contains(&"location 1 $(dhcp.66)/$(system.mac).cfg")
        );
        // Line 1 registers with the global proxy and its backup, line 2 with its own.
        assert_eq!(
            block(&script, "routing-table called-uri RT_FROM_SIP"),
            ["route sip:alice@.% dest-interface IF_FXS0", "route sip:bob@.% dest-interface IF_FXS1"]
        );
        let remotes: Vec<&str> = all.iter().copied().filter(|l| l.starts_with("remote ")).collect();
        assert_eq!(
            remotes,
            ["remote 10.0.0.5 514", "remote 10.0.0.1 5060", "remote 10.0.0.2 5060", "remote 10.0.0.9 5080"]
        );
        assert_eq!(
            block(&script, "authentication-service AUTH"),
            ["username alice-auth password s3cret", "username bob password p2"]
        );
        let registrars: Vec<&str> = all.iter().copied().filter(|l| l.starts_with("registrar ")).collect();
        assert_eq!(registrars, ["registrar 10.0.0.1 5060", "registrar 10.0.0.2 5060", "registrar 10.0.0.10 5060"]);
        assert!(all.iter().filter(|l| l.starts_with("preferred-transport-protocol")).all(|l| l.ends_with(" tcp")));
        assert_eq!(block(&script, "context sip-gateway GW_SIP").len(), 2, "the transport interface");
        assert!(all.contains(&"notify check-sync accept"), "{model}: check-sync reloads it");
        assert!(all.contains(&"vlan 20") && all.contains(&"set layer2 cos 5"), "{model}");
    }
}

#[test]
fn autoprov_devices_render_too() {
    let f = fixture();
    let renderer = f.renderer();
    for d in devices("autoprov") {
        let script = text(&rendered(&renderer, &d)[0]);
        let all = commands(&script);
        assert!(all.iter().any(|l| l.starts_with("route sip:ap")), "{script}");
        assert!(all.contains(&"remote 127.0.0.1 5060"), "{script}");
        assert!(!all.iter().any(|l| l.starts_with("clock local")), "no zone, the gateway's own");
        assert!(all.contains(&"encapsulation ip") && !all.iter().any(|l| l.starts_with("vlan ")));
    }
}

#[test]
fn a_config_that_cannot_be_written_is_refused_naming_the_line() {
    let f = fixture();
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    let c = Config {
        id: "twice".into(),
        parent_ids: vec!["base".into()],
        raw_config: json!({"sip_proxy_ip": "10.0.0.1", "sip_lines": {"1": {"username": "u"}, "2": {"username": "u"}}})
            .as_object()
            .unwrap()
            .clone(),
        ..Default::default()
    };
    s.put_config(&mut w, &c).unwrap();
    w.commit().unwrap();
    let renderer = f.renderer();
    match renderer.render_device(&devices("twice")[0]) {
        DeviceRender::Failed(e) => assert!(e.contains("sip_lines.2.username"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn published_and_served_from_the_store() {
    let f = fixture();
    let devices = devices("full");
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    for d in &devices {
        s.put_device(&mut w, d).unwrap();
    }
    w.commit().unwrap();
    let renderer = f.renderer();
    let report = compile::compile(&f.data, &renderer, &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let r = s.read_txn().unwrap();
    for d in &devices {
        let key = format!("{PLUGIN}/{}.cfg", d.mac.unwrap().lower_hex());
        let route = s.route(&r, &key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
        let body = String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap();
        assert!(body.contains("subscriber-number alice"), "{key}");
    }
}
