//! The list's "behind forecast" flag (issue 14.3): the app asks for the standings of the patients on the list's
//! screen, prepares one forecast at a time (the store is read on the UI thread, a few milliseconds) and runs it on
//! a worker thread, which reports with [`Msg::StandingDone`]; the list shows each flag once it is known. Without a
//! worker channel (tests, benches) nothing runs until [`App::run_standings`] is called.

use super::{App, Msg, Stacked};
use crate::model::Control;

impl App {
    /// Ask for the standings of the list's patients around the selection (those with a plan) whose records,
    /// plan or library changed since computed; cheap when nothing changed.
    pub(super) fn want_standings(&mut self) {
        let codes = self.list.window_codes();
        if self.standings.asked(&codes, self.version) {
            return;
        }
        for code in codes {
            match self.source.standing_key(&code) {
                Ok(Some(key)) => self.standings.want(&code, key),
                Ok(None) => self.standings.forget(&code),
                Err(e) => tracing::warn!("cannot read {code}'s records: {e:#}"),
            }
        }
        self.list.set_standings(self.standings.all());
        self.pump_standings();
    }

    /// Start the next patient's forecast on a worker thread, if none runs.
    fn pump_standings(&mut self) {
        let Some(tx) = self.jobs.clone() else {
            return;
        };
        while let Some((code, key)) = self.standings.next_to_run() {
            match self.source.standing_job(&code) {
                Ok(Some(job)) => {
                    self.standings.start(code.clone(), key.clone());
                    std::thread::spawn(move || {
                        let standing = job(&Control::default()).ok().flatten();
                        let _ = tx.send(Msg::StandingDone {
                            code,
                            key,
                            standing,
                        });
                    });
                    return;
                }
                Ok(None) => self.standings.finished(code, key, None),
                Err(e) => tracing::warn!("cannot forecast {code}'s plan: {e:#}"),
            }
        }
    }

    /// Compute every standing asked for, here and now (tests and benches, which have no worker thread).
    pub fn run_standings(&mut self) {
        self.want_standings();
        while let Some((code, key)) = self.standings.next_to_run() {
            let standing = match self.source.standing_job(&code) {
                Ok(Some(job)) => job(&Control::default()).ok().flatten(),
                _ => None,
            };
            self.standings.finished(code, key, standing);
        }
        self.list.set_standings(self.standings.all());
    }

    /// A worker computed a standing: the list (and an open overview of the patient) shows it; the next one starts.
    pub(super) fn standing_done(
        &mut self,
        code: String,
        key: String,
        standing: Option<crate::app::progress::Standing>,
    ) {
        for s in &mut self.stack {
            if let Stacked::Overview(o) = s
                && o.code() == code
                && standing.is_some()
            {
                o.standing = standing;
            }
        }
        self.standings.finished(code, key, standing);
        self.list.set_standings(self.standings.all());
        self.pump_standings();
    }

    /// The standing of `code` if it is known for the records as they are now.
    pub(super) fn known_standing(&self, code: &str) -> Option<crate::app::progress::Standing> {
        let key = self.source.standing_key(code).ok().flatten()?;
        self.standings.known(code, &key)
    }
}
