//! Issue 14.6, the small frictions, through the real binary: search ignores case and accents, common spellings
//! and instrument names are accepted, a decimal comma is read, names are listed when asked, `export --until`
//! keeps earlier records, and a count of one is singular.

use serde_json::Value;

mod common;
use common::Env;

fn codes(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn search_ignores_case_and_accents() {
    let env = Env::new();
    env.add_stroke_with("P-0001", &["--name", "Zoë Müller"]);
    env.add_stroke_with("P-0002", &["--name", "Ada Lovelace"]);
    for typed in ["zoe", "ZOË", "muller", "Zoe M"] {
        let found = env.json(&["patient", "list", "--search", typed]);
        assert_eq!(codes(&found), ["P-0001"], "search {typed:?}");
    }
    let found = env.json(&["patient", "list", "--search", "zoé"]);
    assert_eq!(codes(&found), ["P-0001"]);
    assert_eq!(
        codes(&env.json(&["patient", "list", "--search", "zz"])).len(),
        0
    );
}

#[test]
fn american_spellings_and_instrument_aliases_are_accepted() {
    let env = Env::new();
    env.add_stroke_with("P-0001", &["--stroke-type", "ischemic"]);
    let p = env.json(&["patient", "show", "P-0001"]);
    let shown = p.to_string();
    assert!(shown.contains("\"ischaemic\""), "{shown}");
    env.ok(&["patient", "edit", "P-0001", "--stroke-type", "hemorrhagic"]);
    let shown = env.json(&["patient", "show", "P-0001"]).to_string();
    assert!(shown.contains("\"haemorrhagic\""), "{shown}");

    for (typed, id, score) in [
        ("tug", "tug_s", "14.5"),
        ("berg", "bbs", "40"),
        ("FMA-UE", "fma_ue", "30"),
        ("updrs3", "mds_updrs_iii", "20"),
    ] {
        let a = env.json(&["assess", "P-0001", typed, score, "--date", "2026-03-01"]);
        assert_eq!(a["instrument"], id, "{typed}");
    }
    let err = env.fails(&["assess", "P-0001", "fugl", "3"]);
    assert!(err.contains("unknown instrument \"fugl\""), "{err}");
}

#[test]
fn a_decimal_comma_is_read_as_a_point() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    let a = env.json(&["assess", "P-0001", "tug", "14,5", "--date", "2026-03-01"]);
    assert_eq!(a["score"], 14.5);
    let err = env.refused(&["assess", "P-0001", "tug", "14,5,1"]);
    assert!(err.contains("decimal point"), "{err}");
    env.ok(&[
        "patient",
        "add",
        "--code",
        "P-0002",
        "--birth-year",
        "1950",
        "--condition",
        "parkinsons",
        "--hoehn-yahr",
        "2,5",
    ]);
    let p = env.json(&["patient", "show", "P-0002"]).to_string();
    assert!(p.contains("\"hoehn_yahr\":2.5"), "{p}");
}

#[test]
fn patient_list_shows_names_only_when_asked() {
    let env = Env::new();
    env.add_stroke_with("P-0001", &["--name", "Zoë Müller"]);
    env.add_stroke("P-0002", None);
    let plain = env.ok(&["patient", "list"]);
    assert!(!plain.contains("Zoë") && !plain.contains("NAME"), "{plain}");
    let named = env.ok(&["patient", "list", "--names"]);
    let header = named.lines().next().unwrap();
    assert!(
        header.starts_with("CODE") && header.contains("NAME"),
        "{named}"
    );
    let row = |code: &str| {
        named
            .lines()
            .find(|l| l.starts_with(code))
            .unwrap()
            .to_string()
    };
    assert!(row("P-0001").contains("Zoë Müller"), "{named}");
    assert!(
        row("P-0002").split_whitespace().nth(1) == Some("-"),
        "{named}"
    );
}

#[test]
fn export_until_keeps_records_up_to_that_day() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    for (day, score) in [
        ("2026-03-01", "20"),
        ("2026-03-10", "24"),
        ("2026-03-20", "28"),
    ] {
        env.ok(&["assess", "P-0001", "fma_ue", score, "--date", day]);
    }
    let out = env.ok(&[
        "export",
        "assessments",
        "--format",
        "json",
        "--until",
        "2026-03-10",
    ]);
    let rows: Value = serde_json::from_str(&out).unwrap();
    let dates: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, ["2026-03-01", "2026-03-10"]);
    let out = env.ok(&[
        "export",
        "assessments",
        "--format",
        "json",
        "--since",
        "2026-03-05",
        "--until",
        "2026-03-15",
    ]);
    let rows: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{out}");
    let err = env.fails(&[
        "export",
        "assessments",
        "--since",
        "2026-03-15",
        "--until",
        "2026-03-05",
    ]);
    assert!(err.contains("is after --until"), "{err}");
    // The audit row names the period.
    let trail = env.json(&["audit"]);
    let last_export = trail
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["action"] == "export")
        .unwrap()
        .to_string();
    assert!(last_export.contains("2026-03-15"), "{last_export}");
}

#[test]
fn a_count_of_one_is_singular() {
    let env = Env::new();
    env.add_stroke("P-0001", None);
    env.ok(&["assess", "P-0001", "fma_ue", "20", "--date", "2026-03-01"]);
    let out = env.ok(&["db", "check"]);
    assert!(out.contains("1 patient, 1 assessment, 0 sessions"), "{out}");
}
