//! Goals on the screens: one line for the overview's plan box, and each goal's probability under each protocol for
//! the comparison (issue 14.4). Kept apart from the screens so they call one function each.

use super::data::PatientDetail;
use crate::app::goals::{GoalList, chance_lines, goal_title};
use crate::model::Comparison;

/// "GAS T 50.0 · Berg 45 +1 · TUG 12 -1 · Berg 50 ·" for the plan box; `None` without goals.
pub fn overview_line(g: &GoalList) -> Option<String> {
    if g.goals.is_empty() {
        return None;
    }
    let gas = g.gas.as_ref().map_or("GAS -".to_string(), |gas| {
        format!("GAS T {:.1}", gas.t_score)
    });
    let each: Vec<String> = g
        .goals
        .iter()
        .map(|s| {
            let title = goal_title(&s.goal);
            // "Berg 45 by 2027-02-01" -> "Berg 45" (the dates are in the goal list).
            let short = title.split(" by ").next().unwrap_or(&title).to_string();
            match s.level {
                Some(l) => format!("{short} {l:+}"),
                None => short,
            }
        })
        .collect();
    Some(format!("{gas} · {}", each.join(" · ")))
}

/// One line per goal of the patient: its probability under each protocol compared, e.g.
/// "Goal Berg 45 by 2027-02-01: usual-care 40%, lsvt-big 72%". Empty without goals or assessments.
pub fn chance_notes(d: &PatientDetail, c: &Comparison) -> Vec<String> {
    let Some(day0) = d.day0() else {
        return Vec::new();
    };
    let goals: Vec<crate::domain::Goal> = d.goals.goals.iter().map(|s| s.goal.clone()).collect();
    let forecasts: Vec<(&str, &crate::model::Summary)> = c
        .protocols
        .iter()
        .map(|p| (p.id.as_str(), &p.summary))
        .collect();
    chance_lines(&goals, day0, &forecasts)
        .into_iter()
        .map(|l| format!("Goal {l}"))
        .collect()
}
