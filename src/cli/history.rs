//! `praxis history P-0001`: assessments and sessions merged in date order.

use super::Ctx;
use super::util::{fmt_score, open, table};
use crate::store::HistoryEntry;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Patient code, e.g. P-0001.
    code: String,
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let store = open(ctx)?;
    let history = store.history(&args.code)?;
    if ctx.json {
        return ctx.print_json(&history);
    }
    if history.is_empty() {
        println!("No assessments or sessions for {} yet.", args.code);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = history
        .iter()
        .map(|h| match h {
            HistoryEntry::Assessment(a) => {
                let short = crate::instruments::get(&a.instrument)
                    .map_or(a.instrument.as_str(), |i| i.short);
                let mut detail = format!("{short} {}", fmt_score(a.score));
                if !a.notes.is_empty() {
                    detail.push_str(&format!(" - {}", a.notes));
                }
                vec![
                    a.date.to_string(),
                    String::new(),
                    "assessment".into(),
                    detail,
                ]
            }
            HistoryEntry::Session(s) => {
                let mut d = format!("{} {} min {} reps", s.protocol_id, s.minutes, s.repetitions);
                if let Some(l) = s.level {
                    d.push_str(&format!(" L{l}"));
                }
                if let Some(x) = s.success_rate {
                    d.push_str(&format!(" {:.0}%", x * 100.0));
                }
                if let Some(r) = s.rpe {
                    d.push_str(&format!(" RPE {r}"));
                }
                if !s.notes.is_empty() {
                    d.push_str(&format!(" - {}", s.notes));
                }
                vec![
                    s.started_at.date().to_string(),
                    s.started_at.format("%H:%M").to_string(),
                    "session".into(),
                    d,
                ]
            }
        })
        .collect();
    print!("{}", table(&["DATE", "TIME", "WHAT", "DETAIL"], &rows));
    Ok(())
}
