//! Import of assessments from CSV: a pure parser that reports every bad row by line and reason, then checks
//! against the database with the shared rules ([`crate::domain::rules`]: unknown patients, dates, likely slips
//! unless forced), then an all-or-nothing audited import.

use chrono::NaiveDate;
use serde::Serialize;

use crate::app::AppError;
use crate::domain::{Assessment, Patient, rules};
use crate::store::Store;

/// One refused row: its line in the file (1 is the header) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.reason)
    }
}

/// A parsed row with the line it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportRow {
    pub line: u64,
    pub assessment: Assessment,
}

const REQUIRED: [&str; 4] = ["patient_code", "instrument", "score", "date"];
const OPTIONAL: [&str; 3] = ["assessor", "notes", "med_state"];

/// Parse `patient_code,instrument,score,date[,assessor,notes,med_state]` (`med_state`: on, off or empty, for
/// MDS-UPDRS III; files written before it existed import as they did) (a header row naming the columns is required; column
/// order is free). Checks everything that needs no database: UTF-8, column count, patient code syntax, known
/// instrument, score in range, date. Returns every bad row, or all rows when every one is valid. Pure; never panics.
pub fn parse_assessments_csv(bytes: &[u8]) -> Result<Vec<ImportRow>, Vec<RowError>> {
    let (rows, errors) = parse_all(bytes);
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

/// The valid rows and the errors of the others (so the database checks can run on the valid ones too).
fn parse_all(bytes: &[u8]) -> (Vec<ImportRow>, Vec<RowError>) {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let header_error = |reason: String| (Vec::new(), vec![RowError { line: 1, reason }]);
    let headers = match rdr.byte_headers() {
        Ok(h) => h.clone(),
        Err(e) => return header_error(format!("cannot read the header row: {e}")),
    };
    let mut cols: Vec<String> = Vec::new();
    for h in headers.iter() {
        match std::str::from_utf8(h) {
            Ok(t) => cols.push(t.trim_start_matches('\u{feff}').to_ascii_lowercase()),
            Err(_) => {
                return header_error("the header row is not valid UTF-8 text".into());
            }
        }
    }
    if cols.iter().all(|c| c.is_empty()) {
        return header_error(format!(
            "the file is empty; expected a header row {}",
            REQUIRED.join(",")
        ));
    }
    let find = |name: &str| cols.iter().position(|c| c == name);
    let missing: Vec<&str> = REQUIRED.into_iter().filter(|c| find(c).is_none()).collect();
    if !missing.is_empty() {
        return header_error(format!(
            "missing column(s) {}; the header must name patient_code,instrument,score,date[,assessor,notes,med_state]",
            missing.join(", ")
        ));
    }
    if let Some(extra) = cols
        .iter()
        .find(|c| !REQUIRED.contains(&c.as_str()) && !OPTIONAL.contains(&c.as_str()))
    {
        return header_error(format!(
            "unknown column {extra:?}; known columns: {}, {}",
            REQUIRED.join(", "),
            OPTIONAL.join(", ")
        ));
    }
    let idx = |name: &str| find(name);
    let (i_code, i_inst, i_score, i_date) = (
        idx("patient_code").unwrap_or(0),
        idx("instrument").unwrap_or(0),
        idx("score").unwrap_or(0),
        idx("date").unwrap_or(0),
    );
    let optional = [idx("assessor"), idx("notes"), idx("med_state")];

    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let line_before = rdr.position().line();
        match rdr.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(line_before, |p| p.line());
                errors.push(RowError {
                    line,
                    reason: format!("cannot read the row: {e}"),
                });
                // A malformed row may leave the reader without progress; stop rather than loop.
                if rdr.position().line() <= line_before {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(line_before, |p| p.line());
        if record.iter().all(|f| f.is_empty()) {
            continue;
        }
        match parse_row(
            &record,
            cols.len(),
            [i_code, i_inst, i_score, i_date],
            optional,
        ) {
            Ok(a) => rows.push(ImportRow {
                line,
                assessment: a,
            }),
            Err(reason) => errors.push(RowError { line, reason }),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        return header_error("the file has a header but no rows".into());
    }
    (rows, errors)
}

fn parse_row(
    record: &csv::ByteRecord,
    ncols: usize,
    [i_code, i_inst, i_score, i_date]: [usize; 4],
    [i_assessor, i_notes, i_state]: [Option<usize>; 3],
) -> Result<Assessment, String> {
    if record.len() != ncols {
        return Err(format!(
            "{} field(s) where the header has {ncols}",
            record.len()
        ));
    }
    let mut fields = Vec::with_capacity(record.len());
    for (i, f) in record.iter().enumerate() {
        match std::str::from_utf8(f) {
            Ok(t) => fields.push(t),
            Err(_) => return Err(format!("column {} is not valid UTF-8 text", i + 1)),
        }
    }
    let get = |i: usize| fields.get(i).copied().unwrap_or("");
    let code = get(i_code);
    crate::domain::validate_patient_code(code)?;
    let inst_text = get(i_inst);
    let inst = crate::instruments::get(inst_text).map_err(|e| e.to_string())?;
    let score_text = get(i_score);
    let score: f64 = score_text
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite())
        .ok_or_else(|| format!("score {score_text:?} is not a number"))?;
    rules::check_score(inst.id, score).map_err(|e| e.message)?;
    let date_text = get(i_date);
    let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d")
        .map_err(|_| format!("date {date_text:?} is not a date; write it as YYYY-MM-DD"))?;
    let assessor = i_assessor
        .map(get)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    let notes = i_notes.map(get).unwrap_or("").to_string();
    let med_state = match i_state.map(get).unwrap_or("") {
        "" => None,
        t => Some(
            <crate::domain::MedState as crate::domain::names::Named>::parse_name(t)
                .ok_or_else(|| format!("med_state {t:?} is not on or off (or empty)"))?,
        ),
    };
    rules::check_med_state(inst, med_state).map_err(|e| e.message)?;
    Ok(Assessment {
        id: 0,
        patient_code: code.to_string(),
        instrument: inst.id.to_string(),
        score,
        date,
        assessor,
        notes,
        med_state,
    })
}

/// Check parsed rows against the database and the calendar with the rules every entry point shares (unknown
/// patients; dates in the future, before the patient's birth or stroke onset, or implausibly far back). Unless
/// `force`, a row that looks like a slip (the same score on the same day as a stored one, the same assessment as an
/// earlier row of the file, or a change far beyond the measurement error of the patient's group within days:
/// [`rules::assessment_warnings_of`]) is refused too, saying that `--force` imports it anyway. Rows are named by
/// their line.
pub fn check_rows(
    store: &Store,
    rows: &[ImportRow],
    today: NaiveDate,
    force: bool,
) -> Result<(), Vec<RowError>> {
    check_rows_named(store, rows, today, force, &|r| format!("line {}", r.line))
}

/// [`check_rows`], a row named in messages by `name` (a FHIR Bundle's "entry[3] (urn:uuid:...)").
pub fn check_rows_named(
    store: &Store,
    rows: &[ImportRow],
    today: NaiveDate,
    force: bool,
    name: &dyn Fn(&ImportRow) -> String,
) -> Result<(), Vec<RowError>> {
    let mut errors = Vec::new();
    // Per patient: the record, every assessment so far (stored, then the file's earlier rows) and those rows.
    type Seen<'r> = Option<(Patient, Vec<Assessment>, Vec<&'r ImportRow>)>;
    let mut known: std::collections::HashMap<String, Seen<'_>> = std::collections::HashMap::new();
    let now = today.and_time(chrono::NaiveTime::MIN);
    for r in rows {
        let code = &r.assessment.patient_code;
        let entry = known.entry(code.clone()).or_insert_with(|| {
            let p = store.patient(code).ok()?;
            let stored = store.assessments(code).unwrap_or_default();
            Some((p, stored, Vec::new()))
        });
        let Some((patient, seen, in_file)) = entry else {
            errors.push(RowError {
                line: r.line,
                reason: format!("unknown patient {code}"),
            });
            continue;
        };
        let ctx = rules::Context::at(now).with_patient(Some(&*patient));
        if let Err(e) = rules::check_assessment(&r.assessment, &ctx) {
            errors.push(RowError {
                line: r.line,
                reason: e.message,
            });
            continue;
        }
        let mut warnings = rules::assessment_warnings_of(&r.assessment, seen, Some(&*patient));
        // The same as an earlier row of the file, which was not saved: say the file holds it twice (QA 23); "already
        // saved" is kept for a twin in the database.
        let twin = in_file
            .iter()
            .find(|o| rules::same_assessment(&r.assessment, &o.assessment));
        let stored = &seen[..seen.len() - in_file.len()];
        if twin.is_some()
            && !stored
                .iter()
                .any(|o| rules::same_assessment(&r.assessment, o))
        {
            warnings.retain(|w| !matches!(w, rules::Warning::SameDayDuplicate { .. }));
        }
        let warnings: Vec<String> = twin
            .map(|t| {
                format!(
                    "{} is the same assessment as {}: {} on {} is in this file twice",
                    name(r),
                    name(t),
                    r.assessment.brief(),
                    r.assessment.date
                )
            })
            .into_iter()
            .chain(warnings.iter().map(ToString::to_string))
            .collect();
        if !force && !warnings.is_empty() {
            errors.push(RowError {
                line: r.line,
                reason: format!(
                    "this looks wrong: {}; check it, or import with --force to save it anyway",
                    warnings.join("; ")
                ),
            });
        }
        seen.push(r.assessment.clone());
        in_file.push(r);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The outcome of an import (or a dry run: nothing written).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub rows: usize,
    pub imported: usize,
    pub dry_run: bool,
    pub errors: Vec<RowError>,
}

/// Parse, check and (unless `dry_run`) import all rows in one audited transaction. Any bad row: nothing imported.
/// `force` imports rows that only look wrong (see [`check_rows`]).
pub fn import_assessments(
    store: &mut Store,
    bytes: &[u8],
    file: &str,
    dry_run: bool,
    force: bool,
    today: NaiveDate,
) -> Result<ImportReport, AppError> {
    let (rows, mut errors) = parse_all(bytes);
    if let Err(more) = check_rows(store, &rows, today, force) {
        errors.extend(more);
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.line);
        return Ok(ImportReport {
            rows: rows.len() + errors.len(),
            imported: 0,
            dry_run,
            errors,
        });
    }
    if dry_run {
        return Ok(ImportReport {
            rows: rows.len(),
            imported: 0,
            dry_run,
            errors: vec![],
        });
    }
    let list: Vec<Assessment> = rows.into_iter().map(|r| r.assessment).collect();
    let imported = store.import_assessments(&list, file)?;
    Ok(ImportReport {
        rows: list.len(),
        imported,
        dry_run,
        errors: vec![],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_row_is_reported_by_line() {
        let csv = b"patient_code,instrument,score,date\nP-0001,fma_ue,30,2026-01-02\nP-0001,fma_ue,70,2026-01-02\nP-0001,nope,3,2026-01-02\nP-0001,arat,3,02/01/2026\n";
        let errs = parse_assessments_csv(csv).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert_eq!(errs[0].line, 3);
        assert_eq!(errs[0].reason, "FMA-UE is scored 0-66; got 70");
        assert_eq!(errs[1].line, 4);
        assert!(errs[1].reason.contains("unknown instrument"), "{}", errs[1]);
        assert_eq!(errs[2].line, 5);
        assert!(errs[2].reason.contains("YYYY-MM-DD"), "{}", errs[2]);
    }

    #[test]
    fn good_rows_parse_with_optional_columns_in_any_order() {
        let csv = b"date,score,instrument,patient_code,notes\n2026-01-02,30,FMA-UE,P-0001,\"first, baseline\"\n";
        let rows = parse_assessments_csv(csv).unwrap();
        assert_eq!(rows.len(), 1);
        let a = &rows[0].assessment;
        assert_eq!((a.instrument.as_str(), a.score), ("fma_ue", 30.0));
        assert_eq!(a.notes, "first, baseline");
        assert_eq!(rows[0].line, 2);
    }

    #[test]
    fn non_utf8_and_missing_columns_are_refused() {
        let errs = parse_assessments_csv(b"patient_code,instrument,score,date\nP-0001,fma_ue,30,2026-01-02\nP-\xff,arat,3,2026-01-02\n").unwrap_err();
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].line, 3);
        assert!(errs[0].reason.contains("UTF-8"));
        let errs = parse_assessments_csv(b"patient_code,score\nP-1,3\n").unwrap_err();
        assert!(
            errs[0]
                .reason
                .contains("missing column(s) instrument, date"),
            "{}",
            errs[0]
        );
        assert!(parse_assessments_csv(b"").is_err());
    }
}
