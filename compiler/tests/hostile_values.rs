//! Hostile raw-config values against every bundled plugin of every family,
//! through the real renderer: a value holding line breaks, XML markup and
//! settings of its own must stay one value. Each model is rendered twice,
//! once from a benign config and once from the same config whose every
//! string the templates write carries [`PAYLOAD`]; what a phone would parse
//! must be the same:
//!
//! * line formats (Yealink `key = value`, Aastra `key: value`): the same
//!   settings in the same order, and no injected setting on a line of its
//!   own;
//! * XML (Cisco, Digium, Polycom, Snom): well-formed, the same elements and
//!   attributes, the payload found intact as text or attribute values.
//!
//! docs/ESCAPING.md describes the rules.

mod common;

use std::collections::BTreeSet;

use provd_compiler::compile::{self, Options};
use provd_compiler::render::{DeviceRender, RenderedFile, Renderer};
use provd_core::{Device, Mac};
use serde_json::{Value, json};

/// What a caller-ID name could hold: new settings for both line formats,
/// every kind of line break, markup that would open an element, close one,
/// start an attribute or end a CDATA section, and controls XML forbids.
const PAYLOAD: &str = "\naccount.1.password = X\r\nstatic.security.user_password = admin:pwned\r\
                       admin password: pwned\u{2028}sip line1 password: pwned\u{2029}\u{85}\u{b}\u{c}\t\u{0}\u{7f}\
                       \u{fffe} \"q\" 'a' <inj a=\"1\">&amp;]]></inj>";

/// The same without the characters XML forbids, so that an XML file
/// rendered from it parses even unescaped and its structure is compared.
const MARKUP_PAYLOAD: &str = "\naccount.1.password = X\r\nstatic.security.user_password = admin:pwned\r\
                              admin password: pwned\u{2028}sip line1 password: pwned\u{2029}\u{85} \
                              \"q\" 'a' <inj a=\"1\">&amp;]]></inj>";

/// What a number field may carry and still be valid (validation trims
/// whitespace, which counts every line break).
const SPACES: &str = "\r\n\u{2028}\u{2029}\u{85}\u{b}\u{c}\t";
const MARKUP_SPACES: &str = "\r\n\u{2028}\u{2029}\u{85}\t";

/// Settings the payload tries to add, as they would read on a line.
const INJECTED: [&str; 4] = [
    "account.1.password = X",
    "static.security.user_password = admin:pwned",
    "admin password: pwned",
    "sip line1 password: pwned",
];

/// A config setting every string field the bundled templates (and the
/// families' own blocks) write: `text` wraps string values, `number` the
/// values of integer fields (given as strings, so both renders take the
/// same paths).
fn config(text: &dyn Fn(&str) -> Value, number: &dyn Fn(&str) -> Value) -> Value {
    let line = |n: &str, user: &str, proxy: &str| {
        json!({
            "username": text(user), "auth_username": text(&format!("{user}-auth")), "password": text("s3cret"),
            "display_name": text(&format!("User {n}")), "number": text(&format!("100{n}")),
            "proxy_ip": text(proxy), "proxy_port": number("5060"),
            "backup_proxy_ip": text("10.0.0.2"), "backup_proxy_port": number("5070"),
            "registrar_ip": text(proxy), "registrar_port": number("5060"),
            "backup_registrar_ip": text("10.0.0.2"), "backup_registrar_port": number("5070"),
            "outbound_proxy_ip": text("10.0.0.8"), "outbound_proxy_port": number("5090"),
            "voicemail": text("*98"), "dtmf_mode": "SIP-INFO", "srtp_mode": "preferred"
        })
    };
    let mut funckeys = serde_json::Map::new();
    for (n, ty) in [(1, "blf"), (2, "speeddial"), (3, "park"), (5, "blf"), (30, "blf"), (45, "speeddial")] {
        funckeys.insert(
            n.to_string(),
            json!({"type": ty, "value": text(&format!("70{n}")), "label": text(&format!("Key {n}")), "line": text("1")}),
        );
    }
    let mut raw = json!({
        "ip": text("10.0.0.1"), "http_port": number("8667"), "http_base_url": text("http://10.0.0.1:8667"),
        "sip_proxy_ip": text("10.0.0.1"), "sip_proxy_port": number("5060"),
        "sip_backup_proxy_ip": text("10.0.0.2"), "sip_backup_proxy_port": number("5070"),
        "sip_registrar_ip": text("10.0.0.1"), "sip_registrar_port": number("5060"),
        "sip_backup_registrar_ip": text("10.0.0.2"), "sip_backup_registrar_port": number("5070"),
        "sip_outbound_proxy_ip": text("10.0.0.8"), "sip_outbound_proxy_port": number("5090"),
        "sip_dtmf_mode": "RTP-out-of-band", "sip_srtp_mode": "preferred", "sip_transport": "tcp",
        "sip_subscribe_mwi": true,
        "sip_lines": {"1": line("1", "alice", "10.0.0.1"), "2": line("2", "bob", "10.0.0.9")},
        "sccp_call_managers": {"1": {"ip": text("10.0.0.1"), "port": number("2000")}, "2": {"ip": text("10.0.0.2")}},
        "funckeys": funckeys
    });
    let more = json!({
        "exten_dnd": text("*25"), "exten_fwd_unconditional": text("*21"), "exten_fwd_no_answer": text("*22"),
        "exten_fwd_busy": text("*23"), "exten_fwd_disable_all": text("*20"), "exten_park": text("700"),
        "exten_pickup_group": text("*8"), "exten_pickup_call": text("**"), "exten_voicemail": text("*98"),
        "admin_username": text("admin"), "admin_password": text("4dm1n"),
        "user_username": text("user"), "user_password": text("us3r"),
        "ntp_enabled": true, "ntp_ip": text("10.0.0.4"),
        "dns_enabled": true, "dns_ip": text("10.0.0.53"),
        "syslog_enabled": true, "syslog_ip": text("10.0.0.6"), "syslog_port": number("514"), "syslog_level": "info",
        "vlan_enabled": true, "vlan_id": number("20"), "vlan_priority": number("5"), "vlan_pc_port_id": number("30"),
        "timezone": "Europe/Paris", "locale": "fr_FR",
        "X_xivo_phonebook_ip": text("10.0.0.3"), "X_xivo_user_uuid": text("uuid-1"),
        "X_xivo_phonebook_scheme": text("https"), "X_xivo_phonebook_port": text("9498")
    });
    raw.as_object_mut().unwrap().extend(more.as_object().unwrap().clone());
    raw
}

fn benign() -> Value {
    config(&|v| json!(v), &|v| json!(v))
}

fn hostile(payload: &str, spaces: &str) -> Value {
    config(&|v| json!(format!("{v}{payload}")), &|v| json!(format!("{v}{spaces}")))
}

/// The benign config with a hostile locale, which validation lets through
/// (it checks the first five characters) and the Digium family writes.
fn hostile_locale() -> Value {
    let mut c = benign();
    c["locale"] = json!(format!("fr_FR{PAYLOAD}"));
    c
}

struct Fixture {
    /// Keeps the data directory alive.
    _f: common::Fixture,
    renderer: Renderer,
}

impl Fixture {
    fn new() -> Fixture {
        let f = common::Fixture::new();
        f.config("benign", benign());
        f.config("hostile", hostile(PAYLOAD, SPACES));
        f.config("hostile_markup", hostile(MARKUP_PAYLOAD, MARKUP_SPACES));
        f.config("hostile_locale", hostile_locale());
        let renderer = f.renderer();
        Fixture { _f: f, renderer }
    }

    /// Every model of every bundled plugin of `family`, as (plugin, model).
    fn models(&self, family: &str) -> Vec<(String, String)> {
        let mut models: Vec<(String, String)> = self
            .renderer
            .plugins()
            .filter(|p| p.plugin.info.family == family)
            .flat_map(|p| p.plugin.info.models.keys().map(|m| (p.plugin.id.clone(), m.clone())))
            .collect();
        models.sort();
        assert!(!models.is_empty(), "no bundled {family} plugin");
        models
    }

    fn device(&self, n: usize, plugin: &str, model: &str, config: &str) -> Device {
        Device {
            id: format!("d{n}"),
            mac: Some(Mac([0x00, 0x04, 0x13, 0x00, (n >> 8) as u8, n as u8])),
            model: Some(model.into()),
            plugin: Some(plugin.into()),
            config: Some(config.into()),
            ..Default::default()
        }
    }

    fn render(&self, d: &Device) -> Vec<RenderedFile> {
        match self.renderer.render_device(d) {
            DeviceRender::Configured { files, .. } => files,
            other => panic!("{} {:?} on {:?}: {other:?}", d.id, d.model, d.config),
        }
    }
}

/// A rendered file as text (Latin-1 for the plugins that encode so).
fn text(f: &RenderedFile) -> String {
    match String::from_utf8(f.bytes.clone()) {
        Ok(s) => s,
        Err(_) => f.bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Format {
    Lines,
    /// Lines whose setting is the first word (`NAME value`, `SET NAME
    /// value`): the value runs to the end of the line, spaces and all.
    Words,
    Xml,
    /// Lines that are CLI commands (Patton): each a command and its
    /// arguments, a double-quoted one counting as one.
    Cli,
}

/// The shape of a CLI script: per line, its indentation, its first word
/// and how many arguments follow (a double-quoted argument is one).
fn cli_shape(text: &str) -> Vec<(usize, String, usize)> {
    text.lines()
        .map(|l| {
            let indent = l.len() - l.trim_start().len();
            let (mut args, mut in_quotes, mut in_arg) = (Vec::<String>::new(), false, false);
            for c in l.trim_start().chars() {
                match c {
                    '"' => {
                        if !in_arg {
                            args.push(String::new());
                        }
                        in_quotes = !in_quotes;
                        in_arg = true;
                    }
                    ' ' if !in_quotes => in_arg = false,
                    c => {
                        if !in_arg {
                            args.push(String::new());
                            in_arg = true;
                        }
                        args.last_mut().unwrap().push(c);
                    }
                }
            }
            let first = args.first().cloned().unwrap_or_default();
            (indent, first, args.len().saturating_sub(1))
        })
        .collect()
}

/// The settings of a line file, in order: each line up to its first `=` or
/// `:` (the whole line for comments and lines without either).
fn line_keys(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| match l.find(['=', ':']) {
            Some(i) if !l.starts_with('#') => l[..i].trim().to_owned(),
            _ => l.trim().to_owned(),
        })
        .collect()
}

/// The settings of a `NAME value` file, in order: each line's first word
/// (two after a `SET`); comments whole.
fn word_keys(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| {
            let l = l.trim();
            if l.starts_with('#') {
                return l.to_owned();
            }
            let (set, rest) = l.strip_prefix("SET ").map_or(("", l), |r| ("SET ", r));
            format!("{set}{}", rest.split(' ').next().unwrap_or_default())
        })
        .collect()
}

/// The structure of an XML file: every element (depth, name, attribute
/// names), comment and processing instruction, in document order; text
/// only as values. Panics when the file is not well-formed XML.
fn xml_shape(what: &str, text: &str) -> (Vec<String>, Vec<String>) {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{what}: not well-formed: {e}\n{text}"));
    let mut shape = Vec::new();
    let mut values = Vec::new();
    for node in doc.root().descendants() {
        let depth = node.ancestors().count();
        match node.node_type() {
            roxmltree::NodeType::Element => {
                let attrs: Vec<&str> = node.attributes().map(|a| a.name()).collect();
                shape.push(format!("{depth} <{}> {attrs:?}", node.tag_name().name()));
                values.extend(node.attributes().map(|a| a.value().to_owned()));
            }
            roxmltree::NodeType::Comment => shape.push(format!("{depth} comment")),
            roxmltree::NodeType::PI => shape.push(format!("{depth} pi")),
            roxmltree::NodeType::Text => values.push(node.text().unwrap_or_default().to_owned()),
            roxmltree::NodeType::Root => {}
        }
    }
    (shape, values)
}

/// The element names of an XML file, and its attribute names by element.
fn names(text: &str) -> BTreeSet<String> {
    let doc = roxmltree::Document::parse(text).unwrap();
    let mut out = BTreeSet::new();
    for el in doc.descendants().filter(|n| n.is_element()) {
        let name = el.tag_name().name();
        out.insert(format!("<{name}>"));
        out.extend(el.attributes().map(|a| format!("<{name}> {}", a.name())));
    }
    out
}

/// Checks a hostile render of a file against its benign render. `exact`:
/// the same settings or structure; otherwise a subset of them (a value
/// that changes what the family writes, e.g. an unknown locale).
fn check(format: Format, what: &str, benign: &str, hostile: &str, exact: bool) {
    match format {
        Format::Lines | Format::Words => {
            let keys = if format == Format::Lines { line_keys } else { word_keys };
            let (b, h) = (keys(benign), keys(hostile));
            if exact {
                assert_eq!(h, b, "{what}: the settings differ\n{hostile}");
            } else {
                let known: BTreeSet<&String> = b.iter().collect();
                let extra: Vec<&String> = h.iter().filter(|k| !known.contains(k)).collect();
                assert!(extra.is_empty(), "{what}: new settings {extra:?}\n{hostile}");
            }
        }
        Format::Cli => {
            let (b, h) = (cli_shape(benign), cli_shape(hostile));
            if exact {
                assert_eq!(h, b, "{what}: the commands differ\n{hostile}");
            } else {
                let known: BTreeSet<&String> = b.iter().map(|(_, c, _)| c).collect();
                let extra: Vec<&String> = h.iter().map(|(_, c, _)| c).filter(|c| !known.contains(c)).collect();
                assert!(extra.is_empty(), "{what}: new commands {extra:?}\n{hostile}");
            }
        }
        Format::Xml => {
            let (b, _) = xml_shape(what, benign);
            let (h, values) = xml_shape(what, hostile);
            if exact {
                assert_eq!(h, b, "{what}: the structure differs\n{hostile}");
            } else {
                let (b, h) = (names(benign), names(hostile));
                let extra: Vec<&String> = h.difference(&b).collect();
                assert!(extra.is_empty(), "{what}: new elements or attributes {extra:?}\n{hostile}");
            }
            if hostile.contains("pwned") {
                // Escaped, not dropped: the parser gives the value back.
                assert!(
                    values.iter().any(|v| v.contains("\"q\" 'a' <inj a=\"1\">&amp;]]></inj>")),
                    "{what}: the payload is not a value\n{hostile}"
                );
            }
        }
    }
    for line in hostile.lines() {
        for injected in INJECTED {
            assert!(!line.trim_start().starts_with(injected), "{what}: {injected:?} on a line of its own:\n{hostile}");
        }
        let controls = ['\r', '\u{2028}', '\u{2029}', '\u{85}', '\u{b}', '\u{c}', '\t', '\0', '\u{7f}', '\u{fffe}'];
        assert!(!line.contains(controls), "{what}: {line:?}");
    }
}

/// Every model of every plugin of `family`: the hostile configs and the
/// hostile locale against the benign config, file by file.
fn family(name: &str, format: Format) {
    let fx = Fixture::new();
    let models = fx.models(name);
    let mut files = 0;
    for (n, (plugin, model)) in models.iter().enumerate() {
        let benign = fx.render(&fx.device(n, plugin, model, "benign"));
        for (config, exact) in [("hostile_markup", true), ("hostile", true), ("hostile_locale", false)] {
            let hostile = fx.render(&fx.device(n, plugin, model, config));
            let paths = |files: &[RenderedFile]| files.iter().map(|f| f.key.clone()).collect::<Vec<_>>();
            assert_eq!(paths(&hostile), paths(&benign), "{plugin} {model}");
            for (b, h) in benign.iter().zip(&hostile) {
                if b.bytes.starts_with(b"-----BEGIN") {
                    continue;
                }
                check(format, &format!("{} ({model}, {config})", h.key), &text(b), &text(h), exact);
                files += 1;
            }
        }
        // The payload does reach the files: this is no test of a config the
        // templates ignore.
        let hostile = fx.render(&fx.device(n, plugin, model, "hostile"));
        assert!(hostile.iter().any(|f| text(f).contains("pwned")), "{plugin} {model}: the payload is written nowhere");
    }
    assert!(files >= models.len() * 3, "{files} files");
}

#[test]
fn yealink() {
    family("yealink", Format::Lines);
}

#[test]
fn aastra() {
    family("aastra", Format::Lines);
}

#[test]
fn cisco_sccp() {
    family("cisco_sccp", Format::Xml);
}

#[test]
fn cisco_spa() {
    family("cisco_spa", Format::Xml);
}

#[test]
fn digium() {
    family("digium", Format::Xml);
}

#[test]
fn polycom() {
    family("polycom", Format::Xml);
}

#[test]
fn snom() {
    family("snom", Format::Xml);
}

#[test]
fn cisco_sip() {
    family("cisco_sip", Format::Xml);
}

#[test]
fn avaya() {
    family("avaya", Format::Words);
}

#[test]
fn grandstream() {
    family("grandstream", Format::Xml);
}

#[test]
fn patton() {
    family("patton", Format::Cli);
}

#[test]
fn fanvil() {
    family("fanvil", Format::Xml);
}

#[test]
fn htek() {
    family("htek", Format::Xml);
}

#[test]
fn gigaset() {
    family("gigaset", Format::Xml);
}

#[test]
fn alcatel() {
    family("alcatel", Format::Xml);
}

/// The format a family's files are checked in: the syntax it renders
/// (from the family registry, so a new family is checked as it writes).
fn format_of(family: &str) -> Format {
    // Avaya's lines are `NAME value`, no `=` or `:` between.
    if family == "avaya" {
        return Format::Words;
    }
    // Patton's lines are CLI commands: a value there is an argument, which
    // the family quotes, not the rest of a `key = value` line.
    if family == "patton" {
        return Format::Cli;
    }
    match provd_families::by_id(family).expect("a registered family").syntax() {
        provd_core::family::Syntax::Lines => Format::Lines,
        provd_core::family::Syntax::Xml => Format::Xml,
    }
}

/// Device fields do not reach the files as settings either: a hostile
/// model (and vendor, version, serial number, description) makes a device
/// that renders like one of an unknown model, or that its family refuses
/// (Snom names files after the model).
#[test]
fn hostile_device_fields() {
    let fx = Fixture::new();
    for (n, lp) in fx.renderer.plugins().enumerate() {
        let plugin = lp.plugin.id.as_str();
        let benign = fx.device(2 * n, plugin, "Zz9", "benign");
        let mut hostile = fx.device(2 * n, plugin, &format!("Zz9{PAYLOAD}"), "benign");
        for field in [&mut hostile.vendor, &mut hostile.version, &mut hostile.sn, &mut hostile.description] {
            *field = Some(format!("x{PAYLOAD}"));
        }
        let benign = fx.render(&benign);
        match fx.renderer.render_device(&hostile) {
            DeviceRender::Configured { files, .. } => {
                assert_eq!(files.len(), benign.len(), "{plugin}");
                for (b, h) in benign.iter().zip(&files) {
                    check(format_of(&lp.plugin.info.family), &h.key, &text(b), &text(h), true);
                }
            }
            DeviceRender::Failed(e) => assert!(e.contains("model"), "{plugin}: {e}"),
            other => panic!("{plugin}: {other:?}"),
        }
    }
}

/// The files a plugin shares between its phones, rendered from the base
/// raw config (set by `--advertised-url` or the REST API): a hostile
/// server URL stays a value there too.
#[test]
fn hostile_base_raw_config_in_shared_files() {
    let shared = |url: &str| {
        let f = common::Fixture::new();
        let raw = json!({"ip": url, "http_port": 8667, "http_base_url": format!("http://{url}:8667"), "ntp_ip": url});
        let s = f.data.store();
        let mut w = s.write_txn().unwrap();
        s.set_base_raw_config(&mut w, raw.as_object().unwrap()).unwrap();
        w.commit().unwrap();
        let renderer = f.renderer();
        let mut out: Vec<(String, RenderedFile)> = renderer
            .plugins()
            .flat_map(|lp| {
                let family = lp.plugin.info.family.clone();
                renderer.plugin_files(&lp.plugin.id).unwrap().into_iter().map(move |f| (family.clone(), f))
            })
            .collect();
        out.sort_by(|a, b| a.1.key.cmp(&b.1.key));
        out
    };
    let benign = shared("10.0.0.1");
    let hostile = shared(&format!("10.0.0.1{PAYLOAD}"));
    assert_eq!(benign.len(), hostile.len());
    let mut differ = 0;
    for ((family, b), (_, h)) in benign.iter().zip(&hostile) {
        assert_eq!(b.key, h.key);
        if b.bytes != h.bytes {
            differ += 1;
            // Fanvil's firmware notes are lines in an XML family (docs/ESCAPING.md).
            let format = if h.key.ends_with(".txt") { Format::Lines } else { format_of(family) };
            check(format, &h.key, &text(b), &text(h), true);
        }
    }
    // The Snom, Polycom and Cisco SPA shared files do hold the URL.
    assert!(differ > 20, "{differ} shared files hold the server URL");
}

/// The reported case, end to end: a Yealink line's display name with
/// settings of its own, compiled and published, then read back from the
/// store as the phone would get it.
#[test]
fn yealink_display_name_published() {
    let f = common::Fixture::new();
    f.config(
        "c",
        json!({
            "sip_lines": {"1": {
                "username": "bob", "password": "s3cret", "proxy_ip": "10.0.0.1",
                "display_name": "Bob\naccount.1.password = X\nstatic.security.user_password = admin:pwned"
            }},
            "admin_password": "4dm1n", "http_base_url": "http://10.0.0.1:8667"
        }),
    );
    let d = Device {
        id: "d".into(),
        mac: Some(Mac([0x80, 0x5e, 0xc0, 0, 0, 1])),
        model: Some("T46S".into()),
        plugin: Some("wazo-yealink-v86".into()),
        config: Some("c".into()),
        ..Default::default()
    };
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    s.put_device(&mut w, &d).unwrap();
    w.commit().unwrap();
    let report = compile::compile(&f.data, &f.renderer(), &Options::default()).unwrap();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let r = s.read_txn().unwrap();
    let route = s.route(&r, "wazo-yealink-v86/805ec0000001.cfg").unwrap().expect("served");
    let served = String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap();
    let lines: Vec<&str> = served.lines().collect();
    let with = |prefix: &str| lines.iter().filter(|l| l.starts_with(prefix)).copied().collect::<Vec<_>>();
    assert_eq!(
        with("account.1.display_name"),
        ["account.1.display_name = Bob account.1.password = X static.security.user_password = admin:pwned"]
    );
    assert_eq!(with("account.1.password"), ["account.1.password = s3cret"]);
    assert_eq!(
        with("static.security.user_password"),
        ["static.security.user_password = user:user", "static.security.user_password = admin:4dm1n"]
    );
}

/// SIP line numbers become part of setting names: a config whose line key
/// is not a number is refused, naming the key, rather than rendered. So is
/// a time zone that is no zone name (families write the name or values
/// derived from it).
#[test]
fn sip_line_keys_that_are_no_numbers_and_unknown_time_zones_are_refused() {
    let f = common::Fixture::new();
    f.config("c", json!({"sip_lines": {"1.password = X\nstatic.x": {"username": "bob"}}}));
    f.config("tz", json!({"timezone": format!("Europe/Paris{PAYLOAD}")}));
    let renderer = f.renderer();
    for lp in renderer.plugins() {
        let d = Device {
            id: "tz".into(),
            mac: Some(Mac([0x00, 0x04, 0x13, 0, 0, 2])),
            model: lp.plugin.info.models.keys().next().cloned(),
            plugin: Some(lp.plugin.id.clone()),
            config: Some("tz".into()),
            ..Default::default()
        };
        match renderer.render_device(&d) {
            DeviceRender::Failed(e) => assert!(e.contains("raw config of tz: timezone: "), "{}: {e}", lp.plugin.id),
            other => panic!("{}: {other:?}", lp.plugin.id),
        }
        let model = lp.plugin.info.models.keys().next().unwrap().clone();
        let d = Device {
            id: "d".into(),
            mac: Some(Mac([0x00, 0x04, 0x13, 0, 0, 1])),
            model: Some(model),
            plugin: Some(lp.plugin.id.clone()),
            config: Some("c".into()),
            ..Default::default()
        };
        match renderer.render_device(&d) {
            DeviceRender::Failed(e) => assert!(
                e.contains("sip_lines.1.password = X\nstatic.x: keys must be positive integers"),
                "{}: {e}",
                lp.plugin.id
            ),
            other => panic!("{}: {other:?}", lp.plugin.id),
        }
    }
}
