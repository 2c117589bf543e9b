//! Forecasts off the UI thread (the gitui pattern: slow work reports back by message). A worker runs one
//! comparison while a ticker asks the UI to redraw the progress bar; finished comparisons are kept by what they
//! were built on, so going back and forth between screens does not run the same forecast twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::NaiveDate;

use super::data::{Job, PatientDetail};
use crate::model::{Comparison, Control};

/// How often a running forecast asks for a redraw of its progress bar.
const TICK: Duration = Duration::from_millis(150);

/// What a comparison was built on: the patient, the protocols chosen (in order), the assessments (how many,
/// and the latest one's id, date and score), so a new or corrected assessment forecasts again, and the goals (their
/// ids: a new, corrected or voided goal changes the probabilities and the follow-up).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ForecastKey {
    patient: String,
    protocols: Vec<String>,
    assessments: usize,
    latest: Option<(i64, NaiveDate, u64)>,
    goals: Vec<i64>,
}

impl ForecastKey {
    pub fn new(detail: &PatientDetail, protocols: &[String]) -> ForecastKey {
        ForecastKey {
            patient: detail.patient.code.clone(),
            protocols: protocols.to_vec(),
            assessments: detail.assessments.len(),
            latest: detail
                .assessments
                .last()
                .map(|a| (a.id, a.date, a.score.to_bits())),
            goals: detail.goals.goals.iter().map(|g| g.goal.id).collect(),
        }
    }
}

/// Finished comparisons, and the one running.
#[derive(Debug, Default)]
pub struct Forecasts {
    done: HashMap<ForecastKey, Comparison>,
    running: Option<ForecastKey>,
}

impl Forecasts {
    pub fn cached(&self, key: &ForecastKey) -> Option<&Comparison> {
        self.done.get(key)
    }

    pub fn started(&mut self, key: ForecastKey) {
        self.running = Some(key);
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Keep a finished comparison (a failed or cancelled one is not kept: it runs again when asked).
    pub fn finished(&mut self, key: ForecastKey, result: &Result<Comparison, String>) {
        if self.running.as_ref() == Some(&key) {
            self.running = None;
        }
        if let Ok(c) = result {
            self.done.insert(key, c.clone());
        }
    }
}

/// Run a job here, to the end (tests, which have no worker channel).
pub fn run(job: Job, ctl: &Control) -> Result<Comparison, String> {
    job(ctl).map_err(|e| e.to_string())
}

/// Run a job on a worker thread. `tick` is called every [`TICK`] while it runs (it returns false when nobody
/// listens any more), then `done` once with the result.
pub fn spawn(
    job: Job,
    ctl: Arc<Control>,
    tick: impl Fn() -> bool + Send + 'static,
    done: impl FnOnce(Result<Comparison, String>) + Send + 'static,
) {
    std::thread::spawn(move || {
        let finished = Arc::new(AtomicBool::new(false));
        let ticker = {
            let finished = finished.clone();
            std::thread::spawn(move || {
                while !finished.load(Ordering::Relaxed) {
                    std::thread::sleep(TICK);
                    if !tick() {
                        break;
                    }
                }
            })
        };
        let result = run(job, &ctl);
        finished.store(true, Ordering::Relaxed);
        let _ = ticker.join();
        done(result);
    });
}
