//! A scenario: one patient, their baseline, a protocol and a time window to forecast.
//!
//! Scenario files (`tests/scenarios/*.toml`) deserialise into [`Scenario`]; `praxis simulate --patient` builds one
//! from the stored profile. Day 0 is the day of the baseline assessments; therapy starts on `start_day`.

use serde::{Deserialize, Serialize};

use crate::domain::Condition;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub patient: ScenarioPatient,
    /// Baseline scores (instrument id -> score), taken on day 0.
    pub baseline: std::collections::BTreeMap<String, f64>,
    /// Earlier observed scores, for calibration (day may be negative: before day 0, or positive: logged progress).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    /// Protocol id (from `protocols/`) or path to a protocol file; absent = no treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Day (from day 0) on which the protocol starts.
    #[serde(default)]
    pub start_day: u32,
    /// Last day simulated.
    #[serde(default = "default_horizon")]
    pub horizon_days: u32,
    /// Day of the follow-up reported in the summary; default: the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_day: Option<u32>,
    /// Goal for the probability-of-goal figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
}

fn default_horizon() -> u32 {
    180
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioPatient {
    pub age: u32,
    /// Condition and its facts, e.g. `condition = { kind = "stroke", mep = "present", nihss = 9 }`.
    pub condition: Condition,
    /// Days since onset (stroke) or since diagnosis on day 0; for stroke this sets where on the spontaneous-recovery
    /// curve the patient is (3 = acute, 180+ = chronic).
    #[serde(default)]
    pub days_since_onset: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    pub day: i32,
    pub instrument: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    pub instrument: String,
    /// Score to reach (in the instrument's units and direction).
    pub target: f64,
    /// Day by which to reach it; default: end of treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_day: Option<u32>,
}
