//! The SQLite store: round trips, migrations, refusals, file mode. The audit trail, conflicts and waiting writers
//! are in tests/store_changes.rs.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use chrono::NaiveDate;
use praxis::domain::*;
use praxis::store::{PatientFilter, Store, StoreError};

mod common;
use common::day;
use common::stored::*;

#[test]
fn new_file_is_private_wal_and_at_the_latest_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let store = Store::open(&path).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "database file mode is {mode:o}");
    assert_eq!(
        store.schema_version().unwrap(),
        praxis::store::SCHEMA_VERSION
    );
    assert!(store.integrity_check().unwrap().is_empty());
    // The creator is the first admin, and that is audited.
    let clinicians = store.clinicians().unwrap();
    assert_eq!(clinicians.len(), 1);
    assert_eq!(clinicians[0].role, praxis::store::Role::Admin);
    assert_eq!(clinicians[0].os_user, store.who().os_user);
    let c = store.counts().unwrap();
    assert_eq!((c.patients, c.clinicians, c.audit), (0, 1, 1));
    drop(store);
    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn an_empty_existing_file_is_migrated_without_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.db");
    std::fs::write(&path, b"").unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        praxis::store::SCHEMA_VERSION
    );
    let backups: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".bak"))
        .collect();
    assert!(backups.is_empty());
}

#[test]
fn an_old_non_empty_file_is_backed_up_before_migrating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        // A file at schema 0 that already holds something (e.g. written by hand or by a pre-release).
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE scratch (x); INSERT INTO scratch VALUES (42);")
            .unwrap();
    }
    Store::open(&path).unwrap();
    let backup = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy().to_string();
            n.starts_with(&format!("old.db.pre-v{}-", praxis::store::SCHEMA_VERSION))
                && n.ends_with(".bak")
        })
        .expect("a pre-migration backup next to the file");
    let mode = std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let c = rusqlite::Connection::open(&backup).unwrap();
    let x: i64 = c
        .query_row("SELECT x FROM scratch", [], |r| r.get(0))
        .unwrap();
    assert_eq!(x, 42);
    let v: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(v, 0, "the backup is the file as it was before migrating");
}

#[test]
fn a_newer_schema_is_refused_and_the_file_left_byte_for_byte_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE t (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let err = Store::open(&path).err().expect("refused");
    let msg = message(err);
    assert!(msg.contains("newer Praxis"), "{msg}");
    assert!(msg.contains("schema version 99"), "{msg}");
    assert!(msg.contains("was not changed"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert!(!Path::new(&format!("{}-wal", path.display())).exists());
}

#[test]
fn a_file_that_is_not_a_database_is_named_and_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, vec![b'x'; 4096]).unwrap();
    let msg = message(Store::open(&path).err().expect("refused"));
    assert!(msg.contains("notes.db"), "{msg}");
    assert!(msg.contains("not a Praxis database"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), vec![b'x'; 4096]);
}

#[test]
fn patients_round_trip_with_every_condition() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    let conditions = [
        stroke_patient("P-0001"),
        pd_patient("P-0002"),
        Patient {
            condition: Condition::CerebellarAtaxia(AtaxiaFacts {
                ataxia_type: Some("SCA3".into()),
            }),
            ..stroke_patient("P-0003")
        },
        Patient {
            condition: Condition::OlderAdult(OlderAdultFacts {
                falls_last_year: Some(2),
            }),
            ..stroke_patient("P-0004")
        },
    ];
    for p in &conditions {
        let stored = store.add_patient(p).unwrap();
        assert!(stored.id > 0);
        assert_eq!(stored.version, 1);
        assert!(!stored.created_at.is_empty());
        let read = store.patient(&p.code).unwrap();
        assert_eq!(read, stored);
        let expected = Patient {
            id: stored.id,
            created_at: stored.created_at.clone(),
            updated_at: stored.updated_at.clone(),
            version: 1,
            ..p.clone()
        };
        assert_eq!(read, expected);
    }
    let pd = store
        .list_patients(&PatientFilter {
            search: None,
            condition: Some(ConditionKind::Parkinsons),
        })
        .unwrap();
    assert_eq!(pd.len(), 1);
    assert_eq!(pd[0].patient.code, "P-0002");
    let found = store
        .list_patients(&PatientFilter {
            search: Some("p-0003".into()),
            condition: None,
        })
        .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].patient.code, "P-0003");
    let none = store
        .list_patients(&PatientFilter {
            search: Some("%".into()),
            condition: None,
        })
        .unwrap();
    assert!(none.is_empty(), "a % in the search is literal");
}

#[test]
fn duplicate_codes_and_bad_facts_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    let msg = message(store.add_patient(&stroke_patient("P-0001")).unwrap_err());
    assert_eq!(msg, "a patient with code P-0001 already exists");
    let mut p = stroke_patient("P-0002");
    p.condition = Condition::Stroke(StrokeFacts {
        nihss: Some(50),
        ..Default::default()
    });
    assert_eq!(
        message(store.add_patient(&p).unwrap_err()),
        "NIHSS is scored 0-42; got 50"
    );
    let mut p = pd_patient("P-0003");
    p.condition = Condition::Parkinsons(ParkinsonsFacts {
        hoehn_yahr: Some(2.3),
        ..Default::default()
    });
    assert!(message(store.add_patient(&p).unwrap_err()).contains("Hoehn & Yahr"));
    let p = stroke_patient("P 1");
    assert!(message(store.add_patient(&p).unwrap_err()).contains("patient code"));
    assert_eq!(store.counts().unwrap().patients, 1, "nothing half-written");
}

#[test]
fn assessments_round_trip_and_bad_scores_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    let a = store
        .add_assessment(&assessment("P-0001", "FMA-UE", 34.0, day(2026, 2, 1)))
        .unwrap();
    assert_eq!(a.instrument, "fma_ue", "instrument id normalised");
    store
        .add_assessment(&assessment("P-0001", "arat", 12.0, day(2026, 1, 20)))
        .unwrap();
    let all = store.assessments("P-0001").unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].instrument, "arat", "oldest first");
    assert_eq!(all[1], a);

    let e = store
        .add_assessment(&assessment("P-0001", "fma_ue", 70.0, day(2026, 2, 1)))
        .unwrap_err();
    assert_eq!(message(e), "FMA-UE is scored 0-66; got 70");
    let e = store
        .add_assessment(&assessment("P-0001", "grip", 3.0, day(2026, 2, 1)))
        .unwrap_err();
    assert!(message(e).starts_with("unknown instrument \"grip\""));
    let e = store
        .add_assessment(&assessment("P-0099", "fma_ue", 30.0, day(2026, 2, 1)))
        .unwrap_err();
    assert_eq!(message(e), "no patient with code P-0099");
    assert_eq!(store.assessments("P-0001").unwrap().len(), 2);
    assert_eq!(
        message(store.assessments("P-0099").unwrap_err()),
        "no patient with code P-0099"
    );
}

#[test]
fn sessions_round_trip_and_out_of_range_fields_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    let s1 = store
        .add_session(&session("P-0001", day(2026, 2, 2), 9))
        .unwrap();
    let s2 = store
        .add_session(&session("P-0001", day(2026, 2, 3), 9))
        .unwrap();
    let mut no_clinician = session("P-0001", day(2026, 2, 4), 9);
    no_clinician.clinician = None;
    let s3 = store.add_session(&no_clinician).unwrap();
    assert_eq!(s3.clinician.as_deref(), Some(store.who().os_user.as_str()));
    let read = store.sessions("P-0001", None).unwrap();
    assert_eq!(
        read,
        vec![s3.clone(), s2.clone(), s1.clone()],
        "most recent first"
    );
    assert_eq!(store.sessions("P-0001", Some(1)).unwrap(), vec![s3]);

    type Change = fn(&mut SessionLog);
    let cases: [(Change, &str); 5] = [
        (|s| s.minutes = 0, "minutes must be 1-600; got 0"),
        (|s| s.minutes = 601, "minutes must be 1-600; got 601"),
        (
            |s| s.success_rate = Some(75.0),
            "success rate is a fraction 0-1 (0.75 for 75%); got 75",
        ),
        (|s| s.rpe = Some(11), "RPE (fatigue) is rated 0-10; got 11"),
        (
            |s| s.patient_code = "P-0099".into(),
            "no patient with code P-0099",
        ),
    ];
    for (change, want) in cases {
        let mut s = session("P-0001", day(2026, 2, 5), 9);
        change(&mut s);
        assert_eq!(message(store.add_session(&s).unwrap_err()), want);
    }
    assert_eq!(store.counts().unwrap().sessions, 3);
}

#[test]
fn plans_round_trip_with_one_active_plan() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    assert_eq!(store.active_plan("P-0001").unwrap(), None);
    let plan = Plan {
        id: 0,
        patient_code: "P-0001".into(),
        protocol_id: "usual-care".into(),
        start_date: day(2026, 2, 1),
        goal: "walk to the shop".into(),
        status: PlanStatus::Active,
        version: 0,
    };
    let first = store.set_plan(&plan).unwrap();
    assert_eq!(store.active_plan("P-0001").unwrap(), Some(first.clone()));
    let second = store
        .set_plan(&Plan {
            protocol_id: "task-specific-300".into(),
            goal: "drink from a cup".into(),
            ..plan.clone()
        })
        .unwrap();
    assert_eq!(store.active_plan("P-0001").unwrap(), Some(second.clone()));
    let all = store.plans("P-0001").unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].status, PlanStatus::Stopped);
    assert_eq!(all[0].version, 2);
    let audit = store.audit(Some("P-0001")).unwrap();
    let last = audit.last().unwrap();
    assert_eq!(last.action, "set_plan");
    assert_eq!(last.before.as_ref().unwrap()["protocol_id"], "usual-care");
    assert_eq!(
        last.after.as_ref().unwrap()["protocol_id"],
        "task-specific-300"
    );
    assert_eq!(
        message(store.active_plan("P-0099").unwrap_err()),
        "no patient with code P-0099"
    );
}

#[test]
fn history_merges_assessments_and_sessions_in_date_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    store
        .add_session(&session("P-0001", day(2026, 2, 3), 9))
        .unwrap();
    store
        .add_assessment(&assessment("P-0001", "fma_ue", 30.0, day(2026, 2, 3)))
        .unwrap();
    store
        .add_assessment(&assessment("P-0001", "fma_ue", 24.0, day(2026, 2, 1)))
        .unwrap();
    store
        .add_session(&session("P-0001", day(2026, 2, 2), 14))
        .unwrap();
    let kinds: Vec<String> = store
        .history("P-0001")
        .unwrap()
        .iter()
        .map(|h| match h {
            praxis::store::HistoryEntry::Assessment(a) => format!("A {} {}", a.date, a.score),
            praxis::store::HistoryEntry::Session(s) => format!("S {}", s.started_at),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "A 2026-02-01 24",
            "S 2026-02-02 14:30:00",
            "A 2026-02-03 30",
            "S 2026-02-03 09:30:00"
        ]
    );
}

#[test]
fn list_rows_carry_latest_dates_counts_and_plan() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    store.add_patient(&pd_patient("P-0002")).unwrap();
    store
        .add_assessment(&assessment("P-0001", "fma_ue", 30.0, day(2026, 2, 3)))
        .unwrap();
    store
        .add_assessment(&assessment("P-0001", "fma_ue", 24.0, day(2026, 2, 1)))
        .unwrap();
    store
        .add_session(&session("P-0001", day(2026, 2, 4), 9))
        .unwrap();
    store
        .set_plan(&Plan {
            id: 0,
            patient_code: "P-0001".into(),
            protocol_id: "cimt".into(),
            start_date: day(2026, 2, 1),
            goal: String::new(),
            status: PlanStatus::Active,
            version: 0,
        })
        .unwrap();
    let rows = store.list_patients(&PatientFilter::default()).unwrap();
    assert_eq!(rows.len(), 2);
    let r = &rows[0];
    assert_eq!(r.patient.code, "P-0001");
    assert_eq!(r.last_assessment, Some(day(2026, 2, 3)));
    assert_eq!(
        r.last_session,
        Some(day(2026, 2, 4).and_hms_opt(9, 30, 0).unwrap())
    );
    assert_eq!(r.plan_protocol.as_deref(), Some("cimt"));
    assert_eq!(r.plan_start, Some(day(2026, 2, 1)));
    assert_eq!((r.n_assessments, r.n_sessions), (2, 1));
    let r = &rows[1];
    assert_eq!(
        (r.last_assessment, r.last_session, r.n_sessions),
        (None, None, 0)
    );

    // The summary columns follow deletes and moves too (issue 5 deletes records).
    let raw = rusqlite::Connection::open(db(&dir)).unwrap();
    raw.execute("DELETE FROM assessments WHERE date = '2026-02-03'", [])
        .unwrap();
    raw.execute("UPDATE sessions SET patient_id = 2", [])
        .unwrap();
    let rows = store.list_patients(&PatientFilter::default()).unwrap();
    assert_eq!(rows[0].last_assessment, Some(day(2026, 2, 1)));
    assert_eq!(
        (
            rows[0].n_assessments,
            rows[0].n_sessions,
            rows[0].last_session
        ),
        (1, 0, None)
    );
    assert_eq!(rows[1].n_sessions, 1);
    assert_eq!(
        rows[1].last_session,
        Some(day(2026, 2, 4).and_hms_opt(9, 30, 0).unwrap())
    );

    // The brief rows a list screen reads carry the same activity, in the same order, with the brief profile.
    let briefs = store.list_briefs(&PatientFilter::default()).unwrap();
    let rows = store.list_patients(&PatientFilter::default()).unwrap();
    assert_eq!(briefs.len(), rows.len());
    for (b, r) in briefs.iter().zip(&rows) {
        assert_eq!(b.patient, praxis::store::PatientBrief::from(&r.patient));
        assert_eq!(
            (
                b.last_assessment,
                b.last_session,
                &b.plan_protocol,
                b.plan_start
            ),
            (
                r.last_assessment,
                r.last_session,
                &r.plan_protocol,
                r.plan_start
            )
        );
        assert_eq!(
            (b.n_assessments, b.n_sessions),
            (r.n_assessments, r.n_sessions)
        );
    }
}

/// The list is sorted by code whatever order the patients were added in (it reads rows in rowid order).
#[test]
fn the_list_is_in_code_order_and_filters_combine() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    for code in ["P-0300", "P-0002", "P-0100", "P-0010"] {
        store.add_patient(&stroke_patient(code)).unwrap();
    }
    store.add_patient(&pd_patient("P-0050")).unwrap();
    let codes = |rows: Vec<praxis::store::PatientRow<praxis::store::PatientBrief>>| {
        rows.into_iter().map(|r| r.patient.code).collect::<Vec<_>>()
    };
    assert_eq!(
        codes(store.list_briefs(&PatientFilter::default()).unwrap()),
        ["P-0002", "P-0010", "P-0050", "P-0100", "P-0300"]
    );
    let both = PatientFilter {
        search: Some("P-00".into()),
        condition: Some(ConditionKind::Stroke),
    };
    assert_eq!(
        codes(store.list_briefs(&both).unwrap()),
        ["P-0002", "P-0010"]
    );
    let pd_only = PatientFilter {
        search: None,
        condition: Some(ConditionKind::Parkinsons),
    };
    assert_eq!(codes(store.list_briefs(&pd_only).unwrap()), ["P-0050"]);
}

/// A mistyped year (1900 for 2026) or a 0-second timed test is refused with words naming the problem.
#[test]
fn records_before_birth_and_zero_second_times_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    // A young patient with no stroke onset, so that the birth year is the bound that speaks (records more than 20
    // years ago or before an onset are refused too: tests/rules.rs).
    let this_year = chrono::Datelike::year(&chrono::Local::now().date_naive());
    let p = store
        .add_patient(&Patient {
            birth_year: this_year - 5,
            condition: Condition::OlderAdult(OlderAdultFacts::default()),
            ..stroke_patient("P-0001")
        })
        .unwrap();
    let before_birth = NaiveDate::from_ymd_opt(p.birth_year - 1, 12, 31).unwrap();
    let a = Assessment {
        id: 0,
        patient_code: "P-0001".into(),
        instrument: "fma_ue".into(),
        score: 30.0,
        date: before_birth,
        assessor: None,
        notes: String::new(),
        med_state: None,
    };
    let e = message(store.add_assessment(&a).expect_err("refused"));
    assert!(
        e.contains(&format!("before P-0001's birth year {}", p.birth_year)),
        "{e}"
    );
    let s = SessionLog {
        id: 0,
        patient_code: "P-0001".into(),
        started_at: before_birth.and_hms_opt(9, 0, 0).unwrap(),
        protocol_id: "usual-care".into(),
        minutes: 45,
        repetitions: 30,
        level: None,
        success_rate: None,
        rpe: None,
        notes: String::new(),
        clinician: None,
    };
    let e = store.add_session(&s).expect_err("refused");
    let StoreError::Rule(e) = e else {
        panic!("not a rule error: {e}")
    };
    assert_eq!(e.field, "date");
    assert!(e.message.contains("before P-0001's birth year"), "{e}");
    let tug = Assessment {
        instrument: "tug_s".into(),
        score: 0.0,
        date: NaiveDate::from_ymd_opt(2026, 1, 5).unwrap(),
        ..a.clone()
    };
    let e = message(store.add_assessment(&tug).expect_err("refused"));
    assert!(e.contains("TUG") && e.contains("0 s"), "{e}");
    assert_eq!(store.counts().unwrap().assessments, 0);
    assert_eq!(store.counts().unwrap().sessions, 0);
    // The first day of the birth year is accepted (only the year is stored).
    let ok = Assessment {
        date: NaiveDate::from_ymd_opt(p.birth_year, 1, 1).unwrap(),
        ..a
    };
    store.add_assessment(&ok).unwrap();
}
