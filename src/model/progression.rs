//! The difficulty ladder: how a protocol's progression rule moves a task's level, and how the level sets the
//! difficulty of practice.
//!
//! Levels run from 1 to `max_level`; difficulty is the level's place on that ladder, 0 (easiest) to 1 (hardest).
//! With skill x, a repetition at difficulty d succeeds with probability 1 / (1 + exp(-(x + margin - d) / spread))
//! ([`super::skill::success`]); the challenge point (Guadagnoli & Lee 2004 J Mot Behav 36:212) makes practice at
//! an intermediate success rate the most useful ([`super::skill::challenge`]).
//! - `adaptive`: after each window of repetitions, advance one level when the success rate is at least
//!   `advance_above`, regress one when it is below `regress_below`; so difficulty follows skill and practice stays
//!   near the challenge point.
//! - `fixed`: one level up every `step_every_sessions` sessions whatever the patient's success (less effective than
//!   adaptive progression; Wickens 2013 Hum Factors 55).
//! - `none`: `start_level` throughout.

use super::constants as k;
use super::protocol::{ProgressionRule, Protocol};

/// One protocol's progression rule, ready to apply session by session.
pub(super) struct Ladder {
    rule: ProgressionRule,
    start_level: u32,
    max_level: u32,
    step_every: u32,
    /// logit of `advance_above` and `regress_below`.
    logit_adv: f64,
    logit_reg: f64,
}

fn logit(p: f64) -> f64 {
    let p = p.clamp(1e-9, 1.0 - 1e-9);
    (p / (1.0 - p)).ln()
}

/// Difficulty (0-1) of `level` on a ladder of `max_level` levels.
fn difficulty(level: u32, max_level: u32) -> f64 {
    let max = max_level.max(2);
    f64::from(level.clamp(1, max) - 1) / f64::from(max - 1)
}

impl Ladder {
    /// The protocol's rule; without a protocol, a ladder that never moves.
    pub(super) fn new(protocol: Option<&Protocol>) -> Ladder {
        let (adv, reg, max_level, rule, step_every) = match protocol {
            Some(p) => (
                p.progression.advance_above,
                p.progression.regress_below,
                p.progression.max_level.max(1),
                p.progression.rule,
                p.progression.step_every_sessions.unwrap_or(5).max(1),
            ),
            None => (0.8, 0.5, 10, ProgressionRule::None, 5),
        };
        Ladder {
            rule,
            start_level: protocol.map_or(1, |p| p.progression.start_level.max(1)),
            max_level,
            step_every,
            logit_adv: logit(adv),
            logit_reg: logit(reg),
        }
    }

    /// Level of every task at the first session.
    pub(super) fn start_level(&self) -> u32 {
        self.start_level
    }

    /// Difficulty (0-1) of practice at `level`.
    pub(super) fn difficulty(&self, level: u32) -> f64 {
        difficulty(level, self.max_level)
    }

    /// `fixed` rule: the level of session `session_index` (0-based), the same for every task; None for other rules.
    pub(super) fn scheduled_level(&self, session_index: u32) -> Option<u32> {
        (self.rule == ProgressionRule::Fixed)
            .then(|| (self.start_level + session_index / self.step_every).min(self.max_level))
    }

    /// Whether the level follows the success rate (`adaptive`).
    pub(super) fn adapts(&self) -> bool {
        self.rule == ProgressionRule::Adaptive
    }

    /// `adaptive` rule after a block of `windows` progression windows, for a task of skill `skill` and a motor-noise
    /// multiplier `noise`: the level moves one step per window while the success rate at the current level is at
    /// least `advance_above` (up) or below `regress_below` (down).
    pub(super) fn adapt(&self, level: u32, skill: f64, noise: f64, windows: u32) -> u32 {
        // p >= advance_above  <=>  difficulty <= x + margin - spread * logit(advance_above).
        let x = skill + k::SUCCESS_MARGIN;
        let spread = k::SUCCESS_SPREAD * noise.max(0.1);
        let (d_adv, d_reg) = (x - spread * self.logit_adv, x - spread * self.logit_reg);
        let mut level = level;
        for _ in 0..windows {
            let d = self.difficulty(level);
            if d <= d_adv && level < self.max_level {
                level += 1;
            } else if d > d_reg && level > 1 {
                level -= 1;
            } else {
                break;
            }
        }
        level
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ladder(rule: ProgressionRule) -> Ladder {
        Ladder {
            rule,
            start_level: 2,
            max_level: 5,
            step_every: 3,
            logit_adv: logit(0.8),
            logit_reg: logit(0.5),
        }
    }

    #[test]
    fn fixed_steps_up_every_few_sessions_and_stops_at_the_top() {
        let l = ladder(ProgressionRule::Fixed);
        assert_eq!(l.scheduled_level(0), Some(2));
        assert_eq!(l.scheduled_level(3), Some(3));
        assert_eq!(l.scheduled_level(300), Some(5));
        assert_eq!(ladder(ProgressionRule::Adaptive).scheduled_level(3), None);
    }

    #[test]
    fn adaptive_follows_skill_both_ways() {
        let l = ladder(ProgressionRule::Adaptive);
        assert!(l.adapts() && !ladder(ProgressionRule::None).adapts());
        // Skilled: climbs to the top; unskilled: falls to the bottom.
        assert_eq!(l.adapt(2, 1.0, 1.0, 10), 5);
        assert_eq!(l.adapt(4, -1.0, 1.0, 10), 1);
        // One window moves one level at most.
        assert_eq!(l.adapt(2, 1.0, 1.0, 1), 3);
        assert_eq!(l.difficulty(1), 0.0);
        assert_eq!(l.difficulty(5), 1.0);
    }
}
