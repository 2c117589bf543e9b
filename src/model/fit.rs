//! Calibration on a patient's own assessments: importance weighting of the Monte Carlo draws by the likelihood of
//! the scenario's `observations` (Gaussian measurement error with each instrument's SEM), then systematic resampling
//! so the forecast's bands come from the posterior (design.md: "weights draws by the likelihood of the patient's
//! logged assessments"). Observations on or after day 0 are scored against each draw's forecast (`calibrate`), those
//! before day 0 against its untreated course run backwards (`past_score`): a therapist's logged history conditions
//! the forecast. The baseline is a measurement too: each draw starts from its own true day-0 score, the entered
//! baseline plus the instrument's SEM times a normal variate (`Prepared::day0_slots`), so a day-0 assessment logged
//! besides the baseline is scored like any other.

use super::circuits::{self, Circuits};
use super::outcome::Slot;
use super::prepare::Prepared;
use super::recovery;

/// One observation the model can score: slot index, day (from day 0, the baseline; negative = before it), observed
/// score, measurement SD.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Obs {
    pub slot: usize,
    pub day: i32,
    pub score: f64,
    pub sd: f64,
}

/// Log-likelihood of the observations for one draw, `latent(slot, day)` giving the draw's true score.
pub fn log_likelihood(obs: &[Obs], latent: impl Fn(usize, i32) -> f64) -> f64 {
    obs.iter()
        .map(|o| {
            let z = (o.score - latent(o.slot, o.day)) / o.sd.max(1e-6);
            -0.5 * z * z
        })
        .sum()
}

/// Normalised weights from log-weights, and the effective sample size (Kish).
pub fn weights(log_w: &[f64]) -> (Vec<f64>, f64) {
    let max = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        let n = log_w.len().max(1) as f64;
        return (vec![1.0 / n; log_w.len()], n);
    }
    let w: Vec<f64> = log_w.iter().map(|&l| (l - max).exp()).collect();
    let sum: f64 = w.iter().sum();
    let w: Vec<f64> = w.iter().map(|x| x / sum).collect();
    let ess = 1.0 / w.iter().map(|x| x * x).sum::<f64>();
    (w, ess)
}

/// Systematic resampling: `n` draw indices in proportion to `w`, with offset `u` in [0, 1).
pub fn resample(w: &[f64], n: usize, u: f64) -> Vec<usize> {
    let mut out = Vec::with_capacity(n);
    let mut cum = 0.0;
    let mut i = 0;
    for j in 0..n {
        let target = (j as f64 + u) / n as f64;
        while i + 1 < w.len() && cum + w[i] < target {
            cum += w[i];
            i += 1;
        }
        out.push(i);
    }
    out
}

/// True score of slot `s` on day `day` < 0 (before the baseline) for one draw: the model's untreated course run
/// backwards from the day-0 baseline. Stroke: the same saturating exponential of spontaneous recovery
/// ([`recovery::spontaneous_share`]), so the patient was worse earlier by what recovered since (held at the rule's
/// 72-h baseline for earlier days); Parkinson's and ataxia: better by the progression since. Practice before day 0
/// is not known to the model and is not added. `slots` are the draw's, with its true day-0 scores
/// ([`Prepared::day0_slots`]); `spont_total` is [`recovery::spontaneous_totals`] of the draw.
pub(super) fn past_score(
    prep: &Prepared,
    c: &Circuits,
    slots: &[Slot],
    spont_total: &[f64; super::outcome::DOMAINS],
    s: usize,
    day: i32,
) -> f64 {
    let slot = &slots[s];
    let d = slot.domain as usize;
    let back = f64::from(day.min(0));
    let offset = prep.preset.priors.spont_offset_days;
    // spontaneous_share with a negative t is minus the share recovered between day t and day 0.
    let spont = recovery::spontaneous_share(spont_total[d], c.spont_tau, offset, back.max(-offset));
    let regained = recovery::decline_per_day(c.decline_per_year, prep.decline_room)
        * -back
        * recovery::decline_weight(slot.domain);
    let imp = (spont * slot.up + regained * slot.down).clamp(-slot.down, slot.up);
    slot.score(0.0, 0.0, imp)
}

/// What calibration did, for the forecast's notes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Calibration {
    /// Assessments before day 0 that could not be used.
    pub(super) skipped: usize,
    /// Assessments the draws were weighted by, and the effective sample size; None when there were none.
    pub(super) used: Option<(usize, f64)>,
}

/// The scenario's observations the model can score, each with where a draw's true score for it is: `None` for a day
/// of the forecast (row `slot * days + day`), `Some(k)` for the k-th assessment before day 0 (`Prepared::past_obs`).
pub(super) fn observations(prep: &Prepared) -> Vec<(Obs, Option<usize>)> {
    let slot_of = |instrument: &str| {
        let id = crate::instruments::get(instrument).ok()?.id;
        prep.slots.iter().position(|s| s.id == id)
    };
    let obs = |slot: usize, day: i32, score: f64| Obs {
        slot,
        day,
        score,
        sd: prep.slots[slot].inst.sem,
    };
    prep.scenario
        .observations
        .iter()
        .filter(|o| o.day >= 0 && o.day as usize <= prep.horizon as usize)
        .filter_map(|o| Some((obs(slot_of(&o.instrument)?, o.day, o.score), None)))
        .chain(prep.scenario.observations.iter().filter_map(|o| {
            let slot = slot_of(&o.instrument)?;
            let k = prep.past_obs.iter().position(|&p| p == (slot, o.day))?;
            Some((obs(slot, o.day, o.score), Some(k)))
        }))
        .collect()
}

/// Log-likelihood of the [`observations`] for one draw: `day_score(row)` is its true score on row `slot * days +
/// day`, `past_score(k)` at the k-th assessment before day 0.
pub(super) fn draw_log_likelihood(
    obs: &[(Obs, Option<usize>)],
    n_days: usize,
    day_score: impl Fn(usize) -> f64,
    past_score: impl Fn(usize) -> f64,
) -> f64 {
    obs.iter()
        .map(|(o, past)| {
            let latent = match past {
                Some(k) => past_score(*k),
                None => day_score(o.slot * n_days + o.day as usize),
            };
            let z = (o.score - latent) / o.sd.max(1e-6);
            -0.5 * z * z
        })
        .sum()
}

/// The draws calibration keeps, in order (systematic resampling by the weights of `log_w`, offset from the seed's
/// own stream), and the effective sample size.
pub(super) fn resample_draws(seed: u64, log_w: &[f64]) -> (Vec<usize>, f64) {
    let (w, ess) = weights(log_w);
    let mut rng = circuits::draw_rng(seed, u32::MAX);
    let u: f64 = rand::RngExt::random(&mut rng);
    (resample(&w, log_w.len(), u), ess)
}

/// Weight the draws by the likelihood of the scenario's observations and resample them in place; nothing changes
/// when there are none. `latent[row * draws + i]` is draw i's true score of row `slot * days + day` (rows after the
/// days, if any, are resampled alike), `noise[s * draws + i]` its measurement noise, `past[k * draws + i]` its true
/// score at the k-th assessment before day 0 ([`past_score`]).
pub(super) fn calibrate(
    prep: &Prepared,
    seed: u64,
    draws: usize,
    past: &[f64],
    latent: &mut [f64],
    noise: &mut [f64],
) -> Calibration {
    let n_days = prep.horizon as usize + 1;
    let obs = observations(prep);
    let mut done = Calibration {
        skipped: prep.past_skipped,
        used: None,
    };
    if obs.is_empty() {
        return done;
    }
    let log_w: Vec<f64> = (0..draws)
        .map(|i| {
            draw_log_likelihood(
                &obs,
                n_days,
                |row| latent[row * draws + i],
                |k| past[k * draws + i],
            )
        })
        .collect();
    let (idx, ess) = resample_draws(seed, &log_w);
    let mut tmp = vec![0.0; draws];
    // Every row of `latent` (the days, and the end-of-session rows the forecast keeps after them) and of `noise`.
    for r in latent
        .chunks_exact_mut(draws)
        .chain(noise.chunks_exact_mut(draws))
    {
        for (t, &i) in tmp.iter_mut().zip(&idx) {
            *t = r[i];
        }
        r.copy_from_slice(&tmp);
    }
    done.used = Some((obs.len(), ess));
    done
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resampling_follows_the_weights() {
        let (w, ess) = weights(&[0.0, (3.0f64).ln(), f64::NEG_INFINITY]);
        assert!((w[1] - 0.75).abs() < 1e-12 && w[2] == 0.0);
        assert!(ess > 1.0 && ess < 2.0);
        let idx = resample(&w, 8, 0.5);
        assert_eq!(idx.iter().filter(|&&i| i == 1).count(), 6);
        assert!(!idx.contains(&2));
    }

    #[test]
    fn likelihood_prefers_the_draw_near_the_observation() {
        let obs = [Obs {
            slot: 0,
            day: 3,
            score: 40.0,
            sd: 2.0,
        }];
        let near = log_likelihood(&obs, |_, _| 39.0);
        let far = log_likelihood(&obs, |_, _| 30.0);
        assert!(near > far);
    }
}
