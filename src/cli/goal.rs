//! `praxis goal add P --instrument bbs --target 45 --by 2027-02-01 [--text ...]`,
//! `praxis goal review P GOAL_ID --level 1 [--date D] [--notes ...]`, `praxis goal list P [--json]`: a plan's goals
//! and their Goal Attainment Scaling. Goals and reviews are records: `praxis correct goal|goal-review` and
//! `praxis void goal|goal_review` change them, with a reason.

use chrono::NaiveDate;

use super::Ctx;
use super::util::{open, open_existing};
use crate::app::goals::{self, GoalList, goal_title};
use crate::domain::goals::gas_level_text;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Add a goal to the patient's active plan: a score to reach on an instrument by a date.
    Add(AddArgs),
    /// Record a Goal Attainment Scaling level (-2..+2) for a goal.
    Review(ReviewArgs),
    /// The patient's goals, their latest GAS levels and the GAS T-score.
    List(ListArgs),
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// Patient code, e.g. P-0001.
    code: String,
    /// Instrument id or alias (`praxis instruments` lists them), e.g. bbs, berg, arat.
    #[arg(long)]
    instrument: String,
    /// The score to reach, in the instrument's units (a decimal comma is read as a point).
    #[arg(long, allow_negative_numbers = true, value_parser = super::util::decimal)]
    target: f64,
    /// The date to reach it by.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    by: NaiveDate,
    /// The goal in the patient's words, e.g. "drink from a cup with the right hand".
    #[arg(long, default_value = "")]
    text: String,
}

#[derive(Debug, clap::Args)]
struct ReviewArgs {
    code: String,
    /// The goal's id (`praxis goal list P` shows it).
    goal_id: i64,
    /// -2 much less than expected, -1 somewhat less, 0 as expected, +1 somewhat more, +2 much more.
    #[arg(long, allow_negative_numbers = true)]
    level: i8,
    /// Date of the review (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    date: Option<NaiveDate>,
    #[arg(long, default_value = "")]
    notes: String,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    code: String,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    match args.command {
        Cmd::Add(a) => {
            let mut store = open(ctx)?;
            let g = goals::add(&mut store, &a.code, &a.instrument, a.target, a.by, &a.text)?;
            for n in goals::goal_notices(&store, &g, chrono::Local::now().date_naive()) {
                eprintln!("note: {n}");
            }
            if ctx.json {
                return ctx.print_json(&g);
            }
            let plan = g
                .plan_id
                .map_or(" (no active plan)".to_string(), |p| format!(" on plan {p}"));
            println!(
                "Goal {} for {}{plan}: {}{}.",
                g.id,
                g.patient_code,
                goal_title(&g),
                text_part(&g.text)
            );
            Ok(())
        }
        Cmd::Review(a) => {
            let mut store = open(ctx)?;
            let date = a.date.unwrap_or_else(|| chrono::Local::now().date_naive());
            let (r, list) = goals::review(&mut store, &a.code, a.goal_id, a.level, date, &a.notes)?;
            if ctx.json {
                return ctx.print_json(&r);
            }
            println!(
                "Goal {} of {} reviewed on {}: level {:+} ({}).",
                r.goal_id,
                r.patient_code,
                r.date,
                r.level,
                gas_level_text(r.level)
            );
            if let Some(gas) = &list.gas {
                println!("{}.", gas.text());
            }
            Ok(())
        }
        Cmd::List(a) => {
            let store = open_existing(ctx)?;
            let list = goals::list(&store, &a.code)?;
            if ctx.json {
                return ctx.print_json(&list);
            }
            print!("{}", crate::domain::text::visible_lines(&human(&list)));
            Ok(())
        }
    }
}

fn text_part(text: &str) -> String {
    if text.is_empty() {
        String::new()
    } else {
        format!(" \"{text}\"")
    }
}

/// The table of `goal list`.
fn human(list: &GoalList) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    if list.goals.is_empty() {
        let _ = writeln!(
            out,
            "{} has no goals. Add one: praxis goal add {} --instrument bbs --target 45 --by YYYY-MM-DD",
            list.patient, list.patient
        );
        return out;
    }
    let _ = writeln!(out, "{:>4}  {:<28} {:<10} TEXT", "ID", "GOAL", "GAS");
    for g in &list.goals {
        let level = match (g.level, g.reviewed) {
            (Some(l), Some(d)) => format!("{l:+} ({})", d.format("%m-%d")),
            _ => "-".into(),
        };
        let row = format!(
            "{:>4}  {:<28} {:<10} {}",
            g.goal.id,
            goal_title(&g.goal),
            level,
            g.goal.text
        );
        let _ = writeln!(out, "{}", row.trim_end());
    }
    match &list.gas {
        Some(gas) => {
            let _ = writeln!(out, "\n{}.", gas.text());
        }
        None => {
            let _ = writeln!(
                out,
                "\nNo goal reviewed yet: praxis goal review {} GOAL_ID --level 0",
                list.patient
            );
        }
    }
    out
}
