//! The SQLite patient store: opening, pragmas, migrations, one module per table, and the audit trail.
//!
//! Every user action is one `BEGIN IMMEDIATE` transaction ([`SqliteStore::write`]) that also appends its audit row, so a
//! change and its audit entry are committed together or not at all. Validation happens here, at the boundary, so
//! every front end gets the same messages.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use serde::Serialize;

mod assessments;
pub mod audit;
mod backend;
pub mod backup;
mod clinicians;
mod error;
pub mod export;
mod goals;
mod patients;
pub mod perms;
pub mod pg;
mod plans;
mod records;
pub mod report;
mod schema;
mod sessions;
mod util;
mod who;

pub use audit::{AuditAnchor, AuditBreak, AuditEntry};
pub use backend::{Backend, Deliver, Store};
pub use backup::{BackupConfig, Restored};
pub use clinicians::{Clinician, Role};
pub use error::{Result, StoreError};
pub(crate) use error::{patient_conflict, plan_conflict};
pub use patients::{Erased, PatientBrief, PatientFilter, PatientRow};
pub use records::{
    Correction, HistoryRecord, PlanRecord, RecordKind, RecordMeta, RecordStatus, amend_refused,
    check_reason,
};
pub use schema::LATEST as SCHEMA_VERSION;
pub use sessions::HistoryEntry;
pub use who::Who;

/// How long a writer waits for another process's write lock before giving up with [`StoreError::Busy`].
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// `$XDG_DATA_HOME/praxis/praxis.db` (usually `~/.local/share/praxis/praxis.db`).
pub fn default_db_path() -> anyhow::Result<PathBuf> {
    use etcetera::BaseStrategy as _;
    let base = etcetera::choose_base_strategy()
        .context("cannot find your home directory for the default database; use --db PATH")?;
    Ok(base.data_dir().join("praxis").join("praxis.db"))
}

/// An open Praxis database.
pub struct SqliteStore {
    conn: Connection,
    path: PathBuf,
    who: Who,
    mode: perms::FileMode,
    warnings: Vec<String>,
    /// The protocol library the rules check session and plan protocols against (None: only their spelling).
    protocols: Option<crate::domain::rules::Protocols>,
}

/// Row counts of every table (`praxis db check`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub clinicians: i64,
    pub patients: i64,
    pub assessments: i64,
    pub sessions: i64,
    pub plans: i64,
    pub audit: i64,
}

/// A write transaction with the acting user: the methods on it validate, write and audit.
pub struct Tx<'a> {
    pub(crate) tx: rusqlite::Transaction<'a>,
    pub(crate) who: &'a Who,
    pub(crate) protocols: Option<&'a crate::domain::rules::Protocols>,
}

impl<'a> Tx<'a> {
    /// The rules' context now, for a record of `patient`.
    pub(crate) fn rules<'p>(
        &self,
        patient: Option<&'p crate::domain::Patient>,
    ) -> crate::domain::rules::Context<'p>
    where
        'a: 'p,
    {
        crate::domain::rules::Context::at(chrono::Local::now().naive_local())
            .with_patient(patient)
            .with_protocols(self.protocols)
    }
}

impl SqliteStore {
    /// Open (creating if needed) the database at `path` and bring its schema up to date.
    ///
    /// A new file is created with mode 0600, or 0660 and the group named by `PRAXIS_GROUP` (its -wal and -shm files
    /// too). A file that every user may read or write opens with a warning ([`SqliteStore::warnings`]). A file written by a newer Praxis is refused and left untouched. Before
    /// an existing, non-empty file is migrated, a backup is written next to it. A missing folder is created 0700,
    /// or 2770 with the group. A database without any clinician gets its file's owner as admin when the owner opens
    /// it, which repairs a database whose creation was stopped between its schema and its first admin.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::open_with(path, true)
    }

    /// Open the database at `path`, which must exist already (nothing is created); as [`SqliteStore::open`] otherwise.
    pub fn open_existing(path: &Path) -> Result<SqliteStore> {
        SqliteStore::open_with(path, false)
    }

    fn open_with(path: &Path, create: bool) -> Result<SqliteStore> {
        let mode = perms::FileMode::from_env()?;
        if create {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                && !dir.is_dir()
            {
                mode.create_dir(dir)?;
            }
            mode.create(path)?;
        }
        let warnings: Vec<String> = perms::world_access_warning(path, mode)
            .into_iter()
            .collect();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| StoreError::on_open(e, path))?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // The patient search compares names folded (case and accents dropped): `zoe` finds "Zoë".
        conn.create_scalar_function(
            "praxis_fold",
            1,
            rusqlite::functions::FunctionFlags::SQLITE_UTF8
                | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
            |ctx| {
                let s: Option<String> = ctx.get(0)?;
                Ok(s.map(|s| crate::domain::text::fold(&s)))
            },
        )?;

        // Check the version before anything writes to the file (switching to WAL writes the header).
        let found: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| StoreError::on_open(e, path))?;
        if found > schema::LATEST {
            return Err(StoreError::NewerSchema {
                path: path.to_path_buf(),
                found,
                known: schema::LATEST,
            });
        }
        let objects: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| StoreError::on_open(e, path))?;

        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| StoreError::on_open(e, path))?;
        if mode.gid.is_some() {
            // SQLite creates -wal/-shm with the database's mode but the creator's group: give them the clinic's.
            // Not ours to change when another user created them; they then already have the right group.
            for f in perms::sidecars(path).iter().filter(|f| f.exists()) {
                let _ = mode.apply(f);
            }
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;

        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
            who: Who::current(),
            mode,
            warnings,
            protocols: None,
        };
        if found < schema::LATEST {
            if objects > 0 {
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
                let name = format!(
                    "{}.pre-v{}-{stamp}.bak",
                    path.file_name()
                        .map(|n| n.to_string_lossy())
                        .unwrap_or_default(),
                    schema::LATEST
                );
                store.backup_file(&path.with_file_name(name), false)?;
            }
            store.migrate()?;
        }
        store.ensure_first_admin()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        // IMMEDIATE so two processes opening a new file at once queue on the write lock instead of failing.
        self.conn
            .set_transaction_behavior(TransactionBehavior::Immediate);
        let res = schema::migrations().to_latest(&mut self.conn);
        self.conn
            .set_transaction_behavior(TransactionBehavior::Deferred);
        if let Err(e) = res {
            // Another process may have migrated between our version check and our lock: accept that.
            if self.schema_version()? == schema::LATEST {
                return Ok(());
            }
            return Err(e.into());
        }
        Ok(())
    }

    /// Problems noticed on opening that do not stop work (e.g. a world-readable file), for the front end to show.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Check the protocols of sessions and plans against this library from now on (the front ends pass the one
    /// they load; without it the store checks only a protocol id's spelling).
    pub fn set_protocols(&mut self, protocols: crate::domain::rules::Protocols) {
        self.protocols = Some(protocols);
    }

    /// The library set with [`SqliteStore::set_protocols`].
    pub fn protocols(&self) -> Option<&crate::domain::rules::Protocols> {
        self.protocols.as_ref()
    }

    /// The file this store was opened from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Who is recorded in audit rows written through this store.
    pub fn who(&self) -> &Who {
        &self.who
    }

    /// How long a write waits for another process's lock before failing with [`StoreError::Busy`] (default
    /// [`BUSY_TIMEOUT`]). A screen may prefer a shorter wait and a retry.
    pub fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        Ok(self.conn.busy_timeout(timeout)?)
    }

    /// Act as someone else: for tests and for programs embedding the library. This is not a way around access
    /// control: a process that can call it could as well open the file with sqlite3. The `praxis` binary never
    /// calls it, and takes the identity only from the effective uid (see [`Who::current`]), never from the
    /// environment.
    pub fn set_who(&mut self, who: Who) {
        self.who = who;
    }

    /// Run one user action as one `BEGIN IMMEDIATE` transaction: committed if `f` succeeds, rolled back otherwise.
    ///
    /// Refused with [`StoreError::Forbidden`] unless the acting user is a clinician with a role that may write
    /// (checked inside the transaction, so a role removed meanwhile counts). Admin-only actions check more.
    pub fn write<T>(&mut self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.write_unchecked(|tx| {
            tx.require_writer()?;
            f(tx)
        })
    }

    /// [`SqliteStore::write`] without the role check: creating the first admin, and the audit row of a restore.
    pub(crate) fn write_unchecked<T>(
        &mut self,
        f: impl FnOnce(&mut Tx<'_>) -> Result<T>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut tx = Tx {
            tx,
            who: &self.who,
            protocols: self.protocols.as_ref(),
        };
        let out = f(&mut tx)?;
        tx.tx.commit()?;
        Ok(out)
    }

    /// The read-only connection, for the store's own queries.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// `PRAGMA user_version`: the number of migrations applied.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA data_version`: changes when another connection commits. Poll it to notice other processes' writes.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// `PRAGMA integrity_check` plus a foreign-key check: the problems found, empty when the file is sound.
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let row = row?;
            if row != "ok" {
                problems.push(row);
            }
        }
        let mut stmt = self.conn.prepare("PRAGMA foreign_key_check")?;
        for row in stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Option<i64>>(1)?))
        })? {
            let (table, rowid) = row?;
            problems.push(format!(
                "row {} of {table} refers to a missing record",
                rowid.map_or("?".into(), |r| r.to_string())
            ));
        }
        problems.extend(self.text_not_utf8()?);
        Ok(problems)
    }

    /// Every text field that is not valid UTF-8 (written by another program), by table, row and column.
    fn text_not_utf8(&self) -> Result<Vec<String>> {
        let tables: Vec<String> = self
            .conn
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut problems = Vec::new();
        for table in tables {
            let columns: Vec<String> = self
                .conn
                .prepare(&format!(
                    "SELECT name FROM pragma_table_info('{table}') WHERE type = 'TEXT'"
                ))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            if columns.is_empty() {
                continue;
            }
            let list = columns
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT rowid, {list} FROM \"{table}\""))?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                for (i, column) in columns.iter().enumerate() {
                    if let rusqlite::types::ValueRef::Text(t) = row.get_ref(i + 1)?
                        && std::str::from_utf8(t).is_err()
                    {
                        let rowid: i64 = row.get(0)?;
                        problems.push(format!(
                            "row {rowid} of {table}: {column} is not valid UTF-8 text (written by another program?)"
                        ));
                    }
                }
            }
        }
        Ok(problems)
    }

    pub fn counts(&self) -> Result<Counts> {
        let c = |table: &str| -> Result<i64> {
            Ok(self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok(Counts {
            clinicians: c("clinicians")?,
            patients: c("patients")?,
            assessments: c("assessments")?,
            sessions: c("sessions")?,
            plans: c("plans")?,
            audit: c("audit")?,
        })
    }

    /// Copy the whole database to `dest` with SQLite's online backup API (other processes may keep writing).
    /// Refuses to overwrite an existing file unless `force`. The copy is created with mode 0600. Audited.
    pub fn backup_to(&mut self, dest: &Path, force: bool) -> Result<()> {
        // Refuse before copying anything: whoever may not write may not take copies away either.
        self.write(|_| Ok(()))?;
        self.backup_file(dest, force)?;
        let dest_text = dest.display().to_string();
        self.write(|tx| {
            tx.audit(
                "backup",
                "database",
                &dest_text,
                None,
                None,
                Some(&serde_json::json!({ "file": dest_text })),
            )
        })
    }

    fn backup_file(&self, dest: &Path, force: bool) -> Result<()> {
        let io = |source| StoreError::Io {
            path: dest.to_path_buf(),
            source,
        };
        if dest.exists() && !force {
            return Err(StoreError::Duplicate(format!(
                "{} already exists; choose another file or use --force to overwrite it",
                dest.display()
            )));
        }
        if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty())
            && !dir.is_dir()
        {
            return Err(StoreError::Invalid(format!(
                "cannot write the backup {}: the folder {} does not exist",
                dest.display(),
                dir.display()
            )));
        }
        // Copied under a temporary name, renamed when complete: a copy that was stopped (killed, disk full) is never
        // taken for a backup, nor counted among the ones kept. It is opened without following a symbolic link.
        let mut part = dest.as_os_str().to_owned();
        part.push(format!(".part-{}", std::process::id()));
        let part = PathBuf::from(part);
        // Left by a killed process that had our pid: removing the name never touches what a link points to.
        let _ = std::fs::remove_file(&part);
        if !self.mode.create(&part)? {
            return Err(io(std::io::Error::from(std::io::ErrorKind::AlreadyExists)));
        }
        let copied = (|| -> Result<()> {
            let mut dst = Connection::open_with_flags(
                &part,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NOFOLLOW,
            )
            .map_err(|e| StoreError::on_open(e, &part))?;
            rusqlite::backup::Backup::new(&self.conn, &mut dst)?.run_to_completion(
                100,
                Duration::ZERO,
                None,
            )?;
            Ok(())
        })();
        let renamed = copied.and_then(|()| std::fs::rename(&part, dest).map_err(io));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&part);
        }
        renamed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Condition, OlderAdultFacts, Patient};

    fn patient(code: String) -> Patient {
        Patient {
            id: 0,
            code,
            name: None,
            birth_year: 1945,
            sex: None,
            dominant_hand: None,
            affected_side: None,
            condition: Condition::OlderAdult(OlderAdultFacts::default()),
            notes: "x".repeat(2000),
            created_at: String::new(),
            updated_at: String::new(),
            version: 0,
        }
    }

    #[test]
    fn the_connection_has_the_safety_pragmas() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("p.db")).unwrap();
        let get = |name: &str| -> i64 {
            store
                .conn
                .query_row(&format!("PRAGMA {name}"), [], |r| r.get(0))
                .unwrap()
        };
        assert!(get("busy_timeout") >= 5000);
        assert_eq!(get("synchronous"), 2, "synchronous=FULL");
        assert_eq!(get("foreign_keys"), 1);
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_full_disk_is_reported_in_words_and_keeps_what_was_saved() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("full.db")).unwrap();
        let pages: i64 = store
            .conn
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        // Stand-in for a full disk: the file may not grow past a few more pages.
        store
            .conn
            .pragma_update(None, "max_page_count", pages + 4)
            .unwrap();
        let mut saved = 0;
        let err = loop {
            match store.add_patient(&patient(format!("P-{saved:04}"))) {
                Ok(_) => saved += 1,
                Err(e) => break e,
            }
            assert!(saved < 1000, "the page limit never bit");
        };
        assert!(matches!(err, StoreError::DiskFull), "{err:?}");
        assert!(err.to_string().starts_with("the disk is full"), "{err}");
        assert_eq!(store.counts().unwrap().patients, saved);
        assert!(store.integrity_check().unwrap().is_empty());
        assert!(store.verify_audit().unwrap().is_ok());
    }
}
