//! The forecasting engine: Monte Carlo over a patient's circuit parameters, one day at a time.
//!
//! Per draw: sample the circuits from the condition preset ([`super::impairment`]); walk the days from 0 to the
//! horizon; on therapy days run the sessions in a few closed-form blocks of the two-state skill model
//! ([`super::skill`]) with fatigue, challenge point and the protocol's progression rule; between sessions stabilise
//! (awake) or consolidate (sleep) the fast state and forget a little; add spontaneous recovery, use-dependent change
//! and progression ([`super::recovery`]); map to each instrument ([`super::outcome`]). Draw i always uses the RNG
//! stream i of `opts.seed`, and the priors never depend on the protocol, so protocols compared on the same seed see
//! the same patients (common random numbers).

use std::collections::BTreeMap;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use super::circuits::Circuits;
use super::constants as k;
use super::fit;
use super::forecast::*;
use super::impairment::{self, Preset};
use super::outcome::{self, DOMAINS, Domain, Slot};
use super::protocol::{FeedbackKind, Order, ProgressionRule, Protocol, Structure, Timing};
use super::recovery::{self, UseState};
use super::scenario::Scenario;
use super::skill::{self, State, TwoState};
use crate::domain::Condition;

/// Hour of the first session of a day.
const FIRST_SESSION_HOUR: f64 = 9.0;

struct TaskPlan {
    domain: Domain,
    /// Component weights (normalised); one component of weight 1 when the task is not decomposed.
    parts: Vec<f64>,
    /// Share of whole-task skill carried by integration of the components.
    iota: f64,
    blocks: Blocks,
    /// Transfer of this task's skill to each domain.
    transfer: [f64; DOMAINS],
}

/// How one task's repetitions of a session are split into closed-form blocks (the same every session).
struct Blocks {
    count: u32,
    /// Progression windows per block.
    windows: u32,
    whole_share: f64,
    /// Share of part repetitions that also train integration (progressive part).
    part_integ: f64,
    n_whole: f64,
    exp_whole: f64,
    n_parts: Vec<f64>,
    exp_parts: Vec<f64>,
}

fn blocks(n_task: f64, window: f64, parts: &[f64], structure: Structure, capacity: f64) -> Blocks {
    let count = if n_task > 0.0 {
        ((n_task / window).ceil() as u32).clamp(1, k::MAX_BLOCKS_PER_SESSION)
    } else {
        0
    };
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
    let e = |n: f64| (-n / capacity).exp();
    let n_whole = nb * whole_share;
    let n_parts: Vec<f64> = parts.iter().map(|w| nb * (1.0 - whole_share) * w).collect();
    Blocks {
        count,
        windows: (nb / window).round().max(1.0) as u32,
        whole_share,
        part_integ,
        n_whole,
        exp_whole: e(n_whole),
        exp_parts: n_parts.iter().map(|&n| e(n)).collect(),
        n_parts,
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

/// Everything about a scenario x protocol that does not change between draws.
struct Prepared<'a> {
    scenario: &'a Scenario,
    protocol: Option<&'a Protocol>,
    preset: Preset,
    slots: Vec<Slot>,
    /// (day, hour) of every session inside the horizon, in time order.
    sessions: Vec<(u32, f64)>,
    /// Sessions completed before the morning of each day.
    sessions_before: Vec<u32>,
    tasks: Vec<TaskPlan>,
    reps: f64,
    minutes: f64,
    fatigue_capacity: f64,
    horizon: u32,
    end_day: u32,
    follow_up: u32,
    /// Room to the worst score on the progression reference instrument (instrument units).
    decline_room: f64,
    /// Index of the arm slot driving use-dependent recovery (stroke only).
    arm_slot: Option<usize>,
    fma_ue_headroom: Option<f64>,
    /// Domains read by a slot or by arm use, ascending.
    used_domains: Vec<usize>,
    /// (slot, day) of each distinct assessment logged before day 0 that calibration scores, by back-casting.
    past_obs: Vec<(usize, i32)>,
    /// Assessments before day 0 that cannot be used (before the stroke, or of an instrument not forecast).
    past_skipped: usize,
}

fn prepare<'a>(scenario: &'a Scenario, protocol: Option<&'a Protocol>) -> Prepared<'a> {
    let preset = impairment::preset(scenario);
    let mut notes_extra = Vec::new();
    let mut slots = Vec::new();
    for (id, &b) in &scenario.baseline {
        match crate::instruments::get(id) {
            Ok(inst) => slots.push(Slot::new(inst, b)),
            Err(_) => notes_extra.push(format!(
                "unknown instrument {id:?} in the baseline: not forecast"
            )),
        }
    }
    let horizon = scenario.horizon_days;
    let mut sessions = Vec::new();
    let mut tasks = Vec::new();
    let (mut reps, mut minutes) = (0.0, 0.0);
    if let Some(p) = protocol {
        let sc = &p.schedule;
        reps = f64::from(sc.repetitions_per_session);
        minutes = sc.minutes_per_session.max(0.0);
        let dpw = sc.days_per_week.clamp(1, 7);
        for w in 0..sc.weeks {
            for d in 0..dpw {
                let offset = if dpw >= 5 { d } else { d * 7 / dpw };
                let day = scenario.start_day + w * 7 + offset;
                if day > horizon {
                    continue;
                }
                let mut hour = FIRST_SESSION_HOUR;
                for _ in 0..sc.sessions_per_day {
                    sessions.push((day, hour));
                    hour += minutes / 60.0 + sc.rest_hours_between_sessions.max(0.0);
                }
            }
        }
        let total_w: f64 = p.practice.tasks.iter().map(|t| t.weight.max(0.0)).sum();
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
            let share = if total_w > 0.0 {
                t.weight.max(0.0) / total_w
            } else {
                1.0 / p.practice.tasks.len() as f64
            };
            let window = f64::from(p.progression.window.max(1));
            let domain = outcome::domain_of_target(t.target);
            tasks.push(TaskPlan {
                domain,
                transfer: std::array::from_fn(|d| outcome::transfer(domain, domain_from(d))),
                blocks: blocks(
                    reps * share,
                    window,
                    &parts,
                    p.practice.structure,
                    fatigue_capacity(minutes),
                ),
                parts,
                iota,
            });
        }
    }
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
    let fma_ue_headroom = slots.iter().find(|s| s.id == "fma_ue").map(|s| s.up);
    let mut used_domains: Vec<usize> = slots.iter().map(|s| s.domain as usize).collect();
    if arm_slot.is_some() {
        used_domains.push(Domain::Arm as usize);
    }
    used_domains.sort_unstable();
    used_domains.dedup();
    // Assessments before day 0: scored against the untreated course run backwards (see `past_score`); not before
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
    let mut preset = preset;
    preset.notes.extend(notes_extra);
    Prepared {
        scenario,
        protocol,
        preset,
        slots,
        sessions,
        sessions_before,
        tasks,
        reps,
        minutes,
        fatigue_capacity: fatigue_capacity(minutes),
        horizon,
        end_day,
        follow_up,
        decline_room,
        arm_slot,
        fma_ue_headroom,
        used_domains,
        past_obs,
        past_skipped,
    }
}

/// Skill state of one task.
#[derive(Clone)]
struct TaskState {
    parts: Vec<State>,
    integ: State,
    level: u32,
    /// Whole-task skill at the previous night (for the sleep gain).
    at_last_night: Vec<f64>,
    integ_at_last_night: f64,
}

fn task_skill(plan: &TaskPlan, st: &TaskState) -> f64 {
    let comp: f64 = plan
        .parts
        .iter()
        .zip(&st.parts)
        .map(|(w, s)| w * s.total())
        .sum();
    comp * ((1.0 - plan.iota) + plan.iota * st.integ.total().clamp(0.0, 1.0))
}

fn difficulty(level: u32, max_level: u32) -> f64 {
    let max = max_level.max(2);
    f64::from(level.clamp(1, max) - 1) / f64::from(max - 1)
}

/// One draw's trajectory: latent (true) score per slot per day, and spontaneous arm use per day (stroke).
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub days: Vec<u32>,
    /// Instrument id -> true score per day.
    pub scores: BTreeMap<String, Vec<f64>>,
    /// Spontaneous use of the affected arm (0-1) per day; empty when the scenario has no arm instrument after stroke.
    pub arm_use: Vec<f64>,
}

/// Per-draw learner settings derived from the circuits and the protocol.
struct Learners {
    comp: TwoState,
    integ: TwoState,
    /// Daily retention factor of the slow state.
    keep_per_day: f64,
    noise: f64,
}

fn learners(prep: &Prepared, c: &Circuits) -> Learners {
    let p = prep.protocol;
    let (fb_gain, err_share) = match p.map(|p| p.feedback.kind) {
        Some(FeedbackKind::ErrorBased) => (c.err_gain, 1.0),
        Some(FeedbackKind::Reinforcement) => (c.rl_gain, 0.0),
        Some(FeedbackKind::Mixed) | None => (0.5 * (c.err_gain + c.rl_gain), 0.5),
    };
    let aug = p.map_or(0.0, |p| p.feedback.augmented_fraction.clamp(0.0, 1.0));
    let pd = matches!(prep.scenario.patient.condition, Condition::Parkinsons(_));
    let aug_gain = if pd {
        1.0 + k::AUGMENTED_FEEDBACK_PD_BENEFIT * aug * (1.0 - err_share)
    } else {
        1.0
    };
    let random = p.is_some_and(|p| p.practice.order == Order::Random && prep.tasks.len() > 1);
    let (fast_order, slow_order) = if random {
        (
            1.0 + k::RANDOM_ORDER_ACQUISITION_COST,
            1.0 + c.random_order_benefit,
        )
    } else {
        (1.0, 1.0)
    };
    let base = c.plasticity * fb_gain * aug_gain;
    let comp = TwoState::skill(base * c.declarative * fast_order, base * slow_order);
    let integ = TwoState::skill(
        base * c.declarative * fast_order * c.auto_gain,
        base * slow_order * c.auto_gain,
    );
    let retention = err_share * c.err_retention + (1.0 - err_share);
    let forget = (c.forget_days * retention).max(1.0);
    Learners {
        comp,
        integ,
        keep_per_day: (-1.0 / forget).exp(),
        noise: c.noise,
    }
}

/// Run one draw, writing the true score of slot s on day d to `out[s * (horizon + 1) + d]` and arm use per day to
/// `arm_use` (if given).
fn run_draw(prep: &Prepared, c: &Circuits, out: &mut [f64], mut arm_use: Option<&mut Vec<f64>>) {
    let n_days = prep.horizon as usize + 1;
    let l = learners(prep, c);
    let mut tasks: Vec<TaskState> = prep
        .tasks
        .iter()
        .map(|t| TaskState {
            parts: vec![State::default(); t.parts.len()],
            integ: State::default(),
            level: prep
                .protocol
                .map_or(1, |p| p.progression.start_level.max(1)),
            at_last_night: vec![0.0; t.parts.len()],
            integ_at_last_night: 0.0,
        })
        .collect();
    // Spontaneous recovery (stroke): share of headroom per domain, closed form in t.
    let spont_total = spont_totals(prep, c);
    let tau = c.spont_tau.max(1.0);
    let spont_scale = (-prep.preset.priors.spont_offset_days / tau).exp();
    let q = (-1.0 / tau).exp();
    let mut q_t = 1.0;
    // Progression: share of the room to the worst score lost per day, per domain.
    let decline_day = decline_per_day(prep, c);
    let decline_w: [f64; DOMAINS] = std::array::from_fn(|d| decline_weight(domain_from(d)));
    let d0 = f64::from(prep.scenario.patient.onset_days());
    let is_stroke = prep.preset.priors.spontaneous;
    let constraint = prep
        .protocol
        .and_then(|p| p.constraint.as_ref())
        .map_or(0.0, |c| c.hours_per_day.max(0.0));
    let arm_f0 = prep.arm_slot.map(|i| prep.slots[i].function());
    let mut use_state = arm_f0.map(UseState::settled);
    let mut use_df = 0.0; // arm function change from use (share of range)
    let (adv, reg, max_level, rule, step_every) = match prep.protocol {
        Some(p) => (
            p.progression.advance_above,
            p.progression.regress_below,
            p.progression.max_level.max(1),
            p.progression.rule,
            p.progression.step_every_sessions.unwrap_or(5).max(1),
        ),
        None => (0.8, 0.5, 10, ProgressionRule::None, 5),
    };
    let start_level = prep
        .protocol
        .map_or(1, |p| p.progression.start_level.max(1));
    let mut fatigue = 0.0;
    let mut fat_e;
    let logit = |p: f64| {
        let p = p.clamp(1e-9, 1.0 - 1e-9);
        (p / (1.0 - p)).ln()
    };
    let (logit_adv, logit_reg) = (logit(adv), logit(reg));
    let mut last_hour: Option<(u32, f64)> = None;
    let mut next_session = 0usize;
    let mut session_index = 0u32;
    let mut gain = [0.0; DOMAINS];
    let mut loss = [0.0; DOMAINS];
    let mut train = [0.0f64; DOMAINS];
    for day in 0..n_days {
        let t = day as f64;
        // --- record the morning of `day`
        // Only the domains some slot reads (or arm use needs) are computed.
        for &d in &prep.used_domains {
            // Spontaneous recovery and practice share the same headroom.
            let spont = (spont_total[d] * spont_scale * (1.0 - q_t)).min(1.0);
            gain[d] = 1.0 - (1.0 - spont) * (1.0 - train[d].min(1.0));
            loss[d] = decline_day * t * decline_w[d];
        }
        if let Some(f0) = arm_f0 {
            let a = Domain::Arm as usize;
            if use_df >= 0.0 {
                gain[a] += use_df / (1.0 - f0).max(1e-6);
            } else {
                loss[a] += -use_df / f0.max(1e-6);
            }
        }
        for (s, slot) in prep.slots.iter().enumerate() {
            let d = slot.domain as usize;
            out[s * n_days + day] = slot.score(gain[d], loss[d], 0.0);
        }
        if let (Some(u), Some(buf)) = (use_state.as_ref(), arm_use.as_deref_mut()) {
            buf.push(u.use_);
        }
        // --- sessions of the day
        let therapy_day =
            next_session < prep.sessions.len() && prep.sessions[next_session].0 as usize == day;
        let subacute = if is_stroke && d0 + t < f64::from(k::SUBACUTE_DAYS) {
            k::SUBACUTE_TRAINING_FACTOR
        } else {
            1.0
        };
        while next_session < prep.sessions.len() && prep.sessions[next_session].0 as usize == day {
            let (_, hour) = prep.sessions[next_session];
            if let Some((ld, lh)) = last_hour
                && ld as usize == day
            {
                // Same day: an awake gap.
                fatigue = skill::recover(fatigue, hour - lh);
                fat_e = (-fatigue / prep.fatigue_capacity).exp();
                for ts in tasks.iter_mut() {
                    for s in ts.parts.iter_mut() {
                        *s = skill::wake_gap(*s);
                    }
                    ts.integ = skill::wake_gap(ts.integ);
                }
            } else {
                fatigue = 0.0;
                fat_e = 1.0;
            }
            if rule == ProgressionRule::Fixed {
                let lv = start_level + session_index / step_every;
                for ts in tasks.iter_mut() {
                    ts.level = lv.min(max_level);
                }
            }
            for (plan, ts) in prep.tasks.iter().zip(tasks.iter_mut()) {
                let b = &plan.blocks;
                for _ in 0..b.count {
                    let dlev = difficulty(ts.level, max_level);
                    if b.whole_share > 0.0 {
                        let p = skill::success(task_skill(plan, ts), dlev, l.noise);
                        // Effective repetitions R e^(-done/R) (1 - e^(-n/R)), with e^(-n/R) cached.
                        let eff = prep.fatigue_capacity
                            * fat_e
                            * (1.0 - b.exp_whole)
                            * skill::challenge(p)
                            * subacute;
                        fat_e *= b.exp_whole;
                        fatigue += b.n_whole;
                        // Each whole repetition exercises every component once. Components in the same state
                        // get the same update: compute it once (whole practice keeps them equal).
                        let mut last: Option<(State, State)> = None;
                        for s in ts.parts.iter_mut() {
                            *s = match last {
                                Some((before, after)) if before == *s => after,
                                _ => {
                                    let after = l.comp.block(*s, eff, 1.0);
                                    last = Some((*s, after));
                                    after
                                }
                            };
                        }
                        if plan.iota > 0.0 {
                            ts.integ = l.integ.block(ts.integ, eff, 1.0);
                        }
                    }
                    if b.whole_share < 1.0 {
                        // Part time is counted in whole-task repetitions (for fatigue); a part repetition takes its
                        // component's share w of a whole one, so the part gets 1/w times as many repetitions.
                        for (((s, &n), &e_n), &w) in ts
                            .parts
                            .iter_mut()
                            .zip(&b.n_parts)
                            .zip(&b.exp_parts)
                            .zip(&plan.parts)
                        {
                            let p = skill::success(s.total(), dlev, l.noise);
                            let eff = prep.fatigue_capacity
                                * fat_e
                                * (1.0 - e_n)
                                * skill::challenge(p)
                                * subacute;
                            fat_e *= e_n;
                            fatigue += n;
                            *s = l.comp.block(*s, eff / w.max(1e-3), 1.0);
                            if b.part_integ > 0.0 && plan.iota > 0.0 {
                                ts.integ = l.integ.block(ts.integ, eff * b.part_integ, 1.0);
                            }
                        }
                    }
                    if rule == ProgressionRule::Adaptive {
                        // p >= advance_above  <=>  difficulty <= x + margin - spread * logit(advance_above).
                        let x = task_skill(plan, ts) + k::SUCCESS_MARGIN;
                        let spread = k::SUCCESS_SPREAD * l.noise.max(0.1);
                        let (d_adv, d_reg) = (x - spread * logit_adv, x - spread * logit_reg);
                        for _ in 0..b.windows {
                            let d = difficulty(ts.level, max_level);
                            if d <= d_adv && ts.level < max_level {
                                ts.level += 1;
                            } else if d > d_reg && ts.level > 1 {
                                ts.level -= 1;
                            } else {
                                break;
                            }
                        }
                    }
                }
            }
            last_hour = Some((day as u32, hour + prep.minutes / 60.0));
            next_session += 1;
            session_index += 1;
        }
        // --- the rest of the day and the night
        if let (Some(u), Some(_)) = (use_state.as_mut(), arm_f0) {
            let a = Domain::Arm as usize;
            let f0 = arm_f0.unwrap_or(0.0);
            let f_now = f0 + gain[a] * (1.0 - f0) - loss[a] * f0;
            use_df += u.day(
                f_now.clamp(0.0, 1.0),
                recovery::forced_use(therapy_day, constraint),
            );
        }
        // Daily use of the affected arm is practice: it holds arm skill against forgetting (Han 2008).
        let arm_use_today = use_state.map_or(0.0, |u| u.use_);
        // Forgetting stops when the arm is used at least half the time (the use threshold). One powf a day, shared
        // by every arm task.
        let keep_arm = if arm_use_today >= 0.5 {
            1.0
        } else if arm_use_today > 0.0 {
            l.keep_per_day.powf(1.0 - 2.0 * arm_use_today)
        } else {
            l.keep_per_day
        };
        for (plan, ts) in prep.tasks.iter().zip(tasks.iter_mut()) {
            let keep = if plan.domain == Domain::Arm {
                keep_arm
            } else {
                l.keep_per_day
            };
            for (s, last) in ts.parts.iter_mut().zip(ts.at_last_night.iter_mut()) {
                let x = s.total();
                *s = skill::sleep(*s, x - *last, c.sleep_gain);
                s.slow *= keep;
                *last = s.total();
            }
            let y = ts.integ.total();
            ts.integ = skill::sleep(ts.integ, y - ts.integ_at_last_night, c.sleep_gain);
            ts.integ.slow *= keep;
            ts.integ_at_last_night = ts.integ.total();
        }
        // Practice -> domains (weighted mean over tasks that transfer to the domain).
        if !prep.tasks.is_empty() {
            // Tasks of one domain train the same function: their skills add up, saturating at 1.
            let mut untrained = [1.0; DOMAINS];
            for (plan, ts) in prep.tasks.iter().zip(&tasks) {
                let x = task_skill(plan, ts).clamp(0.0, 1.0);
                for (u, w) in untrained.iter_mut().zip(plan.transfer) {
                    *u *= 1.0 - w * x;
                }
            }
            for (t, u) in train.iter_mut().zip(untrained) {
                *t = c.trainable * (1.0 - u);
            }
            // Daily activities gain from any of arm, leg and balance.
            let a = (train[0] + train[1] + train[2]) / 3.0;
            let daily = Domain::Daily as usize;
            train[daily] = train[daily].max(a);
        }
        q_t *= q;
    }
}

/// Share of each domain's day-0 headroom that spontaneous recovery (stroke) would add by the end of recovery, for
/// one draw; zero for other conditions.
fn spont_totals(prep: &Prepared, c: &Circuits) -> [f64; DOMAINS] {
    let mut spont_total = [0.0f64; DOMAINS];
    if prep.preset.priors.spontaneous {
        let mut arm = c.spont_share;
        if c.fitter
            && let Some(h) = prep.fma_ue_headroom
            && h > 0.0
        {
            arm += k::PROPORTIONAL_INTERCEPT_FMA / h;
        }
        let leg = c.spont_share_leg;
        spont_total[Domain::Arm as usize] = arm.min(1.0);
        spont_total[Domain::Leg as usize] = leg;
        spont_total[Domain::Balance as usize] = leg;
        spont_total[Domain::Daily as usize] = 0.5 * (arm + leg);
    }
    spont_total
}

/// Progression of one draw: share of the room to the worst score lost per day on the reference instrument.
fn decline_per_day(prep: &Prepared, c: &Circuits) -> f64 {
    c.decline_per_year / 365.0 / prep.decline_room
}

/// How much of the progression each domain carries (the reference instrument's domain fully).
fn decline_weight(d: Domain) -> f64 {
    match d {
        Domain::WholeBody => 1.0,
        Domain::Leg | Domain::Balance | Domain::Daily => 0.5,
        _ => 0.0,
    }
}

/// True score of slot `s` on day `day` < 0 (before the baseline) for one draw: the model's untreated course run
/// backwards from the day-0 baseline. Stroke: the same saturating exponential of spontaneous recovery
/// ([`recovery::spontaneous_share`]), so the patient was worse earlier by what recovered since (held at the rule's
/// 72-h baseline for earlier days); Parkinson's and ataxia: better by the progression since. Practice before day 0
/// is not known to the model and is not added.
fn past_score(
    prep: &Prepared,
    c: &Circuits,
    spont_total: &[f64; DOMAINS],
    s: usize,
    day: i32,
) -> f64 {
    let slot = &prep.slots[s];
    let d = slot.domain as usize;
    let back = f64::from(day.min(0));
    let offset = prep.preset.priors.spont_offset_days;
    // spontaneous_share with a negative t is minus the share recovered between day t and day 0.
    let spont = recovery::spontaneous_share(spont_total[d], c.spont_tau, offset, back.max(-offset));
    let regained = decline_per_day(prep, c) * -back * decline_weight(slot.domain);
    let imp = (spont * slot.up + regained * slot.down).clamp(-slot.down, slot.up);
    slot.score(0.0, 0.0, imp)
}

fn domain_from(i: usize) -> Domain {
    match i {
        0 => Domain::Arm,
        1 => Domain::Leg,
        2 => Domain::Balance,
        3 => Domain::WholeBody,
        4 => Domain::Daily,
        _ => Domain::Static,
    }
}

fn draw_rng(seed: u64, draw: u32) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(u64::from(draw));
    rng
}

/// One draw of a scenario under a protocol (draw `draw` of seed `seed`, the same patient as in [`forecast`]):
/// true scores per day and spontaneous arm use. For inspection, tests and benchmarks.
pub fn trajectory(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    seed: u64,
    draw: u32,
) -> Trajectory {
    let prep = prepare(scenario, protocol);
    let n_days = prep.horizon as usize + 1;
    let mut rng = draw_rng(seed, draw);
    let c = prep.preset.priors.sample(&mut rng);
    let mut out = vec![0.0; prep.slots.len() * n_days];
    let mut arm_use = Vec::new();
    run_draw(&prep, &c, &mut out, Some(&mut arm_use));
    let scores = prep
        .slots
        .iter()
        .enumerate()
        .map(|(s, slot)| {
            (
                slot.id.to_string(),
                out[s * n_days..(s + 1) * n_days].to_vec(),
            )
        })
        .collect();
    Trajectory {
        days: (0..=prep.horizon).collect(),
        scores,
        arm_use,
    }
}

/// Nearest-rank percentiles 10, 50, 90 and the mean of `v` (reordered in place).
fn stats(v: &mut [f64]) -> Stat {
    let n = v.len();
    if n == 0 {
        return Stat::default();
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    let idx = |q: f64| ((q * (n - 1) as f64).round() as usize).min(n - 1);
    let (i10, i50, i90) = (idx(0.1), idx(0.5), idx(0.9));
    let cmp = |a: &f64, b: &f64| a.total_cmp(b);
    v.select_nth_unstable_by(i50, cmp);
    let p50 = v[i50];
    v[..i50].select_nth_unstable_by(i10.min(i50.saturating_sub(1)), cmp);
    let p10 = if i10 < i50 { v[i10] } else { p50 };
    let p90 = if i90 > i50 {
        let tail = &mut v[i50 + 1..];
        let j = i90 - i50 - 1;
        tail.select_nth_unstable_by(j, cmp);
        tail[j]
    } else {
        p50
    };
    Stat {
        mean,
        p10,
        p50,
        p90,
    }
}

fn mcid_for(prep: &Prepared, slot: &Slot) -> f64 {
    let subacute = matches!(prep.scenario.patient.condition, Condition::Stroke(_))
        && prep.scenario.patient.onset_days() < k::SUBACUTE_DAYS;
    if subacute {
        slot.inst.mcid_subacute.unwrap_or(slot.inst.mcid)
    } else {
        slot.inst.mcid
    }
}

fn protocol_notes(prep: &Prepared) -> Vec<String> {
    let mut notes = prep.preset.notes.clone();
    let Some(p) = prep.protocol else {
        notes.push("no treatment: only spontaneous change and progression".into());
        return notes;
    };
    if prep.reps > 2.0 * prep.fatigue_capacity {
        notes.push(format!(
            "{} repetitions per session: fatigue limits useful repetitions, so more adds little (Lang 2016: 9,600 no better than 3,200)",
            p.schedule.repetitions_per_session
        ));
    }
    let concurrent_part = p
        .practice
        .tasks
        .iter()
        .any(|t| t.timing == Timing::Concurrent && t.components.len() > 1)
        && matches!(
            p.practice.structure,
            Structure::Part | Structure::ProgressivePart
        );
    if concurrent_part {
        notes.push("parts that run at the same time are practised apart: poor transfer to the whole task (Wickens 2013)".into());
    }
    match p.progression.rule {
        ProgressionRule::Adaptive => notes.push(
            "difficulty adapts to the success rate, keeping practice near the challenge point (Guadagnoli & Lee 2004)".into(),
        ),
        ProgressionRule::Fixed => notes.push(
            "difficulty rises in fixed steps, not with the patient's success: less effective than adaptive progression (Wickens 2013)".into(),
        ),
        ProgressionRule::None => {}
    }
    if p.schedule.sessions_per_day > 1 && p.schedule.rest_hours_between_sessions < 1.0 {
        notes.push(
            "sessions back to back: massed practice, fatigue carries over (Lee & Genovese 1988)"
                .into(),
        );
    }
    if p.constraint.is_some() && prep.arm_slot.is_some() {
        notes.push("constraint of the less-affected arm raises use of the affected arm; above the use threshold the gain continues after therapy (Han 2008)".into());
    }
    if let Condition::CerebellarAtaxia(_) = prep.scenario.patient.condition
        && p.feedback.kind == FeedbackKind::ErrorBased
    {
        notes.push("error-based feedback relies on the damaged cerebellum: expect weak retention; reinforcement feedback is preserved (Therrien 2016)".into());
    }
    notes
}

/// Forecast one protocol (or no treatment) for a scenario.
pub fn forecast(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Forecast, Cancelled> {
    let prep = prepare(scenario, protocol);
    let n_days = prep.horizon as usize + 1;
    let draws = opts.draws.max(1) as usize;
    let n_slots = prep.slots.len();
    // latent[s][day][draw]
    let mut latent = vec![0.0; n_slots * n_days * draws];
    let mut noise = vec![0.0; n_slots * draws];
    // past[k * draws + i]: draw i's true score at the k-th assessment before day 0.
    let mut past = vec![0.0; prep.past_obs.len() * draws];
    // Draws run in chunks of CHUNK: each chunk's rows are written to `latent` as contiguous runs of CHUNK values
    // (whole cache lines) instead of one scattered value per row and draw.
    const CHUNK: usize = 8;
    let rows = n_slots * n_days;
    let mut buf = vec![0.0; rows * CHUNK];
    for i0 in (0..draws).step_by(CHUNK) {
        let len = CHUNK.min(draws - i0);
        for j in 0..len {
            if ctl.is_cancelled() {
                return Err(Cancelled);
            }
            let i = i0 + j;
            let mut rng = draw_rng(opts.seed, i as u32);
            let c = prep.preset.priors.sample(&mut rng);
            for s in 0..n_slots {
                noise[s * draws + i] = StandardNormal.sample(&mut rng);
            }
            if !prep.past_obs.is_empty() {
                let spont = spont_totals(&prep, &c);
                for (kk, &(s, day)) in prep.past_obs.iter().enumerate() {
                    past[kk * draws + i] = past_score(&prep, &c, &spont, s, day);
                }
            }
            run_draw(&prep, &c, &mut buf[j * rows..(j + 1) * rows], None);
            ctl.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        for row in 0..rows {
            let dst = &mut latent[row * draws + i0..row * draws + i0 + len];
            for (j, v) in dst.iter_mut().enumerate() {
                *v = buf[j * rows + row];
            }
        }
    }
    let mut fit_notes = Vec::new();
    calibrate(
        &prep,
        opts.seed,
        draws,
        &past,
        &mut latent,
        &mut noise,
        &mut fit_notes,
    );
    let mut measures = BTreeMap::new();
    let mut ms = BTreeMap::new();
    let mut col = vec![0.0; draws];
    let end = prep.end_day as usize;
    let fu = prep.follow_up as usize;
    for (s, slot) in prep.slots.iter().enumerate() {
        let mut band = Band {
            mean: Vec::with_capacity(n_days),
            p10: Vec::with_capacity(n_days),
            p50: Vec::with_capacity(n_days),
            p90: Vec::with_capacity(n_days),
        };
        for d in 0..n_days {
            let lat = &latent[(s * n_days + d) * draws..(s * n_days + d + 1) * draws];
            for (i, v) in col.iter_mut().enumerate() {
                *v = slot.observe(lat[i], noise[s * draws + i]);
            }
            let st = stats(&mut col);
            band.mean.push(st.mean);
            band.p10.push(st.p10);
            band.p50.push(st.p50);
            band.p90.push(st.p90);
        }
        let at = |d: usize| &latent[(s * n_days + d) * draws..(s * n_days + d + 1) * draws];
        let mcid = mcid_for(&prep, slot);
        col.copy_from_slice(at(end));
        col.iter_mut().for_each(|v| *v -= slot.baseline);
        let change_end = stats(&mut col);
        col.copy_from_slice(at(fu));
        col.iter_mut().for_each(|v| *v -= slot.baseline);
        let change_follow_up = stats(&mut col);
        let improvement_end =
            at(end).iter().map(|&v| slot.improvement(v)).sum::<f64>() / draws as f64;
        let improvement_follow_up =
            at(fu).iter().map(|&v| slot.improvement(v)).sum::<f64>() / draws as f64;
        let p_mcid_end = at(end)
            .iter()
            .filter(|&&v| slot.improvement(v) >= mcid)
            .count() as f64
            / draws as f64;
        // Sessions to MCID: per draw, sessions done before the first morning the improvement reaches the MCID.
        let sessions_to_mcid = if prep.sessions.is_empty() {
            None
        } else {
            let mut per_draw: Vec<u32> = (0..draws)
                .map(|i| {
                    (1..=end.min(n_days - 1))
                        .find(|&d| slot.improvement(latent[(s * n_days + d) * draws + i]) >= mcid)
                        .map_or(u32::MAX, |d| prep.sessions_before[d])
                })
                .collect();
            per_draw.sort_unstable();
            let med = per_draw[draws / 2];
            (med != u32::MAX).then_some(med)
        };
        let p_goal = scenario
            .goal
            .as_ref()
            .filter(|g| crate::instruments::get(&g.instrument).is_ok_and(|i| i.id == slot.id))
            .map(|g| {
                let by = g.by_day.unwrap_or(prep.end_day).min(prep.horizon) as usize;
                let target_imp = slot.improvement(g.target);
                at(by)
                    .iter()
                    .filter(|&&v| slot.improvement(v) >= target_imp - 1e-9)
                    .count() as f64
                    / draws as f64
            });
        let band_end = [band.p10[end], band.p90[end]];
        measures.insert(slot.id.to_string(), band);
        ms.insert(
            slot.id.to_string(),
            MeasureSummary {
                baseline: slot.baseline,
                mcid,
                change_end,
                change_follow_up,
                improvement_end,
                improvement_follow_up,
                sessions_to_mcid,
                p_mcid_end,
                p_goal,
                band_end,
            },
        );
    }
    let primary = primary_of(scenario, protocol);
    Ok(Forecast {
        days: (0..=prep.horizon).collect(),
        measures,
        summary: Summary {
            protocol: protocol.map_or("none".into(), |p| p.id.clone()),
            protocol_name: protocol.map_or("no treatment".into(), |p| p.name.clone()),
            draws: draws as u32,
            seed: opts.seed,
            primary,
            sessions: prep.sessions.len() as u32,
            total_repetitions: prep.sessions.len() as u64
                * protocol.map_or(0, |p| u64::from(p.schedule.repetitions_per_session)),
            end_of_treatment_day: prep.end_day,
            follow_up_day: prep.follow_up,
            measures: ms,
            notes: protocol_notes(&prep).into_iter().chain(fit_notes).collect(),
        },
    })
}

/// Weight the draws by the likelihood of the scenario's observations and resample them in place (see
/// [`super::fit`]); nothing changes when there are none. Observations after day 0 are scored against the draw's
/// forecast, those before day 0 against its untreated course run backwards (`past`, see [`past_score`]): a
/// therapist's logged history conditions the forecast.
fn calibrate(
    prep: &Prepared,
    seed: u64,
    draws: usize,
    past: &[f64],
    latent: &mut [f64],
    noise: &mut [f64],
    notes: &mut Vec<String>,
) {
    let n_days = prep.horizon as usize + 1;
    let obs: Vec<fit::Obs> = prep
        .scenario
        .observations
        .iter()
        .filter(|o| o.day >= 1 && o.day as usize <= prep.horizon as usize)
        .filter_map(|o| {
            let id = crate::instruments::get(&o.instrument).ok()?.id;
            let slot = prep.slots.iter().position(|s| s.id == id)?;
            Some((slot, o.day, o.score))
        })
        .chain(prep.scenario.observations.iter().filter_map(|o| {
            let id = crate::instruments::get(&o.instrument).ok()?.id;
            let slot = prep.slots.iter().position(|s| s.id == id)?;
            prep.past_obs
                .contains(&(slot, o.day))
                .then_some((slot, o.day, o.score))
        }))
        .map(|(slot, day, score)| fit::Obs {
            slot,
            day,
            score,
            sd: prep.slots[slot].inst.sem,
        })
        .collect();
    if prep.past_skipped > 0 {
        notes.push(format!(
            "{} assessment(s) before day 0 not used: before the onset, or of an instrument not in the baseline",
            prep.past_skipped
        ));
    }
    if obs.is_empty() {
        return;
    }
    let past_index = |s: usize, d: i32| {
        prep.past_obs
            .iter()
            .position(|&p| p == (s, d))
            .unwrap_or_default()
    };
    let log_w: Vec<f64> = (0..draws)
        .map(|i| {
            fit::log_likelihood(&obs, |s, d| match usize::try_from(d) {
                Ok(d) => latent[(s * n_days + d) * draws + i],
                Err(_) => past[past_index(s, d) * draws + i],
            })
        })
        .collect();
    let (w, ess) = fit::weights(&log_w);
    let mut rng = draw_rng(seed, u32::MAX);
    let u: f64 = rand::RngExt::random(&mut rng);
    let idx = fit::resample(&w, draws, u);
    let n_slots = prep.slots.len();
    let mut tmp = vec![0.0; draws];
    for row in 0..n_slots * n_days {
        let r = &mut latent[row * draws..(row + 1) * draws];
        for (t, &i) in tmp.iter_mut().zip(&idx) {
            *t = r[i];
        }
        r.copy_from_slice(&tmp);
    }
    for s in 0..n_slots {
        let r = &mut noise[s * draws..(s + 1) * draws];
        for (t, &i) in tmp.iter_mut().zip(&idx) {
            *t = r[i];
        }
        r.copy_from_slice(&tmp);
    }
    notes.push(format!(
        "calibrated on {} logged assessment(s): the forecast follows the draws that fit them (effective sample {:.0} of {draws})",
        obs.len(),
        ess
    ));
}

/// The instrument a protocol's headline uses: the first of its measures in the baseline, else the first baseline
/// instrument (ids normalised through the instrument table).
fn primary_of(scenario: &Scenario, protocol: Option<&Protocol>) -> String {
    let known: Vec<&str> = scenario
        .baseline
        .keys()
        .filter_map(|id| crate::instruments::get(id).ok().map(|i| i.id))
        .collect();
    protocol
        .into_iter()
        .flat_map(|p| p.measures.iter())
        .filter_map(|m| crate::instruments::get(m).ok().map(|i| i.id))
        .find(|id| known.contains(id))
        .or_else(|| known.first().copied())
        .unwrap_or_default()
        .to_string()
}

/// Forecast several protocols on the same scenario (same seed per protocol: common random numbers) and rank them.
pub fn compare(
    scenario: &Scenario,
    protocols: &[Protocol],
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Comparison, Cancelled> {
    let primary = primary_of(scenario, protocols.first());
    let mut out = Vec::new();
    for p in protocols {
        let f = forecast(scenario, Some(p), opts, ctl)?;
        out.push(ProtocolForecast {
            id: p.id.clone(),
            measures: f.measures,
            summary: f.summary,
        });
    }
    let score = |f: &ProtocolForecast| {
        f.summary
            .measures
            .get(&primary)
            .map_or(f64::NEG_INFINITY, |m| m.improvement_follow_up)
    };
    let mut order: Vec<usize> = (0..out.len()).collect();
    order.sort_by(|&a, &b| score(&out[b]).total_cmp(&score(&out[a])));
    if let Some(note) = ranking_note(scenario, &out, &order, &primary) {
        for f in &mut out {
            f.summary.notes.push(note.clone());
        }
    }
    Ok(Comparison {
        days: (0..=scenario.horizon_days).collect(),
        primary,
        ranking: order.iter().map(|&i| out[i].id.clone()).collect(),
        protocols: out,
    })
}

/// Why the ranking is close, when the first two protocols differ at follow-up by less than the primary instrument's
/// MCID: the ranking is then no clinically meaningful difference. In the first weeks after stroke spontaneous
/// recovery carries most of the change and protocols of similar therapy time do about as well (ICARE, Winstein
/// 2016 JAMA 315:571); more therapy time helps only modestly (Lohse 2014 Stroke 45:2053, g = 0.35; Schneider 2016
/// J Physiother 62:182: ~240% more needed for a clear benefit), repetitions beyond a few thousand add little (Lang
/// 2016 Ann Neurol 80:342), and very intensive CIMT in the first weeks was no better than usual care (VECTORS,
/// Dromerick 2009 Neurology 73:195); EXCITE's CIMT benefit was shown 3-9 months after stroke (Wolf 2006 JAMA
/// 296:2095).
fn ranking_note(
    scenario: &Scenario,
    out: &[ProtocolForecast],
    order: &[usize],
    primary: &str,
) -> Option<String> {
    let (&a, &b) = (order.first()?, order.get(1)?);
    let (ma, mb) = (
        out[a].summary.measures.get(primary)?,
        out[b].summary.measures.get(primary)?,
    );
    let diff = ma.improvement_follow_up - mb.improvement_follow_up;
    if !(diff.is_finite() && diff < ma.mcid) {
        return None;
    }
    // In the instrument's own words and unit: "0.2 points on SARA", "0.3 s on TUG", "0.05 m/s on 10-m walk".
    let (unit, name) =
        crate::instruments::get(primary).map_or(("points", primary), |i| (i.unit, i.short));
    let mut note = format!(
        "{} and {} differ by {} {unit} on {name} at follow-up, less than the MCID ({}): no clinically meaningful difference",
        out[a].id,
        out[b].id,
        super::forecast::mcid_text(diff),
        super::forecast::mcid_text(ma.mcid)
    );
    if let Condition::Stroke(_) = scenario.patient.condition
        && scenario.patient.onset_days() < k::SUBACUTE_DAYS
    {
        note.push_str(
            "; in the first weeks after stroke spontaneous recovery dominates and more therapy time adds little (Lohse 2014; ICARE, Winstein 2016; VECTORS, Dromerick 2009: intensive CIMT this early no better than usual care)",
        );
    }
    Some(note)
}
