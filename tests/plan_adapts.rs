//! Issue 14.5 on the command line: the protocol's progression rule read at the scale of sessions
//! (`[progression] advance_after_sessions`): `praxis log` says when it is met and which level to try next, and
//! `protocols check` refuses a value out of range with its position.

mod common;
use common::{Env, praxis, repo_root, stderr_of};

/// P-0107, stroke on 2026-10-01, ARAT 9 on 2026-10-04, on task-specific-300 from 2026-10-05.
fn on_task_specific_300() -> Env {
    let env = Env::new();
    env.add_stroke("P-0107", Some("2026-10-01"));
    env.ok(&["assess", "P-0107", "arat", "9", "--date", "2026-10-04"]);
    env.ok(&[
        "plan",
        "set",
        "P-0107",
        "--protocol",
        "task-specific-300",
        "--start",
        "2026-10-05",
    ]);
    env
}

#[test]
fn log_suggests_the_next_level_once_the_progression_rule_is_met() {
    let env = on_task_specific_300();
    let log = |date: &str, success: &str| {
        env.ok(&[
            "log",
            "P-0107",
            "--minutes",
            "45",
            "--reps",
            "260",
            "--success",
            success,
            "--level",
            "3",
            "--date",
            date,
        ])
    };
    // task-specific-300: 3 sessions in a row at 80% or more.
    let first = log("2026-10-06", "0.85");
    assert!(!first.contains("Next time"), "{first}");
    let second = log("2026-10-07", "0.9");
    assert!(!second.contains("Next time"), "{second}");
    let third = log("2026-10-08", "0.8");
    assert!(
        third.contains("Next time: 3 sessions at level 3 with 80% success or more: try level 4."),
        "{third}"
    );
    // One session below the threshold starts the count again; --json keeps its shape (the session only).
    let v = env.json(&[
        "log",
        "P-0107",
        "--minutes",
        "45",
        "--reps",
        "260",
        "--success",
        "0.6",
        "--level",
        "3",
        "--date",
        "2026-10-09",
    ]);
    assert_eq!(v["level"], 3);
    assert!(v.get("why").is_none(), "{v}");
    let after = log("2026-10-10", "0.9");
    assert!(!after.contains("Next time"), "{after}");
    // The rule is part of the protocol's description.
    let show = env.ok(&["protocols", "show", "task-specific-300"]);
    assert!(
        show.contains("suggests the next level after 3 sessions in a row at >= 80%"),
        "{show}"
    );
}

#[test]
fn advance_after_sessions_out_of_range_is_refused_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(repo_root().join("protocols/task-specific-300.toml")).unwrap();
    assert!(text.contains("advance_after_sessions = 3"));
    let bad = text.replace("advance_after_sessions = 3", "advance_after_sessions = 0");
    let line = bad
        .lines()
        .position(|l| l.starts_with("advance_after_sessions"))
        .unwrap()
        + 1;
    let dir = tmp.path().join("mine");
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("task-specific-300.toml");
    std::fs::write(&file, bad).unwrap();
    let out = praxis(tmp.path())
        .args(["protocols", "check"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    let expected = format!(
        "{}:{line}:26: progression.advance_after_sessions must be 1-30 sessions; got 0",
        file.display()
    );
    assert!(err.lines().any(|l| l == expected), "{expected}\n{err}");
}

/// A forecast for a patient partway through a plan runs the rest of the plan's schedule, not the whole schedule
/// again from today: task-specific-300 is 15 sessions (3 weeks x 5); with 6 logged since the plan started, the
/// forecast of the plan has 9 left and says so; another protocol in a comparison still starts from its first
/// session.
#[test]
fn a_plan_under_way_is_forecast_for_the_sessions_left() {
    let env = on_task_specific_300();
    for day in 5..11 {
        env.ok(&[
            "log",
            "P-0107",
            "--minutes",
            "60",
            "--reps",
            "300",
            "--date",
            &format!("2026-10-{day:02}"),
        ]);
    }
    env.ok(&["assess", "P-0107", "arat", "14", "--date", "2026-10-11"]);
    let j = env.json(&["simulate", "--patient", "P-0107", "--draws", "50"]);
    assert_eq!(j["summary"]["protocol"], "task-specific-300");
    assert_eq!(j["summary"]["sessions"], 9, "{}", j["summary"]);
    let notes = j["summary"]["notes"].to_string();
    assert!(
        notes.contains("plan under way: 6 session(s) of task-specific-300 logged since the plan started; the forecast runs the 9 left"),
        "{notes}"
    );
    let c = env.json(&[
        "compare",
        "--patient",
        "P-0107",
        "task-specific-300",
        "usual-care",
        "--draws",
        "50",
    ]);
    let sessions = |id: &str| {
        c["protocols"]
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["summary"]["protocol"] == id))
            .map(|p| p["summary"]["sessions"].clone())
    };
    assert_eq!(sessions("task-specific-300"), Some(9.into()), "{c}");
    assert_eq!(sessions("usual-care"), Some(30.into()), "{c}");
}
