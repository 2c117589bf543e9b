//! Creating and editing patients from a form of optional fields (the command line's options, the TUI's form), and
//! the list's attention flags.

use chrono::NaiveDate;
use serde::Serialize;

use crate::app::error::{AppError, Result};
use crate::domain::*;
use crate::store::{PatientRow, Store};

/// The fields a therapist may give when adding or editing a patient. `None` means "not given" (keep on edit).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PatientFields {
    /// Name (optional; the code is what identifies the patient). An empty name removes it.
    pub name: Option<String>,
    pub sex: Option<Sex>,
    /// Dominant hand.
    pub hand: Option<Hand>,
    pub affected_side: Option<Side>,
    /// Stroke: date of onset (YYYY-MM-DD).
    pub onset: Option<NaiveDate>,
    /// Stroke: ischaemic or haemorrhagic.
    pub stroke_type: Option<StrokeType>,
    /// Stroke: corticospinal tract status.
    pub corticospinal: Option<Corticospinal>,
    /// Stroke: motor-evoked potential to TMS in the affected arm.
    pub mep: Option<Mep>,
    /// Stroke: NIH Stroke Scale, 0-42.
    pub nihss: Option<u8>,
    /// Stroke: active wrist (>= 20 degrees) and finger (>= 10 degrees) extension (EXCITE's entry criteria).
    pub active_extension: Option<crate::domain::ActiveExtension>,
    /// Parkinson's: year of diagnosis.
    pub diagnosis_year: Option<i32>,
    /// Parkinson's: Hoehn & Yahr stage on the modified scale: 0, 1, 1.5, 2, 2.5, 3, 4 or 5.
    pub hoehn_yahr: Option<f64>,
    /// Parkinson's: medication state.
    pub medication: Option<Medication>,
    /// Cerebellar ataxia: type, e.g. SCA3, Friedreich, MSA-C.
    pub ataxia_type: Option<String>,
    /// Older adult: falls in the last year.
    pub falls: Option<u32>,
    pub notes: Option<String>,
}

impl PatientFields {
    /// The condition facts given, each with its option name and the condition it belongs to.
    fn facts_given(&self) -> Vec<(&'static str, ConditionKind)> {
        use ConditionKind::*;
        let mut v = Vec::new();
        let mut push = |given: bool, name, kind| {
            if given {
                v.push((name, kind));
            }
        };
        push(self.onset.is_some(), "--onset", Stroke);
        push(self.stroke_type.is_some(), "--stroke-type", Stroke);
        push(self.corticospinal.is_some(), "--corticospinal", Stroke);
        push(self.mep.is_some(), "--mep", Stroke);
        push(self.nihss.is_some(), "--nihss", Stroke);
        push(
            self.active_extension.is_some(),
            "--active-extension",
            Stroke,
        );
        push(
            self.diagnosis_year.is_some(),
            "--diagnosis-year",
            Parkinsons,
        );
        push(self.hoehn_yahr.is_some(), "--hoehn-yahr", Parkinsons);
        push(self.medication.is_some(), "--medication", Parkinsons);
        push(
            self.ataxia_type.is_some(),
            "--ataxia-type",
            CerebellarAtaxia,
        );
        push(self.falls.is_some(), "--falls", OlderAdult);
        v
    }
}

/// The empty facts of a condition.
pub fn empty_condition(kind: ConditionKind) -> Condition {
    match kind {
        ConditionKind::Stroke => Condition::Stroke(StrokeFacts::default()),
        ConditionKind::Parkinsons => Condition::Parkinsons(ParkinsonsFacts::default()),
        ConditionKind::CerebellarAtaxia => Condition::CerebellarAtaxia(AtaxiaFacts::default()),
        ConditionKind::OlderAdult => Condition::OlderAdult(OlderAdultFacts::default()),
    }
}

/// A new patient from the form. Facts that do not belong to `kind` are refused with a message naming them.
pub fn new_patient(
    code: &str,
    birth_year: i32,
    kind: ConditionKind,
    f: &PatientFields,
) -> Result<Patient> {
    let mut p = Patient {
        id: 0,
        code: code.trim().to_string(),
        name: None,
        birth_year,
        sex: None,
        dominant_hand: None,
        affected_side: None,
        condition: empty_condition(kind),
        notes: String::new(),
        created_at: String::new(),
        updated_at: String::new(),
        version: 0,
    };
    apply(&mut p, None, None, f)?;
    Ok(p)
}

/// Apply an edit to `p`. Changing the condition starts from empty facts for the new one.
pub fn apply(
    p: &mut Patient,
    birth_year: Option<i32>,
    kind: Option<ConditionKind>,
    f: &PatientFields,
) -> Result<()> {
    let kind = kind.unwrap_or(p.condition.kind());
    let wrong: Vec<String> = f
        .facts_given()
        .into_iter()
        .filter(|(_, k)| *k != kind)
        .map(|(name, k)| format!("{name} is a fact of {}", k.label()))
        .collect();
    if !wrong.is_empty() {
        return Err(AppError::Invalid(format!(
            "{}; this patient's condition is {}",
            wrong.join(", "),
            kind.label()
        )));
    }
    if kind != p.condition.kind() {
        p.condition = empty_condition(kind);
    }
    if let Some(y) = birth_year {
        p.birth_year = y;
    }
    if let Some(n) = &f.name {
        let n = n.trim();
        p.name = (!n.is_empty()).then(|| n.to_string());
    }
    if f.sex.is_some() {
        p.sex = f.sex;
    }
    if f.hand.is_some() {
        p.dominant_hand = f.hand;
    }
    if f.affected_side.is_some() {
        p.affected_side = f.affected_side;
    }
    if let Some(n) = &f.notes {
        p.notes = n.clone();
    }
    match &mut p.condition {
        Condition::Stroke(s) => {
            s.onset_date = f.onset.or(s.onset_date);
            s.stroke_type = f.stroke_type.or(s.stroke_type);
            s.corticospinal = f.corticospinal.or(s.corticospinal);
            s.mep = f.mep.or(s.mep);
            s.nihss = f.nihss.or(s.nihss);
            s.active_extension = f.active_extension.or(s.active_extension);
        }
        Condition::Parkinsons(pd) => {
            pd.diagnosis_year = f.diagnosis_year.or(pd.diagnosis_year);
            pd.hoehn_yahr = f.hoehn_yahr.or(pd.hoehn_yahr);
            pd.medication = f.medication.or(pd.medication);
        }
        Condition::CerebellarAtaxia(a) => {
            if let Some(t) = &f.ataxia_type {
                a.ataxia_type = (!t.trim().is_empty()).then(|| t.trim().to_string());
            }
        }
        Condition::OlderAdult(o) => {
            o.falls_last_year = f.falls.or(o.falls_last_year);
        }
    }
    Ok(())
}

/// Save an edited patient if nobody saved it since `p.version` was read; else
/// [`AppError::PatientConflict`] with both versions.
pub fn update(store: &mut Store, p: &Patient) -> Result<Patient> {
    Ok(store.update_patient(p)?)
}

/// Save an edited plan (start date, goal, status) if nobody saved it since `plan.version` was read; else
/// [`AppError::PlanConflict`] with both versions.
pub fn update_plan(store: &mut Store, plan: &Plan) -> Result<Plan> {
    Ok(store.update_plan(plan)?)
}

/// Days without a reassessment after which the list flags a patient.
pub const REASSESS_AFTER_DAYS: i64 = 28;
/// Days without a session after which the list flags a patient with an active plan.
pub const NO_SESSION_DAYS: i64 = 14;

/// A plan ending within this many days is flagged.
pub const PLAN_ENDING_DAYS: i64 = 7;

/// Why a patient needs attention, shown in the lists of the command line and the TUI. Each has a symbol and
/// words: never colour alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// No assessment in the last four weeks (or none at all).
    ReassessmentDue,
    /// An active plan but no session in two weeks.
    NoRecentSession,
    /// The active plan ends within a week ([`PLAN_ENDING_DAYS`]) or has run its course, its sessions (nearly) all
    /// done: time to reassess and plan the next block.
    PlanEnding,
    /// The active plan's weeks end within a week or have ended, but more than a week of its sessions is still to do
    /// (the patient fell behind its schedule): not the end of the block yet (QA 19). Never with [`Flag::PlanEnding`].
    SessionsLeft,
}

impl Flag {
    /// Every flag, in the order the lists show them.
    pub const ALL: [Flag; 4] = [
        Flag::ReassessmentDue,
        Flag::NoRecentSession,
        Flag::PlanEnding,
        Flag::SessionsLeft,
    ];

    /// The word of the command line's list.
    pub fn label(self) -> &'static str {
        match self {
            Flag::ReassessmentDue => "reassess",
            Flag::NoRecentSession => "no session",
            Flag::PlanEnding => "plan ending",
            Flag::SessionsLeft => "sessions left",
        }
    }
    /// The letter of the TUI's list.
    pub fn symbol(self) -> char {
        match self {
            Flag::ReassessmentDue => 'R',
            Flag::NoRecentSession => 'S',
            Flag::PlanEnding => 'E',
            Flag::SessionsLeft => 'L',
        }
    }
    /// What the flag means, in the TUI's detail pane.
    pub fn words(self) -> &'static str {
        match self {
            Flag::ReassessmentDue => "reassessment due (none in 4 weeks)",
            Flag::NoRecentSession => "no session logged in 2 weeks",
            Flag::PlanEnding => {
                "plan ends within a week, or has run its course: reassess, then continue, progress or change \
                 the protocol"
            }
            Flag::SessionsLeft => {
                "sessions left as the plan's weeks end, more than a week of them: behind schedule; continue the \
                 plan, or reassess and change it"
            }
        }
    }
    /// [`Flag::words`] with how many sessions are left of how many, when counted (the TUI's detail pane).
    pub fn words_with(self, left: Option<(u32, u32)>) -> String {
        match (self, left) {
            (Flag::SessionsLeft, Some((n, of))) => format!("{n} of {of} {}", self.words()),
            _ => self.words().to_string(),
        }
    }
    /// The words of the command line's list: [`Flag::label`], and for [`Flag::SessionsLeft`] how many, when
    /// counted ("16 sessions left"; the list's column is narrow).
    pub fn text(self, left: Option<u32>) -> String {
        match (self, left) {
            (Flag::SessionsLeft, Some(n)) => format!("{n} sessions left"),
            _ => self.label().to_string(),
        }
    }
}

/// The places of the lists' flag letters, one flag each: "plan ending" and "sessions left" never come together.
pub const FLAG_SLOTS: [&[Flag]; 3] = [
    &[Flag::ReassessmentDue],
    &[Flag::NoRecentSession],
    &[Flag::PlanEnding, Flag::SessionsLeft],
];

/// The flags as the lists' letters, one place each ([`FLAG_SLOTS`]), '·' for none: "R·L", "···".
pub fn flag_letters(flags: &[Flag]) -> String {
    FLAG_SLOTS
        .iter()
        .map(|slot| {
            slot.iter()
                .find(|fl| flags.contains(fl))
                .map_or('·', |fl| fl.symbol())
        })
        .collect()
}

/// What the list's flags need of the active plan's protocol: its weeks and its sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlanTerms {
    pub weeks: u32,
    /// Sessions of the whole course.
    pub sessions: u32,
    /// Sessions of one treatment week.
    pub per_week: u32,
}

impl PlanTerms {
    pub fn of(s: &crate::model::protocol::Schedule) -> PlanTerms {
        PlanTerms {
            weeks: s.weeks,
            sessions: s.total_sessions(),
            per_week: s.days_per_week.clamp(1, 7) * s.sessions_per_day.max(1),
        }
    }
}

/// Days after a plan's weeks ended within which its sessions left still tell "sessions left" from "plan ending": a
/// plan whose weeks ended longer ago has run its course whatever was done (reassess; the patient may have stopped
/// coming). The lists count a plan's sessions only from a week before its end to this long after it, so a clinic's
/// old plans cost no reading.
pub const SESSIONS_LEFT_DAYS: i64 = 28;

/// The day after the active plan's last week, when it has one on a protocol of `weeks` weeks.
fn plan_end<P>(row: &PatientRow<P>, weeks: Option<u32>) -> Option<NaiveDate> {
    let (Some(start), Some(weeks), Some(_)) = (row.plan_start, weeks, &row.plan_protocol) else {
        return None;
    };
    Some(start + chrono::Duration::weeks(i64::from(weeks)))
}

/// The active plan's weeks end within [`PLAN_ENDING_DAYS`] of `today` or have ended: flagged "plan ending" or
/// "sessions left".
pub fn weeks_ending<P>(row: &PatientRow<P>, today: NaiveDate, weeks: Option<u32>) -> bool {
    plan_end(row, weeks).is_some_and(|end| (end - today).num_days() <= PLAN_ENDING_DAYS)
}

/// The plan's sessions done decide its flag ("plan ending" or "sessions left"): its weeks are ending, and ended at
/// most [`SESSIONS_LEFT_DAYS`] ago. The lists count them for these rows only.
pub fn counts_sessions<P>(row: &PatientRow<P>, today: NaiveDate, weeks: Option<u32>) -> bool {
    plan_end(row, weeks).is_some_and(|end| {
        (-SESSIONS_LEFT_DAYS..=PLAN_ENDING_DAYS).contains(&(end - today).num_days())
    })
}

/// The sessions of a plan on `protocol` since `start` among `sessions` (current records): its sessions done.
pub fn plan_sessions_done(sessions: &[SessionLog], protocol: &str, start: NaiveDate) -> u32 {
    let n = sessions
        .iter()
        .filter(|s| s.protocol_id == protocol && s.started_at.date() >= start)
        .count();
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The flags of one list row on `today`. `plan` is the active plan's protocol, when known (a protocol the library
/// dropped has none, and no "plan ending"); `done`, the plan's sessions done ([`plan_sessions_done`]), when
/// counted. When the plan's weeks are ending ([`weeks_ending`]), more than a week of sessions still to do makes it
/// [`Flag::SessionsLeft`] (up to [`SESSIONS_LEFT_DAYS`] after they ended: [`counts_sessions`]), else
/// [`Flag::PlanEnding`] (also when `done` was not counted, as before QA 19).
pub fn flags<P>(
    row: &PatientRow<P>,
    today: NaiveDate,
    plan: Option<PlanTerms>,
    done: Option<u32>,
) -> Vec<Flag> {
    let mut out = Vec::new();
    if row
        .last_assessment
        .is_none_or(|d| (today - d).num_days() > REASSESS_AFTER_DAYS)
    {
        out.push(Flag::ReassessmentDue);
    }
    // Counted from the last session or, before the first one, from the plan's start: a plan set today is not late.
    let since = row.last_session.map(|d| d.date()).or(row.plan_start);
    if row.plan_protocol.is_some() && since.is_none_or(|d| (today - d).num_days() > NO_SESSION_DAYS)
    {
        out.push(Flag::NoRecentSession);
    }
    if let Some(terms) = plan
        && weeks_ending(row, today, Some(terms.weeks))
    {
        let behind = counts_sessions(row, today, Some(terms.weeks))
            && done.is_some_and(|d| terms.sessions.saturating_sub(d) > terms.per_week);
        out.push(if behind {
            Flag::SessionsLeft
        } else {
            Flag::PlanEnding
        });
    }
    out
}

/// A list row's flags, and its plan's sessions left of its course's, (left, of), when they were counted.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RowFlags {
    pub flags: Vec<Flag>,
    pub left: Option<(u32, u32)>,
}

impl RowFlags {
    /// [`flags`], with the sessions left when `done` was counted.
    pub fn of<P>(
        row: &PatientRow<P>,
        today: NaiveDate,
        plan: Option<PlanTerms>,
        done: Option<u32>,
    ) -> RowFlags {
        RowFlags {
            flags: flags(row, today, plan, done),
            left: plan
                .zip(done)
                .map(|(t, d)| (t.sessions.saturating_sub(d), t.sessions)),
        }
    }
}

/// The flags of one list row with the store at hand (the command line): [`RowFlags::of`], the plan's sessions
/// counted for a plan whose weeks are ending (one read of the patient's sessions, for those rows only).
pub fn row_flags<P>(
    store: &Store,
    lib: &crate::app::protocols::Library,
    row: &PatientRow<P>,
    code: &str,
    today: NaiveDate,
) -> Result<RowFlags> {
    let plan = row
        .plan_protocol
        .as_deref()
        .and_then(|id| lib.get(id))
        .map(|p| PlanTerms::of(&p.schedule));
    let done = match (plan, &row.plan_protocol, row.plan_start) {
        (Some(terms), Some(protocol), Some(start))
            if counts_sessions(row, today, Some(terms.weeks)) =>
        {
            Some(plan_sessions_done(
                &store.sessions(code, None)?,
                protocol,
                start,
            ))
        }
        _ => None,
    };
    Ok(RowFlags::of(row, today, plan, done))
}

/// The latest score per instrument, in the order instruments first appear in the patient's record.
pub fn latest_scores(assessments: &[Assessment]) -> Vec<Assessment> {
    let mut out: Vec<Assessment> = Vec::new();
    for a in assessments {
        match out.iter_mut().find(|x| x.instrument == a.instrument) {
            Some(x) if x.date <= a.date => *x = a.clone(),
            Some(_) => {}
            None => out.push(a.clone()),
        }
    }
    out
}

/// The code offered for a new patient: one past the highest `P-nnnn` code in use, `P-0001` when there is none
/// (codes of another shape do not count).
pub fn next_code<'a>(codes: impl IntoIterator<Item = &'a str>) -> String {
    let next = codes
        .into_iter()
        .filter_map(|c| c.strip_prefix("P-")?.parse::<u32>().ok())
        .max()
        .map_or(1, |n| n.saturating_add(1));
    format!("P-{next:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_code_follows_the_highest_numbered_one() {
        assert_eq!(next_code([]), "P-0001");
        assert_eq!(next_code(["P-0002", "P-0010", "P-0003"]), "P-0011");
        // Hand-made codes neither count nor stop the numbering.
        assert_eq!(next_code(["ward-7", "P-x", "P-0041"]), "P-0042");
        assert_eq!(next_code(["P-12345"]), "P-12346");
    }

    #[test]
    fn facts_of_another_condition_are_refused_by_name() {
        let f = PatientFields {
            hoehn_yahr: Some(2.0),
            falls: Some(1),
            ..Default::default()
        };
        let e = new_patient("P-1", 1950, ConditionKind::Stroke, &f).unwrap_err();
        assert!(matches!(e, AppError::Invalid(_)), "{e:?}");
        assert_eq!(
            e.to_string(),
            "--hoehn-yahr is a fact of Parkinson's disease, --falls is a fact of older adult; this patient's \
             condition is stroke"
        );
    }

    #[test]
    fn edit_keeps_what_is_not_given_and_resets_facts_on_a_new_condition() {
        let f = PatientFields {
            name: Some("Ada".into()),
            nihss: Some(9),
            mep: Some(Mep::Present),
            ..Default::default()
        };
        let mut p = new_patient("P-1", 1950, ConditionKind::Stroke, &f).unwrap();
        apply(
            &mut p,
            None,
            None,
            &PatientFields {
                nihss: Some(7),
                ..Default::default()
            },
        )
        .unwrap();
        let Condition::Stroke(s) = &p.condition else {
            panic!("still a stroke")
        };
        assert_eq!((s.nihss, s.mep), (Some(7), Some(Mep::Present)));
        assert_eq!(p.name.as_deref(), Some("Ada"));
        apply(
            &mut p,
            Some(1951),
            Some(ConditionKind::OlderAdult),
            &PatientFields {
                falls: Some(3),
                name: Some(" ".into()),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(
            p.condition,
            Condition::OlderAdult(OlderAdultFacts {
                falls_last_year: Some(3)
            })
        );
        assert_eq!((p.birth_year, p.name.clone()), (1951, None));
    }

    fn row(last_a: Option<NaiveDate>, last_s: Option<NaiveDate>, plan: bool) -> PatientRow {
        PatientRow {
            patient: new_patient(
                "P-1",
                1950,
                ConditionKind::Stroke,
                &PatientFields::default(),
            )
            .unwrap(),
            last_assessment: last_a,
            last_session: last_s.map(|d| d.and_hms_opt(9, 0, 0).unwrap()),
            plan_protocol: plan.then(|| "usual-care".into()),
            plan_start: None,
            n_assessments: 0,
            n_sessions: 0,
        }
    }

    #[test]
    fn flags_follow_the_thresholds() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let four = PlanTerms {
            weeks: 4,
            sessions: 20,
            per_week: 5,
        };
        let days_ago = |n| Some(today - chrono::Duration::days(n));
        assert_eq!(
            flags(&row(days_ago(28), days_ago(14), true), today, None, None),
            []
        );
        assert_eq!(
            flags(&row(days_ago(29), days_ago(15), true), today, None, None),
            [Flag::ReassessmentDue, Flag::NoRecentSession]
        );
        assert_eq!(flags(&row(days_ago(1), None, false), today, None, None), []);
        assert_eq!(
            flags(&row(None, None, true), today, None, None),
            [Flag::ReassessmentDue, Flag::NoRecentSession]
        );
        // Before the first session, the two weeks run from the plan's start.
        let started = |n| PatientRow {
            plan_start: days_ago(n),
            ..row(days_ago(1), None, true)
        };
        assert_eq!(flags(&started(0), today, None, None), []);
        assert_eq!(flags(&started(14), today, None, None), []);
        assert_eq!(
            flags(&started(15), today, None, None),
            [Flag::NoRecentSession]
        );
        // A 4-week plan started 20 days ago ends in 8 days: not yet; 21 days ago, in 7: "plan ending", which the
        // command line shows too.
        assert_eq!(flags(&started(14), today, Some(four), None), []);
        let ending = |n| PatientRow {
            last_session: Some(
                (today - chrono::Duration::days(1))
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
            ),
            ..started(n)
        };
        assert_eq!(flags(&ending(20), today, Some(four), None), []);
        assert_eq!(
            flags(&ending(21), today, Some(four), None),
            [Flag::PlanEnding]
        );
        assert_eq!(Flag::PlanEnding.label(), "plan ending");
    }

    /// QA 19: when the plan's weeks end, the sessions done say whether the block is ending (E, its sessions nearly
    /// all done) or the patient fell behind its schedule with more than a week of them to do (L).
    #[test]
    fn a_plan_ending_by_the_calendar_with_many_sessions_left_is_flagged_sessions_left() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let six = PlanTerms {
            weeks: 6,
            sessions: 30,
            per_week: 5,
        };
        // Started 38 days ago: its weeks end in 4 days; seen yesterday.
        let r = PatientRow {
            plan_start: Some(today - chrono::Duration::days(38)),
            ..row(
                Some(today - chrono::Duration::days(3)),
                Some(today - chrono::Duration::days(1)),
                true,
            )
        };
        let on = |done| flags(&r, today, Some(six), Some(done));
        // On schedule: 26 done, 4 left (less than a week's 5): ending, as before.
        assert_eq!(on(26), [Flag::PlanEnding]);
        assert_eq!(on(25), [Flag::PlanEnding]);
        // Behind: 6 or more left, e.g. 14 done and 16 left.
        assert_eq!(on(24), [Flag::SessionsLeft]);
        assert_eq!(on(14), [Flag::SessionsLeft]);
        // Not counted: the calendar alone, as before.
        assert_eq!(flags(&r, today, Some(six), None), [Flag::PlanEnding]);
        // Weeks that ended more than four weeks ago: the plan has run its course, whatever is left.
        let long_ago = PatientRow {
            plan_start: Some(today - chrono::Duration::days(42 + SESSIONS_LEFT_DAYS + 1)),
            ..r.clone()
        };
        assert!(!counts_sessions(&long_ago, today, Some(6)));
        assert_eq!(
            flags(&long_ago, today, Some(six), Some(0)),
            [Flag::PlanEnding]
        );
        let four_weeks_ago = PatientRow {
            plan_start: Some(today - chrono::Duration::days(42 + SESSIONS_LEFT_DAYS)),
            ..r.clone()
        };
        assert_eq!(
            flags(&four_weeks_ago, today, Some(six), Some(0)),
            [Flag::SessionsLeft]
        );
        // Weeks not ending: no flag however many are left.
        let early = PatientRow {
            plan_start: Some(today - chrono::Duration::days(20)),
            ..r.clone()
        };
        assert_eq!(flags(&early, today, Some(six), Some(0)), []);
        // The command line's words say how many.
        assert_eq!(Flag::SessionsLeft.text(Some(16)), "16 sessions left");
        assert_eq!(Flag::PlanEnding.text(Some(2)), "plan ending");
        assert_eq!(
            Flag::SessionsLeft.words_with(Some((16, 30))),
            format!("16 of 30 {}", Flag::SessionsLeft.words())
        );
        assert_eq!(Flag::SessionsLeft.symbol(), 'L');
    }

    #[test]
    fn plan_sessions_done_counts_the_plans_protocol_since_its_start() {
        let start = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap();
        let s = |protocol: &str, day: i64| SessionLog {
            id: 0,
            patient_code: "P-1".into(),
            started_at: (start + chrono::Duration::days(day))
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            protocol_id: protocol.into(),
            minutes: 45,
            repetitions: 30,
            level: None,
            success_rate: None,
            rpe: None,
            notes: String::new(),
            clinician: None,
        };
        let sessions = [
            s("usual-care", -3),
            s("usual-care", 0),
            s("usual-care", 2),
            s("cimt", 3),
        ];
        assert_eq!(plan_sessions_done(&sessions, "usual-care", start), 2);
    }

    #[test]
    fn protocols_must_come_from_the_library() {
        let lib = crate::app::protocols::Library::builtin();
        assert_eq!(lib.rules().check("usual-care"), Ok(10));
        let e = lib.rules().check("yoga").unwrap_err().message;
        assert!(
            e.starts_with("unknown protocol \"yoga\"; known protocols: "),
            "{e}"
        );
        assert!(e.contains("task-specific-300"), "{e}");
    }

    #[test]
    fn latest_scores_keep_the_newest_per_instrument() {
        let a = |inst: &str, score, d| Assessment {
            id: 0,
            patient_code: "P-1".into(),
            instrument: inst.into(),
            score,
            date: NaiveDate::from_ymd_opt(2026, 1, d).unwrap(),
            assessor: None,
            notes: String::new(),
            med_state: None,
        };
        let got = latest_scores(&[
            a("fma_ue", 20.0, 1),
            a("arat", 5.0, 2),
            a("fma_ue", 30.0, 9),
            a("fma_ue", 25.0, 3),
        ]);
        let got: Vec<(String, f64)> = got.into_iter().map(|x| (x.instrument, x.score)).collect();
        assert_eq!(
            got,
            [("fma_ue".to_string(), 30.0), ("arat".to_string(), 5.0)]
        );
    }
}
