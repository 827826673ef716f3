//! Walking a plugin's `templates/`, `var/templates/` and `var/tftpboot/`
//! trees without ever leaving them.
//!
//! A plugin directory is not trusted to be a plain tree: one installed by
//! an older provd, copied in by hand or edited since may hold links. Two
//! links to `.` in one directory make a walk that follows links visit some
//! 2^40 paths (it never ends, and a compile holds the server's compile lock
//! meanwhile). So a walk here never follows a link to a directory, stops at
//! [`MAX_DEPTH`] levels, and takes a link to a file only when the file lies
//! inside the tree; anything else is skipped and said (the path, and why),
//! and the walk goes on.

use std::fs::{self, FileType};
use std::path::{Path, PathBuf};

/// The deepest directory level walked (the tree's root is level 0). Shipped
/// plugins use four or five.
pub(crate) const MAX_DEPTH: usize = 24;

/// The regular files of a tree and what the walk skipped.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Tree {
    /// Each file as its `/`-separated path relative to the root, and the
    /// path to read it at (for a link, the file it points to, so a link
    /// changed later cannot make a read leave the tree), sorted by name.
    pub(crate) files: Vec<(String, PathBuf)>,
    /// One line per skipped path, naming it and saying why.
    pub(crate) skipped: Vec<String>,
    /// Directories (or the root) that could not be read, with the error:
    /// unlike a skipped link, a transient failure the caller may not want
    /// to take for an empty directory.
    pub(crate) unreadable: Vec<String>,
}

/// Walks `root`. A missing root is an empty tree; a root that is itself a
/// link is not followed.
pub(crate) fn walk(root: &Path) -> Tree {
    let mut tree = Tree::default();
    match fs::symlink_metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tree.unreadable.push(format!("{}: {e}", root.display())),
        Ok(m) if m.file_type().is_symlink() => tree.skipped.push(format!(
            "{} is a symlink: skipped, with everything under it (links to directories are not followed)",
            root.display()
        )),
        Ok(m) if m.is_dir() => {
            // Links may point anywhere inside the tree as the system sees
            // it: compare with its real path.
            match fs::canonicalize(root) {
                Ok(real_root) => walk_dir(root, &real_root, root, 0, &mut tree),
                Err(e) => tree.unreadable.push(format!("{}: {e}", root.display())),
            }
        }
        Ok(_) => tree.skipped.push(format!("{} is not a directory: skipped", root.display())),
    }
    tree.files.sort();
    tree
}

fn walk_dir(root: &Path, real_root: &Path, dir: &Path, depth: usize, tree: &mut Tree) {
    let read = match fs::read_dir(dir) {
        Ok(r) => r,
        Err(e) => {
            tree.unreadable.push(format!("{}: {e}", dir.display()));
            return;
        }
    };
    let mut entries: Vec<(PathBuf, Option<FileType>)> = Vec::new();
    for e in read {
        match e {
            Ok(e) => entries.push((e.path(), e.file_type().ok())),
            Err(e) => tree.unreadable.push(format!("{}: {e}", dir.display())),
        }
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, kind) in entries {
        let Some(rel) = path.strip_prefix(root).ok().and_then(|p| p.to_str()).map(|p| p.replace('\\', "/")) else {
            tree.skipped.push(format!("{}: not a UTF-8 name: skipped", path.display()));
            continue;
        };
        // `DirEntry::file_type` does not follow links.
        match kind {
            Some(k) if k.is_dir() => {
                if depth + 1 > MAX_DEPTH {
                    tree.skipped.push(format!(
                        "{}: deeper than {MAX_DEPTH} directory levels: skipped, with everything under it",
                        path.display()
                    ));
                } else {
                    walk_dir(root, real_root, &path, depth + 1, tree);
                }
            }
            Some(k) if k.is_file() => tree.files.push((rel, path)),
            Some(k) if k.is_symlink() => match link_target(real_root, &path) {
                Ok(target) => tree.files.push((rel, target)),
                Err(why) => tree.skipped.push(format!("{} {why}: skipped", path.display())),
            },
            Some(_) => tree.skipped.push(format!("{} is not a regular file: skipped", path.display())),
            None => tree.skipped.push(format!("{}: cannot read its type: skipped", path.display())),
        }
    }
}

/// The file the link at `link` leads to, when it is a regular file inside
/// `real_root`.
fn link_target(real_root: &Path, link: &Path) -> Result<PathBuf, String> {
    let shown = || fs::read_link(link).map(|t| t.display().to_string()).unwrap_or_else(|_| "?".into());
    let meta = fs::metadata(link).map_err(|e| format!("is a symlink to {} that does not resolve ({e})", shown()))?;
    if meta.is_dir() {
        return Err(format!("is a symlink to a directory ({}), not followed", shown()));
    }
    if !meta.is_file() {
        return Err(format!("is a symlink to {}, not a regular file", shown()));
    }
    let target =
        fs::canonicalize(link).map_err(|e| format!("is a symlink to {} that does not resolve ({e})", shown()))?;
    if !target.starts_with(real_root) {
        return Err(format!("is a symlink to {}, outside {}", shown(), real_root.display()));
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn names(tree: &Tree) -> Vec<&str> {
        tree.files.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn plain_trees_are_listed_sorted() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        fs::create_dir_all(root.join("sub/deeper")).unwrap();
        fs::write(root.join("b.tpl"), "b").unwrap();
        fs::write(root.join("a.tpl"), "a").unwrap();
        fs::write(root.join("sub/deeper/c.tpl"), "c").unwrap();
        let tree = walk(&root);
        assert_eq!(names(&tree), ["a.tpl", "b.tpl", "sub/deeper/c.tpl"]);
        assert!(tree.skipped.is_empty(), "{:?}", tree.skipped);
        assert_eq!(walk(&dir.path().join("missing")), Tree::default());
    }

    #[test]
    fn links_to_directories_are_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        fs::create_dir_all(&root).unwrap();
        fs::write(root.join("base.tpl"), "x").unwrap();
        // Each would double the paths a following walk visits, forever.
        for name in ["a", "b", "c"] {
            symlink(".", root.join(name)).unwrap();
        }
        let tree = walk(&root);
        assert_eq!(names(&tree), ["base.tpl"]);
        assert_eq!(tree.skipped.len(), 3, "{:?}", tree.skipped);
        assert!(tree.skipped[0].contains("t/a is a symlink to a directory (.)"), "{:?}", tree.skipped);
    }

    #[test]
    fn links_to_files_count_only_inside_the_tree() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("sub/real.tpl"), "real").unwrap();
        fs::write(dir.path().join("secret"), "secret").unwrap();
        symlink("sub/real.tpl", root.join("alias.tpl")).unwrap();
        symlink("../secret", root.join("leak.tpl")).unwrap();
        symlink("/etc/passwd", root.join("passwd.tpl")).unwrap();
        symlink("nowhere", root.join("dangling.tpl")).unwrap();
        symlink("loop.tpl", root.join("loop.tpl")).unwrap();
        let tree = walk(&root);
        assert_eq!(names(&tree), ["alias.tpl", "sub/real.tpl"]);
        assert_eq!(tree.files[0].1, fs::canonicalize(root.join("sub/real.tpl")).unwrap());
        let skipped = tree.skipped.join("\n");
        assert!(skipped.contains("t/leak.tpl is a symlink to ../secret, outside"), "{skipped}");
        assert!(skipped.contains("t/passwd.tpl is a symlink to /etc/passwd, outside"), "{skipped}");
        assert!(skipped.contains("t/dangling.tpl is a symlink to nowhere that does not resolve"), "{skipped}");
        assert!(skipped.contains("t/loop.tpl is a symlink to loop.tpl that does not resolve"), "{skipped}");
    }

    #[test]
    fn depth_is_bounded_and_a_linked_root_is_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("t");
        let mut deep = root.clone();
        for _ in 0..MAX_DEPTH + 2 {
            deep.push("d");
        }
        fs::create_dir_all(&deep).unwrap();
        fs::write(deep.join("x.tpl"), "x").unwrap();
        fs::write(root.join("top.tpl"), "top").unwrap();
        let tree = walk(&root);
        assert_eq!(names(&tree), ["top.tpl"]);
        assert_eq!(tree.skipped.len(), 1);
        assert!(tree.skipped[0].contains(&format!("deeper than {MAX_DEPTH} directory levels")), "{:?}", tree.skipped);

        let linked = dir.path().join("linked");
        symlink(&root, &linked).unwrap();
        let tree = walk(&linked);
        assert!(tree.files.is_empty());
        assert!(tree.skipped[0].contains("linked is a symlink: skipped"), "{:?}", tree.skipped);
    }
}
