//! The typed form of a `protocols/*.toml` file (see `protocols/README.md` for the file format). The engine reads
//! only these types; what each setting does to learning is documented where it acts (`prepare.rs`, `draw.rs`,
//! `progression.rs`).

use serde::{Deserialize, Serialize};

use crate::domain::ConditionKind;

/// A rehabilitation protocol.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// Stable id, e.g. `task-specific-300`; equals the file stem of the protocol file.
    pub id: String,
    pub name: String,
    /// One or two sentences a therapist reads in a list.
    pub summary: String,
    /// Which conditions it is meant for.
    pub conditions: Vec<ConditionKind>,
    /// Instruments it is expected to move (ids from `crate::instruments`), the primary one first.
    pub measures: Vec<String>,
    /// The usual care of its conditions: the comparator other protocols for them are weighed against (issue 12.5).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub comparator: bool,
    pub schedule: Schedule,
    pub practice: Practice,
    pub progression: Progression,
    #[serde(default)]
    pub feedback: Feedback,
    /// Constraint of the less-affected limb (CIMT); absent for other protocols.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub constraint: Option<Constraint>,
    pub evidence: Evidence,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Number of weeks of treatment.
    pub weeks: u32,
    /// Treatment days per week (1-7).
    pub days_per_week: u32,
    /// Sessions on each treatment day (>1 = distributed practice within the day).
    #[serde(default = "one")]
    pub sessions_per_day: u32,
    /// Minutes of therapy per session.
    pub minutes_per_session: f64,
    /// Task-specific repetitions per session (planned).
    pub repetitions_per_session: u32,
    /// Minimum rest between two sessions on the same day, hours (spacing); 0 for back to back.
    #[serde(default)]
    pub rest_hours_between_sessions: f64,
    /// Clock time ("HH:MM") each session of a day starts, one per session of the day, in order. Absent: the first
    /// at 09:00 and each next one after the previous session and the rest. Sleep follows the day's last session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_times: Option<Vec<String>>,
    /// Treatment phases with pauses between them (e.g. 4 weeks, 8 weeks off, 2 weeks); their weeks add up to
    /// `weeks`. Absent: one phase of `weeks` weeks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<Phase>,
}

/// One block of treatment weeks of a schedule, and the weeks without treatment that follow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// Weeks of treatment in this phase.
    pub weeks: u32,
    /// Weeks without treatment after this phase, before the next one.
    #[serde(default)]
    pub pause_weeks: u32,
}

/// Hour of the first session of a day when a schedule gives no `session_times`.
pub const DEFAULT_FIRST_SESSION_HOUR: f64 = 9.0;

/// Hours after midnight of a clock time "HH:MM" (00:00-23:59); None when it is not one.
pub fn clock_hours(text: &str) -> Option<f64> {
    let t = chrono::NaiveTime::parse_from_str(text.trim(), "%H:%M").ok()?;
    use chrono::Timelike as _;
    Some(f64::from(t.hour()) + f64::from(t.minute()) / 60.0)
}

fn one() -> u32 {
    1
}

impl Schedule {
    pub fn total_sessions(&self) -> u32 {
        self.weeks * self.days_per_week * self.sessions_per_day
    }
    pub fn total_repetitions(&self) -> u64 {
        u64::from(self.total_sessions()) * u64::from(self.repetitions_per_session)
    }

    /// The week (0-based, from the first session's week) of every treatment week, pauses skipped: `weeks`
    /// consecutive weeks, or the phases with their pauses.
    pub fn treatment_weeks(&self) -> Vec<u32> {
        if self.phases.is_empty() {
            return (0..self.weeks).collect();
        }
        let mut out = Vec::new();
        let mut at = 0;
        for ph in &self.phases {
            out.extend(at..at + ph.weeks);
            at += ph.weeks + ph.pause_weeks;
        }
        out
    }

    /// Every session of the schedule as (day from the first treatment day, start hour), in time order: the
    /// treatment weeks ([`Self::treatment_weeks`]), `days_per_week` days in each (spread over the week when fewer
    /// than 5) and the day's sessions at [`Self::session_hours`].
    pub fn session_slots(&self) -> Vec<(u32, f64)> {
        self.session_slots_at(&self.session_hours())
    }

    /// [`Self::session_slots`] with the day's sessions starting at `hours` instead.
    pub fn session_slots_at(&self, hours: &[f64]) -> Vec<(u32, f64)> {
        let dpw = self.days_per_week.clamp(1, 7);
        let mut out = Vec::new();
        for w in self.treatment_weeks() {
            for d in 0..dpw {
                let offset = if dpw >= 5 { d } else { d * 7 / dpw };
                out.extend(hours.iter().map(|&h| (w * 7 + offset, h)));
            }
        }
        out
    }

    /// Start hour (after midnight) of each session of a treatment day: `session_times`, or 09:00 and then one after
    /// the other with the rest between them.
    pub fn session_hours(&self) -> Vec<f64> {
        if let Some(times) = &self.session_times {
            return times
                .iter()
                .map(|t| clock_hours(t).unwrap_or(DEFAULT_FIRST_SESSION_HOUR))
                .collect();
        }
        let step =
            self.minutes_per_session.max(0.0) / 60.0 + self.rest_hours_between_sessions.max(0.0);
        (0..self.sessions_per_day)
            .map(|i| DEFAULT_FIRST_SESSION_HOUR + f64::from(i) * step)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Practice {
    pub structure: Structure,
    /// Order of the tasks within a session.
    #[serde(default)]
    pub order: Order,
    pub tasks: Vec<Task>,
}

/// Task decomposition (Wickens 2013 Hum Factors 55).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Structure {
    /// The whole task every repetition.
    Whole,
    /// Components practised separately, never put together.
    Part,
    /// Components first, then the whole task (fraction of repetitions on the whole: `whole_fraction`).
    PartWhole,
    /// Components added one at a time to a growing chain (segmentation).
    ProgressivePart,
}

/// Practice order (contextual interference; Shea & Morgan 1979).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Order {
    #[default]
    Blocked,
    Random,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    pub name: String,
    /// Which limb or system the task trains.
    pub target: Target,
    /// Share of the session's repetitions spent on this task (the tasks' weights are normalised).
    #[serde(default = "one_f")]
    pub weight: f64,
    /// How the components run in the whole task: in sequence (reach, then grasp) or at the same time (posture
    /// while stepping). Part practice transfers well for sequential parts and poorly for concurrent ones.
    #[serde(default)]
    pub timing: Timing,
    /// Components of the task; empty means the task is not decomposed.
    #[serde(default)]
    pub components: Vec<Component>,
}

fn one_f() -> f64 {
    1.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// Affected arm and hand (FMA-UE, ARAT, BBT, 9HPT).
    UpperLimb,
    /// Leg, gait (FMA-LE, 10MWT).
    LowerLimb,
    /// Balance and mobility (Berg, TUG).
    Balance,
    /// Whole-body amplitude / coordination (MDS-UPDRS III, SARA).
    WholeBody,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    #[default]
    Sequential,
    Concurrent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    pub name: String,
    /// Relative difficulty / share of the whole task's skill (normalised).
    #[serde(default = "one_f")]
    pub weight: f64,
}

/// Progressive loading: difficulty moves with the success rate over a window of repetitions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Progression {
    /// `adaptive` advances/regresses on success rate; `fixed` steps up every `step_every_sessions`; `none` keeps
    /// `start_level` throughout.
    pub rule: ProgressionRule,
    /// Repetitions over which the success rate is judged.
    #[serde(default = "default_window")]
    pub window: u32,
    /// Advance one level when the success rate over the window is at least this (0-1).
    #[serde(default = "default_advance")]
    pub advance_above: f64,
    /// Regress one level when the success rate over the window is below this (0-1).
    #[serde(default = "default_regress")]
    pub regress_below: f64,
    /// For `fixed`: sessions between steps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_every_sessions: Option<u32>,
    /// For `adaptive`, read at the scale of sessions (the session form's suggestion, `app::levels`): this many
    /// sessions in a row at a level at or above `advance_above` suggest the next level (below `regress_below`, the
    /// one before). The model itself moves on `window` repetitions.
    #[serde(default = "default_advance_after")]
    pub advance_after_sessions: u32,
    #[serde(default = "one")]
    pub start_level: u32,
    #[serde(default = "default_max_level")]
    pub max_level: u32,
}

fn default_window() -> u32 {
    20
}
fn default_advance() -> f64 {
    0.8
}
fn default_regress() -> f64 {
    0.5
}
fn default_advance_after() -> u32 {
    3
}
fn default_max_level() -> u32 {
    10
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgressionRule {
    Adaptive,
    Fixed,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Feedback {
    /// What kind of learning signal the practice gives.
    #[serde(default)]
    pub kind: FeedbackKind,
    /// Augmented feedback (knowledge of results / performance) on this fraction of repetitions, 0-1.
    #[serde(default)]
    pub augmented_fraction: f64,
}

impl Default for Feedback {
    fn default() -> Self {
        Feedback {
            kind: FeedbackKind::Mixed,
            augmented_fraction: 0.0,
        }
    }
}

/// Error-based (cerebellar) versus reinforcement (basal ganglia, success/failure) learning signal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedbackKind {
    ErrorBased,
    Reinforcement,
    #[default]
    Mixed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    /// Hours per day the less-affected limb is restrained (mitt).
    pub hours_per_day: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Author year, journal volume:page.
    pub citation: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// What the study found, in one or two sentences.
    #[serde(default)]
    pub finding: String,
}
