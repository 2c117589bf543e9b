//! The forecasting engine. PLACEHOLDER: returns flat lines at baseline until the engine lands; the signatures are
//! the interface the app, CLI and TUI build on.

use std::collections::BTreeMap;

use super::forecast::*;
use super::protocol::Protocol;
use super::scenario::Scenario;

/// Forecast one protocol (or no treatment) for a scenario.
pub fn forecast(
    scenario: &Scenario,
    protocol: Option<&Protocol>,
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Forecast, Cancelled> {
    if ctl.is_cancelled() {
        return Err(Cancelled);
    }
    let days: Vec<u32> = (0..=scenario.horizon_days).collect();
    let mut measures = BTreeMap::new();
    let mut ms = BTreeMap::new();
    for (id, &b) in &scenario.baseline {
        let flat = vec![b; days.len()];
        measures.insert(
            id.clone(),
            Band {
                mean: flat.clone(),
                p10: flat.clone(),
                p50: flat.clone(),
                p90: flat,
            },
        );
        let zero = Stat::default();
        ms.insert(
            id.clone(),
            MeasureSummary {
                baseline: b,
                mcid: crate::instruments::get(id).map(|i| i.mcid).unwrap_or(0.0),
                change_end: zero,
                change_follow_up: zero,
                improvement_end: 0.0,
                improvement_follow_up: 0.0,
                sessions_to_mcid: None,
                p_mcid_end: 0.0,
                p_goal: None,
                band_end: [b, b],
            },
        );
    }
    let primary = scenario.baseline.keys().next().cloned().unwrap_or_default();
    Ok(Forecast {
        days,
        measures,
        summary: Summary {
            protocol: protocol.map_or("none".into(), |p| p.id.clone()),
            protocol_name: protocol.map_or("no treatment".into(), |p| p.name.clone()),
            draws: opts.draws,
            seed: opts.seed,
            primary,
            sessions: protocol.map_or(0, |p| p.schedule.total_sessions()),
            total_repetitions: protocol.map_or(0, |p| p.schedule.total_repetitions()),
            end_of_treatment_day: scenario.start_day,
            follow_up_day: scenario.follow_up_day.unwrap_or(scenario.horizon_days),
            measures: ms,
            notes: vec!["placeholder engine".into()],
        },
    })
}

/// Forecast several protocols on the same scenario (same seed per protocol: common random numbers) and rank them.
pub fn compare(
    scenario: &Scenario,
    protocols: &[Protocol],
    opts: ForecastOptions,
    ctl: &Control,
) -> Result<Comparison, Cancelled> {
    let mut out = Vec::new();
    for p in protocols {
        let f = forecast(scenario, Some(p), opts, ctl)?;
        out.push(ProtocolForecast {
            id: p.id.clone(),
            measures: f.measures,
            summary: f.summary,
        });
    }
    let primary = out
        .first()
        .map(|f| f.summary.primary.clone())
        .unwrap_or_default();
    Ok(Comparison {
        days: (0..=scenario.horizon_days).collect(),
        primary,
        ranking: out.iter().map(|f| f.id.clone()).collect(),
        protocols: out,
    })
}
