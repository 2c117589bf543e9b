//! Rehabilitation protocols: the typed form of a `protocols/*.toml` file.
//!
//! The engine (`simulate.rs`) reads only these types. Parsing and validation with file/line/column errors live here
//! too (see `protocols/README.md` for the file format).

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

// ---------------------------------------------------------------------------------------------------------------
// Parsing and validation
// ---------------------------------------------------------------------------------------------------------------

/// One problem in a file, at a 1-based line and column (columns count characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A protocol or scenario file that cannot be used: every problem found, each with its position.
/// Displays as one `FILE:LINE:COLUMN: message` line per problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub struct FileError {
    pub origin: String,
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.diagnostics.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}:{}: {}", self.origin, d.line, d.column, d.message)?;
        }
        Ok(())
    }
}

impl FileError {
    /// A file-level problem (e.g. it cannot be read), reported at 1:1.
    pub fn whole_file(origin: &str, message: impl Into<String>) -> Self {
        FileError {
            origin: origin.to_string(),
            diagnostics: vec![Diagnostic {
                line: 1,
                column: 1,
                message: message.into(),
            }],
        }
    }
}

pub type ProtocolError = FileError;

/// A step in the path to a value of a TOML document: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    Key(&'static str),
    /// A key chosen by the file's author (e.g. an instrument id in `[baseline]`).
    Name(String),
    /// The key itself rather than its value (for unknown keys): always the last segment.
    KeyItself(String),
    Index(usize),
}

/// A validation problem before it is placed in the file: the path of the offending value and the message.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub path: Vec<Seg>,
    pub message: String,
}

impl Problem {
    pub(crate) fn new(path: &[Seg], message: impl Into<String>) -> Self {
        Problem {
            path: path.to_vec(),
            message: message.into(),
        }
    }
}

/// Dotted form of a path: `practice.tasks[1].weight`.
pub fn path_text(path: &[Seg]) -> String {
    let mut s = String::new();
    for seg in path {
        match seg {
            Seg::Key(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Name(k) | Seg::KeyItself(k) => {
                if !s.is_empty() {
                    s.push('.');
                }
                s.push_str(k);
            }
            Seg::Index(i) => s.push_str(&format!("[{}]", i + 1)),
        }
    }
    s
}

/// The parsed TOML document with spans, used to place errors at a line and column.
pub(crate) struct SpannedDoc<'i> {
    text: &'i str,
    root: toml::Spanned<toml::de::DeValue<'i>>,
}

impl<'i> SpannedDoc<'i> {
    /// Parse the syntax only; a syntax error becomes a positioned diagnostic.
    pub(crate) fn parse(text: &'i str, origin: &str) -> Result<Self, FileError> {
        match toml::de::DeTable::parse(text) {
            Ok(t) => {
                let span = t.span();
                let root = toml::Spanned::new(span, toml::de::DeValue::Table(t.into_inner()));
                Ok(SpannedDoc { text, root })
            }
            Err(e) => Err(FileError {
                origin: origin.to_string(),
                diagnostics: vec![self_diag(
                    text,
                    e.span().map_or(0, |s| s.start),
                    &clean_message(e.message()),
                )],
            }),
        }
    }

    /// Line and column of the value at `path`, or of its nearest existing ancestor's key.
    pub(crate) fn position(&self, path: &[Seg]) -> (usize, usize) {
        let mut node = &self.root;
        let mut offset = 0;
        for seg in path {
            let next = match seg {
                Seg::Key(k) => match node.get_ref() {
                    toml::de::DeValue::Table(t) => {
                        t.get_key_value(*k).map(|(key, v)| (key.span().start, v))
                    }
                    _ => None,
                },
                Seg::Name(k) => match node.get_ref() {
                    toml::de::DeValue::Table(t) => t
                        .get_key_value(k.as_str())
                        .map(|(key, v)| (key.span().start, v)),
                    _ => None,
                },
                Seg::Index(i) => node.get_ref().get(*i).map(|v| (v.span().start, v)),
                Seg::KeyItself(k) => {
                    if let toml::de::DeValue::Table(t) = node.get_ref()
                        && let Some((key, _)) = t.get_key_value(k.as_str())
                    {
                        offset = key.span().start;
                    }
                    break;
                }
            };
            match next {
                Some((key_start, v)) => {
                    // A `[header]` table's own span may be empty; fall back to its key.
                    offset = if v.span().is_empty() {
                        key_start
                    } else {
                        v.span().start
                    };
                    node = v;
                }
                None => break,
            }
        }
        line_col(self.text, offset)
    }

    /// Dotted path of the innermost key or value whose span contains `offset` (for serde errors, which carry a
    /// span only).
    pub(crate) fn path_at(&self, offset: usize) -> String {
        fn find(node: &toml::de::DeValue<'_>, offset: usize, out: &mut String) -> bool {
            match node {
                toml::de::DeValue::Table(t) => {
                    for (k, v) in t.iter() {
                        let mark = out.len();
                        if !out.is_empty() {
                            out.push('.');
                        }
                        out.push_str(k.get_ref());
                        if k.span().contains(&offset) {
                            return true;
                        }
                        if v.span().contains(&offset)
                            && !v.get_ref().is_table()
                            && !v.get_ref().is_array()
                        {
                            return true;
                        }
                        if find(v.get_ref(), offset, out) {
                            return true;
                        }
                        out.truncate(mark);
                    }
                    false
                }
                toml::de::DeValue::Array(a) => {
                    for (i, v) in a.iter().enumerate() {
                        let mark = out.len();
                        out.push_str(&format!("[{}]", i + 1));
                        if find(v.get_ref(), offset, out) {
                            return true;
                        }
                        if v.span().contains(&offset) && !v.get_ref().is_table() {
                            return true;
                        }
                        out.truncate(mark);
                    }
                    false
                }
                _ => false,
            }
        }
        let mut out = String::new();
        find(self.root.get_ref(), offset, &mut out);
        out
    }

    /// Deserialize into `T`; a type error, unknown key or missing key becomes a positioned diagnostic.
    pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(
        &self,
        origin: &str,
    ) -> Result<T, FileError> {
        toml::from_str::<T>(self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let path = if e.span().is_some() {
                self.path_at(offset)
            } else {
                String::new()
            };
            let msg = clean_message(e.message());
            let message = if let Some(rest) = msg.strip_prefix("unknown field `") {
                // "unknown field `x`, expected one of `a`, `b`" -> name the full key and keep the list.
                let expected = rest.split_once(", ").map_or("", |(_, e)| e);
                let key = if path.is_empty() {
                    rest.split('`').next().unwrap_or("").to_string()
                } else {
                    path
                };
                format!("unknown key `{key}` (misspelt?); {expected}")
            } else if path.is_empty() {
                msg
            } else {
                format!("{path}: {msg}")
            };
            FileError {
                origin: origin.to_string(),
                diagnostics: vec![self_diag(self.text, offset, &message)],
            }
        })
    }

    /// Place validation problems in the file.
    pub(crate) fn locate(&self, origin: &str, problems: Vec<Problem>) -> Result<(), FileError> {
        if problems.is_empty() {
            return Ok(());
        }
        let mut diagnostics: Vec<Diagnostic> = problems
            .into_iter()
            .map(|p| {
                let (line, column) = self.position(&p.path);
                Diagnostic {
                    line,
                    column,
                    message: p.message,
                }
            })
            .collect();
        diagnostics.sort_by_key(|d| (d.line, d.column));
        Err(FileError {
            origin: origin.to_string(),
            diagnostics,
        })
    }

    pub(crate) fn root(&self) -> &toml::de::DeValue<'i> {
        self.root.get_ref()
    }
}

fn self_diag(text: &str, offset: usize, message: &str) -> Diagnostic {
    let (line, column) = line_col(text, offset);
    Diagnostic {
        line,
        column,
        message: message.to_string(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Make serde/toml wording readable for a therapist.
fn clean_message(msg: &str) -> String {
    let m = msg.trim().replace('\n', " ");
    m.replace("expected u32", "expected a whole number")
        .replace("expected u64", "expected a whole number")
        .replace("expected u8", "expected a whole number")
        .replace("expected i32", "expected a whole number")
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected a list [ ... ]")
}

/// Parse and validate a protocol file. `origin` names the file in messages (e.g. `protocols/cimt.toml`); when it
/// ends in `.toml`, the protocol's `id` must equal the file stem.
pub fn parse(text: &str, origin: &str) -> Result<Protocol, ProtocolError> {
    let doc = SpannedDoc::parse(text, origin)?;
    let protocol: Protocol = doc.deserialize(origin)?;
    let mut problems = validate(&protocol);
    let p = std::path::Path::new(origin);
    if p.extension().is_some_and(|e| e == "toml")
        && let Some(stem) = p.file_stem().and_then(|s| s.to_str())
        && stem != protocol.id
    {
        problems.push(Problem::new(
            &[Seg::Key("id")],
            format!(
                "id {:?} must match the file name {stem:?} (rename the file or change the id)",
                protocol.id
            ),
        ));
    }
    doc.locate(origin, problems)?;
    Ok(protocol)
}

fn range_u32(out: &mut Vec<Problem>, path: &[Seg], v: u32, lo: u32, hi: u32, unit: &str) {
    if v < lo || v > hi {
        out.push(Problem::new(
            path,
            format!("{} must be {lo}-{hi}{unit}; got {v}", path_text(path)),
        ));
    }
}

fn range_f64(out: &mut Vec<Problem>, path: &[Seg], v: f64, lo: f64, hi: f64, unit: &str) {
    if !v.is_finite() || v < lo || v > hi {
        out.push(Problem::new(
            path,
            format!("{} must be {lo}-{hi}{unit}; got {v}", path_text(path)),
        ));
    }
}

fn join(a: &[Seg], b: &[Seg]) -> Vec<Seg> {
    [a, b].concat()
}

fn positive(out: &mut Vec<Problem>, path: &[Seg], v: f64) {
    if !v.is_finite() || v <= 0.0 {
        out.push(Problem::new(
            path,
            format!("{} must be greater than 0; got {v}", path_text(path)),
        ));
    }
}

/// Check a protocol's values (ranges, consistency, known instruments). Pure; positions are added by [`parse`].
pub fn validate(p: &Protocol) -> Vec<Problem> {
    use Seg::{Index, Key};
    let mut out = Vec::new();
    let id_ok = !p.id.is_empty()
        && p.id.len() <= 64
        && p.id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !p.id.starts_with('-');
    if !id_ok {
        out.push(Problem::new(
            &[Key("id")],
            format!(
                "id {:?} must be lower-case letters, digits and '-' (e.g. \"task-specific-300\")",
                p.id
            ),
        ));
    }
    if p.name.trim().is_empty() {
        out.push(Problem::new(&[Key("name")], "name must not be empty"));
    }
    if p.conditions.is_empty() {
        out.push(Problem::new(
            &[Key("conditions")],
            "conditions must name at least one of \"stroke\", \"parkinsons\", \"cerebellar_ataxia\", \"older_adult\"",
        ));
    }
    if p.measures.is_empty() {
        out.push(Problem::new(
            &[Key("measures")],
            "measures must name at least one instrument, the primary first",
        ));
    }
    for (i, m) in p.measures.iter().enumerate() {
        match crate::instruments::get(m) {
            Ok(inst) if inst.id == m => {}
            Ok(inst) => out.push(Problem::new(
                &[Key("measures"), Index(i)],
                format!("measures: write instrument {m:?} as {:?}", inst.id),
            )),
            Err(e) => out.push(Problem::new(
                &[Key("measures"), Index(i)],
                format!("measures: {e}"),
            )),
        }
    }

    let s = &p.schedule;
    let sch = |k: &'static str| [Key("schedule"), Key(k)];
    range_u32(&mut out, &sch("weeks"), s.weeks, 0, 52, " weeks");
    range_u32(&mut out, &sch("days_per_week"), s.days_per_week, 1, 7, "");
    range_u32(
        &mut out,
        &sch("sessions_per_day"),
        s.sessions_per_day,
        1,
        6,
        "",
    );
    range_f64(
        &mut out,
        &sch("minutes_per_session"),
        s.minutes_per_session,
        1.0,
        480.0,
        " minutes",
    );
    range_u32(
        &mut out,
        &sch("repetitions_per_session"),
        s.repetitions_per_session,
        0,
        2000,
        "",
    );
    range_f64(
        &mut out,
        &sch("rest_hours_between_sessions"),
        s.rest_hours_between_sessions,
        0.0,
        24.0,
        " hours",
    );
    if s.sessions_per_day > 1 {
        let day_hours = f64::from(s.sessions_per_day) * s.minutes_per_session / 60.0
            + f64::from(s.sessions_per_day - 1) * s.rest_hours_between_sessions;
        if day_hours > 24.0 {
            out.push(Problem::new(
                &sch("sessions_per_day"),
                format!(
                    "schedule: {} sessions of {} minutes with {} h rest between them do not fit in one day",
                    s.sessions_per_day, s.minutes_per_session, s.rest_hours_between_sessions
                ),
            ));
        }
    }

    let pr = &p.practice;
    if pr.tasks.is_empty() {
        out.push(Problem::new(
            &[Key("practice")],
            "practice must list at least one task ([[practice.tasks]])",
        ));
    }
    let mut decomposed = false;
    for (i, t) in pr.tasks.iter().enumerate() {
        let tp = [Key("practice"), Key("tasks"), Index(i)];
        if t.name.trim().is_empty() {
            out.push(Problem::new(
                &join(&tp, &[Key("name")]),
                "task name must not be empty",
            ));
        }
        positive(&mut out, &join(&tp, &[Key("weight")]), t.weight);
        if t.components.len() >= 2 {
            decomposed = true;
        }
        if t.components.len() == 1 {
            out.push(Problem::new(
                &join(&tp, &[Key("components")]),
                format!(
                    "task {:?} has a single component; list two or more, or none",
                    t.name
                ),
            ));
        }
        for (j, c) in t.components.iter().enumerate() {
            let cp = join(&tp, &[Key("components"), Index(j)]);
            if c.name.trim().is_empty() {
                out.push(Problem::new(&cp, "component name must not be empty"));
            }
            positive(&mut out, &join(&cp, &[Key("weight")]), c.weight);
        }
    }
    if pr.structure != Structure::Whole && !pr.tasks.is_empty() && !decomposed {
        out.push(Problem::new(
            &[Key("practice"), Key("structure")],
            "practice.structure other than \"whole\" needs a task with two or more components",
        ));
    }

    let g = &p.progression;
    let pg = |k: &'static str| [Key("progression"), Key(k)];
    range_u32(&mut out, &pg("window"), g.window, 1, 2000, " repetitions");
    range_f64(
        &mut out,
        &pg("advance_above"),
        g.advance_above,
        0.0,
        1.0,
        "",
    );
    range_f64(
        &mut out,
        &pg("regress_below"),
        g.regress_below,
        0.0,
        1.0,
        "",
    );
    if g.regress_below >= g.advance_above {
        out.push(Problem::new(
            &pg("regress_below"),
            format!(
                "progression.regress_below ({}) must be lower than progression.advance_above ({})",
                g.regress_below, g.advance_above
            ),
        ));
    }
    range_u32(&mut out, &pg("max_level"), g.max_level, 1, 100, "");
    if g.start_level < 1 || g.start_level > g.max_level {
        out.push(Problem::new(
            &pg("start_level"),
            format!(
                "progression.start_level must be 1-{} (max_level); got {}",
                g.max_level, g.start_level
            ),
        ));
    }
    match (g.rule, g.step_every_sessions) {
        (ProgressionRule::Fixed, None) => out.push(Problem::new(
            &pg("rule"),
            "progression.rule \"fixed\" needs step_every_sessions (sessions between steps)",
        )),
        (_, Some(n)) => range_u32(&mut out, &pg("step_every_sessions"), n, 1, 365, " sessions"),
        _ => {}
    }

    range_f64(
        &mut out,
        &[Key("feedback"), Key("augmented_fraction")],
        p.feedback.augmented_fraction,
        0.0,
        1.0,
        "",
    );
    if let Some(c) = &p.constraint
        && (!c.hours_per_day.is_finite() || c.hours_per_day <= 0.0 || c.hours_per_day > 24.0)
    {
        {
            out.push(Problem::new(
                &[Key("constraint"), Key("hours_per_day")],
                format!(
                    "constraint.hours_per_day must be more than 0 and at most 24 hours; got {}",
                    c.hours_per_day
                ),
            ));
        }
    }
    if p.evidence.citation.trim().is_empty() {
        out.push(Problem::new(
            &[Key("evidence"), Key("citation")],
            "evidence.citation must name the source (author year, journal)",
        ));
    }
    out
}
