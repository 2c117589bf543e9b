//! Issue 9, point 6: a process killed at any moment leaves no trap. The first command on a new database, `db
//! restore` and `db backup` are killed (SIGKILL, nothing runs after it) after a range of delays; whatever state each
//! kill leaves must satisfy the invariant, checked without changing the files. The delays only spread the kills
//! over the command's life; nothing asserts how long anything takes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

mod common;

fn praxis(db: &Path, args: &[&str]) -> Command {
    let mut cmd = common::praxis(db.parent().unwrap());
    cmd.args(args)
        .env("PRAXIS_DB", db)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

fn run(db: &Path, args: &[&str]) -> Output {
    praxis(db, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap()
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = run(db, args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// How long one uninterrupted `praxis ARGS` takes here: the kills are spread over it.
fn lifetime(db: &Path, args: &[&str]) -> Duration {
    let start = std::time::Instant::now();
    let out = run(db, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    start.elapsed()
}

/// Start `praxis ARGS`, kill it with SIGKILL after `delay`, and wait for it.
fn kill_after(db: &Path, args: &[&str], delay: Duration) {
    let mut child = praxis(db, args).spawn().unwrap();
    std::thread::sleep(delay);
    let _ = child.kill();
    let _ = child.wait();
}

fn read_only(db: &Path) -> Connection {
    Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap()
}

fn me() -> String {
    // The acting user as Praxis names it: `clinician list --json` on a fresh database lists just its creator.
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&dir.path().join("me.db"), &["clinician", "list", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    v[0]["user"].as_str().unwrap().to_string()
}

fn admins(db: &Path) -> Vec<String> {
    let conn = read_only(db);
    let mut stmt = conn
        .prepare("SELECT os_user FROM clinicians WHERE role = 'admin'")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn the_first_command_killed_at_any_moment_leaves_a_database_its_owner_administers() {
    let me = me();
    let dir = tempfile::tempdir().unwrap();
    let mut states = std::collections::BTreeMap::<&str, usize>::new();
    let life = lifetime(
        &dir.path().join("whole").join("praxis.db"),
        &["patient", "list"],
    );
    for i in 0..60u32 {
        let db = dir.path().join(format!("k{i}")).join("praxis.db");
        kill_after(&db, &["patient", "list"], life * i / 50);
        // What the kill left: nothing, an empty file, a schema without a clinician, or a finished database.
        let state = if !db.exists() {
            "absent"
        } else if std::fs::metadata(&db).unwrap().len() == 0 {
            "empty"
        } else if let Err(e) =
            read_only(&db).query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
        {
            // A hot journal a read-only reader may not roll back: the first transaction was cut short.
            assert_eq!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly),
                "{e}"
            );
            "interrupted transaction"
        } else {
            let conn = read_only(&db);
            let version: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            let clinicians: i64 = if version == 0 {
                0
            } else {
                conn.query_row("SELECT count(*) FROM clinicians", [], |r| r.get(0))
                    .unwrap()
            };
            match (version, clinicians) {
                (0, _) => "no schema",
                (_, 0) => "schema, no clinician",
                _ => "finished",
            }
        };
        *states.entry(state).or_default() += 1;
        // The owner's next command finds (or makes) a database that works, with the owner as its admin.
        ok(&db, &["patient", "list"]);
        assert_eq!(
            admins(&db),
            std::slice::from_ref(&me),
            "after a kill that left {state}"
        );
        ok(
            &db,
            &[
                "patient",
                "add",
                "--code",
                "P-0001",
                "--condition",
                "older-adult",
                "--birth-year",
                "1950",
            ],
        );
    }
    // The kills spread over the command's life (a loaded machine may shift them; the invariant holds for all).
    println!("states the kills left: {states:?}");
    assert!(states.values().sum::<usize>() == 60);
}

#[test]
fn a_database_left_without_clinicians_names_its_owner_and_the_owner_repairs_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("praxis.db");
    ok(&db, &["clinician", "list"]);
    // The state a kill between the schema and the first admin leaves (here made by hand).
    Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM clinicians", [])
        .unwrap();
    let mut store = praxis::store::Store::open(&db).unwrap();
    // Opening as the file's owner repaired it...
    assert_eq!(admins(&db), [me()]);
    // ...and anyone else is told who can (here on a database emptied again, acting as someone else).
    Connection::open(&db)
        .unwrap()
        .execute("DELETE FROM clinicians", [])
        .unwrap();
    store.set_who(praxis::store::Who {
        os_user: "kim".into(),
        ssh_addr: None,
    });
    let err = store
        .add_clinician("kim", "Kim", praxis::store::Role::Admin)
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no clinician yet"), "{err}");
    assert!(err.contains(&format!("its owner, {}", me())), "{err}");
    assert!(admins(&db).is_empty(), "kim did not make herself admin");
}

/// The audit trail's row count, last hash and last action.
fn audit_head(db: &Path) -> (i64, String, String) {
    read_only(db)
        .query_row(
            "SELECT count(*), coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), ''),
                    coalesce((SELECT action FROM audit ORDER BY id DESC LIMIT 1), '') FROM audit",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
}

fn patients(db: &Path) -> i64 {
    read_only(db)
        .query_row("SELECT count(*) FROM patients", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_restore_killed_at_any_moment_never_completes_without_its_audit_row() {
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    std::fs::create_dir(&origin).unwrap();
    let db = origin.join("praxis.db");
    ok(&db, &["demo"]);
    let backup = dir.path().join("old.db");
    ok(&db, &["db", "backup", backup.to_str().unwrap()]);
    // Newer work, which the restore replaces: its audit rows must not vanish without a trace.
    for i in 0..5 {
        ok(
            &db,
            &[
                "patient",
                "add",
                "--code",
                &format!("N-{i:04}"),
                "--condition",
                "older-adult",
                "--birth-year",
                "1950",
            ],
        );
    }
    // A checkpointed copy of the live database, with no -wal, to start each try from.
    ok(
        &db,
        &["db", "backup", dir.path().join("live.db").to_str().unwrap()],
    );
    let (before_rows, before_hash, _) = audit_head(&dir.path().join("live.db"));
    let before_patients = patients(&dir.path().join("live.db"));
    let backup_patients = patients(&backup);
    assert_ne!(before_patients, backup_patients);

    let mut outcomes = std::collections::BTreeMap::<&str, usize>::new();
    let life = {
        let live = dir.path().join("whole").join("praxis.db");
        std::fs::create_dir(live.parent().unwrap()).unwrap();
        std::fs::copy(dir.path().join("live.db"), &live).unwrap();
        lifetime(&live, &["db", "restore", backup.to_str().unwrap(), "--yes"])
    };
    for i in 0..40u32 {
        let live = dir.path().join(format!("t{i}")).join("praxis.db");
        std::fs::create_dir(live.parent().unwrap()).unwrap();
        std::fs::copy(dir.path().join("live.db"), &live).unwrap();
        kill_after(
            &live,
            &["db", "restore", backup.to_str().unwrap(), "--yes"],
            life * i / 32,
        );
        let (rows, hash, action) = audit_head(&live);
        let outcome = if (rows, &hash) == (before_rows, &before_hash) {
            assert_eq!(patients(&live), before_patients, "unchanged, try {i}");
            "unchanged"
        } else {
            // Restored: the backup's records, and its last audit row is the restore, naming what it replaced.
            assert_eq!(patients(&live), backup_patients, "try {i}");
            assert_eq!(action, "restore", "try {i}: restored without its audit row");
            let after: String = read_only(&live)
                .query_row(
                    "SELECT after_json FROM audit ORDER BY id DESC LIMIT 1",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            let after: serde_json::Value = serde_json::from_str(&after).unwrap();
            assert_eq!(after["replaced_audit_rows"], before_rows, "try {i}");
            assert_eq!(
                after["replaced_audit_head"],
                before_hash.as_str(),
                "try {i}"
            );
            "restored"
        };
        *outcomes.entry(outcome).or_default() += 1;
        // Either way the database is sound and its audit trail intact.
        let out = ok(&live, &["audit", "--verify"]);
        assert!(out.contains("intact"), "try {i}: {out}");
    }
    println!("outcomes: {outcomes:?}");
    // The last tries let the restore finish.
    let live = dir.path().join("done").join("praxis.db");
    std::fs::create_dir(live.parent().unwrap()).unwrap();
    std::fs::copy(dir.path().join("live.db"), &live).unwrap();
    ok(&live, &["db", "restore", backup.to_str().unwrap(), "--yes"]);
    assert_eq!(audit_head(&live).2, "restore");
    assert_eq!(patients(&live), backup_patients);
}

/// Every file in `dir` with its length.
fn listing(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            let len = std::fs::metadata(&p).unwrap().len();
            (p, len)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn db_check_creates_nothing_and_fails_on_a_missing_empty_or_half_written_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live").join("praxis.db");
    ok(&db, &["demo"]);
    let checks = |file: &Path, says: &str| {
        let parent = file.parent().unwrap();
        let before = listing(parent);
        let out = run(file, &["db", "check"]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {err}", file.display());
        assert!(err.contains(says), "{}: {err}", file.display());
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(!String::from_utf8_lossy(&out.stdout).contains("patients"));
        assert_eq!(
            listing(parent),
            before,
            "db check changed {}",
            parent.display()
        );
    };
    let missing = dir.path().join("missing").join("praxis.db");
    std::fs::create_dir(missing.parent().unwrap()).unwrap();
    checks(&missing, "no such file");
    assert!(!missing.exists());
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, b"").unwrap();
    checks(&empty, "empty (0 bytes)");

    // Half-written backups: `db backup FILE` killed after a range of delays. Each file it left is either a
    // complete copy that checks out with every patient, or one `db check` refuses, unchanged (the copy is written
    // under a temporary name, `FILE.part-PID`, and renamed when complete).
    let total = patients(&db);
    let (mut refused, mut complete) = (0, 0);
    let life = lifetime(
        &db,
        &[
            "db",
            "backup",
            dir.path().join("whole.db").to_str().unwrap(),
        ],
    );
    for i in 0..30u32 {
        let out = dir.path().join(format!("b{i}"));
        std::fs::create_dir(&out).unwrap();
        let file = out.join("copy.db");
        kill_after(
            &db,
            &["db", "backup", file.to_str().unwrap()],
            life * i / 24,
        );
        // Whatever file it left (the copy, or its temporary `.part-` file) passes the check only if complete.
        let left: Vec<PathBuf> = listing(&out).into_iter().map(|(p, _)| p).collect();
        if !file.exists() {
            checks(&file, "no such file");
        }
        for f in left
            .iter()
            .filter(|f| !f.to_string_lossy().ends_with("-journal"))
        {
            let before = listing(&out);
            let res = run(f, &["db", "check"]);
            if res.status.success() {
                assert_eq!(
                    patients(f),
                    total,
                    "try {i}: a check passed an incomplete copy"
                );
                complete += 1;
            } else {
                let err = String::from_utf8_lossy(&res.stderr);
                assert!(
                    err.contains("is not a Praxis database or is damaged"),
                    "try {i}: {err}"
                );
                assert_eq!(listing(&out), before, "try {i}: db check changed the copy");
                refused += 1;
            }
        }
    }
    println!("backups killed: {refused} refused, {complete} complete");
}
