//! TUI speed on a large clinic: 10,000 patients and 500,000 session logs in a SQLite file.
//! - first frame: open the store, read the patient list, draw at 120x40;
//! - keypress to frame: one search keystroke (refilter 10,000 rows) and the redraw.
//!   Targets (issue 4): first frame < 100 ms, keypress to frame < 10 ms.
//!
//! Run: `cargo bench --bench tui`. The database is built once per run in a temporary directory (one transaction).

use std::hint::black_box;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use criterion::{Criterion, criterion_group, criterion_main};
use praxis::domain::*;
use praxis::store::Store;
use praxis::tui::app::{App, Ctx, Msg};
use praxis::tui::data::StoreSource;
use praxis::tui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

const PATIENTS: usize = 10_000;
const SESSIONS_EACH: usize = 50;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default()
}

fn build(path: &std::path::Path) {
    let mut store = Store::open(path).expect("open");
    store
        .write(|tx| {
            for i in 0..PATIENTS {
                let code = format!("P-{i:05}");
                let condition = match i % 4 {
                    0 => Condition::Stroke(StrokeFacts::default()),
                    1 => Condition::Parkinsons(ParkinsonsFacts::default()),
                    2 => Condition::CerebellarAtaxia(AtaxiaFacts::default()),
                    _ => Condition::OlderAdult(OlderAdultFacts::default()),
                };
                tx.add_patient(&Patient {
                    id: 0,
                    code: code.clone(),
                    name: Some(format!("Patient {i}")),
                    birth_year: 1940 + (i % 40) as i32,
                    sex: None,
                    dominant_hand: None,
                    affected_side: None,
                    condition,
                    notes: String::new(),
                    created_at: String::new(),
                    updated_at: String::new(),
                    version: 0,
                })?;
                let start: NaiveDateTime = today().and_hms_opt(9, 0, 0).unwrap_or_default();
                for k in 0..SESSIONS_EACH {
                    tx.add_session(&SessionLog {
                        id: 0,
                        patient_code: code.clone(),
                        started_at: start - Duration::days((k * 2 + i % 20) as i64),
                        protocol_id: "usual-care".into(),
                        minutes: 45,
                        repetitions: 120,
                        level: Some(3),
                        success_rate: Some(0.7),
                        rpe: Some(5),
                        notes: String::new(),
                        clinician: None,
                    })?;
                }
            }
            Ok(())
        })
        .expect("fill");
}

fn app(path: &std::path::Path) -> App {
    let store = Store::open(path).expect("open");
    let now = today().and_hms_opt(14, 0, 0).unwrap_or_default();
    App::new(
        Box::new(StoreSource::new(store, today())),
        Ctx::new(Theme::default(), now),
    )
    .expect("app")
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.db");
    build(&path);
    let mut term = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
    let mut g = c.benchmark_group("tui");
    g.sample_size(10);
    g.bench_function("first_frame_10k_patients_500k_sessions", |b| {
        b.iter(|| {
            let a = app(&path);
            term.draw(|f| a.draw(f)).expect("draw");
            black_box(&a);
        })
    });
    let mut a = app(&path);
    let key = |ch| {
        Msg::Term(Event::Key(KeyEvent::new(
            KeyCode::Char(ch),
            KeyModifiers::NONE,
        )))
    };
    a.update(key('/'));
    g.sample_size(100);
    g.bench_function("keypress_to_frame_search_10k", |b| {
        let mut n = 0u32;
        b.iter(|| {
            // Alternate typing and deleting so the search text stays short.
            n += 1;
            if n % 2 == 1 {
                a.update(key('1'));
            } else {
                a.update(Msg::Term(Event::Key(KeyEvent::new(
                    KeyCode::Backspace,
                    KeyModifiers::NONE,
                ))));
            }
            term.draw(|f| a.draw(f)).expect("draw");
        })
    });
    g.bench_function("keypress_to_frame_move_down", |b| {
        a.update(Msg::Term(Event::Key(KeyEvent::new(
            KeyCode::Enter,
            KeyModifiers::NONE,
        ))));
        b.iter(|| {
            a.update(key('j'));
            term.draw(|f| a.draw(f)).expect("draw");
        })
    });
    g.finish();
}

criterion_group!(tui, benches);
criterion_main!(tui);
