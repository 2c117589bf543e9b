//! The plan set from a comparison: the protocol chosen in the ranking, a goal and a start date. It opens over the
//! comparison (which stays drawn behind it) with keys of its own: Enter or Ctrl-S sets the plan, Esc goes back to
//! the ranking. A protocol the patient is already on keeps its plan: a versioned update of goal and start.

use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::draft::{FormDraft, FormKind};
use super::field::{FormSpec, Row, Step, text};
use crate::domain::rules::Context;
use crate::domain::{Plan, PlanStatus};
use crate::tui::data::PatientDetail;
use crate::tui::keymap::{self, Action, Mode};
use crate::tui::screen::{Cmd, Ctx};
use crate::tui::widgets::TextField;

const GOAL: usize = 0;
const START: usize = 1;

#[derive(Debug, Clone)]
pub struct NewPlanForm {
    patient_code: String,
    protocol: String,
    /// The protocol's name as the library gives it.
    name: String,
    /// The patient's plan on this protocol, if they are already on it.
    current: Option<Plan>,
    goal: TextField,
    start: TextField,
    focus: usize,
    /// Why the plan was not set.
    error: Option<String>,
    /// Where the protocol is outside its evidence for this patient (from the comparison's forecast).
    warnings: Vec<String>,
    /// The goal and start as the form opened.
    opened: (String, String),
    /// Esc with something changed asks first.
    guard: super::DiscardGuard,
}

impl NewPlanForm {
    /// For `protocol` (named `name`): the goal is the current plan's; the protocol the patient is already on keeps
    /// its start (the block goes on), another starts today.
    pub fn new(d: &PatientDetail, protocol: String, name: String, today: NaiveDate) -> NewPlanForm {
        let goal = d.plan.as_ref().map_or(String::new(), |p| p.goal.clone());
        let current = d.plan_on(&protocol).cloned();
        let start = current.as_ref().map_or(today, |p| p.start_date);
        let opened = (goal.trim().to_string(), start.to_string());
        NewPlanForm {
            patient_code: d.patient.code.clone(),
            protocol,
            name,
            current,
            goal: TextField::new(goal),
            start: TextField::new(start.to_string()),
            focus: GOAL,
            error: None,
            warnings: Vec::new(),
            opened,
            guard: Default::default(),
        }
    }

    /// Whether the goal or the start differs from how the form opened.
    pub fn changed(&self) -> bool {
        (text(&self.goal), text(&self.start)) != (self.opened.0.as_str(), self.opened.1.as_str())
    }

    /// The form's keys, or the question whether to discard what was changed.
    pub fn mode(&self) -> Mode {
        if self.guard.asking() {
            Mode::Discard
        } else {
            Mode::PlanForm
        }
    }

    /// The plan save was refused: show why and keep the form.
    pub fn refused(&mut self, msg: String) {
        self.error = Some(msg);
    }

    pub fn handle(&mut self, ev: &KeyEvent, cmds: &mut Vec<Cmd>) -> Step {
        if let Some(step) = self.guard.key(ev, Mode::PlanForm, self.changed()) {
            return step;
        }
        match keymap::lookup(Mode::PlanForm.table(), ev) {
            Some(Action::Help) => cmds.push(Cmd::Help),
            Some(Action::NextField | Action::PrevField) => self.focus = 1 - self.focus,
            Some(Action::Save | Action::Open) => {
                let mut errors = self.validate(None);
                match errors.iter().position(Option::is_some) {
                    Some(i) => {
                        self.error = errors.swap_remove(i);
                        self.focus = i;
                    }
                    None => cmds.extend(self.build(None).ok()),
                }
            }
            _ => {
                let field = if self.focus == GOAL {
                    &mut self.goal
                } else {
                    &mut self.start
                };
                if !field.edit(ev) {
                    return Step::NotConsumed;
                }
                self.error = None;
            }
        }
        Step::Consumed
    }

    /// The form over the comparison, in the middle of `area`.
    /// The forecast's warnings that the protocol is outside its evidence for this patient, shown on the form.
    pub fn with_warnings(mut self, warnings: Vec<String>) -> NewPlanForm {
        self.warnings = warnings;
        self
    }

    pub fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = &ctx.theme;
        let row = |label: &str, field: &TextField, focused: bool| {
            let mut v = vec![Span::raw(format!(
                "{}{label:<7}",
                if focused { "▶ " } else { "  " }
            ))];
            v.extend(field.spans(t, focused));
            Line::from(v)
        };
        let mut lines = vec![
            Line::from(vec![
                Span::raw("Protocol "),
                Span::styled(self.name.clone(), t.header()),
            ]),
            row("Goal", &self.goal, self.focus == GOAL),
            row("Start", &self.start, self.focus == START),
        ];
        lines.extend(crate::tui::evidence::warning_lines(&self.warnings, t));
        if let Some(p) = &self.current {
            lines.push(Line::from(Span::styled(
                format!(
                    "Already the plan since {}: saving keeps it and updates the goal and start.",
                    p.start_date
                ),
                t.dim(),
            )));
        }
        if let Some(e) = &self.error {
            lines.push(Line::from(Span::styled(format!("✗ {e}"), t.error())));
        }
        let key = |action| Span::styled(keymap::key_name(Mode::PlanForm, action), t.key());
        lines.push(if self.guard.asking() {
            super::discard_prompt(t)
        } else {
            Line::from(vec![
                key(Action::Save),
                Span::raw(" sets it as the plan · "),
                key(Action::Back),
                Span::raw(" back"),
            ])
        });
        // Warnings wrap over several lines: the height counts wrapped lines (at the frame's inner width, 74).
        let extra = if self.warnings.is_empty() {
            0
        } else {
            let wrapped = Paragraph::new(lines.clone()).wrap(Wrap { trim: false });
            u16::try_from(wrapped.line_count(74).saturating_sub(lines.len())).unwrap_or(0)
        };
        let r = crate::tui::widgets::centered(area, 76, lines.len() as u16 + 3 + extra);
        f.render_widget(ratatui::widgets::Clear, r);
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(
                        format!(" New plan for {} ", self.patient_code),
                        t.title(),
                    )),
            ),
            r,
        );
    }

    fn start_date(&self) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(text(&self.start), "%Y-%m-%d").ok()
    }
}

impl FormSpec for NewPlanForm {
    fn kind(&self) -> FormKind {
        FormKind::NewPlan
    }

    fn patient_code(&self) -> &str {
        &self.patient_code
    }

    fn title(&self) -> &'static str {
        "new plan"
    }

    fn heading(&self) -> String {
        format!(" New plan for {} ", self.patient_code)
    }

    fn what(&self) -> &'static str {
        "a new plan"
    }

    fn rows(&self) -> Vec<Row<'_>> {
        vec![
            Row::text("Goal", &self.goal),
            Row::text("Start", &self.start),
        ]
    }

    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>> {
        vec![Some(&mut self.goal), Some(&mut self.start)]
    }

    fn validate(&self, _rules: Option<Context<'_>>) -> Vec<Option<String>> {
        let start = self.start_date().is_none().then(|| {
            format!(
                "start date {:?} is not a date; use YYYY-MM-DD",
                self.start.text
            )
        });
        vec![None, start]
    }

    fn build(&self, _rules: Option<Context<'_>>) -> Result<Cmd, usize> {
        let start_date = self.start_date().ok_or(START)?;
        let goal = text(&self.goal).to_string();
        // Already the plan: a versioned update of its goal and start, not a second plan.
        Ok(match &self.current {
            Some(old) => Cmd::UpdatePlan(Plan {
                start_date,
                goal,
                ..old.clone()
            }),
            None => Cmd::SavePlan(Plan {
                id: 0,
                patient_code: self.patient_code.clone(),
                protocol_id: self.protocol.clone(),
                start_date,
                goal,
                status: PlanStatus::Active,
                version: 0,
            }),
        })
    }

    fn draft(&self) -> FormDraft {
        let mut d = FormDraft::new(
            FormKind::NewPlan,
            &self.patient_code,
            vec![self.goal.clone(), self.start.clone()],
        );
        d.choices = vec![self.protocol.clone()];
        d.plan = self.current.clone();
        d.focus = self.focus;
        d
    }

    fn clone_box(&self) -> Box<dyn FormSpec> {
        Box::new(self.clone())
    }
}
