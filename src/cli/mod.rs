//! The command line: one module per subcommand. Human output by default, `--json` for machines; errors go to
//! stderr with a non-zero exit status.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::domain::text;

pub mod assess;
pub mod audit;
pub mod clinician;
pub mod compare;
pub mod db;
pub mod demo;
pub mod export;
pub mod goal;
pub mod history;
pub mod import;
pub mod instruments;
pub mod log;
pub mod patient;
pub mod plan;
pub mod protocols;
pub mod records;
pub mod report;
pub mod report_cmd;
pub mod server;
pub mod simulate;
pub mod util;

/// Praxis: plan neuro-rehabilitation, log therapy, forecast recovery and compare protocols.
///
/// Run without a subcommand to open the terminal interface.
#[derive(Debug, Parser)]
#[command(name = "praxis", version, about, long_about = None)]
pub struct Cli {
    /// Database file (default: $XDG_DATA_HOME/praxis/praxis.db).
    #[arg(long, global = true, env = "PRAXIS_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Add, list, show and edit patients.
    Patient(patient::Args),
    /// Record an assessment score: `praxis assess P-0001 fma_ue 34`.
    Assess(assess::Args),
    /// Log a therapy session.
    Log(log::Args),
    /// Assessments and sessions of one patient in date order.
    History(history::Args),
    /// Set or show a patient's treatment plan.
    Plan(plan::Args),
    /// A plan's goals and their Goal Attainment Scaling: add, review (-2..+2), list with the GAS T-score.
    Goal(goal::Args),
    /// Correct an assessment, session or plan: a new version with a reason; the old one is kept.
    Correct(records::CorrectArgs),
    /// Void an assessment, session or plan entered in error (kept, with the reason, in `history --all`).
    Void(records::VoidArgs),
    /// Fill the database with realistic demo patients.
    Demo(demo::Args),
    /// Database maintenance: integrity check, backup.
    Db(db::Args),
    /// Who may do what: add clinicians, list them, change roles (admins).
    Clinician(clinician::Args),
    /// The outcome measures Praxis knows, with ranges and MCIDs.
    Instruments(instruments::Args),
    /// Forecast recovery under one protocol.
    Simulate(simulate::Args),
    /// Forecast several protocols on the same patient and rank them.
    Compare(compare::Args),
    /// List and check protocol files.
    Protocols(protocols::Args),
    /// The audit trail: who changed what, when; `--verify` checks its hash chain.
    Audit(audit::Args),
    /// Export patients, assessments or sessions as CSV or JSON, or a FHIR R4 Bundle (optionally pseudonymised).
    Export(export::Args),
    /// Import assessments from CSV or a FHIR R4 Bundle (all or none).
    Import(import::Args),
    /// A patient's progress report or discharge summary as one HTML file (audited like an export).
    Report(report_cmd::Args),
    /// The PostgreSQL server mode: `praxis server init --db postgresql:///praxis?host=/run/postgresql`.
    Server(server::Args),
    /// Sites of a PostgreSQL server (a group of clinics): `praxis site add north --name "North clinic"`.
    Site(server::SiteArgs),
}

/// What every subcommand gets: where the database is and how to print.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub db: PathBuf,
    pub json: bool,
}

impl Ctx {
    /// The PostgreSQL URL `--db` (or `PRAXIS_DB`) gives, when it names a server rather than a file.
    pub fn server_url(&self) -> Option<&str> {
        self.db.to_str().filter(|d| crate::store::pg::is_url(d))
    }

    /// Print a value as pretty JSON on stdout: the exact values, with every character a terminal would obey
    /// written as a JSON escape ([`text::json_safe`]).
    pub fn print_json<T: serde::Serialize>(&self, value: &T) -> anyhow::Result<()> {
        println!("{}", text::json_safe(&serde_json::to_string_pretty(value)?));
        Ok(())
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout and usage errors to stderr, with the right exit code.
            if e.use_stderr() {
                usage_error(&e);
            } else {
                let _ = e.print();
            }
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Errors quote the user's text (a code, a file name, a CSV cell): never obeyed by the terminal.
            eprintln!("praxis: {}", text::visible_lines(&format!("{e:#}")));
            ExitCode::FAILURE
        }
    }
}

/// Print a usage error. It quotes the argument it refused, which is the user's text, and clap would write it raw to
/// the terminal: when an argument holds a character the terminal would obey, the error is made again from the
/// arguments with those characters escaped, and printed plainly (without clap's colours).
fn usage_error(e: &clap::Error) {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let hostile = args
        .iter()
        .any(|a| a.to_str().is_none_or(|s| s.chars().any(text::is_hidden)));
    if !hostile {
        let _ = e.print();
        return;
    }
    let shown = args
        .iter()
        .map(|a| text::visible(&a.to_string_lossy()).into_owned());
    let msg = match Cli::try_parse_from(shown) {
        Err(again) => again.render().to_string(),
        Ok(_) => e.render().to_string(),
    };
    eprint!("{}", text::visible_lines(&msg));
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let db = match cli.db {
        Some(p) => p,
        None => crate::store::default_db_path()?,
    };
    let ctx = Ctx { db, json: cli.json };
    if cli.command.is_some() {
        if !matches!(cli.command, Some(Command::Export(_) | Command::Report(_))) {
            util::end_quietly_on_closed_pipe();
        }
        util::exit_on_signals();
    }
    match cli.command {
        None => crate::tui::run(&ctx.db),
        Some(Command::Patient(a)) => patient::run(&ctx, a),
        Some(Command::Assess(a)) => assess::run(&ctx, a),
        Some(Command::Log(a)) => log::run(&ctx, a),
        Some(Command::History(a)) => history::run(&ctx, a),
        Some(Command::Plan(a)) => plan::run(&ctx, a),
        Some(Command::Goal(a)) => goal::run(&ctx, a),
        Some(Command::Correct(a)) => records::correct(&ctx, a),
        Some(Command::Void(a)) => records::void(&ctx, a),
        Some(Command::Demo(a)) => demo::run(&ctx, a),
        Some(Command::Db(a)) => db::run(&ctx, a),
        Some(Command::Clinician(a)) => clinician::run(&ctx, a),
        Some(Command::Instruments(a)) => instruments::run(&ctx, a),
        Some(Command::Simulate(a)) => simulate::run(&ctx, a),
        Some(Command::Compare(a)) => compare::run(&ctx, a),
        Some(Command::Protocols(a)) => protocols::run(&ctx, a),
        Some(Command::Audit(a)) => audit::run(&ctx, a),
        Some(Command::Export(a)) => export::run(&ctx, a),
        Some(Command::Import(a)) => import::run(&ctx, a),
        Some(Command::Report(a)) => report_cmd::run(&ctx, a),
        Some(Command::Server(a)) => server::run(&ctx, a),
        Some(Command::Site(a)) => server::site(&ctx, a),
    }
}
