//! One Monte Carlo draw, day by day: a per-draw state ([`Draw`]) and the three steps of every day.
//!
//! - **Morning** ([`Draw::morning`]): the day's true score on each instrument, from the share of headroom regained
//!   (spontaneous recovery after stroke by the proportional rule, closed form in t, and the practice carried over
//!   from earlier days, sharing the same headroom) and the share lost to progression (Parkinson's, ataxia) or
//!   learned non-use ([`super::recovery`]).
//! - **Sessions** ([`Draw::sessions`]): each session's repetitions in a few closed-form blocks of the two-state
//!   skill model ([`super::skill`]; Smith 2006), run in rounds shared by all the session's tasks so that fatigue
//!   within the session falls on them alike ([`Practice::session`]), weighted by the challenge point of the current
//!   difficulty; the level moves by the protocol's rule ([`super::progression`]). Between two sessions of a day the
//!   fast state is stabilised awake (Walker 2002) and fatigue recovers; blocked practice's transient lead fades
//!   first ([`Draw::fade_transient`]), and random order's offline benefit comes with the night.
//! - **Night** ([`Draw::night`]): spontaneous use of the affected arm changes arm function (Han 2008); sleep
//!   consolidates the fast state and adds an offline gain in proportion to what was learned since the previous night
//!   (Walker 2002 Neuron 35:205; the gain falls with age, Spencer 2007, see `impairment.rs`); the slow state is
//!   forgotten a little each day unless the arm is used at least half the time (Han 2008); the day's task skills
//!   become tomorrow's training of each domain.
//!
//! Time of day and earlier practice: sessions run at their start times (`session_times` of the protocol or the
//! scenario, logged sessions at their real times) in `prep.timeline`, the protocol's and earlier practice's in time
//! order. Earlier practice before day 0 (`[[history]]` blocks, a stored patient's logged sessions) runs from
//! `prep.first_day` with the same steps but no scores: it sets the skills the patient has on day 0, and since the
//! baseline already shows what it left, scores move by the change of trained share from day 0 (`train0`). The
//! offline gain comes with the night after practice, not with hours awake (Walker 2002); the end of every session
//! on or after day 0 is scored for `simulate --json`'s `sessions`. What forgetting takes from the slow state is kept
//! as a trace that practice restores faster than new learning ([`reactivate`]; savings, Smith 2006).
//!
//! How the protocol's feedback and practice order set the learning rates is in [`Learners`].

use super::circuits::Circuits;
use super::constants as k;
use super::outcome::{self, DOMAINS, Domain, Slot};
use super::prepare::{self, Blocks, Prepared, Rounds, TaskPlan};
use super::progression::Ladder;
use super::protocol::{FeedbackKind, Order, Protocol};
use super::recovery::{self, UseState};
use super::skill::{self, State, TwoState};
use crate::domain::Condition;

/// Per-draw learner settings derived from the circuits and the protocol: error-based feedback uses the cerebellar
/// gain and reinforcement the basal-ganglia gain (Therrien 2016); augmented feedback helps in Parkinson's; random
/// order costs acquisition and helps retention, blocked order's edge in acquisition is partly performance that
/// fades (contextual interference, Shea & Morgan 1979; Schmidt & Bjork 1992; Czyz 2024).
struct Learners {
    comp: TwoState,
    integ: TwoState,
    /// Daily retention factor of the slow state, and the part of it that daily use of the arm cannot hold off:
    /// the age-related loss of slow-state retention (Trewartha 2014).
    keep_per_day: f64,
    keep_age_per_day: f64,
    /// ln(keep_per_day / keep_age_per_day): the part of forgetting that use holds off.
    ln_disuse_per_day: f64,
    /// Share of the fast state kept when a session ends (practice order), and random order's offline benefit.
    consolidated: f64,
    offline_order: f64,
    noise: f64,
}

impl Learners {
    fn new(prep: &Prepared, c: &Circuits) -> Learners {
        Learners::of(prep, c, prep.protocol)
    }

    /// The learners of protocol `p` (the forecast's, or one of earlier practice).
    fn of(prep: &Prepared, c: &Circuits, p: Option<&Protocol>) -> Learners {
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
        // Practice order matters only between several tasks of the protocol (contextual interference): random
        // order lowers the fast learning of practice (acquisition) and adds an offline benefit; blocked order's extra
        // fast state is partly performance that fades (`Draw::fade_transient`).
        let order = p
            .filter(|p| p.practice.tasks.len() > 1)
            .map(|p| p.practice.order);
        let (fast_order, consolidated, offline_order) = match order {
            Some(Order::Random) => (
                1.0 + k::RANDOM_ORDER_ACQUISITION_COST,
                1.0,
                c.random_order_benefit,
            ),
            Some(Order::Blocked) => (1.0, 1.0 - k::BLOCKED_TRANSIENT_SHARE, 0.0),
            None => (1.0, 1.0, 0.0),
        };
        let base = c.plasticity * fb_gain * aug_gain;
        let comp = TwoState::skill(base * c.declarative * fast_order, base);
        let integ = TwoState::skill(
            base * c.declarative * fast_order * c.auto_gain,
            base * c.auto_gain,
        );
        let retention = err_share * c.err_retention + (1.0 - err_share);
        let forget = (c.forget_days * retention).max(1.0);
        let age_share = c.age_forget_share.clamp(0.0, 1.0);
        Learners {
            comp,
            integ,
            keep_per_day: (-1.0 / forget).exp(),
            keep_age_per_day: (-age_share / forget).exp(),
            ln_disuse_per_day: (age_share - 1.0) / forget,
            consolidated,
            offline_order,
            noise: c.noise,
        }
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
    /// Slow-state skill forgotten but not gone, per component and for integration: practice brings it back
    /// faster than new learning (savings, see [`reactivate`]).
    trace: Vec<f64>,
    integ_trace: f64,
}

/// Savings (Smith, Ghazizadeh & Shadmehr 2006 PLoS Biol 4:e179; Ebbinghaus 1885): what forgetting took from the
/// slow state is kept as a trace that does not show in performance; practice of `eff` effective repetitions
/// restores the share 1 - exp(-eff / R) of it, so a skill learned, forgotten and relearned comes back faster than
/// it was first learned (R: `constants::SAVINGS_REACTIVATION_REPS`).
fn reactivate(ts: &mut TaskState, eff: f64) {
    if eff <= 0.0 {
        return;
    }
    let f = 1.0 - (-eff / k::SAVINGS_REACTIVATION_REPS).exp();
    for (s, tr) in ts.parts.iter_mut().zip(ts.trace.iter_mut()) {
        let r = *tr * f;
        s.slow += r;
        *tr -= r;
    }
    let r = ts.integ_trace * f;
    ts.integ.slow += r;
    ts.integ_trace -= r;
}

/// Forget a share `1 - keep` of a slow state into its savings trace; the trace itself fades by `trace_keep`.
fn forget(s: &mut State, trace: &mut f64, keep: f64, trace_keep: f64) {
    let kept = s.slow * keep;
    *trace = (*trace + (s.slow - kept).max(0.0)) * trace_keep;
    s.slow = kept;
}

/// Whole-task skill: the weighted components, scaled down when their integration is not yet learned.
fn task_skill(plan: &TaskPlan, st: &TaskState) -> f64 {
    let comp: f64 = plan
        .parts
        .iter()
        .zip(&st.parts)
        .map(|(w, s)| w * s.total())
        .sum();
    comp * ((1.0 - plan.iota) + plan.iota * st.integ.total().clamp(0.0, 1.0))
}

/// Fatigue and settings of the session being run, shared by its tasks.
struct Practice {
    /// Useful repetitions the session can hold before fatigue.
    capacity: f64,
    /// Training factor of the subacute phase after stroke (1 otherwise).
    subacute: f64,
    /// e^(-fatigue / capacity), carried from block to block.
    fat_e: f64,
    /// Repetitions done (fatigue).
    fatigue: f64,
    /// Effective repetitions per task in this session (a buffer kept from session to session).
    practised: Vec<f64>,
}

impl Practice {
    /// Practise one session: `rounds` rounds, round j being block j of every task in `blocks` (index into `plans`
    /// and `states`, and that task's blocks). The round's useful repetitions R e^(-done/R) (1 - e^(-n/R)) are
    /// shared by its blocks in proportion to their repetitions (fatigue is the patient's, not the task's), each
    /// weighted by the challenge point; the level moves by the protocol's rule (`ladder`). What a task practised
    /// brings back its savings trace ([`reactivate`]).
    fn session<'b>(
        &mut self,
        plans: &[TaskPlan],
        states: &mut [TaskState],
        blocks: impl Iterator<Item = (usize, &'b Blocks)> + Clone,
        rounds: &Rounds,
        l: &Learners,
        ladder: &Ladder,
    ) {
        let practised = &mut self.practised;
        practised.clear();
        practised.resize(plans.len(), 0.0);
        for round in 0..rounds.count {
            let useful = self.capacity * self.fat_e * (1.0 - rounds.exp) * self.subacute;
            self.fat_e *= rounds.exp;
            self.fatigue += rounds.reps;
            for (i, b) in blocks.clone() {
                if round >= b.count {
                    continue;
                }
                let (plan, ts) = (&plans[i], &mut states[i]);
                let dlev = ladder.difficulty(ts.level);
                if b.whole_share > 0.0 {
                    let p = skill::success(task_skill(plan, ts), dlev, l.noise);
                    let eff = useful * b.round_whole * skill::challenge(p);
                    practised[i] += eff;
                    // Each whole repetition exercises every component once. Components in the same state get the
                    // same update: compute it once (whole practice keeps them equal).
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
                    for ((s, &r), &w) in ts.parts.iter_mut().zip(&b.round_parts).zip(&plan.parts) {
                        let p = skill::success(s.total(), dlev, l.noise);
                        let eff = useful * r * skill::challenge(p);
                        practised[i] += eff * w;
                        *s = l.comp.block(*s, eff / w.max(1e-3), 1.0);
                        if b.part_integ > 0.0 && plan.iota > 0.0 {
                            ts.integ = l.integ.block(ts.integ, eff * b.part_integ, 1.0);
                        }
                    }
                }
                if ladder.adapts() {
                    ts.level = ladder.adapt(ts.level, task_skill(plan, ts), l.noise, b.windows);
                }
            }
        }
        for (ts, &eff) in states.iter_mut().zip(practised.iter()) {
            reactivate(ts, eff);
        }
    }
}

/// Everything one draw carries from day to day.
struct Draw<'p> {
    prep: &'p Prepared<'p>,
    c: &'p Circuits,
    /// The instruments with this draw's true day-0 scores ([`Prepared::day0_slots`]).
    slots: &'p [Slot],
    l: Learners,
    ladder: Ladder,
    tasks: Vec<TaskState>,
    /// Spontaneous recovery (stroke): share of headroom per domain, and exp(-t / tau) for today's t.
    spont_total: [f64; DOMAINS],
    spont_scale: f64,
    q: f64,
    q_t: f64,
    /// Progression: share of the room to the worst score lost per day, and per domain.
    decline_day: f64,
    decline_w: [f64; DOMAINS],
    /// Days since onset on day 0.
    d0: f64,
    is_stroke: bool,
    /// Hours a day the less-affected arm is constrained on therapy days (CIMT).
    constraint: f64,
    /// Arm function (share of range) on day 0, spontaneous arm use, and the change of arm function from use.
    arm_f0: Option<f64>,
    use_state: Option<UseState>,
    use_df: f64,
    /// Arm use on day 0, when a slot measures it (Motor Activity Log): the use domain moves from it.
    use0: Option<f64>,
    /// Fatigue (repetitions done) in the current session and when the last session ended (day, hour).
    fatigue: f64,
    last_hour: Option<(i32, f64)>,
    /// Next session of `prep.timeline`, and the next reported session (on or after day 0).
    next_session: usize,
    next_shown: usize,
    session_index: u32,
    /// Learners, ladders and sessions done of the protocols of earlier practice (`scenario.practice.protocols`).
    src_l: Vec<Learners>,
    src_ladders: Vec<Ladder>,
    src_index: Vec<u32>,
    /// Practice carried to each domain on the morning of day 0: the baseline already shows it, so only the change
    /// from it moves the scores.
    train0: [f64; DOMAINS],
    /// Daily retention of the savings trace.
    trace_keep: f64,
    /// This morning's share of headroom gained and of room lost, per domain.
    gain: [f64; DOMAINS],
    loss: [f64; DOMAINS],
    /// Practice carried to each domain (share of headroom).
    train: [f64; DOMAINS],
    /// Practice order of the last session run (its protocol's [`Learners`]): share of the fast state kept when
    /// the session's fast state is stabilised, and the offline benefit added at night.
    consolidated: f64,
    offline_order: f64,
    /// [`Practice::practised`], kept between sessions.
    practised: Vec<f64>,
    /// The last night's arm use and the slow state's daily retention of arm tasks it gave.
    keep_arm: Option<(f64, f64)>,
}

/// The draw's arm use on day 0: measured by a Motor Activity Log slot (its day-0 score over its range), the gap to
/// what the arm's function `f0` carries being learned non-use; else settled at what the function carries.
fn initial_use(prep: &Prepared, slots: &[Slot], f0: f64) -> UseState {
    match prep.use_slot.map(|i| &slots[i]) {
        Some(s) => UseState::observed(f0, s.function()),
        None => UseState::settled(f0),
    }
}

/// Share of headroom gained and of room lost by the use domain when use moves from `u0` to `u`.
fn use_change(u0: f64, u: f64) -> (f64, f64) {
    if u >= u0 {
        ((u - u0) / (1.0 - u0).max(1e-6), 0.0)
    } else {
        (0.0, (u0 - u) / u0.max(1e-6))
    }
}

/// Run one draw, writing the true score of slot s on day d to `out[s * (horizon + 1) + d]`, arm use per day to
/// `arm_use` (if given), and the true score of slot s at the end of the k-th reported session (the k-th session of
/// `prep.timeline` on or after day 0) to `ends[k * slots + s]` (when `ends` is not empty). Earlier practice runs
/// from `prep.first_day`, before day 0, and reports only the practice carried to each domain on the morning of each
/// of `prep.past_days` (an assessment before day 0), in `past_train` (nothing before the first session). Returns the
/// practice carried on the morning of day 0, which the baseline already shows ([`super::fit::past_score`]).
pub(super) fn run_draw(
    prep: &Prepared,
    c: &Circuits,
    slots: &[Slot],
    out: &mut [f64],
    mut arm_use: Option<&mut Vec<f64>>,
    ends: &mut [f64],
    past_train: &mut [[f64; DOMAINS]],
) -> [f64; DOMAINS] {
    let mut draw = Draw::new(prep, c, slots);
    past_train.fill([0.0; DOMAINS]);
    // The next assessment day before day 0 whose morning is still to come.
    let mut next_past = prep.past_days.partition_point(|&d| d < prep.first_day);
    for day in prep.first_day..=prep.horizon as i32 {
        if let Ok(d) = usize::try_from(day) {
            draw.morning(d, out, arm_use.as_deref_mut());
        } else if prep.past_days.get(next_past) == Some(&day) {
            if let Some(t) = past_train.get_mut(next_past) {
                *t = draw.domain_train();
            }
            next_past += 1;
        }
        let therapy_day = draw.sessions(day, ends);
        draw.night(therapy_day, day);
    }
    draw.train0
}

impl<'p> Draw<'p> {
    fn new(prep: &'p Prepared<'p>, c: &'p Circuits, slots: &'p [Slot]) -> Draw<'p> {
        let ladder = Ladder::new(prep.protocol);
        let tasks = prep
            .tasks
            .iter()
            .map(|t| TaskState {
                parts: vec![State::default(); t.parts.len()],
                integ: State::default(),
                level: ladder.start_level(),
                at_last_night: vec![0.0; t.parts.len()],
                integ_at_last_night: 0.0,
                trace: vec![0.0; t.parts.len()],
                integ_trace: 0.0,
            })
            .collect();
        let tau = c.spont_tau.max(1.0);
        let arm_f0 = prep.arm_slot.map(|i| slots[i].function());
        Draw {
            prep,
            c,
            slots,
            l: Learners::new(prep, c),
            ladder,
            tasks,
            spont_total: recovery::spontaneous_totals(
                prep.preset.priors.spontaneous,
                c,
                prepare::fma_ue_headroom(slots),
            ),
            spont_scale: (-prep.preset.priors.spont_offset_days / tau).exp(),
            q: (-1.0 / tau).exp(),
            q_t: 1.0,
            decline_day: recovery::decline_per_day(c.decline_per_year, prep.decline_room),
            decline_w: std::array::from_fn(|d| recovery::decline_weight(outcome::domain_at(d))),
            d0: f64::from(prep.scenario.patient.onset_days()),
            is_stroke: prep.preset.priors.spontaneous,
            constraint: prep
                .protocol
                .and_then(|p| p.constraint.as_ref())
                .map_or(0.0, |c| c.hours_per_day.max(0.0)),
            arm_f0,
            use_state: arm_f0.map(|f0| initial_use(prep, slots, f0)),
            use_df: 0.0,
            use0: prep
                .use_slot
                .and(arm_f0)
                .map(|f0| initial_use(prep, slots, f0).use_),
            fatigue: 0.0,
            last_hour: None,
            next_session: 0,
            next_shown: 0,
            session_index: prep.sessions_done,
            src_l: prep
                .scenario
                .practice
                .protocols
                .iter()
                .map(|p| Learners::of(prep, c, Some(p)))
                .collect(),
            src_ladders: prep
                .scenario
                .practice
                .protocols
                .iter()
                .map(|p| Ladder::new(Some(p)))
                .collect(),
            src_index: vec![0; prep.scenario.practice.protocols.len()],
            train0: [0.0; DOMAINS],
            trace_keep: (-1.0 / k::SAVINGS_TRACE_DAYS).exp(),
            gain: [0.0; DOMAINS],
            loss: [0.0; DOMAINS],
            train: [0.0; DOMAINS],
            consolidated: 1.0,
            offline_order: 0.0,
            practised: Vec::new(),
            keep_arm: None,
        }
    }

    /// Share of headroom gained and of room lost per domain on day `t`, with practice carried `train` (relative to
    /// what the baseline already shows, `train0`; a negative gain is practice forgotten since day 0).
    fn gain_loss(&self, t: f64, train: &[f64; DOMAINS]) -> ([f64; DOMAINS], [f64; DOMAINS]) {
        let prep = self.prep;
        let (mut gain, mut loss) = ([0.0; DOMAINS], [0.0; DOMAINS]);
        // Only the domains some slot reads (or arm use needs) are computed.
        for &d in &prep.used_domains {
            // Spontaneous recovery and practice share the same headroom.
            let spont = (self.spont_total[d] * self.spont_scale * (1.0 - self.q_t)).min(1.0);
            let untrained = (1.0 - train[d].min(1.0)) / (1.0 - self.train0[d].min(0.999));
            gain[d] = 1.0 - (1.0 - spont) * untrained;
            loss[d] = self.decline_day * t * self.decline_w[d];
        }
        if let Some(f0) = self.arm_f0 {
            let a = Domain::Arm as usize;
            if self.use_df >= 0.0 {
                gain[a] += self.use_df / (1.0 - f0).max(1e-6);
            } else {
                loss[a] += -self.use_df / f0.max(1e-6);
            }
        }
        if let (Some(u0), Some(u)) = (self.use0, self.use_state) {
            (gain[Domain::Use as usize], loss[Domain::Use as usize]) = use_change(u0, u.use_);
        }
        (gain, loss)
    }

    /// True score of each slot for a gain and loss per domain, passed to `put(slot, score)`.
    fn scores(
        &self,
        gain: &[f64; DOMAINS],
        loss: &[f64; DOMAINS],
        mut put: impl FnMut(usize, f64),
    ) {
        for (s, slot) in self.slots.iter().enumerate() {
            let d = slot.domain as usize;
            put(
                s,
                slot.score(gain[d].max(0.0), loss[d], gain[d].min(0.0) * slot.up),
            );
        }
    }

    /// Record the morning of `day`: true scores per slot in `out`, arm use in `arm_use`.
    fn morning(&mut self, day: usize, out: &mut [f64], arm_use: Option<&mut Vec<f64>>) {
        let n_days = self.prep.horizon as usize + 1;
        if day == 0 {
            self.train0 = self.train;
        }
        (self.gain, self.loss) = self.gain_loss(day as f64, &self.train);
        self.scores(&self.gain, &self.loss, |s, v| out[s * n_days + day] = v);
        if let (Some(u), Some(buf)) = (self.use_state.as_ref(), arm_use) {
            buf.push(u.use_);
        }
    }

    /// Practice carried to each domain by the tasks' current skills.
    fn domain_train(&self) -> [f64; DOMAINS] {
        let prep = self.prep;
        let mut train = self.train;
        if prep.tasks.is_empty() {
            return train;
        }
        // Tasks of one domain train the same function: their skills add up, saturating at 1.
        let mut untrained = [1.0; DOMAINS];
        // Only the domains a task transfers to: a zero transfer would multiply by exactly 1.
        for (plan, ts) in prep.tasks.iter().zip(&self.tasks) {
            let x = task_skill(plan, ts).clamp(0.0, 1.0);
            for &(d, w) in &plan.transfers {
                untrained[d] *= 1.0 - w * x;
            }
        }
        for (t, u) in train.iter_mut().zip(untrained) {
            *t = self.c.trainable * (1.0 - u);
        }
        // Daily activities gain from any of arm, leg and balance.
        let a = (train[0] + train[1] + train[2]) / 3.0;
        let daily = Domain::Daily as usize;
        train[daily] = train[daily].max(a);
        train
    }

    /// Run the sessions of `day` (the protocol's and earlier practice, in time order), writing the end-of-session
    /// scores of those on or after day 0 to `ends`; returns whether it was a therapy day.
    fn sessions(&mut self, day: i32, ends: &mut [f64]) -> bool {
        let timeline = &self.prep.timeline;
        let mut therapy_day = false;
        while self.next_session < timeline.len() && timeline[self.next_session].day <= day {
            let s = timeline[self.next_session];
            self.next_session += 1;
            if s.day < day {
                continue;
            }
            therapy_day = true;
            self.session(day, s.hour, s.dose);
            if day >= 0 {
                let n_slots = self.prep.slots.len();
                let k = self.next_shown;
                self.next_shown += 1;
                if let Some(out) = ends.get_mut(k * n_slots..(k + 1) * n_slots) {
                    let train = self.domain_train();
                    let (gain, loss) = self.gain_loss(f64::from(day), &train);
                    self.scores(&gain, &loss, |i, v| out[i] = v);
                }
            }
        }
        therapy_day
    }

    /// One session starting at `hour` of `day`: of the forecast protocol (`dose` None) or of earlier practice.
    fn session(&mut self, day: i32, hour: f64, dose: Option<usize>) {
        let prep = self.prep;
        let t = f64::from(day);
        let subacute = if self.is_stroke && self.d0 + t < f64::from(k::SUBACUTE_DAYS) {
            k::SUBACUTE_TRAINING_FACTOR
        } else {
            1.0
        };
        let (capacity, minutes, rounds) = match dose {
            None => (prep.fatigue_capacity, prep.minutes, prep.rounds),
            Some(d) => {
                let dose = &prep.doses[d];
                (dose.fatigue_capacity, dose.minutes, dose.rounds)
            }
        };
        let fat_e;
        if let Some((ld, lh)) = self.last_hour
            && ld == day
        {
            // Same day: an awake gap.
            self.fatigue = skill::recover(self.fatigue, hour - lh);
            fat_e = (-self.fatigue / capacity).exp();
            self.fade_transient();
            for ts in self.tasks.iter_mut() {
                for s in ts.parts.iter_mut() {
                    *s = skill::wake_gap(*s);
                }
                ts.integ = skill::wake_gap(ts.integ);
            }
        } else {
            self.fatigue = 0.0;
            fat_e = 1.0;
        }
        let mut run = Practice {
            capacity,
            subacute,
            fat_e,
            fatigue: self.fatigue,
            practised: std::mem::take(&mut self.practised),
        };
        match dose {
            None => {
                if let Some(lv) = self.ladder.scheduled_level(self.session_index) {
                    for ts in self.tasks.iter_mut() {
                        ts.level = lv;
                    }
                }
                run.session(
                    &prep.tasks,
                    &mut self.tasks,
                    prep.tasks.iter().map(|t| &t.blocks).enumerate(),
                    &rounds,
                    &self.l,
                    &self.ladder,
                );
                self.session_index += 1;
                (self.consolidated, self.offline_order) =
                    (self.l.consolidated, self.l.offline_order);
            }
            Some(d) => {
                let dose = &prep.doses[d];
                let src = dose.source;
                let ladder = &self.src_ladders[src];
                if let Some(lv) = ladder.scheduled_level(self.src_index[src]) {
                    for &(i, _) in &dose.blocks {
                        self.tasks[i].level = lv;
                    }
                }
                let l = &self.src_l[src];
                run.session(
                    &prep.tasks,
                    &mut self.tasks,
                    dose.blocks.iter().map(|(i, b)| (*i, b)),
                    &rounds,
                    l,
                    ladder,
                );
                self.src_index[src] += 1;
                (self.consolidated, self.offline_order) = (l.consolidated, l.offline_order);
            }
        }
        self.fatigue = run.fatigue;
        self.practised = run.practised;
        self.last_hour = Some((day, hour + minutes / 60.0));
    }

    /// The rest of the day and the night.
    fn night(&mut self, therapy_day: bool, day: i32) {
        let prep = self.prep;
        self.fade_transient();
        self.random_order_offline_gain();
        // Before day 0 (earlier practice) only the skills change: the recovery curve and arm use start on day 0.
        let before = day < 0;
        if !before && let (Some(u), Some(_)) = (self.use_state.as_mut(), self.arm_f0) {
            let a = Domain::Arm as usize;
            let f0 = self.arm_f0.unwrap_or(0.0);
            let f_now = f0 + self.gain[a] * (1.0 - f0) - self.loss[a] * f0;
            // Use-dependent change is learning from daily use: it scales with the draw's plasticity, which falls with
            // age (Voelcker-Rehage 2008), so use does not mask age.
            self.use_df += self.c.plasticity
                * u.day(
                    f_now.clamp(0.0, 1.0),
                    recovery::forced_use(therapy_day, self.constraint),
                );
        }
        // Daily use of the affected arm is practice: it holds arm skill against forgetting (Han 2008).
        let arm_use_today = self.use_state.map_or(0.0, |u| u.use_);
        // Forgetting from disuse stops when the arm is used at least half the time (the use threshold); the
        // age-related part does not (Trewartha 2014: older adults keep less in the slow state). One powf a day, shared
        // by every arm task.
        let keep_arm = match self.keep_arm {
            // Use does not change before day 0: the same use keeps the same share.
            Some((u, keep)) if u == arm_use_today => keep,
            _ => {
                let keep = if arm_use_today > 0.0 {
                    // keep_age x (keep / keep_age)^(1 - 2 use), as one exp of the ratio's logarithm.
                    self.l.keep_age_per_day
                        * (self.l.ln_disuse_per_day * (1.0 - 2.0 * arm_use_today).max(0.0)).exp()
                } else {
                    self.l.keep_per_day
                };
                self.keep_arm = Some((arm_use_today, keep));
                keep
            }
        };
        for (plan, ts) in prep.tasks.iter().zip(self.tasks.iter_mut()) {
            let keep = if plan.domain == Domain::Arm {
                keep_arm
            } else {
                self.l.keep_per_day
            };
            let trace_keep = self.trace_keep;
            for ((s, last), tr) in ts
                .parts
                .iter_mut()
                .zip(ts.at_last_night.iter_mut())
                .zip(ts.trace.iter_mut())
            {
                let x = s.total();
                *s = skill::sleep(*s, x - *last, self.c.sleep_gain);
                forget(s, tr, keep, trace_keep);
                *last = s.total();
            }
            let y = ts.integ.total();
            ts.integ = skill::sleep(ts.integ, y - ts.integ_at_last_night, self.c.sleep_gain);
            forget(&mut ts.integ, &mut ts.integ_trace, keep, trace_keep);
            ts.integ_at_last_night = ts.integ.total();
        }
        // Practice -> domains (weighted mean over tasks that transfer to the domain). Before day 0 only the last
        // night's is read (on the morning of day 0): earlier nights skip it.
        if day >= -1 {
            self.train = self.domain_train();
        }
        if before {
            return;
        }
        self.q_t *= self.q;
    }

    /// Practice order at the end of a session's practice (Schmidt & Bjork 1992; Kantak & Winstein 2012: performance
    /// is not learning). After blocked practice of several tasks, the share of the fast state that came from
    /// repeating the same task on consecutive trials is performance only and fades; after random practice, the
    /// offline benefit of contextual interference is added at night, a share of what was learned since the previous
    /// night (`night`; Czyz 2024: larger in older adults). Called when a session's fast state is stabilised: before a
    /// gap awake and at night.
    fn fade_transient(&mut self) {
        let keep = self.consolidated;
        if keep < 1.0 {
            for ts in self.tasks.iter_mut() {
                for s in ts.parts.iter_mut() {
                    s.fast *= keep;
                }
                ts.integ.fast *= keep;
            }
        }
    }

    /// Random order's offline benefit at night: `offline_order` times the skill consolidated since the previous
    /// night, added to the slow state (see [`Draw::fade_transient`]).
    fn random_order_offline_gain(&mut self) {
        let b = self.offline_order;
        if b == 0.0 {
            return;
        }
        for ts in self.tasks.iter_mut() {
            for (s, last) in ts.parts.iter_mut().zip(&ts.at_last_night) {
                s.slow += b * (s.total() - last).max(0.0);
            }
            ts.integ.slow += b * (ts.integ.total() - ts.integ_at_last_night).max(0.0);
        }
    }
}
