//! The stage timeline: a mark, the stage, its duration and reason, then the totals.

use std::time::Duration;

use ratatui::text::{Line, Span};

use super::right;
use crate::model::{Stage, Status};
use crate::tui::device::DeviceRow;
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::tui::view::glyphs;

/// Room for the longest duration `text::duration_ms` writes ("<0.1ms", "12h05m"), right-aligned.
const TIME_WIDTH: usize = 7;

pub fn lines(
    row: &DeviceRow,
    width: usize,
    now: Duration,
    tick: u64,
    theme: &Theme,
) -> Vec<Line<'static>> {
    // The longest title and a space, so a duration never touches its stage.
    let title_width = Stage::ALL
        .iter()
        .map(|s| text::width(s.name()))
        .max()
        .unwrap_or(0)
        + 1;
    let mut lines: Vec<Line> = Stage::ALL
        .iter()
        .map(|&stage| {
            let mark = row.mark(stage);
            let result = row.report.result(stage);
            // Skipped stages took no time and their reason repeats the failure above them.
            let ran = result.filter(|r| r.status != Status::Skip);
            let time = ran
                .map(|r| text::duration_ms(r.elapsed_ms))
                .unwrap_or_default();
            let reason = ran
                .filter(|r| matches!(r.status, Status::Fail | Status::Warn))
                .and_then(|r| r.reason)
                .map_or("", |r| r.name());
            let reason_width = width.saturating_sub(2 + title_width + TIME_WIDTH + 1);
            Line::from(vec![
                Span::styled(
                    format!("{} ", glyphs::mark_glyph(mark, tick)),
                    glyphs::mark_style(mark, theme),
                ),
                Span::raw(text::pad(stage.name(), title_width)),
                Span::styled(format!("{} ", right(&time, TIME_WIDTH)), theme.dim),
                Span::styled(
                    text::fit(reason, reason_width),
                    glyphs::mark_style(mark, theme),
                ),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    let report = &row.report;
    let mut facts: Vec<(&str, String)> = Vec::new();
    if let Some(ms) = row.elapsed_ms(now) {
        facts.push(("total", text::duration_ms(ms)));
    }
    facts.push((
        "reached",
        report
            .reached
            .map_or("nothing yet".to_string(), |s| s.name().to_string()),
    ));
    if let Some(profile) = report.profile.as_deref().filter(|p| !p.trim().is_empty()) {
        facts.push(("profile", text::clean(profile)));
    }
    let label_width = facts.iter().map(|(l, _)| text::width(l)).max().unwrap_or(0) + 2;
    for (label, value) in facts {
        lines.push(Line::from(vec![
            Span::styled(text::pad(label, label_width), theme.dim),
            Span::raw(text::fit(&value, width.saturating_sub(label_width))),
        ]));
    }
    lines
}
