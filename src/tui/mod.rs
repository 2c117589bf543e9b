//! The terminal interface. STUB: to be written.

use std::path::Path;

pub fn run(_db: &Path) -> anyhow::Result<()> {
    anyhow::bail!("the terminal interface is not implemented yet; see `praxis --help`")
}
