//! The bundled Grandstream plugins through the real renderer: every model
//! of the three plugins rendered from a full configuration, its file parsed
//! as XML and its key settings checked in the layout the model reads
//! (config version 1 `<Pnnn>` elements, or version 2 named items); the
//! whole set published and served from the store.

mod common;

use common::{rendered, text};

use provd_compiler::compile::{self, Options};
use provd_core::{Device, Mac};
use serde_json::{Value, json};

const PHONES_V1: &str = "wazo-grandstream-1.0.7.81";
const PHONES_V2: &str = "wazo-grandstream-1.0.11.85";
const ATAS: &str = "wazo-grandstream-1.0.63.3";
const GRP: &str = "wazo-grandstream-1.0.5.48";

/// (plugin, model, the config version its file is in).
const MODELS: [(&str, &str, &str); 20] = [
    (PHONES_V1, "GXP1610", "1"),
    (PHONES_V1, "GXP1615", "1"),
    (PHONES_V1, "GXP1620", "1"),
    (PHONES_V1, "GXP1625", "1"),
    (PHONES_V1, "GXP1628", "1"),
    (PHONES_V1, "GXP1630", "1"),
    (PHONES_V2, "GXP2130", "2"),
    (PHONES_V2, "GXP2135", "2"),
    (PHONES_V2, "GXP2140", "1"),
    (PHONES_V2, "GXP2160", "1"),
    (PHONES_V2, "GXP2170", "1"),
    (ATAS, "HT801", "1"),
    (ATAS, "HT802", "1"),
    (ATAS, "HT801V2", "1"),
    (ATAS, "HT802V2", "1"),
    (GRP, "GRP2612", "2"),
    (GRP, "GRP2613", "2"),
    (GRP, "GRP2614", "2"),
    (GRP, "GRP2615", "2"),
    (GRP, "GRP2616", "2"),
];

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1",
        "sip_registrar_ip": "10.0.0.1",
        "sip_backup_registrar_ip": "10.0.0.2",
        "sip_transport": "tcp",
        "sip_dtmf_mode": "RTP-in-band",
        "exten_voicemail": "*98",
        "exten_pickup_call": "*8",
        "timezone": "Europe/Paris",
        "locale": "de_DE",
        "ntp_enabled": true, "ntp_ip": "10.0.0.4",
        "dns_enabled": true, "dns_ip": "10.0.0.53",
        "vlan_enabled": true, "vlan_id": 20, "vlan_priority": 5,
        "admin_password": "12&34",
        "sip_lines": {
            "1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cr&t", "display_name": "Alice & Co",
                  "number": "1001"},
            "2": {"username": "bob", "password": "p2", "display_name": "Bob", "number": "1002",
                  "registrar_ip": "10.0.0.9"}
        },
        "funckeys": {
            "3": {"type": "blf", "value": "1003", "label": "Carol <3", "line": 1},
            "4": {"type": "speeddial", "value": "0123456789", "line": 2}
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
        .map(|(n, (plugin, model, _))| Device {
            id: format!("d{n}"),
            mac: Some(Mac([0xc0, 0x74, 0xad, 0, 0, n as u8])),
            vendor: Some("Grandstream".into()),
            model: Some((*model).into()),
            plugin: Some((*plugin).into()),
            config: Some(config.into()),
            ..Default::default()
        })
        .collect()
}

/// The settings of a file: `<Pnnn>` elements by number, or version 2
/// items by name; each must be set once.
fn settings(doc: &roxmltree::Document) -> std::collections::BTreeMap<String, String> {
    let config = doc.root_element().children().find(|n| n.has_tag_name("config")).unwrap();
    let mut out = std::collections::BTreeMap::new();
    for el in config.children().filter(|n| n.is_element()) {
        let name = match el.tag_name().name() {
            "item" => el.attribute("name").unwrap().to_owned(),
            p => p.to_owned(),
        };
        let value = el.text().unwrap_or_default().to_owned();
        assert!(out.insert(name.clone(), value).is_none(), "{name} set twice");
    }
    out
}

/// The file a device of `plugin` is served at.
fn key(plugin: &str, mac: &str) -> String {
    if plugin == ATAS { format!("{plugin}/cfg{mac}.xml") } else { format!("{plugin}/Grandstream/cfg{mac}.xml") }
}

#[test]
fn every_model_renders_its_layout() {
    let f = fixture();
    let renderer = f.renderer();
    for (d, (plugin, model, version)) in devices("full").iter().zip(MODELS) {
        let mac = d.mac.unwrap().lower_hex();
        let files = rendered(&renderer, d);
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, [key(plugin, &mac)], "{model}");
        let cfg = text(&files[0]);
        let doc = roxmltree::Document::parse(&cfg).unwrap_or_else(|e| panic!("{model}: {e}\n{cfg}"));
        assert_eq!(doc.root_element().tag_name().name(), "gs_provision");
        let config = doc.root_element().children().find(|n| n.has_tag_name("config")).unwrap();
        assert_eq!(config.attribute("version"), Some(version), "{model}");
        let s = settings(&doc);
        let get = |k: &str| s.get(k).map(String::as_str);
        let paris = "STD-1DST-2,M3.5.0/02:00:00,M10.5.0/03:00:00";
        if version == "2" {
            assert_eq!(get("users.admin.password"), Some("12&34"), "{model}");
            assert_eq!(get("dateTime.timezone"), Some(paris));
            assert_eq!(get("dateTime.ntp.server.1"), Some("10.0.0.4"));
            assert_eq!(get("language.gui"), Some("de"));
            assert_eq!(get("network.port.eth.1.vlan.tag"), Some("20"));
            assert_eq!(get("network.dns.preferred.ip.4"), Some("53"));
            assert_eq!(get("account.1.sip.server.1.address"), Some("10.0.0.1"));
            assert_eq!(get("account.1.sip.server.2.address"), Some("10.0.0.2"));
            assert_eq!(get("account.1.sip.userid"), Some("alice"));
            assert_eq!(get("account.1.sip.subscriber.userid"), Some("alice-auth"));
            assert_eq!(get("account.1.sip.subscriber.password"), Some("s3cr&t"));
            assert_eq!(get("account.1.name"), Some("Alice & Co"));
            assert_eq!(get("account.1.sip.transport"), Some("TCP"));
            assert_eq!(get("account.1.sip.voicemail.number"), Some("*98"));
            assert_eq!(get("account.1.sip.blf.callPickup.prefix"), Some("*8"));
            assert_eq!(get("account.1.dtmf.sendInAudio"), Some("Yes"));
            assert_eq!(get("account.2.sip.server.1.address"), Some("10.0.0.9"));
            assert_eq!(get("account.2.sip.userid"), Some("bob"));
            if model == "GXP2130" {
                assert!(!s.keys().any(|k| k.starts_with("pks.")), "{model}: no key counts, no keys");
            } else {
                // Virtual keys 1 and 2 are the lines'.
                assert_eq!(get("pks.vpk.1.keyMode"), None, "{model}");
                assert_eq!(get("pks.vpk.3.keyMode"), Some("BLF"), "{model}");
                assert_eq!(get("pks.vpk.3.description"), Some("Carol <3"));
                assert_eq!(get("pks.vpk.3.value"), Some("1003"));
                assert_eq!(get("pks.vpk.4.keyMode"), Some("SpeedDial"));
                let (vpk, mpk) = match model {
                    "GXP2135" => (32, 0),
                    "GRP2612" => (16, 0),
                    "GRP2613" => (24, 0),
                    "GRP2615" => (40, 0),
                    _ => (16, 24),
                };
                assert_eq!(get(&format!("pks.vpk.{vpk}.keyMode")), Some("None"), "{model}");
                assert_eq!(get(&format!("pks.vpk.{}.keyMode", vpk + 1)), None, "{model}");
                assert_eq!(get(&format!("pks.mpk.{mpk}.account")), (mpk > 0).then_some("Account1"), "{model}");
                assert_eq!(get(&format!("pks.mpk.{}.keyMode", mpk + 1)), None, "{model}");
            }
            continue;
        }
        assert_eq!(get("P2"), Some("12&34"), "{model}");
        assert_eq!(get("P64"), Some(paris));
        assert_eq!(get("P30"), Some("10.0.0.4"));
        assert_eq!(get("P1362"), Some("de"));
        assert_eq!(get("P1347"), Some("*8"));
        assert_eq!((get("P51"), get("P87")), (Some("20"), Some("5")));
        assert_eq!([get("P92"), get("P93"), get("P94"), get("P95")], [Some("10"), Some("0"), Some("0"), Some("53")]);
        assert_eq!(get("P47"), Some("10.0.0.1"), "{model}");
        assert_eq!(get("P35"), Some("alice"));
        assert_eq!(get("P36"), Some("alice-auth"));
        assert_eq!(get("P34"), Some("s3cr&t"));
        assert_eq!(get("P3"), Some("Alice & Co"));
        assert_eq!(get("P194"), Some("2"), "daily firmware check");
        if plugin == ATAS {
            // Port 2 has codes of its own; firmware from the server's root.
            assert_eq!(get("P967"), Some("10.0.0.2"));
            assert_eq!((get("P747"), get("P735"), get("P734")), (Some("10.0.0.9"), Some("bob"), Some("p2")));
            assert_eq!(get("P192"), Some("127.0.0.1:8667"));
            assert_eq!(get("P6767"), Some("1"));
            assert_eq!(get("P401"), None);
            continue;
        }
        assert_eq!(get("P2312"), Some("10.0.0.2"));
        assert_eq!(get("P33"), Some("*98"));
        // RTP-in-band: DTMF in audio and in RTP, not in SIP INFO.
        assert_eq!([get("P2301"), get("P2302"), get("P2303")], [Some("1"), Some("1"), Some("0")]);
        // Account 2 at P4xx.
        assert_eq!((get("P401"), get("P402"), get("P404")), (Some("1"), Some("10.0.0.9"), Some("bob")));
        assert_eq!((get("P406"), get("P407"), get("P426")), (Some("p2"), Some("Bob"), Some("*98")));
        assert_eq!(get("P192"), Some("127.0.0.1:8667/Grandstream"));
        assert_eq!(get("P212"), Some("1"));
        // Function keys 3 (BLF on account 0) and 4 (speed dial on account 1).
        assert_eq!(
            (get("P325"), get("P307"), get("P308"), get("P309")),
            (Some("BLF"), Some("0"), Some("Carol <3"), Some("1003"))
        );
        assert_eq!(
            (get("P326"), get("P310"), get("P311"), get("P312")),
            (Some("SpeedDial"), Some("1"), None, Some("0123456789"))
        );
    }
}

#[test]
fn autoprov_devices_render_too() {
    let f = fixture();
    let renderer = f.renderer();
    for (d, (plugin, model, version)) in devices("autoprov").iter().zip(MODELS) {
        let cfg = text(&rendered(&renderer, d)[0]);
        let doc = roxmltree::Document::parse(&cfg).unwrap_or_else(|e| panic!("{model}: {e}\n{cfg}"));
        let s = settings(&doc);
        let (user, password, server) = match (version, plugin) {
            ("2", _) => ("account.1.sip.userid", "account.1.sip.subscriber.password", "account.1.sip.server.1.address"),
            _ => ("P35", "P34", "P47"),
        };
        assert!(s[user].starts_with("ap"), "{model}: {cfg}");
        assert_eq!(s[password], "", "{model}: the autoprov password is not written");
        assert_eq!(s[server], "127.0.0.1", "{model}");
        assert!(!s.contains_key("P64") && !s.contains_key("dateTime.timezone"), "{model}: no zone, the phone's own");
    }
}

/// A device-specific template (`cfg<mac>.xml.tpl` in `var/templates`) wins
/// over the model's.
#[test]
fn custom_device_template_wins() {
    let f = fixture();
    let d = &devices("full")[4];
    let mac = d.mac.unwrap().lower_hex();
    std::fs::write(
        f.data.plugins_dir().join(PHONES_V1).join(format!("var/templates/cfg{mac}.xml.tpl")),
        "<gs_provision><config version=\"1\">{% for code, value in XX_fkeys %}<{{ code }}>{{ value }}</{{ code }}>{% endfor %}</config></gs_provision>",
    )
    .unwrap();
    let renderer = f.renderer();
    assert_eq!(
        text(&rendered(&renderer, d)[0]),
        "<gs_provision><config version=\"1\"><P325>BLF</P325><P307>0</P307><P308>Carol &lt;3</P308><P309>1003</P309>\
         <P326>SpeedDial</P326><P310>1</P310><P312>0123456789</P312></config></gs_provision>"
    );
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
    for (d, (plugin, ..)) in devices.iter().zip(MODELS) {
        let key = key(plugin, &d.mac.unwrap().lower_hex());
        let route = s.route(&r, &key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
        let body = String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap();
        assert!(body.contains("alice"), "{key}");
    }
}
