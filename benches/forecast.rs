//! Forecast speed (targets on one core: 1,000-draw forecast < 50 ms, comparison of 6 protocols < 300 ms).
//! Run: `cargo bench --bench forecast`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use praxis::model::simulate::{compare, forecast, trajectory};
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

fn benches(c: &mut Criterion) {
    let s = scenario();
    let p300 = protocol("task-specific-300", 300, "whole");
    c.bench_function("trajectory_180d_12wk_5pw_300reps", |b| {
        b.iter(|| trajectory(black_box(&s), Some(&p300), 1, 0))
    });
    c.bench_function("forecast_1000_draws", |b| {
        b.iter(|| {
            forecast(
                black_box(&s),
                Some(&p300),
                ForecastOptions {
                    draws: 1000,
                    seed: 1,
                },
                &Control::default(),
            )
        })
    });
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
    g.bench_function("compare_6_protocols_1000_draws", |b| {
        b.iter(|| {
            compare(
                black_box(&s),
                &six,
                ForecastOptions {
                    draws: 1000,
                    seed: 1,
                },
                &Control::default(),
            )
        })
    });
    g.finish();
}

criterion_group!(forecast_benches, benches);
criterion_main!(forecast_benches);
