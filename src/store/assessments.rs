//! Assessments: one outcome-measure score per row, validated by the shared rules ([`crate::domain::rules`]).

use rusqlite::params;

use super::error::Result;
use super::patients::no_patient;
use super::schema::CURRENT;
use super::util::{date_text, now_utc, parse_date};
use super::{SqliteStore, Tx};
use crate::domain::names::Named;
use crate::domain::rules;
use crate::domain::{Assessment, MedState};

pub(crate) const COLUMNS: &str =
    "a.id, p.code, a.instrument, a.score, a.date, a.assessor, a.notes, a.med_state";

pub(crate) fn assessment_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Assessment> {
    Ok(Assessment {
        id: r.get(0)?,
        patient_code: r.get(1)?,
        instrument: r.get(2)?,
        score: r.get(3)?,
        date: parse_date("assessments.date", &r.get::<_, String>(4)?)?,
        assessor: r.get(5)?,
        notes: r.get(6)?,
        med_state: med_state_from_text(r.get::<_, Option<String>>(7)?.as_deref())?,
    })
}

/// The stored text of a medication state (schema v5): "on" / "off", as everywhere else.
pub(crate) fn med_state_text(s: Option<MedState>) -> Option<&'static str> {
    s.map(Named::name)
}

fn med_state_from_text(t: Option<&str>) -> rusqlite::Result<Option<MedState>> {
    t.map(|t| {
        MedState::parse_name(t).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                7,
                rusqlite::types::Type::Text,
                format!("assessments.med_state: {t:?} is not on or off").into(),
            )
        })
    })
    .transpose()
}

impl Tx<'_> {
    /// The checks every assessment passes, new or corrected: the instrument and the score's range, the date. Returns
    /// the instrument and the patient's row id.
    pub(crate) fn check_assessment(
        &self,
        a: &Assessment,
    ) -> Result<(&'static crate::instruments::Instrument, i64)> {
        let patient = self.patient(&a.patient_code)?;
        let inst = rules::check_score(&a.instrument, a.score)?;
        rules::check_assessment(a, &self.rules(Some(&patient)))?;
        Ok((inst, patient.id))
    }

    /// Insert an assessment row (checked by the caller), entered by `created_by`, correcting `supersedes`.
    pub(crate) fn insert_assessment(
        &mut self,
        patient_id: i64,
        instrument: &str,
        a: &Assessment,
        created_by: Option<&str>,
        supersedes: Option<i64>,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO assessments (patient_id, instrument, score, date, assessor, notes, created_at, created_by, \
             supersedes, med_state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                patient_id,
                instrument,
                a.score,
                date_text(a.date),
                a.assessor,
                a.notes,
                now_utc(),
                created_by,
                supersedes,
                med_state_text(a.med_state)
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Record a score. The instrument id is normalised (`FMA-UE` -> `fma_ue`); the score must be in range.
    pub fn add_assessment(&mut self, a: &Assessment) -> Result<Assessment> {
        let (inst, patient_id) = self.check_assessment(a)?;
        let me = self.who.os_user.clone();
        let id = self.insert_assessment(patient_id, inst.id, a, Some(&me), None)?;
        let stored = Assessment {
            id,
            instrument: inst.id.to_string(),
            ..a.clone()
        };
        self.audit_created("assessment", stored.id, &stored.patient_code, &stored)?;
        Ok(stored)
    }
}

impl SqliteStore {
    pub fn add_assessment(&mut self, a: &Assessment) -> Result<Assessment> {
        self.write(|tx| tx.add_assessment(a))
    }

    /// The current assessments of a patient (not corrected or voided ones), oldest first.
    pub fn assessments(&self, code: &str) -> Result<Vec<Assessment>> {
        let pid = self.patient_id(code)?;
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM assessments a JOIN patients p ON p.id = a.patient_id \
             WHERE a.patient_id = ?1 AND a.{CURRENT} ORDER BY a.date, a.id"
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
