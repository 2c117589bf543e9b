//! `praxis assess`. STUB: to be written.

use super::Ctx;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_ctx: &Ctx, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`praxis assess` is not implemented yet")
}
