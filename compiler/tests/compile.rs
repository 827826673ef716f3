//! The compiler against a real store in a temporary data directory, with a
//! small plugin of the yealink family whose templates the tests write.

mod common;

use std::path::Path;

use provd_compiler::compile::{self, ChangeKind, Options, Scope};
use provd_core::{Device, Mac};
use provd_store::Owner;
use provd_store::data::DataDir;
use serde_json::json;

const PLUGIN: &str = "test-yealink-1";

struct Fixture {
    _dir: tempfile::TempDir,
    data: DataDir,
}

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let (data, _) = DataDir::open(dir.path()).unwrap();
        let p = data.plugins_dir().join(PLUGIN);
        write(
            &p.join("plugin-info"),
            &json!({
                "version": "1.0", "description": "test", "family": "yealink",
                "capabilities": {}, "models": {"T46S": {"version": "66.86.0.15", "lines": 16}}
            })
            .to_string(),
        );
        write(&p.join("templates/base.tpl"), "base user={{ sip_lines['1'].username }}\n");
        write(&p.join("templates/T46S.tpl"), "{% extends 'base.tpl' %}");
        write(&p.join("var/tftpboot/static.xml"), "<static/>");
        Fixture { _dir: dir, data }
    }

    fn plugin_dir(&self) -> std::path::PathBuf {
        self.data.plugins_dir().join(PLUGIN)
    }

    fn put_config(&self, id: &str, parents: &[&str], raw: serde_json::Value) {
        common::put_config(&self.data, id, parents, raw);
    }

    fn put_device(&self, id: &str, mac: &str, model: Option<&str>, config: &str) {
        let d = Device {
            id: id.into(),
            mac: Some(Mac::parse(mac).unwrap()),
            model: model.map(Into::into),
            plugin: Some(PLUGIN.into()),
            config: Some(config.into()),
            ..Default::default()
        };
        let s = self.data.store();
        let mut w = s.write_txn().unwrap();
        s.put_device(&mut w, &d).unwrap();
        w.commit().unwrap();
    }

    fn line_config(&self, id: &str, user: &str) {
        self.put_config(id, &["base"], json!({"sip_lines": {"1": {"username": user, "password": "p"}}}));
    }

    fn compile(&self, opts: Options) -> compile::Report {
        let (renderer, warnings) = compile::renderer(&self.data, &opts.scope).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        compile::compile(&self.data, &renderer, &opts).unwrap()
    }

    fn all(&self) -> compile::Report {
        self.compile(Options::default())
    }

    /// The bytes served at `path` of the test plugin in the current generation.
    fn served(&self, path: &str) -> Option<String> {
        let s = self.data.store();
        let r = s.read_txn().unwrap();
        let route = s.route(&r, &format!("{PLUGIN}/{path}")).unwrap()?;
        Some(String::from_utf8(s.content(&r, &route).unwrap().to_vec()).unwrap())
    }

    /// The owner of the route at `path` of the test plugin, as its key.
    /// Deletes a device from the store behind the compiler's back.
    fn delete_device(&self, id: &str) {
        let s = self.data.store();
        let mut w = s.write_txn().unwrap();
        s.delete_device(&mut w, id).unwrap();
        w.commit().unwrap();
    }

    fn owner(&self, path: &str) -> Option<String> {
        let s = self.data.store();
        let r = s.read_txn().unwrap();
        let route = s.route(&r, &format!("{PLUGIN}/{path}")).unwrap()?;
        Some(route.owner_key().to_owned())
    }

    /// A compile of everything fails on one device only, with a message
    /// starting with `who` and containing `what`; generation 1 stays
    /// published, with d1's file for config c1 of user alice.
    fn fails_alone(&self, who: &str, what: &str) {
        let report = self.all();
        assert_eq!(report.generation, None);
        assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
        let msg = report.failures[0].to_string();
        assert!(msg.starts_with(who) && msg.contains(what), "{msg}");
        assert_eq!(self.generation(), 1);
        assert_eq!(self.served("805ec0000001.cfg").unwrap(), "base user=alice", "old generation still served");
    }

    fn generation(&self) -> u64 {
        let s = self.data.store();
        s.generation(&s.read_txn().unwrap()).unwrap()
    }
}

#[test]
fn renders_publishes_and_marks_devices_configured() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.put_device("d1", "80:5e:c0:00:00:01", Some("T46S"), "c1");
    let report = f.all();
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    assert_eq!(report.generation, Some(1));
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "base user=alice");
    assert_eq!(f.served("static.xml").unwrap(), "<static/>");
    let s = f.data.store();
    assert!(s.device(&s.read_txn().unwrap(), "d1").unwrap().unwrap().configured);
    assert!(report.summary().starts_with("published generation 1: 1 devices (1 configured)"), "{}", report.summary());
}

#[test]
fn template_precedence_device_file_then_model_then_base_custom_first() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.line_config("c2", "bob");
    f.line_config("c3", "carol");
    f.put_device("d1", "80:5e:c0:00:00:01", Some("T46S"), "c1");
    f.put_device("d2", "80:5e:c0:00:00:02", Some("T99"), "c2");
    f.put_device("d3", "80:5e:c0:00:00:03", Some("T46S"), "c3");
    let p = f.plugin_dir();
    write(&p.join("templates/T46S.tpl"), "{% extends 'base.tpl' %}"); // shipped model template
    write(&p.join("var/templates/T46S.tpl"), "custom model {{ sip_lines['1'].username }}");
    write(&p.join("var/templates/805ec0000003.cfg.tpl"), "{% include 'part.inc' %} device-specific");
    write(&p.join("templates/part.inc"), "shipped part");
    write(&p.join("var/templates/part.inc"), "custom part");
    assert!(f.all().failures.is_empty());
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "custom model alice");
    // Unknown model: base.tpl.
    assert_eq!(f.served("805ec0000002.cfg").unwrap(), "base user=bob");
    assert_eq!(f.served("805ec0000003.cfg").unwrap(), "custom part device-specific");
}

#[test]
fn a_failing_render_publishes_nothing_and_names_file_and_line() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.line_config("c2", "bob");
    f.put_device("d1", "80:5e:c0:00:00:01", Some("T46S"), "c1");
    f.put_device("d2", "80:5e:c0:00:00:02", Some("T46S"), "c2");
    assert_eq!(f.all().generation, Some(1));

    // Break the template for one device only; change the other's config.
    write(&f.plugin_dir().join("var/templates/805ec0000002.cfg.tpl"), "ok\n{% for x in %}\n");
    f.line_config("c1", "alice2");
    f.fails_alone("device d2 (80:5e:c0:00:00:02): template ", "var/templates/805ec0000002.cfg.tpl:2: syntax error");

    // --keep-going publishes what rendered; the failing device keeps its old file.
    let report = f.compile(Options { keep_going: true, ..Default::default() });
    assert_eq!(report.generation, Some(2));
    assert_eq!(report.failures.len(), 1);
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "base user=alice2");
    assert_eq!(f.served("805ec0000002.cfg").unwrap(), "base user=bob");
}

#[test]
fn a_template_that_never_ends_stops_and_publishes_nothing() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.put_device("d1", "80:5e:c0:00:00:01", Some("T46S"), "c1");
    assert_eq!(f.all().generation, Some(1));

    // A custom template with a loop that would run for hours.
    write(
        &f.plugin_dir().join("var/templates/T46S.tpl"),
        "user={{ sip_lines['1'].username }}\n\
         {% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}\n",
    );
    f.fails_alone(
        "device d1 (80:5e:c0:00:00:01): template ",
        "var/templates/T46S.tpl:2: stopped: the render used up its budget",
    );
}

#[test]
fn invalid_raw_config_and_cycles_are_precise_errors() {
    let f = Fixture::new();
    f.put_config("bad", &["base"], json!({"vlan_enabled": true, "vlan_id": 9999}));
    f.put_config("a", &["b"], json!({}));
    f.put_config("b", &["a"], json!({}));
    f.put_device("d1", "80:5e:c0:00:00:01", None, "bad");
    f.put_device("d2", "80:5e:c0:00:00:02", None, "a");
    let report = f.all();
    assert_eq!(report.generation, None);
    let msgs: Vec<String> = report.failures.iter().map(ToString::to_string).collect();
    assert!(msgs.iter().any(|m| m.contains("raw config of bad: vlan_id: 9999 is out of range 0..=4094")), "{msgs:?}");
    assert!(msgs.iter().any(|m| m.contains("config cycle in parent_ids: a -> b -> a")), "{msgs:?}");
    assert_eq!(f.generation(), 0);
    assert!(f.served("static.xml").is_none(), "nothing was published");
}

#[test]
fn identical_outputs_are_one_blob_and_unchanged_files_keep_their_etag() {
    let f = Fixture::new();
    for i in 0..20 {
        f.put_device(&format!("d{i}"), &format!("80:5e:c0:00:00:{i:02x}"), None, "autoprov");
    }
    let first = f.all();
    assert!(first.failures.is_empty(), "{:?}", first.failures);
    let s = f.data.store();
    let r = s.read_txn().unwrap();
    let ours: Vec<_> = s.routes(&r, &format!("{PLUGIN}/")).unwrap().map(|e| e.unwrap().1.blob_id()).collect();
    assert_eq!(ours.len(), 21, "20 device files and 1 static file");
    let mut blobs = ours.clone();
    blobs.sort();
    blobs.dedup();
    assert_eq!(blobs.len(), 2, "autoprov files are identical: one blob");
    drop(r);
    let etag = |key: &str| s.route(&s.read_txn().unwrap(), key).unwrap().unwrap().etag();
    let before = etag(&format!("{PLUGIN}/805ec0000001.cfg"));

    let again = f.all();
    assert_eq!(again.generation, Some(2));
    assert_eq!((again.files_changed(), again.blobs_written), (0, 0));
    assert_eq!(etag(&format!("{PLUGIN}/805ec0000001.cfg")), before);
}

#[test]
fn scopes_render_only_what_they_name() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.line_config("c2", "bob");
    f.put_device("d1", "80:5e:c0:00:00:01", None, "c1");
    f.put_device("d2", "80:5e:c0:00:00:02", None, "c2");
    f.all();
    write(&f.plugin_dir().join("var/templates/base.tpl"), "v2 {{ sip_lines['1'].username }}");
    let r = f.compile(Options { scope: Scope::Mac(Mac::parse("80-5E-C0-00-00-02").unwrap()), ..Default::default() });
    assert_eq!(r.devices, 1);
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "base user=alice");
    assert_eq!(f.served("805ec0000002.cfg").unwrap(), "v2 bob");
    let r = f.compile(Options { scope: Scope::Device("d1".into()), ..Default::default() });
    assert_eq!(r.updated, 1);
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "v2 alice");

    f.line_config("c1", "alice3");
    let r = f.compile(Options { scope: Scope::Config("base".into()), ..Default::default() });
    assert_eq!(r.devices, 2, "both configs inherit from base");

    let (renderer, _) = compile::renderer(&f.data, &Scope::All).unwrap();
    let e =
        compile::compile(&f.data, &renderer, &Options { scope: Scope::Plugin("nope".into()), ..Default::default() })
            .unwrap_err();
    assert!(e.to_string().starts_with("unknown plugin \"nope\" (installed: "), "{e}");
    assert!(e.to_string().contains(PLUGIN), "{e}");
}

#[test]
fn dry_run_lists_and_diffs_without_publishing() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.put_device("d1", "80:5e:c0:00:00:01", None, "c1");
    f.all();
    f.line_config("c1", "bob");
    let r = f.compile(Options { dry_run: true, diff: true, ..Default::default() });
    assert_eq!(r.generation, None);
    assert_eq!(r.changes.len(), 1);
    let c = &r.changes[0];
    assert_eq!((c.key.as_str(), c.kind), (format!("{PLUGIN}/805ec0000001.cfg").as_str(), ChangeKind::Updated));
    let diff = c.diff.as_deref().unwrap();
    assert!(diff.contains("-base user=alice") && diff.contains("+base user=bob"), "{diff}");
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "base user=alice");
    assert_eq!(f.generation(), 1);
}

#[test]
fn files_follow_their_device() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.put_device("d1", "80:5e:c0:00:00:01", None, "c1");
    f.all();
    // The MAC moves to a new device; the old one loses its config.
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    let mut d1 = s.device(&w, "d1").unwrap().unwrap();
    d1.mac = Some(Mac::parse("80:5e:c0:00:00:09").unwrap());
    d1.config = None;
    s.put_device(&mut w, &d1).unwrap();
    w.commit().unwrap();
    f.put_device("d2", "80:5e:c0:00:00:01", None, "c1");
    let r = f.all();
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!(f.owner("805ec0000001.cfg"), Some(Owner::device("d2").key().to_owned()));
    assert!(!s.device(&s.read_txn().unwrap(), "d1").unwrap().unwrap().configured);

    // A device deleted behind the compiler's back loses its files.
    f.delete_device("d2");
    let r = f.all();
    assert_eq!(r.removed, 1);
    assert!(f.served("805ec0000001.cfg").is_none());
}

#[test]
fn a_deleted_devices_path_goes_to_the_device_with_its_mac_in_one_compile() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.put_device("d1", "80:5e:c0:00:00:01", None, "c1");
    f.all();
    // Deleted behind the compiler's back, and its MAC given to a new device.
    f.delete_device("d1");
    f.put_device("d2", "80:5e:c0:00:00:01", None, "c1");
    let r = f.all();
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!(f.owner("805ec0000001.cfg"), Some(Owner::device("d2").key().to_owned()));
}

#[test]
fn a_latin1_plugin_gets_latin1_bytes() {
    let f = Fixture::new();
    let p = f.plugin_dir();
    let info = json!({
        "version": "1.0", "description": "test", "family": "yealink", "encoding": "ISO-8859-1",
        "capabilities": {}, "models": {}
    });
    write(&p.join("plugin-info"), &info.to_string());
    write(&p.join("templates/base.tpl"), "{{ sip_lines['1'].username }}");
    f.line_config("c1", "Frédéric €");
    f.put_device("d1", "80:5e:c0:00:00:01", None, "c1");
    assert!(f.all().failures.is_empty());
    let s = f.data.store();
    let r = s.read_txn().unwrap();
    let route = s.route(&r, &format!("{PLUGIN}/805ec0000001.cfg")).unwrap().unwrap();
    assert_eq!(s.content(&r, &route).unwrap(), b"Fr\xe9d\xe9ric ?");
}

#[test]
fn unchanged_devices_are_not_rendered_again_until_an_input_changes() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.line_config("c2", "bob");
    f.put_device("d1", "80:5e:c0:00:00:01", Some("T46S"), "c1");
    f.put_device("d2", "80:5e:c0:00:00:02", Some("T46S"), "c2");
    assert_eq!(f.all().unchanged, 0);
    let again = f.all();
    assert_eq!((again.unchanged, again.configured, again.files_changed()), (2, 2, 0));

    // Its own config, a parent config, a device field, a template: each
    // makes the devices it reaches render again.
    f.line_config("c1", "carol");
    let r = f.all();
    assert_eq!((r.unchanged, r.updated), (1, 1));
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "base user=carol");
    f.put_config("base", &[], json!({"X_note": "edited"}));
    assert_eq!(f.all().unchanged, 0);
    f.put_device("d2", "80:5e:c0:00:00:02", Some("T46S"), "c2");
    let s = f.data.store();
    let mut w = s.write_txn().unwrap();
    let mut d = s.device(&w, "d2").unwrap().unwrap();
    d.description = Some("desk 2".into());
    s.put_device(&mut w, &d).unwrap();
    w.commit().unwrap();
    assert_eq!(f.all().unchanged, 1);
    write(&f.plugin_dir().join("var/templates/base.tpl"), "custom user={{ sip_lines['1'].username }}\n");
    let r = f.all();
    assert_eq!((r.unchanged, r.updated), (0, 2));
    assert_eq!(f.served("805ec0000002.cfg").unwrap(), "custom user=bob");
    assert_eq!(f.all().unchanged, 2);

    // Files changed behind the record's back are rendered again.
    let mut w = s.write_txn().unwrap();
    let mut fw = s.file_writer(&mut w, 1).unwrap();
    fw.remove(&format!("{PLUGIN}/805ec0000001.cfg")).unwrap();
    fw.finish().unwrap();
    w.commit().unwrap();
    let r = f.all();
    assert_eq!((r.unchanged, r.created), (1, 1));
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "custom user=carol");

    // --force renders everything; a one-device compile always renders.
    let forced = f.compile(Options { force: true, ..Default::default() });
    assert_eq!((forced.unchanged, forced.files_changed()), (0, 0));
    assert_eq!(f.compile(Options { scope: Scope::Device("d1".into()), ..Default::default() }).unchanged, 0);
    // ...and leaves no record behind, so the next full compile renders it.
    assert_eq!(f.all().unchanged, 1);
    assert_eq!(f.all().unchanged, 2);
}

/// A config no device uses, directly or through its descendants, is
/// compiled into nothing: no generation, no compile counted.
#[test]
fn a_config_nobody_uses_publishes_nothing() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.put_device("d1", "80:5e:c0:00:00:01", None, "c1");
    assert_eq!(f.all().generation, Some(1));
    f.line_config("unused", "nobody");
    f.put_config("unused-child", &["unused"], json!({}));
    let r = f.compile(Options { scope: Scope::Config("unused".into()), ..Default::default() });
    assert_eq!((r.generation, r.devices, r.files_rendered), (None, 0, 0));
    assert!(r.summary().starts_with("no device in scope, nothing published"), "{}", r.summary());
    assert_eq!(f.generation(), 1);

    let publisher = provd_compiler::publish::Publisher::new(f.data.clone(), Vec::new());
    let r = publisher.publish(&Options { scope: Scope::Config("unused".into()), ..Default::default() }).unwrap();
    assert_eq!((r.generation, r.devices), (None, 0));
    assert_eq!(publisher.stats().compiles.load(std::sync::atomic::Ordering::Relaxed), 0);
    assert_eq!(f.generation(), 1);

    // An unknown config is still an error, not an empty scope.
    let e = publisher.publish(&Options { scope: Scope::Config("nope".into()), ..Default::default() }).unwrap_err();
    assert_eq!(e.to_string(), "unknown config \"nope\"");
}

/// A write of a config re-renders exactly the devices on it and on its
/// descendants (found through the store's indexes, whatever the depth or
/// however reparented), and what it publishes is byte for byte what a
/// full compile would.
#[test]
fn a_config_scope_renders_its_devices_and_its_descendants_like_a_full_compile() {
    let f = Fixture::new();
    write(&f.plugin_dir().join("var/templates/base.tpl"), "user={{ sip_lines['1'].username }} site={{ X_site }}");
    f.put_config("site", &["base"], json!({"X_site": "A"}));
    f.put_config("elsewhere", &["base"], json!({"X_site": "B"}));
    let line = |user: &str| json!({"sip_lines": {"1": {"username": user, "password": "p"}}});
    f.put_config("u1", &["site"], line("alice"));
    f.put_config("u2", &["site"], line("bob"));
    f.put_config("u1b", &["u1"], json!({"sip_lines": {"1": {"username": "carol"}}}));
    f.put_config("u4", &["elsewhere"], line("dave"));
    f.put_device("d1", "80:5e:c0:00:00:01", None, "u1");
    f.put_device("d2", "80:5e:c0:00:00:02", None, "u2");
    f.put_device("d3", "80:5e:c0:00:00:03", None, "u1b");
    f.put_device("d4", "80:5e:c0:00:00:04", None, "u4");
    assert!(f.all().failures.is_empty());
    assert_eq!(f.served("805ec0000003.cfg").unwrap(), "user=carol site=A");

    f.put_config("site", &["base"], json!({"X_site": "A2"}));
    let r = f.compile(Options { scope: Scope::Config("site".into()), ..Default::default() });
    assert!(r.failures.is_empty(), "{:?}", r.failures);
    assert_eq!((r.devices, r.updated, r.generation), (3, 3, Some(2)));
    for (mac, want) in [("01", "user=alice site=A2"), ("02", "user=bob site=A2"), ("03", "user=carol site=A2")] {
        assert_eq!(f.served(&format!("805ec00000{mac}.cfg")).unwrap(), want);
    }
    assert_eq!(f.served("805ec0000004.cfg").unwrap(), "user=dave site=B");
    // A full compile, rendering every device again, changes nothing.
    let full = f.compile(Options { force: true, ..Default::default() });
    assert_eq!((full.devices, full.files_changed()), (4, 0));

    // Reparented: u2 now inherits from elsewhere; site no longer reaches it.
    f.put_config("u2", &["elsewhere"], line("bob"));
    let r = f.compile(Options { scope: Scope::Config("u2".into()), ..Default::default() });
    assert_eq!((r.devices, r.updated), (1, 1));
    assert_eq!(f.served("805ec0000002.cfg").unwrap(), "user=bob site=B");
    let r = f.compile(Options { scope: Scope::Config("site".into()), ..Default::default() });
    assert_eq!(r.devices, 2, "d1 and d3");
    let r = f.compile(Options { scope: Scope::Config("elsewhere".into()), ..Default::default() });
    assert_eq!(r.devices, 2, "d2 and d4");
    let full = f.compile(Options { force: true, ..Default::default() });
    assert_eq!(full.files_changed(), 0);
}

/// A publisher keeps the loaded plugins and their parsed templates between
/// publishes, yet a template edited between two (added, or rewritten in
/// place at the same size) is what the next one renders: the render
/// records see the new template, the cache is not used stale.
#[test]
fn a_publisher_renders_templates_edited_between_publishes() {
    let f = Fixture::new();
    f.line_config("c1", "alice");
    f.put_device("d1", "80:5e:c0:00:00:01", None, "c1");
    let publisher = provd_compiler::publish::Publisher::new(f.data.clone(), Vec::new());
    let c1 = || Options { scope: Scope::Config("c1".into()), ..Default::default() };
    assert_eq!(publisher.publish(&Options::default()).unwrap().generation, Some(1));
    f.line_config("c1", "bob");
    assert_eq!(publisher.publish(&c1()).unwrap().updated, 1);
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "base user=bob");
    // Nothing changed: rendered or not, nothing is updated.
    assert_eq!(publisher.publish(&c1()).unwrap().updated, 0);

    write(&f.plugin_dir().join("var/templates/base.tpl"), "v2 {{ sip_lines['1'].username }}");
    assert_eq!(publisher.publish(&c1()).unwrap().updated, 1);
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "v2 bob");
    write(&f.plugin_dir().join("var/templates/base.tpl"), "v3 {{ sip_lines['1'].username }}");
    let r = publisher.publish(&Options { scope: Scope::Device("d1".into()), ..Default::default() }).unwrap();
    assert_eq!(r.updated, 1);
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "v3 bob");
    std::fs::remove_file(f.plugin_dir().join("var/templates/base.tpl")).unwrap();
    assert_eq!(publisher.publish(&c1()).unwrap().updated, 1);
    assert_eq!(f.served("805ec0000001.cfg").unwrap(), "base user=bob");
}
