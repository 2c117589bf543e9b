//! TUI tests: whole-screen snapshots on ratatui's TestBackend driven by key events, at 80x24 and 120x40, over
//! fixtures with fixed dates (so "3 d ago" never moves), plus flows that save through the forms.

use chrono::{NaiveDate, NaiveDateTime};
use praxis::domain::*;
use praxis::tui::app::{App, Ctx, Msg};
use praxis::tui::data::Source;
use praxis::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::style::{Color, Modifier};

mod common;
use common::fixture::Fixture;
use common::{ctrl, press, typ};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn dt(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

const NOW: &str = "2026-11-20 14:30";

fn patient(code: &str, name: &str, birth: i32, condition: Condition) -> Patient {
    common::patient(code)
        .name(name)
        .born(birth)
        .hand(Hand::Right)
        .affected(Side::Right)
        .condition(condition)
        .version(1)
        .build()
}

fn assess(code: &str, inst: &str, score: f64, date: &str) -> Assessment {
    Assessment {
        id: 0,
        patient_code: code.into(),
        instrument: inst.into(),
        score,
        date: d(date),
        assessor: None,
        notes: String::new(),
    }
}

fn session(code: &str, when: &str, protocol: &str, reps: u32, level: u32) -> SessionLog {
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
fn clinic() -> Fixture {
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

fn ctx(theme: Theme) -> Ctx {
    Ctx::new(theme, dt(NOW))
}

fn app(mem: Fixture) -> App {
    App::new(Box::new(mem.source(dt(NOW).date())), ctx(Theme::default())).unwrap()
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn terminal(app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| app.draw(f)).unwrap();
    t
}

/// The screen as text lines, trailing spaces trimmed.
fn screen(app: &App, w: u16, h: u16) -> String {
    common::screen(app, w, h)
}

fn snap_both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40));
}

#[test]
fn patient_list_snapshots() {
    let a = app(clinic());
    let s = screen(&a, 80, 24);
    // Every patient is listed, with the counts in the status line.
    for code in ["P-0044", "P-0052", "P-0090", "P-0107"] {
        assert!(s.contains(code), "{code} missing:\n{s}");
    }
    assert!(
        s.contains("4 patients, 4 shown · flags: R reassess 2 · S no session 1"),
        "{s}"
    );
    snap_both("list", &a);
}

#[test]
fn flags_follow_the_dates() {
    let a = app(clinic());
    let s = screen(&a, 120, 40);
    // P-0044: on a plan, last session 2026-10-20 (31 days before NOW), last assessment 2026-10-01: R and S.
    let line = s
        .lines()
        .find(|l| l.contains("P-0044") && l.contains("PD H&Y"))
        .unwrap();
    assert!(line.contains("RS"), "{line}");
    // P-0107: assessed 5 days ago, session yesterday: no flag.
    let line = s
        .lines()
        .find(|l| l.contains("P-0107") && l.contains("stroke"))
        .unwrap();
    assert!(line.contains("···"), "{line}");
}

#[test]
fn search_as_you_type_filters_by_name_code_and_condition() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "park");
    let s = screen(&a, 80, 24);
    assert!(s.contains("P-0044") && !s.contains("P-0107"), "{s}");
    assert!(s.contains("4 patients, 1 shown"), "{s}");
    snap_both("list_search", &a);
    // In the search field q and j are text, not quit / down.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "qj?");
    assert!(!a.quit);
    assert!(screen(&a, 80, 24).contains("No patient matches \"qj?\""));
    // Esc clears; the code matches too.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "0052");
    press(&mut a, KeyCode::Enter);
    let s = screen(&a, 80, 24);
    assert!(s.contains("Cleo Dunn") && !s.contains("Ada Brook"), "{s}");
    // Out of the field, q quits.
    press(&mut a, KeyCode::Char('q'));
    assert!(a.quit);
}

#[test]
fn empty_database_offers_the_demo_with_one_key() {
    let mem = Fixture {
        demo: Some(Box::new(clinic())),
        ..Fixture::default()
    }
    .source(dt(NOW).date());
    assert!(mem.list_patients().unwrap().is_empty());
    mem.data_version().unwrap();
    let mut a = App::new(Box::new(mem), ctx(Theme::default())).unwrap();
    let s = screen(&a, 80, 24);
    assert!(s.contains("The database is empty."), "{s}");
    assert!(s.contains("d load demo"), "{s}");
    snap_both("empty", &a);
    press(&mut a, KeyCode::Char('d'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("Demo patients loaded."), "{s}");
    assert_eq!(a.source().list_patients().unwrap().len(), 4);
}

#[test]
fn overview_shows_change_mcid_and_plan() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // last row: P-0107
    press(&mut a, KeyCode::Enter);
    let s = screen(&a, 80, 24);
    // FMA-UE 24 -> 36 is +12, past the subacute MCID of 9 (onset 3 days before baseline).
    let fma = s.lines().find(|l| l.contains("FMA-UE")).unwrap();
    assert!(fma.contains("+12") && fma.contains("passed"), "{fma}");
    // ARAT 9 -> 22 is +13, past the subacute MCID 12.
    let arat = s.lines().find(|l| l.contains("ARAT")).unwrap();
    assert!(arat.contains("+13") && arat.contains("passed"), "{arat}");
    assert!(s.contains("task-specific-300"), "{s}");
    snap_both("overview", &a);
}

#[test]
fn overview_lower_is_better_counts_a_drop_as_improvement() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Enter); // P-0044 first by code
    let s = screen(&a, 120, 40);
    // MDS-UPDRS III 31 -> 29: -2 points is an improvement, but short of the MCID 3.25.
    let l = s.lines().find(|l| l.contains("UPDRS-III")).unwrap();
    assert!(l.contains("-2") && l.contains("not yet"), "{l}");
}

#[test]
fn assessment_flow_saves_the_row() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('a'));
    // The instrument field starts on the patient's most recent instrument; the score field has focus.
    let s = screen(&a, 80, 24);
    assert!(s.contains("New assessment · P-0107"), "{s}");
    // An out-of-range score is refused inline with the range.
    typ(&mut a, "70");
    let s = screen(&a, 80, 24);
    assert!(s.contains("is scored 0-57; got 70"), "{s}");
    ctrl(&mut a, 's');
    assert_eq!(a.source().detail("P-0107").unwrap().assessments.len(), 6);
    snap_both("assessment_invalid", &a);
    // Fix it and save with one key.
    press(&mut a, KeyCode::Backspace);
    press(&mut a, KeyCode::Backspace);
    typ(&mut a, "25");
    ctrl(&mut a, 's');
    let det = a.source().detail("P-0107").unwrap();
    assert_eq!(det.assessments.len(), 7);
    let saved = det.assessments.last().unwrap();
    assert_eq!(
        (saved.instrument.as_str(), saved.score, saved.date),
        ("arat", 25.0, d("2026-11-20"))
    );
    assert!(screen(&a, 80, 24).contains("Saved ARAT 25 for P-0107"));
}

#[test]
fn assessment_form_switches_instrument() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('a'));
    press(&mut a, KeyCode::Up); // to the instrument field
    press(&mut a, KeyCode::Right); // arat -> fma_ue
    let s = screen(&a, 80, 24);
    assert!(s.contains("◀ FMA-UE ▶"), "{s}");
    assert!(s.contains("0-66, higher is better"), "{s}");
    snap_both("assessment", &a);
}

#[test]
fn session_flow_is_prefilled_and_saves() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('L'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("task-specific-300"), "{s}");
    assert!(s.contains("2026-11-20 14:30"), "{s}");
    snap_both("session", &a);
    // Repetitions has focus: change 280 to 260, success 70 %, RPE 6, a note with q and j in it, save.
    ctrl(&mut a, 'u');
    typ(&mut a, "260");
    press(&mut a, KeyCode::Tab);
    press(&mut a, KeyCode::Tab);
    typ(&mut a, "70");
    press(&mut a, KeyCode::Tab);
    typ(&mut a, "6");
    press(&mut a, KeyCode::Tab);
    typ(&mut a, "quiet jog?");
    press(&mut a, KeyCode::Enter);
    assert!(!a.quit);
    let det = a.source().detail("P-0107").unwrap();
    let s = &det.sessions[0];
    assert_eq!(s.started_at, dt(NOW));
    assert_eq!(
        (
            s.protocol_id.as_str(),
            s.minutes,
            s.repetitions,
            s.level,
            s.success_rate,
            s.rpe,
            s.notes.as_str()
        ),
        (
            "task-specific-300",
            45,
            260,
            Some(3),
            Some(0.7),
            Some(6),
            "quiet jog?"
        )
    );
}

#[test]
fn help_overlay_lists_the_keymap() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('?'));
    let s = screen(&a, 80, 24);
    for bd in praxis::tui::keymap::LIST {
        assert!(s.contains(bd.desc), "help lacks {:?}:\n{s}", bd.desc);
    }
    snap_both("help", &a);
    press(&mut a, KeyCode::F(1));
    assert!(!screen(&a, 80, 24).contains("Help:"));
}

#[test]
fn too_small_says_so_and_recovers() {
    let a = app(clinic());
    let s = screen(&a, 79, 24);
    assert!(s.contains("Praxis needs at least 80x24"), "{s}");
    assert!(screen(&a, 80, 23).contains("Praxis needs at least 80x24"));
    let s = screen(&a, 80, 24);
    assert!(!s.contains("needs at least") && s.contains("P-0107"), "{s}");
}

#[test]
fn no_color_uses_no_colour_and_keeps_the_signals() {
    let a = App::new(
        Box::new(clinic().source(dt(NOW).date())),
        ctx(Theme::no_color()),
    )
    .unwrap();
    let t = terminal(&a, 120, 40);
    let buf = t.backend().buffer();
    let mut reversed = 0;
    for cell in buf.content() {
        assert_eq!(cell.fg, Color::Reset, "coloured cell {cell:?}");
        assert_eq!(cell.bg, Color::Reset, "coloured cell {cell:?}");
        if cell.modifier.contains(Modifier::REVERSED) {
            reversed += 1;
        }
    }
    // The selection is still visible (reverse video), and flags are letters.
    assert!(reversed > 10);
    let coloured = terminal(&app(clinic()), 120, 40);
    assert!(
        coloured
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

#[test]
fn only_key_presses_count() {
    let mut a = app(clinic());
    let mut release = key(KeyCode::Char('q'));
    release.kind = KeyEventKind::Release;
    a.update(Msg::Term(Event::Key(release)));
    assert!(!a.quit);
    ctrl(&mut a, 'c');
    assert!(a.quit);
}

#[test]
fn ctrl_c_quits_even_in_a_form() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "q");
    assert!(!a.quit);
    ctrl(&mut a, 'c');
    assert!(a.quit);
    // ...and, as after a hang-up, what was typed is kept: the loop saves the draft of an interrupted form.
    assert!(a.interrupted && !a.hangup);
    let draft = a.draft().expect("the form is kept as a draft");
    let typed = serde_json::to_string(&draft).unwrap();
    assert!(typed.contains("\"q\""), "{typed}");
}

#[test]
fn hangup_mid_form_keeps_a_private_draft_that_is_offered_back() {
    use praxis::tui::drafts;
    let dir = tempfile::tempdir().unwrap();
    let path = drafts::path_in(dir.path(), &dir.path().join("praxis.db"));
    // Halfway through an assessment the terminal goes away.
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "1");
    a.update(Msg::Hangup);
    assert!(a.quit && a.hangup);
    let draft = a.draft().expect("the open form is the draft");
    drafts::save(&path, &draft).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Next start: offered back; Enter reopens it with the typed score, and the file goes.
    let mut b = app(clinic());
    b.offer_draft(drafts::load(&path).unwrap().unwrap(), path.clone());
    let s = screen(&b, 80, 24);
    assert!(s.contains("an assessment for P-0107"), "{s}");
    snap_both("draft_offer", &b);
    press(&mut b, KeyCode::Enter);
    assert!(!path.exists());
    typ(&mut b, "2");
    ctrl(&mut b, 's');
    let det = b.source().detail("P-0107").unwrap();
    assert_eq!(det.assessments.last().unwrap().score, 12.0);
}

#[test]
fn a_draft_can_be_discarded_or_kept_for_later() {
    use praxis::tui::drafts;
    let dir = tempfile::tempdir().unwrap();
    let path = drafts::path_in(dir.path(), &dir.path().join("praxis.db"));
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('L'));
    let draft = a.draft().unwrap();
    drafts::save(&path, &draft).unwrap();
    let mut b = app(clinic());
    b.offer_draft(drafts::load(&path).unwrap().unwrap(), path.clone());
    press(&mut b, KeyCode::Esc);
    assert!(path.exists(), "Esc keeps the draft for later");
    let mut c = app(clinic());
    c.offer_draft(drafts::load(&path).unwrap().unwrap(), path.clone());
    press(&mut c, KeyCode::Char('x'));
    assert!(!path.exists());
    assert!(c.draft().is_none());
    // A damaged draft is reported, not deleted.
    std::fs::write(&path, "{ not json").unwrap();
    let err = drafts::load(&path).unwrap_err().to_string();
    assert!(err.contains("damaged"), "{err}");
    assert!(path.exists());
}

// ---- On the real store: a fresh demo database in a temporary directory. ----

use praxis::store::Store;

fn demo_db() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("praxis.db");
    let mut store = Store::open(&path).unwrap();
    praxis::app::demo::load_at(&mut store, dt(NOW).date()).unwrap();
    (dir, path)
}

fn store_app(path: &std::path::Path) -> App {
    let store = Store::open(path).unwrap();
    App::new(
        Box::new(common::fixture::store_source(store, dt(NOW).date())),
        ctx(Theme::default()),
    )
    .unwrap()
}

#[test]
fn store_empty_database_loads_the_demo_with_d() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("praxis.db");
    let mut a = store_app(&path);
    assert!(screen(&a, 80, 24).contains("The database is empty."));
    press(&mut a, KeyCode::Char('d'));
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Demo patients loaded.") && s.contains("P-0107"),
        "{s}"
    );
    let n = Store::open(&path)
        .unwrap()
        .list_patients(&Default::default())
        .unwrap()
        .len();
    assert_eq!(n, praxis::app::demo::CODES.len());
}

#[test]
fn store_demo_screens() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    snap_both("demo_list", &a);
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "parkinson");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    let s = screen(&a, 80, 24);
    assert!(s.contains("P-0044"), "{s}");
    snap_both("demo_overview_parkinsons", &a);
}

#[test]
fn store_flow_types_an_assessment_and_a_session_into_the_database() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "P-0044");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    // Assessment: pick MDS-UPDRS III by typing on the instrument field, then the score.
    press(&mut a, KeyCode::Char('a'));
    press(&mut a, KeyCode::Up);
    let before = Store::open(&path)
        .unwrap()
        .assessments("P-0044")
        .unwrap()
        .len();
    while !screen(&a, 80, 24).contains("◀ UPDRS-III ▶") {
        press(&mut a, KeyCode::Char('u'));
    }
    press(&mut a, KeyCode::Down);
    typ(&mut a, "28");
    ctrl(&mut a, 's');
    assert!(screen(&a, 80, 24).contains("Saved UPDRS-III 28 for P-0044"));
    let rows = Store::open(&path).unwrap().assessments("P-0044").unwrap();
    assert_eq!(rows.len(), before + 1);
    let last = rows
        .iter()
        .find(|r| r.date == d("2026-11-20") && r.score == 28.0);
    assert_eq!(last.map(|r| r.instrument.as_str()), Some("mds_updrs_iii"));
    // Session: pre-filled from the plan; change the repetitions and save with Ctrl-S.
    press(&mut a, KeyCode::Char('L'));
    ctrl(&mut a, 'u');
    typ(&mut a, "150");
    ctrl(&mut a, 's');
    let s = screen(&a, 80, 24);
    assert!(s.contains("Logged"), "{s}");
    let store = Store::open(&path).unwrap();
    let newest = &store.sessions("P-0044", Some(1)).unwrap()[0];
    let plan = store.active_plan("P-0044").unwrap().unwrap();
    assert_eq!(newest.started_at, dt(NOW));
    assert_eq!(newest.repetitions, 150);
    assert_eq!(newest.protocol_id, plan.protocol_id);
}

#[test]
fn store_another_therapists_session_shows_after_the_poll() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "P-0107");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    assert!(!a.update(Msg::DataChanged), "nothing changed yet");
    let mut other = Store::open(&path).unwrap();
    let mut s = session("P-0107", "2026-11-20 16:45", "other-protocol", 123, 4);
    s.minutes = 33;
    other.add_session(&s).unwrap();
    assert!(a.update(Msg::DataChanged));
    let scr = screen(&a, 80, 24);
    assert!(
        scr.contains("2026-11-20 16:45") && scr.contains("123 reps"),
        "{scr}"
    );
}

fn open_patient(a: &mut App, code: &str) {
    press(a, KeyCode::Char('/'));
    typ(a, code);
    press(a, KeyCode::Enter);
    press(a, KeyCode::Enter);
}

#[test]
fn store_compare_three_protocols_and_set_one_as_the_plan() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('c'));
    let s = screen(&a, 80, 24);
    // The plan's protocol is chosen already; protocols for Parkinson's come first.
    assert!(s.contains("[1] lsvt-big"), "{s}");
    assert!(
        s.contains("Evidence"),
        "the picker shows the protocol's evidence:\n{s}"
    );
    snap_both("compare_pick", &a);
    press(&mut a, KeyCode::Char(' ')); // balance-gait-older
    while !screen(&a, 80, 24).contains("> [ ] usual-care") {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char(' '));
    assert!(screen(&a, 80, 24).contains("3/4 chosen"));
    press(&mut a, KeyCode::Enter);
    let s = screen(&a, 80, 24);
    assert!(s.contains("Ranking by UPDRS-III gain"), "{s}");
    for id in ["lsvt-big", "balance-gait-older", "usual-care"] {
        assert!(s.contains(id), "{id} missing from the result:\n{s}");
    }
    assert!(s.contains("days from last assessment"), "{s}");
    snap_both("compare_result", &a);
    // Set the second-ranked protocol as the plan, with a goal typed in (q and j are text here).
    press(&mut a, KeyCode::Down);
    let s = screen(&a, 120, 40);
    let second = ["lsvt-big", "balance-gait-older", "usual-care"]
        .into_iter()
        .find(|id| {
            // The rank opens the row ("│2.  • id"); "2." elsewhere may be a gain such as +2.8.
            s.lines()
                .any(|l| l.trim_start_matches('│').starts_with("2.") && l.contains(id))
        })
        .expect("a second-ranked protocol");
    press(&mut a, KeyCode::Char('p'));
    ctrl(&mut a, 'u');
    typ(&mut a, "quick jog");
    ctrl(&mut a, 's');
    let plan = Store::open(&path)
        .unwrap()
        .active_plan("P-0044")
        .unwrap()
        .unwrap();
    assert_eq!(plan.protocol_id, second);
    assert_eq!(plan.goal, "quick jog");
    assert_eq!(plan.start_date, d("2026-11-20"));
    assert!(screen(&a, 80, 24).contains("Plan set"));
}

/// Choosing, from a comparison, the protocol the patient is already on keeps that plan (a versioned update of its
/// goal) instead of starting a second block today.
#[test]
fn store_compare_choosing_the_current_protocol_keeps_the_plan() {
    let (_dir, path) = demo_db();
    let before = Store::open(&path).unwrap();
    let plans_before = before.plans("P-0044").unwrap().len();
    let current = before.active_plan("P-0044").unwrap().unwrap();
    assert_eq!(current.protocol_id, "lsvt-big");
    drop(before);
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('c'));
    while !screen(&a, 80, 24).contains("> [ ] usual-care") {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char(' '));
    press(&mut a, KeyCode::Enter);
    let s = screen(&a, 120, 40);
    let rank = (1..=2)
        .find(|k| {
            s.lines()
                .any(|l| l.contains(&format!("{k}.")) && l.contains("lsvt-big"))
        })
        .expect("lsvt-big is ranked");
    for _ in 1..rank {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char('p'));
    let s = screen(&a, 80, 24);
    assert!(
        s.contains(&format!("Already the plan since {}", current.start_date)),
        "{s}"
    );
    ctrl(&mut a, 'u');
    typ(&mut a, "walk to the bakery");
    ctrl(&mut a, 's');
    let store = Store::open(&path).unwrap();
    let plan = store.active_plan("P-0044").unwrap().unwrap();
    assert_eq!(store.plans("P-0044").unwrap().len(), plans_before);
    assert_eq!(plan.id, current.id);
    assert_eq!(plan.start_date, current.start_date);
    assert_eq!(plan.goal, "walk to the bakery");
    assert_eq!(plan.version, current.version + 1);
}

#[test]
fn store_forecast_runs_under_the_plan_and_is_cached() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0107");
    press(&mut a, KeyCode::Char('f'));
    let first = screen(&a, 120, 40);
    assert!(first.contains("Ranking by"), "{first}");
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('f'));
    assert_eq!(
        screen(&a, 120, 40),
        first,
        "the cached forecast is the same"
    );
}

static FORECASTS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A slow fake forecast: waits (up to 5 s) to be cancelled.
fn slow(
    _d: &praxis::tui::data::PatientDetail,
    _p: &[praxis::model::Protocol],
    ctl: &praxis::model::Control,
) -> Result<praxis::model::Comparison, praxis::model::Cancelled> {
    FORECASTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    for _ in 0..500 {
        if ctl.is_cancelled() {
            return Err(praxis::model::Cancelled);
        }
        ctl.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Err(praxis::model::Cancelled)
}

#[test]
fn a_running_forecast_shows_progress_and_esc_cancels_it() {
    let mut mem = clinic();
    mem.protocols = true;
    mem.forecaster = Some(slow);
    let mut a = app(mem);
    let (tx, rx) = std::sync::mpsc::channel();
    a.set_worker_channel(tx);
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('f'));
    // The worker reports progress; the UI thread stays free.
    let msg = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert!(matches!(msg, Msg::Progress));
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Forecasting… Esc cancels") && s.contains("draws"),
        "{s}"
    );
    press(&mut a, KeyCode::Esc);
    loop {
        let msg = rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
        if let Msg::ForecastDone { result, .. } = &msg {
            assert_eq!(result.as_ref().unwrap_err(), "forecast cancelled");
            a.update(msg);
            break;
        }
    }
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Protocols ·") && !s.contains("Forecasting"),
        "{s}"
    );
    assert_eq!(FORECASTS.load(std::sync::atomic::Ordering::SeqCst), 1);
}

#[test]
fn store_new_patient_from_an_empty_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("praxis.db");
    let mut a = store_app(&path);
    press(&mut a, KeyCode::Char('n'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("New patient") && s.contains("P-0001"), "{s}");
    // A bad birth year is refused inline; nothing is written.
    typ(&mut a, "19x8");
    ctrl(&mut a, 's');
    assert!(screen(&a, 80, 24).contains("birth year is a year like 1958"));
    snap_both("new_patient_invalid", &a);
    ctrl(&mut a, 'u');
    typ(&mut a, "1958");
    // Condition: Parkinson's (one step right from stroke); a name with q and j typed as text.
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Right);
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Down);
    typ(&mut a, "Quinn Jay");
    ctrl(&mut a, 's');
    let s = screen(&a, 80, 24);
    assert!(s.contains("Added patient P-0001"), "{s}");
    let p = Store::open(&path).unwrap().patient("P-0001").unwrap();
    assert_eq!(p.birth_year, 1958);
    assert_eq!(p.name.as_deref(), Some("Quinn Jay"));
    assert_eq!(p.condition.kind(), ConditionKind::Parkinsons);
    // The same code again is refused with the store's message, and the form keeps what was typed.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('n'));
    press(&mut a, KeyCode::Up);
    ctrl(&mut a, 'u');
    typ(&mut a, "P-0001");
    press(&mut a, KeyCode::Down);
    typ(&mut a, "1960");
    ctrl(&mut a, 's');
    let s = screen(&a, 80, 24);
    assert!(s.contains("Not saved") && s.contains("P-0001"), "{s}");
}

#[test]
fn a_long_list_scrolls_with_the_selection() {
    let mut mem = clinic();
    let template = mem.patients[0].clone();
    for i in 0..100 {
        let mut p = template.clone();
        p.code = format!("Q-{i:03}");
        mem.patients.push(p);
    }
    let mut a = app(mem);
    for _ in 0..60 {
        press(&mut a, KeyCode::Down);
    }
    let s = screen(&a, 80, 24);
    // Codes sort P-... then Q-000..: row 60 is Q-056, and it is on screen and selected.
    let sel = s.lines().find(|l| l.contains("│> ")).unwrap();
    assert!(sel.contains("Q-056"), "{s}");
    assert!(!s.contains("P-0044"), "the top has scrolled away:\n{s}");
    press(&mut a, KeyCode::Char('g'));
    let s = screen(&a, 80, 24);
    assert!(
        s.lines()
            .find(|l| l.contains("│> "))
            .unwrap()
            .contains("P-0044"),
        "{s}"
    );
}

#[test]
fn store_chart_without_braille_or_colour() {
    let (_dir, path) = demo_db();
    let store = Store::open(&path).unwrap();
    let theme = Theme {
        color: false,
        braille: false,
    };
    let mut a = App::new(
        Box::new(common::fixture::store_source(store, dt(NOW).date())),
        ctx(theme),
    )
    .unwrap();
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('f'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("Ranking by"), "{s}");
    assert!(
        !s.chars().any(|c| ('\u{2800}'..='\u{28ff}').contains(&c)),
        "braille on screen:\n{s}"
    );
    assert!(s.contains('•'), "dot markers draw the curves:\n{s}");
    let t = terminal(&a, 80, 24);
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
}

/// The last line of the screen at 80 columns.
fn footer_at_80(a: &App) -> String {
    screen(a, 80, 24).lines().last().unwrap_or("").to_string()
}

#[test]
fn footer_at_80_columns_always_keeps_help() {
    let mut a = app(clinic());
    let mut seen = Vec::new();
    seen.push(("list", footer_at_80(&a)));
    press(&mut a, KeyCode::Char('/'));
    seen.push(("search", footer_at_80(&a)));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Enter);
    seen.push(("overview", footer_at_80(&a)));
    press(&mut a, KeyCode::Char('a'));
    seen.push(("assessment form", footer_at_80(&a)));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('L'));
    seen.push(("session form", footer_at_80(&a)));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('c'));
    seen.push(("compare pick", footer_at_80(&a)));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('e'));
    seen.push(("patient editor", footer_at_80(&a)));
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('P'));
    seen.push(("plan editor", footer_at_80(&a)));
    assert!(
        screen(&a, 80, 24).contains("Edit plan"),
        "the walk reached the plan editor"
    );
    for (name, line) in &seen {
        // In text modes `?` types text, so help is on F1 there.
        assert!(
            line.contains("? help") || line.contains("F1 help"),
            "{name}: footer lost its help hint: {line:?}"
        );
        assert!(
            line.chars().count() <= 80,
            "{name}: footer wider than 80: {line:?}"
        );
    }
    // The overview's footer was cut mid-word before ("? help  q qu"): now a hint is whole or absent.
    let ov = &seen[2].1;
    assert!(ov.contains("? help"), "{ov}");
    assert!(!ov.ends_with(" qu"), "{ov}");
}

/// Move the editor's focus to the field labelled `label` (the focused line starts with "▶ label").
fn focus_field(a: &mut App, label: &str) {
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

#[test]
fn patient_editor_is_filled_validates_and_saves_the_row() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107, stroke
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('e'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("Edit patient · P-0107"), "{s}");
    // Filled with the profile and the stroke facts.
    assert!(s.contains("Ada Brook") && s.contains("1954"), "{s}");
    assert!(s.contains("2026-10-01") && s.contains("ischaemic"), "{s}");
    snap_both("patient_editor", &a);
    // A bad fact is refused inline, naming the field and its values.
    focus_field(&mut a, "Stroke type");
    ctrl(&mut a, 'u');
    typ(&mut a, "bleed");
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("stroke type is one of ischaemic, haemorrhagic"),
        "{s}"
    );
    ctrl(&mut a, 's');
    assert!(
        screen(&a, 120, 40).contains("Edit patient"),
        "a bad form is not saved"
    );
    ctrl(&mut a, 'u');
    typ(&mut a, "haemorrhagic");
    focus_field(&mut a, "Name");
    ctrl(&mut a, 'u');
    typ(&mut a, "Ada Brook-Lee"); // q-free, but j and ? would type too
    ctrl(&mut a, 's');
    let s = screen(&a, 120, 40);
    assert!(s.contains("Saved patient P-0107."), "{s}");
    assert!(!s.contains("Edit patient"), "{s}");
    // Reopened, the editor shows what was saved; the list row has the new name.
    press(&mut a, KeyCode::Char('e'));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("haemorrhagic") && s.contains("Ada Brook-Lee"),
        "{s}"
    );
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Esc);
    let row = screen(&a, 120, 40)
        .lines()
        .find(|l| l.contains("P-0107"))
        .map(str::to_string)
        .unwrap_or_default();
    assert!(row.contains("Ada Brook-Lee"), "{row}");
}

#[test]
fn store_patient_edit_conflict_shows_both_versions_and_never_overwrites() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Notes");
    ctrl(&mut a, 'u');
    typ(&mut a, "freezing at doorways");
    // Another therapist saves the same patient first, through their own handle on the database.
    let mut other = Store::open(&path).unwrap();
    let mut p = other.patient("P-0044").unwrap();
    let mine_before = p.clone();
    p.name = Some("Theirs Name".into());
    other.update_patient(&p).unwrap();
    ctrl(&mut a, 's');
    let s = screen(&a, 80, 24);
    assert!(s.contains("Edit conflict"), "{s}");
    assert!(s.contains("Yours") && s.contains("Theirs"), "{s}");
    assert!(
        s.contains("freezing at doorways"),
        "my notes on screen:\n{s}"
    );
    assert!(s.contains("Theirs Name"), "their name on screen:\n{s}");
    assert!(
        screen(&a, 80, 24)
            .lines()
            .last()
            .unwrap_or("")
            .contains("r reload theirs"),
        "{s}"
    );
    insta::assert_snapshot!("patient_conflict_80x24", s);
    insta::assert_snapshot!("patient_conflict_120x40", screen(&a, 120, 40));
    // Nothing of mine was written.
    let now = Store::open(&path).unwrap().patient("P-0044").unwrap();
    assert_eq!(now.notes, mine_before.notes);
    assert_eq!(now.name.as_deref(), Some("Theirs Name"));
    // Reload theirs and re-apply: their name stays, my notes come back on top; saving now works.
    press(&mut a, KeyCode::Char('r'));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("Edit patient") && s.contains("Theirs Name"),
        "{s}"
    );
    assert!(s.contains("freezing at doorways"), "{s}");
    ctrl(&mut a, 's');
    assert!(screen(&a, 120, 40).contains("Saved patient P-0044."));
    let saved = Store::open(&path).unwrap().patient("P-0044").unwrap();
    assert_eq!(saved.name.as_deref(), Some("Theirs Name"));
    assert_eq!(saved.notes, "freezing at doorways");
    assert_eq!(saved.version, now.version + 1);
}

#[test]
fn store_patient_edit_conflict_can_be_cancelled() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Notes");
    ctrl(&mut a, 'u');
    typ(&mut a, "mine");
    let mut other = Store::open(&path).unwrap();
    let mut p = other.patient("P-0044").unwrap();
    p.notes = "theirs".into();
    other.update_patient(&p).unwrap();
    ctrl(&mut a, 's');
    assert!(screen(&a, 80, 24).contains("Edit conflict"));
    press(&mut a, KeyCode::Esc);
    let s = screen(&a, 80, 24);
    assert!(
        !s.contains("Edit conflict") && !s.contains("Edit patient"),
        "{s}"
    );
    let saved = Store::open(&path).unwrap().patient("P-0044").unwrap();
    assert_eq!(saved.notes, "theirs");
}

#[test]
fn plan_editor_edits_the_goal_and_validates() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107, plan task-specific-300
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('P'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("Edit plan · P-0107"), "{s}");
    assert!(s.contains("◀ task-specific-300 ▶"), "{s}");
    snap_both("plan_editor", &a);
    focus_field(&mut a, "Start date");
    ctrl(&mut a, 'u');
    typ(&mut a, "2026-13-01");
    assert!(screen(&a, 120, 40).contains("\"2026-13-01\" is not a date"));
    ctrl(&mut a, 's');
    assert!(
        screen(&a, 120, 40).contains("Edit plan"),
        "a bad date is not saved"
    );
    ctrl(&mut a, 'u');
    typ(&mut a, "2026-11-02");
    focus_field(&mut a, "Goal");
    ctrl(&mut a, 'u');
    typ(&mut a, "carry a jug with the left hand");
    ctrl(&mut a, 's');
    let s = screen(&a, 120, 40);
    assert!(s.contains("Saved the plan of P-0107"), "{s}");
    press(&mut a, KeyCode::Char('P'));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("carry a jug with the left hand") && s.contains("2026-11-02"),
        "{s}"
    );
}

#[test]
fn store_plan_goal_conflict_is_refused_with_both_versions() {
    // Workflow 7: two therapists edit the goal; the second save is refused with both versions shown.
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('P'));
    focus_field(&mut a, "Goal");
    ctrl(&mut a, 'u');
    typ(&mut a, "walk to the shop unaided");
    let mut other = Store::open(&path).unwrap();
    let mut plan = other.active_plan("P-0044").unwrap().unwrap();
    plan.goal = "stand up without using arms".into();
    let theirs = other.update_plan(&plan).unwrap();
    ctrl(&mut a, 's');
    let s = screen(&a, 80, 24);
    assert!(s.contains("Edit conflict"), "{s}");
    assert!(s.contains("walk to the shop unaided"), "{s}");
    assert!(s.contains("stand up without using arms"), "{s}");
    insta::assert_snapshot!("plan_conflict_80x24", s);
    let wide = screen(&a, 120, 40);
    assert!(
        wide.contains("walk to the shop unaided") && wide.contains("stand up without using arms"),
        "{wide}"
    );
    insta::assert_snapshot!("plan_conflict_120x40", wide);
    let now = Store::open(&path)
        .unwrap()
        .active_plan("P-0044")
        .unwrap()
        .unwrap();
    assert_eq!(
        now.goal, "stand up without using arms",
        "never a silent overwrite"
    );
    press(&mut a, KeyCode::Char('r'));
    ctrl(&mut a, 's');
    let s = screen(&a, 120, 40);
    assert!(s.contains("Saved the plan of P-0044"), "{s}");
    let saved = Store::open(&path)
        .unwrap()
        .active_plan("P-0044")
        .unwrap()
        .unwrap();
    assert_eq!(saved.goal, "walk to the shop unaided");
    assert_eq!(saved.version, theirs.version + 1);
}

/// A TUI on the demo database acting as `user` (as another OS user logging in would).
fn store_app_as(path: &std::path::Path, user: &str) -> App {
    let mut store = Store::open(path).unwrap();
    store.set_who(praxis::store::Who {
        os_user: user.into(),
        ssh_addr: None,
    });
    App::new(
        Box::new(common::fixture::store_source(store, dt(NOW).date())),
        ctx(Theme::default()),
    )
    .unwrap()
}

fn help_text(a: &mut App) -> String {
    press(a, KeyCode::Char('?'));
    let s = screen(a, 120, 40);
    press(a, KeyCode::Esc);
    s
}

#[test]
fn store_unknown_user_reads_is_told_why_and_is_never_offered_a_write() {
    let (_dir, path) = demo_db();
    let n_assessments = Store::open(&path).unwrap().counts().unwrap();
    let mut a = store_app_as(&path, "visitor");
    assert!(!a.access().can_write());
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("read-only: ask an admin: praxis clinician add visitor --role therapist"),
        "{s}"
    );
    snap_both("read_only_list", &a);
    // Write actions are neither hinted nor listed in the help.
    let foot = footer_at_80(&a);
    for hint in ["new", "assess", "log"] {
        assert!(!foot.contains(&format!(" {hint}")), "{hint} in {foot:?}");
    }
    let help = help_text(&mut a);
    assert!(help.contains("search code, name, condition"), "{help}");
    assert!(!help.contains("enter an assessment"), "{help}");
    assert!(!help.contains("add a new patient"), "{help}");
    // Pressing one anyway refuses with the reason, and opens no form.
    press(&mut a, KeyCode::Char('a'));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("not allowed: visitor can only read here, so cannot enter an assessment"),
        "{s}"
    );
    assert!(a.open_form().is_none(), "no form for a read-only user");
    open_patient(&mut a, "P-0044");
    let s = screen(&a, 120, 40);
    assert!(s.contains("P-0044"), "reading works: {s}");
    for k in ['L', 'e', 'P'] {
        press(&mut a, KeyCode::Char(k));
        assert!(a.open_form().is_none(), "{k} opened a form");
        assert!(screen(&a, 80, 24).contains("not allowed"), "{k}");
    }
    let help = help_text(&mut a);
    assert!(help.contains("compare protocols"), "{help}");
    assert!(!help.contains("log a session"), "{help}");
    // A comparison can be read, but not set as the plan.
    press(&mut a, KeyCode::Char('c'));
    press(&mut a, KeyCode::Enter);
    assert!(
        screen(&a, 120, 40).contains("Ranking"),
        "the comparison ran"
    );
    assert!(!footer_at_80(&a).contains("set plan"));
    press(&mut a, KeyCode::Char('p'));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("cannot set the selected protocol as the plan"),
        "{s}"
    );
    // `w` says who they are and how to get the therapist role.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('w'));
    let s = screen(&a, 120, 40);
    assert!(s.contains("Warnings and access"), "{s}");
    assert!(s.contains("You are visitor"), "{s}");
    assert!(s.contains("No warnings about the database file."), "{s}");
    press(&mut a, KeyCode::Esc);
    assert!(!screen(&a, 120, 40).contains("Warnings and access"));
    assert_eq!(
        Store::open(&path).unwrap().counts().unwrap(),
        n_assessments,
        "nothing was written"
    );
    // An admin adds them as a therapist: at the next poll they may write.
    Store::open(&path)
        .unwrap()
        .add_clinician("visitor", "Visitor", praxis::store::Role::Therapist)
        .unwrap();
    a.update(Msg::DataChanged);
    assert!(a.access().can_write());
    assert!(!screen(&a, 80, 24).contains("read-only"));
    press(&mut a, KeyCode::Char('L'));
    assert!(a.open_form().is_some(), "a therapist may log a session");
}

#[test]
fn store_readonly_role_is_told_to_ask_for_set_role() {
    let (_dir, path) = demo_db();
    Store::open(&path)
        .unwrap()
        .add_clinician("student", "Student", praxis::store::Role::Readonly)
        .unwrap();
    let mut a = store_app_as(&path, "student");
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("read-only: ask an admin: praxis clinician set-role student therapist"),
        "{s}"
    );
    press(&mut a, KeyCode::Char('n'));
    assert!(a.open_form().is_none());
    assert!(screen(&a, 80, 24).contains("not allowed"));
}

#[test]
fn store_empty_database_for_a_reader_offers_no_demo() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("praxis.db");
    drop(Store::open(&path).unwrap());
    let mut a = store_app_as(&path, "visitor");
    let s = screen(&a, 80, 24);
    assert!(s.contains("You can only read this database"), "{s}");
    assert!(!footer_at_80(&a).contains("load demo"));
    press(&mut a, KeyCode::Char('d'));
    assert!(screen(&a, 80, 24).contains("not allowed"));
    assert!(
        Store::open(&path)
            .unwrap()
            .list_patients(&Default::default())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn store_world_readable_database_is_warned_in_the_status_line_and_in_full_on_w() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_dir, path) = demo_db();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut a = store_app(&path);
    let s = screen(&a, 80, 24);
    let warn = s.lines().find(|l| l.starts_with("⚠ ")).unwrap_or_default();
    assert!(warn.contains("readable by every user"), "{s}");
    assert!(warn.ends_with("(w: details)"), "{warn}");
    assert!(warn.chars().count() <= 80, "{warn}");
    assert!(footer_at_80(&a).contains("w warnings"), "{s}");
    press(&mut a, KeyCode::Char('w'));
    let s = screen(&a, 120, 40);
    // The path is a temporary directory's, so where the lines wrap varies.
    assert!(s.contains("Fix it with:") && s.contains("chmod 600"), "{s}");
    assert!(s.contains("You are") && s.contains("admin role"), "{s}");
}

#[test]
fn warnings_overlay_snapshots() {
    let mem = Fixture {
        warnings: vec![
            "/srv/clinic/praxis.db is readable by every user of this machine (mode 0644); patient records \
             should not be. Fix it with: chmod 600 /srv/clinic/praxis.db"
                .into(),
            "a second warning".into(),
        ],
        ..clinic()
    };
    let mut a = app(mem);
    let s = screen(&a, 80, 24);
    assert!(s.contains("(+1 more, w: details)"), "{s}");
    press(&mut a, KeyCode::Char('w'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("a second warning"), "{s}");
    assert!(s.contains("chmod 600"), "{s}");
    snap_both("warnings", &a);
    // Help lists `w` too, and the full list still fits at 80x24 (the last row, Ctrl-C, is on screen).
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('?'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("warnings, and who you are"), "{s}");
    assert!(s.contains("quit now (always)"), "{s}");
}

#[test]
fn demo_flags_each_mean_something_on_any_day() {
    // Each flag is on some demo patients and not on others, whatever the weekday or the date of loading (the store
    // refuses onset dates after the real today, so the dates are past ones).
    use praxis::tui::list::{Flag, flags};
    let lib = praxis::app::protocols::Library::builtin();
    let expected = [
        ("P-0011", vec![Flag::ReassessmentDue]),
        ("P-0044", vec![]),
        ("P-0052", vec![Flag::NoRecentSession]),
        ("P-0090", vec![]),
        ("P-0107", vec![]),
        ("P-0123", vec![Flag::PlanEnding]),
    ];
    let days = (0..7).map(|n| d("2026-11-16") + chrono::Duration::days(n));
    for today in days.chain([d("2024-02-29"), d("2026-01-01")]) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        praxis::app::demo::load_at(&mut store, today).unwrap();
        let rows = store.list_briefs(&Default::default()).unwrap();
        let got: Vec<(&str, Vec<Flag>)> = rows
            .iter()
            .map(|r| {
                let weeks = r
                    .plan_protocol
                    .as_deref()
                    .and_then(|id| lib.get(id))
                    .map(|p| p.schedule.weeks);
                (r.patient.code.as_str(), flags(r, today, weeks))
            })
            .collect();
        let want: Vec<(&str, Vec<Flag>)> = expected.iter().map(|(c, f)| (*c, f.clone())).collect();
        assert_eq!(got, want, "demo loaded on {today}");
    }
}

#[test]
fn store_patient_editor_clears_a_fact_and_changes_the_condition() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0107");
    press(&mut a, KeyCode::Char('e'));
    // An empty field is "unknown": clearing NIHSS saves it as unknown, and keeps the other facts.
    focus_field(&mut a, "NIHSS");
    ctrl(&mut a, 'u');
    ctrl(&mut a, 's');
    assert!(screen(&a, 120, 40).contains("Saved patient P-0107."));
    let p = Store::open(&path).unwrap().patient("P-0107").unwrap();
    let Condition::Stroke(f) = &p.condition else {
        panic!("{:?}", p.condition)
    };
    assert_eq!(f.nihss, None, "NIHSS cleared");
    assert_eq!(f.mep, Some(Mep::Present), "the other facts stay");
    assert_eq!(p.sex, Some(Sex::Male));
    // Clearing a profile field (sex) works the same way.
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Sex");
    ctrl(&mut a, 'u');
    // Change the condition with ← →: the facts fields become Parkinson's, and start unknown.
    focus_field(&mut a, "Condition");
    press(&mut a, KeyCode::Right);
    let s = screen(&a, 80, 24);
    assert!(s.contains("◀ Parkinson's disease ▶"), "{s}");
    assert!(s.contains("changed: its facts start unknown"), "{s}");
    assert!(s.contains("Hoehn & Yahr") && !s.contains("NIHSS"), "{s}");
    snap_both("patient_editor_condition_changed", &a);
    // A bad fact is named inline, and the form is not saved.
    focus_field(&mut a, "Hoehn & Yahr");
    typ(&mut a, "7");
    let s = screen(&a, 120, 40);
    assert!(
        s.contains(
            "Hoehn & Yahr stage is one of 0, 1, 1.5, 2, 2.5, 3, 4, 5 (modified scale); got 7"
        ),
        "{s}"
    );
    ctrl(&mut a, 's');
    assert!(a.open_form().is_some(), "not saved with a bad stage");
    ctrl(&mut a, 'u');
    typ(&mut a, "2.5");
    focus_field(&mut a, "Medication");
    typ(&mut a, "off");
    ctrl(&mut a, 's');
    let s = screen(&a, 120, 40);
    assert!(s.contains("Saved patient P-0107."), "{s}");
    let p = Store::open(&path).unwrap().patient("P-0107").unwrap();
    assert_eq!(
        p.condition,
        Condition::Parkinsons(ParkinsonsFacts {
            diagnosis_year: None,
            hoehn_yahr: Some(2.5),
            medication: Some(Medication::Off),
        })
    );
    assert_eq!(p.sex, None, "sex cleared");
    assert_eq!(p.dominant_hand, Some(Hand::Right), "untouched fields stay");
    // Going back to the record's own condition brings its facts back (nothing lost by looking).
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Condition");
    press(&mut a, KeyCode::Left);
    assert!(screen(&a, 120, 40).contains("NIHSS"));
    press(&mut a, KeyCode::Right);
    let s = screen(&a, 120, 40);
    assert!(s.contains("2.5") && s.contains("off"), "{s}");
}

#[test]
fn a_draft_from_an_older_form_layout_is_not_reopened() {
    let mut a = app(clinic());
    let mut form = praxis::tui::forms::Form::edit_patient(&clinic().patients[0]);
    form.fields.truncate(11); // the editor before the condition field
    a.offer_draft(
        praxis::tui::drafts::Draft {
            saved_at: dt(NOW),
            form,
        },
        std::path::PathBuf::from("/tmp/draft.json"),
    );
    let s = screen(&a, 80, 24);
    assert!(s.contains("cannot be reopened"), "{s}");
    assert!(a.open_form().is_none());
}

#[test]
fn patient_editor_shows_every_bad_field_and_the_values_a_field_takes() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107, stroke
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Sex");
    // The focused field says what it takes.
    assert!(screen(&a, 80, 24).contains("female, male, other"));
    typ(&mut a, "m");
    focus_field(&mut a, "Stroke type");
    ctrl(&mut a, 'u');
    typ(&mut a, "isch");
    focus_field(&mut a, "NIHSS");
    ctrl(&mut a, 'u');
    typ(&mut a, "50");
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("sex is one of female, male, other; got \"m\""),
        "{s}"
    );
    assert!(s.contains("stroke type is one of"), "{s}");
    assert!(s.contains("NIHSS is scored 0-42; got 50"), "{s}");
    ctrl(&mut a, 's');
    assert!(a.open_form().is_some(), "not saved");
}

#[test]
fn the_clock_moves_forms_and_flags_with_it() {
    let mut a = app(clinic());
    // P-0107 was assessed on 2026-11-15: not due on NOW, due five weeks later.
    let row = |a: &App| {
        screen(a, 120, 40)
            .lines()
            .find(|l| l.contains("P-0107") && l.contains("stroke"))
            .unwrap_or_default()
            .to_string()
    };
    assert!(!row(&a).contains("R"), "{}", row(&a));
    a.set_now(dt("2026-12-20 09:05"));
    assert!(row(&a).contains("R"), "{}", row(&a));
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('L'));
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("2026-12-20 09:05"),
        "the session form pre-fills now:\n{s}"
    );
}

#[test]
fn plan_editor_a_new_protocol_starts_today() {
    let mem = Fixture {
        protocols: true,
        ..clinic()
    };
    let mut a = app(mem);
    press(&mut a, KeyCode::Char('G')); // P-0107, task-specific-300 since 2026-10-05
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('P'));
    focus_field(&mut a, "Protocol");
    press(&mut a, KeyCode::Right);
    let s = screen(&a, 120, 40);
    assert!(s.contains("new protocol: saved as a new plan"), "{s}");
    assert!(s.contains("Start date   2026-11-20"), "{s}");
    // Back to the plan's own protocol: its own start again.
    press(&mut a, KeyCode::Left);
    assert!(screen(&a, 120, 40).contains("Start date   2026-10-05"));
    press(&mut a, KeyCode::Right);
    ctrl(&mut a, 's');
    let plan = a.source().detail("P-0107").unwrap().plan.unwrap();
    assert_ne!(plan.protocol_id, "task-specific-300");
    assert_eq!(plan.start_date, d("2026-11-20"));
}

#[test]
fn store_overview_names_a_plateau() {
    // Workflow 6: the chronic stroke's last three FMA-UE and ARAT scores are within the MCID of each other.
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0011");
    let s = screen(&a, 80, 24);
    for m in ["FMA-UE", "ARAT"] {
        let line = s.lines().find(|l| l.contains(m)).unwrap_or_default();
        assert!(line.contains("= plateau"), "{line}");
    }
    // The subacute stroke is improving fast: passed, not a plateau.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Esc); // clears the search
    open_patient(&mut a, "P-0107");
    let s = screen(&a, 80, 24);
    assert!(!s.contains("plateau") && s.contains("✓ passed"), "{s}");
}

/// The text of the form line labelled `label` (after the label), at 120 columns.
fn field_value(a: &App, label: &str) -> String {
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

#[test]
fn typing_into_a_prefilled_field_replaces_it_and_editing_keys_keep_it() {
    // Repetitions is pre-filled (280) and has focus: typing 260 saves 260, not 280260.
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('L'));
    assert_eq!(field_value(&a, "Repetitions"), "280");
    typ(&mut a, "260");
    assert_eq!(field_value(&a, "Repetitions"), "260");
    ctrl(&mut a, 's');
    let det = a.source().detail("P-0107").unwrap();
    assert_eq!(det.sessions[0].repetitions, 260);

    // Backspace first keeps the value for editing: 280 -> 28 -> 285.
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('L'));
    press(&mut a, KeyCode::Backspace);
    typ(&mut a, "5");
    ctrl(&mut a, 's');
    assert_eq!(
        a.source().detail("P-0107").unwrap().sessions[0].repetitions,
        285
    );

    // Home first also keeps it: 280 -> 1280; a field once edited keeps appending.
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('L'));
    press(&mut a, KeyCode::Home);
    typ(&mut a, "1");
    assert_eq!(field_value(&a, "Repetitions"), "1280");

    // The assessment form's pre-filled date is replaced the same way.
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "25");
    press(&mut a, KeyCode::Tab);
    typ(&mut a, "2026-11-18");
    ctrl(&mut a, 's');
    let det = a.source().detail("P-0107").unwrap();
    let saved = det.assessments.last().unwrap();
    assert_eq!((saved.score, saved.date), (25.0, d("2026-11-18")));
}

#[test]
fn store_session_form_defaults_to_the_plans_dose_and_the_last_level() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0107");
    let store = Store::open(&path).unwrap();
    let plan = store.active_plan("P-0107").unwrap().unwrap();
    let proto = a
        .source()
        .protocols()
        .into_iter()
        .find(|p| p.id == plan.protocol_id)
        .unwrap();
    let dose = proto.schedule.repetitions_per_session;
    // Log a short session at level 4 (not the plan's dose).
    press(&mut a, KeyCode::Char('L'));
    assert_eq!(field_value(&a, "Protocol"), plan.protocol_id);
    assert_eq!(field_value(&a, "Repetitions"), dose.to_string());
    assert!(!field_value(&a, "Level").is_empty(), "level is pre-filled");
    typ(&mut a, "45");
    press(&mut a, KeyCode::Tab);
    typ(&mut a, "4");
    ctrl(&mut a, 's');
    assert!(screen(&a, 80, 24).contains("Logged"));
    let newest = &Store::open(&path)
        .unwrap()
        .sessions("P-0107", Some(1))
        .unwrap()[0];
    assert_eq!((newest.repetitions, newest.level), (45, Some(4)));
    // The next form: the plan's dose again (not 45), and the level the patient got to (4).
    press(&mut a, KeyCode::Char('L'));
    assert_eq!(field_value(&a, "Repetitions"), dose.to_string());
    assert_ne!(dose, 45);
    assert_eq!(field_value(&a, "Level"), "4");
}

#[test]
fn a_future_assessment_date_is_refused_inline_and_on_save() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "25");
    press(&mut a, KeyCode::Tab);
    typ(&mut a, "2027-05-01");
    // Inline, on the date field, as it is typed.
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("✗ date 2027-05-01 is in the future (today is 2026-11-20)"),
        "{s}"
    );
    // Ctrl-S is refused with the reason said, and nothing is saved.
    press(&mut a, KeyCode::Tab);
    ctrl(&mut a, 's');
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Not saved: date 2027-05-01 is in the future"),
        "{s}"
    );
    assert!(s.contains("▶ Date"), "focus goes to the date: {s}");
    assert_eq!(a.source().detail("P-0107").unwrap().assessments.len(), 6);
    // Today is fine.
    ctrl(&mut a, 'u');
    typ(&mut a, "2026-11-20");
    ctrl(&mut a, 's');
    assert_eq!(a.source().detail("P-0107").unwrap().assessments.len(), 7);
}

#[test]
fn a_future_session_time_is_refused() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    let n = a.source().detail("P-0107").unwrap().sessions.len();
    press(&mut a, KeyCode::Char('L'));
    press(&mut a, KeyCode::BackTab);
    press(&mut a, KeyCode::BackTab);
    typ(&mut a, "2026-11-21 09:00");
    ctrl(&mut a, 's');
    let s = screen(&a, 80, 24);
    assert!(s.contains("date 2026-11-21 is in the future"), "{s}");
    assert_eq!(a.source().detail("P-0107").unwrap().sessions.len(), n);
    ctrl(&mut a, 'u');
    typ(&mut a, "2026-11-20 09:00");
    ctrl(&mut a, 's');
    assert_eq!(a.source().detail("P-0107").unwrap().sessions.len(), n + 1);
}

/// The protocol browser's detail panel speaks plain words and shows thresholds only for rules that use them.
#[test]
fn store_protocol_detail_is_in_plain_words() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('c'));
    let mut seen = std::collections::HashMap::new();
    for _ in 0..20 {
        let s = screen(&a, 120, 40);
        for id in ["usual-care", "balance-gait-older", "lsvt-big"] {
            if s.contains(&format!("> [ ] {id}")) || s.contains(&format!("> [1] {id}")) {
                seen.insert(id, s.clone());
            }
        }
        press(&mut a, KeyCode::Down);
    }
    let usual = &seen["usual-care"];
    assert!(usual.contains("Progress  none: stays at level"), "{usual}");
    assert!(!usual.contains("up a level"), "{usual}");
    let otago = &seen["balance-gait-older"];
    assert!(
        otago.contains("fixed: up a level every 6 sessions"),
        "{otago}"
    );
    assert!(!otago.contains("% success"), "{otago}");
    let big = &seen["lsvt-big"];
    assert!(big.contains("Progress  adaptive: up a level at"), "{big}");
    for s in seen.values() {
        for rust in [
            "ProgressivePart",
            "PartWhole",
            "Adaptive",
            "Fixed",
            "None",
            "Mixed",
            "Blocked",
            "Random",
            "ErrorBased",
            "Reinforcement",
            "Whole",
        ] {
            assert!(!s.contains(rust), "{rust} shown:\n{s}");
        }
    }
    while !screen(&a, 80, 24).contains("> [ ] usual-care") {
        press(&mut a, KeyCode::Up);
    }
    snap_both("protocol_detail_usual_care", &a);
}

#[test]
fn list_footer_offers_edit_and_session_form_says_success_is_a_percentage() {
    let mut a = app(clinic());
    let f = footer_at_80(&a);
    assert!(f.contains("e edit"), "{f}");
    press(&mut a, KeyCode::Char('L'));
    let s = screen(&a, 80, 24);
    assert!(
        s.lines()
            .any(|l| l.contains("Success %") && l.contains("(0-100 % of repetitions)")),
        "{s}"
    );
}

#[test]
fn plan_and_patient_editors_replace_a_prefilled_value_on_typing() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107, plan task-specific-300
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('P'));
    focus_field(&mut a, "Start date");
    typ(&mut a, "2026-11-02");
    assert_eq!(field_value(&a, "Start date"), "2026-11-02");
    ctrl(&mut a, 's');
    assert_eq!(
        a.source()
            .detail("P-0107")
            .unwrap()
            .plan
            .unwrap()
            .start_date,
        d("2026-11-02")
    );
    // The patient editor's name: typing replaces; End then typing appends.
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Name");
    press(&mut a, KeyCode::End);
    typ(&mut a, " Jr");
    assert_eq!(field_value(&a, "Name"), "Ada Brook Jr");
    press(&mut a, KeyCode::Tab);
    press(&mut a, KeyCode::BackTab);
    typ(&mut a, "x");
    assert_eq!(
        field_value(&a, "Name"),
        "Ada Brook Jrx",
        "an edited field stays edited when focused again"
    );
}

/// Issue 9: stored text holding escape sequences (OSC 52 writes the viewer's clipboard, `ESC [2J` clears the screen)
/// and bidirectional overrides is shown escaped on the list and the overview; the buffer handed to the terminal holds
/// none of them. The edit form still gets the exact stored text.
#[test]
fn hostile_stored_text_is_shown_escaped_never_sent_to_the_terminal() {
    let mut m = clinic();
    m.patients[2].name = Some("Eve\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2J".into());
    m.patients[2].condition = Condition::CerebellarAtaxia(AtaxiaFacts {
        ataxia_type: Some("\u{202e}6ACS".into()),
    });
    m.plans.push(Plan {
        id: 3,
        patient_code: "P-0052".into(),
        protocol_id: "balance-gait-older".into(),
        start_date: d("2026-11-01"),
        goal: "walk\u{1b}]0;title\u{7} far".into(),
        status: PlanStatus::Active,
        version: 1,
    });
    let mut a = app(m);
    let hidden = |s: &str| {
        s.chars()
            .any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c))
    };
    let list = screen(&a, 120, 40);
    assert!(!hidden(&list), "{list:?}");
    assert!(list.contains("Eve\\u{1b}]52;c;"), "{list}");
    typ(&mut a, "/P-0052");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    let overview = screen(&a, 120, 40);
    assert!(!hidden(&overview), "{overview:?}");
    assert!(
        overview.contains("P-0052 Eve\\u{1b}]52;c;aGVsbG8=\\u{7}\\u{1b}[2J"),
        "{overview}"
    );
    assert!(overview.contains("\\u{202e}6ACS"), "{overview}");
    assert!(
        overview.contains("walk\\u{1b}]0;title\\u{7} far"),
        "{overview}"
    );
    // In a narrow box the name is cut between whole escapes, never inside one.
    let narrow = screen(&a, 80, 24);
    let head = narrow.lines().find(|l| l.contains("P-0052 Eve")).unwrap();
    assert!(head.contains('…'), "{head}");
    for (i, _) in head.match_indices("\\u{") {
        let digits = head[i + 3..]
            .chars()
            .take_while(char::is_ascii_hexdigit)
            .count();
        assert!(
            head[i + 3 + digits..].starts_with('}'),
            "an escape cut in the middle: {head}"
        );
    }
    // Only the display is escaped: editing and saving the patient keeps the stored name exactly.
    press(&mut a, KeyCode::Char('e'));
    let form = screen(&a, 120, 40);
    assert!(!hidden(&form), "{form:?}");
    ctrl(&mut a, 's');
    assert_eq!(
        a.source().detail("P-0052").unwrap().patient.name.as_deref(),
        Some("Eve\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2J")
    );
}

/// The last defence: whatever reached the buffer without being escaped is replaced before it reaches the terminal.
#[test]
fn the_frame_never_carries_a_control_character_to_the_terminal() {
    let mut buf = ratatui::buffer::Buffer::empty(ratatui::layout::Rect::new(0, 0, 4, 1));
    buf[(0, 0)].set_symbol("\u{1b}");
    buf[(1, 0)].set_symbol("\u{202e}");
    buf[(2, 0)].set_symbol("a");
    praxis::tui::widgets::scrub(&mut buf);
    let row: Vec<&str> = (0..4).map(|x| buf[(x, 0)].symbol()).collect();
    assert_eq!(row, ["\u{fffd}", "\u{fffd}", "a", " "]);
}

#[test]
fn help_over_an_edit_conflict_lists_the_conflict_keys() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Notes");
    ctrl(&mut a, 'u');
    typ(&mut a, "mine");
    let mut other = Store::open(&path).unwrap();
    let mut p = other.patient("P-0044").unwrap();
    p.notes = "theirs".into();
    other.update_patient(&p).unwrap();
    ctrl(&mut a, 's');
    press(&mut a, KeyCode::Char('?'));
    // The help reads the mode of the screen under it: the conflict's keys, not the form's.
    let s = screen(&a, 80, 24);
    assert!(s.contains("Help: Edit conflict"), "{s}");
    assert!(s.contains("reload their version"), "{s}");
    assert!(!s.contains("next field"), "{s}");
}
