//! The UI's state: a plain struct that holds the fleet (`crate::fleet`, which folds the
//! engine's events) and folds key presses. Views read it; nothing here draws or touches the
//! network.

use std::time::Duration;

use crossterm::event::{KeyEvent, KeyEventKind};

use super::clock::Clock;
use super::device::{DeviceRow, RowExtra};
use super::keys::{Component, KeyAction};
use super::table_model::{TableLine, TableModel, TableOptions};
use super::text;
use super::theme::Theme;
use crate::fleet::{Change, Fleet, Reload};
use crate::model::{DeviceReport, Event, FixKind, FixOutcome, FixProposal, Stage, Verdict};

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
}

/// A fix's confirmation dialog, from the key that opens it until the user closes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixDialog {
    pub device: usize,
    pub kind: FixKind,
    pub state: DialogState,
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
    pub dialog: Option<FixDialog>,
}

/// Sizes seen at the last draw, so paging moves by what the user sees.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Viewport {
    pub table_rows: usize,
    pub transcript_rows: usize,
    pub evidence_rows: usize,
}

/// Longest filter text kept; the input is typed by hand, so this only bounds a pasted flood.
const FILTER_MAX_CHARS: usize = 200;

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
    /// Watch mode on (the dashboard's `w` switches it).
    watching: bool,
    /// The header's line for the fleet's last reload, made terminal-safe once.
    notice: Option<Notice>,
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
                dialog: None,
            },
            model: TableModel::default(),
            dirty: true,
            viewport: Viewport {
                table_rows: 10,
                transcript_rows: 5,
                evidence_rows: 5,
            },
            last_key_action: None,
            model_builds: 0,
            watching: false,
            notice: None,
        }
    }

    pub fn with_theme(mut self, theme: Theme) -> Self {
        self.theme = theme;
        self
    }

    /// Starts with watch mode on (`--watch`).
    pub fn with_watching(mut self, on: bool) -> Self {
        self.watching = on;
        self
    }

    pub fn watching(&self) -> bool {
        self.watching
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
                if let Some(dialog) = self.dialog_for(device, proposal.kind)
                    && dialog.state == DialogState::Waiting
                {
                    dialog.state = DialogState::Proposed(proposal);
                }
            }
            Event::FixFinished { device, outcome } => {
                if let Some(dialog) = self.dialog_for(device, outcome.kind)
                    && matches!(dialog.state, DialogState::Applying(_))
                {
                    dialog.state = DialogState::Finished(outcome);
                }
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
            Change::Reload => self.notice = self.fleet.last_reload().map(notice),
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

    fn line_of(&self, device: Option<usize>) -> Option<usize> {
        device.and_then(|d| self.model.line_of_device.get(d).copied().flatten())
    }

    /// The open dialog, if it is the one for this device and fix.
    fn dialog_for(&mut self, device: usize, kind: FixKind) -> Option<&mut FixDialog> {
        self.ui
            .dialog
            .as_mut()
            .filter(|d| d.device == device && d.kind == kind)
    }

    /// The component that gets keys: the top-most one on screen.
    pub fn component(&self) -> Component {
        if self.ui.help {
            Component::Help
        } else if self.ui.dialog.is_some() {
            Component::Dialog
        } else if self.ui.editing_filter {
            Component::FilterInput
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
        let Some(binding) = self.component().lookup(&key) else {
            return Action::None;
        };
        self.refresh();
        self.last_key_action = Some(binding.action);
        self.perform(binding.action, key)
    }

    fn perform(&mut self, action: KeyAction, key: KeyEvent) -> Action {
        use KeyAction as A;
        match action {
            A::Quit => return Action::Quit,
            A::Reprobe => return self.reprobe_target(),
            A::ReprobeAll => return Action::ReprobeAll,
            A::ToggleWatch => {
                self.watching = !self.watching;
                return Action::ToggleWatch;
            }
            A::ToggleHelp => self.ui.help = !self.ui.help,
            A::Up | A::Down | A::PageUp | A::PageDown | A::Top | A::Bottom => self.navigate(action),
            A::Open => {
                if let Some(device) = self.ui.selected {
                    self.ui.screen = Screen::Drilldown(device);
                    self.ui.focus = Pane::Transcript;
                    self.ui.transcript_scroll = 0;
                    self.ui.evidence_scroll = 0;
                }
            }
            A::Back => self.ui.screen = Screen::Dashboard,
            A::SwitchPane => {
                self.ui.focus = match self.ui.focus {
                    Pane::Transcript => Pane::Evidence,
                    Pane::Evidence => Pane::Transcript,
                }
            }
            A::EditFilter => self.ui.editing_filter = true,
            A::FilterKeep => self.ui.editing_filter = false,
            A::FilterClear => {
                self.ui.editing_filter = false;
                self.set_filter(String::new());
            }
            A::FilterBackspace => {
                let mut text = self.ui.options.filter.clone();
                text.pop();
                self.set_filter(text);
            }
            A::FilterClearText => self.set_filter(String::new()),
            A::FilterType => {
                if let crossterm::event::KeyCode::Char(c) = key.code
                    && self.ui.options.filter.chars().count() < FILTER_MAX_CHARS
                {
                    let text = format!("{}{c}", self.ui.options.filter);
                    self.set_filter(text);
                }
            }
            A::ShowAll => {
                self.set_filter(String::new());
                self.set_options(|o| o.failing_only = false);
            }
            A::FixAlgorithms => return self.open_fix(FixKind::Algorithms),
            A::FixHostKey => return self.open_fix(FixKind::HostKey),
            A::Confirm => return self.confirm(),
            A::Cancel => self.ui.dialog = None,
            A::CycleSort => self.set_options(|o| o.sort = o.sort.next()),
            A::ToggleFailing => self.set_options(|o| o.failing_only = !o.failing_only),
            A::ToggleGroup => self.set_options(|o| o.grouped = !o.grouped),
        }
        Action::None
    }

    fn reprobe_target(&self) -> Action {
        self.target()
            .map_or(Action::None, |d| Action::Reprobe(vec![d]))
    }

    /// The device keys act on: the one drilled into, else the selected one.
    fn target(&self) -> Option<usize> {
        match self.ui.screen {
            Screen::Drilldown(device) => Some(device),
            Screen::Dashboard => self.ui.selected,
        }
    }

    /// Whether a key's action applies to the current device; the hint bar shows only those.
    pub fn can(&self, action: KeyAction) -> bool {
        let report = self.target().and_then(|d| self.report(d));
        match action {
            KeyAction::FixAlgorithms => report.is_some_and(|r| {
                r.failure
                    .as_ref()
                    .is_some_and(|f| f.stage == Stage::Kex && f.reason.starts_with("no_common_"))
            }),
            KeyAction::FixHostKey => report.is_some_and(|r| {
                r.host_key
                    .as_ref()
                    .is_some_and(|hk| hk.verdict == Verdict::Changed)
            }),
            KeyAction::Confirm => self
                .ui
                .dialog
                .as_ref()
                .is_some_and(|d| d.state.can_confirm()),
            _ => true,
        }
    }

    /// Opens the dialog and asks the engine side for the proposal; whether the fix applies
    /// is the engine side's to say, with its reasons.
    fn open_fix(&mut self, kind: FixKind) -> Action {
        let Some(device) = self.target() else {
            return Action::None;
        };
        self.ui.dialog = Some(FixDialog {
            device,
            kind,
            state: DialogState::Waiting,
        });
        Action::ProposeFix { device, kind }
    }

    fn confirm(&mut self) -> Action {
        let Some(dialog) = self.ui.dialog.as_mut() else {
            return Action::None;
        };
        match &dialog.state {
            DialogState::Proposed(proposal) if dialog.state.can_confirm() => {
                let (device, kind) = (dialog.device, dialog.kind);
                dialog.state = DialogState::Applying(proposal.clone());
                Action::ApplyFix { device, kind }
            }
            DialogState::Proposed(_) | DialogState::Finished(_) => {
                self.ui.dialog = None;
                Action::None
            }
            DialogState::Waiting | DialogState::Applying(_) => Action::None,
        }
    }

    fn set_filter(&mut self, text: String) {
        self.set_options(|o| o.filter = text);
    }

    fn set_options(&mut self, change: impl FnOnce(&mut TableOptions)) {
        let before = self.ui.options.clone();
        change(&mut self.ui.options);
        if self.ui.options != before {
            self.dirty = true;
            self.refresh();
        }
    }

    fn navigate(&mut self, action: KeyAction) {
        match self.ui.screen {
            Screen::Dashboard => self.move_selection(action),
            Screen::Drilldown(_) => self.scroll_pane(action),
        }
    }

    fn move_selection(&mut self, action: KeyAction) {
        use KeyAction as A;
        let lines = self.model.lines.len();
        if lines == 0 {
            return;
        }
        let current = self.line_of(self.ui.selected).unwrap_or(0);
        let page = self.viewport.table_rows.max(1);
        let last = lines - 1;
        let target = match action {
            A::Up => self.device_line_before(current),
            A::Down => self.device_line_after(current),
            A::PageUp => self.device_line_near(current.saturating_sub(page), false),
            A::PageDown => self.device_line_near((current + page).min(last), true),
            A::Top => {
                self.ui.table_offset = 0;
                self.device_line_near(0, true)
            }
            A::Bottom => self.device_line_near(last, false),
            _ => None,
        };
        if let Some(line) = target {
            self.ui.selected = self.model.device_at(line);
            self.ui.selected_line = line;
        }
    }

    fn device_line_before(&self, line: usize) -> Option<usize> {
        (0..line).rev().find(|&n| self.model.device_at(n).is_some())
    }

    fn device_line_after(&self, line: usize) -> Option<usize> {
        (line + 1..self.model.lines.len()).find(|&n| self.model.device_at(n).is_some())
    }

    /// The device line at `line`, else the nearest one, looking forward first when `forward`.
    fn device_line_near(&self, line: usize, forward: bool) -> Option<usize> {
        let here = self.model.device_at(line).map(|_| line);
        let ahead = || self.device_line_after(line);
        let behind = || self.device_line_before(line);
        if forward {
            here.or_else(ahead).or_else(behind)
        } else {
            here.or_else(behind).or_else(ahead)
        }
    }

    fn scroll_pane(&mut self, action: KeyAction) {
        use KeyAction as A;
        let (scroll, page) = match self.ui.focus {
            Pane::Transcript => (
                &mut self.ui.transcript_scroll,
                self.viewport.transcript_rows,
            ),
            Pane::Evidence => (&mut self.ui.evidence_scroll, self.viewport.evidence_rows),
        };
        let page = page.max(1);
        *scroll = match action {
            A::Up => scroll.saturating_sub(1),
            A::Down => scroll.saturating_add(1),
            A::PageUp => scroll.saturating_sub(page),
            A::PageDown => scroll.saturating_add(page),
            A::Top => 0,
            // The view clamps to the real end at the next draw.
            A::Bottom => usize::MAX / 2,
            _ => *scroll,
        };
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
