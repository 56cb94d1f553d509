//! A fix, from the key that asks for it to the dialog's answer: whether the fix keys apply to
//! a device, opening the dialog, the engine side's proposal and outcome landing in it, and the
//! dialog's own keys (confirm, close, scroll, write the copy-ready snippets to a file).

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::model::{FixKind, FixOutcome, FixProposal, FixSnippet, HostKeyVerdict};
use crate::tui::app::{Action, App, DialogState, FixDialog, UiState};
use crate::tui::keys::KeyAction;
use crate::tui::text;

/// Columns one press of ← or → moves the lines too wide to show whole.
const SHIFT_STEP: usize = 16;
/// `NAME.txt`, then `NAME-2.txt` … up to this many names before giving up.
const NAMES_TRIED: usize = 100;
/// Snippets hold no secret: readable like the reports.
const FILE_MODE: u32 = 0o644;

/// What the scroll keys move, and what the last draw learnt (the view clamps both).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialogView {
    /// First body row shown.
    pub scroll: usize,
    /// Columns the lines to paste are shifted left by.
    pub shift: usize,
    /// Body rows shown.
    pub rows: usize,
    /// The body has more rows than shown.
    pub taller: bool,
    /// A line to paste is wider than the dialog.
    pub wider: bool,
}

/// What `w` did: the file written (absolute), or why nothing was; terminal-safe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    To(String),
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error("{} and the next {} names exist; remove some", .first.display(), NAMES_TRIED - 1)]
    Taken { first: PathBuf },
    #[error("{} {}: {}", .0.action, .0.path.display(), .0.source)]
    Io(crate::atomic::IoFailure),
}

pub(crate) fn perform(app: &mut App, action: KeyAction) -> Action {
    use KeyAction as A;
    match action {
        A::Quit => return Action::Quit,
        A::Confirm => return confirm(app),
        A::Cancel => app.ui.dialog = None,
        A::WriteSnippets => return write(app),
        A::ToggleHelp => super::help::toggle(app),
        _ => {}
    }
    let Some(dialog) = app.ui.dialog.as_mut() else {
        return Action::None;
    };
    let view = &mut dialog.view;
    let page = view.rows.max(1);
    match action {
        A::Up => view.scroll = view.scroll.saturating_sub(1),
        A::Down => view.scroll = view.scroll.saturating_add(1),
        A::PageUp => view.scroll = view.scroll.saturating_sub(page),
        A::PageDown => view.scroll = view.scroll.saturating_add(page),
        A::Top => view.scroll = 0,
        // The view clamps to the real end at the next draw.
        A::Bottom => view.scroll = usize::MAX / 2,
        A::ScrollLeft => view.shift = view.shift.saturating_sub(SHIFT_STEP),
        A::ScrollRight => view.shift = view.shift.saturating_add(SHIFT_STEP),
        // Handled above, or not in the dialog's table.
        _ => {}
    }
    Action::None
}

/// Asks the runner to write the snippets shown, to the default name in this directory.
fn write(app: &App) -> Action {
    let Some(dialog) = app
        .ui
        .dialog
        .as_ref()
        .filter(|d| shown_snippets(d).is_some())
    else {
        return Action::None;
    };
    let name = app.report(dialog.device).map(|r| r.name.as_str());
    Action::WriteSnippets(default_file_name(name.unwrap_or_default()).into())
}

/// Confirm applies only to a proposal that is not blocked; write only where there are
/// snippets; the scroll keys only when the dialog cannot show everything at once.
pub(crate) fn can(app: &App, action: KeyAction) -> bool {
    use KeyAction as A;
    let Some(dialog) = app.ui.dialog.as_ref() else {
        return true;
    };
    match action {
        A::Confirm => dialog.state.can_confirm(),
        A::WriteSnippets => shown_snippets(dialog).is_some(),
        A::Up | A::Down | A::PageUp | A::PageDown | A::Top | A::Bottom => dialog.view.taller,
        A::ScrollLeft | A::ScrollRight => dialog.view.wider,
        _ => true,
    }
}

/// The snippets the dialog shows: a proposal's, when it has any.
pub(crate) fn shown_snippets(dialog: &FixDialog) -> Option<&[FixSnippet]> {
    match &dialog.state {
        DialogState::Proposed(p) | DialogState::Applying(p) if !p.snippets.is_empty() => {
            Some(&p.snippets)
        }
        _ => None,
    }
}

/// What the dialog's title calls a fix.
pub(crate) fn what(kind: FixKind) -> &'static str {
    match kind {
        FixKind::Algorithms => "legacy algorithms",
        FixKind::HostKey => "known_hosts",
    }
}

/// `sshtriage-fix-legacy-r2.txt`: the device's name kept to what is safe in a file name.
pub(crate) fn default_file_name(device: &str) -> String {
    let safe: String = device
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    let safe = safe.trim_start_matches('.');
    let safe = if safe.is_empty() { "device" } else { safe };
    format!("sshtriage-fix-{safe}.txt")
}

impl App {
    /// Writes the snippets the fix dialog shows to `path`, or to `NAME-2.txt`, `NAME-3.txt` …
    /// beside it when that exists (a file is never replaced), all at once; the dialog then
    /// says where they went or why not.
    pub fn write_snippets(&mut self, path: &Path) {
        let Some(dialog) = self.ui.dialog.as_ref() else {
            return;
        };
        let Some(snippets) = shown_snippets(dialog) else {
            return;
        };
        let report = self.report(dialog.device);
        let name = report.map(|r| r.name.as_str()).unwrap_or_default();
        let place = report
            .map(|r| format!("{}:{}", r.host, r.port))
            .unwrap_or_default();
        let heading = format!("sshtriage fix · {} · {name} ({place})", what(dialog.kind));
        let contents = snippet_file(&heading, snippets);
        let written = match write_new(path, &contents) {
            Ok(path) => Written::To(text::clean(&path.display().to_string())),
            Err(e) => Written::Failed(text::clean(&e.to_string())),
        };
        if let Some(dialog) = self.ui.dialog.as_mut() {
            dialog.written = Some(written);
        }
    }
}

/// The file's text: a heading, then each snippet under its title, its lines as shown. Titles
/// are `#` comments, as ssh_config, YAML and Python read them, so a snippet can be pasted with
/// its title.
pub(crate) fn snippet_file(heading: &str, snippets: &[FixSnippet]) -> String {
    let mut out = format!(
        "# {}\n# Copy-ready text: paste the lines under the title that names your client.\n",
        text::clean(heading)
    );
    for snippet in snippets {
        out.push_str(&format!("\n# ── {}\n", text::clean(&snippet.title)));
        for line in &snippet.lines {
            out.push_str(&text::clean(&line.text));
            out.push('\n');
        }
    }
    out
}

/// Creates `path`, or the first free numbered name beside it; returns the path written, made
/// absolute so the dialog can say where it went.
fn write_new(path: &Path, contents: &str) -> Result<PathBuf, WriteError> {
    for n in 1..=NAMES_TRIED {
        let candidate = numbered(path, n);
        match crate::atomic::create_new(&candidate, contents.as_bytes(), FILE_MODE) {
            Ok(()) => return Ok(std::path::absolute(&candidate).unwrap_or(candidate)),
            Err(failure) if failure.source.kind() == ErrorKind::AlreadyExists => continue,
            Err(failure) => return Err(WriteError::Io(failure)),
        }
    }
    Err(WriteError::Taken {
        first: path.to_path_buf(),
    })
}

/// `path` itself for 1, else `stem-N.ext` beside it.
fn numbered(path: &Path, n: usize) -> PathBuf {
    if n == 1 {
        return path.to_path_buf();
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = match path.extension() {
        Some(ext) => format!("{stem}-{n}.{}", ext.to_string_lossy()),
        None => format!("{stem}-{n}"),
    };
    path.with_file_name(name)
}

/// For the screens that offer the fix keys: a fix key applies when `device` shows the
/// failure that fix is for (any other key always does). A hint, not a verdict: the engine
/// side's proposal says whether the fix can be made.
pub(crate) fn key_applies(app: &App, device: Option<usize>, action: KeyAction) -> bool {
    let report = device.and_then(|d| app.report(d));
    match action {
        KeyAction::FixAlgorithms => report.is_some_and(|r| {
            r.failure
                .as_ref()
                .is_some_and(|f| f.reason.is_no_common_algorithm())
        }),
        KeyAction::FixHostKey => report.is_some_and(|r| {
            r.host_key
                .as_ref()
                .is_some_and(|hk| hk.verdict == HostKeyVerdict::Changed)
        }),
        _ => true,
    }
}

/// Opens the dialog and asks the engine side for the proposal; whether the fix applies
/// is the engine side's to say, with its reasons.
pub(crate) fn open(app: &mut App, device: Option<usize>, kind: FixKind) -> Action {
    let Some(device) = device else {
        return Action::None;
    };
    app.ui.dialog = Some(FixDialog {
        device,
        kind,
        state: DialogState::Waiting,
        view: DialogView::default(),
        written: None,
    });
    Action::ProposeFix { device, kind }
}

/// The engine side's proposal, for the dialog still waiting for it.
pub(crate) fn proposed(ui: &mut UiState, device: usize, proposal: Box<FixProposal>) {
    if let Some(dialog) = dialog_for(ui, device, proposal.kind)
        && dialog.state == DialogState::Waiting
    {
        dialog.state = DialogState::Proposed(proposal);
    }
}

/// The outcome of an applied fix, for the dialog that applied it.
pub(crate) fn finished(ui: &mut UiState, device: usize, outcome: Box<FixOutcome>) {
    if let Some(dialog) = dialog_for(ui, device, outcome.kind)
        && matches!(dialog.state, DialogState::Applying(_))
    {
        dialog.state = DialogState::Finished(outcome);
    }
}

/// The open dialog, if it is the one for this device and fix.
fn dialog_for(ui: &mut UiState, device: usize, kind: FixKind) -> Option<&mut FixDialog> {
    ui.dialog
        .as_mut()
        .filter(|d| d.device == device && d.kind == kind)
}

fn confirm(app: &mut App) -> Action {
    let Some(dialog) = app.ui.dialog.as_mut() else {
        return Action::None;
    };
    match &dialog.state {
        DialogState::Proposed(proposal) if dialog.state.can_confirm() => {
            let (device, kind) = (dialog.device, dialog.kind);
            dialog.state = DialogState::Applying(proposal.clone());
            Action::ApplyFix { device, kind }
        }
        DialogState::Proposed(_) | DialogState::Finished(_) => {
            app.ui.dialog = None;
            Action::None
        }
        DialogState::Waiting | DialogState::Applying(_) => Action::None,
    }
}
