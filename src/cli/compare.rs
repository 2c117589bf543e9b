//! `praxis compare SCENARIO.toml PROTOCOL... [--at DAYS] [--instrument ID] [--draws N] [--seed S] [--json]` and
//! `praxis compare --patient P-0107 PROTOCOL... [--at DAYS] [--instrument ID]`: rank protocols on one patient,
//! every one read on the same days (the end of the longest protocol and the follow-up) next to no treatment.

use std::fmt::Write as _;
use std::path::Path;

use super::Ctx;
use super::report::{self, num, short};
use super::simulate::{DrawArgs, warn_condition};
use crate::app::forecast as uc;
use crate::app::protocols::Library;
use crate::app::verdict;
use crate::domain::text::cut;
use crate::instruments::{self, Shown};
use crate::model::fair::{self, Fair, FairRow, follow_up_name};
use crate::model::forecast::{Comparison, ProtocolForecast};
use crate::model::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A scenario file (see tests/scenarios/) followed by the protocol ids or files to compare; with --patient,
    /// the protocols only.
    #[arg(value_name = "[SCENARIO.toml] PROTOCOL", required = true, num_args = 1..)]
    pub items: Vec<String>,
    /// Compare for a stored patient (profile, assessments and logged sessions) instead of a scenario file.
    #[arg(long, value_name = "CODE")]
    pub patient: Option<String>,
    /// Follow-up: days after the latest assessment at which protocols are ranked (42 = 6 weeks, 90 = 3 months,
    /// 180 = 6 months). Default: the scenario's follow_up_day; for a patient, the date of the plan's nearest goal
    /// still ahead, else 3 months.
    #[arg(long, value_name = "DAYS")]
    pub at: Option<u32>,
    /// The instrument to compare on (id or common name: fma_ue, arat, tug, berg); default: the first protocol's
    /// first measure with a baseline.
    #[arg(long, value_name = "ID")]
    pub instrument: Option<String>,
    #[command(flatten)]
    pub run: DrawArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let lib = Library::load();
    let (mut scenario, specs) = match &args.patient {
        Some(code) => (
            uc::scenario_for_patient_with_sessions(&ctx.db, code, None, &lib)?,
            &args.items[..],
        ),
        None => match &args.items[..] {
            [file, rest @ ..] if !rest.is_empty() => {
                (uc::load_scenario_with_history(&lib, Path::new(file))?, rest)
            }
            _ => anyhow::bail!(
                "give a scenario file and at least one protocol (praxis compare SCENARIO.toml PROTOCOL...), or --patient CODE and the protocols"
            ),
        },
    };
    match args.at {
        Some(day) => uc::set_follow_up(&mut scenario, day)?,
        None if args.patient.is_some() && scenario.follow_up_day.is_none() => {
            let day = uc::default_follow_up(&scenario);
            uc::set_follow_up(&mut scenario, day)?
        }
        None => {}
    }
    let instrument = match &args.instrument {
        Some(name) => Some(
            instruments::get(name)
                .map_err(|e| anyhow::anyhow!("--instrument: {e}"))?
                .id,
        ),
        None => None,
    };
    // The comparison ranks, warns and reports on the chosen instrument, not only its table.
    scenario.primary = instrument.map(String::from);
    let protocols = uc::resolve_all(&lib, specs)?;
    for p in &protocols {
        warn_condition(&scenario, Some(p));
    }
    let mut cmp = uc::compare(&scenario, &protocols, args.run.options())?;
    if let Some(id) = instrument {
        cmp.fair = Some(Box::new(
            fair::fair(&cmp, id, uc::follow_up_of(&scenario)).ok_or_else(|| {
                anyhow::anyhow!(
                    "--instrument {id}: there is no baseline {} score to forecast from (forecast: {})",
                    short(id),
                    cmp.protocols
                        .first()
                        .map(|p| p.measures.keys().cloned().collect::<Vec<_>>().join(", "))
                        .unwrap_or_default()
                )
            })?,
        ));
    }
    if ctx.json {
        return ctx.print_json(&json(&cmp)?);
    }
    // Names and notes come from the scenario and protocol files: shown, never obeyed.
    print!(
        "{}",
        crate::domain::text::visible_lines(&human(&scenario, &cmp))
    );
    Ok(())
}

/// `compare --json`: the comparison as the engine gives it, extended with what the text says too (QA 9): each
/// protocol's (and no treatment's) `sessions`, the SESS column; and among the top-level `warnings`, after the
/// comparison's own, every protocol's evidence warning (`summary.warnings`, the text's WARNING lines), once each.
/// Every key of [`Comparison`] is kept.
fn json(cmp: &Comparison) -> anyhow::Result<serde_json::Value> {
    let mut v = serde_json::to_value(cmp)?;
    let mut warnings = cmp.warnings.clone();
    for w in cmp.protocols.iter().flat_map(|p| &p.summary.warnings) {
        if !warnings.contains(w) {
            warnings.push(w.clone());
        }
    }
    if !warnings.is_empty() {
        v["warnings"] = serde_json::json!(warnings);
    }
    let with_sessions = |entry: &mut serde_json::Value, pf: &ProtocolForecast| {
        if let Some(o) = entry.as_object_mut() {
            o.insert("sessions".into(), pf.summary.sessions.into());
        }
    };
    if let Some(entries) = v["protocols"].as_array_mut() {
        for (entry, pf) in entries.iter_mut().zip(&cmp.protocols) {
            with_sessions(entry, pf);
        }
    }
    if let Some(none) = &cmp.no_treatment {
        with_sessions(&mut v["no_treatment"], none);
    }
    Ok(v)
}

/// The comparison read at common moments: `cmp.fair`, else computed on its primary instrument at the scenario's
/// follow-up (a comparison straight from the engine).
fn fair_of(scenario: &Scenario, cmp: &Comparison) -> Option<Fair> {
    cmp.fair
        .as_deref()
        .cloned()
        .or_else(|| fair::fair(cmp, &cmp.primary, uc::follow_up_of(scenario)))
}

/// The human report of a comparison: the conclusion first, then the table at common moments with no treatment as
/// reference, the goal, the reasons, and the chart of the favoured protocol with each protocol's end marked.
pub fn human(scenario: &Scenario, cmp: &Comparison) -> String {
    let mut out = String::new();
    let title = scenario.name.clone().unwrap_or_else(|| "scenario".into());
    let Some(f) = fair_of(scenario, cmp) else {
        let _ = writeln!(out, "{title}\nNo protocol forecasts {}.", cmp.primary);
        return out;
    };
    let id = f.instrument.as_str();
    let inst = instruments::get(id).ok();
    let first = cmp.protocols.first().map(|p| &p.summary);
    let _ = writeln!(
        out,
        "{title}\n{} compared on {} ({}); {} draws, seed {}\n",
        match cmp.protocols.len() {
            1 => "1 protocol".to_string(),
            n => format!("{n} protocols"),
        },
        short(id),
        inst.map_or("", |i| i.better_word()),
        first.map_or(0, |s| s.draws),
        first.map_or(0, |s| s.seed)
    );
    let conclusion = verdict::conclusion(cmp, &f, true);
    for l in &conclusion.lines {
        out.push_str(&report::wrap(l, 80, "", ""));
    }
    for w in &conclusion.warnings {
        out.push_str(&report::wrap(w, 80, "⚠ ", "  "));
    }
    out.push_str(&report::evidence_warnings(
        cmp.protocols.iter().map(|p| &p.summary),
    ));
    // The plan under way runs only what is left of its schedule; the others a whole course from today.
    if let Some((plan, done)) = &scenario.plan_done
        && cmp.protocols.iter().any(|p| &p.id == plan)
    {
        let others = if cmp.protocols.len() > 1 {
            "; the others are forecast as a whole course from today"
        } else {
            ""
        };
        out.push_str(&report::wrap(
            &format!(
                "{plan} is the plan under way: {done} of its sessions are done and only the rest is forecast (SESS){others}."
            ),
            80,
            "",
            "",
        ));
    }
    out.push('\n');
    out.push_str(&table(cmp, &f));
    goal_lines(&mut out, scenario, cmp, &f);
    out.push_str(&plan_goals(scenario, cmp));
    if let Some(best) = f.rows.first() {
        let notes = verdict::own_notes(cmp, &best.protocol);
        if !notes.is_empty() {
            let _ = writeln!(out, "\nWhy, according to the model ({}):", best.protocol);
            for n in &notes {
                out.push_str(&report::wrap(n, 80, "  - ", "    "));
            }
        }
    }
    chart(&mut out, cmp, &f);
    out
}

/// The ranking at common moments, no treatment last as the reference, and what the columns mean.
fn table(cmp: &Comparison, f: &Fair) -> String {
    let mut out = String::new();
    let id = f.instrument.as_str();
    let (e, fu) = (f.end_of_longest_day, f.follow_up_day);
    let word = instruments::get(id).map_or("MCID", |i| i.mcid_word_for(f.mcid));
    // The two moments in time order (a follow-up may come before the longest protocol ends).
    let early_fu = fu < e;
    let (d1, d2) = if early_fu { (fu, e) } else { (e, fu) };
    let pair = |r: &FairRow| {
        let (a, b) = (r.at_end_of_longest, r.at_follow_up);
        if early_fu { (b, a) } else { (a, b) }
    };
    let _ = writeln!(
        out,
        "{:<2} {:<23} {:>4} {:>4} {:>7} {:>7} {:>7} {:>11} {:>6}",
        "#",
        "PROTOCOL",
        "SESS",
        "ENDS",
        format!("DAY {d1}"),
        format!("DAY {d2}"),
        "VS NONE",
        format!("80% DAY {fu}"),
        format!("S>{word}")
    );
    let change = |x: f64| instruments::show(id, x, Shown::Change);
    let line = |rank: String, name: &str, r: &FairRow, to_mcid: String| {
        format!(
            "{:<2} {:<23} {:>4} {:>4} {:>7} {:>7} {:>7} {:>11} {:>6}\n",
            rank,
            cut(name, 23),
            r.sessions,
            if r.sessions == 0 {
                "-".to_string()
            } else {
                format!("d{}", r.end_of_treatment_day)
            },
            change(pair(r).0),
            change(pair(r).1),
            r.over_no_treatment.map_or("-".into(), change),
            format!(
                "{}-{}",
                num(id, r.band_follow_up[0]),
                num(id, r.band_follow_up[1])
            ),
            to_mcid
        )
    };
    for (rank, r) in f.rows.iter().enumerate() {
        let to_mcid = cmp
            .protocols
            .iter()
            .find(|p| p.id == r.protocol)
            .and_then(|p| p.summary.measures.get(id))
            .and_then(|m| m.sessions_to_mcid)
            .map_or("-".into(), |n| n.to_string());
        out.push_str(&line((rank + 1).to_string(), &r.protocol, r, to_mcid));
    }
    // The day the median forecast without treatment passes the same MCID: sessions counted to it are then not the
    // treatment's doing (spontaneous recovery after stroke).
    let none_day = fair::no_treatment_passes(cmp, id, f.mcid);
    if let Some(none) = &f.no_treatment {
        let passes = none_day.map_or("-".into(), |d| format!("d{d}"));
        out.push_str(&line(String::new(), "(no treatment)", none, passes));
    }
    let untreated = none_day.map_or(String::new(), |d| {
        format!(
            " Without treatment the median forecast passes it too, on day {d}: sessions counted to it are not all the treatment's doing; VS NONE is."
        )
    });
    let text = format!(
        "Improvement in {} since the latest assessment (+ = better, whatever the scale's direction), mean: on DAY {e}, the end of the longest protocol, and on DAY {fu}, the follow-up ({}; --at DAYS picks another). VS NONE = beyond no treatment at the follow-up. 80% = band of the score then. S>{word} = sessions until the median forecast passes {}.{untreated}",
        short(id),
        follow_up_name(fu),
        verdict::mcid_phrase(id, f.mcid)
    );
    out.push_str(&report::wrap(&text, 80, "", ""));
    out
}

/// The probability of each of a stored patient's goals (`Scenario::plan_goals`) under each protocol, e.g.
/// "  Berg 45 by day 70: usual-care 41%, balance-gait-older 77%". Empty for a scenario without them.
fn plan_goals(scenario: &Scenario, cmp: &Comparison) -> String {
    let mut out = String::new();
    for g in &scenario.plan_goals {
        let Ok(inst) = crate::instruments::get(&g.instrument) else {
            continue;
        };
        let by = g.by_day.unwrap_or_default();
        let per: Vec<String> = cmp
            .ranking
            .iter()
            .map(|pid| {
                let p = cmp
                    .protocols
                    .iter()
                    .find(|p| &p.id == pid)
                    .and_then(|pf| pf.summary.measures.get(inst.id))
                    .and_then(|m| {
                        m.goals
                            .iter()
                            .find(|c| c.by_day == by && c.target == g.target)
                    })
                    .and_then(|c| c.p);
                match p {
                    Some(p) => format!("{pid} {:.0}%", p * 100.0),
                    None => format!("{pid} -"),
                }
            })
            .collect();
        if out.is_empty() {
            out.push_str("\nProbability of reaching the plan's goals:\n");
        }
        let _ = writeln!(
            out,
            "  {} {} by day {by}: {}",
            inst.short,
            num(inst.id, g.target),
            per.join(", ")
        );
    }
    out
}

/// The probability of reaching the scenario's goal under each protocol (the goal's own instrument and day).
fn goal_lines(out: &mut String, scenario: &Scenario, cmp: &Comparison, f: &Fair) {
    let Some(g) = &scenario.goal else { return };
    let ps: Vec<(&str, f64)> = f
        .ranking
        .iter()
        .filter_map(|pid| {
            let pf = cmp.protocols.iter().find(|p| &p.id == pid)?;
            let p = pf.summary.measures.get(&g.instrument)?.p_goal?;
            Some((pid.as_str(), p))
        })
        .collect();
    if ps.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\nProbability of reaching the goal ({} {}):",
        short(&g.instrument),
        num(&g.instrument, g.target)
    );
    for (pid, p) in ps {
        let _ = writeln!(out, "  {pid:<26} {:>4.0}%", p * 100.0);
    }
}

/// The chart of the favoured protocol, no treatment as a dotted reference, each protocol's end marked by its rank.
fn chart(out: &mut String, cmp: &Comparison, f: &Fair) {
    let id = f.instrument.as_str();
    let Some(best) = f.rows.first() else { return };
    let Some(band) = cmp
        .protocols
        .iter()
        .find(|p| p.id == best.protocol)
        .and_then(|p| p.measures.get(id))
    else {
        return;
    };
    let reference = cmp
        .no_treatment
        .as_deref()
        .and_then(|n| n.measures.get(id))
        .map(|b| b.mean.as_slice());
    let marks: Vec<(u32, char)> = f
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.sessions > 0 && r.end_of_treatment_day > 0)
        .filter_map(|(i, r)| {
            Some((
                r.end_of_treatment_day,
                char::from_digit(u32::try_from(i + 1).ok()?, 10)?,
            ))
        })
        .collect();
    let _ = writeln!(out, "\n{} under {}:", short(id), best.protocol);
    out.push_str(&report::chart(id, &cmp.days, band, reference, &marks));
    let legend: Vec<String> = f
        .rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.sessions > 0 && r.end_of_treatment_day > 0)
        .map(|(i, r)| {
            format!(
                "{} = end of {} (day {})",
                i + 1,
                r.protocol,
                r.end_of_treatment_day
            )
        })
        .collect();
    if !legend.is_empty() {
        out.push_str(&report::wrap(
            &legend.join("; "),
            80,
            "        ",
            "        ",
        ));
    }
}
