//! One Monte Carlo draw, day by day: a per-draw state ([`Draw`]) and the three steps of every day.
//!
//! - **Morning** ([`Draw::morning`]): the day's true score on each instrument, from the share of headroom regained
//!   (spontaneous recovery after stroke by the proportional rule, closed form in t, and the practice carried over
//!   from earlier days, sharing the same headroom) and the share lost to progression (Parkinson's, ataxia) or
//!   learned non-use ([`super::recovery`]).
//! - **Sessions** ([`Draw::sessions`]): each session's repetitions in a few closed-form blocks of the two-state
//!   skill model ([`super::skill`]; Smith 2006), weighted by fatigue within the session and by the challenge point
//!   of the current difficulty; the level moves by the protocol's rule ([`super::progression`]). Between two sessions
//!   of a day the fast state is stabilised awake (Walker 2002) and fatigue recovers.
//! - **Night** ([`Draw::night`]): spontaneous use of the affected arm changes arm function (Han 2008); sleep
//!   consolidates the fast state and adds an offline gain in proportion to what was learned since the previous night
//!   (Walker 2002 Neuron 35:205; the gain falls with age, Spencer 2007, see `impairment.rs`); the slow state is
//!   forgotten a little each day unless the arm is used at least half the time (Han 2008); the day's task skills
//!   become tomorrow's training of each domain.
//!
//! How the protocol's feedback and practice order set the learning rates is in [`Learners`].

use super::circuits::Circuits;
use super::constants as k;
use super::outcome::{self, DOMAINS, Domain, Slot};
use super::prepare::{self, Prepared, TaskPlan};
use super::progression::Ladder;
use super::protocol::{FeedbackKind, Order};
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
    /// Share of the fast state kept when a session ends (practice order), and random order's offline benefit.
    consolidated: f64,
    offline_order: f64,
    noise: f64,
}

impl Learners {
    fn new(prep: &Prepared, c: &Circuits) -> Learners {
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
        // Practice order matters only between several tasks (contextual interference): random order lowers the
        // fast learning of practice (acquisition) and adds an offline benefit; blocked order's extra fast state is
        // partly performance that fades (`Draw::fade_transient`).
        let order = p.filter(|_| prep.tasks.len() > 1).map(|p| p.practice.order);
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
        Learners {
            comp,
            integ,
            keep_per_day: (-1.0 / forget).exp(),
            keep_age_per_day: (-c.age_forget_share.clamp(0.0, 1.0) / forget).exp(),
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
    /// Fatigue (repetitions done) in the current session and when the last session ended (day, hour).
    fatigue: f64,
    last_hour: Option<(u32, f64)>,
    next_session: usize,
    session_index: u32,
    /// This morning's share of headroom gained and of room lost, per domain.
    gain: [f64; DOMAINS],
    loss: [f64; DOMAINS],
    /// Practice carried to each domain (share of headroom).
    train: [f64; DOMAINS],
    /// When recording: (day, hour, true score per slot) at the end of every session.
    session_ends: Option<Vec<(u32, f64, Vec<f64>)>>,
}

/// Run one draw, writing the true score of slot s on day d to `out[s * (horizon + 1) + d]` and arm use per day to
/// `arm_use` (if given).
pub(super) fn run_draw(
    prep: &Prepared,
    c: &Circuits,
    slots: &[Slot],
    out: &mut [f64],
    mut arm_use: Option<&mut Vec<f64>>,
) {
    let mut draw = Draw::new(prep, c, slots);
    for day in 0..prep.horizon as usize + 1 {
        draw.morning(day, out, arm_use.as_deref_mut());
        let therapy_day = draw.sessions(day);
        draw.night(therapy_day);
    }
}

/// [`run_draw`] that also returns (day, hour, true score per slot) at the end of every session: what practice
/// shows before the session's transient performance fades and before the night (for tests and inspection).
pub(super) fn run_draw_session_ends(
    prep: &Prepared,
    c: &Circuits,
    slots: &[Slot],
    out: &mut [f64],
) -> Vec<(u32, f64, Vec<f64>)> {
    let mut draw = Draw::new(prep, c, slots);
    draw.session_ends = Some(Vec::new());
    for day in 0..prep.horizon as usize + 1 {
        draw.morning(day, out, None);
        let therapy_day = draw.sessions(day);
        draw.night(therapy_day);
    }
    draw.session_ends.unwrap_or_default()
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
            use_state: arm_f0.map(UseState::settled),
            use_df: 0.0,
            fatigue: 0.0,
            last_hour: None,
            next_session: 0,
            session_index: 0,
            gain: [0.0; DOMAINS],
            loss: [0.0; DOMAINS],
            train: [0.0; DOMAINS],
            session_ends: None,
        }
    }

    /// Record the morning of `day`: true scores per slot in `out`, arm use in `arm_use`.
    fn morning(&mut self, day: usize, out: &mut [f64], arm_use: Option<&mut Vec<f64>>) {
        let prep = self.prep;
        let n_days = prep.horizon as usize + 1;
        let t = day as f64;
        // Only the domains some slot reads (or arm use needs) are computed.
        for &d in &prep.used_domains {
            (self.gain[d], self.loss[d]) = self.gain_loss(d, self.train[d], t);
        }
        for (s, slot) in self.slots.iter().enumerate() {
            let d = slot.domain as usize;
            out[s * n_days + day] = slot.score(self.gain[d], self.loss[d], 0.0);
        }
        if let (Some(u), Some(buf)) = (self.use_state.as_ref(), arm_use) {
            buf.push(u.use_);
        }
    }

    /// Share of headroom gained and of room lost in domain `d` on day `t`, with `train` carried by practice.
    fn gain_loss(&self, d: usize, train: f64, t: f64) -> (f64, f64) {
        // Spontaneous recovery and practice share the same headroom.
        let spont = (self.spont_total[d] * self.spont_scale * (1.0 - self.q_t)).min(1.0);
        let mut gain = 1.0 - (1.0 - spont) * (1.0 - train.min(1.0));
        let mut loss = self.decline_day * t * self.decline_w[d];
        if let Some(f0) = self.arm_f0
            && d == Domain::Arm as usize
        {
            if self.use_df >= 0.0 {
                gain += self.use_df / (1.0 - f0).max(1e-6);
            } else {
                loss += -self.use_df / f0.max(1e-6);
            }
        }
        (gain, loss)
    }

    /// True score of every slot now, at the end of a session of day `t`: this morning's state with the tasks' skills
    /// as practice left them (performance, before what fades or is consolidated).
    fn scores_now(&self, t: f64) -> Vec<f64> {
        let train = self.practice_shares();
        self.slots
            .iter()
            .map(|slot| {
                let d = slot.domain as usize;
                let (gain, loss) = self.gain_loss(d, train[d], t);
                slot.score(gain, loss, 0.0)
            })
            .collect()
    }

    /// Run the sessions of `day`; returns whether it was a therapy day.
    fn sessions(&mut self, day: usize) -> bool {
        let prep = self.prep;
        let sessions = &prep.sessions;
        let therapy_day =
            self.next_session < sessions.len() && sessions[self.next_session].0 as usize == day;
        let t = day as f64;
        let subacute = if self.is_stroke && self.d0 + t < f64::from(k::SUBACUTE_DAYS) {
            k::SUBACUTE_TRAINING_FACTOR
        } else {
            1.0
        };
        let mut fat_e;
        while self.next_session < sessions.len() && sessions[self.next_session].0 as usize == day {
            let (_, hour) = sessions[self.next_session];
            if let Some((ld, lh)) = self.last_hour
                && ld as usize == day
            {
                // Same day: an awake gap.
                self.fatigue = skill::recover(self.fatigue, hour - lh);
                fat_e = (-self.fatigue / prep.fatigue_capacity).exp();
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
            if let Some(lv) = self.ladder.scheduled_level(self.session_index) {
                for ts in self.tasks.iter_mut() {
                    ts.level = lv;
                }
            }
            let l = &self.l;
            // Round by round (block j of every task): the round's useful repetitions R e^(-done/R) (1 - e^(-n/R))
            // are shared by its blocks in proportion to their repetitions, with e^(-n/R) cached.
            for round in 0..prep.rounds {
                let useful = prep.fatigue_capacity * fat_e * (1.0 - prep.round_exp) * subacute;
                fat_e *= prep.round_exp;
                self.fatigue += prep.round_reps;
                for (plan, ts) in prep.tasks.iter().zip(self.tasks.iter_mut()) {
                    let b = &plan.blocks;
                    if round >= b.count {
                        continue;
                    }
                    let dlev = self.ladder.difficulty(ts.level);
                    if b.whole_share > 0.0 {
                        let p = skill::success(task_skill(plan, ts), dlev, l.noise);
                        let eff = useful * b.round_whole * skill::challenge(p);
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
                        for ((s, &r), &w) in
                            ts.parts.iter_mut().zip(&b.round_parts).zip(&plan.parts)
                        {
                            let p = skill::success(s.total(), dlev, l.noise);
                            let eff = useful * r * skill::challenge(p);
                            *s = l.comp.block(*s, eff / w.max(1e-3), 1.0);
                            if b.part_integ > 0.0 && plan.iota > 0.0 {
                                ts.integ = l.integ.block(ts.integ, eff * b.part_integ, 1.0);
                            }
                        }
                    }
                    if self.ladder.adapts() {
                        ts.level =
                            self.ladder
                                .adapt(ts.level, task_skill(plan, ts), l.noise, b.windows);
                    }
                }
            }
            if self.session_ends.is_some() {
                let end = (day as u32, hour + prep.minutes / 60.0, self.scores_now(t));
                self.session_ends.get_or_insert_default().push(end);
            }
            self.last_hour = Some((day as u32, hour + prep.minutes / 60.0));
            self.next_session += 1;
            self.session_index += 1;
        }
        therapy_day
    }

    /// The rest of the day and the night.
    fn night(&mut self, therapy_day: bool) {
        let prep = self.prep;
        self.fade_transient();
        self.random_order_offline_gain();
        if let (Some(u), Some(_)) = (self.use_state.as_mut(), self.arm_f0) {
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
        let keep_arm = if arm_use_today > 0.0 {
            let disuse = self.l.keep_per_day / self.l.keep_age_per_day;
            self.l.keep_age_per_day * disuse.powf((1.0 - 2.0 * arm_use_today).max(0.0))
        } else {
            self.l.keep_per_day
        };
        for (plan, ts) in prep.tasks.iter().zip(self.tasks.iter_mut()) {
            let keep = if plan.domain == Domain::Arm {
                keep_arm
            } else {
                self.l.keep_per_day
            };
            for (s, last) in ts.parts.iter_mut().zip(ts.at_last_night.iter_mut()) {
                let x = s.total();
                *s = skill::sleep(*s, x - *last, self.c.sleep_gain);
                s.slow *= keep;
                *last = s.total();
            }
            let y = ts.integ.total();
            ts.integ = skill::sleep(ts.integ, y - ts.integ_at_last_night, self.c.sleep_gain);
            ts.integ.slow *= keep;
            ts.integ_at_last_night = ts.integ.total();
        }
        if !prep.tasks.is_empty() {
            self.train = self.practice_shares();
        }
        self.q_t *= self.q;
    }

    /// Practice carried to each domain (share of headroom) by the tasks' skills as they are now: the weighted
    /// transfer of every task that trains the domain.
    fn practice_shares(&self) -> [f64; DOMAINS] {
        // Tasks of one domain train the same function: their skills add up, saturating at 1.
        let mut untrained = [1.0; DOMAINS];
        for (plan, ts) in self.prep.tasks.iter().zip(&self.tasks) {
            let x = task_skill(plan, ts).clamp(0.0, 1.0);
            for (u, w) in untrained.iter_mut().zip(plan.transfer) {
                *u *= 1.0 - w * x;
            }
        }
        let mut train = untrained.map(|u| self.c.trainable * (1.0 - u));
        // Daily activities gain from any of arm, leg and balance.
        let a = (train[0] + train[1] + train[2]) / 3.0;
        let daily = Domain::Daily as usize;
        train[daily] = train[daily].max(a);
        train
    }

    /// Practice order at the end of a session's practice (Schmidt & Bjork 1992; Kantak & Winstein 2012: performance
    /// is not learning). After blocked practice of several tasks, the share of the fast state that came from
    /// repeating the same task on consecutive trials is performance only and fades; after random practice, the
    /// offline benefit of contextual interference is added at night, a share of what was learned since the previous
    /// night (`night`; Czyz 2024: larger in older adults). Called when a session's fast state is stabilised: before a
    /// gap awake and at night.
    fn fade_transient(&mut self) {
        let keep = self.l.consolidated;
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
        let b = self.l.offline_order;
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
