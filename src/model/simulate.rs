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
use super::outcome::DOMAINS;
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
    session_ends(scenario, protocol, seed, draw).0
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
    run_draw(
        &prep,
        &c,
        &slots,
        &mut out,
        Some(&mut arm_use),
        &mut ends,
        &mut [],
    );
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

/// Most scores (f64) a forecast holds for all its draws at once, its true score per slot and day and at the end of
/// each reported session: 8 Mi values = 64 MiB. Up to this the bands are exact nearest-rank percentiles; above it the
/// draws run in rounds into fixed-size histograms ([`summary::Tally`]) and memory no longer grows with the draws.
pub const MAX_EXACT_VALUES: usize = 8 << 20;
/// Scores (f64) held per round of draws in the histogram path, across all threads (1 Mi values = 8 MiB), and the
/// most draws one thread runs per round: enough to keep the threads busy, few enough that a round holds less than
/// the histograms.
const ROUND_VALUES: usize = 1 << 20;
const ROUND_DRAWS: usize = 256;
/// Most worker threads one forecast uses.
const MAX_THREADS: usize = 8;

/// Worker threads a forecast uses: the machine's cores, at most [`MAX_THREADS`].
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
}

/// Forecast one protocol (or no treatment) for a scenario, on every core ([`default_threads`]). The result does not
/// depend on the number of cores ([`forecast_threads`]).
pub fn forecast(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Forecast, Cancelled> {
    forecast_threads(scenario, protocol, opts, ctl, default_threads())
}

/// [`forecast`] on `threads` worker threads (1 = this thread only). The result is the same for any number of
/// threads: draw i always uses stream i of the seed, and the draws are summarised in draw order.
///
/// Memory is bounded whatever the draws: when all draws' scores fit in [`MAX_EXACT_VALUES`] they are held and the
/// bands are exact nearest-rank percentiles; beyond that the draws run in rounds of a fixed number of scores into
/// fixed-size histograms ([`summary::Tally`]). Calibration then needs the draws twice: once for their weights (one
/// number per draw), once for the bands.
pub fn forecast_threads(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    opts: ForecastOptions,
    ctl: &Control,
    threads: usize,
) -> Result<Forecast, Cancelled> {
    run_forecast(scenario, protocol, opts, ctl, threads, MAX_EXACT_VALUES)
}

/// [`forecast_threads`] with its bands always from the fixed-size histograms, as a forecast too large to hold takes
/// them: for tests comparing them with the exact bands.
pub fn forecast_in_histograms(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    opts: ForecastOptions,
    ctl: &Control,
    threads: usize,
) -> Result<Forecast, Cancelled> {
    run_forecast(scenario, protocol, opts, ctl, threads, 0)
}

/// What one worker computes for a run of consecutive draws `first..first + len`, laid out one column per draw:
/// true scores `latent[row * len + j]` (rows: slot * days + day, then the end of each reported session k * slots +
/// slot), measurement noise `noise[s * len + j]`, true scores at the assessments before day 0 `past[k * len + j]`.
#[derive(Default)]
struct Chunk {
    first: usize,
    len: usize,
    latent: Vec<f64>,
    noise: Vec<f64>,
    past: Vec<f64>,
    /// A block of draws' rows, draw-major, reused.
    one: Vec<f64>,
    /// The practice one draw carried on the morning of each of `Prepared::past_days` ([`run_draw`]).
    past_train: Vec<[f64; DOMAINS]>,
}

impl Chunk {
    /// Run the chunk's draws; draw i uses stream i of `seed`, whichever thread runs it.
    fn run(
        &mut self,
        prep: &Prepared,
        seed: u64,
        ctl: &Control,
        count: bool,
    ) -> Result<(), Cancelled> {
        let n_slots = prep.slots.len();
        let day_rows = n_slots * (prep.horizon as usize + 1);
        let rows = day_rows + prep.shown * n_slots;
        let len = self.len;
        self.latent.resize(rows * len, 0.0);
        self.noise.resize(n_slots * len, 0.0);
        self.past.resize(prep.past_obs.len() * len, 0.0);
        self.past_train.resize(prep.past_days.len(), [0.0; DOMAINS]);
        // Draws run in blocks of BLOCK: each block's rows are written to `latent` as contiguous runs of BLOCK values
        // (whole cache lines) instead of one scattered value per row and draw.
        const BLOCK: usize = 8;
        self.one.resize(rows * BLOCK, 0.0);
        for j in 0..len {
            if ctl.is_cancelled() {
                return Err(Cancelled);
            }
            let mut rng = draw_rng(seed, (self.first + j) as u32);
            let c = prep.preset.priors.sample(&mut rng);
            let slots = prep.day0_slots(&mut rng);
            for s in 0..n_slots {
                self.noise[s * len + j] = StandardNormal.sample(&mut rng);
            }
            let jj = j % BLOCK;
            let (out, ends) = self.one[jj * rows..(jj + 1) * rows].split_at_mut(day_rows);
            let train0 = run_draw(prep, &c, &slots, out, None, ends, &mut self.past_train);
            if !prep.past_obs.is_empty() {
                let spont = recovery::spontaneous_totals(
                    prep.preset.priors.spontaneous,
                    &c,
                    super::prepare::fma_ue_headroom(&slots),
                );
                for (kk, &(s, day)) in prep.past_obs.iter().enumerate() {
                    let then = &self.past_train[prep.past_days.partition_point(|&d| d < day)];
                    self.past[kk * len + j] =
                        fit::past_score(prep, &c, &slots, &spont, s, day, (then, &train0));
                }
            }
            if jj + 1 == BLOCK || j + 1 == len {
                let j0 = j - jj;
                for (row, dst) in self.latent.chunks_exact_mut(len).enumerate() {
                    for (b, v) in dst[j0..=j].iter_mut().enumerate() {
                        *v = self.one[b * rows + row];
                    }
                }
            }
            if count {
                ctl.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
        Ok(())
    }
}

/// Run draws `0..draws` in rounds of up to `threads` chunks of `per_chunk` draws, one thread per chunk, and hand
/// every chunk to `sink` in draw order: what the sink computes does not depend on the number of threads.
#[allow(clippy::too_many_arguments)]
fn run_draws(
    prep: &Prepared,
    seed: u64,
    draws: usize,
    per_chunk: usize,
    threads: usize,
    ctl: &Control,
    count: bool,
    mut sink: impl FnMut(&mut Chunk),
) -> Result<(), Cancelled> {
    let mut chunks: Vec<Chunk> = (0..threads.max(1)).map(|_| Chunk::default()).collect();
    let mut next = 0;
    while next < draws {
        let mut used = 0;
        for ch in chunks.iter_mut() {
            if next >= draws {
                break;
            }
            ch.first = next;
            ch.len = per_chunk.max(1).min(draws - next);
            next += ch.len;
            used += 1;
        }
        if used == 1 {
            chunks[0].run(prep, seed, ctl, count)?;
        } else {
            std::thread::scope(|sc| {
                let handles: Vec<_> = chunks[..used]
                    .iter_mut()
                    .map(|ch| sc.spawn(move || ch.run(prep, seed, ctl, count)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect::<Result<Vec<()>, Cancelled>>()
            })?;
        }
        for ch in &mut chunks[..used] {
            sink(ch);
        }
    }
    Ok(())
}

fn run_forecast(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    opts: ForecastOptions,
    ctl: &Control,
    threads: usize,
    exact_values: usize,
) -> Result<Forecast, Cancelled> {
    let prep = prepare(scenario, protocol);
    let n_days = prep.horizon as usize + 1;
    let draws = opts.draws.max(1) as usize;
    let n_slots = prep.slots.len();
    let day_rows = n_slots * n_days;
    let rows = day_rows + prep.shown * n_slots;
    let threads = threads.clamp(1, MAX_THREADS).min(draws);
    let (measures, ms, sessions, calibration) = if rows * draws <= exact_values {
        // latent[row * draws + i], noise[s * draws + i], past[k * draws + i] (see `Chunk`).
        let mut latent = vec![0.0; rows * draws];
        let mut noise = vec![0.0; n_slots * draws];
        let mut past = vec![0.0; prep.past_obs.len() * draws];
        let per_chunk = draws.div_ceil(threads);
        run_draws(
            &prep,
            opts.seed,
            draws,
            per_chunk,
            threads,
            ctl,
            true,
            |ch| {
                let (i0, len) = (ch.first, ch.len);
                if len == draws {
                    // One chunk holds every draw: its arrays become the forecast's, uncopied.
                    std::mem::swap(&mut latent, &mut ch.latent);
                    std::mem::swap(&mut noise, &mut ch.noise);
                    std::mem::swap(&mut past, &mut ch.past);
                    return;
                }
                for (dst, src) in [
                    (&mut latent, &ch.latent),
                    (&mut noise, &ch.noise),
                    (&mut past, &ch.past),
                ] {
                    for (row, run) in src.chunks_exact(len).enumerate() {
                        dst[row * draws + i0..row * draws + i0 + len].copy_from_slice(run);
                    }
                }
            },
        )?;
        let calibration = fit::calibrate(&prep, opts.seed, draws, &past, &mut latent, &mut noise);
        let (measures, ms) = summary::measures(&prep, draws, &latent, &noise);
        let ends = &latent[day_rows * draws..];
        let sessions = session_means(&prep, |row, s| {
            let sum: f64 = ends[row * draws..(row + 1) * draws]
                .iter()
                .zip(&noise[s * draws..(s + 1) * draws])
                .map(|(&v, &z)| prep.slots[s].observe(v, z))
                .sum();
            sum / draws as f64
        });
        (measures, ms, sessions, calibration)
    } else {
        let per_chunk = (ROUND_VALUES / rows / threads).clamp(1, ROUND_DRAWS);
        let obs = fit::observations(&prep);
        let mut calibration = fit::Calibration {
            skipped: prep.past_skipped,
            ..fit::Calibration::default()
        };
        // Multiplicity of each draw after calibration (1 each without observations).
        let mut weight = Vec::new();
        if !obs.is_empty() {
            let mut log_w = vec![0.0; draws];
            run_draws(
                &prep,
                opts.seed,
                draws,
                per_chunk,
                threads,
                ctl,
                false,
                |ch| {
                    let (len, lat, past) = (ch.len, &ch.latent, &ch.past);
                    for j in 0..len {
                        log_w[ch.first + j] = fit::draw_log_likelihood(
                            &obs,
                            n_days,
                            |row| lat[row * len + j],
                            |kk| past[kk * len + j],
                        );
                    }
                },
            )?;
            let (idx, ess, misfit) = fit::resample_draws(opts.seed, &mut log_w, obs.len());
            drop(log_w);
            weight = vec![0u32; draws];
            for &i in &idx {
                weight[i] += 1;
            }
            calibration.used = Some((obs.len(), ess));
            calibration.misfit = misfit;
        }
        let mut tally = summary::Tally::new(&prep);
        run_draws(
            &prep,
            opts.seed,
            draws,
            per_chunk,
            threads,
            ctl,
            true,
            |ch| {
                let len = ch.len;
                for j in 0..len {
                    let w = weight.get(ch.first + j).copied().unwrap_or(1);
                    tally.add(&prep, &ch.latent[j..], len, &ch.noise[j..], w);
                }
            },
        )?;
        let (measures, ms, ends) = tally.finish(&prep);
        let sessions = session_means(&prep, |row, _| ends[row]);
        (measures, ms, sessions, calibration)
    };
    let primary = summary::primary_of(scenario, protocol);
    let notes = notes::calibration_caution(&calibration, draws)
        .into_iter()
        .chain(notes::protocol_notes(&prep))
        .chain(notes::history_notes(&prep))
        .chain(notes::calibration_notes(&calibration, draws))
        .chain(notes::start_notes(&prep, &calibration, &measures))
        .collect();
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
            notes,
            warnings: super::evidence::warnings(scenario, protocol),
        },
    })
}

/// Mean observed score of every slot at the end of each reported session; `mean(k * slots + s, s)` is slot s's at
/// the end of the k-th session on or after day 0.
fn session_means(prep: &Prepared, mean: impl Fn(usize, usize) -> f64) -> Vec<SessionEnd> {
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
                .map(|(s, slot)| (slot.id.to_string(), mean(k * n_slots + s, s)))
                .collect(),
        })
        .collect()
}

/// The forecast of each protocol, in their order, on `threads` worker threads. With at least as many protocols as
/// threads, each thread takes the next protocol not yet started and forecasts it on its own (so the summaries run in
/// parallel too, not only the draws); with fewer, one protocol after the other on all the threads. Each forecast is
/// the same either way ([`forecast_threads`]), so the protocols still see the same patients.
fn forecast_each(
    scenario: &Scenario,
    protocols: &[Protocol],
    opts: ForecastOptions,
    ctl: &Control,
    threads: usize,
) -> Result<Vec<Forecast>, Cancelled> {
    let threads = threads.clamp(1, MAX_THREADS);
    if threads < 2 || protocols.len() < threads {
        return protocols
            .iter()
            .map(|p| forecast_threads(scenario, Some(p), opts, ctl, threads))
            .collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut done: Vec<(usize, Result<Forecast, Cancelled>)> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(p) = protocols.get(i) else {
                            return mine;
                        };
                        mine.push((i, forecast_threads(scenario, Some(p), opts, ctl, 1)));
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, f)| f).collect()
}

/// Forecast several protocols for one scenario on the same patients (same seed) and rank them by the primary
/// instrument's improvement at follow-up, on every core ([`default_threads`]). The result does not depend on the
/// number of cores ([`compare_threads`]).
pub fn compare(
    scenario: &Scenario,
    protocols: &[Protocol],
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Comparison, Cancelled> {
    compare_threads(scenario, protocols, opts, ctl, default_threads())
}

/// [`compare`] on `threads` worker threads (1 = this thread only): each protocol's forecast is the same for any
/// number of threads ([`forecast_threads`]), whether the threads share the protocols or each protocol's draws.
pub fn compare_threads(
    scenario: &Scenario,
    protocols: &[Protocol],
    opts: ForecastOptions,
    ctl: &Control,
    threads: usize,
) -> Result<Comparison, Cancelled> {
    let primary = summary::primary_of(scenario, protocols.first());
    let mut out: Vec<ProtocolForecast> = forecast_each(scenario, protocols, opts, ctl, threads)?
        .into_iter()
        .zip(protocols)
        .map(|(f, p)| ProtocolForecast {
            id: p.id.clone(),
            measures: f.measures,
            summary: f.summary,
        })
        .collect();
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

/// The most draws whose scores (per slot and day, and at the end of each reported session) fit in
/// [`MAX_EXACT_VALUES`].
fn exact_draws(prep: &Prepared) -> u64 {
    let rows = (u64::from(prep.horizon) + 1 + prep.shown as u64) * prep.slots.len() as u64;
    MAX_EXACT_VALUES as u64 / rows.max(1)
}

/// Runs of every draw a forecast of `draws` draws makes: one, or two when it calibrates on assessments and its
/// draws' scores do not fit in [`MAX_EXACT_VALUES`] (one run for the weights, one for the bands).
fn passes(prep: &Prepared, draws: u64) -> u64 {
    if fit::observations(prep).is_empty() || draws <= exact_draws(prep) {
        1
    } else {
        2
    }
}

/// Refuse a forecast whose work exceeds [`k::MAX_FORECAST_STEPS`] (a few seconds), saying how many draws fit. The
/// work is what the engine runs: every draw's steps, twice when calibration needs a second run of the draws
/// ([`passes`]); earlier practice (`[[history]]`, logged sessions) counts with its days, tasks and sessions. Memory
/// needs no bound: it does not grow with the draws beyond a fixed amount ([`forecast_threads`]).
pub fn check_cost(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    draws: u32,
) -> Result<(), String> {
    let prep = prepare(scenario, protocol);
    let draws = u64::from(draws.max(1));
    let per_draw = steps_per_draw(&prep);
    let steps = |n: u64| n * per_draw * passes(&prep, n);
    if steps(draws) <= k::MAX_FORECAST_STEPS {
        return Ok(());
    }
    // The most draws that fit: one run each, or two beyond the exact size when calibrating.
    let one_run = k::MAX_FORECAST_STEPS / per_draw;
    let fit = if steps(one_run) <= k::MAX_FORECAST_STEPS {
        one_run
    } else {
        exact_draws(&prep).max(k::MAX_FORECAST_STEPS / (2 * per_draw))
    };
    let days = i64::from(prep.horizon) - i64::from(prep.first_day.min(0)) + 1;
    let twice = if passes(&prep, draws) == 2 {
        " x 2 runs (calibration weighs the draws, then summarises them)"
    } else {
        ""
    };
    Err(format!(
        "this forecast is too large: {draws} draws x {per_draw} steps per draw ({days} days, {} sessions){twice} = {} \
         steps; at most {} steps (a few seconds) are allowed, so at most {fit} draws here: lower --draws, \
         horizon_days, the protocol's sessions or the earlier practice",
        prep.timeline.len(),
        steps(draws),
        k::MAX_FORECAST_STEPS,
    ))
}
