//! A forecast used outside its protocol's evidence (`model::evidence`): its warnings as lines, shown above the
//! reasons in the comparison and in the plan form opened from it.

use ratatui::text::Line;

use super::theme::Theme;

/// One line per warning, marked with a symbol and a word (colour is never the only signal).
pub fn warning_lines(warnings: &[String], t: &Theme) -> Vec<Line<'static>> {
    warnings
        .iter()
        .map(|w| Line::styled(format!("⚠ warning: {w}"), t.warn()))
        .collect()
}
