//! The contract between the app and its screens: what a screen may read ([`Ctx`]), what it asks for ([`Cmd`]),
//! whether it used a key ([`Outcome`]), and the [`Screen`] trait every screen implements. The screens and the app
//! both depend on this module; it depends on neither, so no screen imports the app that stacks it.

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

use super::data::Source;
use super::keymap::{Action, Mode};
use super::theme::Theme;
use crate::domain::{Assessment, SessionLog};

/// One screen of the stack. Drawing never changes state; keys change it and ask for side effects through `cmds`.
pub trait Screen {
    /// The screen's word in the breadcrumbs of the top line.
    fn title(&self) -> String;
    /// The mode whose keymap table handles keys, hints the footer and fills the help.
    fn mode(&self) -> Mode;
    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx);
    fn handle(&mut self, key: &KeyEvent, ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome;
    /// Read again what the screen shows after the database changed; an error is for the status line.
    fn refresh(&mut self, _source: &dyn Source, _ctx: &Ctx) -> Result<(), String> {
        Ok(())
    }
}

/// What screens may read while drawing and handling: the clock, the theme, protocol facts.
#[derive(Clone)]
pub struct Ctx {
    pub theme: Theme,
    pub today: NaiveDate,
    pub now: NaiveDateTime,
    /// Schedule facts of the library's protocols (weeks, minutes, repetitions, starting level), by id.
    pub schedules: std::sync::Arc<std::collections::HashMap<String, (u32, u32, u32, u32)>>,
    /// Who the user is and what they may change (screens word their hints by it and offer only what the store
    /// would allow; the app refuses write keys otherwise).
    pub access: super::data::Access,
    /// The progression rule of each protocol of the library, by id (the session form's next-level suggestion).
    pub progressions:
        std::sync::Arc<std::collections::HashMap<String, crate::model::protocol::Progression>>,
    /// The library as the shared rules check it (ids and highest levels): forms refuse what the store would.
    pub protocols: std::sync::Arc<crate::domain::rules::Protocols>,
}

impl Ctx {
    /// Length in weeks of a protocol, when the library knows it.
    pub fn plan_weeks(&self, id: &str) -> Option<u32> {
        self.schedules.get(id).map(|s| s.0)
    }

    /// Minutes and repetitions per session of a protocol, when known.
    pub fn plan_dose(&self, id: &str) -> Option<(u32, u32)> {
        self.schedules.get(id).map(|s| (s.1, s.2))
    }

    /// The level a protocol starts at, when known.
    pub fn start_level(&self, id: &str) -> Option<u32> {
        self.schedules.get(id).map(|s| s.3)
    }

    /// The user may change records.
    pub fn can_write(&self) -> bool {
        self.access.can_write()
    }

    /// A context for drawing and tests: an unnamed user who may change everything, until the app sets who uses it.
    pub fn new(theme: Theme, now: NaiveDateTime) -> Ctx {
        Ctx {
            theme,
            today: now.date(),
            now,
            schedules: Default::default(),
            progressions: Default::default(),
            access: super::data::Access {
                user: String::new(),
                role: Some(crate::store::Role::Admin),
            },
            protocols: Default::default(),
        }
    }
}

/// Whether a screen used the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Consumed,
    NotConsumed,
}

/// Side effects screens ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Open(String),
    Assess(String),
    LogSession(String),
    Back,
    Quit,
    Help,
    LoadDemo,
    SaveAssessment(Assessment),
    SaveSession(SessionLog),
    /// Forecast under the active plan's protocol.
    Forecast(String),
    /// Choose protocols to compare.
    Compare(String),
    /// Run the forecast chosen on the top compare screen.
    RunForecast,
    SavePlan(crate::domain::Plan),
    NewPatient,
    SavePatient(crate::domain::Patient),
    /// Open the patient editor.
    EditPatient(String),
    /// Save an edited patient (versioned).
    UpdatePatient(crate::domain::Patient),
    /// Open the plan editor on the active plan.
    EditPlan(String),
    /// Save an edited plan (versioned).
    UpdatePlan(crate::domain::Plan),
    /// Open the patient's records, to correct or void one.
    Records(String),
    /// Correct a record, with the reason.
    CorrectRecord(crate::store::Correction, String),
    /// Void a record, with the reason.
    VoidRecord(crate::store::RecordKind, i64, String),
    /// Say something on the status line (an error).
    Status(String),
    /// Progress against the plan's forecast.
    Progress(String),
    /// Write the patient's progress report and say where.
    Report(String),
    /// Write the patient's discharge summary and say where.
    Discharge(String),
    /// Open the form of a new goal for the patient's plan.
    NewGoal(String),
    /// Open the GAS review of one of the patient's goals.
    ReviewGoal(String),
    SaveGoal(crate::domain::Goal),
    SaveGoalReview(crate::domain::GoalReview),
}

impl Cmd {
    /// What an action asks for on every screen that binds it, whatever is selected: back, help, quit, the demo, a
    /// new patient.
    pub fn common(action: Action) -> Option<Cmd> {
        Some(match action {
            Action::Back => Cmd::Back,
            Action::Help => Cmd::Help,
            Action::Quit => Cmd::Quit,
            Action::LoadDemo => Cmd::LoadDemo,
            Action::NewPatient => Cmd::NewPatient,
            _ => return None,
        })
    }

    /// What an action asks for about patient `code` (the one selected or shown): open them, open a form on them
    /// (assessment, session, the patient and plan editors), forecast, compare, their records.
    pub fn about(action: Action, code: String) -> Option<Cmd> {
        Some(match action {
            Action::Open => Cmd::Open(code),
            Action::NewAssessment => Cmd::Assess(code),
            Action::LogSession => Cmd::LogSession(code),
            Action::EditPatient => Cmd::EditPatient(code),
            Action::EditPlan => Cmd::EditPlan(code),
            Action::Forecast => Cmd::Forecast(code),
            Action::Compare => Cmd::Compare(code),
            Action::Records => Cmd::Records(code),
            Action::Progress => Cmd::Progress(code),
            Action::Report => Cmd::Report(code),
            Action::Discharge => Cmd::Discharge(code),
            Action::NewGoal => Cmd::NewGoal(code),
            Action::ReviewGoal => Cmd::ReviewGoal(code),
            _ => return None,
        })
    }
}
