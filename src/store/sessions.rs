//! Therapy sessions, and a patient's history (assessments and sessions merged in date order).

use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::error::Result;
use super::schema::CURRENT;
use super::util::{datetime_text, now_utc, parse_datetime};
use super::{SqliteStore, Tx};
use crate::domain::{Assessment, SessionLog, rules};

pub(crate) const COLUMNS: &str = "s.id, p.code, s.started_at, s.protocol_id, s.minutes, s.repetitions, s.level, \
                       s.success_rate, s.rpe, s.notes, s.clinician";

pub(crate) fn session_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionLog> {
    Ok(SessionLog {
        id: r.get(0)?,
        patient_code: r.get(1)?,
        started_at: parse_datetime("sessions.started_at", &r.get::<_, String>(2)?)?,
        protocol_id: r.get(3)?,
        minutes: r.get(4)?,
        repetitions: r.get(5)?,
        level: r.get(6)?,
        success_rate: r.get(7)?,
        rpe: r.get(8)?,
        notes: r.get(9)?,
        clinician: r.get(10)?,
    })
}

impl Tx<'_> {
    /// The checks every session passes, new or corrected. Returns the patient's row id.
    pub(crate) fn check_session(&self, s: &SessionLog) -> Result<i64> {
        let patient = self.patient(&s.patient_code)?;
        rules::check_session(s, &self.rules(Some(&patient)))?;
        Ok(patient.id)
    }

    /// Insert a session row (checked by the caller) as it is, entered by `created_by`, correcting `supersedes`.
    pub(crate) fn insert_session(
        &mut self,
        patient_id: i64,
        s: &SessionLog,
        created_by: Option<&str>,
        supersedes: Option<i64>,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO sessions (patient_id, started_at, protocol_id, minutes, repetitions, level, success_rate, \
             rpe, notes, clinician, created_at, created_by, supersedes) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            params![
                patient_id,
                datetime_text(s.started_at),
                s.protocol_id,
                s.minutes,
                s.repetitions,
                s.level,
                s.success_rate,
                s.rpe,
                s.notes,
                s.clinician,
                now_utc(),
                created_by,
                supersedes
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Log a session. `clinician` defaults to the acting OS user.
    pub fn add_session(&mut self, s: &SessionLog) -> Result<SessionLog> {
        let patient_id = self.check_session(s)?;
        let clinician = s
            .clinician
            .clone()
            .or_else(|| Some(self.who.os_user.clone()));
        let stored = SessionLog {
            clinician,
            ..s.clone()
        };
        let me = self.who.os_user.clone();
        let id = self.insert_session(patient_id, &stored, Some(&me), None)?;
        let stored = SessionLog { id, ..stored };
        self.audit_created("session", stored.id, &stored.patient_code, &stored)?;
        Ok(stored)
    }
}

/// One line of a patient's history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HistoryEntry {
    Assessment(Assessment),
    Session(SessionLog),
}

impl HistoryEntry {
    /// Sort key: assessments count as the start of their day.
    pub fn when(&self) -> chrono::NaiveDateTime {
        match self {
            HistoryEntry::Assessment(a) => a.date.and_time(chrono::NaiveTime::MIN),
            HistoryEntry::Session(s) => s.started_at,
        }
    }
}

impl SqliteStore {
    pub fn add_session(&mut self, s: &SessionLog) -> Result<SessionLog> {
        self.write(|tx| tx.add_session(s))
    }

    /// A patient's current sessions (not corrected or voided ones), most recent first, at most `limit` (all when `None`).
    pub fn sessions(&self, code: &str, limit: Option<usize>) -> Result<Vec<SessionLog>> {
        let pid = self.patient_id(code)?;
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM sessions s JOIN patients p ON p.id = s.patient_id \
             WHERE s.patient_id = ?1 AND s.{CURRENT} ORDER BY s.started_at DESC, s.id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![pid, limit], session_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Current assessments and sessions of a patient, oldest first (on the same day, assessments before sessions).
    pub fn history(&self, code: &str) -> Result<Vec<HistoryEntry>> {
        Ok(self
            .history_records(code, false)?
            .into_iter()
            .map(|h| h.entry)
            .collect())
    }
}
