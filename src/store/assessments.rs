//! Assessments: one outcome-measure score per row, validated by the shared rules ([`crate::domain::rules`]).

use rusqlite::params;

use super::error::Result;
use super::patients::no_patient;
use super::util::{date_text, now_utc, parse_date, to_json};
use super::{Store, Tx};
use crate::domain::Assessment;
use crate::domain::rules;

pub(crate) const COLUMNS: &str = "a.id, p.code, a.instrument, a.score, a.date, a.assessor, a.notes";

pub(crate) fn assessment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Assessment> {
    Ok(Assessment {
        id: r.get(0)?,
        patient_code: r.get(1)?,
        instrument: r.get(2)?,
        score: r.get(3)?,
        date: parse_date("assessments.date", &r.get::<_, String>(4)?)?,
        assessor: r.get(5)?,
        notes: r.get(6)?,
    })
}

impl Tx<'_> {
    /// Record a score. The instrument id is normalised (`FMA-UE` -> `fma_ue`); the score must be in range.
    pub fn add_assessment(&mut self, a: &Assessment) -> Result<Assessment> {
        let patient = self.patient(&a.patient_code)?;
        let inst = rules::check_score(&a.instrument, a.score)?;
        rules::check_assessment(a, &self.rules(Some(&patient)))?;
        let patient_id = patient.id;
        self.tx.execute(
            "INSERT INTO assessments (patient_id, instrument, score, date, assessor, notes, created_at, created_by) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                patient_id,
                inst.id,
                a.score,
                date_text(a.date),
                a.assessor,
                a.notes,
                now_utc(),
                self.who.os_user
            ],
        )?;
        let stored = Assessment {
            id: self.tx.last_insert_rowid(),
            instrument: inst.id.to_string(),
            ..a.clone()
        };
        self.audit(
            "create",
            "assessment",
            &stored.id.to_string(),
            Some(&stored.patient_code),
            None,
            Some(&to_json(&stored)?),
        )?;
        Ok(stored)
    }
}

impl Store {
    pub fn add_assessment(&mut self, a: &Assessment) -> Result<Assessment> {
        self.write(|tx| tx.add_assessment(a))
    }

    /// All assessments of a patient, oldest first.
    pub fn assessments(&self, code: &str) -> Result<Vec<Assessment>> {
        let pid = self.patient_id(code)?;
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM assessments a JOIN patients p ON p.id = a.patient_id \
             WHERE a.patient_id = ?1 ORDER BY a.date, a.id"
        ))?;
        let rows = stmt.query_map([pid], assessment_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    pub(crate) fn patient_id(&self, code: &str) -> Result<i64> {
        use rusqlite::OptionalExtension as _;
        self.conn()
            .query_row("SELECT id FROM patients WHERE code = ?1", [code], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| no_patient(code))
    }
}
