//! The template environment of one plugin, set up for Jinja2 parity.
//!
//! wazo-provd renders with a plain Jinja2 `Environment`: no autoescape,
//! undefined values render empty, `.items()` and other Python methods work,
//! dicts keep insertion order. minijinja matches that with pycompat, the
//! `preserve_order` features and autoescape off (it would otherwise
//! HTML-escape `.xml` templates).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use minijinja::{AutoEscape, Environment, Value};
use provd_shared::Plugin;

/// The work one render may do, in minijinja fuel: about one instruction, or
/// 64 bytes of output and strings. The largest shipped template renders in
/// some 1,250 (a Yealink T57W with function keys, on the bench fleet); a
/// custom template that loops without end or builds a huge string stops
/// here, after a fraction of a second and at most ~128 MB, with an error
/// naming its file and line, instead of holding a compile (or the server's
/// render of a new phone) forever or exhausting memory.
pub const RENDER_FUEL: u64 = 2_000_000;

/// Where a template name was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `var/templates/`: the administrator's override.
    Custom,
    /// `templates/`: shipped with the plugin.
    Shipped,
}

/// The templates of one plugin. Every lookup (`<file>.tpl`, `<model>.tpl`,
/// `base.tpl`, and every `include`/`extends`/`import`) searches
/// `var/templates/` first, then `templates/`.
pub struct Templates {
    env: Environment<'static>,
    index: Arc<HashMap<String, (Origin, PathBuf)>>,
    /// Per template, the length of its last output: the next render's
    /// buffer starts that large instead of growing (and copying) its way
    /// there from minijinja's estimate, which for a template that extends
    /// another counts only its own text.
    last_len: HashMap<String, AtomicUsize>,
    custom_dir: PathBuf,
    shipped_dir: PathBuf,
    /// See [`Templates::skipped`].
    skipped: Vec<String>,
}

/// Adds the files of `root` (walked by [`crate::tree::walk`]: no link to a
/// directory or out of the tree is followed) to `index`; returns what was
/// skipped.
fn index_dir(root: &Path, origin: Origin, index: &mut HashMap<String, (Origin, PathBuf)>) -> Vec<String> {
    let tree = crate::tree::walk(root);
    for (name, path) in tree.files {
        // Custom templates are indexed first and win.
        index.entry(name).or_insert((origin, path));
    }
    let mut skipped = tree.skipped;
    skipped.extend(tree.unreadable.into_iter().map(|e| format!("cannot read {e}: skipped")));
    skipped
}

impl Templates {
    pub fn for_plugin(plugin: &Plugin) -> Templates {
        Templates::from_dirs(plugin.custom_templates_dir(), plugin.templates_dir())
    }

    pub fn from_dirs(custom_dir: PathBuf, shipped_dir: PathBuf) -> Templates {
        let mut index = HashMap::new();
        let mut skipped = index_dir(&custom_dir, Origin::Custom, &mut index);
        skipped.extend(index_dir(&shipped_dir, Origin::Shipped, &mut index));
        let last_len = index.keys().map(|k| (k.clone(), AtomicUsize::new(0))).collect();
        let index = Arc::new(index);
        let mut env = Environment::new();
        let loader_index = index.clone();
        // Names come from the directory index only, so `include '../x'`
        // cannot escape the plugin.
        env.set_loader(move |name| match loader_index.get(name) {
            Some((_, path)) => std::fs::read_to_string(path).map(Some).map_err(|e| {
                minijinja::Error::new(minijinja::ErrorKind::InvalidOperation, format!("cannot read {}", path.display()))
                    .with_source(e)
            }),
            None => Ok(None),
        });
        env.set_auto_reload(false);
        env.set_fuel(Some(RENDER_FUEL));
        env.set_auto_escape_callback(|_| AutoEscape::None);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        minijinja_contrib::add_to_environment(&mut env);
        jinja2_filters(&mut env);
        Templates { env, index, last_len, custom_dir, shipped_dir, skipped }
    }

    /// The paths the template index skipped (links to directories or out
    /// of the tree, too deep, not regular files), each with why.
    pub fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// A digest of every template (name, origin, contents): a template
    /// edit, added override or plugin upgrade changes it. Reads every file.
    pub fn digest(&self) -> [u8; 32] {
        let mut names: Vec<&String> = self.index.keys().collect();
        names.sort();
        let mut h = blake3::Hasher::new();
        for name in names {
            let (origin, path) = &self.index[name];
            h.update(&(name.len() as u64).to_le_bytes());
            h.update(name.as_bytes());
            h.update(&[*origin as u8]);
            match std::fs::read(path) {
                Ok(bytes) => h.update(&(bytes.len() as u64).to_le_bytes()).update(&bytes),
                // Unreadable: a render using it fails, and failures leave no record.
                Err(_) => h.update(&u64::MAX.to_le_bytes()),
            };
        }
        *h.finalize().as_bytes()
    }

    pub fn exists(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The first existing name among `candidates`.
    pub fn first_existing<'n>(&self, candidates: &[&'n str]) -> Option<&'n str> {
        candidates.iter().copied().find(|c| self.exists(c))
    }

    /// The file a template name resolves to (for error messages).
    pub fn path_of(&self, name: &str) -> Option<&Path> {
        self.index.get(name).map(|(_, p)| p.as_path())
    }

    pub fn origin_of(&self, name: &str) -> Option<Origin> {
        self.index.get(name).map(|(o, _)| *o)
    }

    pub fn render(&self, name: &str, ctx: &Value) -> Result<String, RenderError> {
        let tpl = self.env.get_template(name).map_err(|e| self.error(name, e))?;
        let Some(last_len) = self.last_len.get(name) else {
            return tpl.render(ctx).map_err(|e| self.error(name, e));
        };
        let hint = last_len.load(Ordering::Relaxed);
        let mut out = Vec::with_capacity(hint + hint / 16);
        tpl.render_captured_to(ctx, &mut out).map_err(|e| self.error(name, e))?;
        last_len.store(out.len(), Ordering::Relaxed);
        // minijinja writes `str`s only.
        Ok(String::from_utf8(out).expect("templates render UTF-8"))
    }

    fn error(&self, requested: &str, outer: minijinja::Error) -> RenderError {
        // A failure inside an included template arrives as the include's
        // error with the real one as its source: report the innermost that
        // knows its template (its line is that template's).
        let mut e = &outer;
        while let Some(inner) = std::error::Error::source(e)
            .and_then(|s| s.downcast_ref::<minijinja::Error>())
            .filter(|inner| inner.name().is_some())
        {
            e = inner;
        }
        let name = e.name().unwrap_or(requested).to_owned();
        let file = self.path_of(&name).map(Path::to_path_buf).unwrap_or_else(|| {
            // Not found anywhere: say where it was looked for.
            PathBuf::from(format!("{}|{}/{name}", self.custom_dir.display(), self.shipped_dir.display()))
        });
        let message = match (e.kind(), e.detail()) {
            (minijinja::ErrorKind::OutOfFuel, _) => format!(
                "stopped: the render used up its budget ({RENDER_FUEL} steps, or about {} MB of text); \
                 a loop that does not end or a string far larger than a phone's file?",
                RENDER_FUEL * 64 / 1_000_000
            ),
            (kind, Some(d)) => format!("{kind}: {d}"),
            (kind, None) => kind.to_string(),
        };
        RenderError { file, line: e.line(), message }
    }
}

/// Filters whose minijinja behaviour differs from Jinja2's in ways plugin
/// templates notice (found by the parity corpus, tests/jinja_parity.rs).
fn jinja2_filters(env: &mut Environment<'static>) {
    // markupsafe escapes quotes as &#34; and &#39;.
    fn escape(value: Value) -> Value {
        if value.is_safe() {
            return value;
        }
        let s = value.to_string();
        let mut out = String::with_capacity(s.len() + 8);
        for c in s.chars() {
            match c {
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&#34;"),
                '\'' => out.push_str("&#39;"),
                c => out.push(c),
            }
        }
        Value::from_safe_string(out)
    }
    env.add_filter("escape", escape);
    env.add_filter("e", escape);

    // Jinja2's int never fails: "42.23"|int is 42 and "n/a"|int is the
    // default (0), where minijinja raises an error.
    fn int(value: Value, default: Option<Value>, base: Option<u32>) -> Value {
        let default = || default.clone().unwrap_or(Value::from(0));
        if value.kind() == minijinja::value::ValueKind::Bool {
            return Value::from(value.is_true() as i64);
        }
        if value.kind() == minijinja::value::ValueKind::Number {
            return match value.as_i64() {
                Some(i) => Value::from(i),
                None => f64::try_from(value.clone())
                    .ok()
                    .filter(|f| f.is_finite())
                    .map(|f| Value::from(f.trunc() as i64))
                    .unwrap_or_else(default),
            };
        }
        let Some(s) = value.as_str() else { return default() };
        let s = s.trim();
        let base = base.unwrap_or(10);
        if let Ok(i) = i64::from_str_radix(s.strip_prefix('+').unwrap_or(s), base) {
            return Value::from(i);
        }
        match s.parse::<f64>() {
            Ok(f) if f.is_finite() && base == 10 => Value::from(f.trunc() as i64),
            _ => default(),
        }
    }
    env.add_filter("int", int);

    fn float(value: Value, default: Option<Value>) -> Value {
        let parsed = match value.kind() {
            minijinja::value::ValueKind::Number | minijinja::value::ValueKind::Bool => {
                f64::try_from(value.clone()).ok()
            }
            minijinja::value::ValueKind::String => value.as_str().and_then(|s| s.trim().parse::<f64>().ok()),
            _ => None,
        };
        parsed.map(Value::from).unwrap_or_else(|| default.unwrap_or(Value::from(0.0)))
    }
    env.add_filter("float", float);
}

/// A template failure: which file, which line, what.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{}: {message}", file.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct RenderError {
    pub file: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(files: &[(&str, &str)]) -> (tempfile::TempDir, Templates) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, body) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let t = Templates::from_dirs(dir.path().join("var/templates"), dir.path().join("templates"));
        (dir, t)
    }

    #[test]
    fn custom_templates_win_for_lookups_includes_and_extends() {
        let (_d, t) = setup(&[
            ("templates/base.tpl", "shipped base [{% block body %}{% endblock %}] {% include 'footer.inc' %}"),
            ("templates/footer.inc", "shipped footer"),
            ("templates/6739i.tpl", "{% extends 'base.tpl' %}{% block body %}model{% endblock %}"),
            ("var/templates/footer.inc", "custom footer"),
        ]);
        let out = t.render("6739i.tpl", &Value::UNDEFINED).unwrap();
        assert_eq!(out, "shipped base [model] custom footer");
        assert_eq!(t.origin_of("footer.inc"), Some(Origin::Custom));
        assert_eq!(t.origin_of("base.tpl"), Some(Origin::Shipped));
    }

    #[test]
    fn no_html_escaping_even_for_xml_names() {
        let (_d, t) = setup(&[("templates/SEP.cnf.xml", "{{ name }}")]);
        let ctx = minijinja::context! { name => "Tom & Jerry <Sales>" };
        assert_eq!(t.render("SEP.cnf.xml", &ctx).unwrap(), "Tom & Jerry <Sales>");
    }

    /// Renders `name`, which must fail in `file` (under the setup's
    /// directory) at `line` with a message containing `message`.
    fn fails_at(t: &Templates, name: &str, file: &Path, line: usize, message: &str) {
        let e = t.render(name, &Value::UNDEFINED).unwrap_err();
        assert_eq!((e.file.as_path(), e.line), (file, Some(line)), "{e}");
        assert!(e.message.contains(message), "{e}");
    }

    const OUT_OF_FUEL: &str = "stopped: the render used up its budget";

    #[test]
    fn errors_name_the_innermost_file_and_line() {
        let (d, t) = setup(&[
            ("templates/base.tpl", "line1\n{% include 'inc.tpl' %}"),
            ("var/templates/inc.tpl", "ok\nok\n{{ 1 + }}\n"),
        ]);
        fails_at(&t, "base.tpl", &d.path().join("var/templates/inc.tpl"), 3, "syntax error");
        let e = t.render("nope.tpl", &Value::UNDEFINED).unwrap_err();
        assert!(e.to_string().contains("nope.tpl"), "{e}");

        // A failure at render time inside an include, two levels down.
        let (d, t) = setup(&[
            ("templates/base.tpl", "line1\n{% include 'mid.tpl' %}"),
            ("templates/mid.tpl", "{% include 'inc.tpl' %}"),
            ("var/templates/inc.tpl", "ok\nok\n{{ 1 // 0 }}\n"),
        ]);
        fails_at(&t, "base.tpl", &d.path().join("var/templates/inc.tpl"), 3, "unable to calculate 1 // 0");
    }

    #[test]
    fn runaway_templates_stop_with_their_file_and_line() {
        let (d, t) = setup(&[
            ("templates/base.tpl", "head\n{% include 'loop.tpl' %}"),
            (
                "var/templates/loop.tpl",
                "ok\n{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}\n",
            ),
            ("var/templates/big.tpl", "{% for i in range(1000) %}\n{{ 'x' * 50000000 }}{% endfor %}"),
        ]);
        fails_at(&t, "base.tpl", &d.path().join("var/templates/loop.tpl"), 2, OUT_OF_FUEL);
        fails_at(&t, "big.tpl", &d.path().join("var/templates/big.tpl"), 2, OUT_OF_FUEL);
        // The same environment renders the next template normally.
        let (_d, t) = setup(&[("templates/a.tpl", "{% for i in range(3000) %}{{ i }}{% endfor %}")]);
        assert_eq!(t.render("a.tpl", &Value::UNDEFINED).unwrap().len(), 10890);
    }

    #[test]
    fn includes_cannot_leave_the_plugin() {
        let (_d, t) = setup(&[("templates/base.tpl", "{% include '../../../etc/passwd' %}")]);
        assert!(t.render("base.tpl", &Value::UNDEFINED).is_err());
    }
}
