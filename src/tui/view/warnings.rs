//! The warnings pane (`W`): every warning of loading the inventory and of its last reload,
//! each with its file:line, wrapped at words and scrollable.
//!
//! ```text
//!   ┌ Warnings · 3 ─────────────────────────────────────────────────────────┐
//!   │ when the inventory was loaded                                         │
//!   │ hosts.yml:3: skipping `all`: no hosts under it                        │
//!   │ lab.toml:14: device r9: port 0 is not a port; the device is skipped   │
//!   │ at the last reload                                                    │
//!   │ lab.toml:20: unknown key `pasword` (did you mean `password`?)         │
//!   └────────────────────────────────────────────────────────────── 1–5 of 5 ┘
//!  Esc close  ↓ scroll  q quit                                               (the hint bar)
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use crate::tui::app::App;
use crate::tui::text;
use crate::tui::theme::Theme;

const MAX_WIDTH: u16 = 110;
const INDENT: usize = 2;

pub fn render(frame: &mut Frame, area: Rect, app: &mut App) {
    let width = area.width.saturating_sub(4).min(MAX_WIDTH);
    let height = area.height.saturating_sub(2);
    if width < 20 || height < 4 {
        return;
    }
    let inner = width.saturating_sub(4) as usize;
    let lines = content(app, inner);
    let rows = (height - 2) as usize;
    app.viewport.warnings_rows = rows;
    let last_top = lines.len().saturating_sub(rows);
    let top = app.ui.warnings.unwrap_or(0).min(last_top);
    if let Some(scroll) = app.ui.warnings.as_mut() {
        *scroll = top;
    }
    let end = (top + rows).min(lines.len());
    let theme = &app.theme;
    let position = format!(" {}–{} of {} ", top + 1, end, lines.len());
    // The keys are in the hint bar below the pane.
    let bottom = Line::styled(position, theme.dim);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + 1,
        width,
        height: text::cells(end - top + 2).min(height),
    };
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Span::styled(
            format!(" Warnings · {} ", app.warnings.count()),
            theme.title,
        ))
        .title_bottom(bottom.right_aligned())
        .padding(Padding::horizontal(1));
    let shown: Vec<Line> = lines[top..end].to_vec();
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(shown).block(block), popup);
}

/// Each group's title, then its warnings: the "file:line:" that leads one stands out, and
/// the rest wraps under it, indented.
fn content(app: &App, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = Vec::new();
    for group in app.warnings.groups() {
        lines.push(Line::styled(group.title.clone(), theme.heading));
        for warning in &group.lines {
            lines.extend(warning_lines(warning, width, theme));
        }
        if group.more > 0 {
            lines.push(Line::styled(
                format!("… and {} more", group.more),
                theme.dim,
            ));
        }
    }
    lines
}

fn warning_lines(warning: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let (place, message) = split_place(warning);
    let first_room = width.saturating_sub(text::width(place)).max(1);
    let mut parts = text::wrap(message, first_room);
    if parts.len() > 1 {
        let rest = parts[1..].join(" ");
        parts.truncate(1);
        parts.extend(text::wrap(&rest, width.saturating_sub(INDENT).max(1)));
    }
    parts
        .into_iter()
        .enumerate()
        .map(|(n, part)| {
            let head = if n == 0 {
                Span::styled(place.to_string(), theme.key)
            } else {
                Span::raw(" ".repeat(INDENT))
            };
            Line::from(vec![head, Span::raw(part)])
        })
        .collect()
}

/// "lab.toml:14: port 0 …" → ("lab.toml:14: ", "port 0 …"): the first `name:digits: ` of a
/// warning; ("", warning) when it names no line.
fn split_place(warning: &str) -> (&str, &str) {
    let Some(colon) = warning.find(": ") else {
        return ("", warning);
    };
    let place = &warning[..colon];
    let names_line = place.rsplit_once(':').is_some_and(|(file, line)| {
        !file.is_empty() && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
    });
    if names_line && !place.contains(' ') {
        warning.split_at(colon + 2)
    } else {
        ("", warning)
    }
}

#[cfg(test)]
mod tests {
    use super::split_place;

    #[test]
    fn the_place_is_a_file_and_a_line() {
        assert_eq!(
            split_place("lab.toml:14: port 0 is not a port"),
            ("lab.toml:14: ", "port 0 is not a port")
        );
        assert_eq!(split_place("no place: here"), ("", "no place: here"));
        assert_eq!(split_place("a:b: c"), ("", "a:b: c"));
        assert_eq!(split_place("no colon at all"), ("", "no colon at all"));
    }
}
