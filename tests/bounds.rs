//! Bounded cost for any accepted input (issue 11.6): one draw forecasts without panicking, a forecast too large for
//! a few seconds is refused before it runs (saying how many draws fit, earlier practice and the second run of
//! calibration counted; memory does not grow with the draws, see tests/cost.rs), and
//! every bound that protocol and scenario validation or the forecast's cost check applies says its limit in its
//! message.

mod common;

use std::path::{Path, PathBuf};

use praxis::model::constants as k;
use praxis::model::simulate::{self, check_cost};
use praxis::model::{Control, Forecast, ForecastOptions, Protocol, Scenario, protocol, scenario};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn load_scenario(name: &str) -> Scenario {
    let path = root().join("tests/scenarios").join(name);
    let text = std::fs::read_to_string(&path).expect("scenario file");
    scenario::parse(&text, &path.display().to_string()).expect("scenario parses")
}

fn load_protocol(id: &str) -> Protocol {
    let path = root().join("protocols").join(format!("{id}.toml"));
    let text = std::fs::read_to_string(&path).expect("protocol file");
    protocol::parse(&text, &path.display().to_string()).expect("protocol parses")
}

fn run(s: &Scenario, p: Option<&Protocol>, draws: u32) -> Forecast {
    simulate::forecast(
        s,
        p,
        ForecastOptions { draws, seed: 11 },
        &Control::default(),
    )
    .expect("not cancelled")
}

/// A protocol file's text with `tasks` tasks of `components` components each, `weeks` weeks of 5 days and
/// `sessions_per_day` sessions a day.
fn protocol_text(tasks: usize, components: usize, weeks: u32, sessions_per_day: u32) -> String {
    let mut t = format!(
        r#"id = "big"
name = "big"
summary = "bounds"
conditions = ["stroke"]
measures = ["fma_ue"]
[schedule]
weeks = {weeks}
days_per_week = 5
sessions_per_day = {sessions_per_day}
minutes_per_session = 30
repetitions_per_session = 100
[practice]
structure = "part"
[progression]
rule = "adaptive"
[evidence]
citation = "bounds test"
"#
    );
    for i in 0..tasks {
        t.push_str(&format!(
            "[[practice.tasks]]\nname = \"task {i}\"\ntarget = \"upper_limb\"\ncomponents = ["
        ));
        let parts: Vec<String> = (0..components)
            .map(|j| format!("{{ name = \"part {j}\" }}"))
            .collect();
        t.push_str(&parts.join(", "));
        t.push_str("]\n");
    }
    t
}

fn protocol_problems(text: &str) -> String {
    match protocol::parse(text, "big.toml") {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn one_draw_gives_a_forecast_whose_band_is_that_draw() {
    let s = load_scenario("stroke-subacute.toml");
    let p = load_protocol("task-specific-300");
    for draws in [1, 2, 3] {
        let f = run(&s, Some(&p), draws);
        assert_eq!(f.summary.draws, draws);
        let band = &f.measures["fma_ue"];
        assert_eq!(band.p50.len(), f.days.len());
        if draws == 1 {
            // One draw: every percentile and the mean are that draw's score.
            for d in 0..f.days.len() {
                assert_eq!(band.p10[d], band.p50[d]);
                assert_eq!(band.p90[d], band.p50[d]);
                assert!((band.mean[d] - band.p50[d]).abs() < 1e-9);
            }
        }
        assert!(band.p10.iter().zip(&band.p90).all(|(a, b)| a <= b));
    }
}

#[test]
fn simulate_with_one_draw_succeeds_on_the_command_line() {
    let env = common::Env::new();
    let out = common::praxis(env.dir.path())
        .current_dir(root())
        .args([
            "--json",
            "simulate",
            "tests/scenarios/stroke-chronic.toml",
            "--draws",
            "1",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["draws"], 1);
}

#[test]
fn a_forecast_too_large_for_a_few_seconds_is_refused_with_the_draws_that_fit() {
    let mut s = load_scenario("stroke-subacute.toml");
    s.horizon_days = 3650;
    s.follow_up_day = None;
    s.goal = None;
    let p = load_protocol("task-specific-300");
    let e = check_cost(&s, Some(&p), 100_000).expect_err("100,000 draws over 10 years is refused");
    assert!(e.contains("100000 draws"), "{e}");
    assert!(
        e.contains(&format!("at most {} steps", k::MAX_FORECAST_STEPS)),
        "{e}"
    );
    let fit: u32 = e
        .split("so at most ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no draw count in {e}"));
    // The count it names is accepted and one more draw is not.
    assert!(check_cost(&s, Some(&p), fit).is_ok());
    assert!(check_cost(&s, Some(&p), fit + 1).is_err());
    // The default 500 draws and the usual 180 days take far less.
    assert!(check_cost(&s, Some(&p), 500).is_ok());
    assert!(check_cost(&load_scenario("stroke-subacute.toml"), Some(&p), 100_000).is_ok());
}

#[test]
fn the_command_line_refuses_a_forecast_too_large_and_says_the_bound() {
    let env = common::Env::new();
    let path = env.dir.path().join("long.toml");
    let text = std::fs::read_to_string(root().join("tests/scenarios/stroke-subacute.toml"))
        .unwrap()
        .replace("horizon_days = 180", "horizon_days = 3650");
    std::fs::write(&path, text).unwrap();
    let out = common::praxis(env.dir.path())
        .current_dir(root())
        .args(["simulate", path.to_str().unwrap(), "--draws", "100000"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("too large") && err.contains("at most"),
        "{err}"
    );
}

#[test]
fn the_worst_protocol_validation_accepts_fits_the_cost_bound_with_the_default_draws() {
    // At the bounds: 60 task states (5 tasks x (1 + 11 components)), 660 sessions x 60 = 39,600 <= 40,000.
    let text = protocol_text(5, 11, 22, 6);
    let p = protocol::parse(&text, "big.toml").expect("at the bounds is accepted");
    // The longest horizon, every instrument.
    let mut s = load_scenario("stroke-subacute.toml");
    s.horizon_days = 3650;
    s.follow_up_day = None;
    s.goal = None;
    for inst in praxis::instruments::all() {
        s.baseline.insert(inst.id.to_string(), inst.min);
    }
    let draws = praxis::tui::data::FORECAST_DRAWS;
    assert!(check_cost(&s, Some(&p), draws).is_ok());
    // Phases with pauses spread the same sessions out and cost no more.
    let phased = text.replace(
        "[practice]",
        "[[schedule.phases]]\nweeks = 11\npause_weeks = 8\n[[schedule.phases]]\nweeks = 11\n[practice]",
    );
    let p = protocol::parse(&phased, "big.toml").expect("phases at the bounds are accepted");
    assert!(check_cost(&s, Some(&p), draws).is_ok());
}

#[test]
fn the_second_run_calibration_needs_counts_in_the_forecast_cost() {
    let mut s = load_scenario("stroke-subacute.toml");
    s.horizon_days = 3650;
    s.follow_up_day = None;
    s.goal = None;
    let p = load_protocol("task-specific-300");
    let draws_that_fit = |s: &Scenario| -> u64 {
        let e = check_cost(s, Some(&p), u32::MAX).expect_err("u32::MAX draws are refused");
        e.split("so at most ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no draw count in {e}"))
    };
    let alone = draws_that_fit(&s);
    s.observations.push(praxis::model::scenario::Observation {
        day: 30,
        instrument: "fma_ue".into(),
        score: 30.0,
        state: None,
    });
    let calibrated = draws_that_fit(&s);
    // Beyond the draws whose scores are held (`simulate::MAX_EXACT_VALUES`), calibration runs the draws twice.
    assert!(
        calibrated < alone && calibrated >= alone / 2,
        "{calibrated} vs {alone}"
    );
    let e = check_cost(&s, Some(&p), calibrated as u32 + 1).expect_err("one draw too many");
    assert!(e.contains("x 2 runs"), "{e}");
    assert!(
        e.contains(&format!("at most {} steps", k::MAX_FORECAST_STEPS)),
        "{e}"
    );
    assert!(check_cost(&s, Some(&p), calibrated as u32).is_ok());
}

#[test]
fn earlier_practice_counts_in_the_forecast_cost() {
    let mut s = load_scenario("stroke-subacute.toml");
    s.horizon_days = 3650;
    s.follow_up_day = None;
    s.goal = None;
    let p = load_protocol("task-specific-300");
    let draws_that_fit = |s: &Scenario| -> u64 {
        let e = check_cost(s, Some(&p), u32::MAX).expect_err("u32::MAX draws are refused");
        e.split("so at most ")
            .nth(1)
            .and_then(|t| t.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no draw count in {e}"))
    };
    let alone = draws_that_fit(&s);
    // Ten years of daily practice before day 0: the engine runs those days and sessions too (the newest
    // MAX_HISTORY_SESSIONS of them).
    let index = s.practice.protocol_index(&p);
    for day in -3650..0 {
        s.practice
            .add_session(praxis::model::scenario::PastSession {
                day,
                hour: 9.0,
                minutes: 60.0,
                repetitions: 300,
                protocol: index,
            });
    }
    let with_history = draws_that_fit(&s);
    assert!(with_history < alone, "{with_history} vs {alone}");
    let e = check_cost(&s, Some(&p), with_history as u32 + 1).expect_err("one draw too many");
    assert!(e.contains("7301 days"), "{e}");
    assert!(check_cost(&s, Some(&p), with_history as u32).is_ok());
}

#[test]
fn protocol_bounds_name_their_limits() {
    // 400 tasks x 50 components (issue 11.6) is refused on tasks and components.
    let e = protocol_problems(&protocol_text(400, 50, 4, 1));
    assert!(
        e.contains(&format!(
            "practice lists 400 tasks; at most {}",
            k::MAX_TASKS
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!("has 50 components; at most {}", k::MAX_COMPONENTS)),
        "{e}"
    );
    // Within tasks and components, but too many task states together.
    let e = protocol_problems(&protocol_text(6, 10, 4, 1));
    assert!(
        e.contains(&format!(
            "66 tasks and components together; at most {}",
            k::MAX_TASK_STATES
        )),
        "{e}"
    );
    // Few states, too many sessions.
    let e = protocol_problems(&protocol_text(5, 11, 52, 6));
    assert!(
        e.contains(&format!(
            "1560 sessions x 60 tasks and components = 93600 exceeds the {}",
            k::MAX_STATE_SESSIONS
        )),
        "{e}"
    );
    // The existing schedule bounds say theirs too.
    let e = protocol_problems(&protocol_text(1, 2, 53, 7));
    assert!(
        e.contains("schedule.weeks must be 0-52 weeks; got 53"),
        "{e}"
    );
    assert!(
        e.contains("schedule.sessions_per_day must be 1-6; got 7"),
        "{e}"
    );
    let e = protocol_problems(&protocol_text(1, 2, 4, 1).replace(
        "repetitions_per_session = 100",
        "repetitions_per_session = 2001",
    ));
    assert!(
        e.contains("repetitions_per_session must be 0-2000; got 2001"),
        "{e}"
    );
    assert_eq!(protocol_problems(&protocol_text(2, 3, 12, 2)), "");
}

#[test]
fn protocols_check_refuses_a_protocol_too_large_to_forecast() {
    let env = common::Env::new();
    let path: &Path = &env.dir.path().join("big.toml");
    std::fs::write(path, protocol_text(400, 50, 4, 1)).unwrap();
    let out = common::praxis(env.dir.path())
        .args(["protocols", "check", path.to_str().unwrap()])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("at most 20 are allowed"), "{err}");
}

#[test]
fn scenario_bounds_name_their_limits() {
    let base =
        std::fs::read_to_string(root().join("tests/scenarios/stroke-subacute.toml")).unwrap();
    let e = scenario::parse(
        &base.replace("horizon_days = 180", "horizon_days = 3651"),
        "s.toml",
    )
    .expect_err("horizon over ten years");
    assert!(
        e.to_string()
            .contains("horizon_days must be 1-3650 days; got 3651"),
        "{e}"
    );
    let mut many = base.clone();
    for i in 0..=k::MAX_OBSERVATIONS {
        many.push_str(&format!(
            "[[observations]]\nday = {}\ninstrument = \"fma_ue\"\nscore = 20\n",
            -(i as i64 % 3000) - 1
        ));
    }
    let e = scenario::parse(&many, "s.toml").expect_err("too many observations");
    assert!(
        e.to_string().contains(&format!(
            "observations lists {} assessments; at most {}",
            k::MAX_OBSERVATIONS + 1,
            k::MAX_OBSERVATIONS
        )),
        "{e}"
    );
}
