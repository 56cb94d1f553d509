//! Marks, labels and their styles, shared by every view so a state looks the same everywhere.

use ratatui::style::{Modifier, Style};

use crate::model::Status;
use crate::tui::device::{Condition, StageMark, WhyKind};
use crate::tui::theme::Theme;

/// Spinner frames for a running stage; the frame comes from the app's tick counter.
pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn spinner(tick: u64) -> &'static str {
    SPINNER[(tick % SPINNER.len() as u64) as usize]
}

pub fn status_glyph(status: Status) -> &'static str {
    match status {
        Status::Ok => "✓",
        Status::Warn => "!",
        Status::Fail => "✗",
        Status::Skip => "-",
    }
}

pub fn status_style(status: Status, theme: &Theme) -> Style {
    match status {
        Status::Ok => theme.ok,
        Status::Warn => theme.warn,
        Status::Fail => theme.fail,
        Status::Skip => theme.skip,
    }
}

pub fn mark_glyph(mark: StageMark, tick: u64) -> &'static str {
    match mark {
        StageMark::Pending => "·",
        StageMark::Running => spinner(tick),
        StageMark::Ended(status) => status_glyph(status),
        StageMark::Beyond(status) => beyond_glyph(status),
        StageMark::NotRun => "-",
    }
}

/// A stage run past a client failure: hollow shapes, so it never reads as ready.
pub fn beyond_glyph(status: Status) -> &'static str {
    match status {
        Status::Ok => "○",
        Status::Warn => "◇",
        Status::Fail => "⊗",
        Status::Skip => "-",
    }
}

pub fn mark_style(mark: StageMark, theme: &Theme) -> Style {
    match mark {
        StageMark::Pending => theme.pending,
        StageMark::Running => theme.running,
        StageMark::Ended(status) => status_style(status, theme),
        StageMark::Beyond(Status::Fail | Status::Warn) => theme.beyond.add_modifier(Modifier::BOLD),
        StageMark::Beyond(Status::Skip) => theme.skip,
        StageMark::Beyond(_) => theme.beyond,
        StageMark::NotRun => theme.skip,
    }
}

pub fn why_style(kind: WhyKind, theme: &Theme) -> Style {
    match kind {
        WhyKind::Fail => theme.fail,
        WhyKind::Warn => theme.warn,
        WhyKind::Ready => theme.ok,
        WhyKind::Running => theme.running,
        WhyKind::Pending => theme.dim,
    }
}

/// A group header's words: "7 devices fail at host_key", "1 device ready".
pub fn outcome_label(outcome: Condition, count: usize) -> String {
    let one = count == 1;
    let (verb, rest) = match outcome {
        Condition::Failing(stage) => (
            if one { "fails" } else { "fail" },
            format!(" at {}", stage.name()),
        ),
        Condition::Running => (
            if one {
                "is being probed"
            } else {
                "are being probed"
            },
            String::new(),
        ),
        Condition::Waiting => (
            if one {
                "is waiting to be tried again"
            } else {
                "are waiting to be tried again"
            },
            String::new(),
        ),
        Condition::Pending => (
            if one { "is waiting" } else { "are waiting" },
            String::new(),
        ),
        Condition::Ready => (if one { "is ready" } else { "are ready" }, String::new()),
    };
    format!("{} {verb}{rest}", devices(count))
}

pub fn outcome_glyph(outcome: Condition, tick: u64) -> &'static str {
    match outcome {
        Condition::Failing(_) => "✗",
        Condition::Running => spinner(tick),
        Condition::Waiting => "◷",
        Condition::Pending => "·",
        Condition::Ready => "✓",
    }
}

pub fn outcome_style(outcome: Condition, theme: &Theme) -> Style {
    match outcome {
        Condition::Failing(_) => theme.fail,
        Condition::Running => theme.running,
        Condition::Waiting => theme.warn,
        Condition::Pending => theme.pending,
        Condition::Ready => theme.ok,
    }
}

/// "1 device" / "3 devices".
pub fn devices(n: usize) -> String {
    if n == 1 {
        "1 device".to_string()
    } else {
        format!("{n} devices")
    }
}
