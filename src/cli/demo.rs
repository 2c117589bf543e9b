//! `praxis demo`: load the six demo patients (see `app::demo`), never duplicating them.

use super::Ctx;
use super::util::open;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> anyhow::Result<()> {
    let mut store = open(ctx)?;
    let report = crate::app::demo::load(&mut store)?;
    if ctx.json {
        return ctx.print_json(&report);
    }
    if !report.added.is_empty() {
        println!(
            "Added {} demo patients: {}.",
            report.added.len(),
            report.added.join(", ")
        );
    }
    if !report.skipped.is_empty() {
        println!(
            "Already in the database, left unchanged: {}.",
            report.skipped.join(", ")
        );
    }
    if !report.added.is_empty() {
        println!(
            "Try `praxis patient list` or `praxis history {}`.",
            report.added[0]
        );
    }
    Ok(())
}
