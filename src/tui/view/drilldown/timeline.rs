//! The stage timeline: a mark, the stage, its duration and reason, then the totals.

use std::time::Duration;

use ratatui::text::{Line, Span};

use crate::model::{Stage, Status};
use crate::tui::device::DeviceRow;
use crate::tui::text;
use crate::tui::theme::Theme;
use crate::tui::view::glyphs;

const TITLE_WIDTH: usize = 9;
const TIME_WIDTH: usize = 7;

pub fn lines(
    row: &DeviceRow,
    width: usize,
    now: Duration,
    tick: u64,
    theme: &Theme,
) -> Vec<Line<'static>> {
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
            let reason_width = width.saturating_sub(2 + TITLE_WIDTH + TIME_WIDTH + 1);
            Line::from(vec![
                Span::styled(
                    format!("{} ", glyphs::mark_glyph(mark, tick)),
                    glyphs::mark_style(mark, theme),
                ),
                Span::raw(text::pad(stage.title(), TITLE_WIDTH)),
                Span::styled(format!("{time:>TIME_WIDTH$} "), theme.dim),
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
            .map_or("nothing yet".to_string(), |s| s.title().to_string()),
    ));
    if let Some(profile) = &report.profile {
        facts.push(("profile", text::clean(profile)));
    }
    for (label, value) in facts {
        lines.push(Line::from(vec![
            Span::styled(text::pad(label, 9), theme.dim),
            Span::raw(text::fit(&value, width.saturating_sub(9))),
        ]));
    }
    lines
}
