//! One keymap table per mode. The same table decides what a key does, what the footer hints and what the help
//! overlay lists, so the three cannot drift apart (the gitui pattern).

use ratatui::crossterm::event::KeyEvent;

mod binding;
mod tables;

pub use binding::{Action, Binding, Key};
pub use tables::{
    COMPARE_PICK, COMPARE_RESULT, COMPARE_RUN, CONFLICT, DISCARD, DRAFT, EMPTY, EMPTY_FIELD, FORM,
    GLOBAL, HELP, LIST, LIST_SEARCH, OVERVIEW, PLAN_FORM, PROGRESS, RECORD_EDIT, RECORDS,
    TOO_SMALL, TYPING, Typing, WARNING,
};

/// The modes, each with its own table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    List,
    ListSearch,
    Empty,
    Overview,
    Form,
    Help,
    Draft,
    ComparePick,
    CompareRun,
    CompareResult,
    PlanForm,
    Conflict,
    Notices,
    /// The patient's records, to pick one to correct or void.
    Records,
    /// Correcting or voiding a record: its values and the reason.
    RecordEdit,
    /// Progress against the plan's forecast.
    Progress,
    /// Esc in a form with unsaved changes: discard them, or keep editing.
    Discard,
    /// A form's value looks wrong and was not saved: save it anyway, or keep editing.
    Warning,
}

impl Mode {
    pub fn title(self) -> &'static str {
        match self {
            Mode::List => "Patient list",
            Mode::ListSearch => "Patient list: searching",
            Mode::Empty => "Empty database",
            Mode::Overview => "Patient overview",
            Mode::Form => "Form",
            Mode::Help => "Help",
            Mode::Draft => "Unfinished form",
            Mode::ComparePick => "Choose protocols",
            Mode::CompareRun => "Forecasting",
            Mode::CompareResult => "Forecast and comparison",
            Mode::PlanForm => "New plan",
            Mode::Conflict => "Edit conflict",
            Mode::Notices => "Warnings and access",
            Mode::Records => "Records: correct or void",
            Mode::RecordEdit => "Correct or void a record",
            Mode::Progress => "Progress against the forecast",
            Mode::Discard => "Discard the changes?",
            Mode::Warning => "Save a value that looks wrong?",
        }
    }

    pub fn table(self) -> &'static [Binding] {
        match self {
            Mode::List => LIST,
            Mode::ListSearch => LIST_SEARCH,
            Mode::Empty => EMPTY,
            Mode::Overview => OVERVIEW,
            Mode::Form => FORM,
            Mode::Help => HELP,
            Mode::Draft => DRAFT,
            Mode::ComparePick => COMPARE_PICK,
            Mode::CompareRun => COMPARE_RUN,
            Mode::CompareResult => COMPARE_RESULT,
            Mode::PlanForm => PLAN_FORM,
            Mode::Conflict => CONFLICT,
            Mode::Notices => HELP,
            Mode::Records => RECORDS,
            Mode::RecordEdit => RECORD_EDIT,
            Mode::Progress => PROGRESS,
            Mode::Discard => DISCARD,
            Mode::Warning => WARNING,
        }
    }

    /// Whether keys not in the table are text for a field (so `q`, `j`, `?` type).
    pub fn is_text(self) -> bool {
        matches!(
            self,
            Mode::ListSearch | Mode::Form | Mode::PlanForm | Mode::RecordEdit
        )
    }
}

pub fn lookup(table: &[Binding], ev: &KeyEvent) -> Option<Action> {
    table
        .iter()
        .find(|bd| bd.keys.iter().any(|key| key.matches(ev)))
        .map(|bd| bd.action)
}

/// The first key bound to `action` in `mode`, as prose names it ("Ctrl-S", "Esc"): the hints written inside a
/// screen take their keys from here, so they cannot name a key the table does not bind.
pub fn key_name(mode: Mode, action: Action) -> String {
    name_in(mode.table(), action)
}

/// The first key bound to `action` in `table` (e.g. [`GLOBAL`]), as prose names it.
pub fn name_in(table: &[Binding], action: Action) -> String {
    table
        .iter()
        .find(|bd| bd.action == action)
        .map_or_else(|| "?".to_string(), |bd| bd.keys[0].long_label())
}

/// "Enter/l/→"
pub fn keys_label(bd: &Binding) -> String {
    bd.keys.iter().map(Key::label).collect::<Vec<_>>().join("/")
}

/// The footer: the first key of each hinted binding and its description.
pub fn hints(mode: Mode) -> Vec<(String, &'static str)> {
    mode.table()
        .iter()
        .filter(|bd| !bd.hint.is_empty())
        .map(|bd| (bd.keys[0].label(), bd.hint))
        .collect()
}

/// What the user is offered: the footer and help leave out what they cannot do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Offer {
    /// The user may change records.
    pub write: bool,
    /// There are warnings to read (`w` is then hinted in the footer; it is always in the help).
    pub warnings: bool,
}

impl Default for Offer {
    fn default() -> Offer {
        Offer {
            write: true,
            warnings: false,
        }
    }
}

impl Offer {
    /// Whether a binding is listed in the help.
    pub fn in_help(self, bd: &Binding) -> bool {
        self.write || !bd.action.writes()
    }

    /// Whether a binding is hinted in the footer.
    pub fn in_footer(self, bd: &Binding) -> bool {
        !bd.hint.is_empty()
            && self.in_help(bd)
            && (bd.action != Action::Notices || self.warnings || !self.write)
    }
}

/// The footer hints the user is offered, with a flag for the help binding, which the footer always keeps.
pub fn hints_with_action(mode: Mode, offer: Offer) -> Vec<(String, &'static str, bool)> {
    mode.table()
        .iter()
        .filter(|bd| offer.in_footer(bd))
        .map(|bd| (bd.keys[0].label(), bd.hint, bd.action == Action::Help))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_inside_screens_name_the_keys_their_tables_bind() {
        assert_eq!(key_name(Mode::Form, Action::Save), "Ctrl-S");
        assert_eq!(key_name(Mode::PlanForm, Action::Save), "Ctrl-S");
        assert_eq!(key_name(Mode::Form, Action::Back), "Esc");
        assert_eq!(key_name(Mode::Conflict, Action::Reload), "r");
        assert_eq!(key_name(Mode::Draft, Action::Discard), "x");
        assert_eq!(key_name(Mode::Empty, Action::LoadDemo), "d");
        assert_eq!(key_name(Mode::Records, Action::VoidRecord), "v");
        assert_eq!(key_name(Mode::Help, Action::Back), "Esc");
        assert_eq!(name_in(GLOBAL, Action::Quit), "Ctrl-C");
        assert_eq!(key_name(Mode::ListSearch, Action::ClearSearch), "Esc");
        assert_eq!(key_name(Mode::RecordEdit, Action::Save), "Enter");
        assert_eq!(key_name(Mode::CompareRun, Action::Back), "Esc");
        assert_eq!(key_name(Mode::Form, Action::Left), "←");
        assert_eq!(key_name(Mode::Discard, Action::Discard), "y");
        assert_eq!(key_name(Mode::Warning, Action::Save), "y");
        // An action the mode does not bind is shown as such, never as another key.
        assert_eq!(key_name(Mode::Draft, Action::Save), "?");
    }
}
