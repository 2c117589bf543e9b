//! End to end: every data subcommand on a temporary database, human and `--json` output, and its error messages.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

mod common;
use common::Env;

fn add_stroke(env: &Env, code: &str) {
    env.add_stroke_with(
        code,
        &[
            "--onset",
            "2026-01-05",
            "--mep",
            "present",
            "--nihss",
            "9",
            "--hand",
            "right",
            "--affected-side",
            "left",
        ],
    );
}

#[test]
fn patient_add_list_show_edit_human_and_json() {
    let env = Env::new();
    let out = env.ok(&["patient", "list"]);
    assert!(out.contains("No patients yet"), "{out}");
    assert_eq!(env.json(&["patient", "list"]), Value::Array(vec![]));

    let out = env.ok(&[
        "patient",
        "add",
        "--code",
        "P-0001",
        "--birth-year",
        "1958",
        "--condition",
        "stroke",
        "--nihss",
        "9",
        "--name",
        "Ada Test",
    ]);
    assert_eq!(out, "Added patient P-0001 (stroke, born 1958).\n");
    let p = env.json(&[
        "patient",
        "add",
        "--code",
        "P-0002",
        "--birth-year",
        "1960",
        "--condition",
        "parkinsons",
        "--hoehn-yahr",
        "2",
        "--medication",
        "on",
    ]);
    assert_eq!(p["code"], "P-0002");
    assert_eq!(p["condition"]["kind"], "parkinsons");
    assert_eq!(p["condition"]["hoehn_yahr"], 2.0);
    assert_eq!(p["condition"]["medication"], "on");
    assert_eq!(p["version"], 1);

    let out = env.ok(&["patient", "list"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("CODE"));
    assert!(
        lines[1].starts_with("P-0001") && lines[1].contains("stroke"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("P-0002") && lines[2].contains("Parkinson's"),
        "{out}"
    );
    assert!(out.lines().all(|l| l.chars().count() <= 80));

    let list = env.json(&["patient", "list", "--condition", "parkinsons"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["code"], "P-0002");
    assert_eq!(list[0]["flags"][0], "reassessment_due");
    let list = env.json(&["patient", "list", "--search", "ada"]);
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["code"], "P-0001");

    env.ok(&["assess", "P-0001", "fma_ue", "30", "--date", "2026-02-01"]);
    env.ok(&["assess", "P-0001", "fma_ue", "34", "--date", "2026-03-01"]);
    env.ok(&[
        "plan",
        "set",
        "P-0001",
        "--protocol",
        "cimt",
        "--start",
        "2026-02-02",
        "--goal",
        "open a jar",
    ]);
    let out = env.ok(&["patient", "show", "P-0001"]);
    assert!(out.contains("P-0001  Ada Test"), "{out}");
    assert!(out.contains("stroke: NIHSS 9"), "{out}");
    assert!(
        out.contains("FMA-UE   34     2026-03-01  0-66 (higher is better)"),
        "{out}"
    );
    assert!(out.contains("Plan: cimt since 2026-02-02"), "{out}");
    assert!(out.contains("Goal: open a jar"), "{out}");
    let show = env.json(&["patient", "show", "P-0001"]);
    assert_eq!(show["patient"]["name"], "Ada Test");
    assert_eq!(show["latest"].as_array().unwrap().len(), 1);
    assert_eq!(show["latest"][0]["score"], 34.0);
    assert_eq!(show["plan"]["protocol_id"], "cimt");

    let out = env.ok(&[
        "patient",
        "edit",
        "P-0001",
        "--nihss",
        "7",
        "--notes",
        "walks with a stick",
    ]);
    assert_eq!(out, "Saved patient P-0001 (version 2).\n");
    let p = env.json(&["patient", "edit", "P-0001", "--sex", "female"]);
    assert_eq!(p["version"], 3);
    assert_eq!(p["condition"]["nihss"], 7);
    assert_eq!(p["notes"], "walks with a stick");
    assert_eq!(p["sex"], "female");
    let out = env.ok(&["patient", "edit", "P-0001", "--sex", "female"]);
    assert_eq!(out, "Nothing changed for patient P-0001 (version 3).\n");
    assert_eq!(
        env.json(&["patient", "show", "P-0001"])["patient"]["version"],
        3
    );
}

#[test]
fn patient_refusals_name_the_problem() {
    let env = Env::new();
    add_stroke(&env, "P-0001");
    let err = env.fails(&[
        "patient",
        "add",
        "--code",
        "P-0001",
        "--birth-year",
        "1958",
        "--condition",
        "stroke",
    ]);
    assert!(
        err.contains("a patient with code P-0001 already exists"),
        "{err}"
    );
    let err = env.fails(&[
        "patient",
        "add",
        "--code",
        "P-0002",
        "--birth-year",
        "1958",
        "--condition",
        "stroke",
        "--falls",
        "2",
    ]);
    assert!(
        err.contains("--falls is a fact of older adult; this patient's condition is stroke"),
        "{err}"
    );
    let err = env.fails(&["patient", "show", "P-0099"]);
    assert!(err.contains("no patient with code P-0099"), "{err}");
    let err = env.fails(&["patient", "edit", "P-0001", "--nihss", "60"]);
    assert!(err.contains("NIHSS is scored 0-42; got 60"), "{err}");
    // A stale version: someone saved since version 1 was read.
    env.ok(&["patient", "edit", "P-0001", "--notes", "first therapist"]);
    let err = env.fails(&[
        "patient",
        "edit",
        "P-0001",
        "--version",
        "1",
        "--notes",
        "second therapist",
    ]);
    assert!(err.contains("changed by someone else"), "{err}");
    assert!(
        err.contains("yours:") && err.contains("second therapist"),
        "{err}"
    );
    assert!(
        err.contains("saved:") && err.contains("first therapist"),
        "{err}"
    );
    let show = env.json(&["patient", "show", "P-0001"]);
    assert_eq!(show["patient"]["notes"], "first therapist");
    // clap refuses unknown values itself, with exit status 2 and no panic.
    env.cmd(&[
        "patient",
        "add",
        "--code",
        "P-3",
        "--birth-year",
        "1958",
        "--condition",
        "flu",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("invalid value 'flu'"));
}

#[test]
fn assess_records_and_refuses_with_the_instrument_range() {
    let env = Env::new();
    add_stroke(&env, "P-0001");
    let out = env.ok(&[
        "assess",
        "P-0001",
        "fma_ue",
        "34",
        "--date",
        "2026-11-02",
        "--notes",
        "seated",
    ]);
    assert_eq!(
        out,
        "Recorded FMA-UE 34 for P-0001 on 2026-11-02 (0-66, higher is better).\n"
    );
    let a = env.json(&[
        "assess",
        "P-0001",
        "TUG-S",
        "14.5",
        "--date",
        "2026-11-03",
        "--assessor",
        "kim",
    ]);
    assert_eq!(a["instrument"], "tug_s");
    assert_eq!(a["score"], 14.5);
    assert_eq!(a["assessor"], "kim");
    assert_eq!(a["date"], "2026-11-03");

    let err = env.fails(&["assess", "P-0001", "fma_ue", "70"]);
    assert_eq!(err, "praxis: FMA-UE is scored 0-66; got 70\n");
    let err = env.fails(&["assess", "P-0001", "grip", "20"]);
    assert!(err.contains("unknown instrument \"grip\""), "{err}");
    let err = env.fails(&["assess", "P-0099", "fma_ue", "20"]);
    assert_eq!(err, "praxis: no patient with code P-0099\n");
    let err = env.fails(&["assess", "P-0001", "fma_ue", "-3"]);
    assert!(err.contains("FMA-UE is scored 0-66; got -3"), "{err}");
    let hist = env.json(&["history", "P-0001"]);
    assert_eq!(
        hist.as_array().unwrap().len(),
        2,
        "refused scores are not stored"
    );
}

#[test]
fn log_records_sessions_and_takes_the_protocol_from_the_plan() {
    let env = Env::new();
    add_stroke(&env, "P-0001");
    let out = env.ok(&[
        "log",
        "P-0001",
        "--protocol",
        "usual-care",
        "--minutes",
        "45",
        "--reps",
        "120",
        "--success",
        "0.75",
        "--level",
        "3",
        "--rpe",
        "5",
        "--date",
        "2026-11-02",
        "--time",
        "10:30",
    ]);
    assert_eq!(
        out,
        "Logged 45 min of usual-care for P-0001 on 2026-11-02 10:30 (120 repetitions, 75% successful).\n"
    );
    let err = env.fails(&["log", "P-0001", "--minutes", "45", "--reps", "100"]);
    assert!(
        err.contains("P-0001 has no active plan; give --protocol"),
        "{err}"
    );
    env.ok(&[
        "plan",
        "set",
        "P-0001",
        "--protocol",
        "task-specific-300",
        "--start",
        "2026-11-01",
    ]);
    let s = env.json(&[
        "log",
        "P-0001",
        "--minutes",
        "50",
        "--reps",
        "260",
        "--success",
        "70%",
        "--date",
        "2026-11-03",
    ]);
    assert_eq!(s["protocol_id"], "task-specific-300");
    assert_eq!(s["success_rate"], 0.7);
    assert_eq!(s["started_at"], "2026-11-03T09:00:00");
    assert!(s["clinician"].as_str().is_some_and(|c| !c.is_empty()));

    let err = env.fails(&["log", "P-0001", "--minutes", "0", "--reps", "10"]);
    assert!(err.contains("minutes must be 1-600; got 0"), "{err}");
    let err = env.fails(&[
        "log",
        "P-0001",
        "--minutes",
        "30",
        "--reps",
        "10",
        "--rpe",
        "12",
    ]);
    assert!(err.contains("RPE (fatigue) is rated 0-10; got 12"), "{err}");
    let err = env.fails(&[
        "log",
        "P-0001",
        "--minutes",
        "30",
        "--reps",
        "10",
        "--success",
        "1.5",
    ]);
    assert!(err.contains("success rate is a fraction 0-1"), "{err}");
    let err = env.fails(&[
        "log",
        "P-0099",
        "--protocol",
        "cimt",
        "--minutes",
        "30",
        "--reps",
        "10",
    ]);
    assert!(err.contains("no patient with code P-0099"), "{err}");
}

#[test]
fn history_merges_in_date_order() {
    let env = Env::new();
    add_stroke(&env, "P-0001");
    env.ok(&[
        "log",
        "P-0001",
        "--protocol",
        "cimt",
        "--minutes",
        "60",
        "--reps",
        "200",
        "--date",
        "2026-11-03",
        "--time",
        "14:00",
    ]);
    env.ok(&["assess", "P-0001", "arat", "12", "--date", "2026-11-01"]);
    env.ok(&["assess", "P-0001", "arat", "15", "--date", "2026-11-05"]);
    let out = env.ok(&["history", "P-0001"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert!(
        lines[1].starts_with("2026-11-01") && lines[1].contains("ARAT 12"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("2026-11-03  14:00  session     cimt 60 min 200 reps"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("2026-11-05") && lines[3].contains("ARAT 15"),
        "{out}"
    );
    let h = env.json(&["history", "P-0001"]);
    let types: Vec<&str> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["assessment", "session", "assessment"]);
    let err = env.fails(&["history", "P-0099"]);
    assert!(err.contains("no patient with code P-0099"), "{err}");
}

#[test]
fn plan_set_and_show() {
    let env = Env::new();
    add_stroke(&env, "P-0001");
    assert_eq!(
        env.ok(&["plan", "show", "P-0001"]),
        "P-0001 has no active plan.\n"
    );
    assert_eq!(env.json(&["plan", "show", "P-0001"]), Value::Null);
    let out = env.ok(&[
        "plan",
        "set",
        "P-0001",
        "--protocol",
        "mcimt",
        "--start",
        "2026-11-02",
    ]);
    assert_eq!(out, "P-0001 now follows mcimt from 2026-11-02.\n");
    let p = env.json(&[
        "plan",
        "set",
        "P-0001",
        "--protocol",
        "task-specific-300",
        "--start",
        "2026-11-09",
        "--goal",
        "drink from a cup",
    ]);
    assert_eq!(p["status"], "active");
    let out = env.ok(&["plan", "show", "P-0001"]);
    assert!(out.contains("Protocol: task-specific-300"), "{out}");
    assert!(out.contains("Since:    2026-11-09"), "{out}");
    assert!(out.contains("Goal:     drink from a cup"), "{out}");
    let shown = env.json(&["plan", "show", "P-0001"]);
    assert_eq!(shown, p);
    let err = env.fails(&["plan", "set", "P-0001", "--protocol", "yoga"]);
    assert!(
        err.contains("unknown protocol \"yoga\"; known protocols: "),
        "{err}"
    );
    let err = env.fails(&[
        "log",
        "P-0001",
        "--protocol",
        "yoga",
        "--minutes",
        "30",
        "--reps",
        "10",
    ]);
    assert!(err.contains("unknown protocol \"yoga\""), "{err}");
    assert_eq!(
        env.json(&["plan", "show", "P-0001"]),
        p,
        "the refused plan changed nothing"
    );

    let out = env.ok(&[
        "plan",
        "edit",
        "P-0001",
        "--goal",
        "drink from a cup by week 8",
    ]);
    assert_eq!(out, "Saved the plan of P-0001 (version 2).\n");
    let err = env.fails(&[
        "plan",
        "edit",
        "P-0001",
        "--version",
        "1",
        "--goal",
        "comb hair",
    ]);
    assert!(err.contains("changed by someone else"), "{err}");
    assert!(err.contains("yours: goal \"comb hair\""), "{err}");
    assert!(
        err.contains("saved: goal \"drink from a cup by week 8\""),
        "{err}"
    );
    let done = env.json(&["plan", "edit", "P-0001", "--status", "completed"]);
    assert_eq!(
        (done["status"].as_str(), done["version"].as_i64()),
        (Some("completed"), Some(3))
    );
    assert_eq!(
        env.json(&["plan", "show", "P-0001"]),
        Value::Null,
        "a completed plan is no longer active"
    );
    let err = env.fails(&["plan", "edit", "P-0001", "--goal", "x"]);
    assert!(err.contains("P-0001 has no active plan to edit"), "{err}");
}

#[test]
fn demo_loads_six_patients_once() {
    let env = Env::new();
    let out = env.ok(&["demo"]);
    assert!(
        out.starts_with("Added 6 demo patients: P-0107, P-0011, P-0123, P-0044, P-0052, P-0090."),
        "{out}"
    );
    let list = env.json(&["patient", "list"]);
    let codes: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["P-0011", "P-0044", "P-0052", "P-0090", "P-0107", "P-0123"]
    );
    let kinds: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["condition"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "stroke",
            "parkinsons",
            "cerebellar_ataxia",
            "older_adult",
            "stroke",
            "stroke"
        ]
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|p| p["n_sessions"].as_i64().unwrap() >= 20)
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|p| p["plan_protocol"].is_string())
    );
    let again = env.json(&["demo"]);
    assert_eq!(again["added"], Value::Array(vec![]));
    assert_eq!(again["skipped"].as_array().unwrap().len(), 6);
    let out = env.ok(&["demo"]);
    assert!(
        out.contains("Already in the database, left unchanged"),
        "{out}"
    );
    assert_eq!(env.json(&["patient", "list"]).as_array().unwrap().len(), 6);
}

#[test]
fn db_check_and_backup() {
    let env = Env::new();
    add_stroke(&env, "P-0001");
    let out = env.ok(&["db", "check"]);
    assert!(
        out.contains(&format!(
            "Schema version: {v} (this Praxis writes {v})",
            v = praxis::store::SCHEMA_VERSION
        )),
        "{out}"
    );
    assert!(out.contains("Integrity:      ok"), "{out}");
    assert!(out.contains("Audit trail:    intact (2 rows)"), "{out}");
    assert!(out.contains("1 patient, 0 assessments"), "{out}");
    let c = env.json(&["db", "check"]);
    assert_eq!(c["ok"], true);
    assert_eq!(c["counts"]["patients"], 1);

    let dest = env.dir.path().join("backup.db");
    let dest_s = dest.to_str().unwrap();
    let out = env.ok(&["db", "backup", dest_s]);
    assert!(out.starts_with("Backed up"), "{out}");
    assert_eq!(
        std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let err = env.fails(&["db", "backup", dest_s]);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    let b = env.json(&["db", "backup", dest_s, "--force"]);
    assert_eq!(b["backup"], dest_s);
    // The backup is a complete database.
    let mut c = env.bare();
    c.args(["patient", "show", "P-0001", "--db", dest_s]);
    c.assert()
        .success()
        .stdout(predicate::str::contains("P-0001"));
    let audit_actions = env.json(&["db", "check"])["audit_rows"].as_i64().unwrap();
    assert_eq!(audit_actions, 4, "create db, add patient, two backups");

    // A tampered audit trail fails the check with a non-zero status.
    let raw = rusqlite::Connection::open(&env.db).unwrap();
    raw.execute_batch("DROP TRIGGER audit_no_update; UPDATE audit SET os_user = 'x' WHERE id = 2;")
        .unwrap();
    drop(raw);
    let out = env.cmd(&["db", "check"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("broken at row 2"));
}

#[test]
fn the_database_file_is_private_and_global_options_go_anywhere() {
    let env = Env::new();
    let nested = env.dir.path().join("a").join("b").join("clinic.db");
    let mut c = env.bare();
    c.env("PRAXIS_DB", &nested)
        .args(["patient", "list", "--json"]);
    c.assert().success().stdout("[]\n");
    assert_eq!(
        std::fs::metadata(&nested).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // --db after the subcommand.
    let mut c = env.bare();
    c.args(["db", "check", "--json", "--db"]).arg(&nested);
    c.assert()
        .success()
        .stdout(predicate::str::contains("\"ok\": true"));
}

#[test]
fn a_newer_or_foreign_file_is_refused_without_a_trace() {
    let env = Env::new();
    {
        let c = rusqlite::Connection::open(&env.db).unwrap();
        c.execute_batch("CREATE TABLE t (x); PRAGMA user_version = 7;")
            .unwrap();
    }
    let before = std::fs::read(&env.db).unwrap();
    let err = env.fails(&["patient", "list"]);
    assert!(err.contains("written by a newer Praxis"), "{err}");
    assert!(err.contains("The file was not changed"), "{err}");
    assert_eq!(std::fs::read(&env.db).unwrap(), before);

    let junk = env.dir.path().join("notes.txt");
    std::fs::write(&junk, "x".repeat(2000)).unwrap();
    let out = env
        .bare()
        .args(["db", "check", "--db"])
        .arg(&junk)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a Praxis database"), "{err}");
    assert!(!err.contains("panicked"));
    assert!(Path::new(&junk).exists());
}

/// A new database (even in folders made for it) is announced on stderr with its path, so a mistyped `--db` does not
/// pass silently for an empty clinic; `--json` output stays clean.
#[test]
fn a_new_database_is_announced_on_stderr() {
    let env = Env::new();
    let first = env.cmd(&["patient", "list", "--json"]).output().unwrap();
    assert!(first.status.success());
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(
        err.contains(&format!("created a new database at {}", env.db.display())),
        "{err}"
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&first.stdout).unwrap(),
        Value::Array(vec![])
    );
    let again = env.cmd(&["patient", "list"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&again.stderr).contains("created"));
}

/// The rows of `patient list` (after its header) by code: the line, split on runs of spaces.
fn list_rows(out: &str) -> std::collections::HashMap<String, Vec<String>> {
    out.lines()
        .skip(1)
        .filter(|l| l.starts_with("P-"))
        .map(|l| {
            let cells: Vec<String> = l
                .split("  ")
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            (cells[0].clone(), cells)
        })
        .collect()
}

/// QA 17: the command line's list shows the standing against the plan's forecast as the TUI's does (B behind, A
/// ahead; `standing` in JSON), read by the same job. Two older adults on balance training since 2026-09-02 (Berg
/// 41 the day before): one at 33 on 2026-11-01, below the forecast's 10th percentile, one at 44, on track.
/// The row of `code` in `patient list --json`'s `list`.
fn listed(list: &Value, code: &str) -> Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == code)
        .cloned()
        .unwrap_or_else(|| panic!("{code} listed: {list}"))
}

#[test]
fn patient_list_shows_b_for_a_patient_behind_the_plans_forecast() {
    let env = Env::new();
    for (code, latest) in [("P-0090", "33"), ("P-0091", "44")] {
        env.add_patient(code, "1945", "older-adult", &["--falls", "2"]);
        env.ok(&["assess", code, "bbs", "41", "--date", "2026-09-01"]);
        env.ok(&["assess", code, "bbs", latest, "--date", "2026-11-01"]);
        env.ok(&[
            "plan",
            "set",
            code,
            "--protocol",
            "balance-gait-older",
            "--start",
            "2026-09-02",
        ]);
    }
    // A patient without a plan has no standing to read.
    env.add_patient("P-0092", "1950", "older-adult", &[]);
    let list = env.json(&["patient", "list"]);
    let by_code = |code: &str| listed(&list, code);
    assert_eq!(by_code("P-0090")["standing"], "behind");
    assert_eq!(by_code("P-0091")["standing"], "on_track");
    assert_eq!(by_code("P-0092")["standing"], Value::Null);
    // The same as the TUI's job, read for one patient.
    let store = praxis::store::Store::open(&env.db).unwrap();
    let lib = praxis::app::protocols::Library::builtin();
    let job = praxis::app::progress::standing_job(&store, &lib, "P-0090")
        .unwrap()
        .expect("a plan and a later assessment");
    assert_eq!(
        job(&praxis::model::Control::default()).unwrap(),
        Some(praxis::app::progress::Standing::Behind)
    );
    let out = env.ok(&["patient", "list"]);
    assert!(
        out.lines().next().unwrap_or_default().contains("FLG"),
        "{out}"
    );
    let rows = list_rows(&out);
    // FLG holds the TUI's letters: reassess, no session, plan ending / sessions left, then B or A.
    let flg = |code: &str| rows[code][6].clone();
    assert!(flg("P-0090").ends_with('B'), "{out}");
    assert!(
        !flg("P-0091").contains('B') && !flg("P-0091").contains('A'),
        "{out}"
    );
    assert_eq!(flg("P-0092").chars().last(), Some('·'), "{out}");
    assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
}

/// QA 17's cost: a standing takes a forecast, so a list of more than 12 patients with a plan reads none unless
/// asked (`--standing`), and says so; asked, it reads them all.
#[test]
fn patient_list_reads_standings_of_a_long_list_only_when_asked() {
    let env = Env::new();
    for i in 0..13 {
        let code = format!("P-{:04}", 100 + i);
        env.add_patient(&code, "1950", "older-adult", &[]);
        env.ok(&[
            "plan",
            "set",
            &code,
            "--protocol",
            "balance-gait-older",
            "--start",
            "2026-09-02",
        ]);
    }
    let list = env.json(&["patient", "list"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|p| p.get("standing").is_none()),
        "{list}"
    );
    let out = env.ok(&["patient", "list"]);
    assert!(
        out.contains("not read for these 13 patients with a plan: --standing reads them"),
        "{out}"
    );
    let asked = env.json(&["patient", "list", "--standing"]);
    assert!(
        asked
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["standing"].is_null() && p.get("standing").is_some()),
        "{asked}"
    );
    assert!(
        !env.ok(&["patient", "list", "--standing"])
            .contains("not read")
    );
    // A search that leaves 12 or fewer reads them without being asked.
    let few = env.json(&["patient", "list", "--search", "P-010"]);
    assert_eq!(few.as_array().unwrap().len(), 10);
    assert!(
        few.as_array()
            .unwrap()
            .iter()
            .all(|p| p.get("standing").is_some())
    );
}

/// QA 19: a plan's weeks ending is "plan ending" (E) when its sessions are (nearly) done, and "sessions left" (L),
/// with how many, when more than a week of them is still to do. Two patients on CIMT (2 weeks of 5 days: 10
/// sessions) started 12 days ago, its weeks ending in 2 days: one has done 8, one 3.
#[test]
fn patient_list_says_sessions_left_when_a_plan_ends_by_the_calendar_behind_schedule() {
    let env = Env::new();
    let today = chrono::Local::now().date_naive();
    let start = today - chrono::Duration::days(12);
    for (code, done) in [("P-0001", 8), ("P-0002", 3)] {
        env.add_stroke(code, Some("2026-01-05"));
        env.ok(&[
            "plan",
            "set",
            code,
            "--protocol",
            "cimt",
            "--start",
            &start.to_string(),
        ]);
        for k in 0..done {
            let day = (start + chrono::Duration::days(k)).to_string();
            env.ok(&[
                "log",
                code,
                "--minutes",
                "60",
                "--reps",
                "100",
                "--date",
                &day,
                "--time",
                "10:00",
            ]);
        }
    }
    let list = env.json(&["patient", "list"]);
    let row = |code: &str| listed(&list, code);
    let flags = |code: &str| {
        row(code)["flags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect::<Vec<_>>()
    };
    // On schedule: 2 left, fewer than a week's 5: "plan ending" as before.
    assert_eq!(flags("P-0001"), ["reassessment_due", "plan_ending"]);
    assert_eq!(row("P-0001")["sessions_left"], 2);
    // Behind: 7 left.
    assert_eq!(flags("P-0002"), ["reassessment_due", "sessions_left"]);
    assert_eq!(row("P-0002")["sessions_left"], 7);
    let out = env.ok(&["patient", "list"]);
    let rows = list_rows(&out);
    assert_eq!(rows["P-0001"][6], "R·E·", "{out}");
    assert_eq!(rows["P-0002"][6], "R·L·", "{out}");
    assert!(rows["P-0001"][7].contains("plan ending"), "{out}");
    assert!(!rows["P-0002"][7].contains("plan ending"), "{out}");
    // The words say how many (the 80-column table may cut the end of the column).
    let one = env.ok(&["patient", "list", "--search", "P-0002"]);
    assert!(one.contains("reassess, 7 sessions"), "{one}");
}
