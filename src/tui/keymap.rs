//! One keymap table per mode. The same table decides what a key does, what the footer hints and what the help
//! overlay lists, so the three cannot drift apart (the gitui pattern).

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
        )
    }
}

/// A key: its code and the modifiers it needs (Shift is ignored for characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

const fn c(ch: char) -> Key {
    k(KeyCode::Char(ch))
}

const fn ctrl(ch: char) -> Key {
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

const fn b(
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

const NAV: [Binding; 4] = [
    b(&[k(KeyCode::Up), c('k')], Action::Up, "previous row", ""),
    b(&[k(KeyCode::Down), c('j')], Action::Down, "next row", ""),
    b(&[k(KeyCode::PageUp)], Action::PageUp, "page up", ""),
    b(&[k(KeyCode::PageDown)], Action::PageDown, "page down", ""),
];

pub static LIST: &[Binding] = &[
    NAV[0],
    NAV[1],
    NAV[2],
    NAV[3],
    b(
        &[k(KeyCode::Home), c('g')],
        Action::Top,
        "first patient",
        "",
    ),
    b(
        &[k(KeyCode::End), c('G')],
        Action::Bottom,
        "last patient",
        "",
    ),
    b(
        &[k(KeyCode::Enter), c('l'), k(KeyCode::Right)],
        Action::Open,
        "open the patient",
        "open",
    ),
    b(
        &[c('/')],
        Action::Search,
        "search code, name, condition",
        "search",
    ),
    b(&[c('s')], Action::Sort, "change the sort order", "sort"),
    b(&[c('n')], Action::NewPatient, "add a new patient", "new"),
    b(
        &[c('e')],
        Action::EditPatient,
        "edit the selected patient",
        "edit",
    ),
    b(
        &[c('a')],
        Action::NewAssessment,
        "enter an assessment",
        "assess",
    ),
    b(&[c('L')], Action::LogSession, "log a session", "log"),
    b(
        &[k(KeyCode::Esc)],
        Action::ClearSearch,
        "clear the search",
        "",
    ),
    b(
        &[c('w')],
        Action::Notices,
        "warnings, and who you are",
        "warnings",
    ),
    b(
        &[c('?'), k(KeyCode::F(1))],
        Action::Help,
        "help: all keys",
        "help",
    ),
    b(&[c('q')], Action::Quit, "quit", "quit"),
];

pub static LIST_SEARCH: &[Binding] = &[
    b(
        &[k(KeyCode::Enter)],
        Action::Open,
        "keep the search, back to the list",
        "done",
    ),
    b(
        &[k(KeyCode::Esc)],
        Action::ClearSearch,
        "clear the search",
        "clear",
    ),
    b(&[k(KeyCode::Up)], Action::Up, "previous row", "up"),
    b(&[k(KeyCode::Down)], Action::Down, "next row", "down"),
    b(&[k(KeyCode::F(1))], Action::Help, "help", "help"),
];

pub static EMPTY: &[Binding] = &[
    b(
        &[c('d')],
        Action::LoadDemo,
        "load the demo patients",
        "load demo",
    ),
    b(
        &[c('n')],
        Action::NewPatient,
        "add a new patient",
        "new patient",
    ),
    b(
        &[c('w')],
        Action::Notices,
        "warnings, and who you are",
        "warnings",
    ),
    b(&[c('?'), k(KeyCode::F(1))], Action::Help, "help", "help"),
    b(&[c('q')], Action::Quit, "quit", "quit"),
];

pub static OVERVIEW: &[Binding] = &[
    NAV[0],
    NAV[1],
    b(
        &[c('a')],
        Action::NewAssessment,
        "enter an assessment",
        "assess",
    ),
    b(&[c('L')], Action::LogSession, "log a session", "log"),
    b(
        &[c('e')],
        Action::EditPatient,
        "edit the patient's profile and condition facts",
        "edit",
    ),
    b(
        &[c('P')],
        Action::EditPlan,
        "edit the active plan (protocol, start, goal, status)",
        "plan",
    ),
    b(
        &[c('f')],
        Action::Forecast,
        "forecast under the plan's protocol",
        "forecast",
    ),
    b(
        &[c('c')],
        Action::Compare,
        "compare protocols (up to 4)",
        "compare",
    ),
    b(
        &[c('r')],
        Action::Records,
        "records: every assessment and session, to correct or void one",
        "records",
    ),
    // Before the pane key: at 80 columns the footer has room for one of them, and correcting a record is the one
    // a therapist cannot find otherwise (Tab is in the help).
    b(&[k(KeyCode::Tab)], Action::NextPane, "next pane", "pane"),
    b(
        &[k(KeyCode::Esc), c('h'), k(KeyCode::Left)],
        Action::Back,
        "back to the list",
        "back",
    ),
    b(
        &[c('w')],
        Action::Notices,
        "warnings, and who you are",
        "warnings",
    ),
    b(&[c('?'), k(KeyCode::F(1))], Action::Help, "help", "help"),
    b(&[c('q')], Action::Quit, "quit", "quit"),
];

pub static RECORDS: &[Binding] = &[
    NAV[0],
    NAV[1],
    NAV[2],
    NAV[3],
    b(
        &[c('c')],
        Action::CorrectRecord,
        "correct the selected record (a new version, with a reason)",
        "correct",
    ),
    b(
        &[c('v')],
        Action::VoidRecord,
        "void the selected record: entered in error (with a reason)",
        "void",
    ),
    b(
        &[k(KeyCode::Esc), c('h'), k(KeyCode::Left)],
        Action::Back,
        "back to the overview",
        "back",
    ),
    b(
        &[c('w')],
        Action::Notices,
        "warnings, and who you are",
        "warnings",
    ),
    b(&[c('?'), k(KeyCode::F(1))], Action::Help, "help", "help"),
    b(&[c('q')], Action::Quit, "quit", "quit"),
];

pub static RECORD_EDIT: &[Binding] = &[
    b(
        &[k(KeyCode::Enter), ctrl('s')],
        Action::Save,
        "save the correction or the voiding",
        "save",
    ),
    b(
        &[k(KeyCode::Tab), k(KeyCode::Down)],
        Action::NextField,
        "next field",
        "next",
    ),
    b(
        &[k(KeyCode::BackTab), k(KeyCode::Up)],
        Action::PrevField,
        "previous field",
        "prev",
    ),
    b(&[k(KeyCode::Esc)], Action::Back, "cancel", "cancel"),
    b(&[k(KeyCode::F(1))], Action::Help, "help", "help"),
];

pub static FORM: &[Binding] = &[
    b(&[ctrl('s')], Action::Save, "save", "save"),
    b(
        &[k(KeyCode::Tab), k(KeyCode::Down)],
        Action::NextField,
        "next field",
        "next",
    ),
    b(
        &[k(KeyCode::BackTab), k(KeyCode::Up)],
        Action::PrevField,
        "previous field",
        "prev",
    ),
    b(
        &[k(KeyCode::Enter)],
        Action::Open,
        "next field; on the last, save",
        "",
    ),
    b(&[k(KeyCode::Left)], Action::Left, "previous choice", ""),
    b(&[k(KeyCode::Right)], Action::Right, "next choice", ""),
    b(&[k(KeyCode::Esc)], Action::Back, "cancel", "cancel"),
    b(&[k(KeyCode::F(1))], Action::Help, "help", "help"),
];

/// A save refused because someone else saved the same record: both versions are on screen.
pub static CONFLICT: &[Binding] = &[
    b(
        &[c('r')],
        Action::Reload,
        "reload their version and re-apply your changes (then save again)",
        "reload theirs",
    ),
    b(
        &[k(KeyCode::Esc)],
        Action::Back,
        "cancel your edit (theirs stays)",
        "cancel",
    ),
    b(&[c('?'), k(KeyCode::F(1))], Action::Help, "help", "help"),
];

pub static HELP: &[Binding] = &[b(
    &[k(KeyCode::Esc), c('?'), k(KeyCode::F(1)), c('q')],
    Action::Back,
    "close help",
    "close",
)];

pub static DRAFT: &[Binding] = &[
    b(
        &[k(KeyCode::Enter)],
        Action::Open,
        "reopen the unfinished form",
        "reopen",
    ),
    b(&[c('x')], Action::Discard, "discard it", "discard"),
    b(
        &[k(KeyCode::Esc)],
        Action::Back,
        "decide later (keep it)",
        "later",
    ),
];

pub static COMPARE_PICK: &[Binding] = &[
    NAV[0],
    NAV[1],
    b(
        &[c(' '), c('x')],
        Action::Toggle,
        "choose / drop the protocol (up to 4)",
        "choose",
    ),
    b(
        &[k(KeyCode::Enter)],
        Action::Open,
        "run the forecast",
        "run",
    ),
    b(&[k(KeyCode::Esc)], Action::Back, "back", "back"),
    b(&[c('?'), k(KeyCode::F(1))], Action::Help, "help", "help"),
    b(&[c('q')], Action::Quit, "quit", "quit"),
];

pub static COMPARE_RUN: &[Binding] = &[b(
    &[k(KeyCode::Esc)],
    Action::Back,
    "cancel the forecast",
    "cancel",
)];

pub static COMPARE_RESULT: &[Binding] = &[
    b(
        &[k(KeyCode::Up), c('k')],
        Action::Up,
        "previous protocol (its band is drawn)",
        "protocol",
    ),
    b(
        &[k(KeyCode::Down), c('j')],
        Action::Down,
        "next protocol",
        "",
    ),
    b(
        &[k(KeyCode::Left), c('h')],
        Action::Left,
        "previous measure",
        "measure",
    ),
    b(
        &[k(KeyCode::Right), c('l')],
        Action::Right,
        "next measure",
        "",
    ),
    b(
        &[c('p')],
        Action::SetPlan,
        "set the selected protocol as the plan",
        "set plan",
    ),
    b(
        &[c('/')],
        Action::Search,
        "choose other protocols",
        "rechoose",
    ),
    b(&[k(KeyCode::Esc)], Action::Back, "back", "back"),
    b(&[c('?'), k(KeyCode::F(1))], Action::Help, "help", "help"),
    b(&[c('q')], Action::Quit, "quit", "quit"),
];

pub static PLAN_FORM: &[Binding] = &[
    b(
        &[ctrl('s'), k(KeyCode::Enter)],
        Action::Save,
        "set as the plan",
        "save",
    ),
    b(
        &[k(KeyCode::Tab), k(KeyCode::Down)],
        Action::NextField,
        "next field",
        "next",
    ),
    b(
        &[k(KeyCode::BackTab), k(KeyCode::Up)],
        Action::PrevField,
        "previous field",
        "",
    ),
    b(&[k(KeyCode::Esc)], Action::Back, "cancel", "cancel"),
    b(&[k(KeyCode::F(1))], Action::Help, "help", "help"),
];

/// Empties the text field with focus (the field takes it, in every text mode).
pub const EMPTY_FIELD: Key = ctrl('u');

/// What a key does where a text field has focus, beyond its mode's table (the field takes these keys).
#[derive(Debug, Clone, Copy)]
pub struct Typing {
    /// `None`: any letter.
    pub key: Option<Key>,
    pub desc: &'static str,
}

impl Typing {
    pub fn label(&self) -> String {
        self.key
            .map_or_else(|| "letters".to_string(), |k| k.label())
    }
}

/// Listed in the help of every text mode, after the mode's bindings.
pub static TYPING: &[Typing] = &[
    Typing {
        key: None,
        desc: "type into the field (q, j and ? too)",
    },
    Typing {
        key: Some(EMPTY_FIELD),
        desc: "empty the field (in the patient editor: unknown)",
    },
];

/// Keys that work everywhere, listed in every help page.
pub static GLOBAL: &[Binding] = &[b(&[ctrl('c')], Action::Quit, "quit now (always)", "")];

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
        // An action the mode does not bind is shown as such, never as another key.
        assert_eq!(key_name(Mode::Draft, Action::Save), "?");
    }
}
