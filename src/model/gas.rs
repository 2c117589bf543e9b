//! Goal Attainment Scaling: the T-score of a set of goals scored -2..+2 (Kiresuk & Sherman 1968, "Goal attainment
//! scaling: a general method for evaluating comprehensive community mental health programs", Community Ment Health
//! J 4:443-453).
//!
//! T = 50 + 10 * sum(w_i x_i) / sqrt((1 - rho) * sum(w_i^2) + rho * (sum w_i)^2)
//!
//! with x_i the attainment level of goal i, w_i its weight (1 for unweighted goals) and rho the assumed correlation
//! between goals' scores, by convention 0.3. Every goal at its expected level (0) gives 50; the scale is built so
//! that T has mean 50 and SD 10 when the levels are as expected.

/// The conventional correlation between goal scores.
pub const RHO: f64 = 0.3;

/// The GAS T-score of `levels` (each -2..+2), all goals weighted equally, with rho = [`RHO`]. `None` for no goals.
pub fn t_score(levels: &[i8]) -> Option<f64> {
    let weighted: Vec<(f64, f64)> = levels.iter().map(|&x| (f64::from(x), 1.0)).collect();
    t_score_weighted(&weighted, RHO)
}

/// The GAS T-score of `(level, weight)` pairs with correlation `rho`. `None` for no goals or zero total weight.
pub fn t_score_weighted(goals: &[(f64, f64)], rho: f64) -> Option<f64> {
    let sum_wx: f64 = goals.iter().map(|(x, w)| w * x).sum();
    let sum_w: f64 = goals.iter().map(|(_, w)| w).sum();
    let sum_w2: f64 = goals.iter().map(|(_, w)| w * w).sum();
    let denom = ((1.0 - rho) * sum_w2 + rho * sum_w * sum_w).sqrt();
    (denom > 0.0).then(|| 50.0 + 10.0 * sum_wx / denom)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-computed: three unweighted goals at 1, 1, 2 with rho 0.3:
    /// 50 + 10 * 4 / sqrt(0.7 * 3 + 0.3 * 9) = 50 + 40 / sqrt(4.8) = 50 + 40 / 2.19089 = 68.257.
    #[test]
    fn t_score_matches_a_hand_computed_value() {
        let t = t_score(&[1, 1, 2]).unwrap();
        assert!((t - 68.257).abs() < 0.001, "{t}");
        // One goal: the denominator is 1, so each level is 10 points.
        assert_eq!(t_score(&[-1]), Some(40.0));
        // Every goal as expected, or levels that cancel: 50.
        assert_eq!(t_score(&[0, -1, 1]), Some(50.0));
        assert_eq!(t_score(&[]), None);
        // Weights: goals (2, w 2) and (-1, w 1), rho 0.3: 50 + 10 * 3 / sqrt(0.7 * 5 + 0.3 * 9) = 62.048.
        let w = t_score_weighted(&[(2.0, 2.0), (-1.0, 1.0)], 0.3).unwrap();
        assert!((w - 62.048).abs() < 0.001, "{w}");
    }
}
