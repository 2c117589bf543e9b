//! Demo patients: six realistic cases from the clinic's day (shared/workflows.md), each with months of assessments,
//! session logs and plans. Deterministic (fixed-seed RNG); dates are relative to the day of loading.
//!
//! The trajectories are illustrative, not model output: a subacute stroke recovers fast and then slows (roughly
//! proportional recovery, about 70% of the possible FMA-UE gain in 3 months — Prabhakaran 2008, Stinear 2017); a
//! chronic stroke is on a plateau within measurement error; Parkinson's and ataxia change little.
//!
//! Plans are renewed in blocks as in a clinic, and the current blocks are placed relative to today so that the patient
//! list's flags mean something (block lengths are the protocols' `schedule.weeks`):
//! - P-0011 (chronic stroke) is due for reassessment: the last scores are 33 days old;
//! - P-0052 (ataxia) has no session in the last 16 days: therapy paused for a chest infection;
//! - P-0123 (severe stroke) is in the last week of a 6-week usual-care block;
//! - P-0107, P-0044 and P-0090 are mid-way through their blocks, recently assessed and seen.

use chrono::{Datelike as _, Duration, NaiveDate, NaiveTime, Weekday};
use rand::{RngExt as _, SeedableRng as _};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::domain::*;
use crate::store::{Result, Store, Tx};

/// What `load` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoReport {
    pub added: Vec<String>,
    /// Codes already in the database, left as they were.
    pub skipped: Vec<String>,
}

/// The demo patients' codes.
pub const CODES: [&str; 6] = ["P-0107", "P-0011", "P-0123", "P-0044", "P-0052", "P-0090"];

const SEED: u64 = 0x5052_4158_4953; // "PRAXIS"

/// A period of treatment under one protocol.
struct Phase {
    protocol: &'static str,
    /// Days before today the phase started.
    from_days_ago: i64,
    /// Days before today the phase ended (0: ongoing).
    to_days_ago: i64,
    weekdays: &'static [Weekday],
    minutes: u32,
    reps: (u32, u32),
    goal: &'static str,
}

/// A series of scores on one instrument, from `first` to `last`, every `every` days.
struct Series {
    instrument: &'static str,
    first: f64,
    last: f64,
    from_days_ago: i64,
    /// Days before today of the latest score.
    to_days_ago: i64,
    every: i64,
    /// Shape of the change: 0 linear, larger values front-load the change (exponential approach).
    front_load: f64,
}

struct Case {
    patient: Patient,
    phases: Vec<Phase>,
    series: Vec<Series>,
}

use Weekday::{Fri, Mon, Thu, Tue, Wed};

fn patient(code: &str, age: i32, today: NaiveDate, condition: Condition) -> Patient {
    Patient {
        id: 0,
        code: code.into(),
        name: None,
        birth_year: today.year() - age,
        sex: None,
        dominant_hand: Some(Hand::Right),
        affected_side: None,
        condition,
        notes: String::new(),
        created_at: String::new(),
        updated_at: String::new(),
        version: 0,
    }
}

fn cases(today: NaiveDate) -> Vec<Case> {
    let ago = |d: i64| today - Duration::days(d);
    vec![
        Case {
            patient: Patient {
                sex: Some(Sex::Male),
                affected_side: Some(Side::Right),
                notes: "Left MCA stroke. Demo patient.".into(),
                ..patient(
                    "P-0107",
                    72,
                    today,
                    Condition::Stroke(StrokeFacts {
                        onset_date: Some(ago(59)),
                        stroke_type: Some(StrokeType::Ischaemic),
                        corticospinal: Some(Corticospinal::Intact),
                        mep: Some(Mep::Present),
                        nihss: Some(9),
                        active_extension: None,
                    }),
                )
            },
            // Two 3-week blocks and a third one in its second week.
            phases: vec![
                Phase {
                    protocol: "task-specific-300",
                    from_days_ago: 55,
                    to_days_ago: 11,
                    weekdays: &[Mon, Tue, Wed, Thu, Fri],
                    minutes: 45,
                    reps: (220, 300),
                    goal: "drink from a cup with the right hand by week 8",
                },
                Phase {
                    protocol: "task-specific-300",
                    from_days_ago: 10,
                    to_days_ago: 0,
                    weekdays: &[Mon, Tue, Wed, Thu, Fri],
                    minutes: 45,
                    reps: (240, 300),
                    goal: "drink from a cup with the right hand by week 8",
                },
            ],
            series: vec![
                Series {
                    instrument: "fma_ue",
                    first: 24.0,
                    last: 45.0,
                    from_days_ago: 56,
                    to_days_ago: 2,
                    every: 14,
                    front_load: 2.5,
                },
                Series {
                    instrument: "arat",
                    first: 9.0,
                    last: 27.0,
                    from_days_ago: 56,
                    to_days_ago: 2,
                    every: 14,
                    front_load: 2.5,
                },
                Series {
                    instrument: "bbt",
                    first: 4.0,
                    last: 19.0,
                    from_days_ago: 56,
                    to_days_ago: 2,
                    every: 14,
                    front_load: 2.0,
                },
            ],
        },
        Case {
            patient: Patient {
                sex: Some(Sex::Female),
                affected_side: Some(Side::Left),
                notes: "Right hemisphere stroke 14 months ago; plateau. Demo patient.".into(),
                ..patient(
                    "P-0011",
                    58,
                    today,
                    Condition::Stroke(StrokeFacts {
                        onset_date: Some(ago(426)),
                        stroke_type: Some(StrokeType::Haemorrhagic),
                        corticospinal: Some(Corticospinal::Partial),
                        mep: Some(Mep::Present),
                        nihss: Some(7),
                        active_extension: None,
                    }),
                )
            },
            // Earlier 6-week blocks, and the current one started 20 days ago.
            phases: vec![
                Phase {
                    protocol: "usual-care",
                    from_days_ago: 180,
                    to_days_ago: 21,
                    weekdays: &[Tue, Thu],
                    minutes: 45,
                    reps: (40, 80),
                    goal: "keep independence in dressing",
                },
                Phase {
                    protocol: "usual-care",
                    from_days_ago: 20,
                    to_days_ago: 0,
                    weekdays: &[Tue, Thu],
                    minutes: 45,
                    reps: (40, 80),
                    goal: "keep independence in dressing",
                },
            ],
            series: vec![
                Series {
                    instrument: "fma_ue",
                    first: 36.0,
                    last: 38.0,
                    from_days_ago: 180,
                    to_days_ago: 33,
                    every: 30,
                    front_load: 0.0,
                },
                Series {
                    instrument: "arat",
                    first: 20.0,
                    last: 21.0,
                    from_days_ago: 180,
                    to_days_ago: 33,
                    every: 30,
                    front_load: 0.0,
                },
            ],
        },
        Case {
            patient: Patient {
                sex: Some(Sex::Male),
                affected_side: Some(Side::Left),
                notes: "Severe stroke, no MEP in the affected arm. Demo patient.".into(),
                ..patient(
                    "P-0123",
                    67,
                    today,
                    Condition::Stroke(StrokeFacts {
                        onset_date: Some(ago(75)),
                        stroke_type: Some(StrokeType::Ischaemic),
                        corticospinal: Some(Corticospinal::Severe),
                        mep: Some(Mep::Absent),
                        nihss: Some(16),
                        active_extension: None,
                    }),
                )
            },
            // A first block for sitting balance, then a 6-week block in its last week.
            phases: vec![
                Phase {
                    protocol: "usual-care",
                    from_days_ago: 70,
                    to_days_ago: 39,
                    weekdays: &[Mon, Wed, Fri],
                    minutes: 40,
                    reps: (30, 70),
                    goal: "sit unsupported for 2 minutes",
                },
                Phase {
                    protocol: "usual-care",
                    from_days_ago: 38,
                    to_days_ago: 0,
                    weekdays: &[Mon, Wed, Fri],
                    minutes: 40,
                    reps: (30, 70),
                    goal: "use the left arm as a stabiliser when dressing",
                },
            ],
            series: vec![
                Series {
                    instrument: "fma_ue",
                    first: 7.0,
                    last: 12.0,
                    from_days_ago: 72,
                    to_days_ago: 3,
                    every: 21,
                    front_load: 1.0,
                },
                Series {
                    instrument: "arat",
                    first: 0.0,
                    last: 3.0,
                    from_days_ago: 72,
                    to_days_ago: 3,
                    every: 21,
                    front_load: 1.0,
                },
                Series {
                    instrument: "bbs",
                    first: 22.0,
                    last: 36.0,
                    from_days_ago: 72,
                    to_days_ago: 3,
                    every: 21,
                    front_load: 1.5,
                },
            ],
        },
        Case {
            patient: Patient {
                sex: Some(Sex::Male),
                notes: "Idiopathic PD, levodopa. Demo patient.".into(),
                ..patient(
                    "P-0044",
                    66,
                    today,
                    Condition::Parkinsons(ParkinsonsFacts {
                        diagnosis_year: Some(today.year() - 5),
                        hoehn_yahr: Some(2.0),
                        medication: Some(Medication::On),
                    }),
                )
            },
            phases: vec![
                Phase {
                    protocol: "usual-care",
                    from_days_ago: 120,
                    to_days_ago: 11,
                    weekdays: &[Wed],
                    minutes: 45,
                    reps: (60, 100),
                    goal: "keep walking outdoors",
                },
                Phase {
                    protocol: "lsvt-big",
                    from_days_ago: 10,
                    to_days_ago: 0,
                    weekdays: &[Mon, Tue, Thu, Fri],
                    minutes: 60,
                    reps: (150, 220),
                    goal: "stand up from a low chair without help",
                },
            ],
            series: vec![
                Series {
                    instrument: "mds_updrs_iii",
                    first: 33.0,
                    last: 31.0,
                    from_days_ago: 120,
                    to_days_ago: 1,
                    every: 30,
                    front_load: 0.0,
                },
                Series {
                    instrument: "tug_s",
                    first: 12.6,
                    last: 11.8,
                    from_days_ago: 120,
                    to_days_ago: 1,
                    every: 30,
                    front_load: 0.0,
                },
            ],
        },
        Case {
            patient: Patient {
                sex: Some(Sex::Female),
                notes:
                    "Spinocerebellar ataxia. Sessions paused since a chest infection. Demo patient."
                        .into(),
                ..patient(
                    "P-0052",
                    48,
                    today,
                    Condition::CerebellarAtaxia(AtaxiaFacts {
                        ataxia_type: Some("SCA3".into()),
                    }),
                )
            },
            // 4-week blocks; the current one started 18 days ago, and no session since 16 days ago.
            phases: vec![
                Phase {
                    protocol: "cerebellar-coordination",
                    from_days_ago: 100,
                    to_days_ago: 19,
                    weekdays: &[Mon, Wed, Fri],
                    minutes: 60,
                    reps: (80, 140),
                    goal: "walk 100 m indoors without a frame",
                },
                Phase {
                    protocol: "cerebellar-coordination",
                    from_days_ago: 18,
                    to_days_ago: 16,
                    weekdays: &[Mon, Tue, Wed, Thu, Fri],
                    minutes: 60,
                    reps: (80, 140),
                    goal: "walk 100 m indoors without a frame",
                },
            ],
            series: vec![
                Series {
                    instrument: "sara",
                    first: 15.0,
                    last: 14.0,
                    from_days_ago: 100,
                    to_days_ago: 10,
                    every: 28,
                    front_load: 0.0,
                },
                Series {
                    instrument: "bbs",
                    first: 42.0,
                    last: 44.0,
                    from_days_ago: 100,
                    to_days_ago: 10,
                    every: 28,
                    front_load: 0.0,
                },
            ],
        },
        Case {
            patient: Patient {
                sex: Some(Sex::Female),
                notes: "Two falls this year, lives alone. Demo patient.".into(),
                ..patient(
                    "P-0090",
                    81,
                    today,
                    Condition::OlderAdult(OlderAdultFacts {
                        falls_last_year: Some(2),
                    }),
                )
            },
            // A 12-week programme in its ninth week.
            phases: vec![Phase {
                protocol: "balance-gait-older",
                from_days_ago: 60,
                to_days_ago: 0,
                weekdays: &[Tue, Thu, Fri],
                minutes: 50,
                reps: (60, 120),
                goal: "no falls; walk to the shop with a stick",
            }],
            series: vec![
                Series {
                    instrument: "bbs",
                    first: 38.0,
                    last: 41.0,
                    from_days_ago: 62,
                    to_days_ago: 5,
                    every: 30,
                    front_load: 0.0,
                },
                Series {
                    instrument: "tug_s",
                    first: 15.9,
                    last: 14.5,
                    from_days_ago: 62,
                    to_days_ago: 5,
                    every: 30,
                    front_load: 0.0,
                },
                Series {
                    instrument: "moca",
                    first: 25.0,
                    last: 25.0,
                    from_days_ago: 62,
                    to_days_ago: 5,
                    every: 45,
                    front_load: 0.0,
                },
            ],
        },
    ]
}

/// Load the demo patients that are not already in the database, in one transaction. Uses today's local date.
pub fn load(store: &mut Store) -> Result<DemoReport> {
    load_at(store, chrono::Local::now().date_naive())
}

/// [`load`] with an explicit "today", for tests.
pub fn load_at(store: &mut Store, today: NaiveDate) -> Result<DemoReport> {
    store.write(|tx| {
        let mut rng = ChaCha8Rng::seed_from_u64(SEED);
        let mut report = DemoReport {
            added: Vec::new(),
            skipped: Vec::new(),
        };
        for case in cases(today) {
            let code = case.patient.code.clone();
            if tx.patient(&code).is_ok() {
                report.skipped.push(code);
                continue;
            }
            write_case(tx, &case, today, &mut rng)?;
            report.added.push(code);
        }
        Ok(report)
    })
}

fn write_case(tx: &mut Tx<'_>, case: &Case, today: NaiveDate, rng: &mut ChaCha8Rng) -> Result<()> {
    let code = &case.patient.code;
    tx.add_patient(&case.patient)?;
    for s in &case.series {
        let inst = crate::instruments::get(s.instrument)
            .map_err(|e| crate::store::StoreError::Invalid(e.to_string()))?;
        let span = (s.from_days_ago - s.to_days_ago).max(1) as f64;
        let mut days_ago = s.from_days_ago;
        while days_ago >= s.to_days_ago {
            let x = 1.0 - (days_ago - s.to_days_ago) as f64 / span;
            let shape = if s.front_load > 0.0 {
                (1.0 - (-s.front_load * x).exp()) / (1.0 - (-s.front_load).exp())
            } else {
                x
            };
            let noise = if days_ago == s.from_days_ago || days_ago == s.to_days_ago {
                0.0 // the first and latest scores are the case's stated figures
            } else {
                rng.random_range(-inst.sem..=inst.sem) * 0.7
            };
            let mut score = inst.clamp(s.first + (s.last - s.first) * shape + noise);
            score = if inst.integer {
                score.round()
            } else {
                (score * 10.0).round() / 10.0
            };
            tx.add_assessment(&Assessment {
                id: 0,
                patient_code: code.clone(),
                instrument: inst.id.into(),
                score,
                date: today - Duration::days(days_ago),
                assessor: Some("demo".into()),
                notes: String::new(),
                // The demo's Parkinson's patient is examined on their usual medication.
                med_state: inst.has_med_state().then_some(crate::domain::MedState::On),
            })?;
            // The last step is shortened so the series ends exactly on its latest day.
            days_ago = if days_ago > s.to_days_ago && days_ago - s.every < s.to_days_ago {
                s.to_days_ago
            } else {
                days_ago - s.every
            };
        }
    }
    for phase in &case.phases {
        tx.set_plan(&Plan {
            id: 0,
            patient_code: code.clone(),
            protocol_id: phase.protocol.into(),
            start_date: today - Duration::days(phase.from_days_ago),
            goal: phase.goal.into(),
            status: PlanStatus::Active,
            version: 0,
        })?;
        let slots = [(9, 0), (10, 30), (13, 0), (14, 30)];
        for days_ago in (phase.to_days_ago.max(1)..=phase.from_days_ago).rev() {
            let date = today - Duration::days(days_ago);
            if !phase.weekdays.contains(&date.weekday()) || rng.random_bool(0.06) {
                continue; // not a therapy day, or a missed session
            }
            let (h, m) = slots[rng.random_range(0..slots.len())];
            // One level up per week of the block, as a progression rule would suggest, up to level 6.
            let level = (1 + (phase.from_days_ago - days_ago) / 7).min(6) as u32;
            let reps = rng.random_range(phase.reps.0..=phase.reps.1);
            tx.add_session(&SessionLog {
                id: 0,
                patient_code: code.clone(),
                started_at: date
                    .and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)),
                protocol_id: phase.protocol.into(),
                minutes: phase.minutes,
                repetitions: reps,
                level: Some(level),
                success_rate: Some((rng.random_range(0.55..0.85_f64) * 100.0).round() / 100.0),
                rpe: Some(rng.random_range(3..=7)),
                notes: String::new(),
                clinician: Some("demo".into()),
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(today: NaiveDate) -> (tempfile::TempDir, Store, DemoReport) {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("demo.db")).unwrap();
        let report = load_at(&mut store, today).unwrap();
        (dir, store, report)
    }

    #[test]
    fn six_cases_with_months_of_data_and_an_active_plan() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let (_dir, store, report) = loaded(today);
        assert_eq!(report.added, CODES);
        for code in CODES {
            let a = store.assessments(code).unwrap();
            let s = store.sessions(code, None).unwrap();
            assert!(a.len() >= 4, "{code}: {} assessments", a.len());
            assert!(s.len() >= 20, "{code}: {} sessions", s.len());
            let first = a
                .first()
                .unwrap()
                .date
                .min(s.last().unwrap().started_at.date());
            assert!(
                (today - first).num_days() >= 55,
                "{code}: history starts {first}"
            );
            assert!(a.iter().all(|x| x.date <= today));
            assert!(s.iter().all(|x| x.started_at.date() < today));
            assert!(
                store.active_plan(code).unwrap().is_some(),
                "{code} has an active plan"
            );
        }
        // The cases' stated figures.
        let latest = |code: &str, inst: &str| {
            crate::app::patients::latest_scores(&store.assessments(code).unwrap())
                .into_iter()
                .find(|a| a.instrument == inst)
                .unwrap()
                .score
        };
        let first = |code: &str, inst: &str| {
            store
                .assessments(code)
                .unwrap()
                .into_iter()
                .find(|a| a.instrument == inst)
                .unwrap()
        };
        let p107 = first("P-0107", "fma_ue");
        assert_eq!(p107.score, 24.0);
        let Condition::Stroke(f) = store.patient("P-0107").unwrap().condition else {
            panic!()
        };
        assert_eq!(
            (p107.date - f.onset_date.unwrap()).num_days(),
            3,
            "FMA-UE 24 at day 3"
        );
        assert!(
            latest("P-0107", "fma_ue") > 35.0,
            "subacute stroke improves"
        );
        assert_eq!(
            (latest("P-0011", "fma_ue"), latest("P-0011", "arat")),
            (38.0, 21.0)
        );
        assert_eq!(
            (latest("P-0044", "mds_updrs_iii"), latest("P-0044", "tug_s")),
            (31.0, 11.8)
        );
        assert_eq!(latest("P-0052", "sara"), 14.0);
        assert_eq!(
            (
                latest("P-0090", "bbs"),
                latest("P-0090", "tug_s"),
                latest("P-0090", "moca")
            ),
            (41.0, 14.5, 25.0)
        );
        assert_eq!(store.patient("P-0090").unwrap().age_in(2026), 81);
        assert_eq!(
            store.active_plan("P-0044").unwrap().unwrap().protocol_id,
            "lsvt-big"
        );
    }

    #[test]
    fn deterministic_and_never_duplicated() {
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let (_d1, mut s1, _) = loaded(today);
        let (_d2, s2, _) = loaded(today);
        assert_eq!(s1.history("P-0107").unwrap(), s2.history("P-0107").unwrap());
        let before = s1.counts().unwrap();
        let again = load_at(&mut s1, today).unwrap();
        assert!(again.added.is_empty());
        assert_eq!(again.skipped, CODES);
        assert_eq!(s1.counts().unwrap(), before);
    }

    #[test]
    fn protocol_ids_are_from_the_library() {
        let lib = crate::app::protocols::Library::builtin();
        for case in cases(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()) {
            for p in case.phases {
                assert!(
                    lib.get(p.protocol).is_some(),
                    "{} is not in the library",
                    p.protocol
                );
            }
        }
    }
}
