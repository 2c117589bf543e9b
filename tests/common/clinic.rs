//! A clinic for the access and backup tests (tests/access.rs, tests/backups.rs): a patient with personal data in
//! every free-text field, an assessment and a session, and a database made by "boss" (admin).

use std::path::PathBuf;

use praxis::domain::*;
use praxis::store::{Store, StoreError};

use super::{day, store_of_boss};

pub const NAME: &str = "Zelda Quirinus";
pub const NOTES: &str = "lives alone above the bakery";
pub const BIRTH_YEAR: i32 = 1937;
pub const FREE_TEXT: &str = "cried after the third set";

pub fn patient(code: &str) -> Patient {
    super::patient(code)
        .name(NAME)
        .born(BIRTH_YEAR)
        .sex(Sex::Female)
        .notes(NOTES)
        .build()
}

pub fn assessment(code: &str) -> Assessment {
    Assessment {
        notes: FREE_TEXT.into(),
        ..super::assessment(code, "tug_s", 14.0, day(2026, 2, 3))
    }
}

pub fn session(code: &str) -> SessionLog {
    SessionLog {
        minutes: 30,
        repetitions: 40,
        notes: FREE_TEXT.into(),
        ..super::session(
            code,
            "balance-gait-older",
            day(2026, 2, 4).and_hms_opt(9, 0, 0).unwrap(),
        )
    }
}

pub fn forbidden(e: StoreError) -> String {
    assert!(matches!(e, StoreError::Forbidden(_)), "{e:?}");
    e.to_string()
}

/// A database made by "boss" (admin) with a patient who has an assessment and a session.
pub fn clinic() -> (tempfile::TempDir, PathBuf, Store) {
    let (dir, path, mut store) = store_of_boss();
    store.add_patient(&patient("P-0001")).unwrap();
    store.add_assessment(&assessment("P-0001")).unwrap();
    store.add_session(&session("P-0001")).unwrap();
    (dir, path, store)
}
