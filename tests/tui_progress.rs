//! TUI tests of issue 14: the plan's goals on the overview and in the comparison (point 4), at 80x24 and 120x40.

use praxis::app::goals;
use praxis::store::Store;
use praxis::tui::app::App;
use ratatui::crossterm::event::KeyCode;

mod common;
use common::tui::*;
use common::{press, screen};

fn snap_both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40));
}

/// Workflow 11: P-0107's three goals, reviewed 0, -1, +1.
fn with_goals(path: &std::path::Path) {
    let mut store = Store::open(path).unwrap();
    let mut ids = Vec::new();
    for (inst, target, by, text) in [
        ("fma_ue", 45.0, "2027-01-15", ""),
        ("arat", 30.0, "2027-02-12", ""),
        ("arat", 35.0, "2027-03-12", "drink from a cup"),
    ] {
        let g = goals::add(&mut store, "P-0107", inst, target, d(by), text).unwrap();
        ids.push(g.id);
    }
    for (id, level) in ids.iter().zip([0, -1, 1]) {
        goals::review(&mut store, "P-0107", *id, level, d("2026-11-20"), "").unwrap();
    }
}

#[test]
fn the_overview_shows_the_goals_and_the_gas_t_score_and_the_forecast_each_goals_chance() {
    let (_dir, path) = demo_db();
    with_goals(&path);
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0107");
    for (w, h) in [(80, 24), (120, 40)] {
        let s = screen(&a, w, h);
        assert!(s.contains("Goals: GAS T 50.0 · FMA-UE 45 +0 ·"), "{s}");
        assert!(s.contains("ARAT 30 -1 · ARAT 35 +1"), "{s}");
    }
    snap_both("overview_goals", &a);
    // The forecast under the plan gives each goal's probability, first among the reasons.
    press(&mut a, KeyCode::Char('f'));
    let s = screen(&a, 120, 40);
    let line = s
        .lines()
        .find(|l| l.contains("Goal FMA-UE 45 by 2027-01-15: "))
        .unwrap_or_else(|| panic!("no goal line:\n{s}"));
    assert!(line.contains('%'), "{line}");
    assert!(s.contains("Goal ARAT 35 by 2027-03-12: "), "{s}");
    snap_both("forecast_goals", &a);
}

/// An older adult on balance training since 2026-09-02 (Berg 41 the day before) whose Berg on 2026-11-01 is
/// `latest`: behind, on track or ahead of the plan's forecast from its start.
fn standing_with_latest(latest: f64) -> Option<praxis::app::progress::Standing> {
    let (_dir, _path, mut store) = common::store_of_boss();
    store
        .add_patient(&common::patient("P-0090").build())
        .unwrap();
    for (score, date) in [(41.0, "2026-09-01"), (latest, "2026-11-01")] {
        store
            .add_assessment(&common::assessment("P-0090", "bbs", score, d(date)))
            .unwrap();
    }
    store
        .set_plan(&praxis::domain::Plan {
            id: 0,
            patient_code: "P-0090".into(),
            protocol_id: "balance-gait-older".into(),
            start_date: d("2026-09-02"),
            goal: String::new(),
            status: praxis::domain::PlanStatus::Active,
            version: 0,
        })
        .unwrap();
    let lib = praxis::app::protocols::Library::builtin();
    let (pf, cmp, s) = praxis::app::progress::check(&store, &lib, "P-0090")
        .unwrap()
        .expect("a plan to check");
    assert_eq!(pf.day0, d("2026-09-01"));
    assert_eq!(s.len(), 1, "{s:?}");
    assert_eq!(s[0].instrument, "bbs");
    let band = &cmp.protocols[0].measures["bbs"];
    assert!(band.p10[61] < band.p90[61], "a band, not a line");
    praxis::app::progress::overall(&s)
}

#[test]
fn the_latest_score_below_the_plans_10th_percentile_is_behind_above_its_90th_ahead() {
    use praxis::app::progress::Standing;
    assert_eq!(standing_with_latest(33.0), Some(Standing::Behind));
    assert_eq!(standing_with_latest(56.0), Some(Standing::Ahead));
}

/// Workflow 11 on the progress screen: an older adult on balance training since 2026-09-02 whose Berg fell behind
/// the plan's forecast, with notes on the sessions.
fn behind() -> common::fixture::Fixture {
    use praxis::domain::{Condition, OlderAdultFacts, Plan, PlanStatus};
    let mut f = common::fixture::Fixture {
        patients: vec![patient(
            "P-0090",
            "Dora Ellis",
            1945,
            Condition::OlderAdult(OlderAdultFacts {
                falls_last_year: Some(2),
            }),
        )],
        assessments: vec![
            assess("P-0090", "bbs", 41.0, "2026-09-01"),
            assess("P-0090", "tug_s", 14.5, "2026-09-01"),
            assess("P-0090", "bbs", 38.0, "2026-10-01"),
            assess("P-0090", "bbs", 33.0, "2026-11-01"),
        ],
        plans: vec![Plan {
            id: 0,
            patient_code: "P-0090".into(),
            protocol_id: "balance-gait-older".into(),
            start_date: d("2026-09-02"),
            goal: String::new(),
            status: PlanStatus::Active,
            version: 0,
        }],
        protocols: true,
        ..Default::default()
    };
    let mut s = session("P-0090", "2026-11-10 10:00", "balance-gait-older", 40, 2);
    s.notes = "dizzy after the turns; stopped early".into();
    f.sessions = vec![s];
    f
}

#[test]
fn the_progress_screen_draws_the_plans_band_flags_behind_and_shows_numbers_and_notes() {
    let mut a = app(behind());
    press(&mut a, KeyCode::Enter); // the only patient
    press(&mut a, KeyCode::Char('v'));
    for (w, h) in [(80, 24), (120, 40)] {
        let s = screen(&a, w, h);
        assert!(s.contains("Berg over time"), "{s}");
        assert!(
            s.contains("behind forecast: 33 on 2026-11-01, band 40.1"),
            "{s}"
        );
        // Dates on the axis, from the plan's day 0.
        assert!(s.contains("2026-09-01"), "{s}");
        assert!(s.contains("progress"), "{s}");
    }
    snap_both("progress_chart", &a);
    // The numbers, one key away, with the session notes.
    press(&mut a, KeyCode::Char('n'));
    let s = screen(&a, 80, 24);
    let nov = s
        .lines()
        .find(|l| l.contains("2026-11-01"))
        .unwrap_or_else(|| panic!("{s}"));
    assert!(nov.contains("33"), "{nov}");
    assert!(s.contains("dizzy after the turns"), "{s}");
    snap_both("progress_numbers", &a);
    // TUG: lower is better; the other measure is one key away.
    press(&mut a, KeyCode::Right);
    assert!(screen(&a, 80, 24).contains("TUG"));
    // Back on the overview, the plan says the patient is behind, and what to consider.
    press(&mut a, KeyCode::Esc);
    let s = screen(&a, 80, 24);
    assert!(s.contains("▲ behind: reassess, change protocol?"), "{s}");
    snap_both("overview_behind", &a);
}

/// Issue 14.5: a patient who did 45 minutes in each of the last three sessions is offered 45, not the protocol's 60
/// (the repetitions stay the protocol's target, 300); with fewer sessions, the protocol's dose.
#[test]
fn the_session_form_offers_the_dose_the_patient_actually_does() {
    let mut f = clinic();
    f.protocols = true;
    f.patients.retain(|p| p.code == "P-0107");
    f.plans.retain(|p| p.patient_code == "P-0107");
    f.assessments.retain(|a| a.patient_code == "P-0107");
    f.sessions = vec![session(
        "P-0107",
        "2026-11-16 10:00",
        "task-specific-300",
        240,
        3,
    )];
    let mut a = app(f.clone());
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('L'));
    assert_eq!(field_value(&a, "Minutes"), "60");
    assert_eq!(field_value(&a, "Repetitions"), "300");
    f.sessions.extend([
        session("P-0107", "2026-11-17 10:00", "task-specific-300", 260, 3),
        session("P-0107", "2026-11-18 10:00", "task-specific-300", 250, 3),
    ]);
    let mut a = app(f);
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('L'));
    assert_eq!(field_value(&a, "Minutes"), "45");
    assert_eq!(field_value(&a, "Repetitions"), "300");
}
