//! Forecast and protocol comparison for one patient: pick 1-4 protocols (the picker doubles as the protocol
//! browser: schedule, structure, progression rule, evidence), run them off the UI thread with a progress bar (Esc
//! cancels), then read the ranking — every protocol on the same days (the end of the longest protocol and a
//! follow-up the therapist cycles: 6 weeks, 3 months, 6 months) next to no treatment —, the conclusion and the
//! reasons (one scrolling panel, conclusion first), the chart (medians, the selected band, no treatment, each
//! protocol's end, observed scores), and set the chosen protocol as the patient's plan.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Chart, Dataset, Gauge, GraphType, List, ListItem, ListState, Paragraph, Row,
    Table, TableState,
};

use super::data::PatientDetail;
use super::forms::{NewPlanForm, Step};
use super::keymap::{self, Action, Mode};
use super::protocol_text::protocol_lines;
use super::screen::{Cmd, Ctx, Outcome, Screen};
use super::widgets::{ScrollText, cut, fit_title, num};
use crate::app::verdict;
use crate::instruments::{self, Shown};
use crate::model::fair::{self, Fair, follow_up_name};
use crate::model::{Comparison, Control, Protocol};

/// At most this many protocols on one chart.
pub const MAX_PROTOCOLS: usize = 4;

#[derive(Debug, Clone)]
pub enum Phase {
    Pick,
    Running(Arc<Control>),
    Done(Box<Comparison>),
    Failed(String),
    /// Setting the chosen protocol as the plan (the form over the result).
    Plan {
        result: Box<Comparison>,
        form: Box<NewPlanForm>,
    },
}

#[derive(Debug, Clone)]
pub struct CompareScreen {
    pub detail: PatientDetail,
    /// Protocols for the patient's condition first.
    protocols: Vec<Protocol>,
    pub picked: Vec<String>,
    cursor: usize,
    pub phase: Phase,
    /// Total draws of the running job, for the progress bar.
    pub total_draws: u32,
    instrument: usize,
    rank_sel: usize,
    /// The follow-up the ranking is read at (days; [`fair::FOLLOW_UPS`] and the goal's day, cycled with its key).
    pub follow_up: u32,
    /// The day of the plan's nearest goal still ahead: the follow-up the comparison opens at.
    goal_day: Option<u32>,
    /// The conclusion and reasons under the ranking (PgUp/PgDn/Home/End; back to the top with the protocol).
    text: ScrollText,
    /// The protocol's description in the picker.
    about: ScrollText,
    /// Below 30 rows, the conclusion and reasons in place of the chart (the pane key switches).
    reasons: bool,
}

impl CompareScreen {
    /// `preselect`: protocol ids to start with (the active plan's, for a forecast).
    pub fn new(detail: PatientDetail, mut protocols: Vec<Protocol>, preselect: &[String]) -> Self {
        let kind = detail.patient.condition.kind();
        let goal_day = goal_day(&detail);
        protocols.sort_by_key(|p| (!p.conditions.contains(&kind), p.id.clone()));
        let picked = preselect
            .iter()
            .filter(|id| protocols.iter().any(|p| &p.id == *id))
            .cloned()
            .collect();
        CompareScreen {
            detail,
            protocols,
            picked,
            cursor: 0,
            phase: Phase::Pick,
            total_draws: 0,
            instrument: 0,
            rank_sel: 0,
            follow_up: goal_day.unwrap_or(fair::DEFAULT_FOLLOW_UP),
            goal_day,
            text: ScrollText::default(),
            about: ScrollText::default(),
            reasons: false,
        }
    }

    pub fn code(&self) -> &str {
        &self.detail.patient.code
    }

    /// The worker finished.
    pub fn finish(&mut self, result: Result<Comparison, String>) {
        self.phase = match result {
            Ok(c) => Phase::Done(Box::new(c)),
            Err(e) => Phase::Failed(e),
        };
        self.instrument = 0;
        self.rank_sel = 0;
        self.text.reset();
    }

    /// The result read on the instrument shown at the follow-up picked.
    fn fair(&self, c: &Comparison) -> Option<Fair> {
        let ids = Self::instruments(c);
        let id = ids.get(self.instrument.min(ids.len().saturating_sub(1)))?;
        fair::fair(c, id, self.follow_up)
    }

    /// Instruments with a band in the result, the primary first.
    fn instruments(c: &Comparison) -> Vec<String> {
        let mut ids: Vec<String> = c
            .protocols
            .first()
            .map(|p| p.measures.keys().cloned().collect())
            .unwrap_or_default();
        ids.sort_by_key(|id| *id != c.primary);
        ids
    }

    /// The plan save was refused: show why and keep the form.
    pub fn plan_refused(&mut self, msg: String) {
        if let Phase::Plan { form, .. } = &mut self.phase {
            form.refused(msg);
        }
    }

    fn draw_pick(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        let t = &ctx.theme;
        let kind = self.detail.patient.condition.kind();
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(area);
        // Border, highlight symbol and the "[1] " mark take 8 columns; a longer name ends in "…", never cut silently.
        let room = usize::from(left.width.saturating_sub(8)).max(1);
        let items: Vec<ListItem> = self
            .protocols
            .iter()
            .map(|p| {
                let pos = self.picked.iter().position(|x| *x == p.id);
                let mark = pos.map_or("[ ]".to_string(), |i| format!("[{}]", i + 1));
                let fits = if p.conditions.contains(&kind) {
                    ""
                } else {
                    " (other)"
                };
                ListItem::new(Line::from(vec![
                    Span::styled(mark, if pos.is_some() { t.good() } else { t.text() }),
                    Span::raw(" "),
                    Span::raw(cut(&format!("{}{fits}", p.id), room)),
                ]))
            })
            .collect();
        let title = format!(" Protocols · {}/{MAX_PROTOCOLS} chosen ", self.picked.len());
        let mut st = ListState::default().with_selected(Some(self.cursor));
        if self.protocols.is_empty() {
            f.render_widget(
                Paragraph::new("No protocols are available.").block(Block::bordered().title(title)),
                left,
            );
        } else {
            f.render_stateful_widget(
                List::new(items)
                    .highlight_style(t.selected())
                    .highlight_symbol("> ")
                    .block(
                        Block::bordered()
                            .border_style(t.focus_border())
                            .title(Span::styled(title, t.title())),
                    ),
                left,
                &mut st,
            );
        }
        let mut lines: Vec<Line> = Vec::new();
        if let Phase::Failed(e) = &self.phase {
            lines.push(Line::from(Span::styled(format!("✗ {e}"), t.error())));
            lines.push(Line::from(""));
        }
        if let Some(p) = self.protocols.get(self.cursor) {
            lines.extend(protocol_lines(p, ctx));
        }
        let block = Block::bordered()
            .border_style(t.border())
            .title(" Protocol ");
        let inner = block.inner(right);
        f.render_widget(block, right);
        self.about
            .draw(f, inner, lines, "protocol", Mode::ComparePick, t);
    }

    fn draw_result(&self, f: &mut Frame, area: Rect, ctx: &Ctx, c: &Comparison) {
        let t = &ctx.theme;
        let ids = Self::instruments(c);
        let (Some(inst_id), Some(fr)) = (
            ids.get(self.instrument.min(ids.len().saturating_sub(1))),
            self.fair(c),
        ) else {
            f.render_widget(Paragraph::new("The forecast has no measures."), area);
            return;
        };
        let tall = area.height >= 30;
        let rows_h = fr.rows.len() as u16 + u16::from(fr.no_treatment.is_some()) + 3;
        let [head, table_area, rest] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(rows_h),
            Constraint::Min(6),
        ])
        .areas(area);
        self.draw_head(f, head, ctx, c, &ids, &fr);
        self.draw_table(f, table_area, ctx, c, &fr);
        let sel_id = fr
            .rows
            .get(self.rank_sel)
            .map_or(String::new(), |r| r.protocol.clone());
        let lines = self.text_lines(c, &fr, &sel_id, ctx);
        let pane = keymap::key_name(Mode::CompareResult, Action::NextPane);
        if tall {
            let [text_area, chart_area] =
                Layout::vertical([Constraint::Length(10), Constraint::Min(6)]).areas(rest);
            self.text
                .draw(f, text_area, lines, "reasons", Mode::CompareResult, t);
            self.draw_chart(f, chart_area, ctx, c, inst_id, &sel_id, None);
        } else if self.reasons {
            // Below 30 rows the chart and the reasons take turns, so each gets the rows it needs.
            let mut all = vec![Line::from(vec![
                Span::styled("Conclusion and reasons ", t.header()),
                Span::styled(format!("({pane}: the chart)"), t.dim()),
            ])];
            all.extend(lines);
            self.text
                .draw(f, rest, all, "reasons", Mode::CompareResult, t);
        } else {
            // The conclusion's first sentence above the chart; the rest behind the pane key.
            let first = lines.into_iter().next().unwrap_or_default();
            let para = Paragraph::new(first).wrap(ratatui::widgets::Wrap { trim: true });
            let h = (para.line_count(rest.width) as u16).clamp(1, 3);
            let [text_area, chart_area] =
                Layout::vertical([Constraint::Length(h), Constraint::Min(6)]).areas(rest);
            f.render_widget(para, text_area);
            self.draw_chart(f, chart_area, ctx, c, inst_id, &sel_id, Some(&pane));
        }
    }

    /// The chart: the median of each protocol in its own mark (the ranking's), the 10-90% band of the one
    /// selected, no treatment, each protocol's end as a column of its mark, observed scores. `pane`: the key that
    /// shows the reasons instead (below 30 rows), said under the chart.
    #[allow(clippy::too_many_arguments)]
    fn draw_chart(
        &self,
        f: &mut Frame,
        chart_area: Rect,
        ctx: &Ctx,
        c: &Comparison,
        inst_id: &str,
        sel_id: &str,
        pane: Option<&str>,
    ) {
        let t = &ctx.theme;
        let inst = instruments::get(inst_id).ok();
        let short = inst.map_or(inst_id, |i| i.short);
        let unit = inst.map_or("", |i| i.unit);
        let day0 = self.detail.assessments.iter().map(|a| a.date).max();
        let observed: Vec<(f64, f64)> = self
            .detail
            .assessments
            .iter()
            .filter(|a| instruments::get(&a.instrument).is_ok_and(|i| i.id == inst_id))
            .filter_map(|a| Some(((a.date - day0?).num_days() as f64, a.score)))
            .collect();
        let days: Vec<f64> = c.days.iter().map(|&d| d as f64).collect();
        let pts = |v: &[f64]| -> Vec<(f64, f64)> {
            days.iter().copied().zip(v.iter().copied()).collect()
        };
        let mut series: Vec<Series> = Vec::new();
        // No treatment: a dashed line (a point every few days), unlike any protocol's continuous one.
        let none: Vec<(f64, f64)> = c
            .no_treatment
            .as_deref()
            .and_then(|n| n.measures.get(inst_id))
            .map(|band| {
                let step = (days.len() / 15).max(1);
                pts(&band.p50).into_iter().step_by(step).collect()
            })
            .unwrap_or_default();
        for (i, pf) in c.protocols.iter().enumerate() {
            let Some(band) = pf.measures.get(inst_id) else {
                continue;
            };
            if pf.id == sel_id {
                series.push((String::new(), pts(&band.p10), band_marker(ctx), t.dim()));
                series.push((String::new(), pts(&band.p90), band_marker(ctx), t.dim()));
            }
            series.push((
                format!("{} median", pf.id),
                pts(&band.p50),
                protocol_marker(i),
                protocol_style(ctx, i),
            ));
        }
        let all_y = series
            .iter()
            .flat_map(|s| s.1.iter().map(|p| p.1))
            .chain(observed.iter().map(|p| p.1))
            .chain(none.iter().map(|p| p.1));
        let (mut lo, mut hi) = all_y.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
        if !lo.is_finite() {
            (lo, hi) = (0.0, 1.0);
        }
        let pad = ((hi - lo) * 0.1).max(1.0);
        lo -= pad;
        hi += pad;
        if let Some(i) = inst {
            lo = lo.max(i.min);
            hi = hi.min(i.max);
        }
        // Each protocol's end: a column of its own mark, in its colour.
        for (i, pf) in c.protocols.iter().enumerate() {
            let end = f64::from(pf.summary.end_of_treatment_day);
            if pf.summary.sessions > 0 && end > 0.0 {
                series.push((
                    String::new(),
                    vec![(end, lo), (end, hi)],
                    protocol_marker(i),
                    protocol_style(ctx, i),
                ));
            }
        }
        let x_lo = observed.iter().map(|p| p.0).fold(0.0, f64::min);
        let x_hi = days.last().copied().unwrap_or(1.0).max(1.0);
        // Round ticks (whole weeks or months of days), the axis widened to the ticks around the data.
        let (x_lo, x_hi, x_ticks) = round_ticks(x_lo, x_hi);
        let mut datasets: Vec<Dataset> = series
            .iter()
            .map(|(name, pts, marker, style)| {
                let d = Dataset::default()
                    .marker(*marker)
                    .graph_type(GraphType::Line)
                    .style(*style)
                    .data(pts);
                if name.is_empty() {
                    d
                } else {
                    d.name(name.clone())
                }
            })
            .collect();
        datasets.push(
            Dataset::default()
                .name("no treatment")
                .marker(NO_TREATMENT)
                .graph_type(GraphType::Scatter)
                .style(t.dim())
                .data(&none),
        );
        datasets.push(
            Dataset::default()
                .name("observed")
                .marker(Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(t.header())
                .data(&observed),
        );
        let band = marker_glyph(band_marker(ctx));
        let none_glyph = marker_glyph(NO_TREATMENT);
        let title = fit_title(
            &[
                format!(
                    " {short}: medians in the ranking's marks, {band} band 10-90% of {sel_id}, a column of marks: its end, {none_glyph} no treatment, █ observed "
                ),
                format!(
                    " {short}: marks as ranked, {band} band of {sel_id}, column: end, {none_glyph} none, █ observed "
                ),
                format!(" {short}: marks as ranked, column: end, {none_glyph} none, █ observed "),
                format!(" {short}: marks as ranked "),
            ],
            chart_area.width,
        );
        // The axes' names go under the chart, never over the curves.
        let mut bottom = vec![Span::styled(
            format!(" x: days from the last assessment · y: {short} ({unit}) "),
            t.dim(),
        )];
        if let Some(key) = pane {
            bottom.push(Span::styled(format!("{key}: reasons "), t.key()));
        }
        let bottom = Line::from(bottom);
        let chart = Chart::new(datasets)
            .block(
                Block::bordered()
                    .border_style(t.border())
                    .title(title)
                    .title_bottom(bottom),
            )
            .x_axis(
                Axis::default()
                    .bounds([x_lo, x_hi])
                    .labels(x_ticks.into_iter().map(|d| Span::raw(num(d)))),
            )
            .y_axis(Axis::default().bounds([lo, hi]).labels(vec![
                Span::raw(num(lo.round())),
                Span::raw(num(((lo + hi) / 2.0).round())),
                Span::raw(num(hi.round())),
            ]))
            .legend_position(None);
        f.render_widget(chart, chart_area);
    }

    /// "3 months", or "goal date, day 56" at the goal's day.
    fn follow_up_words(&self, day: u32) -> String {
        if self.goal_day == Some(day) && !fair::FOLLOW_UPS.contains(&day) {
            format!("goal date, day {day}")
        } else {
            follow_up_name(day)
        }
    }

    /// The line above the ranking: instrument (◀ ▶ to change), its direction, and the follow-up (its key cycles).
    fn draw_head(
        &self,
        f: &mut Frame,
        area: Rect,
        ctx: &Ctx,
        c: &Comparison,
        ids: &[String],
        fr: &Fair,
    ) {
        let t = &ctx.theme;
        let inst = instruments::get(&fr.instrument).ok();
        let short = inst.map_or(fr.instrument.as_str(), |i| i.short);
        let fu_key = keymap::key_name(Mode::CompareResult, Action::FollowUp);
        // An instrument scored ON or OFF medication says which state the forecast predicts.
        let state = c
            .protocols
            .first()
            .and_then(|p| p.summary.measures.get(&fr.instrument))
            .and_then(|m| m.med_state)
            .map(|s| format!("{} medication", s.label()));
        let unit = inst.map_or("", |i| i.unit);
        let better = inst.map_or("", |i| i.better_word());
        let rest = format!(
            " · {} of {} · follow-up {} ({fu_key})",
            self.instrument + 1,
            ids.len(),
            self.follow_up_words(fr.follow_up_day)
        );
        // The longest description that fits: the medication state goes last (the table's title says "+ = better").
        let with = |parts: &[&str]| {
            let parts: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        };
        let state = state.as_deref().unwrap_or("");
        let fixed = 4 + crate::domain::text::width(short) + crate::domain::text::width(&rest);
        let about = [
            with(&[unit, better, state]),
            with(&[better, state]),
            with(&[state]),
            String::new(),
        ]
        .into_iter()
        .find(|a| fixed + crate::domain::text::width(a) <= usize::from(area.width))
        .unwrap_or_default();
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("◀ ", t.key()),
                Span::styled(short.to_string(), t.header()),
                Span::styled(" ▶", t.key()),
                Span::raw(about),
                Span::raw(rest),
            ])),
            area,
        );
    }

    /// The ranking at the common moments, no treatment last as the reference.
    fn draw_table(&self, f: &mut Frame, area: Rect, ctx: &Ctx, c: &Comparison, fr: &Fair) {
        let t = &ctx.theme;
        let id = fr.instrument.as_str();
        let inst = instruments::get(id).ok();
        let short = inst.map_or(id, |i| i.short);
        let word = inst.map_or("MCID", |i| i.mcid_word_for(fr.mcid));
        let (e, fu) = (fr.end_of_longest_day, fr.follow_up_day);
        // The two moments in time order (a follow-up may come before the longest protocol ends).
        let early_fu = fu < e;
        let (d1, d2) = if early_fu { (fu, e) } else { (e, fu) };
        let change = |x: f64| instruments::show(id, x, Shown::Change);
        let cells = |r: &fair::FairRow| {
            let (a, b) = if early_fu {
                (r.at_follow_up, r.at_end_of_longest)
            } else {
                (r.at_end_of_longest, r.at_follow_up)
            };
            [
                r.sessions.to_string(),
                if r.sessions == 0 {
                    "-".into()
                } else {
                    format!("d{}", r.end_of_treatment_day)
                },
                change(a),
                change(b),
                r.over_no_treatment.map_or("-".into(), change),
            ]
        };
        let mut rows: Vec<Row> = fr
            .rows
            .iter()
            .enumerate()
            .map(|(rank, r)| {
                let i = c
                    .protocols
                    .iter()
                    .position(|p| p.id == r.protocol)
                    .unwrap_or(0);
                let to_mcid = c
                    .protocols
                    .get(i)
                    .and_then(|p| p.summary.measures.get(id))
                    .map_or("-".into(), |m| {
                        m.sessions_to_mcid
                            .map_or("not reached".into(), |s| s.to_string())
                    });
                let mut v = vec![
                    format!("{}.", rank + 1),
                    format!(
                        "{} {}",
                        marker_glyph(protocol_marker(i)),
                        cut(&r.protocol, 19)
                    ),
                ];
                v.extend(cells(r));
                v.push(to_mcid);
                Row::new(v)
            })
            .collect();
        if let Some(none) = &fr.no_treatment {
            let mut v = vec![
                String::new(),
                format!("{0} {0} no treatment", marker_glyph(NO_TREATMENT)),
            ];
            v.extend(cells(none));
            // Without treatment the MCID may be passed too (spontaneous recovery): the day it is.
            v.push(
                fair::no_treatment_passes(c, id, fr.mcid)
                    .map_or("-".into(), |d| format!("by day {d}")),
            );
            rows.push(Row::new(v).style(t.dim()));
        }
        let mut st = TableState::default().with_selected(Some(self.rank_sel));
        let title = fit_title(
            &[
                format!(
                    " Ranking by {short} at {}: improvement, + = better ",
                    fair::follow_up_when(fu)
                ),
                format!(" Ranking by {short} at day {fu}: improvement, + = better "),
                format!(" Ranking by {short} at day {fu} "),
            ],
            area.width,
        );
        f.render_stateful_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(3),
                    Constraint::Length(21),
                    Constraint::Length(4),
                    Constraint::Length(5),
                    Constraint::Length(7),
                    Constraint::Length(7),
                    Constraint::Length(7),
                    Constraint::Min(9),
                ],
            )
            .header(
                Row::new(vec![
                    "#".to_string(),
                    "Protocol".into(),
                    "Sess".into(),
                    "Ends".into(),
                    format!("Day {d1}"),
                    format!("Day {d2}"),
                    "vs none".into(),
                    format!("Sess {word}"),
                ])
                .style(t.header()),
            )
            .row_highlight_style(t.selected())
            .block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(title, t.title())),
            ),
            area,
            &mut st,
        );
    }

    /// The conclusion first (headline, warnings, goals), then the selected protocol's own reasons.
    fn text_lines(&self, c: &Comparison, fr: &Fair, sel_id: &str, ctx: &Ctx) -> Vec<Line<'static>> {
        let t = &ctx.theme;
        let conclusion = verdict::conclusion(c, fr, false);
        let mut lines: Vec<Line<'static>> = Vec::new();
        for (i, l) in conclusion.lines.iter().enumerate() {
            let style = if i == 0 { t.header() } else { t.text() };
            lines.push(Line::from(Span::styled(l.clone(), style)));
        }
        for w in &conclusion.warnings {
            lines.push(Line::from(Span::styled(format!("⚠ {w}"), t.warn())));
        }
        // Protocols used outside the evidence they cite for this patient (model::evidence), each named.
        for p in &c.protocols {
            lines.extend(super::evidence::warning_lines(&p.summary.warnings, t));
        }
        lines.extend(self.goal_lines(c));
        let own = verdict::own_notes(c, sel_id);
        if !own.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("Why, according to the model ({sel_id}):"),
                t.header(),
            )));
            lines.extend(own.iter().map(|n| Line::from(format!("· {n}"))));
        }
        lines
    }

    /// The plan's goals under each protocol (probability of reaching each, issue 14.4).
    fn goal_lines(&self, c: &Comparison) -> Vec<Line<'static>> {
        super::goals::chance_notes(&self.detail, c)
            .into_iter()
            .map(|n| Line::from(format!("· {n}")))
            .collect()
    }
}

/// The day (after the latest assessment, the forecast's day 0) of the patient's nearest goal still ahead, the
/// follow-up a comparison opens at (as `praxis compare --patient` does).
fn goal_day(d: &PatientDetail) -> Option<u32> {
    let goals: Vec<crate::domain::Goal> = d.goals.goals.iter().map(|g| g.goal.clone()).collect();
    let day0 = d.day0()?;
    crate::app::forecast::goal_follow_up(&crate::app::goals::scenario_goals(&goals, day0))
}

/// The next follow-up after `day` among [`fair::FOLLOW_UPS`] and the goal's day, round again after the last.
fn next_follow_up(day: u32, goal: Option<u32>) -> u32 {
    let mut days: Vec<u32> = fair::FOLLOW_UPS.iter().copied().chain(goal).collect();
    days.sort_unstable();
    days.iter().copied().find(|&d| d > day).unwrap_or(days[0])
}

/// Each protocol's mark on the chart and in the ranking: its own glyph (and its own colour where there is colour),
/// none shared with the band, no treatment or the observed scores.
const PROTOCOL_MARKS: [char; MAX_PROTOCOLS] = ['*', '+', 'x', 'o'];

/// No treatment's mark: a dash every few days.
const NO_TREATMENT: Marker = Marker::Custom('-');

fn protocol_marker(i: usize) -> Marker {
    Marker::Custom(PROTOCOL_MARKS[i % MAX_PROTOCOLS])
}

/// The selected protocol's 10-90% band: fine braille dots where the terminal has them.
fn band_marker(ctx: &Ctx) -> Marker {
    if ctx.theme.braille {
        Marker::Braille
    } else {
        Marker::Custom(':')
    }
}

/// The glyph a marker draws, for the ranking's and the chart title's key to the chart.
fn marker_glyph(m: Marker) -> String {
    match m {
        Marker::Custom(ch) => ch.to_string(),
        Marker::Braille => "⣿".into(),
        Marker::Dot => "•".into(),
        Marker::Bar => "▄".into(),
        Marker::HalfBlock => "▀".into(),
        _ => "█".into(),
    }
}

/// Round ticks for days `lo..hi`: the ends and the middle, each a whole number of a round step (1, 2, 5, 7, 10,
/// 14, 30, 60, 90 days...): the one whose ticks around the data, in at most 10 steps, waste the least of the axis.
/// Ratatui places a middle label at the middle of the axis but further labels only roughly, so three labels, the
/// middle one halfway, are the ones that each name their place.
fn round_ticks(lo: f64, hi: f64) -> (f64, f64, Vec<f64>) {
    const STEPS: [f64; 12] = [
        1.0, 2.0, 5.0, 7.0, 10.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0, 730.0,
    ];
    let hi = hi.max(lo + 1.0);
    // Each step's bounds, widened to an even number of steps (so the middle tick is a whole step too).
    let bounds = |step: f64| {
        let a = (lo / step).floor() as i64;
        let b = (hi / step).ceil() as i64;
        (a, b + (b - a) % 2)
    };
    // The step that wastes the least of the axis, in at most 10 steps.
    let (step, (a, b)) = STEPS
        .into_iter()
        .map(|s| (s, bounds(s)))
        .filter(|(_, (a, b))| b - a <= 10)
        .min_by(|(s1, (a1, b1)), (s2, (a2, b2))| {
            let waste = |s: f64, a: i64, b: i64| (b - a) as f64 * s;
            waste(*s1, *a1, *b1).total_cmp(&waste(*s2, *a2, *b2))
        })
        .unwrap_or((730.0, bounds(730.0)));
    let (x0, x1) = (a as f64 * step, b as f64 * step);
    (x0, x1, vec![x0, (x0 + x1) / 2.0, x1])
}

/// One line on the chart: legend name (empty: none), points, marker, style.
type Series = (String, Vec<(f64, f64)>, Marker, ratatui::style::Style);

fn protocol_style(ctx: &Ctx, i: usize) -> ratatui::style::Style {
    use ratatui::style::{Color, Modifier, Style};
    if !ctx.theme.color {
        return Style::new().add_modifier(Modifier::BOLD);
    }
    let c = [Color::Cyan, Color::Magenta, Color::Yellow, Color::Green][i % 4];
    Style::new().fg(c)
}

impl Screen for CompareScreen {
    fn title(&self) -> String {
        "forecast".into()
    }

    /// A forecast on screen keeps its patient detail when the database cannot be read (it says nothing then).
    fn refresh(&mut self, source: &dyn super::data::Source, _ctx: &Ctx) -> Result<(), String> {
        if let Ok(d) = source.detail(self.code()) {
            self.detail = d;
        }
        Ok(())
    }

    fn mode(&self) -> Mode {
        match self.phase {
            Phase::Pick | Phase::Failed(_) => Mode::ComparePick,
            Phase::Running(_) => Mode::CompareRun,
            Phase::Done(_) => Mode::CompareResult,
            Phase::Plan { ref form, .. } => form.mode(),
        }
    }

    fn handle(&mut self, ev: &KeyEvent, ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome {
        let mode = self.mode();
        let action = keymap::lookup(mode.table(), ev);
        match (&mut self.phase, action) {
            (_, Some(Action::Help)) => cmds.push(Cmd::Help),
            (Phase::Pick | Phase::Failed(_), Some(a)) => match a {
                Action::Up => {
                    self.cursor = self.cursor.saturating_sub(1);
                    self.about.reset();
                }
                Action::Down => {
                    self.cursor = (self.cursor + 1).min(self.protocols.len().saturating_sub(1));
                    self.about.reset();
                }
                Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                    self.about.handle(a);
                }
                Action::Toggle => {
                    if let Some(p) = self.protocols.get(self.cursor) {
                        if let Some(i) = self.picked.iter().position(|x| *x == p.id) {
                            self.picked.remove(i);
                        } else if self.picked.len() < MAX_PROTOCOLS {
                            self.picked.push(p.id.clone());
                        }
                    }
                }
                Action::Open => {
                    if self.picked.is_empty()
                        && let Some(p) = self.protocols.get(self.cursor)
                    {
                        self.picked.push(p.id.clone());
                    }
                    if !self.picked.is_empty() {
                        cmds.push(Cmd::RunForecast);
                    }
                }
                Action::Back => cmds.push(Cmd::Back),
                Action::Quit => cmds.push(Cmd::Quit),
                _ => return Outcome::NotConsumed,
            },
            (Phase::Running(ctl), Some(Action::Back)) => {
                ctl.cancel.store(true, Ordering::Relaxed);
                self.phase = Phase::Pick;
            }
            (Phase::Done(c), Some(a)) => {
                let n_inst = Self::instruments(c).len().max(1);
                let n_prot = c.protocols.len().max(1);
                match a {
                    Action::Left => {
                        self.instrument = (self.instrument + n_inst - 1) % n_inst;
                        self.text.reset();
                    }
                    Action::Right => {
                        self.instrument = (self.instrument + 1) % n_inst;
                        self.text.reset();
                    }
                    Action::Up => {
                        self.rank_sel = self.rank_sel.saturating_sub(1);
                        self.text.reset();
                    }
                    Action::Down => {
                        self.rank_sel = (self.rank_sel + 1).min(n_prot - 1);
                        self.text.reset();
                    }
                    Action::FollowUp => {
                        self.follow_up = next_follow_up(self.follow_up, self.goal_day);
                        self.text.reset();
                    }
                    Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => {
                        self.text.handle(a);
                    }
                    Action::NextPane => self.reasons = !self.reasons,
                    Action::Search => self.phase = Phase::Pick,
                    Action::SetPlan => {
                        let c = c.clone();
                        let Some(protocol) = self
                            .fair(&c)
                            .and_then(|fr| fr.rows.get(self.rank_sel).map(|r| r.protocol.clone()))
                        else {
                            return Outcome::Consumed;
                        };
                        let name = self
                            .protocols
                            .iter()
                            .find(|p| p.id == protocol)
                            .map_or(protocol.clone(), |p| {
                                crate::domain::text::visible(&p.name).into_owned()
                            });
                        let warnings = c
                            .protocols
                            .iter()
                            .find(|p| p.id == protocol)
                            .map_or_else(Vec::new, |p| p.summary.warnings.clone());
                        let form = NewPlanForm::new(&self.detail, protocol, name, ctx.today)
                            .with_warnings(warnings);
                        self.phase = Phase::Plan {
                            result: c,
                            form: Box::new(form),
                        };
                    }
                    Action::Back => cmds.push(Cmd::Back),
                    Action::Quit => cmds.push(Cmd::Quit),
                    _ => return Outcome::NotConsumed,
                }
            }
            (Phase::Plan { result, form }, _) => {
                return match form.handle(ev, cmds) {
                    Step::Closed => {
                        self.phase = Phase::Done(result.clone());
                        Outcome::Consumed
                    }
                    step => step.into(),
                };
            }
            _ => return Outcome::NotConsumed,
        }
        Outcome::Consumed
    }

    fn draw(&self, f: &mut Frame, area: Rect, ctx: &Ctx) {
        match &self.phase {
            Phase::Pick | Phase::Failed(_) => self.draw_pick(f, area, ctx),
            Phase::Running(ctl) => {
                self.draw_pick(f, area, ctx);
                let done = ctl.done.load(Ordering::Relaxed);
                let total = self.total_draws.max(1);
                let ratio = (done as f64 / total as f64).clamp(0.0, 1.0);
                let r = super::widgets::centered(area, 60, 5);
                f.render_widget(ratatui::widgets::Clear, r);
                f.render_widget(
                    Gauge::default()
                        .block(
                            Block::bordered()
                                .border_style(ctx.theme.focus_border())
                                .title(Span::styled(
                                    format!(
                                        " Forecasting… {} cancels ",
                                        keymap::key_name(Mode::CompareRun, Action::Back)
                                    ),
                                    ctx.theme.title(),
                                )),
                        )
                        .gauge_style(ctx.theme.good())
                        .ratio(ratio)
                        .label(format!("{done} of {total} draws ({:.0}%)", ratio * 100.0)),
                    r,
                );
            }
            Phase::Done(c) => self.draw_result(f, area, ctx, c),
            Phase::Plan { result, form } => {
                self.draw_result(f, area, ctx, result);
                form.draw(f, area, ctx);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_ticks_are_round_and_span_the_data() {
        // The demo's chart: an assessment 119 days back, the forecast to day 180.
        assert_eq!(
            round_ticks(-119.0, 180.0),
            (-120.0, 180.0, vec![-120.0, 30.0, 180.0])
        );
        // A 6-week forecast: whole weeks.
        assert_eq!(round_ticks(0.0, 42.0), (0.0, 42.0, vec![0.0, 21.0, 42.0]));
        // An odd number of steps is widened by one, so the middle is a whole step too.
        let (lo, hi, ticks) = round_ticks(-63.0, 90.0);
        assert_eq!(ticks[1] - lo, hi - ticks[1]);
        assert!(ticks.iter().all(|d| d % 10.0 == 0.0), "{ticks:?}");
        assert!(lo <= -63.0 && hi >= 90.0);
    }

    #[test]
    fn every_series_has_its_own_mark() {
        let mut glyphs: Vec<String> = (0..MAX_PROTOCOLS)
            .map(|i| marker_glyph(protocol_marker(i)))
            .collect();
        glyphs.push(marker_glyph(NO_TREATMENT));
        glyphs.push(marker_glyph(Marker::Block)); // observed
        for braille in [true, false] {
            let theme = crate::tui::theme::Theme {
                braille,
                ..Default::default()
            };
            let ctx = Ctx::new(theme, chrono::NaiveDateTime::default());
            let mut all = glyphs.clone();
            all.push(marker_glyph(band_marker(&ctx)));
            let mut unique = all.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), all.len(), "{all:?}");
        }
    }
}
