//! The audit row of a patient report (`praxis report`, the overview's `R`): audited like an export, in the same
//! transaction that delivers the file, so a report exists only with its audit row.

use super::SqliteStore;
use super::error::Result;

/// The audit row's action: a report is data leaving the database, as an export is.
pub const REPORT_ACTION: &str = "export";
/// The audit row's entity.
pub const REPORT_ENTITY: &str = "report";

impl SqliteStore {
    /// Append the audit row of a report about patient `code` going to `destination` (a file, or standard output),
    /// with `details` (kind, pseudonymised, destination), then call `deliver` (which writes it) in the same
    /// transaction: if `deliver` fails nothing is audited, because nothing left. Refused, like an export, to a user
    /// who may not write. The row carries the patient's code, so erasing the patient erases it too. Returns the
    /// row's id.
    pub fn report_with(
        &mut self,
        code: &str,
        destination: &str,
        details: &serde_json::Value,
        deliver: &mut dyn FnMut() -> Result<()>,
    ) -> Result<i64> {
        self.write(|tx| {
            tx.audit(
                REPORT_ACTION,
                REPORT_ENTITY,
                destination,
                Some(code),
                None,
                Some(details),
            )?;
            let row = tx.tx.last_insert_rowid();
            deliver()?;
            Ok(row)
        })
    }
}
