//! A new patient: condition (a choice), code (the next free one suggested), birth year, name, notes. The
//! condition's facts are added in the patient editor.

use ratatui::text::Span;

use super::draft::{FormDraft, FormKind};
use super::field::{CONDITIONS, Choice, FormSpec, Row, choice_span, condition_choice, text};
use crate::domain::rules::{self, Context};
use crate::domain::{ConditionKind, Patient};
use crate::tui::screen::Cmd;
use crate::tui::theme::Theme;
use crate::tui::widgets::TextField;

#[derive(Debug, Clone)]
pub struct NewPatientForm {
    condition: Choice,
    code: TextField,
    birth_year: TextField,
    name: TextField,
    notes: TextField,
}

/// Where the cursor starts: the birth year (the code is suggested).
pub const START_ROW: usize = 2;

impl NewPatientForm {
    pub fn new(suggested_code: String) -> NewPatientForm {
        NewPatientForm {
            condition: condition_choice(ConditionKind::Stroke),
            code: TextField::new(suggested_code),
            birth_year: TextField::default(),
            name: TextField::default(),
            notes: TextField::default(),
        }
    }

    pub fn from_draft(d: &FormDraft) -> Option<NewPatientForm> {
        let [_, code, birth_year, name, notes] = d.rows()?;
        Some(NewPatientForm {
            condition: Choice::new(d.choices.clone(), d.choice),
            code,
            birth_year,
            name,
            notes,
        })
    }

    fn kind_chosen(&self) -> ConditionKind {
        CONDITIONS[self.condition.at.min(CONDITIONS.len() - 1)]
    }

    fn patient(&self) -> Result<Patient, String> {
        let year: i32 = text(&self.birth_year)
            .parse()
            .map_err(|_| format!("birth year {:?} is not a year", text(&self.birth_year)))?;
        let fields = crate::app::patients::PatientFields {
            name: Some(text(&self.name).to_string()).filter(|s| !s.is_empty()),
            notes: Some(text(&self.notes).to_string()).filter(|s| !s.is_empty()),
            ..Default::default()
        };
        crate::app::patients::new_patient(text(&self.code), year, self.kind_chosen(), &fields)
            .map_err(|e| e.to_string())
    }
}

impl FormSpec for NewPatientForm {
    fn kind(&self) -> FormKind {
        FormKind::NewPatient
    }

    fn patient_code(&self) -> &str {
        ""
    }

    fn title(&self) -> &'static str {
        "new patient"
    }

    fn heading(&self) -> String {
        " New patient ".to_string()
    }

    fn what(&self) -> &'static str {
        "a new patient"
    }

    fn rows(&self) -> Vec<Row<'_>> {
        vec![
            Row::choice("Condition"),
            Row::text("Code", &self.code),
            Row::text("Birth year", &self.birth_year),
            Row::text("Name", &self.name),
            Row::text("Notes", &self.notes),
        ]
    }

    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>> {
        vec![
            None,
            Some(&mut self.code),
            Some(&mut self.birth_year),
            Some(&mut self.name),
            Some(&mut self.notes),
        ]
    }

    fn choice(&self) -> Option<&Choice> {
        Some(&self.condition)
    }

    fn choose(&mut self, k: usize) -> bool {
        self.condition.at = k;
        false
    }

    fn validate(&self, rules: Option<Context<'_>>) -> Vec<Option<String>> {
        let code = crate::domain::validate_patient_code(text(&self.code)).err();
        let year = text(&self.birth_year);
        let birth_year = match year.parse::<i32>() {
            Ok(y) => rules
                .and_then(|c| rules::check_birth_year(y, c.today).err())
                .map(|x| x.message),
            _ => Some(format!("birth year is a year like 1958; got {year:?}")),
        };
        vec![None, code, birth_year, None, None]
    }

    fn build(&self, _rules: Option<Context<'_>>) -> Result<Cmd, usize> {
        self.patient().map(Cmd::SavePatient).map_err(|_| 2)
    }

    fn choice_spans(&self, focused: bool, t: &Theme) -> Vec<Span<'static>> {
        vec![choice_span(
            self.kind_chosen().label().to_string(),
            focused,
            t,
        )]
    }

    fn draft(&self) -> FormDraft {
        let mut d = FormDraft::new(
            FormKind::NewPatient,
            "",
            vec![
                TextField::default(),
                self.code.clone(),
                self.birth_year.clone(),
                self.name.clone(),
                self.notes.clone(),
            ],
        );
        d.choices = self.condition.ids.clone();
        d.choice = self.condition.at;
        d
    }

    fn clone_box(&self) -> Box<dyn FormSpec> {
        Box::new(self.clone())
    }
}
