//! The one set of rules every entry point applies: the store (last line of defence, inside the write transaction),
//! the command line, CSV import and the TUI forms (inline, as the therapist types). Pure functions: no I/O, no clock
//! (`today` and `now` come in through [`Context`]), so each front end and the store give the same answer and the
//! same words for the same value.
//!
//! Two kinds of finding:
//! - a [`RuleError`] refuses the record: the value cannot be right (a date after now, a stage the scale does not
//!   have, a level the protocol does not have, more repetitions than a person can make);
//! - a [`Warning`] asks first: the value can be right but often is a slip (the same score entered twice, a change
//!   far beyond measurement error within days). The TUI asks for a second Ctrl-S; the command line and import
//!   want `--force`.

use std::collections::BTreeMap;

use chrono::{Datelike as _, NaiveDate, NaiveDateTime};

use super::{Assessment, Condition, Patient, Plan, SessionLog};
use crate::instruments::{self, Instrument, Shown};

/// A refused value: the field it is in (as the command line and the forms name it) and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    /// The field, e.g. `date`, `score`, `level`, `protocol`, `code`, `birth_year`, `hoehn_yahr`.
    pub field: &'static str,
    /// The whole message; it names the field in words (e.g. "date 2027-01-02 is in the future (today is ...)").
    pub message: String,
}

fn refuse<T>(field: &'static str, message: String) -> Result<T, RuleError> {
    Err(RuleError { field, message })
}

/// The protocol library as the rules need it: each protocol's id and its highest progression level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protocols {
    max_level: BTreeMap<String, u32>,
}

impl Protocols {
    pub fn new(levels: impl IntoIterator<Item = (String, u32)>) -> Protocols {
        Protocols {
            max_level: levels.into_iter().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.max_level.is_empty()
    }

    /// The highest level of protocol `id`, when the library has it.
    pub fn max_level(&self, id: &str) -> Option<u32> {
        self.max_level.get(id).copied()
    }

    /// The protocol's highest level, or "unknown protocol ..." naming the known ones.
    pub fn check(&self, id: &str) -> Result<u32, RuleError> {
        match self.max_level(id) {
            Some(m) => Ok(m),
            None => {
                let known: Vec<&str> = self.max_level.keys().map(String::as_str).collect();
                refuse(
                    "protocol",
                    format!(
                        "unknown protocol {id:?}; known protocols: {} (`praxis protocols list` shows them)",
                        known.join(", ")
                    ),
                )
            }
        }
    }
}

/// What a record is checked against. `patient`: the patient it belongs to (birth year, stroke onset), when known;
/// `protocols`: the library, when loaded (without it only a protocol id's spelling is checked).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub today: NaiveDate,
    pub now: NaiveDateTime,
    pub patient: Option<&'a Patient>,
    pub protocols: Option<&'a Protocols>,
}

impl<'a> Context<'a> {
    /// A context at `now` with no patient and no library.
    pub fn at(now: NaiveDateTime) -> Context<'a> {
        Context {
            today: now.date(),
            now,
            patient: None,
            protocols: None,
        }
    }

    pub fn with_patient(self, patient: Option<&'a Patient>) -> Context<'a> {
        Context { patient, ..self }
    }

    pub fn with_protocols(self, protocols: Option<&'a Protocols>) -> Context<'a> {
        Context {
            protocols: protocols.filter(|p| !p.is_empty()),
            ..self
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bounds, each in one place with its reason.

/// The earliest birth year accepted. The oldest verified person was born in 1875; a patient born before 1900 would
/// be over 125, so an earlier year is a typing slip.
pub const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// How far back an assessment, session or plan may be dated. Praxis plans current rehabilitation and fits its
/// forecasts to the patient's recent course; a rehabilitation record more than 20 years old predates electronic
/// rehabilitation records in most clinics and is far more likely a mistyped year (1990 for 2019) than history,
/// and one such record would anchor every forecast of that patient. Historical data can still be kept in notes.
pub const MAX_RECORD_AGE_YEARS: i32 = 20;

/// How far ahead a plan may start: plans are scheduled, not back-dated, but a start more than a year ahead is a
/// mistyped year.
pub const MAX_PLAN_LEAD_DAYS: i64 = 366;

/// Repetitions per minute of therapy, averaged over a session, that nobody exceeds: one repetition every second,
/// without rest, for the whole session. The densest protocol in the library asks for 5 a minute
/// (task-specific-300: 300 in an hour; Birkenmeier 2010 observed a mean of 322 per one-hour session), and healthy
/// adults moving blocks as fast as they can manage about 75-80 a minute for one minute only (Box and Block Test
/// norms, Mathiowetz 1985 Am J Occup Ther 39:386), so 60 a minute sustained is beyond any patient.
pub const MAX_REPS_PER_MINUTE: u32 = 60;

/// Minutes of one session: 1 to 600 (10 hours: CIMT's 6 hours a day with margin).
pub const SESSION_MINUTES: (u32, u32) = (1, 600);

/// Stages of the modified Hoehn & Yahr scale (Goetz 2004 Mov Disord 19:1020): 0 (no signs of disease), 1, 1.5, 2,
/// 2.5, 3, 4, 5. There is no 3.5 or 4.5, and nothing between the half stages.
pub const HOEHN_YAHR_STAGES: [f64; 8] = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0];

/// The fastest a timed test can be done, in seconds: a faster time is a slip (e.g. a dropped digit). Each figure is
/// below the fastest healthy young adults reported. (The 10-metre walk is recorded as a speed in m/s; its bound is
/// the instrument's range, at most 3 m/s = 10 m in 3.3 s, beyond the 1.9-2.5 m/s maximal speed of healthy adults in
/// Bohannon 1997 Age Ageing 26:15.)
pub const FASTEST: [(&str, f64, &str); 2] = [
    (
        "tug_s",
        3.0,
        "Timed Up and Go: healthy adults in their twenties take about 5-8 s (Bohannon 2006 J Geriatr Phys Ther \
         29:64, norms 8.1 s at 60-69); standing up, walking 3 m, turning, walking back and sitting down takes more \
         than 3 s even at a sprint",
    ),
    (
        "nhpt_s",
        8.0,
        "Nine-Hole Peg Test: the fastest healthy young adults take 12-16 s (Mathiowetz 1985 Occup Ther J Res 5:24; \
         Oxford Grice 2003 Am J Occup Ther 57:570); 18 placements in under 8 s is less than half a second each",
    ),
];

/// The multiple of an instrument's minimal detectable change that, within [`JUMP_WITHIN_DAYS`], is asked about.
/// MDC95 = 1.96 x sqrt(2) x SEM (Haley & Fragala-Pinkham 2006 Phys Ther 86:735) is the change that measurement error
/// alone exceeds 5% of the time; three times that within a week is faster than recovery moves, and most often a
/// score on the wrong instrument, the wrong patient or a typing slip. A judgement, not a published threshold.
pub const JUMP_MDC_MULTIPLE: f64 = 3.0;
/// See [`JUMP_MDC_MULTIPLE`].
pub const JUMP_WITHIN_DAYS: i64 = 7;

/// The minimal detectable change (95%) of an instrument from its SEM.
pub fn mdc95(inst: &Instrument) -> f64 {
    1.96 * std::f64::consts::SQRT_2 * inst.sem
}

// ---------------------------------------------------------------------------------------------------------------
// Single values.

/// A birth year: from [`EARLIEST_BIRTH_YEAR`] to this year.
pub fn check_birth_year(year: i32, today: NaiveDate) -> Result<(), RuleError> {
    if (EARLIEST_BIRTH_YEAR..=today.year()).contains(&year) {
        Ok(())
    } else {
        refuse(
            "birth_year",
            format!(
                "birth year must be between {EARLIEST_BIRTH_YEAR} and {}; got {year}",
                today.year()
            ),
        )
    }
}

/// A Hoehn & Yahr stage on the modified scale.
pub fn check_hoehn_yahr(field: &'static str, stage: f64) -> Result<(), RuleError> {
    if HOEHN_YAHR_STAGES.contains(&stage) {
        Ok(())
    } else {
        refuse(
            field,
            format!(
                "Hoehn & Yahr stage is one of 0, 1, 1.5, 2, 2.5, 3, 4, 5 (modified scale); got {stage}"
            ),
        )
    }
}

/// A patient code: the spelling, and not one that differs from an existing code only in case (`existing` is the
/// code found when comparing case-insensitively, if any).
pub fn check_new_code(code: &str, existing: Option<&str>) -> Result<(), RuleError> {
    super::validate_patient_code(code).map_err(|message| RuleError {
        field: "code",
        message,
    })?;
    match existing {
        Some(e) if e == code => {
            refuse("code", format!("a patient with code {code} already exists"))
        }
        Some(e) => refuse(
            "code",
            format!(
                "patient code {code} differs from the existing patient {e} only in upper/lower case; codes that \
                 read the same would be mixed up: use {e} or another code"
            ),
        ),
        None => Ok(()),
    }
}

/// The day a record (an assessment, a session, a plan's start) is dated: not before the patient's birth year or
/// their stroke's onset, not more than [`MAX_RECORD_AGE_YEARS`] ago, and not after `latest`.
fn check_record_day(
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

/// A score: known instrument, in range, whole where the scale is, a stage of the Hoehn & Yahr scale, and not faster
/// than a timed test can be done.
pub fn check_score(instrument: &str, score: f64) -> Result<&'static Instrument, RuleError> {
    let inst = instruments::get(instrument).map_err(|e| RuleError {
        field: "instrument",
        message: e.to_string(),
    })?;
    inst.check(score).map_err(|e| RuleError {
        field: "score",
        message: e.to_string(),
    })?;
    if inst.id == "hoehn_yahr" {
        check_hoehn_yahr("score", score)?;
    }
    if let Some((_, fastest, _)) = FASTEST.iter().find(|(id, _, _)| *id == inst.id)
        && score < *fastest
    {
        return refuse(
            "score",
            format!(
                "{} {score} s is faster than anyone completes it (at least {fastest} s); is a digit missing?",
                inst.short
            ),
        );
    }
    Ok(inst)
}

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

/// A plan's goal: at most 500 characters.
pub fn check_goal(goal: &str) -> Result<(), RuleError> {
    if goal.chars().count() > 500 {
        refuse("goal", "goal is longer than 500 characters".into())
    } else {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Whole records: one public function per kind, used by the store, import, the command line, the forms and
// corrections.

/// A patient's profile and condition facts (the code's uniqueness is the store's: see [`check_new_code`]).
pub fn check_patient(p: &Patient, ctx: &Context<'_>) -> Result<(), RuleError> {
    let today = ctx.today;
    super::validate_patient_code(&p.code).map_err(|message| RuleError {
        field: "code",
        message,
    })?;
    check_birth_year(p.birth_year, today)?;
    if let Some(name) = &p.name
        && name.chars().count() > 200
    {
        return refuse("name", "name is longer than 200 characters".into());
    }
    match &p.condition {
        Condition::Stroke(f) => {
            if let Some(onset) = f.onset_date {
                if onset > today {
                    return refuse(
                        "onset",
                        format!("stroke onset {onset} is in the future (today is {today})"),
                    );
                }
                if onset.year() < p.birth_year {
                    return refuse(
                        "onset",
                        format!("stroke onset {onset} is before birth year {}", p.birth_year),
                    );
                }
            }
            if let Some(n) = f.nihss
                && n > 42
            {
                return refuse("nihss", format!("NIHSS is scored 0-42; got {n}"));
            }
        }
        Condition::Parkinsons(f) => {
            if let Some(y) = f.diagnosis_year
                && (y < p.birth_year || y > today.year())
            {
                return refuse(
                    "diagnosis_year",
                    format!(
                        "year of diagnosis must be between birth year {} and {}; got {y}",
                        p.birth_year,
                        today.year()
                    ),
                );
            }
            if let Some(h) = f.hoehn_yahr {
                check_hoehn_yahr("hoehn_yahr", h)?;
            }
        }
        Condition::CerebellarAtaxia(f) => {
            if let Some(t) = &f.ataxia_type
                && t.chars().count() > 100
            {
                return refuse(
                    "ataxia_type",
                    "ataxia type is longer than 100 characters".into(),
                );
            }
        }
        Condition::OlderAdult(f) => {
            if let Some(n) = f.falls_last_year
                && n > 365
            {
                return refuse(
                    "falls",
                    format!("falls in the last year must be 0-365; got {n}"),
                );
            }
        }
    }
    Ok(())
}

/// An assessment: its score (see [`check_score`]) and its date (see [`check_assessment_date`]).
pub fn check_assessment(a: &Assessment, ctx: &Context<'_>) -> Result<(), RuleError> {
    check_score(&a.instrument, a.score)?;
    check_assessment_date(a.date, ctx)
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

/// A plan: protocol, goal, and a start not before the patient's birth or stroke onset, not more than
/// [`MAX_RECORD_AGE_YEARS`] ago and at most [`MAX_PLAN_LEAD_DAYS`] ahead.
pub fn check_plan(plan: &Plan, ctx: &Context<'_>) -> Result<(), RuleError> {
    check_protocol(&plan.protocol_id, ctx)?;
    check_goal(&plan.goal)?;
    let latest = ctx.today + chrono::Duration::days(MAX_PLAN_LEAD_DAYS);
    check_record_day("start", plan.start_date, latest, ctx)
}

// ---------------------------------------------------------------------------------------------------------------
// Warnings: saved only when confirmed.

/// Something that looks wrong in an assessment but may be right.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Warning {
    /// The patient already has this score on this instrument on this day.
    SameDayDuplicate {
        instrument: String,
        score: f64,
        date: NaiveDate,
    },
    /// The score moved by more than [`JUMP_MDC_MULTIPLE`] x MDC95 from a score at most [`JUMP_WITHIN_DAYS`] away.
    Jump {
        instrument: String,
        from: f64,
        from_date: NaiveDate,
        to: f64,
        mdc: f64,
    },
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let short = |id: &str| instruments::get(id).map_or(id.to_string(), |i| i.short.to_string());
        match self {
            Warning::SameDayDuplicate {
                instrument,
                score,
                date,
            } => write!(
                f,
                "the same score was already saved: {} {} on {date}",
                short(instrument),
                Shown::Brief.of(*score)
            ),
            Warning::Jump {
                instrument,
                from,
                from_date,
                to,
                mdc,
            } => {
                write!(
                    f,
                    "{} {} is {} from {} on {from_date}: more than {} x its minimal detectable change ({}) within \
                     {JUMP_WITHIN_DAYS} days",
                    short(instrument),
                    Shown::Brief.of(*to),
                    Shown::Brief.of((to - from).abs()),
                    Shown::Brief.of(*from),
                    Shown::Brief.of(JUMP_MDC_MULTIPLE),
                    Shown::Brief.of(*mdc),
                )
            }
        }
    }
}

/// What looks wrong about assessment `a` given the patient's other assessments (`others`, any order; those of
/// other patients and instruments are ignored).
pub fn assessment_warnings(a: &Assessment, others: &[Assessment]) -> Vec<Warning> {
    let Ok(inst) = instruments::get(&a.instrument) else {
        return Vec::new();
    };
    let same: Vec<&Assessment> = others
        .iter()
        .filter(|o| {
            o.patient_code == a.patient_code
                && instruments::get(&o.instrument).is_ok_and(|i| i.id == inst.id)
        })
        .collect();
    let mut out = Vec::new();
    if same.iter().any(|o| o.date == a.date && o.score == a.score) {
        out.push(Warning::SameDayDuplicate {
            instrument: inst.id.to_string(),
            score: a.score,
            date: a.date,
        });
    }
    let mdc = mdc95(inst);
    // The nearest in time of the scores that jump, so the message names the one most likely meant.
    if let Some(o) = same
        .iter()
        .filter(|o| (o.date - a.date).num_days().abs() <= JUMP_WITHIN_DAYS)
        .filter(|o| (a.score - o.score).abs() > JUMP_MDC_MULTIPLE * mdc)
        .min_by_key(|o| (o.date - a.date).num_days().abs())
    {
        out.push(Warning::Jump {
            instrument: inst.id.to_string(),
            from: o.score,
            from_date: o.date,
            to: a.score,
            mdc,
        });
    }
    out
}

/// The warnings as one sentence.
pub fn warnings_text(w: &[Warning]) -> String {
    w.iter()
        .map(Warning::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ParkinsonsFacts, StrokeFacts};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn stroke(onset: &str) -> Patient {
        Patient {
            id: 1,
            code: "P-0001".into(),
            name: None,
            birth_year: 1950,
            sex: None,
            dominant_hand: None,
            affected_side: None,
            condition: Condition::Stroke(StrokeFacts {
                onset_date: Some(day(onset)),
                ..Default::default()
            }),
            notes: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
        }
    }

    fn assessment(inst: &str, score: f64, date: &str) -> Assessment {
        Assessment {
            id: 0,
            patient_code: "P-0001".into(),
            instrument: inst.into(),
            score,
            date: day(date),
            assessor: None,
            notes: String::new(),
        }
    }

    fn session(when: &str, protocol: &str, minutes: u32, reps: u32, level: u32) -> SessionLog {
        SessionLog {
            id: 0,
            patient_code: "P-0001".into(),
            started_at: at(when),
            protocol_id: protocol.into(),
            minutes,
            repetitions: reps,
            level: Some(level),
            success_rate: None,
            rpe: None,
            notes: String::new(),
            clinician: None,
        }
    }

    #[test]
    fn dates_are_bounded_by_birth_onset_now_and_twenty_years() {
        let p = stroke("2026-03-01");
        let ctx = Context::at(at("2026-11-20 14:30")).with_patient(Some(&p));
        let field =
            |d: &str| check_assessment(&assessment("fma_ue", 30.0, d), &ctx).map_err(|e| e.field);
        assert_eq!(field("2026-11-20"), Ok(()));
        assert_eq!(field("2026-11-21"), Err("date"));
        assert_eq!(field("2026-02-28"), Err("date"), "before the onset");
        let e = check_assessment(&assessment("fma_ue", 30.0, "1990-01-01"), &ctx).unwrap_err();
        assert!(
            e.message
                .contains("before P-0001's stroke onset 2026-03-01"),
            "{e}"
        );
        // Without the onset, 1990 is after birth but more than 20 years ago.
        let mut q = p.clone();
        q.condition = Condition::Parkinsons(ParkinsonsFacts::default());
        let ctx = ctx.with_patient(Some(&q));
        let e = check_assessment(&assessment("fma_ue", 30.0, "1990-01-01"), &ctx).unwrap_err();
        assert!(e.message.contains("more than 20 years ago"), "{e}");
        assert!(check_assessment(&assessment("fma_ue", 30.0, "2006-11-20"), &ctx).is_ok());
        assert!(check_assessment(&assessment("fma_ue", 30.0, "2006-11-19"), &ctx).is_err());
    }

    #[test]
    fn a_session_later_today_is_in_the_future() {
        let ctx = Context::at(at("2026-11-20 14:30"));
        let e = check_session(&session("2026-11-20 15:00", "cimt", 45, 100, 1), &ctx).unwrap_err();
        assert_eq!(e.field, "date");
        assert!(e.message.contains("later than now (14:30)"), "{e}");
        assert!(check_session(&session("2026-11-20 14:30", "cimt", 45, 100, 1), &ctx).is_ok());
    }

    #[test]
    fn levels_follow_the_protocol_and_unknown_protocols_are_refused() {
        let lib = Protocols::new([("cimt".to_string(), 10)]);
        let ctx = Context::at(at("2026-11-20 14:30")).with_protocols(Some(&lib));
        let s = |p: &str, l| check_session(&session("2026-11-20 09:00", p, 45, 100, l), &ctx);
        assert!(s("cimt", 10).is_ok());
        let e = s("cimt", 11).unwrap_err();
        assert_eq!(e.field, "level");
        assert!(
            e.message.contains("10 is cimt's highest level; got 11"),
            "{e}"
        );
        assert_eq!(s("cimt", 0).unwrap_err().field, "level");
        let e = s("usual-cares", 1).unwrap_err();
        assert_eq!(e.field, "protocol");
        assert!(
            e.message.starts_with("unknown protocol \"usual-cares\""),
            "{e}"
        );
    }

    #[test]
    fn repetitions_per_minute_have_a_ceiling() {
        assert!(check_repetitions(600, 10).is_ok());
        let e = check_repetitions(601, 10).unwrap_err();
        assert_eq!(e.field, "repetitions");
        // Every protocol of the library stays far below it.
        assert!(check_repetitions(600, 120).is_ok());
    }

    #[test]
    fn hoehn_yahr_takes_the_stages_of_the_modified_scale() {
        assert!(check_score("hoehn_yahr", 2.5).is_ok());
        assert!(check_score("hoehn_yahr", 0.0).is_ok());
        for bad in [2.2, 3.5, 4.5] {
            let e = check_score("hoehn_yahr", bad).unwrap_err();
            assert_eq!(e.field, "score", "{bad}");
        }
        assert_eq!(
            check_hoehn_yahr("hoehn_yahr", 2.2).unwrap_err().field,
            "hoehn_yahr"
        );
    }

    #[test]
    fn timed_tests_have_a_physical_minimum() {
        let e = check_score("tug_s", 1.2).unwrap_err();
        assert!(e.message.contains("faster than anyone"), "{e}");
        assert!(check_score("tug_s", 3.0).is_ok());
        assert!(check_score("nhpt_s", 7.9).is_err());
        assert!(check_score("nhpt_s", 18.0).is_ok());
    }

    #[test]
    fn codes_differing_only_in_case_are_refused() {
        let e = check_new_code("p-0001", Some("P-0001")).unwrap_err();
        assert_eq!(e.field, "code");
        assert!(e.message.contains("only in upper/lower case"), "{e}");
        assert!(
            check_new_code("P-0001", Some("P-0001"))
                .unwrap_err()
                .message
                .contains("already exists")
        );
        assert!(check_new_code("P-0002", None).is_ok());
    }

    #[test]
    fn duplicates_and_jumps_beyond_the_mdc_are_warned_about() {
        let earlier = [assessment("fma_ue", 20.0, "2026-11-10")];
        assert_eq!(
            assessment_warnings(&assessment("fma_ue", 30.0, "2026-11-12"), &earlier),
            []
        );
        let w = assessment_warnings(&assessment("fma_ue", 20.0, "2026-11-10"), &earlier);
        assert!(
            matches!(w.as_slice(), [Warning::SameDayDuplicate { .. }]),
            "{w:?}"
        );
        // FMA-UE: SEM 2, MDC95 5.54, three times 16.6: +17 within a week is asked about, not after a week.
        let w = assessment_warnings(&assessment("fma_ue", 37.0, "2026-11-15"), &earlier);
        assert!(matches!(w.as_slice(), [Warning::Jump { .. }]), "{w:?}");
        assert!(
            warnings_text(&w).contains("FMA-UE 37 is 17 from 20 on 2026-11-10"),
            "{}",
            warnings_text(&w)
        );
        assert_eq!(
            assessment_warnings(&assessment("fma_ue", 37.0, "2026-11-18"), &earlier),
            []
        );
    }
}
