//! A binding: the keys (with the modifiers they need), the action they ask for, and the words for the help and the
//! footer.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Everything a key can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    Open,
    Search,
    ClearSearch,
    Sort,
    LoadDemo,
    NewAssessment,
    LogSession,
    NextField,
    PrevField,
    Left,
    Right,
    Save,
    Discard,
    Toggle,
    SetPlan,
    Forecast,
    Compare,
    NewPatient,
    EditPatient,
    EditPlan,
    Reload,
    /// Show the database's warnings and who the user is.
    Notices,
    /// Open the patient's records (history) to correct or void one.
    Records,
    /// Correct the selected record (a new version with a reason).
    CorrectRecord,
    /// Void the selected record (entered in error, with a reason).
    VoidRecord,
    /// Progress against the plan's forecast.
    Progress,
    /// Read a comparison at the next follow-up (6 weeks, 3 months, 6 months).
    FollowUp,
    /// Write the patient's progress report (HTML) and say where.
    Report,
    /// Write the patient's discharge summary (HTML) and say where.
    Discharge,
    /// Add a goal to the plan.
    NewGoal,
    /// Record a Goal Attainment Scaling level for a goal.
    ReviewGoal,
}

impl Action {
    /// Whether the action changes records (or opens a form that would): a user who may only read is not offered
    /// these, and is told why when they press one.
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::LoadDemo
                | Action::NewAssessment
                | Action::LogSession
                | Action::NewPatient
                | Action::EditPatient
                | Action::EditPlan
                | Action::SetPlan
                | Action::CorrectRecord
                | Action::VoidRecord
                // Audited like an export, which a user who may only read may not take.
                | Action::Report
                | Action::Discharge
                | Action::NewGoal
                | Action::ReviewGoal
        )
    }
}

/// A key: its code and the modifiers it needs (Shift is ignored for characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

pub(super) const fn k(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

pub(super) const fn c(ch: char) -> Key {
    k(KeyCode::Char(ch))
}

pub(super) const fn ctrl(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::CONTROL,
    }
}

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let relevant = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => a == b && relevant == self.mods,
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => a == b && relevant == self.mods,
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(ch) => ch.to_string(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("^{}", base.to_uppercase())
        } else {
            base
        }
    }

    /// The key as prose names it ("Ctrl-S" where the footer says "^S").
    pub fn long_label(&self) -> String {
        match self.label().strip_prefix('^') {
            Some(rest) => format!("Ctrl-{rest}"),
            None => self.label(),
        }
    }
}

/// One binding: the keys, the action, what it does (for help), and its footer word.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub desc: &'static str,
    /// Short word for the footer; empty: not in the footer.
    pub hint: &'static str,
}

pub(super) const fn b(
    keys: &'static [Key],
    action: Action,
    desc: &'static str,
    hint: &'static str,
) -> Binding {
    Binding {
        keys,
        action,
        desc,
        hint,
    }
}
