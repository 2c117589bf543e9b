//! TUI tests of the patient list and the overview: whole-screen snapshots on ratatui's TestBackend driven by key
//! events, at 80x24 and 120x40, over fixtures with fixed dates, and what a user who may only read is offered.

use praxis::domain::*;
use praxis::store::Store;
use praxis::tui::app::{App, Msg};
use praxis::tui::data::Source;
use praxis::tui::theme::Theme;
use ratatui::crossterm::event::{Event, KeyCode, KeyEventKind};
use ratatui::style::{Color, Modifier};

mod common;
use common::fixture::Fixture;
use common::tui::*;
use common::{ctrl, press, screen, typ};

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
        s.contains("4 patients · R reassess 2 · S no session 1"),
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
    // MDS-UPDRS III 31 -> 29: a gain of 2 points (an improvement, shown +2 as on the comparison), short of the
    // MCID 3.25.
    let l = s.lines().find(|l| l.contains("UPDRS-III")).unwrap();
    assert!(
        l.contains("+2") && !l.contains("-2") && l.contains("not yet"),
        "{l}"
    );
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

/// A plan nearing its end is flagged with what to consider (issue 14.5), in the detail pane at 120x40; when the
/// calendar ends with more than a week of the plan's sessions left, it says how many instead (QA 19).
#[test]
fn store_a_plan_ending_says_what_to_consider() {
    let (_dir, path) = demo_db();
    let mut a = store_app(&path);
    press(&mut a, KeyCode::Char('/'));
    typ(&mut a, "P-0123");
    press(&mut a, KeyCode::Enter);
    let detail = |a: &App| {
        let s = screen(a, 120, 40);
        let flat: String = s
            .lines()
            .map(|l| l.rsplit('│').nth(1).unwrap_or("").trim())
            .collect::<Vec<_>>()
            .join(" ");
        let row = s
            .lines()
            .find(|l| l.contains("> ") && l.contains("P-0123"))
            .unwrap_or_default()
            .to_string();
        (s, flat, row)
    };
    // Behind: three sessions a week of the five planned, 17 of the 30 left as its six weeks end.
    let (s, flat, row) = detail(&a);
    assert!(
        flat.contains("L 17 of 30 sessions left as the plan's weeks end, more than a week of them: behind schedule; continue the plan, or reassess and change it"),
        "{s}"
    );
    assert!(!flat.contains("E plan ends"), "{s}");
    assert!(row.contains("··L"), "{row}\n{s}");
    // Another therapist logs the sessions missed: 14 more, 3 left, the block is ending as planned.
    let mut other = Store::open(&path).unwrap();
    for k in 0..14 {
        let day = d("2026-10-14") + chrono::Duration::days(2 * k);
        let when = format!("{day} 17:30");
        other
            .add_session(&session("P-0123", &when, "usual-care", 40, 3))
            .unwrap();
    }
    assert!(a.update(Msg::DataChanged));
    let (s, flat, row) = detail(&a);
    assert!(
        flat.contains("E plan ends within a week, or has run its course: reassess, then continue, progress or change the protocol"),
        "{s}"
    );
    assert!(!flat.contains("sessions left"), "{s}");
    assert!(row.contains("··E"), "{row}\n{s}");
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
fn demo_flags_each_mean_something_on_any_day() {
    // Each flag is on some demo patients and not on others, whatever the weekday or the date of loading (the store
    // refuses onset dates after the real today, so the dates are past ones).
    use praxis::tui::list::Flag;
    let lib = praxis::app::protocols::Library::builtin();
    // P-0123's usual-care block is in its last week by the calendar, but with three sessions a week of the five it
    // plans, more than a week of its sessions is left (QA 19): "sessions left", not "plan ending".
    let expected = [
        ("P-0011", vec![Flag::ReassessmentDue]),
        ("P-0044", vec![]),
        ("P-0052", vec![Flag::NoRecentSession]),
        ("P-0090", vec![]),
        ("P-0107", vec![]),
        ("P-0123", vec![Flag::SessionsLeft]),
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
                let code = r.patient.code.as_str();
                let f = praxis::app::patients::row_flags(&store, &lib, r, code, today).unwrap();
                (code, f.flags)
            })
            .collect();
        let want: Vec<(&str, Vec<Flag>)> = expected.iter().map(|(c, f)| (*c, f.clone())).collect();
        assert_eq!(got, want, "demo loaded on {today}");
    }
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
