//! What the keys do, one module per component. The component on top gets a key; its table in
//! `super::keys` finds the action (the same table fills the hint bar and the help overlay);
//! its module here performs it and says which of its actions apply now.

pub(crate) mod dashboard;
pub(crate) mod drilldown;
pub(crate) mod filter_input;
pub(crate) mod fix_dialog;
pub(crate) mod help;
pub(crate) mod save_dialog;
pub(crate) mod warnings;

use crossterm::event::{KeyEvent, KeyEventKind};

use super::app::{Action, App, Screen};
use super::keys::{Component, KeyAction};

impl App {
    /// The component that gets keys: the top-most one on screen.
    pub fn component(&self) -> Component {
        if self.ui.help {
            Component::Help
        } else if self.ui.dialog.is_some() {
            Component::Dialog
        } else if self.ui.save.is_some() {
            Component::SaveInput
        } else if self.ui.editing_filter {
            Component::FilterInput
        } else if self.ui.warnings.is_some() {
            Component::Warnings
        } else {
            match self.ui.screen {
                Screen::Dashboard => Component::Dashboard,
                Screen::Drilldown(_) => Component::Drilldown,
            }
        }
    }

    /// Dispatches a key through the active component's key table; keys not in it do nothing.
    pub fn handle_key(&mut self, key: KeyEvent) -> Action {
        if key.kind == KeyEventKind::Release {
            return Action::None;
        }
        let component = self.component();
        let Some(binding) = component.lookup(&key) else {
            return Action::None;
        };
        self.refresh();
        self.last_key_action = Some(binding.action);
        if self.read_only() && binding.action.acts() {
            self.refuse_read_only();
            return Action::None;
        }
        match component {
            Component::Dashboard => dashboard::perform(self, binding.action),
            Component::Drilldown => drilldown::perform(self, binding.action),
            Component::FilterInput => filter_input::perform(self, binding.action, &key),
            Component::Dialog => fix_dialog::perform(self, binding.action),
            Component::SaveInput => save_dialog::perform(self, binding.action, &key),
            Component::Help => help::perform(self, binding.action),
            Component::Warnings => warnings::perform(self, binding.action),
        }
    }

    /// Whether a key's action applies now in the component on top; the hint bar shows only
    /// those.
    pub fn can(&self, action: KeyAction) -> bool {
        self.can_in(self.component(), action)
    }

    /// Whether `component`'s `action` applies now (a fix key only on a device that needs it;
    /// nothing that probes, fixes or saves on a saved run).
    pub fn can_in(&self, component: Component, action: KeyAction) -> bool {
        if self.read_only() && action.acts() {
            return false;
        }
        match component {
            Component::Dashboard => dashboard::can(self, action),
            Component::Drilldown => drilldown::can(self, action),
            Component::Dialog => fix_dialog::can(self, action),
            Component::SaveInput => save_dialog::can(self, action),
            Component::FilterInput | Component::Help | Component::Warnings => true,
        }
    }

    /// Whether the help lists `action` at all: not what a saved run refuses, nor the
    /// warnings pane when nothing warned. (A fix key is listed even where it does not apply.)
    pub fn offers(&self, action: KeyAction) -> bool {
        match action {
            KeyAction::ShowWarnings => self.warnings.count() > 0,
            action => !(self.read_only() && action.acts()),
        }
    }
}

/// Probes the device a screen acts on again, if there is one.
fn reprobe(device: Option<usize>) -> Action {
    device.map_or(Action::None, |d| Action::Reprobe(vec![d]))
}
