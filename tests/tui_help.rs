//! TUI tests of the overlays: help (from the keymap), warnings and access, and help over an edit conflict.

use praxis::store::Store;
use praxis::tui::app::App;
use ratatui::crossterm::event::KeyCode;

mod common;
use common::fixture::Fixture;
use common::tui::*;
use common::{ctrl, press, screen};

fn snap_both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40));
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
fn help_over_an_edit_conflict_lists_the_conflict_keys() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    edit_notes(&mut a, "P-0044", "mine");
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

/// Issue 14.2: the overview's help is taller than 80x24; it says so, and scrolls to its last row and back.
#[test]
fn help_taller_than_the_screen_scrolls_to_its_last_row() {
    let mut a = app(clinic());
    open_patient(&mut a, "P-0107");
    press(&mut a, KeyCode::Char('?'));
    let s = screen(&a, 80, 24);
    assert!(s.contains("Help: Patient overview"), "{s}");
    assert!(s.contains("more lines of keys below"), "{s}");
    assert!(!s.contains("quit now (always)"), "{s}");
    // A long description wraps under itself instead of being cut.
    assert!(s.contains("records: every assessment and session"), "{s}");
    press(&mut a, KeyCode::End);
    let s = screen(&a, 80, 24);
    assert!(s.contains("quit now (always)"), "{s}");
    assert!(s.contains("end of the keys"), "{s}");
    snap_both("help_scrolled_to_the_end", &a);
    // A line at a time, and a page back up to the first row.
    press(&mut a, KeyCode::Char('k'));
    assert!(screen(&a, 80, 24).contains("more lines of keys below"));
    press(&mut a, KeyCode::PageUp);
    press(&mut a, KeyCode::PageUp);
    let s = screen(&a, 80, 24);
    assert!(s.contains("previous row"), "{s}");
    // Scrolling keys do not close it; Esc does, and the next help starts at the top.
    press(&mut a, KeyCode::End);
    press(&mut a, KeyCode::Esc);
    assert!(!screen(&a, 80, 24).contains("Help:"));
    press(&mut a, KeyCode::Char('?'));
    assert!(screen(&a, 80, 24).contains("previous row"));
}
