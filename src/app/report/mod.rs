//! The progress report and the discharge summary (issue 15.1): one self-contained HTML file a colleague can open or
//! print. This module builds the document ([`Report`]) from the store and the model; [`html`] renders it (no store
//! I/O there), [`svg`] draws its charts; [`write`] and [`write_to_stream`] deliver it inside an audit transaction,
//! like an export.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use serde::Serialize;

use crate::app::AppError;
use crate::app::goals::Gas;
use crate::app::protocols::Library;
use crate::domain::goals::gas_level_text;
use crate::domain::{Assessment, Condition, Goal, Plan, SessionLog};
use crate::instruments::{self, Direction, Instrument};
use crate::model::Protocol;
use crate::model::fair::Fair;
use crate::model::forecast::{Comparison, ForecastOptions};
use crate::store::{Store, StoreError};

pub mod html;
pub mod svg;

/// Which document.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReportKind {
    /// A progress report (to the referring doctor, the team, the patient).
    Progress,
    /// A discharge summary: the progress report plus outcome at discharge against admission and goal attainment.
    Discharge,
}

impl ReportKind {
    pub fn title(self) -> &'static str {
        match self {
            ReportKind::Progress => "Progress report",
            ReportKind::Discharge => "Discharge summary",
        }
    }
}

/// What to put in a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub kind: ReportKind,
    /// Leave out the name, the birth year, assessors and free-text notes.
    pub pseudonymised: bool,
    /// Monte Carlo draws per forecast.
    pub draws: u32,
}

impl Options {
    pub fn new(kind: ReportKind, pseudonymised: bool) -> Options {
        Options {
            kind,
            pseudonymised,
            draws: REPORT_DRAWS,
        }
    }
}

/// Draws per forecast in a report: the same as `simulate`, `compare` and the terminal interface's forecast, so a
/// report's figures are the ones the therapist saw.
pub const REPORT_DRAWS: u32 = crate::app::forecast::FORECAST_DRAWS;

/// The days after the latest assessment the report's forecast reads: 3 months (the comparison's default follow-up).
pub const REPORT_FOLLOW_UP: u32 = crate::model::fair::DEFAULT_FOLLOW_UP;

/// The days after the latest assessment a discharge summary forecasts, without therapy: 6 months (`workflows.md`
/// story 12: "the forecast for the next 6 months without therapy").
pub const DISCHARGE_FOLLOW_UP: u32 = 180;

/// The whole document, as the renderer needs it: numbers, dates and the user's text (escaped when rendered).
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub kind: ReportKind,
    pub pseudonymised: bool,
    /// When it was written (local time) and by whom.
    pub written_at: NaiveDateTime,
    pub author: Author,
    pub patient: PatientPart,
    /// "Stroke", "Parkinson's disease", ... and its facts as (what, value).
    pub condition: String,
    pub facts: Vec<(String, String)>,
    /// One per instrument assessed, in the order first used.
    pub measures: Vec<Measure>,
    /// Every current assessment, oldest first.
    pub assessments: Vec<AssessmentRow>,
    pub dose: Dose,
    pub plan: Option<PlanPart>,
    pub goals: Vec<GoalPart>,
    pub gas: Option<Gas>,
    /// The forecast under the plan and the comparison; `Err` says why there is none.
    pub forecast: Result<ForecastPart, String>,
    /// The latest assessments against the plan's forecast from its start (issue 14.3), when there is an active plan.
    pub standing: Option<StandingPart>,
}

/// Is the patient on track? Each instrument's latest score against the 80% band of the plan's forecast from the
/// plan's start ([`crate::app::progress`]).
#[derive(Debug, Clone, PartialEq)]
pub struct StandingPart {
    pub plan_start: NaiveDate,
    /// The forecast's day 0: the last assessment on or before the plan's start.
    pub day0: NaiveDate,
    pub rows: Vec<crate::app::progress::InstrumentStanding>,
}

/// Who wrote the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Author {
    pub os_user: String,
    /// Their name and role as a clinician of this database, when they are one.
    pub name: Option<String>,
    pub role: Option<String>,
}

impl Author {
    /// "Kim Lee (kim, therapist)", "kim".
    pub fn text(&self) -> String {
        match (&self.name, &self.role) {
            (Some(n), Some(r)) => format!("{n} ({}, {r})", self.os_user),
            (Some(n), None) => format!("{n} ({})", self.os_user),
            _ => self.os_user.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatientPart {
    pub code: String,
    /// `None` when pseudonymised (or not recorded).
    pub name: Option<String>,
    pub birth_year: Option<i32>,
    pub sex: Option<&'static str>,
    pub dominant_hand: Option<&'static str>,
    pub affected_side: Option<&'static str>,
    /// The patient's notes (empty when pseudonymised).
    pub notes: String,
}

/// One instrument's course.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub instrument: &'static Instrument,
    /// The MCID (or MDC) of the patient's phase, improvement in the instrument's units.
    pub mcid: f64,
    /// Every score, oldest first.
    pub points: Vec<(NaiveDate, f64)>,
    /// The forecast under the plan from the latest assessment: (date, p10, mean, p90), daily.
    pub forecast: Vec<BandPoint>,
    /// The goals on this instrument: (date, target).
    pub goals: Vec<(NaiveDate, f64)>,
}

impl Measure {
    pub fn baseline(&self) -> (NaiveDate, f64) {
        self.points[0]
    }
    pub fn latest(&self) -> (NaiveDate, f64) {
        self.points[self.points.len() - 1]
    }
    /// Improvement from the first score to the latest (positive = better).
    pub fn improvement(&self) -> f64 {
        self.instrument
            .improvement(self.baseline().1, self.latest().1)
    }
    /// More than one score, and the change reaches the MCID.
    pub fn passed(&self) -> bool {
        self.points.len() > 1 && self.improvement() >= self.mcid - 1e-9
    }
    /// Where the MCID band ends: the baseline moved by one MCID in the better direction.
    pub fn mcid_line(&self) -> f64 {
        match self.instrument.direction {
            Direction::HigherIsBetter => self.baseline().1 + self.mcid,
            Direction::LowerIsBetter => self.baseline().1 - self.mcid,
        }
    }
}

/// One day of a forecast band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandPoint {
    pub date: NaiveDate,
    pub p10: f64,
    pub mean: f64,
    pub p90: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRow {
    pub date: NaiveDate,
    pub instrument: &'static Instrument,
    pub score: f64,
    /// "ON" / "OFF" for MDS-UPDRS III.
    pub med_state: Option<&'static str>,
    /// `None` when pseudonymised or not recorded.
    pub assessor: Option<String>,
}

/// The therapy delivered: every current session, and against the plan's schedule.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dose {
    pub sessions: u32,
    pub minutes: u64,
    pub repetitions: u64,
    pub first: Option<NaiveDate>,
    pub last: Option<NaiveDate>,
    pub mean_success: Option<f64>,
    pub mean_rpe: Option<f64>,
    pub adherence: Option<Adherence>,
}

/// Sessions of the plan's protocol since its start, against those its schedule had planned by the report's day.
#[derive(Debug, Clone, PartialEq)]
pub struct Adherence {
    pub since: NaiveDate,
    pub done: u32,
    pub planned_so_far: u32,
    pub planned_total: u32,
    pub minutes_done: u64,
    pub minutes_planned: u64,
    pub repetitions_done: u64,
    pub repetitions_planned: u64,
}

impl Adherence {
    /// Sessions done per session planned so far (None before the first planned session).
    pub fn share(&self) -> Option<f64> {
        (self.planned_so_far > 0).then(|| f64::from(self.done) / f64::from(self.planned_so_far))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlanPart {
    pub protocol_id: String,
    /// From the library, when the protocol is in it.
    pub protocol: Option<Protocol>,
    pub start: NaiveDate,
    pub status: &'static str,
    /// The therapist's words (empty when pseudonymised).
    pub goal_text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GoalPart {
    pub goal: Goal,
    /// "FMA-UE 50 by 2027-01-15".
    pub title: String,
    /// Probability of reaching it under the plan's forecast.
    pub probability: Option<f64>,
    /// The latest GAS level, its words and date.
    pub level: Option<i8>,
    pub level_text: Option<&'static str>,
    pub reviewed: Option<NaiveDate>,
    /// The latest score on its instrument, and whether it reaches the target.
    pub latest: Option<(NaiveDate, f64)>,
    pub reached: Option<bool>,
}

/// The forecast under the current plan and the comparison made for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ForecastPart {
    /// Day 0: the latest assessment.
    pub day0: NaiveDate,
    pub follow_up_day: u32,
    /// The plan's protocol, when there is a plan on a protocol of the library; else the comparison only.
    pub plan_protocol: Option<String>,
    /// The protocols compared (the plan's and the condition's comparator) with no treatment.
    pub comparison: Comparison,
    pub fair: Option<Fair>,
    /// The comparison's conclusion in words (see [`crate::app::verdict`]).
    pub conclusion: Vec<String>,
    /// Reasons behind the forecast, each with its source.
    pub reasons: Vec<String>,
    /// Where a protocol is used outside its evidence, and warnings about the comparison.
    pub warnings: Vec<String>,
    /// A discharge summary: the forecast shown first (table and chart bands) is the patient's without therapy
    /// (`comparison.no_treatment`), to [`DISCHARGE_FOLLOW_UP`]; the comparison follows as what continued therapy
    /// would add.
    pub without_therapy: bool,
}

impl ForecastPart {
    /// The forecast the report shows first: without therapy for a discharge summary, else the plan's protocol
    /// (the first compared).
    pub fn head(&self) -> Option<&crate::model::forecast::ProtocolForecast> {
        if self.without_therapy {
            self.comparison.no_treatment.as_deref()
        } else {
            self.comparison.protocols.first()
        }
    }

    /// The date `day` days after day 0.
    pub fn date(&self, day: u32) -> NaiveDate {
        self.day0 + chrono::Days::new(u64::from(day))
    }
}

/// The condition's facts as (what, value), `on` the day the report is written.
pub fn condition_facts(c: &Condition, on: NaiveDate) -> Vec<(String, String)> {
    use crate::domain::Named as _;
    let mut out: Vec<(String, String)> = Vec::new();
    let mut add = |k: &str, v: String| out.push((k.to_string(), v));
    match c {
        Condition::Stroke(f) => {
            if let Some(d) = f.onset_date {
                add("Onset", format!("{d} ({} days ago)", (on - d).num_days()));
            }
            if let Some(t) = f.stroke_type {
                add("Type", t.name().into());
            }
            if let Some(cs) = f.corticospinal {
                add("Corticospinal tract", cs.name().into());
            }
            if let Some(m) = f.mep {
                add("MEP", m.name().into());
            }
            if let Some(n) = f.nihss {
                add("NIHSS", n.to_string());
            }
            if let Some(x) = f.active_extension {
                add("Active wrist and finger extension", x.name().into());
            }
        }
        Condition::Parkinsons(f) => {
            if let Some(y) = f.diagnosis_year {
                add("Diagnosed", y.to_string());
            }
            if let Some(h) = f.hoehn_yahr {
                add("Hoehn & Yahr stage", instruments::Shown::Stored.of(h));
            }
            if let Some(m) = f.medication {
                add("Medication", m.name().into());
            }
        }
        Condition::CerebellarAtaxia(f) => {
            if let Some(t) = &f.ataxia_type {
                add("Type", t.clone());
            }
        }
        Condition::OlderAdult(f) => {
            if let Some(n) = f.falls_last_year {
                add("Falls in the last year", n.to_string());
            }
        }
    }
    out
}

/// Build the report on patient `code` as of `now`: read the records, run the forecast under the plan and the
/// comparison with the condition's comparator and no treatment. Reads only; writes nothing.
pub fn build(
    store: &Store,
    lib: &Library,
    code: &str,
    opts: Options,
    now: NaiveDateTime,
) -> Result<Report, AppError> {
    let patient = store.patient(code)?;
    let assessments = store.assessments(code)?;
    let sessions = store.sessions(code, None)?;
    let plan = match store.active_plan(code)? {
        Some(p) => Some(p),
        // A discharge summary is often written after the plan was closed: the latest plan then.
        None if opts.kind == ReportKind::Discharge => store
            .plans(code)?
            .into_iter()
            .max_by_key(|p| (p.start_date, p.id)),
        None => None,
    };
    let goal_list = crate::app::goals::list(store, code)?;
    let who = store.who().os_user.clone();
    let clinician = store.clinicians()?.into_iter().find(|c| c.os_user == who);
    let author = Author {
        os_user: who,
        name: clinician
            .as_ref()
            .map(|c| c.display_name.clone())
            .filter(|n| !n.trim().is_empty()),
        role: clinician.map(|c| c.role.name().to_string()),
    };
    let today = now.date();
    let hide = opts.pseudonymised;
    let patient_part = PatientPart {
        code: patient.code.clone(),
        name: patient
            .name
            .clone()
            .filter(|n| !hide && !n.trim().is_empty()),
        birth_year: (!hide).then_some(patient.birth_year),
        sex: patient.sex.map(<&'static str>::from),
        dominant_hand: patient.dominant_hand.map(<&'static str>::from),
        affected_side: patient.affected_side.map(<&'static str>::from),
        notes: if hide {
            String::new()
        } else {
            patient.notes.clone()
        },
    };
    let facts = match &patient.condition {
        // Free text may name the patient: a pseudonymised report keeps the structured facts only.
        Condition::CerebellarAtaxia(_) if hide => Vec::new(),
        c => condition_facts(c, today),
    };
    let rows = assessment_rows(&assessments, hide);
    let forecast = forecast_part(store, lib, code, plan.as_ref(), opts);
    let goals = goal_parts(&goal_list.goals, &assessments, forecast.as_ref().ok());
    let mut measures = measures(&patient, &assessments, &goal_list.goals);
    if let Ok(f) = &forecast {
        add_bands(&mut measures, f);
    }
    let dose = dose(&sessions, plan.as_ref(), lib, today);
    // Only the active plan has a forecast from its start; a report without one simply leaves this out.
    let standing = crate::app::progress::check(store, lib, code)
        .ok()
        .flatten()
        .filter(|(_, _, rows)| !rows.is_empty())
        .map(|(pf, _, rows)| StandingPart {
            plan_start: pf.plan.start_date,
            day0: pf.day0,
            rows,
        });
    let plan = plan.map(|p| plan_part(p, lib, hide));
    Ok(Report {
        kind: opts.kind,
        pseudonymised: hide,
        written_at: now,
        author,
        condition: capitalised(patient.condition.kind().label()),
        facts,
        patient: patient_part,
        measures,
        assessments: rows,
        dose,
        plan,
        goals,
        gas: goal_list.gas,
        forecast,
        standing,
    })
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn assessment_rows(assessments: &[Assessment], hide: bool) -> Vec<AssessmentRow> {
    assessments
        .iter()
        .filter_map(|a| {
            Some(AssessmentRow {
                date: a.date,
                instrument: instruments::get(&a.instrument).ok()?,
                score: a.score,
                med_state: a.med_state.map(|s| s.label()),
                assessor: a.assessor.clone().filter(|s| !hide && !s.trim().is_empty()),
            })
        })
        .collect()
}

/// One [`Measure`] per instrument, in the order first assessed.
fn measures(
    patient: &crate::domain::Patient,
    assessments: &[Assessment],
    goals: &[crate::app::goals::GoalStatus],
) -> Vec<Measure> {
    let phase = crate::app::forecast::phase_of(patient, assessments);
    let mut out: Vec<Measure> = Vec::new();
    for a in assessments {
        let Ok(inst) = instruments::get(&a.instrument) else {
            continue;
        };
        match out.iter_mut().find(|m| m.instrument.id == inst.id) {
            Some(m) => m.points.push((a.date, a.score)),
            None => out.push(Measure {
                instrument: inst,
                mcid: inst.mcid_in(phase),
                points: vec![(a.date, a.score)],
                forecast: Vec::new(),
                goals: goals
                    .iter()
                    .filter(|g| instruments::get(&g.goal.instrument).is_ok_and(|i| i.id == inst.id))
                    .map(|g| (g.goal.by, g.goal.target))
                    .collect(),
            }),
        }
    }
    out
}

/// The plan protocol's band (else the first protocol's) on each measure, from day 0 to the follow-up.
fn add_bands(measures: &mut [Measure], f: &ForecastPart) {
    let Some(pf) = f.head() else {
        return;
    };
    for m in measures {
        let Some(band) = pf.measures.get(m.instrument.id) else {
            continue;
        };
        let n = band
            .mean
            .len()
            .min(band.p10.len())
            .min(band.p90.len())
            .min(f.follow_up_day as usize + 1);
        m.forecast = (0..n)
            .map(|i| BandPoint {
                date: f.date(i as u32),
                p10: band.p10[i],
                mean: band.mean[i],
                p90: band.p90[i],
            })
            .collect();
    }
}

fn goal_parts(
    goals: &[crate::app::goals::GoalStatus],
    assessments: &[Assessment],
    forecast: Option<&ForecastPart>,
) -> Vec<GoalPart> {
    goals
        .iter()
        .map(|g| {
            let inst = instruments::get(&g.goal.instrument).ok();
            let latest = inst.and_then(|i| {
                assessments
                    .iter()
                    .filter(|a| instruments::get(&a.instrument).is_ok_and(|x| x.id == i.id))
                    .max_by_key(|a| (a.date, a.id))
                    .map(|a| (a.date, a.score))
            });
            let reached = inst.zip(latest).map(|(i, (_, s))| match i.direction {
                Direction::HigherIsBetter => s >= g.goal.target,
                Direction::LowerIsBetter => s <= g.goal.target,
            });
            let probability = forecast.and_then(|f| {
                let pf = plan_forecast(f)?;
                crate::app::goals::chance(&g.goal, f.day0, &pf.summary)
            });
            GoalPart {
                title: crate::app::goals::goal_title(&g.goal),
                goal: g.goal.clone(),
                probability,
                level: g.level,
                level_text: g.level.map(gas_level_text),
                reviewed: g.reviewed,
                latest,
                reached,
            }
        })
        .collect()
}

/// The plan protocol's forecast in the comparison, when the report has a plan on a protocol of the library.
pub fn plan_forecast(f: &ForecastPart) -> Option<&crate::model::forecast::ProtocolForecast> {
    let id = f.plan_protocol.as_deref()?;
    f.comparison.protocols.iter().find(|p| p.id == id)
}

/// The comparator (usual care) of a condition in the library.
pub fn comparator<'a>(lib: &'a Library, c: &Condition) -> Option<&'a Protocol> {
    let kind = c.kind();
    lib.protocols()
        .find(|p| p.comparator && p.conditions.contains(&kind))
}

/// The forecast from the latest assessment under the plan's protocol, compared with the condition's comparator and
/// no treatment, read at the common follow-up ([`crate::model::fair`]). `Err` says why there is none.
fn forecast_part(
    store: &Store,
    lib: &Library,
    code: &str,
    plan: Option<&Plan>,
    opts: Options,
) -> Result<ForecastPart, String> {
    let patient = store.patient(code).map_err(|e| e.to_string())?;
    let plan_protocol = plan
        .filter(|p| p.status == crate::domain::PlanStatus::Active)
        .and_then(|p| lib.get(&p.protocol_id));
    let mut protocols: Vec<Protocol> = plan_protocol.into_iter().cloned().collect();
    if let Some(c) = comparator(lib, &patient.condition)
        && !protocols.iter().any(|p| p.id == c.id)
    {
        protocols.push(c.clone());
    }
    if protocols.is_empty() {
        return Err("no protocol of the library to forecast (no active plan, no usual care for the condition)".into());
    }
    let mut scenario = crate::app::forecast::patient_scenario(
        store,
        lib,
        code,
        protocols.first().map(|p| p.id.as_str()),
    )
    .map_err(|e| e.to_string())?;
    let without_therapy = opts.kind == ReportKind::Discharge;
    let follow_up = if without_therapy {
        DISCHARGE_FOLLOW_UP
    } else {
        REPORT_FOLLOW_UP
    };
    crate::app::forecast::set_follow_up(&mut scenario, follow_up).map_err(|e| e.to_string())?;
    let day0 = store
        .assessments(code)
        .map_err(|e| e.to_string())?
        .iter()
        .map(|a| a.date)
        .max()
        .ok_or("no assessments to forecast from")?;
    let fopts = ForecastOptions {
        draws: opts.draws,
        seed: 1,
    };
    let cmp =
        crate::app::forecast::compare(&scenario, &protocols, fopts).map_err(|e| e.to_string())?;
    let fair = cmp.fair.as_deref().cloned();
    let conclusion = fair
        .as_ref()
        .map(|f| crate::app::verdict::conclusion(&cmp, f, true).lines)
        .unwrap_or_default();
    let first = protocols.first().map(|p| p.id.clone()).unwrap_or_default();
    let reasons = crate::app::verdict::own_notes(&cmp, &first);
    let mut warnings = cmp.warnings.clone();
    for p in &cmp.protocols {
        for w in &p.summary.warnings {
            if !warnings.contains(w) {
                warnings.push(format!("{}: {w}", p.id));
            }
        }
    }
    Ok(ForecastPart {
        day0,
        follow_up_day: fair.as_ref().map_or(follow_up, |f| f.follow_up_day),
        plan_protocol: plan_protocol.map(|p| p.id.clone()),
        comparison: cmp,
        fair,
        conclusion,
        reasons,
        warnings,
        without_therapy,
    })
}

/// The sessions delivered and, under a plan on a protocol of the library, against its schedule up to `today`.
fn dose(sessions: &[SessionLog], plan: Option<&Plan>, lib: &Library, today: NaiveDate) -> Dose {
    let n = sessions.len();
    let mean = |xs: Vec<f64>| (!xs.is_empty()).then(|| xs.iter().sum::<f64>() / xs.len() as f64);
    let adherence = plan.and_then(|p| {
        let protocol = lib.get(&p.protocol_id)?;
        let s = &protocol.schedule;
        let days = (today - p.start_date).num_days();
        let slots = s.session_slots();
        let planned_so_far = slots.iter().filter(|(d, _)| i64::from(*d) <= days).count() as u32;
        let mine: Vec<&SessionLog> = sessions
            .iter()
            .filter(|x| x.started_at.date() >= p.start_date && x.protocol_id == p.protocol_id)
            .collect();
        Some(Adherence {
            since: p.start_date,
            done: mine.len() as u32,
            planned_so_far,
            planned_total: slots.len() as u32,
            minutes_done: mine.iter().map(|x| u64::from(x.minutes)).sum(),
            minutes_planned: (f64::from(planned_so_far) * s.minutes_per_session).round() as u64,
            repetitions_done: mine.iter().map(|x| u64::from(x.repetitions)).sum(),
            repetitions_planned: u64::from(planned_so_far) * u64::from(s.repetitions_per_session),
        })
    });
    Dose {
        sessions: n as u32,
        minutes: sessions.iter().map(|s| u64::from(s.minutes)).sum(),
        repetitions: sessions.iter().map(|s| u64::from(s.repetitions)).sum(),
        first: sessions.iter().map(|s| s.started_at.date()).min(),
        last: sessions.iter().map(|s| s.started_at.date()).max(),
        mean_success: mean(sessions.iter().filter_map(|s| s.success_rate).collect()),
        mean_rpe: mean(
            sessions
                .iter()
                .filter_map(|s| s.rpe.map(f64::from))
                .collect(),
        ),
        adherence,
    }
}

fn plan_part(p: Plan, lib: &Library, hide: bool) -> PlanPart {
    PlanPart {
        protocol: lib.get(&p.protocol_id).cloned(),
        status: p.status.into(),
        start: p.start_date,
        goal_text: if hide { String::new() } else { p.goal },
        protocol_id: p.protocol_id,
    }
}

/// What the audit row says about a report.
pub fn audit_details(report: &Report, destination: &str) -> serde_json::Value {
    serde_json::json!({
        "kind": report.kind,
        "format": "html",
        "pseudonymised": report.pseudonymised,
        "to": destination,
    })
}

/// Write `report` as HTML to `out`, a new file (mode 0600; never overwriting one), in one audited transaction: the
/// file exists only if its audit row was committed.
pub fn write(store: &mut Store, report: &Report, out: &Path) -> Result<(), AppError> {
    let html = html::render(report);
    let dest = out.display().to_string();
    let details = audit_details(report, &dest);
    let mut created = false;
    let res = store.report_with(&report.patient.code, &dest, &details, &mut || {
        write_new_private(out, html.as_bytes())?;
        created = true;
        Ok(())
    });
    if let Err(e) = res {
        // Not audited: take the file back, so no report exists without its audit row.
        if created {
            let _ = std::fs::remove_file(out);
        }
        return Err(e.into());
    }
    Ok(())
}

/// Write `report` as HTML to a stream (standard output), audited before the first byte leaves. A write that fails
/// midway is recorded as incomplete in a second audit row, as an export's is.
pub fn write_to_stream(
    store: &mut Store,
    report: &Report,
    w: &mut dyn std::io::Write,
) -> Result<(), AppError> {
    let html = html::render(report);
    let dest = crate::app::export::STDOUT;
    let details = audit_details(report, dest);
    let row = store.report_with(&report.patient.code, dest, &details, &mut || Ok(()))?;
    let Err(e) = w.write_all(html.as_bytes()).and_then(|()| w.flush()) else {
        return Ok(());
    };
    let mut more = details.clone();
    if let Some(o) = more.as_object_mut() {
        o.insert("reason".into(), e.to_string().into());
        o.insert("bytes".into(), html.len().into());
    }
    let head = format!("the report to {dest} was cut short ({e})");
    Err(AppError::ExportIncomplete(
        match store.audit_export_incomplete(row, dest, &more) {
            Ok(r) => format!("{head}; the audit trail records it as incomplete (row {r})"),
            Err(ae) => format!("{head}; recording that in the audit trail failed too ({ae})"),
        },
    ))
}

/// Create `path` (it must not exist; a symbolic link there is not followed), mode 0600, and write `bytes`; on a
/// failed write the file is removed.
pub fn write_new_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .mode(0o600)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                StoreError::Duplicate(format!(
                    "{} already exists; choose another file (a report never overwrites one)",
                    path.display()
                ))
            } else {
                io(e)
            }
        })?;
    if let Err(e) = f.write_all(bytes).and_then(|()| f.sync_all()) {
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    Ok(())
}

/// Where the terminal interface writes reports: `$XDG_DATA_HOME/praxis/reports` (usually
/// `~/.local/share/praxis/reports`), the user's own folder, never the shared database's: a report holds a patient's
/// health data and only its author should read it until they send it on.
pub fn default_dir() -> Option<std::path::PathBuf> {
    use etcetera::BaseStrategy as _;
    let base = etcetera::choose_base_strategy().ok()?;
    Some(base.data_dir().join("praxis").join("reports"))
}

/// A file name for a report on `code` written at `now`: "P-0107-progress-2026-11-20-1430.html".
pub fn file_name(code: &str, kind: ReportKind, now: NaiveDateTime) -> String {
    let kind: &str = kind.into();
    format!("{code}-{kind}-{}.html", now.format("%Y-%m-%d-%H%M%S"))
}

#[cfg(test)]
mod tests;
