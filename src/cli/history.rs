//! `praxis history P-0001 [--all]`: assessments and sessions merged in date order, each with its id and standing.

use super::Ctx;
use super::util::{open, table};
use crate::store::{HistoryEntry, HistoryRecord, RecordStatus};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Patient code, e.g. P-0001.
    code: String,
    /// Show corrected and voided records too (default: current records only).
    #[arg(long)]
    all: bool,
}

/// The RECORD column: the id, and what became of the record or what it corrects.
fn standing(h: &HistoryRecord) -> String {
    let id = match &h.entry {
        HistoryEntry::Assessment(a) => a.id,
        HistoryEntry::Session(s) => s.id,
    };
    let m = &h.meta;
    let why = m
        .reason
        .as_deref()
        .map(|r| format!(": {r}"))
        .unwrap_or_default();
    match m.status {
        RecordStatus::Current => match m.supersedes {
            Some(old) => format!("#{id} corrects #{old}"),
            None => format!("#{id}"),
        },
        RecordStatus::Corrected => match m.superseded_by {
            Some(new) => format!("#{id} CORRECTED by #{new}{why}"),
            None => format!("#{id} CORRECTED{why}"),
        },
        RecordStatus::Voided => format!("#{id} VOIDED{why}"),
    }
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let store = open(ctx)?;
    let history = store.history_records(&args.code, args.all)?;
    if ctx.json {
        return ctx.print_json(&history);
    }
    if history.is_empty() {
        println!("No assessments or sessions for {} yet.", args.code);
        return Ok(());
    }
    let rows: Vec<Vec<String>> = history
        .iter()
        .map(|h| {
            let mut row = match &h.entry {
                HistoryEntry::Assessment(a) => {
                    let mut detail = a.brief();
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
                    let mut d =
                        format!("{} {} min {} reps", s.protocol_id, s.minutes, s.repetitions);
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
            };
            row.push(standing(h));
            row
        })
        .collect();
    print!(
        "{}",
        table(&["DATE", "TIME", "WHAT", "DETAIL", "RECORD"], &rows)
    );
    if !args.all {
        let hidden = store.history_records(&args.code, true)?.len() - history.len();
        if hidden > 0 {
            println!("({hidden} corrected or voided records not shown: history --all)");
        }
    }
    Ok(())
}
