//! Patients: validation, insert, optimistic-concurrency update, and the one-query patient list.

use chrono::{NaiveDate, NaiveDateTime};
use rusqlite::OptionalExtension as _;
use serde::{Deserialize, Serialize};

use super::error::{Result, StoreError};
use super::util::{enum_text, now_utc, parse_date, parse_datetime, parse_enum, text_ref, to_json};
use super::{SqliteStore, Tx};
use crate::domain::{Condition, ConditionKind, Patient, rules};

/// One patient in a list: the profile (`P`: the whole [`Patient`], or the [`PatientBrief`] a list screen shows) and
/// what the list needs for its flags, read in one scan of the patients table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRow<P = Patient> {
    #[serde(flatten)]
    pub patient: P,
    pub last_assessment: Option<NaiveDate>,
    pub last_session: Option<NaiveDateTime>,
    pub plan_protocol: Option<String>,
    pub plan_start: Option<NaiveDate>,
    pub n_assessments: i64,
    pub n_sessions: i64,
}

/// The part of a patient's profile that a list shows: no notes, no record times, half the columns of [`Patient`]
/// to read (the list of 10,000 patients is read whole; see [`SqliteStore::list_briefs`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientBrief {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub birth_year: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<crate::domain::Sex>,
    pub condition: Condition,
}

impl PatientBrief {
    /// See [`Patient::age_in`].
    pub fn age_in(&self, year: i32) -> i32 {
        year - self.birth_year
    }
}

impl From<&Patient> for PatientBrief {
    fn from(p: &Patient) -> PatientBrief {
        PatientBrief {
            code: p.code.clone(),
            name: p.name.clone(),
            birth_year: p.birth_year,
            sex: p.sex,
            condition: p.condition.clone(),
        }
    }
}

/// Filter for [`SqliteStore::list_patients`]: `search` matches code, name or notes (a substring, case and accents
/// ignored: `zoe` finds "Zoë").
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatientFilter {
    pub search: Option<String>,
    pub condition: Option<ConditionKind>,
}

impl PatientFilter {
    /// The text searched for, trimmed; `None` when there is none (an empty or blank search lists everyone).
    pub fn search_text(&self) -> Option<&str> {
        self.search
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

const COLUMNS: &str = "p.id, p.code, p.name, p.birth_year, p.sex, p.dominant_hand, p.affected_side, \
                       p.condition, p.facts, p.notes, p.created_at, p.updated_at, p.version";

fn opt_enum<T: serde::de::DeserializeOwned>(
    r: &rusqlite::Row<'_>,
    i: usize,
    col: &str,
) -> rusqlite::Result<Option<T>> {
    text_ref(r, i)?.map(|t| parse_enum(col, t)).transpose()
}

/// The condition from its kind and its facts (JSON of the facts struct; no tag, so parsing needs no buffering).
pub(crate) fn condition_from(kind: &str, facts: &str) -> rusqlite::Result<Condition> {
    fn parse<T: serde::de::DeserializeOwned>(facts: &str) -> rusqlite::Result<T> {
        serde_json::from_str(facts).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(8, rusqlite::types::Type::Text, Box::new(e))
        })
    }
    Ok(match kind {
        "stroke" => Condition::Stroke(parse(facts)?),
        "parkinsons" => Condition::Parkinsons(parse(facts)?),
        "cerebellar_ataxia" => Condition::CerebellarAtaxia(parse(facts)?),
        "older_adult" => Condition::OlderAdult(parse(facts)?),
        other => {
            return Err(rusqlite::Error::FromSqlConversionFailure(
                7,
                rusqlite::types::Type::Text,
                format!("unknown condition {other:?}").into(),
            ));
        }
    })
}

/// JSON of the condition's facts, without the kind (which has its own column).
pub(crate) fn facts_json(c: &Condition) -> Result<String> {
    Ok(match c {
        Condition::Stroke(f) => to_json(f)?,
        Condition::Parkinsons(f) => to_json(f)?,
        Condition::CerebellarAtaxia(f) => to_json(f)?,
        Condition::OlderAdult(f) => to_json(f)?,
    }
    .to_string())
}

const BRIEF_COLUMNS: &str = "p.code, p.name, p.birth_year, p.sex, p.condition, p.facts";

fn brief_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PatientBrief> {
    let kind = text_ref(r, 4)?.unwrap_or_default();
    let facts = text_ref(r, 5)?.unwrap_or_default();
    Ok(PatientBrief {
        code: r.get(0)?,
        name: r.get(1)?,
        birth_year: r.get(2)?,
        sex: opt_enum(r, 3, "sex")?,
        condition: condition_from(kind, facts)?,
    })
}

fn patient_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Patient> {
    let kind = text_ref(r, 7)?.unwrap_or_default();
    let facts = text_ref(r, 8)?.unwrap_or_default();
    let condition = condition_from(kind, facts)?;
    Ok(Patient {
        id: r.get(0)?,
        code: r.get(1)?,
        name: r.get(2)?,
        birth_year: r.get(3)?,
        sex: opt_enum(r, 4, "sex")?,
        dominant_hand: opt_enum(r, 5, "dominant_hand")?,
        affected_side: opt_enum(r, 6, "affected_side")?,
        condition,
        notes: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        version: r.get(12)?,
    })
}

/// The values of `?1`-`?10` in a patient's INSERT and UPDATE: the code, the profile's columns in table order and
/// `now` (the UPDATE adds the version it expects as `?11`).
fn patient_values(p: &Patient, now: &str) -> Result<Vec<rusqlite::types::Value>> {
    Ok(vec![
        p.code.clone().into(),
        p.name.clone().into(),
        p.birth_year.into(),
        p.sex.as_ref().map(enum_text).into(),
        p.dominant_hand.as_ref().map(enum_text).into(),
        p.affected_side.as_ref().map(enum_text).into(),
        p.condition.kind().id().to_string().into(),
        facts_json(&p.condition)?.into(),
        p.notes.clone().into(),
        now.to_string().into(),
    ])
}

impl Tx<'_> {
    /// The patient with `code`, or "no patient with code P-0099".
    pub fn patient(&self, code: &str) -> Result<Patient> {
        self.tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM patients p WHERE p.code = ?1"),
                [code],
                patient_from_row,
            )
            .optional()?
            .ok_or_else(|| no_patient(code))
    }

    pub(crate) fn patient_id(&self, code: &str) -> Result<i64> {
        self.tx
            .query_row("SELECT id FROM patients WHERE code = ?1", [code], |r| {
                r.get(0)
            })
            .optional()?
            .ok_or_else(|| no_patient(code))
    }

    /// Insert a new patient (version 1). Returns it as stored, with id and timestamps.
    pub fn add_patient(&mut self, p: &Patient) -> Result<Patient> {
        rules::check_patient(p, &self.rules(None))?;
        // Codes that differ only in case read the same on paper and in speech: checked here, inside the write
        // transaction, so two therapists adding `p-0001` and `P-0001` at once cannot both succeed.
        let existing: Option<String> = self
            .tx
            .query_row(
                "SELECT code FROM patients WHERE code = ?1 COLLATE NOCASE ORDER BY code = ?1 DESC LIMIT 1",
                [&p.code],
                |r| r.get(0),
            )
            .optional()?;
        if let Err(e) = rules::check_new_code(&p.code, existing.as_deref()) {
            return Err(if existing.as_deref() == Some(p.code.as_str()) {
                StoreError::Duplicate(e.message)
            } else {
                e.into()
            });
        }
        let now = now_utc();
        self.tx.execute(
            "INSERT INTO patients (code, name, birth_year, sex, dominant_hand, affected_side, condition, \
             facts, notes, created_at, updated_at, version) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, 1)",
            rusqlite::params_from_iter(patient_values(p, &now)?),
        )?;
        let stored = self.patient(&p.code)?;
        self.audit(
            "create",
            "patient",
            &stored.code,
            Some(&stored.code),
            None,
            Some(&to_json(&stored)?),
        )?;
        Ok(stored)
    }

    /// Save `p` if nobody changed the record since `p.version` was read; else [`StoreError::Conflict`].
    pub fn update_patient(&mut self, p: &Patient) -> Result<Patient> {
        rules::check_patient(p, &self.rules(None))?;
        let before = self.patient(&p.code)?;
        let now = now_utc();
        let changed = self.tx.execute(
            "UPDATE patients SET name = ?2, birth_year = ?3, sex = ?4, dominant_hand = ?5, affected_side = ?6, \
             condition = ?7, facts = ?8, notes = ?9, updated_at = ?10, version = version + 1 \
             WHERE code = ?1 AND version = ?11",
            rusqlite::params_from_iter(patient_values(p, &now)?.into_iter().chain([p.version.into()])),
        )?;
        if changed == 0 {
            return Err(StoreError::Conflict {
                mine: Box::new(p.clone()),
                theirs: Box::new(before),
            });
        }
        let after = self.patient(&p.code)?;
        self.audit(
            "update",
            "patient",
            &after.code,
            Some(&after.code),
            Some(&to_json(&before)?),
            Some(&to_json(&after)?),
        )?;
        Ok(after)
    }
}

/// What [`Tx::delete_patient`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    pub assessments: i64,
    pub sessions: i64,
    pub plans: i64,
    /// Audit rows about the patient whose data was erased (see [`super::audit`]).
    pub audit_rows: i64,
}

impl Tx<'_> {
    /// Right to erasure (admin only): remove the patient with their assessments, sessions and plans, erase their
    /// data from the audit trail (code, keys, before and after; the chain stays verifiable, see [`super::audit`]),
    /// all in this transaction, and write an audit row that names no patient: only the counts removed. Nothing
    /// about the patient is left in the database.
    pub fn delete_patient(&mut self, code: &str) -> Result<Erased> {
        self.require_admin("delete a patient")?;
        let id = self.patient_id(code)?;
        let count = |table: &str| -> Result<i64> {
            Ok(self.tx.query_row(
                &format!("SELECT count(*) FROM {table} WHERE patient_id = ?1"),
                [id],
                |r| r.get(0),
            )?)
        };
        let mut erased = Erased {
            assessments: count("assessments")?,
            sessions: count("sessions")?,
            plans: count("plans")?,
            audit_rows: 0,
        };
        // Explicit deletes rather than relying on ON DELETE CASCADE, so a connection without foreign_keys=ON
        // cannot leave orphans.
        for table in ["goal_reviews", "goals", "assessments", "sessions", "plans"] {
            self.tx
                .execute(&format!("DELETE FROM {table} WHERE patient_id = ?1"), [id])?;
        }
        self.tx
            .execute("DELETE FROM patients WHERE id = ?1", [id])?;
        erased.audit_rows = i64::try_from(self.erase_audit(code)?).unwrap_or(i64::MAX);
        self.audit(
            "delete",
            "patient",
            super::audit::ERASED,
            None,
            None,
            Some(&to_json(&erased)?),
        )?;
        Ok(erased)
    }
}

pub(crate) fn no_patient(code: &str) -> StoreError {
    StoreError::NotFound(format!("no patient with code {code}"))
}

impl SqliteStore {
    pub fn patient(&self, code: &str) -> Result<Patient> {
        self.conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM patients p WHERE p.code = ?1"),
                [code],
                patient_from_row,
            )
            .optional()?
            .ok_or_else(|| no_patient(code))
    }

    pub fn add_patient(&mut self, p: &Patient) -> Result<Patient> {
        self.write(|tx| tx.add_patient(p))
    }

    pub fn update_patient(&mut self, p: &Patient) -> Result<Patient> {
        self.write(|tx| tx.update_patient(p))
    }

    /// See [`Tx::delete_patient`].
    pub fn delete_patient(&mut self, code: &str) -> Result<Erased> {
        self.write(|tx| tx.delete_patient(code))
    }

    /// Patients matching `filter`, ordered by code, whole profiles with their latest dates, active plan and counts.
    pub fn list_patients(&self, filter: &PatientFilter) -> Result<Vec<PatientRow>> {
        self.list(filter, COLUMNS, 13, patient_from_row, |p| &p.code)
    }

    /// Like [`SqliteStore::list_patients`] with the brief profile a list screen shows: about half the work per patient.
    pub fn list_briefs(&self, filter: &PatientFilter) -> Result<Vec<PatientRow<PatientBrief>>> {
        self.list(filter, BRIEF_COLUMNS, 6, brief_from_row, |p| &p.code)
    }

    /// The list query: `columns` (`n` of them, read by `profile`) then the activity columns, sorted by `code`.
    fn list<P>(
        &self,
        filter: &PatientFilter,
        columns: &str,
        n: usize,
        profile: fn(&rusqlite::Row<'_>) -> rusqlite::Result<P>,
        code: fn(&P) -> &String,
    ) -> Result<Vec<PatientRow<P>>> {
        let search = filter.search_text().map(|s| {
            format!(
                "%{}%",
                crate::domain::text::fold(s)
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            )
        });
        // One scan of one table: the active plan and the latest dates and counts are kept on the patient row by
        // triggers (schema v2). Rows come in rowid order and are sorted here: rowid order is nearly code order, which
        // the stable sort handles in about one pass, and it spares SQLite a seek from the code index per row.
        let mut sql = format!(
            "SELECT {columns}, p.last_assessment, p.last_session, p.plan_protocol, p.plan_start, p.n_assessments,
                    p.n_sessions
             FROM patients p"
        );
        let mut conds = Vec::new();
        if search.is_some() {
            conds.push(
                "(praxis_fold(p.code) LIKE ?1 ESCAPE '\\' OR praxis_fold(p.name) LIKE ?1 ESCAPE '\\' \
                 OR praxis_fold(p.notes) LIKE ?1 ESCAPE '\\')",
            );
        }
        if filter.condition.is_some() {
            conds.push("p.condition = ?2");
        }
        if !conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conds.join(" AND "));
        }
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let mut params: Vec<(&str, &dyn rusqlite::ToSql)> = Vec::new();
        if let Some(s) = &search {
            params.push(("?1", s));
        }
        let kind = filter.condition.map(|c| c.id());
        if let Some(k) = &kind {
            params.push(("?2", k));
        }
        // The whole list is 10,000 rows of a few hundred bytes: size it once instead of growing it (a capacity hint;
        // a count(*) reads only the smallest index).
        let hint: i64 = if conds.is_empty() {
            self.conn()
                .prepare_cached("SELECT count(*) FROM patients")?
                .query_row([], |r| r.get(0))?
        } else {
            0
        };
        let mut out = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
        let mut rows = stmt.query(params.as_slice())?;
        while let Some(r) = rows.next()? {
            let date = |i: usize, col: &str| -> rusqlite::Result<Option<NaiveDate>> {
                text_ref(r, i)?.map(|t| parse_date(col, t)).transpose()
            };
            out.push(PatientRow {
                patient: profile(r)?,
                last_assessment: date(n, "assessments.date")?,
                last_session: text_ref(r, n + 1)?
                    .map(|t| parse_datetime("sessions.started_at", t))
                    .transpose()?,
                plan_protocol: r.get(n + 2)?,
                plan_start: date(n + 3, "plans.start_date")?,
                n_assessments: r.get(n + 4)?,
                n_sessions: r.get(n + 5)?,
            });
        }
        out.sort_by(|a, b| code(&a.patient).cmp(code(&b.patient)));
        Ok(out)
    }
}
