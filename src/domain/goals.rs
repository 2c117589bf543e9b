//! Goals of a plan (SMART: an instrument, a target score, a date to reach it by, and the therapist's words) and their
//! Goal Attainment Scaling reviews (-2..+2). Both are records: corrected or voided with a reason, never edited.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A treatment goal: reach `target` on `instrument` by `by` ("BBS 45 by 2027-02-01"), with free text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    #[serde(default)]
    pub id: i64,
    pub patient_code: String,
    /// The plan that was active when the goal was set, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<i64>,
    /// Instrument id from [`crate::instruments`].
    pub instrument: String,
    /// Score to reach, in the instrument's units and direction.
    pub target: f64,
    /// Date by which to reach it.
    pub by: NaiveDate,
    #[serde(default)]
    pub text: String,
}

/// A Goal Attainment Scaling review of one goal: -2 (much less than expected) .. 0 (expected) .. +2 (much more).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GoalReview {
    #[serde(default)]
    pub id: i64,
    pub goal_id: i64,
    pub patient_code: String,
    pub level: i8,
    pub date: NaiveDate,
    #[serde(default)]
    pub notes: String,
}

/// The words of a GAS level, as the scale names them.
pub fn gas_level_text(level: i8) -> &'static str {
    match level {
        -2 => "much less than expected",
        -1 => "somewhat less than expected",
        0 => "expected outcome",
        1 => "somewhat more than expected",
        2 => "much more than expected",
        _ => "not a GAS level",
    }
}
