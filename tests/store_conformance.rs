//! One conformance suite for both backends (issue 13): every test runs the same clinic story on a SQLite file and,
//! when `PRAXIS_TEST_PG` names a server (as in CI), on PostgreSQL, through the one `Store` interface the front ends
//! use. Where the backends may word a refusal differently, the test checks the kind of error and the words a
//! clinician needs (who entered the record, what to do).

mod common;

use common::pg::{Db, url_as};
use common::stored::{assessment, pd_patient, session, stroke_patient};
use common::{day, patient, who};
use praxis::domain::{Goal, GoalReview, Plan, PlanStatus};
use praxis::store::{Correction, RecordKind, RecordStatus, Role, Store, StoreError};

/// The clinic of the tests: boss (admin), kim and ann (therapists), lee (lead), stu (read-only), on one backend.
enum Clinic {
    Sqlite {
        _dir: tempfile::TempDir,
        path: std::path::PathBuf,
    },
    Pg(Box<Db>),
}

impl Clinic {
    fn sqlite() -> Clinic {
        let (dir, path, mut store) = common::store_of_boss();
        for (user, role) in [
            ("kim", Role::Therapist),
            ("ann", Role::Therapist),
            ("lee", Role::Lead),
            ("stu", Role::Readonly),
        ] {
            store.add_clinician(user, user, role).unwrap();
        }
        Clinic::Sqlite { _dir: dir, path }
    }

    fn name(&self) -> &'static str {
        match self {
            Clinic::Sqlite { .. } => "sqlite",
            Clinic::Pg(_) => "postgresql",
        }
    }

    /// The store as clinician `user`: on a file, the same file acting as them; on the server, their own login.
    fn open(&self, user: &str) -> Store {
        match self {
            Clinic::Sqlite { path, .. } => {
                let mut s = Store::open(path).unwrap();
                s.set_who(who(user));
                s
            }
            Clinic::Pg(db) => Store::open_db(std::path::Path::new(&url_as(db, Some(user))), false)
                .unwrap_or_else(|e| panic!("connect as {user}: {e}")),
        }
    }

    /// The name the backend records for `user` (the login role on the server is prefixed per test).
    fn user(&self, user: &str) -> String {
        match self {
            Clinic::Sqlite { .. } => user.to_string(),
            Clinic::Pg(db) => db.login(user),
        }
    }
}

/// Run `story` on SQLite, then on PostgreSQL when a server is configured.
fn on_both(test: &str, story: impl Fn(&Clinic)) {
    story(&Clinic::sqlite());
    if let Some(db) = Db::clinic(test) {
        story(&Clinic::Pg(Box::new(db)));
    }
}

#[test]
fn records_written_by_one_clinician_read_back_the_same_for_another() {
    on_both("readback", |c| {
        let mut kim = c.open("kim");
        let stored = kim.add_patient(&stroke_patient("P-0107")).unwrap();
        assert_eq!(stored.version, 1, "{}", c.name());
        kim.add_patient(&patient("P-0108").name("Zoë Brandt").build())
            .unwrap();
        let a = kim
            .add_assessment(&assessment("P-0107", "fma_ue", 31.0, day(2026, 2, 1)))
            .unwrap();
        let pd = kim.add_patient(&pd_patient("P-0200")).unwrap();
        let updrs = praxis::domain::Assessment {
            med_state: Some(praxis::domain::MedState::Off),
            ..assessment(&pd.code, "mds_updrs_iii", 33.0, day(2026, 2, 1))
        };
        kim.add_assessment(&updrs).unwrap();
        let s = kim
            .add_session(&session("P-0107", day(2026, 2, 2), 9))
            .unwrap();
        kim.set_plan(&Plan {
            id: 0,
            patient_code: "P-0107".into(),
            protocol_id: "task-specific-300".into(),
            start_date: day(2026, 2, 2),
            goal: "reach the top shelf".into(),
            status: PlanStatus::Active,
            version: 0,
        })
        .unwrap();
        let g = kim
            .add_goal(&Goal {
                id: 0,
                patient_code: "P-0107".into(),
                plan_id: None,
                instrument: "fma_ue".into(),
                target: 40.0,
                by: day(2026, 5, 1),
                text: "dress without help".into(),
            })
            .unwrap();
        kim.add_goal_review(&GoalReview {
            id: 0,
            goal_id: g.id,
            patient_code: "P-0107".into(),
            level: 1,
            date: day(2026, 3, 1),
            notes: String::new(),
        })
        .unwrap();

        let ann = c.open("ann");
        assert_eq!(
            ann.patient("P-0107").unwrap().condition,
            stored.condition,
            "{}",
            c.name()
        );
        assert_eq!(
            ann.assessments("P-0107").unwrap(),
            vec![a.clone()],
            "{}",
            c.name()
        );
        assert_eq!(
            ann.assessments("P-0200").unwrap()[0].med_state,
            Some(praxis::domain::MedState::Off),
            "{}",
            c.name()
        );
        let sessions = ann.sessions("P-0107", None).unwrap();
        assert_eq!(sessions, vec![s.clone()], "{}", c.name());
        assert_eq!(
            sessions[0].clinician.as_deref(),
            Some("kim"),
            "{}",
            c.name()
        );
        let plan = ann.active_plan("P-0107").unwrap().expect("an active plan");
        assert_eq!(plan.protocol_id, "task-specific-300");
        let goals = ann.goals("P-0107").unwrap();
        assert_eq!(goals.len(), 1);
        assert_eq!(
            goals[0].plan_id,
            Some(plan.id),
            "a goal belongs to the active plan ({})",
            c.name()
        );
        assert_eq!(ann.goal_reviews("P-0107").unwrap()[0].level, 1);
        assert_eq!(ann.history("P-0107").unwrap().len(), 2);

        // The list: one row per patient with its activity; search ignores case and accents.
        let all = ann.list_briefs(&Default::default()).unwrap();
        let codes: Vec<&str> = all.iter().map(|r| r.patient.code.as_str()).collect();
        assert_eq!(codes, ["P-0107", "P-0108", "P-0200"], "{}", c.name());
        let row = &all[0];
        assert_eq!((row.n_assessments, row.n_sessions), (1, 1), "{}", c.name());
        assert_eq!(row.plan_protocol.as_deref(), Some("task-specific-300"));
        let found = ann
            .list_patients(&praxis::store::PatientFilter {
                search: Some("zoe".into()),
                condition: None,
            })
            .unwrap();
        assert_eq!(found.len(), 1, "{}: zoe finds Zoë", c.name());
        assert_eq!(found[0].patient.code, "P-0108");
        let counts = ann.counts().unwrap();
        assert_eq!(
            (counts.patients, counts.assessments, counts.sessions),
            (3, 2, 1)
        );
        // A code that differs only in case is refused for every backend.
        let e = kim.add_patient(&patient("p-0107").build()).unwrap_err();
        assert!(e.to_string().contains("P-0107"), "{}: {e}", c.name());
    });
}

#[test]
fn the_patient_search_folds_case_and_accents_the_same_on_both_backends() {
    // The server searches texts the program folded (schema v3); SQLite folds them as it reads. Both must find the
    // same patients, in code order, for letters that fold to more than one letter or to another one.
    on_both("search", |c| {
        let mut kim = c.open("kim");
        for p in [
            patient("P-0301").name("Henrik Ørsted").build(),
            patient("P-0302")
                .name("Anna Weiss")
                .notes("lives on the Hauptstraße")
                .build(),
            // "Zoë" written with a combining diaeresis, and precomposed.
            patient("P-0303").name("Zoe\u{308} Combes").build(),
            patient("P-0304").name("ZOË Upper").build(),
            pd_patient("P-0305"),
            patient("P-0306").notes("Orsted's brother").build(),
        ] {
            kim.add_patient(&p).unwrap();
        }
        let found = |kim: &Store, search: &str| -> Vec<String> {
            let filter = praxis::store::PatientFilter {
                search: Some(search.into()),
                condition: None,
            };
            let briefs: Vec<String> = kim
                .list_briefs(&filter)
                .unwrap()
                .into_iter()
                .map(|r| r.patient.code)
                .collect();
            let whole: Vec<String> = kim
                .list_patients(&filter)
                .unwrap()
                .into_iter()
                .map(|r| r.patient.code)
                .collect();
            assert_eq!(briefs, whole, "{}: {search}", c.name());
            briefs
        };
        assert_eq!(found(&kim, "orsted"), ["P-0301", "P-0306"], "{}", c.name());
        assert_eq!(found(&kim, "ØRSTED"), ["P-0301", "P-0306"], "{}", c.name());
        assert_eq!(found(&kim, "strasse"), ["P-0302"], "{}", c.name());
        assert_eq!(found(&kim, "straße"), ["P-0302"], "{}", c.name());
        assert_eq!(found(&kim, " zoe "), ["P-0303", "P-0304"], "{}", c.name());
        assert_eq!(found(&kim, "p-030"), found(&kim, "P-030"), "{}", c.name());
        assert_eq!(found(&kim, "p-030").len(), 6, "{}", c.name());
        assert!(found(&kim, "nobody").is_empty(), "{}", c.name());
        // An edit changes what is found, and the search goes with the condition filter.
        let mut anna = kim.patient("P-0302").unwrap();
        anna.notes = "moved away".into();
        anna.name = Some("Anna Sørensen".into());
        kim.update_patient(&anna).unwrap();
        assert!(found(&kim, "strasse").is_empty(), "{}", c.name());
        assert_eq!(found(&kim, "sorensen"), ["P-0302"], "{}", c.name());
        let pd = praxis::store::PatientFilter {
            search: Some("p-03".into()),
            condition: Some(praxis::domain::ConditionKind::Parkinsons),
        };
        let codes: Vec<String> = kim
            .list_briefs(&pd)
            .unwrap()
            .into_iter()
            .map(|r| r.patient.code)
            .collect();
        assert_eq!(codes, ["P-0305"], "{}", c.name());
        // The whole profile comes back as stored.
        let all = kim.list_patients(&Default::default()).unwrap();
        let stored = kim.patient("P-0302").unwrap();
        let listed = all.iter().find(|r| r.patient.code == "P-0302").unwrap();
        assert_eq!(listed.patient, stored, "{}", c.name());
    });
}

#[test]
fn two_clinicians_editing_the_same_patient_conflict_and_nothing_is_lost() {
    on_both("conflict", |c| {
        let mut kim = c.open("kim");
        let mut ann = c.open("ann");
        kim.add_patient(&stroke_patient("P-0300")).unwrap();
        let before = ann.data_version().unwrap();
        let mut mine = kim.patient("P-0300").unwrap();
        let mut theirs = ann.patient("P-0300").unwrap();
        mine.notes = "kim's note".into();
        theirs.notes = "ann's note".into();
        kim.update_patient(&mine).unwrap();
        assert_ne!(
            ann.data_version().unwrap(),
            before,
            "{}: another's write is noticed",
            c.name()
        );
        let e = ann.update_patient(&theirs).unwrap_err();
        assert!(
            matches!(e, StoreError::Conflict { .. }),
            "{}: {e:?}",
            c.name()
        );
        let saved = ann.patient("P-0300").unwrap();
        assert_eq!(
            (saved.notes.as_str(), saved.version),
            ("kim's note", 2),
            "{}",
            c.name()
        );
    });
}

#[test]
fn records_are_corrected_or_voided_by_their_author_or_a_lead_never_changed_in_place() {
    on_both("amend", |c| {
        let mut kim = c.open("kim");
        kim.add_patient(&stroke_patient("P-0400")).unwrap();
        let a = kim
            .add_assessment(&assessment("P-0400", "fma_ue", 31.0, day(2026, 2, 1)))
            .unwrap();
        let fixed = praxis::domain::Assessment {
            score: 13.0,
            ..a.clone()
        };
        let new_id = kim
            .correct_record(&Correction::Assessment(fixed), "typo: 13, not 31")
            .unwrap();
        assert_ne!(new_id, a.id);
        let (old, meta) = kim.assessment_record(a.id).unwrap();
        assert_eq!(old.score, 31.0, "{}: the old value is kept", c.name());
        assert_eq!(meta.status, RecordStatus::Corrected, "{}", c.name());
        assert_eq!(meta.superseded_by, Some(new_id), "{}", c.name());
        assert_eq!(meta.reason.as_deref(), Some("typo: 13, not 31"));
        let (_, new_meta) = kim.assessment_record(new_id).unwrap();
        assert_eq!(
            new_meta.created_by.as_deref(),
            Some(c.user("kim").as_str()),
            "{}",
            c.name()
        );
        assert_eq!(kim.assessments("P-0400").unwrap()[0].score, 13.0);
        assert_eq!(
            kim.history_records("P-0400", true).unwrap().len(),
            2,
            "{}",
            c.name()
        );

        // Ann may not void Kim's record; the message names who entered it. A lead may.
        let mut ann = c.open("ann");
        let e = ann
            .void_record(RecordKind::Assessment, new_id, "wrong patient")
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{}: {e:?}", c.name());
        assert!(e.to_string().contains(&c.user("kim")), "{}: {e}", c.name());
        let mut lee = c.open("lee");
        let meta = lee
            .void_record(RecordKind::Assessment, new_id, "wrong patient")
            .unwrap();
        assert_eq!(meta.status, RecordStatus::Voided, "{}", c.name());
        assert!(lee.assessments("P-0400").unwrap().is_empty());
        // A voided record stays voided.
        let e = lee
            .void_record(RecordKind::Assessment, new_id, "again")
            .unwrap_err();
        assert!(
            matches!(e, StoreError::NotCurrent(_)),
            "{}: {e:?}",
            c.name()
        );
        // A reason is required.
        let e = kim
            .void_record(RecordKind::Assessment, a.id, "  ")
            .unwrap_err();
        assert!(e.to_string().contains("reason"), "{}: {e}", c.name());
    });
}

#[test]
fn a_read_only_clinician_reads_but_cannot_write() {
    on_both("readonly", |c| {
        c.open("kim")
            .add_patient(&stroke_patient("P-0500"))
            .unwrap();
        let mut stu = c.open("stu");
        assert_eq!(stu.role().unwrap(), Some(Role::Readonly), "{}", c.name());
        assert_eq!(stu.patient("P-0500").unwrap().code, "P-0500");
        let e = stu
            .add_assessment(&assessment("P-0500", "fma_ue", 20.0, day(2026, 2, 1)))
            .unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{}: {e:?}", c.name());
        assert!(e.to_string().contains("read-only"), "{}: {e}", c.name());
        assert!(stu.assessments("P-0500").unwrap().is_empty());
    });
}

#[test]
fn an_import_is_all_or_nothing_and_the_trail_verifies_after_everything() {
    on_both("import", |c| {
        let mut kim = c.open("kim");
        kim.add_patient(&stroke_patient("P-0600")).unwrap();
        let good = assessment("P-0600", "fma_ue", 20.0, day(2026, 2, 1));
        let bad = assessment("P-0600", "fma_ue", 99.0, day(2026, 2, 8));
        let e = kim
            .import_assessments(&[good.clone(), bad], "scores.csv")
            .unwrap_err();
        assert!(e.to_string().contains("99"), "{}: {e}", c.name());
        assert!(
            kim.assessments("P-0600").unwrap().is_empty(),
            "{}: nothing saved",
            c.name()
        );
        assert_eq!(kim.import_assessments(&[good], "scores.csv").unwrap(), 1);

        let trail = kim.audit(Some("P-0600")).unwrap();
        assert!(
            trail
                .iter()
                .any(|e| e.action == "create" && e.entity == "assessment"),
            "{}",
            c.name()
        );
        assert!(
            trail.iter().all(|e| e.os_user == c.user("kim")),
            "{}",
            c.name()
        );
        let boss = c.open("boss");
        assert!(boss.verify_audit().unwrap().is_ok(), "{}", c.name());
    });
}

#[test]
fn erasing_a_patient_is_for_an_admin_and_leaves_a_verifiable_trail() {
    on_both("erase", |c| {
        let mut kim = c.open("kim");
        kim.add_patient(&stroke_patient("P-0700")).unwrap();
        kim.add_assessment(&assessment("P-0700", "fma_ue", 20.0, day(2026, 2, 1)))
            .unwrap();
        let e = kim.delete_patient("P-0700").unwrap_err();
        assert!(matches!(e, StoreError::Forbidden(_)), "{}: {e:?}", c.name());
        let mut boss = c.open("boss");
        let erased = boss.delete_patient("P-0700").unwrap();
        assert_eq!(erased.assessments, 1, "{}", c.name());
        assert!(erased.audit_rows >= 2, "{}: {erased:?}", c.name());
        assert!(matches!(
            boss.patient("P-0700"),
            Err(StoreError::NotFound(_))
        ));
        assert!(
            boss.audit(Some("P-0700")).unwrap().is_empty(),
            "{}",
            c.name()
        );
        assert!(boss.verify_audit().unwrap().is_ok(), "{}", c.name());
    });
}

#[test]
fn an_export_is_audited_before_it_leaves_and_pseudonyms_are_stable() {
    use praxis::store::export::{ExportKind, Period};
    on_both("export", |c| {
        let mut kim = c.open("kim");
        kim.add_patient(&stroke_patient("P-0800")).unwrap();
        kim.add_assessment(&assessment("P-0800", "fma_ue", 20.0, day(2026, 2, 1)))
            .unwrap();
        let mut seen = Vec::new();
        let (n, row) = kim
            .export_with(
                ExportKind::Assessments,
                Period::ALL,
                true,
                "memory",
                &mut |d| {
                    seen.push((
                        d.assessments.len(),
                        d.pseudonyms.clone(),
                        d.day_zero.clone(),
                    ));
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(n, 1, "{}", c.name());
        let (rows, names, day0) = &seen[0];
        assert_eq!(*rows, 1);
        assert!(names["P-0800"].starts_with("S-"), "{}: {names:?}", c.name());
        // Day 0 is the stroke onset (2026-01-10), earlier than the first assessment.
        assert_eq!(day0["P-0800"], day(2026, 1, 10), "{}", c.name());
        let trail = c.open("boss").audit(None).unwrap();
        let export = trail
            .iter()
            .find(|e| e.id == row)
            .expect("the export's audit row");
        assert_eq!(export.action, "export", "{}", c.name());
        // A delivery that fails leaves no audit row: nothing left the database.
        let before = c.open("boss").audit(None).unwrap().len();
        let e = kim.export_with(
            ExportKind::Patients,
            Period::ALL,
            false,
            "broken",
            &mut |_| Err(StoreError::Invalid("the disk is full".into())),
        );
        assert!(e.is_err());
        assert_eq!(
            c.open("boss").audit(None).unwrap().len(),
            before,
            "{}",
            c.name()
        );
        // The same patient gets the same pseudonym again.
        let mut again = None;
        kim.export_with(
            ExportKind::Patients,
            Period::ALL,
            true,
            "memory",
            &mut |d| {
                again = d.pseudonyms.get("P-0800").cloned();
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(again.as_ref(), names.get("P-0800"), "{}", c.name());
    });
}

#[test]
fn a_store_whose_server_connection_dropped_connects_again() {
    let Some(db) = Db::clinic("reconnect") else {
        return;
    };
    let c = Clinic::Pg(Box::new(db));
    let mut kim = c.open("kim");
    kim.add_patient(&stroke_patient("P-0900")).unwrap();
    // The list's statement is prepared on the connection (and must be again on the next one).
    assert_eq!(kim.list_briefs(&Default::default()).unwrap().len(), 1);
    let Clinic::Pg(db) = &c else { unreachable!() };
    // The server ends kim's session (a restart, a failover, an admin's pg_terminate_backend).
    let ended: i64 = db
        .as_user(None)
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = $1",
            &[&c.user("kim")],
        )
        .unwrap()
        .get(0);
    assert_eq!(ended, 1);
    // Termination is a signal: wait until the session is gone, so the next read meets the dropped connection.
    let mut admin = db.as_user(None);
    for _ in 0..500 {
        let left: i64 = admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = $1",
                &[&c.user("kim")],
            )
            .unwrap()
            .get(0);
        if left == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    // The first read after the drop may fail, saying the server could not be reached; the next one reconnects.
    if let Err(e) = kim.patient("P-0900") {
        assert!(matches!(e, StoreError::Unreachable(_)), "{e:?}");
        assert!(
            e.to_string().contains("cannot reach the database server"),
            "{e}"
        );
    }
    assert_eq!(kim.patient("P-0900").unwrap().code, "P-0900");
    kim.add_assessment(&assessment("P-0900", "fma_ue", 20.0, day(2026, 2, 1)))
        .unwrap();
    let listed = kim.list_briefs(&Default::default()).unwrap();
    assert_eq!((listed.len(), listed[0].n_assessments), (1, 1));
}

#[test]
fn the_list_carries_any_text_exactly_and_sorts_codes_bytewise_on_both_backends() {
    // The server keeps each patient's list entry as compact JSON (schema v4) that the program reads in one pass.
    // Names, notes and free-text facts with quotes, backslashes, tabs, newlines, control characters, emoji and
    // accents, and the optional fields left empty, must come back as stored; codes that share their first eight
    // bytes, differ in length or in case sort as SQLite sorts them (bytewise), whatever the server's collation.
    use praxis::domain::{AtaxiaFacts, Condition, Hand, Sex, Side};
    on_both("listtext", |c| {
        let mut kim = c.open("kim");
        let odd = "Zoë \"Ziggy\" O'Brien \\n\t\ttabbed\nnew line 🦀 ünïcödé \\";
        let patients = [
            patient("ABCDEFGH-10")
                .name(odd)
                .notes("line one\nline two\r\n\"quoted\" \\ back\\slash \u{1} end")
                .condition(Condition::CerebellarAtaxia(AtaxiaFacts {
                    ataxia_type: Some("SCA3 \"type\"\n\\ 🦀".into()),
                }))
                .build(),
            patient("ABCDEFGH-9").build(),
            patient("ABCDEFGH-1").name("Ørsted").build(),
            stroke_patient("P-2"),
            pd_patient("P-10"),
            patient("a_1").name("lower case").build(),
            patient("Z-1")
                .sex(Sex::Male)
                .hand(Hand::Left)
                .affected(Side::Both)
                .notes("}],[\"P-0000\"")
                .build(),
        ];
        for p in &patients {
            kim.add_patient(p).unwrap();
        }
        kim.add_assessment(&assessment("ABCDEFGH-10", "sara", 12.0, day(2026, 2, 1)))
            .unwrap();
        kim.add_session(&session("P-2", day(2026, 2, 3), 9))
            .unwrap();
        let whole = kim.list_patients(&Default::default()).unwrap();
        let briefs = kim.list_briefs(&Default::default()).unwrap();
        let mut codes: Vec<String> = patients.iter().map(|p| p.code.clone()).collect();
        codes.sort();
        let listed: Vec<String> = whole.iter().map(|r| r.patient.code.clone()).collect();
        assert_eq!(listed, codes, "{}", c.name());
        assert_eq!(briefs.len(), whole.len(), "{}", c.name());
        for (w, b) in whole.iter().zip(&briefs) {
            let stored = kim.patient(&w.patient.code).unwrap();
            assert_eq!(w.patient, stored, "{}", c.name());
            assert_eq!(
                b.patient,
                praxis::store::PatientBrief::from(&stored),
                "{}",
                c.name()
            );
            assert_eq!(activity(b), activity(w), "{}", c.name());
        }
        let odd_row = whole
            .iter()
            .find(|r| r.patient.code == "ABCDEFGH-10")
            .unwrap();
        assert_eq!(odd_row.patient.name.as_deref(), Some(odd), "{}", c.name());
        assert_eq!(
            (odd_row.n_assessments, odd_row.last_assessment),
            (1, Some(day(2026, 2, 1))),
            "{}",
            c.name()
        );
        let p2 = whole.iter().find(|r| r.patient.code == "P-2").unwrap();
        assert_eq!(
            (p2.n_sessions, p2.last_session.map(|t| t.date())),
            (1, Some(day(2026, 2, 3))),
            "{}",
            c.name()
        );
        // A search goes through texts with escapes too.
        let ziggy = kim
            .list_briefs(&praxis::store::PatientFilter {
                search: Some("ziggy".into()),
                condition: None,
            })
            .unwrap();
        assert_eq!(ziggy.len(), 1, "{}", c.name());
        assert_eq!(ziggy[0].patient.code, "ABCDEFGH-10", "{}", c.name());
    });
}

/// A list row's activity: its latest dates, active plan and counts.
fn activity<P>(
    r: &praxis::store::PatientRow<P>,
) -> (
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDateTime>,
    Option<String>,
    Option<chrono::NaiveDate>,
    i64,
    i64,
) {
    (
        r.last_assessment,
        r.last_session,
        r.plan_protocol.clone(),
        r.plan_start,
        r.n_assessments,
        r.n_sessions,
    )
}
