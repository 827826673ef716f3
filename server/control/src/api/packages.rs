//! A plugin's packages (firmware, language files): `/0.2/pg_mgr/plugins/
//! {id}/install/...` (`docs/behaviour/rest-api.md` §10,
//! `docs/behaviour/plugins.md` §10). The catalogue is every file of
//! `<plugin>/pkgs/` (INI: `[pkg_*]`, `[file_*]`, `[install_*]`); files download to `<plugin>/var/cache/` (SHA-1
//! checked), the `[install_*]` filter graph turns them into files under
//! `<plugin>/var/tftpboot/`, which the plugin then serves; what each
//! package installed is kept in `<plugin>/var/installed/installed.json`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use provd_compiler::compile::Scope;
use provd_core::Plugin;
use serde_json::{Map, Value, json};

use super::repo::{self, Fetcher, Source};
use super::{
    Busy, FileError, Publisher, body_id, fail, fetcher, locale, localize, oip_delete, oip_get, params, set, spawn,
};
use crate::api::http::{Req, Resp, links};
use crate::api::oip::{Handle, Operation, State};
use crate::api::{Api, get, internal};

/// Largest package file downloaded, and the most one archive may expand to.
const MAX_FILE_BYTES: u64 = 16 << 30;
const MAX_EXTRACT_BYTES: u64 = 32 << 30;

pub(crate) fn route(api: &Api, req: &Req<'_>, plugin: &Plugin, rest: &[&str]) -> Result<Resp, Resp> {
    match (req.method, rest) {
        ("GET", []) => get(req, || {
            Ok(links(
                req.path,
                &[
                    ("srv.install.install", "install"),
                    ("srv.install.uninstall", "uninstall"),
                    ("srv.install.installed", "installed"),
                    ("srv.install.installable", "installable"),
                ],
            ))
        }),
        ("GET", ["installable"]) => get(req, || installable(api, plugin)),
        ("GET", ["installed"]) => get(req, || installed(api, plugin)),
        ("POST", ["install"]) => install(api, req, plugin),
        ("POST", ["uninstall"]) => uninstall(api, req, plugin),
        ("GET", ["install", _]) => oip_get(api, req),
        ("DELETE", ["install", _]) => oip_delete(api, req),
        (_, [] | ["installable" | "installed" | "install" | "uninstall"] | ["install", _]) => {
            Err(Resp::text(405, "Method Not Allowed"))
        }
        _ => Err(Resp::not_found("")),
    }
}

// ---------------------------------------------------------------- INI

/// An INI file as Python's ConfigParser reads it: `[section]` headers,
/// `key: value` or `key = value` (keys lowercased, the first `:` or `=`
/// splits), indented continuation lines, `#` and `;` full-line comments.
/// Several files merge; a section or key twice in one file is an error.
#[derive(Debug, Default)]
struct Ini {
    sections: BTreeMap<String, Vec<(String, String)>>,
}

impl Ini {
    fn parse(&mut self, file: &str, text: &str) -> Result<(), String> {
        let mut sections_seen = BTreeSet::new();
        let mut keys_seen = BTreeSet::new();
        let mut current: Option<String> = None;
        let mut last: Option<usize> = None;
        for (n, line) in text.lines().enumerate() {
            let at = || format!("{file}:{}", n + 1);
            let trimmed = line.trim();
            if trimmed.is_empty() {
                last = None;
                continue;
            }
            if trimmed.starts_with('#') || trimmed.starts_with(';') {
                continue;
            }
            if line.starts_with([' ', '\t'])
                && let (Some(section), Some(i)) = (&current, last)
            {
                let value = &mut self.sections.get_mut(section).unwrap()[i].1;
                value.push('\n');
                value.push_str(trimmed);
                continue;
            }
            if let Some(header) = trimmed.strip_prefix('[') {
                let name = header
                    .strip_suffix(']')
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| format!("{}: bad section header {trimmed:?}", at()))?;
                if !sections_seen.insert(name.to_owned()) {
                    return Err(format!("{}: section [{name}] appears twice", at()));
                }
                self.sections.entry(name.to_owned()).or_default();
                current = Some(name.to_owned());
                last = None;
                continue;
            }
            let section = current.as_ref().ok_or_else(|| format!("{}: {trimmed:?} is outside any [section]", at()))?;
            let pos = trimmed
                .find([':', '='])
                .ok_or_else(|| format!("{}: expected \"key: value\", got {trimmed:?}", at()))?;
            let key = trimmed[..pos].trim().to_lowercase();
            if key.is_empty() {
                return Err(format!("{}: a value without a key: {trimmed:?}", at()));
            }
            if !keys_seen.insert((section.clone(), key.clone())) {
                return Err(format!("{}: {key} appears twice in [{section}]", at()));
            }
            let value = trimmed[pos + 1..].trim().to_owned();
            let entries = self.sections.get_mut(section).unwrap();
            match entries.iter().position(|(k, _)| *k == key) {
                Some(i) => {
                    entries[i].1 = value;
                    last = Some(i);
                }
                None => {
                    entries.push((key, value));
                    last = Some(entries.len() - 1);
                }
            }
        }
        Ok(())
    }

    fn get(&self, section: &str, key: &str) -> Option<&str> {
        self.sections.get(section)?.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

// ---------------------------------------------------------------- catalogue

/// `pkgs.db`, parsed.
#[derive(Debug, Default)]
struct Catalogue {
    pkgs: BTreeMap<String, Pkg>,
    files: BTreeMap<String, FileSpec>,
    installs: BTreeMap<String, Vec<Edge>>,
}

#[derive(Debug, Clone)]
struct Pkg {
    version: String,
    /// `description` and `description_<lang>`.
    descriptions: Map<String, Value>,
    files: Vec<String>,
    /// The `[install_*]` graph and its `$ARGn`.
    install: Option<(String, Vec<String>)>,
    depends: Vec<String>,
}

#[derive(Debug, Clone)]
struct FileSpec {
    id: String,
    filename: String,
    /// Empty: the administrator puts the file in `var/cache/` by hand.
    url: String,
    size: Option<u64>,
    sha1: Option<String>,
    downloader: Option<String>,
}

/// One line of an `[install_*]` graph: `<src>-<dst>: <filter> <args...>`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Edge {
    src: String,
    dst: String,
    filter: String,
    args: Vec<String>,
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_owned).collect()
}

impl Catalogue {
    fn from_ini(ini: &Ini) -> Result<Catalogue, String> {
        let mut cat = Catalogue::default();
        for (name, entries) in &ini.sections {
            let get = |k: &str| ini.get(name, k);
            if let Some(id) = name.strip_prefix("pkg_") {
                let version = get("version").ok_or_else(|| format!("[{name}] has no version"))?.to_owned();
                let descriptions: Map<String, Value> = entries
                    .iter()
                    .filter(|(k, _)| k == "description" || k.starts_with("description_"))
                    .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                    .collect();
                let install = get("install").map(words).filter(|w| !w.is_empty()).map(|mut w| {
                    let id = w.remove(0);
                    (id, w)
                });
                cat.pkgs.insert(
                    id.to_owned(),
                    Pkg {
                        version,
                        descriptions,
                        files: get("files").map(words).unwrap_or_default(),
                        install,
                        depends: get("depends").map(words).unwrap_or_default(),
                    },
                );
            } else if let Some(id) = name.strip_prefix("file_") {
                let url = get("url").unwrap_or("").to_owned();
                let filename = match get("filename").filter(|f| !f.is_empty()) {
                    Some(f) => f.to_owned(),
                    None => url
                        .rsplit('/')
                        .next()
                        .filter(|f| !f.is_empty())
                        .ok_or_else(|| format!("[{name}] has neither a filename nor a URL"))?
                        .to_owned(),
                };
                repo::check_file_name(&filename).map_err(|e| format!("[{name}] filename: {e}"))?;
                let size = match get("size").filter(|s| !s.is_empty()) {
                    Some(s) => Some(s.parse().map_err(|_| format!("[{name}] size {s:?} is not a number"))?),
                    None => None,
                };
                let sha1 = get("sha1sum").filter(|s| !s.is_empty()).map(str::to_owned);
                if let Some(s) = &sha1
                    && (s.len() != 40 || !s.bytes().all(|b| b.is_ascii_hexdigit()))
                {
                    return Err(format!("[{name}] sha1sum {s:?} is not 40 hex digits"));
                }
                let downloader = get("downloader").filter(|s| !s.is_empty()).map(str::to_owned);
                cat.files.insert(id.to_owned(), FileSpec { id: id.to_owned(), filename, url, size, sha1, downloader });
            } else if let Some(id) = name.strip_prefix("install_") {
                let mut edges = Vec::new();
                for (key, value) in entries {
                    let (src, dst) = key
                        .split_once('-')
                        .filter(|(s, d)| node_ok(s) && node_ok(d))
                        .ok_or_else(|| format!("[{name}] {key:?} is not an edge <src>-<dst>"))?;
                    let mut w = words(value);
                    if w.is_empty() {
                        return Err(format!("[{name}] {key}: no filter"));
                    }
                    let filter = w.remove(0);
                    edges.push(Edge { src: src.to_owned(), dst: dst.to_owned(), filter, args: w });
                }
                cat.installs.insert(id.to_owned(), edges);
            }
        }
        Ok(cat)
    }

    /// Every file of `<plugin>/pkgs/`, in name order; none is an empty catalogue.
    fn load(plugin_dir: &Path) -> Result<Catalogue, CatalogueError> {
        let dir = plugin_dir.join("pkgs");
        let mut paths: Vec<PathBuf> = match fs::read_dir(&dir) {
            Ok(entries) => entries.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(FileError::read(&dir)(e).into()),
        };
        paths.sort();
        let mut ini = Ini::default();
        for p in paths {
            let text = fs::read_to_string(&p).map_err(|e| match e.kind() {
                // Not UTF-8: the plugin's file is not a catalogue.
                std::io::ErrorKind::InvalidData => CatalogueError::Invalid(format!("cannot read {}: {e}", p.display())),
                _ => FileError::read(&p)(e).into(),
            })?;
            ini.parse(&p.display().to_string(), &text).map_err(CatalogueError::Invalid)?;
        }
        Catalogue::from_ini(&ini).map_err(CatalogueError::Invalid)
    }

    /// `pkg` and the packages it depends on that are not installed yet,
    /// dependencies first; every file and install graph they name must exist.
    fn install_order(&self, pkg: &str, installed: &BTreeSet<String>) -> Result<Vec<String>, String> {
        fn visit(
            cat: &Catalogue,
            id: &str,
            installed: &BTreeSet<String>,
            stack: &mut Vec<String>,
            out: &mut Vec<String>,
        ) -> Result<(), String> {
            if installed.contains(id) || out.iter().any(|o| o == id) {
                return Ok(());
            }
            if stack.iter().any(|s| s == id) {
                return Err(format!("package {id} depends on itself ({} -> {id})", stack.join(" -> ")));
            }
            let p = cat.pkgs.get(id).ok_or_else(|| match stack.last() {
                Some(parent) => format!("package {parent} depends on {id}, which is not in pkgs.db"),
                None => format!("unknown package {id}"),
            })?;
            for f in &p.files {
                if !cat.files.contains_key(f) {
                    return Err(format!("package {id} names file {f}, which has no [file_{f}] section"));
                }
            }
            if let Some((graph, _)) = &p.install
                && !cat.installs.contains_key(graph)
            {
                return Err(format!("package {id} installs with {graph}, which has no [install_{graph}] section"));
            }
            stack.push(id.to_owned());
            for d in &p.depends {
                visit(cat, d, installed, stack, out)?;
            }
            stack.pop();
            out.push(id.to_owned());
            Ok(())
        }
        let mut out = Vec::new();
        visit(self, pkg, installed, &mut Vec::new(), &mut out)?;
        Ok(out)
    }
}

/// Why a plugin's package catalogue cannot be used.
#[derive(Debug, thiserror::Error)]
enum CatalogueError {
    /// `pkgs/` or one of its files cannot be read: the server's fault (500).
    #[error(transparent)]
    Read(#[from] FileError),
    /// The plugin's catalogue is not valid (syntax, a missing field, a file
    /// name that is not one, not UTF-8): the plugin's fault; an install
    /// from it is refused (400).
    #[error("{0}")]
    Invalid(String),
}

fn node_ok(n: &str) -> bool {
    !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

// ---------------------------------------------------------------- filter graph

/// `$FILE1..n` (the package's file names) and `$ARG1..n` (the install
/// line's arguments).
#[derive(Debug, Default)]
struct Vars {
    files: Vec<String>,
    args: Vec<String>,
}

fn substitute(arg: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = arg;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let letters = after.bytes().take_while(u8::is_ascii_uppercase).count();
        let digits = after[letters..].bytes().take_while(u8::is_ascii_digit).count();
        let (name, num) = (&after[..letters], after[letters..letters + digits].parse::<usize>().unwrap_or(0));
        let (list, what) = match name {
            "FILE" => (&vars.files, "files"),
            "ARG" => (&vars.args, "arguments"),
            _ => return Err(format!("unknown variable ${}", &after[..letters + digits])),
        };
        let value = num
            .checked_sub(1)
            .and_then(|i| list.get(i))
            .ok_or_else(|| format!("${name}{num} is not defined (the package has {} {what})", list.len()))?;
        out.push_str(value);
        rest = &after[letters + digits..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Runs the graph `id` from node `a` (the directory `root`), each other
/// node in `work/<node>`; returns the directories of the final nodes.
fn run_graph(id: &str, edges: &[Edge], root: &Path, work: &Path, vars: &Vars) -> Result<Vec<PathBuf>, String> {
    if edges.is_empty() {
        return Ok(vec![root.to_owned()]);
    }
    let dir = |n: &str| if n == "a" { root.to_owned() } else { work.join(n) };
    let mut indegree: BTreeMap<&str, usize> = BTreeMap::new();
    for e in edges {
        indegree.entry(&e.src).or_default();
        *indegree.entry(&e.dst).or_default() += 1;
    }
    if indegree.get("a").copied().unwrap_or(0) > 0 || !indegree.contains_key("a") {
        return Err(format!("install_{id}: the graph must start at node a (and never come back to it)"));
    }
    if let Some((n, _)) = indegree.iter().find(|(n, d)| **n != "a" && **d == 0) {
        return Err(format!("install_{id}: node {n} is never produced (the graph starts at a)"));
    }
    let mut queue = vec!["a"];
    let mut ran = 0;
    while let Some(node) = queue.pop() {
        for e in edges.iter().filter(|e| e.src == node) {
            let dst = dir(&e.dst);
            fs::create_dir_all(&dst).map_err(|err| format!("cannot create {}: {err}", dst.display()))?;
            run_filter(e, &dir(&e.src), &dst, vars)
                .map_err(|err| format!("install_{id} {}-{}: {} {}: {err}", e.src, e.dst, e.filter, e.args.join(" ")))?;
            ran += 1;
            let d = indegree.get_mut(e.dst.as_str()).unwrap();
            *d -= 1;
            if *d == 0 {
                queue.push(&e.dst);
            }
        }
    }
    if ran < edges.len() {
        return Err(format!("install_{id}: the graph has a cycle"));
    }
    let sources: BTreeSet<&str> = edges.iter().map(|e| e.src.as_str()).collect();
    Ok(indegree.keys().filter(|n| !sources.contains(*n)).map(|n| dir(n)).collect())
}

/// A relative path of a filter argument: no `..`, not absolute.
fn rel_arg(s: &str) -> Result<PathBuf, String> {
    repo::member_path(Path::new(s), None).map_err(|why| format!("{s:?} {why}"))
}

fn run_filter(e: &Edge, src: &Path, dst: &Path, vars: &Vars) -> Result<(), String> {
    let args = e.args.iter().map(|a| substitute(a, vars)).collect::<Result<Vec<_>, _>>()?;
    match e.filter.as_str() {
        "null" => Ok(()),
        "cp" => {
            let Some((dest, patterns)) = args.split_last().filter(|(_, p)| !p.is_empty()) else {
                return Err("cp needs files and a destination".into());
            };
            let dest_rel = rel_arg(dest)?;
            let mut matches = Vec::new();
            for p in patterns {
                let m = glob(src, p)?;
                if m.is_empty() {
                    return Err(format!("{p} matches nothing"));
                }
                matches.extend(m);
            }
            let into_dir = dest.ends_with('/') || dest_rel.as_os_str().is_empty() || matches.len() > 1;
            for m in &matches {
                let to = match (into_dir, m.file_name()) {
                    (true, Some(name)) => dest_rel.join(name),
                    _ => dest_rel.clone(),
                };
                copy_plain(&src.join(m), dst, &to)?;
            }
            Ok(())
        }
        "include" => {
            let mut any = false;
            for p in &args {
                for m in glob(src, p)? {
                    any = true;
                    copy_plain(&src.join(&m), dst, &m)?;
                }
            }
            if any { Ok(()) } else { Err(format!("nothing matches {}", args.join(" "))) }
        }
        "exclude" => {
            let mut excluded = BTreeSet::new();
            for p in &args {
                excluded.extend(glob(src, p)?);
            }
            copy_except(src, dst, Path::new(""), &excluded)
        }
        "untar" => {
            let [file] = args.as_slice() else { return Err("untar takes one file".into()) };
            repo::extract_tar(&src.join(rel_arg(file)?), dst, None, MAX_EXTRACT_BYTES).map(drop)
        }
        "unzip" => {
            let [file] = args.as_slice() else { return Err("unzip takes one file".into()) };
            let archive = src.join(rel_arg(file)?);
            let out =
                std::process::Command::new("unzip").arg("-qq").arg("-o").arg(&archive).arg("-d").arg(dst).output();
            match out {
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                    Err("the unzip filter needs the unzip program, which is not installed".into())
                }
                Err(err) => Err(format!("cannot run unzip: {err}")),
                Ok(o) if !o.status.success() => {
                    Err(format!("unzip {file}: {}", String::from_utf8_lossy(&o.stderr).trim()))
                }
                // unzip keeps members inside; links are refused when the
                // result is copied (`copy_plain`, `collect_files`).
                Ok(_) => Ok(()),
            }
        }
        other => Err(format!("filter {other} is not supported (supported: cp, include, exclude, untar, unzip, null)")),
    }
}

fn has_magic(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// `fnmatch` on one path segment: `*`, `?`, `[...]` with `!`/`^` and ranges.
fn fnmatch(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => match class(&p, pi, n[ni]) {
                Some((true, next)) => Some(next),
                Some((false, _)) => None,
                None => (n[ni] == '[').then_some(pi + 1),
            },
            Some(&c) => (c == n[ni]).then_some(pi + 1),
            None => None,
        };
        match (step, star) {
            (Some(next), _) => {
                pi = next;
                ni += 1;
            }
            (None, Some((sp, sn))) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            (None, None) => return false,
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A `[...]` class at `p[start]`: whether `c` is in it and where the
/// pattern goes on; `None` when it is not closed (then `[` is literal).
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!' | '^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    loop {
        let ch = *p.get(i)?;
        if ch == ']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|e| *e != ']') {
            hit |= ch <= c && c <= p[i + 2];
            i += 3;
        } else {
            hit |= ch == c;
            i += 1;
        }
    }
}

/// The paths under `root` matching `pattern` (`/`-separated segments,
/// relative, no `..`), sorted. As Python's glob, a wildcard does not
/// match a leading `.`.
fn glob(root: &Path, pattern: &str) -> Result<Vec<PathBuf>, String> {
    if pattern.starts_with('/') || pattern.split('/').any(|s| s == "..") {
        return Err(format!("{pattern:?}: patterns are relative, without '..'"));
    }
    let mut current = vec![PathBuf::new()];
    for seg in pattern.split('/').filter(|s| !s.is_empty() && *s != ".") {
        let mut next = Vec::new();
        for base in current {
            let dir = root.join(&base);
            if !has_magic(seg) {
                if fs::symlink_metadata(dir.join(seg)).is_ok() {
                    next.push(base.join(seg));
                }
                continue;
            }
            let Ok(entries) = fs::read_dir(&dir) else { continue };
            let mut names: Vec<String> = entries.flatten().filter_map(|e| e.file_name().into_string().ok()).collect();
            names.sort();
            for name in names {
                if fnmatch(seg, &name) && (!name.starts_with('.') || seg.starts_with('.')) {
                    next.push(base.join(name));
                }
            }
        }
        current = next;
    }
    Ok(current)
}

/// Copies `from` (a file or a tree) to `root/rel`, refusing symlinks and
/// never writing through one.
fn copy_plain(from: &Path, root: &Path, rel: &Path) -> Result<(), String> {
    let meta = fs::symlink_metadata(from).map_err(|e| format!("{}: {e}", from.display()))?;
    if meta.file_type().is_symlink() {
        return Err(format!("{} is a symlink: links are not supported in packages", from.display()));
    }
    if meta.is_dir() {
        repo::real_dirs(root, rel)?;
        let mut names: Vec<_> = fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))?.flatten().collect();
        names.sort_by_key(|e| e.file_name());
        for e in names {
            copy_plain(&e.path(), root, &rel.join(e.file_name()))?;
        }
        return Ok(());
    }
    repo::real_dirs(root, rel.parent().unwrap_or(Path::new("")))?;
    let to = root.join(rel);
    if fs::symlink_metadata(&to).is_ok_and(|m| m.is_dir()) {
        return Err(format!("cannot copy the file {} over the directory {}", from.display(), rel.display()));
    }
    fs::copy(from, &to).map(drop).map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

/// Copies the tree `src/rel` to `dst/rel` but the `excluded` paths.
fn copy_except(src: &Path, dst: &Path, rel: &Path, excluded: &BTreeSet<PathBuf>) -> Result<(), String> {
    let dir = src.join(rel);
    let mut names: Vec<_> = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten().collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let r = rel.join(e.file_name());
        if excluded.contains(&r) {
            continue;
        }
        if fs::symlink_metadata(e.path()).is_ok_and(|m| m.is_dir()) {
            repo::real_dirs(dst, &r)?;
            copy_except(src, dst, &r, excluded)?;
        } else {
            copy_plain(&e.path(), dst, &r)?;
        }
    }
    Ok(())
}

/// The files under `dir` (relative paths); symlinks are refused.
fn collect_files(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let here = dir.join(rel);
    let mut names: Vec<_> = fs::read_dir(&here).map_err(|e| format!("{}: {e}", here.display()))?.flatten().collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let r = rel.join(e.file_name());
        let meta = fs::symlink_metadata(e.path()).map_err(|err| format!("{}: {err}", e.path().display()))?;
        if meta.file_type().is_symlink() {
            return Err(format!("{} is a symlink: links are not supported in packages", r.display()));
        } else if meta.is_dir() {
            collect_files(dir, &r, out)?;
        } else {
            out.push(r);
        }
    }
    Ok(())
}

/// Moves the files of the final nodes into `<plugin>/var/tftpboot/`;
/// returns their paths there.
fn place(plugin_dir: &Path, sinks: &[PathBuf]) -> Result<Vec<String>, String> {
    let tftpboot = Path::new("var").join("tftpboot");
    let mut placed = BTreeSet::new();
    for sink in sinks {
        let mut files = Vec::new();
        collect_files(sink, Path::new(""), &mut files)?;
        for rel in files {
            let rel_str = rel.to_str().ok_or_else(|| format!("{} is not a UTF-8 file name", rel.display()))?.to_owned();
            repo::real_dirs(plugin_dir, &tftpboot.join(rel.parent().unwrap_or(Path::new(""))))?;
            let to = plugin_dir.join(&tftpboot).join(&rel);
            match fs::symlink_metadata(&to) {
                Ok(m) if m.is_dir() => return Err(format!("var/tftpboot/{rel_str} is a directory")),
                Ok(_) => fs::remove_file(&to).map_err(|e| format!("cannot replace {}: {e}", to.display()))?,
                Err(_) => {}
            }
            let from = sink.join(&rel);
            if fs::rename(&from, &to).is_err() {
                fs::copy(&from, &to).map_err(|e| format!("cannot write {}: {e}", to.display()))?;
            }
            placed.insert(rel_str);
        }
    }
    Ok(placed.into_iter().collect())
}

// ---------------------------------------------------------------- state

fn installed_path(plugin_dir: &Path) -> PathBuf {
    plugin_dir.join("var").join("installed").join("installed.json")
}

/// `installed.json`: per package, its version, descriptions, dependencies
/// and the files it put under `var/tftpboot/`.
fn read_installed(plugin_dir: &Path) -> Result<Map<String, Value>, FileError> {
    let path = installed_path(plugin_dir);
    match fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b).map_err(|source| FileError::Corrupt { path, source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Map::new()),
        Err(e) => Err(FileError::Read { path, source: e }),
    }
}

fn write_installed(plugin_dir: &Path, state: &Map<String, Value>) -> Result<(), String> {
    let path = installed_path(plugin_dir);
    repo::real_dirs(plugin_dir, Path::new("var/installed"))?;
    let tmp = path.with_extension("json.tmp");
    fs::write(&tmp, serde_json::to_vec_pretty(state).unwrap())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    fs::rename(&tmp, &path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn files_of(entry: &Value) -> impl Iterator<Item = &str> {
    entry.get("files").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

// ---------------------------------------------------------------- endpoints

fn listing(api: &Api, items: impl Iterator<Item = (String, Map<String, Value>)>) -> Result<Value, Resp> {
    let locale = locale(api)?;
    let pkgs: Map<String, Value> = items
        .map(|(id, mut info)| {
            localize(&locale, &mut info);
            (id, Value::Object(info))
        })
        .collect();
    Ok(json!({"pkgs": pkgs}))
}

fn installable(api: &Api, plugin: &Plugin) -> Result<Value, Resp> {
    let cat = Catalogue::load(&plugin.dir).map_err(internal)?;
    let items = cat.pkgs.iter().map(|(id, p)| {
        let mut info = Map::new();
        info.insert("version".into(), Value::from(p.version.as_str()));
        info.extend(p.descriptions.clone());
        let sizes: Option<Vec<u64>> = p.files.iter().map(|f| cat.files.get(f).and_then(|f| f.size)).collect();
        if let Some(sizes) = sizes {
            info.insert("dsize".into(), Value::from(sizes.iter().sum::<u64>()));
        }
        (id.clone(), info)
    });
    listing(api, items.collect::<Vec<_>>().into_iter())
}

fn installed(api: &Api, plugin: &Plugin) -> Result<Value, Resp> {
    let state = read_installed(&plugin.dir).map_err(internal)?;
    let items = state.into_iter().map(|(id, entry)| {
        let mut info = Map::new();
        if let Value::Object(o) = entry {
            for (k, v) in o {
                if k == "version" || k == "description" || k.starts_with("description_") {
                    info.insert(k, v);
                }
            }
        }
        (id, info)
    });
    listing(api, items)
}

fn install(api: &Api, req: &Req<'_>, plugin: &Plugin) -> Result<Resp, Resp> {
    let pkg = body_id(req)?;
    let cat = Catalogue::load(&plugin.dir).map_err(|e| match e {
        CatalogueError::Read(_) => internal(format!("plugin {}: {e}", plugin.id)),
        CatalogueError::Invalid(_) => Resp::text(400, format!("plugin {}: {e}", plugin.id)),
    })?;
    let state = read_installed(&plugin.dir).map_err(internal)?;
    if state.contains_key(&pkg) {
        return Err(Resp::text(400, format!("package {pkg} of plugin {} is already installed", plugin.id)));
    }
    let installed: BTreeSet<String> = state.keys().cloned().collect();
    let order =
        cat.install_order(&pkg, &installed).map_err(|e| Resp::text(400, format!("plugin {}: {e}", plugin.id)))?;
    let fetcher = fetcher(api, &params(api)?).map_err(|e| Resp::text(400, e))?;
    let busy = Busy::plugin(&api.data.plugins_dir(), &plugin.id)?;
    let (location, op) = api.ops.start(req.path, Some("install_pkg"));
    set(&op, |o| {
        o.state = State::Progress;
        o.subs = vec![Operation::new(Some("download")), Operation::new(Some("install"))];
    });
    let ctx = api.publisher.clone();
    let (id, dir) = (plugin.id.clone(), plugin.dir.clone());
    spawn("provd-pkg-install".into(), move || {
        let _busy = busy;
        match install_job(&ctx, &op, &id, &dir, &cat, &order, &fetcher) {
            Ok(()) => {
                log::info!("plugin {id}: installed {}", order.join(", "));
                set(&op, |o| o.state = State::Success)
            }
            Err(e) => fail(&op, &format!("plugin {id}: package {pkg}"), &e),
        }
    })?;
    Ok(Resp::empty(201).with_location(location))
}

fn install_job(
    ctx: &Publisher,
    op: &Handle,
    plugin_id: &str,
    dir: &Path,
    cat: &Catalogue,
    order: &[String],
    fetcher: &Fetcher,
) -> Result<(), String> {
    let mut file_ids: Vec<&str> = Vec::new();
    for p in order {
        for f in &cat.pkgs[p].files {
            if !file_ids.contains(&f.as_str()) {
                file_ids.push(f);
            }
        }
    }
    let files: Vec<&FileSpec> = file_ids.iter().map(|f| &cat.files[*f]).collect();
    set(op, |o| {
        o.subs[0].state = State::Progress;
        o.subs[0].subs = files.iter().map(|_| Operation::new(None)).collect();
    });
    let cache = dir.join("var").join("cache");
    for (i, f) in files.iter().enumerate() {
        set(op, |o| o.subs[0].subs[i].state = State::Progress);
        fetch_file(fetcher, f, &cache, &mut |done, total| {
            set(op, |o| {
                let s = &mut o.subs[0].subs[i];
                s.current = Some(done);
                s.end = total.or(f.size);
            })
        })?;
        set(op, |o| o.subs[0].subs[i].state = State::Success);
    }
    set(op, |o| {
        o.subs[0].state = State::Success;
        o.subs[1].state = State::Progress;
    });

    for id in order {
        let pkg = &cat.pkgs[id];
        let work = Work::new(dir, id)?;
        let root = work.path.join("a");
        fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
        let mut vars = Vars::default();
        for f in &pkg.files {
            let name = &cat.files[f].filename;
            let (from, to) = (cache.join(name), root.join(name));
            if fs::hard_link(&from, &to).is_err() {
                fs::copy(&from, &to).map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
            }
            vars.files.push(name.clone());
        }
        let sinks = match &pkg.install {
            Some((graph, args)) => {
                vars.args = args.clone();
                run_graph(graph, &cat.installs[graph], &root, &work.path, &vars)
                    .map_err(|e| format!("package {id}: {e}"))?
            }
            None => Vec::new(),
        };
        let placed = place(dir, &sinks).map_err(|e| format!("package {id}: {e}"))?;
        let mut state = read_installed(dir).map_err(|e| e.to_string())?;
        let mut entry = Map::new();
        entry.insert("version".into(), Value::from(pkg.version.as_str()));
        entry.extend(pkg.descriptions.clone());
        entry.insert("depends".into(), json!(pkg.depends));
        entry.insert("files".into(), json!(placed));
        state.insert(id.clone(), Value::Object(entry));
        write_installed(dir, &state)?;
    }
    set(op, |o| o.subs[1].state = State::Success);
    ctx.publish_keep_going(Scope::Plugin(plugin_id.to_owned())).map(drop).map_err(|e| e.to_string())
}

/// A package file in `var/cache/`: kept when its SHA-1 matches, else
/// downloaded; a file without URL must have been put there by hand.
fn fetch_file(
    fetcher: &Fetcher,
    f: &FileSpec,
    cache: &Path,
    progress: &mut dyn FnMut(u64, Option<u64>),
) -> Result<(), String> {
    let dest = cache.join(&f.filename);
    let mismatch = if dest.is_file() {
        match &f.sha1 {
            None => return Ok(()),
            Some(expected) => {
                let got = repo::sha1_file(&dest).map_err(|e| format!("cannot read {}: {e}", dest.display()))?;
                match repo::check_sha1(&dest.display().to_string(), expected, &got) {
                    Ok(()) => {
                        let len = fs::metadata(&dest).map(|m| m.len()).ok();
                        progress(len.unwrap_or(0), len);
                        return Ok(());
                    }
                    Err(e) => Some(e),
                }
            }
        }
    } else {
        None
    };
    if let Some(d) = f.downloader.as_deref().filter(|d| *d != "default") {
        return Err(format!("file {}: downloader {d} is not supported", f.id));
    }
    if f.url.is_empty() {
        return Err(mismatch.unwrap_or_else(|| {
            format!("file {} has no URL: put {} in {} by hand", f.id, f.filename, cache.display())
        }));
    }
    let src = Source::parse(&f.url).map_err(|e| format!("file {}: {e}", f.id))?;
    fetcher.fetch(&src, &dest, f.sha1.as_deref(), MAX_FILE_BYTES, progress).map_err(|e| format!("file {}: {e}", f.id))
}

/// A package's scratch directory, `<plugin>/var/.work-<pkg>-<uuid>/`
/// (same filesystem as `var/tftpboot/`); removed on drop.
struct Work {
    path: PathBuf,
}

impl Work {
    fn new(plugin_dir: &Path, pkg: &str) -> Result<Work, String> {
        let safe: String =
            pkg.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
        let rel = Path::new("var").join(format!(".work-{safe}-{}", uuid::Uuid::new_v4().simple()));
        repo::real_dirs(plugin_dir, &rel)?;
        Ok(Work { path: plugin_dir.join(rel) })
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn uninstall(api: &Api, req: &Req<'_>, plugin: &Plugin) -> Result<Resp, Resp> {
    let pkg = body_id(req)?;
    let _busy = Busy::plugin(&api.data.plugins_dir(), &plugin.id)?;
    let mut state = read_installed(&plugin.dir).map_err(internal)?;
    let entry = state
        .remove(&pkg)
        .ok_or_else(|| Resp::text(400, format!("package {pkg} of plugin {} is not installed", plugin.id)))?;
    let needed_by: Vec<&String> = state
        .iter()
        .filter(|(_, e)| {
            e.get("depends").and_then(Value::as_array).is_some_and(|d| d.iter().any(|d| d == pkg.as_str()))
        })
        .map(|(id, _)| id)
        .collect();
    if !needed_by.is_empty() {
        let names: Vec<&str> = needed_by.iter().map(|s| s.as_str()).collect();
        return Err(Resp::text(400, format!("package {pkg} is needed by {}: uninstall them first", names.join(", "))));
    }
    let kept: BTreeSet<&str> = state.values().flat_map(files_of).collect();
    let tftpboot = plugin.dir.join("var").join("tftpboot");
    for rel in files_of(&entry).filter(|f| !kept.contains(f)) {
        remove_placed(&tftpboot, rel).map_err(internal)?;
    }
    write_installed(&plugin.dir, &state).map_err(internal)?;
    api.compile(Scope::Plugin(plugin.id.clone()))?;
    Ok(Resp::empty(204))
}

/// Removes `tftpboot/rel` (a path recorded at install) and the
/// directories it leaves empty; never through a symlink.
fn remove_placed(tftpboot: &Path, rel: &str) -> Result<(), String> {
    let rel = repo::member_path(Path::new(rel), None).map_err(|why| format!("installed.json: {rel:?} {why}"))?;
    let mut p = tftpboot.to_path_buf();
    for c in rel.parent().unwrap_or(Path::new("")).components() {
        p.push(c);
        if !fs::symlink_metadata(&p).is_ok_and(|m| m.is_dir()) {
            return Ok(());
        }
    }
    match fs::remove_file(tftpboot.join(&rel)) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot remove {}: {e}", tftpboot.join(&rel).display())),
    }
    let mut parent = rel.parent();
    while let Some(d) = parent.filter(|d| !d.as_os_str().is_empty()) {
        if fs::remove_dir(tftpboot.join(d)).is_err() {
            break;
        }
        parent = d.parent();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DB: &str = "\
# A catalogue.
[pkg_T4XS-fw]
description: Yealink T4xS firmware
description_fr: Micrologiciel Yealink T4xS
version: 66.86.0.15
files: T4XS-fw
install: copy-rom

[pkg_lang]
description = Languages
version = 1
files: lang-zip extra
install: lang-graph de
depends: T4XS-fw

[install_copy-rom]
a-b: cp *.rom firmware/

[install_lang-graph]
a-b: untar $FILE1
b-c: exclude */README
  *.txt

[file_T4XS-fw]
filename: T46S(T48S,T42S,T41S)-66.86.0.15.rom
url: http://provd.wazo.community/firmwares/yealink/T46S(T48S,T42S,T41S)-66.86.0.15.rom
size: 31457280
sha1sum: 0123456789abcdef0123456789ABCDEF01234567

[file_lang-zip]
url: file:///srv/lang.tar.gz
size:
sha1sum:

[file_extra]
url: /srv/extra.bin
";

    #[test]
    fn pkgs_db_is_parsed_as_configparser_reads_it() {
        let mut ini = Ini::default();
        ini.parse("pkgs.db", DB).unwrap();
        assert_eq!(ini.get("pkg_lang", "description"), Some("Languages"));
        assert_eq!(ini.get("install_lang-graph", "b-c"), Some("exclude */README\n*.txt"), "continuation line");
        let cat = Catalogue::from_ini(&ini).unwrap();
        let fw = &cat.pkgs["T4XS-fw"];
        assert_eq!(fw.version, "66.86.0.15");
        assert_eq!(fw.files, ["T4XS-fw"]);
        assert_eq!(fw.install, Some(("copy-rom".into(), vec![])));
        assert_eq!(fw.descriptions["description_fr"], "Micrologiciel Yealink T4xS");
        assert_eq!(cat.pkgs["lang"].install, Some(("lang-graph".into(), vec!["de".into()])));
        let f = &cat.files["T4XS-fw"];
        assert_eq!(f.filename, "T46S(T48S,T42S,T41S)-66.86.0.15.rom");
        assert_eq!((f.size, f.sha1.as_deref()), (Some(31457280), Some("0123456789abcdef0123456789ABCDEF01234567")));
        let z = &cat.files["lang-zip"];
        assert_eq!((z.filename.as_str(), z.size, z.sha1.as_deref()), ("lang.tar.gz", None, None), "name from the URL");
        assert_eq!(
            cat.installs["lang-graph"],
            [
                Edge { src: "a".into(), dst: "b".into(), filter: "untar".into(), args: vec!["$FILE1".into()] },
                Edge {
                    src: "b".into(),
                    dst: "c".into(),
                    filter: "exclude".into(),
                    args: vec!["*/README".into(), "*.txt".into()]
                },
            ]
        );
        // Dependencies first; installed ones skipped.
        assert_eq!(cat.install_order("lang", &BTreeSet::new()).unwrap(), ["T4XS-fw", "lang"]);
        assert_eq!(cat.install_order("lang", &["T4XS-fw".to_owned()].into()).unwrap(), ["lang"]);
        assert_eq!(cat.install_order("nope", &BTreeSet::new()).unwrap_err(), "unknown package nope");

        // Errors say where.
        let err = |text: &str| {
            let mut ini = Ini::default();
            ini.parse("pkgs.db", text).and_then(|()| Catalogue::from_ini(&ini).map(drop)).unwrap_err()
        };
        assert_eq!(err("version: 1\n"), "pkgs.db:1: \"version: 1\" is outside any [section]");
        assert_eq!(err("[pkg_a]\nversion 1\n"), "pkgs.db:2: expected \"key: value\", got \"version 1\"");
        assert_eq!(err("[pkg_a]\nversion: 1\n[pkg_a]\n"), "pkgs.db:3: section [pkg_a] appears twice");
        assert_eq!(err("[pkg_a]\nversion: 1\nVersion: 2\n"), "pkgs.db:3: version appears twice in [pkg_a]");
        assert_eq!(err("[pkg_a]\nfiles: x\n"), "[pkg_a] has no version");
        assert_eq!(err("[file_x]\nurl: http://h/x\nsha1sum: 12\n"), "[file_x] sha1sum \"12\" is not 40 hex digits");
        assert_eq!(err("[file_x]\nfilename: ../x\n"), "[file_x] filename: \"../x\" is not a plain file name");
        assert_eq!(err("[install_x]\na: cp x y/\n"), "[install_x] \"a\" is not an edge <src>-<dst>");
        let mut ini = Ini::default();
        ini.parse("pkgs.db", "[pkg_a]\nversion: 1\nfiles: missing\n").unwrap();
        let cat = Catalogue::from_ini(&ini).unwrap();
        assert_eq!(
            cat.install_order("a", &BTreeSet::new()).unwrap_err(),
            "package a names file missing, which has no [file_missing] section"
        );
    }

    #[test]
    fn an_unreadable_catalogue_is_the_servers_fault_an_invalid_one_the_plugins() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Catalogue::load(dir.path()).unwrap().pkgs.is_empty(), "no pkgs/: nothing to install");
        fs::create_dir(dir.path().join("pkgs")).unwrap();
        fs::write(dir.path().join("pkgs/pkgs.db"), b"[pkg_a]\nversion: \xff\n").unwrap();
        let invalid = |dir: &Path| match Catalogue::load(dir) {
            Err(CatalogueError::Invalid(e)) => e,
            other => panic!("{other:?}"),
        };
        assert!(invalid(dir.path()).contains("valid UTF-8"));
        fs::write(dir.path().join("pkgs/pkgs.db"), "[pkg_a]\nfiles: x\n").unwrap();
        assert_eq!(invalid(dir.path()), "[pkg_a] has no version");
        // A pkgs that is not a directory cannot be read.
        let other = tempfile::tempdir().unwrap();
        fs::write(other.path().join("pkgs"), "").unwrap();
        let err = Catalogue::load(other.path()).unwrap_err();
        assert!(matches!(err, CatalogueError::Read(FileError::Read { .. })), "{err:?}");
        assert!(err.to_string().starts_with(&format!("cannot read {}: ", other.path().join("pkgs").display())));
    }

    #[test]
    fn globs_and_variables() {
        assert!(fnmatch("*.rom", "T46S-66.86.0.15.rom"));
        assert!(fnmatch("*.rom", "T46S(T48S,T42S)-66.rom"));
        assert!(!fnmatch("*.rom", "T46S.rom.txt"));
        assert!(fnmatch("lang_*.txt", "lang_fr.txt"));
        assert!(fnmatch("[Tt]?6*", "t46S"));
        assert!(!fnmatch("[!T]*", "T46S"));
        assert!(fnmatch("a[0-9]b", "a5b"));
        assert!(fnmatch("*", ""));
        assert!(fnmatch("a*b*c", "aXXbYYc"));
        assert!(!fnmatch("a*b*c", "aXXbYY"));
        let vars = Vars { files: vec!["fw.zip".into()], args: vec!["de".into()] };
        assert_eq!(substitute("$FILE1", &vars).unwrap(), "fw.zip");
        assert_eq!(substitute("lang/$ARG1/", &vars).unwrap(), "lang/de/");
        assert_eq!(substitute("$FILE2", &vars).unwrap_err(), "$FILE2 is not defined (the package has 1 files)");
        assert_eq!(substitute("$HOME", &vars).unwrap_err(), "unknown variable $HOME");
    }

    fn tree(root: &Path, files: &[&str]) {
        for f in files {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, f.as_bytes()).unwrap();
        }
    }

    fn listing_of(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        collect_files(dir, Path::new(""), &mut out).unwrap();
        out.iter().map(|p| p.display().to_string()).collect()
    }

    #[test]
    fn filter_graph_with_cp_exclude_and_include() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("a");
        tree(
            &root,
            &["T46S-66.rom", "T48S-66.rom", "notes.txt", "pkg/GUI/lang-fr.txt", "pkg/GUI/lang-de.txt", "pkg/README"],
        );
        let edge = |s: &str, d: &str, f: &str, a: &[&str]| Edge {
            src: s.into(),
            dst: d.into(),
            filter: f.into(),
            args: a.iter().map(|x| x.to_string()).collect(),
        };
        let vars = Vars::default();

        // Yealink's copy-rom.
        let work = dir.path().join("w1");
        let sinks =
            run_graph("copy-rom", &[edge("a", "b", "cp", &["*.rom", "firmware/"])], &root, &work, &vars).unwrap();
        assert_eq!(sinks, [work.join("b")]);
        assert_eq!(listing_of(&sinks[0]), ["firmware/T46S-66.rom", "firmware/T48S-66.rom"]);

        // A chain: drop the README, keep the languages, rename one file.
        let work = dir.path().join("w2");
        let edges = [
            edge("a", "b", "exclude", &["pkg/README", "*.rom"]),
            edge("b", "c", "cp", &["pkg/GUI/*", "lang/"]),
            edge("b", "d", "include", &["notes.txt"]),
            edge("d", "e", "cp", &["notes.txt", "doc/NOTES"]),
        ];
        let sinks = run_graph("lang", &edges, &root, &work, &vars).unwrap();
        assert_eq!(sinks, [work.join("c"), work.join("e")]);
        assert_eq!(listing_of(&work.join("b")), ["notes.txt", "pkg/GUI/lang-de.txt", "pkg/GUI/lang-fr.txt"]);
        assert_eq!(listing_of(&sinks[0]), ["lang/lang-de.txt", "lang/lang-fr.txt"]);
        assert_eq!(listing_of(&sinks[1]), ["doc/NOTES"]);

        // Placing the result under var/tftpboot/ records the files.
        let plugin = dir.path().join("plugin");
        fs::create_dir(&plugin).unwrap();
        assert_eq!(place(&plugin, &sinks).unwrap(), ["doc/NOTES", "lang/lang-de.txt", "lang/lang-fr.txt"]);
        assert!(plugin.join("var/tftpboot/lang/lang-fr.txt").is_file());
        remove_placed(&plugin.join("var/tftpboot"), "lang/lang-fr.txt").unwrap();
        remove_placed(&plugin.join("var/tftpboot"), "lang/lang-de.txt").unwrap();
        assert!(!plugin.join("var/tftpboot/lang").exists(), "emptied directories go");
        assert!(plugin.join("var/tftpboot/doc/NOTES").is_file());

        // What goes wrong is named.
        let run = |edges: &[Edge]| run_graph("g", edges, &root, &dir.path().join("w3"), &vars).unwrap_err();
        assert_eq!(
            run(&[edge("a", "b", "cp", &["*.bin", "fw/"])]),
            "install_g a-b: cp *.bin fw/: *.bin matches nothing"
        );
        assert_eq!(
            run(&[edge("a", "b", "7z", &["x"])]),
            "install_g a-b: 7z x: filter 7z is not supported (supported: cp, include, exclude, untar, unzip, null)"
        );
        assert!(run(&[edge("a", "b", "cp", &["*.rom", "../../escape/"])]).ends_with("\"../../escape/\" contains '..'"));
        assert!(run(&[edge("a", "b", "cp", &["../*", "x/"])]).contains("patterns are relative, without '..'"));
        assert_eq!(
            run(&[edge("b", "c", "null", &[])]),
            "install_g: the graph must start at node a (and never come back to it)"
        );
        assert_eq!(
            run(&[edge("a", "b", "null", &[]), edge("b", "c", "null", &[]), edge("c", "b", "null", &[])]),
            "install_g: the graph has a cycle"
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink("/etc", root.join("link.rom")).unwrap();
            assert!(run(&[edge("a", "b", "cp", &["link.rom", "x"])]).contains("is a symlink: links are not supported"));
        }
    }

    #[test]
    fn unzip_through_the_system_program() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("a");
        tree(&dir.path().join("src"), &["pkg/GUI/lang-fr.txt", "pkg/fw.ld"]);
        let zipped = std::process::Command::new("zip")
            .current_dir(dir.path().join("src"))
            .args(["-qr"])
            .arg(dir.path().join("fw.zip"))
            .arg("pkg")
            .status();
        if !zipped.is_ok_and(|s| s.success()) {
            eprintln!("no zip program: skipped");
            return;
        }
        fs::create_dir_all(&root).unwrap();
        fs::rename(dir.path().join("fw.zip"), root.join("fw.zip")).unwrap();
        let edges = [
            Edge { src: "a".into(), dst: "b".into(), filter: "unzip".into(), args: vec!["$FILE1".into()] },
            Edge { src: "b".into(), dst: "c".into(), filter: "cp".into(), args: vec!["*/*.ld".into(), "./".into()] },
        ];
        let vars = Vars { files: vec!["fw.zip".into()], args: vec![] };
        match run_graph("ucs", &edges, &root, &dir.path().join("w"), &vars) {
            Ok(sinks) => assert_eq!(listing_of(&sinks[0]), ["fw.ld"]),
            Err(e) => assert!(e.contains("needs the unzip program"), "{e}"),
        }
    }

    #[test]
    fn package_files_are_sha1_checked() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("fw.rom");
        fs::write(&src, b"firmware").unwrap();
        let good = repo::sha1_file(&src).unwrap();
        let spec = |sha1: &str| FileSpec {
            id: "fw".into(),
            filename: "fw.rom".into(),
            url: format!("file://{}", src.display()),
            size: Some(8),
            sha1: Some(sha1.into()),
            downloader: None,
        };
        let cache = dir.path().join("var/cache");
        let fetcher = Fetcher::new(None).unwrap();
        let bad = "1111111111111111111111111111111111111111";
        let err = fetch_file(&fetcher, &spec(bad), &cache, &mut |_, _| {}).unwrap_err();
        assert_eq!(err, format!("file fw: SHA-1 mismatch for {}: expected {bad}, got {good}", src.display()));
        assert!(!cache.join("fw.rom").exists());
        fetch_file(&fetcher, &spec(&good), &cache, &mut |_, _| {}).unwrap();
        assert_eq!(fs::read(cache.join("fw.rom")).unwrap(), b"firmware");
        // A cached copy that does not match, with no URL to fetch it again.
        let manual = FileSpec { url: String::new(), ..spec(bad) };
        let err = fetch_file(&fetcher, &manual, &cache, &mut |_, _| {}).unwrap_err();
        assert!(
            err.starts_with("SHA-1 mismatch for ") && err.contains(&format!("expected {bad}, got {good}")),
            "{err}"
        );
        let missing = FileSpec { filename: "other.rom".into(), url: String::new(), ..spec(bad) };
        let err = fetch_file(&fetcher, &missing, &cache, &mut |_, _| {}).unwrap_err();
        assert_eq!(err, format!("file fw has no URL: put other.rom in {} by hand", cache.display()));
    }
}
