//! One set of rules for every entry point: the same bad value sent through the store, the command line, CSV import
//! and the TUI forms is refused by each, with the same words naming the field; values that only look wrong need
//! `--force` (or a second Ctrl-S); the instrument picker's type-ahead accumulates letters.

use chrono::{Duration, Local, NaiveDate, NaiveDateTime};
use praxis::app::protocols::Library;
use praxis::domain::*;
use praxis::store::{Store, StoreError};
use praxis::tui::app::{App, Ctx};
use praxis::tui::theme::Theme;
use ratatui::crossterm::event::KeyCode;

mod common;
use common::fixture::Fixture;
use common::{Env, ctrl, press, screen, typ};

const CODE: &str = "P-0001";
const BIRTH_YEAR: i32 = 1950;

fn now() -> NaiveDateTime {
    Local::now().naive_local()
}

fn today() -> NaiveDate {
    now().date()
}

/// The stroke's onset: 100 days ago.
fn onset() -> NaiveDate {
    today() - Duration::days(100)
}

fn patient() -> Patient {
    common::patient(CODE)
        .born(BIRTH_YEAR)
        .condition(Condition::Stroke(StrokeFacts {
            onset_date: Some(onset()),
            ..Default::default()
        }))
        .build()
}

/// A bad value: an assessment or a session, the field the rules name, and a piece of the message every entry point
/// must show.
enum Bad {
    Assessment {
        instrument: &'static str,
        score: &'static str,
        date: NaiveDate,
    },
    Session {
        protocol: &'static str,
        at: NaiveDateTime,
        minutes: u32,
        reps: u32,
        level: u32,
    },
}

struct Case {
    name: &'static str,
    bad: Bad,
    field: &'static str,
    says: String,
}

fn cases() -> Vec<Case> {
    let ok_time = today().and_hms_opt(0, 0, 0).unwrap() - Duration::days(1) + Duration::hours(9);
    let session = |protocol, at, minutes, reps, level| Bad::Session {
        protocol,
        at,
        minutes,
        reps,
        level,
    };
    let assessment = |instrument, score, date| Bad::Assessment {
        instrument,
        score,
        date,
    };
    let tomorrow = today() + Duration::days(1);
    let before_onset = onset() - Duration::days(1);
    vec![
        Case {
            name: "assessment dated tomorrow",
            bad: assessment("fma_ue", "30", tomorrow),
            field: "date",
            says: format!("date {tomorrow} is in the future"),
        },
        Case {
            name: "assessment before the stroke",
            bad: assessment("fma_ue", "30", before_onset),
            field: "date",
            says: format!(
                "date {before_onset} is before {CODE}'s stroke onset {}",
                onset()
            ),
        },
        Case {
            name: "Hoehn & Yahr between stages",
            bad: assessment("hoehn_yahr", "2.2", today()),
            field: "score",
            says: "Hoehn & Yahr stage is one of 0, 1, 1.5, 2, 2.5, 3, 4, 5".into(),
        },
        Case {
            name: "TUG faster than anyone",
            bad: assessment("tug_s", "1.5", today()),
            field: "score",
            says: "TUG 1.5 s is faster than anyone completes it".into(),
        },
        Case {
            name: "misspelt protocol",
            bad: session("usual-cares", ok_time, 45, 100, 1),
            field: "protocol",
            says: "unknown protocol \"usual-cares\"".into(),
        },
        Case {
            name: "level above the protocol's",
            bad: session("cimt", ok_time, 45, 100, 11),
            field: "level",
            says: "level must be 1-10: 10 is cimt's highest level; got 11".into(),
        },
        Case {
            name: "more repetitions than a person can make",
            bad: session("cimt", ok_time, 45, 5000, 1),
            field: "repetitions",
            says: "repetitions: 5000 in 45 min is more than anyone can make".into(),
        },
        Case {
            name: "session tomorrow",
            bad: session("cimt", ok_time + Duration::days(2), 45, 100, 1),
            field: "date",
            says: format!(
                "date {} is in the future",
                (ok_time + Duration::days(2)).date()
            ),
        },
    ]
}

// ---------------------------------------------------------------------------------------------------------------
// The four entry points.

fn store_refusal(dir: &tempfile::TempDir, bad: &Bad) -> (String, String) {
    let mut store = Store::open(&dir.path().join("store.db")).unwrap();
    store.set_protocols(Library::builtin().rules());
    if store.patient(CODE).is_err() {
        store.add_patient(&patient()).unwrap();
    }
    let err = match bad {
        Bad::Assessment {
            instrument,
            score,
            date,
        } => store
            .add_assessment(&Assessment {
                id: 0,
                patient_code: CODE.into(),
                instrument: (*instrument).into(),
                score: score.parse().unwrap(),
                date: *date,
                assessor: None,
                notes: String::new(),
                med_state: None,
            })
            .unwrap_err(),
        Bad::Session {
            protocol,
            at,
            minutes,
            reps,
            level,
        } => store
            .add_session(&SessionLog {
                id: 0,
                patient_code: CODE.into(),
                started_at: *at,
                protocol_id: (*protocol).into(),
                minutes: *minutes,
                repetitions: *reps,
                level: Some(*level),
                success_rate: None,
                rpe: None,
                notes: String::new(),
                clinician: None,
            })
            .unwrap_err(),
    };
    match err {
        StoreError::Rule(e) => (e.field.to_string(), e.message),
        other => panic!("not a rule error: {other}"),
    }
}

/// A database on the command line holding the stroke patient.
fn cli() -> Env {
    let cli = Env::new();
    let onset = onset().to_string();
    let by = BIRTH_YEAR.to_string();
    let out = cli
        .cmd(&[
            "patient",
            "add",
            "--code",
            CODE,
            "--birth-year",
            &by,
            "--condition",
            "stroke",
            "--onset",
            &onset,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    cli
}

fn history_len(cli: &Env) -> usize {
    let out = cli.ok(&["history", CODE, "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v.as_array().map_or(0, Vec::len)
}

fn cli_refusal(cli: &Env, bad: &Bad) -> String {
    match bad {
        Bad::Assessment {
            instrument,
            score,
            date,
        } => {
            let date = date.to_string();
            cli.fails_status_1(&["assess", CODE, instrument, score, "--date", &date])
        }
        Bad::Session {
            protocol,
            at,
            minutes,
            reps,
            level,
        } => {
            let (date, time) = (
                at.format("%Y-%m-%d").to_string(),
                at.format("%H:%M").to_string(),
            );
            let (m, r, l) = (minutes.to_string(), reps.to_string(), level.to_string());
            cli.fails_status_1(&[
                "log",
                CODE,
                "--protocol",
                protocol,
                "--date",
                &date,
                "--time",
                &time,
                "--minutes",
                &m,
                "--reps",
                &r,
                "--level",
                &l,
            ])
        }
    }
}

/// CSV import takes assessments only.
fn import_refusal(cli: &Env, bad: &Bad) -> Option<String> {
    let Bad::Assessment {
        instrument,
        score,
        date,
    } = bad
    else {
        return None;
    };
    let file = cli.dir.path().join("bad.csv");
    std::fs::write(
        &file,
        format!("patient_code,instrument,score,date\n{CODE},{instrument},{score},{date}\n"),
    )
    .unwrap();
    Some(cli.fails_status_1(&["import", "assessments", file.to_str().unwrap()]))
}

/// Replace the focused field's text.
fn retype(app: &mut App, text: &str) {
    ctrl(app, 'u');
    typ(app, text);
}

fn tui_app(now: NaiveDateTime) -> App {
    let mem = Fixture {
        patients: vec![Patient {
            version: 1,
            ..patient()
        }],
        protocols: true,
        ..Fixture::default()
    };
    App::new(
        Box::new(mem.source(now.date())),
        Ctx::new(Theme::default(), now),
    )
    .unwrap()
}

fn instrument_shown(app: &App) -> String {
    app.open_form()
        .and_then(|f| f.instrument())
        .map_or("?".into(), |i| i.id.to_string())
}

/// Type the value into the TUI's form, Ctrl-S, and return the form's refusal (nothing may be saved).
fn tui_refusal(bad: &Bad) -> String {
    let mut a = tui_app(now());
    match bad {
        Bad::Assessment {
            instrument,
            score,
            date,
        } => {
            press(&mut a, KeyCode::Char('a'));
            press(&mut a, KeyCode::Up); // the instrument
            typ(&mut a, instrument.split('_').next().unwrap());
            assert_eq!(instrument_shown(&a), *instrument);
            press(&mut a, KeyCode::Tab);
            retype(&mut a, score);
            press(&mut a, KeyCode::Tab);
            retype(&mut a, &date.to_string());
        }
        Bad::Session {
            protocol,
            at,
            minutes,
            reps,
            level,
        } => {
            press(&mut a, KeyCode::Char('L'));
            for _ in 0..3 {
                press(&mut a, KeyCode::Up);
            }
            for text in [
                protocol.to_string(),
                at.format("%Y-%m-%d %H:%M").to_string(),
                minutes.to_string(),
                reps.to_string(),
                level.to_string(),
            ] {
                retype(&mut a, &text);
                press(&mut a, KeyCode::Tab);
            }
        }
    }
    ctrl(&mut a, 's');
    let d = a.source().detail(CODE).unwrap();
    assert!(d.assessments.is_empty() && d.sessions.is_empty(), "saved");
    a.open_form()
        .and_then(|f| f.save_error.clone())
        .expect("the form says why it did not save")
}

#[test]
fn every_entry_point_refuses_the_same_bad_value_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let cli = cli();
    for case in cases() {
        let (field, store) = store_refusal(&dir, &case.bad);
        assert_eq!(field, case.field, "{}: store", case.name);
        assert!(
            store.contains(&case.says),
            "{}: store said {store:?}",
            case.name
        );
        let said = cli_refusal(&cli, &case.bad);
        assert!(
            said.contains(&case.says),
            "{}: CLI said {said:?}",
            case.name
        );
        if let Some(said) = import_refusal(&cli, &case.bad) {
            assert!(
                said.contains(&format!("line 2: {}", case.says)),
                "{}: import said {said:?}",
                case.name
            );
            assert!(said.contains("nothing was imported"), "{said}");
        }
        let said = tui_refusal(&case.bad);
        assert!(
            said.contains(&case.says),
            "{}: TUI said {said:?}",
            case.name
        );
    }
    assert_eq!(history_len(&cli), 0, "the CLI saved nothing");
}

#[test]
fn a_session_later_today_is_refused_everywhere() {
    // One hour ahead, or the end of today when that is tomorrow already: either way after now.
    let n = now();
    let later = (n + Duration::hours(1)).min(n.date().and_hms_opt(23, 59, 0).unwrap());
    if later.format("%H:%M").to_string() <= n.format("%H:%M").to_string() {
        // 23:59 now: nothing later today exists to try.
        return;
    }
    let bad = Bad::Session {
        protocol: "cimt",
        at: later,
        minutes: 45,
        reps: 100,
        level: 1,
    };
    let says = format!("time {} is later than now", later.format("%Y-%m-%d %H:%M"));
    let dir = tempfile::tempdir().unwrap();
    let (field, msg) = store_refusal(&dir, &bad);
    assert_eq!(field, "date");
    assert!(msg.contains(&says), "{msg}");
    let cli = cli();
    let err = cli_refusal(&cli, &bad);
    assert!(err.contains(&says), "{err}");
    let err = tui_refusal(&bad);
    assert!(err.contains(&says), "{err}");
}

#[test]
fn hoehn_yahr_half_stages_are_accepted_and_others_refused() {
    let cli = cli();
    let today = today().to_string();
    let err = cli.fails_status_1(&["assess", CODE, "hoehn_yahr", "2.2", "--date", &today]);
    assert!(err.contains("got 2.2"), "{err}");
    cli.ok(&["assess", CODE, "hoehn_yahr", "2.5", "--date", &today]);
    // The patient fact follows the same scale.
    let edit = |stage| {
        [
            "patient",
            "edit",
            CODE,
            "--condition",
            "parkinsons",
            "--hoehn-yahr",
            stage,
        ]
    };
    let err = cli.fails_status_1(&edit("3.5"));
    assert!(err.contains("Hoehn & Yahr stage is one of"), "{err}");
    cli.ok(&edit("2.5"));
    assert_eq!(history_len(&cli), 1);
}

#[test]
fn a_patient_code_differing_only_in_case_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("p.db")).unwrap();
    store.add_patient(&patient()).unwrap();
    let e = store
        .add_patient(&Patient {
            code: "p-0001".into(),
            ..patient()
        })
        .unwrap_err();
    let StoreError::Rule(e) = e else {
        panic!("not a rule error: {e}")
    };
    assert_eq!(e.field, "code");
    assert!(
        e.message
            .contains("differs from the existing patient P-0001 only in upper/lower case"),
        "{e}"
    );
    // The same code again is still "already exists".
    let e = store.add_patient(&patient()).unwrap_err();
    assert!(matches!(e, StoreError::Duplicate(_)), "{e}");
    // And from the command line.
    let cli = cli();
    let by = BIRTH_YEAR.to_string();
    let err = cli.fails_status_1(&[
        "patient",
        "add",
        "--code",
        "p-0001",
        "--birth-year",
        &by,
        "--condition",
        "stroke",
    ]);
    assert!(err.contains("only in upper/lower case"), "{err}");
}

#[test]
fn likely_slips_need_force_on_the_command_line_and_in_import() {
    let cli = cli();
    let d0 = (today() - Duration::days(3)).to_string();
    let d1 = today().to_string();
    cli.ok(&["assess", CODE, "fma_ue", "20", "--date", &d0]);
    // The same score on the same day.
    let err = cli.fails_status_1(&["assess", CODE, "fma_ue", "20", "--date", &d0]);
    assert!(
        err.contains("the same score was already saved: FMA-UE 20 on"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    // +30 points in three days: far beyond 3 x the MDC (16.6).
    let err = cli.fails_status_1(&["assess", CODE, "fma_ue", "50", "--date", &d1]);
    assert!(err.contains("FMA-UE 50 is 30 from 20 on"), "{err}");
    assert!(err.contains("minimal detectable change"), "{err}");
    assert_eq!(history_len(&cli), 1, "nothing saved without --force");
    cli.ok(&["assess", CODE, "fma_ue", "50", "--date", &d1, "--force"]);
    assert_eq!(history_len(&cli), 2);
    // Import: the same rule, the same flag.
    let file = cli.dir.path().join("dup.csv");
    std::fs::write(
        &file,
        format!("patient_code,instrument,score,date\n{CODE},fma_ue,50,{d1}\n"),
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let err = cli.fails_status_1(&["import", "assessments", path]);
    assert!(
        err.contains("line 2: this looks wrong: the same score was already saved"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(history_len(&cli), 2);
    cli.ok(&["import", "assessments", path, "--force"]);
    assert_eq!(history_len(&cli), 3);
    // An impossible value is refused even with --force.
    let err = cli.fails_status_1(&["assess", CODE, "tug_s", "0.5", "--force"]);
    assert!(err.contains("faster than anyone"), "{err}");
}

#[test]
fn the_tui_warns_and_a_second_ctrl_s_saves() {
    let now = NaiveDateTime::parse_from_str("2026-11-20 14:30", "%Y-%m-%d %H:%M").unwrap();
    let mut mem = Fixture {
        patients: vec![Patient {
            version: 1,
            condition: Condition::Stroke(StrokeFacts::default()),
            ..patient()
        }],
        ..Fixture::default()
    };
    mem.assessments.push(Assessment {
        id: 1,
        patient_code: CODE.into(),
        instrument: "fma_ue".into(),
        score: 20.0,
        date: now.date() - Duration::days(2),
        assessor: None,
        notes: String::new(),
        med_state: None,
    });
    let mut a = App::new(
        Box::new(mem.source(now.date())),
        Ctx::new(Theme::default(), now),
    )
    .unwrap();
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "50");
    ctrl(&mut a, 's');
    assert_eq!(
        a.source().detail(CODE).unwrap().assessments.len(),
        1,
        "asked first"
    );
    let s = screen(&a, 100, 24);
    assert!(
        s.contains("this looks wrong: FMA-UE 50 is 30 from 20 on 2026-11-18"),
        "{s}"
    );
    assert!(s.contains("again saves it anyway"), "{s}");
    insta::assert_snapshot!("assessment_warning", s);
    // Changing a field checks again; the same value needs the confirmation again.
    press(&mut a, KeyCode::Backspace);
    typ(&mut a, "0");
    ctrl(&mut a, 's');
    assert_eq!(a.source().detail(CODE).unwrap().assessments.len(), 1);
    ctrl(&mut a, 's');
    let d = a.source().detail(CODE).unwrap();
    assert_eq!(d.assessments.len(), 2, "the second Ctrl-S saved it");
    assert_eq!(d.assessments[1].score, 50.0);
}

#[test]
fn the_instrument_picker_accumulates_typed_letters() {
    let mut a = tui_app(now());
    press(&mut a, KeyCode::Char('a'));
    press(&mut a, KeyCode::Up);
    typ(&mut a, "bbt");
    assert_eq!(instrument_shown(&a), "bbt", "b-b-t finds BBT, not TUG");
    // A navigation key starts over: "t" alone then finds TUG.
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Up);
    typ(&mut a, "t");
    assert_eq!(instrument_shown(&a), "tug_s");
    // Short names count too: "9h" is the Nine-Hole Peg Test (9HPT).
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Up);
    typ(&mut a, "9h");
    assert_eq!(instrument_shown(&a), "nhpt_s");
}

#[test]
fn a_reopened_draft_is_checked_by_the_same_rules_and_keeps_no_patient_record() {
    let mut a = tui_app(now());
    press(&mut a, KeyCode::Char('a'));
    typ(&mut a, "30");
    press(&mut a, KeyCode::Tab);
    let before_onset = (onset() - Duration::days(1)).to_string();
    retype(&mut a, &before_onset);
    let form = a.open_form().cloned().unwrap();
    let json = serde_json::to_string(&form).unwrap();
    assert!(
        !json.contains("birth_year") && !json.contains("onset"),
        "{json}"
    );
    // Reopened in a new session (as a draft is): the patient is read again and the date still refused.
    let draft: praxis::tui::forms::Form = serde_json::from_str(&json).unwrap();
    let mut b = tui_app(now());
    b.push_form(draft);
    ctrl(&mut b, 's');
    let why = b
        .open_form()
        .and_then(|f| f.save_error.clone())
        .unwrap_or_default();
    assert!(why.contains("before P-0001's stroke onset"), "{why}");
    assert!(b.source().detail(CODE).unwrap().assessments.is_empty());
}

/// An impossible score next to a plausible one of the same instrument is refused with its range at once; it is not
/// first called "a jump" with an offer of `--force`, which could not save it anyway (QA walk: `assess P tug_s -3`).
#[test]
fn an_out_of_range_score_is_refused_with_its_range_not_offered_force() {
    let cli = cli();
    let date = today().to_string();
    cli.ok(&["assess", CODE, "tug_s", "14.5", "--date", &date]);
    let err = cli.fails(&["assess", CODE, "tug_s", "-3", "--date", &date]);
    assert!(err.contains("0-120"), "{err}");
    assert!(!err.contains("--force"), "{err}");
    assert_eq!(history_len(&cli), 1);
}
