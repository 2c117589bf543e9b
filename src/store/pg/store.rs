//! [`Backend`] on a PostgreSQL server: the same operations and messages as [`SqliteStore`](super::super::SqliteStore),
//! with the server enforcing what the program only checks there. Who acts is the login (`session_user`: the OS user,
//! with peer authentication), never the program's word; records are inserted, then changed only through
//! `praxis.amend`; the audit rows are written by the database's triggers in the same transaction.
//!
//! Each operation is one transaction. The connection's `search_path` is the `praxis` schema, so the queries read as
//! SQLite's do.

use std::cell::{RefCell, RefMut};
use std::path::{Path, PathBuf};
use std::time::Duration;

use postgres::{Client, GenericClient, Row};

use super::super::audit::{AuditAnchor, AuditBreak, AuditEntry, RawRow, check_anchor, entry_of};
use super::super::backend::{Backend, Deliver};
use super::super::error::{Result, StoreError};
use super::super::export::{
    ExportData, ExportKind, Period, audited_details, export_details, pseudonym_map,
};
use super::super::patients::{condition_from, facts_json, no_patient};
use super::super::records::{check_reason, meta_columns};
use super::super::util::{
    date_text, datetime_text, enum_text, now_utc, parse_date, parse_datetime, parse_enum,
};
use super::super::{
    BackupConfig, Clinician, Correction, Counts, Erased, HistoryEntry, HistoryRecord, PatientBrief,
    PatientFilter, PatientRow, PlanRecord, RecordKind, RecordMeta, Restored, Role, Who,
};
use super::list::{LIST, Rest, list_entries};
use crate::domain::rules::{self, Context, Protocols};
use crate::domain::{
    Assessment, Goal, GoalReview, MedState, Named, Patient, Plan, PlanStatus, SessionLog,
};

/// What a SQLite-only operation says on a server.
fn file_only(what: &str) -> StoreError {
    StoreError::Invalid(format!(
        "{what} works on a SQLite database file; on a PostgreSQL server use the server's own tools (pg_dump, \
         pg_basebackup, a streaming replica: see the README's clinic section)"
    ))
}

/// A Praxis database on a PostgreSQL server.
pub struct PgStore {
    client: RefCell<Client>,
    url: String,
    who: Who,
    warnings: Vec<String>,
    protocols: Option<Protocols>,
    /// Statements prepared on this connection, by their text: the list's ([`LIST`]) and the frequent writes', each
    /// parsed and described by the server once, then run in one round trip instead of two.
    statements: RefCell<std::collections::HashMap<String, postgres::Statement>>,
}

impl PgStore {
    /// Connect to the Praxis database at `url` as the OS user (see [`super::connect`]). Refused with a message
    /// saying what to do when the database has no Praxis schema or an older or newer one.
    pub fn connect(url: &str) -> Result<PgStore> {
        let mut client = super::connect(url)?;
        let version = super::schema_found(&mut client)?;
        match version {
            None => {
                return Err(StoreError::Invalid(format!(
                    "{url} has no Praxis schema: its owner sets it up once with `praxis --db '{url}' server init`"
                )));
            }
            Some(v) if v < super::LATEST => {
                return Err(StoreError::Invalid(format!(
                    "{url} has Praxis schema v{v}; this Praxis needs v{}: the database owner runs `praxis --db \
                     '{url}' server upgrade`",
                    super::LATEST
                )));
            }
            Some(v) if v > super::LATEST => {
                return Err(StoreError::Invalid(format!(
                    "{url} has Praxis schema v{v}, written by a newer Praxis (this one knows v{}): use the newer \
                     Praxis",
                    super::LATEST
                )));
            }
            Some(_) => {}
        }
        let os_user: String = client.query_one("SELECT session_user::text", &[])?.get(0);
        let who = Who {
            os_user,
            ssh_addr: Who::current().ssh_addr,
        };
        set_session(&mut client, &who)?;
        Ok(PgStore {
            client: RefCell::new(client),
            url: url.to_string(),
            who,
            warnings: Vec::new(),
            protocols: None,
            statements: RefCell::default(),
        })
    }

    /// The connection, made again first if the server dropped it (a restart, a failover, a network cut): the
    /// operation then runs on the new one, or fails saying the server cannot be reached.
    /// The records of a patient in table `table` (alias `t`, `columns` read by `of`), with their standing:
    /// current ones only, or every version.
    fn records<T>(
        &self,
        code: &str,
        (t, table, columns): (&str, &str, &str),
        order: &str,
        current_only: bool,
        of: fn(&Row) -> Result<T>,
    ) -> Result<Vec<(T, RecordMeta)>> {
        let mut c = self.client();
        let pid = patient_id(&mut *c, code)?;
        let n = columns.split(',').count();
        let only = if current_only {
            format!(" AND {t}.record_status = 'current'")
        } else {
            String::new()
        };
        c.query(
            &format!(
                "SELECT {columns}, {} FROM {table} {t} JOIN patients p ON p.id = {t}.patient_id \
                 WHERE {t}.patient_id = $1{only} ORDER BY {order}",
                meta_columns(t, table)
            ),
            &[&pid],
        )?
        .iter()
        .map(|r| Ok((of(r)?, meta_of(r, n)?)))
        .collect()
    }

    fn client(&self) -> RefMut<'_, Client> {
        let mut c = self.client.borrow_mut();
        if c.is_closed()
            && let Ok(new) = session(&self.url, &self.who)
        {
            *c = new;
            self.statements.borrow_mut().clear();
        }
        c
    }

    /// The patient `code`, through a statement prepared on this connection.
    fn patient_in(&self, c: &mut impl GenericClient, code: &str) -> Result<Patient> {
        let statement = self.prepared(c, PATIENT_BY_CODE)?;
        patient_by(c, &statement, code)
    }

    /// `sql` prepared on this connection (once; see [`PgStore::statements`]).
    fn prepared(&self, c: &mut impl GenericClient, sql: &str) -> Result<postgres::Statement> {
        if let Some(s) = self.statements.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = c.prepare(sql)?;
        self.statements
            .borrow_mut()
            .insert(sql.to_owned(), s.clone());
        Ok(s)
    }

    /// The patient list ([`list_entries`]) through [`LIST`], each statement prepared on its first list of the
    /// connection.
    fn list<P>(
        &self,
        filter: &PatientFilter,
        whole: bool,
        make: fn(PatientBrief, Option<Rest<'_>>) -> Result<P>,
        code: fn(&P) -> &str,
    ) -> Result<Vec<PatientRow<P>>> {
        let mut c = self.client();
        // A search reads the notes too, in the whole entries.
        let whole = whole || filter.search_text().is_some();
        let statement = self.prepared(&mut *c, LIST[usize::from(whole)])?;
        list_entries(&mut c, &statement, filter, whole, make, code)
    }

    /// Run `f` in one transaction, after checking that the user may write (the server checks again). `action` names
    /// the change in the audit rows the triggers write (`create`, `update`, `set_plan`).
    fn write<T>(
        &self,
        action: &str,
        f: impl FnOnce(&mut postgres::Transaction<'_>, Context<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut client = self.client();
        let mut tx = client.transaction()?;
        // The user's role and the change's name for the audit rows in one round trip (a refused write rolls back).
        let role_and_action = self.prepared(
            &mut tx,
            "SELECT praxis.my_role(), set_config('praxis.action', $1, true)",
        )?;
        let role: Option<String> = tx.query_one(&role_and_action, &[&action])?.try_get(0)?;
        writer(
            role.map(|t| parse_enum("role", &t)).transpose()?,
            &self.who.os_user,
        )?;
        let ctx =
            Context::at(chrono::Local::now().naive_local()).with_protocols(self.protocols.as_ref());
        let out = f(&mut tx, ctx)?;
        tx.commit()?;
        Ok(out)
    }
}

/// A new connection to `url` for `who`, set up as [`PgStore::connect`] sets up the first.
fn session(url: &str, who: &Who) -> Result<Client> {
    let mut client = super::connect(url)?;
    set_session(&mut client, who)?;
    Ok(client)
}

/// The connection's settings: the schema searched first, no JIT, and the SSH address the audit rows record.
fn set_session(client: &mut Client, who: &Who) -> Result<()> {
    // No JIT: Praxis's queries are short, and the list's estimate (a row per range of pages, see `list::LIST`) is
    // high enough for the server to compile it, 150 ms, on every list.
    client.batch_execute("SET search_path = praxis, pg_catalog; SET jit = off")?;
    client.execute(
        "SELECT set_config('praxis.ssh_addr', $1, false)",
        &[&who.ssh_addr.clone().unwrap_or_default()],
    )?;
    Ok(())
}

/// The role the server gives the login, as SQLite's `role()`.
fn role_of(c: &mut impl GenericClient) -> Result<Option<Role>> {
    let t: Option<String> = c.query_one("SELECT praxis.my_role()", &[])?.get(0);
    Ok(t.map(|t| parse_enum("role", &t)).transpose()?)
}

/// `role`, when it may write; else why `me` may not.
fn writer(role: Option<Role>, me: &str) -> Result<Role> {
    match role {
        None => Err(StoreError::Forbidden(format!(
            "you ({me}) are not a clinician in this database; an admin adds you with: praxis clinician add {me} \
             --role therapist"
        ))),
        Some(Role::Readonly) => Err(StoreError::Forbidden(format!(
            "you ({me}) have the read-only role in this database: you can view records but not change them; ask an \
             admin for the therapist role"
        ))),
        Some(r) => Ok(r),
    }
}

// ----------------------------------------------------------------------------------------------------------------
// Rows. Integer columns are `integer` (i32) or `bigint` (i64) as in v1.sql; dates and times are text as in SQLite.

/// A patient by code.
const PATIENT_BY_CODE: &str = concat!(
    "SELECT p.id, p.code, p.name, p.birth_year, p.sex, p.dominant_hand, p.affected_side, p.condition, ",
    "p.facts::text, p.notes, p.created_at, p.updated_at, p.version FROM patients p WHERE p.code = $1"
);
const PATIENT: &str = "p.id, p.code, p.name, p.birth_year, p.sex, p.dominant_hand, p.affected_side, p.condition, \
                       p.facts::text, p.notes, p.created_at, p.updated_at, p.version";
const ASSESSMENT: &str =
    "a.id, p.code, a.instrument, a.score, a.date, a.assessor, a.notes, a.med_state";
const SESSION: &str = "s.id, p.code, s.started_at, s.protocol_id, s.minutes, s.repetitions, s.level, \
                       s.success_rate, s.rpe, s.notes, s.clinician";
const PLAN: &str = "pl.id, p.code, pl.protocol_id, pl.start_date, pl.goal, pl.status, pl.version";
const GOAL: &str = "g.id, p.code, g.plan_id, g.instrument, g.target, g.by_date, g.text";
const REVIEW: &str = "r.id, r.goal_id, p.code, r.level, r.date, r.notes";
const CLINICIAN: &str = "id, os_user, display_name, role, created_at";
const AUDIT: &str = "id, at, os_user, ssh_addr, action, entity, entity_key, patient_code, before_json, \
                     after_json, hash, salt, digest";

fn opt_enum<T: serde::de::DeserializeOwned>(r: &Row, i: usize, col: &str) -> Result<Option<T>> {
    let t: Option<&str> = r.try_get(i)?;
    Ok(t.map(|t| parse_enum(col, t)).transpose()?)
}

fn count(r: &Row, i: usize, col: &str) -> Result<u32> {
    let n: i32 = r.try_get(i)?;
    u32::try_from(n)
        .map_err(|_| StoreError::Server(format!("{col} holds {n}, which is not a count")))
}

fn patient_of(r: &Row) -> Result<Patient> {
    Ok(Patient {
        id: r.try_get(0)?,
        code: r.try_get(1)?,
        name: r.try_get(2)?,
        birth_year: r.try_get(3)?,
        sex: opt_enum(r, 4, "sex")?,
        dominant_hand: opt_enum(r, 5, "dominant_hand")?,
        affected_side: opt_enum(r, 6, "affected_side")?,
        condition: condition_from(r.try_get(7)?, r.try_get(8)?)?,
        notes: r.try_get(9)?,
        created_at: r.try_get(10)?,
        updated_at: r.try_get(11)?,
        version: i64::from(r.try_get::<_, i32>(12)?),
    })
}

fn assessment_of(r: &Row) -> Result<Assessment> {
    let state: Option<&str> = r.try_get(7)?;
    Ok(Assessment {
        id: r.try_get(0)?,
        patient_code: r.try_get(1)?,
        instrument: r.try_get(2)?,
        score: r.try_get(3)?,
        date: parse_date("assessments.date", r.try_get(4)?)?,
        assessor: r.try_get(5)?,
        notes: r.try_get(6)?,
        med_state: state
            .map(|t| {
                MedState::parse_name(t).ok_or_else(|| {
                    StoreError::Server(format!("assessments.med_state: {t:?} is not on or off"))
                })
            })
            .transpose()?,
    })
}

fn session_of(r: &Row) -> Result<SessionLog> {
    let level: Option<i32> = r.try_get(6)?;
    let rpe: Option<i32> = r.try_get(8)?;
    Ok(SessionLog {
        id: r.try_get(0)?,
        patient_code: r.try_get(1)?,
        started_at: parse_datetime("sessions.started_at", r.try_get(2)?)?,
        protocol_id: r.try_get(3)?,
        minutes: count(r, 4, "sessions.minutes")?,
        repetitions: count(r, 5, "sessions.repetitions")?,
        level: level.and_then(|l| u32::try_from(l).ok()),
        success_rate: r.try_get(7)?,
        rpe: rpe.and_then(|x| u8::try_from(x).ok()),
        notes: r.try_get(9)?,
        clinician: r.try_get(10)?,
    })
}

fn plan_of(r: &Row) -> Result<Plan> {
    Ok(Plan {
        id: r.try_get(0)?,
        patient_code: r.try_get(1)?,
        protocol_id: r.try_get(2)?,
        start_date: parse_date("plans.start_date", r.try_get(3)?)?,
        goal: r.try_get(4)?,
        status: parse_enum("plans.status", r.try_get(5)?)?,
        version: i64::from(r.try_get::<_, i32>(6)?),
    })
}

fn goal_of(r: &Row) -> Result<Goal> {
    Ok(Goal {
        id: r.try_get(0)?,
        patient_code: r.try_get(1)?,
        plan_id: r.try_get(2)?,
        instrument: r.try_get(3)?,
        target: r.try_get(4)?,
        by: parse_date("goals.by_date", r.try_get(5)?)?,
        text: r.try_get(6)?,
    })
}

fn review_of(r: &Row) -> Result<GoalReview> {
    let level: i32 = r.try_get(3)?;
    Ok(GoalReview {
        id: r.try_get(0)?,
        goal_id: r.try_get(1)?,
        patient_code: r.try_get(2)?,
        level: i8::try_from(level)
            .map_err(|_| StoreError::Server(format!("goal_reviews.level holds {level}")))?,
        date: parse_date("goal_reviews.date", r.try_get(4)?)?,
        notes: r.try_get(5)?,
    })
}

fn meta_of(r: &Row, at: usize) -> Result<RecordMeta> {
    Ok(RecordMeta {
        status: parse_enum("record_status", r.try_get(at)?)?,
        supersedes: r.try_get(at + 1)?,
        superseded_by: r.try_get(at + 2)?,
        reason: r.try_get(at + 3)?,
        changed_by: r.try_get(at + 4)?,
        changed_at: r.try_get(at + 5)?,
        created_by: r.try_get(at + 6)?,
    })
}

fn clinician_of(r: &Row) -> Result<Clinician> {
    Ok(Clinician {
        id: r.try_get(0)?,
        os_user: r.try_get(1)?,
        display_name: r.try_get(2)?,
        role: parse_enum("clinicians.role", r.try_get(3)?)?,
        created_at: r.try_get(4)?,
    })
}

pub(super) fn raw_of(r: &Row) -> Result<RawRow> {
    Ok(RawRow {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        os_user: r.try_get(2)?,
        ssh_addr: r.try_get(3)?,
        action: r.try_get(4)?,
        entity: r.try_get(5)?,
        entity_key: r.try_get(6)?,
        patient_code: r.try_get(7)?,
        before_json: r.try_get(8)?,
        after_json: r.try_get(9)?,
        hash: r.try_get(10)?,
        salt: r.try_get(11)?,
        digest: r.try_get(12)?,
    })
}

// ----------------------------------------------------------------------------------------------------------------
// Reads, on a client or inside a write's transaction.

fn patient(c: &mut impl GenericClient, code: &str) -> Result<Patient> {
    patient_by(c, PATIENT_BY_CODE, code)
}

/// The patient `code` through `statement` ([`PATIENT_BY_CODE`], as text or prepared).
fn patient_by<T: ?Sized + postgres::ToStatement>(
    c: &mut impl GenericClient,
    statement: &T,
    code: &str,
) -> Result<Patient> {
    c.query_opt(statement, &[&code])?
        .map(|r| patient_of(&r))
        .transpose()?
        .ok_or_else(|| no_patient(code))
}

fn patient_id(c: &mut impl GenericClient, code: &str) -> Result<i64> {
    c.query_opt("SELECT id FROM patients WHERE code = $1", &[&code])?
        .map(|r| r.get(0))
        .ok_or_else(|| no_patient(code))
}

fn all<T>(
    c: &mut impl GenericClient,
    sql: &str,
    params: &[&(dyn postgres::types::ToSql + Sync)],
    of: fn(&Row) -> Result<T>,
) -> Result<Vec<T>> {
    c.query(sql, params)?.iter().map(of).collect()
}

fn active_plan(c: &mut impl GenericClient, code: &str) -> Result<Option<Plan>> {
    patient_id(c, code)?;
    c.query_opt(
        &format!(
            "SELECT {PLAN} FROM plans pl JOIN patients p ON p.id = pl.patient_id WHERE p.code = $1 \
             AND pl.status = 'active' AND pl.record_status = 'current'"
        ),
        &[&code],
    )?
    .map(|r| plan_of(&r))
    .transpose()
}

/// A query parameter the program owns.
type Value = Box<dyn postgres::types::ToSql + Sync>;

/// The values of `$1`-`$13` in a patient's INSERT and UPDATE (as SQLite's `patient_values`): the code, the profile's
/// columns in table order, `now`, then the folded code, name and notes the search compares (v3.sql; the UPDATE adds
/// the version it expects as `$14`).
fn patient_values(p: &Patient, now: &str) -> Result<Vec<Value>> {
    let [code, name, notes] = folds(&p.code, p.name.as_deref(), &p.notes);
    Ok(vec![
        Box::new(p.code.clone()),
        Box::new(p.name.clone()),
        Box::new(p.birth_year),
        Box::new(p.sex.as_ref().map(enum_text)),
        Box::new(p.dominant_hand.as_ref().map(enum_text)),
        Box::new(p.affected_side.as_ref().map(enum_text)),
        Box::new(p.condition.kind().id()),
        Box::new(facts_json(&p.condition)?),
        Box::new(p.notes.clone()),
        Box::new(now.to_string()),
        Box::new(code),
        Box::new(name),
        Box::new(notes),
    ])
}

/// `values` as the client's parameter list.
fn params(values: &[Value]) -> Vec<&(dyn postgres::types::ToSql + Sync)> {
    values.iter().map(|v| v.as_ref()).collect()
}

/// One record of `kind` with its record metadata.
fn record<T>(
    c: &mut impl GenericClient,
    kind: RecordKind,
    id: i64,
    (t, columns): (&str, &str),
    of: fn(&Row) -> Result<T>,
) -> Result<(T, RecordMeta)> {
    let n = columns.split(',').count();
    let table = kind.table();
    let row = c
        .query_opt(
            &format!(
                "SELECT {columns}, {} FROM {table} {t} JOIN patients p ON p.id = {t}.patient_id WHERE {t}.id = $1",
                meta_columns(t, table)
            ),
            &[&id],
        )?
        .ok_or_else(|| StoreError::NotFound(format!("no {} with id {id}", kind.name())))?;
    Ok((of(&row)?, meta_of(&row, n)?))
}

fn assessment_record(c: &mut impl GenericClient, id: i64) -> Result<(Assessment, RecordMeta)> {
    record(
        c,
        RecordKind::Assessment,
        id,
        ("a", ASSESSMENT),
        assessment_of,
    )
}

fn session_record(c: &mut impl GenericClient, id: i64) -> Result<(SessionLog, RecordMeta)> {
    record(c, RecordKind::Session, id, ("s", SESSION), session_of)
}

fn plan_record(c: &mut impl GenericClient, id: i64) -> Result<(Plan, RecordMeta)> {
    record(c, RecordKind::Plan, id, ("pl", PLAN), plan_of)
}

fn goal_record(c: &mut impl GenericClient, id: i64) -> Result<(Goal, RecordMeta)> {
    record(c, RecordKind::Goal, id, ("g", GOAL), goal_of)
}

fn goal_review_record(c: &mut impl GenericClient, id: i64) -> Result<(GoalReview, RecordMeta)> {
    record(c, RecordKind::GoalReview, id, ("r", REVIEW), review_of)
}

/// The record's patient and who entered it, for the checks before a correction.
fn record_owner(
    c: &mut impl GenericClient,
    kind: RecordKind,
    id: i64,
) -> Result<(String, RecordMeta)> {
    Ok(match kind {
        RecordKind::Assessment => assessment_record(c, id).map(|(a, m)| (a.patient_code, m))?,
        RecordKind::Session => session_record(c, id).map(|(s, m)| (s.patient_code, m))?,
        RecordKind::Plan => plan_record(c, id).map(|(p, m)| (p.patient_code, m))?,
        RecordKind::Goal => goal_record(c, id).map(|(g, m)| (g.patient_code, m))?,
        RecordKind::GoalReview => goal_review_record(c, id).map(|(r, m)| (r.patient_code, m))?,
    })
}

/// The newest version of goal `goal_id` of `patient`, which must be current (as SQLite's `check_goal_review`).
fn current_goal(c: &mut impl GenericClient, patient: &Patient, r: &GoalReview) -> Result<i64> {
    let row = c.query_opt(
        "WITH RECURSIVE chain(id) AS (SELECT $1::bigint UNION ALL \
         SELECT g.id FROM goals g JOIN chain ON g.supersedes = chain.id) \
         SELECT g.id, g.patient_id, g.record_status FROM goals g JOIN chain ON g.id = chain.id \
         ORDER BY g.id DESC LIMIT 1",
        &[&r.goal_id],
    )?;
    match row.map(|row| {
        (
            row.get::<_, i64>(0),
            row.get::<_, i64>(1),
            row.get::<_, String>(2),
        )
    }) {
        Some((id, pid, status)) if pid == patient.id && status == "current" => Ok(id),
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

// ----------------------------------------------------------------------------------------------------------------
// Inserts, shared by the adds and the imports.

fn insert_assessment(
    tx: &mut postgres::Transaction<'_>,
    ctx: &Context<'_>,
    a: &Assessment,
) -> Result<Assessment> {
    let p = patient(tx, &a.patient_code)?;
    let inst = rules::check_score(&a.instrument, a.score)?;
    rules::check_assessment(a, &(*ctx).with_patient(Some(&p)))?;
    let id: i64 = tx
        .query_one(
            "INSERT INTO assessments (patient_id, instrument, score, date, assessor, notes, created_at, med_state) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            &[
                &p.id,
                &inst.id,
                &a.score,
                &date_text(a.date),
                &a.assessor,
                &a.notes,
                &now_utc(),
                &a.med_state.map(|s| s.name()),
            ],
        )?
        .get(0);
    Ok(Assessment {
        id,
        instrument: inst.id.to_string(),
        ..a.clone()
    })
}

/// The row `praxis.amend` inserts for a correction: the columns of `c`'s table, as the program validated them.
fn correction_row(
    tx: &mut postgres::Transaction<'_>,
    ctx: &Context<'_>,
    c: &Correction,
) -> Result<serde_json::Value> {
    let now = now_utc();
    Ok(match c {
        Correction::Assessment(a) => {
            let (old, _) = assessment_record(tx, a.id)?;
            let p = patient(tx, &a.patient_code)?;
            let inst = rules::check_score(&a.instrument, a.score)?;
            rules::check_assessment(a, &(*ctx).with_patient(Some(&p)))?;
            if inst.id != old.instrument {
                return Err(StoreError::Invalid(format!(
                    "a correction cannot change the instrument ({} to {}): void the assessment and enter it again",
                    old.instrument, inst.id
                )));
            }
            serde_json::json!({
                "instrument": inst.id, "score": a.score, "date": date_text(a.date), "assessor": a.assessor,
                "notes": a.notes, "med_state": a.med_state.map(|s| s.name()), "created_at": now,
            })
        }
        Correction::Session(s) => {
            let p = patient(tx, &s.patient_code)?;
            rules::check_session(s, &(*ctx).with_patient(Some(&p)))?;
            serde_json::json!({
                "started_at": datetime_text(s.started_at), "protocol_id": s.protocol_id, "minutes": s.minutes,
                "repetitions": s.repetitions, "level": s.level, "success_rate": s.success_rate, "rpe": s.rpe,
                "notes": s.notes, "clinician": s.clinician, "created_at": now,
            })
        }
        Correction::Plan(pl) => {
            let p = patient(tx, &pl.patient_code)?;
            rules::check_plan(pl, &(*ctx).with_patient(Some(&p)))?;
            let (old, _) = plan_record(tx, pl.id)?;
            serde_json::json!({
                "protocol_id": pl.protocol_id, "start_date": date_text(pl.start_date), "goal": pl.goal,
                "status": enum_text(&old.status), "created_at": now, "updated_at": now, "version": 1,
            })
        }
        Correction::Goal(g) => {
            let p = patient(tx, &g.patient_code)?;
            let inst = rules::check_goal_record(g, &(*ctx).with_patient(Some(&p)))?;
            let (old, _) = goal_record(tx, g.id)?;
            serde_json::json!({
                "plan_id": old.plan_id, "instrument": inst.id, "target": g.target, "by_date": date_text(g.by),
                "text": g.text, "created_at": now,
            })
        }
        Correction::GoalReview(r) => {
            let (old, _) = goal_review_record(tx, r.id)?;
            if old.goal_id != r.goal_id {
                return Err(StoreError::Invalid(format!(
                    "a correction cannot move a review to another goal ({} to {}): void it and review again",
                    old.goal_id, r.goal_id
                )));
            }
            let p = patient(tx, &r.patient_code)?;
            rules::check_goal_review(r, &(*ctx).with_patient(Some(&p)))?;
            let goal_id = current_goal(tx, &p, r)?;
            serde_json::json!({
                "goal_id": goal_id, "level": r.level, "date": date_text(r.date), "notes": r.notes, "created_at": now,
            })
        }
    })
}

impl Backend for PgStore {
    fn who(&self) -> &Who {
        &self.who
    }

    fn warnings(&self) -> &[String] {
        &self.warnings
    }

    fn protocols(&self) -> Option<&Protocols> {
        self.protocols.as_ref()
    }

    fn schema_version(&self) -> Result<i64> {
        let v: i32 = self
            .client()
            .query_one("SELECT version FROM schema_version", &[])?
            .get(0);
        Ok(i64::from(v))
    }

    /// The newest audit row the user may read: every change writes one, so it moves when anyone commits.
    fn data_version(&self) -> Result<i64> {
        Ok(self
            .client()
            .query_one("SELECT coalesce(max(id), 0) FROM audit", &[])?
            .get(0))
    }

    fn integrity_check(&self) -> Result<Vec<String>> {
        Err(file_only("`db check`"))
    }

    fn counts(&self) -> Result<Counts> {
        let r = self.client().query_one(
            "SELECT (SELECT count(*) FROM clinicians), (SELECT count(*) FROM patients), \
             (SELECT count(*) FROM assessments), (SELECT count(*) FROM sessions), (SELECT count(*) FROM plans), \
             (SELECT count(*) FROM audit)",
            &[],
        )?;
        Ok(Counts {
            clinicians: r.try_get(0)?,
            patients: r.try_get(1)?,
            assessments: r.try_get(2)?,
            sessions: r.try_get(3)?,
            plans: r.try_get(4)?,
            audit: r.try_get(5)?,
        })
    }

    fn role(&self) -> Result<Option<Role>> {
        role_of(&mut *self.client())
    }

    fn require_admin(&self, what: &str) -> Result<()> {
        let me = &self.who.os_user;
        match self.role()? {
            Some(Role::Admin) => Ok(()),
            Some(r) => Err(StoreError::Forbidden(format!(
                "only an admin can {what}; you ({me}) are {}",
                r.name()
            ))),
            None => Err(StoreError::Forbidden(format!(
                "only an admin can {what}; you ({me}) are not a clinician in this database"
            ))),
        }
    }

    fn clinicians(&self) -> Result<Vec<Clinician>> {
        all(
            &mut *self.client(),
            &format!("SELECT {CLINICIAN} FROM clinicians ORDER BY os_user"),
            &[],
            clinician_of,
        )
    }

    fn patient(&self, code: &str) -> Result<Patient> {
        patient(&mut *self.client(), code)
    }

    fn list_patients(&self, filter: &PatientFilter) -> Result<Vec<PatientRow>> {
        self.list(
            filter,
            true,
            |brief, rest| {
                let rest = rest.ok_or_else(|| {
                    StoreError::Server(
                        "the server sent a patient without the rest of the profile".into(),
                    )
                })?;
                let (dominant_hand, affected_side) = (rest.dominant_hand()?, rest.affected_side()?);
                let (id, version) = (rest.id, rest.version);
                let [notes, created_at, updated_at] = rest.texts();
                Ok(Patient {
                    id,
                    code: brief.code,
                    name: brief.name,
                    birth_year: brief.birth_year,
                    sex: brief.sex,
                    dominant_hand,
                    affected_side,
                    condition: brief.condition,
                    notes,
                    created_at,
                    updated_at,
                    version,
                })
            },
            |p| &p.code,
        )
    }

    fn list_briefs(&self, filter: &PatientFilter) -> Result<Vec<PatientRow<PatientBrief>>> {
        self.list(filter, false, |brief, _| Ok(brief), |p| &p.code)
    }

    fn assessments(&self, code: &str) -> Result<Vec<Assessment>> {
        let mut c = self.client();
        let pid = patient_id(&mut *c, code)?;
        all(
            &mut *c,
            &format!(
                "SELECT {ASSESSMENT} FROM assessments a JOIN patients p ON p.id = a.patient_id \
                 WHERE a.patient_id = $1 AND a.record_status = 'current' ORDER BY a.date, a.id"
            ),
            &[&pid],
            assessment_of,
        )
    }

    fn sessions(&self, code: &str, limit: Option<usize>) -> Result<Vec<SessionLog>> {
        let mut c = self.client();
        let pid = patient_id(&mut *c, code)?;
        let limit = limit.map(|l| i64::try_from(l).unwrap_or(i64::MAX));
        all(
            &mut *c,
            &format!(
                "SELECT {SESSION} FROM sessions s JOIN patients p ON p.id = s.patient_id \
                 WHERE s.patient_id = $1 AND s.record_status = 'current' ORDER BY s.started_at DESC, s.id DESC \
                 LIMIT $2"
            ),
            &[&pid, &limit],
            session_of,
        )
    }

    fn history(&self, code: &str) -> Result<Vec<HistoryEntry>> {
        Ok(self
            .history_records(code, false)?
            .into_iter()
            .map(|h| h.entry)
            .collect())
    }

    fn history_records(&self, code: &str, all_versions: bool) -> Result<Vec<HistoryRecord>> {
        let assessments = self.records(
            code,
            ("a", "assessments", ASSESSMENT),
            "a.date, a.id",
            !all_versions,
            assessment_of,
        )?;
        let sessions = self.records(
            code,
            ("s", "sessions", SESSION),
            "s.started_at, s.id",
            !all_versions,
            session_of,
        )?;
        let mut out: Vec<HistoryRecord> = assessments
            .into_iter()
            .map(|(a, meta)| HistoryRecord {
                entry: HistoryEntry::Assessment(a),
                meta,
            })
            .chain(sessions.into_iter().map(|(s, meta)| HistoryRecord {
                entry: HistoryEntry::Session(s),
                meta,
            }))
            .collect();
        out.sort_by_key(|h| h.entry.when());
        Ok(out)
    }

    fn active_plan(&self, code: &str) -> Result<Option<Plan>> {
        active_plan(&mut *self.client(), code)
    }

    fn plans(&self, code: &str) -> Result<Vec<Plan>> {
        let mut c = self.client();
        let pid = patient_id(&mut *c, code)?;
        all(
            &mut *c,
            &format!(
                "SELECT {PLAN} FROM plans pl JOIN patients p ON p.id = pl.patient_id WHERE pl.patient_id = $1 \
                 AND pl.record_status = 'current' ORDER BY pl.id"
            ),
            &[&pid],
            plan_of,
        )
    }

    fn plan_records(&self, code: &str) -> Result<Vec<PlanRecord>> {
        Ok(self
            .records(code, ("pl", "plans", PLAN), "pl.id", false, plan_of)?
            .into_iter()
            .map(|(p, m)| PlanRecord::new(p, m))
            .collect())
    }

    fn goals(&self, code: &str) -> Result<Vec<Goal>> {
        let mut c = self.client();
        let pid = patient_id(&mut *c, code)?;
        all(
            &mut *c,
            &format!(
                "SELECT {GOAL} FROM goals g JOIN patients p ON p.id = g.patient_id WHERE g.patient_id = $1 \
                 AND g.record_status = 'current' ORDER BY g.by_date, g.id"
            ),
            &[&pid],
            goal_of,
        )
    }

    fn goal_reviews(&self, code: &str) -> Result<Vec<GoalReview>> {
        let mut c = self.client();
        let pid = patient_id(&mut *c, code)?;
        all(
            &mut *c,
            &format!(
                "SELECT {REVIEW} FROM goal_reviews r JOIN patients p ON p.id = r.patient_id \
                 WHERE r.patient_id = $1 AND r.record_status = 'current' ORDER BY r.goal_id, r.date, r.id"
            ),
            &[&pid],
            review_of,
        )
    }

    fn goal_records(&self, code: &str) -> Result<Vec<(Goal, RecordMeta)>> {
        self.records(code, ("g", "goals", GOAL), "g.id", false, goal_of)
    }

    fn goal_review_records(&self, code: &str) -> Result<Vec<(GoalReview, RecordMeta)>> {
        self.records(
            code,
            ("r", "goal_reviews", REVIEW),
            "r.date, r.id",
            false,
            review_of,
        )
    }

    fn records_version(&self, code: &str) -> Result<String> {
        let mut c = self.client();
        let pid = patient_id(&mut *c, code)?;
        let part = |t: &str| {
            format!(
                "(SELECT count(*) || '/' || coalesce(sum(id), 0) FROM {t} WHERE patient_id = $1 \
                 AND record_status = 'current')"
            )
        };
        let sql = format!(
            "SELECT (SELECT version FROM patients WHERE id = $1) || ':' || {} || ':' || {} || ':' || {} || ':' || {}",
            part("assessments"),
            part("sessions"),
            part("plans"),
            part("goals")
        );
        Ok(c.query_one(&sql, &[&pid])?.try_get(0)?)
    }

    fn assessment_record(&self, id: i64) -> Result<(Assessment, RecordMeta)> {
        assessment_record(&mut *self.client(), id)
    }

    fn session_record(&self, id: i64) -> Result<(SessionLog, RecordMeta)> {
        session_record(&mut *self.client(), id)
    }

    fn plan_record(&self, id: i64) -> Result<PlanRecord> {
        plan_record(&mut *self.client(), id).map(|(p, m)| PlanRecord::new(p, m))
    }

    fn goal_record(&self, id: i64) -> Result<(Goal, RecordMeta)> {
        goal_record(&mut *self.client(), id)
    }

    fn goal_review_record(&self, id: i64) -> Result<(GoalReview, RecordMeta)> {
        goal_review_record(&mut *self.client(), id)
    }

    fn audit(&self, patient: Option<&str>) -> Result<Vec<AuditEntry>> {
        self.client()
            .query(
                &format!("SELECT {AUDIT} FROM audit WHERE $1::text IS NULL OR patient_code = $1 ORDER BY id"),
                &[&patient],
            )?
            .iter()
            .map(|r| raw_of(r).map(entry_of))
            .collect()
    }

    /// The whole trail is checked, so an admin runs it: row-level security hides other sites' rows from others,
    /// and a chain with rows missing cannot verify.
    fn verify_audit(&self) -> Result<std::result::Result<usize, AuditBreak>> {
        self.require_admin(
            "check the whole audit trail on a server (others see only their sites' rows)",
        )?;
        super::verify_audit(&mut self.client())
    }

    fn audit_anchor(&self) -> Result<AuditAnchor> {
        let r = self.client().query_one(
            "SELECT count(*), coalesce(max(id), 0), coalesce((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), '') \
             FROM audit",
            &[],
        )?;
        Ok(AuditAnchor {
            rows: r.try_get(0)?,
            last_id: r.try_get(1)?,
            last_hash: r.try_get(2)?,
            at: now_utc(),
        })
    }

    fn verify_audit_with_anchor(
        &self,
        anchor: &AuditAnchor,
    ) -> Result<std::result::Result<usize, AuditBreak>> {
        let n = match self.verify_audit()? {
            Ok(n) => n,
            Err(b) => return Ok(Err(b)),
        };
        let hash: Option<String> = self
            .client()
            .query_opt("SELECT hash FROM audit WHERE id = $1", &[&anchor.last_id])?
            .map(|r| r.get(0));
        Ok(check_anchor(n, anchor, hash))
    }

    fn set_protocols(&mut self, protocols: Protocols) {
        self.protocols = Some(protocols);
    }

    /// On a server the login is who acts; only the SSH address recorded with it can be set.
    fn set_who(&mut self, who: Who) {
        self.who.ssh_addr = who.ssh_addr;
    }

    fn set_busy_timeout(&mut self, timeout: Duration) -> Result<()> {
        let ms = timeout.as_millis().max(1);
        self.client()
            .batch_execute(&format!("SET lock_timeout = '{ms}ms'"))?;
        Ok(())
    }

    fn add_clinician(
        &mut self,
        os_user: &str,
        display_name: &str,
        role: Role,
    ) -> Result<Clinician> {
        let mut c = self.client();
        c.execute(
            "SELECT praxis.clinician_add($1, $2, $3, NULL)",
            &[&os_user, &role.name(), &display_name],
        )?;
        c.query_one(
            &format!("SELECT {CLINICIAN} FROM clinicians WHERE os_user = $1"),
            &[&os_user],
        )
        .map_err(StoreError::from)
        .and_then(|r| clinician_of(&r))
    }

    fn set_role(&mut self, os_user: &str, role: Role) -> Result<Clinician> {
        self.add_clinician(os_user, "", role)
    }

    fn remove_clinician(&mut self, os_user: &str) -> Result<()> {
        self.client()
            .execute("SELECT praxis.clinician_remove($1)", &[&os_user])?;
        Ok(())
    }

    fn add_patient(&mut self, p: &Patient) -> Result<Patient> {
        self.write("create", |tx, ctx| {
            rules::check_patient(p, &ctx)?;
            let existing: Option<String> = tx
                .query_opt(
                    "SELECT code FROM patients WHERE lower(code) = lower($1) ORDER BY code = $1 DESC LIMIT 1",
                    &[&p.code],
                )?
                .map(|r| r.get(0));
            if let Err(e) = rules::check_new_code(&p.code, existing.as_deref()) {
                return Err(if existing.as_deref() == Some(p.code.as_str()) {
                    StoreError::Duplicate(e.message)
                } else {
                    e.into()
                });
            }
            let values = patient_values(p, &now_utc())?;
            // The patient belongs to the user's site (the first granted; an admin's go to the main site).
            let inserted = tx.execute(
                "INSERT INTO patients (site_id, code, name, birth_year, sex, dominant_hand, affected_side, \
                 condition, facts, notes, created_at, updated_at, version, fold_code, fold_name, fold_notes) \
                 VALUES (coalesce((SELECT min(site_id) FROM site_grants WHERE os_user = session_user), 1), \
                 $1, $2, $3, $4, $5, $6, $7, $8::text::jsonb, $9, $10, $10, 1, $11, $12, $13)",
                &params(&values),
            );
            match inserted {
                Ok(_) => patient(tx, &p.code),
                // Taken by a patient of a site this user does not see.
                Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => Err(
                    StoreError::Duplicate(format!("a patient with code {} already exists (at another site)", p.code)),
                ),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn update_patient(&mut self, p: &Patient) -> Result<Patient> {
        self.write("update", |tx, ctx| {
            rules::check_patient(p, &ctx)?;
            let before = patient(tx, &p.code)?;
            let mut values = patient_values(p, &now_utc())?;
            values.push(Box::new(i32::try_from(p.version).unwrap_or(i32::MAX)));
            let changed = tx.execute(
                "UPDATE patients SET name = $2, birth_year = $3, sex = $4, dominant_hand = $5, affected_side = $6, \
                 condition = $7, facts = $8::text::jsonb, notes = $9, updated_at = $10, version = version + 1, \
                 fold_code = $11, fold_name = $12, fold_notes = $13 WHERE code = $1 AND version = $14",
                &params(&values),
            )?;
            if changed == 0 {
                return Err(StoreError::Conflict {
                    mine: Box::new(p.clone()),
                    theirs: Box::new(before),
                });
            }
            patient(tx, &p.code)
        })
    }

    fn delete_patient(&mut self, code: &str) -> Result<Erased> {
        self.require_admin("delete a patient")?;
        let counts: serde_json::Value = self
            .client()
            .query_one("SELECT praxis.erase_patient($1)::text", &[&code])
            .map_err(StoreError::from)
            .and_then(|r| {
                serde_json::from_str(r.get::<_, &str>(0))
                    .map_err(|e| StoreError::Server(e.to_string()))
            })?;
        let n = |k: &str| {
            counts
                .get(k)
                .and_then(serde_json::Value::as_i64)
                .unwrap_or(0)
        };
        Ok(Erased {
            assessments: n("assessments"),
            sessions: n("sessions"),
            plans: n("plans"),
            audit_rows: n("audit_rows"),
        })
    }

    fn add_assessment(&mut self, a: &Assessment) -> Result<Assessment> {
        self.write("create", |tx, ctx| insert_assessment(tx, &ctx, a))
    }

    fn add_session(&mut self, s: &SessionLog) -> Result<SessionLog> {
        let me = self.who.os_user.clone();
        self.write("create", |tx, ctx| {
            let p = self.patient_in(tx, &s.patient_code)?;
            rules::check_session(s, &ctx.with_patient(Some(&p)))?;
            let stored = SessionLog {
                clinician: s.clinician.clone().or(Some(me)),
                ..s.clone()
            };
            let insert = self.prepared(
                tx,
                "INSERT INTO sessions (patient_id, started_at, protocol_id, minutes, repetitions, level, \
                 success_rate, rpe, notes, clinician, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
            )?;
            let id: i64 = tx
                .query_one(
                    &insert,
                    &[
                        &p.id,
                        &datetime_text(stored.started_at),
                        &stored.protocol_id,
                        &i32::try_from(stored.minutes).unwrap_or(i32::MAX),
                        &i32::try_from(stored.repetitions).unwrap_or(i32::MAX),
                        &stored.level.map(|l| i32::try_from(l).unwrap_or(i32::MAX)),
                        &stored.success_rate,
                        &stored.rpe.map(i32::from),
                        &stored.notes,
                        &stored.clinician,
                        &now_utc(),
                    ],
                )?
                .get(0);
            Ok(SessionLog { id, ..stored })
        })
    }

    fn set_plan(&mut self, plan: &Plan) -> Result<Plan> {
        self.write("set_plan", |tx, ctx| {
            let p = patient(tx, &plan.patient_code)?;
            rules::check_plan(plan, &ctx.with_patient(Some(&p)))?;
            let now = now_utc();
            if let Some(old) = active_plan(tx, &plan.patient_code)? {
                tx.execute(
                    "UPDATE plans SET status = 'stopped', updated_at = $2, version = version + 1 WHERE id = $1",
                    &[&old.id, &now],
                )?;
            }
            let status = PlanStatus::Active;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO plans (patient_id, protocol_id, start_date, goal, status, created_at, updated_at, \
                     version) VALUES ($1, $2, $3, $4, $5, $6, $6, 1) RETURNING id",
                    &[&p.id, &plan.protocol_id, &date_text(plan.start_date), &plan.goal, &enum_text(&status), &now],
                )?
                .get(0);
            Ok(Plan {
                id,
                status,
                version: 1,
                ..plan.clone()
            })
        })
    }

    fn update_plan(&mut self, plan: &Plan) -> Result<Plan> {
        self.write("update", |tx, ctx| {
            let p = patient(tx, &plan.patient_code)?;
            rules::check_plan(plan, &ctx.with_patient(Some(&p)).with_protocols(None))?;
            let (before, meta) = plan_record(tx, plan.id)?;
            if meta.status != super::super::RecordStatus::Current {
                return Err(StoreError::Invalid(format!(
                    "plan {} was {}; only the current version of a plan can be edited",
                    plan.id,
                    meta.status.name()
                )));
            }
            if before.protocol_id != plan.protocol_id || before.patient_code != plan.patient_code {
                return Err(StoreError::Invalid(
                    "a plan's patient and protocol cannot be edited; set a new plan instead".into(),
                ));
            }
            let changed = tx.execute(
                "UPDATE plans SET start_date = $2, goal = $3, status = $4, updated_at = $5, version = version + 1 \
                 WHERE id = $1 AND version = $6",
                &[
                    &plan.id,
                    &date_text(plan.start_date),
                    &plan.goal,
                    &enum_text(&plan.status),
                    &now_utc(),
                    &i32::try_from(plan.version).unwrap_or(i32::MAX),
                ],
            );
            let changed = match changed {
                Ok(n) => n,
                Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
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
            Ok(Plan {
                version: before.version + 1,
                ..plan.clone()
            })
        })
    }

    fn add_goal(&mut self, g: &Goal) -> Result<Goal> {
        self.write("create", |tx, ctx| {
            let p = patient(tx, &g.patient_code)?;
            let inst = rules::check_goal_record(g, &ctx.with_patient(Some(&p)))?;
            let plan_id = active_plan(tx, &g.patient_code)?.map(|pl| pl.id);
            let id: i64 = tx
                .query_one(
                    "INSERT INTO goals (patient_id, plan_id, instrument, target, by_date, text, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &[&p.id, &plan_id, &inst.id, &g.target, &date_text(g.by), &g.text, &now_utc()],
                )?
                .get(0);
            Ok(Goal {
                id,
                plan_id,
                instrument: inst.id.to_string(),
                ..g.clone()
            })
        })
    }

    fn add_goal_review(&mut self, r: &GoalReview) -> Result<GoalReview> {
        self.write("create", |tx, ctx| {
            let p = patient(tx, &r.patient_code)?;
            rules::check_goal_review(r, &ctx.with_patient(Some(&p)))?;
            let goal_id = current_goal(tx, &p, r)?;
            let id: i64 = tx
                .query_one(
                    "INSERT INTO goal_reviews (patient_id, goal_id, level, date, notes, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                    &[&p.id, &goal_id, &i32::from(r.level), &date_text(r.date), &r.notes, &now_utc()],
                )?
                .get(0);
            Ok(GoalReview {
                id,
                goal_id,
                ..r.clone()
            })
        })
    }

    fn correct_record(&mut self, c: &Correction, reason: &str) -> Result<i64> {
        let reason = check_reason(reason)?;
        let (kind, id, code) = match c {
            Correction::Assessment(a) => (RecordKind::Assessment, a.id, &a.patient_code),
            Correction::Session(s) => (RecordKind::Session, s.id, &s.patient_code),
            Correction::Plan(p) => (RecordKind::Plan, p.id, &p.patient_code),
            Correction::Goal(g) => (RecordKind::Goal, g.id, &g.patient_code),
            Correction::GoalReview(r) => (RecordKind::GoalReview, r.id, &r.patient_code),
        };
        self.write("correct", |tx, ctx| {
            let (owner, _) = record_owner(tx, kind, id)?;
            if &owner != code {
                return Err(StoreError::Invalid(format!(
                    "a correction cannot move a record to another patient ({owner} to {code}): void it (reason: \
                     wrong patient) and enter it again for {code}"
                )));
            }
            let row = correction_row(tx, &ctx, c)?;
            let new_id: i64 = tx
                .query_one(
                    "SELECT praxis.amend($1, $2, $3, $4::text::jsonb)",
                    &[&kind.name(), &id, &reason, &row.to_string()],
                )?
                .get(0);
            Ok(new_id)
        })
    }

    fn void_record(&mut self, kind: RecordKind, id: i64, reason: &str) -> Result<RecordMeta> {
        let reason = check_reason(reason)?;
        self.write("void", |tx, _| {
            tx.execute(
                "SELECT praxis.amend($1, $2, $3, NULL)",
                &[&kind.name(), &id, &reason],
            )?;
            record_owner(tx, kind, id).map(|(_, m)| m)
        })
    }

    fn import_assessments(&mut self, rows: &[Assessment], file: &str) -> Result<usize> {
        self.write("create", |tx, ctx| {
            for a in rows {
                insert_assessment(tx, &ctx, a)?;
            }
            let details = serde_json::json!({ "file": file, "rows": rows.len() });
            audit_event(tx, "import", "database", file, None, &details)?;
            Ok(rows.len())
        })
    }

    /// As on SQLite: read (what the user sees), audit, then deliver, in one transaction; a delivery that fails
    /// rolls the audit row back.
    fn export_with(
        &mut self,
        kind: ExportKind,
        period: Period,
        pseudonymised: bool,
        destination: &str,
        deliver: Deliver<'_>,
    ) -> Result<(usize, i64)> {
        self.write("export", |tx, _| {
            let mut data = read_export(tx, kind, period, pseudonymised)?;
            let n = data.len();
            let details = export_details(kind, period, pseudonymised, destination, n);
            let row = audit_event(tx, "export", "database", destination, None, &details)?;
            if pseudonymised {
                data.order_by_pseudonym();
            }
            deliver(&data)?;
            Ok((n, row))
        })
    }

    fn export_audited(
        &mut self,
        kind: &str,
        patient: Option<&str>,
        rows: usize,
        pseudonymised: bool,
        destination: &str,
        deliver: Deliver<'_>,
    ) -> Result<i64> {
        self.write("export", |tx, _| {
            let mut keys = ExportData::default();
            if pseudonymised {
                pseudonym_keys(tx, &mut keys)?;
            }
            let details = audited_details(kind, patient, rows, pseudonymised, destination);
            let row = audit_event(tx, "export", "database", destination, patient, &details)?;
            deliver(&keys)?;
            Ok(row)
        })
    }

    fn report_with(
        &mut self,
        code: &str,
        destination: &str,
        details: &serde_json::Value,
        deliver: &mut dyn FnMut() -> Result<()>,
    ) -> Result<i64> {
        self.write("export", |tx, _| {
            patient_id(tx, code)?;
            use super::super::report::{REPORT_ACTION, REPORT_ENTITY};
            let row = audit_event(
                tx,
                REPORT_ACTION,
                REPORT_ENTITY,
                destination,
                Some(code),
                details,
            )?;
            deliver()?;
            Ok(row)
        })
    }

    fn audit_export_incomplete(
        &mut self,
        export_row: i64,
        destination: &str,
        details: &serde_json::Value,
    ) -> Result<i64> {
        let mut details = details.clone();
        if let Some(o) = details.as_object_mut() {
            o.insert("export_row".into(), export_row.into());
            o.insert("to".into(), destination.into());
        }
        let mut c = self.client();
        let mut tx = c.transaction()?;
        let id = audit_event(
            &mut tx,
            "export_incomplete",
            "database",
            destination,
            None,
            &details,
        )?;
        tx.commit()?;
        Ok(id)
    }

    fn backup_to(&mut self, _dest: &Path, _force: bool) -> Result<()> {
        Err(file_only("`db backup`"))
    }

    fn backup_to_dir(&mut self, _config: &BackupConfig) -> Result<PathBuf> {
        Err(file_only("`db backup`"))
    }

    fn restore_from(&mut self, _file: &Path, _config: &BackupConfig) -> Result<Restored> {
        Err(file_only("`db restore`"))
    }

    fn location(&self) -> String {
        self.url.clone()
    }
}

/// Append an audit row for an event that changes no record (an export, a report, an import) in `tx`, and return
/// its id: the trail's lock is held to the commit, so the newest row is this one.
fn audit_event(
    tx: &mut postgres::Transaction<'_>,
    action: &str,
    entity: &str,
    key: &str,
    patient: Option<&str>,
    details: &serde_json::Value,
) -> Result<i64> {
    tx.execute(
        "SELECT praxis.audit_event($1, $2, $3, $4, $5::text::jsonb)",
        &[&action, &entity, &key, &patient, &details.to_string()],
    )?;
    Ok(tx.query_one("SELECT max(id) FROM audit", &[])?.get(0))
}

/// What an export of `kind` holds (see SQLite's `read_export`): current records dated, or patients changed, within
/// `period`; for a pseudonymised export, each patient's day 0 and pseudonym.
fn read_export(
    tx: &mut postgres::Transaction<'_>,
    kind: ExportKind,
    period: Period,
    pseudonymised: bool,
) -> Result<ExportData> {
    let (since, until) = (period.since.map(date_text), period.until.map(date_text));
    let days: [&(dyn postgres::types::ToSql + Sync); 2] = [&since, &until];
    let mut data = ExportData::default();
    match kind {
        ExportKind::Patients => {
            data.patients = all(
                tx,
                &format!(
                    "SELECT {PATIENT} FROM patients p WHERE ($1::text IS NULL OR left(p.updated_at, 10) >= $1) \
                     AND ($2::text IS NULL OR left(p.updated_at, 10) <= $2) ORDER BY p.id"
                ),
                &days,
                patient_of,
            )?;
        }
        ExportKind::Assessments => {
            data.assessments = all(
                tx,
                &format!(
                    "SELECT {ASSESSMENT} FROM assessments a JOIN patients p ON p.id = a.patient_id \
                     WHERE a.record_status = 'current' AND ($1::text IS NULL OR a.date >= $1) \
                     AND ($2::text IS NULL OR a.date <= $2) ORDER BY a.date, a.id"
                ),
                &days,
                assessment_of,
            )?;
        }
        ExportKind::Sessions => {
            data.sessions = all(
                tx,
                &format!(
                    "SELECT {SESSION} FROM sessions s JOIN patients p ON p.id = s.patient_id \
                     WHERE s.record_status = 'current' AND ($1::text IS NULL OR left(s.started_at, 10) >= $1) \
                     AND ($2::text IS NULL OR left(s.started_at, 10) <= $2) ORDER BY s.started_at, s.id"
                ),
                &days,
                session_of,
            )?;
        }
    }
    if pseudonymised {
        pseudonym_keys(tx, &mut data)?;
    }
    Ok(data)
}

/// Each patient's day 0 (the first dated record) and pseudonym, for a pseudonymised export.
fn pseudonym_keys(tx: &mut postgres::Transaction<'_>, data: &mut ExportData) -> Result<()> {
    for r in tx.query(
        "SELECT code, least(facts ->> 'onset_date', \
             (SELECT min(date) FROM assessments WHERE patient_id = p.id AND record_status = 'current'), \
             (SELECT left(min(started_at), 10) FROM sessions WHERE patient_id = p.id \
              AND record_status = 'current')) FROM patients p",
        &[],
    )? {
        let first: Option<&str> = r.try_get(1)?;
        if let Some(first) = first {
            data.day_zero.insert(r.try_get(0)?, parse_date("day 0", first)?);
        }
    }
    let key: Vec<u8> = tx
        .query_one("SELECT key FROM pseudonym_key WHERE id = 1", &[])?
        .get(0);
    let codes = tx
        .query("SELECT code FROM patients", &[])?
        .iter()
        .map(|r| r.try_get::<_, String>(0))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    data.pseudonyms = pseudonym_map(&key, codes)?;
    Ok(())
}

/// The code, name and notes as the search compares them (`domain::text::fold`), as the store writes them in
/// `patients.fold_*` (v3.sql).
pub(super) fn folds(code: &str, name: Option<&str>, notes: &str) -> [Option<String>; 3] {
    use crate::domain::text::fold;
    [Some(fold(code)), name.map(fold), Some(fold(notes))]
}
