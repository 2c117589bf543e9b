//! `praxis report P-0107 [--kind progress|discharge] [--out FILE] [--pseudonymised]`: the progress report or
//! discharge summary as one self-contained HTML file, audited like an export.

use std::os::fd::AsFd as _;
use std::path::PathBuf;

use super::Ctx;
use super::util::open;
use crate::app::report::{self, Options, ReportKind};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The patient's code, e.g. P-0107.
    code: String,
    /// A progress report, or a discharge summary (adds outcome at discharge against admission and goal attainment).
    #[arg(long, value_parser = super::util::named::<ReportKind>(), default_value = "progress")]
    kind: ReportKind,
    /// Write to this new file (mode 0600; never overwritten) instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Leave out the patient's name, birth year, assessors and free-text notes (the code stays).
    #[arg(long, alias = "pseudonymized")]
    pseudonymised: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    if !crate::store::Store::may_exist(&ctx.db) {
        anyhow::bail!(
            "no database at {}: nothing to report on (check --db or PRAXIS_DB)",
            ctx.db.display()
        );
    }
    let mut store = open(ctx)?;
    let lib = crate::app::protocols::Library::load();
    let now = chrono::Local::now().naive_local();
    let rep = report::build(
        &store,
        &lib,
        &args.code,
        Options::new(args.kind, args.pseudonymised),
        now,
    )?;
    match &args.out {
        None => {
            // Unbuffered, on a duplicate of the descriptor, as `export` writes.
            let fd = std::io::stdout().as_fd().try_clone_to_owned()?;
            let mut stdout = std::fs::File::from(fd);
            report::write_to_stream(&mut store, &rep, &mut stdout)?;
        }
        Some(path) => {
            report::write(&mut store, &rep, path)?;
            if ctx.json {
                ctx.print_json(&serde_json::json!({
                    "patient": rep.patient.code,
                    "kind": rep.kind,
                    "file": path,
                }))?;
            } else {
                println!(
                    "Wrote the {} of {} to {}.",
                    rep.kind.title().to_lowercase(),
                    rep.patient.code,
                    crate::domain::text::visible(&path.display().to_string())
                );
            }
        }
    }
    Ok(())
}
