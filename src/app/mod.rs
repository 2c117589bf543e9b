//! Use cases: one module per thing a therapist does, glue between the store and the model.
//!
//! Front ends (cli/, tui/) call these or [`crate::store::Store`] methods; they never hold SQL.

pub mod demo;
pub mod error;
pub mod export;
pub mod forecast;
pub mod goals;
pub mod import;
pub mod import_fhir;
pub mod levels;
pub mod patients;
pub mod progress;
pub mod protocols;
pub mod records;
pub mod report;
pub mod verdict;

pub use error::AppError;
