//! Scenario files and the `simulate` and `compare` commands, end to end (split from tests/protocols.rs).
//!
//! Error fixtures live in tests/protocols_invalid/scenarios/; each test names the exact FILE:LINE:COLUMN it expects.

use praxis::model::protocol;
use praxis::model::scenario;
use serde_json::Value;

mod common;
use common::{json_of, praxis_at_root as praxis, repo_root as root, stderr_of};

#[test]
fn every_example_scenario_parses() {
    let mut kinds = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(root().join("tests/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let s =
            scenario::parse(&text, &path.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
        kinds.insert(s.patient.condition.kind());
        let lib = praxis::app::protocols::Library::builtin();
        let p = s
            .protocol
            .as_deref()
            .expect("example scenarios name a protocol");
        assert!(lib.get(p).is_some(), "{}: protocol {p}", path.display());
    }
    assert_eq!(kinds.len(), 4, "one scenario per condition kind at least");
}

fn simulate_fails_with(fixture: &str, expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let path = format!("tests/protocols_invalid/scenarios/{fixture}");
    let out = praxis(tmp.path())
        .args(["simulate", &path, "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when the scenario is bad"
    );
    let err = stderr_of(&out);
    assert!(
        err.contains(&format!("{path}:{expected}")),
        "expected {path}:{expected} in\n{err}"
    );
}

#[test]
fn scenario_errors_name_file_line_and_column() {
    simulate_fails_with("unknown-key.toml", "5:1: unknown key `horizon` (misspelt?)");
    simulate_fails_with(
        "score-out-of-range.toml",
        "13:10: baseline.fma_ue: FMA-UE is scored 0-66; got 70",
    );
    simulate_fails_with(
        "unknown-instrument.toml",
        "14:8: baseline.grip: unknown instrument \"grip\"",
    );
    simulate_fails_with(
        "condition-unknown-key.toml",
        "10:86: unknown key `patient.condition.mep_amp` for a stroke condition; did you mean `mep`?",
    );
    simulate_fails_with(
        "wrong-type.toml",
        "8:7: patient.age: invalid type: string \"old\", expected a whole number",
    );
    simulate_fails_with("bad-syntax.toml", "12:10: unclosed table, expected `]`");
    // Every unknown key and section at once, with the name meant (a misspelt section used to be reported as the
    // missing `baseline` it was meant to be).
    simulate_fails_with(
        "misspelt-section.toml",
        "4:1: unknown key `horizon_day` (misspelt?); did you mean `horizon_days`?",
    );
    simulate_fails_with(
        "misspelt-section.toml",
        "11:2: unknown section `[baselin]` (misspelt?); did you mean `[baseline]`?",
    );
}

#[test]
fn scenario_instrument_ids_are_made_canonical() {
    let text = "[patient]\nage = 70\ncondition = { kind = \"older_adult\" }\n[baseline]\nBBS = 40\n\"TUG-S\" = 12.5\n";
    let s = scenario::parse(text, "x.toml").unwrap();
    assert_eq!(s.baseline.keys().collect::<Vec<_>>(), ["bbs", "tug_s"]);
    assert_eq!(s.horizon_days, 180);
}

// ---- simulate and compare -----------------------------------------------------------------------------------

fn is_snake(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `{"days":[...], "measures":{"<id>":{"mean","p10","p50","p90"}}, ...}` with every series as long as `days`.
fn assert_series_shape(measures: &Value, n_days: usize, baseline_ids: &[&str]) {
    let m = measures.as_object().expect("measures is an object");
    let mut ids: Vec<&str> = m.keys().map(String::as_str).collect();
    ids.sort_unstable();
    let mut want = baseline_ids.to_vec();
    want.sort_unstable();
    assert_eq!(ids, want);
    for (id, band) in m {
        assert!(is_snake(id), "{id} is not snake case");
        let inst = praxis::instruments::get(id).unwrap();
        let b = band.as_object().unwrap();
        let mut keys: Vec<&str> = b.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["mean", "p10", "p50", "p90"], "{id}");
        for (k, series) in b {
            let s = series.as_array().unwrap();
            assert_eq!(s.len(), n_days, "{id}.{k}");
            assert!(
                s.iter()
                    .all(|x| x.as_f64().is_some_and(|x| x >= inst.min && x <= inst.max)),
                "{id}.{k}"
            );
        }
    }
}

#[test]
fn simulate_json_has_the_design_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args([
            "simulate",
            "tests/scenarios/stroke-subacute.toml",
            "--json",
            "--draws",
            "50",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    let mut keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["days", "measures", "sessions", "summary"]);
    let days = v["days"].as_array().unwrap();
    assert_eq!(days.len(), 181, "day 0 to the 180-day horizon");
    assert_eq!(v["sessions"].as_array().map(Vec::len), Some(15));
    assert_eq!(days[0], 0);
    assert_series_shape(&v["measures"], days.len(), &["arat", "fma_ue"]);
    let s = &v["summary"];
    assert_eq!(s["protocol"], "task-specific-300");
    assert_eq!(s["draws"], 50);
    assert_eq!(s["seed"], 1);
    assert_eq!(s["sessions"], 15);
    for id in s["measures"].as_object().unwrap().keys() {
        assert!(is_snake(id));
    }
}

#[test]
fn simulate_protocol_option_overrides_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let v = json_of(
        &praxis(tmp.path())
            .args([
                "simulate",
                "tests/scenarios/stroke-subacute.toml",
                "--protocol",
                "cimt",
                "--json",
            ])
            .args(["--draws", "20"])
            .output()
            .unwrap(),
    );
    assert_eq!(v["summary"]["protocol"], "cimt");
    // A protocol file path works too.
    let v = json_of(
        &praxis(tmp.path())
            .args([
                "simulate",
                "tests/scenarios/stroke-subacute.toml",
                "--json",
                "--draws",
                "20",
            ])
            .args([
                "--protocol",
                "tests/protocols_invalid/override/usual-care.toml",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v["summary"]["protocol_name"], "Usual care (our clinic)");
}

#[test]
fn same_seed_gives_identical_output() {
    let tmp = tempfile::tempdir().unwrap();
    let run = |seed: &str| {
        praxis(tmp.path())
            .args([
                "compare",
                "tests/scenarios/stroke-chronic.toml",
                "dose-3200",
                "dose-9600",
                "--json",
            ])
            .args(["--draws", "40", "--seed", seed])
            .output()
            .unwrap()
    };
    let (a, b) = (run("7"), run("7"));
    assert!(a.status.success(), "{}", stderr_of(&a));
    assert_eq!(a.stdout, b.stdout);
    // The seed matters: another seed gives other draws.
    assert_ne!(a.stdout, run("8").stdout);
    let sim = |seed: &str| {
        praxis(tmp.path())
            .args([
                "simulate",
                "tests/scenarios/parkinsons-hy2.toml",
                "--json",
                "--draws",
                "40",
                "--seed",
                seed,
            ])
            .output()
            .unwrap()
            .stdout
    };
    assert_eq!(sim("3"), sim("3"));
}

#[test]
fn compare_json_has_the_design_shape() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args([
            "compare",
            "tests/scenarios/stroke-subacute.toml",
            "usual-care",
            "task-specific-300",
            "cimt",
        ])
        .args(["--json", "--draws", "30"])
        .output()
        .unwrap();
    let v = json_of(&out);
    let n = v["days"].as_array().unwrap().len();
    assert_eq!(n, 181);
    assert!(is_snake(v["primary"].as_str().unwrap()));
    let protocols = v["protocols"].as_array().unwrap();
    let ids: Vec<&str> = protocols
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["usual-care", "task-specific-300", "cimt"]);
    for p in protocols {
        assert_series_shape(&p["measures"], n, &["arat", "fma_ue"]);
        assert_eq!(p["summary"]["protocol"], p["id"]);
        for key in [
            "change_end",
            "change_follow_up",
            "sessions_to_mcid",
            "p_mcid_end",
        ] {
            assert!(
                p["summary"]["measures"][v["primary"].as_str().unwrap()]
                    .get(key)
                    .is_some(),
                "{key}"
            );
        }
    }
    let mut ranking: Vec<&str> = v["ranking"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    ranking.sort_unstable();
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    assert_eq!(ranking, sorted);
}

#[test]
fn compare_human_output_names_the_favoured_protocol() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args([
            "compare",
            "tests/scenarios/stroke-subacute.toml",
            "usual-care",
            "task-specific-300",
            "cimt",
        ])
        .args(["--draws", "30"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    let v = json_of(
        &praxis(tmp.path())
            .args([
                "compare",
                "tests/scenarios/stroke-subacute.toml",
                "usual-care",
                "task-specific-300",
                "cimt",
            ])
            .args(["--draws", "30", "--json"])
            .output()
            .unwrap(),
    );
    let best = v["ranking"][0].as_str().unwrap();
    assert!(s.contains(&format!("The model favours {best} (")), "{s}");
    // The chart fits an 80-column terminal.
    let chart: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("mean *, 80% band"))
        .collect();
    assert!(chart.len() > 10, "{s}");
    assert!(chart.iter().all(|l| l.chars().count() <= 80), "{s}");
}

#[test]
fn bad_command_line_values_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args([
            "simulate",
            "tests/scenarios/stroke-subacute.toml",
            "--draws",
            "0",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("--draws"));
    let out = praxis(tmp.path())
        .args([
            "simulate",
            "tests/scenarios/stroke-subacute.toml",
            "--draws",
            "100001",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let out = praxis(tmp.path())
        .args([
            "compare",
            "tests/scenarios/stroke-subacute.toml",
            "usual-care",
            "nope",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(stderr_of(&out).contains("unknown protocol \"nope\""));
    let out = praxis(tmp.path())
        .args(["simulate", "tests/scenarios/does-not-exist.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("tests/scenarios/does-not-exist.toml"));
}

// ---- simulate --patient -------------------------------------------------------------------------------------

#[test]
fn simulate_patient_builds_the_scenario_from_the_store() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("praxis.db");
    {
        let mut store = praxis::store::Store::open(&db).unwrap();
        praxis::app::demo::load_at(
            &mut store,
            chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        )
        .unwrap();
    }
    let store = praxis::store::Store::open(&db).unwrap();
    let code = "P-0044"; // the demo Parkinson's patient
    let latest = praxis::app::patients::latest_scores(&store.assessments(code).unwrap());
    drop(store);
    let out = praxis(tmp.path())
        .args([
            "simulate",
            "--patient",
            code,
            "--protocol",
            "lsvt-big",
            "--json",
            "--draws",
            "20",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["summary"]["protocol"], "lsvt-big");
    // Every instrument with a score is in the forecast, starting from the latest score.
    let measures = v["summary"]["measures"].as_object().unwrap();
    assert!(!latest.is_empty());
    for a in &latest {
        let m = measures
            .get(&a.instrument)
            .unwrap_or_else(|| panic!("{} missing", a.instrument));
        assert_eq!(m["baseline"].as_f64(), Some(a.score), "{}", a.instrument);
    }
    assert_series_shape(
        &v["measures"],
        v["days"].as_array().unwrap().len(),
        &measures.keys().map(String::as_str).collect::<Vec<_>>(),
    );
    // Unknown patient: a clear error, nothing on stdout.
    let out = praxis(tmp.path())
        .args([
            "simulate",
            "--patient",
            "P-9999",
            "--protocol",
            "usual-care",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(stderr_of(&out).contains("P-9999"), "{}", stderr_of(&out));
    // No database at all: say so rather than creating one.
    let out = praxis(tmp.path())
        .env("PRAXIS_DB", tmp.path().join("missing.db"))
        .args(["simulate", "--patient", code, "--protocol", "usual-care"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("no database at"));
    assert!(!tmp.path().join("missing.db").exists());
}

#[test]
fn scenario_protocol_path_is_relative_to_the_scenario_and_absent_means_no_treatment() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("case");
    std::fs::create_dir_all(dir.join("mine")).unwrap();
    let proto = std::fs::read_to_string(root().join("protocols/mcimt.toml"))
        .unwrap()
        .replace("id = \"mcimt\"", "id = \"clinic-mcimt\"");
    std::fs::write(dir.join("mine/clinic-mcimt.toml"), proto).unwrap();
    let base = std::fs::read_to_string(root().join("tests/scenarios/stroke-chronic.toml")).unwrap();
    let with = base.replace(
        "protocol = \"dose-3200\"",
        "protocol = \"mine/clinic-mcimt.toml\"",
    );
    std::fs::write(dir.join("with.toml"), with).unwrap();
    let without = base.replace("protocol = \"dose-3200\"\n", "");
    std::fs::write(dir.join("without.toml"), without).unwrap();
    let v = json_of(
        &praxis(tmp.path())
            .args([
                "simulate",
                dir.join("with.toml").to_str().unwrap(),
                "--json",
                "--draws",
                "20",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v["summary"]["protocol"], "clinic-mcimt");
    let v = json_of(
        &praxis(tmp.path())
            .args([
                "simulate",
                dir.join("without.toml").to_str().unwrap(),
                "--json",
                "--draws",
                "20",
            ])
            .output()
            .unwrap(),
    );
    assert_eq!(v["summary"]["protocol"], "none");
    assert_eq!(v["summary"]["sessions"], 0);
}

#[test]
fn protocols_check_names_a_missing_path() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args(["protocols", "check", "no/such/file.toml"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("no/such/file.toml:1:1: cannot read the protocol file"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn simulate_human_output_has_the_table_goal_and_chart() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args([
            "simulate",
            "tests/scenarios/stroke-subacute.toml",
            "--draws",
            "30",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let s = String::from_utf8_lossy(&out.stdout);
    // One block per baseline instrument, headed by its short name and baseline score (from the scenario file).
    assert!(
        s.lines().any(|l| l.starts_with("FMA-UE (")
            && l.contains("baseline 20.0, MCID 9 (subacute, Arya 2011)")),
        "{s}"
    );
    assert!(
        s.lines().any(|l| l.starts_with("ARAT (")
            && l.contains("baseline 12.0, MCID 12 (subacute, Lang 2008)")),
        "{s}"
    );
    // Every line of the report fits an 80-column terminal.
    assert!(s.lines().all(|l| l.chars().count() <= 80), "{s}");
    assert!(s.contains("Goal FMA-UE 45.0 by day 90: reached in"), "{s}");
    let chart: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("mean *, 80% band"))
        .collect();
    assert!(
        chart.len() > 12 && chart.iter().all(|l| l.chars().count() <= 80),
        "{s}"
    );
    assert!(s.contains("| = end of treatment (day "), "{s}");
}

#[test]
fn the_readme_example_protocol_is_valid() {
    let readme = std::fs::read_to_string(root().join("protocols/README.md")).unwrap();
    let start = readme.find("```toml\n").expect("README has a TOML example") + "```toml\n".len();
    let len = readme[start..].find("```").unwrap();
    let p = protocol::parse(&readme[start..start + len], "my-reach.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.schedule.total_repetitions(), 4 * 5 * 3 * 100);
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config::with_cases(200))]

    /// Any edit of a good file gives a protocol or positioned errors inside the file — never a panic.
    #[test]
    fn damaged_files_give_positioned_errors(cut in 0usize..1500, junk in "[a-z_=\\[\\]\" 0-9.\n-]{0,12}") {
        let good = include_str!("../protocols/part-whole-reach.toml");
        let mut at = cut.min(good.len());
        while !good.is_char_boundary(at) {
            at -= 1;
        }
        let text = format!("{}{}{}", &good[..at], junk, &good[at..]);
        if let Err(e) = protocol::parse(&text, "part-whole-reach.toml") {
            let lines = text.lines().count().max(1);
            proptest::prop_assert!(!e.diagnostics.is_empty());
            for d in &e.diagnostics {
                proptest::prop_assert!(d.line >= 1 && d.line <= lines + 1, "{e}");
                proptest::prop_assert!(d.column >= 1, "{e}");
                proptest::prop_assert!(!d.message.is_empty());
            }
        }
    }
}
