//! Where a protocol is used outside the evidence it cites, said as a warning with the forecast (`compare`, the
//! TUI's comparison, and the plan made from it): the engine extrapolates there, and the trials say why that is
//! risky.
//!
//! Constraint-induced movement therapy (any protocol that constrains the less-affected arm):
//! - EXCITE (Wolf 2006 JAMA 296:2095) enrolled only patients with at least 20 degrees of active wrist extension and
//!   10 degrees of finger extension, 3-9 months after stroke; a patient recorded without them is outside it.
//! - VECTORS (Dromerick 2009 Neurology 73:195): in the first weeks after stroke, high-intensity CIMT (3 hours of
//!   shaping a day, mitt 90% of waking hours) gave less ARAT improvement at day 90 than usual care.
//!
//! The ranking note (`notes::ranking_note`) says more generally that early extra therapy adds little.

use super::constants as k;
use super::protocol::Protocol;
use super::scenario::Scenario;
use crate::domain::{ActiveExtension, Condition};

/// The warnings for forecasting `protocol` for the scenario's patient; empty when it is within its evidence (or
/// the facts that would say otherwise are not recorded).
pub fn warnings(scenario: &Scenario, protocol: Option<&Protocol>) -> Vec<String> {
    let mut out = Vec::new();
    let (Some(p), Condition::Stroke(f)) = (protocol, &scenario.patient.condition) else {
        return out;
    };
    if p.constraint.is_none() {
        return out;
    }
    if f.active_extension == Some(ActiveExtension::Absent) {
        out.push(format!(
            "{} is outside its evidence for this patient: no active wrist and finger extension, and EXCITE enrolled only patients with at least 20 degrees at the wrist and 10 at the fingers (Wolf 2006 JAMA 296:2095); the forecast extrapolates",
            p.id
        ));
    }
    let minutes_a_day = p.schedule.minutes_per_session * f64::from(p.schedule.sessions_per_day);
    if let Some(onset) = scenario.patient.days_since_onset
        && onset.saturating_add(scenario.start_day) < k::VECTORS_EARLY_DAYS
        && minutes_a_day >= k::CIMT_HIGH_INTENSITY_MINUTES_PER_DAY
    {
        out.push(format!(
            "{} is outside its evidence for this patient: {} hours a day of constraint-induced therapy starting {} days after stroke; in the first weeks, high-intensity CIMT did worse than usual care at 90 days (VECTORS, Dromerick 2009 Neurology 73:195); EXCITE's benefit was shown 3-9 months after stroke",
            p.id,
            crate::instruments::Shown::Brief.of(minutes_a_day / 60.0),
            onset.saturating_add(scenario.start_day)
        ));
    }
    out
}
