//! Calibration of the forecast's 80% bands on virtual patients whose true course is known (issue 11.9): every
//! assessment, the baseline included, is a measurement with the instrument's standard error (SEM), so a calibrated
//! forecast's 80% band must hold the later (measured) score of about 80% of patients drawn from the model's own
//! prior. This is
//! the simulation-based calibration check of Cook, Gelman & Rubin 2006 (J Comput Graph Stat 15:675) and Talts et al.
//! 2018 (arXiv:1804.06788): draw the truth from the prior, simulate noisy data, and check that the posterior
//! intervals cover the truth at their nominal rate.

use praxis::model::simulate::{forecast, trajectory};
use praxis::model::{Control, ForecastOptions, Scenario};
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

/// Virtual patients. Coverage of n patients has a binomial SD of sqrt(0.8 x 0.2 / n): 2.0 points at 400, so 80% +/- 5%
/// is 2.5 SD. Kept at 400 (the issue's own sample) with few draws so the test runs in seconds in a debug build.
const PATIENTS: u32 = 400;
/// Monte Carlo draws per forecast: enough for an effective sample of a few dozen after calibration on two
/// assessments.
const DRAWS: u32 = 150;
/// Seeds of the true patients and of the forecasts: different, so no forecast contains its patient's own draw.
const TRUTH_SEED: u64 = 2024;
const FORECAST_SEED: u64 = 99;
/// FMA-UE standard error of measurement (points), as in the instrument table.
fn fma_sem() -> f64 {
    praxis::instruments::get("fma_ue").expect("fma_ue").sem
}

fn stroke(mep: &str, baseline: f64, observations: &[(i32, f64)]) -> Scenario {
    let mut text = format!(
        "horizon_days = 90\n[patient]\nage = 65\ndays_since_onset = 5\ncondition = {{ kind = \"stroke\", mep = \"{mep}\" }}\n[baseline]\nfma_ue = {baseline}\n"
    );
    for (day, score) in observations {
        text.push_str(&format!(
            "[[observations]]\nday = {day}\ninstrument = \"fma_ue\"\nscore = {score}\n"
        ));
    }
    toml::from_str(&text).expect("scenario parses")
}

struct Outcome {
    mep_absent: bool,
    baseline_error: f64,
    /// The 80% band at day 90 holds the true score / a new measurement of it.
    covers_true: bool,
    covers_measured: bool,
}

fn patient(j: u32, calibrated: bool) -> Outcome {
    let sem = fma_sem();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(u64::from(j) + 7);
    let mep = if j.is_multiple_of(3) {
        "absent"
    } else {
        "present"
    };
    // The patient's score around day 0, spread over most of the scale; the true course from the prior.
    let design = 6.0 + 44.0 * rng.random::<f64>();
    let truth = trajectory(&stroke(mep, design, &[]), None, TRUTH_SEED, j);
    let t = &truth.scores["fma_ue"];
    let mut measure = |true_score: f64| {
        let z: f64 = StandardNormal.sample(&mut rng);
        (true_score + sem * z).clamp(0.0, 66.0)
    };
    // What the therapist records: the baseline and two later assessments, each with measurement error.
    let baseline = measure(t[0]);
    let later_assessments = [(14, measure(t[14])), (28, measure(t[28]))];
    let observed = if calibrated {
        &later_assessments[..]
    } else {
        &[]
    };
    let f = forecast(
        &stroke(mep, baseline, observed),
        None,
        ForecastOptions {
            draws: DRAWS,
            seed: FORECAST_SEED + u64::from(j),
        },
        &Control::default(),
    )
    .expect("not cancelled");
    let band = &f.measures["fma_ue"];
    let (lo, hi) = (band.p10[90], band.p90[90]);
    let later = measure(t[90]);
    Outcome {
        mep_absent: mep == "absent",
        baseline_error: baseline - t[0],
        covers_true: (lo..=hi).contains(&t[90]),
        covers_measured: (lo..=hi).contains(&later),
    }
}

fn share(v: &[&Outcome], f: impl Fn(&Outcome) -> bool) -> f64 {
    v.iter().filter(|o| f(o)).count() as f64 / v.len().max(1) as f64
}

/// Coverage of the 80% bands over all patients (true score, new measurement) and, of a new measurement, for those
/// whose baseline was off by 3 points or more and for the MEP-absent ones.
fn coverage(calibrated: bool) -> [f64; 4] {
    let all: Vec<Outcome> = (0..PATIENTS).map(|j| patient(j, calibrated)).collect();
    let refs: Vec<&Outcome> = all.iter().collect();
    let off: Vec<&Outcome> = all
        .iter()
        .filter(|o| o.baseline_error.abs() >= 3.0)
        .collect();
    let absent: Vec<&Outcome> = all.iter().filter(|o| o.mep_absent).collect();
    let c = [
        share(&refs, |o| o.covers_true),
        share(&refs, |o| o.covers_measured),
        share(&off, |o| o.covers_measured),
        share(&absent, |o| o.covers_measured),
    ];
    eprintln!(
        "{}: 80% band at day 90, {PATIENTS} patients x {DRAWS} draws, holds a new measurement of the true score for {:.1}% of patients (baseline off by >= 3 points, {} patients: {:.1}%; MEP absent, {} patients: {:.1}%) and the true score itself for {:.1}%",
        if calibrated {
            "calibrated on days 14 and 28"
        } else {
            "baseline only"
        },
        100.0 * c[1],
        off.len(),
        100.0 * c[2],
        absent.len(),
        100.0 * c[3],
        100.0 * c[0],
    );
    c
}

// Issue 11.9 (the baseline is a measurement too). Before: every draw started at the entered baseline and a day-0
// assessment never entered the likelihood; the 80% band covered the true day-90 score of 74% of 400 patients, 61%
// when the baseline was off by 3 points or more and 62% for MEP-absent patients. On these patients, before the
// change (draws starting at the entered baseline): with the baseline alone 78.5% of new measurements (68.9% when the
// baseline was off by 3 or more); calibrated on days 14 and 28, 78.5% (68.9%). After: 81.2% (73.8%) and 81.2%
// (80.3%). Without later assessments nothing can tell a patient whose baseline was off, so the subgroups are checked
// on the calibrated forecasts only.
#[test]
fn calibrated_80_percent_bands_cover_80_percent_of_virtual_patients_cook_2006() {
    for calibrated in [false, true] {
        let [cov_true, cov_meas, cov_off, cov_absent] = coverage(calibrated);
        // The bands are of observed scores (true score plus measurement error, `summary.rs`): what they claim is that
        // a new assessment at day 90 falls inside them 80% of the time.
        assert!(
            (cov_meas - 0.80).abs() <= 0.05,
            "a day-90 assessment inside the 80% band for {:.1}% of patients",
            100.0 * cov_meas
        );
        // A band of observed scores is wider than one of true scores: it holds at least 80% of the true scores too.
        assert!(
            cov_true >= 0.80,
            "true day-90 score inside the 80% band for {:.1}% of patients",
            100.0 * cov_true
        );
        if !calibrated {
            continue;
        }
        // The subgroups the old engine failed (smaller samples: binomial SD ~ 3.5-5 points, a wider tolerance).
        assert!(
            cov_off >= 0.72,
            "baseline off by >= 3: {:.1}%",
            100.0 * cov_off
        );
        assert!(cov_absent >= 0.72, "MEP absent: {:.1}%", 100.0 * cov_absent);
    }
}

/// Assessments no draw explains are said first in the forecast's notes, and weighed as less precise than their SEM
/// (the Birge ratio, `fit::temper`) instead of leaving the band to a handful of draws. Assessments that contradict
/// each other (FMA-UE 10, then 60, then 30 within four days, far beyond the SEM) fit no draw; a course the prior
/// expects fits many, and has no caution.
#[test]
fn a_calibration_few_draws_fit_is_said_first_in_the_notes() {
    let opts = praxis::model::ForecastOptions {
        draws: 300,
        seed: FORECAST_SEED,
    };
    let ctl = praxis::model::Control::default();
    let contradictory = stroke("present", 30.0, &[(-4, 10.0), (-2, 60.0)]);
    let f = praxis::model::simulate::forecast(&contradictory, None, opts, &ctl).expect("runs");
    let note = &f.summary.notes[0];
    assert!(
        note.starts_with("caution: the logged assessments scatter more than measurement error"),
        "{:?}",
        f.summary.notes
    );
    // FMA-UE 10 and 60 two days apart around a baseline of 30: even the best draw misses by about 20 points twice,
    // 10 SEMs each, so the errors are scaled by several times (chi-square ~ 400 on 2 assessments: ~ 14).
    let scale: f64 = note
        .split("as if its error were ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|x| x.parse().ok())
        .expect("the note says the scale");
    assert!(scale > 5.0, "{note}");
    // Tempered, the draws keep an effective sample a band can rest on (untempered: 1 of 300).
    let ess: f64 = f
        .summary
        .notes
        .iter()
        .find_map(|n| n.split("effective sample ").nth(1))
        .and_then(|r| r.split(' ').next())
        .and_then(|x| x.parse().ok())
        .expect("the calibration note says the effective sample");
    assert!(ess >= 30.0, "{:?}", f.summary.notes);
    let plausible = stroke("present", 30.0, &[(-4, 28.0)]);
    let f = praxis::model::simulate::forecast(&plausible, None, opts, &ctl).expect("runs");
    assert!(
        !f.summary.notes.iter().any(|n| n.contains("caution")),
        "{:?}",
        f.summary.notes
    );
}

/// A chronic patient (spontaneous recovery over) with eight weeks of arm practice logged before day 0, five sessions
/// a week, and FMA-UE assessed at the start (day -56) and halfway (day -28) when `scores` says so (the baseline 30).
fn practised(scores: Option<(f64, f64)>) -> (Scenario, praxis::model::Protocol) {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/protocols/task-specific-300.toml"
    );
    let p: praxis::model::Protocol =
        toml::from_str(&std::fs::read_to_string(path).expect("library protocol")).expect("parses");
    let mut text = "horizon_days = 90\n[patient]\nage = 60\ndays_since_onset = 400\ncondition = { kind = \"stroke\", mep = \"present\" }\n[baseline]\nfma_ue = 30\n".to_string();
    if let Some((first, halfway)) = scores {
        text.push_str(&format!(
            "[[observations]]\nday = -56\ninstrument = \"fma_ue\"\nscore = {first}\n[[observations]]\nday = -28\ninstrument = \"fma_ue\"\nscore = {halfway}\n"
        ));
    }
    let mut s: Scenario = toml::from_str(&text).expect("scenario parses");
    let index = s.practice.protocol_index(&p);
    for day in (-56i32..0).filter(|d| d.rem_euclid(7) < 5) {
        s.practice
            .add_session(praxis::model::scenario::PastSession {
                day,
                hour: 10.0,
                minutes: 60.0,
                repetitions: 300,
                protocol: index,
            });
    }
    (s, p)
}

/// Practice logged before day 0 is part of the course that calibration scores the earlier assessments against
/// (issue 11.3 with 11.9; savings and history, Smith 2006): a chronic patient (spontaneous recovery over) whose FMA-UE
/// did not move over eight weeks of practice (30, 30, then the baseline 30) has shown they gain little from it, and
/// the forecast of more of it follows the slow learners; one whose score rose with the practice (20, 25, 30) follows
/// the fast ones. When back-casting ignored the practice, the chronic course was flat for every draw, earlier scores
/// could not tell fast learners from slow ones, and the flat patient got the forecast of a patient never assessed
/// before (1.49 against 1.49 FMA-UE points with this seed; now 0.88 against 1.48).
#[test]
fn assessments_before_day_0_are_scored_with_the_practice_logged_between_them() {
    let opts = ForecastOptions {
        draws: 400,
        seed: FORECAST_SEED,
    };
    let gain = |scores: Option<(f64, f64)>| {
        let (s, p) = practised(scores);
        let f = forecast(&s, Some(&p), opts, &Control::default()).expect("runs");
        f.summary.measures["fma_ue"].improvement_end
    };
    let (unassessed, flat, responder) = (
        gain(None),
        gain(Some((30.0, 30.0))),
        gain(Some((20.0, 25.0))),
    );
    eprintln!(
        "forecast FMA-UE gain of 12 more weeks: not assessed before {unassessed:.2}, flat over the practice {flat:.2}, a 10-point rise with it {responder:.2}"
    );
    assert!(
        flat < 0.8 * unassessed,
        "flat course {flat:.2}, not assessed {unassessed:.2}"
    );
    assert!(
        responder > flat + 0.3,
        "after a rise with practice {responder:.2}, after a flat course {flat:.2}"
    );
}
