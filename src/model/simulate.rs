//! The forecasting engine: Monte Carlo over a patient's circuit parameters, one day at a time.
//!
//! Per draw: sample the circuits from the condition preset ([`super::impairment`], [`super::circuits`]) and walk
//! the days from 0 to the horizon (`draw.rs`: morning, sessions, night). Then weight the draws by the patient's
//! logged assessments ([`super::fit`]) and summarise them (`summary.rs`, with the notes of `notes.rs`). What does not
//! change between draws is prepared once (`prepare.rs`). Draw i always uses the RNG stream i of `opts.seed`
//! ([`super::circuits::draw_rng`]), and the priors never depend on the protocol, so protocols compared on the same
//! seed see the same patients (common random numbers).
//!
//! Where each mechanism lives: the two-state skill model, sleep and awake consolidation, fatigue and the challenge
//! point in `skill.rs`; the difficulty ladder in `progression.rs`; spontaneous recovery, use-dependent change and
//! progression of disease in `recovery.rs`; the mapping to each instrument in `outcome.rs`; the numbers and their
//! sources in `constants.rs`.

use std::collections::BTreeMap;

use rand_distr::{Distribution, StandardNormal};

use super::circuits::draw_rng;
use super::constants as k;
use super::draw::run_draw;
use super::fit;
use super::forecast::*;
use super::notes;
use super::prepare::{Prepared, prepare};
use super::protocol::Protocol;
use super::recovery;
use super::scenario::Scenario;
use super::summary;

/// One draw's trajectory: latent (true) score per slot per day, and spontaneous arm use per day (stroke).
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub days: Vec<u32>,
    /// Instrument id -> true score per day.
    pub scores: BTreeMap<String, Vec<f64>>,
    /// Spontaneous use of the affected arm (0-1) per day; empty when the scenario has no arm instrument after stroke.
    pub arm_use: Vec<f64>,
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
    let slots = prep.day0_slots(&mut rng);
    let mut out = vec![0.0; prep.slots.len() * n_days];
    let mut arm_use = Vec::new();
    run_draw(&prep, &c, &slots, &mut out, Some(&mut arm_use), &mut []);
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

/// One draw's true score on each instrument at the end of a session (performance during practice, before what is
/// temporary fades and before the night's consolidation).
#[derive(Debug, Clone, PartialEq)]
pub struct DrawSessionEnd {
    pub day: u32,
    /// Hour of day the session ended.
    pub hour: f64,
    /// Instrument id -> true score.
    pub scores: BTreeMap<String, f64>,
}

/// The end of every session of draw `draw` of seed `seed` (the same patient as in [`forecast`] and
/// [`trajectory`]), with the draw's daily trajectory. For tests and inspection (practice order: Shea & Morgan 1979).
pub fn session_ends(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    seed: u64,
    draw: u32,
) -> (Trajectory, Vec<DrawSessionEnd>) {
    let prep = prepare(scenario, protocol);
    let n_days = prep.horizon as usize + 1;
    let n_slots = prep.slots.len();
    let mut rng = draw_rng(seed, draw);
    let c = prep.preset.priors.sample(&mut rng);
    let slots = prep.day0_slots(&mut rng);
    let mut out = vec![0.0; n_slots * n_days];
    let mut arm_use = Vec::new();
    let mut ends = vec![0.0; prep.shown * n_slots];
    run_draw(&prep, &c, &slots, &mut out, Some(&mut arm_use), &mut ends);
    let ids = || prep.slots.iter().map(|s| s.id.to_string());
    let trajectory = Trajectory {
        days: (0..=prep.horizon).collect(),
        scores: ids()
            .enumerate()
            .map(|(s, id)| (id, out[s * n_days..(s + 1) * n_days].to_vec()))
            .collect(),
        arm_use,
    };
    let ends = shown_sessions(&prep)
        .zip(ends.chunks(n_slots.max(1)))
        .map(|((day, hour, minutes), scores)| DrawSessionEnd {
            day,
            hour: hour + minutes / 60.0,
            scores: ids().zip(scores.iter().copied()).collect(),
        })
        .collect();
    (trajectory, ends)
}

/// (day, start hour, minutes) of every reported session: the sessions of the timeline on or after day 0, in the
/// order of the end-of-session rows `run_draw` writes.
fn shown_sessions<'a>(
    prep: &'a super::prepare::Prepared,
) -> impl Iterator<Item = (u32, f64, f64)> + 'a {
    prep.timeline.iter().filter_map(|s| {
        let minutes = s.dose.map_or(prep.minutes, |d| prep.doses[d].minutes);
        u32::try_from(s.day).ok().map(|d| (d, s.hour, minutes))
    })
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
    // latent[s][day][draw], then the end-of-session rows latent[n_slots * n_days + k * n_slots + s][draw].
    let day_rows = n_slots * n_days;
    let mut latent = vec![0.0; (day_rows + prep.shown * n_slots) * draws];
    let mut ends = vec![0.0; prep.shown * n_slots];
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
            let slots = prep.day0_slots(&mut rng);
            for s in 0..n_slots {
                noise[s * draws + i] = StandardNormal.sample(&mut rng);
            }
            if !prep.past_obs.is_empty() {
                let spont = recovery::spontaneous_totals(
                    prep.preset.priors.spontaneous,
                    &c,
                    super::prepare::fma_ue_headroom(&slots),
                );
                for (kk, &(s, day)) in prep.past_obs.iter().enumerate() {
                    past[kk * draws + i] = fit::past_score(&prep, &c, &slots, &spont, s, day);
                }
            }
            run_draw(
                &prep,
                &c,
                &slots,
                &mut buf[j * rows..(j + 1) * rows],
                None,
                &mut ends,
            );
            for (r, &v) in ends.iter().enumerate() {
                latent[(day_rows + r) * draws + i] = v;
            }
            ctl.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        for row in 0..rows {
            let dst = &mut latent[row * draws + i0..row * draws + i0 + len];
            for (j, v) in dst.iter_mut().enumerate() {
                *v = buf[j * rows + row];
            }
        }
    }
    let calibration = fit::calibrate(&prep, opts.seed, draws, &past, &mut latent, &mut noise);
    let (measures, ms) = summary::measures(&prep, draws, &latent, &noise);
    let sessions = mean_session_ends(&prep, draws, &latent[day_rows * draws..], &noise);
    let primary = summary::primary_of(scenario, protocol);
    Ok(Forecast {
        days: (0..=prep.horizon).collect(),
        measures,
        sessions,
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
            notes: notes::protocol_notes(&prep)
                .into_iter()
                .chain(notes::history_notes(&prep))
                .chain(notes::calibration_notes(&calibration, draws))
                .collect(),
        },
    })
}

/// Mean observed score of every slot at the end of each reported session; `rows[(k * slots + s) * draws + i]` is
/// draw i's true score of slot s at the end of the k-th session on or after day 0.
fn mean_session_ends(
    prep: &super::prepare::Prepared,
    draws: usize,
    rows: &[f64],
    noise: &[f64],
) -> Vec<SessionEnd> {
    let n_slots = prep.slots.len();
    shown_sessions(prep)
        .enumerate()
        .map(|(k, (day, hour, _))| SessionEnd {
            day,
            time: clock_text(hour),
            end: prep
                .slots
                .iter()
                .enumerate()
                .map(|(s, slot)| {
                    let row = &rows[(k * n_slots + s) * draws..(k * n_slots + s + 1) * draws];
                    let sum: f64 = row
                        .iter()
                        .zip(&noise[s * draws..(s + 1) * draws])
                        .map(|(&v, &z)| slot.observe(v, z))
                        .sum();
                    (slot.id.to_string(), sum / draws as f64)
                })
                .collect(),
        })
        .collect()
}

pub fn compare(
    scenario: &Scenario,
    protocols: &[Protocol],
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Comparison, Cancelled> {
    let primary = summary::primary_of(scenario, protocols.first());
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
    if let Some(note) = notes::ranking_note(scenario, &out, &order, &primary) {
        for f in &mut out {
            f.summary.notes.push(note.clone());
        }
    }
    Ok(Comparison {
        days: (0..=scenario.horizon_days).collect(),
        primary,
        ranking: order.iter().map(|&i| out[i].id.clone()).collect(),
        protocols: out,
        no_treatment: None,
        warnings: Vec::new(),
        fair: None,
    })
}

/// Work of one draw in steps (see [`k::MAX_FORECAST_STEPS`]): every day from day 0 moves each slot, every day the
/// engine runs (from the first session of earlier practice) moves each task state, and every practice block of a
/// session (the protocol's and earlier practice) each state of its task.
fn steps_per_draw(prep: &Prepared) -> u64 {
    let states = |t: usize| 1 + prep.tasks[t].parts.len() as u64;
    let all_states: u64 = (0..prep.tasks.len()).map(states).sum();
    let protocol_session: u64 = (0..prep.tasks.len())
        .map(|t| states(t) * u64::from(prep.tasks[t].blocks.count))
        .sum();
    let sessions: u64 = prep
        .timeline
        .iter()
        .map(|s| match s.dose {
            None => protocol_session,
            Some(d) => prep.doses[d]
                .blocks
                .iter()
                .map(|(t, b)| states(*t) * u64::from(b.count))
                .sum(),
        })
        .sum();
    let days = u64::from(prep.horizon) + 1;
    let all_days = (i64::from(prep.horizon) - i64::from(prep.first_day) + 1).max(1) as u64;
    (days * prep.slots.len() as u64 + all_days * all_states + sessions).max(1)
}

/// Scores one draw holds until the forecast is summarised (see [`k::MAX_HELD_VALUES`]): every slot's true score per
/// day and at the end of each reported session, its measurement noise, and its scores at past assessments.
fn values_per_draw(prep: &Prepared) -> u64 {
    let slots = prep.slots.len() as u64;
    let days = u64::from(prep.horizon) + 1;
    ((days + prep.shown as u64 + 1) * slots + prep.past_obs.len() as u64).max(1)
}

/// Refuse a forecast whose work exceeds [`k::MAX_FORECAST_STEPS`] (a few seconds) or whose draws' scores exceed
/// [`k::MAX_HELD_VALUES`] (memory), saying how many draws fit. Earlier practice (`[[history]]`, logged sessions)
/// counts: its days, tasks and sessions.
pub fn check_cost(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    draws: u32,
) -> Result<(), String> {
    let prep = prepare(scenario, protocol);
    let draws = u64::from(draws.max(1));
    let (per_draw, held) = (steps_per_draw(&prep), values_per_draw(&prep));
    let fit = (k::MAX_FORECAST_STEPS / per_draw).min(k::MAX_HELD_VALUES / held);
    if draws <= fit {
        return Ok(());
    }
    let days = i64::from(prep.horizon) - i64::from(prep.first_day.min(0)) + 1;
    Err(format!(
        "this forecast is too large: {draws} draws x {per_draw} steps per draw ({days} days, {} sessions) = {} steps \
         and {} scores held; at most {} steps (a few seconds) and {} scores ({} MiB) are allowed, so at most {fit} \
         draws here: lower --draws, horizon_days, the protocol's sessions or the earlier practice",
        prep.timeline.len(),
        draws * per_draw,
        draws * held,
        k::MAX_FORECAST_STEPS,
        k::MAX_HELD_VALUES,
        (k::MAX_HELD_VALUES * 8) >> 20,
    ))
}
