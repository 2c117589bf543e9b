//! The schema, as a list of migrations. `PRAGMA user_version` is the number of migrations applied.
//!
//! Never edit a migration that has shipped; append a new one.

use rusqlite_migration::{M, Migrations};

/// The SQL condition (on a table aliased by its first letter or `pl`) for rows that count: `record_status` (v3).
pub(crate) const CURRENT: &str = "record_status = 'current'";

const V1: &str = r#"
CREATE TABLE clinicians (
    id           INTEGER PRIMARY KEY,
    os_user      TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL DEFAULT '',
    role         TEXT NOT NULL CHECK (role IN ('admin', 'lead', 'therapist', 'readonly')),
    created_at   TEXT NOT NULL
);

CREATE TABLE patients (
    id             INTEGER PRIMARY KEY,
    code           TEXT NOT NULL UNIQUE,
    name           TEXT,
    birth_year     INTEGER NOT NULL,
    sex            TEXT,
    dominant_hand  TEXT,
    affected_side  TEXT,
    -- condition kind id (stroke, parkinsons, cerebellar_ataxia, older_adult), for filtering
    condition      TEXT NOT NULL,
    -- the condition's facts as JSON (e.g. {"nihss": 9, "mep": "present"}); query with json_extract(facts, '$.nihss')
    facts          TEXT NOT NULL CHECK (json_valid(facts)),
    notes          TEXT NOT NULL DEFAULT '',
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    version        INTEGER NOT NULL DEFAULT 1,
    -- Kept by the triggers below so the patient list is one scan of this table, not 10,000 subqueries.
    last_assessment TEXT,
    last_session    TEXT,
    n_assessments   INTEGER NOT NULL DEFAULT 0,
    n_sessions      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX patients_condition ON patients(condition);

CREATE TABLE assessments (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    instrument  TEXT NOT NULL,
    score       REAL NOT NULL,
    date        TEXT NOT NULL,
    assessor    TEXT,
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX assessments_patient_date ON assessments(patient_id, date);

CREATE TRIGGER assessments_summary_insert AFTER INSERT ON assessments BEGIN
    UPDATE patients SET n_assessments = n_assessments + 1,
                        last_assessment = max(coalesce(last_assessment, ''), NEW.date)
    WHERE id = NEW.patient_id;
END;
CREATE TRIGGER assessments_summary_delete AFTER DELETE ON assessments BEGIN
    UPDATE patients SET n_assessments = n_assessments - 1,
                        last_assessment = (SELECT max(date) FROM assessments WHERE patient_id = OLD.patient_id)
    WHERE id = OLD.patient_id;
END;
CREATE TRIGGER assessments_summary_update AFTER UPDATE OF patient_id, date ON assessments BEGIN
    UPDATE patients SET
        n_assessments = (SELECT count(*) FROM assessments WHERE patient_id = patients.id),
        last_assessment = (SELECT max(date) FROM assessments WHERE patient_id = patients.id)
    WHERE id IN (OLD.patient_id, NEW.patient_id);
END;

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    patient_id   INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    started_at   TEXT NOT NULL,
    protocol_id  TEXT NOT NULL,
    minutes      INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 600),
    repetitions  INTEGER NOT NULL CHECK (repetitions >= 0),
    level        INTEGER,
    success_rate REAL CHECK (success_rate IS NULL OR success_rate BETWEEN 0 AND 1),
    rpe          INTEGER CHECK (rpe IS NULL OR rpe BETWEEN 0 AND 10),
    notes        TEXT NOT NULL DEFAULT '',
    clinician    TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX sessions_patient_started ON sessions(patient_id, started_at);

CREATE TRIGGER sessions_summary_insert AFTER INSERT ON sessions BEGIN
    UPDATE patients SET n_sessions = n_sessions + 1,
                        last_session = max(coalesce(last_session, ''), NEW.started_at)
    WHERE id = NEW.patient_id;
END;
CREATE TRIGGER sessions_summary_delete AFTER DELETE ON sessions BEGIN
    UPDATE patients SET n_sessions = n_sessions - 1,
                        last_session = (SELECT max(started_at) FROM sessions WHERE patient_id = OLD.patient_id)
    WHERE id = OLD.patient_id;
END;
CREATE TRIGGER sessions_summary_update AFTER UPDATE OF patient_id, started_at ON sessions BEGIN
    UPDATE patients SET
        n_sessions = (SELECT count(*) FROM sessions WHERE patient_id = patients.id),
        last_session = (SELECT max(started_at) FROM sessions WHERE patient_id = patients.id)
    WHERE id IN (OLD.patient_id, NEW.patient_id);
END;

CREATE TABLE plans (
    id          INTEGER PRIMARY KEY,
    patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    protocol_id TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    goal        TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL CHECK (status IN ('active', 'completed', 'stopped')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL DEFAULT 1
);
-- at most one active plan per patient
CREATE UNIQUE INDEX plans_one_active ON plans(patient_id) WHERE status = 'active';
CREATE INDEX plans_patient ON plans(patient_id);

-- Append-only, hash-chained audit trail. `hash` = sha256 hex of (previous row's hash || canonical row content);
-- see store::audit. `patient_code` is the pseudonymous code only, so erasing a patient leaves no personal data here.
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    os_user      TEXT NOT NULL,
    ssh_addr     TEXT,
    action       TEXT NOT NULL,
    entity       TEXT NOT NULL,
    entity_key   TEXT NOT NULL,
    patient_code TEXT,
    before_json  TEXT,
    after_json   TEXT,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_patient ON audit(patient_code, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: rows cannot be changed'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: rows cannot be deleted'); END;
"#;

/// v2: the active plan's protocol and start date kept on the patient row by triggers, so the patient list is a
/// plain scan of one table with no join (issue 5: the list of 10,000 patients in under 10 ms).
const V2: &str = r#"
ALTER TABLE patients ADD COLUMN plan_protocol TEXT;
ALTER TABLE patients ADD COLUMN plan_start TEXT;
UPDATE patients SET
    plan_protocol = (SELECT protocol_id FROM plans WHERE patient_id = patients.id AND status = 'active'),
    plan_start = (SELECT start_date FROM plans WHERE patient_id = patients.id AND status = 'active');

CREATE TRIGGER plans_summary_insert AFTER INSERT ON plans WHEN NEW.status = 'active' BEGIN
    UPDATE patients SET plan_protocol = NEW.protocol_id, plan_start = NEW.start_date WHERE id = NEW.patient_id;
END;
CREATE TRIGGER plans_summary_update AFTER UPDATE ON plans BEGIN
    UPDATE patients SET
        plan_protocol = (SELECT protocol_id FROM plans WHERE patient_id = patients.id AND status = 'active'),
        plan_start = (SELECT start_date FROM plans WHERE patient_id = patients.id AND status = 'active')
    WHERE id IN (OLD.patient_id, NEW.patient_id);
END;
CREATE TRIGGER plans_summary_delete AFTER DELETE ON plans WHEN OLD.status = 'active' BEGIN
    UPDATE patients SET plan_protocol = NULL, plan_start = NULL WHERE id = OLD.patient_id;
END;
"#;

/// v3: records are corrected or voided, never edited in place (issue 9). Each assessment, session and plan row has a
/// `record_status`: `current`, `corrected` (a newer row, whose `supersedes` names this one, replaced it) or `voided`
/// (entered in error); `status_reason`, `status_by` and `status_at` say why, who and when it stopped being current.
/// `created_by` (sessions, plans) is who entered the record, so a therapist may correct their own; older rows take it
/// from the audit trail's `create` row. The patient list's counts and dates count current rows only.
const V3: &str = r#"
ALTER TABLE assessments ADD COLUMN record_status TEXT NOT NULL DEFAULT 'current'
    CHECK (record_status IN ('current', 'corrected', 'voided'));
ALTER TABLE assessments ADD COLUMN supersedes INTEGER;
ALTER TABLE assessments ADD COLUMN status_reason TEXT;
ALTER TABLE assessments ADD COLUMN status_by TEXT;
ALTER TABLE assessments ADD COLUMN status_at TEXT;

ALTER TABLE sessions ADD COLUMN record_status TEXT NOT NULL DEFAULT 'current'
    CHECK (record_status IN ('current', 'corrected', 'voided'));
ALTER TABLE sessions ADD COLUMN supersedes INTEGER;
ALTER TABLE sessions ADD COLUMN status_reason TEXT;
ALTER TABLE sessions ADD COLUMN status_by TEXT;
ALTER TABLE sessions ADD COLUMN status_at TEXT;
ALTER TABLE sessions ADD COLUMN created_by TEXT;
UPDATE sessions SET created_by = coalesce(
    (SELECT os_user FROM audit WHERE entity = 'session' AND action = 'create'
        AND entity_key = CAST(sessions.id AS TEXT) ORDER BY audit.id LIMIT 1),
    clinician);

ALTER TABLE plans ADD COLUMN record_status TEXT NOT NULL DEFAULT 'current'
    CHECK (record_status IN ('current', 'corrected', 'voided'));
ALTER TABLE plans ADD COLUMN supersedes INTEGER;
ALTER TABLE plans ADD COLUMN status_reason TEXT;
ALTER TABLE plans ADD COLUMN status_by TEXT;
ALTER TABLE plans ADD COLUMN status_at TEXT;
ALTER TABLE plans ADD COLUMN created_by TEXT;
UPDATE plans SET created_by =
    (SELECT os_user FROM audit WHERE entity = 'plan' AND action = 'set_plan'
        AND entity_key = CAST(plans.id AS TEXT) ORDER BY audit.id LIMIT 1);

DROP TRIGGER assessments_summary_insert;
DROP TRIGGER assessments_summary_delete;
DROP TRIGGER assessments_summary_update;
CREATE TRIGGER assessments_summary_insert AFTER INSERT ON assessments WHEN NEW.record_status = 'current' BEGIN
    UPDATE patients SET n_assessments = n_assessments + 1,
                        last_assessment = max(coalesce(last_assessment, ''), NEW.date)
    WHERE id = NEW.patient_id;
END;
CREATE TRIGGER assessments_summary_delete AFTER DELETE ON assessments BEGIN
    UPDATE patients SET
        n_assessments = n_assessments - (OLD.record_status = 'current'),
        last_assessment = (SELECT max(date) FROM assessments WHERE patient_id = patients.id AND record_status = 'current')
    WHERE id = OLD.patient_id;
END;
CREATE TRIGGER assessments_summary_update AFTER UPDATE OF patient_id, date, record_status ON assessments BEGIN
    UPDATE patients SET
        n_assessments = (SELECT count(*) FROM assessments WHERE patient_id = patients.id AND record_status = 'current'),
        last_assessment = (SELECT max(date) FROM assessments WHERE patient_id = patients.id AND record_status = 'current')
    WHERE id IN (OLD.patient_id, NEW.patient_id);
END;

DROP TRIGGER sessions_summary_insert;
DROP TRIGGER sessions_summary_delete;
DROP TRIGGER sessions_summary_update;
CREATE TRIGGER sessions_summary_insert AFTER INSERT ON sessions WHEN NEW.record_status = 'current' BEGIN
    UPDATE patients SET n_sessions = n_sessions + 1,
                        last_session = max(coalesce(last_session, ''), NEW.started_at)
    WHERE id = NEW.patient_id;
END;
CREATE TRIGGER sessions_summary_delete AFTER DELETE ON sessions BEGIN
    UPDATE patients SET
        n_sessions = n_sessions - (OLD.record_status = 'current'),
        last_session = (SELECT max(started_at) FROM sessions WHERE patient_id = patients.id AND record_status = 'current')
    WHERE id = OLD.patient_id;
END;
CREATE TRIGGER sessions_summary_update AFTER UPDATE OF patient_id, started_at, record_status ON sessions BEGIN
    UPDATE patients SET
        n_sessions = (SELECT count(*) FROM sessions WHERE patient_id = patients.id AND record_status = 'current'),
        last_session = (SELECT max(started_at) FROM sessions WHERE patient_id = patients.id AND record_status = 'current')
    WHERE id IN (OLD.patient_id, NEW.patient_id);
END;

CREATE INDEX assessments_supersedes ON assessments(supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX sessions_supersedes ON sessions(supersedes) WHERE supersedes IS NOT NULL;
CREATE INDEX plans_supersedes ON plans(supersedes) WHERE supersedes IS NOT NULL;
"#;

/// v4 (issue 9, erasure): audit rows whose patient data can be erased while the hash chain stays verifiable. Each
/// row gets a random `salt` and the `digest` of its redactable payload; the chain then covers the digest, not the
/// payload (see store::audit). This SQL adds the columns and drops the old update trigger; the step after it
/// ([`super::audit::seal_rows_v4`]) checks the old chain, seals the existing rows and puts the new trigger (which
/// allows only the erasure of a deleted patient's rows) in place.
///
/// Also the database's pseudonym key: 32 random bytes, the HMAC key that turns a patient code into its pseudonym in
/// pseudonymised exports (see store::export). Self-contained: it touches the audit table and its own new table only.
const V4: &str = r#"
ALTER TABLE audit ADD COLUMN salt TEXT;
ALTER TABLE audit ADD COLUMN digest TEXT;
-- IF EXISTS: whoever tampered with the trail may have dropped them; sealing reports such a trail as broken.
DROP TRIGGER IF EXISTS audit_no_update;
DROP TRIGGER IF EXISTS audit_no_delete;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only: rows cannot be deleted'); END;

CREATE TABLE pseudonym_key (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    key BLOB NOT NULL CHECK (length(key) = 32)
);
INSERT INTO pseudonym_key (id, key) VALUES (1, randomblob(32));
"#;

fn v4_seal(tx: &rusqlite::Transaction<'_>) -> rusqlite_migration::HookResult {
    Ok(super::audit::seal_rows_v4(tx)?)
}

/// v5: medication state (issue 12.1). MDS-UPDRS III is scored ON or OFF dopaminergic medication, and the two differ
/// by the levodopa response: each assessment may say which (`med_state`, NULL = not recorded or an instrument without
/// one). Self-contained: one nullable column on assessments; existing rows keep NULL.
const V5: &str = r#"
ALTER TABLE assessments ADD COLUMN med_state TEXT CHECK (med_state IS NULL OR med_state IN ('on', 'off'));
"#;

/// v6: goals. A plan's structured goals (instrument, target, date, free text) and their Goal Attainment Scaling
/// reviews (-2..+2). Both are records like assessments (v3): corrected or voided with a reason, never edited in place;
/// `created_by` is who entered them. Self-contained: two new tables and their indexes.
const V6: &str = r#"
CREATE TABLE goals (
    id            INTEGER PRIMARY KEY,
    patient_id    INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    plan_id       INTEGER REFERENCES plans(id) ON DELETE SET NULL,
    instrument    TEXT NOT NULL,
    target        REAL NOT NULL,
    by_date       TEXT NOT NULL,
    text          TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    created_by    TEXT,
    record_status TEXT NOT NULL DEFAULT 'current' CHECK (record_status IN ('current', 'corrected', 'voided')),
    supersedes    INTEGER,
    status_reason TEXT,
    status_by     TEXT,
    status_at     TEXT
);
CREATE INDEX goals_patient ON goals(patient_id);
CREATE INDEX goals_supersedes ON goals(supersedes) WHERE supersedes IS NOT NULL;

CREATE TABLE goal_reviews (
    id            INTEGER PRIMARY KEY,
    patient_id    INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
    goal_id       INTEGER NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    level         INTEGER NOT NULL CHECK (level BETWEEN -2 AND 2),
    date          TEXT NOT NULL,
    notes         TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    created_by    TEXT,
    record_status TEXT NOT NULL DEFAULT 'current' CHECK (record_status IN ('current', 'corrected', 'voided')),
    supersedes    INTEGER,
    status_reason TEXT,
    status_by     TEXT,
    status_at     TEXT
);
CREATE INDEX goal_reviews_patient ON goal_reviews(patient_id, goal_id, date);
CREATE INDEX goal_reviews_supersedes ON goal_reviews(supersedes) WHERE supersedes IS NOT NULL;
"#;

/// All migrations, oldest first.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(V2),
        M::up(V3),
        M::up_with_hook(V4, v4_seal),
        M::up(V5),
        M::up(V6),
    ])
}

/// The schema version this binary writes: the number of migrations in [`migrations`].
pub const LATEST: i64 = 6;

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut c).unwrap();
        let v: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, super::LATEST, "LATEST counts the migrations");
    }

    /// v5 adds the medication state as a nullable column: a v4 database's assessments keep NULL, and only "on" and
    /// "off" are stored.
    #[test]
    fn v5_adds_a_nullable_medication_state() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_version(&mut c, 4).unwrap();
        c.execute_batch(
            "INSERT INTO patients (id, code, birth_year, condition, facts, created_at, updated_at)
                 VALUES (1, 'P-0001', 1950, 'parkinsons', '{}', 'x', 'x');
             INSERT INTO assessments (id, patient_id, instrument, score, date, created_at, created_by)
                 VALUES (3, 1, 'mds_updrs_iii', 30, '2026-01-02', 'x', 'tom');",
        )
        .unwrap();
        super::migrations().to_latest(&mut c).unwrap();
        let state: Option<String> = c
            .query_row("SELECT med_state FROM assessments WHERE id = 3", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(state, None);
        c.execute("UPDATE assessments SET med_state = 'off' WHERE id = 3", [])
            .unwrap();
        assert!(
            c.execute("UPDATE assessments SET med_state = 'half' WHERE id = 3", [])
                .is_err()
        );
    }

    /// v2 fills the plan columns of patients that already had plans, and its triggers follow later changes.
    #[test]
    fn v2_backfills_and_follows_the_active_plan() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_version(&mut c, 1).unwrap();
        c.execute_batch(
            "INSERT INTO patients (id, code, birth_year, condition, facts, created_at, updated_at)
                 VALUES (1, 'P-0001', 1950, 'stroke', '{}', 'x', 'x'), (2, 'P-0002', 1950, 'stroke', '{}', 'x', 'x');
             INSERT INTO plans (patient_id, protocol_id, start_date, status, created_at, updated_at)
                 VALUES (1, 'usual-care', '2026-01-01', 'completed', 'x', 'x'),
                        (1, 'cimt', '2026-02-01', 'active', 'x', 'x');",
        )
        .unwrap();
        super::migrations().to_latest(&mut c).unwrap();
        let plan = |c: &rusqlite::Connection, id: i64| -> (Option<String>, Option<String>) {
            c.query_row(
                "SELECT plan_protocol, plan_start FROM patients WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap()
        };
        assert_eq!(
            plan(&c, 1),
            (Some("cimt".into()), Some("2026-02-01".into()))
        );
        assert_eq!(plan(&c, 2), (None, None));
        // Ending the plan clears it; a new active plan sets it; moving or deleting it follows.
        c.execute(
            "UPDATE plans SET status = 'completed' WHERE protocol_id = 'cimt'",
            [],
        )
        .unwrap();
        assert_eq!(plan(&c, 1), (None, None));
        c.execute(
            "INSERT INTO plans (patient_id, protocol_id, start_date, status, created_at, updated_at)
             VALUES (1, 'lsvt-big', '2026-03-01', 'active', 'x', 'x')",
            [],
        )
        .unwrap();
        assert_eq!(
            plan(&c, 1),
            (Some("lsvt-big".into()), Some("2026-03-01".into()))
        );
        c.execute(
            "UPDATE plans SET patient_id = 2 WHERE status = 'active'",
            [],
        )
        .unwrap();
        assert_eq!(plan(&c, 1), (None, None));
        assert_eq!(
            plan(&c, 2),
            (Some("lsvt-big".into()), Some("2026-03-01".into()))
        );
        c.execute("DELETE FROM plans WHERE status = 'active'", [])
            .unwrap();
        assert_eq!(plan(&c, 2), (None, None));
    }

    /// v3 keeps a v2 database's rows current, takes who entered each session and plan from the audit trail, and
    /// its triggers count current rows only.
    #[test]
    fn v3_backfills_who_entered_and_counts_current_rows_only() {
        let mut c = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_version(&mut c, 2).unwrap();
        c.execute_batch(
            "INSERT INTO patients (id, code, birth_year, condition, facts, created_at, updated_at)
                 VALUES (1, 'P-0001', 1950, 'stroke', '{}', 'x', 'x');
             INSERT INTO sessions (id, patient_id, started_at, protocol_id, minutes, repetitions, clinician, created_at)
                 VALUES (7, 1, '2026-01-02T09:00:00', 'cimt', 30, 10, 'kim', 'x'),
                        (8, 1, '2026-01-03T09:00:00', 'cimt', 30, 10, 'kim', 'x');
             INSERT INTO assessments (id, patient_id, instrument, score, date, created_at, created_by)
                 VALUES (3, 1, 'arat', 10, '2026-01-02', 'x', 'tom'), (4, 1, 'arat', 12, '2026-01-09', 'x', 'tom');
             INSERT INTO plans (id, patient_id, protocol_id, start_date, status, created_at, updated_at)
                 VALUES (5, 1, 'cimt', '2026-01-01', 'active', 'x', 'x');
             INSERT INTO audit (at, os_user, action, entity, entity_key, hash)
                 VALUES ('x', 'ann', 'create', 'session', '7', 'h'), ('x', 'lena', 'set_plan', 'plan', '5', 'h');",
        )
        .unwrap();
        super::migrations().to_latest(&mut c).unwrap();
        let text = |sql: &str| -> Option<String> { c.query_row(sql, [], |r| r.get(0)).unwrap() };
        // Whoever the audit says entered it; else the clinician named on the session.
        assert_eq!(
            text("SELECT created_by FROM sessions WHERE id = 7").as_deref(),
            Some("ann")
        );
        assert_eq!(
            text("SELECT created_by FROM sessions WHERE id = 8").as_deref(),
            Some("kim")
        );
        assert_eq!(
            text("SELECT created_by FROM plans WHERE id = 5").as_deref(),
            Some("lena")
        );
        assert_eq!(
            text("SELECT group_concat(DISTINCT record_status) FROM assessments").as_deref(),
            Some("current")
        );
        let summary = |c: &rusqlite::Connection| -> (i64, Option<String>, i64, Option<String>) {
            c.query_row(
                "SELECT n_assessments, last_assessment, n_sessions, last_session FROM patients WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
        };
        assert_eq!(
            summary(&c),
            (
                2,
                Some("2026-01-09".into()),
                2,
                Some("2026-01-03T09:00:00".into())
            )
        );
        c.execute_batch(
            "UPDATE assessments SET record_status = 'voided' WHERE id = 4;
             UPDATE sessions SET record_status = 'corrected' WHERE id = 8;
             INSERT INTO sessions (patient_id, started_at, protocol_id, minutes, repetitions, created_at, record_status)
                 VALUES (1, '2026-02-01T09:00:00', 'cimt', 30, 10, 'x', 'voided');",
        )
        .unwrap();
        assert_eq!(
            summary(&c),
            (
                1,
                Some("2026-01-02".into()),
                1,
                Some("2026-01-02T09:00:00".into())
            )
        );
        // Deleting a voided row leaves the count alone; deleting a current one lowers it.
        c.execute("DELETE FROM assessments WHERE id = 4", [])
            .unwrap();
        assert_eq!(summary(&c).0, 1);
        c.execute("DELETE FROM assessments WHERE id = 3", [])
            .unwrap();
        assert_eq!(summary(&c).0, 0);
    }
}
