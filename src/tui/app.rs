//! The UI's state: a plain struct that holds the fleet (`crate::fleet`, which folds the
//! engine's events) and what the keys change. Views read it; the components
//! (`super::component`) own what each key does; nothing here draws or touches the network.

use std::time::Duration;

use super::clock::Clock;
use super::component::fix_dialog;
use super::component::warnings::Warnings;
use super::device::{DeviceRow, RowExtra};
use super::keys::KeyAction;
use super::run_file::Origin;
use super::table_model::{TableLine, TableModel, TableOptions};
use super::text;
use super::theme::Theme;
use crate::fleet::{Change, Fleet, Reload};
use crate::model::{DeviceReport, Event, FixKind, FixOutcome, FixProposal};

/// What the runner must do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    /// Probe these devices (indices into the device list) again.
    Reprobe(Vec<usize>),
    ReprobeAll,
    /// Watch mode was switched; `App::watching` says to what.
    ToggleWatch,
    /// Ask the engine side what this fix would change (the dialog waits for the answer).
    ProposeFix {
        device: usize,
        kind: FixKind,
    },
    /// The user confirmed the proposal: apply it and probe again.
    ApplyFix {
        device: usize,
        kind: FixKind,
    },
    /// Save the run to this file; the runner writes it with [`App::save_run`].
    SaveRun(std::path::PathBuf),
    /// Write the fix dialog's snippets to this file, or a new name beside it when it exists;
    /// the runner writes them with [`App::write_snippets`].
    WriteSnippets(std::path::PathBuf),
}

/// The save dialog (`S`), from the file name being typed to what the save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveDialog {
    /// The file name being typed (prefilled with the default).
    Editing(String),
    /// Written: where (absolute, terminal-safe) and how many devices.
    Saved { path: String, devices: usize },
    /// Not written: why (terminal-safe), and the name to edit again.
    Failed { error: String, name: String },
}

/// A fix's confirmation dialog, from the key that opens it until the user closes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixDialog {
    pub device: usize,
    pub kind: FixKind,
    pub state: DialogState,
    /// Where it is scrolled to, and what the last draw learnt of its size.
    pub view: fix_dialog::DialogView,
    /// Where the snippets were written, or why not.
    pub written: Option<fix_dialog::Written>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DialogState {
    /// The engine side is working out the change.
    Waiting,
    /// The exact change, or why there is none; nothing written yet.
    Proposed(Box<FixProposal>),
    /// Confirmed: being written and verified.
    Applying(Box<FixProposal>),
    Finished(Box<FixOutcome>),
}

impl DialogState {
    /// Only a proposal that is not blocked can be confirmed.
    pub fn can_confirm(&self) -> bool {
        matches!(self, DialogState::Proposed(p) if p.blocked.is_none())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Dashboard,
    /// The drill-down of one device (index into the device list).
    Drilldown(usize),
}

/// The drill-down pane that scroll keys move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Transcript,
    Evidence,
    /// Only when the diagnosis is longer than its pane (`Viewport::diagnosis_scrolls`).
    Diagnosis,
}

/// Everything the keys change. Plain data, so tests can compare it before and after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UiState {
    pub screen: Screen,
    pub help: bool,
    pub editing_filter: bool,
    pub options: TableOptions,
    /// The selected device (index into the device list): kept across re-sorts and filters.
    pub selected: Option<usize>,
    /// Line of the selection when last seen, where to look if the selected device disappears.
    pub selected_line: usize,
    /// First table line on screen.
    pub table_offset: usize,
    pub focus: Pane,
    pub transcript_scroll: usize,
    pub evidence_scroll: usize,
    pub diagnosis_scroll: usize,
    pub dialog: Option<FixDialog>,
    pub save: Option<SaveDialog>,
    /// The warnings pane (`W`) is open, scrolled this far.
    pub warnings: Option<usize>,
}

/// Sizes seen at the last draw, so paging moves by what the user sees.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Viewport {
    pub table_rows: usize,
    pub transcript_rows: usize,
    pub evidence_rows: usize,
    pub diagnosis_rows: usize,
    /// The diagnosis did not fit its pane at the last draw: Tab reaches it to scroll it.
    pub diagnosis_scrolls: bool,
    pub warnings_rows: usize,
}

pub struct App {
    fleet: Fleet<RowExtra>,
    clock: Box<dyn Clock>,
    pub(crate) theme: Theme,
    tick: u64,
    pub(crate) ui: UiState,
    model: TableModel,
    dirty: bool,
    pub(crate) viewport: Viewport,
    /// The last action a key dispatched (tests check dispatch goes through the tables).
    pub(crate) last_key_action: Option<KeyAction>,
    /// How often the table model was rebuilt (tests check it is cached between frames).
    pub(crate) model_builds: usize,
    /// The header's line for the fleet's last reload, made terminal-safe once.
    pub(crate) notice: Option<Notice>,
    /// A live run (what a save records of it) or a saved one, read-only.
    pub(crate) origin: Origin,
    /// What loading the inventory and its last reload warned about (the `W` pane).
    pub(crate) warnings: Warnings,
}

/// A line about the inventory for the header: a reload that worked, or one that did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    Info(String),
    Problem(String),
}

impl App {
    /// `devices` are the pending rows (name, host and port filled), in inventory order; event
    /// device indices refer to this order.
    pub fn new(devices: Vec<DeviceReport>, clock: Box<dyn Clock>) -> Self {
        let mut fleet = Fleet::new(devices);
        for device in 0..fleet.len() {
            fleet.update_extra(device, |row| RowExtra::of(row, Duration::ZERO, false));
        }
        App {
            fleet,
            clock,
            theme: Theme::color(),
            tick: 0,
            ui: UiState {
                screen: Screen::Dashboard,
                help: false,
                editing_filter: false,
                options: TableOptions::default(),
                // The first row shown, once the model is built.
                selected: None,
                selected_line: 0,
                table_offset: 0,
                focus: Pane::Transcript,
                transcript_scroll: 0,
                evidence_scroll: 0,
                diagnosis_scroll: 0,
                dialog: None,
                save: None,
                warnings: None,
            },
            model: TableModel::default(),
            dirty: true,
            viewport: Viewport {
                table_rows: 10,
                transcript_rows: 5,
                evidence_rows: 5,
                diagnosis_rows: 5,
                diagnosis_scrolls: false,
                warnings_rows: 10,
            },
            last_key_action: None,
            model_builds: 0,
            notice: None,
            origin: Origin::live(),
            warnings: Warnings::default(),
        }
    }

    /// What loading the inventory warned about, for the warnings pane (`W`).
    pub fn with_load_warnings(mut self, warnings: &[String]) -> Self {
        self.warnings.loaded(warnings);
        self
    }

    /// How many load and reload warnings the pane lists.
    pub fn warning_count(&self) -> usize {
        self.warnings.count()
    }

    pub fn with_theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Starts with watch mode on (`--watch`).
    pub fn with_watching(mut self, on: bool) -> Self {
        self.ui.options.watching = on;
        self.dirty = true;
        self
    }

    /// Watch mode on (the dashboard's `w` switches it): a table option, since it decides
    /// what the rows say and how the header counts them.
    pub fn watching(&self) -> bool {
        self.ui.options.watching
    }

    pub fn set_theme(&mut self, theme: Theme) {
        self.theme = theme;
    }

    pub fn ui(&self) -> &UiState {
        &self.ui
    }

    pub fn device_count(&self) -> usize {
        self.fleet.len()
    }

    /// Every device, by index, removed ones included (hidden).
    pub(crate) fn rows(&self) -> &[DeviceRow] {
        self.fleet.devices()
    }

    pub(crate) fn fleet(&self) -> &Fleet<RowExtra> {
        &self.fleet
    }

    pub fn report(&self, device: usize) -> Option<&DeviceReport> {
        self.fleet.device(device).map(|r| &r.report)
    }

    pub fn selected_device(&self) -> Option<usize> {
        self.ui.selected
    }

    pub(crate) fn now(&self) -> Duration {
        self.clock.now()
    }

    pub(crate) fn tick(&self) -> u64 {
        self.tick
    }

    /// Advances the spinner; the runner calls it about every 100 ms.
    pub fn on_tick(&mut self) {
        self.tick = self.tick.wrapping_add(1);
    }

    /// True while something moves on screen (a probe runs), so the runner redraws on ticks.
    pub fn is_animating(&self) -> bool {
        let dialog_busy =
            self.ui.dialog.as_ref().is_some_and(|d| {
                matches!(d.state, DialogState::Waiting | DialogState::Applying(_))
            });
        dialog_busy || self.rows().iter().any(DeviceRow::is_running)
    }

    /// Folds one engine event. Events for unknown devices are ignored.
    pub fn apply(&mut self, event: Event) {
        match event {
            Event::FixProposed { device, proposal } => {
                fix_dialog::proposed(&mut self.ui, device, proposal)
            }
            Event::FixFinished { device, outcome } => {
                fix_dialog::finished(&mut self.ui, device, outcome)
            }
            event => self.fold(event),
        }
    }

    /// Passes the event to the fleet, then brings the rows' own keys and the notice up to date.
    fn fold(&mut self, event: Event) {
        let restarted = matches!(event, Event::Started { .. });
        let rows_before = self.fleet.len();
        match self.fleet.apply(event) {
            Change::Unchanged => return,
            Change::Probe(device) => {
                let now = self.clock.now();
                self.fleet
                    .update_extra(device, |row| RowExtra::of(row, now, restarted));
            }
            Change::Watch(device) => {
                let now = self.clock.now();
                // Rows a reload added before this one are hidden, but get their keys too.
                for row in rows_before.min(device)..=device {
                    self.fleet
                        .update_extra(row, |row| RowExtra::of(row, now, false));
                }
            }
            Change::LocalClients => {}
            Change::Reload => {
                if let Some(reload) = self.fleet.last_reload() {
                    self.warnings.reloaded(reload);
                }
                self.notice = self.fleet.last_reload().map(notice);
            }
        }
        self.dirty = true;
    }

    /// What the last inventory reload said, shown in the header until the next one.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref()
    }

    /// The table model, rebuilt first if the state changed since the last build.
    pub(crate) fn model(&mut self) -> &TableModel {
        self.refresh();
        &self.model
    }

    /// The table model as last built; call after `refresh` (the views do, via the scroll step).
    pub(crate) fn model_ref(&self) -> &TableModel {
        &self.model
    }

    pub(crate) fn refresh(&mut self) {
        if !self.dirty {
            return;
        }
        self.model = TableModel::build(self.fleet.devices(), &self.ui.options);
        self.model_builds += 1;
        self.dirty = false;
        let still_shown = self
            .ui
            .selected
            .and_then(|d| self.model.line_of_device.get(d).copied().flatten());
        match still_shown {
            Some(line) => self.ui.selected_line = line,
            None => {
                self.ui.selected = self.model.nearest_device(self.ui.selected_line);
                if let Some(line) = self.line_of(self.ui.selected) {
                    self.ui.selected_line = line;
                }
            }
        }
    }

    /// Devices in the order the table shows them (after filter, sort and grouping).
    pub fn visible_devices(&mut self) -> Vec<usize> {
        self.model().devices().collect()
    }

    /// The table line showing `device`, if it is shown.
    pub(super) fn line_of(&self, device: Option<usize>) -> Option<usize> {
        device.and_then(|d| self.model.line_of_device.get(d).copied().flatten())
    }

    /// Changes how the table is filtered, sorted or grouped; rebuilds it at once if that
    /// changed anything, so the selection follows.
    pub(super) fn set_options(&mut self, change: impl FnOnce(&mut TableOptions)) {
        let before = self.ui.options.clone();
        change(&mut self.ui.options);
        if self.ui.options != before {
            self.dirty = true;
            self.refresh();
        }
    }

    /// Keeps the selection on screen for a table body `rows` high; returns the first line shown.
    pub(crate) fn scroll_table_to_selection(&mut self, rows: usize) -> usize {
        self.refresh();
        self.viewport.table_rows = rows;
        let total = self.model.lines.len();
        let mut offset = self.ui.table_offset.min(total.saturating_sub(rows));
        if let Some(line) = self.line_of(self.ui.selected) {
            // Show the group header above the first device of a group.
            let wanted_top = match line.checked_sub(1).map(|n| self.model.lines[n]) {
                Some(TableLine::Group { .. }) => line - 1,
                _ => line,
            };
            if wanted_top < offset {
                offset = wanted_top;
            }
            if rows > 0 && line >= offset + rows {
                offset = line + 1 - rows;
            }
        }
        self.ui.table_offset = offset;
        offset
    }
}

/// "inventory reloaded: 1 added, 1 removed", or why it was not.
fn notice(reload: &Reload) -> Notice {
    match reload {
        Reload::Applied {
            added,
            removed,
            changed,
            warnings,
        } => {
            let parts: Vec<String> = [
                (added.len(), "added"),
                (removed.len(), "removed"),
                (changed.len(), "changed"),
                (warnings.len(), "warnings"),
            ]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
            if parts.is_empty() {
                Notice::Info("inventory reloaded: no device changed".to_string())
            } else {
                Notice::Info(format!("inventory reloaded: {}", parts.join(", ")))
            }
        }
        Reload::Failed { error } => {
            Notice::Problem(format!("inventory not reloaded: {}", text::clean(error)))
        }
    }
}
