//! Forecasts off the UI thread (the gitui pattern: slow work reports back by message). A worker runs one
//! comparison while a ticker asks the UI to redraw the progress bar; finished comparisons are kept by what they
//! were built on, so going back and forth between screens does not run the same forecast twice.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::NaiveDate;

use super::data::{Job, PatientDetail};
use crate::app::progress::Standing;
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

/// The patients' standings against their plans' forecasts, for the list's "behind forecast" flag (issue 14.3):
/// computed one patient at a time on a worker thread, for the patients on the list's screen, and kept by what each
/// depends on ([`super::data::Source::standing_key`]: the patient's records, the plan, the protocol library), so a
/// standing is computed again only when one of them changed.
#[derive(Debug, Default)]
pub struct Standings {
    /// By patient: the key it was computed under and the standing (`None`: nothing to read yet).
    done: HashMap<String, (String, Option<Standing>)>,
    /// Patients to compute, with their key, in order.
    queue: std::collections::VecDeque<(String, String)>,
    /// The patient being computed, with its key.
    running: Option<(String, String)>,
    /// The patients last asked for and the data version then: the same again asks nothing.
    asked: Option<(Vec<String>, i64)>,
}

impl Standings {
    /// Whether `codes` at data version `version` were asked for last (else they are now).
    pub fn asked(&mut self, codes: &[String], version: i64) -> bool {
        if self
            .asked
            .as_ref()
            .is_some_and(|(c, v)| c == codes && *v == version)
        {
            return true;
        }
        self.asked = Some((codes.to_vec(), version));
        false
    }

    /// Compute `code`'s standing under `key` unless it is known or on its way.
    pub fn want(&mut self, code: &str, key: String) {
        let known = self.done.get(code).is_some_and(|(k, _)| *k == key);
        let coming = self.running.as_ref().is_some_and(|(_, k)| *k == key)
            || self.queue.iter().any(|(_, k)| *k == key);
        if !known && !coming {
            // What was known was under other records: no longer shown.
            self.done.remove(code);
            self.queue.push_back((code.to_string(), key));
        }
    }

    /// The patient has no plan (any more): nothing to show.
    pub fn forget(&mut self, code: &str) {
        self.done.remove(code);
    }

    /// The next patient to compute, unless one is running.
    pub fn next_to_run(&mut self) -> Option<(String, String)> {
        if self.running.is_some() {
            return None;
        }
        self.queue.pop_front()
    }

    pub fn start(&mut self, code: String, key: String) {
        self.running = Some((code, key));
    }

    /// A standing came in (computed, or nothing to read).
    pub fn finished(&mut self, code: String, key: String, standing: Option<Standing>) {
        if self.running.as_ref().is_some_and(|(_, k)| *k == key) {
            self.running = None;
        }
        self.done.insert(code, (key, standing));
    }

    /// The standing of `code` computed under `key`, if known.
    pub fn known(&self, code: &str, key: &str) -> Option<Standing> {
        self.done
            .get(code)
            .filter(|(k, _)| k == key)
            .and_then(|(_, s)| *s)
    }

    /// Every known standing, by patient.
    pub fn all(&self) -> HashMap<String, Standing> {
        self.done
            .iter()
            .filter_map(|(c, (_, s))| s.map(|s| (c.clone(), s)))
            .collect()
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standing_is_computed_once_per_key_and_dropped_when_the_records_change() {
        let mut s = Standings::default();
        assert!(!s.asked(&["P-1".into()], 1));
        assert!(
            s.asked(&["P-1".into()], 1),
            "the same rows and version ask nothing"
        );
        assert!(!s.asked(&["P-1".into()], 2));
        s.want("P-1", "k1".into());
        s.want("P-1", "k1".into());
        let (code, key) = s.next_to_run().expect("queued once");
        assert!(s.next_to_run().is_none());
        s.start(code.clone(), key.clone());
        s.want("P-1", "k1".into());
        assert!(
            s.next_to_run().is_none(),
            "running: neither queued again nor a second one started"
        );
        s.finished(code, key, Some(Standing::Behind));
        assert_eq!(s.known("P-1", "k1"), Some(Standing::Behind));
        s.want("P-1", "k1".into());
        assert!(
            s.next_to_run().is_none(),
            "known under this key: not computed again"
        );
        // New records: the old standing is no longer shown, and it is computed again.
        s.want("P-1", "k2".into());
        assert_eq!(s.known("P-1", "k1"), None);
        assert!(s.all().is_empty());
        assert_eq!(s.next_to_run(), Some(("P-1".into(), "k2".into())));
    }
}
