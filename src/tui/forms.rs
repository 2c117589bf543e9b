//! The two forms a therapist uses between patients: assessment entry and session logging. Fields validate as they
//! are typed; Ctrl-S (or Enter on the last field) saves; a refused save keeps everything typed.

use chrono::{NaiveDate, NaiveDateTime};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use serde::{Deserialize, Serialize};

use super::data::PatientDetail;
use super::keymap::{self, Action, Mode};
use super::screen::{Cmd, Ctx, Outcome, Screen};
use super::widgets::{TextField, num};
use crate::domain::Named;
use crate::domain::{
    Assessment, Condition, ConditionKind, Patient, Plan, PlanStatus, SessionLog, rules,
};
use crate::instruments::{self, Instrument};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormKind {
    Assessment,
    Session,
    NewPatient,
    EditPatient,
    EditPlan,
}

/// A form's state: what is needed to draw it, and all that a draft keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Form {
    pub kind: FormKind,
    pub patient_code: String,
    /// Assessment: instrument ids to choose from (the patient's own first).
    #[serde(default)]
    pub choices: Vec<String>,
    #[serde(default)]
    pub choice: usize,
    pub fields: Vec<TextField>,
    pub focus: usize,
    /// Show every field's error (after a save was tried), not only those of fields already typed in.
    #[serde(default)]
    pub tried: bool,
    /// Message from a refused save.
    #[serde(default)]
    pub save_error: Option<String>,
    /// Last score per instrument, for the hint line (assessment form).
    #[serde(default)]
    pub last_scores: Vec<(String, f64, NaiveDate)>,
    /// Patient editor: the record as read (its version is what the save checks).
    #[serde(default)]
    pub original: Option<Box<Patient>>,
    /// Patient editor: the version someone else saved meanwhile (a refused save); both are shown.
    #[serde(default)]
    pub theirs: Option<Box<Patient>>,
    /// Plan editor: the active plan as read (None: the patient has none; saving sets a new one).
    #[serde(default)]
    pub plan: Option<Plan>,
    /// Plan editor: the version someone else saved meanwhile.
    #[serde(default)]
    pub theirs_plan: Option<Plan>,
    /// The day the form was opened. Plan editor: a new protocol starts then, unless another start is typed;
    /// assessment and session forms: a later date is refused as in the future.
    #[serde(default)]
    pub opened_on: Option<NaiveDate>,
    /// What the shared rules check this form's values against, and a warning waiting to be confirmed. Not kept in
    /// drafts (the patient's record stays in the database): the app sets it again when a draft is reopened.
    #[serde(skip)]
    pub rules: FormRules,
}

/// The context of the shared rules ([`rules`]) for a form: the clock, the patient, the protocol library, the
/// patient's assessments (for the same-day and MDC warnings), and what is pending.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FormRules {
    /// The clock at the last key (set by the app); a session later than this is in the future.
    pub now: Option<NaiveDateTime>,
    /// The patient the record is for (birth year, stroke onset).
    pub patient: Option<Box<Patient>>,
    /// Assessment form: the patient's assessments, for the warnings.
    pub earlier: Vec<Assessment>,
    /// The warning shown after a save whose values look wrong: the same save again confirms it.
    pub confirm: Option<String>,
    /// The protocol library.
    pub protocols: Option<std::sync::Arc<rules::Protocols>>,
    /// Choice fields: the letters typed so far (type-ahead); any other key starts again.
    pub typed: String,
}

const ASSESS_LABELS: [&str; 5] = ["Instrument", "Score", "Date", "Assessor", "Notes"];
const PATIENT_LABELS: [&str; 5] = ["Condition", "Code", "Birth year", "Name", "Notes"];
const CONDITIONS: [ConditionKind; 4] = [
    ConditionKind::Stroke,
    ConditionKind::Parkinsons,
    ConditionKind::CerebellarAtaxia,
    ConditionKind::OlderAdult,
];

const SESSION_LABELS: [&str; 8] = [
    "Protocol",
    "Date, time",
    "Minutes",
    "Repetitions",
    "Level",
    "Success %",
    "RPE 0-10",
    "Notes",
];

impl FormRules {
    /// For a form about patient `d`; `assessments`: keep their assessments for the warnings.
    fn for_patient(d: &PatientDetail, ctx: &Ctx, assessments: bool) -> FormRules {
        let mut r = FormRules {
            now: Some(ctx.now),
            protocols: Some(ctx.protocols.clone()),
            ..FormRules::default()
        };
        r.set_patient(d, assessments);
        r
    }

    /// The patient the form is about (and, for an assessment, their assessments).
    pub fn set_patient(&mut self, d: &PatientDetail, assessments: bool) {
        self.patient = Some(Box::new(d.patient.clone()));
        self.earlier = if assessments {
            d.assessments.clone()
        } else {
            Vec::new()
        };
    }
}

impl Form {
    pub fn assessment(d: &PatientDetail, ctx: &Ctx) -> Form {
        let mut choices: Vec<String> = Vec::new();
        for a in d.assessments.iter().rev() {
            if !choices.contains(&a.instrument) && instruments::get(&a.instrument).is_ok() {
                choices.push(a.instrument.clone());
            }
        }
        for i in instruments::all() {
            if !choices.iter().any(|c| c == i.id) {
                choices.push(i.id.to_string());
            }
        }
        let mut last_scores: Vec<(String, f64, NaiveDate)> = Vec::new();
        for a in d.assessments.iter().rev() {
            if !last_scores.iter().any(|(id, _, _)| *id == a.instrument) {
                last_scores.push((a.instrument.clone(), a.score, a.date));
            }
        }
        Form {
            kind: FormKind::Assessment,
            patient_code: d.patient.code.clone(),
            choices,
            choice: 0,
            fields: vec![
                TextField::default(),
                TextField::default(),
                TextField::new(ctx.today.to_string()),
                TextField::default(),
                TextField::default(),
            ],
            focus: 1,
            tried: false,
            save_error: None,
            last_scores,
            original: None,
            theirs: None,
            plan: None,
            theirs_plan: None,
            opened_on: Some(ctx.today),
            rules: FormRules::for_patient(d, ctx, true),
        }
    }

    /// Pre-filled from the active plan: its protocol's dose (minutes, repetitions) is the default, as the README
    /// says; a protocol the library does not know falls back to the last session's dose. Level is the last
    /// session's of that protocol (where the patient got to), else the protocol's starting level.
    pub fn session(d: &PatientDetail, ctx: &Ctx) -> Form {
        let protocol = d
            .plan
            .as_ref()
            .map(|p| p.protocol_id.clone())
            .or_else(|| d.sessions.first().map(|s| s.protocol_id.clone()))
            .unwrap_or_default();
        let last = d.sessions.iter().find(|s| s.protocol_id == protocol);
        let (minutes, reps) = match (ctx.plan_dose(&protocol), last) {
            (Some((m, r)), _) => (m.to_string(), r.to_string()),
            (None, Some(s)) => (s.minutes.to_string(), s.repetitions.to_string()),
            (None, None) => (String::new(), String::new()),
        };
        let level = last
            .and_then(|s| s.level)
            .or_else(|| ctx.start_level(&protocol))
            .map_or(String::new(), |l| l.to_string());
        Form {
            kind: FormKind::Session,
            patient_code: d.patient.code.clone(),
            choices: Vec::new(),
            choice: 0,
            fields: vec![
                TextField::new(protocol),
                TextField::new(ctx.now.format("%Y-%m-%d %H:%M").to_string()),
                TextField::new(minutes),
                TextField::new(reps),
                TextField::new(level),
                TextField::default(),
                TextField::default(),
                TextField::default(),
            ],
            // Straight to repetitions: protocol, time and minutes are usually right.
            focus: 3,
            tried: false,
            save_error: None,
            last_scores: Vec::new(),
            original: None,
            theirs: None,
            plan: None,
            theirs_plan: None,
            opened_on: Some(ctx.today),
            rules: FormRules::for_patient(d, ctx, false),
        }
    }

    /// A new patient: condition, code (next free one suggested), birth year, name, notes. The condition's facts
    /// are added with `praxis patient edit`.
    pub fn new_patient(suggested_code: String) -> Form {
        Form {
            kind: FormKind::NewPatient,
            patient_code: String::new(),
            choices: CONDITIONS.iter().map(|k| k.id().to_string()).collect(),
            choice: 0,
            fields: vec![
                TextField::default(),
                TextField::new(suggested_code),
                TextField::default(),
                TextField::default(),
                TextField::default(),
            ],
            focus: 2,
            tried: false,
            save_error: None,
            last_scores: Vec::new(),
            original: None,
            theirs: None,
            plan: None,
            theirs_plan: None,
            opened_on: None,
            rules: FormRules::default(),
        }
    }

    pub fn labels(&self) -> &'static [&'static str] {
        match self.kind {
            FormKind::Assessment => &ASSESS_LABELS,
            FormKind::Session => &SESSION_LABELS,
            FormKind::NewPatient => &PATIENT_LABELS,
            FormKind::EditPlan => &PLAN_LABELS,
            FormKind::EditPatient => edit_labels(self.edit_kind()),
        }
    }

    /// The field chosen with ← → instead of typed, if the form has one.
    fn choice_field(&self) -> Option<usize> {
        match self.kind {
            FormKind::Assessment | FormKind::NewPatient | FormKind::EditPlan => Some(0),
            FormKind::EditPatient => Some(EDIT_CONDITION),
            FormKind::Session => None,
        }
    }

    /// Whether the fields match the labels (a draft kept by an older Praxis may not).
    pub fn is_consistent(&self) -> bool {
        self.fields.len() == self.labels().len()
            && self.focus < self.fields.len()
            && self
                .choice_field()
                .is_none_or(|_| self.choices.is_empty() || self.choice < self.choices.len())
    }

    /// Patient editor: the condition chosen (the record's, until changed with ← →).
    fn edit_kind(&self) -> ConditionKind {
        self.choices
            .get(self.choice)
            .and_then(|id| CONDITIONS.iter().find(|k| k.id() == id))
            .copied()
            .or_else(|| self.original.as_ref().map(|p| p.condition.kind()))
            .unwrap_or(ConditionKind::Stroke)
    }

    /// Patient editor: choose another condition. Its facts are shown instead: the record's own when it is the
    /// record's condition, else empty (unknown).
    fn set_condition(&mut self, choice: usize) {
        self.choice = choice;
        let kind = self.edit_kind();
        self.fields.truncate(EDIT_FACTS);
        if let Some(f) = self.fields.get_mut(EDIT_CONDITION) {
            *f = TextField::new(kind.id());
        }
        match self.original.as_deref() {
            Some(orig) if orig.condition.kind() == kind => self.fields.extend(
                patient_texts(orig)
                    .into_iter()
                    .skip(EDIT_FACTS)
                    .map(TextField::new),
            ),
            _ => {
                let n = edit_labels(kind).len() - EDIT_FACTS;
                self.fields
                    .extend(std::iter::repeat_n(TextField::default(), n));
            }
        }
        self.save_error = None;
    }

    fn patient(&self) -> Result<crate::domain::Patient, String> {
        let kind = CONDITIONS[self.choice.min(CONDITIONS.len() - 1)];
        let year: i32 = self
            .text(2)
            .parse()
            .map_err(|_| format!("birth year {:?} is not a year", self.text(2)))?;
        let fields = crate::app::patients::PatientFields {
            name: Some(self.text(3).to_string()).filter(|s| !s.is_empty()),
            notes: Some(self.text(4).to_string()).filter(|s| !s.is_empty()),
            ..Default::default()
        };
        crate::app::patients::new_patient(self.text(1), year, kind, &fields)
            .map_err(|e| e.to_string())
    }

    /// What the form makes, for the offer of a kept draft ("an assessment for P-0001").
    pub fn what(&self) -> &'static str {
        match self.kind {
            FormKind::Assessment => "an assessment",
            FormKind::Session => "a session log",
            FormKind::NewPatient => "a new patient",
            FormKind::EditPatient => "a patient edit",
            FormKind::EditPlan => "a plan edit",
        }
    }

    pub fn heading(&self) -> String {
        match self.kind {
            FormKind::Assessment => format!(" New assessment · {} ", self.patient_code),
            FormKind::Session => format!(" Log a session · {} ", self.patient_code),
            FormKind::NewPatient => " New patient ".to_string(),
            FormKind::EditPatient => format!(" Edit patient · {} ", self.patient_code),
            FormKind::EditPlan => format!(" Edit plan · {} ", self.patient_code),
        }
    }

    pub fn instrument(&self) -> Option<&'static Instrument> {
        self.choices
            .get(self.choice)
            .and_then(|id| instruments::get(id).ok())
    }

    fn text(&self, i: usize) -> &str {
        self.fields[i].text.trim()
    }

    /// Error of each field (None = fine).
    pub fn errors(&self) -> Vec<Option<String>> {
        match self.kind {
            FormKind::EditPatient => self.edit_errors(),
            FormKind::EditPlan => {
                let mut e = vec![None; self.fields.len()];
                if let Err((i, msg)) = self.edited_plan()
                    && let Some(slot) = e.get_mut(i)
                {
                    *slot = Some(msg);
                }
                e
            }
            FormKind::NewPatient => {
                let mut e = vec![None; 5];
                e[1] = crate::domain::validate_patient_code(self.text(1)).err();
                e[2] = match self.text(2).parse::<i32>() {
                    Ok(y) => self
                        .rules_ctx()
                        .and_then(|c| rules::check_birth_year(y, c.today).err())
                        .map(|x| x.message),
                    _ => Some(format!(
                        "birth year is a year like 1958; got {:?}",
                        self.text(2)
                    )),
                };
                e
            }
            FormKind::Assessment => {
                let mut e = vec![None; 5];
                let ctx = self.rules_ctx();
                match self.instrument() {
                    None => e[0] = Some("choose an instrument with ← →".into()),
                    Some(inst) => {
                        e[1] = match self.text(1).parse::<f64>() {
                            _ if self.text(1).is_empty() => {
                                Some(format!("enter a score, {}", inst.range_text()))
                            }
                            Ok(v) => rules::check_score(inst.id, v).err().map(|x| x.message),
                            Err(_) => Some(format!(
                                "{:?} is not a number; {} is scored {}",
                                self.text(1),
                                inst.short,
                                inst.range_text()
                            )),
                        }
                    }
                }
                e[2] = date_error(self.text(2)).or_else(|| {
                    let date = NaiveDate::parse_from_str(self.text(2), "%Y-%m-%d").ok()?;
                    rules::check_assessment_date(date, &ctx?)
                        .err()
                        .map(|x| x.message)
                });
                e
            }
            FormKind::Session => self.session_errors(),
        }
    }

    /// The session form's errors, each from the shared rules once the text parses.
    fn session_errors(&self) -> Vec<Option<String>> {
        let mut e = vec![None; 8];
        let ctx = self.rules_ctx();
        let msg = |r: Result<(), rules::RuleError>| r.err().map(|x| x.message);
        let protocol = self.text(0);
        let mut max_level = None;
        if protocol.is_empty() {
            e[0] = Some("enter the protocol id".into());
        } else {
            match ctx.map_or_else(
                || rules::check_protocol_spelling(protocol).map(|()| None),
                |c| rules::check_protocol(protocol, &c),
            ) {
                Ok(m) => max_level = m,
                Err(x) => e[0] = Some(x.message),
            }
        }
        match NaiveDateTime::parse_from_str(self.text(1), "%Y-%m-%d %H:%M") {
            Err(_) => e[1] = Some("use YYYY-MM-DD HH:MM".into()),
            Ok(at) => e[1] = ctx.and_then(|c| msg(rules::check_session_time(at, &c))),
        }
        let minutes = match number::<u32>(self.text(2), "minutes", true) {
            Ok(m) => {
                e[2] = m.and_then(|m| msg(rules::check_minutes(m)));
                m
            }
            Err(x) => {
                e[2] = Some(x);
                None
            }
        };
        match number::<u32>(self.text(3), "repetitions", true) {
            Ok(r) => {
                e[3] = r
                    .zip(minutes)
                    .and_then(|(r, m)| msg(rules::check_repetitions(r, m)))
            }
            Err(x) => e[3] = Some(x),
        }
        match number::<u32>(self.text(4), "level", false) {
            Ok(l) => e[4] = l.and_then(|l| msg(rules::check_level(l, protocol, max_level))),
            Err(x) => e[4] = Some(x),
        }
        e[5] = int_error(self.text(5), 0, 100, "success %", false);
        match number::<u8>(self.text(6), "RPE", false) {
            Ok(r) => e[6] = r.and_then(|r| msg(rules::check_rpe(r))),
            Err(x) => e[6] = Some(x),
        }
        e
    }

    /// The shared rules' context: the clock (the last key's, else the end of the day the form was opened), the
    /// patient, the library.
    fn rules_ctx(&self) -> Option<rules::Context<'_>> {
        let now = self
            .rules
            .now
            .or_else(|| self.opened_on.and_then(|d| d.and_hms_opt(23, 59, 59)))?;
        Some(
            rules::Context::at(now)
                .with_patient(self.rules.patient.as_deref())
                .with_protocols(self.rules.protocols.as_deref()),
        )
    }

    /// Bring the rules' clock and library up to date: the app calls this before each key and when it shows a form.
    pub fn sync(&mut self, ctx: &Ctx) {
        self.rules.now = Some(ctx.now);
        self.rules.protocols = Some(ctx.protocols.clone());
    }

    /// Which errors to show: typed-in fields always, all after a save attempt.
    fn shown_error(&self, i: usize, errs: &[Option<String>]) -> Option<String> {
        let e = errs.get(i).cloned().flatten()?;
        if self.tried || !self.fields[i].text.is_empty() || i == 0 {
            Some(e)
        } else {
            None
        }
    }

    /// The record to save, or the index of the first bad field.
    pub fn build(&self) -> Result<Cmd, usize> {
        let errs = self.errors();
        if let Some(i) = errs.iter().position(Option::is_some) {
            return Err(i);
        }
        let opt = |i: usize| -> Option<u32> { self.text(i).parse().ok() };
        Ok(match self.kind {
            FormKind::EditPatient => Cmd::UpdatePatient(self.edited().map_err(|(i, _)| i)?),
            FormKind::EditPlan => {
                let plan = self.edited_plan().map_err(|(i, _)| i)?;
                match &self.plan {
                    // Same protocol: a versioned update. A new protocol is a new plan, so the history shows it.
                    Some(old) if old.protocol_id == plan.protocol_id => Cmd::UpdatePlan(plan),
                    _ => Cmd::SavePlan(plan),
                }
            }
            FormKind::NewPatient => match self.patient() {
                Ok(p) => Cmd::SavePatient(p),
                Err(_) => return Err(2),
            },
            FormKind::Assessment => Cmd::SaveAssessment(Assessment {
                id: 0,
                patient_code: self.patient_code.clone(),
                instrument: self.choices[self.choice].clone(),
                score: self.text(1).parse().map_err(|_| 1usize)?,
                date: NaiveDate::parse_from_str(self.text(2), "%Y-%m-%d").map_err(|_| 2usize)?,
                assessor: Some(self.text(3).to_string()).filter(|s| !s.is_empty()),
                notes: self.text(4).to_string(),
            }),
            FormKind::Session => Cmd::SaveSession(SessionLog {
                id: 0,
                patient_code: self.patient_code.clone(),
                started_at: NaiveDateTime::parse_from_str(self.text(1), "%Y-%m-%d %H:%M")
                    .map_err(|_| 1usize)?,
                protocol_id: self.text(0).to_string(),
                minutes: opt(2).ok_or(2usize)?,
                repetitions: opt(3).ok_or(3usize)?,
                level: opt(4),
                success_rate: opt(5).map(|p| p as f64 / 100.0),
                rpe: opt(6).map(|r| r as u8),
                notes: self.text(7).to_string(),
                clinician: None,
            }),
        })
    }

    /// Add `ch` to the type-ahead and select the first choice matching what was typed.
    fn type_ahead(&mut self, ch: char) {
        let len = self.choices.len();
        let matches = |k: usize, prefix: &str| {
            self.choices[k].starts_with(prefix)
                || instruments::get(&self.choices[k])
                    .is_ok_and(|i| i.short.to_ascii_lowercase().starts_with(prefix))
        };
        let mut typed = format!("{}{ch}", self.rules.typed);
        // The current choice stays while it still matches; a letter that matches nothing added to the others
        // starts again from the next choice (so pressing `f` again cycles through FMA-UE, FMA-LE).
        let mut hit = (0..len)
            .map(|k| (self.choice + k) % len.max(1))
            .find(|&k| matches(k, &typed));
        if hit.is_none() && typed.len() > 1 {
            typed = ch.to_string();
            hit = (0..len)
                .map(|k| (self.choice + 1 + k) % len.max(1))
                .find(|&k| matches(k, &typed));
        }
        match hit {
            Some(k) => {
                self.rules.typed = typed;
                self.choose(k);
            }
            None => self.rules.typed.clear(),
        }
    }

    /// Select choice `k` of the choice field.
    fn choose(&mut self, k: usize) {
        self.rules.confirm = None;
        if self.kind == FormKind::EditPatient {
            self.set_condition(k);
            return;
        }
        self.choice = k;
        // Plan editor: a new protocol is a new plan, which starts today, not on the old plan's start date
        // (unless the therapist typed another date); back on the old protocol, the old start comes back.
        if self.kind == FormKind::EditPlan
            && let (Some(old), Some(today)) = (&self.plan, self.opened_on)
        {
            let (old_start, today) = (old.start_date.to_string(), today.to_string());
            let new_protocol = self.choices.get(k) != Some(&old.protocol_id);
            if let Some(start) = self.fields.get_mut(1) {
                let typed = start.text.trim().to_string();
                if new_protocol && typed == old_start {
                    *start = TextField::new(today);
                } else if !new_protocol && typed == today {
                    *start = TextField::new(old_start);
                }
            }
        }
    }

    fn try_save(&mut self, cmds: &mut Vec<Cmd>) {
        match self.build() {
            Ok(Cmd::SaveAssessment(a)) => {
                // A value that looks like a slip is shown first; the same save again confirms it.
                let warnings = rules::assessment_warnings(&a, &self.rules.earlier);
                let text = rules::warnings_text(&warnings);
                if warnings.is_empty() || self.rules.confirm.as_deref() == Some(text.as_str()) {
                    self.rules.confirm = None;
                    cmds.push(Cmd::SaveAssessment(a));
                } else {
                    self.rules.confirm = Some(text);
                }
            }
            Ok(cmd) => cmds.push(cmd),
            Err(i) => {
                self.tried = true;
                self.focus = i;
                // Say why, also when the field's own line is out of sight.
                let why = self.errors().get(i).cloned().flatten();
                let label = self.labels().get(i).copied().unwrap_or("a field");
                self.save_error = Some(match why {
                    Some(e) => e,
                    None => format!("check {label}"),
                });
            }
        }
    }

    fn score_hint(&self, inst: &Instrument) -> String {
        let mut s = format!(
            "{}, {}, MCID {}",
            inst.range_text(),
            inst.better_word(),
            num(inst.mcid)
        );
        if let Some((_, v, d)) = self.last_scores.iter().find(|(id, _, _)| id == inst.id) {
            s.push_str(&format!("; last {} ({d})", num(*v)));
        }
        s
    }
}

fn date_error(s: &str) -> Option<String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .err()
        .map(|_| format!("{s:?} is not a date; use YYYY-MM-DD"))
}

/// A whole number typed in a field (`None`: empty), or why not.
fn number<T: std::str::FromStr>(s: &str, what: &str, required: bool) -> Result<Option<T>, String> {
    if s.is_empty() {
        return if required {
            Err(format!("enter the {what}"))
        } else {
            Ok(None)
        };
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("{what} is a whole number; got {s:?}"))
}

fn int_error(s: &str, lo: u32, hi: u32, what: &str, required: bool) -> Option<String> {
    if s.is_empty() {
        return required.then(|| format!("enter the {what}"));
    }
    match s.parse::<u32>() {
        Ok(v) if (lo..=hi).contains(&v) => None,
        _ => Some(format!("{what} is a whole number {lo}-{hi}; got {s:?}")),
    }
}

/// Patient editor: the profile fields, then the condition (a choice), then that condition's facts. An empty field
/// is "unknown" (or "none" for notes), so a fact can be cleared.
const EDIT_CONDITION: usize = 6;
const EDIT_FACTS: usize = 7;
const EDIT_STROKE: [&str; 12] = [
    "Name",
    "Birth year",
    "Sex",
    "Hand",
    "Paretic side",
    "Notes",
    "Condition",
    "Onset date",
    "Stroke type",
    "CST status",
    "MEP",
    "NIHSS",
];
const EDIT_PD: [&str; 10] = [
    "Name",
    "Birth year",
    "Sex",
    "Hand",
    "Paretic side",
    "Notes",
    "Condition",
    "Diagnosis yr",
    "Hoehn & Yahr",
    "Medication",
];
const EDIT_ATAXIA: [&str; 8] = [
    "Name",
    "Birth year",
    "Sex",
    "Hand",
    "Paretic side",
    "Notes",
    "Condition",
    "Ataxia type",
];
const EDIT_OLDER: [&str; 8] = [
    "Name",
    "Birth year",
    "Sex",
    "Hand",
    "Paretic side",
    "Notes",
    "Condition",
    "Falls, 1 yr",
];

fn edit_labels(kind: ConditionKind) -> &'static [&'static str] {
    match kind {
        ConditionKind::Stroke => &EDIT_STROKE,
        ConditionKind::Parkinsons => &EDIT_PD,
        ConditionKind::CerebellarAtaxia => &EDIT_ATAXIA,
        ConditionKind::OlderAdult => &EDIT_OLDER,
    }
}

/// The name of an enum value (what the command line and this form accept).
fn vname<T: Named>(v: Option<T>) -> String {
    v.map_or(String::new(), |x| x.name().to_string())
}

/// Parse an enum value typed in a field; empty is "not given".
fn venum<T: Named>(s: &str, what: &str) -> Result<Option<T>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    T::parse_name(s)
        .map(Some)
        .ok_or_else(|| format!("{what} is one of {}; got {s:?}", T::names().join(", ")))
}

fn vnum<T: std::str::FromStr>(s: &str, what: &str) -> Result<Option<T>, String> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse()
        .map(Some)
        .map_err(|_| format!("{what} is a number; got {s:?}"))
}

/// The editor's field texts for a patient, in the order of its labels.
pub fn patient_texts(p: &Patient) -> Vec<String> {
    let mut v = vec![
        p.name.clone().unwrap_or_default(),
        p.birth_year.to_string(),
        vname(p.sex),
        vname(p.dominant_hand),
        vname(p.affected_side),
        p.notes.clone(),
        p.condition.kind().id().to_string(),
    ];
    match &p.condition {
        Condition::Stroke(s) => v.extend([
            s.onset_date.map_or(String::new(), |d| d.to_string()),
            vname(s.stroke_type),
            vname(s.corticospinal),
            vname(s.mep),
            s.nihss.map_or(String::new(), |n| n.to_string()),
        ]),
        Condition::Parkinsons(pd) => v.extend([
            pd.diagnosis_year.map_or(String::new(), |y| y.to_string()),
            pd.hoehn_yahr.map_or(String::new(), num),
            vname(pd.medication),
        ]),
        Condition::CerebellarAtaxia(a) => v.push(a.ataxia_type.clone().unwrap_or_default()),
        Condition::OlderAdult(o) => {
            v.push(o.falls_last_year.map_or(String::new(), |n| n.to_string()))
        }
    }
    v
}

impl Form {
    /// The patient editor, filled with the patient's profile and condition facts.
    pub fn edit_patient(p: &Patient) -> Form {
        Form {
            kind: FormKind::EditPatient,
            patient_code: p.code.clone(),
            choices: CONDITIONS.iter().map(|k| k.id().to_string()).collect(),
            choice: CONDITIONS
                .iter()
                .position(|k| *k == p.condition.kind())
                .unwrap_or(0),
            fields: patient_texts(p).into_iter().map(TextField::new).collect(),
            focus: 0,
            tried: false,
            save_error: None,
            last_scores: Vec::new(),
            original: Some(Box::new(p.clone())),
            theirs: None,
            plan: None,
            theirs_plan: None,
            opened_on: None,
            rules: FormRules::default(),
        }
    }

    /// The edited patient (the original's version kept, for the store's check), or the bad field and why.
    fn edited(&self) -> Result<Patient, (usize, String)> {
        let Some(orig) = &self.original else {
            return Err((0, "no patient to edit".into()));
        };
        let year: i32 = match self.text(1).parse() {
            Ok(y) => y,
            _ => {
                return Err((
                    1,
                    format!("birth year is a year like 1958; got {:?}", self.text(1)),
                ));
            }
        };
        let mut f = crate::app::patients::PatientFields {
            name: Some(self.text(0).to_string()),
            sex: venum(self.text(2), "sex").map_err(|e| (2, e))?,
            hand: venum(self.text(3), "hand").map_err(|e| (3, e))?,
            affected_side: venum(self.text(4), "side").map_err(|e| (4, e))?,
            notes: Some(self.text(5).to_string()),
            ..Default::default()
        };
        let c = EDIT_FACTS;
        let kind = self.edit_kind();
        match kind {
            ConditionKind::Stroke => {
                f.onset = match self.text(c) {
                    "" => None,
                    s => Some(
                        NaiveDate::parse_from_str(s, "%Y-%m-%d")
                            .map_err(|_| (c, format!("{s:?} is not a date; use YYYY-MM-DD")))?,
                    ),
                };
                f.stroke_type = venum(self.text(c + 1), "stroke type").map_err(|e| (c + 1, e))?;
                f.corticospinal = venum(self.text(c + 2), "CST status").map_err(|e| (c + 2, e))?;
                f.mep = venum(self.text(c + 3), "MEP").map_err(|e| (c + 3, e))?;
                f.nihss = vnum(self.text(c + 4), "NIHSS").map_err(|e| (c + 4, e))?;
            }
            ConditionKind::Parkinsons => {
                f.diagnosis_year = vnum(self.text(c), "diagnosis year").map_err(|e| (c, e))?;
                f.hoehn_yahr = vnum(self.text(c + 1), "Hoehn & Yahr").map_err(|e| (c + 1, e))?;
                f.medication = venum(self.text(c + 2), "medication").map_err(|e| (c + 2, e))?;
            }
            ConditionKind::CerebellarAtaxia => {
                f.ataxia_type = Some(self.text(c).to_string());
            }
            ConditionKind::OlderAdult => {
                f.falls = vnum(self.text(c), "falls").map_err(|e| (c, e))?;
            }
        }
        // Every field is on the form, so an empty one means unknown: start from a record with no optional
        // profile fields and no facts, and let the form's fields fill it.
        let mut p = Patient {
            sex: None,
            dominant_hand: None,
            affected_side: None,
            condition: crate::app::patients::empty_condition(kind),
            ..Patient::clone(orig)
        };
        crate::app::patients::apply(&mut p, Some(year), Some(kind), &f)
            .map_err(|e| (c, e.to_string()))?;
        if let Some(ctx) = self.rules_ctx() {
            rules::check_patient(&p, &ctx).map_err(|e| {
                let i = match e.field {
                    "name" => 0,
                    "birth_year" => 1,
                    "nihss" => c + 4,
                    "hoehn_yahr" => c + 1,
                    // onset, diagnosis year, ataxia type, falls: the condition's first fact.
                    _ => c,
                };
                (i, e.message)
            })?;
        }
        Ok(p)
    }

    /// Every field's error, not only the first: the first bad field is found, set aside (emptied, which is
    /// "unknown" and valid for every optional field; the birth year is put back as read), and the rest checked
    /// again.
    fn edit_errors(&self) -> Vec<Option<String>> {
        let mut e = vec![None; self.fields.len()];
        let mut probe = self.clone();
        for _ in 0..self.fields.len() {
            let Err((i, msg)) = probe.edited() else {
                break;
            };
            match e.get_mut(i) {
                Some(slot @ None) => *slot = Some(msg),
                _ => break,
            }
            let reset = match (i, probe.original.as_deref()) {
                (1, Some(p)) => p.birth_year.to_string(),
                _ => String::new(),
            };
            probe.fields[i] = TextField::new(reset);
        }
        e
    }

    /// Patient editor: the values a field takes, shown while it has the focus.
    fn edit_hint(&self, i: usize) -> Option<String> {
        fn names<T: Named>() -> String {
            T::names().join(", ")
        }
        use crate::domain::{Corticospinal, Hand, Medication, Mep, Sex, Side, StrokeType};
        let c = EDIT_FACTS;
        let kind = self.edit_kind();
        Some(match (i, kind) {
            (1, _) => "a year like 1958".into(),
            (2, _) => names::<Sex>(),
            (3, _) => names::<Hand>(),
            (4, _) => names::<Side>(),
            (i, ConditionKind::Stroke) if i == c => "YYYY-MM-DD".into(),
            (i, ConditionKind::Stroke) if i == c + 1 => names::<StrokeType>(),
            (i, ConditionKind::Stroke) if i == c + 2 => names::<Corticospinal>(),
            (i, ConditionKind::Stroke) if i == c + 3 => names::<Mep>(),
            (i, ConditionKind::Stroke) if i == c + 4 => "0-42".into(),
            (i, ConditionKind::Parkinsons) if i == c => "a year like 2021".into(),
            (i, ConditionKind::Parkinsons) if i == c + 1 => "0, 1, 1.5, 2, 2.5, 3, 4, 5".into(),
            (i, ConditionKind::Parkinsons) if i == c + 2 => names::<Medication>(),
            (i, ConditionKind::CerebellarAtaxia) if i == c => "e.g. SCA3, Friedreich, MSA-C".into(),
            (i, ConditionKind::OlderAdult) if i == c => "0-365".into(),
            _ => return None,
        })
    }

    /// Whether a save was refused because someone else saved the same record (both versions shown).
    pub fn in_conflict(&self) -> bool {
        self.theirs.is_some() || self.theirs_plan.is_some()
    }

    /// Texts of the record as read, and as the other therapist saved it, and the two versions.
    fn conflict_texts(&self) -> (Vec<String>, Vec<String>, i64, i64) {
        if let Some(theirs) = &self.theirs_plan {
            let before = self.plan.as_ref().map(plan_texts).unwrap_or_default();
            let v = self.plan.as_ref().map_or(0, |p| p.version);
            (before, plan_texts(theirs), v, theirs.version)
        } else {
            let before = self
                .original
                .as_deref()
                .map(patient_texts)
                .unwrap_or_default();
            let v = self.original.as_ref().map_or(0, |p| p.version);
            let t = self.theirs.as_deref();
            (
                before,
                t.map(patient_texts).unwrap_or_default(),
                v,
                t.map_or(0, |p| p.version),
            )
        }
    }

    /// This form's current texts (the protocol choice as its id).
    fn current_texts(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .fields
            .iter()
            .map(|f| f.text.trim().to_string())
            .collect();
        if self.kind == FormKind::EditPlan
            && let Some(first) = v.first_mut()
        {
            *first = self.choices.get(self.choice).cloned().unwrap_or_default();
        }
        v
    }

    /// After a refused save: start from their version and re-apply the fields this therapist changed.
    fn reapply(&mut self) {
        let (before, new, _, _) = self.conflict_texts();
        let mine = self.current_texts();
        for (i, field) in self.fields.iter_mut().enumerate() {
            let mine_changed = before
                .get(i)
                .is_none_or(|b| mine.get(i).is_none_or(|m| m != b));
            if !mine_changed && let Some(t) = new.get(i) {
                *field = TextField::new(t.clone());
            }
        }
        if let Some(theirs) = self.theirs.take() {
            self.original = Some(theirs);
        }
        // They changed the condition and this therapist did not: take their condition and its facts.
        if self.kind == FormKind::EditPatient
            && let Some(k) = self
                .fields
                .get(EDIT_CONDITION)
                .and_then(|f| self.choices.iter().position(|c| *c == f.text.trim()))
            && k != self.choice
        {
            self.set_condition(k);
        }
        if let Some(theirs) = self.theirs_plan.take() {
            if mine.first() == before.first()
                && let Some(k) = self.choices.iter().position(|c| *c == theirs.protocol_id)
            {
                self.choice = k;
            }
            self.plan = Some(theirs);
        }
        self.save_error = None;
        self.tried = true;
    }

    /// Both versions, field by field, after a refused save.
    fn draw_conflict(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = &ctx.theme;
        let labels = self.labels();
        let (_, their_texts, mine_v, their_v) = self.conflict_texts();
        let mine_texts = self.current_texts();
        let col = usize::from(area.width.saturating_sub(22) / 2).clamp(10, 40);
        let mut lines = vec![
            Line::from(Span::styled(
                format!(
                    "Not saved: someone else saved {} meanwhile (you edited version {mine_v}, theirs is version {their_v}).",
                    if self.kind == FormKind::EditPlan {
                        "this plan"
                    } else {
                        &self.patient_code
                    },
                ),
                t.error(),
            )),
            Line::from(vec![
                Span::styled(format!("  {:<13}", "Field"), t.header()),
                Span::styled(format!("{:<col$} ", "Yours"), t.header()),
                Span::styled("Theirs", t.header()),
            ]),
        ];
        for (i, label) in labels.iter().enumerate() {
            let mine = mine_texts.get(i).map_or("", String::as_str);
            let their = their_texts.get(i).map_or("", String::as_str);
            let differ = mine != their;
            let cut = |s: &str| s.chars().take(col).collect::<String>();
            lines.push(Line::from(vec![
                Span::styled(if differ { "≠ " } else { "  " }, t.warn()),
                Span::styled(format!("{label:<13}"), t.text()),
                Span::styled(
                    format!("{:<col$} ", cut(mine)),
                    if differ { t.selected() } else { t.text() },
                ),
                Span::styled(cut(their), if differ { t.warn() } else { t.dim() }),
            ]));
        }
        lines.push(Line::from(""));
        let key = |action| Span::styled(keymap::key_name(Mode::Conflict, action), t.key());
        lines.push(Line::from(vec![
            key(Action::Reload),
            Span::raw(" reload theirs and re-apply your changes · "),
            key(Action::Back),
            Span::raw(" cancel (theirs stays)"),
        ]));
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(" Edit conflict ", t.title())),
            ),
            area,
        );
    }
}

const PLAN_LABELS: [&str; 4] = ["Protocol", "Start date", "Goal", "Status"];

/// A plan status as typed in the editor.
pub fn plan_status(s: PlanStatus) -> String {
    vname(Some(s))
}

/// The plan editor's field texts, in the order of its labels.
pub fn plan_texts(p: &Plan) -> Vec<String> {
    vec![
        p.protocol_id.clone(),
        p.start_date.to_string(),
        p.goal.clone(),
        plan_status(p.status),
    ]
}

impl Form {
    /// The plan editor on the patient's active plan (or a new plan starting today when there is none).
    pub fn edit_plan(d: &PatientDetail, mut protocols: Vec<String>, today: NaiveDate) -> Form {
        // The plan's own protocol is always a choice, even if the library no longer has it.
        if let Some(p) = &d.plan
            && !protocols.contains(&p.protocol_id)
        {
            protocols.insert(0, p.protocol_id.clone());
        }
        let texts = match &d.plan {
            Some(p) => plan_texts(p),
            None => vec![
                String::new(),
                today.to_string(),
                String::new(),
                "active".into(),
            ],
        };
        let choice = protocols.iter().position(|id| *id == texts[0]).unwrap_or(0);
        Form {
            kind: FormKind::EditPlan,
            patient_code: d.patient.code.clone(),
            choices: protocols,
            choice,
            fields: texts.into_iter().map(TextField::new).collect(),
            focus: 2,
            tried: false,
            save_error: None,
            last_scores: Vec::new(),
            original: None,
            theirs: None,
            plan: d.plan.clone(),
            theirs_plan: None,
            opened_on: Some(today),
            rules: FormRules {
                patient: Some(Box::new(d.patient.clone())),
                ..FormRules::default()
            },
        }
    }

    /// The edited plan (the version as read kept, for the store's check), or the bad field and why.
    fn edited_plan(&self) -> Result<Plan, (usize, String)> {
        let protocol = self
            .choices
            .get(self.choice)
            .cloned()
            .ok_or((0, "choose a protocol with ← →".to_string()))?;
        let start = NaiveDate::parse_from_str(self.text(1), "%Y-%m-%d").map_err(|_| {
            (
                1,
                format!("{:?} is not a date; use YYYY-MM-DD", self.text(1)),
            )
        })?;
        let goal = self.text(2).to_string();
        let status: PlanStatus = venum(self.text(3), "status")
            .map_err(|e| (3, e))?
            .ok_or((3, "status is one of active, completed, stopped".to_string()))?;
        let mut plan = self.plan.clone().unwrap_or(Plan {
            id: 0,
            patient_code: self.patient_code.clone(),
            protocol_id: protocol.clone(),
            start_date: start,
            goal: String::new(),
            status,
            version: 0,
        });
        plan.protocol_id = protocol;
        plan.start_date = start;
        plan.goal = goal;
        plan.status = status;
        // The protocol is one of the choices (the library's, or the plan's own): only the dates and goal are
        // checked here.
        if let Some(ctx) = self.rules_ctx() {
            rules::check_plan(&plan, &ctx.with_protocols(None)).map_err(|e| {
                let i = match e.field {
                    "protocol" => 0,
                    "start" => 1,
                    _ => 2,
                };
                (i, e.message)
            })?;
        }
        Ok(plan)
    }
}

impl Screen for Form {
    fn title(&self) -> String {
        match self.kind {
            FormKind::Assessment => "new assessment",
            FormKind::Session => "log session",
            FormKind::NewPatient => "new patient",
            FormKind::EditPatient => "edit patient",
            FormKind::EditPlan => "edit plan",
        }
        .into()
    }

    fn mode(&self) -> Mode {
        if self.in_conflict() {
            Mode::Conflict
        } else {
            Mode::Form
        }
    }

    fn handle(&mut self, ev: &KeyEvent, ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome {
        self.sync(ctx);
        let n = self.fields.len();
        let on_choice = self.choice_field() == Some(self.focus);
        if self.in_conflict() {
            match keymap::lookup(Mode::Conflict.table(), ev) {
                Some(Action::Reload) => self.reapply(),
                Some(Action::Back) => cmds.push(Cmd::Back),
                Some(Action::Help) => cmds.push(Cmd::Help),
                _ => return Outcome::NotConsumed,
            }
            return Outcome::Consumed;
        }
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        let typed_letter = match ev.code {
            KeyCode::Char(ch)
                if on_choice
                    && ch.is_ascii_alphanumeric()
                    && !ev
                        .modifiers
                        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
            {
                Some(ch.to_ascii_lowercase())
            }
            _ => None,
        };
        if let Some(ch) = typed_letter {
            // Type-ahead: the letters typed so far pick the first choice whose id or short name starts so
            // (`bbt` finds BBT, not TUG); when none does, the letter alone starts a new search from the next one.
            self.type_ahead(ch);
            return Outcome::Consumed;
        }
        // Any other key (arrows, Tab, Enter...) starts the type-ahead again.
        self.rules.typed.clear();
        match keymap::lookup(Mode::Form.table(), ev) {
            Some(Action::Save) => self.try_save(cmds),
            Some(Action::NextField) => self.focus = (self.focus + 1) % n,
            Some(Action::PrevField) => self.focus = (self.focus + n - 1) % n,
            Some(Action::Open) => {
                if self.focus + 1 == n {
                    self.try_save(cmds);
                } else {
                    self.focus += 1;
                }
            }
            Some(Action::Back) => cmds.push(Cmd::Back),
            Some(Action::Help) => cmds.push(Cmd::Help),
            Some(Action::Left) if on_choice => {
                let k = (self.choice + self.choices.len() - 1) % self.choices.len().max(1);
                self.choose(k);
            }
            Some(Action::Right) if on_choice => {
                let k = (self.choice + 1) % self.choices.len().max(1);
                self.choose(k);
            }
            _ if on_choice => return Outcome::NotConsumed,
            _ => {
                if !self.fields[self.focus].edit(ev) {
                    return Outcome::NotConsumed;
                }
                self.save_error = None;
                self.rules.confirm = None;
            }
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        if self.in_conflict() {
            self.draw_conflict(f, area, ctx);
            return;
        }
        let t = &ctx.theme;
        let key = |action| Span::styled(keymap::key_name(Mode::Form, action), t.key());
        let cancel = keymap::key_name(Mode::Form, Action::Back);
        let errs = self.errors();
        let labels = self.labels();
        let mut lines: Vec<Line> = Vec::new();
        let label_w = 12;
        for (i, label) in labels.iter().enumerate() {
            let focused = i == self.focus;
            let marker = if focused { "▶ " } else { "  " };
            let mut spans = vec![
                Span::styled(marker, t.key()),
                Span::styled(
                    format!("{label:<label_w$}"),
                    if focused { t.header() } else { t.text() },
                ),
                Span::raw(" "),
            ];
            if self.kind == FormKind::EditPlan && i == 0 {
                let id = self.choices.get(self.choice).map_or("?", String::as_str);
                spans.push(Span::styled(
                    format!("◀ {id} ▶"),
                    if focused { t.selected() } else { t.input() },
                ));
                if self.plan.as_ref().is_some_and(|p| p.protocol_id != id) {
                    spans.push(Span::styled("  new protocol: saved as a new plan", t.dim()));
                }
            } else if self.kind == FormKind::NewPatient && i == 0 {
                let kind = CONDITIONS[self.choice.min(CONDITIONS.len() - 1)];
                spans.push(Span::styled(
                    format!("◀ {} ▶", kind.label()),
                    if focused { t.selected() } else { t.input() },
                ));
            } else if self.kind == FormKind::EditPatient && i == EDIT_CONDITION {
                let kind = self.edit_kind();
                spans.push(Span::styled(
                    format!("◀ {} ▶", kind.label()),
                    if focused { t.selected() } else { t.input() },
                ));
                if self
                    .original
                    .as_ref()
                    .is_some_and(|p| p.condition.kind() != kind)
                {
                    spans.push(Span::styled("  changed: its facts start unknown", t.dim()));
                } else if focused {
                    spans.push(Span::styled("  ← → to change", t.dim()));
                }
            } else if self.kind == FormKind::Assessment && i == 0 {
                let txt = match self.instrument() {
                    Some(inst) => format!("◀ {} ▶", inst.short),
                    None => "◀ ? ▶".into(),
                };
                spans.push(Span::styled(
                    txt,
                    if focused { t.selected() } else { t.input() },
                ));
                if let Some(inst) = self.instrument() {
                    spans.push(Span::styled(format!("  {}", inst.name), t.dim()));
                }
            } else {
                spans.extend(self.fields[i].spans(t, focused));
                if self.kind == FormKind::Session && i == 5 {
                    // The CLI's --success takes a 0-1 fraction; here it is a percentage.
                    spans.push(Span::styled("  (0-100 % of repetitions)", t.dim()));
                }
                if focused
                    && self.kind == FormKind::EditPatient
                    && let Some(h) = self.edit_hint(i)
                {
                    spans.push(Span::styled(format!("  {h}"), t.dim()));
                }
            }
            lines.push(Line::from(spans));
            if let Some(e) = self.shown_error(i, &errs) {
                lines.push(Line::from(vec![
                    Span::raw(" ".repeat(label_w + 3)),
                    Span::styled(format!("✗ {e}"), t.error()),
                ]));
            } else if self.kind == FormKind::Assessment
                && i == 1
                && let Some(inst) = self.instrument()
            {
                lines.push(Line::from(Span::styled(
                    format!("{}{}", " ".repeat(label_w + 3), self.score_hint(inst)),
                    t.dim(),
                )));
            }
        }
        lines.push(Line::from(""));
        if self.kind == FormKind::EditPatient {
            lines.push(Line::from(vec![
                Span::styled("An empty field is saved as unknown; ", t.dim()),
                Span::styled(keymap::EMPTY_FIELD.long_label(), t.key()),
                Span::styled(" empties the field.", t.dim()),
            ]));
        }
        if let Some(e) = &self.save_error {
            lines.push(Line::from(Span::styled(
                format!("Not saved: {e}"),
                t.error(),
            )));
        } else if let Some(w) = &self.rules.confirm {
            lines.push(Line::from(Span::styled(
                format!("⚠ Not saved yet, this looks wrong: {w}."),
                t.warn(),
            )));
            lines.push(Line::from(vec![
                Span::raw("If it is right, "),
                key(Action::Save),
                Span::raw(format!(
                    " again saves it anyway; change a field to check again; {cancel} cancels"
                )),
            ]));
        } else {
            let ok = errs.iter().all(Option::is_none);
            lines.push(Line::from(if ok {
                vec![
                    Span::styled("✓ ready: ", t.good()),
                    key(Action::Save),
                    Span::raw(format!(
                        " saves (or {} on the last field); {cancel} cancels",
                        keymap::key_name(Mode::Form, Action::Open)
                    )),
                ]
            } else {
                vec![
                    Span::raw("Fill the fields marked ✗, then "),
                    key(Action::Save),
                    Span::raw(format!(" to save; {cancel} cancels")),
                ]
            }));
        }
        let w = area.width.min(100);
        let [r] = Layout::horizontal([Constraint::Length(w)]).areas(area);
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(self.heading(), t.title())),
            ),
            r,
        );
    }
}
