//! The bundled Digium plugin through the real renderer: every model
//! rendered from a full configuration, both files (configuration and
//! contacts) parsed as XML and their key settings checked; the whole set
//! published and served from the store.

use provd_compiler::compile::{self, Options, Scope};
use provd_compiler::render::{DeviceRender, RenderedFile, Renderer};
use provd_core::{Config, Device, Mac};
use provd_store::data::DataDir;
use serde_json::{Value, json};

const PLUGIN: &str = "wazo-digium-2.8.1";
const MODELS: [&str; 7] = ["D40", "D45", "D50", "D60", "D62", "D65", "D70"];

struct Fixture {
    _dir: tempfile::TempDir,
    data: DataDir,
}

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1",
        "sip_backup_proxy_ip": "10.0.0.2",
        "sip_transport": "tcp",
        "exten_voicemail": "*98",
        "timezone": "America/Montreal",
        "locale": "fr_CA",
        "ntp_enabled": true, "ntp_ip": "10.0.0.4",
        "vlan_enabled": true, "vlan_id": 20, "vlan_priority": 5,
        "admin_password": "1234",
        "sip_lines": {
            "1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cr&t", "display_name": "Alice & Co",
                  "number": "1001"},
            "2": {"username": "bob", "password": "p2", "display_name": "Bob", "number": "1002", "proxy_ip": "10.0.0.9",
                  "proxy_port": 5080}
        },
        "funckeys": {
            "10": {"type": "blf", "value": "1010", "label": "Dave"},
            "1": {"type": "blf", "value": "1003", "label": "Carol <3"},
            "2": {"type": "speeddial", "value": "0123456789"},
            "3": {"type": "park", "value": "701", "label": "Park"}
        }
    })
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let (data, boot) = DataDir::open(dir.path()).unwrap();
        assert!(boot.plugins_installed.iter().any(|p| p == PLUGIN), "{PLUGIN} is bundled");
        let f = Fixture { _dir: dir, data };
        let c = Config {
            id: "full".into(),
            parent_ids: vec!["base".into(), "defaultconfigdevice".into()],
            raw_config: full_config().as_object().unwrap().clone(),
            ..Default::default()
        };
        let s = f.data.store();
        let mut w = s.write_txn().unwrap();
        s.put_config(&mut w, &c).unwrap();
        w.commit().unwrap();
        f
    }

    fn devices(&self, config: &str) -> Vec<Device> {
        MODELS
            .iter()
            .enumerate()
            .map(|(n, model)| Device {
                id: format!("d{n}"),
                mac: Some(Mac([0x00, 0x0f, 0xd3, 0, 0, n as u8])),
                vendor: Some("Digium".into()),
                model: Some((*model).into()),
                plugin: Some(PLUGIN.into()),
                config: Some(config.into()),
                ..Default::default()
            })
            .collect()
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

fn text(file: &RenderedFile) -> String {
    String::from_utf8(file.bytes.clone()).unwrap()
}

fn setting<'a>(doc: &'a roxmltree::Document<'a>, id: &str) -> Option<&'a str> {
    doc.root_element()
        .children()
        .find(|n| n.has_tag_name("setting") && n.attribute("id") == Some(id))
        .and_then(|n| n.attribute("value"))
}

#[test]
fn every_model_renders_config_and_contacts() {
    let f = Fixture::new();
    let renderer = f.renderer();
    for d in f.devices("full") {
        let model = d.model.as_deref().unwrap();
        let mac = d.mac.unwrap().lower_hex();
        let files = rendered(&renderer, &d);
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, [format!("{PLUGIN}/Digium/{mac}.cfg"), format!("{PLUGIN}/Digium/{mac}-contacts.xml")]);

        let cfg = text(&files[0]);
        let doc = roxmltree::Document::parse(&cfg).unwrap_or_else(|e| panic!("{model}: {e}\n{cfg}"));
        let root = doc.root_element();
        assert_eq!(root.tag_name().name(), "config");
        assert_eq!(setting(&doc, "login_password"), Some("1234"), "{model}");
        assert_eq!(setting(&doc, "time_zone"), Some("America/Montreal"));
        assert_eq!(setting(&doc, "ntp_server"), Some("10.0.0.4"));
        assert_eq!(setting(&doc, "locale"), Some("fr_CA"));
        assert_eq!(setting(&doc, "network_vlan_id"), Some("20"));
        assert_eq!(setting(&doc, "network_vlan_qos"), Some("5"));
        assert_eq!(setting(&doc, "blf_contact_group"), Some("Default"));
        let contacts = root.children().find(|n| n.has_tag_name("contacts")).unwrap();
        assert_eq!(
            contacts.attribute("url"),
            Some(format!("http://127.0.0.1:8667/Digium/{mac}-contacts.xml").as_str())
        );

        // Accounts: user, password, display name, registrar.
        let accounts: Vec<_> = root
            .children()
            .find(|n| n.has_tag_name("accounts"))
            .unwrap()
            .children()
            .filter(|n| n.has_tag_name("account"))
            .collect();
        assert_eq!(accounts.len(), 2);
        let alice = accounts[0];
        assert_eq!(alice.attribute("index"), Some("0"));
        assert_eq!(alice.attribute("username"), Some("alice"));
        assert_eq!(alice.attribute("authname"), Some("alice-auth"));
        assert_eq!(alice.attribute("password"), Some("s3cr&t"));
        assert_eq!(alice.attribute("line_label"), Some("Alice & Co"));
        assert_eq!(alice.attribute("voicemail"), Some("sip:*98@10.0.0.1"));
        let host = |account: roxmltree::Node, tag: &str| -> Option<(String, String, String)> {
            let h = account.children().find(|n| n.has_tag_name(tag))?;
            let a = |k| h.attribute(k).unwrap().to_owned();
            Some((a("server"), a("port"), a("transport")))
        };
        assert_eq!(host(alice, "host_primary").unwrap(), ("10.0.0.1".into(), "5060".into(), "tcp".into()));
        assert_eq!(host(alice, "host_alternate").unwrap(), ("10.0.0.2".into(), "5060".into(), "tcp".into()));
        let bob = accounts[1];
        assert_eq!(bob.attribute("index"), Some("1"));
        assert_eq!(bob.attribute("username"), Some("bob"));
        assert_eq!(bob.attribute("authname"), Some("bob"));
        assert_eq!(host(bob, "host_primary").unwrap(), ("10.0.0.9".into(), "5080".into(), "tcp".into()));
        assert_eq!(host(bob, "host_alternate"), None, "its own proxy, not the global backup");

        // Every model's firmware is offered.
        let firmwares: Vec<(&str, &str, &str)> = root
            .children()
            .find(|n| n.has_tag_name("firmwares"))
            .unwrap()
            .children()
            .filter(|n| n.has_tag_name("firmware"))
            .map(|n| (n.attribute("model").unwrap(), n.attribute("version").unwrap(), n.attribute("url").unwrap()))
            .collect();
        assert_eq!(firmwares.len(), MODELS.len());
        let url = format!("http://127.0.0.1:8667/Digium/firmware/2_8_1_{model}_firmware.eff");
        assert!(firmwares.contains(&(model, "2_8_1", url.as_str())), "{firmwares:?}");

        // Function keys: contacts in key order, BLF ones subscribed.
        let contacts = text(&files[1]);
        let doc = roxmltree::Document::parse(&contacts).unwrap_or_else(|e| panic!("{model}: {e}\n{contacts}"));
        let group = doc.root_element().children().find(|n| n.has_tag_name("contacts")).unwrap();
        assert_eq!(group.attribute("group_name"), Some("Default"));
        let list: Vec<(&str, Option<&str>, &str)> = group
            .children()
            .filter(|n| n.has_tag_name("contact"))
            .map(|c| {
                let number = c.descendants().find(|n| n.has_tag_name("number")).unwrap();
                (c.attribute("first_name").unwrap(), c.attribute("subscribe_to"), number.attribute("dial").unwrap())
            })
            .collect();
        assert_eq!(
            list,
            [
                ("Carol <3", Some("sip:1003@10.0.0.1"), "1003"),
                ("0123456789", None, "0123456789"),
                ("Park", None, "701"),
                ("Dave", Some("sip:1010@10.0.0.1"), "1010"),
            ]
        );
    }
}

#[test]
fn autoprov_devices_render_too() {
    let f = Fixture::new();
    let renderer = f.renderer();
    for d in f.devices("autoprov") {
        let files = rendered(&renderer, &d);
        let cfg = text(&files[0]);
        let doc = roxmltree::Document::parse(&cfg).unwrap();
        let account = doc.descendants().find(|n| n.has_tag_name("account")).unwrap();
        assert!(account.attribute("username").unwrap().starts_with("ap"), "{cfg}");
        assert_eq!(account.attribute("password"), Some("autoprov"));
        assert_eq!(account.attribute("voicemail"), Some(""));
        let primary = account.children().find(|n| n.has_tag_name("host_primary")).unwrap();
        assert_eq!(primary.attribute("server"), Some("127.0.0.1"));
        assert_eq!(primary.attribute("transport"), Some("udp"));
        assert_eq!(setting(&doc, "network_vlan_id"), Some("0"));
        assert_eq!(setting(&doc, "time_zone"), None);
        let contacts = text(&files[1]);
        let doc = roxmltree::Document::parse(&contacts).unwrap();
        assert_eq!(doc.descendants().filter(|n| n.has_tag_name("contact")).count(), 0);
    }
}

/// A custom template written as Wazo's are (`XX_funckeys` keyed by key
/// number, walked with `.items()`) wins over the shipped one.
#[test]
fn custom_contact_template_wins() {
    let f = Fixture::new();
    std::fs::write(
        f.data.plugins_dir().join(PLUGIN).join("var/templates/contact.tpl"),
        "<phonebooks>{% for no, k in XX_funckeys.items() %}<c n=\"{{ no }}\" v=\"{{ k.value }}\"/>{% endfor %}</phonebooks>",
    )
    .unwrap();
    let renderer = f.renderer();
    let d = &f.devices("full")[0];
    assert_eq!(
        text(&rendered(&renderer, d)[1]),
        "<phonebooks><c n=\"1\" v=\"1003\"/><c n=\"2\" v=\"0123456789\"/><c n=\"3\" v=\"701\"/>\
         <c n=\"10\" v=\"1010\"/></phonebooks>"
    );
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
    for d in &devices {
        let mac = d.mac.unwrap().lower_hex();
        for (name, needle) in [(format!("{mac}.cfg"), "username=\"alice\""), (format!("{mac}-contacts.xml"), "Carol")] {
            let key = format!("{PLUGIN}/Digium/{name}");
            let route = s.route(&r, &key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
            let body = String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap();
            assert!(body.contains(needle), "{key}");
        }
    }
    // No shared file but the firmware directory, empty until installed.
    assert!(renderer.plugin_files(PLUGIN).unwrap().is_empty());
}
