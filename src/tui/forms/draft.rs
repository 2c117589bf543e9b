//! A form as a draft keeps it: the JSON shape every Praxis since drafts began writes (`kind`, `patient_code`, the
//! choice row's `choices` and `choice`, every row's text in `fields`, `focus`, ...). Each form reads its own
//! fields from it and writes them back in the same places, so a draft kept by an older build reopens in this one,
//! and the other way round.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::{Patient, Plan};
use crate::tui::widgets::TextField;

/// Which form a draft is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormKind {
    Assessment,
    Session,
    NewPatient,
    EditPatient,
    EditPlan,
    /// The plan set from a comparison (not kept as a draft today: it lives over the comparison).
    NewPlan,
    /// A new goal of the plan.
    Goal,
    /// A Goal Attainment Scaling review of a goal.
    GoalReview,
}

/// A form as kept in a draft file. Rows are by position here only: each form maps them to its named fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormDraft {
    pub kind: FormKind,
    pub patient_code: String,
    /// The choice row's ids (instruments, conditions, protocols).
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub choice: usize,
    /// Every row's text, the choice row's too.
    pub fields: Vec<TextField>,
    pub focus: usize,
    /// Show every field's error (after a save was tried).
    #[serde(default)]
    pub tried: bool,
    /// Message from a refused save.
    #[serde(default)]
    pub save_error: Option<String>,
    /// Assessment: last score per instrument, for the hint line.
    #[serde(default)]
    pub last_scores: Vec<(String, f64, NaiveDate)>,
    /// Patient editor: the record as read (its version is what the save checks).
    #[serde(default)]
    pub original: Option<Box<Patient>>,
    /// Patient editor: the version someone else saved meanwhile.
    #[serde(default)]
    pub theirs: Option<Box<Patient>>,
    /// Plan editor: the active plan as read.
    #[serde(default)]
    pub plan: Option<Plan>,
    /// Plan editor: the version someone else saved meanwhile.
    #[serde(default)]
    pub theirs_plan: Option<Plan>,
    /// The day the form was opened.
    #[serde(default)]
    pub opened_on: Option<NaiveDate>,
}

impl FormDraft {
    /// A draft of `kind` for `patient_code` with these rows; the rest empty, for each form to fill in.
    pub fn new(kind: FormKind, patient_code: &str, fields: Vec<TextField>) -> FormDraft {
        FormDraft {
            kind,
            patient_code: patient_code.to_string(),
            choices: Vec::new(),
            choice: 0,
            fields,
            focus: 0,
            tried: false,
            save_error: None,
            last_scores: Vec::new(),
            original: None,
            theirs: None,
            plan: None,
            theirs_plan: None,
            opened_on: None,
        }
    }

    /// The rows, if there are exactly `n` of them (a draft kept by a Praxis whose form had other rows is not
    /// reopened: its text could land in the wrong field).
    pub fn rows<const N: usize>(&self) -> Option<[TextField; N]> {
        self.fields.clone().try_into().ok()
    }
}
