//! What the plugin manager fetches and unpacks: sources (an HTTP
//! repository, a `file://` URL, a local path), downloads checked with
//! SHA-1, and tarballs extracted so that no member lands outside its place.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, BufReader, Read, Seek, Write};
use std::os::unix::ffi::OsStringExt;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use sha1::{Digest, Sha1};

/// Where a file is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Local(PathBuf),
    Http(String),
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Local(p) => write!(f, "{}", p.display()),
            Source::Http(u) => f.write_str(u),
        }
    }
}

impl Source {
    /// An absolute path, a `file://` URL or an `http://` or `https://` URL.
    pub(crate) fn parse(url: &str) -> Result<Source, String> {
        let url = url.trim();
        if url.starts_with('/') {
            return Ok(Source::Local(PathBuf::from(url)));
        }
        if let Some(rest) = url.strip_prefix("file://") {
            let path = match rest.strip_prefix("localhost") {
                Some(p) if p.starts_with('/') => p,
                _ => rest,
            };
            if !path.starts_with('/') {
                return Err(format!("{url:?}: a file:// URL needs an absolute path (file:///srv/plugins)"));
            }
            return Ok(Source::Local(PathBuf::from(OsString::from_vec(percent_decode(path)))));
        }
        for scheme in ["http://", "https://"] {
            if url.starts_with(scheme) && url.len() > scheme.len() {
                return Ok(Source::Http(url.to_owned()));
            }
        }
        Err(format!("{url:?} is not an http://, https:// or file:// URL nor an absolute path"))
    }

    /// The file `name` (a plain file name) of the repository at `base`.
    pub(crate) fn join(base: &str, name: &str) -> Result<Source, String> {
        check_file_name(name)?;
        Ok(match Source::parse(base)? {
            Source::Local(dir) => Source::Local(dir.join(name)),
            Source::Http(url) => {
                Source::Http(format!("{}/{}", url.trim_end_matches('/'), crate::api::url_segment(name)))
            }
        })
    }
}

/// A file name taken from a repository or a catalogue: one path segment.
pub(crate) fn check_file_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || name == "."
        || name == ".."
        || name.bytes().any(|b| b == b'/' || b == b'\\' || b < 0x20 || b == 0x7f)
    {
        return Err(format!("{name:?} is not a plain file name"));
    }
    Ok(())
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(|c| hex(*c)), b.get(i + 2).and_then(|c| hex(*c)))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-1 of a file, in lowercase hex.
pub(crate) fn sha1_file(path: &Path) -> io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha1::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(hex(&h.finalize()))
}

/// Compares a computed SHA-1 with the expected one (any case, spaces
/// trimmed); the error names the file and both sums.
pub(crate) fn check_sha1(what: &str, expected: &str, got: &str) -> Result<(), String> {
    if expected.trim().eq_ignore_ascii_case(got) {
        Ok(())
    } else {
        Err(format!("SHA-1 mismatch for {what}: expected {}, got {got}", expected.trim().to_ascii_lowercase()))
    }
}

/// Downloads: `http://` through the `http_proxy` parameter, `https://`
/// (rustls) through `https_proxy`, when set; TLS servers are trusted by
/// the web's public roots, or only by the given CA bundle
/// (`--plugin-server-ca`, a private mirror).
pub(crate) struct Fetcher {
    agent: ureq::Agent,
    tls_agent: ureq::Agent,
}

impl Fetcher {
    #[cfg(test)]
    pub(crate) fn new(http_proxy: Option<&str>) -> Result<Fetcher, String> {
        Fetcher::with_tls(http_proxy, None, None)
    }

    /// A fetcher with `https_proxy` (`host:port`, wazo-provd's format) for
    /// https URLs and, when given, the PEM CA bundle `ca` as their only roots.
    pub(crate) fn with_tls(
        http_proxy: Option<&str>,
        https_proxy: Option<&str>,
        ca: Option<&[u8]>,
    ) -> Result<Fetcher, String> {
        let proxy = |name: &str, p: Option<&str>, scheme: &str| -> Result<Option<ureq::Proxy>, String> {
            match p.map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => {
                    let url = if p.contains("://") { p.to_owned() } else { format!("{scheme}{p}") };
                    Ok(Some(ureq::Proxy::new(&url).map_err(|e| format!("{name} {p:?}: {e}"))?))
                }
                None => Ok(None),
            }
        };
        let mut tls = ureq::tls::TlsConfig::builder();
        if let Some(pem) = ca {
            let mut roots = Vec::new();
            for item in ureq::tls::parse_pem(pem) {
                if let ureq::tls::PemItem::Certificate(c) =
                    item.map_err(|e| format!("--plugin-server-ca: not a PEM bundle: {e}"))?
                {
                    roots.push(c.to_owned());
                }
            }
            if roots.is_empty() {
                return Err("--plugin-server-ca: no certificate in the bundle".into());
            }
            tls = tls.root_certs(ureq::tls::RootCerts::new_with_certs(&roots));
        }
        let tls = tls.build();
        let agent = |proxy: Option<ureq::Proxy>| {
            let config = ureq::Agent::config_builder()
                .http_status_as_error(false)
                .proxy(proxy)
                .tls_config(tls.clone())
                .timeout_connect(Some(Duration::from_secs(30)))
                .timeout_per_read(Some(Duration::from_secs(120)))
                .user_agent(format!("provd/{}", env!("CARGO_PKG_VERSION")))
                .build();
            ureq::Agent::new_with_config(config)
        };
        Ok(Fetcher {
            agent: agent(proxy("http_proxy", http_proxy, "http://")?),
            tls_agent: agent(proxy("https_proxy", https_proxy, "http://")?),
        })
    }

    /// Copies `src` to `dest` through `<dest>.part`, checking the SHA-1
    /// when `sha1` is given; `dest` is only replaced when everything went
    /// well. `progress(done, total)` is called as bytes arrive; more than
    /// `limit` bytes is an error.
    pub(crate) fn fetch(
        &self,
        src: &Source,
        dest: &Path,
        sha1: Option<&str>,
        limit: u64,
        progress: &mut dyn FnMut(u64, Option<u64>),
    ) -> Result<(), String> {
        let (mut reader, total): (Box<dyn Read>, Option<u64>) = match src {
            Source::Local(p) => {
                let f = File::open(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                let meta = f.metadata().map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                if meta.is_dir() {
                    return Err(format!("{} is a directory, not a file", p.display()));
                }
                (Box::new(f), Some(meta.len()))
            }
            Source::Http(url) => {
                let agent = if url.starts_with("https://") { &self.tls_agent } else { &self.agent };
                let resp = agent.get(url).call().map_err(|e| format!("GET {url}: {e}"))?;
                let status = resp.status().as_u16();
                if !(200..300).contains(&status) {
                    return Err(format!("GET {url}: HTTP {status}"));
                }
                let total = resp.body().content_length();
                (Box::new(resp.into_body().into_reader()), total)
            }
        };
        if let Some(parent) = dest.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let mut part = dest.as_os_str().to_owned();
        part.push(".part");
        let part = PathBuf::from(part);
        let copied = (|| -> Result<String, String> {
            let mut out = File::create(&part).map_err(|e| format!("cannot write {}: {e}", part.display()))?;
            let mut h = Sha1::new();
            let mut buf = vec![0u8; 64 << 10];
            let mut done = 0u64;
            progress(0, total);
            loop {
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(format!("reading {src}: {e}")),
                };
                done += n as u64;
                if done > limit {
                    return Err(format!("{src} is larger than {limit} bytes"));
                }
                h.update(&buf[..n]);
                out.write_all(&buf[..n]).map_err(|e| format!("cannot write {}: {e}", part.display()))?;
                progress(done, total);
            }
            if let Some(t) = total
                && t != done
            {
                return Err(format!("{src}: got {done} bytes of {t}"));
            }
            out.sync_all().map_err(|e| format!("cannot write {}: {e}", part.display()))?;
            Ok(hex(&h.finalize()))
        })();
        let result = copied.and_then(|got| match sha1 {
            Some(expected) if !expected.trim().is_empty() => check_sha1(&src.to_string(), expected, &got),
            _ => Ok(()),
        });
        match result {
            Ok(()) => fs::rename(&part, dest).map_err(|e| format!("cannot write {}: {e}", dest.display())),
            Err(e) => {
                let _ = fs::remove_file(&part);
                Err(e)
            }
        }
    }
}

/// A tar member's path as plain components, or why it is refused: it must
/// be relative, without `..`, and under `top/` when given. `./` prefixes
/// are dropped; an empty result is the archive's root.
pub(crate) fn member_path(path: &Path, top: Option<&str>) -> Result<PathBuf, String> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            Component::ParentDir => return Err("contains '..'".into()),
            Component::RootDir | Component::Prefix(_) => return Err("is an absolute path".into()),
        }
    }
    if let Some(top) = top
        && !out.as_os_str().is_empty()
        && out.components().next() != Some(Component::Normal(top.as_ref()))
    {
        return Err(format!("is not under the top-level directory {top}/"));
    }
    Ok(out)
}

/// Whether a symlink at `link` (a checked member path) pointing to
/// `target` stays inside: relative, `..` only as a prefix, and never above
/// the archive's root (or above `top/` when `confined_to_top`). Symlinks
/// are created after everything else and nothing is written through one,
/// so a link can only be followed from where it was checked.
fn symlink_ok(link: &Path, target: &Path, confined_to_top: bool) -> Result<(), String> {
    let depth = link.components().count().saturating_sub(1);
    let floor = usize::from(confined_to_top);
    let mut ups = 0;
    let mut named = false;
    for c in target.components() {
        match c {
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("is a symlink to the absolute path {}", target.display()));
            }
            Component::CurDir => {}
            Component::ParentDir if !named => ups += 1,
            Component::ParentDir => {
                return Err(format!("is a symlink to {}, with '..' after a name", target.display()));
            }
            Component::Normal(_) => named = true,
        }
    }
    if target.as_os_str().is_empty() {
        return Err("is a symlink with an empty target".into());
    }
    if ups + floor > depth {
        let place = if confined_to_top { "its top-level directory" } else { "the archive" };
        return Err(format!("is a symlink to {}, outside {place}", target.display()));
    }
    Ok(())
}

/// Creates `root/rel` as real directories: an existing component that is
/// a symlink or a file is an error (nothing is ever written through a link).
pub(crate) fn real_dirs(root: &Path, rel: &Path) -> Result<(), String> {
    let mut p = root.to_path_buf();
    for c in rel.components() {
        p.push(c);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.is_dir() => {}
            Ok(m) if m.file_type().is_symlink() => return Err(format!("{} is a symlink", p.display())),
            Ok(_) => return Err(format!("{} is not a directory", p.display())),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&p).map_err(|e| format!("cannot create {}: {e}", p.display()))?
            }
            Err(e) => return Err(format!("{}: {e}", p.display())),
        }
    }
    Ok(())
}

/// The trees of a plugin that are walked to find templates and static
/// files (`compiler/src/render/tree.rs`): a link in one must stay in it.
const PLUGIN_TREES: [&str; 3] = ["templates", "var/templates", "var/tftpboot"];

/// Checks the links of a plugin extracted at `plugin_dir` (from the
/// tarball `name`) before it is installed: no link may lead to a directory
/// (two links to `.` make a tree walk that never ends) or fail to resolve,
/// and a link inside `templates/`, `var/templates/` or `var/tftpboot/` must
/// point inside that same tree. Errors name the member as the tarball
/// does, `<id>/<path>`.
pub(crate) fn check_plugin_links(plugin_dir: &Path, name: &str) -> Result<(), String> {
    let id = plugin_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut todo = vec![PathBuf::new()];
    while let Some(rel) = todo.pop() {
        let dir = plugin_dir.join(&rel);
        let entries = fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
            let rel = rel.join(entry.file_name());
            let kind = entry.file_type().map_err(|e| format!("{}: {e}", entry.path().display()))?;
            if kind.is_dir() {
                todo.push(rel);
            } else if kind.is_symlink() {
                let member = format!("{id}/{}", rel.display());
                link_ok(plugin_dir, &rel).map_err(|why| format!("{name}: member {member:?} {why}"))?;
            }
        }
    }
    Ok(())
}

/// Why the link at `plugin_dir/rel` may not be installed, if it may not.
fn link_ok(plugin_dir: &Path, rel: &Path) -> Result<(), String> {
    let path = plugin_dir.join(rel);
    let target = fs::read_link(&path).map_err(|e| format!("is an unreadable symlink: {e}"))?;
    match fs::metadata(&path) {
        Err(e) => return Err(format!("is a symlink to {} that does not resolve ({e})", target.display())),
        Ok(m) if m.is_dir() => {
            return Err(format!(
                "is a symlink to a directory ({}): links to directories are refused",
                target.display()
            ));
        }
        Ok(_) => {}
    }
    // The target as a path in the plugin: `symlink_ok` let only leading
    // '..' through, so it resolves by names alone.
    let mut resolved: Vec<Component<'_>> = rel.parent().map(|p| p.components().collect()).unwrap_or_default();
    for c in target.components() {
        match c {
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(_) => resolved.push(c),
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => {
                return Err(format!("is a symlink to the absolute path {}", target.display()));
            }
        }
    }
    let resolved: PathBuf = resolved.iter().collect();
    for tree in PLUGIN_TREES {
        if rel.starts_with(tree) && !resolved.starts_with(tree) {
            return Err(format!("is a symlink to {}, outside {tree}/", target.display()));
        }
    }
    Ok(())
}

/// Opens a tarball, plain or compressed with gzip or bzip2 (told by its
/// first bytes).
fn open_tar(path: &Path) -> Result<tar::Archive<Box<dyn Read>>, String> {
    let mut f = File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut magic = [0u8; 3];
    let mut n = 0;
    while n < magic.len() {
        match f.read(&mut magic[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
    }
    f.rewind().map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let f = BufReader::new(f);
    let reader: Box<dyn Read> = if n == 3 && &magic == b"BZh" {
        Box::new(bzip2::read::MultiBzDecoder::new(f))
    } else if n >= 2 && magic[..2] == [0x1f, 0x8b] {
        Box::new(flate2::read::MultiGzDecoder::new(f))
    } else {
        Box::new(f)
    };
    Ok(tar::Archive::new(reader))
}

/// Most members one tarball may have.
const MAX_MEMBERS: u64 = 1_000_000;

/// Extracts the tarball `archive` into `dest` (created if missing). Every
/// member must pass [`member_path`] (under `top/` when given); symlinks
/// must pass [`symlink_ok`] and are created last; hard links must name an
/// earlier regular member (copied); devices and FIFOs are refused; more
/// than `max_bytes` of content is refused. Returns the number of members.
pub(crate) fn extract_tar(archive: &Path, dest: &Path, top: Option<&str>, max_bytes: u64) -> Result<u64, String> {
    let name = archive.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    let mut ar = open_tar(archive)?;
    let entries = ar.entries().map_err(|e| format!("{name}: not a tar archive: {e}"))?;
    let member = |raw: &Path, why: &str| format!("{name}: member {:?} {why}", raw.to_string_lossy());
    let mut symlinks = Vec::new();
    let mut written = 0u64;
    let mut count = 0u64;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("{name}: not a valid tar archive (plain, gzip or bzip2): {e}"))?;
        let kind = entry.header().entry_type();
        if kind.is_pax_global_extensions()
            || kind.is_pax_local_extensions()
            || kind.is_gnu_longname()
            || kind.is_gnu_longlink()
        {
            continue;
        }
        let raw = entry.path().map_err(|e| format!("{name}: unreadable member name: {e}"))?.into_owned();
        let rel = member_path(&raw, top).map_err(|why| member(&raw, &why))?;
        if rel.as_os_str().is_empty() {
            if kind.is_dir() {
                continue;
            }
            return Err(member(&raw, "has an empty name"));
        }
        count += 1;
        if count > MAX_MEMBERS {
            return Err(format!("{name}: more than {MAX_MEMBERS} members"));
        }
        let out = dest.join(&rel);
        let parent = rel.parent().unwrap_or(Path::new(""));
        if kind.is_dir() {
            real_dirs(dest, &rel).map_err(|e| member(&raw, &format!("cannot be created: {e}")))?;
        } else if kind.is_file() || kind == tar::EntryType::Continuous {
            real_dirs(dest, parent).map_err(|e| member(&raw, &format!("cannot be created: {e}")))?;
            match fs::symlink_metadata(&out) {
                Ok(m) if m.is_dir() => return Err(member(&raw, "is a file over a directory")),
                Ok(_) => fs::remove_file(&out).map_err(|e| member(&raw, &format!("cannot be replaced: {e}")))?,
                Err(_) => {}
            }
            let mut f = File::create(&out).map_err(|e| member(&raw, &format!("cannot be written: {e}")))?;
            let left = max_bytes.saturating_sub(written);
            let n = io::copy(&mut (&mut entry).take(left.saturating_add(1)), &mut f)
                .map_err(|e| member(&raw, &format!("cannot be extracted: {e}")))?;
            written += n;
            if written > max_bytes {
                return Err(format!("{name}: more than {max_bytes} bytes once extracted"));
            }
            let exec = entry.header().mode().map(|m| m & 0o111 != 0).unwrap_or(false);
            use std::os::unix::fs::PermissionsExt;
            let _ = fs::set_permissions(&out, fs::Permissions::from_mode(if exec { 0o755 } else { 0o644 }));
        } else if kind.is_symlink() {
            let target = entry
                .link_name()
                .map_err(|e| member(&raw, &format!("has an unreadable link target: {e}")))?
                .ok_or_else(|| member(&raw, "is a symlink without a target"))?
                .into_owned();
            symlink_ok(&rel, &target, top.is_some()).map_err(|why| member(&raw, &why))?;
            symlinks.push((raw, rel, target));
        } else if kind.is_hard_link() {
            let target = entry
                .link_name()
                .map_err(|e| member(&raw, &format!("has an unreadable link target: {e}")))?
                .ok_or_else(|| member(&raw, "is a hard link without a target"))?
                .into_owned();
            let target_rel = member_path(&target, top).map_err(|why| {
                member(&raw, &format!("is a hard link to {:?}, which {why}", target.to_string_lossy()))
            })?;
            let from = dest.join(&target_rel);
            if !fs::symlink_metadata(&from).map(|m| m.is_file()).unwrap_or(false) {
                return Err(member(
                    &raw,
                    &format!("is a hard link to {:?}, which is not an earlier file", target.to_string_lossy()),
                ));
            }
            real_dirs(dest, parent).map_err(|e| member(&raw, &format!("cannot be created: {e}")))?;
            if fs::symlink_metadata(&out).is_ok() {
                fs::remove_file(&out).map_err(|e| member(&raw, &format!("cannot be replaced: {e}")))?;
            }
            fs::copy(&from, &out).map_err(|e| member(&raw, &format!("cannot be written: {e}")))?;
        } else {
            return Err(member(
                &raw,
                &format!("has an unsupported type ({kind:?}): only files, directories and links"),
            ));
        }
    }
    for (raw, rel, target) in symlinks {
        let parent = rel.parent().unwrap_or(Path::new(""));
        real_dirs(dest, parent).map_err(|e| member(&raw, &format!("cannot be created: {e}")))?;
        let out = dest.join(&rel);
        match fs::symlink_metadata(&out) {
            Ok(m) if m.file_type().is_symlink() => {
                fs::remove_file(&out).map_err(|e| member(&raw, &format!("cannot be replaced: {e}")))?
            }
            Ok(_) => return Err(member(&raw, "is a symlink over a file or directory of the archive")),
            Err(_) => {}
        }
        std::os::unix::fs::symlink(&target, &out).map_err(|e| member(&raw, &format!("cannot be created: {e}")))?;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_paths_must_stay_under_the_top_directory() {
        let ok = |p: &str| member_path(Path::new(p), Some("pg")).unwrap();
        assert_eq!(ok("pg/plugin-info"), PathBuf::from("pg/plugin-info"));
        assert_eq!(ok("./pg/templates/base.tpl"), PathBuf::from("pg/templates/base.tpl"));
        assert_eq!(ok("pg/"), PathBuf::from("pg"));
        assert_eq!(ok("./"), PathBuf::new());
        let bad = |p: &str| member_path(Path::new(p), Some("pg")).unwrap_err();
        assert_eq!(bad("/etc/passwd"), "is an absolute path");
        assert_eq!(bad("pg/../../evil"), "contains '..'");
        assert_eq!(bad("../evil"), "contains '..'");
        assert_eq!(bad("other/plugin-info"), "is not under the top-level directory pg/");
        assert_eq!(bad("pgx/plugin-info"), "is not under the top-level directory pg/");
        assert_eq!(bad("plugin-info"), "is not under the top-level directory pg/");
        // Without a top directory: anything relative without '..'.
        assert_eq!(member_path(Path::new("a/b"), None).unwrap(), PathBuf::from("a/b"));
        assert!(member_path(Path::new("a/../b"), None).is_err());
    }

    #[test]
    fn symlinks_must_point_inside() {
        let ok = |l: &str, t: &str| symlink_ok(Path::new(l), Path::new(t), true);
        assert!(ok("pg/var/tftpboot/x", "../../templates/base.tpl").is_ok());
        assert!(ok("pg/a", "b").is_ok());
        assert!(ok("pg/a/b", "..").is_ok());
        assert!(ok("pg/a", "..").unwrap_err().contains("outside its top-level directory"));
        assert!(ok("pg/a", "/etc/passwd").unwrap_err().contains("absolute"));
        assert!(ok("pg/a/b/c", "x/../../..").unwrap_err().contains("'..' after a name"));
        assert!(ok("pg", "x").is_err(), "the top directory itself must be a directory");
        let loose = |l: &str, t: &str| symlink_ok(Path::new(l), Path::new(t), false);
        assert!(loose("a", "..").is_err());
        assert!(loose("a/b", "../c").is_ok());
    }

    #[test]
    fn sources_and_sha1() {
        assert_eq!(Source::parse("/srv/p").unwrap(), Source::Local("/srv/p".into()));
        assert_eq!(Source::parse("file:///srv/my%20p/").unwrap(), Source::Local("/srv/my p/".into()));
        assert_eq!(Source::parse("file://localhost/srv").unwrap(), Source::Local("/srv".into()));
        assert!(Source::parse("file://host/srv").is_err());
        assert!(matches!(Source::parse("https://example.com/p"), Ok(Source::Http(_))));
        assert!(Source::parse("ftp://example.com/p").unwrap_err().contains("https://"));
        assert!(Source::parse("ftp://example.com/p").is_err());
        assert_eq!(
            Source::join("http://example.com/plugins/2/stable/", "a b.tar.bz2").unwrap(),
            Source::Http("http://example.com/plugins/2/stable/a%20b.tar.bz2".into())
        );
        assert_eq!(Source::join("file:///srv/p", "x.tgz").unwrap(), Source::Local("/srv/p/x.tgz".into()));
        assert!(Source::join("/srv/p", "../x").is_err());
        assert!(Source::join("/srv/p", "a/b").is_err());

        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.bin");
        std::fs::write(&src, b"abc").unwrap();
        assert_eq!(sha1_file(&src).unwrap(), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let fetcher = Fetcher::new(None).unwrap();
        let dest = dir.path().join("cache/out.bin");
        let mut seen = Vec::new();
        let err = fetcher
            .fetch(
                &Source::Local(src.clone()),
                &dest,
                Some("0000000000000000000000000000000000000000"),
                1 << 20,
                &mut |d, t| seen.push((d, t)),
            )
            .unwrap_err();
        assert_eq!(
            err,
            format!(
                "SHA-1 mismatch for {}: expected 0000000000000000000000000000000000000000, got a9993e364706816aba3e25717850c26c9cd0d89d",
                src.display()
            )
        );
        assert!(!dest.exists() && !dir.path().join("cache/out.bin.part").exists(), "nothing left behind");
        fetcher
            .fetch(
                &Source::Local(src),
                &dest,
                Some("A9993E364706816ABA3E25717850C26C9CD0D89D"),
                1 << 20,
                &mut |d, t| seen.push((d, t)),
            )
            .unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"abc");
        assert_eq!(seen.last(), Some(&(3, Some(3))));
    }

    /// A member: name, type, content, link target.
    type Member<'a> = (&'a str, tar::EntryType, &'a [u8], Option<&'a str>);

    /// A tarball written with the tar crate, members given raw (even the
    /// ones the crate's builder would refuse).
    fn tarball(path: &Path, members: &[Member<'_>]) {
        let mut out = Vec::new();
        for (name, kind, data, link) in members {
            let mut h = tar::Header::new_gnu();
            {
                let gnu = h.as_gnu_mut().unwrap();
                gnu.name[..name.len()].copy_from_slice(name.as_bytes());
                if let Some(l) = link {
                    gnu.linkname[..l.len()].copy_from_slice(l.as_bytes());
                }
            }
            h.set_entry_type(*kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            out.extend_from_slice(h.as_bytes());
            out.extend_from_slice(data);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.resize(out.len() + 1024, 0);
        let mut gz = flate2::write::GzEncoder::new(File::create(path).unwrap(), flate2::Compression::fast());
        gz.write_all(&out).unwrap();
        gz.finish().unwrap();
    }

    #[test]
    fn tarballs_are_extracted_only_inside() {
        use tar::EntryType::{Directory, Link, Regular, Symlink};
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.tar.gz");
        tarball(
            &good,
            &[
                ("pg/", Directory, b"", None),
                ("pg/plugin-info", Regular, b"{}", None),
                ("pg/var/tftpboot/a.txt", Regular, b"A", None),
                ("pg/var/tftpboot/b.txt", Link, b"", Some("pg/var/tftpboot/a.txt")),
                ("pg/var/tftpboot/c.txt", Symlink, b"", Some("a.txt")),
            ],
        );
        let out = dir.path().join("out");
        assert_eq!(extract_tar(&good, &out, Some("pg"), 1 << 20).unwrap(), 5);
        assert_eq!(std::fs::read(out.join("pg/var/tftpboot/b.txt")).unwrap(), b"A");
        assert_eq!(std::fs::read(out.join("pg/var/tftpboot/c.txt")).unwrap(), b"A");

        let cases: &[(&[Member<'_>], &str)] = &[
            (&[("pg/../evil", Regular, b"x", None)], "member \"pg/../evil\" contains '..'"),
            (&[("../evil", Regular, b"x", None)], "member \"../evil\" contains '..'"),
            (&[("/tmp/evil", Regular, b"x", None)], "member \"/tmp/evil\" is an absolute path"),
            (&[("other/x", Regular, b"x", None)], "member \"other/x\" is not under the top-level directory pg/"),
            (&[("pg/l", Symlink, b"", Some("/etc"))], "member \"pg/l\" is a symlink to the absolute path /etc"),
            (
                &[("pg/l", Symlink, b"", Some("../.."))],
                "member \"pg/l\" is a symlink to ../.., outside its top-level directory",
            ),
            (
                &[("pg/h", Link, b"", Some("../../etc/passwd"))],
                "member \"pg/h\" is a hard link to \"../../etc/passwd\", which contains '..'",
            ),
            (&[("pg/h", Link, b"", Some("pg/missing"))], "which is not an earlier file"),
            (&[("pg/fifo", tar::EntryType::Fifo, b"", None)], "member \"pg/fifo\" has an unsupported type"),
        ];
        for (i, (members, why)) in cases.iter().enumerate() {
            let bad = dir.path().join(format!("bad{i}.tar.gz"));
            tarball(&bad, members);
            let dest = dir.path().join(format!("bad{i}"));
            let err = extract_tar(&bad, &dest, Some("pg"), 1 << 20).unwrap_err();
            assert!(err.contains(why), "{err:?} should say {why:?}");
            assert!(err.starts_with(&format!("bad{i}.tar.gz: ")), "{err}");
        }
        assert!(!dir.path().join("evil").exists());

        // A size bomb stops at the limit.
        let big = dir.path().join("big.tar.gz");
        tarball(&big, &[("pg/big", Regular, &[0u8; 4096], None)]);
        let err = extract_tar(&big, &dir.path().join("big"), Some("pg"), 1000).unwrap_err();
        assert!(err.contains("more than 1000 bytes"), "{err}");
    }

    #[test]
    fn plugin_links_lead_to_files_of_their_own_tree() {
        use tar::EntryType::{Regular, Symlink};
        let dir = tempfile::tempdir().unwrap();
        let base: &[Member<'_>] = &[
            ("pg/plugin-info", Regular, b"{}", None),
            ("pg/templates/base.tpl", Regular, b"x", None),
            ("pg/var/tftpboot/fw/a.bin", Regular, b"A", None),
        ];
        let check = |extra: &[Member<'_>], n: usize| {
            let archive = dir.path().join(format!("p{n}.tar.gz"));
            tarball(&archive, &[base, extra].concat());
            let dest = dir.path().join(format!("p{n}"));
            extract_tar(&archive, &dest, Some("pg"), 1 << 20).unwrap();
            check_plugin_links(&dest.join("pg"), &format!("p{n}.tar.gz"))
        };
        let ok: &[Member<'_>] = &[
            ("pg/templates/T46S.tpl", Symlink, b"", Some("base.tpl")),
            ("pg/var/tftpboot/b.bin", Symlink, b"", Some("fw/a.bin")),
            ("pg/info", Symlink, b"", Some("templates/base.tpl")),
        ];
        check(ok, 0).unwrap();
        let cases: &[(&[Member<'_>], &str)] = &[
            (
                &[("pg/templates/a", Symlink, b"", Some(".")), ("pg/templates/b", Symlink, b"", Some("."))],
                "p1.tar.gz: member \"pg/templates/",
            ),
            (&[("pg/templates/a", Symlink, b"", Some("."))], "is a symlink to a directory (.)"),
            (
                &[("pg/var/tftpboot/up", Symlink, b"", Some(".."))],
                "member \"pg/var/tftpboot/up\" is a symlink to a directory",
            ),
            (&[("pg/link", Symlink, b"", Some("var"))], "member \"pg/link\" is a symlink to a directory (var)"),
            (
                &[("pg/var/tftpboot/info", Symlink, b"", Some("../../plugin-info"))],
                "member \"pg/var/tftpboot/info\" is a symlink to ../../plugin-info, outside var/tftpboot/",
            ),
            (
                &[("pg/var/templates/base.tpl", Symlink, b"", Some("../../templates/base.tpl"))],
                "is a symlink to ../../templates/base.tpl, outside var/templates/",
            ),
            (&[("pg/templates/gone.tpl", Symlink, b"", Some("nowhere.tpl"))], "that does not resolve"),
        ];
        for (i, (extra, why)) in cases.iter().enumerate() {
            let err = check(extra, i + 1).unwrap_err();
            assert!(err.contains(why), "{err:?} should say {why:?}");
        }
    }
}
