//! The hash chain: each row's digest of its redactable payload and its hash over the previous row's; verifying the
//! chain, and the anchor kept elsewhere that detects a cut or rewritten tail.

use rusqlite::OptionalExtension as _;
use sha2::{Digest as _, Sha256};

use super::{AuditAnchor, AuditBreak, ERASED};
use crate::store::SqliteStore;
use crate::store::error::Result;
use crate::store::util::now_utc;

fn sha256(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    hex::encode(h.finalize())
}

/// sha256 hex of the redactable payload with its salt (a JSON array, before/after as the exact text stored).
pub(super) fn payload_digest(salt: &str, e: &RawRow) -> String {
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
pub(super) fn row_hash(prev: &str, e: &RawRow, digest: &str) -> String {
    let content = serde_json::json!([
        e.id, e.at, e.os_user, e.ssh_addr, e.action, e.entity, digest
    ])
    .to_string();
    sha256(&[prev.as_bytes(), content.as_bytes()])
}

/// The hash of a row written before schema v4: over its whole content.
pub(super) fn legacy_row_hash(prev: &str, e: &RawRow) -> String {
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

pub(crate) struct RawRow {
    pub(crate) id: i64,
    pub(crate) at: String,
    pub(crate) os_user: String,
    pub(crate) ssh_addr: Option<String>,
    pub(crate) action: String,
    pub(crate) entity: String,
    pub(crate) entity_key: String,
    pub(crate) patient_code: Option<String>,
    pub(crate) before_json: Option<String>,
    pub(crate) after_json: Option<String>,
    pub(crate) hash: String,
    pub(crate) salt: Option<String>,
    pub(crate) digest: Option<String>,
}

pub(super) const COLUMNS: &str = "id, at, os_user, ssh_addr, action, entity, entity_key, patient_code, before_json, after_json, \
                       hash, salt, digest";
/// The columns of a row written before schema v4 (no salt, no digest).
pub(super) const LEGACY_COLUMNS: &str = "id, at, os_user, ssh_addr, action, entity, entity_key, patient_code, before_json, after_json, hash, NULL, NULL";

pub(super) fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawRow> {
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
pub(super) fn new_salt(conn: &rusqlite::Connection) -> rusqlite::Result<String> {
    conn.query_row("SELECT lower(hex(randomblob(16)))", [], |r| r.get(0))
}
/// Check a trail given row by row, oldest first: each row's digest and hash, ids without gaps, erased rows holding
/// nothing of their payload. Both backends read their rows into [`RawRow`] and verify them here.
pub(crate) fn verify_chain<E>(
    rows: impl IntoIterator<Item = std::result::Result<RawRow, E>>,
) -> std::result::Result<std::result::Result<usize, AuditBreak>, E> {
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

impl SqliteStore {
    /// Recompute the hash chain. `Ok(Ok(n))` with the number of rows checked when intact, `Ok(Err(AuditBreak))`
    /// naming the first bad row otherwise.
    pub fn verify_audit(&self) -> Result<std::result::Result<usize, AuditBreak>> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY id"))?;
        let rows = stmt.query_map([], raw)?;
        Ok(verify_chain(rows)?)
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

    /// [`SqliteStore::verify_audit`], and then that the trail still holds the anchor's rows unchanged: at least as many
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
        let hash: Option<String> = self
            .conn()
            .query_row(
                "SELECT hash FROM audit WHERE id = ?1",
                [anchor.last_id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(check_anchor(n, anchor, hash))
    }
}

/// After a trail of `n` rows verified: whether it still holds `anchor`'s rows unchanged, given the hash the trail now
/// has at the anchor's newest row (`hash_now`). Both backends check an anchor here.
pub(crate) fn check_anchor(
    n: usize,
    anchor: &AuditAnchor,
    hash_now: Option<String>,
) -> std::result::Result<usize, AuditBreak> {
    let rows = i64::try_from(n).unwrap_or(i64::MAX);
    if rows < anchor.rows {
        return Err(AuditBreak {
            row_id: rows + 1,
            reason: format!(
                "the trail has {rows} rows but had {} when the anchor was taken ({}): rows were removed from its end",
                anchor.rows, anchor.at
            ),
        });
    }
    if anchor.last_id != 0 && hash_now.as_deref() != Some(anchor.last_hash.as_str()) {
        return Err(AuditBreak {
            row_id: anchor.last_id,
            reason: format!(
                "its hash differs from the anchor taken at {}: the trail up to that row was rewritten",
                anchor.at
            ),
        });
    }
    Ok(n)
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
