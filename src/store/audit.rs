//! The audit trail: one row per change, written in the change's own transaction; append-only (triggers refuse
//! UPDATE and DELETE) and tamper-evident (each row's `hash` chains to the previous row's).
//!
//! Rows hold no personal data: see [`PERSONAL_FIELDS`].

use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use super::error::Result;
use super::util::now_utc;
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
    pub entity_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_code: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub hash: String,
}

/// The first audit row whose hash does not match its content and its predecessor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the audit trail is broken at row {row_id}: {reason}")]
pub struct AuditBreak {
    pub row_id: i64,
    pub reason: String,
}

/// sha256 hex of (previous hash || canonical content). The canonical content is a JSON array of the row's fields in
/// a fixed order, with before/after kept as the exact text stored.
fn row_hash(prev: &str, e: &RawRow) -> String {
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
    let mut h = Sha256::new();
    h.update(prev.as_bytes());
    h.update(content.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
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
}

const COLUMNS: &str = "id, at, os_user, ssh_addr, action, entity, entity_key, patient_code, before_json, after_json, hash";

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
    })
}

/// Fields that may hold personal data: the name, the birth year and every free text (patient, assessment and
/// session notes, a plan's goal, the reason a record was corrected or voided).
///
/// The audit trail keeps none of them: since the table is append-only and hash-chained, erasing a patient
/// (`praxis patient delete`) could not remove them afterwards. Each is replaced by a marker saying that it was set
/// and, in the `after` of an update, whether it changed: "(withheld)", "(withheld; changed)", "(removed)". Codes,
/// scores, dates, protocol ids and the other structured fields are kept, so the trail still says who changed what
/// and when.
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
        let last: Option<(i64, String)> = self
            .tx
            .query_row(
                "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (last_id, prev) = last.unwrap_or((0, String::new()));
        let mut row = RawRow {
            id: last_id + 1,
            at: now_utc(),
            os_user: self.who.os_user.clone(),
            ssh_addr: self.who.ssh_addr.clone(),
            action: action.into(),
            entity: entity.into(),
            entity_key: entity_key.into(),
            patient_code: patient_code.map(str::to_string),
            before_json: before.map(|v| redact(v.clone(), None).to_string()),
            after_json: after.map(|v| redact(v.clone(), before).to_string()),
            hash: String::new(),
        };
        row.hash = row_hash(&prev, &row);
        self.tx.execute(
            &format!("INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
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
                row.hash
            ],
        )?;
        Ok(())
    }
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
        for (expected_id, r) in (1..).zip(rows) {
            let r = r?;
            if r.id != expected_id {
                return Ok(Err(AuditBreak {
                    row_id: r.id,
                    reason: format!("row {expected_id} is missing"),
                }));
            }
            let want = row_hash(&prev, &r);
            if want != r.hash {
                return Ok(Err(AuditBreak {
                    row_id: r.id,
                    reason: "its content does not match its hash (the row was changed)".into(),
                }));
            }
            prev = r.hash;
            n += 1;
        }
        Ok(Ok(n))
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
