//! Progress against the forecast (issue 14.3): per instrument, the patient's assessments over time (dates on the
//! axis), the MCID band from the baseline, and the current plan's 10-90% forecast band from its start; `n` shows the
//! numbers instead, with the recent sessions' notes. The plan's forecast runs on a worker thread.

use chrono::{Duration, NaiveDate};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Wrap};

use super::data::PatientDetail;
use super::keymap::{self, Action, Mode};
use super::screen::{Cmd, Ctx, Outcome, Screen};
use super::widgets::num;
use crate::app::progress::{self, InstrumentStanding, Standing};
use crate::domain::text::visible;
use crate::instruments::{self, Direction};
use crate::model::Comparison;

#[derive(Debug, Clone)]
pub struct ProgressScreen {
    pub detail: PatientDetail,
    /// Day 0 of the plan's forecast (the last assessment on or before the plan's start).
    pub day0: Option<NaiveDate>,
    /// The plan's forecast from its start: `None` while it runs.
    pub result: Option<Result<Comparison, String>>,
    instrument: usize,
    numbers: bool,
}

impl ProgressScreen {
    pub fn new(detail: PatientDetail, day0: Option<NaiveDate>) -> ProgressScreen {
        ProgressScreen {
            detail,
            day0,
            result: None,
            instrument: 0,
            numbers: false,
        }
    }

    pub fn code(&self) -> &str {
        &self.detail.patient.code
    }

    pub fn finish(&mut self, result: Result<Comparison, String>) {
        self.result = Some(result);
    }

    pub fn is_running(&self) -> bool {
        self.result.is_none() && self.day0.is_some()
    }

    /// Each instrument's standing once the forecast is in.
    pub fn standings(&self) -> Vec<InstrumentStanding> {
        match (&self.result, self.day0) {
            (Some(Ok(c)), Some(day0)) => progress::standings(c, day0, &self.detail.assessments),
            _ => Vec::new(),
        }
    }

    /// The instruments the patient was assessed on, in the forecast's order when there is one.
    fn instruments(&self) -> Vec<&'static instruments::Instrument> {
        let mut out: Vec<&'static instruments::Instrument> = Vec::new();
        for a in &self.detail.assessments {
            if let Ok(i) = instruments::get(&a.instrument)
                && !out.iter().any(|o| o.id == i.id)
            {
                out.push(i);
            }
        }
        out
    }
}

/// What to consider, in the overview's plan box (38 columns at 80x24): "behind: reassess, change protocol?".
pub fn advice(s: Standing) -> &'static str {
    match s {
        Standing::Behind => "behind: reassess, change protocol?",
        Standing::Ahead => "ahead: progress the level?",
        Standing::OnTrack => "on track",
    }
}

impl Screen for ProgressScreen {
    fn title(&self) -> String {
        "progress".into()
    }

    fn mode(&self) -> Mode {
        Mode::Progress
    }

    fn handle(&mut self, ev: &KeyEvent, _ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome {
        let Some(action) = keymap::lookup(Mode::Progress.table(), ev) else {
            return Outcome::NotConsumed;
        };
        let n = self.instruments().len().max(1);
        match action {
            Action::Left => self.instrument = (self.instrument + n - 1) % n,
            Action::Right => self.instrument = (self.instrument + 1) % n,
            Action::Toggle => self.numbers = !self.numbers,
            a => match Cmd::common(a) {
                Some(cmd) => cmds.push(cmd),
                None => return Outcome::NotConsumed,
            },
        }
        Outcome::Consumed
    }

    fn refresh(&mut self, source: &dyn super::data::Source, _ctx: &Ctx) -> Result<(), String> {
        self.detail = source
            .detail(self.code())
            .map_err(|e| format!("cannot read {}: {e:#}", self.code()))?;
        Ok(())
    }

    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = &ctx.theme;
        let insts = self.instruments();
        let Some(inst) = insts.get(self.instrument.min(insts.len().saturating_sub(1))) else {
            f.render_widget(
                Paragraph::new("No assessments yet: nothing to follow."),
                area,
            );
            return;
        };
        let standing = self
            .standings()
            .into_iter()
            .find(|s| s.instrument == inst.id);
        let plan = self
            .detail
            .plan
            .as_ref()
            .map_or("no active plan".to_string(), |p| {
                format!("plan {} from {}", p.protocol_id, p.start_date)
            });
        let state = match (&self.result, self.day0, &standing) {
            (_, None, _) => Span::styled(
                "no forecast: needs an active plan and an assessment",
                t.dim(),
            ),
            (None, _, _) => Span::styled("forecasting the plan from its start…", t.dim()),
            (Some(Err(e)), _, _) => Span::styled(format!("forecast failed: {e}"), t.error()),
            (Some(Ok(_)), _, Some(s)) => Span::styled(
                format!(
                    "{}: {} on {}, band {}-{}; {}",
                    s.standing.text(),
                    instruments::show(inst.id, s.score, instruments::Shown::Stored),
                    s.date,
                    instruments::show(inst.id, s.p10, instruments::Shown::Estimate),
                    instruments::show(inst.id, s.p90, instruments::Shown::Estimate),
                    match s.standing {
                        Standing::Behind => "reassess, check dose",
                        Standing::Ahead => "consider progressing",
                        Standing::OnTrack => "keep the plan",
                    }
                ),
                match s.standing {
                    Standing::Behind => t.error(),
                    Standing::Ahead => t.good(),
                    Standing::OnTrack => t.text(),
                },
            ),
            (Some(Ok(_)), _, None) => Span::styled("no assessment since the plan's start", t.dim()),
        };
        // The head wraps (at 80 columns a long protocol's name would cut the plan's start date), between words.
        let head_text = Paragraph::new(vec![
            Line::from(vec![
                Span::styled("◀ ", t.key()),
                Span::styled(inst.short, t.header()),
                Span::styled(" ▶", t.key()),
                Span::raw(format!(" ({}, {}) · {plan}", inst.unit, inst.better_word())),
            ]),
            Line::from(state),
        ])
        .wrap(ratatui::widgets::Wrap { trim: true });
        let head_h = (head_text.line_count(area.width) as u16).clamp(2, 4);
        let [head, body] =
            Layout::vertical([Constraint::Length(head_h), Constraint::Min(4)]).areas(area);
        f.render_widget(head_text, head);
        if self.numbers {
            self.draw_numbers(f, body, ctx, inst);
        } else {
            self.draw_chart(f, body, ctx, inst);
        }
    }
}

impl ProgressScreen {
    /// The band of the plan's forecast on `inst`, and its day 0.
    fn band(&self, inst: &str) -> Option<(&crate::model::Band, NaiveDate)> {
        let (Some(Ok(c)), Some(day0)) = (&self.result, self.day0) else {
            return None;
        };
        Some((c.protocols.first()?.measures.get(inst)?, day0))
    }

    fn scores(&self, inst: &str) -> Vec<(NaiveDate, f64)> {
        self.detail
            .assessments
            .iter()
            .filter(|a| instruments::get(&a.instrument).is_ok_and(|i| i.id == inst))
            .map(|a| (a.date, a.score))
            .collect()
    }

    fn draw_chart(&self, f: &mut Frame, area: Rect, ctx: &Ctx, inst: &instruments::Instrument) {
        let t = &ctx.theme;
        let scores = self.scores(inst.id);
        let band = self.band(inst.id);
        // Day 0 of the axis: the forecast's, else the first score.
        let Some(origin) = band.map(|b| b.1).or_else(|| scores.first().map(|s| s.0)) else {
            return;
        };
        let day = |d: NaiveDate| (d - origin).num_days() as f64;
        let observed: Vec<(f64, f64)> = scores.iter().map(|&(d, s)| (day(d), s)).collect();
        let last_seen = observed.iter().map(|p| p.0).fold(0.0, f64::max);
        // Up to four weeks after the latest assessment: the part of the forecast to be on track with.
        let x_lo = observed.iter().map(|p| p.0).fold(0.0, f64::min);
        let x_hi = (last_seen + 28.0).max(x_lo + 7.0);
        let line = |v: &[f64]| -> Vec<(f64, f64)> {
            v.iter()
                .enumerate()
                .map(|(d, &y)| (d as f64, y))
                .filter(|p| p.0 <= x_hi)
                .collect()
        };
        let marker = if t.braille {
            Marker::Braille
        } else {
            Marker::Dot
        };
        let (p10, p50, p90) = band.map_or((vec![], vec![], vec![]), |(b, _)| {
            (line(&b.p10), line(&b.p50), line(&b.p90))
        });
        // The MCID band from the baseline: the baseline and one MCID better.
        let baseline = scores
            .iter()
            .rfind(|s| s.0 <= origin)
            .or(scores.first())
            .map_or(0.0, |s| s.1);
        // The MCID (or MDC) of the patient's group: a Parkinson's TUG is read with Huang 2011's, not a stroke study's.
        let mcid = inst.mcid_in(crate::app::forecast::phase_of(
            &self.detail.patient,
            &self.detail.assessments,
        ));
        let better = match inst.direction {
            Direction::HigherIsBetter => baseline + mcid,
            Direction::LowerIsBetter => baseline - mcid,
        };
        let flat = |y: f64| vec![(x_lo, y), (x_hi, y)];
        let (base_line, mcid_line) = (flat(baseline), flat(better));
        let all_y = p10
            .iter()
            .chain(&p90)
            .chain(&observed)
            .map(|p| p.1)
            .chain([baseline, better]);
        let (mut lo, mut hi) = all_y.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
        let pad = ((hi - lo) * 0.1).max(1.0);
        lo = (lo - pad).max(inst.min);
        hi = (hi + pad).min(inst.max);
        let mut datasets = vec![
            Dataset::default()
                .name("baseline / +MCID")
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(t.dim())
                .data(&base_line),
            Dataset::default()
                .marker(Marker::Dot)
                .graph_type(GraphType::Line)
                .style(t.dim())
                .data(&mcid_line),
        ];
        if !p50.is_empty() {
            datasets.push(
                Dataset::default()
                    .name("plan 10-90%")
                    .marker(marker)
                    .graph_type(GraphType::Line)
                    .style(t.warn())
                    .data(&p10),
            );
            datasets.push(
                Dataset::default()
                    .marker(marker)
                    .graph_type(GraphType::Line)
                    .style(t.warn())
                    .data(&p90),
            );
            datasets.push(
                Dataset::default()
                    .name("median")
                    .marker(marker)
                    .graph_type(GraphType::Line)
                    .style(t.text())
                    .data(&p50),
            );
        }
        datasets.push(
            Dataset::default()
                .name("assessed")
                .marker(Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(t.header())
                .data(&observed),
        );
        let date = |x: f64| {
            (origin + Duration::days(x.round() as i64))
                .format("%Y-%m-%d")
                .to_string()
        };
        let chart = Chart::new(datasets)
            .block(
                Block::bordered()
                    .border_style(t.border())
                    .title(super::widgets::fit_title(
                        &[
                            format!(
                                " {} over time: █ assessed · plan's 10-90% band, median · ··· baseline, MCID ",
                                inst.short
                            ),
                            format!(
                                " {}: █ assessed · plan's 10-90% band, median · ··· baseline, MCID ",
                                inst.short
                            ),
                            format!(" {}: █ assessed · plan's band, median · ··· baseline, MCID ", inst.short),
                        ],
                        area.width,
                    )),
            )
            .x_axis(Axis::default().bounds([x_lo, x_hi]).labels(vec![
                Span::raw(date(x_lo)),
                Span::raw(date((x_lo + x_hi) / 2.0)),
                Span::raw(date(x_hi)),
            ]))
            .y_axis(
                Axis::default()
                    .bounds([lo, hi])
                    .labels(vec![Span::raw(num(lo.round())), Span::raw(num(hi.round()))]),
            );
        f.render_widget(chart, area);
    }

    fn draw_numbers(&self, f: &mut Frame, area: Rect, ctx: &Ctx, inst: &instruments::Instrument) {
        let t = &ctx.theme;
        let band = self.band(inst.id);
        let mut lines = vec![Line::from(Span::styled(
            format!(
                "{:<11} {:>6}  {:>6} {:>6} {:>6}",
                "Date", inst.short, "p10", "median", "p90"
            ),
            t.header(),
        ))];
        for (d, s) in self.scores(inst.id) {
            let at = band.and_then(|(b, day0)| {
                let i = usize::try_from((d - day0).num_days()).ok()?;
                Some((*b.p10.get(i)?, *b.p50.get(i)?, *b.p90.get(i)?))
            });
            let est = |x| instruments::show(inst.id, x, instruments::Shown::Estimate);
            let cols = at.map_or("     -      -      -".to_string(), |(a, m, b)| {
                format!("{:>6} {:>6} {:>6}", est(a), est(m), est(b))
            });
            let score = instruments::show(inst.id, s, instruments::Shown::Stored);
            lines.push(Line::from(format!("{d:<11} {score:>6}  {cols}")));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Session notes", t.header())));
        let mut any = false;
        for s in self
            .detail
            .sessions
            .iter()
            .filter(|s| !s.notes.trim().is_empty())
        {
            any = true;
            lines.push(Line::from(format!(
                "{} {} min: {}",
                s.started_at.format("%Y-%m-%d"),
                s.minutes,
                visible(&s.notes)
            )));
        }
        if !any {
            lines.push(Line::from(Span::styled(
                "(no notes in the recent sessions)",
                t.dim(),
            )));
        }
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(
                Block::bordered()
                    .border_style(t.border())
                    .title(" Numbers "),
            ),
            area,
        );
    }
}
