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
//! - [`SqliteStore::verify_audit`] recomputes a row's digest when its payload is there (a changed payload breaks the chain
//!   as before) and takes the stored digest when the payload was erased.
//! - A trigger (schema v4) refuses every UPDATE except exactly that erasure, and only of the rows of a patient who
//!   no longer exists; DELETE is refused always.
//!
//! Rows written before v4 were chained over their whole content; the v4 migration checks that old chain, then seals
//! every row the new way and appends a `seal` row recording how many rows it sealed, the old chain's last hash, and
//! whether the old chain was intact (if it was not, verifying keeps reporting it; see [`seal_rows_v4`]).
//!
//! None of this stops someone who can write the file: they can drop the triggers and recompute every hash (the
//! chain has no key). An exported anchor ([`SqliteStore::audit_anchor`], `praxis audit anchor`) kept elsewhere detects a
//! cut or rewritten tail; the README's clinic section says what the shared-folder mode protects against.

use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use super::error::Result;
use super::util::now_utc;
use super::who::Who;
use super::{SqliteStore, Tx};

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
/// [`SqliteStore::verify_audit_with_anchor`]: a trail that was cut or rewritten since no longer matches it.
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

mod chain;
mod seal;

use chain::{COLUMNS, new_salt, payload_digest, raw, row_hash};
pub(crate) use chain::{RawRow, check_anchor, verify_chain};
pub(crate) use seal::seal_rows_v4;

/// Fields that may hold personal data: the name, the birth year and every free text (patient, assessment and
/// session notes, a plan's goal, a goal's text, the reason a record was corrected or voided).
///
/// The audit trail never holds them, even for a patient who is not erased (anyone who may read the trail would
/// read them; erasure then removes the rest, see the module doc). Each is replaced by a marker saying that it was
/// set and, in the `after` of an update, whether it changed: "(withheld)", "(withheld; changed)", "(removed)".
/// Codes, scores, dates, protocol ids and the other structured fields are kept, so the trail still says who changed
/// what and when.
pub(crate) const PERSONAL_FIELDS: [&str; 6] =
    ["name", "birth_year", "notes", "goal", "text", "reason"];

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
    /// Audit the creation of a patient's record (`entity` "assessment", "session", ...) with `stored` as saved.
    pub fn audit_created<T: serde::Serialize>(
        &mut self,
        entity: &str,
        id: i64,
        patient_code: &str,
        stored: &T,
    ) -> Result<()> {
        let after = super::util::to_json(stored)?;
        self.audit(
            "create",
            entity,
            &id.to_string(),
            Some(patient_code),
            None,
            Some(&after),
        )
    }

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
impl SqliteStore {
    /// The audit trail, oldest first; only one patient's rows when `patient` is given.
    pub fn audit(&self, patient: Option<&str>) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM audit WHERE ?1 IS NULL OR patient_code = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([patient], raw)?;
        rows.map(|r| Ok(entry_of(r?))).collect()
    }
}

/// A trail row as the program shows it: the JSON parsed, the erased flag set. Both backends read rows through it.
pub(crate) fn entry_of(r: RawRow) -> AuditEntry {
    let parse = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
    AuditEntry {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
