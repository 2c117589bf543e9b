//! Protocol files, scenario files and the `protocols`, `simulate` and `compare` commands, end to end.
//!
//! Error fixtures live in tests/protocols_invalid/; each test names the exact FILE:LINE:COLUMN it expects (checked
//! by hand against the fixture: the column is the offending value or key).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use praxis::model::protocol;
use praxis::model::scenario;
use serde_json::Value;

const REQUIRED: [&str; 8] = [
    "usual-care",
    "task-specific-300",
    "cimt",
    "mcimt",
    "lsvt-big",
    "part-whole-reach",
    "cerebellar-coordination",
    "balance-gait-older",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the repository root, with no user protocols and a throwaway database path.
fn praxis(tmp: &Path) -> Command {
    let mut cmd = Command::cargo_bin("praxis").expect("binary built");
    cmd.current_dir(root())
        .env_remove("PRAXIS_PROTOCOLS")
        .env("XDG_CONFIG_HOME", tmp.join("config"))
        .env("XDG_DATA_HOME", tmp.join("data"))
        .env("PRAXIS_DB", tmp.join("praxis.db"));
    cmd
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn json_of(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "command failed: {}", stderr_of(out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON value ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

// ---- the built-in library -----------------------------------------------------------------------------------

#[test]
fn every_protocol_file_parses_validates_and_cites_a_source() {
    let mut ids = Vec::new();
    for entry in std::fs::read_dir(root().join("protocols")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let origin = format!("protocols/{}", path.file_name().unwrap().to_string_lossy());
        let text = std::fs::read_to_string(&path).unwrap();
        let p = protocol::parse(&text, &origin).unwrap_or_else(|e| panic!("{e}"));
        assert!(protocol::validate(&p).is_empty(), "{origin}");
        // A citation has an author and a year.
        assert!(
            p.evidence
                .citation
                .split(|c: char| !c.is_ascii_digit())
                .any(|w| w.len() == 4 && w.starts_with(['1', '2'])),
            "{origin}: citation without a year: {}",
            p.evidence.citation
        );
        ids.push(p.id);
    }
    for id in REQUIRED {
        assert!(ids.iter().any(|i| i == id), "protocols/{id}.toml missing");
    }
    assert!(
        ids.iter().any(|i| i.contains("massed")) && ids.iter().any(|i| i.contains("distributed"))
    );
    // Every file is also embedded in the binary.
    assert_eq!(
        praxis::app::protocols::BUILTIN.len(),
        ids.len(),
        "a protocols/*.toml is not in BUILTIN"
    );
}

#[test]
fn protocols_match_their_sources() {
    let lib = praxis::app::protocols::Library::builtin();
    assert!(lib.errors.is_empty(), "{:?}", lib.errors);
    let get = |id: &str| lib.get(id).unwrap_or_else(|| panic!("{id}"));
    // Lang 2009: ~32 repetitions per usual-care session.
    assert_eq!(get("usual-care").schedule.repetitions_per_session, 32);
    // EXCITE (Wolf 2006): 6 h/day on 10 weekdays, with a constraint.
    let cimt = get("cimt");
    assert_eq!(
        (
            cimt.schedule.total_sessions(),
            cimt.schedule.minutes_per_session
        ),
        (10, 360.0)
    );
    assert!(cimt.constraint.is_some());
    // Ebersbach 2010: 16 one-hour sessions in 4 weeks.
    let big = get("lsvt-big");
    assert_eq!((big.schedule.weeks, big.schedule.total_sessions()), (4, 16));
    assert_eq!(big.schedule.minutes_per_session, 60.0);
    // Massed and distributed variants: the same total repetitions, different spacing.
    let (m, d) = (
        get("task-specific-massed"),
        get("task-specific-distributed"),
    );
    assert_eq!(
        m.schedule.total_repetitions(),
        d.schedule.total_repetitions()
    );
    assert!(d.schedule.sessions_per_day > m.schedule.sessions_per_day);
    // Lang 2016 dose arms: 32 sessions.
    for (id, total) in [
        ("dose-3200", 3200),
        ("dose-6400", 6400),
        ("dose-9600", 9600),
    ] {
        assert_eq!(get(id).schedule.total_repetitions(), total, "{id}");
        assert_eq!(get(id).schedule.total_sessions(), 32, "{id}");
    }
    // Part-whole reach: four sequential components.
    let pw = get("part-whole-reach");
    assert_eq!(pw.practice.structure, protocol::Structure::PartWhole);
    let names: Vec<&str> = pw.practice.tasks[0]
        .components
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["reach", "grasp", "transport", "release"]);
    assert_eq!(
        get("cerebellar-coordination").feedback.kind,
        protocol::FeedbackKind::Reinforcement
    );
}

#[test]
fn protocols_list_json_contains_the_required_ids() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args(["protocols", "list", "--json"])
        .output()
        .unwrap();
    let v = json_of(&out);
    let ids: Vec<&str> = v["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    for id in REQUIRED {
        assert!(ids.contains(&id), "{id} not in {ids:?}");
    }
    assert_eq!(v["errors"].as_array().unwrap().len(), 0);
}

#[test]
fn protocols_check_defaults_to_the_protocols_folder_and_passes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args(["protocols", "check"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.starts_with("ok")).count(),
        praxis::app::protocols::BUILTIN.len()
    );
}

#[test]
fn protocols_show_prints_schedule_progression_and_evidence() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args(["protocols", "show", "lsvt-big"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("4 weeks x 4 days/week x 1 session(s)/day = 16 sessions"),
        "{s}"
    );
    assert!(s.contains("Progression") && s.contains("Ebersbach"), "{s}");
    let out = praxis(tmp.path())
        .args(["protocols", "show", "no-such-protocol"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("unknown protocol \"no-such-protocol\""));
}

// ---- bad protocol files -------------------------------------------------------------------------------------

/// `protocols check DIR` fails and prints exactly this error line.
fn check_fails_with(dir: &str, expected: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args(["protocols", "check", dir])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{dir} passed the check");
    let err = stderr_of(&out);
    assert!(
        err.lines().any(|l| l == expected),
        "expected line\n  {expected}\nin stderr:\n{err}"
    );
}

#[test]
fn unknown_key_is_refused_with_its_position() {
    check_fails_with(
        "tests/protocols_invalid/unknown-key",
        "tests/protocols_invalid/unknown-key/usual-care.toml:14:1: unknown key `schedule.repetitons` (misspelt?); \
         expected one of `weeks`, `days_per_week`, `sessions_per_day`, `minutes_per_session`, \
         `repetitions_per_session`, `rest_hours_between_sessions`, `session_times`, `phases`",
    );
}

#[test]
fn out_of_range_value_is_refused_with_its_position() {
    check_fails_with(
        "tests/protocols_invalid/out-of-range",
        "tests/protocols_invalid/out-of-range/usual-care.toml:10:17: schedule.days_per_week must be 1-7; got 9",
    );
}

#[test]
fn wrong_type_is_refused_with_its_position() {
    check_fails_with(
        "tests/protocols_invalid/wrong-type",
        "tests/protocols_invalid/wrong-type/usual-care.toml:9:9: schedule.weeks: invalid type: string \"six\", \
         expected a whole number",
    );
}

#[test]
fn bad_toml_syntax_is_refused_with_its_position() {
    check_fails_with(
        "tests/protocols_invalid/bad-syntax",
        "tests/protocols_invalid/bad-syntax/usual-care.toml:12:23: extra `=`, expected nothing",
    );
}

#[test]
fn unknown_instrument_is_refused_with_its_position() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args([
            "protocols",
            "check",
            "tests/protocols_invalid/unknown-instrument/usual-care.toml",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains(
            "tests/protocols_invalid/unknown-instrument/usual-care.toml:6:23: measures: unknown instrument \"grip_kg\""
        ),
        "{err}"
    );
}

#[test]
fn id_must_match_file_name() {
    check_fails_with(
        "tests/protocols_invalid/id-mismatch",
        "tests/protocols_invalid/id-mismatch/usual.toml:2:6: id \"usual-care\" must match the file name \"usual\" \
         (rename the file or change the id)",
    );
}

#[test]
fn every_problem_of_a_file_is_reported() {
    let text = std::fs::read_to_string(root().join("protocols/usual-care.toml"))
        .unwrap()
        .replace("days_per_week = 5", "days_per_week = 0")
        .replace("minutes_per_session = 45", "minutes_per_session = 600")
        .replace(
            "rule = \"none\"",
            "rule = \"adaptive\"\nadvance_above = 0.4\nregress_below = 0.6",
        );
    let e = protocol::parse(&text, "x/usual-care.toml").unwrap_err();
    let msgs: Vec<&str> = e.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(e.diagnostics.len(), 3, "{e}");
    assert!(
        msgs.contains(&"schedule.days_per_week must be 1-7; got 0"),
        "{e}"
    );
    assert!(
        msgs.contains(&"schedule.minutes_per_session must be 1-480 minutes; got 600"),
        "{e}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("regress_below (0.6) must be lower than")),
        "{e}"
    );
    // Sorted by position, each on its own line.
    assert!(
        e.diagnostics
            .windows(2)
            .all(|w| (w[0].line, w[0].column) <= (w[1].line, w[1].column))
    );
    assert_eq!(e.to_string().lines().count(), 3);
}

#[test]
fn one_bad_file_does_not_stop_the_others() {
    let dir = "tests/protocols_invalid/mixed";
    let tmp = tempfile::tempdir().unwrap();
    // `check` reports the good ones as ok and the bad one as an error, and fails.
    let out = praxis(tmp.path())
        .args(["protocols", "check", dir])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ok      tests/protocols_invalid/mixed/cimt.toml (cimt)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok      tests/protocols_invalid/mixed/lsvt-big.toml (lsvt-big)"),
        "{stdout}"
    );
    assert!(
        stderr_of(&out)
            .contains("mixed/usual-care.toml:10:17: schedule.days_per_week must be 1-7; got 9")
    );
    // As a user folder: the library still loads, the good user files are used, the error is listed, and the
    // built-in usual-care stays available.
    let out = praxis(tmp.path())
        .env("PRAXIS_PROTOCOLS", root().join(dir))
        .args(["protocols", "list", "--json"])
        .output()
        .unwrap();
    let v = json_of(&out);
    let protocols = v["protocols"].as_array().unwrap();
    let cimt = protocols.iter().find(|p| p["id"] == "cimt").unwrap();
    assert_eq!(cimt["source"]["kind"], "file");
    let usual = protocols.iter().find(|p| p["id"] == "usual-care").unwrap();
    assert_eq!(usual["source"]["kind"], "built_in");
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]
            .as_str()
            .unwrap()
            .contains("usual-care.toml:10:17")
    );
}

#[test]
fn user_protocols_override_builtins_by_id() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .env(
            "PRAXIS_PROTOCOLS",
            root().join("tests/protocols_invalid/override"),
        )
        .args(["protocols", "list", "--json"])
        .output()
        .unwrap();
    let v = json_of(&out);
    let usual = v["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "usual-care")
        .unwrap()
        .clone();
    assert_eq!(usual["name"], "Usual care (our clinic)");
    // The XDG folder works the same way.
    let dir = tmp.path().join("config/praxis/protocols");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        root().join("tests/protocols_invalid/override/usual-care.toml"),
        dir.join("usual-care.toml"),
    )
    .unwrap();
    let v = json_of(
        &praxis(tmp.path())
            .args(["protocols", "list", "--json"])
            .output()
            .unwrap(),
    );
    let usual = v["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "usual-care")
        .unwrap()
        .clone();
    assert_eq!(usual["name"], "Usual care (our clinic)");
}

// ---- scenarios ------------------------------------------------------------------------------------------------

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
        "10:86: unknown key `patient.condition.mep_amp`",
    );
    simulate_fails_with(
        "wrong-type.toml",
        "8:7: patient.age: invalid type: string \"old\", expected a whole number",
    );
    simulate_fails_with("bad-syntax.toml", "12:10: unclosed table, expected `]`");
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
