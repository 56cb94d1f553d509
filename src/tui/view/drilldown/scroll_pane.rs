//! A bordered pane showing a window of pre-wrapped lines, with its position in the title.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph};

use crate::tui::theme::Theme;

/// Draws `lines` from `scroll` on; returns the scroll clamped to the end and the rows shown.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    scroll: usize,
    focused: bool,
    theme: &Theme,
) -> (usize, usize) {
    let rows = area.height.saturating_sub(2) as usize;
    let total = lines.len();
    let scroll = scroll.min(total.saturating_sub(rows));
    let end = (scroll + rows).min(total);
    let position = if total > rows {
        format!(" {}–{} of {} ", scroll + 1, end, total)
    } else {
        String::new()
    };
    let (border, marker) = if focused {
        (theme.border_focused, "▸ ")
    } else {
        (theme.border, "")
    };
    let block = Block::bordered()
        .border_style(border)
        .padding(Padding::horizontal(1))
        .title(Span::styled(format!(" {marker}{title} "), theme.heading))
        .title_bottom(Line::styled(position, theme.dim).right_aligned());
    let window: Vec<Line> = lines.into_iter().skip(scroll).take(rows).collect();
    frame.render_widget(Paragraph::new(window).block(block), area);
    (scroll, rows)
}
