//! The audit trail: one row per change, written in the change's own transaction; append-only (triggers refuse
//! UPDATE and DELETE) and tamper-evident (each row's `hash` chains to the previous row's).
//!
//! Rows hold no personal data ([`PERSONAL_FIELDS`] are withheld when written), and after a patient is erased
//! (`praxis patient delete`) none of that patient's data either, while the chain stays verifiable:
//!
//! - A row's content is in two parts. The *redactable payload* is what may say which patient the row is about or
//!   quote their record: `entity_key`, `patient_code`, `before_json`, `after_json`. The rest (`id`, `at`, `os_user`,
//!   `ssh_addr`, `action`, `entity`) is kept for ever.
//! - `digest` = sha256 of the payload together with `salt`, 16 random bytes of that row. The chained `hash` covers
//!   the kept fields and the digest, not the payload itself: `hash` = sha256(previous hash || [id, at, os_user,
//!   ssh_addr, action, entity, digest]).
//! - Erasing a patient sets, in each of their rows, the payload and the salt to NULL (`entity_key` to
//!   "(erased)"), in the erasure's own transaction ([`Tx::erase_audit`]). The digest stays, so the chain still
//!   verifies; with the salt gone the digest cannot be matched against guessed codes or texts, so it reveals
//!   nothing. The erasure's own row names no patient: only how many records and audit rows it removed.
//! - [`Store::verify_audit`] recomputes a row's digest when its payload is there (a changed payload breaks the chain
//!   as before) and takes the stored digest when the payload was erased.
//! - A trigger (schema v4) refuses every UPDATE except exactly that erasure, and only of the rows of a patient who
//!   no longer exists; DELETE is refused always.
//!
//! Rows written before v4 were chained over their whole content; the v4 migration checks that old chain, then seals
//! every row the new way and appends a `seal` row recording how many rows it sealed, the old chain's last hash, and
//! whether the old chain was intact (if it was not, verifying keeps reporting it; see [`seal_rows_v4`]).
//!
//! None of this stops someone who can write the file: they can drop the triggers and recompute every hash (the
//! chain has no key). An exported anchor ([`Store::audit_anchor`], `praxis audit anchor`) kept elsewhere detects a
//! cut or rewritten tail; the README's clinic section says what the shared-folder mode protects against.

use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::error::Result;
use super::util::now_utc;
use super::who::Who;
use super::{Store, Tx};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    /// UTC, ISO-8601.
    pub at: String,
    pub os_user: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssh_addr: Option<String>,
    /// create, update, set_plan, backup, ...
    pub action: String,
    /// patient, assessment, session, plan, clinician, database.
    pub entity: String,
    /// "(erased)" when the row's patient was erased.
    pub entity_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_code: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub hash: String,
    /// The row's patient was erased: its payload (key, patient code, before, after) is gone.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub erased: bool,
}

/// What `entity_key` says in an erased row.
pub const ERASED: &str = "(erased)";

/// The first audit row whose hash does not match its content and its predecessor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit trail is broken at row {row_id}: {reason}")]
pub struct AuditBreak {
    pub row_id: i64,
    pub reason: String,
}

/// The state of the audit trail at one moment, to keep somewhere else (`praxis audit anchor`) and give back to
/// [`Store::verify_audit_with_anchor`]: a trail that was cut or rewritten since no longer matches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAnchor {
    /// How many rows the trail had.
    pub rows: i64,
    /// The newest row's id and hash (0 and "" for an empty trail).
    pub last_id: i64,
    pub last_hash: String,
    /// When the anchor was taken (UTC, ISO-8601).
    pub at: String,
}

fn sha256(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// sha256 hex of the redactable payload with its salt (a JSON array, before/after as the exact text stored).
fn payload_digest(salt: &str, e: &RawRow) -> String {
    let content = serde_json::json!([
        salt,
        e.entity_key,
        e.patient_code,
        e.before_json,
        e.after_json
    ])
    .to_string();
    sha256(&[content.as_bytes()])
}

/// sha256 hex of (previous hash || the kept fields and the payload's digest, as a JSON array).
fn row_hash(prev: &str, e: &RawRow, digest: &str) -> String {
    let content = serde_json::json!([
        e.id, e.at, e.os_user, e.ssh_addr, e.action, e.entity, digest
    ])
    .to_string();
    sha256(&[prev.as_bytes(), content.as_bytes()])
}

/// The hash of a row written before schema v4: over its whole content.
fn legacy_row_hash(prev: &str, e: &RawRow) -> String {
    let content = serde_json::json!([
        e.id,
        e.at,
        e.os_user,
        e.ssh_addr,
        e.action,
        e.entity,
        e.entity_key,
        e.patient_code,
        e.before_json,
        e.after_json
    ])
    .to_string();
    sha256(&[prev.as_bytes(), content.as_bytes()])
}

struct RawRow {
    id: i64,
    at: String,
    os_user: String,
    ssh_addr: Option<String>,
    action: String,
    entity: String,
    entity_key: String,
    patient_code: Option<String>,
    before_json: Option<String>,
    after_json: Option<String>,
    hash: String,
    salt: Option<String>,
    digest: Option<String>,
}

const COLUMNS: &str = "id, at, os_user, ssh_addr, action, entity, entity_key, patient_code, before_json, after_json, \
                       hash, salt, digest";
/// The columns of a row written before schema v4 (no salt, no digest).
const LEGACY_COLUMNS: &str = "id, at, os_user, ssh_addr, action, entity, entity_key, patient_code, before_json, after_json, hash, NULL, NULL";

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
    Ok(RawRow {
        id: r.get(0)?,
        at: r.get(1)?,
        os_user: r.get(2)?,
        ssh_addr: r.get(3)?,
        action: r.get(4)?,
        entity: r.get(5)?,
        entity_key: r.get(6)?,
        patient_code: r.get(7)?,
        before_json: r.get(8)?,
        after_json: r.get(9)?,
        hash: r.get(10)?,
        salt: r.get(11)?,
        digest: r.get(12)?,
    })
}

/// 16 random bytes as hex, from SQLite's generator (seeded by the OS; ChaCha20 since SQLite 3.40).
fn new_salt(conn: &rusqlite::Connection) -> rusqlite::Result<String> {
    conn.query_row("SELECT lower(hex(randomblob(16)))", [], |r| r.get(0))
}

/// Fields that may hold personal data: the name, the birth year and every free text (patient, assessment and
/// session notes, a plan's goal, the reason a record was corrected or voided).
///
/// The audit trail never holds them, even for a patient who is not erased (anyone who may read the trail would
/// read them; erasure then removes the rest, see the module doc). Each is replaced by a marker saying that it was
/// set and, in the `after` of an update, whether it changed: "(withheld)", "(withheld; changed)", "(removed)".
/// Codes, scores, dates, protocol ids and the other structured fields are kept, so the trail still says who changed
/// what and when.
pub(crate) const PERSONAL_FIELDS: [&str; 5] = ["name", "birth_year", "notes", "goal", "reason"];

fn redact(mut v: serde_json::Value, before: Option<&serde_json::Value>) -> serde_json::Value {
    if let Some(obj) = v.as_object_mut() {
        for key in PERSONAL_FIELDS {
            let changed = before.is_some_and(|b| b.get(key) != obj.get(key));
            let empty = match obj.get(key) {
                None | Some(serde_json::Value::Null) => true,
                Some(serde_json::Value::String(s)) => s.is_empty(),
                _ => false,
            };
            let marker = match (empty, changed) {
                (true, true) => "(removed)",
                (true, false) => continue,
                (false, true) => "(withheld; changed)",
                (false, false) => "(withheld)",
            };
            obj.insert(key.into(), serde_json::Value::String(marker.into()));
        }
    }
    v
}

/// Append one row after the newest, sealed the v4 way (see the module doc).
#[allow(clippy::too_many_arguments)]
fn append(
    conn: &rusqlite::Connection,
    who: &Who,
    action: &str,
    entity: &str,
    entity_key: &str,
    patient_code: Option<&str>,
    before: Option<&serde_json::Value>,
    after: Option<&serde_json::Value>,
) -> rusqlite::Result<()> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (last_id, prev) = last.unwrap_or((0, String::new()));
    let salt = new_salt(conn)?;
    let mut row = RawRow {
        id: last_id + 1,
        at: now_utc(),
        os_user: who.os_user.clone(),
        ssh_addr: who.ssh_addr.clone(),
        action: action.into(),
        entity: entity.into(),
        entity_key: entity_key.into(),
        patient_code: patient_code.map(str::to_string),
        before_json: before.map(|v| redact(v.clone(), None).to_string()),
        after_json: after.map(|v| redact(v.clone(), before).to_string()),
        hash: String::new(),
        salt: None,
        digest: None,
    };
    let digest = payload_digest(&salt, &row);
    row.hash = row_hash(&prev, &row, &digest);
    conn.execute(
        &format!(
            "INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ),
        params![
            row.id,
            row.at,
            row.os_user,
            row.ssh_addr,
            row.action,
            row.entity,
            row.entity_key,
            row.patient_code,
            row.before_json,
            row.after_json,
            row.hash,
            salt,
            digest
        ],
    )?;
    Ok(())
}

impl Tx<'_> {
    /// Append one audit row in this transaction.
    pub fn audit(
        &mut self,
        action: &str,
        entity: &str,
        entity_key: &str,
        patient_code: Option<&str>,
        before: Option<&serde_json::Value>,
        after: Option<&serde_json::Value>,
    ) -> Result<()> {
        append(
            &self.tx,
            self.who,
            action,
            entity,
            entity_key,
            patient_code,
            before,
            after,
        )?;
        Ok(())
    }

    /// Erase a deleted patient's data from the audit trail: in every row of `code`, the payload and the salt
    /// become NULL (see the module doc). Only allowed, by the trigger, once the patient is gone. Returns how many
    /// rows were erased.
    pub(crate) fn erase_audit(&mut self, code: &str) -> Result<usize> {
        Ok(self.tx.execute(
            "UPDATE audit SET salt = NULL, entity_key = ?2, patient_code = NULL, before_json = NULL, \
             after_json = NULL WHERE patient_code = ?1",
            params![code, ERASED],
        )?)
    }
}

/// Schema v4's trigger: no UPDATE but the erasure of a deleted patient's rows, exactly as [`Tx::erase_audit`] does
/// it (only the payload and the salt, to NULL, and only of a patient no longer in the patients table).
pub(crate) const V4_UPDATE_TRIGGER: &str = r#"
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
WHEN NOT coalesce((
    OLD.patient_code IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM patients WHERE code = OLD.patient_code)
    AND NEW.salt IS NULL AND NEW.patient_code IS NULL AND NEW.before_json IS NULL AND NEW.after_json IS NULL
    AND NEW.entity_key IS '(erased)'
    AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.os_user IS OLD.os_user AND NEW.ssh_addr IS OLD.ssh_addr
    AND NEW.action IS OLD.action AND NEW.entity IS OLD.entity AND NEW.hash IS OLD.hash
    AND NEW.digest IS OLD.digest AND OLD.digest IS NOT NULL
), 0)
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only: rows cannot be changed (only an erased patient''s data is removed)');
END;
"#;

/// Schema v4's migration step (after its SQL added `salt` and `digest` and dropped the old update trigger): check
/// the chain written the old way, seal every row the new way, append a `seal` row saying what was found, and put
/// the new trigger in place.
///
/// The seal row's `after` holds `rows` (how many were sealed), `legacy_last_hash` (the old chain's last hash, so
/// a copy kept from before can still be compared) and `legacy_intact`; when the old chain was broken, also
/// `first_bad_row` and `reason`, and [`Store::verify_audit`] reports that break for as long as the trail exists:
/// sealing must not launder a trail that had been tampered with.
pub(crate) fn seal_rows_v4(tx: &rusqlite::Transaction<'_>) -> rusqlite::Result<()> {
    let rows = {
        let mut stmt = tx.prepare(&format!("SELECT {LEGACY_COLUMNS} FROM audit ORDER BY id"))?;
        stmt.query_map([], raw)?
            .collect::<rusqlite::Result<Vec<RawRow>>>()?
    };
    if !rows.is_empty() {
        let mut old_prev = String::new();
        let mut new_prev = String::new();
        let mut broken: Option<AuditBreak> = None;
        for (expected_id, r) in (1..).zip(&rows) {
            if broken.is_none() {
                if r.id != expected_id {
                    broken = Some(AuditBreak {
                        row_id: r.id,
                        reason: format!("row {expected_id} is missing"),
                    });
                } else if legacy_row_hash(&old_prev, r) != r.hash {
                    broken = Some(AuditBreak {
                        row_id: r.id,
                        reason: "its content does not match its hash (the row was changed)".into(),
                    });
                }
            }
            old_prev.clone_from(&r.hash);
            let salt = new_salt(tx)?;
            let digest = payload_digest(&salt, r);
            let hash = row_hash(&new_prev, r, &digest);
            tx.execute(
                "UPDATE audit SET salt = ?2, digest = ?3, hash = ?4 WHERE id = ?1",
                params![r.id, salt, digest, hash],
            )?;
            new_prev = hash;
        }
        let mut after = serde_json::json!({
            "rows": rows.len(),
            "legacy_last_hash": old_prev,
            "legacy_intact": broken.is_none(),
        });
        if let Some(b) = &broken {
            after["first_bad_row"] = b.row_id.into();
            after["reason"] = b.reason.clone().into();
        }
        append(
            tx,
            &Who::current(),
            "seal",
            "database",
            "audit",
            None,
            None,
            Some(&after),
        )?;
    }
    tx.execute_batch(V4_UPDATE_TRIGGER)
}

impl Store {
    /// The audit trail, oldest first; only one patient's rows when `patient` is given.
    pub fn audit(&self, patient: Option<&str>) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM audit WHERE ?1 IS NULL OR patient_code = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([patient], raw)?;
        let mut out = Vec::new();
        for r in rows {
            let r = r?;
            let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
            out.push(AuditEntry {
                id: r.id,
                at: r.at,
                os_user: r.os_user,
                ssh_addr: r.ssh_addr,
                action: r.action,
                entity: r.entity,
                entity_key: r.entity_key,
                patient_code: r.patient_code,
                before: parse(r.before_json),
                after: parse(r.after_json),
                hash: r.hash,
                erased: r.salt.is_none(),
            });
        }
        Ok(out)
    }

    /// Recompute the hash chain. `Ok(Ok(n))` with the number of rows checked when intact, `Ok(Err(AuditBreak))`
    /// naming the first bad row otherwise.
    pub fn verify_audit(&self) -> Result<std::result::Result<usize, AuditBreak>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY id"))?;
        let rows = stmt.query_map([], raw)?;
        let mut prev = String::new();
        let mut n = 0;
        let changed = |id| AuditBreak {
            row_id: id,
            reason: "its content does not match its hash (the row was changed)".into(),
        };
        for (expected_id, r) in (1..).zip(rows) {
            let r = r?;
            if r.id != expected_id {
                return Ok(Err(AuditBreak {
                    row_id: r.id,
                    reason: format!("row {expected_id} is missing"),
                }));
            }
            let Some(digest) = &r.digest else {
                return Ok(Err(changed(r.id)));
            };
            match &r.salt {
                Some(salt) if payload_digest(salt, &r) != *digest => return Ok(Err(changed(r.id))),
                Some(_) => {}
                // Erased: nothing of the payload may be left.
                None => {
                    if r.entity_key != ERASED
                        || r.patient_code.is_some()
                        || r.before_json.is_some()
                        || r.after_json.is_some()
                    {
                        return Ok(Err(changed(r.id)));
                    }
                }
            }
            if row_hash(&prev, &r, digest) != r.hash {
                return Ok(Err(changed(r.id)));
            }
            if let Some(b) = legacy_break(&r) {
                return Ok(Err(b));
            }
            prev = r.hash;
            n += 1;
        }
        Ok(Ok(n))
    }

    /// The trail's current length and newest hash, to keep elsewhere (see [`AuditAnchor`]).
    pub fn audit_anchor(&self) -> Result<AuditAnchor> {
        let (rows, last): (i64, Option<(i64, String)>) = (
            self.conn()
                .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))?,
            self.conn()
                .query_row(
                    "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
        );
        let (last_id, last_hash) = last.unwrap_or((0, String::new()));
        Ok(AuditAnchor {
            rows,
            last_id,
            last_hash,
            at: now_utc(),
        })
    }

    /// [`Store::verify_audit`], and then that the trail still holds the anchor's rows unchanged: at least as many
    /// rows, and the anchor's newest row with the same hash (so its whole past, chained into that hash, too). A
    /// trail cut at its end, or rewritten and rehashed, fails here even though its chain is consistent.
    pub fn verify_audit_with_anchor(
        &self,
        anchor: &AuditAnchor,
    ) -> Result<std::result::Result<usize, AuditBreak>> {
        let n = match self.verify_audit()? {
            Ok(n) => n,
            Err(b) => return Ok(Err(b)),
        };
        let rows = i64::try_from(n).unwrap_or(i64::MAX);
        if rows < anchor.rows {
            return Ok(Err(AuditBreak {
                row_id: rows + 1,
                reason: format!(
                    "the trail has {rows} rows but had {} when the anchor was taken ({}): rows were removed from \
                     its end",
                    anchor.rows, anchor.at
                ),
            }));
        }
        if anchor.last_id == 0 {
            return Ok(Ok(n));
        }
        let hash: Option<String> = self
            .conn()
            .query_row(
                "SELECT hash FROM audit WHERE id = ?1",
                [anchor.last_id],
                |r| r.get(0),
            )
            .optional()?;
        if hash.as_deref() != Some(anchor.last_hash.as_str()) {
            return Ok(Err(AuditBreak {
                row_id: anchor.last_id,
                reason: format!(
                    "its hash differs from the anchor taken at {}: the trail up to that row was rewritten",
                    anchor.at
                ),
            }));
        }
        Ok(Ok(n))
    }
}

/// A `seal` row that found the trail written before schema v4 already broken: that break, for ever.
fn legacy_break(r: &RawRow) -> Option<AuditBreak> {
    if r.action != "seal" {
        return None;
    }
    let after: serde_json::Value = serde_json::from_str(r.after_json.as_deref()?).ok()?;
    if after.get("legacy_intact")? != &serde_json::Value::Bool(false) {
        return None;
    }
    Some(AuditBreak {
        row_id: after.get("first_bad_row")?.as_i64()?,
        reason: format!(
            "{} (found when the trail was sealed for schema v4, row {})",
            after.get("reason")?.as_str()?,
            r.id
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema-v2 database (before erasable audit rows) at `path`: the current user an admin, patient P-0001, and
    /// three audit rows hashed the old way; `tamper` changes row 2 after it was hashed.
    fn v2_database(path: &std::path::Path, tamper: bool) -> Vec<RawRow> {
        let mut c = rusqlite::Connection::open(path).unwrap();
        super::super::schema::migrations()
            .to_version(&mut c, 2)
            .unwrap();
        c.execute(
            "INSERT INTO clinicians (os_user, role, created_at) VALUES (?1, 'admin', 'x')",
            [Who::current().os_user],
        )
        .unwrap();
        c.execute(
            "INSERT INTO patients (code, birth_year, condition, facts, created_at, updated_at) \
             VALUES ('P-0001', 1960, 'cerebellar_ataxia', '{\"ataxia_type\":\"12 Baker Street\"}', 'x', 'x')",
            [],
        )
        .unwrap();
        let mut prev = String::new();
        let mut rows = Vec::new();
        for (id, action, entity, key, code, after) in [
            (1, "create", "clinician", "me", None, r#"{"role":"admin"}"#),
            (
                2,
                "create",
                "patient",
                "P-0001",
                Some("P-0001"),
                r#"{"facts":"12 Baker Street"}"#,
            ),
            (
                3,
                "create",
                "assessment",
                "1",
                Some("P-0001"),
                r#"{"assessor":"Dr Who"}"#,
            ),
        ] {
            let mut r = RawRow {
                id,
                at: format!("2026-01-0{id}T10:00:00Z"),
                os_user: "me".into(),
                ssh_addr: None,
                action: action.into(),
                entity: entity.into(),
                entity_key: key.into(),
                patient_code: code.map(str::to_string),
                before_json: None,
                after_json: Some(after.into()),
                hash: String::new(),
                salt: None,
                digest: None,
            };
            r.hash = legacy_row_hash(&prev, &r);
            prev.clone_from(&r.hash);
            c.execute(
                "INSERT INTO audit (id, at, os_user, ssh_addr, action, entity, entity_key, patient_code, \
                 before_json, after_json, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    r.id,
                    r.at,
                    r.os_user,
                    r.ssh_addr,
                    r.action,
                    r.entity,
                    r.entity_key,
                    r.patient_code,
                    r.before_json,
                    r.after_json,
                    r.hash
                ],
            )
            .unwrap();
            rows.push(r);
        }
        if tamper {
            c.execute_batch(
                "DROP TRIGGER audit_no_update; \
                 UPDATE audit SET after_json = '{\"assessor\":\"nobody\"}' WHERE id = 2;",
            )
            .unwrap();
        }
        rows
    }

    /// Opening a v2 database seals its rows: the chain verifies, a `seal` row keeps the old chain's last hash, and
    /// rows written before v4 can then be erased with the chain still intact.
    #[test]
    fn v2_rows_are_sealed_on_upgrade_and_can_then_be_erased() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        let old = v2_database(&path, false);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.verify_audit().unwrap(), Ok(4));
        let trail = store.audit(None).unwrap();
        let seal = &trail[3];
        assert_eq!(seal.action, "seal");
        let after = seal.after.as_ref().unwrap();
        assert_eq!(after["rows"], 3);
        assert_eq!(after["legacy_intact"], true);
        assert_eq!(after["legacy_last_hash"], old[2].hash.as_str());

        store.delete_patient("P-0001").unwrap();
        assert_eq!(store.verify_audit().unwrap(), Ok(5));
        let text: Vec<String> = store
            .conn()
            .prepare("SELECT coalesce(entity_key, '') || coalesce(patient_code, '') || coalesce(before_json, '') || coalesce(after_json, '') FROM audit")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for t in &text {
            assert!(
                !t.contains("P-0001") && !t.contains("Baker") && !t.contains("Dr Who"),
                "{t}"
            );
        }
    }

    /// A trail already broken before v4 is not laundered by sealing: verifying keeps naming the break.
    #[test]
    fn a_v2_trail_broken_before_the_upgrade_stays_reported_broken() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        v2_database(&path, true);
        let store = Store::open(&path).unwrap();
        let brk = store.verify_audit().unwrap().unwrap_err();
        assert_eq!(brk.row_id, 2);
        assert!(brk.reason.contains("sealed for schema v4"), "{brk}");
    }

    #[test]
    fn redaction_hides_personal_fields_and_says_what_changed() {
        let v = redact(
            serde_json::json!({"code": "P-1", "name": "Ada", "birth_year": 1950, "notes": "lives alone"}),
            None,
        );
        assert_eq!(v["name"], "(withheld)");
        assert_eq!(v["birth_year"], "(withheld)");
        assert_eq!(v["notes"], "(withheld)");
        assert_eq!(v["code"], "P-1");
        let before = serde_json::json!({"code": "P-1", "name": "Ada", "notes": "a"});
        let v = redact(
            serde_json::json!({"code": "P-1", "name": "Ada", "notes": "b"}),
            Some(&before),
        );
        assert_eq!(v["name"], "(withheld)");
        assert_eq!(v["notes"], "(withheld; changed)");
        let v = redact(
            serde_json::json!({"code": "P-1", "notes": ""}),
            Some(&before),
        );
        assert_eq!(v["name"], "(removed)");
        assert_eq!(v["notes"], "(removed)");
        let v = redact(serde_json::json!({"code": "P-1", "notes": ""}), None);
        assert!(v.get("name").is_none());
        assert_eq!(v["notes"], "");
    }
}
