//! Condition presets: the priors over a patient's circuits set by their condition and its facts (stroke by
//! corticospinal status and severity, Parkinson's by Hoehn & Yahr and medication, cerebellar ataxia, a healthy
//! older adult by age), with the plain-language notes a therapist reads next to the forecast.

use super::circuits::{Prior, Priors};
use super::constants as k;
use super::scenario::Scenario;
use crate::domain::{Condition, Corticospinal, Medication, Mep};

/// Which instrument the condition's progression rate is published on, and a typical baseline on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Decline {
    pub instrument: &'static str,
    pub reference_baseline: f64,
}

/// Priors, progression reference and notes for one scenario.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    pub priors: Priors,
    pub decline: Option<Decline>,
    pub notes: Vec<String>,
}

/// Is this stroke severe (PREP2 / proportional-rule non-fitter predictors)?
fn stroke_severe(s: &Scenario, nihss: Option<u8>) -> bool {
    let fma_low = s
        .baseline
        .get("fma_ue")
        .is_some_and(|&f| f <= k::SEVERE_FMA_UE);
    fma_low || nihss.is_some_and(|n| n >= k::NIHSS_SEVERE)
}

fn age_fraction(age: f64) -> f64 {
    ((age - k::SLEEP_AGE_YOUNG) / (k::SLEEP_AGE_OLD - k::SLEEP_AGE_YOUNG)).clamp(0.0, 1.0)
}

/// Build the preset for a scenario.
pub fn preset(s: &Scenario) -> Preset {
    let age = f64::from(s.patient.age);
    let mut notes = Vec::new();
    let decades_over_60 = ((age - 60.0) / 10.0).max(0.0);
    let a = age_fraction(age);
    let plast = (1.0 - k::PLASTICITY_LOSS_PER_DECADE * decades_over_60).max(0.3);
    let sleep = k::SLEEP_GAIN_YOUNG + (k::SLEEP_GAIN_OLD - k::SLEEP_GAIN_YOUNG) * a;
    let forget = k::FORGET_DAYS_HEALTHY * k::FORGET_AGE_FACTOR_PER_DECADE.powf(decades_over_60);
    let random_benefit = k::RANDOM_ORDER_BENEFIT_YOUNG
        + (k::RANDOM_ORDER_BENEFIT_OLD - k::RANDOM_ORDER_BENEFIT_YOUNG) * a;
    if age >= 65.0 {
        notes.push(format!(
            "age {}: slower consolidation and little gain from sleep (Spencer 2007), less retained between sessions (Trewartha 2014); random practice order helps retention more (Czyz 2024)",
            s.patient.age
        ));
    }
    let mut p = Priors {
        cst: Prior::fixed(1.0),
        err_gain: Prior::new(1.0, 0.15, 0.3, 2.0),
        err_retention: Prior::new(1.0, 0.1, 0.3, 2.0),
        noise: Prior::new(1.0, 0.1, 0.5, 3.0),
        rl_gain: Prior::new(1.0, 0.15, 0.2, 2.0),
        auto_gain: Prior::new(1.0, 0.15, 0.2, 2.0),
        declarative: Prior::new(1.0, 0.1, 0.3, 2.0),
        log_plasticity: Prior::new(plast.ln(), k::PLASTICITY_LOG_SD, -2.0, 1.0),
        sleep_gain: Prior::new(sleep, k::SLEEP_GAIN_SD, 0.0, 0.6),
        forget_days: Prior::new(forget, 0.2 * forget, 30.0, 5000.0),
        // The forgetting rate over its value at 60 comes with age (Trewartha 2014): daily use does not stop it.
        age_forget_share: 1.0 - k::FORGET_AGE_FACTOR_PER_DECADE.powf(decades_over_60),
        trainable: Prior::new(k::TRAINABLE_SHARE_OLDER, 0.1, 0.05, 0.95),
        random_order_benefit: Prior::new(random_benefit, 0.03, -0.1, 0.5),
        p_fit: 0.0,
        fit_share: Prior::fixed(0.0),
        nonfit_share: Prior::fixed(0.0),
        p_fit_leg: 0.0,
        fit_share_leg: Prior::fixed(0.0),
        spont_tau: Prior::new(
            (k::SPONT_TAU_MIN_DAYS + k::SPONT_TAU_MAX_DAYS) / 2.0,
            (k::SPONT_TAU_MAX_DAYS - k::SPONT_TAU_MIN_DAYS) / 4.0,
            k::SPONT_TAU_MIN_DAYS,
            k::SPONT_TAU_MAX_DAYS,
        ),
        spontaneous: false,
        spont_offset_days: 0.0,
        decline_per_year: Prior::fixed(0.0),
    };
    let mut decline = None;
    match &s.patient.condition {
        Condition::Stroke(f) => {
            let severe = stroke_severe(s, f.nihss);
            let (cst, p_fit) = match (f.mep, f.corticospinal) {
                (Some(Mep::Present), _) | (None, Some(Corticospinal::Intact)) => {
                    (k::CST_CAPACITY_INTACT, k::P_FIT_MEP_PRESENT)
                }
                (Some(Mep::Absent), _) | (None, Some(Corticospinal::Severe)) => {
                    (k::CST_CAPACITY_SEVERE, k::P_FIT_MEP_ABSENT)
                }
                (None, Some(Corticospinal::Partial)) => (
                    k::CST_CAPACITY_PARTIAL,
                    if severe {
                        k::P_FIT_SEVERE_UNKNOWN
                    } else {
                        k::P_FIT_NOT_SEVERE_UNKNOWN
                    },
                ),
                (None, None) if severe => (k::CST_CAPACITY_PARTIAL, k::P_FIT_SEVERE_UNKNOWN),
                (None, None) => (k::CST_CAPACITY_INTACT, k::P_FIT_NOT_SEVERE_UNKNOWN),
            };
            p.cst = Prior::new(cst, k::CST_CAPACITY_SD, 0.05, 1.0);
            p.trainable = Prior::new(k::TRAINABLE_SHARE_STROKE * cst, 0.08, 0.02, 0.95);
            p.p_fit = p_fit;
            p.fit_share = Prior::new(k::PROPORTIONAL_SHARE, k::PROPORTIONAL_SHARE_SD, 0.3, 1.0);
            p.nonfit_share = Prior::new(k::NONFITTER_SHARE, k::NONFITTER_SHARE_SD, 0.0, 0.4);
            p.p_fit_leg = k::P_FIT_LEG;
            p.fit_share_leg = Prior::new(
                k::PROPORTIONAL_SHARE_LEG,
                k::PROPORTIONAL_SHARE_SD,
                0.3,
                1.0,
            );
            p.spontaneous = true;
            p.spont_offset_days =
                (f64::from(s.patient.onset_days()) - k::PROPORTIONAL_BASELINE_DAY).max(0.0);
            let onset = s.patient.days_since_onset;
            // Proportional recovery is over by about 3-6 months (Prabhakaran 2008: measured at 90 days; Winters
            // 2015): the "70% returns" note belongs to the first months only.
            let recovering = onset.is_none_or(|d| d < k::SUBACUTE_DAYS);
            match f.mep {
                Some(Mep::Absent) => notes.push(
                    "MEP absent: little spontaneous recovery of the arm expected; most such patients do not follow the proportional recovery rule (Byblow 2015, Stinear 2017)".into(),
                ),
                Some(Mep::Present) if onset.is_none() => notes.push(
                    "MEP present: the corticospinal tract conducts; if the stroke is recent (first 3 months), expect about 70% of the lost arm function to return spontaneously (proportional recovery rule, Prabhakaran 2008)".into(),
                ),
                Some(Mep::Present) if recovering => notes.push(
                    "MEP present: the corticospinal tract conducts; expect about 70% of the lost arm function to return spontaneously over the first 3 months (proportional recovery rule, Prabhakaran 2008)".into(),
                ),
                Some(Mep::Present) => notes.push(
                    "MEP present: the corticospinal tract conducts, so the arm can respond to practice; proportional spontaneous recovery belongs to the first 3-6 months and is over (Prabhakaran 2008, Winters 2015)".into(),
                ),
                None => {}
            }
            if severe && f.mep != Some(Mep::Absent) && recovering {
                notes.push(
                    "severe initial paresis: a third or more of such patients do not follow the proportional recovery rule (Winters 2015)".into(),
                );
            }
            match onset {
                None => notes.push(
                    "onset unknown: the forecast assumes the first days after stroke; give days_since_onset (scenario) or the onset date (patient) for a forecast that fits".into(),
                ),
                Some(d0) if d0 < k::SUBACUTE_DAYS => notes.push(format!(
                    "{d0} days after stroke: spontaneous recovery dominates the next weeks; extra therapy adds less now than in the chronic phase (Lohse 2014)"
                )),
                Some(d0) if d0 >= k::CHRONIC_DAYS => notes.push(format!(
                    "{d0} days after stroke (chronic): spontaneous recovery is over; change comes from practice and daily use (Han 2008: above a use threshold function keeps improving after therapy, below it declines)"
                )),
                Some(_) => {}
            }
        }
        Condition::Parkinsons(f) => {
            let hy = f.hoehn_yahr.unwrap_or(2.0);
            let (rl, med_note) = match f.medication {
                Some(Medication::On) => (
                    k::PD_RL_GAIN_ON,
                    "lives on medication, so practises ON: levodopa restores learning from positive outcomes (Frank 2004), whichever state the scores are forecast in",
                ),
                Some(Medication::Off) => (
                    k::PD_RL_GAIN_OFF,
                    "off medication: learning from reward is weak, from errors preserved (Frank 2004); augmented feedback helps (Cristini 2023)",
                ),
                Some(Medication::None) | None => (
                    k::PD_RL_GAIN_OFF,
                    "no dopaminergic medication: learning from reward is weak (Frank 2004); augmented feedback helps (Cristini 2023)",
                ),
            };
            p.rl_gain = Prior::new(rl, 0.12, 0.1, 1.5);
            p.auto_gain = Prior::new(k::PD_AUTO_GAIN, 0.12, 0.1, 1.5);
            let stage_factor = if hy >= 3.0 { 0.8 } else { 1.0 };
            p.trainable = Prior::new(k::TRAINABLE_SHARE_PD * stage_factor, 0.1, 0.05, 0.95);
            p.decline_per_year = Prior::new(
                k::PD_PROGRESSION_UPDRS_PER_YEAR,
                k::PD_PROGRESSION_SD,
                0.0,
                10.0,
            );
            decline = Some(Decline {
                instrument: "mds_updrs_iii",
                reference_baseline: k::PD_REFERENCE_UPDRS,
            });
            notes.push(format!(
                "Parkinson's (H&Y {hy}): weaker reinforcement and automatisation (basal ganglia), smaller movements; amplitude training can still help, and untreated motor signs progress about 2.4 MDS-UPDRS III points a year (Holden 2018)"
            ));
            notes.push(med_note.into());
        }
        Condition::CerebellarAtaxia(_) => {
            p.err_gain = Prior::new(k::CEREBELLAR_ERR_GAIN, 0.08, 0.05, 1.0);
            p.err_retention = Prior::new(k::CEREBELLAR_ERR_RETENTION, 0.03, 0.01, 0.5);
            p.noise = Prior::new(k::CEREBELLAR_NOISE, 0.2, 1.0, 4.0);
            p.trainable = Prior::new(k::TRAINABLE_SHARE_ATAXIA, 0.08, 0.02, 0.95);
            p.decline_per_year = Prior::new(
                k::SARA_PROGRESSION_PER_YEAR,
                k::SARA_PROGRESSION_SD,
                0.0,
                5.0,
            );
            decline = Some(Decline {
                instrument: "sara",
                reference_baseline: k::SARA_REFERENCE,
            });
            notes.push(
                "cerebellar damage: error-based learning weak and poorly retained; reinforcement feedback preserved; more motor noise (Therrien 2016)".into(),
            );
        }
        Condition::OlderAdult(f) => {
            if let Some(n) = f.falls_last_year.filter(|&n| n >= 2) {
                notes.push(format!(
                    "{n} falls in the last year: at risk of falls; balance and gait practice targets Berg and TUG"
                ));
            }
        }
    }
    Preset {
        priors: p,
        decline,
        notes,
    }
}
