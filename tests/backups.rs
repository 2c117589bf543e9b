//! Backups and restore: the backup folder, pruning, integrity and schema checks before a restore, the audit rows,
//! and the same through the command line (split from tests/access.rs).

use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;

use praxis::store::{Role, Store};

mod common;
use common::clinic::*;
use common::{praxis_on as praxis, run_on as run, who};

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

#[test]
fn half_written_backups_left_by_a_killed_process_are_removed_by_the_next_backup() {
    let (dir, _path, mut store) = clinic();
    let config = praxis::store::BackupConfig {
        dir: dir.path().join("bk"),
        keep: 3,
    };
    std::fs::create_dir_all(&config.dir).unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    let part = |name: &str, old: bool| {
        let p = config.dir.join(name);
        let f = std::fs::File::create(&p).unwrap();
        if old {
            f.set_modified(two_hours_ago).unwrap();
        }
        p
    };
    // Killed long ago; still being written by another process; another database's; not a part file.
    let stale = part("praxis-20260101T000000.000Z.db.part-4242", true);
    let live = part("praxis-20260101T000001.000Z.db.part-4243", false);
    let other = part("other-20260101T000000.000Z.db.part-4244", true);
    let odd = part("praxis-20260101T000000.000Z.db.part-x", true);
    store.backup_to_dir(&config).unwrap();
    assert!(!stale.exists(), "the stale copy is removed");
    assert!(
        live.exists(),
        "a copy written now may be another backup in progress"
    );
    assert!(other.exists(), "another database's files are never touched");
    assert!(odd.exists(), "only names this program writes are removed");
}
