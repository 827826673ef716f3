//! Custom templates (`<plugin>/var/templates/...`) as cluster records: one
//! record per file, id `<plugin id>/<path under var/templates>`, document
//! the file's text as a JSON string.
//!
//! `provd-compile --postgres` hands a node's edits on ([`push`]); every
//! node's follower writes the files it receives ([`write`]) and renders the
//! plugin again. Only regular files are records: a symbolic link is
//! skipped (and said), as are files that are not UTF-8 text.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use provd_store::SourceKey;

use crate::ClusterError;
use crate::records::{Record, put_records};

/// The deepest directory level read under `var/templates`.
const MAX_DEPTH: usize = 24;

/// Templates by record id.
pub type Templates = BTreeMap<String, Vec<u8>>;

/// Every custom template of every plugin of `plugins_dir`, by record id;
/// and what was skipped, and why.
pub fn local(plugins_dir: &Path) -> std::io::Result<(Templates, Vec<String>)> {
    let mut out = BTreeMap::new();
    let mut skipped = Vec::new();
    for entry in std::fs::read_dir(plugins_dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // Staging directories of operations in progress start with '.'.
        if name.starts_with('.') || !entry.file_type()?.is_dir() {
            continue;
        }
        let root = entry.path().join("var").join("templates");
        if root.is_dir() {
            walk(&root, &root, &name, 0, &mut out, &mut skipped)?;
        }
    }
    Ok((out, skipped))
}

fn walk(
    root: &Path,
    dir: &Path,
    plugin: &str,
    depth: usize,
    out: &mut Templates,
    skipped: &mut Vec<String>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if kind.is_dir() && depth < MAX_DEPTH {
            walk(root, &path, plugin, depth + 1, out, skipped)?;
        } else if kind.is_file() {
            let rel = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().into_owned();
            let bytes = std::fs::read(&path)?;
            if std::str::from_utf8(&bytes).is_ok() {
                out.insert(format!("{plugin}/{rel}"), bytes);
            } else {
                skipped.push(format!("{}: not UTF-8 text", path.display()));
            }
        } else {
            skipped.push(format!("{}: not a regular file (or too deep)", path.display()));
        }
    }
    Ok(())
}

/// The file a record id names: `plugins_dir/<plugin>/var/templates/<path>`,
/// if the id is a plugin id and a relative path that stays inside.
pub fn path_of(plugins_dir: &Path, id: &str) -> Result<(String, PathBuf), String> {
    let (plugin, rel) = id.split_once('/').ok_or_else(|| format!("template {id:?}: no plugin/path"))?;
    let plugin_ok = !plugin.is_empty() && !plugin.starts_with('.') && !plugin.contains(['\\', '\0']);
    let rel = Path::new(rel);
    let rel_ok = rel.components().all(|c| matches!(c, Component::Normal(_))) && rel.components().next().is_some();
    if !plugin_ok || !rel_ok || rel.components().count() > MAX_DEPTH {
        return Err(format!("template {id:?}: not a plugin id and a relative path inside var/templates"));
    }
    Ok((plugin.to_owned(), plugins_dir.join(plugin).join("var").join("templates").join(rel)))
}

/// A template's record document: its text as a JSON string.
pub fn encode(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let mut doc = String::with_capacity(text.len() + 2);
    doc.push('"');
    for c in text.chars() {
        match c {
            '"' => doc.push_str("\\\""),
            '\\' => doc.push_str("\\\\"),
            c if (c as u32) < 0x20 => doc.push_str(&format!("\\u{:04x}", c as u32)),
            c => doc.push(c),
        }
    }
    doc.push('"');
    Ok(doc.into_bytes())
}

/// The text of a template's record document.
pub fn decode(doc: &[u8]) -> Result<Vec<u8>, String> {
    let text = std::str::from_utf8(doc).map_err(|e| format!("not UTF-8: {e}"))?;
    let inner =
        text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).ok_or_else(|| "not a JSON string".to_owned())?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16).map_err(|_| format!("bad escape \\u{hex}"))?;
                // Only what `encode` writes (controls) and the BMP.
                out.push(char::from_u32(code).ok_or_else(|| format!("bad escape \\u{hex}"))?);
            }
            other => return Err(format!("bad escape {other:?}")),
        }
    }
    Ok(out.into_bytes())
}

/// Writes (or, for none, removes) the template `id` names; returns its
/// plugin when the file changed.
pub fn write(plugins_dir: &Path, id: &str, content: Option<&[u8]>) -> Result<Option<String>, String> {
    let (plugin, path) = path_of(plugins_dir, id)?;
    if !plugins_dir.join(&plugin).join("plugin-info").is_file() {
        // A plugin this node lacks: nothing to render with it.
        log::warn!("cluster: template {id}: plugin {plugin} is not installed on this node; not written");
        return Ok(None);
    }
    let current = std::fs::read(&path).ok();
    match content {
        Some(bytes) if current.as_deref() == Some(bytes) => Ok(None),
        Some(bytes) => {
            let dir = path.parent().unwrap_or(plugins_dir);
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            stays_inside(plugins_dir, &plugin, id, dir)?;
            let tmp = dir.join(format!(".{}.cluster", path.file_name().unwrap_or_default().to_string_lossy()));
            std::fs::write(&tmp, bytes).map_err(|e| format!("{}: {e}", tmp.display()))?;
            std::fs::rename(&tmp, &path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(Some(plugin))
        }
        None if current.is_some() => {
            stays_inside(plugins_dir, &plugin, id, path.parent().unwrap_or(plugins_dir))?;
            std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            Ok(Some(plugin))
        }
        None => Ok(None),
    }
}

/// Checks that `dir` (existing) lies inside the plugin's `var/templates`:
/// a directory link there must not carry a write or a removal elsewhere.
fn stays_inside(plugins_dir: &Path, plugin: &str, id: &str, dir: &Path) -> Result<(), String> {
    let root = plugins_dir.join(plugin).join("var").join("templates");
    let inside = dir.canonicalize().ok().zip(root.canonicalize().ok()).is_some_and(|(d, r)| d.starts_with(r));
    if inside { Ok(()) } else { Err(format!("template {id:?}: {} leads outside {}", dir.display(), root.display())) }
}

/// The cluster's templates (record id → document), in `client`'s view.
pub fn in_database(client: &mut impl postgres::GenericClient) -> Result<Templates, ClusterError> {
    let rows = client.query("SELECT id, doc::text FROM provd_records WHERE kind = 'template'", &[])?;
    Ok(rows.iter().map(|r| (r.get::<_, String>(0), r.get::<_, String>(1).into_bytes())).collect())
}

/// Makes the cluster's templates those of `plugins_dir`: written where they
/// differ, deleted where this node has none (`tx` holds the write lock).
/// Returns the records written, and what was skipped locally.
pub fn push(
    tx: &mut postgres::Transaction<'_>,
    origin: &str,
    plugins_dir: &Path,
) -> Result<(Vec<Record>, Vec<String>), ClusterError> {
    let (local, skipped) =
        local(plugins_dir).map_err(|e| ClusterError::Files(format!("{}: {e}", plugins_dir.display())))?;
    let remote = in_database(tx)?;
    let mut records = Vec::new();
    for (id, bytes) in &local {
        let doc = encode(bytes).map_err(ClusterError::Files)?;
        if remote.get(id) != Some(&doc) {
            records.push((SourceKey::Template(id.clone()), Some(doc)));
        }
    }
    for id in remote.keys().filter(|id| !local.contains_key(*id)) {
        records.push((SourceKey::Template(id.clone()), None));
    }
    put_records(tx, origin, &records)?;
    Ok((records, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip_any_text() {
        for text in ["", "a\"b\\c\n\t\r{{ x }}\u{1}\u{7f}é", "line\r\n"] {
            let doc = encode(text.as_bytes()).unwrap();
            let value: String = String::from_utf8(doc.clone()).unwrap();
            assert!(value.starts_with('"'));
            assert_eq!(decode(&doc).unwrap(), text.as_bytes(), "{value}");
        }
        assert!(encode(&[0xff]).is_err());
    }

    #[test]
    fn ids_stay_inside_var_templates() {
        let dir = Path::new("/p");
        assert_eq!(path_of(dir, "y/a/b.tpl").unwrap(), ("y".into(), PathBuf::from("/p/y/var/templates/a/b.tpl")));
        for bad in ["y", "y/", "y/../x", "../y/a", "y//etc/passwd", ".staging/a", "y/./a", "/y/a"] {
            assert!(path_of(dir, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_templates_are_read_and_written() {
        let dir = tempfile::tempdir().unwrap();
        let plugin = dir.path().join("p1");
        std::fs::create_dir_all(plugin.join("var/templates/sub")).unwrap();
        std::fs::write(plugin.join("plugin-info"), "{}").unwrap();
        std::fs::write(plugin.join("var/templates/base.tpl"), "x").unwrap();
        std::fs::write(plugin.join("var/templates/sub/a.tpl"), "y").unwrap();
        std::fs::write(plugin.join("var/templates/bin.tpl"), [0xff]).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", plugin.join("var/templates/link.tpl")).unwrap();
        let (found, skipped) = local(dir.path()).unwrap();
        assert_eq!(found.keys().collect::<Vec<_>>(), ["p1/base.tpl", "p1/sub/a.tpl"]);
        assert_eq!(skipped.len(), 2, "{skipped:?}");

        assert_eq!(write(dir.path(), "p1/base.tpl", Some(b"x")).unwrap(), None, "unchanged");
        assert_eq!(write(dir.path(), "p1/new/b.tpl", Some(b"z")).unwrap(), Some("p1".into()));
        assert_eq!(std::fs::read(plugin.join("var/templates/new/b.tpl")).unwrap(), b"z");
        assert_eq!(write(dir.path(), "p1/base.tpl", None).unwrap(), Some("p1".into()));
        assert!(!plugin.join("var/templates/base.tpl").exists());
        assert_eq!(write(dir.path(), "absent/x.tpl", Some(b"z")).unwrap(), None, "no such plugin here");
        // A directory link does not carry a template outside var/templates.
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), plugin.join("var/templates/out")).unwrap();
        assert!(write(dir.path(), "p1/out/x.tpl", Some(b"z")).unwrap_err().contains("leads outside"));
        assert!(!outside.path().join("x.tpl").exists());
        std::fs::write(outside.path().join("keep.tpl"), "k").unwrap();
        assert!(write(dir.path(), "p1/out/keep.tpl", None).unwrap_err().contains("leads outside"));
        assert!(outside.path().join("keep.tpl").exists(), "not removed through the link");
    }
}
