//! Treatment plans: at most one active plan per patient; setting a new one stops the old one in the same action.

use rusqlite::{OptionalExtension as _, params};

use super::error::{Result, StoreError};
use super::schema::CURRENT;
use super::util::{date_text, enum_text, now_utc, parse_date, parse_enum, to_json};
use super::{SqliteStore, Tx};
use crate::domain::{Plan, PlanStatus, rules};

pub(crate) const COLUMNS: &str =
    "pl.id, p.code, pl.protocol_id, pl.start_date, pl.goal, pl.status, pl.version";

pub(crate) fn plan_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Plan> {
    Ok(Plan {
        id: r.get(0)?,
        patient_code: r.get(1)?,
        protocol_id: r.get(2)?,
        start_date: parse_date("plans.start_date", &r.get::<_, String>(3)?)?,
        goal: r.get(4)?,
        status: parse_enum("plans.status", &r.get::<_, String>(5)?)?,
        version: r.get(6)?,
    })
}

fn active_plan_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM plans pl JOIN patients p ON p.id = pl.patient_id \
         WHERE p.code = ?1 AND pl.status = 'active'"
    )
}

impl Tx<'_> {
    /// The checks every plan passes, new or corrected. Returns the patient's row id.
    pub(crate) fn check_plan(&self, plan: &Plan) -> Result<i64> {
        let patient = self.patient(&plan.patient_code)?;
        rules::check_plan(plan, &self.rules(Some(&patient)))?;
        Ok(patient.id)
    }

    pub fn active_plan(&self, code: &str) -> Result<Option<Plan>> {
        self.patient_id(code)?;
        Ok(self
            .tx
            .query_row(&active_plan_sql(), [code], plan_from_row)
            .optional()?)
    }

    /// Make `plan` the patient's active plan. An earlier active plan is marked stopped. One audit row, with the
    /// old plan as `before` and the new one as `after`.
    pub fn set_plan(&mut self, plan: &Plan) -> Result<Plan> {
        let pid = self.check_plan(plan)?;
        let before = self.active_plan(&plan.patient_code)?;
        let now = now_utc();
        if let Some(old) = &before {
            self.tx.execute(
                "UPDATE plans SET status = 'stopped', updated_at = ?2, version = version + 1 WHERE id = ?1",
                params![old.id, now],
            )?;
        }
        // `set_plan` always makes the active plan, whatever status the caller filled in.
        let status = PlanStatus::Active;
        self.tx.execute(
            "INSERT INTO plans (patient_id, protocol_id, start_date, goal, status, created_at, updated_at, version, \
             created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1, ?7)",
            params![
                pid,
                plan.protocol_id,
                date_text(plan.start_date),
                plan.goal,
                enum_text(&status),
                now,
                self.who.os_user
            ],
        )?;
        let stored = Plan {
            id: self.tx.last_insert_rowid(),
            status,
            version: 1,
            ..plan.clone()
        };
        let before_json = before.as_ref().map(to_json).transpose()?;
        self.audit(
            "set_plan",
            "plan",
            &stored.id.to_string(),
            Some(&stored.patient_code),
            before_json.as_ref(),
            Some(&to_json(&stored)?),
        )?;
        Ok(stored)
    }
}

impl Tx<'_> {
    /// Save changes to an existing plan (goal, start date, status) if nobody changed it since `plan.version` was
    /// read; else [`StoreError::PlanConflict`] with both versions. The protocol of a plan is not edited: set a new
    /// plan instead, so the history shows when the protocol changed.
    pub fn update_plan(&mut self, plan: &Plan) -> Result<Plan> {
        // The protocol is not edited (checked below), so a plan on a protocol the library dropped can still be
        // closed: its id is checked for spelling only.
        let patient = self.patient(&plan.patient_code)?;
        rules::check_plan(plan, &self.rules(Some(&patient)).with_protocols(None))?;
        let before = self
            .tx
            .query_row(
                &format!("SELECT {COLUMNS} FROM plans pl JOIN patients p ON p.id = pl.patient_id WHERE pl.id = ?1"),
                [plan.id],
                plan_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("no plan with id {}", plan.id)))?;
        let standing: String = self.tx.query_row(
            "SELECT record_status FROM plans WHERE id = ?1",
            [plan.id],
            |r| r.get(0),
        )?;
        if standing != "current" {
            return Err(StoreError::Invalid(format!(
                "plan {} was {standing}; only the current version of a plan can be edited",
                plan.id
            )));
        }
        if before.protocol_id != plan.protocol_id || before.patient_code != plan.patient_code {
            return Err(StoreError::Invalid(
                "a plan's patient and protocol cannot be edited; set a new plan instead".into(),
            ));
        }
        let changed = self.tx.execute(
            "UPDATE plans SET start_date = ?2, goal = ?3, status = ?4, updated_at = ?5, version = version + 1 \
             WHERE id = ?1 AND version = ?6",
            params![
                plan.id,
                date_text(plan.start_date),
                plan.goal,
                enum_text(&plan.status),
                now_utc(),
                plan.version
            ],
        );
        let changed = match changed {
            Ok(n) => n,
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
                return Err(StoreError::Invalid(format!(
                    "{} already has another active plan; stop that one first",
                    plan.patient_code
                )));
            }
            Err(e) => return Err(e.into()),
        };
        if changed == 0 {
            return Err(StoreError::PlanConflict {
                mine: Box::new(plan.clone()),
                theirs: Box::new(before),
            });
        }
        let after = Plan {
            version: before.version + 1,
            ..plan.clone()
        };
        self.audit(
            "update",
            "plan",
            &after.id.to_string(),
            Some(&after.patient_code),
            Some(&to_json(&before)?),
            Some(&to_json(&after)?),
        )?;
        Ok(after)
    }
}

impl SqliteStore {
    pub fn update_plan(&mut self, plan: &Plan) -> Result<Plan> {
        self.write(|tx| tx.update_plan(plan))
    }

    /// The patient's active plan, if any ("no patient with code ..." if the patient does not exist).
    pub fn active_plan(&self, code: &str) -> Result<Option<Plan>> {
        self.patient_id(code)?;
        Ok(self
            .conn()
            .query_row(&active_plan_sql(), [code], plan_from_row)
            .optional()?)
    }

    pub fn set_plan(&mut self, plan: &Plan) -> Result<Plan> {
        self.write(|tx| tx.set_plan(plan))
    }

    /// The current plans of a patient (not corrected or voided ones; see [`SqliteStore::plan_records`]), oldest first.
    pub fn plans(&self, code: &str) -> Result<Vec<Plan>> {
        let pid = self.patient_id(code)?;
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM plans pl JOIN patients p ON p.id = pl.patient_id WHERE pl.patient_id = ?1 \
             AND pl.{CURRENT} ORDER BY pl.id"
        ))?;
        let rows = stmt.query_map([pid], plan_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
