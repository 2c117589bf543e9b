//! The rules of an assessment (its score and date) and the warnings that ask before saving one.

use super::*;

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

/// An assessment: its score (see [`check_score`]) and its date (see [`check_assessment_date`]).
pub fn check_assessment(a: &Assessment, ctx: &Context<'_>) -> Result<(), RuleError> {
    let inst = check_score(&a.instrument, a.score)?;
    check_med_state(inst, a.med_state)?;
    check_assessment_date(a.date, ctx)
}

/// A medication state (ON/OFF) is recorded only for an instrument scored in one (MDS-UPDRS III).
pub fn check_med_state(
    inst: &Instrument,
    state: Option<super::super::MedState>,
) -> Result<(), RuleError> {
    match state {
        Some(s) if !inst.has_med_state() => refuse(
            "state",
            format!(
                "state {}: {} is not scored ON or OFF medication; only {} records a medication state",
                s.label(),
                inst.short,
                instruments::all()
                    .iter()
                    .filter(|i| i.has_med_state())
                    .map(|i| i.short)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        _ => Ok(()),
    }
}

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
/// other patients and instruments are ignored), with each instrument's default figures. Where the patient is known,
/// [`assessment_warnings_of`] reads the jump with the MDC of the patient's own group.
pub fn assessment_warnings(a: &Assessment, others: &[Assessment]) -> Vec<Warning> {
    assessment_warnings_of(a, others, None)
}

/// [`assessment_warnings`] for `patient` (when known): a jump is measured against the minimal detectable change of
/// the patient's group on the assessment's day ([`Population::on`]: a Timed Up and Go in Parkinson's disease
/// against Huang 2011's MDC, not a stroke study's).
pub fn assessment_warnings_of(
    a: &Assessment,
    others: &[Assessment],
    patient: Option<&Patient>,
) -> Vec<Warning> {
    // An impossible score (out of range) is refused, not warned about: the refusal names the range, and `--force`
    // cannot save it, so it must not be offered.
    let Ok(inst) = check_score(&a.instrument, a.score) else {
        return Vec::new();
    };
    let same: Vec<&Assessment> = others.iter().filter(|o| comparable(a, o, inst)).collect();
    let mut out = Vec::new();
    if same.iter().any(|o| o.date == a.date && o.score == a.score) {
        out.push(Warning::SameDayDuplicate {
            instrument: inst.id.to_string(),
            score: a.score,
            date: a.date,
        });
    }
    let population = patient.map(|p| Population::on(&p.condition, a.date));
    let mdc = mdc95_in(inst, population);
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

/// Whether `o` is a score `a` is compared with: the same patient and instrument and, as scores in different
/// medication states differ by the levodopa response rather than by a slip, an OFF score only with OFF scores (and
/// those whose state was not recorded).
fn comparable(a: &Assessment, o: &Assessment, inst: &Instrument) -> bool {
    o.patient_code == a.patient_code
        && instruments::get(&o.instrument).is_ok_and(|i| i.id == inst.id)
        && (o.med_state == a.med_state || o.med_state.is_none() || a.med_state.is_none())
}

/// Whether `o` records the same as `a`: the same score of the same patient on the same instrument and day (in a
/// state that may be the same) — the [`Warning::SameDayDuplicate`] test.
pub fn same_assessment(a: &Assessment, o: &Assessment) -> bool {
    instruments::get(&a.instrument)
        .is_ok_and(|inst| comparable(a, o, inst) && o.date == a.date && o.score == a.score)
}

/// The warnings as one sentence.
pub fn warnings_text(w: &[Warning]) -> String {
    w.iter()
        .map(Warning::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
