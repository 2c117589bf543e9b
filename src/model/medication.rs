//! Parkinson's medication state: MDS-UPDRS III is scored ON or OFF dopaminergic medication, and the two differ by
//! the levodopa response (ON = OFF x (1 - r); a levodopa challenge counts r > 30% as a response): the patient's own
//! when scores taken in both states close together measure it ([`measured_response`]), else the usual one
//! (`constants::LEVODOPA_RESPONSE`). A forecast predicts one state ([`predicted`]): the scenario's `forecast_state`, else the state
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

/// The levodopa response scores are converted with: the patient's own when their ON and OFF scores measured it
/// ([`measured_response`]), else the population's.
pub fn response(s: &Scenario) -> f64 {
    s.levodopa_response.map_or(k::LEVODOPA_RESPONSE, |(r, _)| r)
}

/// The patient's own levodopa response, from the scores of one instrument taken in both states at most
/// `constants::LEVODOPA_PAIR_DAYS` apart: each OFF score with the nearest ON score of that instrument, 1 - ON / OFF,
/// averaged over the pairs and kept within 0 and `constants::LEVODOPA_RESPONSE_MAX` (a negative ratio is measurement
/// error: no response). Returns the response and the number of pairs; `None` without a pair.
pub fn measured_response(s: &Scenario) -> Option<(f64, usize)> {
    // (instrument, day, score, state) of every score taken in a stated state; the baseline is day 0.
    let mut scores: Vec<(&str, i32, f64, MedState)> = Vec::new();
    if let Some(state) = s.baseline_state {
        for (id, &v) in &s.baseline {
            if has_state(id) {
                scores.push((id.as_str(), 0, v, state));
            }
        }
    }
    for o in &s.observations {
        if let Some(state) = o.state
            && has_state(&o.instrument)
        {
            scores.push((o.instrument.as_str(), o.day, o.score, state));
        }
    }
    let ratios: Vec<f64> = scores
        .iter()
        .filter(|(_, _, off, st)| *st == MedState::Off && *off > 0.0)
        .filter_map(|&(id, day, off, _)| {
            scores
                .iter()
                .filter(|(i, d, _, st)| {
                    *i == id && *st == MedState::On && (d - day).abs() <= k::LEVODOPA_PAIR_DAYS
                })
                .min_by_key(|(_, d, _, _)| (d - day).abs())
                .map(|&(_, _, on, _)| 1.0 - on / off)
        })
        .collect();
    if ratios.is_empty() {
        return None;
    }
    let mean = ratios.iter().sum::<f64>() / ratios.len() as f64;
    Some((mean.clamp(0.0, k::LEVODOPA_RESPONSE_MAX), ratios.len()))
}

/// A score taken in state `from`, in state `to`, for a levodopa response `r`: ON = OFF x (1 - r).
pub fn convert(score: f64, from: MedState, to: MedState, r: f64) -> f64 {
    let keep = 1.0 - r;
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
    // Measured before any conversion (converted scores take the predicted state and pair no more).
    if let Some(m) = measured_response(s) {
        s.levodopa_response = Some(m);
    }
    let r = response(s);
    if let Some(from) = s.baseline_state
        && from != to
    {
        for (id, v) in s.baseline.iter_mut() {
            if has_state(id) {
                *v = clamp(id, convert(*v, from, to, r));
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
            o.score = clamp(&o.instrument, convert(o.score, from, to, r));
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
            inst.clamp(convert(score, from, to, response(s)))
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
        let how = match s.levodopa_response {
            Some((r, pairs)) => format!(
                "this patient's levodopa response of {:.0}%, measured by {pairs} pair(s) of ON and OFF scores at most {} days apart",
                r * 100.0,
                k::LEVODOPA_PAIR_DAYS
            ),
            None => format!(
                "a levodopa response of {:.0}%, the usual one (a levodopa challenge counts more than 30% as a response; score both states within {} days to use the patient's own)",
                k::LEVODOPA_RESPONSE * 100.0,
                k::LEVODOPA_PAIR_DAYS
            ),
        };
        note.push_str(&format!(
            "; {} score(s) taken in the other state converted with {how}",
            s.med_converted
        ));
    }
    Some(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversion_round_trips_and_on_is_lower() {
        let r = k::LEVODOPA_RESPONSE;
        let on = convert(40.0, MedState::Off, MedState::On, r);
        assert!(on < 40.0 * 0.7 + 1e-9, "{on}");
        assert!((convert(on, MedState::On, MedState::Off, r) - 40.0).abs() < 1e-9);
        assert_eq!(convert(40.0, MedState::On, MedState::On, r), 40.0);
    }

    fn pd_scores(scores: &[(i32, f64, MedState)]) -> Scenario {
        let mut s: Scenario = toml::from_str(
            "[patient]\nage = 67\ndays_since_onset = 1460\ncondition = { kind = \"parkinsons\", medication = \"on\" }\n[baseline]\nmds_updrs_iii = 40\n",
        )
        .expect("scenario");
        s.baseline_state = Some(MedState::Off);
        for &(day, score, state) in scores {
            s.observations.push(crate::model::scenario::Observation {
                day,
                instrument: "mds_updrs_iii".into(),
                score,
                state: Some(state),
            });
        }
        s
    }

    #[test]
    fn the_response_is_measured_only_by_scores_close_together_and_kept_in_range() {
        // ON 24 two days before the OFF baseline of 40: 1 - 24/40 = 40%.
        let s = pd_scores(&[(-2, 24.0, MedState::On), (-100, 10.0, MedState::On)]);
        let (r, pairs) = measured_response(&s).expect("one pair");
        assert!((r - 0.4).abs() < 1e-9 && pairs == 1, "{r} {pairs}");
        // Only an ON score 15 days away: no pair.
        let s = pd_scores(&[(-(k::LEVODOPA_PAIR_DAYS + 1), 24.0, MedState::On)]);
        assert_eq!(measured_response(&s), None);
        // ON worse than OFF (measurement error): no response, not a negative one.
        let s = pd_scores(&[(-1, 44.0, MedState::On)]);
        assert_eq!(measured_response(&s), Some((0.0, 1)));
        // A conversion uses the measured response.
        let mut s = pd_scores(&[(-1, 30.0, MedState::On), (-50, 27.0, MedState::On)]);
        align(&mut s);
        let far = s.observations.iter().find(|o| o.day == -50).expect("kept");
        assert!((far.score - 27.0 / 0.75).abs() < 1e-9, "{}", far.score);
    }
}
