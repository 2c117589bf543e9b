//! Store speed at clinic scale (issue 5): 10,000 patients, 500,000 sessions, 200,000 assessments.
//!
//! `cargo bench --bench store`. The fill writes rows with plain SQL (audited inserts of half a million rows would
//! take minutes); the measured operations go through the public `Store` API. With `PRAXIS_TEST_PG` naming a
//! PostgreSQL server (a superuser URL, as for the tests), the same operations run there too, over its socket, as a
//! clinician whose rows pass row-level security (group `store_10k_patients_pg`).

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

/// The same clinic on the PostgreSQL server `url` (a superuser URL): a fresh database `praxis_bench`, filled with
/// triggers off (then the list's summary columns set as the triggers would, and the folded search texts written as
/// `server upgrade` does, which makes the triggers write each list entry), and the store opened as a therapist of
/// the main site. None when no server is configured.
fn fill_pg() -> Option<Store> {
    let url = std::env::var("PRAXIS_TEST_PG")
        .ok()
        .filter(|u| !u.is_empty())?;
    let base: postgres::Config = url.parse().expect("PRAXIS_TEST_PG is a PostgreSQL URL");
    let mut su = base
        .connect(postgres::NoTls)
        .expect("connect to PRAXIS_TEST_PG");
    for sql in [
        "DROP DATABASE IF EXISTS praxis_bench WITH (FORCE)",
        "CREATE DATABASE praxis_bench",
    ] {
        su.batch_execute(sql).expect("create the bench database");
    }
    let mut cfg = base.clone();
    cfg.dbname("praxis_bench");
    let host = match cfg.get_hosts().first() {
        Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
        Some(postgres::config::Host::Tcp(t)) => t.clone(),
        None => String::new(),
    };
    let su_url = format!(
        "postgresql:///praxis_bench?host={host}&user={}",
        cfg.get_user().unwrap_or("postgres")
    );
    praxis::store::pg::server_init(&su_url, "bench_admin").expect("server init");
    let mut c = cfg
        .connect(postgres::NoTls)
        .expect("connect to praxis_bench");
    c.batch_execute(&format!(
        "SELECT praxis.clinician_add('bench_kim', 'therapist', '', 'main') \
           FROM (SELECT set_config('role', 'praxis_bench_admin', false)) s; RESET ROLE;
         SET session_replication_role = replica;
         INSERT INTO praxis.patients (code, birth_year, condition, facts, notes, created_at, updated_at) \
           SELECT format('P-%s', lpad(i::text, 5, '0')), 1950, 'stroke', '{{\"nihss\":9}}', 'bench', 'x', 'x' \
           FROM generate_series(0, {n}) i;
         INSERT INTO praxis.sessions (patient_id, site_id, started_at, protocol_id, minutes, repetitions, \
           success_rate, rpe, created_at, created_by) \
           SELECT p.id, p.site_id, to_char(date '2025-01-01' + s * 3, 'YYYY-MM-DD') || 'T09:00:00', 'usual-care', 45, 120, \
           0.7, 5, 'x', 'bench' FROM praxis.patients p, generate_series(0, {s}) s;
         INSERT INTO praxis.assessments (patient_id, site_id, instrument, score, date, created_at, created_by) \
           SELECT p.id, p.site_id, 'fma_ue', 30, to_char(date '2025-01-01' + a * 7, 'YYYY-MM-DD'), 'x', 'bench' \
           FROM praxis.patients p, generate_series(0, {a}) a;
         INSERT INTO praxis.plans (patient_id, site_id, protocol_id, start_date, status, created_at, updated_at, \
           created_by) SELECT id, site_id, 'cimt', '2026-01-01', 'active', 'x', 'x', 'bench' FROM praxis.patients WHERE id % 2 = 1;
         UPDATE praxis.patients p SET n_sessions = {sn}, n_assessments = {an}, \
           last_session = (SELECT max(started_at) FROM praxis.sessions WHERE patient_id = p.id), \
           last_assessment = (SELECT max(date) FROM praxis.assessments WHERE patient_id = p.id), \
           plan_protocol = CASE WHEN id % 2 = 1 THEN 'cimt' END, plan_start = CASE WHEN id % 2 = 1 THEN '2026-01-01' END;
         SET session_replication_role = origin;
         ANALYZE;",
        n = PATIENTS - 1,
        s = SESSIONS_PER_PATIENT - 1,
        a = ASSESSMENTS_PER_PATIENT - 1,
        sn = SESSIONS_PER_PATIENT,
        an = ASSESSMENTS_PER_PATIENT,
    ))
    .expect("fill the bench database");
    praxis::store::pg::fill_folds(&mut c).expect("fold the search texts");
    c.batch_execute("VACUUM ANALYZE praxis.patients")
        .expect("analyze the bench database");
    let kim = format!("postgresql:///praxis_bench?host={host}&user=bench_kim");
    Some(Store::open_db(std::path::Path::new(&kim), false).expect("open as a therapist"))
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("bench.db");
    fill(&path);
    let store = Store::open(&path).expect("open");
    operations(c, "store_10k_patients", store);
    if let Some(store) = fill_pg() {
        operations(c, "store_10k_patients_pg", store);
    }
}

/// The measured operations, on `store`, as group `group`.
fn operations(c: &mut Criterion, group: &str, mut store: Store) {
    let mut g = c.benchmark_group(group);
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
