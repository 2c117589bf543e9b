//! The forecast's cost (issue 11.6 and 11.8): memory held does not grow with the number of draws beyond a fixed
//! amount, the bands a forecast too large to hold takes from histograms stay within a bin of the exact ones, and the
//! result is the same whatever the number of worker threads (common random numbers: draw i is always the same
//! patient).

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use praxis::model::scenario::Observation;
use praxis::model::simulate::{compare_threads, forecast_in_histograms, forecast_threads};
use praxis::model::{Control, Forecast, ForecastOptions, Protocol, Scenario, protocol, scenario};

/// The system allocator, counting the bytes held and their peak.
struct Counting;

static HELD: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = HELD.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        HELD.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = HELD.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                HELD.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The tests of this file run one at a time, so that one's allocations do not count in another's peak.
static SERIAL: Mutex<()> = Mutex::new(());

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

/// The subacute stroke scenario over `days` days, with assessments to calibrate on when `assessed`: one before day 0
/// and two after.
fn scenario(days: u32, assessed: bool) -> Scenario {
    let mut s = load_scenario("stroke-subacute.toml");
    s.horizon_days = days;
    s.follow_up_day = None;
    if assessed {
        for (day, score) in [(-2, 18.0), (7, 25.0), (days as i32 / 2, 31.0)] {
            s.observations.push(Observation {
                day,
                instrument: "fma_ue".into(),
                score,
                state: None,
            });
        }
    }
    s
}

fn opts(draws: u32) -> ForecastOptions {
    ForecastOptions { draws, seed: 5 }
}

fn json(f: &Forecast) -> String {
    serde_json::to_string(f).expect("a forecast serialises")
}

/// Peak bytes held while `run` runs, above what was held before it.
fn peak_of(run: impl FnOnce() -> Forecast) -> usize {
    let before = HELD.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let f = run();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    drop(f);
    peak
}

#[test]
fn the_forecast_is_the_same_whatever_the_number_of_threads() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let p = load_protocol("task-specific-300");
    let ctl = Control::default();
    for assessed in [false, true] {
        let s = scenario(60, assessed);
        // 257 draws: chunks of unequal length on 2 and 3 threads.
        let one = forecast_threads(&s, Some(&p), opts(257), &ctl, 1).expect("runs");
        for threads in [2, 3, 8] {
            let many = forecast_threads(&s, Some(&p), opts(257), &ctl, threads).expect("runs");
            assert_eq!(
                json(&one),
                json(&many),
                "{threads} threads, assessed {assessed}"
            );
        }
        // The histogram path too, whose rounds split the draws differently on each thread count.
        let one = forecast_in_histograms(&s, Some(&p), opts(1500), &ctl, 1).expect("runs");
        let three = forecast_in_histograms(&s, Some(&p), opts(1500), &ctl, 3).expect("runs");
        assert_eq!(json(&one), json(&three), "histograms, assessed {assessed}");
        // Every draw was counted once, whatever the runs calibration needs.
        assert_eq!(one.summary.draws, 1500);
    }
    // Progress counts each draw once: 257 x 4 + 1500 x 2 per scenario, two scenarios.
    assert_eq!(ctl.done.load(Ordering::Relaxed), 2 * (257 * 4 + 1500 * 2));
}

#[test]
fn a_comparison_is_the_same_whatever_the_number_of_threads() {
    // Issue 11.8: with at least as many protocols as threads, the threads share the protocols (each forecast on one
    // thread) instead of each protocol's draws; the forecasts, the ranking and the common random numbers must not
    // depend on it.
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let ps: Vec<Protocol> = ["task-specific-300", "usual-care", "cimt"]
        .into_iter()
        .map(load_protocol)
        .collect();
    let ctl = Control::default();
    let s = scenario(40, true);
    let one = compare_threads(&s, &ps, opts(120), &ctl, 1).expect("runs");
    for threads in [2, 3, 4] {
        let many = compare_threads(&s, &ps, opts(120), &ctl, threads).expect("runs");
        assert_eq!(
            serde_json::to_string(&one).expect("serialises"),
            serde_json::to_string(&many).expect("serialises"),
            "{threads} threads"
        );
    }
    // Each protocol's forecast is the one it has alone, in the protocols' order.
    for (p, f) in ps.iter().zip(&one.protocols) {
        let alone = forecast_threads(&s, Some(p), opts(120), &ctl, 1).expect("runs");
        assert_eq!(f.id, p.id);
        assert_eq!(f.measures, alone.measures, "{}", p.id);
    }
    // Progress counts each draw once: 4 comparisons of 3 protocols, then the 3 forecasts alone.
    assert_eq!(ctl.done.load(Ordering::Relaxed), 120 * (4 * 3 + 3));
}

#[test]
fn memory_held_does_not_grow_with_the_draws() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let p = load_protocol("task-specific-300");
    let ctl = Control::default();
    let s = scenario(30, false);
    let small = peak_of(|| forecast_threads(&s, Some(&p), opts(1_000), &ctl, 2).expect("runs"));
    let large = peak_of(|| forecast_threads(&s, Some(&p), opts(100_000), &ctl, 2).expect("runs"));
    // Holding every draw's scores would take 100 times the 1,000 draws' (over 40 MB here).
    let held_1000 = 1_000 * 8 * 2 * 31;
    assert!(small >= held_1000, "1,000 draws held {small} bytes");
    assert!(
        large < 4 * small,
        "100,000 draws held {large} bytes at the peak, 1,000 draws {small}"
    );
    // Calibrating keeps one weight per draw besides (a few bytes each), not the draws' scores.
    let s = scenario(30, true);
    let calibrated =
        peak_of(|| forecast_threads(&s, Some(&p), opts(100_000), &ctl, 2).expect("runs"));
    eprintln!(
        "peak bytes held: 1,000 draws {small}, 100,000 draws {large}, 100,000 calibrated {calibrated}"
    );
    assert!(
        calibrated < 4 * small + 100_000 * 32,
        "100,000 calibrated draws held {calibrated} bytes at the peak, 1,000 draws {small}"
    );
}

#[test]
fn histogram_bands_stay_within_a_bin_of_the_exact_ones() {
    let _one = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let p = load_protocol("task-specific-300");
    let ctl = Control::default();
    for assessed in [false, true] {
        let s = scenario(120, assessed);
        let exact = forecast_threads(&s, Some(&p), opts(2000), &ctl, 2).expect("runs");
        let hist = forecast_in_histograms(&s, Some(&p), opts(2000), &ctl, 2).expect("runs");
        for (id, band) in &exact.measures {
            let inst = praxis::instruments::get(id).expect("known instrument");
            // At least 128 bins over the instrument's range.
            let bin = (inst.max - inst.min) / 128.0;
            let other = &hist.measures[id];
            for (a, b) in [
                (&band.p10, &other.p10),
                (&band.p50, &other.p50),
                (&band.p90, &other.p90),
            ] {
                for (d, (x, y)) in a.iter().zip(b).enumerate() {
                    assert!(
                        (x - y).abs() <= bin,
                        "{id} day {d}: exact {x}, histogram {y}"
                    );
                }
            }
            for (d, (x, y)) in band.mean.iter().zip(&other.mean).enumerate() {
                assert!((x - y).abs() < 1e-9, "{id} day {d} mean: {x} vs {y}");
            }
            let (m, n) = (&exact.summary.measures[id], &hist.summary.measures[id]);
            assert_eq!(m.p_mcid_end, n.p_mcid_end, "{id}");
            assert_eq!(m.p_goal, n.p_goal, "{id}");
            assert_eq!(m.sessions_to_mcid, n.sessions_to_mcid, "{id}");
            assert!((m.improvement_end - n.improvement_end).abs() < 1e-9, "{id}");
            assert!(
                (m.change_end.p50 - n.change_end.p50).abs() <= 2.0 * bin,
                "{id}"
            );
            assert!((m.change_follow_up.p90 - n.change_follow_up.p90).abs() <= 2.0 * bin);
        }
        for (a, b) in exact.sessions.iter().zip(&hist.sessions) {
            for (id, v) in &a.end {
                assert!((v - b.end[id]).abs() < 1e-9, "session day {} {id}", a.day);
            }
        }
        assert_eq!(exact.summary.notes, hist.summary.notes);
    }
}
