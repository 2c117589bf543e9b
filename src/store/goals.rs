//! Goals and their Goal Attainment Scaling reviews (schema v6). Records like assessments: added here, corrected or
//! voided through [`super::records`], read current-only by everything but the history and the audit.

use rusqlite::{OptionalExtension as _, params};

use super::error::{Result, StoreError};
use super::schema::CURRENT;
use super::util::{date_text, now_utc, parse_date};
use super::{SqliteStore, Tx};
use crate::domain::{Goal, GoalReview, rules};

pub(crate) const COLUMNS: &str =
    "g.id, p.code, g.plan_id, g.instrument, g.target, g.by_date, g.text";

pub(crate) fn goal_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Goal> {
    Ok(Goal {
        id: r.get(0)?,
        patient_code: r.get(1)?,
        plan_id: r.get(2)?,
        instrument: r.get(3)?,
        target: r.get(4)?,
        by: parse_date("goals.by_date", &r.get::<_, String>(5)?)?,
        text: r.get(6)?,
    })
}

pub(crate) const REVIEW_COLUMNS: &str = "r.id, r.goal_id, p.code, r.level, r.date, r.notes";

pub(crate) fn review_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GoalReview> {
    Ok(GoalReview {
        id: r.get(0)?,
        goal_id: r.get(1)?,
        patient_code: r.get(2)?,
        level: r.get(3)?,
        date: parse_date("goal_reviews.date", &r.get::<_, String>(4)?)?,
        notes: r.get(5)?,
    })
}

impl Tx<'_> {
    /// The checks every goal passes, new or corrected. Returns the instrument id and the patient's row id.
    pub(crate) fn check_goal(&self, g: &Goal) -> Result<(&'static str, i64)> {
        let patient = self.patient(&g.patient_code)?;
        let inst = rules::check_goal_record(g, &self.rules(Some(&patient)))?;
        Ok((inst.id, patient.id))
    }

    /// Insert a goal row (checked by the caller).
    pub(crate) fn insert_goal(
        &mut self,
        patient_id: i64,
        instrument: &str,
        g: &Goal,
        created_by: Option<&str>,
        supersedes: Option<i64>,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO goals (patient_id, plan_id, instrument, target, by_date, text, created_at, created_by, \
             supersedes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                patient_id,
                g.plan_id,
                instrument,
                g.target,
                date_text(g.by),
                g.text,
                now_utc(),
                created_by,
                supersedes
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Add a goal to the patient's active plan (or to the patient, when no plan is active).
    pub fn add_goal(&mut self, g: &Goal) -> Result<Goal> {
        let (instrument, patient_id) = self.check_goal(g)?;
        let plan_id = self.active_plan(&g.patient_code)?.map(|p| p.id);
        let me = self.who.os_user.clone();
        let stored = Goal {
            plan_id,
            instrument: instrument.to_string(),
            ..g.clone()
        };
        let id = self.insert_goal(patient_id, instrument, &stored, Some(&me), None)?;
        let stored = Goal { id, ..stored };
        self.audit_created("goal", id, &stored.patient_code, &stored)?;
        Ok(stored)
    }

    /// The checks every review passes: its level and date, and a goal of the same patient that is current or was
    /// corrected (the review then goes to its current version). Returns the patient's row id and the goal's id.
    pub(crate) fn check_goal_review(&self, r: &GoalReview) -> Result<(i64, i64)> {
        let patient = self.patient(&r.patient_code)?;
        rules::check_goal_review(r, &self.rules(Some(&patient)))?;
        // The goal's newest version: follow the corrections from the goal named.
        let goal: Option<(i64, i64, String)> = self
            .tx
            .query_row(
                "WITH RECURSIVE chain(id) AS (SELECT ?1 UNION ALL \
                 SELECT g.id FROM goals g JOIN chain ON g.supersedes = chain.id) \
                 SELECT g.id, g.patient_id, g.record_status FROM goals g JOIN chain ON g.id = chain.id \
                 ORDER BY g.id DESC LIMIT 1",
                [r.goal_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        match goal {
            Some((id, pid, status)) if pid == patient.id && status == "current" => {
                Ok((patient.id, id))
            }
            Some((_, pid, status)) if pid == patient.id => Err(StoreError::Invalid(format!(
                "goal {} was {status}; only a current goal can be reviewed (praxis goal list {})",
                r.goal_id, r.patient_code
            ))),
            _ => Err(StoreError::NotFound(format!(
                "{} has no goal with id {} (praxis goal list {} shows them)",
                r.patient_code, r.goal_id, r.patient_code
            ))),
        }
    }

    pub(crate) fn insert_goal_review(
        &mut self,
        patient_id: i64,
        r: &GoalReview,
        created_by: Option<&str>,
        supersedes: Option<i64>,
    ) -> Result<i64> {
        self.tx.execute(
            "INSERT INTO goal_reviews (patient_id, goal_id, level, date, notes, created_at, created_by, supersedes) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                patient_id,
                r.goal_id,
                r.level,
                date_text(r.date),
                r.notes,
                now_utc(),
                created_by,
                supersedes
            ],
        )?;
        Ok(self.tx.last_insert_rowid())
    }

    /// Record a GAS level for a goal.
    pub fn add_goal_review(&mut self, r: &GoalReview) -> Result<GoalReview> {
        let (patient_id, goal_id) = self.check_goal_review(r)?;
        let me = self.who.os_user.clone();
        let stored = GoalReview {
            goal_id,
            ..r.clone()
        };
        let id = self.insert_goal_review(patient_id, &stored, Some(&me), None)?;
        let stored = GoalReview { id, ..stored };
        self.audit_created("goal_review", id, &stored.patient_code, &stored)?;
        Ok(stored)
    }
}

impl SqliteStore {
    pub fn add_goal(&mut self, g: &Goal) -> Result<Goal> {
        self.write(|tx| tx.add_goal(g))
    }

    pub fn add_goal_review(&mut self, r: &GoalReview) -> Result<GoalReview> {
        self.write(|tx| tx.add_goal_review(r))
    }

    /// The current goals of a patient, oldest first.
    pub fn goals(&self, code: &str) -> Result<Vec<Goal>> {
        let pid = self.patient_id(code)?;
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM goals g JOIN patients p ON p.id = g.patient_id \
             WHERE g.patient_id = ?1 AND g.{CURRENT} ORDER BY g.id"
        ))?;
        let rows = stmt.query_map([pid], goal_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// The current reviews of a patient's current goals, by date (oldest first). A review of a goal that was
    /// corrected since counts for the correction (its `goal_id` names the current goal); reviews of a voided goal
    /// are left out.
    pub fn goal_reviews(&self, code: &str) -> Result<Vec<GoalReview>> {
        let pid = self.patient_id(code)?;
        // Each goal's successor (the correction that superseded it), and whether it is current.
        let mut stmt = self.conn().prepare(
            "SELECT g.id, g.record_status = 'current', (SELECT n.id FROM goals n WHERE n.supersedes = g.id) \
             FROM goals g WHERE g.patient_id = ?1",
        )?;
        let goals: std::collections::HashMap<i64, (bool, Option<i64>)> = stmt
            .query_map([pid], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
            .collect::<rusqlite::Result<_>>()?;
        let current_goal = |mut id: i64| -> Option<i64> {
            // A chain is at most as long as the patient's goals.
            for _ in 0..=goals.len() {
                match goals.get(&id)? {
                    (true, _) => return Some(id),
                    (false, Some(next)) => id = *next,
                    (false, None) => return None,
                }
            }
            None
        };
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {REVIEW_COLUMNS} FROM goal_reviews r JOIN patients p ON p.id = r.patient_id \
             WHERE r.patient_id = ?1 AND r.{CURRENT} ORDER BY r.date, r.id"
        ))?;
        let rows = stmt.query_map([pid], review_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            let r = r?;
            if let Some(goal_id) = current_goal(r.goal_id) {
                out.push(GoalReview { goal_id, ..r });
            }
        }
        Ok(out)
    }
}

impl SqliteStore {
    /// What a forecast of the patient depends on in the database, as one text that changes whenever any of it
    /// does: the patient's version, and the count and id sum of their current assessments, sessions, plans and
    /// goals (a new record, a correction or a voiding each moves one). Cheap: one indexed query, for a list's flags.
    pub fn records_version(&self, code: &str) -> Result<String> {
        let pid = self.patient_id(code)?;
        let part = |t: &str| {
            format!(
                "(SELECT COUNT(*) || '/' || TOTAL(id) FROM {t} WHERE patient_id = ?1 AND {CURRENT})"
            )
        };
        let sql = format!(
            "SELECT (SELECT version FROM patients WHERE id = ?1) || ':' || {} || ':' || {} || ':' || {} || ':' || {}",
            part("assessments"),
            part("sessions"),
            part("plans"),
            part("goals")
        );
        Ok(self.conn().query_row(&sql, [pid], |r| r.get(0))?)
    }
}
