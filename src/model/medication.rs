//! Parkinson's medication state: MDS-UPDRS III is scored ON or OFF dopaminergic medication, and the two differ by
//! the levodopa response (ON = OFF x (1 - r), `constants::LEVODOPA_RESPONSE`; a levodopa challenge counts r > 30%
//! as a response). A forecast predicts one state ([`predicted`]): the scenario's `forecast_state`, else the state
//! of its baseline, else the one the patient lives in (the `medication` fact: on, or off / untreated). Scores
//! taken in the other state are converted to it before the engine sees them ([`align`]), so a baseline taken OFF
//! and observations taken ON calibrate one forecast.
//!
//! Learning depends on the state too (Frank, Seeberger & O'Reilly 2004 Science 306:1940: off medication, patients
//! learn from positive outcomes poorly and levodopa restores it): the reinforcement gain of the basal ganglia is set
//! by the patient's `medication` fact in [`super::impairment`] (`PD_RL_GAIN_ON` / `PD_RL_GAIN_OFF`).
//! Untreated progression (Holden 2018, +2.4 points a year) is the same in both states.

use super::constants as k;
use super::scenario::Scenario;
use crate::domain::{Condition, MedState, Medication};

/// Whether `instrument` (an id) is scored in a medication state.
fn has_state(instrument: &str) -> bool {
    crate::instruments::get(instrument).is_ok_and(|i| i.has_med_state())
}

/// The state the forecast predicts for instruments scored ON or OFF; `None` when nothing says (the forecast then
/// says the state was not recorded).
pub fn predicted(s: &Scenario) -> Option<MedState> {
    s.forecast_state
        .or(s.baseline_state)
        .or(match &s.patient.condition {
            Condition::Parkinsons(f) => match f.medication {
                Some(Medication::On) => Some(MedState::On),
                Some(Medication::Off | Medication::None) => Some(MedState::Off),
                None => None,
            },
            _ => None,
        })
}

/// A score taken in state `from`, in state `to`: ON = OFF x (1 - r).
pub fn convert(score: f64, from: MedState, to: MedState) -> f64 {
    let keep = 1.0 - k::LEVODOPA_RESPONSE;
    match (from, to) {
        (MedState::Off, MedState::On) => score * keep,
        (MedState::On, MedState::Off) => score / keep,
        _ => score,
    }
}

/// Convert the baseline and observations of instruments scored ON or OFF to the [`predicted`] state, counting the
/// scores converted in `s.med_converted`. Idempotent: converted scores take the predicted state.
pub fn align(s: &mut Scenario) {
    let Some(to) = predicted(s) else { return };
    if let Some(from) = s.baseline_state
        && from != to
    {
        for (id, v) in s.baseline.iter_mut() {
            if has_state(id) {
                *v = clamp(id, convert(*v, from, to));
                s.med_converted += 1;
            }
        }
    }
    if s.baseline.keys().any(|id| has_state(id)) {
        s.baseline_state = Some(to);
    }
    for o in s.observations.iter_mut() {
        if let Some(from) = o.state
            && from != to
            && has_state(&o.instrument)
        {
            o.score = clamp(&o.instrument, convert(o.score, from, to));
            o.state = Some(to);
            s.med_converted += 1;
        }
    }
}

/// A baseline score of `inst` in the [`predicted`] state: converted when the scenario's baseline state differs (a
/// scenario that was not [`align`]ed, e.g. built in code); unchanged otherwise.
pub fn baseline_score(s: &Scenario, inst: &crate::instruments::Instrument, score: f64) -> f64 {
    match (s.baseline_state, predicted(s)) {
        (Some(from), Some(to)) if from != to && inst.has_med_state() => {
            inst.clamp(convert(score, from, to))
        }
        _ => score,
    }
}

fn clamp(id: &str, v: f64) -> f64 {
    crate::instruments::get(id).map_or(v, |i| i.clamp(v))
}

/// The forecast's note on the state, when the baseline has an instrument scored ON or OFF.
pub fn note(s: &Scenario) -> Option<String> {
    let ids: Vec<&str> = s
        .baseline
        .keys()
        .filter(|id| has_state(id))
        .filter_map(|id| crate::instruments::get(id).ok().map(|i| i.short))
        .collect();
    if ids.is_empty() {
        return None;
    }
    let ids = ids.join(", ");
    let mut note = match predicted(s) {
        Some(MedState::On) => format!(
            "{ids} forecast ON medication (levodopa working): the state the patient is examined in on their usual medication"
        ),
        Some(MedState::Off) => format!(
            "{ids} forecast OFF medication (levodopa withheld or untreated): the state that shows the disease without the drug's effect"
        ),
        None => format!(
            "{ids} forecast in an unrecorded medication state: record ON or OFF with the score (assess --state), as scores in the two states differ by the levodopa response (30% or more in a levodopa challenge)"
        ),
    };
    if s.med_converted > 0 {
        note.push_str(&format!(
            "; {} score(s) taken in the other state converted with a levodopa response of {:.0}% (a levodopa challenge counts more than 30% as a response)",
            s.med_converted,
            k::LEVODOPA_RESPONSE * 100.0
        ));
    }
    Some(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_round_trips_and_on_is_lower() {
        let on = convert(40.0, MedState::Off, MedState::On);
        assert!(on < 40.0 * 0.7 + 1e-9, "{on}");
        assert!((convert(on, MedState::On, MedState::Off) - 40.0).abs() < 1e-9);
        assert_eq!(convert(40.0, MedState::On, MedState::On), 40.0);
    }
}
