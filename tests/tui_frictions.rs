//! Issue 14.6 in the TUI: the list's search ignores accents and case and counts one patient in the singular; sex,
//! hand and paretic side are picked with ← → or a letter, not typed; an instrument is found by its common name;
//! a decimal comma is read as a point (snapshots at 80x24).

use praxis::tui::app::App;
use ratatui::crossterm::event::KeyCode;

mod common;
use common::tui::*;
use common::{ctrl, press, screen, typ};

fn snap_80(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
}

#[test]
fn list_search_ignores_accents_and_case() {
    let mut f = clinic();
    let zoe = f
        .patients
        .iter_mut()
        .find(|p| p.code == "P-0052")
        .expect("the clinic has P-0052");
    zoe.name = Some("Zoë Dunn".into());
    let mut a = app(f);
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "ZOE");
    let s = screen(&a, 80, 24);
    assert!(s.contains("P-0052") && s.contains("Zoë Dunn"), "{s}");
    assert!(!s.contains("P-0107"), "{s}");
    assert!(s.contains("4 patients, 1 shown"), "{s}");
    snap_80("search_zoe", &a);
}

#[test]
fn one_patient_is_counted_in_the_singular() {
    let mut f = clinic();
    f.patients.retain(|p| p.code == "P-0107");
    f.assessments.retain(|x| x.patient_code == "P-0107");
    f.sessions.retain(|x| x.patient_code == "P-0107");
    f.plans.retain(|x| x.patient_code == "P-0107");
    let a = app(f);
    let s = screen(&a, 80, 24);
    assert!(s.contains("1 patient · R reassess"), "{s}");
}

#[test]
fn sex_hand_and_side_are_picked_not_typed() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Sex");
    assert!(
        focused_row(&a).contains("◀ unknown ▶"),
        "{}",
        focused_row(&a)
    );
    press(&mut a, KeyCode::Right);
    assert!(
        focused_row(&a).contains("◀ female ▶"),
        "{}",
        focused_row(&a)
    );
    typ(&mut a, "zz"); // no value starts with z: nothing is typed
    assert!(
        focused_row(&a).contains("◀ female ▶"),
        "{}",
        focused_row(&a)
    );
    press(&mut a, KeyCode::Left);
    assert!(
        focused_row(&a).contains("◀ unknown ▶"),
        "{}",
        focused_row(&a)
    );
    typ(&mut a, "m");
    assert!(focused_row(&a).contains("◀ male ▶"), "{}", focused_row(&a));
    focus_field(&mut a, "Hand");
    typ(&mut a, "l");
    focus_field(&mut a, "Paretic side");
    typ(&mut a, "r");
    snap_80("patient_editor_picked", &a);
    ctrl(&mut a, 's');
    let p = a.source().detail("P-0107").unwrap().patient;
    assert_eq!(p.sex, Some(praxis::domain::Sex::Male));
    assert_eq!(p.dominant_hand, Some(praxis::domain::Hand::Left));
    assert_eq!(p.affected_side, Some(praxis::domain::Side::Right));
}

#[test]
fn assessment_form_finds_an_instrument_by_its_common_name_and_reads_a_decimal_comma() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('g')); // P-0044, Parkinson's
    press(&mut a, KeyCode::Char('a'));
    press(&mut a, KeyCode::Up); // to the instrument field
    typ(&mut a, "tug");
    let s = screen(&a, 80, 24);
    assert!(s.contains("◀ TUG ▶"), "{s}");
    press(&mut a, KeyCode::Down);
    typ(&mut a, "12,5");
    let s = screen(&a, 80, 24);
    assert!(!s.contains("not a number"), "{s}");
    snap_80("assessment_decimal_comma", &a);
    ctrl(&mut a, 's');
    let det = a.source().detail("P-0044").unwrap();
    let saved = det.assessments.iter().find(|x| x.score == 12.5);
    assert_eq!(saved.map(|x| x.instrument.as_str()), Some("tug_s"));
}

/// The screen at 80x24 shows a form (its status line names the save key).
fn in_form(a: &App) -> bool {
    screen(a, 80, 24).contains("to save;") || screen(a, 80, 24).contains("saves (or")
}

/// QA walk, point 1: `a` on a patient, 28 in the score, Esc: it asks before losing it; `n`, or any other key, goes
/// back to the form with the score (the key is not typed); `y` discards it.
#[test]
fn esc_on_a_changed_form_asks_before_discarding() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "28");
    press(&mut a, KeyCode::Esc);
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Discard the changes? y discard · n/Esc keep editing"),
        "{s}"
    );
    assert!(in_form(&a) || s.contains("Score"), "{s}");
    assert!(
        footer_at_80(&a).contains("y discard"),
        "{}",
        footer_at_80(&a)
    );
    snap_80("discard_prompt", &a);
    press(&mut a, KeyCode::Char('n'));
    assert!(in_form(&a), "{}", screen(&a, 80, 24));
    assert!(!screen(&a, 80, 24).contains("Discard the changes?"));
    // Any other key goes back to the form too, and is not typed.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('7'));
    assert!(in_form(&a), "{}", screen(&a, 80, 24));
    let score = focused_row(&a);
    assert!(score.contains("28") && !score.contains("287"), "{score}");
    // Esc twice: the second keeps editing.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Esc);
    assert!(in_form(&a) && focused_row(&a).contains("28"));
    // `y` discards: back on the overview, nothing saved, no draft.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('y'));
    let s = screen(&a, 80, 24);
    assert!(!in_form(&a) && s.contains("P-0107"), "{s}");
    assert!(a.draft().is_none());
    let det = a.source().detail("P-0107").unwrap();
    assert!(!det.assessments.iter().any(|x| x.score == 28.0));
}

/// Point 1: a form left as it opened closes at Esc at once, every form; changed, every form asks.
#[test]
fn esc_closes_an_unchanged_form_at_once_and_asks_on_every_changed_one() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107, with a plan
    press(&mut a, KeyCode::Enter);
    // assessment, session, patient editor, plan editor, new goal
    for k in ['a', 'L', 'e', 'P', 'g'] {
        press(&mut a, KeyCode::Char(k));
        let opened = screen(&a, 80, 24);
        assert!(opened.contains("cancels"), "{k}: {opened}");
        press(&mut a, KeyCode::Esc);
        let s = screen(&a, 80, 24);
        assert!(
            !s.contains("cancels") && !s.contains("Discard the changes?"),
            "{k}: {s}"
        );
        press(&mut a, KeyCode::Char(k));
        ctrl(&mut a, 'u');
        typ(&mut a, "9");
        press(&mut a, KeyCode::Esc);
        let s = screen(&a, 80, 24);
        assert!(s.contains("Discard the changes?"), "{k}: {s}");
        press(&mut a, KeyCode::Char('y'));
        assert!(!screen(&a, 80, 24).contains("cancels"), "{k}");
    }
}

/// Point 1 on the records screen: a voiding with its reason typed asks before Esc loses it; one untouched closes.
#[test]
fn esc_on_a_typed_correction_or_voiding_asks_first() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0107");
    press(&mut a, KeyCode::Char('r'));
    press(&mut a, KeyCode::Char('v'));
    press(&mut a, KeyCode::Esc);
    let s = screen(&a, 80, 24);
    assert!(!s.contains("Void ") && !s.contains("Discard"), "{s}");
    press(&mut a, KeyCode::Char('v'));
    typ(&mut a, "entered twice");
    press(&mut a, KeyCode::Esc);
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Void ") && s.contains("Discard the changes? y discard"),
        "{s}"
    );
    press(&mut a, KeyCode::Char('n'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("entered twice"), "{s}");
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('y'));
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Records of P-0107") && !s.contains("Void "),
        "{s}"
    );
}

/// Point 1 over a comparison: the new plan's goal typed, Esc asks; `y` goes back to the ranking.
#[test]
fn esc_on_a_changed_new_plan_asks_first() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0107");
    press(&mut a, KeyCode::Char('f'));
    press(&mut a, KeyCode::Char('p'));
    assert!(screen(&a, 80, 24).contains("New plan for P-0107"));
    press(&mut a, KeyCode::Esc);
    assert!(!screen(&a, 80, 24).contains("New plan for"));
    press(&mut a, KeyCode::Char('p'));
    typ(&mut a, " by week 6");
    press(&mut a, KeyCode::Esc);
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("New plan for P-0107") && s.contains("Discard the changes?"),
        "{s}"
    );
    press(&mut a, KeyCode::Char('y'));
    let s = screen(&a, 80, 24);
    assert!(
        !s.contains("New plan for") && s.contains("Ranking by"),
        "{s}"
    );
}

fn resize(a: &mut App, w: u16, h: u16) {
    use praxis::tui::app::Msg;
    use ratatui::crossterm::event::Event;
    a.update(Msg::Term(Event::Resize(w, h)));
}

/// QA walk, point 2: at 60x15 Enter then `f` opened a patient and ran a forecast unseen. Below the minimum size
/// keys do nothing; back at 80x24 the list is as it was.
#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() {
    let mut a = app(clinic());
    resize(&mut a, 60, 15);
    assert!(screen(&a, 60, 15).contains("Praxis needs at least 80x24"));
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('f'));
    press(&mut a, KeyCode::Char('a'));
    resize(&mut a, 80, 24);
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Search:") && !s.contains("Ranking by") && !s.contains("cancels"),
        "{s}"
    );
    assert!(!a.quit);
}

/// Point 2: a form open when the window shrinks is not saved blind by Ctrl-S nor typed into; `q` quits, keeping it
/// as a draft (as Ctrl-C does).
#[test]
fn a_form_is_not_saved_blind_and_q_quits_keeping_it() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "28");
    resize(&mut a, 60, 15);
    typ(&mut a, "5");
    ctrl(&mut a, 's');
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('y'));
    let det = a.source().detail("P-0107").unwrap();
    assert!(
        !det.assessments
            .iter()
            .any(|x| x.score == 28.0 || x.score == 285.0)
    );
    assert!(!a.quit);
    press(&mut a, KeyCode::Char('q'));
    assert!(a.quit && a.interrupted);
    let draft = serde_json::to_string(&a.draft().expect("the form is kept")).unwrap();
    assert!(draft.contains("\"28\""), "{draft}");
}

/// Point 2: Ctrl-C still quits below the minimum size and keeps the form.
#[test]
fn ctrl_c_quits_while_the_terminal_is_too_small() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "12");
    resize(&mut a, 79, 24);
    ctrl(&mut a, 'c');
    assert!(a.quit && a.interrupted && a.draft().is_some());
}

/// QA walk, point 3: during a search, with every flag and a patient behind the plan's forecast, the counts still
/// fit one line of 80 columns (shorter words), and are whole at 120.
#[test]
fn list_counts_fit_80_columns_during_a_search() {
    use praxis::domain::{Condition, OlderAdultFacts, Plan, PlanStatus};
    let mut f = clinic();
    for code in ["P-0090", "P-0091"] {
        if code != "P-0090" {
            f.patients.push(patient(
                code,
                "Eve Fox",
                1945,
                Condition::OlderAdult(OlderAdultFacts {
                    falls_last_year: Some(2),
                }),
            ));
        }
        f.plans.push(Plan {
            id: 0,
            patient_code: code.into(),
            protocol_id: "balance-gait-older".into(),
            start_date: d("2026-09-02"),
            goal: String::new(),
            status: PlanStatus::Active,
            version: 0,
        });
    }
    f.assessments.retain(|x| x.patient_code != "P-0090");
    f.assessments.extend([
        assess("P-0090", "bbs", 41.0, "2026-09-01"),
        assess("P-0090", "bbs", 33.0, "2026-11-01"),
        assess("P-0091", "bbs", 41.0, "2026-09-01"),
        assess("P-0091", "bbs", 44.0, "2026-11-01"),
    ]);
    f.protocols = true;
    let mut a = app(f);
    a.run_standings();
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "dora");
    let s = screen(&a, 80, 24);
    let status = s.lines().rev().nth(1).unwrap_or_default();
    // Every flag (with "sessions left", QA 19: E for a plan whose weeks ended long ago, L for the two whose weeks
    // end in 5 days with their sessions undone) and a patient behind: the short words no longer fit 80 columns,
    // the letters do, every count whole.
    assert_eq!(
        status.trim_end(),
        "5 patients, 1 shown · R 1 · S 3 · E 1 · L 3 · B 2",
        "{s}"
    );
    assert!(status.chars().count() <= 80, "{status}");
    let wide = screen(&a, 120, 40);
    assert!(
        wide.contains(
            "5 patients, 1 shown · R reassess 1 · S no session 3 · E plan ending 1 · L sessions left 3 · B behind 2"
        ),
        "{wide}"
    );
    // The help names the same letters and words.
    press(&mut a, KeyCode::Enter);
    let help = help_text(&mut a);
    for words in [
        "R reassess",
        "S no session",
        "E (plan) ending",
        "L (sessions) left",
        "B behind",
        "A ahead",
    ] {
        assert!(help.contains(words), "{words}: {help}");
    }
}

/// QA walk, point 4: `/` starts a new search ("0044", then `/0124` searched "00440124").
#[test]
fn slash_starts_a_new_search() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "0044");
    press(&mut a, KeyCode::Enter);
    assert!(screen(&a, 80, 24).contains("4 patients, 1 shown"));
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "0107");
    let s = screen(&a, 80, 24);
    assert!(s.contains("Search: 0107") && !s.contains("00440107"), "{s}");
    assert!(
        s.contains("P-0107") && s.contains("4 patients, 1 shown"),
        "{s}"
    );
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    assert!(screen(&a, 80, 24).contains("Ada Brook"));
}
