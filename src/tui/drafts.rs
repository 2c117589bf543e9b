//! Drafts: when the terminal goes away mid-edit (SSH drop, SIGHUP), the unfinished form is written next to the
//! database, readable by its owner only (0600), and offered back at the next start.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use super::forms::Form;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    /// When it was kept (local time, for the offer's wording).
    pub saved_at: chrono::NaiveDateTime,
    pub form: Form,
}

/// `praxis.db.draft-<user>.json` next to the database: one per OS user, so two therapists never share a draft.
pub fn path(db: &Path) -> PathBuf {
    // The same identity the store acts as (the effective uid's passwd entry), not $USER, which may be unset
    // (tmux, cron) or anyone's.
    let user = crate::store::Who::current().os_user;
    let user: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let name = db
        .file_name()
        .map_or("praxis.db".into(), |n| n.to_string_lossy().into_owned());
    db.with_file_name(format!("{name}.draft-{user}.json"))
}

/// Write the draft, mode 0600, replacing any older one.
pub fn save(path: &Path, draft: &Draft) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(draft)?;
    let tmp = path.with_extension("json.tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .with_context(|| format!("cannot write the draft {}", tmp.display()))?;
        f.write_all(json.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
        .with_context(|| format!("cannot write the draft {}", path.display()))?;
    Ok(())
}

/// The kept draft, if there is one. A damaged file is reported, not deleted.
pub fn load(path: &Path) -> anyhow::Result<Option<Draft>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot read the draft {}", path.display()));
        }
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
