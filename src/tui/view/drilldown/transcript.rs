//! The redacted session transcript: time, direction, text; long lines wrap under themselves.

use ratatui::text::{Line, Span};

use crate::model::{DeviceReport, Direction};
use crate::tui::text;
use crate::tui::theme::Theme;

const TIME_WIDTH: usize = 7;
/// Entries shown; the engine bounds transcripts, this bounds the work of one frame anyway.
const MAX_ENTRIES: usize = 5_000;
/// Characters of one entry shown; device output can be one endless line.
const MAX_ENTRY_CHARS: usize = 4_096;

pub fn lines(report: &DeviceReport, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    if report.transcript.is_empty() {
        return vec![Line::styled("Nothing recorded yet.", theme.dim)];
    }
    let text_width = width.saturating_sub(TIME_WIDTH + 3).max(8);
    let mut out = Vec::new();
    for entry in report.transcript.iter().take(MAX_ENTRIES) {
        let (arrow, style) = match entry.direction {
            Direction::Received => ("←", theme.received),
            Direction::Sent => ("→", theme.sent),
            Direction::Note => ("·", theme.note),
        };
        let time = text::duration_ms(entry.at_ms);
        let mut shown: String = entry.text.chars().take(MAX_ENTRY_CHARS).collect();
        if shown.len() < entry.text.len() {
            shown.push('…');
        }
        for (i, part) in text::chunk(text::clean(&shown).trim_end(), text_width)
            .into_iter()
            .enumerate()
        {
            let head = if i == 0 {
                format!("{time:>TIME_WIDTH$} {arrow} ")
            } else {
                " ".repeat(TIME_WIDTH + 3)
            };
            out.push(Line::from(vec![
                Span::styled(head, theme.dim),
                Span::styled(part, style),
            ]));
        }
    }
    if report.transcript.len() > MAX_ENTRIES {
        let more = report.transcript.len() - MAX_ENTRIES;
        out.push(Line::styled(
            format!("… {more} more lines not shown"),
            theme.dim,
        ));
    }
    out
}
