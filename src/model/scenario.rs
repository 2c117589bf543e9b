//! A scenario: one patient, their baseline, a protocol and a time window to forecast.
//!
//! Scenario files (`tests/scenarios/*.toml`) deserialise into [`Scenario`]; `praxis simulate --patient` builds one
//! from the stored profile. Day 0 is the day of the baseline assessments; therapy starts on `start_day`.

use serde::{Deserialize, Serialize};

use crate::domain::Condition;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub patient: ScenarioPatient,
    /// Baseline scores (instrument id -> score), taken on day 0.
    pub baseline: std::collections::BTreeMap<String, f64>,
    /// The medication state the baseline's MDS-UPDRS III was scored in (`"on"` / `"off"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_state: Option<crate::domain::MedState>,
    /// The medication state to forecast MDS-UPDRS III in; default: the baseline's (see `model::medication`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast_state: Option<crate::domain::MedState>,
    /// Earlier observed scores, for calibration (day may be negative: before day 0, or positive: logged progress).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    /// Protocol id (from `protocols/`) or path to a protocol file; absent = no treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    /// Day (from day 0) on which the protocol starts.
    #[serde(default)]
    pub start_day: u32,
    /// Last day simulated.
    #[serde(default = "default_horizon")]
    pub horizon_days: u32,
    /// Day of the follow-up reported in the summary; default: the horizon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up_day: Option<u32>,
    /// Goal for the probability-of-goal figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<Goal>,
    /// When this patient's sessions of a treatment day start ("HH:MM", one per session of the protocol's day);
    /// overrides the protocol's `schedule.session_times`. Absent: the protocol's times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_times: Option<Vec<String>>,
    /// Earlier practice (`[[history]]` blocks): a protocol the patient followed before day 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<HistoryBlock>,
    /// The practice the engine runs besides the protocol: the sessions of the `[[history]]` blocks once their
    /// protocols are resolved ([`PracticeHistory::add_run`]), or a stored patient's logged sessions. Filled by the
    /// caller, never read from the file.
    #[serde(skip)]
    pub practice: PracticeHistory,
    /// Scores converted to the forecast's medication state by [`crate::model::medication::align`] (never read from
    /// the file).
    #[serde(skip)]
    pub med_converted: u32,
    /// The patient's own levodopa response, measured by [`crate::model::medication::align`] from ON and OFF scores
    /// of one instrument taken close together, with the number of such pairs; `None`: the population's
    /// (`constants::LEVODOPA_RESPONSE`). Never read from the file.
    #[serde(skip)]
    pub levodopa_response: Option<(f64, usize)>,
    /// A plan under way: the protocol's id and the sessions of it already done (logged since the plan started,
    /// and run as earlier practice). A forecast of that protocol runs the rest of its schedule from `start_day`,
    /// not the whole schedule again; other protocols (a comparison) start from their first session. Filled by the
    /// caller, never read from the file.
    #[serde(skip)]
    pub plan_done: Option<(String, u32)>,
    /// The instrument a comparison ranks on and reads its notes on (`praxis compare --instrument`), when it has a
    /// baseline; `None`: the first protocol's first measure with a baseline. Filled by the caller, never read from
    /// the file.
    #[serde(skip)]
    pub primary: Option<String>,
    /// A stored plan's goals (beside the file's one `goal`): the summary gives each one's probability
    /// ([`crate::model::forecast::MeasureSummary::goals`]). Filled by the caller, never read from the file.
    #[serde(skip)]
    pub plan_goals: Vec<Goal>,
}

impl Scenario {
    /// Start hours of the scenario's `session_times`, when it gives them (and all are clock times).
    pub fn session_hours(&self) -> Option<Vec<f64>> {
        self.session_times.as_ref().and_then(|times| {
            times
                .iter()
                .map(|t| crate::model::protocol::clock_hours(t))
                .collect()
        })
    }
}

/// A `[[history]]` block: `protocol` (id or file) run from `start_day` (before day 0), its treatment week repeated
/// for `weeks` weeks or for `sessions` sessions (at most one of them; neither: the protocol's whole schedule, phases
/// and pauses included). Sessions on or after day 0 are not run (the forecast's own protocol starts then).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryBlock {
    pub protocol: String,
    pub start_day: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weeks: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sessions: Option<u32>,
}

/// Practice outside the forecast protocol's schedule, session by session: before day 0 it sets the skill the
/// patient starts with (what the baseline already shows), after day 0 it adds to the protocol's practice.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PracticeHistory {
    /// The protocols the sessions followed (their tasks, structure, feedback and progression).
    pub protocols: Vec<crate::model::Protocol>,
    /// The sessions, in any order.
    pub sessions: Vec<PastSession>,
    /// Sessions left out because they fell on or after day 0 (history blocks) or outside the forecast.
    pub dropped: usize,
}

/// One session of earlier practice with its real dose and time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PastSession {
    /// Day from day 0 (negative: before the baseline).
    pub day: i32,
    /// Start, hours after midnight.
    pub hour: f64,
    pub minutes: f64,
    pub repetitions: u32,
    /// Index into [`PracticeHistory::protocols`].
    pub protocol: usize,
}

/// Earliest day a history session may fall on (ten years before day 0).
pub const EARLIEST_HISTORY_DAY: i32 = -3650;
/// Most sessions of earlier practice a forecast runs (the newest are kept); bounds the cost of a long history.
pub const MAX_HISTORY_SESSIONS: usize = 5000;

impl PracticeHistory {
    /// Index of `protocol` among [`Self::protocols`] (by id), adding it when new.
    pub fn protocol_index(&mut self, protocol: &crate::model::Protocol) -> usize {
        if let Some(i) = self.protocols.iter().position(|p| p.id == protocol.id) {
            return i;
        }
        self.protocols.push(protocol.clone());
        self.protocols.len() - 1
    }

    /// Add one session; false (and counted in `dropped`) when it is out of the history's range.
    pub fn add_session(&mut self, s: PastSession) -> bool {
        if s.day < EARLIEST_HISTORY_DAY || !s.hour.is_finite() {
            self.dropped += 1;
            return false;
        }
        self.sessions.push(s);
        true
    }

    /// Add the sessions of a history block with its resolved protocol from `start_day`: the protocol's days and
    /// session times for the block's `weeks` or `sessions`, else its whole schedule (phases and pauses included);
    /// sessions on or after day 0 are dropped.
    pub fn add_run(&mut self, block: &HistoryBlock, protocol: &crate::model::Protocol) {
        let index = self.protocol_index(protocol);
        let sc = &protocol.schedule;
        // `weeks` or `sessions`: the protocol's treatment week repeated (its own length and phases set aside).
        let per_week = (sc.days_per_week.clamp(1, 7) * sc.sessions_per_day.max(1)).max(1);
        let weeks = match (block.weeks, block.sessions) {
            (Some(w), _) => Some(w),
            (None, Some(n)) => Some(n.div_ceil(per_week)),
            (None, None) => None,
        };
        let mut slots = match weeks {
            Some(w) => crate::model::protocol::Schedule {
                weeks: w,
                phases: Vec::new(),
                ..sc.clone()
            }
            .session_slots(),
            None => sc.session_slots(),
        };
        if let Some(n) = block.sessions {
            slots.truncate(n as usize);
        }
        for (offset, hour) in slots {
            let day = i64::from(block.start_day) + i64::from(offset);
            match i32::try_from(day) {
                Ok(day) if day < 0 => {
                    self.add_session(PastSession {
                        day,
                        hour,
                        minutes: sc.minutes_per_session,
                        repetitions: sc.repetitions_per_session,
                        protocol: index,
                    });
                }
                _ => self.dropped += 1,
            }
        }
    }
}

fn default_horizon() -> u32 {
    180
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioPatient {
    pub age: u32,
    /// Condition and its facts, e.g. `condition = { kind = "stroke", mep = "present", nihss = 9 }`.
    pub condition: Condition,
    /// Days since onset (stroke) or since diagnosis on day 0; for stroke this sets where on the spontaneous-recovery
    /// curve the patient is (3 = acute, 180+ = chronic). `None`: unknown (the model then assumes day 0 and the
    /// reports say the onset is unknown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days_since_onset: Option<u32>,
}

impl ScenarioPatient {
    /// Days since onset for the model: 0 when unknown.
    pub fn onset_days(&self) -> u32 {
        self.days_since_onset.unwrap_or(0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observation {
    pub day: i32,
    pub instrument: String,
    pub score: f64,
    /// Medication state of an MDS-UPDRS III score (`"on"` / `"off"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<crate::domain::MedState>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    pub instrument: String,
    /// Score to reach (in the instrument's units and direction).
    pub target: f64,
    /// Day by which to reach it; default: end of treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_day: Option<u32>,
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------------------------------------------

use super::diagnostics::{FileError, Problem, Seg, SpannedDoc, path_text};

pub type ScenarioError = FileError;

/// Keys each condition kind accepts in `patient.condition` (the facts structs do not refuse unknown keys).
fn condition_keys(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "stroke" => &[
            "kind",
            "onset_date",
            "stroke_type",
            "corticospinal",
            "mep",
            "nihss",
            "active_extension",
        ],
        "parkinsons" => &["kind", "diagnosis_year", "hoehn_yahr", "medication"],
        "cerebellar_ataxia" => &["kind", "ataxia_type"],
        "older_adult" => &["kind", "falls_last_year"],
        _ => return None,
    })
}

/// Parse and validate a scenario file. `origin` names the file in messages. Baseline and observation instrument ids
/// are checked against [`crate::instruments`] and rewritten to their canonical form (`FMA-UE` -> `fma_ue`).
pub fn parse(text: &str, origin: &str) -> Result<Scenario, ScenarioError> {
    let doc = SpannedDoc::parse(text, origin)?;
    // Unknown keys and sections first, every one at its line with the name meant (as in a protocol file: serde
    // would stop at the first, and sorted keys can hide a misspelt one behind the table it was meant for); then
    // those inside the condition table (serde ignores them there because the enum is tagged).
    let mut problems =
        crate::model::protocol::keys::Schema::of::<Scenario>().unknown_keys(doc.root());
    if let Some(cond) = doc
        .root()
        .get("patient")
        .and_then(|p| p.get_ref().get("condition"))
        && let Some(table) = cond.get_ref().as_table()
        && let Some(kind) = table.get("kind").and_then(|k| k.get_ref().as_str())
        && let Some(allowed) = condition_keys(kind)
    {
        for (k, _) in table.iter() {
            if !allowed.contains(&k.get_ref().as_ref()) {
                problems.push(Problem::new(
                    &[Seg::Key("patient"), Seg::Key("condition"), Seg::KeyItself(k.get_ref().to_string())],
                    format!(
                        "unknown key `patient.condition.{}` for a {kind} condition;{} expected one of {}",
                        k.get_ref(),
                        crate::model::protocol::keys::nearest(k.get_ref(), allowed)
                            .map_or(String::new(), |n| format!(" did you mean `{n}`?")),
                        allowed.join(", ")
                    ),
                ));
            }
        }
    }
    doc.locate(origin, problems)?;
    let mut scenario: Scenario = doc.deserialize(origin)?;
    let problems = validate(&mut scenario);
    doc.locate(origin, problems)?;
    Ok(scenario)
}

/// Check a scenario's values, rewriting instrument ids to canonical form. Pure; positions are added by [`parse`].
pub fn validate(s: &mut Scenario) -> Vec<Problem> {
    use Seg::{Index, Key, Name};
    let mut out = Vec::new();
    if s.patient.age > 120 {
        out.push(Problem::new(
            &[Key("patient"), Key("age")],
            format!("patient.age must be 0-120 years; got {}", s.patient.age),
        ));
    }
    if s.patient.onset_days() > 36_500 {
        out.push(Problem::new(
            &[Key("patient"), Key("days_since_onset")],
            format!(
                "patient.days_since_onset must be 0-36500 days; got {}",
                s.patient.onset_days()
            ),
        ));
    }
    let cp = |k: &'static str| [Key("patient"), Key("condition"), Key(k)];
    match &s.patient.condition {
        crate::domain::Condition::Stroke(f) => {
            if let Some(n) = f.nihss
                && n > 42
            {
                out.push(Problem::new(
                    &cp("nihss"),
                    format!("patient.condition.nihss must be 0-42; got {n}"),
                ));
            }
        }
        crate::domain::Condition::Parkinsons(f) => {
            // The same stages as everywhere else (the modified scale: no 3.5 or 4.5).
            if let Some(e) = f
                .hoehn_yahr
                .and_then(|h| crate::domain::rules::check_hoehn_yahr("hoehn_yahr", h).err())
            {
                out.push(Problem::new(
                    &cp("hoehn_yahr"),
                    format!("patient.condition.hoehn_yahr: {}", e.message),
                ));
            }
        }
        _ => {}
    }
    if !(1..=3650).contains(&s.horizon_days) {
        out.push(Problem::new(
            &[Key("horizon_days")],
            format!("horizon_days must be 1-3650 days; got {}", s.horizon_days),
        ));
    }
    if s.start_day > s.horizon_days {
        out.push(Problem::new(
            &[Key("start_day")],
            format!(
                "start_day ({}) must not be after horizon_days ({})",
                s.start_day, s.horizon_days
            ),
        ));
    }
    if let Some(f) = s.follow_up_day
        && f > s.horizon_days
    {
        out.push(Problem::new(
            &[Key("follow_up_day")],
            format!(
                "follow_up_day ({f}) must not be after horizon_days ({})",
                s.horizon_days
            ),
        ));
    }
    if s.baseline.is_empty() {
        out.push(Problem::new(
            &[Key("baseline")],
            "baseline must give at least one score, e.g. [baseline] fma_ue = 20",
        ));
    }
    let mut canonical = std::collections::BTreeMap::new();
    for (id, &score) in &s.baseline {
        let path = [Key("baseline"), Name(id.clone())];
        match crate::instruments::validate(id, score) {
            Ok(inst) => {
                if canonical.insert(inst.id.to_string(), score).is_some() {
                    out.push(Problem::new(
                        &path,
                        format!("baseline gives {} twice", inst.id),
                    ));
                }
            }
            Err(e) => out.push(Problem::new(&path, format!("{}: {e}", path_text(&path)))),
        }
    }
    s.baseline = canonical;
    let horizon = i64::from(s.horizon_days);
    if s.observations.len() > super::constants::MAX_OBSERVATIONS {
        out.push(Problem::new(
            &[Key("observations")],
            format!(
                "observations lists {} assessments; at most {} are allowed (each is scored for every draw)",
                s.observations.len(),
                super::constants::MAX_OBSERVATIONS
            ),
        ));
    }
    for (i, o) in s.observations.iter_mut().enumerate() {
        let base = [Key("observations"), Index(i)];
        match crate::instruments::validate(&o.instrument, o.score) {
            Ok(inst) => o.instrument = inst.id.to_string(),
            Err(e) => {
                let field = if matches!(e, crate::instruments::InstrumentError::Unknown(_)) {
                    "instrument"
                } else {
                    "score"
                };
                let path = [base[0].clone(), base[1].clone(), Key(field)];
                out.push(Problem::new(&path, format!("observations[{}]: {e}", i + 1)));
            }
        }
        if !(-3650..=horizon).contains(&i64::from(o.day)) {
            out.push(Problem::new(
                &[base[0].clone(), base[1].clone(), Key("day")],
                format!(
                    "observations[{}].day must be -3650 to {horizon}; got {}",
                    i + 1,
                    o.day
                ),
            ));
        }
    }
    if let Some(times) = &s.session_times {
        let mut previous: Option<f64> = None;
        for (i, t) in times.iter().enumerate() {
            let at = [Key("session_times"), Index(i)];
            match crate::model::protocol::clock_hours(t) {
                None => out.push(Problem::new(
                    &at,
                    format!(
                        "session_times[{}]: {t:?} is not a clock time; write \"HH:MM\", e.g. \"18:00\"",
                        i + 1
                    ),
                )),
                Some(h) => {
                    if previous.is_some_and(|p| h <= p) {
                        out.push(Problem::new(
                            &at,
                            format!(
                                "session_times[{}]: {t} is not after the time before it; list the day's sessions in order",
                                i + 1
                            ),
                        ));
                    }
                    previous = Some(h);
                }
            }
        }
        if times.is_empty() || times.len() > 6 {
            out.push(Problem::new(
                &[Key("session_times")],
                format!(
                    "session_times must give 1-6 times (one per session of the day); got {}",
                    times.len()
                ),
            ));
        }
    }
    for (i, h) in s.history.iter().enumerate() {
        let at = |k: &'static str| [Key("history"), Index(i), Key(k)];
        if !(EARLIEST_HISTORY_DAY..=-1).contains(&h.start_day) {
            out.push(Problem::new(
                &at("start_day"),
                format!(
                    "history[{}].start_day must be {EARLIEST_HISTORY_DAY} to -1 (before day 0, the baseline); got {}",
                    i + 1,
                    h.start_day
                ),
            ));
        }
        if h.protocol.trim().is_empty() {
            out.push(Problem::new(
                &at("protocol"),
                format!(
                    "history[{}].protocol must name a protocol id or file",
                    i + 1
                ),
            ));
        }
        match (h.weeks, h.sessions) {
            (Some(_), Some(_)) => out.push(Problem::new(
                &at("sessions"),
                format!("history[{}]: give weeks or sessions, not both", i + 1),
            )),
            (Some(w), None) if !(1..=520).contains(&w) => out.push(Problem::new(
                &at("weeks"),
                format!("history[{}].weeks must be 1-520 weeks; got {w}", i + 1),
            )),
            (None, Some(n)) if !(1..=MAX_HISTORY_SESSIONS as u32).contains(&n) => {
                out.push(Problem::new(
                    &at("sessions"),
                    format!(
                        "history[{}].sessions must be 1-{MAX_HISTORY_SESSIONS} sessions; got {n}",
                        i + 1
                    ),
                ))
            }
            _ => {}
        }
    }
    if s.history.len() > 20 {
        out.push(Problem::new(
            &[Key("history")],
            format!("at most 20 [[history]] blocks; got {}", s.history.len()),
        ));
    }
    if let Some(g) = &mut s.goal {
        match crate::instruments::validate(&g.instrument, g.target) {
            Ok(inst) => g.instrument = inst.id.to_string(),
            Err(e) => {
                let field = if matches!(e, crate::instruments::InstrumentError::Unknown(_)) {
                    "instrument"
                } else {
                    "target"
                };
                out.push(Problem::new(
                    &[Key("goal"), Key(field)],
                    format!("goal: {e}"),
                ));
            }
        }
        if let Some(d) = g.by_day
            && d > s.horizon_days
        {
            out.push(Problem::new(
                &[Key("goal"), Key("by_day")],
                format!(
                    "goal.by_day ({d}) must not be after horizon_days ({})",
                    s.horizon_days
                ),
            ));
        }
    }
    let stated = |id: &String| crate::instruments::get(id).is_ok_and(|i| i.has_med_state());
    for (key, state) in [
        ("baseline_state", s.baseline_state),
        ("forecast_state", s.forecast_state),
    ] {
        if state.is_some() && !s.baseline.keys().any(stated) {
            out.push(Problem::new(
                &[Key(key)],
                format!(
                    "{key} is the medication state (on or off) of MDS-UPDRS III, and the baseline does not give mds_updrs_iii"
                ),
            ));
        }
    }
    for (i, o) in s.observations.iter().enumerate() {
        if o.state.is_some() && !stated(&o.instrument) {
            out.push(Problem::new(
                &[Key("observations"), Index(i), Key("state")],
                format!(
                    "observations[{}].state: {} is not scored ON or OFF medication; only mds_updrs_iii is",
                    i + 1,
                    o.instrument
                ),
            ));
        }
    }
    if out.is_empty() {
        super::medication::align(s);
    }
    out
}
