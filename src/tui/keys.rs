//! The key tables. Each component has one table of (keys, action, hint, help text); the same
//! table dispatches keys, fills the hint bar and the help overlay, so the three cannot drift.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key as the tables name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character, Shift allowed (it is how capitals arrive).
    Char(char),
    /// Ctrl plus a letter.
    Ctrl(char),
    /// A named key without Ctrl or Alt.
    Code(KeyCode),
    /// Any printable character: text input.
    AnyChar,
}

impl Key {
    pub fn matches(self, event: &KeyEvent) -> bool {
        let ctrl_or_alt = event
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        match (self, event.code) {
            (Key::Char(want), KeyCode::Char(got)) => want == got && !ctrl_or_alt,
            (Key::Ctrl(want), KeyCode::Char(got)) => {
                want.eq_ignore_ascii_case(&got) && event.modifiers.contains(KeyModifiers::CONTROL)
            }
            (Key::Code(want), got) => want == got && !ctrl_or_alt,
            (Key::AnyChar, KeyCode::Char(_)) => !ctrl_or_alt,
            _ => false,
        }
    }

    /// How the key is written in the hint bar and help.
    pub fn label(self) -> String {
        match self {
            Key::Char(' ') => "Space".to_string(),
            Key::Char(c) => c.to_string(),
            Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
            Key::AnyChar => "letters".to_string(),
            Key::Code(code) => match code {
                KeyCode::Up => "↑".to_string(),
                KeyCode::Down => "↓".to_string(),
                KeyCode::Left => "←".to_string(),
                KeyCode::Right => "→".to_string(),
                KeyCode::PageUp => "PgUp".to_string(),
                KeyCode::PageDown => "PgDn".to_string(),
                KeyCode::Home => "Home".to_string(),
                KeyCode::End => "End".to_string(),
                KeyCode::Enter => "Enter".to_string(),
                KeyCode::Esc => "Esc".to_string(),
                KeyCode::Tab => "Tab".to_string(),
                KeyCode::Backspace => "Backspace".to_string(),
                other => format!("{other:?}"),
            },
        }
    }

    /// A key event that this key matches, for tests and docs.
    pub fn example(self) -> KeyEvent {
        match self {
            Key::Char(c) if c.is_ascii_uppercase() => {
                KeyEvent::new(KeyCode::Char(c), KeyModifiers::SHIFT)
            }
            Key::Char(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE),
            Key::Ctrl(c) => KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
            Key::Code(code) => KeyEvent::new(code, KeyModifiers::NONE),
            Key::AnyChar => KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE),
        }
    }
}

/// What a key asks for; its meaning is the component's (Down moves the selection on the
/// dashboard and scrolls a pane in the drill-down).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAction {
    Quit,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    ShowAll,
    Reprobe,
    ReprobeAll,
    /// Watch mode on or off: probe devices that are not ready again and again.
    ToggleWatch,
    EditFilter,
    CycleSort,
    ToggleFailing,
    ToggleGroup,
    ToggleHelp,
    SwitchPane,
    FilterKeep,
    FilterClear,
    FilterBackspace,
    FilterClearText,
    FilterType,
    /// Propose the legacy-algorithm allow-list fix for the device.
    FixAlgorithms,
    /// Propose the known_hosts repair (stale entries out, presented key in).
    FixHostKey,
    /// Confirm what a dialog shows.
    Confirm,
    /// Close a dialog without doing anything more.
    Cancel,
    /// Save the run as shown to a JSON file (`sshtriage view` opens it again).
    SaveRun,
    /// Write the fix dialog's copy-ready snippets to a new file.
    WriteSnippets,
    /// Show more of the start, or the rest, of lines too wide to show whole.
    ScrollLeft,
    ScrollRight,
    /// Open the pane of load and reload warnings (offered only when there are some).
    ShowWarnings,
}

impl KeyAction {
    /// Probes, changes a file or saves: what a saved run, read-only, does not do.
    pub fn acts(self) -> bool {
        matches!(
            self,
            KeyAction::Reprobe
                | KeyAction::ReprobeAll
                | KeyAction::ToggleWatch
                | KeyAction::FixAlgorithms
                | KeyAction::FixHostKey
                | KeyAction::SaveRun
                | KeyAction::WriteSnippets
        )
    }
}

/// Which hints a short hint bar keeps first: it drops `View` hints, then `Mode`, then `Row`,
/// each from the end of the table; `Always` stays. The bar then says how many it left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum HintRank {
    /// Sorting, filtering, grouping, saving: the help lists them.
    View,
    /// Modes and ways out: watch, warnings, quit.
    Mode,
    /// What acts on the selected device or the component shown: open, re-probe, the fixes.
    Row,
    /// Help, where every key is.
    Always,
}

impl KeyAction {
    pub fn hint_rank(self) -> HintRank {
        use KeyAction as A;
        match self {
            A::ToggleHelp => HintRank::Always,
            A::Open
            | A::Back
            | A::Reprobe
            | A::FixAlgorithms
            | A::FixHostKey
            | A::Confirm
            | A::Cancel
            | A::FilterKeep
            | A::FilterClear => HintRank::Row,
            A::ToggleWatch | A::ShowWarnings | A::Quit => HintRank::Mode,
            _ => HintRank::View,
        }
    }
}

/// One line of a key table.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: KeyAction,
    /// Short label for the hint bar; None keeps the binding out of the bar (still in help).
    pub hint: Option<&'static str>,
    pub help: &'static str,
}

impl Binding {
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(|k| k.label())
            .collect::<Vec<_>>()
            .join("/")
    }

    /// The first key, as the hint bar shows it.
    pub fn first_key_label(&self) -> String {
        self.keys.first().map(|k| k.label()).unwrap_or_default()
    }
}

/// The parts of the screen that take keys; the top-most visible one gets them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Component {
    Dashboard,
    Drilldown,
    FilterInput,
    /// A fix's confirmation dialog.
    Dialog,
    /// The file name a run is saved to.
    SaveInput,
    Help,
    /// The load and reload warnings (`W`).
    Warnings,
}

impl Component {
    pub const ALL: [Component; 7] = [
        Component::Dashboard,
        Component::Drilldown,
        Component::FilterInput,
        Component::Dialog,
        Component::SaveInput,
        Component::Help,
        Component::Warnings,
    ];

    pub fn bindings(self) -> &'static [Binding] {
        match self {
            Component::Dashboard => DASHBOARD,
            Component::Drilldown => DRILLDOWN,
            Component::FilterInput => FILTER_INPUT,
            Component::Dialog => DIALOG,
            Component::SaveInput => SAVE_INPUT,
            Component::Help => HELP,
            Component::Warnings => WARNINGS,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Component::Dashboard => "Dashboard",
            Component::Drilldown => "Device details",
            Component::FilterInput => "Filter",
            Component::Dialog => "Fix",
            Component::SaveInput => "Save run",
            Component::Help => "Help",
            Component::Warnings => "Warnings",
        }
    }

    /// The binding for a key event, first match in table order.
    pub fn lookup(self, event: &KeyEvent) -> Option<&'static Binding> {
        self.bindings()
            .iter()
            .find(|b| b.keys.iter().any(|k| k.matches(event)))
    }
}

const fn bind(
    keys: &'static [Key],
    action: KeyAction,
    hint: Option<&'static str>,
    help: &'static str,
) -> Binding {
    Binding {
        keys,
        action,
        hint,
        help,
    }
}

use Key::{Char, Code, Ctrl};
use KeyAction as A;

const QUIT_KEYS: &[Key] = &[Char('q'), Ctrl('c')];

// Help texts fit the help's column at 80 columns (25 cells beside the keys); the README's
// key table is generated from this table (see `tests::markdown`).
static DASHBOARD: &[Binding] = &[
    bind(
        &[Code(KeyCode::Up), Char('k')],
        A::Up,
        None,
        "previous device",
    ),
    bind(
        &[Code(KeyCode::Down), Char('j')],
        A::Down,
        None,
        "next device",
    ),
    bind(&[Code(KeyCode::PageUp)], A::PageUp, None, "one page up"),
    bind(
        &[Code(KeyCode::PageDown)],
        A::PageDown,
        None,
        "one page down",
    ),
    bind(
        &[Char('g'), Code(KeyCode::Home)],
        A::Top,
        None,
        "first device",
    ),
    bind(
        &[Char('G'), Code(KeyCode::End)],
        A::Bottom,
        None,
        "last device",
    ),
    bind(
        &[Code(KeyCode::Enter)],
        A::Open,
        Some("open"),
        "open the device's details",
    ),
    bind(
        &[Char('r')],
        A::Reprobe,
        Some("re-probe"),
        "re-probe this device",
    ),
    bind(&[Char('R')], A::ReprobeAll, None, "re-probe every device"),
    // Shown in the hint bar only when the selected device needs them (component::fix_dialog).
    bind(
        &[Char('a')],
        A::FixAlgorithms,
        Some("fix algorithms"),
        "fix a kex failure",
    ),
    bind(
        &[Char('K')],
        A::FixHostKey,
        Some("fix known_hosts"),
        "fix a changed host key",
    ),
    bind(
        &[Char('w')],
        A::ToggleWatch,
        Some("watch"),
        "watch: probe until ready",
    ),
    // Offered only when loading or reloading the inventory warned.
    bind(
        &[Char('W')],
        A::ShowWarnings,
        Some("warnings"),
        "inventory warnings",
    ),
    bind(
        &[Char('/')],
        A::EditFilter,
        Some("filter"),
        "filter on the rows' text",
    ),
    bind(
        &[Code(KeyCode::Esc)],
        A::ShowAll,
        None,
        "clear filters, show all",
    ),
    bind(
        &[Char('s')],
        A::CycleSort,
        Some("sort"),
        "sort: name, stage, time",
    ),
    bind(
        &[Char('f')],
        A::ToggleFailing,
        Some("failing"),
        "failing devices only",
    ),
    bind(
        &[Char('b')],
        A::ToggleGroup,
        Some("group"),
        "group by failing stage",
    ),
    bind(
        &[Char('S')],
        A::SaveRun,
        Some("save"),
        "save the run as JSON",
    ),
    bind(
        &[Char('?')],
        A::ToggleHelp,
        Some("help"),
        "show or hide this help",
    ),
    bind(QUIT_KEYS, A::Quit, Some("quit"), "quit"),
];

static DRILLDOWN: &[Binding] = &[
    bind(
        &[Code(KeyCode::Esc), Code(KeyCode::Left)],
        A::Back,
        Some("back"),
        "back to the dashboard",
    ),
    // Shown in the hint bar only when the device needs them (see component::fix_dialog).
    bind(
        &[Char('a')],
        A::FixAlgorithms,
        Some("fix algorithms"),
        "fix a kex failure where your client reads it",
    ),
    bind(
        &[Char('K')],
        A::FixHostKey,
        Some("fix known_hosts"),
        "fix a changed host key in known_hosts",
    ),
    bind(&[Code(KeyCode::Up), Char('k')], A::Up, None, "scroll up"),
    bind(
        &[Code(KeyCode::Down), Char('j')],
        A::Down,
        Some("scroll"),
        "scroll down",
    ),
    bind(
        &[Code(KeyCode::PageUp)],
        A::PageUp,
        None,
        "scroll one page up",
    ),
    bind(
        &[Code(KeyCode::PageDown)],
        A::PageDown,
        None,
        "scroll one page down",
    ),
    bind(
        &[Char('g'), Code(KeyCode::Home)],
        A::Top,
        None,
        "scroll to the top",
    ),
    bind(
        &[Char('G'), Code(KeyCode::End)],
        A::Bottom,
        None,
        "scroll to the bottom",
    ),
    bind(
        &[Code(KeyCode::Tab)],
        A::SwitchPane,
        Some("pane"),
        "focus transcript / evidence",
    ),
    bind(
        &[Char('r')],
        A::Reprobe,
        Some("re-probe"),
        "re-probe this device",
    ),
    bind(&[Char('R')], A::ReprobeAll, None, "re-probe every device"),
    bind(
        &[Char('?')],
        A::ToggleHelp,
        Some("help"),
        "show or hide this help",
    ),
    bind(QUIT_KEYS, A::Quit, Some("quit"), "quit"),
];

static FILTER_INPUT: &[Binding] = &[
    bind(
        &[Code(KeyCode::Enter)],
        A::FilterKeep,
        Some("keep"),
        "keep the filter and return to the table",
    ),
    bind(
        &[Code(KeyCode::Esc)],
        A::FilterClear,
        Some("clear"),
        "clear the filter",
    ),
    bind(
        &[Code(KeyCode::Backspace)],
        A::FilterBackspace,
        Some("delete"),
        "delete the last character",
    ),
    bind(
        &[Ctrl('u')],
        A::FilterClearText,
        None,
        "delete all the text",
    ),
    bind(&[Ctrl('c')], A::Quit, None, "quit"),
    bind(
        &[Key::AnyChar],
        A::FilterType,
        None,
        "type to match the rows' text",
    ),
];

static DIALOG: &[Binding] = &[
    bind(
        &[Char('y'), Code(KeyCode::Enter)],
        A::Confirm,
        Some("apply"),
        "apply the change shown, then probe again",
    ),
    bind(
        &[Char('n'), Code(KeyCode::Esc)],
        A::Cancel,
        Some("close"),
        "close without changing anything",
    ),
    // Shown when there are snippets; scrolling when they do not fit.
    bind(
        &[Char('w')],
        A::WriteSnippets,
        Some("write"),
        "write the snippets to a new file here",
    ),
    bind(&[Code(KeyCode::Up), Char('k')], A::Up, None, "scroll up"),
    bind(
        &[Code(KeyCode::Down), Char('j')],
        A::Down,
        Some("scroll"),
        "scroll down",
    ),
    bind(&[Code(KeyCode::PageUp)], A::PageUp, None, "one page up"),
    bind(
        &[Code(KeyCode::PageDown)],
        A::PageDown,
        None,
        "one page down",
    ),
    bind(
        &[Char('g'), Code(KeyCode::Home)],
        A::Top,
        None,
        "to the top",
    ),
    bind(
        &[Char('G'), Code(KeyCode::End)],
        A::Bottom,
        None,
        "to the end",
    ),
    bind(
        &[Code(KeyCode::Left), Char('h')],
        A::ScrollLeft,
        None,
        "long lines: back to their start",
    ),
    bind(
        &[Code(KeyCode::Right), Char('l')],
        A::ScrollRight,
        Some("long lines"),
        "long lines: show their rest",
    ),
    bind(
        &[Char('?')],
        A::ToggleHelp,
        Some("help"),
        "show or hide this help",
    ),
    bind(&[Ctrl('c')], A::Quit, None, "quit"),
];

// The text keys are the filter's: both edit one line of text.
static SAVE_INPUT: &[Binding] = &[
    bind(
        &[Code(KeyCode::Enter)],
        A::Confirm,
        Some("save"),
        "save the run to this file (never replaces one)",
    ),
    bind(
        &[Code(KeyCode::Esc)],
        A::Cancel,
        Some("cancel"),
        "close without saving",
    ),
    bind(
        &[Code(KeyCode::Backspace)],
        A::FilterBackspace,
        Some("delete"),
        "delete the last character",
    ),
    bind(
        &[Ctrl('u')],
        A::FilterClearText,
        None,
        "delete all the text",
    ),
    bind(&[Ctrl('c')], A::Quit, None, "quit"),
    bind(&[Key::AnyChar], A::FilterType, None, "type the file name"),
];

static HELP: &[Binding] = &[
    bind(
        &[Char('?'), Code(KeyCode::Esc)],
        A::ToggleHelp,
        Some("close help"),
        "close this help",
    ),
    bind(QUIT_KEYS, A::Quit, Some("quit"), "quit"),
];

static WARNINGS: &[Binding] = &[
    bind(
        &[Code(KeyCode::Esc), Char('W')],
        A::Back,
        Some("close"),
        "close the warnings",
    ),
    bind(&[Code(KeyCode::Up), Char('k')], A::Up, None, "scroll up"),
    bind(
        &[Code(KeyCode::Down), Char('j')],
        A::Down,
        Some("scroll"),
        "scroll down",
    ),
    bind(&[Code(KeyCode::PageUp)], A::PageUp, None, "one page up"),
    bind(
        &[Code(KeyCode::PageDown)],
        A::PageDown,
        None,
        "one page down",
    ),
    bind(&[Char('g'), Code(KeyCode::Home)], A::Top, None, "the first"),
    bind(
        &[Char('G'), Code(KeyCode::End)],
        A::Bottom,
        None,
        "the last",
    ),
    bind(QUIT_KEYS, A::Quit, Some("quit"), "quit"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// A component's keys as a Markdown table (key, what it does), as the README lists them.
    pub fn markdown(component: Component) -> String {
        let mut out = String::from("| key | does |\n|---|---|\n");
        for b in component.bindings() {
            let keys = b
                .keys
                .iter()
                .map(|k| format!("`{}`", k.label()))
                .collect::<Vec<_>>()
                .join(" ");
            out.push_str(&format!("| {keys} | {} |\n", b.help));
        }
        out
    }

    #[test]
    fn every_key_in_every_table_finds_its_own_binding() {
        for component in Component::ALL {
            for binding in component.bindings() {
                for key in binding.keys {
                    let found = component.lookup(&key.example()).map(|b| b.action);
                    assert_eq!(
                        found,
                        Some(binding.action),
                        "{component:?}: {} does not dispatch to {:?}",
                        key.label(),
                        binding.action
                    );
                }
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_in_one_table() {
        for component in Component::ALL {
            let keys: Vec<Key> = component
                .bindings()
                .iter()
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, key) in keys.iter().enumerate() {
                assert!(
                    !keys[i + 1..].contains(key),
                    "{component:?} binds {key:?} twice"
                );
            }
        }
    }

    #[test]
    fn shift_and_ctrl_are_told_apart() {
        let ctrl_r = KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
        assert!(Component::Dashboard.lookup(&ctrl_r).is_none());
        let shift_r = Key::Char('R').example();
        assert_eq!(
            Component::Dashboard.lookup(&shift_r).map(|b| b.action),
            Some(KeyAction::ReprobeAll)
        );
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for component in Component::ALL {
            assert_eq!(
                component.lookup(&ctrl_c).map(|b| b.action),
                Some(KeyAction::Quit)
            );
        }
    }

    /// The README's key table is this table's, so its wording cannot drift from the help.
    #[test]
    fn the_readme_lists_the_dashboard_keys_as_the_table_has_them() {
        let readme = include_str!("../../README.md");
        let table = markdown(Component::Dashboard);
        assert!(
            readme.contains(&table),
            "README.md's dashboard key table differs from keys.rs; it should read:\n{table}"
        );
    }

    /// A short hint bar keeps help, then what acts on the row, then modes.
    #[test]
    fn hint_ranks_keep_help_and_the_rows_keys_first() {
        assert!(KeyAction::ToggleHelp.hint_rank() > KeyAction::FixHostKey.hint_rank());
        assert!(KeyAction::FixAlgorithms.hint_rank() > KeyAction::ToggleWatch.hint_rank());
        assert!(KeyAction::Quit.hint_rank() > KeyAction::ToggleGroup.hint_rank());
    }
}
