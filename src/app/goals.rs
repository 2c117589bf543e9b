//! Goals of a plan and their Goal Attainment Scaling (`praxis goal add|review|list`, the overview's goals): adding
//! and reviewing goals, the GAS T-score of the latest levels, and each goal's probability under a forecast.

use chrono::NaiveDate;
use serde::Serialize;

use crate::app::error::Result;
use crate::domain::{Goal, GoalReview};
use crate::model::forecast::Summary;
use crate::model::scenario;
use crate::store::{Correction, RecordKind, RecordMeta, Store};

/// A goal with its latest GAS review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalStatus {
    #[serde(flatten)]
    pub goal: Goal,
    /// The latest review's level (-2..+2), if reviewed.
    pub level: Option<i8>,
    /// The date of the latest review.
    pub reviewed: Option<NaiveDate>,
    /// Every current review, oldest first.
    pub reviews: Vec<GoalReview>,
}

/// `praxis goal list --json`: the patient's current goals with their reviews, and the GAS T-score of the latest
/// levels of the reviewed goals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GoalList {
    pub patient: String,
    pub goals: Vec<GoalStatus>,
    pub gas: Option<Gas>,
}

/// The GAS T-score (Kiresuk & Sherman 1968; rho 0.3, goals weighted equally) of the reviewed goals' latest levels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gas {
    pub t_score: f64,
    pub rho: f64,
    /// How many goals the score covers, of how many.
    pub reviewed: usize,
    pub goals: usize,
}

impl Gas {
    /// "GAS T-score 50.0 (3 of 3 goals reviewed)".
    pub fn text(&self) -> String {
        format!(
            "GAS T-score {:.1} ({} of {} goals reviewed)",
            self.t_score, self.reviewed, self.goals
        )
    }
}

/// The goals of `code` with their latest levels and the GAS T-score, from already-read goals and reviews.
pub fn goal_list(code: &str, goals: Vec<Goal>, reviews: &[GoalReview]) -> GoalList {
    let goals: Vec<GoalStatus> = goals
        .into_iter()
        .map(|goal| {
            let mine: Vec<GoalReview> = reviews
                .iter()
                .filter(|r| r.goal_id == goal.id)
                .cloned()
                .collect();
            // Reviews come by date, then by id: the last one is the latest.
            let last = mine.last();
            GoalStatus {
                level: last.map(|r| r.level),
                reviewed: last.map(|r| r.date),
                reviews: mine.clone(),
                goal,
            }
        })
        .collect();
    let levels: Vec<i8> = goals.iter().filter_map(|g| g.level).collect();
    let gas = crate::model::gas::t_score(&levels).map(|t_score| Gas {
        t_score,
        rho: crate::model::gas::RHO,
        reviewed: levels.len(),
        goals: goals.len(),
    });
    GoalList {
        patient: code.to_string(),
        goals,
        gas,
    }
}

/// Read a patient's goals and reviews: [`goal_list`].
pub fn list(store: &Store, code: &str) -> Result<GoalList> {
    let goals = store.goals(code)?;
    let reviews = store.goal_reviews(code)?;
    Ok(goal_list(code, goals, &reviews))
}

/// Add a goal to the patient's active plan.
pub fn add(
    store: &mut Store,
    code: &str,
    instrument: &str,
    target: f64,
    by: NaiveDate,
    text: &str,
) -> Result<Goal> {
    Ok(store.add_goal(&Goal {
        id: 0,
        patient_code: code.to_string(),
        plan_id: None,
        instrument: instrument.to_string(),
        target,
        by,
        text: text.trim().to_string(),
    })?)
}

/// What a therapist should look at again in a goal just set (saved all the same: a goal may be recorded late, or
/// kept as a floor): a date already past on `today`, a target the patient's latest score on the instrument already
/// meets.
pub fn goal_notices(store: &Store, g: &Goal, today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(inst) = crate::instruments::get(&g.instrument) else {
        return out;
    };
    if g.by < today {
        out.push(format!(
            "the goal's date {} has passed (today is {today}): a goal is usually set ahead",
            g.by
        ));
    }
    let latest = store
        .assessments(&g.patient_code)
        .unwrap_or_default()
        .into_iter()
        .filter(|a| crate::instruments::get(&a.instrument).is_ok_and(|i| i.id == inst.id))
        .max_by_key(|a| (a.date, a.id));
    if let Some(a) = latest
        && inst.improvement(a.score, g.target) <= 0.0
    {
        out.push(format!(
            "the latest {} ({} on {}) already meets the target {}: the goal asks for no change",
            inst.short,
            crate::instruments::show(inst.id, a.score, crate::instruments::Shown::Stored),
            a.date,
            crate::instruments::show(inst.id, g.target, crate::instruments::Shown::Stored),
        ));
    }
    out
}

/// Record a GAS level for one of the patient's goals on `date`; returns the review and the new list.
pub fn review(
    store: &mut Store,
    code: &str,
    goal_id: i64,
    level: i8,
    date: NaiveDate,
    notes: &str,
) -> Result<(GoalReview, GoalList)> {
    let r = store.add_goal_review(&GoalReview {
        id: 0,
        goal_id,
        patient_code: code.to_string(),
        level,
        date,
        notes: notes.trim().to_string(),
    })?;
    Ok((r, list(store, code)?))
}

/// The goals a forecast from `day0` (the latest assessment's date) gives a probability for: those not yet due
/// before day 0, with their day counted from it.
pub fn scenario_goals(goals: &[Goal], day0: NaiveDate) -> Vec<scenario::Goal> {
    goals
        .iter()
        .filter_map(|g| {
            let by_day = u32::try_from((g.by - day0).num_days()).ok()?;
            Some(scenario::Goal {
                instrument: g.instrument.clone(),
                target: g.target,
                by_day: Some(by_day),
            })
        })
        .collect()
}

/// The probability of reaching `goal` under the forecast summarised by `s` from `day0`: `None` when the forecast
/// has no figure for it (a goal due before day 0 or after the horizon, an instrument not forecast).
pub fn chance(goal: &Goal, day0: NaiveDate, s: &Summary) -> Option<f64> {
    let by_day = u32::try_from((goal.by - day0).num_days()).ok()?;
    let id = crate::instruments::get(&goal.instrument).ok()?.id;
    s.measures
        .get(id)?
        .goals
        .iter()
        .find(|c| c.by_day == by_day && (c.target - goal.target).abs() < 1e-9)
        .and_then(|c| c.p)
}

/// One line per goal: its probability under each forecast (`(protocol, summary)`), e.g.
/// "BBS 45 by 2027-02-01: usual-care 40%, lsvt-big 72%". Empty without goals.
pub fn chance_lines(
    goals: &[Goal],
    day0: NaiveDate,
    forecasts: &[(&str, &Summary)],
) -> Vec<String> {
    goals
        .iter()
        .map(|g| {
            let per: Vec<String> = forecasts
                .iter()
                .map(|(id, s)| match chance(g, day0, s) {
                    Some(p) => format!("{id} {:.0}%", p * 100.0),
                    None => format!("{id} -"),
                })
                .collect();
            format!("{}: {}", goal_title(g), per.join(", "))
        })
        .collect()
}

/// "BBS 45 by 2027-02-01".
pub fn goal_title(g: &Goal) -> String {
    let short = crate::instruments::get(&g.instrument).map_or(g.instrument.as_str(), |i| i.short);
    format!(
        "{short} {} by {}",
        crate::instruments::Shown::Stored.of(g.target),
        g.by
    )
}

/// A goal or a review with its standing, as `praxis correct|void goal|goal_review --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record<T> {
    #[serde(flatten)]
    pub record: T,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// The goal with id `id`, whatever its standing.
pub fn goal_record(store: &Store, id: i64) -> Result<Record<Goal>> {
    let (record, meta) = store.goal_record(id)?;
    Ok(Record { record, meta })
}

/// The review with id `id`, whatever its standing.
pub fn review_record(store: &Store, id: i64) -> Result<Record<GoalReview>> {
    let (record, meta) = store.goal_review_record(id)?;
    Ok(Record { record, meta })
}

fn nothing_changed(kind: RecordKind) -> crate::app::AppError {
    crate::app::AppError::Invalid(format!(
        "nothing to correct: give at least one new value (see praxis correct {} --help)",
        kind.name().replace('_', "-")
    ))
}

/// The fields `praxis correct goal` may change; `None` keeps the recorded value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GoalChanges {
    pub target: Option<f64>,
    pub by: Option<NaiveDate>,
    pub text: Option<String>,
}

/// Correct a goal's target, date or text; returns the new current goal. The instrument is not corrected: void the
/// goal and add another.
pub fn correct_goal(
    store: &mut Store,
    id: i64,
    ch: &GoalChanges,
    reason: &str,
) -> Result<Record<Goal>> {
    if *ch == GoalChanges::default() {
        return Err(nothing_changed(RecordKind::Goal));
    }
    let (mut g, _) = store.goal_record(id)?;
    g.target = ch.target.unwrap_or(g.target);
    g.by = ch.by.unwrap_or(g.by);
    if let Some(t) = &ch.text {
        g.text = t.trim().to_string();
    }
    let new = store.correct_record(&Correction::Goal(g), reason)?;
    goal_record(store, new)
}

/// Correct a review's level, date or notes; returns the new current review.
pub fn correct_review(
    store: &mut Store,
    id: i64,
    level: Option<i8>,
    date: Option<NaiveDate>,
    notes: Option<&str>,
    reason: &str,
) -> Result<Record<GoalReview>> {
    if level.is_none() && date.is_none() && notes.is_none() {
        return Err(nothing_changed(RecordKind::GoalReview));
    }
    let (mut r, _) = store.goal_review_record(id)?;
    r.level = level.unwrap_or(r.level);
    r.date = date.unwrap_or(r.date);
    if let Some(n) = notes {
        r.notes = n.trim().to_string();
    }
    let new = store.correct_record(&Correction::GoalReview(r), reason)?;
    review_record(store, new)
}
