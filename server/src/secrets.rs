//! Files holding secrets: the REST API's tokens (`--api-token-file`,
//! `<data>/api-token`) and the AMI login (`--sync-ami-login-file`). They
//! are read only when no other user may read or change them.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The contents of `path` (a `what`, for messages), refused when its mode
/// lets other users read or write it; a warning when its group may.
pub(crate) fn read_private(path: &Path, what: &str) -> anyhow::Result<String> {
    let shown = path.display();
    // Checked on the open file: what is read is what was checked.
    let mut file = std::fs::File::open(path).map_err(|e| anyhow::anyhow!("{what} {shown}: {e}"))?;
    let mode = file.metadata().map_err(|e| anyhow::anyhow!("{what} {shown}: {e}"))?.permissions().mode() & 0o777;
    if mode & 0o007 != 0 {
        anyhow::bail!(
            "{what} {shown} has mode {mode:04o}: other users can read or change the secret in it; \
             run `chmod 600 {shown}`"
        );
    }
    if mode & 0o070 != 0 {
        log::warn!(
            "{what} {shown} has mode {mode:04o}: its group can read or change the secret in it \
             (`chmod 600 {shown}` unless that is meant)"
        );
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(|e| anyhow::anyhow!("{what} {shown}: {e}"))?;
    Ok(text)
}

/// The AMI login from a [private](read_private) file: its first line,
/// `USER:SECRET`.
pub(crate) fn ami_login(path: &Path) -> anyhow::Result<String> {
    let text = read_private(path, "AMI login file")?;
    let line = text.lines().next().unwrap_or_default().trim_end_matches('\r');
    match line.split_once(':') {
        Some((user, _)) if !user.is_empty() => Ok(line.to_owned()),
        // The line may be the secret alone: never shown.
        _ => anyhow::bail!("AMI login file {}: its first line must be USER:SECRET", path.display()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, name: &str, mode: u32, text: &str) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        p
    }

    #[test]
    fn secrets_others_may_read_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let ok = file(dir.path(), "ok", 0o600, "provd:s3cret\nignored\n");
        assert_eq!(ami_login(&ok).unwrap(), "provd:s3cret");
        assert_eq!(read_private(&file(dir.path(), "group", 0o640, "t\n"), "token file").unwrap(), "t\n");
        for mode in [0o644, 0o604, 0o602, 0o666] {
            let p = file(dir.path(), &format!("m{mode:o}"), mode, "t\n");
            let e = read_private(&p, "token file").unwrap_err().to_string();
            assert!(e.contains(&format!("token file {} has mode {mode:04o}", p.display())), "{e}");
            assert!(e.contains(&format!("chmod 600 {}", p.display())), "{e}");
        }
        let e = ami_login(&file(dir.path(), "bare", 0o600, "s3cret\n")).unwrap_err().to_string();
        assert!(e.contains("first line must be USER:SECRET") && !e.contains("s3cret"), "{e}");
        assert!(read_private(&dir.path().join("missing"), "token file").is_err());
    }
}
