//! The warnings pane (`W`): what loading the inventory and its last reload warned about (or
//! why that reload failed), kept terminal-safe, and the pane's keys (scroll, close).

use crate::fleet::Reload;
use crate::tui::app::{Action, App};
use crate::tui::keys::KeyAction;
use crate::tui::text;

/// Warnings kept per group, so a flood of them costs bounded memory.
const MAX_PER_GROUP: usize = 10_000;

/// One source of warnings: the load at start, or the last reload.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarningGroup {
    /// "when the inventory was loaded", "at the last reload".
    pub title: String,
    /// Each "file:line: message", cleaned for the terminal.
    pub lines: Vec<String>,
    /// Warnings beyond `MAX_PER_GROUP`, counted but not kept.
    pub more: usize,
}

impl WarningGroup {
    fn new(title: &str, warnings: &[String]) -> Option<WarningGroup> {
        if warnings.is_empty() {
            return None;
        }
        Some(WarningGroup {
            title: title.to_string(),
            lines: warnings
                .iter()
                .take(MAX_PER_GROUP)
                .map(|w| text::clean(w))
                .collect(),
            more: warnings.len().saturating_sub(MAX_PER_GROUP),
        })
    }

    fn count(&self) -> usize {
        self.lines.len() + self.more
    }
}

/// Every warning the pane lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Warnings {
    pub load: Option<WarningGroup>,
    pub reload: Option<WarningGroup>,
}

impl Warnings {
    pub fn count(&self) -> usize {
        self.groups().map(WarningGroup::count).sum()
    }

    pub fn groups(&self) -> impl Iterator<Item = &WarningGroup> {
        self.load.iter().chain(self.reload.iter())
    }

    /// The warnings of loading the inventory before the dashboard opened.
    pub fn loaded(&mut self, warnings: &[String]) {
        self.load = WarningGroup::new("when the inventory was loaded", warnings);
    }

    /// What the last reload said replaces what the one before said.
    pub fn reloaded(&mut self, reload: &Reload) {
        self.reload = match reload {
            Reload::Applied { warnings, .. } => WarningGroup::new("at the last reload", warnings),
            Reload::Failed { error } => WarningGroup::new(
                "the last reload failed (the devices stay as they were)",
                std::slice::from_ref(error),
            ),
        };
    }
}

/// Opens the pane at its top, if there is anything to read.
pub(crate) fn open(app: &mut App) {
    if app.warnings.count() > 0 {
        app.ui.warnings = Some(0);
    }
}

pub(crate) fn perform(app: &mut App, action: KeyAction) -> Action {
    use KeyAction as A;
    let page = app.viewport.warnings_rows.max(1);
    let Some(scroll) = app.ui.warnings.as_mut() else {
        return Action::None;
    };
    match action {
        A::Quit => return Action::Quit,
        A::Back => app.ui.warnings = None,
        A::Up => *scroll = scroll.saturating_sub(1),
        A::Down => *scroll = scroll.saturating_add(1),
        A::PageUp => *scroll = scroll.saturating_sub(page),
        A::PageDown => *scroll = scroll.saturating_add(page),
        A::Top => *scroll = 0,
        // The view clamps to the real end at the next draw.
        A::Bottom => *scroll = usize::MAX / 2,
        // Not in the pane's table.
        _ => {}
    }
    Action::None
}
