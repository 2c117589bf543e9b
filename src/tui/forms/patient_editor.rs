//! The patient editor: the profile (name, birth year, sex, hand, paretic side, notes), the condition (a choice),
//! then that condition's facts. An empty field is "unknown" (or "none" for notes), so a fact can be cleared. The
//! save is versioned: someone else's save meanwhile is shown beside this one ([`Conflict`]).

use chrono::NaiveDate;
use ratatui::text::{Line, Span};

use super::draft::{FormDraft, FormKind};
use super::field::{
    CONDITIONS, Choice, Conflict, FormSpec, Row, Theirs, choice_keys, choice_span,
    condition_choice, picked, take_theirs, text, texts, venum, vname, vnum,
};
use crate::app::patients::PatientFields;
use crate::domain::rules::{self, Context};
use crate::domain::{Condition, ConditionKind, Named, Patient};
use crate::tui::keymap;
use crate::tui::screen::Cmd;
use crate::tui::theme::Theme;
use crate::tui::widgets::{TextField, num};

/// The rows before the condition's facts.
const BIRTH_YEAR: usize = 1;
const CONDITION: usize = 6;
const FACTS: usize = 7;

/// A condition's facts, as typed.
#[derive(Debug, Clone)]
enum Facts {
    Stroke {
        onset: TextField,
        stroke_type: TextField,
        corticospinal: TextField,
        mep: TextField,
        nihss: TextField,
        extension: TextField,
    },
    Parkinsons {
        diagnosis_year: TextField,
        hoehn_yahr: TextField,
        medication: TextField,
    },
    CerebellarAtaxia {
        ataxia_type: TextField,
    },
    OlderAdult {
        falls: TextField,
    },
}

fn names<T: Named>() -> String {
    T::names().join(", ")
}

impl Facts {
    /// The facts of a condition as recorded.
    fn of(c: &Condition) -> Facts {
        let f = TextField::new;
        match c {
            Condition::Stroke(s) => Facts::Stroke {
                onset: f(s.onset_date.map_or(String::new(), |d| d.to_string())),
                stroke_type: f(vname(s.stroke_type)),
                corticospinal: f(vname(s.corticospinal)),
                mep: f(vname(s.mep)),
                nihss: f(s.nihss.map_or(String::new(), |n| n.to_string())),
                extension: f(vname(s.active_extension)),
            },
            Condition::Parkinsons(pd) => Facts::Parkinsons {
                diagnosis_year: f(pd.diagnosis_year.map_or(String::new(), |y| y.to_string())),
                hoehn_yahr: f(pd.hoehn_yahr.map_or(String::new(), num)),
                medication: f(vname(pd.medication)),
            },
            Condition::CerebellarAtaxia(a) => Facts::CerebellarAtaxia {
                ataxia_type: f(a.ataxia_type.clone().unwrap_or_default()),
            },
            Condition::OlderAdult(o) => Facts::OlderAdult {
                falls: f(o.falls_last_year.map_or(String::new(), |n| n.to_string())),
            },
        }
    }

    /// A condition's facts, all unknown.
    fn unknown(kind: ConditionKind) -> Facts {
        Facts::of(&crate::app::patients::empty_condition(kind))
    }

    /// From a draft's rows (`None` if there are not as many as the condition has facts).
    fn from_rows(kind: ConditionKind, rows: &[TextField]) -> Option<Facts> {
        let mut facts = Facts::unknown(kind);
        let mut fields = facts.fields_mut();
        if fields.len() != rows.len() {
            return None;
        }
        for (f, r) in fields.iter_mut().zip(rows) {
            **f = r.clone();
        }
        Some(facts)
    }

    /// Label, field and the values it takes, in order.
    fn rows(&self) -> Vec<(&'static str, &TextField, String)> {
        match self {
            Facts::Stroke {
                onset,
                stroke_type,
                corticospinal,
                mep,
                nihss,
                extension,
            } => {
                use crate::domain::{Corticospinal, Mep, StrokeType};
                vec![
                    ("Onset date", onset, "YYYY-MM-DD".into()),
                    ("Stroke type", stroke_type, names::<StrokeType>()),
                    ("CST status", corticospinal, names::<Corticospinal>()),
                    ("MEP", mep, names::<Mep>()),
                    ("NIHSS", nihss, "0-42".into()),
                    (
                        "Wrist/finger",
                        extension,
                        "present, absent (active extension: wrist >= 20 deg, fingers >= 10)".into(),
                    ),
                ]
            }
            Facts::Parkinsons {
                diagnosis_year,
                hoehn_yahr,
                medication,
            } => vec![
                ("Diagnosis yr", diagnosis_year, "a year like 2021".into()),
                (
                    "Hoehn & Yahr",
                    hoehn_yahr,
                    "0, 1, 1.5, 2, 2.5, 3, 4, 5".into(),
                ),
                (
                    "Medication",
                    medication,
                    names::<crate::domain::Medication>(),
                ),
            ],
            Facts::CerebellarAtaxia { ataxia_type } => vec![(
                "Ataxia type",
                ataxia_type,
                "e.g. SCA3, Friedreich, MSA-C".into(),
            )],
            Facts::OlderAdult { falls } => vec![("Falls, 1 yr", falls, "0-365".into())],
        }
    }

    fn fields_mut(&mut self) -> Vec<&mut TextField> {
        match self {
            Facts::Stroke {
                onset,
                stroke_type,
                corticospinal,
                mep,
                nihss,
                extension,
            } => vec![onset, stroke_type, corticospinal, mep, nihss, extension],
            Facts::Parkinsons {
                diagnosis_year,
                hoehn_yahr,
                medication,
            } => vec![diagnosis_year, hoehn_yahr, medication],
            Facts::CerebellarAtaxia { ataxia_type } => vec![ataxia_type],
            Facts::OlderAdult { falls } => vec![falls],
        }
    }

    /// Put the typed facts into `f`, or the fact (its place among the facts) that does not parse and why.
    fn apply(&self, f: &mut PatientFields) -> Result<(), (usize, String)> {
        let at = |i: usize| move |e: String| (i, e);
        match self {
            Facts::Stroke {
                onset,
                stroke_type,
                corticospinal,
                mep,
                nihss,
                extension,
            } => {
                f.onset = match text(onset) {
                    "" => None,
                    s => Some(
                        NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map_err(|_| (0, format!("{s:?} is not a date; use YYYY-MM-DD")))?,
                    ),
                };
                f.stroke_type = venum(text(stroke_type), "stroke type").map_err(at(1))?;
                f.corticospinal = venum(text(corticospinal), "CST status").map_err(at(2))?;
                f.mep = venum(text(mep), "MEP").map_err(at(3))?;
                f.nihss = vnum(text(nihss), "NIHSS").map_err(at(4))?;
                f.active_extension =
                    venum(text(extension), "wrist/finger extension").map_err(at(5))?;
            }
            Facts::Parkinsons {
                diagnosis_year,
                hoehn_yahr,
                medication,
            } => {
                f.diagnosis_year = vnum(text(diagnosis_year), "diagnosis year").map_err(at(0))?;
                // A decimal comma is a point: "2,5" is stage 2.5.
                f.hoehn_yahr = match text(hoehn_yahr) {
                    "" => None,
                    s => Some(
                        crate::domain::text::parse_decimal(s)
                            .ok_or_else(|| (1, format!("Hoehn & Yahr is a number; got {s:?}")))?,
                    ),
                };
                f.medication = venum(text(medication), "medication").map_err(at(2))?;
            }
            Facts::CerebellarAtaxia { ataxia_type } => {
                f.ataxia_type = Some(text(ataxia_type).to_string());
            }
            Facts::OlderAdult { falls } => f.falls = vnum(text(falls), "falls").map_err(at(0))?,
        }
        Ok(())
    }

    /// The values fact `i` is picked from (the facts with a fixed list: stroke type, CST status, MEP,
    /// medication); `None` for a typed fact.
    fn options(&self, i: usize) -> Option<Vec<&'static str>> {
        use crate::domain::{Corticospinal, Medication, Mep, StrokeType};
        match (self, i) {
            (Facts::Stroke { .. }, 1) => Some(picked::<StrokeType>()),
            (Facts::Stroke { .. }, 2) => Some(picked::<Corticospinal>()),
            (Facts::Stroke { .. }, 3) => Some(picked::<Mep>()),
            (Facts::Stroke { .. }, 5) => Some(picked::<crate::domain::ActiveExtension>()),
            (Facts::Parkinsons { .. }, 2) => Some(picked::<Medication>()),
            _ => None,
        }
    }

    /// The fact a rule refusing `field` is about: NIHSS and the Hoehn & Yahr stage by name, else (onset,
    /// diagnosis year, ataxia type, falls) the condition's first fact.
    fn place_of(&self, field: &str) -> usize {
        match (self, field) {
            (Facts::Stroke { .. }, "nihss") => 4,
            (Facts::Parkinsons { .. }, "hoehn_yahr") => 1,
            _ => 0,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PatientEditor {
    /// The record as read (its version is what the save checks).
    original: Box<Patient>,
    /// The version someone else saved meanwhile (a refused save); both are shown.
    theirs: Option<Box<Patient>>,
    name: TextField,
    birth_year: TextField,
    sex: TextField,
    hand: TextField,
    affected_side: TextField,
    notes: TextField,
    condition: Choice,
    facts: Facts,
}

impl PatientEditor {
    /// The editor filled with the patient's profile and condition facts.
    pub fn new(p: &Patient) -> PatientEditor {
        let f = TextField::new;
        PatientEditor {
            original: Box::new(p.clone()),
            theirs: None,
            name: f(p.name.clone().unwrap_or_default()),
            birth_year: f(p.birth_year.to_string()),
            sex: f(vname(p.sex)),
            hand: f(vname(p.dominant_hand)),
            affected_side: f(vname(p.affected_side)),
            notes: f(p.notes.clone()),
            condition: condition_choice(p.condition.kind()),
            facts: Facts::of(&p.condition),
        }
    }

    pub fn from_draft(d: &FormDraft) -> Option<PatientEditor> {
        let original = d.original.clone()?;
        let condition = Choice::new(d.choices.clone(), d.choice);
        let kind = kind_of(&condition).unwrap_or(original.condition.kind());
        let (profile, facts) = d.fields.split_at_checked(FACTS)?;
        let [name, birth_year, sex, hand, affected_side, notes, _] =
            <[TextField; FACTS]>::try_from(profile.to_vec()).ok()?;
        Some(PatientEditor {
            original,
            theirs: d.theirs.clone(),
            name,
            birth_year,
            sex,
            hand,
            affected_side,
            notes,
            condition,
            facts: Facts::from_rows(kind, facts)?,
        })
    }

    /// The condition chosen (the record's, until changed with ← →).
    fn kind(&self) -> ConditionKind {
        kind_of(&self.condition).unwrap_or(self.original.condition.kind())
    }

    /// Choose another condition. Its facts are shown instead: the record's own when it is the record's
    /// condition, else unknown.
    fn set_condition(&mut self, k: usize) {
        self.condition.at = k;
        let kind = self.kind();
        self.facts = if self.original.condition.kind() == kind {
            Facts::of(&self.original.condition)
        } else {
            Facts::unknown(kind)
        };
    }

    /// The edited patient (the original's version kept, for the store's check), or the bad row and why.
    fn edited(&self, rules: Option<Context<'_>>) -> Result<Patient, (usize, String)> {
        let year: i32 = text(&self.birth_year).parse().map_err(|_| {
            (
                BIRTH_YEAR,
                format!(
                    "birth year is a year like 1958; got {:?}",
                    text(&self.birth_year)
                ),
            )
        })?;
        let mut f = PatientFields {
            name: Some(text(&self.name).to_string()),
            sex: venum(text(&self.sex), "sex").map_err(|e| (2, e))?,
            hand: venum(text(&self.hand), "hand").map_err(|e| (3, e))?,
            affected_side: venum(text(&self.affected_side), "side").map_err(|e| (4, e))?,
            notes: Some(text(&self.notes).to_string()),
            ..Default::default()
        };
        self.facts.apply(&mut f).map_err(|(i, e)| (FACTS + i, e))?;
        let kind = self.kind();
        // Every field is on the form, so an empty one means unknown: start from a record with no optional
        // profile fields and no facts, and let the form's fields fill it.
        let mut p = Patient {
            sex: None,
            dominant_hand: None,
            affected_side: None,
            condition: crate::app::patients::empty_condition(kind),
            ..Patient::clone(&self.original)
        };
        crate::app::patients::apply(&mut p, Some(year), Some(kind), &f)
            .map_err(|e| (FACTS, e.to_string()))?;
        if let Some(ctx) = rules {
            rules::check_patient(&p, &ctx).map_err(|e| {
                let i = match e.field {
                    "name" => 0,
                    "birth_year" => BIRTH_YEAR,
                    field => FACTS + self.facts.place_of(field),
                };
                (i, e.message)
            })?;
        }
        Ok(p)
    }
}

fn kind_of(c: &Choice) -> Option<ConditionKind> {
    c.current()
        .and_then(|id| CONDITIONS.iter().find(|k| k.id() == id))
        .copied()
}

/// The editor's row texts for a patient, in the order of its rows.
pub fn patient_texts(p: &Patient) -> Vec<String> {
    texts(&PatientEditor::new(p))
}

impl FormSpec for PatientEditor {
    fn kind(&self) -> FormKind {
        FormKind::EditPatient
    }

    fn patient_code(&self) -> &str {
        &self.original.code
    }

    fn title(&self) -> &'static str {
        "edit patient"
    }

    fn heading(&self) -> String {
        format!(" Edit patient · {} ", self.original.code)
    }

    fn what(&self) -> &'static str {
        "a patient edit"
    }

    fn rows(&self) -> Vec<Row<'_>> {
        let mut v = vec![
            Row::text("Name", &self.name),
            Row::text("Birth year", &self.birth_year),
            Row::text("Sex", &self.sex),
            Row::text("Hand", &self.hand),
            Row::text("Paretic side", &self.affected_side),
            Row::text("Notes", &self.notes),
            Row::choice("Condition"),
        ];
        v.extend(
            self.facts
                .rows()
                .into_iter()
                .map(|(l, f, _)| Row::text(l, f)),
        );
        v
    }

    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>> {
        let mut v = vec![
            Some(&mut self.name),
            Some(&mut self.birth_year),
            Some(&mut self.sex),
            Some(&mut self.hand),
            Some(&mut self.affected_side),
            Some(&mut self.notes),
            None,
        ];
        v.extend(self.facts.fields_mut().into_iter().map(Some));
        v
    }

    fn choice(&self) -> Option<&Choice> {
        Some(&self.condition)
    }

    fn choose(&mut self, k: usize) -> bool {
        self.set_condition(k);
        true
    }

    /// Every row's error, not only the first: the first bad row is found, set aside (emptied, which is "unknown"
    /// and valid for every optional field; the birth year is put back as read), and the rest checked again.
    fn validate(&self, rules: Option<Context<'_>>) -> Vec<Option<String>> {
        let n = self.rows().len();
        let mut e = vec![None; n];
        let mut probe = self.clone();
        for _ in 0..n {
            let Err((i, msg)) = probe.edited(rules) else {
                break;
            };
            match e.get_mut(i) {
                Some(slot @ None) => *slot = Some(msg),
                _ => break,
            }
            let reset = if i == BIRTH_YEAR {
                self.original.birth_year.to_string()
            } else {
                String::new()
            };
            if let Some(Some(f)) = probe.fields_mut().into_iter().nth(i) {
                *f = TextField::new(reset);
            }
        }
        e
    }

    fn build(&self, rules: Option<Context<'_>>) -> Result<Cmd, usize> {
        self.edited(rules)
            .map(Cmd::UpdatePatient)
            .map_err(|(i, _)| i)
    }

    fn choice_spans(&self, focused: bool, t: &Theme) -> Vec<Span<'static>> {
        let kind = self.kind();
        let mut v = vec![choice_span(kind.label().to_string(), focused, t)];
        if self.original.condition.kind() != kind {
            v.push(Span::styled("  changed: its facts start unknown", t.dim()));
        } else if focused {
            v.push(Span::styled(
                format!("  {} to change", choice_keys()),
                t.dim(),
            ));
        }
        v
    }

    /// Sex, hand, paretic side and the facts with a fixed list are picked with ← →, not typed.
    fn options(&self, row: usize) -> Option<Vec<&'static str>> {
        use crate::domain::{Hand, Sex, Side};
        match row {
            2 => Some(picked::<Sex>()),
            3 => Some(picked::<Hand>()),
            4 => Some(picked::<Side>()),
            i if i >= FACTS => self.facts.options(i - FACTS),
            _ => None,
        }
    }

    /// The values a row takes, shown while it has the focus (for a picked row, the keys that pick).
    fn note(&self, row: usize, focused: bool) -> Option<String> {
        if !focused {
            return None;
        }
        if let Some(options) = self.options(row) {
            return Some(format!(
                "{} or a letter: {}",
                choice_keys(),
                options
                    .iter()
                    .skip(1)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        Some(match row {
            BIRTH_YEAR => "a year like 1958".into(),
            i if i >= FACTS => self.facts.rows().into_iter().nth(i - FACTS)?.2,
            _ => return None,
        })
    }

    fn footnote(&self, t: &Theme) -> Option<Line<'static>> {
        Some(Line::from(vec![
            Span::styled("An empty field is saved as unknown; ", t.dim()),
            Span::styled(keymap::EMPTY_FIELD.long_label(), t.key()),
            Span::styled(" empties the field.", t.dim()),
        ]))
    }

    fn conflict(&self) -> Option<Conflict> {
        let theirs = self.theirs.as_deref()?;
        Some(Conflict {
            what: self.original.code.clone(),
            before: patient_texts(&self.original),
            mine: texts(self),
            theirs: patient_texts(theirs),
            mine_version: self.original.version,
            their_version: theirs.version,
        })
    }

    fn reapply(&mut self) {
        let Some(theirs) = self.theirs.take() else {
            return;
        };
        let before = patient_texts(&self.original);
        let new = patient_texts(&theirs);
        let unchanged = take_theirs(self, &before, &new);
        self.original = theirs;
        // They changed the condition and this therapist did not: take their condition and its facts.
        if unchanged.get(CONDITION) == Some(&true)
            && let Some(k) = new
                .get(CONDITION)
                .and_then(|id| self.condition.ids.iter().position(|c| c == id))
            && k != self.condition.at
        {
            self.set_condition(k);
        }
    }

    fn set_theirs(&mut self, theirs: Theirs) -> bool {
        match theirs {
            Theirs::Patient(p) => {
                self.theirs = Some(p);
                true
            }
            Theirs::Plan(_) => false,
        }
    }

    fn draft(&self) -> FormDraft {
        let mut fields: Vec<TextField> = self
            .rows()
            .iter()
            .map(|r| r.field.cloned().unwrap_or_default())
            .collect();
        fields[CONDITION] = TextField::new(self.kind().id());
        let mut d = FormDraft::new(FormKind::EditPatient, &self.original.code, fields);
        d.choices = self.condition.ids.clone();
        d.choice = self.condition.at;
        d.original = Some(self.original.clone());
        d.theirs = self.theirs.clone();
        d
    }

    fn clone_box(&self) -> Box<dyn FormSpec> {
        Box::new(self.clone())
    }
}
