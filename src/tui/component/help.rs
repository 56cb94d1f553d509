//! The help overlay's keys: close it, or quit.

use crate::tui::app::{Action, App};
use crate::tui::keys::KeyAction;

pub(crate) fn perform(app: &mut App, action: KeyAction) -> Action {
    match action {
        KeyAction::Quit => Action::Quit,
        KeyAction::ToggleHelp => {
            toggle(app);
            Action::None
        }
        // Not in the help's table.
        _ => Action::None,
    }
}

/// Shows the help over the component below it, or hides it.
pub(crate) fn toggle(app: &mut App) {
    app.ui.help = !app.ui.help;
}
