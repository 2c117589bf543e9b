//! Recovery outside practice: stroke spontaneous recovery by the proportional rule (Prabhakaran 2008; Winters 2015),
//! use-dependent change with a threshold (Han, Arbib & Schweighofer 2008), and the slow progression of
//! Parkinson's disease and ataxia.

use super::circuits::Circuits;
use super::constants as k;
use super::outcome::{DOMAINS, Domain};

/// Share of the headroom recovered spontaneously by day `t` (days from day 0), for a patient whose total
/// proportional share is `share`, time constant `tau` (days) and who is `offset` days past the rule's 72-h
/// baseline: share x (exp(-offset/tau) - exp(-(offset + t)/tau)), the part of the saturating exponential still to
/// come after day 0 (none in chronic stroke).
pub fn spontaneous_share(share: f64, tau: f64, offset: f64, t: f64) -> f64 {
    let tau = tau.max(1.0);
    share * ((-offset / tau).exp() - (-(offset + t) / tau).exp())
}

/// Share of each domain's day-0 headroom that spontaneous recovery would add by the end of recovery, for one draw
/// `c`; zero everywhere when the condition has no spontaneous recovery (`spontaneous` false: not a stroke). Arm:
/// the draw's proportional share, plus the rule's intercept (Prabhakaran 2008) for fitters when FMA-UE is forecast
/// (`fma_ue_headroom`); leg and balance: the leg share; daily activities: the mean of arm and leg.
pub fn spontaneous_totals(
    spontaneous: bool,
    c: &Circuits,
    fma_ue_headroom: Option<f64>,
) -> [f64; DOMAINS] {
    let mut spont_total = [0.0f64; DOMAINS];
    if spontaneous {
        let mut arm = c.spont_share;
        if c.fitter
            && let Some(h) = fma_ue_headroom
            && h > 0.0
        {
            arm += k::PROPORTIONAL_INTERCEPT_FMA / h;
        }
        let leg = c.spont_share_leg;
        spont_total[Domain::Arm as usize] = arm.min(1.0);
        spont_total[Domain::Leg as usize] = leg;
        spont_total[Domain::Balance as usize] = leg;
        spont_total[Domain::Daily as usize] = 0.5 * (arm + leg);
    }
    spont_total
}

/// Progression (Parkinson's, ataxia): share of the room to the worst score on the reference instrument (`room`,
/// instrument units) lost per day, for a draw losing `decline_per_year` units a year.
pub fn decline_per_day(decline_per_year: f64, room: f64) -> f64 {
    decline_per_year / 365.0 / room
}

/// How much of the progression each domain carries (the reference instrument's domain fully).
pub fn decline_weight(d: Domain) -> f64 {
    match d {
        Domain::WholeBody => 1.0,
        Domain::Leg | Domain::Balance | Domain::Daily => 0.5,
        _ => 0.0,
    }
}

/// Spontaneous use of the affected arm and its slow effect on arm function (Han 2008; Hidaka 2012).
/// `function` is arm function as a share of the instrument's range (0-1).
///
/// Learned non-use (Taub 1980s-2006; Wolf 2006 JAMA 296:2095): after a stroke the arm is often used less than it
/// could be, because using it failed early on and the other arm took over. `nonuse` is that gap: the share of the
/// use the arm's function would carry (`use_target`) that the patient does not take up. It is measured, not
/// assumed: with a Motor Activity Log score at baseline, use starts there ([`UseState::observed`]); without one it
/// starts at the use the function carries and `nonuse` is 0 ([`UseState::settled`]). Using the arm beyond the
/// habit (forced by constraint of the other arm, CIMT) unlearns non-use, so use stays higher after therapy;
/// without that it fades only slowly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UseState {
    /// Spontaneous use of the affected arm, 0-1.
    pub use_: f64,
    /// Learned non-use: the share of the use the arm's function carries that is not taken up, 0-1.
    pub nonuse: f64,
}

/// Spontaneous use a patient settles at for a given arm function: low until function nears half of normal
/// (science.md (check)), then high.
pub fn use_target(function: f64) -> f64 {
    1.0 / (1.0 + (-(function - k::USE_THRESHOLD_FUNCTION) / k::USE_SPREAD).exp())
}

impl UseState {
    pub fn settled(function: f64) -> UseState {
        UseState {
            use_: use_target(function),
            nonuse: 0.0,
        }
    }

    /// A patient whose use was measured (`use_`, 0-1: Motor Activity Log / 5): the gap to the use their arm's
    /// function carries is learned non-use.
    pub fn observed(function: f64, use_: f64) -> UseState {
        let use_ = use_.clamp(0.0, 1.0);
        let carried = use_target(function).max(1e-6);
        UseState {
            use_,
            nonuse: (1.0 - use_ / carried).clamp(0.0, k::NONUSE_MAX),
        }
    }

    /// The use the patient settles at without therapy: what the function carries, less learned non-use.
    pub fn habitual(&self, function: f64) -> f64 {
        use_target(function) * (1.0 - self.nonuse)
    }

    /// One day. `forced` is a floor on use that day from therapy or constraint of the other arm (0 = none).
    /// Returns the change of arm function (share of the range) that day: use above one half strengthens the arm,
    /// below one half weakens it (learned non-use), proportionally to the room left in that direction.
    pub fn day(&mut self, function: f64, forced: f64) -> f64 {
        let habit = self.habitual(function);
        let target = habit.max(forced.min(1.0));
        // 1 - exp(-1 / USE_TAU_DAYS): the share of the gap to the target closed in a day.
        let rate = 1.0 / k::USE_TAU_DAYS - 0.5 / (k::USE_TAU_DAYS * k::USE_TAU_DAYS);
        self.use_ += (target - self.use_) * rate;
        self.unlearn_nonuse(habit);
        let drive = self.use_ - 0.5;
        let room = if drive >= 0.0 {
            1.0 - function
        } else {
            function
        };
        k::USE_FUNCTION_RATE_PER_YEAR / 365.0 * drive * room.clamp(0.0, 1.0)
    }
}

impl UseState {
    /// Learned non-use is unlearned by using the arm beyond the habit (Taub: forced use that succeeds is
    /// reinforced; EXCITE, Wolf 2006), in proportion to the day's excess use, and fades slowly by itself.
    fn unlearn_nonuse(&mut self, habit: f64) {
        if self.nonuse <= 0.0 {
            return;
        }
        let excess = (self.use_ - habit).max(0.0);
        self.nonuse *=
            (-k::NONUSE_UNLEARN_PER_USE_DAY * excess - k::NONUSE_FADE_PER_YEAR / 365.0).exp();
    }
}

/// Use forced on a therapy day by constraint of the less-affected arm for `constraint_hours` hours (CIMT).
pub fn forced_use(therapy_day: bool, constraint_hours: f64) -> f64 {
    if !therapy_day || constraint_hours <= 0.0 {
        return 0.0;
    }
    (0.5 + k::CONSTRAINT_USE_PER_HOUR * constraint_hours).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spontaneous_recovery_saturates_at_share_from_72h() {
        let s = spontaneous_share(0.7, 28.0, 0.0, 10_000.0);
        assert!((s - 0.7).abs() < 1e-9);
        // A chronic patient has nothing left to recover.
        assert!(spontaneous_share(0.7, 28.0, 365.0, 180.0) < 1e-4);
    }

    #[test]
    fn use_above_threshold_improves_function_below_declines() {
        let mut hi = UseState::settled(0.6);
        let mut lo = UseState::settled(0.4);
        assert!(hi.day(0.6, 0.0) > 0.0);
        assert!(lo.day(0.4, 0.0) < 0.0);
    }
}
