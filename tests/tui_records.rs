//! The records screen (issue 9, point 3): from a patient's overview, `r` lists every assessment and session with its
//! standing; `c` corrects the selected one in a pre-filled form, `v` voids it; both ask for a reason. Snapshots at
//! 80x24 and flows driven by keys against a real database.

use chrono::{NaiveDate, NaiveDateTime};
use praxis::domain::{Assessment, SessionLog};
use praxis::store::{RecordStatus, Role, Store};
use praxis::tui::app::{App, Ctx, Msg};
use praxis::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

mod common;
use common::{patient, press, typ, who};

const NOW: &str = "2026-11-20 14:30";

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

/// A database where "kim" (therapist) entered two TUGs and two sessions of one patient; "ann" is another therapist
/// and "stu" may only read.
fn clinic() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("praxis.db");
    let mut store = Store::open(&path).unwrap();
    store.add_clinician("kim", "Kim", Role::Therapist).unwrap();
    store.add_clinician("ann", "Ann", Role::Therapist).unwrap();
    store.add_clinician("stu", "Stu", Role::Readonly).unwrap();
    store.set_who(who("kim"));
    store
        .add_patient(&patient("P-0001").name("Olga Berg").born(1941).build())
        .unwrap();
    for (score, date) in [(18.5, "2026-11-02"), (16.0, "2026-11-16")] {
        store
            .add_assessment(&Assessment {
                id: 0,
                patient_code: "P-0001".into(),
                instrument: "tug_s".into(),
                score,
                date: date.parse::<NaiveDate>().unwrap(),
                assessor: None,
                notes: String::new(),
                med_state: None,
            })
            .unwrap();
    }
    for when in ["2026-11-03 10:00", "2026-11-05 10:00"] {
        store
            .add_session(&SessionLog {
                id: 0,
                patient_code: "P-0001".into(),
                started_at: dt(when),
                protocol_id: "otago".into(),
                minutes: 45,
                repetitions: 60,
                level: Some(2),
                success_rate: Some(0.7),
                rpe: Some(4),
                notes: String::new(),
                clinician: None,
            })
            .unwrap();
    }
    (dir, path)
}

fn app_as(path: &std::path::Path, user: &str) -> App {
    let mut store = Store::open(path).unwrap();
    store.set_who(who(user));
    App::new(
        Box::new(common::fixture::store_source(store, dt(NOW).date())),
        Ctx::new(Theme::default(), dt(NOW)),
    )
    .unwrap()
}

fn screen(app: &App) -> String {
    common::screen(app, 80, 24)
}

/// From the list, open P-0001's overview, then its records.
fn open_records(a: &mut App) {
    press(a, KeyCode::Enter);
    press(a, KeyCode::Char('r'));
}

fn statuses(path: &std::path::Path) -> Vec<(i64, RecordStatus)> {
    Store::open(path)
        .unwrap()
        .history_records("P-0001", true)
        .unwrap()
        .iter()
        .map(|h| {
            let id = match &h.entry {
                praxis::store::HistoryEntry::Assessment(a) => a.id,
                praxis::store::HistoryEntry::Session(s) => s.id,
            };
            (id, h.meta.status)
        })
        .collect()
}

#[test]
fn records_screen_selection_and_reason_prompts() {
    let (_dir, path) = clinic();
    let mut a = app_as(&path, "kim");
    open_records(&mut a);
    // The newest record (the TUG of 2026-11-16) is selected; k goes up to the session before it.
    press(&mut a, KeyCode::Char('k'));
    let s = screen(&a);
    assert!(
        s.contains("Records of P-0001") && s.contains("TUG 16"),
        "{s}"
    );
    insta::assert_snapshot!("records_selection_80x24", s);
    press(&mut a, KeyCode::Char('v'));
    assert!(screen(&a).contains("Void session #2"), "{}", screen(&a));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('j'));
    press(&mut a, KeyCode::Char('c'));
    let s = screen(&a);
    assert!(
        s.contains("Correct assessment #2") && s.contains("16"),
        "{s}"
    );
    insta::assert_snapshot!("records_correct_prompt_80x24", s);
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('v'));
    let s = screen(&a);
    assert!(
        s.contains("Void assessment #2") && s.contains("Reason"),
        "{s}"
    );
    insta::assert_snapshot!("records_void_prompt_80x24", s);
    // The help lists the screen's keys.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('?'));
    let s = screen(&a);
    assert!(
        s.contains("correct the selected record") && s.contains("void the selected"),
        "{s}"
    );
}

#[test]
fn keys_correct_a_score_and_void_a_session_with_a_reason() {
    let (_dir, path) = clinic();
    let mut a = app_as(&path, "kim");
    open_records(&mut a);
    // Correct the 2026-11-16 TUG (selected: the newest): 16 -> 21.5 s. The score field is pre-filled; typing
    // replaces it.
    press(&mut a, KeyCode::Char('c'));
    typ(&mut a, "21.5");
    // Saving without a reason is refused in the form; nothing is written.
    press(&mut a, KeyCode::Enter);
    assert!(screen(&a).contains("Reason: required"), "{}", screen(&a));
    assert!(
        statuses(&path)
            .iter()
            .all(|(_, s)| *s == RecordStatus::Current)
    );
    for _ in 0..3 {
        press(&mut a, KeyCode::Tab);
    }
    typ(&mut a, "stopwatch misread");
    press(&mut a, KeyCode::Enter);
    let s = screen(&a);
    assert!(s.contains("Corrected assessment #2: now #3."), "{s}");
    assert!(
        s.contains("corrected → #3") && s.contains("fixes #2"),
        "{s}"
    );
    let store = Store::open(&path).unwrap();
    let tugs = store.assessments("P-0001").unwrap();
    assert_eq!(
        tugs.iter().map(|t| (t.id, t.score)).collect::<Vec<_>>(),
        [(1, 18.5), (3, 21.5)]
    );
    let (old, meta) = store.assessment_record(2).unwrap();
    assert_eq!(old.score, 16.0, "the old version is kept as it was");
    assert_eq!(meta.reason.as_deref(), Some("stopwatch misread"));
    assert_eq!(meta.changed_by.as_deref(), Some("kim"));

    // Void the second session (entered twice): two rows up from the new TUG.
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Char('k'));
    press(&mut a, KeyCode::Char('v'));
    assert!(screen(&a).contains("Void session #2"), "{}", screen(&a));
    press(&mut a, KeyCode::Enter);
    assert!(screen(&a).contains("Reason: required"));
    typ(&mut a, "entered twice");
    press(&mut a, KeyCode::Enter);
    let s = screen(&a);
    assert!(s.contains("Voided session #2: entered twice."), "{s}");
    assert!(s.contains("✗ voided"), "{s}");
    let store = Store::open(&path).unwrap();
    assert_eq!(store.sessions("P-0001", None).unwrap().len(), 1);
    let row = store.list_patients(&Default::default()).unwrap();
    assert_eq!((row[0].n_sessions, row[0].n_assessments), (1, 2));
    // A voided record cannot be voided again.
    press(&mut a, KeyCode::Char('v'));
    assert!(
        screen(&a).contains("only a current record"),
        "{}",
        screen(&a)
    );
    // Back on the overview, the voided session is gone and the corrected TUG shows.
    press(&mut a, KeyCode::Esc);
    let s = screen(&a);
    assert!(s.contains("Recent sessions (1 shown)"), "{s}");
    assert!(s.contains("21.5"), "{s}");
}

#[test]
fn another_therapist_and_a_reader_are_not_offered_the_form() {
    let (_dir, path) = clinic();
    let mut a = app_as(&path, "ann");
    open_records(&mut a);
    press(&mut a, KeyCode::Char('v'));
    let s = screen(&a);
    // Said before any reason is typed, with the store's own words: kim entered it, ann is a therapist.
    assert!(
        s.contains("you (ann) may correct or void only records you entered"),
        "{s}"
    );
    assert!(!s.contains("Void assessment #2"), "no form opens: {s}");
    typ(&mut a, "looks wrong");
    press(&mut a, KeyCode::Enter);
    assert!(
        statuses(&path)
            .iter()
            .all(|(_, s)| *s == RecordStatus::Current)
    );

    let mut r = app_as(&path, "stu");
    open_records(&mut r);
    press(&mut r, KeyCode::Char('c'));
    let s = screen(&r);
    assert!(
        s.contains("not allowed") && !s.contains("Correct session"),
        "{s}"
    );
}

#[test]
fn a_record_someone_else_voided_meanwhile_is_refused_not_corrected() {
    let (_dir, path) = clinic();
    let mut a = app_as(&path, "kim");
    open_records(&mut a);
    // kim has the TUG of 2026-11-16 on screen; meanwhile another process (a lead) voids it.
    let mut other = Store::open(&path).unwrap();
    other.add_clinician("lena", "Lena", Role::Lead).unwrap();
    other.set_who(who("lena"));
    other
        .void_record(praxis::store::RecordKind::Assessment, 2, "wrong patient")
        .unwrap();
    press(&mut a, KeyCode::Char('c'));
    typ(&mut a, "17");
    for _ in 0..3 {
        press(&mut a, KeyCode::Tab);
    }
    typ(&mut a, "typo");
    press(&mut a, KeyCode::Enter);
    let s = screen(&a);
    assert!(
        s.contains("already voided by lena") && s.contains("Correct assessment #2"),
        "{s}"
    );
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.assessments("P-0001").unwrap().len(),
        1,
        "nothing was added"
    );
    // The next poll shows the record voided.
    press(&mut a, KeyCode::Esc);
    a.update(Msg::DataChanged);
    assert!(screen(&a).contains("✗ voided"), "{}", screen(&a));
}

/// A corrected score is checked as a new one is (found on a therapist's walk: `r` then `c` saved FMA-UE 12 -> 40
/// straight away): TUG #2 corrected to 45 s on 2026-11-05, three days after an 18.5, is a jump far beyond three
/// MDCs. The form asks; `Enter` again does not confirm it, `y` does.
#[test]
fn a_corrected_score_that_jumps_is_asked_about_and_only_y_saves_it() {
    let (_dir, path) = clinic();
    let mut a = app_as(&path, "kim");
    open_records(&mut a);
    press(&mut a, KeyCode::Char('c'));
    typ(&mut a, "45");
    press(&mut a, KeyCode::Tab);
    typ(&mut a, "2026-11-05");
    press(&mut a, KeyCode::Tab);
    press(&mut a, KeyCode::Tab);
    typ(&mut a, "typo");
    press(&mut a, KeyCode::Enter);
    let s = screen(&a);
    assert!(s.contains("this looks wrong: TUG 45"), "{s}");
    let saved = |path: &std::path::Path| {
        Store::open(path)
            .unwrap()
            .assessments("P-0001")
            .unwrap()
            .iter()
            .map(|t| t.score)
            .collect::<Vec<_>>()
    };
    assert_eq!(saved(&path), [18.5, 16.0], "asked first");
    press(&mut a, KeyCode::Enter);
    assert_eq!(
        saved(&path),
        [18.5, 16.0],
        "Enter asks again, never confirms"
    );
    press(&mut a, KeyCode::Char('y'));
    assert_eq!(saved(&path), [18.5, 45.0], "y saved it: {}", screen(&a));
}
