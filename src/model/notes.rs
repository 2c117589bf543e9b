//! The forecast's notes: plain-language reasons behind it, each with its source, for the therapist who reads the
//! summary. What the condition preset says about the patient comes from [`super::impairment`]; what the protocol's
//! settings imply, what calibration did and why a ranking is close are written here.

use super::constants as k;
use super::fit::Calibration;
use super::forecast::{ProtocolForecast, mcid_text};
use super::prepare::Prepared;
use super::protocol::{FeedbackKind, Order, ProgressionRule, Structure, Timing};
use super::scenario::Scenario;
use crate::domain::Condition;

/// What the forecast did with earlier practice (`[[history]]` blocks or logged sessions).
pub(super) fn history_notes(prep: &Prepared) -> Vec<String> {
    let mut notes = Vec::new();
    let run = prep.timeline.iter().filter(|s| s.dose.is_some()).count();
    if run > 0 {
        let before = prep
            .timeline
            .iter()
            .filter(|s| s.dose.is_some() && s.day < 0)
            .count();
        notes.push(format!(
            "{run} earlier session(s) run ({before} before day 0): skill practised before is kept in part, and what was forgotten is relearned faster (savings; Smith 2006)"
        ));
    }
    if prep.history_dropped > 0 {
        notes.push(format!(
            "{} earlier session(s) left out: on or after day 0 for a [[history]] block, or beyond the horizon",
            prep.history_dropped
        ));
    }
    notes
}

/// The preset's notes, then those about the baseline and the protocol's settings.
pub(super) fn protocol_notes(prep: &Prepared) -> Vec<String> {
    let mut notes = prep.preset.notes.clone();
    notes.extend(super::medication::note(prep.scenario));
    notes.extend(
        prep.unknown_instruments
            .iter()
            .map(|id| format!("unknown instrument {id:?} in the baseline: not forecast")),
    );
    let mal_given = prep
        .slots
        .iter()
        .any(|s| s.domain == super::outcome::Domain::Use);
    if mal_given && prep.use_slot.is_none() {
        notes.push("Motor Activity Log given without a score of arm function after stroke (FMA-UE, ARAT, BBT, 9HPT): use cannot be compared with what the arm can do, so it is not forecast to change".into());
    }
    let Some(p) = prep.protocol else {
        notes.push("no treatment: only spontaneous change and progression".into());
        return notes;
    };
    if prep.sessions_done > 0 {
        let rest = prep.sessions.len();
        notes.push(format!(
            "plan under way: {} session(s) of {} logged since the plan started; the forecast runs the {rest} left of its schedule",
            prep.sessions_done, p.id
        ));
    }
    if prep.reps > 2.0 * prep.fatigue_capacity {
        notes.push(format!(
            "{} repetitions per session: fatigue limits useful repetitions, so more adds little (Lang 2016: 9,600 no better than 3,200)",
            p.schedule.repetitions_per_session
        ));
    }
    if p.practice.order == Order::Blocked && p.practice.tasks.len() > 1 {
        notes.push("tasks practised in blocks: the session looks better than what is kept, part of the lead fades by the next session; random order is retained better, more so in older adults (Shea & Morgan 1979; Czyz 2024)".into());
    }
    let concurrent_part = p
        .practice
        .tasks
        .iter()
        .any(|t| t.timing == Timing::Concurrent && t.components.len() > 1)
        && matches!(
            p.practice.structure,
            Structure::Part | Structure::ProgressivePart
        );
    if concurrent_part {
        notes.push("parts that run at the same time are practised apart: poor transfer to the whole task (Wickens 2013)".into());
    }
    match p.progression.rule {
        ProgressionRule::Adaptive => notes.push(
            "difficulty adapts to the success rate, keeping practice near the challenge point (Guadagnoli & Lee 2004)".into(),
        ),
        ProgressionRule::Fixed => notes.push(
            "difficulty rises in fixed steps, not with the patient's success: less effective than adaptive progression (Wickens 2013)".into(),
        ),
        ProgressionRule::None => {}
    }
    if p.schedule.sessions_per_day > 1 && p.schedule.rest_hours_between_sessions < 1.0 {
        notes.push(
            "sessions back to back: massed practice, fatigue carries over (Lee & Genovese 1988)"
                .into(),
        );
    }
    if p.constraint.is_some() && prep.arm_slot.is_some() {
        notes.push("constraint of the less-affected arm raises use of the affected arm; above the use threshold the gain continues after therapy (Han 2008)".into());
        if prep.use_slot.is_some() {
            notes.push("the Motor Activity Log shows the arm used less than its function allows (learned non-use): forced use unlearns it, so use stays higher after therapy (EXCITE, Wolf 2006: +0.43 MAL over usual care at 12 months, kept at 24 months)".into());
        }
    }
    if let Condition::CerebellarAtaxia(_) = prep.scenario.patient.condition
        && p.feedback.kind == FeedbackKind::ErrorBased
    {
        notes.push("error-based feedback relies on the damaged cerebellum: expect weak retention; reinforcement feedback is preserved (Therrien 2016)".into());
    }
    notes
}

/// A caution when calibration kept too few draws (`constants::CALIBRATION_MIN_EFFECTIVE_DRAWS`): the band is then
/// narrower than the evidence allows. Shown before the other notes.
pub(super) fn calibration_caution(c: &Calibration, draws: usize) -> Option<String> {
    let (used, ess) = c.used?;
    if let Some((chi2, scale)) = c.misfit {
        let few = if ess < k::CALIBRATION_MIN_EFFECTIVE_DRAWS {
            format!(
                "; even so only {ess:.0} of {draws} draws fit closely, and more draws (--draws) steady the band"
            )
        } else {
            String::new()
        };
        return Some(format!(
            "caution: the logged assessments scatter more than measurement error and the model explain (best fit: chi-square {chi2:.0} on {used} assessments), so each was weighed as if its error were {scale:.1} times the instrument's SEM (Birge ratio) and the band is wider; check for a mistyped score or scores in different medication states{few}"
        ));
    }
    (ess < k::CALIBRATION_MIN_EFFECTIVE_DRAWS).then(|| {
        format!(
            "caution: the band rests on few draws ({ess:.0} of {draws} fit the logged assessments closely) and may be too narrow; assessments that disagree with each other (a mistyped score, scores in different medication states) cause this, and more draws (--draws) steady it"
        )
    })
}

/// Where a calibrated forecast starts more than one SEM away from the latest score: the draws that fit the earlier
/// assessments start there, and a therapist comparing the chart with the last score is told why. `measures` are the
/// forecast's bands (observed scores; day 0 first).
pub(super) fn start_notes(
    prep: &Prepared,
    c: &Calibration,
    measures: &std::collections::BTreeMap<String, super::forecast::Band>,
) -> Vec<String> {
    if c.used.is_none() {
        return Vec::new();
    }
    prep.slots
        .iter()
        .filter_map(|slot| {
            let start = *measures.get(slot.id)?.mean.first()?;
            let inst = slot.inst;
            ((start - slot.baseline).abs() > inst.sem).then(|| {
                let way = if inst.improvement(slot.baseline, start) > 0.0 {
                    "better"
                } else {
                    "worse"
                };
                format!(
                    "{} starts at {}, not at the latest score {}: the draws that fit the earlier assessments put the true score {way} than that one measurement (SEM {}); when the chart and the latest score disagree, reassess",
                    inst.short,
                    crate::instruments::show(inst.id, start, crate::instruments::Shown::Estimate),
                    crate::instruments::show(inst.id, slot.baseline, crate::instruments::Shown::Estimate),
                    crate::instruments::show(inst.id, inst.sem, crate::instruments::Shown::Estimate),
                )
            })
        })
        .collect()
}

/// What calibration on the patient's logged assessments did (see [`super::fit`]).
pub(super) fn calibration_notes(c: &Calibration, draws: usize) -> Vec<String> {
    let mut notes = Vec::new();
    if c.skipped > 0 {
        notes.push(format!(
            "{} assessment(s) before day 0 not used: before the onset, or of an instrument not in the baseline",
            c.skipped
        ));
    }
    if let Some((used, ess)) = c.used {
        notes.push(format!(
            "calibrated on {used} logged assessment(s): the forecast follows the draws that fit them (effective sample {ess:.0} of {draws})"
        ));
    }
    notes
}

/// Why the ranking is close, when the first two protocols differ at follow-up by less than the primary instrument's
/// MCID: the ranking is then no clinically meaningful difference. In the first weeks after stroke spontaneous
/// recovery carries most of the change and protocols of similar therapy time do about as well (ICARE, Winstein
/// 2016 JAMA 315:571); more therapy time helps only modestly (Lohse 2014 Stroke 45:2053, g = 0.35; Schneider 2016
/// J Physiother 62:182: ~240% more needed for a clear benefit), repetitions beyond a few thousand add little (Lang
/// 2016 Ann Neurol 80:342), and very intensive CIMT in the first weeks was no better than usual care (VECTORS,
/// Dromerick 2009 Neurology 73:195); EXCITE's CIMT benefit was shown 3-9 months after stroke (Wolf 2006 JAMA
/// 296:2095).
pub fn ranking_note(
    scenario: &Scenario,
    out: &[ProtocolForecast],
    order: &[usize],
    primary: &str,
) -> Option<String> {
    let (&a, &b) = (order.first()?, order.get(1)?);
    let (ma, mb) = (
        out[a].summary.measures.get(primary)?,
        out[b].summary.measures.get(primary)?,
    );
    let diff = ma.improvement_follow_up - mb.improvement_follow_up;
    if !(diff.is_finite() && diff < ma.mcid) {
        return None;
    }
    // In the instrument's own words and unit: "0.2 points on SARA", "0.3 s on TUG", "0.05 m/s on 10-m walk".
    let (unit, name, word) = crate::instruments::get(primary)
        .map_or(("points", primary, "MCID"), |i| {
            (i.unit, i.short, i.mcid_word_for(ma.mcid))
        });
    let mut note = format!(
        "{} and {} differ by {} {unit} on {name} at follow-up, less than the {word} ({}): no clinically meaningful difference",
        out[a].id,
        out[b].id,
        mcid_text(diff),
        mcid_text(ma.mcid)
    );
    if let Condition::Stroke(_) = scenario.patient.condition
        && scenario.patient.onset_days() < k::SUBACUTE_DAYS
    {
        note.push_str(
            "; in the first months after stroke spontaneous recovery dominates and more therapy time adds little (Lohse 2014; ICARE, Winstein 2016",
        );
        note.push_str(
            if scenario.patient.onset_days() <= k::VECTORS_ENROLMENT_DAYS {
                "; VECTORS, Dromerick 2009: intensive CIMT this early no better than usual care)"
            } else {
                ")"
            },
        );
    }
    Some(note)
}
