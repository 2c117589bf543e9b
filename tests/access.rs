//! Access and roles, erasure, file permissions: the store API and the `praxis` binary. Backups and restore are in
//! tests/backups.rs, signals during a write in tests/signals.rs.

use std::os::unix::fs::PermissionsExt as _;

use praxis::store::{Role, Store, StoreError};

mod common;
use common::clinic::*;
use common::{praxis_on as praxis, run_on as run, who};

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

/// Issue 10.6: tables measure terminal columns, so a clinician's wide (CJK) name is cut to its column and the
/// columns after it stay aligned on screen; `--json` keeps the name whole.
#[test]
fn a_wide_name_is_cut_to_its_column_and_the_table_stays_aligned() {
    use unicode_width::UnicodeWidthStr as _;
    let env = common::Env::new();
    env.ok(&["patient", "list"]); // the creator becomes the first admin
    let long = "王小明".repeat(10);
    env.ok(&[
        "clinician",
        "add",
        "kim",
        "--role",
        "therapist",
        "--name",
        &long,
    ]);
    env.ok(&[
        "clinician",
        "add",
        "zoe",
        "--role",
        "readonly",
        "--name",
        "Zoë 🙂",
    ]);
    let out = env.ok(&["clinician", "list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("USER"), "{out}");
    let role_at = |l: &str| {
        let i = l
            .find(" therapist")
            .or_else(|| l.find(" readonly"))
            .or_else(|| l.find(" ROLE"))
            .or_else(|| l.find(" admin"))
            .unwrap_or_else(|| panic!("no role in {l:?}"));
        l[..i].width()
    };
    let col = role_at(lines[0]);
    for l in &lines {
        assert!(l.width() <= 80, "{} columns: {l}", l.width());
        assert_eq!(role_at(l), col, "ROLE is not aligned:\n{out}");
    }
    let kim = lines
        .iter()
        .find(|l| l.starts_with("kim"))
        .expect("kim listed");
    assert!(kim.contains("王小明王小明") && kim.contains('…'), "{out}");
    assert!(out.contains("Zoë 🙂"), "{out}");
    let json = env.json(&["clinician", "list"]);
    assert!(json.to_string().contains(&long), "{json}");
}
