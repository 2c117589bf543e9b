//! A patient as a set of circuit parameters with uncertainty: priors (set by the condition presets in
//! [`super::impairment`]) and one draw of them per Monte Carlo sample.

use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

/// The random stream of Monte Carlo draw `draw` of seed `seed`. Draw i always uses stream i, and the priors never
/// depend on the protocol, so protocols compared on the same seed see the same patients (common random numbers).
pub fn draw_rng(seed: u64, draw: u32) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(draw));
    rng
}

/// A normal prior (mean, SD), truncated to [lo, hi] when sampled.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prior {
    pub mean: f64,
    pub sd: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Prior {
    pub const fn new(mean: f64, sd: f64, lo: f64, hi: f64) -> Prior {
        Prior { mean, sd, lo, hi }
    }
    pub const fn fixed(v: f64) -> Prior {
        Prior::new(v, 0.0, v, v)
    }
    /// Draw one value; always consumes exactly one normal variate, so draws stay aligned across protocols (common
    /// random numbers).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        let z: f64 = StandardNormal.sample(rng);
        (self.mean + self.sd * z).clamp(self.lo, self.hi)
    }
}

/// Priors over every circuit parameter of one patient.
#[derive(Debug, Clone, PartialEq)]
pub struct Priors {
    /// Corticospinal / motor-cortex output capacity (0-1; 1 = intact).
    pub cst: Prior,
    /// Cerebellar error-based learning gain (healthy 1).
    pub err_gain: Prior,
    /// Retention of error-based learning, multiplier of the healthy slow-state retention time (healthy 1).
    pub err_retention: Prior,
    /// Motor noise multiplier (healthy 1).
    pub noise: Prior,
    /// Basal-ganglia reinforcement gain (healthy 1; dopamine, medication).
    pub rl_gain: Prior,
    /// Automatisation / chunking gain: learning of the integration of components (healthy 1).
    pub auto_gain: Prior,
    /// Hippocampal / declarative support of early learning (healthy 1).
    pub declarative: Prior,
    /// Global plasticity, log multiplier of learning rates (0 = a healthy young adult).
    pub log_plasticity: Prior,
    /// Offline gain after sleep, share of the day's learning.
    pub sleep_gain: Prior,
    /// Slow-state forgetting time constant without practice (days).
    pub forget_days: Prior,
    /// Share of the slow state's forgetting rate that comes with age (0 up to 60 years) and that daily use does not
    /// hold off (Trewartha 2014).
    pub age_forget_share: f64,
    /// Share of the headroom that training can add.
    pub trainable: Prior,
    /// Retention benefit of random practice order (multiplier - 1).
    pub random_order_benefit: Prior,
    /// Stroke: probability (0-1) of fitting the proportional recovery rule (arm), and the shares recovered.
    pub p_fit: f64,
    pub fit_share: Prior,
    pub nonfit_share: Prior,
    pub p_fit_leg: f64,
    pub fit_share_leg: Prior,
    /// Time constant of spontaneous recovery (days).
    pub spont_tau: Prior,
    /// Spontaneous recovery after stroke applies (false for other conditions).
    pub spontaneous: bool,
    /// Days between the proportional rule's baseline (72 h) and day 0: recovery already done is not forecast.
    pub spont_offset_days: f64,
    /// Progression, in points per year of the condition's reference instrument.
    pub decline_per_year: Prior,
}

/// One draw of the circuit parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circuits {
    pub cst: f64,
    pub err_gain: f64,
    pub err_retention: f64,
    pub noise: f64,
    pub rl_gain: f64,
    pub auto_gain: f64,
    pub declarative: f64,
    pub plasticity: f64,
    pub sleep_gain: f64,
    pub forget_days: f64,
    pub age_forget_share: f64,
    pub trainable: f64,
    pub random_order_benefit: f64,
    pub fitter: bool,
    pub spont_share: f64,
    pub fitter_leg: bool,
    pub spont_share_leg: f64,
    pub spont_tau: f64,
    pub decline_per_year: f64,
}

impl Priors {
    /// Draw one patient. The number of random variates consumed never depends on the values, so draw i of two
    /// forecasts with the same seed describes the same patient.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> Circuits {
        let u_fit: f64 = rng.random();
        let u_fit_leg: f64 = rng.random();
        let fit_share = self.fit_share.sample(rng);
        let nonfit_share = self.nonfit_share.sample(rng);
        let fit_share_leg = self.fit_share_leg.sample(rng);
        let nonfit_leg = self.nonfit_share.sample(rng);
        let fitter = u_fit < self.p_fit;
        let fitter_leg = u_fit_leg < self.p_fit_leg;
        Circuits {
            cst: self.cst.sample(rng),
            err_gain: self.err_gain.sample(rng),
            err_retention: self.err_retention.sample(rng),
            noise: self.noise.sample(rng),
            rl_gain: self.rl_gain.sample(rng),
            auto_gain: self.auto_gain.sample(rng),
            declarative: self.declarative.sample(rng),
            plasticity: self.log_plasticity.sample(rng).exp(),
            sleep_gain: self.sleep_gain.sample(rng),
            forget_days: self.forget_days.sample(rng),
            age_forget_share: self.age_forget_share,
            trainable: self.trainable.sample(rng),
            random_order_benefit: self.random_order_benefit.sample(rng),
            fitter,
            spont_share: if fitter { fit_share } else { nonfit_share },
            fitter_leg,
            spont_share_leg: if fitter_leg {
                fit_share_leg
            } else {
                nonfit_leg
            },
            spont_tau: self.spont_tau.sample(rng),
            decline_per_year: self.decline_per_year.sample(rng),
        }
    }
}
