//! Correcting and voiding a record (`praxis correct`, `praxis void`): read the record, apply the changed fields, hand
//! the whole corrected record to the store, which checks it like a new one and keeps the old one.

use chrono::{NaiveDate, NaiveTime};

use crate::app::error::{AppError, Result};
use crate::store::{Correction, HistoryEntry, HistoryRecord, PlanRecord, RecordKind, Store};

/// The fields `praxis correct assessment` may change; `None` keeps the recorded value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssessmentChanges {
    pub score: Option<f64>,
    pub date: Option<NaiveDate>,
    pub assessor: Option<String>,
    /// The medication state (MDS-UPDRS III); `None` keeps the recorded one.
    pub med_state: Option<crate::domain::MedState>,
}

/// The fields `praxis correct session` may change; `None` keeps the recorded value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionChanges {
    pub minutes: Option<u32>,
    pub repetitions: Option<u32>,
    pub success_rate: Option<f64>,
    pub level: Option<u32>,
    pub rpe: Option<u8>,
    pub date: Option<NaiveDate>,
    pub time: Option<NaiveTime>,
}

/// The fields `praxis correct plan` may change; `None` keeps the recorded value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PlanChanges {
    pub protocol: Option<String>,
    pub start: Option<NaiveDate>,
    pub goal: Option<String>,
}

fn nothing_changed(kind: RecordKind) -> AppError {
    AppError::Invalid(format!(
        "nothing to correct: give at least one new value (see praxis correct {} --help)",
        kind.name()
    ))
}

/// An assessment or session with its standing, as `history --all --json` shows it.
pub fn record(store: &Store, kind: RecordKind, id: i64) -> Result<HistoryRecord> {
    Ok(match kind {
        RecordKind::Assessment => {
            let (a, meta) = store.assessment_record(id)?;
            HistoryRecord {
                entry: HistoryEntry::Assessment(a),
                meta,
            }
        }
        RecordKind::Session => {
            let (s, meta) = store.session_record(id)?;
            HistoryRecord {
                entry: HistoryEntry::Session(s),
                meta,
            }
        }
        RecordKind::Plan => {
            return Err(AppError::Invalid(
                "plans are not in the history; see praxis plan show".into(),
            ));
        }
        RecordKind::Goal | RecordKind::GoalReview => {
            return Err(AppError::Invalid(
                "goals and their reviews are not in the history; see praxis goal list".into(),
            ));
        }
    })
}

/// Void a record entered in error, keeping it, with the reason; [`AppError::NotCurrent`] if it was already
/// corrected or voided.
pub fn void(store: &mut Store, kind: RecordKind, id: i64, reason: &str) -> Result<()> {
    store.void_record(kind, id, reason)?;
    Ok(())
}

/// Correct an assessment; returns the new current record.
pub fn correct_assessment(
    store: &mut Store,
    id: i64,
    ch: &AssessmentChanges,
    reason: &str,
) -> Result<HistoryRecord> {
    let a = corrected_assessment(store, id, ch)?;
    let new = store.correct_record(&Correction::Assessment(a), reason)?;
    record(store, RecordKind::Assessment, new)
}

/// What looks wrong about assessment `id` as corrected by `ch` (a jump from the patient's other scores on the
/// instrument, a duplicate), as a new assessment is checked: the record being corrected is not one of the others.
/// Empty when nothing does; the caller asks before saving.
pub fn correction_warnings(
    store: &Store,
    id: i64,
    ch: &AssessmentChanges,
) -> Result<Vec<crate::domain::rules::Warning>> {
    let a = corrected_assessment(store, id, ch)?;
    let others: Vec<_> = store
        .assessments(&a.patient_code)?
        .into_iter()
        .filter(|o| o.id != id)
        .collect();
    let patient = store.patient(&a.patient_code).ok();
    Ok(crate::domain::rules::assessment_warnings_of(
        &a,
        &others,
        patient.as_ref(),
    ))
}

/// Assessment `id` with the changes `ch` applied; refused when `ch` changes nothing.
fn corrected_assessment(
    store: &Store,
    id: i64,
    ch: &AssessmentChanges,
) -> Result<crate::domain::Assessment> {
    if *ch == AssessmentChanges::default() {
        return Err(nothing_changed(RecordKind::Assessment));
    }
    let (mut a, _) = store.assessment_record(id)?;
    if let Some(x) = ch.score {
        a.score = x;
    }
    if let Some(d) = ch.date {
        a.date = d;
    }
    if let Some(who) = &ch.assessor {
        a.assessor = Some(who.clone()).filter(|w| !w.trim().is_empty());
    }
    if ch.med_state.is_some() {
        a.med_state = ch.med_state;
    }
    Ok(a)
}

/// Correct a session; returns the new current record.
pub fn correct_session(
    store: &mut Store,
    id: i64,
    ch: &SessionChanges,
    reason: &str,
) -> Result<HistoryRecord> {
    if *ch == SessionChanges::default() {
        return Err(nothing_changed(RecordKind::Session));
    }
    let (mut s, _) = store.session_record(id)?;
    if let Some(x) = ch.minutes {
        s.minutes = x;
    }
    if let Some(x) = ch.repetitions {
        s.repetitions = x;
    }
    if let Some(x) = ch.success_rate {
        s.success_rate = Some(x);
    }
    if let Some(x) = ch.level {
        s.level = Some(x);
    }
    if let Some(x) = ch.rpe {
        s.rpe = Some(x);
    }
    s.started_at = ch
        .date
        .unwrap_or(s.started_at.date())
        .and_time(ch.time.unwrap_or(s.started_at.time()));
    let new = store.correct_record(&Correction::Session(s), reason)?;
    record(store, RecordKind::Session, new)
}

/// Correct a plan; returns the new current plan. A new protocol must be in `library`.
pub fn correct_plan(
    store: &mut Store,
    library: &crate::app::protocols::Library,
    id: i64,
    ch: &PlanChanges,
    reason: &str,
) -> Result<PlanRecord> {
    if *ch == PlanChanges::default() {
        return Err(nothing_changed(RecordKind::Plan));
    }
    let mut p = store.plan_record(id)?.plan;
    if let Some(x) = &ch.protocol {
        library.rules().check(x)?;
        p.protocol_id = x.clone();
    }
    if let Some(x) = ch.start {
        p.start_date = x;
    }
    if let Some(x) = &ch.goal {
        p.goal = x.clone();
    }
    let new = store.correct_record(&Correction::Plan(p), reason)?;
    Ok(store.plan_record(new)?)
}
