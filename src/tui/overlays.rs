//! The boxes drawn over a screen: the help (from the keymap of the screen under it), the warnings-and-access
//! notice, and the offer of a draft kept from an earlier session. Drawing only; the app decides which is open.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::data::Access;
use super::drafts::Draft;
use super::keymap::{self, Action, Mode, Offer};
use super::theme::Theme;
use super::widgets::{ScrollText, centered};

/// The keys of the screen under the help (`under`), then the ones that work everywhere, then what typing does
/// when a field has focus. Each description wraps under itself; taller than the screen, the list scrolls
/// (`scroll`, the help keymap's keys) and its last row says how much more there is, so nothing is cut at 80x24.
pub fn help(f: &mut Frame, area: Rect, t: &Theme, under: Mode, offer: Offer, scroll: &ScrollText) {
    let mut rows: Vec<(String, String)> = under
        .table()
        .iter()
        .chain(keymap::GLOBAL.iter())
        .filter(|bd| offer.in_help(bd))
        .map(|bd| (keymap::keys_label(bd), bd.desc.to_string()))
        .collect();
    if under.is_text() {
        rows.extend(
            keymap::TYPING
                .iter()
                .map(|ty| (ty.label(), ty.desc.to_string())),
        );
    }
    if under == Mode::List {
        // The letters in the list's Flg column and the words of its status line.
        rows.extend(super::list::flag_legend());
    }
    let w = 64u16.min(area.width);
    let key_w = 18usize;
    let desc_w = usize::from(w.saturating_sub(2))
        .saturating_sub(key_w + 1)
        .max(10);
    let mut lines = vec![Line::from(Span::styled(
        format!("{:<key_w$} Action", "Key"),
        t.header(),
    ))];
    for (key, desc) in rows {
        for (i, part) in wrap_words(&desc, desc_w).into_iter().enumerate() {
            let left = if i == 0 { key.as_str() } else { "" };
            lines.push(Line::from(format!("{left:<key_w$} {part}")));
        }
    }
    let h = (lines.len() as u16 + 2).min(area.height);
    let r = centered(area, w, h);
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(t.focus_border())
        .title(Span::styled(
            format!(" Help: {} ", under.title()),
            t.title(),
        ))
        .title_bottom(closes());
    let inner = block.inner(r);
    f.render_widget(block, r);
    // Not trimmed: a description's second line keeps its indent under the first.
    scroll.draw_trimmed(f, inner, lines, ("keys", Mode::Help, t), false);
}

/// `text` in lines of at most `width` columns, broken between words (a word longer than a line is a line).
fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let needed = crate::domain::text::width(&line) + 1 + crate::domain::text::width(word);
        if !line.is_empty() && needed > width {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push(line);
    out
}

/// The bottom line of an overlay: the key that closes it.
fn closes() -> String {
    format!(" {} closes ", keymap::key_name(Mode::Help, Action::Back))
}

/// Who the user is and what they may do, then every warning about the database file; taller than the screen, it
/// scrolls like the help.
pub fn notices(
    f: &mut Frame,
    area: Rect,
    t: &Theme,
    access: &Access,
    warnings: &[String],
    scroll: &ScrollText,
) {
    let w = 72u16.min(area.width);
    let inner_w = w.saturating_sub(2).max(1);
    let mut paras: Vec<(String, Style)> = vec![(access.explain(), t.text())];
    if warnings.is_empty() {
        paras.push(("No warnings about the database file.".into(), t.dim()));
    } else {
        for warning in warnings {
            paras.push((
                format!("⚠ {}", crate::domain::text::visible(warning)),
                t.warn(),
            ));
        }
    }
    let mut lines = Vec::new();
    for (i, (text, style)) in paras.into_iter().enumerate() {
        if i > 0 {
            lines.push(Line::from(""));
        }
        lines.push(Line::from(Span::styled(text, style)));
    }
    let needed = Paragraph::new(lines.clone())
        .wrap(Wrap { trim: true })
        .line_count(inner_w) as u16;
    let r = centered(area, w, (needed + 2).min(area.height));
    f.render_widget(Clear, r);
    let block = Block::bordered()
        .border_style(t.focus_border())
        .title(Span::styled(" Warnings and access ", t.title()))
        .title_bottom(closes());
    let inner = block.inner(r);
    f.render_widget(block, r);
    scroll.draw(f, inner, lines, "warnings", Mode::Help, t);
}

/// The offer of a form kept when the terminal went away; its keys are the draft keymap's.
pub fn draft_offer(f: &mut Frame, area: Rect, t: &Theme, d: &Draft) {
    let key = |action| Span::styled(keymap::key_name(Mode::Draft, action), t.key());
    let lines = vec![
        Line::from(Span::styled("An unfinished form was kept", t.title())),
        Line::from(""),
        Line::from(format!(
            "{} for {}, left open at {} when the terminal went away.",
            d.form.what(),
            d.form.patient_code,
            d.saved_at.format("%Y-%m-%d %H:%M")
        )),
        Line::from(""),
        Line::from(vec![
            key(Action::Open),
            Span::raw(" reopen it   "),
            key(Action::Discard),
            Span::raw(" discard it   "),
            key(Action::Back),
            Span::raw(" decide later"),
        ]),
    ];
    let r = centered(area, 70, 9);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(Block::bordered().border_style(t.focus_border())),
        r,
    );
}
