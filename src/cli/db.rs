//! `praxis db check` (integrity, schema version, audit chain, counts) and `praxis db backup FILE [--force]`.

use std::path::PathBuf;

use anyhow::bail;
use serde::Serialize;

use super::Ctx;
use super::util::open;
use crate::store::Counts;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Check the database: SQLite integrity, schema version, audit trail, row counts. Exits non-zero if not sound.
    Check,
    /// Copy the database to FILE with SQLite's online backup API (safe while others are working).
    Backup(BackupArgs),
}

#[derive(Debug, clap::Args)]
struct BackupArgs {
    file: PathBuf,
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
            store.backup_to(&a.file, a.force)?;
            if ctx.json {
                return ctx.print_json(&serde_json::json!({ "backup": a.file }));
            }
            println!("Backed up {} to {}.", ctx.db.display(), a.file.display());
            Ok(())
        }
    }
}

fn check(ctx: &Ctx) -> anyhow::Result<()> {
    let store = open(ctx)?;
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
        println!("Database:       {}", report.path);
        println!(
            "Schema version: {} (this Praxis writes {})",
            report.schema_version, report.known_schema_version
        );
        if report.integrity.is_empty() {
            println!("Integrity:      ok");
        } else {
            println!("Integrity:      {} problem(s)", report.integrity.len());
            for p in &report.integrity {
                println!("  {p}");
            }
        }
        match &report.audit_break {
            None => println!("Audit trail:    intact ({} rows)", report.audit_rows),
            Some(b) => println!("Audit trail:    {b}"),
        }
        println!(
            "Records:        {} patients, {} assessments, {} sessions, {} plans, {} clinicians",
            c.patients, c.assessments, c.sessions, c.plans, c.clinicians
        );
    }
    if !report.ok {
        bail!("the database check found problems (see above)");
    }
    Ok(())
}
