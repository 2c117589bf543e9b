//! `praxis void assessment|session|plan ID --reason TEXT` and
//! `praxis correct assessment|session|plan ID [new values] --reason TEXT`: records are corrected or voided, never
//! edited in place; the old record stays (in `history --all` and the audit).

use chrono::{NaiveDate, NaiveTime};

use super::Ctx;
use super::util::{open, parse_fraction};
use crate::app::records::{self, AssessmentChanges, PlanChanges, SessionChanges};
use crate::instruments::Shown;
use crate::store::{HistoryEntry, HistoryRecord, PlanRecord, RecordKind};

#[derive(Debug, clap::Args)]
pub struct VoidArgs {
    /// What kind of record.
    #[arg(value_parser = super::util::named::<RecordKind>())]
    kind: RecordKind,
    /// The record's id (`praxis history P --json` or `history --all` shows it).
    id: i64,
    /// Why (required), e.g. "wrong patient" or "entered twice".
    #[arg(long)]
    reason: String,
}

#[derive(Debug, clap::Args)]
pub struct CorrectArgs {
    #[command(subcommand)]
    what: CorrectCmd,
}

#[derive(Debug, clap::Subcommand)]
enum CorrectCmd {
    /// Correct an assessment's score, date or assessor.
    Assessment(CorrectAssessment),
    /// Correct a session's minutes, repetitions, success, level, RPE or date.
    Session(CorrectSession),
    /// Correct a plan's protocol, start date or goal.
    Plan(CorrectPlan),
    /// Correct a goal's target, date or text.
    Goal(CorrectGoal),
    /// Correct a goal review's GAS level, date or notes.
    GoalReview(CorrectGoalReview),
}

#[derive(Debug, clap::Args)]
struct CorrectGoal {
    id: i64,
    #[arg(long, allow_negative_numbers = true, value_parser = super::util::decimal)]
    target: Option<f64>,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    by: Option<NaiveDate>,
    #[arg(long)]
    text: Option<String>,
    /// Why (required).
    #[arg(long)]
    reason: String,
}

#[derive(Debug, clap::Args)]
struct CorrectGoalReview {
    id: i64,
    /// -2..+2.
    #[arg(long, allow_negative_numbers = true)]
    level: Option<i8>,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    date: Option<NaiveDate>,
    #[arg(long)]
    notes: Option<String>,
    /// Why (required).
    #[arg(long)]
    reason: String,
}

#[derive(Debug, clap::Args)]
struct CorrectAssessment {
    id: i64,
    #[arg(long, allow_negative_numbers = true, value_parser = super::util::decimal)]
    score: Option<f64>,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    date: Option<NaiveDate>,
    /// Who assessed ("" clears it).
    #[arg(long)]
    assessor: Option<String>,
    /// Medication state of the examination (MDS-UPDRS III): on or off.
    #[arg(long, value_parser = super::util::named::<crate::domain::MedState>())]
    state: Option<crate::domain::MedState>,
    /// Why (required), e.g. "typed 1990 for 2026".
    #[arg(long)]
    reason: String,
    /// Save a corrected score that looks wrong (a jump from the patient's other scores) after checking it.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, clap::Args)]
struct CorrectSession {
    id: i64,
    #[arg(long)]
    minutes: Option<u32>,
    #[arg(long)]
    reps: Option<u32>,
    /// Fraction of successful repetitions: 0.75 or 75%.
    #[arg(long, value_parser = parse_fraction, value_name = "FRACTION")]
    success: Option<f64>,
    #[arg(long)]
    level: Option<u32>,
    #[arg(long)]
    rpe: Option<u8>,
    /// Day of the session (the time is kept unless --time is given).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    date: Option<NaiveDate>,
    #[arg(long, value_name = "HH:MM")]
    time: Option<NaiveTime>,
    /// Why (required).
    #[arg(long)]
    reason: String,
}

#[derive(Debug, clap::Args)]
struct CorrectPlan {
    id: i64,
    /// Protocol id from the library.
    #[arg(long)]
    protocol: Option<String>,
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    start: Option<NaiveDate>,
    #[arg(long)]
    goal: Option<String>,
    /// Why (required).
    #[arg(long)]
    reason: String,
}

/// One line about a record: "assessment 12 (P-0001, TUG 14.2 s on 2026-11-02)".
pub fn describe(r: &HistoryRecord) -> String {
    match &r.entry {
        HistoryEntry::Assessment(a) => {
            let short =
                crate::instruments::get(&a.instrument).map_or(a.instrument.as_str(), |i| i.short);
            format!(
                "assessment {} ({}, {short} {} on {})",
                a.id,
                a.patient_code,
                Shown::Stored.of(a.score),
                a.date
            )
        }
        HistoryEntry::Session(s) => format!(
            "session {} ({}, {} {} min {} reps on {})",
            s.id,
            s.patient_code,
            s.protocol_id,
            s.minutes,
            s.repetitions,
            s.started_at.format("%Y-%m-%d %H:%M")
        ),
    }
}

fn describe_plan(p: &PlanRecord) -> String {
    format!(
        "plan {} ({}, {} from {})",
        p.plan.id, p.plan.patient_code, p.plan.protocol_id, p.plan.start_date
    )
}

pub fn void(ctx: &Ctx, a: VoidArgs) -> anyhow::Result<()> {
    let mut store = open(ctx)?;
    records::void(&mut store, a.kind, a.id, &a.reason)?;
    if matches!(a.kind, RecordKind::Goal | RecordKind::GoalReview) {
        let what = if a.kind == RecordKind::Goal {
            let g = crate::app::goals::goal_record(&store, a.id)?;
            if ctx.json {
                return ctx.print_json(&g);
            }
            format!(
                "goal {} ({}, {})",
                a.id,
                g.record.patient_code,
                crate::app::goals::goal_title(&g.record)
            )
        } else {
            let r = crate::app::goals::review_record(&store, a.id)?;
            if ctx.json {
                return ctx.print_json(&r);
            }
            format!(
                "goal review {} ({}, goal {} level {:+} on {})",
                a.id, r.record.patient_code, r.record.goal_id, r.record.level, r.record.date
            )
        };
        println!(
            "Voided {what}: {}. It is kept in the audit.",
            a.reason.trim()
        );
        return Ok(());
    }
    if a.kind == RecordKind::Plan {
        let p = store.plan_record(a.id)?;
        if ctx.json {
            return ctx.print_json(&p);
        }
        println!("Voided {}: {}.", describe_plan(&p), a.reason.trim());
        return Ok(());
    }
    let r = records::record(&store, a.kind, a.id)?;
    if ctx.json {
        return ctx.print_json(&r);
    }
    println!(
        "Voided {}: {}. It is kept in `history --all` and the audit.",
        describe(&r),
        a.reason.trim()
    );
    Ok(())
}

pub fn correct(ctx: &Ctx, a: CorrectArgs) -> anyhow::Result<()> {
    let mut store = open(ctx)?;
    let (old_id, new) = match a.what {
        CorrectCmd::Assessment(c) => {
            let ch = AssessmentChanges {
                score: c.score,
                date: c.date,
                assessor: c.assessor,
                med_state: c.state,
            };
            if !c.force {
                let warnings = records::correction_warnings(&store, c.id, &ch)?;
                if !warnings.is_empty() {
                    anyhow::bail!(
                        "not corrected: this looks wrong: {}. Check it; if it is right, run the command again with \
                         --force to save it anyway",
                        crate::domain::rules::warnings_text(&warnings)
                    );
                }
            }
            (
                c.id,
                records::correct_assessment(&mut store, c.id, &ch, &c.reason)?,
            )
        }
        CorrectCmd::Session(c) => {
            let ch = SessionChanges {
                minutes: c.minutes,
                repetitions: c.reps,
                success_rate: c.success,
                level: c.level,
                rpe: c.rpe,
                date: c.date,
                time: c.time,
            };
            (
                c.id,
                records::correct_session(&mut store, c.id, &ch, &c.reason)?,
            )
        }
        CorrectCmd::Goal(c) => {
            let ch = crate::app::goals::GoalChanges {
                target: c.target,
                by: c.by,
                text: c.text,
            };
            let g = crate::app::goals::correct_goal(&mut store, c.id, &ch, &c.reason)?;
            if ctx.json {
                return ctx.print_json(&g);
            }
            println!(
                "Corrected goal {}: now goal {} ({}).",
                c.id,
                g.record.id,
                crate::app::goals::goal_title(&g.record)
            );
            return Ok(());
        }
        CorrectCmd::GoalReview(c) => {
            let r = crate::app::goals::correct_review(
                &mut store,
                c.id,
                c.level,
                c.date,
                c.notes.as_deref(),
                &c.reason,
            )?;
            if ctx.json {
                return ctx.print_json(&r);
            }
            println!(
                "Corrected goal review {}: now review {} (goal {} level {:+} on {}).",
                c.id, r.record.id, r.record.goal_id, r.record.level, r.record.date
            );
            return Ok(());
        }
        CorrectCmd::Plan(c) => {
            let library = crate::app::protocols::Library::load();
            let ch = PlanChanges {
                protocol: c.protocol,
                start: c.start,
                goal: c.goal,
            };
            let p = records::correct_plan(&mut store, &library, c.id, &ch, &c.reason)?;
            if ctx.json {
                return ctx.print_json(&p);
            }
            println!("Corrected plan {}: now {}.", c.id, describe_plan(&p));
            return Ok(());
        }
    };
    if ctx.json {
        return ctx.print_json(&new);
    }
    println!(
        "Corrected {} {old_id}: now {}. The old record is kept in `history --all` and the audit.",
        match new.entry {
            HistoryEntry::Assessment(_) => "assessment",
            HistoryEntry::Session(_) => "session",
        },
        describe(&new)
    );
    Ok(())
}
