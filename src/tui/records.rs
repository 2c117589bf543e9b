//! The patient's records: every assessment and session, corrected and voided ones too, each marked. Select one
//! with the arrows (or j/k), then `c` corrects it (a form pre-filled with its values, plus the reason) or `v`
//! voids it (the reason only). The store decides who may; a refusal is shown in the form, which stays open.

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};

use super::forms::Step;
pub use super::forms::record_edit::{EditKind, Entry, Record, RecordEdit};
use super::forms::record_edit::{detail, draw_edit, id_of};
use super::keymap::{self, Action, Mode};
use super::screen::{Cmd, Ctx, Outcome, Screen};
use super::widgets::cut;
use crate::store::{RecordKind, RecordStatus};

#[derive(Debug, Clone)]
pub struct RecordsScreen {
    pub code: String,
    pub rows: Vec<Record>,
    /// The patient (when it could be read): a corrected score's jump is measured against their group's MDC.
    pub patient: Option<crate::domain::Patient>,
    sel: usize,
    pub edit: Option<RecordEdit>,
}

/// The record's standing in a few characters: "current", "→ #12", "voided".
fn standing(h: &Record) -> String {
    match (h.meta.status, h.meta.superseded_by, h.meta.supersedes) {
        (RecordStatus::Current, _, Some(old)) => format!("fixes #{old}"),
        (RecordStatus::Current, _, None) => "current".into(),
        (RecordStatus::Corrected, Some(new), _) => format!("corrected → #{new}"),
        (RecordStatus::Corrected, None, _) => "corrected".into(),
        (RecordStatus::Voided, _, _) => "✗ voided".into(),
    }
}

impl RecordsScreen {
    /// The records of `code`, the newest selected.
    pub fn new(code: String, rows: Vec<Record>) -> RecordsScreen {
        let sel = rows.len().saturating_sub(1);
        RecordsScreen {
            code,
            rows,
            patient: None,
            sel,
            edit: None,
        }
    }

    /// With the `patient` whose records these are.
    pub fn of_patient(mut self, patient: Option<crate::domain::Patient>) -> RecordsScreen {
        self.patient = patient;
        self
    }

    pub fn code(&self) -> &str {
        &self.code
    }

    /// New rows after a save or another user's change; the selection stays on the same record when it can.
    pub fn set_rows(&mut self, rows: Vec<Record>) {
        let keep = self.rows.get(self.sel).map(id_of);
        self.rows = rows;
        self.sel = keep
            .and_then(|k| self.rows.iter().position(|r| id_of(r) == k))
            .unwrap_or(self.sel)
            .min(self.rows.len().saturating_sub(1));
    }

    /// The store refused the edit: keep the form and everything typed, and say why.
    pub fn refused(&mut self, msg: String) {
        if let Some(e) = &mut self.edit {
            e.refused(msg);
        }
    }

    /// The edit was saved (and the rows read again): close it and select the new version (or the voided record).
    pub fn saved(&mut self, select: (RecordKind, i64)) {
        self.edit = None;
        if let Some(i) = self.rows.iter().position(|r| id_of(r) == select) {
            self.sel = i;
        }
    }
}

impl Screen for RecordsScreen {
    fn title(&self) -> String {
        "records".into()
    }

    fn refresh(&mut self, source: &dyn super::data::Source, _ctx: &Ctx) -> Result<(), String> {
        let rows = source
            .records(self.code())
            .map_err(|e| format!("cannot read {}: {e:#}", self.code()))?;
        self.set_rows(rows);
        Ok(())
    }

    fn mode(&self) -> Mode {
        self.edit.as_ref().map_or(Mode::Records, RecordEdit::mode)
    }

    fn handle(&mut self, ev: &KeyEvent, ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome {
        if let Some(edit) = &mut self.edit {
            let step = edit.handle(ev, cmds);
            if let Step::Closed = step {
                self.edit = None;
            }
            return step.into();
        }
        let Some(action) = keymap::lookup(keymap::RECORDS, ev) else {
            return Outcome::NotConsumed;
        };
        let last = self.rows.len().saturating_sub(1);
        match action {
            Action::Up => self.sel = self.sel.saturating_sub(1),
            Action::Down => self.sel = (self.sel + 1).min(last),
            Action::PageUp => self.sel = self.sel.saturating_sub(10),
            Action::PageDown => self.sel = (self.sel + 10).min(last),
            Action::CorrectRecord | Action::VoidRecord => {
                let kind = if action == Action::CorrectRecord {
                    EditKind::Correct
                } else {
                    EditKind::Void
                };
                match self.rows.get(self.sel) {
                    Some(r)
                        if r.meta.status == RecordStatus::Current
                            && !ctx.access.may_amend(r.meta.created_by.as_deref()) =>
                    {
                        let (kind, id) = id_of(r);
                        cmds.push(Cmd::Status(crate::store::amend_refused(
                            &ctx.access.user,
                            kind,
                            id,
                            r.meta.created_by.as_deref(),
                        )))
                    }
                    Some(r) if r.meta.status == RecordStatus::Current => {
                        self.edit = Some(
                            RecordEdit::new(kind, r.clone())
                                .with_others(&self.rows, self.patient.as_ref()),
                        );
                    }
                    Some(r) => cmds.push(Cmd::Status(format!(
                        "#{} is {}: only a current record can be corrected or voided",
                        id_of(r).1,
                        r.meta.status.name()
                    ))),
                    None => {}
                }
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
        let [list, about] =
            Layout::vertical([Constraint::Min(4), Constraint::Length(2)]).areas(area);
        let rows: Vec<Row> = self
            .rows
            .iter()
            .map(|h| {
                let (when, what) = (h.when(), h.what());
                let style = if h.meta.status == RecordStatus::Current {
                    t.text()
                } else {
                    t.dim()
                };
                Row::new(vec![
                    format!("#{}", id_of(h).1),
                    when,
                    what.to_string(),
                    detail(h),
                    standing(h),
                ])
                .style(style)
            })
            .collect();
        let hidden = self
            .rows
            .iter()
            .filter(|r| r.meta.status != RecordStatus::Current)
            .count();
        let title = format!(
            " Records of {} ({} current, {hidden} corrected or voided) ",
            self.code,
            self.rows.len() - hidden
        );
        let table = Table::new(
            rows,
            [
                Constraint::Length(5),
                Constraint::Length(16),
                Constraint::Length(10),
                Constraint::Min(12),
                Constraint::Length(16),
            ],
        )
        .header(Row::new(vec!["#", "When", "What", "Detail", "Standing"]).style(t.header()))
        .row_highlight_style(t.selected())
        .highlight_symbol("▶ ")
        .block(
            Block::bordered()
                .border_style(t.focus_border())
                .title(Span::styled(title, t.title())),
        );
        let mut st = TableState::default()
            .with_selected((!self.rows.is_empty()).then_some(self.sel.min(self.rows.len() - 1)));
        f.render_stateful_widget(table, list, &mut st);
        if self.rows.is_empty() {
            let inner = Block::bordered().inner(list);
            f.render_widget(
                Paragraph::new("No assessments, sessions or goals yet."),
                Rect {
                    y: inner.y + 1,
                    height: 1,
                    ..inner
                },
            );
        }
        // The selected record's standing in words: who changed it, when, why.
        let width = usize::from(about.width);
        let line = self.rows.get(self.sel).map(|h| {
            let m = &h.meta;
            let who = m.changed_by.as_deref().unwrap_or("?");
            let when = m
                .changed_at
                .as_deref()
                .map_or("", |w| w.get(..10).unwrap_or(w));
            let why = m.reason.as_deref().unwrap_or("");
            match m.status {
                RecordStatus::Current => format!(
                    "Entered by {}. {} corrects it (a new version), {} voids it; both ask why.",
                    m.created_by.as_deref().unwrap_or("someone (not recorded)"),
                    keymap::key_name(Mode::Records, Action::CorrectRecord),
                    keymap::key_name(Mode::Records, Action::VoidRecord)
                ),
                RecordStatus::Corrected => format!("Corrected by {who} on {when}: {why}"),
                RecordStatus::Voided => format!("Voided by {who} on {when}: {why}"),
            }
        });
        // Two lines, wrapped: the keys' hint is never cut at 80 columns (a long reason may still be, with "…").
        f.render_widget(
            Paragraph::new(cut(&line.unwrap_or_default(), width * 2 - width / 4))
                .wrap(ratatui::widgets::Wrap { trim: true })
                .style(t.dim()),
            about,
        );
        if let Some(edit) = &self.edit {
            // Inside the list's frame, above its bottom border.
            let inside = Rect {
                height: list.height.saturating_sub(1),
                ..list
            };
            draw_edit(f, inside, ctx, edit);
        }
    }
}
