//! From draws to what a forecast reports: per instrument and day the mean and the 10th, 50th and 90th percentiles
//! (nearest rank) of the observed score; change and improvement at the end of treatment and at follow-up; the
//! probability of passing the MCID (the subacute MCID in the first months after stroke, when the instrument has
//! one) and of reaching the scenario's goal; the median number of sessions to the MCID.

use std::collections::BTreeMap;

use super::constants as k;
use super::forecast::{Band, GoalChance, MeasureSummary, Stat};
use super::outcome::Slot;
use super::prepare::Prepared;
use super::protocol::Protocol;
use super::scenario::Scenario;
use crate::domain::Condition;

/// Nearest-rank percentiles 10, 50, 90 and the mean of `v` (reordered in place).
pub(super) fn stats(v: &mut [f64]) -> Stat {
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

fn mcid_for(prep: &Prepared, slot: &Slot) -> f64 {
    let subacute = matches!(prep.scenario.patient.condition, Condition::Stroke(_))
        && prep.scenario.patient.onset_days() < k::SUBACUTE_DAYS;
    if subacute {
        slot.inst.mcid_subacute.unwrap_or(slot.inst.mcid)
    } else {
        slot.inst.mcid
    }
}

/// The instrument a protocol's headline uses: the first of its measures in the baseline, else the first baseline
/// instrument (ids normalised through the instrument table).
pub(super) fn primary_of(scenario: &Scenario, protocol: Option<&Protocol>) -> String {
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
                .map(|i| {
                    (1..=end.min(n_days - 1))
                        .find(|&d| imp(i, latent[(s * n_days + d) * draws + i]) >= mcid)
                        .map_or(u32::MAX, |d| prep.sessions_before[d])
                })
                .collect();
            per_draw.sort_unstable();
            let med = per_draw[draws / 2];
            (med != u32::MAX).then_some(med)
        };
        let p_goal = prep
            .scenario
            .goal
            .as_ref()
            .filter(|g| crate::instruments::get(&g.instrument).is_ok_and(|i| i.id == slot.id))
            .map(|g| {
                let by = g.by_day.unwrap_or(prep.end_day).min(prep.horizon) as usize;
                p_reach(slot, at(by), g.target)
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
                med_state: super::medication::predicted(prep.scenario)
                    .filter(|_| slot.inst.has_med_state()),
            },
        );
    }
    (measures, ms)
}

/// Share of `scores` (one true score per draw) at or beyond `target` in the instrument's better direction.
fn p_reach(slot: &Slot, scores: &[f64], target: f64) -> f64 {
    let target_imp = slot.improvement(target);
    scores
        .iter()
        .filter(|&&v| slot.improvement(v) >= target_imp - 1e-9)
        .count() as f64
        / scores.len().max(1) as f64
}

/// The probability of each of the scenario's plan goals on `slot`'s instrument, in their order: the share of draws
/// at or beyond the target on the goal's day (`None` after the horizon). `at(d)` is the draws' true scores on day d.
fn goal_chances<'a>(
    prep: &Prepared,
    slot: &Slot,
    at: impl Fn(usize) -> &'a [f64],
) -> Vec<GoalChance> {
    prep.scenario
        .plan_goals
        .iter()
        .filter(|g| crate::instruments::get(&g.instrument).is_ok_and(|i| i.id == slot.id))
        .map(|g| {
            let by_day = g.by_day.unwrap_or(prep.end_day);
            GoalChance {
                target: g.target,
                by_day,
                p: (by_day <= prep.horizon).then(|| p_reach(slot, at(by_day as usize), g.target)),
            }
        })
        .collect()
}
