//! Damaged or unwritable database files through the real binary: text that is not UTF-8, truncated and random
//! files, read-only files and folders are refused in words and left unchanged.

use std::path::Path;

mod common;
use common::{Env, count_notes};

/// Run the real binary on `db`; as root (which ignores file permissions) it runs as `nobody` so that permissions
/// bite. Returns (exit code, stderr).
fn run_restricted(env: &Env, db: &Path, args: &[&str]) -> (Option<i32>, String) {
    use std::os::unix::process::CommandExt as _;
    let root = is_root(env);
    let mut c = common::praxis(env.dir.path());
    // As nobody, HOME is the test's folder (which nobody can read), as a user's unreadable HOME would be.
    c.env("HOME", env.dir.path()).arg("--db").arg(db).args(args);
    if root {
        c.uid(65534).gid(65534);
    }
    let out = c.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    (out.status.code(), err)
}

const NOBODY: u32 = 65534;

fn is_root(env: &Env) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    let probe = env.dir.path().join("uid-probe");
    std::fs::write(&probe, b"").unwrap();
    std::fs::metadata(&probe).unwrap().uid() == 0
}

/// Give `p` to nobody's group when running as root, so that `run_restricted` reaches it through the group bits.
fn share_with_runner(env: &Env, p: &Path) {
    if is_root(env) {
        std::os::unix::fs::chown(p, None, Some(NOBODY)).unwrap();
    }
}

fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn text_that_is_not_utf8_is_refused_in_words_and_found_by_db_check() {
    use std::os::unix::ffi::OsStrExt as _;
    let env = Env::new();
    env.add_stroke("P-0001", None);
    env.ok(&["assess", "P-0001", "fma_ue", "30", "--date", "2026-01-05"]);

    // On the command line: refused before anything runs, saying why.
    let bad = std::ffi::OsStr::from_bytes(b"caf\xe9 au lait");
    let out = env
        .cmd(&[
            "assess",
            "P-0001",
            "fma_ue",
            "31",
            "--date",
            "2026-01-06",
            "--notes",
        ])
        .arg(bad)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("invalid UTF-8") && !err.contains("panicked"),
        "{err}"
    );
    assert_eq!(
        count_notes(&env.db, "assessments", "caf\u{fffd} au lait"),
        0
    );

    // In the database, written by another program: every reader says so, and db check names the record.
    let latin1 = b"vit seule \xe0 Li\xe8ge".to_vec();
    {
        let conn = rusqlite::Connection::open(&env.db).unwrap();
        conn.execute(
            "UPDATE patients SET notes = CAST(?1 AS TEXT) WHERE code = 'P-0001'",
            [&latin1],
        )
        .unwrap();
    }
    let err = env.fails_on(&env.db, &["patient", "show", "P-0001"]);
    assert!(
        err.contains("text that is not valid UTF-8") && err.contains("praxis db check"),
        "{err}"
    );
    let out = env.cmd(&["db", "check"]).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("row 1 of patients: notes is not valid UTF-8"),
        "{report}"
    );
    // Nothing was changed: the bytes are as the other program wrote them.
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let kept: Vec<u8> = conn
        .query_row(
            "SELECT CAST(notes AS BLOB) FROM patients WHERE code = 'P-0001'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(kept, latin1);
}

#[test]
fn truncated_and_random_files_are_refused_in_words_and_left_unchanged() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    for i in 0..20 {
        env.ok(&[
            "assess",
            "P-0001",
            "bbs",
            "30",
            "--date",
            "2026-01-05",
            "--notes",
            &"x".repeat(500 + i),
            "--force", // the same score again, on purpose
        ]);
    }
    let good = std::fs::read(&env.db).unwrap();
    assert!(good.len() > 8192, "{}", good.len());
    let cases: [(&str, Vec<u8>); 3] = [
        ("truncated.db", good[..good.len() / 2].to_vec()),
        ("header-only.db", good[..50].to_vec()),
        (
            "random.db",
            (0..20_000u32)
                .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
                .collect(),
        ),
    ];
    for (name, bytes) in cases {
        let dir = env.dir.path().join(name.replace(".db", ""));
        std::fs::create_dir(&dir).unwrap();
        let db = dir.join(name);
        std::fs::write(&db, &bytes).unwrap();
        for args in [
            &["patient", "list"][..],
            &["assess", "P-0001", "bbs", "31"],
            &["db", "check"],
        ] {
            let err = env.fails_on(&db, args);
            assert!(
                err.contains(&format!("{name} is not a Praxis database or is damaged")),
                "{name} {args:?}: {err}"
            );
            assert_eq!(
                std::fs::read(&db).unwrap(),
                bytes,
                "{name} was changed by {args:?}"
            );
            assert_eq!(
                std::fs::read_dir(&dir).unwrap().count(),
                1,
                "{name}: files were created"
            );
        }
    }
}

#[test]
fn a_read_only_file_or_folder_is_reported_and_nothing_changes() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    env.ok(&["assess", "P-0001", "bbs", "30", "--date", "2026-01-05"]);
    // Checkpoint so the whole database is in the main file, then make a world-traversable copy per case.
    {
        let conn = rusqlite::Connection::open(&env.db).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    set_mode(env.dir.path(), 0o755);
    if is_root(&env) {
        // As root the test runs praxis as `nobody`, who must be a clinician to be allowed to write at all.
        env.ok(&["clinician", "add", "nobody", "--role", "therapist"]);
        let conn = rusqlite::Connection::open(&env.db).unwrap();
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
            .unwrap();
    }
    let bytes = std::fs::read(&env.db).unwrap();

    // 1. The file is read-only (readable, not writable, by the user running praxis).
    let dir = env.dir.path().join("ro-file");
    std::fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o777);
    let db = dir.join("p.db");
    std::fs::write(&db, &bytes).unwrap();
    share_with_runner(&env, &db);
    set_mode(&db, 0o440);
    let (code, err) = run_restricted(
        &env,
        &db,
        &["assess", "P-0001", "bbs", "31", "--date", "2026-01-06"],
    );
    assert_eq!(code, Some(1), "{err}");
    assert!(err.starts_with("praxis: "), "{err}");
    assert!(
        err.contains("read-only") || err.contains("permission"),
        "{err}"
    );
    assert!(
        std::fs::read(&db).unwrap() == bytes,
        "the read-only file changed"
    );

    // 2. The folder is read-only (the file is writable, but SQLite cannot create its journal next to it).
    let dir = env.dir.path().join("ro-dir");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("p.db");
    std::fs::write(&db, &bytes).unwrap();
    share_with_runner(&env, &db);
    set_mode(&db, 0o660);
    set_mode(&dir, 0o555);
    let (code, err) = run_restricted(
        &env,
        &db,
        &["assess", "P-0001", "bbs", "31", "--date", "2026-01-06"],
    );
    set_mode(&dir, 0o755);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.starts_with("praxis: "), "{err}");
    assert!(
        err.contains("read-only") || err.contains("permission") || err.contains("cannot"),
        "{err}"
    );
    assert!(
        std::fs::read(&db).unwrap() == bytes,
        "the file in the read-only folder changed"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        1,
        "files were created in the read-only folder"
    );
}
