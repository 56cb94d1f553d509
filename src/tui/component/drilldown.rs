//! The drill-down's keys: back to the dashboard, scroll the focused pane, switch panes,
//! re-probe, and the fixes for the device shown.

use super::{fix_dialog, help};
use crate::model::FixKind;
use crate::tui::app::{Action, App, Pane, Screen};
use crate::tui::keys::KeyAction;

/// Shows `device`'s drill-down where the failure shows: the evidence from its top (the
/// failing stage's section comes first), the transcript at its end (where the device's last
/// words are), the transcript focused.
pub(crate) fn open(app: &mut App, device: usize) {
    app.ui.screen = Screen::Drilldown(device);
    app.ui.focus = Pane::Transcript;
    app.ui.transcript_scroll = END;
    app.ui.evidence_scroll = 0;
    app.ui.diagnosis_scroll = 0;
}

/// A scroll past any end: the view clamps it to the real end at the next draw.
const END: usize = usize::MAX / 2;

pub(crate) fn perform(app: &mut App, action: KeyAction) -> Action {
    use KeyAction as A;
    let device = shown(app);
    match action {
        A::Quit => return Action::Quit,
        A::Back => app.ui.screen = Screen::Dashboard,
        A::Reprobe => return super::reprobe(device),
        A::ReprobeAll => return Action::ReprobeAll,
        A::FixAlgorithms => return fix_dialog::open(app, device, FixKind::Algorithms),
        A::FixHostKey => return fix_dialog::open(app, device, FixKind::HostKey),
        A::ToggleHelp => help::toggle(app),
        A::Up | A::Down | A::PageUp | A::PageDown | A::Top | A::Bottom => scroll(app, action),
        A::SwitchPane => {
            // The diagnosis is a stop only when it has more than its pane shows.
            app.ui.focus = match app.ui.focus {
                Pane::Transcript => Pane::Evidence,
                Pane::Evidence if app.viewport.diagnosis_scrolls => Pane::Diagnosis,
                Pane::Evidence | Pane::Diagnosis => Pane::Transcript,
            }
        }
        // Not in the drill-down's table.
        _ => {}
    }
    Action::None
}

/// Every key applies, except a fix the device shown does not need.
pub(crate) fn can(app: &App, action: KeyAction) -> bool {
    fix_dialog::key_applies(app, shown(app), action)
}

fn shown(app: &App) -> Option<usize> {
    match app.ui.screen {
        Screen::Drilldown(device) => Some(device),
        Screen::Dashboard => None,
    }
}

fn scroll(app: &mut App, action: KeyAction) {
    use KeyAction as A;
    let (scroll, page) = match app.ui.focus {
        Pane::Transcript => (&mut app.ui.transcript_scroll, app.viewport.transcript_rows),
        Pane::Evidence => (&mut app.ui.evidence_scroll, app.viewport.evidence_rows),
        Pane::Diagnosis => (&mut app.ui.diagnosis_scroll, app.viewport.diagnosis_rows),
    };
    let page = page.max(1);
    *scroll = match action {
        A::Up => scroll.saturating_sub(1),
        A::Down => scroll.saturating_add(1),
        A::PageUp => scroll.saturating_sub(page),
        A::PageDown => scroll.saturating_add(page),
        A::Top => 0,
        A::Bottom => END,
        _ => *scroll,
    };
}
