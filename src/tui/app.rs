//! The TUI's state and its one update function. Screens are a stack; keys go to the top screen first, then to the
//! global bindings. Screens ask for side effects by pushing [`Cmd`]s onto one queue, which the app runs after the
//! key is handled (the gitui pattern), so a screen never writes to the database itself.

use chrono::NaiveDateTime;
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use std::path::PathBuf;

use super::compare::CompareScreen;
use super::data::{Access, Source};
use super::drafts::{self, Draft};
use super::forms::Form;
use super::keymap::{self, Mode};
use super::list::ListScreen;
use super::overlays;
use super::overview::OverviewScreen;
use super::records::RecordsScreen;
pub use super::screen::Ctx;
use super::screen::{Outcome, Screen};
use super::widgets::footer;
use super::worker::{ForecastKey, Forecasts};

mod commands;
mod standings;
use crate::model::Comparison;

/// The smallest terminal Praxis draws in.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Whether a terminal of `width` x `height` is smaller than Praxis draws in.
pub fn too_small(width: u16, height: u16) -> bool {
    width < MIN_WIDTH || height < MIN_HEIGHT
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
        key: ForecastKey,
        result: Result<Comparison, String>,
    },
    /// A patient's standing against the plan's forecast, computed for the list's flag under `key`.
    StandingDone {
        code: String,
        key: String,
        standing: Option<crate::app::progress::Standing>,
    },
}

/// A screen above the list. The app names a screen's kind only to hand it a result (a saved record, a finished
/// forecast); everything else goes through the [`Screen`] contract.
#[derive(Debug, Clone)]
enum Stacked {
    Overview(Box<OverviewScreen>),
    Form(Form),
    Compare(Box<CompareScreen>),
    Records(Box<RecordsScreen>),
    Progress(Box<super::progress::ProgressScreen>),
}

impl Stacked {
    fn screen(&self) -> &dyn Screen {
        match self {
            Stacked::Overview(o) => o.as_ref(),
            Stacked::Form(f) => f,
            Stacked::Compare(c) => c.as_ref(),
            Stacked::Records(r) => r.as_ref(),
            Stacked::Progress(p) => p.as_ref(),
        }
    }

    fn screen_mut(&mut self) -> &mut dyn Screen {
        match self {
            Stacked::Overview(o) => o.as_mut(),
            Stacked::Form(f) => f,
            Stacked::Compare(c) => c.as_mut(),
            Stacked::Records(r) => r.as_mut(),
            Stacked::Progress(p) => p.as_mut(),
        }
    }
}

pub struct App {
    source: Box<dyn Source>,
    pub ctx: Ctx,
    list: ListScreen,
    /// Screens above the list.
    stack: Vec<Stacked>,
    help: bool,
    /// The warnings-and-access overlay is open.
    notices: bool,
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
    /// Finished comparisons, and the one running.
    forecasts: Forecasts,
    /// Where `R` writes reports; `None`: [`crate::app::report::default_dir`].
    report_dir: Option<PathBuf>,
    /// The list's patients' standings against their plans' forecasts.
    standings: super::worker::Standings,
    /// How far the help or the warnings overlay is scrolled (back to the top each time one opens).
    overlay_scroll: super::widgets::ScrollText,
    /// The terminal's size, once known (the loop sets it, then each resize): below the minimum, keys act unseen,
    /// so only quitting is obeyed.
    size: Option<(u16, u16)>,
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
        ctx.progressions = std::sync::Arc::new(
            source
                .protocols()
                .into_iter()
                .map(|p| (p.id, p.progression))
                .collect(),
        );
        let rows = source.list_patients()?;
        let version = source.data_version()?;
        // Who the user is and their role: read at start and on every refresh.
        let access = source.access()?;
        let warnings = source.warnings();
        ctx.access = access;
        Ok(App {
            list: ListScreen::new(rows, source.as_ref(), &ctx),
            source,
            ctx,
            stack: Vec::new(),
            help: false,
            notices: false,
            warnings,
            quit: false,
            status: None,
            version,
            hangup: false,
            interrupted: false,
            draft_offer: None,
            draft_path: None,
            jobs: None,
            forecasts: Forecasts::default(),
            report_dir: None,
            overlay_scroll: Default::default(),
            standings: Default::default(),
            size: None,
        })
    }

    pub fn source(&self) -> &dyn Source {
        self.source.as_ref()
    }

    /// The unfinished form on top, if any (drafts keep it).
    pub fn open_form(&self) -> Option<&Form> {
        self.stack.iter().rev().find_map(|s| match s {
            Stacked::Form(f) => Some(f),
            _ => None,
        })
    }

    /// Reopen a form (a draft kept from an earlier session).
    pub fn push_form(&mut self, mut form: Form) {
        form.sync(&self.ctx);
        // A draft keeps what was typed, not the patient's record: read it again for the rules' checks.
        if let Ok(d) = self.source.detail(form.patient_code()) {
            form.set_patient(&d);
        }
        self.stack.push(Stacked::Form(form));
    }

    /// Write reports into `dir` (tests) instead of the user's own reports folder.
    pub fn set_report_dir(&mut self, dir: PathBuf) {
        self.report_dir = Some(dir);
    }

    /// Run forecasts on worker threads that report on `tx`.
    pub fn set_worker_channel(&mut self, tx: std::sync::mpsc::Sender<Msg>) {
        self.jobs = Some(tx);
    }

    /// Offer a draft kept at `path` back to the user.
    pub fn offer_draft(&mut self, draft: Draft, path: PathBuf) {
        if Form::from_draft(&draft.form).is_none() {
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
            form: f.to_draft(),
        })
    }

    /// Who the user is and their role.
    pub fn access(&self) -> &Access {
        &self.ctx.access
    }

    /// What the footer and help offer this user.
    pub fn offer(&self) -> keymap::Offer {
        keymap::Offer {
            write: self.ctx.access.can_write(),
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
        self.top().mode()
    }

    /// The screen on top: the list when nothing is stacked on it.
    fn top(&self) -> &dyn Screen {
        self.stack.last().map_or(&self.list, Stacked::screen)
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

    /// The terminal is `width` x `height` (at start; a resize event says it again).
    pub fn set_size(&mut self, width: u16, height: u16) {
        self.size = Some((width, height));
    }

    pub fn set_status(&mut self, msg: impl Into<String>, error: bool) {
        self.status = Some((msg.into(), error));
    }

    /// Handle one message. Returns whether anything may have changed (the caller redraws then).
    pub fn update(&mut self, msg: Msg) -> bool {
        let redraw = self.update_inner(msg);
        // The list on top asks for its patients' flags (nothing when they are known and nothing changed).
        if self.stack.is_empty() && self.jobs.is_some() {
            self.want_standings();
        }
        redraw
    }

    fn update_inner(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Term(Event::Key(key)) => {
                if key.kind == KeyEventKind::Press {
                    self.key(key);
                    true
                } else {
                    false
                }
            }
            Msg::Term(Event::Resize(w, h)) => {
                self.set_size(w, h);
                true
            }
            Msg::Term(_) => false,
            Msg::DataChanged => self.refresh_if_changed(),
            Msg::Hangup => {
                self.hangup = true;
                self.quit = true;
                false
            }
            Msg::Progress => self.forecasts.is_running(),
            Msg::ForecastDone { key, result } => {
                self.forecast_done(key, result);
                true
            }
            Msg::StandingDone {
                code,
                key,
                standing,
            } => {
                self.standing_done(code, key, standing);
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
                self.ctx.access = a;
            }
            Err(e) => self.set_status(format!("cannot read your role: {e:#}"), true),
        }
        let screens = std::iter::once(&mut self.list as &mut dyn Screen)
            .chain(self.stack.iter_mut().map(Stacked::screen_mut));
        for s in screens {
            if let Err(e) = s.refresh(self.source.as_ref(), &self.ctx) {
                self.status = Some((e, true));
            }
        }
    }

    pub fn key(&mut self, key: KeyEvent) {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            self.interrupted = true;
            return;
        }
        if self.size.is_some_and(|(w, h)| too_small(w, h)) {
            // Nothing on screen says what a key would do: only quitting is obeyed, and an open form is kept as a
            // draft, as after Ctrl-C.
            if keymap::lookup(keymap::TOO_SMALL, &key) == Some(keymap::Action::Quit) {
                self.quit = true;
                self.interrupted = true;
            }
            return;
        }
        if self.help || self.notices {
            match keymap::lookup(keymap::HELP, &key) {
                Some(keymap::Action::Back) => {
                    self.help = false;
                    self.notices = false;
                }
                Some(a) => {
                    self.overlay_scroll.handle(a);
                }
                None => {}
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
                self.overlay_scroll.reset();
                return;
            }
            // Refuse here, before a form opens that could not be saved (the store would refuse the save too).
            Some(a) if a.writes() && !self.ctx.access.can_write() => {
                let what = self
                    .mode()
                    .table()
                    .iter()
                    .find(|bd| bd.action == a)
                    .map_or("that", |bd| bd.desc);
                self.set_status(
                    format!(
                        "not allowed: {} can only read here, so cannot {what} ({}: why)",
                        self.ctx.access.user,
                        keymap::key_name(Mode::List, keymap::Action::Notices)
                    ),
                    true,
                );
                return;
            }
            _ => {}
        }
        let mut cmds = Vec::new();
        let top: &mut dyn Screen = match self.stack.last_mut() {
            Some(s) => s.screen_mut(),
            None => &mut self.list,
        };
        let outcome = top.handle(&key, &self.ctx, &mut cmds);
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
                if let Some(form) = self
                    .draft_offer
                    .take()
                    .and_then(|d| Form::from_draft(&d.form))
                {
                    self.push_form(form);
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
        if too_small(area.width, area.height) {
            let msg = vec![
                Line::from(Span::styled("Praxis needs at least 80x24", t.warn())),
                Line::from(format!("this terminal is {}x{}", area.width, area.height)),
                Line::from(format!(
                    "enlarge the window, or {} or {} to quit",
                    keymap::name_in(keymap::TOO_SMALL, keymap::Action::Quit),
                    keymap::name_in(keymap::GLOBAL, keymap::Action::Quit)
                )),
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
                Line::from(Span::styled(self.list.counts(area.width), t.dim()))
            }
            None => Line::from(""),
        };
        // A message longer than the screen is wide wraps (up to 3 lines) rather than being cut.
        let status_para = Paragraph::new(status_line).wrap(Wrap { trim: true });
        let status_h = status_para.line_count(area.width).clamp(1, 3) as u16;
        let [head, body, notice_area, status, foot] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(10),
            Constraint::Length(notices.len() as u16),
            Constraint::Length(status_h),
            Constraint::Length(1),
        ])
        .areas(area);

        let mode = self.mode();
        let crumbs: Vec<String> = std::iter::once("Patients".to_string())
            .chain(self.stack.iter().map(|s| s.screen().title()))
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

        self.top().draw(f, body, &self.ctx);

        f.render_widget(status_para, status);
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
            overlays::help(
                f,
                over,
                t,
                self.top().mode(),
                self.offer(),
                &self.overlay_scroll,
            );
        } else if self.notices {
            overlays::notices(
                f,
                over,
                t,
                &self.ctx.access,
                &self.warnings,
                &self.overlay_scroll,
            );
        } else if let Some(d) = &self.draft_offer {
            overlays::draft_offer(f, body, t, d);
        }
    }

    /// The lines kept above the status line: that the user can only read, and the database's first warning.
    fn notice_lines(&self, width: u16) -> Vec<Line<'static>> {
        let t = &self.ctx.theme;
        let width = usize::from(width);
        let mut lines = Vec::new();
        if let Some(n) = self.ctx.access.read_only_notice() {
            lines.push(Line::from(Span::styled(
                super::widgets::cut(&n, width),
                t.warn(),
            )));
        }
        if let Some(first) = self.warnings.first() {
            let w = keymap::key_name(Mode::List, keymap::Action::Notices);
            let more = match self.warnings.len() {
                1 => format!(" ({w}: details)"),
                n => format!(" (+{} more, {w}: details)", n - 1),
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
}
