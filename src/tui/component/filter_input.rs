//! The filter line's keys: type, delete, keep or clear.

use crossterm::event::{KeyCode, KeyEvent};

use crate::tui::app::{Action, App};
use crate::tui::keys::KeyAction;

/// Longest filter text kept; the input is typed by hand, so this only bounds a pasted flood.
const FILTER_MAX_CHARS: usize = 200;

pub(crate) fn perform(app: &mut App, action: KeyAction, key: &KeyEvent) -> Action {
    use KeyAction as A;
    match action {
        A::Quit => return Action::Quit,
        A::FilterKeep => app.ui.editing_filter = false,
        A::FilterClear => {
            app.ui.editing_filter = false;
            set_text(app, String::new());
        }
        A::FilterBackspace => {
            let mut text = app.ui.options.filter.clone();
            text.pop();
            set_text(app, text);
        }
        A::FilterClearText => set_text(app, String::new()),
        A::FilterType => {
            if let KeyCode::Char(c) = key.code
                && app.ui.options.filter.chars().count() < FILTER_MAX_CHARS
            {
                let text = format!("{}{c}", app.ui.options.filter);
                set_text(app, text);
            }
        }
        // Not in the filter's table.
        _ => {}
    }
    Action::None
}

/// Filters the table on `text`.
pub(crate) fn set_text(app: &mut App, text: String) {
    app.set_options(|o| o.filter = text);
}
