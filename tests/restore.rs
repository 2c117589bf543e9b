//! Restore under load through the real binary: another process reading and writing meanwhile loses no committed
//! write.

use serde_json::Value;
use std::path::PathBuf;

mod common;
use common::{Env, count_notes, many_sessions};

/// One write by the other process: its note, when it ran, and whether praxis reported it committed.
struct Write {
    note: String,
    start: std::time::Instant,
    end: std::time::Instant,
}

#[test]
fn restore_while_another_process_reads_and_writes_loses_no_committed_write() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};
    const RESTORES: usize = 3;
    let env = Env::new();
    many_sessions(&env, 400);
    let snapshot = env.dir.path().join("snapshot.db");
    env.ok(&["db", "backup", snapshot.to_str().unwrap()]);
    let bk = env.dir.path().join("bk");
    let stop = AtomicBool::new(false);
    let cap = Instant::now() + Duration::from_secs(90);
    let env = &env;

    // The other process: a real praxis subprocess per step, writing an assessment then reading the history, in a
    // loop; and, in this test process, one long-lived connection doing the same.
    let (cli, lib, restores) = std::thread::scope(|s| {
        let cli = s.spawn(|| {
            let (mut writes, mut problems) = (Vec::new(), Vec::new());
            for i in 0.. {
                if stop.load(Ordering::SeqCst) || Instant::now() > cap {
                    break;
                }
                let note = format!("cli-{i}");
                let start = Instant::now();
                let out = env.run(&[
                    "assess",
                    "P-0001",
                    "tug_s",
                    "12",
                    "--date",
                    "2026-01-05",
                    "--notes",
                    &note,
                    "--force", // the same score again, on purpose
                ]);
                let end = Instant::now();
                let err = String::from_utf8_lossy(&out.stderr).to_string();
                if out.status.success() {
                    writes.push(Write { note, start, end });
                } else {
                    problems.push(format!("{note}: {err}"));
                }
                let read = env.run(&["history", "P-0001", "--json"]);
                let err = String::from_utf8_lossy(&read.stderr).to_string();
                let parsed = serde_json::from_slice::<Value>(&read.stdout);
                if !read.status.success() || !err.is_empty() || parsed.is_err() {
                    problems.push(format!("read after {i}: {:?} {err}", read.status.code()));
                }
            }
            (writes, problems)
        });
        let lib = s.spawn(|| {
            let mut store = praxis::store::Store::open(&env.db).unwrap();
            let (mut writes, mut problems) = (Vec::new(), Vec::new());
            for i in 0.. {
                if stop.load(Ordering::SeqCst) || Instant::now() > cap {
                    break;
                }
                let note = format!("lib-{i}");
                let start = Instant::now();
                let res = store.add_assessment(&praxis::domain::Assessment {
                    id: 0,
                    patient_code: "P-0001".into(),
                    instrument: "tug_s".into(),
                    score: 11.0,
                    date: chrono::NaiveDate::from_ymd_opt(2026, 1, 6).unwrap(),
                    assessor: None,
                    notes: note.clone(),
                    med_state: None,
                });
                let end = Instant::now();
                match res {
                    Ok(_) => writes.push(Write { note, start, end }),
                    Err(e) => problems.push(format!("{note}: {e}")),
                }
                match store.history("P-0001") {
                    Ok(h) if h.len() >= 400 => {}
                    Ok(h) => problems.push(format!("read after {i}: only {} entries", h.len())),
                    Err(e) => problems.push(format!("read after {i}: {e}")),
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            (writes, problems)
        });
        let mut restores = Vec::new();
        for _ in 0..RESTORES {
            std::thread::sleep(Duration::from_millis(700));
            let start = Instant::now();
            let out = env
                .cmd(&[
                    "db",
                    "restore",
                    snapshot.to_str().unwrap(),
                    "--yes",
                    "--json",
                ])
                .env("PRAXIS_BACKUP_DIR", &bk)
                .output()
                .unwrap();
            let end = Instant::now();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let r: Value = serde_json::from_slice(&out.stdout).unwrap();
            restores.push((start, end, PathBuf::from(r["previous"].as_str().unwrap())));
        }
        std::thread::sleep(Duration::from_millis(700));
        stop.store(true, Ordering::SeqCst);
        (cli.join().unwrap(), lib.join().unwrap(), restores)
    });

    let check = env.ok(&["db", "check"]);
    assert!(
        check.contains("Integrity:      ok") && check.contains("Audit trail:    intact"),
        "{check}"
    );
    for (who, (writes, problems)) in [("cli", &cli), ("lib", &lib)] {
        assert!(problems.is_empty(), "{who}: {problems:#?}");
        assert!(!writes.is_empty(), "{who} wrote nothing");
        for w in writes {
            let final_db = count_notes(&env.db, "assessments", &w.note);
            let kept: Vec<i64> = restores
                .iter()
                .map(|(_, _, prev)| count_notes(prev, "assessments", &w.note))
                .collect();
            // Somewhere, exactly once among the copies a write could be in: after the last restore it must be
            // in the live database; between two restores (or before the first) in the next restore's backup.
            let after_last = restores.last().is_some_and(|(_, end, _)| w.start > *end);
            if after_last {
                assert_eq!(final_db, 1, "{} came after the last restore", w.note);
            }
            for (k, (start, _, prev)) in restores.iter().enumerate() {
                let after_previous = k == 0 || w.start > restores[k - 1].1;
                if after_previous && w.end < *start {
                    assert_eq!(
                        kept[k],
                        1,
                        "{} came before restore {k}: not in {}",
                        w.note,
                        prev.display()
                    );
                }
            }
            assert!(
                final_db + kept.iter().sum::<i64>() == 1,
                "{} was reported committed but is not in exactly one copy",
                w.note
            );
        }
    }
    // The run covered writes both before and after restores.
    let first_restore = restores[0].0;
    let last_restore = restores[RESTORES - 1].1;
    for (who, (writes, _)) in [("cli", &cli), ("lib", &lib)] {
        assert!(
            writes.iter().any(|w| w.end < first_restore),
            "{who}: no write before"
        );
        assert!(
            writes.iter().any(|w| w.start > last_restore),
            "{who}: no write after"
        );
    }
}
