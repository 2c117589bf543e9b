//! Progress against the forecast (issue 14.3): is the patient on track? The current plan is forecast from its start
//! (the scores up to the plan's first day as baseline, the sessions before it as earlier practice), and each later
//! assessment is read against that forecast's band: below its 10th percentile (in the instrument's better
//! direction) the patient is behind the forecast, above its 90th ahead of it.

use chrono::NaiveDate;
use serde::Serialize;

use crate::app::AppError;
use crate::app::protocols::Library;
use crate::domain::{Assessment, Plan};
use crate::instruments::Direction;
use crate::model::forecast::{Band, Cancelled, Comparison, Control, ForecastOptions};
use crate::model::{Protocol, Scenario};
use crate::store::Store;

/// Monte Carlo draws of the plan's forecast: enough for a 10-90% band, few enough for a list of patients.
pub const PROGRESS_DRAWS: u32 = 200;

/// Where the latest assessment sits in the plan's forecast band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Worse than the forecast's 10th percentile (in the instrument's better direction).
    Behind,
    OnTrack,
    /// Better than its 90th percentile.
    Ahead,
}

impl Standing {
    /// "behind forecast", "on track", "ahead of forecast".
    pub fn text(self) -> &'static str {
        match self {
            Standing::Behind => "behind forecast",
            Standing::OnTrack => "on track",
            Standing::Ahead => "ahead of forecast",
        }
    }
    /// The letter of the lists' flags: B behind the plan's forecast, A ahead of it, '·' on track.
    pub fn symbol(self) -> char {
        match self {
            Standing::Behind => 'B',
            Standing::Ahead => 'A',
            Standing::OnTrack => '·',
        }
    }
}

/// The plan's forecast from its start: what to run, and the date of its day 0.
#[derive(Debug, Clone)]
pub struct PlanForecast {
    pub scenario: Scenario,
    pub protocol: Protocol,
    /// The date of day 0 (the last assessment on or before the plan's start, else the first one after it).
    pub day0: NaiveDate,
    pub plan: Plan,
}

/// Build the forecast of the patient's active plan from its start; `None` without an active plan on a protocol of
/// the library or without assessments.
pub fn plan_forecast(
    store: &Store,
    lib: &Library,
    code: &str,
) -> Result<Option<PlanForecast>, AppError> {
    let Some(plan) = store.active_plan(code)? else {
        return Ok(None);
    };
    let Some(protocol) = lib.get(&plan.protocol_id).cloned() else {
        return Ok(None);
    };
    let patient = store.patient(code)?;
    let all = store.assessments(code)?;
    let before: Vec<Assessment> = all
        .iter()
        .filter(|a| a.date <= plan.start_date)
        .cloned()
        .collect();
    // No score before the plan: its first assessment day is the baseline.
    let base: Vec<Assessment> = if before.is_empty() {
        let Some(first) = all.iter().map(|a| a.date).min() else {
            return Ok(None);
        };
        all.iter().filter(|a| a.date == first).cloned().collect()
    } else {
        before
    };
    let Some(day0) = base.iter().map(|a| a.date).max() else {
        return Ok(None);
    };
    let mut scenario =
        crate::app::forecast::scenario_from_patient(&patient, &base, Some(&protocol.id))?;
    let sessions: Vec<_> = store
        .sessions(code, None)?
        .into_iter()
        .filter(|s| s.started_at.date() < plan.start_date)
        .collect();
    crate::app::forecast::add_logged_sessions(lib, &mut scenario, &sessions, day0);
    let latest = all.iter().map(|a| a.date).max().unwrap_or(day0);
    let span = |d: NaiveDate| u32::try_from((d - day0).num_days()).unwrap_or(0);
    // Long enough to reach the latest assessment and a little beyond, at most two years.
    scenario.horizon_days = scenario.horizon_days.max(span(latest) + 28).min(730);
    scenario.start_day = scenario
        .start_day
        .max(span(plan.start_date))
        .min(scenario.horizon_days);
    Ok(Some(PlanForecast {
        scenario,
        protocol,
        day0,
        plan,
    }))
}

/// Options of the plan's forecast.
pub fn options() -> ForecastOptions {
    ForecastOptions {
        draws: PROGRESS_DRAWS,
        seed: 1,
    }
}

/// Where `score` on day `day` of `band` sits, for an instrument read in `direction`. `None` after the band's end.
pub fn standing(band: &Band, day: usize, score: f64, direction: Direction) -> Option<Standing> {
    let (p10, p90) = (*band.p10.get(day)?, *band.p90.get(day)?);
    let (worse, better) = match direction {
        Direction::HigherIsBetter => (score < p10, score > p90),
        Direction::LowerIsBetter => (score > p90, score < p10),
    };
    Some(if worse {
        Standing::Behind
    } else if better {
        Standing::Ahead
    } else {
        Standing::OnTrack
    })
}

/// One instrument's latest assessment after day 0 against the plan's forecast.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InstrumentStanding {
    pub instrument: String,
    pub date: NaiveDate,
    pub score: f64,
    pub p10: f64,
    pub p90: f64,
    pub standing: Standing,
}

/// Each forecast instrument's latest assessment after day 0 against the plan's forecast `cmp` (one protocol).
pub fn standings(
    cmp: &Comparison,
    day0: NaiveDate,
    assessments: &[Assessment],
) -> Vec<InstrumentStanding> {
    let Some(pf) = cmp.protocols.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (id, band) in &pf.measures {
        let Ok(inst) = crate::instruments::get(id) else {
            continue;
        };
        let latest = assessments
            .iter()
            .filter(|a| {
                a.date > day0
                    && crate::instruments::get(&a.instrument).is_ok_and(|i| i.id == inst.id)
            })
            .max_by_key(|a| (a.date, a.id));
        let Some(a) = latest else { continue };
        let Ok(day) = usize::try_from((a.date - day0).num_days()) else {
            continue;
        };
        if let Some(standing) = standing(band, day, a.score, inst.direction) {
            out.push(InstrumentStanding {
                instrument: inst.id.to_string(),
                date: a.date,
                score: a.score,
                p10: band.p10[day],
                p90: band.p90[day],
                standing,
            });
        }
    }
    out
}

/// The patient's standing overall: behind if any instrument is behind, else ahead if any is ahead, else on track.
pub fn overall(s: &[InstrumentStanding]) -> Option<Standing> {
    if s.is_empty() {
        None
    } else if s.iter().any(|x| x.standing == Standing::Behind) {
        Some(Standing::Behind)
    } else if s.iter().any(|x| x.standing == Standing::Ahead) {
        Some(Standing::Ahead)
    } else {
        Some(Standing::OnTrack)
    }
}

/// The patient's standing against the plan's forecast, to compute later (on a worker thread: the forecast is the
/// slow part). `None` when there is nothing to read: no plan or assessments, or no assessment after day 0.
pub type StandingJob = Box<dyn FnOnce(&Control) -> Result<Option<Standing>, Cancelled> + Send>;

/// Prepare the [`StandingJob`] of a patient (the store is read now, the model runs later).
pub fn standing_job(
    store: &Store,
    lib: &Library,
    code: &str,
) -> Result<Option<StandingJob>, AppError> {
    let Some(pf) = plan_forecast(store, lib, code)? else {
        return Ok(None);
    };
    let assessments = store.assessments(code)?;
    if !assessments.iter().any(|a| a.date > pf.day0) {
        return Ok(None);
    }
    Ok(Some(Box::new(move |ctl: &Control| {
        let cmp = crate::app::forecast::compare_with(
            &pf.scenario,
            std::slice::from_ref(&pf.protocol),
            options(),
            ctl,
        )?;
        Ok(overall(&standings(&cmp, pf.day0, &assessments)))
    })))
}

/// The standings of the patients `codes` against their plans' forecasts (the command line's list): each patient's
/// [`StandingJob`], the one the TUI's list runs, one after the other (each forecast already runs its draws on the
/// machine's cores). `None` for a patient with nothing to read (no active plan, or no assessment after its day 0);
/// an error for one whose records cannot be forecast, the others read all the same.
pub fn standings_of(
    store: &Store,
    lib: &Library,
    codes: &[String],
) -> Vec<Result<Option<Standing>, AppError>> {
    let ctl = Control::default();
    codes
        .iter()
        .map(|code| Ok(standing_job(store, lib, code)?.and_then(|job| job(&ctl).ok().flatten())))
        .collect()
}

/// Run the plan's forecast to the end and read the patient's standing (command line, tests).
pub fn check(
    store: &Store,
    lib: &Library,
    code: &str,
) -> Result<Option<(PlanForecast, Comparison, Vec<InstrumentStanding>)>, AppError> {
    let Some(pf) = plan_forecast(store, lib, code)? else {
        return Ok(None);
    };
    let cmp =
        crate::app::forecast::compare(&pf.scenario, std::slice::from_ref(&pf.protocol), options())?;
    let s = standings(&cmp, pf.day0, &store.assessments(code)?);
    Ok(Some((pf, cmp, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_reads_the_band_in_the_better_direction() {
        let band = Band {
            mean: vec![40.0, 42.0],
            p10: vec![38.0, 40.0],
            p50: vec![40.0, 42.0],
            p90: vec![42.0, 44.0],
        };
        let hi = Direction::HigherIsBetter;
        assert_eq!(standing(&band, 1, 39.0, hi), Some(Standing::Behind));
        assert_eq!(standing(&band, 1, 42.0, hi), Some(Standing::OnTrack));
        assert_eq!(standing(&band, 1, 45.0, hi), Some(Standing::Ahead));
        // Lower is better (TUG seconds): a score above the 90th percentile is the worse side.
        let lo = Direction::LowerIsBetter;
        assert_eq!(standing(&band, 1, 45.0, lo), Some(Standing::Behind));
        assert_eq!(standing(&band, 1, 39.0, lo), Some(Standing::Ahead));
        assert_eq!(standing(&band, 2, 39.0, lo), None);
    }
}
