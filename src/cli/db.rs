//! `praxis db check` (integrity, schema version, audit chain, counts), `praxis db backup [FILE] [--force]` and
//! `praxis db restore FILE [--yes]` (admin). See `store::backup` for where backups go and how many are kept.

use crate::domain::text::visible;
use std::path::PathBuf;

use anyhow::bail;
use serde::Serialize;

use super::Ctx;
use super::util::{confirm, open, open_existing};
use crate::store::backup::{check_backup_file, open_praxis_file};
use crate::store::{BackupConfig, Counts};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Check the database: SQLite integrity, schema version, audit trail, row counts. Exits non-zero if not sound,
    /// and for a missing, empty or half-written file (it never creates one).
    Check,
    /// Copy the database with SQLite's online backup API (safe while others are working): to FILE, or by default
    /// to a timestamped file in $PRAXIS_BACKUP_DIR (default: backups/ next to the database), keeping the newest
    /// $PRAXIS_BACKUP_KEEP (default 14).
    Backup(BackupArgs),
    /// Replace the database with a backup (admin only): checks the file first and backs up the current database.
    Restore(RestoreArgs),
}

#[derive(Debug, clap::Args)]
struct RestoreArgs {
    file: PathBuf,
    /// Do not ask for confirmation (needed when not on a terminal).
    #[arg(long)]
    yes: bool,
}

#[derive(Debug, clap::Args)]
struct BackupArgs {
    file: Option<PathBuf>,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Serialize)]
struct CheckReport {
    path: String,
    ok: bool,
    schema_version: i64,
    known_schema_version: i64,
    integrity: Vec<String>,
    audit_rows: usize,
    audit_break: Option<String>,
    counts: Counts,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    match args.command {
        Cmd::Check => check(ctx),
        Cmd::Backup(a) => {
            let mut store = open(ctx)?;
            let file = match a.file {
                Some(f) => {
                    store.backup_to(&f, a.force)?;
                    f
                }
                None => store.backup_to_dir(&BackupConfig::from_env(&ctx.db)?)?,
            };
            if ctx.json {
                return ctx.print_json(&serde_json::json!({ "backup": file }));
            }
            println!("Backed up {} to {}.", shown(&ctx.db), shown(&file));
            Ok(())
        }
        Cmd::Restore(a) => restore(ctx, a),
    }
}

/// A file name as shown: the user's text, control characters made visible.
fn shown(p: &std::path::Path) -> String {
    visible(&p.display().to_string()).into_owned()
}

fn restore(ctx: &Ctx, a: RestoreArgs) -> anyhow::Result<()> {
    let mut store = open(ctx)?;
    let config = BackupConfig::from_env(&ctx.db)?;
    // Refuse early, before asking, if it would be refused anyway.
    store.require_admin("restore a backup")?;
    check_backup_file(&a.file)?;
    confirm(
        &format!(
            "Replace {} with {}? Everything saved since that backup is replaced (a backup of the current \
             database is made first).",
            shown(&ctx.db),
            shown(&a.file)
        ),
        a.yes,
    )?;
    let r = store.restore_from(&a.file, &config)?;
    if ctx.json {
        return ctx.print_json(&r);
    }
    println!(
        "Restored {} from {}. The database as it was before is in {}.",
        shown(&ctx.db),
        shown(&r.from),
        shown(&r.previous)
    );
    Ok(())
}

fn check(ctx: &Ctx) -> anyhow::Result<()> {
    // Look before opening: opening would create a missing file, fill an empty one with a new database and roll a
    // half-written copy back to nothing, and the check would then report a sound, empty database.
    if let Err(why) = open_praxis_file(&ctx.db) {
        if !ctx.db.exists() {
            bail!(
                "{}: {why}; `praxis db check` never creates a database (name one with --db or PRAXIS_DB)",
                ctx.db.display()
            );
        }
        bail!(
            "{} is not a Praxis database or is damaged: {why}",
            ctx.db.display()
        );
    }
    let store = open_existing(ctx)?;
    let integrity = store.integrity_check()?;
    let audit = store.verify_audit()?;
    let report = CheckReport {
        path: ctx.db.display().to_string(),
        ok: integrity.is_empty() && audit.is_ok(),
        schema_version: store.schema_version()?,
        known_schema_version: crate::store::SCHEMA_VERSION,
        audit_rows: *audit.as_ref().unwrap_or(&0),
        audit_break: audit.as_ref().err().map(|b| b.to_string()),
        integrity,
        counts: store.counts()?,
    };
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        let c = &report.counts;
        println!("Database:       {}", visible(&report.path));
        println!(
            "Schema version: {} (this Praxis writes {})",
            report.schema_version, report.known_schema_version
        );
        if report.integrity.is_empty() {
            println!("Integrity:      ok");
        } else {
            println!("Integrity:      {} problem(s)", report.integrity.len());
            for p in &report.integrity {
                println!("  {}", visible(p));
            }
        }
        match &report.audit_break {
            None => println!("Audit trail:    intact ({} rows)", report.audit_rows),
            Some(b) => println!("Audit trail:    {b}"),
        }
        let n = crate::domain::text::count;
        println!(
            "Records:        {}, {}, {}, {}, {}",
            n(c.patients, "patient"),
            n(c.assessments, "assessment"),
            n(c.sessions, "session"),
            n(c.plans, "plan"),
            n(c.clinicians, "clinician")
        );
    }
    if !report.ok {
        bail!("the database check found problems (see above)");
    }
    Ok(())
}
