//! The use cases' error: what a front end needs to tell apart (a conflict to show side by side, a record no longer
//! current, bad input) as typed variants, worded for a therapist. `anyhow` is used only by the front ends.

use std::path::PathBuf;

use crate::domain::rules::RuleError;
use crate::domain::{Patient, Plan};
use crate::model::diagnostics::FileError;
use crate::model::forecast::Cancelled;
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
    /// A protocol or scenario file with problems, each at its line and column.
    #[error(transparent)]
    File(#[from] FileError),
    /// A file that could not be read (`what` says which kind: "scenario file").
    #[error("cannot read {what} {}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A protocol named by a path that is not there.
    #[error("protocol file {0:?} not found")]
    ProtocolFileNotFound(String),
    /// A protocol id the library does not have; `known` lists the ids it has.
    #[error("unknown protocol {spec:?}; known protocols: {known}")]
    UnknownProtocol { spec: String, known: String },
    /// A protocol of the library whose file has problems.
    #[error("protocol {spec:?} has errors:\n{errors}")]
    BrokenProtocol { spec: String, errors: FileError },
    /// The same protocol named twice for one comparison.
    #[error("protocol {0:?} is named twice")]
    ProtocolTwice(String),
    /// The scenario file's own `protocol` could not be resolved (the cause follows).
    #[error("the scenario's `protocol`")]
    ScenarioProtocol(#[source] Box<AppError>),
    /// A scenario file whose `[[history]]` could not be resolved (the cause follows).
    #[error("scenario file {}", path.display())]
    InScenario {
        path: PathBuf,
        #[source]
        source: Box<AppError>,
    },
    /// The protocol of the scenario's `block`-th `[[history]]` block could not be resolved (the cause follows).
    #[error("history[{block}].protocol")]
    HistoryProtocol {
        block: usize,
        #[source]
        source: Box<AppError>,
    },
    /// A forecast of a patient without a single score to start from.
    #[error(
        "patient {code} has no assessments; record at least one baseline score first (praxis assess {code} fma_ue 20)"
    )]
    NoAssessments { code: String },
    /// A command that reads patients, run where there is no database yet.
    #[error("no database at {}; add patients first (praxis patient add ...) or pass --db PATH", .0.display())]
    NoDatabase(PathBuf),
    /// A forecast stopped through its [`crate::model::forecast::Control`].
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
    /// An export could not be rendered (the message says why).
    #[error("cannot write the export: {0}")]
    ExportRender(String),
    /// An export to a stream was cut short after it was audited; the message says how far it got and what the
    /// audit trail records.
    #[error("{0}")]
    ExportIncomplete(String),
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
