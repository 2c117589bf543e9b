//! `praxis export patients|assessments|sessions [--format csv|json] [--pseudonymised] [--since DATE]
//! [--until DATE] [--out FILE]`, and `praxis export fhir [CODE] [--pseudonymised] [--out FILE]` (a FHIR R4 Bundle).

use std::os::fd::AsFd as _;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::Ctx;
use super::util::open;
use crate::app::export::Format;
use crate::store::export::{ExportKind, Period};

/// What to export: a table (patients, assessments, sessions) or a FHIR R4 Bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
enum What {
    Patients,
    Assessments,
    Sessions,
    Fhir,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to export; `fhir` writes a FHIR R4 Bundle (JSON) of one patient or all (see --help).
    ///
    /// `fhir`: a Bundle of type collection with the Patient, their Condition, an Observation per assessment (LOINC
    /// where confirmed, and Praxis's instrument code; voided ones `entered-in-error`, corrected ones `amended`), a
    /// Procedure per therapy session (dose as extensions), a CarePlan per plan and a Goal per goal.
    #[arg(value_parser = super::util::named::<What>())]
    kind: What,
    /// `fhir` only: the patient to export (default: every patient).
    #[arg(value_name = "CODE")]
    patient: Option<String>,
    /// CSV or JSON (default CSV); not for `fhir`, which is JSON. CSV cells are safe for spreadsheets (see --help).
    ///
    /// CSV: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a
    /// spreadsheet shows it as text instead of running it as a formula (OWASP's advice on CSV injection). Number
    /// columns (score, day, minutes, ...) are left as they are, so a negative number stays a number. Control
    /// characters and bidirectional overrides in text are written visibly (`\u{1b}`; newlines and tabs are kept),
    /// so the CSV is safe to print on a terminal. JSON is the exact stored text.
    #[arg(long, value_parser = super::util::named::<Format>())]
    format: Option<Format>,
    /// For research partners: no names, notes or exact dates (see --help).
    ///
    /// Drops names, notes, assessors, clinicians and record times; the birth year becomes a 5-year band
    /// ("1955-1959"). Exact dates become day numbers counted from each patient's day 0, the date of their first
    /// dated record (stroke onset if known, else the first assessment or session): assessments and sessions carry
    /// `day` instead of `date` / `started_at`, and the stroke onset date becomes `onset_month` (YYYY-MM) and
    /// `onset_day`. So days since onset are `day - onset_day`, and one patient's day numbers agree across exports.
    #[arg(long, alias = "pseudonymized")]
    pseudonymised: bool,
    /// Only records dated (patients: changed) on or after this day.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    since: Option<NaiveDate>,
    /// Only records dated (patients: changed) on or before this day.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    until: Option<NaiveDate>,
    /// Write to this new file (mode 0600; never overwritten) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let kind = match args.kind {
        What::Patients => ExportKind::Patients,
        What::Assessments => ExportKind::Assessments,
        What::Sessions => ExportKind::Sessions,
        What::Fhir => return fhir(ctx, &args),
    };
    if let Some(code) = &args.patient {
        anyhow::bail!(
            "unexpected argument {:?}: only `export fhir` takes a patient code; the {} export has every patient \
             (filter by date with --since and --until)",
            crate::domain::text::visible(code),
            <&str>::from(args.kind)
        );
    }
    let format = args.format.unwrap_or(Format::Csv);
    let period = Period {
        since: args.since,
        until: args.until,
    };
    if let (Some(since), Some(until)) = (args.since, args.until)
        && since > until
    {
        anyhow::bail!("--since {since} is after --until {until}: no record can be in that period");
    }
    let mut store = open(ctx)?;
    match &args.out {
        None => {
            // Unbuffered, on a duplicate of the descriptor: every byte counted as written reached the pipe.
            let fd = std::io::stdout().as_fd().try_clone_to_owned()?;
            let mut stdout = std::fs::File::from(fd);
            crate::app::export::export_to_stream(
                &mut store,
                kind,
                format,
                args.pseudonymised,
                period,
                &mut stdout,
            )?;
        }
        Some(path) => {
            let n = crate::app::export::export(
                &mut store,
                kind,
                format,
                args.pseudonymised,
                period,
                path,
            )?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "exported": n, "file": path }))?;
            } else {
                println!(
                    "Exported {n} record(s) to {}.",
                    crate::domain::text::visible(&path.display().to_string())
                );
            }
        }
    }
    Ok(())
}

/// `praxis export fhir [CODE] [--pseudonymised] [--out FILE]`.
fn fhir(ctx: &Ctx, args: &Args) -> anyhow::Result<()> {
    use crate::app::export::fhir::{Destination, export};
    if args.format.is_some() {
        anyhow::bail!("--format is not for `export fhir`: a FHIR Bundle is always JSON");
    }
    if args.since.is_some() || args.until.is_some() {
        anyhow::bail!(
            "--since and --until are not for `export fhir`: the Bundle holds the patient's whole record"
        );
    }
    let mut store = open(ctx)?;
    let code = args.patient.as_deref();
    match &args.out {
        None => {
            let fd = std::io::stdout().as_fd().try_clone_to_owned()?;
            let mut stdout = std::fs::File::from(fd);
            export(
                &mut store,
                code,
                args.pseudonymised,
                Destination::Stream(&mut stdout),
            )?;
        }
        Some(path) => {
            let n = export(
                &mut store,
                code,
                args.pseudonymised,
                Destination::File(path),
            )?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({ "exported": n, "file": path }))?;
            } else {
                println!(
                    "Exported a FHIR Bundle of {n} resource(s) to {}.",
                    crate::domain::text::visible(&path.display().to_string())
                );
            }
        }
    }
    Ok(())
}
