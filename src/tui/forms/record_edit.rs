//! Correcting or voiding a record from the records screen: a correction is the record's values, pre-filled, plus
//! the reason; a voiding is the reason only. Only what was changed goes into the correction; the store checks the
//! new values with the same rules as a new record and refuses what the user may not do (shown in the form).

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::field::Step;
use crate::domain::{Goal, GoalReview};
use crate::store::{Correction, HistoryEntry, HistoryRecord, RecordKind, RecordMeta};
use crate::tui::keymap::{self, Action, Mode};
use crate::tui::screen::{Cmd, Ctx};
use crate::tui::widgets::{TextField, centered, num};

/// What the records screen lists: the history's assessments and sessions, the plan's goals and their GAS reviews.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    History(HistoryEntry),
    Goal(Goal),
    Review(GoalReview),
}

/// A record with its standing.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub entry: Entry,
    pub meta: RecordMeta,
}

impl From<HistoryRecord> for Record {
    fn from(h: HistoryRecord) -> Record {
        Record {
            entry: Entry::History(h.entry),
            meta: h.meta,
        }
    }
}

impl Record {
    /// "2026-11-03", "2026-11-03 10:00", "by 2027-02-01" (a goal's date).
    pub fn when(&self) -> String {
        match &self.entry {
            Entry::History(HistoryEntry::Assessment(a)) => a.date.to_string(),
            Entry::History(HistoryEntry::Session(s)) => {
                s.started_at.format("%Y-%m-%d %H:%M").to_string()
            }
            Entry::Goal(g) => format!("by {}", g.by),
            Entry::Review(r) => r.date.to_string(),
        }
    }

    /// "assessment", "session", "goal", "GAS review".
    pub fn what(&self) -> &'static str {
        match &self.entry {
            Entry::History(HistoryEntry::Assessment(_)) => "assessment",
            Entry::History(HistoryEntry::Session(_)) => "session",
            Entry::Goal(_) => "goal",
            Entry::Review(_) => "GAS review",
        }
    }

    fn patient_code(&self) -> &str {
        match &self.entry {
            Entry::History(HistoryEntry::Assessment(a)) => &a.patient_code,
            Entry::History(HistoryEntry::Session(s)) => &s.patient_code,
            Entry::Goal(g) => &g.patient_code,
            Entry::Review(r) => &r.patient_code,
        }
    }
}

/// Correct (new values and a reason) or void (a reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    Correct,
    Void,
}

/// The open correction or voiding: the record, its fields (the reason last), the focus, a refusal to show.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordEdit {
    pub kind: EditKind,
    pub record: Record,
    /// Label, the value as pre-filled, the field.
    pub fields: Vec<(&'static str, String, TextField)>,
    pub focus: usize,
    pub error: Option<String>,
    /// Esc with something typed asks first.
    pub guard: super::DiscardGuard,
    /// The patient's other current assessments: a corrected score is checked against them as a new one is.
    pub others: Vec<crate::domain::Assessment>,
    /// The question shown after a save whose corrected score looks wrong: `y` saves it anyway.
    pub confirm: Option<String>,
    /// The patient, whose group's MDC a jump is measured against (None: the instrument's default figures).
    pub patient: Option<Box<crate::domain::Patient>>,
}

pub fn id_of(h: &Record) -> (RecordKind, i64) {
    match &h.entry {
        Entry::History(HistoryEntry::Assessment(a)) => (RecordKind::Assessment, a.id),
        Entry::History(HistoryEntry::Session(s)) => (RecordKind::Session, s.id),
        Entry::Goal(g) => (RecordKind::Goal, g.id),
        Entry::Review(r) => (RecordKind::GoalReview, r.id),
    }
}

/// What the record says, in one line.
pub fn detail(h: &Record) -> String {
    match &h.entry {
        Entry::Goal(g) => {
            let mut d = crate::app::goals::goal_title(g);
            if !g.text.is_empty() {
                d.push_str(&format!(" \"{}\"", g.text));
            }
            d
        }
        Entry::Review(r) => format!(
            "goal #{} level {:+} ({})",
            r.goal_id,
            r.level,
            crate::domain::goals::gas_level_text(r.level)
        ),
        Entry::History(HistoryEntry::Assessment(a)) => a.brief(),
        Entry::History(HistoryEntry::Session(s)) => {
            let mut d = format!("{} {} min {} reps", s.protocol_id, s.minutes, s.repetitions);
            if let Some(l) = s.level {
                d.push_str(&format!(" L{l}"));
            }
            d
        }
    }
}

fn field(label: &'static str, value: String) -> (&'static str, String, TextField) {
    (label, value.clone(), TextField::new(value))
}

impl RecordEdit {
    pub fn new(kind: EditKind, record: Record) -> RecordEdit {
        let mut fields = Vec::new();
        if kind == EditKind::Correct {
            match &record.entry {
                Entry::Goal(g) => {
                    fields.push(field("Target", num(g.target)));
                    fields.push(field("By", g.by.to_string()));
                    fields.push(field("Text", g.text.clone()));
                }
                Entry::Review(r) => {
                    fields.push(field("Level", format!("{:+}", r.level)));
                    fields.push(field("Date", r.date.to_string()));
                    fields.push(field("Notes", r.notes.clone()));
                }
                Entry::History(HistoryEntry::Assessment(a)) => {
                    fields.push(field("Score", a.score.to_string()));
                    fields.push(field("Date", a.date.to_string()));
                    fields.push(field("Assessor", a.assessor.clone().unwrap_or_default()));
                }
                Entry::History(HistoryEntry::Session(s)) => {
                    let opt = |v: Option<String>| v.unwrap_or_default();
                    fields.push(field(
                        "Date",
                        s.started_at.format("%Y-%m-%d %H:%M").to_string(),
                    ));
                    fields.push(field("Minutes", s.minutes.to_string()));
                    fields.push(field("Reps", s.repetitions.to_string()));
                    fields.push(field(
                        "Success %",
                        // Shown rounded; a value left as shown keeps the record's exact one (see `changed`).
                        opt(s.success_rate.map(|x| num(x * 100.0))),
                    ));
                    fields.push(field("Level", opt(s.level.map(|x| x.to_string()))));
                    fields.push(field("RPE", opt(s.rpe.map(|x| x.to_string()))));
                }
            }
        }
        fields.push(("Reason", String::new(), TextField::default()));
        RecordEdit {
            kind,
            record,
            focus: 0,
            fields,
            error: None,
            guard: Default::default(),
            others: Vec::new(),
            confirm: None,
            patient: None,
        }
    }

    /// The patient's current records `rows`, whose assessments a corrected score is checked against, with the
    /// MDC of the `patient`'s group.
    pub fn with_others(
        mut self,
        rows: &[Record],
        patient: Option<&crate::domain::Patient>,
    ) -> RecordEdit {
        self.patient = patient.cloned().map(Box::new);
        let (_, id) = id_of(&self.record);
        self.others = rows
            .iter()
            .filter(|r| r.meta.status == crate::store::RecordStatus::Current)
            .filter_map(|r| match &r.entry {
                Entry::History(HistoryEntry::Assessment(a)) if a.id != id => Some(a.clone()),
                _ => None,
            })
            .collect();
        self
    }

    /// What looks wrong about a correction, as a new score is checked (`rules::assessment_warnings`).
    fn question(&self, cmd: &Cmd) -> Option<String> {
        let Cmd::CorrectRecord(Correction::Assessment(a), _) = cmd else {
            return None;
        };
        let w =
            crate::domain::rules::assessment_warnings_of(a, &self.others, self.patient.as_deref());
        (!w.is_empty()).then(|| {
            format!(
                "not saved yet, this looks wrong: {}. y saves it anyway; any other key goes back to editing",
                crate::domain::rules::warnings_text(&w)
            )
        })
    }

    /// Whether anything was typed: a value changed, or a reason.
    pub fn has_changes(&self) -> bool {
        self.fields
            .iter()
            .any(|(_, pre, f)| f.text.trim() != pre.trim())
    }

    /// The form's keys, or the question whether to discard what was typed.
    pub fn mode(&self) -> Mode {
        if self.guard.asking() {
            Mode::Discard
        } else {
            Mode::RecordEdit
        }
    }

    /// The field's text when the user changed it, else `None` (the record's value is kept exactly).
    fn changed(&self, label: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(l, _, _)| *l == label)
            .filter(|(_, pre, f)| f.text.trim() != pre.trim())
            .map(|(_, _, f)| f.text.trim())
    }

    fn reason(&self) -> &str {
        self.fields.last().map_or("", |(_, _, f)| f.text.trim())
    }

    /// The command that saves this edit, or what is wrong with a field.
    fn command(&self) -> Result<Cmd, String> {
        if self.reason().is_empty() {
            return Err(
                "Reason: required; say why (e.g. wrong patient, entered twice, typo)".into(),
            );
        }
        let reason = self.reason().to_string();
        let (kind, id) = id_of(&self.record);
        if self.kind == EditKind::Void {
            return Ok(Cmd::VoidRecord(kind, id, reason));
        }
        fn parse<T: std::str::FromStr>(label: &str, text: &str, what: &str) -> Result<T, String> {
            text.parse()
                .map_err(|_| format!("{label}: {what}; got {text:?}"))
        }
        fn optional<T: std::str::FromStr>(
            label: &str,
            text: &str,
            what: &str,
        ) -> Result<Option<T>, String> {
            if text.is_empty() {
                Ok(None)
            } else {
                parse(label, text, what).map(Some)
            }
        }
        let correction = match &self.record.entry {
            Entry::Goal(g) => {
                let mut g = g.clone();
                if let Some(t) = self.changed("Target") {
                    g.target = crate::domain::text::parse_decimal(t)
                        .ok_or_else(|| format!("Target: a number; got {t:?}"))?;
                }
                if let Some(t) = self.changed("By") {
                    g.by = parse::<NaiveDate>("By", t, "a date YYYY-MM-DD")?;
                }
                if let Some(t) = self.changed("Text") {
                    g.text = t.to_string();
                }
                Correction::Goal(g)
            }
            Entry::Review(r) => {
                let mut r = r.clone();
                if let Some(t) = self.changed("Level") {
                    r.level = parse("Level", t, "a GAS level -2, -1, 0, +1 or +2")?;
                }
                if let Some(t) = self.changed("Date") {
                    r.date = parse::<NaiveDate>("Date", t, "a date YYYY-MM-DD")?;
                }
                if let Some(t) = self.changed("Notes") {
                    r.notes = t.to_string();
                }
                Correction::GoalReview(r)
            }
            Entry::History(HistoryEntry::Assessment(a)) => {
                let mut a = a.clone();
                if let Some(t) = self.changed("Score") {
                    a.score = crate::domain::text::parse_decimal(t)
                        .ok_or_else(|| format!("Score: a number; got {t:?}"))?;
                }
                if let Some(t) = self.changed("Date") {
                    a.date = parse::<NaiveDate>("Date", t, "a date YYYY-MM-DD")?;
                }
                if let Some(t) = self.changed("Assessor") {
                    a.assessor = Some(t.to_string()).filter(|t| !t.is_empty());
                }
                Correction::Assessment(a)
            }
            Entry::History(HistoryEntry::Session(s)) => {
                let mut s = s.clone();
                if let Some(t) = self.changed("Date") {
                    s.started_at =
                        NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M").map_err(|_| {
                            format!("Date: a date and time YYYY-MM-DD HH:MM; got {t:?}")
                        })?;
                }
                if let Some(t) = self.changed("Minutes") {
                    s.minutes = parse("Minutes", t, "a whole number of minutes")?;
                }
                if let Some(t) = self.changed("Reps") {
                    s.repetitions = parse("Reps", t, "a whole number")?;
                }
                if let Some(t) = self.changed("Success %") {
                    let pct: Option<f64> =
                        optional("Success %", t.trim_end_matches('%'), "a percentage 0-100")?;
                    s.success_rate = pct.map(|p| p / 100.0);
                }
                if let Some(t) = self.changed("Level") {
                    s.level = optional("Level", t, "a whole number")?;
                }
                if let Some(t) = self.changed("RPE") {
                    s.rpe = optional("RPE", t, "a whole number 0-10")?;
                }
                Correction::Session(s)
            }
        };
        if self
            .fields
            .iter()
            .rev()
            .skip(1)
            .all(|(_, pre, f)| f.text.trim() == pre.trim())
        {
            return Err(format!(
                "nothing changed: edit a value to correct it, or {} and {} to void the record",
                keymap::key_name(Mode::RecordEdit, Action::Back),
                keymap::key_name(Mode::Records, Action::VoidRecord)
            ));
        }
        Ok(Cmd::CorrectRecord(correction, reason))
    }
}

impl RecordEdit {
    /// A key in the form: Tab and the arrows move, Enter or Ctrl-S saves (or says what is wrong), Esc closes it.
    pub fn handle(&mut self, ev: &KeyEvent, cmds: &mut Vec<Cmd>) -> Step {
        let n = self.fields.len();
        if let Some(step) = self.guard.key(ev, Mode::RecordEdit, self.has_changes()) {
            return step;
        }
        // A corrected score that looks wrong: `y` saves it; any other key goes back to editing (and acts).
        if let Some(q) = self.confirm.take() {
            self.error = None;
            if ev.code == ratatui::crossterm::event::KeyCode::Char('y') && ev.modifiers.is_empty() {
                if let Ok(cmd) = self.command()
                    && self.question(&cmd).as_ref() == Some(&q)
                {
                    cmds.push(cmd);
                }
                return Step::Consumed;
            }
        }
        match keymap::lookup(keymap::RECORD_EDIT, ev) {
            Some(Action::NextField) => self.focus = (self.focus + 1) % n,
            Some(Action::PrevField) => self.focus = (self.focus + n - 1) % n,
            Some(Action::Save) => match self.command() {
                Ok(cmd) => match self.question(&cmd) {
                    Some(q) => {
                        self.error = Some(q.clone());
                        self.confirm = Some(q);
                    }
                    None => cmds.push(cmd),
                },
                Err(msg) => self.error = Some(msg),
            },
            Some(Action::Help) => cmds.push(Cmd::Help),
            _ => {
                if !self.fields[self.focus].2.edit(ev) {
                    return Step::NotConsumed;
                }
            }
        }
        Step::Consumed
    }

    /// The refusal of a save, shown in the form.
    pub fn refused(&mut self, msg: String) {
        self.error = Some(msg);
    }
}

/// The form at the bottom of `area`, so the records above it (the selected one usually) stay in view.
pub fn draw_edit(f: &mut Frame, area: Rect, ctx: &Ctx, e: &RecordEdit) {
    let t = &ctx.theme;
    let (kind, id) = id_of(&e.record);
    let verb = match e.kind {
        EditKind::Correct => "Correct",
        EditKind::Void => "Void",
    };
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "{} #{id} of {}: {}",
            kind.name(),
            self_code(e),
            detail(&e.record)
        ),
        t.dim(),
    ))];
    if e.kind == EditKind::Void {
        lines.push(Line::from(
            "Entered in error: the record is kept, marked voided, and no longer counts.",
        ));
    }
    lines.push(Line::from(""));
    for (i, (label, _, field)) in e.fields.iter().enumerate() {
        let focused = i == e.focus;
        let mut spans = vec![Span::styled(
            format!("{}{label:<10} ", if focused { "▶ " } else { "  " }),
            if focused { t.title() } else { t.header() },
        )];
        spans.extend(field.spans(t, focused));
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    match &e.error {
        _ if e.guard.asking() => lines.push(super::discard_prompt(t)),
        Some(err) => lines.push(Line::from(Span::styled(format!("✗ {err}"), t.error()))),
        None => lines.push(Line::from(Span::styled(
            format!(
                "The reason is required. {} saves, {} cancels.",
                keymap::key_name(Mode::RecordEdit, Action::Save),
                keymap::key_name(Mode::RecordEdit, Action::Back)
            ),
            t.dim(),
        ))),
    }
    // At the bottom of the list, so the records above it (the selected one usually) stay in view. A line wider than
    // the box wraps onto more.
    let wrapped: usize = lines.iter().map(|l| l.width().saturating_sub(1) / 70).sum();
    let h = (lines.len() as u16 + 2 + wrapped as u16).min(area.height);
    let r = Rect {
        y: area.bottom() - h,
        height: h,
        ..centered(area, 72, h)
    };
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .border_style(t.focus_border())
                .title(Span::styled(
                    format!(" {verb} {} #{id} ", kind.name()),
                    t.title(),
                )),
        ),
        r,
    );
}

fn self_code(e: &RecordEdit) -> &str {
    e.record.patient_code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::SessionLog;
    use crate::store::{RecordMeta, RecordStatus};

    fn session_edit(kind: EditKind) -> RecordEdit {
        let s = SessionLog {
            id: 7,
            patient_code: "P-0001".into(),
            started_at: NaiveDateTime::parse_from_str("2026-11-03 10:00", "%Y-%m-%d %H:%M")
                .unwrap(),
            protocol_id: "otago".into(),
            minutes: 45,
            repetitions: 60,
            level: Some(2),
            success_rate: Some(2.0 / 3.0),
            rpe: None,
            notes: String::new(),
            clinician: None,
        };
        let meta = RecordMeta {
            status: RecordStatus::Current,
            supersedes: None,
            superseded_by: None,
            reason: None,
            changed_by: None,
            changed_at: None,
            created_by: Some("kim".into()),
        };
        RecordEdit::new(
            kind,
            HistoryRecord {
                entry: HistoryEntry::Session(s),
                meta,
            }
            .into(),
        )
    }

    fn set(e: &mut RecordEdit, label: &str, text: &str) {
        let f = e.fields.iter_mut().find(|(l, _, _)| *l == label).unwrap();
        f.2 = TextField::new(text);
    }

    #[test]
    fn a_correction_changes_only_the_fields_edited_and_names_a_bad_one() {
        let mut e = session_edit(EditKind::Correct);
        assert_eq!(e.fields[3].1, "66.67", "the success rate is shown rounded");
        set(&mut e, "Minutes", "30");
        assert!(e.command().unwrap_err().starts_with("Reason: required"));
        set(&mut e, "Reason", "  short session  ");
        match e.command().unwrap() {
            Cmd::CorrectRecord(Correction::Session(s), reason) => {
                assert_eq!((s.id, s.minutes, s.repetitions), (7, 30, 60));
                assert_eq!(s.success_rate, Some(2.0 / 3.0), "kept exactly, not 0.6667");
                assert_eq!(reason, "short session");
            }
            other => panic!("{other:?}"),
        }
        set(&mut e, "Date", "2026-11-04 25:00");
        assert!(e.command().unwrap_err().starts_with("Date:"));
        set(&mut e, "Date", "2026-11-03 10:00");
        set(&mut e, "Minutes", "45");
        assert!(e.command().unwrap_err().starts_with("nothing changed"));
        set(&mut e, "RPE", "x");
        assert!(e.command().unwrap_err().starts_with("RPE:"));
    }

    #[test]
    fn voiding_asks_only_for_the_reason() {
        let mut e = session_edit(EditKind::Void);
        assert_eq!(e.fields.len(), 1);
        assert!(e.command().is_err());
        set(&mut e, "Reason", "entered twice");
        assert_eq!(
            e.command().unwrap(),
            Cmd::VoidRecord(RecordKind::Session, 7, "entered twice".into())
        );
    }
}
