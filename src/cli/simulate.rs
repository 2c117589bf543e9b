//! `praxis simulate SCENARIO.toml [--protocol FILE|ID] [--draws N] [--seed S] [--json]` and
//! `praxis simulate --patient P-0001 [--protocol ID]`: forecast recovery under one protocol (for a patient, the
//! active plan's when no `--protocol` is given).

use std::path::PathBuf;

use super::Ctx;
use super::report;
use crate::app::forecast as uc;
use crate::app::protocols::Library;
use crate::model::forecast::{Forecast, ForecastOptions};
use crate::model::protocol::Protocol;
use crate::model::scenario::Scenario;

/// `--draws N --seed S`, shared by `simulate` and `compare`.
#[derive(Debug, clap::Args)]
pub struct DrawArgs {
    /// Monte Carlo draws per forecast (1-100000).
    #[arg(long, default_value_t = crate::app::forecast::FORECAST_DRAWS, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub draws: u32,
    /// Random seed: the same seed gives the same forecast (and the same patients for every protocol compared).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

impl DrawArgs {
    pub fn options(&self) -> ForecastOptions {
        ForecastOptions {
            draws: self.draws,
            seed: self.seed,
        }
    }
}

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["scenario", "patient"])))]
pub struct Args {
    /// Scenario file (see tests/scenarios/ for examples).
    #[arg(value_name = "SCENARIO.toml")]
    pub scenario: Option<PathBuf>,
    /// Build the scenario from a stored patient's profile and latest assessments instead of a file.
    #[arg(long, value_name = "CODE")]
    pub patient: Option<String>,
    /// Protocol id or protocol file; overrides the scenario's protocol (with --patient: the active plan's).
    #[arg(long, value_name = "FILE|ID")]
    pub protocol: Option<String>,
    #[command(flatten)]
    pub run: DrawArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let lib = Library::load();
    let (scenario, protocol) = match (&args.scenario, &args.patient) {
        (Some(path), _) => {
            let scenario = uc::load_scenario_with_history(&lib, path)?;
            let protocol =
                uc::scenario_protocol(&lib, &scenario, path.parent(), args.protocol.as_deref())?;
            (scenario, protocol)
        }
        (None, Some(code)) => {
            let scenario = uc::scenario_for_patient_with_sessions(
                &ctx.db,
                code,
                args.protocol.as_deref(),
                &lib,
            )?;
            let protocol = uc::scenario_protocol(&lib, &scenario, None, args.protocol.as_deref())?;
            if args.protocol.is_none() {
                match &protocol {
                    Some(p) => eprintln!("note: forecasting {code}'s active plan, {}", p.id),
                    None => eprintln!(
                        "note: {code} has no active plan: forecasting no treatment (give --protocol ID to forecast one)"
                    ),
                }
            }
            (scenario, protocol)
        }
        (None, None) => anyhow::bail!("give a scenario file or --patient CODE"),
    };
    warn_condition(&scenario, protocol.as_ref());
    let forecast = uc::forecast(&scenario, protocol.as_ref(), args.run.options())?;
    if ctx.json {
        return ctx.print_json(&forecast);
    }
    // Names and notes come from the scenario and protocol files: shown, never obeyed.
    print!(
        "{}",
        crate::domain::text::visible_lines(&human(&scenario, &forecast))
    );
    Ok(())
}

/// A note on stderr when the protocol is not meant for the patient's condition.
pub fn warn_condition(scenario: &Scenario, protocol: Option<&Protocol>) {
    if let Some(p) = protocol {
        let kind = scenario.patient.condition.kind();
        if !p.conditions.contains(&kind) {
            eprintln!(
                "note: protocol {} is not designed for {}; forecast with care",
                p.id,
                kind.label()
            );
        }
    }
}

/// The human report of one forecast: headline, table, chart of the primary instrument, notes.
pub fn human(scenario: &Scenario, f: &Forecast) -> String {
    use std::fmt::Write as _;
    let s = &f.summary;
    let mut out = String::new();
    let title = scenario.name.clone().unwrap_or_else(|| "scenario".into());
    let _ = writeln!(out, "{title}");
    let _ = writeln!(out, "Protocol: {}", s.protocol_name);
    let _ = writeln!(
        out,
        "  id {}; {} draws, seed {}",
        s.protocol, s.draws, s.seed
    );
    let _ = writeln!(
        out,
        "  {} sessions, {} repetitions; treatment ends on day {}, follow-up on day {}",
        s.sessions, s.total_repetitions, s.end_of_treatment_day, s.follow_up_day
    );
    out.push_str(&report::evidence_warnings([s]));
    let _ = writeln!(out);
    out.push_str(&report::summary_table(&s.measures, &s.primary));
    if let Some(g) = &scenario.goal
        && let Some(p) = s.measures.get(&g.instrument).and_then(|m| m.p_goal)
    {
        let by = g
            .by_day
            .map_or("the end of treatment".to_string(), |d| format!("day {d}"));
        let _ = writeln!(
            out,
            "Goal {} {} by {by}: reached in {:.0}% of draws.",
            report::short(&g.instrument),
            report::num(&g.instrument, g.target),
            p * 100.0
        );
    }
    if let Some(band) = f.measures.get(&s.primary) {
        let _ = writeln!(out);
        let mut marks = Vec::new();
        if s.sessions > 0 && s.end_of_treatment_day > 0 {
            marks.push((s.end_of_treatment_day, '|'));
        }
        out.push_str(&report::chart(&s.primary, &f.days, band, None, &marks));
        if !marks.is_empty() {
            let _ = writeln!(
                out,
                "        | = end of treatment (day {})",
                s.end_of_treatment_day
            );
        }
    }
    if !s.notes.is_empty() {
        let _ = writeln!(out, "\nWhy:");
        for n in &s.notes {
            out.push_str(&report::wrap(n, 80, "  - ", "    "));
        }
    }
    out
}
