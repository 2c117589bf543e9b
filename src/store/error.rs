//! SqliteStore errors, worded for a therapist: what went wrong and what to do about it.

use std::path::PathBuf;

use rusqlite::ErrorCode;

use crate::domain::{Patient, Plan};

/// Everything the store can refuse or fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another process held the write lock for longer than the busy timeout.
    #[error("the database is busy (another Praxis is writing); try again")]
    Busy,
    #[error("{path} is not a Praxis database or is damaged (corrupt); restore it from a backup")]
    NotADatabase { path: PathBuf },
    #[error(
        "{path} was written by a newer Praxis (schema version {found}; this Praxis knows up to {known}); \
         upgrade Praxis to open it. The file was not changed."
    )]
    NewerSchema {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "the database is read-only (check the permissions of the file and its folder); nothing was saved"
    )]
    ReadOnly,
    #[error(
        "the disk is full (or the database reached its size limit); nothing was saved. Free some space and try again"
    )]
    DiskFull,
    /// Optimistic concurrency: someone saved the record after it was read.
    #[error("{}", patient_conflict(mine, theirs))]
    Conflict {
        mine: Box<Patient>,
        theirs: Box<Patient>,
    },
    #[error("{}", plan_conflict(mine, theirs))]
    PlanConflict { mine: Box<Plan>, theirs: Box<Plan> },
    /// Bad input, refused before anything was written. The message names the field and the rule.
    #[error("{0}")]
    Invalid(String),
    /// A value refused by the rules every entry point shares ([`crate::domain::rules`]); it names the field.
    #[error(transparent)]
    Rule(#[from] crate::domain::rules::RuleError),
    /// The record was corrected or voided (by someone else, or earlier) since it was read: only a current record
    /// can be corrected or voided. The message names the record, who changed it and the current version.
    #[error("{0}")]
    NotCurrent(String),
    /// A record that does not exist, e.g. "no patient with code P-0099".
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Duplicate(String),
    /// The acting OS user may not do this (not a clinician, read-only, or not an admin). Nothing was written.
    #[error("{0}")]
    Forbidden(String),
    #[error("cannot use {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("could not upgrade the database schema: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    /// The PostgreSQL server refused or failed; the message is the server's (it names the rule or the object).
    #[error("{0}")]
    Server(String),
    /// The PostgreSQL server cannot be reached.
    #[error(
        "cannot reach the database server ({0}); nothing was saved. Check that it is running, or ask the clinic's IT"
    )]
    Unreachable(String),
}

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> StoreError {
        match e.as_db_error() {
            Some(db)
                if db.code() == &postgres::error::SqlState::INSUFFICIENT_PRIVILEGE
                    && db.message().contains("row-level security") =>
            {
                StoreError::Forbidden(
                    "this record belongs to a site you are not granted: an admin grants it with `praxis clinician \
                     add USER --role ROLE --site SITE`"
                        .into(),
                )
            }
            Some(db) if db.code() == &postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => {
                StoreError::Forbidden(db.message().to_string())
            }
            Some(db) if db.code() == &postgres::error::SqlState::NO_DATA_FOUND => {
                StoreError::NotFound(db.message().to_string())
            }
            Some(db) if db.code() == &postgres::error::SqlState::T_R_SERIALIZATION_FAILURE => {
                StoreError::NotCurrent(db.message().to_string())
            }
            Some(db) if db.code() == &postgres::error::SqlState::INVALID_PARAMETER_VALUE => {
                StoreError::Invalid(db.message().to_string())
            }
            // Connection exceptions (08) and operator intervention (57: shutdown, a terminated session).
            Some(db) if ["08", "57"].iter().any(|class| db.code().code().starts_with(class)) => {
                StoreError::Unreachable(db.message().to_string())
            }
            Some(db) => StoreError::Server(db.message().to_string()),
            // Not the server's answer: a value that did not convert is a program error; anything else (a closed
            // connection, an I/O error, a timeout) means the server could not be reached.
            None if e.to_string().contains("serializing") => StoreError::Server(e.to_string()),
            None => StoreError::Unreachable(e.to_string()),
        }
    }
}

/// What to say when someone saved the patient `theirs` after `mine` was read.
pub(crate) fn patient_conflict(mine: &Patient, theirs: &Patient) -> String {
    format!(
        "patient {} was changed by someone else while you were editing it (you edited version {}, the saved record \
         is now version {}); nothing was saved. Look at the saved record and make your change again",
        mine.code, mine.version, theirs.version
    )
}

/// What to say when someone saved the plan `theirs` after `mine` was read.
pub(crate) fn plan_conflict(mine: &Plan, theirs: &Plan) -> String {
    format!(
        "the plan of patient {} was changed by someone else (you edited version {}, the saved plan is now version \
         {}); nothing was saved",
        mine.patient_code, mine.version, theirs.version
    )
}

/// What to say when a text read from the database is not UTF-8 (another program wrote it).
pub(crate) const NOT_UTF8: &str = "the database holds text that is not valid UTF-8, so another program must have \
     written it; nothing was changed. `praxis db check` names the record and field; fix them with sqlite3 or restore \
     a backup";

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::Utf8Error(..) = e {
            return StoreError::Invalid(NOT_UTF8.into());
        }
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy,
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly,
            Some(ErrorCode::DiskFull) => StoreError::DiskFull,
            _ => StoreError::Sqlite(e),
        }
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => StoreError::from(err),
            other => StoreError::Migration(other.to_string()),
        }
    }
}

impl StoreError {
    /// Map an error met while opening `path`, where "not a database" and "corrupt" deserve the file's name.
    pub(crate) fn on_open(e: rusqlite::Error, path: &std::path::Path) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                StoreError::NotADatabase {
                    path: path.to_path_buf(),
                }
            }
            Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => StoreError::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    "cannot open the database file",
                ),
            },
            _ => StoreError::from(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
