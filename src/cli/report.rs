//! Human output shared by `simulate` and `compare`: the summary table and the text chart.

use std::fmt::Write as _;

use crate::instruments::{self, Direction, Shown};
use crate::model::forecast::{Band, MeasureSummary, Stat};

/// Width of the whole chart, including the axis labels.
pub const CHART_WIDTH: usize = 78;
const CHART_HEIGHT: usize = 12;
const LABEL_WIDTH: usize = 8;

/// A model estimate on instrument `id`'s scale, at its decimals.
pub fn num(id: &str, x: f64) -> String {
    instruments::show(id, x, Shown::Estimate)
}

pub use crate::app::verdict::mcid_label;

/// Improvement (positive = better) band from a signed change band.
pub fn improvement(id: &str, change: &Stat) -> Stat {
    match instruments::get(id).map(|i| i.direction) {
        Ok(Direction::LowerIsBetter) => Stat {
            mean: -change.mean,
            p10: -change.p90,
            p50: -change.p50,
            p90: -change.p10,
        },
        _ => *change,
    }
}

pub fn short(id: &str) -> &str {
    instruments::get(id).map_or(id, |i| i.short)
}

/// The per-instrument summary of one forecast: one block of lines per instrument, primary first, fitting 80
/// columns. Changes read as improvements whatever the instrument's direction ("improvement 5.1 points").
pub fn summary_table(
    measures: &std::collections::BTreeMap<String, MeasureSummary>,
    primary: &str,
) -> String {
    let mut out = String::new();
    let mut ids: Vec<&String> = measures.keys().collect();
    ids.sort_by_key(|k| (k.as_str() != primary, k.as_str()));
    for id in ids {
        let m = &measures[id];
        let inst = instruments::get(id).ok();
        let better = inst.map_or("", |i| i.better_word());
        let word = inst.map_or("MCID", |i| i.mcid_word_for(m.mcid));
        let role = if id == primary { ", primary" } else { "" };
        // An instrument scored ON or OFF medication says which state the forecast is in.
        let state = m
            .med_state
            .map_or(String::new(), |s| format!(" {} medication", s.label()));
        let head = format!(
            "{}{state} ({better}{role}): baseline {}, {word} {}",
            short(id),
            num(id, m.baseline),
            mcid_label(id, m.mcid)
        );
        out.push_str(&wrap(&head, 80, "", "  "));
        for (when, c) in [
            ("end of treatment", &m.change_end),
            ("follow-up       ", &m.change_follow_up),
        ] {
            let _ = writeln!(
                out,
                "  {when}  {:>6}   {}",
                num(id, m.baseline + c.mean),
                improvement_text(id, &improvement(id, c))
            );
        }
        let to_mcid = m.sessions_to_mcid.map_or_else(
            || "not passed during treatment by the median forecast".to_string(),
            |n| format!("passed after {n} sessions (median)"),
        );
        let _ = writeln!(
            out,
            "  {word} {to_mcid}; by the end of treatment in {:.0}% of draws",
            m.p_mcid_end * 100.0
        );
    }
    let _ = writeln!(
        out,
        "Improvement is positive when the patient gets better, whatever the scale's\n\
         direction: mean with its 80% band (p10..p90)."
    );
    out
}

/// "improvement 5.1 points (80%: 2.0..8.3)": an improvement band (positive = better) in words; a worsening's band
/// is of the worsening ("worsening 0.2 points (80%: -0.5..0.7)"), so the mean lies inside the band it heads.
pub fn improvement_text(id: &str, i: &Stat) -> String {
    let head = instruments::get(id).map_or_else(
        |_| format!("improvement {}", Shown::Estimate.of(i.mean)),
        |inst| inst.improvement_text(i.mean),
    );
    let (lo, hi) = if head.starts_with("worsening") {
        (-i.p90, -i.p10)
    } else {
        (i.p10, i.p90)
    };
    format!(
        "{head} (80%: {}..{})",
        instruments::show(id, lo, Shown::Estimate),
        instruments::show(id, hi, Shown::Estimate)
    )
}

/// A text chart of one instrument: mean (`*`) inside the p10-p90 band (`:`) over days, fitting `CHART_WIDTH`;
/// `reference` (e.g. no treatment's mean) is drawn as `.` under them. `marks` are (day, label char) drawn as
/// vertical markers on the day axis (e.g. the end of each protocol).
pub fn chart(
    id: &str,
    days: &[u32],
    band: &Band,
    reference: Option<&[f64]>,
    marks: &[(u32, char)],
) -> String {
    let mut out = String::new();
    let n = days
        .len()
        .min(band.mean.len())
        .min(band.p10.len())
        .min(band.p90.len());
    if n == 0 {
        return out;
    }
    let width = CHART_WIDTH - LABEL_WIDTH;
    let col_index = |c: usize| {
        if width <= 1 {
            0
        } else {
            c * (n - 1) / (width - 1)
        }
    };
    let finite = |v: f64| v.is_finite();
    let reference = reference.filter(|r| r.len() >= n).map(|r| &r[..n]);
    let lo_data = band.p10[..n]
        .iter()
        .chain(&band.mean[..n])
        .chain(reference.unwrap_or_default())
        .copied()
        .filter(|v| finite(*v))
        .fold(f64::INFINITY, f64::min);
    let hi_data = band.p90[..n]
        .iter()
        .chain(&band.mean[..n])
        .chain(reference.unwrap_or_default())
        .copied()
        .filter(|v| finite(*v))
        .fold(f64::NEG_INFINITY, f64::max);
    if !lo_data.is_finite() || !hi_data.is_finite() {
        return out;
    }
    let (mut lo, mut hi) = (lo_data, hi_data);
    let pad = ((hi - lo) * 0.1).max(1e-9);
    if let Ok(inst) = instruments::get(id) {
        let span_min = (inst.max - inst.min) * 0.1;
        if hi - lo < span_min {
            let mid = (hi + lo) / 2.0;
            lo = mid - span_min / 2.0;
            hi = mid + span_min / 2.0;
        } else {
            lo -= pad;
            hi += pad;
        }
        lo = lo.max(inst.min);
        hi = hi.min(inst.max);
    }
    if hi <= lo {
        hi = lo + 1.0;
    }
    let row_of = |v: f64| -> usize {
        let r = ((hi - v) / (hi - lo) * (CHART_HEIGHT - 1) as f64).round();
        (r.max(0.0) as usize).min(CHART_HEIGHT - 1)
    };
    let mut grid = vec![vec![' '; width]; CHART_HEIGHT];
    for (c, _) in (0..width).enumerate() {
        let i = col_index(c);
        let (a, b) = (row_of(band.p90[i]), row_of(band.p10[i]));
        for row in grid.iter_mut().take(b + 1).skip(a) {
            row[c] = ':';
        }
        if let Some(r) = reference {
            grid[row_of(r[i])][c] = '.';
        }
        grid[row_of(band.mean[i])][c] = '*';
    }
    let last_day = days[n - 1].max(1);
    let col_of_day = |d: u32| -> usize {
        ((d.min(last_day) as f64 / last_day as f64) * (width - 1) as f64).round() as usize
    };
    let inst = instruments::get(id).ok();
    let _ = writeln!(
        out,
        "{} ({}{}): mean *, 80% band :{}",
        inst.map_or(id, |i| i.short),
        inst.map_or("", |i| i.better_word()),
        inst.map_or(String::new(), |i| format!(", {}", i.range_text())),
        if reference.is_some() {
            ", no treatment ."
        } else {
            ""
        }
    );
    for (r, row) in grid.iter().enumerate() {
        let label = if r == 0 {
            num(id, hi)
        } else if r == CHART_HEIGHT - 1 {
            num(id, lo)
        } else if r == CHART_HEIGHT / 2 {
            num(id, (hi + lo) / 2.0)
        } else {
            String::new()
        };
        let line: String = row.iter().collect();
        let _ = writeln!(out, "{label:>6} |{}", line.trim_end());
    }
    let mut axis = vec!['-'; width];
    for &(d, ch) in marks {
        axis[col_of_day(d)] = ch;
    }
    let _ = writeln!(out, "{:>6} +{}", "", axis.iter().collect::<String>());
    let mut labels = vec![' '; width + 8];
    // A label goes where it fits with a blank on each side of what is already written; one that would run into
    // another is left out (the legend under the chart names every mark's day).
    let mut put = |col: usize, text: &str| {
        let start = col.min(width.saturating_sub(text.len()));
        let end = start + text.chars().count();
        let free = (start.saturating_sub(1)..(end + 1).min(labels.len())).all(|c| labels[c] == ' ');
        if free {
            for (k, ch) in text.chars().enumerate() {
                if let Some(slot) = labels.get_mut(start + k) {
                    *slot = ch;
                }
            }
        }
    };
    put(0, &format!("day {}", days[0]));
    put(width, &format!("{last_day}"));
    for &(d, _) in marks {
        put(col_of_day(d), &d.to_string());
    }
    let _ = writeln!(
        out,
        "{:>6}  {}",
        "",
        labels.iter().collect::<String>().trim_end()
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worsening_heads_a_band_of_the_worsening_and_lies_inside_it() {
        // Improvement -0.2 with its band -0.7..0.5 (found on a therapist's walk under "worsening 0.2").
        let s = Stat {
            mean: -0.2,
            p10: -0.7,
            p50: -0.2,
            p90: 0.5,
        };
        assert_eq!(
            improvement_text("fma_ue", &s),
            "worsening 0.2 points (80%: -0.5..0.7)"
        );
        let up = Stat {
            mean: 2.0,
            p10: 1.0,
            p50: 2.0,
            p90: 3.0,
        };
        assert_eq!(
            improvement_text("fma_ue", &up),
            "improvement 2.0 points (80%: 1.0..3.0)"
        );
    }

    #[test]
    fn chart_fits_80_columns_and_shows_the_rise() {
        let days: Vec<u32> = (0..=180).collect();
        let mean: Vec<f64> = days
            .iter()
            .map(|&d| 20.0 + 30.0 * (1.0 - (-(d as f64) / 30.0).exp()))
            .collect();
        let band = Band {
            p10: mean.iter().map(|m| m - 5.0).collect(),
            p50: mean.clone(),
            p90: mean.iter().map(|m| m + 5.0).collect(),
            mean,
        };
        let c = chart("fma_ue", &days, &band, None, &[(42, '|')]);
        assert!(c.lines().all(|l| l.chars().count() <= 80), "{c}");
        let rows: Vec<&str> = c.lines().skip(1).take(CHART_HEIGHT).collect();
        // The mean starts low (bottom rows) and ends high (top rows).
        let first_star_row = |col: usize| rows.iter().position(|r| r.chars().nth(col) == Some('*'));
        let left = first_star_row(8).expect("mean drawn at the left edge");
        let right = first_star_row(8 + CHART_WIDTH - LABEL_WIDTH - 1)
            .expect("mean drawn at the right edge");
        assert!(right < left, "{c}");
        assert!(c.contains("42"));
        // A mark next to day 0 or the last day does not run into their labels ("day 025"): it is left out.
        for mark in [3, 179] {
            let c = chart("fma_ue", &days, &band, None, &[(mark, '|')]);
            let axis = c.lines().last().expect("axis labels");
            let words: Vec<&str> = axis.split_whitespace().collect();
            assert_eq!(words, ["day", "0", "180"], "{c}");
        }
    }

    #[test]
    fn improvement_flips_lower_is_better() {
        let c = Stat {
            mean: -5.0,
            p10: -9.0,
            p50: -5.0,
            p90: -1.0,
        };
        let i = improvement("mds_updrs_iii", &c);
        assert_eq!((i.mean, i.p10, i.p90), (5.0, 1.0, 9.0));
        assert_eq!(improvement("fma_ue", &c), c);
    }
}

/// Word-wrap `text` to `width` columns; continuation lines start with `indent`. Ends with a newline.
pub fn wrap(text: &str, width: usize, first: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > width {
            out.push_str(line.trim_end());
            out.push('\n');
            line = indent.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

#[cfg(test)]
mod wrap_tests {
    #[test]
    fn wrap_keeps_lines_within_width_and_words_whole() {
        let text = "MEP present: the corticospinal tract conducts; expect about 70% of the lost arm function to return";
        let w = super::wrap(text, 40, "  - ", "    ");
        assert!(w.lines().all(|l| l.chars().count() <= 40), "{w}");
        assert!(w.starts_with("  - MEP present:"));
        assert_eq!(
            w.split_whitespace()
                .filter(|t| *t != "-")
                .collect::<Vec<_>>()
                .join(" "),
            text
        );
    }
}

/// The warnings of forecasts used outside their protocol's evidence (`model::evidence`), one block, each naming its
/// protocol; empty when there are none.
pub fn evidence_warnings<'a>(
    summaries: impl IntoIterator<Item = &'a crate::model::Summary>,
) -> String {
    let mut out = String::new();
    for w in summaries.into_iter().flat_map(|s| &s.warnings) {
        out.push_str(&wrap(&format!("WARNING: {w}"), 80, "", "  "));
    }
    out
}
