//! The bundled Polycom plugins through the real renderer: every model of
//! every plugin rendered from a full configuration, the XML parsed, the key
//! settings checked; the master and common files per plugin; the whole set
//! published and served from the store.

mod common;

use std::collections::HashMap;

use provd_compiler::compile::{self, Options, Scope};
use provd_compiler::render::{DeviceRender, RenderedFile, Renderer};
use provd_core::{Device, Mac};
use provd_store::data::DataDir;
use serde_json::{Value, json};

const PLUGINS: [(&str, &str); 3] = [
    ("wazo-polycom-3.2.4B", "config"),
    ("wazo-polycom-5.9.2", "polycomConfig"),
    ("wazo-polycom-6.4.6", "polycomConfig"),
];

struct Fixture {
    _dir: tempfile::TempDir,
    data: DataDir,
}

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1",
        "sip_backup_proxy_ip": "10.0.0.2",
        "sip_backup_proxy_port": 5070,
        "sip_transport": "tcp",
        "sip_srtp_mode": "preferred",
        "sip_dtmf_mode": "SIP-INFO",
        "sip_subscribe_mwi": true,
        "exten_voicemail": "*98",
        "exten_pickup_call": "*8",
        "timezone": "Europe/Paris",
        "locale": "fr_FR",
        "ntp_enabled": true, "ntp_ip": "10.0.0.4",
        "vlan_enabled": true, "vlan_id": 20, "vlan_priority": 5,
        "syslog_enabled": true, "syslog_ip": "10.0.0.6", "syslog_level": "error",
        "admin_password": "4dm1n", "user_password": "us3r",
        "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "uuid-1",
        "sip_lines": {
            "1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cr&t", "display_name": "Alice \"A\" & Co",
                  "number": "1001"},
            "2": {"username": "bob", "password": "p2", "display_name": "Bob", "number": "1002", "proxy_ip": "10.0.0.9",
                  "proxy_port": 5080}
        },
        "funckeys": {
            "1": {"type": "blf", "value": "1003", "label": "Carol"},
            "2": {"type": "park", "value": "701", "label": "Park"},
            "3": {"type": "speeddial", "value": "1005"},
            "40": {"type": "blf", "value": "1040"}
        }
    })
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let (data, boot) = DataDir::open(dir.path()).unwrap();
        for (p, _) in PLUGINS {
            assert!(boot.plugins_installed.iter().any(|i| i == p), "{p} is bundled");
        }
        let f = Fixture { _dir: dir, data };
        f.put_config("full", &["base", "defaultconfigdevice"], full_config());
        f
    }

    fn put_config(&self, id: &str, parents: &[&str], raw: Value) {
        common::put_config(&self.data, id, parents, raw);
    }

    /// One device per model of every Polycom plugin, on `config`.
    fn devices(&self, config: &str) -> Vec<Device> {
        let (plugins, _) = provd_families::plugins::scan(&self.data.plugins_dir()).unwrap();
        let mut out = Vec::new();
        for p in plugins.iter().filter(|p| p.info.family == "polycom") {
            for model in p.info.models.keys() {
                let n = out.len();
                out.push(Device {
                    id: format!("d{n}"),
                    mac: Some(Mac([0x00, 0x04, 0xf2, 0, (n >> 8) as u8, n as u8])),
                    vendor: Some("Polycom".into()),
                    model: Some(model.clone()),
                    plugin: Some(p.id.clone()),
                    config: Some(config.into()),
                    ..Default::default()
                });
            }
        }
        out
    }

    fn renderer(&self) -> Renderer {
        let (renderer, warnings) = compile::renderer(&self.data, &Scope::All).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        renderer
    }
}

fn rendered(renderer: &Renderer, d: &Device) -> Vec<RenderedFile> {
    match renderer.render_device(d) {
        DeviceRender::Configured { files, .. } => files,
        other => panic!("{} {:?}: {other:?}", d.id, d.model),
    }
}

/// The attributes of the file's single element, checked to be well-formed
/// XML with no attribute twice.
fn attributes(text: &str, root: &str) -> HashMap<String, String> {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let el = doc.root_element();
    assert_eq!(el.tag_name().name(), root);
    assert_eq!(el.children().filter(|n| n.is_element()).count(), 0);
    el.attributes().map(|a| (a.name().to_owned(), a.value().to_owned())).collect()
}

fn key_count(d: &Device, renderer: &Renderer) -> u64 {
    let p = &renderer.plugin(d.plugin.as_deref().unwrap()).unwrap().plugin;
    let m = p.model(d.model.as_deref().unwrap()).unwrap();
    m.get_u64("function_keys").unwrap_or(0)
        + m.get_u64("expansion_modules").unwrap_or(0) * m.get_u64("expansion_module_keys").unwrap_or(0)
}

#[test]
fn every_model_renders_its_user_file() {
    let f = Fixture::new();
    let renderer = f.renderer();
    let devices = f.devices("full");
    assert_eq!(devices.len(), 15 + 19 + 12);
    for d in &devices {
        let plugin = d.plugin.as_deref().unwrap();
        let root = PLUGINS.iter().find(|(p, _)| *p == plugin).unwrap().1;
        let files = rendered(&renderer, d);
        let mac = d.mac.unwrap().lower_hex();
        assert_eq!(files.len(), 1);
        assert_eq!(files[0].key, format!("{plugin}/{mac}-user.cfg"));
        let text = String::from_utf8(files[0].bytes.clone()).unwrap();
        assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"), "{text}");
        let a = attributes(&text, root);
        let what = format!("{plugin} {}", d.model.as_deref().unwrap());
        let get = |k: &str| a.get(k).unwrap_or_else(|| panic!("{what}: no {k}\n{text}")).as_str();

        // Lines: registrar, user, password, display name.
        assert_eq!(get("reg.1.address"), "alice", "{what}");
        assert_eq!(get("reg.1.auth.userId"), "alice-auth");
        assert_eq!(get("reg.1.auth.password"), "s3cr&t");
        assert_eq!(get("reg.1.displayName"), "Alice \"A\" & Co");
        assert_eq!(get("reg.1.label"), "1001");
        assert_eq!(get("reg.1.server.1.address"), "10.0.0.1");
        assert!(!a.contains_key("reg.1.server.1.port"), "no port configured: the phone's default");
        assert_eq!(get("reg.1.server.1.transport"), "TCPOnly");
        assert_eq!(get("reg.1.server.2.address"), "10.0.0.2");
        assert_eq!(get("reg.1.server.2.port"), "5070");
        assert_eq!(get("reg.2.address"), "bob");
        assert_eq!(get("reg.2.server.1.address"), "10.0.0.9");
        assert_eq!(get("reg.2.server.1.port"), "5080");
        assert!(!a.contains_key("reg.2.server.2.address"), "its own proxy, not the global backup");
        assert_eq!(get("msg.mwi.1.subscribe"), "1001");
        assert_eq!(get("msg.mwi.1.callBack"), "*98");
        assert_eq!(get("msg.mwi.1.callBackMode"), "contact");
        assert_eq!(get("call.directedCallPickupString"), "*8");

        // Device settings.
        assert_eq!(get("device.auth.localAdminPassword"), "4dm1n");
        assert_eq!(get("device.auth.localUserPassword"), "us3r");
        assert_eq!(get("device.net.vlanId"), "20");
        assert_eq!(get("device.syslog.serverName"), "10.0.0.6");
        assert_eq!(get("device.syslog.renderLevel"), "4");
        assert_eq!(get("tcpIpApp.sntp.address"), "10.0.0.4");
        assert_eq!(get("tcpIpApp.sntp.gmtOffset"), "3600");
        assert_eq!(get("tcpIpApp.sntp.daylightSavings.enable"), "1");
        assert_eq!(get("tcpIpApp.sntp.daylightSavings.start.dayOfWeek.lastInMonth"), "1");
        assert_eq!(get("tcpIpApp.sntp.daylightSavings.stop.time"), "3");
        assert_eq!(get("lcl.ml.lang"), "French_France");
        assert_eq!((get("sec.srtp.enable"), get("sec.srtp.offer"), get("sec.srtp.require")), ("1", "1", "0"));
        assert_eq!(get("voIpProt.SIP.dtmfViaSignaling.rfc2976"), "1");
        assert_eq!(get("tone.dtmf.rfc2833Control"), "0");
        assert_eq!(
            get("mb.main.home"),
            "http://10.0.0.3:9498/0.1/directories/input/default/polycom?xivo_user_uuid=uuid-1"
        );

        // Function keys, as many as the model has.
        let keys = key_count(d, &renderer);
        let ucs = root == "polycomConfig";
        let expect = |no: u64, addr: &str, label: &str| {
            if no <= keys {
                assert_eq!(get(&format!("attendant.resourceList.{no}.address")), addr, "{what}");
                assert_eq!(get(&format!("attendant.resourceList.{no}.label")), label, "{what}");
            } else {
                assert!(!a.contains_key(&format!("attendant.resourceList.{no}.address")), "{what} has {keys} keys");
            }
        };
        expect(1, "1003", "Carol");
        expect(3, "1005", "1005");
        expect(40, "1040", "1040");
        if ucs {
            expect(2, "701", "Park");
            if keys >= 2 {
                assert_eq!(get("attendant.resourceList.2.type"), "automata");
            }
            assert_eq!(get("apps.push.messageType"), "0");
        } else {
            assert!(!a.contains_key("attendant.resourceList.2.address"), "no park keys in SIP 3.x");
        }
    }
}

#[test]
fn autoprov_devices_render_too() {
    let f = Fixture::new();
    let renderer = f.renderer();
    for d in f.devices("autoprov") {
        let plugin = d.plugin.as_deref().unwrap();
        let root = PLUGINS.iter().find(|(p, _)| *p == plugin).unwrap().1;
        let files = rendered(&renderer, &d);
        let text = String::from_utf8(files[0].bytes.clone()).unwrap();
        let a = attributes(&text, root);
        assert!(a["reg.1.address"].starts_with("ap"), "{text}");
        assert_eq!(a["reg.1.auth.password"], "autoprov");
        assert_eq!(a["reg.1.server.1.transport"], "UDPOnly");
        assert_eq!(a["reg.1.server.1.address"], "127.0.0.1");
        assert_eq!(a["tcpIpApp.sntp.address"], "127.0.0.1");
        assert_eq!(a["device.syslog.transport"], "0");
        assert!(!a.contains_key("attendant.resourceList.1.address"));
        assert!(!a.contains_key("lcl.ml.lang") && !a.contains_key("tcpIpApp.sntp.gmtOffset"));
    }
}

#[test]
fn switchboard_option_and_custom_model_template() {
    let f = Fixture::new();
    let mut d = f.devices("full").into_iter().find(|d| d.model.as_deref() == Some("VVX400")).unwrap();
    d.options = Some(json!({"switchboard": true}).as_object().unwrap().clone());
    let dir = f.data.plugins_dir().join("wazo-polycom-5.9.2/var/templates");
    std::fs::write(
        dir.join("VVX400.tpl"),
        "{% extends 'base.tpl' %}{% block model_specific_parameters %}\nup.backlight.idleIntensity=\"1\"{% endblock %}",
    )
    .unwrap();
    let renderer = f.renderer();
    let text = String::from_utf8(rendered(&renderer, &d)[0].bytes.clone()).unwrap();
    let a = attributes(&text, "polycomConfig");
    assert_eq!(a["apps.push.messageType"], "5");
    assert_eq!(a["apps.push.username"], "xivo_switchboard");
    assert_eq!(a["call.callWaiting.enable"], "0");
    assert_eq!(a["up.backlight.idleIntensity"], "1");
}

#[test]
fn master_and_common_files_per_plugin() {
    let f = Fixture::new();
    let renderer = f.renderer();
    for (plugin, root) in PLUGINS {
        let files = renderer.plugin_files(plugin).unwrap();
        let get = |name: &str| {
            let key = format!("{plugin}/{name}");
            let file = files.iter().find(|f| f.key == key).unwrap_or_else(|| panic!("{key}"));
            String::from_utf8(file.bytes.clone()).unwrap()
        };
        let master = get("000000000000.cfg");
        let doc = roxmltree::Document::parse(&master).unwrap_or_else(|e| panic!("{plugin}: {e}\n{master}"));
        let app = doc.root_element();
        assert_eq!(app.tag_name().name(), "APPLICATION");
        assert_eq!(app.attribute("APP_FILE_PATH"), Some("sip.ld"));
        let expected = if root == "config" {
            "[PHONE_MAC_ADDRESS]-user.cfg, common.cfg, phone1.cfg, sip.cfg"
        } else {
            "[PHONE_MAC_ADDRESS]-user.cfg, common.cfg"
        };
        assert_eq!(app.attribute("CONFIG_FILES"), Some(expected), "{plugin}");
        let vvx1500 = app.children().find(|n| n.has_tag_name("APPLICATION_VVX1500"));
        assert_eq!(vvx1500.is_some(), plugin == "wazo-polycom-5.9.2", "{plugin}");
        let common = attributes(&get("common.cfg"), root);
        assert_eq!(common["voIpProt.SIP.alertInfo.1.value"], "xivo-autoanswer", "{plugin}");
        assert_eq!(common["voIpProt.SIP.alertInfo.1.class"], "autoAnswer");
        // Nothing else is shared: the phones' files are all generated.
        assert_eq!(files.len(), 2, "{plugin}: {:?}", files.iter().map(|f| &f.key).collect::<Vec<_>>());
    }
}

#[test]
fn published_and_served_from_the_store() {
    let f = Fixture::new();
    let devices = f.devices("full");
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
    let served = |key: &str| {
        let route = s.route(&r, key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
        String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap()
    };
    for (plugin, _) in PLUGINS {
        assert!(served(&format!("{plugin}/000000000000.cfg")).contains("<APPLICATION "));
        assert!(served(&format!("{plugin}/common.cfg")).contains("xivo-autoanswer"));
    }
    for d in &devices {
        let key = format!("{}/{}-user.cfg", d.plugin.as_deref().unwrap(), d.mac.unwrap().lower_hex());
        assert!(served(&key).contains("reg.1.address=\"alice\""), "{key}");
    }
}
