//! The audit trail through the real binary: its listing in 80 columns, its filters and its verification.

use serde_json::Value;

mod common;
use common::Env;

#[test]
fn audit_lists_the_trail_in_80_columns_and_filters_by_patient() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    env.add_stroke("P-0002", None);
    env.ok(&[
        "assess",
        "P-0001",
        "fma_ue",
        "30",
        "--date",
        "2026-01-05",
        "--notes",
        "a note",
    ]);
    env.ok(&["assess", "P-0002", "arat", "12", "--date", "2026-01-06"]);
    let out = env.ok(&["audit"]);
    for l in out.lines() {
        assert!(l.chars().count() <= 80, "wider than 80 columns: {l:?}");
    }
    let lines: Vec<&str> = out.lines().collect();
    // header + first admin + 2 patients + 2 assessments
    assert_eq!(lines.len(), 6, "{out}");
    assert!(
        lines[0].contains("WHEN") && lines[0].contains("WHO"),
        "{out}"
    );
    assert!(out.contains("new assessment fma_ue 30 2026-01-05"), "{out}");

    // From where: the SSH client address is shown after the user.
    let out = env
        .cmd(&["assess", "P-0002", "arat", "14", "--date", "2026-01-07"])
        .env("SSH_CLIENT", "10.1.2.3 50022 22")
        .output()
        .unwrap();
    assert!(out.status.success());
    let listing = env.ok(&["audit"]);
    let last = listing.lines().last().unwrap();
    assert!(last.contains("@10.1.2.3"), "{listing}");
    assert!(
        last.contains("new assessment arat 14 2026-01-07"),
        "{listing}"
    );

    // SSH_CONNECTION alone (some servers set only it) names the client too; without either, no address.
    let out = env
        .cmd(&["assess", "P-0002", "arat", "15", "--date", "2026-01-08"])
        .env("SSH_CONNECTION", "192.0.2.44 50022 10.0.0.1 22")
        .output()
        .unwrap();
    assert!(out.status.success());
    let trail = env.json(&["audit"]);
    let rows = trail.as_array().unwrap();
    assert_eq!(rows[rows.len() - 1]["ssh_addr"], "192.0.2.44", "{trail}");
    assert_eq!(rows[rows.len() - 2]["ssh_addr"], "10.1.2.3", "{trail}");
    assert!(rows[1].get("ssh_addr").is_none(), "{trail}");

    let one = env.json(&["audit", "--patient", "P-0001"]);
    let rows = one.as_array().unwrap();
    assert_eq!(rows.len(), 2, "{one}");
    assert!(rows.iter().all(|r| r["patient_code"] == "P-0001"));
    assert_eq!(rows[1]["entity"], "assessment");
    assert_eq!(rows[1]["after"]["score"], 30.0);
}

#[test]
fn audit_verify_names_the_first_tampered_row() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    env.ok(&["assess", "P-0001", "fma_ue", "30", "--date", "2026-01-05"]);
    env.ok(&["assess", "P-0001", "fma_ue", "34", "--date", "2026-02-05"]);
    let ok = env.ok(&["audit", "--verify"]);
    assert!(ok.contains("intact (4 rows"), "{ok}");

    // Someone with file access edits a score in the trail, bypassing the append-only trigger.
    {
        let conn = rusqlite::Connection::open(&env.db).unwrap();
        let refused = conn.execute("UPDATE audit SET os_user = 'mallory' WHERE id = 3", []);
        assert!(refused.is_err(), "the trigger should refuse updates");
        conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
        let n = conn
            .execute(
                "UPDATE audit SET after_json = replace(after_json, '30.0', '40.0') WHERE id = 3",
                [],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    let err = env.fails_on(&env.db, &["audit", "--verify"]);
    assert!(err.contains("broken at row 3"), "{err}");
    let j = env.cmd(&["audit", "--verify", "--json"]).output().unwrap();
    assert_eq!(j.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_bad_row"], 3);
}
