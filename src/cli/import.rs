//! `praxis import assessments FILE.csv [--dry-run] [--force]`: every bad row reported by line; nothing imported unless all are
//! valid. `praxis import fhir FILE.json [--dry-run] [--force]`: the same for the Observations of a FHIR R4 Bundle,
//! reported by entry and field path.

use crate::domain::text::{visible, visible_lines};
use std::path::PathBuf;

use anyhow::{Context as _, bail};

use super::Ctx;
use super::util::open;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Import assessments from CSV with columns patient_code,instrument,score,date[,assessor,notes,med_state].
    Assessments(FileArgs),
    /// Import assessments from the Observations of a FHIR R4 Bundle (JSON), all or none (see --help).
    ///
    /// Observations coded with Praxis's instrument code (https://praxis.example/fhir/CodeSystem/instrument) or a
    /// LOINC code Praxis maps (TUG 89423-8, MoCA 72172-0, mRS 75859-9); the patient is matched by Praxis's patient
    /// code, an identifier (https://praxis.example/fhir/NamingSystem/patient-code) of the Patient entry the subject
    /// references or of the subject itself. Observations entered-in-error are skipped. A problem is reported as
    /// `entry[3].resource.valueQuantity.value: ...`.
    Fhir(FileArgs),
}

#[derive(Debug, clap::Args)]
struct FileArgs {
    file: PathBuf,
    /// Check every row and report, but write nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import rows that look like slips anyway: the same score on the same day as another, or a change of more
    /// than 3 x the instrument's minimal detectable change within 7 days. Impossible values are refused regardless.
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let a = match args.command {
        Cmd::Assessments(a) => a,
        Cmd::Fhir(a) => return fhir(ctx, a),
    };
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let mut store = open(ctx)?;
    let file = a.file.display().to_string();
    let today = chrono::Local::now().date_naive();
    let report = crate::app::import::import_assessments(
        &mut store, &bytes, &file, a.dry_run, a.force, today,
    )?;
    // The file's name as shown: it is the user's text (the audit keeps it exact).
    let file_raw = file;
    let file = visible(&file_raw).into_owned();
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        for e in &report.errors {
            eprintln!("{file}: {}", visible_lines(&e.to_string()));
        }
        if report.errors.is_empty() {
            if a.dry_run {
                println!(
                    "{file}: all {} row(s) are valid; nothing imported (dry run).",
                    report.rows
                );
            } else {
                println!("Imported {} assessment(s) from {file}.", report.imported);
            }
        }
    }
    if !report.errors.is_empty() {
        bail!(
            "{file}: {} bad row(s); nothing was imported",
            report.errors.len()
        );
    }
    Ok(())
}

/// `praxis import fhir FILE [--dry-run] [--force]`.
fn fhir(ctx: &Ctx, a: FileArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&a.file).with_context(|| format!("cannot read {}", a.file.display()))?;
    let mut store = open(ctx)?;
    let file_raw = a.file.display().to_string();
    let today = chrono::Local::now().date_naive();
    let report =
        crate::app::import_fhir::import(&mut store, &bytes, &file_raw, a.dry_run, a.force, today)?;
    let file = visible(&file_raw).into_owned();
    if ctx.json {
        ctx.print_json(&report)?;
    } else {
        for e in &report.errors {
            eprintln!("{file}: {}", visible_lines(&e.to_string()));
        }
        let skipped = match report.skipped {
            0 => String::new(),
            n => format!("; {n} entered-in-error Observation(s) skipped"),
        };
        if report.errors.is_empty() {
            if a.dry_run {
                println!(
                    "{file}: all {} Observation(s) are valid{skipped}; nothing imported (dry run).",
                    report.observations
                );
            } else {
                println!(
                    "Imported {} assessment(s) from {file}{skipped}.",
                    report.imported
                );
            }
        }
    }
    if !report.errors.is_empty() {
        bail!(
            "{file}: {} problem(s); nothing was imported",
            report.errors.len()
        );
    }
    Ok(())
}
