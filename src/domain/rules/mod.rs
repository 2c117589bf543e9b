//! The one set of rules every entry point applies: the store (last line of defence, inside the write transaction),
//! the command line, CSV import and the TUI forms (inline, as the therapist types). Pure functions: no I/O, no clock
//! (`today` and `now` come in through [`Context`]), so each front end and the store give the same answer and the
//! same words for the same value.
//!
//! Two kinds of finding:
//! - a [`RuleError`] refuses the record: the value cannot be right (a date after now, a stage the scale does not
//!   have, a level the protocol does not have, more repetitions than a person can make);
//! - a [`Warning`] asks first: the value can be right but often is a slip (the same score entered twice, a change
//!   far beyond measurement error within days). The TUI asks for a second Ctrl-S; the command line and import
//!   want `--force`.

use std::collections::BTreeMap;

use chrono::{Datelike as _, NaiveDate, NaiveDateTime};

use super::{Assessment, Condition, Patient, Plan, SessionLog};
use crate::instruments::{self, Instrument, Population, Shown};

/// A refused value: the field it is in (as the command line and the forms name it) and why, in words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RuleError {
    /// The field, e.g. `date`, `score`, `level`, `protocol`, `code`, `birth_year`, `hoehn_yahr`.
    pub field: &'static str,
    /// The whole message; it names the field in words (e.g. "date 2027-01-02 is in the future (today is ...)").
    pub message: String,
}

fn refuse<T>(field: &'static str, message: String) -> Result<T, RuleError> {
    Err(RuleError { field, message })
}

/// The protocol library as the rules need it: each protocol's id and its highest progression level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Protocols {
    max_level: BTreeMap<String, u32>,
}

impl Protocols {
    pub fn new(levels: impl IntoIterator<Item = (String, u32)>) -> Protocols {
        Protocols {
            max_level: levels.into_iter().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.max_level.is_empty()
    }

    /// The highest level of protocol `id`, when the library has it.
    pub fn max_level(&self, id: &str) -> Option<u32> {
        self.max_level.get(id).copied()
    }

    /// The protocol's highest level, or "unknown protocol ..." naming the known ones.
    pub fn check(&self, id: &str) -> Result<u32, RuleError> {
        match self.max_level(id) {
            Some(m) => Ok(m),
            None => {
                let known: Vec<&str> = self.max_level.keys().map(String::as_str).collect();
                refuse(
                    "protocol",
                    format!(
                        "unknown protocol {id:?}; known protocols: {} (`praxis protocols list` shows them)",
                        known.join(", ")
                    ),
                )
            }
        }
    }
}

/// What a record is checked against. `patient`: the patient it belongs to (birth year, stroke onset), when known;
/// `protocols`: the library, when loaded (without it only a protocol id's spelling is checked).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub today: NaiveDate,
    pub now: NaiveDateTime,
    pub patient: Option<&'a Patient>,
    pub protocols: Option<&'a Protocols>,
}

impl<'a> Context<'a> {
    /// A context at `now` with no patient and no library.
    pub fn at(now: NaiveDateTime) -> Context<'a> {
        Context {
            today: now.date(),
            now,
            patient: None,
            protocols: None,
        }
    }

    pub fn with_patient(self, patient: Option<&'a Patient>) -> Context<'a> {
        Context { patient, ..self }
    }

    pub fn with_protocols(self, protocols: Option<&'a Protocols>) -> Context<'a> {
        Context {
            protocols: protocols.filter(|p| !p.is_empty()),
            ..self
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Bounds, each in one place with its reason.

/// The earliest birth year accepted. The oldest verified person was born in 1875; a patient born before 1900 would
/// be over 125, so an earlier year is a typing slip.
pub const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// How far back an assessment, session or plan may be dated. Praxis plans current rehabilitation and fits its
/// forecasts to the patient's recent course; a rehabilitation record more than 20 years old predates electronic
/// rehabilitation records in most clinics and is far more likely a mistyped year (1990 for 2019) than history,
/// and one such record would anchor every forecast of that patient. Historical data can still be kept in notes.
pub const MAX_RECORD_AGE_YEARS: i32 = 20;

/// How far ahead a plan may start: plans are scheduled, not back-dated, but a start more than a year ahead is a
/// mistyped year.
pub const MAX_PLAN_LEAD_DAYS: i64 = 366;

/// Repetitions per minute of therapy, averaged over a session, that nobody exceeds: one repetition every second,
/// without rest, for the whole session. The densest protocol in the library asks for 5 a minute
/// (task-specific-300: 300 in an hour; Birkenmeier 2010 observed a mean of 322 per one-hour session), and healthy
/// adults moving blocks as fast as they can manage about 75-80 a minute for one minute only (Box and Block Test
/// norms, Mathiowetz 1985 Am J Occup Ther 39:386), so 60 a minute sustained is beyond any patient.
pub const MAX_REPS_PER_MINUTE: u32 = 60;

/// Minutes of one session: 1 to 600 (10 hours: CIMT's 6 hours a day with margin).
pub const SESSION_MINUTES: (u32, u32) = (1, 600);

/// Stages of the modified Hoehn & Yahr scale (Goetz 2004 Mov Disord 19:1020): 0 (no signs of disease), 1, 1.5, 2,
/// 2.5, 3, 4, 5. There is no 3.5 or 4.5, and nothing between the half stages.
pub const HOEHN_YAHR_STAGES: [f64; 8] = [0.0, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0];

/// The fastest a timed test can be done, in seconds: a faster time is a slip (e.g. a dropped digit). Each figure is
/// below the fastest healthy young adults reported. (The 10-metre walk is recorded as a speed in m/s; its bound is
/// the instrument's range, at most 3 m/s = 10 m in 3.3 s, beyond the 1.9-2.5 m/s maximal speed of healthy adults in
/// Bohannon 1997 Age Ageing 26:15.)
pub const FASTEST: [(&str, f64, &str); 2] = [
    (
        "tug_s",
        3.0,
        "Timed Up and Go: healthy adults in their twenties take about 5-8 s (Bohannon 2006 J Geriatr Phys Ther \
         29:64, norms 8.1 s at 60-69); standing up, walking 3 m, turning, walking back and sitting down takes more \
         than 3 s even at a sprint",
    ),
    (
        "nhpt_s",
        8.0,
        "Nine-Hole Peg Test: the fastest healthy young adults take 12-16 s (Mathiowetz 1985 Occup Ther J Res 5:24; \
         Oxford Grice 2003 Am J Occup Ther 57:570); 18 placements in under 8 s is less than half a second each",
    ),
];

/// The multiple of an instrument's minimal detectable change that, within [`JUMP_WITHIN_DAYS`], is asked about.
/// MDC95 = 1.96 x sqrt(2) x SEM (Haley & Fragala-Pinkham 2006 Phys Ther 86:735) is the change that measurement error
/// alone exceeds 5% of the time; three times that within a week is faster than recovery moves, and most often a
/// score on the wrong instrument, the wrong patient or a typing slip. A judgement, not a published threshold.
pub const JUMP_MDC_MULTIPLE: f64 = 3.0;
/// See [`JUMP_MDC_MULTIPLE`].
pub const JUMP_WITHIN_DAYS: i64 = 7;

/// The minimal detectable change (95%) of an instrument from its SEM.
pub fn mdc95(inst: &Instrument) -> f64 {
    mdc95_in(inst, None)
}

/// [`mdc95`] from the SEM measured in `population` (None: the instrument's default row).
pub fn mdc95_in(inst: &Instrument, population: Option<Population>) -> f64 {
    1.96 * std::f64::consts::SQRT_2 * population.map_or(inst.sem, |p| inst.sem_in(p))
}

mod assessment;
mod dates;
mod goal;
mod patient;
mod plan;
mod session;

pub use assessment::*;
pub use dates::*;
pub use goal::*;
pub use patient::*;
pub use plan::*;
pub use session::*;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ParkinsonsFacts, StrokeFacts};

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn stroke(onset: &str) -> Patient {
        Patient {
            id: 1,
            code: "P-0001".into(),
            name: None,
            birth_year: 1950,
            sex: None,
            dominant_hand: None,
            affected_side: None,
            condition: Condition::Stroke(StrokeFacts {
                onset_date: Some(day(onset)),
                ..Default::default()
            }),
            notes: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
            version: 1,
        }
    }

    fn assessment(inst: &str, score: f64, date: &str) -> Assessment {
        Assessment {
            id: 0,
            patient_code: "P-0001".into(),
            instrument: inst.into(),
            score,
            date: day(date),
            assessor: None,
            notes: String::new(),
            med_state: None,
        }
    }

    fn session(when: &str, protocol: &str, minutes: u32, reps: u32, level: u32) -> SessionLog {
        SessionLog {
            id: 0,
            patient_code: "P-0001".into(),
            started_at: at(when),
            protocol_id: protocol.into(),
            minutes,
            repetitions: reps,
            level: Some(level),
            success_rate: None,
            rpe: None,
            notes: String::new(),
            clinician: None,
        }
    }

    #[test]
    fn dates_are_bounded_by_birth_onset_now_and_twenty_years() {
        let p = stroke("2026-03-01");
        let ctx = Context::at(at("2026-11-20 14:30")).with_patient(Some(&p));
        let field =
            |d: &str| check_assessment(&assessment("fma_ue", 30.0, d), &ctx).map_err(|e| e.field);
        assert_eq!(field("2026-11-20"), Ok(()));
        assert_eq!(field("2026-11-21"), Err("date"));
        assert_eq!(field("2026-02-28"), Err("date"), "before the onset");
        let e = check_assessment(&assessment("fma_ue", 30.0, "1990-01-01"), &ctx).unwrap_err();
        assert!(
            e.message
                .contains("before P-0001's stroke onset 2026-03-01"),
            "{e}"
        );
        // Without the onset, 1990 is after birth but more than 20 years ago.
        let mut q = p.clone();
        q.condition = Condition::Parkinsons(ParkinsonsFacts::default());
        let ctx = ctx.with_patient(Some(&q));
        let e = check_assessment(&assessment("fma_ue", 30.0, "1990-01-01"), &ctx).unwrap_err();
        assert!(e.message.contains("more than 20 years ago"), "{e}");
        assert!(check_assessment(&assessment("fma_ue", 30.0, "2006-11-20"), &ctx).is_ok());
        assert!(check_assessment(&assessment("fma_ue", 30.0, "2006-11-19"), &ctx).is_err());
    }

    #[test]
    fn a_session_later_today_is_in_the_future() {
        let ctx = Context::at(at("2026-11-20 14:30"));
        let e = check_session(&session("2026-11-20 15:00", "cimt", 45, 100, 1), &ctx).unwrap_err();
        assert_eq!(e.field, "date");
        assert!(e.message.contains("later than now (14:30)"), "{e}");
        assert!(check_session(&session("2026-11-20 14:30", "cimt", 45, 100, 1), &ctx).is_ok());
    }

    #[test]
    fn levels_follow_the_protocol_and_unknown_protocols_are_refused() {
        let lib = Protocols::new([("cimt".to_string(), 10)]);
        let ctx = Context::at(at("2026-11-20 14:30")).with_protocols(Some(&lib));
        let s = |p: &str, l| check_session(&session("2026-11-20 09:00", p, 45, 100, l), &ctx);
        assert!(s("cimt", 10).is_ok());
        let e = s("cimt", 11).unwrap_err();
        assert_eq!(e.field, "level");
        assert!(
            e.message.contains("10 is cimt's highest level; got 11"),
            "{e}"
        );
        assert_eq!(s("cimt", 0).unwrap_err().field, "level");
        let e = s("usual-cares", 1).unwrap_err();
        assert_eq!(e.field, "protocol");
        assert!(
            e.message.starts_with("unknown protocol \"usual-cares\""),
            "{e}"
        );
    }

    #[test]
    fn repetitions_per_minute_have_a_ceiling() {
        assert!(check_repetitions(600, 10).is_ok());
        let e = check_repetitions(601, 10).unwrap_err();
        assert_eq!(e.field, "repetitions");
        // Every protocol of the library stays far below it.
        assert!(check_repetitions(600, 120).is_ok());
    }

    #[test]
    fn hoehn_yahr_takes_the_stages_of_the_modified_scale() {
        assert!(check_score("hoehn_yahr", 2.5).is_ok());
        assert!(check_score("hoehn_yahr", 0.0).is_ok());
        for bad in [2.2, 3.5, 4.5] {
            let e = check_score("hoehn_yahr", bad).unwrap_err();
            assert_eq!(e.field, "score", "{bad}");
        }
        assert_eq!(
            check_hoehn_yahr("hoehn_yahr", 2.2).unwrap_err().field,
            "hoehn_yahr"
        );
    }

    #[test]
    fn timed_tests_have_a_physical_minimum() {
        let e = check_score("tug_s", 1.2).unwrap_err();
        assert!(e.message.contains("faster than anyone"), "{e}");
        assert!(check_score("tug_s", 3.0).is_ok());
        assert!(check_score("nhpt_s", 7.9).is_err());
        assert!(check_score("nhpt_s", 18.0).is_ok());
    }

    #[test]
    fn codes_differing_only_in_case_are_refused() {
        let e = check_new_code("p-0001", Some("P-0001")).unwrap_err();
        assert_eq!(e.field, "code");
        assert!(e.message.contains("only in upper/lower case"), "{e}");
        assert!(
            check_new_code("P-0001", Some("P-0001"))
                .unwrap_err()
                .message
                .contains("already exists")
        );
        assert!(check_new_code("P-0002", None).is_ok());
    }

    #[test]
    fn duplicates_and_jumps_beyond_the_mdc_are_warned_about() {
        let earlier = [assessment("fma_ue", 20.0, "2026-11-10")];
        assert_eq!(
            assessment_warnings(&assessment("fma_ue", 30.0, "2026-11-12"), &earlier),
            []
        );
        let w = assessment_warnings(&assessment("fma_ue", 20.0, "2026-11-10"), &earlier);
        assert!(
            matches!(w.as_slice(), [Warning::SameDayDuplicate { .. }]),
            "{w:?}"
        );
        // FMA-UE: SEM 2, MDC95 5.54, three times 16.6: +17 within a week is asked about, not after a week.
        let w = assessment_warnings(&assessment("fma_ue", 37.0, "2026-11-15"), &earlier);
        assert!(matches!(w.as_slice(), [Warning::Jump { .. }]), "{w:?}");
        assert!(
            warnings_text(&w).contains("FMA-UE 37 is 17 from 20 on 2026-11-10"),
            "{}",
            warnings_text(&w)
        );
        assert_eq!(
            assessment_warnings(&assessment("fma_ue", 37.0, "2026-11-18"), &earlier),
            []
        );
    }

    /// QA 18: the jump check reads a Timed Up and Go with the MDC of the patient's group: 10 s within two days is
    /// more than 3 x the MDC95 after a stroke (SEM 1.14 s, Alghadir 2018: 9.5 s) but not in Parkinson's disease
    /// (SEM 1.26 s, Huang 2011: 10.5 s); 7 s is asked about in an older adult (SEM 0.75 s, Donoghue 2019: 6.2 s) only.
    #[test]
    fn the_jump_check_uses_the_mdc_of_the_patients_group() {
        let mut pd = stroke("2020-01-01");
        pd.condition = Condition::Parkinsons(ParkinsonsFacts::default());
        let mut older = stroke("2020-01-01");
        older.condition = Condition::OlderAdult(crate::domain::OlderAdultFacts::default());
        let stroke = stroke("2020-01-01");
        let earlier = [assessment("tug_s", 20.0, "2026-11-10")];
        let ten = assessment("tug_s", 10.0, "2026-11-12");
        let w = assessment_warnings_of(&ten, &earlier, Some(&stroke));
        assert!(matches!(w.as_slice(), [Warning::Jump { .. }]), "{w:?}");
        assert!(
            warnings_text(&w).contains("minimal detectable change (3.16)"),
            "{}",
            warnings_text(&w)
        );
        assert_eq!(assessment_warnings_of(&ten, &earlier, Some(&pd)), []);
        let eleven = assessment("tug_s", 9.0, "2026-11-12");
        let w = assessment_warnings_of(&eleven, &earlier, Some(&pd));
        assert!(
            warnings_text(&w).contains("minimal detectable change (3.49)"),
            "{}",
            warnings_text(&w)
        );
        let seven = assessment("tug_s", 13.0, "2026-11-12");
        assert_eq!(assessment_warnings_of(&seven, &earlier, Some(&stroke)), []);
        let w = assessment_warnings_of(&seven, &earlier, Some(&older));
        assert!(matches!(w.as_slice(), [Warning::Jump { .. }]), "{w:?}");
        // Without the patient: the instrument's default row (a stroke study), as before.
        assert_eq!(
            assessment_warnings(&ten, &earlier),
            assessment_warnings_of(&ten, &earlier, Some(&stroke))
        );
    }
}
