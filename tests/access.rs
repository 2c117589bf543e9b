//! Access and roles, erasure, file permissions, backups and restore, signals: the store API and the `praxis` binary.

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;

use assert_cmd::Command;
use praxis::domain::*;
use praxis::store::{Role, Store, StoreError};

mod common;
use common::{day, store_of_boss, who};

const NAME: &str = "Zelda Quirinus";
const NOTES: &str = "lives alone above the bakery";
const BIRTH_YEAR: i32 = 1937;
const FREE_TEXT: &str = "cried after the third set";

fn patient(code: &str) -> Patient {
    common::patient(code)
        .name(NAME)
        .born(BIRTH_YEAR)
        .sex(Sex::Female)
        .notes(NOTES)
        .build()
}

fn assessment(code: &str) -> Assessment {
    Assessment {
        id: 0,
        patient_code: code.into(),
        instrument: "tug_s".into(),
        score: 14.0,
        date: day(2026, 2, 3),
        assessor: None,
        notes: FREE_TEXT.into(),
    }
}

fn session(code: &str) -> SessionLog {
    SessionLog {
        id: 0,
        patient_code: code.into(),
        started_at: day(2026, 2, 4).and_hms_opt(9, 0, 0).unwrap(),
        protocol_id: "balance-gait-older".into(),
        minutes: 30,
        repetitions: 40,
        level: None,
        success_rate: None,
        rpe: None,
        notes: FREE_TEXT.into(),
        clinician: None,
    }
}

fn forbidden(e: StoreError) -> String {
    assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
    e.to_string()
}

/// A database made by "boss" (admin) with a patient who has an assessment and a session.
fn clinic() -> (tempfile::TempDir, PathBuf, Store) {
    let (dir, path, mut store) = store_of_boss();
    store.add_patient(&patient("P-0001")).unwrap();
    store.add_assessment(&assessment("P-0001")).unwrap();
    store.add_session(&session("P-0001")).unwrap();
    (dir, path, store)
}

#[test]
fn an_unknown_user_can_read_but_not_write_and_is_told_how_to_get_access() {
    let (_d, _p, mut store) = clinic();
    store.set_who(who("stranger"));
    assert_eq!(store.role().unwrap(), None);
    assert_eq!(store.patient("P-0001").unwrap().name.as_deref(), Some(NAME));
    let before = store.counts().unwrap();
    let msg = forbidden(store.add_patient(&patient("P-0002")).unwrap_err());
    assert_eq!(
        msg,
        "you (stranger) are not a clinician in this database: you can read but not write; an admin can add you \
         with: praxis clinician add stranger --role therapist"
    );
    forbidden(store.add_session(&session("P-0001")).unwrap_err());
    assert_eq!(
        store.counts().unwrap(),
        before,
        "nothing written, not even audit"
    );
}

#[test]
fn readonly_reads_therapist_writes_only_admin_deletes_and_manages() {
    let (_d, _p, mut store) = clinic();
    store
        .add_clinician("stu", "Student", Role::Readonly)
        .unwrap();
    store.add_clinician("kim", "Kim", Role::Therapist).unwrap();
    store.add_clinician("lee", "Lee", Role::Lead).unwrap();

    store.set_who(who("stu"));
    assert!(store.patient("P-0001").is_ok());
    assert!(
        forbidden(store.add_assessment(&assessment("P-0001")).unwrap_err()).contains("read-only")
    );

    for user in ["kim", "lee"] {
        store.set_who(who(user));
        store.add_assessment(&assessment("P-0001")).unwrap();
        let msg = forbidden(store.delete_patient("P-0001").unwrap_err());
        assert!(msg.contains("only an admin can delete a patient"), "{msg}");
        forbidden(store.add_clinician("eve", "Eve", Role::Admin).unwrap_err());
        forbidden(store.set_role(user, Role::Admin).unwrap_err());
        forbidden(store.remove_clinician("boss").unwrap_err());
    }
    assert!(store.patient("P-0001").is_ok());

    store.set_who(who("boss"));
    assert_eq!(
        store.set_role("stu", Role::Therapist).unwrap().role,
        Role::Therapist
    );
    store.set_who(who("stu"));
    store.add_assessment(&assessment("P-0001")).unwrap();
}

#[test]
fn the_last_admin_can_be_neither_removed_nor_demoted() {
    let (_d, _p, mut store) = clinic();
    assert!(forbidden(store.remove_clinician("boss").unwrap_err()).contains("last admin"));
    assert!(forbidden(store.set_role("boss", Role::Lead).unwrap_err()).contains("last admin"));
    store.add_clinician("ann", "Ann", Role::Admin).unwrap();
    store.set_role("boss", Role::Lead).unwrap();
    store.set_who(who("ann"));
    store.remove_clinician("boss").unwrap();
    let all: Vec<(String, Role)> = store
        .clinicians()
        .unwrap()
        .into_iter()
        .map(|c| (c.os_user, c.role))
        .collect();
    assert_eq!(all, [("ann".to_string(), Role::Admin)]);
    let actions: Vec<String> = store
        .audit(None)
        .unwrap()
        .iter()
        .filter(|r| r.entity == "clinician")
        .map(|r| format!("{} {}", r.action, r.entity_key))
        .collect();
    assert!(actions.ends_with(&[
        "create ann".into(),
        "update boss".into(),
        "delete boss".into()
    ]));
}

#[test]
fn erasing_a_patient_leaves_no_personal_data_anywhere_readable() {
    let (_d, path, mut store) = clinic();
    store.add_patient(&patient("P-0002")).unwrap();
    let mut edited = store.patient("P-0001").unwrap();
    edited.notes = format!("{NOTES}; daughter visits");
    store.update_patient(&edited).unwrap();
    let erased = store.delete_patient("P-0001").unwrap();
    assert_eq!(
        (erased.assessments, erased.sessions, erased.plans),
        (1, 1, 0)
    );
    assert!(matches!(
        store.patient("P-0001"),
        Err(StoreError::NotFound(_))
    ));
    assert!(store.assessments("P-0001").is_err());
    let c = store.counts().unwrap();
    assert_eq!((c.patients, c.assessments, c.sessions), (1, 0, 0));
    assert!(
        store.verify_audit().unwrap().is_ok(),
        "the chain survives the erasure"
    );
    store.delete_patient("P-0002").unwrap();
    // The erasure's own row names no patient (issue 9): their rows are gone from a search by code.
    assert!(store.audit(Some("P-0002")).unwrap().is_empty());
    let last = store.audit(None).unwrap().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.entity.as_str()),
        ("delete", "patient")
    );
    assert_eq!(last.patient_code, None);
    drop(store);

    // Read every audit row as raw text, straight from SQLite.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT coalesce(before_json, '') || coalesce(after_json, '') || entity_key FROM audit",
        )
        .unwrap();
    let text: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(text.len() > 8);
    for row in &text {
        for secret in [
            NAME,
            "Zelda",
            NOTES,
            "bakery",
            FREE_TEXT,
            &BIRTH_YEAR.to_string(),
        ] {
            assert!(!row.contains(secret), "audit row holds {secret:?}: {row}");
        }
    }
}

#[test]
fn new_files_are_private_and_a_group_may_share_them() {
    let (_d, path, store) = clinic();
    assert!(store.warnings().is_empty());
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    drop(store);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&path).unwrap();
    let w = store.warnings().join("\n");
    assert!(w.contains(&format!("chmod 600 {}", path.display())), "{w}");
}

// ---- the binary ----

fn praxis(db: &std::path::Path, args: &[&str]) -> Command {
    let mut c = common::praxis(db.parent().unwrap());
    c.arg("--db").arg(db).args(args);
    Command::from_std(c)
}

fn run(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = praxis(db, args).output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn cli_an_unknown_user_is_told_and_faking_user_does_not_help() {
    let (_d, path, store) = clinic();
    drop(store);
    // The real OS user is no longer a clinician; claiming to be the admin through $USER/$LOGNAME changes nothing.
    let out = praxis(&path, &["assess", "P-0001", "tug_s", "12"])
        .env("USER", "boss")
        .env("LOGNAME", "boss")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("are not a clinician in this database: you can read but not write"),
        "{err}"
    );
    assert!(err.contains("praxis clinician add "), "{err}");
    assert!(!err.contains("(boss)"), "{err}");
    let (ok, shown, _) = run(&path, &["patient", "show", "P-0001"]);
    assert!(
        ok && shown.contains("P-0001"),
        "reading still works: {shown}"
    );
}

#[test]
fn cli_clinicians_are_managed_by_the_admin_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let (ok, _, err) = run(
        &db,
        &[
            "clinician",
            "add",
            "kim",
            "--role",
            "therapist",
            "--name",
            "Kim Lee",
        ],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = run(&db, &["clinician", "add", "kim", "--role", "lead"]);
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = run(&db, &["clinician", "set-role", "kim", "readonly"]);
    assert!(ok, "{err}");
    let (ok, out, _) = run(&db, &["clinician", "list", "--json"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    let kim = rows.iter().find(|r| r["user"] == "kim").unwrap();
    assert_eq!(
        (kim["name"].as_str(), kim["role"].as_str()),
        (Some("Kim Lee"), Some("readonly"))
    );
    let me = rows.iter().find(|r| r["you"] == true).unwrap();
    assert_eq!(me["role"], "admin", "the creator is the first admin");
    let me = me["user"].as_str().unwrap().to_string();
    let (ok, _, err) = run(&db, &["clinician", "remove", &me]);
    assert!(!ok && err.contains("last admin"), "{err}");
    let (ok, _, err) = run(&db, &["clinician", "remove", "kim"]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(&db, &["clinician", "remove", "kim"]);
    assert!(!ok && err.contains("kim is not a clinician"), "{err}");
}

#[test]
fn cli_patient_delete_needs_confirmation_then_erases() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let (ok, _, err) = run(
        &db,
        &[
            "patient",
            "add",
            "--code",
            "P-0001",
            "--birth-year",
            "1950",
            "--condition",
            "older-adult",
        ],
    );
    assert!(ok, "{err}");
    assert!(run(&db, &["assess", "P-0001", "tug_s", "12"]).0);
    // Not a terminal and no --yes: refused, nothing removed.
    let (ok, _, err) = run(&db, &["patient", "delete", "P-0001"]);
    assert!(!ok && err.contains("--yes"), "{err}");
    assert!(run(&db, &["patient", "show", "P-0001"]).0);
    let (ok, out, err) = run(&db, &["patient", "delete", "P-0001", "--yes"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Erased patient P-0001: 1 assessment,"),
        "{out}"
    );
    let (ok, _, err) = run(&db, &["patient", "show", "P-0001"]);
    assert!(!ok && err.contains("no patient with code P-0001"), "{err}");
    let (ok, _, err) = run(&db, &["patient", "delete", "P-0001", "--yes"]);
    assert!(!ok && err.contains("no patient with code P-0001"), "{err}");
}

#[test]
fn cli_a_world_readable_database_warns_on_stderr_with_the_fix() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    assert!(run(&db, &["patient", "list"]).0);
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, out, err) = run(&db, &["patient", "list", "--json"]);
    assert!(ok, "{err}");
    assert!(
        serde_json::from_str::<serde_json::Value>(&out).is_ok(),
        "JSON stays clean: {out}"
    );
    assert!(
        err.contains("warning") && err.contains(&format!("chmod 600 {}", db.display())),
        "{err}"
    );
}

#[test]
fn cli_praxis_group_shares_the_files_with_the_group() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    // Our own primary group, which we may always chgrp to.
    let gid = unsafe { libc::getegid() };
    let group = nix_group_name(gid);
    let out = praxis(&db, &["patient", "list"])
        .env("PRAXIS_GROUP", &group)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta = std::fs::metadata(&db).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    assert_eq!(std::os::unix::fs::MetadataExt::gid(&meta), gid);
    // Backups too, in the backup folder and to a named file.
    let named = dir.path().join("named.db");
    for args in [
        &["db", "backup", "--json"][..],
        &["db", "backup", named.to_str().unwrap(), "--json"],
    ] {
        let out = praxis(&db, args)
            .env("PRAXIS_GROUP", &group)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let meta = std::fs::metadata(v["backup"].as_str().unwrap()).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o660, "{v}");
        assert_eq!(std::os::unix::fs::MetadataExt::gid(&meta), gid);
    }
    let out = praxis(&db, &["patient", "list"])
        .env("PRAXIS_GROUP", "no-such-group-praxis")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PRAXIS_GROUP=no-such-group-praxis"));
}

fn nix_group_name(gid: libc::gid_t) -> String {
    let out = std::process::Command::new("getent")
        .args(["group", &gid.to_string()])
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .split(':')
        .next()
        .unwrap()
        .to_string()
}

// ---- backups and restore ----

fn codes(store: &Store) -> Vec<String> {
    store
        .list_patients(&praxis::store::PatientFilter::default())
        .unwrap()
        .into_iter()
        .map(|r| r.patient.code)
        .collect()
}

#[test]
fn backups_go_to_the_directory_are_private_audited_and_only_the_newest_are_kept() {
    let (dir, _path, mut store) = clinic();
    let config = praxis::store::BackupConfig {
        dir: dir.path().join("bk"),
        keep: 3,
    };
    // A file of someone else's database in the same directory is never pruned.
    std::fs::create_dir_all(&config.dir).unwrap();
    std::fs::write(config.dir.join("other-20200101T000000.000Z.db"), b"x").unwrap();
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(store.backup_to_dir(&config).unwrap());
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut left: Vec<PathBuf> = std::fs::read_dir(&config.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("praxis-")
        })
        .collect();
    left.sort();
    assert_eq!(left, made[2..], "the newest three remain");
    assert!(config.dir.join("other-20200101T000000.000Z.db").exists());
    let mode = std::fs::metadata(&left[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let copy = Store::open(&left[2]).unwrap();
    assert_eq!(codes(&copy), ["P-0001"]);
    let audited = store
        .audit(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.action == "backup")
        .count();
    assert_eq!(audited, 5);
}

#[test]
fn restore_checks_the_file_keeps_the_current_database_and_is_audited() {
    let (dir, path, mut store) = clinic();
    let config = praxis::store::BackupConfig {
        dir: dir.path().join("bk"),
        keep: 14,
    };
    let good = store.backup_to_dir(&config).unwrap();
    store.add_patient(&patient("P-0002")).unwrap();

    // Refused: not an admin; a damaged file; a file from a newer Praxis; not a Praxis database.
    store.add_clinician("kim", "Kim", Role::Therapist).unwrap();
    store.set_who(who("kim"));
    assert!(forbidden(store.restore_from(&good, &config).unwrap_err()).contains("only an admin"));
    store.set_who(who("boss"));
    let damaged = dir.path().join("damaged.db");
    let mut bytes = std::fs::read(&good).unwrap();
    let half = bytes.len() / 2;
    bytes.truncate(half);
    bytes.extend(std::iter::repeat_n(0xA5u8, 8192));
    std::fs::write(&damaged, &bytes).unwrap();
    let newer = dir.path().join("newer.db");
    std::fs::copy(&good, &newer).unwrap();
    rusqlite::Connection::open(&newer)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let stranger = dir.path().join("stranger.db");
    rusqlite::Connection::open(&stranger)
        .unwrap()
        .execute_batch("CREATE TABLE t(x); PRAGMA user_version = 1;")
        .unwrap();
    for (bad, says) in [
        (&damaged, "damaged"),
        (&newer, "newer Praxis"),
        (&stranger, "not a Praxis database"),
        (&dir.path().join("missing.db"), "no such file"),
    ] {
        let e = store.restore_from(bad, &config).unwrap_err().to_string();
        assert!(e.contains(says) || e.contains("corrupt"), "{bad:?}: {e}");
        assert!(
            e.contains(bad.file_name().unwrap().to_str().unwrap()),
            "{e}"
        );
        assert_eq!(codes(&store), ["P-0001", "P-0002"], "nothing changed");
    }

    let r = store.restore_from(&good, &config).unwrap();
    assert_eq!(codes(&store), ["P-0001"]);
    let previous = Store::open(&r.previous).unwrap();
    assert_eq!(
        codes(&previous),
        ["P-0001", "P-0002"],
        "the replaced database was kept"
    );
    let last = store.audit(None).unwrap().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.os_user.as_str()),
        ("restore", "boss")
    );
    assert!(store.verify_audit().unwrap().is_ok());
    assert!(store.integrity_check().unwrap().is_empty());
    drop(store);
    // Another connection sees the restored database.
    assert_eq!(codes(&Store::open(&path).unwrap()), ["P-0001"]);
}

#[test]
fn an_old_database_is_backed_up_before_it_is_migrated() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // A database at schema version 0 that already holds data.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE legacy(x); INSERT INTO legacy VALUES ('keep me');")
        .unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.schema_version().unwrap(),
        praxis::store::SCHEMA_VERSION
    );
    let backups: Vec<PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".pre-v") && p.to_string_lossy().ends_with(".bak"))
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let mode = std::fs::metadata(&backups[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let old = rusqlite::Connection::open(&backups[0]).unwrap();
    let v: i64 = old
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let kept: String = old
        .query_row("SELECT x FROM legacy", [], |r| r.get(0))
        .unwrap();
    assert_eq!((v, kept.as_str()), (0, "keep me"));
    let tables: i64 = old
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'patients'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        tables, 0,
        "the backup is of the database before the migration"
    );
    // A brand-new file is not backed up.
    let fresh = dir.path().join("fresh.db");
    Store::open(&fresh).unwrap();
    let baks = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .to_string_lossy()
                .ends_with(".bak")
        })
        .count();
    assert_eq!(baks, 1);
}

#[test]
fn cli_backup_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let add = |code: &str| {
        let (ok, _, err) = run(
            &db,
            &[
                "patient",
                "add",
                "--code",
                code,
                "--birth-year",
                "1950",
                "--condition",
                "older-adult",
            ],
        );
        assert!(ok, "{err}");
    };
    add("P-0001");
    let (ok, out, err) = run(&db, &["db", "backup", "--json"]);
    assert!(ok, "{err}");
    let file = serde_json::from_str::<serde_json::Value>(&out).unwrap()["backup"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        file.starts_with(&dir.path().join("backups").display().to_string()),
        "{file}"
    );
    add("P-0002");
    let (ok, _, err) = run(&db, &["db", "restore", &file]);
    assert!(!ok && err.contains("--yes"), "{err}");
    let (ok, out, err) = run(&db, &["db", "restore", &file, "--yes"]);
    assert!(ok, "{err}");
    assert!(out.contains("Restored"), "{out}");
    let (_, list, _) = run(&db, &["patient", "list", "--json"]);
    assert!(
        list.contains("P-0001") && !list.contains("P-0002"),
        "{list}"
    );
    let out = praxis(&db, &["db", "backup"])
        .env("PRAXIS_BACKUP_KEEP", "none")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PRAXIS_BACKUP_KEEP=none"));
}

#[test]
fn cli_backups_go_to_the_configured_directory_and_only_the_newest_n_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    let nightly = dir.path().join("nightly");
    let mut made = Vec::new();
    for _ in 0..4 {
        let out = praxis(&db, &["db", "backup", "--json"])
            .env("PRAXIS_BACKUP_DIR", &nightly)
            .env("PRAXIS_BACKUP_KEEP", "2")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        made.push(PathBuf::from(v["backup"].as_str().unwrap()));
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let mut left: Vec<PathBuf> = std::fs::read_dir(&nightly)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    left.sort();
    assert_eq!(
        left,
        made[2..],
        "the newest two remain, in {}",
        nightly.display()
    );
    for f in &left {
        assert_eq!(
            std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(
        !dir.path().join("backups").exists(),
        "nothing in the default folder"
    );
    let (_, trail, _) = run(&db, &["audit", "--json"]);
    let trail: serde_json::Value = serde_json::from_str(&trail).unwrap();
    let backups = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "backup")
        .count();
    assert_eq!(backups, 4, "every backup is audited, pruned or not");
}

// ---- signals ----

/// Send `sig` to `praxis demo` at 0, 5, ... 75 ms: each run ends through the handler (status 128+sig, saying so) or
/// by the signal, and leaves the demo's patients entirely or not at all.
fn signal_during_demo_leaves_nothing_or_everything(sig: libc::c_int, name: &str) {
    use std::os::unix::process::ExitStatusExt as _;
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("praxis");
    let mut interrupted = 0;
    let mut stopped_cleanly = 0;
    // What a whole demo writes today (the session count depends on the date of loading).
    let full = {
        let db = dir.path().join("full.db");
        let out = std::process::Command::new(&bin)
            .env_remove("PRAXIS_DB")
            .env("XDG_DATA_HOME", dir.path().join("xdg"))
            .arg("--db")
            .arg(&db)
            .arg("demo")
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let c = Store::open(&db).unwrap().counts().unwrap();
        (c.patients, c.assessments, c.sessions, c.plans)
    };
    assert_eq!(full.0, 6);
    for (i, delay_ms) in (0..80).step_by(5).enumerate() {
        let db = dir.path().join(format!("d{i}.db"));
        let child = std::process::Command::new(&bin)
            .env_remove("PRAXIS_DB")
            .env("XDG_DATA_HOME", dir.path().join("xdg"))
            .arg("--db")
            .arg(&db)
            .arg("demo")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SAFETY: sending a signal to our own child process.
        unsafe { libc::kill(child.id() as libc::pid_t, sig) };
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            interrupted += 1;
            if out.status.code() == Some(128 + sig) {
                stopped_cleanly += 1;
                assert!(err.contains(&format!("stopped by {name}")), "{err}");
            } else {
                assert_eq!(out.status.signal(), Some(sig), "{err}");
            }
        }
        let store = Store::open(&db).unwrap();
        assert!(store.integrity_check().unwrap().is_empty());
        assert!(store.verify_audit().unwrap().is_ok());
        let c = store.counts().unwrap();
        let got = (c.patients, c.assessments, c.sessions, c.plans);
        assert!(
            got == (0, 0, 0, 0) || got == full,
            "after {name} at {delay_ms} ms: {got:?}"
        );
    }
    assert!(
        interrupted > 0,
        "no run was interrupted: the test tested nothing"
    );
    assert!(
        stopped_cleanly > 0,
        "no run went through the {name} handler: it was not tested"
    );
    eprintln!("{interrupted} interrupted, {stopped_cleanly} through the handler");
}

#[test]
fn sigterm_during_demo_leaves_nothing_or_everything() {
    signal_during_demo_leaves_nothing_or_everything(libc::SIGTERM, "SIGTERM");
}

/// The SSH connection drops: the shell's children get SIGHUP.
#[test]
fn sighup_during_demo_leaves_nothing_or_everything() {
    signal_during_demo_leaves_nothing_or_everything(libc::SIGHUP, "SIGHUP");
}
