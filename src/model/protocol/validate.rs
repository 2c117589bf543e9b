//! Parsing and validation of a protocol file: the ranges and consistency rules every protocol must meet, each
//! problem reported at its line and column.

use super::schema::{ProgressionRule, Protocol, Schedule, Structure, clock_hours};
use crate::model::constants as k;
use crate::model::diagnostics::{FileError, Problem, Seg, SpannedDoc, path_text};

/// Parse and validate a protocol file. `origin` names the file in messages (e.g. `protocols/cimt.toml`); when it
/// ends in `.toml`, the protocol's `id` must equal the file stem.
pub fn parse(text: &str, origin: &str) -> Result<Protocol, FileError> {
    let doc = SpannedDoc::parse(text, origin)?;
    // Unknown keys first, every one at its line: serde would stop at the first error, which a misspelt section can
    // hide behind (the table it was meant for then lacks a field).
    doc.locate(
        origin,
        super::keys::Schema::of::<Protocol>().unknown_keys(doc.root()),
    )?;
    let protocol: Protocol = doc.deserialize(origin)?;
    let mut problems = validate(&protocol);
    let p = std::path::Path::new(origin);
    if p.extension().is_some_and(|e| e == "toml")
        && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
        && stem != protocol.id
    {
        problems.push(Problem::new(
            &[Seg::Key("id")],
            format!(
                "id {:?} must match the file name {stem:?} (rename the file or change the id)",
                protocol.id
            ),
        ));
    }
    doc.locate(origin, problems)?;
    Ok(protocol)
}

fn range_u32(out: &mut Vec<Problem>, path: &[Seg], v: u32, lo: u32, hi: u32, unit: &str) {
    if v < lo || v > hi {
        out.push(Problem::new(
            path,
            format!("{} must be {lo}-{hi}{unit}; got {v}", path_text(path)),
        ));
    }
}

fn range_f64(out: &mut Vec<Problem>, path: &[Seg], v: f64, lo: f64, hi: f64, unit: &str) {
    if !v.is_finite() || v < lo || v > hi {
        out.push(Problem::new(
            path,
            format!("{} must be {lo}-{hi}{unit}; got {v}", path_text(path)),
        ));
    }
}

fn join(a: &[Seg], b: &[Seg]) -> Vec<Seg> {
    [a, b].concat()
}

fn positive(out: &mut Vec<Problem>, path: &[Seg], v: f64) {
    if !v.is_finite() || v <= 0.0 {
        out.push(Problem::new(
            path,
            format!("{} must be greater than 0; got {v}", path_text(path)),
        ));
    }
}

/// Most phases a schedule may have, and most weeks of pause after one.
const MAX_PHASES: usize = 12;
const MAX_PAUSE_WEEKS: u32 = 104;

/// `schedule.session_times`: one "HH:MM" per session of the day, each session (with the rest after it) ending
/// before the next starts and the last before midnight.
fn session_times(out: &mut Vec<Problem>, s: &Schedule) {
    use Seg::{Index, Key};
    let Some(times) = &s.session_times else {
        return;
    };
    let path = [Key("schedule"), Key("session_times")];
    if times.len() != s.sessions_per_day as usize {
        out.push(Problem::new(
            &path,
            format!(
                "schedule.session_times gives {} time(s) but sessions_per_day is {}; give one start time per session",
                times.len(),
                s.sessions_per_day
            ),
        ));
    }
    let length = s.minutes_per_session.max(0.0) / 60.0;
    let mut previous: Option<(f64, &str)> = None;
    for (i, t) in times.iter().enumerate() {
        let at = [Key("schedule"), Key("session_times"), Index(i)];
        let Some(h) = clock_hours(t) else {
            out.push(Problem::new(
                &at,
                format!("schedule.session_times[{}]: {t:?} is not a clock time; write \"HH:MM\", e.g. \"18:00\"", i + 1),
            ));
            previous = None;
            continue;
        };
        if let Some((ph, pt)) = previous
            && h < ph + length + s.rest_hours_between_sessions.max(0.0) - 1e-9
        {
            out.push(Problem::new(
                &at,
                format!(
                    "schedule.session_times[{}]: {t} starts before the session at {pt} ({} minutes) and the rest of {} h after it are over; list the times in order, far enough apart",
                    i + 1,
                    s.minutes_per_session,
                    s.rest_hours_between_sessions
                ),
            ));
        }
        if h + length > 24.0 + 1e-9 {
            out.push(Problem::new(
                &at,
                format!(
                    "schedule.session_times[{}]: a {}-minute session at {t} runs past midnight",
                    i + 1,
                    s.minutes_per_session
                ),
            ));
        }
        previous = Some((h, t));
    }
}

/// `[[schedule.phases]]`: at most 12, each 1-52 weeks with a pause of 0-104 weeks, adding up to `weeks`.
fn phases(out: &mut Vec<Problem>, s: &Schedule) {
    use Seg::{Index, Key};
    if s.phases.is_empty() {
        return;
    }
    let path = [Key("schedule"), Key("phases")];
    if s.phases.len() > MAX_PHASES {
        out.push(Problem::new(
            &path,
            format!(
                "schedule.phases lists {} phases; at most {MAX_PHASES}",
                s.phases.len()
            ),
        ));
    }
    for (i, ph) in s.phases.iter().enumerate() {
        let at = |k: &'static str| [Key("schedule"), Key("phases"), Index(i), Key(k)];
        if !(1..=52).contains(&ph.weeks) {
            out.push(Problem::new(
                &at("weeks"),
                format!(
                    "schedule.phases[{}].weeks must be 1-52 weeks; got {}",
                    i + 1,
                    ph.weeks
                ),
            ));
        }
        if ph.pause_weeks > MAX_PAUSE_WEEKS {
            out.push(Problem::new(
                &at("pause_weeks"),
                format!(
                    "schedule.phases[{}].pause_weeks must be 0-{MAX_PAUSE_WEEKS} weeks; got {}",
                    i + 1,
                    ph.pause_weeks
                ),
            ));
        }
    }
    let sum: u64 = s.phases.iter().map(|p| u64::from(p.weeks)).sum();
    if sum != u64::from(s.weeks) {
        out.push(Problem::new(
            &[Key("schedule"), Key("weeks")],
            format!(
                "schedule.weeks ({}) must equal the weeks of the phases added up ({sum}); pauses are not counted",
                s.weeks
            ),
        ));
    }
}

/// Bounds that keep the forecast of every accepted protocol within a few seconds and a fixed memory (issue 11.6):
/// tasks, components per task, task states (each task and each of its components is one skill state the forecast
/// updates every day) and task states x sessions (what the sessions cost). Phases only spread the sessions out:
/// the sessions are weeks x days_per_week x sessions_per_day whatever the phases and pauses.
fn cost_bounds(out: &mut Vec<Problem>, p: &Protocol) {
    use Seg::{Index, Key};
    let tasks = &p.practice.tasks;
    if tasks.len() > k::MAX_TASKS {
        out.push(Problem::new(
            &[Key("practice"), Key("tasks")],
            format!(
                "practice lists {} tasks; at most {} are allowed (a forecast updates every task every day)",
                tasks.len(),
                k::MAX_TASKS
            ),
        ));
    }
    for (i, t) in tasks.iter().enumerate() {
        if t.components.len() > k::MAX_COMPONENTS {
            out.push(Problem::new(
                &[Key("practice"), Key("tasks"), Index(i), Key("components")],
                format!(
                    "task {:?} has {} components; at most {} are allowed",
                    t.name,
                    t.components.len(),
                    k::MAX_COMPONENTS
                ),
            ));
        }
    }
    let states: u64 = tasks.iter().map(|t| 1 + t.components.len() as u64).sum();
    let sc = &p.schedule;
    let sessions =
        u64::from(sc.weeks) * u64::from(sc.days_per_week) * u64::from(sc.sessions_per_day);
    if states > k::MAX_TASK_STATES {
        out.push(Problem::new(
            &[Key("practice"), Key("tasks")],
            format!(
                "practice has {states} tasks and components together; at most {} are allowed (fewer tasks or components)",
                k::MAX_TASK_STATES
            ),
        ));
    } else if states * sessions > k::MAX_STATE_SESSIONS {
        out.push(Problem::new(
            &[Key("schedule"), Key("weeks")],
            format!(
                "{sessions} sessions x {states} tasks and components = {} exceeds the {} a forecast allows; \
                 fewer weeks, days per week, sessions per day, tasks or components",
                sessions * states,
                k::MAX_STATE_SESSIONS
            ),
        ));
    }
}

/// Check a protocol's values (ranges, consistency, known instruments). Pure; positions are added by [`parse`].
pub fn validate(p: &Protocol) -> Vec<Problem> {
    use Seg::{Index, Key};
    let mut out = Vec::new();
    let id_ok = !p.id.is_empty()
        && p.id.len() <= 64
        && p.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !p.id.starts_with('-');
    if !id_ok {
        out.push(Problem::new(
            &[Key("id")],
            format!(
                "id {:?} must be lower-case letters, digits and '-' (e.g. \"task-specific-300\")",
                p.id
            ),
        ));
    }
    if p.name.trim().is_empty() {
        out.push(Problem::new(&[Key("name")], "name must not be empty"));
    }
    if p.conditions.is_empty() {
        out.push(Problem::new(
            &[Key("conditions")],
            "conditions must name at least one of \"stroke\", \"parkinsons\", \"cerebellar_ataxia\", \"older_adult\"",
        ));
    }
    if p.measures.is_empty() {
        out.push(Problem::new(
            &[Key("measures")],
            "measures must name at least one instrument, the primary first",
        ));
    }
    for (i, m) in p.measures.iter().enumerate() {
        match crate::instruments::get(m) {
            Ok(inst) if inst.id == m => {}
            Ok(inst) => out.push(Problem::new(
                &[Key("measures"), Index(i)],
                format!("measures: write instrument {m:?} as {:?}", inst.id),
            )),
            Err(e) => out.push(Problem::new(
                &[Key("measures"), Index(i)],
                format!("measures: {e}"),
            )),
        }
    }

    let s = &p.schedule;
    let sch = |k: &'static str| [Key("schedule"), Key(k)];
    range_u32(&mut out, &sch("weeks"), s.weeks, 0, 52, " weeks");
    range_u32(&mut out, &sch("days_per_week"), s.days_per_week, 1, 7, "");
    range_u32(
        &mut out,
        &sch("sessions_per_day"),
        s.sessions_per_day,
        1,
        6,
        "",
    );
    range_f64(
        &mut out,
        &sch("minutes_per_session"),
        s.minutes_per_session,
        1.0,
        480.0,
        " minutes",
    );
    range_u32(
        &mut out,
        &sch("repetitions_per_session"),
        s.repetitions_per_session,
        0,
        2000,
        "",
    );
    range_f64(
        &mut out,
        &sch("rest_hours_between_sessions"),
        s.rest_hours_between_sessions,
        0.0,
        24.0,
        " hours",
    );
    // A session's repetitions must fit its minutes as a logged session's must (`domain::rules::check_repetitions`):
    // a plan on this protocol pre-fills every log with them, and each would be refused.
    let minutes = s.minutes_per_session.round();
    let most = f64::from(crate::domain::rules::MAX_REPS_PER_MINUTE) * minutes;
    if minutes >= 1.0 && f64::from(s.repetitions_per_session) > most {
        out.push(Problem::new(
            &sch("repetitions_per_session"),
            format!(
                "schedule.repetitions_per_session: {} in {minutes} minutes is more than anyone can make (at most {} a \
                 minute, {most}); a session logged with them would be refused",
                s.repetitions_per_session,
                crate::domain::rules::MAX_REPS_PER_MINUTE
            ),
        ));
    }
    if s.sessions_per_day > 1 {
        let day_hours = f64::from(s.sessions_per_day) * s.minutes_per_session / 60.0
            + f64::from(s.sessions_per_day - 1) * s.rest_hours_between_sessions;
        if day_hours > 24.0 {
            out.push(Problem::new(
                &sch("sessions_per_day"),
                format!(
                    "schedule: {} sessions of {} minutes with {} h rest between them do not fit in one day",
                    s.sessions_per_day, s.minutes_per_session, s.rest_hours_between_sessions
                ),
            ));
        }
    }
    session_times(&mut out, s);
    phases(&mut out, s);

    let pr = &p.practice;
    if pr.tasks.is_empty() {
        out.push(Problem::new(
            &[Key("practice")],
            "practice must list at least one task ([[practice.tasks]])",
        ));
    }
    cost_bounds(&mut out, p);
    let mut decomposed = false;
    for (i, t) in pr.tasks.iter().enumerate() {
        let tp = [Key("practice"), Key("tasks"), Index(i)];
        if t.name.trim().is_empty() {
            out.push(Problem::new(
                &join(&tp, &[Key("name")]),
                "task name must not be empty",
            ));
        }
        positive(&mut out, &join(&tp, &[Key("weight")]), t.weight);
        if t.components.len() >= 2 {
            decomposed = true;
        }
        if t.components.len() == 1 {
            out.push(Problem::new(
                &join(&tp, &[Key("components")]),
                format!(
                    "task {:?} has a single component; list two or more, or none",
                    t.name
                ),
            ));
        }
        for (j, c) in t.components.iter().enumerate() {
            let cp = join(&tp, &[Key("components"), Index(j)]);
            if c.name.trim().is_empty() {
                out.push(Problem::new(&cp, "component name must not be empty"));
            }
            positive(&mut out, &join(&cp, &[Key("weight")]), c.weight);
        }
    }
    if pr.structure != Structure::Whole && !pr.tasks.is_empty() && !decomposed {
        out.push(Problem::new(
            &[Key("practice"), Key("structure")],
            "practice.structure other than \"whole\" needs a task with two or more components",
        ));
    }

    let g = &p.progression;
    let pg = |k: &'static str| [Key("progression"), Key(k)];
    range_u32(&mut out, &pg("window"), g.window, 1, 2000, " repetitions");
    range_u32(
        &mut out,
        &pg("advance_after_sessions"),
        g.advance_after_sessions,
        1,
        30,
        " sessions",
    );
    range_f64(
        &mut out,
        &pg("advance_above"),
        g.advance_above,
        0.0,
        1.0,
        "",
    );
    range_f64(
        &mut out,
        &pg("regress_below"),
        g.regress_below,
        0.0,
        1.0,
        "",
    );
    if g.regress_below >= g.advance_above {
        out.push(Problem::new(
            &pg("regress_below"),
            format!(
                "progression.regress_below ({}) must be lower than progression.advance_above ({})",
                g.regress_below, g.advance_above
            ),
        ));
    }
    range_u32(&mut out, &pg("max_level"), g.max_level, 1, 100, "");
    if g.start_level < 1 || g.start_level > g.max_level {
        out.push(Problem::new(
            &pg("start_level"),
            format!(
                "progression.start_level must be 1-{} (max_level); got {}",
                g.max_level, g.start_level
            ),
        ));
    }
    match (g.rule, g.step_every_sessions) {
        (ProgressionRule::Fixed, None) => out.push(Problem::new(
            &pg("rule"),
            "progression.rule \"fixed\" needs step_every_sessions (sessions between steps)",
        )),
        (_, Some(n)) => range_u32(&mut out, &pg("step_every_sessions"), n, 1, 365, " sessions"),
        _ => {}
    }

    range_f64(
        &mut out,
        &[Key("feedback"), Key("augmented_fraction")],
        p.feedback.augmented_fraction,
        0.0,
        1.0,
        "",
    );
    if let Some(c) = &p.constraint
        && (!c.hours_per_day.is_finite() || c.hours_per_day <= 0.0 || c.hours_per_day > 24.0)
    {
        {
            out.push(Problem::new(
                &[Key("constraint"), Key("hours_per_day")],
                format!(
                    "constraint.hours_per_day must be more than 0 and at most 24 hours; got {}",
                    c.hours_per_day
                ),
            ));
        }
    }
    if p.evidence.citation.trim().is_empty() {
        out.push(Problem::new(
            &[Key("evidence"), Key("citation")],
            "evidence.citation must name the source (author year, journal)",
        ));
    }
    out
}
