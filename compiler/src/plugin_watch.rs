//! Whether anything a render reads under the plugins directory changed,
//! told by the kernel (inotify) instead of by reading every file's
//! metadata before each publish.
//!
//! A watch covers the plugins directory itself (a plugin added, removed or
//! swapped), each plugin's directory (its `plugin-info`, a `templates/` or
//! `var/` made or removed), `var/`, and every directory under `templates/`
//! and `var/templates/` (a template edited, added, removed or renamed).
//! Links to directories are not watched, as the template index does not
//! follow them. Made before the plugins are scanned, so that a change
//! during the scan is seen at the next publish.

use std::ffi::CString;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::render::tree::MAX_DEPTH;

/// Every change to an entry of a watched directory, or to the directory.
const MASK: u32 = libc::IN_MODIFY
    | libc::IN_ATTRIB
    | libc::IN_CLOSE_WRITE
    | libc::IN_CREATE
    | libc::IN_DELETE
    | libc::IN_MOVED_FROM
    | libc::IN_MOVED_TO
    | libc::IN_DELETE_SELF
    | libc::IN_MOVE_SELF;

/// An inotify instance watching a plugins directory (see the module doc).
pub(crate) struct PluginWatch {
    fd: OwnedFd,
}

impl PluginWatch {
    /// Watches `plugins_dir`; `None` when the kernel refuses (no inotify,
    /// its limits reached) or a directory cannot be read: the caller then
    /// checks the files another way.
    pub(crate) fn new(plugins_dir: &Path) -> Option<PluginWatch> {
        // SAFETY: no pointer is passed; the result is checked.
        let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if fd < 0 {
            return None;
        }
        // SAFETY: `fd` is a new descriptor nobody else owns.
        let watch = PluginWatch { fd: unsafe { OwnedFd::from_raw_fd(fd) } };
        watch.add(plugins_dir)?;
        for entry in std::fs::read_dir(plugins_dir).ok()? {
            let dir = entry.ok()?.path();
            if !std::fs::symlink_metadata(&dir).ok()?.is_dir() {
                continue;
            }
            watch.add(&dir)?;
            let var = dir.join("var");
            watch.add_tree(&var, MAX_DEPTH)?;
            watch.add_tree(&dir.join("templates"), 0)?;
            watch.add_tree(&var.join("templates"), 0)?;
        }
        Some(watch)
    }

    fn add(&self, dir: &Path) -> Option<()> {
        let path = CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: `path` is a NUL-terminated string that outlives the call.
        let wd = unsafe { libc::inotify_add_watch(self.fd.as_raw_fd(), path.as_ptr(), MASK) };
        (wd >= 0).then_some(())
    }

    /// Watches `dir` (when it is a directory, not a link to one) and the
    /// directories under it down to the template index's depth.
    fn add_tree(&self, dir: &Path, depth: usize) -> Option<()> {
        match std::fs::symlink_metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Some(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(()),
            Err(_) => return None,
        }
        self.add(dir)?;
        if depth >= MAX_DEPTH {
            return Some(());
        }
        for entry in std::fs::read_dir(dir).ok()? {
            let entry = entry.ok()?;
            if entry.file_type().ok()?.is_dir() {
                self.add_tree(&entry.path(), depth + 1)?;
            }
        }
        Some(())
    }

    /// Whether anything changed since the watch was made. Reading takes
    /// the events: ask once, and make a new watch when it says yes.
    pub(crate) fn changed(&self) -> bool {
        let mut events = [0u8; 4096];
        // SAFETY: the buffer is valid for its length; the descriptor is ours.
        let n = unsafe { libc::read(self.fd.as_raw_fd(), events.as_mut_ptr().cast(), events.len()) };
        // Nothing to read is the one "unchanged"; events, an overflow (an
        // event too) or an error all mean loading again.
        !(n < 0 && std::io::Error::last_os_error().raw_os_error() == Some(libc::EAGAIN))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Quiet while nothing changes; every change a render can see is told.
    #[test]
    fn every_change_a_render_reads_is_told() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p1");
        let write = |rel: &str, body: &str| {
            let path = p.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        };
        write("plugin-info", "{}");
        write("templates/base.tpl", "aaa");
        write("var/templates/sub/inc.tpl", "x");
        let watch = || PluginWatch::new(dir.path()).expect("inotify");
        let quiet = watch();
        assert!(!quiet.changed(), "nothing changed");
        assert!(!quiet.changed(), "still nothing");
        let cases: [(&str, &dyn Fn()); 8] = [
            ("a template edited, same size", &|| write("templates/base.tpl", "bbb")),
            ("an override added", &|| write("var/templates/base.tpl", "custom")),
            ("a nested template edited", &|| write("var/templates/sub/inc.tpl", "y")),
            ("a nested directory added", &|| write("var/templates/sub/deeper/x.tpl", "z")),
            ("an override removed", &|| std::fs::remove_file(p.join("var/templates/base.tpl")).unwrap()),
            ("plugin-info", &|| write("plugin-info", "{ }")),
            ("a plugin added", &|| std::fs::create_dir_all(dir.path().join("p2")).unwrap()),
            ("templates/ removed", &|| std::fs::remove_dir_all(p.join("templates")).unwrap()),
        ];
        for (what, change) in cases {
            let w = watch();
            change();
            assert!(w.changed(), "{what}");
        }
    }
}
