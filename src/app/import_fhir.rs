//! Import of assessments from a FHIR R4 Bundle: its Observations (coded with Praxis's instrument code or a LOINC code
//! Praxis maps, see [`crate::app::export::fhir::LOINC`]) become assessments of the patients they name, matched by
//! Praxis's patient code (an identifier of the referenced Patient, or of the subject itself). As the CSV import:
//! every problem is reported, by entry index and field path (`entry[3].resource.valueQuantity.value: ...`), and
//! nothing is imported unless every Observation is valid; the database checks ([`crate::app::import::check_rows`])
//! are the same.
//!
//! Observations `entered-in-error` are skipped (counted in the report); other resources are ignored.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;
use serde_json::Value;

use crate::app::AppError;
use crate::app::export::fhir::{
    DAY_EXTENSION, INSTRUMENT_SYSTEM, LOINC, LOINC_SYSTEM, MED_STATE_SYSTEM, PATIENT_CODE_SYSTEM,
    PSEUDONYM_SYSTEM, UCUM_SYSTEM, instrument_of_loinc, ucum,
};
use crate::app::import::{ImportRow, check_rows_named};
use crate::domain::{Assessment, MedState, rules};
use crate::instruments::{self, Instrument};
use crate::store::Store;

/// One problem: the entry's index in `Bundle.entry` (none for the Bundle itself), the field's path inside the
/// entry, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FhirIssue {
    pub entry: Option<usize>,
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for FhirIssue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.entry {
            Some(i) => write!(f, "entry[{i}].{}: {}", self.path, self.reason),
            None if self.path.is_empty() => write!(f, "{}", self.reason),
            None => write!(f, "{}: {}", self.path, self.reason),
        }
    }
}

/// The outcome of an import (or a dry run: nothing written).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FhirImportReport {
    /// Observations read (skipped ones included).
    pub observations: usize,
    /// Observations `entered-in-error`, not imported.
    pub skipped: usize,
    pub imported: usize,
    pub dry_run: bool,
    pub errors: Vec<FhirIssue>,
}

fn issue(entry: usize, path: &str, reason: impl Into<String>) -> FhirIssue {
    FhirIssue {
        entry: Some(entry),
        path: path.to_string(),
        reason: reason.into(),
    }
}

fn bundle_issue(path: &str, reason: impl Into<String>) -> FhirIssue {
    FhirIssue {
        entry: None,
        path: path.to_string(),
        reason: reason.into(),
    }
}

/// What a Patient resource (or a subject's identifier) says about who it is.
#[derive(Debug, Clone)]
enum Who {
    Code(String),
    Pseudonym(String),
    /// Identifiers none of which is Praxis's: `system|value`, for the message.
    Unknown(Vec<String>),
}

fn who_of_identifiers(ids: Option<&Value>) -> Who {
    let list = ids.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    let mut others = Vec::new();
    for id in list {
        let system = id.get("system").and_then(Value::as_str).unwrap_or("");
        let Some(value) = id.get("value").and_then(Value::as_str) else {
            continue;
        };
        match system {
            PATIENT_CODE_SYSTEM => return Who::Code(value.to_string()),
            PSEUDONYM_SYSTEM => return Who::Pseudonym(value.to_string()),
            _ => others.push(format!("{system}|{value}")),
        }
    }
    Who::Unknown(others)
}

/// The Bundle's Patients, by every name a reference may use: `fullUrl`, and `Patient/{id}`.
fn patients(entries: &[Value]) -> HashMap<String, Who> {
    let mut out = HashMap::new();
    for e in entries {
        let Some(r) = e.get("resource") else { continue };
        if r.get("resourceType").and_then(Value::as_str) != Some("Patient") {
            continue;
        }
        let who = who_of_identifiers(r.get("identifier"));
        if let Some(url) = e.get("fullUrl").and_then(Value::as_str) {
            out.insert(url.to_string(), who.clone());
        }
        if let Some(id) = r.get("id").and_then(Value::as_str) {
            out.insert(format!("Patient/{id}"), who);
        }
    }
    out
}

/// The patient code of an Observation's subject.
fn subject_code(r: &Value, known: &HashMap<String, Who>) -> Result<String, (String, String)> {
    let at = |path: &str, reason: String| Err((path.to_string(), reason));
    let Some(subject) = r.get("subject") else {
        return at(
            "resource.subject",
            "missing: an Observation must name its patient".into(),
        );
    };
    let who = match subject.get("reference").and_then(Value::as_str) {
        Some(reference) => match known.get(reference) {
            Some(w) => w.clone(),
            None => {
                return at(
                    "resource.subject.reference",
                    format!(
                        "{reference:?} is not a Patient in this Bundle; Praxis matches patients by the Patient \
                         entry's identifier ({PATIENT_CODE_SYSTEM})"
                    ),
                );
            }
        },
        None => who_of_identifiers(
            subject
                .get("identifier")
                .map(|i| Value::Array(vec![i.clone()]))
                .as_ref(),
        ),
    };
    match who {
        Who::Code(code) => match crate::domain::validate_patient_code(&code) {
            Ok(()) => Ok(code),
            Err(e) => at("resource.subject", e),
        },
        Who::Pseudonym(p) => at(
            "resource.subject",
            format!(
                "the patient is known only by a pseudonym ({p}): a pseudonymised export cannot be imported back"
            ),
        ),
        Who::Unknown(ids) if ids.is_empty() => at(
            "resource.subject",
            format!(
                "the patient has no identifier; Praxis needs its patient code ({PATIENT_CODE_SYSTEM})"
            ),
        ),
        Who::Unknown(ids) => at(
            "resource.subject",
            format!(
                "unknown patient: no Praxis patient code among the identifiers {}; Praxis needs an identifier \
                 with the system {PATIENT_CODE_SYSTEM}",
                ids.join(", ")
            ),
        ),
    }
}

/// The instrument an Observation's code names: Praxis's instrument code first, else a LOINC code Praxis maps.
fn instrument(r: &Value) -> Result<&'static Instrument, (String, String)> {
    let codings = r
        .get("code")
        .and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let field = |c: &Value, k: &str| c.get(k).and_then(Value::as_str).map(str::to_string);
    for (i, c) in codings.iter().enumerate() {
        if field(c, "system").as_deref() == Some(INSTRUMENT_SYSTEM) {
            let code = field(c, "code").unwrap_or_default();
            return instruments::get(&code)
                .map_err(|e| (format!("resource.code.coding[{i}].code"), e.to_string()));
        }
    }
    for c in codings {
        if field(c, "system").as_deref() == Some(LOINC_SYSTEM)
            && let Some(id) = field(c, "code").as_deref().and_then(instrument_of_loinc)
            && let Ok(inst) = instruments::get(id)
        {
            return Ok(inst);
        }
    }
    let known: Vec<String> = LOINC
        .iter()
        .map(|(id, code, _)| format!("{code} ({id})"))
        .collect();
    Err((
        "resource.code".into(),
        format!(
            "no instrument Praxis knows: code it with {INSTRUMENT_SYSTEM} and an instrument id (`praxis \
             instruments`), or with one of the LOINC codes {}",
            known.join(", ")
        ),
    ))
}

fn effective_date(r: &Value) -> Result<NaiveDate, (String, String)> {
    let at = |path: &str, reason: String| Err((path.to_string(), reason));
    let text = match (r.get("effectiveDateTime"), r.get("effectivePeriod")) {
        (Some(v), _) => ("resource.effectiveDateTime", v.as_str()),
        (None, Some(p)) => (
            "resource.effectivePeriod.start",
            p.get("start").and_then(Value::as_str),
        ),
        (None, None) => {
            let pseudonymised = r
                .get("extension")
                .and_then(Value::as_array)
                .is_some_and(|l| {
                    l.iter()
                        .any(|e| e.get("url").and_then(Value::as_str) == Some(DAY_EXTENSION))
                });
            return at(
                "resource.effectiveDateTime",
                if pseudonymised {
                    "missing: the Observation has only a day number (a pseudonymised export), which cannot be \
                     imported"
                        .into()
                } else {
                    "missing: Praxis needs the date of the assessment".into()
                },
            );
        }
    };
    match text {
        (path, Some(t)) => t
            .get(..10)
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            .map_or_else(
                || {
                    at(
                        path,
                        format!("{t:?} is not a date with year, month and day (YYYY-MM-DD...)"),
                    )
                },
                Ok,
            ),
        (path, None) => at(path, "is not a text date".into()),
    }
}

fn score(r: &Value, inst: &Instrument) -> Result<f64, (String, String)> {
    let at = |path: &str, reason: String| Err((path.to_string(), reason));
    let Some(q) = r.get("valueQuantity") else {
        return at(
            "resource.valueQuantity",
            format!(
                "missing: Praxis needs the {} score as a valueQuantity",
                inst.short
            ),
        );
    };
    let Some(value) = q.get("value").and_then(Value::as_f64) else {
        return at(
            "resource.valueQuantity.value",
            "missing or not a number".into(),
        );
    };
    let system = q.get("system").and_then(Value::as_str);
    if let Some(code) = q.get("code").and_then(Value::as_str)
        && system == Some(UCUM_SYSTEM)
        && code != ucum(inst)
    {
        return at(
            "resource.valueQuantity.code",
            format!(
                "unit {code:?}: Praxis records {} in {} (UCUM {:?}); convert the value first",
                inst.short,
                inst.unit,
                ucum(inst)
            ),
        );
    }
    let shown = instruments::Shown::Stored.of(value);
    let range = inst.range_text();
    match rules::check_score(inst.id, value) {
        Ok(_) => Ok(value),
        Err(_) if value > inst.max => at(
            "resource.valueQuantity.value",
            format!("{shown} is above the {} range {range}", inst.short),
        ),
        Err(_) if value < inst.min => at(
            "resource.valueQuantity.value",
            format!("{shown} is below the {} range {range}", inst.short),
        ),
        Err(e) => at(
            "resource.valueQuantity.value",
            format!("{shown}: {}", e.message),
        ),
    }
}

fn med_state(r: &Value) -> Result<Option<MedState>, (String, String)> {
    let components = r
        .get("component")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for (i, c) in components.iter().enumerate() {
        let is_state = c
            .get("code")
            .and_then(|x| x.get("coding"))
            .and_then(Value::as_array)
            .is_some_and(|l| {
                l.iter().any(|x| {
                    x.get("system").and_then(Value::as_str) == Some(MED_STATE_SYSTEM)
                        && x.get("code").and_then(Value::as_str) == Some("medication-state")
                })
            });
        if !is_state {
            continue;
        }
        let code = c
            .get("valueCodeableConcept")
            .and_then(|v| v.get("coding"))
            .and_then(Value::as_array)
            .and_then(|l| l.iter().find_map(|x| x.get("code").and_then(Value::as_str)));
        return match code {
            Some("on") => Ok(Some(MedState::On)),
            Some("off") => Ok(Some(MedState::Off)),
            other => Err((
                format!("resource.component[{i}].valueCodeableConcept"),
                format!(
                    "medication state {:?} is not on or off",
                    other.unwrap_or("")
                ),
            )),
        };
    }
    Ok(None)
}

/// One Observation as an assessment, or the first problem with it.
fn observation(r: &Value, known: &HashMap<String, Who>) -> Result<Assessment, (String, String)> {
    let inst = instrument(r)?;
    let code = subject_code(r, known)?;
    let date = effective_date(r)?;
    let score = score(r, inst)?;
    let med_state = med_state(r)?;
    rules::check_med_state(inst, med_state)
        .map_err(|e| ("resource.component".to_string(), e.message))?;
    let assessor = r
        .get("performer")
        .and_then(Value::as_array)
        .and_then(|l| {
            l.iter()
                .find_map(|p| p.get("display").and_then(Value::as_str))
        })
        .filter(|s| !s.trim().is_empty())
        .map(str::to_string);
    let notes: Vec<&str> = r
        .get("note")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice)
        .iter()
        .filter_map(|n| n.get("text").and_then(Value::as_str))
        .collect();
    Ok(Assessment {
        id: 0,
        patient_code: code,
        instrument: inst.id.to_string(),
        score,
        date,
        assessor,
        notes: notes.join("\n"),
        med_state,
    })
}

/// What a Bundle holds: the valid Observations as rows (their `line` is the entry index), the problems, and how many
/// Observations were read and skipped. Pure.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    pub rows: Vec<ImportRow>,
    /// Each row's entry as messages name it: `entry[3] (urn:uuid:...)`, with the entry's `fullUrl` (else the
    /// resource's `id`) when it has one.
    pub names: HashMap<u64, String>,
    pub errors: Vec<FhirIssue>,
    pub observations: usize,
    pub skipped: usize,
}

/// Read a Bundle's Observations. Checks everything that needs no database. Never panics.
pub fn parse_bundle(bytes: &[u8]) -> Parsed {
    let mut out = Parsed::default();
    let doc: Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => {
            out.errors.push(bundle_issue("", format!("not JSON: {e}")));
            return out;
        }
    };
    match doc.get("resourceType").and_then(Value::as_str) {
        Some("Bundle") => {}
        Some(other) => {
            out.errors.push(bundle_issue(
                "resourceType",
                format!("{other:?}: expected a Bundle of Observations"),
            ));
            return out;
        }
        None => {
            out.errors.push(bundle_issue(
                "resourceType",
                "missing: expected a FHIR Bundle (\"resourceType\": \"Bundle\")",
            ));
            return out;
        }
    }
    let Some(entries) = doc.get("entry").and_then(Value::as_array) else {
        out.errors
            .push(bundle_issue("entry", "missing: the Bundle has no entries"));
        return out;
    };
    let known = patients(entries);
    for (i, e) in entries.iter().enumerate() {
        let Some(r) = e.get("resource") else {
            continue;
        };
        if r.get("resourceType").and_then(Value::as_str) != Some("Observation") {
            continue;
        }
        out.observations += 1;
        match r.get("status").and_then(Value::as_str) {
            Some("entered-in-error") => {
                out.skipped += 1;
                continue;
            }
            Some("final" | "amended" | "corrected") => {}
            Some(other) => {
                out.errors.push(issue(
                    i,
                    "resource.status",
                    format!(
                        "{other:?}: only final, amended or corrected Observations are imported \
                         (entered-in-error ones are skipped)"
                    ),
                ));
                continue;
            }
            None => {
                out.errors.push(issue(i, "resource.status", "missing"));
                continue;
            }
        }
        match observation(r, &known) {
            Ok(a) => {
                out.names.insert(i as u64, entry_name(i, e));
                out.rows.push(ImportRow {
                    line: i as u64,
                    assessment: a,
                });
            }
            Err((path, reason)) => out.errors.push(issue(i, &path, reason)),
        }
    }
    if out.observations == 0 && out.errors.is_empty() {
        out.errors
            .push(bundle_issue("entry", "the Bundle has no Observation"));
    }
    out
}

/// "entry[3] (urn:uuid:...)": the index, and the entry's `fullUrl` or else its resource's `id` when it has one.
fn entry_name(i: usize, e: &Value) -> String {
    let id = e
        .get("fullUrl")
        .or_else(|| e.get("resource").and_then(|r| r.get("id")))
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty());
    match id {
        Some(id) => format!("entry[{i}] ({})", crate::domain::text::visible(id)),
        None => format!("entry[{i}]"),
    }
}

/// Parse, check and (unless `dry_run`) import every Observation in one audited transaction. Any problem: nothing
/// imported. `force` imports Observations that only look wrong (see [`check_rows`]).
pub fn import(
    store: &mut Store,
    bytes: &[u8],
    file: &str,
    dry_run: bool,
    force: bool,
    today: NaiveDate,
) -> Result<FhirImportReport, AppError> {
    let mut parsed = parse_bundle(bytes);
    let name = |r: &ImportRow| {
        parsed
            .names
            .get(&r.line)
            .cloned()
            .unwrap_or_else(|| format!("entry[{}]", r.line))
    };
    if let Err(more) = check_rows_named(store, &parsed.rows, today, force, &name) {
        parsed.errors.extend(more.into_iter().map(|e| {
            let path = if e.reason.starts_with("unknown patient") {
                "resource.subject"
            } else {
                "resource"
            };
            issue(e.line as usize, path, e.reason)
        }));
    }
    let mut report = FhirImportReport {
        observations: parsed.observations,
        skipped: parsed.skipped,
        imported: 0,
        dry_run,
        errors: parsed.errors,
    };
    if !report.errors.is_empty() {
        report.errors.sort_by_key(|e| e.entry);
        return Ok(report);
    }
    if dry_run {
        return Ok(report);
    }
    let list: Vec<Assessment> = parsed.rows.into_iter().map(|r| r.assessment).collect();
    report.imported = store.import_assessments(&list, file)?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundle(obs: Value) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                { "fullUrl": "urn:uuid:p", "resource": { "resourceType": "Patient",
                  "identifier": [{ "system": PATIENT_CODE_SYSTEM, "value": "P-0001" }] } },
                { "resource": obs }
            ]
        }))
        .unwrap()
    }

    #[test]
    fn a_loinc_coded_observation_reads_as_an_assessment() {
        let p = parse_bundle(&bundle(serde_json::json!({
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": LOINC_SYSTEM, "code": "72172-0" }] },
            "subject": { "reference": "urn:uuid:p" },
            "effectiveDateTime": "2026-03-04T10:00:00+01:00",
            "valueQuantity": { "value": 24 }
        })));
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        let a = &p.rows[0].assessment;
        assert_eq!((a.instrument.as_str(), a.score), ("moca", 24.0));
        assert_eq!(a.patient_code, "P-0001");
        assert_eq!(a.date.to_string(), "2026-03-04");
        assert_eq!(p.rows[0].line, 1);
    }

    #[test]
    fn an_out_of_range_value_is_named_by_entry_and_path() {
        let p = parse_bundle(&bundle(serde_json::json!({
            "resourceType": "Observation", "status": "final",
            "code": { "coding": [{ "system": INSTRUMENT_SYSTEM, "code": "bbs" }] },
            "subject": { "reference": "urn:uuid:p" },
            "effectiveDateTime": "2026-03-04",
            "valueQuantity": { "value": 95 }
        })));
        assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
        let text = p.errors[0].to_string();
        assert!(
            text == "entry[1].resource.valueQuantity.value: 95 is above the Berg range 0-56",
            "{text}"
        );
    }
}
