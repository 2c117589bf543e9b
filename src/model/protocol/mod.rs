//! Rehabilitation protocols: the schema of a `protocols/*.toml` file (`schema.rs`), and its parsing and validation
//! (`validate.rs`), whose problems [`super::diagnostics`] places at a line and column of the file.

pub(crate) mod keys;
mod schema;
mod validate;

pub use super::diagnostics::{Diagnostic, FileError, Problem, Seg};
pub use schema::*;
pub use validate::{parse, validate};

/// A protocol file that cannot be used.
pub type ProtocolError = FileError;
