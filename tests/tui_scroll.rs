//! Issue 14.2: the reasons under a comparison (at 80x24 in turn with the chart, Tab) scroll (PgUp/PgDn/Home/End), and when they do not fit,
//! the last line says so instead of ending mid-sentence unseen.

use ratatui::crossterm::event::KeyCode;

mod common;
use common::tui::*;
use common::{press, screen};

/// The reasons' hint, the line that starts ▼ or ▲ when they scroll ("" when there is none).
fn hint(s: &str) -> String {
    s.lines()
        .find(|l| l.starts_with('▼') || l.starts_with('▲'))
        .unwrap_or_default()
        .to_string()
}

#[test]
fn store_reasons_under_a_comparison_scroll_at_80x24() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('f'));
    // At 80x24 the chart and the reasons take turns (QA 14: the chart gets the rows); Tab shows the reasons.
    assert!(screen(&a, 80, 24).contains("Tab: reasons"));
    press(&mut a, KeyCode::Tab);
    let first = screen(&a, 80, 24);
    assert!(first.contains("Ranking by"), "{first}");
    assert!(first.contains("Conclusion and reasons"), "{first}");
    assert!(
        hint(&first).contains("more lines of reasons below"),
        "{first}"
    );
    assert!(hint(&first).contains("PgDn"), "{first}");
    press(&mut a, KeyCode::End);
    let end = screen(&a, 80, 24);
    assert!(hint(&end).contains("end of the reasons"), "{end}");
    assert_ne!(first, end, "End shows the later reasons");
    insta::assert_snapshot!("compare_reasons_end_80x24", end);
    press(&mut a, KeyCode::Home);
    assert_eq!(
        screen(&a, 80, 24),
        first,
        "Home goes back to the first reason"
    );
    press(&mut a, KeyCode::PageDown);
    let paged = screen(&a, 80, 24);
    assert_ne!(paged, first, "PgDn scrolls");
    press(&mut a, KeyCode::PageUp);
    assert_eq!(screen(&a, 80, 24), first, "PgUp scrolls back");
    // Every footer still fits 80 columns.
    assert!(
        screen(&a, 80, 24)
            .lines()
            .last()
            .unwrap_or("")
            .chars()
            .count()
            <= 80
    );
}

/// The protocol's description in the picker scrolls the same way, with the same hint (one widget).
#[test]
fn store_protocol_description_in_the_picker_scrolls_at_80x24() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0044");
    press(&mut a, KeyCode::Char('c'));
    let first = screen(&a, 80, 24);
    let hint_of = |s: &str| {
        s.lines()
            .find(|l| l.contains('▼') || l.contains('▲'))
            .unwrap_or_default()
            .to_string()
    };
    assert!(hint_of(&first).contains("more lines"), "{first}");
    assert!(hint_of(&first).contains("PgDn"), "{first}");
    press(&mut a, KeyCode::End);
    let end = screen(&a, 80, 24);
    assert!(hint_of(&end).contains("▲ end"), "{end}");
    assert_ne!(first, end, "End shows the rest of the description");
    press(&mut a, KeyCode::Home);
    assert_eq!(screen(&a, 80, 24), first, "Home goes back to the top");
    press(&mut a, KeyCode::PageDown);
    assert_ne!(screen(&a, 80, 24), first, "PgDn scrolls");
    // Moving to another protocol starts its description at the top.
    press(&mut a, KeyCode::Down);
    let other = screen(&a, 80, 24);
    assert!(hint_of(&other).contains('▼'), "{other}");
}

/// The records screen's line about the selected record ends with its keys, whole at 80 columns (it wraps to a
/// second line rather than ending in "…").
#[test]
fn store_records_hint_is_whole_at_80_columns() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    open_patient(&mut a, "P-0107");
    press(&mut a, KeyCode::Char('r'));
    let s = screen(&a, 80, 24);
    let joined = s.lines().map(str::trim_end).collect::<Vec<_>>().join(" ");
    assert!(joined.contains("voids it; both ask why."), "{s}");
}
