//! Export: render patients, assessments or sessions as CSV or JSON, optionally pseudonymised, and write the file
//! (mode 0600) inside the store's audited export transaction.

use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::{Assessment, Patient, SessionLog};
use crate::store::export::{ExportData, ExportKind};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
}

/// "1955-1959": the 5-year band of a birth year, in place of the year in pseudonymised exports.
pub fn birth_band(year: i32) -> String {
    let start = year - year.rem_euclid(5);
    format!("{start}-{}", start + 4)
}

fn text(v: Option<Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s,
        Some(other) => other.to_string(),
    }
}

fn enum_cell<T: serde::Serialize>(v: &Option<T>) -> String {
    text(v.as_ref().and_then(|v| serde_json::to_value(v).ok()))
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x}")
    }
}

/// The condition's facts without its `kind` tag, as JSON text.
fn facts(p: &Patient) -> (String, String) {
    let mut v = serde_json::to_value(&p.condition).unwrap_or(Value::Null);
    let kind = v
        .as_object_mut()
        .and_then(|o| o.remove("kind"))
        .map(|k| text(Some(k)))
        .unwrap_or_default();
    (kind, v.to_string())
}

fn patient_table(ps: &[Patient], pseudo: bool) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = ps
        .iter()
        .map(|p| {
            let (kind, facts) = facts(p);
            let mut r = vec![p.code.clone()];
            if pseudo {
                r.push(birth_band(p.birth_year));
            } else {
                r.push(p.name.clone().unwrap_or_default());
                r.push(p.birth_year.to_string());
            }
            r.extend([
                enum_cell(&p.sex),
                enum_cell(&p.dominant_hand),
                enum_cell(&p.affected_side),
                kind,
                facts,
            ]);
            if !pseudo {
                r.push(p.notes.clone());
            }
            r.extend([p.created_at.clone(), p.updated_at.clone()]);
            r
        })
        .collect();
    let mut h = vec!["code"];
    if pseudo {
        h.push("birth_years");
    } else {
        h.extend(["name", "birth_year"]);
    }
    h.extend([
        "sex",
        "dominant_hand",
        "affected_side",
        "condition",
        "facts",
    ]);
    if !pseudo {
        h.push("notes");
    }
    h.extend(["created_at", "updated_at"]);
    (h, rows)
}

fn assessment_table(xs: &[Assessment], pseudo: bool) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = xs
        .iter()
        .map(|a| {
            let mut r = vec![
                a.patient_code.clone(),
                a.instrument.clone(),
                num(a.score),
                a.date.to_string(),
            ];
            if !pseudo {
                r.extend([a.assessor.clone().unwrap_or_default(), a.notes.clone()]);
            }
            r
        })
        .collect();
    let mut h = vec!["patient_code", "instrument", "score", "date"];
    if !pseudo {
        h.extend(["assessor", "notes"]);
    }
    (h, rows)
}

fn session_table(xs: &[SessionLog], pseudo: bool) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let rows = xs
        .iter()
        .map(|s| {
            let mut r = vec![
                s.patient_code.clone(),
                s.started_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
                s.protocol_id.clone(),
                s.minutes.to_string(),
                s.repetitions.to_string(),
                opt(s.level.map(|x| x.to_string())),
                opt(s.success_rate.map(num)),
                opt(s.rpe.map(|x| x.to_string())),
            ];
            if !pseudo {
                r.extend([s.notes.clone(), opt(s.clinician.clone())]);
            }
            r
        })
        .collect();
    let mut h = vec![
        "patient_code",
        "started_at",
        "protocol_id",
        "minutes",
        "repetitions",
        "level",
        "success_rate",
        "rpe",
    ];
    if !pseudo {
        h.extend(["notes", "clinician"]);
    }
    (h, rows)
}

/// Drop the personal fields of a JSON record; the birth year becomes its 5-year band.
fn pseudonymise(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in ["name", "notes", "assessor", "clinician", "id"] {
            o.remove(k);
        }
        if let Some(y) = o.remove("birth_year").and_then(|y| y.as_i64()) {
            o.insert("birth_years".into(), Value::String(birth_band(y as i32)));
        }
    }
    v
}

/// Render the export as bytes. Pure: no I/O.
pub fn render(
    kind: ExportKind,
    data: &ExportData,
    format: Format,
    pseudo: bool,
) -> anyhow::Result<Vec<u8>> {
    match format {
        Format::Json => {
            let values: Result<Vec<Value>, serde_json::Error> = match kind {
                ExportKind::Patients => data.patients.iter().map(serde_json::to_value).collect(),
                ExportKind::Assessments => {
                    data.assessments.iter().map(serde_json::to_value).collect()
                }
                ExportKind::Sessions => data.sessions.iter().map(serde_json::to_value).collect(),
            };
            let values = values?;
            let values: Vec<Value> = if pseudo {
                values.into_iter().map(pseudonymise).collect()
            } else {
                values
            };
            let mut out = serde_json::to_vec_pretty(&values)?;
            out.push(b'\n');
            Ok(out)
        }
        Format::Csv => {
            let (headers, rows) = match kind {
                ExportKind::Patients => patient_table(&data.patients, pseudo),
                ExportKind::Assessments => assessment_table(&data.assessments, pseudo),
                ExportKind::Sessions => session_table(&data.sessions, pseudo),
            };
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&headers)?;
            for r in rows {
                w.write_record(&r)?;
            }
            Ok(w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?)
        }
    }
}

/// Export `kind` to `out` (created new, mode 0600; never overwriting) or, without `out`, return the bytes for
/// stdout. One audited transaction; returns the number of records and the bytes when there is no file.
pub fn export(
    store: &mut Store,
    kind: ExportKind,
    format: Format,
    pseudo: bool,
    since: Option<NaiveDate>,
    out: Option<&Path>,
) -> anyhow::Result<(usize, Vec<u8>)> {
    let dest = out.map_or_else(
        || "standard output".to_string(),
        |p| p.display().to_string(),
    );
    let mut rendered = Vec::new();
    let mut created = false;
    let res = store.export_with(kind, since, pseudo, &dest, |data| {
        let bytes = render(kind, data, format, pseudo)
            .map_err(|e| StoreError::Invalid(format!("cannot write the export: {e}")))?;
        match out {
            Some(path) => {
                write_private(path, &bytes)?;
                created = true;
                Ok(())
            }
            None => {
                rendered = bytes;
                Ok(())
            }
        }
    });
    match res {
        Ok(n) => Ok((n, rendered)),
        Err(e) => {
            // The audit row was not committed: take back the file, so no export exists without its audit row.
            if let (true, Some(path)) = (created, out) {
                let _ = std::fs::remove_file(path);
            }
            Err(e.into())
        }
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    if path.exists() {
        return Err(StoreError::Duplicate(format!(
            "{} already exists; choose another file (an export never overwrites one)",
            path.display()
        )));
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    let res = f.write_all(bytes).and_then(|()| f.sync_all());
    if let Err(e) = res {
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birth_bands_are_five_years_wide() {
        assert_eq!(birth_band(1958), "1955-1959");
        assert_eq!(birth_band(1955), "1955-1959");
        assert_eq!(birth_band(1960), "1960-1964");
    }
}
