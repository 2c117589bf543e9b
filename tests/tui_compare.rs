//! TUI tests of forecasts and comparisons: choosing protocols, the running forecast, the result, the protocol
//! browser and setting a plan from the ranking.

use praxis::store::Store;
use praxis::tui::app::{App, Msg};
use praxis::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;

mod common;
use common::tui::*;
use common::{ctrl, press, screen, typ};

fn snap_both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40));
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
    assert!(s.contains("Ranking by UPDRS-III at 3 months"), "{s}");
    for id in ["lsvt-big", "balance-gait-older", "usual-care"] {
        assert!(s.contains(id), "{id} missing from the result:\n{s}");
    }
    // The axis is named under the chart, not over the curves.
    assert!(s.contains("x: days from the last assessment"), "{s}");
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
    // The worker reports progress; the UI thread stays free. (The list's flags, worked out in the background
    // while it was on top, may report first.)
    let msg = loop {
        match rx.recv_timeout(std::time::Duration::from_secs(5)).unwrap() {
            Msg::StandingDone { .. } => continue,
            m => break m,
        }
    };
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
    assert!(
        s.contains('*'),
        "each protocol's own mark draws its curve:\n{s}"
    );
    let t = terminal(&a, 80, 24);
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
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

/// Issue 14.1: the ranking is read at a follow-up the therapist cycles (3 months, 6 months, 6 weeks) with no
/// treatment as a row of its own; every protocol is read on the same days, and the MCID is the overview's.
#[test]
fn store_comparison_reads_every_protocol_at_the_follow_up_picked() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0107");
    // The overview's ARAT row: its figure is the subacute one, as the forecast's, Lang 2008's MCID (not an MDC).
    let overview = screen(&a, 120, 40);
    let arat = overview
        .lines()
        .find(|l| l.contains("ARAT"))
        .unwrap_or_default()
        .to_string();
    assert!(arat.contains(" 12 ") && !arat.contains("12 MDC"), "{arat}");
    press(&mut a, KeyCode::Char('c'));
    while !screen(&a, 80, 24).contains("> [ ] usual-care") {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char(' '));
    press(&mut a, KeyCode::Enter);
    let s = screen(&a, 80, 24);
    assert!(s.contains("Ranking by ARAT at 3 months (day 90)"), "{s}");
    assert!(s.contains("follow-up 3 months (f)"), "{s}");
    assert!(s.contains("- - no treatment"), "{s}");
    assert!(s.contains("Day 90"), "{s}");
    // The conclusion comes first, right under the ranking, even at 80x24.
    assert!(s.contains("The model favours"), "{s}");
    let wide = screen(&a, 120, 40);
    assert!(wide.contains("MCID of 12 (subacute, Lang 2008)"), "{wide}");
    snap_both("compare_follow_up_3_months", &a);
    press(&mut a, KeyCode::Char('f'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("Ranking by ARAT at 6 months (day 180)"), "{s}");
    assert!(s.contains("Day 180"), "{s}");
    snap_both("compare_follow_up_6_months", &a);
    press(&mut a, KeyCode::Char('f'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("Ranking by ARAT at 6 weeks (day 42)"), "{s}");
    assert!(s.contains("Day 42"), "{s}");
    press(&mut a, KeyCode::Char('f'));
    assert!(screen(&a, 80, 24).contains("at 3 months (day 90)"));
    // No line of the screen runs past 80 columns, and the head line is whole.
    for l in screen(&a, 80, 24).lines() {
        assert!(l.chars().count() <= 80, "{l}");
    }
}

/// QA 14: at 80x24 the chart gets the rows (the reasons take turns with it, Tab switching), its axis is named under
/// it and its day ticks are round.
#[test]
fn store_chart_gets_the_rows_at_80x24_and_reasons_take_turns() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('f'));
    let s = screen(&a, 80, 24);
    let lines: Vec<&str> = s.lines().collect();
    let top = lines
        .iter()
        .position(|l| l.contains("marks as ranked"))
        .unwrap_or_else(|| panic!("no chart:\n{s}"));
    let bottom = lines
        .iter()
        .position(|l| l.contains("x: days from the last assessment"))
        .unwrap_or_else(|| panic!("no axis names under the chart:\n{s}"));
    // Between the frame's lines: the plot, its axis and the tick labels.
    assert!(
        bottom - top > 9,
        "the chart is {} rows:\n{s}",
        bottom - top - 1
    );
    // The tick labels are whole multiples of a round step.
    let ticks: Vec<i64> = lines[bottom - 1]
        .trim_matches(|c: char| c == '│' || c.is_whitespace())
        .split_whitespace()
        .map(|t| t.parse().unwrap_or_else(|_| panic!("tick {t:?}:\n{s}")))
        .collect();
    assert_eq!(ticks.len(), 3, "{s}");
    assert!(ticks.iter().all(|t| t % 7 == 0 || t % 10 == 0), "{ticks:?}");
    assert!(s.contains("Tab: reasons"), "{s}");
    press(&mut a, KeyCode::Tab);
    let s = screen(&a, 80, 24);
    assert!(s.contains("Conclusion and reasons"), "{s}");
    assert!(!s.contains("marks as ranked"), "{s}");
    press(&mut a, KeyCode::Tab);
    assert!(screen(&a, 80, 24).contains("marks as ranked"));
}
