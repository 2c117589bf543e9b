//! `praxis assess P-0001 fma_ue 34 [--date 2026-11-02] [--notes ...] [--assessor ...] [--state on|off] [--force]`.

use chrono::NaiveDate;

use super::Ctx;
use super::util::open;
use crate::instruments::Shown;
use anyhow::bail;

use crate::domain::{Assessment, rules};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Patient code, e.g. P-0001.
    code: String,
    /// Instrument id (`praxis instruments` lists them), e.g. fma_ue, arat, tug_s.
    instrument: String,
    /// The score, in the instrument's units (a decimal comma is read as a point: 12,5 is 12.5).
    #[arg(allow_negative_numbers = true, value_parser = super::util::decimal)]
    score: f64,
    /// Date of the assessment (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    date: Option<NaiveDate>,
    #[arg(long, default_value = "")]
    notes: String,
    /// Who assessed (default: not recorded; the audit trail records who entered it).
    #[arg(long)]
    assessor: Option<String>,
    /// Medication state of the examination, for instruments scored ON or OFF (MDS-UPDRS III): on or off.
    #[arg(long, value_parser = super::util::named::<crate::domain::MedState>())]
    state: Option<crate::domain::MedState>,
    /// Save a score that looks like a slip anyway: the same score on the same day as another of this instrument,
    /// or a change of more than 3 x the instrument's minimal detectable change within 7 days. Impossible values
    /// are refused regardless.
    #[arg(long)]
    force: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let mut store = open(ctx)?;
    let a = Assessment {
        id: 0,
        patient_code: args.code,
        instrument: args.instrument,
        score: args.score,
        date: args
            .date
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        assessor: args.assessor,
        notes: args.notes,
        med_state: args.state,
    };
    if !args.force {
        // An unknown patient or a bad score is the store's to refuse, with its own message.
        let others = store.assessments(&a.patient_code).unwrap_or_default();
        // A jump is measured against the MDC of the patient's group (a Parkinson's TUG against Huang 2011's).
        let patient = store.patient(&a.patient_code).ok();
        let warnings = rules::assessment_warnings_of(&a, &others, patient.as_ref());
        if !warnings.is_empty() {
            bail!(
                "not saved: this looks wrong: {}. Check it; if it is right, run the command again with --force to \
                 save it anyway",
                rules::warnings_text(&warnings)
            );
        }
    }
    let a = store.add_assessment(&a)?;
    if ctx.json {
        return ctx.print_json(&a);
    }
    let inst = crate::instruments::get(&a.instrument)?;
    let state = a
        .med_state
        .map_or(String::new(), |s| format!(" {}", s.label()));
    println!(
        "Recorded {}{state} {} for {} on {} ({}, {}).",
        inst.short,
        Shown::Stored.of(a.score),
        a.patient_code,
        a.date,
        inst.range_text(),
        inst.better_word()
    );
    Ok(())
}
