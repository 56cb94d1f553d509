//! The save dialog's keys (`S` opens it): edit the file name, save, close.

use crossterm::event::{KeyCode, KeyEvent};

use crate::run::{Timestamp, default_file_name};
use crate::tui::app::{Action, App, SaveDialog};
use crate::tui::keys::KeyAction;

/// Longest file name kept; it is typed by hand, so this only bounds a pasted flood.
const NAME_MAX_CHARS: usize = 1024;

/// Opens the dialog with the default name (`sshtriage-run-YYYYMMDD-HHMMSS.json`, UTC) in the
/// current directory.
pub(crate) fn open(app: &mut App) {
    app.ui.save = Some(SaveDialog::Editing(default_file_name(Timestamp::now())));
}

pub(crate) fn perform(app: &mut App, action: KeyAction, key: &KeyEvent) -> Action {
    use KeyAction as A;
    let Some(dialog) = app.ui.save.as_mut() else {
        return Action::None;
    };
    match (action, dialog) {
        (A::Quit, _) => return Action::Quit,
        (A::Cancel, _) => app.ui.save = None,
        (A::Confirm, SaveDialog::Editing(name)) => {
            let name = name.trim();
            let name = if name.is_empty() {
                default_file_name(Timestamp::now())
            } else {
                name.to_string()
            };
            return Action::SaveRun(name.into());
        }
        (A::Confirm, SaveDialog::Saved { .. }) => app.ui.save = None,
        // Back to the name, to choose another.
        (A::Confirm, SaveDialog::Failed { name, .. }) => {
            let name = std::mem::take(name);
            app.ui.save = Some(SaveDialog::Editing(name));
        }
        (A::FilterBackspace, SaveDialog::Editing(name)) => {
            name.pop();
        }
        (A::FilterClearText, SaveDialog::Editing(name)) => name.clear(),
        (A::FilterType, SaveDialog::Editing(name)) => {
            if let KeyCode::Char(c) = key.code
                && name.chars().count() < NAME_MAX_CHARS
            {
                name.push(c);
            }
        }
        // Text keys once the dialog shows an outcome, or not in the table.
        _ => {}
    }
    Action::None
}

/// Text keys apply only while the name is edited.
pub(crate) fn can(app: &App, action: KeyAction) -> bool {
    use KeyAction as A;
    let editing = matches!(app.ui.save, Some(SaveDialog::Editing(_)));
    match action {
        A::FilterBackspace | A::FilterClearText | A::FilterType => editing,
        _ => true,
    }
}
