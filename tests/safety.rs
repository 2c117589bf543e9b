//! Clinic-grade data safety through the real binary: the audit trail and its verification, export and import,
//! many writers at once, writers killed mid-write, and damaged or unwritable database files.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;

struct Env {
    dir: tempfile::TempDir,
    db: PathBuf,
}

impl Env {
    fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("praxis.db");
        Env { dir, db }
    }

    fn cmd_on(&self, db: &Path, args: &[&str]) -> Command {
        let mut c = Command::cargo_bin("praxis").unwrap();
        c.env_remove("PRAXIS_DB")
            .env_remove("PRAXIS_PROTOCOLS")
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION")
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("xdg-config"))
            .env("NO_COLOR", "1")
            .arg("--db")
            .arg(db)
            .args(args);
        c
    }

    fn cmd(&self, args: &[&str]) -> Command {
        self.cmd_on(&self.db, args)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "praxis {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        let out = self.ok(&a);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("{a:?}: not JSON ({e}):\n{out}"))
    }

    /// Expect exit status 1 and a one-line-ish message (no panic); return stderr.
    fn fails_on(&self, db: &Path, args: &[&str]) -> String {
        let out = self.cmd_on(db, args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(
            out.status.code(),
            Some(1),
            "praxis {args:?} should fail: {err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert!(err.starts_with("praxis: "), "{err}");
        err
    }

    fn fails(&self, args: &[&str]) -> String {
        self.fails_on(&self.db, args)
    }

    fn add_patient(&self, code: &str) {
        self.ok(&[
            "patient",
            "add",
            "--code",
            code,
            "--birth-year",
            "1958",
            "--condition",
            "stroke",
        ]);
    }
}

// ---------------------------------------------------------------------------------------------- audit

#[test]
fn audit_lists_the_trail_in_80_columns_and_filters_by_patient() {
    let env = Env::new();
    env.add_patient("P-0001");
    env.add_patient("P-0002");
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
    assert!(out.contains("fma_ue 30 2026-01-05"), "{out}");

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
    env.add_patient("P-0001");
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
    let err = env.fails(&["audit", "--verify"]);
    assert!(err.contains("broken at row 3"), "{err}");
    let j = env.cmd(&["audit", "--verify", "--json"]).output().unwrap();
    assert_eq!(j.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&j.stdout).unwrap();
    assert_eq!(v["intact"], false);
    assert_eq!(v["first_bad_row"], 3);
}
