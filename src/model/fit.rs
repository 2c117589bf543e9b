//! Calibration on a patient's own assessments: importance weighting of the Monte Carlo draws by the likelihood of
//! the scenario's `observations` (Gaussian measurement error with each instrument's SEM), then systematic resampling
//! so the forecast's bands come from the posterior (design.md: "weights draws by the likelihood of the patient's
//! logged assessments").

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
