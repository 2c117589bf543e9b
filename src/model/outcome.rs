//! From latent recovery to each instrument's scale: every instrument belongs to a functional domain; the model moves
//! a domain by a share of the headroom (gains) or of the room to the worst score (losses), and each instrument of
//! the domain moves by that share of its own headroom, so scores stay inside the instrument's range. Observed
//! scores add the instrument's standard error of measurement (`crate::instruments`).

use crate::instruments::{Direction, Instrument};
use crate::model::protocol::Target;

/// Functional domains the model tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Domain {
    Arm = 0,
    Leg = 1,
    Balance = 2,
    WholeBody = 3,
    /// Activities of daily living: the mean of arm, leg and balance.
    Daily = 4,
    /// Not moved by motor practice in this model (cognition, global disability, disease stage).
    Static = 5,
    /// Spontaneous use of the affected arm in daily life (Motor Activity Log), as against what the arm can do: moved
    /// by the draw's arm use ([`super::recovery::UseState`]), not by practice directly (learned non-use, Taub).
    Use = 6,
}

pub const DOMAINS: usize = 7;

/// The domain whose index (`Domain as usize`) is `i`.
pub fn domain_at(i: usize) -> Domain {
    match i {
        0 => Domain::Arm,
        1 => Domain::Leg,
        2 => Domain::Balance,
        3 => Domain::WholeBody,
        4 => Domain::Daily,
        6 => Domain::Use,
        _ => Domain::Static,
    }
}

pub fn domain_of(instrument_id: &str) -> Domain {
    match instrument_id {
        "fma_ue" | "arat" | "bbt" | "nhpt_s" => Domain::Arm,
        "fma_le" | "walk10m_ms" => Domain::Leg,
        "bbs" | "tug_s" => Domain::Balance,
        "mds_updrs_iii" | "sara" => Domain::WholeBody,
        "barthel" => Domain::Daily,
        "mal_aou" | "mal_qom" => Domain::Use,
        _ => Domain::Static,
    }
}

pub fn domain_of_target(t: Target) -> Domain {
    match t {
        Target::UpperLimb => Domain::Arm,
        Target::LowerLimb => Domain::Leg,
        Target::Balance => Domain::Balance,
        Target::WholeBody => Domain::WholeBody,
    }
}

/// How much practice of a task in domain `from` transfers to domain `to` (share of skill). Gait and balance share
/// most of their control; whole-body amplitude training (LSVT BIG) carries over to gait and balance. Modelling
/// choice (check).
pub fn transfer(from: Domain, to: Domain) -> f64 {
    use Domain::*;
    match (from, to) {
        (a, b) if a == b => 1.0,
        (Leg, Balance) | (Balance, Leg) => 0.5,
        (WholeBody, Leg) | (WholeBody, Balance) => 0.6,
        (Leg, WholeBody) | (Balance, WholeBody) => 0.3,
        _ => 0.0,
    }
}

/// [`transfer`] for a patient with `condition`. In Parkinson's disease slow gait is hypokinesia: steps too short for
/// the walking speed wanted, with cadence preserved (Morris, Iansek, Matyas & Summers 1994 Brain 117:1169-1181),
/// so training the amplitude of whole-body movement (LSVT BIG) trains gait and the sit-to-stand-and-walk of Timed Up
/// and Go as much as the movements practised (`constants::PD_AMPLITUDE_TRANSFER`; LSVT BIG lengthened stride and
/// shortened 10 m walk and TUG times, Flood 2020 J Neuroeng Rehabil 17:92).
pub fn transfer_in(condition: &crate::domain::Condition, from: Domain, to: Domain) -> f64 {
    use Domain::*;
    match (condition, from, to) {
        (crate::domain::Condition::Parkinsons(_), WholeBody, Leg | Balance) => {
            super::constants::PD_AMPLITUDE_TRANSFER
        }
        _ => transfer(from, to),
    }
}

/// The best score training can move an instrument towards, when the end of its range is not attainable (timed
/// and dexterity tests, whose healthy norms lie far inside the range); `None`: the end of the range (see the
/// constants for the sources).
pub fn attainable_best(instrument_id: &str) -> Option<f64> {
    match instrument_id {
        "tug_s" => Some(super::constants::ATTAINABLE_TUG_S),
        "walk10m_ms" => Some(super::constants::ATTAINABLE_WALK_MS),
        "bbt" => Some(super::constants::ATTAINABLE_BBT),
        "nhpt_s" => Some(super::constants::ATTAINABLE_NHPT_S),
        _ => None,
    }
}

/// Room to the worst score of a lower-is-better instrument at baseline `b`. A timed test (TUG, Nine-Hole Peg) loses
/// in proportion to the time it takes, as walking speed does: losing a share f of the room doubles the time at f = 1
/// (a speed falling by a share f/(1+f)), instead of moving towards the end of the range (a 120-s TUG), which made
/// Parkinson's progression slow TUG by about 1.3 s a year from a 10.5-s baseline. Modelling choice, local to losses
/// (progression, learned non-use); other instruments keep the room to the end of their range.
pub fn worst_room(inst: &Instrument, b: f64) -> f64 {
    let to_end = inst.max - b;
    if attainable_best(inst.id).is_some() {
        to_end.min(b.max(0.0))
    } else {
        to_end
    }
}

/// One instrument of a forecast with its baseline.
#[derive(Debug, Clone, Copy)]
pub struct Slot {
    pub id: &'static str,
    pub inst: &'static Instrument,
    pub baseline: f64,
    pub domain: Domain,
    /// Room to the best score and to the worst score, in the instrument's units (>= 0).
    pub up: f64,
    pub down: f64,
}

impl Slot {
    pub fn new(inst: &'static Instrument, baseline: f64) -> Slot {
        let b = inst.clamp(baseline);
        let best = attainable_best(inst.id).unwrap_or(match inst.direction {
            Direction::HigherIsBetter => inst.max,
            Direction::LowerIsBetter => inst.min,
        });
        let (up, down) = match inst.direction {
            Direction::HigherIsBetter => ((best - b).max(0.0), b - inst.min),
            Direction::LowerIsBetter => ((b - best).max(0.0), worst_room(inst, b)),
        };
        Slot {
            id: inst.id,
            inst,
            baseline: b,
            domain: domain_of(inst.id),
            up,
            down,
        }
    }

    /// Share of the range this baseline sits at, as function (0 worst, 1 best).
    pub fn function(&self) -> f64 {
        self.down / (self.up + self.down).max(1e-9)
    }

    /// Score for a gain (share of headroom, >= 0) and a loss (share of the room to the worst score, >= 0), plus an
    /// absolute improvement in the instrument's units; inside the range.
    pub fn score(&self, gain: f64, loss: f64, extra_improvement: f64) -> f64 {
        let imp =
            gain.clamp(0.0, 1.0) * self.up - loss.clamp(0.0, 1.0) * self.down + extra_improvement;
        let imp = imp.clamp(-self.down, self.up);
        match self.inst.direction {
            Direction::HigherIsBetter => self.baseline + imp,
            Direction::LowerIsBetter => self.baseline - imp,
        }
    }

    /// Observed score: the true score plus measurement error `z` standard errors, inside the range and never
    /// better than the attainable best (or the baseline, when that is already better): a forecast does not show a
    /// patient below the healthy norm scoring above it.
    pub fn observe(&self, score: f64, z: f64) -> f64 {
        let v = self.inst.clamp(score + z * self.inst.sem);
        match self.inst.direction {
            Direction::HigherIsBetter => v.min(self.baseline + self.up),
            Direction::LowerIsBetter => v.max(self.baseline - self.up),
        }
    }

    pub fn improvement(&self, score: f64) -> f64 {
        self.inst.improvement(self.baseline, score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_stay_in_range_and_follow_direction() {
        let fma = Slot::new(crate::instruments::get("fma_ue").unwrap(), 60.0);
        assert_eq!(fma.score(1.0, 0.0, 0.0), 66.0);
        assert_eq!(fma.score(0.5, 0.0, 0.0), 63.0);
        assert_eq!(fma.score(0.0, 0.0, 100.0), 66.0);
        let updrs = Slot::new(crate::instruments::get("mds_updrs_iii").unwrap(), 30.0);
        assert_eq!(updrs.score(0.5, 0.0, 0.0), 15.0);
        assert_eq!(updrs.score(0.0, 0.0, -2.4), 32.4);
        assert!(updrs.observe(0.5, -3.0) >= 0.0);
    }

    #[test]
    fn amplitude_training_is_gait_training_in_parkinsons_only() {
        use crate::domain::{AtaxiaFacts, Condition, ParkinsonsFacts};
        let pd = Condition::Parkinsons(ParkinsonsFacts::default());
        let ataxia = Condition::CerebellarAtaxia(AtaxiaFacts::default());
        for to in [Domain::Leg, Domain::Balance] {
            assert_eq!(transfer_in(&pd, Domain::WholeBody, to), 1.0);
            assert_eq!(transfer_in(&ataxia, Domain::WholeBody, to), 0.6);
        }
        // Only amplitude (whole-body) training changes: leg practice transfers to balance as before.
        assert_eq!(transfer_in(&pd, Domain::Leg, Domain::Balance), 0.5);
        assert_eq!(transfer_in(&pd, Domain::WholeBody, Domain::Arm), 0.0);
    }

    #[test]
    fn timed_tests_improve_towards_the_healthy_norm_not_the_end_of_the_range() {
        // TUG 14 s: full training gain reaches the healthy 8.1 s (Bohannon 2006), not 0 s.
        let tug = Slot::new(crate::instruments::get("tug_s").unwrap(), 14.0);
        assert!((tug.score(1.0, 0.0, 0.0) - 8.1).abs() < 1e-9);
        assert!((tug.score(0.5, 0.0, 0.0) - 11.05).abs() < 1e-9);
        // Already faster than the norm: no room to improve, but still room to get worse.
        let fast = Slot::new(crate::instruments::get("tug_s").unwrap(), 7.0);
        assert_eq!(fast.score(1.0, 0.0, 0.0), 7.0);
        assert!(fast.score(0.0, 0.1, 0.0) > 7.0);
        // Losses scale with the time the test takes (as walking speed does), not with the room to a 120-s TUG.
        assert!((tug.score(0.0, 0.1, 0.0) - 15.4).abs() < 1e-9);
        assert!((tug.score(0.0, 1.0, 0.0) - 28.0).abs() < 1e-9);
        let walk = Slot::new(crate::instruments::get("walk10m_ms").unwrap(), 0.8);
        assert!((walk.score(1.0, 0.0, 0.0) - 1.43).abs() < 1e-9);
    }

    #[test]
    fn dexterity_tests_improve_towards_the_healthy_norm() {
        // BBT 4 blocks: full gain reaches the adult norm of 75 blocks (Mathiowetz 1985), not the 150 blocks in the box.
        let bbt = Slot::new(crate::instruments::get("bbt").unwrap(), 4.0);
        assert_eq!(bbt.score(1.0, 0.0, 0.0), 75.0);
        assert_eq!(bbt.score(0.0, 0.0, 500.0), 75.0);
        assert_eq!(bbt.observe(75.0, 3.0), 75.0);
        assert!(bbt.observe(70.0, -1.0) < 70.0);
        // 9HPT 120 s: full gain reaches 19 s, and measurement error does not show a faster time.
        let peg = Slot::new(crate::instruments::get("nhpt_s").unwrap(), 120.0);
        assert_eq!(peg.score(1.0, 0.0, 0.0), 19.0);
        assert_eq!(peg.observe(19.0, -3.0), 19.0);
        // A baseline already better than the norm keeps its own score as the bound.
        let quick = Slot::new(crate::instruments::get("nhpt_s").unwrap(), 15.0);
        assert_eq!(quick.observe(15.0, -2.0), 15.0);
        assert!(quick.observe(15.0, 2.0) > 15.0);
    }
}
