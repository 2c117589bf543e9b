//! The rules of a plan, and of a protocol named by a plan or a session: spelling, the library, the goal.

use super::*;

/// A protocol id as the library spells them: lowercase letters, digits, '-' and '_'.
pub fn check_protocol_spelling(id: &str) -> Result<(), RuleError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        refuse(
            "protocol",
            format!(
                "protocol id {id:?} is not valid: use lowercase letters, digits and '-' (for example usual-care)"
            ),
        )
    }
}

/// A protocol id: its spelling, and a protocol of the library when the context has one. Returns its highest level.
pub fn check_protocol(id: &str, ctx: &Context<'_>) -> Result<Option<u32>, RuleError> {
    check_protocol_spelling(id)?;
    ctx.protocols.map(|p| p.check(id)).transpose()
}

/// A plan's goal: at most 500 characters.
pub fn check_goal(goal: &str) -> Result<(), RuleError> {
    if goal.chars().count() > 500 {
        refuse("goal", "goal is longer than 500 characters".into())
    } else {
        Ok(())
    }
}

/// A plan: protocol, goal, and a start not before the patient's birth or stroke onset, not more than
/// [`MAX_RECORD_AGE_YEARS`] ago and at most [`MAX_PLAN_LEAD_DAYS`] ahead.
pub fn check_plan(plan: &Plan, ctx: &Context<'_>) -> Result<(), RuleError> {
    check_protocol(&plan.protocol_id, ctx)?;
    check_goal(&plan.goal)?;
    let latest = ctx.today + chrono::Duration::days(MAX_PLAN_LEAD_DAYS);
    check_record_day("start", plan.start_date, latest, ctx)
}
