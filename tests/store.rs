//! The SQLite store: round trips, migrations, refusals, file mode, audit trail, optimistic concurrency.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use praxis::domain::*;
use praxis::store::{PatientFilter, Store, StoreError, Who};

mod common;
use common::{day, patient};

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("clinic").join("praxis.db")
}

fn stroke_patient(code: &str) -> Patient {
    patient(code)
        .name("Ada Test")
        .born(1954)
        .sex(Sex::Female)
        .hand(Hand::Right)
        .affected(Side::Right)
        .condition(Condition::Stroke(StrokeFacts {
            onset_date: Some(day(2026, 1, 10)),
            stroke_type: Some(StrokeType::Ischaemic),
            corticospinal: Some(Corticospinal::Partial),
            mep: Some(Mep::Present),
            nihss: Some(9),
        }))
        .notes("left MCA")
        .build()
}

fn pd_patient(code: &str) -> Patient {
    patient(code)
        .born(1954)
        .condition(Condition::Parkinsons(ParkinsonsFacts {
            diagnosis_year: Some(2021),
            hoehn_yahr: Some(2.5),
            medication: Some(Medication::On),
        }))
        .build()
}

fn assessment(code: &str, instrument: &str, score: f64, date: NaiveDate) -> Assessment {
    Assessment {
        id: 0,
        patient_code: code.into(),
        instrument: instrument.into(),
        score,
        date,
        assessor: Some("kim".into()),
        notes: "seated".into(),
    }
}

fn session(code: &str, date: NaiveDate, hour: u32) -> SessionLog {
    SessionLog {
        id: 0,
        patient_code: code.into(),
        started_at: date.and_hms_opt(hour, 30, 0).unwrap(),
        protocol_id: "task-specific-300".into(),
        minutes: 45,
        repetitions: 260,
        level: Some(3),
        success_rate: Some(0.7),
        rpe: Some(6),
        notes: "tired at the end".into(),
        clinician: Some("kim".into()),
    }
}

fn message(e: StoreError) -> String {
    e.to_string()
}

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

#[test]
fn one_audit_row_per_change_with_before_and_after() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    store
        .add_clinician("kim", "Kim", praxis::store::Role::Therapist)
        .unwrap();
    store.set_who(Who {
        os_user: "kim".into(),
        ssh_addr: Some("10.1.2.3".into()),
    });
    let start = store.counts().unwrap().audit;
    let p = store.add_patient(&stroke_patient("P-0001")).unwrap();
    assert_eq!(store.counts().unwrap().audit, start + 1);
    let mut edited = p.clone();
    edited.notes = "now walks with a stick".into();
    let after = store.update_patient(&edited).unwrap();
    assert_eq!(after.version, 2);
    store
        .add_assessment(&assessment("P-0001", "fma_ue", 30.0, day(2026, 2, 3)))
        .unwrap();
    store
        .add_session(&session("P-0001", day(2026, 2, 4), 9))
        .unwrap();
    // A refused change writes nothing.
    let _ = store.add_assessment(&assessment("P-0001", "fma_ue", 99.0, day(2026, 2, 3)));
    let rows = store.audit(Some("P-0001")).unwrap();
    let summary: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.action.as_str(), r.entity.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            ("create", "patient"),
            ("update", "patient"),
            ("create", "assessment"),
            ("create", "session")
        ]
    );
    let update = &rows[1];
    assert_eq!(update.os_user, "kim");
    assert_eq!(update.ssh_addr.as_deref(), Some("10.1.2.3"));
    assert_eq!(update.entity_key, "P-0001");
    // Free text is personal data: the trail says it changed, not what it says.
    assert_eq!(update.before.as_ref().unwrap()["notes"], "(withheld)");
    assert_eq!(
        update.after.as_ref().unwrap()["notes"],
        "(withheld; changed)"
    );
    assert_eq!(update.before.as_ref().unwrap()["version"], 1);
    assert_eq!(update.after.as_ref().unwrap()["version"], 2);
    assert_eq!(
        update.after.as_ref().unwrap()["name"],
        "(withheld)",
        "no personal names in the append-only trail"
    );
    assert!(rows[0].before.is_none());
    assert!(chrono::DateTime::parse_from_rfc3339(&update.at).is_ok());
    assert!(update.at.ends_with('Z'), "UTC: {}", update.at);
}

#[test]
fn the_audit_trail_is_append_only_and_tamper_evident() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut store = Store::open(&path).unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    store.add_patient(&pd_patient("P-0002")).unwrap();
    store
        .add_assessment(&assessment("P-0002", "tug_s", 11.8, day(2026, 2, 3)))
        .unwrap();
    assert_eq!(store.verify_audit().unwrap(), Ok(4));

    let raw = rusqlite::Connection::open(&path).unwrap();
    let e = raw
        .execute("UPDATE audit SET os_user = 'mallory' WHERE id = 2", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = raw
        .execute("DELETE FROM audit WHERE id = 2", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");

    // Someone with file access drops the triggers and edits a row: the chain shows where.
    raw.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET after_json = replace(after_json, '11.8', '9.0') WHERE id = 4;",
    )
    .unwrap();
    let brk = store.verify_audit().unwrap().unwrap_err();
    assert_eq!(brk.row_id, 4);
    raw.execute_batch("DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE id = 2;")
        .unwrap();
    let brk = store.verify_audit().unwrap().unwrap_err();
    assert_eq!(brk.row_id, 3);
    assert!(brk.to_string().contains("row 3"), "{brk}");
}

#[test]
fn a_stale_update_is_a_conflict_carrying_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut a = Store::open(&path).unwrap();
    let mut b = Store::open(&path).unwrap();
    let p = a.add_patient(&stroke_patient("P-0001")).unwrap();
    let mut mine_a = p.clone();
    mine_a.notes = "therapist A".into();
    let mut mine_b = b.patient("P-0001").unwrap();
    mine_b.notes = "therapist B".into();
    a.update_patient(&mine_a).unwrap();
    match b.update_patient(&mine_b).unwrap_err() {
        StoreError::Conflict { mine, theirs } => {
            assert_eq!(mine.notes, "therapist B");
            assert_eq!(mine.version, 1);
            assert_eq!(theirs.notes, "therapist A");
            assert_eq!(theirs.version, 2);
        }
        other => panic!("expected a conflict, got {other}"),
    }
    let saved = a.patient("P-0001").unwrap();
    assert_eq!(saved.notes, "therapist A", "never a silent overwrite");
    assert_eq!(a.audit(Some("P-0001")).unwrap().len(), 2);
}

#[test]
fn data_version_changes_when_another_connection_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let reader = Store::open(&path).unwrap();
    let mut writer = Store::open(&path).unwrap();
    let v1 = reader.data_version().unwrap();
    writer.add_patient(&stroke_patient("P-0001")).unwrap();
    let v2 = reader.data_version().unwrap();
    assert_ne!(v1, v2);
}

#[test]
fn backup_is_private_complete_audited_and_does_not_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&db(&dir)).unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    let nowhere = dir.path().join("no-such-folder").join("copy.db");
    let e = message(store.backup_to(&nowhere, false).expect_err("refused"));
    assert!(
        e.contains("the folder") && e.contains("no-such-folder") && e.contains("does not exist"),
        "{e}"
    );
    let dest = dir.path().join("copy.db");
    store.backup_to(&dest, false).unwrap();
    let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let copy = Store::open(&dest).unwrap();
    assert_eq!(copy.patient("P-0001").unwrap().code, "P-0001");
    assert!(copy.integrity_check().unwrap().is_empty());
    let last = store.audit(None).unwrap().pop().unwrap();
    assert_eq!(last.action, "backup");
    let msg = message(store.backup_to(&dest, false).unwrap_err());
    assert!(msg.contains("already exists"), "{msg}");
    store.backup_to(&dest, true).unwrap();
}

#[test]
fn a_writer_waits_for_another_writer_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    Store::open(&path)
        .unwrap()
        .add_patient(&stroke_patient("P-0001"))
        .unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let path = path.clone();
            std::thread::spawn(move || {
                let mut s = Store::open(&path).unwrap();
                for i in 0..25 {
                    let mut log = session("P-0001", day(2026, 2, 1), 8);
                    log.repetitions = t * 100 + i;
                    s.add_session(&log).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let s = Store::open(&path).unwrap();
    assert_eq!(s.sessions("P-0001", None).unwrap().len(), 100);
    assert!(s.verify_audit().unwrap().is_ok());
}

#[test]
fn a_lock_held_past_the_timeout_is_reported_as_busy_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut store = Store::open(&path).unwrap();
    store
        .set_busy_timeout(std::time::Duration::from_millis(150))
        .unwrap();
    let holder = rusqlite::Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let err = store.add_patient(&stroke_patient("P-0001")).unwrap_err();
    assert!(matches!(err, StoreError::Busy), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the database is busy (another Praxis is writing); try again"
    );
    holder.execute_batch("ROLLBACK").unwrap();
    store.add_patient(&stroke_patient("P-0001")).unwrap();
    assert_eq!(store.counts().unwrap().patients, 1);
}

#[test]
fn plan_goal_edits_conflict_instead_of_overwriting() {
    let dir = tempfile::tempdir().unwrap();
    let path = db(&dir);
    let mut a = Store::open(&path).unwrap();
    let mut b = Store::open(&path).unwrap();
    a.add_patient(&stroke_patient("P-0107")).unwrap();
    let plan = a
        .set_plan(&Plan {
            id: 0,
            patient_code: "P-0107".into(),
            protocol_id: "task-specific-300".into(),
            start_date: day(2026, 2, 1),
            goal: "drink from a cup".into(),
            status: PlanStatus::Active,
            version: 0,
        })
        .unwrap();
    let seen_by_b = b.active_plan("P-0107").unwrap().unwrap();
    let saved = a
        .update_plan(&Plan {
            goal: "drink from a cup by week 8".into(),
            ..plan.clone()
        })
        .unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(b.active_plan("P-0107").unwrap(), Some(saved.clone()));
    let err = b
        .update_plan(&Plan {
            goal: "comb hair".into(),
            ..seen_by_b
        })
        .unwrap_err();
    let text = err.to_string();
    match err {
        StoreError::PlanConflict { mine, theirs } => {
            assert_eq!((mine.goal.as_str(), mine.version), ("comb hair", 1));
            assert_eq!(
                (theirs.goal.as_str(), theirs.version),
                ("drink from a cup by week 8", 2)
            );
        }
        other => panic!("expected a plan conflict, got {other}"),
    }
    assert!(text.contains("changed by someone else"), "{text}");
    assert_eq!(
        a.active_plan("P-0107").unwrap().unwrap().goal,
        "drink from a cup by week 8"
    );
    let last = a.audit(Some("P-0107")).unwrap().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.entity.as_str()),
        ("update", "plan")
    );
    // A goal is free text, so the trail records that it changed, not what it says.
    assert_eq!(last.before.unwrap()["goal"], "(withheld)");
    assert_eq!(last.after.unwrap()["goal"], "(withheld; changed)");
    // The protocol is not edited in place.
    let e = a
        .update_plan(&Plan {
            protocol_id: "cimt".into(),
            ..saved
        })
        .unwrap_err();
    assert!(e.to_string().contains("set a new plan instead"), "{e}");
}
