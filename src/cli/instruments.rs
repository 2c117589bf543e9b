//! `praxis instruments`: the outcome measures, their ranges, direction and MCID.

use super::Ctx;
use crate::instruments;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(ctx: &Ctx, _args: Args) -> anyhow::Result<()> {
    if ctx.json {
        return ctx.print_json(&instruments::all());
    }
    println!(
        "{:<14} {:<10} {:<18} {:<17} {:>12}",
        "ID", "NAME", "RANGE", "BETTER", "MCID"
    );
    for i in instruments::all() {
        let kind = i.mcid_word();
        println!(
            "{:<14} {:<10} {:<18} {:<17} {:>7} {kind}",
            i.id,
            i.short,
            i.range_text(),
            i.better_word(),
            i.mcid
        );
    }
    Ok(())
}
