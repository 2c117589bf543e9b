//! Store speed at clinic scale (issue 5): 10,000 patients, 500,000 sessions, 200,000 assessments.
//!
//! `cargo bench --bench store`. The fill writes rows with plain SQL (audited inserts of half a million rows would
//! take minutes); the measured operations go through the public `Store` API.

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use praxis::domain::SessionLog;
use praxis::store::{PatientFilter, Store};

const PATIENTS: usize = 10_000;
const SESSIONS_PER_PATIENT: usize = 50;
const ASSESSMENTS_PER_PATIENT: usize = 20;

fn fill(path: &std::path::Path) {
    drop(Store::open(path).expect("open"));
    let mut c = rusqlite::Connection::open(path).expect("raw open");
    let tx = c.transaction().expect("tx");
    {
        let mut patient = tx
            .prepare(
                "INSERT INTO patients (code, birth_year, condition, facts, notes, created_at, updated_at) \
                 VALUES (?1, 1950, 'stroke', '{\"nihss\":9}', 'bench', 'x', 'x')",
            )
            .expect("prepare");
        let mut session = tx
            .prepare(
                "INSERT INTO sessions (patient_id, started_at, protocol_id, minutes, repetitions, success_rate, \
                 rpe, created_at) VALUES (?1, ?2, 'usual-care', 45, 120, 0.7, 5, 'x')",
            )
            .expect("prepare");
        let mut assessment = tx
            .prepare(
                "INSERT INTO assessments (patient_id, instrument, score, date, created_at, created_by) \
                 VALUES (?1, 'fma_ue', 30, ?2, 'x', 'bench')",
            )
            .expect("prepare");
        let mut plan = tx
            .prepare(
                "INSERT INTO plans (patient_id, protocol_id, start_date, status, created_at, updated_at) \
                 VALUES (?1, 'cimt', '2026-01-01', 'active', 'x', 'x')",
            )
            .expect("prepare");
        let day0 = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date");
        for i in 0..PATIENTS {
            patient.execute([format!("P-{i:05}")]).expect("patient");
            let pid = tx.last_insert_rowid();
            for s in 0..SESSIONS_PER_PATIENT {
                let d = day0 + chrono::Duration::days((s * 3) as i64);
                session
                    .execute(rusqlite::params![pid, format!("{d}T09:00:00")])
                    .expect("session");
            }
            for a in 0..ASSESSMENTS_PER_PATIENT {
                let d = day0 + chrono::Duration::days((a * 7) as i64);
                assessment
                    .execute(rusqlite::params![pid, d.to_string()])
                    .expect("assessment");
            }
            if i % 2 == 0 {
                plan.execute([pid]).expect("plan");
            }
        }
    }
    tx.commit().expect("commit");
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.db");
    fill(&path);
    let mut store = Store::open(&path).expect("open");

    let mut g = c.benchmark_group("store_10k_patients");
    g.sample_size(20);
    // What the list screens read (the TUI's patient list, `praxis patient list`): brief profiles.
    g.bench_function("list_briefs_all", |b| {
        b.iter(|| black_box(store.list_briefs(&PatientFilter::default()).expect("list")))
    });
    // Whole profiles, as `praxis patient list --json` prints them.
    g.bench_function("list_patients_all", |b| {
        b.iter(|| {
            black_box(
                store
                    .list_patients(&PatientFilter::default())
                    .expect("list"),
            )
        })
    });
    let search = PatientFilter {
        search: Some("P-0420".into()),
        condition: None,
    };
    g.bench_function("list_briefs_search", |b| {
        b.iter(|| black_box(store.list_briefs(&search).expect("search")))
    });
    g.bench_function("history_one_patient", |b| {
        b.iter(|| black_box(store.history("P-04242").expect("history")))
    });
    let log = SessionLog {
        id: 0,
        patient_code: "P-04242".into(),
        started_at: NaiveDate::from_ymd_opt(2026, 3, 3)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("date"),
        protocol_id: "cimt".into(),
        minutes: 45,
        repetitions: 200,
        level: Some(3),
        success_rate: Some(0.7),
        rpe: Some(5),
        notes: String::new(),
        clinician: None,
    };
    g.bench_function("log_session_fsync", |b| {
        b.iter(|| black_box(store.add_session(&log).expect("log")))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
