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
