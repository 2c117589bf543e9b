//! Backups and restore.
//!
//! `praxis db backup` copies the live database with SQLite's online backup API (others may keep working) into the
//! backup directory (`PRAXIS_BACKUP_DIR`, default `backups/` next to the database), named by UTC timestamp, and
//! keeps the newest `PRAXIS_BACKUP_KEEP` (default 14). `praxis db restore FILE` (admin only) checks the file's
//! integrity and schema version, takes the live database's write lock, backs up the current database under that lock,
//! then copies the file into the live database with the backup API in the same write transaction (so other processes
//! see either the old or the new database, never a mix, and no write falls between the two copies), brings its
//! schema up to date and audits the restore. Every backup and restore is audited.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use serde::Serialize;

use super::error::{Result, StoreError};
use super::{SqliteStore, schema};

pub const DIR_ENV: &str = "PRAXIS_BACKUP_DIR";
pub const KEEP_ENV: &str = "PRAXIS_BACKUP_KEEP";
pub const DEFAULT_KEEP: usize = 14;

/// Where automatic backups go and how many are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupConfig {
    pub dir: PathBuf,
    pub keep: usize,
}

impl BackupConfig {
    /// From `PRAXIS_BACKUP_DIR` and `PRAXIS_BACKUP_KEEP`, with the defaults for the database at `db`.
    pub fn from_env(db: &Path) -> Result<BackupConfig> {
        let dir = match std::env::var_os(DIR_ENV) {
            Some(d) if !d.is_empty() => PathBuf::from(d),
            _ => db
                .parent()
                .unwrap_or_else(|| Path::new("."))
                .join("backups"),
        };
        let keep = match std::env::var(KEEP_ENV) {
            Ok(k) if !k.trim().is_empty() => match k.trim().parse::<usize>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    return Err(StoreError::Invalid(format!(
                        "{KEEP_ENV}={k}: give how many backups to keep, a whole number of at least 1"
                    )));
                }
            },
            _ => DEFAULT_KEEP,
        };
        Ok(BackupConfig { dir, keep })
    }
}

/// What a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Restored {
    pub from: PathBuf,
    /// The backup of the database as it was just before the restore.
    pub previous: PathBuf,
    pub schema_version: i64,
}

fn stem(db: &Path) -> String {
    db.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "praxis".into())
}

/// Check that `file` is a sound Praxis database this version can read; its schema version.
pub fn check_backup_file(file: &Path) -> Result<i64> {
    let bad =
        |why: String| StoreError::Invalid(format!("{} cannot be restored: {why}", file.display()));
    let conn = open_praxis_file(file).map_err(bad)?;
    let sound: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| StoreError::on_open(e, file))?;
    if sound != "ok" {
        return Err(bad(format!("it is damaged ({sound})")));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > schema::LATEST {
        return Err(StoreError::NewerSchema {
            path: file.to_path_buf(),
            found: version,
            known: schema::LATEST,
        });
    }
    Ok(version)
}

/// Open `file` read-only if it is a Praxis database, creating and changing nothing (not even rolling back a
/// half-written copy); else why it is not one: missing, empty, half-written (a copy or `db backup` that was
/// stopped), not SQLite, or another program's database.
pub fn open_praxis_file(file: &Path) -> std::result::Result<Connection, String> {
    let meta = match std::fs::metadata(file) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err("there is no such file".into());
        }
        Err(e) => return Err(format!("cannot read it ({e})")),
    };
    if !meta.is_file() {
        return Err("it is not a file".into());
    }
    if meta.len() == 0 {
        return Err(
            "it is empty (0 bytes), not a database; a `praxis db backup` that was stopped leaves such a file"
                .into(),
        );
    }
    let mut journal = file.as_os_str().to_owned();
    journal.push("-journal");
    if std::fs::metadata(&journal).is_ok_and(|m| m.len() > 0) {
        return Err(format!(
            "it is half-written: {} is next to it, so a copy into it (e.g. a `praxis db backup`) was stopped \
             midway",
            Path::new(&journal).display()
        ));
    }
    let mut wal = file.as_os_str().to_owned();
    wal.push("-wal");
    let conn = if Path::new(&wal).exists() {
        // In use (or left by a crash): read it with its write-ahead log, whose files exist already.
        Connection::open_with_flags(
            file,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
    } else {
        // A plain reader of a WAL-mode file would create its -wal and -shm: read it as a file nobody changes.
        let escaped: String = file
            .to_string_lossy()
            .chars()
            .map(|c| match c {
                '%' | '?' | '#' => format!("%{:02X}", c as u32),
                c => c.to_string(),
            })
            .collect();
        Connection::open_with_flags(
            format!("file:{escaped}?immutable=1"),
            OpenFlags::SQLITE_OPEN_READ_ONLY
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_URI,
        )
    }
    .map_err(|e| format!("cannot open it ({e})"))?;
    let not_praxis = || "it is not a Praxis database".to_string();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => not_praxis(),
            _ => format!("it is damaged or half-written ({e})"),
        })?;
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('patients', 'audit', 'clinicians')",
            [],
            |r| r.get(0),
        )
        .map_err(|e| format!("it is damaged or half-written ({e})"))?;
    if version < 1 || tables != 3 {
        return Err(not_praxis());
    }
    Ok(conn)
}

impl SqliteStore {
    /// Back up into `config.dir` under a timestamped name, then delete the oldest backups of this database beyond
    /// `config.keep`. Audited. Returns the new file.
    pub fn backup_to_dir(&mut self, config: &BackupConfig) -> Result<PathBuf> {
        let (dest, stem) = self.next_backup_name(config)?;
        self.backup_to(&dest, false)?;
        prune(&config.dir, &stem, config.keep)?;
        Ok(dest)
    }

    /// The backup directory (created if needed) and a new timestamped file name in it, with the database's stem
    /// (which names its backups for pruning).
    fn next_backup_name(&self, config: &BackupConfig) -> Result<(PathBuf, String)> {
        self.mode.create_dir(&config.dir)?;
        let stem = stem(self.path());
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
        Ok((config.dir.join(format!("{stem}-{stamp}.db")), stem))
    }

    /// Replace the live database with `file` (admin only); see the module documentation.
    ///
    /// Nothing committed is lost in between: the restore first takes the live database's write lock (the backup
    /// API's first step, copying no page yet), copies the database as it now is to the pre-restore backup while
    /// holding that lock, then copies `file` in and commits. Another process's write therefore lands either before
    /// the lock (and is in the pre-restore backup) or after the restore (and is in the restored database); it waits
    /// for the lock meanwhile (up to its busy timeout), as for any other writer. Readers keep reading the old
    /// database until the restore commits.
    ///
    /// The restore is one commit with its audit row: `file` is first copied into memory and brought up to date
    /// there, the `restore` row is appended to that copy (naming the replaced database's audit head: its row count
    /// and last hash, and the pre-restore backup that keeps those rows), and only then is the copy written over the
    /// live database. A restore stopped at any point (killed, power lost) leaves the live database as it was, or
    /// restored with its audit row; never restored without it.
    pub fn restore_from(&mut self, file: &Path, config: &BackupConfig) -> Result<Restored> {
        self.require_admin("restore a backup")?;
        let version = check_backup_file(file)?;
        let (previous, stem) = self.next_backup_name(config)?;
        if previous.exists() {
            return Err(StoreError::Duplicate(format!(
                "{} already exists; try again",
                previous.display()
            )));
        }
        let staged = stage(file)?;
        let (live, mode) = (self.path().to_path_buf(), self.mode);
        let timeout = super::BUSY_TIMEOUT;
        let copied = {
            let backup = rusqlite::backup::Backup::new(&staged, &mut self.conn)?;
            // Zero pages: only take the live database's write lock, kept until the copy is done.
            let start = std::time::Instant::now();
            loop {
                match backup.step(0)? {
                    rusqlite::backup::StepResult::More | rusqlite::backup::StepResult::Done => {
                        break;
                    }
                    _ if start.elapsed() < timeout => std::thread::sleep(Duration::from_millis(20)),
                    _ => return Err(StoreError::Busy),
                }
            }
            // Nobody can commit now: keep the database as it is, note its audit head, then replace it in one step.
            let keep = || -> Result<(i64, String)> {
                mode.create(&previous)?;
                let reader = Connection::open_with_flags(&live, OpenFlags::SQLITE_OPEN_READ_ONLY)
                    .map_err(|e| StoreError::on_open(e, &live))?;
                let head = audit_head(&reader)?;
                let mut copy = Connection::open_with_flags(
                    &previous,
                    OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NOFOLLOW,
                )
                .map_err(|e| StoreError::on_open(e, &previous))?;
                let b = rusqlite::backup::Backup::new(&reader, &mut copy)?;
                match b.step(-1)? {
                    rusqlite::backup::StepResult::Done => Ok(head),
                    _ => Err(StoreError::Busy),
                }
            };
            let record = |(rows, head): (i64, String)| -> Result<()> {
                let from = file.display().to_string();
                let prev = previous.display().to_string();
                // The restored database may not know the admin who restored it: record the restore regardless.
                let tx = rusqlite::Transaction::new_unchecked(
                    &staged,
                    rusqlite::TransactionBehavior::Immediate,
                )?;
                let mut tx = super::Tx {
                    tx,
                    who: &self.who,
                    protocols: None,
                };
                tx.audit(
                    "restore",
                    "database",
                    &from,
                    None,
                    None,
                    Some(&serde_json::json!({
                        "file": from,
                        "previous": prev,
                        "schema_version": version,
                        "replaced_audit_rows": rows,
                        "replaced_audit_head": head,
                    })),
                )?;
                Ok(tx.tx.commit()?)
            };
            keep()
                .and_then(record)
                .and_then(|()| match backup.step(-1)? {
                    rusqlite::backup::StepResult::Done => Ok(()),
                    _ => Err(StoreError::Busy),
                })
        };
        drop(staged);
        if let Err(e) = copied {
            // The live database is unchanged (the restore's transaction was never committed).
            let _ = std::fs::remove_file(&previous);
            return Err(e);
        }
        prune(&config.dir, &stem, config.keep)?;
        Ok(Restored {
            from: file.to_path_buf(),
            previous,
            schema_version: schema::LATEST,
        })
    }
}

/// `file` copied into memory and brought up to the current schema: what a restore writes over the live database.
fn stage(file: &Path) -> Result<Connection> {
    let src = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::on_open(e, file))?;
    let mut staged = Connection::open_in_memory()?;
    {
        let b = rusqlite::backup::Backup::new(&src, &mut staged)?;
        match b.step(-1)? {
            rusqlite::backup::StepResult::Done => {}
            _ => return Err(StoreError::Busy),
        }
    }
    schema::migrations().to_latest(&mut staged)?;
    Ok(staged)
}

/// The audit trail's row count and last hash (empty when it has no row).
fn audit_head(conn: &Connection) -> Result<(i64, String)> {
    Ok(conn.query_row(
        "SELECT count(*), coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), '') FROM audit",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// A half-written backup (`….db.part-PID`) untouched this long was left by a process that was killed or lost power:
/// the copy writes its pages continuously, so a live one is modified every few milliseconds.
const STALE_PART: Duration = Duration::from_secs(3600);

/// Delete the oldest `{stem}-*.db` backups in `dir` beyond `keep` (names sort by time), and this database's
/// half-written copies that no process has touched for [`STALE_PART`]. A stale copy that cannot be deleted (another
/// user's, in a folder with the sticky bit) is left for its owner's next backup.
fn prune(dir: &Path, stem: &str, keep: usize) -> Result<()> {
    remove_stale_parts(dir, stem);
    let io = |source| StoreError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let prefix = format!("{stem}-");
    let mut ours: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io)?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.strip_prefix(&prefix)
                    .and_then(|rest| rest.strip_suffix("Z.db"))
                    .is_some_and(|t| {
                        t.len() >= 15 && t.as_bytes()[..8].iter().all(u8::is_ascii_digit)
                    })
            })
        })
        .collect();
    ours.sort();
    let extra = ours.len().saturating_sub(keep);
    for old in &ours[..extra] {
        std::fs::remove_file(old).map_err(|source| StoreError::Io {
            path: old.clone(),
            source,
        })?;
    }
    Ok(())
}

fn remove_stale_parts(dir: &Path, stem: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{stem}-");
    for e in entries.filter_map(|e| e.ok()) {
        let name = e.file_name();
        let is_part = name.to_str().is_some_and(|n| {
            n.starts_with(&prefix)
                && n.rsplit_once(".db.part-").is_some_and(|(_, pid)| {
                    !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())
                })
        });
        // symlink_metadata: a link named like a part file is judged (and removed) as the link, never its target.
        let stale = || {
            e.path()
                .symlink_metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_PART))
        };
        if is_part && stale() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}
