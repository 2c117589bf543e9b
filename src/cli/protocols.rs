//! `praxis protocols list | check | show`: the protocol library.

use crate::domain::text::{visible, visible_lines};
use std::path::PathBuf;

use anyhow::bail;

use super::Ctx;
use crate::app::protocols::{self as lib, Library, Source};
use crate::model::protocol::{ProgressionRule, Protocol};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Sub,
}

#[derive(Debug, clap::Subcommand)]
pub enum Sub {
    /// List the protocols available (built-in and your own), with any files that could not be loaded.
    List,
    /// Check protocol files or folders; default: ./protocols if present, else the built-in library.
    Check {
        /// Files or folders to check.
        paths: Vec<PathBuf>,
    },
    /// Show one protocol: schedule, practice structure, progression and evidence.
    Show {
        /// Protocol id (see `praxis protocols list`) or path to a protocol file.
        id: String,
    },
}

#[derive(serde::Serialize)]
struct ListItem<'a> {
    id: &'a str,
    name: &'a str,
    summary: &'a str,
    conditions: Vec<&'static str>,
    /// The usual care of its conditions (issue 12.5).
    comparator: bool,
    measures: &'a [String],
    sessions: u32,
    total_repetitions: u64,
    citation: &'a str,
    source: &'a Source,
}

#[derive(serde::Serialize)]
struct ListJson<'a> {
    protocols: Vec<ListItem<'a>>,
    errors: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    match args.command {
        Sub::List => list(ctx),
        Sub::Check { paths } => check(ctx, paths),
        Sub::Show { id } => show(ctx, &id),
    }
}

fn list(ctx: &Ctx) -> anyhow::Result<()> {
    let lib = Library::load();
    for e in &lib.errors {
        eprintln!("{}", visible_lines(&e.to_string()));
    }
    if ctx.json {
        let items = lib
            .entries
            .values()
            .map(|e| ListItem {
                id: &e.protocol.id,
                name: &e.protocol.name,
                summary: &e.protocol.summary,
                conditions: e.protocol.conditions.iter().map(|c| c.id()).collect(),
                comparator: e.protocol.comparator,
                measures: &e.protocol.measures,
                sessions: e.protocol.schedule.total_sessions(),
                total_repetitions: e.protocol.schedule.total_repetitions(),
                citation: &e.protocol.evidence.citation,
                source: &e.source,
            })
            .collect();
        return ctx.print_json(&ListJson {
            protocols: items,
            errors: lib.errors.iter().map(|e| e.to_string()).collect(),
        });
    }
    println!(
        "{:<26} {:<19} {:>8} {:>8}  NAME",
        "ID", "CONDITIONS", "SESSIONS", "REPS"
    );
    for e in lib.entries.values() {
        let p = &e.protocol;
        let conds: Vec<&str> = p.conditions.iter().map(|c| c.id()).collect();
        let mut mark = if p.comparator { " (comparator)" } else { "" }.to_string();
        if matches!(e.source, Source::File(_)) {
            mark.push_str(" (yours)");
        }
        println!(
            "{:<26} {:<19} {:>8} {:>8}  {}{mark}",
            p.id,
            truncate(&conds.join(","), 19),
            p.schedule.total_sessions(),
            p.schedule.total_repetitions(),
            visible(&p.name)
        );
    }
    println!("\n{}", comparators_line(&lib));
    if !lib.errors.is_empty() {
        eprintln!(
            "{} protocol file(s) could not be loaded (see above)",
            lib.errors.len()
        );
    }
    Ok(())
}

/// The comparator (usual care) of every condition, e.g. "Comparator (usual care) per condition: stroke usual-care;
/// parkinsons pd-usual-physio; ...", "none" where the library has none.
fn comparators_line(lib: &Library) -> String {
    use strum::VariantArray;
    let per: Vec<String> = crate::domain::ConditionKind::VARIANTS
        .iter()
        .map(|k| {
            let ids: Vec<&str> = lib
                .entries
                .values()
                .filter(|e| e.protocol.comparator && e.protocol.conditions.contains(k))
                .map(|e| e.protocol.id.as_str())
                .collect();
            let ids = if ids.is_empty() {
                "none".to_string()
            } else {
                ids.join(", ")
            };
            format!("{} {}", k.id(), visible(&ids))
        })
        .collect();
    format!("Comparator (usual care) per condition: {}", per.join("; "))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('~');
        t
    }
}

fn check(ctx: &Ctx, paths: Vec<PathBuf>) -> anyhow::Result<()> {
    let results = if !paths.is_empty() {
        lib::check_paths(&paths)
    } else if PathBuf::from("protocols").is_dir() {
        lib::check_paths(&[PathBuf::from("protocols")])
    } else {
        lib::check_builtin()
    };
    let bad = results.iter().filter(|c| c.result.is_err()).count();
    if ctx.json {
        #[derive(serde::Serialize)]
        struct Item {
            path: String,
            ok: bool,
            errors: Vec<String>,
        }
        let items: Vec<Item> = results
            .iter()
            .map(|c| Item {
                path: c.path.display().to_string(),
                ok: c.result.is_ok(),
                errors: match &c.result {
                    Ok(_) => vec![],
                    Err(e) => e.to_string().lines().map(String::from).collect(),
                },
            })
            .collect();
        ctx.print_json(&items)?;
    } else {
        for c in &results {
            match &c.result {
                Ok(p) => println!(
                    "ok      {} ({})",
                    visible(&c.path.display().to_string()),
                    p.id
                ),
                Err(_) => println!("ERROR   {}", visible(&c.path.display().to_string())),
            }
        }
    }
    for c in &results {
        if let Err(e) = &c.result {
            eprintln!("{}", visible_lines(&e.to_string()));
        }
    }
    if results.is_empty() {
        bail!("no protocol files found");
    }
    if bad > 0 {
        bail!("{bad} of {} protocol file(s) have errors", results.len());
    }
    Ok(())
}

fn show(ctx: &Ctx, id: &str) -> anyhow::Result<()> {
    let lib = Library::load();
    let p = lib.resolve(id, None)?;
    if ctx.json {
        return ctx.print_json(&p);
    }
    print!("{}", visible_lines(&describe(&p)));
    Ok(())
}

/// A readable description of a protocol (used by `protocols show`).
pub fn describe(p: &Protocol) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let s_ = &p.schedule;
    let _ = writeln!(s, "{} ({})", p.name, p.id);
    let _ = writeln!(s, "{}", p.summary);
    let conds: Vec<&str> = p.conditions.iter().map(|c| c.label()).collect();
    let _ = writeln!(s, "\nFor:          {}", conds.join(", "));
    let _ = writeln!(s, "Measures:     {}", p.measures.join(", "));
    let _ = writeln!(s, "\nSchedule");
    let _ = writeln!(
        s,
        "  {} weeks x {} days/week x {} session(s)/day = {} sessions",
        s_.weeks,
        s_.days_per_week,
        s_.sessions_per_day,
        s_.total_sessions()
    );
    let _ = writeln!(
        s,
        "  {} min and {} repetitions per session; {} repetitions in total",
        s_.minutes_per_session,
        s_.repetitions_per_session,
        s_.total_repetitions()
    );
    if s_.sessions_per_day > 1 {
        let _ = writeln!(
            s,
            "  at least {} h rest between sessions of a day",
            s_.rest_hours_between_sessions
        );
    }
    if let Some(times) = &s_.session_times {
        let _ = writeln!(s, "  sessions start at {}", times.join(", "));
    }
    if !s_.phases.is_empty() {
        let phases: Vec<String> = s_
            .phases
            .iter()
            .map(|ph| match ph.pause_weeks {
                0 => format!("{} weeks", ph.weeks),
                w => format!("{} weeks, {w} weeks off", ph.weeks),
            })
            .collect();
        let _ = writeln!(s, "  in phases: {}", phases.join(", "));
    }
    let _ = writeln!(
        s,
        "\nPractice      {} structure, {} order",
        word(&p.practice.structure),
        word(&p.practice.order)
    );
    for t in &p.practice.tasks {
        let _ = write!(
            s,
            "  - {} [{}, weight {}]",
            t.name,
            word(&t.target),
            t.weight
        );
        if !t.components.is_empty() {
            let parts: Vec<&str> = t.components.iter().map(|c| c.name.as_str()).collect();
            let _ = write!(s, ": {} ({})", parts.join(" -> "), word(&t.timing));
        }
        let _ = writeln!(s);
    }
    let g = &p.progression;
    let _ = writeln!(s, "\nProgression");
    match g.rule {
        ProgressionRule::Adaptive => {
            let _ = writeln!(
                s,
                "  adaptive: over the last {} repetitions, advance a level at >= {:.0}% success, regress below {:.0}%",
                g.window,
                g.advance_above * 100.0,
                g.regress_below * 100.0
            );
            let _ = writeln!(
                s,
                "  the session form suggests the next level after {} sessions in a row at >= {:.0}%",
                g.advance_after_sessions,
                g.advance_above * 100.0
            );
        }
        ProgressionRule::Fixed => {
            let _ = writeln!(
                s,
                "  fixed: one level up every {} sessions",
                g.step_every_sessions.unwrap_or(0)
            );
        }
        ProgressionRule::None => {
            let _ = writeln!(s, "  none: difficulty stays at level {}", g.start_level);
        }
    }
    let _ = writeln!(s, "  levels {} to {}", g.start_level, g.max_level);
    let _ = writeln!(
        s,
        "\nFeedback      {}, augmented on {:.0}% of repetitions",
        word(&p.feedback.kind),
        p.feedback.augmented_fraction * 100.0
    );
    if let Some(c) = &p.constraint {
        let _ = writeln!(
            s,
            "Constraint    less-affected limb restrained {} h/day",
            c.hours_per_day
        );
    }
    let _ = writeln!(s, "\nEvidence      {}", p.evidence.citation);
    if let Some(d) = &p.evidence.doi {
        let _ = writeln!(s, "              doi:{d}");
    }
    if !p.evidence.finding.is_empty() {
        let _ = writeln!(s, "              {}", p.evidence.finding);
    }
    s
}

/// The file-format word of an enum value (`part-whole`, `upper_limb`).
fn word<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}
