//! One store, two backends (issue 13): the operations every front end uses, as the [`Backend`] trait, with a SQLite
//! implementation ([`SqliteStore`], the default: one file) and a PostgreSQL one ([`super::pg::PgStore`], a clinic
//! server whose roles and audit the database itself enforces). [`Store`] holds either; `app/`, the CLI and the TUI
//! call its methods and do not know which backend answers.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::{Result, StoreError};
use super::export::{ExportData, ExportKind, Period};
use super::{
    AuditAnchor, AuditBreak, AuditEntry, BackupConfig, Clinician, Correction, Counts, Erased,
    HistoryEntry, HistoryRecord, PatientBrief, PatientFilter, PatientRow, PlanRecord, RecordKind,
    RecordMeta, Restored, Role, SqliteStore, Tx, Who,
};
use crate::domain::rules::Protocols;
use crate::domain::{Assessment, Goal, GoalReview, Patient, Plan, SessionLog};

/// What [`Backend::export_with`] hands the export to: writes it (a file, standard output, memory).
pub type Deliver<'a> = &'a mut dyn FnMut(&ExportData) -> std::result::Result<(), StoreError>;

/// Declares [`Backend`] from one list of its operations and implements it for [`SqliteStore`] by calling the
/// inherent methods of the same name (whose documentation says what each does), so the list is written once.
macro_rules! backend {
    (
        read { $( $(#[$ra:meta])* fn $r:ident($($rn:ident: $rt:ty),*) -> $rr:ty; )* }
        write { $( $(#[$wa:meta])* fn $w:ident($($wn:ident: $wt:ty),*) -> $wr:ty; )* }
    ) => {
        /// The store's operations: reads on `&self`, changes on `&mut self` (each one transaction, audited).
        pub trait Backend: Send {
            $( $(#[$ra])* fn $r(&self, $($rn: $rt),*) -> $rr; )*
            $( $(#[$wa])* fn $w(&mut self, $($wn: $wt),*) -> $wr; )*
            /// Where the data is, for messages: the file, or the server and database.
            fn location(&self) -> String;
            /// The SQLite store, for what only a file can do (the demo's bulk load, file-level tests).
            fn as_sqlite_mut(&mut self) -> Option<&mut SqliteStore> {
                None
            }
        }

        impl Backend for SqliteStore {
            $( fn $r(&self, $($rn: $rt),*) -> $rr { SqliteStore::$r(self, $($rn),*) } )*
            $( fn $w(&mut self, $($wn: $wt),*) -> $wr { SqliteStore::$w(self, $($wn),*) } )*
            fn location(&self) -> String {
                self.path().display().to_string()
            }
            fn as_sqlite_mut(&mut self) -> Option<&mut SqliteStore> {
                Some(self)
            }
        }
    };
}

backend! {
    read {
        /// The acting user, as recorded in the audit trail.
        fn who() -> &Who;
        /// Problems noticed on opening that do not stop work.
        fn warnings() -> &[String];
        /// The protocol library sessions and plans are checked against.
        fn protocols() -> Option<&Protocols>;
        fn schema_version() -> Result<i64>;
        /// Changes when anyone commits a change: poll it to notice other users' writes.
        fn data_version() -> Result<i64>;
        fn integrity_check() -> Result<Vec<String>>;
        fn counts() -> Result<Counts>;
        fn role() -> Result<Option<Role>>;
        fn require_admin(what: &str) -> Result<()>;
        fn clinicians() -> Result<Vec<Clinician>>;
        fn patient(code: &str) -> Result<Patient>;
        fn list_patients(filter: &PatientFilter) -> Result<Vec<PatientRow>>;
        fn list_briefs(filter: &PatientFilter) -> Result<Vec<PatientRow<PatientBrief>>>;
        fn assessments(code: &str) -> Result<Vec<Assessment>>;
        fn sessions(code: &str, limit: Option<usize>) -> Result<Vec<SessionLog>>;
        fn history(code: &str) -> Result<Vec<HistoryEntry>>;
        fn history_records(code: &str, all: bool) -> Result<Vec<HistoryRecord>>;
        fn active_plan(code: &str) -> Result<Option<Plan>>;
        fn plans(code: &str) -> Result<Vec<Plan>>;
        /// Every version of every plan of the patient, with its record status.
        fn plan_records(code: &str) -> Result<Vec<PlanRecord>>;
        fn goals(code: &str) -> Result<Vec<Goal>>;
        fn goal_reviews(code: &str) -> Result<Vec<GoalReview>>;
        /// Every goal of the patient with its standing (corrected and voided ones too).
        fn goal_records(code: &str) -> Result<Vec<(Goal, RecordMeta)>>;
        /// Every GAS review of the patient's goals with its standing, by date.
        fn goal_review_records(code: &str) -> Result<Vec<(GoalReview, RecordMeta)>>;
        /// A text that changes whenever anything a forecast of the patient depends on changes.
        fn records_version(code: &str) -> Result<String>;
        fn assessment_record(id: i64) -> Result<(Assessment, RecordMeta)>;
        fn session_record(id: i64) -> Result<(SessionLog, RecordMeta)>;
        fn plan_record(id: i64) -> Result<PlanRecord>;
        fn goal_record(id: i64) -> Result<(Goal, RecordMeta)>;
        fn goal_review_record(id: i64) -> Result<(GoalReview, RecordMeta)>;
        fn audit(patient: Option<&str>) -> Result<Vec<AuditEntry>>;
        fn verify_audit() -> Result<std::result::Result<usize, AuditBreak>>;
        fn audit_anchor() -> Result<AuditAnchor>;
        fn verify_audit_with_anchor(anchor: &AuditAnchor) -> Result<std::result::Result<usize, AuditBreak>>;
    }
    write {
        fn set_protocols(protocols: Protocols) -> ();
        /// Act as someone else: tests and embedding programs only (see [`SqliteStore::set_who`]).
        fn set_who(who: Who) -> ();
        fn set_busy_timeout(timeout: Duration) -> Result<()>;
        fn add_clinician(os_user: &str, display_name: &str, role: Role) -> Result<Clinician>;
        fn set_role(os_user: &str, role: Role) -> Result<Clinician>;
        fn remove_clinician(os_user: &str) -> Result<()>;
        fn add_patient(p: &Patient) -> Result<Patient>;
        fn update_patient(p: &Patient) -> Result<Patient>;
        fn delete_patient(code: &str) -> Result<Erased>;
        fn add_assessment(a: &Assessment) -> Result<Assessment>;
        fn add_session(s: &SessionLog) -> Result<SessionLog>;
        fn set_plan(plan: &Plan) -> Result<Plan>;
        fn update_plan(plan: &Plan) -> Result<Plan>;
        fn add_goal(g: &Goal) -> Result<Goal>;
        fn add_goal_review(r: &GoalReview) -> Result<GoalReview>;
        fn correct_record(c: &Correction, reason: &str) -> Result<i64>;
        fn void_record(kind: RecordKind, id: i64, reason: &str) -> Result<RecordMeta>;
        fn import_assessments(rows: &[Assessment], file: &str) -> Result<usize>;
        fn export_with(
            kind: ExportKind,
            period: Period,
            pseudonymised: bool,
            destination: &str,
            deliver: Deliver<'_>
        ) -> Result<(usize, i64)>;
        /// Audit an export the caller reads and renders itself (FHIR), handing `deliver` the pseudonyms and day 0
        /// when `pseudonymised`; see [`SqliteStore::export_audited`].
        fn export_audited(
            kind: &str,
            patient: Option<&str>,
            rows: usize,
            pseudonymised: bool,
            destination: &str,
            deliver: Deliver<'_>
        ) -> Result<i64>;
        /// Audit a report about patient `code` and deliver it in the same transaction (see
        /// [`SqliteStore::report_with`]).
        fn report_with(
            code: &str,
            destination: &str,
            details: &serde_json::Value,
            deliver: &mut dyn FnMut() -> Result<()>
        ) -> Result<i64>;
        fn audit_export_incomplete(export_row: i64, destination: &str, details: &serde_json::Value) -> Result<i64>;
        fn backup_to(dest: &Path, force: bool) -> Result<()>;
        fn backup_to_dir(config: &BackupConfig) -> Result<PathBuf>;
        fn restore_from(file: &Path, config: &BackupConfig) -> Result<Restored>;
    }
}

/// An open Praxis database, on either backend.
pub struct Store(Box<dyn Backend>);

impl Store {
    /// Open (creating if needed) the SQLite database at `path`; see [`SqliteStore::open`].
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Store(Box::new(SqliteStore::open(path)?)))
    }

    /// Open the SQLite database at `path`, which must exist; see [`SqliteStore::open_existing`].
    pub fn open_existing(path: &Path) -> Result<Store> {
        Ok(Store(Box::new(SqliteStore::open_existing(path)?)))
    }

    /// Open what `db` names: a PostgreSQL connection URL (`postgresql:///praxis?host=/run/postgresql`) or a SQLite
    /// file (created if needed unless `existing`).
    pub fn open_db(db: &Path, existing: bool) -> Result<Store> {
        match db.to_str().filter(|d| super::pg::is_url(d)) {
            Some(url) => Ok(Store(Box::new(super::pg::PgStore::connect(url)?))),
            None if existing => Store::open_existing(db),
            None => Store::open(db),
        }
    }

    /// Whether `db` may name a database: a PostgreSQL URL (the server answers for it), or a file that exists.
    pub fn may_exist(db: &Path) -> bool {
        db.to_str().is_some_and(super::pg::is_url) || db.exists()
    }

    /// Run `f` as one write transaction on the SQLite backend (the demo's bulk load; tests). On a server, refused
    /// with a message naming `what`.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        match self.0.as_sqlite_mut() {
            Some(s) => s.write(f),
            None => Err(StoreError::Invalid(
                "this works only on a SQLite database file, not on a PostgreSQL server".into(),
            )),
        }
    }
}

impl From<SqliteStore> for Store {
    fn from(s: SqliteStore) -> Store {
        Store(Box::new(s))
    }
}

impl Deref for Store {
    type Target = dyn Backend;
    fn deref(&self) -> &(dyn Backend + 'static) {
        &*self.0
    }
}

impl DerefMut for Store {
    fn deref_mut(&mut self) -> &mut (dyn Backend + 'static) {
        &mut *self.0
    }
}
