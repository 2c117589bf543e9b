//! Records for the store tests (tests/store.rs, tests/store_changes.rs): a stroke and a Parkinson's patient, an
//! assessment and a session with every field filled in, a database path in a temporary folder.

use std::path::PathBuf;

use chrono::NaiveDate;
use praxis::domain::*;
use praxis::store::StoreError;

use super::{day, patient};

pub fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("clinic").join("praxis.db")
}

pub fn stroke_patient(code: &str) -> Patient {
    patient(code)
        .name("Ada Test")
        .born(1954)
        .sex(Sex::Female)
        .hand(Hand::Right)
        .affected(Side::Right)
        .condition(Condition::Stroke(StrokeFacts {
            onset_date: Some(day(2026, 1, 10)),
            stroke_type: Some(StrokeType::Ischaemic),
            corticospinal: Some(Corticospinal::Partial),
            mep: Some(Mep::Present),
            nihss: Some(9),
            active_extension: None,
        }))
        .notes("left MCA")
        .build()
}

pub fn pd_patient(code: &str) -> Patient {
    patient(code)
        .born(1954)
        .condition(Condition::Parkinsons(ParkinsonsFacts {
            diagnosis_year: Some(2021),
            hoehn_yahr: Some(2.5),
            medication: Some(Medication::On),
        }))
        .build()
}

pub fn assessment(code: &str, instrument: &str, score: f64, date: NaiveDate) -> Assessment {
    Assessment {
        assessor: Some("kim".into()),
        notes: "seated".into(),
        ..super::assessment(code, instrument, score, date)
    }
}

pub fn session(code: &str, date: NaiveDate, hour: u32) -> SessionLog {
    SessionLog {
        repetitions: 260,
        level: Some(3),
        success_rate: Some(0.7),
        rpe: Some(6),
        notes: "tired at the end".into(),
        clinician: Some("kim".into()),
        ..super::session(
            code,
            "task-specific-300",
            date.and_hms_opt(hour, 30, 0).unwrap(),
        )
    }
}

pub fn message(e: StoreError) -> String {
    e.to_string()
}
