//! Esc on a form with unsaved changes asks before anything typed is lost; a form left as it opened closes at once.
//! Every form (the shared [`super::Form`], the new plan over a comparison, a correction or voiding) routes its keys
//! through one [`DiscardGuard`] first, and shows its [`prompt`] while it asks.

use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};

use super::field::Step;
use crate::tui::keymap::{self, Action, Mode};
use crate::tui::theme::Theme;

/// Whether the form is asking "Discard the changes?".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiscardGuard {
    asking: bool,
}

impl DiscardGuard {
    /// The form is asking whether to discard its changes (its mode is then [`Mode::Discard`]).
    pub fn asking(&self) -> bool {
        self.asking
    }

    /// A key for a form in `mode` whose values differ from how it opened when `changed`. `Some(Step::Closed)`:
    /// close the form; `Some(Step::Consumed)`: the guard took the key (it asks, or stops asking); `None`: the
    /// form's own key. While asking, only the discard key closes; any other key goes back to the form, unused.
    pub fn key(&mut self, ev: &KeyEvent, mode: Mode, changed: bool) -> Option<Step> {
        if self.asking {
            self.asking = false;
            return Some(match keymap::lookup(Mode::Discard.table(), ev) {
                Some(Action::Discard) => Step::Closed,
                _ => Step::Consumed,
            });
        }
        if keymap::lookup(mode.table(), ev) != Some(Action::Back) {
            return None;
        }
        if changed {
            self.asking = true;
            Some(Step::Consumed)
        } else {
            Some(Step::Closed)
        }
    }
}

/// The question, in one line: "Discard the changes? y discard · n/Esc keep editing".
pub fn prompt(t: &Theme) -> Line<'static> {
    let mut spans = vec![Span::styled("Discard the changes? ", t.warn())];
    for (i, bd) in Mode::Discard.table().iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" · "));
        }
        spans.push(Span::styled(keymap::keys_label(bd), t.key()));
        spans.push(Span::raw(format!(" {}", bd.hint)));
    }
    Line::from(spans)
}
