//! Forecast speed (issue 11.8 targets: a 1,000-draw 180-day forecast <= 20 ms on one core; a 6-protocol comparison
//! <= 100 ms on both cores; the forecast for a patient with a year of logged sessions <= 50 ms).
//! Run: `cargo bench --bench forecast`. The machine may be shared: measure when it is quiet (`uptime`).

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use praxis::model::scenario::{Observation, PastSession};
use praxis::model::simulate::{compare, forecast, forecast_threads, trajectory};
use praxis::model::{Control, ForecastOptions, Protocol, Scenario};

fn scenario() -> Scenario {
    toml::from_str(
        r#"
horizon_days = 180
follow_up_day = 180
[patient]
age = 64
days_since_onset = 20
condition = { kind = "stroke", mep = "present", nihss = 6 }
[baseline]
fma_ue = 24
arat = 15
bbs = 38
"#,
    )
    .expect("bench scenario parses")
}

/// A 12-week, 5 sessions/week protocol of `reps` repetitions per session.
fn protocol(id: &str, reps: u32, structure: &str) -> Protocol {
    toml::from_str(&format!(
        r#"
id = "{id}"
name = "{id}"
summary = "bench"
conditions = ["stroke"]
measures = ["fma_ue", "arat"]
[schedule]
weeks = 12
days_per_week = 5
minutes_per_session = 60
repetitions_per_session = {reps}
[practice]
structure = "{structure}"
[[practice.tasks]]
name = "reach to grasp"
target = "upper_limb"
components = [{{ name = "reach" }}, {{ name = "grasp" }}]
[progression]
rule = "adaptive"
[evidence]
citation = "bench"
"#
    ))
    .expect("bench protocol parses")
}

/// A patient followed for a year before day 0, as `praxis simulate --patient` sees one: a logged session of the
/// protocol every weekday (260 sessions, their real dose and time) and a weekly FMA-UE, ARAT and Berg assessment
/// (156), all scored by calibration.
fn patient_with_a_year(s: &Scenario, p: &Protocol) -> Scenario {
    let mut year = s.clone();
    year.patient.days_since_onset = Some(400);
    let index = year.practice.protocol_index(p);
    for day in -364i32..0 {
        if day.rem_euclid(7) < 5 {
            year.practice.add_session(PastSession {
                day,
                hour: 10.0,
                minutes: 60.0,
                repetitions: 300,
                protocol: index,
            });
        }
    }
    for w in 1..=52 {
        for (inst, score) in [("fma_ue", 20.0), ("arat", 12.0), ("bbs", 35.0)] {
            year.observations.push(Observation {
                day: -7 * w,
                instrument: inst.into(),
                score: score - f64::from(w) * 0.1,
                state: None,
            });
        }
    }
    year
}

fn benches(c: &mut Criterion) {
    let s = scenario();
    let p300 = protocol("task-specific-300", 300, "whole");
    c.bench_function("trajectory_180d_12wk_5pw_300reps", |b| {
        b.iter(|| trajectory(black_box(&s), Some(&p300), 1, 0))
    });
    let opts = ForecastOptions {
        draws: 1000,
        seed: 1,
    };
    c.bench_function("forecast_1000_draws_1_thread (target <= 20 ms)", |b| {
        b.iter(|| forecast_threads(black_box(&s), Some(&p300), opts, &Control::default(), 1))
    });
    c.bench_function("forecast_1000_draws_all_cores", |b| {
        b.iter(|| forecast(black_box(&s), Some(&p300), opts, &Control::default()))
    });
    let year = patient_with_a_year(&s, &p300);
    // `praxis simulate --patient` and the TUI draw 500 by default.
    let patient_opts = ForecastOptions {
        draws: 500,
        seed: 1,
    };
    c.bench_function(
        "forecast_patient_year_of_sessions_1_thread (target <= 50 ms)",
        |b| {
            b.iter(|| {
                forecast_threads(
                    black_box(&year),
                    Some(&p300),
                    patient_opts,
                    &Control::default(),
                    1,
                )
            })
        },
    );
    let six = [
        protocol("usual-care", 32, "whole"),
        protocol("task-specific-300", 300, "whole"),
        protocol("part-whole", 200, "part-whole"),
        protocol("progressive-part", 200, "progressive-part"),
        protocol("part", 200, "part"),
        protocol("100", 100, "whole"),
    ];
    let mut g = c.benchmark_group("compare");
    g.sample_size(20);
    g.bench_function(
        "compare_6_protocols_1000_draws_all_cores (target <= 100 ms)",
        |b| b.iter(|| compare(black_box(&s), &six, opts, &Control::default())),
    );
    g.finish();
}

criterion_group!(forecast_benches, benches);
criterion_main!(forecast_benches);
