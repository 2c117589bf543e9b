//! Protocols compared at the same moments (issue 14.1): every protocol, and no treatment as the reference, is read
//! on the same days — the end of the longest protocol and a follow-up the therapist picks — so a 10-session
//! protocol is never ranked against a 30-session one at different days.
//!
//! The figures come from the forecast's daily bands: the improvement of the mean forecast score from day 0 (the
//! same day 0 for every protocol, and the same virtual patients: common random numbers), and the 80% band of the
//! score. Reading them off the bands lets a screen move the follow-up without running the forecast again.

use serde::{Deserialize, Serialize};

use super::forecast::{Comparison, ProtocolForecast};

/// The follow-ups a therapist picks from: 6 weeks, 3 months, 6 months (days).
pub const FOLLOW_UPS: [u32; 3] = [42, 90, 180];

/// The follow-up when nobody picked one: 3 months, the usual planning horizon (workflow 1's "3-month gain").
pub const DEFAULT_FOLLOW_UP: u32 = 90;

/// "6 weeks", "3 months", "6 months", else "day 120".
pub fn follow_up_name(day: u32) -> String {
    match day {
        42 => "6 weeks".into(),
        90 => "3 months".into(),
        180 => "6 months".into(),
        d => format!("day {d}"),
    }
}

/// "3 months (day 90)", or "day 58" for a day without a name of its own (the date of a goal).
pub fn follow_up_when(day: u32) -> String {
    match follow_up_name(day) {
        n if n.starts_with("day ") => n,
        n => format!("{n} (day {day})"),
    }
}

/// One protocol (or no treatment) at the comparison's common moments, on one instrument.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairRow {
    /// Protocol id, "none" for no treatment.
    pub protocol: String,
    pub sessions: u32,
    /// Day of this protocol's last session (0 for no treatment).
    pub end_of_treatment_day: u32,
    /// Improvement (positive = better, whatever the instrument's direction) of the mean forecast score from day 0,
    /// at the end of the longest protocol compared.
    pub at_end_of_longest: f64,
    /// The same at the follow-up.
    pub at_follow_up: f64,
    /// 80% band (p10, p90) of the score at the follow-up.
    pub band_follow_up: [f64; 2],
    /// Improvement at the follow-up beyond no treatment's (None for the no-treatment row itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub over_no_treatment: Option<f64>,
}

/// A comparison read at common moments: `compare --json` prints it as `"fair"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fair {
    pub instrument: String,
    /// The day the longest protocol ends: the first common moment.
    pub end_of_longest_day: u32,
    /// The follow-up day: the second common moment, the one the ranking uses.
    pub follow_up_day: u32,
    /// The MCID (or MDC) used, improvement in the instrument's units.
    pub mcid: f64,
    /// Protocol ids, best first by improvement at the follow-up.
    pub ranking: Vec<String>,
    /// One row per protocol, in ranking order.
    pub rows: Vec<FairRow>,
    /// The reference: the same patient without treatment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_treatment: Option<FairRow>,
}

impl Fair {
    pub fn row(&self, id: &str) -> Option<&FairRow> {
        self.rows.iter().find(|r| r.protocol == id)
    }
}

/// Improvement of `band`'s mean from day 0 to `day` (clamped to the forecast), oriented by the instrument.
fn improvement_at(instrument: &str, mean: &[f64], day: usize) -> Option<f64> {
    let first = *mean.first()?;
    let at = *mean.get(day.min(mean.len().saturating_sub(1)))?;
    let inst = crate::instruments::get(instrument).ok()?;
    Some(inst.improvement(first, at))
}

fn row(pf: &ProtocolForecast, instrument: &str, end: usize, fu: usize) -> Option<FairRow> {
    let band = pf.measures.get(instrument)?;
    let last = band.p10.len().min(band.p90.len()).checked_sub(1)?;
    Some(FairRow {
        protocol: pf.id.clone(),
        sessions: pf.summary.sessions,
        end_of_treatment_day: pf.summary.end_of_treatment_day,
        at_end_of_longest: improvement_at(instrument, &band.mean, end)?,
        at_follow_up: improvement_at(instrument, &band.mean, fu)?,
        band_follow_up: [band.p10[fu.min(last)], band.p90[fu.min(last)]],
        over_no_treatment: None,
    })
}

/// The first day the median forecast without treatment improves on instrument `id` by `mcid` or more: sessions
/// counted to that MCID under a protocol are then not all the treatment's doing (spontaneous recovery after stroke).
pub fn no_treatment_passes(cmp: &Comparison, id: &str, mcid: f64) -> Option<u32> {
    let none = cmp.no_treatment.as_ref()?;
    let inst = crate::instruments::get(id).ok()?;
    let baseline = none.summary.measures.get(id)?.baseline;
    let band = none.measures.get(id)?;
    cmp.days
        .iter()
        .zip(&band.p50)
        .find(|&(&d, &v)| d > 0 && inst.improvement(baseline, v) >= mcid)
        .map(|(&d, _)| d)
}

/// `cmp` read on `instrument` at the end of its longest protocol and at `follow_up` (days, clamped to the
/// forecast's horizon), with its no-treatment forecast as reference. None when no protocol forecasts the
/// instrument.
pub fn fair(cmp: &Comparison, instrument: &str, follow_up: u32) -> Option<Fair> {
    let horizon = cmp.days.last().copied().unwrap_or(0);
    let follow_up = follow_up.min(horizon);
    let end = cmp
        .protocols
        .iter()
        .map(|p| p.summary.end_of_treatment_day)
        .max()
        .unwrap_or(0)
        .min(horizon);
    let (e, f) = (end as usize, follow_up as usize);
    let none = cmp
        .no_treatment
        .as_deref()
        .and_then(|p| row(p, instrument, e, f));
    let mut rows: Vec<FairRow> = cmp
        .protocols
        .iter()
        .filter_map(|p| row(p, instrument, e, f))
        .collect();
    if rows.is_empty() {
        return None;
    }
    for r in &mut rows {
        r.over_no_treatment = none.as_ref().map(|n| r.at_follow_up - n.at_follow_up);
    }
    // Stable: a tie keeps the order the protocols were named in.
    rows.sort_by(|a, b| b.at_follow_up.total_cmp(&a.at_follow_up));
    let mcid = cmp
        .protocols
        .iter()
        .find_map(|p| p.summary.measures.get(instrument))
        .map_or(0.0, |m| m.mcid);
    Some(Fair {
        instrument: instrument.to_string(),
        end_of_longest_day: end,
        follow_up_day: follow_up,
        mcid,
        ranking: rows.iter().map(|r| r.protocol.clone()).collect(),
        rows,
        no_treatment: none,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::forecast::{Band, Summary};
    use std::collections::BTreeMap;

    fn pf(id: &str, end: u32, mean: Vec<f64>) -> ProtocolForecast {
        let mut measures = BTreeMap::new();
        measures.insert(
            "fma_ue".to_string(),
            Band {
                p10: mean.iter().map(|m| m - 2.0).collect(),
                p50: mean.clone(),
                p90: mean.iter().map(|m| m + 2.0).collect(),
                mean,
            },
        );
        ProtocolForecast {
            id: id.into(),
            measures,
            summary: Summary {
                protocol: id.into(),
                protocol_name: id.into(),
                draws: 1,
                seed: 1,
                primary: "fma_ue".into(),
                sessions: end,
                total_repetitions: 0,
                end_of_treatment_day: end,
                follow_up_day: 4,
                measures: BTreeMap::new(),
                notes: vec![],
                warnings: vec![],
            },
        }
    }

    /// A short protocol that is ahead at its own end but behind at the common moments is ranked on the common ones.
    #[test]
    fn every_protocol_is_read_on_the_same_days() {
        let short = pf("short", 1, vec![20.0, 30.0, 30.0, 30.0, 30.0]);
        let long = pf("long", 3, vec![20.0, 22.0, 28.0, 34.0, 35.0]);
        let none = pf("none", 0, vec![20.0, 21.0, 22.0, 23.0, 24.0]);
        let cmp = Comparison {
            days: (0..=4).collect(),
            primary: "fma_ue".into(),
            protocols: vec![short, long],
            ranking: vec!["short".into(), "long".into()],
            no_treatment: Some(Box::new(none)),
            warnings: vec![],
            fair: None,
        };
        let f = fair(&cmp, "fma_ue", 4).expect("fma_ue forecast");
        assert_eq!((f.end_of_longest_day, f.follow_up_day), (3, 4));
        assert_eq!(f.ranking, ["long", "short"]);
        assert_eq!(f.row("short").map(|r| r.at_end_of_longest), Some(10.0));
        assert_eq!(f.row("long").map(|r| r.at_end_of_longest), Some(14.0));
        assert_eq!(f.row("long").and_then(|r| r.over_no_treatment), Some(11.0));
        assert_eq!(f.no_treatment.as_ref().map(|r| r.at_follow_up), Some(4.0));
        // An earlier follow-up reorders: at day 1 the short protocol is ahead.
        let early = fair(&cmp, "fma_ue", 1).expect("fma_ue forecast");
        assert_eq!(early.ranking, ["short", "long"]);
        // A follow-up past the horizon is read at the horizon.
        assert_eq!(fair(&cmp, "fma_ue", 400).map(|f| f.follow_up_day), Some(4));
        assert!(fair(&cmp, "arat", 4).is_none());
    }

    /// On a lower-is-better scale a falling score is an improvement, positive like any other.
    #[test]
    fn a_falling_updrs_is_a_positive_improvement() {
        let mut p = pf("lsvt-big", 2, vec![31.0, 29.0, 27.0]);
        let band = p.measures.remove("fma_ue").expect("band");
        p.measures.insert("mds_updrs_iii".into(), band);
        let cmp = Comparison {
            days: (0..=2).collect(),
            primary: "mds_updrs_iii".into(),
            protocols: vec![p],
            ranking: vec!["lsvt-big".into()],
            no_treatment: None,
            warnings: vec![],
            fair: None,
        };
        let f = fair(&cmp, "mds_updrs_iii", 2).expect("forecast");
        assert_eq!(f.rows[0].at_follow_up, 4.0);
        assert_eq!(f.rows[0].over_no_treatment, None);
    }
}
