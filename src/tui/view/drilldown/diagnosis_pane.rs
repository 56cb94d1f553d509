//! What went wrong, in one line with the figures, one plain sentence of what to do, and the
//! commands that do it.

use ratatui::text::{Line, Span};

use crate::fleet::Probe;
use crate::model::Status;
use crate::tui::device::{DeviceRow, stage_says};
use crate::tui::diagnosis;
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::tui::view::glyphs;

const HEADLINE_MAX_LINES: usize = 3;

pub fn lines(row: &DeviceRow, width: usize, tick: u64, theme: &Theme) -> Vec<Line<'static>> {
    let report = &row.report;
    let mut commands: Vec<String> = Vec::new();
    let (headline, style, sentence) = if let Some(f) = &report.failure {
        let result = report.result(f.stage);
        let status = result.map_or(Status::Fail, |r| r.status);
        commands.extend(
            result
                .iter()
                .flat_map(|r| r.commands.iter().map(|c| c.to_string())),
        );
        (
            format!("✗ {}", stage_says(f.stage, &f.message)),
            theme.fail,
            diagnosis::explain(f.stage, status, Some(f.reason)),
        )
    } else {
        match row.probe {
            Probe::Pending => (
                "· Waiting to be probed.".to_string(),
                theme.pending,
                String::new(),
            ),
            Probe::Running { stage } => (
                format!(
                    "{} Probing{}…",
                    glyphs::spinner(tick),
                    stage.map(|s| format!(" {}", s.title())).unwrap_or_default()
                ),
                theme.running,
                String::new(),
            ),
            Probe::Done => match row.first_warning() {
                Some(w) => {
                    commands.extend(w.commands.iter().map(|c| c.to_string()));
                    (
                        format!("! {}", stage_says(w.stage, &w.detail)),
                        theme.warn,
                        diagnosis::explain(w.stage, Status::Warn, w.reason),
                    )
                }
                None => (
                    format!(
                        "✓ Ready: reached {}.",
                        report.reached.map_or("nothing", |s| s.title())
                    ),
                    theme.ok,
                    ready_sentence(row),
                ),
            },
        }
    };
    // A long message must not push the advice out of the pane.
    let mut head = text::wrap(&text::clean(&headline), width);
    if head.len() > HEADLINE_MAX_LINES {
        head.truncate(HEADLINE_MAX_LINES);
        if let Some(last) = head.last_mut() {
            *last = text::fit(&format!("{last} …"), width);
        }
    }
    let mut lines: Vec<Line> = head.into_iter().map(|l| Line::styled(l, style)).collect();
    if !sentence.is_empty() {
        lines.extend(
            text::wrap(&sentence, width)
                .into_iter()
                .map(|l| Line::from(Span::raw(l))),
        );
    }
    // Commands as `check` prints them, to paste into a shell.
    for command in commands {
        lines.extend(
            text::wrap(&text::clean(&format!("$ {command}")), width)
                .into_iter()
                .map(Line::from),
        );
    }
    lines
}

fn ready_sentence(row: &DeviceRow) -> String {
    let report = &row.report;
    let enable = report.result(crate::model::Stage::Enable);
    match enable.and_then(|r| r.reason) {
        Some(reason) => format!("Nothing to fix. {}", reason.sentence()),
        None => "Nothing to fix: automation can log in here.".to_string(),
    }
}
