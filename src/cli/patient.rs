//! `praxis patient add | list | show | edit`.

use anyhow::bail;
use chrono::Datelike as _;
use serde::Serialize;

use super::Ctx;
use super::util::{open, table};
use crate::app::AppError;
use crate::app::patients::{self, Flag, PatientFields};
use crate::app::progress::{self, Standing};
use crate::app::protocols::Library;
use crate::domain::text::{visible, visible_lines};
use crate::domain::*;
use crate::instruments::Shown;
use crate::store::{PatientBrief, PatientFilter, PatientRow, Store};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, clap::Subcommand)]
enum Cmd {
    /// Add a patient: `praxis patient add --code P-0001 --birth-year 1958 --condition stroke --nihss 9`.
    Add(AddArgs),
    /// List patients, with the last assessment and session, the active plan and what needs attention.
    List(ListArgs),
    /// A patient's profile, latest scores and active plan.
    Show(ShowArgs),
    /// Change a patient's profile; options not given are kept.
    Edit(EditArgs),
    /// Erase a patient with all their assessments, sessions and plans (admin only; cannot be undone).
    Delete(DeleteArgs),
}

#[derive(Debug, clap::Args)]
struct DeleteArgs {
    code: String,
    /// Do not ask for confirmation (needed when not on a terminal).
    #[arg(long)]
    yes: bool,
}

#[derive(Debug, clap::Args)]
struct AddArgs {
    /// Pseudonymous code, e.g. P-0001.
    #[arg(long)]
    code: String,
    #[arg(long, value_name = "YEAR")]
    birth_year: i32,
    #[arg(long, value_parser = super::util::named::<ConditionKind>())]
    condition: ConditionKind,
    #[command(flatten)]
    fields: FieldArgs,
}

#[derive(Debug, clap::Args)]
struct ListArgs {
    /// Show only patients whose code, name or notes contain TEXT.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
    #[arg(long, value_parser = super::util::named::<ConditionKind>())]
    condition: Option<ConditionKind>,
    /// Show the patients' names beside their codes (left out unless asked, for a screen others can see).
    #[arg(long)]
    names: bool,
    /// Read every listed patient's standing against their plan's forecast, as the TUI's list does: "behind
    /// forecast" (B) or "ahead of forecast" (A), `standing` in JSON. It takes one forecast per patient with an
    /// active plan, so without this option only a list of at most 12 such patients (a search, a condition, a small
    /// clinic) reads it; a longer one says how many it left out.
    #[arg(long)]
    standing: bool,
}

/// How many patients with an active plan a list reads the standings of without `--standing`: a forecast each
/// (tenths of a second), so a screenful, never a clinic of thousands unasked.
pub const STANDING_UNASKED: usize = 12;

#[derive(Debug, clap::Args)]
struct ShowArgs {
    code: String,
}

#[derive(Debug, clap::Args)]
struct EditArgs {
    code: String,
    #[arg(long, value_name = "YEAR")]
    birth_year: Option<i32>,
    /// Change the condition (its facts start empty; give the new ones).
    #[arg(long, value_parser = super::util::named::<ConditionKind>())]
    condition: Option<ConditionKind>,
    /// The version you looked at (from `patient show`): the edit is refused if someone saved since.
    #[arg(long = "version", value_name = "N")]
    expect_version: Option<i64>,
    #[command(flatten)]
    fields: FieldArgs,
}

/// [`PatientFields`] as command-line options.
#[derive(Debug, Clone, clap::Args)]
struct FieldArgs {
    /// Name (optional; the code is what identifies the patient). An empty name removes it.
    #[arg(long)]
    name: Option<String>,
    #[arg(long, value_parser = super::util::named::<Sex>())]
    sex: Option<Sex>,
    /// Dominant hand.
    #[arg(long, value_parser = super::util::named::<Hand>())]
    hand: Option<Hand>,
    #[arg(long, value_parser = super::util::named::<Side>())]
    affected_side: Option<Side>,
    /// Stroke: date of onset (YYYY-MM-DD).
    #[arg(long, value_name = "DATE", value_parser = super::util::date)]
    onset: Option<chrono::NaiveDate>,
    /// Stroke: ischaemic or haemorrhagic.
    #[arg(long, value_parser = super::util::named::<StrokeType>())]
    stroke_type: Option<StrokeType>,
    /// Stroke: corticospinal tract status.
    #[arg(long, value_parser = super::util::named::<Corticospinal>())]
    corticospinal: Option<Corticospinal>,
    /// Stroke: motor-evoked potential to TMS in the affected arm.
    #[arg(long, value_parser = super::util::named::<Mep>())]
    mep: Option<Mep>,
    /// Stroke: NIH Stroke Scale, 0-42.
    #[arg(long)]
    nihss: Option<u8>,
    /// Stroke: active extension of the affected wrist (>= 20 degrees) and fingers (>= 10 degrees), EXCITE's entry
    /// criteria for constraint-induced movement therapy: present or absent.
    #[arg(long, value_parser = super::util::named::<crate::domain::ActiveExtension>())]
    active_extension: Option<crate::domain::ActiveExtension>,
    /// Parkinson's: year of diagnosis.
    #[arg(long, value_name = "YEAR")]
    diagnosis_year: Option<i32>,
    /// Parkinson's: Hoehn & Yahr stage on the modified scale: 0, 1, 1.5, 2, 2.5, 3, 4 or 5.
    #[arg(long, value_name = "STAGE", value_parser = super::util::decimal)]
    hoehn_yahr: Option<f64>,
    /// Parkinson's: medication state.
    #[arg(long, value_parser = super::util::named::<Medication>())]
    medication: Option<Medication>,
    /// Cerebellar ataxia: type, e.g. SCA3, Friedreich, MSA-C.
    #[arg(long, value_name = "TYPE")]
    ataxia_type: Option<String>,
    /// Older adult: falls in the last year.
    #[arg(long, value_name = "N")]
    falls: Option<u32>,
    #[arg(long)]
    notes: Option<String>,
}

impl From<FieldArgs> for PatientFields {
    fn from(a: FieldArgs) -> Self {
        PatientFields {
            name: a.name,
            sex: a.sex,
            hand: a.hand,
            affected_side: a.affected_side,
            onset: a.onset,
            stroke_type: a.stroke_type,
            corticospinal: a.corticospinal,
            mep: a.mep,
            nihss: a.nihss,
            active_extension: a.active_extension,
            diagnosis_year: a.diagnosis_year,
            hoehn_yahr: a.hoehn_yahr,
            medication: a.medication,
            ataxia_type: a.ataxia_type,
            falls: a.falls,
            notes: a.notes,
        }
    }
}

pub fn run(ctx: &Ctx, args: Args) -> anyhow::Result<()> {
    match args.command {
        Cmd::Add(a) => add(ctx, a),
        Cmd::List(a) => list(ctx, a),
        Cmd::Show(a) => show(ctx, a),
        Cmd::Edit(a) => edit(ctx, a),
        Cmd::Delete(a) => delete(ctx, a),
    }
}

fn delete(ctx: &Ctx, a: DeleteArgs) -> anyhow::Result<()> {
    let mut store = open(ctx)?;
    // Check existence and rights before asking, so nobody confirms something that would be refused anyway.
    store.patient(&a.code)?;
    store.require_admin("delete a patient")?;
    super::util::confirm(
        &format!(
            "Erase patient {} and all their assessments, sessions and plans? This cannot be undone.",
            a.code
        ),
        a.yes,
    )?;
    let erased = store.delete_patient(&a.code)?;
    if ctx.json {
        return ctx.print_json(&serde_json::json!({ "deleted": a.code, "removed": erased }));
    }
    let n = crate::domain::text::count;
    println!(
        "Erased patient {}: {}, {}, {}; their data is gone from {}.",
        a.code,
        n(erased.assessments, "assessment"),
        n(erased.sessions, "session"),
        n(erased.plans, "plan"),
        n(erased.audit_rows, "audit row")
    );
    Ok(())
}

fn add(ctx: &Ctx, a: AddArgs) -> anyhow::Result<()> {
    let p = patients::new_patient(&a.code, a.birth_year, a.condition, &a.fields.into())?;
    let mut store = open(ctx)?;
    let p = store.add_patient(&p)?;
    if ctx.json {
        ctx.print_json(&p)
    } else {
        println!(
            "Added patient {} ({}, born {}).",
            p.code,
            p.condition.kind().label(),
            p.birth_year
        );
        Ok(())
    }
}

/// A list row with its flags, for `--json`.
#[derive(Serialize)]
struct ListItem<'a> {
    #[serde(flatten)]
    row: &'a PatientRow,
    flags: Vec<Flag>,
    /// The active plan's sessions still to do, counted when its weeks end within a week or ended at most four
    /// weeks ago (`app::patients::counts_sessions`; flag plan_ending or sessions_left).
    #[serde(skip_serializing_if = "Option::is_none")]
    sessions_left: Option<u32>,
    /// The standing against the plan's forecast ("behind", "on_track", "ahead"; null with nothing to read), when
    /// the list read standings (`--standing`, or a short list).
    #[serde(skip_serializing_if = "Option::is_none")]
    standing: Option<Option<Standing>>,
}

fn short_condition(k: ConditionKind) -> &'static str {
    match k {
        ConditionKind::Stroke => "stroke",
        ConditionKind::Parkinsons => "Parkinson's",
        ConditionKind::CerebellarAtaxia => "ataxia",
        ConditionKind::OlderAdult => "older adult",
    }
}

/// Each row's standing against its plan's forecast, when read: asked (`--standing`), or at most
/// [`STANDING_UNASKED`] rows with an active plan. Else `None` and how many rows have a plan.
fn standings<P>(
    store: &Store,
    lib: &Library,
    rows: &[(String, &PatientRow<P>)],
    asked: bool,
) -> anyhow::Result<Result<Vec<Option<Standing>>, usize>> {
    let planned: Vec<String> = rows
        .iter()
        .filter(|(_, r)| r.plan_protocol.is_some())
        .map(|(code, _)| code.clone())
        .collect();
    if !asked && planned.len() > STANDING_UNASKED {
        return Ok(Err(planned.len()));
    }
    let read = progress::standings_of(store, lib, &planned);
    let mut by_code: std::collections::HashMap<&String, Option<Standing>> = Default::default();
    for (code, s) in planned.iter().zip(read) {
        // One patient's records that cannot be forecast do not stop the list.
        let s = s.unwrap_or_else(|e| {
            eprintln!("warning: {code}'s standing against the plan's forecast cannot be read: {e}");
            None
        });
        by_code.insert(code, s);
    }
    Ok(Ok(rows
        .iter()
        .map(|(code, _)| by_code.get(code).copied().flatten())
        .collect()))
}

fn list(ctx: &Ctx, a: ListArgs) -> anyhow::Result<()> {
    let store = open(ctx)?;
    let filter = PatientFilter {
        search: a.search,
        condition: a.condition,
    };
    let today = chrono::Local::now().date_naive();
    let library = Library::load();
    if ctx.json {
        // Machine output carries whole profiles; the table below needs only the brief ones.
        let rows = store.list_patients(&filter)?;
        let keyed: Vec<(String, &PatientRow)> =
            rows.iter().map(|r| (r.patient.code.clone(), r)).collect();
        let standing = standings(&store, &library, &keyed, a.standing)?.ok();
        let mut items = Vec::with_capacity(rows.len());
        for (i, (code, row)) in keyed.iter().enumerate() {
            let patients::RowFlags { flags, left } =
                patients::row_flags(&store, &library, row, code, today)?;
            items.push(ListItem {
                row,
                flags,
                sessions_left: left.map(|(n, _)| n),
                standing: standing.as_ref().map(|s| s[i]),
            });
        }
        return ctx.print_json(&items);
    }
    let rows = store.list_briefs(&filter)?;
    if rows.is_empty() {
        if store.counts()?.patients == 0 {
            println!(
                "No patients yet. `praxis patient add` adds one; `praxis demo` loads six demo patients."
            );
        } else {
            println!("No patient matches.");
        }
        return Ok(());
    }
    let keyed: Vec<(String, &PatientRow<PatientBrief>)> =
        rows.iter().map(|r| (r.patient.code.clone(), r)).collect();
    let standing = standings(&store, &library, &keyed, a.standing)?;
    let mut body: Vec<Vec<String>> = Vec::with_capacity(rows.len());
    for (i, (code, r)) in keyed.iter().enumerate() {
        let patients::RowFlags { flags, left } =
            patients::row_flags(&store, &library, r, code, today)?;
        let mut attention: Vec<String> =
            flags.iter().map(|f| f.text(left.map(|(n, _)| n))).collect();
        let standing = standing.as_ref().ok().and_then(|s| s[i]);
        if let Some(s) = standing.filter(|s| *s != Standing::OnTrack) {
            attention.push(s.text().to_string());
        }
        // The TUI's letters, which an 80-column table never cuts: R S E|L, then B|A.
        let letters = format!(
            "{}{}",
            patients::flag_letters(&flags),
            standing.map_or('·', Standing::symbol)
        );
        body.push(vec![
            code.clone(),
            r.patient.age_in(today.year()).to_string(),
            short_condition(r.patient.condition.kind()).into(),
            r.last_assessment.map_or("-".into(), |d| d.to_string()),
            r.last_session.map_or("-".into(), |d| d.date().to_string()),
            r.plan_protocol.clone().unwrap_or_else(|| "-".into()),
            letters,
            attention.join(", "),
        ]);
    }
    let mut header = vec![
        "CODE",
        "AGE",
        "CONDITION",
        "ASSESSED",
        "SESSION",
        "PLAN",
        "FLG",
        "ATTENTION",
    ];
    if a.names {
        with_names(&mut header, &mut body, &rows);
    }
    print!("{}", table(&header, &body));
    if let Err(planned) = standing {
        println!(
            "Standings against the plans' forecasts (behind, ahead) not read for these {planned} patients with a \
             plan: --standing reads them (a forecast each), or narrow the list with --search or --condition."
        );
    }
    Ok(())
}

/// `patient list --names`: a NAME column after the code ("-" for a patient without a name).
fn with_names(
    header: &mut Vec<&'static str>,
    body: &mut [Vec<String>],
    rows: &[PatientRow<crate::store::PatientBrief>],
) {
    header.insert(1, "NAME");
    for (cells, r) in body.iter_mut().zip(rows) {
        let name = r.patient.name.as_deref().filter(|n| !n.trim().is_empty());
        cells.insert(1, name.map_or("-".into(), |n| visible(n).into_owned()));
    }
}

/// One line per condition fact, in words.
pub fn condition_line(c: &Condition, today: chrono::NaiveDate) -> String {
    let mut parts: Vec<String> = Vec::new();
    let name = |v: &dyn erased::Named| v.name();
    match c {
        Condition::Stroke(f) => {
            if let Some(d) = f.onset_date {
                parts.push(format!("onset {d} (day {})", (today - d).num_days()));
            }
            if let Some(t) = &f.stroke_type {
                parts.push(name(t));
            }
            if let Some(cs) = &f.corticospinal {
                parts.push(format!("corticospinal tract {}", name(cs)));
            }
            if let Some(m) = &f.mep {
                parts.push(format!("MEP {}", name(m)));
            }
            if let Some(n) = f.nihss {
                parts.push(format!("NIHSS {n}"));
            }
            if let Some(x) = &f.active_extension {
                parts.push(format!("active wrist/finger extension {}", name(x)));
            }
        }
        Condition::Parkinsons(f) => {
            if let Some(y) = f.diagnosis_year {
                parts.push(format!("diagnosed {y}"));
            }
            if let Some(h) = f.hoehn_yahr {
                parts.push(format!("Hoehn & Yahr {h}"));
            }
            if let Some(m) = &f.medication {
                parts.push(format!("medication {}", name(m)));
            }
        }
        Condition::CerebellarAtaxia(f) => {
            if let Some(t) = &f.ataxia_type {
                parts.push(visible(t).into_owned());
            }
        }
        Condition::OlderAdult(f) => {
            if let Some(n) = f.falls_last_year {
                parts.push(format!("{n} falls in the last year"));
            }
        }
    }
    let label = c.kind().label();
    if parts.is_empty() {
        label.to_string()
    } else {
        format!("{label}: {}", parts.join(", "))
    }
}

mod erased {
    /// The serde name of a unit enum value, for showing it in words.
    pub trait Named {
        fn name(&self) -> String;
    }
    impl<T: serde::Serialize> Named for T {
        fn name(&self) -> String {
            match serde_json::to_value(self) {
                Ok(serde_json::Value::String(s)) => s.replace('_', " "),
                _ => "?".into(),
            }
        }
    }
}

#[derive(Serialize)]
struct ShowJson {
    patient: Patient,
    latest: Vec<Assessment>,
    plan: Option<Plan>,
}

fn show(ctx: &Ctx, a: ShowArgs) -> anyhow::Result<()> {
    let store = open(ctx)?;
    let patient = store.patient(&a.code)?;
    let latest = patients::latest_scores(&store.assessments(&a.code)?);
    let plan = store.active_plan(&a.code)?;
    if ctx.json {
        return ctx.print_json(&ShowJson {
            patient,
            latest,
            plan,
        });
    }
    use erased::Named as _;
    let today = chrono::Local::now().date_naive();
    let p = &patient;
    let mut head = vec![
        p.code.clone(),
        format!("age {} (born {})", p.age_in(today.year()), p.birth_year),
    ];
    if let Some(n) = &p.name {
        head.insert(1, visible(n).into_owned());
    }
    if let Some(s) = &p.sex {
        head.push(s.name());
    }
    if let Some(h) = &p.dominant_hand {
        head.push(format!("{}-handed", h.name()));
    }
    if let Some(s) = &p.affected_side {
        head.push(format!("affected side {}", s.name()));
    }
    println!("{}", head.join("  "));
    println!("{}", condition_line(&p.condition, today));
    if !p.notes.is_empty() {
        println!("Notes: {}", visible_lines(&p.notes));
    }
    println!("Record version {} (updated {})", p.version, p.updated_at);
    println!();
    if latest.is_empty() {
        println!("No assessments yet.");
    } else {
        let rows: Vec<Vec<String>> = latest
            .iter()
            .map(|a| {
                let inst = crate::instruments::get(&a.instrument).ok();
                vec![
                    inst.map_or(a.instrument.clone(), |i| i.short.to_string()),
                    Shown::Stored.of(a.score),
                    a.date.to_string(),
                    inst.map_or(String::new(), |i| {
                        format!("{} ({})", i.range_text(), i.better_word())
                    }),
                ]
            })
            .collect();
        println!("Latest scores");
        print!("{}", table(&["MEASURE", "SCORE", "DATE", "RANGE"], &rows));
    }
    println!();
    match plan {
        Some(pl) => {
            println!("Plan: {} since {}", pl.protocol_id, pl.start_date);
            if !pl.goal.is_empty() {
                println!("Goal: {}", visible_lines(&pl.goal));
            }
        }
        None => println!(
            "No active plan (`praxis plan set {} --protocol ID`).",
            p.code
        ),
    }
    Ok(())
}

fn edit(ctx: &Ctx, a: EditArgs) -> anyhow::Result<()> {
    let mut store = open(ctx)?;
    let saved = store.patient(&a.code)?;
    let mut p = saved.clone();
    if let Some(v) = a.expect_version {
        p.version = v;
    }
    patients::apply(&mut p, a.birth_year, a.condition, &a.fields.into())?;
    if p == saved {
        // Nothing to save: no new version, no audit row.
        if ctx.json {
            return ctx.print_json(&saved);
        }
        println!(
            "Nothing changed for patient {} (version {}).",
            saved.code, saved.version
        );
        return Ok(());
    }
    match patients::update(&mut store, &p) {
        Ok(saved) => {
            if ctx.json {
                ctx.print_json(&saved)
            } else {
                println!("Saved patient {} (version {}).", saved.code, saved.version);
                Ok(())
            }
        }
        Err(e) => {
            if let AppError::PatientConflict { mine, theirs } = &e {
                bail!(
                    "{e}\n  yours: {}\n  saved: {}",
                    serde_json::to_string(mine)?,
                    serde_json::to_string(theirs)?
                )
            }
            Err(e.into())
        }
    }
}
