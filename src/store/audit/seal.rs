//! Schema v4: the trigger that allows no UPDATE but an erasure, and the sealing of rows written before v4.

use rusqlite::params;

use super::chain::{LEGACY_COLUMNS, RawRow, legacy_row_hash, raw};
use super::*;

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
/// `first_bad_row` and `reason`, and [`SqliteStore::verify_audit`] reports that break for as long as the trail exists:
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A schema-v2 database (before erasable audit rows) at `path`: the current user an admin, patient P-0001, and
    /// three audit rows hashed the old way; `tamper` changes row 2 after it was hashed.
    fn v2_database(path: &std::path::Path, tamper: bool) -> Vec<RawRow> {
        let mut c = rusqlite::Connection::open(path).unwrap();
        crate::store::schema::migrations()
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
        let mut store = SqliteStore::open(&path).unwrap();
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
        let store = SqliteStore::open(&path).unwrap();
        let brk = store.verify_audit().unwrap().unwrap_err();
        assert_eq!(brk.row_id, 2);
        assert!(brk.reason.contains("sealed for schema v4"), "{brk}");
    }
}
