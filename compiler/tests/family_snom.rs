//! The Snom family through the real renderer and store: the bundled Snom
//! plugins installed by a fresh data directory, one device per model per
//! plugin, every XML output parsed, the key settings read back; the common
//! files (static and rendered), also against Python's Jinja2.

mod common;

use std::collections::HashMap;

use provd_compiler::compile::{self, Options, Scope};
use provd_compiler::render::{DeviceRender, Renderer};
use provd_core::{Config, Device, Mac, Plugin};
use provd_store::data::DataDir;
use serde_json::{Value, json};

const DESK_8: &str = "wazo-snom-8.7.5.35";
const DESK_10: &str = "wazo-snom-10.1.54.13";
const DECT: &str = "wazo-snom-dect-05.20.0001";
const PLUGINS: [&str; 3] = [DESK_8, DESK_10, DECT];
/// The parents of a user's device config in Wazo.
const USER: &[&str] = &["base", "defaultconfigdevice"];

/// What a Wazo install gives a user's phone: two lines, the first with a
/// failover proxy, speed dial, BLF and park keys, everything else set.
fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1", "sip_proxy_port": 5060, "sip_backup_proxy_ip": "10.0.0.2",
        "sip_registrar_ip": "10.0.0.1",
        "sip_lines": {
            "1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cr&t<>", "display_name": "Alice & Bob",
                  "number": "1001", "dtmf_mode": "SIP-INFO", "voicemail": "*98"},
            "2": {"username": "bob", "password": "p2", "display_name": "Bob", "number": "1002",
                  "proxy_ip": "10.0.0.3", "proxy_port": 5070, "backup_proxy_ip": null}
        },
        "funckeys": {
            "1": {"type": "speeddial", "value": "1003", "label": "Carol"},
            "2": {"type": "blf", "value": "1004", "label": "Dan \"D\""},
            "3": {"type": "park", "value": "701", "label": "Park"}
        },
        "exten_pickup_call": "*8", "exten_voicemail": "*97", "exten_park": "700",
        "timezone": "Europe/Paris", "locale": "fr_FR",
        "vlan_enabled": true, "vlan_id": 100, "vlan_priority": 5, "vlan_pc_port_id": 200,
        "syslog_enabled": true, "syslog_ip": "10.0.0.9", "syslog_level": "debug",
        "dns_enabled": true, "dns_ip": "10.0.0.53", "sip_transport": "tcp",
        "admin_username": "admin", "admin_password": "adm<in>", "user_username": "u", "user_password": "up",
        "X_xivo_user_uuid": "3f2c", "X_xivo_phonebook_ip": "10.0.0.7"
    })
}

struct Fixture {
    _dir: tempfile::TempDir,
    data: DataDir,
    renderer: Renderer,
    plugins: Vec<Plugin>,
}

impl Fixture {
    /// A fresh data directory with the configs `c<i>` (children of
    /// `parents`) and a device per model per Snom plugin for each.
    fn new(parents: &[&str], configs: &[Value]) -> (Fixture, Vec<Device>) {
        let dir = tempfile::tempdir().unwrap();
        let (data, _) = DataDir::open(dir.path()).unwrap();
        let (plugins, failed) = provd_families::plugins::scan(&data.plugins_dir()).unwrap();
        assert!(failed.is_empty(), "{failed:?}");
        let plugins: Vec<Plugin> = plugins.into_iter().filter(|p| PLUGINS.contains(&p.id.as_str())).collect();
        assert_eq!(plugins.len(), 3, "the Snom plugins are bundled");
        let store = data.store();
        let mut w = store.write_txn().unwrap();
        let mut devices = Vec::new();
        for (ci, raw) in configs.iter().enumerate() {
            let config = Config {
                id: format!("c{ci}"),
                parent_ids: parents.iter().map(|p| p.to_string()).collect(),
                raw_config: raw.as_object().unwrap().clone(),
                ..Default::default()
            };
            store.put_config(&mut w, &config).unwrap();
            for p in &plugins {
                for model in p.info.models.keys() {
                    let n = devices.len();
                    let d = Device {
                        id: format!("d{n}"),
                        mac: Some(Mac([0x00, 0x04, 0x13, 0xab, (n >> 8) as u8, n as u8])),
                        vendor: Some("Snom".into()),
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
        let (renderer, warnings) = compile::renderer(&data, &Scope::All).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        (Fixture { _dir: dir, data, renderer, plugins }, devices)
    }

    /// The device's files by path (relative to its plugin), as text.
    fn render(&self, d: &Device) -> HashMap<String, String> {
        let DeviceRender::Configured { plugin, files } = self.renderer.render_device(d) else {
            panic!("{} ({:?}) did not render: {:?}", d.id, d.model, self.renderer.render_device(d))
        };
        files
            .into_iter()
            .map(|f| {
                let path = f.key.strip_prefix(&format!("{plugin}/")).unwrap().to_owned();
                (path, String::from_utf8(f.bytes).unwrap())
            })
            .collect()
    }
}

fn parse<'a>(what: &str, text: &'a str) -> roxmltree::Document<'a> {
    roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{what} is not XML: {e}\n{text}"))
}

/// The text of `<name idx="idx">` (or without idx) under `<phone-settings>`.
fn setting<'a>(doc: &'a roxmltree::Document, name: &str, idx: Option<&str>) -> Option<&'a str> {
    doc.descendants().find(|n| n.has_tag_name(name) && n.attribute("idx") == idx).map(|n| n.text().unwrap_or(""))
}

fn fkeys<'a>(doc: &'a roxmltree::Document) -> Vec<(&'a str, &'a str, &'a str)> {
    doc.descendants()
        .filter(|n| n.has_tag_name("fkey"))
        .map(|n| (n.attribute("idx").unwrap(), n.attribute("label").unwrap_or(""), n.text().unwrap_or("")))
        .collect()
}

fn mac_hex(d: &Device) -> String {
    d.mac.unwrap().upper_hex()
}

#[test]
fn every_model_of_every_plugin_renders_its_settings() {
    let (f, devices) = Fixture::new(USER, &[full_config()]);
    assert_eq!(devices.len(), 14 + 15 + 3);
    for d in &devices {
        let model = d.model.as_deref().unwrap();
        let plugin = d.plugin.as_deref().unwrap();
        let what = format!("{plugin} {model}");
        let files = f.render(d);
        let mac = mac_hex(d);
        let mut names: Vec<&str> = files.keys().map(String::as_str).collect();
        names.sort();
        let htm_name = format!("snom{model}-{mac}.htm");
        assert_eq!(names, [format!("{mac}.xml").as_str(), htm_name.as_str()], "{what}");

        let htm = parse(&what, &files[&htm_name]);
        let urls: Vec<&str> = htm.descendants().filter_map(|n| n.attribute("url")).collect();
        assert_eq!(urls, [format!("http://127.0.0.1:8667/{mac}.xml")], "{what}");

        let text = &files[&format!("{mac}.xml")];
        let doc = parse(&what, text);
        assert_eq!(doc.root_element().tag_name().name(), "settings", "{what}");
        let s = |name, idx| setting(&doc, name, idx);
        // Line 1, its credentials escaped and read back intact.
        assert_eq!(s("user_active", Some("1")), Some("on"), "{what}");
        assert_eq!(s("user_name", Some("1")), Some("alice"), "{what}");
        assert_eq!(s("user_pname", Some("1")), Some("alice-auth"), "{what}");
        assert_eq!(s("user_pass", Some("1")), Some("s3cr&t<>"), "{what}");
        assert_eq!(s("user_realname", Some("1")), Some("Alice & Bob"), "{what}");
        assert_eq!(s("user_mailbox", Some("1")), Some("*98"), "{what}");
        assert_eq!(s("user_dtmf_info", Some("1")), Some("sip_info_only"), "{what}");
        assert_eq!(s("user_name", Some("2")), Some("bob"), "{what}");
        assert_eq!(s("user_mailbox", Some("2")), Some("*97"), "global voicemail: {what}");
        assert_eq!(s("http_pass", None), Some("adm<in>"), "{what}");
        assert_eq!(s("admin_mode_password", None), Some("adm<in>"), "{what}");
        assert_eq!(s("ntp_server", None), Some("127.0.0.1"), "{what}");
        assert_eq!(s("vlan_id", None), Some("100"), "{what}");
        assert_eq!(s("vlan_qos", None), Some("5"), "{what}");
        assert_eq!(s("tone_scheme", None), Some("FRA"), "{what}");

        if plugin == DECT {
            // Accounts point into the server table; handsets register with
            // the account number on four digits.
            assert_eq!(s("language", None), Some("Francais"), "{what}");
            assert_eq!(s("user_host", Some("1")), Some("10.0.0.1"), "server 1: {what}");
            assert_eq!(s("user_outbound", Some("1")), Some("10.0.0.1:5060;transport=tcp"), "{what}");
            assert_eq!(s("user_host", Some("2")), Some("10.0.0.3"), "server 2: {what}");
            assert_eq!(s("user_outbound", Some("2")), Some("10.0.0.3:5070;transport=tcp"), "{what}");
            assert_eq!(s("srv_sip_transport", Some("1")), Some("tcp"), "{what}");
            assert_eq!(s("subscr_sip_ua_data_server_id", Some("1")), Some("1"), "{what}");
            assert_eq!(s("subscr_sip_ua_data_server_id", Some("2")), Some("2"), "{what}");
            assert_eq!(s("subscr_dect_ac_code", Some("2")), Some("0002"), "{what}");
            assert_eq!(s("subscr_sip_hs_idx", Some("2")), Some("2"), "{what}");
            assert_eq!(
                s("phonebook_location", None),
                Some("http://10.0.0.7:9498/0.1/directories/input/default/snom?xivo_user_uuid=3f2c"),
                "{what}"
            );
            assert!(fkeys(&doc).is_empty(), "{what}");
            continue;
        }

        // Desk phones: registrar and proxy per identity, failover identity.
        let language = if plugin == DESK_8 { "Francais" } else { "Français" };
        assert_eq!(s("language", None), Some(language), "{what}");
        assert_eq!(s("timezone", None), Some("FRA+1"), "{what}");
        assert_eq!(s("setting_server", None), Some("http://127.0.0.1:8667/"), "{what}");
        assert_eq!(s("user_host", Some("1")), Some("10.0.0.1"), "{what}");
        assert_eq!(s("user_outbound", Some("1")), Some("10.0.0.1:5060;transport=tcp"), "{what}");
        assert_eq!(s("user_host", Some("2")), Some("10.0.0.3"), "{what}");
        assert_eq!(s("user_outbound", Some("2")), Some("10.0.0.3:5070;transport=tcp"), "{what}");
        assert_eq!(s("syslog_server", None), Some("10.0.0.9"), "{what}");
        assert_eq!(s("log_level", None), Some("9"), "{what}");
        assert_eq!(s("dns_server1", None), Some("10.0.0.53"), "{what}");
        assert_eq!(s("call_waiting", None), Some("on"), "{what}");
        let identities = f.plugins.iter().find(|p| p.id == plugin).unwrap().model(model).unwrap().get_u64("lines");
        if identities >= Some(4) {
            assert_eq!(s("user_failover_identity", Some("1")), Some("3"), "{what}");
            assert_eq!(s("user_host", Some("3")), Some("10.0.0.2"), "{what}");
            assert_eq!(s("user_name", Some("3")), Some("alice"), "{what}");
            assert_eq!(s("user_outbound", Some("3")), Some("10.0.0.2:5060;transport=tcp"), "{what}");
            assert_eq!(s("hide_identity", Some("3")), Some("true"), "{what}");
            // Line 2's null backup counts as unset: the global one applies.
            assert_eq!(s("user_failover_identity", Some("2")), Some("4"), "{what}");
            assert_eq!(s("user_name", Some("4")), Some("bob"), "{what}");
            let blocked = " Identity03IsNotRegistered Identity04IsNotRegistered";
            assert_eq!(s("status_msgs_that_are_blocked", None), Some(blocked), "{what}");
        } else {
            assert_eq!(s("user_failover_identity", Some("1")), None, "no identity left: {what}");
            assert_eq!(s("status_msgs_that_are_blocked", None), Some(""), "{what}");
        }
        let no_keys = ["D120", "MP", "PA1"].contains(&model);
        let directory = s("dkey_directory", None);
        if ["MP", "PA1"].contains(&model) {
            assert_eq!(directory, None, "{what}");
        } else {
            assert_eq!(
                directory,
                Some("url http://10.0.0.7:9498/0.1/directories/input/default/snom?xivo_user_uuid=3f2c"),
                "{what}"
            );
        }
        let keys = fkeys(&doc);
        if no_keys {
            assert!(keys.is_empty(), "{what}");
            continue;
        }
        let orbit =
            f.plugins.iter().find(|p| p.id == plugin).unwrap().model(model).unwrap().extra.contains_key("park_orbit");
        let park = if orbit { "orbit 701" } else { "speed 701" };
        assert_eq!(
            keys,
            [("0", "Carol", "speed 1003"), ("1", "Dan \"D\"", "blf 1004|*8"), ("2", "Park", park)],
            "{what}"
        );
    }
}

#[test]
fn autoprov_phones_render_too() {
    // Only the well-known configs, over TLS, with an unknown locale.
    let (f, devices) =
        Fixture::new(&["autoprov"], &[json!({"sip_transport": "tls", "locale": "ja_JP", "timezone": "Asia/Tokyo"})]);
    for d in &devices {
        let what = format!("{} {}", d.plugin.as_deref().unwrap(), d.model.as_deref().unwrap());
        let files = f.render(d);
        let text = &files[&format!("{}.xml", mac_hex(d))];
        let doc = parse(&what, text);
        let s = |name, idx| setting(&doc, name, idx);
        assert_eq!(s("user_realname", Some("1")), Some("Autoprov"), "{what}");
        assert_eq!(s("user_pass", Some("1")), Some("autoprov"), "{what}");
        assert!(s("user_name", Some("1")).unwrap().starts_with("ap"), "{what}");
        assert_eq!(s("language", None), None, "{what}");
        assert_eq!(s("timezone", None), None, "{what}");
        if d.plugin.as_deref() == Some(DECT) {
            assert_eq!(s("user_outbound", Some("1")), Some("127.0.0.1:5060;transport=tls"), "{what}");
            assert_eq!(s("srv_sip_transport", Some("1")), Some("tls"), "{what}");
            assert_eq!(s("user_srtp", Some("1")), Some("off"), "{what}");
        } else {
            assert_eq!(s("user_host", Some("1")), Some("127.0.0.1"), "{what}");
            assert_eq!(s("user_outbound", Some("1")), Some("127.0.0.1:5060;transport=tls"), "{what}");
            // The autoprov line has nothing to protect yet.
            assert_eq!(s("user_srtp", Some("1")), Some("off"), "{what}");
            assert!(fkeys(&doc).is_empty(), "{what}");
        }
    }
}

#[test]
fn common_files_per_plugin() {
    let (f, _) = Fixture::new(&[], &[]);
    for p in &f.plugins {
        let files: HashMap<String, String> = f
            .renderer
            .plugin_files(&p.id)
            .unwrap()
            .into_iter()
            .map(|r| {
                (r.key.strip_prefix(&format!("{}/", p.id)).unwrap().to_owned(), String::from_utf8(r.bytes).unwrap())
            })
            .collect();
        for (name, text) in &files {
            parse(&format!("{} {name}", p.id), text);
        }
        let dect = p.id == DECT;
        let mut expected: Vec<String> = vec!["snom-general.xml".into()];
        if !dect {
            expected.extend(["gui_lang.xml".into(), "web_lang.xml".into()]);
        }
        for model in p.info.models.keys() {
            expected.extend([
                format!("snom{model}.htm"),
                format!("snom{model}.xml"),
                format!("snom{model}-firmware.xml"),
            ]);
        }
        let mut got: Vec<&String> = files.keys().collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected.iter().collect::<Vec<_>>(), "{}", p.id);

        for (model, info) in &p.info.models {
            let what = format!("{} {model}", p.id);
            let htm = parse(&what, &files[&format!("snom{model}.htm")]);
            let urls: Vec<&str> = htm.descendants().filter_map(|n| n.attribute("url")).collect();
            let base = "http://127.0.0.1:8667";
            let mut want = vec![format!("{base}/snom-general.xml"), format!("{base}/snom{model}.xml")];
            if !dect {
                want.extend([format!("{base}/gui_lang.xml"), format!("{base}/web_lang.xml")]);
            }
            assert_eq!(urls, want, "{what}");
            let xml = parse(&what, &files[&format!("snom{model}.xml")]);
            let status = xml
                .descendants()
                .find(|n| n.has_tag_name("firmware_status") || n.has_tag_name("firmware-status"))
                .and_then(|n| n.text());
            assert_eq!(status, Some(format!("{base}/snom{model}-firmware.xml").as_str()), "{what}");
            let fw = parse(&what, &files[&format!("snom{model}-firmware.xml")]);
            let firmware = fw.descendants().find(|n| n.has_tag_name("firmware")).and_then(|n| n.text());
            if dect {
                assert_eq!(firmware, Some(base), "{what}");
                let release = fw.descendants().find(|n| n.has_tag_name("fp_fwu_sw_version")).and_then(|n| n.text());
                assert_eq!(release, Some("520"), "{what}");
            } else {
                let image = info.get_str("firmware").unwrap();
                assert!(image.starts_with(&format!("snom{model}-{}-SIP-", info.version.as_deref().unwrap())), "{what}");
                assert_eq!(firmware, Some(format!("{base}/firmware/{image}?mac={{mac}}").as_str()), "{what}");
            }
        }

        let general = parse(&p.id, &files["snom-general.xml"]);
        let off = general.descendants().filter(|n| n.has_tag_name("user_active") && n.text() == Some("off")).count();
        if dect {
            assert_eq!(off, 1000, "every account of the largest base is reset");
            assert_eq!(setting(&general, "ac_code", None), Some("0000"));
        } else {
            assert_eq!(off, 12);
            assert_eq!(fkeys(&general).len(), 138);
            let langs = parse(&p.id, &files["gui_lang.xml"]);
            let names: Vec<&str> = langs.descendants().filter_map(|n| n.attribute("name")).collect();
            // Every language the plugin's locales name is offered.
            for pair in p.info.extra["locales"].as_object().unwrap().values() {
                assert!(names.contains(&pair[0].as_str().unwrap()), "{}: {pair}", p.id);
            }
        }
    }
}

/// The common files are not in plugin_parity.rs (device files only):
/// render them with Python's Jinja2 from the contexts the family gives.
#[test]
fn common_files_render_identically_in_jinja2() {
    let (f, _) = Fixture::new(&[], &[]);
    let base = f.renderer.configs().base_raw_config().clone();
    let mut jobs = Vec::new();
    let mut ours = Vec::new();
    for p in &f.plugins {
        let rendered: HashMap<String, Vec<u8>> = f
            .renderer
            .plugin_files(&p.id)
            .unwrap()
            .into_iter()
            .map(|r| (r.key.strip_prefix(&format!("{}/", p.id)).unwrap().to_owned(), r.bytes))
            .collect();
        for c in p.family.common_files(p, &base).unwrap() {
            jobs.push(json!({"plugin_dir": p.dir, "template": c.template, "ctx": c.context}));
            ours.push((format!("{} {}", p.id, c.path), String::from_utf8(rendered[&c.path].clone()).unwrap()));
        }
    }
    let theirs: Vec<String> = serde_json::from_value(common::python("plugin_parity.py", &Value::Array(jobs))).unwrap();
    assert_eq!(theirs.len(), ours.len());
    for ((what, mine), jinja) in ours.iter().zip(&theirs) {
        assert_eq!(mine, jinja, "{what}");
    }
}

/// Through a real compile: the generation serves the device files and the
/// plugin's shared files at their routes.
#[test]
fn compiled_generation_serves_snom_files() {
    let (f, devices) = Fixture::new(USER, &[full_config()]);
    let report = compile::compile(&f.data, &f.renderer, &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let store = f.data.store();
    let r = store.read_txn().unwrap();
    let served = |key: &str| {
        let route = store.route(&r, key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
        String::from_utf8(store.content(&r, &route).unwrap().to_vec()).unwrap()
    };
    let d785 = devices.iter().find(|d| d.model.as_deref() == Some("D785")).unwrap();
    let mac = mac_hex(d785);
    assert!(served(&format!("{DESK_10}/{mac}.xml")).contains("<user_name idx=\"1\" perm=\"R\">alice</user_name>"));
    assert!(served(&format!("{DESK_10}/snomD785-{mac}.htm")).contains(&format!("/{mac}.xml\"")));
    assert!(served(&format!("{DESK_10}/snomD785.htm")).contains("/snom-general.xml"));
    assert!(served(&format!("{DESK_10}/snom-general.xml")).contains("<fkey idx=\"137\""));
    assert!(served(&format!("{DECT}/snom-general.xml")).contains("<user_active idx=\"1000\">off</user_active>"));
    assert!(served(&format!("{DESK_8}/snomPA1-firmware.xml")).contains("snomPA1-8.7.5.35-SIP-f.bin?mac={mac}"));
}
