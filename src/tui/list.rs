//! The patient list: search as you type, sort, flags, a status line with counts, and a detail pane.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};

use super::data::PatientRow;
use super::keymap::{self, Action, Mode};
use super::screen::{Cmd, Ctx, Outcome, Screen};
use super::widgets::{TextField, ago, cut};
use crate::domain::Condition;

/// The list's flags are the use case's: the command line shows the same.
pub use crate::app::patients::{Flag, PLAN_ENDING_DAYS, PlanTerms, flags};
use crate::app::progress::Standing;

/// How many rows the list asks flags for at a time: a block of them around the selection (the screen shows fewer).
const FLAG_BLOCK: usize = 40;

/// The letter of a standing in the list's flags: B behind the plan's forecast, A ahead of it (the command line's
/// list shows the same).
pub fn standing_symbol(s: Standing) -> char {
    s.symbol()
}

/// Short condition text for the list column.
pub fn condition_short(c: &Condition) -> String {
    match c {
        Condition::Stroke(f) => match f.onset_date {
            Some(_) => "stroke".into(),
            None => "stroke".into(),
        },
        Condition::Parkinsons(f) => match f.hoehn_yahr {
            Some(hy) => format!("PD H&Y {}", super::widgets::num(hy)),
            None => "Parkinson's".into(),
        },
        Condition::CerebellarAtaxia(f) => match &f.ataxia_type {
            Some(t) => format!("ataxia {t}"),
            None => "cerebellar ataxia".into(),
        },
        Condition::OlderAdult(_) => "older adult".into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Code,
    Flags,
    LastSession,
    Condition,
}

impl Sort {
    fn next(self) -> Sort {
        match self {
            Sort::Code => Sort::Flags,
            Sort::Flags => Sort::LastSession,
            Sort::LastSession => Sort::Condition,
            Sort::Condition => Sort::Code,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Sort::Code => "code",
            Sort::Flags => "flags first",
            Sort::LastSession => "longest without a session",
            Sort::Condition => "condition",
        }
    }
}

#[derive(Debug, Clone)]
struct Item {
    row: PatientRow,
    flags: Vec<Flag>,
    /// The plan's sessions left of its course's, counted when its weeks are ending.
    left: Option<(u32, u32)>,
    /// Text the search matches, folded (lower case, no accents): code, name, condition.
    haystack: String,
}

#[derive(Debug, Clone)]
pub struct ListScreen {
    items: Vec<Item>,
    /// Indices into `items`, in display order.
    visible: Vec<usize>,
    selected: usize,
    pub search: TextField,
    pub searching: bool,
    sort: Sort,
    /// Each patient's standing against the plan's forecast, once computed (the app computes them off the UI
    /// thread, issue 14.3): behind or ahead is the list's fourth flag.
    standings: std::collections::HashMap<String, Standing>,
    /// The sessions done of each plan whose weeks are ending (QA 19), by patient, with what the count was read
    /// for: read again only when the patient's sessions or plan change.
    plan_done: std::collections::HashMap<String, (DoneKey, Option<u32>)>,
}

/// What a patient's count of plan sessions depends on, as the list's row shows it: plan, start, sessions and the
/// latest of them.
type DoneKey = (
    Option<String>,
    Option<chrono::NaiveDate>,
    i64,
    Option<chrono::NaiveDateTime>,
);

/// The sessions of a patient's active plan done, read from their records (current ones): `None` when they cannot
/// be read.
fn read_plan_done(source: &dyn super::data::Source, row: &PatientRow) -> Option<u32> {
    use super::records::Entry;
    use crate::store::{HistoryEntry, RecordStatus};
    let (protocol, start) = (row.plan_protocol.as_deref()?, row.plan_start?);
    let sessions: Vec<crate::domain::SessionLog> = source
        .records(&row.patient.code)
        .ok()?
        .into_iter()
        .filter(|r| r.meta.status == RecordStatus::Current)
        .filter_map(|r| match r.entry {
            Entry::History(HistoryEntry::Session(s)) => Some(s),
            _ => None,
        })
        .collect();
    Some(crate::app::patients::plan_sessions_done(
        &sessions, protocol, start,
    ))
}

impl ListScreen {
    pub fn new(rows: Vec<PatientRow>, source: &dyn super::data::Source, ctx: &Ctx) -> ListScreen {
        let mut s = ListScreen {
            items: Vec::new(),
            visible: Vec::new(),
            selected: 0,
            search: TextField::default(),
            searching: false,
            sort: Sort::Code,
            standings: Default::default(),
            plan_done: Default::default(),
        };
        s.set_rows(rows, source, ctx);
        s
    }

    /// Replace the rows (after a refresh), keeping the selected patient when it is still there. A plan whose
    /// weeks are ending has its sessions counted from `source` (those rows only, `app::patients::counts_sessions`,
    /// and again only when their sessions or plan change).
    pub fn set_rows(&mut self, rows: Vec<PatientRow>, source: &dyn super::data::Source, ctx: &Ctx) {
        let keep = self.selected_code().map(str::to_string);
        let terms: std::collections::HashMap<String, PlanTerms> =
            if rows.iter().any(|r| r.plan_protocol.is_some()) {
                source
                    .protocols()
                    .iter()
                    .map(|p| (p.id.clone(), PlanTerms::of(&p.schedule)))
                    .collect()
            } else {
                Default::default()
            };
        let mut counted = std::collections::HashMap::new();
        self.items = rows
            .into_iter()
            .map(|row| {
                let plan = row
                    .plan_protocol
                    .as_deref()
                    .and_then(|p| terms.get(p))
                    .copied();
                let done = plan
                    .filter(|t| {
                        crate::app::patients::counts_sessions(&row, ctx.today, Some(t.weeks))
                    })
                    .and_then(|_| {
                        let key: DoneKey = (
                            row.plan_protocol.clone(),
                            row.plan_start,
                            row.n_sessions,
                            row.last_session,
                        );
                        let done = match self.plan_done.remove(&row.patient.code) {
                            Some((k, done)) if k == key => done,
                            _ => read_plan_done(source, &row),
                        };
                        counted.insert(row.patient.code.clone(), (key, done));
                        done
                    });
                let crate::app::patients::RowFlags { flags, left } =
                    crate::app::patients::RowFlags::of(&row, ctx.today, plan, done);
                let haystack = format!(
                    "{} {} {} {}",
                    row.patient.code,
                    row.patient.name.as_deref().unwrap_or(""),
                    row.patient.condition.kind().label(),
                    condition_short(&row.patient.condition)
                );
                let haystack = crate::domain::text::fold(&haystack);
                Item {
                    row,
                    flags,
                    left,
                    haystack,
                }
            })
            .collect();
        self.plan_done = counted;
        self.refilter();
        self.select(keep.as_deref());
    }

    /// Select the patient `code` when it is shown.
    fn select(&mut self, code: Option<&str>) {
        if let Some(code) = code
            && let Some(pos) = self
                .visible
                .iter()
                .position(|&i| self.items[i].row.patient.code == code)
        {
            self.selected = pos;
        }
    }

    fn refilter(&mut self) {
        let needle = crate::domain::text::fold(self.search.text.trim());
        let words: Vec<&str> = needle.split_whitespace().collect();
        let mut visible: Vec<usize> = (0..self.items.len())
            .filter(|&i| words.iter().all(|w| self.items[i].haystack.contains(w)))
            .collect();
        let items = &self.items;
        match self.sort {
            Sort::Code => {}
            Sort::Flags => {
                let behind = |i: usize| {
                    usize::from(
                        self.standings.get(&items[i].row.patient.code) == Some(&Standing::Behind),
                    )
                };
                visible.sort_by_key(|&i| std::cmp::Reverse(items[i].flags.len() + behind(i)))
            }
            Sort::LastSession => visible.sort_by_key(|&i| items[i].row.last_session),
            Sort::Condition => visible.sort_by_key(|&i| items[i].row.patient.condition.kind()),
        }
        self.visible = visible;
        self.selected = self.selected.min(self.visible.len().saturating_sub(1));
    }

    /// The patients (with a plan) whose flags the screen may show: a block of rows around the selection, which
    /// changes only when the selection crosses into another block.
    pub fn window_codes(&self) -> Vec<String> {
        let block = self.selected / FLAG_BLOCK * FLAG_BLOCK;
        self.visible
            .iter()
            .skip(block.saturating_sub(FLAG_BLOCK))
            .take(3 * FLAG_BLOCK)
            .map(|&i| &self.items[i].row)
            .filter(|r| r.plan_protocol.is_some())
            .map(|r| r.patient.code.clone())
            .collect()
    }

    /// The standings known so far, by patient.
    pub fn set_standings(&mut self, standings: std::collections::HashMap<String, Standing>) {
        self.standings = standings;
    }

    /// The list's fourth flag: B behind the plan's forecast, A ahead, · on track or not known (yet).
    fn standing_flag(&self, code: &str) -> Option<Standing> {
        self.standings
            .get(code)
            .copied()
            .filter(|s| *s != Standing::OnTrack)
    }

    pub fn is_empty_db(&self) -> bool {
        self.items.is_empty()
    }

    pub fn selected_code(&self) -> Option<&str> {
        self.visible
            .get(self.selected)
            .map(|&i| self.items[i].row.patient.code.as_str())
    }

    fn selected_item(&self) -> Option<&Item> {
        self.visible.get(self.selected).map(|&i| &self.items[i])
    }

    fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let last = self.visible.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
    }

    fn draw_detail(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = &ctx.theme;
        let block = Block::new()
            .borders(Borders::ALL)
            .border_style(t.border())
            .title(" Detail ");
        let Some(it) = self.selected_item() else {
            f.render_widget(block, area);
            return;
        };
        let p = &it.row.patient;
        let mut lines = vec![
            Line::from(Span::styled(
                // Cut to the box between whole escapes (the box would clip one in the middle).
                cut(
                    &format!("{} {}", p.code, p.name.as_deref().unwrap_or("")),
                    usize::from(area.width.saturating_sub(2)),
                ),
                t.title(),
            )),
            Line::from(format!(
                "{} years{}",
                p.age_in(chrono::Datelike::year(&ctx.today)),
                p.sex
                    .map_or(String::new(), |s| format!(", {s:?}").to_lowercase())
            )),
        ];
        lines.extend(
            super::overview::condition_lines(&p.condition, ctx.today)
                .into_iter()
                .map(Line::from),
        );
        lines.push(Line::from(""));
        lines.push(Line::from(format!(
            "Plan: {}",
            it.row.plan_protocol.as_deref().unwrap_or("none")
        )));
        if let Some(start) = it.row.plan_start {
            lines.push(Line::from(format!("  since {start}")));
        }
        lines.push(Line::from(format!(
            "Assessments: {} (last {})",
            it.row.n_assessments,
            it.row
                .last_assessment
                .map_or("never".into(), |d| ago(ctx.today, d))
        )));
        lines.push(Line::from(format!(
            "Sessions: {} (last {})",
            it.row.n_sessions,
            it.row
                .last_session
                .map_or("never".into(), |d| ago(ctx.today, d.date()))
        )));
        let standing = self.standing_flag(&p.code);
        if !it.flags.is_empty() || standing.is_some() {
            lines.push(Line::from(""));
            if let Some(s) = standing {
                lines.push(Line::from(vec![
                    Span::styled(
                        format!("{} ", standing_symbol(s)),
                        if s == Standing::Behind {
                            t.error()
                        } else {
                            t.good()
                        },
                    ),
                    Span::raw(super::progress::advice(s)),
                ]));
            }
            for fl in &it.flags {
                lines.push(Line::from(vec![
                    Span::styled(format!("{} ", fl.symbol()), t.warn()),
                    Span::raw(fl.words_with(it.left)),
                ]));
            }
        }
        f.render_widget(
            Paragraph::new(lines).block(block).wrap(Wrap { trim: true }),
            area,
        );
    }

    /// Counts for the status line, in one line of `width` columns: the flags' words, shorter words ("E ending")
    /// when those do not fit (a search adds "n shown"), the letters alone when even these do not.
    pub fn counts(&self, width: u16) -> String {
        let n = |fl: Flag| self.items.iter().filter(|i| i.flags.contains(&fl)).count();
        let behind = self
            .standings
            .values()
            .filter(|s| **s == Standing::Behind)
            .count();
        let mut head = crate::domain::text::count(self.items.len(), "patient");
        if self.visible.len() != self.items.len() {
            head.push_str(&format!(", {} shown", self.visible.len()));
        }
        // "Sessions left" is counted only when some patient has it (it is rare), like "behind".
        let mut counts: Vec<(char, &str, &str, usize)> = Flag::ALL
            .iter()
            .map(|&fl| (fl.symbol(), fl.label(), short_word(fl), n(fl)))
            .filter(|c| c.0 != Flag::SessionsLeft.symbol() || c.3 > 0)
            .collect();
        if behind > 0 {
            counts.push((
                standing_symbol(Standing::Behind),
                "behind",
                "behind",
                behind,
            ));
        }
        let line = |word: fn(&(char, &str, &str, usize)) -> String, zeros: bool| {
            std::iter::once(head.clone())
                .chain(counts.iter().filter(|c| zeros || c.3 > 0).map(word))
                .collect::<Vec<_>>()
                .join(" · ")
        };
        // Shorter words, then without the flags nobody has, then the letters alone.
        let tries = [
            line(|(sym, long, _, k)| format!("{sym} {long} {k}"), true),
            line(|(sym, _, short, k)| format!("{sym} {short} {k}"), true),
            line(|(sym, _, short, k)| format!("{sym} {short} {k}"), false),
            line(|(sym, _, _, k)| format!("{sym} {k}"), true),
        ];
        let fits = |s: &String| crate::domain::text::width(s) <= usize::from(width);
        let [.., last] = &tries;
        tries.iter().find(|s| fits(s)).unwrap_or(last).clone()
    }
}

/// What the list's flag letters mean, for its help: the letter and the status line's word(s), then the meaning.
pub fn flag_legend() -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = Flag::ALL
        .iter()
        .map(|&fl| {
            // "(plan) ending": the status line drops the words in brackets when short of room.
            let words = match fl.label().strip_suffix(short_word(fl)) {
                Some(dropped) if !dropped.is_empty() => {
                    format!("({}) {}", dropped.trim_end(), short_word(fl))
                }
                _ => fl.label().to_string(),
            };
            (
                format!("{} {words}", fl.symbol()),
                format!("flag: {}", fl.words()),
            )
        })
        .collect();
    rows.push((
        format!("{} behind", standing_symbol(Standing::Behind)),
        "flag: latest assessment below the plan's forecast (its 10th percentile)".into(),
    ));
    rows.push((
        format!("{} ahead", standing_symbol(Standing::Ahead)),
        "flag: latest assessment above the plan's forecast (its 90th percentile)".into(),
    ));
    rows
}

/// A flag's word where the status line is short of room: one word each ("E ending" for "E plan ending").
fn short_word(fl: Flag) -> &'static str {
    match fl {
        Flag::ReassessmentDue => "reassess",
        Flag::NoRecentSession => "no session",
        Flag::PlanEnding => "ending",
        Flag::SessionsLeft => "left",
    }
}

impl Screen for ListScreen {
    fn title(&self) -> String {
        "Patients".into()
    }

    fn refresh(&mut self, source: &dyn super::data::Source, ctx: &Ctx) -> Result<(), String> {
        let rows = source
            .list_patients()
            .map_err(|e| format!("cannot read the patient list: {e:#}"))?;
        self.set_rows(rows, source, ctx);
        Ok(())
    }

    fn mode(&self) -> Mode {
        if self.items.is_empty() {
            Mode::Empty
        } else if self.searching {
            Mode::ListSearch
        } else {
            Mode::List
        }
    }

    fn handle(&mut self, ev: &KeyEvent, _ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome {
        let mode = self.mode();
        let action = keymap::lookup(mode.table(), ev);
        if mode == Mode::ListSearch {
            match action {
                Some(Action::Open) => self.searching = false,
                Some(Action::ClearSearch) => {
                    self.search = TextField::default();
                    self.searching = false;
                    self.refilter();
                }
                Some(Action::Up) => self.move_by(-1),
                Some(Action::Down) => self.move_by(1),
                Some(Action::Help) => cmds.push(Cmd::Help),
                _ => {
                    if self.search.edit(ev) {
                        self.selected = 0;
                        self.refilter();
                    } else {
                        return Outcome::NotConsumed;
                    }
                }
            }
            return Outcome::Consumed;
        }
        let Some(action) = action else {
            return Outcome::NotConsumed;
        };
        let code = self.selected_code().map(str::to_string);
        match action {
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-10),
            Action::PageDown => self.move_by(10),
            Action::Top => self.selected = 0,
            Action::Bottom => self.move_by(isize::MAX / 2),
            // A new search, as in less and vim: typing does not add to the last one.
            Action::Search => {
                self.search = TextField::default();
                self.searching = true;
                self.refilter();
                self.select(code.as_deref());
            }
            Action::ClearSearch => {
                self.search = TextField::default();
                self.refilter();
            }
            Action::Sort => {
                self.sort = self.sort.next();
                self.refilter();
            }
            // Opening the patient or a form on them needs a selected row; without one the key does nothing.
            Action::Open | Action::NewAssessment | Action::EditPatient | Action::LogSession => {
                cmds.extend(code.and_then(|c| Cmd::about(action, c)))
            }
            a => match Cmd::common(a) {
                Some(cmd) => cmds.push(cmd),
                None => return Outcome::NotConsumed,
            },
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = &ctx.theme;
        if self.items.is_empty() {
            let key = |action| Span::styled(keymap::key_name(Mode::Empty, action), t.key());
            let lines = vec![
                Line::from(Span::styled("The database is empty.", t.title())),
                Line::from(""),
                Line::from("There are no patients yet. To look around first, load the demo"),
                Line::from("patients (a subacute, a chronic and a severe stroke, Parkinson's,"),
                Line::from("cerebellar ataxia, an older adult at risk of falls)."),
                Line::from(""),
                if ctx.can_write() {
                    Line::from(vec![
                        Span::raw("Press "),
                        key(Action::LoadDemo),
                        Span::raw(" to load the demo patients, "),
                        key(Action::NewPatient),
                        Span::raw(" to add a patient, "),
                        key(Action::Quit),
                        Span::raw(" to quit."),
                    ])
                } else {
                    Line::from(vec![
                        Span::raw("You can only read this database (press "),
                        key(Action::Notices),
                        Span::raw(" to see why), "),
                        key(Action::Quit),
                        Span::raw(" to quit."),
                    ])
                },
                Line::from(""),
                Line::from(Span::styled(
                    "From the command line: praxis patient add --help",
                    t.dim(),
                )),
            ];
            let r = super::widgets::centered(area, 70, lines.len() as u16 + 2);
            f.render_widget(
                Paragraph::new(lines)
                    .block(Block::bordered().border_style(t.border()))
                    .wrap(Wrap { trim: false }),
                r,
            );
            return;
        }
        let wide = area.width >= 110;
        let [search_area, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(3)]).areas(area);
        let mut spans = vec![Span::styled(
            "Search: ",
            if self.searching { t.key() } else { t.text() },
        )];
        spans.extend(self.search.spans(t, self.searching));
        if !self.searching && self.search.text.is_empty() {
            spans.push(Span::styled(
                format!(
                    "(press {} to search code, name, condition)",
                    keymap::key_name(Mode::List, Action::Search)
                ),
                t.dim(),
            ));
        }
        spans.push(Span::styled(
            format!("   sort: {}", self.sort.label()),
            t.dim(),
        ));
        f.render_widget(Paragraph::new(Line::from(spans)), search_area);

        let detail_w = if wide { 48 } else { 28 };
        let [list_area, detail_area] =
            Layout::horizontal([Constraint::Min(40), Constraint::Length(detail_w)]).areas(body);

        let name_w: u16 = if wide { 22 } else { 11 };
        let cond_w: u16 = if wide { 24 } else { 12 };
        let header =
            Row::new(vec!["Flg", "Code", "Name", "Condition", "Session"]).style(t.header());
        // Build rows only for the window on screen: drawing stays O(screen), not O(patients).
        let page = list_area.height.saturating_sub(3).max(1) as usize;
        let offset = self.selected.saturating_sub(page - 1);
        let rows: Vec<Row> = self
            .visible
            .iter()
            .skip(offset)
            .take(page)
            .map(|&i| {
                let it = &self.items[i];
                let flag_txt = crate::app::patients::flag_letters(&it.flags);
                let p = &it.row.patient;
                let standing = self.standing_flag(&p.code);
                let last = it
                    .row
                    .last_session
                    .map_or("never".to_string(), |d| ago(ctx.today, d.date()));
                let standing_span = match standing {
                    Some(s @ Standing::Behind) => {
                        Span::styled(standing_symbol(s).to_string(), t.error())
                    }
                    Some(s) => Span::styled(standing_symbol(s).to_string(), t.good()),
                    None => Span::styled("·", t.dim()),
                };
                Row::new(vec![
                    Line::from(vec![
                        Span::styled(
                            flag_txt,
                            if it.flags.is_empty() {
                                t.dim()
                            } else {
                                t.warn()
                            },
                        ),
                        standing_span,
                    ]),
                    Line::from(p.code.clone()),
                    Line::from(cut(p.name.as_deref().unwrap_or("-"), name_w as usize)),
                    Line::from(cut(&condition_short(&p.condition), cond_w as usize)),
                    Line::from(last),
                ])
            })
            .collect();
        let title = format!(" Patients {}/{} ", self.visible.len(), self.items.len());
        let table = Table::new(
            rows,
            [
                Constraint::Length(4),
                Constraint::Length(if wide { 8 } else { 6 }),
                Constraint::Length(name_w),
                Constraint::Length(cond_w),
                Constraint::Min(8),
            ],
        )
        .header(header)
        .row_highlight_style(t.selected())
        .highlight_symbol("> ")
        .block(
            Block::bordered()
                .title(Span::styled(title, t.title()))
                .border_style(t.focus_border()),
        );
        let mut state = TableState::default().with_selected(if self.visible.is_empty() {
            None
        } else {
            Some(self.selected - offset)
        });
        f.render_stateful_widget(table, list_area, &mut state);
        if self.visible.is_empty() {
            let inner = Block::bordered().inner(list_area);
            let msg_area = Rect {
                y: inner.y + 2,
                height: 2,
                ..inner
            };
            f.render_widget(
                Paragraph::new(format!(
                    "No patient matches \"{}\". {} clears the search.",
                    self.search.text,
                    keymap::key_name(Mode::ListSearch, Action::ClearSearch)
                ))
                .wrap(Wrap { trim: true }),
                msg_area,
            );
        }
        self.draw_detail(f, detail_area, ctx);
    }
}
