//! The session log: protocol, date and time, minutes, repetitions, level, success %, RPE, notes; pre-filled from
//! the active plan.

use chrono::NaiveDateTime;

use super::draft::{FormDraft, FormKind};
use super::field::{FormSpec, Row, int_error, number, text};
use crate::domain::SessionLog;
use crate::domain::rules::{self, Context, RuleError};
use crate::tui::data::PatientDetail;
use crate::tui::screen::{Cmd, Ctx};
use crate::tui::widgets::TextField;

/// How many recent sessions of the protocol must agree before their dose replaces the protocol's in the form.
const DOSE_RUN: usize = 3;

/// The dose to offer (issue 14.5): the protocol's `(minutes, repetitions)`, except that when the patient's last
/// [`DOSE_RUN`] sessions of it all had the same, other, length, that is the length offered (a patient who did 45
/// minutes eight times is not offered 60). The repetitions stay the protocol's target: a count short of it varies
/// from session to session and is what the therapist works up from (workflow 2).
pub fn delivered_dose(
    d: &PatientDetail,
    protocol: &str,
    (minutes, reps): (u32, u32),
) -> (u32, u32) {
    let recent: Vec<_> = d
        .sessions
        .iter()
        .filter(|s| s.protocol_id == protocol)
        .take(DOSE_RUN)
        .collect();
    if recent.len() < DOSE_RUN {
        return (minutes, reps);
    }
    let m = recent[0].minutes;
    let minutes = if recent.iter().all(|s| s.minutes == m) {
        m
    } else {
        minutes
    };
    (minutes, reps)
}

#[derive(Debug, Clone)]
pub struct SessionForm {
    patient_code: String,
    protocol: TextField,
    at: TextField,
    minutes: TextField,
    repetitions: TextField,
    level: TextField,
    success: TextField,
    rpe: TextField,
    notes: TextField,
    /// The protocol's progression rule met by the last sessions: the level it suggests and why (not kept in a
    /// draft: it is read again from the sessions).
    advice: Option<(String, crate::app::levels::LevelAdvice)>,
}

/// Where the cursor starts: straight to repetitions (protocol, time and minutes are usually right).
pub const START_ROW: usize = 3;

const SUCCESS_ROW: usize = 5;
const LEVEL_ROW: usize = 4;

impl SessionForm {
    /// Pre-filled from the active plan: its protocol's dose (minutes, repetitions) is the default, as the README
    /// says; a protocol the library does not know falls back to the last session's dose. Level is the last
    /// session's of that protocol (where the patient got to), else the protocol's starting level.
    pub fn new(d: &PatientDetail, ctx: &Ctx) -> SessionForm {
        let protocol = d
            .plan
            .as_ref()
            .map(|p| p.protocol_id.clone())
            .or_else(|| d.sessions.first().map(|s| s.protocol_id.clone()))
            .unwrap_or_default();
        let last = d.sessions.iter().find(|s| s.protocol_id == protocol);
        let (minutes, reps) = match (ctx.plan_dose(&protocol), last) {
            (Some(dose), _) => {
                let (m, r) = delivered_dose(d, &protocol, dose);
                (m.to_string(), r.to_string())
            }
            (None, Some(s)) => (s.minutes.to_string(), s.repetitions.to_string()),
            (None, None) => (String::new(), String::new()),
        };
        let level = last
            .and_then(|s| s.level)
            .or_else(|| ctx.start_level(&protocol))
            .map_or(String::new(), |l| l.to_string());
        let advice = ctx
            .progressions
            .get(&protocol)
            .and_then(|pr| crate::app::levels::advice(pr, &protocol, &d.sessions))
            .map(|a| (protocol.clone(), a));
        SessionForm {
            advice,
            patient_code: d.patient.code.clone(),
            protocol: TextField::new(protocol),
            at: TextField::new(ctx.now.format("%Y-%m-%d %H:%M").to_string()),
            minutes: TextField::new(minutes),
            repetitions: TextField::new(reps),
            level: TextField::new(level),
            success: TextField::default(),
            rpe: TextField::default(),
            notes: TextField::default(),
        }
    }

    pub fn from_draft(d: &FormDraft) -> Option<SessionForm> {
        let [
            protocol,
            at,
            minutes,
            repetitions,
            level,
            success,
            rpe,
            notes,
        ] = d.rows()?;
        Some(SessionForm {
            patient_code: d.patient_code.clone(),
            protocol,
            at,
            minutes,
            repetitions,
            level,
            success,
            rpe,
            notes,
            advice: None,
        })
    }

    fn started_at(&self) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text(&self.at), "%Y-%m-%d %H:%M").ok()
    }
}

impl FormSpec for SessionForm {
    fn kind(&self) -> FormKind {
        FormKind::Session
    }

    fn patient_code(&self) -> &str {
        &self.patient_code
    }

    fn title(&self) -> &'static str {
        "log session"
    }

    fn heading(&self) -> String {
        format!(" Log a session · {} ", self.patient_code)
    }

    fn what(&self) -> &'static str {
        "a session log"
    }

    fn rows(&self) -> Vec<Row<'_>> {
        vec![
            Row::text("Protocol", &self.protocol),
            Row::text("Date, time", &self.at),
            Row::text("Minutes", &self.minutes),
            Row::text("Repetitions", &self.repetitions),
            Row::text("Level", &self.level),
            Row::text("Success %", &self.success),
            Row::text("RPE 0-10", &self.rpe),
            Row::text("Notes", &self.notes),
        ]
    }

    fn fields_mut(&mut self) -> Vec<Option<&mut TextField>> {
        vec![
            Some(&mut self.protocol),
            Some(&mut self.at),
            Some(&mut self.minutes),
            Some(&mut self.repetitions),
            Some(&mut self.level),
            Some(&mut self.success),
            Some(&mut self.rpe),
            Some(&mut self.notes),
        ]
    }

    /// Each row's error, from the shared rules once the text parses.
    fn validate(&self, rules: Option<Context<'_>>) -> Vec<Option<String>> {
        let msg = |r: Result<(), RuleError>| r.err().map(|x| x.message);
        let protocol = text(&self.protocol);
        let mut max_level = None;
        let protocol_error = if protocol.is_empty() {
            Some("enter the protocol id".into())
        } else {
            match rules.map_or_else(
                || rules::check_protocol_spelling(protocol).map(|()| None),
                |c| rules::check_protocol(protocol, &c),
            ) {
                Ok(m) => {
                    max_level = m;
                    None
                }
                Err(x) => Some(x.message),
            }
        };
        let at_error = match self.started_at() {
            None => Some("use YYYY-MM-DD HH:MM".into()),
            Some(at) => rules.and_then(|c| msg(rules::check_session_time(at, &c))),
        };
        let (minutes, minutes_error) = match number::<u32>(text(&self.minutes), "minutes", true) {
            Ok(m) => (m, m.and_then(|m| msg(rules::check_minutes(m)))),
            Err(x) => (None, Some(x)),
        };
        let reps_error = match number::<u32>(text(&self.repetitions), "repetitions", true) {
            Ok(r) => r
                .zip(minutes)
                .and_then(|(r, m)| msg(rules::check_repetitions(r, m))),
            Err(x) => Some(x),
        };
        let level_error = match number::<u32>(text(&self.level), "level", false) {
            Ok(l) => l.and_then(|l| msg(rules::check_level(l, protocol, max_level))),
            Err(x) => Some(x),
        };
        let success_error = int_error(text(&self.success), 0, 100, "success %", false);
        let rpe_error = match number::<u8>(text(&self.rpe), "RPE", false) {
            Ok(r) => r.and_then(|r| msg(rules::check_rpe(r))),
            Err(x) => Some(x),
        };
        vec![
            protocol_error,
            at_error,
            minutes_error,
            reps_error,
            level_error,
            success_error,
            rpe_error,
            None,
        ]
    }

    fn build(&self, _rules: Option<Context<'_>>) -> Result<Cmd, usize> {
        let opt = |f: &TextField| -> Option<u32> { text(f).parse().ok() };
        Ok(Cmd::SaveSession(SessionLog {
            id: 0,
            patient_code: self.patient_code.clone(),
            started_at: self.started_at().ok_or(1usize)?,
            protocol_id: text(&self.protocol).to_string(),
            minutes: opt(&self.minutes).ok_or(2usize)?,
            repetitions: opt(&self.repetitions).ok_or(3usize)?,
            level: opt(&self.level),
            success_rate: opt(&self.success).map(|p| p as f64 / 100.0),
            rpe: opt(&self.rpe).map(|r| r as u8),
            notes: text(&self.notes).to_string(),
            clinician: None,
        }))
    }

    fn note(&self, row: usize, _focused: bool) -> Option<String> {
        // The CLI's --success takes a 0-1 fraction; here it is a percentage.
        (row == SUCCESS_ROW).then(|| "(0-100 % of repetitions)".to_string())
    }

    /// Under the level: the level the protocol's progression rule suggests now, and why (issue 14.5).
    fn below(&self, row: usize) -> Option<String> {
        let (protocol, a) = self.advice.as_ref()?;
        (row == LEVEL_ROW && text(&self.protocol) == protocol).then(|| {
            let arrow = if a.level > a.from { "▲" } else { "▼" };
            format!("{arrow} {}", a.why)
        })
    }

    fn draft(&self) -> FormDraft {
        FormDraft::new(
            FormKind::Session,
            &self.patient_code,
            vec![
                self.protocol.clone(),
                self.at.clone(),
                self.minutes.clone(),
                self.repetitions.clone(),
                self.level.clone(),
                self.success.clone(),
                self.rpe.clone(),
                self.notes.clone(),
            ],
        )
    }

    fn clone_box(&self) -> Box<dyn FormSpec> {
        Box::new(self.clone())
    }
}
