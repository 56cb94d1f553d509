//! Rendering: one module per view or widget. Views read the app state; the only things they
//! write back are sizes and scroll positions learnt from the frame.

pub mod dashboard;
pub mod drilldown;
pub mod filter_input;
pub mod fix_dialog;
pub mod glyphs;
pub mod header;
pub mod help;
pub mod hint_bar;
pub mod save_dialog;
pub mod saved_run;
pub mod selection_line;
pub mod warnings;

use ratatui::Frame;

use super::app::{App, Screen};
use super::keys::Component;

/// Draws the whole screen for the current state.
pub fn draw(frame: &mut Frame, app: &mut App) {
    app.refresh();
    let area = frame.area();
    // Laid out first: its size decides which keys the screen's hint bar offers.
    let dialog = fix_dialog::prepare(area, app);
    match app.ui.screen {
        Screen::Dashboard => dashboard::render(frame, area, app),
        Screen::Drilldown(device) => drilldown::render(frame, area, app, device),
    }
    if app.ui.save.is_some() {
        save_dialog::render(frame, area, app);
    }
    if let Some(dialog) = dialog {
        fix_dialog::render(frame, app, dialog);
    }
    if app.ui.warnings.is_some() {
        warnings::render(frame, area, app);
    }
    if app.ui.help {
        let under = match (&app.ui.dialog, &app.ui.save, app.ui.screen) {
            (Some(_), _, _) => Component::Dialog,
            (None, Some(_), _) => Component::SaveInput,
            (None, None, Screen::Dashboard) => Component::Dashboard,
            (None, None, Screen::Drilldown(_)) => Component::Drilldown,
        };
        help::render(frame, area, under, app);
    }
}
