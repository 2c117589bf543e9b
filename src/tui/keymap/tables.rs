//! The tables, one per mode, in the order the footer hints them. Rows several screens share are written once.

use ratatui::crossterm::event::KeyCode;

use super::binding::{Action, Binding, Key, b, c, ctrl, k};

/// Rows several tables share, each written once.
const NAV: [Binding; 4] = [
    b(&[k(KeyCode::Up), c('k')], Action::Up, "previous row", ""),
    b(&[k(KeyCode::Down), c('j')], Action::Down, "next row", ""),
    b(&[k(KeyCode::PageUp)], Action::PageUp, "page up", ""),
    b(&[k(KeyCode::PageDown)], Action::PageDown, "page down", ""),
];

const WARNINGS: Binding = b(
    &[c('w')],
    Action::Notices,
    "warnings, and who you are",
    "warnings",
);
const HELP_KEY: Binding = b(&[c('?'), k(KeyCode::F(1))], Action::Help, "help", "help");
/// Help where `?` is text.
const HELP_F1: Binding = b(&[k(KeyCode::F(1))], Action::Help, "help", "help");
const QUIT: Binding = b(&[c('q')], Action::Quit, "quit", "quit");
const NEXT_FIELD: Binding = b(
    &[k(KeyCode::Tab), k(KeyCode::Down)],
    Action::NextField,
    "next field",
    "next",
);
const PREV_FIELD: Binding = b(
    &[k(KeyCode::BackTab), k(KeyCode::Up)],
    Action::PrevField,
    "previous field",
    "prev",
);
/// Esc in a form: closes it at once when nothing was changed, else asks first ([`DISCARD`]).
const CANCEL: Binding = b(
    &[k(KeyCode::Esc)],
    Action::Back,
    "cancel (asks first when you changed something)",
    "cancel",
);

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
    WARNINGS,
    b(
        &[c('?'), k(KeyCode::F(1))],
        Action::Help,
        "help: all keys",
        "help",
    ),
    QUIT,
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
    HELP_F1,
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
    WARNINGS,
    HELP_KEY,
    QUIT,
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
    b(
        &[c('v')],
        Action::Progress,
        "progress: assessments against the plan's forecast band, session notes",
        "progress",
    ),
    b(
        &[c('R')],
        Action::Report,
        "report: write the progress report (one HTML file, to print or send) and show where",
        "report",
    ),
    b(
        &[c('g')],
        Action::NewGoal,
        "add a goal to the plan: instrument, target, by date, text",
        "goal",
    ),
    b(
        &[c('G')],
        Action::ReviewGoal,
        "GAS review: a goal's attainment level (-2..+2), then the T-score",
        "GAS",
    ),
    b(
        &[c('D')],
        Action::Discharge,
        "discharge summary: outcome against admission and goal attainment (HTML, like R)",
        "discharge",
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
    WARNINGS,
    HELP_KEY,
    QUIT,
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
    WARNINGS,
    HELP_KEY,
    QUIT,
];

pub static RECORD_EDIT: &[Binding] = &[
    b(
        &[k(KeyCode::Enter), ctrl('s')],
        Action::Save,
        "save the correction or the voiding",
        "save",
    ),
    NEXT_FIELD,
    PREV_FIELD,
    CANCEL,
    HELP_F1,
];

pub static FORM: &[Binding] = &[
    b(&[ctrl('s')], Action::Save, "save", "save"),
    NEXT_FIELD,
    PREV_FIELD,
    b(
        &[k(KeyCode::Enter)],
        Action::Open,
        "next field; on the last, save",
        "",
    ),
    b(&[k(KeyCode::Left)], Action::Left, "previous choice", ""),
    b(&[k(KeyCode::Right)], Action::Right, "next choice", ""),
    CANCEL,
    HELP_F1,
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
        "cancel your edit (theirs stays; asks first)",
        "cancel",
    ),
    HELP_KEY,
];

/// Esc was pressed in a form with unsaved changes: discard them, or go back to the form (any other key does too).
pub static DISCARD: &[Binding] = &[
    b(
        &[c('y')],
        Action::Discard,
        "discard the changes and close the form",
        "discard",
    ),
    b(
        &[c('n'), k(KeyCode::Esc)],
        Action::Back,
        "keep editing (any other key too)",
        "keep editing",
    ),
];

/// A value that looks wrong (an assessment far from the last, or the same score twice) was not saved: save it
/// anyway with an explicit key, never with the Enter that moves between fields; any other key edits as usual and
/// the next save checks again.
pub static WARNING: &[Binding] = &[
    b(
        &[c('y'), ctrl('s')],
        Action::Save,
        "save the value that looks wrong anyway",
        "save anyway",
    ),
    b(
        &[c('n'), k(KeyCode::Esc)],
        Action::Back,
        "keep editing (any other key edits as usual; a save checks again)",
        "keep editing",
    ),
];

/// The help and the warnings overlays: they close, and scroll when taller than the screen (issue 14.2).
pub static HELP: &[Binding] = &[
    b(
        &[k(KeyCode::Esc), c('?'), k(KeyCode::F(1)), c('q')],
        Action::Back,
        "close help",
        "close",
    ),
    b(
        &[k(KeyCode::PageDown)],
        Action::PageDown,
        "scroll a page down",
        "scroll",
    ),
    b(
        &[k(KeyCode::PageUp)],
        Action::PageUp,
        "scroll a page up",
        "",
    ),
    b(
        &[k(KeyCode::Down), c('j')],
        Action::Down,
        "scroll a line down",
        "",
    ),
    b(
        &[k(KeyCode::Up), c('k')],
        Action::Up,
        "scroll a line up",
        "",
    ),
    b(&[k(KeyCode::Home), c('g')], Action::Top, "to the top", ""),
    b(&[k(KeyCode::End), c('G')], Action::Bottom, "to the end", ""),
];

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
    b(
        &[k(KeyCode::PageUp)],
        Action::PageUp,
        "scroll the protocol's description up",
        "",
    ),
    b(
        &[k(KeyCode::PageDown)],
        Action::PageDown,
        "scroll the protocol's description down",
        "",
    ),
    b(
        &[k(KeyCode::Home)],
        Action::Top,
        "top of the protocol's description",
        "",
    ),
    b(
        &[k(KeyCode::End)],
        Action::Bottom,
        "end of the protocol's description",
        "",
    ),
    b(&[k(KeyCode::Esc)], Action::Back, "back", "back"),
    HELP_KEY,
    QUIT,
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
        &[c('f')],
        Action::FollowUp,
        "follow-up: 6 weeks, 3 months, 6 months",
        "follow-up",
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
    b(
        &[k(KeyCode::PageUp)],
        Action::PageUp,
        "scroll the conclusion and reasons up",
        "",
    ),
    b(
        &[k(KeyCode::PageDown)],
        Action::PageDown,
        "scroll the conclusion and reasons down",
        "",
    ),
    b(
        &[k(KeyCode::Home)],
        Action::Top,
        "first line of the conclusion",
        "",
    ),
    b(&[k(KeyCode::End)], Action::Bottom, "last reason", ""),
    b(
        &[k(KeyCode::Tab)],
        Action::NextPane,
        "the chart or the conclusion and reasons (below 30 rows they take turns)",
        "",
    ),
    b(&[k(KeyCode::Esc)], Action::Back, "back", "back"),
    HELP_KEY,
    QUIT,
];

pub static PROGRESS: &[Binding] = &[
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
        &[c('n')],
        Action::Toggle,
        "numbers and session notes, or the chart",
        "numbers",
    ),
    b(&[k(KeyCode::Esc)], Action::Back, "back", "back"),
    HELP_KEY,
    QUIT,
];

pub static PLAN_FORM: &[Binding] = &[
    b(
        &[ctrl('s'), k(KeyCode::Enter)],
        Action::Save,
        "set as the plan",
        "save",
    ),
    NEXT_FIELD,
    b(
        &[k(KeyCode::BackTab), k(KeyCode::Up)],
        Action::PrevField,
        "previous field",
        "",
    ),
    CANCEL,
    HELP_F1,
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

/// The only key obeyed while the terminal is smaller than Praxis draws in (Ctrl-C quits too, as everywhere).
pub static TOO_SMALL: &[Binding] = &[b(
    &[c('q')],
    Action::Quit,
    "quit (an open form is kept as a draft)",
    "quit",
)];

/// Keys that work everywhere, listed in every help page.
pub static GLOBAL: &[Binding] = &[b(&[ctrl('c')], Action::Quit, "quit now (always)", "")];
