//! What a forecast returns: the series per instrument and a summary. These types are the `--json` machine interface
//! of `praxis simulate` and `praxis compare` (see `shared/design.md`): extend, never rename.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

/// An MCID as people read it: up to two decimals, no trailing zeros (5.25, 9, 3.2, 0.16).
pub fn mcid_text(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.into() }
}

/// Options of one forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForecastOptions {
    /// Monte Carlo draws over parameter uncertainty.
    pub draws: u32,
    /// Seed of the RNG: the same seed gives the same output on any machine.
    pub seed: u64,
}

impl Default for ForecastOptions {
    fn default() -> Self {
        ForecastOptions {
            draws: 500,
            seed: 1,
        }
    }
}

/// Cancellation and progress shared with the caller (the TUI runs forecasts on a worker thread).
#[derive(Debug, Default)]
pub struct Control {
    /// Set to true to cancel; checked between draws.
    pub cancel: AtomicBool,
    /// Draws completed so far (across all protocols of a comparison).
    pub done: AtomicU32,
}

impl Control {
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// The forecast was cancelled through [`Control::cancel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("forecast cancelled")]
pub struct Cancelled;

/// Mean and percentile band of one instrument over the days of the forecast.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Band {
    pub mean: Vec<f64>,
    pub p10: Vec<f64>,
    pub p50: Vec<f64>,
    pub p90: Vec<f64>,
}

/// A scalar summarised over draws.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Stat {
    pub mean: f64,
    pub p10: f64,
    pub p50: f64,
    pub p90: f64,
}

/// `praxis simulate --json` prints exactly this object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Days from day 0 (the baseline).
    pub days: Vec<u32>,
    /// Instrument id -> band, one value per entry of `days`, in the instrument's units and inside its range.
    pub measures: BTreeMap<String, Band>,
    /// Every session simulated on or after day 0, in time order, with each instrument's mean at its end (the daily
    /// `measures` are of the morning, before that day's sessions), so within-day and overnight changes can be read.
    #[serde(default)]
    pub sessions: Vec<SessionEnd>,
    pub summary: Summary,
}

/// One simulated session: `{"day": 3, "time": "18:00", "end": {"bbt": 31.2}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionEnd {
    pub day: u32,
    /// Start time, "HH:MM".
    pub time: String,
    /// Instrument id -> mean score at the end of the session (as `measures`' means: observed scores).
    pub end: BTreeMap<String, f64>,
}

/// "HH:MM" of an hour after midnight (9.5 -> "09:30").
pub fn clock_text(hour: f64) -> String {
    let minutes = (hour.max(0.0) * 60.0).round() as u64;
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Protocol id, or "none" for no treatment.
    pub protocol: String,
    pub protocol_name: String,
    pub draws: u32,
    pub seed: u64,
    /// The instrument the ranking and headline use (first baseline instrument the protocol targets).
    pub primary: String,
    pub sessions: u32,
    pub total_repetitions: u64,
    /// Day of the last session (end of treatment).
    pub end_of_treatment_day: u32,
    pub follow_up_day: u32,
    pub measures: BTreeMap<String, MeasureSummary>,
    /// Plain-language reasons behind the forecast ("MEP absent: little spontaneous recovery expected", ...).
    pub notes: Vec<String>,
    /// Where the protocol is used outside the evidence it cites for this patient (see `model::evidence`); absent
    /// from JSON when there is none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasureSummary {
    pub baseline: f64,
    /// MCID used (improvement, instrument units) and whether it is an MCID or an MDC.
    pub mcid: f64,
    /// Signed change in the instrument's units (e.g. MDS-UPDRS III -5 is an improvement) of the true score from the
    /// draw's true day-0 score: the baseline is a measurement, so the change does not carry its error.
    pub change_end: Stat,
    pub change_follow_up: Stat,
    /// Improvement (positive = better) at end of treatment and follow-up, mean over draws.
    pub improvement_end: f64,
    pub improvement_follow_up: f64,
    /// Median number of sessions after which the improvement passes the MCID; None if the median draw never does.
    pub sessions_to_mcid: Option<u32>,
    /// Probability (share of draws) of passing the MCID by the end of treatment.
    pub p_mcid_end: f64,
    /// Probability of reaching the scenario's goal, if it has one on this instrument.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub p_goal: Option<f64>,
    /// Probability of reaching each of the scenario's plan goals on this instrument (`Scenario::plan_goals`, in
    /// their order), by its day.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goals: Vec<GoalChance>,
    /// 80% band (p10-p90) of the score at end of treatment.
    pub band_end: [f64; 2],
    /// The medication state the forecast predicts, for an instrument scored ON or OFF (MDS-UPDRS III): "on" or
    /// "off"; absent for other instruments and when no state was recorded (see `model::medication`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub med_state: Option<crate::domain::MedState>,
}

/// The probability (share of draws) of reaching `target` by `by_day`; `p` is `None` when the day is after the
/// forecast's horizon.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalChance {
    pub target: f64,
    pub by_day: u32,
    pub p: Option<f64>,
}

/// `praxis compare --json`: the same series per protocol, a summary per protocol, and the ranking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub days: Vec<u32>,
    pub primary: String,
    pub protocols: Vec<ProtocolForecast>,
    /// Protocol ids, best first (by mean improvement at follow-up on the primary instrument).
    pub ranking: Vec<String>,
    /// The same patient without treatment, the reference line (`id` "none"); filled in by `app::forecast`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_treatment: Option<Box<ProtocolForecast>>,
    /// Warnings about the comparison as a whole (e.g. "less than the MCID; intensive CIMT this early no better than
    /// usual care"), shown with its conclusion; each is also in the protocols' notes. Filled in by `app::forecast`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The primary instrument read at common moments (see [`super::fair`]); filled in by `app::forecast`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fair: Option<Box<super::fair::Fair>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProtocolForecast {
    pub id: String,
    pub measures: BTreeMap<String, Band>,
    pub summary: Summary,
}
