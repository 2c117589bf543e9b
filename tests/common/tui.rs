//! What the terminal-interface tests share: a small clinic with fixed dates (so "3 d ago" never moves), the app
//! on it or on a demo database in a temporary folder, and ways to read the screen and move through forms.

use chrono::{NaiveDate, NaiveDateTime};
use praxis::domain::*;
use praxis::store::Store;
use praxis::tui::app::{App, Ctx};
use praxis::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::fixture::Fixture;
use super::{press, screen, typ};

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

pub const NOW: &str = "2026-11-20 14:30";

pub fn patient(code: &str, name: &str, birth: i32, condition: Condition) -> Patient {
    super::patient(code)
        .name(name)
        .born(birth)
        .hand(Hand::Right)
        .affected(Side::Right)
        .condition(condition)
        .version(1)
        .build()
}

pub fn assess(code: &str, inst: &str, score: f64, date: &str) -> Assessment {
    Assessment {
        id: 0,
        patient_code: code.into(),
        instrument: inst.into(),
        score,
        date: d(date),
        assessor: None,
        notes: String::new(),
        med_state: None,
    }
}

pub fn session(code: &str, when: &str, protocol: &str, reps: u32, level: u32) -> SessionLog {
    SessionLog {
        id: 0,
        patient_code: code.into(),
        started_at: dt(when),
        protocol_id: protocol.into(),
        minutes: 45,
        repetitions: reps,
        level: Some(level),
        success_rate: Some(0.7),
        rpe: Some(5),
        notes: String::new(),
        clinician: None,
    }
}

/// A small clinic with fixed dates: a subacute stroke, Parkinson's, ataxia, an older adult.
pub fn clinic() -> Fixture {
    let mut m = Fixture {
        patients: vec![
            patient(
                "P-0107",
                "Ada Brook",
                1954,
                Condition::Stroke(StrokeFacts {
                    onset_date: Some(d("2026-10-01")),
                    stroke_type: Some(StrokeType::Ischaemic),
                    corticospinal: None,
                    mep: Some(Mep::Present),
                    nihss: Some(9),
                    active_extension: None,
                }),
            ),
            patient(
                "P-0044",
                "Ben Carter",
                1960,
                Condition::Parkinsons(ParkinsonsFacts {
                    diagnosis_year: Some(2021),
                    hoehn_yahr: Some(2.0),
                    medication: Some(Medication::On),
                }),
            ),
            patient(
                "P-0052",
                "Cleo Dunn",
                1978,
                Condition::CerebellarAtaxia(AtaxiaFacts {
                    ataxia_type: Some("SCA6".into()),
                }),
            ),
            patient(
                "P-0090",
                "Dora Ellis",
                1945,
                Condition::OlderAdult(OlderAdultFacts {
                    falls_last_year: Some(2),
                }),
            ),
        ],
        ..Fixture::default()
    };
    m.assessments = vec![
        assess("P-0107", "fma_ue", 24.0, "2026-10-04"),
        assess("P-0107", "arat", 9.0, "2026-10-04"),
        assess("P-0107", "fma_ue", 31.0, "2026-10-25"),
        assess("P-0107", "arat", 15.0, "2026-10-25"),
        assess("P-0107", "fma_ue", 36.0, "2026-11-15"),
        assess("P-0107", "arat", 22.0, "2026-11-15"),
        assess("P-0044", "mds_updrs_iii", 31.0, "2026-09-01"),
        assess("P-0044", "tug_s", 11.8, "2026-09-01"),
        assess("P-0044", "mds_updrs_iii", 29.0, "2026-10-01"),
        assess("P-0052", "sara", 14.0, "2026-11-10"),
        assess("P-0090", "bbs", 41.0, "2026-08-01"),
    ];
    m.sessions = vec![
        session("P-0107", "2026-11-18 10:00", "task-specific-300", 300, 3),
        session("P-0107", "2026-11-19 10:00", "task-specific-300", 280, 3),
        session("P-0044", "2026-10-20 09:00", "lsvt-big", 0, 2),
    ];
    m.plans = vec![
        Plan {
            id: 1,
            patient_code: "P-0107".into(),
            protocol_id: "task-specific-300".into(),
            start_date: d("2026-10-05"),
            goal: "drink from a cup with the right hand by week 8".into(),
            status: PlanStatus::Active,
            version: 1,
        },
        Plan {
            id: 2,
            patient_code: "P-0044".into(),
            protocol_id: "lsvt-big".into(),
            start_date: d("2026-09-02"),
            goal: String::new(),
            status: PlanStatus::Active,
            version: 1,
        },
    ];
    m
}

pub fn ctx(theme: Theme) -> Ctx {
    Ctx::new(theme, dt(NOW))
}

pub fn app(mem: Fixture) -> App {
    App::new(Box::new(mem.source(dt(NOW).date())), ctx(Theme::default())).unwrap()
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn terminal(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    t
}

pub fn demo_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("praxis.db");
    let mut store = Store::open(&path).unwrap();
    praxis::app::demo::load_at(&mut store, dt(NOW).date()).unwrap();
    (dir, path)
}

pub fn store_app(path: &std::path::Path) -> App {
    let store = Store::open(path).unwrap();
    App::new(
        Box::new(super::fixture::store_source(store, dt(NOW).date())),
        ctx(Theme::default()),
    )
    .unwrap()
}

pub fn open_patient(a: &mut App, code: &str) {
    press(a, KeyCode::Char('/'));
    typ(a, code);
    press(a, KeyCode::Enter);
    press(a, KeyCode::Enter);
}

/// The last line of the screen at 80 columns.
pub fn footer_at_80(a: &App) -> String {
    screen(a, 80, 24).lines().last().unwrap_or("").to_string()
}

/// Move the editor's focus to the field labelled `label` (the focused line starts with "▶ label").
pub fn focus_field(a: &mut App, label: &str) {
    for _ in 0..20 {
        if screen(a, 120, 40)
            .lines()
            .any(|l| l.contains(&format!("▶ {label}")))
        {
            return;
        }
        press(a, KeyCode::Tab);
    }
    panic!("no field {label}:\n{}", screen(a, 120, 40));
}

/// A TUI on the demo database acting as `user` (as another OS user logging in would).
pub fn store_app_as(path: &std::path::Path, user: &str) -> App {
    let mut store = Store::open(path).unwrap();
    store.set_who(praxis::store::Who {
        os_user: user.into(),
        ssh_addr: None,
    });
    App::new(
        Box::new(super::fixture::store_source(store, dt(NOW).date())),
        ctx(Theme::default()),
    )
    .unwrap()
}

pub fn help_text(a: &mut App) -> String {
    press(a, KeyCode::Char('?'));
    let s = screen(a, 120, 40);
    press(a, KeyCode::Esc);
    s
}

/// The text of the form line labelled `label` (after the label), at 120 columns.
pub fn field_value(a: &App, label: &str) -> String {
    let s = screen(a, 120, 40);
    let line = s
        .lines()
        .find(|l| l.contains(&format!(" {label}  ")))
        .unwrap_or_else(|| panic!("no field {label}:\n{s}"));
    let after = &line[line.find(label).unwrap() + label.len()..];
    after
        .trim_matches(|c: char| c == '│' || c.is_whitespace())
        .to_string()
}

/// Open patient `code` in the editor and type `notes` over their notes (the save is left to the test).
pub fn edit_notes(a: &mut App, code: &str, notes: &str) {
    open_patient(a, code);
    press(a, KeyCode::Char('e'));
    focus_field(a, "Notes");
    super::ctrl(a, 'u');
    typ(a, notes);
}

/// The form's line with the focus (it starts "▶ "), at 120 columns.
pub fn focused_row(a: &App) -> String {
    screen(a, 120, 40)
        .lines()
        .find(|l| l.trim_start_matches(['│', ' ']).starts_with("▶ "))
        .unwrap_or_default()
        .to_string()
}
