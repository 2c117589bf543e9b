//! The assessment form: instrument (a choice, the patient's own instruments first), score, date, assessor, notes, and
//! for an instrument scored ON or OFF medication (MDS-UPDRS III) the medication state, picked.

use chrono::NaiveDate;
use ratatui::text::Span;

use super::draft::{FormDraft, FormKind};
use super::field::{Choice, FormSpec, Row, choice_keys, choice_span, date_error, picked, text};
use crate::domain::names::Named as _;
use crate::domain::rules::{self, Context};
use crate::domain::text::parse_decimal;
use crate::domain::{Assessment, MedState};
use crate::instruments::{self, Instrument};
use crate::tui::data::PatientDetail;
use crate::tui::screen::{Cmd, Ctx};
use crate::tui::theme::Theme;
use crate::tui::widgets::{TextField, num};

#[derive(Debug, Clone)]
pub struct AssessmentForm {
    patient_code: String,
    instrument: Choice,
    score: TextField,
    date: TextField,
    assessor: TextField,
    notes: TextField,
    /// The medication state, picked (a row only for an instrument that has one: [`Instrument::has_med_state`]).
    state: TextField,
    /// Last score per instrument, for the hint under the score.
    last_scores: Vec<(String, f64, NaiveDate)>,
    /// The patient's phase for MCIDs (None: a form reopened from a draft, before the patient is read).
    phase: Option<instruments::Phase>,
}

/// Where the cursor starts: the score (the instrument is usually the one used last).
pub const START_ROW: usize = 1;

impl AssessmentForm {
    pub fn new(d: &PatientDetail, ctx: &Ctx) -> AssessmentForm {
        let mut ids: Vec<String> = Vec::new();
        for a in d.assessments.iter().rev() {
            if !ids.contains(&a.instrument) && instruments::get(&a.instrument).is_ok() {
                ids.push(a.instrument.clone());
            }
        }
        for i in instruments::all() {
            if !ids.iter().any(|c| c == i.id) {
                ids.push(i.id.to_string());
            }
        }
        AssessmentForm {
            patient_code: d.patient.code.clone(),
            instrument: Choice::new(ids, 0),
            score: TextField::default(),
            date: TextField::new(ctx.today.to_string()),
            assessor: TextField::default(),
            notes: TextField::default(),
            state: TextField::default(),
            last_scores: last_scores(d),
            phase: Some(crate::app::forecast::phase_of(&d.patient, &d.assessments)),
        }
    }

    pub fn from_draft(d: &FormDraft) -> Option<AssessmentForm> {
        // Drafts kept before the medication state existed have five rows.
        let [_, score, date, assessor, notes, state] = d.rows().or_else(|| {
            let [a, b, c, e, f] = d.rows()?;
            Some([a, b, c, e, f, TextField::default()])
        })?;
        Some(AssessmentForm {
            patient_code: d.patient_code.clone(),
            instrument: Choice::new(d.choices.clone(), d.choice),
            score,
            date,
            assessor,
            notes,
            state,
            last_scores: d.last_scores.clone(),
            phase: None,
        })
    }

    /// Whether the chosen instrument is scored in a medication state (the form then has the State row).
    fn has_state(&self) -> bool {
        self.chosen().is_some_and(Instrument::has_med_state)
    }

    /// The picked state: `Ok(None)` when empty or when the instrument has none.
    fn med_state(&self) -> Result<Option<MedState>, String> {
        match text(&self.state) {
            _ if !self.has_state() => Ok(None),
            "" => Ok(None),
            t => MedState::parse_name(t)
                .map(Some)
                .ok_or_else(|| format!("{t:?} is not a medication state: on or off")),
        }
    }

    fn chosen(&self) -> Option<&'static Instrument> {
        self.instrument
            .current()
            .and_then(|id| instruments::get(id).ok())
    }
}

/// The patient's last score on each instrument, with its date.
fn last_scores(d: &PatientDetail) -> Vec<(String, f64, NaiveDate)> {
    let mut last: Vec<(String, f64, NaiveDate)> = Vec::new();
    for a in d.assessments.iter().rev() {
        if !last.iter().any(|(id, _, _)| *id == a.instrument) {
            last.push((a.instrument.clone(), a.score, a.date));
        }
    }
    last
}

impl FormSpec for AssessmentForm {
    fn kind(&self) -> FormKind {
        FormKind::Assessment
    }

    fn patient_code(&self) -> &str {
        &self.patient_code
    }

    fn title(&self) -> &'static str {
        "new assessment"
    }

    fn heading(&self) -> String {
        format!(" New assessment · {} ", self.patient_code)
    }

    fn what(&self) -> &'static str {
        "an assessment"
    }

    fn rows(&self) -> Vec<Row<'_>> {
        let mut rows = vec![
            Row::choice("Instrument"),
            Row::text("Score", &self.score),
            Row::text("Date", &self.date),
            Row::text("Assessor", &self.assessor),
            Row::text("Notes", &self.notes),
        ];
        if self.has_state() {
            rows.push(Row::text("Medication", &self.state));
        }
        rows
    }

    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>> {
        let has_state = self.has_state();
        let mut fields = vec![
            None,
            Some(&mut self.score),
            Some(&mut self.date),
            Some(&mut self.assessor),
            Some(&mut self.notes),
        ];
        if has_state {
            fields.push(Some(&mut self.state));
        }
        fields
    }

    fn options(&self, row: usize) -> Option<Vec<&'static str>> {
        (row == 5 && self.has_state()).then(picked::<MedState>)
    }

    fn note(&self, row: usize, _focused: bool) -> Option<String> {
        (row == 5 && self.has_state())
            .then(|| "on or off medication (levodopa working or withheld)".to_string())
    }

    fn choice(&self) -> Option<&Choice> {
        Some(&self.instrument)
    }

    fn choose(&mut self, k: usize) -> bool {
        let had_state = self.has_state();
        self.instrument.at = k;
        had_state != self.has_state()
    }

    fn validate(&self, rules: Option<Context<'_>>) -> Vec<Option<String>> {
        let mut instrument = None;
        let mut score = None;
        match self.chosen() {
            None => instrument = Some(format!("choose an instrument with {}", choice_keys())),
            Some(inst) => {
                let s = text(&self.score);
                score = match parse_decimal(s) {
                    _ if s.is_empty() => Some(format!("enter a score, {}", inst.range_text())),
                    Some(v) => rules::check_score(inst.id, v).err().map(|x| x.message),
                    None => Some(format!(
                        "{s:?} is not a number; {} is scored {}",
                        inst.short,
                        inst.range_text()
                    )),
                }
            }
        }
        let day = text(&self.date);
        let date = date_error(day).or_else(|| {
            let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
            rules::check_assessment_date(date, &rules?)
                .err()
                .map(|x| x.message)
        });
        let mut errors = vec![instrument, score, date, None, None];
        if self.has_state() {
            errors.push(self.med_state().err());
        }
        errors
    }

    fn build(&self, _rules: Option<Context<'_>>) -> Result<Cmd, usize> {
        Ok(Cmd::SaveAssessment(Assessment {
            id: 0,
            patient_code: self.patient_code.clone(),
            instrument: self.instrument.current().ok_or(0usize)?.to_string(),
            score: parse_decimal(text(&self.score)).ok_or(1usize)?,
            date: NaiveDate::parse_from_str(text(&self.date), "%Y-%m-%d").map_err(|_| 2usize)?,
            assessor: Some(text(&self.assessor).to_string()).filter(|s| !s.is_empty()),
            notes: text(&self.notes).to_string(),
            med_state: self.med_state().map_err(|_| 5usize)?,
        }))
    }

    fn choice_spans(&self, focused: bool, t: &Theme) -> Vec<Span<'static>> {
        let inst = self.chosen();
        let mut v = vec![choice_span(
            inst.map_or("?", |i| i.short).to_string(),
            focused,
            t,
        )];
        if let Some(inst) = inst {
            v.push(Span::styled(format!("  {}", inst.name), t.dim()));
        }
        v
    }

    /// Under the score: the instrument's range, direction and MCID, and the patient's last score on it.
    fn below(&self, row: usize) -> Option<String> {
        let inst = self.chosen().filter(|_| row == 1)?;
        let mcid = self.phase.map_or(inst.mcid, |p| inst.mcid_in(p));
        let mut s = format!(
            "{}, {}, {} {}",
            inst.range_text(),
            inst.better_word(),
            inst.mcid_word_for(mcid),
            num(mcid)
        );
        if let Some((_, v, d)) = self.last_scores.iter().find(|(id, _, _)| id == inst.id) {
            s.push_str(&format!("; last {} ({d})", num(*v)));
        }
        Some(s)
    }

    /// Reopened from a draft: the phase (subacute or chronic MCID) and the last scores as the overview's form has
    /// them.
    fn set_patient(&mut self, d: &PatientDetail) {
        self.phase = Some(crate::app::forecast::phase_of(&d.patient, &d.assessments));
        self.last_scores = last_scores(d);
    }

    fn draft(&self) -> FormDraft {
        let mut fields = vec![
            TextField::default(),
            self.score.clone(),
            self.date.clone(),
            self.assessor.clone(),
            self.notes.clone(),
        ];
        // The state only when one was picked: a draft without it keeps the five rows older builds read.
        if self.has_state() && !text(&self.state).is_empty() {
            fields.push(self.state.clone());
        }
        let mut d = FormDraft::new(FormKind::Assessment, &self.patient_code, fields);
        d.choices = self.instrument.ids.clone();
        d.choice = self.instrument.at;
        d.last_scores = self.last_scores.clone();
        d
    }

    fn clone_box(&self) -> Box<dyn FormSpec> {
        Box::new(self.clone())
    }
}
