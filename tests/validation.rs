//! The ten validation scenarios of `shared/science.md`: each test names its source and its tolerance. Tolerances
//! are the ones science.md gives; where it gives none ("~4.6", "~17 trials"), the test says what it chose and why.

use praxis::model::circuits::Circuits;
use praxis::model::simulate::{forecast, trajectory};
use praxis::model::skill::{self, State, TwoState};
use praxis::model::{Control, Forecast, ForecastOptions, Protocol, Scenario, impairment};
use rand::SeedableRng;

fn scenario(toml_text: &str) -> Scenario {
    toml::from_str(toml_text).expect("test scenario parses")
}

/// A protocol with one whole task.
struct Spec<'a> {
    id: &'a str,
    target: &'a str,
    weeks: u32,
    days_per_week: u32,
    reps: u32,
    rule: &'a str,
    /// Extra keys for [schedule] (e.g. sessions_per_day).
    schedule_extra: &'a str,
    feedback: &'a str,
}

impl Default for Spec<'_> {
    fn default() -> Self {
        Spec {
            id: "test",
            target: "upper_limb",
            weeks: 8,
            days_per_week: 5,
            reps: 100,
            rule: "adaptive",
            schedule_extra: "",
            feedback: "mixed",
        }
    }
}

impl Spec<'_> {
    fn build(&self) -> Protocol {
        let Spec {
            id,
            target,
            weeks,
            days_per_week,
            reps,
            rule,
            schedule_extra,
            feedback,
        } = self;
        let text = format!(
            r#"
id = "{id}"
name = "{id}"
summary = "test protocol"
conditions = ["stroke", "parkinsons", "cerebellar_ataxia", "older_adult"]
measures = []
[schedule]
weeks = {weeks}
days_per_week = {days_per_week}
minutes_per_session = 60
repetitions_per_session = {reps}
{schedule_extra}
[practice]
structure = "whole"
tasks = [{{ name = "task", target = "{target}" }}]
[progression]
rule = "{rule}"
[feedback]
kind = "{feedback}"
[evidence]
citation = "test"
"#
        );
        toml::from_str(&text).expect("test protocol parses")
    }
}

fn run(s: &Scenario, p: Option<&Protocol>, draws: u32) -> Forecast {
    forecast(
        s,
        p,
        ForecastOptions { draws, seed: 7 },
        &Control::default(),
    )
    .expect("not cancelled")
}

fn usual_care() -> Protocol {
    // Usual care: ~32 task-specific arm repetitions per session (Lang 2009 Arch Phys Med Rehabil 90:1692).
    Spec {
        id: "usual-care",
        reps: 32,
        rule: "none",
        ..Spec::default()
    }
    .build()
}

// 1. Proportional recovery (Prabhakaran 2008 NNR 22:64; Winters 2015 NNR 29:614): FMA-UE 20 at 72 h, MEP+,
//    usual care: mean gain by day 90-180 of 0.7 x 46 + 0.4 = 32.6 +/- 7; >= 80% of the day-180 gain by day 84.
#[test]
fn s1_proportional_recovery_mep_present_prabhakaran_2008() {
    let s = scenario(
        r#"
horizon_days = 180
[patient]
age = 65
days_since_onset = 3
condition = { kind = "stroke", mep = "present", nihss = 5 }
[baseline]
fma_ue = 20
"#,
    );
    let f = run(&s, Some(&usual_care()), 1000);
    let m = &f.measures["fma_ue"].mean;
    for day in [90, 120, 150, 180] {
        let gain = m[day] - 20.0;
        assert!(
            (gain - 32.6).abs() <= 7.0,
            "day {day}: gain {gain:.1}, expected 32.6 +/- 7"
        );
    }
    let share = (m[84] - 20.0) / (m[180] - 20.0);
    assert!(
        share >= 0.8,
        "only {share:.2} of the day-180 gain by day 84"
    );
}

// 2. Non-fitters (Byblow 2015 Ann Neurol 78:848; Kundert 2019 NNR 33:876; PREP2, Stinear 2017): FMA-UE 5, MEP
//    absent, NIHSS >= 7: mean gain well below proportional (<= 15 by day 180; proportional would be 43).
#[test]
fn s2_mep_absent_severe_recovers_far_less_byblow_2015() {
    let s = scenario(
        r#"
horizon_days = 180
[patient]
age = 70
days_since_onset = 3
condition = { kind = "stroke", mep = "absent", nihss = 12 }
[baseline]
fma_ue = 5
"#,
    );
    let f = run(&s, Some(&usual_care()), 1000);
    let gain = f.measures["fma_ue"].mean[180] - 5.0;
    assert!(gain <= 15.0, "gain {gain:.1} > 15");
    assert!(gain > 0.0, "some recovery is still expected: {gain:.1}");
    assert!(
        f.summary.notes.iter().any(|n| n.contains("MEP absent")),
        "{:?}",
        f.summary.notes
    );
}

// 3. Ceiling (proportional rule: 0.7 x 6 + 0.4 = 4.6): FMA-UE 60 gains ~4.6 and never exceeds 66. science.md gives
//    no tolerance: +/- 2 points (one SEM of FMA-UE, Hiengkaew 2012) is used.
#[test]
fn s3_mild_stroke_gains_little_and_stays_in_range_prabhakaran_2008() {
    let s = scenario(
        r#"
horizon_days = 180
[patient]
age = 60
days_since_onset = 3
condition = { kind = "stroke", mep = "present", nihss = 2 }
[baseline]
fma_ue = 60
"#,
    );
    let f = run(&s, Some(&usual_care()), 1000);
    let gain = f.summary.measures["fma_ue"].change_follow_up.mean;
    assert!(
        (gain - 4.6).abs() <= 2.0,
        "gain {gain:.2}, expected 4.6 +/- 2"
    );
    let b = &f.measures["fma_ue"];
    for v in b.mean.iter().chain(&b.p90).chain(&b.p50).chain(&b.p10) {
        assert!((0.0..=66.0).contains(v), "{v} outside 0-66");
    }
}

// 4. Two-state model (Smith, Ghazizadeh & Shadmehr 2006 PLoS Biol 4:e179), canonical constants.
#[test]
fn s4_two_state_model_reproduces_smith_2006() {
    let m = TwoState::smith();
    // 400 trials of a unit target: x ~ 0.56 (asymptote ~0.58). Tolerance +/- 0.02 (the precision science.md quotes).
    let adapted = m.block(State::default(), 400.0, 1.0);
    assert!(
        (adapted.total() - 0.56).abs() <= 0.02,
        "{}",
        adapted.total()
    );
    let asymptote = m.block(State::default(), 100_000.0, 1.0).total();
    assert!((asymptote - 0.58).abs() <= 0.02, "{asymptote}");
    // ~17 reversed trials bring x back to 0 (tolerance +/- 3 trials).
    let mut s = adapted;
    let mut reversal = 0;
    while s.total() > 0.0 {
        s = m.trial(s, -1.0);
        reversal += 1;
    }
    assert!((14..=20).contains(&reversal), "{reversal} reversal trials");
    // Error clamp: spontaneous recovery peaks near 0.24 about 30-45 trials in (tolerance +/- 0.05, 20-60 trials).
    let (mut peak, mut peak_at) = (f64::MIN, 0);
    let mut c = s;
    for t in 1..=200 {
        c = m.clamp_trial(c);
        if c.total() > peak {
            peak = c.total();
            peak_at = t;
        }
    }
    assert!((peak - 0.24).abs() <= 0.05, "rebound peak {peak:.3}");
    assert!(
        (20..=60).contains(&peak_at),
        "rebound peak at trial {peak_at}"
    );
    // Savings: relearning after the reversal reaches 0.3 faster than first learning (~21 vs ~8 trials).
    let to = |mut s: State| {
        let mut n = 0;
        while s.total() < 0.3 {
            s = m.trial(s, 1.0);
            n += 1;
        }
        n
    };
    let first = to(State::default());
    let relearn = to(s);
    assert!((18..=24).contains(&first), "first learning {first} trials");
    assert!(
        relearn < first && relearn <= 11,
        "relearning {relearn} vs first {first}"
    );
}

fn chronic_arm(reps: u32) -> (Forecast, f64) {
    let s = scenario(
        r#"
horizon_days = 120
[patient]
age = 60
days_since_onset = 365
condition = { kind = "stroke", mep = "present" }
[baseline]
arat = 30
"#,
    );
    let p = Spec {
        id: "dose",
        days_per_week: 4,
        reps,
        ..Spec::default()
    }
    .build();
    let f = run(&s, Some(&p), 1000);
    let slope = f.summary.measures["arat"].change_end.mean / 8.0;
    (f, slope)
}

// 5. Dose (Lang 2016 Ann Neurol 80:342): chronic stroke, 8 weeks x 4 sessions/week: ARAT slope 0.3-0.7
//    points/week; 9,600 repetitions not more than ~0.3 points/week better than 3,200.
#[test]
fn s5_dose_response_is_flat_lang_2016() {
    let (_, low) = chronic_arm(100); // 3,200 repetitions
    let (_, high) = chronic_arm(300); // 9,600 repetitions
    eprintln!("ARAT slopes: 3,200 reps {low:.3}, 9,600 reps {high:.3} points/week");
    assert!(
        (0.3..=0.7).contains(&low),
        "3,200 reps: {low:.2} points/week"
    );
    assert!(
        (0.3..=0.7).contains(&high),
        "9,600 reps: {high:.2} points/week"
    );
    assert!(high - low <= 0.3, "9,600 vs 3,200: {high:.2} vs {low:.2}");
    assert!(
        high >= low,
        "more practice should not be worse: {high:.2} vs {low:.2}"
    );
}

/// Mean change of spontaneous arm use over the 12 months after therapy, for a chronic stroke with baseline FMA-UE
/// `fma` treated for `weeks` weeks (5 days/week, 100 repetitions a session).
fn use_change(fma: u32, weeks: u32) -> f64 {
    let s = scenario(&format!(
        r#"
horizon_days = {h}
[patient]
age = 60
days_since_onset = 365
condition = {{ kind = "stroke", mep = "present" }}
[baseline]
fma_ue = {fma}
"#,
        h = weeks * 7 + 365
    ));
    let p = Spec {
        id: "dose",
        weeks,
        ..Spec::default()
    }
    .build();
    let draws = 24;
    let mut sum = 0.0;
    for d in 0..draws {
        let t = trajectory(&s, Some(&p), 3, d);
        let end = (weeks * 7) as usize;
        sum += t.arm_use[end + 365] - t.arm_use[end];
    }
    sum / f64::from(draws)
}

// 6. Use threshold (Han, Arbib & Schweighofer 2008 PLoS Comput Biol 4:e1000133; Schweighofer 2009 Phys Ther
//    89:1327): sweeping dose for a fixed lesion, the 12-month change in spontaneous use switches sign at a critical
//    dose, and the critical dose rises with lesion size.
#[test]
fn s6_use_threshold_han_2008() {
    let doses = [1, 2, 4, 6, 8, 12, 16, 24, 32, 48];
    let critical = |fma: u32| {
        let changes: Vec<f64> = doses.iter().map(|&w| use_change(fma, w)).collect();
        assert!(
            changes[0] < 0.0,
            "FMA {fma}: smallest dose should lose use: {changes:?}"
        );
        let i = changes
            .iter()
            .position(|&c| c > 0.0)
            .unwrap_or_else(|| panic!("FMA {fma}: use never rises: {changes:?}"));
        assert!(
            changes[i..].iter().all(|&c| c > 0.0),
            "FMA {fma}: sign switches once: {changes:?}"
        );
        doses[i]
    };
    let small_lesion = critical(28);
    let large_lesion = critical(23);
    eprintln!("critical dose: FMA-UE 28 {small_lesion} weeks, FMA-UE 23 {large_lesion} weeks");
    assert!(
        large_lesion > small_lesion,
        "critical dose: large lesion {large_lesion} weeks, small lesion {small_lesion} weeks"
    );
}

fn healthy(age: u32) -> Vec<Circuits> {
    let s = scenario(&format!(
        r#"
[patient]
age = {age}
condition = {{ kind = "older_adult" }}
[baseline]
bbs = 50
"#
    ));
    let pre = impairment::preset(&s);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    (0..400).map(|_| pre.priors.sample(&mut rng)).collect()
}

/// (evening, after 12 h awake, next morning after sleep) skill after 150 repetitions of a new sequence.
fn evening_practice(c: &Circuits) -> (f64, f64, f64) {
    let m = TwoState::skill(c.plasticity * c.declarative, c.plasticity);
    let evening = m.block(State::default(), 150.0, 1.0);
    let awake = skill::wake_gap(evening);
    let slept = skill::sleep(evening, evening.total(), c.sleep_gain);
    (evening.total(), awake.total(), slept.total())
}

// 7. Sleep (Walker 2002 Neuron 35:205): evening sequence practice, retested next morning: +20% +/- 8% speed
//    after sleep, <= 5% after the same time awake. Older adults gain little (Spencer 2007).
#[test]
fn s7_sleep_consolidation_walker_2002() {
    let (mut sleep_gain, mut wake_change) = (0.0, 0.0);
    let young = healthy(22);
    for c in &young {
        let (e, a, s) = evening_practice(c);
        sleep_gain += (s - e) / e;
        wake_change += (a - e) / e;
    }
    let n = young.len() as f64;
    let (sleep_gain, wake_change) = (sleep_gain / n, wake_change / n);
    assert!((sleep_gain - 0.20).abs() <= 0.08, "sleep: {sleep_gain:.3}");
    assert!(wake_change.abs() <= 0.05, "awake: {wake_change:.3}");
    let old: f64 = healthy(75)
        .iter()
        .map(|c| {
            let (e, _, s) = evening_practice(c);
            (s - e) / e
        })
        .sum::<f64>()
        / 400.0;
    assert!(old < 0.08, "older adults: {old:.3}");
}

// 8. Spacing (Lee & Genovese 1988; Shea 2000 Hum Mov Sci 19:737): the same total practice spread over days beats
//    massed practice at 1-week retention.
#[test]
fn s8_distributed_beats_massed_at_one_week_shea_2000() {
    let s = scenario(
        r#"
horizon_days = 40
[patient]
age = 72
condition = { kind = "older_adult", falls_last_year = 2 }
[baseline]
bbs = 40
"#,
    );
    let massed = Spec {
        id: "massed",
        target: "balance",
        weeks: 1,
        days_per_week: 1,
        reps: 75,
        schedule_extra: "sessions_per_day = 4",
        ..Spec::default()
    }
    .build();
    let spaced = Spec {
        id: "spaced",
        target: "balance",
        weeks: 1,
        days_per_week: 4,
        reps: 75,
        ..Spec::default()
    }
    .build();
    let fm = run(&s, Some(&massed), 500);
    let fs = run(&s, Some(&spaced), 500);
    assert_eq!(fm.summary.total_repetitions, fs.summary.total_repetitions);
    let retention = |f: &Forecast| {
        let day = f.summary.end_of_treatment_day as usize + 7;
        f.measures["bbs"].mean[day] - 40.0
    };
    let (m, d) = (retention(&fm), retention(&fs));
    assert!(d > m, "distributed {d:.2} vs massed {m:.2}");
}

// 9. Parkinson's (Ebersbach 2010 Mov Disord 25:1902; Holden 2018): LSVT BIG (16 one-hour sessions over 4 weeks),
//    MDS-UPDRS III change at 16 weeks -5 +/- 4; no treatment: +2.4 +/- 0.5 per year.
#[test]
fn s9_parkinsons_lsvt_big_ebersbach_2010_and_progression_holden_2018() {
    let s = scenario(
        r#"
horizon_days = 365
follow_up_day = 112
[patient]
age = 67
condition = { kind = "parkinsons", hoehn_yahr = 2.5, medication = "on" }
[baseline]
mds_updrs_iii = 30
"#,
    );
    let big = Spec {
        id: "lsvt-big",
        target: "whole_body",
        weeks: 4,
        days_per_week: 4,
        reps: 200,
        ..Spec::default()
    }
    .build();
    let f = run(&s, Some(&big), 1000);
    let change16 = f.summary.measures["mds_updrs_iii"].change_follow_up.mean;
    assert!(
        (change16 + 5.0).abs() <= 4.0,
        "LSVT BIG at 16 weeks: {change16:.2}"
    );
    let none = run(&s, None, 1000);
    let per_year = none.measures["mds_updrs_iii"].mean[365] - 30.0;
    assert!(
        (per_year - 2.4).abs() <= 0.5,
        "untreated progression {per_year:.2}/year"
    );
}

// 10. Cerebellar damage (Therrien, Wolpert & Bastian 2016 Brain 139:101): error-based adaptation retains far less
//     than in a healthy learner; reinforcement-based learning is retained.
#[test]
fn s10_cerebellar_error_learning_poorly_retained_therrien_2016() {
    let mean_circuits = |cond: &str| {
        let s = scenario(&format!(
            "[patient]\nage = 50\ncondition = {{ kind = \"{cond}\" }}\n[baseline]\nsara = 12\n"
        ));
        let p = impairment::preset(&s).priors;
        (
            p.err_gain.mean,
            p.err_retention.mean,
            p.rl_gain.mean,
            p.noise.mean,
        )
    };
    let retention_as = |r: f64| 1.0 - (1.0 - praxis::model::constants::SMITH_AS) / r;
    let (hg, hr, hrl, hn) = mean_circuits("older_adult");
    let (cg, cr, crl, cn) = mean_circuits("cerebellar_ataxia");
    let (h_learn, h_keep) = skill::error_based_retention(hg, retention_as(hr), 400, 50);
    let (c_learn, c_keep) = skill::error_based_retention(cg, retention_as(cr), 400, 50);
    assert!(c_learn < h_learn, "cerebellar adaptation is impaired");
    let (h_frac, c_frac) = (h_keep / h_learn, c_keep / c_learn);
    assert!(
        c_frac < 0.3 * h_frac,
        "retained share: cerebellar {c_frac:.2} vs healthy {h_frac:.2}"
    );
    let (rl_learn, rl_keep) = skill::reinforcement_retention(crl, cn, 400, 50);
    let (hrl_learn, _) = skill::reinforcement_retention(hrl, hn, 400, 50);
    assert!(
        rl_keep / rl_learn > 0.9,
        "reinforcement learning is retained"
    );
    assert!(rl_learn < hrl_learn, "but smaller with more motor noise");
    // In the engine: a cerebellar patient keeps more from reinforcement than from error-based practice.
    let s = scenario(
        r#"
horizon_days = 200
[patient]
age = 50
condition = { kind = "cerebellar_ataxia" }
[baseline]
sara = 12
"#,
    );
    let eb = Spec {
        id: "eb",
        target: "whole_body",
        weeks: 4,
        days_per_week: 3,
        feedback: "error_based",
        ..Spec::default()
    }
    .build();
    let rl = Spec {
        id: "rl",
        target: "whole_body",
        weeks: 4,
        days_per_week: 3,
        feedback: "reinforcement",
        ..Spec::default()
    }
    .build();
    let (fe, fr) = (run(&s, Some(&eb), 300), run(&s, Some(&rl), 300));
    let imp = |f: &Forecast| f.summary.measures["sara"].improvement_follow_up;
    assert!(
        imp(&fr) > imp(&fe),
        "reinforcement {:.2} vs error-based {:.2}",
        imp(&fr),
        imp(&fe)
    );
}

// Follow-up to the ten: early subacute stroke (3 days, MEP+, FMA-UE 20), the library's usual care (30 x 32 reps),
// task-specific-300 (15 x 300) and CIMT (10 x 6 h). In the first weeks spontaneous recovery carries most of the
// change: dose-matched task-oriented training was not better than usual care (ICARE, Winstein 2016 JAMA 315:571),
// intensive CIMT in the first month was no better than usual care (VECTORS, Dromerick 2009 Neurology 73:195), and
// extra therapy of the same content gives at most a small effect (Lohse 2014 g = 0.35; Schneider 2016 SMD 0.39).
// So the three must differ at follow-up by less than the FMA-UE MCID, and the comparison must say so.
#[test]
fn subacute_protocols_differ_by_less_than_the_mcid_icare_vectors() {
    use praxis::model::simulate::compare;
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).expect("file in the repo");
    let s = praxis::model::scenario::parse(
        &read("tests/scenarios/stroke-subacute.toml"),
        "stroke-subacute.toml",
    )
    .expect("scenario parses");
    let ps: Vec<Protocol> = ["usual-care", "task-specific-300", "cimt"]
        .iter()
        .map(|id| {
            praxis::model::protocol::parse(&read(&format!("protocols/{id}.toml")), id)
                .expect("library protocol parses")
        })
        .collect();
    let c = compare(
        &s,
        &ps,
        ForecastOptions {
            draws: 300,
            seed: 7,
        },
        &Control::default(),
    )
    .expect("not cancelled");
    assert_eq!(c.primary, "fma_ue");
    let gains: Vec<f64> = c
        .protocols
        .iter()
        .map(|p| p.summary.measures["fma_ue"].improvement_follow_up)
        .collect();
    let mcid = c.protocols[0].summary.measures["fma_ue"].mcid;
    let spread = gains.iter().cloned().fold(f64::MIN, f64::max)
        - gains.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread < mcid,
        "gains {gains:?} spread {spread} >= MCID {mcid}"
    );
    for p in &c.protocols {
        assert!(
            p.summary
                .notes
                .iter()
                .any(|n| n.contains("less than the MCID") && n.contains("Winstein 2016")),
            "{}: no ranking note in {:?}",
            p.id,
            p.summary.notes
        );
    }
}

/// A scenario and a library protocol from the repository.
fn repo_scenario_and_protocol(scenario_file: &str, protocol_id: &str) -> (Scenario, Protocol) {
    let root = env!("CARGO_MANIFEST_DIR");
    let read = |p: &str| std::fs::read_to_string(format!("{root}/{p}")).expect("file in the repo");
    let s = praxis::model::scenario::parse(&read(scenario_file), scenario_file)
        .expect("scenario parses");
    let p = praxis::model::protocol::parse(
        &read(&format!("protocols/{protocol_id}.toml")),
        protocol_id,
    )
    .expect("library protocol parses");
    (s, p)
}

// Older adults: progressive gait, balance and functional training improves the Berg Balance Scale by +3.48 points
// (95% CI 2.01 to 4.95; Howe 2011 Cochrane CD004963, 4 trials, n = 145) by the end of the programme; 11-12 weeks x
// 3 sessions/week is the most effective dose (Lesinski 2015 Sports Med 45:1721). Tolerance: the mean gain at the end
// of `balance-gait-older` (12 weeks x 3 one-hour sessions) on tests/scenarios/older-adult-falls.toml (81 years,
// Berg 42) must lie inside that 95% CI. No training for the same person, and the arm-only usual care, must stay
// below 0.5 points (healthy ageing has no progression in the model over 12 weeks) and at least 2 points below.
#[test]
fn older_adult_balance_training_berg_within_howe_2011_ci_2_0_to_5_0() {
    let (s, p) = repo_scenario_and_protocol(
        "tests/scenarios/older-adult-falls.toml",
        "balance-gait-older",
    );
    let (_, usual) =
        repo_scenario_and_protocol("tests/scenarios/older-adult-falls.toml", "usual-care");
    let gain = |f: &Forecast| f.summary.measures["bbs"].change_end.mean;
    let trained = run(&s, Some(&p), 400);
    assert_eq!(trained.summary.end_of_treatment_day, 7 * 11 + 4);
    let g = gain(&trained);
    assert!(
        (2.01..=4.95).contains(&g),
        "Berg gain {g:.2} outside Howe 2011 95% CI 2.01-4.95"
    );
    for other in [run(&s, None, 400), run(&s, Some(&usual), 400)] {
        let o = gain(&other);
        assert!(
            o.abs() < 0.5 && g - o >= 2.0,
            "{}: {o:.2} vs trained {g:.2}",
            other.summary.protocol
        );
    }
}

// EXCITE (Wolf 2006 JAMA 296:2095): 3-9 months after stroke, with some wrist and finger extension, 2 weeks of CIMT
// improved arm function more than usual and customary care, and the difference held at 12 months. EXCITE reports
// no ARAT; its Motor Activity Log difference (0.43, 95% CI 0.05 to 0.80) is checked in `tests/non_use.rs` and
// `tests/trials.rs`, with the patients' low baseline use given. This test, without a MAL baseline (use inferred from
// function), checks the direction on ARAT only: the library's `cimt` beats `usual-care` at 12 months, for a patient
// above the use threshold (ARAT 30) and one below it (ARAT 22), and ends above baseline. No size is asserted: EXCITE
// measured none on ARAT.
#[test]
fn cimt_beats_usual_care_at_12_months_excite_wolf_2006() {
    let (_, cimt) = repo_scenario_and_protocol("tests/scenarios/stroke-chronic.toml", "cimt");
    let (_, usual) =
        repo_scenario_and_protocol("tests/scenarios/stroke-chronic.toml", "usual-care");
    for (arat, fma) in [(30, 38), (22, 30)] {
        let s = scenario(&format!(
            "horizon_days = 365\nfollow_up_day = 365\n[patient]\nage = 62\ndays_since_onset = 150\ncondition = {{ kind = \"stroke\", mep = \"present\" }}\n[baseline]\narat = {arat}\nfma_ue = {fma}\n"
        ));
        let gain =
            |p: &Protocol| run(&s, Some(p), 200).summary.measures["arat"].improvement_follow_up;
        let (c, u) = (gain(&cimt), gain(&usual));
        assert!(
            c > u + 0.5 && c > 0.0,
            "ARAT {arat}: cimt {c:.2} vs usual care {u:.2}"
        );
    }
}

/// New-user review: the report of a chronic patient must not promise spontaneous recovery, and a scenario without an
/// onset must not state "0 days after stroke" as a fact.
#[test]
fn stroke_report_text_fits_the_time_since_onset() {
    let lib = praxis::app::protocols::Library::builtin();
    let ps: Vec<praxis::model::Protocol> = ["usual-care", "task-specific-300"]
        .iter()
        .map(|id| lib.get(id).unwrap().clone())
        .collect();
    let report = |text: &str| {
        let s: praxis::model::Scenario = toml::from_str(text).unwrap();
        let c = praxis::model::simulate::compare(
            &s,
            &ps,
            praxis::model::ForecastOptions { draws: 40, seed: 1 },
            &praxis::model::Control::default(),
        )
        .unwrap();
        let text = praxis::cli::compare::human(&s, &c);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let base = "[patient]\nage = 60\ncondition = { kind = \"stroke\", mep = \"present\" }\n[baseline]\nfma_ue = 38\n";
    let chronic = report(&base.replace("age = 60\n", "age = 60\ndays_since_onset = 400\n"));
    assert!(!chronic.contains("to return spontaneously"), "{chronic}");
    assert!(
        chronic.contains("400 days after stroke (chronic)"),
        "{chronic}"
    );
    let early = report(&base.replace("age = 60\n", "age = 60\ndays_since_onset = 10\n"));
    assert!(early.contains("to return spontaneously"), "{early}");
    assert!(early.contains("10 days after stroke"), "{early}");
    assert!(early.contains("MCID of 9 (subacute, Arya 2011)"), "{early}");
    // The difference between two protocols is said in the instrument's own name and unit, not its id.
    assert!(early.contains(" points on FMA-UE at follow-up"), "{early}");
    assert!(!early.contains("fma_ue points"), "{early}");
    let unknown = report(base);
    assert!(!unknown.contains("0 days after stroke"), "{unknown}");
    assert!(unknown.contains("onset unknown"), "{unknown}");
}
