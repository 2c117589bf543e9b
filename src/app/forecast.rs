//! Forecast use cases: load a scenario and its protocols, run the engine, build a scenario from a stored patient.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike as _, NaiveDate};

use crate::app::AppError;
use crate::app::protocols::Library;
use crate::domain::{Assessment, Condition, Patient, SessionLog};
use crate::model::fair;
use crate::model::forecast::{
    Cancelled, Comparison, Control, Forecast, ForecastOptions, ProtocolForecast,
};
use crate::model::protocol::Protocol;
use crate::model::scenario::{self, Observation, PastSession, Scenario, ScenarioPatient};
use crate::model::simulate;

/// Read and validate a scenario file.
/// Monte Carlo draws of a forecast a therapist reads (`simulate`, `compare`, the terminal interface's forecast and
/// comparison, the reports): one number, so a forecast reads the same wherever it is shown.
pub const FORECAST_DRAWS: u32 = 500;

pub fn load_scenario(path: &Path) -> Result<Scenario, AppError> {
    let origin = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| AppError::Read {
        what: "scenario file",
        path: path.to_path_buf(),
        source,
    })?;
    Ok(scenario::parse(&text, &origin)?)
}

/// Read and validate a scenario file and run its `[[history]]` blocks: each block's protocol (an id, or a file
/// relative to the scenario's folder) is resolved and its sessions before day 0 become the scenario's earlier
/// practice.
pub fn load_scenario_with_history(lib: &Library, path: &Path) -> Result<Scenario, AppError> {
    let mut scenario = load_scenario(path)?;
    resolve_history(lib, &mut scenario, path.parent()).map_err(|source| AppError::InScenario {
        path: path.to_path_buf(),
        source: Box::new(source),
    })?;
    Ok(scenario)
}

/// Resolve the protocols of a scenario's `[[history]]` blocks and add their sessions to `scenario.practice`.
pub fn resolve_history(
    lib: &Library,
    scenario: &mut Scenario,
    scenario_dir: Option<&Path>,
) -> Result<(), AppError> {
    let blocks = scenario.history.clone();
    for (i, block) in blocks.iter().enumerate() {
        let protocol = lib
            .resolve(&block.protocol, scenario_dir)
            .map_err(|source| AppError::HistoryProtocol {
                block: i + 1,
                source: Box::new(source),
            })?;
        scenario.practice.add_run(block, &protocol);
    }
    Ok(())
}

/// Add a patient's logged sessions to the scenario as earlier practice, each with its real date and start time
/// (day from `day0`, the date of the latest assessment), minutes, repetitions and protocol. When sessions were
/// logged after day 0, the scenario's protocol starts the day after the last of them. Sessions of a protocol the
/// library does not have are left out (counted in the forecast's notes).
pub fn add_logged_sessions(
    lib: &Library,
    scenario: &mut Scenario,
    sessions: &[SessionLog],
    day0: NaiveDate,
) {
    use chrono::Timelike as _;
    let mut last_day: Option<i32> = None;
    for s in sessions {
        let Some(protocol) = lib.get(&s.protocol_id) else {
            scenario.practice.dropped += 1;
            continue;
        };
        let Ok(day) = i32::try_from((s.started_at.date() - day0).num_days()) else {
            scenario.practice.dropped += 1;
            continue;
        };
        let index = scenario.practice.protocol_index(protocol);
        let t = s.started_at.time();
        let added = scenario.practice.add_session(PastSession {
            day,
            hour: f64::from(t.hour()) + f64::from(t.minute()) / 60.0,
            minutes: f64::from(s.minutes),
            repetitions: s.repetitions,
            protocol: index,
        });
        if added && day >= 0 {
            last_day = last_day.max(Some(day));
        }
    }
    if let Some(d) = last_day.and_then(|d| u32::try_from(d + 1).ok()) {
        scenario.start_day = scenario.start_day.max(d.min(scenario.horizon_days));
    }
}

/// The protocol to simulate: `override_spec` (from `--protocol`) if given, else the scenario's own `protocol`
/// (a path relative to the scenario file, or an id); `None` means no treatment.
pub fn scenario_protocol(
    lib: &Library,
    scenario: &Scenario,
    scenario_dir: Option<&Path>,
    override_spec: Option<&str>,
) -> Result<Option<Protocol>, AppError> {
    match override_spec {
        Some(spec) => lib.resolve(spec, None).map(Some),
        None => match &scenario.protocol {
            Some(spec) => lib
                .resolve(spec, scenario_dir)
                .map_err(|e| AppError::ScenarioProtocol(Box::new(e)))
                .map(Some),
            None => Ok(None),
        },
    }
}

/// Resolve each protocol named on the command line (ids or files), in order.
pub fn resolve_all(lib: &Library, specs: &[String]) -> Result<Vec<Protocol>, AppError> {
    let mut out: Vec<Protocol> = Vec::new();
    for s in specs {
        let p = lib.resolve(s, None)?;
        if out.iter().any(|q| q.id == p.id) {
            return Err(AppError::ProtocolTwice(p.id));
        }
        out.push(p);
    }
    Ok(out)
}

/// The scenario's `session_times` must give one time per session of the protocol's treatment day.
pub fn check_session_times(scenario: &Scenario, protocol: &Protocol) -> Result<(), AppError> {
    if let Some(times) = &scenario.session_times
        && times.len() != protocol.schedule.sessions_per_day as usize
    {
        return Err(AppError::Invalid(format!(
            "the scenario's session_times gives {} time(s) but protocol {} has {} session(s) a day; give one start time per session",
            times.len(),
            protocol.id,
            protocol.schedule.sessions_per_day
        )));
    }
    Ok(())
}

/// Run one forecast to completion (command line).
pub fn forecast(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    opts: ForecastOptions,
) -> Result<Forecast, AppError> {
    if let Some(p) = protocol {
        check_session_times(scenario, p)?;
    }
    simulate::check_cost(scenario, protocol, opts.draws).map_err(AppError::Invalid)?;
    Ok(forecast_with(
        scenario,
        protocol,
        opts,
        &Control::default(),
    )?)
}

/// Run one forecast that the caller can cancel and follow (TUI worker threads): see [`Control`].
pub fn forecast_with(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Forecast, Cancelled> {
    simulate::forecast(scenario, protocol, opts, ctl)
}

/// Run a comparison to completion (command line).
pub fn compare(
    scenario: &Scenario,
    protocols: &[Protocol],
    opts: ForecastOptions,
) -> Result<Comparison, AppError> {
    for p in protocols {
        check_session_times(scenario, p)?;
        simulate::check_cost(scenario, Some(p), opts.draws)
            .map_err(|e| AppError::Invalid(format!("protocol {}: {e}", p.id)))?;
    }
    simulate::check_cost(scenario, None, opts.draws)
        .map_err(|e| AppError::Invalid(format!("no treatment: {e}")))?;
    Ok(compare_with(
        scenario,
        protocols,
        opts,
        &Control::default(),
    )?)
}

/// Run a comparison that the caller can cancel and follow: the protocols, no treatment as the reference (same
/// seed, so the same virtual patients), and the primary instrument read at common moments ([`fair`]): the end of
/// the longest protocol and the scenario's follow-up.
pub fn compare_with(
    scenario: &Scenario,
    protocols: &[Protocol],
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Comparison, Cancelled> {
    let mut cmp = simulate::compare(scenario, protocols, opts, ctl)?;
    // The engine's note on the top two (close, early after stroke) is about the comparison: a warning.
    let order: Vec<usize> = cmp
        .ranking
        .iter()
        .filter_map(|id| cmp.protocols.iter().position(|p| &p.id == id))
        .collect();
    cmp.warnings.extend(crate::model::ranking_note(
        scenario,
        &cmp.protocols,
        &order,
        &cmp.primary,
    ));
    let none = simulate::forecast(scenario, None, opts, ctl)?;
    cmp.no_treatment = Some(Box::new(ProtocolForecast {
        id: none.summary.protocol.clone(),
        measures: none.measures,
        summary: none.summary,
    }));
    cmp.fair = fair::fair(&cmp, &cmp.primary, follow_up_of(scenario)).map(Box::new);
    // The ranking is the one read at the common follow-up, the one every screen shows.
    if let Some(f) = &cmp.fair {
        let mut ranking = f.ranking.clone();
        ranking.extend(
            cmp.ranking
                .iter()
                .filter(|id| !f.ranking.contains(id))
                .cloned(),
        );
        cmp.ranking = ranking;
    }
    Ok(cmp)
}

/// The follow-up day a scenario asks for: its `follow_up_day`, else its horizon.
pub fn follow_up_of(scenario: &Scenario) -> u32 {
    scenario
        .follow_up_day
        .unwrap_or(scenario.horizon_days)
        .min(scenario.horizon_days)
}

/// Set the follow-up of a scenario to `day` (the therapist's pick), extending its horizon to reach it.
pub fn set_follow_up(scenario: &mut Scenario, day: u32) -> Result<(), AppError> {
    if !(1..=MAX_FOLLOW_UP).contains(&day) {
        return Err(AppError::Invalid(format!(
            "--at must be a day from 1 to {MAX_FOLLOW_UP} after the latest assessment (42 = 6 weeks, 90 = 3 months, 180 = 6 months); got {day}"
        )));
    }
    scenario.horizon_days = scenario.horizon_days.max(day);
    scenario.follow_up_day = Some(day);
    Ok(())
}

/// The follow-up a patient's comparison opens at when nobody picked one (issue 14.1): the date of the plan's
/// nearest goal still ahead ([`goal_follow_up`]), else [`fair::DEFAULT_FOLLOW_UP`] (3 months).
pub fn default_follow_up(scenario: &Scenario) -> u32 {
    goal_follow_up(&scenario.plan_goals).unwrap_or(fair::DEFAULT_FOLLOW_UP)
}

/// The day (after day 0) of the nearest goal still ahead, within the follow-ups a comparison reads.
pub fn goal_follow_up(goals: &[crate::model::scenario::Goal]) -> Option<u32> {
    goals
        .iter()
        .filter_map(|g| g.by_day)
        .filter(|d| (1..=MAX_FOLLOW_UP).contains(d))
        .min()
}

/// The latest follow-up a comparison reads: two years.
pub const MAX_FOLLOW_UP: u32 = 730;

/// Build a scenario from a stored patient: age from the birth year, the condition's facts, days since onset (stroke
/// onset date or Parkinson's diagnosis year), the latest score per instrument as baseline (day 0 = the date of the
/// most recent assessment), and every earlier score as an observation (negative days).
pub fn scenario_from_patient(
    patient: &Patient,
    assessments: &[Assessment],
    protocol: Option<&str>,
) -> Result<Scenario, AppError> {
    let Some(day0) = assessments.iter().map(|a| a.date).max() else {
        return Err(AppError::NoAssessments {
            code: patient.code.clone(),
        });
    };
    let mut latest: BTreeMap<String, &Assessment> = BTreeMap::new();
    for a in assessments {
        let id = crate::instruments::get(&a.instrument)
            .map(|i| i.id.to_string())
            .map_err(|e| {
                AppError::Invalid(format!("assessment of {} on {}: {e}", patient.code, a.date))
            })?;
        match latest.get(&id) {
            Some(b) if (b.date, b.id) >= (a.date, a.id) => {}
            _ => {
                latest.insert(id, a);
            }
        }
    }
    let baseline: BTreeMap<String, f64> =
        latest.iter().map(|(k, a)| (k.clone(), a.score)).collect();
    let mut observations: Vec<Observation> = assessments
        .iter()
        .filter(|a| {
            !latest
                .values()
                .any(|l| l.id == a.id && l.date == a.date && l.instrument == a.instrument)
        })
        .filter_map(|a| {
            let inst = crate::instruments::get(&a.instrument).ok()?;
            Some(Observation {
                day: i32::try_from((a.date - day0).num_days()).ok()?,
                instrument: inst.id.to_string(),
                score: a.score,
                state: a.med_state.filter(|_| inst.has_med_state()),
            })
        })
        .collect();
    observations.sort_by(|a, b| (a.day, &a.instrument).cmp(&(b.day, &b.instrument)));
    // The state of the latest score scored ON or OFF (MDS-UPDRS III) is the baseline's; the forecast predicts it.
    let baseline_state = latest
        .values()
        .filter(|a| crate::instruments::get(&a.instrument).is_ok_and(|i| i.has_med_state()))
        .find_map(|a| a.med_state);
    let age = u32::try_from(day0.year() - patient.birth_year).unwrap_or(0);
    let days_since_onset = days_since_onset(&patient.condition, day0);
    let mut s = Scenario {
        name: Some(format!("patient {}", patient.code)),
        patient: ScenarioPatient {
            age,
            condition: patient.condition.clone(),
            days_since_onset,
        },
        baseline,
        baseline_state,
        forecast_state: None,
        observations,
        protocol: protocol.map(str::to_string),
        start_day: 0,
        horizon_days: 180,
        follow_up_day: None,
        goal: None,
        session_times: None,
        history: Vec::new(),
        practice: Default::default(),
        med_converted: 0,
        levodopa_response: None,
        plan_done: None,
        primary: None,
        plan_goals: Vec::new(),
    };
    let problems = scenario::validate(&mut s);
    if let Some(p) = problems.first() {
        return Err(AppError::Invalid(format!(
            "patient {}: {}",
            patient.code, p.message
        )));
    }
    Ok(s)
}

/// Build the scenario for a stored patient (`praxis simulate --patient`): open the database read-only in spirit (no
/// writes), read the profile and assessments, and call [`scenario_from_patient`].
pub fn scenario_for_patient(
    db: &Path,
    code: &str,
    protocol: Option<&str>,
) -> Result<Scenario, AppError> {
    if !crate::store::Store::may_exist(db) {
        return Err(AppError::NoDatabase(db.to_path_buf()));
    }
    let store = crate::store::Store::open_db(db, true)?;
    let patient = store.patient(code)?;
    let assessments = store.assessments(code)?;
    scenario_from_patient(&patient, &assessments, protocol)
}

/// [`scenario_for_patient`] with the patient's logged sessions as earlier practice ([`add_logged_sessions`]):
/// `praxis simulate --patient` and `praxis compare --patient`. Without `protocol`, the scenario's protocol is the
/// active plan's (`praxis simulate --patient P` forecasts the plan); with no active plan, none (no treatment).
pub fn scenario_for_patient_with_sessions(
    db: &Path,
    code: &str,
    protocol: Option<&str>,
    lib: &Library,
) -> Result<Scenario, AppError> {
    if !crate::store::Store::may_exist(db) {
        return scenario_for_patient(db, code, protocol);
    }
    let store = crate::store::Store::open_db(db, true)?;
    let plan = match protocol {
        Some(_) => None,
        None => store.active_plan(code)?.map(|p| p.protocol_id),
    };
    patient_scenario(&store, lib, code, protocol.or(plan.as_deref()))
}

/// The forecast scenario of a stored patient as every screen and command builds it: profile and assessments
/// ([`scenario_from_patient`]) and the logged sessions as earlier practice ([`add_logged_sessions`]).
pub fn patient_scenario(
    store: &crate::store::Store,
    lib: &Library,
    code: &str,
    protocol: Option<&str>,
) -> Result<Scenario, AppError> {
    let patient = store.patient(code)?;
    let assessments = store.assessments(code)?;
    let mut scenario = scenario_from_patient(&patient, &assessments, protocol)?;
    if let Some(day0) = assessments.iter().map(|a| a.date).max() {
        let sessions = store.sessions(code, None)?;
        add_logged_sessions(lib, &mut scenario, &sessions, day0);
        // A plan under way: its protocol's sessions logged since it started are done; the forecast runs the rest.
        if let Some(plan) = store.active_plan(code)? {
            let done = crate::app::patients::plan_sessions_done(
                &sessions,
                &plan.protocol_id,
                plan.start_date,
            );
            scenario.plan_done = Some((plan.protocol_id, done));
        }
        scenario.plan_goals = crate::app::goals::scenario_goals(&store.goals(code)?, day0);
    }
    Ok(scenario)
}

/// Where `protocol` is outside its evidence for a stored patient if it started on `start` (see
/// `model::evidence`): the warnings a plan set on it carries. Empty when the patient has no assessments to build a
/// forecast scenario from, or the protocol is not in the library.
pub fn plan_warnings(
    store: &crate::store::Store,
    lib: &Library,
    code: &str,
    protocol: &str,
    start: NaiveDate,
) -> Vec<String> {
    let Some(p) = lib.get(protocol) else {
        return Vec::new();
    };
    let Ok(mut s) = patient_scenario(store, lib, code, Some(protocol)) else {
        return Vec::new();
    };
    if let Ok(day0) = store
        .assessments(code)
        .map(|a| a.iter().map(|a| a.date).max())
        && let Some(day0) = day0
    {
        s.start_day = u32::try_from((start - day0).num_days()).unwrap_or(0);
    }
    crate::model::evidence::warnings(&s, Some(p))
}

/// The phase a patient's MCIDs belong to, as the forecast reads it: days since onset on the day of the latest
/// assessment (every screen uses this one rule: [`crate::instruments::Phase`]).
pub fn phase_of(patient: &Patient, assessments: &[Assessment]) -> crate::instruments::Phase {
    let onset = assessments
        .iter()
        .map(|a| a.date)
        .max()
        .and_then(|day0| days_since_onset(&patient.condition, day0));
    crate::instruments::Phase::of(&patient.condition, onset)
}

/// Days from the onset of the condition (stroke onset, Parkinson's diagnosis year) to `day0`; None when unknown.
pub fn days_since_onset(c: &Condition, day0: NaiveDate) -> Option<u32> {
    let days = match c {
        Condition::Stroke(f) => f.onset_date.map(|d| (day0 - d).num_days()),
        Condition::Parkinsons(f) => f
            .diagnosis_year
            .and_then(|y| NaiveDate::from_ymd_opt(y, 7, 1))
            .map(|d| (day0 - d).num_days()),
        _ => None,
    };
    days.and_then(|d| u32::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StrokeFacts;

    #[test]
    fn a_cancelled_forecast_stops_with_cancelled() {
        let text = include_str!("../../tests/scenarios/stroke-subacute.toml");
        let s = scenario::parse(text, "stroke-subacute.toml").unwrap();
        let ctl = Control::default();
        ctl.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
        let lib = Library::builtin();
        let p = lib.get("usual-care").cloned();
        assert_eq!(
            forecast_with(&s, p.as_ref(), ForecastOptions::default(), &ctl),
            Err(Cancelled)
        );
        assert!(compare_with(&s, &[p.unwrap()], ForecastOptions::default(), &ctl).is_err());
    }

    fn assess(id: i64, inst: &str, score: f64, date: &str) -> Assessment {
        Assessment {
            id,
            patient_code: "P-0001".into(),
            instrument: inst.into(),
            score,
            date: date.parse().unwrap(),
            assessor: None,
            notes: String::new(),
            med_state: None,
        }
    }

    #[test]
    fn scenario_from_patient_uses_latest_scores_and_earlier_ones_as_observations() {
        let p = Patient {
            id: 1,
            code: "P-0001".into(),
            name: None,
            birth_year: 1960,
            sex: None,
            dominant_hand: None,
            affected_side: None,
            condition: Condition::Stroke(StrokeFacts {
                onset_date: Some("2026-01-01".parse().unwrap()),
                ..Default::default()
            }),
            notes: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
        };
        let a = vec![
            assess(1, "fma_ue", 20.0, "2026-01-04"),
            assess(2, "FMA-UE", 28.0, "2026-01-18"),
            assess(3, "arat", 10.0, "2026-01-11"),
        ];
        let s = scenario_from_patient(&p, &a, Some("usual-care")).unwrap();
        assert_eq!(s.patient.age, 66);
        assert_eq!(s.patient.days_since_onset, Some(17));
        assert_eq!(s.baseline.get("fma_ue"), Some(&28.0));
        assert_eq!(s.baseline.get("arat"), Some(&10.0));
        assert_eq!(s.observations.len(), 1);
        assert_eq!(s.observations[0].day, -14);
        assert_eq!(s.observations[0].instrument, "fma_ue");
        assert!(scenario_from_patient(&p, &[], None).is_err());
    }
}
