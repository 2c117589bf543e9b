//! `praxis compare SCENARIO.toml PROTOCOL... [--draws N] [--seed S] [--json]`: rank protocols on one scenario.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::Ctx;
use super::report::{self, improvement, num, short};
use super::simulate::{DrawArgs, warn_condition};
use crate::app::forecast as uc;
use crate::app::protocols::Library;
use crate::model::forecast::{Comparison, ProtocolForecast};
use crate::model::scenario::Scenario;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Scenario file (see tests/scenarios/ for examples).
    #[arg(value_name = "SCENARIO.toml")]
    pub scenario: PathBuf,
    /// Protocol ids or protocol files to compare (at least one).
    #[arg(value_name = "PROTOCOL", required = true, num_args = 1..)]
    pub protocols: Vec<String>,
    #[command(flatten)]
    pub run: DrawArgs,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let lib = Library::load();
    let scenario = uc::load_scenario_with_history(&lib, &args.scenario)?;
    let protocols = uc::resolve_all(&lib, &args.protocols)?;
    for p in &protocols {
        warn_condition(&scenario, Some(p));
    }
    let cmp = uc::compare(&scenario, &protocols, args.run.options())?;
    if ctx.json {
        return ctx.print_json(&cmp);
    }
    // Names and notes come from the scenario and protocol files: shown, never obeyed.
    print!(
        "{}",
        crate::domain::text::visible_lines(&human(&scenario, &cmp))
    );
    Ok(())
}

fn by_id<'a>(cmp: &'a Comparison, id: &str) -> Option<&'a ProtocolForecast> {
    cmp.protocols.iter().find(|p| p.id == id)
}

/// The human report of a comparison: ranking table, chart of the favoured protocol, and why.
pub fn human(scenario: &Scenario, cmp: &Comparison) -> String {
    let mut out = String::new();
    let id = cmp.primary.as_str();
    let inst = crate::instruments::get(id).ok();
    let title = scenario.name.clone().unwrap_or_else(|| "scenario".into());
    let first = cmp.protocols.first().map(|p| &p.summary);
    let _ = writeln!(
        out,
        "{title}\n{} protocols compared on {} ({}); {} draws, seed {}",
        cmp.protocols.len(),
        short(id),
        inst.map_or("", |i| i.better_word()),
        first.map_or(0, |s| s.draws),
        first.map_or(0, |s| s.seed)
    );
    out.push_str(&report::evidence_warnings(
        cmp.protocols.iter().map(|p| &p.summary),
    ));
    let _ = writeln!(
        out,
        "GAIN = improvement in {} (positive = better), mean (80% band).\n\
         END = at each protocol's last session; FOLLOW-UP = day {}.\n\
         S>MCID = sessions until the median forecast passes the MCID;\n\
         P(MC) = share of draws past the MCID at the end of treatment.\n",
        short(id),
        first.map_or(0, |s| s.follow_up_day)
    );
    let _ = writeln!(
        out,
        "{:<2} {:<23} {:>4} {:<17} {:<17} {:>6} {:>5}",
        "#", "PROTOCOL", "SESS", "GAIN END", "GAIN FOLLOW-UP", "S>MCID", "P(MC)"
    );
    let mut has_goal = false;
    for (rank, pid) in cmp.ranking.iter().enumerate() {
        let Some(pf) = by_id(cmp, pid) else { continue };
        let s = &pf.summary;
        let Some(m) = s.measures.get(id) else {
            let _ = writeln!(
                out,
                "{:<2} {:<23} (no forecast for {})",
                rank + 1,
                pid,
                short(id)
            );
            continue;
        };
        has_goal |= m.p_goal.is_some();
        let ge = improvement(id, &m.change_end);
        let gf = improvement(id, &m.change_follow_up);
        let band = |g: &crate::model::forecast::Stat| {
            format!(
                "{} ({}..{})",
                num(id, g.mean),
                num(id, g.p10),
                num(id, g.p90)
            )
        };
        let _ = writeln!(
            out,
            "{:<2} {:<23} {:>4} {:<17} {:<17} {:>6} {:>4.0}%",
            rank + 1,
            pid,
            s.sessions,
            band(&ge),
            band(&gf),
            m.sessions_to_mcid.map_or("-".into(), |n| n.to_string()),
            m.p_mcid_end * 100.0
        );
    }
    if has_goal && let Some(g) = &scenario.goal {
        let _ = writeln!(
            out,
            "\nProbability of reaching the goal ({} {}):",
            short(&g.instrument),
            num(&g.instrument, g.target)
        );
        for pid in &cmp.ranking {
            if let Some(p) = by_id(cmp, pid)
                .and_then(|pf| pf.summary.measures.get(&g.instrument))
                .and_then(|m| m.p_goal)
            {
                let _ = writeln!(out, "  {pid:<26} {:>4.0}%", p * 100.0);
            }
        }
    }
    out.push_str(&plan_goals(scenario, cmp));
    out.push_str(&verdict(cmp));
    if let Some(best) = cmp.ranking.first().and_then(|b| by_id(cmp, b))
        && let Some(band) = best.measures.get(id)
    {
        let s = &best.summary;
        let _ = writeln!(out, "\n{} under {}:", short(id), best.id);
        let marks = if s.sessions > 0 && s.end_of_treatment_day > 0 {
            vec![(s.end_of_treatment_day, '|')]
        } else {
            vec![]
        };
        out.push_str(&report::chart(id, &cmp.days, band, &marks));
        if !marks.is_empty() {
            let _ = writeln!(
                out,
                "        | = end of treatment (day {})",
                s.end_of_treatment_day
            );
        }
    }
    out
}

/// Which protocol the model favours and why, in plain words.
pub fn verdict(cmp: &Comparison) -> String {
    // Lines that do not start with a space are re-wrapped to 80 columns.
    let raw = verdict_lines(cmp);
    raw.lines()
        .map(|l| {
            if l.is_empty() || l.starts_with(' ') {
                format!("{l}\n")
            } else {
                report::wrap(l, 80, "", "")
            }
        })
        .collect()
}

fn verdict_lines(cmp: &Comparison) -> String {
    let mut out = String::new();
    let id = cmp.primary.as_str();
    let Some(best) = cmp.ranking.first().and_then(|b| by_id(cmp, b)) else {
        return out;
    };
    let Some(bm) = best.summary.measures.get(id) else {
        return out;
    };
    let bg = improvement(id, &bm.change_follow_up);
    let _ = writeln!(
        out,
        "\nThe model favours {} ({}): mean gain {} {} at follow-up (day {}).",
        best.id,
        best.summary.protocol_name,
        num(id, bg.mean),
        short(id),
        best.summary.follow_up_day
    );
    if let Some(second) = cmp.ranking.get(1).and_then(|b| by_id(cmp, b))
        && let Some(sm) = second.summary.measures.get(id)
    {
        let sg = improvement(id, &sm.change_follow_up);
        let diff = bg.mean - sg.mean;
        let _ = writeln!(
            out,
            "That is {} {} more than the runner-up, {},",
            num(id, diff),
            short(id),
            second.id
        );
        let sentence = if diff < bm.mcid {
            format!(
                "less than the MCID of {}: a difference a patient may not notice.",
                report::mcid_label(id, bm.mcid)
            )
        } else {
            format!("more than the MCID of {}.", report::mcid_label(id, bm.mcid))
        };
        out.push_str(&report::wrap(&sentence, 80, "", ""));
        if bg.p10 < sg.p90 {
            let _ = writeln!(
                out,
                "The 80% bands overlap, so the ranking is uncertain for an individual patient."
            );
        }
        let (br, sr) = (
            best.summary.total_repetitions,
            second.summary.total_repetitions,
        );
        if br != sr {
            let _ = writeln!(
                out,
                "Dose: {} repetitions in {} sessions versus {} in {}.",
                br, best.summary.sessions, sr, second.summary.sessions
            );
        }
    }
    if !best.summary.notes.is_empty() {
        let _ = writeln!(out, "Why, according to the model:");
        for n in &best.summary.notes {
            out.push_str(&report::wrap(n, 80, "  - ", "    "));
        }
    }
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
                let p = by_id(cmp, pid)
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
