//! From draws to what a forecast reports: per instrument and day the mean and the 10th, 50th and 90th percentiles
//! (nearest rank) of the observed score; change and improvement at the end of treatment and at follow-up; the
//! probability of passing the MCID (the subacute MCID in the first months after stroke, when the instrument has
//! one) and of reaching the scenario's goal; the median number of sessions to the MCID.

use std::collections::BTreeMap;

use super::forecast::{Band, GoalChance, MeasureSummary, Stat};
use super::outcome::Slot;
use super::prepare::Prepared;
use super::protocol::Protocol;
use super::scenario::Scenario;

/// Nearest-rank percentiles 10, 50, 90 and the mean of `v` (reordered in place); all zero when `v` is empty.
pub(super) fn stats(v: &mut [f64]) -> Stat {
    let n = v.len();
    if n == 0 {
        return Stat::default();
    }
    let mean = v.iter().sum::<f64>() / n as f64;
    let (i10, i50, i90) = (rank(0.1, n), rank(0.5, n), rank(0.9, n));
    let cmp = |a: &f64, b: &f64| a.total_cmp(b);
    v.select_nth_unstable_by(i50, cmp);
    let p50 = v[i50];
    // One draw (or two) leaves nothing below the median to select from: the 10th percentile is then the median.
    let p10 = if i10 < i50 {
        v[..i50].select_nth_unstable_by(i10, cmp);
        v[i10]
    } else {
        p50
    };
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

/// The draws' scores of one slot, day after day, kept sorted: a draw's rank changes little from one day to the
/// next, so sorting each day's scores from the previous day's order (insertion sort of a nearly sorted run) costs
/// about one pass, less than selecting three percentiles anew. The percentiles are the same as [`stats`]' (the
/// nearest-rank values of the same scores), and the mean is summed in draw order as there.
struct SortedDays {
    /// Today's score of each draw with its index, in the previous day's order of scores (the first day: draw order).
    pairs: Vec<(f64, u32)>,
    first: bool,
}

impl SortedDays {
    fn new(draws: usize) -> SortedDays {
        SortedDays {
            pairs: (0..draws as u32).map(|i| (0.0, i)).collect(),
            first: true,
        }
    }

    /// Mean and nearest-rank percentiles of `day` (one score per draw, in draw order; not empty).
    fn stats(&mut self, day: &[f64]) -> Stat {
        let n = day.len();
        for p in self.pairs.iter_mut() {
            p.0 = day[p.1 as usize];
        }
        let after = |a: &(f64, u32), b: &(f64, u32)| a.0.total_cmp(&b.0);
        // Insertion sort while the order is nearly the previous day's; a full sort on the first day or when ranks
        // moved too much (so never quadratic).
        let mut budget = if self.first { 0 } else { 8 * n };
        self.first = false;
        let mut sorted = true;
        'insert: for j in 1..n {
            let p = self.pairs[j];
            let mut k = j;
            while k > 0 && after(&self.pairs[k - 1], &p).is_gt() {
                if budget == 0 {
                    self.pairs[k] = p;
                    sorted = false;
                    break 'insert;
                }
                budget -= 1;
                self.pairs[k] = self.pairs[k - 1];
                k -= 1;
            }
            self.pairs[k] = p;
        }
        if !sorted {
            self.pairs.sort_unstable_by(after);
        }
        let at = |q: f64| self.pairs[rank(q, n)].0;
        Stat {
            mean: day.iter().sum::<f64>() / n as f64,
            p10: at(0.1),
            p50: at(0.5),
            p90: at(0.9),
        }
    }
}

/// 0-based nearest rank of quantile `q` among `n` > 0 values.
fn rank(q: f64, n: usize) -> usize {
    ((q * (n - 1) as f64).round() as usize).min(n - 1)
}

/// The MCID (or MDC) of the scenario's patient: of their condition's group and, after a stroke, its phase
/// ([`crate::instruments::Population`], the rule every screen uses).
fn mcid_for(prep: &Prepared, slot: &Slot) -> f64 {
    let patient = &prep.scenario.patient;
    let population =
        crate::instruments::Population::of(&patient.condition, Some(patient.onset_days()));
    slot.inst.mcid_in(population)
}

/// The instrument a protocol's headline uses: the scenario's chosen one (`Scenario::primary`, `compare
/// --instrument`) when it has a baseline, else the first of the protocol's measures in the baseline, else the first
/// baseline instrument (ids normalised through the instrument table).
pub(super) fn primary_of(scenario: &Scenario, protocol: Option<&Protocol>) -> String {
    let known: Vec<&str> = scenario
        .baseline
        .keys()
        .filter_map(|id| crate::instruments::get(id).ok().map(|i| i.id))
        .collect();
    let chosen = scenario
        .primary
        .as_deref()
        .and_then(|m| crate::instruments::get(m).ok().map(|i| i.id))
        .filter(|id| known.contains(id));
    chosen
        .into_iter()
        .chain(
            protocol
                .into_iter()
                .flat_map(|p| p.measures.iter())
                .filter_map(|m| crate::instruments::get(m).ok().map(|i| i.id)),
        )
        .find(|id| known.contains(id))
        .or_else(|| known.first().copied())
        .unwrap_or_default()
        .to_string()
}

/// Sessions to the MCID of one draw: the sessions done before the first morning (day 1 to the end of treatment)
/// its improvement `imp(day)` from its own day-0 score reaches `mcid`; `u32::MAX` when it never does.
fn to_mcid(prep: &Prepared, mcid: f64, imp: impl Fn(usize) -> f64) -> u32 {
    let last = (prep.end_day as usize).min(prep.horizon as usize);
    (1..=last)
        .find(|&d| imp(d) >= mcid)
        .map_or(u32::MAX, |d| prep.sessions_before[d])
}

/// The scenario's goal on `slot`, if it has one: its day (the end of treatment unless it says, inside the horizon)
/// and the improvement it asks for (less a rounding margin).
fn goal_of(prep: &Prepared, slot: &Slot) -> Option<(usize, f64)> {
    prep.scenario
        .goal
        .as_ref()
        .filter(|g| crate::instruments::get(&g.instrument).is_ok_and(|i| i.id == slot.id))
        .map(|g| {
            let by = g.by_day.unwrap_or(prep.end_day).min(prep.horizon) as usize;
            (by, slot.improvement(g.target) - 1e-9)
        })
}

/// Band and summary of every instrument forecast. `latent[(s * n_days + d) * draws + i]` is draw i's true score of
/// slot s on day d and `noise[s * draws + i]` its measurement noise (bands are of observed scores; the summary's
/// changes and probabilities of true ones).
pub(super) fn measures(
    prep: &Prepared,
    draws: usize,
    latent: &[f64],
    noise: &[f64],
) -> (BTreeMap<String, Band>, BTreeMap<String, MeasureSummary>) {
    let n_days = prep.horizon as usize + 1;
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
        let mut sorted = SortedDays::new(draws);
        for d in 0..n_days {
            let lat = &latent[(s * n_days + d) * draws..(s * n_days + d + 1) * draws];
            for (i, v) in col.iter_mut().enumerate() {
                *v = slot.observe(lat[i], noise[s * draws + i]);
            }
            let st = sorted.stats(&col);
            band.mean.push(st.mean);
            band.p10.push(st.p10);
            band.p50.push(st.p50);
            band.p90.push(st.p90);
        }
        let at = |d: usize| &latent[(s * n_days + d) * draws..(s * n_days + d + 1) * draws];
        // Changes are of the true score from each draw's true day-0 score (the baseline is a measurement too:
        // `Prepared::day0_slots`).
        let day0 = at(0);
        let imp = |i: usize, v: f64| slot.inst.improvement(day0[i], v);
        let mcid = mcid_for(prep, slot);
        col.copy_from_slice(at(end));
        col.iter_mut().zip(day0).for_each(|(v, b)| *v -= b);
        let change_end = stats(&mut col);
        col.copy_from_slice(at(fu));
        col.iter_mut().zip(day0).for_each(|(v, b)| *v -= b);
        let change_follow_up = stats(&mut col);
        let mean_imp = |d: usize| {
            at(d)
                .iter()
                .enumerate()
                .map(|(i, &v)| imp(i, v))
                .sum::<f64>()
                / draws as f64
        };
        let improvement_end = mean_imp(end);
        let improvement_follow_up = mean_imp(fu);
        let p_mcid_end = at(end)
            .iter()
            .enumerate()
            .filter(|&(i, &v)| imp(i, v) >= mcid)
            .count() as f64
            / draws as f64;
        // Sessions to MCID: per draw, sessions done before the first morning the improvement reaches the MCID.
        let sessions_to_mcid = if prep.sessions.is_empty() {
            None
        } else {
            let mut per_draw: Vec<u32> = (0..draws)
                .map(|i| to_mcid(prep, mcid, |d| imp(i, latent[(s * n_days + d) * draws + i])))
                .collect();
            per_draw.sort_unstable();
            let med = per_draw[draws / 2];
            (med != u32::MAX).then_some(med)
        };
        let p_goal = goal_of(prep, slot).map(|(by, target_imp)| {
            at(by)
                .iter()
                .filter(|&&v| slot.improvement(v) >= target_imp)
                .count() as f64
                / draws as f64
        });
        let goals = goal_chances(prep, slot, at);
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
                goals,
                band_end,
                med_state: med_state_of(prep, slot),
            },
        );
    }
    (measures, ms)
}

/// The medication state `slot`'s forecast predicts, for an instrument scored ON or OFF (both paths say it).
fn med_state_of(prep: &Prepared, slot: &Slot) -> Option<crate::domain::MedState> {
    super::medication::predicted(prep.scenario).filter(|_| slot.inst.has_med_state())
}

/// The scenario's plan goals on `slot`'s instrument, in their order: (day, target, target as an improvement).
fn plan_goals_of(prep: &Prepared, slot: &Slot) -> Vec<(u32, f64, f64)> {
    prep.scenario
        .plan_goals
        .iter()
        .filter(|g| crate::instruments::get(&g.instrument).is_ok_and(|i| i.id == slot.id))
        .map(|g| {
            (
                g.by_day.unwrap_or(prep.end_day),
                g.target,
                slot.improvement(g.target) - 1e-9,
            )
        })
        .collect()
}

/// The probability of each of the scenario's plan goals on `slot`'s instrument, in their order: the share of draws
/// at or beyond the target on the goal's day (`None` after the horizon). `at(d)` is the draws' true scores on day d.
fn goal_chances<'a>(
    prep: &Prepared,
    slot: &Slot,
    at: impl Fn(usize) -> &'a [f64],
) -> Vec<GoalChance> {
    plan_goals_of(prep, slot)
        .into_iter()
        .map(|(by_day, target, target_imp)| GoalChance {
            target,
            by_day,
            p: (by_day <= prep.horizon).then(|| {
                let scores = at(by_day as usize);
                scores
                    .iter()
                    .filter(|&&v| slot.improvement(v) >= target_imp)
                    .count() as f64
                    / scores.len().max(1) as f64
            }),
        })
        .collect()
}

/// Bytes of the histograms of one forecast (u32 counts), whatever the draws; the bins per row (slot and day, or
/// slot and change) are this divided by the rows, between `MIN_BINS` and `MAX_BINS`.
const HISTOGRAM_BYTES: usize = 64 << 20;
const MIN_BINS: usize = 128;
const MAX_BINS: usize = 2048;

/// Fixed-bin histograms, one per row, each over a known range of values: the weighted count per bin, the weighted
/// sum (for the mean) and the least and greatest value. A percentile is its nearest rank's bin, interpolated within
/// the bin and kept between the least and greatest value, so it is within one bin width (range / bins) of the exact
/// nearest-rank value. Counts are integers, so they do not depend on the order values arrive in.
///
/// Hand-written rather than from a crate: the bands need a linear scale over each instrument's bounded range with
/// exact integer (weighted) counts in a fixed memory; HDR-style histograms (`hdrhistogram`) have relative precision
/// on integer values and t-digest style sketches are approximate and order-dependent.
struct Histograms {
    bins: usize,
    /// Per row: lowest value, bin width.
    scale: Vec<(f64, f64)>,
    counts: Vec<u32>,
    sums: Vec<f64>,
    least: Vec<f64>,
    most: Vec<f64>,
}

impl Histograms {
    fn new(scale: Vec<(f64, f64)>, bins: usize) -> Histograms {
        let rows = scale.len();
        Histograms {
            bins,
            scale,
            counts: vec![0; rows * bins],
            sums: vec![0.0; rows],
            least: vec![f64::INFINITY; rows],
            most: vec![f64::NEG_INFINITY; rows],
        }
    }

    fn add(&mut self, row: usize, v: f64, weight: u32) {
        let (min, width) = self.scale[row];
        let b = (((v - min) / width).max(0.0) as usize).min(self.bins - 1);
        self.counts[row * self.bins + b] += weight;
        self.sums[row] += f64::from(weight) * v;
        self.least[row] = self.least[row].min(v);
        self.most[row] = self.most[row].max(v);
    }

    /// Mean and nearest-rank percentiles 10, 50, 90 of row `row`, of `n` > 0 values in all.
    fn stat(&self, row: usize, n: u64) -> Stat {
        let (min, width) = self.scale[row];
        let counts = &self.counts[row * self.bins..(row + 1) * self.bins];
        let quantile = |q: f64| {
            let r = rank(q, n as usize) as u64;
            let mut below = 0u64;
            for (b, &c) in counts.iter().enumerate() {
                let c = u64::from(c);
                if r < below + c {
                    let v = min + (b as f64 + ((r - below) as f64 + 0.5) / c as f64) * width;
                    return v.clamp(self.least[row], self.most[row]);
                }
                below += c;
            }
            self.most[row]
        };
        Stat {
            mean: self.sums[row] / n as f64,
            p10: quantile(0.1),
            p50: quantile(0.5),
            p90: quantile(0.9),
        }
    }
}

/// Everything a forecast reports, gathered one draw at a time in a fixed amount of memory whatever the number of
/// draws (the histogram path of `simulate::forecast_threads`): per slot the band's histograms per day and those of
/// the changes at the end of treatment and at follow-up, sums for the mean improvements and the end-of-session
/// means, counts for the probabilities and for the sessions to the MCID.
pub(super) struct Tally {
    n_days: usize,
    hist: Histograms,
    /// Per slot: summed improvement at the end of treatment and at follow-up, draws past the MCID at the end, draws
    /// reaching the goal.
    imp_end: Vec<f64>,
    imp_follow_up: Vec<f64>,
    mcid_end: Vec<u64>,
    goal: Vec<u64>,
    /// Per slot, draws by sessions to the MCID (0 to the number of sessions, then never).
    to_mcid: Vec<Vec<u64>>,
    /// Summed observed score at the end of each reported session (k * slots + s).
    ends: Vec<f64>,
    total: u64,
    /// Per slot: its MCID and goal ([`goal_of`]).
    mcid: Vec<f64>,
    goals: Vec<Option<(usize, f64)>>,
    /// Per slot: its plan goals ([`plan_goals_of`]) and the draws reaching each.
    plan_goals: Vec<Vec<(u32, f64, f64)>>,
    plan_hits: Vec<Vec<u64>>,
}

impl Tally {
    pub(super) fn new(prep: &Prepared) -> Tally {
        let n_days = prep.horizon as usize + 1;
        let n_slots = prep.slots.len();
        // Rows: slot s day d at s * n_days + d, then the slots' changes at the end and at follow-up.
        let rows = n_slots * (n_days + 2);
        let bins = (HISTOGRAM_BYTES / 4 / rows.max(1)).clamp(MIN_BINS, MAX_BINS);
        let range = |s: &Slot| (s.inst.max - s.inst.min).max(1e-9);
        let days = prep
            .slots
            .iter()
            .flat_map(|s| std::iter::repeat_n((s.inst.min, range(s) / bins as f64), n_days));
        let changes = prep
            .slots
            .iter()
            .flat_map(|s| std::iter::repeat_n((-range(s), 2.0 * range(s) / bins as f64), 2));
        let sessions = prep.sessions_before.iter().copied().max().unwrap_or(0) as usize;
        Tally {
            n_days,
            hist: Histograms::new(days.chain(changes).collect(), bins),
            imp_end: vec![0.0; n_slots],
            imp_follow_up: vec![0.0; n_slots],
            mcid_end: vec![0; n_slots],
            goal: vec![0; n_slots],
            to_mcid: vec![vec![0; sessions + 2]; n_slots],
            ends: vec![0.0; prep.shown * n_slots],
            total: 0,
            mcid: prep.slots.iter().map(|s| mcid_for(prep, s)).collect(),
            goals: prep.slots.iter().map(|s| goal_of(prep, s)).collect(),
            plan_goals: prep.slots.iter().map(|s| plan_goals_of(prep, s)).collect(),
            plan_hits: prep
                .slots
                .iter()
                .map(|s| vec![0; plan_goals_of(prep, s).len()])
                .collect(),
        }
    }

    /// Add one draw `weight` times (its multiplicity after calibration; 0 leaves it out): `latent[row * stride]`
    /// is its true score of row `slot * days + day`, then of the end of each reported session (`k * slots + slot`
    /// after the days), and `noise[s * stride]` its measurement noise of slot s.
    pub(super) fn add(
        &mut self,
        prep: &Prepared,
        latent: &[f64],
        stride: usize,
        noise: &[f64],
        weight: u32,
    ) {
        if weight == 0 {
            return;
        }
        self.total += u64::from(weight);
        let w = f64::from(weight);
        let n_days = self.n_days;
        let n_slots = prep.slots.len();
        let (end, fu) = (prep.end_day as usize, prep.follow_up as usize);
        for (s, slot) in prep.slots.iter().enumerate() {
            let z = noise[s * stride];
            let at = |d: usize| latent[(s * n_days + d) * stride];
            for d in 0..n_days {
                self.hist
                    .add(s * n_days + d, slot.observe(at(d), z), weight);
            }
            let day0 = at(0);
            let changes = n_slots * n_days + 2 * s;
            self.hist.add(changes, at(end) - day0, weight);
            self.hist.add(changes + 1, at(fu) - day0, weight);
            let imp = |v: f64| slot.inst.improvement(day0, v);
            let mcid = self.mcid[s];
            self.imp_end[s] += w * imp(at(end));
            self.imp_follow_up[s] += w * imp(at(fu));
            if imp(at(end)) >= mcid {
                self.mcid_end[s] += u64::from(weight);
            }
            if let Some((by, target_imp)) = self.goals[s]
                && slot.improvement(at(by)) >= target_imp
            {
                self.goal[s] += u64::from(weight);
            }
            for (&(by, _, target_imp), hits) in
                self.plan_goals[s].iter().zip(&mut self.plan_hits[s])
            {
                if by <= prep.horizon && slot.improvement(at(by as usize)) >= target_imp {
                    *hits += u64::from(weight);
                }
            }
            let counts = &mut self.to_mcid[s];
            let k = (to_mcid(prep, mcid, |d| imp(at(d))) as usize).min(counts.len() - 1);
            counts[k] += u64::from(weight);
        }
        let day_rows = n_slots * n_days;
        for (r, sum) in self.ends.iter_mut().enumerate() {
            let s = r % n_slots;
            *sum += w * prep.slots[s].observe(latent[(day_rows + r) * stride], noise[s * stride]);
        }
    }

    /// Bands and summary of every instrument, and the mean observed score at the end of each reported session
    /// (`k * slots + s`).
    pub(super) fn finish(
        self,
        prep: &Prepared,
    ) -> (
        BTreeMap<String, Band>,
        BTreeMap<String, MeasureSummary>,
        Vec<f64>,
    ) {
        let n = self.total.max(1);
        let share = |c: u64| c as f64 / n as f64;
        let n_days = self.n_days;
        let n_slots = prep.slots.len();
        let end = prep.end_day as usize;
        let mut measures = BTreeMap::new();
        let mut ms = BTreeMap::new();
        for (s, slot) in prep.slots.iter().enumerate() {
            let mut band = Band::default();
            for d in 0..n_days {
                let st = self.hist.stat(s * n_days + d, n);
                band.mean.push(st.mean);
                band.p10.push(st.p10);
                band.p50.push(st.p50);
                band.p90.push(st.p90);
            }
            let changes = n_slots * n_days + 2 * s;
            // The median draw's sessions to the MCID (nearest rank n / 2, as the exact path's sorted draws).
            let sessions_to_mcid = if prep.sessions.is_empty() {
                None
            } else {
                let counts = &self.to_mcid[s];
                let mut below = 0;
                let k = counts
                    .iter()
                    .position(|&c| {
                        below += c;
                        below > n / 2
                    })
                    .unwrap_or(counts.len() - 1);
                (k + 1 < counts.len()).then_some(k as u32)
            };
            let band_end = [band.p10[end], band.p90[end]];
            measures.insert(slot.id.to_string(), band);
            ms.insert(
                slot.id.to_string(),
                MeasureSummary {
                    baseline: slot.baseline,
                    mcid: self.mcid[s],
                    change_end: self.hist.stat(changes, n),
                    change_follow_up: self.hist.stat(changes + 1, n),
                    improvement_end: self.imp_end[s] / n as f64,
                    improvement_follow_up: self.imp_follow_up[s] / n as f64,
                    sessions_to_mcid,
                    p_mcid_end: share(self.mcid_end[s]),
                    p_goal: self.goals[s].map(|_| share(self.goal[s])),
                    goals: self.plan_goals[s]
                        .iter()
                        .zip(&self.plan_hits[s])
                        .map(|(&(by_day, target, _), &hits)| GoalChance {
                            target,
                            by_day,
                            p: (by_day <= prep.horizon).then(|| share(hits)),
                        })
                        .collect(),
                    band_end,
                    med_state: med_state_of(prep, slot),
                },
            );
        }
        let ends = self.ends.iter().map(|v| v / n as f64).collect();
        (measures, ms, ends)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_days_give_the_nearest_rank_percentiles_of_each_day() {
        // Scores that drift a little each day (nearly the same order), then a day that reverses them (the full
        // sort), with ties from clamping.
        let draws = 301;
        let mut sorted = SortedDays::new(draws);
        let mut x: u64 = 7;
        let mut base: Vec<f64> = (0..draws)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 11) as f64 / (1u64 << 53) as f64 * 60.0
            })
            .collect();
        for day in 0..40 {
            for (i, v) in base.iter_mut().enumerate() {
                *v = if day == 30 {
                    60.0 - *v
                } else {
                    (*v + ((i * 7 + day) % 13) as f64 * 0.05).min(66.0)
                };
            }
            let got = sorted.stats(&base);
            let want = stats(&mut base.clone());
            assert_eq!(got, want, "day {day}");
        }
    }
}
