//! Protocol files and the `protocols` command, end to end. Scenario files, `simulate` and `compare` are in
//! tests/forecast.rs.
//!
//! Error fixtures live in tests/protocols_invalid/; each test names the exact FILE:LINE:COLUMN it expects (checked
//! by hand against the fixture: the column is the offending value or key).

use praxis::model::protocol;

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

mod common;
use common::{json_of, praxis_at_root as praxis, repo_root as root, stderr_of};

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

// Issue 12.5: every condition has a real comparator (its usual care), marked in `protocols list` and its JSON, instead
// of a stroke protocol "not designed for" it that forecasts +0.0.
#[test]
fn protocols_list_shows_a_comparator_for_each_condition() {
    let tmp = tempfile::tempdir().unwrap();
    let out = praxis(tmp.path())
        .args(["protocols", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Comparator (usual care) per condition: stroke usual-care; parkinsons pd-usual-physio; cerebellar_ataxia ataxia-usual-care; older_adult falls-usual-care"),
        "{text}"
    );
    let line = |id: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} not listed:\n{text}"))
            .to_string()
    };
    for id in [
        "usual-care",
        "pd-usual-physio",
        "ataxia-usual-care",
        "falls-usual-care",
    ] {
        assert!(line(id).ends_with("(comparator)"), "{}", line(id));
    }
    assert!(!line("lsvt-big").contains("(comparator)"));
    let v = json_of(
        &praxis(tmp.path())
            .args(["protocols", "list", "--json"])
            .output()
            .unwrap(),
    );
    let comparators: Vec<(String, Vec<String>)> = v["protocols"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["comparator"] == true)
        .map(|p| {
            (
                p["id"].as_str().unwrap().to_string(),
                p["conditions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    for cond in ["stroke", "parkinsons", "cerebellar_ataxia", "older_adult"] {
        assert!(
            comparators
                .iter()
                .any(|(_, cs)| cs.iter().any(|c| c == cond)),
            "no comparator for {cond}: {comparators:?}"
        );
    }
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
         did you mean `repetitions_per_session`? expected one of `weeks`, `days_per_week`, `sessions_per_day`, `minutes_per_session`, \
         `repetitions_per_session`, `rest_hours_between_sessions`, `session_times`, `phases`",
    );
}

/// QA 24: a misspelt section is reported as unknown, at its line, with the name meant; not as the missing field
/// of the table it was meant for (the toml crate hands keys over sorted, so `practice` came first).
#[test]
fn a_misspelt_section_is_unknown_with_the_name_meant() {
    let text = std::fs::read_to_string(root().join("protocols/task-specific-300.toml"))
        .unwrap()
        .replace("[practice]", "[practise]");
    let e = protocol::parse(&text, "x/task-specific-300.toml").unwrap_err();
    assert_eq!(e.diagnostics.len(), 1, "{e}");
    let d = &e.diagnostics[0];
    assert_eq!(d.line, 15, "{e}");
    assert!(
        d.message.starts_with(
            "unknown section `[practise]` (misspelt?); did you mean `[practice]`? expected one of `id`, "
        ),
        "{e}"
    );
    assert!(!e.to_string().contains("missing field"), "{e}");
    // Through the binary, as a clinic's IT person checks a folder of protocols.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("task-specific-300.toml"), &text).unwrap();
    let out = praxis(dir.path())
        .args(["protocols", "check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr_of(&out);
    assert!(
        err.contains("task-specific-300.toml:15:2: unknown section `[practise]` (misspelt?); did you mean `[practice]`?"),
        "{err}"
    );
}

/// Every unknown key of a file at once, each at its line, in a table, an array of tables or a section; a name far
/// from every valid one gets no suggestion; a genuinely missing field is still reported as missing.
#[test]
fn every_unknown_key_is_reported_and_missing_fields_still_are() {
    let base = std::fs::read_to_string(root().join("protocols/task-specific-300.toml")).unwrap();
    let text = base
        .replace("weight = 2", "wieght = 2")
        .replace("[evidence]", "[evidnce]")
        .replace("[feedback]", "[feedback]\nweather = \"fine\"");
    let e = protocol::parse(&text, "x/task-specific-300.toml").unwrap_err();
    let msgs: Vec<&str> = e.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(msgs.len(), 3, "{e}");
    assert!(
        msgs[0].starts_with(
            "unknown key `practice.tasks[1].wieght` (misspelt?); did you mean `weight`?"
        ),
        "{e}"
    );
    assert!(
        msgs[1].starts_with("unknown key `feedback.weather` (misspelt?); expected one of `kind`"),
        "{e}"
    );
    assert!(
        msgs[2].starts_with("unknown section `[evidnce]` (misspelt?); did you mean `[evidence]`?"),
        "{e}"
    );
    let lines: Vec<usize> = e.diagnostics.iter().map(|d| d.line).collect();
    assert!(lines.windows(2).all(|w| w[0] < w[1]), "{lines:?}");
    let missing = base.replace("structure = \"whole\"\n", "");
    let e = protocol::parse(&missing, "x/task-specific-300.toml").unwrap_err();
    assert_eq!(e.diagnostics.len(), 1, "{e}");
    assert_eq!(
        e.diagnostics[0].message, "practice: missing field `structure`",
        "{e}"
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

/// A schedule whose repetitions cannot fit its minutes is refused, as a logged session with them would be (QA walk:
/// lsvt-big with `minutes_per_session = 2` passed the check, and every session the plan pre-filled was refused).
#[test]
fn repetitions_that_cannot_fit_the_minutes_are_refused_with_their_position() {
    check_fails_with(
        "tests/protocols_invalid/too-many-reps",
        "tests/protocols_invalid/too-many-reps/lsvt-big.toml:13:27: schedule.repetitions_per_session: 200 in 2 \
         minutes is more than anyone can make (at most 60 a minute, 120); a session logged with them would be refused",
    );
}
