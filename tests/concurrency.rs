//! Many writers at once through the real binary: none loses a write or sees a lock, and writers killed mid-write
//! leave every committed row, each with its audit row, in a sound database.

mod common;
use common::{Env, count_notes};

#[test]
fn eight_processes_writing_at_once_lose_nothing_and_never_see_a_lock() {
    const WRITERS: usize = 8;
    const WRITES: usize = 12; // each: alternately an assessment and a session
    let env = Env::new();
    env.add_stroke("P-0001", None);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let env = &env;
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                s.spawn(move || {
                    let mut failures = Vec::new();
                    for i in 0..WRITES {
                        if std::time::Instant::now() > deadline {
                            failures.push("time cap reached".to_string());
                            break;
                        }
                        let note = format!("w{w}-{i}");
                        let args: Vec<&str> = if i % 2 == 0 {
                            vec![
                                "assess",
                                "P-0001",
                                "bbs",
                                "30",
                                "--date",
                                "2026-01-05",
                                "--notes",
                                &note,
                                "--force", // the same score again, on purpose
                            ]
                        } else {
                            vec![
                                "log",
                                "P-0001",
                                "--protocol",
                                "usual-care",
                                "--minutes",
                                "30",
                                "--reps",
                                "50",
                                "--date",
                                "2026-01-05",
                                "--notes",
                                &note,
                            ]
                        };
                        let out = env.run(&args);
                        let err = String::from_utf8_lossy(&out.stderr).to_string();
                        if !out.status.success() || err.contains("locked") || err.contains("busy") {
                            failures.push(format!("{note}: {:?} {err}", out.status.code()));
                        }
                    }
                    (w, failures)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (w, failures) in &results {
        assert!(failures.is_empty(), "writer {w}: {failures:?}");
    }
    for w in 0..WRITERS {
        for i in 0..WRITES {
            let table = if i % 2 == 0 {
                "assessments"
            } else {
                "sessions"
            };
            let n = count_notes(&env.db, table, &format!("w{w}-{i}"));
            assert_eq!(n, 1, "w{w}-{i} in {table}");
        }
    }
    let check = env.json(&["db", "check"]);
    assert_eq!(check["ok"], true);
    assert_eq!(
        check["counts"]["assessments"],
        (WRITERS * WRITES / 2) as u64
    );
    assert_eq!(check["counts"]["sessions"], (WRITERS * WRITES / 2) as u64);
    // One audit row per write, plus the first admin and the patient; the chain is intact.
    assert_eq!(check["audit_rows"], (WRITERS * WRITES + 2) as u64);
}

#[test]
fn writers_killed_mid_write_leave_every_committed_row_and_a_sound_database() {
    use std::process::Stdio;
    let env = Env::new();
    env.add_stroke("P-0001", None);
    let mut committed = Vec::new();
    let mut killed = 0;
    for round in 0..6u64 {
        let children: Vec<(String, std::process::Child)> = (0..8)
            .map(|w| {
                let note = format!("r{round}-w{w}");
                let child = common::praxis(env.dir.path())
                    .arg("--db")
                    .arg(&env.db)
                    .args([
                        "assess",
                        "P-0001",
                        "moca",
                        "25",
                        "--date",
                        "2026-01-05",
                        "--notes",
                        &note,
                        "--force", // the same score again, on purpose
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                (note, child)
            })
            .collect();
        // Let some finish and catch others in the middle of opening, writing or committing.
        std::thread::sleep(std::time::Duration::from_millis(5 + 7 * round));
        for (note, mut child) in children {
            match child.try_wait().unwrap() {
                Some(status) => {
                    assert!(status.success(), "{note} failed on its own");
                    committed.push(note);
                }
                None => {
                    child.kill().unwrap(); // SIGKILL
                    let status = child.wait().unwrap();
                    if status.success() {
                        committed.push(note);
                    } else {
                        killed += 1;
                    }
                }
            }
        }
    }
    assert!(
        killed > 0,
        "no writer was killed mid-write; the test proves nothing"
    );
    for note in &committed {
        assert_eq!(
            count_notes(&env.db, "assessments", note),
            1,
            "{note} was reported committed but is missing"
        );
    }
    // A change and its audit row are one transaction: a kill keeps both or neither.
    let conn = rusqlite::Connection::open(&env.db).unwrap();
    let (saved, unaudited, orphans): (i64, i64, i64) = conn
        .query_row(
            "SELECT (SELECT count(*) FROM assessments), \
                    (SELECT count(*) FROM assessments a WHERE NOT EXISTS (SELECT 1 FROM audit \
                        WHERE entity = 'assessment' AND action = 'create' AND entity_key = CAST(a.id AS TEXT))), \
                    (SELECT count(*) FROM audit u WHERE entity = 'assessment' AND NOT EXISTS \
                        (SELECT 1 FROM assessments WHERE CAST(id AS TEXT) = u.entity_key))",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(saved >= committed.len() as i64);
    assert_eq!(
        (unaudited, orphans),
        (0, 0),
        "assessments without their audit row, audit rows without their assessment"
    );
    let check = env.ok(&["db", "check"]);
    assert!(check.contains("Integrity:      ok"), "{check}");
    assert!(check.contains("Audit trail:    intact"), "{check}");
}
