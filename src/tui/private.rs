//! The user's own files: the TUI's log and drafts live in `$XDG_STATE_HOME/praxis/` (usually
//! `~/.local/state/praxis/`), mode 0700, never in the shared folder, so no other user can create, replace or
//! redirect them (issue 9). Files there are written through a new temporary file that is never a symbolic link and
//! renamed into place, and read only when they are a plain file owned by the user.

use std::io::{Read as _, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use nix::fcntl::OFlag;

/// `$XDG_STATE_HOME/praxis/NAME` (created 0700 if needed), after checking that it and its parent are the user's own
/// folders and not symbolic links.
pub fn state_dir(name: &str) -> anyhow::Result<PathBuf> {
    use etcetera::BaseStrategy as _;
    let base = etcetera::choose_base_strategy()
        .context("cannot find your home directory for Praxis's own files")?;
    let root = base
        .state_dir()
        .unwrap_or_else(|| base.data_dir())
        .join("praxis");
    let dir = root.join(name);
    for d in [&root, &dir] {
        private_dir(d)?;
    }
    Ok(dir)
}

/// Create `dir` (and missing parents) mode 0700, or check that the existing one is a folder of ours that nobody
/// else may write to.
pub fn private_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("cannot create the folder {}", dir.display()))?;
    let meta = std::fs::symlink_metadata(dir)
        .with_context(|| format!("cannot read the folder {}", dir.display()))?;
    if !meta.is_dir() {
        bail!(
            "{} is not a folder (a symbolic link?); Praxis keeps your own files there only in a folder of yours",
            dir.display()
        );
    }
    if meta.uid() != effective_uid() {
        bail!(
            "{} belongs to another user (uid {}); Praxis keeps your own files only in a folder of yours (is HOME \
             or XDG_STATE_HOME someone else's?)",
            dir.display(),
            meta.uid()
        );
    }
    if meta.mode() & 0o022 != 0 {
        bail!(
            "{} can be written by other users (mode {:04o}); fix it with: chmod 700 {}",
            dir.display(),
            meta.mode() & 0o7777,
            dir.display()
        );
    }
    Ok(())
}

/// Write `bytes` to `path`, mode 0600, replacing it: through a new temporary file next to it (never following a
/// symbolic link, never reusing a file someone else made), then renamed into place.
pub fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let create = || {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(OFlag::O_NOFOLLOW.bits())
            .mode(0o600)
            .open(&tmp)
    };
    let file = match create() {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // Left by a killed process with our pid: unlinking removes the name, never what a link points to.
            std::fs::remove_file(&tmp)
                .with_context(|| format!("cannot replace {}", tmp.display()))?;
            create()
        }
        other => other,
    };
    let mut file = file.with_context(|| format!("cannot write {}", tmp.display()))?;
    let res = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    if let Err(e) = res.and_then(|()| std::fs::rename(&tmp, path)) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e).with_context(|| format!("cannot write {}", path.display()));
    }
    Ok(())
}

/// The text of `path`, `None` when there is none. Refuses a symbolic link, and a file someone else owns.
pub fn read(path: &Path) -> anyhow::Result<Option<String>> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK).bits())
        .open(path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) => bail!(
            "{} is a symbolic link, not a file Praxis wrote; it was not read (remove it)",
            path.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let meta = file
        .metadata()
        .with_context(|| format!("cannot read {}", path.display()))?;
    if !meta.is_file() || meta.uid() != effective_uid() {
        bail!(
            "{} is not a file of yours (owner uid {}); it was not read (remove it)",
            path.display(),
            meta.uid()
        );
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Some(text))
}

fn effective_uid() -> u32 {
    nix::unistd::geteuid().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    #[test]
    fn a_planted_symlink_is_neither_followed_nor_read() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim.txt");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("draft.json");
        // Planted at the temporary name this process would use, and at the file itself.
        let tmp = dir
            .path()
            .join(format!("draft.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &tmp).unwrap();
        write(&path, b"{}").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{}");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert!(!tmp.exists() && std::fs::symlink_metadata(&tmp).is_err());

        std::fs::remove_file(&path).unwrap();
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        let err = read(&path).unwrap_err().to_string();
        assert!(err.contains("symbolic link"), "{err}");
        // Writing replaces the link itself, never the file it points to.
        write(&path, b"[]").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
        assert_eq!(read(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn a_folder_others_may_write_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("state");
        private_dir(&d).unwrap();
        let mode = std::fs::metadata(&d).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = private_dir(&d).unwrap_err().to_string();
        assert!(err.contains("can be written by other users"), "{err}");
        let link = dir.path().join("link");
        std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).unwrap();
        std::os::unix::fs::symlink(&d, &link).unwrap();
        let err = private_dir(&link).unwrap_err().to_string();
        assert!(err.contains("not a folder"), "{err}");
    }
}
