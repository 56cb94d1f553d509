//! The save dialog (`S`): the file name being typed, then where the run went or why not.
//!
//! ```text
//!   ┌ Save run · 13 devices ──────────────────────────────────────────┐
//!   │ File › sshtriage-run-20250601-120003.json█                       │
//!   │ A new file, relative to /home/netops/lab; never replaces one.    │
//!   └──────────────────────────────────── Enter save  Esc cancel ─────┘
//! ```

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

use super::hint_bar;
use crate::tui::app::{App, SaveDialog};
use crate::tui::keys::Component;
use crate::tui::text;

const MAX_WIDTH: u16 = 90;

pub fn render(frame: &mut Frame, area: Rect, app: &App) {
    let Some(dialog) = &app.ui.save else {
        return;
    };
    let width = area.width.saturating_sub(4).min(MAX_WIDTH);
    let inner = width.saturating_sub(4) as usize;
    if width < 20 || area.height < 5 {
        return;
    }
    let theme = &app.theme;
    let label = "File › ";
    let (lines, cursor) = match dialog {
        SaveDialog::Editing(name) => {
            let shown = text::clean(name);
            let room = inner.saturating_sub(text::width(label) + 1);
            // Keep the end of the name (where the cursor is) visible.
            let visible = if text::width(&shown) > room {
                let tail: Vec<char> = shown.chars().rev().take(room.saturating_sub(1)).collect();
                format!("…{}", tail.into_iter().rev().collect::<String>())
            } else {
                shown
            };
            let cwd = std::env::current_dir()
                .map(|d| text::clean(&d.display().to_string()))
                .unwrap_or_else(|_| "the current directory".into());
            let cursor = text::width(label) + text::width(&visible);
            let lines = vec![
                Line::from(vec![
                    Span::styled(label, theme.key),
                    Span::styled(visible, theme.heading),
                ]),
                Line::styled(
                    text::fit(
                        &format!("A new file, relative to {cwd}; never replaces one."),
                        inner,
                    ),
                    theme.dim,
                ),
            ];
            (lines, Some(cursor))
        }
        SaveDialog::Saved { path, devices } => {
            let mut lines = vec![Line::styled(
                format!("✓ Saved {}.", crate::tui::view::glyphs::devices(*devices)),
                theme.ok,
            )];
            lines.extend(
                text::wrap(&format!("Written to {path}"), inner)
                    .into_iter()
                    .map(Line::raw),
            );
            (lines, None)
        }
        SaveDialog::Failed { error, .. } => {
            let mut lines = vec![Line::styled("✗ Not saved.", theme.fail)];
            lines.extend(text::wrap(error, inner).into_iter().map(Line::raw));
            (lines, None)
        }
    };
    let max_rows = area.height.saturating_sub(4) as usize;
    let lines: Vec<Line> = lines.into_iter().take(max_rows.max(1)).collect();
    let height = text::cells(lines.len()).saturating_add(2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    let count = app.rows().iter().filter(|r| !r.is_removed()).count();
    let title = format!(" Save run · {} ", crate::tui::view::glyphs::devices(count));
    let can = |action| app.can_in(Component::SaveInput, action);
    let keys = match dialog {
        SaveDialog::Editing(_) => hint_bar::hints(Component::SaveInput, &can)
            .into_iter()
            .map(|(key, hint)| format!("{key} {hint}"))
            .collect::<Vec<_>>()
            .join("  "),
        SaveDialog::Saved { .. } => "Enter/Esc close".to_string(),
        SaveDialog::Failed { .. } => "Enter change the name  Esc close".to_string(),
    };
    let block = Block::bordered()
        .border_style(theme.border_focused)
        .title(Span::styled(title, theme.title))
        .title_bottom(Line::styled(format!(" {keys} "), theme.dim).right_aligned())
        .padding(Padding::horizontal(1));
    frame.render_widget(Clear, popup);
    frame.render_widget(Paragraph::new(lines).block(block), popup);
    if let Some(x) = cursor {
        let x = popup.x + 2 + text::cells(x);
        frame.set_cursor_position(Position::new(
            x.min(popup.right().saturating_sub(2)),
            popup.y + 1,
        ));
    }
}
