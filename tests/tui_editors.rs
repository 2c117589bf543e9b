//! TUI tests of the patient and plan editors: filled from the record, every bad field shown with the values it
//! takes, an empty field saved as unknown, and a save refused as an edit conflict (both versions shown).

use praxis::domain::*;
use praxis::store::Store;
use praxis::tui::app::App;
use ratatui::crossterm::event::KeyCode;

mod common;
use common::fixture::Fixture;
use common::tui::*;
use common::{ctrl, press, screen, typ};

fn snap_both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40));
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
    // A fact with a fixed list is picked, not typed (issue 14.6): a letter no value starts with types nothing,
    // the empty-field key makes it unknown, a letter picks the value starting with it.
    focus_field(&mut a, "Stroke type");
    typ(&mut a, "bleed");
    assert!(
        focused_row(&a).contains("◀ ischaemic ▶"),
        "{}",
        focused_row(&a)
    );
    ctrl(&mut a, 'u');
    assert!(
        focused_row(&a).contains("◀ unknown ▶"),
        "{}",
        focused_row(&a)
    );
    typ(&mut a, "h");
    assert!(
        focused_row(&a).contains("◀ haemorrhagic ▶"),
        "{}",
        focused_row(&a)
    );
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
    edit_notes(&mut a, "P-0044", "freezing at doorways");
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
    edit_notes(&mut a, "P-0044", "mine");
    let mut other = Store::open(&path).unwrap();
    let mut p = other.patient("P-0044").unwrap();
    p.notes = "theirs".into();
    other.update_patient(&p).unwrap();
    ctrl(&mut a, 's');
    assert!(screen(&a, 80, 24).contains("Edit conflict"));
    // The edit holds unsaved typing: Esc asks first, and `y` discards it.
    press(&mut a, KeyCode::Esc);
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("Edit conflict") && s.contains("Discard the changes? y discard"),
        "{s}"
    );
    press(&mut a, KeyCode::Char('y'));
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
    typ(&mut a, "oo"); // picked, not typed: `o` is "on", again the next value starting with o, "off"
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
fn patient_editor_shows_every_bad_field_and_the_values_a_field_takes() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107, stroke
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('e'));
    focus_field(&mut a, "Sex");
    // The focused field says what it takes; sex is picked (issue 14.6), so it cannot be wrong.
    assert!(screen(&a, 80, 24).contains("female, male, other"));
    typ(&mut a, "m");
    assert!(screen(&a, 80, 24).contains("◀ male ▶"));
    focus_field(&mut a, "Birth year");
    ctrl(&mut a, 'u');
    typ(&mut a, "19x8");
    focus_field(&mut a, "NIHSS");
    ctrl(&mut a, 'u');
    typ(&mut a, "50");
    let s = screen(&a, 80, 24);
    assert!(
        s.contains("birth year is a year like 1958; got \"19x8\""),
        "{s}"
    );
    assert!(s.contains("NIHSS is scored 0-42; got 50"), "{s}");
    ctrl(&mut a, 's');
    assert!(a.open_form().is_some(), "not saved");
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

#[test]
fn a_new_plan_starts_on_a_protocol_for_the_patients_condition() {
    let mem = Fixture {
        protocols: true,
        ..clinic()
    };
    let mut a = app(mem);
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Up); // P-0090, an older adult without a plan
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('P'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("Edit plan · P-0090"), "{s}");
    // Not the library's first protocol (ataxia-usual-care) but one designed for older adults.
    assert!(
        s.contains("◀ balance-gait-older ▶") || s.contains("◀ falls-usual-care ▶"),
        "{s}"
    );
}

/// QA 16: the plan's status is picked (← → or a letter), never typed, and ending the plan asks first.
#[test]
fn plan_status_is_picked_and_ending_the_plan_asks_first() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G')); // P-0107, plan task-specific-300, active
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('P'));
    focus_field(&mut a, "Status");
    let row = focused_row(&a);
    assert!(row.contains("◀ active ▶"), "{row}");
    assert!(row.contains("active, completed, stopped"), "{row}");
    // Letters pick, they are not typed; Backspace does not empty it.
    typ(&mut a, "xq");
    assert_eq!(
        field_value(&a, "Status").split_whitespace().nth(1),
        Some("active")
    );
    press(&mut a, KeyCode::Backspace);
    assert!(focused_row(&a).contains("◀ active ▶"));
    press(&mut a, KeyCode::Right);
    assert!(
        focused_row(&a).contains("◀ completed ▶"),
        "{}",
        focused_row(&a)
    );
    typ(&mut a, "s");
    assert!(
        focused_row(&a).contains("◀ stopped ▶"),
        "{}",
        focused_row(&a)
    );
    let status = |a: &App| a.source().detail("P-0107").unwrap().plan.map(|p| p.status);
    // Enter on the last field asks, it does not save.
    press(&mut a, KeyCode::Enter);
    assert_eq!(status(&a), Some(PlanStatus::Active));
    let s = screen(&a, 80, 24);
    assert!(s.contains("setting the plan to stopped ends it"), "{s}");
    assert!(s.contains("y or Ctrl-S again saves it anyway"), "{s}");
    // n keeps editing; y on the question saves.
    press(&mut a, KeyCode::Char('n'));
    assert!(!screen(&a, 80, 24).contains("ends it"));
    assert_eq!(status(&a), Some(PlanStatus::Active));
    ctrl(&mut a, 's');
    assert!(screen(&a, 80, 24).contains("ends it"));
    press(&mut a, KeyCode::Char('y'));
    let s = screen(&a, 120, 40);
    assert!(s.contains("Saved the plan of P-0107"), "{s}");
    // Stopped: no longer the active plan.
    assert_ne!(status(&a), Some(PlanStatus::Active));
}
