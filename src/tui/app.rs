//! The TUI's state and its one update function. Screens are a stack; keys go to the top screen first, then to the
//! global bindings. Screens ask for side effects by pushing [`Cmd`]s onto one queue, which the app runs after the
//! key is handled (the gitui pattern), so a screen never writes to the database itself.

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, Wrap};

use std::path::PathBuf;

use super::compare::CompareScreen;
use super::data::{Access, Source};
use super::drafts::{self, Draft};
use super::forms::Form;
use super::keymap::{self, Mode};
use super::list::ListScreen;
use super::overview::OverviewScreen;
use super::records::RecordsScreen;
use super::theme::Theme;
use super::widgets::{centered, footer};
use crate::domain::{Assessment, SessionLog};
use crate::model::Comparison;

/// The smallest terminal Praxis draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// What screens may read while drawing and handling: the clock, the theme, protocol facts.
#[derive(Clone)]
pub struct Ctx {
    pub theme: Theme,
    pub today: NaiveDate,
    pub now: NaiveDateTime,
    /// Schedule facts of the library's protocols (weeks, minutes, repetitions, starting level), by id.
    pub schedules: std::sync::Arc<std::collections::HashMap<String, (u32, u32, u32, u32)>>,
    /// The user may change records (screens word their hints by it; the app refuses write keys otherwise).
    pub can_write: bool,
    /// The library as the shared rules check it (ids and highest levels): forms refuse what the store would.
    pub protocols: std::sync::Arc<crate::domain::rules::Protocols>,
}

impl Ctx {
    /// Length in weeks of a protocol, when the library knows it.
    pub fn plan_weeks(&self, id: &str) -> Option<u32> {
        self.schedules.get(id).map(|s| s.0)
    }

    /// Minutes and repetitions per session of a protocol, when known.
    pub fn plan_dose(&self, id: &str) -> Option<(u32, u32)> {
        self.schedules.get(id).map(|s| (s.1, s.2))
    }

    /// The level a protocol starts at, when known.
    pub fn start_level(&self, id: &str) -> Option<u32> {
        self.schedules.get(id).map(|s| s.3)
    }

    pub fn new(theme: Theme, now: NaiveDateTime) -> Ctx {
        Ctx {
            theme,
            today: now.date(),
            now,
            schedules: Default::default(),
            can_write: true,
            protocols: Default::default(),
        }
    }
}

/// Whether a screen used the key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Consumed,
    NotConsumed,
}

/// Side effects screens ask for.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Open(String),
    Assess(String),
    LogSession(String),
    Back,
    Quit,
    Help,
    LoadDemo,
    SaveAssessment(Assessment),
    SaveSession(SessionLog),
    /// Forecast under the active plan's protocol.
    Forecast(String),
    /// Choose protocols to compare.
    Compare(String),
    /// Run the forecast chosen on the top compare screen.
    RunForecast,
    SavePlan(crate::domain::Plan),
    NewPatient,
    SavePatient(crate::domain::Patient),
    /// Open the patient editor.
    EditPatient(String),
    /// Save an edited patient (versioned).
    UpdatePatient(crate::domain::Patient),
    /// Open the plan editor on the active plan.
    EditPlan(String),
    /// Save an edited plan (versioned).
    UpdatePlan(crate::domain::Plan),
    /// Open the patient's records, to correct or void one.
    Records(String),
    /// Correct a record, with the reason.
    CorrectRecord(crate::store::Correction, String),
    /// Void a record, with the reason.
    VoidRecord(crate::store::RecordKind, i64, String),
    /// Say something on the status line (an error).
    Status(String),
}

enum CmdKind {
    Forecast,
    Other,
}

/// Messages to the UI thread: from the terminal, the database poller and the signal handler.
#[derive(Debug, Clone)]
pub enum Msg {
    Term(Event),
    /// The database changed (another process, or this one).
    DataChanged,
    /// The terminal went away (SIGHUP): keep unfinished forms as drafts and quit.
    Hangup,
    /// A forecast worker made progress (redraw the bar).
    Progress,
    /// A forecast worker finished.
    ForecastDone {
        key: String,
        result: Result<Comparison, String>,
    },
}

#[derive(Debug, Clone)]
pub enum Screen {
    List(ListScreen),
    Overview(OverviewScreen),
    Form(Form),
    Compare(Box<CompareScreen>),
    Records(Box<RecordsScreen>),
}

pub struct App {
    source: Box<dyn Source>,
    pub ctx: Ctx,
    list: ListScreen,
    /// Screens above the list.
    stack: Vec<Screen>,
    help: bool,
    /// The warnings-and-access overlay is open.
    notices: bool,
    /// Who the user is and their role, read at start and on every refresh.
    access: Access,
    /// The store's warnings about the database file.
    warnings: Vec<String>,
    pub quit: bool,
    status: Option<(String, bool)>,
    version: i64,
    /// The terminal went away: the loop keeps the open form as a draft.
    pub hangup: bool,
    /// Ctrl-C ended Praxis (an open form is kept as a draft, as after a hang-up).
    pub interrupted: bool,
    /// A draft from an earlier session, offered back, and where it lives.
    draft_offer: Option<Draft>,
    draft_path: Option<PathBuf>,
    /// Where workers report; without one (tests) forecasts run inline.
    jobs: Option<std::sync::mpsc::Sender<Msg>>,
    /// Finished comparisons, by patient, protocols and the assessments they were built on.
    cache: std::collections::HashMap<String, Comparison>,
    /// The key of the running forecast.
    running: Option<String>,
}

impl App {
    pub fn new(source: Box<dyn Source>, mut ctx: Ctx) -> anyhow::Result<App> {
        ctx.schedules = std::sync::Arc::new(
            source
                .protocols()
                .iter()
                .map(|p| {
                    let s = &p.schedule;
                    (
                        p.id.clone(),
                        (
                            s.weeks,
                            s.minutes_per_session.round() as u32,
                            s.repetitions_per_session,
                            p.progression.start_level,
                        ),
                    )
                })
                .collect(),
        );
        ctx.protocols = std::sync::Arc::new(crate::app::protocols::rules_of(&source.protocols()));
        let rows = source.list_patients()?;
        let version = source.data_version()?;
        let access = source.access()?;
        let warnings = source.warnings();
        ctx.can_write = access.can_write();
        Ok(App {
            list: ListScreen::new(rows, &ctx),
            source,
            ctx,
            stack: Vec::new(),
            help: false,
            notices: false,
            access,
            warnings,
            quit: false,
            status: None,
            version,
            hangup: false,
            interrupted: false,
            draft_offer: None,
            draft_path: None,
            jobs: None,
            cache: Default::default(),
            running: None,
        })
    }

    pub fn source(&self) -> &dyn Source {
        self.source.as_ref()
    }

    /// The unfinished form on top, if any (drafts keep it).
    pub fn open_form(&self) -> Option<&Form> {
        self.stack.iter().rev().find_map(|s| match s {
            Screen::Form(f) => Some(f),
            _ => None,
        })
    }

    /// Reopen a form (a draft kept from an earlier session).
    pub fn push_form(&mut self, mut form: Form) {
        form.sync(&self.ctx);
        // A draft keeps what was typed, not the patient's record: read it again for the rules' checks.
        if let Ok(d) = self.source.detail(&form.patient_code) {
            form.rules
                .set_patient(&d, form.kind == super::forms::FormKind::Assessment);
        }
        self.stack.push(Screen::Form(form));
    }

    /// Run forecasts on worker threads that report on `tx`.
    pub fn set_worker_channel(&mut self, tx: std::sync::mpsc::Sender<Msg>) {
        self.jobs = Some(tx);
    }

    /// Offer a draft kept at `path` back to the user.
    pub fn offer_draft(&mut self, draft: Draft, path: PathBuf) {
        if !draft.form.is_consistent() {
            // Kept by a Praxis whose form had other fields: reopening it could put text in the wrong field.
            self.set_status(
                format!(
                    "an unfinished form kept by an older Praxis cannot be reopened; it is left in {}",
                    path.display()
                ),
                true,
            );
            return;
        }
        self.draft_offer = Some(draft);
        self.draft_path = Some(path);
    }

    /// The unfinished form, as a draft to keep.
    pub fn draft(&self) -> Option<Draft> {
        self.open_form().map(|f| Draft {
            saved_at: self.ctx.now,
            form: f.clone(),
        })
    }

    /// Who the user is and their role.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// What the footer and help offer this user.
    pub fn offer(&self) -> keymap::Offer {
        keymap::Offer {
            write: self.access.can_write(),
            warnings: !self.warnings.is_empty(),
        }
    }

    pub fn mode(&self) -> Mode {
        if self.help {
            return Mode::Help;
        }
        if self.notices {
            return Mode::Notices;
        }
        if self.draft_offer.is_some() {
            return Mode::Draft;
        }
        match self.stack.last() {
            None => self.list.mode(),
            Some(Screen::Overview(_)) => Mode::Overview,
            Some(Screen::Form(f)) if f.in_conflict() => Mode::Conflict,
            Some(Screen::Form(_)) => Mode::Form,
            Some(Screen::List(l)) => l.mode(),
            Some(Screen::Compare(c)) => c.mode(),
            Some(Screen::Records(r)) => r.mode(),
        }
    }

    /// Move the clock (the loop calls this before each message): forms pre-fill the current time, and on a new
    /// day the list's flags are worked out again.
    pub fn set_now(&mut self, now: NaiveDateTime) {
        let new_day = now.date() != self.ctx.today;
        self.ctx.now = now;
        self.ctx.today = now.date();
        if new_day {
            self.refresh();
        }
    }

    /// Add a problem noticed at start that does not stop work (e.g. no log could be opened) to the warnings.
    pub fn add_warning(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    pub fn set_status(&mut self, msg: impl Into<String>, error: bool) {
        self.status = Some((msg.into(), error));
    }

    /// Handle one message. Returns whether anything may have changed (the caller redraws then).
    pub fn update(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Term(Event::Key(key)) => {
                if key.kind == KeyEventKind::Press {
                    self.key(key);
                    true
                } else {
                    false
                }
            }
            Msg::Term(Event::Resize(..)) => true,
            Msg::Term(_) => false,
            Msg::DataChanged => self.refresh_if_changed(),
            Msg::Hangup => {
                self.hangup = true;
                self.quit = true;
                false
            }
            Msg::Progress => self.running.is_some(),
            Msg::ForecastDone { key, result } => {
                self.forecast_done(key, result);
                true
            }
        }
    }

    /// Re-read the open screens when the database's data version moved.
    pub fn refresh_if_changed(&mut self) -> bool {
        match self.source.data_version() {
            Ok(v) if v != self.version => {
                self.refresh();
                true
            }
            Ok(_) => false,
            Err(e) => {
                self.set_status(format!("cannot read the database: {e:#}"), true);
                true
            }
        }
    }

    fn refresh(&mut self) {
        if let Ok(v) = self.source.data_version() {
            self.version = v;
        }
        // An admin may have changed the user's role meanwhile.
        match self.source.access() {
            Ok(a) => {
                self.ctx.can_write = a.can_write();
                self.access = a;
            }
            Err(e) => self.set_status(format!("cannot read your role: {e:#}"), true),
        }
        match self.source.list_patients() {
            Ok(rows) => self.list.set_rows(rows, &self.ctx),
            Err(e) => self.set_status(format!("cannot read the patient list: {e:#}"), true),
        }
        for s in &mut self.stack {
            if let Screen::Compare(c) = s
                && let Ok(d) = self.source.detail(c.code())
            {
                c.detail = d;
            }
            if let Screen::Records(r) = s {
                match self.source.records(r.code()) {
                    Ok(rows) => r.set_rows(rows),
                    Err(e) => {
                        self.status = Some((format!("cannot read {}: {e:#}", r.code()), true))
                    }
                }
            }
            if let Screen::Overview(o) = s {
                match self.source.detail(o.code()) {
                    Ok(d) => o.detail = d,
                    Err(e) => {
                        self.status = Some((format!("cannot read {}: {e:#}", o.code()), true));
                    }
                }
            }
        }
    }

    pub fn key(&mut self, key: KeyEvent) {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            self.interrupted = true;
            return;
        }
        if self.help || self.notices {
            if keymap::lookup(keymap::HELP, &key).is_some() {
                self.help = false;
                self.notices = false;
            }
            return;
        }
        // A message stays until the next key.
        self.status = None;
        if self.draft_offer.is_some() {
            self.draft_key(&key);
            return;
        }
        match keymap::lookup(self.mode().table(), &key) {
            Some(keymap::Action::Notices) => {
                self.notices = true;
                return;
            }
            // Refuse here, before a form opens that could not be saved (the store would refuse the save too).
            Some(a) if a.writes() && !self.access.can_write() => {
                let what = self
                    .mode()
                    .table()
                    .iter()
                    .find(|bd| bd.action == a)
                    .map_or("that", |bd| bd.desc);
                self.set_status(
                    format!(
                        "not allowed: {} can only read here, so cannot {what} (w: why)",
                        self.access.user
                    ),
                    true,
                );
                return;
            }
            _ => {}
        }
        let mut cmds = Vec::new();
        let outcome = match self.stack.last_mut() {
            None => self.list.handle(&key, &mut cmds),
            Some(Screen::List(l)) => l.handle(&key, &mut cmds),
            Some(Screen::Overview(o)) => o.handle(&key, &mut cmds),
            Some(Screen::Form(f)) => {
                f.sync(&self.ctx);
                f.handle(&key, &mut cmds)
            }
            Some(Screen::Compare(c)) => c.handle(&key, &self.ctx, &mut cmds),
            Some(Screen::Records(r)) => r.handle(&key, &mut cmds),
        };
        if outcome == Outcome::NotConsumed {
            tracing::debug!(?key, "key not bound in this mode");
        }
        for c in cmds {
            self.run(c);
        }
    }

    fn draft_key(&mut self, key: &KeyEvent) {
        let action = keymap::lookup(keymap::DRAFT, key);
        let remove = match action {
            Some(keymap::Action::Open) => {
                if let Some(d) = self.draft_offer.take() {
                    self.push_form(d.form);
                }
                true
            }
            Some(keymap::Action::Discard) => {
                self.draft_offer = None;
                self.set_status("Draft discarded.", false);
                true
            }
            Some(keymap::Action::Back) => {
                self.draft_offer = None;
                self.set_status(
                    "The draft is kept; it is offered again at the next start.",
                    false,
                );
                false
            }
            _ => return,
        };
        if remove
            && let Some(p) = self.draft_path.take()
            && let Err(e) = drafts::remove(&p)
        {
            self.set_status(format!("{e:#}"), true);
        }
    }

    fn run(&mut self, cmd: Cmd) {
        let cmd_kind = match &cmd {
            Cmd::Forecast(_) => CmdKind::Forecast,
            _ => CmdKind::Other,
        };
        match cmd {
            Cmd::Quit => self.quit = true,
            Cmd::Help => self.help = true,
            Cmd::Back => {
                self.stack.pop();
            }
            Cmd::Open(code) => match self.source.detail(&code) {
                Ok(d) => self.stack.push(Screen::Overview(OverviewScreen::new(d))),
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::Assess(code) => match self.source.detail(&code) {
                Ok(d) => self
                    .stack
                    .push(Screen::Form(Form::assessment(&d, &self.ctx))),
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::LogSession(code) => match self.source.detail(&code) {
                Ok(d) => self.stack.push(Screen::Form(Form::session(&d, &self.ctx))),
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
                        self.stack.push(Screen::Compare(Box::new(screen)));
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
                Ok(rows) => self
                    .stack
                    .push(Screen::Records(Box::new(RecordsScreen::new(code, rows)))),
                Err(e) => self.set_status(format!("{e:#}"), true),
            },
            Cmd::Status(msg) => self.set_status(msg, true),
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
                let next = self
                    .source
                    .list_patients()
                    .ok()
                    .and_then(|rows| {
                        rows.iter()
                            .filter_map(|r| r.patient.code.strip_prefix("P-")?.parse::<u32>().ok())
                            .max()
                    })
                    .map_or(1, |n| n + 1);
                self.stack
                    .push(Screen::Form(Form::new_patient(format!("P-{next:04}"))));
            }
            Cmd::EditPatient(code) => match self.source.detail(&code) {
                Ok(d) => self
                    .stack
                    .push(Screen::Form(Form::edit_patient(&d.patient))),
                Err(e) => self.set_status(format!("could not open {code}: {e:#}"), true),
            },
            Cmd::UpdatePatient(p) => match self.source.update_patient(&p) {
                Err(crate::app::AppError::PatientConflict { theirs, .. }) => {
                    if let Some(Screen::Form(f)) = self.stack.last_mut() {
                        f.theirs = Some(theirs);
                    }
                }
                Err(e) => self.after_save(Err(e.into())),
                Ok(p) => self.after_save(Ok(format!("Saved patient {}.", p.code))),
            },
            Cmd::EditPlan(code) => match self.source.detail(&code) {
                Ok(d) => {
                    let ids = self.source.protocols().into_iter().map(|p| p.id).collect();
                    self.stack
                        .push(Screen::Form(Form::edit_plan(&d, ids, self.ctx.today)));
                }
                Err(e) => self.set_status(format!("could not open {code}: {e:#}"), true),
            },
            Cmd::UpdatePlan(p) => match self.source.update_plan(&p) {
                Err(crate::app::AppError::PlanConflict { theirs, .. }) => {
                    if let Some(Screen::Form(f)) = self.stack.last_mut() {
                        f.theirs_plan = Some(*theirs);
                    }
                }
                Err(e) => self.after_save(Err(e.into())),
                Ok(p) => self.after_save(Ok(format!(
                    "Saved the plan of {} ({}, {}).",
                    p.patient_code,
                    p.protocol_id,
                    super::forms::plan_status(p.status)
                ))),
            },
            Cmd::SavePatient(p) => {
                let res = self.source.add_patient(&p);
                let saved = res.as_ref().ok().map(|p| p.code.clone());
                self.after_save(res.map(|p| {
                    format!(
                        "Added patient {}: press e to enter the condition facts and profile.",
                        p.code
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
                    Some(Screen::Compare(c)) => c.plan_refused(format!("{e:#}")),
                    Some(Screen::Form(f)) => f.save_error = Some(format!("{e:#}")),
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
                        super::widgets::num(a.score),
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
        let Some(Screen::Compare(c)) = self.stack.last_mut() else {
            return;
        };
        let d = &c.detail;
        let key = format!(
            "{}|{}|{}|{:?}",
            d.patient.code,
            c.picked.join(","),
            d.assessments.len(),
            d.assessments
                .last()
                .map(|a| (a.id, a.date, a.score.to_bits()))
        );
        if let Some(hit) = self.cache.get(&key) {
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
        let ctl = std::sync::Arc::new(crate::model::Control::default());
        c.total_draws = super::data::FORECAST_DRAWS * c.picked.len() as u32;
        c.phase = super::compare::Phase::Running(ctl.clone());
        self.running = Some(key.clone());
        match &self.jobs {
            Some(tx) => {
                let tx = tx.clone();
                std::thread::spawn(move || {
                    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                    let ticker = {
                        let (tx, done) = (tx.clone(), done.clone());
                        std::thread::spawn(move || {
                            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                                std::thread::sleep(std::time::Duration::from_millis(150));
                                if tx.send(Msg::Progress).is_err() {
                                    break;
                                }
                            }
                        })
                    };
                    let result = job(&ctl).map_err(|e| e.to_string());
                    done.store(true, std::sync::atomic::Ordering::Relaxed);
                    let _ = ticker.join();
                    let _ = tx.send(Msg::ForecastDone { key, result });
                });
            }
            None => {
                let result = job(&ctl).map_err(|e| e.to_string());
                self.forecast_done(key, result);
            }
        }
    }

    fn forecast_done(&mut self, key: String, result: Result<Comparison, String>) {
        if self.running.as_deref() == Some(key.as_str()) {
            self.running = None;
        }
        if let Ok(c) = &result {
            self.cache.insert(key.clone(), c.clone());
        }
        // Only the screen still waiting for this forecast takes it (a cancelled one has moved on).
        if let Some(Screen::Compare(c)) = self.stack.last_mut()
            && matches!(c.phase, super::compare::Phase::Running(_))
        {
            c.finish(result);
        }
    }

    /// After correcting or voiding on the records screen: select the result, or keep the form with the refusal.
    fn record_saved(&mut self, res: anyhow::Result<((crate::store::RecordKind, i64), String)>) {
        match res {
            Ok((select, msg)) => {
                self.refresh();
                if let Some(Screen::Records(r)) = self.stack.last_mut() {
                    r.saved(select);
                }
                self.set_status(msg, false);
            }
            Err(e) => {
                if let Some(Screen::Records(r)) = self.stack.last_mut() {
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
                if let Some(Screen::Form(f)) = self.stack.last_mut() {
                    f.save_error = Some(format!("{e:#}"));
                } else {
                    self.set_status(format!("not saved: {e:#}"), true);
                }
            }
        }
    }

    /// Draw the whole screen. Never changes state.
    /// Draw the whole screen; whatever a screen drew, no character that the terminal would obey reaches it
    /// ([`super::widgets::scrub`]).
    pub fn draw(&self, f: &mut Frame) {
        self.draw_screens(f);
        super::widgets::scrub(f.buffer_mut());
    }

    fn draw_screens(&self, f: &mut Frame) {
        let area = f.area();
        let t = &self.ctx.theme;
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let msg = vec![
                Line::from(Span::styled("Praxis needs at least 80x24", t.warn())),
                Line::from(format!("this terminal is {}x{}", area.width, area.height)),
                Line::from("enlarge the window, or Ctrl-C to quit"),
            ];
            let r = Rect {
                y: area.y + area.height.saturating_sub(3) / 2,
                height: 3.min(area.height),
                ..area
            };
            f.render_widget(
                Paragraph::new(msg)
                    .alignment(ratatui::layout::Alignment::Center)
                    .wrap(Wrap { trim: true }),
                r,
            );
            return;
        }
        let notices = self.notice_lines(area.width);
        let [head, body, notice_area, status, foot] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(10),
            Constraint::Length(notices.len() as u16),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);

        let mode = self.mode();
        let crumbs: Vec<String> = std::iter::once("Patients".to_string())
            .chain(self.stack.iter().map(|s| match s {
                Screen::List(_) => "Patients".into(),
                Screen::Overview(o) => o.code().to_string(),
                Screen::Compare(_) => "forecast".to_string(),
                Screen::Records(_) => "records".to_string(),
                Screen::Form(fm) => match fm.kind {
                    super::forms::FormKind::Assessment => "new assessment".into(),
                    super::forms::FormKind::Session => "log session".into(),
                    super::forms::FormKind::NewPatient => "new patient".into(),
                    super::forms::FormKind::EditPatient => "edit patient".into(),
                    super::forms::FormKind::EditPlan => "edit plan".into(),
                },
            }))
            .collect();
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(" Praxis ", t.selected()),
                Span::raw(" "),
                Span::styled(crumbs.join(" › "), t.title()),
                Span::styled(format!("   {}", self.ctx.today), t.dim()),
            ])),
            head,
        );

        match self.stack.last() {
            None => self.list.draw(f, body, &self.ctx),
            Some(Screen::List(l)) => l.draw(f, body, &self.ctx),
            Some(Screen::Overview(o)) => o.draw(f, body, &self.ctx),
            Some(Screen::Form(fm)) => fm.draw(f, body, &self.ctx),
            Some(Screen::Compare(c)) => c.draw(f, body, &self.ctx),
            Some(Screen::Records(r)) => r.draw(f, body, &self.ctx),
        }

        let status_line = match &self.status {
            // Messages quote the user's text (an error naming a value): shown, never obeyed.
            Some((msg, true)) => Line::from(Span::styled(
                format!("✗ {}", crate::domain::text::visible(msg)),
                t.error(),
            )),
            Some((msg, false)) => Line::from(Span::styled(
                format!("✓ {}", crate::domain::text::visible(msg)),
                t.good(),
            )),
            None if !self.list.is_empty_db() => {
                Line::from(Span::styled(self.list.counts(), t.dim()))
            }
            None => Line::from(""),
        };
        f.render_widget(Paragraph::new(status_line), status);
        f.render_widget(Paragraph::new(notices), notice_area);
        f.render_widget(
            Paragraph::new(footer(mode, self.offer(), t, foot.width)),
            foot,
        );

        // Overlays may cover the status lines too (the footer says how to close them).
        let over = Rect {
            height: foot.y - body.y,
            ..body
        };
        if self.help {
            self.draw_help(f, over);
        } else if self.notices {
            self.draw_notices(f, over);
        } else if let Some(d) = &self.draft_offer {
            let what = match d.form.kind {
                super::forms::FormKind::Assessment => "an assessment",
                super::forms::FormKind::Session => "a session log",
                super::forms::FormKind::NewPatient => "a new patient",
                super::forms::FormKind::EditPatient => "a patient edit",
                super::forms::FormKind::EditPlan => "a plan edit",
            };
            let lines = vec![
                Line::from(Span::styled("An unfinished form was kept", t.title())),
                Line::from(""),
                Line::from(format!(
                    "{what} for {}, left open at {} when the terminal went away.",
                    d.form.patient_code,
                    d.saved_at.format("%Y-%m-%d %H:%M")
                )),
                Line::from(""),
                Line::from(vec![
                    Span::styled("Enter", t.key()),
                    Span::raw(" reopen it   "),
                    Span::styled("x", t.key()),
                    Span::raw(" discard it   "),
                    Span::styled("Esc", t.key()),
                    Span::raw(" decide later"),
                ]),
            ];
            let r = centered(body, 70, 9);
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(lines)
                    .wrap(Wrap { trim: true })
                    .block(Block::bordered().border_style(t.focus_border())),
                r,
            );
        }
    }

    /// The lines kept above the status line: that the user can only read, and the database's first warning.
    fn notice_lines(&self, width: u16) -> Vec<Line<'static>> {
        let t = &self.ctx.theme;
        let width = usize::from(width);
        let mut lines = Vec::new();
        if let Some(n) = self.access.read_only_notice() {
            lines.push(Line::from(Span::styled(
                super::widgets::cut(&n, width),
                t.warn(),
            )));
        }
        if let Some(first) = self.warnings.first() {
            let more = match self.warnings.len() {
                1 => " (w: details)".to_string(),
                n => format!(" (+{} more, w: details)", n - 1),
            };
            let room = width.saturating_sub(2 + more.chars().count());
            lines.push(Line::from(vec![
                Span::styled("⚠ ", t.warn()),
                Span::styled(super::widgets::cut(first, room), t.warn()),
                Span::styled(more, t.dim()),
            ]));
        }
        lines
    }

    fn draw_notices(&self, f: &mut Frame, area: Rect) {
        let t = &self.ctx.theme;
        let w = 72u16.min(area.width);
        let inner = usize::from(w.saturating_sub(2)).max(1);
        let mut paras: Vec<(String, ratatui::style::Style)> =
            vec![(self.access.explain(), t.text())];
        if self.warnings.is_empty() {
            paras.push(("No warnings about the database file.".into(), t.dim()));
        } else {
            for warning in &self.warnings {
                paras.push((
                    format!("⚠ {}", crate::domain::text::visible(warning)),
                    t.warn(),
                ));
            }
        }
        let mut lines = Vec::new();
        let mut height = 2u16;
        for (i, (text, style)) in paras.into_iter().enumerate() {
            if i > 0 {
                lines.push(Line::from(""));
                height += 1;
            }
            // Generous: words wrap before the edge.
            height += (text.chars().count() / inner.saturating_sub(8).max(1)) as u16 + 1;
            lines.push(Line::from(Span::styled(text, style)));
        }
        let r = centered(area, w, height);
        f.render_widget(Clear, r);
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(" Warnings and access ", t.title()))
                    .title_bottom(" Esc closes "),
            ),
            r,
        );
    }

    fn draw_help(&self, f: &mut Frame, area: Rect) {
        let t = &self.ctx.theme;
        // The help lists the keys of the screen under it, then the ones that work everywhere.
        let under = {
            let mut copy = self.stack.last().cloned();
            match copy.take() {
                None => self.list.mode(),
                Some(Screen::Overview(_)) => Mode::Overview,
                Some(Screen::Form(_)) => Mode::Form,
                Some(Screen::List(l)) => l.mode(),
                Some(Screen::Compare(c)) => c.mode(),
                Some(Screen::Records(r)) => r.mode(),
            }
        };
        let offer = self.offer();
        let mut rows: Vec<Row> = under
            .table()
            .iter()
            .chain(keymap::GLOBAL.iter())
            .filter(|bd| offer.in_help(bd))
            .map(|bd| Row::new(vec![keymap::keys_label(bd), bd.desc.to_string()]))
            .collect();
        if under.is_text() {
            rows.push(Row::new(vec![
                "letters".to_string(),
                "type into the field (q, j and ? too)".to_string(),
            ]));
            rows.push(Row::new(vec![
                "^U".to_string(),
                "empty the field (in the patient editor: unknown)".to_string(),
            ]));
        }
        // Without room for every row, the column header goes first (the title says what the rows are).
        let with_header = rows.len() as u16 + 3 <= area.height;
        let h = rows.len() as u16 + 2 + u16::from(with_header);
        let r = centered(area, 64, h);
        f.render_widget(Clear, r);
        let mut table = Table::new(rows, [Constraint::Length(18), Constraint::Min(20)]);
        if with_header {
            table = table.header(Row::new(vec!["Key", "Action"]).style(t.header()));
        }
        f.render_widget(
            table.block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(
                        format!(" Help: {} ", under.title()),
                        t.title(),
                    ))
                    .title_bottom(" Esc closes "),
            ),
            r,
        );
    }
}
