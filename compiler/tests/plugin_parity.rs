//! Every model of every bundled plugin, rendered by provd and by Python's
//! Jinja2 from the same context (the one the family computed), must give the
//! same bytes: the templates do not lean on anything only one engine does.

mod common;

use provd_compiler::compile::{self, Scope};
use provd_compiler::render::{DeviceRender, PreparedSource};
use provd_core::{Config, Device, Mac};
use provd_store::data::DataDir;
use serde_json::{Value, json};

fn configs() -> Vec<Value> {
    vec![
        // Everything a Wazo install sets.
        json!({
            "sip_lines": {
                "1": {"username": "alice", "auth_username": "alice", "password": "s3cr&t<>", "display_name": "Alice & Bob",
                      "number": "1001", "proxy_ip": "10.0.0.1", "proxy_port": 5060, "backup_proxy_ip": "10.0.0.2",
                      "dtmf_mode": "SIP-INFO", "voicemail": "*98"},
                "2": {"username": "bob", "password": "p", "display_name": "Bob", "number": "1002", "proxy_ip": "10.0.0.1"}
            },
            "funckeys": {
                "1": {"type": "speeddial", "value": "1003", "label": "Carol"},
                "2": {"type": "blf", "value": "1004", "label": "Dan", "line": "1"},
                "3": {"type": "park", "value": "701", "label": "Park"},
                "45": {"type": "blf", "value": "1005"}
            },
            "exten_pickup_call": "*8", "exten_voicemail": "*98", "exten_park": "700", "exten_dnd": "*25",
            "exten_fwd_unconditional": "*21", "timezone": "America/Montreal", "locale": "fr_CA",
            "vlan_enabled": true, "vlan_id": 100, "vlan_priority": 5, "vlan_pc_port_id": 200,
            "syslog_enabled": true, "syslog_ip": "10.0.0.9", "syslog_level": "info",
            "dns_enabled": true, "dns_ip": "10.0.0.53", "sip_srtp_mode": "preferred", "sip_transport": "tcp",
            "sip_subscribe_mwi": true, "user_username": "u", "user_password": "up",
            "X_xivo_user_uuid": "3f2c", "X_xivo_phonebook_ip": "10.0.0.7",
            "sip_servers_root_and_intermediate_certificates": ["-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"]
        }),
        // What an autoprov phone gets (the well-known configs only), with TLS.
        json!({"sip_transport": "tls", "timezone": "Asia/Kolkata", "locale": "de_DE"}),
    ]
}

#[test]
fn bundled_templates_render_identically_in_jinja2() {
    let dir = tempfile::tempdir().unwrap();
    let (data, _) = DataDir::open(dir.path()).unwrap();
    let (plugins, _) = provd_families::plugins::scan(&data.plugins_dir()).unwrap();
    let store = data.store();
    let mut w = store.write_txn().unwrap();
    let mut devices = Vec::new();
    for (ci, raw) in configs().into_iter().enumerate() {
        let config = Config {
            id: format!("c{ci}"),
            parent_ids: vec!["autoprov".into()],
            raw_config: raw.as_object().unwrap().clone(),
            ..Default::default()
        };
        store.put_config(&mut w, &config).unwrap();
        for p in &plugins {
            for model in p.info.models.keys() {
                let n = devices.len();
                let d = Device {
                    id: format!("d{n}"),
                    mac: Some(Mac([0x02, 0, 0, 0, (n >> 8) as u8, n as u8])),
                    model: Some(model.clone()),
                    plugin: Some(p.id.clone()),
                    config: Some(config.id.clone()),
                    ..Default::default()
                };
                store.put_device(&mut w, &d).unwrap();
                devices.push(d);
            }
        }
    }
    w.commit().unwrap();
    let (renderer, _) = compile::renderer(&data, &Scope::All).unwrap();

    let mut jobs = Vec::new();
    let mut ours = Vec::new();
    for d in &devices {
        let prepared = renderer.prepare_device(d).unwrap_or_else(|_| panic!("{} cannot be prepared", d.id));
        let templates: Vec<String> = prepared
            .files
            .iter()
            .filter_map(|f| match &f.source {
                PreparedSource::Template(t) => Some(t.clone()),
                PreparedSource::Bytes(_) => None,
            })
            .collect();
        assert!(!templates.is_empty());
        let DeviceRender::Configured { files, .. } = renderer.render_device(d) else {
            panic!("{} did not render", d.id)
        };
        let rendered: Vec<&[u8]> = files.iter().map(|f| f.bytes.as_slice()).collect();
        for (t, bytes) in templates.iter().zip(rendered.iter().filter(|b| !b.starts_with(b"-----BEGIN"))) {
            jobs.push(json!({"plugin_dir": prepared.plugin.plugin.dir, "template": t, "ctx": prepared.context}));
            ours.push((
                format!("{} {} {}", d.id, d.model.as_deref().unwrap(), t),
                String::from_utf8(bytes.to_vec()).unwrap(),
            ));
        }
    }
    let theirs: Vec<String> = serde_json::from_value(common::python("plugin_parity.py", &Value::Array(jobs))).unwrap();
    assert_eq!(theirs.len(), ours.len());
    let mut diffs = Vec::new();
    for ((what, mine), jinja) in ours.iter().zip(&theirs) {
        if mine != jinja {
            let line = mine.lines().zip(jinja.lines()).position(|(a, b)| a != b).unwrap_or(0);
            diffs.push(format!("{what}: first difference at line {}", line + 1));
        }
    }
    assert!(diffs.is_empty(), "{} of {} files differ:\n{}", diffs.len(), ours.len(), diffs.join("\n"));
    assert!(ours.len() > 150, "every model of every plugin, twice: {}", ours.len());
}
