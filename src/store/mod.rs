//! The SQLite patient store: opening, pragmas, migrations, one module per table, and the audit trail.

use std::path::PathBuf;

use anyhow::Context as _;

/// `$XDG_DATA_HOME/praxis/praxis.db` (usually `~/.local/share/praxis/praxis.db`).
pub fn default_db_path() -> anyhow::Result<PathBuf> {
    use etcetera::BaseStrategy as _;
    let base = etcetera::choose_base_strategy()
        .context("cannot find your home directory for the default database; use --db PATH")?;
    Ok(base.data_dir().join("praxis").join("praxis.db"))
}
