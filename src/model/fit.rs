//! Calibration on a patient's own assessments: importance weighting of the Monte Carlo draws by the likelihood of
//! the scenario's `observations` (Gaussian measurement error with each instrument's SEM), then systematic resampling
//! so the forecast's bands come from the posterior (design.md: "weights draws by the likelihood of the patient's
//! logged assessments"). Observations on or after day 0 are scored against each draw's forecast (`calibrate`), those
//! before day 0 against its course run backwards (`past_score`: spontaneous recovery or progression, and the practice
//! of the sessions logged before day 0, which the draw runs): a therapist's logged history conditions the forecast. The baseline is a measurement too: each draw starts from its own true day-0 score, the entered
//! baseline plus the instrument's SEM times a normal variate (`Prepared::day0_slots`), so a day-0 assessment logged
//! besides the baseline is scored like any other.

use super::circuits::{self, Circuits};
use super::constants as k;
use super::outcome::{DOMAINS, Slot};
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
/// (a scenario's `[[history]]`, a stored patient's logged sessions) is in it too: the draw carried `train_then` to
/// each domain on that morning and `train0` on the morning of day 0 (what the baseline already shows;
/// [`super::draw::run_draw`]), so the patient was also worse by the practice gained since, as the forecast's days
/// share headroom between spontaneous recovery and practice. `slots` are the draw's, with its true day-0 scores
/// ([`Prepared::day0_slots`]); `spont_total` is [`recovery::spontaneous_totals`] of the draw.
pub(super) fn past_score(
    prep: &Prepared,
    c: &Circuits,
    slots: &[Slot],
    spont_total: &[f64; DOMAINS],
    s: usize,
    day: i32,
    (train_then, train0): (&[f64; DOMAINS], &[f64; DOMAINS]),
) -> f64 {
    let slot = &slots[s];
    let d = slot.domain as usize;
    let back = f64::from(day.min(0));
    let offset = prep.preset.priors.spont_offset_days;
    // spontaneous_share with a negative t is minus the share recovered between day t and day 0.
    let mut gain =
        recovery::spontaneous_share(spont_total[d], c.spont_tau, offset, back.max(-offset));
    // Less practice then than on day 0: the share of headroom left untrained was larger by this factor (>= 1), as
    // `Draw::gain_loss` scores a day after day 0.
    let untrained = (1.0 - train_then[d].min(1.0)) / (1.0 - train0[d].min(0.999));
    if untrained != 1.0 {
        gain = 1.0 - (1.0 - gain) * untrained;
    }
    let regained = recovery::decline_per_day(c.decline_per_year, prep.decline_room)
        * -back
        * recovery::decline_weight(slot.domain);
    let imp = (gain * slot.up + regained * slot.down).clamp(-slot.down, slot.up);
    slot.score(0.0, 0.0, imp)
}

/// What calibration did, for the forecast's notes.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub(super) struct Calibration {
    /// Assessments before day 0 that could not be used.
    pub(super) skipped: usize,
    /// Assessments the draws were weighted by, and the effective sample size; None when there were none.
    pub(super) used: Option<(usize, f64)>,
    /// When no draw explained the assessments: the best draw's chi-square and the factor their errors were scaled
    /// by ([`temper`]).
    pub(super) misfit: Option<(f64, f64)>,
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

/// When no draw explains the `n_obs` assessments within their measurement error — the best draw's chi-square
/// (-2 x its log-likelihood) beyond the `1 - CALIBRATION_MISFIT_P` quantile of a chi-square with `n_obs` degrees of
/// freedom — the assessments scatter more than the model and the SEM allow (a mistyped score, instruments that move
/// apart more than the model's shared domain lets them, a course the model does not know). Each assessment then
/// counts as one with its error scaled by the Birge ratio sqrt(chi-square / n) (Birge 1932 Phys Rev 40:207; the
/// Particle Data Group's scale factor): the log-likelihoods are multiplied by n / chi-square, so the best draw fits
/// as well as measurement error alone would let it, and the band widens instead of resting on a handful of draws.
/// Returns (the best chi-square, the scale) when it tempers `log_w`; a model that fits is left alone.
pub(super) fn temper(log_w: &mut [f64], n_obs: usize) -> Option<(f64, f64)> {
    use statrs::distribution::{ChiSquared, ContinuousCDF};
    let best = log_w.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if n_obs == 0 || !best.is_finite() {
        return None;
    }
    let chi2 = -2.0 * best;
    let n = n_obs as f64;
    let limit = ChiSquared::new(n)
        .ok()?
        .inverse_cdf(1.0 - k::CALIBRATION_MISFIT_P);
    if chi2 <= limit {
        return None;
    }
    let beta = n / chi2;
    log_w.iter_mut().for_each(|l| *l *= beta);
    Some((chi2, (chi2 / n).sqrt()))
}

/// The draws calibration keeps, in order (systematic resampling by the weights of `log_w`, tempered by [`temper`]
/// when no draw explains the `n_obs` assessments, offset from the seed's own stream), the effective sample size and
/// what tempering did.
pub(super) fn resample_draws(
    seed: u64,
    log_w: &mut [f64],
    n_obs: usize,
) -> (Vec<usize>, f64, Option<(f64, f64)>) {
    let misfit = temper(log_w, n_obs);
    let (w, ess) = weights(log_w);
    let mut rng = circuits::draw_rng(seed, u32::MAX);
    let u: f64 = rand::RngExt::random(&mut rng);
    (resample(&w, log_w.len(), u), ess, misfit)
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
        ..Calibration::default()
    };
    if obs.is_empty() {
        return done;
    }
    let mut log_w: Vec<f64> = (0..draws)
        .map(|i| {
            draw_log_likelihood(
                &obs,
                n_days,
                |row| latent[row * draws + i],
                |k| past[k * draws + i],
            )
        })
        .collect();
    let (idx, ess, misfit) = resample_draws(seed, &mut log_w, obs.len());
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
    done.misfit = misfit;
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
    fn tempering_leaves_a_fitting_model_alone_and_scales_a_misfit_to_its_birge_ratio() {
        // Three assessments, the best draw within measurement error (chi-square 4 < 11.3, the 99% point of 3 df).
        let mut fits = vec![-2.0, -5.0, -40.0];
        assert_eq!(temper(&mut fits, 3), None);
        assert_eq!(fits, vec![-2.0, -5.0, -40.0]);
        // The best draw at chi-square 30: errors scaled by sqrt(30 / 3), the best draw then at chi-square 3 = n.
        let mut misfit = vec![-15.0, -30.0, f64::NEG_INFINITY];
        let (chi2, scale) = temper(&mut misfit, 3).expect("tempered");
        assert!((chi2 - 30.0).abs() < 1e-12 && (scale - 10f64.sqrt()).abs() < 1e-12);
        assert!((misfit[0] + 1.5).abs() < 1e-12 && (misfit[1] + 3.0).abs() < 1e-12);
        assert_eq!(misfit[2], f64::NEG_INFINITY);
        // The weights follow: the second draw keeps exp(-1.5) of the first's instead of exp(-15).
        let (w, _) = weights(&misfit);
        assert!((w[1] / w[0] - (-1.5f64).exp()).abs() < 1e-12);
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
