//! The use cases' error: what a front end needs to tell apart (a conflict to show side by side, a record no longer
//! current, bad input) as typed variants, worded for a therapist. `anyhow` is used only by the front ends.

use crate::domain::rules::RuleError;
use crate::domain::{Patient, Plan};
use crate::store::{StoreError, patient_conflict, plan_conflict};

/// Everything a use case can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Optimistic concurrency: someone saved the patient after `mine` was read; `theirs` is the saved one.
    #[error("{}", patient_conflict(mine, theirs))]
    PatientConflict {
        mine: Box<Patient>,
        theirs: Box<Patient>,
    },
    /// Someone saved the plan after `mine` was read; `theirs` is the saved one.
    #[error("{}", plan_conflict(mine, theirs))]
    PlanConflict { mine: Box<Plan>, theirs: Box<Plan> },
    /// The record was already corrected or voided: only a current record can be.
    #[error("{0}")]
    NotCurrent(String),
    /// Bad input, refused before anything was written; the message names the field.
    #[error("{0}")]
    Invalid(String),
    /// A value refused by the shared rules ([`crate::domain::rules`]); it names the field.
    #[error(transparent)]
    Rule(#[from] RuleError),
    /// Anything else the store refused or failed with.
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { mine, theirs } => AppError::PatientConflict { mine, theirs },
            StoreError::PlanConflict { mine, theirs } => AppError::PlanConflict { mine, theirs },
            StoreError::NotCurrent(m) => AppError::NotCurrent(m),
            StoreError::Invalid(m) => AppError::Invalid(m),
            StoreError::Rule(r) => AppError::Rule(r),
            other => AppError::Store(other),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
