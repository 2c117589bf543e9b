//! What a forecast needs about a scenario x protocol that does not change between draws: the instruments forecast
//! (slots), the day and hour of every session, each task's split into components and into closed-form practice
//! blocks, the fatigue capacity of a session, and which logged assessments calibration can score.
//!
//! Fatigue: useful repetitions saturate within a session, R (1 - exp(-n / R)), with R growing less than in
//! proportion with the session's length (calibrated to Lang 2016 Ann Neurol 80:342, see `constants.rs`). Whole,
//! part, part-whole and progressive-part practice split a session's repetitions between the whole task and its
//! components (Wickens 2013 Hum Factors 55); components that run in sequence integrate better than concurrent ones.

use super::constants as k;
use super::impairment::{self, Preset};
use super::outcome::{self, DOMAINS, Domain, Slot};
use super::protocol::{Protocol, Structure, Timing};
use super::scenario::Scenario;
use crate::domain::Condition;

pub(super) struct TaskPlan {
    pub(super) domain: Domain,
    /// Component weights (normalised); one component of weight 1 when the task is not decomposed.
    pub(super) parts: Vec<f64>,
    /// Share of whole-task skill carried by integration of the components.
    pub(super) iota: f64,
    pub(super) blocks: Blocks,
    /// The domains this task's skill transfers to, with the transfer ([`outcome::transfer_in`]); domains without
    /// transfer are left out (a task trains one to three of the seven), so the engine's daily update skips them.
    pub(super) transfers: Vec<(usize, f64)>,
}

/// The domains a task of `domain` transfers to, with the transfer (non-zero only).
fn transfers_of(condition: &Condition, domain: Domain) -> Vec<(usize, f64)> {
    (0..DOMAINS)
        .map(|d| {
            (
                d,
                outcome::transfer_in(condition, domain, outcome::domain_at(d)),
            )
        })
        .filter(|&(_, w)| w != 0.0)
        .collect()
}

/// How one task's repetitions of a session are split into closed-form blocks (the same every session). A session
/// runs in rounds: round j is block j of every task, so fatigue falls on all the session's tasks alike (see
/// [`Rounds`]).
pub(super) struct Blocks {
    /// Rounds this task takes part in: the session's rounds, or 0 when the task gets no repetitions.
    pub(super) count: u32,
    /// Progression windows per block.
    pub(super) windows: u32,
    pub(super) whole_share: f64,
    /// Share of part repetitions that also train integration (progressive part).
    pub(super) part_integ: f64,
    /// Whole-task repetitions of a block as a share of the round's repetitions (all tasks).
    pub(super) round_whole: f64,
    /// Each component's part repetitions as a share of the round's repetitions.
    pub(super) round_parts: Vec<f64>,
}

/// No practice of a task in a session.
fn blocks_none(parts: usize) -> Blocks {
    Blocks {
        count: 0,
        windows: 1,
        whole_share: 1.0,
        part_integ: 0.0,
        round_whole: 0.0,
        round_parts: vec![0.0; parts],
    }
}

/// Blocks of one task doing `n_task` repetitions a session in `rounds` rounds of `n_round` repetitions (all tasks).
fn blocks(
    n_task: f64,
    window: f64,
    parts: &[f64],
    structure: Structure,
    rounds: u32,
    n_round: f64,
) -> Blocks {
    let count = if n_task > 0.0 { rounds } else { 0 };
    let nb = if count > 0 {
        n_task / f64::from(count)
    } else {
        0.0
    };
    let (whole_share, part_integ) = if parts.len() <= 1 {
        (1.0, 0.0)
    } else {
        match structure {
            Structure::Whole => (1.0, 0.0),
            Structure::Part => (0.0, 0.0),
            Structure::PartWhole => (k::PART_WHOLE_WHOLE_SHARE, 0.0),
            Structure::ProgressivePart => (0.0, k::PROGRESSIVE_PART_INTEGRATION_SHARE),
        }
    };
    let of_round = |n: f64| if n_round > 0.0 { n / n_round } else { 0.0 };
    let n_whole = nb * whole_share;
    let n_parts: Vec<f64> = parts.iter().map(|w| nb * (1.0 - whole_share) * w).collect();
    Blocks {
        count,
        windows: (nb / window).round().max(1.0) as u32,
        whole_share,
        part_integ,
        round_whole: of_round(n_whole),
        round_parts: n_parts.iter().map(|&n| of_round(n)).collect(),
    }
}

/// Useful repetitions a session can hold before fatigue: the capacity of a 1-hour session, growing less than in
/// proportion with the session's length (long sessions such as CIMT's 6 hours include rest breaks, but fatigue
/// still builds up; several shorter sessions with rest between them hold more than one long one).
fn fatigue_capacity(minutes: f64) -> f64 {
    k::FATIGUE_CAPACITY_REPS_PER_HOUR
        * (minutes / 60.0)
            .max(k::FATIGUE_MIN_HOURS)
            .powf(k::FATIGUE_LENGTH_EXPONENT)
}

/// A day's practice of a protocol with `reps` repetitions in a session of `minutes` minutes: with constraint of the
/// less-affected arm (CIMT), the constrained hours outside the session (the constraint's hours less the session's
/// length: the mitt is worn during therapy too) are practice as well, the affected arm doing the day's tasks (forced
/// use; Page 2004 Arch Phys Med Rehabil 85:14), at `constants::CONSTRAINT_PRACTICE_REPS_PER_HOUR`. They lengthen the
/// day's practice, so its fatigue capacity grows with them (`fatigue_capacity`) and fatigue caps what they add.
/// Returns (repetitions, minutes) of the day's practice.
fn with_constraint(p: &Protocol, reps: f64, minutes: f64) -> (f64, f64) {
    let Some(c) = &p.constraint else {
        return (reps, minutes);
    };
    let hours = (c.hours_per_day - minutes / 60.0).max(0.0);
    (
        reps + k::CONSTRAINT_PRACTICE_REPS_PER_HOUR * hours,
        minutes + 60.0 * hours,
    )
}

/// Everything about a scenario x protocol that does not change between draws.
pub(super) struct Prepared<'a> {
    pub(super) scenario: &'a Scenario,
    pub(super) protocol: Option<&'a Protocol>,
    pub(super) preset: Preset,
    pub(super) slots: Vec<Slot>,
    /// (day, hour) of every session inside the horizon, in time order.
    pub(super) sessions: Vec<(u32, f64)>,
    /// Sessions completed before the morning of each day.
    pub(super) sessions_before: Vec<u32>,
    /// Sessions of the protocol done before the forecast (a plan under way, `Scenario::plan_done`): `sessions`
    /// are the rest of its schedule, and its fixed progression continues from there.
    pub(super) sessions_done: u32,
    /// Every session the engine runs (the protocol's and earlier practice), in time order.
    pub(super) timeline: Vec<Session>,
    /// Doses of the earlier practice sessions.
    pub(super) doses: Vec<Dose>,
    /// First day the engine runs (the first session of earlier practice, else day 0).
    pub(super) first_day: i32,
    /// Sessions of the timeline on or after day 0 (those reported with their end-of-session scores).
    pub(super) shown: usize,
    /// Sessions of earlier practice not run (on or after day 0 for a history block, beyond the horizon, too many).
    pub(super) history_dropped: usize,
    pub(super) tasks: Vec<TaskPlan>,
    pub(super) reps: f64,
    pub(super) minutes: f64,
    pub(super) fatigue_capacity: f64,
    /// Rounds of a session (all tasks together): the session's useful repetitions R (1 - exp(-n / R)) are shared
    /// by its tasks in proportion to their repetitions, whatever their order (fatigue is the patient's, not the
    /// task's; Lee & Genovese 1988).
    pub(super) rounds: Rounds,
    pub(super) horizon: u32,
    pub(super) end_day: u32,
    pub(super) follow_up: u32,
    /// Room to the worst score on the progression reference instrument (instrument units).
    pub(super) decline_room: f64,
    /// Index of the arm slot driving use-dependent recovery (stroke only).
    pub(super) arm_slot: Option<usize>,
    /// Index of the slot measuring arm use (Motor Activity Log, amount of use first), when there is an arm slot:
    /// its baseline sets the draw's use, and the gap to what the arm can do is learned non-use.
    pub(super) use_slot: Option<usize>,
    /// Domains read by a slot or by arm use, ascending.
    pub(super) used_domains: Vec<usize>,
    /// (slot, day) of each distinct assessment logged before day 0 that calibration scores, by back-casting.
    pub(super) past_obs: Vec<(usize, i32)>,
    /// The distinct days of `past_obs`, ascending: the engine keeps the practice carried on each of their mornings.
    pub(super) past_days: Vec<i32>,
    /// Assessments before day 0 that cannot be used (before the stroke, or of an instrument not forecast).
    pub(super) past_skipped: usize,
    /// Baseline instruments the model does not know (not forecast; said in the notes).
    pub(super) unknown_instruments: Vec<String>,
}

/// Rounds of a session: how a session's repetitions are run, all its tasks together (see [`Blocks`]).
#[derive(Debug, Clone, Copy)]
pub(super) struct Rounds {
    /// Rounds of a session (0 without practice).
    pub(super) count: u32,
    /// Repetitions per round, all tasks together.
    pub(super) reps: f64,
    /// exp(-reps / fatigue capacity).
    pub(super) exp: f64,
}

/// The tasks of a protocol with their blocks for a session of `reps` repetitions and `minutes` minutes, and the
/// session's rounds: one number of rounds for the whole session, set by its largest task (see `Blocks`). Each
/// task's transfer to the domains depends on the patient's `condition` (`outcome::transfer_in`).
fn task_plans(
    p: &Protocol,
    reps: f64,
    minutes: f64,
    condition: &Condition,
) -> (Vec<TaskPlan>, Rounds) {
    let total_w: f64 = p.practice.tasks.iter().map(|t| t.weight.max(0.0)).sum();
    let share_of = |t: &super::protocol::Task| {
        if total_w > 0.0 {
            t.weight.max(0.0) / total_w
        } else {
            1.0 / p.practice.tasks.len() as f64
        }
    };
    let window = f64::from(p.progression.window.max(1));
    let largest = p
        .practice
        .tasks
        .iter()
        .map(|t| reps * share_of(t))
        .fold(0.0, f64::max);
    let count = ((largest / window).ceil() as u32).clamp(1, k::MAX_BLOCKS_PER_SESSION);
    let round_reps = reps / f64::from(count);
    let rounds = Rounds {
        count,
        reps: round_reps,
        exp: (-round_reps / fatigue_capacity(minutes)).exp(),
    };
    let mut tasks = Vec::new();
    for t in &p.practice.tasks {
        let cw: f64 = t.components.iter().map(|c| c.weight.max(0.0)).sum();
        let parts = if t.components.is_empty() || cw <= 0.0 {
            vec![1.0]
        } else {
            t.components
                .iter()
                .map(|c| c.weight.max(0.0) / cw)
                .collect()
        };
        let iota = if parts.len() <= 1 {
            0.0
        } else {
            match t.timing {
                Timing::Sequential => k::INTEGRATION_SEQUENTIAL,
                Timing::Concurrent => k::INTEGRATION_CONCURRENT,
            }
        };
        let domain = outcome::domain_of_target(t.target);
        tasks.push(TaskPlan {
            domain,
            transfers: transfers_of(condition, domain),
            blocks: blocks(
                reps * share_of(t),
                window,
                &parts,
                p.practice.structure,
                count,
                round_reps,
            ),
            parts,
            iota,
        });
    }
    (tasks, rounds)
}

/// A task is the same skill in two protocols when its name, target and number of components are the same: practice
/// of it in earlier sessions carries over (and is relearned faster, savings).
fn same_task(a: &super::protocol::Task, b: &super::protocol::Task) -> bool {
    a.name.trim().eq_ignore_ascii_case(b.name.trim())
        && a.target == b.target
        && a.components.len() == b.components.len()
}

/// One dose of earlier practice: a protocol's session at a given length and number of repetitions.
pub(super) struct Dose {
    /// Index into the scenario's `practice.protocols`.
    pub(super) source: usize,
    pub(super) minutes: f64,
    pub(super) fatigue_capacity: f64,
    /// The session's rounds (all its tasks together), computed as the forecast protocol's.
    pub(super) rounds: Rounds,
    /// (index into `Prepared::tasks`, blocks of that task in this session).
    pub(super) blocks: Vec<(usize, Blocks)>,
}

/// A session the engine runs: of the forecast protocol (`dose` None) or of earlier practice.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Session {
    pub(super) day: i32,
    pub(super) hour: f64,
    pub(super) dose: Option<usize>,
}

/// FMA-UE headroom of a draw's slots (the proportional rule's intercept is in FMA-UE points).
pub(super) fn fma_ue_headroom(slots: &[Slot]) -> Option<f64> {
    slots.iter().find(|s| s.id == "fma_ue").map(|s| s.up)
}

impl Prepared<'_> {
    /// The slots of one draw: every baseline is a measurement, so the draw's true day-0 score is the entered
    /// baseline plus the instrument's standard error of measurement times a standard normal variate (one per slot,
    /// always consumed: common random numbers), kept inside the instrument's range. Calibration then weighs the draws
    /// by the other assessments, a day-0 one included (`fit.rs`).
    pub(super) fn day0_slots<R: rand::Rng + ?Sized>(&self, rng: &mut R) -> Vec<Slot> {
        self.slots
            .iter()
            .map(|s| {
                let z: f64 = rand_distr::Distribution::sample(&rand_distr::StandardNormal, rng);
                Slot::new(s.inst, s.baseline + z * s.inst.sem)
            })
            .collect()
    }
}

pub(super) fn prepare<'a>(scenario: &'a Scenario, protocol: Option<&'a Protocol>) -> Prepared<'a> {
    let preset = impairment::preset(scenario);
    let mut unknown_instruments = Vec::new();
    let mut slots = Vec::new();
    for (id, &b) in &scenario.baseline {
        match crate::instruments::get(id) {
            Ok(inst) => slots.push(Slot::new(
                inst,
                super::medication::baseline_score(scenario, inst, b),
            )),
            Err(_) => unknown_instruments.push(id.clone()),
        }
    }
    let horizon = scenario.horizon_days;
    let mut sessions = Vec::new();
    let mut tasks = Vec::new();
    let (mut reps, mut minutes) = (0.0, 0.0);
    let mut rounds = Rounds {
        count: 0,
        reps: 0.0,
        exp: 1.0,
    };
    let mut practice_capacity = fatigue_capacity(0.0);
    let mut done = 0;
    if let Some(p) = protocol {
        let sc = &p.schedule;
        reps = f64::from(sc.repetitions_per_session);
        minutes = sc.minutes_per_session.max(0.0);
        let (practice_reps, practice_minutes) = with_constraint(p, reps, minutes);
        // The scenario may say when this patient's sessions happen (one time per session of the day).
        let hours = scenario
            .session_hours()
            .filter(|h| h.len() == sc.sessions_per_day as usize)
            .unwrap_or_else(|| sc.session_hours());
        // A plan under way runs the rest of its schedule: the sessions done are skipped, and the next one falls on
        // `start_day`, the schedule's spacing kept.
        done = scenario
            .plan_done
            .as_ref()
            .filter(|(id, _)| *id == p.id)
            .map_or(0, |(_, n)| *n);
        let slots: Vec<(u32, f64)> = sc.session_slots_at(&hours);
        let rest = slots.get(done as usize..).unwrap_or_default();
        let first = rest.first().map_or(0, |s| s.0);
        for &(offset, hour) in rest {
            let day = u64::from(scenario.start_day) + u64::from(offset - first);
            if day <= u64::from(horizon) {
                sessions.push((day as u32, hour));
            }
        }
        let (plans, r) = task_plans(
            p,
            practice_reps,
            practice_minutes,
            &scenario.patient.condition,
        );
        tasks = plans;
        rounds = r;
        practice_capacity = fatigue_capacity(practice_minutes);
    }
    // Earlier practice: each distinct (protocol, minutes, repetitions) is one dose; its tasks are the forecast
    // protocol's when they are the same task, else tasks of their own (practised only in those sessions).
    let history = &scenario.practice;
    let mut known_tasks: Vec<&super::protocol::Task> = protocol
        .map(|p| p.practice.tasks.iter().collect())
        .unwrap_or_default();
    let mut doses: Vec<Dose> = Vec::new();
    let mut dose_keys: Vec<(usize, u64, u32)> = Vec::new();
    let mut extra = Vec::new();
    let mut kept: Vec<&super::scenario::PastSession> = history
        .sessions
        .iter()
        .filter(|s| s.day <= horizon as i32 && s.protocol < history.protocols.len())
        .collect();
    kept.sort_by(|a, b| {
        (a.day, a.hour)
            .partial_cmp(&(b.day, b.hour))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let skip = kept
        .len()
        .saturating_sub(super::scenario::MAX_HISTORY_SESSIONS);
    for s in kept.into_iter().skip(skip) {
        let key = (s.protocol, s.minutes.to_bits(), s.repetitions);
        let dose = match dose_keys.iter().position(|k| *k == key) {
            Some(i) => i,
            None => {
                let p = &history.protocols[s.protocol];
                let (n, m) = with_constraint(p, f64::from(s.repetitions), s.minutes.max(0.0));
                let (plans, rounds) = task_plans(p, n, m, &scenario.patient.condition);
                let mut blocks = Vec::new();
                for (t, plan) in p.practice.tasks.iter().zip(plans) {
                    let index = match known_tasks.iter().position(|k| same_task(k, t)) {
                        Some(i) => i,
                        None => {
                            known_tasks.push(t);
                            // A task of its own: never practised in the forecast protocol's sessions.
                            tasks.push(TaskPlan {
                                domain: plan.domain,
                                blocks: blocks_none(plan.parts.len()),
                                parts: plan.parts.clone(),
                                iota: plan.iota,
                                transfers: plan.transfers.clone(),
                            });
                            tasks.len() - 1
                        }
                    };
                    blocks.push((index, plan.blocks));
                }
                doses.push(Dose {
                    source: s.protocol,
                    minutes: s.minutes.max(0.0),
                    fatigue_capacity: fatigue_capacity(m),
                    rounds,
                    blocks,
                });
                dose_keys.push(key);
                doses.len() - 1
            }
        };
        extra.push(Session {
            day: s.day,
            hour: s.hour,
            dose: Some(dose),
        });
    }
    let history_dropped = history.dropped + history.sessions.len() - extra.len();
    // Every session in time order, forecast protocol and earlier practice together.
    let mut timeline: Vec<Session> = sessions
        .iter()
        .map(|&(day, hour)| Session {
            day: day as i32,
            hour,
            dose: None,
        })
        .chain(extra)
        .collect();
    timeline.sort_by(|a, b| {
        (a.day, a.hour)
            .partial_cmp(&(b.day, b.hour))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let first_day = timeline.first().map_or(0, |s| s.day.min(0));
    let shown = timeline.iter().filter(|s| s.day >= 0).count();
    let mut sessions_before = vec![0u32; horizon as usize + 1];
    let mut i = 0;
    for (day, slot) in sessions_before.iter_mut().enumerate() {
        while i < sessions.len() && (sessions[i].0 as usize) < day {
            i += 1;
        }
        *slot = i as u32;
    }
    let end_day = sessions
        .last()
        .map_or(scenario.start_day.min(horizon), |s| s.0);
    let follow_up = scenario.follow_up_day.unwrap_or(horizon).min(horizon);
    let decline_room = match &preset.decline {
        Some(d) => {
            let inst = crate::instruments::get(d.instrument).ok();
            let b = scenario
                .baseline
                .get(d.instrument)
                .copied()
                .unwrap_or(d.reference_baseline);
            inst.map_or(100.0, |i| Slot::new(i, b).down.max(1.0))
        }
        None => 1.0,
    };
    let is_stroke = matches!(scenario.patient.condition, Condition::Stroke(_));
    let arm_slot = if is_stroke {
        slots.iter().position(|s| s.domain == Domain::Arm)
    } else {
        None
    };
    let use_slot = arm_slot.and_then(|_| {
        ["mal_aou", "mal_qom"]
            .iter()
            .find_map(|id| slots.iter().position(|s| s.id == *id))
    });
    let mut used_domains: Vec<usize> = slots.iter().map(|s| s.domain as usize).collect();
    if arm_slot.is_some() {
        used_domains.push(Domain::Arm as usize);
    }
    used_domains.sort_unstable();
    used_domains.dedup();
    // Assessments before day 0: scored against the course run backwards (see `fit::past_score`); not before
    // the stroke's onset.
    let earliest = match scenario.patient.condition {
        Condition::Stroke(_) => -i64::from(scenario.patient.onset_days()),
        _ => i64::MIN,
    };
    let mut past_obs = Vec::new();
    let mut past_skipped = 0;
    for o in scenario.observations.iter().filter(|o| o.day < 0) {
        let slot = crate::instruments::get(&o.instrument)
            .ok()
            .and_then(|i| slots.iter().position(|s| s.id == i.id));
        match slot {
            Some(s) if i64::from(o.day) >= earliest => {
                if !past_obs.contains(&(s, o.day)) {
                    past_obs.push((s, o.day));
                }
            }
            _ => past_skipped += 1,
        }
    }
    let mut past_days: Vec<i32> = past_obs.iter().map(|&(_, d)| d).collect();
    past_days.sort_unstable();
    past_days.dedup();
    Prepared {
        scenario,
        protocol,
        preset,
        slots,
        sessions,
        sessions_before,
        sessions_done: done,
        timeline,
        doses,
        first_day,
        shown,
        history_dropped,
        tasks,
        reps,
        minutes,
        fatigue_capacity: practice_capacity,
        rounds,
        horizon,
        end_day,
        follow_up,
        decline_room,
        arm_slot,
        use_slot,
        used_domains,
        past_obs,
        past_days,
        past_skipped,
        unknown_instruments,
    }
}
