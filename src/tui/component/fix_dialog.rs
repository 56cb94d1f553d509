//! A fix, from the key that asks for it to the dialog's answer: whether the fix keys apply to
//! a device, opening the dialog, the engine side's proposal and outcome landing in it, and the
//! dialog's own keys (confirm, close).

use crate::model::{FixKind, FixOutcome, FixProposal, HostKeyVerdict};
use crate::tui::app::{Action, App, DialogState, FixDialog, UiState};
use crate::tui::keys::KeyAction;

pub(crate) fn perform(app: &mut App, action: KeyAction) -> Action {
    match action {
        KeyAction::Quit => Action::Quit,
        KeyAction::Confirm => confirm(app),
        KeyAction::Cancel => {
            app.ui.dialog = None;
            Action::None
        }
        // Not in the dialog's table.
        _ => Action::None,
    }
}

/// Confirm applies only to a proposal that is not blocked.
pub(crate) fn can(app: &App, action: KeyAction) -> bool {
    match action {
        KeyAction::Confirm => app
            .ui
            .dialog
            .as_ref()
            .is_some_and(|d| d.state.can_confirm()),
        _ => true,
    }
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
