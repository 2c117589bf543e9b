//! Export and bulk import: whole-table reads in one transaction with their audit row, and an all-or-nothing
//! import of assessments.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::assessments::{COLUMNS as ASSESSMENT_COLUMNS, assessment_from_row};
use super::backend::Deliver;
use super::error::{Result, StoreError};
use super::schema::CURRENT;
use super::sessions::{COLUMNS as SESSION_COLUMNS, session_from_row};
use super::util::{date_text, parse_date};
use super::{SqliteStore, Tx};
use crate::domain::{Assessment, Patient, SessionLog};

/// What to export.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, strum::IntoStaticStr, strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ExportKind {
    Patients,
    Assessments,
    Sessions,
}

/// The days an export covers: records dated (patients: changed) from `since` to `until`, both days included;
/// `None` leaves that end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Period {
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Period {
    /// Every record.
    pub const ALL: Period = Period {
        since: None,
        until: None,
    };
}

/// The records of one export, oldest first (only the vector of the exported kind is filled).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportData {
    pub patients: Vec<Patient>,
    pub assessments: Vec<Assessment>,
    pub sessions: Vec<SessionLog>,
    /// Pseudonymised exports only: each exported patient's day 0, the date of their first dated record (the
    /// earliest of the condition's onset date, first assessment and first session), whatever `since` says, so
    /// the day numbers of one patient agree across exports. Patients without any dated record are absent.
    pub day_zero: BTreeMap<String, NaiveDate>,
    /// Pseudonymised exports only: each patient's pseudonym, by code (see [`pseudonym`]).
    pub pseudonyms: BTreeMap<String, String>,
}

/// Every patient's pseudonym ([`pseudonym`]), by code; refused if two collide. Both backends map codes here.
pub(crate) fn pseudonym_map(
    key: &[u8],
    codes: impl IntoIterator<Item = String>,
) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    let mut seen = std::collections::BTreeSet::new();
    for code in codes {
        let p = pseudonym(key, &code);
        // 48 bits: a clash is about one in ten million for 10,000 patients; refused rather than merged.
        if !seen.insert(p.clone()) {
            return Err(StoreError::Invalid(format!(
                "two patients got the same pseudonym {p}; the pseudonymised export cannot tell them apart"
            )));
        }
        out.insert(code, p);
    }
    Ok(out)
}

/// What the audit row of an export made outside the store (FHIR) says.
pub(crate) fn audited_details(
    kind: &str,
    patient: Option<&str>,
    rows: usize,
    pseudonymised: bool,
    destination: &str,
) -> serde_json::Value {
    serde_json::json!({
        "kind": kind,
        "rows": rows,
        "patient": patient,
        "pseudonymised": pseudonymised,
        "to": destination,
    })
}

/// What an export's audit row says: its kind, size, options and destination.
pub(crate) fn export_details(
    kind: ExportKind,
    period: Period,
    pseudonymised: bool,
    destination: &str,
    rows: usize,
) -> serde_json::Value {
    serde_json::json!({
        "kind": kind,
        "rows": rows,
        "pseudonymised": pseudonymised,
        "since": period.since.map(date_text),
        "until": period.until.map(date_text),
        "to": destination,
    })
}

impl ExportData {
    /// In code order a row's place would tell its code (codes are usually given in sequence): pseudonymised
    /// exports list patients in pseudonym order.
    pub(crate) fn order_by_pseudonym(&mut self) {
        let names = &self.pseudonyms;
        self.patients
            .sort_by(|a, b| names.get(&a.code).cmp(&names.get(&b.code)));
    }
}

/// A patient's pseudonym in pseudonymised exports: "S-" and the first 12 hex digits (48 bits) of
/// HMAC-SHA256(the database's pseudonym key, code).
///
/// The same patient gets the same pseudonym in every export from this database, so a partner can join the
/// patients, assessments and sessions exports; without the key (32 random bytes made with the database, schema v4)
/// a pseudonym cannot be computed from a code nor turned back into one. Whoever can read the database can, which is
/// no loss: they can read the codes themselves.
pub fn pseudonym(key: &[u8], code: &str) -> String {
    use hmac::Mac as _;
    // HMAC takes a key of any length; new_from_slice cannot fail for it.
    let mut mac =
        hmac::Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(code.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("S-{}", hex::encode(&tag[..6]))
}

impl ExportData {
    pub fn len(&self) -> usize {
        self.patients.len() + self.assessments.len() + self.sessions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Tx<'_> {
    /// Every patient's day 0 (see [`ExportData::day_zero`]): one index lookup per patient and table.
    fn day_zero(&self) -> Result<BTreeMap<String, NaiveDate>> {
        let mut stmt = self.tx.prepare(
            "SELECT code, min(coalesce(json_extract(facts, '$.onset_date'), '9999'), \
                    coalesce((SELECT min(date) FROM assessments WHERE patient_id = p.id AND record_status = 'current'), '9999'), \
                    coalesce((SELECT substr(min(started_at), 1, 10) FROM sessions WHERE patient_id = p.id \
                    AND record_status = 'current'), '9999')) \
             FROM patients p",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (code, first) = row?;
            if first != "9999" {
                out.insert(code, parse_date("day 0", &first)?);
            }
        }
        Ok(out)
    }

    /// Every patient's pseudonym, by code.
    fn pseudonyms(&self) -> Result<BTreeMap<String, String>> {
        let key: Vec<u8> =
            self.tx
                .query_row("SELECT key FROM pseudonym_key WHERE id = 1", [], |r| {
                    r.get(0)
                })?;
        let mut stmt = self.tx.prepare("SELECT code FROM patients")?;
        let codes = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        pseudonym_map(&key, codes)
    }

    fn read_export(
        &self,
        kind: ExportKind,
        period: Period,
        pseudonymised: bool,
    ) -> Result<ExportData> {
        let (since, until) = (period.since.map(date_text), period.until.map(date_text));
        let days = rusqlite::params![since, until];
        let mut data = ExportData::default();
        match kind {
            ExportKind::Patients => {
                let mut stmt = self.tx.prepare(
                    "SELECT code FROM patients WHERE (?1 IS NULL OR substr(updated_at, 1, 10) >= ?1) \
                     AND (?2 IS NULL OR substr(updated_at, 1, 10) <= ?2) ORDER BY id",
                )?;
                let codes = stmt
                    .query_map(days, |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                for code in codes {
                    data.patients.push(self.patient(&code)?);
                }
            }
            ExportKind::Assessments => {
                let mut stmt = self.tx.prepare(&format!(
                    "SELECT {ASSESSMENT_COLUMNS} FROM assessments a JOIN patients p ON p.id = a.patient_id \
                     WHERE a.{CURRENT} AND (?1 IS NULL OR a.date >= ?1) AND (?2 IS NULL OR a.date <= ?2) \
                     ORDER BY a.date, a.id"
                ))?;
                data.assessments = stmt
                    .query_map(days, assessment_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
            }
            ExportKind::Sessions => {
                let mut stmt = self.tx.prepare(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions s JOIN patients p ON p.id = s.patient_id \
                     WHERE s.{CURRENT} AND (?1 IS NULL OR substr(s.started_at, 1, 10) >= ?1) \
                     AND (?2 IS NULL OR substr(s.started_at, 1, 10) <= ?2) \
                     ORDER BY s.started_at, s.id"
                ))?;
                data.sessions = stmt
                    .query_map(days, session_from_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
            }
        }
        if pseudonymised {
            data.day_zero = self.day_zero()?;
            data.pseudonyms = self.pseudonyms()?;
            data.order_by_pseudonym();
        }
        Ok(data)
    }
}

impl SqliteStore {
    /// Read everything of `kind` (changed or dated within `period`) and hand it to `deliver` (which writes the
    /// file, or renders it to memory), in one transaction that also appends the export's audit row. If `deliver`
    /// fails, nothing is audited because nothing left the database; the audit row is committed only with a delivered
    /// export. Returns the number of records and the id of the export's audit row.
    ///
    /// When the data goes to a stream after this returns (standard output), and the stream breaks, the caller says
    /// so with [`SqliteStore::audit_export_incomplete`].
    pub fn export_with(
        &mut self,
        kind: ExportKind,
        period: Period,
        pseudonymised: bool,
        destination: &str,
        deliver: impl FnOnce(&ExportData) -> std::result::Result<(), StoreError>,
    ) -> Result<(usize, i64)> {
        self.write(|tx| {
            let data = tx.read_export(kind, period, pseudonymised)?;
            let n = data.len();
            let details = export_details(kind, period, pseudonymised, destination, n);
            tx.audit(
                "export",
                "database",
                destination,
                None,
                None,
                Some(&details),
            )?;
            let row = tx.tx.last_insert_rowid();
            deliver(&data)?;
            Ok((n, row))
        })
    }

    /// An export whose records the caller read itself (a FHIR Bundle: every record of a patient, with its standing),
    /// audited like [`Store::export_with`]: in one transaction, the audit row (`kind`, `rows`, the patient if one,
    /// `pseudonymised`, `to`) is committed only if `deliver` succeeds. `deliver` gets each patient's pseudonym and
    /// day 0 when `pseudonymised` (the other fields of [`ExportData`] are empty). Returns `deliver`'s result and the
    /// audit row's id.
    pub fn export_audited(
        &mut self,
        kind: &str,
        patient: Option<&str>,
        rows: usize,
        pseudonymised: bool,
        destination: &str,
        deliver: Deliver<'_>,
    ) -> Result<i64> {
        self.write(|tx| {
            let mut keys = ExportData::default();
            if pseudonymised {
                keys.day_zero = tx.day_zero()?;
                keys.pseudonyms = tx.pseudonyms()?;
            }
            let details = audited_details(kind, patient, rows, pseudonymised, destination);
            tx.audit(
                "export",
                "database",
                destination,
                patient,
                None,
                Some(&details),
            )?;
            let row = tx.tx.last_insert_rowid();
            deliver(&keys)?;
            Ok(row)
        })
    }

    /// Append a second audit row for the export audited in row `export_row`: it did not reach `destination` whole
    /// (e.g. the reader of standard output closed the pipe early). `details` say how much was written and how much
    /// was left. Recorded whatever the user's role now is, since the data did leave. Returns the new row's id.
    pub fn audit_export_incomplete(
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
        self.write_unchecked(|tx| {
            tx.audit(
                "export_incomplete",
                "database",
                destination,
                None,
                None,
                Some(&details),
            )?;
            Ok(tx.tx.last_insert_rowid())
        })
    }

    /// Add every assessment in one transaction: all are saved, or (on the first refusal) none. Each row gets its
    /// own audit row, and the import one more naming the file.
    pub fn import_assessments(&mut self, rows: &[Assessment], file: &str) -> Result<usize> {
        self.write(|tx| {
            for a in rows {
                tx.add_assessment(a)?;
            }
            let details = serde_json::json!({ "file": file, "rows": rows.len() });
            tx.audit("import", "assessment", file, None, None, Some(&details))?;
            Ok(rows.len())
        })
    }
}
