//! Issue 9, point 3: who may correct or void which record, and two users correcting the same record at once,
//! through the store and the use cases (split from tests/records.rs).

use std::path::{Path, PathBuf};

use praxis::domain::{Assessment, SessionLog};
use praxis::store::{Correction, RecordKind, RecordStatus, Role, Store, StoreError};

mod common;
use common::{day, patient, store_of_boss, who};

fn assessment(score: f64) -> Assessment {
    common::assessment("P-0001", "bbs", score, day(2026, 3, 1))
}

fn session() -> SessionLog {
    common::session(
        "P-0001",
        "usual-care",
        day(2026, 3, 2).and_hms_opt(9, 0, 0).unwrap(),
    )
}

/// "boss" (admin), "lena" (lead), "tom" and "ann" (therapists), "stu" (readonly); a patient.
fn clinic() -> (tempfile::TempDir, PathBuf, Store) {
    let (dir, path, mut store) = store_of_boss();
    for (u, r) in [
        ("lena", Role::Lead),
        ("tom", Role::Therapist),
        ("ann", Role::Therapist),
        ("stu", Role::Readonly),
    ] {
        store.add_clinician(u, u, r).unwrap();
    }
    store.add_patient(&patient("P-0001").build()).unwrap();
    (dir, path, store)
}

fn as_user(path: &Path, user: &str) -> Store {
    let mut s = Store::open(path).unwrap();
    s.set_who(who(user));
    s
}

fn forbidden<T: std::fmt::Debug>(r: Result<T, StoreError>) -> String {
    match r {
        Err(e @ StoreError::Forbidden(_)) => e.to_string(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_therapist_corrects_their_own_records_a_lead_anyones_readonly_and_strangers_nothing() {
    let (_dir, path, _boss) = clinic();
    let mut tom = as_user(&path, "tom");
    let mut ann = as_user(&path, "ann");
    let a = tom.add_assessment(&assessment(40.0)).unwrap();
    let s = tom.add_session(&session()).unwrap();
    let fix = |score| {
        Correction::Assessment(Assessment {
            id: a.id,
            score,
            ..assessment(0.0)
        })
    };
    // Another therapist: neither correct nor void, for assessments and sessions.
    let msg = forbidden(ann.correct_record(&fix(41.0), "typo"));
    assert!(
        msg.contains("only records you entered") && msg.contains("tom"),
        "{msg}"
    );
    forbidden(ann.void_record(RecordKind::Assessment, a.id, "dup"));
    forbidden(ann.void_record(RecordKind::Session, s.id, "dup"));
    // Read-only and unknown users: nothing, even what they could see.
    for user in ["stu", "mallory"] {
        let mut st = as_user(&path, user);
        forbidden(st.correct_record(&fix(41.0), "typo"));
        forbidden(st.void_record(RecordKind::Session, s.id, "dup"));
    }
    // Nothing of that was written.
    let (_, meta) = tom.assessment_record(a.id).unwrap();
    assert_eq!(meta.status, RecordStatus::Current);
    // The lead may correct anyone's; the therapist who entered it still may correct the new version.
    let mut lena = as_user(&path, "lena");
    let v2 = lena.correct_record(&fix(41.0), "typo").unwrap();
    let v3 = tom
        .correct_record(
            &Correction::Assessment(Assessment {
                id: v2,
                score: 42.0,
                ..assessment(0.0)
            }),
            "still a typo",
        )
        .unwrap();
    let (latest, meta) = tom.assessment_record(v3).unwrap();
    assert_eq!((latest.score, meta.supersedes), (42.0, Some(v2)));
    assert_eq!(meta.created_by.as_deref(), Some("tom"));
    let (_, old) = tom.assessment_record(v2).unwrap();
    assert_eq!(
        (old.status, old.changed_by.as_deref()),
        (RecordStatus::Corrected, Some("tom"))
    );
    // The admin may void anyone's; the therapist their own session.
    as_user(&path, "boss")
        .void_record(RecordKind::Assessment, v3, "wrong patient")
        .unwrap();
    tom.void_record(RecordKind::Session, s.id, "entered twice")
        .unwrap();
    assert!(tom.assessments("P-0001").unwrap().is_empty());
    assert!(tom.sessions("P-0001", None).unwrap().is_empty());
    assert_eq!(tom.history_records("P-0001", true).unwrap().len(), 4);
}

#[test]
fn of_two_users_correcting_the_same_record_the_second_is_refused() {
    let (_dir, path, mut boss) = clinic();
    let a = boss.add_assessment(&assessment(40.0)).unwrap();
    let mut one = as_user(&path, "lena");
    let mut two = as_user(&path, "boss");
    // Both read the record, then both save a correction of it.
    let read = |s: &Store| s.assessment_record(a.id).unwrap().0;
    let (mut mine, mut theirs) = (read(&one), read(&two));
    mine.score = 41.0;
    theirs.score = 45.0;
    let first = one
        .correct_record(&Correction::Assessment(mine), "typo")
        .unwrap();
    let err = two
        .correct_record(&Correction::Assessment(theirs), "typo too")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("already corrected") && err.contains("nothing was saved"),
        "{err}"
    );
    assert!(err.contains(&format!("assessment {first}")), "{err}");
    let current = two.assessments("P-0001").unwrap();
    assert_eq!(current.len(), 1);
    assert_eq!((current[0].id, current[0].score), (first, 41.0));
    // Voiding what someone just corrected is refused the same way.
    let err = two
        .void_record(RecordKind::Assessment, a.id, "dup")
        .unwrap_err()
        .to_string();
    assert!(err.contains("already corrected"), "{err}");
}

#[test]
fn a_correction_cannot_move_a_record_to_another_patient_or_instrument() {
    let (_dir, _path, mut boss) = clinic();
    let a = boss.add_assessment(&assessment(40.0)).unwrap();
    let err = boss
        .correct_record(
            &Correction::Assessment(Assessment {
                id: a.id,
                patient_code: "P-0002".into(),
                ..assessment(40.0)
            }),
            "x",
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("void it"), "{err}");
    let err = boss
        .correct_record(
            &Correction::Assessment(Assessment {
                id: a.id,
                instrument: "tug_s".into(),
                ..assessment(20.0)
            }),
            "x",
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("instrument"), "{err}");
    assert_eq!(boss.history_records("P-0001", true).unwrap().len(), 1);
}

/// Issue 10, point 4: the use cases report refusals a front end must tell apart as typed variants, with the store's
/// wording.
#[test]
fn the_use_cases_name_conflicts_and_records_no_longer_current_by_type() {
    use praxis::app::AppError;
    use praxis::app::records::{self as use_cases, AssessmentChanges};
    let (_dir, path, mut boss) = clinic();
    let a = boss.add_assessment(&assessment(40.0)).unwrap();
    let mut lena = as_user(&path, "lena");
    let ch = AssessmentChanges {
        score: Some(41.0),
        ..Default::default()
    };
    use_cases::correct_assessment(&mut boss, a.id, &ch, "typo").unwrap();
    match use_cases::correct_assessment(&mut lena, a.id, &ch, "typo too") {
        Err(AppError::NotCurrent(m)) => assert!(m.contains("already corrected"), "{m}"),
        other => panic!("expected NotCurrent, got {other:?}"),
    }
    match use_cases::void(&mut lena, RecordKind::Assessment, a.id, "dup") {
        Err(AppError::NotCurrent(m)) => assert!(m.contains("nothing was saved"), "{m}"),
        other => panic!("expected NotCurrent, got {other:?}"),
    }
    // Nothing to correct is bad input, not a store failure.
    assert!(matches!(
        use_cases::correct_assessment(&mut boss, a.id, &AssessmentChanges::default(), "x"),
        Err(AppError::Invalid(_))
    ));
    // Two edits of the same patient: the second is a conflict carrying both versions.
    let mut mine = boss.patient("P-0001").unwrap();
    let mut theirs = lena.patient("P-0001").unwrap();
    theirs.notes = "theirs".into();
    praxis::app::patients::update(&mut lena, &theirs).unwrap();
    mine.notes = "mine".into();
    match praxis::app::patients::update(&mut boss, &mine) {
        Err(e @ AppError::PatientConflict { .. }) => {
            let msg = e.to_string();
            let AppError::PatientConflict { mine, theirs } = e else {
                unreachable!()
            };
            assert_eq!(
                (mine.notes.as_str(), theirs.notes.as_str()),
                ("mine", "theirs")
            );
            assert!(msg.contains("changed by someone else"), "{msg}");
        }
        other => panic!("expected PatientConflict, got {other:?}"),
    }
}
