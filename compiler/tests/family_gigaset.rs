//! The bundled Gigaset plugins through the real renderer: every model of
//! both generations rendered from a full configuration, the profile parsed
//! as XML and its key settings checked; the set published and served from
//! the store.

mod common;

use common::{rendered, text};

use provd_compiler::compile::{self, Options};
use provd_core::{Device, Mac};
use serde_json::{Value, json};

const FIRST: &str = "wazo-gigaset-70.117";
const NX70: &str = "wazo-gigaset-83.v2.65.0";
const MODELS: [(&str, &str); 8] = [
    (FIRST, "N510 IP PRO"),
    (FIRST, "N720 DM PRO"),
    (FIRST, "N720 IP PRO"),
    (NX70, "N610 IP PRO"),
    (NX70, "N670 IP PRO"),
    (NX70, "N770 IP PRO"),
    (NX70, "N870 IP PRO"),
    (NX70, "N870E IP PRO"),
];

fn full_config() -> Value {
    json!({
        "sip_proxy_ip": "10.0.0.1",
        "sip_backup_proxy_ip": "10.0.0.2",
        "sip_transport": "tcp",
        "sip_dtmf_mode": "RTP-out-of-band",
        "exten_voicemail": "*98",
        "exten_dnd": "*25",
        "timezone": "Europe/Paris",
        "locale": "fr_FR",
        "ntp_enabled": true, "ntp_ip": "10.0.0.4",
        "dns_enabled": true, "dns_ip": "10.0.0.53",
        "vlan_enabled": true, "vlan_id": 20, "vlan_priority": 5,
        "admin_password": "1234",
        "X_xivo_phonebook_ip": "10.0.0.3", "X_xivo_user_uuid": "u-1",
        "sip_lines": {
            "1": {"username": "alice", "auth_username": "alice-auth", "password": "s3cr&t", "display_name": "Alice & Co",
                  "number": "421001", "proxy_ip": "10.0.0.1", "voicemail": "*98"},
            "2": {"username": "bob", "password": "p2", "display_name": "Bob", "number": "7", "proxy_ip": "10.0.0.9",
                  "proxy_port": 5080}
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
        .map(|(n, (plugin, model))| Device {
            id: format!("d{n}"),
            mac: Some(Mac([0x7c, 0x2f, 0x80, 0, 0, n as u8])),
            vendor: Some("Gigaset".into()),
            model: Some((*model).into()),
            plugin: Some((*plugin).into()),
            config: Some(config.into()),
            ..Default::default()
        })
        .collect()
}

/// The first generation's `SYMB_ITEM` values by ID.
fn symb<'a>(doc: &'a roxmltree::Document<'a>, id: &str) -> Option<&'a str> {
    doc.descendants()
        .find(|n| n.has_tag_name("SYMB_ITEM") && n.attribute("ID") == Some(id))
        .and_then(|n| n.attribute("value"))
}

/// The Nx70 generation's `param` values by name.
fn param<'a>(doc: &'a roxmltree::Document<'a>, name: &str) -> Option<&'a str> {
    doc.descendants()
        .find(|n| n.has_tag_name("param") && n.attribute("name") == Some(name))
        .and_then(|n| n.attribute("value"))
}

#[test]
fn first_generation_profiles() {
    let f = fixture();
    let renderer = f.renderer();
    for d in devices("full").iter().filter(|d| d.plugin.as_deref() == Some(FIRST)) {
        let model = d.model.as_deref().unwrap();
        let mac = d.mac.unwrap().upper_hex();
        let files = rendered(&renderer, d);
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, [format!("{FIRST}/{mac}.xml")]);
        let xml = text(&files[0]);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{model}: {e}\n{xml}"));
        assert_eq!(doc.root_element().tag_name().name(), "ProviderFrame");
        let mac_el = doc.descendants().find(|n| n.has_tag_name("MAC_ADDRESS")).unwrap();
        assert_eq!(mac_el.attribute("value"), Some(mac.as_str()), "the base checks it");
        assert_eq!(symb(&doc, "BS_AE_SwConfig.ucCountryCodeTone"), Some("7"), "{model}: French tones");
        if model == "N510 IP PRO" {
            assert_eq!(symb(&doc, "BS_IP_Data1.uiI_TIME_TIMEZONE"), Some("0x1b"), "UTC+1");
            assert_eq!(symb(&doc, "BS_IP_Data1.ulI_DNS_SERVER_1"), Some("0x0a000035"));
            assert_eq!(symb(&doc, "BS_IP_Data1.uiI_VLAN_ID"), Some("0x14"));
            assert_eq!(symb(&doc, "BS_IP_Data1.aucS_SIP_USER_ID"), Some("\"alice\""));
            assert_eq!(symb(&doc, "BS_IP_Data3.aucS_SIP_LOGIN_ID"), Some("\"alice-auth\""));
            assert_eq!(symb(&doc, "BS_IP_Data1.aucS_SIP_PASSWORD"), Some("\"s3cr&t\""));
            assert_eq!(symb(&doc, "BS_IP_Data1.aucS_SIP_DISPLAYNAME"), Some("\"Alice & Co\""));
            assert_eq!(symb(&doc, "BS_IP_Data1.aucS_SIP_USER_ID_2"), Some("\"bob\""));
            assert_eq!(symb(&doc, "BS_IP_Data1.aucS_SIP_SERVER_2"), Some("\"10.0.0.9\""));
            assert_eq!(symb(&doc, "BS_Accounts.astAccounts[1].uiSendMask"), Some("0x2"));
            assert_eq!(symb(&doc, "BS_IP_Data1.uiI_SIP_SERVER_PORT"), Some("0x13c4"));
            assert_eq!(symb(&doc, "BS_IP_Data1.aucS_VOIP_NET_AM_NUMBER_1"), Some("\"*98\""));
            let url = doc.descendants().find(|n| n.has_tag_name("S_CONFIGFILE_URL")).unwrap();
            assert_eq!(url.attribute("value"), Some(format!("\"127.0.0.1:8667/{mac}.xml\"").as_str()));
            assert_eq!(
                symb(&doc, "BS_XML_Netdirs.astNetdirProvider[0].aucServerURL"),
                Some("\"http://10.0.0.3:9498/0.1/directories/lookup/default/gigaset/u-1?\"")
            );
        } else {
            assert_eq!(symb(&doc, "BS_IP_Data.uiI_TIME_TIMEZONE"), Some("0x1b"), "UTC+1");
            assert_eq!(symb(&doc, "BS_IP_Data.ulI_DNS_SERVER_1"), Some("0x0a000035"));
            assert_eq!(symb(&doc, "BS_CUSTOM.WebUIPassword"), Some("\"1234\""));
            assert_eq!(symb(&doc, "BS_VOIP_Data.astVoipProviders[0].aucSIP_SERVER[%]"), Some("\"10.0.0.1\""));
            assert_eq!(symb(&doc, "BS_VOIP_Data.astVoipProviders[0].uiSIP_SERVER_PORT"), Some("0x13c4"));
            assert_eq!(symb(&doc, "BS_VOIP_Data.astVoipProviders[0].NetCodeDND_ON[%]"), Some("\"*25\""));
            assert_eq!(symb(&doc, "BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_USER_ID[0]"), Some("\"alice\""));
            assert_eq!(symb(&doc, "BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_LOGIN_ID[0]"), Some("\"alice-auth\""));
            assert_eq!(symb(&doc, "BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_PASSWORD[0]"), Some("\"s3cr&t\""));
            assert_eq!(symb(&doc, "BS_VOIP_Data.astVoipAccounts[1].aucS_SIP_USER_ID[0]"), Some("\"bob\""));
            assert_eq!(
                symb(&doc, "BS_XML_Netdirs.astNetdirProvider[0].aucServerURL[%]"),
                Some("\"http://10.0.0.3:9498/0.1/directories/lookup/default/gigaset/u-1?\"")
            );
        }
    }
}

#[test]
fn nx70_profiles() {
    let f = fixture();
    let renderer = f.renderer();
    for d in devices("full").iter().filter(|d| d.plugin.as_deref() == Some(NX70)) {
        let model = d.model.as_deref().unwrap();
        let mac = d.mac.unwrap().lower_hex();
        let files = rendered(&renderer, d);
        let keys: Vec<&str> = files.iter().map(|f| f.key.as_str()).collect();
        assert_eq!(keys, [format!("{NX70}/{mac}.xml")]);
        let xml = text(&files[0]);
        let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{model}: {e}\n{xml}"));
        assert_eq!(doc.root_element().tag_name().name(), "provisioning");
        let file = doc.descendants().find(|n| n.has_tag_name("file")).unwrap();
        assert_eq!(file.attribute("version"), Some("2.65.0"));
        assert_eq!(
            file.attribute("url"),
            Some("http://127.0.0.1:8667/Gigaset-Nx70-V2.65.0-build.8504c90.bin"),
            "{model}"
        );
        assert_eq!(param(&doc, "WebUIAccounts.1.Password"), Some("1234"));
        assert_eq!(param(&doc, "Provisioning.global.ProvisioningServer"), Some("http://127.0.0.1:8667"));
        assert_eq!(param(&doc, "Telephony.0.ToneScheme"), Some("France"));
        assert_eq!(param(&doc, "DmGlobal.0.TimeZone"), Some("Europe/Paris"));
        assert_eq!(param(&doc, "DmGlobal.0.NtpServer"), Some("10.0.0.4"));
        // Two proxies, two providers; TCP, RFC 2833.
        assert_eq!(param(&doc, "SipProvider.0.ProxyServerAddress"), Some("10.0.0.1"));
        assert_eq!(param(&doc, "SipProvider.1.ProxyServerAddress"), Some("10.0.0.9"));
        assert_eq!(param(&doc, "SipProvider.1.ProxyServerPort"), Some("5080"));
        assert_eq!(param(&doc, "SipProvider.0.TransportProtocol"), Some("2"));
        assert_eq!(param(&doc, "SipProvider.0.DTMFTransmission"), Some("2"));
        assert_eq!(param(&doc, "SipProvider.0.FailoverServerAddress"), Some("10.0.0.2"));
        // A handset per line, with its registration code.
        let handsets: Vec<&str> = doc
            .descendants()
            .filter(|n| n.has_tag_name("oper") && n.attribute("name") == Some("add_hs"))
            .map(|n| n.attribute("value").unwrap())
            .collect();
        assert_eq!(handsets, ["00001", "00002"]);
        assert_eq!(param(&doc, "hs.00001.DECT_AC"), Some("1001"));
        assert_eq!(param(&doc, "hs.00002.DECT_AC"), Some("0007"));
        assert_eq!(param(&doc, "SipAccount.00001.UserName"), Some("alice"));
        assert_eq!(param(&doc, "SipAccount.00001.AuthName"), Some("alice-auth"));
        assert_eq!(param(&doc, "SipAccount.00001.AuthPassword"), Some("s3cr&t"));
        assert_eq!(param(&doc, "SipAccount.00001.DisplayName"), Some("Alice & Co"));
        assert_eq!(param(&doc, "SipAccount.00001.VoiceMailMailbox"), Some("*98"));
        assert_eq!(param(&doc, "SipAccount.00002.ProviderId"), Some("1"));
        assert_eq!(
            param(&doc, "XMLDir.1.ServerURL"),
            Some("http://10.0.0.3:9498/0.1/directories/lookup/default/gigaset/u-1?")
        );
        let start: u64 = param(&doc, "RegStart").unwrap().parse().unwrap();
        assert!(start > 1_600_000_000, "the registration window opens when the profile is written");
    }
}

#[test]
fn autoprov_bases_render_too() {
    let f = fixture();
    let renderer = f.renderer();
    for d in devices("autoprov") {
        let xml = text(&rendered(&renderer, &d)[0]);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        if d.plugin.as_deref() == Some(FIRST) {
            let user = if d.model.as_deref() == Some("N510 IP PRO") {
                symb(&doc, "BS_IP_Data1.aucS_SIP_USER_ID")
            } else {
                symb(&doc, "BS_VOIP_Data.astVoipAccounts[0].aucS_SIP_USER_ID[0]")
            };
            assert!(user.unwrap().starts_with("\"ap"), "{xml}");
        } else {
            assert!(param(&doc, "SipAccount.00001.UserName").unwrap().starts_with("ap"), "{xml}");
            assert_eq!(param(&doc, "hs.00001.DECT_AC"), Some("0000"), "the autoprov handset code");
        }
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
        let plugin = d.plugin.as_deref().unwrap();
        let mac = d.mac.unwrap();
        let name = if plugin == FIRST { mac.upper_hex() } else { mac.lower_hex() };
        let key = format!("{plugin}/{name}.xml");
        let route = s.route(&r, &key).unwrap().unwrap_or_else(|| panic!("{key} is not served"));
        let body = String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap();
        assert!(body.contains("alice"), "{key}");
    }
    // No shared file.
    assert!(renderer.plugin_files(FIRST).unwrap().is_empty());
    assert!(renderer.plugin_files(NX70).unwrap().is_empty());
}
