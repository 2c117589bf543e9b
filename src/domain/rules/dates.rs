//! When a record may be dated: not before the patient's birth or stroke onset, not in the future, not long ago.

use super::*;

/// The day a record (an assessment, a session, a plan's start) is dated: not before the patient's birth year or
/// their stroke's onset, not more than [`MAX_RECORD_AGE_YEARS`] ago, and not after `latest`.
pub(super) fn check_record_day(
    field: &'static str,
    date: NaiveDate,
    latest: NaiveDate,
    ctx: &Context<'_>,
) -> Result<(), RuleError> {
    if date > latest {
        return refuse(
            field,
            if latest == ctx.today {
                format!("date {date} is in the future (today is {})", ctx.today)
            } else {
                format!("date {date} is more than a year ahead (latest {latest})")
            },
        );
    }
    if let Some(p) = ctx.patient {
        if date.year() < p.birth_year {
            return refuse(
                field,
                format!(
                    "date {date} is before {}'s birth year {}",
                    p.code, p.birth_year
                ),
            );
        }
        if let Condition::Stroke(s) = &p.condition
            && let Some(onset) = s.onset_date
            && date < onset
        {
            return refuse(
                field,
                format!(
                    "date {date} is before {}'s stroke onset {onset}; a record of this patient starts at the onset",
                    p.code
                ),
            );
        }
    }
    let earliest = earliest_record_day(ctx.today);
    if date < earliest {
        return refuse(
            field,
            format!(
                "date {date} is more than {MAX_RECORD_AGE_YEARS} years ago (earliest {earliest}); is the year \
                 mistyped?"
            ),
        );
    }
    Ok(())
}

/// The earliest day a record may carry on `today`.
pub fn earliest_record_day(today: NaiveDate) -> NaiveDate {
    today
        .with_year(today.year() - MAX_RECORD_AGE_YEARS)
        // 29 February twenty years before a non-leap year: the day after.
        .or_else(|| {
            (today + chrono::Duration::days(1)).with_year(today.year() - MAX_RECORD_AGE_YEARS)
        })
        .unwrap_or(NaiveDate::MIN)
}

/// An assessment's date (see [`check_record_day`]).
pub fn check_assessment_date(date: NaiveDate, ctx: &Context<'_>) -> Result<(), RuleError> {
    check_record_day("date", date, ctx.today, ctx)
}

/// A session's start: its day as an assessment's, and not later than now (a session later today has not
/// happened yet).
pub fn check_session_time(at: NaiveDateTime, ctx: &Context<'_>) -> Result<(), RuleError> {
    check_record_day("date", at.date(), ctx.today, ctx)?;
    if at > ctx.now {
        return refuse(
            "date",
            format!(
                "time {} is later than now ({}); log a session once it has happened",
                at.format("%Y-%m-%d %H:%M"),
                ctx.now.format("%H:%M")
            ),
        );
    }
    Ok(())
}
