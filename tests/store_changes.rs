//! What every change to the store leaves and how changes meet: an audit row per change, an append-only and
//! tamper-evident trail, conflicts carrying both versions, waiting writers, `data_version`, backups (split from
//! tests/store.rs).

use std::os::unix::fs::PermissionsExt as _;

use praxis::domain::*;
use praxis::store::{Store, StoreError, Who};

mod common;
use common::day;
use common::stored::*;

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
