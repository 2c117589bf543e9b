//! Export through the real binary: pseudonymised exports hold no personal data, exports are private and
//! audited, an export cut short by its reader is audited as incomplete, `--since` keeps later records.

use serde_json::Value;
use std::path::Path;

mod common;
use common::{Env, many_sessions};

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
    let err = env.fails_on(
        &env.db,
        &["export", "patients", "--out", full.to_str().unwrap()],
    );
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
            "patient_code,instrument,score,day,med_state".to_string(),
            format!("{p7},fma_ue,20,6,"),
            format!("{p7},fma_ue,27,18,"),
            format!("{p8},tug_s,14,0,")
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

#[test]
fn an_export_whose_reader_closes_the_pipe_early_is_audited_as_incomplete() {
    use std::io::BufRead as _;
    let env = Env::new();
    // Far more than a pipe holds (64 KiB), so praxis must meet the closed end, as with `praxis export | head -1`.
    many_sessions(&env, 4000);
    for format in ["csv", "json"] {
        let mut child = common::praxis(env.dir.path())
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
        let mut child = common::praxis(env.dir.path())
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
    env.add_stroke("P-0001", None);
    env.ok(&["assess", "P-0001", "fma_ue", "20", "--date", "2026-01-05"]);
    env.ok(&["assess", "P-0001", "fma_ue", "25", "--date", "2026-03-05"]);
    let out = env.ok(&["export", "assessments", "--since", "2026-02-01"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        [
            "patient_code,instrument,score,date,assessor,notes,med_state",
            "P-0001,fma_ue,25,2026-03-05,,,"
        ]
    );
}
