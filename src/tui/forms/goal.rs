//! Goals from the overview (issue 14.4): a new goal of the plan (an instrument picked, the target, the date to reach
//! it by, the goal in the patient's words), and a Goal Attainment Scaling review of one of the goals (the goal and
//! its level -2..+2 picked, the date, notes). Both are checked by the shared rules the store and `praxis goal` apply,
//! so the form refuses what they would, with the same words; both are kept as drafts like every form.

use chrono::NaiveDate;
use ratatui::text::Span;

use super::draft::{FormDraft, FormKind};
use super::field::{Choice, FormSpec, Row, choice_keys, choice_span, date_error, text};
use crate::app::goals::goal_title;
use crate::domain::goals::gas_level_text;
use crate::domain::rules::{self, Context, RuleError};
use crate::domain::text::parse_decimal;
use crate::domain::{Goal, GoalReview};
use crate::instruments::{self, Instrument};
use crate::tui::data::PatientDetail;
use crate::tui::screen::{Cmd, Ctx};
use crate::tui::theme::Theme;
use crate::tui::widgets::TextField;

/// The row of a rule's refusal, by the field it names (`rows`: the rows' field names in order); the first row when
/// the field is not one of them.
fn row_of(e: &RuleError, rows: &[&str]) -> usize {
    rows.iter().position(|r| *r == e.field).unwrap_or(0)
}

/// A new goal: instrument (a choice, the patient's own instruments first, as the overview orders them), target, by
/// date, text.
#[derive(Debug, Clone)]
pub struct GoalForm {
    patient_code: String,
    instrument: Choice,
    target: TextField,
    by: TextField,
    text: TextField,
}

/// Where the cursor starts: the target (the instrument is usually the patient's first measure).
pub const GOAL_START_ROW: usize = 1;

const GOAL_FIELDS: [&str; 4] = ["instrument", "target", "by", "text"];

impl GoalForm {
    pub fn new(d: &PatientDetail) -> GoalForm {
        // The patient's instruments in the order the overview lists them (first used first: usually the primary
        // measure), then the others.
        let mut ids: Vec<String> = Vec::new();
        for a in &d.assessments {
            if let Ok(i) = instruments::get(&a.instrument)
                && !ids.iter().any(|x| x == i.id)
            {
                ids.push(i.id.to_string());
            }
        }
        for i in instruments::all() {
            if !ids.iter().any(|c| c == i.id) {
                ids.push(i.id.to_string());
            }
        }
        GoalForm {
            patient_code: d.patient.code.clone(),
            instrument: Choice::new(ids, 0),
            target: TextField::default(),
            by: TextField::default(),
            text: TextField::default(),
        }
    }

    pub fn from_draft(d: &FormDraft) -> Option<GoalForm> {
        let [_, target, by, text] = d.rows()?;
        Some(GoalForm {
            patient_code: d.patient_code.clone(),
            instrument: Choice::new(d.choices.clone(), d.choice),
            target,
            by,
            text,
        })
    }

    fn chosen(&self) -> Option<&'static Instrument> {
        self.instrument
            .current()
            .and_then(|id| instruments::get(id).ok())
    }

    /// The target typed, or why not.
    fn target(&self) -> Result<f64, String> {
        let t = text(&self.target);
        let range = self
            .chosen()
            .map_or(String::new(), |i| format!(", {}", i.range_text()));
        match parse_decimal(t) {
            _ if t.is_empty() => Err(format!("enter the score to reach{range}")),
            Some(v) => Ok(v),
            None => Err(match self.chosen() {
                Some(inst) => format!(
                    "{t:?} is not a number; {} is scored {}",
                    inst.short,
                    inst.range_text()
                ),
                None => format!("{t:?} is not a number"),
            }),
        }
    }

    /// The date typed, or why not.
    fn by(&self) -> Result<NaiveDate, String> {
        let day = text(&self.by);
        if day.is_empty() {
            return Err("enter the date to reach it by, YYYY-MM-DD".into());
        }
        NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| date_error(day).unwrap_or_default())
    }

    /// The goal typed, or the first row that does not parse.
    fn goal(&self) -> Result<Goal, usize> {
        let inst = self.chosen().ok_or(0usize)?;
        Ok(Goal {
            id: 0,
            patient_code: self.patient_code.clone(),
            plan_id: None,
            instrument: inst.id.to_string(),
            target: self.target().map_err(|_| 1usize)?,
            by: self.by().map_err(|_| 2usize)?,
            text: text(&self.text).to_string(),
        })
    }
}

/// Every row's refusal by a shared rule that stops at the first (`check`), not only the first: the refused row is
/// set to an acceptable value (`accept`; false: it has none) and the rest checked again. Rows that already have an
/// error (they do not parse) keep it.
fn every_refusal<T>(
    mut value: T,
    errors: &mut [Option<String>],
    rows: &[&str],
    check: impl Fn(&T) -> Result<(), RuleError>,
    accept: impl Fn(&mut T, usize) -> bool,
) {
    for _ in 0..rows.len() {
        let Err(e) = check(&value) else {
            return;
        };
        let row = row_of(&e, rows);
        if let Some(slot @ None) = errors.get_mut(row) {
            *slot = Some(e.message);
        }
        if !accept(&mut value, row) {
            return;
        }
    }
}

impl FormSpec for GoalForm {
    fn kind(&self) -> FormKind {
        FormKind::Goal
    }

    fn patient_code(&self) -> &str {
        &self.patient_code
    }

    fn title(&self) -> &'static str {
        "new goal"
    }

    fn heading(&self) -> String {
        format!(" New goal · {} ", self.patient_code)
    }

    fn what(&self) -> &'static str {
        "a goal"
    }

    fn rows(&self) -> Vec<Row<'_>> {
        vec![
            Row::choice("Instrument"),
            Row::text("Target", &self.target),
            Row::text("By", &self.by),
            Row::text("Goal text", &self.text),
        ]
    }

    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>> {
        vec![
            None,
            Some(&mut self.target),
            Some(&mut self.by),
            Some(&mut self.text),
        ]
    }

    fn choice(&self) -> Option<&Choice> {
        Some(&self.instrument)
    }

    fn choose(&mut self, k: usize) -> bool {
        self.instrument.at = k;
        false
    }

    /// Every row's error at once: what does not parse, and the shared rules' (the store's and `praxis goal add`'s)
    /// refusals of the rest (a row that does not parse is checked as if it held an acceptable value).
    fn validate(&self, rules: Option<Context<'_>>) -> Vec<Option<String>> {
        let mut errors = vec![None; GOAL_FIELDS.len()];
        let inst = self.chosen();
        if inst.is_none() {
            errors[0] = Some(format!("choose an instrument with {}", choice_keys()));
        }
        let (target, by) = (self.target(), self.by());
        errors[1] = target.clone().err();
        errors[2] = by.clone().err();
        if let (Some(inst), Some(c)) = (inst, rules) {
            let goal = Goal {
                id: 0,
                patient_code: self.patient_code.clone(),
                plan_id: None,
                instrument: inst.id.to_string(),
                target: target.unwrap_or(inst.min),
                by: by.unwrap_or(c.today),
                text: text(&self.text).to_string(),
            };
            every_refusal(
                goal,
                &mut errors,
                &GOAL_FIELDS,
                |g| rules::check_goal_record(g, &c).map(|_| ()),
                |g, row| match row {
                    1 => {
                        g.target = inst.min;
                        true
                    }
                    2 => {
                        g.by = c.today;
                        true
                    }
                    3 => {
                        g.text.clear();
                        true
                    }
                    _ => false,
                },
            );
        }
        errors
    }

    fn build(&self, _rules: Option<Context<'_>>) -> Result<Cmd, usize> {
        self.goal().map(Cmd::SaveGoal)
    }

    fn choice_spans(&self, focused: bool, t: &Theme) -> Vec<Span<'static>> {
        let inst = self.chosen();
        let mut v = vec![choice_span(
            inst.map_or("?", |i| i.short).to_string(),
            focused,
            t,
        )];
        if let Some(inst) = inst {
            v.push(Span::styled(format!("  {}", inst.name), t.dim()));
        }
        v
    }

    fn note(&self, row: usize, _focused: bool) -> Option<String> {
        match row {
            2 => Some("YYYY-MM-DD".into()),
            3 => Some("(optional) in the patient's words".into()),
            _ => None,
        }
    }

    /// Under the target: the instrument's range and direction.
    fn below(&self, row: usize) -> Option<String> {
        let inst = self.chosen().filter(|_| row == 1)?;
        Some(format!("{}, {}", inst.range_text(), inst.better_word()))
    }

    fn draft(&self) -> FormDraft {
        let mut d = FormDraft::new(
            FormKind::Goal,
            &self.patient_code,
            vec![
                TextField::default(),
                self.target.clone(),
                self.by.clone(),
                self.text.clone(),
            ],
        );
        d.choices = self.instrument.ids.clone();
        d.choice = self.instrument.at;
        d
    }

    fn clone_box(&self) -> Box<dyn FormSpec> {
        Box::new(self.clone())
    }
}

/// A GAS review of one goal: the goal (a choice), the level picked, the date, notes.
#[derive(Debug, Clone)]
pub struct GoalReviewForm {
    patient_code: String,
    /// Goal ids.
    goal: Choice,
    /// "Berg 45 by 2027-02-01" per goal id, for the choice row (not kept in a draft: read again when reopened).
    titles: Vec<(String, String)>,
    level: TextField,
    date: TextField,
    notes: TextField,
}

/// Where the cursor starts: the level.
pub const REVIEW_START_ROW: usize = 1;

const REVIEW_FIELDS: [&str; 4] = ["goal", "level", "date", "notes"];

/// The levels a review picks from, unknown first.
const LEVELS: [&str; 6] = ["", "-2", "-1", "0", "+1", "+2"];

impl GoalReviewForm {
    /// On the first goal not yet reviewed today (else the first goal).
    pub fn new(d: &PatientDetail, ctx: &Ctx) -> GoalReviewForm {
        let goals = &d.goals.goals;
        let ids: Vec<String> = goals.iter().map(|g| g.goal.id.to_string()).collect();
        let at = goals
            .iter()
            .position(|g| g.reviewed != Some(ctx.today))
            .unwrap_or(0);
        GoalReviewForm {
            patient_code: d.patient.code.clone(),
            goal: Choice::new(ids, at),
            titles: titles(d),
            level: TextField::default(),
            date: TextField::new(ctx.today.to_string()),
            notes: TextField::default(),
        }
    }

    pub fn from_draft(d: &FormDraft) -> Option<GoalReviewForm> {
        let [_, level, date, notes] = d.rows()?;
        Some(GoalReviewForm {
            patient_code: d.patient_code.clone(),
            goal: Choice::new(d.choices.clone(), d.choice),
            titles: Vec::new(),
            level,
            date,
            notes,
        })
    }

    fn goal_id(&self) -> Result<i64, String> {
        self.goal
            .current()
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| "the patient has no goal to review: add one first".to_string())
    }

    fn level(&self) -> Result<i8, String> {
        let l = text(&self.level);
        if l.is_empty() {
            return Err(format!(
                "pick a level with {}: -2 much less than expected .. +2 much more",
                choice_keys()
            ));
        }
        l.parse::<i8>()
            .map_err(|_| format!("GAS level must be -2, -1, 0, 1 or 2; got {l:?}"))
    }

    fn date(&self) -> Result<NaiveDate, String> {
        let day = text(&self.date);
        NaiveDate::parse_from_str(day, "%Y-%m-%d").map_err(|_| date_error(day).unwrap_or_default())
    }

    /// The review typed, or the first row that does not parse.
    fn review(&self) -> Result<GoalReview, usize> {
        Ok(GoalReview {
            id: 0,
            goal_id: self.goal_id().map_err(|_| 0usize)?,
            patient_code: self.patient_code.clone(),
            level: self.level().map_err(|_| 1usize)?,
            date: self.date().map_err(|_| 2usize)?,
            notes: text(&self.notes).to_string(),
        })
    }
}

/// Each goal's id and title ("FMA-UE 45 by 2027-01-15"), with its words when it has some.
pub fn titles(d: &PatientDetail) -> Vec<(String, String)> {
    d.goals
        .goals
        .iter()
        .map(|g| {
            let mut t = goal_title(&g.goal);
            if !g.goal.text.is_empty() {
                t.push_str(&format!(" \"{}\"", g.goal.text));
            }
            (g.goal.id.to_string(), t)
        })
        .collect()
}

impl FormSpec for GoalReviewForm {
    fn kind(&self) -> FormKind {
        FormKind::GoalReview
    }

    fn patient_code(&self) -> &str {
        &self.patient_code
    }

    fn title(&self) -> &'static str {
        "GAS review"
    }

    fn heading(&self) -> String {
        format!(" Goal Attainment Scaling review · {} ", self.patient_code)
    }

    fn what(&self) -> &'static str {
        "a goal review"
    }

    fn rows(&self) -> Vec<Row<'_>> {
        vec![
            Row::choice("Goal"),
            Row::text("Level", &self.level),
            Row::text("Date", &self.date),
            Row::text("Notes", &self.notes),
        ]
    }

    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>> {
        vec![
            None,
            Some(&mut self.level),
            Some(&mut self.date),
            Some(&mut self.notes),
        ]
    }

    fn choice(&self) -> Option<&Choice> {
        Some(&self.goal)
    }

    fn choose(&mut self, k: usize) -> bool {
        self.goal.at = k;
        false
    }

    fn options(&self, row: usize) -> Option<Vec<&'static str>> {
        (row == 1).then(|| LEVELS.to_vec())
    }

    /// The level is a scale: unknown at its left end, then -2 .. +2 in order; ← → stop at the ends.
    fn wraps(&self, row: usize) -> bool {
        row != 1
    }

    fn note(&self, row: usize, focused: bool) -> Option<String> {
        if row != 1 {
            return None;
        }
        let scale = format!("{}: unknown, -2 .. +2", choice_keys());
        Some(match text(&self.level).parse::<i8>() {
            Ok(l) if focused => format!("{} ({scale})", gas_level_text(l)),
            Ok(l) => gas_level_text(l).to_string(),
            Err(_) => scale,
        })
    }

    /// Every row's error at once, as the goal form's.
    fn validate(&self, rules: Option<Context<'_>>) -> Vec<Option<String>> {
        let (goal_id, level, date) = (self.goal_id(), self.level(), self.date());
        let mut errors = vec![
            goal_id.clone().err(),
            level.clone().err(),
            date.clone().err(),
            None,
        ];
        if let Some(c) = rules {
            let review = GoalReview {
                id: 0,
                goal_id: goal_id.unwrap_or(0),
                patient_code: self.patient_code.clone(),
                level: level.unwrap_or(0),
                date: date.unwrap_or(c.today),
                notes: text(&self.notes).to_string(),
            };
            every_refusal(
                review,
                &mut errors,
                &REVIEW_FIELDS,
                |r| rules::check_goal_review(r, &c),
                |r, row| match row {
                    1 => {
                        r.level = 0;
                        true
                    }
                    2 => {
                        r.date = c.today;
                        true
                    }
                    3 => {
                        r.notes.clear();
                        true
                    }
                    _ => false,
                },
            );
        }
        errors
    }

    fn build(&self, _rules: Option<Context<'_>>) -> Result<Cmd, usize> {
        self.review().map(Cmd::SaveGoalReview)
    }

    fn choice_spans(&self, focused: bool, t: &Theme) -> Vec<Span<'static>> {
        let id = self.goal.current().unwrap_or("?");
        let title = self
            .titles
            .iter()
            .find(|(g, _)| g == id)
            .map_or(String::new(), |(_, t)| {
                crate::domain::text::visible(t).into_owned()
            });
        vec![
            choice_span(format!("#{id}"), focused, t),
            Span::styled(format!("  {title}"), t.dim()),
        ]
    }

    /// Reopened from a draft: the goals' titles, read again.
    fn set_patient(&mut self, d: &PatientDetail) {
        self.titles = titles(d);
    }

    fn draft(&self) -> FormDraft {
        let mut d = FormDraft::new(
            FormKind::GoalReview,
            &self.patient_code,
            vec![
                TextField::default(),
                self.level.clone(),
                self.date.clone(),
                self.notes.clone(),
            ],
        );
        d.choices = self.goal.ids.clone();
        d.choice = self.goal.at;
        d
    }

    fn clone_box(&self) -> Box<dyn FormSpec> {
        Box::new(self.clone())
    }
}
