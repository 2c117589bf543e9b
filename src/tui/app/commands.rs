//! The command runner: the side effects screens ask for ([`Cmd`]), run after each key. The one place the TUI reads
//! an error from the use cases to tell a conflict (both versions shown) from any other refusal is `App::refused`.

use std::sync::Arc;

use super::{App, Msg, Stacked};
use crate::app::AppError;
use crate::model::{Comparison, Control};
use crate::tui::compare::{CompareScreen, Phase};
use crate::tui::data::FORECAST_DRAWS;
use crate::tui::forms::{Form, Theirs};
use crate::tui::keymap::{self, Action, Mode};
use crate::tui::overview::OverviewScreen;
use crate::tui::records::RecordsScreen;
use crate::tui::screen::Cmd;
use crate::tui::worker::{self, ForecastKey};

enum CmdKind {
    Forecast,
    Other,
}

impl App {
    pub(super) fn run(&mut self, cmd: Cmd) {
        let cmd_kind = match &cmd {
            Cmd::Forecast(_) => CmdKind::Forecast,
            _ => CmdKind::Other,
        };
        match cmd {
            Cmd::Quit => self.quit = true,
            Cmd::Help => {
                self.help = true;
                self.overlay_scroll.reset();
            }
            Cmd::Back => {
                self.stack.pop();
            }
            Cmd::Open(code) => match self.source.detail(&code) {
                Ok(d) => {
                    let mut o = OverviewScreen::new(d);
                    // Behind or ahead, when the list's flag knows it for these records.
                    o.standing = self.known_standing(&code);
                    self.stack.push(Stacked::Overview(Box::new(o)));
                }
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::Assess(code) => match self.source.detail(&code) {
                Ok(d) => self
                    .stack
                    .push(Stacked::Form(Form::assessment(&d, &self.ctx))),
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::LogSession(code) => match self.source.detail(&code) {
                Ok(d) => self.stack.push(Stacked::Form(Form::session(&d, &self.ctx))),
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::Forecast(code) | Cmd::Compare(code) => {
                let forecast = matches!(cmd_kind, CmdKind::Forecast);
                match self.source.detail(&code) {
                    Ok(d) => {
                        let pre: Vec<String> =
                            d.plan.iter().map(|p| p.protocol_id.clone()).collect();
                        let screen = CompareScreen::new(d, self.source.protocols(), &pre);
                        let ready = !screen.picked.is_empty();
                        self.stack.push(Stacked::Compare(Box::new(screen)));
                        if forecast && ready {
                            self.run(Cmd::RunForecast);
                        } else if forecast && pre.is_empty() {
                            self.set_status(
                                "No active plan: choose a protocol to forecast.",
                                false,
                            );
                        } else if forecast {
                            self.set_status(
                                format!(
                                    "The plan's protocol {:?} is not in the library: choose one.",
                                    pre[0]
                                ),
                                true,
                            );
                        }
                    }
                    Err(e) => self.set_status(format!("{e:#}"), true),
                }
            }
            Cmd::RunForecast => self.start_forecast(),
            Cmd::Records(code) => match self.source.records(&code) {
                Ok(rows) => {
                    let patient = self.source.detail(&code).ok().map(|d| d.patient);
                    self.stack.push(Stacked::Records(Box::new(
                        RecordsScreen::new(code, rows).of_patient(patient),
                    )))
                }
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::Status(msg) => self.set_status(msg, true),
            Cmd::Progress(code) => self.open_progress(&code),
            Cmd::Report(code) => self.write_report(&code, crate::app::report::ReportKind::Progress),
            Cmd::Discharge(code) => {
                self.write_report(&code, crate::app::report::ReportKind::Discharge)
            }
            Cmd::NewGoal(code) => match self.source.detail(&code) {
                Ok(d) => self.stack.push(Stacked::Form(Form::goal(&d, &self.ctx))),
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::ReviewGoal(code) => match self.source.detail(&code) {
                Ok(d) if d.goals.goals.is_empty() => self.set_status(
                    format!(
                        "{code} has no goals to review yet: {} adds one.",
                        keymap::key_name(Mode::Overview, Action::NewGoal)
                    ),
                    true,
                ),
                Ok(d) => self
                    .stack
                    .push(Stacked::Form(Form::goal_review(&d, &self.ctx))),
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::SaveGoal(g) => {
                let res = self.source.add_goal(&g);
                self.after_save(res.map(|g| {
                    format!(
                        "Goal #{} for {}: {}.",
                        g.id,
                        g.patient_code,
                        crate::app::goals::goal_title(&g)
                    )
                }));
            }
            Cmd::SaveGoalReview(r) => {
                let res = self.source.add_goal_review(&r);
                // The message gives the new GAS T-score, read with the saved review.
                let gas = res
                    .as_ref()
                    .ok()
                    .and_then(|r| self.source.detail(&r.patient_code).ok())
                    .and_then(|d| d.goals.gas)
                    .map_or(String::new(), |g| format!(" {}.", g.text()));
                self.after_save(res.map(|r| {
                    format!(
                        "Goal #{} reviewed: level {:+} ({}).{gas}",
                        r.goal_id,
                        r.level,
                        crate::domain::goals::gas_level_text(r.level)
                    )
                }));
            }
            Cmd::CorrectRecord(c, reason) => {
                let res = self.source.correct_record(&c, &reason);
                let (kind, old) = match &c {
                    crate::store::Correction::Assessment(a) => {
                        (crate::store::RecordKind::Assessment, a.id)
                    }
                    crate::store::Correction::Session(s) => {
                        (crate::store::RecordKind::Session, s.id)
                    }
                    crate::store::Correction::Plan(p) => (crate::store::RecordKind::Plan, p.id),
                    crate::store::Correction::Goal(g) => (crate::store::RecordKind::Goal, g.id),
                    crate::store::Correction::GoalReview(r) => {
                        (crate::store::RecordKind::GoalReview, r.id)
                    }
                };
                self.record_saved(res.map(|new| {
                    (
                        (kind, new),
                        format!("Corrected {} #{old}: now #{new}.", kind.name()),
                    )
                }));
            }
            Cmd::VoidRecord(kind, id, reason) => {
                let res = self.source.void_record(kind, id, &reason);
                self.record_saved(res.map(|()| {
                    (
                        (kind, id),
                        format!("Voided {} #{id}: {reason}.", kind.name()),
                    )
                }));
            }
            Cmd::NewPatient => {
                // Without the list, the first code is offered (the store refuses a code in use).
                let rows = self.source.list_patients().unwrap_or_default();
                let next =
                    crate::app::patients::next_code(rows.iter().map(|r| r.patient.code.as_str()));
                self.stack.push(Stacked::Form(Form::new_patient(next)));
            }
            Cmd::EditPatient(code) => match self.source.detail(&code) {
                Ok(d) => self
                    .stack
                    .push(Stacked::Form(Form::edit_patient(&d.patient))),
                Err(e) => self.set_status(format!("could not open {code}: {e:#}"), true),
            },
            Cmd::UpdatePatient(p) => match self.source.update_patient(&p) {
                Err(e) => self.refused(e),
                Ok(p) => self.after_save(Ok(format!("Saved patient {}.", p.code))),
            },
            Cmd::EditPlan(code) => match self.source.detail(&code) {
                Ok(d) => {
                    // The protocols designed for the patient's condition first: a new plan starts on one of them.
                    let kind = d.patient.condition.kind();
                    let mut protocols = self.source.protocols();
                    protocols.sort_by_key(|p| !p.conditions.contains(&kind));
                    let ids = protocols.into_iter().map(|p| p.id).collect();
                    self.stack
                        .push(Stacked::Form(Form::edit_plan(&d, ids, self.ctx.today)));
                }
                Err(e) => self.set_status(format!("could not open {code}: {e:#}"), true),
            },
            Cmd::UpdatePlan(p) => match self.source.update_plan(&p) {
                Err(e) => self.refused(e),
                Ok(p) => self.after_save(Ok(format!(
                    "Saved the plan of {} ({}, {}).",
                    p.patient_code,
                    p.protocol_id,
                    crate::tui::forms::plan_status(p.status)
                ))),
            },
            Cmd::SavePatient(p) => {
                let res = self.source.add_patient(&p);
                let saved = res.as_ref().ok().map(|p| p.code.clone());
                self.after_save(res.map(|p| {
                    format!(
                        "Added patient {}: press {} to enter the condition facts and profile.",
                        p.code,
                        keymap::key_name(Mode::Overview, Action::EditPatient)
                    )
                }));
                if let Some(code) = saved {
                    self.run(Cmd::Open(code));
                }
            }
            Cmd::SavePlan(plan) => match self.source.set_plan(&plan) {
                Ok(p) => {
                    self.stack.pop();
                    self.refresh();
                    self.set_status(
                        format!(
                            "Plan set: {} from {} for {}.",
                            p.protocol_id, p.start_date, p.patient_code
                        ),
                        false,
                    );
                }
                Err(e) => match self.stack.last_mut() {
                    Some(Stacked::Compare(c)) => c.plan_refused(format!("{e:#}")),
                    Some(Stacked::Form(f)) => f.refused(format!("{e:#}")),
                    _ => self.set_status(format!("not saved: {e:#}"), true),
                },
            },
            Cmd::LoadDemo => match self.source.load_demo() {
                Ok(()) => {
                    self.refresh();
                    self.set_status("Demo patients loaded.", false);
                }
                Err(e) => self.set_status(format!("could not load the demo: {e:#}"), true),
            },
            Cmd::SaveAssessment(a) => {
                let res = self.source.add_assessment(&a);
                self.after_save(res.map(|a| {
                    let short = crate::instruments::get(&a.instrument).map_or("", |i| i.short);
                    format!(
                        "Saved {short} {} for {} ({}).",
                        crate::tui::widgets::num(a.score),
                        a.patient_code,
                        a.date
                    )
                }));
            }
            Cmd::SaveSession(s) => {
                let res = self.source.add_session(&s);
                self.after_save(res.map(|s| {
                    format!(
                        "Logged {} min, {} reps of {} for {}.",
                        s.minutes, s.repetitions, s.protocol_id, s.patient_code
                    )
                }));
            }
        }
    }

    fn start_forecast(&mut self) {
        let Some(Stacked::Compare(c)) = self.stack.last_mut() else {
            return;
        };
        let key = ForecastKey::new(&c.detail, &c.picked);
        if let Some(hit) = self.forecasts.cached(&key) {
            c.finish(Ok(hit.clone()));
            return;
        }
        let job = match self.source.forecast_job(&c.detail.patient.code, &c.picked) {
            Ok(j) => j,
            Err(e) => {
                c.finish(Err(format!("{e:#}")));
                return;
            }
        };
        let ctl = Arc::new(Control::default());
        // The protocols and no treatment, the comparison's reference.
        c.total_draws = FORECAST_DRAWS * (c.picked.len() as u32 + 1);
        c.phase = Phase::Running(ctl.clone());
        self.forecasts.started(key.clone());
        self.run_forecast(key, job, ctl);
    }

    /// Run a forecast job on a worker thread when the app has one (its progress and result come back as messages),
    /// else here and now; the result lands under `key` either way.
    fn run_forecast(&mut self, key: ForecastKey, job: super::super::data::Job, ctl: Arc<Control>) {
        match &self.jobs {
            Some(tx) => {
                let (tick, done) = (tx.clone(), tx.clone());
                worker::spawn(
                    job,
                    ctl,
                    move || tick.send(Msg::Progress).is_ok(),
                    move |result| {
                        let _ = done.send(Msg::ForecastDone { key, result });
                    },
                );
            }
            None => {
                let result = worker::run(job, &ctl);
                self.forecast_done(key, result);
            }
        }
    }

    /// Write the patient's progress report or discharge summary into the reports folder (created private, mode
    /// 0700; the file 0600) and say where on the status line. The forecast it holds runs here: a few hundred draws,
    /// well under a second.
    fn write_report(&mut self, code: &str, kind: crate::app::report::ReportKind) {
        let dir = match &self.report_dir {
            Some(d) => Ok(d.clone()),
            None => crate::app::report::default_dir().ok_or_else(|| {
                anyhow::anyhow!("cannot find your home directory for the reports folder")
            }),
        };
        let res = dir.and_then(|d| {
            crate::tui::private::private_dir(&d)?;
            self.source.write_report(code, kind, &d, self.ctx.now)
        });
        match res {
            Ok(path) => self.set_status(
                format!(
                    "Report written: {}",
                    crate::domain::text::visible(&path.display().to_string())
                ),
                false,
            ),
            Err(e) => self.set_status(format!("no report written: {e:#}"), true),
        }
    }

    /// Open the progress screen and forecast the plan from its start on a worker (or take the cached forecast).
    fn open_progress(&mut self, code: &str) {
        let detail = match self.source.detail(code) {
            Ok(d) => d,
            Err(e) => return self.set_status(format!("{e:#}"), true),
        };
        let job = match self.source.progress_job(code) {
            Ok(j) => j,
            Err(e) => return self.set_status(format!("{e:#}"), true),
        };
        let Some((day0, what, job)) = job else {
            let screen = super::super::progress::ProgressScreen::new(detail, None);
            self.stack.push(Stacked::Progress(Box::new(screen)));
            return;
        };
        let key = ForecastKey::new(&detail, &[what]);
        let mut screen = super::super::progress::ProgressScreen::new(detail, Some(day0));
        if let Some(hit) = self.forecasts.cached(&key) {
            screen.finish(Ok(hit.clone()));
            self.stack.push(Stacked::Progress(Box::new(screen)));
            return;
        }
        self.stack.push(Stacked::Progress(Box::new(screen)));
        let ctl = Arc::new(Control::default());
        self.forecasts.started(key.clone());
        self.run_forecast(key, job, ctl);
    }

    pub(super) fn forecast_done(&mut self, key: ForecastKey, result: Result<Comparison, String>) {
        self.forecasts.finished(key, &result);
        if let Some(Stacked::Progress(p)) = self.stack.last_mut()
            && p.is_running()
        {
            p.finish(result);
            // The overview below learns the standing, for its flag.
            let standing = crate::app::progress::overall(&p.standings());
            let code = p.code().to_string();
            for s in &mut self.stack {
                if let Stacked::Overview(o) = s
                    && o.code() == code
                {
                    o.standing = standing;
                }
            }
            return;
        }
        // Only the screen still waiting for this forecast takes it (a cancelled one has moved on).
        if let Some(Stacked::Compare(c)) = self.stack.last_mut()
            && matches!(c.phase, Phase::Running(_))
        {
            c.finish(result);
        }
    }

    /// After correcting or voiding on the records screen: select the result, or keep the form with the refusal.
    fn record_saved(&mut self, res: anyhow::Result<((crate::store::RecordKind, i64), String)>) {
        match res {
            Ok((select, msg)) => {
                self.refresh();
                if let Some(Stacked::Records(r)) = self.stack.last_mut() {
                    r.saved(select);
                }
                self.set_status(msg, false);
            }
            Err(e) => {
                if let Some(Stacked::Records(r)) = self.stack.last_mut() {
                    r.refused(format!("{e:#}"));
                }
            }
        }
    }

    fn after_save(&mut self, res: anyhow::Result<String>) {
        match res {
            Ok(msg) => {
                self.stack.pop();
                self.refresh();
                self.set_status(msg, false);
            }
            Err(e) => {
                // Keep the form and everything typed; say why.
                if let Some(Stacked::Form(f)) = self.stack.last_mut() {
                    f.refused(format!("{e:#}"));
                } else {
                    self.set_status(format!("not saved: {e:#}"), true);
                }
            }
        }
    }

    /// A versioned save was refused: the use case's error says whether it was a conflict (show theirs beside the
    /// form) or anything else (keep the form and say why).
    fn refused(&mut self, e: AppError) {
        match (e, self.stack.last_mut()) {
            (AppError::PatientConflict { theirs, .. }, Some(Stacked::Form(f))) => {
                f.conflict_with(Theirs::Patient(theirs));
            }
            (AppError::PlanConflict { theirs, .. }, Some(Stacked::Form(f))) => {
                f.conflict_with(Theirs::Plan(*theirs));
            }
            (AppError::PatientConflict { .. } | AppError::PlanConflict { .. }, _) => {}
            (e, _) => self.after_save(Err(e.into())),
        }
    }
}
