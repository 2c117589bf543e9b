//! The boxes drawn over a screen: the help (from the keymap of the screen under it), the warnings-and-access
//! notice, and the offer of a draft kept from an earlier session. Drawing only; the app decides which is open.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, Wrap};

use super::data::Access;
use super::drafts::Draft;
use super::keymap::{self, Action, Mode, Offer};
use super::theme::Theme;
use super::widgets::centered;

/// The keys of the screen under the help (`under`), then the ones that work everywhere, then what typing does
/// when a field has focus.
pub fn help(f: &mut Frame, area: Rect, t: &Theme, under: Mode, offer: Offer) {
    let mut rows: Vec<Row> = under
        .table()
        .iter()
        .chain(keymap::GLOBAL.iter())
        .filter(|bd| offer.in_help(bd))
        .map(|bd| Row::new(vec![keymap::keys_label(bd), bd.desc.to_string()]))
        .collect();
    if under.is_text() {
        rows.extend(
            keymap::TYPING
                .iter()
                .map(|ty| Row::new(vec![ty.label(), ty.desc.to_string()])),
        );
    }
    // Without room for every row, the column header goes first (the title says what the rows are).
    let with_header = rows.len() as u16 + 3 <= area.height;
    let h = rows.len() as u16 + 2 + u16::from(with_header);
    let r = centered(area, 64, h);
    f.render_widget(Clear, r);
    let mut table = Table::new(rows, [Constraint::Length(18), Constraint::Min(20)]);
    if with_header {
        table = table.header(Row::new(vec!["Key", "Action"]).style(t.header()));
    }
    f.render_widget(
        table.block(
            Block::bordered()
                .border_style(t.focus_border())
                .title(Span::styled(
                    format!(" Help: {} ", under.title()),
                    t.title(),
                ))
                .title_bottom(closes()),
        ),
        r,
    );
}

/// The bottom line of an overlay: the key that closes it.
fn closes() -> String {
    format!(" {} closes ", keymap::key_name(Mode::Help, Action::Back))
}

/// Who the user is and what they may do, then every warning about the database file.
pub fn notices(f: &mut Frame, area: Rect, t: &Theme, access: &Access, warnings: &[String]) {
    let w = 72u16.min(area.width);
    let inner = usize::from(w.saturating_sub(2)).max(1);
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
    let mut height = 2u16;
    for (i, (text, style)) in paras.into_iter().enumerate() {
        if i > 0 {
            lines.push(Line::from(""));
            height += 1;
        }
        // Generous: words wrap before the edge.
        height += (text.chars().count() / inner.saturating_sub(8).max(1)) as u16 + 1;
        lines.push(Line::from(Span::styled(text, style)));
    }
    let r = centered(area, w, height);
    f.render_widget(Clear, r);
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(
            Block::bordered()
                .border_style(t.focus_border())
                .title(Span::styled(" Warnings and access ", t.title()))
                .title_bottom(closes()),
        ),
        r,
    );
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
