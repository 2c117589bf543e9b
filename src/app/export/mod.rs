//! Export: render patients, assessments or sessions as CSV or JSON, optionally pseudonymised, and write the file
//! (mode 0600) inside the store's audited export transaction.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::Path;

use serde_json::Value;

use crate::app::AppError;
use crate::store::export::{ExportData, ExportKind, Period};
use crate::store::{Store, StoreError};
use pseudonym::pseudonymise;

#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr, strum::VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Format {
    Csv,
    Json,
}

mod csv;
pub mod fhir;
mod pseudonym;

pub use csv::neutralise_formula;
pub use pseudonym::birth_band;

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
) -> Result<Rendered, AppError> {
    match format {
        Format::Json => render_json(kind, data, pseudo),
        Format::Csv => csv::render(kind, data, pseudo),
    }
}

/// Render `kind` as a JSON array, each object indented one level so that each record's end is known.
fn render_json(kind: ExportKind, data: &ExportData, pseudo: bool) -> Result<Rendered, AppError> {
    let failed = |e: &dyn std::fmt::Display| AppError::ExportRender(e.to_string());
    let values: Result<Vec<Value>, serde_json::Error> = match kind {
        ExportKind::Patients => data.patients.iter().map(serde_json::to_value).collect(),
        ExportKind::Assessments => data.assessments.iter().map(serde_json::to_value).collect(),
        ExportKind::Sessions => data.sessions.iter().map(serde_json::to_value).collect(),
    };
    let values = values.map_err(|e| failed(&e))?;
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
        let pretty = serde_json::to_string_pretty(v).map_err(|e| failed(&e))?;
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

/// Export `kind` to `out`, a new file (mode 0600; never overwriting), in one audited transaction: the file exists
/// only if its audit row was committed. Returns the number of records.
pub fn export(
    store: &mut Store,
    kind: ExportKind,
    format: Format,
    pseudo: bool,
    period: Period,
    out: &Path,
) -> Result<usize, AppError> {
    let dest = out.display().to_string();
    let mut created = false;
    let res = store.export_with(kind, period, pseudo, &dest, &mut |data| {
        let r =
            render(kind, data, format, pseudo).map_err(|e| StoreError::Invalid(e.to_string()))?;
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
) -> Result<usize, AppError> {
    let mut rendered = Rendered::default();
    let (n, export_row) = store.export_with(kind, period, pseudo, STDOUT, &mut |data| {
        rendered =
            render(kind, data, format, pseudo).map_err(|e| StoreError::Invalid(e.to_string()))?;
        Ok(())
    })?;
    let mut written = 0;
    let Err(e) = write_counting(w, &rendered.bytes, &mut written) else {
        return Ok(n);
    };
    let total = rendered.bytes.len();
    let done = rendered.records_within(written);
    let details = serde_json::json!({
        "kind": kind,
        "rows": n,
        "rows_written": done,
        "rows_left": n - done,
    });
    Err(cut_short(
        store,
        export_row,
        "export",
        &e,
        written,
        total,
        details,
        &format!(" ({done} of {n} whole records)"),
    ))
}

/// The error of an export to [`STDOUT`] (audited in row `export_row`) whose write failed after `written` of `total`
/// bytes, after a second audit row that records it as incomplete: `details` and the bytes written and left, and
/// why. `what` names the export in the message ("export", "FHIR export"), `counted` adds to the count of bytes.
#[allow(clippy::too_many_arguments)]
fn cut_short(
    store: &mut Store,
    export_row: i64,
    what: &str,
    e: &std::io::Error,
    written: usize,
    total: usize,
    mut details: Value,
    counted: &str,
) -> AppError {
    let why = if e.kind() == std::io::ErrorKind::BrokenPipe {
        "the reader closed the pipe".to_string()
    } else {
        e.to_string()
    };
    if let Some(o) = details.as_object_mut() {
        o.insert("bytes".into(), total.into());
        o.insert("bytes_written".into(), written.into());
        o.insert("bytes_left".into(), (total - written).into());
        o.insert("reason".into(), why.clone().into());
    }
    let head = format!(
        "the {what} to {STDOUT} was cut short ({why}) after {written} of {total} bytes{counted}"
    );
    AppError::ExportIncomplete(
        match store.audit_export_incomplete(export_row, STDOUT, &details) {
            Ok(row) => format!(
                "{head}; the audit trail records it as incomplete (row {row}, after the export's row {export_row})"
            ),
            Err(ae) => format!(
                "{head}; recording that in the audit trail failed too ({ae}), so its row {export_row} shows the \
                 whole export"
            ),
        },
    )
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
mod tests;
