//! Properties of the forecasting engine that must hold for any patient and protocol (proptest; case counts kept
//! small so the suite stays fast).

use praxis::model::simulate::{compare, forecast};
use praxis::model::{Control, Forecast, ForecastOptions, Protocol, Scenario};
use proptest::prelude::*;

const CONDITIONS: [&str; 6] = [
    r#"{ kind = "stroke", mep = "present" }"#,
    r#"{ kind = "stroke", mep = "absent", nihss = 9 }"#,
    r#"{ kind = "stroke" }"#,
    r#"{ kind = "parkinsons", hoehn_yahr = 2.0, medication = "off" }"#,
    r#"{ kind = "cerebellar_ataxia" }"#,
    r#"{ kind = "older_adult", falls_last_year = 3 }"#,
];

/// (instrument id, min, max) of the instruments the generated scenarios use.
const INSTRUMENTS: [(&str, f64, f64); 9] = [
    ("fma_ue", 0.0, 66.0),
    ("arat", 0.0, 57.0),
    ("bbs", 0.0, 56.0),
    ("tug_s", 5.0, 60.0),
    ("mds_updrs_iii", 0.0, 132.0),
    ("sara", 0.0, 40.0),
    ("walk10m_ms", 0.1, 2.0),
    ("bbt", 0.0, 100.0),
    ("nhpt_s", 10.0, 200.0),
];

fn scenario_strategy() -> impl Strategy<Value = Scenario> {
    (
        0..CONDITIONS.len(),
        20u32..95,
        prop_oneof![Just(2u32), 0u32..60, 60u32..800],
        prop::collection::vec((0..INSTRUMENTS.len(), 0.0f64..1.0), 1..4),
        30u32..150,
        0u32..10,
    )
        .prop_map(|(c, age, onset, scores, horizon, start)| {
            let mut baseline = String::new();
            let mut seen = Vec::new();
            for (i, u) in scores {
                let (id, lo, hi) = INSTRUMENTS[i];
                if seen.contains(&id) {
                    continue;
                }
                seen.push(id);
                let v = (lo + u * (hi - lo)).round();
                baseline.push_str(&format!("{id} = {v:.1}\n"));
            }
            let text = format!(
                "horizon_days = {horizon}\nstart_day = {start}\n[patient]\nage = {age}\ndays_since_onset = {onset}\ncondition = {}\n[baseline]\n{baseline}",
                CONDITIONS[c]
            );
            toml::from_str(&text).expect("generated scenario parses")
        })
}

const TARGETS: [&str; 4] = ["upper_limb", "lower_limb", "balance", "whole_body"];
const STRUCTURES: [&str; 4] = ["whole", "part", "part-whole", "progressive-part"];
const RULES: [&str; 3] = ["adaptive", "fixed", "none"];
const FEEDBACK: [&str; 3] = ["error_based", "reinforcement", "mixed"];

fn protocol_text(
    weeks: u32,
    dpw: u32,
    per_day: u32,
    reps: u32,
    pick: [usize; 5],
    constraint: bool,
) -> String {
    let [t, s, r, f, timing] = pick;
    let constraint = if constraint {
        "[constraint]\nhours_per_day = 5\n"
    } else {
        ""
    };
    format!(
        r#"
id = "generated"
name = "generated"
summary = "generated"
conditions = ["stroke"]
measures = ["fma_ue", "bbs"]
{constraint}
[schedule]
weeks = {weeks}
days_per_week = {dpw}
sessions_per_day = {per_day}
minutes_per_session = 45
repetitions_per_session = {reps}
[practice]
structure = "{structure}"
order = "random"
[[practice.tasks]]
name = "a"
target = "{target}"
timing = "{timing}"
components = [{{ name = "x", weight = 2 }}, {{ name = "y" }}]
[[practice.tasks]]
name = "b"
target = "balance"
[progression]
rule = "{rule}"
step_every_sessions = 3
[feedback]
kind = "{feedback}"
augmented_fraction = 0.5
[evidence]
citation = "generated"
"#,
        structure = STRUCTURES[s],
        target = TARGETS[t],
        timing = if timing == 0 {
            "sequential"
        } else {
            "concurrent"
        },
        rule = RULES[r],
        feedback = FEEDBACK[f],
    )
}

fn protocol_strategy() -> impl Strategy<Value = Protocol> {
    (
        0u32..14,
        1u32..8,
        1u32..4,
        0u32..400,
        (0..4usize, 0..4usize, 0..3usize, 0..3usize, 0..2usize),
        any::<bool>(),
    )
        .prop_map(|(w, d, s, r, (a, b, c, e, t), k)| {
            toml::from_str(&protocol_text(w, d, s, r, [a, b, c, e, t], k))
                .expect("generated protocol parses")
        })
}

fn run(s: &Scenario, p: Option<&Protocol>, seed: u64) -> Forecast {
    forecast(
        s,
        p,
        ForecastOptions { draws: 24, seed },
        &Control::default(),
    )
    .expect("not cancelled")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn scores_stay_in_range_and_bands_are_ordered(s in scenario_strategy(), p in protocol_strategy()) {
        let f = run(&s, Some(&p), 5);
        prop_assert_eq!(f.days.len(), s.horizon_days as usize + 1);
        for (id, band) in &f.measures {
            let inst = praxis::instruments::get(id).unwrap();
            prop_assert_eq!(band.mean.len(), f.days.len());
            for d in 0..f.days.len() {
                for v in [band.mean[d], band.p10[d], band.p50[d], band.p90[d]] {
                    prop_assert!(v >= inst.min && v <= inst.max, "{} day {}: {} outside {}", id, d, v, inst.range_text());
                }
                prop_assert!(band.p10[d] <= band.p50[d] && band.p50[d] <= band.p90[d], "{} day {}", id, d);
            }
            // Timed and dexterity tests never go past the healthy norm (or the baseline, when already past it).
            if let Some(best) = praxis::model::outcome::attainable_best(id) {
                let base = f.summary.measures[id].baseline;
                for d in 0..f.days.len() {
                    for v in [band.mean[d], band.p10[d], band.p50[d], band.p90[d]] {
                        match inst.direction {
                            praxis::instruments::Direction::HigherIsBetter => prop_assert!(v <= best.max(base) + 1e-9, "{} day {}: {} above {}", id, d, v, best),
                            praxis::instruments::Direction::LowerIsBetter => prop_assert!(v >= best.min(base) - 1e-9, "{} day {}: {} below {}", id, d, v, best),
                        }
                    }
                }
            }
            let m = &f.summary.measures[id];
            prop_assert!(m.p_mcid_end >= 0.0 && m.p_mcid_end <= 1.0);
            prop_assert!(m.change_end.p10 <= m.change_end.p50 && m.change_end.p50 <= m.change_end.p90);
        }
    }

    #[test]
    fn the_same_seed_gives_identical_json(s in scenario_strategy(), p in protocol_strategy(), seed in 0u64..1000) {
        let a = serde_json::to_string(&run(&s, Some(&p), seed)).unwrap();
        let b = serde_json::to_string(&run(&s, Some(&p), seed)).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn zero_sessions_equal_no_treatment(s in scenario_strategy(), pick in (0..4usize, 0..4usize, 0..3usize, 0..3usize, 0..2usize), reps in 0u32..300) {
        let none = run(&s, None, 9);
        let [a, b, c, e, t] = [pick.0, pick.1, pick.2, pick.3, pick.4];
        let no_weeks: Protocol = toml::from_str(&protocol_text(0, 5, 1, reps, [a, b, c, e, t], false)).unwrap();
        let no_reps: Protocol = toml::from_str(&protocol_text(6, 5, 1, 0, [a, b, c, e, t], false)).unwrap();
        for p in [&no_weeks, &no_reps] {
            let f = run(&s, Some(p), 9);
            prop_assert_eq!(&f.measures, &none.measures);
            for (id, m) in &f.summary.measures {
                prop_assert_eq!(m.change_follow_up, none.summary.measures[id].change_follow_up);
            }
        }
    }

    #[test]
    fn without_practice_an_older_adult_only_changes_by_measurement_error(s in scenario_strategy()) {
        let mut s = s;
        s.patient.condition = toml::from_str::<toml::Value>(&format!("c = {}", CONDITIONS[5]))
            .unwrap()["c"].clone().try_into().unwrap();
        let f = run(&s, None, 3);
        for m in f.summary.measures.values() {
            prop_assert_eq!(m.change_end.mean, 0.0);
            prop_assert_eq!(m.change_follow_up.p90, 0.0);
            prop_assert_eq!(m.change_follow_up.p10, 0.0);
        }
    }
}

#[test]
fn compare_uses_common_random_numbers_and_ranks_by_follow_up_gain() {
    let s: Scenario = toml::from_str(
        "horizon_days = 120\n[patient]\nage = 60\ndays_since_onset = 400\ncondition = { kind = \"stroke\", mep = \"present\" }\n[baseline]\nfma_ue = 30\n",
    )
    .unwrap();
    let mk = |id: &str, reps: u32| {
        let mut p: Protocol =
            toml::from_str(&protocol_text(8, 5, 1, reps, [0, 0, 0, 2, 0], false)).unwrap();
        p.id = id.into();
        p
    };
    let ps = [mk("low", 20), mk("high", 200), mk("same-as-low", 20)];
    let c = compare(
        &s,
        &ps,
        ForecastOptions { draws: 50, seed: 4 },
        &Control::default(),
    )
    .unwrap();
    // Same patients for each protocol: identical protocols give identical forecasts, not merely similar ones.
    assert_eq!(c.protocols[0].measures, c.protocols[2].measures);
    assert_eq!(c.ranking[0], "high");
    assert_eq!(c.primary, "fma_ue");
    let gains: Vec<f64> = c
        .ranking
        .iter()
        .map(|id| {
            let p = c.protocols.iter().find(|p| &p.id == id).unwrap();
            p.summary.measures["fma_ue"].improvement_follow_up
        })
        .collect();
    assert!(gains.windows(2).all(|w| w[0] >= w[1]), "{gains:?}");
}

#[test]
fn cancel_stops_a_forecast_and_progress_counts_draws() {
    let s: Scenario = toml::from_str(
        "[patient]\nage = 60\ncondition = { kind = \"older_adult\" }\n[baseline]\nbbs = 40\n",
    )
    .unwrap();
    let ctl = Control::default();
    forecast(&s, None, ForecastOptions { draws: 30, seed: 1 }, &ctl).unwrap();
    assert_eq!(ctl.done.load(std::sync::atomic::Ordering::Relaxed), 30);
    ctl.cancel.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(forecast(&s, None, ForecastOptions { draws: 30, seed: 1 }, &ctl).is_err());
}

#[test]
fn logged_assessments_pull_the_forecast_towards_them() {
    let base = "horizon_days = 90\n[patient]\nage = 60\ndays_since_onset = 3\ncondition = { kind = \"stroke\", mep = \"present\" }\n[baseline]\nfma_ue = 20\n";
    let prior: Scenario = toml::from_str(base).unwrap();
    let observed: Scenario = toml::from_str(&format!(
        "{base}[[observations]]\nday = 30\ninstrument = \"fma_ue\"\nscore = 50\n"
    ))
    .unwrap();
    let (a, b) = (run(&prior, None, 2), run(&observed, None, 2));
    let (pa, pb) = (a.measures["fma_ue"].mean[30], b.measures["fma_ue"].mean[30]);
    assert!(
        pb > pa + 2.0 && pb < 52.0,
        "prior {pa:.1}, calibrated {pb:.1}"
    );
    assert!(
        b.summary
            .notes
            .iter()
            .any(|n| n.contains("calibrated on 1")),
        "{:?}",
        b.summary.notes
    );
    // Same seed, same observations: the same forecast.
    assert_eq!(b, run(&observed, None, 2));
}

#[test]
fn assessments_before_day_0_pull_the_forecast_towards_the_logged_history() {
    // Stroke 17 days ago, FMA-UE 30 today (day 0). A logged FMA-UE of 10 two weeks ago (day -14) says this patient
    // recovers fast; 29 says recovery has stalled. The forecast must follow: more change from day 0 than the
    // no-history forecast after a steep history (the prior caps how fast recovery can be, so less far), less after a
    // flat one. The baseline is a measurement too (issue 11.9): a recovery steeper than the prior allows is partly
    // explained by a day-0 score measured too high, so after the steep history it is the change from the true day-0
    // score that rises, not necessarily the level.
    let base = "horizon_days = 90\n[patient]\nage = 60\ndays_since_onset = 17\ncondition = { kind = \"stroke\" }\n[baseline]\nfma_ue = 30\n";
    let with = |score: u32| -> Scenario {
        toml::from_str(&format!(
            "{base}[[observations]]\nday = -14\ninstrument = \"fma_ue\"\nscore = {score}\n"
        ))
        .unwrap()
    };
    let opts = ForecastOptions {
        draws: 400,
        seed: 3,
    };
    let day90 = |s: &Scenario| {
        let f = forecast(s, None, opts, &Control::default()).unwrap();
        (
            f.summary.measures["fma_ue"].change_follow_up.mean,
            f.measures["fma_ue"].mean[90],
            f.summary.notes,
        )
    };
    let (prior, prior_level, _) = day90(&toml::from_str(base).unwrap());
    let (steep, _, notes) = day90(&with(10));
    let (flat, flat_level, _) = day90(&with(29));
    assert!(
        steep > prior + 1.0 && flat < prior - 3.0 && flat_level < prior_level - 3.0,
        "change by day 90: steep {steep:.1}, no history {prior:.1}, flat {flat:.1}"
    );
    assert!(
        notes.iter().any(|n| n.contains("calibrated on 1")),
        "{notes:?}"
    );

    // Parkinson's: MDS-UPDRS III 30 today, 24 a year ago (6 points/year, faster than the typical 2.4): the forecast
    // worsens faster than without that history. The move is small (the progression prior is tight, SD 0.4/year, and
    // one score has a 2.5-point SEM) but its sign checks that the back-cast runs progression the right way. With the
    // baseline a measurement too (issue 11.9) most of the gap is put down to the two scores' errors, so the check is
    // on the change from the true day-0 score. An assessment before the stroke's onset cannot be used, and says so.
    let pd = "horizon_days = 180\n[patient]\nage = 65\ncondition = { kind = \"parkinsons\", hoehn_yahr = 2 }\n[baseline]\nmds_updrs_iii = 30\n";
    let (pd_prior, _) = {
        let f = forecast(
            &toml::from_str(pd).unwrap(),
            None,
            opts,
            &Control::default(),
        )
        .unwrap();
        (
            f.summary.measures["mds_updrs_iii"].change_follow_up.mean,
            (),
        )
    };
    let pd_hist: Scenario = toml::from_str(&format!(
        "{pd}[[observations]]\nday = -365\ninstrument = \"mds_updrs_iii\"\nscore = 24\n"
    ))
    .unwrap();
    let f = forecast(&pd_hist, None, opts, &Control::default()).unwrap();
    let pd_post = f.summary.measures["mds_updrs_iii"].change_follow_up.mean;
    eprintln!("MDS-UPDRS III change by day 180: history {pd_post:.3}, none {pd_prior:.3}");
    assert!(
        pd_post > pd_prior + 0.01,
        "history {pd_post:.2} vs none {pd_prior:.2}"
    );
    let (_, _, notes) = day90(
        &toml::from_str(&format!(
            "{base}[[observations]]\nday = -20\ninstrument = \"fma_ue\"\nscore = 5\n"
        ))
        .unwrap(),
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("1 assessment(s) before day 0 not used")),
        "{notes:?}"
    );
}

#[test]
fn cimt_from_four_blocks_does_not_forecast_more_than_the_healthy_norm() {
    // New-user review: a stroke patient with BBT 4 was forecast 105-124 blocks after CIMT, above healthy adults
    // (Mathiowetz 1985: about 75-80 blocks/min).
    let s: Scenario = toml::from_str(
        "[patient]\nage = 60\ncondition = { kind = \"stroke\" }\n[baseline]\nbbt = 4\nnhpt_s = 150\n",
    )
    .unwrap();
    let lib = praxis::app::protocols::Library::builtin();
    let ps: Vec<Protocol> = ["cimt", "mcimt"]
        .iter()
        .map(|id| lib.get(id).unwrap().clone())
        .collect();
    let c = compare(
        &s,
        &ps,
        ForecastOptions {
            draws: 200,
            seed: 1,
        },
        &Control::default(),
    )
    .unwrap();
    let best_bbt = praxis::model::constants::ATTAINABLE_BBT;
    let best_peg = praxis::model::constants::ATTAINABLE_NHPT_S;
    for p in &c.protocols {
        let bbt = &p.measures["bbt"];
        let peg = &p.measures["nhpt_s"];
        for v in bbt.p90.iter().chain(&bbt.p50).chain(&bbt.mean) {
            assert!(*v <= best_bbt, "{}: BBT {v} above {best_bbt}", p.id);
        }
        for v in peg.p10.iter().chain(&peg.p50).chain(&peg.mean) {
            assert!(*v >= best_peg, "{}: 9HPT {v} below {best_peg}", p.id);
        }
        let gain = p.summary.measures["bbt"].change_follow_up.p90;
        assert!(gain > 0.0 && gain <= best_bbt - 4.0, "{}: {gain}", p.id);
    }
}
