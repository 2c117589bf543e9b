//! Small building blocks shared by the screens: a text field, a text sparkline, layout helpers.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};

use super::keymap::{self, Mode};
use super::theme::Theme;
use crate::instruments::Shown;

/// A one-line text field with a cursor (in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TextField {
    pub text: String,
    #[serde(default)]
    pub cursor: usize,
    /// Pre-filled and not yet touched: the first typed character replaces the whole value (as a selected default
    /// does in most form UIs); an arrow, Backspace, Delete, Home or End first keeps it for editing.
    #[serde(default)]
    pub fresh: bool,
}

impl TextField {
    pub fn new(text: impl Into<String>) -> TextField {
        let text = text.into();
        let cursor = text.chars().count();
        let fresh = !text.is_empty();
        TextField {
            text,
            cursor,
            fresh,
        }
    }

    fn byte_at(&self, char_idx: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_idx)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Apply an editing key; false if the key is not an editing key.
    pub fn edit(&mut self, ev: &ratatui::crossterm::event::KeyEvent) -> bool {
        use ratatui::crossterm::event::{KeyCode, KeyModifiers};
        if ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        {
            if keymap::EMPTY_FIELD.matches(ev) {
                self.text.clear();
                self.cursor = 0;
                self.fresh = false;
                return true;
            }
            return false;
        }
        if self.fresh
            && let KeyCode::Char(_) = ev.code
        {
            self.text.clear();
            self.cursor = 0;
        }
        let len = self.text.chars().count();
        let was_fresh = std::mem::replace(&mut self.fresh, false);
        match ev.code {
            KeyCode::Char(ch) => {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, ch);
                self.cursor += 1;
            }
            KeyCode::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Backspace => {}
            KeyCode::Delete if self.cursor < len => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            KeyCode::Delete => {}
            KeyCode::Left => self.cursor = self.cursor.saturating_sub(1),
            KeyCode::Right => self.cursor = (self.cursor + 1).min(len),
            KeyCode::Home => self.cursor = 0,
            KeyCode::End => self.cursor = len,
            _ => {
                self.fresh = was_fresh;
                return false;
            }
        }
        true
    }

    /// The field as spans, with the cursor shown reversed when focused.
    pub fn spans(&self, theme: &Theme, focused: bool) -> Vec<Span<'static>> {
        if !focused {
            return vec![Span::styled(self.text.clone(), theme.input())];
        }
        if self.fresh {
            // The whole pre-filled value is shown selected: typing replaces it.
            return vec![
                Span::styled(self.text.clone(), theme.selected()),
                Span::styled(" ", theme.selected()),
            ];
        }
        let chars: Vec<char> = self.text.chars().collect();
        let before: String = chars[..self.cursor.min(chars.len())].iter().collect();
        let at: String = chars
            .get(self.cursor)
            .map_or(" ".to_string(), |c| c.to_string());
        let after: String = chars.iter().skip(self.cursor + 1).collect();
        vec![
            Span::styled(before, theme.input()),
            Span::styled(at, theme.selected()),
            Span::styled(after, theme.input()),
        ]
    }
}

/// A sparkline as text (▁▂▃▄▅▆▇█), scaled to `lo..=hi` (the instrument's range), so trends are comparable.
pub fn sparkline(values: &[f64], lo: f64, hi: f64, width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let start = values.len().saturating_sub(width);
    values[start..]
        .iter()
        .map(|&v| {
            let span = (hi - lo).abs().max(f64::EPSILON);
            let t = ((v - lo) / span).clamp(0.0, 1.0);
            BARS[((t * 7.0).round() as usize).min(7)]
        })
        .collect()
}

/// A number of at most two decimals, without a trailing ".0" ([`Shown::Brief`], the one number formatter).
pub fn num(x: f64) -> String {
    Shown::Brief.of(x)
}

/// A signed change: "+3", "-1.5", "0" ([`Shown::BriefChange`]).
pub fn signed(x: f64) -> String {
    Shown::BriefChange.of(x)
}

/// Cut stored text to `width` characters, ending in "…" if cut, with control characters made visible and never
/// cut inside one's escape (see [`crate::domain::text::cut`]).
pub fn cut(s: &str, width: usize) -> String {
    crate::domain::text::cut(s, width)
}

/// The last defence against stored text driving the terminal: a cell of the finished frame that still holds a
/// character the terminal would act on (a control character or a bidirectional override that reached the buffer
/// without passing through [`cut`] or [`crate::domain::text::visible`]) shows "�" instead. Screens should show such
/// text escaped; this only makes sure nothing else reaches the terminal.
pub fn scrub(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.symbol().chars().any(crate::domain::text::is_hidden) {
            cell.set_symbol("\u{fffd}");
        }
    }
}

/// A centred rectangle of at most `w` x `h` inside `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(Flex::Center)
        .areas(area);
    let [r] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(Flex::Center)
        .areas(v);
    r
}

/// The footer: key hints of the mode's keymap table that fit in `width` columns. The help hint is always kept
/// (every action stays discoverable from the help overlay); the others are kept in the table's order, which is
/// their priority, and a hint that does not fit is dropped.
pub fn footer(mode: Mode, offer: keymap::Offer, theme: &Theme, width: u16) -> Line<'static> {
    let kept = fit_hints(keymap::hints_with_action(mode, offer), usize::from(width));
    let mut spans = Vec::new();
    for (i, (key, word)) in kept.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(format!(" {word}")));
    }
    Line::from(spans)
}

/// Which hints fit in `width` columns: help first, then the others by priority; returned in the table's order.
fn fit_hints(
    hints: Vec<(String, &'static str, bool)>,
    width: usize,
) -> Vec<(String, &'static str)> {
    let cost = |key: &str, word: &str| key.chars().count() + 1 + word.chars().count();
    let mut keep = vec![false; hints.len()];
    let mut used = 0usize;
    let mut count = 0usize;
    let order = hints
        .iter()
        .enumerate()
        .filter(|(_, h)| h.2)
        .chain(hints.iter().enumerate().filter(|(_, h)| !h.2))
        .map(|(i, _)| i)
        .collect::<Vec<_>>();
    for i in order {
        let (key, word, _) = &hints[i];
        let need = cost(key, word) + if count > 0 { 2 } else { 0 };
        if used + need <= width {
            keep[i] = true;
            used += need;
            count += 1;
        }
    }
    hints
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|((key, word, _), _)| (key, word))
        .collect()
}

/// "today", "3 d ago", "5 wk ago": relative to `today`, so snapshots with fixed fixtures stay stable.
pub fn ago(today: chrono::NaiveDate, d: chrono::NaiveDate) -> String {
    let days = (today - d).num_days();
    match days {
        i64::MIN..=-1 => d.to_string(),
        0 => "today".into(),
        1..=13 => format!("{days} d ago"),
        14..=90 => format!("{} wk ago", days / 7),
        _ => format!("{} mo ago", days / 30),
    }
}

/// A panel of text that scrolls (issue 14.2): its lines wrap to the panel, a window of them shows from the first
/// line scrolled to, and when they do not all fit the last row says how many lines more there are and which keys
/// scroll — never a sentence cut off unseen. PgUp/PgDn move by a page, Home/End to the first and last lines (the
/// mode's keymap names the keys). Drawing does not change the scroll; it records how far it can go.
#[derive(Debug, Clone, Default)]
pub struct ScrollText {
    top: u16,
    /// The last first line that still fills the panel, and the panel's height, as last drawn.
    max: std::cell::Cell<u16>,
    page: std::cell::Cell<u16>,
}

impl ScrollText {
    /// Back to the first line (new text).
    pub fn reset(&mut self) {
        self.top = 0;
    }

    /// Scroll for PgUp/PgDn/Home/End (and a line for Up/Down); false (nothing done) for any other action.
    pub fn handle(&mut self, action: keymap::Action) -> bool {
        let page = self.page.get().saturating_sub(1).max(1);
        let max = self.max.get();
        match action {
            keymap::Action::PageUp => self.top = self.top.min(max).saturating_sub(page),
            keymap::Action::PageDown => self.top = (self.top + page).min(max),
            keymap::Action::Up => self.top = self.top.min(max).saturating_sub(1),
            keymap::Action::Down => self.top = (self.top + 1).min(max),
            keymap::Action::Top => self.top = 0,
            keymap::Action::Bottom => self.top = max,
            _ => return false,
        }
        true
    }

    /// Draw `lines` (wrapped) in `area`; `what` names them in the hint ("reasons", "protocol"); `mode` is the
    /// keymap whose PgUp/PgDn keys the hint names.
    pub fn draw(
        &self,
        f: &mut ratatui::Frame,
        area: Rect,
        lines: Vec<Line<'static>>,
        what: &str,
        mode: Mode,
        theme: &Theme,
    ) {
        self.draw_trimmed(f, area, lines, (what, mode, theme), true);
    }

    /// [`ScrollText::draw`]; `trim: false` keeps the blanks that start a line (an indent laid out by the caller).
    pub fn draw_trimmed(
        &self,
        f: &mut ratatui::Frame,
        area: Rect,
        lines: Vec<Line<'static>>,
        (what, mode, theme): (&str, Mode, &Theme),
        trim: bool,
    ) {
        use ratatui::widgets::{Paragraph, Wrap};
        let para = Paragraph::new(lines).wrap(Wrap { trim });
        let total = u16::try_from(para.line_count(area.width)).unwrap_or(u16::MAX);
        let (text_area, hint_area) = if total > area.height && area.height > 1 {
            let [a, b] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
            (a, Some(b))
        } else {
            (area, None)
        };
        let max = total.saturating_sub(text_area.height);
        self.max.set(max);
        self.page.set(text_area.height);
        let top = self.top.min(max);
        f.render_widget(para.scroll((top, 0)), text_area);
        let Some(r) = hint_area else { return };
        let key = |a| keymap::key_name(mode, a);
        let (down, up) = (key(keymap::Action::PageDown), key(keymap::Action::PageUp));
        let below = max - top;
        // The longest wording that fits the panel's width.
        let options = if below > 0 {
            vec![
                format!("▼ {below} more lines of {what} below: {down} {up} scroll"),
                format!("▼ {below} more lines: {down} {up} scroll"),
                format!("▼ {below} more: {down}"),
            ]
        } else {
            vec![
                format!("▲ end of the {what}: {up} scrolls back"),
                format!("▲ end: {up} scrolls back"),
                format!("▲ end: {up}"),
            ]
        };
        let width = usize::from(r.width);
        let hint = options
            .iter()
            .find(|o| crate::domain::text::width(o) <= width)
            .or(options.last())
            .cloned()
            .unwrap_or_default();
        f.render_widget(Paragraph::new(Span::styled(hint, theme.key())), r);
    }
}

/// The longest of `options` that fits a border of `width` columns (the last one if none does).
pub fn fit_title(options: &[String], width: u16) -> String {
    let room = usize::from(width.saturating_sub(2));
    options
        .iter()
        .find(|o| crate::domain::text::width(o) <= room)
        .or(options.last())
        .cloned()
        .unwrap_or_default()
}
