//! The report's charts: inline SVG drawn by small functions, one chart per instrument with dates on the x axis,
//! the band of one MCID from baseline, the scores, the forecast's 80% band and mean, and the goals. Pure: no I/O.
//! Colour is never the only signal: the band is hatched or shaded and each series has its own mark and dash.

use chrono::NaiveDate;
use maud::{Markup, html};

use super::Measure;
use crate::instruments::Shown;

/// The chart's coordinate system (the SVG scales to the page's width).
const W: f64 = 640.0;
const H: f64 = 250.0;
const LEFT: f64 = 52.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 40.0;

/// A linear map from a domain to a pixel range.
#[derive(Debug, Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    fn at(&self, x: f64) -> f64 {
        let span = self.d1 - self.d0;
        if span.abs() < f64::EPSILON {
            return (self.p0 + self.p1) / 2.0;
        }
        self.p0 + (x - self.d0) / span * (self.p1 - self.p0)
    }
}

/// Round numbers for the axis: about `n` ticks covering `lo..hi`, steps of 1, 2 or 5 times a power of ten.
pub fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo || n == 0 {
        return vec![lo];
    }
    let raw = (hi - lo) / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() * step;
    (0..=n * 3)
        .map(|i| first + i as f64 * step)
        .take_while(|t| *t <= hi + step * 1e-9)
        .collect()
}

/// Dates for the axis: at most about six, a round number of days apart, from `start`.
pub fn date_ticks(start: NaiveDate, end: NaiveDate) -> Vec<NaiveDate> {
    let span = (end - start).num_days().max(1);
    let step = [1, 2, 7, 14, 28, 42, 56, 91, 182, 365, 730]
        .into_iter()
        .find(|s| span / s <= 5)
        .unwrap_or(span);
    (0..=span / step)
        .filter_map(|k| start.checked_add_days(chrono::Days::new((k * step) as u64)))
        .collect()
}

fn n(x: f64) -> String {
    format!("{x:.1}")
}

/// The points of a polyline.
fn points(xy: impl Iterator<Item = (f64, f64)>) -> String {
    xy.map(|(x, y)| format!("{},{}", n(x), n(y)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The y range a chart shows: every score, the MCID line, the band and the goals, padded, inside the instrument's
/// range.
fn y_range(m: &Measure) -> (f64, f64) {
    let inst = m.instrument;
    let values = m
        .points
        .iter()
        .map(|p| p.1)
        .chain([m.mcid_line()])
        .chain(m.forecast.iter().flat_map(|b| [b.p10, b.p90]))
        .chain(m.goals.iter().map(|g| g.1));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let pad = ((hi - lo) * 0.08).max(m.mcid * 0.5).max(1e-6);
    let (lo, hi) = ((lo - pad).max(inst.min), (hi + pad).min(inst.max));
    if hi > lo {
        (lo, hi)
    } else {
        (inst.min, inst.max)
    }
}

/// The x range: the first score to the forecast's end, and the goals' dates when they fall within a year of it.
fn x_range(m: &Measure) -> (NaiveDate, NaiveDate) {
    let start = m.baseline().0;
    let mut end = m.latest().0;
    if let Some(b) = m.forecast.last() {
        end = end.max(b.date);
    }
    for (d, _) in &m.goals {
        if *d > end && (*d - end).num_days() <= 365 {
            end = *d;
        }
    }
    if end <= start {
        end = start + chrono::Days::new(7);
    }
    (start, end)
}

/// One instrument's chart. `label` is its accessible name.
pub fn chart(m: &Measure) -> Markup {
    let inst = m.instrument;
    let (x0, x1) = x_range(m);
    let (y0, y1) = y_range(m);
    let xs = Scale {
        d0: 0.0,
        d1: (x1 - x0).num_days() as f64,
        p0: LEFT,
        p1: W - RIGHT,
    };
    let ys = Scale {
        d0: y0,
        d1: y1,
        p0: H - BOTTOM,
        p1: TOP,
    };
    let x = |d: NaiveDate| xs.at((d - x0).num_days() as f64);
    let y = |v: f64| ys.at(v.clamp(y0, y1));
    let base = m.baseline().1;
    let (band_a, band_b) = (y(base), y(m.mcid_line()));
    let (band_top, band_h) = (band_a.min(band_b), (band_a - band_b).abs());
    let label = format!(
        "{} over time: scores, one {} from baseline, forecast and 80% band",
        inst.name,
        inst.mcid_word_for(m.mcid)
    );
    let band_poly = (!m.forecast.is_empty()).then(|| {
        points(
            m.forecast
                .iter()
                .map(|b| (x(b.date), y(b.p90)))
                .chain(m.forecast.iter().rev().map(|b| (x(b.date), y(b.p10)))),
        )
    });
    let mean_line = points(m.forecast.iter().map(|b| (x(b.date), y(b.mean))));
    let score_line = points(m.points.iter().map(|&(d, v)| (x(d), y(v))));
    html! {
        svg class="chart" viewBox=(format!("0 0 {W} {H}")) role="img" aria-label=(label)
            preserveAspectRatio="xMidYMid meet" {
            title { (label) }
            // The MCID band: changes smaller than one MCID from the first score.
            rect class="mcid" x=(n(LEFT)) y=(n(band_top)) width=(n(W - LEFT - RIGHT)) height=(n(band_h)) {}
            line class="mcid-edge" x1=(n(LEFT)) x2=(n(W - RIGHT)) y1=(n(band_b)) y2=(n(band_b)) {}
            // Inside the band, under (or over) its edge.
            text class="note" x=(n(LEFT + 4.0)) y=(n(band_b + if band_b < band_a { 11.0 } else { -4.0 })) {
                "one " (inst.mcid_word_for(m.mcid)) " (" (Shown::Brief.of(m.mcid)) ") from the first score"
            }
            // Axes, grid and ticks.
            @for t in nice_ticks(y0, y1, 6) {
                line class="grid" x1=(n(LEFT)) x2=(n(W - RIGHT)) y1=(n(y(t))) y2=(n(y(t))) {}
                text class="tick" x=(n(LEFT - 6.0)) y=(n(y(t) + 3.5)) text-anchor="end" { (Shown::Brief.of(t)) }
            }
            @for d in date_ticks(x0, x1) {
                line class="grid" x1=(n(x(d))) x2=(n(x(d))) y1=(n(TOP)) y2=(n(H - BOTTOM)) {}
                text class="tick" x=(n(x(d))) y=(n(H - BOTTOM + 14.0)) text-anchor="middle" { (d.format("%Y-%m-%d").to_string()) }
            }
            line class="axis" x1=(n(LEFT)) x2=(n(LEFT)) y1=(n(TOP)) y2=(n(H - BOTTOM)) {}
            line class="axis" x1=(n(LEFT)) x2=(n(W - RIGHT)) y1=(n(H - BOTTOM)) y2=(n(H - BOTTOM)) {}
            text class="axis-title" x=(n(LEFT + (W - LEFT - RIGHT) / 2.0)) y=(n(H - 6.0)) text-anchor="middle" {
                "date"
            }
            text class="axis-title" x="12" y=(n(TOP + (H - TOP - BOTTOM) / 2.0)) text-anchor="middle"
                transform=(format!("rotate(-90 12 {})", n(TOP + (H - TOP - BOTTOM) / 2.0))) {
                (inst.short) " (" (inst.unit) ", " (inst.better_word()) ")"
            }
            // The forecast: 80% band and mean.
            @if let Some(poly) = &band_poly {
                polygon class="band" points=(poly) {}
                polyline class="mean" points=(mean_line) {}
            }
            // The scores.
            polyline class="scores" points=(score_line) {}
            @for &(d, v) in &m.points {
                circle class="score" cx=(n(x(d))) cy=(n(y(v))) r="3.5" {
                    title { (d.to_string()) ": " (inst.show_with_unit(v, Shown::Stored)) }
                }
            }
            // The goals: a diamond at the target on its date.
            @for &(d, v) in m.goals.iter().filter(|(d, _)| *d >= x0 && *d <= x1) {
                path class="goal" d=(format!("M{} {}l6 6l-6 6l-6 -6z", n(x(d)), n(y(v) - 6.0))) {
                    title { "goal: " (inst.show_with_unit(v, Shown::Stored)) " by " (d.to_string()) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        assert_eq!(nice_ticks(0.0, 66.0, 5), [0.0, 20.0, 40.0, 60.0]);
        assert_eq!(nice_ticks(21.5, 48.0, 6), [25.0, 30.0, 35.0, 40.0, 45.0]);
        assert_eq!(nice_ticks(3.0, 3.0, 6), [3.0]);
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let t = date_ticks(d("2026-10-03"), d("2027-02-24"));
        assert!(t.len() <= 6 && t.len() >= 3, "{t:?}");
        assert_eq!(t[0], d("2026-10-03"));
        assert!(t.windows(2).all(|w| w[0] < w[1]));
    }
}
