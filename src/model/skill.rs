//! Skill learning: the two-state model (Smith, Ghazizadeh & Shadmehr 2006 PLoS Biol 4:e179), its exact block
//! update, what happens between sessions (fast-state stabilisation awake, consolidation and offline gain in sleep;
//! Walker 2002 Neuron 35:205), fatigue within a session, and the challenge point (Guadagnoli & Lee 2004).
//!
//! A block of n trials at a constant target has the closed form x_n = x* + M^n (x_0 - x*), where M is the 2x2
//! update matrix and x* its fixed point. M has two real positive eigenvalues, so M^n = l1^n P1 + l2^n P2 with the
//! spectral projectors P1, P2: a block costs two powers, which is what makes 1,000-draw forecasts interactive, and
//! n may be fractional (effective repetitions).

use super::constants as k;

/// Fast and slow state of one skill (or one adaptation).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct State {
    pub fast: f64,
    pub slow: f64,
}

impl State {
    pub fn total(&self) -> f64 {
        self.fast + self.slow
    }
}

/// Parameters of a two-state learner, with its block-update closed form precomputed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TwoState {
    pub af: f64,
    pub bf: f64,
    pub a_s: f64,
    pub bs: f64,
    /// ln of the two eigenvalues of M (l^n = exp(n ln l)).
    ln_l1: f64,
    ln_l2: f64,
    /// Spectral projectors of M (row-major 2x2).
    p1: [f64; 4],
    p2: [f64; 4],
    /// Fixed point for a unit target, or None when I - M is singular (no learning).
    fixed: Option<[f64; 2]>,
}

impl TwoState {
    pub fn new(af: f64, bf: f64, a_s: f64, bs: f64) -> TwoState {
        // e = T - xf - xs  =>  [xf, xs] <- M [xf, xs] + [bf, bs] T
        let m = [af - bf, -bf, -bs, a_s - bs];
        let tr = m[0] + m[3];
        let det = m[0] * m[3] - m[1] * m[2];
        let disc = (tr * tr / 4.0 - det).max(0.0).sqrt();
        let (l1, l2) = (tr / 2.0 + disc, tr / 2.0 - disc);
        let (p1, p2) = if disc > 1e-12 {
            let d = l1 - l2;
            (
                [(m[0] - l2) / d, m[1] / d, m[2] / d, (m[3] - l2) / d],
                [(l1 - m[0]) / d, -m[1] / d, -m[2] / d, (l1 - m[3]) / d],
            )
        } else {
            ([1.0, 0.0, 0.0, 1.0], [0.0; 4])
        };
        // (I - M) x* = b
        let i_m = [1.0 - m[0], -m[1], -m[2], 1.0 - m[3]];
        let det_i = i_m[0] * i_m[3] - i_m[1] * i_m[2];
        let fixed = (det_i.abs() > 1e-15).then(|| {
            [
                (i_m[3] * bf - i_m[1] * bs) / det_i,
                (-i_m[2] * bf + i_m[0] * bs) / det_i,
            ]
        });
        TwoState {
            af,
            bf,
            a_s,
            bs,
            ln_l1: ln_pos(l1),
            ln_l2: ln_pos(l2),
            p1,
            p2,
            fixed,
        }
    }

    /// The canonical adaptation learner of Smith 2006.
    pub fn smith() -> TwoState {
        TwoState::new(k::SMITH_AF, k::SMITH_BF, k::SMITH_AS, k::SMITH_BS)
    }

    /// The rehabilitation-skill learner, with learning rates scaled by `fast_gain` and `slow_gain`.
    pub fn skill(fast_gain: f64, slow_gain: f64) -> TwoState {
        TwoState::new(
            k::SKILL_AF,
            k::SKILL_BF * fast_gain.max(0.0),
            k::SKILL_AS,
            k::SKILL_BS * slow_gain.max(0.0),
        )
    }

    /// One trial with the error `target - x` (the learner sees its error).
    pub fn trial(&self, s: State, target: f64) -> State {
        let e = target - s.total();
        State {
            fast: self.af * s.fast + self.bf * e,
            slow: self.a_s * s.slow + self.bs * e,
        }
    }

    /// One error-clamp trial: the error is held at zero, so both states only decay.
    pub fn clamp_trial(&self, s: State) -> State {
        State {
            fast: self.af * s.fast,
            slow: self.a_s * s.slow,
        }
    }

    /// `n` trials (n may be fractional: effective repetitions) at a constant `target`, in closed form.
    pub fn block(&self, s: State, n: f64, target: f64) -> State {
        if n <= 0.0 {
            return s;
        }
        let Some(fx) = self.fixed else {
            return s;
        };
        let x_star = [fx[0] * target, fx[1] * target];
        let d = [s.fast - x_star[0], s.slow - x_star[1]];
        let (q1, q2) = ((n * self.ln_l1).exp(), (n * self.ln_l2).exp());
        let mn = [
            q1 * self.p1[0] + q2 * self.p2[0],
            q1 * self.p1[1] + q2 * self.p2[1],
            q1 * self.p1[2] + q2 * self.p2[2],
            q1 * self.p1[3] + q2 * self.p2[3],
        ];
        State {
            fast: x_star[0] + mn[0] * d[0] + mn[1] * d[1],
            slow: x_star[1] + mn[2] * d[0] + mn[3] * d[1],
        }
    }
}

fn ln_pos(l: f64) -> f64 {
    if l <= 0.0 { f64::NEG_INFINITY } else { l.ln() }
}

/// A gap spent awake: most of the fast state is stabilised into the slow state, the rest is lost (Walker 2002:
/// no change in performance after 12 h awake).
pub fn wake_gap(s: State) -> State {
    State {
        fast: 0.0,
        slow: s.slow + k::WAKE_STABILISATION * s.fast,
    }
}

/// A night's sleep: the fast state is consolidated, and an offline gain of `sleep_gain` times what was learned
/// since the previous night is added (Walker 2002; less in older adults, Spencer 2007). Returns the new state;
/// `since_last_night` is the skill gained since the previous night (negative values give no gain). The forecast
/// applies it to every task each night, before the day's forgetting (`draw.rs`, `Draw::night`); the gain's fall with
/// age is in `impairment.rs`.
pub fn sleep(s: State, since_last_night: f64, sleep_gain: f64) -> State {
    State {
        fast: 0.0,
        slow: s.slow + s.fast + sleep_gain * since_last_night.max(0.0),
    }
}

/// Effective repetitions of a block of `n` repetitions started after `done` (fatigue-weighted) repetitions:
/// useful practice saturates within a session, R (1 - exp(-n / R)) (calibrated to Lang 2016, see constants).
pub fn effective_reps(done: f64, n: f64, capacity: f64) -> f64 {
    let r = capacity.max(1.0);
    r * ((-done / r).exp() - (-(done + n) / r).exp())
}

/// Fatigue left after `hours` of rest (in repetitions done).
pub fn recover(done: f64, hours: f64) -> f64 {
    done * (-hours / k::FATIGUE_RECOVERY_HOURS).exp()
}

/// Probability of success of a repetition at `difficulty` (0-1) for skill `x` (0-1) and a motor-noise multiplier.
pub fn success(x: f64, difficulty: f64, noise: f64) -> f64 {
    let s = k::SUCCESS_SPREAD * noise.max(0.1);
    1.0 / (1.0 + (-(x + k::SUCCESS_MARGIN - difficulty) / s).exp())
}

/// Learning multiplier for a success rate (challenge point; Guadagnoli & Lee 2004): 1 at the optimal success rate,
/// falling to `CHALLENGE_FLOOR` when practice is far too easy or too hard.
pub fn challenge(p: f64) -> f64 {
    let z = (p - k::CHALLENGE_OPTIMAL_SUCCESS) / k::CHALLENGE_WIDTH;
    k::CHALLENGE_FLOOR + (1.0 - k::CHALLENGE_FLOOR) * (-z * z).exp()
}

/// Error-based adaptation to a unit perturbation for `trials`, then `no_feedback` trials without error information
/// (retention). `gain` scales the learning rates (cerebellar error-learning gain) and `slow_retention` replaces the
/// slow state's per-trial retention (Therrien 2016: barely retained after cerebellar damage). Returns (learned,
/// retained) on the 0-1 scale of the perturbation.
pub fn error_based_retention(
    gain: f64,
    slow_retention: f64,
    trials: u32,
    no_feedback: u32,
) -> (f64, f64) {
    let m = TwoState::new(
        k::SMITH_AF,
        k::SMITH_BF * gain,
        slow_retention,
        k::SMITH_BS * gain,
    );
    let s = m.block(State::default(), f64::from(trials), 1.0);
    let learned = s.total();
    let mut r = s;
    for _ in 0..no_feedback {
        r = m.clamp_trial(r);
    }
    (learned, r.total())
}

/// Reinforcement-based learning of a unit shift from binary success feedback: the learner moves towards what was
/// rewarded; what is learned this way is retained without error signals (Therrien 2016). Higher motor noise makes
/// success less informative, so learning is smaller. Returns (learned, retained).
pub fn reinforcement_retention(
    rl_gain: f64,
    noise: f64,
    trials: u32,
    no_feedback: u32,
) -> (f64, f64) {
    let rate = k::REINFORCEMENT_RATE * rl_gain / noise.max(0.1);
    let learned = 1.0 - (1.0 - rate.clamp(0.0, 1.0)).powi(trials as i32);
    // No error-driven decay: the rewarded movement is kept through the no-feedback trials.
    let _ = no_feedback;
    (learned, learned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_update_equals_trial_by_trial() {
        let m = TwoState::smith();
        let mut s = State {
            fast: 0.1,
            slow: -0.2,
        };
        let b = m.block(s, 57.0, 0.7);
        for _ in 0..57 {
            s = m.trial(s, 0.7);
        }
        assert!((b.fast - s.fast).abs() < 1e-12, "{b:?} vs {s:?}");
        assert!((b.slow - s.slow).abs() < 1e-12, "{b:?} vs {s:?}");
    }

    #[test]
    fn skill_block_update_equals_trial_by_trial() {
        let m = TwoState::skill(1.3, 0.8);
        let mut s = State::default();
        let b = m.block(s, 200.0, 1.0);
        for _ in 0..200 {
            s = m.trial(s, 1.0);
        }
        assert!((b.total() - s.total()).abs() < 1e-12);
    }

    #[test]
    fn fatigue_saturates_and_recovers() {
        let e100 = effective_reps(0.0, 100.0, 80.0);
        let e300 = effective_reps(0.0, 300.0, 80.0);
        assert!(e100 < 100.0 && e300 < 80.0 && e300 > e100);
        // Two halves equal the whole.
        let a = effective_reps(0.0, 50.0, 80.0) + effective_reps(50.0, 50.0, 80.0);
        assert!((a - e100).abs() < 1e-9);
        assert!(recover(100.0, 24.0) < 1.0);
    }

    #[test]
    fn challenge_point_peaks_at_intermediate_success() {
        assert!(challenge(0.7) > challenge(0.95));
        assert!(challenge(0.7) > challenge(0.3));
        assert!(challenge(0.0) >= k::CHALLENGE_FLOOR);
    }
}
