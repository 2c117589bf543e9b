//! TUI tests of the forms that add a record: assessment, session, new patient, and
//! drafts kept when the terminal goes away (snapshots at 80x24 and 120x40, and flows that save).

use praxis::domain::*;
use praxis::store::Store;
use praxis::tui::app::{App, Msg};
use ratatui::crossterm::event::KeyCode;

mod common;
use common::tui::*;
use common::{ctrl, press, screen, typ};

fn snap_both(name: &str, app: &App) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(app, 80, 24));
    insta::assert_snapshot!(format!("{name}_120x40"), screen(app, 120, 40));
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
fn a_draft_from_an_older_form_layout_is_not_reopened() {
    let mut a = app(clinic());
    let mut form = praxis::tui::forms::Form::edit_patient(&clinic().patients[0]).to_draft();
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

/// A draft file exactly as the build before the forms were split wrote it (`serde_json::to_string_pretty` of
/// `Draft { saved_at, form }`, the form's fields in declaration order), offered and reopened.
fn reopen_kept_draft(form_json: &str) -> App {
    use praxis::tui::drafts;
    let dir = tempfile::tempdir().unwrap();
    let path = drafts::path_in(dir.path(), &dir.path().join("praxis.db"));
    let json = format!("{{\n  \"saved_at\": \"2026-11-20T14:05:00\",\n  \"form\": {form_json}\n}}");
    std::fs::write(&path, json).unwrap();
    let mut a = app(clinic());
    a.offer_draft(drafts::load(&path).unwrap().unwrap(), path.clone());
    assert!(screen(&a, 80, 24).contains("left open at 2026-11-20 14:05"));
    press(&mut a, KeyCode::Enter);
    assert!(!path.exists(), "reopened, the draft goes");
    a
}

#[test]
fn drafts_in_the_format_written_before_the_forms_split_reopen_into_each_form() {
    let field = |t: &str| {
        format!(
            "{{\"text\": {t:?}, \"cursor\": {}, \"fresh\": {}}}",
            t.chars().count(),
            !t.is_empty()
        )
    };
    let fields = |ts: &[&str]| {
        let v: Vec<String> = ts.iter().map(|t| field(t)).collect();
        format!("[{}]", v.join(", "))
    };
    let form = |kind: &str,
                code: &str,
                choices: &str,
                choice: usize,
                rows: &[&str],
                focus: usize,
                rest: &str| {
        format!(
            r#"{{"kind": "{kind}", "patient_code": "{code}", "choices": {choices}, "choice": {choice},
              "fields": {}, "focus": {focus}, "tried": false, "save_error": null, {rest}}}"#,
            fields(rows)
        )
    };
    let none =
        r#""last_scores": [], "original": null, "theirs": null, "plan": null, "theirs_plan": null"#;

    // Assessment: the instrument is the choice (row 0, an empty text), then score, date, assessor, notes.
    let mut a = reopen_kept_draft(&form(
        "Assessment",
        "P-0107",
        r#"["arat", "fma_ue", "bbs"]"#,
        1,
        &["", "41", "2026-11-19", "Sam Lee", "after lunch"],
        3,
        r#""last_scores": [["fma_ue", 36.0, "2026-11-15"]], "original": null, "theirs": null, "plan": null, "theirs_plan": null, "opened_on": "2026-11-20""#,
    ));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("New assessment · P-0107") && s.contains("◀ FMA-UE ▶"),
        "{s}"
    );
    assert!(s.contains("last 36 (2026-11-15)"), "{s}");
    assert_eq!(field_value(&a, "Assessor"), "Sam Lee");
    assert!(s.contains("▶ Assessor"), "the focus is kept: {s}");
    ctrl(&mut a, 's');
    let saved = a.source().detail("P-0107").unwrap();
    let last = saved.assessments.last().unwrap();
    assert_eq!(
        (
            last.instrument.as_str(),
            last.score,
            last.date,
            last.assessor.as_deref(),
            last.notes.as_str()
        ),
        (
            "fma_ue",
            41.0,
            d("2026-11-19"),
            Some("Sam Lee"),
            "after lunch"
        )
    );

    // Session: eight typed rows.
    let mut a = reopen_kept_draft(&form(
        "Session",
        "P-0107",
        "[]",
        0,
        &[
            "task-specific-300",
            "2026-11-20 09:15",
            "45",
            "250",
            "3",
            "70",
            "6",
            "tired",
        ],
        7,
        &format!(r#"{none}, "opened_on": "2026-11-20""#),
    ));
    assert!(screen(&a, 120, 40).contains("Log a session · P-0107"));
    assert_eq!(field_value(&a, "Repetitions"), "250");
    ctrl(&mut a, 's');
    let saved = a.source().detail("P-0107").unwrap();
    let s = saved
        .sessions
        .iter()
        .find(|s| s.notes == "tired")
        .expect("the session is saved");
    assert_eq!(
        (
            s.started_at,
            s.minutes,
            s.repetitions,
            s.level,
            s.success_rate,
            s.rpe
        ),
        (dt("2026-11-20 09:15"), 45, 250, Some(3), Some(0.7), Some(6))
    );

    // New patient: the condition is the choice.
    let mut a = reopen_kept_draft(&form(
        "NewPatient",
        "",
        r#"["stroke", "parkinsons", "cerebellar_ataxia", "older_adult"]"#,
        1,
        &["", "P-0200", "1950", "Eve Fox", ""],
        2,
        &format!(r#"{none}, "opened_on": null"#),
    ));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("New patient") && s.contains("◀ Parkinson's"),
        "{s}"
    );
    ctrl(&mut a, 's');
    let p = a
        .source()
        .detail("P-0200")
        .expect("the patient is saved")
        .patient;
    assert_eq!((p.birth_year, p.name.as_deref()), (1950, Some("Eve Fox")));
    assert_eq!(p.condition.kind(), ConditionKind::Parkinsons);

    // Patient editor: profile, the condition (its id in the row's text), its facts; the record as read.
    let original = r#"{"id": 4, "code": "P-0090", "name": "Dora Ellis", "birth_year": 1945, "dominant_hand": "right",
        "affected_side": "right", "condition": {"kind": "older_adult", "falls_last_year": 2}, "notes": "",
        "created_at": "", "updated_at": "", "version": 1}"#;
    let mut a = reopen_kept_draft(&form(
        "EditPatient",
        "P-0090",
        r#"["stroke", "parkinsons", "cerebellar_ataxia", "older_adult"]"#,
        3,
        &[
            "Dora Ellis",
            "1945",
            "female",
            "right",
            "right",
            "",
            "older_adult",
            "3",
        ],
        7,
        &format!(
            r#""last_scores": [], "original": {original}, "theirs": null, "plan": null, "theirs_plan": null, "opened_on": null"#
        ),
    ));
    assert!(screen(&a, 120, 40).contains("Edit patient · P-0090"));
    // The focus is kept on the fact (its values are hinted while it has the focus).
    assert_eq!(field_value(&a, "Falls, 1 yr"), "3   0-365");
    assert_eq!(field_value(&a, "Sex"), "female");
    ctrl(&mut a, 's');
    let p = a.source().detail("P-0090").unwrap().patient;
    assert_eq!(p.sex, Some(Sex::Female));
    assert_eq!(
        p.condition,
        Condition::OlderAdult(OlderAdultFacts {
            falls_last_year: Some(3)
        })
    );

    // Plan editor: the protocol is the choice; the plan as read.
    let plan = r#"{"id": 1, "patient_code": "P-0107", "protocol_id": "task-specific-300", "start_date": "2026-10-05",
        "goal": "drink from a cup with the right hand by week 8", "status": "active", "version": 1}"#;
    let mut a = reopen_kept_draft(&form(
        "EditPlan",
        "P-0107",
        r#"["task-specific-300", "usual-care"]"#,
        0,
        &[
            "task-specific-300",
            "2026-10-05",
            "walk to the shop by week 10",
            "active",
        ],
        2,
        &format!(
            r#""last_scores": [], "original": null, "theirs": null, "plan": {plan}, "theirs_plan": null, "opened_on": "2026-11-20""#
        ),
    ));
    let s = screen(&a, 120, 40);
    assert!(
        s.contains("Edit plan · P-0107") && s.contains("◀ task-specific-300 ▶"),
        "{s}"
    );
    assert_eq!(field_value(&a, "Goal"), "walk to the shop by week 10");
    ctrl(&mut a, 's');
    let plan = a.source().detail("P-0107").unwrap().plan.unwrap();
    assert_eq!(
        (
            plan.protocol_id.as_str(),
            plan.goal.as_str(),
            plan.start_date
        ),
        (
            "task-specific-300",
            "walk to the shop by week 10",
            d("2026-10-05")
        )
    );
}

#[test]
fn a_draft_this_build_keeps_has_the_shape_older_builds_read() {
    // An older Praxis reads a draft as its one `Form` struct: these keys, with every row's text in `fields` (the
    // choice row's too), so a draft kept now still reopens there. The first patient is P-0044 (Parkinson's: the
    // editor's seven profile rows and three facts).
    let keys = [
        "kind",
        "patient_code",
        "choices",
        "choice",
        "fields",
        "focus",
        "tried",
        "save_error",
        "last_scores",
        "original",
        "theirs",
        "plan",
        "theirs_plan",
        "opened_on",
    ];
    for (key, kind, rows) in [
        ('a', "Assessment", 5),
        ('L', "Session", 8),
        ('e', "EditPatient", 10),
        ('P', "EditPlan", 4),
    ] {
        let mut a = app(clinic());
        press(&mut a, KeyCode::Enter);
        press(&mut a, KeyCode::Char(key));
        let json = serde_json::to_value(a.draft().expect("a form is open")).unwrap();
        let form = json["form"].as_object().unwrap();
        assert_eq!(form.keys().collect::<Vec<_>>().len(), keys.len(), "{kind}");
        for k in keys {
            assert!(form.contains_key(k), "{kind}: no {k}");
        }
        assert_eq!(form["kind"], kind);
        assert_eq!(
            form["fields"].as_array().map(Vec::len),
            Some(rows),
            "{kind}"
        );
        assert!(json["saved_at"].is_string());
    }
}

/// The line under the score (range, direction, MCID, last score), at 120 columns.
fn score_hint(a: &App) -> String {
    let s = screen(a, 120, 40);
    s.lines()
        .find(|l| l.contains("higher is better"))
        .unwrap_or_else(|| panic!("no score hint:\n{s}"))
        .trim_matches(|c: char| c == '│' || c.is_whitespace())
        .to_string()
}

#[test]
fn a_reopened_draft_shows_the_mcid_of_the_patients_phase() {
    // P-0107 is 45 days after stroke: subacute, so FMA-UE's MCID is the subacute one (9), not the chronic 5.25.
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('a'));
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Right); // arat -> fma_ue
    press(&mut a, KeyCode::Down);
    typ(&mut a, "3");
    let from_overview = score_hint(&a);
    assert!(from_overview.contains("MCID 9"), "{from_overview}");
    a.update(Msg::Hangup);
    let draft = a.draft().expect("the open form is the draft");
    // Next start, from the patient list: the same form, the same figure and the same last score.
    let mut b = app(clinic());
    b.offer_draft(draft, std::path::PathBuf::from("/nonexistent/draft.json"));
    press(&mut b, KeyCode::Enter);
    let reopened = score_hint(&b);
    assert_eq!(reopened, from_overview);
    assert!(!reopened.contains("5.25"), "{reopened}");
}

#[test]
fn enter_never_confirms_a_value_that_looks_wrong() {
    let mut a = app(clinic());
    press(&mut a, KeyCode::Char('G'));
    press(&mut a, KeyCode::Char('a'));
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Right); // FMA-UE: last 36, five days ago
    press(&mut a, KeyCode::Down);
    typ(&mut a, "14");
    focus_field(&mut a, "Notes");
    let saved = |a: &App| a.source().detail("P-0107").unwrap().assessments.len();
    press(&mut a, KeyCode::Enter);
    assert_eq!(saved(&a), 6, "asked first");
    let s = screen(&a, 80, 24);
    assert!(s.contains("this looks wrong"), "{s}");
    assert!(s.contains("y or Ctrl-S again saves it anyway"), "{s}");
    assert!(s.contains("n or Esc keeps editing"), "{s}");
    assert!(
        footer_at_80(&a).contains("save anyway"),
        "{}",
        footer_at_80(&a)
    );
    // The tester's walk: Esc (back to editing), Esc (discard?), n (keep editing), Enter on the last field.
    press(&mut a, KeyCode::Esc);
    assert!(!screen(&a, 80, 24).contains("this looks wrong"));
    press(&mut a, KeyCode::Esc);
    assert!(screen(&a, 80, 24).contains("Discard the changes?"));
    press(&mut a, KeyCode::Char('n'));
    press(&mut a, KeyCode::Enter);
    assert_eq!(saved(&a), 6, "Enter asked again rather than saving");
    assert!(screen(&a, 80, 24).contains("this looks wrong"));
    // Enter while the warning is shown asks again; it never saves.
    press(&mut a, KeyCode::Enter);
    assert_eq!(saved(&a), 6);
    assert!(screen(&a, 80, 24).contains("this looks wrong"));
    // y, the warning's own key, saves it.
    press(&mut a, KeyCode::Char('y'));
    let det = a.source().detail("P-0107").unwrap();
    assert_eq!(det.assessments.len(), 7);
    assert_eq!(det.assessments.last().unwrap().score, 14.0);
}
