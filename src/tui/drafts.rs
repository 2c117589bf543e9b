//! Drafts: when the terminal goes away mid-edit (SSH drop, SIGHUP) or Ctrl-C ends Praxis in a form, the unfinished
//! form is kept and offered back at the next start. It is kept in the user's own folder
//! (`$XDG_STATE_HOME/praxis/drafts/`, mode 0700; see [`super::private`]), one file per database (named by the
//! database's file name and a hash of its full path), readable by its owner only (0600), never in the shared folder
//! where another user could plant a file or a symbolic link in its way.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::forms::FormDraft;
use super::private;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// When it was kept (local time, for the offer's wording).
    pub saved_at: chrono::NaiveDateTime,
    /// The form, in the shape every Praxis writes (see [`FormDraft`]).
    pub form: FormDraft,
}

/// Where this user's draft for the database `db` goes: in `$XDG_STATE_HOME/praxis/drafts/` (created 0700).
pub fn path(db: &Path) -> anyhow::Result<PathBuf> {
    Ok(path_in(&private::state_dir("drafts")?, db))
}

/// The draft for the database `db` in the folder `dir`: `<db file name>-<hash of its full path>.json`, so two
/// databases with the same file name never share a draft.
pub fn path_in(dir: &Path, db: &Path) -> PathBuf {
    let full = std::fs::canonicalize(db)
        .or_else(|_| std::path::absolute(db))
        .unwrap_or_else(|_| db.to_path_buf());
    let hash = Sha256::digest(full.as_os_str().as_encoded_bytes());
    let hex: String = hash[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name: String = db
        .file_name()
        .map_or("praxis.db".into(), |n| n.to_string_lossy().into_owned())
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    dir.join(format!("{name}-{hex}.json"))
}

/// Where an older Praxis kept the draft: `praxis.db.draft-<user>.json` next to the database (read once, if it is
/// a plain file of this user's, so a draft kept before the upgrade is not lost).
pub fn legacy_path(db: &Path) -> PathBuf {
    let user: String = crate::store::Who::current()
        .os_user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let name = db
        .file_name()
        .map_or("praxis.db".into(), |n| n.to_string_lossy().into_owned());
    db.with_file_name(format!("{name}.draft-{user}.json"))
}

/// Write the draft, mode 0600, replacing any older one (never through a symbolic link).
pub fn save(path: &Path, draft: &Draft) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(draft)?;
    private::write(path, json.as_bytes()).context("cannot keep the draft")
}

/// The kept draft, if there is one. A damaged file is reported, not deleted; a symbolic link or someone else's
/// file is refused.
pub fn load(path: &Path) -> anyhow::Result<Option<Draft>> {
    let Some(text) = private::read(path)? else {
        return Ok(None);
    };
    let draft = serde_json::from_str(&text).with_context(|| {
        format!(
            "the draft {} is damaged; it was left in place",
            path.display()
        )
    })?;
    Ok(Some(draft))
}

pub fn remove(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove the draft {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_databases_with_one_name_keep_separate_drafts() {
        let dir = tempfile::tempdir().unwrap();
        let a = path_in(dir.path(), &dir.path().join("a").join("praxis.db"));
        let b = path_in(dir.path(), &dir.path().join("b").join("praxis.db"));
        assert_ne!(a, b);
        assert_eq!(a.parent(), Some(dir.path()));
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            name.starts_with("praxis.db-") && name.ends_with(".json"),
            "{name}"
        );
        // The same database named two ways is one draft.
        std::fs::create_dir_all(dir.path().join("a")).unwrap();
        std::fs::write(dir.path().join("a").join("praxis.db"), b"").unwrap();
        let again = path_in(
            dir.path(),
            &dir.path().join("a").join("..").join("a").join("praxis.db"),
        );
        assert_eq!(a, again);
    }
}
