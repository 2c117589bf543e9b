//! `praxis protocols`. STUB: to be written.

use super::Ctx;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_ctx: &Ctx, _args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`praxis protocols` is not implemented yet")
}
