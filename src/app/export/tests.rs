//! Tests of rendering and writing exports.

use super::pseudonym::*;
use super::*;
use crate::domain::{Assessment, Patient, SessionLog};
use crate::store::Store;
use chrono::NaiveDate;

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
                date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Days::new(i as u64),
                assessor: None,
                notes: format!("note {i}\nsecond line"),
                med_state: None,
            })
            .unwrap();
    }
    (dir, store)
}

fn data(store: &mut Store, kind: ExportKind) -> ExportData {
    let mut got = ExportData::default();
    store
        .export_with(kind, Period::ALL, false, "test", &mut |d| {
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
        let mut rd = ::csv::Reader::from_reader(&r.bytes[..*end]);
        let rows: Vec<::csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
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
