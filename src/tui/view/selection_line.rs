//! Under the table: the selected device's reason in full (its row had to cut it) and, for a
//! failure or warning, the advice, so the next step is readable without drilling down.
//!
//! ```text
//! ▶ legacy-r2 · kex: no common kex (server offers only diffie-hellman-group14-sha1,
//!   diffie-hellman-group1-sha1)
//!   The device offers only key exchanges your client does not enable: allow one in the
//!   device's algorithms (kex = "+…") or upgrade its SSH.
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::glyphs;
use crate::model::Status;
use crate::tui::device::DeviceRow;
use crate::tui::diagnosis;
use crate::tui::text;
use crate::tui::theme::Theme;

/// Rows it takes when there is room for it.
pub const HEIGHT: u16 = 4;

pub fn render(frame: &mut Frame, area: Rect, row: &DeviceRow, theme: &Theme) {
    let width = area.width as usize;
    if width < 10 || area.height == 0 {
        return;
    }
    let (kind, why) = row.why();
    let prefix = format!("▶ {} · ", text::clean(&row.report.name));
    let indent = 2;
    let body_width = width.saturating_sub(indent);
    // The first line is shorter (it carries the name); the rest wrap at full width.
    let mut why_parts = text::wrap(&why, width.saturating_sub(text::width(&prefix)));
    if why_parts.len() > 1 {
        let rest = why_parts[1..].join(" ");
        why_parts.truncate(1);
        why_parts.extend(text::wrap(&rest, body_width));
    }
    let why_style = glyphs::why_style(kind, theme);
    let mut parts: Vec<(String, Style)> = why_parts.into_iter().map(|p| (p, why_style)).collect();
    if let Some(advice) = advice(row) {
        parts.extend(
            text::wrap(&advice, body_width)
                .into_iter()
                .map(|p| (p, Style::new())),
        );
    }
    let rows = area.height as usize;
    if parts.len() > rows {
        parts.truncate(rows);
        if let Some((last, _)) = parts.last_mut() {
            let room = if rows == 1 {
                width.saturating_sub(text::width(&prefix))
            } else {
                body_width
            };
            *last = text::fit(&format!("{last} …"), room);
        }
    }
    let lines: Vec<Line> = parts
        .into_iter()
        .enumerate()
        .map(|(i, (part, style))| {
            let head = if i == 0 {
                Span::styled(prefix.clone(), theme.heading)
            } else {
                Span::raw(" ".repeat(indent))
            };
            Line::from(vec![head, Span::styled(part, style)])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// The diagnosis sentence for the failing (or warning) stage.
fn advice(row: &DeviceRow) -> Option<String> {
    let report = &row.report;
    if let Some(f) = &report.failure {
        return Some(diagnosis::explain(f.stage, Status::Fail, Some(f.reason)));
    }
    let warning = row.first_warning()?;
    Some(diagnosis::explain(
        warning.stage,
        Status::Warn,
        warning.reason,
    ))
}
