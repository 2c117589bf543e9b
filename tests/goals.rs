//! Issue 14, point 4: a plan's goals through the command line (`praxis goal add|review|list`), their Goal
//! Attainment Scaling and T-score, goals and reviews as records (corrected or voided with a reason, audited, roles
//! respected), and each goal's probability in a forecast of the stored patient.

use praxis::domain::{Goal, GoalReview};
use praxis::store::{Correction, RecordKind, Role, Store, StoreError};
use serde_json::Value;

mod common;
use common::{Env, day, patient, store_of_boss, who};

/// An older adult with a Berg of 41 on 2026-11-01 and balance training as the plan.
fn older_adult(env: &Env) {
    env.add_patient("P-0090", "1945", "older_adult", &[]);
    env.ok(&["assess", "P-0090", "bbs", "41", "--date", "2026-11-01"]);
    env.ok(&[
        "plan",
        "set",
        "P-0090",
        "--protocol",
        "balance-gait-older",
        "--start",
        "2026-11-02",
    ]);
}

fn add_goal(env: &Env, inst: &str, target: &str, by: &str, text: &str) -> Value {
    env.json(&[
        "goal",
        "add",
        "P-0090",
        "--instrument",
        inst,
        "--target",
        target,
        "--by",
        by,
        "--text",
        text,
    ])
}

#[test]
fn goals_are_added_reviewed_and_listed_with_the_gas_t_score() {
    let env = Env::new();
    older_adult(&env);
    let plan = env.json(&["plan", "show", "P-0090"]);
    // An alias names the instrument; the goal joins the active plan.
    let g1 = add_goal(&env, "berg", "45", "2027-02-01", "walk to the bakery");
    assert_eq!(g1["instrument"], "bbs", "{g1}");
    assert_eq!(g1["target"], 45.0);
    assert_eq!(g1["by"], "2027-02-01");
    assert_eq!(g1["text"], "walk to the bakery");
    assert_eq!(g1["plan_id"], plan["id"], "{g1} {plan}");
    let g2 = add_goal(&env, "tug", "12", "2027-01-15", "");
    let g3 = add_goal(&env, "bbs", "50", "2027-04-01", "no walker at home");
    // Human output of `add` names the goal.
    let out = env.ok(&[
        "goal",
        "add",
        "P-0090",
        "--instrument",
        "bbs",
        "--target",
        "43",
        "--by",
        "2026-12-20",
    ]);
    assert!(out.contains("Berg 43 by 2026-12-20"), "{out}");
    let g4_id = env.json(&["goal", "list", "P-0090"])["goals"][3]["id"].clone();
    env.ok(&["void", "goal", &g4_id.to_string(), "--reason", "set twice"]);

    // Nothing reviewed yet: no T-score, and the list says how to review.
    let list = env.json(&["goal", "list", "P-0090"]);
    assert_eq!(list["goals"].as_array().unwrap().len(), 3, "{list}");
    assert!(list["gas"].is_null(), "{list}");
    assert!(
        env.ok(&["goal", "list", "P-0090"])
            .contains("goal review P-0090")
    );

    // Workflow 11: levels 0, -1, +1 give a T-score of exactly 50.
    for (g, level) in [(&g1, "0"), (&g2, "-1"), (&g3, "1")] {
        let id = g["id"].to_string();
        let r = env.json(&[
            "goal",
            "review",
            "P-0090",
            &id,
            "--level",
            level,
            "--date",
            "2026-11-20",
        ]);
        assert_eq!(r["level"].to_string(), level, "{r}");
    }
    let list = env.json(&["goal", "list", "P-0090"]);
    assert_eq!(list["gas"]["t_score"], 50.0, "{list}");
    assert_eq!(list["gas"]["rho"], 0.3);
    assert_eq!(list["gas"]["reviewed"], 3);
    assert_eq!(list["goals"][1]["level"], -1);
    assert_eq!(list["goals"][1]["reviewed"], "2026-11-20");

    // A later review replaces the level used; 1, 1, 2 gives 50 + 40 / sqrt(4.8) = 68.3.
    for (g, level) in [(&g1, "1"), (&g2, "1"), (&g3, "2")] {
        let id = g["id"].to_string();
        env.ok(&[
            "goal",
            "review",
            "P-0090",
            &id,
            "--level",
            level,
            "--date",
            "2026-11-27",
        ]);
    }
    let list = env.json(&["goal", "list", "P-0090"]);
    let t = list["gas"]["t_score"].as_f64().unwrap();
    assert!((t - 68.257).abs() < 0.001, "{list}");
    assert_eq!(list["goals"][0]["reviews"].as_array().unwrap().len(), 2);
    let out = env.ok(&["goal", "list", "P-0090"]);
    assert!(
        out.contains("GAS T-score 68.3 (3 of 3 goals reviewed)"),
        "{out}"
    );
    assert!(out.contains("TUG 12 by 2027-01-15"), "{out}");
    assert!(out.contains("walk to the bakery"), "{out}");
    for l in out.lines() {
        assert!(l.chars().count() <= 80, "wider than 80 columns: {l:?}");
    }
}

#[test]
fn bad_goal_input_is_refused_naming_the_field() {
    let env = Env::new();
    older_adult(&env);
    let err = env.fails(&[
        "goal",
        "add",
        "P-0090",
        "--instrument",
        "bbs",
        "--target",
        "60",
        "--by",
        "2027-02-01",
    ]);
    assert!(err.contains("target") && err.contains("0-56"), "{err}");
    let err = env.fails(&[
        "goal",
        "add",
        "P-0090",
        "--instrument",
        "grip",
        "--target",
        "6",
        "--by",
        "2027-02-01",
    ]);
    assert!(err.contains("grip"), "{err}");
    let err = env.fails(&[
        "goal",
        "add",
        "P-0090",
        "--instrument",
        "bbs",
        "--target",
        "45",
        "--by",
        "2031-02-01",
    ]);
    assert!(err.contains("goal date 2031-02-01"), "{err}");
    let err = env.refused(&[
        "goal",
        "add",
        "P-0090",
        "--instrument",
        "bbs",
        "--target",
        "45",
        "--by",
        "next week",
    ]);
    assert!(err.contains("--by"), "{err}");
    let err = env.fails(&[
        "goal",
        "add",
        "P-0999",
        "--instrument",
        "bbs",
        "--target",
        "45",
        "--by",
        "2027-02-01",
    ]);
    assert!(err.contains("P-0999"), "{err}");
    let g = add_goal(&env, "bbs", "45", "2027-02-01", "");
    let id = g["id"].to_string();
    let err = env.fails(&["goal", "review", "P-0090", &id, "--level", "3"]);
    assert!(
        err.contains("GAS level must be -2, -1, 0, 1 or 2; got 3"),
        "{err}"
    );
    let err = env.fails(&["goal", "review", "P-0090", "99", "--level", "1"]);
    assert!(err.contains("no goal with id 99"), "{err}");
    // Another patient's goal is not this patient's.
    env.add_patient("P-0091", "1950", "older_adult", &[]);
    let err = env.fails(&["goal", "review", "P-0091", &id, "--level", "1"]);
    assert!(err.contains("P-0091 has no goal"), "{err}");
    assert!(
        env.json(&["goal", "list", "P-0091"])["goals"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn goals_and_reviews_are_corrected_and_voided_with_a_reason_and_audited() {
    let env = Env::new();
    older_adult(&env);
    let g = add_goal(&env, "bbs", "45", "2027-02-01", "walk to the bakery");
    let id = g["id"].to_string();
    let r = env.json(&[
        "goal",
        "review",
        "P-0090",
        &id,
        "--level",
        "-1",
        "--date",
        "2026-11-20",
    ]);
    // Correcting the goal keeps the old one, and the review counts for the correction.
    let err = env.refused(&["correct", "goal", &id, "--target", "47"]);
    assert!(err.contains("--reason"), "{err}");
    let err = env.fails(&["correct", "goal", &id, "--reason", "typo"]);
    assert!(err.contains("nothing to correct"), "{err}");
    let fixed = env.json(&[
        "correct",
        "goal",
        &id,
        "--target",
        "47",
        "--reason",
        "typed 45 for 47",
    ]);
    assert_eq!(fixed["target"], 47.0, "{fixed}");
    assert_eq!(fixed["supersedes"], g["id"], "{fixed}");
    let list = env.json(&["goal", "list", "P-0090"]);
    assert_eq!(list["goals"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["goals"][0]["target"], 47.0);
    assert_eq!(list["goals"][0]["level"], -1, "{list}");
    // A review is corrected to another level; the T-score follows.
    let rid = r["id"].to_string();
    let nr = env.json(&[
        "correct",
        "goal-review",
        &rid,
        "--level",
        "0",
        "--reason",
        "misread the scale",
    ]);
    assert_eq!(nr["level"], 0, "{nr}");
    assert_eq!(
        env.json(&["goal", "list", "P-0090"])["gas"]["t_score"],
        50.0
    );
    // Voided twice: the second is refused.
    let nrid = nr["id"].to_string();
    let v = env.json(&["void", "goal_review", &nrid, "--reason", "wrong goal"]);
    assert_eq!(v["status"], "voided", "{v}");
    let err = env.fails(&["void", "goal_review", &nrid, "--reason", "again"]);
    assert!(err.contains("already voided"), "{err}");
    assert!(env.json(&["goal", "list", "P-0090"])["gas"].is_null());

    // The audit has each step, and never the goal's text.
    let trail = env.json(&["audit", "--patient", "P-0090"]);
    let rows = trail.as_array().unwrap();
    let steps: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r["entity"] == "goal" || r["entity"] == "goal_review")
        .map(|r| {
            (
                r["action"].as_str().unwrap().to_string(),
                r["entity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("create", "goal"),
        ("create", "goal_review"),
        ("correct", "goal"),
        ("correct", "goal_review"),
        ("void", "goal_review"),
    ]
    .iter()
    .map(|(a, e)| (a.to_string(), e.to_string()))
    .collect();
    assert_eq!(steps, want, "{trail}");
    assert!(!trail.to_string().contains("bakery"), "{trail}");
    let out = env.ok(&["audit", "--patient", "P-0090"]);
    assert!(out.contains("new goal bbs 45"), "{out}");
}

/// "boss" (admin), "lena" (lead), "tom" and "ann" (therapists), "stu" (readonly); a patient.
fn clinic() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, path, mut store) = store_of_boss();
    for (u, r) in [
        ("lena", Role::Lead),
        ("tom", Role::Therapist),
        ("ann", Role::Therapist),
        ("stu", Role::Readonly),
    ] {
        store.add_clinician(u, u, r).unwrap();
    }
    store.add_patient(&patient("P-0001").build()).unwrap();
    (dir, path)
}

fn as_user(path: &std::path::Path, user: &str) -> Store {
    let mut s = Store::open(path).unwrap();
    s.set_who(who(user));
    s
}

fn goal() -> Goal {
    Goal {
        id: 0,
        patient_code: "P-0001".into(),
        plan_id: None,
        instrument: "bbs".into(),
        target: 45.0,
        by: day(2027, 2, 1),
        text: String::new(),
    }
}

#[test]
fn goal_records_respect_roles_like_other_records() {
    let (_dir, path) = clinic();
    let mut stu = as_user(&path, "stu");
    assert!(matches!(
        stu.add_goal(&goal()),
        Err(StoreError::Forbidden(_))
    ));
    let mut tom = as_user(&path, "tom");
    let g = tom.add_goal(&goal()).unwrap();
    let review = GoalReview {
        id: 0,
        goal_id: g.id,
        patient_code: "P-0001".into(),
        level: 1,
        date: day(2026, 11, 20),
        notes: String::new(),
    };
    assert!(matches!(
        stu.add_goal_review(&review),
        Err(StoreError::Forbidden(_))
    ));
    let r = tom.add_goal_review(&review).unwrap();
    // Another therapist may neither correct nor void tom's goal or review; a lead may.
    let mut ann = as_user(&path, "ann");
    let fix = Correction::Goal(Goal {
        id: g.id,
        target: 47.0,
        ..goal()
    });
    let e = ann.correct_record(&fix, "typo").unwrap_err();
    assert!(
        matches!(&e, StoreError::Forbidden(m) if m.contains("only records you entered")),
        "{e}"
    );
    assert!(matches!(
        ann.void_record(RecordKind::GoalReview, r.id, "dup"),
        Err(StoreError::Forbidden(_))
    ));
    let mut lena = as_user(&path, "lena");
    lena.void_record(RecordKind::GoalReview, r.id, "dup")
        .unwrap();
    let new = tom.correct_record(&fix, "typo").unwrap();
    assert_eq!(tom.goals("P-0001").unwrap()[0].id, new);
    assert_eq!(tom.goals("P-0001").unwrap()[0].target, 47.0);
    // The old goal is kept, marked corrected.
    let (_, meta) = tom.goal_record(g.id).unwrap();
    assert_eq!(meta.superseded_by, Some(new));
}

#[test]
fn a_forecast_of_the_stored_patient_gives_each_goal_its_probability() {
    let env = Env::new();
    older_adult(&env);
    // An easy goal (Berg 42 in ~10 weeks), a hard one (Berg 56, the top of the scale, in ~4 weeks) and one after
    // the 180-day forecast.
    add_goal(&env, "bbs", "42", "2027-01-10", "");
    add_goal(&env, "bbs", "56", "2026-11-29", "");
    add_goal(&env, "bbs", "50", "2027-08-01", "");
    let f = env.json(&[
        "simulate",
        "--patient",
        "P-0090",
        "--protocol",
        "balance-gait-older",
        "--draws",
        "100",
    ]);
    let goals = f["summary"]["measures"]["bbs"]["goals"]
        .as_array()
        .unwrap_or_else(|| panic!("no goals in {}", f["summary"]))
        .clone();
    assert_eq!(goals.len(), 3, "{goals:?}");
    assert_eq!(goals[0]["by_day"], 70);
    let easy = goals[0]["p"].as_f64().unwrap();
    let hard = goals[1]["p"].as_f64().unwrap();
    assert!(easy > 0.5 && hard < 0.2 && easy > hard, "{goals:?}");
    assert!(goals[2]["p"].is_null(), "{goals:?}");
}

/// Issue 14.1's default follow-up: `compare --patient` without `--at` reads the ranking at the date of the plan's
/// nearest goal still ahead (a goal already past is not one); without goals, at 3 months.
#[test]
fn compare_patient_without_at_reads_the_ranking_at_the_nearest_goal_date() {
    let env = Env::new();
    older_adult(&env);
    let at = |env: &Env| {
        let v = env.json(&[
            "compare",
            "--patient",
            "P-0090",
            "falls-usual-care",
            "balance-gait-older",
            "--draws",
            "20",
        ]);
        v["fair"]["follow_up_day"].as_u64()
    };
    assert_eq!(at(&env), Some(90));
    add_goal(&env, "bbs", "48", "2027-03-01", "");
    add_goal(&env, "bbs", "45", "2027-01-10", "");
    // 2026-11-01 (the latest assessment, day 0) to 2027-01-10: 70 days; the later goal does not decide.
    assert_eq!(at(&env), Some(70));
    let human = env.ok(&[
        "compare",
        "--patient",
        "P-0090",
        "falls-usual-care",
        "balance-gait-older",
        "--draws",
        "20",
    ]);
    assert!(human.contains("day 70"), "{human}");
}

/// A goal dated before the stroke is refused with the onset named (QA walk: `--by 2020-01-01` was saved for a
/// patient whose stroke was in 2026).
#[test]
fn a_goal_before_the_stroke_is_refused() {
    let env = Env::new();
    env.add_stroke("P-0107", Some("2026-10-01"));
    let err = env.fails(&[
        "goal",
        "add",
        "P-0107",
        "--instrument",
        "arat",
        "--target",
        "20",
        "--by",
        "2020-01-01",
    ]);
    assert!(
        err.contains("goal date 2020-01-01 is before the stroke (2026-10-01)"),
        "{err}"
    );
    assert_eq!(
        env.json(&["goal", "list", "P-0107"])["goals"],
        Value::Array(vec![])
    );
}

/// A goal whose date has passed, or whose target the latest score already meets, is saved (a goal may be recorded
/// late) with a note saying so (found on a therapist's walk: both were accepted without a word).
#[test]
fn a_goal_already_due_or_already_met_is_saved_with_a_note() {
    let env = Env::new();
    env.add_stroke("P-0001", Some("2025-06-02"));
    env.ok(&["assess", "P-0001", "bbs", "46", "--date", "2025-09-01"]);
    let out = env.run(&[
        "goal",
        "add",
        "P-0001",
        "--instrument",
        "bbs",
        "--target",
        "45",
        "--by",
        "2025-10-01",
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("note: the goal's date 2025-10-01 has passed"),
        "{err}"
    );
    assert!(
        err.contains("note: the latest Berg (46 on 2025-09-01) already meets the target 45"),
        "{err}"
    );
    // A goal ahead and above the latest score: no note.
    let ahead = (chrono::Local::now().date_naive() + chrono::Duration::days(60)).to_string();
    let out = env.run(&[
        "goal",
        "add",
        "P-0001",
        "--instrument",
        "bbs",
        "--target",
        "50",
        "--by",
        &ahead,
    ]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("note:"), "{err}");
}
