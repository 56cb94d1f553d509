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
    let block = block(title, position(scroll, rows, total), focused, theme);
    let window: Vec<Line> = lines.into_iter().skip(scroll).take(rows).collect();
    frame.render_widget(Paragraph::new(window).block(block), area);
    (scroll, rows)
}

/// "3–9 of 40" when `total` lines do not fit in `rows`, else nothing.
pub fn position(scroll: usize, rows: usize, total: usize) -> String {
    if total > rows {
        format!(
            " {}–{} of {} ",
            scroll + 1,
            (scroll + rows).min(total),
            total
        )
    } else {
        String::new()
    }
}

/// The pane's border: its title (marked when it has the focus) and its position below.
pub fn block(title: &str, position: String, focused: bool, theme: &Theme) -> Block<'static> {
    let (border, marker) = if focused {
        (theme.border_focused, "▸ ")
    } else {
        (theme.border, "")
    };
    Block::bordered()
        .border_style(border)
        .padding(Padding::horizontal(1))
        .title(Span::styled(format!(" {marker}{title} "), theme.heading))
        .title_bottom(Line::styled(position, theme.dim).right_aligned())
}
