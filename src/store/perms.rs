//! File permissions of the database, its -wal/-shm files and backups: 0600, or 0660 and the clinic's group when
//! `PRAXIS_GROUP` names one; of the folders Praxis creates (the database's, `backups/`): 0700, or 2770 and the
//! group; and the warning for a database that every user of the machine can read or write.

use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use super::error::{Result, StoreError};

/// The environment variable naming the clinic's group (shared server: every clinician is in it).
pub const GROUP_ENV: &str = "PRAXIS_GROUP";

/// The mode and group new files get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FileMode {
    pub mode: u32,
    pub gid: Option<u32>,
}

impl FileMode {
    /// From `PRAXIS_GROUP`: 0600 without it, 0660 and that group with it. An unknown group is an error, not a
    /// silent fallback, so a misspelt group never leaves colleagues locked out or files wider open than meant.
    pub fn from_env() -> Result<FileMode> {
        match std::env::var(GROUP_ENV) {
            Ok(name) if !name.trim().is_empty() => Ok(FileMode {
                mode: 0o660,
                gid: Some(group_id(name.trim())?),
            }),
            _ => Ok(FileMode {
                mode: 0o600,
                gid: None,
            }),
        }
    }

    /// Give an existing file this mode and group.
    pub fn apply(&self, path: &Path) -> Result<()> {
        self.apply_mode(path, self.mode)
    }

    /// The mode of the folders Praxis creates: 0700, or 2770 with the group (setgid, so the files colleagues put
    /// there get the clinic's group too).
    pub fn dir_mode(&self) -> u32 {
        if self.gid.is_some() { 0o2770 } else { 0o700 }
    }

    /// Create the folder `dir` and its missing parents with [`FileMode::dir_mode`] and the group. An existing folder
    /// of ours that the group should share but cannot write to (made by an older Praxis, mode 0755) is given the
    /// group mode; anyone else's is left as it is.
    pub fn create_dir(&self, dir: &Path) -> Result<()> {
        let io = |source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        };
        if let Ok(meta) = std::fs::metadata(dir)
            && meta.is_dir()
        {
            use std::os::unix::fs::MetadataExt as _;
            let shared = meta.mode() & 0o2070 == 0o2070 && Some(meta.gid()) == self.gid;
            let ours = meta.uid() == nix::unistd::geteuid().as_raw();
            if self.gid.is_some() && !shared && ours {
                self.apply_mode(dir, self.dir_mode())?;
            }
            return Ok(());
        }
        if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            self.create_dir(parent)?;
        }
        match std::fs::DirBuilder::new().mode(self.dir_mode()).create(dir) {
            // The umask may have narrowed the mode, and the setgid bit needs the group first.
            Ok(()) => self.apply_mode(dir, self.dir_mode()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && dir.is_dir() => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    fn apply_mode(&self, path: &Path, mode: u32) -> Result<()> {
        let io = |source| StoreError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(gid) = self.gid {
            // No owner: leave it as it is. A path with a NUL byte is refused as EINVAL.
            nix::unistd::chown(path, None, Some(nix::unistd::Gid::from_raw(gid)))
                .map_err(|e| io(e.into()))?;
        }
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(io)
    }

    /// Create `path` empty with this mode and group; `Ok(false)` if it already existed (left as it is).
    pub fn create(&self, path: &Path) -> Result<bool> {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(self.mode)
            .open(path)
        {
            Ok(_) => {
                // The umask may have narrowed the mode; set it exactly.
                self.apply(path)?;
                Ok(true)
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
            Err(source) => Err(StoreError::Io {
                path: path.to_path_buf(),
                source,
            }),
        }
    }
}

fn group_id(name: &str) -> Result<u32> {
    let bad = |why: &str| StoreError::Invalid(format!("{GROUP_ENV}={name}: {why}"));
    if name.contains('\0') {
        return Err(bad("not a group name"));
    }
    match nix::unistd::Group::from_name(name) {
        Ok(Some(g)) => Ok(g.gid.as_raw()),
        _ => Err(bad(
            "no such group on this machine (create it with groupadd, or unset the variable)",
        )),
    }
}

/// The -wal and -shm files SQLite keeps next to `db`.
pub(crate) fn sidecars(db: &Path) -> [PathBuf; 2] {
    let with = |suffix: &str| {
        let mut s = db.as_os_str().to_owned();
        s.push(suffix);
        PathBuf::from(s)
    };
    [with("-wal"), with("-shm")]
}

/// A warning when `path` can be read or written by every user of the machine, with the command that fixes it.
pub(crate) fn world_access_warning(path: &Path, wanted: FileMode) -> Option<String> {
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    if mode & 0o006 == 0 {
        return None;
    }
    let what = match (mode & 0o004 != 0, mode & 0o002 != 0) {
        (true, true) => "readable and writable",
        (true, false) => "readable",
        _ => "writable",
    };
    Some(format!(
        "{} is {what} by every user of this machine (mode {mode:04o}); patient records should not be. Fix it with: \
         chmod {:o} {}",
        path.display(),
        wanted.mode,
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_readable_files_are_named_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("p.db");
        std::fs::write(&f, b"").unwrap();
        let private = FileMode {
            mode: 0o600,
            gid: None,
        };
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(world_access_warning(&f, private), None);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert_eq!(world_access_warning(&f, private), None);
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o644)).unwrap();
        let w = world_access_warning(&f, private).unwrap();
        assert!(w.contains("readable by every user"), "{w}");
        assert!(w.contains(&format!("chmod 600 {}", f.display())), "{w}");
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o662)).unwrap();
        assert!(
            world_access_warning(&f, private)
                .unwrap()
                .contains("writable")
        );
    }

    #[test]
    fn an_unknown_group_is_refused_by_name() {
        let e = group_id("no-such-group-praxis-test").unwrap_err();
        assert!(
            e.to_string()
                .contains("PRAXIS_GROUP=no-such-group-praxis-test"),
            "{e}"
        );
    }

    #[test]
    fn created_files_get_the_mode_exactly_and_the_group() {
        let dir = tempfile::tempdir().unwrap();
        // Our own primary group: chgrp to it always works.
        let gid = nix::unistd::getegid().as_raw();
        let m = FileMode {
            mode: 0o660,
            gid: Some(gid),
        };
        let f = dir.path().join("x.db");
        assert!(m.create(&f).unwrap());
        let meta = std::fs::metadata(&f).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o660);
        assert_eq!(std::os::unix::fs::MetadataExt::gid(&meta), gid);
        assert!(!m.create(&f).unwrap(), "an existing file is left alone");
    }

    #[test]
    fn created_folders_are_private_or_shared_with_the_group_and_setgid() {
        use std::os::unix::fs::MetadataExt as _;
        let dir = tempfile::tempdir().unwrap();
        let private = FileMode {
            mode: 0o600,
            gid: None,
        };
        let d = dir.path().join("a").join("backups");
        private.create_dir(&d).unwrap();
        for p in [&d, &dir.path().join("a")] {
            assert_eq!(std::fs::metadata(p).unwrap().mode() & 0o7777, 0o700);
        }
        let gid = nix::unistd::getegid().as_raw();
        let group = FileMode {
            mode: 0o660,
            gid: Some(gid),
        };
        let d = dir.path().join("b").join("backups");
        group.create_dir(&d).unwrap();
        let meta = std::fs::metadata(&d).unwrap();
        assert_eq!(meta.mode() & 0o7777, 0o2770);
        assert_eq!(meta.gid(), gid);
        // A folder of ours an older Praxis made 0755 is given the group mode.
        let old = dir.path().join("old");
        std::fs::create_dir(&old).unwrap();
        std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o755)).unwrap();
        group.create_dir(&old).unwrap();
        assert_eq!(std::fs::metadata(&old).unwrap().mode() & 0o7777, 0o2770);
    }
}
