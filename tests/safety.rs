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
        let last = err.lines().last().unwrap_or("");
        assert!(last.starts_with("praxis: "), "{err}");
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

// ---------------------------------------------------------------------------------------------- export / import

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn pseudonymised_export_drops_names_notes_and_exact_birth_years_and_is_audited() {
    let env = Env::new();
    env.ok(&[
        "patient",
        "add",
        "--code",
        "P-0001",
        "--birth-year",
        "1958",
        "--condition",
        "stroke",
        "--name",
        "Ada Lovelace",
        "--notes",
        "lives alone",
    ]);
    env.ok(&[
        "assess",
        "P-0001",
        "fma_ue",
        "30",
        "--date",
        "2026-01-05",
        "--notes",
        "tired today",
        "--assessor",
        "Dr Who",
    ]);
    let audit_before = env.json(&["audit"]).as_array().unwrap().len();

    let full = env.dir.path().join("full.csv");
    env.ok(&["export", "patients", "--out", full.to_str().unwrap()]);
    let text = std::fs::read_to_string(&full).unwrap();
    assert!(
        text.contains("Ada Lovelace") && text.contains("1958"),
        "{text}"
    );
    assert_eq!(mode(&full), 0o600);

    let pseudo = env.dir.path().join("pseudo.csv");
    env.ok(&[
        "export",
        "patients",
        "--pseudonymised",
        "--out",
        pseudo.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&pseudo).unwrap();
    assert_eq!(mode(&pseudo), 0o600);
    assert!(text.starts_with("code,birth_years,"), "{text}");
    // The code is replaced by a pseudonym (issue 9).
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("S-") && l.contains(",1955-1959,")),
        "{text}"
    );
    for secret in ["Ada", "Lovelace", "lives alone", "1958", "P-0001"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }

    let json = env.ok(&[
        "export",
        "assessments",
        "--format",
        "json",
        "--pseudonymised",
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert!(
        v[0]["patient_code"].as_str().unwrap().starts_with("S-"),
        "{v}"
    );
    assert_eq!(v[0]["score"], 30.0);
    assert!(
        !json.contains("tired") && !json.contains("Dr Who"),
        "{json}"
    );

    // Never overwrites a file.
    let err = env.fails(&["export", "patients", "--out", full.to_str().unwrap()]);
    assert!(err.contains("already exists"), "{err}");

    let trail = env.json(&["audit"]);
    let rows = trail.as_array().unwrap();
    // Three exports succeeded, the refused one left no row.
    assert_eq!(rows.len(), audit_before + 3, "{trail}");
    let last = &rows[rows.len() - 1];
    assert_eq!(last["action"], "export");
    assert_eq!(last["after"]["pseudonymised"], true);
    assert_eq!(last["after"]["kind"], "assessments");
    assert_eq!(last["after"]["rows"], 1);
    env.ok(&["audit", "--verify"]);
}

#[test]
fn pseudonymised_exports_give_day_numbers_and_no_exact_date_or_personal_text() {
    let env = Env::new();
    env.ok(&[
        "patient",
        "add",
        "--code",
        "P-0007",
        "--birth-year",
        "1958",
        "--condition",
        "stroke",
        "--sex",
        "female",
        "--onset",
        "2025-09-14",
        "--name",
        "Ada Lovelace",
        "--notes",
        "lives alone above the bakery",
    ]);
    env.ok(&[
        "patient",
        "add",
        "--code",
        "P-0008",
        "--birth-year",
        "1941",
        "--condition",
        "older-adult",
    ]);
    env.ok(&[
        "plan",
        "set",
        "P-0007",
        "--protocol",
        "task-specific-300",
        "--start",
        "2025-09-20",
        "--goal",
        "carry the shopping home",
    ]);
    for (code, date, score) in [
        ("P-0007", "2025-09-20", "20"),
        ("P-0007", "2025-10-02", "27"),
        ("P-0008", "2025-11-03", "14"),
    ] {
        let instrument = if code == "P-0007" { "fma_ue" } else { "tug_s" };
        env.ok(&[
            "assess",
            code,
            instrument,
            score,
            "--date",
            date,
            "--notes",
            "tired today",
            "--assessor",
            "Dr Who",
        ]);
    }
    env.ok(&[
        "log",
        "P-0007",
        "--minutes",
        "45",
        "--reps",
        "260",
        "--date",
        "2025-09-22",
        "--time",
        "10:15",
        "--notes",
        "cried after the third set",
    ]);
    env.ok(&[
        "log",
        "P-0008",
        "--protocol",
        "balance-gait-older",
        "--minutes",
        "30",
        "--reps",
        "40",
        "--date",
        "2025-11-05",
    ]);

    // The full export keeps the exact dates (its shape is unchanged).
    let full = env.ok(&["export", "patients"]);
    assert!(full.starts_with(
        "code,name,birth_year,sex,dominant_hand,affected_side,condition,facts,notes,created_at,updated_at\n"
    ));
    assert!(full.contains("2025-09-14"), "{full}");

    for kind in ["patients", "assessments", "sessions"] {
        for format in ["csv", "json"] {
            let out = env.ok(&["export", kind, "--format", format, "--pseudonymised"]);
            let exact = regex_free_dates(&out);
            assert!(
                exact.is_empty(),
                "{kind} {format}: exact dates {exact:?} in\n{out}"
            );
            for secret in [
                "Ada",
                "Lovelace",
                "bakery",
                "shopping",
                "tired",
                "Dr Who",
                "cried",
                "1958",
                "1941",
                "2025-09-14",
                "14/09",
                "09/14",
            ] {
                assert!(
                    !out.contains(secret),
                    "{kind} {format}: {secret:?} leaked:\n{out}"
                );
            }
        }
    }

    // Each patient's pseudonym (issue 9: no code leaves in a pseudonymised export), told apart by condition.
    let pj: Value = serde_json::from_str(&env.ok(&[
        "export",
        "patients",
        "--format",
        "json",
        "--pseudonymised",
    ]))
    .unwrap();
    let pseudonym = |kind: &str| -> String {
        pj.as_array()
            .unwrap()
            .iter()
            .find(|p| p["condition"]["kind"] == kind)
            .unwrap()["code"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (p7, p8) = (pseudonym("stroke"), pseudonym("older_adult"));
    assert!(p7.starts_with("S-") && p8.starts_with("S-") && p7 != p8);

    // CSV: day numbers from each patient's day 0 (P-0007: the onset; P-0008: the first assessment).
    let pts = env.ok(&["export", "patients", "--pseudonymised"]);
    assert!(
        pts.starts_with("code,birth_years,sex,dominant_hand,affected_side,condition,facts\n"),
        "{pts}"
    );
    assert!(
        pts.contains(r#""{""onset_day"":0,""onset_month"":""2025-09""}""#),
        "{pts}"
    );
    let a = env.ok(&["export", "assessments", "--pseudonymised"]);
    assert_eq!(
        a.lines().collect::<Vec<_>>(),
        [
            "patient_code,instrument,score,day".to_string(),
            format!("{p7},fma_ue,20,6"),
            format!("{p7},fma_ue,27,18"),
            format!("{p8},tug_s,14,0")
        ]
    );
    let s = env.ok(&["export", "sessions", "--pseudonymised"]);
    assert_eq!(
        s.lines().collect::<Vec<_>>(),
        [
            "patient_code,day,protocol_id,minutes,repetitions,level,success_rate,rpe".to_string(),
            format!("{p7},8,task-specific-300,45,260,,,"),
            format!("{p8},2,balance-gait-older,30,40,,,")
        ]
    );
    // Day numbers do not depend on --since.
    let later = env.ok(&[
        "export",
        "assessments",
        "--pseudonymised",
        "--since",
        "2025-10-01",
    ]);
    assert!(later.contains(&format!("{p7},fma_ue,27,18")), "{later}");

    // JSON: the same numbers.
    let stroke = pj
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == p7.as_str())
        .unwrap();
    assert_eq!(stroke["condition"]["onset_month"], "2025-09");
    assert_eq!(stroke["condition"]["onset_day"], 0);
    assert!(stroke["condition"].get("onset_date").is_none());
    assert_eq!(stroke["birth_years"], "1955-1959");
    let aj: Value = serde_json::from_str(&env.ok(&[
        "export",
        "assessments",
        "--format",
        "json",
        "--pseudonymised",
    ]))
    .unwrap();
    assert_eq!(aj[1]["day"], 18);
    assert!(aj[1].get("date").is_none());
    let sj: Value = serde_json::from_str(&env.ok(&[
        "export",
        "sessions",
        "--format",
        "json",
        "--pseudonymised",
    ]))
    .unwrap();
    assert_eq!(sj[0]["day"], 8);
    assert!(sj[0].get("started_at").is_none());
}

/// Every `YYYY-MM-DD` (or `YYYY-MM-DDTHH:MM...`) in `text`.
fn regex_free_dates(text: &str) -> Vec<String> {
    let b = text.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    (0..b.len())
        .filter(|&i| {
            (0..4).all(|k| digit(i + k))
                && b.get(i + 4) == Some(&b'-')
                && digit(i + 5)
                && digit(i + 6)
                && b.get(i + 7) == Some(&b'-')
                && digit(i + 8)
                && digit(i + 9)
        })
        .map(|i| text[i..i + 10].to_string())
        .collect()
}

/// `n` sessions of P-0001 (added through the CLI first), in one transaction through the library.
fn many_sessions(env: &Env, n: u32) {
    env.add_patient("P-0001");
    let mut store = praxis::store::Store::open(&env.db).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
    store
        .write(|tx| {
            for i in 0..n {
                tx.add_session(&praxis::domain::SessionLog {
                    id: 0,
                    patient_code: "P-0001".into(),
                    started_at: (day + chrono::Days::new(u64::from(i / 4)))
                        .and_hms_opt(8 + i % 4, 0, 0)
                        .unwrap(),
                    protocol_id: "task-specific-300".into(),
                    minutes: 45,
                    // Distinct rows, within 60 repetitions a minute (the rules' ceiling).
                    repetitions: 200 + i % 2000,
                    level: Some(3),
                    success_rate: Some(0.7),
                    rpe: Some(5),
                    notes: format!("session {i}"),
                    clinician: None,
                })?;
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn an_export_whose_reader_closes_the_pipe_early_is_audited_as_incomplete() {
    use std::io::BufRead as _;
    let env = Env::new();
    // Far more than a pipe holds (64 KiB), so praxis must meet the closed end, as with `praxis export | head -1`.
    many_sessions(&env, 4000);
    for format in ["csv", "json"] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("praxis"))
            .env_remove("PRAXIS_DB")
            .env_remove("SSH_CLIENT")
            .env_remove("SSH_CONNECTION")
            .env("XDG_DATA_HOME", env.dir.path().join("xdg"))
            .arg("--db")
            .arg(&env.db)
            .args(["export", "sessions", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        reader.read_line(&mut first).unwrap();
        let got = first.len() + reader.buffer().len();
        drop(reader); // the reader goes away, as `head -1` does
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{format}: {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            err.contains("cut short (the reader closed the pipe)")
                && err.contains("the audit trail records it as incomplete"),
            "{err}"
        );

        let trail = env.json(&["audit"]);
        let rows = trail.as_array().unwrap();
        let (export, incomplete) = (&rows[rows.len() - 2], &rows[rows.len() - 1]);
        assert_eq!(export["action"], "export", "{format}");
        assert_eq!(export["after"]["rows"], 4000);
        assert_eq!(incomplete["action"], "export_incomplete");
        let a = &incomplete["after"];
        assert_eq!(a["export_row"], export["id"]);
        assert_eq!(a["rows"], 4000);
        let (written, left) = (
            a["bytes_written"].as_u64().unwrap(),
            a["bytes_left"].as_u64().unwrap(),
        );
        assert!(written as usize >= got && left > 0, "{a}");
        let rows_written = a["rows_written"].as_u64().unwrap();
        assert!(rows_written < 4000, "{a}");
        assert_eq!(a["rows_left"].as_u64().unwrap(), 4000 - rows_written);
        let listing = env.ok(&["audit"]);
        assert!(
            listing.contains(&format!(
                "export sessions cut short: {rows_written}/4000 rows"
            )),
            "{listing}"
        );
    }
    env.ok(&["audit", "--verify"]);

    // Other commands end quietly when their reader goes away, as other Unix tools do: no panic, no message.
    for args in [&["audit"][..], &["history", "P-0001", "--json"]] {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("praxis"))
            .env_remove("PRAXIS_DB")
            .env("XDG_DATA_HOME", env.dir.path().join("xdg"))
            .arg("--db")
            .arg(&env.db)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        reader.read_line(&mut String::new()).unwrap();
        drop(reader);
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "{args:?}: {err}");
        use std::os::unix::process::ExitStatusExt as _;
        assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{args:?}");
    }

    // Read to the end, the same export is one audit row.
    let before = env.json(&["audit"]).as_array().unwrap().len();
    let all = env.ok(&["export", "sessions"]);
    assert_eq!(all.lines().count(), 4001);
    let trail = env.json(&["audit"]);
    assert_eq!(trail.as_array().unwrap().len(), before + 1);
    assert_eq!(trail[before]["action"], "export");
}

#[test]
fn export_since_keeps_later_records_only() {
    let env = Env::new();
    env.add_patient("P-0001");
    env.ok(&["assess", "P-0001", "fma_ue", "20", "--date", "2026-01-05"]);
    env.ok(&["assess", "P-0001", "fma_ue", "25", "--date", "2026-03-05"]);
    let out = env.ok(&["export", "assessments", "--since", "2026-02-01"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "patient_code,instrument,score,date,assessor,notes",
            "P-0001,fma_ue,25,2026-03-05,,"
        ]
    );
}

#[test]
fn import_reports_every_bad_row_and_imports_nothing_unless_all_are_valid() {
    let env = Env::new();
    env.add_patient("P-0001");
    let bad = env.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        b"patient_code,instrument,score,date,assessor,notes\n\
          P-0001,fma_ue,30,2026-01-02,,ok\n\
          P-0099,fma_ue,30,2026-01-02,,\n\
          P-0001,fma_ue,70,2026-01-02,,\n\
          P-0001,grip,3,2026-01-02,,\n\
          P-0001,arat,3,2026-13-40,,\n\
          P-0001,arat,3,2026-01-02,,caf\xe9\n",
    )
    .unwrap();
    let out = env
        .cmd(&["import", "assessments", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for want in [
        "line 4: FMA-UE is scored 0-66; got 70",
        "line 5: unknown instrument \"grip\"",
        "line 6: date \"2026-13-40\" is not a date",
        "line 7: column 6 is not valid UTF-8",
        "5 bad row(s); nothing was imported",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert!(err.contains("line 3: unknown patient P-0099"), "{err}");
    let bad2 = env.dir.path().join("bad2.csv");
    std::fs::write(&bad2, "patient_code,instrument,score,date\nP-0001,fma_ue,30,2026-01-02\nP-0099,fma_ue,30,2026-01-02\n").unwrap();
    let err = env.fails(&["import", "assessments", bad2.to_str().unwrap()]);
    assert!(err.contains("line 3: unknown patient P-0099"), "{err}");
    assert_eq!(
        env.json(&["history", "P-0001"])
            .to_string()
            .matches("fma_ue")
            .count(),
        0
    );

    let good = env.dir.path().join("good.csv");
    std::fs::write(&good, "patient_code,instrument,score,date,assessor\nP-0001,fma_ue,30,2026-01-02,Kim\nP-0001,arat,12,2026-01-03,\n").unwrap();
    let dry = env.ok(&["import", "assessments", good.to_str().unwrap(), "--dry-run"]);
    assert!(dry.contains("all 2 row(s) are valid"), "{dry}");
    let c0 = env.json(&["db", "check"]);
    assert_eq!(c0["counts"]["assessments"], 0);
    env.ok(&["import", "assessments", good.to_str().unwrap()]);
    let c1 = env.json(&["db", "check"]);
    assert_eq!(c1["counts"]["assessments"], 2);
    let trail = env.json(&["audit"]);
    let last = trail.as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["action"], "import");
    assert_eq!(last["after"]["rows"], 2);
}

// ---------------------------------------------------------------------------------------------- concurrency, crashes

fn count_notes(db: &Path, table: &str, note: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        &format!("SELECT count(*) FROM {table} WHERE notes = ?1"),
        [note],
        |r| r.get(0),
    )
    .unwrap()
}

#[test]
fn eight_processes_writing_at_once_lose_nothing_and_never_see_a_lock() {
    const WRITERS: usize = 8;
    const WRITES: usize = 12; // each: alternately an assessment and a session
    let env = Env::new();
    env.add_patient("P-0001");
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
    env.add_patient("P-0001");
    let bin = assert_cmd::cargo::cargo_bin("praxis");
    let mut committed = Vec::new();
    let mut killed = 0;
    for round in 0..6u64 {
        let children: Vec<(String, std::process::Child)> = (0..8)
            .map(|w| {
                let note = format!("r{round}-w{w}");
                let child = std::process::Command::new(&bin)
                    .env_remove("PRAXIS_DB")
                    .env("XDG_DATA_HOME", env.dir.path().join("xdg"))
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

// ---------------------------------------------------------------------------------------------- bad database files

/// Run the real binary on `db`; as root (which ignores file permissions) it runs as `nobody` so that permissions
/// bite. Returns (exit code, stderr).
fn run_restricted(env: &Env, db: &Path, args: &[&str]) -> (Option<i32>, String) {
    use std::os::unix::process::CommandExt as _;
    let root = is_root(env);
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("praxis"));
    c.env_remove("PRAXIS_DB")
        .env("XDG_DATA_HOME", env.dir.path().join("xdg"))
        .env("HOME", env.dir.path())
        .arg("--db")
        .arg(db)
        .args(args);
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
    env.add_patient("P-0001");
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
    let err = env.fails(&["patient", "show", "P-0001"]);
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
    env.add_patient("P-0001");
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
    env.add_patient("P-0001");
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

// ---------------------------------------------------------------------------------------------- restore under load

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
