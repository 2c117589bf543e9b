//! Correcting and voiding records, the way clinical records do it (issue 9): assessments, sessions and plans are
//! never edited in place. A correction inserts a new row (`supersedes` names the old one) and marks the old row
//! `corrected`; voiding ("entered in error", FHIR's `entered-in-error`) marks the row `voided`. Both keep the old
//! row, say why, who and when, and write one audit row with before and after in the same transaction.
//!
//! A record can be corrected or voided only while it is current: that is its version check. Of two users correcting
//! the same record at once, the second is refused (the record they read is no longer current), never applied on top.
//!
//! Everything but the history and the audit reads current rows only ([`CURRENT`]).

use rusqlite::{Connection, OptionalExtension as _, params};
use serde::{Deserialize, Serialize};
use strum::{IntoStaticStr, VariantArray};

use super::assessments::{self, assessment_from_row};
use super::error::{Result, StoreError};
use super::goals::{self, goal_from_row, review_from_row};
use super::plans::{self, plan_from_row};
use super::schema::CURRENT;
use super::sessions::{self, HistoryEntry, session_from_row};
use super::util::{date_text, enum_text, now_utc, parse_enum, to_json};
use super::{SqliteStore, Tx};
use crate::domain::{Assessment, Goal, GoalReview, Plan, SessionLog};

/// Whether a record is the one in use.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RecordStatus {
    /// In use: forecasts, flags, exports and charts read it.
    Current,
    /// Replaced by a correction (`superseded_by`).
    Corrected,
    /// Entered in error.
    Voided,
}

impl RecordStatus {
    /// The status's name ([`crate::domain::Named::name`]), e.g. "voided".
    pub fn name(self) -> &'static str {
        self.into()
    }
}

/// The kinds of record that can be corrected or voided.
/// Why `me` may not correct or void record `id` of `kind` that `created_by` entered ([`super::Role::may_amend`] said no).
pub fn amend_refused(me: &str, kind: RecordKind, id: i64, created_by: Option<&str>) -> String {
    format!(
        "you ({me}) may correct or void only records you entered; {} {id} was entered by {}. Ask a lead or an admin",
        kind.name(),
        created_by.unwrap_or("someone else (not recorded)")
    )
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, IntoStaticStr, VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum RecordKind {
    Assessment,
    Session,
    Plan,
    /// A plan's goal (schema v5).
    Goal,
    /// A Goal Attainment Scaling review of a goal.
    GoalReview,
}

impl RecordKind {
    /// The kind's name ([`crate::domain::Named::name`]), e.g. "assessment".
    pub fn name(self) -> &'static str {
        self.into()
    }

    pub(crate) fn table(self) -> &'static str {
        match self {
            RecordKind::Assessment => "assessments",
            RecordKind::Session => "sessions",
            RecordKind::Plan => "plans",
            RecordKind::Goal => "goals",
            RecordKind::GoalReview => "goal_reviews",
        }
    }
}

/// A record's standing: current or not, what replaced it, why, who and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordMeta {
    pub status: RecordStatus,
    /// The record this one corrects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<i64>,
    /// The correction that replaced this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<i64>,
    /// Why it was corrected or voided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who corrected or voided it, and when (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
    /// Who entered it (`None` for sessions and plans saved before Praxis kept it and not found in the audit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// The meta columns of a table aliased `t` (`a`, `s`, `pl`), in [`meta_from_row`]'s order.
pub(crate) fn meta_columns(t: &str, table: &str) -> String {
    format!(
        "{t}.record_status, {t}.supersedes, (SELECT n.id FROM {table} n WHERE n.supersedes = {t}.id), \
         {t}.status_reason, {t}.status_by, {t}.status_at, {t}.created_by"
    )
}

fn meta_from_row(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<RecordMeta> {
    Ok(RecordMeta {
        status: parse_enum("record_status", &r.get::<_, String>(at)?)?,
        supersedes: r.get(at + 1)?,
        superseded_by: r.get(at + 2)?,
        reason: r.get(at + 3)?,
        changed_by: r.get(at + 4)?,
        changed_at: r.get(at + 5)?,
        created_by: r.get(at + 6)?,
    })
}

/// A record with its standing: a row of `history --all` (the record's own fields, `type`, and the meta fields).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryRecord {
    #[serde(flatten)]
    pub entry: HistoryEntry,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// A plan with its standing (`record_status` beside the plan's own active/completed/stopped `status`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRecord {
    #[serde(flatten)]
    pub plan: Plan,
    pub record_status: RecordStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

impl PlanRecord {
    pub(crate) fn new(plan: Plan, m: RecordMeta) -> PlanRecord {
        PlanRecord {
            plan,
            record_status: m.status,
            supersedes: m.supersedes,
            superseded_by: m.superseded_by,
            reason: m.reason,
            changed_by: m.changed_by,
            changed_at: m.changed_at,
            created_by: m.created_by,
        }
    }
}

/// The new values of a correction: the record as it should have been entered, with the id of the record corrected.
/// The patient (and an assessment's instrument) cannot change: void the record and enter it again instead.
#[derive(Debug, Clone, PartialEq)]
pub enum Correction {
    Assessment(Assessment),
    Session(SessionLog),
    Plan(Plan),
    Goal(Goal),
    GoalReview(GoalReview),
}

/// The refusal for an empty reason, for every front end.
pub fn check_reason(reason: &str) -> Result<&str> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(StoreError::Invalid(
            "reason is required: say why the record is corrected or voided (e.g. \"wrong patient\")".into(),
        ));
    }
    if r.chars().count() > 500 {
        return Err(StoreError::Invalid(
            "reason is longer than 500 characters".into(),
        ));
    }
    Ok(r)
}

fn not_found(kind: RecordKind, id: i64) -> StoreError {
    StoreError::NotFound(format!("no {} with id {id}", kind.name()))
}

/// One row of `kind` by id with its standing: `columns` of the table aliased `t`, read by `from_row`.
fn one<T>(
    c: &Connection,
    kind: RecordKind,
    id: i64,
    (t, columns): (&str, &str),
    from_row: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<(T, RecordMeta)> {
    let n = columns.split(',').count();
    let table = kind.table();
    c.query_row(
        &format!(
            "SELECT {columns}, {} FROM {table} {t} JOIN patients p ON p.id = {t}.patient_id WHERE {t}.id = ?1",
            meta_columns(t, table)
        ),
        [id],
        |r| Ok((from_row(r)?, meta_from_row(r, n)?)),
    )
    .optional()?
    .ok_or_else(|| not_found(kind, id))
}

fn assessment_record(c: &Connection, id: i64) -> Result<(Assessment, RecordMeta)> {
    one(
        c,
        RecordKind::Assessment,
        id,
        ("a", assessments::COLUMNS),
        assessment_from_row,
    )
}

fn session_record(c: &Connection, id: i64) -> Result<(SessionLog, RecordMeta)> {
    one(
        c,
        RecordKind::Session,
        id,
        ("s", sessions::COLUMNS),
        session_from_row,
    )
}

fn plan_record(c: &Connection, id: i64) -> Result<(Plan, RecordMeta)> {
    one(
        c,
        RecordKind::Plan,
        id,
        ("pl", plans::COLUMNS),
        plan_from_row,
    )
}

fn goal_record(c: &Connection, id: i64) -> Result<(Goal, RecordMeta)> {
    one(
        c,
        RecordKind::Goal,
        id,
        ("g", goals::COLUMNS),
        goal_from_row,
    )
}

fn goal_review_record(c: &Connection, id: i64) -> Result<(GoalReview, RecordMeta)> {
    one(
        c,
        RecordKind::GoalReview,
        id,
        ("r", goals::REVIEW_COLUMNS),
        review_from_row,
    )
}

impl Tx<'_> {
    /// The record (as audit JSON: its fields and its standing), its patient and its standing.
    fn record_json(
        &self,
        kind: RecordKind,
        id: i64,
    ) -> Result<(serde_json::Value, String, RecordMeta)> {
        let merge = |mut v: serde_json::Value, m: &RecordMeta| -> Result<serde_json::Value> {
            if let (Some(obj), serde_json::Value::Object(meta)) = (v.as_object_mut(), to_json(m)?) {
                for (k, x) in meta {
                    // A plan's own `status` (active, ...) stays; its standing goes under `record_status`, as in
                    // the `plan` commands' JSON.
                    let key = if k == "status" && kind == RecordKind::Plan {
                        "record_status".to_string()
                    } else {
                        k
                    };
                    obj.insert(key, x);
                }
            }
            Ok(v)
        };
        Ok(match kind {
            RecordKind::Assessment => {
                let (a, m) = assessment_record(&self.tx, id)?;
                (merge(to_json(&a)?, &m)?, a.patient_code, m)
            }
            RecordKind::Session => {
                let (s, m) = session_record(&self.tx, id)?;
                (merge(to_json(&s)?, &m)?, s.patient_code, m)
            }
            RecordKind::Plan => {
                let (p, m) = plan_record(&self.tx, id)?;
                (merge(to_json(&p)?, &m)?, p.patient_code, m)
            }
            RecordKind::Goal => {
                let (g, m) = goal_record(&self.tx, id)?;
                (merge(to_json(&g)?, &m)?, g.patient_code, m)
            }
            RecordKind::GoalReview => {
                let (r, m) = goal_review_record(&self.tx, id)?;
                (merge(to_json(&r)?, &m)?, r.patient_code, m)
            }
        })
    }

    /// Refuse unless the acting user may correct or void a record entered by `created_by`: a lead or an admin any
    /// record, a therapist their own, nobody else anything.
    fn require_may_amend(&self, kind: RecordKind, id: i64, created_by: Option<&str>) -> Result<()> {
        let role = self.require_writer()?;
        let me = self.who.os_user.as_str();
        if role.may_amend(me, created_by) {
            return Ok(());
        }
        Err(StoreError::Forbidden(amend_refused(
            me, kind, id, created_by,
        )))
    }

    /// The record must still be current: else someone corrected or voided it since it was read.
    fn require_current(&self, kind: RecordKind, id: i64, m: &RecordMeta) -> Result<()> {
        if m.status == RecordStatus::Current {
            return Ok(());
        }
        let by = match (&m.changed_by, &m.changed_at) {
            (Some(who), Some(at)) => format!(" by {who} at {at}"),
            _ => String::new(),
        };
        let next = m
            .superseded_by
            .map(|n| format!("; the current version is {} {n}", kind.name()))
            .unwrap_or_default();
        Err(StoreError::NotCurrent(format!(
            "{} {id} was already {}{by}{next}; nothing was saved",
            kind.name(),
            m.status.name()
        )))
    }

    /// Mark `id` no longer current, only if it still is (the version check).
    fn retire(
        &mut self,
        kind: RecordKind,
        id: i64,
        status: RecordStatus,
        reason: &str,
    ) -> Result<()> {
        // An active plan that stops being current stops being the active plan.
        let plan_stop = if kind == RecordKind::Plan {
            ", status = CASE status WHEN 'active' THEN 'stopped' ELSE status END, version = version + 1"
        } else {
            ""
        };
        let changed = self.tx.execute(
            &format!(
                "UPDATE {} SET record_status = ?2, status_reason = ?3, status_by = ?4, status_at = ?5{plan_stop} \
                 WHERE id = ?1 AND {CURRENT}",
                kind.table()
            ),
            params![id, enum_text(&status), reason, self.who.os_user, now_utc()],
        )?;
        if changed == 0 {
            return Err(StoreError::NotCurrent(format!(
                "{} {id} was corrected or voided by someone else meanwhile; nothing was saved",
                kind.name()
            )));
        }
        Ok(())
    }

    /// Void a record (entered in error), keeping it, with the reason. Audited with before and after.
    pub fn void_record(&mut self, kind: RecordKind, id: i64, reason: &str) -> Result<RecordMeta> {
        let reason = check_reason(reason)?;
        let (before, code, m) = self.record_json(kind, id)?;
        self.require_may_amend(kind, id, m.created_by.as_deref())?;
        self.require_current(kind, id, &m)?;
        self.retire(kind, id, RecordStatus::Voided, reason)?;
        let (after, _, m) = self.record_json(kind, id)?;
        self.audit(
            "void",
            kind.name(),
            &id.to_string(),
            Some(&code),
            Some(&before),
            Some(&after),
        )?;
        Ok(m)
    }

    /// Correct a record: the values in `c` become a new current record that supersedes the one with `c`'s id, which
    /// is kept as `corrected`. The new values pass the same checks as a new record. Returns the new record's id.
    pub fn correct_record(&mut self, c: &Correction, reason: &str) -> Result<i64> {
        let reason = check_reason(reason)?;
        let (kind, id) = match c {
            Correction::Assessment(a) => (RecordKind::Assessment, a.id),
            Correction::Session(s) => (RecordKind::Session, s.id),
            Correction::Plan(p) => (RecordKind::Plan, p.id),
            Correction::Goal(g) => (RecordKind::Goal, g.id),
            Correction::GoalReview(r) => (RecordKind::GoalReview, r.id),
        };
        let (before, code, m) = self.record_json(kind, id)?;
        self.require_may_amend(kind, id, m.created_by.as_deref())?;
        self.require_current(kind, id, &m)?;
        let same_patient = |c: &str| {
            if c == code {
                Ok(())
            } else {
                Err(StoreError::Invalid(format!(
                    "a correction cannot move a record to another patient ({code} to {c}): void it (reason: wrong \
                     patient) and enter it again for {c}"
                )))
            }
        };
        // The creator is kept: the therapist who entered the record may still correct it after a lead did.
        let created_by = m.created_by.clone();
        let new_id = match c {
            Correction::Assessment(a) => {
                same_patient(&a.patient_code)?;
                let (old, _) = assessment_record(&self.tx, id)?;
                let (inst, patient_id) = self.check_assessment(a)?;
                if inst.id != old.instrument {
                    return Err(StoreError::Invalid(format!(
                        "a correction cannot change the instrument ({} to {}): void the assessment and enter it again",
                        old.instrument, inst.id
                    )));
                }
                self.retire(kind, id, RecordStatus::Corrected, reason)?;
                self.insert_assessment(patient_id, inst.id, a, created_by.as_deref(), Some(id))?
            }
            Correction::Session(s) => {
                same_patient(&s.patient_code)?;
                let patient_id = self.check_session(s)?;
                self.retire(kind, id, RecordStatus::Corrected, reason)?;
                self.insert_session(patient_id, s, created_by.as_deref(), Some(id))?
            }
            Correction::Plan(p) => {
                same_patient(&p.patient_code)?;
                let patient_id = self.check_plan(p)?;
                let (old, _) = plan_record(&self.tx, id)?;
                self.retire(kind, id, RecordStatus::Corrected, reason)?;
                // The correction keeps the plan's standing (an active plan stays the active plan).
                let now = now_utc();
                self.tx.execute(
                    "INSERT INTO plans (patient_id, protocol_id, start_date, goal, status, created_at, updated_at, \
                     version, created_by, supersedes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 1, ?7, ?8)",
                    params![
                        patient_id,
                        p.protocol_id,
                        date_text(p.start_date),
                        p.goal,
                        enum_text(&old.status),
                        now,
                        created_by,
                        id
                    ],
                )?;
                self.tx.last_insert_rowid()
            }
            Correction::Goal(g) => {
                same_patient(&g.patient_code)?;
                let (instrument, patient_id) = self.check_goal(g)?;
                let (old, _) = goal_record(&self.tx, id)?;
                self.retire(kind, id, RecordStatus::Corrected, reason)?;
                // The goal stays on the plan it was set for.
                let g = Goal {
                    plan_id: old.plan_id,
                    ..g.clone()
                };
                self.insert_goal(patient_id, instrument, &g, created_by.as_deref(), Some(id))?
            }
            Correction::GoalReview(r) => {
                same_patient(&r.patient_code)?;
                let (old, _) = goal_review_record(&self.tx, id)?;
                if old.goal_id != r.goal_id {
                    return Err(StoreError::Invalid(format!(
                        "a correction cannot move a review to another goal ({} to {}): void it and review again",
                        old.goal_id, r.goal_id
                    )));
                }
                let (patient_id, goal_id) = self.check_goal_review(r)?;
                self.retire(kind, id, RecordStatus::Corrected, reason)?;
                let r = GoalReview {
                    goal_id,
                    ..r.clone()
                };
                self.insert_goal_review(patient_id, &r, created_by.as_deref(), Some(id))?
            }
        };
        let (mut after, _, _) = self.record_json(kind, new_id)?;
        if let Some(obj) = after.as_object_mut() {
            // The new record names the old one (`supersedes`); the reason goes with it. Flat, so the audit's
            // redaction of free text applies to every field.
            obj.insert("reason".into(), reason.into());
        }
        self.audit(
            "correct",
            kind.name(),
            &id.to_string(),
            Some(&code),
            Some(&before),
            Some(&after),
        )?;
        Ok(new_id)
    }
}

impl SqliteStore {
    /// See [`Tx::void_record`].
    pub fn void_record(&mut self, kind: RecordKind, id: i64, reason: &str) -> Result<RecordMeta> {
        self.write(|tx| tx.void_record(kind, id, reason))
    }

    /// See [`Tx::correct_record`]. Returns the new record's id.
    pub fn correct_record(&mut self, c: &Correction, reason: &str) -> Result<i64> {
        self.write(|tx| tx.correct_record(c, reason))
    }

    /// One assessment by id, whatever its standing.
    pub fn assessment_record(&self, id: i64) -> Result<(Assessment, RecordMeta)> {
        assessment_record(self.conn(), id)
    }

    /// One session by id, whatever its standing.
    pub fn session_record(&self, id: i64) -> Result<(SessionLog, RecordMeta)> {
        session_record(self.conn(), id)
    }

    /// One plan by id, whatever its standing.
    pub fn plan_record(&self, id: i64) -> Result<PlanRecord> {
        plan_record(self.conn(), id).map(|(p, m)| PlanRecord::new(p, m))
    }

    /// One goal by id, whatever its standing.
    pub fn goal_record(&self, id: i64) -> Result<(Goal, RecordMeta)> {
        goal_record(self.conn(), id)
    }

    /// One goal review by id, whatever its standing.
    pub fn goal_review_record(&self, id: i64) -> Result<(GoalReview, RecordMeta)> {
        goal_review_record(self.conn(), id)
    }

    /// Every plan of a patient with its standing, oldest first (corrected and voided ones too).
    pub fn plan_records(&self, code: &str) -> Result<Vec<PlanRecord>> {
        let pid = self.patient_id(code)?;
        let n = plans::COLUMNS.split(',').count();
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {}, {} FROM plans pl JOIN patients p ON p.id = pl.patient_id WHERE pl.patient_id = ?1 \
             ORDER BY pl.id",
            plans::COLUMNS,
            meta_columns("pl", "plans")
        ))?;
        let rows = stmt.query_map([pid], |r| {
            Ok(PlanRecord::new(plan_from_row(r)?, meta_from_row(r, n)?))
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every goal of a patient with its standing, oldest first (corrected and voided ones too).
    pub fn goal_records(&self, code: &str) -> Result<Vec<(Goal, RecordMeta)>> {
        let pid = self.patient_id(code)?;
        let n = goals::COLUMNS.split(',').count();
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {}, {} FROM goals g JOIN patients p ON p.id = g.patient_id WHERE g.patient_id = ?1 \
             ORDER BY g.id",
            goals::COLUMNS,
            meta_columns("g", "goals")
        ))?;
        let rows = stmt.query_map([pid], |r| Ok((goal_from_row(r)?, meta_from_row(r, n)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Every GAS review of a patient's goals with its standing, by date (corrected and voided ones too).
    pub fn goal_review_records(&self, code: &str) -> Result<Vec<(GoalReview, RecordMeta)>> {
        let pid = self.patient_id(code)?;
        let n = goals::REVIEW_COLUMNS.split(',').count();
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {}, {} FROM goal_reviews r JOIN patients p ON p.id = r.patient_id \
             WHERE r.patient_id = ?1 ORDER BY r.date, r.id",
            goals::REVIEW_COLUMNS,
            meta_columns("r", "goal_reviews")
        ))?;
        let rows = stmt.query_map([pid], |r| Ok((review_from_row(r)?, meta_from_row(r, n)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// A patient's assessments and sessions with their standing, oldest first (on the same day, assessments
    /// before sessions). `all`: corrected and voided records too; else current ones only.
    pub fn history_records(&self, code: &str, all: bool) -> Result<Vec<HistoryRecord>> {
        let pid = self.patient_id(code)?;
        let only_current = |t: &str| {
            if all {
                String::new()
            } else {
                format!(" AND {t}.{CURRENT}")
            }
        };
        let mut out = Vec::new();
        let n = assessments::COLUMNS.split(',').count();
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {}, {} FROM assessments a JOIN patients p ON p.id = a.patient_id WHERE a.patient_id = ?1{} \
             ORDER BY a.date, a.id",
            assessments::COLUMNS,
            meta_columns("a", "assessments"),
            only_current("a")
        ))?;
        for row in stmt.query_map([pid], |r| {
            Ok(HistoryRecord {
                entry: HistoryEntry::Assessment(assessment_from_row(r)?),
                meta: meta_from_row(r, n)?,
            })
        })? {
            out.push(row?);
        }
        let n = sessions::COLUMNS.split(',').count();
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {}, {} FROM sessions s JOIN patients p ON p.id = s.patient_id WHERE s.patient_id = ?1{} \
             ORDER BY s.started_at, s.id",
            sessions::COLUMNS,
            meta_columns("s", "sessions"),
            only_current("s")
        ))?;
        for row in stmt.query_map([pid], |r| {
            Ok(HistoryRecord {
                entry: HistoryEntry::Session(session_from_row(r)?),
                meta: meta_from_row(r, n)?,
            })
        })? {
            out.push(row?);
        }
        out.sort_by_key(|h| h.entry.when());
        Ok(out)
    }
}
