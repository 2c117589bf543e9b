//! `praxis plan set P-0001 --protocol task-specific-300 [--start DATE] [--goal TEXT]`, `praxis plan show P-0001`.

use chrono::NaiveDate;

use super::Ctx;
use super::util::open;
use crate::domain::{Plan, PlanStatus};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Make a protocol the patient's active plan (an earlier active plan is stopped).
    Set(SetArgs),
    /// Show the patient's active plan.
    Show(ShowArgs),
    /// Change the active plan's goal, start date or status (refused if someone saved it since --version N).
    Edit(EditArgs),
}

#[derive(Debug, clap::Args)]
struct EditArgs {
    code: String,
    #[arg(long)]
    goal: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    start: Option<NaiveDate>,
    /// End the plan: completed or stopped.
    #[arg(long, value_parser = super::util::named::<PlanStatus>())]
    status: Option<PlanStatus>,
    /// The plan version you looked at (from `plan show --json`).
    #[arg(long = "version", value_name = "N")]
    expect_version: Option<i64>,
}

#[derive(Debug, clap::Args)]
struct SetArgs {
    code: String,
    /// Protocol id from the library, e.g. task-specific-300.
    #[arg(long)]
    protocol: String,
    /// First day of the plan (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    start: Option<NaiveDate>,
    /// What the patient is working towards, in their words.
    #[arg(long, default_value = "")]
    goal: String,
}

#[derive(Debug, clap::Args)]
struct ShowArgs {
    code: String,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    match args.command {
        Cmd::Set(a) => {
            let mut store = open(ctx)?;
            let plan = store.set_plan(&Plan {
                id: 0,
                patient_code: a.code,
                protocol_id: a.protocol,
                start_date: a.start.unwrap_or_else(|| chrono::Local::now().date_naive()),
                goal: a.goal,
                status: PlanStatus::Active,
                version: 0,
            })?;
            // Outside the protocol's evidence for this patient: said on stderr, so JSON stays clean.
            let lib = crate::app::protocols::Library::load();
            for w in crate::app::forecast::plan_warnings(
                &store,
                &lib,
                &plan.patient_code,
                &plan.protocol_id,
                plan.start_date,
            ) {
                eprintln!("warning: {w}");
            }
            if ctx.json {
                return ctx.print_json(&plan);
            }
            println!(
                "{} now follows {} from {}.",
                plan.patient_code, plan.protocol_id, plan.start_date
            );
            Ok(())
        }
        Cmd::Edit(a) => {
            let mut store = open(ctx)?;
            let Some(mut plan) = store.active_plan(&a.code)? else {
                anyhow::bail!(
                    "{} has no active plan to edit; use `praxis plan set`",
                    a.code
                );
            };
            if let Some(v) = a.expect_version {
                plan.version = v;
            }
            if let Some(g) = a.goal {
                plan.goal = g;
            }
            if let Some(d) = a.start {
                plan.start_date = d;
            }
            if let Some(st) = a.status {
                plan.status = st;
            }
            let saved = crate::app::patients::update_plan(&mut store, &plan).map_err(|e| match &e {
                crate::app::AppError::PlanConflict { mine, theirs } => anyhow::anyhow!(
                    "{e}\n  yours: goal {:?}, start {}, {:?}\n  saved: goal {:?}, start {}, {:?}",
                    mine.goal,
                    mine.start_date,
                    mine.status,
                    theirs.goal,
                    theirs.start_date,
                    theirs.status
                ),
                _ => e.into(),
            })?;
            if ctx.json {
                return ctx.print_json(&saved);
            }
            println!(
                "Saved the plan of {} (version {}).",
                saved.patient_code, saved.version
            );
            Ok(())
        }
        Cmd::Show(a) => {
            let store = open(ctx)?;
            let plan = store.active_plan(&a.code)?;
            if ctx.json {
                return ctx.print_json(&plan);
            }
            match plan {
                Some(p) => {
                    println!("Patient:  {}", p.patient_code);
                    println!("Protocol: {}", p.protocol_id);
                    println!("Since:    {}", p.start_date);
                    println!(
                        "Goal:     {}",
                        if p.goal.is_empty() {
                            "-".into()
                        } else {
                            crate::domain::text::visible_lines(&p.goal)
                        }
                    );
                    // The id `praxis correct plan` and `praxis void plan` take.
                    println!("Record:   plan {}", p.id);
                }
                None => println!("{} has no active plan.", a.code),
            }
            Ok(())
        }
    }
}
