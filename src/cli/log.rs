//! `praxis log P-0001 --protocol usual-care --minutes 45 --reps 120 --success 0.75 [--level 3] [--rpe 5]
//! [--date 2026-11-02] [--time 10:30] [--notes ...]`.

use anyhow::anyhow;
use chrono::{NaiveDate, NaiveTime, Timelike as _};

use super::Ctx;
use super::util::{open, parse_fraction};
use crate::domain::SessionLog;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Patient code, e.g. P-0001.
    code: String,
    /// Protocol id (default: the protocol of the patient's active plan).
    #[arg(long)]
    protocol: Option<String>,
    /// Minutes of therapy, 1-600.
    #[arg(long)]
    minutes: u32,
    /// Repetitions practised (at most 60 a minute of the session).
    #[arg(long)]
    reps: u32,
    /// Fraction of successful repetitions: 0.75 or 75%.
    #[arg(long, value_parser = parse_fraction, value_name = "FRACTION")]
    success: Option<f64>,
    /// Difficulty level reached: 1 to the protocol's highest (`praxis protocols show ID`).
    #[arg(long)]
    level: Option<u32>,
    /// Rating of perceived exertion / fatigue, 0-10.
    #[arg(long)]
    rpe: Option<u8>,
    /// Day of the session (default: today).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = super::util::date)]
    date: Option<NaiveDate>,
    /// Start time (default: now for today's sessions, 09:00 for earlier days).
    #[arg(long, value_name = "HH:MM")]
    time: Option<NaiveTime>,
    #[arg(long, default_value = "")]
    notes: String,
}

/// How many recent sessions the progression rule is read on (more than any rule asks for in a row).
const RECENT: usize = 40;

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    let mut store = open(ctx)?;
    let protocol = match args.protocol {
        Some(p) => p,
        None => store
            .active_plan(&args.code)?
            .map(|p| p.protocol_id)
            .ok_or_else(|| anyhow!("{} has no active plan; give --protocol", args.code))?,
    };
    let now = chrono::Local::now().naive_local();
    let date = args.date.unwrap_or(now.date());
    let time = args.time.unwrap_or_else(|| {
        if date == now.date() {
            now.time()
                .with_second(0)
                .and_then(|t| t.with_nanosecond(0))
                .unwrap_or(now.time())
        } else {
            NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN)
        }
    });
    let s = store.add_session(&SessionLog {
        id: 0,
        patient_code: args.code,
        started_at: date.and_time(time),
        protocol_id: protocol,
        minutes: args.minutes,
        repetitions: args.reps,
        level: args.level,
        success_rate: args.success,
        rpe: args.rpe,
        notes: args.notes,
        clinician: None,
    })?;
    if ctx.json {
        return ctx.print_json(&s);
    }
    println!(
        "Logged {} min of {} for {} on {} ({} repetitions{}).",
        s.minutes,
        s.protocol_id,
        s.patient_code,
        s.started_at.format("%Y-%m-%d %H:%M"),
        s.repetitions,
        s.success_rate
            .map_or(String::new(), |x| format!(", {:.0}% successful", x * 100.0))
    );
    // The protocol's progression rule, read on the sessions logged so far (issue 14.5).
    let lib = crate::app::protocols::Library::load();
    if let Some(p) = lib.get(&s.protocol_id) {
        let recent = store.sessions(&s.patient_code, Some(RECENT))?;
        if let Some(a) = crate::app::levels::advice(&p.progression, &p.id, &recent) {
            println!("Next time: {}.", a.why);
        }
    }
    Ok(())
}
