//! Forecast and protocol comparison for one patient: pick 1-4 protocols (the picker doubles as the protocol
//! browser: schedule, structure, progression rule, evidence), run them off the UI thread with a progress bar (Esc
//! cancels), then read the chart (observed scores over the predicted bands) and the ranking, and set the chosen
//! protocol as the patient's plan.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Chart, Dataset, Gauge, GraphType, List, ListItem, ListState, Paragraph, Row,
    Table, TableState, Wrap,
};

use super::data::PatientDetail;
use super::forms::{NewPlanForm, Step};
use super::keymap::{self, Action, Mode};
use super::protocol_text::protocol_lines;
use super::screen::{Cmd, Ctx, Outcome, Screen};
use super::widgets::{cut, num};
use crate::instruments::{self, Shown};
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
    /// The first line of the reasons under the ranking shown (PgUp/PgDn/Home/End; reset with the protocol).
    notes_scroll: u16,
    /// The last first line that still fills the reasons' panel, as last drawn.
    notes_max: std::cell::Cell<u16>,
}

impl CompareScreen {
    /// `preselect`: protocol ids to start with (the active plan's, for a forecast).
    pub fn new(detail: PatientDetail, mut protocols: Vec<Protocol>, preselect: &[String]) -> Self {
        let kind = detail.patient.condition.kind();
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
            notes_scroll: 0,
            notes_max: std::cell::Cell::new(0),
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

    /// Protocol ids in ranking order.
    fn ranked(c: &Comparison) -> Vec<String> {
        let mut r = c.ranking.clone();
        for p in &c.protocols {
            if !r.contains(&p.id) {
                r.push(p.id.clone());
            }
        }
        r
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
                    Span::raw(cut(&format!("{}{fits}", p.id), 40)),
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
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: true }).block(
                Block::bordered()
                    .border_style(t.border())
                    .title(" Protocol "),
            ),
            right,
        );
    }

    fn draw_result(&self, f: &mut Frame, area: Rect, ctx: &Ctx, c: &Comparison) {
        let t = &ctx.theme;
        let ids = Self::instruments(c);
        let Some(inst_id) = ids.get(self.instrument.min(ids.len().saturating_sub(1))) else {
            f.render_widget(Paragraph::new("The forecast has no measures."), area);
            return;
        };
        let inst = instruments::get(inst_id).ok();
        let short = inst.map_or(inst_id.as_str(), |i| i.short);
        let unit = inst.map_or("", |i| i.unit);
        let ranked = Self::ranked(c);
        let tall = area.height >= 30;
        let sel = ranked
            .get(self.rank_sel)
            .and_then(|id| c.protocols.iter().find(|p| &p.id == id));
        let sel_notes: Vec<String> = sel.map_or_else(Vec::new, |p| {
            p.summary
                .warnings
                .iter()
                .chain(&p.summary.notes)
                .cloned()
                .collect()
        });
        // The notes say why a forecast is what it is (e.g. cerebellar damage): room for them to wrap, at the
        // chart's expense, up to a few lines.
        let width = usize::from(area.width.max(1));
        // Each goal's probability under every protocol comes first (issue 14.4), then the reasons.
        let goal_notes = super::goals::chance_notes(&self.detail, c);
        let wrapped: usize = goal_notes
            .iter()
            .chain(sel_notes)
            .map(|n| (n.chars().count() + 2).div_ceil(width))
            .sum();
        let notes_h = wrapped.clamp(1, if tall { 8 } else { 4 }) as u16;
        let [head, chart_area, table_area, notes_area] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Min(8),
            Constraint::Length(ranked.len() as u16 + 3),
            Constraint::Length(notes_h),
        ])
        .areas(area);
        let better = inst.map_or("", |i| i.better_word());
        // An instrument scored ON or OFF medication says which state the forecast predicts.
        let better = match c
            .protocols
            .first()
            .and_then(|p| p.summary.measures.get(inst_id))
            .and_then(|m| m.med_state)
        {
            Some(s) => format!("{better}, {} medication", s.label()),
            None => better.to_string(),
        };
        f.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("◀ ", t.key()),
                Span::styled(short.to_string(), t.header()),
                Span::styled(" ▶", t.key()),
                Span::raw(format!(
                    " ({unit}, {better}) · {} of {}",
                    self.instrument + 1,
                    ids.len()
                )),
            ])),
            head,
        );

        // Chart: the median of each protocol, the 10-90% band of the one selected in the table, observed scores.
        let markers = if ctx.theme.braille {
            [Marker::Braille, Marker::Dot, Marker::Bar, Marker::HalfBlock]
        } else {
            [Marker::Dot, Marker::Bar, Marker::Block, Marker::Dot]
        };
        let day0 = self.detail.assessments.iter().map(|a| a.date).max();
        let observed: Vec<(f64, f64)> = self
            .detail
            .assessments
            .iter()
            .filter(|a| instruments::get(&a.instrument).is_ok_and(|i| i.id == inst_id.as_str()))
            .filter_map(|a| Some(((a.date - day0?).num_days() as f64, a.score)))
            .collect();
        let days: Vec<f64> = c.days.iter().map(|&d| d as f64).collect();
        let sel_id = ranked.get(self.rank_sel).cloned().unwrap_or_default();
        let mut series: Vec<Series> = Vec::new();
        for (i, pf) in c.protocols.iter().enumerate() {
            let Some(band) = pf.measures.get(inst_id) else {
                continue;
            };
            let pts = |v: &[f64]| -> Vec<(f64, f64)> {
                days.iter().copied().zip(v.iter().copied()).collect()
            };
            let style = protocol_style(ctx, i);
            if pf.id == sel_id {
                series.push((String::new(), pts(&band.p10), markers[0], t.dim()));
                series.push((String::new(), pts(&band.p90), markers[0], t.dim()));
            }
            series.push((
                format!("{} median", pf.id),
                pts(&band.p50),
                markers[i % 4],
                style,
            ));
        }
        let all_y = series
            .iter()
            .flat_map(|s| s.1.iter().map(|p| p.1))
            .chain(observed.iter().map(|p| p.1));
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
        let x_lo = observed.iter().map(|p| p.0).fold(0.0, f64::min);
        let x_hi = days.last().copied().unwrap_or(1.0).max(1.0);
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
                .name("observed")
                .marker(Marker::Block)
                .graph_type(GraphType::Scatter)
                .style(t.header())
                .data(&observed),
        );
        let chart = Chart::new(datasets)
            .block(Block::bordered().border_style(t.border()).title(format!(
                " {short} forecast: medians; band 10-90% of {sel_id}; █ observed "
            )))
            .x_axis(
                Axis::default()
                    .title("days from last assessment")
                    .bounds([x_lo, x_hi])
                    .labels(vec![
                        Span::raw(num(x_lo)),
                        Span::raw(num(((x_lo + x_hi) / 2.0).round())),
                        Span::raw(num(x_hi)),
                    ]),
            )
            .y_axis(
                Axis::default()
                    .title(format!("{short} ({unit})"))
                    .bounds([lo, hi])
                    .labels(vec![
                        Span::raw(num(lo.round())),
                        Span::raw(num(((lo + hi) / 2.0).round())),
                        Span::raw(num(hi.round())),
                    ]),
            )
            .legend_position(None);
        f.render_widget(chart, chart_area);

        // Ranking table.
        let rows: Vec<Row> = ranked
            .iter()
            .enumerate()
            .filter_map(|(rank, id)| {
                let pf = c.protocols.iter().find(|p| &p.id == id)?;
                let ms = pf.summary.measures.get(inst_id);
                let marker =
                    match markers[c.protocols.iter().position(|p| &p.id == id).unwrap_or(0) % 4] {
                        Marker::Braille => "⣿",
                        Marker::Dot => "•",
                        Marker::Bar => "▄",
                        Marker::HalfBlock => "▀",
                        _ => "█",
                    };
                Some(Row::new(vec![
                    format!("{}.", rank + 1),
                    format!("{marker} {}", cut(id, 22)),
                    ms.map_or("-".into(), |m| {
                        instruments::show(inst_id, m.improvement_end, Shown::Change)
                    }),
                    ms.map_or("-".into(), |m| {
                        instruments::show(inst_id, m.improvement_follow_up, Shown::Change)
                    }),
                    ms.map_or("-".into(), |m| {
                        m.sessions_to_mcid
                            .map_or("not reached".into(), |s| s.to_string())
                    }),
                    ms.map_or("-".into(), |m| format!("{:.0}%", m.p_mcid_end * 100.0)),
                    ms.map_or("-".into(), |m| {
                        format!(
                            "{}-{}",
                            num(m.band_end[0].round()),
                            num(m.band_end[1].round())
                        )
                    }),
                ]))
            })
            .collect();
        let mut st = TableState::default().with_selected(Some(self.rank_sel));
        f.render_stateful_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(3),
                    Constraint::Length(24),
                    Constraint::Length(7),
                    Constraint::Length(9),
                    Constraint::Length(11),
                    Constraint::Length(6),
                    Constraint::Min(7),
                ],
            )
            .header(
                Row::new(vec![
                    "#",
                    "Protocol",
                    "Gain",
                    "Follow-up",
                    "Sess. MCID",
                    "P MCID",
                    "End band",
                ])
                .style(t.header()),
            )
            .row_highlight_style(t.selected())
            .block(
                Block::bordered()
                    .border_style(t.focus_border())
                    .title(Span::styled(
                        format!(" Ranking by {short} gain (improvement, +: better) "),
                        t.title(),
                    )),
            ),
            table_area,
            &mut st,
        );
        let notes: Vec<Line> = c
            .protocols
            .iter()
            .find(|p| p.id == sel_id)
            .map(|p| {
                super::evidence::warning_lines(&p.summary.warnings, t)
                    .into_iter()
                    .chain(
                        goal_notes
                            .iter()
                            .chain(&p.summary.notes)
                            .map(|n| Line::from(format!("· {n}"))),
                    )
                    .collect()
            })
            .unwrap_or_default();
        // More reasons than fit: they scroll, and the last line says how (never a sentence cut off unseen).
        let para = Paragraph::new(notes)
            .wrap(Wrap { trim: true })
            .style(t.dim());
        let lines = u16::try_from(para.line_count(notes_area.width)).unwrap_or(u16::MAX);
        let (text_area, hint_area) = if lines > notes_area.height {
            let [a, b] =
                Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(notes_area);
            (a, Some(b))
        } else {
            (notes_area, None)
        };
        let max = lines.saturating_sub(text_area.height);
        self.notes_max.set(max);
        let top = self.notes_scroll.min(max);
        f.render_widget(para.scroll((top, 0)), text_area);
        if let Some(r) = hint_area {
            let key = |a| keymap::key_name(Mode::CompareResult, a);
            let below = max - top;
            let hint = if below > 0 {
                format!(
                    "▼ {} more lines of reasons below: {} {} scroll",
                    below,
                    key(Action::PageDown),
                    key(Action::PageUp)
                )
            } else {
                format!("▲ end of the reasons: {} scrolls back", key(Action::PageUp))
            };
            f.render_widget(Paragraph::new(Span::styled(hint, t.key())), r);
        }
    }
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
            Phase::Plan { .. } => Mode::PlanForm,
        }
    }

    fn handle(&mut self, ev: &KeyEvent, ctx: &Ctx, cmds: &mut Vec<Cmd>) -> Outcome {
        let mode = self.mode();
        let action = keymap::lookup(mode.table(), ev);
        match (&mut self.phase, action) {
            (_, Some(Action::Help)) => cmds.push(Cmd::Help),
            (Phase::Pick | Phase::Failed(_), Some(a)) => match a {
                Action::Up => self.cursor = self.cursor.saturating_sub(1),
                Action::Down => {
                    self.cursor = (self.cursor + 1).min(self.protocols.len().saturating_sub(1))
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
                    Action::Left => self.instrument = (self.instrument + n_inst - 1) % n_inst,
                    Action::Right => self.instrument = (self.instrument + 1) % n_inst,
                    Action::Up => {
                        self.rank_sel = self.rank_sel.saturating_sub(1);
                        self.notes_scroll = 0;
                    }
                    Action::Down => {
                        self.rank_sel = (self.rank_sel + 1).min(n_prot - 1);
                        self.notes_scroll = 0;
                    }
                    Action::PageUp => self.notes_scroll = self.notes_scroll.saturating_sub(3),
                    Action::PageDown => {
                        self.notes_scroll = (self.notes_scroll + 3).min(self.notes_max.get())
                    }
                    Action::Top => self.notes_scroll = 0,
                    Action::Bottom => self.notes_scroll = self.notes_max.get(),
                    Action::Search => self.phase = Phase::Pick,
                    Action::SetPlan => {
                        let ranked = Self::ranked(c);
                        let Some(protocol) = ranked.get(self.rank_sel).cloned() else {
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
                            result: c.clone(),
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
