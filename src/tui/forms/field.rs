//! What each form is made of: the [`FormSpec`] every form implements (its rows by name, validation through the
//! shared rules in `domain/rules.rs`, and the use case's input it builds), a choice row ([`Choice`]), and the
//! parsing of typed text the forms share.

use ratatui::text::{Line, Span};

use super::draft::{FormDraft, FormKind};
use crate::domain::rules::Context;
use crate::domain::{Named, Patient, Plan};
use crate::tui::screen::{Cmd, Outcome};
use crate::tui::theme::Theme;
use crate::tui::widgets::TextField;

/// One row of a form: its label and the text typed, or `None` for the row chosen with ← → (see [`Choice`]).
pub struct Row<'a> {
    pub label: &'static str,
    pub field: Option<&'a TextField>,
}

impl<'a> Row<'a> {
    pub fn text(label: &'static str, field: &'a TextField) -> Row<'a> {
        Row {
            label,
            field: Some(field),
        }
    }

    pub fn choice(label: &'static str) -> Row<'a> {
        Row { label, field: None }
    }
}

/// The row chosen with ← → (or by typing the first letters): ids, and the one chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    pub ids: Vec<String>,
    pub at: usize,
}

impl Choice {
    pub fn new(ids: Vec<String>, at: usize) -> Choice {
        Choice { ids, at }
    }

    /// The id chosen.
    pub fn current(&self) -> Option<&str> {
        self.ids.get(self.at).map(String::as_str)
    }

    /// Whether the choice points at one of the ids (or there are none to point at).
    pub fn is_consistent(&self) -> bool {
        self.ids.is_empty() || self.at < self.ids.len()
    }
}

/// Someone else's version of the record, from a save refused as a conflict.
#[derive(Debug, Clone)]
pub enum Theirs {
    Patient(Box<Patient>),
    Plan(Plan),
}

/// Both versions of an edited record after a refused save, row by row.
pub struct Conflict {
    /// "this plan", or the patient's code.
    pub what: String,
    /// The rows as read, as typed, and as the other therapist saved them.
    pub before: Vec<String>,
    pub mine: Vec<String>,
    pub theirs: Vec<String>,
    pub mine_version: i64,
    pub their_version: i64,
}

/// One form: its rows by name, how they validate, what a save makes. The shared shell ([`super::Form`]) keeps the
/// focus and the refused save's message, routes keys and draws the rows.
pub trait FormSpec: std::fmt::Debug + Send {
    fn kind(&self) -> FormKind;
    /// The patient the record is for (empty for a new patient).
    fn patient_code(&self) -> &str;
    /// The word in the breadcrumbs.
    fn title(&self) -> &'static str;
    /// The frame's title.
    fn heading(&self) -> String;
    /// What the form makes, for the offer of a kept draft ("an assessment").
    fn what(&self) -> &'static str;
    /// The rows in order. At most one is a choice (no text field).
    fn rows(&self) -> Vec<Row<'_>>;
    /// The rows' text fields in the same order (`None` for the choice row).
    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>>;
    /// The choice row's ids and the one chosen.
    fn choice(&self) -> Option<&Choice> {
        None
    }
    /// Choose id `k` of the choice row; true if that changed which rows the form has (a refused save's message
    /// then no longer applies).
    fn choose(&mut self, _k: usize) -> bool {
        false
    }
    /// Each row's error (None: fine), checked by the shared rules against `rules` when the form has them.
    fn validate(&self, rules: Option<Context<'_>>) -> Vec<Option<String>>;
    /// What the use case takes (the rows already validate), or the row that does not parse.
    fn build(&self, rules: Option<Context<'_>>) -> Result<Cmd, usize>;
    /// The choice row as shown ("◀ BBT ▶ Box and Block Test").
    fn choice_spans(&self, _focused: bool, _t: &Theme) -> Vec<Span<'static>> {
        Vec::new()
    }
    /// The values a text row is picked from with ← → (or the first letter) instead of typed, `""` (unknown)
    /// first; `None` for a row that is typed.
    fn options(&self, _row: usize) -> Option<Vec<&'static str>> {
        None
    }
    /// A question to answer before `cmd` is saved (y saves, n keeps editing), or `None` to save at once: a change
    /// that is easy to make by mistake and matters (a plan set to completed or stopped). Assessments that look
    /// wrong are asked about by the shell, with the shared rules' warnings.
    fn ask_first(&self, _cmd: &Cmd) -> Option<String> {
        None
    }
    /// Whether ← → on a picked row go round from the last value to the first; false for a scale (a GAS level),
    /// which stops at its ends.
    fn wraps(&self, _row: usize) -> bool {
        true
    }
    /// Words after a row's text (the values it takes).
    fn note(&self, _row: usize, _focused: bool) -> Option<String> {
        None
    }
    /// A line under a row without an error (the score's range and the last score).
    fn below(&self, _row: usize) -> Option<String> {
        None
    }
    /// A line under the rows.
    fn footnote(&self, _t: &Theme) -> Option<Line<'static>> {
        None
    }
    /// Both versions, after a save refused because someone else saved the record meanwhile.
    fn conflict(&self) -> Option<Conflict> {
        None
    }
    /// Take their version and re-apply the rows this therapist changed.
    fn reapply(&mut self) {}
    /// A save was refused as a conflict with `theirs`; false if this form does not edit such a record.
    fn set_theirs(&mut self, _theirs: Theirs) -> bool {
        false
    }
    /// The patient as read now (a form reopened from a draft learns here what the draft does not keep: the
    /// patient's phase for MCIDs, the last scores, the goals' titles), so it shows what the same form opened from
    /// the overview shows.
    fn set_patient(&mut self, _d: &crate::tui::data::PatientDetail) {}
    /// The form's own parts of a draft (the shell adds focus, the refused save and the day it was opened).
    fn draft(&self) -> FormDraft;
    fn clone_box(&self) -> Box<dyn FormSpec>;
}

/// After a refused save, before re-applying this therapist's changes: each row left as read (`before`) takes
/// their text. Returns, row by row, whether it was left as read.
pub fn take_theirs(spec: &mut dyn FormSpec, before: &[String], theirs: &[String]) -> Vec<bool> {
    let mine = texts(spec);
    let unchanged: Vec<bool> = (0..mine.len())
        .map(|i| before.get(i) == Some(&mine[i]))
        .collect();
    for ((field, same), t) in spec.fields_mut().into_iter().zip(&unchanged).zip(theirs) {
        if let (Some(field), true) = (field, same) {
            *field = TextField::new(t.clone());
        }
    }
    unchanged
}

/// The text typed in a field, without surrounding blanks.
pub fn text(f: &TextField) -> &str {
    f.text.trim()
}

/// The rows' trimmed texts, the choice row's as its chosen id.
pub fn texts(spec: &dyn FormSpec) -> Vec<String> {
    let chosen = spec.choice().and_then(Choice::current).unwrap_or_default();
    spec.rows()
        .iter()
        .map(|r| r.field.map_or(chosen, text).to_string())
        .collect()
}

pub fn date_error(s: &str) -> Option<String> {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .err()
        .map(|_| format!("{s:?} is not a date; use YYYY-MM-DD"))
}

/// A whole number typed in a field (`None`: empty), or why not.
pub fn number<T: std::str::FromStr>(
    s: &str,
    what: &str,
    required: bool,
) -> Result<Option<T>, String> {
    if s.is_empty() {
        return if required {
            Err(format!("enter the {what}"))
        } else {
            Ok(None)
        };
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("{what} is a whole number; got {s:?}"))
}

pub fn int_error(s: &str, lo: u32, hi: u32, what: &str, required: bool) -> Option<String> {
    if s.is_empty() {
        return required.then(|| format!("enter the {what}"));
    }
    match s.parse::<u32>() {
        Ok(v) if (lo..=hi).contains(&v) => None,
        _ => Some(format!("{what} is a whole number {lo}-{hi}; got {s:?}")),
    }
}

/// The name of an enum value (what the command line and the forms accept).
pub fn vname<T: Named>(v: Option<T>) -> String {
    v.map_or(String::new(), |x| x.name().to_string())
}

/// Parse an enum value typed in a field; empty is "not given".
pub fn venum<T: Named>(s: &str, what: &str) -> Result<Option<T>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    T::parse_name(s)
        .map(Some)
        .ok_or_else(|| format!("{what} is one of {}; got {s:?}", T::names().join(", ")))
}

/// Parse a number typed in a field; empty is "not given".
pub fn vnum<T: std::str::FromStr>(s: &str, what: &str) -> Result<Option<T>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("{what} is a number; got {s:?}"))
}

/// The options of a row picked from the values of `T`: unknown (empty), then each value's name.
pub fn picked<T: Named>() -> Vec<&'static str> {
    std::iter::once("").chain(T::names()).collect()
}

/// The option after (or before) `current` among `options`, going round when `wrap` (else staying at the ends);
/// the first when `current` is none of them.
pub fn step_option(
    options: &[&'static str],
    current: &str,
    forward: bool,
    wrap: bool,
) -> &'static str {
    let n = options.len().max(1);
    let at = options.iter().position(|o| *o == current);
    let k = match (at, forward) {
        (None, _) => 0,
        (Some(i), true) if wrap => (i + 1) % n,
        (Some(i), false) if wrap => (i + n - 1) % n,
        (Some(i), true) => (i + 1).min(n - 1),
        (Some(i), false) => i.saturating_sub(1),
    };
    options.get(k).copied().unwrap_or("")
}

/// The next option after `current` whose name starts with `letter` (pressing it again goes on to the next).
pub fn option_by_letter(
    options: &[&'static str],
    current: &str,
    letter: char,
) -> Option<&'static str> {
    let n = options.len();
    let at = options.iter().position(|o| *o == current).unwrap_or(0);
    (1..=n)
        .map(|k| options[(at + k) % n])
        .find(|o| o.starts_with(letter.to_ascii_lowercase()))
}

/// The keys that step a choice row ("← →"), as the form's keymap binds them.
pub fn choice_keys() -> String {
    use crate::tui::keymap::{Action, Mode, key_name};
    format!(
        "{} {}",
        key_name(Mode::Form, Action::Left),
        key_name(Mode::Form, Action::Right)
    )
}

/// The choice row's ◀ id ▶, selected when it has the focus.
pub fn choice_span(shown: String, focused: bool, t: &Theme) -> Span<'static> {
    Span::styled(
        format!("◀ {shown} ▶"),
        if focused { t.selected() } else { t.input() },
    )
}

/// The conditions a patient form chooses from, in the order ← → steps through them.
pub const CONDITIONS: [crate::domain::ConditionKind; 4] = [
    crate::domain::ConditionKind::Stroke,
    crate::domain::ConditionKind::Parkinsons,
    crate::domain::ConditionKind::CerebellarAtaxia,
    crate::domain::ConditionKind::OlderAdult,
];

/// The condition choice: every condition, `kind` chosen.
pub fn condition_choice(kind: crate::domain::ConditionKind) -> Choice {
    Choice::new(
        CONDITIONS.iter().map(|k| k.id().to_string()).collect(),
        CONDITIONS.iter().position(|k| *k == kind).unwrap_or(0),
    )
}

/// What a key did to a form that opens over its screen (the new plan, a correction): the screen closes it on
/// [`Step::Closed`].
pub enum Step {
    Consumed,
    NotConsumed,
    /// Esc: back to the screen under it.
    Closed,
}

/// Whether the screen holding the form used the key.
impl From<Step> for Outcome {
    fn from(s: Step) -> Outcome {
        match s {
            Step::NotConsumed => Outcome::NotConsumed,
            Step::Consumed | Step::Closed => Outcome::Consumed,
        }
    }
}
