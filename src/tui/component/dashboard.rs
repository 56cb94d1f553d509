//! The dashboard's keys: move the selection, open a device, re-probe, filter, sort, group,
//! watch mode, and the fixes for the selected device.

use super::{drilldown, filter_input, fix_dialog, help, save_dialog, warnings};
use crate::model::FixKind;
use crate::tui::app::{Action, App};
use crate::tui::keys::KeyAction;
use crate::tui::table_model::TableModel;

pub(crate) fn perform(app: &mut App, action: KeyAction) -> Action {
    use KeyAction as A;
    match action {
        A::Quit => return Action::Quit,
        A::Reprobe => return super::reprobe(app.ui.selected),
        A::ReprobeAll => return Action::ReprobeAll,
        A::ToggleWatch => {
            app.set_options(|o| o.watching = !o.watching);
            return Action::ToggleWatch;
        }
        A::FixAlgorithms => return fix_dialog::open(app, app.ui.selected, FixKind::Algorithms),
        A::FixHostKey => return fix_dialog::open(app, app.ui.selected, FixKind::HostKey),
        A::ToggleHelp => help::toggle(app),
        A::SaveRun => save_dialog::open(app),
        A::ShowWarnings => warnings::open(app),
        A::Up | A::Down | A::PageUp | A::PageDown | A::Top | A::Bottom => {
            move_selection(app, action)
        }
        A::Open => {
            if let Some(device) = app.ui.selected {
                drilldown::open(app, device);
            }
        }
        A::EditFilter => app.ui.editing_filter = true,
        A::ShowAll => {
            filter_input::set_text(app, String::new());
            app.set_options(|o| o.failing_only = false);
        }
        A::CycleSort => app.set_options(|o| o.sort = o.sort.next()),
        A::ToggleFailing => app.set_options(|o| o.failing_only = !o.failing_only),
        A::ToggleGroup => app.set_options(|o| o.grouped = !o.grouped),
        // Not in the dashboard's table.
        _ => {}
    }
    Action::None
}

/// Every key applies, except a fix the selected device does not need and the warnings pane
/// when nothing warned.
pub(crate) fn can(app: &App, action: KeyAction) -> bool {
    match action {
        KeyAction::ShowWarnings => app.offers(action),
        _ => fix_dialog::key_applies(app, app.ui.selected, action),
    }
}

fn move_selection(app: &mut App, action: KeyAction) {
    use KeyAction as A;
    let model = app.model_ref();
    let lines = model.lines.len();
    if lines == 0 {
        return;
    }
    let current = app.line_of(app.ui.selected).unwrap_or(0);
    let page = app.viewport.table_rows.max(1);
    let last = lines - 1;
    let target = match action {
        A::Up => device_line_before(model, current),
        A::Down => device_line_after(model, current),
        A::PageUp => device_line_near(model, current.saturating_sub(page), false),
        A::PageDown => device_line_near(model, (current + page).min(last), true),
        A::Top => device_line_near(model, 0, true),
        A::Bottom => device_line_near(model, last, false),
        _ => None,
    };
    let selected = target.map(|line| (line, model.device_at(line)));
    if action == A::Top {
        app.ui.table_offset = 0;
    }
    if let Some((line, device)) = selected {
        app.ui.selected = device;
        app.ui.selected_line = line;
    }
}

fn device_line_before(model: &TableModel, line: usize) -> Option<usize> {
    (0..line).rev().find(|&n| model.device_at(n).is_some())
}

fn device_line_after(model: &TableModel, line: usize) -> Option<usize> {
    (line + 1..model.lines.len()).find(|&n| model.device_at(n).is_some())
}

/// The device line at `line`, else the nearest one, looking forward first when `forward`.
fn device_line_near(model: &TableModel, line: usize, forward: bool) -> Option<usize> {
    let here = model.device_at(line).map(|_| line);
    let ahead = || device_line_after(model, line);
    let behind = || device_line_before(model, line);
    if forward {
        here.or_else(ahead).or_else(behind)
    } else {
        here.or_else(behind).or_else(ahead)
    }
}
