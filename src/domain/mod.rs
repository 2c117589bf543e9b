//! Plain clinical types shared by every layer: patients, their condition, assessments, therapy sessions and plans.
//!
//! These carry no behaviour beyond validation helpers and (de)serialisation; the store persists them, the model reads
//! them, the front ends show them.

pub mod goals;
pub mod names;
pub mod rules;
pub mod text;

use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

pub use goals::{Goal, GoalReview};
pub use names::Named;

/// A patient profile. `code` is the stable pseudonymous identifier (`P-0001`) used everywhere, including exports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    #[serde(default)]
    pub id: i64,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub birth_year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dominant_hand: Option<Hand>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected_side: Option<Side>,
    pub condition: Condition,
    #[serde(default)]
    pub notes: String,
    #[serde(default)]
    pub created_at: String,
    #[serde(default)]
    pub updated_at: String,
    /// Optimistic-concurrency version: incremented on every update; an update naming an older version is refused.
    #[serde(default)]
    pub version: i64,
}

impl Patient {
    /// Age in whole years in `year` (birth date is stored as a year only, so this is +/- 1 year).
    pub fn age_in(&self, year: i32) -> i32 {
        year - self.birth_year
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Hand {
    Right,
    Left,
    Both,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Side {
    Right,
    Left,
    Both,
    None,
}

/// The condition that brings the patient to rehabilitation, with the facts that set the model's priors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Condition {
    Stroke(StrokeFacts),
    Parkinsons(ParkinsonsFacts),
    #[serde(alias = "cerebellar-ataxia")]
    CerebellarAtaxia(AtaxiaFacts),
    #[serde(alias = "older-adult")]
    OlderAdult(OlderAdultFacts),
}

impl Condition {
    /// The facts that are text a user chose freely (not a value from a fixed list): they may hold anything,
    /// including personal data (an address typed into the ataxia type, in issue 9), so pseudonymised exports drop
    /// them. A new free-text fact must be added here.
    pub const FREE_TEXT_FACTS: [&'static str; 1] = ["ataxia_type"];

    pub fn kind(&self) -> ConditionKind {
        match self {
            Condition::Stroke(_) => ConditionKind::Stroke,
            Condition::Parkinsons(_) => ConditionKind::Parkinsons,
            Condition::CerebellarAtaxia(_) => ConditionKind::CerebellarAtaxia,
            Condition::OlderAdult(_) => ConditionKind::OlderAdult,
        }
    }
}

/// The condition without its facts: used in protocol targets, filters and the command line.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    IntoStaticStr,
    VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ConditionKind {
    Stroke,
    Parkinsons,
    #[serde(alias = "cerebellar-ataxia")]
    CerebellarAtaxia,
    #[serde(alias = "older-adult")]
    OlderAdult,
}

impl ConditionKind {
    pub fn label(self) -> &'static str {
        match self {
            ConditionKind::Stroke => "stroke",
            ConditionKind::Parkinsons => "Parkinson's disease",
            ConditionKind::CerebellarAtaxia => "cerebellar ataxia",
            ConditionKind::OlderAdult => "older adult",
        }
    }
    /// The condition's name ([`Named::name`]), e.g. "cerebellar_ataxia".
    pub fn id(self) -> &'static str {
        self.name()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StrokeFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stroke_type: Option<StrokeType>,
    /// Corticospinal tract status (imaging / clinical judgement).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corticospinal: Option<Corticospinal>,
    /// Motor-evoked potential to TMS in the affected arm (PREP2, Stinear 2017).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mep: Option<Mep>,
    /// NIH Stroke Scale, 0-42.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nihss: Option<u8>,
    /// Active extension of the affected wrist (at least 20 degrees) and fingers (at least 10 degrees): EXCITE's entry
    /// criteria for constraint-induced movement therapy (Wolf 2006 JAMA 296:2095).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_extension: Option<ActiveExtension>,
}

/// Active wrist and finger extension of the affected hand, as EXCITE's entry criteria define it (at least 20 degrees
/// at the wrist and 10 at the fingers).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ActiveExtension {
    Present,
    Absent,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum StrokeType {
    Ischaemic,
    Haemorrhagic,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Corticospinal {
    Intact,
    Partial,
    Severe,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Mep {
    Present,
    Absent,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParkinsonsFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnosis_year: Option<i32>,
    /// Hoehn & Yahr stage on the modified scale (0, 1, 1.5, 2, 2.5, 3, 4, 5; see [`rules::HOEHN_YAHR_STAGES`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hoehn_yahr: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medication: Option<Medication>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Medication {
    /// Assessed and treated in the dopaminergic "on" state.
    On,
    /// Assessed / practising in the "off" state.
    Off,
    /// Not on dopaminergic medication.
    None,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AtaxiaFacts {
    /// Free text, e.g. "SCA3", "SCA6", "Friedreich", "MSA-C", "cerebellar stroke".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ataxia_type: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OlderAdultFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub falls_last_year: Option<u32>,
}

/// One outcome-measure score. `instrument` is an id from [`crate::instruments`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    #[serde(default)]
    pub id: i64,
    pub patient_code: String,
    pub instrument: String,
    pub score: f64,
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessor: Option<String>,
    #[serde(default)]
    pub notes: String,
    /// The medication state the score was taken in, for instruments scored ON or OFF (MDS-UPDRS III; see
    /// [`crate::instruments::Instrument::has_med_state`]); `None`: not recorded, or an instrument without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub med_state: Option<MedState>,
}

impl Assessment {
    /// The score in one line, as every list shows it: "UPDRS-III 33 OFF", "TUG 12.6".
    pub fn brief(&self) -> String {
        let short =
            crate::instruments::get(&self.instrument).map_or(self.instrument.as_str(), |i| i.short);
        let mut out = format!(
            "{short} {}",
            crate::instruments::Shown::Stored.of(self.score)
        );
        if let Some(s) = self.med_state {
            out.push(' ');
            out.push_str(s.label());
        }
        out
    }
}

/// The dopaminergic medication state of an MDS-UPDRS III examination: ON (medication working) or OFF (practically
/// defined OFF, usually after withholding medication overnight). The difference is the levodopa response: a
/// levodopa challenge counts an improvement of 30% or more from OFF to ON as a response (see
/// `model::constants::LEVODOPA_RESPONSE`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum MedState {
    On,
    Off,
}

impl MedState {
    /// "ON" / "OFF", as clinicians write it.
    pub fn label(self) -> &'static str {
        match self {
            MedState::On => "ON",
            MedState::Off => "OFF",
        }
    }
}

/// One logged therapy session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionLog {
    #[serde(default)]
    pub id: i64,
    pub patient_code: String,
    pub started_at: NaiveDateTime,
    pub protocol_id: String,
    pub minutes: u32,
    pub repetitions: u32,
    /// Difficulty level reached (protocol's progression scale).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<u32>,
    /// Fraction of successful repetitions, 0-1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_rate: Option<f64>,
    /// Rating of perceived exertion / fatigue, 0-10 (Borg CR10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rpe: Option<u8>,
    #[serde(default)]
    pub notes: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinician: Option<String>,
}

/// A treatment plan: which protocol a patient follows, from when, towards what goal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    #[serde(default)]
    pub id: i64,
    pub patient_code: String,
    pub protocol_id: String,
    pub start_date: NaiveDate,
    #[serde(default)]
    pub goal: String,
    pub status: PlanStatus,
    #[serde(default)]
    pub version: i64,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum PlanStatus {
    Active,
    Completed,
    Stopped,
}

/// Check a patient code: `P-` followed by at least four digits, or any other short code of letters, digits and '-'.
pub fn validate_patient_code(code: &str) -> Result<(), String> {
    let ok = !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "patient code {code:?} is not valid: use letters, digits and '-' (for example P-0001), at most 32 characters"
        ))
    }
}
