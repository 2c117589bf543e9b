//! The patient overview: profile and condition facts, latest score per instrument with the change since baseline
//! and whether it passed the MCID, a trend per instrument, the active plan and goal, recent sessions.

use chrono::{Datelike as _, NaiveDate};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table, TableState};

use super::data::PatientDetail;
use super::keymap::{self, Action, Mode};
use super::screen::{Cmd, Ctx, Outcome, Screen};
use super::widgets::{num, signed, sparkline};
use crate::domain::Condition;
use crate::domain::text::visible;
use crate::instruments::{self, Instrument};

/// The condition and its facts, one line each.
pub fn condition_lines(c: &Condition, today: NaiveDate) -> Vec<String> {
    let mut out = Vec::new();
    match c {
        Condition::Stroke(f) => {
            let mut head = "Stroke".to_string();
            if let Some(t) = f.stroke_type {
                head = format!("{} stroke", format!("{t:?}").to_lowercase());
                head[..1].make_ascii_uppercase();
            }
            if let Some(d) = f.onset_date {
                let days = (today - d).num_days();
                head.push_str(&if days < 180 {
                    format!(", {days} days ago")
                } else {
                    format!(", {} months ago", days / 30)
                });
            }
            out.push(head);
            let mut facts = Vec::new();
            if let Some(n) = f.nihss {
                facts.push(format!("NIHSS {n}"));
            }
            if let Some(m) = f.mep {
                facts.push(format!("MEP {}", format!("{m:?}").to_lowercase()));
            }
            if let Some(cst) = f.corticospinal {
                facts.push(format!("CST {}", format!("{cst:?}").to_lowercase()));
            }
            if !facts.is_empty() {
                out.push(facts.join(", "));
            }
        }
        Condition::Parkinsons(f) => {
            let mut head = "Parkinson's disease".to_string();
            if let Some(y) = f.diagnosis_year {
                head.push_str(&format!(", {} years", today.year() - y));
            }
            out.push(head);
            let mut facts = Vec::new();
            if let Some(hy) = f.hoehn_yahr {
                facts.push(format!("Hoehn & Yahr {}", num(hy)));
            }
            if let Some(m) = f.medication {
                facts.push(format!("medication {}", format!("{m:?}").to_lowercase()));
            }
            if !facts.is_empty() {
                out.push(facts.join(", "));
            }
        }
        Condition::CerebellarAtaxia(f) => {
            out.push(match &f.ataxia_type {
                Some(t) => format!("Cerebellar ataxia ({})", visible(t)),
                None => "Cerebellar ataxia".into(),
            });
        }
        Condition::OlderAdult(f) => {
            out.push("Older adult".into());
            if let Some(n) = f.falls_last_year {
                out.push(format!("{n} falls in the last year"));
            }
        }
    }
    out
}

/// One instrument's line in the overview.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasureLine {
    pub instrument: &'static Instrument,
    pub baseline: f64,
    pub latest: f64,
    pub latest_date: NaiveDate,
    /// Improvement since baseline (positive = better, whatever the instrument's direction).
    pub improvement: f64,
    pub mcid: f64,
    pub values: Vec<f64>,
}

impl MeasureLine {
    pub fn passed_mcid(&self) -> bool {
        self.values.len() > 1 && self.improvement >= self.mcid
    }

    /// The last three scores lie within one MCID of each other: no change a patient would notice lately
    /// (workflow 6, the chronic plateau).
    pub fn plateau(&self) -> bool {
        let last = &self.values[self.values.len().saturating_sub(3)..];
        let (lo, hi) = last
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        last.len() == 3 && hi - lo < self.mcid
    }
}

/// Latest score per instrument with change since the first (baseline), in the order instruments were first used.
pub fn measure_lines(d: &PatientDetail) -> Vec<MeasureLine> {
    let mut order: Vec<&str> = Vec::new();
    for a in &d.assessments {
        if !order.contains(&a.instrument.as_str()) {
            order.push(&a.instrument);
        }
    }
    let phase = crate::app::forecast::phase_of(&d.patient, &d.assessments);
    order
        .into_iter()
        .filter_map(|id| {
            let inst = instruments::get(id).ok()?;
            let series: Vec<_> = d
                .assessments
                .iter()
                .filter(|a| a.instrument == id)
                .collect();
            let first = series.first()?;
            let last = series.last()?;
            let mcid = inst.mcid_in(phase);
            Some(MeasureLine {
                instrument: inst,
                baseline: first.score,
                latest: last.score,
                latest_date: last.date,
                improvement: inst.improvement(first.score, last.score),
                mcid,
                values: series.iter().map(|a| a.score).collect(),
            })
        })
        .collect()
}

/// The trend as a sparkline where up is always better, scaled to the patient's scores padded by one MCID, so a
/// rise of one bar-height means something clinically and noise within the MCID stays flat-ish.
pub fn trend(m: &MeasureLine, width: usize) -> String {
    let oriented: Vec<f64> = m
        .values
        .iter()
        .map(|&v| match m.instrument.direction {
            instruments::Direction::HigherIsBetter => v,
            instruments::Direction::LowerIsBetter => -v,
        })
        .collect();
    let lo = oriented.iter().copied().fold(f64::INFINITY, f64::min) - m.mcid;
    let hi = oriented.iter().copied().fold(f64::NEG_INFINITY, f64::max) + m.mcid;
    sparkline(&oriented, lo, hi, width)
}

#[derive(Debug, Clone)]
pub struct OverviewScreen {
    pub detail: PatientDetail,
    /// 0: measures, 1: sessions.
    pane: usize,
    sel: [usize; 2],
    /// Where the latest assessments sit in the plan's forecast, once the progress screen computed it.
    pub standing: Option<crate::app::progress::Standing>,
}

impl OverviewScreen {
    pub fn new(detail: PatientDetail) -> OverviewScreen {
        OverviewScreen {
            detail,
            pane: 0,
            sel: [0, 0],
            standing: None,
        }
    }

    pub fn code(&self) -> &str {
        &self.detail.patient.code
    }

    fn pane_block<'a>(&self, pane: usize, title: &'a str, ctx: &Ctx) -> Block<'a> {
        let t = &ctx.theme;
        if self.pane == pane {
            Block::bordered()
                .border_style(t.focus_border())
                .title(Span::styled(format!("▶{title}"), t.title()))
        } else {
            Block::bordered().border_style(t.border()).title(title)
        }
    }
}

impl OverviewScreen {
    /// The plan's box: protocol, start, standing, goals and the plan's words (wrapped).
    fn plan_paragraph(&self, ctx: &Ctx) -> Paragraph<'static> {
        let t = &ctx.theme;
        let d = &self.detail;
        let plan_lines = match &d.plan {
            Some(plan) => vec![
                Line::from(vec![
                    Span::styled("Protocol: ", t.header()),
                    Span::raw(plan.protocol_id.clone()),
                ]),
                Line::from(format!(
                    "Since {} (week {})",
                    plan.start_date,
                    (ctx.today - plan.start_date).num_weeks() + 1
                )),
                Line::from(format!(
                    "Goal: {}",
                    if plan.goal.is_empty() {
                        "-".into()
                    } else {
                        visible(&plan.goal)
                    }
                )),
            ],
            None => vec![Line::from("No active plan.")],
        };
        let mut plan_lines = plan_lines;
        // Behind or ahead of the plan's forecast, with what to consider (issue 14.3, 14.5), first.
        if let Some(s) = self.standing
            && s != crate::app::progress::Standing::OnTrack
        {
            let style = if s == crate::app::progress::Standing::Behind {
                t.error()
            } else {
                t.good()
            };
            let at = plan_lines.len().min(1);
            plan_lines.insert(
                at,
                Line::from(Span::styled(
                    format!("▲ {}", super::progress::advice(s)),
                    style,
                )),
            );
        }
        // The structured goals before the plan's words, which may wrap out of the box at 80 columns.
        if let Some(goals) = super::goals::overview_line(&d.goals) {
            let at = plan_lines.len().min(2);
            plan_lines.insert(
                at,
                Line::from(vec![
                    Span::styled("Goals: ", t.header()),
                    Span::raw(visible(&goals).into_owned()),
                ]),
            );
        }
        Paragraph::new(plan_lines)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .block(Block::bordered().border_style(t.border()).title(" Plan "))
    }
}

impl Screen for OverviewScreen {
    fn title(&self) -> String {
        self.code().to_string()
    }

    fn mode(&self) -> Mode {
        Mode::Overview
    }

    fn refresh(&mut self, source: &dyn super::data::Source, _ctx: &Ctx) -> Result<(), String> {
        self.detail = source
            .detail(self.code())
            .map_err(|e| format!("cannot read {}: {e:#}", self.code()))?;
        Ok(())
    }

    fn handle(&mut self, ev: &KeyEvent, _ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome {
        let Some(action) = keymap::lookup(Mode::Overview.table(), ev) else {
            return Outcome::NotConsumed;
        };
        let len = if self.pane == 0 {
            measure_lines(&self.detail).len()
        } else {
            self.detail.sessions.len()
        };
        let sel = &mut self.sel[self.pane];
        match action {
            Action::Up => *sel = sel.saturating_sub(1),
            Action::Down => *sel = (*sel + 1).min(len.saturating_sub(1)),
            Action::NextPane => self.pane = 1 - self.pane,
            // The forms, the forecast and the records of this patient; back, help, quit.
            a => match Cmd::about(a, self.code().to_string()).or_else(|| Cmd::common(a)) {
                Some(cmd) => cmds.push(cmd),
                None => return Outcome::NotConsumed,
            },
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = &ctx.theme;
        let d = &self.detail;
        let p = &d.patient;
        let measures = measure_lines(d);
        // Profile and plan, side by side; the plan's box grows (up to 10 rows) so its goal is read whole.
        let [_, plan] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(area);
        let plan_para = self.plan_paragraph(ctx);
        // (The count includes the box's borders.)
        let plan_h = plan_para.line_count(plan.width) as u16;
        let top_h = plan_h
            .clamp(6, 10)
            .min(area.height.saturating_sub(8).max(6));
        let [top, mid, bottom] = Layout::vertical([
            Constraint::Length(top_h),
            Constraint::Min(4),
            Constraint::Min(4),
        ])
        .areas(area);
        let [prof, plan] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
        let mut about = vec![format!("{} y", p.age_in(ctx.today.year()))];
        if let Some(h) = p.dominant_hand {
            about.push(format!("{h:?}-handed").to_lowercase());
        }
        if let Some(s) = p.affected_side {
            about.push(format!("affected: {s:?}").to_lowercase());
        }
        let mut pl = vec![
            Line::from(Span::styled(
                // Cut to the box between whole escapes (the box would clip one in the middle).
                super::widgets::cut(
                    &format!("{} {}", p.code, p.name.as_deref().unwrap_or("")),
                    usize::from(prof.width.saturating_sub(2)),
                ),
                t.title(),
            )),
            Line::from(about.join(" · ")),
        ];
        pl.extend(
            condition_lines(&p.condition, ctx.today)
                .into_iter()
                .map(Line::from),
        );
        f.render_widget(
            Paragraph::new(pl).block(
                Block::bordered()
                    .border_style(t.border())
                    .title(" Patient "),
            ),
            prof,
        );
        f.render_widget(plan_para, plan);

        // Measures.
        let spark_w = if area.width >= 110 { 24 } else { 10 };
        let progressive = matches!(
            self.detail.patient.condition,
            Condition::Parkinsons(_) | Condition::CerebellarAtaxia(_)
        );
        let rows: Vec<Row> = measures
            .iter()
            .map(|m| {
                let passed = m.passed_mcid();
                let verdict = if m.values.len() < 2 {
                    Span::styled("1 score", t.dim())
                } else if passed {
                    Span::styled("✓ passed", t.good())
                } else if m.improvement < 0.0 {
                    Span::styled("▼ worse", t.error())
                } else if m.plateau() && progressive {
                    // In a progressive disease no change is the hoped-for course.
                    Span::styled("= stable", t.text())
                } else if m.plateau() {
                    Span::styled("= plateau", t.warn())
                } else {
                    Span::raw("· not yet")
                };
                Row::new(vec![
                    Span::raw(m.instrument.short),
                    Span::raw(num(m.baseline)),
                    Span::raw(num(m.latest)),
                    // An improvement (+ = better, whatever the direction), as the comparison reads it.
                    Span::raw(signed(m.improvement)),
                    Span::raw(match m.instrument.mcid_word_for(m.mcid) {
                        "MDC" => format!("{} MDC", num(m.mcid)),
                        _ => num(m.mcid),
                    }),
                    verdict,
                    Span::raw(trend(m, spark_w)),
                    Span::styled(super::widgets::ago(ctx.today, m.latest_date), t.dim()),
                ])
            })
            .collect();
        let table = Table::new(
            rows,
            [
                Constraint::Length(13),
                Constraint::Length(5),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(8),
                Constraint::Length(9),
                Constraint::Length((spark_w as u16).max(13)),
                Constraint::Min(8),
            ],
        )
        .header(
            Row::new(vec![
                "Measure",
                "Base",
                "Latest",
                "Gain",
                "MCID/MDC",
                "Passed?",
                "Trend ↑better",
                "Last",
            ])
            .style(t.header()),
        )
        .row_highlight_style(if self.pane == 0 {
            t.selected()
        } else {
            t.text()
        })
        .block(self.pane_block(0, " Assessments ", ctx));
        let mut st = TableState::default().with_selected(
            (!measures.is_empty()).then_some(self.sel[0].min(measures.len().saturating_sub(1))),
        );
        f.render_stateful_widget(table, mid, &mut st);
        if measures.is_empty() {
            let inner = Block::bordered().inner(mid);
            f.render_widget(
                Paragraph::new(format!(
                    "No assessments yet: press {} to enter one.",
                    keymap::key_name(Mode::Overview, Action::NewAssessment)
                )),
                Rect {
                    y: inner.y + 1,
                    height: 1,
                    ..inner
                },
            );
        }

        // Sessions.
        let rows: Vec<Row> = d
            .sessions
            .iter()
            .map(|s| {
                Row::new(vec![
                    s.started_at.format("%Y-%m-%d %H:%M").to_string(),
                    s.protocol_id.clone(),
                    format!("{} min", s.minutes),
                    format!("{} reps", s.repetitions),
                    s.level.map_or("-".into(), |l| format!("L{l}")),
                    s.success_rate
                        .map_or("-".into(), |r| format!("{:.0}%", r * 100.0)),
                    s.rpe.map_or("-".into(), |r| format!("RPE {r}")),
                ])
            })
            .collect();
        let sessions_title = format!(" Recent sessions ({} shown) ", d.sessions.len());
        let table = Table::new(
            rows,
            [
                Constraint::Length(16),
                Constraint::Min(12),
                Constraint::Length(6),
                Constraint::Length(8),
                Constraint::Length(3),
                Constraint::Length(4),
                Constraint::Length(6),
            ],
        )
        .header(
            Row::new(vec![
                "When", "Protocol", "Time", "Reps", "Lvl", "Succ", "RPE",
            ])
            .style(t.header()),
        )
        .row_highlight_style(if self.pane == 1 {
            t.selected()
        } else {
            t.text()
        })
        .block(self.pane_block(1, &sessions_title, ctx));
        let mut st = TableState::default().with_selected(
            (!d.sessions.is_empty()).then_some(self.sel[1].min(d.sessions.len().saturating_sub(1))),
        );
        f.render_stateful_widget(table, bottom, &mut st);
    }
}
