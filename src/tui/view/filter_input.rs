//! The filter line under the header: an input while typing, a reminder while a filter holds.
//!
//! ```text
//! filter › ios█                                   3 of 9 devices match
//! ```

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::tui::table_model::Counts;
use crate::tui::text;
use crate::tui::theme::Theme;

/// Whether the line is on screen at all.
pub fn visible(editing: bool, filter: &str) -> bool {
    editing || !filter.is_empty()
}

pub fn render(
    frame: &mut Frame,
    area: Rect,
    editing: bool,
    filter: &str,
    counts: &Counts,
    theme: &Theme,
) {
    if area.height == 0 || area.width < 4 {
        return;
    }
    let shown = text::clean(filter);
    let matched = format!("{} of {} devices match", counts.shown, counts.total);
    let (label, advice) = if editing {
        ("filter › ", "")
    } else {
        ("filter: ", "  (/ edit · Esc clear)")
    };
    let room = (area.width as usize)
        .saturating_sub(text::width(label) + text::width(&matched) + advice.len() + 4);
    // While typing, keep the end of the text (where the cursor is) visible.
    let visible_text = if text::width(&shown) > room {
        let tail: String = shown
            .chars()
            .rev()
            .take(room.saturating_sub(1))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("…{tail}")
    } else {
        shown
    };
    let line = Line::from(vec![
        Span::styled(label, theme.key),
        Span::styled(visible_text.clone(), theme.heading),
        Span::styled(advice, theme.dim),
    ]);
    frame.render_widget(Paragraph::new(line), area);
    let right_w = text::cells(text::width(&matched));
    if right_w < area.width {
        let right = Rect {
            x: area.x + area.width - right_w,
            width: right_w,
            ..area
        };
        frame.render_widget(Paragraph::new(Span::styled(matched, theme.dim)), right);
    }
    if editing {
        let x = area.x + (text::width(label) + text::width(&visible_text)) as u16;
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
}
