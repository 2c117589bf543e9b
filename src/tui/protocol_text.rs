//! A protocol in plain words, as the forecast screen's protocol browser shows it: schedule, practice structure,
//! progression rule (with only the thresholds it uses) and feedback.

use ratatui::text::{Line, Span};

use super::screen::Ctx;
use super::widgets::num;
use crate::model::Protocol;
use crate::model::protocol::{
    Feedback, FeedbackKind, Order, Progression, ProgressionRule, Structure,
};

/// A protocol as the browser shows it.
pub fn protocol_lines(p: &Protocol, ctx: &Ctx) -> Vec<Line<'static>> {
    let t = &ctx.theme;
    let s = &p.schedule;
    let pr = &p.progression;
    let mut out = vec![
        Line::from(Span::styled(
            crate::domain::text::visible(&p.name).into_owned(),
            t.title(),
        )),
        Line::from(Span::styled(p.id.clone(), t.dim())),
        Line::from(p.summary.clone()),
        Line::from(""),
        Line::from(vec![
            Span::styled("Schedule ", t.header()),
            Span::raw(format!(
                " {} weeks × {} days, {} min, {} reps ({} sessions)",
                s.weeks,
                s.days_per_week,
                num(s.minutes_per_session),
                s.repetitions_per_session,
                s.total_sessions()
            )),
        ]),
        Line::from(vec![
            Span::styled("Structure", t.header()),
            Span::raw(format!(
                " {}, {}, {} task{}",
                structure_words(p.practice.structure),
                order_words(p.practice.order),
                p.practice.tasks.len(),
                if p.practice.tasks.len() == 1 { "" } else { "s" }
            )),
        ]),
        Line::from(vec![
            Span::styled("Progress ", t.header()),
            Span::raw(format!(" {}", progression_words(pr))),
        ]),
        Line::from(vec![
            Span::styled("Feedback ", t.header()),
            Span::raw(format!(" {}", feedback_words(&p.feedback))),
        ]),
        Line::from(""),
        Line::from(vec![
            Span::styled("Evidence ", t.header()),
            Span::raw(format!(" {}", p.evidence.citation)),
        ]),
    ];
    if !p.evidence.finding.is_empty() {
        out.push(Line::from(p.evidence.finding.clone()));
    }
    out
}

/// Practice structure in plain words.
fn structure_words(s: Structure) -> &'static str {
    match s {
        Structure::Whole => "whole-task practice",
        Structure::Part => "part practice",
        Structure::PartWhole => "part then whole practice",
        Structure::ProgressivePart => "progressive part practice",
    }
}

fn order_words(o: Order) -> &'static str {
    match o {
        Order::Blocked => "blocked order",
        Order::Random => "random order",
    }
}

/// The progression rule in plain words, with only the thresholds the rule uses.
fn progression_words(pr: &Progression) -> String {
    match pr.rule {
        ProgressionRule::Adaptive => format!(
            "adaptive: up a level at {:.0}% success or more, down below {:.0}%, over {} reps; levels {}-{}",
            pr.advance_above * 100.0,
            pr.regress_below * 100.0,
            pr.window,
            pr.start_level,
            pr.max_level
        ),
        ProgressionRule::Fixed => match pr.step_every_sessions {
            Some(n) => format!(
                "fixed: up a level every {n} session{}; levels {}-{}",
                if n == 1 { "" } else { "s" },
                pr.start_level,
                pr.max_level
            ),
            None => format!("fixed steps; levels {}-{}", pr.start_level, pr.max_level),
        },
        ProgressionRule::None => format!("none: stays at level {}", pr.start_level),
    }
}

fn feedback_words(f: &Feedback) -> String {
    let kind = match f.kind {
        FeedbackKind::ErrorBased => "error-based",
        FeedbackKind::Reinforcement => "reinforcement (success/failure)",
        FeedbackKind::Mixed => "mixed error-based and reinforcement",
    };
    if f.augmented_fraction > 0.0 {
        format!(
            "{kind}; augmented on {:.0}% of reps",
            f.augmented_fraction * 100.0
        )
    } else {
        kind.to_string()
    }
}
