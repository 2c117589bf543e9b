//! The rules of a goal and of its Goal Attainment Scaling review.

use super::*;
use crate::domain::{Goal, GoalReview};

/// How far ahead a goal's date may be.
pub const MAX_GOAL_LEAD_DAYS: i64 = 2 * 366;

/// A goal: a known instrument, a target inside its range, a date not before the patient's birth (nor a stroke's
/// onset) and at most [`MAX_GOAL_LEAD_DAYS`] ahead, and text of at most 500 characters. Returns the instrument.
pub fn check_goal_record(g: &Goal, ctx: &Context<'_>) -> Result<&'static Instrument, RuleError> {
    let inst = instruments::get(&g.instrument).map_err(|e| RuleError {
        field: "instrument",
        message: e.to_string(),
    })?;
    inst.check(g.target).map_err(|e| RuleError {
        field: "target",
        message: format!("target: {e}"),
    })?;
    if g.text.chars().count() > 500 {
        return refuse("text", "goal text is longer than 500 characters".into());
    }
    let latest = ctx.today + chrono::Duration::days(MAX_GOAL_LEAD_DAYS);
    if g.by > latest {
        return refuse(
            "by",
            format!(
                "goal date {} is more than two years ahead (latest {latest})",
                g.by
            ),
        );
    }
    if let Some(p) = ctx.patient
        && let crate::domain::Condition::Stroke(f) = &p.condition
        && let Some(onset) = f.onset_date
        && g.by < onset
    {
        return refuse(
            "by",
            format!(
                "goal date {} is before the stroke ({onset}): a goal is for recovery after it",
                g.by
            ),
        );
    }
    if let Some(p) = ctx.patient
        && g.by.year() < p.birth_year
    {
        return refuse(
            "by",
            format!(
                "goal date {} is before the patient's birth year {}",
                g.by, p.birth_year
            ),
        );
    }
    Ok(inst)
}

/// A GAS level: -2..+2.
pub fn check_gas_level(level: i8) -> Result<(), RuleError> {
    if (-2..=2).contains(&level) {
        Ok(())
    } else {
        refuse(
            "level",
            format!("GAS level must be -2, -1, 0, 1 or 2; got {level}"),
        )
    }
}

/// A review: its level, its notes (at most 500 characters) and a date that is a record day (not in the future).
pub fn check_goal_review(r: &GoalReview, ctx: &Context<'_>) -> Result<(), RuleError> {
    check_gas_level(r.level)?;
    if r.notes.chars().count() > 500 {
        return refuse(
            "notes",
            "review notes are longer than 500 characters".into(),
        );
    }
    check_record_day("date", r.date, ctx.today, ctx)
}
