//! The rules of a therapy session: protocol and level, time, minutes, repetitions, success rate, RPE.

use super::*;

/// A level reached: 1 up to the protocol's highest (100, the most any protocol may have, without a library).
pub fn check_level(level: u32, protocol: &str, max: Option<u32>) -> Result<(), RuleError> {
    let hi = max.unwrap_or(100);
    if (1..=hi).contains(&level) {
        return Ok(());
    }
    refuse(
        "level",
        match max {
            Some(m) => {
                format!("level must be 1-{m}: {m} is {protocol}'s highest level; got {level}")
            }
            None => format!("level must be 1-100; got {level}"),
        },
    )
}

pub fn check_minutes(minutes: u32) -> Result<(), RuleError> {
    let (lo, hi) = SESSION_MINUTES;
    if (lo..=hi).contains(&minutes) {
        Ok(())
    } else {
        refuse(
            "minutes",
            format!("minutes must be {lo}-{hi}; got {minutes}"),
        )
    }
}

/// Repetitions in `minutes`: at most [`MAX_REPS_PER_MINUTE`] a minute.
pub fn check_repetitions(reps: u32, minutes: u32) -> Result<(), RuleError> {
    let most = MAX_REPS_PER_MINUTE.saturating_mul(minutes.max(1));
    if reps <= most {
        return Ok(());
    }
    refuse(
        "repetitions",
        format!(
            "repetitions: {reps} in {minutes} min is more than anyone can make ({MAX_REPS_PER_MINUTE} a minute, at \
             most {most}); got the minutes or the repetitions wrong?"
        ),
    )
}

pub fn check_success_rate(x: f64) -> Result<(), RuleError> {
    if x.is_finite() && (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        refuse(
            "success",
            format!("success rate is a fraction 0-1 (0.75 for 75%); got {x}"),
        )
    }
}

pub fn check_rpe(r: u8) -> Result<(), RuleError> {
    if r <= 10 {
        Ok(())
    } else {
        refuse("rpe", format!("RPE (fatigue) is rated 0-10; got {r}"))
    }
}

/// A session: protocol, time, minutes, repetitions per minute, level within the protocol's, success rate, RPE.
pub fn check_session(s: &SessionLog, ctx: &Context<'_>) -> Result<(), RuleError> {
    let max = check_protocol(&s.protocol_id, ctx)?;
    check_session_time(s.started_at, ctx)?;
    check_minutes(s.minutes)?;
    check_repetitions(s.repetitions, s.minutes)?;
    if let Some(l) = s.level {
        check_level(l, &s.protocol_id, max)?;
    }
    if let Some(x) = s.success_rate {
        check_success_rate(x)?;
    }
    if let Some(r) = s.rpe {
        check_rpe(r)?;
    }
    Ok(())
}
