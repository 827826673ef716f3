//! The template environment of one plugin, set up for Jinja2 parity.
//!
//! wazo-provd renders with a plain Jinja2 `Environment`: no autoescape,
//! undefined values render empty, `.items()` and other Python methods work,
//! dicts keep insertion order. minijinja matches that with pycompat and the
//! `preserve_order` features, and never HTML-escapes by file name.
//!
//! One departure, for safety: a plugin's environment escapes every printed
//! value for the syntax of its family's files ([`Syntax`]), so that no
//! raw-config value becomes a line, key, element or attribute of its own
//! (docs/ESCAPING.md). It is minijinja's auto-escaping with a format of
//! ours ([`AutoEscape::Custom`]) and a formatter that applies it: a safe
//! string (`|e`, `|safe`, a macro's or block's output, a family's markup
//! value) is printed as it is, anything else escaped. Without a syntax
//! ([`Templates::from_dirs`]) nothing is escaped, exactly as in Jinja2.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use minijinja::value::ValueKind;
use minijinja::{AutoEscape, Environment, Error, Output, State, Value};
use provd_core::Plugin;
use provd_core::syntax::{self, Syntax};

/// The work one render may do, in minijinja fuel: about one instruction, or
/// 64 bytes of output and strings. The largest shipped template renders in
/// some 1,250 (a Yealink T57W with function keys, on the bench fleet); a
/// custom template that loops without end or builds a huge string stops
/// here, after a fraction of a second and at most ~128 MB, with an error
/// naming its file and line, instead of holding a compile (or the server's
/// render of a new phone) forever or exhausting memory.
pub(crate) const RENDER_FUEL: u64 = 2_000_000;

/// Where a template name was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
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

/// Adds the files of `root` (walked by [`crate::render::tree::walk`]: no link to a
/// directory or out of the tree is followed) to `index`; returns what was
/// skipped.
fn index_dir(root: &Path, origin: Origin, index: &mut HashMap<String, (Origin, PathBuf)>) -> Vec<String> {
    let tree = crate::render::tree::walk(root);
    for (name, path) in tree.files {
        // Custom templates are indexed first and win.
        index.entry(name).or_insert((origin, path));
    }
    let mut skipped = tree.skipped;
    skipped.extend(tree.unreadable.into_iter().map(|e| format!("cannot read {e}: skipped")));
    skipped
}

impl Templates {
    /// The plugin's templates, printing values escaped for its family's
    /// files.
    pub(crate) fn for_plugin(plugin: &Plugin) -> Templates {
        Templates::with_syntax(plugin.custom_templates_dir(), plugin.templates_dir(), Some(plugin.family.syntax()))
    }

    /// Templates printing values as they are, as Jinja2 without autoescape
    /// does.
    pub fn from_dirs(custom_dir: PathBuf, shipped_dir: PathBuf) -> Templates {
        Templates::with_syntax(custom_dir, shipped_dir, None)
    }

    /// Templates printing values escaped for `syntax` (as they are without).
    pub(crate) fn with_syntax(custom_dir: PathBuf, shipped_dir: PathBuf, syntax: Option<Syntax>) -> Templates {
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
        // Every template of the plugin, whatever its name: the family's
        // files share one syntax.
        let auto_escape = syntax.map_or(AutoEscape::None, |s| AutoEscape::Custom(s.name().into()));
        env.set_auto_escape_callback(move |_| auto_escape.clone());
        env.set_formatter(format_value);
        env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
        minijinja_contrib::add_to_environment(&mut env);
        jinja2_filters(&mut env);
        Templates { env, index, last_len, custom_dir, shipped_dir, skipped }
    }

    /// The paths the template index skipped (links to directories or out
    /// of the tree, too deep, not regular files), each with why.
    pub(crate) fn skipped(&self) -> &[String] {
        &self.skipped
    }

    /// A digest of every template (name, origin, contents): a template
    /// edit, added override or plugin upgrade changes it. Reads every file.
    pub(crate) fn digest(&self) -> [u8; 32] {
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

    /// Whether a template of this name is in either directory.
    pub(crate) fn exists(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The first existing name among `candidates`.
    pub(crate) fn first_existing<'n>(&self, candidates: &[&'n str]) -> Option<&'n str> {
        candidates.iter().copied().find(|c| self.exists(c))
    }

    /// The file a template name resolves to (for error messages).
    pub(crate) fn path_of(&self, name: &str) -> Option<&Path> {
        self.index.get(name).map(|(_, p)| p.as_path())
    }

    /// Which directory a template name resolves in.
    #[cfg(test)]
    fn origin_of(&self, name: &str) -> Option<Origin> {
        self.index.get(name).map(|(o, _)| *o)
    }

    /// Renders the template `name` with `ctx` (see [`crate::render::context`]);
    /// the error names the file and line that failed.
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

/// The file syntax the current template prints in, if any.
fn syntax_of(state: &State) -> Option<Syntax> {
    match state.auto_escape() {
        AutoEscape::Custom(name) => Syntax::from_name(name),
        _ => None,
    }
}

/// Prints a `{{ ... }}` value: safe strings as they are, anything else
/// escaped for the file's syntax. Numbers, booleans, none and undefined
/// print as minijinja prints them (nothing to escape there); strings are
/// written borrowed when they need no escaping.
fn format_value(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    let Some(syntax) = syntax_of(state) else {
        // No file syntax, or an `{% autoescape %}` block of the template's own.
        return minijinja::escape_formatter(out, state, value);
    };
    if value.is_safe() {
        return out.write_str(value.as_str().unwrap_or_default()).map_err(Error::from);
    }
    let written = match value.kind() {
        ValueKind::String => syntax.write_escaped(out, value.as_str().unwrap_or_default()),
        ValueKind::Undefined | ValueKind::None | ValueKind::Bool | ValueKind::Number => {
            std::fmt::Write::write_fmt(out, format_args!("{value}"))
        }
        // Lists, maps and the like print their repr, which holds their strings.
        _ => syntax.write_escaped(out, &value.to_string()),
    };
    written.map_err(Error::from)
}

/// Filters whose minijinja behaviour differs from Jinja2's in ways plugin
/// templates notice (found by the parity corpus, tests/jinja_parity.rs).
fn jinja2_filters(env: &mut Environment<'static>) {
    // markupsafe escapes quotes as &#34; and &#39;. In a file with a syntax,
    // line breaks and other control characters become spaces too (markupsafe
    // keeps them): `|e` is what templates copied from wazo-provd use, and it
    // must not let a value out of its line in a `key: value` file either.
    fn escape(state: &State, value: Value) -> Value {
        if value.is_safe() {
            return value;
        }
        let text;
        let s = match value.as_str() {
            Some(s) => s,
            None => {
                text = value.to_string();
                &text
            }
        };
        Value::from_safe_string(match syntax_of(state) {
            Some(_) => syntax::xml(s).into_owned(),
            None => syntax::markupsafe(s),
        })
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
    /// The template file that failed (the innermost included one); for a
    /// template found nowhere, both directories and the name.
    pub file: PathBuf,
    /// Its line, when minijinja knows it (1-based).
    pub line: Option<usize>,
    /// minijinja's error kind and detail, or why the render was stopped.
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(files: &[(&str, &str)]) -> (tempfile::TempDir, Templates) {
        setup_with(files, None)
    }

    fn setup_with(files: &[(&str, &str)], syntax: Option<Syntax>) -> (tempfile::TempDir, Templates) {
        let dir = tempfile::tempdir().unwrap();
        for (rel, body) in files {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
        let t = Templates::with_syntax(dir.path().join("var/templates"), dir.path().join("templates"), syntax);
        (dir, t)
    }

    /// Renders `template` (a custom one) with `ctx` in `syntax`.
    fn render_in(syntax: Option<Syntax>, template: &str, ctx: &Value) -> String {
        let (_d, t) = setup_with(&[("var/templates/t.tpl", template)], syntax);
        t.render("t.tpl", ctx).unwrap()
    }

    const HOSTILE: &str = "Bob\naccount.1.password = X\r\n<b a=\"1\">&'c'\u{2028}\u{85}\t]]>";

    #[test]
    fn printed_values_are_escaped_for_the_files_syntax() {
        let ctx = minijinja::context! { v => HOSTILE, n => 5, f => 2.5, t => true, nothing => () };
        let template = "{{ v }}|{{ n }}|{{ f }}|{{ t }}|{{ nothing }}|{{ missing }}|{{ 'x' ~ v }}";
        assert_eq!(
            render_in(Some(Syntax::Lines), template, &ctx),
            "Bob account.1.password = X  <b a=\"1\">&'c'   ]]>|5|2.5|True|None||xBob account.1.password = X  \
             <b a=\"1\">&'c'   ]]>"
        );
        assert_eq!(
            render_in(Some(Syntax::Xml), template, &ctx),
            "Bob account.1.password = X  &lt;b a=&#34;1&#34;&gt;&amp;&#39;c&#39;   ]]&gt;|5|2.5|True|None||\
             xBob account.1.password = X  &lt;b a=&#34;1&#34;&gt;&amp;&#39;c&#39;   ]]&gt;"
        );
        // Without a syntax, as in Jinja2: nothing is escaped.
        assert_eq!(render_in(None, "{{ v }}", &ctx), HOSTILE);
        // A list prints its repr, escaped as a whole.
        let ctx = minijinja::context! { l => vec!["<a>", "b"] };
        assert_eq!(render_in(Some(Syntax::Xml), "{{ l }}", &ctx), "[&#39;&lt;a&gt;&#39;, &#39;b&#39;]");
    }

    #[test]
    fn escaped_and_safe_values_are_not_escaped_twice() {
        let ctx = minijinja::context! { v => "Tom & \"Jerry\" <it's>" };
        let xml = Some(Syntax::Xml);
        // `|e`, as templates copied from wazo-provd write it: escaped once,
        // as markupsafe does.
        let once = "Tom &amp; &#34;Jerry&#34; &lt;it&#39;s&gt;";
        assert_eq!(render_in(xml, "{{ v|e }}", &ctx), once);
        assert_eq!(render_in(xml, "{{ v|e|e }}", &ctx), once);
        assert_eq!(render_in(None, "{{ v|e }}", &ctx), once);
        assert_eq!(render_in(Some(Syntax::Lines), "{{ v|e }}", &ctx), once);
        // `|e` in a file with a syntax drops line breaks too.
        let ctx = minijinja::context! { v => "a\nb<" };
        assert_eq!(render_in(Some(Syntax::Lines), "{{ v|e }}", &ctx), "a b&lt;");
        assert_eq!(render_in(None, "{{ v|e }}", &ctx), "a\nb&lt;");
        // `|safe` and an autoescape block opt out.
        assert_eq!(render_in(xml, "{{ v|safe }}", &ctx), "a\nb<");
        assert_eq!(render_in(xml, "{% autoescape false %}{{ v }}{% endautoescape %}{{ v }}", &ctx), "a\nb<a b&lt;");
        // What the template writes itself is markup: macros, blocks, set
        // blocks, includes; the values inside are escaped once.
        let ctx = minijinja::context! { v => "<x>" };
        let (_d, t) = setup_with(
            &[
                ("templates/base.tpl", "<r>{% block b %}<b>{{ v }}</b>{% endblock %}</r>"),
                ("templates/inc.tpl", "<i>{{ v }}</i>"),
                (
                    "var/templates/t.tpl",
                    "{% extends 'base.tpl' %}{% macro m(a) %}<m>{{ a }}</m>{% endmacro %}\
                     {% block b %}{{ super() }}{{ m(v) }}{% set s %}<s>{{ v }}</s>{% endset %}{{ s }}\
                     {% include 'inc.tpl' %}{{ '<l>'|safe ~ v }}{% endblock %}",
                ),
            ],
            xml,
        );
        assert_eq!(
            t.render("t.tpl", &ctx).unwrap(),
            "<r><b>&lt;x&gt;</b><m>&lt;x&gt;</m><s>&lt;x&gt;</s><i>&lt;x&gt;</i><l>&lt;x&gt;</r>"
        );
    }

    #[test]
    fn markup_values_of_the_family_print_as_they_are() {
        let raw =
            serde_json::json!({"XX_fkeys": "<k a=\"1\">x</k>\n<k/>", "XX_other": "<k/>", "l": {"XX_fkeys": "<k/>"}});
        let ctx = crate::render::context::context_with_markup(raw.as_object().unwrap().clone(), &["XX_fkeys"]);
        let out = render_in(Some(Syntax::Xml), "{{ XX_fkeys }}|{{ XX_other }}|{{ l.XX_fkeys }}", &ctx);
        assert_eq!(out, "<k a=\"1\">x</k>\n<k/>|&lt;k/&gt;|&lt;k/&gt;");
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
