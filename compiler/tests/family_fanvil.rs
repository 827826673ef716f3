//! The two bundled Fanvil plugins through the real renderer: every model
//! rendered from a full configuration, its `Fanvil/<mac>.cfg` parsed as
//! XML in its generation's format (VOIP_CONFIG_FILE or sysConf) and the
//! key settings checked; the per-model common files rendered from the base
//! raw config; the whole set published and served from the store.

mod common;

use common::{rendered, text};

use provd_compiler::compile::{self, Options};
use provd_compiler::render::Renderer;
use provd_core::{Device, Mac};
use serde_json::{Value, json};

const X: &str = "wazo-fanvil-serie-x";
const V: &str = "wazo-fanvil-serie-v";
/// The X phones that take the sysConf format.
const NEW_X: [&str; 14] = [
    "X210",
    "X210i",
    "X210-Pro",
    "X210i-Pro",
    "X4U",
    "X4U-Pro",
    "X5U",
    "X5U-Pro",
    "X6U",
    "X6U-Pro",
    "X7",
    "X7-Pro",
    "X7C",
    "X7C-Pro",
];

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1",
        "sip_backup_proxy_ip": "10.0.0.2",
        "sip_transport": "tcp",
        "sip_dtmf_mode": "RTP-out-of-band",
        "exten_voicemail": "*98",
        "exten_pickup_call": "**",
        "timezone": "America/Montreal",
        "locale": "fr_FR",
        "ntp_enabled": true, "ntp_ip": "10.0.0.4",
        "vlan_enabled": true, "vlan_id": 20, "vlan_priority": 5,
        "syslog_enabled": true, "syslog_ip": "10.0.0.6", "syslog_port": 514, "syslog_level": "info",
        "admin_password": "4dm1n",
        "config_version": 1,
        "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "u-1",
        "sip_lines": {
            "1": {"username": "alice", "password": "s3cr&t", "display_name": "Alice & Co", "number": "1001"},
            "2": {"username": "bob", "password": "p2", "display_name": "Bob", "number": "1002", "proxy_ip": "10.0.0.9",
                  "proxy_port": 5080, "dtmf_mode": "SIP-INFO"}
        },
        "funckeys": {
            "1": {"type": "blf", "value": "1003", "label": "Carol <3", "line": "1"},
            "7": {"type": "speeddial", "value": "0123456789", "label": "Out", "line": "1"},
            "8": {"type": "park", "value": "701", "label": "Park", "line": "1"}
        }
    })
}

struct Fixture {
    f: common::Fixture,
    renderer: Renderer,
}

impl Fixture {
    fn new() -> Fixture {
        let f = common::Fixture::new();
        f.config("full", full_config());
        let renderer = f.renderer();
        Fixture { f, renderer }
    }

    /// Every model of both plugins, as devices.
    fn devices(&self, config: &str) -> Vec<Device> {
        let mut out = Vec::new();
        for plugin in [X, V] {
            let lp = self.renderer.plugins().find(|p| p.plugin.id == plugin).expect("bundled");
            for model in lp.plugin.info.models.keys() {
                let n = out.len() as u8;
                out.push(Device {
                    id: format!("d{n}"),
                    mac: Some(Mac([0x0c, 0x38, 0x3e, 0, 0, n])),
                    vendor: Some("Fanvil".into()),
                    model: Some(model.clone()),
                    plugin: Some(plugin.into()),
                    config: Some(config.into()),
                    ..Default::default()
                });
            }
        }
        out
    }
}

/// The text of the first element `path` names (`a/b/c`), below `node`.
fn child_text<'a>(node: roxmltree::Node<'a, 'a>, path: &str) -> Option<&'a str> {
    let mut at = node;
    for name in path.split('/') {
        at = at.children().find(|n| n.has_tag_name(name))?;
    }
    Some(at.text().unwrap_or(""))
}

#[test]
fn every_model_renders_its_generation() {
    let fx = Fixture::new();
    let devices = fx.devices("full");
    assert_eq!(devices.len(), 27);
    for d in &devices {
        let model = d.model.as_deref().unwrap();
        let plugin = d.plugin.as_deref().unwrap();
        let mac = d.mac.unwrap().lower_hex();
        let files = rendered(&fx.renderer, d);
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, [format!("{plugin}/Fanvil/{mac}.cfg")]);
        let cfg = text(&files[0]);
        let doc = roxmltree::Document::parse(&cfg).unwrap_or_else(|e| panic!("{model}: {e}\n{cfg}"));
        let root = doc.root_element();
        if plugin == X && !NEW_X.contains(&model) {
            legacy(model, root);
        } else {
            sysconf(model, plugin, root);
        }
    }
}

/// VOIP_CONFIG_FILE, the first X phones.
fn legacy(model: &str, root: roxmltree::Node) {
    assert_eq!(root.tag_name().name(), "VOIP_CONFIG_FILE", "{model}");
    let global = root.children().find(|n| n.has_tag_name("GLOBAL_CONFIG_MODULE")).unwrap();
    assert_eq!(child_text(global, "SNTP_Server"), Some("10.0.0.4"));
    assert_eq!(child_text(global, "Language"), Some("4"), "{model}: the plugin's number for French");
    assert_eq!(child_text(global, "Time_Zone"), Some("-20"));
    assert_eq!(child_text(global, "Time_Zone_Name"), Some("UTC-05"));
    assert_eq!(child_text(global, "DST_Start_Mon"), Some("3"));
    assert_eq!(child_text(global, "DST_End_Week"), Some("1"));
    let entries: Vec<_> = root.descendants().filter(|n| n.has_tag_name("SIP_Line_List_Entry")).collect();
    assert_eq!(entries.len(), 2);
    let field = |i: usize, name: &str| child_text(entries[i], name);
    assert_eq!(field(0, "ID"), Some("SIP1"));
    assert_eq!(field(0, "Register_User"), Some("alice"));
    assert_eq!(field(0, "Register_Pswd"), Some("s3cr&t"));
    assert_eq!(field(0, "Display_Name"), Some("Alice & Co"));
    assert_eq!(field(0, "Proxy_Addr"), Some("10.0.0.1"));
    assert_eq!(field(0, "Backup_Addr"), Some("10.0.0.2"));
    assert_eq!(field(0, "Transport"), Some("1"));
    assert_eq!(field(0, "DTMF_Mode"), Some("1"));
    assert_eq!(field(0, "MWI_Num"), Some("*98"));
    assert_eq!((field(1, "Proxy_Addr"), field(1, "Proxy_Port")), (Some("10.0.0.9"), Some("5080")));
    assert_eq!(field(1, "DTMF_Mode"), Some("2"));
    assert_eq!(child_text(root, "QOS_CONFIG_MODULE/VLAN_ID"), Some("20"));
    assert_eq!(child_text(root, "AAA_CONFIG_MODULE/Syslog_address"), Some("10.0.0.6"));
    assert_eq!(child_text(root, "PHONE_CONFIG_MODULE/Menu_Password"), Some("4dm1n"));
    // Function keys 1 to 8, unset ones empty.
    let keys: Vec<(&str, &str, &str, &str)> = root
        .descendants()
        .filter(|n| n.has_tag_name("Function_Key_Entry"))
        .map(|k| {
            let t = |name| child_text(k, name).unwrap();
            (t("ID"), t("Type"), t("Value"), t("Title"))
        })
        .collect();
    assert_eq!(keys.len(), 8, "{model}");
    assert_eq!(keys[0], ("Fkey1", "1", "1003@1/ba**1003", "Carol 3"));
    assert_eq!(keys[1], ("Fkey2", "0", "", ""));
    assert_eq!(keys[6], ("Fkey7", "1", "0123456789@1/f", "Out"));
    assert_eq!(keys[7], ("Fkey8", "2", "701@1/c", "Park"));
    assert_eq!(
        child_text(root, "PHONE_CONFIG_MODULE/Soft_Dss_Key/Soft_Dss_Key_Entry/Value"),
        Some("http://10.0.0.3:9498/0.1/directories/lookup/default/fanvil?xivo_user_uuid=u-1&term=")
    );
    // No device firmware for these: their common file names it.
    assert!(root.children().all(|n| !n.has_tag_name("AUTOUPDATE_CONFIG_MODULE")));
}

/// sysConf: the new X phones and the V series.
fn sysconf(model: &str, plugin: &str, root: roxmltree::Node) {
    assert_eq!(root.tag_name().name(), "sysConf", "{model}");
    let language = if plugin == V { "5" } else { "fr" };
    assert_eq!(child_text(root, "phone/display/DefaultLanguage"), Some(language), "{model}");
    assert_eq!(child_text(root, "phone/display/LCDTitle"), Some("Alice & Co"));
    assert_eq!(child_text(root, "phone/MenuPassword"), Some("4dm1n"));
    assert_eq!(child_text(root, "phone/date/TimeZone"), Some("-20"));
    assert_eq!(child_text(root, "phone/date/DSTStartWeek"), Some("2"));
    assert_eq!(child_text(root, "phone/date/DSTEndMon"), Some("11"));
    assert_eq!(child_text(root, "ap/FlashServerIP"), Some("http://127.0.0.1:8667"));
    assert_eq!(child_text(root, "qos/VLANID"), Some("20"));
    assert_eq!(child_text(root, "log/SyslogServer"), Some("10.0.0.6"));
    assert_eq!(child_text(root, "cti/DNDOnUrl"), Some("http://10.0.0.3:9498/0.1/fanvil/users/u-1/services/dnd/enable"));
    let lines: Vec<_> = root.descendants().filter(|n| n.has_tag_name("line")).collect();
    assert_eq!(lines.iter().map(|l| l.attribute("index").unwrap()).collect::<Vec<_>>(), ["1", "2"]);
    assert_eq!(child_text(lines[0], "RegisterUser"), Some("alice"));
    assert_eq!(child_text(lines[0], "RegisterPswd"), Some("s3cr&t"));
    assert_eq!(child_text(lines[0], "DisplayName"), Some("Alice & Co"));
    assert_eq!(child_text(lines[0], "ProxyAddr"), Some("10.0.0.1"));
    assert_eq!(child_text(lines[0], "BackupAddr"), Some("10.0.0.2"));
    assert_eq!(child_text(lines[0], "Transport"), Some("1"));
    assert_eq!(child_text(lines[1], "ProxyPort"), Some("5080"));
    assert_eq!(child_text(lines[1], "DTMFMode"), Some("2"));
    let dss = root.children().find(|n| n.has_tag_name("dsskey")).unwrap();
    assert_eq!(child_text(dss, "dssSoft/Type"), Some("21"));
    // Every key as (container, its index, key index, type, value).
    let keys: Vec<(String, String, String, String, String)> = dss
        .descendants()
        .filter(|n| n.has_tag_name("Fkey"))
        .map(|k| {
            let parent = k.parent().unwrap();
            (
                parent.tag_name().name().to_owned(),
                parent.attribute("index").unwrap().to_owned(),
                k.attribute("index").unwrap().to_owned(),
                child_text(k, "Type").unwrap().to_owned(),
                child_text(k, "Value").unwrap().to_owned(),
            )
        })
        .collect();
    let key = |c: &str, page: &str, index: &str, t: &str, v: &str| {
        (c.to_owned(), page.to_owned(), index.to_owned(), t.to_owned(), v.to_owned())
    };
    let firmware = |fw: &str| format!("http://127.0.0.1:8667/Fanvil/firmware/{fw}");
    match model {
        // 3 line keys, written up to the highest one set (key 1, which
        // line 1 takes), then 6 internal keys a page.
        "X4U" => {
            assert_eq!(
                keys,
                [
                    key("dssSide", "1", "1", "2", "SIP1"),
                    key("internal", "1", "1", "0", ""),
                    key("internal", "1", "2", "0", ""),
                    key("internal", "1", "3", "0", ""),
                    key("internal", "1", "4", "1", "0123456789@1/f"),
                    key("internal", "1", "5", "2", "701@1/c"),
                ]
            );
            assert_eq!(child_text(dss, "FuncKeyPageNum"), Some("1"));
        }
        // V64: lines on the first side, then 8 keys a side.
        "V64" => {
            assert_eq!(keys[..2], [key("dssSide", "1", "1", "2", "SIP1"), key("dssSide", "1", "2", "2", "SIP2")]);
            assert_eq!(keys[2], key("dssSide", "2", "1", "1", "1003@1/ba**1003"));
            assert_eq!(keys[9], key("dssSide", "2", "8", "2", "701@1/c"));
            assert_eq!(keys.len(), 10);
            assert_eq!(child_text(root, "fwCheck/UpgradeServer1"), Some("http://127.0.0.1:8667/Fanvil"));
        }
        "X7C" => {
            assert_eq!(
                child_text(root, "AUTOUPDATE_CONFIG_MODULE/Auto_Image_URL").map(str::to_owned),
                Some(firmware("x7cpro-fanvil-release-6958-2.12.16.17-krnvlT2023-05-05-17.48.40.z"))
            );
        }
        _ => {}
    }
}

#[test]
fn common_files_from_the_base_config() {
    let fx = Fixture::new();
    let files = fx.renderer.plugin_files(V).unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
    assert!(names.contains(&"wazo-fanvil-serie-v/Fanvil/F0V0V6700000.cfg"), "{names:?}");
    let note = files.iter().find(|f| f.key.ends_with("/fanvil_v67_hw1_1.txt")).unwrap();
    assert_eq!(
        text(note),
        "Version=2.6.6.201\nFirmware=http://127.0.0.1:8667/Fanvil/firmware/v67_fanvil_2.6.6.201_20230202_full.zip\n\
         Info=TXT|XML\nV67_2.6.6.201\nFanvil"
    );
    let cfg = files.iter().find(|f| f.key.ends_with("/F0V0V6200000.cfg")).unwrap();
    let cfg = text(cfg);
    let doc = roxmltree::Document::parse(&cfg).unwrap();
    assert_eq!(child_text(doc.root_element(), "fwCheck/UpgradeServer1"), Some("http://127.0.0.1:8667/Fanvil"));

    let files = fx.renderer.plugin_files(X).unwrap();
    let x6 = files.iter().find(|f| f.key.ends_with("/Fanvil/F0V00X600000.cfg")).unwrap();
    let x6 = text(x6);
    let doc = roxmltree::Document::parse(&x6).unwrap();
    let update = doc.root_element().children().find(|n| n.has_tag_name("AUTOUPDATE_CONFIG_MODULE")).unwrap();
    assert_eq!(child_text(update, "Config_File_Name"), Some("Fanvil/$mac.cfg"));
    assert_eq!(
        child_text(update, "Auto_Image_URL"),
        Some("http://127.0.0.1:8667/Fanvil/firmware/x6-6904-P0.16.5-1.12.2-3144T2019-07-29-15.09.59.z")
    );
    assert_eq!(files.iter().filter(|f| f.key.ends_with(".cfg")).count(), 9);
}

#[test]
fn autoprov_devices_render_too() {
    let fx = Fixture::new();
    for d in fx.devices("autoprov") {
        let cfg = text(&rendered(&fx.renderer, &d)[0]);
        let doc = roxmltree::Document::parse(&cfg).unwrap_or_else(|e| panic!("{:?}: {e}\n{cfg}", d.model));
        // The provisioning account registers without its password.
        let password = doc.descendants().find(|n| n.has_tag_name("Register_Pswd") || n.has_tag_name("RegisterPswd"));
        assert_eq!(password.and_then(|p| p.text()), None, "{:?}", d.model);
    }
}

#[test]
fn published_and_served_from_the_store() {
    let fx = Fixture::new();
    let devices = fx.devices("full");
    let s = fx.f.data.store();
    let mut w = s.write_txn().unwrap();
    for d in &devices {
        s.put_device(&mut w, d).unwrap();
    }
    w.commit().unwrap();
    let report = compile::compile(&fx.f.data, &fx.renderer, &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let r = s.read_txn().unwrap();
    for d in &devices {
        let key = format!("{}/Fanvil/{}.cfg", d.plugin.as_deref().unwrap(), d.mac.unwrap().lower_hex());
        let route = s.route(&r, &key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
        let body = String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap();
        assert!(body.contains("s3cr&amp;t"), "{key}");
    }
    for key in [format!("{X}/Fanvil/f0X4hw1.100.cfg"), format!("{V}/Fanvil/fanvil_v62_hwv1_0.txt")] {
        assert!(s.route(&r, &key).unwrap().is_some(), "{key} is not served");
    }
}
