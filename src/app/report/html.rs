//! The report as one self-contained HTML page: no script, no external resource (styles inline, charts inline SVG),
//! readable on a screen and printed (A4 or Letter, whichever the printer has: `@page` sets margins and page
//! numbers, not a size). Every value spliced in is HTML-escaped by maud; nothing here reads the store.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{ForecastPart, Measure, Report, ReportKind};
use chrono::Datelike as _;

use crate::instruments::{Instrument, Shown};

/// The page's style: screen and print.
const CSS: &str = r#"
*{box-sizing:border-box}
html{font:10.5pt/1.4 "DejaVu Sans","Liberation Sans",Arial,sans-serif;color:#111;background:#fff}
body{margin:0 auto;padding:16px;max-width:190mm;overflow-wrap:anywhere}
header.top{display:flex;flex-wrap:wrap;justify-content:space-between;gap:4px 24px;border-bottom:2px solid #111;padding-bottom:6px}
h1{font-size:18pt;margin:0}
h2{font-size:13pt;border-bottom:1px solid #555;margin:18px 0 6px;padding-bottom:2px;break-after:avoid}
h3{font-size:11pt;margin:10px 0 4px;break-after:avoid}
p{margin:4px 0}
.sub{color:#333;font-size:9.5pt}
table{width:100%;border-collapse:collapse;table-layout:fixed;margin:4px 0 8px}
th,td{border-bottom:1px solid #bbb;padding:2px 4px;text-align:left;vertical-align:top}
th{background:#eee;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums}
tr{break-inside:avoid}
thead{display:table-header-group}
dl.facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:1px 12px;margin:4px 0}
dl.facts dt{font-weight:600}
dl.facts dd{margin:0}
.cols{display:grid;grid-template-columns:repeat(auto-fit,minmax(70mm,1fr));gap:0 20px}
figure{margin:8px 0 14px;break-inside:avoid}
.keep{break-inside:avoid}
figcaption{font-size:9pt;color:#222}
svg.chart{width:100%;height:auto;display:block}
.chart .mcid{fill:#e3e3e3}
.chart .mcid-edge{stroke:#666;stroke-dasharray:2 3}
.chart .band{fill:#9ecae1;fill-opacity:.5;stroke:none}
.chart .mean{fill:none;stroke:#08519c;stroke-width:1.6;stroke-dasharray:6 4}
.chart .scores{fill:none;stroke:#111;stroke-width:1.8}
.chart .score{fill:#111}
.chart .goal{fill:#fff;stroke:#a50f15;stroke-width:2}
.chart .grid{stroke:#ddd;stroke-width:.8}
.chart .axis{stroke:#333}
.chart .tick,.chart .note{font-size:10px;fill:#333}
.chart .note{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
.chart .axis-title{font-size:10.5px;fill:#222}
.legend{display:flex;flex-wrap:wrap;gap:2px 14px;font-size:9pt;margin:2px 0}
.sw{display:inline-block;width:18px;height:10px;vertical-align:middle;margin-right:4px}
.sw.mcid{background:#e3e3e3;border:1px dashed #666}
.sw.band{background:#bcd9ec}
.sw.mean{height:0;border-top:2px dashed #08519c}
.sw.scores{height:0;border-top:2px solid #111}
.goalmark{color:#a50f15}
.warn{border-left:3px solid #a50f15;padding-left:6px}
ul{margin:4px 0;padding-left:20px}
footer{margin-top:20px;border-top:1px solid #555;padding-top:4px;font-size:9pt;color:#333}
@page{margin:14mm 12mm 16mm;@bottom-left{content:"Praxis report - confidential health information";font:8pt sans-serif;color:#444}@bottom-right{content:"page " counter(page) " of " counter(pages);font:8pt sans-serif;color:#444}}
@media print{body{max-width:none;padding:0}html{font-size:9.5pt}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"#;

/// The report as an HTML document.
pub fn render(r: &Report) -> String {
    page(r).into_string()
}

fn score(inst: &Instrument, x: f64) -> String {
    inst.show_with_unit(x, Shown::Stored)
}

fn est(inst: &Instrument, x: f64) -> String {
    inst.show(x, Shown::Estimate)
}

fn pct(p: f64) -> String {
    format!("{:.0}%", p * 100.0)
}

/// "improved beyond the MCID", "changed less than the MCID", "worse".
fn verdict(m: &Measure) -> String {
    let word = m.instrument.mcid_word_for(m.mcid);
    if m.points.len() < 2 {
        "one score only".into()
    } else if m.passed() {
        format!("improved by at least the {word}")
    } else if m.improvement() < 0.0 {
        "worse".into()
    } else {
        format!("less than the {word}")
    }
}

fn page(r: &Report) -> Markup {
    let title = format!("{} - {}", r.kind.title(), r.patient.code);
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(CSS)) }
            }
            body {
                (head(r))
                (patient(r))
                @if r.kind == ReportKind::Discharge { (discharge(r)) } @else { (summary(r)) }
                (charts(r))
                (assessment_table(r))
                (dose(r))
                (plan(r))
                (forecast(r))
                footer {
                    p { "Written by " (r.author.text()) " on " (r.written_at.format("%Y-%m-%d at %H:%M").to_string())
                        " with Praxis " (env!("CARGO_PKG_VERSION")) ". Records as stored on that day (corrected and voided records left out)." }
                    p { "Forecasts are the estimates of a model of motor recovery and learning, with their uncertainty (the 80% band): they support a clinical judgement and do not replace it." }
                }
            }
        }
    }
}

fn head(r: &Report) -> Markup {
    html! {
        header.top {
            div {
                h1 { (r.kind.title()) }
                p.sub { "Praxis rehabilitation planner" @if r.pseudonymised { " - pseudonymised: no name, birth year, assessors or notes" } }
            }
            div {
                p { strong { "Patient " (r.patient.code) } }
                p.sub { "Written " (r.written_at.format("%Y-%m-%d %H:%M").to_string()) " by " (r.author.text()) }
            }
        }
    }
}

fn patient(r: &Report) -> Markup {
    let p = &r.patient;
    html! {
        section #patient {
            h2 { "Patient and condition" }
            div.cols {
                dl.facts {
                    dt { "Code" } dd { (p.code) }
                    @if let Some(n) = &p.name { dt { "Name" } dd { (n) } }
                    @if let Some(y) = p.birth_year { dt { "Born" } dd { (y) " (age " (r.written_at.year() - y) ")" } }
                    @if let Some(s) = p.sex { dt { "Sex" } dd { (s) } }
                    @if let Some(h) = p.dominant_hand { dt { "Dominant hand" } dd { (h) } }
                    @if let Some(s) = p.affected_side { dt { "Affected side" } dd { (s) } }
                }
                dl.facts {
                    dt { "Condition" } dd { (r.condition) }
                    @for (k, v) in &r.facts { dt { (k) } dd { (v) } }
                }
            }
            @if !p.notes.trim().is_empty() { p { strong { "Notes: " } (p.notes) } }
        }
    }
}

fn summary(r: &Report) -> Markup {
    html! {
        section #summary {
            h2 { "Change since the first assessment" }
            @if r.measures.is_empty() { p { "No assessments recorded." } }
            @else { (change_table(r, "First", "Latest")) }
        }
    }
}

fn change_table(r: &Report, first: &str, last: &str) -> Markup {
    html! {
        table {
            thead { tr {
                th style="width:24%" { "Measure" } th { (first) } th { (last) }
                th.num style="width:13%" { "Change" } th.num style="width:12%" { "MCID" } th style="width:20%" { "Verdict" }
            } }
            tbody {
                @for m in &r.measures {
                    @let inst = m.instrument;
                    @let (d0, v0) = m.baseline();
                    @let (d1, v1) = m.latest();
                    tr {
                        td { (inst.short) " " span.sub { "(" (inst.better_word()) ")" } }
                        td { (score(inst, v0)) br; span.sub { (d0.to_string()) } }
                        td { (score(inst, v1)) br; span.sub { (d1.to_string()) } }
                        td.num { (Shown::BriefChange.of(m.improvement())) }
                        td.num { (Shown::Brief.of(m.mcid)) @if inst.mcid_word_for(m.mcid) != "MCID" { " (" (inst.mcid_word_for(m.mcid)) ")" } }
                        td { (verdict(m)) }
                    }
                }
            }
        }
        p.sub { "Change: + is better whatever the scale's direction. MCID: the minimal clinically important difference for the patient's phase (MDC: the smallest change beyond measurement error, where no MCID is established)." }
    }
}

fn discharge(r: &Report) -> Markup {
    html! {
        section #discharge {
            h2 { "Outcome at discharge" }
            @if r.measures.is_empty() { p { "No assessments recorded." } }
            @else { (change_table(r, "Admission", "Discharge")) }
            h3 { "Goal attainment" }
            @if r.goals.is_empty() { p { "No goals were set." } }
            @else {
                table {
                    thead { tr { th style="width:30%" { "Goal" } th { "Latest score" } th { "Target reached?" } th style="width:30%" { "GAS level" } } }
                    tbody {
                        @for g in &r.goals {
                            tr {
                                td { (g.title) }
                                td { @if let Some((d, s)) = g.latest { (Shown::Stored.of(s)) " (" (d.to_string()) ")" } @else { "-" } }
                                td { @match g.reached { Some(true) => "yes", Some(false) => "no", None => "-" } }
                                td { @if let (Some(l), Some(t)) = (g.level, g.level_text) { (format!("{l:+}")) " " (t) } @else { "not reviewed" } }
                            }
                        }
                    }
                }
                @if let Some(gas) = &r.gas { p { (gas.text()) } }
            }
        }
    }
}

fn charts(r: &Report) -> Markup {
    let plan = r.forecast.as_ref().ok().and_then(|f| {
        f.head().map(|p| {
            if f.without_therapy {
                "without therapy".to_string()
            } else {
                p.id.clone()
            }
        })
    });
    html! {
        section #charts {
            h2 { "Assessments over time" }
            @if r.measures.is_empty() { p { "No assessments recorded." } }
            @else {
                @for (i, m) in r.measures.iter().enumerate() {
                    figure {
                        // The legend in the first chart's figure, so that a page break never parts them.
                        @if i == 0 {
                            div.legend {
                                span { span.sw.scores {} "scores" }
                                span { span.sw.mcid {} "within one MCID of the first score" }
                                @if let Some(p) = &plan {
                                    span { span.sw.band {} "forecast 80% band (" (p) ")" }
                                    span { span.sw.mean {} "forecast mean" }
                                }
                                span { span.goalmark { "◆" } " goal" }
                            }
                        }
                        (super::svg::chart(m))
                        figcaption {
                            strong { (m.instrument.name) } " (" (m.instrument.short) ", " (m.instrument.range_text()) ", " (m.instrument.better_word()) "): "
                            (m.points.len()) " score(s); the shaded band is one " (m.instrument.mcid_word_for(m.mcid)) " (" (Shown::Brief.of(m.mcid)) ") from the first score."
                            @if let (Some(first), Some(last)) = (m.forecast.first(), m.forecast.last()) {
                                " Forecast from " (first.date.to_string()) " to " (last.date.to_string()) ": mean " (est(m.instrument, last.mean))
                                ", 80% band " (est(m.instrument, last.p10)) "-" (est(m.instrument, last.p90)) "."
                            }
                        }
                    }
                }
            }
        }
    }
}

fn assessment_table(r: &Report) -> Markup {
    let assessor = r.assessments.iter().any(|a| a.assessor.is_some());
    html! {
        section #assessments {
            h2 { "Assessments" }
            @if r.assessments.is_empty() { p { "No assessments recorded." } }
            @else {
                table {
                    thead { tr {
                        th style="width:17%" { "Date" } th { "Measure" } th.num style="width:16%" { "Score" }
                        @if assessor { th style="width:26%" { "Assessor" } }
                    } }
                    tbody {
                        @for a in &r.assessments {
                            tr {
                                td { (a.date.to_string()) }
                                td { (a.instrument.short) @if let Some(s) = a.med_state { " (" (s) ")" } }
                                td.num { (score(a.instrument, a.score)) }
                                @if assessor { td { (a.assessor.as_deref().unwrap_or("-")) } }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn dose(r: &Report) -> Markup {
    let d = &r.dose;
    html! {
        section #dose {
            h2 { "Therapy delivered" }
            @if d.sessions == 0 { p { "No sessions logged." } }
            @else {
                dl.facts {
                    dt { "Sessions" } dd { (d.sessions)
                        @if let (Some(a), Some(b)) = (d.first, d.last) { " (" (a.to_string()) " to " (b.to_string()) ")" } }
                    dt { "Minutes" } dd { (d.minutes) " (" (format!("{:.1}", d.minutes as f64 / 60.0)) " hours)" }
                    dt { "Repetitions" } dd { (d.repetitions) }
                    @if let Some(s) = d.mean_success { dt { "Mean success rate" } dd { (pct(s)) } }
                    @if let Some(x) = d.mean_rpe { dt { "Mean exertion (RPE, 0-10)" } dd { (format!("{x:.1}")) } }
                }
            }
            @if let Some(a) = &d.adherence {
                h3 { "Adherence to the plan" }
                table {
                    thead { tr { th { "Since " (a.since.to_string()) } th.num { "Done" } th.num { "Planned so far" } th.num { "Share" } } }
                    tbody {
                        tr { td { "Sessions (of " (a.planned_total) " in the protocol)" } td.num { (a.done) } td.num { (a.planned_so_far) }
                             td.num { @if let Some(s) = a.share() { (pct(s)) } @else { "-" } } }
                        tr { td { "Minutes" } td.num { (a.minutes_done) } td.num { (a.minutes_planned) }
                             td.num { @if a.minutes_planned > 0 { (pct(a.minutes_done as f64 / a.minutes_planned as f64)) } @else { "-" } } }
                        tr { td { "Repetitions" } td.num { (a.repetitions_done) } td.num { (a.repetitions_planned) }
                             td.num { @if a.repetitions_planned > 0 { (pct(a.repetitions_done as f64 / a.repetitions_planned as f64)) } @else { "-" } } }
                    }
                }
                p.sub { "Planned so far: the sessions of the protocol's schedule from the plan's start to the day of this report." }
            }
        }
    }
}

fn plan(r: &Report) -> Markup {
    html! {
        section #plan {
            h2 { "Plan and goals" }
            @match &r.plan {
                None => p { "No plan." },
                Some(p) => {
                    dl.facts {
                        dt { "Protocol" } dd { @if let Some(x) = &p.protocol { (x.name) " (" (p.protocol_id) ")" } @else { (p.protocol_id) " (not in this Praxis's library)" } }
                        dt { "Since" } dd { (p.start.to_string()) " (" (p.status) ")" }
                        @if let Some(x) = &p.protocol {
                            @let s = &x.schedule;
                            dt { "Schedule" } dd { (s.weeks) " weeks, " (s.days_per_week) " days a week, " (s.sessions_per_day) " session(s) a day of "
                                (format!("{:.0}", s.minutes_per_session)) " minutes and " (s.repetitions_per_session) " repetitions" }
                            dt { "About it" } dd { (x.summary) }
                            dt { "Evidence" } dd { (x.evidence.citation) @if !x.evidence.finding.is_empty() { ": " (x.evidence.finding) } }
                        }
                        @if !p.goal_text.trim().is_empty() { dt { "Goal" } dd { (p.goal_text) } }
                    }
                }
            }
            h3 { "Goals" }
            @if r.goals.is_empty() { p { "No structured goals (instrument, target, date) were set." } }
            @else {
                table {
                    thead { tr {
                        th style="width:26%" { "Goal" } th { "In words" } th.num style="width:16%" { "Probability under the plan" } th style="width:22%" { "GAS (latest review)" }
                    } }
                    tbody {
                        @for g in &r.goals {
                            tr {
                                td { (g.title) }
                                td { @if r.pseudonymised { "-" } @else { (g.goal.text) } }
                                td.num { @if let Some(p) = g.probability { (pct(p)) } @else { "-" } }
                                td { @if let (Some(l), Some(t), Some(d)) = (g.level, g.level_text, g.reviewed) { (format!("{l:+}")) " " (t) " (" (d.to_string()) ")" } @else { "not reviewed" } }
                            }
                        }
                    }
                }
                @if let Some(gas) = &r.gas { p { (gas.text()) ": 50 is the expected outcome, 10 points one standard deviation." } }
            }
        }
    }
}

fn forecast(r: &Report) -> Markup {
    html! {
        section #forecast {
            h2 { "Forecast and comparison" }
            @if let Some(s) = &r.standing { (standing(s)) }
            @match &r.forecast {
                Err(why) => p { "No forecast: " (why) "." },
                Ok(f) => (forecast_body(r, f)),
            }
        }
    }
}

fn standing(s: &super::StandingPart) -> Markup {
    html! {
        div.keep {
        h3 { "On track?" }
        p { "The latest scores against the 80% band of the plan's forecast from its start (" (s.plan_start.to_string())
            ", from the scores of " (s.day0.to_string()) "):" }
        table {
            thead { tr { th style="width:26%" { "Measure" } th.num { "Latest score" } th.num { "Plan's 80% band that day" } th { "Standing" } } }
            tbody {
                @for row in &s.rows {
                    @if let Ok(inst) = crate::instruments::get(&row.instrument) {
                        tr {
                            td { (inst.short) }
                            td.num { (score(inst, row.score)) br; span.sub { (row.date.to_string()) } }
                            td.num { (est(inst, row.p10)) "-" (est(inst, row.p90)) }
                            td { (row.standing.text()) }
                        }
                    }
                }
            }
        }
        }
    }
}

fn forecast_body(r: &Report, f: &ForecastPart) -> Markup {
    let day = f.follow_up_day;
    let head = f.comparison.protocols.first();
    html! {
        @match (&f.plan_protocol, head) {
            _ if f.without_therapy => @if let Some(pf) = f.head() {
                p { "Without therapy after discharge, from the latest assessment (" (f.day0.to_string()) ") to "
                    (f.date(day).to_string()) " (day " (day) ", 6 months), " (pf.summary.draws) " simulated patients:" }
                (forecast_table(r, pf, day, false))
            },
            (Some(id), Some(pf)) => {
                p { "Under the current plan (" (id) "), from the latest assessment (" (f.day0.to_string()) ") to "
                    (f.date(day).to_string()) " (day " (day) "), " (pf.summary.draws) " simulated patients:" }
                (forecast_table(r, pf, day, true))
            }
            _ => p { "No active plan on a protocol of the library: the comparison below shows the condition's usual care and no treatment." },
        }
        h3 { "Comparison" }
        p { "Praxis does not store the comparisons made on screen; this one was made for this report: "
            @for (i, p) in f.comparison.protocols.iter().enumerate() { @if i > 0 { ", " } (p.id) }
            " and no treatment, on the same simulated patients, read on the same days." }
        @for line in &f.conclusion { p { (line) } }
        @if let Some(fair) = &f.fair {
            @if let Ok(inst) = crate::instruments::get(&fair.instrument) {
                table {
                    thead { tr {
                        th style="width:26%" { "Protocol (" (inst.short) ")" } th.num { "Sessions" }
                        th.num { "Gain at day " (fair.end_of_longest_day) } th.num { "Gain at day " (fair.follow_up_day) }
                        th.num { "80% band at day " (fair.follow_up_day) } th.num { "Over no treatment" }
                    } }
                    tbody {
                        @for row in fair.rows.iter().chain(fair.no_treatment.iter()) {
                            tr {
                                td { @if row.protocol == "none" { "no treatment" } @else { (row.protocol) } }
                                td.num { (row.sessions) }
                                td.num { (inst.show(row.at_end_of_longest, Shown::Change)) }
                                td.num { (inst.show(row.at_follow_up, Shown::Change)) }
                                td.num { (est(inst, row.band_follow_up[0])) "-" (est(inst, row.band_follow_up[1])) }
                                td.num { @if let Some(o) = row.over_no_treatment { (inst.show(o, Shown::Change)) } @else { "-" } }
                            }
                        }
                    }
                }
                p.sub { "Gain: the mean improvement from " (f.day0.to_string()) " (+ is better). A difference smaller than "
                    (crate::app::verdict::mcid_phrase(&fair.instrument, fair.mcid)) " may go unnoticed by the patient." }
            }
        }
        @if !f.warnings.is_empty() {
            h3 { "Warnings" }
            ul.warn { @for w in &f.warnings { li { "⚠ " (w) } } }
        }
        h3 { "Reasons and sources" }
        @if f.reasons.is_empty() { p { "-" } }
        @else { ul { @for n in &f.reasons { li { (n) } } } }
    }
}

/// The forecast of `pf` per measure at `day`; `plan`: under a plan (its chance of a further MCID and its end).
fn forecast_table(
    r: &Report,
    pf: &crate::model::forecast::ProtocolForecast,
    day: u32,
    plan: bool,
) -> Markup {
    let at = day as usize;
    html! {
        table {
            thead { tr {
                th style="width:26%" { "Measure" } th.num { "Latest score" } th.num { "Mean at day " (day) } th.num { "80% band at day " (day) }
                @if plan { th.num { "Chance of a further MCID by the plan's end" } }
            } }
            tbody {
                @for m in &r.measures {
                    @if let (Some(band), Some(sum)) = (pf.measures.get(m.instrument.id), pf.summary.measures.get(m.instrument.id)) {
                        @let i = at.min(band.mean.len().saturating_sub(1));
                        @if let (Some(mean), Some(lo), Some(hi)) = (band.mean.get(i), band.p10.get(i), band.p90.get(i)) {
                            tr {
                                td { (m.instrument.short) }
                                td.num { (score(m.instrument, m.latest().1)) }
                                td.num { (est(m.instrument, *mean)) }
                                td.num { (est(m.instrument, *lo)) "-" (est(m.instrument, *hi)) }
                                @if plan { td.num { (pct(sum.p_mcid_end)) } }
                            }
                        }
                    }
                }
            }
        }
        @if plan { p.sub { "The plan ends on day " (pf.summary.end_of_treatment_day) " after " (pf.summary.sessions) " more session(s). "} }
    }
}
