//! The forms a therapist fills in: one module per form, each with its fields by name ([`FormSpec`]: its rows, its
//! validation through the shared rules in `domain/rules.rs`, and the use case's input it builds). What every form
//! shares lives here: the focus and its movement, the editing keys, the type-ahead of a choice row, which errors
//! show, the drawing of rows and of an edit conflict. Fields validate as they are typed; Ctrl-S (or Enter on the
//! last field) saves; a refused save keeps everything typed. The plan set from a comparison is [`new_plan`].

mod assessment;
mod discard;
mod draft;
mod field;
mod goal;
mod new_patient;
pub mod new_plan;
mod patient_editor;
mod plan_editor;
pub mod record_edit;
mod session;

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

pub use assessment::AssessmentForm;
pub use discard::{DiscardGuard, prompt as discard_prompt};
pub use draft::{FormDraft, FormKind};
pub use field::{Choice, Conflict, FormSpec, Row, Step, Theirs};
pub use goal::{GoalForm, GoalReviewForm};
pub use new_patient::NewPatientForm;
pub use new_plan::NewPlanForm;
pub use patient_editor::{PatientEditor, patient_texts};
pub use plan_editor::{PlanEditor, plan_status, plan_texts};
pub use session::SessionForm;

use super::data::PatientDetail;
use super::keymap::{self, Action, Mode};
use super::screen::{Cmd, Ctx, Outcome, Screen};
use super::widgets::TextField;
use crate::domain::{Assessment, Patient, rules};
use crate::instruments::{self, Instrument};

/// An open form: the form itself ([`FormSpec`]) and what every form keeps besides: the focus, whether a save was
/// tried, a refused save's message and the context of the shared rules. Kept in a draft as a [`FormDraft`].
#[derive(Debug)]
pub struct Form {
    spec: Box<dyn FormSpec>,
    pub focus: usize,
    /// Show every field's error (after a save was tried), not only those of fields already typed in.
    pub tried: bool,
    /// Message from a refused save.
    pub save_error: Option<String>,
    /// The day the form was opened: a later date is refused as in the future (until the app sets the clock).
    pub opened_on: Option<NaiveDate>,
    /// What the shared rules check this form's values against, and a warning waiting to be confirmed. Not kept in
    /// drafts (the patient's record stays in the database): the app sets it again when a draft is reopened.
    pub rules: FormRules,
    /// The rows' texts as the form opened; `None` for a form reopened from a draft, which holds unsaved typing
    /// whatever its rows say.
    opened: Option<Vec<String>>,
    /// Esc with unsaved changes asks first.
    guard: DiscardGuard,
}

impl Clone for Form {
    fn clone(&self) -> Form {
        Form {
            spec: self.spec.clone_box(),
            focus: self.focus,
            tried: self.tried,
            save_error: self.save_error.clone(),
            opened_on: self.opened_on,
            rules: self.rules.clone(),
            opened: self.opened.clone(),
            guard: self.guard,
        }
    }
}

/// A form is written as its draft, and read from one.
impl serde::Serialize for Form {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_draft().serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Form {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Form, D::Error> {
        let draft = FormDraft::deserialize(d)?;
        Form::from_draft(&draft).ok_or_else(|| {
            serde::de::Error::custom("the form's fields do not match this Praxis's form")
        })
    }
}

impl FormDraft {
    /// What the kept form makes, for the offer ("an assessment"); "a form" if this Praxis cannot reopen it.
    pub fn what(&self) -> &'static str {
        Form::from_draft(self).map_or("a form", |f| f.what())
    }
}

/// The context of the shared rules ([`rules`]) for a form: the clock, the patient, the protocol library, the
/// patient's assessments (for the same-day and MDC warnings), and what is pending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormRules {
    /// The clock at the last key (set by the app); a session later than this is in the future.
    pub now: Option<NaiveDateTime>,
    /// The patient the record is for (birth year, stroke onset).
    pub patient: Option<Box<Patient>>,
    /// Assessment form: the patient's assessments, for the warnings.
    pub earlier: Vec<Assessment>,
    /// The question shown after a save whose values look wrong (or that ends a plan): its own key (y, or Ctrl-S
    /// again) confirms it.
    pub confirm: Option<String>,
    /// The protocol library.
    pub protocols: Option<std::sync::Arc<rules::Protocols>>,
    /// Choice rows: the letters typed so far (type-ahead); any other key starts again.
    pub typed: String,
}

impl FormRules {
    /// For a form about patient `d`; `assessments`: keep their assessments for the warnings.
    fn for_patient(d: &PatientDetail, ctx: &Ctx, assessments: bool) -> FormRules {
        let mut r = FormRules {
            now: Some(ctx.now),
            protocols: Some(ctx.protocols.clone()),
            ..FormRules::default()
        };
        r.set_patient(d, assessments);
        r
    }

    /// The patient the form is about (and, for an assessment, their assessments).
    pub fn set_patient(&mut self, d: &PatientDetail, assessments: bool) {
        self.patient = Some(Box::new(d.patient.clone()));
        self.earlier = if assessments {
            d.assessments.clone()
        } else {
            Vec::new()
        };
    }
}

impl Form {
    /// Open `spec` with the cursor on row `focus`.
    pub fn new(spec: impl FormSpec + 'static, focus: usize) -> Form {
        let opened = Some(field::texts(&spec));
        Form {
            spec: Box::new(spec),
            focus,
            tried: false,
            save_error: None,
            opened_on: None,
            rules: FormRules::default(),
            opened,
            guard: DiscardGuard::default(),
        }
    }

    /// The assessment form for patient `d`.
    pub fn assessment(d: &PatientDetail, ctx: &Ctx) -> Form {
        Form {
            opened_on: Some(ctx.today),
            rules: FormRules::for_patient(d, ctx, true),
            ..Form::new(AssessmentForm::new(d, ctx), assessment::START_ROW)
        }
    }

    /// The session log for patient `d`, pre-filled from the plan.
    pub fn session(d: &PatientDetail, ctx: &Ctx) -> Form {
        Form {
            opened_on: Some(ctx.today),
            rules: FormRules::for_patient(d, ctx, false),
            ..Form::new(SessionForm::new(d, ctx), session::START_ROW)
        }
    }

    /// A new goal for patient `d`'s plan.
    pub fn goal(d: &PatientDetail, ctx: &Ctx) -> Form {
        Form {
            opened_on: Some(ctx.today),
            rules: FormRules::for_patient(d, ctx, false),
            ..Form::new(GoalForm::new(d), goal::GOAL_START_ROW)
        }
    }

    /// A GAS review of one of patient `d`'s goals.
    pub fn goal_review(d: &PatientDetail, ctx: &Ctx) -> Form {
        Form {
            opened_on: Some(ctx.today),
            rules: FormRules::for_patient(d, ctx, false),
            ..Form::new(GoalReviewForm::new(d, ctx), goal::REVIEW_START_ROW)
        }
    }

    /// A new patient, with the next free code suggested.
    pub fn new_patient(suggested_code: String) -> Form {
        Form::new(NewPatientForm::new(suggested_code), new_patient::START_ROW)
    }

    /// The patient editor on `p`.
    pub fn edit_patient(p: &Patient) -> Form {
        Form::new(PatientEditor::new(p), 0)
    }

    /// The plan editor on the patient's active plan (or a new plan starting today when there is none).
    pub fn edit_plan(d: &PatientDetail, protocols: Vec<String>, today: NaiveDate) -> Form {
        Form {
            opened_on: Some(today),
            rules: FormRules {
                patient: Some(Box::new(d.patient.clone())),
                ..FormRules::default()
            },
            ..Form::new(PlanEditor::new(d, protocols, today), plan_editor::START_ROW)
        }
    }

    /// The form kept in `d`, or `None` when the draft's rows are not this Praxis's form's (a draft kept by an
    /// older Praxis whose form had other fields: its text could land in the wrong field).
    pub fn from_draft(d: &FormDraft) -> Option<Form> {
        let spec: Box<dyn FormSpec> = match d.kind {
            FormKind::Assessment => Box::new(AssessmentForm::from_draft(d)?),
            FormKind::Session => Box::new(SessionForm::from_draft(d)?),
            FormKind::NewPatient => Box::new(NewPatientForm::from_draft(d)?),
            FormKind::EditPatient => Box::new(PatientEditor::from_draft(d)?),
            FormKind::EditPlan => Box::new(PlanEditor::from_draft(d)?),
            FormKind::Goal => Box::new(GoalForm::from_draft(d)?),
            FormKind::GoalReview => Box::new(GoalReviewForm::from_draft(d)?),
            // It lives over a comparison, which a draft does not keep.
            FormKind::NewPlan => return None,
        };
        let rows = spec.rows().len();
        let choice_ok = spec.choice().is_none_or(Choice::is_consistent);
        (d.focus < rows && choice_ok).then(|| Form {
            spec,
            focus: d.focus,
            tried: d.tried,
            save_error: d.save_error.clone(),
            opened_on: d.opened_on,
            rules: FormRules::default(),
            opened: None,
            guard: DiscardGuard::default(),
        })
    }

    /// The form as a draft keeps it.
    pub fn to_draft(&self) -> FormDraft {
        FormDraft {
            focus: self.focus,
            tried: self.tried,
            save_error: self.save_error.clone(),
            opened_on: self.opened_on,
            ..self.spec.draft()
        }
    }

    pub fn kind(&self) -> FormKind {
        self.spec.kind()
    }

    pub fn patient_code(&self) -> &str {
        self.spec.patient_code()
    }

    /// What the form makes, for the offer of a kept draft ("an assessment for P-0001").
    pub fn what(&self) -> &'static str {
        self.spec.what()
    }

    /// The labels of the rows.
    pub fn labels(&self) -> Vec<&'static str> {
        self.spec.rows().iter().map(|r| r.label).collect()
    }

    /// The rows' texts (a choice row's as its chosen id).
    pub fn texts(&self) -> Vec<String> {
        field::texts(self.spec.as_ref())
    }

    /// The instrument chosen, when the form's choice is one.
    pub fn instrument(&self) -> Option<&'static Instrument> {
        self.spec
            .choice()
            .and_then(Choice::current)
            .and_then(|id| instruments::get(id).ok())
    }

    /// Error of each row (None = fine).
    pub fn errors(&self) -> Vec<Option<String>> {
        self.spec.validate(self.rules_ctx())
    }

    /// The record to save, or the index of the first bad row.
    pub fn build(&self) -> Result<Cmd, usize> {
        if let Some(i) = self.errors().iter().position(Option::is_some) {
            return Err(i);
        }
        self.spec.build(self.rules_ctx())
    }

    /// A save was refused: keep the form and say why.
    pub fn refused(&mut self, why: String) {
        self.save_error = Some(why);
    }

    /// A save was refused because someone else saved the record: show theirs beside this one. False if this form
    /// does not edit such a record.
    pub fn conflict_with(&mut self, theirs: Theirs) -> bool {
        self.spec.set_theirs(theirs)
    }

    /// Whether a save was refused because someone else saved the same record (both versions shown).
    pub fn in_conflict(&self) -> bool {
        self.spec.conflict().is_some()
    }

    /// Whether the form holds changes not saved: its rows differ from how it opened, or it was reopened from a
    /// draft (Esc then asks before closing it).
    pub fn changed(&self) -> bool {
        self.opened.as_ref() != Some(&self.texts())
    }

    /// Whether a warning waits for the therapist's answer (save anyway, or keep editing).
    fn warning_shown(&self) -> bool {
        self.rules.confirm.is_some() && !self.guard.asking()
    }

    /// The mode of the form's own keys: the edit conflict's or the form's.
    fn own_mode(&self) -> Mode {
        if self.in_conflict() {
            Mode::Conflict
        } else {
            Mode::Form
        }
    }

    /// The shared rules' context: the clock (the last key's, else the end of the day the form was opened), the
    /// patient, the library.
    fn rules_ctx(&self) -> Option<rules::Context<'_>> {
        let now = self
            .rules
            .now
            .or_else(|| self.opened_on.and_then(|d| d.and_hms_opt(23, 59, 59)))?;
        Some(
            rules::Context::at(now)
                .with_patient(self.rules.patient.as_deref())
                .with_protocols(self.rules.protocols.as_deref()),
        )
    }

    /// The patient the form is about, as read now: the rules' context (and, for an assessment, their assessments
    /// for the warnings) and what the form shows of them. A form reopened from a draft gets it here, so it shows
    /// and checks what the same form opened from the overview does.
    pub fn set_patient(&mut self, d: &PatientDetail) {
        self.rules
            .set_patient(d, self.kind() == FormKind::Assessment);
        self.spec.set_patient(d);
    }

    /// Bring the rules' clock and library up to date: the app calls this before each key and when it shows a form.
    pub fn sync(&mut self, ctx: &Ctx) {
        self.rules.now = Some(ctx.now);
        self.rules.protocols = Some(ctx.protocols.clone());
    }

    /// Which errors to show: typed-in rows always, all after a save attempt.
    fn shown_error(&self, i: usize, errs: &[Option<String>]) -> Option<String> {
        let e = errs.get(i).cloned().flatten()?;
        let typed = self
            .spec
            .rows()
            .get(i)
            .and_then(|r| r.field)
            .is_some_and(|f| !f.text.is_empty());
        (self.tried || typed || i == 0).then_some(e)
    }

    /// The row chosen with ← → rather than typed, if the form has one.
    fn choice_row(&self) -> Option<usize> {
        self.spec.rows().iter().position(|r| r.field.is_none())
    }

    /// Add `ch` to the type-ahead and select the first choice matching what was typed.
    fn type_ahead(&mut self, ch: char) {
        let Some(choice) = self.spec.choice() else {
            return;
        };
        let (ids, at) = (&choice.ids, choice.at);
        let len = ids.len();
        let matches = |k: usize, prefix: &str| {
            ids[k].starts_with(prefix)
                || instruments::get(&ids[k]).is_ok_and(|i| i.name_starts_with(prefix))
        };
        let mut typed = format!("{}{ch}", self.rules.typed);
        // The current choice stays while it still matches; a letter that matches nothing added to the others
        // starts again from the next choice (so pressing `f` again cycles through FMA-UE, FMA-LE).
        let mut hit = (0..len)
            .map(|k| (at + k) % len.max(1))
            .find(|&k| matches(k, &typed));
        if hit.is_none() && typed.len() > 1 {
            typed = ch.to_string();
            hit = (0..len)
                .map(|k| (at + 1 + k) % len.max(1))
                .find(|&k| matches(k, &typed));
        }
        match hit {
            Some(k) => {
                self.rules.typed = typed;
                self.choose(k);
            }
            None => self.rules.typed.clear(),
        }
    }

    /// Select choice `k` of the choice row.
    fn choose(&mut self, k: usize) {
        self.rules.confirm = None;
        if self.spec.choose(k) {
            self.save_error = None;
        }
    }

    /// Step the choice row by `by` (±1), wrapping.
    fn step_choice(&mut self, forward: bool) {
        let Some(c) = self.spec.choice() else {
            return;
        };
        let n = c.ids.len().max(1);
        let k = if forward {
            (c.at + 1) % n
        } else {
            (c.at + c.ids.len() - 1) % n
        };
        self.choose(k);
    }

    /// A key on a row picked from a list ([`FormSpec::options`]): ← → step through the values, a letter picks
    /// the next value starting with it, Backspace, Delete and the empty-field key make it unknown; nothing is
    /// typed. The keys that move between fields and save are the form's as usual (false: not used here).
    fn pick(&mut self, ev: &KeyEvent, options: &[&'static str]) -> bool {
        let wrap = self.spec.wraps(self.focus);
        let Some(Some(field)) = self.spec.fields_mut().into_iter().nth(self.focus) else {
            return false;
        };
        let current = field.text.trim().to_string();
        let plain = !ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let new = match (keymap::lookup(Mode::Form.table(), ev), ev.code) {
            (Some(Action::Left), _) => Some(field::step_option(options, &current, false, wrap)),
            (Some(Action::Right), _) => Some(field::step_option(options, &current, true, wrap)),
            // A list without "unknown" (a plan's status) keeps its value: nothing is typed either.
            (_, KeyCode::Backspace | KeyCode::Delete) if !options.contains(&"") => return true,
            _ if keymap::EMPTY_FIELD.matches(ev) && !options.contains(&"") => return true,
            (_, KeyCode::Backspace | KeyCode::Delete) => Some(""),
            _ if keymap::EMPTY_FIELD.matches(ev) => Some(""),
            (_, KeyCode::Char(ch)) if plain && ch.is_ascii_alphanumeric() => {
                match field::option_by_letter(options, &current, ch) {
                    Some(v) => Some(v),
                    None => return true, // no value starts so: nothing changes, nothing is typed
                }
            }
            (_, KeyCode::Char(_)) if plain => return true,
            _ => None,
        };
        let Some(v) = new else {
            return false;
        };
        *field = TextField::new(v.to_string());
        self.save_error = None;
        self.rules.confirm = None;
        true
    }

    /// Save what the form holds. `anyway`: the therapist confirmed the warning shown (with its own key, in
    /// [`Mode::Warning`]); otherwise a value that looks like a slip is shown first and nothing is saved.
    fn try_save(&mut self, cmds: &mut Vec<Cmd>, anyway: bool) {
        match self.build() {
            Ok(cmd) => {
                let question = match &cmd {
                    Cmd::SaveAssessment(a) => {
                        let warnings = rules::assessment_warnings_of(
                            a,
                            &self.rules.earlier,
                            self.rules.patient.as_deref(),
                        );
                        (!warnings.is_empty()).then(|| {
                            format!("this looks wrong: {}", rules::warnings_text(&warnings))
                        })
                    }
                    cmd => self.spec.ask_first(cmd),
                };
                match question {
                    Some(q) if !(anyway && self.rules.confirm.as_ref() == Some(&q)) => {
                        self.rules.confirm = Some(q);
                    }
                    _ => {
                        self.rules.confirm = None;
                        cmds.push(cmd);
                    }
                }
            }
            Err(i) => {
                self.tried = true;
                self.focus = i;
                // Say why, also when the row's own line is out of sight.
                let why = self.errors().get(i).cloned().flatten();
                let label = self.labels().get(i).copied().unwrap_or("a field");
                self.save_error = Some(why.unwrap_or_else(|| format!("check {label}")));
            }
        }
    }

    /// After a refused save: start from their version and re-apply the rows this therapist changed.
    fn reapply(&mut self) {
        self.spec.reapply();
        self.save_error = None;
        self.tried = true;
    }

    /// Both versions, row by row, after a refused save.
    fn draw_conflict(&self, c: &Conflict, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = &ctx.theme;
        let col = usize::from(area.width.saturating_sub(22) / 2).clamp(10, 40);
        let mut lines = vec![
            Line::from(Span::styled(
                format!(
                    "Not saved: someone else saved {} meanwhile (you edited version {}, theirs is version {}).",
                    c.what, c.mine_version, c.their_version
                ),
                t.error(),
            )),
            Line::from(vec![
                Span::styled(format!("  {:<13}", "Field"), t.header()),
                Span::styled(format!("{:<col$} ", "Yours"), t.header()),
                Span::styled("Theirs", t.header()),
            ]),
        ];
        for (i, label) in self.labels().iter().enumerate() {
            let mine = c.mine.get(i).map_or("", String::as_str);
            let their = c.theirs.get(i).map_or("", String::as_str);
            let differ = mine != their;
            let cut = |s: &str| s.chars().take(col).collect::<String>();
            lines.push(Line::from(vec![
                Span::styled(if differ { "≠ " } else { "  " }, t.warn()),
                Span::styled(format!("{label:<13}"), t.text()),
                Span::styled(
                    format!("{:<col$} ", cut(mine)),
                    if differ { t.selected() } else { t.text() },
                ),
                Span::styled(cut(their), if differ { t.warn() } else { t.dim() }),
            ]));
        }
        lines.push(Line::from(""));
        let key = |action| Span::styled(keymap::key_name(Mode::Conflict, action), t.key());
        if self.guard.asking() {
            lines.push(discard::prompt(t));
        } else {
            lines.push(Line::from(vec![
                key(Action::Reload),
                Span::raw(" reload theirs and re-apply your changes · "),
                key(Action::Back),
                Span::raw(" cancel (theirs stays)"),
            ]));
        }
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(" Edit conflict ", t.title())),
            ),
            area,
        );
    }

    /// The line under the rows: the refused save, a warning to confirm, or whether the form is ready.
    fn status_lines(&self, errs: &[Option<String>], ctx: &Ctx) -> Vec<Line<'static>> {
        let t = &ctx.theme;
        let key = |action| Span::styled(keymap::key_name(Mode::Form, action), t.key());
        let cancel = keymap::key_name(Mode::Form, Action::Back);
        if self.guard.asking() {
            return vec![discard::prompt(t)];
        }
        if let Some(e) = &self.save_error {
            return vec![Line::from(Span::styled(
                format!("Not saved: {e}"),
                t.error(),
            ))];
        }
        if let Some(w) = &self.rules.confirm {
            // The keys as the warning's table binds them: "y or Ctrl-S", "n or Esc".
            let keys = |action| {
                let names = Mode::Warning
                    .table()
                    .iter()
                    .filter(|bd| bd.action == action)
                    .flat_map(|bd| bd.keys.iter().map(keymap::Key::long_label))
                    .collect::<Vec<_>>()
                    .join(" or ");
                Span::styled(names, t.key())
            };
            return vec![
                Line::from(Span::styled(format!("⚠ Not saved yet, {w}."), t.warn())),
                Line::from(vec![
                    Span::raw("If it is right, "),
                    keys(Action::Save),
                    Span::raw(" again saves it anyway; "),
                    keys(Action::Back),
                    Span::raw(" keeps editing (Enter does not save it)"),
                ]),
            ];
        }
        let ok = errs.iter().all(Option::is_none);
        vec![Line::from(if ok {
            vec![
                Span::styled("✓ ready: ", t.good()),
                key(Action::Save),
                Span::raw(format!(
                    " saves (or {} on the last field); {cancel} cancels",
                    keymap::key_name(Mode::Form, Action::Open)
                )),
            ]
        } else {
            vec![
                Span::raw("Fill the fields marked ✗, then "),
                key(Action::Save),
                Span::raw(format!(" to save; {cancel} cancels")),
            ]
        })]
    }
}

impl Screen for Form {
    fn title(&self) -> String {
        self.spec.title().into()
    }

    fn mode(&self) -> Mode {
        if self.guard.asking() {
            Mode::Discard
        } else if self.warning_shown() {
            Mode::Warning
        } else {
            self.own_mode()
        }
    }

    fn handle(&mut self, ev: &KeyEvent, ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome {
        self.sync(ctx);
        // A value that looks wrong is saved only with the warning's own key (y): never with the Enter that moves
        // between fields. Esc or n goes back to editing; any other key does too, and is used as usual (so the
        // next save, Enter on the last field too, checks again and asks again).
        if self.warning_shown() {
            match keymap::lookup(Mode::Warning.table(), ev) {
                Some(Action::Save) => {
                    self.try_save(cmds, true);
                    return Outcome::Consumed;
                }
                Some(Action::Back) => {
                    self.rules.confirm = None;
                    return Outcome::Consumed;
                }
                _ => self.rules.confirm = None,
            }
        }
        // Esc (in the form and in an edit conflict) goes through the guard: it closes or asks here.
        let changed = self.changed();
        match self.guard.key(ev, self.own_mode(), changed) {
            Some(Step::Closed) => {
                cmds.push(Cmd::Back);
                return Outcome::Consumed;
            }
            Some(step) => return step.into(),
            None => {}
        }
        let n = self.spec.rows().len();
        let on_choice = self.choice_row() == Some(self.focus);
        if self.in_conflict() {
            match keymap::lookup(Mode::Conflict.table(), ev) {
                Some(Action::Reload) => self.reapply(),
                Some(Action::Help) => cmds.push(Cmd::Help),
                _ => return Outcome::NotConsumed,
            }
            return Outcome::Consumed;
        }
        if let Some(options) = self.spec.options(self.focus)
            && self.pick(ev, &options)
        {
            return Outcome::Consumed;
        }
        let typed_letter = match ev.code {
            KeyCode::Char(ch)
                if on_choice
                    && ch.is_ascii_alphanumeric()
                    && !ev
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(ch.to_ascii_lowercase())
            }
            _ => None,
        };
        if let Some(ch) = typed_letter {
            // Type-ahead: the letters typed so far pick the first choice whose id, short name or alias starts
            // so (`bbt` finds BBT, not TUG; `berg` finds the Berg Balance Scale); when none does, the letter alone starts a new search from the next one.
            self.type_ahead(ch);
            return Outcome::Consumed;
        }
        // Any other key (arrows, Tab, Enter...) starts the type-ahead again.
        self.rules.typed.clear();
        match keymap::lookup(Mode::Form.table(), ev) {
            Some(Action::Save) => self.try_save(cmds, false),
            Some(Action::NextField) => self.focus = (self.focus + 1) % n,
            Some(Action::PrevField) => self.focus = (self.focus + n - 1) % n,
            Some(Action::Open) => {
                if self.focus + 1 == n {
                    self.try_save(cmds, false);
                } else {
                    self.focus += 1;
                }
            }
            Some(Action::Help) => cmds.push(Cmd::Help),
            Some(Action::Left) if on_choice => self.step_choice(false),
            Some(Action::Right) if on_choice => self.step_choice(true),
            _ => {
                let focus = self.focus;
                let edited = self
                    .spec
                    .fields_mut()
                    .into_iter()
                    .nth(focus)
                    .flatten()
                    .is_some_and(|f| f.edit(ev));
                if !edited {
                    return Outcome::NotConsumed;
                }
                self.save_error = None;
                self.rules.confirm = None;
            }
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        if let Some(c) = self.spec.conflict() {
            self.draw_conflict(&c, f, area, ctx);
            return;
        }
        let t = &ctx.theme;
        let errs = self.errors();
        let mut lines: Vec<Line> = Vec::new();
        let label_w = 12;
        for (i, row) in self.spec.rows().iter().enumerate() {
            let focused = i == self.focus;
            let marker = if focused { "▶ " } else { "  " };
            let label = row.label;
            let mut spans = vec![
                Span::styled(marker, t.key()),
                Span::styled(
                    format!("{label:<label_w$}"),
                    if focused { t.header() } else { t.text() },
                ),
                Span::raw(" "),
            ];
            match row.field {
                None => spans.extend(self.spec.choice_spans(focused, t)),
                Some(field) if self.spec.options(i).is_some() => {
                    let v = field.text.trim();
                    let shown = if v.is_empty() { "unknown" } else { v };
                    spans.push(if focused {
                        field::choice_span(shown.to_string(), true, t)
                    } else {
                        Span::styled(
                            shown.to_string(),
                            if v.is_empty() { t.dim() } else { t.input() },
                        )
                    });
                    if let Some(note) = self.spec.note(i, focused) {
                        spans.push(Span::styled(format!("  {note}"), t.dim()));
                    }
                }
                Some(field) => {
                    spans.extend(field.spans(t, focused));
                    if let Some(note) = self.spec.note(i, focused) {
                        spans.push(Span::styled(format!("  {note}"), t.dim()));
                    }
                }
            }
            lines.push(Line::from(spans));
            if let Some(e) = self.shown_error(i, &errs) {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(label_w + 3)),
                    Span::styled(format!("✗ {e}"), t.error()),
                ]));
            } else if let Some(below) = self.spec.below(i) {
                lines.push(Line::from(Span::styled(
                    format!("{}{below}", " ".repeat(label_w + 3)),
                    t.dim(),
                )));
            }
        }
        lines.push(Line::from(""));
        lines.extend(self.spec.footnote(t));
        lines.extend(self.status_lines(&errs, ctx));
        let w = area.width.min(100);
        let [r] = Layout::horizontal([Constraint::Length(w)]).areas(area);
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(self.spec.heading(), t.title())),
            ),
            r,
        );
    }
}
